/* findrate: --find-rate: the capacity search run as a sequence of --rate
 * runs of --step each (verdict/search.h chooses the rates), judged by the
 * thresholds, with a pause between them for the server to drain. */
#ifndef APP_FINDRATE_H
#define APP_FINDRATE_H

#include "app/parent.h"
#include "verdict/verdict.h"

/* Runs the search and writes its table (text, JSON); returns the exit
 * status (verdict/search.h's, or 128 + a stop signal). */
int findrate_run(const struct config *cfg, struct session_args *sa, struct results *rs,
                 struct verdict *v, struct parent *pa);

#endif
