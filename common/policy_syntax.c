/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy_syntax.c — a syntax pass over policy text before libconfig sees
 * it.  No privilege needed.
 *
 * libconfig 1.5 leaks the text of a string token when that token is the
 * one its parser fails on ("a = 1; \"x\"" loses the buffer of "x"): the
 * bison grammar has no destructor for it.  A login reads the policy once
 * and exits, but a fuzzer or a long-lived caller would not, so this pass
 * walks the token structure of libconfig's grammar and stops at the first
 * syntax error itself, which also gives a better message than libconfig's
 * bare "syntax error".  Text that passes here can still be refused by
 * libconfig (a malformed number, mixed types in an array, a duplicate
 * name), but never on a string token.
 *
 * The grammar (libconfig 1.5, grammar.y):
 *   config  := setting*
 *   setting := NAME ('=' | ':') value (';' | ',')?
 *   value   := scalar | '[' (scalar (',' scalar)*)? ']'
 *            | '(' (value (',' value)*)? ')' | '{' setting* '}'
 *   scalar  := BOOL | INTEGER | INTEGER64 | HEX | FLOAT | STRING+
 * Comments run from '#' or '//' to the end of the line, or from
 * slash-star to star-slash. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-syntax.h"

#define MAX_DEPTH 64

enum tok {
        T_EOF,
        T_STRING,
        T_ATOM, /* a name, number or boolean */
        T_PUNCT,
        T_ERROR, /* a string never closed */
        T_NUL,   /* a string with "\x00" in it */
};

struct lexer {
        const char *p;
        int line;
        /* the current token */
        enum tok tok;
        int tok_line;
        const char *start;
        size_t len;
        char punct;
        /* the compacted copy: tokens, single spaces, and every newline */
        char *out;
        size_t out_n;
        int out_line;
};

static bool is_punct(char ch)
{
        switch (ch) {
        case '=': case ':': case ';': case ',': case '{': case '}': case '[': case ']': case '(':
        case ')':
                return true;
        default:
                return false;
        }
}

/* Append the current token to the compacted copy.  Newlines are kept so
 * libconfig's line numbers stay those of the file; comments and runs of
 * blanks become one space (libconfig's scanner spends most of its time on
 * them: half of the parse of the shipped, well-commented policy). */
static void emit(struct lexer *lx, bool skipped)
{
        int lines = lx->tok_line - lx->out_line;

        if (lines > 0) {
                memset(lx->out + lx->out_n, '\n', (size_t) lines);
                lx->out_n += (size_t) lines;
        } else if (skipped && lx->out_n) {
                lx->out[lx->out_n++] = ' ';
        }
        memcpy(lx->out + lx->out_n, lx->start, lx->len);
        lx->out_n += lx->len;
        lx->out[lx->out_n] = '\0';
        lx->out_line = lx->line;
}

static void next(struct lexer *lx)
{
        const char *p = lx->p;
        const char *entry = p;

        for (;;) {
                while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' ||
                       *p == '\v') {
                        if (*p == '\n')
                                lx->line++;
                        p++;
                }
                if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
                        while (*p && *p != '\n')
                                p++;
                        continue;
                }
                if (p[0] == '/' && p[1] == '*') {
                        p += 2;
                        while (*p && !(p[0] == '*' && p[1] == '/')) {
                                if (*p == '\n')
                                        lx->line++;
                                p++;
                        }
                        if (*p)
                                p += 2;
                        continue;
                }
                break;
        }
        lx->tok_line = lx->line;
        lx->start = p;
        if (!*p) {
                lx->tok = T_EOF;
        } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                        /* "\x00" would end the string early in every C
                         * consumer: "/srv\x00x" would silently be "/srv". */
                        if (p[0] == '\\' && (p[1] == 'x' || p[1] == 'X') && p[2] == '0' &&
                            p[3] == '0') {
                                lx->tok = T_NUL;
                                lx->p = p;
                                return;
                        }
                        if (*p == '\\' && p[1])
                                p++;
                        if (*p == '\n')
                                lx->line++;
                        p++;
                }
                if (!*p) {
                        lx->tok = T_ERROR;
                        lx->p = p;
                        return;
                }
                p++;
                lx->tok = T_STRING;
        } else if (is_punct(*p)) {
                lx->punct = *p++;
                lx->tok = T_PUNCT;
        } else {
                while (*p && !isspace((unsigned char) *p) && !is_punct(*p) && *p != '"' &&
                       *p != '#' && !(p[0] == '/' && (p[1] == '/' || p[1] == '*')))
                        p++;
                lx->tok = T_ATOM;
        }
        lx->len = (size_t) (p - lx->start);
        lx->p = p;
        if (lx->out)
                emit(lx, lx->start != entry);
}

