/* merge: --merge, the one report of a run that several machines made
 * (see shard.h): the shards' --json reports (mergeread.h) checked to be
 * the parts of one run, then added up exactly: counts summed, histograms
 * bucket by bucket, intervals slot by slot on the shared t0, the elapsed
 * time from t0 to the last shard's end. The result prints as a run's
 * report does (stats.h, statsjson.h, results.h). */
#ifndef MERGE_H
#define MERGE_H

#include "core/config.h"
#include "report/mix.h"
#include "report/results.h"
#include "report/runid.h"
#include "report/stats.h"

#include <stddef.h>

/* A report's text and the name its errors go by (a file name, "-"). */
struct merge_input {
    const char *name;
    const char *text;
    size_t len;
};

struct merge_result {
    struct stats *st;          /* heap: the histograms are large */
    struct run_id id;          /* the run's: not sharded, of N shards */
    struct merged merged;
    struct run_info ri;        /* ri.status set by results_ending */
    char error[256], target[256], auth[128];
    char suite[STATS_SUITES][128];
    struct mix *mix;           /* heap: the workload part, NULL if the run had none */
    char *size_text;           /* heap: its --size as written, shown as text is */
};

/* Exit status of a merge that lacked shards, when no shard's own status
 * says worse (see EXIT STATUS in the man page). */
#define MERGE_EXIT_PARTIAL 3

/* Merges n >= 1 reports. 0, or -1 with why: one line naming the input
 * and the key or shard ("b.json: another run than a.json: ..."). The
 * result must be freed either way. */
int merge_reports(const struct merge_input *in, size_t n, struct merge_result *res, char *why,
                  size_t len);
void merge_result_free(struct merge_result *res);

/* "missing shards 2/4, 3/4" (without a newline) on out. */
void merge_print_missing(const struct merged *m, FILE *out);

/* The exit status: a shard's failure or signal as for one run, else
 * MERGE_EXIT_PARTIAL if shards are missing, else the outputs' (results.h). */
int merge_exit_status(const struct merge_result *res, int unwritten);

/* --merge: reads cfg's files ("-": standard input), merges them, has the
 * merged run judged (judge: NULL for none), writes the report as a run
 * does, and returns the exit status. A refusal ends the program with one
 * line and status 1. */
int merge_run(const struct config *cfg, const struct results_judge *judge);

#endif
