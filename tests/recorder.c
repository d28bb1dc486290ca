/* recorder: a relay that keeps every byte, for comparing two clients'
 * conversations with the same server.
 *
 * Usage: recorder [-6 | -u PATH] UPSTREAM PORTFILE LOGDIR
 * (LOGDIR is created if need be.)
 *
 * It listens on 127.0.0.1 (with -6 on ::1; the kernel picks the port,
 * written to PORTFILE) or, with -u, on the unix socket PATH (then PATH is
 * written to PORTFILE). Each accepted connection N (1, 2, ... in accept
 * order) is relayed to UPSTREAM (ADDR:PORT, [ADDR]:PORT or unix:/PATH),
 * both ways, byte for byte; the client's bytes are appended to
 * LOGDIR/N.c2s and the server's to LOGDIR/N.s2c as they pass, before they
 * are passed on. LOGDIR/events gets "N open" when N is accepted and
 * "N closed HOW" once both of its sockets are closed: a test that has seen
 * as many "closed" lines as "open" ones has the whole conversation. HOW is
 * how the client ended it: "client-reset", "client-eof" (a FIN), or
 * "server-reset" when the server's side failed first.
 *
 * An end of stream is passed on as a half-close once what came before it
 * has been delivered; a reset (or any error) from either side closes both
 * with a reset, as the client under test closes its sockets (SO_LINGER 0).
 * The kernel hands over the data that arrived before a reset first, so
 * nothing the client sent before it is lost.
 *
 * One process and poll(): a relay adds no delay but its own system calls.
 * It exits by itself after 120 s, and on SIGTERM or SIGINT, so a test that
 * fails can never leave it behind. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LIFETIME_S 120
#define MAX_CONNS 1024
#define BUF_SIZE 65536

/* One direction of a connection: bytes read from `from`, not yet all
 * written to `to`. */
struct flow {
    int from, to;     /* indexes into conn.fd: 0 the client, 1 upstream */
    int log;
    char *buf;
    size_t off, len;
    bool eof;         /* `from` has ended; a half-close is owed to `to` */
    bool shut;        /* the half-close has been passed on */
};

struct conn {
    unsigned long n;
    int fd[2];
    struct flow flow[2];   /* 0: client to server, 1: server to client */
};

/* Which side of a connection failed (reset or error). */
enum side { NONE = -1, CLIENT = 0, SERVER = 1 };

static struct conn *conns[MAX_CONNS];
static size_t nconns;
static unsigned long accepted;
static int events_fd = -1;
static const char *logdir;
static const char *unix_path;
static int sig_pipe[2] = { -1, -1 };

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("recorder: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (unix_path)
        unlink(unix_path);
    exit(1);
}

static void write_all(int fd, const char *p, size_t len, const char *what)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("write %s: %s", what, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

static void event(unsigned long n, const char *what)
{
    char line[64];
    int len = snprintf(line, sizeof(line), "%lu %s\n", n, what);
    write_all(events_fd, line, (size_t)len, "events");
}

static void on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;
    /* The main loop polls the pipe; a full pipe already says enough. */
    if (write(sig_pipe[1], &c, 1) < 0) {
        /* nothing to do */
    }
    errno = saved;
}

/* UPSTREAM into an address: unix:/PATH, [ADDR]:PORT or ADDR:PORT. */
static socklen_t parse_upstream(const char *spec, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un *su = (struct sockaddr_un *)ss;
        if (strlen(spec + 5) >= sizeof(su->sun_path))
            die("unix path too long: %s", spec + 5);
        su->sun_family = AF_UNIX;
        strcpy(su->sun_path, spec + 5);
        return sizeof(*su);
    }
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (end == 0 || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof(host))
            die("bad upstream: %s", spec);
        memcpy(host, spec + 1, (size_t)(end - spec - 1));
        host[end - spec - 1] = 0;
        port = end + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (colon == 0 || (size_t)(colon - spec) >= sizeof(host))
            die("bad upstream: %s", spec);
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = 0;
        port = colon + 1;
    }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        die("upstream %s: %s", spec, gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    socklen_t len = res->ai_addrlen;
    freeaddrinfo(res);
    return len;
}

