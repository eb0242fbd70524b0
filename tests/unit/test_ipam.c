/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_ipam.c — pool arithmetic, stable addresses, bridge choice, names,
 * and the lease store in a throwaway directory (also under concurrent
 * first claims).  Needs no privilege. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jaula/ipam.h"

#define IP(a, b, c, d) ((uint32_t) (a) << 24 | (uint32_t) (b) << 16 | (uint32_t) (c) << 8 | (d))

static char *br1[] = {"jb-a", NULL};
static char *br3[] = {"jb-a", "jb-b", "jb-c", NULL};

static struct jaula_net_spec mknet(uint32_t subnet, unsigned prefix, uint32_t gw, char **bridges,
                                   size_t n)
{
        return (struct jaula_net_spec){.name = "lab",
                                       .bridges = bridges,
                                       .n_bridges = n,
                                       .subnet = subnet,
                                       .prefix = prefix,
                                       .gateway = gw};
}

static void test_pool_bounds(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 1), br1, 1);
        struct jaula_pool p;

        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(p.hosts, 253); /* 256 - network - broadcast - gateway */
        assert_int_equal(p.size, 253);
        assert_int_equal(jaula_ipam_addr(&p, 0), IP(10, 0, 0, 2));
        assert_int_equal(jaula_ipam_addr(&p, 252), IP(10, 0, 0, 254));

        net.prefix = 30; /* 4 addresses: one host besides the gateway */
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(p.size, 1);
        assert_int_equal(jaula_ipam_addr(&p, 0), IP(10, 0, 0, 2));
}

static void test_pool_rejects(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 1), br1, 1);
        char *longbr[] = {"jb-0123456789abc", NULL}, *slash[] = {"jb/x", NULL};
        struct jaula_err err = {0};
        struct jaula_pool p;

        net.prefix = 31;
        assert_int_equal(jaula_ipam_pool_init(&net, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "outside 8..30"));
        net.prefix = 7;
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
        net.prefix = 24;
        net.gateway = IP(10, 0, 1, 1); /* outside */
        assert_int_equal(jaula_ipam_pool_init(&net, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "gateway '10.0.1.1'"));
        net.gateway = IP(10, 0, 0, 0); /* the network address */
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
        net.gateway = IP(10, 0, 0, 255); /* broadcast */
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
        net.gateway = IP(10, 0, 0, 1);
        net.subnet = IP(10, 0, 0, 5); /* host bits set */
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
        net.subnet = IP(10, 0, 0, 0);
        net.bridges = longbr; /* 16 bytes: over IFNAMSIZ */
        assert_int_equal(jaula_ipam_pool_init(&net, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "invalid bridge name"));
        net.bridges = slash;
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
        net.bridges = br1;
        net.n_bridges = 0;
        assert_int_equal(jaula_ipam_pool_init(&net, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "has no bridge"));
        net.n_bridges = 1;
        net.name = "../x";
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
}

static void test_exclusions(void **state)
{
        /* gateway in the middle of the subnet: skipped, order kept */
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 28, IP(10, 0, 0, 7), br1, 1);
        struct jaula_pool p;

        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(p.size, 13);
        for (uint32_t i = 0; i < p.size; i++) {
                uint32_t a = jaula_ipam_addr(&p, i);
                assert_true(a != IP(10, 0, 0, 0) && a != IP(10, 0, 0, 7) && a != IP(10, 0, 0, 15));
                assert_true(a > IP(10, 0, 0, 0) && a < IP(10, 0, 0, 15));
                assert_int_equal(jaula_ipam_index(&p, a), i);
        }
        assert_int_equal(jaula_ipam_addr(&p, 5), IP(10, 0, 0, 6));
        assert_int_equal(jaula_ipam_addr(&p, 6), IP(10, 0, 0, 8));
        assert_int_equal(jaula_ipam_index(&p, IP(10, 0, 0, 0)), -ERANGE);
        assert_int_equal(jaula_ipam_index(&p, IP(10, 0, 0, 7)), -ERANGE);
        assert_int_equal(jaula_ipam_index(&p, IP(10, 0, 0, 15)), -ERANGE);
        assert_int_equal(jaula_ipam_index(&p, IP(10, 0, 0, 16)), -ERANGE);
        assert_int_equal(jaula_ipam_index(&p, IP(192, 168, 0, 2)), -ERANGE);
}

