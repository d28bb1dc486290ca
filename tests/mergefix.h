/* mergefix: the --merge tests' fixtures (test_merge.c, test_mergerefuse.c):
 * reports of planted content written by the report's own writer
 * (statsjson.c), and edits of their text. Static: each test includes it. */
#ifndef MERGEFIX_H
#define MERGEFIX_H

#include "check.h"
#include "merge/merge.h"
#include "report/mix.h"
#include "report/results.h"
#include "report/statsjson.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOTAL 900         /* the run's slots */
#define T0 1796119200000000LL   /* 2026-12-01T10:00:00Z, us */

/* Slot k's latency: spread over many buckets, from 1 us to ~2 s. */
static inline uint64_t latency(int64_t k)
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

/* A workload part (test_mergemix.c): the seed and --size as written (or
 * NULL: --rcpts alone); each message's recipients 1 to 4. */
struct plan_workload {
    uint64_t seed;
    const char *size_spec;
};

/* Slot k's size (when the plan has a workload): from a few hundred bytes
 * to 3 MB, so that the dot phase's classes are several. */
static inline uint64_t fix_size(int64_t k)
{
    uint64_t x = latency(k * 31 + 7);
    return 200 + x % (k % 5 == 0 ? 3000000 : 30000);
}


/* The report of the run (or shard) `pl`: its slots k = j*N + I, each
 * sent on time at 100/s and taking latency(k). text: malloc'd. With
 * text_out NULL, the text report instead. */
static inline char *report_wl(const struct plan *pl, const struct plan_workload *wl, int json,
                              struct stats **keep)
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
    struct mix *mx = 0;
    if (wl) {
        mx = malloc(sizeof(*mx));
        mix_init(mx, wl->seed, wl->size_spec);
    }
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
        if (mx) {
            r.msg_size = wl->size_spec ? fix_size(k) : 0;
            r.rcpt_sent = r.rcpt_ok = r.rcpt_delivered = (uint32_t)(1 + k % 4);
            r.phase_mask |= 1u << PH_DOT;
            r.phase_us[PH_DOT] = 50 + r.msg_size / 40 + latency(k + 2) % 1000;
            mix_add(mx, &r);
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
    if (mx)
        run_info_add(&ri, &mx->part);
    results_ending(&ri);
    char *text = 0;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (json)
        stats_json(st, f, &ri);
    else
        stats_print(st, f, &ri);
    fclose(f);
    free(mx);
    if (keep) {
        *keep = st;
    } else {
        stats_free(st);
        free(st);
    }
    return text;
}

static inline char *report(const struct plan *pl, int json, struct stats **keep)
{
    return report_wl(pl, 0, json, keep);
}

static inline char *shard_report(uint32_t i, uint32_t n)
{
    struct plan pl = { { i, n }, 1, 2, 0, 0, T0, 0, 0, "PLAIN or LOGIN, as offered" };
    return report(&pl, 1, 0);
}

static inline int merge_texts(char **texts, const char **names, size_t n, struct merge_result *res, char *why,
                       size_t len)
{
    struct merge_input in[8];
    for (size_t i = 0; i < n; i++)
        in[i] = (struct merge_input){ names[i], texts[i], strlen(texts[i]) };
    return merge_reports(in, n, res, why, len);
}

static const char *names[] = { "a.json", "b.json", "c.json", "d.json" };

/* t's first `from` replaced by `to` (malloc'd). */
static inline char *edit(const char *t, const char *from, const char *to)
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
static inline char *set_count(const char *t, const char *key, const char *value)
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
static inline void refused(char *a, char *b, const char *want)
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

/* t with the number after the first "key": that follows anchor set to v
 * (malloc'd; NULL if there is none). */
static inline char *set_after(const char *t, const char *anchor, const char *key, const char *v)
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

/* The merged report of a and b, as text and as JSON (malloc'd). */
static inline int merged_texts(char *a, char *b, char **text, char **json, char *why, size_t len)
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

#endif
