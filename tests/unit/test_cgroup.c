/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_cgroup.c — the cgroup facility's pure parts: limits to (file, value)
 * writes for v1 and v2, weight conversions, the v1 quota clamp, values read
 * back, and mode detection from mountinfo text and from a fake hierarchy
 * directory.  Needs no privilege and no cgroup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-internal.h"

#define B(c) JAULA_CG_BIT(JAULA_CG_##c)

static struct jaula_limits none(void)
{
        return (struct jaula_limits){ -1, -1, -1, -1, -1, -1, -1 };
}

static struct jaula_limits full(void)
{
        return (struct jaula_limits){
                .memory_max = 64 << 20,
                .swap_max = 16 << 20,
                .cpu_quota_us = 50000,
                .cpu_period_us = 100000,
                .cpu_weight = 200,
                .pids_max = 100,
                .io_weight = 300,
        };
}

/* "file=value file=value …", alternatives as "file=value|alt=value". */
static void render(const struct jaula_cg_write *w, size_t n, char *out, size_t size)
{
        out[0] = 0;
        for (size_t i = 0; i < n; i++) {
                char v[64];
                size_t len = strlen(out);

                assert_true(jaula_cg_format(&w[i], false, v, sizeof v) > 0);
                snprintf(out + len, size - len, "%s%s=%s", i ? " " : "", w[i].file, v);
                if (w[i].alt_file) {
                        len = strlen(out);
                        assert_true(jaula_cg_format(&w[i], true, v, sizeof v) > 0);
                        snprintf(out + len, size - len, "|%s=%s", w[i].alt_file, v);
                }
        }
}

static void map(const struct jaula_cg_ops *ops, const struct jaula_limits *l,
                const struct jaula_limits *parent, bool reset, char *out, size_t size)
{
        struct jaula_cg_write w[JAULA_CG_MAX_WRITES];
        struct jaula_err err = { 0 };
        size_t n = 0;

        assert_int_equal(ops->map_limits(l, parent, reset, w, &n, &err), 0);
        assert_true(n <= JAULA_CG_MAX_WRITES);
        render(w, n, out, size);
}

static void test_weights(void **state)
{
        assert_int_equal(jaula_cg_weight_to_shares(100), 1024);
        assert_int_equal(jaula_cg_weight_to_shares(1), 10);
        assert_int_equal(jaula_cg_weight_to_shares(10000), 102400);
        assert_int_equal(jaula_cg_weight_to_blkio(1), 10);
        assert_int_equal(jaula_cg_weight_to_blkio(100), 500);
        assert_int_equal(jaula_cg_weight_to_blkio(10000), 1000);
        assert_int_equal(jaula_cg_weight_to_bfq(1), 1);
        assert_int_equal(jaula_cg_weight_to_bfq(100), 100);
        assert_int_equal(jaula_cg_weight_to_bfq(10000), 1000);
        for (int64_t w = 2; w <= 10000; w++) {
                assert_true(jaula_cg_weight_to_blkio(w) >= jaula_cg_weight_to_blkio(w - 1));
                assert_true(jaula_cg_weight_to_bfq(w) >= jaula_cg_weight_to_bfq(w - 1));
                assert_true(jaula_cg_weight_to_blkio(w) >= 10 && jaula_cg_weight_to_blkio(w) <= 1000);
                assert_true(jaula_cg_weight_to_bfq(w) >= 1 && jaula_cg_weight_to_bfq(w) <= 1000);
        }
}

static void test_v1_clamp(void **state)
{
        assert_int_equal(jaula_cg_v1_clamp_quota(80000, 100000, 20000, 100000), 20000);
        assert_int_equal(jaula_cg_v1_clamp_quota(10000, 100000, 20000, 100000), 10000);
        /* Same ratio, other period: half a CPU of a 50 ms period. */
        assert_int_equal(jaula_cg_v1_clamp_quota(80000, 50000, 50000, 100000), 25000);
        assert_int_equal(jaula_cg_v1_clamp_quota(80000, 100000, -1, 100000), 80000);
        assert_int_equal(jaula_cg_v1_clamp_quota(-1, 100000, 20000, 100000), -1);
        assert_int_equal(jaula_cg_v1_clamp_quota(5000, 1000, 1000, 1000000), 1000);
}

