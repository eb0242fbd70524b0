/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seccomp.c — the jail's system call filter (libseccomp).  Building needs
 * no privilege; loading happens in jaula_confine after no_new_privs, so it
 * needs none either.
 *
 * The filter allows by default and denies a list: a jailed user runs
 * ordinary software (compilers, package builds, editors), and an allow-list
 * filter breaks whatever syscall the next libc starts using.  What it
 * denies is the kernel's escape and administration surface, so that even a
 * kernel bug reachable only through those calls stays out of reach.  Denied
 * calls fail with EPERM rather than killing the caller: programs probe for
 * features and must get a clean error.
 *
 * Secondary ABIs are a different matter: an x86_64 filter says nothing
 * about the i386 (int 0x80) or x32 entry points, which have their own
 * numbers.  Only the native arch is added (plus i386 when the rootfs is
 * i386, with the same rules), and a call through any other ABI kills the
 * process.  libseccomp also sends x32 numbers (bit 30 set, same audit arch
 * as x86_64) to the bad-arch action when x32 is not in the filter. */
#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "jaula/confine.h"

static inline void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}
#define _cleanup_seccomp_ _cleanup_(seccomp_releasep)

enum rule_kind {
        RULE_DENY,     /* EPERM for every call */
        RULE_CLONE_NS, /* EPERM when arg0 (clone flags) holds a CLONE_NEW* bit */
        RULE_ENOSYS,   /* ENOSYS: the caller falls back to an older call we can inspect */
        RULE_IOCTL,    /* EPERM for one ioctl request (arg1) */
};

enum { PROFILE_DEFAULT = 1u << 0, PROFILE_STRICT = 1u << 1 };
#define D (PROFILE_DEFAULT | PROFILE_STRICT)
#define S PROFILE_STRICT

struct rule {
        const char *label;   /* what `jaula explain` shows and what allow/deny may name */
        const char *syscall; /* the syscall it filters */
        enum rule_kind kind;
        unsigned long arg;   /* RULE_IOCTL: the request */
        int native_nr;       /* number on x86_64 for calls newer than libseccomp, else -1 */
        unsigned profiles;
};

