/* --metrics, its pure parts: the exposition's text in both formats, built
 * from planted stats (counts, labels, cumulative buckets that agree with
 * the histogram and with the report's quantiles), and the request parser
 * (what it takes, what it refuses, how it reads Accept). */
#include "check.h"
#include "core/config.h"
#include "metrics/exposition.h"
#include "metrics/http.h"
#include "report/hist.h"
#include "report/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct stats st;

static void message(int flags, int reason, uint64_t message_us)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    r.type = REC_MESSAGE;
    r.flags = (uint16_t)flags;
    r.fail_reason = (uint8_t)reason;
    /* A slot given up never ran a phase. */
    r.phase_mask = flags & RF_NOT_DONE ? 0 : 1u << PH_MESSAGE | 1u << PH_CONNECT;
    r.phase_us[PH_MESSAGE] = message_us;
    r.phase_us[PH_CONNECT] = 40;
    r.rcpt_sent = r.rcpt_ok = 1;
    r.replies[2] = 5;
    r.replies[3] = 1;
    r.bytes_sent = 1000;
    stats_add(&st, &r);
}

static char *scrape(const struct metrics_view *v, int om)
{
    struct expo_buf b;
    expo_buf_init(&b, 4u << 20);
    expo_write(&b, v, om);
    CHECK(!b.over);
    return b.p;
}

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != 0; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return 1;
    return 0;
}

/* The value of the sample line that starts with prefix (name{labels}). */
static double value_of(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; (p = strstr(p, prefix)) != 0; p++)
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            return strtod(p + n + 1, 0);
    return -1;
}

static void test_counts(void)
{
    stats_init(&st, 10);
    message(RF_SENT | RF_NEW_CONN, 0, 300);
    message(RF_SENT, 0, 500);
    message(RF_SENT, 0, 700);
    message(0, FAIL_TIMEOUT, 900);
    message(RF_NOT_DONE, 0, 0);
    struct metrics_view v = { .st = &st, .run_id = "00112233aabbccdd", .running = 1,
                              .in_flight = 2, .elapsed_us = 1500000 };
    char *t = scrape(&v, 0);
    CHECK(has_line(t, "# TYPE smtp_source_messages_total counter"));
    CHECK(has_line(t, "smtp_source_messages_total{run=\"00112233aabbccdd\",outcome=\"sent\"} 3"));
    CHECK(has_line(t, "smtp_source_messages_total{run=\"00112233aabbccdd\",outcome=\"failed\"} 1"));
    CHECK(has_line(t, "smtp_source_messages_total{run=\"00112233aabbccdd\",outcome=\"not_done\"} 1"));
    CHECK(has_line(t, "smtp_source_message_failures_total{run=\"00112233aabbccdd\",reason=\"timeout\"} 1"));
    CHECK(has_line(t, "smtp_source_connections_total{run=\"00112233aabbccdd\"} 1"));
    CHECK(has_line(t, "smtp_source_sent_bytes_total{run=\"00112233aabbccdd\"} 5000"));
    CHECK(has_line(t, "smtp_source_replies_total{run=\"00112233aabbccdd\",class=\"2xx\"} 25"));
    CHECK(has_line(t, "smtp_source_replies_total{run=\"00112233aabbccdd\",class=\"3xx\"} 5"));
    CHECK(has_line(t, "smtp_source_messages_in_flight{run=\"00112233aabbccdd\"} 2"));
    CHECK(has_line(t, "smtp_source_elapsed_seconds{run=\"00112233aabbccdd\"} 1.5"));
    CHECK(has_line(t, "smtp_source_running{run=\"00112233aabbccdd\"} 1"));
    CHECK(has_line(t, "smtp_source_requested_messages{run=\"00112233aabbccdd\"} 10"));
    /* The message phase: 300+500+700+900 us; not_done has no latency. */
    CHECK(has_line(t, "smtp_source_phase_duration_seconds_sum{run=\"00112233aabbccdd\",phase=\"message\"} 0.0024"));
    CHECK(has_line(t, "smtp_source_phase_duration_seconds_count{run=\"00112233aabbccdd\",phase=\"message\"} 4"));
    /* A phase no run of this kind had is left out; those every run has are
     * there from the start, empty. */
    CHECK(strstr(t, "phase=\"auth\"") == 0);
    CHECK(strstr(t, "phase=\"mail\",le=\"+Inf\"} 0\n") != 0);
    /* No --rate, no schedule. */
    CHECK(strstr(t, "smtp_source_message_duration_seconds") == 0);
    CHECK(strstr(t, "smtp_source_due_messages") == 0);
    CHECK(strstr(t, "# EOF") == 0);
    CHECK(strstr(t, "shard=") == 0);
    free(t);

    /* OpenMetrics: counter families without _total, and the end marker. */
    v.sharded = 1;
    v.shard_index = 3;
    t = scrape(&v, 1);
    CHECK(has_line(t, "# TYPE smtp_source_messages counter"));
    CHECK(has_line(t, "smtp_source_messages_total{run=\"00112233aabbccdd\",shard=\"3\",outcome=\"sent\"} 3"));
    CHECK(has_line(t, "# TYPE smtp_source_phase_duration_seconds histogram"));
    size_t n = strlen(t);
    CHECK(n > 6 && strcmp(t + n - 6, "# EOF\n") == 0);
    free(t);

    /* --duration alone: no count was asked for. */
    st.requested = MESSAGES_UNBOUNDED;
    t = scrape(&v, 0);
    CHECK(strstr(t, "smtp_source_requested_messages") == 0);
    free(t);
}

