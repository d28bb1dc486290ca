#include "smtp/conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void set_opt_warn(int fd, int level, int name, const void *val, socklen_t len,
                         const char *what, char *warn, size_t warnlen)
{
    if (setsockopt(fd, level, name, val, len) < 0 && warn[0] == 0)
        snprintf(warn, warnlen, "setsockopt %s: %s", what, strerror(errno));
}

/* A step may overrun its deadline by this much rather than cost a
 * system call to re-arm the socket's limit for every continued read. */
#define SLACK_US 10000

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Gives the socket's SO_RCVTIMEO or SO_SNDTIMEO the value us, unless it
 * holds nearly that already. */
static int arm(struct conn *c, int opt, int64_t *cur, int64_t us)
{
    if (*cur >= us && *cur - us <= SLACK_US)
        return 0;
    struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };
    if (setsockopt(c->fd, SOL_SOCKET, opt, &tv, sizeof(tv)) < 0)
        return -1;
    *cur = us;
    return 0;
}

/* Before a system call of a step that began at t0: the time left, armed
 * on the socket; 0 if none is left. */
static int64_t left(struct conn *c, int opt, int64_t *cur, int64_t t0)
{
    int64_t rest = t0 + c->limit_us - now_us();
    if (rest <= 0)
        return 0;
    if (arm(c, opt, cur, rest) < 0)
        return 0;
    return rest;
}

