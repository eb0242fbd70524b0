/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_sshdconf.c — sshd -T output, sshd_config flattening (Include,
 * Match), Match evaluation, locating the line that sets a keyword, and
 * the judge of sshd's settings for a jailed user.  No privilege, no
 * files: fixtures come from memory. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/hostcheck.h"

static const char *const groups[] = {"jailed", "users", NULL};
static const struct jaula_sshd_conn conn = {
        .user = "alice", .groups = groups, .host = "localhost", .addr = "127.0.0.1"};

static const char main_cfg[] = "# stock\n"
                               "Include /etc/ssh/sshd_config.d/*.conf\n"
                               "UsePAM yes\n"
                               "X11Forwarding yes\n"
                               "AcceptEnv LANG LC_*\n"
                               "Subsystem\tsftp\t/usr/lib/openssh/sftp-server\n"
                               "Match User bob\n"
                               "\tPermitUserRC yes\n";

static const char dropin[] = "Match Group jailed\n"
                             "\tForceCommand none\n"
                             "\tX11Forwarding no\n"
                             "\tPermitUserRC=no\n";

static int glob_fn(void *ud, const char *pattern, char ***ret)
{
        char **v = calloc(2, sizeof *v);

        assert_non_null(v);
        assert_string_equal(pattern, "/etc/ssh/sshd_config.d/*.conf");
        v[0] = strdup("/etc/ssh/sshd_config.d/jaula.conf");
        *ret = v;
        return 0;
}

static int rd(void *ud, const char *name, char **ret_text, char **ret_path)
{
        assert_string_equal(name, "/etc/ssh/sshd_config.d/jaula.conf");
        *ret_text = strdup(dropin);
        *ret_path = strdup(name);
        return 0;
}

static void load(struct jaula_sshd_config *cfg)
{
        assert_int_equal(jaula_sshd_config_add(cfg, "sshd_config", main_cfg, glob_fn, rd, NULL), 0);
}

static void test_settings_parse(void **state)
{
        struct jaula_sshd_settings s = {0};

        assert_int_equal(jaula_sshd_settings_parse("port 22\nAcceptEnv LANG\nacceptenv LC_*\n"
                                                   "subsystem sftp internal-sftp -l INFO\n",
                                                   &s),
                         0);
        assert_int_equal(s.n, 4);
        assert_string_equal(jaula_sshd_get(&s, "port"), "22");
        assert_string_equal(jaula_sshd_get(&s, "acceptenv"), "LANG");
        assert_string_equal(jaula_sshd_get(&s, "subsystem"), "sftp internal-sftp -l INFO");
        assert_null(jaula_sshd_get(&s, "usepam"));
        jaula_sshd_settings_free(&s);
}

static void test_flatten(void **state)
{
        struct jaula_sshd_config cfg = {0};

        load(&cfg);
        /* include, the 4 lines of the drop-in, then the rest of the main file */
        assert_int_equal(cfg.n, 11);
        assert_string_equal(cfg.v[1].file, "/etc/ssh/sshd_config.d/jaula.conf");
        assert_string_equal(cfg.v[1].keyword, "match");
        assert_int_equal(cfg.v[2].match, 1);
        assert_string_equal(cfg.v[4].keyword, "permituserrc");
        assert_string_equal(cfg.v[4].args, "no");
        /* The Match of an included file ends with that file. */
        assert_string_equal(cfg.v[5].keyword, "usepam");
        assert_int_equal(cfg.v[5].match, -1);
        assert_int_equal(cfg.v[5].line, 3);
        assert_string_equal(cfg.v[8].args, "sftp\t/usr/lib/openssh/sftp-server");
        jaula_sshd_config_free(&cfg);
}

static void test_match(void **state)
{
        assert_true(jaula_sshd_match("Group jailed", &conn));
        assert_true(jaula_sshd_match("group other,jail*", &conn));
        assert_false(jaula_sshd_match("Group jailed,!users", &conn));
        assert_false(jaula_sshd_match("User bob", &conn));
        assert_true(jaula_sshd_match("User bob,alice Group users", &conn));
        assert_false(jaula_sshd_match("User alice Group nope", &conn));
        assert_true(jaula_sshd_match("All", &conn));
        assert_true(jaula_sshd_match("Address 127.0.0.*", &conn));
        assert_false(jaula_sshd_match("Address 10.*", &conn));
        assert_true(jaula_sshd_match("LocalPort 2222", &conn)); /* cannot tell: holds */
        assert_false(jaula_sshd_match("User", &conn));
}

