/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-syntax.h — the token pass over policy text (policy_syntax.c),
 * before libconfig sees it.  Private to libjaula.  A leaf: it knows text,
 * not policies, and calls nothing of the other policy files. */
#pragma once

#include <stddef.h>

/* The token structure of libconfig's grammar (policy_syntax.c): 0, or
 * -EINVAL with the line and a message ("syntax error: …", or an integer
 * libconfig would misread) for the first error. */
int jaula_policy_syntax_check(const char *text, int *ret_line, char *msg, size_t msg_size,
                              char **ret_compact);
/* (ret_compact, when not NULL, receives a malloc'd copy of the text with
 * comments and blank runs squeezed out and every newline kept, which
 * libconfig parses about twice as fast with the same line numbers.) */
