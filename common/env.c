/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* env.c — the environment allow-list of jailed logins (include/jaula/env.h).
 * Pure string checks; no privilege. */
#include <string.h>

#include "jaula/env.h"
#include "jaula/util.h"

static bool is_alpha_(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool jaula_env_name_ok(const char *s, size_t len)
{
        if (len == 0 || !is_alpha_(s[0]))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!is_alpha_(s[i]) && !(s[i] >= '0' && s[i] <= '9'))
                        return false;
        return true;
}

/* Terminal and locale, and where the SSH connection came from: what a
 * shell in the jail needs from the login and nothing a host program would
 * take as code or a search path (PATH, LD_*, BASH_ENV, ENV, IFS…).
 * SSH_AUTH_SOCK is left out: it names a socket in the host's /tmp, which
 * the jail cannot see. */
bool jaula_env_allowed(const char *s, size_t len)
{
        static const char *const keep[] = {"TERM", "COLORTERM",      "LANG",       "LANGUAGE",
                                           "TZ",   "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"};

        for (size_t i = 0; i < ELEMENTSOF(keep); i++)
                if (strlen(keep[i]) == len && !strncmp(s, keep[i], len))
                        return true;
        return len > 3 && !strncmp(s, "LC_", 3) && jaula_env_name_ok(s, len);
}

bool jaula_env_value_ok(const char *v)
{
        size_t n = 0;

        for (; *v; v++, n++)
                if ((unsigned char) *v < 0x20 || *v == 0x7f || n >= JAULA_ENV_VALUE_MAX)
                        return false;
        return true;
}

bool jaula_env_value_host_safe(const char *v)
{
        const char *p = v[0] == ':' ? v + 1 : v;

        return p[0] != '/' && !strstr(v, "..");
}