/* The order is the order `jaula explain` prints. */
static const struct rule rules[] = {
        /* Mount family: rearranging mounts is how a process leaves a
         * pivot_root jail (or hides what it does inside it). */
        { "mount", "mount", RULE_DENY, 0, -1, D },
        { "umount", "umount", RULE_DENY, 0, -1, D },
        { "umount2", "umount2", RULE_DENY, 0, -1, D },
        { "move_mount", "move_mount", RULE_DENY, 0, -1, D },
        { "open_tree", "open_tree", RULE_DENY, 0, -1, D },
        /* Linux 6.15; libseccomp 2.5 does not know it, so by number. */
        { "open_tree_attr", "open_tree_attr", RULE_DENY, 0, 467, D },
        { "fsopen", "fsopen", RULE_DENY, 0, -1, D },
        { "fsconfig", "fsconfig", RULE_DENY, 0, -1, D },
        { "fsmount", "fsmount", RULE_DENY, 0, -1, D },
        { "fspick", "fspick", RULE_DENY, 0, -1, D },
        { "mount_setattr", "mount_setattr", RULE_DENY, 0, -1, D },
        { "pivot_root", "pivot_root", RULE_DENY, 0, -1, D },
        { "chroot", "chroot", RULE_DENY, 0, -1, D },
        /* Namespaces: a new user namespace gives back every capability
         * (and with it the mount family) over objects it owns, and is the
         * entry point of most unprivileged kernel exploits; setns could
         * join a namespace outside the jail through an inherited fd. */
        { "setns", "setns", RULE_DENY, 0, -1, D },
        { "unshare", "unshare", RULE_DENY, 0, -1, D },
        { "clone[CLONE_NEW*]", "clone", RULE_CLONE_NS, 0, -1, D },
        /* clone3 passes its flags in a struct that seccomp cannot read;
         * ENOSYS makes glibc fall back to clone, whose flags it can. */
        { "clone3[ENOSYS]", "clone3", RULE_ENOSYS, 0, -1, D },
        /* Kernel code loading. */
        { "init_module", "init_module", RULE_DENY, 0, -1, D },
        { "finit_module", "finit_module", RULE_DENY, 0, -1, D },
        { "delete_module", "delete_module", RULE_DENY, 0, -1, D },
        { "create_module", "create_module", RULE_DENY, 0, -1, D },
        { "query_module", "query_module", RULE_DENY, 0, -1, D },
        { "get_kernel_syms", "get_kernel_syms", RULE_DENY, 0, -1, D },
        { "kexec_load", "kexec_load", RULE_DENY, 0, -1, D },
        { "kexec_file_load", "kexec_file_load", RULE_DENY, 0, -1, D },
        /* Kernel introspection and its large attack surface. */
        { "bpf", "bpf", RULE_DENY, 0, -1, D },
        { "perf_event_open", "perf_event_open", RULE_DENY, 0, -1, D },
        { "lookup_dcookie", "lookup_dcookie", RULE_DENY, 0, -1, D },
        { "syslog", "syslog", RULE_DENY, 0, -1, D },
        /* The kernel keyring is not namespaced. */
        { "keyctl", "keyctl", RULE_DENY, 0, -1, D },
        { "add_key", "add_key", RULE_DENY, 0, -1, D },
        { "request_key", "request_key", RULE_DENY, 0, -1, D },
        /* File handles bypass the path walk, and with it the jail's root
         * (the "shocker" escape). */
        { "open_by_handle_at", "open_by_handle_at", RULE_DENY, 0, -1, D },
        { "name_to_handle_at", "name_to_handle_at", RULE_DENY, 0, -1, D },
        /* Host administration. */
        { "reboot", "reboot", RULE_DENY, 0, -1, D },
        { "swapon", "swapon", RULE_DENY, 0, -1, D },
        { "swapoff", "swapoff", RULE_DENY, 0, -1, D },
        { "acct", "acct", RULE_DENY, 0, -1, D },
        { "quotactl", "quotactl", RULE_DENY, 0, -1, D },
        { "quotactl_fd", "quotactl_fd", RULE_DENY, 0, -1, D },
        { "nfsservctl", "nfsservctl", RULE_DENY, 0, -1, D },
        { "vhangup", "vhangup", RULE_DENY, 0, -1, D },
        { "uselib", "uselib", RULE_DENY, 0, -1, D },
        /* The clock is not namespaced (time namespaces only offset
         * monotonic and boottime). */
        { "settimeofday", "settimeofday", RULE_DENY, 0, -1, D },
        { "clock_settime", "clock_settime", RULE_DENY, 0, -1, D },
        { "clock_adjtime", "clock_adjtime", RULE_DENY, 0, -1, D },
        { "adjtimex", "adjtimex", RULE_DENY, 0, -1, D },
        { "stime", "stime", RULE_DENY, 0, -1, D },
        /* userfaultfd stalls kernel threads at will: a staple of race
         * exploits. */
        { "userfaultfd", "userfaultfd", RULE_DENY, 0, -1, D },
        /* Port I/O and the i386 virtual-8086 mode. */
        { "iopl", "iopl", RULE_DENY, 0, -1, D },
        { "ioperm", "ioperm", RULE_DENY, 0, -1, D },
        { "vm86", "vm86", RULE_DENY, 0, -1, D },
        { "vm86old", "vm86old", RULE_DENY, 0, -1, D },
        /* Tracing other processes: off unless a profile allows it (a
         * debugging lab lists ptrace, process_vm_readv and
         * process_vm_writev in allow). */
        { "ptrace", "ptrace", RULE_DENY, 0, -1, D },
        { "process_vm_readv", "process_vm_readv", RULE_DENY, 0, -1, D },
        { "process_vm_writev", "process_vm_writev", RULE_DENY, 0, -1, D },
        /* TIOCSTI pushes input into a terminal's queue: a jailed process
         * holding the login pty (which lives on the host) would type into
         * whatever reads it after logout.  TIOCLINUX does the same and more
         * on a virtual console. */
        { "ioctl[TIOCSTI]", "ioctl", RULE_IOCTL, TIOCSTI, -1, D },
        { "ioctl[TIOCLINUX]", "ioctl", RULE_IOCTL, TIOCLINUX, -1, D },

        /* strict: surface that ordinary software can live without. */
        /* io_uring runs operations in kernel workers outside this filter,
         * and has been a steady source of privilege escalations. */
        { "io_uring_setup", "io_uring_setup", RULE_DENY, 0, -1, S },
        { "io_uring_enter", "io_uring_enter", RULE_DENY, 0, -1, S },
        { "io_uring_register", "io_uring_register", RULE_DENY, 0, -1, S },
        /* Peeking at other processes' resources. */
        { "kcmp", "kcmp", RULE_DENY, 0, -1, S },
        { "pidfd_getfd", "pidfd_getfd", RULE_DENY, 0, -1, S },
        /* Persistent execution-domain flags (ASLR off, READ_IMPLIES_EXEC). */
        { "personality", "personality", RULE_DENY, 0, -1, S },
        /* Segment descriptor games (i386 heritage, used by old exploits). */
        { "modify_ldt", "modify_ldt", RULE_DENY, 0, -1, S },
        /* NUMA placement of other processes' memory. */
        { "mbind", "mbind", RULE_DENY, 0, -1, S },
        { "migrate_pages", "migrate_pages", RULE_DENY, 0, -1, S },
        { "move_pages", "move_pages", RULE_DENY, 0, -1, S },
        /* File-system wide event monitoring. */
        { "fanotify_init", "fanotify_init", RULE_DENY, 0, -1, S },
        /* The jail's identity is set by its holder, not by its users. */
        { "sethostname", "sethostname", RULE_DENY, 0, -1, S },
        { "setdomainname", "setdomainname", RULE_DENY, 0, -1, S },
        /* Secret memory and deprecated VM calls nobody needs in a jail. */
        { "memfd_secret", "memfd_secret", RULE_DENY, 0, -1, S },
        { "remap_file_pages", "remap_file_pages", RULE_DENY, 0, -1, S },
        { "_sysctl", "_sysctl", RULE_DENY, 0, -1, S },
        { "sysfs", "sysfs", RULE_DENY, 0, -1, S },
        { "ustat", "ustat", RULE_DENY, 0, -1, S },
};

