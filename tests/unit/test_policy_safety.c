/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_policy_safety.c — the safety pass of the policy checker: each
 * refusal with its file:line, each risk refused without its `unsafe` entry
 * and reported as a warning with it (only when warnings are asked for),
 * the resolve-time checks of expanded homes and mount sources, and the
 * file checks behind check-config on a scratch rootfs.  No privilege
 * needed except for the ownership cases, which skip otherwise. */
#define _GNU_SOURCE
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
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"
#include "policy-parse.h"
#include "policy-safety.h"

/* Line 1: a rootfs; line 2: global; the profile starts on line 3. */
#define HEAD                                                                                       \
        "rootfs = { r = { path = \"/srv/rootfs/r\"; }; };\n"                                       \
        "global = { state_dir = \"/run/jaula\"; persistent_dir = \"/var/lib/jaula/persistent\"; };\n"
#define RULE "match = ( { users = [\"*\"]; profile = \"p\"; } );\n"

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

static bool has_line(const struct jaula_diags *d, const char *want)
{
        char line[1200];

        for (size_t i = 0; i < d->n; i++) {
                jaula_diag_format(&d->v[i], line, sizeof line);
                if (strcmp(line, want) == 0)
                        return true;
        }
        return false;
}

/* ------------------------------------------------------------ refusals */

struct refusal {
        const char *name;
        const char *profile; /* the body of profile p */
        int line;
        const char *msg;
};

