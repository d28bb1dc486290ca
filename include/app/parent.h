/* parent: one run as the parent process sees it: the shared region made,
 * the workers forked, their records fed to the report, to the stages' rows
 * and to the metrics server, the workers reaped and the report's numbers
 * made final. main.c runs it once; --find-rate once per step. */
#ifndef APP_PARENT_H
#define APP_PARENT_H

#include "core/config.h"
#include "metrics/server.h"
#include "report/mix.h"
#include "report/report.h"
#include "report/results.h"
#include "run/workers.h"
#include "smtp/client.h"
#include "verdict/stages.h"

struct parent {
    struct report rp;
    struct stage_rows rows;      /* --stages: a row per stage */
    int staged;
    int ran;                     /* parent_run has run before */
    struct metrics *mx;          /* --metrics, or NULL */
    const char *run_text;        /* the run's id, the metrics' label */
    struct workers_hooks hooks;  /* the last run's: the linger serves its descriptors */
    struct mix *mix;             /* a workload run's part of the report, or NULL */
};

/* --metrics: listens before any worker exists, so that a port that cannot
 * be had stops the program before it sends anything. NULL without it. */
struct metrics *parent_metrics(const struct config *cfg);

/* One run of cfg's schedule: workers made, run and reaped, the numbers
 * final in pa->rp. Returns workers_run's status (its errno in *run_errno). */
int parent_run(const struct config *cfg, struct session_args *sa, struct results *rs,
               int progress, struct parent *pa, struct workers_result *res, int *run_errno);

/* After the report: the metrics stay up for --metrics-linger (or until a
 * stop signal), then the server closes. */
void parent_linger(const struct config *cfg, struct parent *pa);

#endif