static int listen_on(bool v6, const char *path, const char *portfile)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    if (path) {
        struct sockaddr_un *su = (struct sockaddr_un *)&ss;
        if (strlen(path) >= sizeof(su->sun_path))
            die("unix path too long: %s", path);
        su->sun_family = AF_UNIX;
        strcpy(su->sun_path, path);
        len = sizeof(*su);
    } else if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_loopback;
        len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*s4);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0)
        die("bind: %s", strerror(errno));
    if (path)
        unix_path = path;
    if (listen(fd, 1024) < 0)
        die("listen: %s", strerror(errno));

    char text[256];
    if (path) {
        snprintf(text, sizeof(text), "%s\n", path);
    } else {
        len = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
            die("getsockname: %s", strerror(errno));
        unsigned port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                 : ((struct sockaddr_in *)&ss)->sin_port);
        snprintf(text, sizeof(text), "%u\n", port);
    }
    /* Written whole under another name first: a reader never sees half. */
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
    int pf = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (pf < 0)
        die("%s: %s", tmp, strerror(errno));
    write_all(pf, text, strlen(text), tmp);
    close(pf);
    if (rename(tmp, portfile) < 0)
        die("rename %s: %s", portfile, strerror(errno));
    return fd;
}

static int open_log(unsigned long n, const char *suffix)
{
    char name[4096];
    snprintf(name, sizeof(name), "%s/%lu.%s", logdir, n, suffix);
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0)
        die("%s: %s", name, strerror(errno));
    return fd;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        die("fcntl: %s", strerror(errno));
}

