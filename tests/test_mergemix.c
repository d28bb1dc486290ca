/* --merge of a workload run's shards: the merged report's workload part is
 * the one run's (the sizes' min, p50, p99, max and total, the recipients
 * per message, the dot phase by size class: every histogram one fed every
 * value, so its text and its JSON are the run's to the byte); shards of
 * another seed or --size, or a workload part that cannot be added exactly,
 * are refused in one line naming the input and the key. */
#define _GNU_SOURCE 1 /* open_memstream is POSIX.1-2008; glibc hides it under C11 */
#include "mergefix.h"

#define SPEC "lognormal:20k:2m"

static char *wl_report(uint32_t i, uint32_t n, int sharded, uint64_t seed, const char *spec)
{
    struct plan pl = { { i, n }, sharded, sharded ? 2 : 6, 0, 0, T0, 0, 0, 0 };
    struct plan_workload wl = { seed, spec };
    return report_wl(&pl, &wl, 1, 0);
}

/* The report's workload part, from its key to the end of the object
 * (it is the report's last part here), malloc'd. */
static char *workload_of(const char *json)
{
    const char *at = json ? strstr(json, "\"workload\":{") : 0;
    if (at == 0)
        return 0;
    size_t n = strlen(at);
    while (n && (at[n - 1] == '\n' || at[n - 1] == '}'))
        n--;
    char *s = malloc(n + 1);
    memcpy(s, at, n);
    s[n] = 0;
    return s;
}

/* The text report from its "workload" line on (malloc'd). */
static char *workload_lines(const char *text)
{
    const char *at = text ? strstr(text, "  workload    seed ") : 0;
    return at ? strdup(at) : 0;
}

static void merged_is_the_run(const char *spec)
{
    char *t[3] = { wl_report(0, 3, 1, 42, spec), wl_report(1, 3, 1, 42, spec),
                   wl_report(2, 3, 1, 42, spec) };
    struct merge_result res;
    char why[512] = "";
    CHECK(merge_texts(t, names, 3, &res, why, sizeof(why)) == 0);
    CHECK_STR(why, "");
    char *text = 0, *json = 0;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    stats_print(res.st, f, &res.ri);
    fclose(f);
    f = open_memstream(&json, &len);
    stats_json(res.st, f, &res.ri);
    fclose(f);
    struct plan one = { { 0, 1 }, 0, 6, 0, 0, T0, 0, 0, 0 };
    struct plan_workload wl = { 42, spec };
    char *run_json = report_wl(&one, &wl, 1, 0), *run_text = report_wl(&one, &wl, 0, 0);
    char *a = workload_of(json), *b = workload_of(run_json);
    CHECK(a != 0 && b != 0);
    if (a && b)
        CHECK_STR(a, b);
    /* Several classes, each with buckets: the merge added histograms. */
    CHECK(b && (!spec || strstr(b, "\"from_bytes\":1048576,") != 0));
    CHECK(b && strstr(b, "\"recipients_per_message\":{\"count\":900,\"min\":1,\"mean\":2.500,"
                         "\"max\":4,\"sum\":2250,\"buckets\":[[1,1,225],") != 0);
    free(a);
    free(b);
    a = workload_lines(text);
    b = workload_lines(run_text);
    CHECK(a != 0 && b != 0);
    if (a && b)
        CHECK_STR(a, b);
    CHECK(a && strstr(a, "seed 42 (--seed=42 repeats it)\n") != 0);
    CHECK(a && (!spec || strstr(a, "  sizes       " SPEC ": min ") != 0));
    free(a);
    free(b);
    free(text);
    free(json);
    free(run_json);
    free(run_text);
    merge_result_free(&res);
    for (int i = 0; i < 3; i++)
        free(t[i]);
}

/* t's first `from` after `anchor` replaced by `to` (malloc'd). */
static char *edit_after(const char *t, const char *anchor, const char *from, const char *to)
{
    const char *a = strstr(t, anchor);
    char *tail = a ? edit(a, from, to) : 0;
    if (tail == 0)
        return 0;
    size_t n = (size_t)(a - t) + strlen(tail);
    char *s = malloc(n + 1);
    snprintf(s, n + 1, "%.*s%s", (int)(a - t), t, tail);
    free(tail);
    return s;
}

