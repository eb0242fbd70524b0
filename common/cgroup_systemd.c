/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup_systemd.c — the systemd backend's names, unit properties and
 * D-Bus calls (docs/design.md, "Jails on a systemd host").  Needs root.
 *
 * On a host whose PID 1 is systemd each jail is a transient scope,
 * <prefix>-<jail id>.scope, in its group's slice <prefix>-<group>.slice
 * under <prefix>.slice, started with Delegate=yes by the jail's monitor for
 * itself; the holder and every jail process live in the scope's payload/
 * child.  cgroup.c knows the tree and the order of the steps; this file
 * builds the unit names and properties (pure functions, unit tested) and
 * talks to systemd and machined.
 *
 * libsystemd is dlopen'ed on first use and only on the cold path (create,
 * destroy, gc, machine registration): jailsh and the PAM module carry no
 * NEEDED libsystemd, so a warm join — which opens <scope>/payload by path —
 * pays nothing for it at exec.  The manager is reached on its private
 * socket when we are root (no dbus-daemon in the way, as systemctl does),
 * machined on the system bus. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "cgroup-internal.h"

#define MANAGER_PRIVATE "/run/systemd/private"
#define STOP_TIMEOUT_USEC (15ULL * 1000000)
#define CALL_TIMEOUT_USEC (10ULL * 1000000)

/* ---- names ---------------------------------------------------------------- */

int jaula_cg_sd_escape(const char *s, bool keep_dash, char *buf, size_t size)
{
        static const char hex[] = "0123456789abcdef";
        size_t n = 0;

        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;
                bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == ':' || c == '_' ||
                            (c == '.' && p != s) || (c == '-' && keep_dash);

                if (n + (keep ? 1 : 4) >= size)
                        return -ENAMETOOLONG;
                if (keep) {
                        buf[n++] = (char) c;
                } else {
                        buf[n++] = '\\';
                        buf[n++] = 'x';
                        buf[n++] = hex[c >> 4];
                        buf[n++] = hex[c & 15];
                }
        }
        if (n >= size)
                return -ENAMETOOLONG;
        buf[n] = 0;
        return (int) n;
}