static const struct refusal refusals[] = {
        { "rw-root", "mounts = ( { source = \"/\"; target = \"/host\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"/\" contains the host's /etc, its configuration and "
          "credentials; a writable mount of it gives the jailed user the host" },
        { "rw-etc", "\nmounts = ( { source = \"/etc\"; target = \"/e\"; mode = \"rw\"; } );", 4,
          "profiles.p.mounts[0].source: \"/etc\" is the host's /etc, its configuration and "
          "credentials; a writable mount of it gives the jailed user the host" },
        { "rw-inside-etc", "mounts = ( { source = \"/etc/ssl\"; target = \"/e\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"/etc/ssl\" is inside the host's /etc, its configuration "
          "and credentials; a writable mount of it gives the jailed user the host" },
        { "rw-contains-run", "mounts = ( { source = \"//var/\"; target = \"/v\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"//var/\" contains the host's /var/run, the host's "
          "runtime state and service sockets; a writable mount of it gives the jailed user the host" },
        { "rw-template-etc", "mounts = ( { source = \"/etc/%u\"; target = \"/e\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"/etc/%u\" is always inside the host's /etc, its "
          "configuration and credentials; a writable mount of it gives the jailed user the host" },
        { "rw-usr", "mounts = ( { source = \"/usr/local\"; target = \"/l\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"/usr/local\" is inside the host's /usr, the host's "
          "programs; a writable mount of it gives the jailed user the host" },
        { "rw-proc", "mounts = ( { source = \"/proc/1\"; target = \"/x\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"/proc/1\" is inside the host's /proc, the host's "
          "processes and kernel settings; a writable mount of it gives the jailed user the host" },
        { "rw-state", "mounts = ( { source = \"/run/jaula/jails\"; target = \"/s\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"/run/jaula/jails\" is inside the host's /run, the host's "
          "runtime state and service sockets; a writable mount of it gives the jailed user the host" },
        { "rw-persistent", "mounts = ( { source = \"/var/lib/jaula/persistent/p\"; target = \"/s\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"/var/lib/jaula/persistent/p\" is inside the host's "
          "/var/lib/jaula, jaula's rootfs and persistent layers; a writable mount of it gives the "
          "jailed user the host" },
        { "rw-rootfs", "mounts = ( { source = \"/srv/rootfs\"; target = \"/s\"; mode = \"rw\"; } );", 3,
          "profiles.p.mounts[0].source: \"/srv/rootfs\" contains rootfs 'r' (/srv/rootfs/r), which "
          "every jail of it runs; a writable mount of it gives the jailed user the host" },
        { "ro-root", "mounts = ( { source = \"/\"; target = \"/host\"; } );", 3,
          "profiles.p.mounts[0].source: \"/\" contains the host's /proc; even read-only it hands "
          "the host's processes, sockets or jail state to the jail" },
        { "ro-run", "mounts = ( { source = \"/run/dbus\"; target = \"/d\"; mode = \"ro\"; } );", 3,
          "profiles.p.mounts[0].source: \"/run/dbus\" is inside the host's /run; even read-only it "
          "hands the host's processes, sockets or jail state to the jail" },
        { "home-root", "home = \"/\";", 3,
          "profiles.p.home: \"/\" is the jail's root: the user's own files would replace the "
          "jail's system files; use a path like \"/home/%u\"" },
        { "home-etc", "home = \"/etc\";", 3,
          "profiles.p.home: \"/etc\" is the jail's /etc: the user's own files would replace the "
          "jail's system files; use a path like \"/home/%u\"" },
        { "home-template-usr", "home = \"/usr/home/%u\";", 3,
          "profiles.p.home: \"/usr/home/%u\" is always inside the jail's /usr: the user's own "
          "files would replace the jail's system files; use a path like \"/home/%u\"" },
        { "allow-mount", "seccomp = { allow = [\"ptrace\", \"mount\"]; };", 3,
          "profiles.p.seccomp.allow[1]: \"mount\" cannot be allowed: rearranging mounts is how a "
          "process leaves a pivot_root jail" },
        { "allow-setns", "seccomp = { allow = [\"setns\"]; };", 3,
          "profiles.p.seccomp.allow[0]: \"setns\" cannot be allowed: it joins namespaces outside "
          "the jail through an inherited descriptor" },
        { "allow-unshare", "seccomp = { allow = [\"unshare\"]; };", 3,
          "profiles.p.seccomp.allow[0]: \"unshare\" cannot be allowed: a new user namespace gives "
          "back every capability over what it owns" },
        { "allow-clone", "seccomp = { allow = [\"clone\"]; };", 3,
          "profiles.p.seccomp.allow[0]: \"clone\" cannot be allowed: it lifts clone[CLONE_NEW*]: "
          "new (user) namespaces give back capabilities" },
        { "allow-module", "seccomp = { allow = [\"finit_module\"]; };", 3,
          "profiles.p.seccomp.allow[0]: \"finit_module\" cannot be allowed: it loads code into "
          "the host's kernel" },
        { "allow-handle", "seccomp = { allow = [\"open_by_handle_at\"]; };", 3,
          "profiles.p.seccomp.allow[0]: \"open_by_handle_at\" cannot be allowed: file handles "
          "bypass the jail's root (the \"shocker\" escape)" },
        { "allow-tiocsti", "seccomp = { profile = \"strict\";\nallow = [\"ioctl[TIOCSTI]\"]; };", 4,
          "profiles.p.seccomp.allow[0]: \"ioctl[TIOCSTI]\" cannot be allowed: it types into the "
          "host-side login terminal after logout" },
        /* A named risk does not lift an outright refusal. */
        { "optin-does-not-lift", "unsafe = [\"rw-host-mount\"];\nmounts = ( { source = \"/etc\"; target = \"/e\"; mode = \"rw\"; } );", 4,
          "profiles.p.mounts[0].source: \"/etc\" is the host's /etc, its configuration and "
          "credentials; a writable mount of it gives the jailed user the host" },
        { "unsafe-unknown", "unsafe = [\"everything\"];", 3,
          "profiles.p.unsafe[0]: unknown risk \"everything\"; expected one of: seccomp-none, "
          "seccomp-kernel-surface, host-network, rw-host-mount" },
};

static void run_refusal(void **state)
{
        const struct refusal *t = *state;
        _cleanup_free_ char *text = NULL;
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        char want[1200];
        int r;

        assert_true(asprintf(&text, HEAD "profiles = { p = { rootfs = \"r\"; %s }; };\n" RULE,
                             t->profile) > 0);
        r = jaula_policy_parse_ex(text, "t.conf", JAULA_POLICY_WARNINGS, &p, &d);
        snprintf(want, sizeof want, "t.conf:%d: %s", t->line, t->msg);
        if (r != -EINVAL || !has_line(&d, want)) {
                _cleanup_free_ char *got = diags_text(&d);
                fail_msg("%s: r=%d, expected\n  %s\ngot:\n%s", t->name, r, want, got);
        }
        assert_null(p);
        jaula_diags_free(&d);
}

