#include "check.h"
#include "report/hist.h"
#include "report/intervals.h"
#include "report/openloop.h"
#include "report/plot.h"
#include "run/schedule.h"

#include <stdlib.h>

static struct record rec(int64_t slot, int flags, int64_t intended, int64_t start, int64_t end)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    r.type = REC_MESSAGE;
    r.slot = slot;
    r.flags = (uint16_t)flags;
    r.intended_us = intended;
    r.start_us = start;
    r.end_us = end;
    return r;
}

static char *text_of(void (*write)(FILE *, void *), void *arg)
{
    char *buf = 0;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    write(f, arg);
    fclose(f);
    return buf;
}

static void write_json(FILE *f, void *arg)
{
    struct json j;
    json_begin(&j, f);
    json_object(&j, 0);
    intervals_json(arg, &j);
    json_end(&j);
}

static void write_svg(FILE *f, void *arg)
{
    plot_svg(f, arg, 0, "to <a&b>");
}

static struct hist dense;
static struct stats st;

int main(void)
{
    struct intervals iv;
    struct rate three = { 3, 1 };
    const int S = RF_SENT | RF_SCHEDULED;

    /* A message belongs to the interval in which it ended. */
    intervals_init(&iv, 1000000000LL, &three, 10);
    struct record r;
    r = rec(0, S, 0, 10, 500000);           CHECK(intervals_add(&iv, &r) == 0);
    r = rec(1, S, 333333, 333400, 1999999); CHECK(intervals_add(&iv, &r) == 0);
    r = rec(2, S, 666666, 700000, 2000000); CHECK(intervals_add(&iv, &r) == 0);
    r = rec(3, RF_SCHEDULED, 1000000, 1000000, 1200000); intervals_add(&iv, &r);
    /* Under --rate a slot given up counts by its due time, as one nobody
     * claimed: not by its record. */
    r = rec(4, RF_NOT_DONE, 0, 1300000, 1300000);        intervals_add(&iv, &r);
    CHECK(iv.n == 3);
    CHECK(iv.v[0].sent == 1 && iv.v[1].sent == 1 && iv.v[2].sent == 1);
    CHECK(iv.v[1].failed == 1 && iv.v[1].not_done == 0);
    /* Started, by due time: slots 0, 1 and 2 in the first second. */
    CHECK(iv.v[0].started == 3 && iv.v[1].started == 1 && iv.v[2].started == 0);
    CHECK(iv.v[1].service.count == 1 && iv.v[1].service.min == 1999999 - 333400);
    CHECK(iv.v[1].corrected.count == 1 && iv.v[1].corrected.max == 1999999 - 333333);

    /* Closing follows the watermark; the end closes the rest. */
    CHECK(intervals_close(&iv, 999999) == 0);
    CHECK(intervals_close(&iv, 1000000) == 1);
    CHECK(intervals_close(&iv, 500000) == 1);
    CHECK(intervals_finish(&iv, 3500000) == 4);
    struct interval_figures f;
    intervals_figures(&iv, 3, &f);
    CHECK(f.start_s == 3.0 && f.len_s == 0.5 && f.sent == 0);
    /* 10 slots at 3/s: 3, 3, 3 and the last one; those that did not
     * start are not done, in the interval they were due in. */
    struct shard whole = { 0, 1 };
    CHECK(intervals_due(&iv, &whole, 10, 3333334) == 0);
    int64_t due = 0, not_done = 0;
    for (size_t i = 0; i < iv.n; i++) {
        intervals_figures(&iv, i, &f);
        due += f.due;
        not_done += f.not_done;
        CHECK(f.due == f.started + f.not_done);
    }
    CHECK(due == 10 && not_done == 6);
    intervals_figures(&iv, 0, &f);
    CHECK(f.due == 3 && f.offered_per_s == 3.0 && f.achieved_per_s == 1.0);
    /* The worst interval with slots due: the last but one, no message. */
    size_t worst = 99;
    CHECK(intervals_worst(&iv, &worst) == 1 && worst == 3);
    /* An offer stopped at 1.5 s: only the slots due before it are due. */
    struct intervals cut;
    intervals_init(&cut, 1000000000LL, &three, 10);
    intervals_finish(&cut, 3500000);
    CHECK(intervals_due(&cut, &whole, 10, 1500000) == 0);
    CHECK(cut.v[0].due == 3 && cut.v[1].due == 2 && cut.v[2].due == 0 && cut.v[1].not_done == 2);
    intervals_free(&cut);

    char line[256];
    /* Under --rate a line says nothing of the slots not done: they may
     * still start after it is printed. */
    intervals_line(&iv, 1, line, sizeof(line));
    CHECK_STR(line, "interval 1: 1 messages, 1 failed, 1.0/s, "
              "corrected p50 1667 ms p99 1667 ms, service p50 1667 ms p99 1667 ms");
    intervals_line(&iv, 3, line, sizeof(line));
    CHECK_STR(line, "interval 3: 0 messages, 0 failed, 0.0/s");

    char *js = text_of(write_json, &iv);
    CHECK(strstr(js, "\"interval_s\":1.000000,") != 0);
    CHECK(strstr(js, "{\"index\":1,\"start_s\":1.000000,\"length_s\":1.000000,\"due\":3,"
                     "\"started\":1,\"sent\":1,\"failed\":1,\"not_done\":2,") != 0);
    CHECK(strstr(js, "\"buckets\":[[1662976,1671167,1]]") != 0);
    free(js);
    intervals_free(&iv);

    /* Sparse quantiles are the dense histogram's, bucket for bucket. */
    intervals_init(&iv, 1000000000LL, 0, 0);
    hist_init(&dense);
    srand(3);
    for (int i = 0; i < 5000; i++) {
        uint64_t v = (uint64_t)(rand() % 1000) * (uint64_t)(rand() % 1000) + (uint64_t)(rand() % 50);
        r = rec(i, RF_SENT, 0, 0, (int64_t)v);
        intervals_add(&iv, &r);
        if (v < 1000000)
            hist_add(&dense, v);
    }
    const struct shist *sh = &iv.v[0].service;
    int same = sh->count == dense.count && sh->min == dense.min && sh->max == dense.max;
    static const double qs[] = { 0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1 };
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
        same = same && shist_quantile(sh, qs[i]) == hist_quantile(&dense, qs[i]);
    CHECK(same);
    intervals_free(&iv);

    /* The plot: its points carry the intervals' figures. */
    struct rate ten = { 10, 1 };
    memset(&st, 0, sizeof(st));
    st.scheduled = 1;
    openloop_init(&st.ol, &ten, 20, 4, 0);
    st.has_intervals = 1;
    intervals_init(&st.iv, 1000000000LL, &ten, 20);
    for (int k = 0; k < 20; k++) {
        r = rec(k, S, k * 100000, k * 100000 + 20, k * 100000 + 3000 + k * 1000);
        openloop_add(&st.ol, &r);
        intervals_add(&st.iv, &r);
    }
    intervals_finish(&st.iv, 2000000);
    intervals_due(&st.iv, &whole, 20, 2000000);
    char *svg = text_of(write_svg, &st);
    CHECK(strstr(svg, "to &lt;a&amp;b&gt;") != 0);
    CHECK(strstr(svg, "data-series=\"achieved\" data-interval=\"0\" data-value=\"10.000\"") != 0);
    CHECK(strstr(svg, "data-series=\"offered\" data-interval=\"1\" data-value=\"10.000\"") != 0);
    intervals_figures(&st.iv, 1, &f);
    char want[128];
    snprintf(want, sizeof(want), "data-series=\"corrected-p99\" data-interval=\"1\" data-value=\"%.3f\"",
             (double)f.corrected[1] / 1000);
    CHECK(strstr(svg, want) != 0);
    CHECK(strstr(svg, "<script") == 0 && strstr(svg, "href") == 0);
    free(svg);
    intervals_free(&st.iv);
    openloop_free(&st.ol);

    /* A run where nothing was sent still draws, with no NaN anywhere. */
    memset(&st, 0, sizeof(st));
    st.has_intervals = 1;
    intervals_init(&st.iv, 1000000000LL, 0, 5);
    r = rec(0, 0, 0, 0, 300000);
    intervals_add(&st.iv, &r);
    intervals_finish(&st.iv, 400000);
    svg = text_of(write_svg, &st);
    CHECK(strstr(svg, "nan") == 0 && strstr(svg, "inf") == 0 && strstr(svg, "</svg>") != 0);
    free(svg);
    intervals_free(&st.iv);

    /* Merging: a count or histogram sum beyond its type is refused, not
     * wrapped; an interval beyond the last is counted as dropped. */
    intervals_init(&iv, 1000000000LL, 0, 5);
    struct interval big = { .sent = INT64_MAX - 1 }, one = { .sent = 1, .failed = 2 };
    CHECK(intervals_merge(&iv, 0, &big) == 0 && intervals_merge(&iv, 0, &one) == 0);
    CHECK(iv.v[0].sent == INT64_MAX && iv.v[0].failed == 2);
    CHECK(intervals_merge(&iv, 0, &one) == INTERVALS_OVERFLOW);
    struct interval h1 = { 0 }, h2 = { 0 };
    CHECK(shist_put(&h1.service, 3, SHIST_COUNT_MAX) == 0 && shist_put(&h2.service, 3, 1) == 0);
    h1.service.count = SHIST_COUNT_MAX;
    h2.service.count = 1;
    CHECK(intervals_merge(&iv, 1, &h1) == 0 && intervals_merge(&iv, 1, &h2) == INTERVALS_OVERFLOW);
    CHECK(iv.v[1].service.count == SHIST_COUNT_MAX);
    CHECK(intervals_merge(&iv, INTERVALS_MAX, &one) == 0 && iv.dropped == 3 && iv.n == 2);
    shist_free(&h1.service);
    shist_free(&h2.service);
    intervals_free(&iv);
    /* The plot's title: the run's parameters and what came of it. */
    {
        static struct stats t;
        struct run_info ri = { .sessions = 3, .target = "t:25", .status = "completed" };
        char title[256];
        t.start_us = 1000000;
        t.end_us = 3500000;
        t.sent = 4;
        t.bytes = 1000;
        t.t0_unix_us = 1796119200000000LL;
        plot_title(title, sizeof(title), &t, &ri);
        CHECK_STR(title, "smtp-source to t:25: 3 sessions, 2.5 s, 250 bytes sent a message, "
                         "2026-12-01 10:00:00Z: completed");
        t.scheduled = 1;
        t.ol.rate = (struct rate){ 20, 1 };
        t.ol.due = 100;
        t.ol.sent = 50;
        plot_title(title, sizeof(title), &t, &ri);
        CHECK_STR(title, "smtp-source to t:25: 20/s offered, 3 sessions, 2.5 s, 250 bytes sent a "
                         "message, 2026-12-01 10:00:00Z: shortfall: 50 of 100 due sent");
        ri.interrupted = 1;
        ri.status = "interrupted by SIGINT";
        t.t0_unix_us = 0;
        t.sent = 0;
        plot_title(title, sizeof(title), &t, &ri);
        CHECK_STR(title, "smtp-source to t:25: 20/s offered, 3 sessions, 2.5 s: interrupted by SIGINT");
    }
    return check_done("intervals");
}
