/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* metrics.c — the login path's event counters (metrics.h).  Writing needs
 * root: the counters live in the root-only state directory.
 *
 * Why one appended byte per event: O_APPEND makes each write land whole
 * at the end of the file, so the size is an exact count across concurrent
 * logins with no lock (a lock that a user's setuid jailsh held could be
 * stalled by that user with SIGSTOP) and no shared mapping (a page fault
 * and an unmap with its TLB flush cost ~0.5 ms on the loaded development
 * VM, against ~0.04 ms for an open, a write and a close).  The bytes are
 * never read: the reader punches them out. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jaula/log.h"
#include "jaula/metrics.h"
#include "jaula/policy.h"
#include "jaula/state.h"
#include "jaula/util.h"

/* 5 ms … 10 s: a warm join takes a few ms, a cold login tens, a login
 * that waits on a lock or a slow NSS seconds. */
const uint64_t jaula_metrics_le_usec[JAULA_METRICS_BUCKETS - 1] = {
        5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

static char state_dir[PATH_MAX]; /* "": count nothing */
/* Whether an event may make the state directory and counters/: not when
 * state_dir is only the default a broken default policy may have meant
 * (a jailsh run on a host that does not use jaula makes nothing). */
static bool may_create;
static uint64_t start_usec;
static bool failure_logged;

JAULA_EXPORT uint64_t jaula_metrics_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* As early as a program can take it: before main (for jailsh, right
 * after the dynamic loader). */
__attribute__((constructor)) static void take_start(void)
{
        start_usec = jaula_metrics_now_usec();
}

JAULA_EXPORT uint64_t jaula_metrics_start_usec(void)
{
        return start_usec;
}

JAULA_EXPORT const char *jaula_metrics_via_name(enum jaula_metrics_via v)
{
        return v == JAULA_VIA_PAM ? "pam" : v == JAULA_VIA_JAILSH ? "jailsh" : "?";
}

JAULA_EXPORT const char *jaula_metrics_reason_name(enum jaula_metrics_reason r)
{
        static const char *const names[JAULA_REFUSED__MAX] = {
                [JAULA_REFUSED_POLICY] = "policy",   [JAULA_REFUSED_NOT_JAILED] = "not_jailed",
                [JAULA_REFUSED_LIMIT] = "limit",     [JAULA_REFUSED_SHELL] = "shell",
                [JAULA_REFUSED_SERVICE] = "service", [JAULA_REFUSED_SETUP] = "setup",
                [JAULA_REFUSED_OTHER] = "other",
        };

        return (unsigned) r < JAULA_REFUSED__MAX ? names[r] : "?";
}

JAULA_EXPORT const char *jaula_metrics_path_name(enum jaula_metrics_path p)
{
        return p == JAULA_LOGIN_COLD ? "cold" : p == JAULA_LOGIN_WARM ? "warm" : "?";
}

JAULA_EXPORT unsigned jaula_metrics_bucket(uint64_t usec)
{
        unsigned i = 0;

        while (i < JAULA_METRICS_BUCKETS - 1 && usec > jaula_metrics_le_usec[i])
                i++;
        return i;
}

JAULA_EXPORT void jaula_metrics_set_state_dir(const char *dir)
{
        if (dir && dir[0] == '/' && strlen(dir) < sizeof state_dir)
                snprintf(state_dir, sizeof state_dir, "%s", dir);
        else
                state_dir[0] = 0;
        may_create = true;
}

JAULA_EXPORT void jaula_metrics_use_policy(const char *config, const struct jaula_policy *p)
{
        if (p)
                jaula_metrics_set_state_dir(jaula_policy_state_dir(p));
        else if (config && strcmp(config, JAULA_DEFAULT_CONFIG) == 0) {
                jaula_metrics_set_state_dir(JAULA_METRICS_DEFAULT_STATE_DIR);
                may_create = false;
        } else
                jaula_metrics_set_state_dir(NULL);
}

static void log_failure(const char *dir, const char *what, int r)
{
        if (failure_logged)
                return;
        failure_logged = true;
        jaula_log(LOG_WARNING, "Cannot count %s in '%s/" JAULA_METRICS_DIR "': %s (not counted)",
                  what, dir, strerror(-r));
}

/* Zeros for the latency sum: one byte per JAULA_METRICS_SUM_UNIT_USEC. */
static const char zeros[4096];

/* Append len bytes to counter file name of dir, making the counters
 * directory (and, on the first event after boot, the state directory)
 * when missing.  The state directory is root's and 0700
 * (jaula_state_dir_open checks that when it makes it), so no user can have
 * put anything there; O_NOFOLLOW is for a file root itself left in the
 * way. */
static int append(const char *dir, const char *name, size_t len, bool create)
{
        char path[PATH_MAX];
        int fd, r = 0;

        if ((size_t) snprintf(path, sizeof path, "%s/" JAULA_METRICS_DIR "/%s", dir, name) >=
            sizeof path)
                return -ENAMETOOLONG;
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == ENOENT && create) {
                char sub[PATH_MAX];
                int sfd = jaula_state_dir_open(dir, NULL);

                if (sfd < 0)
                        return sfd;
                close_nointr(sfd);
                snprintf(sub, sizeof sub, "%s/" JAULA_METRICS_DIR, dir);
                if (mkdir(sub, 0700) < 0 && errno != EEXIST)
                        return neg_errno();
                fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
        if (fd < 0)
                return neg_errno();
        while (len > 0 && r == 0) {
                ssize_t n = write(fd, zeros, len < sizeof zeros ? len : sizeof zeros);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        r = n < 0 ? neg_errno() : -EIO;
                else
                        len -= (size_t) n;
        }
        close_nointr(fd);
        return r;
}

static void count_in(const char *dir, bool create, const char *what, const char *name, size_t len)
{
        int r;

        if (!dir || dir[0] != '/' || len == 0)
                return;
        r = append(dir, name, len, create);
        if (r < 0 && !(r == -ENOENT && !create))
                log_failure(dir, what, r);
}

/* The counter files' names: fixed words joined by '-'. */
static void refusal_name(char *buf, size_t size, int via, int reason)
{
        snprintf(buf, size, "refused-%s-%s", jaula_metrics_via_name(via),
                 jaula_metrics_reason_name(reason));
}

static void bucket_name(char *buf, size_t size, int via, int path, unsigned bucket)
{
        snprintf(buf, size, "login-%s-%s-%u", jaula_metrics_via_name(via),
                 jaula_metrics_path_name(path), bucket);
}

static void sum_name(char *buf, size_t size, int via, int path)
{
        snprintf(buf, size, "login-%s-%s-sum", jaula_metrics_via_name(via),
                 jaula_metrics_path_name(path));
}

JAULA_EXPORT void jaula_metrics_refused(enum jaula_metrics_via via,
                                        enum jaula_metrics_reason reason)
{
        char name[64];

        if ((unsigned) via >= JAULA_VIA__MAX || (unsigned) reason >= JAULA_REFUSED__MAX)
                return;
        refusal_name(name, sizeof name, via, reason);
        count_in(state_dir, may_create, "a refusal", name, 1);
}

JAULA_EXPORT void jaula_metrics_login(enum jaula_metrics_via via, enum jaula_metrics_path path,
                                      uint64_t start)
{
        uint64_t now = jaula_metrics_now_usec();
        uint64_t usec = now > start ? now - start : 0;
        uint64_t capped = usec < JAULA_METRICS_SUM_CAP_USEC ? usec : JAULA_METRICS_SUM_CAP_USEC;
        char name[64];

        if ((unsigned) via >= JAULA_VIA__MAX || (unsigned) path >= JAULA_LOGIN__MAX)
                return;
        bucket_name(name, sizeof name, via, path, jaula_metrics_bucket(usec));
        count_in(state_dir, may_create, "a login", name, 1);
        /* Rounded to the nearest unit: no bias over many logins. */
        sum_name(name, sizeof name, via, path);
        count_in(state_dir, may_create, "a login", name,
                 (capped + JAULA_METRICS_SUM_UNIT_USEC / 2) / JAULA_METRICS_SUM_UNIT_USEC);
}

JAULA_EXPORT void jaula_metrics_sigsys_kill(void)
{
        count_in(state_dir, may_create, "a SIGSYS kill", "sigsys", 1);
}

JAULA_EXPORT void jaula_metrics_jail_lost(const char *dir)
{
        count_in(dir, true, "a lost jail", "jails-lost", 1);
}

/* The size of counter file name in dfd: 1 and *ret, or 0 when it is
 * missing.  With compact, the whole pages before the last one are
 * punched out: what was counted then needs no memory, and the size
 * stays. */
static int size_of(int dfd, const char *name, bool compact, uint64_t *ret)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        *ret = 0;
        fd = openat(dfd, name, (compact ? O_WRONLY : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : neg_errno();
        if (fstat(fd, &st) < 0)
                return neg_errno();
        if (!S_ISREG(st.st_mode))
                return -EPERM;
        *ret = (uint64_t) st.st_size;
        if (compact && st.st_size > 8192 && (uint64_t) st.st_blocks * 512 > 8192)
                (void) fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                                 (st.st_size - 4096) & ~(off_t) 4095);
        return 1;
}

JAULA_EXPORT int jaula_metrics_read(const char *dir, bool compact, struct jaula_metrics *ret)
{
        _cleanup_close_ int dfd = -1;
        struct jaula_metrics m = {0};
        char path[PATH_MAX], name[64];
        bool any = false;
        int r;

        *ret = m;
        if ((size_t) snprintf(path, sizeof path, "%s/" JAULA_METRICS_DIR, dir) >= sizeof path)
                return -ENAMETOOLONG;
        dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return neg_errno();
#define READ_ONE(field)                                                                            \
        do {                                                                                       \
                r = size_of(dfd, name, compact, &(field));                                         \
                if (r < 0)                                                                         \
                        return r;                                                                  \
                any |= r > 0;                                                                      \
        } while (0)
        for (int v = 0; v < JAULA_VIA__MAX; v++) {
                for (int k = 0; k < JAULA_REFUSED__MAX; k++) {
                        refusal_name(name, sizeof name, v, k);
                        READ_ONE(m.refusals[v][k]);
                }
                for (int p = 0; p < JAULA_LOGIN__MAX; p++) {
                        for (unsigned b = 0; b < JAULA_METRICS_BUCKETS; b++) {
                                bucket_name(name, sizeof name, v, p, b);
                                READ_ONE(m.login_bucket[v][p][b]);
                        }
                        sum_name(name, sizeof name, v, p);
                        READ_ONE(m.login_sum_usec[v][p]);
                        m.login_sum_usec[v][p] *= JAULA_METRICS_SUM_UNIT_USEC;
                }
        }
        snprintf(name, sizeof name, "sigsys");
        READ_ONE(m.sigsys_kills);
        snprintf(name, sizeof name, "jails-lost");
        READ_ONE(m.jails_lost);
#undef READ_ONE
        *ret = m;
        return any ? 0 : -ENOENT;
}

JAULA_EXPORT void jaula_metrics_label(FILE *f, const char *name, const char *value, bool first)
{
        fprintf(f, "%s%s=\"", first ? "" : ",", name);
        for (; value && *value; value++) {
                if (*value == '\\' || *value == '"')
                        fprintf(f, "\\%c", *value);
                else if (*value == '\n')
                        fputs("\\n", f);
                else
                        fputc(*value, f);
        }
        fputc('"', f);
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void seconds(FILE *f, uint64_t usec)
{
        fprintf(f, "%" PRIu64 ".%06" PRIu64, usec / 1000000, usec % 1000000);
}

/* Reasons a program never gives: PAM ignores users no rule jails; jailsh
 * checks neither its own name nor the PAM service. */
static bool reason_applies(enum jaula_metrics_via v, enum jaula_metrics_reason r)
{
        if (v == JAULA_VIA_PAM)
                return r != JAULA_REFUSED_NOT_JAILED;
        return r != JAULA_REFUSED_SHELL && r != JAULA_REFUSED_SERVICE;
}

JAULA_EXPORT void jaula_metrics_format(FILE *f, const struct jaula_metrics *m, const char *host)
{
        header(f, "jaula_refusals_total", "counter",
               "Logins refused, by the program that refused them and why.");
        for (int v = 0; v < JAULA_VIA__MAX; v++)
                for (int r = 0; r < JAULA_REFUSED__MAX; r++) {
                        if (!reason_applies(v, r))
                                continue;
                        fputs("jaula_refusals_total{", f);
                        jaula_metrics_label(f, "host", host, true);
                        jaula_metrics_label(f, "via", jaula_metrics_via_name(v), false);
                        jaula_metrics_label(f, "reason", jaula_metrics_reason_name(r), false);
                        fprintf(f, "} %" PRIu64 "\n", m->refusals[v][r]);
                }

        header(f, "jaula_login_duration_seconds", "histogram",
               "Time to a jailed login: pam from the start of pam_open_session to its end, "
               "jailsh from its start to the exec of the user's shell.");
        for (int v = 0; v < JAULA_VIA__MAX; v++)
                for (int p = 0; p < JAULA_LOGIN__MAX; p++) {
                        uint64_t cum = 0;

                        for (unsigned b = 0; b < JAULA_METRICS_BUCKETS; b++) {
                                char le[32];

                                cum += m->login_bucket[v][p][b];
                                if (b < JAULA_METRICS_BUCKETS - 1) {
                                        uint64_t u = jaula_metrics_le_usec[b];
                                        /* Shortest exact decimal: 0.005, 0.01, 2.5, 10. */
                                        snprintf(le, sizeof le, "%" PRIu64 ".%06" PRIu64,
                                                 u / 1000000, u % 1000000);
                                        for (size_t n = strlen(le); le[n - 1] == '0'; n--)
                                                le[n - 1] = 0;
                                        if (le[strlen(le) - 1] == '.')
                                                le[strlen(le) - 1] = 0;
                                } else
                                        snprintf(le, sizeof le, "+Inf");
                                fputs("jaula_login_duration_seconds_bucket{", f);
                                jaula_metrics_label(f, "host", host, true);
                                jaula_metrics_label(f, "via", jaula_metrics_via_name(v), false);
                                jaula_metrics_label(f, "path", jaula_metrics_path_name(p), false);
                                jaula_metrics_label(f, "le", le, false);
                                fprintf(f, "} %" PRIu64 "\n", cum);
                        }
                        fputs("jaula_login_duration_seconds_sum{", f);
                        jaula_metrics_label(f, "host", host, true);
                        jaula_metrics_label(f, "via", jaula_metrics_via_name(v), false);
                        jaula_metrics_label(f, "path", jaula_metrics_path_name(p), false);
                        fputs("} ", f);
                        seconds(f, m->login_sum_usec[v][p]);
                        fputs("\njaula_login_duration_seconds_count{", f);
                        jaula_metrics_label(f, "host", host, true);
                        jaula_metrics_label(f, "via", jaula_metrics_via_name(v), false);
                        jaula_metrics_label(f, "path", jaula_metrics_path_name(p), false);
                        fprintf(f, "} %" PRIu64 "\n", cum);
                }

        header(f, "jaula_sigsys_kills_total", "counter",
               "Sessions whose command jailsh saw killed by SIGSYS (the seccomp filter kills a "
               "system call made through a foreign ABI).");
        fputs("jaula_sigsys_kills_total{", f);
        jaula_metrics_label(f, "host", host, true);
        fprintf(f, "} %" PRIu64 "\n", m->sigsys_kills);

        header(f, "jaula_jails_lost_total", "counter",
               "Jails whose holder (PID 1 of the jail) died while the jail was registered.");
        fputs("jaula_jails_lost_total{", f);
        jaula_metrics_label(f, "host", host, true);
        fprintf(f, "} %" PRIu64 "\n", m->jails_lost);
}
