/* stages: --stages=LIST parsed, and the report's row per stage. */
#include "verdict/stages.h"

#include "report/openloop.h"
#include "run/schedule.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int refuse(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* "0", "0.0s", "0m": no time at all (units_duration wants more than 0). */
static int zero(const char *s, const char *units)
{
    size_t n = strspn(s, "0");
    if (n == 0)
        return 0;
    if (s[n] == '.') {
        n++;
        n += strspn(s + n, "0");
    }
    return s[n] == 0 || (strchr(units, s[n]) && s[n + 1] == 0)
        || (s[n] == '/' && strchr(units, s[n + 1]) && s[n + 2] == 0);
}

static int one_stage(const char *item, size_t n, unsigned i, struct stage *sg, char *why,
                     size_t len)
{
    char text[96], reason[96];
    if (n == 0)
        return refuse(why, len, "stage %u is empty", i + 1);
    if (n >= sizeof(text))
        return refuse(why, len, "stage %u is too long", i + 1);
    memcpy(text, item, n);
    text[n] = 0;
    char *colon = strchr(text, ':');
    if (colon == 0)
        return refuse(why, len, "stage %u (%s) is not DURATION:RATE", i + 1, text);
    *colon = 0;
    const char *rate = colon + 1;
    if (zero(text, "smh"))
        sg->len_ns = 0;
    else if (units_duration(text, &sg->len_ns, reason, sizeof(reason)) < 0)
        return refuse(why, len, "stage %u (%s:%s): duration %s: %s", i + 1, text, rate, text,
                      reason);
    if (zero(rate, "smh"))
        sg->to = (struct rate){ 0, 1 };
    else if (units_rate(rate, &sg->to, reason, sizeof(reason)) < 0)
        return refuse(why, len, "stage %u (%s:%s): rate %s: %s", i + 1, text, rate, rate,
                      reason);
    return 0;
}

int stages_parse(const char *text, struct stages *st, char *why, size_t len)
{
    memset(st, 0, sizeof(*st));
    const char *p = text;
    int64_t total = 0;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (st->n == STAGES_MAX)
            return refuse(why, len, "more than %d stages", STAGES_MAX);
        if (one_stage(p, n, st->n, &st->v[st->n], why, len) < 0)
            return -1;
        total += st->v[st->n++].len_ns;
        if (total > DURATION_MAX_NS)
            return refuse(why, len, "the stages last more than a week");
        if (p[n] == 0)
            break;
        p += n + 1;
    }
    if (total == 0)
        return refuse(why, len, "the stages last no time");
    if (schedule_stages_slots(st) == 0)
        return refuse(why, len, "the stages offer no message");
    return 0;
}

struct rate stages_mean_rate(const struct stages *st)
{
    long double slots = (long double)schedule_stages_slots(st);
    long double ns = (long double)schedule_stages_len_ns(st);
    /* Micro-messages a second: the report's figure, not the schedule. */
    uint64_t num = ns > 0 ? (uint64_t)(slots * 1e15L / ns + 0.5L) : 0;
    uint64_t den = 1000000, a = num, b = den;
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return num ? (struct rate){ num / a, den / a } : (struct rate){ 0, 1 };
}

int stage_rows_init(struct stage_rows *sr, const struct stages *st, const struct shard *sh,
                    int64_t slots, unsigned sessions)
{
    memset(sr, 0, sizeof(*sr));
    sr->st = st;
    sr->sessions = sessions;
    sr->row = calloc(st->n ? st->n : 1, sizeof(*sr->row));
    if (sr->row == 0)
        return -1;
    int64_t start = 0;
    for (unsigned i = 0; i < st->n; i++) {
        struct stage_row *r = &sr->row[i];
        int64_t end = start + st->v[i].len_ns;
        int64_t from = schedule_stages_slots_within(st, start);
        int64_t to = schedule_stages_slots_within(st, end);
        if (to > slots)
            to = slots;
        if (from > slots)
            from = slots;
        r->start_us = start / 1000;
        r->len_us = st->v[i].len_ns / 1000;
        r->due = shard_owned(sh, to) - shard_owned(sh, from);
        hist_init(&r->service);
        hist_init(&r->corrected);
        start = end;
    }
    sr->addendum = (struct report_addendum){ stage_rows_text, stage_rows_json, sr, 0 };
    return 0;
}

void stage_rows_free(struct stage_rows *sr)
{
    free(sr->row);
    sr->row = 0;
}

/* The stage whose time holds t_us (the last one's end belongs to it). */
static struct stage_row *row_at(struct stage_rows *sr, int64_t t_us)
{
    for (unsigned i = sr->st->n; i-- > 0;) {
        struct stage_row *r = &sr->row[i];
        if (r->len_us > 0 && t_us >= r->start_us)
            return r;
    }
    return 0;
}

void stage_rows_add(struct stage_rows *sr, const struct record *r)
{
    if (r->type != REC_MESSAGE || !(r->flags & RF_SCHEDULED) || sr->row == 0)
        return;
    struct stage_row *due = row_at(sr, r->intended_us);
    if (!(r->flags & RF_NOT_DONE)) {
        struct stage_row *at = row_at(sr, r->start_us);
        if (at && r->start_us < at->start_us + at->len_us)
            at->started++;
    }
    if (due == 0 || (r->flags & RF_NOT_DONE))
        return;
    if (r->flags & RF_SENT) {
        due->sent++;
        hist_add(&due->service, (uint64_t)(r->end_us - r->start_us));
        hist_add(&due->corrected, (uint64_t)(r->end_us - r->intended_us));
    } else {
        due->failed++;
    }
}

