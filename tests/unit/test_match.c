/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_match.c — who is jailed, by which rule, into what: the ordered
 * match rules against fake identities (no NSS), and the NSS lookup itself
 * on root.  No privilege needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"

/* A policy whose rules exercise every kind of selector, in an order where
 * first-match-wins matters. */
static const char policy_text[] =
        "rootfs = { deb = { path = \"/srv/deb\"; };\n"
        "           old = { path = \"/srv/old.sqfs\"; type = \"squashfs\"; arch = \"i386\"; }; };\n"
        "networks = { lab = { bridges = [\"jb-l0\", \"jb-l1\"]; subnet = \"10.50.0.0/16\"; nat = true;\n"
        "                     uplink = \"eth9\"; search = [\"x.org\"]; addresses = \"dynamic\"; }; };\n"
        "profiles = {\n"
        "  student = { rootfs = \"deb\"; network = \"lab\"; hostname = \"s-%u\";\n"
        "              limits = { memory = \"1G\"; cpu = \"150%\"; }; };\n"
        "  legacy = { rootfs = \"old\"; scope = \"session\"; lifetime = \"processes\";\n"
        "             writable = \"persistent\"; namespaces = [\"mount\", \"pid\", \"ipc\"];\n"
        "             capabilities = [\"CAP_NET_BIND_SERVICE\"]; shell = \"/bin/sh\"; unsafe = [\"host-network\"];\n"
        "             seccomp = { profile = \"strict\"; deny = [\"fork\"]; };\n"
        "             mounts = ( { source = \"/srv/data/%u\"; target = \"/data\"; mode = \"rw\"; } ); };\n"
        "  staff = { rootfs = \"deb\"; linger = 60; home = \"/home/%g/%u\";\n"
        "            writable = \"persistent\"; persistent_path = \"/persist/%U\"; };\n"
        "};\n"
        "groups = { students = { limits = { pids = 5000; }; };\n"
        "           legacy = { limits = { memory = \"4G\"; }; }; };\n"
        "match = (\n"
        "  { name = \"root\"; users = [\"root\"]; exempt = true; },\n"
        "  { name = \"by-user\"; users = [\"zed\", \"amy\"]; profile = \"staff\"; },\n"
        "  { name = \"by-group\"; groups = [\"teachers\"]; profile = \"staff\"; group = \"students\"; },\n"
        "  { name = \"exempt-admins\"; groups = [\"wheel\"]; exempt = true; },\n"
        "  { name = \"by-uid\"; uids = [\"10000-19999\", \"31337\"]; profile = \"student\"; group = \"students\"; },\n"
        "  { groups = [\"legacy\"]; profile = \"legacy\"; },\n"
        "  { name = \"catch-all\"; users = [\"*\"]; profile = \"student\"; }\n"
        ");\n";

/* A fake identity: name, uid, primary group (name and gid), then
 * supplementary group names with gids 2000, 2001, … */
struct fake {
        struct jaula_user u;
        gid_t gids[8];
        char *names[8];
};

static void fake_user(struct fake *f, const char *name, uid_t uid, const char *group, gid_t gid,
                      const char *const *supp)
{
        memset(f, 0, sizeof *f);
        f->u.name = (char *) name;
        f->u.uid = uid;
        f->u.gid = gid;
        f->u.group = (char *) group;
        f->u.home = "/home/x";
        f->u.shell = "/usr/sbin/jailsh";
        f->u.gecos = "";
        f->gids[0] = gid;
        f->names[0] = (char *) group;
        f->u.n_gids = 1;
        for (size_t i = 0; supp && supp[i] && f->u.n_gids < 8; i++) {
                f->gids[f->u.n_gids] = (gid_t) (2000 + i);
                f->names[f->u.n_gids] = (char *) supp[i];
                f->u.n_gids++;
        }
        f->u.gids = f->gids;
        f->u.gid_names = f->names;
}

static int setup(void **state)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        char line[1200];

        if (jaula_policy_parse(policy_text, "m.conf", &p, &d) < 0) {
                for (size_t i = 0; i < d.n; i++) {
                        jaula_diag_format(&d.v[i], line, sizeof line);
                        fprintf(stderr, "%s\n", line);
                }
                jaula_diags_free(&d);
                return -1;
        }
        *state = p;
        return 0;
}

static int teardown(void **state)
{
        jaula_policy_free(*state);
        return 0;
}

/* Resolve and return the rule name ("-" when no rule), spec in *ret. */
static const char *resolve(void **state, const struct jaula_user *u, int want_r,
                           struct jaula_spec **ret)
{
        struct jaula_err err = { 0 };
        const char *rule = "unset";
        struct jaula_spec *s = NULL;
        int r = jaula_policy_resolve(*state, u, &s, &rule, &err);

