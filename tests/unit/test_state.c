/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_state.c — the state registry's pure parts: state file text, jail
 * and session ids, /proc/PID/stat parsing, the lifetime verdict; plus the
 * lock and atomic-write helpers on a private temp directory.  Needs no
 * privilege. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaula/state.h"

static struct jaula_jail_state sample(void)
{
        struct jaula_jail_state st = { 0 };

        snprintf(st.id, sizeof st.id, "u1001");
        st.uid = 1001;
        snprintf(st.user, sizeof st.user, "alice");
        st.scope = JAULA_SCOPE_USER;
        st.lifetime = JAULA_LIFETIME_PROCESSES;
        st.linger_sec = 30;
        st.holder_pid = 4242;
        st.holder_start = 123456789012ULL;
        st.monitor_pid = 4241;
        st.monitor_start = 123456789000ULL;
        st.ns_ino = 4026532001ULL;
        snprintf(st.group, sizeof st.group, "students");
        snprintf(st.cgroup_path, sizeof st.cgroup_path, "jaula");
        snprintf(st.net, sizeof st.net, "lab");
        st.created = 1700000000;
        st.ending = true;
        return st;
}

static void test_format_parse_roundtrip(void **state)
{
        struct jaula_jail_state st = sample(), back;
        char buf[4096];

        assert_true(jaula_state_format(&st, buf, sizeof buf) > 0);
        assert_int_equal(jaula_state_parse(buf, &back), 0);
        assert_string_equal(back.id, "u1001");
        assert_int_equal(back.uid, 1001);
        assert_string_equal(back.user, "alice");
        assert_int_equal(back.scope, JAULA_SCOPE_USER);
        assert_int_equal(back.lifetime, JAULA_LIFETIME_PROCESSES);
        assert_int_equal(back.linger_sec, 30);
        assert_int_equal(back.holder_pid, 4242);
        assert_true(back.holder_start == 123456789012ULL);
        assert_int_equal(back.monitor_pid, 4241);
        assert_true(back.monitor_start == 123456789000ULL);
        assert_true(back.ns_ino == 4026532001ULL);
        assert_string_equal(back.group, "students");
        assert_string_equal(back.cgroup_root, "");
        assert_string_equal(back.cgroup_path, "jaula");
        assert_string_equal(back.net, "lab");
        assert_true(back.created == 1700000000);
        assert_true(back.ending);
}

static void test_format_refuses_newline(void **state)
{
        struct jaula_jail_state st = sample();
        char buf[4096];

        /* A newline would let a value forge another key. */
        snprintf(st.group, sizeof st.group, "x\nholder_pid=1");
        assert_int_equal(jaula_state_format(&st, buf, sizeof buf), -EINVAL);
        st = sample();
        snprintf(st.id, sizeof st.id, "../etc");
        assert_int_equal(jaula_state_format(&st, buf, sizeof buf), -EINVAL);
        st = sample();
        assert_int_equal(jaula_state_format(&st, buf, 20), -ENOBUFS);
}

static void test_parse_rejects(void **state)
{
        struct jaula_jail_state st;

        /* missing holder / monitor */
        assert_int_equal(jaula_state_parse("version=1\nid=u1\n", &st), -EINVAL);
        assert_int_equal(jaula_state_parse("version=1\nid=u1\nholder_pid=5\n", &st), -EINVAL);
        /* bad numbers */
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=-5\nmonitor_pid=3\n", &st), -EINVAL);
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=0\nmonitor_pid=3\n", &st), -ERANGE);
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=5x\nmonitor_pid=3\n", &st), -EINVAL);
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=99999999999\nmonitor_pid=3\n", &st),
                         -ERANGE);
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=5\nmonitor_pid=3\n"
                                           "holder_start=184467440737095516160\n",
                                           &st),
                         -ERANGE);
        /* bad id, bad enum, wrong version, line without '=' */
        assert_int_equal(jaula_state_parse("id=U1\nholder_pid=5\nmonitor_pid=3\n", &st), -EINVAL);
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=5\nmonitor_pid=3\nscope=x\n", &st),
                         -EINVAL);
        assert_int_equal(jaula_state_parse("version=2\nid=u1\nholder_pid=5\nmonitor_pid=3\n", &st),
                         -EINVAL);
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=5\nmonitor_pid=3\ngarbage\n", &st),
                         -EINVAL);
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=5\nmonitor_pid=3\nending=yes\n", &st),
                         -EINVAL);
        /* unknown keys are ignored (a newer writer) */
        assert_int_equal(jaula_state_parse("id=u1\nholder_pid=5\nmonitor_pid=3\nfuture=1\n", &st), 0);
        assert_int_equal(st.holder_pid, 5);
}

