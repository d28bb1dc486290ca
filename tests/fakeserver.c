/* fakeserver: an SMTP/LMTP server that misbehaves on purpose, as a script
 * says, for the tests of what smtp-sink cannot be made to do.
 *
 *   fakeserver [-6 | -u PATH] MODE PORTFILE [LOGDIR]
 *   fakeserver [-6 | -u PATH] script SCRIPTFILE PORTFILE [LOGDIR]
 *
 * It listens on 127.0.0.1 (-6: ::1) on a port of the kernel's choice, or
 * on the unix socket PATH, and writes the port (or PATH) to PORTFILE once
 * it listens. Each connection is served in a child process. It exits after
 * its lifetime (60 s unless the script says otherwise), on SIGTERM or
 * SIGINT, and takes its children with it: a test can never leave one.
 * MODE is one of the canned scripts of modes[] below.
 *
 * The script: one rule or directive a line; '#' at the start of a line
 * begins a comment. A rule is
 *     EVENT [conn=SPEC] [nth=SPEC] [gnth=SPEC] [tnth=SPEC] [match=TEXT] : ACTION [; ACTION]...
 * EVENT: banner, a command verb (any case), dot (end of a message's
 * content, also BDAT LAST), rcpt-dot (LMTP: the end-of-data reply for the
 * nth accepted recipient), line (a line in an AUTH exchange, i.e. after a
 * 3xx reply to AUTH, or one that expect-lines announced), any (any
 * command). SPEC: 3, 2-, 2-5, or a comma-separated list of those. conn:
 * the connection number (1-based, accept order); nth: the occurrence of
 * the event on the connection; gnth: on the whole server; tnth: in the
 * mail transaction (MAIL, RSET, HELO/EHLO/LHLO and the end of data start
 * a new one). match: the line contains TEXT, case-insensitively (quote it
 * for blanks). The first matching rule in file order wins; no rule: the
 * default. The rule's head ends at the first ':' followed by a blank.
 * ACTIONs: reply TEXT (plus CR LF), raw TEXT, repeat N|forever TEXT,
 * default, noreply, close (FIN after what was sent; the input is still
 * read until the client closes), reset (RST), shutdown-read, shutdown-write
 * (FIN, the connection kept), stall (no
 * more reading or writing), sleep MS, stop-reading, data-skip,
 * swallow-data, expect-lines N, wait EVENT N (until the server-wide count
 * of EVENT, made by any connection, reaches N: it orders what connections
 * do; the lifetime bounds it). The event hangup is counted when the client
 * ends its side of a connection (EOF, reset, read error); it has no rules
 * of its own. TEXT has the escapes \r \n \t \\ \; \"
 * \xHH; blanks around it are dropped (\x20 keeps one).
 * After a DATA (or any) rule, the content is read up to the lone dot if
 * the rule's first reply byte was '3' and it has no data-skip, or if it has
 * swallow-data; then comes the dot event (under swallow-data, only if a dot
 * rule matches). A BDAT chunk is read before the BDAT rule runs, unless
 * the rule has data-skip.
 * Directives: ehlo KEYWORD... (default PIPELINING 8BITMIME), rcvbuf N,
 * lifetime SECONDS (up to 600), lmtp, stall-window START_MS LEN_MS,
 * nodelay (always on now: kept for old scripts), tiny-writes, bare-lf
 * (reply lines end in LF alone), backlog N,
 * never-accept, capacity N (a server of N messages a second: each end of
 * data waits in one queue shared by every connection, first come first
 * served, and is answered 1/N s after the one before it, or after its
 * own arrival if the server was idle; past N a second, latency climbs).
 * The default: banner 220; EHLO/LHLO the keywords; HELO, MAIL 250; RCPT
 * 250 in a transaction, else 503; DATA 354 if a recipient was accepted,
 * else 503; end of data 250 (LMTP: one reply per accepted recipient; 554
 * if MAIL was refused); RSET, NOOP 250; QUIT 221 and close; BDAT n [LAST]
 * 250 after n bytes; AUTH, STARTTLS and the rest 502.
 *
 * LOGDIR receives conn.N.in and conn.N.out (every byte received and sent
 * on connection N, written as it goes) and events: "N accept", "N EVENT
 * nth=K" for each event, "N close|reset|eof|read-error|write-error" and,
 * last, "N bytes-in B" however the connection ended. */
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS */

