/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* matchtab.h — the match table: the policy's ordered match rules alone,
 * precompiled next to the policy cache, so that the thin pam_jaula.so can
 * tell "not jailed" with libc only (pam_module/pam_jaula_thin.c).
 * Private to jaula.
 *
 * The writer (matchtab.c) is part of libjaula and runs where a validated
 * policy was just loaded; the reader and the matcher (matchtab_read.c)
 * need nothing but libc (and cachefile.c, libc only too), so the thin
 * module links them alone.
 *
 * File layout, native byte order (the table never leaves the host):
 *   "JAULAMT1"  str build-stamp  str policy-path
 *   u32 n_ids, then per source: str name, u32 present, u64 dev ino size,
 *       i64 mtime_s mtime_ns ctime_s ctime_ns, u32 mode uid
 *   u32 n_rules, then per rule: str name, u32 flags,
 *       u32 n_users + str…, u32 n_uids + (u32 lo, u32 hi)…, u32 n_groups + str…
 *   "END\0"
 * A str is u32 length, the bytes, NUL.  The sources are those of the
 * policy cache: [0] the main file, [1] the drop-in directory, then its
 * drop-ins by name. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cachefile.h"

#define JAULA_MATCHTAB_MAGIC "JAULAMT1"
#define JAULA_MATCHTAB_MAX (4 * 1024 * 1024)
/* Bounds the reader enforces; the writer writes no table past them. */
#define JAULA_MATCHTAB_MAX_IDS 4096
#define JAULA_MATCHTAB_MAX_RULES 65536
#define JAULA_MATCHTAB_MAX_ITEMS 65536 /* users, uid ranges or groups of one rule */

enum {
        JAULA_MATCHTAB_EXEMPT = 1u << 0,
        JAULA_MATCHTAB_ANY_USER = 1u << 1,
};

/* The table's file in the cache directory: the cache's name for PATH with
 * ".match" for ".cache". */
void jaula_matchtab_name(const char *path, char *buf, size_t size);

/* One source's name and recorded identity. */
struct jaula_matchtab_id {
        const char *name;
        struct jaula_file_id id;
};

struct jaula_matchtab_rule {
        const char *name;
        uint32_t flags;
        const char **users;
        size_t n_users;
        uint32_t (*uids)[2]; /* inclusive ranges */
        size_t n_uids;
        const char **groups;
        size_t n_groups;
};

/* A parsed table; its strings point into the buffer it was parsed from. */
struct jaula_matchtab {
        const char *stamp, *path;
        struct jaula_matchtab_id *ids;
        size_t n_ids;
        struct jaula_matchtab_rule *rules;
        size_t n_rules;
};

/* Parse BUF (LEN bytes): 0, or -EBADMSG for anything malformed, out of
 * bounds or trailing; -ENOMEM.  Free with jaula_matchtab_clear. */
int jaula_matchtab_parse(const char *buf, size_t len, struct jaula_matchtab *ret);
void jaula_matchtab_clear(struct jaula_matchtab *t);

/* 0 when every source recorded in T still has the recorded identity
 * (the policy cache's rule: device, inode, size, times, mode, owner);
 * -ESTALE otherwise. */
int jaula_matchtab_fresh(const struct jaula_matchtab *t);

/* Read the table for policy PATH from the cache directory DIR: the
 * directory and the file must be root's and closed to others (opened
 * without following symlinks), the table well-formed, of this build
 * (STAMP) and for PATH, and fresh.  0 and *ret (clear it, then free
 * *ret_buf); -ESTALE, -ENOENT or another -errno otherwise. */
int jaula_matchtab_load(const char *dir, const char *path, const char *stamp,
                        struct jaula_matchtab *ret, char **ret_buf);

/* The user's group names, asked for only when a rule naming groups is
 * reached undecided: 0 and a list that stays valid until the decision
 * returns, or -errno. */
typedef int (*jaula_matchtab_groups_fn)(void *ud, const char *const **ret_names, size_t *ret_n);

enum {
        JAULA_MATCHTAB_FREE = 0, /* not jailed: no rule matches, or an exempt one first */
        JAULA_MATCHTAB_JAILED = 1, /* the first matching rule jails */
};

/* The first-match-wins decision of match.c (jaula_policy_resolve) over the
 * table's rules: JAULA_MATCHTAB_FREE with *ret_rule the exempting rule's
 * index (-1: no rule matched), JAULA_MATCHTAB_JAILED with *ret_rule the
 * jailing rule's, or the callback's -errno. */
int jaula_matchtab_decide(const struct jaula_matchtab *t, const char *name, uid_t uid,
                          jaula_matchtab_groups_fn groups, void *ud, long *ret_rule);

/* Whether the user is a member of GROUP, asked of NSS for that group by
 * name: 1, 0, or -errno when a group source failed (user.c's
 * jaula_user_in_group). */
typedef int (*jaula_matchtab_member_fn)(void *ud, const char *group);

/* jaula_matchtab_decide, and before a rule naming groups is passed over
 * because none of them is among the user's group names, member() is asked
 * about each of them: getgrouplist leaves out a source that failed, so
 * its list alone cannot tell "not a member" from "not known". */
int jaula_matchtab_decide_checked(const struct jaula_matchtab *t, const char *name, uid_t uid,
                                  jaula_matchtab_groups_fn groups,
                                  jaula_matchtab_member_fn member, void *ud, long *ret_rule);

/* Writer side (matchtab.c, in libjaula): the serialized table of policy P
 * with the sources' identities (as jaula_policy_cache_write takes them).
 * 0 and a malloc'd buffer, or -ENOMEM / -E2BIG. */
struct jaula_policy;
int jaula_matchtab_build(const struct jaula_policy *p, const char *path, const char *stamp,
                         const struct jaula_file_id *ids, const char *const *id_names,
                         size_t n_ids, char **ret_buf, size_t *ret_len);
/* Best effort: write the table into the open cache directory DFD, unless
 * a table there is already valid for the same sources. */
void jaula_matchtab_write(int dfd, const char *path, const char *stamp,
                          const struct jaula_policy *p, const struct jaula_file_id *ids,
                          const char *const *id_names, size_t n_ids);