_printf_(3, 4) static int fmt(char *buf, size_t size, const char *f, ...)
{
        va_list ap;
        int n;

        va_start(ap, f);
        n = vsnprintf(buf, size, f, ap);
        va_end(ap);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

/* cgroup_path "a/b" → prefix "a-b"; the slice a-b.slice lives in
 * a.slice/a-b.slice (systemd's dash rule), which top_rel spells out. */
int jaula_cg_sd_names(const char *cgroup_path, const char *group, const char *jail_id,
                      struct jaula_cg_sd_names *ret)
{
        struct jaula_cg_sd_names nm = { 0 };
        const char *p = cgroup_path && cgroup_path[0] ? cgroup_path : "jaula";
        char comp[JAULA_CG_SD_NAME_MAX], esc[JAULA_CG_SD_NAME_MAX];
        size_t plen = 0, rlen = 0;
        int r;

        if (p[0] == '/')
                return -EINVAL;
        while (*p) {
                size_t len = strcspn(p, "/");

                if (len == 0 || len >= sizeof comp)
                        return -EINVAL;
                memcpy(comp, p, len);
                comp[len] = 0;
                p += len;
                p += *p == '/';
                r = jaula_cg_sd_escape(comp, false, esc, sizeof esc);
                if (r < 0)
                        return r;
                if (plen + (plen ? 1 : 0) + (size_t) r >= sizeof nm.prefix)
                        return -ENAMETOOLONG;
                if (plen)
                        nm.prefix[plen++] = '-';
                memcpy(nm.prefix + plen, esc, (size_t) r + 1);
                plen += (size_t) r;
                r = fmt(nm.top_rel + rlen, sizeof nm.top_rel - rlen, "%s%s.slice", rlen ? "/" : "",
                        nm.prefix);
                if (r < 0)
                        return r;
                rlen = strlen(nm.top_rel);
        }
        if (!plen)
                return -EINVAL;
        r = fmt(nm.top, sizeof nm.top, "%s.slice", nm.prefix);
        if (r < 0)
                return r;
        if (group) {
                r = jaula_cg_sd_escape(group, false, esc, sizeof esc);
                if (r <= 0)
                        return r < 0 ? r : -EINVAL;
                r = fmt(nm.group, sizeof nm.group, "%s-%s.slice", nm.prefix, esc);
                if (r >= 0)
                        r = fmt(nm.group_rel, sizeof nm.group_rel, "%s/%s", nm.top_rel, nm.group);
                if (r < 0)
                        return r;
        }
        if (group && jail_id) {
                r = jaula_cg_sd_escape(jail_id, true, esc, sizeof esc);
                if (r <= 0)
                        return r < 0 ? r : -EINVAL;
                r = fmt(nm.machine, sizeof nm.machine, "%s-%s", nm.prefix, esc);
                if (r >= 0)
                        r = fmt(nm.scope, sizeof nm.scope, "%s.scope", nm.machine);
                if (r >= 0)
                        r = fmt(nm.scope_rel, sizeof nm.scope_rel, "%s/%s", nm.group_rel, nm.scope);
                if (r < 0)
                        return r;
        }
        *ret = nm;
        return 0;
}

int jaula_cg_sd_scope_id(const char *prefix, const char *scope, char *buf, size_t size)
{
        size_t plen = strlen(prefix), len = strlen(scope);
        const char *id;
        size_t idlen;

        if (len <= plen + 1 + 6 || strncmp(scope, prefix, plen) != 0 || scope[plen] != '-' ||
            strcmp(scope + len - 6, ".scope") != 0)
                return -EINVAL;
        id = scope + plen + 1;
        idlen = len - plen - 1 - 6;
        if (idlen >= size || memchr(id, '\\', idlen))
                return -EINVAL;
        memcpy(buf, id, idlen);
        buf[idlen] = 0;
        return 0;
}

/* ---- properties ----------------------------------------------------------- */

static void add_t(struct jaula_cg_sd_prop *out, size_t *n, const char *name, uint64_t v)
{
        out[(*n)++] = (struct jaula_cg_sd_prop){ .name = name, .type = 't', .u = v };
}

size_t jaula_cg_sd_limit_props(const struct jaula_limits *l, bool reset,
                               struct jaula_cg_sd_prop *out)
{
        size_t n = 0;

        if (l->memory_max >= 0 || reset)
                add_t(out, &n, "MemoryMax",
                      l->memory_max >= 0 ? (uint64_t) l->memory_max : JAULA_CG_SD_INFINITY);
        if (l->swap_max >= 0 || reset)
                add_t(out, &n, "MemorySwapMax",
                      l->swap_max >= 0 ? (uint64_t) l->swap_max : JAULA_CG_SD_INFINITY);
        /* systemd's DefaultTasksMax (15% of the kernel's maximum) applies
         * to every scope, a cap nobody set in the policy; slices get none,
         * but a group slice must lose a pids limit the policy dropped. */
        add_t(out, &n, "TasksMax", l->pids_max >= 0 ? (uint64_t) l->pids_max : JAULA_CG_SD_INFINITY);
        if (l->cpu_quota_us >= 0) {
                uint64_t period = l->cpu_period_us > 0 ? (uint64_t) l->cpu_period_us : 100000;

                /* systemd writes cpu.max as PerSec * period / 1 s. */
                add_t(out, &n, "CPUQuotaPerSecUSec", (uint64_t) l->cpu_quota_us * 1000000 / period);
                add_t(out, &n, "CPUQuotaPeriodUSec", period);
        } else if (reset) {
                add_t(out, &n, "CPUQuotaPerSecUSec", JAULA_CG_SD_INFINITY);
                add_t(out, &n, "CPUQuotaPeriodUSec", JAULA_CG_SD_INFINITY);
        }
        if (l->cpu_weight >= 0 || reset)
                add_t(out, &n, "CPUWeight",
                      l->cpu_weight >= 0 ? (uint64_t) l->cpu_weight : JAULA_CG_SD_INFINITY);
        if (l->io_weight >= 0 || reset)
                add_t(out, &n, "IOWeight",
                      l->io_weight >= 0 ? (uint64_t) l->io_weight : JAULA_CG_SD_INFINITY);
        return n;
}

size_t jaula_cg_sd_scope_props(const struct jaula_limits *l, const char *description,
                               const char *slice, pid_t pid, struct jaula_cg_sd_prop *out)
{
        size_t n = 0;

        out[n++] = (struct jaula_cg_sd_prop){ .name = "Description", .type = 's', .s = description };
        out[n++] = (struct jaula_cg_sd_prop){ .name = "Slice", .type = 's', .s = slice };
        /* Ours to make payload/ in, with no controller delegated: the
         * limits are the scope's own properties, and Delegate=yes alone
         * would have systemd enable every controller (cpuset, io, …) from
         * the root down for us. */
        out[n++] = (struct jaula_cg_sd_prop){ .name = "Delegate", .type = 'b', .u = 1 };
        out[n++] = (struct jaula_cg_sd_prop){ .name = "DelegateControllers", .type = 'a' };
        out[n++] = (struct jaula_cg_sd_prop){ .name = "PIDs", .type = 'p', .u = (uint64_t) pid };
        /* A scope whose start failed (its monitor died first) must not
         * stay behind as a failed unit. */
        out[n++] = (struct jaula_cg_sd_prop){ .name = "CollectMode", .type = 's',
                                              .s = "inactive-or-failed" };
        out[n++] = (struct jaula_cg_sd_prop){ .name = "TimeoutStopUSec", .type = 't',
                                              .u = STOP_TIMEOUT_USEC };
        /* A stop is SIGTERM (the monitor's "end this jail now"), then
         * SIGKILL after the timeout; SIGHUP would reach a jail's shells
         * before their monitor has ended the jail. */
        out[n++] = (struct jaula_cg_sd_prop){ .name = "SendSIGHUP", .type = 'b', .u = 0 };
        /* TasksMax is the policy's pids as it stands, so that `systemctl
         * show` and the policy agree: the monitor is one of those tasks
         * (docs/design.md). */
        return n + jaula_cg_sd_limit_props(l, false, out + n);
}

/* ---- libsystemd, loaded on demand ------------------------------------------ */

static struct {
        typeof(sd_bus_new) *bus_new;
        typeof(sd_bus_set_address) *bus_set_address;
        typeof(sd_bus_start) *bus_start;
        typeof(sd_bus_open_system) *bus_open_system;
        typeof(sd_bus_flush_close_unref) *bus_flush_close_unref;
        typeof(sd_bus_message_new_method_call) *message_new_method_call;
        typeof(sd_bus_message_append) *message_append;
        typeof(sd_bus_message_append_array) *message_append_array;
        typeof(sd_bus_message_open_container) *message_open_container;
        typeof(sd_bus_message_close_container) *message_close_container;
        typeof(sd_bus_message_read) *message_read;
        typeof(sd_bus_message_unref) *message_unref;
        typeof(sd_bus_call) *call;
        typeof(sd_bus_match_signal) *match_signal;
        typeof(sd_bus_slot_unref) *slot_unref;
        typeof(sd_bus_process) *process;
        typeof(sd_bus_wait) *wait;
        typeof(sd_bus_error_free) *error_free;
} fn;
static int load_result = -ENOSYS;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void)
{
        /* RTLD_NODELETE: pointers into it may outlive any handle. */
        void *dl = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

        if (!dl)
                return;
#define SYM(field, name)                                                                           \
        do {                                                                                       \
                *(void **) &fn.field = dlsym(dl, #name);                                           \
                if (!fn.field)                                                                     \
                        return;                                                                    \
        } while (0)
        SYM(bus_new, sd_bus_new);
        SYM(bus_set_address, sd_bus_set_address);
        SYM(bus_start, sd_bus_start);
        SYM(bus_open_system, sd_bus_open_system);
        SYM(bus_flush_close_unref, sd_bus_flush_close_unref);
        SYM(message_new_method_call, sd_bus_message_new_method_call);
        SYM(message_append, sd_bus_message_append);
        SYM(message_append_array, sd_bus_message_append_array);
        SYM(message_open_container, sd_bus_message_open_container);
        SYM(message_close_container, sd_bus_message_close_container);
        SYM(message_read, sd_bus_message_read);
        SYM(message_unref, sd_bus_message_unref);
        SYM(call, sd_bus_call);
        SYM(match_signal, sd_bus_match_signal);
        SYM(slot_unref, sd_bus_slot_unref);
        SYM(process, sd_bus_process);
        SYM(wait, sd_bus_wait);
        SYM(error_free, sd_bus_error_free);
#undef SYM
        load_result = 0;
}

static int sd_load(struct jaula_err *err)
{
        pthread_once(&load_once, load);
        if (load_result < 0)
                return jaula_err_set(err, load_result,
                                     "Cannot load libsystemd.so.0 (package libsystemd0), needed on a "
                                     "systemd host");
        return 0;
}

static void busp(sd_bus **b)
{
        if (*b)
                fn.bus_flush_close_unref(*b);
}

static void msgp(sd_bus_message **m)
{
        if (*m)
                fn.message_unref(*m);
}

static void errp(sd_bus_error *e)
{
        if (fn.error_free)
                fn.error_free(e);
}

static void slotp(sd_bus_slot **s)
{
        if (*s)
                fn.slot_unref(*s);
}

/* PID 1 directly on its private socket when we are root, like systemctl
 * (it needs no dbus-daemon); the system bus otherwise. */
static int bus_manager(sd_bus **ret)
{
        sd_bus *b = NULL;
        int r;

        if (geteuid() == 0 && access(MANAGER_PRIVATE, F_OK) == 0) {
                r = fn.bus_new(&b);
                if (r >= 0)
                        r = fn.bus_set_address(b, "unix:path=" MANAGER_PRIVATE);
                if (r >= 0)
                        r = fn.bus_start(b);
                if (r >= 0) {
                        *ret = b;
                        return 0;
                }
                if (b)
                        fn.bus_flush_close_unref(b);
        }
        return fn.bus_open_system(ret);
}

static int append_props(sd_bus_message *m, const struct jaula_cg_sd_prop *p, size_t n)
{
        int r = fn.message_open_container(m, 'a', "(sv)");

        for (size_t i = 0; r >= 0 && i < n; i++) {
                switch (p[i].type) {
                case 's':
                        r = fn.message_append(m, "(sv)", p[i].name, "s", p[i].s);
                        break;
                case 'b':
                        r = fn.message_append(m, "(sv)", p[i].name, "b", (int) (p[i].u != 0));
                        break;
                case 't':
                        r = fn.message_append(m, "(sv)", p[i].name, "t", p[i].u);
                        break;
                case 'p':
                        r = fn.message_append(m, "(sv)", p[i].name, "au", 1, (uint32_t) p[i].u);
                        break;
                case 'a':
                        r = fn.message_append(m, "(sv)", p[i].name, "as", 0);
                        break;
                default:
                        r = -EINVAL;
                }
        }
        if (r >= 0)
                r = fn.message_close_container(m);
        return r;
}

static int manager_call(sd_bus *bus, const char *method, sd_bus_message **ret_m)
{
        return fn.message_new_method_call(bus, ret_m, "org.freedesktop.systemd1",
                                          "/org/freedesktop/systemd1",
                                          "org.freedesktop.systemd1.Manager", method);
}

static int bus_fail(struct jaula_err *err, int r, const sd_bus_error *e, const char *what,
                    const char *unit)
{
        if (e && e->message)
                return jaula_err_set(err, r < 0 ? r : -EIO, "Cannot %s '%s': %s", what, unit,
                                     e->message);
        return jaula_err_errno(err, r < 0 ? r : -EIO, "Cannot %s '%s'", what, unit);
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

struct job_wait {
        const char *path; /* our job, once StartTransientUnit answered */
        char result[32];
        bool done;
        /* Jobs that ended before we knew which one is ours. */
        char early_path[4][128];
        char early_result[4][32];
        size_t n_early;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct job_wait *jw = userdata;
        const char *path = NULL, *unit = NULL, *result = NULL;
        uint32_t id;

        if (fn.message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (jw->path && strcmp(path, jw->path) == 0) {
                snprintf(jw->result, sizeof jw->result, "%s", result);
                jw->done = true;
        } else if (!jw->path && jw->n_early < ELEMENTSOF(jw->early_path)) {
                snprintf(jw->early_path[jw->n_early], sizeof jw->early_path[0], "%s", path);
                snprintf(jw->early_result[jw->n_early], sizeof jw->early_result[0], "%s", result);
                jw->n_early++;
        }
        return 0;
}

/* StartTransientUnit(scope, "fail") and wait, up to timeout_usec in all,
 * for its job to end "done": the scope exists and holds the pid then. */
int jaula_cg_sd_start_scope(const char *scope, const struct jaula_cg_sd_prop *p, size_t n,
                            uint64_t timeout_usec, struct jaula_err *err)
{
        _cleanup_(busp) sd_bus *bus = NULL;
        _cleanup_(slotp) sd_bus_slot *slot = NULL;
        uint64_t deadline = now_usec() + timeout_usec, delay = 20000;
        struct job_wait jw = { 0 };
        int r;

        r = sd_load(err);
        if (r < 0)
                return r;
        r = bus_manager(&bus);
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot connect to systemd");
        /* Before the call, so the job's end cannot slip past us. */
        r = fn.match_signal(bus, &slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                            "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &jw);
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot watch systemd's jobs");
        for (;;) {
                _cleanup_(msgp) sd_bus_message *m = NULL, *reply = NULL;
                _cleanup_(errp) sd_bus_error e = SD_BUS_ERROR_NULL;
                const char *job = NULL;
                uint64_t now = now_usec();

                if (now >= deadline)
                        return jaula_err_set(err, -ETIMEDOUT, "systemd did not start '%s' in time",
                                             scope);
                r = manager_call(bus, "StartTransientUnit", &m);
                if (r >= 0)
                        r = fn.message_append(m, "ss", scope, "fail");
                if (r >= 0)
                        r = append_props(m, p, n);
                if (r >= 0)
                        r = fn.message_append(m, "a(sa(sv))", 0);
                if (r < 0)
                        return jaula_err_errno(err, r, "Cannot build the request for '%s'", scope);
                r = fn.call(bus, m, deadline - now, &e, &reply);
                if (r < 0 && e.name && strcmp(e.name, "org.freedesktop.systemd1.UnitExists") == 0) {
                        /* The scope of the jail's previous life is still
                         * being stopped and collected: wait for it. */
                        usleep((useconds_t) delay);
                        if (delay < 200000)
                                delay *= 2;
                        continue;
                }
                if (r < 0)
                        return bus_fail(err, r, &e, "start", scope);
                r = fn.message_read(reply, "o", &job);
                if (r < 0)
                        return jaula_err_errno(err, r, "Cannot read systemd's answer for '%s'", scope);
                jw.path = job;
                for (size_t i = 0; i < jw.n_early && !jw.done; i++)
                        if (strcmp(jw.early_path[i], job) == 0) {
                                snprintf(jw.result, sizeof jw.result, "%s", jw.early_result[i]);
                                jw.done = true;
                        }
                while (!jw.done) {
                        now = now_usec();
                        r = fn.process(bus, NULL);
                        if (r < 0)
                                return jaula_err_errno(err, r, "Lost systemd while starting '%s'",
                                                       scope);
                        if (r > 0)
                                continue;
                        if (now >= deadline)
                                return jaula_err_set(err, -ETIMEDOUT,
                                                     "systemd did not start '%s' in time", scope);
                        r = fn.wait(bus, deadline - now);
                        if (r < 0)
                                return jaula_err_errno(err, r, "Lost systemd while starting '%s'",
                                                       scope);
                }
                /* The reply (which job points into) is freed at the end of
                 * this block: nothing uses jw.path after here. */
                jw.path = NULL;
                if (strcmp(jw.result, "done") != 0)
                        return jaula_err_set(err, -EIO, "systemd could not start '%s' (job %s)",
                                             scope, jw.result);
                return 0;
        }
}

int jaula_cg_sd_set_properties(const char *unit, const struct jaula_cg_sd_prop *p, size_t n,
                               struct jaula_err *err)
{
        _cleanup_(busp) sd_bus *bus = NULL;
        _cleanup_(msgp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(errp) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_load(err);
        if (r < 0)
                return r;
        r = bus_manager(&bus);
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot connect to systemd");
        r = manager_call(bus, "SetUnitProperties", &m);
        /* runtime: under /run, gone at reboot; the policy is applied again
         * at the next login. */
        if (r >= 0)
                r = fn.message_append(m, "sb", unit, 1);
        if (r >= 0)
                r = append_props(m, p, n);
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot build the request for '%s'", unit);
        r = fn.call(bus, m, CALL_TIMEOUT_USEC, &e, &reply);
        return r < 0 ? bus_fail(err, r, &e, "set the limits of", unit) : 0;
}

int jaula_cg_sd_stop_unit(const char *unit)
{
        _cleanup_(busp) sd_bus *bus = NULL;
        _cleanup_(msgp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(errp) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_load(NULL);
        if (r < 0)
                return r;
        r = bus_manager(&bus);
        if (r < 0)
                return r;
        r = manager_call(bus, "StopUnit", &m);
        if (r >= 0)
                r = fn.message_append(m, "ss", unit, "replace");
        if (r >= 0)
                r = fn.call(bus, m, CALL_TIMEOUT_USEC, &e, &reply);
        return r < 0 ? r : 0;
}

int jaula_cg_sd_register_machine(const char *name, const char *root_directory, pid_t leader,
                                 int ifindex, struct jaula_err *err)
{
        _cleanup_(busp) sd_bus *bus = NULL;
        _cleanup_(msgp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(errp) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_load(err);
        if (r < 0)
                return r;
        r = fn.bus_open_system(&bus);
        if (r < 0)
                return jaula_err_errno(err, -EHOSTDOWN, "No system bus to reach systemd-machined");
        r = fn.message_new_method_call(bus, &m, "org.freedesktop.machine1",
                                       "/org/freedesktop/machine1",
                                       "org.freedesktop.machine1.Manager",
                                       "RegisterMachineWithNetwork");
        /* An empty id: machined has none to check it against. */
        if (r >= 0)
                r = fn.message_append(m, "s", name);
        if (r >= 0)
                r = fn.message_append_array(m, 'y', NULL, 0);
        if (r >= 0)
                r = fn.message_append(m, "ssus", "jaula", "container", (uint32_t) leader,
                                      root_directory ? root_directory : "");
        if (r >= 0)
                r = ifindex > 0 ? fn.message_append(m, "ai", 1, (int32_t) ifindex)
                                : fn.message_append(m, "ai", 0);
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot build the request for machine '%s'", name);
        r = fn.call(bus, m, CALL_TIMEOUT_USEC, &e, &reply);
        if (r < 0 && e.name &&
            (strcmp(e.name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
             strcmp(e.name, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0))
                return jaula_err_set(err, -EHOSTDOWN,
                                     "systemd-machined is not available (package systemd-container)");
        return r < 0 ? bus_fail(err, r, &e, "register machine", name) : 0;
}