/* ------------------------------------------------------- named risks */

struct risk {
        const char *name;
        const char *profile; /* without the unsafe key */
        const char *unsafe;  /* the entry that accepts it */
        int line;
        const char *msg;
};

static const struct risk risks[] = {
        { "seccomp-none", "seccomp = { profile = \"none\"; };", "seccomp-none", 3,
          "profiles.p.seccomp.profile: \"none\" loads no filter: the jail reaches the mount and "
          "namespace calls, bpf, keyctl and the rest of the surface the default profile denies" },
        { "allow-bpf", "seccomp = {\nallow = [\"bpf\"]; };", "seccomp-kernel-surface", 4,
          "profiles.p.seccomp.allow[0]: allowing \"bpf\" opens kernel surface to the jail: the "
          "eBPF verifier and maps are a steady source of kernel exploits" },
        { "allow-keyctl", "seccomp = { allow = [\"keyctl\"]; };", "seccomp-kernel-surface", 3,
          "profiles.p.seccomp.allow[0]: allowing \"keyctl\" opens kernel surface to the jail: the "
          "kernel keyring is not namespaced" },
        { "no-net", "\nnamespaces = [\"mount\", \"pid\", \"uts\", \"ipc\"];", "host-network", 4,
          "profiles.p.namespaces: \"net\" is missing: the jail would share the host's network, "
          "and with it every service listening on the host's loopback" },
        { "rw-home", "mounts = ( { source = \"/home\"; target = \"/h\"; mode = \"rw\"; } );",
          "rw-host-mount", 3,
          "profiles.p.mounts[0].source: \"/home\" is the host's /home, every user's home; a "
          "writable mount of it gives the jailed user the host" },
        { "rw-var-lib", "mounts = ( { source = \"/var/lib/postgresql\"; target = \"/pg\"; mode = \"rw\"; } );",
          "rw-host-mount", 3,
          "profiles.p.mounts[0].source: \"/var/lib/postgresql\" is inside the host's /var/lib, the "
          "host services' data; a writable mount of it gives the jailed user the host" },
        { "rw-tmp", "mounts = ( { source = \"/tmp\"; target = \"/htmp\"; mode = \"rw\"; } );",
          "rw-host-mount", 3,
          "profiles.p.mounts[0].source: \"/tmp\" is the host's /tmp, the host's shared /tmp; a "
          "writable mount of it gives the jailed user the host" },
};

static void run_risk(void **state)
{
        const struct risk *t = *state;
        _cleanup_free_ char *bare = NULL, *accepted = NULL;
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        char want[1400];
        int r;

        /* Without the entry: an error that names it. */
        assert_true(asprintf(&bare, HEAD "profiles = { p = { rootfs = \"r\"; %s }; };\n" RULE,
                             t->profile) > 0);
        r = jaula_policy_parse_ex(bare, "t.conf", JAULA_POLICY_WARNINGS, &p, &d);
        snprintf(want, sizeof want,
                 "t.conf:%d: %s; refused unless profiles.p.unsafe lists \"%s\" (see jaula.conf(5))",
                 t->line, t->msg, t->unsafe);
        if (r != -EINVAL || !has_line(&d, want)) {
                _cleanup_free_ char *got = diags_text(&d);
                fail_msg("%s without unsafe: r=%d, expected\n  %s\ngot:\n%s", t->name, r, want,
                         got);
        }
        jaula_diags_free(&d);

        /* With it: loads; a warning only when asked for. */
        assert_true(asprintf(&accepted,
                             HEAD "profiles = { p = { rootfs = \"r\"; unsafe = [\"%s\"]; %s }; };\n" RULE,
                             t->unsafe, t->profile) > 0);
        r = jaula_policy_parse_ex(accepted, "t.conf", JAULA_POLICY_WARNINGS, &p, &d);
        snprintf(want, sizeof want, "t.conf:%d: warning: %s (accepted: profiles.p.unsafe lists \"%s\")",
                 t->line, t->msg, t->unsafe);
        if (r != 0 || !has_line(&d, want) || d.n != 1) {
                _cleanup_free_ char *got = diags_text(&d);
                fail_msg("%s with unsafe: r=%d, expected only\n  %s\ngot:\n%s", t->name, r, want,
                         got);
        }
        jaula_policy_free(p);
        p = NULL;
        jaula_diags_free(&d);
        r = jaula_policy_parse(accepted, "t.conf", &p, &d);
        assert_int_equal(r, 0);
        assert_int_equal(d.n, 0); /* a login is silent about accepted risks */
        jaula_policy_free(p);
}

