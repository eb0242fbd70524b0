/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* caps.c — capability sets of the jailed process (libcap, prctl).
 * jaula_caps_drop_bounding needs CAP_SETPCAP (jailsh runs with euid 0);
 * the name helpers need nothing.
 *
 * A jailed user normally keeps no capability at all.  A policy may keep a
 * few (caps_keep); a non-root process only carries capabilities across
 * execve in its ambient set, and the kernel clears the ambient set when the
 * uids leave 0, so kept ones go: bounding and inheritable = keep and
 * PR_SET_KEEPCAPS before setresuid, ambient raised after it. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "jaula/confine.h"

static inline void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}
#define _cleanup_cap_ _cleanup_(cap_freep)

/* Strings from libcap (cap_to_name) go back through cap_free too. */
static inline void cap_free_strp(char **s)
{
        if (*s)
                cap_free(*s);
}
#define _cleanup_cap_str_ _cleanup_(cap_free_strp)

/* Capabilities that amount to root on the host or a way out of the jail:
 * there is no user namespace, so a kept capability acts on host objects
 * (files reachable through binds, the uid space, the kernel). */
#define UNSAFE_CAPS                                                                                \
        ((UINT64_C(1) << CAP_CHOWN) | (UINT64_C(1) << CAP_DAC_OVERRIDE) |                         \
         (UINT64_C(1) << CAP_DAC_READ_SEARCH) | (UINT64_C(1) << CAP_FOWNER) |                     \
         (UINT64_C(1) << CAP_FSETID) | (UINT64_C(1) << CAP_SETGID) |                              \
         (UINT64_C(1) << CAP_SETUID) | (UINT64_C(1) << CAP_SETPCAP) |                             \
         (UINT64_C(1) << CAP_LINUX_IMMUTABLE) | (UINT64_C(1) << CAP_SYS_MODULE) |                 \
         (UINT64_C(1) << CAP_SYS_RAWIO) | (UINT64_C(1) << CAP_SYS_CHROOT) |                       \
         (UINT64_C(1) << CAP_SYS_PTRACE) | (UINT64_C(1) << CAP_SYS_ADMIN) |                       \
         (UINT64_C(1) << CAP_SYS_BOOT) | (UINT64_C(1) << CAP_SYS_TIME) |                          \
         (UINT64_C(1) << CAP_MKNOD) | (UINT64_C(1) << CAP_AUDIT_CONTROL) |                        \
         (UINT64_C(1) << CAP_SETFCAP) | (UINT64_C(1) << CAP_MAC_OVERRIDE) |                       \
         (UINT64_C(1) << CAP_MAC_ADMIN) | (UINT64_C(1) << CAP_SYSLOG) |                           \
         (UINT64_C(1) << CAP_BPF) | (UINT64_C(1) << CAP_PERFMON) |                                \
         (UINT64_C(1) << CAP_CHECKPOINT_RESTORE))

/* The highest capability the running kernel knows.  Probed with
 * PR_CAPBSET_READ (EINVAL past the last one, whatever the bounding set
 * holds) rather than read from /proc, which inside the jail is the jail's;
 * by bisection, once per process: it depends on the kernel alone, and a
 * login asks three times, each system call costing microseconds. */
JAULA_EXPORT int jaula_caps_last(void)
{
        static int cached = -1;
        int lo = 0, hi = 63;

        if (cached >= 0)
                return cached;
        if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) < 0)
                return CAP_LAST_CAP;
        /* Invariant: lo is known, hi + 1 unknown or past the end. */
        while (lo < hi) {
                int mid = lo + (hi - lo + 1) / 2;

                if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
                        lo = mid;
                else
                        hi = mid - 1;
        }
        cached = lo;
        return cached;
}