/* Closes fd with a reset rather than a FIN. */
static void abort_close(int fd)
{
    struct linger lg = { 1, 0 };
    if (fd < 0)
        return;
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

static void conn_done(size_t i, enum side failed)
{
    struct conn *c = conns[i];
    for (int k = 0; k < 2; k++) {
        if (failed != NONE)
            abort_close(c->fd[k]);
        else
            close(c->fd[k]);
        close(c->flow[k].log);
        free(c->flow[k].buf);
    }
    event(c->n, failed == CLIENT ? "closed client-reset"
                : failed == SERVER ? "closed server-reset" : "closed client-eof");
    free(c);
    conns[i] = conns[--nconns];
}

static void accept_one(int lfd, const struct sockaddr_storage *up, socklen_t uplen)
{
    int cfd = accept(lfd, 0, 0);
    if (cfd < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
            return;
        die("accept: %s", strerror(errno));
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (c == 0)
        die("out of memory");
    c->n = ++accepted;
    c->fd[0] = cfd;
    c->flow[0] = (struct flow){ .from = 0, .to = 1, .log = open_log(c->n, "c2s") };
    c->flow[1] = (struct flow){ .from = 1, .to = 0, .log = open_log(c->n, "s2c") };
    c->flow[0].buf = malloc(BUF_SIZE);
    c->flow[1].buf = malloc(BUF_SIZE);
    if (c->flow[0].buf == 0 || c->flow[1].buf == 0)
        die("out of memory");
    event(c->n, "open");
    conns[nconns++] = c;

    /* Upstream is a local test server: a blocking connect is immediate. */
    c->fd[1] = socket(up->ss_family, SOCK_STREAM, 0);
    if (c->fd[1] < 0 || connect(c->fd[1], (const struct sockaddr *)up, uplen) < 0) {
        fprintf(stderr, "recorder: connection %lu: upstream: %s\n", c->n, strerror(errno));
        if (c->fd[1] >= 0)
            close(c->fd[1]);
        c->fd[1] = -1;
        conn_done(nconns - 1, SERVER);
        return;
    }
    set_nonblock(c->fd[0]);
    set_nonblock(c->fd[1]);
}

/* Moves what can move on one flow. Returns the side that failed, if one
 * did: then the connection must be reset. */
static enum side pump(struct conn *c, struct flow *f, short rev_from, short rev_to)
{
    if (f->len == 0 && !f->eof && (rev_from & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = read(c->fd[f->from], f->buf, BUF_SIZE);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            return NONE;
        if (n < 0)
            return (enum side)f->from;
        if (n == 0) {
            f->eof = true;
        } else {
            write_all(f->log, f->buf, (size_t)n, "log");
            f->off = 0;
            f->len = (size_t)n;
            rev_to |= POLLOUT;   /* try at once: usually there is room */
        }
    }
    if (f->len > 0 && (rev_to & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t n = write(c->fd[f->to], f->buf + f->off, f->len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            return NONE;
        if (n < 0)
            return (enum side)f->to;
        f->off += (size_t)n;
        f->len -= (size_t)n;
    }
    if (f->eof && f->len == 0 && !f->shut) {
        f->shut = true;
        if (shutdown(c->fd[f->to], SHUT_WR) < 0 && errno != ENOTCONN)
            return (enum side)f->to;
    }
    return NONE;
}

int main(int argc, char **argv)
{
    bool v6 = false;
    const char *path = 0;
    int opt;

    while ((opt = getopt(argc, argv, "6u:")) != -1) {
        if (opt == '6')
            v6 = true;
        else if (opt == 'u')
            path = optarg;
        else
            die("usage: recorder [-6 | -u PATH] UPSTREAM PORTFILE LOGDIR");
    }
    if (argc - optind != 3)
        die("usage: recorder [-6 | -u PATH] UPSTREAM PORTFILE LOGDIR");
    logdir = argv[optind + 2];

    struct sockaddr_storage up;
    socklen_t uplen = parse_upstream(argv[optind], &up);

    if (mkdir(logdir, 0755) < 0 && errno != EEXIST)
        die("%s: %s", logdir, strerror(errno));
    char name[4096];
    snprintf(name, sizeof(name), "%s/events", logdir);
    events_fd = open(name, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (events_fd < 0)
        die("%s: %s", name, strerror(errno));

    if (pipe(sig_pipe) < 0)
        die("pipe: %s", strerror(errno));
    set_nonblock(sig_pipe[1]);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGINT, &sa, 0);
    sigaction(SIGHUP, &sa, 0);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, 0);

    int lfd = listen_on(v6, path, argv[optind + 1]);
    set_nonblock(lfd);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    static struct pollfd pfd[2 + 2 * MAX_CONNS];

    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left_ms = LIFETIME_S * 1000LL - ((now.tv_sec - start.tv_sec) * 1000LL
                                                   + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left_ms <= 0)
            break;

        nfds_t np = 0;
        pfd[np++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
        pfd[np++] = (struct pollfd){ .fd = nconns < MAX_CONNS ? lfd : -1, .events = POLLIN };
        for (size_t i = 0; i < nconns; i++) {
            struct conn *c = conns[i];
            short ev[2] = { 0, 0 };
            for (int k = 0; k < 2; k++) {
                struct flow *f = &c->flow[k];
                if (f->len == 0 && !f->eof)
                    ev[f->from] |= POLLIN;
                if (f->len > 0)
                    ev[f->to] |= POLLOUT;
            }
            pfd[np++] = (struct pollfd){ .fd = c->fd[0], .events = ev[0] };
            pfd[np++] = (struct pollfd){ .fd = c->fd[1], .events = ev[1] };
        }
        int rc = poll(pfd, np, (int)(left_ms > 1000 ? 1000 : left_ms));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            die("poll: %s", strerror(errno));
        if (pfd[0].revents)
            break;

        /* Connections first, from the end, so that a finished one can be
         * swapped out without skipping another; then new ones. */
        for (size_t i = nconns; i-- > 0;) {
            struct conn *c = conns[i];
            short rev[2] = { pfd[2 + 2 * i].revents, pfd[3 + 2 * i].revents };
            enum side failed = pump(c, &c->flow[0], rev[0], rev[1]);
            if (failed == NONE)
                failed = pump(c, &c->flow[1], rev[1], rev[0]);
            /* A side that reports an error and has nothing more to be
             * read from it was reset: poll would report it for ever. */
            for (int k = 0; k < 2 && failed == NONE; k++)
                if ((rev[k] & POLLERR) && c->flow[k].eof)
                    failed = (enum side)k;
            if (failed != NONE || (c->flow[0].shut && c->flow[1].shut))
                conn_done(i, failed);
        }
        if (pfd[1].revents & POLLIN)
            accept_one(lfd, &up, uplen);
    }
    for (size_t i = nconns; i-- > 0;)
        conn_done(i, SERVER);
    if (unix_path)
        unlink(unix_path);
    return 0;
}
