/* --merge on reports of planted content, written by the report's own
 * writer (statsjson.c): the merge of N shards is the report of one run
 * that held every message (its text, line for line, and its percentiles
 * those of one histogram fed every value); every refusal names the input
 * and what is wrong; missing shards make a partial report and status 3;
 * a shard's failure or signal is the merged run's. */
#define _GNU_SOURCE 1 /* open_memstream is POSIX.1-2008; glibc hides it under C11 */
#include "check.h"
#include "merge/merge.h"
#include "report/results.h"
#include "report/statsjson.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOTAL 900         /* the run's slots */
#define T0 1796119200000000LL   /* 2026-12-01T10:00:00Z, us */

/* Slot k's latency: spread over many buckets, from 1 us to ~2 s. */
static uint64_t latency(int64_t k)
{
    uint64_t x = (uint64_t)k * 2654435761u + 12345;
    x ^= x >> 13;
    return 1 + x % (x % 3 ? 40000 : 2000000);
}

/* What a report is made of. */
struct plan {
    struct shard shard;
    int sharded, sessions, signal, fatal;
    int64_t t0_unix_us;
    int tls, tls_verify;      /* the shard's settings */
    const char *auth;         /* AUTH asked for (run.settings.auth), or NULL */
};

/* The report of the run (or shard) `pl`: its slots k = j*N + I, each
 * sent on time at 100/s and taking latency(k). text: malloc'd. With
 * text_out NULL, the text report instead. */
static char *report(const struct plan *pl, int json, struct stats **keep)
{
    static struct run_id id;
    memset(&id, 0, sizeof(id));
    id.messages = TOTAL;
    id.rate_on = 1;
    id.rate = (struct rate){ 100, 1 };
    id.sessions = pl->sessions;
    id.rcpts = 1;
    id.body_bytes = 100;
    id.body_fnv = 0x0123456789abcdefULL;
    id.headers = 1;
    id.interval_us = 1000000;
    id.shard = pl->shard;
    id.sharded = pl->sharded;
    id.settings.tls = pl->tls;
    id.settings.tls_verify = pl->tls_verify;
    id.settings.auth = pl->auth;
    struct stats *st = malloc(sizeof(*st));
    int64_t owned = shard_owned(&pl->shard, TOTAL);
    stats_init(st, owned);
    stats_schedule(st, &id.rate, owned, (unsigned)pl->sessions, 0);
    stats_intervals(st, 1000000000, &id.rate, TOTAL);
    st->per_interval = 1;
    stats_shard(st, &pl->shard, TOTAL);
    stats_clock(st, 5000000000, pl->t0_unix_us, 0);
    int64_t end = 0;
    for (int64_t j = 0; j < owned; j++) {
        int64_t k = shard_slot(&pl->shard, j);
        struct record r;
        memset(&r, 0, sizeof(r));
        r.type = REC_MESSAGE;
        r.flags = RF_SENT | RF_SCHEDULED | RF_NEW_CONN;
        r.slot = k;
        r.intended_us = k * 10000;
        r.start_us = r.intended_us + (int64_t)(k % 7);
        r.end_us = r.start_us + (int64_t)latency(k);
        r.bytes_sent = 100;
        r.rcpt_sent = r.rcpt_ok = r.rcpt_delivered = 1;
        r.replies[2] = 5;
        r.replies[3] = 1;
        r.phase_mask = 1u << PH_MESSAGE | 1u << PH_CONNECT;
        r.phase_us[PH_MESSAGE] = (uint64_t)(r.end_us - r.start_us);
        r.phase_us[PH_CONNECT] = latency(k + 1) % 1000;
        if (pl->auth) {
            /* Slot k's connection's AUTH: most 235, some refused or worse. */
            r.auth_mech = (uint8_t)(k % 13 == 0 ? 2 : 1);
            r.auth_end = (uint8_t)(k % 17 == 0 ? AUTH_END_UNTRIED : k % 7 == 0 ? AUTH_END_REFUSED
                                   : k % 23 == 0 ? AUTH_END_GAVE_UP : AUTH_END_OK);
            r.auth_code = (uint16_t)(k % 2 ? 535 : 454);
        }
        stats_add(st, &r);
        end = r.end_us > end ? r.end_us : end;
    }
    st->end_us = st->start_us + (uint64_t)end + 50;
    intervals_finish(&st->iv, end + 50);
    openloop_finish(&st->ol, end + 50, -1);
    intervals_due(&st->iv, &pl->shard, TOTAL, st->ol.offer_end_us);
    struct run_info ri = { .fatal = pl->fatal, .signal = pl->signal, .sessions = (unsigned)pl->sessions,
                           .target = "127.0.0.1:25", .rcpts_per_message = 1, .id = &id,
                           .tls = pl->tls, .tls_verify = pl->tls_verify, .auth_mech = pl->auth };
    results_ending(&ri);
    char *text = 0;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (json)
        stats_json(st, f, &ri);
    else
        stats_print(st, f, &ri);
    fclose(f);
    if (keep) {
        *keep = st;
    } else {
        stats_free(st);
        free(st);
    }
    return text;
}

