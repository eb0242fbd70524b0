/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_pamconf.c — PAM stack parsing (include, @include, substack,
 * controls, continuation lines) and the session-stack judge, on fixture
 * text served from memory.  No privilege, no files. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jaula/hostcheck.h"

struct fixture {
        const char *name;
        const char *text;
};

static const struct fixture *files;

static int rd(void *ud, const char *name, char **ret_text, char **ret_path)
{
        for (const struct fixture *f = files; f && f->name; f++)
                if (strcmp(f->name, name) == 0) {
                        *ret_text = strdup(f->text);
                        if (asprintf(ret_path, "pam.d/%s", name) < 0)
                                *ret_path = NULL;
                        assert_non_null(*ret_text);
                        assert_non_null(*ret_path);
                        return 0;
                }
        return -ENOENT;
}

static const char common_session[] = "# pam-auth-update's stock file\n"
                                     "session\t[default=1]\t\t\tpam_permit.so\n"
                                     "session\trequisite\t\t\tpam_deny.so\n"
                                     "session\trequired\t\t\tpam_permit.so\n"
                                     "session\trequired\tpam_unix.so \n"
                                     "session\toptional\tpam_systemd.so \n";

/* Load SERVICE's session stack from fx and judge it. */
static void judge(const struct fixture *fx, const char *service, struct jaula_findings *f)
{
        struct jaula_pam_stack st = {0};

        files = fx;
        assert_int_equal(jaula_pam_stack_load(service, "session", rd, NULL, &st, f), 0);
        assert_int_equal(jaula_pam_judge_session(&st, NULL, f), 0);
        jaula_pam_stack_free(&st);
}

/* The finding at file:line with severity and a message containing what. */
static bool has(const struct jaula_findings *f, enum jaula_severity sev, const char *file, int line,
                const char *what)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->v[i].severity == sev && f->v[i].line == line && f->v[i].file &&
                    strcmp(f->v[i].file, file) == 0 && strstr(f->v[i].msg, what))
                        return true;
        return false;
}

static void test_controls(void **state)
{
        static const struct fixture fx[] = {
                {"svc",
                 "session required pam_a.so\n"
                 "session [success=2 new_authtok_reqd=done default=ignore module_unknown=die] "
                 "pam_b.so arg\n"
                 "-session optional /lib/x/security/pam_c.so [a b] c\n"
                 "auth sufficient pam_d.so\n"},
                {},
        };
        struct jaula_pam_stack st = {0};
        struct jaula_findings f = {0};

        files = fx;
        assert_int_equal(jaula_pam_stack_load("svc", "session", rd, NULL, &st, &f), 0);
        assert_int_equal(st.n, 3); /* the auth line is not part of it */
        assert_int_equal(st.v[0].actions[jaula_pam_code_index("success")], JAULA_PAM_OK);
        assert_int_equal(st.v[0].actions[jaula_pam_code_index("ignore")], JAULA_PAM_IGNORE);
        assert_int_equal(st.v[0].actions[jaula_pam_code_index("session_err")], JAULA_PAM_BAD);
        assert_int_equal(st.v[1].actions[jaula_pam_code_index("success")], 2);
        assert_int_equal(st.v[1].actions[jaula_pam_code_index("new_authtok_reqd")], JAULA_PAM_DONE);
        assert_int_equal(st.v[1].actions[jaula_pam_code_index("module_unknown")], JAULA_PAM_DIE);
        assert_int_equal(st.v[1].actions[jaula_pam_code_index("session_err")], JAULA_PAM_IGNORE);
        assert_string_equal(st.v[1].args[0], "arg");
        assert_true(st.v[2].silent);
        assert_string_equal(st.v[2].args[0], "[a b]");
        assert_string_equal(st.v[2].args[1], "c");
        assert_int_equal(st.v[2].line, 3);
        assert_int_equal(f.n, 0);
        jaula_pam_stack_free(&st);
        jaula_findings_free(&f);
}

