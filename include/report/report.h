/* report: what the parent does with each record as it arrives: the -c
 * counter on stdout, warnings and -v lines on stderr, the first fatal
 * error, the running stats, the --records JSON lines, and the --progress
 * line on stderr. */
#ifndef REPORT_H
#define REPORT_H

#include "core/config.h"
#include "report/output.h"
#include "core/record.h"
#include "run/shared.h"
#include "report/stats.h"

#include <stdio.h>

struct report {
    const struct config *cfg;
    struct stats stats;
    unsigned long counter;     /* messages whose "." went out (-c) */
    int fatal;                 /* a fatal error was printed */
    char error[REC_TEXT_MAX + 1];  /* its text */
    struct output *out;        /* standard output: -c */
    struct output *records;    /* --records, or NULL */
    int progress;              /* draw the progress line */
    int progress_drawn;
    /* recent (time, done) points for the current rate */
    double rate_t[8];
    int64_t rate_n[8];
    unsigned rate_i;
    int started;               /* the workers' gate is open: t0 is set */
    const struct shared *sh;   /* the slots handed out, for --rate's line */
    int64_t t0_ns;             /* the run's t0, for the intervals' end */
    int interval_lines;        /* --interval: a line per interval on stderr */
    size_t intervals_printed;
};

/* records may be NULL; progress: draw the live line on stderr. */
void report_init(struct report *rp, const struct config *cfg, struct output *out,
                 struct output *records, int progress);

/* The workers' gate opened (see workers.h): the run's clock starts. */
void report_start(void *ctx, const struct shared *sh);

/* A record_fn (core/record.h): returns 1 when the run must stop. */
int report_record(void *ctx, const struct record *r, const char *text);

/* Called a few times a second while the run goes on (see workers.h). */
void report_tick(void *ctx, int64_t watermark_us);

/* The first SIGINT: says that the run drains and how to stop it at once. */
void report_drain(void *ctx);

/* Clears the progress line, if any. */
void report_end(struct report *rp);

/* After the run (sh: its region, for t0 and the moment a stop ended the
 * offer): the last interval lines, and under --rate the warnings of the
 * stretches that achieved less than half the offered rate and of a run
 * that did not hold its rate. */
void report_finish(struct report *rp, const struct shared *sh);

#endif