#include "fakeserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* The faults the tests used before scripts existed, now as scripts. */
static const struct { const char *mode, *script; } modes[] = {
    { "plain", "" },
    { "garbage-banner", "banner : reply hello there" },
    { "nul-bytes", "banner : raw 554 bad\\x00byte\\x01\\xff\"q\\\\\\r\\n" },
    { "long-line", "banner : raw 220\\x20; repeat 1048576 x; raw \\r\\n" },
    { "endless-line", "banner : raw 220\\x20; repeat forever x" },
    { "endless-multiline", "banner : repeat forever 220-x\\r\\n" },
    { "close-after-accept", "banner : close" },
    { "close-mid-reply", "banner : reply 220-partial; close" },
    { "stall-banner", "banner : stall" },
    { "stall-mid-reply", "banner : reply 220-a; stall" },
    { "bare-lf", "bare-lf" },
    { "tiny-writes", "tiny-writes\nnodelay" },
    /* A small window fills quickly once nobody reads. */
    { "stall-data", "rcvbuf 4096\nDATA : reply 354 go ahead; stall" },
    { "rst-mid-data", "DATA : reply 354 go ahead; data-skip; expect-lines 1\nline : reset" },
    { "data-250", "DATA : reply 250 2.0.0 no data for you" },
    { "reject-mail", "MAIL : reply 550 5.1.0 sender \"bad\"" },
    { "reject-mail-354", "MAIL : reply 550 5.1.0 sender \"bad\"\nDATA : reply 354 go ahead" },
    { "reject-rcpt-421", "RCPT : reply 421 4.3.0 bye; close" },
    /* The second recipient of each transaction is refused. */
    { "lmtp-partial", "lmtp\nRCPT tnth=2 : reply 550 5.1.1 no such user" },
    /* A queue of one that is never served: once it holds a connection,
     * further SYNs go unanswered. */
    { "full-backlog", "backlog 0\nnever-accept" },
};

static volatile sig_atomic_t stopping, child_exited;

static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

static void on_child(int sig)
{
    (void)sig;
    child_exited = 1;
}

static pid_t *kids;
static size_t nkids, capkids;

static void reap(int block)
{
    pid_t pid;
    while ((pid = waitpid(-1, 0, block ? 0 : WNOHANG)) > 0)
        for (size_t i = 0; i < nkids; i++)
            if (kids[i] == pid) {
                kids[i] = kids[--nkids];
                break;
            }
}

/* Children first get SIGTERM, so that each logs its last line; one that
 * does not go within 3 s is killed. */
static void stop_children(void)
{
    for (size_t i = 0; i < nkids; i++)
        kill(kids[i], SIGTERM);
    for (int tick = 0; nkids > 0 && tick < 300; tick++) {
        struct timespec t = { 0, 10000000 };
        nanosleep(&t, 0);
        reap(0);
    }
    for (size_t i = 0; i < nkids; i++)
        kill(kids[i], SIGKILL);
    if (nkids > 0)
        reap(1);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    size_t n = 0, cap = 4096;
    char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (s)
        s[n] = 0;
    return s;
}

static int usage(void)
{
    fprintf(stderr, "usage: fakeserver [-6 | -u PATH] MODE PORTFILE [LOGDIR]\n"
                    "       fakeserver [-6 | -u PATH] script SCRIPTFILE PORTFILE [LOGDIR]\n");
    return 2;
}

