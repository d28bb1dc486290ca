/* transaction: MAIL, RCPT, DATA and the content, plain or pipelined. */
#include "smtp/transaction.h"

#include "smtp/sized.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Recipient i of the n of slot's message whose -N numbers start at first. */
static size_t rcpt_command(struct sess *s, int64_t slot, int64_t first, int64_t i, int64_t n)
{
    const struct config *cfg = s->cfg;
    bool plain;
    const char *to = sized_rcpt(s, slot, i, n, &plain);

    if (plain)
        return sess_command(s, "RCPT TO:<%s>\r\n", to);
    if (cfg->number_rcpts)
        return sess_command(s, "RCPT TO:<%lld%s>\r\n", (long long)(first + i), to);
    /* 3.7 numbering: n, n-1, ..., 2 prepended, the last one plain. */
    if (n > 1 && i < n - 1)
        return sess_command(s, "RCPT TO:<%lld%s>\r\n", (long long)(n - i), to);
    return sess_command(s, "RCPT TO:<%s>\r\n", to);
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
static size_t headers(struct sess *s, int64_t slot);

static enum step send_content(struct sess *s, int64_t slot)
{
    const struct session_args *a = s->a;
    struct record *r = &s->out.msg.rec;
    struct iovec own[3], *iov = own;
    int n = 0;

    size_t hl = headers(s, slot);
    if (s->lay) {
        sized_layout(s, slot, hl, true);
        iov = s->lay->seg;
        n = s->lay->n;
    } else {
        if (hl) {
            iov[n].iov_base = s->hdr;
            iov[n++].iov_len = hl;
        }
        iov[n].iov_base = (void *)a->body;
        iov[n++].iov_len = a->body_len;
    }
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
    uint64_t t0 = sess_now_us();
    uint64_t w0 = s->conn.written;
    enum io_status st = conn_writev(&s->conn, iov, n);
    /* What went out beyond this message's content is the next
     * transaction's, unless it is this connection's QUIT. */
    uint64_t out = s->conn.written - w0;
    uint64_t mine = s->quit_sent || out < total ? out : total;
    r->bytes_sent += mine;
    s->next.bytes = out - mine;
    if (st != IO_OK)
        return sess_io_fail(s, PH_DOT, st, "sending message");
    s->next.t0 = t0;
    r->flags |= RF_DOT_SENT;
    return STEP_OK;
}

/* The end-of-data reply (SMTP), or one per accepted recipient (LMTP, RFC
 * 2033), after the dot or BDAT LAST, whose writing began at t0. With LMTP
 * a connection lost after some recipients were delivered leaves the
 * message sent; the recipients without a reply are counted as lost. */
static enum step final_replies(struct sess *s, enum phase ph, uint64_t t0)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    const char *what = ph == PH_BDAT ? "BDAT LAST rejected" : "end of data rejected";
    enum step st;

    uint32_t replies = cfg->lmtp ? r->rcpt_ok : 1, delivered = 0;
    for (uint32_t i = 0; i < replies; i++) {
        enum io_status io = conn_read_reply(&s->conn, &s->reply);
        if (io != IO_OK) {
            if (delivered > 0) {
                r->flags |= RF_SENT;
                r->rcpt_delivered = delivered;
                r->rcpt_lost = replies - i;
            } else {
                /* The content is out and no answer came: the server may
                 * hold the message. */
                r->flags |= RF_UNKNOWN;
            }
            return sess_io_fail(s, ph, io, "sending message");
        }
        r->replies[reply_class(s->reply.code)]++;
        if (sess_ok(s)) {
            delivered++;
            continue;
        }
        if (cfg->lmtp)
            rcpt_refused(s, s->reply.code);
        if ((st = sess_rejected(s, ph, what, 1)) != STEP_REJECTED) {
            /* A 421 ends the connection: the recipients after it are lost. */
            if (delivered > 0) {
                r->flags |= RF_SENT;
                r->rcpt_delivered = delivered;
                r->rcpt_lost = replies - i - 1;
            }
            return st;
        }
    }
    r->phase_us[ph] = sess_now_us() - t0;
    r->phase_mask |= 1u << ph;
    if (delivered > 0) {
        r->flags |= RF_SENT;
        r->rcpt_delivered = cfg->lmtp ? delivered : r->rcpt_ok;
    }
    return delivered == replies ? STEP_OK : STEP_REJECTED;
}