static bool is_name(const char *s, size_t len)
{
        if (!len || !(isalpha((unsigned char) s[0]) || s[0] == '*'))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!isalnum((unsigned char) s[i]) && !strchr("-_*", s[i]))
                        return false;
        return true;
}

static void describe(const struct lexer *lx, char *buf, size_t size)
{
        switch (lx->tok) {
        case T_EOF:
                snprintf(buf, size, "the end of the file");
                break;
        case T_STRING:
                snprintf(buf, size, "a string");
                break;
        case T_PUNCT:
                snprintf(buf, size, "'%c'", lx->punct);
                break;
        default:
                snprintf(buf, size, "'%.*s'", (int) (lx->len > 40 ? 40 : lx->len), lx->start);
                break;
        }
}

struct parser {
        struct lexer lx;
        int depth;
        int err_line;
        char *msg;
        size_t msg_size;
};

static bool fail(struct parser *ps, const char *expected)
{
        char got[64];

        if (ps->lx.tok == T_NUL) {
                ps->err_line = ps->lx.line;
                snprintf(ps->msg, ps->msg_size, "a string may not contain \"\\x00\"");
                return false;
        }
        if (ps->lx.tok == T_ERROR) {
                ps->err_line = ps->lx.tok_line;
                snprintf(ps->msg, ps->msg_size,
                         "syntax error: a string that is never closed with '\"'");
                return false;
        }
        describe(&ps->lx, got, sizeof got);
        ps->err_line = ps->lx.tok_line;
        snprintf(ps->msg, ps->msg_size, "syntax error: expected %s, got %s", expected, got);
        return false;
}

static bool is_punct_tok(const struct lexer *lx, char ch)
{
        return lx->tok == T_PUNCT && lx->punct == ch;
}

static bool parse_settings(struct parser *ps, char closer);

/* libconfig 1.5 reads a decimal or hex integer without the L suffix into
 * an int and silently wraps anything larger: "memory = 5000000000;" would
 * become 705032704.  Refuse such a number instead of misreading it. */
static bool check_int_range(struct parser *ps)
{
        const char *q = ps->lx.start, *end = ps->lx.start + ps->lx.len;
        bool neg = false, hex = false;
        unsigned long long v = 0, limit;

        if (q < end && (*q == '+' || *q == '-'))
                neg = *q++ == '-';
        if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
                hex = true;
                q += 2;
        }
        if (q == end)
                return true;
        for (const char *d = q; d < end; d++)
                if (hex ? !isxdigit((unsigned char) *d) : !isdigit((unsigned char) *d))
                        return true; /* not a plain integer: floats, 64-bit "…L", words */
        limit = neg ? UINT64_C(2147483648) : UINT64_C(2147483647);
        for (; q < end; q++) {
                unsigned digit = isdigit((unsigned char) *q) ? (unsigned) (*q - '0')
                                                             : (unsigned) (tolower(*q) - 'a' + 10);

                v = v * (hex ? 16 : 10) + digit;
                if (v > limit) {
                        ps->err_line = ps->lx.tok_line;
                        snprintf(ps->msg, ps->msg_size,
                                 "%.*s does not fit in 32 bits, and libconfig would silently "
                                 "wrap it; write %.*sL, or for a size a string like \"5G\"",
                                 (int) (ps->lx.len > 40 ? 40 : ps->lx.len), ps->lx.start,
                                 (int) (ps->lx.len > 40 ? 40 : ps->lx.len), ps->lx.start);
                        return false;
                }
        }
        return true;
}

