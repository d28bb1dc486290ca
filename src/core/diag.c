#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "smtp-source";

void diag_init(const char *argv0)
{
    if (argv0 && *argv0)
        prog = argv0;
}

const char *diag_prog(void)
{
    return prog;
}

void diag_censor(char *dst, const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
}

void diag_text(const char *level, const char *text, size_t len)
{
    char buf[4096];
    size_t o = 0;
    int n = level ? snprintf(buf, sizeof(buf), "%s: %s: ", prog, level)
                  : snprintf(buf, sizeof(buf), "%s: ", prog);
    if (n < 0)
        return;
    o = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    if (len > sizeof(buf) - 1 - o)
        len = sizeof(buf) - 1 - o;
    diag_censor(buf + o, text, len);
    o += len;
    buf[o++] = '\n';
    /* One write per line, so lines from a busy run never tear. */
    fflush(stdout);
    ssize_t w = write(STDERR_FILENO, buf, o);
    (void)w;
}

static void vtext(const char *level, const char *fmt, va_list ap)
{
    char text[4096];
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    if (n < 0)
        return;
    diag_text(level, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

void diag_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vtext("warning", fmt, ap);
    va_end(ap);
}

void diag_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vtext(0, fmt, ap);
    va_end(ap);
}

void diag_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vtext("fatal", fmt, ap);
    va_end(ap);
}

void diag_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vtext("fatal", fmt, ap);
    va_end(ap);
    /* As the reference: no exit handlers, nothing half-done is flushed. */
    fflush(stdout);
    _exit(1);
}
