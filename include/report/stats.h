/* stats: the parent's numbers for the run, summed from the records: counts,
 * failures by reason, replies by class, and a latency histogram per phase;
 * and the end-of-run report, as text and as JSON. Memory is fixed: it does
 * not grow with the number of messages. */
#ifndef STATS_H
#define STATS_H

#include "core/json.h"
#include "report/authstats.h"
#include "report/hist.h"
#include "report/intervals.h"
#include "report/openloop.h"
#include "core/record.h"
#include "report/runid.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STATS_SUITES 8

struct stats {
    int64_t requested;
    int64_t sent, failed;
    int64_t given_up;              /* claimed, not started: the run stopped */
    int64_t unknown;               /* of the failed: no reply after the final dot */
    uint64_t connections;
    uint64_t rcpt_sent, rcpt_ok, rcpt_bad;
    uint64_t rcpt_delivered, rcpt_lost;
    uint64_t bytes;
    uint64_t replies[6];           /* [2]..[5] by class, [0] anything else */
    uint64_t fails[FAIL_COUNT];    /* failed messages by first reason */
    struct hist phase[PH_COUNT];
    /* TLS handshakes, and what they agreed on (the first few kinds). */
    uint64_t tls_full, tls_resumed;
    struct { uint16_t version, cipher; uint64_t count; } suite[STATS_SUITES];
    unsigned suites;
    uint64_t suite_other;          /* handshakes of kinds beyond suite[] */
    struct authstats auth;         /* what each connection's AUTH came to */
    uint64_t start_us, end_us;     /* the monotonic clock: t0 once known, the end */
    int64_t t0_unix_us;            /* t0 on the real-time clock */
    int64_t start_lag_us;          /* --start-at: the gate opened this late */
    int64_t first_start_us;        /* the first message's start, us since t0; -1 none */
    int64_t last_end_us;           /* the last message's end, us since t0; -1 none */
    int scheduled;                 /* --rate: ol holds its figures */
    struct openloop ol;
    int has_intervals;             /* --interval or --plot: iv holds them */
    int per_interval;              /* --interval itself: the worst figures are per interval */
    struct intervals iv;
};

/* What a part above the report (verdict/) adds to it: lines after the
 * numbers, members at the end of the JSON object. */
struct report_addendum {
    void (*text)(const void *ctx, FILE *out);
    void (*json)(const void *ctx, struct json *j);
    const void *ctx;
    struct report_addendum *next;   /* the next part, in the report's order */
};

/* What the report says about the run besides the numbers. */
struct run_info {
    int fatal;                /* a fatal error stopped the run */
    int signal;               /* the signal that stopped it, or 0 */
    unsigned workers_died;    /* workers that died of a signal the run did not expect */
    const char *status;       /* "completed", "interrupted by SIGINT", ... */
    int interrupted;          /* the run did not finish its work */
    const char *error;        /* the fatal error's text, or NULL */
    unsigned sessions;        /* worker processes */
    const char *target;
    int rcpts_per_message;
    int lmtp, reuse;
    int tls;                  /* 0 none, 1 STARTTLS, 2 implicit */
    int tls_verify;
    const char *suite_name[STATS_SUITES];   /* "TLSv1.3 TLS_AES_..." for suite[i] */
    const char *auth_mech;    /* NULL without AUTH */
    const struct run_id *id;  /* the run's identity (NULL: no "run" in the JSON) */
    const struct merged *merged;  /* a merge's shards, or NULL */
    struct report_addendum *addendum;   /* a list, NULL: none (see run_info_add) */
    const struct mix *mix;    /* the workload part (also on the list), for --plot; or NULL */
    int thresholds_failed;    /* a --fail-if threshold failed (verdict/) */
};

/* Appends a part to ri's report, after those added before (a part already
 * on the list stays where it is). */
void run_info_add(struct run_info *ri, struct report_addendum *a);

/* requested: MESSAGES_UNBOUNDED (options.h) when --duration alone bounds the run. */
void stats_init(struct stats *st, int64_t requested);
/* --rate: the schedule's figures for `due` slots over `sessions` sessions
 * (duration_ns: --duration, 0 if none). */
void stats_schedule(struct stats *st, const struct rate *rate, int64_t due, unsigned sessions,
                    int64_t duration_ns);
/* --interval, --plot: intervals of len_ns from t0 (rate: NULL, or --rate's). */
void stats_intervals(struct stats *st, int64_t len_ns, const struct rate *rate, int64_t slots);
/* --stages (after stats_schedule and stats_intervals): the slots' times. */
void stats_stages(struct stats *st, const struct stages *stages);
/* A shard's stats (after stats_schedule and stats_intervals), in a run
 * of run_slots slots. */
void stats_shard(struct stats *st, const struct shard *sh, int64_t run_slots);
/* The run's clock started: t0 (the monotonic clock, ns), on the real-time
 * clock (us since the epoch), and how late after --start-at (us). */
void stats_clock(struct stats *st, int64_t t0_ns, int64_t t0_unix_us, int64_t start_lag_us);
void stats_add(struct stats *st, const struct record *r);
void stats_add_samples(struct stats *st, enum phase ph, const uint32_t *us, size_t n);
void stats_finish(struct stats *st);
/* The memory of the intervals and the schedule's timeline. */
void stats_free(struct stats *st);
double stats_elapsed(const struct stats *st);   /* seconds, so far or in all */

/* The phase names used in reports: "connect", "banner", ... "message". */
const char *stats_phase_name(enum phase ph);

void stats_print(const struct stats *st, FILE *out, const struct run_info *ri);

#endif