static void test_v1_map(void **state)
{
        struct jaula_limits l = full();
        char out[1024];

        map(&jaula_cg_v1_ops, &l, NULL, false, out, sizeof out);
        assert_string_equal(out, "memory.limit_in_bytes=67108864 "
                                 "memory.memsw.limit_in_bytes=83886080 "
                                 "cpu.cfs_period_us=100000 cpu.cfs_quota_us=50000 "
                                 "cpu.shares=2048 pids.max=100 "
                                 "blkio.weight=510|blkio.bfq.weight=118");
}

static void test_v1_map_flags(void **state)
{
        struct jaula_limits l = none();
        struct jaula_cg_write w[JAULA_CG_MAX_WRITES];
        size_t n = 0;

        l.memory_max = 1 << 20;
        l.swap_max = 0;
        l.io_weight = 100;
        assert_int_equal(jaula_cg_v1_ops.map_limits(&l, NULL, false, w, &n, NULL), 0);
        assert_int_equal(n, 3);
        assert_true(w[0].flags & JAULA_CG_W_PAIR_NEXT);
        assert_true(w[1].flags & JAULA_CG_W_SWAP);
        assert_int_equal(w[1].value2, 0);
        assert_true(w[2].flags & JAULA_CG_W_IO);
        /* Memory without swap: nothing to pair with. */
        l.swap_max = -1;
        assert_int_equal(jaula_cg_v1_ops.map_limits(&l, NULL, false, w, &n, NULL), 0);
        assert_int_equal(n, 2);
        assert_false(w[0].flags & JAULA_CG_W_PAIR_NEXT);
}