static char *shard_report(uint32_t i, uint32_t n)
{
    struct plan pl = { { i, n }, 1, 2, 0, 0, T0, 0, 0, "PLAIN or LOGIN, as offered" };
    return report(&pl, 1, 0);
}

static int merge_texts(char **texts, const char **names, size_t n, struct merge_result *res, char *why,
                       size_t len)
{
    struct merge_input in[8];
    for (size_t i = 0; i < n; i++)
        in[i] = (struct merge_input){ names[i], texts[i], strlen(texts[i]) };
    return merge_reports(in, n, res, why, len);
}

static const char *names[] = { "a.json", "b.json", "c.json", "d.json" };

/* The merge of 3 shards against one run of every message. */
static void whole(void)
{
    char *t[3] = { shard_report(0, 3), shard_report(1, 3), shard_report(2, 3) };
    struct merge_result res;
    char why[512] = "";
    CHECK(merge_texts(t, names, 3, &res, why, sizeof(why)) == 0);
    CHECK_STR(why, "");
    struct plan one = { { 0, 1 }, 0, 6, 0, 0, T0, 0, 0, "PLAIN or LOGIN, as offered" };
    struct stats *all;
    char *text = report(&one, 0, &all);
    /* Every bucket of every histogram, and so every percentile. */
    const struct stats *m = res.st;
    for (int p = 0; p < PH_COUNT; p++)
        CHECK(memcmp(&m->phase[p], &all->phase[p], sizeof(all->phase[p])) == 0);
    CHECK(memcmp(&m->ol.service, &all->ol.service, sizeof(all->ol.service)) == 0);
    CHECK(memcmp(&m->ol.corrected, &all->ol.corrected, sizeof(all->ol.corrected)) == 0);
    CHECK(memcmp(&m->ol.lag, &all->ol.lag, sizeof(all->ol.lag)) == 0);
    static const double q[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1 };
    for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
        CHECK(hist_quantile(&m->phase[PH_MESSAGE], q[i]) == hist_quantile(&all->phase[PH_MESSAGE], q[i]));
    CHECK(m->sent == TOTAL && m->requested == TOTAL && m->connections == TOTAL);
    /* AUTH's counts, mechanism by mechanism and code by code. */
    CHECK(m->auth.not_tried == all->auth.not_tried && m->auth.not_tried > 0);
    for (int a = 0; a < AUTHSTATS_MECHS; a++) {
        const struct auth_tally *x = &m->auth.mech[a], *y = &all->auth.mech[a];
        CHECK(x->attempts == y->attempts && x->authenticated == y->authenticated
              && x->refused == y->refused && x->given_up == y->given_up && x->codes == y->codes);
        for (unsigned c = 0; c < y->codes; c++) {
            unsigned d = 0;
            while (d < x->codes && x->code[d].code != y->code[c].code)
                d++;
            CHECK(d < x->codes && x->code[d].count == y->code[c].count);
        }
    }
    CHECK(m->auth.mech[0].refused > 0 && m->auth.mech[1].refused > 0 && m->auth.mech[0].given_up > 0);
    CHECK(res.merged.n == 3 && res.merged.missing_n == 0 && res.merged.expected == 3);
    /* The intervals, interval by interval. */
    CHECK(m->iv.n == all->iv.n);
    for (size_t i = 0; i < m->iv.n && i < all->iv.n; i++) {
        CHECK(m->iv.v[i].sent == all->iv.v[i].sent);
        CHECK(m->iv.v[i].due == all->iv.v[i].due && m->iv.v[i].started == all->iv.v[i].started);
        CHECK(m->iv.v[i].not_done == all->iv.v[i].not_done);
        CHECK(shist_quantile(&m->iv.v[i].service, 0.99) == shist_quantile(&all->iv.v[i].service, 0.99));
    }
    /* The timeline, bin by bin: the stalls and the advice are the run's. */
    CHECK(m->ol.tl.bin_us == all->ol.tl.bin_us && m->ol.tl.n == all->ol.tl.n && m->ol.tl.n > 0);
    CHECK(m->ol.tl.n == all->ol.tl.n
          && memcmp(m->ol.tl.bin, all->ol.tl.bin, all->ol.tl.n * sizeof(*all->ol.tl.bin)) == 0);
    CHECK(m->ol.due == all->ol.due && m->ol.sent == all->ol.sent);
    CHECK(openloop_sessions_needed(&m->ol) == openloop_sessions_needed(&all->ol));
    /* The text report is the run's, line for line, but for the shards'. */
    char *merged = 0;
    size_t len = 0;
    FILE *f = open_memstream(&merged, &len);
    stats_print(m, f, &res.ri);
    fclose(f);
    char *line = strstr(merged, "  shards      3 of 3, t0 2026-12-01T10:00:00.000000Z, lag max 0.000 ms\n");
    CHECK(line != 0);
    if (line)
        memmove(line, strchr(line, '\n') + 1, strlen(strchr(line, '\n') + 1) + 1);
    CHECK_STR(merged, text);
    CHECK(merge_exit_status(&res, 0) == 0);
    CHECK_STR(res.ri.status, "completed");

    /* The merged report is no shard's: merging it again is refused. */
    free(merged);
    f = open_memstream(&merged, &len);
    stats_json(m, f, &res.ri);
    fclose(f);
    merge_result_free(&res);
    struct merge_result again;
    CHECK(merge_texts(&merged, names, 1, &again, why, sizeof(why)) < 0);
    CHECK(strstr(why, "a.json: line 1: a merged report, not a shard's") != 0);
    merge_result_free(&again);
    free(merged);
    free(text);
    stats_free(all);
    free(all);
    for (int i = 0; i < 3; i++)
        free(t[i]);
}

