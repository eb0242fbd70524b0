/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_policy.c — the policy checker: the shipped conf/jaula.conf, one
 * invalid policy per diagnostic (exact message and line), drop-ins and the
 * ownership checks of jaula_policy_load (as root), and a mutation run that
 * feeds the parser damaged text.  No privilege needed except for the load
 * tests, which skip otherwise. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"
#include "policy-parse.h"

#define CONF "conf/jaula.conf"

/* Line 1 of most cases: a rootfs for profiles to name. */
#define RF "rootfs = { r = { path = \"/r\"; }; };\n"

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0;

        if (!f)
                return NULL;
        if (getdelim(&buf, &n, '\0', f) < 0) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        return buf;
}

/* All diagnostics as "FILE:LINE: msg" lines, for failure messages. */
static char *diags_text(const struct jaula_diags *d)
{
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);
        char line[1200];

        for (size_t i = 0; i < d->n; i++) {
                jaula_diag_format(&d->v[i], line, sizeof line);
                fprintf(f, "%s\n", line);
        }
        fclose(f);
        return out;
}

/* ------------------------------------------------------- shipped policy */

static void test_shipped_conf_is_valid(void **state)
{
        _cleanup_free_ char *text = slurp(CONF);
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        int r;

        assert_non_null(text);
        r = jaula_policy_parse(text, "jaula.conf", &p, &d);
        if (r != 0) {
                _cleanup_free_ char *t = diags_text(&d);
                fail_msg("conf/jaula.conf does not pass the checker:\n%s", t);
        }
        assert_int_equal(d.n, 0);
        assert_int_equal(jaula_policy_n_rules(p), 2);
        assert_int_equal(jaula_policy_n_profiles(p), 1);
        jaula_policy_free(p);
}

static void test_shipped_conf_resolves(void **state)
{
        _cleanup_free_ char *text = slurp(CONF);
        gid_t gids[] = { 10042, 3000 };
        char *names[] = { "ana", "students" };
        struct jaula_user u = {
                .name = "ana", .uid = 10042, .gid = 10042, .group = "ana", .home = "/home/ana",
                .shell = "/usr/sbin/jailsh", .gecos = "", .gids = gids, .gid_names = names,
                .n_gids = 2,
        };
        struct jaula_policy *p = NULL;
        struct jaula_spec *s = NULL;
        struct jaula_err err = { 0 };
        const char *rule = NULL;

        assert_int_equal(jaula_policy_parse(text, "jaula.conf", &p, NULL), 0);
        assert_int_equal(jaula_policy_resolve(p, &u, &s, &rule, &err), 1);
        assert_string_equal(rule, "students");
        assert_string_equal(s->rule_name, "students");
        assert_int_equal(s->rule_index, 1);
        assert_string_equal(s->policy_file, "jaula.conf");
        assert_string_equal(s->profile_name, "student");
        assert_string_equal(s->group_name, "students");
        assert_string_equal(s->user.name, "ana");
        assert_int_equal(s->user.n_gids, 2);
        assert_string_equal(s->user.gid_names[1], "students");
        assert_string_equal(s->state_dir, "/run/jaula");
        assert_string_equal(s->cgroup_root, "");
        assert_string_equal(s->cgroup_path, "jaula");
        assert_string_equal(s->persistent_dir, "/var/lib/jaula/persistent");
        assert_int_equal(s->scope, JAULA_SCOPE_USER);
        assert_int_equal(s->lifetime, JAULA_LIFETIME_SESSION);
        assert_int_equal(s->linger_sec, 0);
        assert_string_equal(s->hostname, "lab-ana");
        assert_int_equal(s->ns_flags, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID |
                                              CLONE_NEWNET | CLONE_NEWCGROUP);
        assert_string_equal(s->rootfs_name, "bookworm");
        assert_string_equal(s->rootfs_path, "/var/lib/jaula/rootfs/bookworm");
        assert_int_equal(s->rootfs_type, JAULA_ROOTFS_DIRECTORY);
        assert_string_equal(s->rootfs_arch, "amd64");
        assert_int_equal(s->writable, JAULA_WRITABLE_TMPFS);
        assert_null(s->persistent_upper);
        assert_int_equal(s->tmp_size, 64 << 20);
        assert_int_equal(s->pty_max, JAULA_PTY_MAX_DEFAULT);
        assert_string_equal(s->home, "/home/ana");
        assert_false(s->dev_log);
        assert_int_equal(s->n_mounts, 1);
        assert_string_equal(s->mounts[0].source, "/srv/course");
        assert_string_equal(s->mounts[0].target, "/course");
        assert_false(s->mounts[0].writable);
        assert_true(s->mounts[0].optional);
        assert_non_null(s->net);
        assert_string_equal(s->net->name, "lab");
        assert_int_equal(s->net->n_bridges, 1);
        assert_string_equal(s->net->bridges[0], "jb-lab0");
        assert_null(s->net->bridges[1]);
        assert_int_equal(s->net->subnet, 0x0a4d0000);
        assert_int_equal(s->net->prefix, 16);
        assert_int_equal(s->net->gateway, 0x0a4d0001);
        assert_int_equal(s->net->n_dns, 1);
        assert_string_equal(s->net->dns[0], "10.77.0.1");
        assert_string_equal(s->net->search[0], "lab.example.org");
        assert_null(s->net->search[1]);
        assert_int_equal(s->net->mode, JAULA_ADDR_STABLE);
        assert_true(s->net->isolate);
        assert_false(s->net->nat);
        assert_null(s->net->uplink);
        assert_int_equal(s->net->mtu, 0);
        assert_int_equal(s->limits.memory_max, 512 << 20);
        assert_int_equal(s->limits.swap_max, 0);
        assert_int_equal(s->limits.cpu_quota_us, 50000);
        assert_int_equal(s->limits.cpu_period_us, 100000);
        assert_int_equal(s->limits.cpu_weight, 100);
        assert_int_equal(s->limits.pids_max, 256);
        assert_int_equal(s->limits.io_weight, 100);
        assert_int_equal(s->group_limits.memory_max, INT64_C(8) << 30);
        assert_int_equal(s->group_limits.pids_max, 4096);
        assert_int_equal(s->group_limits.swap_max, JAULA_LIMIT_UNSET);
        assert_int_equal(s->group_limits.cpu_quota_us, JAULA_LIMIT_UNSET);
        assert_int_equal(s->group_limits.cpu_period_us, JAULA_LIMIT_UNSET);
        assert_string_equal(s->seccomp.profile, "default");
        assert_int_equal(s->seccomp.n_allow, 1);
        assert_string_equal(s->seccomp.allow[0], "ptrace");
        assert_null(s->seccomp.allow[1]);
        assert_int_equal(s->seccomp.n_deny, 1);
        assert_string_equal(s->seccomp.deny[0], "personality");
        assert_false(s->seccomp.allow_x86);
        assert_int_equal(s->caps_keep, 0);
        assert_int_equal(s->n_env, 1);
        assert_string_equal(s->env[0].name, "EDITOR");
        assert_string_equal(s->env[0].value, "vi");
        assert_string_equal(s->shell, "/bin/bash");
        jaula_spec_free(s);
        jaula_policy_free(p);
}

/* --------------------------------------------------- invalid policies */

struct bad {
        const char *name;
        const char *text;
        int line;
        const char *msg;
};

