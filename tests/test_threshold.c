/* Unit tests for threshold.c and verdict.c: every form of --fail-if parsed
 * or refused, and judged on planted numbers, at, under and over its limit. */
#include "check.h"

#include "report/results.h"
#include "report/openloop.h"
#include "verdict/search.h"
#include "verdict/stages.h"
#include "verdict/verdict.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct threshold th;
static char why[256];

static int parse(const char *text)
{
    return threshold_parse(text, &th, why, sizeof(why));
}

static void parsing(void)
{
    CHECK(parse("p99(message)>250ms") == 0 && th.metric == TH_LATENCY && th.view == PH_MESSAGE
          && th.stat == TH_QUANTILE && th.q == 0.99 && th.op == TH_GT && th.unit == TH_NS
          && th.mant == 250000000);
    CHECK(parse("p99.9(corrected)>2s") == 0 && th.view == TH_VIEW_CORRECTED && th.mant == 2000000000
          && th.q > 0.998999 && th.q < 0.999001 && threshold_needs_schedule(&th));
    CHECK_STR(th.stat_name, "p99.9");
    CHECK(parse("max(connect)>1s") == 0 && th.view == PH_CONNECT && th.stat == TH_MAX
          && !threshold_needs_schedule(&th));
    CHECK(parse("message.p50 >= 1.5ms") == 0 && th.view == PH_MESSAGE && th.q == 0.5
          && th.op == TH_GE && th.mant == 1500000);
    CHECK(parse("lag.max>50ms") == 0 && th.view == TH_VIEW_LAG && th.stat == TH_MAX);
    CHECK(parse("start_lag.p99>50ms") == 0 && th.view == TH_VIEW_LAG);
    CHECK(parse("mean(dot)<=250us") == 0 && th.stat == TH_MEAN && th.op == TH_LE && th.mant == 250000);
    CHECK(parse("min(service)<1us") == 0 && th.stat == TH_MIN && th.op == TH_LT && th.mant == 1000);
    CHECK(parse("p100(helo)>0.000001ms") == 0 && th.q == 1 && th.mant == 1);
    CHECK(parse("failed>0.1%") == 0 && th.metric == TH_COUNT && th.count == TH_FAILED
          && th.unit == TH_PERCENT && th.mant == 1 && th.dec == 1);
    CHECK(parse("failed>0") == 0 && th.unit == TH_NUMBER && th.mant == 0);
    CHECK(parse("rejected>5") == 0 && th.count == TH_REJECTED && th.mant == 5);
    CHECK(parse("not_done>0") == 0 && th.count == TH_NOT_DONE);
    CHECK(parse("sent<100") == 0 && th.count == TH_SENT && th.op == TH_LT);
    CHECK(parse("late>1%") == 0 && th.count == TH_LATE && threshold_needs_schedule(&th));
    CHECK(parse("achieved<95%") == 0 && th.metric == TH_ACHIEVED && th.unit == TH_PERCENT
          && threshold_needs_schedule(&th));
    CHECK(parse("achieved<190/s") == 0 && th.unit == TH_PER_S && th.per == 1);
    CHECK(parse("rate<600/m") == 0 && th.metric == TH_RATE && th.per == 60
          && !threshold_needs_schedule(&th));
    CHECK(parse("rate<10") == 0 && th.unit == TH_PER_S);

    static const char *const bad[] = {
        "p99(mesage)>1s", "p99(message)>250", "p99(message)>250xs", "p0(message)>1s",
        "p101(message)>1s", "q99(message)>1s", "failed", "failed>", "failed>1ms",
        "achieved>5", "rate>5%", ">5", "failed>>5", "failed=5", "p99(message>1s",
        "p99(message)>0.0000001ms", "failed>1.1234567%", "p99(message)>8d", "frobs>1",
        "p99()>1s", "(message)>1s", "p99(message)>-1s", "failed>1e3", "p99(message)>1000000s",
        "message.>1s", "failed<", "p99.(message)>1s", "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(bad[i]);
        CHECK(rc < 0 && why[0]);
        if (rc == 0)
            fprintf(stderr, "accepted: %s\n", bad[i]);
    }
    CHECK(parse("p99(mesage)>1s") < 0);
    CHECK_STR(why, "unknown view mesage");
    CHECK(parse("p99(message)>250") < 0);
    CHECK_STR(why, "250: a duration needs its unit: us, ms or s");

    /* The verdict's refusal names the option and lists every form. */
    static struct verdict v;
    char line[1024];
    CHECK(verdict_add(&v, "frobs>1", line, sizeof(line)) < 0);
    CHECK(strncmp(line, "--fail-if=frobs>1: unknown metric frobs (give METRIC OP VALUE", 61) == 0);
    CHECK(strstr(line, "achieved with N% (of offered) or N/s") != 0);
}