#undef D
#undef S

/* Every CLONE_NEW* bit that fits in clone's flags (CLONE_NEWTIME shares
 * its value with the exit signal byte there, so only unshare/clone3 take
 * it, and both are denied whole). */
static const unsigned long clone_ns_flags[] = {
        CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
        CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

static int profile_bits(const char *profile)
{
        if (!profile || !*profile || strcmp(profile, "default") == 0)
                return PROFILE_DEFAULT;
        if (strcmp(profile, "strict") == 0)
                return PROFILE_STRICT;
        if (strcmp(profile, "none") == 0)
                return 0;
        return -EINVAL;
}

static const struct rule *rule_by_label(const char *label)
{
        for (size_t i = 0; i < ELEMENTSOF(rules); i++)
                if (strcmp(rules[i].label, label) == 0)
                        return &rules[i];
        return NULL;
}

static bool name_in(char *const *names, size_t n, const char *name)
{
        for (size_t i = 0; names && i < n && names[i]; i++)
                if (strcmp(names[i], name) == 0)
                        return true;
        return false;
}

/* Whether libseccomp resolves NAME on ARCH. */
static bool known_on(uint32_t arch, const char *name)
{
        return seccomp_syscall_resolve_name_arch(arch, name) >= 0;
}

static bool native_is_x86_64(void)
{
        return seccomp_arch_native() == SCMP_ARCH_X86_64;
}

JAULA_EXPORT int jaula_seccomp_known(const char *name)
{
        if (!name || !*name)
                return 0;
        if (known_on(SCMP_ARCH_NATIVE, name))
                return 1;
        /* allow_x86 jails may name i386-only calls (stime, vm86, …). */
        if (native_is_x86_64() && known_on(SCMP_ARCH_X86, name))
                return 1;
        return 0;
}

/* An allow or deny entry names either a rule label or a syscall. */
static int check_names(char *const *names, size_t n, const char *what,
                       struct jaula_err *err)
{
        for (size_t i = 0; names && i < n && names[i]; i++) {
                if (rule_by_label(names[i]) || jaula_seccomp_known(names[i]))
                        continue;
                return jaula_err_set(err, -EINVAL,
                                     "seccomp.%s: unknown system call '%s'", what, names[i]);
        }
        return 0;
}

/* An allow entry lifts a rule when it names its label or its syscall. */
static bool rule_allowed(const struct jaula_seccomp_spec *sc, const struct rule *r)
{
        return name_in(sc->allow, sc->n_allow, r->label) ||
               name_in(sc->allow, sc->n_allow, r->syscall);
}

/* An extra deny entry naming a syscall denies it whole. */
static bool syscall_denied_whole(const struct jaula_seccomp_spec *sc, const char *syscall)
{
        return name_in(sc->deny, sc->n_deny, syscall);
}

static bool rule_active(const struct jaula_seccomp_spec *sc, unsigned profile, const struct rule *r)
{
        bool listed = (r->profiles & profile) || name_in(sc->deny, sc->n_deny, r->label);

        if (!listed || rule_allowed(sc, r))
                return false;
        /* A conditional rule is moot when the whole syscall is denied. */
        if (r->kind != RULE_DENY && syscall_denied_whole(sc, r->syscall))
                return false;
        return true;
}

JAULA_EXPORT int jaula_seccomp_denied(const struct jaula_seccomp_spec *sc, const char ***ret)
{
        _cleanup_free_ const char **v = NULL;
        size_t n = 0;
        int profile;

        profile = profile_bits(sc->profile);
        if (profile < 0)
                return profile;
        if (check_names(sc->allow, sc->n_allow, "allow", NULL) < 0 ||
            check_names(sc->deny, sc->n_deny, "deny", NULL) < 0)
                return -EINVAL;

        v = calloc(ELEMENTSOF(rules) + sc->n_deny + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(rules); i++)
                if (rule_active(sc, profile, &rules[i]))
                        v[n++] = rules[i].label;
        for (size_t i = 0; sc->deny && i < sc->n_deny && sc->deny[i]; i++) {
                const char *name = sc->deny[i];
                bool dup = false;

                if (rule_by_label(name))
                        continue; /* already handled with the table */
                for (size_t j = 0; j < n && !dup; j++)
                        dup = strcmp(v[j], name) == 0;
                if (!dup)
                        v[n++] = name;
        }
        v[n] = NULL;
        *ret = TAKE_PTR(v);
        return 0;
}

/* The number to hand seccomp_rule_add for NAME in a filter holding only
 * ARCH — libseccomp takes native numbers (negative pseudo numbers for
 * calls the native arch lacks, such as i386's vm86) and translates them by
 * name — or __NR_SCMP_ERROR when the call does not exist there. */
static int rule_nr(uint32_t arch, const char *name, int native_nr)
{
        int nr;

        if (known_on(arch, name)) {
                nr = seccomp_syscall_resolve_name(name);
                return nr;
        }
        /* Too new for libseccomp: the number is only trustworthy on the
         * arch it was written for, and translating it by name would fail. */
        if (native_nr >= 0 && arch == seccomp_arch_native() && native_is_x86_64())
                return native_nr;
        return __NR_SCMP_ERROR;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t arch, const struct rule *r)
{
        int nr = rule_nr(arch, r->syscall, r->native_nr), ret = 0;

        if (nr == __NR_SCMP_ERROR)
                return 0;
        switch (r->kind) {
        case RULE_DENY:
                return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        case RULE_ENOSYS:
                return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
        case RULE_CLONE_NS:
                /* One rule per bit: the rules of a syscall are ORed, and
                 * a masked compare tests "all of the mask", not "any". */
                for (size_t i = 0; i < ELEMENTSOF(clone_ns_flags) && ret == 0; i++)
                        ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
                                               SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns_flags[i],
                                                       clone_ns_flags[i]));
                return ret;
        case RULE_IOCTL:
                /* The kernel reads the request as an unsigned int; compare
                 * only the low 32 bits, or setting a high bit would slip
                 * TIOCSTI past the filter. */
                return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
                                        SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, r->arg));
        }
        return -EINVAL;
}

