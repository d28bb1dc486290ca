/* fakeserver: one connection, served by the script in its own process.
 * Each event (banner, a command, the end of data, ...) is counted, logged,
 * and answered by the first rule that matches it or by the default, an
 * smtp-sink-like server. */
#include "fakeio.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum kind { K_BANNER, K_CMD, K_DOT, K_RCPT_DOT, K_LINE };

struct counter {
    char name[EV_NAME_MAX];
    unsigned long n, t;     /* on this connection, in this transaction */
};

/* The connection's state; one connection per process. */
static const struct server *srv;
static const struct script *sc;
static unsigned long id;
static const char *line;    /* the line of the current event */
static size_t line_len;
static int lmtp, txn, in_auth;
static unsigned long accepted, expect;
static struct counter *counters;
static size_t ncounters;

static struct counter *counter(const char *name)
{
    for (size_t i = 0; i < ncounters; i++)
        if (strcmp(counters[i].name, name) == 0)
            return &counters[i];
    /* A client inventing verbs without end shares one counter. */
    if (ncounters == 4096)
        return &counters[ncounters - 1];
    struct counter *c = realloc(counters, (ncounters + 1) * sizeof(*c));
    if (c == NULL)
        io_finish("out-of-memory");
    counters = c;
    c = &counters[ncounters++];
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->n = c->t = 0;
    return c;
}

static void end_transaction(void)
{
    txn = 0;
    accepted = 0;
    for (size_t i = 0; i < ncounters; i++)
        counters[i].t = 0;
}

struct ev {
    const char *name;
    unsigned long nth, tnth, gnth;
};

/* Counts an occurrence of name; k, if not 0, is the occurrence number
 * itself (rcpt-dot's recipient). */
static struct ev count(const char *name, unsigned long k)
{
    struct counter *c = counter(name);
    struct ev e = { name, ++c->n, ++c->t, 0 };
    if (k)
        e.nth = e.tnth = k;
    int g = script_counter(sc, name);
    if (g >= 0)
        e.gnth = atomic_fetch_add(&srv->gcount[g], 1) + 1;
    return e;
}

static int contains(const char *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && tolower((unsigned char)hay[i + j]) == tolower((unsigned char)needle[j]))
            j++;
        if (j == m)
            return 1;
    }
    return 0;
}

static const struct rule *find_rule(const struct ev *e, const struct ev *any,
                                    const char *text, size_t n)
{
    for (int i = 0; i < sc->nrules; i++) {
        const struct rule *r = &sc->rules[i];
        const struct ev *x = strcmp(r->event, e->name) == 0 ? e
                           : any && strcmp(r->event, "any") == 0 ? any : NULL;
        if (x && spec_has(&r->conn, id) && spec_has(&r->nth, x->nth)
            && spec_has(&r->gnth, x->gnth) && spec_has(&r->tnth, x->tnth)
            && (r->match == NULL || contains(text, n, r->match, r->match_len)))
            return r;
    }
    return NULL;
}

static void log_ev(const struct ev *e)
{
    char b[EV_NAME_MAX + 32];
    snprintf(b, sizeof(b), "%s nth=%lu", e->name, e->nth);
    io_log(b);
}

struct ctx {
    enum kind kind;
    const char *verb;
    unsigned long k;        /* rcpt-dot: the recipient */
};

static void run(const struct rule *r, const struct ctx *c);

/* The end of a message's content: the dot event, then a new transaction. */
/* capacity N: this message's turn in the server's one queue. */
static void wait_turn(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, at, done;
    at = atomic_load(srv->free_at);
    do {
        done = (at > now ? at : now) + 1000000000LL / sc->capacity;
    } while (!atomic_compare_exchange_weak(srv->free_at, &at, done));
    ts.tv_sec = (time_t)(done / 1000000000LL);
    ts.tv_nsec = (long)(done % 1000000000LL);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, 0) == EINTR)
        ;
}

