/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hostcheck.h — judging the host around jaula for `jaula check-host`: the
 * PAM session stacks of the login services, sshd's effective settings for
 * jailed users, and the capabilities the host can actually grant.
 *
 * Parsers and judges work on text handed to them (no I/O), so they are
 * unit-tested on fixtures; the few loaders that read files take a reader
 * callback or a path and are marked as such. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jaula/cgroup.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"

/* ------------------------------------------------------------- findings */

enum jaula_severity {
        JAULA_SEV_NOTE = 0,    /* how the host behaves with jails; nothing to fix */
        JAULA_SEV_WARNING = 1,
        JAULA_SEV_ERROR = 2,
};

/* One thing wrong on the host: where to change it, what, and how. */
struct jaula_finding {
        enum jaula_severity severity;
        char *file; /* NULL: not tied to a file */
        int line;   /* 0: no line (a default, or a whole file) */
        char *msg;
        char *fix; /* NULL: no separate advice */
};

struct jaula_findings {
        struct jaula_finding *v;
        size_t n;
};

/* Append one finding (an identical one already there is not repeated).
 * Returns 0 or -ENOMEM. */
int jaula_findings_add(struct jaula_findings *f, enum jaula_severity sev, const char *file,
                       int line, const char *fix, const char *fmt, ...) _printf_(6, 7);
void jaula_findings_free(struct jaula_findings *f);
size_t jaula_findings_count(const struct jaula_findings *f, enum jaula_severity sev);
/* "FILE:LINE: error: MSG — FIX" (or warning:, note:) into buf. */
void jaula_finding_format(const struct jaula_finding *x, char *buf, size_t size);

/* Reads the file NAME (a PAM service or include name relative to a
 * directory, or an absolute path): 0 with a malloc'd text and the path to
 * show in messages, -ENOENT when there is no such file, another -errno. */
typedef int (*jaula_read_fn)(void *userdata, const char *name, char **ret_text, char **ret_path);

/* ------------------------------------------------------------------ PAM */

/* What one control value does with one return code (Linux-PAM's actions;
 * a value > 0 is a jump over that many modules). */
enum {
        JAULA_PAM_IGNORE = -1,
        JAULA_PAM_OK = -2,
        JAULA_PAM_DONE = -3,
        JAULA_PAM_BAD = -4,
        JAULA_PAM_DIE = -5,
        JAULA_PAM_RESET = -6,
};

/* Index of a return code name ("success", "session_err", "default"…) in
 * jaula_pam_line.actions, or -1. */
int jaula_pam_code_index(const char *name);
#define JAULA_PAM_N_CODES 32

struct jaula_pam_line {
        char *file; /* where it is written */
        int line;
        int level;     /* substack depth: 0 for the service's own stack */
        bool substack; /* the entry of a substack, not a module */
        bool silent;   /* "-session": a missing module is not logged */
        char *control; /* as written: "requisite", "[success=1 default=ignore]" */
        char *module;  /* as written: "pam_env.so" or "/lib/…/pam_env.so" */
        char **args;   /* NULL-terminated */
        int actions[JAULA_PAM_N_CODES];
};

struct jaula_pam_stack {
        char *service;
        char *path; /* the service's own file */
        struct jaula_pam_line *v;
        size_t n;
};

/* Parse the lines of TYPE ("session") of SERVICE as libpam would load
 * them: following @include, include and substack (depth-limited), in
 * order, each with its file and line.  Problems that make libpam fail the
 * stack (an include that cannot be read, a bad control) are findings.
 * Returns 0, -ENOENT when the service's own file does not exist, or
 * another -errno. */
int jaula_pam_stack_load(const char *service, const char *type, jaula_read_fn rd, void *ud,
                         struct jaula_pam_stack *ret, struct jaula_findings *f);
void jaula_pam_stack_free(struct jaula_pam_stack *s);

/* Whether the module of a line is pam_jaula (relative or absolute). */
bool jaula_pam_line_is(const struct jaula_pam_line *l, const char *module_base);

/* Judge a session stack for jailed logins: pam_jaula present, failing
 * closed, not skippable by an earlier line, last, and pam_env reading the
 * user's environment files only before it.  module_exists (may be NULL)
 * tells whether a module name or path can be loaded.  Returns 0 or
 * -ENOMEM. */
