/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_devices.c — the `devices` list: pattern syntax, the '*' glob, the
 * refusal table by major:minor, resolving against a scratch directory
 * (symlinks, non-devices, missing entries), the v1 policy text, and the
 * v2 eBPF program, run here through a small interpreter of the few
 * instructions the builder emits.  Needs no privilege. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "jaula/devices.h"

static void test_pattern_ok(void **state)
{
        const char *good[] = { "/dev/kvm", "/dev/net/tun", "/dev/dri/renderD*", "/dev/nvidia*",
                               "/dev/dri/*", "/dev/snd/pcm*c", "/dev/fuse" };

        for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
                const char *why = jaula_devices_pattern_error(good[i]);
                if (why)
                        fail_msg("%s: %s", good[i], why);
        }
}

static void test_pattern_refused(void **state)
{
        const char *bad[] = {
                "dev/kvm",       "/dev",          "/dev/",        "/etc/passwd",  "/devx/kvm",
                "/dev/../etc",   "/dev/./kvm",    "/dev//kvm",    "/dev/dri/",    "/dev/*",
                "/dev/*/card0",  "/dev/dri*/x",   "/dev/n?ll",    "/dev/[ab]",    "/dev/a\\b",
                "/dev/a,b",      "/dev/a:b",      "/dev/null",    "/dev/pts/0",   "/dev/shm/x",
                "/dev/console",  "/dev/tty",      "/dev/ptmx",    "/dev/log",     "/dev/fd",
                "/dev/a\nb",     NULL,
        };

        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
                if (!jaula_devices_pattern_error(bad[i]))
                        fail_msg("'%s' was accepted", bad[i] ? bad[i] : "(null)");
        /* jaula's names only as a whole first component */
        assert_null(jaula_devices_pattern_error("/dev/nullb0"));
        assert_null(jaula_devices_pattern_error("/dev/ttyUSB0"));
        assert_null(jaula_devices_pattern_error("/dev/fu*"));
}

static void test_glob(void **state)
{
        assert_true(jaula_devices_glob_match("renderD*", "renderD128"));
        assert_true(jaula_devices_glob_match("renderD*", "renderD"));
        assert_false(jaula_devices_glob_match("renderD*", "card0"));
        assert_true(jaula_devices_glob_match("*", "card0"));
        assert_true(jaula_devices_glob_match("nvidia*", "nvidia-uvm"));
        assert_true(jaula_devices_glob_match("pcm*c", "pcmC0D0c"));
        assert_false(jaula_devices_glob_match("pcm*c", "pcmC0D0p"));
        assert_true(jaula_devices_glob_match("a*b*c", "aXbYbZc"));
        assert_false(jaula_devices_glob_match("a*b*c", "aXbYbZ"));
        assert_true(jaula_devices_glob_match("kvm", "kvm"));
        assert_false(jaula_devices_glob_match("kvm", "kvm0"));
        assert_false(jaula_devices_glob_match("*", ".hidden"));
        assert_true(jaula_devices_glob_match(".*", ".hidden"));
        assert_true(jaula_devices_glob_match("**x", "x"));
}

static void test_refused(void **state)
{
        struct {
                char type;
                unsigned major, minor;
                bool refused;
        } cases[] = {
                { 'b', 8, 0, true },     { 'b', 7, 0, true },     { 'c', 1, 1, true },
                { 'c', 1, 2, true },     { 'c', 1, 4, true },     { 'c', 1, 11, true },
                { 'c', 4, 1, true },     { 'c', 4, 64, true },    { 'c', 5, 1, true },
                { 'c', 7, 0, true },     { 'c', 7, 128, true },   { 'c', 13, 64, true },
                { 'c', 10, 223, true },  { 'c', 10, 236, true },  { 'c', 10, 237, true },
                { 'c', 10, 231, true },  { 'c', 10, 130, true },  { 'c', 21, 0, true },
                { 'c', 29, 0, true },    { 'c', 189, 0, true },   { 'c', 202, 0, true },
                { 'c', 203, 3, true },   { 'c', 1, 3, false },    { 'c', 1, 8, false },
                { 'c', 10, 200, false }, { 'c', 10, 229, false }, { 'c', 10, 232, false },
                { 'c', 226, 128, false }, { 'c', 195, 0, false }, { 'c', 116, 2, false },
                { 'c', 188, 0, false },  { 'c', 5, 0, false },    { 'x', 1, 3, true },
        };

        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
                const char *why =
                        jaula_devices_refused(cases[i].type, cases[i].major, cases[i].minor);
                if ((why != NULL) != cases[i].refused)
                        fail_msg("%c %u:%u: expected %s", cases[i].type, cases[i].major,
                                 cases[i].minor, cases[i].refused ? "refused" : "allowed");
        }
}

/* A scratch directory standing in for /dev: no device can be made
 * without privilege, so only what resolve must refuse or skip. */
