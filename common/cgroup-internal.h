/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup-internal.h — what cgroup.c shares with its v1 and v2 backends and
 * with tests/unit/test_cgroup.c.  Not installed, not exported: the names
 * carry the jaula_cg_ prefix but no JAULA_EXPORT, so -fvisibility=hidden
 * keeps them out of every shared object.
 *
 * The split: turning limits into (file, value) writes, parsing mountinfo and
 * comparing values read back are pure functions, unit tested without root;
 * everything that touches cgroupfs goes through the file helpers below. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jaula/cgroup.h"

/* What jaula uses a hierarchy for.  On v1 each is (part of) a mounted
 * hierarchy; on v2 MEMORY, CPU, PIDS and IO are controllers enabled through
 * cgroup.subtree_control, CPUACCT and FREEZER are built into the core
 * (cpu.stat, cgroup.freeze). */
enum jaula_cg_ctrl {
        JAULA_CG_MEMORY,
        JAULA_CG_CPU,
        JAULA_CG_CPUACCT,
        JAULA_CG_PIDS,
        JAULA_CG_IO,
        JAULA_CG_FREEZER,
        JAULA_CG_DEVICES, /* v1 only: v2 has a BPF program instead (devices.c) */
        JAULA_CG_N_CTRL,
};
#define JAULA_CG_BIT(c) (1u << (c))

/* One mounted hierarchy (v2: the only one). */
struct jaula_cg_hier {
        char mount[256]; /* absolute path of the hierarchy root jaula works under */
        unsigned ctrls;  /* JAULA_CG_BIT()s it carries */
};

struct jaula_cg_layout {
        enum jaula_cgroup_mode mode;
        struct jaula_cg_hier hier[JAULA_CG_N_CTRL];
        size_t n_hier;
};

/* How a value is written and read back. */
enum jaula_cg_kind {
        JAULA_CG_KIND_NUM,     /* integer, -1 spelt "max" (v2) */
        JAULA_CG_KIND_NUM_V1,  /* integer, -1 spelt "-1" (v1) */
        JAULA_CG_KIND_BYTES,   /* like NUM, the kernel rounds down to a page */
        JAULA_CG_KIND_BYTES_V1,
        JAULA_CG_KIND_CPU_MAX, /* v2 cpu.max: "QUOTA|max PERIOD" */
        JAULA_CG_KIND_WEIGHT,  /* v2 io.weight / io.bfq.weight: "default N" */
};

/* A write that a missing file must not turn into an error. */
enum {
        JAULA_CG_W_SWAP = 1u << 0,      /* missing: swap accounting is off */
        JAULA_CG_W_IO = 1u << 1,        /* missing: no proportional io scheduler */
        JAULA_CG_W_PAIR_NEXT = 1u << 2, /* EINVAL: write the next entry first, then retry */
        JAULA_CG_W_RESET = 1u << 3,     /* restores a default: quietly skip a missing file */
};

struct jaula_cg_write {
        enum jaula_cg_ctrl ctrl;
        const char *file;
        enum jaula_cg_kind kind;
        int64_t value;
        int64_t value2; /* cpu.max: the period */
        const char *alt_file; /* tried when file is missing (io weight: bfq) */
        enum jaula_cg_kind alt_kind;
        int64_t alt_value;
        unsigned flags;
};

/* Append w to the n writes at out (the caller sized out for them). */
static inline void jaula_cg_add(struct jaula_cg_write *out, size_t *n, struct jaula_cg_write w)
{
        out[(*n)++] = w;
}

#define JAULA_CG_MAX_WRITES 12

/* The limits of one level.  parent: the group's limits when mapping a jail
 * (v1 refuses a child CPU quota above its parent's), NULL for the group.
 * reset: also write the defaults of unset limits (a reused group node must
 * follow a policy that dropped a limit). */
struct jaula_cg_ops {
        const char *name;
        enum jaula_cgroup_mode mode;
        int (*map_limits)(const struct jaula_limits *l, const struct jaula_limits *parent,
                          bool reset, struct jaula_cg_write *out, size_t *n,
                          struct jaula_err *err);
        /* v2: enable ctrls in dirfd's cgroup.subtree_control; v1: NULL. */
        int (*enable)(int dirfd, unsigned ctrls);
        /* Kill every process in the node (and below) without waiting. */
        int (*kill)(int dirfds[], size_t n, const struct jaula_cg_layout *lay);
        /* 1: no process left in the node; 0: some; <0: error. */
        int (*is_empty)(int dirfd);
        int (*usage)(int dirfds[], const struct jaula_cg_layout *lay,
                     struct jaula_cgroup_usage *ret);
};

extern const struct jaula_cg_ops jaula_cg_v1_ops;
extern const struct jaula_cg_ops jaula_cg_v2_ops;

/* Pure mappings (tests/unit/test_cgroup.c). */
int64_t jaula_cg_weight_to_shares(int64_t weight);
int64_t jaula_cg_weight_to_blkio(int64_t weight);
int64_t jaula_cg_weight_to_bfq(int64_t weight);
int64_t jaula_cg_v1_clamp_quota(int64_t quota, int64_t period, int64_t parent_quota,
                                int64_t parent_period);
int jaula_cg_validate_limits(const struct jaula_limits *l, struct jaula_err *err);
/* Text the kernel expects for w (alt: its alternative file). */
int jaula_cg_format(const struct jaula_cg_write *w, bool alt, char *buf, size_t size);
/* Does text read back from w's file already hold w's value? */
bool jaula_cg_matches(const struct jaula_cg_write *w, bool alt, const char *text, long page_size);
/* Controllers needed by a spec's two levels (JAULA_CG_BIT set). */
unsigned jaula_cg_needed(const struct jaula_cg_layout *lay, const struct jaula_limits *jail,
                         const struct jaula_limits *group);