int jaula_pam_judge_session(const struct jaula_pam_stack *s,
                            bool (*module_exists)(const char *module), struct jaula_findings *f);

/* All of fd (a file or a pipe) as a NUL-terminated string; -EFBIG when it
 * does not fit in max bytes with its NUL. */
int jaula_read_fd_text(int fd, size_t max, char **ret);
/* Reader for files in a directory (ud: the directory path).  Does I/O. */
int jaula_read_in_dir(void *ud, const char *name, char **ret_text, char **ret_path);

/* ----------------------------------------------------------------- sshd */

/* sshd -T output: "keyword value…" lines, keywords in lower case. */
struct jaula_sshd_settings {
        char **keys;
        char **values;
        size_t n;
};

int jaula_sshd_settings_parse(const char *text, struct jaula_sshd_settings *ret);
void jaula_sshd_settings_free(struct jaula_sshd_settings *s);
/* The first value of KEY (lower case), or NULL. */
const char *jaula_sshd_get(const struct jaula_sshd_settings *s, const char *key);

/* sshd_config flattened: every directive in the order sshd reads it,
 * Include expanded in place, each with its file, line and the Match block
 * it sits in. */
struct jaula_sshd_directive {
        char *file;
        int line;
        char *keyword; /* lower case */
        char *args;    /* the rest of the line, trimmed */
        int match;     /* index of the enclosing Match directive, -1: global */
};

struct jaula_sshd_config {
        struct jaula_sshd_directive *v;
        size_t n;
};

/* Expands an Include pattern (a glob, relative to /etc/ssh when not
 * absolute) into file names in sshd's order.  Does I/O. */
typedef int (*jaula_glob_fn)(void *userdata, const char *pattern, char ***ret_paths);

/* Parse TEXT (read from FILE) into cfg, expanding Include through glob
 * and rd (either may be NULL: Include lines are then kept unexpanded). */
int jaula_sshd_config_add(struct jaula_sshd_config *cfg, const char *file, const char *text,
                          jaula_glob_fn glob, jaula_read_fn rd, void *ud);
void jaula_sshd_config_free(struct jaula_sshd_config *cfg);

/* The connection sshd -T was asked about. */
struct jaula_sshd_conn {
        const char *user;
        const char *const *groups; /* NULL-terminated */
        const char *host;
        const char *addr;
};

/* Whether the criteria of a Match line (its args) hold for conn; criteria
 * that cannot be evaluated here (Address with a netmask, LocalPort, …)
 * count as holding. */
bool jaula_sshd_match(const char *criteria, const struct jaula_sshd_conn *conn);

/* The directive that sets KEYWORD for conn as sshd resolves it: the first
 * one in a Match block that holds, else the first global one.  With
 * arg_word, only directives whose arguments contain that word count.
 * NULL when it is not set anywhere (a default). */
const struct jaula_sshd_directive *jaula_sshd_config_find(const struct jaula_sshd_config *cfg,
                                                          const char *keyword, const char *arg_word,
                                                          const struct jaula_sshd_conn *conn);
/* The first Match block that holds for conn (where a setting for jailed
 * users belongs), or NULL. */
const struct jaula_sshd_directive *
jaula_sshd_config_first_match(const struct jaula_sshd_config *cfg,
                              const struct jaula_sshd_conn *conn);

/* Judge sshd's effective settings for one jailed connection: everything
 * that would run something on the host, outside jailsh, or skip
 * pam_jaula.  cfg (may be empty) and main_file only place the findings;
 * who ("user 'u' (rule 'r')") goes into the messages. */
int jaula_sshd_judge(const struct jaula_sshd_settings *s, const struct jaula_sshd_config *cfg,
                     const char *main_file, const struct jaula_sshd_conn *conn, const char *who,
                     struct jaula_findings *f);

/* --------------------------------------------------------- capabilities */

/* The CapBnd mask of a /proc/PID/status text: 0 or -EINVAL. */
int jaula_caps_parse_bounding(const char *status_text, uint64_t *ret);

/* The capabilities a jailed login can keep on this host: the bounding set
 * of this process, of PID 1 and of a running sshd (/run/sshd.pid), within
 * cap_last_cap (jailsh can only narrow the bounding set it inherits).
 * what receives the sources read ("this process, PID 1"). Does I/O. */
