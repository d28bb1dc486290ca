/* results: where the results of a run (or of a merge) go, and what they
 * add up to: the text report on standard output, --json, --records and
 * --plot, every byte of each checked; the words for how the run ended and
 * the exit status that follows from it. */
#ifndef RESULTS_H
#define RESULTS_H

#include "core/config.h"
#include "report/output.h"
#include "report/stats.h"

/* The run's result outputs; json, records and plot are NULL when not
 * asked for, or &out_std for "-". */
struct results {
    struct output out_std, json_file, records_file, plot_file;
    struct output *json, *records, *plot;
};

/* A judgement of the run's final numbers (verdict/), made before its
 * results are written: it may hang an addendum and thresholds_failed on
 * ri. */
struct results_judge {
    int (*judge)(void *ctx, const struct stats *st, struct run_info *ri);
    void *ctx;
};

/* Opens what cfg asks for, or ends the program with one line (before any
 * worker exists). */
void results_open(struct results *rs, const struct config *cfg);

/* Sets ri->status, ri->interrupted and (unless set) ri->error from
 * ri->fatal, ri->signal and ri->workers_died. */
void results_ending(struct run_info *ri);

/* Writes the text report (unless --quiet, or the JSON goes to standard
 * output), the JSON and the plot, then closes every output. Returns 1 if
 * any of them could not be written in full, else 0. */
int results_write(struct results *rs, const struct config *cfg, const struct stats *st,
                  const struct run_info *ri);

/* Closes every output, checking each. Returns 1 if any of them could not
 * be written in full, else 0. */
int results_close(struct results *rs);

/* The exit status of a run that failed a --fail-if threshold but had no
 * failure of its own and was not interrupted (see EXIT STATUS). */
#define RESULTS_EXIT_THRESHOLD 2

/* The exit status of a run that ended as ri says (see EXIT STATUS). */
int results_exit_status(const struct run_info *ri, int unwritten);

#endif
