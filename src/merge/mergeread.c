/* mergeread: a shard's --json report back into a struct stats, strictly:
 * a report the merge cannot add up exactly is refused, naming the line
 * and the key, rather than merged into numbers that look right. */
#include "merge/mergeread.h"

#include "core/config.h"
#include "merge/authread.h"
#include "merge/fields.h"
#include "merge/mixread.h"
#include "report/statsjson.h"
#include "run/schedule.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void identity(struct rd *r, const struct jr_node *o, struct run_id *id)
{
    static const char w[] = "run.identity.";
    memset(id, 0, sizeof(*id));
    id->messages = rd_i(r, o, w, "messages", 1, MESSAGES_UNBOUNDED);
    id->duration_ns = rd_i(r, o, w, "duration_ns", 1, 0);
    const struct jr_node *rate = rd_member(r, o, w, "rate_fraction", JR_ARRAY, 1);
    if (rate) {
        const struct jr_node *num = jr_first(r->d, rate), *den = jr_next(r->d, num);
        if (rate->count != 2 || jr_uint(r->d, num, &id->rate.num) < 0
            || jr_uint(r->d, den, &id->rate.den) < 0 || id->rate.num == 0 || id->rate.den == 0)
            rd_bad(r, rate, "\"%srate_fraction\" is not [num, den] (messages per second)", w);
        id->rate_on = 1;
    }
    /* What units_rate makes: at most six decimals per hour, at most
     * RATE_MAX_PER_S; the schedule's arithmetic relies on it. */
    if (!r->bad && id->rate_on && (id->rate.den > 3600 * (uint64_t)1000000
                                   || id->rate.num / id->rate.den >= RATE_MAX_PER_S + 1))
        rd_bad(r, rate, "\"%srate_fraction\" is not a rate of --rate", w);
    int64_t sessions = rd_i(r, o, w, "sessions", 0, 0), rcpts = rd_i(r, o, w, "recipients", 0, 0);
    id->sessions = sessions >= 1 && sessions <= INT_MAX ? (int)sessions : 0;
    id->rcpts = rcpts >= 1 && rcpts <= INT_MAX ? (int)rcpts : 0;
    id->length = (long)rd_i(r, o, w, "length", 1, 0);
    id->body_bytes = rd_u(r, o, w, "message_bytes");
    const char *fnv = rd_s(r, o, w, "message_fnv1a64", 0);
    char *end = 0;
    if (fnv)
        id->body_fnv = strtoull(fnv, &end, 16);
    if (fnv && (strlen(fnv) != 16 || *end))
        rd_bad(r, o, "\"%smessage_fnv1a64\" is not 16 hex digits", w);
    id->headers = rd_b(r, o, w, "headers");
    id->reuse = rd_b(r, o, w, "connection_reuse");
    const char *proto = rd_s(r, o, w, "protocol", 0);
    id->lmtp = proto && strcmp(proto, "LMTP") == 0;
    id->interval_us = rd_i(r, o, w, "interval_us", 1, 0);
    uint64_t shards = rd_u(r, o, w, "shards");
    id->shard.count = (uint32_t)shards;
    int64_t at = rd_time(r, o, w, "start_at_unix_us", 1);
    id->start_at_on = at >= 0;
    id->start_at_us = at >= 0 ? at : 0;
    if (!r->bad && (id->sessions < 1 || id->rcpts < 1 || id->messages < 1 || id->duration_ns < 0
                    || id->duration_ns > DURATION_MAX_NS || id->interval_us < 0
                    || id->interval_us > DURATION_MAX_NS / 1000 || shards < 1 || shards > SHARD_MAX
                    || (id->messages == MESSAGES_UNBOUNDED && !id->duration_ns)))
        rd_bad(r, o, "\"run.identity\" holds a value out of range");
}

/* Printable ASCII, shorter than max: safe to show as it is. */
static int plain_text(const char *s, size_t len, size_t max)
{
    if (len >= max)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return 1;
}

