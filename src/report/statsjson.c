/* statsjson: the JSON report (--json): the run's numbers as one object,
 * every histogram with its buckets, in the format --merge reads back. */
#include "report/statsjson.h"

#include "core/json.h"
#include "core/config.h"

#include <sys/resource.h>

static void json_ms(struct json *j, const char *key, double us)
{
    json_double(j, key, us / 1000.0, 3);
}

static void json_phase(struct json *j, const struct hist *h, const char *name)
{
    json_object(j, name);
    json_uint(j, "count", h->count);
    if (h->count) {
        /* A phase that never ran has no made-up values. */
        json_ms(j, "min", (double)h->min);
        json_ms(j, "mean", hist_mean(h));
        json_ms(j, "p50", (double)hist_quantile(h, 0.50));
        json_ms(j, "p90", (double)hist_quantile(h, 0.90));
        json_ms(j, "p99", (double)hist_quantile(h, 0.99));
        json_ms(j, "p999", (double)hist_quantile(h, 0.999));
        json_ms(j, "max", (double)h->max);
        json_uint(j, "sum_us", h->sum);
        json_uint(j, "min_us", h->min);
        json_uint(j, "max_us", h->max);
    }
    /* Non-empty buckets as [low_us, high_us, count], for merging runs. */
    json_array(j, "buckets");
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        if (h->bucket[i] == 0)
            continue;
        json_array(j, 0);
        json_uint(j, 0, hist_bucket_low(i));
        json_uint(j, 0, hist_bucket_high(i));
        json_uint(j, 0, h->bucket[i]);
        json_end(j);
    }
    json_end(j);
    json_end(j);
}

static void json_time(struct json *j, const char *key, int64_t us)
{
    if (us < 0)
        json_null(j, key);
    else
        json_int(j, key, us);
}

/* Where this report sits in its run: all the times as exact integers. A
 * merge's settings are those its shards agree on (see "merged"). */
static void json_run(struct json *j, const struct stats *st, const struct run_id *id,
                     const struct merged *m)
{
    char text[RUNID_TEXT];
    runid_text(id, text);
    json_object(j, "run");
    json_string(j, "id", text);
    runid_json(id, j);
    if (m)
        settings_agreed_json(&m->settings, j);
    else
        settings_json(&id->settings, j);
    if (id->sharded) {
        json_object(j, "shard");
        json_uint(j, "index", id->shard.index);
        json_uint(j, "count", id->shard.count);
        json_end(j);
    } else {
        json_null(j, "shard");
    }
    json_int(j, "t0_unix_us", st->t0_unix_us);
    json_int(j, "start_lag_us", st->start_lag_us);
    json_int(j, "elapsed_us", (int64_t)(st->end_us - st->start_us));
    json_time(j, "first_start_us", st->first_start_us);
    json_time(j, "last_end_us", st->last_end_us);
    json_end(j);
}

static void json_merged(struct json *j, const struct merged *m)
{
    json_object(j, "merged");
    json_uint(j, "shards", m->expected);
    json_bool(j, "partial", m->missing_n > 0);
    json_array(j, "missing");
    for (uint32_t i = 0; i < m->missing_n; i++)
        json_uint(j, 0, m->missing[i]);
    json_end(j);
    settings_differ_json(&m->settings, j, "settings_differ");
    json_array(j, "parts");
    for (uint32_t i = 0; i < m->n; i++) {
        json_object(j, 0);
        json_uint(j, "index", m->shard[i].index);
        json_string(j, "status", m->shard[i].status);
        json_int(j, "t0_unix_us", m->shard[i].t0_unix_us);
        json_int(j, "start_lag_us", m->shard[i].start_lag_us);
        settings_shard_json(&m->settings, m->shard[i].place, j);
        json_end(j);
    }
    json_end(j);
    json_end(j);
}

/* A merge's shards differ in the setting key. */
static int differs(const struct run_info *ri, const char *key)
{
    const struct merged_setting *s = ri->merged ? settings_find(&ri->merged->settings, key) : 0;
    return s && s->n > 1;
}

