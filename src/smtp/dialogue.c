/* dialogue: the step machinery a worker's session parts share: a command
 * out, its reply in, a failure noted in the message's record. */
#include "smtp/dialogue.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t sess_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint32_t sess_sample(uint64_t us)
{
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

void sess_fail(struct sess *s, enum phase ph, enum fail_reason why, int code,
               const char *fmt, ...)
{
    struct record *r = &s->out.msg.rec;
    va_list ap;

    if (r->fail_reason == FAIL_NONE) {
        r->fail_phase = (uint8_t)ph;
        r->fail_reason = (uint8_t)why;
        r->fail_code = code;
    }
    if (fmt) {
        va_start(ap, fmt);
        outbox_vtext(&s->out, fmt, ap);
        va_end(ap);
    }
}

enum step sess_io_fail(struct sess *s, enum phase ph, enum io_status st, const char *label)
{
    switch (st) {
    case IO_TIMEOUT:
        sess_fail(s, ph, FAIL_TIMEOUT, 0, "timeout while %s", label);
        break;
    case IO_LINE_TOO_LONG:
        sess_fail(s, ph, FAIL_PROTOCOL, 0, "malformed reply while %s: line longer than %d bytes",
                  label, REPLY_LINE_LIMIT);
        break;
    case IO_TOO_MANY_LINES:
        sess_fail(s, ph, FAIL_PROTOCOL, 0, "malformed reply while %s: more than %d lines",
                  label, REPLY_LINES_MAX);
        break;
    case IO_TLS:
        sess_fail(s, ph, FAIL_TLS, 0, "TLS error while %s: %s", label, s->conn.why);
        break;
    default:
        sess_fail(s, ph, FAIL_LOST, 0, "lost connection while %s", label);
        break;
    }
    conn_close(&s->conn);
    if (s->cfg->allow_reject) {
        outbox_say(&s->out, REC_WARNING, "%.*s", (int)s->out.msg.rec.text_len, s->out.msg.text);
        s->out.msg.rec.text_len = 0;
        return STEP_CLOSED;
    }
    s->out.msg.rec.flags |= RF_FATAL;
    return STEP_FATAL;
}

enum step sess_rejected(struct sess *s, enum phase ph, const char *what, int closable)
{
    int code = s->reply.code;
    sess_fail(s, ph, FAIL_REPLY, code, 0);
    if (!s->cfg->allow_reject) {
        sess_fail(s, ph, FAIL_REPLY, code, "%s: %d %s", what, code, s->reply.text);
        s->out.msg.rec.flags |= RF_FATAL;
        return STEP_FATAL;
    }
    outbox_say(&s->out, REC_WARNING, "%s: %d %s", what, code, s->reply.text);
    if (closable && (code == 421 || code == 521)) {
        conn_close(&s->conn);
        return STEP_CLOSED;
    }
    return STEP_REJECTED;
}

void sess_ensure_cmd(struct sess *s, size_t need)
{
    if (need <= s->cmd_cap)
        return;
    char *p = realloc(s->cmd, need);
    if (p == 0)
        _exit(1);
    s->cmd = p;
    s->cmd_cap = need;
}

enum step sess_exchange(struct sess *s, enum phase ph, size_t len, const char *label)
{
    struct record *r = &s->out.msg.rec;
    uint64_t t0 = sess_now_us();
    enum io_status st;

    if (s->cfg->verbose)
        outbox_say(&s->out, REC_LOG, "%.*s", (int)(len - 2), s->cmd);
    uint64_t w0 = s->conn.written;
    st = conn_write(&s->conn, s->cmd, len);
    r->bytes_sent += s->conn.written - w0;
    if (st != IO_OK || (st = conn_read_reply(&s->conn, &s->reply)) != IO_OK)
        return sess_io_fail(s, ph, st, label);
    uint64_t us = sess_now_us() - t0;
    r->phase_us[ph] += us;
    r->phase_mask |= 1u << ph;
    if (ph == PH_RCPT)
        outbox_rcpt_sample(&s->out, sess_sample(us));
    r->replies[reply_class(s->reply.code)]++;
    return STEP_OK;
}

size_t sess_command(struct sess *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->cmd, s->cmd_cap, fmt, ap);
    va_end(ap);
    if (n < 0)
        _exit(1);
    if ((size_t)n >= s->cmd_cap) {
        sess_ensure_cmd(s, (size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(s->cmd, s->cmd_cap, fmt, ap);
        va_end(ap);
    }
    return (size_t)n;
}

int sess_ok(const struct sess *s)
{
    return reply_class(s->reply.code) == 2;
}

void sess_give_up(struct sess *s)
{
    struct record *r = &s->out.msg.rec;
    size_t len = sess_command(s, "QUIT\r\n");
    if (s->cfg->verbose)
        outbox_say(&s->out, REC_LOG, "QUIT");
    uint64_t w0 = s->conn.written;
    enum io_status io = conn_write(&s->conn, s->cmd, len);
    r->bytes_sent += s->conn.written - w0;
    if (io == IO_OK && conn_read_reply(&s->conn, &s->reply) == IO_OK)
        r->replies[reply_class(s->reply.code)]++;
    conn_close(&s->conn);
}

static enum step vdecline(struct sess *s, enum phase ph, enum fail_reason why,
                          const char *fmt, va_list ap)
{
    sess_fail(s, ph, why, 0, 0);
    outbox_vtext(&s->out, fmt, ap);
    if (!s->cfg->allow_reject) {
        s->out.msg.rec.flags |= RF_FATAL;
        return STEP_FATAL;
    }
    outbox_say(&s->out, REC_WARNING, "%.*s", (int)s->out.msg.rec.text_len, s->out.msg.text);
    s->out.msg.rec.text_len = 0;
    return STEP_REJECTED;
}

enum step sess_decline(struct sess *s, enum phase ph, enum fail_reason why,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum step st = vdecline(s, ph, why, fmt, ap);
    va_end(ap);
    return st;
}

enum step sess_refuse(struct sess *s, enum phase ph, enum fail_reason why,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum step st = vdecline(s, ph, why, fmt, ap);
    va_end(ap);
    if (st != STEP_REJECTED)
        return st;
    sess_give_up(s);
    return STEP_CLOSED;
}

enum step sess_rset(struct sess *s, const char *label)
{
    enum step st = sess_exchange(s, PH_RSET, sess_command(s, "RSET\r\n"), label);
    if (st != STEP_OK)
        return st;
    if (!sess_ok(s)) {
        st = sess_rejected(s, PH_RSET, "rset rejected", 1);
        if (st != STEP_REJECTED)
            return st;
    }
    return STEP_REJECTED;
}