static const struct bad bad_cases[] = {
        { "syntax", "global = { state_dir = \"/x\"; };\nrootfs = { r = ; };\n", 2,
          "syntax error: expected a value, got ';'" },
        { "syntax-string-as-name", RF "\n\"profiles\" = {};\n", 3,
          "syntax error: expected a setting name, got a string" },
        { "syntax-unclosed-string", RF "global = { state_dir = \"/x;\n};\n", 2,
          "syntax error: a string that is never closed with '\"'" },
        { "syntax-missing-assign", "global {\n};\n", 1,
          "syntax error: expected '=' after the setting name, got '{'" },
        { "syntax-array-of-groups", "match = [ { users = [\"*\"]; } ];\n", 1,
          "syntax error: expected a value, got '{'" },
        { "syntax-trailing-comma", "\nrootfs = { r = { path = \"/r\"; }; };\nmatch = ( { users = [\"a\",\n ]; exempt = true; } );\n", 4,
          "syntax error: expected a value, got ']'" },
        { "syntax-unbalanced", "rootfs = { r = { path = \"/r\"; };\n", 2,
          "syntax error: expected a setting name or '}', got the end of the file" },
        { "int-wraps", RF "profiles = { p = { rootfs = \"r\";\n limits = { memory = 5000000000; }; }; };\n", 3,
          "5000000000 does not fit in 32 bits, and libconfig would silently wrap it; write "
          "5000000000L, or for a size a string like \"5G\"" },
        { "int-wraps-hex", RF "profiles = { p = { rootfs = \"r\"; limits = { pids = 0x80000000; }; }; };\n", 2,
          "0x80000000 does not fit in 32 bits, and libconfig would silently wrap it; write "
          "0x80000000L, or for a size a string like \"5G\"" },
        { "string-nul", RF "profiles = { p = { rootfs = \"r\";\n shell = \"/bin/sh\\x00evil\"; }; };\n", 3,
          "a string may not contain \"\\x00\"" },
        { "syntax-mixed-array", "match = ( { uids = [\"1-2\", 3]; exempt = true; } );\n", 1,
          "syntax error: mismatched element type in array" },
        { "duplicate-setting", RF "rootfs = { s = { path = \"/s\"; }; };\n", 2,
          "syntax error: duplicate setting name" },
        { "at-include", RF "  @include \"/etc/passwd\"\n", 2,
          "@include is not supported: put additional policy files into the drop-in directory "
          "(conf.d beside the main file, or global.include_dir)" },
        { "unknown-top-key", "\nprofile = {};\n", 2, "profile: unknown key; did you mean 'profiles'?" },
        { "unknown-key-suggest", "global = { stat_dir = \"/run/x\"; };\n", 1,
          "global.stat_dir: unknown key; did you mean 'state_dir'?" },
        { "unknown-key-list", RF "rootfs2 = 1;\n", 2,
          "rootfs2: unknown key; did you mean 'rootfs'?" },
        { "unknown-key-nohint", "global = { frobnicate = 1; };\n", 1,
          "global.frobnicate: unknown key; expected one of: state_dir, cgroup_root, cgroup_path, "
          "persistent_dir, default_shell, include_dir" },
        { "section-not-group", "profiles = \"x\";\n", 1, "profiles: expected a group { … }, got a string" },
        { "state-dir-relative", "global = {\n  state_dir = \"run/jaula\";\n};\n", 2,
          "global.state_dir: expected an absolute path, got \"run/jaula\"" },
        { "state-dir-dotdot", "global = { state_dir = \"/run/../etc\"; };\n", 1,
          "global.state_dir: '.' and '..' components are not allowed, got \"/run/../etc\"" },
        { "state-dir-type", "global = { state_dir = 5; };\n", 1,
          "global.state_dir: expected a string, got an integer" },
        { "cgroup-path", "global = { cgroup_path = \"../jaula\"; };\n", 1,
          "global.cgroup_path: expected a relative path like \"jaula\" (A-Z, a-z, 0-9, '-', '_', "
          "'.', '/'; no '..'), got \"../jaula\"" },
        { "cgroup-root", "global = { cgroup_root = \"sys/fs/cgroup\"; };\n", 1,
          "global.cgroup_root: expected \"\" (auto-detect) or an absolute path, got \"sys/fs/cgroup\"" },
        { "persistent-dir-template", "global = { persistent_dir = \"/var/%x\"; };\n", 1,
          "global.persistent_dir: unknown template variable '%x'; expected %u (user), %U (uid), %g "
          "(group), %h (home), %p (profile) or %%, got \"/var/%x\"" },
        { "rootfs-no-path", "rootfs = {\n  r = { type = \"directory\"; };\n};\n", 2,
          "rootfs.r: no path; expected path = \"/var/lib/jaula/rootfs/r\" or similar" },
        { "rootfs-type", "rootfs = { r = { path = \"/r\"; type = \"zip\"; }; };\n", 1,
          "rootfs.r.type: expected one of directory, squashfs, iso, got \"zip\"" },
        { "rootfs-arch", "rootfs = { r = { path = \"/r\"; arch = \"x86_64\"; }; };\n", 1,
          "rootfs.r.arch: expected one of amd64, i386, arm64, armhf, armel, ppc64el, s390x, "
          "riscv64, mips64el, got \"x86_64\"" },
        { "rootfs-name", "rootfs = { r*x = { path = \"/r\"; }; };\n", 1,
          "rootfs.r*x: '*' is not allowed in a name (only A-Z, a-z, 0-9, '-' and '_')" },
        { "net-no-bridge", "networks = { n = { subnet = \"10.9.0.0/24\"; }; };\n", 1,
          "networks.n: no bridge; expected bridge = \"jb-n\" or bridges = [ … ]" },
        { "net-bridge-long", "networks = { n = { bridge = \"jb-0123456789abc\"; subnet = \"10.9.0.0/24\"; }; };\n", 1,
          "networks.n.bridges[0]: bridge name \"jb-0123456789abc\" has 16 bytes; Linux interface "
          "names have 1 to 15" },
        { "net-bridge-char", "networks = { n = {\n bridges = [\"jb-a\", \"jb b\"];\n subnet = \"10.9.0.0/24\"; }; };\n", 2,
          "networks.n.bridges[1]: bridge name \"jb b\" contains ' '; use only A-Z, a-z, 0-9, '-', "
          "'_' and '.'" },
        { "net-bridge-both", "networks = { n = { bridges = [\"jb-a\"];\n bridge = \"jb-b\"; subnet = \"10.9.0.0/24\"; }; };\n", 2,
          "networks.n: set either bridge or bridges, not both" },
        { "net-no-subnet", "networks = { n = { bridge = \"jb-n\"; }; };\n", 1,
          "networks.n: no subnet; expected subnet = \"10.77.0.0/16\" or similar" },
        { "net-subnet-syntax", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0\"; }; };\n", 1,
          "networks.n.subnet: expected an IPv4 network like \"10.77.0.0/16\", got \"10.9.0.0\"" },
        { "net-subnet-addr", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.300/24\"; }; };\n", 1,
          "networks.n.subnet: expected an IPv4 network like \"10.77.0.0/16\", got \"10.9.0.300/24\"" },
        { "net-prefix-31", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/31\"; }; };\n", 1,
          "networks.n.subnet: prefix /31 is outside /8../30" },
        { "net-prefix-7", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.0.0.0/7\"; }; };\n", 1,
          "networks.n.subnet: prefix /7 is outside /8../30" },
        { "net-host-bits", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.1/24\"; }; };\n", 1,
          "networks.n.subnet: \"10.9.0.1/24\" has host bits set; did you mean \"10.9.0.0/24\"?" },
        { "net-gateway-outside", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\";\n gateway = \"10.9.1.1\"; }; };\n", 2,
          "networks.n.gateway: 10.9.1.1 is outside the subnet 10.9.0.0/24" },
        { "net-gateway-network", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; gateway = \"10.9.0.0\"; }; };\n", 1,
          "networks.n.gateway: 10.9.0.0 is the network address of 10.9.0.0/24; use a host address" },
        { "net-gateway-broadcast", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; gateway = \"10.9.0.255\"; }; };\n", 1,
          "networks.n.gateway: 10.9.0.255 is the broadcast address of 10.9.0.0/24; use a host address" },
        { "net-gateway-syntax", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; gateway = \"gw\"; }; };\n", 1,
          "networks.n.gateway: expected an IPv4 address like \"10.77.0.1\", got \"gw\"" },
        { "net-overlap", "networks = {\n a = { bridge = \"jb-a\"; subnet = \"10.9.0.0/16\"; };\n b = { bridge = \"jb-b\"; subnet = \"10.9.4.0/24\"; };\n};\n", 3,
          "networks.b.subnet: 10.9.4.0/24 overlaps 10.9.0.0/16 of network 'a' (t.conf:2)" },
        { "net-shared-bridge", "networks = {\n a = { bridge = \"jb-a\"; subnet = \"10.9.0.0/24\"; };\n b = { bridge = \"jb-a\"; subnet = \"10.8.0.0/24\"; };\n};\n", 3,
          "networks.b: bridge \"jb-a\" already belongs to network 'a' (t.conf:2)" },
        { "net-dns", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; dns = [\"ns1\"]; }; };\n", 1,
          "networks.n.dns[0]: expected an IP address like \"10.77.0.1\", got \"ns1\"" },
        { "net-search", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; search = [\"a b\"]; }; };\n", 1,
          "networks.n.search[0]: expected a domain name like \"lab.example.org\", got \"a b\"" },
        { "net-addresses", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; addresses = \"static\"; }; };\n", 1,
          "networks.n.addresses: expected one of stable, dynamic, got \"static\"" },
        { "net-isolate-type", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; isolate = \"yes\"; }; };\n", 1,
          "networks.n.isolate: expected true or false, got a string" },
        { "net-mtu", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; mtu = 40; }; };\n", 1,
          "networks.n.mtu: expected 0 (the bridge's) or 68 to 65535, got 40" },
        { "net-uplink", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; uplink = \"eth0:1\"; }; };\n", 1,
          "networks.n.uplink: interface name \"eth0:1\" contains ':'; use only A-Z, a-z, 0-9, '-', "
          "'_' and '.'" },
        { "pool-syntax", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0\"; }; };\n", 1,
          "networks.n.pool: expected a block like \"10.77.1.0/24\" or a range like \"10.77.1.10-10.77.1.250\" inside the subnet, got \"10.9.1.0\"" },
        { "pool-outside", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\";\n pool = \"10.8.1.0/24\"; }; };\n", 2,
          "networks.n.pool: \"10.8.1.0/24\" is not inside the subnet 10.9.0.0/16" },
        { "pool-host-bits", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.1/24\"; }; };\n", 1,
          "networks.n.pool: \"10.9.1.1/24\" has host bits set; did you mean \"10.9.1.0/24\"?" },
        { "pool-backwards", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.9-10.9.1.1\"; }; };\n", 1,
          "networks.n.pool: the range \"10.9.1.9-10.9.1.1\" ends before it starts" },
        { "pool-network-address", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.0.0-10.9.0.9\"; }; };\n", 1,
          "networks.n.pool: \"10.9.0.0-10.9.0.9\" includes the network address of 10.9.0.0/16" },
        { "pool-gateway", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.0.0/24\"; }; };\n", 1,
          "networks.n.pool: \"10.9.0.0/24\" contains the gateway 10.9.0.1; the gateway must lie outside every host's pool" },
        { "pool-dns", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; dns = [\"10.9.1.53\"]; pool = \"10.9.1.0/24\"; }; };\n", 1,
          "networks.n.pool: \"10.9.1.0/24\" contains the nameserver 10.9.1.53 (dns[0])" },
        { "pool-overlap-networks", "networks = {\n a = { bridge = \"jb-a\"; subnet = \"10.9.0.0/16\"; pool = \"10.9.1.0/24\"; };\n b = { bridge = \"jb-b\"; subnet = \"10.9.1.0/24\"; pool = \"10.9.1.10-10.9.1.20\"; };\n};\n", 3,
          "networks.b.subnet: 10.9.1.0/24 overlaps 10.9.0.0/16 of network 'a' (t.conf:2)" },
        { "vxlan-no-vni", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\";\n vxlan = { peers = [\"192.0.2.1\"]; }; }; };\n", 2,
          "networks.n.vxlan: no vni; expected vni = 4242 (1 to 16777215, the same on every host)" },
        { "vxlan-vni-range", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 16777216; peers = [\"192.0.2.1\"]; }; }; };\n", 1,
          "networks.n.vxlan.vni: expected an integer from 1 to 16777215, got 16777216" },
        { "vxlan-no-peers", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; }; }; };\n", 1,
          "networks.n.vxlan: no peers; expected peers = [ \"192.0.2.10\", … ] (the other hosts) or group = \"239.1.1.1\" with dev" },
        { "vxlan-peer-syntax", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"hostb\"]; }; }; };\n", 1,
          "networks.n.vxlan.peers[0]: expected an IPv4 address like \"192.0.2.10\", got \"hostb\"" },
        { "vxlan-peer-in-subnet", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"10.9.3.3\"]; }; }; };\n", 1,
          "networks.n.vxlan.peers[0]: 10.9.3.3 lies inside the network's own subnet; VXLAN runs over the hosts' underlay addresses" },
        { "vxlan-peer-multicast", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"239.1.1.1\"]; }; }; };\n", 1,
          "networks.n.vxlan.peers[0]: 239.1.1.1 is not a unicast address of another host" },
        { "vxlan-peer-twice", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\", \"192.0.2.1\"]; }; }; };\n", 1,
          "networks.n.vxlan.peers[1]: peer 192.0.2.1 is listed twice" },
        { "vxlan-group-and-peers", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\"];\n group = \"239.1.1.1\"; dev = \"eth0\"; }; }; };\n", 2,
          "networks.n.vxlan: set either peers (unicast) or group (multicast), not both" },
        { "vxlan-group-no-dev", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; group = \"239.1.1.1\"; }; }; };\n", 1,
          "networks.n.vxlan.group: a multicast group needs dev, the underlay interface" },
        { "vxlan-group-unicast", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; group = \"192.0.2.1\"; dev = \"eth0\"; }; }; };\n", 1,
          "networks.n.vxlan.group: expected an IPv4 multicast address like \"239.1.1.1\", got \"192.0.2.1\"" },
        { "vxlan-dev", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\"]; dev = \"eth 0\"; }; }; };\n", 1,
          "networks.n.vxlan.dev: interface name \"eth 0\" contains ' '; use only A-Z, a-z, 0-9, '-', '_' and '.'" },
        { "vxlan-port", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\"]; port = 0; }; }; };\n", 1,
          "networks.n.vxlan.port: expected an integer from 1 to 65535, got 0" },
        { "vxlan-unknown-key", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peer = [\"192.0.2.1\"]; }; }; };\n", 1,
          "networks.n.vxlan.peer: unknown key; did you mean 'peers'?" },
        { "vxlan-no-pool", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\";\n vxlan = { vni = 7; peers = [\"192.0.2.1\"]; }; }; };\n", 2,
          "networks.n.vxlan: a VXLAN network needs pool, this host's slice of the subnet (e.g. pool = \"10.77.1.0/24\"), different on every host" },
        { "vxlan-no-gateway", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; pool = \"10.9.1.0/24\";\n vxlan = { vni = 7; peers = [\"192.0.2.1\"]; }; }; };\n", 2,
          "networks.n.vxlan: a VXLAN network needs an explicit gateway, this host's own address on the segment, different on every host" },
        { "vxlan-two-bridges", "networks = { n = { bridges = [\"jb-n\", \"jb-m\"]; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\"]; }; }; };\n", 1,
          "networks.n.vxlan: a VXLAN network has exactly one bridge, got 2" },
        { "vxlan-uplink", "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; uplink = \"eth0\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\"]; }; }; };\n", 1,
          "networks.n.vxlan: set either uplink or vxlan, not both (the bridge would join two segments)" },
        { "vxlan-vni-twice", "networks = {\n a = { bridge = \"jb-a\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\"]; }; };\n b = { bridge = \"jb-b\"; subnet = \"10.8.0.0/16\"; gateway = \"10.8.0.1\"; pool = \"10.8.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\"]; }; };\n};\n", 3,
          "networks.b.vxlan.vni: 7 is already the VNI of network 'a' (t.conf:2)" },
        { "vxlan-bridge-name", "networks = {\n a = { bridge = \"jb-a\"; subnet = \"10.9.0.0/16\"; gateway = \"10.9.0.1\"; pool = \"10.9.1.0/24\"; vxlan = { vni = 7; peers = [\"192.0.2.1\"]; }; };\n b = { bridge = \"jb-vx7\"; subnet = \"10.8.0.0/16\"; };\n};\n", 3,
          "networks.b: bridge \"jb-vx7\" is the name of the VXLAN device of network 'a' (t.conf:2)" },
        { "profile-no-rootfs", "profiles = {\n p = { scope = \"user\"; };\n};\n", 2,
          "profiles.p: no rootfs; expected rootfs = \"NAME\" naming an entry of rootfs" },
        { "profile-undefined-rootfs", "profiles = { p = {\n rootfs = \"nope\"; }; };\n", 2,
          "profiles.p.rootfs: no rootfs named \"nope\" is defined" },
        { "profile-undefined-network", RF "profiles = { p = { rootfs = \"r\";\n network = \"lab\"; }; };\n", 3,
          "profiles.p.network: no network named \"lab\" is defined" },
        { "profile-unknown-key", RF "profiles = { p = { rootfs = \"r\"; hostnmae = \"x\"; }; };\n", 2,
          "profiles.p.hostnmae: unknown key; did you mean 'hostname'?" },
        { "profile-scope", RF "profiles = { p = { rootfs = \"r\"; scope = \"host\"; }; };\n", 2,
          "profiles.p.scope: expected one of user, session, got \"host\"" },
        { "profile-lifetime", RF "profiles = { p = { rootfs = \"r\"; lifetime = \"forever\"; }; };\n", 2,
          "profiles.p.lifetime: expected one of session, processes, got \"forever\"" },
        { "profile-linger-negative", RF "profiles = { p = { rootfs = \"r\"; linger = -5; }; };\n", 2,
          "profiles.p.linger: expected an integer from 0 to 604800, got -5" },
        { "profile-linger-processes", RF "profiles = { p = { rootfs = \"r\"; lifetime = \"processes\"; linger = 30; }; };\n", 2,
          "profiles.p.linger: only applies to lifetime = \"session\"" },
        { "ns-no-mount", RF "profiles = { p = { rootfs = \"r\"; namespaces = [\"pid\", \"uts\"]; }; };\n", 2,
          "profiles.p.namespaces: \"mount\" is missing; a jail without its own mount namespace is "
          "not a jail" },
        { "ns-no-pid", RF "profiles = { p = { rootfs = \"r\"; namespaces = [\"mount\"]; }; };\n", 2,
          "profiles.p.namespaces: \"pid\" is missing; a jail without its own pid namespace is not a "
          "jail" },
        { "ns-unknown", RF "profiles = { p = { rootfs = \"r\"; namespaces = [\"mount\", \"pid\", \"user\"]; }; };\n", 2,
          "profiles.p.namespaces[2]: unknown namespace \"user\"; expected mount, uts, ipc, pid, net "
          "or cgroup" },
        { "ns-twice", RF "profiles = { p = { rootfs = \"r\"; namespaces = [\"mount\", \"pid\", \"pid\"]; }; };\n", 2,
          "profiles.p.namespaces[2]: \"pid\" is listed twice" },
        { "ns-net-missing", RF "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; }; };\n"
          "profiles = { p = { rootfs = \"r\"; namespaces = [\"mount\", \"pid\"];\n network = \"n\"; }; };\n", 4,
          "profiles.p.network: a network needs the \"net\" namespace in namespaces" },
        { "hostname-without-uts", RF "profiles = { p = { rootfs = \"r\"; namespaces = [\"mount\", \"pid\"];\n hostname = \"lab\"; }; };\n", 3,
          "profiles.p.hostname: a hostname needs the \"uts\" namespace in namespaces (without it "
          "the jail shares the host's hostname)" },
        { "writable", RF "profiles = { p = { rootfs = \"r\"; writable = \"overlay\"; }; };\n", 2,
          "profiles.p.writable: expected one of tmpfs, persistent, none, got \"overlay\"" },
        { "persistent-path-unused", RF "profiles = { p = { rootfs = \"r\"; persistent_path = \"/p/%u\"; }; };\n", 2,
          "profiles.p.persistent_path: only used with writable = \"persistent\"" },
        { "persistent-path-relative", RF "profiles = { p = { rootfs = \"r\"; writable = \"persistent\"; persistent_path = \"p/%u\"; }; };\n", 2,
          "profiles.p.persistent_path: expected an absolute path (starting with '/' or %h), got \"p/%u\"" },
        { "hostname-char", RF "profiles = { p = { rootfs = \"r\"; hostname = \"lab.%u\"; }; };\n", 2,
          "profiles.p.hostname: '.' is not allowed in a hostname (only A-Z, a-z, 0-9 and '-'), got "
          "\"lab.%u\"" },
        { "hostname-home", RF "profiles = { p = { rootfs = \"r\"; hostname = \"%h\"; }; };\n", 2,
          "profiles.p.hostname: '%h' (a path) cannot be used in a hostname; use %u, %U, %g or %p, "
          "got \"%h\"" },
        { "hostname-long", RF "profiles = { p = { rootfs = \"r\"; hostname = \"a123456789b123456789c123456789d123456789e123456789f123456789g123-%u\"; }; };\n", 2,
          "profiles.p.hostname: a hostname has at most 63 bytes, got "
          "\"a123456789b123456789c123456789d123456789e123456789f123456789g123-%u\"" },
        { "template-trailing-percent", RF "profiles = { p = { rootfs = \"r\"; home = \"/home/%\"; }; };\n", 2,
          "profiles.p.home: template ends with a lone '%'; write '%%' for a literal '%', got "
          "\"/home/%\"" },
        { "shm-size-small", RF "profiles = { p = { rootfs = \"r\"; shm_size = 100; }; };\n", 2,
          "profiles.p.shm_size: at least \"4K\", got 100 bytes" },
        { "persistent-size-tmpfs", RF "profiles = { p = { rootfs = \"r\"; persistent_size = \"1G\"; }; };\n", 2,
          "profiles.p.persistent_size: only used with writable = \"persistent\"" },
        { "persistent-size-small", RF "profiles = { p = { rootfs = \"r\"; writable = \"persistent\"; persistent_size = \"1M\"; }; };\n", 2,
          "profiles.p.persistent_size: at least \"16M\" (the image holds an ext4 journal), got "
          "1048576 bytes" },
        { "writable-size-persistent", RF "profiles = { p = { rootfs = \"r\"; writable = \"persistent\"; writable_size = \"1G\"; }; };\n", 2,
          "profiles.p.writable_size: sizes the tmpfs writable layer; with writable = "
          "\"persistent\" use persistent_size" },
        { "max-jails-negative", RF "profiles = { p = { rootfs = \"r\"; max_jails_per_user = -1; }; };\n", 2,
          "profiles.p.max_jails_per_user: expected an integer from 0 to 100000, got -1" },
        { "tmp-size", RF "profiles = { p = { rootfs = \"r\"; tmp_size = \"64Q\"; }; };\n", 2,
          "profiles.p.tmp_size: expected a size like \"512M\" (a number of bytes with an optional "
          "K, M, G or T suffix, or \"max\"), got \"64Q\"" },
        { "pty-max-negative", RF "profiles = { p = { rootfs = \"r\"; pty_max = -1; }; };\n", 2,
          "profiles.p.pty_max: expected an integer from 0 to 1048576, got -1" },
        { "pty-max-huge", RF "profiles = { p = { rootfs = \"r\"; pty_max = 1048577; }; };\n", 2,
          "profiles.p.pty_max: expected an integer from 0 to 1048576, got 1048577" },
        { "pty-max-string", RF "profiles = { p = { rootfs = \"r\"; pty_max = \"64\"; }; };\n", 2,
          "profiles.p.pty_max: expected an integer, got a string" },
        { "mount-source-template", RF "profiles = { p = { rootfs = \"r\"; mounts = (\n { source = \"/srv/%y\"; target = \"/srv\"; } ); }; };\n", 3,
          "profiles.p.mounts[0].source: unknown template variable '%y'; expected %u (user), %U "
          "(uid), %g (group), %h (home), %p (profile) or %%, got \"/srv/%y\"" },
        { "mount-target-relative", RF "profiles = { p = { rootfs = \"r\"; mounts = ( { source = \"/srv\"; target = \"srv\"; } ); }; };\n", 2,
          "profiles.p.mounts[0].target: expected an absolute path, got \"srv\"" },
        { "mount-target-root", RF "profiles = { p = { rootfs = \"r\"; mounts = ( { source = \"/srv\"; target = \"/\"; } ); }; };\n", 2,
          "profiles.p.mounts[0].target: cannot mount over the jail's root" },
        { "mount-no-source", RF "profiles = { p = { rootfs = \"r\"; mounts = ( { target = \"/srv\"; } ); }; };\n", 2,
          "profiles.p.mounts[0]: no source; expected source = \"/srv/shared\" or similar" },
        { "mount-mode", RF "profiles = { p = { rootfs = \"r\"; mounts = ( { source = \"/srv\"; target = \"/srv\"; mode = \"rx\"; } ); }; };\n", 2,
          "profiles.p.mounts[0].mode: expected one of ro, rw, got \"rx\"" },
        { "mount-duplicate-target", RF "profiles = { p = { rootfs = \"r\"; mounts = ( { source = \"/a\"; target = \"/srv\"; },\n { source = \"/b\"; target = \"/srv\"; } ); }; };\n", 3,
          "profiles.p.mounts[1].target: \"/srv\" is already the target of mounts[0]" },
        { "mounts-not-list", RF "profiles = { p = { rootfs = \"r\"; mounts = [\"/srv\"]; }; };\n", 2,
          "profiles.p.mounts: expected a list of groups like ( { source = \"/srv\"; target = "
          "\"/srv\"; } ), got an array [ … ]" },
        { "limits-memory", RF "profiles = { p = { rootfs = \"r\"; limits = {\n memory = \"lots\"; }; }; };\n", 3,
          "profiles.p.limits.memory: expected a size like \"512M\" (a number of bytes with an "
          "optional K, M, G or T suffix, or \"max\"), got \"lots\"" },
        { "limits-memory-huge", RF "profiles = { p = { rootfs = \"r\"; limits = { memory = \"99999999999T\"; }; }; };\n", 2,
          "profiles.p.limits.memory: size \"99999999999T\" is too large" },
        { "limits-cpu-syntax", RF "profiles = { p = { rootfs = \"r\"; limits = { cpu = \"50\"; }; }; };\n", 2,
          "profiles.p.limits.cpu: expected a percentage of one CPU like \"50%\" (\"200%\" = two "
          "CPUs), got \"50\"" },
        { "limits-cpu-zero", RF "profiles = { p = { rootfs = \"r\"; limits = { cpu = \"0%\"; }; }; };\n", 2,
          "profiles.p.limits.cpu: expected 1% to 100000%, got \"0%\"" },
        { "limits-cpu-type", RF "profiles = { p = { rootfs = \"r\"; limits = { cpu = 0.5; }; }; };\n", 2,
          "profiles.p.limits.cpu: expected a percentage of one CPU like \"50%\", got a floating "
          "point number" },
        { "limits-cpu-weight", RF "profiles = { p = { rootfs = \"r\"; limits = { cpu_weight = 0; }; }; };\n", 2,
          "profiles.p.limits.cpu_weight: expected an integer from 1 to 10000, got 0" },
        { "limits-io-weight", RF "profiles = { p = { rootfs = \"r\"; limits = { io_weight = 20000; }; }; };\n", 2,
          "profiles.p.limits.io_weight: expected an integer from 1 to 10000, got 20000" },
        { "limits-pids", RF "profiles = { p = { rootfs = \"r\"; limits = { pids = \"many\"; }; }; };\n", 2,
          "profiles.p.limits.pids: expected an integer, got a string" },
        { "limits-swap-alone", RF "profiles = { p = { rootfs = \"r\"; limits = { swap = \"1G\"; }; }; };\n", 2,
          "profiles.p.limits.swap: a swap limit needs a memory limit (cgroup v1 limits memory and "
          "swap together)" },
        { "limits-unknown-key", RF "profiles = { p = { rootfs = \"r\"; limits = { memroy = \"1G\"; }; }; };\n", 2,
          "profiles.p.limits.memroy: unknown key; did you mean 'memory'?" },
        { "seccomp-profile", RF "profiles = { p = { rootfs = \"r\"; seccomp = { profile = \"paranoid\"; }; }; };\n", 2,
          "profiles.p.seccomp.profile: expected one of default, strict, none, got \"paranoid\"" },
        { "seccomp-unknown-syscall", RF "profiles = { p = { rootfs = \"r\"; seccomp = {\n deny = [\"fork\", \"frobnicate\"]; }; }; };\n", 3,
          "profiles.p.seccomp.deny[1]: unknown system call \"frobnicate\"" },
        { "seccomp-allow-and-deny", RF "profiles = { p = { rootfs = \"r\"; seccomp = { allow = [\"ptrace\"]; deny = [\"ptrace\"]; }; }; };\n", 2,
          "profiles.p.seccomp.deny[0]: \"ptrace\" is both allowed and denied" },
        { "seccomp-allow-none", RF "profiles = { p = { rootfs = \"r\"; seccomp = { profile = \"none\"; allow = [\"ptrace\"]; }; }; };\n", 2,
          "profiles.p.seccomp.allow: profile \"none\" denies nothing, so there is nothing to allow" },
        { "cap-unknown", RF "profiles = { p = { rootfs = \"r\"; capabilities = [\"CAP_FLY\"]; }; };\n", 2,
          "profiles.p.capabilities[0]: unknown capability \"CAP_FLY\"; expected a name like "
          "\"CAP_NET_BIND_SERVICE\"" },
        { "cap-number", RF "profiles = { p = { rootfs = \"r\"; capabilities = [\"12\"]; }; };\n", 2,
          "profiles.p.capabilities[0]: unknown capability \"12\"; expected a name like "
          "\"CAP_NET_BIND_SERVICE\"" },
        { "cap-escape", RF "profiles = { p = { rootfs = \"r\"; capabilities = [\"CAP_NET_RAW\", \"CAP_SYS_ADMIN\"]; }; };\n", 2,
          "profiles.p.capabilities[1]: \"CAP_SYS_ADMIN\" would let the jail escape or control the "
          "host; it cannot be kept" },
        { "env-name", RF "profiles = { p = { rootfs = \"r\"; environment = { MY-VAR = \"x\"; }; }; };\n", 2,
          "profiles.p.environment.MY-VAR: invalid variable name; use A-Z, a-z, 0-9 and '_', not "
          "starting with a digit" },
        { "env-value", RF "profiles = { p = { rootfs = \"r\"; environment = { N = 5; }; }; };\n", 2,
          "profiles.p.environment.N: expected a string, got an integer" },
        { "env-control", RF "profiles = { p = { rootfs = \"r\"; environment = { N = \"a\\nb\"; }; }; };\n", 2,
          "profiles.p.environment.N: control characters are not allowed" },
        { "shell-relative", RF "profiles = { p = { rootfs = \"r\"; shell = \"bash\"; }; };\n", 2,
          "profiles.p.shell: expected an absolute path, got \"bash\"" },
        { "dev-log-type", RF "profiles = { p = { rootfs = \"r\"; dev_log = 1; }; };\n", 2,
          "profiles.p.dev_log: expected true or false, got an integer" },
        { "devices-not-dev", RF "profiles = { p = { rootfs = \"r\";\n devices = [ \"/dev/kvm\",\n \"/etc/passwd\" ]; }; };\n", 4,
          "profiles.p.devices[1]: \"/etc/passwd\" must be an absolute path under /dev" },
        { "devices-glob-dir", RF "profiles = { p = { rootfs = \"r\"; devices = [ \"/dev/*/card0\" ]; }; };\n", 2,
          "profiles.p.devices[0]: \"/dev/*/card0\" may have '*' in its last component only" },
        { "devices-own-node", RF "profiles = { p = { rootfs = \"r\"; devices = [ \"/dev/pts/0\" ]; }; };\n", 2,
          "profiles.p.devices[0]: \"/dev/pts/0\" names a node jaula makes in every jail's /dev itself" },
        { "devices-dotdot", RF "profiles = { p = { rootfs = \"r\"; devices = [ \"/dev/../dev/kvm\" ]; }; };\n", 2,
          "profiles.p.devices[0]: \"/dev/../dev/kvm\" must be a clean path (no empty, '.' or '..' component, no trailing '/')" },
        { "devices-dup", RF "profiles = { p = { rootfs = \"r\"; devices = [ \"/dev/kvm\", \"/dev/kvm\" ]; }; };\n", 2,
          "profiles.p.devices[1]: \"/dev/kvm\" is already devices[0]" },
        { "devices-type", RF "profiles = { p = { rootfs = \"r\"; devices = \"/dev/kvm\"; }; };\n", 2,
          "profiles.p.devices: expected a list of strings like [\"a\", \"b\"], got a string" },
        { "group-limits", "groups = { g = { limits = { pids = 0; }; }; };\n", 1,
          "groups.g.limits.pids: expected an integer from 1 to 2147483647, got 0" },
        { "group-unknown-key", "groups = { g = { limit = { pids = 5; }; }; };\n", 1,
          "groups.g.limit: unknown key; did you mean 'limits'?" },
        { "match-not-list", "match = { users = [\"*\"]; };\n", 1,
          "match: expected a list of rules like ( { users = [\"*\"]; … } ), got a group { … }" },
        { "match-no-selector", RF "profiles = { p = { rootfs = \"r\"; }; };\nmatch = (\n { profile = \"p\"; } );\n", 4,
          "match[0]: no selector; expected users = [ … ], groups = [ … ] or uids = [ … ] (users = "
          "[\"*\"] matches everyone)" },
        { "match-empty-selectors", RF "profiles = { p = { rootfs = \"r\"; }; };\nmatch = ( { users = []; profile = \"p\"; } );\n", 3,
          "match[0]: the selectors are empty lists, so the rule matches nobody" },
        { "match-uid-malformed", RF "profiles = { p = { rootfs = \"r\"; }; };\nmatch = ( { uids = [\"10000-\"]; profile = \"p\"; } );\n", 3,
          "match[0].uids[0]: expected a uid or a range like \"10000-19999\", got \"10000-\"" },
        { "match-uid-reversed", RF "profiles = { p = { rootfs = \"r\"; }; };\nmatch = ( { uids = [\"2000-1000\"]; profile = \"p\"; } );\n", 3,
          "match[0].uids[0]: range \"2000-1000\" ends before it starts" },
        { "match-uid-negative", RF "profiles = { p = { rootfs = \"r\"; }; };\nmatch = ( { uids = [-1]; profile = \"p\"; } );\n", 3,
          "match[0].uids[0]: -1 is not a valid uid" },
        { "match-undefined-profile", "match = (\n { users = [\"*\"];\n profile = \"ghost\"; } );\n", 3,
          "match[0].profile: no profile named \"ghost\" is defined" },
        { "match-undefined-group", RF "profiles = { p = { rootfs = \"r\"; }; };\nmatch = ( { users = [\"*\"]; profile = \"p\";\n group = \"g\"; } );\n", 4,
          "match[0].group: no group named \"g\" is defined in groups" },
        { "match-exempt-profile", RF "profiles = { p = { rootfs = \"r\"; }; };\nmatch = ( { users = [\"*\"]; exempt = true;\n profile = \"p\"; } );\n", 4,
          "match[0].profile: an exempt rule jails nobody; remove profile or exempt" },
        { "match-no-profile", "match = ( { groups = [\"staff\"]; } );\n", 1,
          "match[0]: no profile; expected profile = \"NAME\" (or exempt = true)" },
        { "match-numeric-group", "match = ( { groups = [\"1000\"]; exempt = true; } );\n", 1,
          "match[0].groups[0]: \"1000\" looks like a gid; groups are matched by name" },
        { "match-bad-user", "match = ( { users = [\"a:b\"]; exempt = true; } );\n", 1,
          "match[0].users[0]: \"a:b\" is not a valid user name" },
        { "match-duplicate-name", "match = ( { name = \"x\"; users = [\"a\"]; exempt = true; },\n { name = \"x\"; users = [\"b\"]; exempt = true; } );\n", 2,
          "match[1].name: \"x\" is already the name of the rule at t.conf:1" },
        { "match-unknown-key", "match = ( { user = [\"a\"]; exempt = true; } );\n", 1,
          "match[0].user: unknown key; did you mean 'users'?" },
        { "match-users-type", "match = ( { users = \"alice\"; exempt = true; } );\n", 1,
          "match[0].users: expected a list of strings like [\"a\", \"b\"], got a string" },
};