        if (r != want_r)
                fail_msg("resolve returned %d, expected %d (%s)", r, want_r, err.msg);
        if (ret)
                *ret = s;
        else
                jaula_spec_free(s);
        return rule ? rule : "-";
}

static void test_exempt_first(void **state)
{
        struct fake f;
        const char *const supp[] = { "teachers", NULL };

        /* root is also a teacher, but the exempt rule comes first. */
        fake_user(&f, "root", 0, "root", 0, supp);
        assert_string_equal(resolve(state, &f.u, 0, NULL), "root");
}

static void test_by_user_name(void **state)
{
        struct fake f;
        struct jaula_spec *s;

        fake_user(&f, "amy", 12000, "amy", 12000, NULL);
        /* amy's uid is in the by-uid range too, but by-user comes first. */
        assert_string_equal(resolve(state, &f.u, 1, &s), "by-user");
        assert_string_equal(s->profile_name, "staff");
        assert_int_equal(s->rule_index, 1);
        jaula_spec_free(s);
}

static void test_by_primary_group(void **state)
{
        struct fake f;

        fake_user(&f, "tom", 500, "teachers", 700, NULL);
        assert_string_equal(resolve(state, &f.u, 1, NULL), "by-group");
}

static void test_by_primary_group_only_in_group_field(void **state)
{
        struct fake f;

        /* A caller that filled the primary group name but no gid list. */
        fake_user(&f, "tom", 500, "teachers", 700, NULL);
        f.u.n_gids = 0;
        assert_string_equal(resolve(state, &f.u, 1, NULL), "by-group");
}

static void test_by_supplementary_group(void **state)
{
        struct fake f;
        const char *const supp[] = { "audio", "teachers", NULL };
        struct jaula_spec *s;

        fake_user(&f, "tom", 500, "tom", 500, supp);
        assert_string_equal(resolve(state, &f.u, 1, &s), "by-group");
        assert_string_equal(s->group_name, "students");
        assert_int_equal(s->group_limits.pids_max, 5000);
        jaula_spec_free(s);
}

static void test_exempt_by_group(void **state)
{
        struct fake f;
        const char *const supp[] = { "wheel", NULL };

        /* uid 15000 would match by-uid, but exempt-admins is earlier. */
        fake_user(&f, "adm", 15000, "adm", 15000, supp);
        assert_string_equal(resolve(state, &f.u, 0, NULL), "exempt-admins");
}

static void test_by_uid_range(void **state)
{
        struct fake f;
        struct jaula_spec *s;

        fake_user(&f, "stu", 10000, "stu", 10000, NULL);
        assert_string_equal(resolve(state, &f.u, 1, &s), "by-uid");
        assert_string_equal(s->hostname, "s-stu");
        jaula_spec_free(s);
        fake_user(&f, "stu", 19999, "stu", 10000, NULL);
        assert_string_equal(resolve(state, &f.u, 1, NULL), "by-uid");
        fake_user(&f, "stu", 31337, "stu", 10000, NULL);
        assert_string_equal(resolve(state, &f.u, 1, NULL), "by-uid");
        /* Just outside the range: falls through to catch-all. */
        fake_user(&f, "stu", 20000, "stu", 10000, NULL);
        assert_string_equal(resolve(state, &f.u, 1, NULL), "catch-all");
        fake_user(&f, "stu", 9999, "stu", 10000, NULL);
        assert_string_equal(resolve(state, &f.u, 1, NULL), "catch-all");
}

static void test_unnamed_rule(void **state)
{
        struct fake f;
        const char *const supp[] = { "legacy", NULL };

        fake_user(&f, "old", 700, "old", 700, supp);
        assert_string_equal(resolve(state, &f.u, 1, NULL), "match[5]");
}

static void test_star_matches_everyone(void **state)
{
        struct fake f;
        struct jaula_spec *s;

        fake_user(&f, "nobody-special", 65000, "x", 65000, NULL);
        assert_string_equal(resolve(state, &f.u, 1, &s), "catch-all");
        /* No group given: the profile's name; no entry in groups. */
        assert_string_equal(s->group_name, "student");
        assert_int_equal(s->group_limits.pids_max, JAULA_LIMIT_UNSET);
        assert_int_equal(s->group_limits.memory_max, JAULA_LIMIT_UNSET);
        jaula_spec_free(s);
}

