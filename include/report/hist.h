/* hist: a latency histogram with fixed memory and bounded relative error.
 * Log-linear buckets (in the manner of HdrHistogram): values below 128 are
 * exact; above, each power of two is split into 128 equal buckets, so a
 * bucket is at most 1/128 of its value wide (< 0.4% error at its middle).
 * Values are microseconds; 1 us to over an hour (2^32 - 1 us) are covered,
 * larger values are counted in the last bucket. Pure: no I/O. */
#ifndef HIST_H
#define HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_BITS 32
#define HIST_BUCKETS (HIST_SUB + (HIST_MAX_BITS - HIST_SUB_BITS) * HIST_SUB)

struct hist {
    uint64_t count;
    uint64_t sum;
    uint64_t min, max;
    uint64_t bucket[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t value);
/* into += from, bucket by bucket; -1 (into unchanged) if a count or the
 * sum would overflow 64 bits. */
int hist_merge(struct hist *into, const struct hist *from);

/* The value at quantile q (0..1): the smallest recorded value v such that
 * at least q of the samples are <= v, to within a bucket (clamped to the
 * exact min and max). 0 if the histogram is empty. */
uint64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

/* The parts of hist_quantile, for histograms kept in other shapes: the
 * 1-based rank of quantile q among count samples, and the value a
 * quantile falling in bucket i reports. */
uint64_t hist_rank(uint64_t count, double q);
uint64_t hist_bucket_value(size_t i, uint64_t min, uint64_t max);

/* Bucket geometry, for writing and merging histograms elsewhere. */
size_t hist_index(uint64_t value);
uint64_t hist_bucket_low(size_t index);
uint64_t hist_bucket_high(size_t index);   /* inclusive */

#endif