static void run_bad_case(void **state)
{
        const struct bad *b = *state;
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        char want[1200];
        bool found = false;
        int r;

        r = jaula_policy_parse(b->text, "t.conf", &p, &d);
        assert_int_equal(r, -EINVAL);
        assert_null(p);
        snprintf(want, sizeof want, "t.conf:%d: %s", b->line, b->msg);
        for (size_t i = 0; i < d.n && !found; i++) {
                char got[1200];

                jaula_diag_format(&d.v[i], got, sizeof got);
                found = strcmp(got, want) == 0;
        }
        if (!found) {
                _cleanup_free_ char *t = diags_text(&d);
                jaula_diags_free(&d);
                fail_msg("expected:\n%s\ngot:\n%s", want, t);
        }
        jaula_diags_free(&d);
}

/* Each error is reported once, and a policy with several errors reports
 * them all in one run. */
static void test_every_error_reported(void **state)
{
        const char *text = RF
                "profiles = { p = { rootfs = \"nope\"; limits = { memory = \"x\"; cpu = \"y\"; }; }; };\n"
                "match = ( { profile = \"p\"; }, { users = [\"a\"]; profile = \"q\"; } );\n";
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };

        assert_int_equal(jaula_policy_parse(text, "t.conf", &p, &d), -EINVAL);
        assert_int_equal(d.n, 5);
        for (size_t i = 0; i < d.n; i++)
                for (size_t j = i + 1; j < d.n; j++)
                        assert_string_not_equal(d.v[i].msg, d.v[j].msg);
        jaula_diags_free(&d);
}

