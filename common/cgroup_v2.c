/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup_v2.c — the cgroup v2 (unified) backend.  Needs root, or a
 * delegated subtree (docs/cgroups.md).
 *
 * A controller's files appear in a cgroup only when its parent lists the
 * controller in cgroup.subtree_control, so every level from the base down
 * to the group enables what the limits need.  Only the jail nodes hold
 * processes, which keeps the "no internal processes" rule satisfied. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"

static int v2_map_limits(const struct jaula_limits *l, const struct jaula_limits *parent,
                         bool reset, struct jaula_cg_write *out, size_t *n,
                         struct jaula_err *err)
{
        *n = 0;
        if (l->memory_max >= 0 || reset)
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){ .ctrl = JAULA_CG_MEMORY,
                                             .file = "memory.max",
                                             .kind = JAULA_CG_KIND_BYTES,
                                             .value = l->memory_max,
                                             .flags = l->memory_max < 0 ? JAULA_CG_W_RESET : 0 });
        if (l->swap_max >= 0 || reset)
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){
                            .ctrl = JAULA_CG_MEMORY,
                            .file = "memory.swap.max",
                            .kind = JAULA_CG_KIND_BYTES,
                            .value = l->swap_max,
                            .value2 = l->swap_max,
                            .flags = l->swap_max < 0 ? JAULA_CG_W_RESET : JAULA_CG_W_SWAP,
                    });
        if (l->cpu_quota_us >= 0 || reset)
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){
                            .ctrl = JAULA_CG_CPU,
                            .file = "cpu.max",
                            .kind = JAULA_CG_KIND_CPU_MAX,
                            .value = l->cpu_quota_us,
                            .value2 = l->cpu_period_us > 0 ? l->cpu_period_us : 100000,
                            .flags = l->cpu_quota_us < 0 ? JAULA_CG_W_RESET : 0,
                    });
        if (l->cpu_weight >= 0 || reset)
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){ .ctrl = JAULA_CG_CPU,
                                             .file = "cpu.weight",
                                             .kind = JAULA_CG_KIND_NUM,
                                             .value = l->cpu_weight >= 0 ? l->cpu_weight : 100,
                                             .flags = l->cpu_weight < 0 ? JAULA_CG_W_RESET : 0 });
        if (l->pids_max >= 0 || reset)
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){ .ctrl = JAULA_CG_PIDS,
                                             .file = "pids.max",
                                             .kind = JAULA_CG_KIND_NUM,
                                             .value = l->pids_max,
                                             .flags = l->pids_max < 0 ? JAULA_CG_W_RESET : 0 });
        if (l->io_weight >= 0 || reset) {
                int64_t w = l->io_weight >= 0 ? l->io_weight : 100;

                /* io.weight comes from iocost; with BFQ as the scheduler the
                 * weight that counts is io.bfq.weight (1..1000). */
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){
                            .ctrl = JAULA_CG_IO,
                            .file = "io.weight",
                            .kind = JAULA_CG_KIND_WEIGHT,
                            .value = w,
                            .alt_file = "io.bfq.weight",
                            .alt_kind = JAULA_CG_KIND_WEIGHT,
                            .alt_value = jaula_cg_weight_to_bfq(w),
                            .flags = l->io_weight >= 0 ? JAULA_CG_W_IO : JAULA_CG_W_RESET,
                    });
        }
        return 0;
}

static const struct {
        enum jaula_cg_ctrl ctrl;
        const char *name;
} v2_names[] = {
        { JAULA_CG_MEMORY, "memory" },
        { JAULA_CG_CPU, "cpu" },
        { JAULA_CG_PIDS, "pids" },
        { JAULA_CG_IO, "io" },
};

static bool listed(const char *list, const char *name)
{
        size_t len = strlen(name);

        for (const char *p = list; *p;) {
                size_t k = strcspn(p, " \n");

                if (k == len && strncmp(p, name, len) == 0)
                        return true;
                p += k;
                p += strspn(p, " \n");
        }
        return false;
}

/* Read first: on the login path the controllers are normally enabled
 * already, and a read is cheaper than a write that re-walks the subtree. */
static int v2_enable(int dirfd, unsigned ctrls)
{
        char cur[256], add_buf[64] = "";
        int r;

        r = jaula_cg_read(dirfd, "cgroup.subtree_control", cur, sizeof cur);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(v2_names); i++)
                if ((ctrls & JAULA_CG_BIT(v2_names[i].ctrl)) && !listed(cur, v2_names[i].name)) {
                        strcat(add_buf, add_buf[0] ? " +" : "+");
                        strcat(add_buf, v2_names[i].name);
                }
        if (!add_buf[0])
                return 0;
        return jaula_cg_write_str(dirfd, "cgroup.subtree_control", add_buf);
}

static int64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool events_has(int dirfd, const char *line)
{
        char buf[256];

        return jaula_cg_read(dirfd, "cgroup.events", buf, sizeof buf) >= 0 && strstr(buf, line);
}

/* cgroup.kill (5.14) kills the whole subtree atomically, forks included.
 * Before it: freeze (4.? cgroup.freeze, 5.2), kill what is listed, thaw. */
static int v2_kill(int dirfds[], size_t n, const struct jaula_cg_layout *lay)
{
        int r = 0;

        for (size_t i = 0; i < n; i++) {
                int fd = dirfds[i], k;

                if (fd < 0)
                        continue;
                k = jaula_cg_write_str(fd, "cgroup.kill", "1");
                if (k != -ENOENT) {
                        if (k < 0 && r == 0)
                                r = k;
                        continue;
                }
                if (jaula_cg_write_str(fd, "cgroup.freeze", "1") == 0) {
                        int64_t deadline = now_us() + 200000;
                        useconds_t delay = 20;

                        while (!events_has(fd, "frozen 1") && now_us() < deadline) {
                                usleep(delay);
                                if (delay < 5000)
                                        delay *= 2;
                        }
                }
                k = jaula_cg_kill_listed(fd, SIGKILL);
                if (k < 0 && r == 0)
                        r = k;
                jaula_cg_write_str(fd, "cgroup.freeze", "0");
        }
        return r;
}

static int v2_is_empty(int dirfd)
{
        char buf[256];
        int r = jaula_cg_read(dirfd, "cgroup.events", buf, sizeof buf);

        if (r < 0)
                return r;
        return strstr(buf, "populated 0") != NULL;
}

static int v2_usage(int dirfds[], const struct jaula_cg_layout *lay,
                    struct jaula_cgroup_usage *ret)
{
        int fd = dirfds[0];

        if (fd < 0)
                return -ENOENT;
        if (jaula_cg_read_i64(fd, "memory.current", NULL, &ret->memory_bytes) < 0)
                ret->memory_bytes = -1;
        if (jaula_cg_read_i64(fd, "pids.current", NULL, &ret->pids) < 0)
                ret->pids = -1;
        if (jaula_cg_read_i64(fd, "cpu.stat", "usage_usec", &ret->cpu_usec) < 0)
                ret->cpu_usec = -1;
        return 0;
}

const struct jaula_cg_ops jaula_cg_v2_ops = {
        .name = "v2",
        .mode = JAULA_CGROUP_V2,
        .map_limits = v2_map_limits,
        .enable = v2_enable,
        .kill = v2_kill,
        .is_empty = v2_is_empty,
        .usage = v2_usage,
};
