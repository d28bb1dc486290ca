/* The report's numbers pinned on planted latencies: the JSON's and the
 * text's percentiles are the histogram's, at the documented quantiles
 * (p50, p90, p99, p99.9), each the middle of the bucket that holds the
 * sample of rank ceil(q * n), clamped to the exact min and max. */
#include "check.h"
#include "report/hist.h"
#include "core/config.h"
#include "report/stats.h"
#include "report/statsjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The value the report must show for the sample of rank `rank` among
 * `vals` (sorted, all in distinct buckets or not). */
static uint64_t expect(const uint64_t *vals, size_t n, size_t rank)
{
    uint64_t v = vals[rank - 1];
    size_t i = hist_index(v);
    uint64_t lo = hist_bucket_low(i), hi = hist_bucket_high(i), mid = lo + (hi - lo) / 2;
    if (mid < vals[0])
        mid = vals[0];
    if (mid > vals[n - 1])
        mid = vals[n - 1];
    return mid;
}

static void plant(struct stats *st, const uint64_t *vals, size_t n)
{
    stats_init(st, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        struct record r;
        memset(&r, 0, sizeof(r));
        r.type = REC_MESSAGE;
        r.flags = RF_SENT;
        r.phase_mask = 1u << PH_MESSAGE;
        r.phase_us[PH_MESSAGE] = vals[i];
        stats_add(st, &r);
    }
    stats_finish(st);
}

static char out[1 << 20];

static void render(const struct stats *st, int json)
{
    struct run_info ri = { .status = "completed", .sessions = 1, .target = "t", .rcpts_per_message = 1 };
    FILE *f = fmemopen(out, sizeof(out), "w");
    if (json)
        stats_json(st, f, &ri);
    else
        stats_print(st, f, &ri);
    fclose(f);
}

/* The JSON value of "key": after "message":{ ... }. */
static double json_ms(const char *key)
{
    const char *m = strstr(out, "\"message\":{");
    char pat[32];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *k = m ? strstr(m, pat) : 0;
    return k ? strtod(k + strlen(pat), 0) : -1;
}

/* The whole report, text and JSON, of a run of planted records (every
 * kind of outcome, reply class, TLS suite, LMTP, AUTH, a schedule and
 * intervals), compared byte for byte with tests/golden/NAME: a report
 * line, key, count or column that changes fails here. UPDATE_GOLDEN=1
 * rewrites the files (read the diff before committing it). */
static void golden(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "tests/golden/%s", name);
    if (getenv("UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        CHECK(f && fputs(out, f) >= 0 && fclose(f) == 0);
        return;
    }
    static char want[1 << 20];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(want, 1, sizeof(want) - 1, f) : 0;
    if (f)
        fclose(f);
    want[n] = 0;
    size_t i = 0, line = 1;
    while (out[i] && out[i] == want[i])
        line += out[i++] == '\n';
    if (out[i] || want[i])
        fprintf(stderr, "%s: line %zu differs:\n  got:  %.80s\n  want: %.80s\n", path, line,
                out + i, want + i);
    CHECK_STR(out, want);
}

/* The JSON's parent_max_rss_kb is the test's own: blanked to 0. */
static void blank_rss(void)
{
    char *k = strstr(out, "\"parent_max_rss_kb\":");
    if (!k)
        return;
    k += strlen("\"parent_max_rss_kb\":");
    char *e = k + strspn(k, "0123456789");
    memmove(k + 1, e, strlen(e) + 1);
    *k = '0';
}

/* How a planted record's connection's AUTH ended. */
struct planted_auth {
    int mech;
    enum auth_end end;
    int code;
};