static void test_bounds(void)
{
    /* Each bound is the top of one of the histogram's buckets, so the
     * cumulative counts are exact; they rise, eight to an octave. */
    for (size_t i = 0; i < EXPO_BOUNDS; i++) {
        uint64_t b = expo_bound_us(i);
        CHECK(hist_bucket_high(hist_index(b)) == b);
        if (i > 0)
            CHECK(b > expo_bound_us(i - 1));
    }
    CHECK(expo_bound_us(0) == 15);
    CHECK(expo_bound_us(EXPO_PER_OCTAVE) == 31);
    CHECK(expo_bound_us(EXPO_BOUNDS - 1) == (1ull << 31) - 1);
}

/* Prometheus's histogram_quantile over the exposition's buckets. */
static double prom_quantile(const double *le, const double *cum, size_t n, double q)
{
    double total = cum[n - 1], rank = q * total;
    size_t b = 0;
    while (b < n - 1 && cum[b] < rank)
        b++;
    if (b == n - 1)
        return le[n - 2];
    double lo = b ? le[b - 1] : 0, below = b ? cum[b - 1] : 0;
    return lo + (le[b] - lo) * (rank - below) / (cum[b] - below);
}

static void test_buckets(void)
{
    enum { N = 1000 };
    static uint64_t vals[N];
    stats_init(&st, N);
    srand(7);
    for (size_t i = 0; i < N; i++) {
        /* 100 us to about 2 s, spread over many octaves. */
        vals[i] = 100 + (uint64_t)rand() % ((i % 3 == 0) ? 2000000 : 20000);
        message(RF_SENT, 0, vals[i]);
    }
    struct metrics_view v = { .st = &st, .run_id = "r" };
    char *t = scrape(&v, 0);
    static double le[EXPO_BOUNDS + 1], cum[EXPO_BOUNDS + 1];
    size_t n = 0;
    const char *prefix = "smtp_source_phase_duration_seconds_bucket{run=\"r\",phase=\"message\",le=\"";
    for (const char *p = t; (p = strstr(p, prefix)) != 0 && n <= EXPO_BOUNDS; p++) {
        const char *q = p + strlen(prefix);
        le[n] = strncmp(q, "+Inf", 4) == 0 ? 1e300 : strtod(q, 0);
        cum[n] = strtod(strstr(q, "} ") + 2, 0);
        n++;
    }
    CHECK(n == EXPO_BOUNDS + 1);
    /* Each cumulative count is the number of samples at or below its le. */
    int exact = 1;
    for (size_t b = 0; b < n; b++) {
        size_t below = 0;
        for (size_t i = 0; i < N; i++)
            below += (double)vals[i] / 1e6 <= le[b] + 1e-12;
        exact &= (double)below == cum[b];
    }
    CHECK(exact);
    CHECK(cum[n - 1] == N);
    /* Prometheus's quantile and the report's fall in one bucket. */
    static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
    for (size_t k = 0; k < 4; k++) {
        double report = (double)hist_quantile(&st.phase[PH_MESSAGE], qs[k]) / 1e6;
        double prom = prom_quantile(le, cum, n, qs[k]);
        size_t b = 0;
        while (le[b] < report)
            b++;
        double lo = b ? le[b - 1] : 0;
        CHECK(prom >= lo - 1e-9 && prom <= le[b] + 1e-9);
    }
    free(t);
}