static void test_includes_and_lines(void **state)
{
        static const struct fixture fx[] = {
                {"sshd", "@include common-auth\n"
                         "session required pam_loginuid.so\n"
                         "@include common-session\n"
                         "session \\\n  required pam_limits.so\n"
                         "session include other-session\n"
                         "session requisite pam_jaula.so\n"},
                {"common-auth", "auth required pam_unix.so\n"},
                {"common-session", common_session},
                {"other-session", "session optional pam_motd.so\n"},
                {},
        };
        struct jaula_pam_stack st = {0};
        struct jaula_findings f = {0};

        files = fx;
        assert_int_equal(jaula_pam_stack_load("sshd", "session", rd, NULL, &st, &f), 0);
        assert_int_equal(st.n, 9);
        assert_string_equal(st.v[1].file, "pam.d/common-session");
        assert_int_equal(st.v[1].line, 2);
        assert_string_equal(st.v[6].module, "pam_limits.so");
        assert_int_equal(st.v[6].line, 4); /* a continued line keeps its first line */
        assert_string_equal(st.v[7].file, "pam.d/other-session");
        assert_string_equal(st.path, "pam.d/sshd");
        /* The stock [default=1] jump skips pam_deny only: no finding. */
        assert_int_equal(jaula_pam_judge_session(&st, NULL, &f), 0);
        assert_int_equal(jaula_findings_count(&f, JAULA_SEV_ERROR), 0);
        jaula_pam_stack_free(&st);
        jaula_findings_free(&f);
}

static void test_missing_service_and_include(void **state)
{
        static const struct fixture fx[] = {
                {"svc", "session include nowhere\nsession requisite pam_jaula.so\n"},
                {},
        };
        struct jaula_pam_stack st = {0};
        struct jaula_findings f = {0};

        files = fx;
        assert_int_equal(jaula_pam_stack_load("absent", "session", rd, NULL, &st, &f), -ENOENT);
        assert_int_equal(jaula_pam_stack_load("svc", "session", rd, NULL, &st, &f), 0);
        assert_true(has(&f, JAULA_SEV_WARNING, "pam.d/svc", 1, "cannot read included 'nowhere'"));
        jaula_pam_stack_free(&st);
        jaula_findings_free(&f);
}

static void test_clean(void **state)
{
        static const struct fixture fx[] = {
                {"sshd", "@include common-session\nsession requisite /lib/x/pam_jaula.so debug\n"},
                {"common-session", common_session},
                {},
        };
        struct jaula_findings f = {0};

        judge(fx, "sshd", &f);
        assert_int_equal(f.n, 0);
        jaula_findings_free(&f);
}

static void test_missing(void **state)
{
        static const struct fixture fx[] = {
                {"login", "@include common-session\n"},
                {"common-session", common_session},
                {},
        };
        struct jaula_findings f = {0};

        judge(fx, "login", &f);
        assert_true(has(&f, JAULA_SEV_ERROR, "pam.d/login", 0, "no pam_jaula"));
        jaula_findings_free(&f);
}

static void test_fail_open_controls(void **state)
{
        static const char *const open_controls[] = {
                "optional",
                "sufficient",
                "[success=ok default=ignore]",
                "[success=ok session_err=ignore default=bad]",
                "[default=bad module_unknown=ignore]",
                "[success=ok default=1]",
                "[default=reset]",
        };
        static const char *const closed_controls[] = {
                "requisite",
                "required",
                "[success=ok ignore=ignore default=die]",
                "[default=bad]",
                "[success=done default=bad]",
        };

        for (size_t i = 0; i < ELEMENTSOF(open_controls) + ELEMENTSOF(closed_controls); i++) {
                bool open = i < ELEMENTSOF(open_controls);
                const char *ctl =
                        open ? open_controls[i] : closed_controls[i - ELEMENTSOF(open_controls)];
                char text[256];
                struct fixture fx[] = {{"svc", text}, {}};
                struct jaula_findings f = {0};

                snprintf(text, sizeof text,
                         "session required pam_unix.so\nsession %s pam_jaula.so\n", ctl);
                judge(fx, "svc", &f);
                if (has(&f, JAULA_SEV_ERROR, "pam.d/svc", 2, "fails open") != open)
                        fail_msg("control '%s': expected %s", ctl, open ? "fail open" : "closed");
                jaula_findings_free(&f);
        }
}

static void test_skips(void **state)
{
        static const struct fixture sufficient[] = {
                {"svc", "session sufficient pam_permit.so\nsession requisite pam_jaula.so\n"},
                {},
        };
        static const struct fixture jump[] = {
                {"svc", "session [success=2 default=ignore] pam_a.so\n"
                        "session required pam_b.so\n"
                        "session requisite pam_jaula.so\n"},
                {},
        };
        static const struct fixture short_jump[] = {
                {"svc", "session [success=1 default=ignore] pam_a.so\n"
                        "session required pam_b.so\n"
                        "session requisite pam_jaula.so\n"},
                {},
        };
        /* A substack counts as one step, and done inside it ends only it. */
        static const struct fixture substack[] = {
                {"svc", "session [success=1 default=ignore] pam_a.so\n"
                        "session substack sub\n"
                        "session requisite pam_jaula.so\n"},
                {"sub", "session sufficient pam_c.so\nsession required pam_d.so\n"},
                {},
        };
        struct jaula_findings f = {0};

        judge(sufficient, "svc", &f);
        assert_true(has(&f, JAULA_SEV_ERROR, "pam.d/svc", 1, "before pam_jaula runs"));
        jaula_findings_free(&f);

        judge(jump, "svc", &f);
        assert_true(has(&f, JAULA_SEV_ERROR, "pam.d/svc", 1, "jump over pam_jaula (jump 2)"));
        jaula_findings_free(&f);

        judge(short_jump, "svc", &f);
        assert_int_equal(jaula_findings_count(&f, JAULA_SEV_ERROR), 0);
        jaula_findings_free(&f);

        judge(substack, "svc", &f);
        assert_int_equal(jaula_findings_count(&f, JAULA_SEV_ERROR), 0);
        jaula_findings_free(&f);
}

