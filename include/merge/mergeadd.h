/* mergeadd: one shard's numbers added into the run's, exactly: every sum
 * checked, so that a count, a byte total or a histogram that would not
 * fit its 64 bits is refused by its key rather than wrapped; the shard's
 * times placed on the run's t0. Pure: no I/O. */
#ifndef MERGEADD_H
#define MERGEADD_H

#include "merge/merge.h"
#include "merge/mergeread.h"

#include <stdint.h>

#define MERGEADD_OVERFLOW (-1)
#define MERGEADD_NOMEM (-2)

/* Adds part p, whose t0 is off us after the run's, into res. 0;
 * MERGEADD_OVERFLOW with *key the report's key whose sum would not fit
 * (res is then not to be used); MERGEADD_NOMEM. */
int mergeadd(struct merge_result *res, const struct part *p, int64_t off, const char **key);

#endif
