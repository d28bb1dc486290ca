/* mixread: a --json report's "workload" object read back for --merge,
 * strictly: the seed, --size as written, and the sizes, the recipients
 * per message and the dot phase's latency by size class as histograms,
 * bucket by bucket; each class where its bounds say, and no histogram
 * holding more messages than the report ended. Pure: no I/O. */
#ifndef MIXREAD_H
#define MIXREAD_H

#include "merge/fields.h"
#include "report/mix.h"

#include <stdint.h>

/* root's "workload" (none without a workload option: NULL) into a
 * malloc'd mix whose size_text points into r's document; ended: the
 * report's messages sent and failed. A fault goes in r (NULL). */
struct mix *mixread(struct rd *r, const struct jr_node *root, int64_t ended);

#endif