static void test_no_rule_matches(void **state)
{
        static const char text[] = "rootfs = { r = { path = \"/r\"; }; };\n"
                                   "profiles = { p = { rootfs = \"r\"; }; };\n"
                                   "match = ( { users = [\"amy\"]; profile = \"p\"; } );\n";
        struct jaula_policy *p = NULL;
        struct jaula_spec *s = (struct jaula_spec *) 1;
        const char *rule = "unset";
        struct fake f;

        assert_int_equal(jaula_policy_parse(text, "t.conf", &p, NULL), 0);
        fake_user(&f, "bob", 1000, "bob", 1000, NULL);
        assert_int_equal(jaula_policy_resolve(p, &f.u, &s, &rule, NULL), 0);
        assert_null(s);
        assert_null(rule);
        /* Names are compared exactly. */
        fake_user(&f, "Amy", 1000, "bob", 1000, NULL);
        assert_int_equal(jaula_policy_resolve(p, &f.u, &s, NULL, NULL), 0);
        fake_user(&f, "amy", 1000, "bob", 1000, NULL);
        assert_int_equal(jaula_policy_resolve(p, &f.u, &s, NULL, NULL), 1);
        jaula_spec_free(s);
        jaula_policy_free(p);
}

static void test_spec_fields_legacy(void **state)
{
        struct fake f;
        const char *const supp[] = { "legacy", NULL };
        struct jaula_spec *s;

        fake_user(&f, "old", 700, "old", 700, supp);
        assert_string_equal(resolve(state, &f.u, 1, &s), "match[5]");
        assert_string_equal(s->profile_name, "legacy");
        assert_string_equal(s->group_name, "legacy");
        assert_int_equal(s->group_limits.memory_max, INT64_C(4) << 30);
        assert_int_equal(s->scope, JAULA_SCOPE_SESSION);
        assert_int_equal(s->lifetime, JAULA_LIFETIME_PROCESSES);
        assert_int_equal(s->ns_flags, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC);
        assert_int_equal(s->rootfs_type, JAULA_ROOTFS_SQUASHFS);
        assert_string_equal(s->rootfs_arch, "i386");
        assert_true(s->seccomp.allow_x86);
        assert_string_equal(s->seccomp.profile, "strict");
        assert_string_equal(s->seccomp.deny[0], "fork");
        assert_int_equal(s->seccomp.n_allow, 0);
        assert_non_null(s->seccomp.allow);
        assert_null(s->seccomp.allow[0]);
        assert_int_equal(s->caps_keep, UINT64_C(1) << 10); /* CAP_NET_BIND_SERVICE */
        assert_string_equal(s->shell, "/bin/sh");
        assert_int_equal(s->writable, JAULA_WRITABLE_PERSISTENT);
        assert_string_equal(s->persistent_upper, "/var/lib/jaula/persistent/legacy/old");
        assert_int_equal(s->n_mounts, 1);
        assert_string_equal(s->mounts[0].source, "/srv/data/old");
        assert_true(s->mounts[0].writable);
        assert_null(s->net);
        assert_int_equal(s->limits.memory_max, JAULA_LIMIT_UNSET);
        /* No uts namespace: no hostname, so the host's is never touched. */
        assert_null(s->hostname);
        jaula_spec_free(s);
}

static void test_spec_fields_student(void **state)
{
        struct fake f;
        struct jaula_spec *s;

        fake_user(&f, "stu", 10001, "stu", 10001, NULL);
        assert_string_equal(resolve(state, &f.u, 1, &s), "by-uid");
        assert_int_equal(s->limits.memory_max, INT64_C(1) << 30);
        assert_int_equal(s->limits.cpu_quota_us, 150000);
        assert_int_equal(s->limits.cpu_period_us, 100000);
        assert_int_equal(s->limits.pids_max, JAULA_LIMIT_UNSET);
        assert_int_equal(s->limits.swap_max, JAULA_LIMIT_UNSET);
        assert_non_null(s->net);
        assert_int_equal(s->net->n_bridges, 2);
        assert_string_equal(s->net->bridges[1], "jb-l1");
        assert_int_equal(s->net->gateway, 0x0a320001); /* default: first address */
        assert_int_equal(s->net->mode, JAULA_ADDR_DYNAMIC);
        assert_true(s->net->nat);
        assert_string_equal(s->net->uplink, "eth9");
        assert_int_equal(s->net->n_dns, 0);
        assert_null(s->net->dns[0]);
        assert_string_equal(s->net->search[0], "x.org");
        assert_string_equal(s->seccomp.profile, "default");
        assert_false(s->seccomp.allow_x86);
        assert_string_equal(s->shell, "/bin/bash");
        assert_string_equal(s->home, "/home/x");
        assert_null(s->persistent_upper);
        assert_int_equal(s->writable, JAULA_WRITABLE_TMPFS);
        jaula_spec_free(s);
}