/* After the 354: the content, the dot, and the end-of-data reply. */
static enum step deliver(struct sess *s, int64_t slot)
{
    enum step st;

    uint64_t t0 = sess_now_us();
    if ((st = send_content(s, slot)) != STEP_OK)
        return st;
    return final_replies(s, PH_DOT, t0);
}

static size_t headers(struct sess *s, int64_t slot)
{
    return sized_headers(s, slot);
}

/* How many BDAT chunks may await their replies: each reply is small, but
 * unread ones must never fill our receive buffer while the server waits. */
#define BDAT_WINDOW 32

/* RFC 3030: the content in BDAT chunks (--bdat-size, or one), without
 * dot-stuffing; the last one BDAT n LAST, which gets the end-of-data
 * reply(ies). Pipelined, chunks go out ahead of their replies, and the
 * next transaction or QUIT goes behind BDAT LAST, as behind a dot. */
static enum step bdat_deliver(struct sess *s, int64_t slot)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    size_t hl = headers(s, slot);
    if (s->lay)
        sized_layout(s, slot, hl, false);
    uint64_t total = s->lay ? s->lay->total : hl + s->a->raw_body_len;
    uint64_t size = cfg->bdat_size > 0 ? (uint64_t)cfg->bdat_size : total;
    uint64_t off = 0;
    int window = s->pipelined ? BDAT_WINDOW : 1, waiting = 0;
    bool refused = false;
    char cmd[48];
    enum step st;

    uint64_t t0 = sess_now_us();
    while (off < total || waiting > 0) {
        while (off < total && waiting < window && !refused) {
            uint64_t len = total - off < size ? total - off : size;
            bool last = off + len == total;
            int cl = snprintf(cmd, sizeof(cmd), "BDAT %llu%s\r\n", (unsigned long long)len,
                              last ? " LAST" : "");
            if (cfg->verbose)
                outbox_say(&s->out, REC_LOG, "%.*s", cl - 2, cmd);
            /* The chunk: a piece of the headers and/or of the body. */
            struct iovec iov[LAYOUT_SEGS + 2];
            int n = 0;
            iov[n].iov_base = cmd;
            iov[n++].iov_len = (size_t)cl;
            if (s->lay) {
                n += layout_range(s->lay, off, len, iov + n, LAYOUT_SEGS);
            } else if (off < hl) {
                size_t take = hl - off < len ? hl - (size_t)off : (size_t)len;
                iov[n].iov_base = s->hdr + off;
                iov[n++].iov_len = take;
            }
            uint64_t end = off + len;
            if (!s->lay && end > hl) {
                uint64_t from = off > hl ? off - hl : 0;
                iov[n].iov_base = (char *)s->a->raw_body + from;
                iov[n++].iov_len = (size_t)(end - hl - from);
            }
            size_t mine_len = (size_t)cl + (size_t)len;
            size_t tail = last ? pipeline_tail(s) : 0;
            if (tail) {
                iov[n].iov_base = s->group;
                iov[n++].iov_len = tail;
            }
            uint64_t w0 = s->conn.written;
            enum io_status io = conn_writev(&s->conn, iov, n);
            uint64_t out = s->conn.written - w0;
            uint64_t mine = s->quit_sent || out < mine_len ? out : mine_len;
            r->bytes_sent += mine;
            if (last)
                s->next.bytes = out - mine;
            if (io != IO_OK)
                return sess_io_fail(s, PH_BDAT, io, "sending message");
            if (last) {
                s->next.t0 = sess_now_us();
                r->flags |= RF_DOT_SENT;
            }
            off = end;
            waiting++;
        }
        if (waiting == 1 && off == total && !refused)
            return final_replies(s, PH_BDAT, t0);
        enum io_status io = conn_read_reply(&s->conn, &s->reply);
        if (io != IO_OK) {
            if ((r->flags & RF_DOT_SENT) && !refused)
                r->flags |= RF_UNKNOWN;
            return sess_io_fail(s, PH_BDAT, io, "sending message");
        }
        waiting--;
        r->replies[reply_class(s->reply.code)]++;
        if (!sess_ok(s) && !refused) {
            if ((st = sess_rejected(s, PH_BDAT, "BDAT rejected", 1)) != STEP_REJECTED)
                return st;
            refused = true;      /* no more chunks; the ones sent get their replies */
        }
        /* The transaction failed: RSET, unless the next one (or QUIT) is
         * already on the wire behind BDAT LAST. */
        if (refused && waiting == 0)
            return s->next.valid || s->quit_sent ? STEP_REJECTED
                                                 : sess_rset(s, "sending message");
    }
    return STEP_REJECTED;
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

