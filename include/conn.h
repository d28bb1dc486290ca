/* conn: one blocking client socket with a deadline on every step.
 * A step (the connect, writing one buffer, reading one reply) gives up
 * when the timeout has passed since it began, however many system calls
 * it takes; reads are buffered and fed to the reply scanner, which
 * bounds what is kept. The bytes that write() took are counted. */
#ifndef CONN_H
#define CONN_H

#include "reply.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum io_status {
    IO_OK,
    IO_LOST,        /* EOF, reset or write error */
    IO_TIMEOUT,
    IO_LINE_TOO_LONG,
    IO_TOO_MANY_LINES,
};

#define CONN_RBUF 16384

struct conn {
    int fd;
    size_t rpos, rlen;
    uint64_t written;          /* bytes write() took on this connection */
    int64_t limit_us;          /* --timeout: the most a step may take */
    int64_t rcv_us, snd_us;    /* the time limits the socket holds now */
    char rbuf[CONN_RBUF];
};

/* Opens a socket and connects, giving up after timeout_s seconds.
 * window > 0 sets SO_SNDBUF and SO_RCVBUF. A failed setsockopt is not an
 * error: its text goes to warn (empty if none). Returns 0, or -1 with the
 * error number in *err (ETIMEDOUT for a timeout). */
int conn_open(struct conn *c, const struct sockaddr *sa, socklen_t salen,
              int timeout_s, int window, int *err, char *warn, size_t warnlen);

/* Each writes everything or fails; c->written grows by what went out,
 * also when a later part fails. conn_writev consumes iov. */
enum io_status conn_write(struct conn *c, const void *buf, size_t len);
enum io_status conn_writev(struct conn *c, struct iovec *iov, int iovcnt);

/* Reads one complete reply into r (reply_begin is done here). */
enum io_status conn_read_reply(struct conn *c, struct reply *r);

/* Closes abortively (SO_LINGER 0): no TIME_WAIT is left behind, so
 * millions of short connections do not exhaust the ephemeral ports. */
void conn_close(struct conn *c);

#endif