static void test_diags_null_ok(void **state)
{
        struct jaula_policy *p = NULL;

        assert_int_equal(jaula_policy_parse("global = 5;", "t.conf", &p, NULL), -EINVAL);
        assert_null(p);
        assert_int_equal(jaula_policy_parse("", "t.conf", &p, NULL), 0);
        assert_int_equal(jaula_policy_n_rules(p), 0);
        jaula_policy_free(p);
}

static void test_big_integers(void **state)
{
        /* With the L suffix libconfig reads 64 bits; at the 32-bit edges a
         * plain integer is still exact. */
        const char *text = RF
                "profiles = { p = { rootfs = \"r\"; limits = { memory = 5000000000L; pids = 2147483647; }; }; };\n"
                "match = ( { uids = (-2147483648, 0x7fffffff); exempt = true; },\n"
                "          { users = [\"a\"]; profile = \"p\"; } );\n";
        struct jaula_user u = { .name = "a", .uid = 1, .gid = 1, .group = "a", .home = "/h" };
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        struct jaula_spec *s = NULL;

        assert_int_equal(jaula_policy_parse(text, "t.conf", &p, &d), -EINVAL);
        /* -2147483648 fits in 32 bits but is no uid: the checker says so. */
        assert_int_equal(d.n, 1);
        assert_string_equal(d.v[0].msg, "match[0].uids[0]: -2147483648 is not a valid uid");
        jaula_diags_free(&d);
        text = RF "profiles = { p = { rootfs = \"r\"; limits = { memory = 5000000000L; pids = 2147483647; }; }; };\n"
                  "match = ( { users = [\"a\"]; profile = \"p\"; } );\n";
        assert_int_equal(jaula_policy_parse(text, "t.conf", &p, NULL), 0);
        assert_int_equal(jaula_policy_resolve(p, &u, &s, NULL, NULL), 1);
        assert_int_equal(s->limits.memory_max, INT64_C(5000000000));
        assert_int_equal(s->limits.pids_max, 2147483647);
        jaula_spec_free(s);
        jaula_policy_free(p);
}