static void end_of_data(int only_rule)
{
    if (sc->capacity)
        wait_turn();
    struct ev e = count("dot", 0);
    log_ev(&e);
    const struct rule *r = find_rule(&e, NULL, ".", 1);
    struct ctx c = { K_DOT, "", 0 };
    line = ".";
    line_len = 1;
    if (r || !only_rule)
        run(r, &c);
    end_transaction();
}

static void default_reply(const struct ctx *c)
{
    char b[1024];
    const char *v = c->verb;
    switch (c->kind) {
    case K_BANNER:
        io_put_line("220 fakeserver ESMTP");
        return;
    case K_LINE:
        if (in_auth)
            io_put_line(line_len == 1 && line[0] == '*' ? "501 5.7.0 authentication cancelled"
                                                     : "235 2.7.0 authenticated");
        return;
    case K_RCPT_DOT:
        io_put_line(c->k < accepted ? "250 2.0.0 delivered" : "250 2.0.0 queued");
        return;
    case K_DOT:
        if (!txn) {
            io_put_line("554 5.5.1 no valid recipients");
        } else if (lmtp) {
            /* RFC 2033: one reply per accepted recipient, each an event. */
            for (unsigned long k = 1; k <= accepted; k++) {
                struct ev e = count("rcpt-dot", k);
                struct ctx rc = { K_RCPT_DOT, "", k };
                log_ev(&e);
                run(find_rule(&e, NULL, "", 0), &rc);
            }
        } else {
            io_put_line("250 2.0.0 queued");
        }
        return;
    case K_CMD:
        break;
    }
    if (strcmp(v, "EHLO") == 0 || strcmp(v, "LHLO") == 0) {
        io_put_line(sc->nehlo ? "250-fakeserver" : "250 fakeserver");
        for (int i = 0; i < sc->nehlo; i++) {
            snprintf(b, sizeof(b), "250%c%s", i + 1 < sc->nehlo ? '-' : ' ', sc->ehlo[i]);
            io_put_line(b);
        }
    } else if (strcmp(v, "HELO") == 0) {
        io_put_line("250 fakeserver");
    } else if (strcmp(v, "MAIL") == 0) {
        io_put_line("250 2.1.0 Ok");
    } else if (strcmp(v, "RCPT") == 0) {
        io_put_line(txn ? "250 2.1.5 Ok" : "503 5.5.1 need MAIL");
    } else if (strcmp(v, "DATA") == 0) {
        io_put_line(txn && accepted ? "354 go ahead" : "503 5.5.1 no valid recipients");
    } else if (strcmp(v, "RSET") == 0 || strcmp(v, "NOOP") == 0) {
        io_put_line("250 2.0.0 Ok");
    } else if (strcmp(v, "QUIT") == 0) {
        io_put_line("221 2.0.0 Bye");
        io_close();
    } else if (strcmp(v, "BDAT") == 0) {
        /* The chunk is read before the rule runs (see command()). */
        char *end;
        unsigned long long n = strtoull(line + 4, &end, 10);
        while (*end == ' ')
            end++;
        if (strcasecmp(end, "LAST") == 0) {
            end_of_data(0);
        } else {
            snprintf(b, sizeof(b), "250 2.0.0 %llu octets received", n);
            io_put_line(b);
        }
    } else {
        io_put_line("502 5.5.2 what?");
    }
}