static void message(struct stats *st, unsigned flags, enum fail_reason why_failed, uint64_t us)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    r.type = REC_MESSAGE;
    r.flags = (uint16_t)flags;
    r.fail_reason = (uint8_t)why_failed;
    if (flags & RF_SENT) {
        r.phase_mask = 1u << PH_MESSAGE;
        r.phase_us[PH_MESSAGE] = us;
    }
    stats_add(st, &r);
}

static struct threshold_result res;

static int judged(const char *text, const struct stats *st)
{
    CHECK(parse(text) == 0);
    threshold_judge(&th, st, &res);
    return res.passed;
}

static void judging(void)
{
    static struct stats st;
    /* 1000 requested: 996 sent (latencies 1..996 ms, but the largest
     * 250 ms exactly), 2 rejected, 1 lost, 1 not done. */
    stats_init(&st, 1000);
    for (uint64_t i = 0; i < 996; i++)
        message(&st, RF_SENT, FAIL_NONE, i == 995 ? 250000 : 1000 + i);
    message(&st, 0, FAIL_REPLY, 0);
    message(&st, 0, FAIL_REPLY, 0);
    message(&st, 0, FAIL_LOST, 0);
    stats_finish(&st);

    /* Counts: at the limit passes, one over fails; >= fails at it. */
    CHECK(judged("failed>3", &st) && res.known && res.value == 3);
    CHECK_STR(res.shown, "failed 3");
    CHECK(!judged("failed>2", &st));
    CHECK(!judged("failed>=3", &st));
    CHECK(judged("failed>0.3%", &st));
    CHECK_STR(res.shown, "failed 0.3% (3 of 1000)");
    CHECK(!judged("failed>0.29%", &st));
    CHECK(judged("rejected>2", &st) && !judged("rejected>1", &st));
    CHECK(judged("not_done>1", &st) && !judged("not_done>0", &st));
    CHECK(judged("sent<996", &st) && !judged("sent<997", &st) && !judged("sent<=996", &st));
    CHECK(judged("sent<99.6%", &st) && !judged("sent<99.7%", &st));
    /* Latencies: the largest is 250 ms exactly. */
    CHECK(judged("max(message)>250ms", &st) && !judged("max(message)>249.999ms", &st));
    CHECK_STR(res.shown, "max 250.0 ms");
    CHECK(judged("message.max>0.25s", &st) && !judged("max(message)>=250ms", &st));
    CHECK(judged("min(message)<1ms", &st) && !judged("min(message)<1001us", &st));
    CHECK_STR(res.shown, "min 1.000 ms");
    uint64_t p50 = hist_quantile(&st.phase[PH_MESSAGE], 0.5);
    char text[64];
    snprintf(text, sizeof(text), "p50(message)>%lluus", (unsigned long long)p50);
    CHECK(judged(text, &st));
    snprintf(text, sizeof(text), "p50(message)>%lluus", (unsigned long long)p50 - 1);
    CHECK(!judged(text, &st));
    /* The mean, exactly: sum / count against the limit. */
    uint64_t sum = st.phase[PH_MESSAGE].sum, n = st.phase[PH_MESSAGE].count;
    CHECK(sum % n != 0);
    snprintf(text, sizeof(text), "mean(message)>%lluus", (unsigned long long)(sum / n));
    CHECK(!judged(text, &st));
    snprintf(text, sizeof(text), "mean(message)>%lluus", (unsigned long long)(sum / n + 1));
    CHECK(judged(text, &st));
    /* Nothing measured: no value, and no failure. */
    CHECK(judged("p99(tls)>1us", &st) && !res.known);
    CHECK_STR(res.shown, "no value: nothing measured");
    CHECK(judged("late>0", &st) && !res.known);
    CHECK(judged("achieved<100%", &st) && !res.known);
}