static void test_valid_variants(void **state)
{
        /* Things that look odd but are meant to be accepted. */
        const char *text = RF
                "rootfs2 = 0;\n";
        const char *ok = RF
                "networks = { n = { bridge = \"jb-n\"; subnet = \"10.9.0.0/24\"; };\n"
                "  m = { bridges = [\"jb-m0\", \"jb-m1\"]; subnet = \"10.10.0.0/16\";\n"
                "        dns = [\"10.10.0.1\", \"2001:db8::1\"]; addresses = \"dynamic\"; mtu = 1400; }; };\n"
                "profiles = { p = { rootfs = \"r\"; network = \"m\"; hostname = \"h-%U\";\n"
                "  capabilities = [\"net_bind_service\"]; seccomp = { deny = [\"ioctl[TIOCSTI]\"]; };\n"
                "  limits = { memory = \"max\"; pids = \"max\"; cpu = \"250%\"; };\n"
                "  writable = \"persistent\"; namespaces = [\"pid\", \"mount\", \"net\", \"uts\"];\n"
                "  devices = [\"/dev/kvm\", \"/dev/dri/renderD*\", \"/dev/nullb0\"]; }; };\n"
                "match = ( { uids = (\"10000-19999\", 42); profile = \"p\"; } );\n";
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        int r;

        assert_int_equal(jaula_policy_parse(text, "t.conf", &p, NULL), -EINVAL);
        r = jaula_policy_parse(ok, "t.conf", &p, &d);
        if (r != 0) {
                _cleanup_free_ char *t = diags_text(&d);
                fail_msg("%s", t);
        }
        jaula_policy_free(p);
        jaula_diags_free(&d);
}