static void run(const struct rule *r, const struct ctx *c)
{
    static const struct action dflt = { ACT_DEFAULT, NULL, 0, 0, 0 };
    const struct action *acts = r ? r->acts : &dflt;
    int n = r ? r->nacts : 1;
    io_set_first(0);
    for (int i = 0; i < n; i++) {
        const struct action *a = &acts[i];
        switch (a->kind) {
        case ACT_REPLY:
            io_put(a->text, a->len);
            io_put_eol();
            break;
        case ACT_RAW:
            io_put(a->text, a->len);
            break;
        case ACT_REPEAT:
            io_put_repeat(a->text, a->len, a->n);
            break;
        case ACT_DEFAULT: {
            char saved = io_first();
            default_reply(c);
            /* The nested events of a default (LMTP's rcpt-dot) reset the
             * first byte; ours is the one sent before. */
            if (saved)
                io_set_first(saved);
            break;
        }
        case ACT_CLOSE:
            io_close();
        case ACT_RESET:
            io_reset();
        case ACT_SHUTDOWN_READ:
            io_shutdown_read();
            break;
        case ACT_SHUTDOWN_WRITE:
            io_shutdown_write();
            break;
        case ACT_STALL:
            io_stall();
        case ACT_SLEEP: {
            struct timespec t = { (time_t)(a->n / 1000), (long)(a->n % 1000) * 1000000 };
            while (nanosleep(&t, &t) < 0 && errno == EINTR)
                ;
            break;
        }
        case ACT_STOP_READING:
            io_stop_reading();
            break;
        case ACT_EXPECT_LINES:
            expect += a->n;
            break;
        case ACT_WAIT: {
            /* Until the event's server-wide count reaches n (other
             * connections make it); the server's lifetime bounds it. */
            struct timespec t = { 0, 2000000 };
            while (atomic_load(&srv->gcount[a->counter]) < a->n)
                nanosleep(&t, 0);
            break;
        }
        case ACT_NOREPLY: case ACT_DATA_SKIP: case ACT_SWALLOW_DATA:
            break;
        }
    }
}

static void command(void)
{
    char verb[EV_NAME_MAX];
    size_t k = 0;
    while (k < line_len && line[k] != ' ' && line[k] != '\t' && k + 1 < sizeof(verb)) {
        unsigned char ch = (unsigned char)line[k];
        verb[k++] = isprint(ch) ? (char)toupper(ch) : '?';
    }
    verb[k] = 0;
    if (k == 0)
        strcpy(verb, "(empty)");
    int is_mail = strcmp(verb, "MAIL") == 0;
    if (is_mail || strcmp(verb, "RSET") == 0 || strcmp(verb, "EHLO") == 0
        || strcmp(verb, "HELO") == 0 || strcmp(verb, "LHLO") == 0)
        end_transaction();
    if (strcmp(verb, "LHLO") == 0)
        lmtp = 1;
    else if (strcmp(verb, "EHLO") == 0 || strcmp(verb, "HELO") == 0)
        lmtp = sc->lmtp;
    struct ev e = count(verb, 0), any = count("any", 0);
    log_ev(&e);
    const struct rule *r = find_rule(&e, &any, line, line_len);
    struct ctx c = { K_CMD, verb, 0 };
    int data_skip = r && r->data_skip, swallow = r && r->swallow;
    if (strcmp(verb, "BDAT") == 0 && !data_skip)
        io_skip(strtoull(line + 4, NULL, 10));
    run(r, &c);
    char cls = io_first();
    if (is_mail)
        txn = cls == '2';
    else if (strcmp(verb, "RCPT") == 0 && cls == '2')
        accepted++;
    else if (strcmp(verb, "AUTH") == 0)
        in_auth = cls == '3';
    else if (strcmp(verb, "DATA") == 0 && (swallow || (cls == '3' && !data_skip))) {
        io_read_content();
        end_of_data(swallow);
    }
}

void conn_hangup(void)
{
    struct ev e = count("hangup", 0);
    log_ev(&e);
}

void serve_conn(const struct server *s, int fd, unsigned long conn_id)
{
    srv = s;
    sc = s->sc;
    id = conn_id;
    lmtp = sc->lmtp;
    io_init(s, fd, conn_id);

    struct ev e = count("banner", 0);
    struct ctx c = { K_BANNER, "", 0 };
    line = "";
    line_len = 0;
    log_ev(&e);
    run(find_rule(&e, NULL, line, line_len), &c);
    for (;;) {
        if (!io_get_line(&line, &line_len))
            io_end_of_input();
        if (expect > 0 || in_auth) {
            int auth = expect == 0;
            if (expect > 0)
                expect--;
            struct ev le = count("line", 0);
            struct ctx lc = { K_LINE, "", 0 };
            log_ev(&le);
            run(find_rule(&le, NULL, line, line_len), &lc);
            if (auth)
                in_auth = io_first() == '3';
            continue;
        }
        command();
    }
}
