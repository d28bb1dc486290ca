/* server: --metrics: the parent's small non-blocking HTTP server, polled
 * by the parent's loop beside the record pipe. */
#include "metrics/server.h"

#include "core/config.h"
#include "core/shard.h"
#include "metrics/exposition.h"
#include "metrics/http.h"
#include "run/schedule.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* After its answer a connection is read to its end (and the bytes thrown
 * away) before it is closed, so that a close with unread input does not
 * reset it under the answer; but not for longer or further than this. */
#define DRAIN_NS 2000000000LL
#define DRAIN_BYTES 65536
/* The kernel holds a burst of new scrapers until the loop takes them. */
#define LISTEN_BACKLOG 64

enum conn_state { C_FREE, C_READ, C_WRITE, C_DRAIN };

struct conn {
    enum conn_state state;
    int fd;
    char req[HTTP_HEAD_MAX];
    size_t req_len;
    struct expo_buf out;
    size_t sent;
    size_t drained;
    uint64_t seq;                      /* the order of acceptance */
    int64_t active_ns;
};

struct metrics {
    int fd;
    struct conn conn[METRICS_CONNS];
    int polled[METRICS_CONNS + 1];     /* the conn behind each pollfd; -1 the socket */
    const struct report *rp;
    struct shared *sh;
    const char *run_id;
    uint64_t accepted;
    int ended;
    int64_t end_ns;
};

static int nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

struct metrics *metrics_listen(const struct sockaddr *addr, socklen_t len, char *err,
                               size_t errlen)
{
    struct metrics *m = calloc(1, sizeof(*m));
    if (m == 0) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    const char *step = "socket";
    int one = 1;
    m->fd = socket(addr->sa_family, SOCK_STREAM, 0);
    if (m->fd >= 0) {
        step = "bind";
        setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(m->fd, addr, len) == 0) {
            step = "listen";
            if (listen(m->fd, LISTEN_BACKLOG) == 0 && nonblocking(m->fd) == 0)
                return m;
        }
    }
    snprintf(err, errlen, "%s: %s", step, strerror(errno));
    if (m->fd >= 0)
        close(m->fd);
    free(m);
    return 0;
}

void metrics_source(struct metrics *m, const struct report *rp, struct shared *sh,
                    const char *run_id)
{
    m->rp = rp;
    m->sh = sh;
    m->run_id = run_id;
}

void metrics_ended(struct metrics *m)
{
    if (!m->ended)
        m->end_ns = schedule_now_ns();
    m->ended = 1;
}

static void conn_close(struct conn *c)
{
    close(c->fd);
    expo_buf_free(&c->out);
    c->state = C_FREE;
    c->fd = -1;
}

/* --rate: this run's slots due by now (or by the run's end). */
static int64_t due_now(const struct metrics *m, int64_t now)
{
    const struct report *rp = m->rp;
    const struct openloop *ol = &rp->stats.ol;
    if (!rp->started || now <= rp->t0_ns)
        return 0;
    int64_t whole = schedule_slots_within(&ol->rate, now - rp->t0_ns);
    if (whole > ol->run_slots)
        whole = ol->run_slots;
    int64_t own = shard_owned(&ol->shard, whole);
    return own < ol->due ? own : ol->due;
}

static void view(const struct metrics *m, struct metrics_view *v)
{
    const struct report *rp = m->rp;
    const struct stats *st = &rp->stats;
    int64_t now = m->ended ? m->end_ns : schedule_now_ns();
    memset(v, 0, sizeof(*v));
    v->st = st;
    v->run_id = m->run_id;
    v->sharded = rp->cfg->sharded;
    v->shard_index = rp->cfg->shard.index;
    v->running = !m->ended;
    if (!m->ended && m->sh) {
        int64_t left = shared_claimed(m->sh) - st->sent - st->failed - st->given_up;
        v->in_flight = left > 0 ? left : 0;
    }
    if (st->scheduled)
        v->due = due_now(m, now);
    if (rp->started)
        v->elapsed_us = (uint64_t)(stats_elapsed(st) * 1e6 + 0.5);
}

static void respond(struct metrics *m, struct conn *c, int status, const char *reason,
                    const struct http_request *req)
{
    struct expo_buf body;
    const char *type = "text/plain; charset=utf-8";
    expo_buf_init(&body, METRICS_RESPONSE_MAX);
    if (status == 200) {
        struct metrics_view v;
        view(m, &v);
        expo_write(&body, &v, req->openmetrics);
        type = expo_content_type(req->openmetrics);
        if (body.over) {
            status = 500;
            reason = "Internal Server Error";
        }
    }
    if (status != 200) {
        expo_buf_free(&body);
        expo_buf_init(&body, 256);
        char text[128];
        int n = snprintf(text, sizeof(text), "%d %s\n", status, reason);
        expo_buf_put(&body, text, (size_t)n);
        type = "text/plain; charset=utf-8";
    }
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                     "Connection: close\r\n\r\n",
                     status, reason, type, body.len,
                     status == 405 ? "Allow: GET, HEAD\r\n" : "");
    expo_buf_init(&c->out, (size_t)n + body.len);
    expo_buf_put(&c->out, head, (size_t)n);
    if (!req || req->method != HTTP_HEAD)
        expo_buf_put(&c->out, body.p ? body.p : "", body.len);
    expo_buf_free(&body);
    c->sent = 0;
    c->state = C_WRITE;
}

