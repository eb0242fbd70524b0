/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spec.h — the resolved jail description.
 *
 * The policy resolver (policy.c/match.c) turns (policy, user identity) into
 * one struct jaula_spec; every other facility (rootfs, net, cgroup, seccomp,
 * caps, creds, jail) reads only this struct, never the policy.  All strings
 * are owned by the spec and freed by jaula_spec_free().  Templates are
 * already expanded and checked. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum jaula_scope {
        JAULA_SCOPE_USER,    /* one jail per user, shared by all their logins */
        JAULA_SCOPE_SESSION, /* a fresh jail per login */
};

enum jaula_lifetime {
        JAULA_LIFETIME_SESSION,   /* ends with its last session (+ linger) */
        JAULA_LIFETIME_PROCESSES, /* lives while any process runs in it */
};

enum jaula_writable {
        JAULA_WRITABLE_TMPFS,      /* overlay with a tmpfs upper, gone with the jail */
        JAULA_WRITABLE_PERSISTENT, /* overlay with a per-user upper directory */
        JAULA_WRITABLE_NONE,       /* the base alone, read-only */
};

enum jaula_rootfs_type {
        JAULA_ROOTFS_DIRECTORY,
        JAULA_ROOTFS_SQUASHFS, /* image file, loop-mounted read-only */
        JAULA_ROOTFS_ISO,      /* image file (iso9660), loop-mounted read-only */
};

enum jaula_addr_mode {
        JAULA_ADDR_STABLE,  /* derived from the uid, the same on every login */
        JAULA_ADDR_DYNAMIC, /* next free lease after the last one given */
};

/* Sizes of the jail's tmpfs mounts: 0 in a spec means the built-in
 * default below, JAULA_SIZE_UNBOUNDED the kernel's own (half of RAM). */
#define JAULA_SIZE_UNBOUNDED UINT64_MAX
#define JAULA_DEFAULT_TMP_SIZE (UINT64_C(256) << 20)
#define JAULA_DEFAULT_SHM_SIZE (UINT64_C(64) << 20)
#define JAULA_DEFAULT_WRITABLE_SIZE (UINT64_C(512) << 20)
/* The smallest persistent image: ext4 needs room for its journal. */
#define JAULA_MIN_PERSISTENT_SIZE (UINT64_C(16) << 20)
/* Ptys a jail may open when its profile says nothing (pty_max). */
#define JAULA_PTY_MAX_DEFAULT 64u
/* What devpts accepts as its max option (NR_UNIX98_PTY_MAX). */
#define JAULA_PTY_MAX_LIMIT (1u << 20)

/* A limit that the policy leaves unset. */
#define JAULA_LIMIT_UNSET INT64_C(-1)

struct jaula_limits {
        int64_t memory_max;    /* bytes */
        int64_t swap_max;      /* bytes of swap on top of memory_max */
        int64_t cpu_quota_us;  /* CPU time per cpu_period_us; 150% of one CPU = 150000/100000 */
        int64_t cpu_period_us; /* set whenever cpu_quota_us is */
        int64_t cpu_weight;    /* 1..10000, cgroup v2 scale (v1 shares = weight * 1024 / 100) */
        int64_t pids_max;
        int64_t io_weight; /* 1..10000, cgroup v2 scale (v1 blkio.weight is mapped to 10..1000) */
};

/* The user being jailed, as NSS reports it (so LDAP/SSSD users work). */
struct jaula_user {
        char *name;
        uid_t uid;
        gid_t gid;
        char *group;  /* name of the primary group */
        char *home;   /* host path of the home directory */
        char *shell;  /* login shell on the host (normally jailsh) */
        char *gecos;
        gid_t *gids;  /* supplementary groups, primary included */
        char **gid_names; /* names of gids[], same order */
        size_t n_gids;
        bool nss_groups; /* gids came from getgrouplist (jaula_user_in_group) */
};

struct jaula_mount_spec {
        char *source; /* absolute host path */
        char *target; /* absolute path inside the jail */
        bool writable;
        bool optional; /* a missing source is skipped instead of failing the login */
};

struct jaula_env_var {
        char *name;
        char *value;
};

