/* threshold: one --fail-if condition on the run's numbers, parsed exactly
 * and judged once on the final stats. */
#include "verdict/threshold.h"

#include "core/config.h"
#include "core/units.h"
#include "core/wide.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                  100000000, 1000000000 };

static int refuse(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *const count_names[] = { "sent", "failed", "rejected", "not_done", "late" };
#define NCOUNTS (sizeof(count_names) / sizeof(count_names[0]))

/* A view's name: a phase (stats_phase_name), or one of --rate's views. */
static int view_of(const char *s, size_t n)
{
    static const char *const extra[] = { "service", "corrected", "lag", "start_lag" };
    for (int p = 0; p < PH_COUNT; p++) {
        const char *name = stats_phase_name((enum phase)p);
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return p;
    }
    for (int i = 0; i < 4; i++)
        if (strlen(extra[i]) == n && memcmp(extra[i], s, n) == 0)
            return PH_COUNT + (i < 3 ? i : 2);
    return -1;
}

/* "p99", "p99.9", "max", "min", "mean". */
static int stat_of(const char *s, size_t n, struct threshold *t, char *why, size_t len)
{
    static const char *const names[] = { "min", "max", "mean" };
    static const enum threshold_stat stats[] = { TH_MIN, TH_MAX, TH_MEAN };
    if (n >= sizeof(t->stat_name))
        return refuse(why, len, "unknown metric");
    memcpy(t->stat_name, s, n);
    t->stat_name[n] = 0;
    for (int i = 0; i < 3; i++)
        if (strcmp(t->stat_name, names[i]) == 0) {
            t->stat = stats[i];
            return 0;
        }
    if (t->stat_name[0] != 'p')
        return refuse(why, len, "unknown statistic %s", t->stat_name);
    uint64_t mant;
    int dec;
    const char *end;
    char num_why[64];
    if (units_decimal(t->stat_name + 1, 6, 100, &mant, &dec, &end, num_why, sizeof(num_why)) < 0
        || *end || mant == 0 || mant > 100 * pow10[dec])
        return refuse(why, len, "%s: a percentile is p followed by more than 0 and at most 100",
                      t->stat_name);
    t->stat = TH_QUANTILE;
    t->q = (double)mant / (double)pow10[dec] / 100.0;
    return 0;
}

/* The metric: "p99(message)", "message.p99", "failed", "achieved", "rate". */
static int metric_of(const char *s, size_t n, struct threshold *t, char *why, size_t len)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    if (n == 0)
        return refuse(why, len, "no metric before the operator");
    const char *paren = memchr(s, '(', n), *dot = memchr(s, '.', n);
    if (paren) {
        if (s[n - 1] != ')')
            return refuse(why, len, "unbalanced parenthesis");
        size_t vn = n - (size_t)(paren - s) - 2;
        if ((t->view = view_of(paren + 1, vn)) < 0)
            return refuse(why, len, "unknown view %.*s", (int)vn, paren + 1);
        t->metric = TH_LATENCY;
        return stat_of(s, (size_t)(paren - s), t, why, len);
    }
    if (dot && dot[1] && (t->view = view_of(s, (size_t)(dot - s))) >= 0) {
        t->metric = TH_LATENCY;
        return stat_of(dot + 1, n - (size_t)(dot - s) - 1, t, why, len);
    }
    for (size_t i = 0; i < NCOUNTS; i++)
        if (strlen(count_names[i]) == n && memcmp(count_names[i], s, n) == 0) {
            t->metric = TH_COUNT;
            t->count = (enum threshold_count)i;
            return 0;
        }
    if (n == 8 && memcmp(s, "achieved", 8) == 0) {
        t->metric = TH_ACHIEVED;
        return 0;
    }
    if (n == 4 && memcmp(s, "rate", 4) == 0) {
        t->metric = TH_RATE;
        return 0;
    }
    return refuse(why, len, "unknown metric %.*s", (int)n, s);
}

/* A duration limit, to the nanosecond. */
static int limit_ns(const char *s, struct threshold *t, char *why, size_t len)
{
    static const char *const units[] = { "us", "ms", "s" };
    static const uint64_t ns_per[] = { 1000, 1000000, 1000000000 };
    uint64_t mant;
    int dec;
    const char *end;
    if (units_decimal(s, 9, 1000000000ULL, &mant, &dec, &end, why, len) < 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        if (strcmp(end, units[i]) != 0)
            continue;
        uint64_t ns = wide_div(wide_mul(mant, ns_per[i]), pow10[dec]);
        if (wide_cmp_products(ns, pow10[dec], mant, ns_per[i]) != 0)
            return refuse(why, len, "%s is finer than a nanosecond", s);
        if (ns > (uint64_t)DURATION_MAX_NS)
            return refuse(why, len, "%s is more than a week", s);
        t->unit = TH_NS;
        t->mant = ns;
        t->dec = 0;
        return 0;
    }
    return refuse(why, len, *end ? "%s: the unit must be us, ms or s"
                                 : "%s: a duration needs its unit: us, ms or s", s);
}