int jaula_caps_host_grantable(uint64_t *ret, char *what, size_t what_size);

/* One diagnostic per profile that keeps a capability outside grantable
 * (every login with that profile would fail), at the profile's
 * `capabilities` line; what names where grantable came from.  Returns the
 * number of diagnostics, or -ENOMEM. */
int jaula_policy_check_caps_grantable(const struct jaula_policy *p, uint64_t grantable,
                                      const char *what, struct jaula_diags *d);

/* ------------------------------------------------------- policy rules */

/* The selectors of match rule INDEX, for picking users to test with. */
struct jaula_rule_info {
        const char *name;
        const char *file;
        int line;
        bool exempt;
        bool any_user;
        const char *const *users;
        size_t n_users;
        const char *const *groups;
        size_t n_groups;
        size_t n_uid_ranges;
};

int jaula_policy_rule_info(const struct jaula_policy *p, int index, struct jaula_rule_info *ret);
/* uid range I of rule INDEX. */
int jaula_policy_rule_uid_range(const struct jaula_policy *p, int index, size_t i, uid_t *ret_lo,
                                uid_t *ret_hi);
/* Index of the first match rule that matches user (exempt ones included),
 * or -ENOENT: what jaula_policy_resolve decides, without building a
 * spec. */
int jaula_policy_match_index(const struct jaula_policy *p, const struct jaula_user *user);

/* -------------------------------------------------------------- systemd */

/* systemd's boolean spellings (1/yes/y/true/t/on, 0/no/n/false/f/off, any
 * case): 0 with *ret, or -EINVAL. */
int jaula_parse_boolean(const char *v, bool *ret);

/* One logind.conf setting and where it was made (file NULL: the default). */
struct jaula_logind_value {
        char *value;
        char *file;
        int line;
};

/* The [Login] settings check-host judges. */
struct jaula_logind_conf {
        struct jaula_logind_value kill_user_processes;
        struct jaula_logind_value kill_only_users;
        struct jaula_logind_value kill_exclude_users;
};

/* Apply TEXT (read from FILE) on top of c as systemd's parser does: only
 * the [Login] section counts, "Key=Value" with blanks trimmed, lines
 * starting with '#' or ';' are comments, a line ending in '\' continues,
 * and a later assignment replaces an earlier one.  0 or -ENOMEM. */
int jaula_logind_conf_apply(struct jaula_logind_conf *c, const char *file, const char *text);
void jaula_logind_conf_free(struct jaula_logind_conf *c);

/* The drop-ins systemd reads for one file, in its order: NAMES[i] (a
 * NULL-terminated list, may be NULL) are the "*.conf" entries of
 * DIRS[i], the directories in priority order (/etc first); a name in an
 * earlier directory masks the same name in later ones, and the result is
 * sorted by file name alone.  *ret: NULL-terminated "DIR/NAME" paths. */
int jaula_dropins_order(const char *const *dirs, char **const *names, size_t n_dirs,
                        char ***ret);
/* Load MAIN (missing is fine) and then its drop-ins from DIRS (I/O; a
 * drop-in that is empty or a link to /dev/null sets nothing). */
int jaula_logind_conf_load(const char *main_file, const char *const *dirs, size_t n_dirs,
                           struct jaula_logind_conf *ret);

/* What check-host found about systemd on this host. */
struct jaula_systemd_facts {
        bool pid1;                   /* /run/systemd/system is a directory */
        enum jaula_cgroup_mode layout; /* of /sys/fs/cgroup: V2 (unified), HYBRID, V1, NONE */
        bool machined;               /* systemd-machined is installed */
        bool logind_judged;          /* judge logind (systemd host, or a file was given) */
        const struct jaula_logind_conf *logind;
        bool pam_systemd;            /* in sshd's session stack */
        const char *pam_systemd_file;
        int pam_systemd_line;
        size_t n_lingering;          /* users with logind linger (/var/lib/systemd/linger) */
};

/* What a missing piece disables (warnings) and how logind and jails get
 * along on this host (notes), for the policy p (its cgroup_root, its
 * profiles' lifetimes).  Pure.  0 or -ENOMEM. */
int jaula_systemd_judge(const struct jaula_systemd_facts *s, const struct jaula_policy *p,
                        struct jaula_findings *f);
