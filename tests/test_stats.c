/* The report's numbers pinned on planted latencies: the JSON's and the
 * text's percentiles are the histogram's, at the documented quantiles
 * (p50, p90, p99, p99.9), each the middle of the bucket that holds the
 * sample of rank ceil(q * n), clamped to the exact min and max. */
#include "check.h"
#include "hist.h"
#include "stats.h"
#include "statsjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    return check_done("stats");
}
