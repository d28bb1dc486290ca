/* opening: the start of a session: connect, TLS (implicit, or after
 * STARTTLS), greeting, HELO/EHLO/LHLO, AUTH. */
#include "smtp/opening.h"

#include "core/utf8.h"
#include "smtp/auth.h"

#include <poll.h>
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

static enum step connect_step(struct sess *s)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    char warn[160];
    int err;

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
        if (s->a->slots.stopping(s->a->slots.ctx))
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
    s->tls_on = false;
    memset(&s->ext, 0, sizeof(s->ext));
    s->pipelined = false;
    s->quit_sent = false;
    return STEP_OK;
}

/* The handshake (the tls phase: ClientHello to Finished). */
static enum step handshake(struct sess *s, const char *label)
{
    struct record *r = &s->out.msg.rec;
    struct tls_info info;

    uint64_t t0 = sess_now_us();
    enum io_status io = conn_start_tls(&s->conn, s->a->tls, &info);
    if (io == IO_TLS) {
        /* A handshake that failed leaves nothing to say QUIT over. A
         * plain server's "220 ..." read as a TLS record is the version
         * OpenSSL cannot make sense of. */
        sess_fail(s, PH_TLS, FAIL_TLS, 0, "%s%s", s->conn.why,
                  s->cfg->smtps && strstr(s->conn.why, "wrong version number")
                  ? " (the server speaks plain SMTP here: use --starttls, or neither)" : "");
        conn_close(&s->conn);
        if (!s->cfg->allow_reject) {
            r->flags |= RF_FATAL;
            return STEP_FATAL;
        }
        outbox_say(&s->out, REC_WARNING, "%.*s", (int)r->text_len, s->out.msg.text);
        r->text_len = 0;
        return STEP_CLOSED;
    }
    if (io != IO_OK)
        return sess_io_fail(s, PH_TLS, io, label);
    r->phase_us[PH_TLS] = sess_now_us() - t0;
    r->phase_mask |= 1u << PH_TLS;
    r->flags |= RF_TLS | (info.resumed ? RF_TLS_RESUMED : 0);
    r->tls_version = info.version;
    r->tls_cipher = info.cipher;
    s->tls_on = true;
    if (s->cfg->verbose)
        outbox_say(&s->out, REC_LOG, "TLS: %s %s, %s", tls_version_name(info.version),
                   tls_cipher_name(s->a->tls, info.cipher),
                   info.resumed ? "resumed session" : "full handshake");
    return STEP_OK;
}

/* A port that speaks TLS first (465) says nothing until the handshake:
 * a greeting that does not come within a few seconds says so, once a
 * process, and the wait goes on (a slow server is not a mistake). */
#define GREETING_HINT_MS 5000
#define TLS_FIRST_HINT "a port that speaks TLS first, such as 465, sends no greeting: use --smtps"

static int greeting_hint(struct sess *s)
{
    static int said;
    int ms = GREETING_HINT_MS;
    if (said || s->cfg->smtps || !tls_built() || s->conn.rlen > s->conn.rpos)
        return 0;
    if (s->conn.limit_us / 2000 < ms)
        ms = (int)(s->conn.limit_us / 2000);
    struct pollfd p = { .fd = s->conn.fd, .events = POLLIN };
    if (poll(&p, 1, ms) != 0)
        return 0;
    said = 1;
    outbox_say(&s->out, REC_WARNING, "no greeting from %s after %d.%d s: " TLS_FIRST_HINT,
               s->a->target_name, ms / 1000, ms % 1000 / 100);
    return ms;
}

static enum step greeting(struct sess *s)
{
    struct record *r = &s->out.msg.rec;
    enum step st;

    uint64_t t0 = sess_now_us();
    /* The wait for the hint is part of the step's --timeout. */
    int64_t limit = s->conn.limit_us;
    s->conn.limit_us -= (int64_t)greeting_hint(s) * 1000;
    enum io_status io = conn_read_reply(&s->conn, &s->reply);
    s->conn.limit_us = limit;
    /* Only silence is a hint of TLS first: a greeting begun and then
     * stalled is the server's. */
    int silent = s->reply.lines == 0 && s->reply.line_len == 0 && s->conn.rlen == s->conn.rpos;
    if (io == IO_TIMEOUT && silent && !s->cfg->smtps && tls_built())
        return sess_io_fail(s, PH_BANNER, io, "reading server greeting (" TLS_FIRST_HINT ")");
    if (io != IO_OK)
        return sess_io_fail(s, PH_BANNER, io, "reading server greeting");
    r->phase_us[PH_BANNER] = sess_now_us() - t0;
    r->phase_mask |= 1u << PH_BANNER;
    r->replies[reply_class(s->reply.code)]++;
    if (!sess_ok(s) && (st = sess_rejected(s, PH_BANNER, "rejected at server banner", 0)) == STEP_FATAL)
        return st;
    return STEP_OK;
}