static void test_unsafe_unused_warns(void **state)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        int r;

        r = jaula_policy_parse_ex(HEAD "profiles = { p = { rootfs = \"r\";\n unsafe = [\"host-network\"]; }; };\n" RULE,
                                  "t.conf", JAULA_POLICY_WARNINGS, &p, &d);
        assert_int_equal(r, 0);
        assert_true(has_line(&d, "t.conf:4: warning: profiles.p.unsafe: \"host-network\" is "
                                 "accepted but nothing in the profile needs it"));
        jaula_policy_free(p);
        jaula_diags_free(&d);
}

/* Ordinary policies stay quiet: rw mounts of the admin's own directories,
 * ptrace for a debugging lab, a home under /home. */
static void test_ordinary_is_quiet(void **state)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        int r;

        r = jaula_policy_parse_ex(
                HEAD "profiles = { p = { rootfs = \"r\"; home = \"/home/%u\";\n"
                     " mounts = ( { source = \"/srv/shared\"; target = \"/shared\"; mode = \"rw\"; },\n"
                     "            { source = \"%h/data\"; target = \"/data\"; mode = \"rw\"; },\n"
                     "            { source = \"/usr/share/doc\"; target = \"/doc\"; },\n"
                     "            { source = \"/tmp/jaula-x/y\"; target = \"/y\"; mode = \"rw\"; } );\n"
                     " seccomp = { allow = [\"ptrace\", \"process_vm_readv\"]; }; }; };\n" RULE,
                "t.conf", JAULA_POLICY_WARNINGS, &p, &d);
        if (r != 0 || d.n != 0) {
                _cleanup_free_ char *got = diags_text(&d);
                fail_msg("r=%d:\n%s", r, got);
        }
        jaula_policy_free(p);
}

/* The policy's own directories, from the file name it was loaded as. */
static void test_policy_dirs(void **state)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        int r;

        r = jaula_policy_parse_ex(HEAD "profiles = { p = { rootfs = \"r\";\n"
                                       " mounts = ( { source = \"/srv/pol/conf.d\"; target = \"/c\"; mode = \"rw\"; } ); }; };\n" RULE,
                                  "/srv/pol/jaula.conf", JAULA_POLICY_WARNINGS, &p, &d);
        assert_int_equal(r, -EINVAL);
        assert_true(has_line(&d, "/srv/pol/jaula.conf:4: profiles.p.mounts[0].source: "
                                 "\"/srv/pol/conf.d\" is the policy's drop-in directory "
                                 "/srv/pol/conf.d; a writable mount of it gives the jailed user "
                                 "the host"));
        jaula_diags_free(&d);
        r = jaula_policy_parse_ex(HEAD "profiles = { p = { rootfs = \"r\";\n"
                                       " mounts = ( { source = \"/srv\"; target = \"/c\"; mode = \"rw\"; } ); }; };\n" RULE,
                                  "/srv/pol/jaula.conf", JAULA_POLICY_WARNINGS, &p, &d);
        assert_int_equal(r, -EINVAL);
        assert_true(has_line(&d, "/srv/pol/jaula.conf:4: profiles.p.mounts[0].source: \"/srv\" "
                                 "contains the policy directory /srv/pol; a writable mount of it "
                                 "gives the jailed user the host"));
        jaula_diags_free(&d);
}

/* ------------------------------------------------------ resolve time */

