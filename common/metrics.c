/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* metrics.c — the login path's event counters (metrics.h).  Writing needs
 * root: the counters file is in the root-only state directory.
 *
 * Why a mapped file of fixed size and not one appended byte per event:
 * the size of an append-only file is bounded by nothing but the number of
 * events, and a user can repeat refused logins at will; a latency sum
 * cannot be one byte either.  An atomic add in a shared mapping is exact
 * across concurrent logins without a lock, and costs a login five system
 * calls (open, fstat, mmap, munmap, close), all on the host's tmpfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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
}

JAULA_EXPORT void jaula_metrics_use_policy(const char *config, const struct jaula_policy *p)
{
        if (p)
                jaula_metrics_set_state_dir(jaula_policy_state_dir(p));
        else if (config && strcmp(config, JAULA_DEFAULT_CONFIG) == 0)
                jaula_metrics_set_state_dir(JAULA_METRICS_DEFAULT_STATE_DIR);
        else
                jaula_metrics_set_state_dir(NULL);
}

static void log_failure(const char *what, int r)
{
        if (failure_logged)
                return;
        failure_logged = true;
        jaula_log(LOG_WARNING, "Cannot count %s in '%s/" JAULA_METRICS_FILE "': %s (not counted)",
                  what, state_dir, strerror(-r));
}

/* Open the counters file for writing, making it (and, on the first event
 * after boot, the state directory) when missing.  The directory is root's
 * and 0700 (jaula_state_dir_open checks that when it makes it), so no
 * user can have put anything there; O_NOFOLLOW and the checks below are
 * for a file root itself left in the way. */
static int open_counters(void)
{
        char path[PATH_MAX + sizeof JAULA_METRICS_FILE + 1];
        struct stat st;
        int fd;

        snprintf(path, sizeof path, "%s/" JAULA_METRICS_FILE, state_dir);
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == ENOENT) {
                int sfd = jaula_state_dir_open(state_dir, NULL);
                if (sfd < 0)
                        return sfd;
                close_nointr(sfd);
                fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
        if (fd < 0)
                return neg_errno();
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
            (st.st_mode & 077) || st.st_nlink != 1) {
                close_nointr(fd);
                return -EPERM;
        }
        /* Zero-filled up to the layout's size, with its blocks allocated:
         * a store into a hole of a full tmpfs would kill us with SIGBUS,
         * fallocate fails cleanly instead.  A concurrent writer doing the
         * same allocates the same range; the file never shrinks. */
        if (st.st_size < (off_t) sizeof(struct jaula_metrics) &&
            fallocate(fd, 0, 0, sizeof(struct jaula_metrics)) < 0) {
                int r = neg_errno();
                close_nointr(fd);
                return r;
        }
        return fd;
}

/* Add val[i] to counter slot[i] (offsets in 64-bit words). */
static void add(const char *what, const size_t *slot, const uint64_t *val, size_t n)
{
        struct jaula_metrics *m;
        uint64_t expected = 0;
        int fd, r = 0;

        if (!state_dir[0])
                return;
        fd = open_counters();
        if (fd < 0) {
                log_failure(what, fd);
                return;
        }
        m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close_nointr(fd);
        if (m == MAP_FAILED) {
                log_failure(what, neg_errno());
                return;
        }
        /* A new file: stamp the layout.  A file of another layout (an
         * upgrade without a reboot) is left alone: counting into it
         * would misplace every number. */
        if (__atomic_compare_exchange_n(&m->magic, &expected, JAULA_METRICS_MAGIC, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) ||
            expected == JAULA_METRICS_MAGIC) {
                uint64_t *w = (uint64_t *) m;
                for (size_t i = 0; i < n; i++)
                        __atomic_fetch_add(&w[slot[i]], val[i], __ATOMIC_RELAXED);
        } else
                r = -EPROTO;
        munmap(m, sizeof *m);
        if (r < 0)
                log_failure(what, r);
}

#define SLOT(field) (offsetof(struct jaula_metrics, field) / sizeof(uint64_t))

JAULA_EXPORT void jaula_metrics_refused(enum jaula_metrics_via via,
                                        enum jaula_metrics_reason reason)
{
        size_t slot;
        uint64_t one = 1;

        if ((unsigned) via >= JAULA_VIA__MAX || (unsigned) reason >= JAULA_REFUSED__MAX)
                return;
        slot = SLOT(refusals[via][reason]);
        add("a refusal", &slot, &one, 1);
}

JAULA_EXPORT void jaula_metrics_login(enum jaula_metrics_via via, enum jaula_metrics_path path,
                                      uint64_t start)
{
        uint64_t now = jaula_metrics_now_usec();
        uint64_t usec = now > start ? now - start : 0;
        size_t slot[2];
        uint64_t val[2] = {1, usec};

        if ((unsigned) via >= JAULA_VIA__MAX || (unsigned) path >= JAULA_LOGIN__MAX)
                return;
        slot[0] = SLOT(login_bucket[via][path][jaula_metrics_bucket(usec)]);
        slot[1] = SLOT(login_sum_usec[via][path]);
        add("a login", slot, val, 2);
}

JAULA_EXPORT void jaula_metrics_sigsys_kill(void)
{
        size_t slot = SLOT(sigsys_kills);
        uint64_t one = 1;

        add("a SIGSYS kill", &slot, &one, 1);
}

JAULA_EXPORT void jaula_metrics_jail_lost(void)
{
        size_t slot = SLOT(jails_lost);
        uint64_t one = 1;

        add("a lost jail", &slot, &one, 1);
}

JAULA_EXPORT int jaula_metrics_read(const char *dir, struct jaula_metrics *ret)
{
        char path[PATH_MAX];
        struct jaula_metrics m = {0};
        const struct jaula_metrics *map;
        struct stat st;
        int fd;

        *ret = m;
        if ((size_t) snprintf(path, sizeof path, "%s/" JAULA_METRICS_FILE, dir) >= sizeof path)
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return neg_errno();
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close_nointr(fd);
                return -EPERM;
        }
        if (st.st_size < (off_t) sizeof m) {
                /* Made, not yet sized: nothing counted yet. */
                close_nointr(fd);
                return -ENOENT;
        }
        map = mmap(NULL, sizeof m, PROT_READ, MAP_SHARED, fd, 0);
        close_nointr(fd);
        if (map == MAP_FAILED)
                return neg_errno();
        /* Word by word, atomically: each counter is whole, never torn. */
        for (size_t i = 0; i < sizeof m / sizeof(uint64_t); i++)
                ((uint64_t *) &m)[i] =
                        __atomic_load_n(&((const uint64_t *) map)[i], __ATOMIC_RELAXED);
        munmap((void *) map, sizeof m);
        if (m.magic == 0)
                return -ENOENT;
        if (m.magic != JAULA_METRICS_MAGIC)
                return -EPROTO;
        *ret = m;
        return 0;
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