static void test_schedule(void)
{
    struct rate r = { 100, 1 };
    stats_init(&st, 100);
    stats_schedule(&st, &r, 100, 2, 0);
    struct record rec;
    memset(&rec, 0, sizeof(rec));
    rec.type = REC_MESSAGE;
    rec.flags = RF_SENT | RF_SCHEDULED;
    rec.intended_us = 10000;
    rec.start_us = 12000;
    rec.end_us = 15000;
    stats_add(&st, &rec);
    struct metrics_view v = { .st = &st, .run_id = "r", .due = 7 };
    char *t = scrape(&v, 0);
    CHECK(has_line(t, "smtp_source_offered_messages_per_second{run=\"r\"} 100"));
    CHECK(has_line(t, "smtp_source_due_messages_total{run=\"r\"} 7"));
    CHECK(has_line(t, "smtp_source_started_messages_total{run=\"r\"} 1"));
    CHECK(has_line(t, "smtp_source_late_messages_total{run=\"r\"} 1"));
    CHECK(value_of(t, "smtp_source_message_duration_seconds_sum{run=\"r\",view=\"service\"}") == 0.003);
    CHECK(value_of(t, "smtp_source_message_duration_seconds_sum{run=\"r\",view=\"corrected\"}") == 0.005);
    CHECK(value_of(t, "smtp_source_start_lag_seconds_sum{run=\"r\"}") == 0.002);
    CHECK(value_of(t, "smtp_source_start_lag_seconds_count{run=\"r\"}") == 1);
    free(t);
}

static void test_bound(void)
{
    /* Past its size the buffer says so and holds no more. */
    struct expo_buf b;
    stats_init(&st, 1);
    struct metrics_view v = { .st = &st, .run_id = "r" };
    expo_buf_init(&b, 1000);
    expo_write(&b, &v, 0);
    CHECK(b.over);
    CHECK(b.len <= 1000);
    expo_buf_free(&b);
}

static enum http_parse parse(const char *s, struct http_request *req)
{
    return http_parse(s, strlen(s), req);
}

static void test_http(void)
{
    struct http_request req;
    CHECK(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &req) == HTTP_OK);
    CHECK(req.method == HTTP_GET);
    CHECK_STR(req.path, "/metrics");
    CHECK(!req.openmetrics);
    CHECK(req.head_len == 34);
    CHECK(parse("HEAD /metrics?x=1 HTTP/1.0\n\n", &req) == HTTP_OK);
    CHECK(req.method == HTTP_HEAD);
    CHECK_STR(req.path, "/metrics");
    CHECK(parse("POST /metrics HTTP/1.1\r\n\r\n", &req) == HTTP_OK);
    CHECK(req.method == HTTP_OTHER);
    /* Not whole yet. */
    CHECK(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", &req) == HTTP_MORE);
    CHECK(parse("", &req) == HTTP_MORE);
    /* Refused. */
    static const char *const bad[] = {
        "\r\n\r\n", "GET\r\n\r\n", "GET /metrics\r\n\r\n", "GET metrics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/2.0\r\n\r\n", "GET /metrics HTTP/1.1 x\r\n\r\n",
        "GET  /metrics HTTP/1.1\r\n\r\n", "G(T /metrics HTTP/1.1\r\n\r\n",
        "GET /met\x01rics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1\r\nHost x\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHo st: x\r\n\r\n", "GET /metrics HTTP/1.1\r\nA: b\rc\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int refused = parse(bad[i], &req) == HTTP_BAD;
        CHECK(refused);
        if (!refused)
            fprintf(stderr, "  taken: %s\n", bad[i]);
    }
    /* A path beyond its bound, and a head that never ends. */
    static char big[HTTP_HEAD_MAX + 10];
    snprintf(big, sizeof(big), "GET /%0300d HTTP/1.1\r\n\r\n", 0);
    CHECK(parse(big, &req) == HTTP_BAD);
    memset(big, 'a', HTTP_HEAD_MAX);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    CHECK(http_parse(big, HTTP_HEAD_MAX - 1, &req) == HTTP_MORE);
    CHECK(http_parse(big, HTTP_HEAD_MAX, &req) == HTTP_BAD);
    /* A NUL in the head. */
    CHECK(http_parse("GET / HTTP/1.1\r\nA: \0\r\n\r\n", 24, &req) == HTTP_BAD);

    /* Accept, as Prometheus sends it, and the ranges that do not count. */
    CHECK(parse("GET /metrics HTTP/1.1\r\naccept: application/openmetrics-text;version=1.0.0,"
                "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,"
                "*/*;q=0.1\r\n\r\n", &req) == HTTP_OK);
    CHECK(req.openmetrics);
    static const struct { const char *v; int om; } acc[] = {
        { "application/openmetrics-text", 1 },
        { "text/plain, Application/OpenMetrics-Text ; q=0.3", 1 },
        { "application/openmetrics-text; q=0", 0 },
        { "application/openmetrics-text;q=0.000", 0 },
        { "application/openmetrics-text;version=0.0.1", 0 },
        { "application/openmetrics-textual", 0 },
        { "text/plain;version=0.0.4", 0 },
        { "*/*", 0 },
        { "", 0 },
        { ";,;", 0 },
    };
    for (size_t i = 0; i < sizeof(acc) / sizeof(acc[0]); i++)
        CHECK(http_accepts_openmetrics(acc[i].v, strlen(acc[i].v)) == acc[i].om);
}

int main(void)
{
    test_counts();
    test_bounds();
    test_buckets();
    test_schedule();
    test_bound();
    test_http();
    return check_done("metrics");
}