/* "run.settings": scalars, kept for the merge to compare shard by shard. */
static void settings(struct rd *r, const struct jr_node *o, struct part *p)
{
    for (const struct jr_node *n = jr_first(r->d, o); n && !r->bad; n = jr_next(r->d, n)) {
        const char *key = jr_key(r->d, n);
        if (!plain_text(key, strlen(key), SETTING_KEY)) {
            rd_bad(r, n, "a key of \"run.settings\" is not printable ASCII of at most %d bytes",
                SETTING_KEY - 1);
            return;
        }
        if (p->settings_n == SETTINGS_MAX) {
            rd_bad(r, n, "\"run.settings\" holds more than %d keys", SETTINGS_MAX);
            return;
        }
        struct setting_value *v = &p->setting[p->settings_n];
        memset(v, 0, sizeof(*v));
        size_t len = 0;
        const char *text = jr_str(r->d, n, &len);
        if (n->type == JR_NULL) {
            v->kind = SETTING_NULL;
        } else if (n->type == JR_BOOL) {
            v->kind = SETTING_BOOL;
            v->num = n->truth;
        } else if (n->type == JR_NUMBER && jr_int(r->d, n, &v->num) == 0) {
            v->kind = SETTING_INT;
        } else if (text && plain_text(text, len, SETTING_TEXT)) {
            v->kind = SETTING_STRING;
            memcpy(v->text, text, len + 1);
        } else {
            rd_bad(r, n, "\"run.settings.%s\" is not null, true, false, an integer or a short "
                "printable string", key);
            return;
        }
        p->setting_key[p->settings_n++] = key;
    }
}

/* "run": the identity, the shard, the times on t0, the settings. */
static void run(struct rd *r, const struct jr_node *root, struct part *p)
{
    static const char w[] = "run.";
    const struct jr_node *o = rd_member(r, root, "", "run", JR_OBJECT, 0);
    p->identity = rd_member(r, o, w, "identity", JR_OBJECT, 0);
    identity(r, p->identity, &p->id);
    p->shard = (struct shard){ 0, 1 };
    const struct jr_node *sh = rd_member(r, o, w, "shard", JR_OBJECT, 1);
    if (sh) {
        p->sharded = 1;
        p->shard.index = (uint32_t)rd_u(r, sh, "run.shard.", "index");
        p->shard.count = (uint32_t)rd_u(r, sh, "run.shard.", "count");
        if (!r->bad && (p->shard.count != p->id.shard.count || p->shard.index >= p->shard.count))
            rd_bad(r, sh, "\"run.shard\" is not a shard of the identity's %u", p->id.shard.count);
    } else if (!r->bad && p->id.shard.count != 1) {
        rd_bad(r, o, "\"run.shard\" is null in a run of %u shards", p->id.shard.count);
    }
    p->id.shard = p->shard;
    p->id.sharded = p->sharded;
    struct stats *st = p->st;
    st->t0_unix_us = rd_time(r, o, w, "t0_unix_us", 0);
    st->start_lag_us = rd_time(r, o, w, "start_lag_us", 0);
    p->elapsed_us = rd_time(r, o, w, "elapsed_us", 0);
    st->first_start_us = rd_time(r, o, w, "first_start_us", 1);
    st->last_end_us = rd_time(r, o, w, "last_end_us", 1);
    settings(r, rd_member(r, o, w, "settings", JR_OBJECT, 0), p);
}

/* "timeline": the bins in which messages ended; the slots due in each
 * follow from the schedule. They must hold every message that started. */