static void test_resolve_scratch(void **state)
{
        char dir[] = "/tmp/jaula-test-devices.XXXXXX";
        struct jaula_device *v = NULL;
        struct jaula_err e = { 0 };
        size_t n = 99;
        int fd;

        assert_non_null(mkdtemp(dir));
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(mkdirat(fd, "dri", 0755), 0);
        close(openat(fd, "dri/renderD128", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
        assert_int_equal(symlinkat("/dev/null", fd, "link"), 0);

        {
                char *p[] = { "/dev/missing", NULL };
                assert_int_equal(jaula_devices_resolve(fd, p, 1, false, &v, &n, &e), -ENOENT);
                assert_non_null(strstr(e.msg, "does not exist"));
        }
        {
                char *p[] = { "/dev/link", NULL };
                assert_int_equal(jaula_devices_resolve(fd, p, 1, false, &v, &n, &e), -ELOOP);
                assert_non_null(strstr(e.msg, "symlink"));
        }
        {
                char *p[] = { "/dev/dri/renderD128", NULL };
                assert_int_equal(jaula_devices_resolve(fd, p, 1, false, &v, &n, &e), -ENODEV);
        }
        {
                /* a glob skips what is not a device, and may match nothing */
                char *p[] = { "/dev/dri/*", "/dev/l*", "/dev/none/*", "/dev/zz*", NULL };
                assert_int_equal(jaula_devices_resolve(fd, p, 4, true, &v, &n, &e), 0);
                assert_int_equal(n, 0);
                jaula_devices_free(v, n);
        }
        {
                char *p[] = { "/dev/../x", NULL };
                assert_int_equal(jaula_devices_resolve(fd, p, 1, false, &v, &n, &e), -EINVAL);
        }
        unlinkat(fd, "link", 0);
        unlinkat(fd, "dri/renderD128", 0);
        unlinkat(fd, "dri", AT_REMOVEDIR);
        close(fd);
        rmdir(dir);
}

/* The host's own /dev, read-only: what every Linux has. */
static void test_resolve_host(void **state)
{
        int fd = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct jaula_device *v = NULL;
        struct jaula_err e = { 0 };
        size_t n = 0;
        struct stat st;

        assert_true(fd >= 0);
        if (stat("/dev/loop0", &st) == 0 && S_ISBLK(st.st_mode)) {
                char *p[] = { "/dev/loop0", NULL };
                assert_int_equal(jaula_devices_resolve(fd, p, 1, false, &v, &n, &e), -EPERM);
                assert_non_null(strstr(e.msg, "block device"));
        }
        if (stat("/dev/tty1", &st) == 0 && S_ISCHR(st.st_mode)) {
                char *p[] = { "/dev/tty*", NULL };
                assert_int_equal(jaula_devices_resolve(fd, p, 1, false, &v, &n, &e), -EPERM);
        }
        if (stat("/dev/net/tun", &st) == 0 && S_ISCHR(st.st_mode)) {
                char *p[] = { "/dev/net/tun", "/dev/net/*", NULL };
                assert_int_equal(jaula_devices_resolve(fd, p, 2, true, &v, &n, &e), 0);
                assert_int_equal(n, 1); /* the same node once */
                assert_string_equal(v[0].rel, "net/tun");
                assert_int_equal(v[0].rdev, st.st_rdev);
                assert_true(v[0].fd >= 0);
                jaula_devices_free(v, n);
        }
        close(fd);
}

static void test_v1_text(void **state)
{
        struct jaula_device d[] = { { .rel = "net/tun", .rdev = makedev(10, 200), .fd = -1 } };
        struct jaula_dev_rule *r = NULL;
        char *text = NULL;
        size_t n = 0;

        assert_int_equal(jaula_devices_rules(d, 1, &r, &n), 0);
        assert_int_equal(jaula_devices_v1_text(r, n, &text), 0);
        assert_non_null(strstr(text, "c 1:3 rwm\n"));
        assert_non_null(strstr(text, "c 136:* rw\n"));
        assert_non_null(strstr(text, "c 143:* rw\n"));
        assert_null(strstr(text, "c 144:"));
        assert_non_null(strstr(text, "c 10:200 rw\n"));
        assert_null(strstr(text, "b "));
        assert_null(strstr(text, "a "));
        free(text);
        free(r);
}

/* ---- a tiny eBPF interpreter: only what the builder may emit ---- */

struct dev_ctx {
        uint32_t access_type, major, minor;
};

static int run(const struct bpf_insn *p, int cnt, const struct dev_ctx *ctx)
{
        uint64_t reg[11] = { 0 };

        reg[1] = (uintptr_t) ctx;
        for (int pc = 0, steps = 0; pc >= 0 && pc < cnt && steps < 100000; pc++, steps++) {
                const struct bpf_insn *i = &p[pc];
                uint64_t k = (uint64_t) (int64_t) i->imm;

                switch (i->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        assert_int_equal(i->src_reg, 1); /* only ever the context */
                        assert_true(i->off >= 0 && i->off + 4 <= (int) sizeof *ctx);
                        reg[i->dst_reg] = *(const uint32_t *) ((const char *) ctx + i->off);
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_X:
                        reg[i->dst_reg] = reg[i->src_reg];
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        reg[i->dst_reg] = k;
                        break;
                case BPF_ALU64 | BPF_AND | BPF_K:
                        reg[i->dst_reg] &= k;
                        break;
                case BPF_ALU64 | BPF_RSH | BPF_K:
                        reg[i->dst_reg] >>= i->imm;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                        if (reg[i->dst_reg] != k)
                                pc += i->off;
                        break;
                case BPF_JMP | BPF_JLT | BPF_K:
                        if (reg[i->dst_reg] < k)
                                pc += i->off;
                        break;
                case BPF_JMP | BPF_JGT | BPF_K:
                        if (reg[i->dst_reg] > k)
                                pc += i->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        return (int) reg[0];
                default:
                        fail_msg("unexpected opcode 0x%02x at %d", i->code, pc);
                }
                assert_true(i->off >= 0); /* forward jumps only: no loop */
        }
        fail_msg("the program ran off its end");
        return -1;
}

static int ask(const struct bpf_insn *p, int cnt, short type, short access, uint32_t maj,
               uint32_t min)
{
        struct dev_ctx c = { (uint32_t) (access << 16) | (uint16_t) type, maj, min };
        return run(p, cnt, &c);
}

static void test_bpf(void **state)
{
        struct jaula_device d[] = {
                { .rel = "net/tun", .rdev = makedev(10, 200), .fd = -1 },
                { .rel = "dri/renderD128", .rdev = makedev(226, 128), .fd = -1 },
        };
        const short C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
        const short R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;
        struct jaula_dev_rule *r = NULL;
        struct bpf_insn prog[512];
        size_t n = 0;
        int cnt;

        assert_int_equal(jaula_devices_rules(d, 2, &r, &n), 0);
        cnt = jaula_devices_bpf_build(r, n, prog, 512);
        assert_true(cnt > 0);
        assert_int_equal(jaula_devices_bpf_build(r, n, prog, 10), -E2BIG);
        /* the last instruction is an exit that denies */
        assert_int_equal(prog[cnt - 1].code, BPF_JMP | BPF_EXIT);
        assert_int_equal(prog[cnt - 2].imm, 0);

        assert_int_equal(ask(prog, cnt, C, R | W, 10, 200), 1);
        assert_int_equal(ask(prog, cnt, C, R, 226, 128), 1);
        assert_int_equal(ask(prog, cnt, C, M, 10, 200), 0);     /* no mknod of a listed one */
        assert_int_equal(ask(prog, cnt, C, R | M, 10, 200), 0); /* all or nothing */
        assert_int_equal(ask(prog, cnt, C, R, 10, 229), 0);     /* another misc minor */
        assert_int_equal(ask(prog, cnt, C, R, 226, 0), 0);      /* another DRI node */
        assert_int_equal(ask(prog, cnt, B, R, 10, 200), 0);     /* same number, block */
        assert_int_equal(ask(prog, cnt, B, R, 8, 0), 0);
        assert_int_equal(ask(prog, cnt, C, R | W, 1, 3), 1);    /* null */
        assert_int_equal(ask(prog, cnt, C, M, 1, 3), 1);        /* the holder makes it */
        assert_int_equal(ask(prog, cnt, C, R, 1, 1), 0);        /* mem */
        assert_int_equal(ask(prog, cnt, C, R, 1, 11), 0);       /* kmsg */
        assert_int_equal(ask(prog, cnt, C, R | W, 136, 5), 1);  /* a pty */
        assert_int_equal(ask(prog, cnt, C, R | W, 143, 0), 1);
        assert_int_equal(ask(prog, cnt, C, R | W, 135, 0), 0);
        assert_int_equal(ask(prog, cnt, C, R | W, 144, 0), 0);
        assert_int_equal(ask(prog, cnt, C, M, 136, 5), 0);
        assert_int_equal(ask(prog, cnt, C, R | W, 5, 0), 1);    /* /dev/tty */
        assert_int_equal(ask(prog, cnt, C, R | W, 5, 1), 0);    /* console */
        assert_int_equal(ask(prog, cnt, C, R, 13, 64), 0);      /* input */
        free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pattern_ok),     cmocka_unit_test(test_pattern_refused),
                cmocka_unit_test(test_glob),           cmocka_unit_test(test_refused),
                cmocka_unit_test(test_resolve_scratch), cmocka_unit_test(test_resolve_host),
                cmocka_unit_test(test_v1_text),        cmocka_unit_test(test_bpf),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
