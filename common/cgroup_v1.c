/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup_v1.c — the cgroup v1 backend (also used on hybrid hosts, whose
 * cgroup2 mount carries no controller jaula needs).  Needs root.
 *
 * v1 differs from v2 in ways that shape this file: swap is limited as
 * memory+swap (memsw), which must never drop below the memory limit; a
 * child's CPU quota may not exceed its parent's; io weight lives in
 * blkio.weight (CFQ, gone since 5.0) or blkio.bfq.weight (BFQ); and there
 * is no cgroup.kill, so destroy freezes the jail before killing it. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"

static int v1_map_limits(const struct jaula_limits *l, const struct jaula_limits *parent,
                         bool reset, struct jaula_cg_write *out, size_t *n,
                         struct jaula_err *err)
{
        *n = 0;
        if (l->swap_max >= 0 && l->memory_max < 0)
                return jaula_err_set(err, -EINVAL,
                                     "On cgroup v1 a swap limit needs a memory limit too "
                                     "(memory.memsw.limit_in_bytes counts both)");
        if (l->memory_max >= 0 || reset) {
                bool memsw = l->swap_max >= 0 || reset;

                jaula_cg_add(out, n,
                    (struct jaula_cg_write){
                            .ctrl = JAULA_CG_MEMORY,
                            .file = "memory.limit_in_bytes",
                            .kind = JAULA_CG_KIND_BYTES_V1,
                            .value = l->memory_max,
                            .flags = (memsw ? JAULA_CG_W_PAIR_NEXT : 0) |
                                     (l->memory_max < 0 ? JAULA_CG_W_RESET : 0),
                    });
                if (l->swap_max >= 0)
                        jaula_cg_add(out, n,
                            (struct jaula_cg_write){
                                    .ctrl = JAULA_CG_MEMORY,
                                    .file = "memory.memsw.limit_in_bytes",
                                    .kind = JAULA_CG_KIND_BYTES_V1,
                                    .value = l->memory_max + l->swap_max,
                                    .value2 = l->swap_max,
                                    .flags = JAULA_CG_W_SWAP,
                            });
                else if (memsw)
                        jaula_cg_add(out, n,
                            (struct jaula_cg_write){
                                    .ctrl = JAULA_CG_MEMORY,
                                    .file = "memory.memsw.limit_in_bytes",
                                    .kind = JAULA_CG_KIND_BYTES_V1,
                                    .value = -1,
                                    .flags = JAULA_CG_W_RESET,
                            });
        }
        if (l->cpu_quota_us >= 0 || reset) {
                int64_t period = l->cpu_period_us > 0 ? l->cpu_period_us : 100000;
                int64_t quota = l->cpu_quota_us;

                if (parent && parent->cpu_quota_us >= 0)
                        quota = jaula_cg_v1_clamp_quota(
                                quota, period, parent->cpu_quota_us,
                                parent->cpu_period_us > 0 ? parent->cpu_period_us : 100000);
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){ .ctrl = JAULA_CG_CPU,
                                             .file = "cpu.cfs_period_us",
                                             .kind = JAULA_CG_KIND_NUM_V1,
                                             .value = period,
                                             .flags = quota < 0 ? JAULA_CG_W_RESET : 0 });
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){ .ctrl = JAULA_CG_CPU,
                                             .file = "cpu.cfs_quota_us",
                                             .kind = JAULA_CG_KIND_NUM_V1,
                                             .value = quota,
                                             .flags = quota < 0 ? JAULA_CG_W_RESET : 0 });
        }
        if (l->cpu_weight >= 0 || reset)
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){
                            .ctrl = JAULA_CG_CPU,
                            .file = "cpu.shares",
                            .kind = JAULA_CG_KIND_NUM_V1,
                            .value = jaula_cg_weight_to_shares(l->cpu_weight >= 0 ? l->cpu_weight
                                                                                  : 100),
                            .flags = l->cpu_weight < 0 ? JAULA_CG_W_RESET : 0,
                    });
        if (l->pids_max >= 0 || reset)
                jaula_cg_add(out, n,
                    (struct jaula_cg_write){ .ctrl = JAULA_CG_PIDS,
                                             .file = "pids.max",
                                             .kind = JAULA_CG_KIND_NUM,
                                             .value = l->pids_max,
                                             .flags = l->pids_max < 0 ? JAULA_CG_W_RESET : 0 });
        if (l->io_weight >= 0 || reset) {
                int64_t w = l->io_weight >= 0 ? l->io_weight : 100;

                jaula_cg_add(out, n,
                    (struct jaula_cg_write){
                            .ctrl = JAULA_CG_IO,
                            .file = "blkio.weight",
                            .kind = JAULA_CG_KIND_NUM_V1,
                            .value = jaula_cg_weight_to_blkio(w),
                            .alt_file = "blkio.bfq.weight",
                            .alt_kind = JAULA_CG_KIND_NUM_V1,
                            .alt_value = jaula_cg_weight_to_bfq(w),
                            .flags = l->io_weight >= 0 ? JAULA_CG_W_IO : JAULA_CG_W_RESET,
                    });
        }
        return 0;
}

