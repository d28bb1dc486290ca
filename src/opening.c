/* opening: the start of a session: connect, greeting, HELO/EHLO/LHLO. */
#include "opening.h"

#include "shared.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static enum step hello(struct sess *s, const char *verb)
{
    char label[32];
    snprintf(label, sizeof(label), "sending %s", verb);
    return sess_exchange(s, PH_HELO, sess_command(s, "%s %s\r\n", verb, s->a->myhostname), label);
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

enum step session_open(struct sess *s)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    char warn[160];
    int err;
    enum step st;

    uint64_t t0 = sess_now_us();
    while (conn_open(&s->conn, (const struct sockaddr *)s->a->addr, s->a->addrlen,
                     cfg->timeout, cfg->tcp_window, &err, warn, sizeof(warn)) < 0) {
        if (warn[0])
            outbox_say(&s->out, REC_WARNING, "%s", warn);
        if (--s->attempts_left <= 0) {
            sess_fail(s, PH_CONNECT, FAIL_CONNECT, 0, "connect to %s: %s",
                      s->a->target_name, strerror(err));
            r->flags |= RF_FATAL;
            return STEP_FATAL;
        }
        outbox_say(&s->out, REC_WARNING, "connect to %s: %s", s->a->target_name, strerror(err));
        if (shared_stopping(s->a->sh))
            return STEP_STOPPED;
        nanosleep(&(struct timespec){ 0, 10000 }, 0);
        t0 = sess_now_us();
    }
    if (warn[0])
        outbox_say(&s->out, REC_WARNING, "%s", warn);
    r->phase_us[PH_CONNECT] = sess_now_us() - t0;
    r->phase_mask |= 1u << PH_CONNECT;
    r->flags |= RF_NEW_CONN;
    r->conn_seq = ++s->conn_seq;
    s->group_max = group_limit(s->conn.fd);
    s->pre.sent = 0;         /* whatever was written went with the old connection */

    t0 = sess_now_us();
    enum io_status io = conn_read_reply(&s->conn, &s->reply);
    if (io != IO_OK)
        return sess_io_fail(s, PH_BANNER, io, "reading server greeting");
    r->phase_us[PH_BANNER] = sess_now_us() - t0;
    r->phase_mask |= 1u << PH_BANNER;
    r->replies[reply_class(s->reply.code)]++;
    if (!sess_ok(s) && (st = sess_rejected(s, PH_BANNER, "rejected at server banner", 0)) == STEP_FATAL)
        return st;

    memset(&s->ext, 0, sizeof(s->ext));
    s->pipelined = false;
    s->quit_sent = false;
    if (cfg->old_mode)
        return STEP_OK;
    const char *verb = cfg->lmtp ? "LHLO" : cfg->ehlo ? "EHLO" : "HELO";
    if ((st = hello(s, verb)) != STEP_OK)
        return st;
    if (sess_ok(s)) {
        if (verb[0] != 'H')
            esmtp_parse(s->reply.text, s->reply.text_len, &s->ext);
        s->pipelined = cfg->pipelining && s->ext.pipelining;
        return STEP_OK;
    }
    /* RFC 5321 4.1.4: a client whose EHLO is refused may fall back to HELO. */
    if (verb[0] == 'E' && reply_class(s->reply.code) == 5) {
        if ((st = hello(s, "HELO")) != STEP_OK)
            return st;
        if (sess_ok(s))
            return STEP_OK;
        verb = "HELO";
    }
    char what[32];
    snprintf(what, sizeof(what), "%s rejected", verb);
    if ((st = sess_rejected(s, PH_HELO, what, 1)) != STEP_REJECTED)
        return st;
    return STEP_OK;
}