/* A scalar: one atom, or one or more adjacent strings. */
static bool parse_scalar(struct parser *ps)
{
        if (ps->lx.tok == T_ATOM) {
                if (!check_int_range(ps))
                        return false;
                next(&ps->lx);
                return true;
        }
        if (ps->lx.tok == T_STRING) {
                while (ps->lx.tok == T_STRING)
                        next(&ps->lx);
                return true;
        }
        return fail(ps, "a value");
}

static bool parse_value(struct parser *ps)
{
        char closer;

        if (ps->lx.tok == T_PUNCT && (ps->lx.punct == '[' || ps->lx.punct == '(' ||
                                      ps->lx.punct == '{')) {
                char open = ps->lx.punct;
                bool ok;

                if (++ps->depth > MAX_DEPTH) {
                        ps->err_line = ps->lx.tok_line;
                        snprintf(ps->msg, ps->msg_size,
                                 "syntax error: nested more than %d levels deep", MAX_DEPTH);
                        return false;
                }
                next(&ps->lx);
                if (open == '{') {
                        ok = parse_settings(ps, '}');
                        ps->depth--;
                        return ok;
                }
                closer = open == '[' ? ']' : ')';
                if (is_punct_tok(&ps->lx, closer)) {
                        next(&ps->lx);
                        ps->depth--;
                        return true;
                }
                for (;;) {
                        ok = open == '[' ? parse_scalar(ps) : parse_value(ps);
                        if (!ok)
                                return false;
                        if (is_punct_tok(&ps->lx, closer))
                                break;
                        if (!is_punct_tok(&ps->lx, ','))
                                return fail(ps, open == '[' ? "',' or ']'" : "',' or ')'");
                        next(&ps->lx);
                }
                next(&ps->lx);
                ps->depth--;
                return true;
        }
        return parse_scalar(ps);
}

/* Settings up to closer ('}' or '\0' for the end of the text). */
static bool parse_settings(struct parser *ps, char closer)
{
        for (;;) {
                if (closer && is_punct_tok(&ps->lx, closer)) {
                        next(&ps->lx);
                        return true;
                }
                if (!closer && ps->lx.tok == T_EOF)
                        return true;
                if (ps->lx.tok != T_ATOM || !is_name(ps->lx.start, ps->lx.len))
                        return fail(ps, closer ? "a setting name or '}'" : "a setting name");
                next(&ps->lx);
                if (!is_punct_tok(&ps->lx, '=') && !is_punct_tok(&ps->lx, ':'))
                        return fail(ps, "'=' after the setting name");
                next(&ps->lx);
                if (!parse_value(ps))
                        return false;
                if (is_punct_tok(&ps->lx, ';') || is_punct_tok(&ps->lx, ','))
                        next(&ps->lx);
        }
}

int jaula_policy_syntax_check(const char *text, int *ret_line, char *msg, size_t msg_size,
                              char **ret_compact)
{
        struct parser ps = { .lx = { .p = text, .line = 1, .out_line = 1 },
                             .msg = msg, .msg_size = msg_size };

        if (ret_compact) {
                /* Never longer than the text: every byte out stands for at
                 * least one byte in. */
                ps.lx.out = malloc(strlen(text) + 1);
                if (!ps.lx.out)
                        return -ENOMEM;
                ps.lx.out[0] = '\0';
        }
        next(&ps.lx);
        if (parse_settings(&ps, '\0')) {
                if (ret_compact)
                        *ret_compact = ps.lx.out;
                return 0;
        }
        free(ps.lx.out);
        *ret_line = ps.err_line;
        return -EINVAL;
}