static void timeline(struct rd *r, const struct jr_node *root, struct part *p)
{
    static const char w[] = "timeline.";
    struct openloop *ol = &p->st->ol;
    const struct jr_node *o = rd_member(r, root, "", "timeline", JR_OBJECT, 0);
    int64_t bin_us = rd_i(r, o, w, "bin_us", 0, 0);
    const struct jr_node *arr = rd_member(r, o, w, "bins", JR_ARRAY, 0);
    uint64_t ended = 0, sent = 0;
    for (const struct jr_node *b = jr_first(r->d, arr); b && !r->bad; b = jr_next(r->d, b)) {
        const struct jr_node *x = jr_first(r->d, b), *y = jr_next(r->d, x), *z = jr_next(r->d, y);
        uint64_t i, e, s;
        if (b->type != JR_ARRAY || b->count != 3 || jr_uint(r->d, x, &i) < 0
            || jr_uint(r->d, y, &e) < 0 || jr_uint(r->d, z, &s) < 0 || e > UINT32_MAX
            || timeline_put(&ol->tl, bin_us, (size_t)(i < SIZE_MAX ? i : SIZE_MAX), (uint32_t)e,
                            (uint32_t)s) < 0) {
            rd_bad(r, b, "\"timeline.bins\": a bin is not [index, ended, sent <= ended], rising, "
                "on bins of 10^k ms");
            return;
        }
        ended += e;
        sent += s;
    }
    if (!r->bad && (ended != (uint64_t)ol->started || sent != (uint64_t)p->st->sent))
        rd_bad(r, arr, "\"timeline.bins\" hold %llu ended and %llu sent, \"schedule.started\" and "
            "\"messages.sent\" say %lld and %lld", (unsigned long long)ended,
            (unsigned long long)sent, (long long)ol->started, (long long)p->st->sent);
    if (!r->bad && (timeline_finish(&ol->tl, p->elapsed_us) < 0
                    || timeline_due(&ol->tl, &ol->rate, 0, &ol->shard, ol->run_slots,
                                    ol->offer_end_us, 0) < 0))
        rd_bad(r, o, "\"timeline\": out of memory, or beyond the bins' reach");
}

static void schedule(struct rd *r, const struct jr_node *root, struct part *p)
{
    static const char w[] = "schedule.";
    struct openloop *ol = &p->st->ol;
    const struct jr_node *o = rd_member(r, root, "", "schedule", JR_OBJECT, 0);
    int64_t due = rd_count(r, o, w, "due");
    stats_schedule(p->st, &p->id.rate, due, p->sessions, p->id.duration_ns);
    openloop_shard(ol, &p->shard, p->id.messages);
    ol->due = due;
    ol->started = rd_count(r, o, w, "started");
    ol->sent = p->st->sent;
    ol->last_start_us = rd_time(r, o, w, "last_start_us", 0);
    ol->offer_end_us = rd_time(r, o, w, "offer_end_us", 0);
    ol->stopped = rd_b(r, o, w, "offer_stopped");
    ol->late = rd_u(r, o, w, "late");
    const struct stats *st = p->st;
    if (r->bad)
        return;
    /* The offer's end is what the due slots are counted to. */
    int64_t k = schedule_slots_within(&ol->rate, ol->offer_end_us * 1000);
    if (st->requested != MESSAGES_UNBOUNDED && due > st->requested)
        rd_bad(r, o, "\"schedule.due\" is above \"messages.requested\"");
    else if (ol->started > due)
        rd_bad(r, o, "\"schedule.started\" is above \"schedule.due\"");
    else if (ol->started > st->sent + st->failed)
        rd_bad(r, o, "\"schedule.started\" is above \"messages.sent\" and \"failed\"");
    else if (ol->late > (uint64_t)ol->started)
        rd_bad(r, o, "\"schedule.late\" is above \"schedule.started\"");
    else if (due != shard_owned(&ol->shard, k < ol->run_slots ? k : ol->run_slots))
        rd_bad(r, o, "\"schedule.due\" is not the slots due before \"offer_end_us\"");
    const struct jr_node *lat = rd_member(r, root, "", "latency_ms", JR_OBJECT, 0);
    rd_histogram(r, lat, "latency_ms.", "service", &ol->service, 0);
    rd_histogram(r, lat, "latency_ms.", "corrected", &ol->corrected, 0);
    rd_histogram(r, lat, "latency_ms.", "start_lag", &ol->lag, 0);
    timeline(r, root, p);
}