/* The sizes of the jail's tmpfs mounts, the persistent image and the
 * per-user caps: defaults, explicit values, "max", and the warning. */
/* Warnings among the diagnostics, each the persistent_size one. */
static int warn_count(const struct jaula_diags *d)
{
        int n = 0;

        for (size_t i = 0; i < d->n; i++)
                if (d->v[i].warning) {
                        assert_non_null(strstr(d->v[i].msg, "without persistent_size"));
                        n++;
                }
        return n;
}

static void test_sizes_and_caps(void **state)
{
        struct jaula_user u = { .name = "ana", .uid = 10042, .gid = 10042, .group = "ana",
                                .home = "/home/ana", .shell = "/usr/sbin/jailsh" };
        static const char *const texts[] = {
                RF "profiles = { p = { rootfs = \"r\"; }; };\n"
                   "match = ( { users = [\"ana\"]; profile = \"p\"; } );\n",
                RF "profiles = { p = { rootfs = \"r\"; tmp_size = \"max\"; shm_size = \"1M\";\n"
                   "  writable_size = 0; max_jails_per_user = 3; max_sessions_per_user = 7; }; };\n"
                   "match = ( { users = [\"ana\"]; profile = \"p\"; } );\n",
                RF "profiles = { p = { rootfs = \"r\"; writable = \"persistent\";\n"
                   "  persistent_size = \"2G\"; }; q = { rootfs = \"r\"; writable = \"persistent\"; }; };\n"
                   "match = ( { users = [\"ana\"]; profile = \"p\"; } );\n",
        };
        int warnings[] = { 0, 0, 1 };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                struct jaula_policy *p = NULL;
                struct jaula_spec *s = NULL;
                struct jaula_err err = { 0 };
                struct jaula_diags d = { 0 };
                const char *rule = NULL;

                assert_int_equal(jaula_policy_parse_ex(texts[i], "t.conf", JAULA_POLICY_WARNINGS,
                                                       &p, &d),
                                 0);
                assert_int_equal(jaula_policy_resolve(p, &u, &s, &rule, &err), 1);
                assert_int_equal(warn_count(&d), warnings[i]);
                jaula_diags_free(&d);
                switch (i) {
                case 0:
                        assert_true(s->tmp_size == JAULA_DEFAULT_TMP_SIZE);
                        assert_true(s->shm_size == JAULA_DEFAULT_SHM_SIZE);
                        assert_true(s->writable_size == JAULA_DEFAULT_WRITABLE_SIZE);
                        assert_true(s->persistent_size == 0);
                        assert_int_equal(s->max_jails_per_user, 0);
                        assert_int_equal(s->max_sessions_per_user, 0);
                        break;
                case 1:
                        assert_true(s->tmp_size == JAULA_SIZE_UNBOUNDED);
                        assert_true(s->shm_size == 1 << 20);
                        assert_true(s->writable_size == JAULA_DEFAULT_WRITABLE_SIZE);
                        assert_int_equal(s->max_jails_per_user, 3);
                        assert_int_equal(s->max_sessions_per_user, 7);
                        break;
                case 2:
                        assert_true(s->persistent_size == UINT64_C(2) << 30);
                        break;
                }
                jaula_spec_free(s);
                jaula_policy_free(p);
        }
}

/* ---------------------------------------------------------- drop-ins */

static char tmpdir[64];

static int write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
        char path[256];
        int fd;

        snprintf(path, sizeof path, "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        if (write(fd, text, strlen(text)) != (ssize_t) strlen(text)) {
                close(fd);
                return -EIO;
        }
        fchmod(fd, mode);
        close(fd);
        return 0;
}