static void test_resolve_refuses_expanded(void **state)
{
        struct jaula_policy *p = NULL;
        struct jaula_spec *s = NULL;
        struct jaula_err err = { 0 };
        gid_t gid = 100;
        char *gname = (char *) "users";
        struct jaula_user u = { .name = (char *) "ana", .uid = 10042, .gid = 100,
                                .group = (char *) "users", .home = (char *) "/home/ana",
                                .gids = &gid, .gid_names = &gname, .n_gids = 1 };
        int r;

        r = jaula_policy_parse(HEAD "profiles = { p = { rootfs = \"r\"; home = \"/h/%u\";\n"
                                    " mounts = ( { source = \"/%u\"; target = \"/x\"; mode = \"rw\"; } ); }; };\n" RULE,
                               "t.conf", &p, NULL);
        assert_int_equal(r, 0);
        r = jaula_policy_resolve(p, &u, &s, NULL, &err);
        assert_int_equal(r, 1);
        jaula_spec_free(s);
        s = NULL;

        /* A user called "etc" completes "/%u" to the host's /etc. */
        u.name = (char *) "etc";
        r = jaula_policy_resolve(p, &u, &s, NULL, &err);
        assert_int_equal(r, -EPERM);
        assert_null(s);
        assert_non_null(strstr(err.msg, "writable mount source '/etc' is the host's /etc"));

        /* What `unsafe` could accept for a literal source is refused when
         * a template makes it: "home" completes "/%u" to every home. */
        u.name = (char *) "home";
        r = jaula_policy_resolve(p, &u, &s, NULL, &err);
        assert_int_equal(r, -EPERM);
        assert_non_null(strstr(err.msg, "writable mount source '/home' is the host's /home"));

        /* A passwd home of "/home" is every user's home. */
        u.name = (char *) "ana";
        u.home = (char *) "/home";
        r = jaula_policy_resolve(p, &u, &s, NULL, &err);
        assert_int_equal(r, -EPERM);
        assert_non_null(strstr(err.msg, "host home '/home' is the host's /home"));

        /* A passwd home of "/" would bind the host's root, writable. */
        u.name = (char *) "ana";
        u.home = (char *) "/";
        r = jaula_policy_resolve(p, &u, &s, NULL, &err);
        assert_int_equal(r, -EPERM);
        assert_non_null(strstr(err.msg, "host home '/' contains the host's /etc"));
        jaula_policy_free(p);

        /* home = "%h" with a passwd home of /etc: the jail's /etc too. */
        r = jaula_policy_parse(HEAD "profiles = { p = { rootfs = \"r\"; }; };\n" RULE, "t.conf",
                               &p, NULL);
        assert_int_equal(r, 0);
        u.home = (char *) "/etc";
        r = jaula_policy_resolve(p, &u, &s, NULL, &err);
        assert_int_equal(r, -EPERM);
        assert_non_null(strstr(err.msg, "home '/etc' is the jail's /etc"));
        jaula_policy_free(p);
}

/* ------------------------------------------------------- file checks */

static void test_check_files_missing(void **state)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        int r;

        r = jaula_policy_parse("rootfs = { r = {\n path = \"/nonexistent/jaula-rootfs\"; }; };\n"
                               "profiles = { p = { rootfs = \"r\";\n"
                               " mounts = ( { source = \"/nonexistent/src\"; target = \"/s\"; },\n"
                               "            { source = \"/nonexistent/opt\"; target = \"/o\"; optional = true; } ); }; };\n",
                               "t.conf", &p, NULL);
        assert_int_equal(r, 0);
        r = jaula_policy_check_files(p, &d);
        assert_int_equal(r, -EINVAL);
        assert_true(has_line(&d, "t.conf:1: rootfs.r.path: \"/nonexistent/jaula-rootfs\": No "
                                 "such file or directory"));
        assert_true(has_line(&d, "t.conf:4: profiles.p.mounts[0].source: \"/nonexistent/src\": "
                                 "No such file or directory (set optional = true if it may be "
                                 "missing)"));
        assert_int_equal(d.n, 2);
        jaula_diags_free(&d);
        jaula_policy_free(p);
}

/* A scratch rootfs: root-owned when run as root, with bin/sh. */
static char *scratch_rootfs(void)
{
        char *dir = strdup("/tmp/jaula-ut-rootfs.XXXXXX");
        char path[256];
        int fd;

        if (!dir || !mkdtemp(dir))
                return NULL;
        chmod(dir, 0755);
        snprintf(path, sizeof path, "%s/bin", dir);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/bin/sh", dir);
        fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
        if (fd >= 0)
                close(fd);
        snprintf(path, sizeof path, "%s/usr", dir);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/usr/lib", dir);
        mkdir(path, 0755);
        /* A symlink leaving the rootfs: resolved inside it, it is not the
         * host's /bin/sh. */
        snprintf(path, sizeof path, "%s/bin/outside", dir);
        if (symlink("/usr/lib", path) < 0)
                return NULL;
        return dir;
}

