/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-parse.h — the parser: text in, the structs of policy-types.h
 * out.  Private to libjaula (and its unit tests).
 *
 * Its files, in the order a policy goes through them:
 *   policy_schema.c    the keys of each section, the typed readers, the
 *                      parser's context and diagnostics
 *   policy_validate.c  each section of one file (first pass)
 *   policy_resolve.c   the whole policy: duplicates, references, defaults,
 *                      then the safety pass (second pass)
 * Below the parser: the data layer (policy-data.h), the syntax pass
 * (policy-syntax.h), the safety pass (policy-safety.h).  Above it:
 * policy.c, which also asks the cache; the parser never calls the cache.
 * The names here start with pol_ and are hidden from the library's users
 * by -fvisibility=hidden. */
#pragma once

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jaula/policy.h"
#include "jaula/util.h"
#include "policy-types.h"

/* jaula_policy_parse with JAULA_POLICY_* flags (JAULA_POLICY_WARNINGS). */
int jaula_policy_parse_ex(const char *text, const char *name, unsigned flags,
                          struct jaula_policy **ret, struct jaula_diags *diags);

/* The state of one parse: the policy being built and where its
 * diagnostics go. */
struct ctx {
        struct jaula_policy *p;
        struct jaula_diags *d;
        const char *file; /* arena copy of the current file's name */
        bool main;        /* the main file: the only one allowed `global` */
        int seq;          /* order of definition, for duplicate reports */
        bool oom;
        bool warnings; /* JAULA_POLICY_WARNINGS: keep the safety pass's warnings */
        uint64_t caps_checked; /* capabilities already judged by caps.c */
        int caps_verdict[64];
};

/* ---- policy_schema.c: the context ---- */

/* One error for FILE:LINE (c->oom when it could not be stored). */
void pol_diag_add(struct ctx *c, const char *file, int line, const char *fmt, ...)
        _printf_(4, 5);
/* An error at the line of setting S of the current file. */
#define DIAG(c, s, ...) pol_diag_add((c), (c)->file, pol_line_of(s), __VA_ARGS__)
/* parent + "." + the formatted suffix, cut to size. */
void pol_subpath(char *buf, size_t size, const char *parent, const char *fmt, ...)
        _printf_(4, 5);
int pol_line_of(const config_setting_t *s);
/* Arena allocations and vector growth that set c->oom on failure. */
void *pol_ctx_alloc(struct ctx *c, size_t size);
const char *pol_ctx_strdup(struct ctx *c, const char *s);
void *pol_vec_push(struct ctx *c, struct pol_vec *v, size_t item);

/* ---- policy_schema.c: the schema ---- */

/* The keys each section may have (NULL-terminated). */
extern const char *const pol_top_keys[];
extern const char *const pol_global_keys[];
extern const char *const pol_rootfs_keys[];
extern const char *const pol_net_keys[];
extern const char *const pol_vxlan_keys[];
extern const char *const pol_profile_keys[];
extern const char *const pol_limit_keys[];
extern const char *const pol_mount_keys[];
extern const char *const pol_seccomp_keys[];
extern const char *const pol_group_keys[];
extern const char *const pol_rule_keys[];

void pol_list_choices(const char *const *choices, char *buf, size_t size);
void pol_check_keys(struct ctx *c, const config_setting_t *grp, const char *path,
                    const char *const *keys);
const char *pol_type_name(const config_setting_t *s);
bool pol_has_control(const char *s);
/* Names of rootfs, networks, profiles, groups: they become directory names
 * (cgroup nodes, persistent uppers, state), so only a safe alphabet. */
bool pol_check_item_name(struct ctx *c, const config_setting_t *s, const char *section,
                         const char *name);
/* Returns the member, or NULL when absent.  A plain scan: libconfig's own
 * lookup parses KEY as a path first, which showed in profiles. */
const config_setting_t *pol_member(const config_setting_t *grp, const char *key);
bool pol_want_group(struct ctx *c, const config_setting_t *s, const char *path);
/* 1: set, 0: absent, -1: wrong (reported). */
int pol_get_string(struct ctx *c, const config_setting_t *grp, const char *path,
                   const char *key, const char **ret);
int pol_get_bool(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                 bool *ret);
int pol_get_int(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                long long lo, long long hi, long long *ret);
/* An array or list of strings into a NULL-terminated arena vector. */
int pol_get_strv(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                 const char ***ret, size_t *ret_n, const config_setting_t **ret_s);
/* One of a fixed set of words. */
int pol_get_enum(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                 const char *const *words, int *ret);
bool pol_path_is_clean(const char *s);
/* An absolute path without "." or ".." components. */
int pol_get_abs_path(struct ctx *c, const config_setting_t *grp, const char *path,
                     const char *key, const char **ret);
int pol_get_template(struct ctx *c, const config_setting_t *grp, const char *path,
                     const char *key, enum jaula_template_kind kind, const char **ret);
/* A size as a string ("512M") or an integer number of bytes.  With
 * allow_max, "max" means no limit (JAULA_LIMIT_UNSET). */
int pol_get_size(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                 bool allow_max, int64_t *ret);
/* The size of one of the jail's tmpfs mounts: 0 when unset (the built-in
 * default applies), JAULA_SIZE_UNBOUNDED for "max". */
uint64_t pol_get_tmpfs_size(struct ctx *c, const config_setting_t *grp, const char *path,
                            const char *key);

/* ---- policy_validate.c: the first pass ---- */

/* Each section of one file's text, into c->p. */
void pol_parse_text(struct ctx *c, const char *text);
void pol_format_ipv4(uint32_t a, char *buf, size_t size);
uint32_t pol_prefix_mask(unsigned prefix);

/* ---- policy_resolve.c: the second pass ---- */

/* Once every file is in: duplicates, references, defaults, safety. */
void pol_finalize(struct ctx *c);
