/* fakeserver: a scripted SMTP server that misbehaves on purpose, for the
 * tests of what smtp-sink cannot be made to do (garbage, endless lines,
 * stalls, resets). Usage: fakeserver MODE PORTFILE
 * It listens on 127.0.0.1 (a port of the kernel's choice, written to
 * PORTFILE), serves each connection in a child process as a plain SMTP
 * server with MODE's one fault, and exits by itself after a minute, so a
 * failed test can never leave it running. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define LIFETIME 60

static const char *mode;

static int is(const char *m)
{
    return strcmp(mode, m) == 0;
}

static void put_raw(int fd, const char *s, size_t len)
{
    if (is("tiny-writes")) {
        /* One byte per segment: the client must reassemble replies. */
        for (size_t i = 0; i < len; i++)
            if (write(fd, s + i, 1) != 1)
                _exit(0);
        return;
    }
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n <= 0)
            _exit(0);
        s += n;
        len -= (size_t)n;
    }
}

/* A reply line; s has no line end. bare-lf ends lines with LF alone. */
static void put(int fd, const char *s)
{
    put_raw(fd, s, strlen(s));
    put_raw(fd, is("bare-lf") ? "\n" : "\r\n", is("bare-lf") ? 1 : 2);
}

static void stall(void)
{
    for (;;)
        pause();
}

struct reader {
    int fd;
    char buf[8192];
    size_t pos, len;
};

/* Reads one line (without CRLF) into line; returns 0 at EOF. */
static int get_line(struct reader *r, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        if (r->pos == r->len) {
            ssize_t got = read(r->fd, r->buf, sizeof(r->buf));
            if (got <= 0)
                return 0;
            r->pos = 0;
            r->len = (size_t)got;
        }
        char c = r->buf[r->pos++];
        if (c == '\n')
            break;
        if (n + 1 < cap)
            line[n++] = c;
    }
    while (n > 0 && line[n - 1] == '\r')
        n--;
    line[n] = 0;
    return 1;
}

static int verb(const char *line, const char *v)
{
    return strncasecmp(line, v, strlen(v)) == 0;
}

static void greet(int fd)
{
    if (is("close-after-accept"))
        _exit(0);
    if (is("stall-banner"))
        stall();
    if (is("garbage-banner")) {
        put(fd, "hello there");
        return;
    }
    if (is("nul-bytes")) {
        static const char g[] = "554 bad\0byte\x01\xff\"q\\\r\n";
        put_raw(fd, g, sizeof(g) - 1);
        return;
    }
    if (is("long-line")) {
        size_t n = 1 << 20;
        char *b = malloc(n + 6);
        memcpy(b, "220 ", 4);
        memset(b + 4, 'x', n);
        memcpy(b + 4 + n, "\r\n", 2);
        put_raw(fd, b, n + 6);
        free(b);
        return;
    }
    if (is("endless-line")) {
        char b[4096];
        memset(b, 'x', sizeof(b));
        put_raw(fd, "220 ", 4);
        for (;;)
            put_raw(fd, b, sizeof(b));
    }
    if (is("endless-multiline"))
        for (;;)
            put(fd, "220-x");
    if (is("close-mid-reply")) {
        put(fd, "220-partial");
        _exit(0);
    }
    if (is("stall-mid-reply")) {
        put(fd, "220-a");
        stall();
    }
    put(fd, "220 fakeserver ESMTP");
}

static void ehlo(int fd)
{
    put(fd, "250-fakeserver");
    put(fd, "250-PIPELINING");
    put(fd, "250 8BITMIME");
}

/* Reads the message up to the lone dot. */
static void read_data(struct reader *r, int fd)
{
    char line[65536];
    if (is("stall-data"))
        stall();
    if (is("rst-mid-data")) {
        struct linger lg = { 1, 0 };
        get_line(r, line, sizeof(line));
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        _exit(0);
    }
    while (get_line(r, line, sizeof(line)))
        if (strcmp(line, ".") == 0)
            return;
    _exit(0);
}

static void serve(int fd)
{
    struct reader r = { fd, { 0 }, 0, 0 };
    char line[65536];
    int mail_ok = 0, rcpts = 0, accepted = 0;

    alarm(LIFETIME);
    greet(fd);
    while (get_line(&r, line, sizeof(line))) {
        if (verb(line, "EHLO") || verb(line, "LHLO")) {
            ehlo(fd);
        } else if (verb(line, "HELO")) {
            put(fd, "250 fakeserver");
        } else if (verb(line, "MAIL")) {
            mail_ok = !is("reject-mail") && !is("reject-mail-354");
            put(fd, mail_ok ? "250 2.1.0 Ok" : "550 5.1.0 sender \"bad\"");
        } else if (verb(line, "RCPT")) {
            if (is("reject-rcpt-421")) {
                put(fd, "421 4.3.0 bye");
                _exit(0);
            }
            /* lmtp-partial: the second recipient of each transaction is refused. */
            if (is("lmtp-partial") && ++rcpts == 2) {
                put(fd, "550 5.1.1 no such user");
                continue;
            }
            accepted += mail_ok;
            put(fd, mail_ok ? "250 2.1.5 Ok" : "503 5.5.1 need MAIL");
        } else if (verb(line, "DATA")) {
            if (is("data-250")) {
                put(fd, "250 2.0.0 no data for you");
                continue;
            }
            if (!mail_ok && !is("reject-mail-354")) {
                put(fd, "503 5.5.1 no valid recipients");
                continue;
            }
            put(fd, "354 go ahead");
            read_data(&r, fd);
            /* LMTP answers once per accepted recipient (RFC 2033). */
            for (int i = is("lmtp-partial") ? 1 : accepted; i < accepted; i++)
                put(fd, "250 2.0.0 delivered");
            put(fd, mail_ok ? "250 2.0.0 queued" : "554 5.5.1 no valid recipients");
            rcpts = accepted = 0;
        } else if (verb(line, "RSET")) {
            put(fd, "250 2.0.0 Ok");
        } else if (verb(line, "QUIT")) {
            put(fd, "221 2.0.0 Bye");
            _exit(0);
        } else {
            put(fd, "502 5.5.2 what?");
        }
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fakeserver MODE PORTFILE\n");
        return 2;
    }
    mode = argv[1];
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    alarm(LIFETIME);

    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (is("stall-data")) {
        /* A small window fills quickly once nobody reads. */
        int small = 4096;
        setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    /* full-backlog: a queue of one that is never served, so that once it
     * holds a connection, further SYNs go unanswered. */
    int backlog = is("full-backlog") ? 0 : 64;
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, backlog) < 0
        || getsockname(ls, (struct sockaddr *)&sa, &len) < 0) {
        perror("fakeserver");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
    FILE *f = fopen(tmp, "w");
    if (f == 0 || fprintf(f, "%u\n", ntohs(sa.sin_port)) < 0 || fclose(f) != 0
        || rename(tmp, argv[2]) < 0) {
        perror(argv[2]);
        return 1;
    }
    if (is("full-backlog"))
        stall();
    for (;;) {
        int fd = accept(ls, 0, 0);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (is("tiny-writes"))
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        pid_t pid = fork();
        if (pid == 0) {
            close(ls);
            serve(fd);
        }
        close(fd);
    }
}