static void test_bridge_choice(void **state)
{
        /* /20: 4093 hosts; three bridges serve 3 * 1022 of them */
        struct jaula_net_spec net = mknet(IP(10, 8, 0, 0), 20, IP(10, 8, 0, 1), br3, 3);
        uint32_t first, last;
        struct jaula_pool p;

        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(p.hosts, 4093);
        assert_int_equal(p.size, 3 * JAULA_NET_PORTS_PER_BRIDGE);
        assert_int_equal(jaula_ipam_bridge_of(&p, 0), 0);
        assert_int_equal(jaula_ipam_bridge_of(&p, 1021), 0);
        assert_int_equal(jaula_ipam_bridge_of(&p, 1022), 1);
        assert_int_equal(jaula_ipam_bridge_of(&p, 3065), 2);
        assert_int_equal(jaula_ipam_bridge_range(&p, 0, &first, &last), 0);
        assert_int_equal(first, IP(10, 8, 0, 2));
        assert_int_equal(last, IP(10, 8, 3, 255)); /* index 1021 = offset 1023 */
        assert_int_equal(jaula_ipam_bridge_range(&p, 1, &first, &last), 0);
        assert_int_equal(first, IP(10, 8, 4, 0));
        assert_int_equal(jaula_ipam_bridge_range(&p, 3, &first, &last), -ENOENT);
        /* an address past the last bridge's share is not in the pool */
        assert_int_equal(jaula_ipam_index(&p, IP(10, 8, 15, 200)), -ERANGE);

        /* a small subnet never reaches the second bridge */
        net = mknet(IP(10, 9, 0, 0), 24, IP(10, 9, 0, 1), br3, 3);
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(p.size, 253);
        assert_int_equal(jaula_ipam_bridge_range(&p, 1, &first, &last), -ENOENT);
}

static void test_stable_index(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 16, IP(10, 0, 0, 1), br3, 3);
        struct jaula_pool p;
        unsigned hits[3] = {0};

        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(jaula_ipam_stable_index(&p, "lab", 1000),
                         jaula_ipam_stable_index(&p, "lab", 1000));
        assert_int_not_equal(jaula_ipam_stable_index(&p, "lab", 1000),
                             jaula_ipam_stable_index(&p, "lab", 1001));
        assert_int_not_equal(jaula_ipam_stable_index(&p, "lab", 1000),
                             jaula_ipam_stable_index(&p, "other", 1000));
        for (uid_t u = 1000; u < 4000; u++) {
                uint32_t i = jaula_ipam_stable_index(&p, "lab", u);
                assert_true(i < p.size);
                hits[jaula_ipam_bridge_of(&p, i)]++;
        }
        /* consecutive uids spread over all bridges */
        for (int b = 0; b < 3; b++)
                assert_in_range(hits[b], 800, 1200);
}

struct cidr_acc {
        char out[512];
};

static int cidr_cb(uint32_t addr, unsigned prefix, void *ud)
{
        struct cidr_acc *a = ud;
        char t[16];
        size_t n = strlen(a->out);

        jaula_ipam_format(addr, t);
        snprintf(a->out + n, sizeof a->out - n, "%s/%u ", t, prefix);
        return 0;
}

static void test_cidrs(void **state)
{
        struct cidr_acc a = {""};

        assert_int_equal(jaula_ipam_cidrs(IP(10, 8, 4, 0), IP(10, 8, 7, 253), cidr_cb, &a), 0);
        assert_string_equal(a.out,
                            "10.8.4.0/23 10.8.6.0/24 10.8.7.0/25 10.8.7.128/26 10.8.7.192/27 "
                            "10.8.7.224/28 10.8.7.240/29 10.8.7.248/30 10.8.7.252/31 ");
        a.out[0] = '\0';
        assert_int_equal(jaula_ipam_cidrs(IP(10, 0, 0, 0), IP(10, 0, 255, 255), cidr_cb, &a), 0);
        assert_string_equal(a.out, "10.0.0.0/16 ");
        a.out[0] = '\0';
        assert_int_equal(jaula_ipam_cidrs(IP(10, 0, 0, 3), IP(10, 0, 0, 3), cidr_cb, &a), 0);
        assert_string_equal(a.out, "10.0.0.3/32 ");
}

