#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static void set_opt_warn(int fd, int level, int name, const void *val, socklen_t len,
                         const char *what, char *warn, size_t warnlen)
{
    if (setsockopt(fd, level, name, val, len) < 0 && warn[0] == 0)
        snprintf(warn, warnlen, "setsockopt %s: %s", what, strerror(errno));
}

int conn_open(struct conn *c, const struct sockaddr *sa, socklen_t salen,
              int timeout_s, int window, int *err, char *warn, size_t warnlen)
{
    struct linger lg = { 1, 0 };
    int on = 1;
    struct timeval tv = { timeout_s, 0 };
    char what[64];

    warn[0] = 0;
    c->rpos = c->rlen = 0;
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
    if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0
        || setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
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
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(c->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return write_error();
        }
        p += n;
        len -= (size_t)n;
    }
    return IO_OK;
}

enum io_status conn_writev(struct conn *c, struct iovec *iov, int iovcnt)
{
    while (iovcnt > 0) {
        ssize_t n = writev(c->fd, iov, iovcnt);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return write_error();
        }
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
    return IO_OK;
}

enum io_status conn_read_reply(struct conn *c, struct reply *r)
{
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
        ssize_t n = read(c->fd, c->rbuf, sizeof(c->rbuf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? IO_TIMEOUT : IO_LOST;
        }
        if (n == 0)
            return IO_LOST;
        c->rpos = 0;
        c->rlen = (size_t)n;
    }
}

void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->rpos = c->rlen = 0;
}