static void test_find(void **state)
{
        struct jaula_sshd_config cfg = {0};
        const struct jaula_sshd_directive *d;

        load(&cfg);
        d = jaula_sshd_config_find(&cfg, "x11forwarding", NULL, &conn);
        assert_non_null(d);
        assert_string_equal(d->file, "/etc/ssh/sshd_config.d/jaula.conf");
        assert_int_equal(d->line, 3);
        d = jaula_sshd_config_find(&cfg, "permituserrc", NULL, &conn);
        assert_int_equal(d->line, 4); /* bob's block does not hold for alice */
        d = jaula_sshd_config_find(&cfg, "usepam", NULL, &conn);
        assert_string_equal(d->file, "sshd_config");
        assert_int_equal(d->line, 3);
        d = jaula_sshd_config_find(&cfg, "acceptenv", "LC_*", &conn);
        assert_int_equal(d->line, 5);
        assert_null(jaula_sshd_config_find(&cfg, "acceptenv", "LD_*", &conn));
        assert_null(jaula_sshd_config_find(&cfg, "permittunnel", NULL, &conn));
        d = jaula_sshd_config_first_match(&cfg, &conn);
        assert_int_equal(d->line, 1);
        jaula_sshd_config_free(&cfg);
}

static bool has(const struct jaula_findings *f, enum jaula_severity sev, const char *file, int line,
                const char *what)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->v[i].severity == sev && f->v[i].line == line && f->v[i].file &&
                    strcmp(f->v[i].file, file) == 0 && strstr(f->v[i].msg, what))
                        return true;
        return false;
}

static void judge(const char *settings, struct jaula_findings *f)
{
        struct jaula_sshd_config cfg = {0};
        struct jaula_sshd_settings s = {0};

        load(&cfg);
        assert_int_equal(jaula_sshd_settings_parse(settings, &s), 0);
        assert_int_equal(jaula_sshd_judge(&s, &cfg, "sshd_config", &conn, "user 'alice'", f), 0);
        jaula_sshd_settings_free(&s);
        jaula_sshd_config_free(&cfg);
}

static const char good[] = "usepam yes\nx11forwarding no\npermituserrc no\n"
                           "allowtcpforwarding local\nallowagentforwarding no\n"
                           "disableforwarding no\nallowstreamlocalforwarding no\n"
                           "exposeauthinfo no\nforcecommand none\nchrootdirectory none\n"
                           "acceptenv LANG\nacceptenv LC_*\n"
                           "subsystem sftp /usr/lib/openssh/sftp-server\n"
                           "permittunnel no\npermituserenvironment no\n";

static void test_judge_clean(void **state)
{
        struct jaula_findings f = {0};

        judge(good, &f);
        assert_int_equal(f.n, 0);
        jaula_findings_free(&f);
}

static void test_judge_bad(void **state)
{
        struct jaula_findings f = {0};

        judge("usepam no\nx11forwarding yes\npermituserrc yes\nallowtcpforwarding yes\n"
              "allowagentforwarding yes\nallowstreamlocalforwarding all\nexposeauthinfo yes\n"
              "forcecommand internal-sftp\nchrootdirectory /srv\nacceptenv LANG\n"
              "acceptenv LC_* LD_*\nsubsystem sftp internal-sftp\npermittunnel point-to-point\n"
              "permituserenvironment yes\n",
              &f);
        assert_true(has(&f, JAULA_SEV_ERROR, "sshd_config", 3, "UsePAM"));
        assert_true(
                has(&f, JAULA_SEV_ERROR, "/etc/ssh/sshd_config.d/jaula.conf", 3, "X11Forwarding"));
        assert_true(
                has(&f, JAULA_SEV_ERROR, "/etc/ssh/sshd_config.d/jaula.conf", 4, "PermitUserRC"));
        assert_true(
                has(&f, JAULA_SEV_ERROR, "/etc/ssh/sshd_config.d/jaula.conf", 1,
                    "AllowAgentForwarding for user 'alice': yes: sshd makes the agent socket in "
                    "the host's /tmp as the user (default)"));
        assert_true(has(&f, JAULA_SEV_ERROR, "/etc/ssh/sshd_config.d/jaula.conf", 1,
                        "AllowStreamLocalForwarding"));
        assert_true(
                has(&f, JAULA_SEV_ERROR, "/etc/ssh/sshd_config.d/jaula.conf", 1, "PermitTunnel"));
        assert_true(has(&f, JAULA_SEV_ERROR, "sshd_config", 0, "PermitUserEnvironment"));
        assert_true(has(&f, JAULA_SEV_ERROR, "sshd_config", 0, "'sftp' is internal-sftp"));
        assert_true(has(&f, JAULA_SEV_ERROR, "/etc/ssh/sshd_config.d/jaula.conf", 1,
                        "ForceCommand for user 'alice': internal-sftp"));
        assert_true(has(&f, JAULA_SEV_WARNING, "/etc/ssh/sshd_config.d/jaula.conf", 1,
                        "AllowTcpForwarding"));
        assert_true(has(&f, JAULA_SEV_WARNING, "/etc/ssh/sshd_config.d/jaula.conf", 1,
                        "ChrootDirectory"));
        assert_true(has(&f, JAULA_SEV_WARNING, "/etc/ssh/sshd_config.d/jaula.conf", 1,
                        "ExposeAuthInfo"));
        assert_true(has(&f, JAULA_SEV_WARNING, "/etc/ssh/sshd_config.d/jaula.conf", 1,
                        "'LD_*' lets the client set LD_PRELOAD"));
        jaula_findings_free(&f);
}

