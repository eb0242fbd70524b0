/* confine.h — the last steps before execve in jailsh: credentials,
 * capabilities, no_new_privs, seccomp.  Needs root on entry; none after. */
#pragma once

#include <stdint.h>

#include "jaula/log.h"
#include "jaula/spec.h"

/* Build the seccomp filter for spec->seccomp without loading it (unit-
 * testable).  The caller owns *ret (seccomp_release). */
typedef void *jaula_scmp_ctx;
int jaula_seccomp_build(const struct jaula_seccomp_spec *sc, jaula_scmp_ctx *ret,
                        struct jaula_err *err);
/* The syscall names the profile denies (NULL-terminated, static strings in
 * a malloc'd array), after allow/deny adjustments; for `jaula explain`. */
int jaula_seccomp_denied(const struct jaula_seccomp_spec *sc, const char ***ret);
/* Whether libseccomp knows NAME on the native arch. */
int jaula_seccomp_known(const char *name);

/* setgroups, setresgid, setresuid to the user; verified with getres[ug]id
 * and getgroups. */
int jaula_creds_drop(const struct jaula_user *user, struct jaula_err *err);

/* Drop the bounding set except keep, clear inheritable and ambient (raise
 * kept ones into ambient so they survive exec as a non-root user). */
int jaula_caps_drop_bounding(uint64_t keep, struct jaula_err *err);
/* After jaula_creds_drop: check effective, permitted, bounding. */
int jaula_caps_verify(uint64_t keep, struct jaula_err *err);

/* The whole sequence in its required order: bounding set → credentials →
 * capability verification → PR_SET_NO_NEW_PRIVS → seccomp. */
int jaula_confine(const struct jaula_spec *spec, struct jaula_err *err);
