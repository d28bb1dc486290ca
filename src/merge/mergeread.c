/* mergeread: a shard's --json report back into a struct stats, strictly:
 * a report the merge cannot add up exactly is refused, naming the line
 * and the key, rather than merged into numbers that look right. */
#include "merge/mergeread.h"

#include "merge/authread.h"
#include "core/config.h"
#include "report/statsjson.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reader's state: the first fault wins, and every later read is a
 * no-op, so that the code below reads straight through. */
struct rd {
    const struct jr_doc *d;
    char *why;
    size_t len;
    int bad;
};

static void bad(struct rd *r, const struct jr_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(struct rd *r, const struct jr_node *at, const char *fmt, ...)
{
    if (r->bad)
        return;
    r->bad = 1;
    int n = snprintf(r->why, r->len, "line %lu: ", at ? jr_line(r->d, at) : 1UL);
    if (n < 0 || (size_t)n >= r->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why + n, r->len - (size_t)n, fmt, ap);
    va_end(ap);
}

static const char *const type_name[] = { "null", "true or false", "a number", "a string",
                                         "an array", "an object" };

/* obj's member key of the given type; NULL (no fault) for a null one if
 * nullable. where: the path to obj, for the messages ("run.identity."). */
static const struct jr_node *member(struct rd *r, const struct jr_node *obj, const char *where,
                                    const char *key, int type, int nullable)
{
    if (r->bad)
        return 0;
    const struct jr_node *n = jr_get(r->d, obj, key);
    if (n == 0) {
        bad(r, obj, "no \"%s%s\"", where, key);
        return 0;
    }
    if (nullable && n->type == JR_NULL)
        return 0;
    if (n->type != type) {
        bad(r, n, "\"%s%s\" is not %s", where, key, type_name[type]);
        return 0;
    }
    return n;
}

static uint64_t get_u(struct rd *r, const struct jr_node *obj, const char *where, const char *key)
{
    const struct jr_node *n = member(r, obj, where, key, JR_NUMBER, 0);
    uint64_t v = 0;
    if (n && jr_uint(r->d, n, &v) < 0)
        bad(r, n, "\"%s%s\" is not a whole number", where, key);
    return v;
}

/* A signed integer; a null one is `dflt` if nullable. */
static int64_t get_i(struct rd *r, const struct jr_node *obj, const char *where, const char *key,
                     int nullable, int64_t dflt)
{
    const struct jr_node *n = member(r, obj, where, key, JR_NUMBER, nullable);
    int64_t v = dflt;
    if (n && jr_int(r->d, n, &v) < 0)
        bad(r, n, "\"%s%s\" is not an integer", where, key);
    return v;
}

static int get_b(struct rd *r, const struct jr_node *obj, const char *where, const char *key)
{
    const struct jr_node *n = member(r, obj, where, key, JR_BOOL, 0);
    return n ? n->truth : 0;
}

static const char *get_s(struct rd *r, const struct jr_node *obj, const char *where,
                         const char *key, int nullable)
{
    return jr_str(r->d, member(r, obj, where, key, JR_STRING, nullable), 0);
}

/* A histogram's non-empty buckets, [low, high, count] in rising order on
 * this build's geometry, into h or s; their counts must make `count`. */
static void buckets(struct rd *r, const struct jr_node *o, const char *where, uint64_t count,
                    struct hist *h, struct shist *s)
{
    const struct jr_node *arr = member(r, o, where, "buckets", JR_ARRAY, 0);
    uint64_t total = 0;
    size_t last = 0;
    int first = 1;
    for (const struct jr_node *b = jr_first(r->d, arr); b && !r->bad; b = jr_next(r->d, b)) {
        const struct jr_node *x = jr_first(r->d, b), *y = jr_next(r->d, x), *z = jr_next(r->d, y);
        uint64_t lo, hi, c;
        if (b->type != JR_ARRAY || b->count != 3 || jr_uint(r->d, x, &lo) < 0
            || jr_uint(r->d, y, &hi) < 0 || jr_uint(r->d, z, &c) < 0 || c == 0) {
            bad(r, b, "\"%sbuckets\": a bucket is not [low_us, high_us, count > 0]", where);
            return;
        }
        size_t i = hist_index(lo);
        if (hist_bucket_low(i) != lo || hist_bucket_high(i) != hi) {
            bad(r, b, "\"%sbuckets\": [%llu, %llu] is not a bucket of this build's histograms",
                where, (unsigned long long)lo, (unsigned long long)hi);
            return;
        }
        if ((!first && i <= last) || total + c < total) {
            bad(r, b, "\"%sbuckets\": out of order", where);
            return;
        }
        first = 0;
        last = i;
        total += c;
        if (h)
            h->bucket[i] = c;
        else if (shist_put(s, i, c) < 0)
            bad(r, b, "out of memory");
    }
    if (total != count)
        bad(r, arr, "\"%sbuckets\" hold %llu values, \"count\" says %llu", where,
            (unsigned long long)total, (unsigned long long)count);
}

/* One histogram object: count, and with values sum_us, min_us, max_us. */
static void histogram(struct rd *r, const struct jr_node *parent, const char *path, const char *key,
                      struct hist *h, struct shist *s)
{
    char where[96];
    const struct jr_node *o = member(r, parent, path, key, JR_OBJECT, 0);
    snprintf(where, sizeof(where), "%s%s.", path, key);
    uint64_t count = get_u(r, o, where, "count"), sum = 0, min = 0, max = 0;
    if (count) {
        sum = get_u(r, o, where, "sum_us");
        min = get_u(r, o, where, "min_us");
        max = get_u(r, o, where, "max_us");
        if (min > max)
            bad(r, o, "\"%smin_us\" is above \"max_us\"", where);
    }
    if (h) {
        hist_init(h);
        h->count = count, h->sum = sum, h->min = min, h->max = max;
    } else {
        s->count = count, s->sum = sum, s->min = min, s->max = max;
    }
    buckets(r, o, where, count, h, s);
}

static void identity(struct rd *r, const struct jr_node *o, struct run_id *id)
{
    static const char w[] = "run.identity.";
    memset(id, 0, sizeof(*id));
    id->messages = get_i(r, o, w, "messages", 1, MESSAGES_UNBOUNDED);
    id->duration_ns = get_i(r, o, w, "duration_ns", 1, 0);
    const struct jr_node *rate = member(r, o, w, "rate_fraction", JR_ARRAY, 1);
    if (rate) {
        const struct jr_node *num = jr_first(r->d, rate), *den = jr_next(r->d, num);
        if (rate->count != 2 || jr_uint(r->d, num, &id->rate.num) < 0
            || jr_uint(r->d, den, &id->rate.den) < 0 || id->rate.num == 0 || id->rate.den == 0)
            bad(r, rate, "\"%srate_fraction\" is not [num, den] (messages per second)", w);
        id->rate_on = 1;
    }
    id->sessions = (int)get_i(r, o, w, "sessions", 0, 0);
    id->rcpts = (int)get_i(r, o, w, "recipients", 0, 0);
    id->length = (long)get_i(r, o, w, "length", 1, 0);
    id->body_bytes = get_u(r, o, w, "message_bytes");
    const char *fnv = get_s(r, o, w, "message_fnv1a64", 0);
    char *end = 0;
    if (fnv)
        id->body_fnv = strtoull(fnv, &end, 16);
    if (fnv && (strlen(fnv) != 16 || *end))
        bad(r, o, "\"%smessage_fnv1a64\" is not 16 hex digits", w);
    id->headers = get_b(r, o, w, "headers");
    id->reuse = get_b(r, o, w, "connection_reuse");
    const char *proto = get_s(r, o, w, "protocol", 0);
    id->lmtp = proto && strcmp(proto, "LMTP") == 0;
    id->interval_us = get_i(r, o, w, "interval_us", 1, 0);
    uint64_t shards = get_u(r, o, w, "shards");
    id->shard.count = (uint32_t)shards;
    int64_t at = get_i(r, o, w, "start_at_unix_us", 1, -1);
    id->start_at_on = at >= 0;
    id->start_at_us = at >= 0 ? at : 0;
    if (!r->bad && (id->sessions < 1 || id->rcpts < 1 || id->messages < 1 || id->duration_ns < 0
                    || id->interval_us < 0 || shards < 1 || shards > SHARD_MAX
                    || (id->messages == MESSAGES_UNBOUNDED && !id->duration_ns)))
        bad(r, o, "\"run.identity\" holds a value out of range");
}

/* "run": the identity, the shard, and the times on t0. */
static void run(struct rd *r, const struct jr_node *root, struct part *p)
{
    static const char w[] = "run.";
    const struct jr_node *o = member(r, root, "", "run", JR_OBJECT, 0);
    p->identity = member(r, o, w, "identity", JR_OBJECT, 0);
    identity(r, p->identity, &p->id);
    p->shard = (struct shard){ 0, 1 };
    const struct jr_node *sh = member(r, o, w, "shard", JR_OBJECT, 1);
    if (sh) {
        p->sharded = 1;
        p->shard.index = (uint32_t)get_u(r, sh, "run.shard.", "index");
        p->shard.count = (uint32_t)get_u(r, sh, "run.shard.", "count");
        if (!r->bad && (p->shard.count != p->id.shard.count || p->shard.index >= p->shard.count))
            bad(r, sh, "\"run.shard\" is not a shard of the identity's %u", p->id.shard.count);
    } else if (!r->bad && p->id.shard.count != 1) {
        bad(r, o, "\"run.shard\" is null in a run of %u shards", p->id.shard.count);
    }
    p->id.shard = p->shard;
    p->id.sharded = p->sharded;
    struct stats *st = p->st;
    st->t0_unix_us = get_i(r, o, w, "t0_unix_us", 0, 0);
    st->start_lag_us = get_i(r, o, w, "start_lag_us", 0, 0);
    p->elapsed_us = get_i(r, o, w, "elapsed_us", 0, 0);
    st->first_start_us = get_i(r, o, w, "first_start_us", 1, -1);
    st->last_end_us = get_i(r, o, w, "last_end_us", 1, -1);
    if (!r->bad && (p->elapsed_us < 0 || st->t0_unix_us < 0 || st->start_lag_us < 0))
        bad(r, o, "\"run\" holds a negative time");
}

static void schedule(struct rd *r, const struct jr_node *root, struct part *p)
{
    static const char w[] = "schedule.";
    struct openloop *ol = &p->st->ol;
    const struct jr_node *o = member(r, root, "", "schedule", JR_OBJECT, 0);
    int64_t due = get_i(r, o, w, "due", 0, 0);
    stats_schedule(p->st, &p->id.rate, due, p->sessions, p->id.duration_ns);
    ol->shard = p->shard;
    ol->started = get_i(r, o, w, "started", 0, 0);
    ol->last_start_us = get_i(r, o, w, "last_start_us", 0, 0);
    ol->offer_end_us = get_i(r, o, w, "offer_end_us", 0, 0);
    ol->late = get_u(r, o, w, "late");
    const struct jr_node *lat = member(r, root, "", "latency_ms", JR_OBJECT, 0);
    histogram(r, lat, "latency_ms.", "service", &ol->service, 0);
    histogram(r, lat, "latency_ms.", "corrected", &ol->corrected, 0);
    histogram(r, lat, "latency_ms.", "start_lag", &ol->lag, 0);
}

static void intervals(struct rd *r, const struct jr_node *root, struct part *p)
{
    const struct run_id *id = &p->id;
    stats_intervals(p->st, id->interval_us * 1000, id->rate_on ? &id->rate : 0, id->messages);
    if (get_i(r, root, "", "interval_us", 0, 0) != id->interval_us && !r->bad)
        bad(r, root, "\"interval_us\" is not the identity's");
    p->st->iv.dropped = get_u(r, root, "", "intervals_dropped");
    const struct jr_node *arr = member(r, root, "", "intervals", JR_ARRAY, 0);
    int64_t next = 0;
    for (const struct jr_node *o = jr_first(r->d, arr); o && !r->bad; o = jr_next(r->d, o)) {
        char w[64];
        snprintf(w, sizeof(w), "intervals[%lld].", (long long)next);
        if (o->type != JR_OBJECT) {
            bad(r, o, "\"%s\" is not an object", w);
            return;
        }
        int64_t i = get_i(r, o, w, "index", 0, 0);
        if (!r->bad && (i < next || i >= INTERVALS_MAX)) {
            bad(r, o, "\"%sindex\" is out of order", w);
            return;
        }
        struct interval it = { 0 };
        it.sent = get_i(r, o, w, "sent", 0, 0);
        it.failed = get_i(r, o, w, "failed", 0, 0);
        it.not_done = get_i(r, o, w, "not_done", 0, 0);
        histogram(r, o, w, "service_ms", 0, &it.service);
        if (id->rate_on)
            histogram(r, o, w, "corrected_ms", 0, &it.corrected);
        if (!r->bad && intervals_merge(&p->st->iv, (size_t)i, &it) < 0)
            bad(r, o, "out of memory");
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
    o = member(r, root, "", "tls", JR_OBJECT, 0);
    const char *mode = get_s(r, o, w, "mode", 0);
    p->tls = mode && strcmp(mode, "implicit") == 0 ? 2 : 1;
    p->tls_verify = get_b(r, o, w, "verify");
    p->st->tls_full = get_u(r, o, w, "full");
    p->st->tls_resumed = get_u(r, o, w, "resumed");
    p->st->suite_other = get_u(r, o, w, "other");
    const struct jr_node *arr = member(r, o, w, "suites", JR_ARRAY, 0);
    if (arr && arr->count > STATS_SUITES)
        bad(r, arr, "\"tls.suites\" has more than %d kinds", STATS_SUITES);
    unsigned n = 0;
    for (const struct jr_node *s = jr_first(r->d, arr); s && !r->bad; s = jr_next(r->d, s), n++) {
        p->suite_name[n] = get_s(r, s, "tls.suites[].", "name", 0);
        p->st->suite[n].version = (uint16_t)get_u(r, s, "tls.suites[].", "version_id");
        p->st->suite[n].cipher = (uint16_t)get_u(r, s, "tls.suites[].", "cipher_id");
        p->st->suite[n].count = get_u(r, s, "tls.suites[].", "count");
    }
    p->st->suites = n;
}

/* The counts that add up, from their objects. */
static void counts(struct rd *r, const struct jr_node *root, struct stats *st)
{
    static const char *const err_key[FAIL_COUNT] = {
        [FAIL_NONE] = "other", [FAIL_REPLY] = "rejected", [FAIL_LOST] = "lost_connection",
        [FAIL_TIMEOUT] = "timeout", [FAIL_CONNECT] = "connect", [FAIL_PROTOCOL] = "bad_reply",
        [FAIL_WORKER] = "worker_died", [FAIL_TLS] = "tls", [FAIL_AUTH] = "auth",
        [FAIL_EXTENSION] = "extension",
    };
    const struct jr_node *m = member(r, root, "", "messages", JR_OBJECT, 0);
    st->requested = get_i(r, m, "messages.", "requested", 1, MESSAGES_UNBOUNDED);
    st->sent = get_i(r, m, "messages.", "sent", 0, 0);
    st->failed = get_i(r, m, "messages.", "failed", 0, 0);
    st->given_up = get_i(r, m, "messages.", "not_done", 0, 0);
    if (!r->bad && (st->requested < 0 || st->sent < 0 || st->failed < 0 || st->given_up < 0))
        bad(r, m, "\"messages\" holds a negative count");
    const struct jr_node *rc = member(r, root, "", "recipients", JR_OBJECT, 0);
    st->rcpt_sent = get_u(r, rc, "recipients.", "sent");
    st->rcpt_ok = get_u(r, rc, "recipients.", "accepted");
    st->rcpt_bad = get_u(r, rc, "recipients.", "rejected");
    st->rcpt_delivered = get_u(r, rc, "recipients.", "delivered");
    st->rcpt_lost = get_u(r, rc, "recipients.", "lost");
    st->connections = get_u(r, root, "", "connections");
    st->bytes = get_u(r, root, "", "bytes_sent");
    const struct jr_node *re = member(r, root, "", "replies", JR_OBJECT, 0);
    static const char *const cls[6] = { "other", 0, "2xx", "3xx", "4xx", "5xx" };
    for (int i = 0; i < 6; i++)
        if (cls[i])
            st->replies[i] = get_u(r, re, "replies.", cls[i]);
    const struct jr_node *er = member(r, root, "", "errors", JR_OBJECT, 0);
    for (int i = 0; i < FAIL_COUNT; i++)
        st->fails[i] = get_u(r, er, "errors.", err_key[i]);
    const struct jr_node *lat = member(r, root, "", "latency_ms", JR_OBJECT, 0);
    for (int ph = 0; ph < PH_COUNT; ph++)
        histogram(r, lat, "latency_ms.", stats_phase_name((enum phase)ph), &st->phase[ph], 0);
}

int mergeread_version(void)
{
    return STATSJSON_VERSION;
}

int part_read(struct part *p, const char *text, size_t len, char *why, size_t whylen)
{
    memset(p, 0, sizeof(*p));
    struct rd r = { &p->doc, why, whylen, 0 };
    if (jr_parse(&p->doc, text, len) < 0) {
        snprintf(why, whylen, "%s", p->doc.error);
        return -1;
    }
    const struct jr_node *root = jr_root(&p->doc);
    int64_t version;
    if (root->type != JR_OBJECT || jr_get(&p->doc, root, "version") == 0
        || jr_get(&p->doc, root, "run") == 0) {
        bad(&r, root, "not a report of smtp-source --json (no \"version\" and \"run\")");
        return -1;
    }
    version = get_i(&r, root, "", "version", 0, 0);
    if (!r.bad && version != STATSJSON_VERSION)
        bad(&r, root, "format version %lld, not %d", (long long)version, STATSJSON_VERSION);
    if (jr_get(&p->doc, root, "merged"))
        bad(&r, jr_get(&p->doc, root, "merged"), "a merged report, not a shard's");
    const struct jr_node *hg = member(&r, root, "", "histogram", JR_OBJECT, 0);
    if (get_u(&r, hg, "histogram.", "sub_buckets") != HIST_SUB && !r.bad)
        bad(&r, hg, "\"histogram.sub_buckets\" is not %u: another histogram geometry", HIST_SUB);
    if (r.bad)
        return -1;
    p->st = malloc(sizeof(*p->st));
    if (p->st == 0) {
        bad(&r, root, "out of memory");
        return -1;
    }
    stats_init(p->st, 0);
    p->status = get_s(&r, root, "", "status", 0);
    p->error = get_s(&r, root, "", "error", 1);
    p->target = get_s(&r, root, "", "target", 0);
    p->sessions = (unsigned)get_u(&r, root, "", "sessions");
    const struct jr_node *oc = member(&r, root, "", "outcome", JR_OBJECT, 0);
    p->fatal = get_b(&r, oc, "outcome.", "fatal");
    p->signal = (int)get_i(&r, oc, "outcome.", "signal", 0, 0);
    p->workers_died = (unsigned)get_u(&r, oc, "outcome.", "workers_died");
    run(&r, root, p);
    counts(&r, root, p->st);
    if (!r.bad && authread(&p->doc, root, &p->st->auth, &p->auth_asked, why, whylen) < 0)
        r.bad = 1;
    tls(&r, root, p);
    if (!r.bad && p->id.rate_on)
        schedule(&r, root, p);
    if (!r.bad && p->id.interval_us)
        intervals(&r, root, p);
    if (!r.bad && (p->signal < 0 || p->signal > 64 || p->sessions < 1))
        bad(&r, oc, "\"outcome\" or \"sessions\" out of range");
    return r.bad ? -1 : 0;
}

void part_free(struct part *p)
{
    if (p->st) {
        if (p->st->has_intervals)
            intervals_free(&p->st->iv);
        free(p->st);
    }
    jr_free(&p->doc);
    memset(p, 0, sizeof(*p));
}
