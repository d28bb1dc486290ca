/* openloop: the figures of a --rate run: what was offered against what
 * was achieved, the start lag of every message (how long after its due
 * time it started), how many started late, the two latency views:
 * service (from the actual start to the end-of-data reply) and corrected
 * (from the intended start, so that a stall counts for every message
 * that should have gone out during it), and the run's timeline (see
 * timeline.h, stalls.h): its stalls, its worst second, and how many
 * sessions would have held the rate. Pure: no I/O. */
#ifndef OPENLOOP_H
#define OPENLOOP_H

#include "report/hist.h"
#include "report/intervals.h"
#include "report/timeline.h"
#include "core/json.h"
#include "core/record.h"
#include "core/shard.h"
#include "core/config.h"
#include "core/units.h"

#include <stdint.h>
#include <stdio.h>

/* Fewer messages sent than this share of the slots due is a shortfall. */
#define OPENLOOP_SHORTFALL 0.97
/* The sessions advice: the peak of due and unfinished messages, and this
 * much more. */
#define OPENLOOP_MARGIN 0.10
/* The "seconds" in which a stall shows hold at least this many slots. */
#define OPENLOOP_WINDOW_SLOTS 10

struct openloop {
    struct rate rate;         /* the whole run's rate (--stages: its mean) */
    const struct stages *stages;   /* --stages, or NULL */
    struct shard shard;       /* this run's part of it: 0/1 for all of it */
    int64_t due;              /* slots due before the offer ended (planned until openloop_finish) */
    int64_t run_slots;        /* the whole run's */
    unsigned sessions;        /* this run's sessions */
    int64_t duration_ns;      /* --duration, 0 if none */
    int64_t started;          /* messages that started (sent or failed) */
    int64_t sent;             /* ... and were sent */
    int64_t last_start_us;    /* the latest actual start, us since t0 */
    int64_t last_intended_us; /* the latest due time of a slot that started; -1 none */
    int64_t offer_end_us;     /* when the run stopped offering slots (see openloop_finish) */
    int stopped;              /* a stop (a signal, a fatal error) ended the offer early */
    uint64_t late;            /* started more than SCHEDULE_LATE_NS after due */
    struct hist lag;          /* start lag, us */
    struct hist service, corrected;   /* us, messages sent */
    struct timeline tl;       /* slots due and messages ended, per bin */
    /* A merge without some shards: their slots were due and never seen,
     * so the figures that need every message are not given. */
    unsigned missing_shards;
    char missing[64];         /* "1/4, 3/4" */
};

/* due: this run's (or shard's) slots; duration_ns: --duration, 0 if none. */
void openloop_init(struct openloop *ol, const struct rate *rate, int64_t due, unsigned sessions,
                   int64_t duration_ns);
void openloop_free(struct openloop *ol);
/* --stages: the slots' times are the stages' (rate: their mean). */
void openloop_stages(struct openloop *ol, const struct stages *st);
/* A shard's part of a run of run_slots slots (see shard.h): it offers
 * R/N, its slots are the run's k = j*N + I, and its offer ends with the
 * whole run's. */
void openloop_shard(struct openloop *ol, const struct shard *sh, int64_t run_slots);
void openloop_add(struct openloop *ol, const struct record *r);

/* The run ended at end_us (us since t0); stop_us: when a stop ended the
 * offer (-1: none). The offer ends at its planned time (one slot after
 * the last slot, or --duration), at the stop if sooner, or at the run's
 * end if the run ended with slots left and no stop; never before a slot
 * that started. due becomes the slots due before it. -1 if memory ran out
 * (the timeline's figures are then left out). */
int openloop_finish(struct openloop *ol, int64_t end_us, int64_t stop_us);

/* Messages/s: R, or a shard's share R/N. */
double openloop_offered(const struct openloop *ol);
/* Messages sent per second of the offer, the offer lasting one slot
 * (1/R) per slot due: R x sent / due. R when every due slot was sent. */
double openloop_achieved(const struct openloop *ol);
/* The most messages due and not yet ended at one time (what had been in
 * flight had every slot started on time): an upper bound within one bin
 * of the timeline. 0 when unknown (a merge without some shards). */
uint64_t openloop_peak(const struct openloop *ol);
/* Little's law: the sessions a rate of per_s messages a second keeps busy
 * when each takes mean_us of service, rounded up (0 if either is 0). */
uint64_t openloop_little(double per_s, double mean_us);

/* Sessions that would hold the rate, 0 if the sessions were enough: when
 * at some moment more messages were due and unfinished than there were
 * sessions (a slot waited for one), and more than 1 - OPENLOOP_SHORTFALL
 * of the slots due started late or never, the peak and OPENLOOP_MARGIN
 * more, rounded up. */
uint64_t openloop_sessions_needed(const struct openloop *ol);
/* The rate was not held: fewer sent than OPENLOOP_SHORTFALL of the slots
 * due, or slots waited for a session (openloop_sessions_needed). */
int openloop_shortfall(const struct openloop *ol);
/* The warning a shortfall deserves ("achieved 6.1/s of 200/s offered;
 * 75 messages were due and unfinished at once, for 20 sessions: about 83
 * sessions (-s) would hold it") in buf; 0 if there is none. */
int openloop_shortfall_line(const struct openloop *ol, char *buf, size_t len);
/* The warning of the seconds that achieved less than half the offered
 * rate ("0.0/s achieved from 4.0 s to 6.1 s (200/s offered)"); 0 if none. */
int openloop_below_half_line(const struct openloop *ol, char *buf, size_t len);

/* The offered and achieved rates as text, per second ("200/s"), or per
 * minute or hour for a rate below one a second or minute ("10/h"). */
void openloop_rates(const struct openloop *ol, char *offered, char *achieved, size_t len);

/* The report's "schedule", "offer" (when a stop ended it), "lateness",
 * "stalls" and "worst" lines; iv: the intervals of --interval, or NULL
 * (the worst second is then shown). */
void openloop_print(const struct openloop *ol, const struct intervals *iv, FILE *out);
/* The "schedule" object of the JSON report (the histograms go with the
 * phases', see stats.c; the timeline with the intervals). */
void openloop_json(const struct openloop *ol, const struct intervals *iv, struct json *j);

#endif
