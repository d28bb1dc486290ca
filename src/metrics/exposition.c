/* exposition: the run's numbers as Prometheus scrapes them (text 0.0.4 or
 * OpenMetrics 1.0), built from the parent's stats. */
#include "metrics/exposition.h"

#include "core/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void expo_buf_init(struct expo_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void expo_buf_free(struct expo_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static int reserve(struct expo_buf *b, size_t more)
{
    if (b->over || more > b->max - b->len) {
        b->over = 1;
        return -1;
    }
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->p, cap);
    if (p == 0) {
        b->over = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void expo_buf_put(struct expo_buf *b, const char *s, size_t len)
{
    if (reserve(b, len) < 0)
        return;
    memcpy(b->p + b->len, s, len);
    b->len += len;
    b->p[b->len] = 0;
}

static void put(struct expo_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct expo_buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        b->over = 1;
        return;
    }
    expo_buf_put(b, line, (size_t)n);
}

uint64_t expo_bound_us(size_t i)
{
    unsigned e = EXPO_OCTAVE_FIRST + (unsigned)(i / EXPO_PER_OCTAVE);
    uint64_t step = (uint64_t)1 << (e - 3);
    return ((uint64_t)1 << e) + (i % EXPO_PER_OCTAVE) * step - 1;
}

const char *expo_content_type(int openmetrics)
{
    return openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                       : "text/plain; version=0.0.4; charset=utf-8";
}

/* Microseconds as exact decimal seconds, at least one decimal: "0.000015",
 * "2.0" (a float in both formats, canonical for OpenMetrics' le). */
static void seconds(char *out, size_t len, uint64_t us)
{
    char frac[8];
    snprintf(frac, sizeof(frac), "%06llu", (unsigned long long)(us % 1000000));
    size_t n = 6;
    while (n > 1 && frac[n - 1] == '0')
        n--;
    frac[n] = 0;
    snprintf(out, len, "%llu.%s", (unsigned long long)(us / 1000000), frac);
}

/* One scrape's writing state: the format and the labels every series has. */
struct expo {
    struct expo_buf *b;
    int om;
    char labels[96];
};

/* "# HELP" and "# TYPE" of a family. A counter's family is named without
 * _total in OpenMetrics, with it in the text format. */
static void family(struct expo *x, const char *name, const char *type, const char *help)
{
    const char *suffix = !x->om && strcmp(type, "counter") == 0 ? "_total" : "";
    put(x->b, "# HELP smtp_source_%s%s %s\n", name, suffix, help);
    put(x->b, "# TYPE smtp_source_%s%s %s\n", name, suffix, type);
}

/* A sample: name, suffix ("_total", "_bucket", ...), extra labels. */
static void sample(struct expo *x, const char *name, const char *suffix, const char *extra,
                   const char *value)
{
    put(x->b, "smtp_source_%s%s{%s%s%s} %s\n", name, suffix, x->labels,
        extra && *extra ? "," : "", extra ? extra : "", value);
}

static void sample_u(struct expo *x, const char *name, const char *suffix, const char *extra,
                     uint64_t v)
{
    char s[32];
    snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
    sample(x, name, suffix, extra, s);
}

static void sample_d(struct expo *x, const char *name, const char *extra, double v)
{
    char s[40];
    snprintf(s, sizeof(s), "%.9g", v);
    sample(x, name, "", extra, s);
}

static void gauge_us(struct expo *x, const char *name, const char *help, uint64_t us)
{
    char s[40];
    family(x, name, "gauge", help);
    seconds(s, sizeof(s), us);
    sample(x, name, "", 0, s);
}

static void counter(struct expo *x, const char *name, const char *help, uint64_t v)
{
    family(x, name, "counter", help);
    sample_u(x, name, "_total", 0, v);
}

static void gauge(struct expo *x, const char *name, const char *help, double v)
{
    family(x, name, "gauge", help);
    sample_d(x, name, 0, v);
}

/* The cumulative buckets at each bound, the sum and the count. */
static void histogram(struct expo *x, const char *name, const char *label, const struct hist *h)
{
    char extra[160], le[32];
    uint64_t cum = 0;
    size_t i = 0;
    for (size_t k = 0; k < EXPO_BOUNDS; k++) {
        uint64_t top = expo_bound_us(k);
        for (; i < HIST_BUCKETS && hist_bucket_high(i) <= top; i++)
            cum += h->bucket[i];
        seconds(le, sizeof(le), top);
        snprintf(extra, sizeof(extra), "%s%sle=\"%s\"", label, *label ? "," : "", le);
        sample_u(x, name, "_bucket", extra, cum);
    }
    snprintf(extra, sizeof(extra), "%s%sle=\"+Inf\"", label, *label ? "," : "");
    sample_u(x, name, "_bucket", extra, h->count);
    char sum[32];
    seconds(sum, sizeof(sum), h->sum);
    sample(x, name, "_sum", label, sum);
    sample_u(x, name, "_count", label, h->count);
}

static const char *const reasons[FAIL_COUNT] = {
    "other", "rejected", "lost_connection", "timeout", "connect", "bad_reply", "worker_died",
    "tls", "auth", "extension", "too_large",
};