/* t's first `from` replaced by `to` (malloc'd). */
static char *edit(const char *t, const char *from, const char *to)
{
    const char *at = strstr(t, from);
    if (at == 0)
        return 0;
    size_t n = strlen(t) - strlen(from) + strlen(to);
    char *s = malloc(n + 1);
    snprintf(s, n + 1, "%.*s%s%s", (int)(at - t), t, to, at + strlen(from));
    return s;
}

/* t with the number after its first `key` replaced by `value` (malloc'd). */
static char *set_count(const char *t, const char *key, const char *value)
{
    const char *at = strstr(t, key);
    if (at == 0)
        return 0;
    at += strlen(key);
    const char *end = at + strspn(at, "0123456789");
    size_t n = (size_t)(at - t) + strlen(value) + strlen(end);
    char *s = malloc(n + 1);
    snprintf(s, n + 1, "%.*s%s%s", (int)(at - t), t, value, end);
    return s;
}

/* Merging a and b must fail with a message that holds want. */
static void refused(char *a, char *b, const char *want)
{
    if (b == 0)
        fprintf(stderr, "no edit for: %s\n", want);
    char *t[2] = { a, b };
    struct merge_result res;
    char why[512] = "";
    CHECK(a != 0 && b != 0);
    if (a == 0 || b == 0)
        return;
    CHECK(merge_texts(t, names, 2, &res, why, sizeof(why)) < 0);
    if (strstr(why, want) == 0)
        fprintf(stderr, "refusal: got \"%s\", want \"%s\"\n", why, want);
    CHECK(strstr(why, want) != 0);
    CHECK(strchr(why, '\n') == 0);
    merge_result_free(&res);
}

