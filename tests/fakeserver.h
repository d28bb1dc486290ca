/* fakeserver: the script a test gives it (fakescript.c) and the serving of
 * one connection by that script (fakeconn.c). See fakeserver.c for usage
 * and the script language. */
#ifndef FAKESERVER_H
#define FAKESERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

/* A set of numbers such as "3", "2-", "2-5" or "1,4-6"; n == 0 is any. */
#define SPEC_MAX 8
struct spec {
    int n;
    unsigned long lo[SPEC_MAX], hi[SPEC_MAX];
};

enum act_kind {
    ACT_REPLY, ACT_RAW, ACT_REPEAT, ACT_DEFAULT, ACT_NOREPLY, ACT_CLOSE, ACT_RESET,
    ACT_SHUTDOWN_READ, ACT_SHUTDOWN_WRITE, ACT_STALL, ACT_SLEEP, ACT_STOP_READING, ACT_DATA_SKIP,
    ACT_SWALLOW_DATA, ACT_EXPECT_LINES, ACT_WAIT
};

struct action {
    enum act_kind kind;
    char *text;          /* decoded, may hold NUL bytes */
    size_t len;
    unsigned long long n; /* repeat count (0: forever), sleep ms, lines, wait count */
    int counter;         /* wait: the event's server-wide counter */
};

/* Event names: the specials are lowercase, command verbs uppercase. */
#define EV_NAME_MAX 40

struct rule {
    char event[EV_NAME_MAX];
    int counter;         /* index of the event's server-wide counter */
    struct spec conn, nth, gnth, tnth;
    char *match;         /* decoded, NULL if none */
    size_t match_len;
    struct action *acts;
    int nacts;
    int data_skip, swallow;
};

struct window {
    long long start_ms, len_ms;
};

struct script {
    struct rule *rules;
    int nrules;
    char **ehlo;         /* EHLO keywords after the greeting line */
    int nehlo;
    int rcvbuf;          /* 0: the kernel's */
    int lifetime;        /* seconds */
    int lmtp, nodelay, tiny_writes, bare_lf, never_accept;
    int backlog;
    long capacity;       /* capacity N: ends of data served a second, 0: no bound */
    struct window *windows;
    int nwindows;
    char **counters;     /* the distinct event names of the rules */
    int ncounters;
};

/* Parses text (named name in messages) into sc; on error prints
 * "name:LINE: why" to stderr and returns -1. */
int script_parse(struct script *sc, const char *text, const char *name);

/* Index of event name in sc->counters, or -1. */
int script_counter(const struct script *sc, const char *event);

/* Does v lie in s? */
int spec_has(const struct spec *s, unsigned long v);

/* What every connection's process shares with the listener. */
struct server {
    const struct script *sc;
    atomic_ulong *gcount;   /* sc->ncounters counters in shared memory */
    atomic_llong *free_at;  /* capacity: when the server is next free (CLOCK_MONOTONIC ns) */
    int events_fd;          /* LOGDIR/events, or -1 */
    const char *logdir;     /* NULL: no logs */
    struct timespec start;  /* CLOCK_MONOTONIC, for stall-window */
};

/* Serves connection number id on fd in this (forked) process, then exits. */
_Noreturn void serve_conn(const struct server *srv, int fd, unsigned long id);

#endif