static void add_auth(struct stats *st, unsigned flags, enum fail_reason why, int phases, uint64_t base,
                     struct planted_auth a)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    r.auth_mech = (uint8_t)a.mech;
    r.auth_end = (uint8_t)a.end;
    r.auth_code = (uint16_t)a.code;
    r.type = REC_MESSAGE;
    r.flags = (uint16_t)flags;
    r.fail_reason = (uint8_t)why;
    r.fail_phase = PH_MAIL;
    r.slot = (int64_t)(base / 100);
    r.intended_us = (int64_t)base * 10;
    r.start_us = r.intended_us + (int64_t)(base % 7) * 500;
    r.end_us = r.start_us + (int64_t)base;
    r.bytes_sent = 300 + base;
    r.rcpt_sent = 2;
    r.rcpt_ok = why == FAIL_REPLY ? 1 : 2;
    r.rcpt_bad = why == FAIL_REPLY ? 1 : 0;
    r.rcpt_delivered = flags & RF_SENT ? 1 : 0;
    r.rcpt_lost = flags & RF_SENT ? 1 : 0;
    for (int c = 0; c < 6; c++)
        r.replies[c] = (uint32_t)(c + (base & 1));
    for (int p = 0; p < PH_COUNT; p++) {
        if (phases & (1 << p)) {
            r.phase_mask |= 1u << p;
            r.phase_us[p] = base * (uint64_t)(p + 1) + (uint64_t)p;
        }
    }
    r.rcpt_n = 2;
    r.rcpt_us[0] = (uint32_t)base;
    r.rcpt_us[1] = (uint32_t)base * 3;
    r.tls_version = (uint16_t)(0x303 + (base & 1));
    r.tls_cipher = (uint16_t)(0x1301 + (base % 3 == 0));
    stats_add(st, &r);
}

static void add(struct stats *st, unsigned flags, enum fail_reason why, int phases, uint64_t base)
{
    add_auth(st, flags, why, phases, base, (struct planted_auth){ 0, AUTH_END_NONE, 0 });
}