static void refusals(void)
{
    char *s0 = shard_report(0, 2), *s1 = shard_report(1, 2);
    struct plan pl = { { 0, 1 }, 0, 2, 0, 0, T0, 0, 0, "PLAIN or LOGIN, as offered" };
    char *whole_run = report(&pl, 1, 0);
    pl.sharded = 1;
    char *zero_of_one = report(&pl, 1, 0);
    pl = (struct plan){ { 1, 2 }, 1, 3, 0, 0, T0, 0, 0, "PLAIN or LOGIN, as offered" };
    char *other_s = report(&pl, 1, 0);
    char *e;

    refused(s0, "hello", "b.json: line 1, column 1: not a value");
    refused(s0, "{\"version\":3}", "b.json: line 1: not a report of smtp-source --json");
    refused(s0, "[1, 2]", "b.json: line 1: not a report of smtp-source --json");
    char version[32], not_version[64];
    snprintf(version, sizeof(version), "\"version\":%d", STATSJSON_VERSION);
    snprintf(not_version, sizeof(not_version), "b.json: line 1: format version 1, not %d", STATSJSON_VERSION);
    refused(s0, e = edit(s1, version, "\"version\":1"), not_version);
    free(e);
    refused(s0, other_s, "b.json: another run than a.json: \"run.identity.sessions\" differs (3, not 2)");
    refused(s0, e = edit(s1, "\"rate_fraction\":[100,1]", "\"rate_fraction\":[200,2]"),
            "b.json: another run than a.json: \"run.identity.rate_fraction\" differs");
    free(e);
    refused(s0, e = edit(s1, ",\"start_at_unix_us\":null", ""),
            "b.json: line 1: no \"run.identity.start_at_unix_us\"");
    free(e);
    /* Text taken from a report is censored where the refusal is made. */
    refused(s0, e = edit(s1, "\"identity\":{", "\"identity\":{\"x\\ny\":1,"),
            "b.json: another run than a.json: \"run.identity.x?y\" differs (1, not absent)");
    free(e);
    refused(s0, e = edit(s1, "\"connection_reuse\":false,\"protocol\":\"SMTP\"",
                         "\"connection_reuse\":false,\"protocol\":\"SM\\u001b[2JTP\""),
            "b.json: another run than a.json: \"run.identity.protocol\" differs (\"SM?[2JTP\", not \"SMTP\")");
    free(e);
    refused(s1, s1, "b.json: shard 1/2 twice (also a.json)");
    refused(whole_run, s1, "b.json: a shard's report mixed with an unsharded one (a.json)");
    refused(s0, whole_run, "b.json: an unsharded report mixed with a shard's one (a.json)");
    refused(zero_of_one, whole_run, "b.json: an unsharded report mixed with a shard's one (a.json)");
    /* The numbers themselves: a histogram whose buckets do not make its count, not a bucket. */
    refused(s0, e = edit(s1, "\"message\":{\"count\":450", "\"message\":{\"count\":451"),
            "b.json: line 1: \"latency_ms.message.buckets\" hold 450 values, \"count\" says 451");
    free(e);
    refused(s0, e = edit(s1, "\"buckets\":[[", "\"buckets\":[[1,2,3],["),
            "is not a bucket of this build's histograms");
    free(e);
    refused(s0, e = edit(s1, "\"sent\":450", "\"sent\":-450"), "b.json: line 1: \"messages.sent\" is negative");
    free(e);
    refused(s0, e = edit(s1, "\"shard\":{\"index\":1", "\"shard\":{\"index\":7"),
            "b.json: line 1: \"run.shard\" is not a shard of the identity's 2");
    free(e);
    refused(s0, e = edit(s1, "\"sub_buckets\":128", "\"sub_buckets\":64"), "another histogram geometry");
    free(e);
    /* The schedule: due is what the offer's end makes it; the timeline
     * holds every message that started; an interval's not done are its
     * due slots that did not start. */
    refused(s0, e = edit(s1, "\"offer_end_us\":9000000", "\"offer_end_us\":4000000"),
            "b.json: line 1: \"schedule.due\" is not the slots due before \"offer_end_us\"");
    free(e);
    refused(s0, e = edit(s1, "\"bins\":[[", "\"bins\":[[999999999,1,1],["),
            "b.json: line 1: \"timeline.bins\": a bin is not [index, ended, sent <= ended], rising");
    free(e);
    refused(s0, e = edit(s1, "\"timeline\":{\"bin_us\":1000", "\"timeline\":{\"bin_us\":2000"),
            "on bins of 10^k ms");
    free(e);
    refused(s0, e = edit(s1, "\"bins\":[[", "\"bins\":[[0,1,0],["),
            "b.json: line 1: \"timeline.bins\" hold 451 ended and 450 sent, \"schedule.started\" and "
            "\"messages.sent\" say 450 and 450");
    free(e);
    refused(s0, e = edit(s1, "\"not_done\":0,\"offered_per_s\"", "\"not_done\":1,\"offered_per_s\""),
            "\"intervals[0].not_done\" is not \"due\" less \"started\"");
    free(e);
    /* An unknown outcome is one of the failed. */
    refused(s0, e = edit(s1, "\"unknown_outcome\":0", "\"unknown_outcome\":1"),
            "b.json: line 1: \"messages.unknown_outcome\" is more than \"failed\"");
    free(e);
    /* AUTH's counts must add up, and be there exactly when AUTH was asked for. */
    refused(s0, e = edit(s1, "\"PLAIN\":{\"attempts\":", "\"PLAIN\":{\"attempts\":1"),
            "b.json: line 1: \"auth.mechanisms.PLAIN\": authenticated, refused, given_up and unanswered "
            "do not make the attempts");
    free(e);
    refused(s0, e = edit(s1, "\"refused_codes\":{\"535\":", "\"refused_codes\":{\"535\":1"),
            "\"auth.mechanisms.PLAIN.refused_codes\" hold ");
    free(e);
    refused(s0, e = edit(s1, "\"refused_codes\":{\"535\"", "\"refused_codes\":{\"5x5\""),
            "b.json: line 1: \"auth.mechanisms.PLAIN.refused_codes\": \"5x5\" is not a reply code");
    free(e);
    refused(s0, e = edit(s1, "\"LOGIN\":{", "\"CRAM\\nMD5\":{"),
            "b.json: line 1: \"auth.mechanisms\": \"CRAM?MD5\" is no mechanism of this build");
    free(e);
    refused(s0, e = edit(s1, "\"auth\":\"PLAIN or LOGIN, as offered\"", "\"auth\":null"),
            "b.json: line 1: \"auth\" in a run whose \"run.settings.auth\" is null");
    free(e);
    refused(s0, e = edit(s1, "\"auth\":{", "\"auth_\":{"),
            "b.json: line 1: no \"auth\", though \"run.settings.auth\" names a mechanism");
    free(e);
    refused(s0, e = edit(s1, "\"not_tried\":", "\"not_tried\":-"), "\"auth.not_tried\" is not a whole number");
    free(e);
    /* Two shards whose counts would overflow when added. */
    char *big0 = set_count(s0, "\"not_tried\":", "18446744073709551000"),
         *big1 = set_count(s1, "\"not_tried\":", "1000");
    refused(big0, big1, "b.json: \"auth\": the reports' sum does not fit 64 bits");
    free(big0), free(big1);
    free(s0), free(s1), free(whole_run), free(zero_of_one), free(other_s);
}