static void test_spec_templates_staff(void **state)
{
        struct fake f;
        struct jaula_spec *s;

        fake_user(&f, "zed", 4242, "faculty", 600, NULL);
        assert_string_equal(resolve(state, &f.u, 1, &s), "by-user");
        assert_string_equal(s->home, "/home/faculty/zed");
        assert_string_equal(s->persistent_upper, "/persist/4242");
        assert_int_equal(s->linger_sec, 60);
        /* The spec owns a deep copy of the identity. */
        assert_ptr_not_equal(s->user.name, f.u.name);
        assert_string_equal(s->user.name, "zed");
        assert_int_equal(s->user.gids[0], 600);
        assert_string_equal(s->user.gid_names[0], "faculty");
        jaula_spec_free(s);
}

static void test_bad_name_refused_at_resolve(void **state)
{
        struct fake f;
        struct jaula_spec *s = NULL;
        struct jaula_err err = { 0 };

        /* "a.b" is a fine user name but not a hostname label. */
        fake_user(&f, "a.b", 10001, "x", 10001, NULL);
        assert_int_equal(jaula_policy_resolve(*state, &f.u, &s, NULL, &err), -EINVAL);
        assert_null(s);
        assert_string_equal(err.msg,
                            "Hostname template 's-%u' for user 'a.b': user name 'a.b' contains '.', "
                            "which is not allowed in a hostname (only A-Z, a-z, 0-9 and '-')");
        /* A group name with '/' cannot reach a path. */
        fake_user(&f, "zed", 4242, "../etc", 600, NULL);
        assert_int_equal(jaula_policy_resolve(*state, &f.u, &s, NULL, &err), -EINVAL);
        assert_string_equal(err.msg,
                            "Path template '/home/%g/%u' for user 'zed': group name '../etc' "
                            "contains '/'");
}

static void test_rule_source(void **state)
{
        const char *file = NULL;
        int line = 0;

        assert_int_equal(jaula_policy_rule_source(*state, 2, &file, &line), 0);
        assert_string_equal(file, "m.conf");
        assert_int_equal(line, 21);
        assert_int_equal(jaula_policy_rule_source(*state, 7, &file, &line), -ENOENT);
        assert_int_equal(jaula_policy_rule_index(*state, "catch-all"), 6);
        assert_int_equal(jaula_policy_rule_index(*state, "match[5]"), 5);
        assert_int_equal(jaula_policy_rule_index(*state, "nope"), -ENOENT);
}

/* The one test that asks NSS: root exists on every system. */
static void test_nss_root(void **state)
{
        struct jaula_user u = { 0 }, v = { 0 };
        bool in_root_group = false;

        assert_int_equal(jaula_user_lookup_name("root", &u), 0);
        assert_int_equal(u.uid, 0);
        assert_int_equal(u.gid, 0);
        assert_string_equal(u.name, "root");
        assert_string_equal(u.group, "root");
        assert_non_null(u.home);
        assert_true(u.home[0] == '/');
        assert_true(u.n_gids >= 1);
        for (size_t i = 0; i < u.n_gids; i++)
                if (u.gids[i] == 0) {
                        in_root_group = true;
                        assert_string_equal(u.gid_names[i], "root");
                }
        assert_true(in_root_group);
        assert_int_equal(jaula_user_lookup_uid(0, &v), 0);
        assert_string_equal(v.name, "root");
        assert_int_equal(v.n_gids, u.n_gids);
        jaula_user_clear(&u);
        jaula_user_clear(&v);
        assert_null(u.name);
        assert_int_equal(u.n_gids, 0);
        assert_int_equal(jaula_user_lookup_name("jaula-no-such-user-x", &u), -ENOENT);
        assert_int_equal(jaula_user_lookup_name("", &u), -EINVAL);
        assert_int_equal(jaula_user_lookup_uid(4294967294u, &u), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exempt_first),
                cmocka_unit_test(test_by_user_name),
                cmocka_unit_test(test_by_primary_group),
                cmocka_unit_test(test_by_primary_group_only_in_group_field),
                cmocka_unit_test(test_by_supplementary_group),
                cmocka_unit_test(test_exempt_by_group),
                cmocka_unit_test(test_by_uid_range),
                cmocka_unit_test(test_unnamed_rule),
                cmocka_unit_test(test_star_matches_everyone),
                cmocka_unit_test(test_no_rule_matches),
                cmocka_unit_test(test_spec_fields_legacy),
                cmocka_unit_test(test_spec_fields_student),
                cmocka_unit_test(test_spec_templates_staff),
                cmocka_unit_test(test_bad_name_refused_at_resolve),
                cmocka_unit_test(test_rule_source),
                cmocka_unit_test(test_nss_root),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
