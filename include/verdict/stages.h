/* stages: --stages=LIST parsed into core/config.h's struct stages, and the report's
 * row per stage: the slots due in it, offered against achieved, service
 * and corrected p50/p99 of the messages due in it, its failures. The rows
 * are fed the run's records; their due counts are the schedule's. */
#ifndef VERDICT_STAGES_H
#define VERDICT_STAGES_H

#include "core/json.h"
#include "core/record.h"
#include "core/shard.h"
#include "core/config.h"
#include "report/hist.h"
#include "report/stats.h"

#include <stddef.h>
#include <stdio.h>

#define STAGES_FORMS \
    "give DURATION:RATE,... e.g. --stages=30s:100/s,60s:500/s,30s:500/s,10s:0/s: each stage " \
    "ramps from the rate before it (0 at first) to RATE over DURATION (0s: a step); " \
    "at most 32 stages, a week in all"

/* "30s:100/s,60s:500/s": 0, or -1 with the reason in why (a phrase naming
 * the stage, without the forms). */
int stages_parse(const char *text, struct stages *st, char *why, size_t len);

/* The stages' mean rate (slots over their length) as a rate, for the
 * report's "offered"; {0, 1} if they offer nothing. */
struct rate stages_mean_rate(const struct stages *st);

struct stage_row {
    int64_t start_us, len_us;   /* of the schedule, from t0 */
    int64_t due;                /* slots due in it (this shard's) */
    int64_t started, sent, failed;   /* started: within its time; sent, failed: due in it */
    struct hist service, corrected;
};

struct stage_rows {
    const struct stages *st;
    struct stage_row *row;      /* st->n, heap */
    unsigned sessions;          /* the run's (-s, or fewer if fewer slots) */
    int advised;                /* stage_rows_advice has spoken, or had nothing to say */
    struct report_addendum addendum;
};

/* -1 if out of memory. */
int stage_rows_init(struct stage_rows *sr, const struct stages *st, const struct shard *sh,
                    int64_t slots, unsigned sessions);
void stage_rows_add(struct stage_rows *sr, const struct record *r);
void stage_rows_free(struct stage_rows *sr);

/* Little's law on a stage: the sessions its highest rate keeps busy at the
 * mean service time of its messages (0 if none was sent). */
uint64_t stage_row_sessions_needed(const struct stage_rows *sr, unsigned i);
/* The stage's starts fell short of its slots due (OPENLOOP_SHORTFALL) and
 * Little's law says the sessions were too few: -s, not the server. */
int stage_row_short_of_sessions(const struct stage_rows *sr, unsigned i);

/* Once the first stage has its service time (a message due after it has
 * ended) and the stages' peak rate needs more sessions than the run has:
 * 1 and the warning in buf, once; else 0. */
int stage_rows_advice(struct stage_rows *sr, const struct record *r, char *buf, size_t len);

/* The report's lines ("stage 2  60 s 100/s -> 500/s: ...", with "(short
 * of sessions: raise -s, about N needed)" when it was) and the JSON's
 * "stages" array (with sessions_needed and short_of_sessions; report_addendum
 * callbacks). */
void stage_rows_text(const void *sr, FILE *out);
void stage_rows_json(const void *sr, struct json *j);

#endif
