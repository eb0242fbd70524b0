/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy.h — loading, validating and resolving the libconfig policy.
 * Parsing works from memory so it can be unit-tested and fuzzed. */
#pragma once

#include <stddef.h>

#include "jaula/spec.h"

#ifndef JAULA_DEFAULT_CONFIG /* a test build of jailsh may point it elsewhere */
#define JAULA_DEFAULT_CONFIG "/etc/jaula/jaula.conf"
#endif

/* One configuration error: "FILE:LINE: key.path: what is wrong …", or a
 * warning (only when asked for with JAULA_POLICY_WARNINGS, or from
 * jaula_policy_check_files): a risk the policy accepted, which does not
 * stop it loading. */
struct jaula_diag {
        char *file;
        int line; /* 0 when not tied to a line */
        char *msg; /* "key.path: what is wrong and what is expected" */
        int warning;
};

struct jaula_diags {
        struct jaula_diag *v;
        size_t n;
};

void jaula_diags_free(struct jaula_diags *d);
/* "FILE:LINE: MSG" (or "FILE:LINE: warning: MSG") into buf. */
void jaula_diag_format(const struct jaula_diag *d, char *buf, size_t size);

struct jaula_policy; /* opaque */

/* Open PATH (and the drop-ins of its conf.d), checking on each open fd that
 * it is a regular file owned by root and not writable by group or others,
 * then parse and validate.  Every error goes into diags; returns 0, or
 * -EINVAL with diags filled, or another -errno. */
int jaula_policy_load(const char *path, struct jaula_policy **ret, struct jaula_diags *diags);

/* Where validated policies are cached in binary form (root only). */
#define JAULA_POLICY_CACHE_DIR "/run/jaula-policy"
/* The cache directory jaula_policy_load uses for path: JAULA_POLICY_CACHE_DIR
 * for a policy under /etc/ or an absolute path whose every directory is
 * root's and not writable by others (sticky ones excepted), else "". */
const char *jaula_policy_cache_dir_for(const char *path);

enum {
        JAULA_POLICY_NO_CACHE_READ = 1 << 0,  /* parse and validate even if a cache is valid */
        JAULA_POLICY_NO_CACHE_WRITE = 1 << 1, /* do not write the cache */
        /* Also report, as warnings, the risks profiles accepted in their
         * `unsafe` lists and a persistent layer without persistent_size
         * (for check-config; a login accepts them silently). */
        JAULA_POLICY_WARNINGS = 1 << 2,
};

/* jaula_policy_load with a cache directory ("": none; NULL: the default,
 * jaula_policy_cache_dir_for(path)) and JAULA_POLICY_* flags.
 * jaula_policy_load uses the default: a login whose installed policy
 * files have not changed since they were last validated reads the
 * validated result instead of parsing again. */
int jaula_policy_load_ex(const char *path, const char *cache_dir, unsigned flags,
                         struct jaula_policy **ret, struct jaula_diags *diags);
/* Whether p came from the cache (for tests and benchmarks). */
int jaula_policy_from_cache(const struct jaula_policy *p);

/* Parse and validate TEXT as if read from a file called NAME (no I/O, no
 * ownership checks, no drop-ins). */
int jaula_policy_parse(const char *text, const char *name, struct jaula_policy **ret,
                       struct jaula_diags *diags);

void jaula_policy_free(struct jaula_policy *p);

/* The checks that need the file system but no jail (for check-config):
 * every rootfs exists, has its declared type, and neither it, its parent
 * directories nor its top-level directories can be changed by anyone but
 * root; every profile's shell exists and is executable inside its
 * (directory) rootfs; mount sources without template variables exist
 * unless optional, and a writable one owned by someone else than root is
 * a warning.  Appends to diags; returns 0, -EINVAL when an error was
 * found, or -ENOMEM. */
int jaula_policy_check_files(const struct jaula_policy *p, struct jaula_diags *diags);

/* Look the user up through NSS (getpwnam_r, getgrouplist). */
int jaula_user_lookup_name(const char *name, struct jaula_user *ret);
int jaula_user_lookup_uid(uid_t uid, struct jaula_user *ret);
/* The same, but with these supplementary groups instead of getgrouplist's
 * (the primary group from passwd is added when missing): for a login
 * shell, whose login program already set its groups. */
int jaula_user_lookup_uid_groups(uid_t uid, const gid_t *gids, size_t n_gids,
                                 struct jaula_user *ret);
/* Whether GROUP, asked of NSS by name, has u as a member (its gid among
 * u's groups, or u's name among its members): 1, 0 (also when no such
 * group exists), or -errno when a group source failed.  For users whose
 * groups came from getgrouplist, which leaves a failed source out. */
int jaula_user_in_group(const struct jaula_user *u, const char *group);

/* Resolve: a pure function of (policy, user).  Returns 1 and a spec when
 * the user is jailed; 0 and *ret = NULL when no rule matches or the first
 * matching rule is `exempt` (then *ret_rule, if given, names the rule or
 * is NULL); -errno with err filled when the policy cannot jail this user
 * (e.g. a name that would inject '/' into a path template). */
struct jaula_err;
int jaula_policy_resolve(const struct jaula_policy *p, const struct jaula_user *user,
                         struct jaula_spec **ret, const char **ret_rule, struct jaula_err *err);

/* Templates (hostname, persistent path, home, mount sources):
 *   %u user name   %U uid   %g primary group name   %h home directory
 *   %p profile name   %% a literal '%'
 * A path template must expand to an absolute path; a hostname template to
 * 1..63 bytes of [A-Za-z0-9-] (and may not use %h). */
enum jaula_template_kind {
        JAULA_TEMPLATE_PATH,
        JAULA_TEMPLATE_HOSTNAME,
};

/* Load-time check of TMPL: unknown variables, a trailing '%', literal text
 * that can never give a valid result.  Returns 0, or -EINVAL with a
 * sentence in why ("unknown template variable '%x'; …"). */
int jaula_template_check(const char *tmpl, enum jaula_template_kind kind, char *why,
                         size_t why_size);

/* Expand TMPL for user (profile: the value of %p).  Refuses, with -EINVAL
 * and err filled, a value that would put '/', "..", or a control character
 * into a path component, or make an invalid hostname. */
int jaula_template_expand(const char *tmpl, enum jaula_template_kind kind,
                          const struct jaula_user *user, const char *profile, char **ret,
                          struct jaula_err *err);

/* Where match rule INDEX (spec->rule_index) is defined, for messages and
 * `jaula explain`.  Returns 0, or -ENOENT for an index out of range. */
int jaula_policy_rule_source(const struct jaula_policy *p, int index, const char **ret_file,
                             int *ret_line);
/* Number of match rules and profiles (for statistics and benchmarks). */
size_t jaula_policy_n_rules(const struct jaula_policy *p);
size_t jaula_policy_n_profiles(const struct jaula_policy *p);
/* global.state_dir (its default when the policy sets none); for the CLI. */
const char *jaula_policy_state_dir(const struct jaula_policy *p);
/* global.cgroup_root and global.cgroup_path (their defaults when unset);
 * for `jaula gc`. */
const char *jaula_policy_cgroup_root(const struct jaula_policy *p);
const char *jaula_policy_cgroup_path(const struct jaula_policy *p);
/* Index of the match rule called NAME (as jaula_policy_resolve reports it
 * in ret_rule), or -ENOENT. */
int jaula_policy_rule_index(const struct jaula_policy *p, const char *name);
