/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.h — the root-only state registry of live jails.  Needs root.
 *
 * Layout under spec->state_dir (mode 0700, owned by root):
 *   jails/<id>.lock          flock'ed while a jail is created, joined, closed
 *                            or torn down; unlinked by whoever removes the jail
 *   jails/<id>/state         key=value text, written atomically (temp+rename)
 *   jails/<id>/sessions/<sid> one empty file per session; the name carries
 *                            the owner's pid and start time
 *   netns/<ino>              symlink to <id>: which jail owns a namespace
 *   gc.stamp                 mtime of the last full sweep
 * Nothing in it is ever visible inside a jail.  The parsers below are pure
 * so the unit tests can exercise them without root. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jaula/log.h"
#include "jaula/spec.h"

#define JAULA_ID_MAX 48

struct jaula_jail_state {
        char id[JAULA_ID_MAX];
        uid_t uid;
        char user[64];
        enum jaula_scope scope;
        enum jaula_lifetime lifetime;
        unsigned linger_sec;
        pid_t holder_pid;
        uint64_t holder_start; /* /proc/PID/stat field 22, clock ticks since boot */
        pid_t monitor_pid;
        uint64_t monitor_start;
        uint64_t ns_ino; /* inode of the holder's network (or uts) namespace */
        char group[64];  /* enough of the spec to release the cgroup in gc */
        char cgroup_root[256];
        char cgroup_path[128];
        char net[64]; /* network name, "" for none: to release the lease */
        bool ending;  /* holder killed, monitor cleaning up: never join it */
        int64_t created; /* unix time */
        /* An intent, stored under the lock before the first resource of a
         * new jail exists: no holder or monitor yet, only who creates it.
         * Whoever takes the lock and finds one finds a creator that died
         * (it held the lock until done) and releases what the record
         * names (docs/recovery.md). */
        bool creating;
        pid_t creator_pid;
        uint64_t creator_start;
};

/* Pure: text form of a state and back.  Strings must not hold '\n' or
 * '='-free keys break; parse ignores unknown keys and rejects a file
 * without id, holder or monitor (or, for an intent, without creator). */
int jaula_state_format(const struct jaula_jail_state *st, char *buf, size_t size);
int jaula_state_parse(const char *text, struct jaula_jail_state *ret);

/* Pure: a jail id is 1..47 chars of [a-z0-9-], starting with a letter. */
bool jaula_state_id_valid(const char *id);
/* Pure: "u<uid>" for scope user; "s<uid>-<hex>" with 32 random bits for
 * scope session (random comes from the caller so tests are deterministic). */
int jaula_state_id_make(const struct jaula_spec *spec, uint32_t random, char *buf, size_t size);

/* Pure: session ids name their owner, "p<pid>-<start>". */
int jaula_session_id_format(pid_t pid, uint64_t start, char *buf, size_t size);
int jaula_session_id_parse(const char *sid, pid_t *ret_pid, uint64_t *ret_start);

/* Pure: field 22 (starttime) of a /proc/PID/stat line; comm may hold
 * spaces and parentheses. */
int jaula_parse_stat_starttime(const char *line, uint64_t *ret);
/* Start time of pid, -ESRCH when it does not exist. */
int jaula_proc_starttime(pid_t pid, uint64_t *ret);
/* pidfd of pid if, after opening it, pid still has start time `start`
 * (so the fd names that process and not a recycled pid); -ESRCH otherwise. */
int jaula_pidfd_open_verified(pid_t pid, uint64_t start);
/* Whether the process pid/start is alive (a zombie counts as dead). */
bool jaula_proc_alive(pid_t pid, uint64_t start);

/* What a jail's lifetime asks for, given its live sessions.  Pure. */
enum jaula_verdict {
        JAULA_KEEP,           /* nothing to do */
        JAULA_ARM_LINGER,     /* no session left: end after linger_sec */
        JAULA_SCAN_PROCESSES, /* no session left: end if no process runs in it */
        JAULA_TEARDOWN,       /* end it now */
};
enum jaula_verdict jaula_state_verdict(enum jaula_lifetime lifetime, unsigned linger_sec,
                                       size_t live_sessions, bool linger_expired);

/* Open (creating if missing) the state directory and its subdirectories;
 * refuses one not owned by root or reachable by group/others. Returns a
 * directory fd. */
int jaula_state_dir_open(const char *state_dir, struct jaula_err *err);

/* Exclusive lock of jail id (blocking, or -EWOULDBLOCK at once when !wait).
 * Returns the lock fd; the lock is released by closing it.  A lock file unlinked by a remover while we
 * waited is detected and retried, so two lockers never hold different
 * inodes. */
int jaula_state_lock(int state_fd, const char *id, bool wait);
/* Remove the lock file while still holding it, then close the fd. */
void jaula_state_unlock_remove(int state_fd, const char *id, int lock_fd);

/* Atomic write (temp file in the same directory + rename), mode 0600. */
int jaula_state_write_file(int dirfd, const char *name, const char *data, size_t len);

int jaula_state_load(int state_fd, const char *id, struct jaula_jail_state *ret);
int jaula_state_store(int state_fd, const struct jaula_jail_state *st);
/* Remove jails/<id>/ with its sessions and the netns index entry pointing
 * at it.  Idempotent. */
int jaula_state_remove(int state_fd, const struct jaula_jail_state *st);

/* The part of a spec that cgroup destroy/usage and lease release read,
 * rebuilt from a jail's state (the jail was made with these; today's
 * policy may differ).  Strings point into st; net is filled when the jail
 * has a network. */
void jaula_state_spec(const struct jaula_jail_state *st, const char *state_dir,
                      struct jaula_spec *spec, struct jaula_net_spec *net);

int jaula_session_add(int state_fd, const char *id, const char *sid);
int jaula_session_remove(int state_fd, const char *id, const char *sid);
/* Drop sessions whose owner died; returns how many stay alive. */
int jaula_session_sweep(int state_fd, const char *id);

/* netns index: which jail owns namespace inode ino. */
int jaula_state_index_set(int state_fd, uint64_t ino, const char *id);
int jaula_state_index_get(int state_fd, uint64_t ino, char *ret_id, size_t size);