/* t with the number after the first "key": that follows anchor set to v
 * (malloc'd; NULL if there is none). */
static char *set_after(const char *t, const char *anchor, const char *key, const char *v)
{
    const char *a = strstr(t, anchor);
    char k[64];
    snprintf(k, sizeof(k), "\"%s\":", key);
    const char *at = a ? strstr(a, k) : 0;
    if (at == 0)
        return 0;
    at += strlen(k);
    size_t num = strspn(at, "-0123456789");
    size_t n = strlen(t) - num + strlen(v);
    char *s = malloc(n + 1);
    snprintf(s, n + 1, "%.*s%s%s", (int)(at - t), t, v, at + num);
    return s;
}

#define U64_MAX_TEXT "18446744073709551615"

/* Numbers the merge cannot add up exactly, each refused by file and key. */
static void inexact(void)
{
    char *s0 = shard_report(0, 2), *s1 = shard_report(1, 2), *e, *f;

    /* Counts that do not fit the shard's part of the run. */
    refused(s0, e = edit(s1, "\"sent\":450", "\"sent\":451"),
            "b.json: line 1: \"messages.sent\", \"failed\" and \"not_done\" add up to more than \"requested\"");
    free(e);
    refused(s0, e = edit(s1, "\"sent\":450", "\"sent\":9223372036854775807"),
            "b.json: line 1: \"messages.sent\", \"failed\" and \"not_done\" add up to more than \"requested\"");
    free(e);
    refused(s0, e = edit(s1, "\"sent\":450,\"failed\":0", "\"sent\":450,\"failed\":3"),
            "b.json: line 1: \"messages.sent\", \"failed\" and \"not_done\" add up to more than \"requested\"");
    free(e);
    refused(s0, e = edit(s1, "\"requested\":450", "\"requested\":460"),
            "b.json: line 1: \"messages.requested\" is not shard 1/2's part of the run's slots");
    free(e);
    /* The schedule. */
    refused(s0, e = edit(s1, "\"started\":450", "\"started\":-5"), "b.json: line 1: \"schedule.started\" is negative");
    free(e);
    refused(s0, e = edit(s1, "\"due\":450", "\"due\":-7"), "b.json: line 1: \"schedule.due\" is negative");
    free(e);
    refused(s0, e = edit(s1, "\"due\":450", "\"due\":449"), "b.json: line 1: \"schedule.started\" is above \"schedule.due\"");
    free(e);
    refused(s0, e = edit(s1, "\"late\":0", "\"late\":" U64_MAX_TEXT),
            "b.json: line 1: \"schedule.late\" is above \"schedule.started\"");
    free(e);
    /* Intervals. */
    refused(s0, e = set_after(s1, "{\"index\":1,\"start_s\"", "failed", "-4"), "b.json: line 1: \"intervals[1].failed\" is negative");
    free(e);
    refused(s0, e = set_after(s1, "{\"index\":1,\"start_s\"", "sent", "451"),
            "b.json: line 1: \"intervals[].sent\" add up to more than \"messages.sent\"");
    free(e);
    /* Times beyond any run, and sessions beyond -s. */
    refused(s0, e = set_after(s1, "\"run\":", "elapsed_us", "9007199254740993"),
            "b.json: line 1: \"run.elapsed_us\" is out of range (0 to 2^53 us)");
    free(e);
    refused(s0, e = edit(s1, "\"sessions\":2,\"recipients_per_message\"", "\"sessions\":4294967298,\"recipients_per_message\""),
            "b.json: line 1: \"sessions\" is not 1 to \"run.identity.sessions\"");
    free(e);
    /* Sums beyond 64 bits: each report fits, their sum does not. */
    static const char *const big[][3] = {
        { "\"bytes_sent\":", "bytes_sent", "b.json: \"bytes_sent\": the reports' sum does not fit 64 bits" },
        { "\"replies\":", "2xx", "b.json: \"replies.2xx\": the reports' sum does not fit 64 bits" },
        { "\"message\":{\"count\":450", "sum_us", "b.json: \"latency_ms.message\": the reports' sum does not fit 64 bits" },
        { "\"service\":{\"count\":450", "sum_us", "b.json: \"latency_ms.service\": the reports' sum does not fit 64 bits" },
        { "\"recipients\":{", "sent", "b.json: \"recipients.sent\": the reports' sum does not fit 64 bits" },
    };
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        e = set_after(s0, big[i][0], big[i][1], U64_MAX_TEXT);
        f = set_after(s1, big[i][0], big[i][1], U64_MAX_TEXT);
        if (e == 0 || f == 0)
            fprintf(stderr, "no edit for %s\n", big[i][1]);
        refused(e, f, big[i][2]);
        free(e);
        free(f);
    }
    free(s0), free(s1);
}