JAULA_EXPORT int jaula_caps_from_name(const char *name)
{
        char buf[64];
        size_t i = 0;
        cap_value_t v;

        if (!name || !*name)
                return -EINVAL;
        /* libcap also takes numbers; a policy names capabilities. */
        if (isdigit((unsigned char) name[0]))
                return -EINVAL;
        if (strncasecmp(name, "cap_", 4) != 0) {
                memcpy(buf, "cap_", 4);
                i = 4;
        }
        for (; *name; name++) {
                /* libcap stops at a ',' or '=' (its text format); a
                 * policy entry is one name. */
                if (i + 1 >= sizeof buf || !(isalnum((unsigned char) *name) || *name == '_'))
                        return -EINVAL;
                buf[i++] = (char) tolower((unsigned char) *name);
        }
        buf[i] = '\0';
        if (cap_from_name(buf, &v) < 0 || v < 0 || v > 63)
                return -EINVAL;
        return (int) v;
}

JAULA_EXPORT int jaula_caps_to_string(uint64_t mask, char **ret)
{
        _cleanup_free_ char *s = NULL;
        size_t len = 0;

        s = calloc(1, 1);
        if (!s)
                return -ENOMEM;
        for (int c = 0; c < 64; c++) {
                _cleanup_cap_str_ char *n = NULL;
                char *t;
                size_t nl;

                if (!(mask & (UINT64_C(1) << c)))
                        continue;
                n = cap_to_name(c);
                if (!n)
                        return -ENOMEM;
                nl = strlen(n);
                t = realloc(s, len + nl + 2);
                if (!t)
                        return -ENOMEM;
                s = t;
                if (len)
                        s[len++] = ',';
                memcpy(s + len, n, nl + 1);
                len += nl;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

JAULA_EXPORT int jaula_caps_check_keep(uint64_t keep, struct jaula_err *err)
{
        _cleanup_free_ char *names = NULL;
        int last = jaula_caps_last();

        if (last < 63 && (keep >> (last + 1)))
                return jaula_err_set(err, -EINVAL,
                                     "caps: keeps a capability this kernel does not know");
        if (keep & UNSAFE_CAPS) {
                if (jaula_caps_to_string(keep & UNSAFE_CAPS, &names) < 0)
                        return jaula_err_set(err, -ENOMEM, "caps: out of memory");
                return jaula_err_set(err, -EPERM,
                                     "caps: refusing to keep '%s': it gives host root or a way "
                                     "out of the jail",
                                     names);
        }
        return 0;
}

JAULA_EXPORT int jaula_caps_drop_bounding(uint64_t keep, struct jaula_err *err)
{
        _cleanup_cap_ cap_t caps = NULL;
        int last = jaula_caps_last();
        cap_value_t kept[64];
        int n = 0;

        /* Bounding first: dropping needs CAP_SETPCAP, which setresuid
         * takes away. */
        for (int c = 0; c <= last; c++) {
                if (keep & (UINT64_C(1) << c)) {
                        kept[n++] = c;
                        continue;
                }
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                        return jaula_err_errno(err, neg_errno(),
                                               "caps: cannot drop capability %d from the bounding set",
                                               c);
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return jaula_err_errno(err, neg_errno(), "caps: cannot clear the ambient set");

        /* Inheritable holds exactly the kept ones: they must be there to be
         * raised into ambient, and anything else there would survive an
         * exec of a file with inheritable file capabilities. */
        caps = cap_get_proc();
        if (!caps)
                return jaula_err_errno(err, neg_errno(), "caps: cannot read the process capabilities");
        if (cap_clear_flag(caps, CAP_INHERITABLE) < 0 ||
            (n > 0 && cap_set_flag(caps, CAP_INHERITABLE, n, kept, CAP_SET) < 0) ||
            cap_set_proc(caps) < 0)
                return jaula_err_errno(err, neg_errno(), "caps: cannot set the inheritable set");

        /* Without keep-caps, setresuid to a non-zero uid empties permitted,
         * and kept capabilities could never reach ambient. */
        if (prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) < 0)
                return jaula_err_errno(err, neg_errno(), "caps: cannot set keep-caps");
        return 0;
}

JAULA_EXPORT int jaula_caps_raise_ambient(uint64_t keep, struct jaula_err *err)
{
        _cleanup_cap_ cap_t caps = NULL;
        cap_value_t kept[64];
        int n = 0;

        for (int c = 0; c < 64; c++)
                if (keep & (UINT64_C(1) << c))
                        kept[n++] = c;

        /* Effective, permitted and inheritable = keep: the same sets the
         * shell will get from ambient at execve, nothing more. */
        caps = cap_init();
        if (!caps)
                return jaula_err_errno(err, neg_errno(), "caps: cannot allocate a capability set");
        if (n > 0 && (cap_set_flag(caps, CAP_EFFECTIVE, n, kept, CAP_SET) < 0 ||
                      cap_set_flag(caps, CAP_PERMITTED, n, kept, CAP_SET) < 0 ||
                      cap_set_flag(caps, CAP_INHERITABLE, n, kept, CAP_SET) < 0))
                return jaula_err_errno(err, neg_errno(), "caps: cannot build the capability set");
        if (cap_set_proc(caps) < 0)
                return jaula_err_errno(err, neg_errno(), "caps: cannot set the capability sets");

        for (int i = 0; i < n; i++)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kept[i], 0, 0) < 0)
                        return jaula_err_errno(err, neg_errno(),
                                               "caps: cannot raise capability %d into ambient",
                                               kept[i]);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return jaula_err_errno(err, neg_errno(), "caps: cannot clear keep-caps");
        return 0;
}

