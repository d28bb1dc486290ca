/* openloop: the figures of a --rate run: what was offered against what
 * was achieved, the start lag of every message (how long after its due
 * time it started), how many started late, and the two latency views:
 * service (from the actual start to the end-of-data reply) and corrected
 * (from the intended start, so that a stall counts for every message
 * that should have gone out during it). Pure: no I/O. */
#ifndef OPENLOOP_H
#define OPENLOOP_H

#include "report/hist.h"
#include "core/json.h"
#include "core/record.h"
#include "core/shard.h"
#include "core/stages.h"
#include "core/units.h"

#include <stdint.h>
#include <stdio.h>

/* An achieved rate below this share of the offered one is a shortfall. */
#define OPENLOOP_SHORTFALL 0.97

struct openloop {
    struct rate rate;         /* the whole run's rate (--stages: its mean) */
    const struct stages *stages;   /* --stages, or NULL */
    struct shard shard;       /* this run's part of it: 0/1 for all of it */
    int64_t due;              /* this run's (or shard's) slots */
    int64_t run_slots;        /* the whole run's */
    unsigned sessions;        /* this run's sessions */
    int64_t duration_ns;      /* --duration, 0 if none */
    int64_t started;          /* messages that started (sent or failed) */
    int64_t last_start_us;    /* the latest actual start, us since t0 */
    int64_t offer_end_us;     /* when the run stopped offering slots (see openloop_finish) */
    uint64_t late;            /* started more than SCHEDULE_LATE_NS after due */
    struct hist lag;          /* start lag, us */
    struct hist service, corrected;   /* us, messages sent */
};

/* duration_ns: --duration, 0 if none. */
void openloop_init(struct openloop *ol, const struct rate *rate, int64_t due, unsigned sessions,
                   int64_t duration_ns);
/* --stages: the slots' times are the stages' (rate: their mean). */
void openloop_stages(struct openloop *ol, const struct stages *st);
/* A shard's part of a run of run_slots slots (see shard.h): it offers
 * R/N, its slots are the run's k = j*N + I, and its offer ends with the
 * whole run's. */
void openloop_shard(struct openloop *ol, const struct shard *sh, int64_t run_slots);
/* The run ended at end_us (us since t0): if it left slots unstarted, no
 * slot was offered after it. */
void openloop_finish(struct openloop *ol, int64_t end_us);
void openloop_add(struct openloop *ol, const struct record *r);

/* Messages/s: R, or a shard's share R/N. */
double openloop_offered(const struct openloop *ol);
/* Messages started per second of the schedule: started over the time
 * from t0 to the end of the offer (the last slot's time plus one slot,
 * --duration, or the run's end if sooner), or to the last start plus one
 * slot if later; R when all kept time. */
double openloop_achieved(const struct openloop *ol);
/* Sessions that would hold the rate, 0 if unknown. By Little's law, the
 * rate times the mean time a message holds a session (its service time);
 * if that is no more than the run had, the sessions kept up but for a
 * stall, and holding the rate through it takes the rate times the largest
 * lag (of a slot that started, or one that waited in vain until the
 * offer ended) plus the mean service time. */
uint64_t openloop_sessions_needed(const struct openloop *ol);
int openloop_shortfall(const struct openloop *ol);
/* The warning a shortfall deserves ("achieved 6.1/s of 200/s offered;
 * about 72 sessions (-s) would hold it") in buf; 0 if there is none. */
int openloop_shortfall_line(const struct openloop *ol, char *buf, size_t len);

/* The offered and achieved rates as text, per second ("200/s"), or per
 * minute or hour for a rate below one a second or minute ("10/h"). */
void openloop_rates(const struct openloop *ol, char *offered, char *achieved, size_t len);

/* The report's "schedule" and "lateness" lines. */
void openloop_print(const struct openloop *ol, FILE *out);
/* The "schedule" object of the JSON report (the histograms go with the
 * phases', see stats.c). */
void openloop_json(const struct openloop *ol, struct json *j);

#endif