/* What this connection will use of what the server offers. */
static enum step extensions(struct sess *s)
{
    const struct config *cfg = s->cfg;
    const struct esmtp *e = &s->ext;

    s->pipelined = cfg->pipelining && e->pipelining;
    s->use_bdat = cfg->bdat && e->chunking;
    snprintf(s->mail_params, sizeof(s->mail_params), "%s%s",
             cfg->eightbitmime && e->eightbitmime ? " BODY=8BITMIME" : "",
             cfg->smtputf8 && e->smtputf8 ? " SMTPUTF8" : "");
    return STEP_OK;
}

/* RFC 6531 3.4: without SMTPUTF8 a UTF-8 address cannot go out at all,
 * nor UTF-8 content without 8BITMIME: the message fails before any byte
 * of it is sent. */
static enum step utf8_ready(struct sess *s)
{
    /* RFC 6152: 8-bit content only where BODY=8BITMIME declares it. */
    if (s->a->mime && s->a->mime->utf8 && !s->ext.eightbitmime)
        return sess_refuse(s, PH_MAIL, FAIL_EXTENSION,
                           "the server does not offer 8BITMIME, which the content needs");
    if (s->cfg->smtputf8 && !s->ext.smtputf8
        && (utf8_non_ascii(s->a->sender) || utf8_non_ascii(s->a->recipient)))
        return sess_refuse(s, PH_MAIL, FAIL_EXTENSION,
                           "the server does not offer SMTPUTF8, which the addresses need");
    return STEP_OK;
}

static void keyword_line(void *ctx, const char *text, size_t len)
{
    struct sess *s = ctx;
    if (s->reply.lines > 0)      /* the first line names the server */
        esmtp_line(&s->ext, text, len);
}

/* HELO, EHLO or LHLO; what the server offers goes in s->ext. */
static enum step introduce(struct sess *s)
{
    const struct config *cfg = s->cfg;
    enum step st;

    memset(&s->ext, 0, sizeof(s->ext));
    const char *verb = cfg->lmtp ? "LHLO" : cfg->ehlo ? "EHLO" : "HELO";
    /* Keywords are read line by line as they arrive: all of them count,
     * however long the reply (the joined text keeps only its start). */
    if (verb[0] != 'H') {
        s->reply.on_text = keyword_line;
        s->reply.on_text_ctx = s;
    }
    st = hello(s, verb);
    s->reply.on_text = 0;
    if (st != STEP_OK)
        return st;
    if (sess_ok(s))
        return extensions(s);
    memset(&s->ext, 0, sizeof(s->ext));      /* a refusal offers nothing */
    /* RFC 5321 4.1.4: a client whose EHLO is refused may fall back to HELO. */
    if (verb[0] == 'E' && reply_class(s->reply.code) == 5) {
        if ((st = hello(s, "HELO")) != STEP_OK)
            return st;
        if (sess_ok(s))
            return extensions(s);
        verb = "HELO";
    }
    char what[32];
    snprintf(what, sizeof(what), "%s rejected", verb);
    if ((st = sess_rejected(s, PH_HELO, what, 1)) != STEP_REJECTED)
        return st;
    return STEP_OK;
}

/* RFC 3207: STARTTLS, its 220, the handshake; then the client forgets
 * what it knew of the server and introduces itself again. */
static enum step starttls(struct sess *s)
{
    enum step st;

    if (!s->ext.starttls)
        return sess_refuse(s, PH_TLS, FAIL_TLS, "STARTTLS: the server does not offer it");
    st = sess_exchange(s, PH_HELO, sess_command(s, "STARTTLS\r\n"), "sending STARTTLS");
    if (st != STEP_OK)
        return st;
    if (s->reply.code != 220) {
        if ((st = sess_rejected(s, PH_TLS, "STARTTLS rejected", 1)) != STEP_REJECTED)
            return st;
        sess_give_up(s);
        return STEP_CLOSED;
    }
    if ((st = handshake(s, "starting TLS")) != STEP_OK)
        return st;
    s->pipelined = false;
    return introduce(s);
}

/* One line of an AUTH exchange out, its reply in; the command buffer,
 * which may have held the credentials, is wiped. */
static enum io_status auth_say(struct sess *s, size_t len, const char *shown)
{
    struct record *r = &s->out.msg.rec;
    if (s->cfg->verbose)
        outbox_say(&s->out, REC_LOG, "%s", shown);
    uint64_t w0 = s->conn.written;
    enum io_status io = conn_write(&s->conn, s->cmd, len);
    r->bytes_sent += s->conn.written - w0;
    auth_wipe(s->cmd, s->cmd_cap);
    if (io == IO_OK)
        io = conn_read_reply(&s->conn, &s->reply);
    if (io == IO_OK)
        r->replies[reply_class(s->reply.code)]++;
    return io;
}