/* Command k of a pipelined transaction of n is MAIL, an RCPT, or DATA
 * (with BDAT, the last is an RCPT too). */
static enum phase group_phase(const struct sess *s, int64_t k, int64_t n, const char **label)
{
    if (k == 0) {
        *label = "sending sender";
        return PH_MAIL;
    }
    if (k == n - 1 && !s->use_bdat) {
        *label = "sending DATA command";
        return PH_DATA;
    }
    *label = "sending recipient";
    return PH_RCPT;
}

static size_t group_command(struct sess *s, int64_t k, int64_t n, int64_t first, int64_t slot)
{
    if (k == 0)
        return sess_command(s, "MAIL FROM:<%s>%s%s\r\n", sized_sender(s, slot), s->mail_params,
                            sized_param(s, slot));
    if (k == n - 1 && !s->use_bdat)
        return sess_command(s, "DATA\r\n");
    return rcpt_command(s, slot, first, k - 1, sized_rcpts(s, slot));
}

/* The first -N number of this slot's recipients: claimed already if the
 * slot was claimed behind a dot, else now. */
static int64_t rcpt_base(struct sess *s, int64_t slot)
{
    if (!s->cfg->number_rcpts)
        return 0;
    if (s->pre.valid)
        return s->pre.first_rcpt;
    return sized_first_rcpt(s, slot);
}

/* Appends commands of the transaction to s->group from *sent on, while
 * they fit group_max (at least one); returns the group's length. */
static size_t group_build(struct sess *s, int64_t *sent, int64_t n, int64_t first, size_t len,
                          int64_t slot)
{
    size_t start = len;
    while (*sent < n) {
        size_t cl = group_command(s, *sent, n, first, slot);
        if (len > start && len + cl > s->group_max)
            break;
        group_append(s, &len, cl);
        (*sent)++;
    }
    return len;
}

/* MAIL, the RCPTs and DATA (not with BDAT): -r can be INT_MAX, so the
 * count is 64-bit. */