static int listen_on(const struct script *sc, int inet6, const char *upath, char *where, size_t wn)
{
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        struct sockaddr_un un;
    } a;
    socklen_t alen;
    memset(&a, 0, sizeof(a));
    if (upath) {
        struct stat st;
        if (strlen(upath) >= sizeof(a.un.sun_path)) {
            fprintf(stderr, "fakeserver: socket path too long: %s\n", upath);
            return -1;
        }
        a.un.sun_family = AF_UNIX;
        strcpy(a.un.sun_path, upath);
        alen = sizeof(a.un);
        if (lstat(upath, &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(upath);
    } else if (inet6) {
        a.in6.sin6_family = AF_INET6;
        a.in6.sin6_addr = in6addr_loopback;
        alen = sizeof(a.in6);
    } else {
        a.in4.sin_family = AF_INET;
        a.in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        alen = sizeof(a.in4);
    }
    int ls = socket(a.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (ls < 0)
        return -1;
    if (!upath)
        setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* Accepted sockets inherit the listener's receive buffer. */
    if (sc->rcvbuf)
        setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &sc->rcvbuf, sizeof(sc->rcvbuf));
    if (bind(ls, &a.sa, alen) < 0 || listen(ls, sc->backlog) < 0
        || getsockname(ls, &a.sa, &alen) < 0) {
        perror("fakeserver");
        return -1;
    }
    if (upath)
        snprintf(where, wn, "%s\n", upath);
    else
        snprintf(where, wn, "%u\n", ntohs(inet6 ? a.in6.sin6_port : a.in4.sin_port));
    fcntl(ls, F_SETFL, fcntl(ls, F_GETFL) | O_NONBLOCK);
    return ls;
}

static int write_atomically(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static void serve_child(const struct server *srv, int ls, int fd, unsigned long conn,
                        pid_t listener)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    /* The listener may have died before the line above took effect. */
    if (getppid() != listener)
        _exit(0);
    close(ls);
    serve_conn(srv, fd, conn);
}

int main(int argc, char **argv)
{
    int inet6 = 0;
    const char *upath = NULL;
    while (argc > 1 && argv[1][0] == '-') {
        if (strcmp(argv[1], "-6") == 0) {
            inet6 = 1;
        } else if (strcmp(argv[1], "-u") == 0 && argc > 2) {
            upath = argv[2];
            argv++, argc--;
        } else {
            return usage();
        }
        argv++, argc--;
    }
    int is_script = argc > 1 && strcmp(argv[1], "script") == 0;
    if (argc < 3 + is_script || argc > 4 + is_script)
        return usage();
    const char *text = NULL, *name = argv[1];
    if (is_script) {
        name = argv[2];
        if ((text = slurp(name)) == NULL) {
            perror(name);
            return 2;
        }
    }
    for (size_t i = 0; !is_script && i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(argv[1], modes[i].mode) == 0)
            text = modes[i].script;
    if (text == NULL) {
        fprintf(stderr, "fakeserver: unknown mode %s\n", argv[1]);
        return 2;
    }
    const char *portfile = argv[2 + is_script];
    const char *logdir = argc > 3 + is_script ? argv[3 + is_script] : NULL;

    static struct script sc;
    int bad = script_parse(&sc, text, name) < 0;
    if (is_script)
        free((char *)text);
    if (bad)
        return 2;

    struct server srv = { &sc, NULL, NULL, -1, logdir, { 0, 0 } };
    clock_gettime(CLOCK_MONOTONIC, &srv.start);
    /* gnth counters, shared by the children: made before the first fork. */
    size_t gsize = (size_t)(sc.ncounters + 1) * sizeof(atomic_ulong);
    srv.gcount = mmap(0, gsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (srv.gcount == MAP_FAILED) {
        perror("fakeserver: mmap");
        return 1;
    }
    for (int i = 0; i <= sc.ncounters; i++)
        atomic_init(&srv.gcount[i], 0);
    srv.free_at = mmap(0, sizeof(atomic_llong), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                       -1, 0);
    if (srv.free_at == MAP_FAILED) {
        perror("fakeserver: mmap");
        return 1;
    }
    atomic_init(srv.free_at, 0);
    if (logdir) {
        char path[4096];
        mkdir(logdir, 0755);
        snprintf(path, sizeof(path), "%s/events", logdir);
        srv.events_fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (srv.events_fd < 0) {
            perror(path);
            return 1;
        }
    }

    /* The signals that matter reach the listener only inside pselect(),
     * so none is lost between a check and a wait. */
    sigset_t block, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &waitmask);
    sigdelset(&waitmask, SIGTERM);
    sigdelset(&waitmask, SIGINT);
    sigdelset(&waitmask, SIGALRM);
    sigdelset(&waitmask, SIGCHLD);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGINT, &sa, 0);
    sigaction(SIGALRM, &sa, 0);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, 0);
    signal(SIGPIPE, SIG_IGN);
    alarm((unsigned)sc.lifetime);

    char where[4200];
    int ls = listen_on(&sc, inet6, upath, where, sizeof(where));
    if (ls < 0 || write_atomically(portfile, where) < 0)
        return 1;

    pid_t self = getpid();
    unsigned long conns = 0;
    int one = 1;
    while (!stopping) {
        fd_set rd;
        FD_ZERO(&rd);
        if (!sc.never_accept)
            FD_SET(ls, &rd);
        int n = pselect(ls + 1, &rd, 0, 0, 0, &waitmask);
        if (child_exited) {
            child_exited = 0;
            reap(0);
        }
        if (n <= 0)
            continue;
        int fd = accept(ls, 0, 0);
        if (fd < 0)
            continue;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        /* Every write goes out when the script makes it: with Nagle, a
         * reply written in two pieces would wait for the client's delayed
         * ACK (40 ms), and every test would measure that, not the fault. */
        if (!upath)
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (nkids == capkids) {
            capkids = capkids ? 2 * capkids : 64;
            if ((kids = realloc(kids, capkids * sizeof(pid_t))) == NULL) {
                perror("fakeserver");
                break;
            }
        }
        pid_t pid = fork();
        if (pid == 0)
            serve_child(&srv, ls, fd, ++conns, self);
        if (pid > 0) {
            kids[nkids++] = pid;
            conns++;
        }
        close(fd);
    }
    stop_children();
    if (upath)
        unlink(upath);
    return 0;
}