static void scheduled(void)
{
    static struct stats st;
    struct rate r = { 10, 1 };
    stats_init(&st, 10);
    stats_schedule(&st, &r, 10, 2, 0);
    for (int k = 0; k < 10; k++) {
        struct record rec;
        memset(&rec, 0, sizeof(rec));
        rec.type = REC_MESSAGE;
        rec.flags = RF_SENT | RF_SCHEDULED;
        rec.slot = k;
        rec.intended_us = k * 100000;
        /* Slot 9 starts 50 ms late; the others on time. */
        rec.start_us = rec.intended_us + (k == 9 ? 50000 : 0);
        rec.end_us = rec.start_us + 2000;
        rec.phase_mask = 1u << PH_MESSAGE;
        rec.phase_us[PH_MESSAGE] = 2000;
        stats_add(&st, &rec);
    }
    stats_finish(&st);
    CHECK(openloop_finish(&st.ol, 1000000, -1) == 0);
    CHECK(judged("lag.max>50ms", &st) && !judged("lag.max>49.9ms", &st));
    CHECK(judged("late>1", &st) && !judged("late>0", &st) && judged("late>10%", &st));
    CHECK(judged("max(corrected)>52ms", &st) && !judged("max(corrected)>51ms", &st));
    CHECK(judged("p99(service)>2ms", &st) && !judged("p99(service)>=2ms", &st));
    double achieved = openloop_achieved(&st.ol);
    CHECK(achieved > 0);
    char text[64];
    snprintf(text, sizeof(text), "achieved<%.6f/s", achieved - 0.000001);
    CHECK(judged(text, &st) && res.known);
    snprintf(text, sizeof(text), "achieved<%.6f/s", achieved + 0.001);
    CHECK(!judged(text, &st));
    CHECK(judged("achieved<1%", &st) && !judged("achieved<1000%", &st));
}

/* The verdict: its lines, its JSON and the exit status it leads to. */
static void verdict(void)
{
    static struct stats st;
    static struct verdict v;
    static struct config cfg;
    stats_init(&st, 4);
    for (int i = 0; i < 3; i++)
        message(&st, RF_SENT, FAIL_NONE, 41200);
    message(&st, 0, FAIL_REPLY, 0);
    stats_finish(&st);
    cfg.fail_if[0] = "p99(message)>250ms";
    cfg.fail_if[1] = "failed>0";
    cfg.fail_if_n = 2;
    verdict_init(&v, &cfg, 0);
    struct run_info ri;
    memset(&ri, 0, sizeof(ri));
    CHECK(verdict_judge(&v, &st, &ri) == 1 && ri.thresholds_failed && ri.addendum);
    CHECK(results_exit_status(&ri, 0) == RESULTS_EXIT_THRESHOLD && RESULTS_EXIT_THRESHOLD == 2);
    CHECK(results_exit_status(&ri, 1) == 2);
    ri.signal = 2;
    CHECK(results_exit_status(&ri, 0) == 130);
    ri.signal = 0;
    ri.fatal = 1;
    CHECK(results_exit_status(&ri, 0) == 1);

    char *buf = 0;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    verdict_text(&v, f);
    struct json j;
    json_begin(&j, f);
    json_object(&j, 0);
    verdict_json(&v, &j);
    json_end(&j);
    fclose(f);
    CHECK_STR(buf, "  threshold   p99(message)>250ms: passed (p99 41.2 ms)\n"
                   "  threshold   failed>0: FAILED (failed 1)\n"
                   "{\"thresholds\":[{\"expression\":\"p99(message)>250ms\",\"value\":41.200,"
                   "\"unit\":\"ms\",\"passed\":true},{\"expression\":\"failed>0\",\"value\":1,"
                   "\"unit\":\"\",\"passed\":false}]}");
    free(buf);

    /* No threshold given: the defaults, and none of them fails here. */
    static const char *const defaults[] = { "failed>50%", "p99(message)>1s", 0 };
    cfg.fail_if_n = 0;
    verdict_init(&v, &cfg, defaults);
    memset(&ri, 0, sizeof(ri));
    CHECK(v.n == 2 && verdict_judge(&v, &st, &ri) == 0 && !ri.thresholds_failed);
    CHECK(results_exit_status(&ri, 0) == 0);
    /* No threshold at all: nothing in the report. */
    verdict_init(&v, &cfg, 0);
    memset(&ri, 0, sizeof(ri));
    CHECK(verdict_judge(&v, &st, &ri) == 0 && ri.addendum == 0);
}