/* RFC 4954 4: the client ends an exchange it cannot go on with by "*". */
static enum io_status auth_cancel(struct sess *s)
{
    return auth_say(s, sess_command(s, "*\r\n"), "*");
}

/* Whether a 334 holds a challenge this client can read: one line of
 * base64 (RFC 4954 4), at most 12288 octets long. NULL if it does, else
 * what to add to "malformed 334 challenge". */
static const char *challenge_fault(const struct reply *rp)
{
    if (rp->cut)
        return " (longer than 12288 octets)";
    return rp->lines == 1 && b64_decode(rp->text, rp->text_len, 0) >= 0 ? 0 : "";
}

/* RFC 4954. The credentials never reach -v, the records or an error, and
 * the command buffer that held them is wiped after each line. The record
 * of the message that opened the connection says how AUTH ended. */
static enum step authenticate(struct sess *s)
{
    const struct config *cfg = s->cfg;
    struct record *r = &s->out.msg.rec;
    enum auth_mech m = auth_choose(&s->ext, (enum auth_mech)cfg->auth_mech);
    char shown[64];
    const char *fault;
    enum step st = STEP_OK;

    r->auth_end = AUTH_END_UNTRIED;
    if (!s->ext.auth || m == AUTH_NONE)
        return sess_refuse(s, PH_AUTH, FAIL_AUTH, "AUTH: the server offers %s",
                           !s->ext.auth && !s->tls_on && s->ext.starttls
                           ? "no AUTH before TLS, and STARTTLS: use --starttls (many servers "
                             "offer AUTH only after it)"
                           : !s->ext.auth ? "no AUTH"
                           : cfg->auth_mech ? "not the mechanism asked for"
                           : "neither PLAIN nor LOGIN");
    if (!s->tls_on && !cfg->auth_allow_plaintext)
        return sess_refuse(s, PH_AUTH, FAIL_AUTH,
                           "AUTH %s would send the credentials in clear: use --starttls or "
                           "--smtps (or --auth-allow-plaintext)", auth_mech_name(m));
    r->auth_mech = (uint8_t)m;
    sess_ensure_cmd(s, auth_line_max(m, cfg->auth_user, s->a->auth_secret) + 1);
    uint64_t t0 = sess_now_us();
    for (int step = 0;; step++) {
        size_t len = auth_step(m, step, cfg->auth_user, s->a->auth_secret, s->cmd,
                               shown, sizeof(shown));
        /* The mechanism has said all it has, and the server asks for more. */
        int endless = len == 0;
        enum io_status io = endless ? auth_cancel(s) : auth_say(s, len, shown);
        if (io != IO_OK) {
            r->auth_end = AUTH_END_UNANSWERED;
            st = sess_io_fail(s, PH_AUTH, io, "authenticating");
            break;
        }
        if (endless) {
            r->auth_end = AUTH_END_GAVE_UP;
            st = sess_refuse(s, PH_AUTH, FAIL_AUTH,
                             "AUTH %s: the server's 334 exchange does not end", auth_mech_name(m));
            break;
        }
        if (s->reply.code == 235) {
            r->auth_end = AUTH_END_OK;
            break;
        }
        if (s->reply.code == 334 && (fault = challenge_fault(&s->reply)) == 0)
            continue;
        if (s->reply.code == 334) {
            r->auth_end = AUTH_END_GAVE_UP;
            auth_cancel(s);
            st = sess_refuse(s, PH_AUTH, FAIL_AUTH, "AUTH %s: malformed 334 challenge%s",
                             auth_mech_name(m), fault);
            break;
        }
        r->auth_end = AUTH_END_REFUSED;
        r->auth_code = (uint16_t)s->reply.code;
        if ((st = sess_rejected(s, PH_AUTH, "AUTH rejected", 1)) == STEP_REJECTED) {
            sess_give_up(s);
            st = STEP_CLOSED;
        }
        break;
    }
    r->phase_us[PH_AUTH] = sess_now_us() - t0;
    r->phase_mask |= 1u << PH_AUTH;
    return st;
}

enum step session_open(struct sess *s)
{
    const struct config *cfg = s->cfg;
    enum step st;

    if ((st = connect_step(s)) != STEP_OK)
        return st;
    if (cfg->smtps && (st = handshake(s, "starting TLS")) != STEP_OK)
        return st;
    if ((st = greeting(s)) != STEP_OK || cfg->old_mode)
        return st;
    if ((st = introduce(s)) != STEP_OK)
        return st;
    if (cfg->starttls && (st = starttls(s)) != STEP_OK)
        return st;
    if (cfg->auth_user && (st = authenticate(s)) != STEP_OK)
        return st;
    return utf8_ready(s);
}
