/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* confine.h — the last steps before execve in jailsh: credentials,
 * capabilities, no_new_privs, seccomp.  Needs root on entry; none after. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "jaula/log.h"
#include "jaula/spec.h"

/* Build the seccomp filter for spec->seccomp without loading it (unit-
 * testable).  The caller owns *ret (jaula_seccomp_release).  Unknown
 * profile or syscall names give -EINVAL with err filled. */
typedef void *jaula_scmp_ctx;
int jaula_seccomp_build(const struct jaula_seccomp_spec *sc, jaula_scmp_ctx *ret,
                        struct jaula_err *err);
void jaula_seccomp_release(jaula_scmp_ctx ctx);
/* Load a built filter into the calling thread (needs no_new_privs or
 * CAP_SYS_ADMIN). */
int jaula_seccomp_load(jaula_scmp_ctx ctx, struct jaula_err *err);
/* A compiled filter: classic BPF, as the kernel takes it. */
struct sock_filter;
struct jaula_seccomp_prog {
        struct sock_filter *insns;
        size_t n;
};
/* The filter built from ctx as libseccomp would load it, exported. */
int jaula_seccomp_export(jaula_scmp_ctx ctx, struct jaula_seccomp_prog *ret,
                         struct jaula_err *err);
/* The compiled filter for sc: read from the cache in cache_dir (NULL:
 * JAULA_POLICY_CACHE_DIR; "": none) when a valid one for exactly this spec,
 * architecture, libseccomp and build is there, else built, exported and
 * written there.  The cache is used only with euid 0.  *ret_cached (may be
 * NULL) tells which.  Errors as jaula_seccomp_build. */
int jaula_seccomp_compile(const struct jaula_seccomp_spec *sc, const char *cache_dir,
                          struct jaula_seccomp_prog *ret, bool *ret_cached,
                          struct jaula_err *err);
/* Load a compiled filter into the calling thread (needs no_new_privs or
 * CAP_SYS_ADMIN). */
int jaula_seccomp_prog_load(const struct jaula_seccomp_prog *prog, struct jaula_err *err);
void jaula_seccomp_prog_free(struct jaula_seccomp_prog *prog);
/* Profile "none" with no extra deny: no filter is loaded at all. */
bool jaula_seccomp_is_empty(const struct jaula_seccomp_spec *sc);
/* The entries the profile denies (NULL-terminated, in a malloc'd array;
 * the strings are static or point into sc), after allow/deny adjustments;
 * for `jaula explain`.  Plain names deny a whole syscall with EPERM;
 * "clone[CLONE_NEW*]", "clone3[ENOSYS]", "ioctl[TIOCSTI]" and
 * "ioctl[TIOCLINUX]" are the conditional rules.  allow and deny entries may
 * name a syscall or one of these labels.  -EINVAL for an unknown profile
 * or name. */
int jaula_seccomp_denied(const struct jaula_seccomp_spec *sc, const char ***ret);
/* 1 when libseccomp knows NAME on the native arch (or on i386 when the
 * native arch is x86_64, for allow_x86 jails), else 0. */
int jaula_seccomp_known(const char *name);

/* setgroups, setresgid, setresuid to the user; verified with getres[ug]id
 * and getgroups, and setuid(0)/setgid(0)/setgroups must then fail.
 * Refuses uid 0 and group 0. */
int jaula_creds_drop(const struct jaula_user *user, struct jaula_err *err);

/* Capability names: "CAP_NET_RAW", "cap_net_raw" or "net_raw" → number,
 * or -EINVAL. */
int jaula_caps_from_name(const char *name);
/* "cap_a,cap_b" for a bitmask ("" for 0); caller frees. */
int jaula_caps_to_string(uint64_t mask, char **ret);
/* Highest capability number the running kernel knows. */
int jaula_caps_last(void);
/* -EPERM (err filled) when keep holds a capability that gives host root or
 * a way out of the jail (setuid, sys_admin, dac_override, …; see caps.c),
 * -EINVAL for one the kernel does not know.  For the policy checker too. */
int jaula_caps_check_keep(uint64_t keep, struct jaula_err *err);

/* Drop the bounding set except keep, clear ambient, set inheritable to
 * keep, and set keep-caps when keep is not empty.  Before jaula_creds_drop. */
int jaula_caps_drop_bounding(uint64_t keep, struct jaula_err *err);
/* After jaula_creds_drop: effective = permitted = inheritable = keep,
 * kept ones raised into ambient (so they survive execve as a non-root
 * user), keep-caps cleared. */
int jaula_caps_raise_ambient(uint64_t keep, struct jaula_err *err);
/* Check effective ⊆ keep and permitted, inheritable, ambient and bounding
 * = keep. */
int jaula_caps_verify(uint64_t keep, struct jaula_err *err);

/* The whole sequence in its required order: check keep, build the filter
 * (or take spec->seccomp.compiled) →
 * bounding set → credentials → ambient → PR_SET_DUMPABLE 0 → capability
 * verification → PR_SET_NO_NEW_PRIVS → seccomp.  On error the caller must
 * not exec (some steps may have been done). */
int jaula_confine(const struct jaula_spec *spec, struct jaula_err *err);
