/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy_data.c — the policy's data layer: the arena every string of a
 * policy lives in, the list of diagnostics, lookup by name, freeing.  No
 * privilege needed.  It sits on policy-types.h alone; the parser, the
 * safety pass and the cache build on it (policy-data.h). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/policy.h"
#include "jaula/util.h"
#include "policy-data.h"

/* ---------------------------------------------------------------- arena */

struct jaula_arena_chunk {
        struct jaula_arena_chunk *next;
        size_t used, size;
        max_align_t data[];
};

#define ARENA_CHUNK (16 * 1024)

void *jaula_arena_alloc(struct jaula_policy *p, size_t size)
{
        void *ret = jaula_arena_alloc_raw(p, size);

        if (ret)
                memset(ret, 0, size);
        return ret;
}

void *jaula_arena_alloc_raw(struct jaula_policy *p, size_t size)
{
        struct jaula_arena_chunk *c = p->arena;
        size_t align = sizeof(max_align_t);

        size = (size + align - 1) & ~(align - 1);
        if (size == 0)
                size = align;
        if (!c || c->size - c->used < size) {
                size_t csize = size > ARENA_CHUNK ? size : ARENA_CHUNK;

                c = malloc(sizeof *c + csize);
                if (!c)
                        return NULL;
                c->used = 0;
                c->size = csize;
                /* A big one-off allocation goes behind the current chunk so
                 * the current chunk keeps serving small ones. */
                if (p->arena && csize == size) {
                        c->next = p->arena->next;
                        p->arena->next = c;
                } else {
                        c->next = p->arena;
                        p->arena = c;
                }
        }
        void *ret = (char *) c->data + c->used;
        c->used += size;
        return ret;
}

char *jaula_arena_strdup(struct jaula_policy *p, const char *s)
{
        size_t n = strlen(s) + 1;
        char *d = jaula_arena_alloc(p, n);

        if (d)
                memcpy(d, s, n);
        return d;
}

static void arena_free(struct jaula_arena_chunk *c)
{
        while (c) {
                struct jaula_arena_chunk *n = c->next;

                free(c);
                c = n;
        }
}

/* ---------------------------------------------------------- diagnostics */

JAULA_EXPORT void jaula_diags_free(struct jaula_diags *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                free(d->v[i].file);
                free(d->v[i].msg);
        }
        free(d->v);
        d->v = NULL;
        d->n = 0;
}

JAULA_EXPORT void jaula_diag_format(const struct jaula_diag *d, char *buf, size_t size)
{
        const char *kind = d->warning ? "warning: " : "";

        if (d->line > 0)
                snprintf(buf, size, "%s:%d: %s%s", d->file ? d->file : "?", d->line, kind,
                         d->msg ? d->msg : "");
        else
                snprintf(buf, size, "%s: %s%s", d->file ? d->file : "?", kind,
                         d->msg ? d->msg : "");
}

int jaula_diags_push(struct jaula_diags *d, bool warning, const char *file, int line,
                     const char *msg)
{
        struct jaula_diag *nv = realloc(d->v, sizeof *nv * (d->n + 1));

        if (!nv)
                return -ENOMEM;
        d->v = nv;
        nv[d->n] = (struct jaula_diag){
                .file = strdup(file ? file : "?"),
                .msg = strdup(msg),
                .line = line,
                .warning = warning,
        };
        if (!nv[d->n].file || !nv[d->n].msg) {
                free(nv[d->n].file);
                free(nv[d->n].msg);
                return -ENOMEM;
        }
        d->n++;
        return 0;
}

/* --------------------------------------------------------------- lookup */

static int cmp_name_only(const void *key, const void *item)
{
        return strcmp((const char *) key, *(const char *const *) item);
}

static const void *find_named(const struct pol_vec *v, size_t item, const char *name)
{
        if (!name || v->n == 0)
                return NULL;
        return bsearch(name, v->v, v->n, item, cmp_name_only);
}

const struct pol_rootfs *jaula_policy_find_rootfs(const struct jaula_policy *p, const char *name)
{
        return find_named(&p->rootfs, sizeof(struct pol_rootfs), name);
}

const struct pol_net *jaula_policy_find_net(const struct jaula_policy *p, const char *name)
{
        return find_named(&p->nets, sizeof(struct pol_net), name);
}

const struct pol_profile *jaula_policy_find_profile(const struct jaula_policy *p, const char *name)
{
        return find_named(&p->profiles, sizeof(struct pol_profile), name);
}

const struct pol_group *jaula_policy_find_group(const struct jaula_policy *p, const char *name)
{
        return find_named(&p->groups, sizeof(struct pol_group), name);
}

/* ----------------------------------------------------------------- free */

JAULA_EXPORT void jaula_policy_free(struct jaula_policy *p)
{
        if (!p)
                return;
        free(p->rootfs.v);
        free(p->nets.v);
        free(p->profiles.v);
        free(p->groups.v);
        free(p->rules.v);
        arena_free(p->arena);
        free(p);
}
