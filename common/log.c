/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.c — logging sink and error objects.  No privilege needed, but for
 * jaula_log_system's fallback file (root). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "jaula/log.h"

static jaula_log_sink_fn log_sink;
static void *log_userdata;
static int log_level = LOG_INFO;

JAULA_EXPORT void jaula_log_set_sink(jaula_log_sink_fn sink, void *userdata)
{
        log_sink = sink;
        log_userdata = userdata;
}

JAULA_EXPORT void jaula_log_set_level(int max_prio)
{
        log_level = max_prio;
}

JAULA_EXPORT int jaula_log_get_level(void)
{
        return log_level;
}

JAULA_EXPORT void jaula_logv(int prio, const char *fmt, va_list ap)
{
        char buf[1024];
        int saved = errno;

        if (prio > log_level)
                return;
        vsnprintf(buf, sizeof buf, fmt, ap);
        if (log_sink)
                log_sink(prio, buf, log_userdata);
        else
                fprintf(stderr, "jaula: %s\n", buf);
        errno = saved;
}

JAULA_EXPORT void jaula_log(int prio, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        jaula_logv(prio, fmt, ap);
        va_end(ap);
}

JAULA_EXPORT int jaula_err_set(struct jaula_err *err, int code, const char *fmt, ...)
{
        va_list ap;

        if (code >= 0)
                code = -EIO;
        if (!err)
                return code;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        return code;
}

JAULA_EXPORT int jaula_err_errno(struct jaula_err *err, int code, const char *fmt, ...)
{
        va_list ap;
        size_t n;

        if (code >= 0)
                code = -EIO;
        if (!err)
                return code;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(-code));
        return code;
}

/* syslog(3) reports nothing: with no daemon behind /dev/log a message is
 * silently lost (the Debian 12 default without rsyslog and systemd).  So
 * ask the socket ourselves, as glibc would connect to it (datagram, then
 * stream), at each message: a daemon started later is used from then on,
 * and a refusal is rare enough for the few system calls. */
static bool syslog_listens(void)
{
        static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                _cleanup_close_ int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

                if (fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0)
                        return true;
        }
        return false;
}

/* Opened at each message, never kept: the caller may be about to enter a
 * jail, and an fd on a host file must not follow it there.  Refuses
 * anything but a regular root-owned file (O_NOFOLLOW: no symlink planted
 * by whoever could write /var/log; O_NONBLOCK: no FIFO to hang on). */
static int fallback_open(void)
{
        const int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
        _cleanup_close_ int fd = open(JAULA_LOG_FILE, flags);
        struct stat st;

        if (fd < 0 && errno == ENOENT) {
                fd = open(JAULA_LOG_FILE, flags | O_CREAT | O_EXCL, 0600);
                /* The caller's umask must not widen or narrow it. */
                if (fd >= 0 && fchmod(fd, 0600) < 0)
                        return -errno;
        }
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_uid != 0)
                return -EPERM;
        /* Anyone may run the setuid jailsh and have a refusal logged: a
         * cap keeps that from filling /var/log. */
        if (st.st_size >= JAULA_LOG_FILE_MAX)
                return -EFBIG;
        return TAKE_FD(fd);
}

/* One write: O_APPEND keeps concurrent writers' lines whole.  A caller's
 * small RLIMIT_FSIZE makes it fail with EFBIG (the line is lost); the
 * SIGXFSZ it raises cannot end jailsh, which blocks every signal while it
 * works and drops that one before the shell runs (setup_guard). */
static void write_line(int fd, const char *line, size_t n)
{
        (void) !write(fd, line, n);
}

JAULA_EXPORT void jaula_log_system(const char *ident, int prio, const char *msg)
{
        static const char *const names[] = { "emerg", "alert", "crit", "err",
                                             "warning", "notice", "info", "debug" };
        int saved = errno;
        _cleanup_close_ int fd = -1;
        char line[1400], stamp[32];
        struct timespec ts;
        struct tm tm;
        size_t n;
        int len;

        if (syslog_listens()) {
                syslog(prio, "%s", msg);
                goto out;
        }
        /* The file is for what went wrong: a login per line would grow it
         * without bound where nothing rotates it. */
        if (LOG_PRI(prio) > LOG_NOTICE)
                goto out;
        fd = fallback_open();
        if (fd < 0)
                goto out;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        len = snprintf(line, sizeof line, "%s %s[%d]: %s: %s", stamp, ident ? ident : "jaula",
                       (int) getpid(), names[LOG_PRI(prio)], msg);
        if (len < 0)
                goto out;
        n = (size_t) len < sizeof line - 1 ? (size_t) len : sizeof line - 2;
        /* One line per message, whatever a name in it held. */
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) line[i] < 0x20 || line[i] == 0x7f)
                        line[i] = '?';
        line[n++] = '\n';
        write_line(fd, line, n);
out:
        errno = saved;
}