/* The merged report of a and b, as text and as JSON (malloc'd). */
static int merged_texts(char *a, char *b, char **text, char **json, char *why, size_t len)
{
    char *t[2] = { a, b };
    struct merge_result res;
    size_t n;
    int rc = merge_texts(t, names, 2, &res, why, len);
    if (rc == 0) {
        FILE *f = open_memstream(text, &n);
        stats_print(res.st, f, &res.ri);
        fclose(f);
        f = open_memstream(json, &n);
        stats_json(res.st, f, &res.ri);
        fclose(f);
    }
    merge_result_free(&res);
    return rc;
}

/* A shard with AUTH and one without: AUTH's counts are the one shard's,
 * and the report says the shards differ in it, in either order. */
static void auth_differs(void)
{
    char *a0 = shard_report(0, 2);
    struct plan pl = { { 1, 2 }, 1, 2, 0, 0, T0, 0, 0, 0 };
    char *n1 = report(&pl, 1, 0);
    char *text, *json, why[512] = "";
    for (int order = 0; order < 2; order++) {
        CHECK(merged_texts(order ? n1 : a0, order ? a0 : n1, &text, &json, why, sizeof(why)) == 0);
        const char *line = strstr(text, "\n  auth        PLAIN: 391 attempts, ");
        CHECK(line != 0 && strstr(text, "\n              LOGIN: 32 attempts, ") != 0);
        CHECK(strstr(text, order ? "  settings    auth differs: null in 1 of 2 shards, \"PLAIN or LOGIN, as offered\" in 1\n"
                                 : "  settings    auth differs: \"PLAIN or LOGIN, as offered\" in 1 of 2 shards, null in 1\n") != 0);
        CHECK(strstr(json, "\"auth\":{\"not_tried\":") != 0);
        free(text);
        free(json);
    }
    free(a0), free(n1);
}