/* One filter for one arch; jaula_seccomp_build merges them. */
static int build_arch(const struct jaula_seccomp_spec *sc, unsigned profile, uint32_t arch,
                      scmp_filter_ctx *ret, struct jaula_err *err)
{
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        int r;

        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return jaula_err_set(err, -ENOMEM, "seccomp: cannot allocate a filter");
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r < 0)
                return jaula_err_errno(err, r, "seccomp: cannot set the bad-arch action");
        if (arch != seccomp_arch_native()) {
                r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
                if (r == 0)
                        r = seccomp_arch_add(ctx, arch);
                if (r < 0)
                        return jaula_err_errno(err, r, "seccomp: cannot set up the i386 filter");
        }

        for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
                if (!rule_active(sc, profile, &rules[i]))
                        continue;
                r = add_rule(ctx, arch, &rules[i]);
                if (r < 0)
                        return jaula_err_errno(err, r, "seccomp: cannot add the rule for '%s'",
                                               rules[i].label);
        }
        for (size_t i = 0; sc->deny && i < sc->n_deny && sc->deny[i]; i++) {
                const char *name = sc->deny[i];
                struct rule extra = { name, name, RULE_DENY, 0, -1, 0 };

                if (rule_by_label(name))
                        continue;
                r = add_rule(ctx, arch, &extra);
                /* The same name twice, or a syscall a table rule already
                 * covers conditionally, is not an error. */
                if (r < 0 && r != -EEXIST)
                        return jaula_err_errno(err, r, "seccomp: cannot deny '%s'", name);
        }
        *ret = TAKE_PTR(ctx);
        return 0;
}

