/* timeline: a --rate run in small bins of time from t0: per bin, the
 * slots that came due in it and the messages that ended in it (all, and
 * those sent), so that what happened when can be read back at any time
 * scale (see stalls.h) and the bins of runs that share t0 can be added.
 * Fixed memory: when the run outgrows the bins they widen tenfold. Pure. */
#ifndef TIMELINE_H
#define TIMELINE_H

#include "core/json.h"
#include "core/shard.h"
#include "core/units.h"

#include <stddef.h>
#include <stdint.h>

struct stages;

/* The narrowest bin, and the most bins: 1 ms bins for the first 131 s,
 * 10 ms ones to 22 minutes, 100 ms ones to 3.6 hours, ... Every width
 * divides a second, or is whole seconds. */
#define TIMELINE_BIN_MIN_US 1000
#define TIMELINE_BINS_MAX ((size_t)1 << 17)
/* The widest bin the reader takes (10^9 ms: far beyond any run). */
#define TIMELINE_BIN_MAX_US ((int64_t)1000000000 * 1000)

struct tl_bin {
    uint32_t due;      /* slots due in it */
    uint32_t ended;    /* messages that ended in it, sent or failed */
    uint32_t sent;     /* ... of which sent */
};

struct timeline {
    int64_t bin_us;
    struct tl_bin *bin;
    size_t n, cap;     /* bin[0..n) exist */
    int64_t end_us;    /* the run's end (us since t0): the last bin stops there; -1 before */
};

void timeline_init(struct timeline *tl);
void timeline_free(struct timeline *tl);

/* A message that ended end_us after t0. -1 if memory ran out. */
int timeline_add(struct timeline *tl, int64_t end_us, int sent);

/* The slots of a run of run_slots slots at rate that shard sh owns and
 * that were due before offer_end_us (us since that run's t0), placed
 * off_us after this timeline's t0 (whole bins, as the intervals). -1 if
 * memory ran out or a bin's count would overflow. */
int timeline_due(struct timeline *tl, const struct rate *rate, const struct stages *st,
                 const struct shard *sh,
                 int64_t run_slots, int64_t offer_end_us, int64_t off_us);

/* The run ended at end_us: the bins reach it. */
int timeline_finish(struct timeline *tl, int64_t end_us);

/* Adds another run's bins, placed off_us later (see timeline_due). -1 if
 * memory ran out or a count would overflow. */
int timeline_merge(struct timeline *tl, const struct timeline *from, int64_t off_us);

/* Reading one back (see merge.h): bin `index` of width bin_us (which the
 * first call sets) with its counts; indexes rising. -1 if out of order,
 * of another width, or out of memory. */
int timeline_put(struct timeline *tl, int64_t bin_us, size_t index, uint32_t ended, uint32_t sent);

/* Sums over [from_us, to_us): slots due, messages ended and sent. The
 * bounds are taken to whole bins (from down, to up). */
void timeline_sum(const struct timeline *tl, int64_t from_us, int64_t to_us, uint64_t *due,
                  uint64_t *ended, uint64_t *sent);

/* "timeline": {"bin_us", "bins": [[index, ended, sent], ...]} with the
 * bins in which something ended (the due counts follow from the schedule). */
void timeline_json(const struct timeline *tl, struct json *j);

#endif