/* Shards that differ in settings: the report says how many had which,
 * in either order, never one shard's word for all. */
static void settings(void)
{
    struct plan pl = { { 0, 2 }, 1, 2, 0, 0, T0, 1, 1, 0 };
    char *v0 = report(&pl, 1, 0);
    pl.shard.index = 1;
    pl.tls_verify = 0;
    char *v1 = report(&pl, 1, 0);
    pl.tls = 0;
    char *plain1 = report(&pl, 1, 0);
    char *text, *json, why[512] = "";
    for (int order = 0; order < 2; order++) {
        CHECK(merged_texts(order ? v1 : v0, order ? v0 : v1, &text, &json, why, sizeof(why)) == 0);
        CHECK(strstr(text, "  tls         0 handshakes (0 full, 0 resumed), verify on in 1 of 2 shards\n") != 0);
        CHECK(strstr(text, order ? "  settings    tls_verify differs: false in 1 of 2 shards, true in 1\n"
                                 : "  settings    tls_verify differs: true in 1 of 2 shards, false in 1\n") != 0);
        CHECK(strstr(json, "\"mode\":\"starttls\",\"verify\":null,") != 0);
        CHECK(strstr(json, "\"settings\":{\"tls\":\"starttls\",\"tls_resume\":false,\"auth\":null}") != 0);
        CHECK(strstr(json, "\"settings_differ\":[\"tls_verify\"]") != 0);
        CHECK(strstr(json, "{\"index\":0,\"status\":\"completed\",\"t0_unix_us\":1796119200000000,\"start_lag_us\":0,"
                           "\"settings\":{\"tls\":\"starttls\",\"tls_verify\":true,\"tls_resume\":false,\"auth\":null}}") != 0);
        free(text);
        free(json);
    }
    CHECK(merged_texts(v0, plain1, &text, &json, why, sizeof(why)) == 0);
    CHECK(strstr(text, "  tls         0 handshakes (0 full, 0 resumed) in 1 of 2 shards, verify on in 1 of 2 shards\n") != 0);
    CHECK(strstr(text, "  settings    tls differs: \"starttls\" in 1 of 2 shards, null in 1\n") != 0);
    CHECK(strstr(json, "\"settings_differ\":[\"tls\",\"tls_verify\"]") != 0);
    free(text);
    free(json);
    free(v0), free(v1), free(plain1);

    /* A suite's name from a report is shown as every text is. */
    char *s0 = shard_report(0, 2), *s1 = shard_report(1, 2), *e;
    pl = (struct plan){ { 0, 2 }, 1, 2, 0, 0, T0, 1, 0, 0 };
    free(s0);
    s0 = report(&pl, 1, 0);
    char *t = edit(s0, "\"full\":0", "\"full\":1");
    e = t ? edit(t, "\"suites\":[]", "\"suites\":[{\"name\":\"TLSv1.3 \\u001b[2J\",\"version_id\":772,"
                 "\"cipher_id\":4865,\"count\":1}]") : 0;
    CHECK(e != 0);
    if (e) {
        CHECK(merged_texts(e, s1, &text, &json, why, sizeof(why)) == 0);
        CHECK(strstr(text, "              TLSv1.3 ?[2J, all 1\n") != 0);
        CHECK(strchr(text, '\x1b') == 0);
        free(text);
        free(json);
    }
    /* A suite count that is not the handshakes'. */
    char *bad = e ? edit(e, "\"full\":1", "\"full\":2") : 0;
    refused(s1, bad, "b.json: line 1: \"tls.suites\" and \"tls.other\" do not add up to \"tls.full\" and \"resumed\"");
    free(bad);
    free(t), free(e), free(s0), free(s1);
}

/* A report of a build that did not tell unknown outcomes merges as 0. */
static void unknown_absent(void)
{
    char *a = shard_report(1, 4), *b = shard_report(3, 4);
    char *old = edit(b, ",\"unknown_outcome\":0", "");
    char *t[2] = { a, old };
    struct merge_result res;
    char why[512] = "";
    CHECK(old != 0);
    if (old == 0)
        return;
    CHECK(merge_texts(t, names, 2, &res, why, sizeof(why)) == 0);
    CHECK(res.st->unknown == 0);
    merge_result_free(&res);
    free(a);
    free(b);
    free(old);
}