static void intervals(struct rd *r, const struct jr_node *root, struct part *p)
{
    const struct run_id *id = &p->id;
    stats_intervals(p->st, id->interval_us * 1000, id->rate_on ? &id->rate : 0, id->messages);
    if (rd_i(r, root, "", "interval_us", 0, 0) != id->interval_us && !r->bad)
        rd_bad(r, root, "\"interval_us\" is not the identity's");
    p->st->iv.dropped = rd_u(r, root, "", "intervals_dropped");
    const struct jr_node *arr = rd_member(r, root, "", "intervals", JR_ARRAY, 0);
    int64_t next = 0, sent = 0, failed = 0;
    for (const struct jr_node *o = jr_first(r->d, arr); o && !r->bad; o = jr_next(r->d, o)) {
        char w[64];
        snprintf(w, sizeof(w), "intervals[%lld].", (long long)next);
        if (o->type != JR_OBJECT) {
            rd_bad(r, o, "\"%s\" is not an object", w);
            return;
        }
        int64_t i = rd_i(r, o, w, "index", 0, 0);
        if (!r->bad && (i < next || i >= INTERVALS_MAX)) {
            rd_bad(r, o, "\"%sindex\" is out of order", w);
            return;
        }
        struct interval it = { 0 };
        snprintf(w, sizeof(w), "intervals[%lld].", (long long)i);
        it.sent = rd_count(r, o, w, "sent");
        it.failed = rd_count(r, o, w, "failed");
        it.not_done = rd_count(r, o, w, "not_done");
        /* Each message is in one interval, or dropped: never more than the run's. */
        if (!r->bad && (it.sent > p->st->sent - sent || it.failed > p->st->failed - failed)) {
            const char *k = it.sent > p->st->sent - sent ? "sent" : "failed";
            rd_bad(r, o, "\"intervals[].%s\" add up to more than \"messages.%s\"", k, k);
        }
        sent += r->bad ? 0 : it.sent;
        failed += r->bad ? 0 : it.failed;
        if (id->rate_on) {
            it.due = rd_count(r, o, w, "due");
            it.started = rd_count(r, o, w, "started");
            if (!r->bad && it.not_done != it.due - it.started)
                rd_bad(r, o, "\"%snot_done\" is not \"due\" less \"started\"", w);
        }
        rd_histogram(r, o, w, "service_ms", 0, &it.service);
        if (id->rate_on)
            rd_histogram(r, o, w, "corrected_ms", 0, &it.corrected);
        if (!r->bad && intervals_merge(&p->st->iv, (size_t)i, &it) < 0)
            rd_bad(r, o, "out of memory");
        shist_free(&it.service);
        shist_free(&it.corrected);
        next = i + 1;
    }
}

static void tls(struct rd *r, const struct jr_node *root, struct part *p)
{
    static const char w[] = "tls.";
    const struct jr_node *o = jr_get(r->d, root, "tls");
    if (o == 0 || r->bad)
        return;
    o = rd_member(r, root, "", "tls", JR_OBJECT, 0);
    const char *mode = rd_s(r, o, w, "mode", 0);
    p->tls = mode && strcmp(mode, "implicit") == 0 ? 2 : 1;
    p->tls_verify = rd_b(r, o, w, "verify");
    p->st->tls_full = rd_u(r, o, w, "full");
    p->st->tls_resumed = rd_u(r, o, w, "resumed");
    p->st->suite_other = rd_u(r, o, w, "other");
    const struct jr_node *arr = rd_member(r, o, w, "suites", JR_ARRAY, 0);
    if (arr && arr->count > STATS_SUITES)
        rd_bad(r, arr, "\"tls.suites\" has more than %d kinds", STATS_SUITES);
    unsigned n = 0;
    for (const struct jr_node *s = jr_first(r->d, arr); s && !r->bad; s = jr_next(r->d, s), n++) {
        p->suite_name[n] = rd_s(r, s, "tls.suites[].", "name", 0);
        p->st->suite[n].version = (uint16_t)rd_u(r, s, "tls.suites[].", "version_id");
        p->st->suite[n].cipher = (uint16_t)rd_u(r, s, "tls.suites[].", "cipher_id");
        p->st->suite[n].count = rd_u(r, s, "tls.suites[].", "count");
    }
    p->st->suites = n;
    /* Every handshake is of one kind: listed, or among the others. */
    uint64_t kinds = p->st->suite_other, all = p->st->tls_full + p->st->tls_resumed;
    for (unsigned i = 0; i < n && !r->bad; i++)
        kinds = p->st->suite[i].count > UINT64_MAX - kinds ? UINT64_MAX : kinds + p->st->suite[i].count;
    if (!r->bad && (all < p->st->tls_full || kinds != all))
        rd_bad(r, o, "\"tls.suites\" and \"tls.other\" do not add up to \"tls.full\" and \"resumed\"");
}