static int64_t transaction_commands(struct sess *s, int64_t slot)
{
    return sized_rcpts(s, slot) + (s->use_bdat ? 1 : 2);
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
        /* A delay between messages (-w, -R) must come before the next MAIL;
         * under --rate the next message must not go out before it is due. */
        if (cfg->fixed_delay || cfg->random_delay || cfg->rate_on)
            return 0;
        int64_t next;
        if (s->a->slots.claim(s->a->slots.ctx, s->who, &next)) {
            s->next.valid = true;
            s->next.slot = next;
            s->next.first_rcpt = cfg->number_rcpts
                ? sized_first_rcpt(s, next) : 0;
            s->next.sent = 0;
            /* Unsendable: claimed, but its MAIL waits for the refusal. */
            if (sized_unsendable(s, next))
                return 0;
            len = group_build(s, &s->next.sent, transaction_commands(s, next),
                              s->next.first_rcpt, 0, next);
            return len;
        }
    }
    group_append(s, &len, sess_command(s, "QUIT\r\n"));
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
    int64_t n = transaction_commands(s, slot), sent = 0, got = 0;
    int mail_ok = 0, data_ok = 0;
    int64_t first;
    uint64_t t0 = 0;
    enum phase ph;
    const char *label;
    enum step st;
    enum io_status io;

    first = rcpt_base(s, slot);
    if (s->pre.valid && s->pre.sent > 0) {
        sent = s->pre.sent;
        t0 = s->pre.t0;
    }

    for (; got < n; got++) {
        if (got == sent) {
            size_t len = group_build(s, &sent, n, first, 0, slot);
            t0 = sess_now_us();
            uint64_t w0 = s->conn.written;
            io = conn_write(&s->conn, s->group, len);
            r->bytes_sent += s->conn.written - w0;
            if (io != IO_OK) {
                ph = group_phase(s, got, n, &label);
                return sess_io_fail(s, ph, io, label);
            }
        }
        ph = group_phase(s, got, n, &label);
        if ((io = conn_read_reply(&s->conn, &s->reply)) != IO_OK)
            return sess_io_fail(s, ph, io, label);
        uint64_t us = sess_now_us() - t0;
        r->phase_us[ph] += us;
        r->phase_mask |= 1u << ph;
        r->replies[reply_class(s->reply.code)]++;
        if (ph == PH_MAIL) {
            if (sess_ok(s))
                mail_ok = 1;
            else if ((st = sess_rejected(s, ph, "sender rejected", 1)) != STEP_REJECTED)
                return st;
        } else if (ph == PH_RCPT) {
            outbox_rcpt_sample(&s->out, sess_sample(us));
            r->rcpt_sent++;
            if (sess_ok(s)) {
                r->rcpt_ok++;
            } else {
                r->rcpt_bad++;
                rcpt_refused(s, s->reply.code);
                if ((st = sess_rejected(s, ph, "recipient rejected", 1)) != STEP_REJECTED)
                    return st;
            }
        } else if (s->reply.code == 354) {
            data_ok = 1;
        } else if ((st = sess_rejected(s, ph, "data rejected", 1)) != STEP_REJECTED) {
            return st;
        }
    }
    if (s->use_bdat)
        return mail_ok && r->rcpt_ok > 0 ? bdat_deliver(s, slot) : sess_rset(s, "sending recipient");
    if (data_ok && mail_ok && r->rcpt_ok > 0)
        return deliver(s, slot);
    if (data_ok) {
        /* The server took DATA with nothing valid before it: an empty
         * message ends it (RFC 2920 3.1); its reply is read and counted. */
        size_t cl = sess_command(s, ".\r\n");
        if (cfg->verbose)
            outbox_say(&s->out, REC_LOG, ".");
        uint64_t w0 = s->conn.written;
        io = conn_write(&s->conn, s->cmd, cl);
        r->bytes_sent += s->conn.written - w0;
        if (io == IO_OK)
            io = conn_read_reply(&s->conn, &s->reply);
        if (io != IO_OK)
            return sess_io_fail(s, PH_DOT, io, "sending message");
        r->replies[reply_class(s->reply.code)]++;
        return STEP_REJECTED;
    }
    return sess_rset(s, "sending DATA command");
}

enum step transaction_run(struct sess *s, int64_t slot)
{
    struct record *r = &s->out.msg.rec;
    enum step st;

    r->msg_size = sized_stored(s, slot);
    r->corpus_item = sized_item(s, slot);
    if (sized_unsendable(s, slot) && !(s->pre.valid && s->pre.sent > 0))
        return sized_refuse(s, slot);
    if (s->pipelined)
        return pipelined_transaction(s, slot);
    st = sess_exchange(s, PH_MAIL, sess_command(s, "MAIL FROM:<%s>%s%s\r\n", sized_sender(s, slot),
                                                s->mail_params, sized_param(s, slot)),
                       "sending sender");
    if (st != STEP_OK)
        return st;
    if (!sess_ok(s)) {
        if ((st = sess_rejected(s, PH_MAIL, "sender rejected", 1)) != STEP_REJECTED)
            return st;
        return sess_rset(s, "sending sender");
    }

    int64_t first = rcpt_base(s, slot), nr = sized_rcpts(s, slot);
    for (int64_t i = 0; i < nr; i++) {
        st = sess_exchange(s, PH_RCPT, rcpt_command(s, slot, first, i, nr), "sending recipient");
        if (st != STEP_OK)
            return st;
        r->rcpt_sent++;
        if (sess_ok(s)) {
            r->rcpt_ok++;
        } else {
            r->rcpt_bad++;
            rcpt_refused(s, s->reply.code);
            if ((st = sess_rejected(s, PH_RCPT, "recipient rejected", 1)) != STEP_REJECTED)
                return st;
        }
    }
    if (r->rcpt_ok == 0)
        return sess_rset(s, "sending recipient");
    if (s->use_bdat)
        return bdat_deliver(s, slot);

    st = sess_exchange(s, PH_DATA, sess_command(s, "DATA\r\n"), "sending DATA command");
    if (st != STEP_OK)
        return st;
    if (s->reply.code != 354) {
        if ((st = sess_rejected(s, PH_DATA, "data rejected", 1)) != STEP_REJECTED)
            return st;
        return sess_rset(s, "sending DATA command");
    }

    return deliver(s, slot);
}