/* Shards 1 and 3 of 4 only: partial, the others named, status 3; a
 * shard stopped by SIGINT makes the merge's status 130. */
static void missing(void)
{
    char *t[2] = { shard_report(1, 4), shard_report(3, 4) };
    struct merge_result res;
    char why[512] = "";
    CHECK(merge_texts(t, names, 2, &res, why, sizeof(why)) == 0);
    CHECK(res.merged.missing_n == 2 && res.merged.n == 2);
    char *line = 0;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    merge_print_missing(&res.merged, f);
    fclose(f);
    CHECK_STR(line, "missing shards 0/4, 2/4");
    free(line);
    CHECK(merge_exit_status(&res, 0) == MERGE_EXIT_PARTIAL);
    CHECK(res.st->sent == 450 && res.st->requested == TOTAL);
    /* The missing shards' slots were due: the shortfall is theirs, and no
     * figure of sessions can be given. */
    CHECK(res.st->ol.due == TOTAL && res.st->ol.started == 450 && res.st->ol.missing_shards == 2);
    CHECK(openloop_shortfall(&res.st->ol) && openloop_sessions_needed(&res.st->ol) == 0);
    int64_t due = 0;
    for (size_t i = 0; i < res.st->iv.n; i++)
        due += res.st->iv.v[i].due;
    CHECK(due == TOTAL);
    char warn[320];
    CHECK(openloop_shortfall_line(&res.st->ol, warn, sizeof(warn)) == 1);
    CHECK_STR(warn, "achieved 50.0/s of 100/s offered; the shortfall comes from the missing shards "
              "(0/4, 2/4)");
    f = open_memstream(&line, &len);
    stats_json(res.st, f, &res.ri);
    fclose(f);
    CHECK(strstr(line, "\"merged\":{\"shards\":4,\"partial\":true,\"missing\":[0,2],") != 0);
    free(line);
    merge_result_free(&res);

    struct plan pl = { { 2, 4 }, 1, 2, SIGINT, 0, T0, 0, 0, "PLAIN or LOGIN, as offered" };
    free(t[1]);
    t[1] = report(&pl, 1, 0);
    CHECK(merge_texts(t, names, 2, &res, why, sizeof(why)) == 0);
    CHECK_STR(res.ri.status, "interrupted by SIGINT");
    CHECK(merge_exit_status(&res, 0) == 128 + SIGINT);
    merge_result_free(&res);
    pl.signal = 0;
    pl.fatal = 1;
    free(t[1]);
    t[1] = report(&pl, 1, 0);
    CHECK(merge_texts(t, names, 2, &res, why, sizeof(why)) == 0);
    CHECK(merge_exit_status(&res, 0) == 1 && res.ri.fatal);
    merge_result_free(&res);
    free(t[0]);
    free(t[1]);
}

/* A shard whose t0 came 2 s late: its intervals sit 2 later, and the run
 * lasts 2 s longer. */
static void late_shard(void)
{
    struct plan pl = { { 1, 2 }, 1, 2, 0, 0, T0 + 2000000, 0, 0, "PLAIN or LOGIN, as offered" };
    char *t[2] = { shard_report(0, 2), report(&pl, 1, 0) };
    struct merge_result res, early;
    char why[512];
    CHECK(merge_texts(t, names, 2, &res, why, sizeof(why)) == 0);
    CHECK(merge_texts(t, names, 1, &early, why, sizeof(why)) == 0);
    CHECK(res.st->t0_unix_us == T0);
    CHECK(res.st->iv.n >= 3 && res.st->iv.v[0].sent == early.st->iv.v[0].sent);
    CHECK(res.st->iv.v[2].sent > early.st->iv.v[2].sent);
    CHECK(res.st->end_us - res.st->start_us > early.st->end_us - early.st->start_us + 1900000);
    merge_result_free(&res);
    merge_result_free(&early);
    free(t[0]);
    free(t[1]);
}

int main(void)
{
    whole();
    refusals();
    inexact();
    settings();
    auth_differs();
    missing();
    unknown_absent();
    late_shard();
    return check_done("merge");
}
