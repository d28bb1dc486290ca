/* kneeplot: the capacity search as one SVG picture (--find-rate with
 * --plot), the knee chart: the achieved against the offered rate, and the
 * corrected p50 and p99 (log scale) against the offered rate, one point
 * per step (filled if the step passed, hollow if it failed a threshold),
 * the latency thresholds on those two percentiles as lines, the found rate
 * marked and the rates that failed shaded. Each point carries its step,
 * offered rate and value (data-*) and a tooltip, each panel its scales, so
 * that a reader or a test can check the picture against the JSON's
 * search.steps. Pure. */
#ifndef KNEEPLOT_H
#define KNEEPLOT_H

#include "verdict/search.h"
#include "verdict/verdict.h"

#include <stdio.h>

/* Writes the knee chart of s, judged by v's thresholds, to out; title
 * (the range, the outcome) and the line under it (the target, the
 * sessions) may be NULL. */
void kneeplot_svg(FILE *out, const struct search *s, const struct verdict *v, const char *title,
                  const char *subtitle);

#endif