/* --stages: the list parsed, its mean rate, and the rows fed records. */
static void stage_list(void)
{
    static struct stages st;
    CHECK(stages_parse("30s:100/s,60s:500/s,30s:500/s,10s:0/s", &st, why, sizeof(why)) == 0);
    CHECK(st.n == 4 && st.v[0].len_ns == 30000000000LL && st.v[1].to.num == 500
          && st.v[3].to.num == 0 && st.v[3].len_ns == 10000000000LL);
    CHECK(stages_parse("0s:10/s,1.5m:3000/m,0.0s:0", &st, why, sizeof(why)) == 0);
    CHECK(st.n == 3 && st.v[0].len_ns == 0 && st.v[1].len_ns == 90000000000LL
          && st.v[1].to.num == 50 && st.v[1].to.den == 1 && st.v[2].to.num == 0);
    struct rate mean = stages_mean_rate(&st);
    CHECK(mean.num == 30 && mean.den == 1);   /* 10 -> 50 over 90 s: 2700 slots */
    CHECK(stages_parse("30s", &st, why, sizeof(why)) < 0);
    CHECK_STR(why, "stage 1 (30s) is not DURATION:RATE");
    CHECK(stages_parse("1s:1/s,x:1/s", &st, why, sizeof(why)) < 0);
    CHECK_STR(why, "stage 2 (x:1/s): duration x: not a number");
    CHECK(stages_parse("1s:1/s,", &st, why, sizeof(why)) < 0);
    CHECK_STR(why, "stage 2 is empty");
    CHECK(stages_parse("10s:0/s", &st, why, sizeof(why)) < 0);
    CHECK_STR(why, "the stages offer no message");
    CHECK(stages_parse("0s:5/s", &st, why, sizeof(why)) < 0);
    CHECK_STR(why, "the stages last no time");
    CHECK(stages_parse("96h:1/s,96h:1/s", &st, why, sizeof(why)) < 0);
    CHECK_STR(why, "the stages last more than a week");

    /* 0 -> 20/s over 1 s, then 20/s for 1 s: 10 + 20 slots. */
    CHECK(stages_parse("1s:20/s,1s:20/s", &st, why, sizeof(why)) == 0);
    static struct stage_rows sr;
    struct shard whole = { 0, 1 };
    CHECK(stage_rows_init(&sr, &st, &whole, 30, 4) == 0);
    CHECK(sr.row[0].due == 10 && sr.row[1].due == 20);
    struct record r;
    memset(&r, 0, sizeof(r));
    r.type = REC_MESSAGE;
    r.flags = RF_SENT | RF_SCHEDULED;
    /* Due in stage 1, started and ended in stage 2. */
    r.intended_us = 900000;
    r.start_us = 1000000;
    r.end_us = 1002000;
    stage_rows_add(&sr, &r);
    r.flags = RF_SCHEDULED;
    r.intended_us = r.start_us = r.end_us = 1500000;
    stage_rows_add(&sr, &r);
    CHECK(sr.row[0].sent == 1 && sr.row[0].started == 0 && sr.row[1].started == 2);
    CHECK(sr.row[1].failed == 1 && sr.row[0].corrected.max == 102000 && sr.row[0].service.max == 2000);
    /* Little's law: 20/s at 2 ms keeps 0.04 of a session busy: 1. */
    CHECK(stage_row_sessions_needed(&sr, 0) == 1 && stage_row_sessions_needed(&sr, 1) == 0);
    CHECK(!stage_row_short_of_sessions(&sr, 0) && !stage_row_short_of_sessions(&sr, 1));
    stage_rows_free(&sr);

    /* The advice: once a message due after stage 1 is back, at stage 1's
     * 400 ms: 20/s needs 8 sessions, the run has 4; said once. */
    char advice[512];
    CHECK(stage_rows_init(&sr, &st, &whole, 30, 4) == 0);
    r.flags = RF_SENT | RF_SCHEDULED;
    r.intended_us = r.start_us = 500000;
    r.end_us = 900000;
    CHECK(stage_rows_advice(&sr, &r, advice, sizeof(advice)) == 0);
    stage_rows_add(&sr, &r);
    CHECK(stage_rows_advice(&sr, &r, advice, sizeof(advice)) == 0);
    r.intended_us = r.start_us = 1000000;
    r.end_us = 1400000;
    stage_rows_add(&sr, &r);
    CHECK(stage_rows_advice(&sr, &r, advice, sizeof(advice)) == 1);
    CHECK_STR(advice, "--stages peaks at 20/s: at the 400.0 ms mean service time of stage 1, that "
              "needs at least 8 sessions (Little's law), -s gives 4: raise -s, or the stages "
              "past 10/s measure the sessions, not the server");
    CHECK(stage_rows_advice(&sr, &r, advice, sizeof(advice)) == 0);
    stage_rows_free(&sr);
}