int conn_open(struct conn *c, const struct sockaddr *sa, socklen_t salen,
              int timeout_s, int window, int *err, char *warn, size_t warnlen)
{
    struct linger lg = { 1, 0 };
    int on = 1;
    char what[64];

    warn[0] = 0;
    c->rpos = c->rlen = 0;
    c->written = 0;
    c->limit_us = (int64_t)timeout_s * 1000000;
    c->rcv_us = c->snd_us = 0;
    c->tls = 0;
    c->why[0] = 0;
    c->fd = socket(sa->sa_family, SOCK_STREAM, 0);
    if (c->fd < 0) {
        *err = errno;
        return -1;
    }
    set_opt_warn(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg), "SO_LINGER 0", warn, warnlen);
    if (window > 0) {
        snprintf(what, sizeof(what), "SO_SNDBUF %d", window);
        set_opt_warn(c->fd, SOL_SOCKET, SO_SNDBUF, &window, sizeof(window), what, warn, warnlen);
        snprintf(what, sizeof(what), "SO_RCVBUF %d", window);
        set_opt_warn(c->fd, SOL_SOCKET, SO_RCVBUF, &window, sizeof(window), what, warn, warnlen);
    }
    /* The reference asks for keepalives on TCP sockets only (SPEC 4.1);
     * the server must see the same socket from us. */
    if (sa->sa_family != AF_UNIX)
        set_opt_warn(c->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on), "SO_KEEPALIVE", warn, warnlen);
    /* The time limits go on the socket itself: a blocking call then costs
     * one system call, and Linux applies SO_SNDTIMEO to connect() too. */
    if (arm(c, SO_RCVTIMEO, &c->rcv_us, c->limit_us) < 0
        || arm(c, SO_SNDTIMEO, &c->snd_us, c->limit_us) < 0) {
        *err = errno;
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    while (connect(c->fd, sa, salen) < 0) {
        if (errno == EINTR)
            continue;
        /* A connect cut short by SO_SNDTIMEO reports EINPROGRESS (TCP) or
         * EAGAIN (a full UNIX-domain backlog). */
        *err = (errno == EINPROGRESS || errno == EAGAIN || errno == EWOULDBLOCK)
            ? ETIMEDOUT : errno;
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

static enum io_status write_error(void)
{
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? IO_TIMEOUT : IO_LOST;
}

enum io_status conn_write(struct conn *c, const void *buf, size_t len)
{
    struct iovec iov = { (void *)buf, len };
    return conn_writev(c, &iov, 1);
}

/* TLS has no writev: small pieces are gathered into one record's worth,
 * so that a pipelined group and its message still go out in one write. */
static ssize_t tls_writev(struct conn *c, const struct iovec *iov, int iovcnt)
{
    char buf[16384];
    size_t used = 0;
    for (int i = 0; i < iovcnt && used < sizeof(buf); i++) {
        size_t take = iov[i].iov_len;
        if (used == 0 && take >= sizeof(buf))
            return tls_write(c->tls, iov[i].iov_base, take);
        if (take > sizeof(buf) - used)
            take = sizeof(buf) - used;
        memcpy(buf + used, iov[i].iov_base, take);
        used += take;
    }
    return tls_write(c->tls, buf, used);
}

/* TLS broke after the handshake (e.g. the server's alert): IO_TLS, with
 * the library's reason in c->why. */
static enum io_status tls_broke(struct conn *c)
{
    const char *why = tls_link_error(c->tls);
    snprintf(c->why, sizeof(c->why), "%s", *why ? why : "no reason given");
    return IO_TLS;
}

enum io_status conn_writev(struct conn *c, struct iovec *iov, int iovcnt)
{
    int64_t t0 = now_us();

    if (arm(c, SO_SNDTIMEO, &c->snd_us, c->limit_us) < 0)
        return IO_LOST;
    for (;;) {
        ssize_t n = c->tls ? tls_writev(c, iov, iovcnt) : writev(c->fd, iov, iovcnt);
        if (n < 0 && c->tls && errno == EPROTO)
            return tls_broke(c);
        if (n < 0 && errno != EINTR)
            return write_error();
        if (n > 0) {
            c->written += (uint64_t)n;
            /* Skip what went out; a partial write leaves a partial iovec. */
            while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
                n -= (ssize_t)iov->iov_len;
                iov++;
                iovcnt--;
            }
            if (iovcnt > 0) {
                iov->iov_base = (char *)iov->iov_base + n;
                iov->iov_len -= (size_t)n;
            }
        }
        while (iovcnt > 0 && iov->iov_len == 0) {
            iov++;
            iovcnt--;
        }
        if (iovcnt == 0)
            return IO_OK;
        if (left(c, SO_SNDTIMEO, &c->snd_us, t0) == 0)
            return IO_TIMEOUT;
    }
}

enum io_status conn_read_reply(struct conn *c, struct reply *r)
{
    int64_t t0 = now_us();
    int first = 1;

    reply_begin(r);
    for (;;) {
        if (c->rpos < c->rlen) {
            size_t used;
            enum reply_status st = reply_scan(r, c->rbuf + c->rpos, c->rlen - c->rpos, &used);
            c->rpos += used;
            if (st == REPLY_DONE)
                return IO_OK;
            if (st == REPLY_LINE_TOO_LONG)
                return IO_LINE_TOO_LONG;
            if (st == REPLY_TOO_MANY_LINES)
                return IO_TOO_MANY_LINES;
        }
        if (first) {
            first = 0;
            if (arm(c, SO_RCVTIMEO, &c->rcv_us, c->limit_us) < 0)
                return IO_LOST;
        } else if (left(c, SO_RCVTIMEO, &c->rcv_us, t0) == 0) {
            return IO_TIMEOUT;
        }
        ssize_t n = c->tls ? tls_read(c->tls, c->rbuf, sizeof(c->rbuf))
                           : read(c->fd, c->rbuf, sizeof(c->rbuf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (c->tls && errno == EPROTO)
                return tls_broke(c);
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? IO_TIMEOUT : IO_LOST;
        }
        if (n == 0)
            return IO_LOST;
        c->rpos = 0;
        c->rlen = (size_t)n;
    }
}

enum io_status conn_start_tls(struct conn *c, struct tls_client *tc, struct tls_info *info)
{
    int64_t t0 = now_us();

    if (c->rpos < c->rlen) {
        snprintf(c->why, sizeof(c->why), "the server sent data before the TLS handshake");
        return IO_TLS;
    }
    c->tls = tls_link_new(tc, c->fd, c->why, sizeof(c->why));
    if (c->tls == 0)
        return IO_TLS;
    if (arm(c, SO_RCVTIMEO, &c->rcv_us, c->limit_us) < 0
        || arm(c, SO_SNDTIMEO, &c->snd_us, c->limit_us) < 0)
        return IO_LOST;
    for (;;) {
        int r = tls_handshake(c->tls, c->why, sizeof(c->why));
        if (r > 0)
            break;
        if (r < 0)
            return IO_TLS;
        /* Both directions may wait: each gets what is left of the step. */
        if (left(c, SO_RCVTIMEO, &c->rcv_us, t0) == 0
            || left(c, SO_SNDTIMEO, &c->snd_us, t0) == 0)
            return IO_TIMEOUT;
    }
#ifdef TCP_QUICKACK
    /* A TLS 1.3 server writes its session tickets, then its greeting
     * (implicit TLS) as a second small segment, which Nagle holds until
     * the tickets are acknowledged; we have nothing to send, so our ACK
     * would wait the kernel's delayed-ACK time (40 ms a connection).
     * Acknowledge at once instead. Linux only; a failure costs only time. */
    int one = 1;
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#endif
    tls_link_info(c->tls, info);
    return IO_OK;
}

void conn_close(struct conn *c)
{
    tls_link_free(c->tls);
    c->tls = 0;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->rpos = c->rlen = 0;
}