/* The counts that add up, from their objects. */
static void counts(struct rd *r, const struct jr_node *root, struct stats *st)
{
    static const char *const err_key[FAIL_COUNT] = {
        [FAIL_NONE] = "other", [FAIL_REPLY] = "rejected", [FAIL_LOST] = "lost_connection",
        [FAIL_TIMEOUT] = "timeout", [FAIL_CONNECT] = "connect", [FAIL_PROTOCOL] = "bad_reply",
        [FAIL_WORKER] = "worker_died", [FAIL_TLS] = "tls", [FAIL_AUTH] = "auth",
        [FAIL_EXTENSION] = "extension", [FAIL_SIZE] = "too_large",
    };
    const struct jr_node *m = rd_member(r, root, "", "messages", JR_OBJECT, 0);
    st->requested = rd_i(r, m, "messages.", "requested", 1, MESSAGES_UNBOUNDED);
    if (!r->bad && st->requested < 0)
        rd_bad(r, m, "\"messages.requested\" is negative");
    st->sent = rd_count(r, m, "messages.", "sent");
    st->failed = rd_count(r, m, "messages.", "failed");
    st->given_up = rd_count(r, m, "messages.", "not_done");
    /* Absent from the reports of builds that did not tell it: none. */
    if (!r->bad && jr_get(r->d, m, "unknown_outcome"))
        st->unknown = rd_count(r, m, "messages.", "unknown_outcome");
    if (!r->bad && st->unknown > st->failed)
        rd_bad(r, m, "\"messages.unknown_outcome\" is more than \"failed\"");
    /* Each of the shard's slots is sent, failed or not done, once. */
    if (!r->bad && st->requested != MESSAGES_UNBOUNDED
        && (st->sent > st->requested || st->failed > st->requested - st->sent
            || st->given_up > st->requested - st->sent - st->failed))
        rd_bad(r, m, "\"messages.sent\", \"failed\" and \"not_done\" add up to more than "
            "\"requested\"");
    const struct jr_node *rc = rd_member(r, root, "", "recipients", JR_OBJECT, 0);
    st->rcpt_sent = rd_u(r, rc, "recipients.", "sent");
    st->rcpt_ok = rd_u(r, rc, "recipients.", "accepted");
    st->rcpt_bad = rd_u(r, rc, "recipients.", "rejected");
    st->rcpt_delivered = rd_u(r, rc, "recipients.", "delivered");
    st->rcpt_lost = rd_u(r, rc, "recipients.", "lost");
    st->connections = rd_u(r, root, "", "connections");
    st->bytes = rd_u(r, root, "", "bytes_sent");
    const struct jr_node *re = rd_member(r, root, "", "replies", JR_OBJECT, 0);
    static const char *const cls[6] = { "other", 0, "2xx", "3xx", "4xx", "5xx" };
    for (int i = 0; i < 6; i++)
        if (cls[i])
            st->replies[i] = rd_u(r, re, "replies.", cls[i]);
    const struct jr_node *er = rd_member(r, root, "", "errors", JR_OBJECT, 0);
    for (int i = 0; i < FAIL_COUNT; i++)
        st->fails[i] = rd_u(r, er, "errors.", err_key[i]);
    const struct jr_node *lat = rd_member(r, root, "", "latency_ms", JR_OBJECT, 0);
    for (int ph = 0; ph < PH_COUNT; ph++)
        rd_histogram(r, lat, "latency_ms.", stats_phase_name((enum phase)ph), &st->phase[ph], 0);
}

int mergeread_version(void)
{
    return STATSJSON_VERSION;
}

