/* conn: one blocking client socket with a deadline on every step.
 * A step (the connect, writing one buffer, reading one reply) gives up
 * when the timeout has passed since it began, however many system calls
 * it takes; reads are buffered and fed to the reply scanner, which
 * bounds what is kept. The bytes that write() took are counted. */
#ifndef CONN_H
#define CONN_H

#include "smtp/reply.h"
#include "smtp/tls.h"

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
    IO_TLS,         /* the TLS handshake failed, or TLS broke: reason in c->why */
};

#define CONN_RBUF 16384

struct conn {
    int fd;
    size_t rpos, rlen;
    uint64_t written;          /* bytes write() took on this connection */
    int64_t limit_us;          /* --timeout: the most a step may take */
    int64_t rcv_us, snd_us;    /* the time limits the socket holds now */
    struct tls_link *tls;      /* once TLS is on: every byte goes through it */
    char why[256];             /* IO_TLS: the reason */
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

/* Starts TLS on the connection (after STARTTLS's 220, or at once for
 * implicit TLS): the handshake is one step, bounded by the timeout. Bytes
 * the server sent before it (after its last reply) are refused, as RFC
 * 3207 says they must be: IO_TLS. */
enum io_status conn_start_tls(struct conn *c, struct tls_client *tc, struct tls_info *info);

/* Reads one complete reply into r (reply_begin is done here). */
enum io_status conn_read_reply(struct conn *c, struct reply *r);

/* Closes abortively (SO_LINGER 0): no TIME_WAIT is left behind, so
 * millions of short connections do not exhaust the ephemeral ports. */
void conn_close(struct conn *c);

#endif
