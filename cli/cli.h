/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli.h — the admin command's table of subcommands and what they share.
 *
 * A subcommand is `int cmd_NAME(int argc, char **argv)` in a file of its
 * own (cli/<group>.c), with argv[0] the subcommand's name, returning the
 * exit status.  It is listed in the table in jaula.c; the table declares
 * every entry weak, so a command whose file is not there yet is simply
 * absent instead of breaking the build. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "jaula/policy.h"

/* Exit statuses shared by every subcommand (documented in `jaula --help`). */
enum {
        JAULA_EXIT_OK = 0,
        JAULA_EXIT_CONFIG = 1,  /* the policy has errors */
        JAULA_EXIT_USAGE = 2,   /* bad arguments */
        JAULA_EXIT_NOUSER = 3,  /* unknown user */
        JAULA_EXIT_REFUSED = 4, /* the policy cannot jail this user: login would fail */
        JAULA_EXIT_FAILURE = 5, /* any other error */
};

/* Load the policy at path (NULL: the default) as a login does (using and
 * refreshing the validated cache), printing every diagnostic to err as
 * "FILE:LINE: key.path: message".  Returns 0 or a negative errno. */
int cli_load_policy(const char *path, struct jaula_policy **ret, FILE *err);
/* The same with JAULA_POLICY_* flags. */
int cli_load_policy_flags(const char *path, unsigned flags, struct jaula_policy **ret, FILE *err);

/* Judge the capabilities each profile keeps against what this host can
 * grant (cli/host.c; check-config and check-host share it): one
 * diagnostic per profile that keeps one the host lacks.  Returns their
 * number or a negative errno. */
int cli_check_kept_caps(const struct jaula_policy *p, struct jaula_diags *d);

int cmd_check_config(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_user_manager(int argc, char **argv);
