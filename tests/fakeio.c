/* fakeserver: the bytes of the one connection this process serves. Input
 * is buffered and logged as it arrives; output goes through stall-window
 * and tiny-writes and is logged as it leaves; the events log gets one
 * write per line, so the processes' lines never interleave. */
#include "fakeio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_MAX_KEPT 65536
#define READ_CHUNK 65536
/* Bytes read ahead while a stall-window holds the replies back. */
#define HOLD_BUF_MAX (16u << 20)

/* One connection per process, so its state is global: the signal handler
 * needs some of it. */
static const struct server *srv;
static const struct script *sc;
static int fd = -1, in_fd = -1, out_fd = -1;
static unsigned long id;
static atomic_ullong bytes_in;

static char *buf;
static size_t pos, len, cap;
static int at_eof, stop_reading;
static char line[LINE_MAX_KEPT + 1];
static size_t line_len;
static char first;          /* first byte sent since io_set_first(0) */

/* The line "ID TEXT\n" to the events log in one write, so that the
 * processes' lines never interleave. Async-signal-safe. */
static void log_raw(const char *text, unsigned long long num, int with_num)
{
    char b[160], d[24];
    size_t k = 0, n;
    unsigned long long v = id;
    if (srv->events_fd < 0)
        return;
    for (int pass = 0; pass < 1 + with_num; pass++) {
        if (pass == 1) {
            v = num;
            b[k++] = ' ';
        }
        n = 0;
        do
            d[n++] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        while (n > 0)
            b[k++] = d[--n];
        if (pass == 0) {
            b[k++] = ' ';
            for (const char *t = text; *t && k < sizeof(b) - 26; t++)
                b[k++] = *t;
        }
    }
    b[k++] = '\n';
    if (write(srv->events_fd, b, k) < 0)
        return;
}

void io_log(const char *what)
{
    log_raw(what, 0, 0);
}

static void log_bytes_in(void)
{
    log_raw("bytes-in", atomic_load(&bytes_in), 1);
}

static void on_signal(int sig)
{
    (void)sig;
    log_bytes_in();
    _exit(0);
}

void io_finish(const char *why)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, 0);
    if (why)
        io_log(why);
    log_bytes_in();
    _exit(0);
}

void io_stall(void)
{
    for (;;)
        pause();
}

static void append(int logfd, const char *b, size_t n)
{
    while (logfd >= 0 && n > 0) {
        ssize_t w = write(logfd, b, n);
        if (w <= 0)
            return;
        b += w;
        n -= (size_t)w;
    }
}

/* One read() into the buffer; returns 0 if there was no room. */
static int fill(void)
{
    if (pos > 0 && pos == len)
        pos = len = 0;
    if (cap - len < READ_CHUNK && pos > 0) {
        memmove(buf, buf + pos, len - pos);
        len -= pos;
        pos = 0;
    }
    if (cap - len < READ_CHUNK) {
        if (cap >= HOLD_BUF_MAX)
            return 0;
        cap = cap ? cap * 2 : 2 * READ_CHUNK;
        if ((buf = realloc(buf, cap)) == NULL)
            io_finish("out-of-memory");
    }
    if (stop_reading)
        io_stall();
    ssize_t got = read(fd, buf + len, cap - len);
    if (got < 0 && errno == EINTR)
        return 1;
    if (got <= 0) {
        at_eof = got == 0 ? 1 : errno == ECONNRESET ? 2 : 3;
        return 1;
    }
    append(in_fd, buf + len, (size_t)got);
    atomic_fetch_add(&bytes_in, (unsigned long long)got);
    len += (size_t)got;
    return 1;
}

void io_end_of_input(void)
{
    conn_hangup();
    io_finish(at_eof == 1 ? "eof" : at_eof == 2 ? "peer-reset" : "read-error");
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - srv->start.tv_sec) * 1000LL + (t.tv_nsec - srv->start.tv_nsec) / 1000000;
}

/* stall-window: a write due inside a window waits for its end; what the
 * client sends meanwhile is still read. */
static void hold(void)
{
    for (;;) {
        long long now = now_ms(), until = -1;
        for (int i = 0; i < sc->nwindows; i++) {
            const struct window *w = &sc->windows[i];
            if (now >= w->start_ms && now < w->start_ms + w->len_ms && w->start_ms + w->len_ms > until)
                until = w->start_ms + w->len_ms;
        }
        if (until < 0)
            return;
        struct pollfd p = { fd, POLLIN, 0 };
        long long wait = until - now;
        int readable = !stop_reading && !at_eof;
        if (poll(&p, readable ? 1 : 0, wait > INT_MAX ? INT_MAX : (int)wait) > 0 && !fill())
            poll(0, 0, (int)(until - now_ms() > 0 ? until - now_ms() : 0));
    }
}

