/* plot: the SVG picture of a run (--plot): the achieved against the
 * offered rate per interval; the corrected and service p50, p99 and max
 * per interval on a log scale; and the percentile distribution of both
 * histograms (percentile on a log axis to 99.99%); with a workload whose
 * messages have sizes (--size), the dot phase's p50 and p99 by size class
 * on a log scale. One self-contained
 * file: no script, no external font or file. Every plotted point carries
 * its value (data-value) and a tooltip, and each panel its scales, so a
 * reader or a test can check the picture against the JSON. Pure. */
#ifndef PLOT_H
#define PLOT_H

#include "report/mix.h"
#include "report/stats.h"

#include <stdio.h>

/* Writes the picture of st (which must hold intervals) to out; mix: the
 * workload part, or NULL; title says what ran (the target, the options),
 * may be NULL. */
void plot_svg(FILE *out, const struct stats *st, const struct mix *mix, const char *title);

/* The title: where, the load (the offered rate, the sessions), how long,
 * the bytes a message, when (UTC), and what came of it (completed, a
 * shortfall, interrupted). */
void plot_title(char *out, size_t len, const struct stats *st, const struct run_info *ri);

/* Said in the picture, and by the run on standard error, when the report
 * holds no intervals (a merge of shards run without --interval). */
#define PLOT_NO_INTERVALS "No time panels: the report holds no intervals (a merge " \
    "needs each shard run with --interval=S); below, the distribution of the whole run."

#endif