static void test_names(void **state)
{
        char n[JAULA_IFNAMSIZ];

        jaula_ipam_host_ifname("alice", n);
        assert_string_equal(n, "jvalice");
        jaula_ipam_host_ifname("0123456789abc", n); /* 13 bytes: fits */
        assert_string_equal(n, "jv0123456789abc");
        jaula_ipam_host_ifname("0123456789abcd", n); /* 14: hashed */
        assert_int_equal(strlen(n), 10);
        assert_memory_equal(n, "jv", 2);
        jaula_ipam_host_ifname("a@b", n); /* '@' is no interface character */
        assert_int_equal(strlen(n), 10);
        {
                char m[JAULA_IFNAMSIZ];
                jaula_ipam_host_ifname("0123456789abce", m);
                assert_string_not_equal(n, m);
        }

        assert_true(jaula_ipam_name_valid("alice-1.s@x"));
        assert_false(jaula_ipam_name_valid(".hidden"));
        assert_false(jaula_ipam_name_valid("a/b"));
        assert_false(jaula_ipam_name_valid(""));
        assert_false(jaula_ipam_name_valid(NULL));
        assert_true(jaula_ipam_ifname_valid("jb-0123456789ab"));
        assert_false(jaula_ipam_ifname_valid("jb-0123456789abc"));
        assert_false(jaula_ipam_ifname_valid("a b"));
        assert_false(jaula_ipam_ifname_valid("a:b"));
        assert_false(jaula_ipam_ifname_valid(".."));
        assert_false(jaula_ipam_ifname_valid("jb\"}x"));
        assert_false(jaula_ipam_ifname_valid("jb;x"));
        assert_true(jaula_ipam_ifname_valid("eth0.100"));
}

/* ---- the lease store -------------------------------------------------- */

static char *mkstate(void)
{
        char *d = strdup("/tmp/jaula-ipam-test.XXXXXX");
        assert_non_null(mkdtemp(d));
        return d;
}

static void rmstate(char *d)
{
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
        assert_int_equal(system(cmd), 0);
        free(d);
}

static int count_dir(const char *state, const char *sub)
{
        char path[256];
        struct dirent *de;
        DIR *d;
        int n = 0;

        snprintf(path, sizeof path, "%s/net/lab/%s", state, sub);
        d = opendir(path);
        if (!d)
                return -1;
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        closedir(d);
        return n;
}

static void test_stable_claims(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 1), br1, 1);
        char *sd = mkstate();
        struct jaula_pool p;
        uint32_t a1, a2, a3, again;

        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "j1", 1000, &a1, NULL), 0);
        assert_int_equal(a1, jaula_ipam_addr(&p, jaula_ipam_stable_index(&p, "lab", 1000)));
        /* the same jail id asking again gets its lease back */
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "j1", 1000, &again, NULL), 0);
        assert_int_equal(again, a1);
        assert_int_equal(jaula_ipam_count(sd, "lab"), 1);
        assert_int_equal(jaula_ipam_lookup(sd, "lab", "j1", &again), 0);
        assert_int_equal(again, a1);

        /* a second jail of the same user (scope session) probes onward */
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "j2", 1000, &a2, NULL), 0);
        assert_int_not_equal(a2, a1);
        assert_int_equal(jaula_ipam_index(&p, a2), (jaula_ipam_index(&p, a1) + 1) % p.size);

        /* next login of the user: same address */
        assert_int_equal(jaula_ipam_release(sd, "lab", "j1"), 0);
        assert_int_equal(jaula_ipam_release(sd, "lab", "j2"), 0);
        assert_int_equal(jaula_ipam_count(sd, "lab"), 0);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "j3", 1000, &a3, NULL), 0);
        assert_int_equal(a3, a1);
        assert_int_equal(jaula_ipam_release(sd, "lab", "j3"), 0);
        assert_int_equal(jaula_ipam_lookup(sd, "lab", "j3", &again), -ENOENT);
        assert_int_equal(jaula_ipam_release(sd, "lab", "j3"), 0); /* twice: harmless */
        assert_int_equal(count_dir(sd, "a"), 0);
        assert_int_equal(count_dir(sd, "j"), 0);
        rmstate(sd);
}

