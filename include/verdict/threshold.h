/* threshold: one --fail-if condition on the run's numbers, as data: the
 * metric, the operator and the limit, parsed exactly from the expression
 * as written, and judged once, on the run's final stats. A threshold
 * fails the run when its condition holds; at the limit it passes. Pure. */
#ifndef THRESHOLD_H
#define THRESHOLD_H

#include "report/stats.h"

#include <stddef.h>
#include <stdint.h>

/* What a refusal lists after its reason: every form an expression takes. */
#define THRESHOLD_FORMS \
    "give METRIC OP VALUE, OP one of > >= < <=: pN(VIEW), min(VIEW), max(VIEW) or " \
    "mean(VIEW) (also VIEW.pN, VIEW.max ...) with us, ms or s; sent, failed, rejected, " \
    "not_done or late with a count or N%; achieved with N% (of offered) or N/s; rate with " \
    "N/s. VIEW: connect, banner, helo, tls, auth, mail, rcpt, data, dot, bdat, rset, quit, " \
    "message, service, corrected, lag"

enum threshold_metric {
    TH_LATENCY,    /* a statistic of a phase or latency view: a duration */
    TH_COUNT,      /* a count of messages, or its share */
    TH_ACHIEVED,   /* --rate's achieved rate: a share of the offered, or a rate */
    TH_RATE,       /* messages sent per second of the run */
};

enum threshold_stat { TH_QUANTILE, TH_MIN, TH_MAX, TH_MEAN };
enum threshold_count { TH_SENT, TH_FAILED, TH_REJECTED, TH_NOT_DONE, TH_LATE };
enum threshold_op { TH_GT, TH_GE, TH_LT, TH_LE };
/* The limit's unit: ns (a duration), a plain number, a percentage, or a
 * rate per second. */
enum threshold_unit { TH_NS, TH_NUMBER, TH_PERCENT, TH_PER_S };

/* The latency views beyond the phases (enum phase). */
#define TH_VIEW_SERVICE PH_COUNT
#define TH_VIEW_CORRECTED (PH_COUNT + 1)
#define TH_VIEW_LAG (PH_COUNT + 2)

struct threshold {
    const char *text;              /* the expression as written */
    enum threshold_metric metric;
    int view;                      /* TH_LATENCY: enum phase or TH_VIEW_* */
    enum threshold_stat stat;
    double q;                      /* TH_QUANTILE: 0 < q <= 1 */
    char stat_name[16];            /* "p99.9", "max": how the value is shown */
    enum threshold_count count;    /* TH_COUNT */
    enum threshold_op op;
    enum threshold_unit unit;
    uint64_t mant;                 /* the limit: mant / 10^dec of unit */
    int dec;                       /* (TH_NS: mant is the nanoseconds, dec 0) */
    uint64_t per;                  /* TH_PER_S: a limit per minute (60) or hour (3600); else 1 */
};

/* Parses text ("p99(message)>250ms") into t, which keeps the pointer.
 * 0, or -1 with the reason in why (a phrase, without the forms). */
int threshold_parse(const char *text, struct threshold *t, char *why, size_t len);

/* The metric exists only in a run with a schedule (--rate, --stages). */
int threshold_needs_schedule(const struct threshold *t);

/* A threshold judged on a run's numbers. */
struct threshold_result {
    int known;        /* the run has the number (not: no sample, no schedule) */
    int passed;       /* the condition does not hold (a threshold without a number passes) */
    double value;     /* in `unit` */
    const char *unit; /* "ms", "%", "/s", "" */
    char shown[128];  /* "p99 41.2 ms", "failed 0.25% (5 of 2000)" */
};

void threshold_judge(const struct threshold *t, const struct stats *st,
                     struct threshold_result *r);

#endif