/* Detection.  From mountinfo text (cgroup_root NULL/""), or from a
 * directory tree (cgroup_root given): a v2 root holds cgroup.controllers;
 * a v1 root holds one directory per hierarchy named after its controllers
 * ("memory", "cpu,cpuacct"), each with cgroup.procs. */
int jaula_cg_parse_mountinfo(FILE *f, struct jaula_cg_layout *ret);
int jaula_cg_probe_root(const char *root, struct jaula_cg_layout *ret);
int jaula_cg_layout_get(const char *cgroup_root, struct jaula_cg_layout *ret);

/* No swap device or file is active (/proc/swaps has its header only):
 * a swap limit of 0 then holds without swap accounting. */
bool jaula_cg_swap_off(void);

/* Small cgroupfs file helpers shared by the backends. */
int jaula_cg_read(int dirfd, const char *file, char *buf, size_t size);
int jaula_cg_write_str(int dirfd, const char *file, const char *text);
int jaula_cg_read_i64(int dirfd, const char *file, const char *key, int64_t *ret);
/* Read a list of pids (cgroup.procs); *ret malloc'ed. */
int jaula_cg_read_pids(int dirfd, pid_t **ret, size_t *n);
/* Signal pids in dirfd's cgroup.procs race-free: pidfds first, then only
 * those still listed.  Returns how many were signalled. */
int jaula_cg_kill_listed(int dirfd, int sig);

/* ---- the systemd backend (cgroup_systemd.c; docs/design.md, "Jails on a
 * systemd host") ---------------------------------------------------------- */

#define JAULA_CG_SD_ROOT "/sys/fs/cgroup"
#define JAULA_CG_SD_INFINITY UINT64_MAX /* "infinity" or "default" for a property */
#define JAULA_CG_SD_NAME_MAX 256

/* Unit names and their cgroup directories (relative to JAULA_CG_SD_ROOT)
 * for cgroup_path "jaula", group "students", jail "u1001". */
struct jaula_cg_sd_names {
        char prefix[JAULA_CG_SD_NAME_MAX];  /* "jaula": components escaped, joined with '-' */
        char top[JAULA_CG_SD_NAME_MAX];     /* "jaula.slice" */
        char group[JAULA_CG_SD_NAME_MAX];   /* "jaula-students.slice" */
        char scope[JAULA_CG_SD_NAME_MAX];   /* "jaula-u1001.scope" */
        char machine[JAULA_CG_SD_NAME_MAX]; /* "jaula-u1001" */
        char top_rel[1024];                 /* "jaula.slice" */
        char group_rel[1280];               /* "jaula.slice/jaula-students.slice" */
        char scope_rel[1536];               /* group_rel + "/jaula-u1001.scope" */
};

/* systemd's unit-name escaping: [A-Za-z0-9:_.] kept (a leading '.'
 * escaped), everything else "\xHH"; keep_dash keeps '-' too (inside a
 * scope name, where it means nothing).  Returns the length or -errno. */
int jaula_cg_sd_escape(const char *s, bool keep_dash, char *buf, size_t size);
/* group and jail_id may be NULL: only prefix, top and top_rel are filled. */
int jaula_cg_sd_names(const char *cgroup_path, const char *group, const char *jail_id,
                      struct jaula_cg_sd_names *ret);
/* The jail id in a scope's name ("jaula-u1001.scope" → "u1001"), or -EINVAL
 * when the name is not one of a jail under prefix. */
int jaula_cg_sd_scope_id(const char *prefix, const char *scope, char *buf, size_t size);

/* One unit property as it goes on the bus. */
struct jaula_cg_sd_prop {
        const char *name;
        char type; /* 's', 'b', 't', 'p' (PIDs: an "au" of one) or 'a' (an empty "as") */
        const char *s;
        uint64_t u;
};
#define JAULA_CG_SD_MAX_PROPS 20

/* Limits as unit properties.  reset: also the unset ones, as infinity or
 * default (a slice must follow a policy that dropped a limit); TasksMax is
 * always there, infinity when unset, so systemd's DefaultTasksMax never
 * caps a jail silently.  Returns the number of properties. */
size_t jaula_cg_sd_limit_props(const struct jaula_limits *l, bool reset,
                               struct jaula_cg_sd_prop *out);
/* The transient scope of a jail: description, slice, Delegate, the one pid,
 * collection, stop timeout, no SIGHUP, then the jail's limits. */
size_t jaula_cg_sd_scope_props(const struct jaula_limits *l, const char *description,
                               const char *slice, pid_t pid, struct jaula_cg_sd_prop *out);

/* D-Bus calls, libsystemd loaded on first use.  -ENOSYS without it. */
int jaula_cg_sd_start_scope(const char *scope, const struct jaula_cg_sd_prop *p, size_t n,
                            uint64_t timeout_usec, struct jaula_err *err);
int jaula_cg_sd_set_properties(const char *unit, const struct jaula_cg_sd_prop *p, size_t n,
                               struct jaula_err *err);
/* StopUnit(unit, "replace") without waiting for the job. */
int jaula_cg_sd_stop_unit(const char *unit);
int jaula_cg_sd_register_machine(const char *name, const char *root_directory, pid_t leader,
                                 int ifindex, struct jaula_err *err);
