/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-types.h — the validated policy: plain structs, no functions.
 * Private to libjaula (and its unit tests).
 *
 * Inside the library the policy is a stack of layers, each including only
 * the headers of the layers below it (no cycle):
 *
 *   policy.c           jaula_policy_parse/_load: read and check the files,
 *                      ask the cache, else run the parser        (top)
 *     policy_cache.c   the binary copy of a validated policy    policy-cache.h
 *     the parser                                                policy-parse.h
 *       policy_validate.c  each section of one file (first pass)
 *       policy_resolve.c   the whole policy (second pass)
 *       policy_schema.c    the keys, the typed readers, the context
 *   policy_safety.c    what a policy may not give away          policy-safety.h
 *   policy_syntax.c    the token pass before libconfig          policy-syntax.h
 *   policy_data.c      arena, diagnostics, lookup, free         policy-data.h
 *   policy-types.h     these structs                             (bottom)
 *
 * The cache serialises these structs and rebuilds them with the data
 * layer; it never calls the parser, and the parser never calls the cache.
 * match.c (resolving a login) and hostcheck.c read a loaded policy: they
 * sit beside policy.c and use the layers below it.
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
        uint32_t pool_first, pool_last; /* 0, 0: the whole subnet */
        uint32_t vxlan_vni;             /* 0: no VXLAN */
        const char **vxlan_peers;
        size_t n_vxlan_peers;
        uint32_t vxlan_group, vxlan_local;
        const char *vxlan_dev;
        unsigned vxlan_port;
        const char *file;
        int line;
        int seq;
        int pool_line, vxlan_line; /* validation only: not kept in the cache */
};

struct pol_mount {
        const char *source; /* template */
        const char *target;
        bool writable;
        bool optional;
        int line; /* validation only: not kept in the cache */
};

/* Where a `limits` block and each of its keys were set (0: not set), in
 * the order of pol_limit_keys.  Validation only: check-config points at
 * a limit this host cannot apply. */
enum { POL_LIMIT_BLOCK, POL_LIMIT_MEMORY, POL_LIMIT_SWAP, POL_LIMIT_CPU, POL_LIMIT_CPU_WEIGHT,
       POL_LIMIT_PIDS, POL_LIMIT_IO_WEIGHT, POL_LIMIT_N_LINES };

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
        const char **devices; /* `devices` patterns */
        size_t n_devices;
        int *device_lines; /* validation only: where each was written (NULL from the cache) */
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
        int limit_lines[POL_LIMIT_N_LINES];
};

struct pol_group {
        const char *name;
        struct jaula_limits limits;
        const char *file;
        int line;
        int seq;
        int limit_lines[POL_LIMIT_N_LINES]; /* validation only */
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
        int cgroup_root_line;    /* validation only; 0: not set */

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
