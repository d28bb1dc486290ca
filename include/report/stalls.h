/* stalls: what a --rate run's timeline (timeline.h) says happened when:
 * the stalls (stretches in which no message was sent while messages were
 * due and unfinished), the worst window's achieved rate, the stretches
 * that achieved less than half the offered rate, and the peak of messages
 * due and unfinished at once (what had been in flight had every slot
 * started on time). Everything to the timeline's bins. Pure. */
#ifndef STALLS_H
#define STALLS_H

#include "report/timeline.h"

#include <stdint.h>

/* [from_us, to_us) after t0. */
struct stall {
    int64_t from_us, to_us;
};

/* Where stalls_next has got to: start from { 0 }. */
struct stall_cursor {
    size_t bin;
    uint64_t due, ended;   /* the sums before it */
};

/* The stalls in time order: 1 with the next one in *s, 0 when there is
 * none left. A bin is in a stall when no message was sent in it and, by
 * its end, more slots had come due than messages had ended before it. */
int stalls_next(const struct timeline *tl, struct stall_cursor *c, struct stall *s);

/* The longest stall (the first of equals); 0 if there is none. */
int stalls_longest(const struct timeline *tl, struct stall *s);

/* A stretch of time and what it achieved. */
struct stretch {
    int64_t from_us, to_us;
    uint64_t due, sent;
};

/* The worst window: of the windows of window_us from t0 (whole bins at
 * least) in which slots were due, the one with the fewest messages sent
 * per second of it (the first of equals; the run's end cuts the last).
 * 0 if no slot was due. */
int stalls_worst_window(const struct timeline *tl, int64_t window_us, struct stretch *w);

/* The windows (as above) in which fewer messages were sent than half the
 * slots due, run together into stretches: how many stretches there are
 * (0: none), and in *s the longest stall that overlaps one of those
 * windows if it lasted half a window or more (a stall is what such a
 * window was), else the longest stretch. */
unsigned stalls_below_half(const struct timeline *tl, int64_t window_us, struct stretch *s);

/* The most messages due and not yet ended at one time: low, exactly, at
 * the bins' edges; high, at most one bin's slots above the true peak. */
void stalls_peak(const struct timeline *tl, uint64_t *low, uint64_t *high);

#endif