/* A count, a percentage or a rate, as its metric allows. */
static int limit_number(const char *s, struct threshold *t, char *why, size_t len)
{
    const char *end;
    if (units_decimal(s, 6, 1000000000000ULL, &t->mant, &t->dec, &end, why, len) < 0)
        return -1;
    t->per = 1;
    int pct = strcmp(end, "%") == 0;
    int per = strcmp(end, "/s") == 0 ? 1 : strcmp(end, "/m") == 0 ? 60
            : strcmp(end, "/h") == 0 ? 3600 : 0;
    const char *name = t->metric == TH_COUNT ? count_names[t->count]
                     : t->metric == TH_ACHIEVED ? "achieved" : "rate";
    if (pct && (t->metric == TH_COUNT || t->metric == TH_ACHIEVED)) {
        t->unit = TH_PERCENT;
        return 0;
    }
    if (per && (t->metric == TH_ACHIEVED || t->metric == TH_RATE)) {
        t->unit = TH_PER_S;
        t->per = (uint64_t)per;
        return 0;
    }
    if (*end == 0 && t->metric == TH_COUNT) {
        t->unit = TH_NUMBER;
        return 0;
    }
    if (*end == 0 && t->metric == TH_RATE) {
        t->unit = TH_PER_S;
        return 0;
    }
    if (t->metric == TH_COUNT)
        return refuse(why, len, "%s takes a count or a percentage, not %s", name, s);
    if (t->metric == TH_ACHIEVED)
        return refuse(why, len, "achieved takes N%% of the offered rate or a rate N/s, not %s", s);
    return refuse(why, len, "rate takes a rate (N/s, N/m, N/h), not %s", s);
}

int threshold_parse(const char *text, struct threshold *t, char *why, size_t len)
{
    memset(t, 0, sizeof(*t));
    t->text = text;
    t->per = 1;
    const char *op = strpbrk(text, "<>");
    if (op == 0)
        return refuse(why, len, "no operator");
    t->op = *op == '>' ? (op[1] == '=' ? TH_GE : TH_GT) : (op[1] == '=' ? TH_LE : TH_LT);
    const char *value = op + 1 + (op[1] == '=');
    if (strpbrk(value, "<>="))
        return refuse(why, len, "one operator only");
    if (metric_of(text, (size_t)(op - text), t, why, len) < 0)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    char v[64];
    size_t vn = strlen(value);
    while (vn > 0 && (value[vn - 1] == ' ' || value[vn - 1] == '\t'))
        vn--;
    if (vn == 0)
        return refuse(why, len, "no value after the operator");
    if (vn >= sizeof(v))
        return refuse(why, len, "the value is too long");
    memcpy(v, value, vn);
    v[vn] = 0;
    return t->metric == TH_LATENCY ? limit_ns(v, t, why, len) : limit_number(v, t, why, len);
}

int threshold_needs_schedule(const struct threshold *t)
{
    return t->metric == TH_ACHIEVED || (t->metric == TH_COUNT && t->count == TH_LATE)
        || (t->metric == TH_LATENCY && t->view >= PH_COUNT);
}

/* The condition holds for a value that compares to the limit as cmp. */
static int holds(enum threshold_op op, int cmp)
{
    switch (op) {
    case TH_GT: return cmp > 0;
    case TH_GE: return cmp >= 0;
    case TH_LT: return cmp < 0;
    case TH_LE: return cmp <= 0;
    }
    return 0;
}

static double limit_value(const struct threshold *t)
{
    return (double)t->mant / (double)pow10[t->dec] / (double)t->per;
}

/* Doubles (rates) are equal within a billionth: at the limit passes. */
static int cmp_double(double v, double limit)
{
    double tol = 1e-9 * fmax(fabs(limit), 1e-12);
    return fabs(v - limit) <= tol ? 0 : v < limit ? -1 : 1;
}

static const struct hist *view_hist(const struct stats *st, int view)
{
    if (view < PH_COUNT)
        return &st->phase[view];
    if (!st->scheduled)
        return 0;
    return view == TH_VIEW_SERVICE ? &st->ol.service
         : view == TH_VIEW_CORRECTED ? &st->ol.corrected : &st->ol.lag;
}