static void refusals(void)
{
    char *s0 = wl_report(0, 2, 1, 42, SPEC), *s1 = wl_report(1, 2, 1, 42, SPEC), *e;
    char *other_seed = wl_report(1, 2, 1, 43, SPEC);
    char *other_spec = wl_report(1, 2, 1, 42, "1k-9k");
    char *no_size = wl_report(1, 2, 1, 42, 0);
    char *plain = shard_report(1, 2);
    refused(s0, other_seed, "b.json: another run than a.json: \"workload.seed\" differs (43, not "
            "42): the shards of one run share one --seed");
    refused(s0, other_spec, "b.json: another run than a.json: \"workload.size_spec\" differs "
            "(\"1k-9k\", not \"" SPEC "\")");
    refused(s0, no_size, "b.json: another run than a.json: \"workload.size_spec\" differs (null, "
            "not \"" SPEC "\")");
    refused(s0, plain, "b.json: another run than a.json: \"workload\" differs (absent, not present)");
    refused(plain, s0, "b.json: another run than a.json: \"workload\" differs (present, not absent)");
    /* A report of the build before the buckets: refused, not merged inexactly. */
    refused(s0, e = edit_after(s1, "\"recipients_per_message\":{", "\"buckets\":", "\"bucketz\":"),
            "b.json: line 1: no \"workload.recipients_per_message.buckets\"");
    free(e);
    refused(s0, e = edit(s1, "\"recipients_per_message\":{\"count\":450",
                         "\"recipients_per_message\":{\"count\":449"),
            "b.json: line 1: \"workload.recipients_per_message.buckets\" hold 450 values, \"count\" "
            "says 449");
    free(e);
    refused(s0, e = edit(s1, "\"seed\":42", "\"seed\":-42"),
            "b.json: line 1: \"workload.seed\" is not a whole number");
    free(e);
    refused(s0, e = edit(s1, "\"from_bytes\":1024,", "\"from_bytes\":1000,"),
            "b.json: line 1: \"workload.dot_by_size[].from_bytes\" and \"below_bytes\" are not a "
            "size class after the last");
    free(e);
    refused(s0, e = edit(s1, "\"below_bytes\":4096,", "\"below_bytes\":null,"),
            "\"workload.dot_by_size[].from_bytes\" and \"below_bytes\" are not a size class");
    free(e);
    refused(s0, e = edit(s1, "\"dot_by_size\":[", "\"dot_by_size\":[7,"),
            "b.json: line 1: \"workload.dot_by_size[]\" is not an object");
    free(e);
    refused(s0, e = edit(s1, "\"size_spec\":\"" SPEC "\"", "\"size_spec\":null"),
            "b.json: line 1: \"workload.sizes.count\" is not 0 with \"workload.size_spec\" null");
    free(e);
    refused(s0, e = edit(s1, "\"workload\":{", "\"workload\":7,\"x\":{"),
            "b.json: line 1: \"workload\" is not an object");
    free(e);
    /* More messages in a histogram than the report ended. */
    refused(s0, e = edit(s1, "\"sent\":450,\"failed\":0", "\"sent\":449,\"failed\":0"),
            "\"workload.sizes.count\" is above \"messages.sent\" and \"failed\"");
    free(e);
    /* Sums that do not fit are refused by their key, not wrapped. */
    char *big0 = set_after(s0, "\"sizes\":", "total_bytes", U64_MAX_TEXT);
    char *big1 = set_after(s1, "\"sizes\":", "total_bytes", U64_MAX_TEXT);
    refused(big0, big1, "b.json: \"workload.sizes\": the reports' sum does not fit 64 bits");
    free(big0);
    free(big1);
    free(s0);
    free(s1);
    free(other_seed);
    free(other_spec);
    free(no_size);
    free(plain);
}

int main(void)
{
    merged_is_the_run(SPEC);
    merged_is_the_run(0);   /* --rcpts alone: no sizes, no classes */
    refusals();
    return check_done("mergemix");
}
