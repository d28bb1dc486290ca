/* plot: the SVG picture of a run (--plot): the achieved against the
 * offered rate per interval; the corrected and service p50, p99 and max
 * per interval on a log scale; and the percentile distribution of both
 * histograms (percentile on a log axis to 99.99%). One self-contained
 * file: no script, no external font or file. Every plotted point carries
 * its value (data-value) and a tooltip, and each panel its scales, so a
 * reader or a test can check the picture against the JSON. Pure. */
#ifndef PLOT_H
#define PLOT_H

#include "report/stats.h"

#include <stdio.h>

/* Writes the picture of st (which must hold intervals) to out; title
 * says what ran (the target, the options), may be NULL. */
void plot_svg(FILE *out, const struct stats *st, const char *title);

#endif