static int load_setup(void **state)
{
        char sub[128];

        if (geteuid() != 0)
                return 0;
        snprintf(tmpdir, sizeof tmpdir, "/tmp/jaula-test-policy.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        chmod(tmpdir, 0755);
        snprintf(sub, sizeof sub, "%s/conf.d", tmpdir);
        return mkdir(sub, 0755);
}

static int load_teardown(void **state)
{
        char cmd[128];

        if (geteuid() != 0 || !tmpdir[0])
                return 0;
        snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static void clear_dropins(void)
{
        char cmd[160];

        snprintf(cmd, sizeof cmd, "rm -f -- '%s'/conf.d/*", tmpdir);
        assert_int_equal(system(cmd), 0);
}

static int load_expect(const char *want_diag, struct jaula_policy **ret)
{
        char path[128];
        struct jaula_diags d = { 0 };
        int r;

        snprintf(path, sizeof path, "%s/jaula.conf", tmpdir);
        r = jaula_policy_load_ex(path, "", 0, ret, &d);
        if (want_diag) {
                bool found = false;

                for (size_t i = 0; i < d.n && !found; i++) {
                        char got[1200];

                        jaula_diag_format(&d.v[i], got, sizeof got);
                        found = strstr(got, want_diag) != NULL;
                }
                if (!found) {
                        _cleanup_free_ char *t = diags_text(&d);
                        jaula_diags_free(&d);
                        fail_msg("expected a diagnostic containing:\n%s\ngot (r=%d):\n%s", want_diag,
                                 r, t);
                }
        } else if (r != 0) {
                _cleanup_free_ char *t = diags_text(&d);
                jaula_diags_free(&d);
                fail_msg("load failed (r=%d):\n%s", r, t);
        }
        jaula_diags_free(&d);
        return r;
}

#define MAIN_TEXT                                                                                  \
        RF "profiles = { p = { rootfs = \"r\"; devices = [\"/dev/kvm\", \"/dev/dri/*\"]; }; };\n"    \
           "match = ( { name = \"main\"; users = [\"a\"]; profile = \"p\"; } );\n"

static void test_load_dropins(void **state)
{
        struct jaula_policy *p = NULL;
        char want[512];
        gid_t gid = 1;
        char *gname = "other";
        struct jaula_user u = { .name = "b", .uid = 5000, .gid = 1, .group = "other",
                                .home = "/home/b", .gids = &gid, .gid_names = &gname, .n_gids = 1 };
        struct jaula_spec *s = NULL;
        const char *rule = NULL;

        if (geteuid() != 0)
                skip();
        clear_dropins();
        assert_int_equal(write_file(tmpdir, "jaula.conf", MAIN_TEXT, 0644), 0);
        /* Read in name order: 10- before 20-; not-a-conf is ignored. */
        assert_int_equal(write_file(tmpdir, "conf.d/20-b.conf",
                                    "match = ( { name = \"late\"; users = [\"b\"]; profile = \"q\"; } );\n",
                                    0644), 0);
        assert_int_equal(write_file(tmpdir, "conf.d/10-a.conf",
                                    "profiles = { q = { rootfs = \"r\"; hostname = \"q-%u\"; }; };\n"
                                    "match = ( { name = \"early\"; uids = [\"5000\"]; exempt = true; } );\n",
                                    0644), 0);
        assert_int_equal(write_file(tmpdir, "conf.d/README", "garbage {", 0644), 0);
        assert_int_equal(load_expect(NULL, &p), 0);
        assert_int_equal(jaula_policy_n_rules(p), 3);
        assert_int_equal(jaula_policy_n_profiles(p), 2);
        /* main file's rules first, then 10-a's, then 20-b's. */
        assert_int_equal(jaula_policy_resolve(p, &u, &s, &rule, NULL), 0);
        assert_string_equal(rule, "early");
        u.uid = 5001;
        assert_int_equal(jaula_policy_resolve(p, &u, &s, &rule, NULL), 1);
        assert_string_equal(rule, "late");
        assert_string_equal(s->hostname, "q-b");
        snprintf(want, sizeof want, "%s/jaula.conf", tmpdir);
        assert_string_equal(s->policy_file, want);
        jaula_spec_free(s);
        jaula_policy_free(p);
}

static void test_load_dropin_errors(void **state)
{
        struct jaula_policy *p = NULL;
        char want[512];

        if (geteuid() != 0)
                skip();
        clear_dropins();
        assert_int_equal(write_file(tmpdir, "jaula.conf", MAIN_TEXT, 0644), 0);
        assert_int_equal(write_file(tmpdir, "conf.d/50-dup.conf",
                                    "\nprofiles = { p = { rootfs = \"r\"; }; };\n", 0644), 0);
        snprintf(want, sizeof want,
                 "%s/conf.d/50-dup.conf:2: profiles.p: defined twice; first in %s/jaula.conf:2",
                 tmpdir, tmpdir);
        assert_int_equal(load_expect(want, &p), -EINVAL);

        clear_dropins();
        assert_int_equal(write_file(tmpdir, "conf.d/50-global.conf",
                                    "global = { state_dir = \"/x\"; };\n", 0644), 0);
        snprintf(want, sizeof want,
                 "%s/conf.d/50-global.conf:1: global: only the main policy file may set global "
                 "settings",
                 tmpdir);
        assert_int_equal(load_expect(want, &p), -EINVAL);

        clear_dropins();
        assert_int_equal(write_file(tmpdir, "conf.d/50-ref.conf",
                                    "match = ( { users = [\"z\"];\n profile = \"nope\"; } );\n", 0644),
                         0);
        snprintf(want, sizeof want,
                 "%s/conf.d/50-ref.conf:2: match[0].profile: no profile named \"nope\" is defined",
                 tmpdir);
        assert_int_equal(load_expect(want, &p), -EINVAL);

        clear_dropins();
        assert_int_equal(write_file(tmpdir, "conf.d/50-inc.conf", "@include \"/etc/x.conf\"\n",
                                    0644),
                         0);
        snprintf(want, sizeof want, "%s/conf.d/50-inc.conf:1: @include is not supported", tmpdir);
        assert_int_equal(load_expect(want, &p), -EINVAL);
}

static void test_load_include_dir_is_main_dir(void **state)
{
        struct jaula_policy *p = NULL;
        char text[512];

        if (geteuid() != 0)
                skip();
        clear_dropins();
        /* The main file's own directory as include_dir: jaula.conf is not
         * read a second time as its own drop-in. */
        snprintf(text, sizeof text, "global = { include_dir = \"%s\"; };\n" MAIN_TEXT, tmpdir);
        assert_int_equal(write_file(tmpdir, "jaula.conf", text, 0644), 0);
        assert_int_equal(write_file(tmpdir, "extra.conf",
                                    "match = ( { users = [\"c\"]; exempt = true; } );\n", 0644),
                         0);
        assert_int_equal(load_expect(NULL, &p), 0);
        assert_int_equal(jaula_policy_n_rules(p), 2);
        assert_int_equal(jaula_policy_n_profiles(p), 1);
        jaula_policy_free(p);
        assert_int_equal(unlink(strcat(strcpy(text, tmpdir), "/extra.conf")), 0);
}

static void test_load_ownership(void **state)
{
        struct jaula_policy *p = NULL;
        char want[512], path[160];

        if (geteuid() != 0)
                skip();
        clear_dropins();
        assert_int_equal(write_file(tmpdir, "jaula.conf", MAIN_TEXT, 0664), 0);
        snprintf(want, sizeof want,
                 "%s/jaula.conf: writable by its group; it must be writable by root only (chmod "
                 "go-w %s/jaula.conf)",
                 tmpdir, tmpdir);
        assert_int_equal(load_expect(want, &p), -EPERM);

        assert_int_equal(write_file(tmpdir, "jaula.conf", MAIN_TEXT, 0646), 0);
        snprintf(want, sizeof want, "%s/jaula.conf: writable by everyone", tmpdir);
        assert_int_equal(load_expect(want, &p), -EPERM);

        assert_int_equal(write_file(tmpdir, "jaula.conf", MAIN_TEXT, 0644), 0);
        snprintf(path, sizeof path, "%s/jaula.conf", tmpdir);
        assert_int_equal(chown(path, 65534, 0), 0);
        snprintf(want, sizeof want,
                 "%s/jaula.conf: owned by uid 65534; it must be owned by root (chown root %s)",
                 tmpdir, path);
        assert_int_equal(load_expect(want, &p), -EPERM);
        assert_int_equal(chown(path, 0, 0), 0);

        /* A bad drop-in and a bad drop-in directory. */
        assert_int_equal(write_file(tmpdir, "conf.d/50-w.conf", "", 0666), 0);
        snprintf(want, sizeof want, "%s/conf.d/50-w.conf: writable by everyone", tmpdir);
        assert_int_equal(load_expect(want, &p), -EINVAL);
        clear_dropins();
        snprintf(path, sizeof path, "%s/conf.d", tmpdir);
        assert_int_equal(chmod(path, 0777), 0);
        snprintf(want, sizeof want, "%s/conf.d: writable by everyone", tmpdir);
        assert_int_equal(load_expect(want, &p), -EPERM);
        assert_int_equal(chmod(path, 0755), 0);

        /* Not a regular file: a directory named like the policy. */
        snprintf(path, sizeof path, "%s/conf.d/dir.conf", tmpdir);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(want, sizeof want, "%s/conf.d/dir.conf: not a regular file", tmpdir);
        assert_int_equal(load_expect(want, &p), -EINVAL);
        assert_int_equal(rmdir(path), 0);

        /* A missing policy file. */
        snprintf(path, sizeof path, "%s/missing.conf", tmpdir);
        struct jaula_diags d = { 0 };
        assert_int_equal(jaula_policy_load_ex(path, "", 0, &p, &d), -ENOENT);
        assert_int_equal(d.n, 1);
        assert_string_equal(d.v[0].msg, "cannot open: No such file or directory");
        jaula_diags_free(&d);
}

static void test_load_shipped_conf(void **state)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        struct stat st;

        if (stat(CONF, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
                skip(); /* a checkout not owned by root cannot pass the owner check */
        assert_int_equal(jaula_policy_load_ex(CONF, "", 0, &p, &d), 0);
        assert_int_equal(d.n, 0);
        jaula_policy_free(p);
}

/* ------------------------------------------------------------- cache */

/* Make every source old enough for the cache to accept it: the cache is
 * never written while a file is younger than a few seconds. */
static void age_sources(void)
{
        sleep(4);
}

static int load_cached(const char *cache, struct jaula_policy **ret)
{
        char path[128];
        struct jaula_diags d = { 0 };
        int r;

        snprintf(path, sizeof path, "%s/jaula.conf", tmpdir);
        r = jaula_policy_load_ex(path, cache, 0, ret, &d);
        jaula_diags_free(&d);
        return r;
}

static void test_cache(void **state)
{
        char cache[128], cfile[192], cmd[256];
        struct jaula_policy *p = NULL;
        struct jaula_spec *s = NULL;
        gid_t gid = 7;
        char *gname = "g";
        struct jaula_user u = { .name = "a", .uid = 5000, .gid = 7, .group = "g",
                                .home = "/home/a", .gids = &gid, .gid_names = &gname, .n_gids = 1 };
        const char *file = NULL;
        int line = 0;

        if (geteuid() != 0)
                skip();
        clear_dropins();
        snprintf(cache, sizeof cache, "%s/cache", tmpdir);
        assert_int_equal(write_file(tmpdir, "jaula.conf", MAIN_TEXT, 0644), 0);
        assert_int_equal(write_file(tmpdir, "conf.d/10-x.conf",
                                    "match = ( { name = \"x\"; users = [\"b\"]; profile = \"p\"; } );\n",
                                    0644),
                         0);

        /* Fresh files: parsed, and no cache is written yet. */
        assert_int_equal(load_cached(cache, &p), 0);
        assert_false(jaula_policy_from_cache(p));
        jaula_policy_free(p);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_false(jaula_policy_from_cache(p));
        jaula_policy_free(p);

        age_sources();
        assert_int_equal(load_cached(cache, &p), 0); /* parses, writes the cache */
        assert_false(jaula_policy_from_cache(p));
        jaula_policy_free(p);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_true(jaula_policy_from_cache(p));
        /* The cached policy resolves exactly like the parsed one. */
        assert_int_equal(jaula_policy_n_rules(p), 2);
        assert_int_equal(jaula_policy_resolve(p, &u, &s, NULL, NULL), 1);
        assert_string_equal(s->rule_name, "main");
        assert_string_equal(s->profile_name, "p");
        assert_string_equal(s->rootfs_path, "/r");
        assert_string_equal(s->hostname, "jaula");
        assert_int_equal(s->n_devices, 2);
        assert_string_equal(s->devices[0], "/dev/kvm");
        assert_string_equal(s->devices[1], "/dev/dri/*");
        assert_null(s->devices[2]);
        jaula_spec_free(s);
        assert_int_equal(jaula_policy_rule_source(p, 1, &file, &line), 0);
        assert_non_null(strstr(file, "/conf.d/10-x.conf"));
        assert_int_equal(line, 1);
        jaula_policy_free(p);

        /* The cache directory and file are root's alone. */
        struct stat st;
        assert_int_equal(stat(cache, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);

        /* A changed drop-in invalidates it. */
        assert_int_equal(write_file(tmpdir, "conf.d/10-x.conf",
                                    "match = ( { name = \"y\"; users = [\"b\"]; profile = \"p\"; } );\n",
                                    0644),
                         0);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_false(jaula_policy_from_cache(p));
        jaula_policy_free(p);

        /* So does a chmod of the main file (its ctime changes), and a
         * broken policy is reported, never served from the cache. */
        age_sources();
        assert_int_equal(load_cached(cache, &p), 0);
        jaula_policy_free(p);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_true(jaula_policy_from_cache(p));
        jaula_policy_free(p);
        snprintf(cfile, sizeof cfile, "%s/jaula.conf", tmpdir);
        assert_int_equal(chmod(cfile, 0664), 0);
        assert_int_equal(load_cached(cache, &p), -EPERM);
        assert_int_equal(chmod(cfile, 0644), 0);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_false(jaula_policy_from_cache(p));
        jaula_policy_free(p);

        /* A new drop-in (the directory changes) invalidates it. */
        age_sources();
        assert_int_equal(load_cached(cache, &p), 0);
        jaula_policy_free(p);
        assert_int_equal(write_file(tmpdir, "conf.d/20-bad.conf", "match = 1;\n", 0644), 0);
        assert_int_equal(load_cached(cache, &p), -EINVAL);

        /* A damaged cache is a miss, not a crash: truncate it. */
        assert_int_equal(unlink(cfile), 0);
        assert_int_equal(write_file(tmpdir, "jaula.conf", MAIN_TEXT, 0644), 0);
        snprintf(cmd, sizeof cmd, "rm -f '%s'/conf.d/*", tmpdir);
        assert_int_equal(system(cmd), 0);
        age_sources();
        assert_int_equal(load_cached(cache, &p), 0);
        jaula_policy_free(p);
        snprintf(cmd, sizeof cmd, "for f in '%s'/*.cache; do truncate -s 300 \"$f\"; done", cache);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_false(jaula_policy_from_cache(p));
        jaula_policy_free(p);

        /* A cache directory others can write is not trusted. */
        assert_int_equal(load_cached(cache, &p), 0); /* rewrite a good cache */
        jaula_policy_free(p);
        assert_int_equal(chmod(cache, 0777), 0);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_false(jaula_policy_from_cache(p));
        jaula_policy_free(p);
        assert_int_equal(chmod(cache, 0700), 0);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_true(jaula_policy_from_cache(p));
        jaula_policy_free(p);

        /* Stale caches of other paths are pruned when one is written: 40
         * old ones plus a fresh write leave at most 32. */
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && rm -f *.cache && for i in $(seq 10 49); do "
                 "printf x > 00000000000000$i.cache; chmod 600 00000000000000$i.cache; done",
                 cache);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_false(jaula_policy_from_cache(p));
        jaula_policy_free(p);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_true(jaula_policy_from_cache(p));
        jaula_policy_free(p);
        snprintf(cmd, sizeof cmd, "test $(ls '%s' | grep -c '[.]cache$') -eq 32", cache);
        assert_int_equal(system(cmd), 0);
}

/* ------------------------------------------------------ damaged text */

/* Deterministic mutations of the shipped policy: the parser must return
 * (with or without errors) and never crash; ASan/valgrind runs of this
 * binary also check for leaks. */
static void test_mutations_never_crash(void **state)
{
        _cleanup_free_ char *orig = slurp(CONF);
        static const char junk[] = "{}[]();=\"%@,:/\\\n\t#*x0-9";
        unsigned seed = 12345;
        size_t len, errors = 0, oks = 0;

        assert_non_null(orig);
        len = strlen(orig);
        for (int iter = 0; iter < 1500; iter++) {
                _cleanup_free_ char *t = strdup(orig);
                struct jaula_policy *p = NULL;
                struct jaula_diags d = { 0 };
                int n = 1 + (int) (rand_r(&seed) % 8);

                assert_non_null(t);
                for (int k = 0; k < n; k++) {
                        size_t pos = (size_t) rand_r(&seed) % len;

                        switch (rand_r(&seed) % 3) {
                        case 0:
                                t[pos] = junk[(size_t) rand_r(&seed) % (sizeof junk - 1)];
                                break;
                        case 1:
                                t[pos] = (char) (1 + rand_r(&seed) % 255);
                                break;
                        default: /* cut the text short */
                                if (pos > len / 2)
                                        t[pos] = '\0';
                                break;
                        }
                }
                int r = jaula_policy_parse(t, "m.conf", &p, &d);
                assert_true(r == 0 || r == -EINVAL);
                assert_true(r == 0 ? d.n == 0 && p : d.n > 0 && !p);
                if (r == 0)
                        oks++;
                else
                        errors++;
                jaula_policy_free(p);
                jaula_diags_free(&d);
        }
        /* Both outcomes happened: the run exercised the error paths and the
         * success path. */
        assert_true(errors > 0);
        assert_true(oks > 0);
}

/* The pool and VXLAN keys reach the spec, parsed and from the cache. */
#define VXLAN_TEXT                                                                                 \
        RF "networks = { lab = { bridge = \"jb-lab\"; subnet = \"10.77.0.0/16\";\n"                \
           "  gateway = \"10.77.0.2\"; pool = \"10.77.2.10-10.77.2.250\"; isolate = true;\n"      \
           "  vxlan = { vni = 4242; peers = [\"192.0.2.10\", \"192.0.2.11\"]; dev = \"eth1\";\n"  \
           "            local = \"192.0.2.11\"; port = 8472; }; };\n"                              \
           "  mc = { bridge = \"jb-mc\"; subnet = \"10.78.0.0/16\"; gateway = \"10.78.0.1\";\n"   \
           "  pool = \"10.78.1.0/24\"; vxlan = { vni = 5; group = \"239.1.1.1\"; dev = \"eth1\"; }; }; };\n" \
           "profiles = { p = { rootfs = \"r\"; network = \"lab\"; }; };\n"                         \
           "match = ( { name = \"main\"; users = [\"a\"]; profile = \"p\"; } );\n"

static void check_vxlan_spec(const struct jaula_spec *s)
{
        const struct jaula_net_spec *n = s->net;

        assert_non_null(n);
        assert_int_equal(n->pool_first, 0x0a4d020a);
        assert_int_equal(n->pool_last, 0x0a4d02fa);
        assert_int_equal(n->gateway, 0x0a4d0002);
        assert_int_equal(n->vxlan_vni, 4242);
        assert_int_equal(n->n_vxlan_peers, 2);
        assert_string_equal(n->vxlan_peers[0], "192.0.2.10");
        assert_string_equal(n->vxlan_peers[1], "192.0.2.11");
        assert_null(n->vxlan_peers[2]);
        assert_string_equal(n->vxlan_dev, "eth1");
        assert_int_equal(n->vxlan_local, 0xc000020b);
        assert_int_equal(n->vxlan_group, 0);
        assert_int_equal(n->vxlan_port, 8472);
        assert_true(n->isolate);
}

static void test_vxlan_resolves(void **state)
{
        gid_t gid = 7;
        char *gname = "g";
        struct jaula_user u = { .name = "a", .uid = 5000, .gid = 7, .group = "g",
                                .home = "/home/a", .gids = &gid, .gid_names = &gname, .n_gids = 1 };
        struct jaula_policy *p = NULL;
        struct jaula_spec *s = NULL;
        struct jaula_diags d = { 0 };
        int r;

        r = jaula_policy_parse(VXLAN_TEXT, "t.conf", &p, &d);
        if (r != 0) {
                _cleanup_free_ char *t = diags_text(&d);
                fail_msg("%s", t);
        }
        assert_int_equal(jaula_policy_resolve(p, &u, &s, NULL, NULL), 1);
        check_vxlan_spec(s);
        jaula_spec_free(s);
        jaula_policy_free(p);

        /* without the keys: no pool, no VXLAN */
        assert_int_equal(jaula_policy_parse(RF "networks = { lab = { bridge = \"jb-lab\"; "
                                            "subnet = \"10.77.0.0/16\"; }; };\n"
                                            "profiles = { p = { rootfs = \"r\"; network = \"lab\"; }; };\n"
                                            "match = ( { users = [\"a\"]; profile = \"p\"; } );\n",
                                            "t.conf", &p, NULL),
                         0);
        assert_int_equal(jaula_policy_resolve(p, &u, &s, NULL, NULL), 1);
        assert_int_equal(s->net->pool_first, 0);
        assert_int_equal(s->net->pool_last, 0);
        assert_int_equal(s->net->vxlan_vni, 0);
        assert_null(s->net->vxlan_peers);
        jaula_spec_free(s);
        jaula_policy_free(p);
}

static void test_vxlan_cache(void **state)
{
        char cache[128];
        struct jaula_policy *p = NULL;
        struct jaula_spec *s = NULL;
        gid_t gid = 7;
        char *gname = "g";
        struct jaula_user u = { .name = "a", .uid = 5000, .gid = 7, .group = "g",
                                .home = "/home/a", .gids = &gid, .gid_names = &gname, .n_gids = 1 };

        if (geteuid() != 0)
                skip();
        clear_dropins();
        snprintf(cache, sizeof cache, "%s/cache-vx", tmpdir);
        assert_int_equal(write_file(tmpdir, "jaula.conf", VXLAN_TEXT, 0644), 0);
        age_sources();
        assert_int_equal(load_cached(cache, &p), 0); /* parses, writes the cache */
        jaula_policy_free(p);
        assert_int_equal(load_cached(cache, &p), 0);
        assert_true(jaula_policy_from_cache(p));
        assert_int_equal(jaula_policy_resolve(p, &u, &s, NULL, NULL), 1);
        check_vxlan_spec(s);
        jaula_spec_free(s);
        jaula_policy_free(p);
}

/* Two drop-ins that give one network two slices: the second is refused. */
static void test_vxlan_dropin_two_slices(void **state)
{
        struct jaula_policy *p = NULL;
        char want[512];

        if (geteuid() != 0)
                skip();
        clear_dropins();
        assert_int_equal(write_file(tmpdir, "jaula.conf", MAIN_TEXT, 0644), 0);
        assert_int_equal(write_file(tmpdir, "conf.d/10-lab.conf",
                                    "networks = { lab = { bridge = \"jb-lab\"; subnet = "
                                    "\"10.77.0.0/16\"; pool = \"10.77.1.0/24\"; }; };\n",
                                    0644),
                         0);
        assert_int_equal(write_file(tmpdir, "conf.d/20-lab.conf",
                                    "\nnetworks = { lab = { bridge = \"jb-lab\"; subnet = "
                                    "\"10.77.0.0/16\"; pool = \"10.77.2.0/24\"; }; };\n",
                                    0644),
                         0);
        snprintf(want, sizeof want,
                 "%s/conf.d/20-lab.conf:2: networks.lab: defined twice; first in "
                 "%s/conf.d/10-lab.conf:1",
                 tmpdir, tmpdir);
        assert_int_equal(load_expect(want, &p), -EINVAL);
        clear_dropins();
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_shipped_conf_is_valid),
                cmocka_unit_test(test_shipped_conf_resolves),
                cmocka_unit_test(test_every_error_reported),
                cmocka_unit_test(test_diags_null_ok),
                cmocka_unit_test(test_valid_variants),
                cmocka_unit_test(test_sizes_and_caps),
                cmocka_unit_test(test_big_integers),
                cmocka_unit_test(test_load_dropins),
                cmocka_unit_test(test_load_dropin_errors),
                cmocka_unit_test(test_load_include_dir_is_main_dir),
                cmocka_unit_test(test_load_ownership),
                cmocka_unit_test(test_load_shipped_conf),
                cmocka_unit_test(test_cache),
                cmocka_unit_test(test_mutations_never_crash),
                cmocka_unit_test(test_vxlan_resolves),
                cmocka_unit_test(test_vxlan_cache),
                cmocka_unit_test(test_vxlan_dropin_two_slices),
        };
        size_t n_bad = ELEMENTSOF(bad_cases), n = ELEMENTSOF(fixed) + n_bad;
        struct CMUnitTest *tests = calloc(n, sizeof *tests);
        char **names = calloc(n_bad, sizeof *names);
        int r;

        if (!tests || !names)
                return 1;
        memcpy(tests, fixed, sizeof fixed);
        for (size_t i = 0; i < n_bad; i++) {
                if (asprintf(&names[i], "invalid_%s", bad_cases[i].name) < 0)
                        return 1;
                tests[ELEMENTSOF(fixed) + i] = (struct CMUnitTest){
                        .name = names[i],
                        .test_func = run_bad_case,
                        .initial_state = (void *) &bad_cases[i],
                };
        }
        r = _cmocka_run_group_tests("test_policy", tests, n, load_setup, load_teardown);
        for (size_t i = 0; i < n_bad; i++)
                free(names[i]);
        free(names);
        free(tests);
        return r;
}
