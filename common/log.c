/* log.c — logging sink and error objects.  No privilege needed. */
#include <stdio.h>
#include <string.h>

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