static int read_set(cap_t caps, cap_flag_t flag, int last, uint64_t *ret)
{
        uint64_t m = 0;

        for (int c = 0; c <= last; c++) {
                cap_flag_value_t v;

                if (cap_get_flag(caps, c, flag, &v) < 0)
                        return neg_errno();
                if (v == CAP_SET)
                        m |= UINT64_C(1) << c;
        }
        *ret = m;
        return 0;
}

JAULA_EXPORT int jaula_caps_verify(uint64_t keep, struct jaula_err *err)
{
        _cleanup_cap_ cap_t caps = NULL;
        uint64_t eff, prm, inh, bnd = 0, amb = 0;
        int last = jaula_caps_last(), r;

        caps = cap_get_proc();
        if (!caps)
                return jaula_err_errno(err, neg_errno(), "caps: cannot read the process capabilities");
        if ((r = read_set(caps, CAP_EFFECTIVE, last, &eff)) < 0 ||
            (r = read_set(caps, CAP_PERMITTED, last, &prm)) < 0 ||
            (r = read_set(caps, CAP_INHERITABLE, last, &inh)) < 0)
                return jaula_err_errno(err, r, "caps: cannot read the capability sets");
        /* Ambient is read where it can be set at all: the kernel keeps it
         * a subset of permitted and inheritable (it clears what leaves
         * either), both checked below to be exactly keep. */
        for (int c = 0; c <= last; c++) {
                int b = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
                int a = 0;

                if (b >= 0 && (prm & inh & (UINT64_C(1) << c)))
                        a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
                if (b < 0 || a < 0)
                        return jaula_err_errno(err, neg_errno(), "caps: cannot read capability %d", c);
                bnd |= (uint64_t) !!b << c;
                amb |= (uint64_t) !!a << c;
        }

        if (eff & ~keep)
                return jaula_err_set(err, -EPERM, "caps: effective set is %#llx after the drop",
                                     (unsigned long long) eff);
        if (prm != keep || inh != keep || amb != keep || bnd != keep)
                return jaula_err_set(err, -EPERM,
                                     "caps: after the drop permitted %#llx, inheritable %#llx, "
                                     "ambient %#llx, bounding %#llx; expected %#llx",
                                     (unsigned long long) prm, (unsigned long long) inh,
                                     (unsigned long long) amb, (unsigned long long) bnd,
                                     (unsigned long long) keep);
        if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0)
                return jaula_err_set(err, -EPERM, "caps: keep-caps is still set");
        return 0;
}