static void answer(struct metrics *m, struct conn *c)
{
    struct http_request req;
    enum http_parse got = http_parse(c->req, c->req_len, &req);
    if (got == HTTP_MORE)
        return;
    if (got == HTTP_BAD)
        respond(m, c, 400, "Bad Request", 0);
    else if (req.method == HTTP_OTHER)
        respond(m, c, 405, "Method Not Allowed", &req);
    else if (strcmp(req.path, "/metrics") != 0)
        respond(m, c, 404, "Not Found", &req);
    else
        respond(m, c, 200, "OK", &req);
}

static void drain(struct conn *c)
{
    char junk[4096];
    ssize_t got;
    while ((got = read(c->fd, junk, sizeof(junk))) > 0) {
        c->drained += (size_t)got;
        if (c->drained >= DRAIN_BYTES) {
            conn_close(c);
            return;
        }
    }
    if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        conn_close(c);
}

static void write_out(struct conn *c, int64_t now)
{
    while (c->sent < c->out.len) {
        ssize_t w = send(c->fd, c->out.p + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close(c);
            return;
        }
        c->sent += (size_t)w;
        c->active_ns = now;
    }
    expo_buf_free(&c->out);
    shutdown(c->fd, SHUT_WR);
    c->state = C_DRAIN;
    c->active_ns = now;
    drain(c);
}

static void read_in(struct metrics *m, struct conn *c, int64_t now)
{
    for (;;) {
        size_t room = sizeof(c->req) - c->req_len;
        ssize_t got = room ? read(c->fd, c->req + c->req_len, room) : 0;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (got <= 0 && room) {
            conn_close(c);   /* gone before its request was whole */
            return;
        }
        c->req_len += (size_t)got;
        c->active_ns = now;
        answer(m, c);
        if (c->state == C_WRITE) {
            write_out(c, now);
            return;
        }
    }
}

/* A free place, or that of the connection accepted first (by order, not
 * by time: a burst is accepted within one clock reading). */
static struct conn *free_conn(struct metrics *m)
{
    struct conn *oldest = &m->conn[0];
    for (unsigned i = 0; i < METRICS_CONNS; i++) {
        if (m->conn[i].state == C_FREE)
            return &m->conn[i];
        if (m->conn[i].seq < oldest->seq)
            oldest = &m->conn[i];
    }
    conn_close(oldest);
    return oldest;
}

static void take_new(struct metrics *m, int64_t now)
{
    for (unsigned k = 0; k < METRICS_CONNS; k++) {
        int fd = accept(m->fd, 0, 0);
        if (fd < 0)
            return;
        if (nonblocking(fd) < 0) {
            close(fd);
            continue;
        }
        struct conn *c = free_conn(m);
        c->fd = fd;
        c->state = C_READ;
        c->req_len = c->drained = c->sent = 0;
        c->seq = ++m->accepted;
        c->active_ns = now;
        read_in(m, c, now);
    }
}

unsigned metrics_poll_fds(void *ctx, struct pollfd *pf, unsigned max)
{
    struct metrics *m = ctx;
    int64_t now = schedule_now_ns();
    unsigned n = 0;
    if (max == 0)
        return 0;
    pf[n] = (struct pollfd){ m->fd, POLLIN, 0 };
    m->polled[n++] = -1;
    for (unsigned i = 0; i < METRICS_CONNS && n < max; i++) {
        struct conn *c = &m->conn[i];
        if (c->state == C_FREE)
            continue;
        int64_t limit = c->state == C_DRAIN ? DRAIN_NS : METRICS_IDLE_NS;
        if (now - c->active_ns > limit) {
            conn_close(c);
            continue;
        }
        pf[n] = (struct pollfd){ c->fd, c->state == C_WRITE ? POLLOUT : POLLIN, 0 };
        m->polled[n++] = (int)i;
    }
    return n;
}

void metrics_on_poll(void *ctx, const struct pollfd *pf, unsigned n)
{
    struct metrics *m = ctx;
    int64_t now = schedule_now_ns();
    int listener_ready = 0;
    for (unsigned k = 0; k < n && k <= METRICS_CONNS; k++) {
        if (!pf[k].revents)
            continue;
        if (m->polled[k] < 0) {
            listener_ready = 1;
            continue;
        }
        struct conn *c = &m->conn[m->polled[k]];
        if (c->state == C_FREE || c->fd != pf[k].fd)
            continue;
        if (c->state == C_READ)
            read_in(m, c, now);
        else if (c->state == C_WRITE)
            write_out(c, now);
        else
            drain(c);
    }
    /* New scrapers last: one may take the place of a connection above. */
    if (listener_ready)
        take_new(m, now);
}

void metrics_close(struct metrics *m)
{
    if (m == 0)
        return;
    for (unsigned i = 0; i < METRICS_CONNS; i++)
        if (m->conn[i].state != C_FREE)
            conn_close(&m->conn[i]);
    close(m->fd);
    free(m);
}
