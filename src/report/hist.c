#include "report/hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof(*h));
}

static unsigned msb(uint64_t v)
{
    unsigned b = 0;
    while (v >>= 1)
        b++;
    return b;
}

size_t hist_index(uint64_t v)
{
    if (v < HIST_SUB)
        return (size_t)v;
    unsigned m = msb(v);
    if (m >= HIST_MAX_BITS)
        return HIST_BUCKETS - 1;
    unsigned shift = m - HIST_SUB_BITS;
    return HIST_SUB + (size_t)shift * HIST_SUB + (size_t)((v >> shift) - HIST_SUB);
}

uint64_t hist_bucket_low(size_t i)
{
    if (i < HIST_SUB)
        return i;
    size_t shift = (i - HIST_SUB) / HIST_SUB;
    size_t sub = (i - HIST_SUB) % HIST_SUB;
    return (uint64_t)(HIST_SUB + sub) << shift;
}

uint64_t hist_bucket_high(size_t i)
{
    if (i < HIST_SUB)
        return i;
    size_t shift = (i - HIST_SUB) / HIST_SUB;
    return hist_bucket_low(i) + ((uint64_t)1 << shift) - 1;
}

void hist_add(struct hist *h, uint64_t v)
{
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->count++;
    h->sum += v;
    h->bucket[hist_index(v)]++;
}

int hist_merge(struct hist *into, const struct hist *from)
{
    if (from->count == 0)
        return 0;
    /* All or nothing: a sum that does not fit leaves into as it was. */
    if (from->count > UINT64_MAX - into->count || from->sum > UINT64_MAX - into->sum)
        return -1;
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        if (from->bucket[i] > UINT64_MAX - into->bucket[i])
            return -1;
    if (into->count == 0 || from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    into->count += from->count;
    into->sum += from->sum;
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        into->bucket[i] += from->bucket[i];
    return 0;
}

uint64_t hist_rank(uint64_t count, double q)
{
    /* The rank of the answer among the sorted samples, 1-based. */
    uint64_t rank = (uint64_t)(q * (double)count);
    if ((double)rank < q * (double)count)
        rank++;
    return rank == 0 ? 1 : rank;
}

uint64_t hist_bucket_value(size_t i, uint64_t min, uint64_t max)
{
    uint64_t lo = hist_bucket_low(i), hi = hist_bucket_high(i);
    uint64_t mid = lo + (hi - lo) / 2;
    if (mid < min)
        mid = min;
    if (mid > max)
        mid = max;
    return mid;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0)
        return h->min;
    if (q >= 1)
        return h->max;
    uint64_t rank = hist_rank(h->count, q), seen = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank)
            return hist_bucket_value(i, h->min, h->max);
    }
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}
