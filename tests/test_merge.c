/* --merge on reports of planted content, written by the report's own
 * writer (statsjson.c): the merge of N shards is the report of one run
 * that held every message (its text, line for line, and its percentiles
 * those of one histogram fed every value); every refusal names the input
 * and what is wrong; missing shards make a partial report and status 3;
 * a shard's failure or signal is the merged run's. */
#define _GNU_SOURCE 1 /* open_memstream is POSIX.1-2008; glibc hides it under C11 */
#include "mergefix.h"

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
    missing();
    unknown_absent();
    late_shard();
    return check_done("merge");
}