static void planted_report(void)
{
    static struct stats st;
    const int smtp = 1 << PH_CONNECT | 1 << PH_BANNER | 1 << PH_HELO | 1 << PH_MAIL | 1 << PH_RCPT
                   | 1 << PH_DATA | 1 << PH_DOT | 1 << PH_QUIT | 1 << PH_MESSAGE;
    struct rate rate = { 20, 1 };
    stats_init(&st, 40);
    stats_schedule(&st, &rate, 25, 3, 0);
    stats_intervals(&st, 1000000000, &rate, 25);
    for (uint64_t i = 0; i < 12; i++) {
        unsigned f = RF_SENT | RF_DOT_SENT | RF_SCHEDULED | (i % 3 == 0 ? RF_NEW_CONN : 0);
        if (i % 3 == 0)
            f |= RF_TLS | (i == 6 ? RF_TLS_RESUMED : 0);
        /* AUTH on each new connection: PLAIN, LOGIN once. */
        struct planted_auth a = { i == 6 ? 2 : 1, i % 3 == 0 ? AUTH_END_OK : AUTH_END_NONE, 235 };
        add_auth(&st, f, FAIL_NONE,
                 smtp | (i % 3 == 0 ? 1 << PH_TLS | 1 << PH_AUTH : 0) | (i == 5 ? 1 << PH_RSET : 0),
                 1000 + i * 12345, a);
    }
    /* Just under a second: still shown to the microsecond. */
    const uint32_t rset_us[] = { 999500 };
    stats_add_samples(&st, PH_RSET, rset_us, 1);
    /* More kinds of handshake than the report keeps apart. */
    for (uint16_t k = 0; k < STATS_SUITES; k++) {
        struct record r;
        memset(&r, 0, sizeof(r));
        r.type = REC_MESSAGE;
        r.flags = RF_TLS | RF_NEW_CONN;
        r.fail_reason = FAIL_TLS;
        r.tls_version = 0x304;
        r.tls_cipher = (uint16_t)(0x2000 + k);
        stats_add(&st, &r);
    }
    /* AUTH's failures on some of the failed messages' connections:
     * refusals with their codes, given up, unanswered, not tried. */
    const struct planted_auth fa[FAIL_COUNT] = {
        [FAIL_NONE] = { 2, AUTH_END_REFUSED, 454 }, [FAIL_REPLY] = { 1, AUTH_END_REFUSED, 535 },
        [FAIL_LOST] = { 2, AUTH_END_REFUSED, 535 }, [FAIL_TIMEOUT] = { 2, AUTH_END_UNANSWERED, 0 },
        [FAIL_PROTOCOL] = { 3, AUTH_END_GAVE_UP, 0 }, [FAIL_AUTH] = { 0, AUTH_END_UNTRIED, 0 },
    };
    for (int why = 0; why < FAIL_COUNT; why++)
        add_auth(&st, RF_SCHEDULED | RF_NEW_CONN, (enum fail_reason)why, 1 << PH_CONNECT | 1 << PH_MAIL,
                 200000 + (uint64_t)why * 777, fa[why]);
    add(&st, RF_NOT_DONE | RF_SCHEDULED, FAIL_NONE, 0, 2400000);
    stats_finish(&st);
    st.start_us = 1000000;
    st.end_us = 3500000;
    openloop_finish(&st.ol, 2500000, -1);
    intervals_finish(&st.iv, 2500000);
    intervals_due(&st.iv, &st.iv.shard, 25, st.ol.offer_end_us);
    st.per_interval = 1;
    struct run_info ri = { .status = "completed", .sessions = 3, .target = "127.0.0.1:25",
                           .rcpts_per_message = 2, .lmtp = 1, .reuse = 1, .tls = 1, .tls_verify = 1,
                           .suite_name = { "TLSv1.2 AES", "TLSv1.3 AES", "TLSv1.2 CHACHA" },
                           .auth_mech = "PLAIN or LOGIN, as offered" };
    FILE *f = fmemopen(out, sizeof(out), "w");
    stats_print(&st, f, &ri);
    fclose(f);
    golden("stats-report.txt");
    ri.tls = 2;
    f = fmemopen(out, sizeof(out), "w");
    stats_json(&st, f, &ri);
    fclose(f);
    blank_rss();
    golden("stats-report.json");
    stats_free(&st);

    /* BDAT carried every message (no data, dot lines), --duration alone
     * (no count requested), stopped with slots given up; SMTP, no TLS. */
    stats_init(&st, MESSAGES_UNBOUNDED);
    for (uint64_t i = 0; i < 3; i++)
        add(&st, RF_SENT, FAIL_NONE, 1 << PH_CONNECT | 1 << PH_MAIL | 1 << PH_BDAT | 1 << PH_MESSAGE,
            5000000 + i * 40000000);
    add(&st, RF_NOT_DONE, FAIL_NONE, 0, 1);
    add(&st, RF_NOT_DONE, FAIL_NONE, 0, 2);
    stats_finish(&st);
    st.start_us = 500000;
    st.end_us = 4500000;
    struct run_info r2 = { .status = "interrupted by SIGINT", .interrupted = 1, .error = "stopped",
                           .sessions = 1, .target = "unix:/s", .rcpts_per_message = 1 };
    f = fmemopen(out, sizeof(out), "w");
    stats_print(&st, f, &r2);
    fclose(f);
    golden("stats-bdat.txt");
    f = fmemopen(out, sizeof(out), "w");
    stats_json(&st, f, &r2);
    fclose(f);
    blank_rss();
    golden("stats-bdat.json");

    /* The start time is the monotonic clock in microseconds. */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    stats_init(&st, 1);
    clock_gettime(CLOCK_MONOTONIC, &b);
    uint64_t lo = (uint64_t)a.tv_sec * 1000000 + (uint64_t)a.tv_nsec / 1000;
    uint64_t hi = (uint64_t)b.tv_sec * 1000000 + (uint64_t)b.tv_nsec / 1000;
    CHECK(st.start_us >= lo && st.start_us <= hi);
}

/* The auth line: codes beyond those kept apart are "other"; a run that
 * asked for AUTH but never got to it says 0 attempts; sums that would
 * overflow are refused. */