/* The scratch rootfs is made and removed around the test, so a failed
 * assertion (which leaves the test by longjmp) leaves nothing behind. */
static int scratch_setup(void **state)
{
        *state = scratch_rootfs();
        return *state ? 0 : -1;
}

static int scratch_teardown(void **state)
{
        char cmd[300];
        int r;

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *) *state);
        r = system(cmd);
        free(*state);
        return r == 0 ? 0 : -1;
}

/* openat2 (Linux 5.6), which the shell check needs; valgrind lacks it. */
static bool have_openat2(void)
{
        struct open_how how = { .flags = O_PATH | O_CLOEXEC };
        long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);

        if (fd >= 0)
                close((int) fd);
        return fd >= 0;
}

static void test_check_files_rootfs(void **state)
{
        const char *dir = *state;
        _cleanup_free_ char *text = NULL;
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        char path[256], want[600];
        int r;

        if (geteuid() != 0 || !have_openat2())
                skip();
        assert_true(asprintf(&text,
                             "global = { default_shell = \"/bin/sh\"; };\n"
                             "rootfs = { r = { path = \"%s\"; }; };\n"
                             "profiles = { p = { rootfs = \"r\"; };\n"
                             " q = { rootfs = \"r\";\n shell = \"/bin/outside\"; }; };\n",
                             dir) > 0);
        r = jaula_policy_parse(text, "t.conf", &p, NULL);
        assert_int_equal(r, 0);
        r = jaula_policy_check_files(p, &d);
        snprintf(want, sizeof want,
                 "t.conf:5: profiles.q.shell: \"/bin/outside\" in rootfs 'r' (%s) is not an "
                 "executable file",
                 dir);
        if (r != -EINVAL || d.n != 1 || !has_line(&d, want)) {
                _cleanup_free_ char *got = diags_text(&d);
                fail_msg("expected only\n  %s\ngot:\n%s", want, got);
        }
        jaula_diags_free(&d);

        /* usr/lib writable by everyone: anyone could plant libraries
         * every jail loads. */
        snprintf(path, sizeof path, "%s/usr/lib", dir);
        assert_int_equal(chmod(path, 0777), 0);
        r = jaula_policy_check_files(p, &d);
        snprintf(want, sizeof want,
                 "t.conf:2: rootfs.r.path: \"%s/usr/lib\" is writable by everyone: a user who can "
                 "change the rootfs changes what every jail of it runs (chown root, chmod go-w)",
                 dir);
        assert_int_equal(r, -EINVAL);
        assert_true(has_line(&d, want));
        jaula_diags_free(&d);
        assert_int_equal(chmod(path, 0755), 0);

        /* The rootfs itself owned by another user. */
        assert_int_equal(chown(dir, 65534, 0), 0);
        r = jaula_policy_check_files(p, &d);
        snprintf(want, sizeof want,
                 "t.conf:2: rootfs.r.path: \"%s\" is owned by uid 65534: a user who can change "
                 "the rootfs changes what every jail of it runs (chown root, chmod go-w)",
                 dir);
        assert_int_equal(r, -EINVAL);
        assert_true(has_line(&d, want));
        jaula_diags_free(&d);
        jaula_policy_free(p);
}

/* Write the first 20 bytes of an ELF header (class, machine) at PATH. */
static void write_elf(const char *path, unsigned char cls, unsigned char machine)
{
        unsigned char h[64] = { 0x7f, 'E', 'L', 'F', cls, 1, 1 };
        int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0755);

        assert_true(fd >= 0);
        h[16] = 2; /* ET_EXEC */
        h[18] = machine;
        assert_int_equal(write(fd, h, sizeof h), (int) sizeof h);
        close(fd);
}

/* An i386 rootfs declared with another arch: its shell would be killed by
 * a filter without the i386 ABI, and mkroot's record says otherwise. */
