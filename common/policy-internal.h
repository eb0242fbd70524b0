/* policy-internal.h — the validated policy as policy.c builds it and
 * match.c / template.c read it.  Private to libjaula (and its unit tests).
 *
 * Every string lives in the policy's arena, so freeing a policy is one walk
 * over a few chunks and no error path in the parser can leak. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jaula/policy.h"
#include "jaula/spec.h"

struct jaula_arena_chunk;

struct pol_rootfs {
        const char *name;
        const char *path;
        enum jaula_rootfs_type type;
        const char *arch;
        const char *file;
        int line;
        int seq;
};

struct pol_net {
        const char *name;
        const char **bridges; /* NULL-terminated */
        size_t n_bridges;
        uint32_t subnet;
        unsigned prefix;
        uint32_t gateway;
        const char **dns;
        size_t n_dns;
        const char **search;
        size_t n_search;
        enum jaula_addr_mode mode;
        bool isolate;
        bool nat;
        const char *uplink;
        unsigned mtu;
        const char *file;
        int line;
        int seq;
};

struct pol_mount {
        const char *source; /* template */
        const char *target;
        bool writable;
        bool optional;
        int line; /* validation only: not kept in the cache */
};

struct pol_env {
        const char *name;
        const char *value;
};

struct pol_profile {
        const char *name;
        const char *rootfs_name;
        const struct pol_rootfs *rootfs; /* set by the cross-reference pass */
        enum jaula_scope scope;
        enum jaula_lifetime lifetime;
        unsigned linger;
        const char *hostname; /* template */
        unsigned long ns_flags;
        enum jaula_writable writable;
        const char *persistent_path; /* template, or NULL: <persistent_dir>/<profile>/%u */
        const char *home;            /* template, default "%h" */
        uint64_t tmp_size; /* 0: default, JAULA_SIZE_UNBOUNDED: "max" */
        uint64_t shm_size;
        uint64_t writable_size;
        uint64_t persistent_size; /* 0: a plain directory */
        unsigned max_jails_per_user, max_sessions_per_user;
        unsigned pty_max;
        struct pol_mount *mounts;
        size_t n_mounts;
        const char *network_name; /* NULL: no network */
        const struct pol_net *net;
        struct jaula_limits limits;
        const char *seccomp_profile;
        const char **sc_allow;
        size_t n_sc_allow;
        const char **sc_deny;
        size_t n_sc_deny;
        uint64_t caps_keep;
        struct pol_env *env;
        size_t n_env;
        const char *shell; /* NULL: global default_shell */
        bool dev_log;
        unsigned unsafe; /* POL_UNSAFE_* the administrator accepted */
        const char *file;
        int line;
        int seq;
        int rootfs_line, network_line;
        int caps_line; /* of `capabilities`; 0 in a policy read from the cache */
        /* Where the keys the safety pass judges were set (0: not set).
         * Validation only: a cached policy has been judged already. */
        int ns_line, home_line, seccomp_line, sc_allow_line, shell_line, unsafe_line;
};

struct pol_group {
        const char *name;
        struct jaula_limits limits;
        const char *file;
        int line;
        int seq;
};

struct pol_uid_range {
        uid_t lo, hi;
};

struct pol_rule {
        const char *name; /* after loading never NULL: an unnamed rule is "match[N]" */
        bool generated_name;
        const char **users;
        size_t n_users;
        bool any_user; /* users contains "*" */
        const char **groups;
        size_t n_groups;
        struct pol_uid_range *uids;
        size_t n_uids;
        bool exempt;
        const char *profile_name;
        const struct pol_profile *profile;
        const char *group_name; /* NULL: the profile's name */
        const struct pol_group *group;
        const char *file;
        int line;
        int local_idx; /* index within its own file's match list */
        int name_line, profile_line, group_line;
};

/* A growable array of fixed-size items inside the arena-less heap; the
 * policy keeps the final arrays. */
struct pol_vec {
        void *v;
        size_t n, cap;
};

struct jaula_policy {
        struct jaula_arena_chunk *arena;
        bool from_cache; /* read from the binary cache, not parsed */

        const char *file; /* main file name as given */

        /* global */
        const char *state_dir;
        const char *cgroup_root;
        const char *cgroup_path;
        const char *persistent_dir;
        const char *default_shell;
        const char *include_dir; /* NULL: conf.d beside the main file */
        int default_shell_line;  /* validation only */

        struct pol_vec rootfs;   /* struct pol_rootfs */
        struct pol_vec nets;     /* struct pol_net */
        struct pol_vec profiles; /* struct pol_profile */
        struct pol_vec groups;   /* struct pol_group */
        struct pol_vec rules;    /* struct pol_rule */
};

#define POL_AT(vec, type, i) (&((type *) (vec).v)[i])