static void test_stable_sticky_after_collision(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 1), br1, 1);
        char *sd = mkstate();
        struct jaula_pool p;
        uint32_t a, b, b2;

        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        /* someone else (a jail of uid 5) holds uid 1000's home slot */
        uint32_t home = jaula_ipam_stable_index(&p, "lab", 1000);
        char path[256], text[16];
        jaula_ipam_format(jaula_ipam_addr(&p, home), text);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "warm", 1, &a, NULL), 0);
        assert_int_equal(jaula_ipam_release(sd, "lab", "warm"), 0);
        snprintf(path, sizeof path, "%s/net/lab/a/%s", sd, text);
        assert_int_equal(symlink("squatter", path), 0);

        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "u1000", 1000, &b, NULL), 0);
        assert_int_equal(jaula_ipam_index(&p, b), (home + 1) % p.size);
        assert_int_equal(jaula_ipam_release(sd, "lab", "u1000"), 0);
        /* the squatter leaves; the user keeps the address it had last */
        assert_int_equal(unlink(path), 0);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "u1000b", 1000, &b2, NULL), 0);
        assert_int_equal(b2, b);
        rmstate(sd);
}

static void test_dynamic_and_exhaustion(void **state)
{
        /* /29: 8 - network - broadcast - gateway = 5 addresses */
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 29, IP(10, 0, 0, 1), br1, 1);
        struct jaula_err err = {0};
        char *sd = mkstate();
        struct jaula_pool p;
        uint32_t seen = 0, a;
        char id[16];

        net.mode = JAULA_ADDR_DYNAMIC;
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        for (int i = 0; i < 5; i++) {
                snprintf(id, sizeof id, "d%d", i);
                assert_int_equal(jaula_ipam_claim(sd, &net, &p, id, 0, &a, NULL), 0);
                int64_t idx = jaula_ipam_index(&p, a);
                assert_true(idx >= 0);
                assert_false(seen & (1u << idx));
                seen |= 1u << idx;
        }
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "d5", 0, &a, &err), -ENOSPC);
        assert_non_null(strstr(err.msg, "no free address"));
        assert_int_equal(jaula_ipam_count(sd, "lab"), 5);
        assert_int_equal(count_dir(sd, "j"), 5); /* the refusal left nothing */

        /* a freed address is reused */
        assert_int_equal(jaula_ipam_release(sd, "lab", "d2"), 0);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "d6", 0, &a, NULL), 0);
        assert_int_equal(jaula_ipam_count(sd, "lab"), 5);
        rmstate(sd);
}

static int alive_even(const char *id, void *ud)
{
        int *calls = ud;
        (*calls)++;
        return (id[strlen(id) - 1] - '0') % 2 == 0;
}

static void test_gc(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 1), br1, 1);
        char *sd = mkstate(), path[256];
        struct jaula_pool p;
        uint32_t a;
        int calls = 0;
        char id[16];

        net.mode = JAULA_ADDR_DYNAMIC;
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        for (int i = 0; i < 6; i++) {
                snprintf(id, sizeof id, "g%d", i);
                assert_int_equal(jaula_ipam_claim(sd, &net, &p, id, 0, &a, NULL), 0);
        }
        /* a claim without its record (crash between the two steps) */
        snprintf(path, sizeof path, "%s/net/lab/a/10.0.0.200", sd);
        assert_int_equal(symlink("g7", path), 0);
        /* a record without its claim */
        snprintf(path, sizeof path, "%s/net/lab/j/g8", sd);
        assert_int_equal(symlink("10.0.0.201", path), 0);

        assert_int_equal(jaula_ipam_gc(sd, alive_even, &calls), 4); /* g1 g3 g5 g7 */
        assert_int_equal(jaula_ipam_count(sd, "lab"), 3);
        assert_int_equal(count_dir(sd, "j"), 3);
        assert_int_equal(jaula_ipam_lookup(sd, "lab", "g0", &a), 0);
        assert_int_equal(jaula_ipam_lookup(sd, "lab", "g1", &a), -ENOENT);
        assert_int_equal(jaula_ipam_gc("/nonexistent/jaula", alive_even, &calls), 0);
        rmstate(sd);
}