static void test_intent_roundtrip(void **state)
{
        struct jaula_jail_state st = sample(), back;
        char buf[4096];

        st.creating = true;
        st.creator_pid = 777;
        st.creator_start = 98765;
        st.holder_pid = st.monitor_pid = 0;
        st.ns_ino = 0;
        assert_true(jaula_state_format(&st, buf, sizeof buf) > 0);
        /* An intent names no holder or monitor: nothing to signal or join. */
        assert_null(strstr(buf, "holder_pid="));
        assert_null(strstr(buf, "monitor_pid="));
        assert_int_equal(jaula_state_parse(buf, &back), 0);
        assert_true(back.creating);
        assert_int_equal(back.creator_pid, 777);
        assert_true(back.creator_start == 98765);
        assert_int_equal(back.holder_pid, 0);
        assert_string_equal(back.cgroup_path, "jaula");
        assert_string_equal(back.net, "lab");
        /* an intent without its creator, a jail without its holder */
        assert_int_equal(jaula_state_parse("id=u1\ncreating=1\n", &st), -EINVAL);
        assert_int_equal(jaula_state_parse("id=u1\ncreating=0\ncreator_pid=5\n", &st), -EINVAL);
        assert_int_equal(jaula_state_parse("id=u1\ncreating=2\ncreator_pid=5\n", &st), -EINVAL);
        assert_int_equal(jaula_state_parse("id=u1\ncreating=1\ncreator_pid=0\n", &st), -ERANGE);
        /* the final record replaces it: no longer an intent */
        st = sample();
        assert_true(jaula_state_format(&st, buf, sizeof buf) > 0);
        assert_int_equal(jaula_state_parse(buf, &back), 0);
        assert_false(back.creating);
}

static void test_id_valid(void **state)
{
        assert_true(jaula_state_id_valid("u1001"));
        assert_true(jaula_state_id_valid("s1001-deadbeef"));
        assert_false(jaula_state_id_valid(""));
        assert_false(jaula_state_id_valid("1abc"));
        assert_false(jaula_state_id_valid("u1/../x"));
        assert_false(jaula_state_id_valid("u1.lock"));
        assert_false(jaula_state_id_valid("U1"));
        assert_false(jaula_state_id_valid("u123456789012345678901234567890123456789012345678"));
}

static void test_id_make(void **state)
{
        struct jaula_spec spec = { 0 };
        char buf[JAULA_ID_MAX];

        spec.user.uid = 1001;
        spec.scope = JAULA_SCOPE_USER;
        assert_int_equal(jaula_state_id_make(&spec, 0x1234, buf, sizeof buf), 0);
        assert_string_equal(buf, "u1001");
        spec.scope = JAULA_SCOPE_SESSION;
        assert_int_equal(jaula_state_id_make(&spec, 0xdeadbeef, buf, sizeof buf), 0);
        assert_string_equal(buf, "s1001-deadbeef");
        assert_true(jaula_state_id_valid(buf));
        assert_int_equal(jaula_state_id_make(&spec, 1, buf, 6), -ENAMETOOLONG);
}