struct jaula_net_spec {
        char *name;     /* network name in the policy */
        char **bridges; /* NULL-terminated; jails spread over them, at most 1023 ports each */
        size_t n_bridges;
        uint32_t subnet;  /* network address, host byte order */
        unsigned prefix;  /* 8..30 */
        uint32_t gateway; /* host byte order; lives on every bridge of the network */
        char **dns;       /* NULL-terminated list of nameserver addresses (text) */
        size_t n_dns;
        char **search;    /* NULL-terminated DNS search domains */
        enum jaula_addr_mode mode;
        bool isolate; /* bridge port isolation between jails of this network */
        bool nat;     /* masquerade the subnet through the host (nftables) */
        char *uplink; /* interface to enslave to the bridge, or NULL */
        unsigned mtu; /* 0: the bridge's */
        /* This host's slice of the subnet (host byte order, inclusive);
         * both 0: every host address of the subnet. */
        uint32_t pool_first, pool_last;
        /* VXLAN port of the (single) bridge: the segment spans hosts.
         * vxlan_vni 0: none. */
        uint32_t vxlan_vni;      /* 1..16777215 */
        char **vxlan_peers;      /* NULL-terminated IPv4 VTEPs (unicast), or NULL */
        size_t n_vxlan_peers;
        uint32_t vxlan_group;    /* multicast group instead of peers, or 0 */
        uint32_t vxlan_local;    /* source address, or 0: the kernel's choice */
        char *vxlan_dev;         /* underlay interface, or NULL */
        unsigned vxlan_port;     /* UDP destination port (4789) */
};

struct jaula_seccomp_prog;

struct jaula_seccomp_spec {
        char *profile;  /* "default", "strict" or "none" */
        char **allow;   /* NULL-terminated syscall names removed from the deny list */
        size_t n_allow;
        char **deny;    /* NULL-terminated extra syscall names to deny */
        size_t n_deny;
        bool allow_x86; /* rootfs arch is i386: allow the x86 ABI besides x86_64 */
        /* For jaula_confine, neither owned: the filter compiled beforehand
         * (jaula_seccomp_compile, in the host's mount namespace), else the
         * directory of compiled filters it may use (NULL: none — confine
         * runs in the jail's mount namespace, where /run is the jail's). */
        const struct jaula_seccomp_prog *compiled;
        const char *cache_dir;
};

struct jaula_spec {
        struct jaula_user user;

        /* Why this user is jailed. */
        char *policy_file;
        char *rule_name; /* match rule's name, or "match[N]" */
        int rule_index;
        char *profile_name;
        char *group_name; /* jail group: cgroup node and aggregate limits */

        /* Global settings. */
        char *state_dir;      /* root-only state registry, e.g. /run/jaula */
        char *cgroup_root;    /* "" or NULL: auto-detect the mount point(s) */
        char *cgroup_path;    /* path under each hierarchy root, e.g. "jaula" */
        char *persistent_dir; /* parent of persistent overlay uppers */

        /* Profile. */
        enum jaula_scope scope;
        enum jaula_lifetime lifetime;
        unsigned linger_sec;
        char *hostname;         /* expanded template, validated; NULL without CLONE_NEWUTS */
        unsigned long ns_flags; /* CLONE_NEW* the jail unshares */

        char *rootfs_name;
        char *rootfs_path; /* directory or image file */
        enum jaula_rootfs_type rootfs_type;
        char *rootfs_arch; /* "amd64", "i386", … */

        enum jaula_writable writable;
        char *persistent_upper; /* expanded: <persistent_dir>/<profile>/<user>, or NULL */
        uint64_t tmp_size;      /* bytes for the jail's /tmp tmpfs (see JAULA_SIZE_*) */
        uint64_t shm_size;      /* bytes for /dev/shm, and the System V shm of the jail */
        uint64_t writable_size; /* bytes for the tmpfs writable layer (tmpfs and none) */
        uint64_t persistent_size; /* bytes of the per-user image, 0: a plain directory */
        unsigned max_jails_per_user;    /* 0: no cap */
        unsigned max_sessions_per_user; /* 0: no cap */
        unsigned pty_max;       /* ptys of the jail's own devpts (the login's terminal aside) */
        char *home;             /* home path inside the jail (the user's home) */
        bool dev_log;           /* bind the host's /dev/log into the jail */

        struct jaula_mount_spec *mounts;
        size_t n_mounts;

        char **devices; /* NULL-terminated `devices` patterns ("/dev/kvm", "/dev/dri/renderD*") */
        size_t n_devices;

        struct jaula_net_spec *net; /* NULL: no network besides lo */

        struct jaula_limits limits;       /* per jail */
        struct jaula_limits group_limits; /* on the group's node, shared by its jails */

        struct jaula_seccomp_spec seccomp;
        uint64_t caps_keep; /* bit N = capability N stays in bounding and ambient */

        struct jaula_env_var *env; /* extra environment inside the jail */
        size_t n_env;
        char *shell; /* shell inside the jail */
};

void jaula_spec_free(struct jaula_spec *spec);

static inline void jaula_spec_freep(struct jaula_spec **spec)
{
        if (*spec)
                jaula_spec_free(*spec);
}
#define _cleanup_spec_ __attribute__((cleanup(jaula_spec_freep)))

void jaula_user_clear(struct jaula_user *user);