int part_read(struct part *p, const char *text, size_t len, char *why, size_t whylen)
{
    memset(p, 0, sizeof(*p));
    struct rd r = { &p->doc, why, whylen, 0 };
    /* --records writes a line per message, each beginning so. */
    static const char records[] = "{\"slot\":";
    if (len >= sizeof(records) - 1 && memcmp(text, records, sizeof(records) - 1) == 0) {
        snprintf(why, whylen, "a --records file (a line per message), not a report: "
                              "merge the shards' --json=FILE reports");
        return -1;
    }
    if (jr_parse(&p->doc, text, len) < 0) {
        snprintf(why, whylen, "%s", p->doc.error);
        return -1;
    }
    const struct jr_node *root = jr_root(&p->doc);
    int64_t version;
    if (root->type == JR_OBJECT && jr_get(&p->doc, root, "search")
        && jr_get(&p->doc, root, "run") == 0) {
        rd_bad(&r, jr_get(&p->doc, root, "search"), "a capacity search (--find-rate), not a run: "
               "its steps are runs of their own, with nothing to merge");
        return -1;
    }
    if (root->type != JR_OBJECT || jr_get(&p->doc, root, "version") == 0
        || jr_get(&p->doc, root, "run") == 0) {
        rd_bad(&r, root, "not a report of smtp-source --json (no \"version\" and \"run\")");
        return -1;
    }
    version = rd_i(&r, root, "", "version", 0, 0);
    if (!r.bad && version != STATSJSON_VERSION)
        rd_bad(&r, root, "format version %lld, not %d", (long long)version, STATSJSON_VERSION);
    if (jr_get(&p->doc, root, "merged"))
        rd_bad(&r, jr_get(&p->doc, root, "merged"), "a merged report, not a shard's");
    /* A stage's row keeps its percentiles, not its histograms: the rows of
     * several shards cannot be added up exactly, and the merge would drop
     * them without a word. */
    if (!r.bad && jr_get(&p->doc, root, "stages"))
        rd_bad(&r, jr_get(&p->doc, root, "stages"), "a --stages run: its rows per stage keep "
               "percentiles, not histograms, and cannot be merged exactly");
    const struct jr_node *hg = rd_member(&r, root, "", "histogram", JR_OBJECT, 0);
    if (rd_u(&r, hg, "histogram.", "sub_buckets") != HIST_SUB && !r.bad)
        rd_bad(&r, hg, "\"histogram.sub_buckets\" is not %u: another histogram geometry", HIST_SUB);
    if (r.bad)
        return -1;
    p->st = malloc(sizeof(*p->st));
    if (p->st == 0) {
        rd_bad(&r, root, "out of memory");
        return -1;
    }
    stats_init(p->st, 0);
    p->status = rd_s(&r, root, "", "status", 0);
    p->error = rd_s(&r, root, "", "error", 1);
    p->target = rd_s(&r, root, "", "target", 0);
    uint64_t sessions = rd_u(&r, root, "", "sessions");
    const struct jr_node *oc = rd_member(&r, root, "", "outcome", JR_OBJECT, 0);
    p->fatal = rd_b(&r, oc, "outcome.", "fatal");
    int64_t signal = rd_i(&r, oc, "outcome.", "signal", 0, 0);
    uint64_t died = rd_u(&r, oc, "outcome.", "workers_died");
    p->sessions = sessions <= UINT_MAX ? (unsigned)sessions : 0;
    run(&r, root, p);
    counts(&r, root, p->st);
    if (!r.bad && p->st->requested != shard_owned(&p->shard, p->id.messages))
        rd_bad(&r, jr_get(&p->doc, root, "messages"), "\"messages.requested\" is not shard %u/%u's "
            "part of the run's slots", p->shard.index, p->shard.count);
    authread(&r, root, &p->st->auth);
    p->mix = mixread(&r, root, p->st->sent + p->st->failed);
    tls(&r, root, p);
    if (!r.bad && p->id.rate_on)
        schedule(&r, root, p);
    if (!r.bad && p->id.interval_us)
        intervals(&r, root, p);
    /* A run has at most -s workers (fewer if it has fewer slots). */
    if (!r.bad && (sessions < 1 || sessions > (uint64_t)p->id.sessions))
        rd_bad(&r, root, "\"sessions\" is not 1 to \"run.identity.sessions\"");
    if (!r.bad && (signal < 0 || signal > 64 || died > sessions))
        rd_bad(&r, oc, "\"outcome\" holds a value out of range");
    p->signal = (int)signal;
    p->workers_died = (unsigned)died;
    return r.bad ? -1 : 0;
}

void part_free(struct part *p)
{
    if (p->st) {
        stats_free(p->st);
        free(p->st);
    }
    free(p->mix);
    jr_free(&p->doc);
    memset(p, 0, sizeof(*p));
}