static void test_release_claims(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 1), br1, 1);
        char *sd = mkstate(), path[256];
        struct jaula_pool p;
        uint32_t a;

        net.mode = JAULA_ADDR_DYNAMIC;
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "k1", 0, &a, NULL), 0);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "k2", 0, &a, NULL), 0);
        /* k1's creator was killed between claim and record, twice */
        snprintf(path, sizeof path, "%s/net/lab/a/10.0.0.200", sd);
        assert_int_equal(symlink("k1", path), 0);
        snprintf(path, sizeof path, "%s/net/lab/a/10.0.0.201", sd);
        assert_int_equal(symlink("k1", path), 0);
        /* plain release knows only the recorded one */
        assert_int_equal(jaula_ipam_release(sd, "lab", "k1"), 0);
        assert_int_equal(jaula_ipam_count(sd, "lab"), 3);
        assert_int_equal(jaula_ipam_release_claims(sd, "lab", "k1"), 0);
        assert_int_equal(jaula_ipam_count(sd, "lab"), 1);
        assert_int_equal(jaula_ipam_lookup(sd, "lab", "k2", &a), 0);
        assert_int_equal(jaula_ipam_release_claims(sd, "lab", "k2"), 0);
        assert_int_equal(count_dir(sd, "a"), 0);
        assert_int_equal(count_dir(sd, "j"), 0);
        /* no network directory yet: nothing to do */
        assert_int_equal(jaula_ipam_release_claims(sd, "other", "k1"), 0);
        rmstate(sd);
}

static void test_bad_ids(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 1), br1, 1);
        char *sd = mkstate();
        struct jaula_pool p;
        uint32_t a;

        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, "../../etc", 0, &a, NULL), -EINVAL);
        assert_int_equal(jaula_ipam_claim(sd, &net, &p, ".x", 0, &a, NULL), -EINVAL);
        assert_int_equal(jaula_ipam_release(sd, "lab", "a/b"), -EINVAL);
        assert_int_equal(jaula_ipam_count(sd, "lab"), 0);
        rmstate(sd);
}

/* First logins of several users at once on a fresh state directory: each
 * claim either finds net/<network> complete or makes it, never half made
 * (issue #18: "Cannot record a lease of 'n1': No such file or directory").
 * The children start together at a pipe barrier; many rounds, since the
 * window was a few system calls wide. */
static void test_concurrent_first_claims(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 0, 0, 0), 24, IP(10, 0, 0, 1), br1, 1);
        enum { ROUNDS = 150, KIDS = 6 };
        struct jaula_pool p;
        int failed = 0;

        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        for (int r = 0; r < ROUNDS; r++) {
                char *sd = mkstate();
                char net_dir[256];
                struct dirent *de;
                pid_t kids[KIDS];
                int go[2], leftovers = 0;
                DIR *d;

                assert_int_equal(pipe(go), 0);
                for (int k = 0; k < KIDS; k++) {
                        kids[k] = fork();
                        assert_true(kids[k] >= 0);
                        if (kids[k] == 0) {
                                char id[16], c;
                                uint32_t a;

                                close(go[1]);
                                (void) !read(go[0], &c, 1); /* EOF when the parent closes */
                                snprintf(id, sizeof id, "j%d", k);
                                _exit(jaula_ipam_claim(sd, &net, &p, id, 1000 + k, &a, NULL) == 0 ? 0 : 1);
                        }
                }
                close(go[0]);
                close(go[1]);
                for (int k = 0; k < KIDS; k++) {
                        int st;
                        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
                        failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
                }
                assert_int_equal(jaula_ipam_count(sd, "lab"), KIDS - failed);
                snprintf(net_dir, sizeof net_dir, "%s/net", sd);
                d = opendir(net_dir);
                assert_non_null(d);
                while ((de = readdir(d)))
                        leftovers += !strncmp(de->d_name, ".new.", 5);
                closedir(d);
                assert_int_equal(leftovers, 0);
                rmstate(sd);
                if (failed)
                        fail_msg("round %d: %d of %d concurrent first claims failed", r, failed, KIDS);
        }
}

/* ---- a host's slice of the subnet (pool) ------------------------------ */

