/* combine: the options that only make sense together, checked once all
 * are read: TLS and AUTH, the load's shape, --find-rate, the thresholds
 * and --start-at. A conflict ends the program with one fatal line. */
#ifndef COMBINE_H
#define COMBINE_H

#include "core/config.h"

/* start_text: --start-at's value as given (NULL without it). */
void combine_check(struct config *cfg, const char *start_text);

#endif