void io_put(const char *b, size_t n)
{
    if (n > 0 && first == 0)
        first = b[0];
    while (n > 0) {
        if (sc->nwindows)
            hold();
        /* tiny-writes: one segment per byte, the client must reassemble. */
        ssize_t w = write(fd, b, sc->tiny_writes ? 1 : n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            io_finish("write-error");
        append(out_fd, b, (size_t)w);
        b += w;
        n -= (size_t)w;
    }
}

void io_put_eol(void)
{
    io_put(sc->bare_lf ? "\n" : "\r\n", sc->bare_lf ? 1 : 2);
}

/* A line and its end in one write, as a server would send it. */
void io_put_line(const char *s)
{
    size_t n = strlen(s);
    char *b = malloc(n + 2);
    if (b == NULL)
        io_finish("out-of-memory");
    memcpy(b, s, n);
    memcpy(b + n, sc->bare_lf ? "\n" : "\r\n", sc->bare_lf ? 1 : 2);
    io_put(b, n + (sc->bare_lf ? 1 : 2));
    free(b);
}

/* count copies of text (count 0: forever), in large writes. */
void io_put_repeat(const char *text, size_t n, unsigned long long count)
{
    size_t per = n >= READ_CHUNK ? 1 : READ_CHUNK / n;
    char *chunk = malloc(per * n);
    if (chunk == NULL)
        io_finish("out-of-memory");
    for (size_t i = 0; i < per; i++)
        memcpy(chunk + i * n, text, n);
    for (;;) {
        unsigned long long k = count == 0 || count >= per ? per : count;
        io_put(chunk, (size_t)k * n);
        if (count != 0 && (count -= k) == 0)
            break;
    }
    free(chunk);
}

int io_get_line(const char **text, size_t *n)
{
    line_len = 0;
    for (;;) {
        if (pos == len) {
            if (at_eof)
                return 0;
            fill();
            continue;
        }
        char c = buf[pos++];
        if (c == '\n')
            break;
        if (line_len < LINE_MAX_KEPT)
            line[line_len++] = c;
    }
    while (line_len > 0 && line[line_len - 1] == '\r')
        line_len--;
    line[line_len] = 0;
    *text = line;
    *n = line_len;
    return 1;
}

void io_skip(unsigned long long n)
{
    while (n > 0) {
        if (pos == len) {
            if (at_eof)
                io_end_of_input();
            fill();
            continue;
        }
        size_t k = len - pos < n ? len - pos : (size_t)n;
        pos += k;
        n -= k;
    }
}

void io_read_content(void)
{
    const char *t;
    size_t n;
    for (;;) {
        if (!io_get_line(&t, &n))
            io_end_of_input();
        if (n == 1 && t[0] == '.')
            return;
    }
}

char io_first(void)
{
    return first;
}

void io_set_first(char c)
{
    first = c;
}

void io_stop_reading(void)
{
    stop_reading = 1;
}

void io_shutdown_read(void)
{
    shutdown(fd, SHUT_RD);
}

/* Our FIN now, the connection kept: a client that writes on receives
 * our RST once we exit with its bytes unread, in CLOSE_WAIT, which is
 * EPIPE (and SIGPIPE) at its next write. */
void io_shutdown_write(void)
{
    io_log("shutdown-write");
    shutdown(fd, SHUT_WR);
}

void io_reset(void)
{
    struct linger lg = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    io_finish("reset");
}

/* Our FIN goes after the replies sent, and what the client still sends is
 * read (and logged) rather than answered with a reset, which could destroy
 * those replies before the client reads them. */
void io_close(void)
{
    io_log("close");
    if (stop_reading)
        io_finish(NULL);
    shutdown(fd, SHUT_WR);
    while (!at_eof) {
        pos = len;
        fill();
    }
    io_finish(NULL);
}

static int open_log(const char *what)
{
    char path[4096];
    if (srv->logdir == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/conn.%lu.%s", srv->logdir, id, what);
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

void io_init(const struct server *s, int sock, unsigned long conn_id)
{
    srv = s;
    sc = s->sc;
    fd = sock;
    id = conn_id;
    in_fd = open_log("in");
    out_fd = open_log("out");

    /* Killed (by the listener, or at the end of the lifetime): the last
     * line still goes to the events log. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGINT, &sa, 0);
    sigaction(SIGALRM, &sa, 0);
    signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    alarm((unsigned)sc->lifetime);
    io_log("accept");
}