static void test_pool_slice(void **state)
{
        /* 10.77.0.0/16 shared by several hosts; this one leases 10.77.1.0/24 */
        struct jaula_net_spec net = mknet(IP(10, 77, 0, 0), 16, IP(10, 77, 0, 1), br1, 1);
        struct jaula_pool p;

        net.pool_first = IP(10, 77, 1, 0);
        net.pool_last = IP(10, 77, 1, 255);
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(p.hosts, 256); /* the gateway is outside the slice */
        assert_int_equal(p.size, 256);
        assert_int_equal(jaula_ipam_addr(&p, 0), IP(10, 77, 1, 0));
        assert_int_equal(jaula_ipam_addr(&p, 255), IP(10, 77, 1, 255));
        for (uint32_t i = 0; i < p.size; i++)
                assert_int_equal(jaula_ipam_index(&p, jaula_ipam_addr(&p, i)), i);
        /* the rest of the subnet belongs to other hosts */
        assert_int_equal(jaula_ipam_index(&p, IP(10, 77, 0, 255)), -ERANGE);
        assert_int_equal(jaula_ipam_index(&p, IP(10, 77, 2, 0)), -ERANGE);
        assert_int_equal(jaula_ipam_index(&p, IP(10, 77, 0, 1)), -ERANGE);
        for (uid_t u = 1000; u < 1500; u++)
                assert_true(jaula_ipam_stable_index(&p, "lab", u) < 256);

        /* a range with the gateway inside (only the library sees this:
         * check-config refuses it): the gateway is skipped */
        net.gateway = IP(10, 77, 1, 5);
        net.pool_first = IP(10, 77, 1, 1);
        net.pool_last = IP(10, 77, 1, 10);
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(p.size, 9);
        assert_int_equal(jaula_ipam_addr(&p, 3), IP(10, 77, 1, 4));
        assert_int_equal(jaula_ipam_addr(&p, 4), IP(10, 77, 1, 6));
        assert_int_equal(jaula_ipam_addr(&p, 8), IP(10, 77, 1, 10));
        assert_int_equal(jaula_ipam_index(&p, IP(10, 77, 1, 5)), -ERANGE);
        assert_int_equal(jaula_ipam_index(&p, IP(10, 77, 1, 6)), 4);
        assert_int_equal(jaula_ipam_index(&p, IP(10, 77, 1, 11)), -ERANGE);

        /* one address */
        net.gateway = IP(10, 77, 0, 1);
        net.pool_first = net.pool_last = IP(10, 77, 3, 3);
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), 0);
        assert_int_equal(p.size, 1);
        assert_int_equal(jaula_ipam_addr(&p, 0), IP(10, 77, 3, 3));
}

static void test_pool_slice_rejects(void **state)
{
        struct jaula_net_spec net = mknet(IP(10, 77, 0, 0), 16, IP(10, 77, 0, 1), br1, 1);
        struct jaula_err err = {0};
        struct jaula_pool p;

        net.pool_first = IP(10, 78, 0, 1); /* outside */
        net.pool_last = IP(10, 78, 0, 9);
        assert_int_equal(jaula_ipam_pool_init(&net, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "not a range of host addresses"));
        net.pool_first = IP(10, 77, 0, 0); /* the network address */
        net.pool_last = IP(10, 77, 0, 9);
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
        net.pool_first = IP(10, 77, 255, 0); /* ends at the broadcast address */
        net.pool_last = IP(10, 77, 255, 255);
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
        net.pool_first = IP(10, 77, 1, 9); /* backwards */
        net.pool_last = IP(10, 77, 1, 1);
        assert_int_equal(jaula_ipam_pool_init(&net, &p, NULL), -EINVAL);
        net.pool_first = net.pool_last = IP(10, 77, 0, 1); /* the gateway alone */
        assert_int_equal(jaula_ipam_pool_init(&net, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "holds no address"));
}

/* Two hosts, one subnet, two state directories: stable and dynamic leases
 * stay in each host's slice, the pool runs out at its own size, and the
 * same users on both hosts never get one address twice. */
