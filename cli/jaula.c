/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jaula.c — the admin command: dispatch to one subcommand.  Most
 * subcommands need root; check-config and explain work for anyone who can
 * read the policy.
 *
 * Each subcommand lives in its own file (cli/config.c, cli/kernel.c, …);
 * this file only knows their names.  Entries are declared weak so that a
 * subcommand whose file has not landed yet leaves a hole in the table
 * rather than a link error. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jaula/util.h"

#define WEAK __attribute__((weak))

int cmd_check_config(int argc, char **argv) WEAK;
int cmd_explain(int argc, char **argv) WEAK;
int cmd_list(int argc, char **argv) WEAK;
int cmd_show(int argc, char **argv) WEAK;
int cmd_enter(int argc, char **argv) WEAK;
int cmd_stop(int argc, char **argv) WEAK;
int cmd_gc(int argc, char **argv) WEAK;
int cmd_mkroot(int argc, char **argv) WEAK;
int cmd_check_kernel(int argc, char **argv) WEAK;
int cmd_check_host(int argc, char **argv) WEAK;
int cmd_bridges(int argc, char **argv) WEAK;
int cmd_user_manager(int argc, char **argv) WEAK;

static const struct command {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *args;
        const char *summary;
} commands[] = {
        { "check-config", cmd_check_config,
          "[--no-files] [--no-precompile] [--verbose] [--config FILE | FILE]",
          "check the policy and its drop-ins; print OK or every error; precompile it" },
        { "explain", cmd_explain, "[--config FILE] [--json] [--no-cache] USER",
          "show how USER would be jailed at login, or why not" },
        { "list", cmd_list, "", "list live jails" },
        { "show", cmd_show, "JAIL", "show one live jail" },
        { "enter", cmd_enter, "JAIL [COMMAND…]", "run a command inside a live jail" },
        { "stop", cmd_stop, "JAIL", "stop a jail now" },
        { "gc", cmd_gc, "", "sweep dead sessions and jails" },
        { "mkroot", cmd_mkroot, "[OPTIONS] DIR", "build a rootfs with debootstrap" },
        { "check-kernel", cmd_check_kernel, "[--json] [--config FILE]", "probe the kernel features jaula needs" },
        { "check-host", cmd_check_host, "[OPTIONS]",
          "check PAM, sshd and the host for ways around the jail" },
        { "bridges", cmd_bridges, "", "list the bridges jails are attached to" },
        { "user-manager", cmd_user_manager, "[--config FILE] UID",
          "exit 0 if systemd may start user@UID.service (the user is not jailed)" },
};

/* Columns a UTF-8 string takes ("…" is one, not three bytes' worth). */
static int display_width(const char *s)
{
        int w = 0;

        for (; *s; s++)
                if (((unsigned char) *s & 0xc0) != 0x80)
                        w++;
        return w;
}

static void usage(FILE *f)
{
        int width = 0;

        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                int w = display_width(commands[i].name) + 1 + display_width(commands[i].args);

                if (commands[i].fn && w > width)
                        width = w;
        }
        fputs("Usage: jaula COMMAND [ARGS…]\n\nCommands:\n", f);
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                int w;

                if (!commands[i].fn)
                        continue;
                w = display_width(commands[i].name) + 1 + display_width(commands[i].args);
                fprintf(f, "  %s %s%*s  %s\n", commands[i].name, commands[i].args, width - w, "",
                        commands[i].summary);
        }
        fprintf(f,
                "\nThe policy is %s unless --config names another.\n"
                "\nExit status:\n"
                "  0  success (also: the user is not jailed)\n"
                "  1  the policy has errors (check-host: an error found)\n"
                "  2  bad arguments\n"
                "  3  unknown user\n"
                "  4  the policy cannot jail this user (their login would be refused)\n"
                "  5  any other failure\n"
                "  6  no such jail (show, enter, stop)\n",
                JAULA_DEFAULT_CONFIG);
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return JAULA_EXIT_USAGE;
        }
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
            strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return JAULA_EXIT_OK;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (commands[i].fn && strcmp(argv[1], commands[i].name) == 0)
                        return commands[i].fn(argc - 1, argv + 1);
        fprintf(stderr, "jaula: unknown command '%s'; see 'jaula --help'\n", argv[1]);
        return JAULA_EXIT_USAGE;
}