static void test_judge_disableforwarding(void **state)
{
        struct jaula_findings f = {0};

        judge("disableforwarding yes\nx11forwarding yes\nallowagentforwarding yes\n"
              "allowtcpforwarding yes\nallowstreamlocalforwarding yes\npermituserrc no\n",
              &f);
        assert_int_equal(f.n, 0);
        jaula_findings_free(&f);

        judge("forcecommand /usr/bin/menu\n", &f);
        assert_true(
                has(&f, JAULA_SEV_WARNING, "/etc/ssh/sshd_config.d/jaula.conf", 2, "ForceCommand"));
        assert_int_equal(jaula_findings_count(&f, JAULA_SEV_ERROR), 0);
        jaula_findings_free(&f);
}

static void test_caps_bounding(void **state)
{
        uint64_t m = 0;

        assert_int_equal(jaula_caps_parse_bounding("Name:\tx\nCapPrm:\t0000000000000000\n"
                                                   "CapBnd:\t000001fffeffffff\nCapAmb:\t0\n",
                                                   &m),
                         0);
        assert_true(m == UINT64_C(0x000001fffeffffff));
        assert_false(m & (UINT64_C(1) << 24)); /* CAP_SYS_RESOURCE */
        assert_int_equal(jaula_caps_parse_bounding("Name:\tx\n", &m), -EINVAL);
        assert_int_equal(jaula_caps_parse_bounding("CapBnd:\tzz\n", &m), -EINVAL);
        assert_int_equal(jaula_caps_parse_bounding("CapBnd:\n", &m), -EINVAL);
}

static void test_caps_policy(void **state)
{
        static const char pol[] =
                "rootfs = { r = { path = \"/srv/r\"; }; };\n"
                "profiles = {\n"
                "  a = { rootfs = \"r\";\n"
                "    capabilities = [ \"CAP_SYS_RESOURCE\", \"net_bind_service\" ];\n"
                "  };\n"
                "  b = { rootfs = \"r\"; capabilities = [ \"CAP_NET_BIND_SERVICE\" ]; };\n"
                "};\n"
                "match = ( { groups = [ \"g\" ]; profile = \"a\"; } );\n";
        struct jaula_policy *p = NULL;
        struct jaula_diags d = {0};
        uint64_t grant = ~(UINT64_C(1) << 24);

        assert_int_equal(jaula_policy_parse(pol, "t.conf", &p, &d), 0);
        assert_int_equal(jaula_policy_check_caps_grantable(p, grant, "PID 1", &d), 1);
        assert_string_equal(d.v[0].file, "t.conf");
        assert_int_equal(d.v[0].line, 4);
        assert_non_null(strstr(d.v[0].msg, "profiles.a.capabilities: keeps CAP_SYS_RESOURCE"));
        assert_non_null(strstr(d.v[0].msg, "PID 1"));
        jaula_diags_free(&d);
        assert_int_equal(jaula_policy_check_caps_grantable(p, UINT64_MAX, "x", &d), 0);
        assert_int_equal(d.n, 0);
        jaula_policy_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_settings_parse),
                cmocka_unit_test(test_flatten),
                cmocka_unit_test(test_match),
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_judge_clean),
                cmocka_unit_test(test_judge_bad),
                cmocka_unit_test(test_judge_disableforwarding),
                cmocka_unit_test(test_caps_bounding),
                cmocka_unit_test(test_caps_policy),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
