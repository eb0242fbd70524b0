/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* devices.h — device passthrough: the host device nodes a profile's
 * `devices` list hands to its jails, and the device-cgroup policy that
 * lets a jail open those (and jaula's own few nodes) and nothing else.
 *
 * The list is checked three times by the same code: its syntax when the
 * policy is parsed, the host's nodes by check-config and at every jail
 * creation (a refused or missing device refuses the login).  Refusals go
 * by major:minor, never by name: udev rules can name a node anything. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jaula/log.h"
#include "jaula/spec.h"

/* Nodes one jail may get: each is a mount point in the jail's small /dev
 * tmpfs (64 inodes, jaula's own nodes included). */
#define JAULA_DEVICES_MAX 32

/* NULL when pattern is a valid `devices` entry: "/dev/NAME[/NAME…]",
 * clean components, '*' only in the last one, not one of the nodes jaula
 * makes itself (/dev/null, /dev/pts/…, /dev/console, …).  Otherwise the
 * reason, a static sentence. */
const char *jaula_devices_pattern_error(const char *pattern);
/* Whether name matches a last component where '*' stands for any run of
 * characters (no other wildcard).  Names starting with '.' never match a
 * pattern that does not start with '.'. */
bool jaula_devices_glob_match(const char *pattern, const char *name);
/* NULL when a node of this type ('c' or 'b') and number may be passed
 * through; otherwise why not (static sentence). */
const char *jaula_devices_refused(char type, unsigned major, unsigned minor);

/* One host node a profile passes through. */
struct jaula_device {
        char *rel;  /* path under /dev, e.g. "dri/renderD128" */
        dev_t rdev; /* its number, when resolved */
        int fd;     /* O_PATH on the host node, or -1 */
};

/* Expand patterns against the directory devfd (the host's /dev): every
 * plain entry must be there, a char device, not refused; a glob adds each
 * matching char device (none is fine) and refuses a match that is a block
 * or refused device.  Never follows a symlink.  keep_fds: leave the
 * O_PATH fds open for jaula_devices_bind.  Sorted, without duplicates. */
int jaula_devices_resolve(int devfd, char *const *patterns, size_t n, bool keep_fds,
                          struct jaula_device **ret, size_t *ret_n, struct jaula_err *err);
void jaula_devices_free(struct jaula_device *v, size_t n);

/* The holder, in its own mount namespace before /dev is sealed: resolve
 * spec->devices against the host's /dev and bind each node, nosuid and
 * noexec, onto the same path under jail_dev (the jail's /dev, writable).
 * A no-op without devices. */
int jaula_devices_bind(const struct jaula_spec *spec, int jail_dev, struct jaula_err *err);

/* ---- the device-cgroup policy ---- */

#define JAULA_DEV_MKNOD (1u << 0)
#define JAULA_DEV_READ (1u << 1)
#define JAULA_DEV_WRITE (1u << 2)
#define JAULA_DEV_ANY_MINOR UINT32_MAX

/* Allow nodes of type ('c'/'b') with a major in [major_lo, major_hi] and
 * that minor (or any) for the access bits. */
struct jaula_dev_rule {
        char type;
        uint32_t major_lo, major_hi;
        uint32_t minor;
        unsigned access;
};

/* jaula's own nodes, the terminals, and the resolved devices: all a jail
 * of this profile may open.  *ret malloc'd. */
int jaula_devices_rules(const struct jaula_device *devs, size_t n, struct jaula_dev_rule **ret,
                        size_t *ret_n);
/* The rules as v1 devices.allow lines, one per major: "c 1:3 rw\n…"
 * (malloc'd). */
int jaula_devices_v1_text(const struct jaula_dev_rule *rules, size_t n, char **ret);
/* The rules as a BPF_PROG_TYPE_CGROUP_DEVICE program: up to max
 * instructions (struct bpf_insn) into out; the count, or -E2BIG. */
struct bpf_insn;
int jaula_devices_bpf_build(const struct jaula_dev_rule *rules, size_t n, struct bpf_insn *out,
                            size_t max);

/* Apply the rules to a jail's cgroup, before anything of the user runs
 * in it: v1, the node fd in the devices hierarchy (deny all, then allow
 * each rule); v2, the cgroup's fd (load the program, attach it with
 * BPF_F_ALLOW_MULTI; it goes with the cgroup). */
int jaula_devices_apply_v1(int cgfd, const struct jaula_dev_rule *rules, size_t n,
                           struct jaula_err *err);
int jaula_devices_apply_v2(int cgfd, const struct jaula_dev_rule *rules, size_t n,
                           struct jaula_err *err);
