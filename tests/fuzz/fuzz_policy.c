/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz_policy.c — libFuzzer target over the policy parser.  Feeds the
 * input to jaula_policy_parse as a policy file; when it parses, resolves it
 * for two made-up users (one matched by group, one by uid) and asks for the
 * seccomp deny list, the way `jaula explain` would.  Frees everything, so
 * LeakSanitizer sees any leak.  No privilege, no I/O: parsing works from
 * memory, and @include is refused by the parser.
 * Build: make fuzz; run: build/fuzz/fuzz_policy tests/fuzz/corpus */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/confine.h"
#include "jaula/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 leaks its string buffer when the scanner rejects a string
 * (e.g. "\x00"): its bug, not ours, and it would stop every run. */
const char *__lsan_default_suppressions(void)
{
        return "leak:libconfig.so\n";
}

static void resolve_one(const struct jaula_policy *p, struct jaula_user *u)
{
        struct jaula_spec *spec = NULL;
        struct jaula_err err = { 0 };
        const char *rule = NULL;
        const char **denied = NULL;

        if (jaula_policy_resolve(p, u, &spec, &rule, &err) > 0 && spec) {
                if (jaula_seccomp_denied(&spec->seccomp, &denied) == 0)
                        free(denied);
                jaula_spec_free(spec);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static gid_t gids_a[] = { 10001, 27, 4242 };
        static char *names_a[] = { "alice", "sudo", "students" };
        static gid_t gids_b[] = { 15000 };
        static char *names_b[] = { "bob" };
        struct jaula_user alice = {
                .name = "alice", .uid = 10001, .gid = 10001, .group = "alice",
                .home = "/home/alice", .shell = "/usr/sbin/jailsh", .gecos = "Alice",
                .gids = gids_a, .gid_names = names_a, .n_gids = 3,
        };
        struct jaula_user bob = {
                .name = "bob", .uid = 15000, .gid = 15000, .group = "bob",
                .home = "/home/bob", .shell = "/usr/sbin/jailsh", .gecos = "",
                .gids = gids_b, .gid_names = names_b, .n_gids = 1,
        };
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        char *text, buf[1024];

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        if (jaula_policy_parse(text, "fuzz.conf", &p, &d) == 0 && p) {
                resolve_one(p, &alice);
                resolve_one(p, &bob);
        }
        for (size_t i = 0; i < d.n; i++)
                jaula_diag_format(&d.v[i], buf, sizeof buf);

        jaula_policy_free(p);
        jaula_diags_free(&d);
        free(text);
        return 0;
}
