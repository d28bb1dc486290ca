#include "session.h"

#include "conn.h"
#include "esmtp.h"
#include "message.h"
#include "outbox.h"
#include "record.h"
#include "reply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What a protocol step leaves behind. */
enum step {
    STEP_OK,         /* go on */
    STEP_REJECTED,   /* rejected under -A: the message failed, the connection lives */
    STEP_CLOSED,     /* rejected with 421/521 under -A: the connection is gone */
    STEP_FATAL,      /* the run must stop; the record says why */
    STEP_STOPPED,    /* the run is stopping: this message is given up */
};

struct sess {
    const struct session_args *a;
    const struct config *cfg;
    unsigned who;            /* this worker's index */
    unsigned long pid;       /* for Message-Id */
    struct conn conn;
    int attempts_left;       /* -C: connect attempts over the worker's life */
    uint32_t conn_seq;
    struct msg_headers mh;
    char *hdr;               /* generated headers of the current message */
    char *cmd;               /* the command being sent */
    size_t cmd_cap;
    struct outbox out;       /* records to the parent */
    struct reply reply;
    struct esmtp ext;        /* what the server offered in reply to EHLO/LHLO */
    bool pipelined;          /* --pipelining and the server offers it */
    size_t group_max;        /* bytes of commands written before reading */
    char *group;             /* the commands of a pipelined group */
    size_t group_cap;
    bool quit_sent;          /* QUIT went out behind the last dot */
    struct {                 /* the next transaction, claimed behind a dot */
        bool valid;
        int64_t slot;
        int64_t first_rcpt;
        int64_t sent;        /* commands of its group already written */
        uint64_t bytes;      /* what write() took of them */
        uint64_t t0;         /* when they were written */
    } next;
    struct {                 /* the current transaction, if it was claimed so */
        bool valid;
        int64_t first_rcpt;
        int64_t sent;        /* its commands on the wire of this connection */
        uint64_t t0;
    } pre;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A latency as one RCPT sample: they travel as 32-bit microseconds, so
 * one beyond 71 minutes is counted as 71 minutes (the histogram's top). */
static uint32_t sample(uint64_t us)
{
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void log_reply_line(void *ctx, const char *line, size_t len)
{
    outbox_say(ctx, REC_LOG, "<<< %.*s", (int)len, line);
}

/* Records the first failure of the message; the text of a fatal one. */
__attribute__((format(printf, 5, 6)))
static void fail(struct sess *s, enum phase ph, enum fail_reason why, int code,
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

/* A lost connection, a timeout or a malformed reply. Fatal, as in the
 * reference; with -A it is counted and the run goes on with a new
 * connection, so that a flaky server can be measured rather than fled. */
static enum step io_fail(struct sess *s, enum phase ph, enum io_status st, const char *label)
{
    switch (st) {
    case IO_TIMEOUT:
        fail(s, ph, FAIL_TIMEOUT, 0, "timeout while %s", label);
        break;
    case IO_LINE_TOO_LONG:
        fail(s, ph, FAIL_PROTOCOL, 0, "malformed reply while %s: line longer than %d bytes",
             label, REPLY_LINE_LIMIT);
        break;
    case IO_TOO_MANY_LINES:
        fail(s, ph, FAIL_PROTOCOL, 0, "malformed reply while %s: more than %d lines",
             label, REPLY_LINES_MAX);
        break;
    default:
        fail(s, ph, FAIL_LOST, 0, "lost connection while %s", label);
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

/* An unexpected reply: fatal, or with -A a warning. With -A, 421 and 521
 * end the connection (where closable) without QUIT. */
static enum step rejected(struct sess *s, enum phase ph, const char *what, int closable)
{
    int code = s->reply.code;
    fail(s, ph, FAIL_REPLY, code, 0);
    if (!s->cfg->allow_reject) {
        fail(s, ph, FAIL_REPLY, code, "%s: %d %s", what, code, s->reply.text);
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

static void ensure_cmd(struct sess *s, size_t need)
{
    if (need <= s->cmd_cap)
        return;
    char *p = realloc(s->cmd, need);
    if (p == 0)
        _exit(1);
    s->cmd = p;
    s->cmd_cap = need;
}

/* Sends the command in s->cmd (len bytes with CRLF), reads its reply and
 * adds the time to the phase. The reply is in s->reply. */
static enum step exchange(struct sess *s, enum phase ph, size_t len, const char *label)
{
    struct record *r = &s->out.msg.rec;
    uint64_t t0 = now_us();
    enum io_status st;

    if (s->cfg->verbose)
        outbox_say(&s->out, REC_LOG, "%.*s", (int)(len - 2), s->cmd);
    uint64_t w0 = s->conn.written;
    st = conn_write(&s->conn, s->cmd, len);
    r->bytes_sent += s->conn.written - w0;
    if (st != IO_OK || (st = conn_read_reply(&s->conn, &s->reply)) != IO_OK)
        return io_fail(s, ph, st, label);
    uint64_t us = now_us() - t0;
    r->phase_us[ph] += us;
    r->phase_mask |= 1u << ph;
    if (ph == PH_RCPT)
        outbox_rcpt_sample(&s->out, sample(us));
    r->replies[reply_class(s->reply.code)]++;
    return STEP_OK;
}

static size_t command(struct sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Formats a command into s->cmd, growing it if need be: the length
 * returned always matches bytes that are really there. */
static size_t command(struct sess *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->cmd, s->cmd_cap, fmt, ap);
    va_end(ap);
    if (n < 0)
        _exit(1);
    if ((size_t)n >= s->cmd_cap) {
        ensure_cmd(s, (size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(s->cmd, s->cmd_cap, fmt, ap);
        va_end(ap);
    }
    return (size_t)n;
}

static int ok(const struct sess *s)
{
    return reply_class(s->reply.code) == 2;
}

static enum step rset(struct sess *s, const char *label)
{
    enum step st = exchange(s, PH_RSET, command(s, "RSET\r\n"), label);
    if (st != STEP_OK)
        return st;
    if (!ok(s)) {
        st = rejected(s, PH_RSET, "rset rejected", 1);
        if (st != STEP_REJECTED)
            return st;
    }
    return STEP_REJECTED;
}

static enum step hello(struct sess *s, const char *verb)
{
    char label[32];
    snprintf(label, sizeof(label), "sending %s", verb);
    return exchange(s, PH_HELO, command(s, "%s %s\r\n", verb, s->a->myhostname), label);
}

/* How many bytes of commands may go out before their replies are read:
 * no more than the socket's send buffer holds, so the write completes even
 * if the server stops reading while its replies wait for us (RFC 2920 5). */
static size_t group_limit(int fd)
{
    int buf = 0;
    socklen_t len = sizeof(buf);
    size_t lim = 4096;
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, &len) == 0 && buf > 0)
        lim = (size_t)buf / 2;
    if (lim < 512)
        lim = 512;
    if (lim > 65536)
        lim = 65536;
    return lim;
}

static enum step open_connection(struct sess *s)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    char warn[160];
    int err;
    enum step st;

    uint64_t t0 = now_us();
    while (conn_open(&s->conn, (const struct sockaddr *)s->a->addr, s->a->addrlen,
                     cfg->timeout, cfg->tcp_window, &err, warn, sizeof(warn)) < 0) {
        if (warn[0])
            outbox_say(&s->out, REC_WARNING, "%s", warn);
        if (--s->attempts_left <= 0) {
            fail(s, PH_CONNECT, FAIL_CONNECT, 0, "connect to %s: %s",
                 s->a->target_name, strerror(err));
            r->flags |= RF_FATAL;
            return STEP_FATAL;
        }
        outbox_say(&s->out, REC_WARNING, "connect to %s: %s", s->a->target_name, strerror(err));
        if (shared_stopping(s->a->sh))
            return STEP_STOPPED;
        nanosleep(&(struct timespec){ 0, 10000 }, 0);
        t0 = now_us();
    }
    if (warn[0])
        outbox_say(&s->out, REC_WARNING, "%s", warn);
    r->phase_us[PH_CONNECT] = now_us() - t0;
    r->phase_mask |= 1u << PH_CONNECT;
    r->flags |= RF_NEW_CONN;
    r->conn_seq = ++s->conn_seq;
    s->group_max = group_limit(s->conn.fd);
    s->pre.sent = 0;         /* whatever was written went with the old connection */

    t0 = now_us();
    enum io_status io = conn_read_reply(&s->conn, &s->reply);
    if (io != IO_OK)
        return io_fail(s, PH_BANNER, io, "reading server greeting");
    r->phase_us[PH_BANNER] = now_us() - t0;
    r->phase_mask |= 1u << PH_BANNER;
    r->replies[reply_class(s->reply.code)]++;
    if (!ok(s) && (st = rejected(s, PH_BANNER, "rejected at server banner", 0)) == STEP_FATAL)
        return st;

    memset(&s->ext, 0, sizeof(s->ext));
    s->pipelined = false;
    s->quit_sent = false;
    if (cfg->old_mode)
        return STEP_OK;
    const char *verb = cfg->lmtp ? "LHLO" : cfg->ehlo ? "EHLO" : "HELO";
    if ((st = hello(s, verb)) != STEP_OK)
        return st;
    if (ok(s)) {
        if (verb[0] != 'H')
            esmtp_parse(s->reply.text, s->reply.text_len, &s->ext);
        s->pipelined = cfg->pipelining && s->ext.pipelining;
        return STEP_OK;
    }
    /* RFC 5321 4.1.4: a client whose EHLO is refused may fall back to HELO. */
    if (verb[0] == 'E' && reply_class(s->reply.code) == 5) {
        if ((st = hello(s, "HELO")) != STEP_OK)
            return st;
        if (ok(s))
            return STEP_OK;
        verb = "HELO";
    }
    char what[32];
    snprintf(what, sizeof(what), "%s rejected", verb);
    if ((st = rejected(s, PH_HELO, what, 1)) != STEP_REJECTED)
        return st;
    return STEP_OK;
}

static size_t rcpt_command(struct sess *s, int64_t first, int64_t i)
{
    const struct config *cfg = s->cfg;
    const char *to = s->a->recipient;

    if (cfg->number_rcpts)
        return command(s, "RCPT TO:<%lld%s>\r\n", (long long)(first + i), to);
    /* 3.7 numbering: n, n-1, ..., 2 prepended, the last one plain. */
    if (cfg->rcpts > 1 && i < cfg->rcpts - 1)
        return command(s, "RCPT TO:<%lld%s>\r\n", (long long)(cfg->rcpts - i), to);
    return command(s, "RCPT TO:<%s>\r\n", to);
}

/* A recipient refused (at RCPT, or by an LMTP end-of-data reply): kept
 * apart from the message's own outcome, which may still be "sent". */
static void rcpt_refused(struct sess *s, int code)
{
    struct record *r = &s->out.msg.rec;
    if (r->rej_n < REC_CODES)
        r->rej_code[r->rej_n++] = (uint16_t)(code > 0 && code < 1000 ? code : 0);
}

static size_t pipeline_tail(struct sess *s);

static enum step send_content(struct sess *s, int64_t slot)
{
    const struct session_args *a = s->a;
    struct record *r = &s->out.msg.rec;
    struct iovec iov[3];
    int n = 0;

    if (a->headers) {
        unsigned long left = (unsigned long)(s->cfg->messages - slot - 1);
        size_t hl = msg_format_headers(s->hdr, &s->mh, s->pid,
                                       (unsigned long)s->conn.fd, left);
        iov[n].iov_base = s->hdr;
        iov[n++].iov_len = hl;
    }
    iov[n].iov_base = (void *)a->body;
    iov[n++].iov_len = a->body_len;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += iov[i].iov_len;
    if (s->cfg->verbose)
        outbox_say(&s->out, REC_LOG, ".");
    size_t tail = pipeline_tail(s);
    if (tail) {
        iov[n].iov_base = s->group;
        iov[n++].iov_len = tail;
    }
    uint64_t t0 = now_us();
    uint64_t w0 = s->conn.written;
    enum io_status st = conn_writev(&s->conn, iov, n);
    /* What went out beyond this message's content is the next
     * transaction's, unless it is this connection's QUIT. */
    uint64_t out = s->conn.written - w0;
    uint64_t mine = s->quit_sent || out < total ? out : total;
    r->bytes_sent += mine;
    s->next.bytes = out - mine;
    if (st != IO_OK)
        return io_fail(s, PH_DOT, st, "sending message");
    s->next.t0 = t0;
    r->flags |= RF_DOT_SENT;
    return STEP_OK;
}

/* After the 354: the content, the dot, and the end-of-data reply (LMTP:
 * one per accepted recipient, RFC 2033). */
static enum step deliver(struct sess *s, int64_t slot)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    enum step st;

    uint64_t t0 = now_us();
    if ((st = send_content(s, slot)) != STEP_OK)
        return st;
    uint32_t replies = cfg->lmtp ? r->rcpt_ok : 1, delivered = 0;
    for (uint32_t i = 0; i < replies; i++) {
        enum io_status io = conn_read_reply(&s->conn, &s->reply);
        if (io != IO_OK)
            return io_fail(s, PH_DOT, io, "sending message");
        r->replies[reply_class(s->reply.code)]++;
        if (ok(s)) {
            delivered++;
            continue;
        }
        if (cfg->lmtp)
            rcpt_refused(s, s->reply.code);
        if ((st = rejected(s, PH_DOT, "end of data rejected", 1)) != STEP_REJECTED)
            return st;
    }
    r->phase_us[PH_DOT] = now_us() - t0;
    r->phase_mask |= 1u << PH_DOT;
    if (delivered > 0) {
        r->flags |= RF_SENT;
        r->rcpt_delivered = cfg->lmtp ? delivered : r->rcpt_ok;
    }
    return delivered == replies ? STEP_OK : STEP_REJECTED;
}

static void group_append(struct sess *s, size_t *len, size_t add)
{
    if (*len + add > s->group_cap) {
        size_t cap = (*len + add) * 2;
        char *p = realloc(s->group, cap);
        if (p == 0)
            _exit(1);
        s->group = p;
        s->group_cap = cap;
    }
    memcpy(s->group + *len, s->cmd, add);
    *len += add;
    if (s->cfg->verbose)
        outbox_say(&s->out, REC_LOG, "%.*s", (int)(add - 2), s->cmd);
}

/* Command k of a pipelined transaction of n is MAIL, an RCPT, or DATA. */
static enum phase group_phase(int64_t k, int64_t n, const char **label)
{
    if (k == 0) {
        *label = "sending sender";
        return PH_MAIL;
    }
    if (k == n - 1) {
        *label = "sending DATA command";
        return PH_DATA;
    }
    *label = "sending recipient";
    return PH_RCPT;
}

static size_t group_command(struct sess *s, int64_t k, int64_t n, int64_t first)
{
    if (k == 0)
        return command(s, "MAIL FROM:<%s>\r\n", s->a->sender);
    if (k == n - 1)
        return command(s, "DATA\r\n");
    return rcpt_command(s, first, k - 1);
}

/* The first -N number of this slot's recipients: claimed already if the
 * slot was claimed behind a dot, else now. */
static int64_t rcpt_base(struct sess *s)
{
    if (!s->cfg->number_rcpts)
        return 0;
    if (s->pre.valid)
        return s->pre.first_rcpt;
    return shared_claim_rcpts(s->a->sh, s->who, s->cfg->rcpts);
}

/* Appends commands of the transaction to s->group from *sent on, while
 * they fit group_max (at least one); returns the group's length. */
static size_t group_build(struct sess *s, int64_t *sent, int64_t n, int64_t first, size_t len)
{
    size_t start = len;
    while (*sent < n) {
        size_t cl = group_command(s, *sent, n, first);
        if (len > start && len + cl > s->group_max)
            break;
        group_append(s, &len, cl);
        (*sent)++;
    }
    return len;
}

/* MAIL, the RCPTs and DATA: -r can be INT_MAX, so the count is 64-bit. */
static int64_t transaction_commands(const struct config *cfg)
{
    return (int64_t)cfg->rcpts + 2;
}

/* Behind the dot of a pipelined transaction go, in the same write (RFC
 * 2920 3.1), the next transaction's first group when -d has another
 * message for this connection, or else QUIT. Returns the bytes placed in
 * s->group, 0 for none. */
static size_t pipeline_tail(struct sess *s)
{
    const struct config *cfg = s->cfg;
    size_t len = 0;

    if (!s->pipelined)
        return 0;
    if (cfg->reuse) {
        /* A delay between messages (-w, -R) must come before the next MAIL. */
        if (cfg->fixed_delay || cfg->random_delay)
            return 0;
        int64_t next;
        if (shared_claim_slot(s->a->sh, s->who, &next)) {
            s->next.valid = true;
            s->next.slot = next;
            s->next.first_rcpt = cfg->number_rcpts
                ? shared_claim_rcpts(s->a->sh, s->who, cfg->rcpts) : 0;
            s->next.sent = 0;
            len = group_build(s, &s->next.sent, transaction_commands(cfg),
                              s->next.first_rcpt, 0);
            return len;
        }
    }
    group_append(s, &len, command(s, "QUIT\r\n"));
    s->quit_sent = true;
    return len;
}

/* RFC 2920: MAIL, every RCPT and DATA go out in groups of at most
 * group_max bytes; each group's replies are read in order before the
 * next group is written. Every reply is accounted to its command. The
 * first group may already be on the wire, written behind the last dot. */
static enum step pipelined_transaction(struct sess *s, int64_t slot)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    int64_t n = transaction_commands(cfg), sent = 0, got = 0;
    int mail_ok = 0, data_ok = 0;
    int64_t first;
    uint64_t t0 = 0;
    enum phase ph;
    const char *label;
    enum step st;
    enum io_status io;

    first = rcpt_base(s);
    if (s->pre.valid && s->pre.sent > 0) {
        sent = s->pre.sent;
        t0 = s->pre.t0;
    }

    for (; got < n; got++) {
        if (got == sent) {
            size_t len = group_build(s, &sent, n, first, 0);
            t0 = now_us();
            uint64_t w0 = s->conn.written;
            io = conn_write(&s->conn, s->group, len);
            r->bytes_sent += s->conn.written - w0;
            if (io != IO_OK) {
                ph = group_phase(got, n, &label);
                return io_fail(s, ph, io, label);
            }
        }
        ph = group_phase(got, n, &label);
        if ((io = conn_read_reply(&s->conn, &s->reply)) != IO_OK)
            return io_fail(s, ph, io, label);
        uint64_t us = now_us() - t0;
        r->phase_us[ph] += us;
        r->phase_mask |= 1u << ph;
        r->replies[reply_class(s->reply.code)]++;
        if (ph == PH_MAIL) {
            if (ok(s))
                mail_ok = 1;
            else if ((st = rejected(s, ph, "sender rejected", 1)) != STEP_REJECTED)
                return st;
        } else if (ph == PH_RCPT) {
            outbox_rcpt_sample(&s->out, sample(us));
            r->rcpt_sent++;
            if (ok(s)) {
                r->rcpt_ok++;
            } else {
                r->rcpt_bad++;
                rcpt_refused(s, s->reply.code);
                if ((st = rejected(s, ph, "recipient rejected", 1)) != STEP_REJECTED)
                    return st;
            }
        } else if (s->reply.code == 354) {
            data_ok = 1;
        } else if ((st = rejected(s, ph, "data rejected", 1)) != STEP_REJECTED) {
            return st;
        }
    }
    if (data_ok && mail_ok && r->rcpt_ok > 0)
        return deliver(s, slot);
    if (data_ok) {
        /* The server took DATA with nothing valid before it: an empty
         * message ends it (RFC 2920 3.1); its reply is read and counted. */
        size_t cl = command(s, ".\r\n");
        if (cfg->verbose)
            outbox_say(&s->out, REC_LOG, ".");
        uint64_t w0 = s->conn.written;
        io = conn_write(&s->conn, s->cmd, cl);
        r->bytes_sent += s->conn.written - w0;
        if (io == IO_OK)
            io = conn_read_reply(&s->conn, &s->reply);
        if (io != IO_OK)
            return io_fail(s, PH_DOT, io, "sending message");
        r->replies[reply_class(s->reply.code)]++;
        return STEP_REJECTED;
    }
    return rset(s, "sending DATA command");
}

static enum step transaction(struct sess *s, int64_t slot)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    enum step st;

    if (s->pipelined)
        return pipelined_transaction(s, slot);
    st = exchange(s, PH_MAIL, command(s, "MAIL FROM:<%s>\r\n", s->a->sender), "sending sender");
    if (st != STEP_OK)
        return st;
    if (!ok(s)) {
        if ((st = rejected(s, PH_MAIL, "sender rejected", 1)) != STEP_REJECTED)
            return st;
        return rset(s, "sending sender");
    }

    int64_t first = rcpt_base(s);
    for (int64_t i = 0; i < cfg->rcpts; i++) {
        st = exchange(s, PH_RCPT, rcpt_command(s, first, i), "sending recipient");
        if (st != STEP_OK)
            return st;
        r->rcpt_sent++;
        if (ok(s)) {
            r->rcpt_ok++;
        } else {
            r->rcpt_bad++;
            rcpt_refused(s, s->reply.code);
            if ((st = rejected(s, PH_RCPT, "recipient rejected", 1)) != STEP_REJECTED)
                return st;
        }
    }
    if (r->rcpt_ok == 0)
        return rset(s, "sending recipient");

    st = exchange(s, PH_DATA, command(s, "DATA\r\n"), "sending DATA command");
    if (st != STEP_OK)
        return st;
    if (s->reply.code != 354) {
        if ((st = rejected(s, PH_DATA, "data rejected", 1)) != STEP_REJECTED)
            return st;
        return rset(s, "sending DATA command");
    }

    return deliver(s, slot);
}

/* QUIT's reply is read and ignored, whatever it is: the message is already
 * accounted for, so a server that hangs up here fails nothing. */
static void quit(struct sess *s)
{
    struct record *r = &s->out.msg.rec;
    size_t len = command(s, "QUIT\r\n");
    uint64_t t0 = now_us();
    enum io_status io = IO_OK;

    bool sent = s->quit_sent;
    if (sent) {
        t0 = s->next.t0;
    } else {
        if (s->cfg->verbose)
            outbox_say(&s->out, REC_LOG, "QUIT");
        uint64_t w0 = s->conn.written;
        io = conn_write(&s->conn, s->cmd, len);
        r->bytes_sent += s->conn.written - w0;
    }
    if (io == IO_OK && conn_read_reply(&s->conn, &s->reply) == IO_OK) {
        r->phase_us[PH_QUIT] = now_us() - t0;
        r->phase_mask |= 1u << PH_QUIT;
        r->replies[reply_class(s->reply.code)]++;
    }
    conn_close(&s->conn);
    s->quit_sent = false;
}

static void pause_between(struct sess *s)
{
    const struct config *cfg = s->cfg;
    long secs = cfg->fixed_delay;

    if (cfg->random_delay)
        secs = (long)((unsigned)rand() % ((unsigned)cfg->random_delay + 1u));
    /* Sleep in short steps so that a stop request is seen promptly. */
    for (long ms = secs * 1000L; ms > 0 && !shared_stopping(s->a->sh); ms -= 100) {
        struct timespec ts = { 0, (ms < 100 ? ms : 100) * 1000000L };
        nanosleep(&ts, 0);
    }
}

/* Sends the current message's record. A message that was sent in the end
 * carries no failure: refusals along the way (a recipient, an LMTP
 * recipient at end of data) are in fields of their own. */
static void report(struct sess *s)
{
    struct record *r = &s->out.msg.rec;
    if (r->flags & RF_SENT) {
        r->fail_reason = FAIL_NONE;
        r->fail_phase = 0;
        r->fail_code = 0;
        if (!(r->flags & RF_FATAL))
            r->text_len = 0;
    }
    outbox_send(&s->out);
}

/* The record of a slot that was claimed but never started, because the
 * run is stopping: every claimed slot gets one record. */
static void report_not_done(struct sess *s, int64_t slot)
{
    outbox_begin(&s->out, slot, s->conn_seq)->flags |= RF_NOT_DONE;
    outbox_send(&s->out);
}

/* Takes over the transaction claimed behind the last dot, if it is this
 * slot's: its -N numbers, and what of it this connection already carries. */
static void take_prefetched(struct sess *s, int64_t slot)
{
    s->pre.valid = s->next.valid && s->next.slot == slot;
    if (s->pre.valid) {
        s->pre.first_rcpt = s->next.first_rcpt;
        s->pre.sent = s->conn.fd >= 0 ? s->next.sent : 0;
        s->pre.t0 = s->next.t0;
        s->out.msg.rec.bytes_sent += s->next.bytes;
    }
    s->next.valid = false;
    s->next.bytes = 0;
}

_Noreturn void session_worker(const struct session_args *a, unsigned index, int out_fd)
{
    static struct sess sess;
    struct sess *s = &sess;
    const struct config *cfg = a->cfg;
    int64_t slot;

    s->a = a;
    s->cfg = cfg;
    s->who = index;
    outbox_init(&s->out, out_fd, index);
    s->pid = (unsigned long)getpid();
    s->conn.fd = -1;
    s->attempts_left = cfg->connect_attempts;
    s->mh = (struct msg_headers){ a->sender, a->recipient, a->date, a->myhostname, cfg->subject };
    s->hdr = malloc(msg_headers_max(&s->mh));
    size_t longest = strlen(a->sender) > strlen(a->recipient) ? strlen(a->sender) : strlen(a->recipient);
    ensure_cmd(s, longest + strlen(a->myhostname) + 64);
    if (s->hdr == 0)
        _exit(1);
    if (cfg->verbose) {
        s->reply.on_line = log_reply_line;
        s->reply.on_line_ctx = &s->out;
    }
    if (cfg->random_delay)
        srand((unsigned)getpid());

    int have = shared_claim_slot(a->sh, s->who, &slot);
    while (have) {
        enum step st = STEP_OK;
        uint64_t t0 = now_us();

        outbox_begin(&s->out, slot, s->conn_seq);
        take_prefetched(s, slot);
        /* A stop lets in-flight messages finish but starts nothing: a slot
         * whose commands are not on the wire yet is given up. */
        if (shared_stopping(a->sh) && !(s->pre.valid && s->pre.sent > 0))
            st = STEP_STOPPED;
        if (st == STEP_OK && s->conn.fd < 0)
            st = open_connection(s);
        if (st == STEP_OK)
            st = transaction(s, slot);
        if (st == STEP_STOPPED) {
            if (s->conn.fd >= 0)
                quit(s);
            s->out.msg.rec.flags |= RF_NOT_DONE;
            report(s);
            break;
        }
        s->out.msg.rec.phase_us[PH_MESSAGE] = now_us() - t0;
        s->out.msg.rec.phase_mask |= 1u << PH_MESSAGE;

        if (st == STEP_FATAL) {
            report(s);
            if (s->next.valid)
                report_not_done(s, s->next.slot);
            _exit(1);
        }
        if (s->next.valid) {
            /* Pipelined -d: the next slot was claimed behind the dot. */
            report(s);
            slot = s->next.slot;
            continue;
        }
        if (s->conn.fd >= 0 && cfg->reuse) {
            int64_t next;
            if ((have = shared_claim_slot(a->sh, s->who, &next))) {
                report(s);
                slot = next;
                pause_between(s);
                continue;
            }
        }
        if (s->conn.fd >= 0)
            quit(s);
        report(s);
        if ((have = shared_claim_slot(a->sh, s->who, &slot)))
            pause_between(s);
    }
    _exit(0);
}
