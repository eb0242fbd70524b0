/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.h — one logging function with a sink installed by the front end.
 * The library logs at debug level only; front ends log decisions. */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "jaula/util.h"

/* prio is a syslog priority (LOG_ERR … LOG_DEBUG). */
typedef void (*jaula_log_sink_fn)(int prio, const char *msg, void *userdata);

/* Install the sink (NULL: stderr with a "jaula: " prefix). */
void jaula_log_set_sink(jaula_log_sink_fn sink, void *userdata);
/* Messages with prio above max_prio are dropped (default LOG_INFO). */
void jaula_log_set_level(int max_prio);
int jaula_log_get_level(void);
void jaula_log(int prio, const char *fmt, ...) _printf_(2, 3);
void jaula_logv(int prio, const char *fmt, va_list ap);

#define jaula_debug(...) jaula_log(LOG_DEBUG, __VA_ARGS__)

#ifndef JAULA_LOG_FILE /* a test build may point it elsewhere */
#define JAULA_LOG_FILE "/var/log/jaula.log"
#endif
/* It stops growing there (rotate or remove it). */
#define JAULA_LOG_FILE_MAX (8 * 1024 * 1024)

/* The system log of a front end outside PAM (jailsh and the jail
 * processes it forks): syslog(3) when a daemon listens on /dev/log, else,
 * for notices and worse, one line appended to JAULA_LOG_FILE (root only,
 * created 0600), so a refusal keeps its reason on hosts without syslog.  Needs euid 0 for the
 * file; never fails the caller. */
void jaula_log_system(const char *ident, int prio, const char *msg);

/* The error object library calls fill: a negative errno plus a sentence for
 * the administrator ("rootfs '/srv/r' does not exist").  The user only ever
 * sees a short generic refusal; the front end logs err->msg. */
struct jaula_err {
        int code;
        char msg[512];
};

/* Fill err (which may be NULL) and return code, which must be negative. */
int jaula_err_set(struct jaula_err *err, int code, const char *fmt, ...) _printf_(3, 4);
/* Same, appending ": strerror(-code)". */
int jaula_err_errno(struct jaula_err *err, int code, const char *fmt, ...) _printf_(3, 4);
