/* verdict: the run's thresholds (--fail-if) as one judgement: each
 * judged once on the final numbers, one report line each and a
 * "thresholds" array in the JSON. Pure but for the report's writing. */
#ifndef VERDICT_H
#define VERDICT_H

#include "core/config.h"
#include "report/stats.h"
#include "verdict/threshold.h"

struct verdict {
    struct threshold th[THRESHOLDS_MAX];
    struct threshold_result res[THRESHOLDS_MAX];
    unsigned n;
    int judged, failed;
    struct report_addendum addendum;
};

/* Parses one expression (--fail-if=text) into v. 0, or -1 with the reason
 * and every valid form in why: "--fail-if=EXPR: WHY (give ...)". */
int verdict_add(struct verdict *v, const char *text, char *why, size_t len);

/* cfg's thresholds (options_parse refused any bad one already); none
 * given and defaults set: the defaults instead ("failed>1%" ...). */
void verdict_init(struct verdict *v, const struct config *cfg, const char *const *defaults);

/* Judges every threshold on st and hangs the verdict on ri: its report,
 * and ri->thresholds_failed for the exit status (results.h). Returns 1 if
 * one failed. */
int verdict_judge(struct verdict *v, const struct stats *st, struct run_info *ri);

/* The report's lines, "threshold EXPR: passed (p99 41.2 ms)", and the
 * JSON's "thresholds" array. */
void verdict_text(const void *v, FILE *out);
void verdict_json(const void *v, struct json *j);

#endif
