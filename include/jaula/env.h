/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* env.h — the environment a jailed login may carry from the host side:
 * one allow-list, shared by jailsh (what it passes into the jail) and
 * pam_jaula (what it leaves in a jailed session's PAM environment, which
 * sshd hands to host processes before jailsh runs). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Longest value kept, in bytes (without the NUL). */
#define JAULA_ENV_VALUE_MAX 1024

/* A portable variable name: [A-Za-z_][A-Za-z0-9_]*, len bytes of s. */
bool jaula_env_name_ok(const char *s, size_t len);

/* The name (len bytes of s) is on the allow-list: TERM, COLORTERM, LANG,
 * LANGUAGE, TZ, LC_*, SSH_CONNECTION, SSH_CLIENT, SSH_TTY. */
bool jaula_env_allowed(const char *s, size_t len);

/* The value has no control character and at most JAULA_ENV_VALUE_MAX bytes. */
bool jaula_env_value_ok(const char *v);

/* The value cannot make a host program read a file of the user's choosing:
 * it does not start with "/" or ":/" (glibc takes an absolute path as a
 * locale or a TZ file) and has no ".." (a relative TZ or locale name that
 * climbs out of the system's directories). */
bool jaula_env_value_host_safe(const char *v);