static void test_after(void **state)
{
        static const struct fixture fx[] = {
                {"svc", "session required pam_env.so user_readenv=1\n"
                        "session requisite pam_jaula.so\n"
                        "session optional pam_motd.so\n"
                        "session required pam_limits.so\n"
                        "session required pam_env.so user_readenv=1 envfile=/etc/default/locale\n"
                        "session optional pam_env.so\n"},
                {},
        };
        struct jaula_findings f = {0};

        judge(fx, "svc", &f);
        assert_true(has(&f, JAULA_SEV_WARNING, "pam.d/svc", 1, "neutralised by pam_jaula"));
        assert_true(has(&f, JAULA_SEV_WARNING, "pam.d/svc", 3, "runs after pam_jaula"));
        assert_true(has(&f, JAULA_SEV_ERROR, "pam.d/svc", 4, "can fail the session"));
        assert_true(has(&f, JAULA_SEV_ERROR, "pam.d/svc", 5, "user_readenv=1 runs after"));
        assert_true(has(&f, JAULA_SEV_WARNING, "pam.d/svc", 6, "past its environment allow-list"));
        jaula_findings_free(&f);
}

static bool never(const char *module)
{
        return false;
}

static void test_module_exists(void **state)
{
        static const struct fixture fx[] = {
                {"svc", "session requisite /opt/pam_jaula.so\n"},
                {},
        };
        struct jaula_pam_stack st = {0};
        struct jaula_findings f = {0};

        files = fx;
        assert_int_equal(jaula_pam_stack_load("svc", "session", rd, NULL, &st, &f), 0);
        assert_int_equal(jaula_pam_judge_session(&st, never, &f), 0);
        assert_true(has(&f, JAULA_SEV_ERROR, "pam.d/svc", 1, "does not exist"));
        jaula_pam_stack_free(&st);
        jaula_findings_free(&f);
}

static void test_include_loop(void **state)
{
        static const struct fixture fx[] = {
                {"a", "session include b\nsession requisite pam_jaula.so\n"},
                {"b", "session include a\n"},
                {},
        };
        struct jaula_pam_stack st = {0};
        struct jaula_findings f = {0};

        files = fx;
        assert_int_equal(jaula_pam_stack_load("a", "session", rd, NULL, &st, &f), 0);
        assert_true(f.n > 0);
        jaula_pam_stack_free(&st);
        jaula_findings_free(&f);
}

static void test_format(void **state)
{
        struct jaula_findings f = {0};
        char buf[256];

        assert_int_equal(jaula_findings_add(&f, JAULA_SEV_ERROR, "x", 3, "do y", "bad %d", 1), 0);
        assert_int_equal(jaula_findings_add(&f, JAULA_SEV_ERROR, "x", 3, "do y", "bad %d", 1), 0);
        assert_int_equal(jaula_findings_add(&f, JAULA_SEV_WARNING, "x", 0, NULL, "meh"), 0);
        assert_int_equal(f.n, 2); /* the same finding twice is one */
        jaula_finding_format(&f.v[0], buf, sizeof buf);
        assert_string_equal(buf, "x:3: error: bad 1 — do y");
        jaula_finding_format(&f.v[1], buf, sizeof buf);
        assert_string_equal(buf, "x: warning: meh");
        jaula_findings_free(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_controls),
                cmocka_unit_test(test_includes_and_lines),
                cmocka_unit_test(test_missing_service_and_include),
                cmocka_unit_test(test_clean),
                cmocka_unit_test(test_missing),
                cmocka_unit_test(test_fail_open_controls),
                cmocka_unit_test(test_skips),
                cmocka_unit_test(test_after),
                cmocka_unit_test(test_module_exists),
                cmocka_unit_test(test_include_loop),
                cmocka_unit_test(test_format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