static void test_session_id(void **state)
{
        char buf[64];
        pid_t pid;
        uint64_t start;

        assert_int_equal(jaula_session_id_format(812, 99887766, buf, sizeof buf), 0);
        assert_string_equal(buf, "p812-99887766");
        assert_int_equal(jaula_session_id_parse(buf, &pid, &start), 0);
        assert_int_equal(pid, 812);
        assert_true(start == 99887766);
        assert_int_equal(jaula_session_id_parse("p812", &pid, &start), -EINVAL);
        assert_int_equal(jaula_session_id_parse("p-1-5", &pid, &start), -EINVAL);
        assert_int_equal(jaula_session_id_parse("p0-5", &pid, &start), -EINVAL);
        assert_int_equal(jaula_session_id_parse("q1-5", &pid, &start), -EINVAL);
        assert_int_equal(jaula_session_id_parse("p1-5x", &pid, &start), -EINVAL);
        assert_int_equal(jaula_session_id_parse(".p1-5.tmp", &pid, &start), -EINVAL);
}

static void test_parse_stat(void **state)
{
        uint64_t t;
        /* comm with spaces and a ')' inside; starttime is field 22 */
        const char *line = "1234 (evil) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 "
                           "0 5551212 1000 100 18446744073709551615\n";

        assert_int_equal(jaula_parse_stat_starttime(line, &t), 0);
        assert_true(t == 5551212);
        assert_int_equal(jaula_parse_stat_starttime("1234 (x) S 1 2 3\n", &t), -EINVAL);
        assert_int_equal(jaula_parse_stat_starttime("no parens", &t), -EINVAL);
}

static void test_proc_self(void **state)
{
        uint64_t t;
        int fd;

        assert_int_equal(jaula_proc_starttime(getpid(), &t), 0);
        assert_true(jaula_proc_alive(getpid(), t));
        assert_false(jaula_proc_alive(getpid(), t + 1));
        fd = jaula_pidfd_open_verified(getpid(), t);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(jaula_pidfd_open_verified(getpid(), t + 1), -ESRCH);
}

static void test_verdict(void **state)
{
        assert_int_equal(jaula_state_verdict(JAULA_LIFETIME_SESSION, 0, 1, false), JAULA_KEEP);
        assert_int_equal(jaula_state_verdict(JAULA_LIFETIME_SESSION, 0, 0, false), JAULA_TEARDOWN);
        assert_int_equal(jaula_state_verdict(JAULA_LIFETIME_SESSION, 10, 0, false),
                         JAULA_ARM_LINGER);
        assert_int_equal(jaula_state_verdict(JAULA_LIFETIME_SESSION, 10, 0, true), JAULA_TEARDOWN);
        assert_int_equal(jaula_state_verdict(JAULA_LIFETIME_SESSION, 10, 2, true), JAULA_KEEP);
        assert_int_equal(jaula_state_verdict(JAULA_LIFETIME_PROCESSES, 0, 0, false),
                         JAULA_SCAN_PROCESSES);
        assert_int_equal(jaula_state_verdict(JAULA_LIFETIME_PROCESSES, 0, 3, false), JAULA_KEEP);
}

/* ---- on a private directory ---- */

static char tmpdir[64];

