/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* metrics.h — event counters of the login path (refusals, login latency,
 * SIGSYS kills, lost jails), kept for `jaula list --format prometheus`.
 * Writing needs root (the files live in the root-only state directory);
 * the bucket, name and text functions are pure.
 *
 * <state_dir>/counters/ holds one file per counter, and the count is the
 * file's size: an event is one O_APPEND write (one byte; a latency sum
 * appends one byte per 100 µs), which the kernel makes atomic, so
 * concurrent logins need no lock and nobody can hold one to stall them.
 * Nothing in a file's name comes from the user: the counters are the
 * fixed enums below.  `jaula list` punches holes into what was counted
 * (fallocate), so a file keeps its size but hardly any memory.  The state
 * directory is normally under /run, a tmpfs: every counter starts at zero
 * at boot (Prometheus treats that as a counter reset).  A counter that
 * cannot be written never fails the login: the first failure of a
 * process is logged, the rest are silent. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JAULA_METRICS_DIR "counters"
#define JAULA_METRICS_DEFAULT_STATE_DIR "/run/jaula" /* global.state_dir's default */
/* The latency sum's unit (one appended byte), and its cap per login: the
 * top bucket's bound (a slower login lands in +Inf and adds 10 s). */
#define JAULA_METRICS_SUM_UNIT_USEC 100
#define JAULA_METRICS_SUM_CAP_USEC 10000000

/* Which program counted: the PAM module or jailsh. */
enum jaula_metrics_via {
        JAULA_VIA_PAM,
        JAULA_VIA_JAILSH,
        JAULA_VIA__MAX,
};

/* Why a login was refused.  Fixed: a label set Prometheus can enumerate. */
enum jaula_metrics_reason {
        JAULA_REFUSED_POLICY,     /* the policy does not load, or cannot jail this user */
        JAULA_REFUSED_NOT_JAILED, /* jailsh run by a user no rule jails */
        JAULA_REFUSED_LIMIT,      /* max_jails_per_user / max_sessions_per_user */
        JAULA_REFUSED_SHELL,      /* PAM: login shell is not jailsh, or jailsh is unusable */
        JAULA_REFUSED_SERVICE,    /* PAM: a service that starts a host service manager */
        JAULA_REFUSED_SETUP,      /* making, finding or entering the jail, or starting the shell */
        JAULA_REFUSED_OTHER,      /* invocation, user lookup, environment, memory */
        JAULA_REFUSED__MAX,
};

/* Whether this login made the jail (cold) or joined a live one (warm). */
enum jaula_metrics_path {
        JAULA_LOGIN_COLD,
        JAULA_LOGIN_WARM,
        JAULA_LOGIN__MAX,
};

/* Upper bounds (le) of the latency buckets, in microseconds; the last
 * bucket, +Inf, is implicit. */
#define JAULA_METRICS_BUCKETS 12
extern const uint64_t jaula_metrics_le_usec[JAULA_METRICS_BUCKETS - 1];

/* The counters as read.  Buckets are counted one by one (not
 * cumulative); the text output sums them. */
struct jaula_metrics {
        uint64_t refusals[JAULA_VIA__MAX][JAULA_REFUSED__MAX];
        uint64_t login_bucket[JAULA_VIA__MAX][JAULA_LOGIN__MAX][JAULA_METRICS_BUCKETS];
        uint64_t login_sum_usec[JAULA_VIA__MAX][JAULA_LOGIN__MAX];
        uint64_t sigsys_kills; /* a session's command killed by SIGSYS (jailsh saw it) */
        uint64_t jails_lost;   /* a holder died before anyone ended its jail */
};

/* Pure: names used as label values. */
const char *jaula_metrics_via_name(enum jaula_metrics_via v);
const char *jaula_metrics_reason_name(enum jaula_metrics_reason r);
const char *jaula_metrics_path_name(enum jaula_metrics_path p);
/* Pure: the bucket index of a latency (0 .. JAULA_METRICS_BUCKETS-1). */
unsigned jaula_metrics_bucket(uint64_t usec);

struct jaula_policy;
/* Where the counters go: the state directory of policy p, once it is
 * loaded; when it does not load (p NULL), the default state directory
 * if config is the default policy and that directory already counts
 * (nothing is made for a policy that may never have been there), else
 * nowhere (a policy named by --config or config= has a state directory
 * we cannot know).  Until a front end calls this, nothing is counted. */
void jaula_metrics_use_policy(const char *config, const struct jaula_policy *p);
/* The state directory (copied); NULL: count nothing. */
void jaula_metrics_set_state_dir(const char *state_dir);
/* CLOCK_MONOTONIC in microseconds, and its value when the program started
 * (taken by a constructor, before main). */
uint64_t jaula_metrics_now_usec(void);
uint64_t jaula_metrics_start_usec(void);

/* The events.  Each is an open, write and close of one counter file
 * (a login: of two); never fails the caller. */
void jaula_metrics_refused(enum jaula_metrics_via via, enum jaula_metrics_reason reason);
void jaula_metrics_login(enum jaula_metrics_via via, enum jaula_metrics_path path,
                         uint64_t start_usec);
void jaula_metrics_sigsys_kill(void);
/* Counted in state_dir, whatever the process's own (jail.c, when it
 * releases a jail whose holder died before anyone ended it). */
void jaula_metrics_jail_lost(const char *state_dir);

/* Read the counters of state_dir into *ret (a missing file counts 0):
 * 0, or -ENOENT when nothing was counted since boot (all zeros), or
 * another -errno.  With compact (root), also free the blocks of what was
 * counted, keeping each file's size. */
int jaula_metrics_read(const char *state_dir, bool compact, struct jaula_metrics *ret);

/* Prometheus text: `name="value"`, preceded by a comma unless first, with
 * backslash, double quote and newline escaped. */
void jaula_metrics_label(FILE *f, const char *name, const char *value, bool first);
/* Pure: the counters as Prometheus text (HELP, TYPE, samples), each
 * sample labelled host="host". */
void jaula_metrics_format(FILE *f, const struct jaula_metrics *m, const char *host);