static void show_ms(char *buf, size_t len, const char *name, double us)
{
    double ms = us / 1000.0;
    snprintf(buf, len, ms < 10 ? "%s %.3f ms" : "%s %.1f ms", name, ms);
}

static void judge_latency(const struct threshold *t, const struct stats *st,
                          struct threshold_result *r)
{
    const struct hist *h = view_hist(st, t->view);
    r->unit = "ms";
    if (h == 0 || h->count == 0)
        return;
    r->known = 1;
    int cmp;
    if (t->stat == TH_MEAN) {
        r->value = hist_mean(h) / 1000.0;
        cmp = wide_cmp_products(h->sum, 1000, t->mant, h->count);
    } else {
        uint64_t us = t->stat == TH_MIN ? h->min : t->stat == TH_MAX ? h->max
                    : hist_quantile(h, t->q);
        r->value = (double)us / 1000.0;
        cmp = wide_cmp_products(us, 1000, t->mant, 1);
    }
    r->passed = !holds(t->op, cmp);
    show_ms(r->shown, sizeof(r->shown), t->stat_name, r->value * 1000.0);
}

static int64_t not_done(const struct stats *st)
{
    int64_t left = st->requested == MESSAGES_UNBOUNDED ? st->given_up
                 : st->requested - st->sent - st->failed;
    return left > 0 ? left : 0;
}

static void judge_count(const struct threshold *t, const struct stats *st,
                        struct threshold_result *r)
{
    const char *name = count_names[t->count];
    if (t->count == TH_LATE && !st->scheduled)
        return;
    int64_t c = t->count == TH_SENT ? st->sent : t->count == TH_FAILED ? st->failed
              : t->count == TH_REJECTED ? (int64_t)st->fails[FAIL_REPLY]
              : t->count == TH_NOT_DONE ? not_done(st) : (int64_t)st->ol.late;
    if (t->unit == TH_NUMBER) {
        r->known = 1;
        r->unit = "";
        r->value = (double)c;
        r->passed = !holds(t->op, wide_cmp_products((uint64_t)c, pow10[t->dec], t->mant, 1));
        snprintf(r->shown, sizeof(r->shown), "%s %lld", name, (long long)c);
        return;
    }
    /* A share of the messages requested (with --duration alone, of those
     * it had: sent, failed or not done); late ones, of those started. */
    int64_t of = t->count == TH_LATE ? st->ol.started
               : st->requested == MESSAGES_UNBOUNDED ? st->sent + st->failed + st->given_up
               : st->requested;
    r->unit = "%";
    if (of <= 0)
        return;
    r->known = 1;
    r->value = 100.0 * (double)c / (double)of;
    r->passed = !holds(t->op, wide_cmp_products((uint64_t)c, 100 * pow10[t->dec], t->mant,
                                                (uint64_t)of));
    snprintf(r->shown, sizeof(r->shown), "%s %.3g%% (%lld of %lld)", name, r->value,
             (long long)c, (long long)of);
}

static void judge_rate(const struct threshold *t, const struct stats *st,
                       struct threshold_result *r)
{
    r->unit = t->unit == TH_PERCENT ? "%" : "/s";
    if (t->metric == TH_ACHIEVED) {
        if (!st->scheduled || st->ol.due == 0)
            return;
        double achieved = openloop_achieved(&st->ol), offered = openloop_offered(&st->ol);
        r->value = t->unit == TH_PERCENT ? 100.0 * achieved / offered : achieved;
        snprintf(r->shown, sizeof(r->shown), "achieved %.1f%% (%.1f/s of %.1f/s offered)",
                 100.0 * achieved / offered, achieved, offered);
    } else {
        double secs = stats_elapsed(st);
        if (secs <= 0)
            return;
        r->value = (double)st->sent / secs;
        snprintf(r->shown, sizeof(r->shown), "rate %.1f/s", r->value);
    }
    r->known = 1;
    r->passed = !holds(t->op, cmp_double(r->value, limit_value(t)));
}

void threshold_judge(const struct threshold *t, const struct stats *st,
                     struct threshold_result *r)
{
    memset(r, 0, sizeof(*r));
    r->unit = "";
    if (t->metric == TH_LATENCY)
        judge_latency(t, st, r);
    else if (t->metric == TH_COUNT)
        judge_count(t, st, r);
    else
        judge_rate(t, st, r);
    if (!r->known) {
        r->passed = 1;
        snprintf(r->shown, sizeof(r->shown), "no value: nothing measured");
    }
}
