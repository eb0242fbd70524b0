/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* confine.c — the last steps in jailsh before execve of the jail's shell:
 * capabilities, credentials, no_new_privs, seccomp, in the one order that
 * works.  Needs euid 0 and a full effective set on entry; leaves the
 * process with the user's ids and only the kept capabilities.
 *
 * Every step is checked, and the result is verified before the filter goes
 * in: a failure anywhere returns an error and the caller must not exec. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "jaula/confine.h"

/* The user's processes must never keep the -1000 of the jail's holder
 * and monitor (or of a privileged caller): a hog that the OOM killer may
 * not pick makes it kill everything else instead.  The caller's value
 * stays when it is not negative.  Written while we still hold
 * CAP_SYS_RESOURCE, the write also sets oom_score_adj_min to the value,
 * the floor below which an unprivileged process cannot go again: an
 * inherited floor of -1000 would let the user write -1000 back. */
static int oom_reset(struct jaula_err *err)
{
        _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
        char buf[16] = "";
        long v = 0;
        ssize_t n;
        int len;

        if (fd < 0)
                return jaula_err_errno(err, -errno, "confine: cannot open oom_score_adj");
        n = read(fd, buf, sizeof buf - 1);
        if (n > 0) {
                char *end;
                buf[n] = 0;
                v = strtol(buf, &end, 10);
                if (end == buf || v < 0 || v > 1000)
                        v = 0;
        }
        len = snprintf(buf, sizeof buf, "%ld\n", v);
        if (pwrite(fd, buf, (size_t) len, 0) != len)
                return jaula_err_errno(err, neg_errno(), "confine: cannot reset oom_score_adj");
        return 0;
}

#define _cleanup_seccomp_prog_ _cleanup_(jaula_seccomp_prog_free)

JAULA_EXPORT int jaula_confine(const struct jaula_spec *spec, struct jaula_err *err)
{
        _cleanup_seccomp_prog_ struct jaula_seccomp_prog filter = { 0 };
        const struct jaula_seccomp_prog *prog = NULL;
        uint64_t keep = spec->caps_keep;
        int r;

        r = jaula_caps_check_keep(keep, err);
        if (r < 0)
                return r;
        /* Compile the filter (unless the caller did) while a policy error
         * can still refuse cleanly, before anything is dropped; it is
         * loaded last.  No default cache here: by now the mount namespace
         * may be the jail's, and its /run the jail's too. */
        if (spec->seccomp.compiled) {
                prog = spec->seccomp.compiled;
        } else if (!jaula_seccomp_is_empty(&spec->seccomp)) {
                r = jaula_seccomp_compile(&spec->seccomp,
                                          spec->seccomp.cache_dir ? spec->seccomp.cache_dir : "",
                                          &filter, NULL, err);
                if (r < 0)
                        return r;
                prog = &filter;
        }

        /* 0. The OOM score, while CAP_SYS_RESOURCE still allows it. */
        r = oom_reset(err);
        if (r < 0)
                return r;

        /* 1. Bounding set and inheritable: PR_CAPBSET_DROP needs
         *    CAP_SETPCAP, gone after setresuid. */
        r = jaula_caps_drop_bounding(keep, err);
        if (r < 0)
                return r;
        /* 2. Groups, gid, uid; verified, and setuid(0) must fail. */
        r = jaula_creds_drop(&spec->user, err);
        if (r < 0)
                return r;
        /* 3. Kept capabilities into ambient (the uid change cleared it);
         *    this also empties permitted of everything else. */
        r = jaula_caps_raise_ambient(keep, err);
        if (r < 0)
                return r;
        /* The euid change reset dumpability to fs.suid_dumpable, which an
         * admin may have set to 1; stay undumpable (and unptraceable by
         * the user's other processes) until execve resets it. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return jaula_err_errno(err, neg_errno(), "confine: PR_SET_DUMPABLE");
        r = jaula_caps_verify(keep, err);
        if (r < 0)
                return r;

        /* 4. No exec may gain privilege again (setuid files, file caps);
         *    also what lets an unprivileged process load a filter. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return jaula_err_errno(err, neg_errno(), "confine: PR_SET_NO_NEW_PRIVS");
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return jaula_err_set(err, -EPERM, "confine: no_new_privs did not stick");

        /* 5. Seccomp last: the steps above need calls it denies. */
        if (prog) {
                r = jaula_seccomp_prog_load(prog, err);
                if (r < 0)
                        return r;
                if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
                        return jaula_err_set(err, -EPERM, "confine: seccomp filter is not active");
        }
        return 0;
}