static int64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Freeze first so that nothing forks between reading cgroup.procs and the
 * signal (a fork bomb would otherwise outrun us), kill, thaw: SIGKILL is
 * acted upon on the way out of the refrigerator. */
static int v1_kill(int dirfds[], size_t n, const struct jaula_cg_layout *lay)
{
        int freezer = -1;
        int r = 0;

        for (size_t i = 0; i < n; i++)
                if (dirfds[i] >= 0 && (lay->hier[i].ctrls & JAULA_CG_BIT(JAULA_CG_FREEZER)))
                        freezer = dirfds[i];
        if (freezer >= 0 && jaula_cg_write_str(freezer, "freezer.state", "FROZEN") == 0) {
                int64_t deadline = now_us() + 200000;
                useconds_t delay = 20;
                char state[32];

                /* FREEZING until every task is in the refrigerator; a task
                 * stuck in an uninterruptible sleep may keep it there, in
                 * which case kill anyway. */
                while (jaula_cg_read(freezer, "freezer.state", state, sizeof state) >= 0 &&
                       strncmp(state, "FROZEN", 6) != 0 && now_us() < deadline) {
                        usleep(delay);
                        if (delay < 5000)
                                delay *= 2;
                }
        }
        for (size_t i = 0; i < n; i++)
                if (dirfds[i] >= 0) {
                        int k = jaula_cg_kill_listed(dirfds[i], SIGKILL);

                        if (k < 0 && r == 0)
                                r = k;
                }
        if (freezer >= 0)
                jaula_cg_write_str(freezer, "freezer.state", "THAWED");
        return r;
}

static int v1_is_empty(int dirfd)
{
        char buf[16];
        int r = jaula_cg_read(dirfd, "cgroup.procs", buf, sizeof buf);

        return r < 0 ? r : r == 0;
}

static int fd_for(int dirfds[], const struct jaula_cg_layout *lay, enum jaula_cg_ctrl c)
{
        for (size_t i = 0; i < lay->n_hier; i++)
                if (dirfds[i] >= 0 && (lay->hier[i].ctrls & JAULA_CG_BIT(c)))
                        return dirfds[i];
        return -1;
}

static int v1_usage(int dirfds[], const struct jaula_cg_layout *lay,
                    struct jaula_cgroup_usage *ret)
{
        int fd;

        fd = fd_for(dirfds, lay, JAULA_CG_MEMORY);
        if (fd < 0 || jaula_cg_read_i64(fd, "memory.usage_in_bytes", NULL, &ret->memory_bytes) < 0)
                ret->memory_bytes = -1;
        fd = fd_for(dirfds, lay, JAULA_CG_PIDS);
        if (fd < 0 || jaula_cg_read_i64(fd, "pids.current", NULL, &ret->pids) < 0)
                ret->pids = -1;
        fd = fd_for(dirfds, lay, JAULA_CG_CPUACCT);
        if (fd < 0 || jaula_cg_read_i64(fd, "cpuacct.usage", NULL, &ret->cpu_usec) < 0)
                ret->cpu_usec = -1;
        else
                ret->cpu_usec /= 1000; /* nanoseconds */
        return 0;
}

const struct jaula_cg_ops jaula_cg_v1_ops = {
        .name = "v1",
        .mode = JAULA_CGROUP_V1,
        .map_limits = v1_map_limits,
        .enable = NULL,
        .kill = v1_kill,
        .is_empty = v1_is_empty,
        .usage = v1_usage,
};