static int dir_setup(void **state)
{
        snprintf(tmpdir, sizeof tmpdir, "/tmp/jaula-ut-state.XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int dir_teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_write_file_atomic(void **state)
{
        int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
        char buf[64] = "";
        int fd;
        struct stat s;

        assert_true(dfd >= 0);
        assert_int_equal(jaula_state_write_file(dfd, "f", "one\n", 4), 0);
        assert_int_equal(jaula_state_write_file(dfd, "f", "two\n", 4), 0);
        fd = openat(dfd, "f", O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(read(fd, buf, sizeof buf - 1), 4);
        assert_string_equal(buf, "two\n");
        assert_int_equal(fstat(fd, &s), 0);
        assert_int_equal(s.st_mode & 0777, 0600);
        close(fd);
        close(dfd);
        /* no temp file left behind: "f" is the only entry */
        {
                DIR *d = opendir(tmpdir);
                struct dirent *de;
                int n = 0;

                assert_non_null(d);
                while ((de = readdir(d)))
                        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                                n++;
                closedir(d);
                assert_int_equal(n, 1);
        }
}

static void test_lock_and_store(void **state)
{
        char sd[128];
        int sfd, lock, lock2, n;
        struct jaula_jail_state st = sample(), back;
        struct jaula_err err = { 0 };
        char sid[64], id[JAULA_ID_MAX];

        snprintf(sd, sizeof sd, "%s/state", tmpdir);
        sfd = jaula_state_dir_open(sd, &err);
        if (sfd == -EPERM) /* not root: the directory is not root-owned */
                skip();
        assert_true(sfd >= 0);
        lock = jaula_state_lock(sfd, "u1001", true);
        assert_true(lock >= 0);
        /* a second open file description cannot take it */
        lock2 = jaula_state_lock(sfd, "u1001", false);
        assert_int_equal(lock2, -EWOULDBLOCK);
        assert_int_equal(jaula_state_store(sfd, &st), 0);
        assert_int_equal(jaula_state_load(sfd, "u1001", &back), 0);
        assert_int_equal(back.holder_pid, 4242);
        assert_int_equal(jaula_state_index_set(sfd, st.ns_ino, "u1001"), 0);
        assert_int_equal(jaula_state_index_get(sfd, st.ns_ino, id, sizeof id), 0);
        assert_string_equal(id, "u1001");
        /* sessions: ours is alive, a made-up one is swept */
        {
                uint64_t t;
                assert_int_equal(jaula_proc_starttime(getpid(), &t), 0);
                jaula_session_id_format(getpid(), t, sid, sizeof sid);
        }
        assert_int_equal(jaula_session_add(sfd, "u1001", sid), 0);
        assert_int_equal(jaula_session_add(sfd, "u1001", "p1-1"), 0);
        n = jaula_session_sweep(sfd, "u1001");
        assert_int_equal(n, 1);
        assert_int_equal(jaula_session_remove(sfd, "u1001", sid), 0);
        assert_int_equal(jaula_session_sweep(sfd, "u1001"), 0);
        assert_int_equal(jaula_state_remove(sfd, &st), 0);
        assert_int_equal(jaula_state_load(sfd, "u1001", &back), -ENOENT);
        assert_int_equal(jaula_state_index_get(sfd, st.ns_ino, id, sizeof id), -ENOENT);
        jaula_state_unlock_remove(sfd, "u1001", lock);
        /* the lock file is gone and can be taken again */
        lock = jaula_state_lock(sfd, "u1001", false);
        assert_true(lock >= 0);
        jaula_state_unlock_remove(sfd, "u1001", lock);
        assert_int_equal(jaula_state_lock(sfd, "../x", true), -EINVAL);
        close(sfd);
}

static void test_dir_refuses_open_mode(void **state)
{
        char sd[128];
        struct jaula_err err = { 0 };

        if (geteuid() != 0)
                skip();
        snprintf(sd, sizeof sd, "%s/loose", tmpdir);
        assert_int_equal(mkdir(sd, 0755), 0);
        assert_int_equal(jaula_state_dir_open(sd, &err), -EPERM);
        assert_non_null(strstr(err.msg, "0700"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format_parse_roundtrip),
                cmocka_unit_test(test_format_refuses_newline),
                cmocka_unit_test(test_parse_rejects),
                cmocka_unit_test(test_id_valid),
                cmocka_unit_test(test_id_make),
                cmocka_unit_test(test_session_id),
                cmocka_unit_test(test_parse_stat),
                cmocka_unit_test(test_proc_self),
                cmocka_unit_test(test_verdict),
                cmocka_unit_test(test_intent_roundtrip),
                cmocka_unit_test_setup_teardown(test_write_file_atomic, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_lock_and_store, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_dir_refuses_open_mode, dir_setup, dir_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
