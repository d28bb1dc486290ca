/* exposition: the run's numbers as Prometheus scrapes them, in the text
 * format 0.0.4 or OpenMetrics 1.0, built from the parent's stats: counts
 * by outcome, replies, bytes, connections, TLS, the schedule, and each
 * latency as a histogram cut from the run's own (report/hist.h). Pure. */
#ifndef EXPOSITION_H
#define EXPOSITION_H

#include "report/stats.h"

#include <stddef.h>
#include <stdint.h>

/* A response body under construction, never larger than max: past it,
 * over is set and the text is incomplete. */
struct expo_buf {
    char *p;
    size_t len, cap, max;
    int over;
};

void expo_buf_init(struct expo_buf *b, size_t max);
void expo_buf_free(struct expo_buf *b);
/* Appends len bytes (also used for the HTTP head). */
void expo_buf_put(struct expo_buf *b, const char *s, size_t len);

/* What a scrape shows besides the stats: the labels, and the live figures
 * only the server can read (the clock, the slot counter). */
struct metrics_view {
    const struct stats *st;
    const char *run_id;        /* the run's identity (runid_text) */
    int sharded;
    uint32_t shard_index;
    int running;               /* 1 while the run goes on, 0 once it ended */
    int64_t in_flight;         /* slots claimed whose record has not come */
    int64_t due;               /* --rate: this run's slots due so far */
    uint64_t elapsed_us;       /* since t0 (0 before it) */
};

/* The histograms' finite bucket bounds, in us: EXPO_BOUNDS of them, each
 * the inclusive top of a bucket of report/hist.h, so that a cumulative
 * count is exact. Eight to an octave, from 15 us to about 36 minutes. */
#define EXPO_OCTAVE_FIRST 4
#define EXPO_OCTAVE_END 31
#define EXPO_PER_OCTAVE 8
#define EXPO_BOUNDS ((EXPO_OCTAVE_END - EXPO_OCTAVE_FIRST) * EXPO_PER_OCTAVE + 1)
uint64_t expo_bound_us(size_t i);

/* Appends the whole exposition; openmetrics picks the format. */
void expo_write(struct expo_buf *b, const struct metrics_view *v, int openmetrics);

/* The Content-Type of either format. */
const char *expo_content_type(int openmetrics);

#endif