/* The search's rates against a server that passes up to `cap`. */
static int searched(double from, double to, double cap, double *found)
{
    static struct search s;
    static struct stats st;
    double rate, last = 0;
    stats_init(&st, 1);
    search_init(&s, from, to);
    while (search_next(&s, &rate)) {
        if (rate == last || s.n >= SEARCH_STEPS_MAX)
            return -1;
        search_record(&s, rate, &st, rate <= cap, 1);
        last = rate;
    }
    *found = search_rate(&s);
    return search_exit_status(&s);
}

static void search(void)
{
    double from, to, found;
    char reason[160];
    CHECK(search_parse("10-400", &from, &to, reason, sizeof(reason)) == 0 && from == 10 && to == 400);
    CHECK(search_parse("3000/m-2/s", &from, &to, reason, sizeof(reason)) < 0);
    CHECK_STR(reason, "FROM must be less than TO");
    CHECK(search_parse("10", &from, &to, reason, sizeof(reason)) < 0);
    CHECK_STR(reason, "not FROM-TO");
    CHECK(searched(10, 400, 20, &found) == SEARCH_EXIT_FOUND && found >= 19 && found <= 20);
    CHECK(searched(10, 400, 77.7, &found) == 0 && found > 77.7 / 1.05 && found <= 77.7);
    CHECK(searched(10, 400, 500, &found) == SEARCH_EXIT_PASSED_AT_TO && found == 400);
    CHECK(searched(10, 400, 5, &found) == SEARCH_EXIT_FAILED_AT_FROM && found == 0);
    CHECK(SEARCH_EXIT_FAILED_AT_FROM == RESULTS_EXIT_THRESHOLD && SEARCH_EXIT_PASSED_AT_TO == 4);
    CHECK(openloop_little(20, 300000) == 6 && openloop_little(20, 305900) == 7);
    CHECK(openloop_little(0, 300000) == 0 && openloop_little(20, 0) == 0);

    /* Interrupted during step 2: the table holds step 1 alone. */
    static struct search s;
    static struct stats st;
    double rate;
    char text[2048];
    stats_init(&st, 1);
    search_init(&s, 5, 80);
    CHECK(search_next(&s, &rate) && rate == 5);
    search_record(&s, rate, &st, 1, 4);
    CHECK(search_next(&s, &rate) && rate == 10);
    search_interrupt(&s, SIGINT, rate, 1);
    CHECK(search_exit_status(&s) == 130 && strcmp(search_outcome_name(&s), "interrupted") == 0);
    FILE *f = fmemopen(text, sizeof(text), "w");
    search_text(&s, f);
    fclose(f);
    const char *want = "smtp-source: capacity search, 5/s to 80/s: interrupted by SIGINT during "
                       "step 2 (10/s), which was not judged\n  so far:   5/s met every threshold\n"
                       "  step    offered ";
    CHECK(strncmp(text, want, strlen(want)) == 0);
    CHECK(strstr(text, "\n  1       5.000/s ") != 0 && strstr(text, "\n  2 ") == 0);
    search_interrupt(&s, SIGTERM, rate, 0);
    f = fmemopen(text, sizeof(text), "w");
    search_text(&s, f);
    fclose(f);
    CHECK(strstr(text, "interrupted by SIGTERM before step 2 (10/s)") != 0);
    stats_free(&st);
}

int main(void)
{
    search();
    stage_list();
    parsing();
    judging();
    scheduled();
    verdict();
    return check_done("threshold");
}