static double per_s(int64_t n, int64_t len_us)
{
    return len_us > 0 ? (double)n * 1e6 / (double)len_us : 0;
}

static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

static double rate_of(const struct rate *r)
{
    return r->num ? units_rate_per_s(r) : 0;
}

/* The rate at the stage's start (the target before it) and at its end. */
static double rate_before(const struct stage_rows *sr, unsigned i)
{
    return i > 0 ? rate_of(&sr->st->v[i - 1].to) : 0;
}

uint64_t stage_row_sessions_needed(const struct stage_rows *sr, unsigned i)
{
    const struct stage_row *r = &sr->row[i];
    double to = rate_of(&sr->st->v[i].to), from = rate_before(sr, i);
    if (r->service.count == 0)
        return 0;
    return openloop_little(from > to ? from : to, hist_mean(&r->service));
}

int stage_row_short_of_sessions(const struct stage_rows *sr, unsigned i)
{
    const struct stage_row *r = &sr->row[i];
    return r->due > 0 && (double)r->started < OPENLOOP_SHORTFALL * (double)r->due
        && stage_row_sessions_needed(sr, i) > sr->sessions;
}

int stage_rows_advice(struct stage_rows *sr, const struct record *r, char *buf, size_t len)
{
    if (sr->advised || sr->row == 0 || r->type != REC_MESSAGE || !(r->flags & RF_SCHEDULED))
        return 0;
    /* The first stage that lasts: its messages' service time is known once
     * one due after its end comes back. */
    unsigned first = 0;
    while (first < sr->st->n && sr->row[first].len_us == 0)
        first++;
    if (first == sr->st->n) {
        sr->advised = 1;
        return 0;
    }
    const struct stage_row *f = &sr->row[first];
    if (r->intended_us < f->start_us + f->len_us || f->service.count == 0)
        return 0;
    sr->advised = 1;
    double peak = 0;
    for (unsigned i = 0; i < sr->st->n; i++)
        peak = rate_of(&sr->st->v[i].to) > peak ? rate_of(&sr->st->v[i].to) : peak;
    double mean_us = hist_mean(&f->service);
    uint64_t need = openloop_little(peak, mean_us);
    if (need <= sr->sessions)
        return 0;
    snprintf(buf, len, "--stages peaks at %g/s: at the %.1f ms mean service time of stage %u, "
             "that needs at least %llu sessions (Little's law), -s gives %u: raise -s, or the "
             "stages past %g/s measure the sessions, not the server", peak, mean_us / 1000.0,
             first + 1, (unsigned long long)need, sr->sessions,
             floor((double)sr->sessions / (mean_us / 1e6)));
    return 1;
}

void stage_rows_text(const void *ctx, FILE *out)
{
    const struct stage_rows *sr = ctx;
    double from = 0;
    for (unsigned i = 0; i < sr->st->n; i++) {
        const struct stage_row *r = &sr->row[i];
        double to = rate_of(&sr->st->v[i].to);
        if (r->len_us > 0) {
            fprintf(out, "  stage %-5u %.3f s, %g/s -> %g/s: %lld due, offered %.1f/s, "
                         "achieved %.1f/s, %lld failed", i + 1, (double)r->len_us / 1e6, from,
                    to, (long long)r->due, per_s(r->due, r->len_us), per_s(r->started, r->len_us),
                    (long long)r->failed);
            if (r->sent)
                fprintf(out, "; ms p50/p99 service %.3f/%.3f, corrected %.3f/%.3f",
                        ms(hist_quantile(&r->service, 0.5)), ms(hist_quantile(&r->service, 0.99)),
                        ms(hist_quantile(&r->corrected, 0.5)),
                        ms(hist_quantile(&r->corrected, 0.99)));
            if (stage_row_short_of_sessions(sr, i))
                fprintf(out, " (short of sessions: raise -s, about %llu needed)",
                        (unsigned long long)stage_row_sessions_needed(sr, i));
            fputc('\n', out);
        }
        from = to;
    }
}

static void json_p(struct json *j, const char *key, const struct hist *h)
{
    json_object(j, key);
    json_uint(j, "count", h->count);
    if (h->count) {
        json_double(j, "p50", ms(hist_quantile(h, 0.5)), 3);
        json_double(j, "p99", ms(hist_quantile(h, 0.99)), 3);
        json_double(j, "max", ms(h->max), 3);
    }
    json_end(j);
}

void stage_rows_json(const void *ctx, struct json *j)
{
    const struct stage_rows *sr = ctx;
    double from = 0;
    json_array(j, "stages");
    for (unsigned i = 0; i < sr->st->n; i++) {
        const struct stage_row *r = &sr->row[i];
        double to = rate_of(&sr->st->v[i].to);
        json_object(j, 0);
        json_uint(j, "index", i + 1);
        json_int(j, "start_us", r->start_us);
        json_int(j, "length_us", r->len_us);
        json_double(j, "from_per_s", from, 6);
        json_double(j, "to_per_s", to, 6);
        json_int(j, "due", r->due);
        json_int(j, "started", r->started);
        json_int(j, "sent", r->sent);
        json_int(j, "failed", r->failed);
        json_double(j, "offered_per_s", per_s(r->due, r->len_us), 3);
        json_double(j, "achieved_per_s", per_s(r->started, r->len_us), 3);
        json_p(j, "service_ms", &r->service);
        json_p(j, "corrected_ms", &r->corrected);
        uint64_t need = stage_row_sessions_needed(sr, i);
        if (need)
            json_uint(j, "sessions_needed", need);
        else
            json_null(j, "sessions_needed");
        json_bool(j, "short_of_sessions", stage_row_short_of_sessions(sr, i));
        json_end(j);
        from = to;
    }
    json_end(j);
}
