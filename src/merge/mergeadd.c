/* mergeadd: one shard's numbers added into the run's, exactly. */
#include "merge/mergeadd.h"

#include "core/diag.h"

#include <stdio.h>
#include <string.h>

/* The reader refused negative counts: each sum is of two non-negatives. */
static int sum_u(uint64_t *into, uint64_t v)
{
    if (v > UINT64_MAX - *into)
        return -1;
    *into += v;
    return 0;
}

static int sum_i(int64_t *into, int64_t v)
{
    if (v > INT64_MAX - *into)
        return -1;
    *into += v;
    return 0;
}

#define SUM_U(into, v, name) do { if (sum_u(&(into), (v)) < 0) { *key = (name); return MERGEADD_OVERFLOW; } } while (0)
#define SUM_I(into, v, name) do { if (sum_i(&(into), (v)) < 0) { *key = (name); return MERGEADD_OVERFLOW; } } while (0)
#define HIST(into, from, name) do { if (hist_merge(&(into), &(from)) < 0) { *key = (name); return MERGEADD_OVERFLOW; } } while (0)

static int add_suites(struct merge_result *res, const struct part *p, const char **key)
{
    struct stats *st = res->st;
    SUM_U(st->suite_other, p->st->suite_other, "tls.other");
    for (unsigned i = 0; i < p->st->suites; i++) {
        unsigned j = 0;
        while (j < st->suites && (st->suite[j].version != p->st->suite[i].version
                                  || st->suite[j].cipher != p->st->suite[i].cipher))
            j++;
        if (j == STATS_SUITES) {
            SUM_U(st->suite_other, p->st->suite[i].count, "tls.other");
            continue;
        }
        if (j == st->suites) {
            st->suite[st->suites++] = p->st->suite[i];
            /* Printed as it is in the text report: shown as every text is. */
            const char *name = p->suite_name[i] ? p->suite_name[i] : "?";
            size_t n = strnlen(name, sizeof(res->suite[j]) - 1);
            diag_censor(res->suite[j], name, n);
            res->suite[j][n] = 0;
            res->ri.suite_name[j] = res->suite[j];
            continue;
        }
        SUM_U(st->suite[j].count, p->st->suite[i].count, "tls.suites[].count");
    }
    return 0;
}