static void test_check_files_arch(void **state)
{
        const char *dir = *state;
        _cleanup_free_ char *text = NULL, *text32 = NULL;
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        char path[256], want[700];
        int r, fd;

        if (geteuid() != 0 || !have_openat2())
                skip();
        snprintf(path, sizeof path, "%s/bin/sh", dir);
        write_elf(path, 1 /* ELFCLASS32 */, 3 /* EM_386 */);
        snprintf(path, sizeof path, "%s/.jaula-rootfs", dir);
        fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "suite=bookworm\narch=i386\n", 25), 25);
        close(fd);
        assert_true(asprintf(&text,
                             "global = { default_shell = \"/bin/sh\"; };\n"
                             "rootfs = { r = { path = \"%s\"; }; };\n"
                             "profiles = { p = { rootfs = \"r\"; }; };\n",
                             dir) > 0);
        r = jaula_policy_parse(text, "t.conf", &p, NULL);
        assert_int_equal(r, 0);
        r = jaula_policy_check_files(p, &d);
        assert_int_equal(r, -EINVAL);
        snprintf(want, sizeof want,
                 "t.conf:2: rootfs.r.arch: \"amd64\", but jaula mkroot built \"%s\" for i386 "
                 "(its .jaula-rootfs); set arch = \"i386\"",
                 dir);
        assert_true(has_line(&d, want));
        snprintf(want, sizeof want,
                 "t.conf:1: global.default_shell (the shell of profile 'p'): \"/bin/sh\" in rootfs "
                 "'r' (%s) is an i386 program, but the rootfs has arch = \"amd64\": the jail's "
                 "filter would kill it (set arch = \"i386\" in rootfs.r)",
                 dir);
        if (d.n != 2 || !has_line(&d, want)) {
                _cleanup_free_ char *got = diags_text(&d);
                fail_msg("expected\n  %s\ngot:\n%s", want, got);
        }
        jaula_diags_free(&d);
        jaula_policy_free(p);

        /* Declared i386: nothing to say. */
        assert_true(asprintf(&text32,
                             "global = { default_shell = \"/bin/sh\"; };\n"
                             "rootfs = { r = { path = \"%s\"; arch = \"i386\"; }; };\n"
                             "profiles = { p = { rootfs = \"r\"; }; };\n",
                             dir) > 0);
        assert_int_equal(jaula_policy_parse(text32, "t.conf", &p, NULL), 0);
        r = jaula_policy_check_files(p, &d);
        if (r != 0 || d.n != 0) {
                _cleanup_free_ char *got = diags_text(&d);
                fail_msg("expected nothing, got:\n%s", got);
        }
        jaula_diags_free(&d);
        jaula_policy_free(p);

        /* An amd64 shell in a rootfs declared i386 (multiarch) is allowed,
         * and so is a record of amd64 there. */
        snprintf(path, sizeof path, "%s/bin/sh", dir);
        write_elf(path, 2 /* ELFCLASS64 */, 62 /* EM_X86_64 */);
        snprintf(path, sizeof path, "%s/.jaula-rootfs", dir);
        fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "arch=amd64\n", 11), 11);
        close(fd);
        assert_int_equal(jaula_policy_parse(text32, "t.conf", &p, NULL), 0);
        r = jaula_policy_check_files(p, &d);
        if (r != 0 || d.n != 0) {
                _cleanup_free_ char *got = diags_text(&d);
                fail_msg("expected nothing, got:\n%s", got);
        }
        jaula_diags_free(&d);
        jaula_policy_free(p);
}

int main(void)
{
        struct CMUnitTest tests[ELEMENTSOF(refusals) + ELEMENTSOF(risks) + 9];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(refusals); i++)
                tests[n++] = (struct CMUnitTest){ .name = refusals[i].name,
                                                  .test_func = run_refusal,
                                                  .initial_state = (void *) &refusals[i] };
        for (size_t i = 0; i < ELEMENTSOF(risks); i++)
                tests[n++] = (struct CMUnitTest){ .name = risks[i].name,
                                                  .test_func = run_risk,
                                                  .initial_state = (void *) &risks[i] };
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_unsafe_unused_warns);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_ordinary_is_quiet);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_policy_dirs);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_resolve_refuses_expanded);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_check_files_missing);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test_setup_teardown(
                test_check_files_rootfs, scratch_setup, scratch_teardown);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test_setup_teardown(
                test_check_files_arch, scratch_setup, scratch_teardown);
        return _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
}