/* Risks a profile may accept by naming them in its `unsafe` list
 * (policy_safety.c judges them; jaula.conf(5) says what each gives away). */
enum {
        POL_UNSAFE_SECCOMP_NONE = 1u << 0,    /* "seccomp-none" */
        POL_UNSAFE_SECCOMP_KERNEL = 1u << 1,  /* "seccomp-kernel-surface" */
        POL_UNSAFE_HOST_NETWORK = 1u << 2,    /* "host-network" */
        POL_UNSAFE_RW_HOST_MOUNT = 1u << 3,   /* "rw-host-mount" */
};

/* Bit of the risk called NAME, or 0 for an unknown name; the names in
 * order for messages. */
unsigned jaula_policy_unsafe_bit(const char *name);
extern const char *const jaula_policy_unsafe_names[];

/* Add one diagnostic (policy.c); -ENOMEM when it could not be stored. */
int jaula_diags_push(struct jaula_diags *d, bool warning, const char *file, int line,
                     const char *msg);

/* The safety pass (policy_safety.c), run once the whole policy is in and
 * its references resolved: refuses what would give a jailed user the host
 * and, for the risks a profile accepted in `unsafe`, reports a warning.
 * REPORT is called once per finding. */
typedef void (*jaula_policy_report_fn)(void *ctx, bool warning, const char *file, int line,
                                       const char *msg);
void jaula_policy_judge(const struct jaula_policy *p, jaula_policy_report_fn report, void *ctx);

/* At resolve time (match.c), once templates are expanded: false when the
 * user's home (INSIDE the jail, bound from HOST) or a writable mount
 * SOURCE is acceptable, else true with the reason in why.  A literal
 * source was judged whole at load, so only the outright refusals are
 * checked again; one FROM_TEMPLATE was not, and what `unsafe` could
 * accept (e.g. "/%u" becoming /home) is refused too: an administrator who
 * wants that writes it literally. */
bool jaula_policy_home_refused(const struct jaula_policy *p, const char *inside, const char *host,
                               char *why, size_t why_size);
bool jaula_policy_rw_source_refused(const struct jaula_policy *p, const char *source,
                                    bool from_template, char *why, size_t why_size);

/* jaula_policy_parse with JAULA_POLICY_* flags (JAULA_POLICY_WARNINGS). */
int jaula_policy_parse_ex(const char *text, const char *name, unsigned flags,
                          struct jaula_policy **ret, struct jaula_diags *diags);

/* arena (policy.c) */
void *jaula_arena_alloc(struct jaula_policy *p, size_t size); /* zeroed */
void *jaula_arena_alloc_raw(struct jaula_policy *p, size_t size);
char *jaula_arena_strdup(struct jaula_policy *p, const char *s);

/* Look a named item up (policy.c); NULL when absent. */
const struct pol_rootfs *jaula_policy_find_rootfs(const struct jaula_policy *p, const char *name);
const struct pol_net *jaula_policy_find_net(const struct jaula_policy *p, const char *name);
const struct pol_profile *jaula_policy_find_profile(const struct jaula_policy *p, const char *name);
const struct pol_group *jaula_policy_find_group(const struct jaula_policy *p, const char *name);

/* The token structure of libconfig's grammar (policy_syntax.c): 0, or
 * -EINVAL with the line and a message ("syntax error: …", or an integer
 * libconfig would misread) for the first error. */
int jaula_policy_syntax_check(const char *text, int *ret_line, char *msg, size_t msg_size,
                              char **ret_compact);
/* (ret_compact, when not NULL, receives a malloc'd copy of the text with
 * comments and blank runs squeezed out and every newline kept, which
 * libconfig parses about twice as fast with the same line numbers.) */

/* The identity of one source file or directory (policy_cache.c): what must
 * be unchanged for a cached policy to be used. */
struct jaula_file_id {
        uint32_t present; /* 0: the drop-in directory did not exist */
        uint64_t dev, ino, size;
        int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
        uint32_t mode, uid;
};

struct stat;
void jaula_file_id_set(struct jaula_file_id *id, const struct stat *st);

/* 0 and a policy when the cache for PATH is valid for the open main file
 * (and the drop-ins it recorded); a negative errno otherwise. */
int jaula_policy_cache_read(const char *cache_dir, const char *path, int main_fd,
                            struct jaula_policy **ret);
/* Best effort: write the cache for a policy that loaded without errors.
 * ids[0] is the main file, ids[1] the drop-in directory (named by its
 * path), the rest the drop-ins (named relative to it). */
void jaula_policy_cache_write(const char *cache_dir, const char *path,
                              const struct jaula_policy *p, const struct jaula_file_id *ids,
                              const char *const *id_names, size_t n_ids);