static int64_t min_time(int64_t a, int64_t b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static int64_t max_time(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int add_schedule(struct openloop *ol, const struct openloop *o, int64_t off,
                        const char **key)
{
    /* Times are at most 2^53 us (the reader's bound): off + t fits. */
    if (o->started)
        ol->last_start_us = max_time(ol->last_start_us, o->last_start_us + off);
    ol->offer_end_us = max_time(ol->offer_end_us, o->offer_end_us + off);
    SUM_I(ol->started, o->started, "schedule.started");
    SUM_I(ol->sent, o->sent, "messages.sent");
    SUM_U(ol->late, o->late, "schedule.late");
    ol->stopped |= o->stopped;
    HIST(ol->lag, o->lag, "latency_ms.start_lag");
    HIST(ol->service, o->service, "latency_ms.service");
    HIST(ol->corrected, o->corrected, "latency_ms.corrected");
    /* Bin by bin (a bin's count beyond 32 bits, or a run beyond the bins'
     * reach, cannot be added: told as memory is). */
    return timeline_merge(&ol->tl, &o->tl, off) < 0 ? MERGEADD_NOMEM : 0;
}

static int add_intervals(struct intervals *iv, const struct intervals *from, int64_t off,
                         const char **key)
{
    /* Shards that share t0 share their intervals; one that started late
     * is placed by whole intervals. */
    size_t shift = (size_t)(off / iv->len_us);
    SUM_U(iv->dropped, from->dropped, "intervals_dropped");
    for (size_t i = 0; i < from->n; i++) {
        int e = intervals_merge(iv, i + shift, &from->v[i]);
        if (e == INTERVALS_OVERFLOW) {
            *key = "intervals";
            return MERGEADD_OVERFLOW;
        }
        if (e < 0)
            return MERGEADD_NOMEM;
    }
    return 0;
}

static int add_mix(struct mix *m, const struct mix *from, const char **key)
{
    static const char *const dot_key = "workload.dot_by_size";
    HIST(m->size, from->size, "workload.sizes");
    SUM_U(m->size_total, from->size_total, "workload.sizes.total_bytes");
    HIST(m->rcpts, from->rcpts, "workload.recipients_per_message");
    for (int c = 0; c < MIX_CLASSES; c++)
        HIST(m->dot[c], from->dot[c], dot_key);
    return 0;
}

int mergeadd(struct merge_result *res, const struct part *p, int64_t off, const char **key)
{
    static const char *const reply_key[6] = { "replies.other", 0, "replies.2xx", "replies.3xx",
                                              "replies.4xx", "replies.5xx" };
    static const char *const phase_key[PH_COUNT] = {
        "latency_ms.connect", "latency_ms.banner", "latency_ms.helo", "latency_ms.tls",
        "latency_ms.auth", "latency_ms.mail", "latency_ms.rcpt", "latency_ms.data",
        "latency_ms.dot", "latency_ms.bdat", "latency_ms.rset", "latency_ms.quit",
        "latency_ms.message",
    };
    struct stats *st = res->st;
    const struct stats *s = p->st;
    SUM_I(st->sent, s->sent, "messages.sent");
    SUM_I(st->failed, s->failed, "messages.failed");
    SUM_I(st->given_up, s->given_up, "messages.not_done");
    SUM_I(st->unknown, s->unknown, "messages.unknown_outcome");
    SUM_U(st->connections, s->connections, "connections");
    SUM_U(st->rcpt_sent, s->rcpt_sent, "recipients.sent");
    SUM_U(st->rcpt_ok, s->rcpt_ok, "recipients.accepted");
    SUM_U(st->rcpt_bad, s->rcpt_bad, "recipients.rejected");
    SUM_U(st->rcpt_delivered, s->rcpt_delivered, "recipients.delivered");
    SUM_U(st->rcpt_lost, s->rcpt_lost, "recipients.lost");
    SUM_U(st->bytes, s->bytes, "bytes_sent");
    for (int i = 0; i < 6; i++)
        if (reply_key[i])
            SUM_U(st->replies[i], s->replies[i], reply_key[i]);
    for (int i = 0; i < FAIL_COUNT; i++)
        SUM_U(st->fails[i], s->fails[i], "errors");
    for (int ph = 0; ph < PH_COUNT; ph++)
        HIST(st->phase[ph], s->phase[ph], phase_key[ph]);
    SUM_U(st->tls_full, s->tls_full, "tls.full");
    SUM_U(st->tls_resumed, s->tls_resumed, "tls.resumed");
    if (authstats_merge(&st->auth, &s->auth) < 0) {
        *key = "auth";
        return MERGEADD_OVERFLOW;
    }
    int e = add_suites(res, p, key);
    if (e == 0 && st->scheduled)
        e = add_schedule(&st->ol, &s->ol, off, key);
    if (e == 0 && st->has_intervals)
        e = add_intervals(&st->iv, &s->iv, off, key);
    /* The survey refused a shard without the first's workload part. */
    if (e == 0 && res->mix && p->mix)
        e = add_mix(res->mix, p->mix, key);
    if (e < 0)
        return e;
    if (s->first_start_us >= 0)
        st->first_start_us = min_time(st->first_start_us, s->first_start_us + off);
    if (s->last_end_us >= 0)
        st->last_end_us = max_time(st->last_end_us, s->last_end_us + off);
    st->end_us = (uint64_t)max_time((int64_t)st->end_us, (int64_t)st->start_us + off + p->elapsed_us);
    st->start_lag_us = max_time(st->start_lag_us, s->start_lag_us);
    /* How it ended: any shard's failure is the run's. */
    res->ri.fatal |= p->fatal;
    if (res->ri.signal == 0)
        res->ri.signal = p->signal;
    res->ri.workers_died += p->workers_died;
    if (p->error && res->error[0] == 0)
        snprintf(res->error, sizeof(res->error), "%s", p->error);
    return 0;
}
