/* statsjson: the JSON report (--json): the run's numbers as one object,
 * every histogram with its non-empty buckets, so that reports of several
 * machines can be merged exactly (see merge.h). The format's version is
 * STATSJSON_VERSION; man/smtp-source.1 (REPORT) documents its keys. */
#ifndef STATSJSON_H
#define STATSJSON_H

#include "report/stats.h"

#include <stdio.h>

/* 1: the first; 2: "run" (identity, shard, t0, start lag, first and last
 * message), "outcome", "merged", and exact integers beside the rounded
 * milliseconds (min_us, max_us, last_start_us, ...), for --merge; 3:
 * run.settings, and a merge's settings per shard (merged.parts[].settings,
 * merged.settings_differ); the message phase holds the messages sent
 * only; under --rate, "due" ends with the offer (a stop ends it),
 * "achieved" is the messages sent, the intervals count their slots due,
 * started and not done by due time, and "timeline" and the stall figures
 * of "schedule" are new; "thresholds" (--fail-if), "stages" (--stages)
 * and, for --find-rate, "search"; "auth" an object of what AUTH came to,
 * per mechanism used (attempts, authenticated, refusals by code, given
 * up, unanswered), no longer the mechanism asked for (now
 * run.settings.auth). */
#define STATSJSON_VERSION 3

void stats_json(const struct stats *st, FILE *out, const struct run_info *ri);

#endif