static void auth_lines(void)
{
    static struct authstats a, b;
    memset(&a, 0, sizeof(a));
    struct record r;
    memset(&r, 0, sizeof(r));
    r.auth_mech = 2;
    r.auth_end = AUTH_END_REFUSED;
    for (int c = 0; c < 10; c++) {
        r.auth_code = (uint16_t)(530 + c);
        authstats_add(&a, &r);
    }
    authstats_add(&a, &r);
    char buf[1024];
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    authstats_print(&a, f);
    fclose(f);
    CHECK_STR(buf, "  auth        LOGIN: 11 attempts, 0 authenticated, 11 refused (530: 1, 531: 1, 532: 1, "
                   "533: 1, 534: 1, 535: 1, 536: 1, 537: 1, other: 3)\n");
    memset(&b, 0, sizeof(b));
    f = fmemopen(buf, sizeof(buf), "w");
    authstats_print(&b, f);
    fclose(f);
    CHECK_STR(buf, "  auth        0 attempts\n");
    /* A merge adds exactly, code by code, and refuses an overflow. */
    CHECK(authstats_merge(&b, &a) == 0 && authstats_merge(&b, &a) == 0);
    CHECK(b.mech[1].attempts == 22 && b.mech[1].code[0].count == 2 && b.mech[1].code_other == 6);
    b.mech[1].refused = UINT64_MAX;
    CHECK(authstats_merge(&b, &a) < 0);
    CHECK(authstats_mech("LOGIN") == 2 && authstats_mech("CRAM-MD5") == 0);
}

int main(void)
{
    /* 1..1000 ms: rank ceil(q * 1000) is an exact integer. */
    static uint64_t vals[1000];
    for (size_t i = 0; i < 1000; i++)
        vals[i] = (i + 1) * 1000;
    static struct stats st;
    plant(&st, vals, 1000);

    render(&st, 1);
    CHECK(json_ms("p50") == (double)expect(vals, 1000, 500) / 1000.0);
    CHECK(json_ms("p90") == (double)expect(vals, 1000, 900) / 1000.0);
    CHECK(json_ms("p99") == (double)expect(vals, 1000, 990) / 1000.0);
    CHECK(json_ms("p999") == (double)expect(vals, 1000, 999) / 1000.0);
    CHECK(json_ms("min") == 1.0 && json_ms("max") == 1000.0);
    CHECK(json_ms("mean") == 500.5);

    /* The text's columns: count min p50 p90 p99 p99.9 max. */
    render(&st, 0);
    const char *line = strstr(out, "\n  message ");
    CHECK(line != 0);
    if (line) {
        double c[7];
        int got = sscanf(line, " message %lf %lf %lf %lf %lf %lf %lf",
                         &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6]);
        CHECK(got == 7);
        CHECK(c[0] == 1000 && c[1] == 1.0 && c[6] == 1000.0);
        /* Shown with 3 decimals below 1000 ms. */
        CHECK((uint64_t)(c[2] * 1000 + 0.5) == expect(vals, 1000, 500));
        CHECK((uint64_t)(c[3] * 1000 + 0.5) == expect(vals, 1000, 900));
        CHECK((uint64_t)(c[4] * 1000 + 0.5) == expect(vals, 1000, 990));
        CHECK((uint64_t)(c[5] * 1000 + 0.5) == expect(vals, 1000, 999));
    }

    /* A rank that is not a whole number is rounded up: 7 samples, p50 is
     * the 4th (ceil 3.5), p90 the 7th (ceil 6.3). Exact small values. */
    uint64_t few[7] = { 10, 20, 30, 40, 50, 60, 70 };
    plant(&st, few, 7);
    render(&st, 1);
    CHECK(json_ms("p50") == 0.040);
    CHECK(json_ms("p90") == 0.070);
    planted_report();
    auth_lines();
    /* Phase names, and a number that is no phase. */
    CHECK_STR(stats_phase_name(PH_CONNECT), "connect");
    CHECK_STR(stats_phase_name(PH_MESSAGE), "message");
    CHECK_STR(stats_phase_name(PH_COUNT), "?");
    CHECK_STR(stats_phase_name((enum phase)200), "?");
    return check_done("stats");
}