static void messages(struct expo *x, const struct stats *st)
{
    family(x, "messages", "counter", "Message slots ended, by outcome.");
    sample_u(x, "messages", "_total", "outcome=\"sent\"", (uint64_t)st->sent);
    sample_u(x, "messages", "_total", "outcome=\"failed\"", (uint64_t)st->failed);
    sample_u(x, "messages", "_total", "outcome=\"not_done\"", (uint64_t)st->given_up);
    family(x, "message_failures", "counter", "Failed messages, by first reason.");
    char extra[64];
    for (int i = 0; i < FAIL_COUNT; i++) {
        snprintf(extra, sizeof(extra), "reason=\"%s\"", reasons[i]);
        sample_u(x, "message_failures", "_total", extra, st->fails[i]);
    }
    family(x, "recipients", "counter", "RCPT commands answered, by outcome.");
    sample_u(x, "recipients", "_total", "outcome=\"accepted\"", st->rcpt_ok);
    sample_u(x, "recipients", "_total", "outcome=\"rejected\"", st->rcpt_bad);
    counter(x, "delivered_recipients", "Recipients the end-of-data reply accepted.",
            st->rcpt_delivered);
    counter(x, "lost_recipients", "LMTP: recipients whose reply the connection lost.",
            st->rcpt_lost);
    counter(x, "sent_bytes", "Bytes of message content sent.", st->bytes);
    counter(x, "connections", "Connections opened.", st->connections);
    family(x, "tls_handshakes", "counter", "TLS handshakes, full or resumed.");
    sample_u(x, "tls_handshakes", "_total", "kind=\"full\"", st->tls_full);
    sample_u(x, "tls_handshakes", "_total", "kind=\"resumed\"", st->tls_resumed);
    family(x, "replies", "counter", "Server replies, by class.");
    static const char *const cls[6] = { "other", 0, "2xx", "3xx", "4xx", "5xx" };
    for (int c = 0; c < 6; c++) {
        if (!cls[c])
            continue;
        snprintf(extra, sizeof(extra), "class=\"%s\"", cls[c]);
        sample_u(x, "replies", "_total", extra, st->replies[c]);
    }
}

/* --rate: offered against achieved, as a rate and as counters whose
 * rate() a dashboard draws side by side. */
static void schedule(struct expo *x, const struct metrics_view *v)
{
    const struct openloop *ol = &v->st->ol;
    gauge(x, "offered_messages_per_second", "The rate --rate offers (a shard's share).",
          openloop_offered(ol));
    counter(x, "due_messages", "Slots whose due time has come.", (uint64_t)v->due);
    counter(x, "started_messages", "Scheduled messages that started.", (uint64_t)ol->started);
    counter(x, "late_messages", "Messages that started late.", ol->late);
}

static int phase_shown(const struct stats *st, int p)
{
    /* As in the report: a phase a run may well not have is shown once it
     * happened; the others always, so their series exist from the start. */
    int optional = p == PH_RSET || p == PH_HELO || p == PH_QUIT || p == PH_TLS
                || p == PH_AUTH || p == PH_BDAT;
    return !optional || st->phase[p].count > 0;
}

static void latencies(struct expo *x, const struct stats *st)
{
    char label[48];
    family(x, "phase_duration_seconds", "histogram",
           "Latency of each protocol phase, and of the whole message.");
    for (int p = 0; p < PH_COUNT; p++) {
        if (!phase_shown(st, p))
            continue;
        snprintf(label, sizeof(label), "phase=\"%s\"", stats_phase_name((enum phase)p));
        histogram(x, "phase_duration_seconds", label, &st->phase[p]);
    }
    if (!st->scheduled)
        return;
    family(x, "message_duration_seconds", "histogram",
           "--rate: a sent message's latency from its actual start (service) "
           "or from its due time (corrected).");
    histogram(x, "message_duration_seconds", "view=\"service\"", &st->ol.service);
    histogram(x, "message_duration_seconds", "view=\"corrected\"", &st->ol.corrected);
    family(x, "start_lag_seconds", "histogram", "--rate: how long after its due time a message started.");
    histogram(x, "start_lag_seconds", "", &st->ol.lag);
}

void expo_write(struct expo_buf *b, const struct metrics_view *v, int openmetrics)
{
    const struct stats *st = v->st;
    struct expo x = { b, openmetrics, "" };
    if (v->sharded)
        snprintf(x.labels, sizeof(x.labels), "run=\"%s\",shard=\"%u\"", v->run_id, v->shard_index);
    else
        snprintf(x.labels, sizeof(x.labels), "run=\"%s\"", v->run_id);

    gauge(&x, "running", "1 while the run goes on, 0 once it ended.", v->running);
    gauge_us(&x, "start_time_seconds", "The run's t0 on the real-time clock (0 before it).",
             st->t0_unix_us > 0 ? (uint64_t)st->t0_unix_us : 0);
    gauge_us(&x, "elapsed_seconds", "Time since t0.", v->elapsed_us);
    if (st->requested != MESSAGES_UNBOUNDED)
        gauge(&x, "requested_messages", "The messages this run (or shard) sends.",
              (double)st->requested);
    gauge(&x, "messages_in_flight", "Messages started and not yet ended.", (double)v->in_flight);
    messages(&x, st);
    if (st->scheduled)
        schedule(&x, v);
    latencies(&x, st);
    if (openmetrics)
        put(b, "# EOF\n");
}