static void test_v1_swap_needs_memory(void **state)
{
        struct jaula_limits l = none();
        struct jaula_cg_write w[JAULA_CG_MAX_WRITES];
        struct jaula_err err = { 0 };
        size_t n = 0;

        l.swap_max = 0;
        assert_int_equal(jaula_cg_v1_ops.map_limits(&l, NULL, false, w, &n, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "swap limit needs a memory limit"));
        /* v2 limits swap on its own. */
        assert_int_equal(jaula_cg_v2_ops.map_limits(&l, NULL, false, w, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_string_equal(w[0].file, "memory.swap.max");
}

static void test_v1_reset(void **state)
{
        struct jaula_limits l = none();
        struct jaula_cg_write w[JAULA_CG_MAX_WRITES];
        char out[1024];
        size_t n = 0;

        map(&jaula_cg_v1_ops, &l, NULL, true, out, sizeof out);
        assert_string_equal(out, "memory.limit_in_bytes=-1 memory.memsw.limit_in_bytes=-1 "
                                 "cpu.cfs_period_us=100000 cpu.cfs_quota_us=-1 cpu.shares=1024 "
                                 "pids.max=max blkio.weight=500|blkio.bfq.weight=100");
        assert_int_equal(jaula_cg_v1_ops.map_limits(&l, NULL, true, w, &n, NULL), 0);
        for (size_t i = 0; i < n; i++)
                assert_true(w[i].flags & JAULA_CG_W_RESET);
        /* Nothing set, no reset: no write at all (a fresh jail node). */
        assert_int_equal(jaula_cg_v1_ops.map_limits(&l, NULL, false, w, &n, NULL), 0);
        assert_int_equal(n, 0);
}

static void test_v1_jail_quota_clamped(void **state)
{
        struct jaula_limits jail = none(), group = none();
        char out[1024];

        jail.cpu_quota_us = 80000;
        jail.cpu_period_us = 100000;
        group.cpu_quota_us = 20000;
        group.cpu_period_us = 100000;
        map(&jaula_cg_v1_ops, &jail, &group, false, out, sizeof out);
        assert_string_equal(out, "cpu.cfs_period_us=100000 cpu.cfs_quota_us=20000");
        /* v2 enforces the minimum itself and accepts any child quota. */
        map(&jaula_cg_v2_ops, &jail, &group, false, out, sizeof out);
        assert_string_equal(out, "cpu.max=80000 100000");
}

static void test_v2_map(void **state)
{
        struct jaula_limits l = full();
        char out[1024];

        map(&jaula_cg_v2_ops, &l, NULL, false, out, sizeof out);
        assert_string_equal(out, "memory.max=67108864 memory.swap.max=16777216 "
                                 "cpu.max=50000 100000 cpu.weight=200 pids.max=100 "
                                 "io.weight=default 300|io.bfq.weight=default 118");
        l = none();
        map(&jaula_cg_v2_ops, &l, NULL, true, out, sizeof out);
        assert_string_equal(out, "memory.max=max memory.swap.max=max cpu.max=max 100000 "
                                 "cpu.weight=100 pids.max=max "
                                 "io.weight=default 100|io.bfq.weight=default 100");
        l.cpu_quota_us = 150000; /* 1.5 CPU, default period */
        map(&jaula_cg_v2_ops, &l, NULL, false, out, sizeof out);
        assert_string_equal(out, "cpu.max=150000 100000");
}

static void test_matches(void **state)
{
        struct jaula_cg_write mem1 = { .kind = JAULA_CG_KIND_BYTES_V1, .value = -1 };
        struct jaula_cg_write mem2 = { .kind = JAULA_CG_KIND_BYTES, .value = 33554433 };
        struct jaula_cg_write cpu = { .kind = JAULA_CG_KIND_CPU_MAX, .value = -1, .value2 = 100000 };
        struct jaula_cg_write io = { .kind = JAULA_CG_KIND_WEIGHT,
                                     .value = 300,
                                     .alt_kind = JAULA_CG_KIND_WEIGHT,
                                     .alt_value = 118 };
        struct jaula_cg_write pids = { .kind = JAULA_CG_KIND_NUM, .value = -1 };

        assert_true(jaula_cg_matches(&mem1, false, "9223372036854771712\n", 4096));
        assert_false(jaula_cg_matches(&mem1, false, "33554432\n", 4096));
        assert_true(jaula_cg_matches(&mem2, false, "33554432\n", 4096)); /* page-rounded */
        assert_true(jaula_cg_matches(&cpu, false, "max 100000\n", 4096));
        assert_false(jaula_cg_matches(&cpu, false, "max 50000\n", 4096));
        cpu.value = 50000;
        assert_true(jaula_cg_matches(&cpu, false, "50000 100000\n", 4096));
        assert_false(jaula_cg_matches(&cpu, false, "max 100000\n", 4096));
        assert_true(jaula_cg_matches(&io, false, "default 300\n", 4096));
        assert_true(jaula_cg_matches(&io, true, "default 118\n8:0 200\n", 4096));
        assert_false(jaula_cg_matches(&io, false, "default 100\n", 4096));
        assert_true(jaula_cg_matches(&pids, false, "max\n", 4096));
        assert_false(jaula_cg_matches(&pids, false, "100\n", 4096));
        assert_false(jaula_cg_matches(&pids, false, "garbage\n", 4096));
}

static void test_validate(void **state)
{
        struct jaula_limits l = full();
        struct jaula_err err = { 0 };

        assert_int_equal(jaula_cg_validate_limits(&l, &err), 0);
        l.cpu_quota_us = 500;
        assert_int_equal(jaula_cg_validate_limits(&l, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "minimum"));
        l = full();
        l.cpu_period_us = 2000000;
        assert_int_equal(jaula_cg_validate_limits(&l, &err), -EINVAL);
        l = full();
        l.cpu_weight = 0;
        assert_int_equal(jaula_cg_validate_limits(&l, &err), -EINVAL);
        l = full();
        l.io_weight = 10001;
        assert_int_equal(jaula_cg_validate_limits(&l, &err), -EINVAL);
        l = none();
        assert_int_equal(jaula_cg_validate_limits(&l, &err), 0);
}

static int parse(const char *text, struct jaula_cg_layout *lay)
{
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        int r;

        assert_non_null(f);
        r = jaula_cg_parse_mountinfo(f, lay);
        fclose(f);
        return r;
}

static const struct jaula_cg_hier *hier_with(const struct jaula_cg_layout *lay, unsigned bit)
{
        for (size_t i = 0; i < lay->n_hier; i++)
                if (lay->hier[i].ctrls & bit)
                        return &lay->hier[i];
        return NULL;
}

/* This test host: v1 controllers, each alone, and a controller-less v2. */
static const char hybrid_mountinfo[] =
        "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
        "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
        "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
        "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
        "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
        "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static void test_mountinfo_hybrid(void **state)
{
        struct jaula_cg_layout lay;

        assert_int_equal(parse(hybrid_mountinfo, &lay), 0);
        assert_int_equal(lay.mode, JAULA_CGROUP_HYBRID);
        assert_int_equal(lay.n_hier, 7); /* cpuset, name=systemd: not ours */
        assert_string_equal(hier_with(&lay, B(MEMORY))->mount, "/sys/fs/cgroup/memory");
        assert_string_equal(hier_with(&lay, B(CPU))->mount, "/sys/fs/cgroup/cpu");
        assert_string_equal(hier_with(&lay, B(CPUACCT))->mount, "/sys/fs/cgroup/cpuacct");
        assert_string_equal(hier_with(&lay, B(IO))->mount, "/sys/fs/cgroup/blkio");
        assert_string_equal(hier_with(&lay, B(FREEZER))->mount, "/sys/fs/cgroup/freezer");
        assert_string_equal(hier_with(&lay, B(PIDS))->mount, "/sys/fs/cgroup/pids");
}

static void test_mountinfo_v1_comounted(void **state)
{
        static const char text[] =
                "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                /* The same hierarchy bind-mounted elsewhere: ignored. */
                "50 30 0:31 / /srv/mem rw shared:9 - cgroup cgroup rw,memory\n"
                "38 30 0:35 / /sys/fs/cgroup/my\\040pids rw - cgroup cgroup rw,pids\n";
        struct jaula_cg_layout lay;

        assert_int_equal(parse(text, &lay), 0);
        assert_int_equal(lay.mode, JAULA_CGROUP_V1);
        assert_int_equal(lay.n_hier, 3);
        assert_ptr_equal(hier_with(&lay, B(CPU)), hier_with(&lay, B(CPUACCT)));
        assert_string_equal(hier_with(&lay, B(CPU))->mount, "/sys/fs/cgroup/cpu,cpuacct");
        assert_string_equal(hier_with(&lay, B(MEMORY))->mount, "/sys/fs/cgroup/memory");
        assert_string_equal(hier_with(&lay, B(PIDS))->mount, "/sys/fs/cgroup/my pids");
        assert_null(hier_with(&lay, B(FREEZER)));
}

static void test_mountinfo_v2_and_none(void **state)
{
        static const char v2[] = "25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime "
                                 "shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
        static const char nothing[] = "22 1 0:21 / /sys rw - sysfs sysfs rw\n";
        struct jaula_cg_layout lay;

        assert_int_equal(parse(v2, &lay), 0);
        assert_int_equal(lay.mode, JAULA_CGROUP_V2);
        assert_int_equal(lay.n_hier, 1);
        assert_string_equal(lay.hier[0].mount, "/sys/fs/cgroup");
        assert_true(lay.hier[0].ctrls & B(MEMORY));
        assert_true(lay.hier[0].ctrls & B(FREEZER)); /* cgroup.freeze is core */
        assert_int_equal(parse(nothing, &lay), 0);
        assert_int_equal(lay.mode, JAULA_CGROUP_NONE);
}

static char tmpdir[64];

static void mkfile(const char *rel, const char *text)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void mksub(const char *rel)
{
        char path[256];

        snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
        assert_int_equal(mkdir(path, 0755), 0);
}

static int setup_tmp(void **state)
{
        snprintf(tmpdir, sizeof tmpdir, "/tmp/jaula-unit-cg.XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_probe_root_v1(void **state)
{
        struct jaula_cg_layout lay;
        char path[256];

        mksub("cpu,cpuacct");
        mkfile("cpu,cpuacct/cgroup.procs", "");
        snprintf(path, sizeof path, "%s/cpu", tmpdir);
        assert_int_equal(symlink("cpu,cpuacct", path), 0);
        mksub("memory");
        mkfile("memory/cgroup.procs", "");
        mksub("systemd");
        mkfile("systemd/cgroup.procs", "");
        mksub("unified");
        mkfile("unified/cgroup.controllers", "");
        mksub("not-a-cgroup");

        assert_int_equal(jaula_cg_probe_root(tmpdir, &lay), 0);
        assert_int_equal(lay.mode, JAULA_CGROUP_HYBRID);
        assert_int_equal(lay.n_hier, 2);
        assert_ptr_equal(hier_with(&lay, B(CPU)), hier_with(&lay, B(CPUACCT)));
        snprintf(path, sizeof path, "%s/memory", tmpdir);
        assert_string_equal(hier_with(&lay, B(MEMORY))->mount, path);
        assert_null(hier_with(&lay, B(PIDS)));
}

static void test_probe_root_v2(void **state)
{
        struct jaula_cg_layout lay;

        mkfile("cgroup.controllers", "memory pids\n");
        assert_int_equal(jaula_cg_probe_root(tmpdir, &lay), 0);
        assert_int_equal(lay.mode, JAULA_CGROUP_V2);
        assert_string_equal(lay.hier[0].mount, tmpdir);
        assert_int_equal(lay.hier[0].ctrls, B(MEMORY) | B(PIDS) | B(CPUACCT) | B(FREEZER));
        assert_int_equal(jaula_cg_probe_root("/nonexistent/jaula", &lay), -ENOENT);
}

static void test_needed(void **state)
{
        struct jaula_cg_layout lay;
        struct jaula_limits jail = none(), group = none();
        unsigned base = B(MEMORY) | B(PIDS) | B(CPUACCT) | B(FREEZER);

        assert_int_equal(parse(hybrid_mountinfo, &lay), 0);
        assert_int_equal(jaula_cg_needed(&lay, &jail, &group), base);
        group.cpu_weight = 50;
        assert_int_equal(jaula_cg_needed(&lay, &jail, &group), base | B(CPU));
        jail.io_weight = 50;
        assert_int_equal(jaula_cg_needed(&lay, &jail, &group), base | B(CPU) | B(IO));
}

static void test_bad_names(void **state)
{
        struct jaula_spec spec = { 0 };
        struct jaula_cgroup *cg = (void *) 1;
        struct jaula_err err = { 0 };

        spec.limits = spec.group_limits = none();
        spec.cgroup_root = "/nonexistent/jaula";
        spec.cgroup_path = "jaula";
        spec.group_name = "g";
        assert_int_equal(jaula_cgroup_create(&spec, "../x", &cg, &err), -EINVAL);
        assert_null(cg);
        assert_int_equal(jaula_cgroup_create(&spec, "a/b", &cg, &err), -EINVAL);
        assert_int_equal(jaula_cgroup_create(&spec, "..", &cg, &err), -EINVAL);
        spec.group_name = "..";
        assert_int_equal(jaula_cgroup_create(&spec, "j", &cg, &err), -EINVAL);
        spec.group_name = "g";
        spec.cgroup_path = "/abs";
        assert_int_equal(jaula_cgroup_create(&spec, "j", &cg, &err), -EINVAL);
        spec.cgroup_path = "jaula/../../etc";
        assert_int_equal(jaula_cgroup_create(&spec, "j", &cg, &err), -EINVAL);
        assert_int_equal(jaula_cgroup_destroy(&spec, "j"), -EINVAL);
        /* A valid name under a root that does not exist: a clear error. */
        spec.cgroup_path = "jaula";
        assert_true(jaula_cgroup_create(&spec, "j", &cg, &err) < 0);
        assert_non_null(strstr(err.msg, "/nonexistent/jaula"));
}

static void test_mode_names(void **state)
{
        assert_string_equal(jaula_cgroup_mode_name(JAULA_CGROUP_V1), "v1");
        assert_string_equal(jaula_cgroup_mode_name(JAULA_CGROUP_V2), "v2");
        assert_string_equal(jaula_cgroup_mode_name(JAULA_CGROUP_HYBRID), "hybrid");
        assert_string_equal(jaula_cgroup_mode_name(JAULA_CGROUP_NONE), "none");
        assert_string_equal(jaula_cgroup_mode_name(JAULA_CGROUP_SYSTEMD), "systemd");
        assert_int_equal(jaula_cgroup_enter(NULL, NULL), 0);
        assert_int_equal(jaula_cgroup_fd(NULL), -1);
        assert_int_equal(jaula_cgroup_attach(NULL, 0), 0);
        assert_int_equal(jaula_cgroup_skipped(NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_weights),
                cmocka_unit_test(test_v1_clamp),
                cmocka_unit_test(test_v1_map),
                cmocka_unit_test(test_v1_map_flags),
                cmocka_unit_test(test_v1_swap_needs_memory),
                cmocka_unit_test(test_v1_reset),
                cmocka_unit_test(test_v1_jail_quota_clamped),
                cmocka_unit_test(test_v2_map),
                cmocka_unit_test(test_matches),
                cmocka_unit_test(test_validate),
                cmocka_unit_test(test_mountinfo_hybrid),
                cmocka_unit_test(test_mountinfo_v1_comounted),
                cmocka_unit_test(test_mountinfo_v2_and_none),
                cmocka_unit_test_setup_teardown(test_probe_root_v1, setup_tmp, teardown_tmp),
                cmocka_unit_test_setup_teardown(test_probe_root_v2, setup_tmp, teardown_tmp),
                cmocka_unit_test(test_needed),
                cmocka_unit_test(test_bad_names),
                cmocka_unit_test(test_mode_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