void stats_json(const struct stats *st, FILE *out, const struct run_info *ri)
{
    struct json j;
    double secs = stats_elapsed(st);
    int64_t left = st->requested - st->sent - st->failed;

    json_begin(&j, out);
    json_object(&j, 0);
    json_int(&j, "version", STATSJSON_VERSION);
    json_string(&j, "status", ri->status);
    json_bool(&j, "interrupted", ri->interrupted);
    json_string(&j, "error", ri->error);
    json_string(&j, "target", ri->target);
    json_uint(&j, "sessions", ri->sessions);
    /* 0: --rcpts draws them (workload.recipients_per_message). */
    if (ri->rcpts_per_message > 0)
        json_int(&j, "recipients_per_message", ri->rcpts_per_message);
    else
        json_null(&j, "recipients_per_message");
    json_string(&j, "protocol", ri->lmtp ? "LMTP" : "SMTP");
    json_bool(&j, "connection_reuse", ri->reuse);
    json_object(&j, "outcome");
    json_bool(&j, "fatal", ri->fatal);
    json_int(&j, "signal", ri->signal);
    json_uint(&j, "workers_died", ri->workers_died);
    json_end(&j);
    if (ri->id)
        json_run(&j, st, ri->id, ri->merged);
    if (ri->merged)
        json_merged(&j, ri->merged);

    json_object(&j, "messages");
    if (st->requested == MESSAGES_UNBOUNDED) {
        json_null(&j, "requested");
        left = st->given_up;
    } else {
        json_int(&j, "requested", st->requested);
    }
    json_int(&j, "sent", st->sent);
    json_int(&j, "failed", st->failed);
    json_int(&j, "not_done", left > 0 ? left : 0);
    json_int(&j, "unknown_outcome", st->unknown);
    json_end(&j);
    if (st->scheduled)
        openloop_json(&st->ol, st->per_interval ? &st->iv : 0, &j);
    json_object(&j, "recipients");
    json_uint(&j, "sent", st->rcpt_sent);
    json_uint(&j, "accepted", st->rcpt_ok);
    json_uint(&j, "rejected", st->rcpt_bad);
    json_uint(&j, "delivered", st->rcpt_delivered);
    json_uint(&j, "lost", st->rcpt_lost);
    json_end(&j);
    json_uint(&j, "connections", st->connections);
    if (ri->tls) {
        json_object(&j, "tls");
        /* A merge whose shards differ in them says so in "merged". */
        if (differs(ri, "tls"))
            json_null(&j, "mode");
        else
            json_string(&j, "mode", ri->tls == 1 ? "starttls" : "implicit");
        if (differs(ri, "tls_verify"))
            json_null(&j, "verify");
        else
            json_bool(&j, "verify", ri->tls_verify);
        json_uint(&j, "handshakes", st->tls_full + st->tls_resumed);
        json_uint(&j, "full", st->tls_full);
        json_uint(&j, "resumed", st->tls_resumed);
        json_array(&j, "suites");
        for (unsigned i = 0; i < st->suites; i++) {
            json_object(&j, 0);
            json_string(&j, "name", ri->suite_name[i]);
            json_uint(&j, "version_id", st->suite[i].version);
            json_uint(&j, "cipher_id", st->suite[i].cipher);
            json_uint(&j, "count", st->suite[i].count);
            json_end(&j);
        }
        json_end(&j);
        json_uint(&j, "other", st->suite_other);
        json_end(&j);
    }
    /* What was asked for is run.settings.auth (and, in a merge whose
     * shards differ, theirs); here is what it came to. */
    if (ri->auth_mech)
        authstats_json(&st->auth, &j);
    json_uint(&j, "bytes_sent", st->bytes);
    json_double(&j, "elapsed_s", secs, 6);
    json_object(&j, "rate");
    json_double(&j, "messages_per_s", secs > 0 ? (double)st->sent / secs : 0, 3);
    json_double(&j, "bytes_per_s", secs > 0 ? (double)st->bytes / secs : 0, 3);
    json_end(&j);
    json_object(&j, "replies");
    json_uint(&j, "2xx", st->replies[2]);
    json_uint(&j, "3xx", st->replies[3]);
    json_uint(&j, "4xx", st->replies[4]);
    json_uint(&j, "5xx", st->replies[5]);
    json_uint(&j, "other", st->replies[0]);
    json_end(&j);
    json_object(&j, "errors");
    json_uint(&j, "rejected", st->fails[FAIL_REPLY]);
    json_uint(&j, "lost_connection", st->fails[FAIL_LOST]);
    json_uint(&j, "timeout", st->fails[FAIL_TIMEOUT]);
    json_uint(&j, "connect", st->fails[FAIL_CONNECT]);
    json_uint(&j, "bad_reply", st->fails[FAIL_PROTOCOL]);
    json_uint(&j, "worker_died", st->fails[FAIL_WORKER]);
    json_uint(&j, "tls", st->fails[FAIL_TLS]);
    json_uint(&j, "auth", st->fails[FAIL_AUTH]);
    json_uint(&j, "extension", st->fails[FAIL_EXTENSION]);
    json_uint(&j, "too_large", st->fails[FAIL_SIZE]);
    json_uint(&j, "other", st->fails[FAIL_NONE]);
    json_end(&j);
    json_object(&j, "latency_ms");
    for (int p = 0; p < PH_COUNT; p++)
        json_phase(&j, &st->phase[p], stats_phase_name((enum phase)p));
    if (st->scheduled) {
        json_phase(&j, &st->ol.service, "service");
        json_phase(&j, &st->ol.corrected, "corrected");
        json_phase(&j, &st->ol.lag, "start_lag");
    }
    json_end(&j);
    if (st->has_intervals)
        intervals_json(&st->iv, &j);
    if (st->scheduled)
        timeline_json(&st->ol.tl, &j);
    /* The parent's peak memory: it must not grow with the message count. */
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        json_int(&j, "parent_max_rss_kb", (long long)ru.ru_maxrss);
    json_uint(&j, "record_bytes", sizeof(struct record));
    json_object(&j, "histogram");
    json_string(&j, "unit", "us");
    json_uint(&j, "sub_buckets", HIST_SUB);
    json_end(&j);
    for (const struct report_addendum *a = ri->addendum; a; a = a->next)
        if (a->json)
            a->json(a->ctx, &j);
    json_end(&j);
    fputc('\n', out);
    fflush(out);
}