JAULA_EXPORT int jaula_seccomp_build(const struct jaula_seccomp_spec *sc, jaula_scmp_ctx *ret,
                                     struct jaula_err *err)
{
        _cleanup_seccomp_ scmp_filter_ctx native = NULL, x86 = NULL;
        int profile, r;

        profile = profile_bits(sc->profile);
        if (profile < 0)
                return jaula_err_set(err, -EINVAL, "seccomp: unknown profile '%s'", sc->profile);
        r = check_names(sc->allow, sc->n_allow, "allow", err);
        if (r < 0)
                return r;
        r = check_names(sc->deny, sc->n_deny, "deny", err);
        if (r < 0)
                return r;
        if (sc->allow_x86 && !native_is_x86_64())
                return jaula_err_set(err, -EOPNOTSUPP,
                                     "seccomp: an i386 rootfs needs an x86_64 host");

        r = build_arch(sc, profile, seccomp_arch_native(), &native, err);
        if (r < 0)
                return r;
        if (sc->allow_x86) {
                r = build_arch(sc, profile, SCMP_ARCH_X86, &x86, err);
                if (r < 0)
                        return r;
                /* seccomp_merge consumes x86 on success only. */
                r = seccomp_merge(native, x86);
                if (r < 0)
                        return jaula_err_errno(err, r, "seccomp: cannot merge the i386 filter");
                x86 = NULL;
        }
        *ret = TAKE_PTR(native);
        return 0;
}

/* Whether SC asks for no filter at all: profile none with nothing added. */
JAULA_EXPORT bool jaula_seccomp_is_empty(const struct jaula_seccomp_spec *sc)
{
        return profile_bits(sc->profile) == 0 && sc->n_deny == 0;
}

JAULA_EXPORT int jaula_seccomp_load(jaula_scmp_ctx ctx, struct jaula_err *err)
{
        int r = seccomp_load(ctx);

        if (r < 0)
                return jaula_err_errno(err, r, "seccomp: cannot load the filter");
        return 0;
}

JAULA_EXPORT void jaula_seccomp_release(jaula_scmp_ctx ctx)
{
        if (ctx)
                seccomp_release(ctx);
}