static void test_pool_slice_claims(void **state)
{
        struct jaula_net_spec h1 = mknet(IP(10, 77, 0, 0), 16, IP(10, 77, 0, 1), br1, 1);
        struct jaula_net_spec h2 = mknet(IP(10, 77, 0, 0), 16, IP(10, 77, 0, 2), br1, 1);
        char *sd1 = mkstate(), *sd2 = mkstate(), id[16];
        struct jaula_pool p1, p2;
        struct jaula_err err = {0};
        uint32_t a, b;

        h1.pool_first = IP(10, 77, 1, 0);
        h1.pool_last = IP(10, 77, 1, 255);
        h2.pool_first = IP(10, 77, 2, 10);
        h2.pool_last = IP(10, 77, 2, 25);
        assert_int_equal(jaula_ipam_pool_init(&h1, &p1, NULL), 0);
        assert_int_equal(jaula_ipam_pool_init(&h2, &p2, NULL), 0);
        for (uid_t u = 1000; u < 1016; u++) {
                snprintf(id, sizeof id, "u%u", (unsigned) u);
                assert_int_equal(jaula_ipam_claim(sd1, &h1, &p1, id, u, &a, NULL), 0);
                assert_int_equal(jaula_ipam_claim(sd2, &h2, &p2, id, u, &b, NULL), 0);
                assert_true(a >= IP(10, 77, 1, 0) && a <= IP(10, 77, 1, 255));
                assert_true(b >= IP(10, 77, 2, 10) && b <= IP(10, 77, 2, 25));
        }
        /* host 2's slice holds 16: full */
        assert_int_equal(jaula_ipam_claim(sd2, &h2, &p2, "extra", 2000, &b, &err), -ENOSPC);
        assert_int_equal(jaula_ipam_count(sd2, "lab"), 16);

        /* dynamic leases walk the slice from its start */
        h2.mode = JAULA_ADDR_DYNAMIC;
        assert_int_equal(jaula_ipam_release(sd2, "lab", "u1000"), 0);
        assert_int_equal(jaula_ipam_release(sd2, "lab", "u1001"), 0);
        assert_int_equal(jaula_ipam_claim(sd2, &h2, &p2, "d1", 3000, &b, NULL), 0);
        assert_true(b >= IP(10, 77, 2, 10) && b <= IP(10, 77, 2, 25));
        assert_int_equal(jaula_ipam_claim(sd2, &h2, &p2, "d2", 3001, &b, NULL), 0);
        assert_true(b >= IP(10, 77, 2, 10) && b <= IP(10, 77, 2, 25));
        assert_int_equal(jaula_ipam_claim(sd2, &h2, &p2, "d3", 3002, &b, NULL), -ENOSPC);

        /* a lease taken before the slice shrank is outside it now */
        h1.pool_last = IP(10, 77, 1, 0);
        assert_int_equal(jaula_ipam_pool_init(&h1, &p1, NULL), 0);
        assert_int_equal(jaula_ipam_lookup(sd1, "lab", "u1000", &a), 0);
        assert_true(a == IP(10, 77, 1, 0) || jaula_ipam_index(&p1, a) == -ERANGE);
        rmstate(sd1);
        rmstate(sd2);
}

static void test_vxlan_ifname(void **state)
{
        char n[JAULA_IFNAMSIZ];

        jaula_ipam_vxlan_ifname(4242, n);
        assert_string_equal(n, "jb-vx4242");
        jaula_ipam_vxlan_ifname(16777215, n); /* the largest VNI fits */
        assert_string_equal(n, "jb-vx16777215");
        assert_true(jaula_ipam_ifname_valid(n));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pool_bounds),
                cmocka_unit_test(test_pool_rejects),
                cmocka_unit_test(test_exclusions),
                cmocka_unit_test(test_bridge_choice),
                cmocka_unit_test(test_stable_index),
                cmocka_unit_test(test_cidrs),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_stable_claims),
                cmocka_unit_test(test_stable_sticky_after_collision),
                cmocka_unit_test(test_dynamic_and_exhaustion),
                cmocka_unit_test(test_gc),
                cmocka_unit_test(test_release_claims),
                cmocka_unit_test(test_bad_ids),
                cmocka_unit_test(test_concurrent_first_claims),
                cmocka_unit_test(test_pool_slice),
                cmocka_unit_test(test_pool_slice_rejects),
                cmocka_unit_test(test_pool_slice_claims),
                cmocka_unit_test(test_vxlan_ifname),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
