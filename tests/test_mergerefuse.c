/* --merge refuses what it cannot add exactly, each refusal naming the
 * input and what is wrong in one line; shards whose settings differ are
 * merged with the difference said. */
#define _GNU_SOURCE 1 /* open_memstream is POSIX.1-2008; glibc hides it under C11 */
#include "mergefix.h"

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

int main(void)
{
    refusals();
    inexact();
    settings();
    auth_differs();
    return check_done("mergerefuse");
}
