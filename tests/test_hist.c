#include "check.h"
#include "report/hist.h"

#include <stdint.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The exact answer hist_quantile approximates: the sample of rank ceil(q*n). */
static uint64_t exact(const uint64_t *sorted, size_t n, double q)
{
    size_t rank = (size_t)(q * (double)n);
    if ((double)rank < q * (double)n)
        rank++;
    if (rank == 0)
        rank = 1;
    return sorted[rank - 1];
}

static int within(uint64_t got, uint64_t want, double rel)
{
    double d = (double)got - (double)want;
    if (d < 0)
        d = -d;
    return d <= rel * (double)want + 0.5;
}

static struct hist h, h2, merged;

int main(void)
{
    hist_init(&h);
    CHECK(hist_quantile(&h, 0.5) == 0 && h.count == 0 && hist_mean(&h) == 0.0);

    /* Bucket geometry: contiguous, covering, and narrow. */
    int geometry_ok = 1;
    for (size_t i = 0; i + 1 < HIST_BUCKETS; i++) {
        if (hist_bucket_high(i) + 1 != hist_bucket_low(i + 1))
            geometry_ok = 0;
        if (hist_index(hist_bucket_low(i)) != i || hist_index(hist_bucket_high(i)) != i)
            geometry_ok = 0;
        uint64_t lo = hist_bucket_low(i), w = hist_bucket_high(i) - lo + 1;
        if (lo >= HIST_SUB && (double)w / (double)lo > 1.0 / HIST_SUB + 1e-12)
            geometry_ok = 0;
    }
    CHECK(geometry_ok);
    CHECK(hist_index(0) == 0 && hist_index(127) == 127 && hist_index(128) == 128);
    CHECK(hist_index(UINT64_MAX) == HIST_BUCKETS - 1);
    CHECK(hist_bucket_high(HIST_BUCKETS - 1) == UINT32_MAX);

    /* Exact below 128. */
    for (uint64_t v = 1; v <= 100; v++)
        hist_add(&h, v);
    CHECK(hist_quantile(&h, 0.5) == 50 && hist_quantile(&h, 0.99) == 99);
    CHECK(h.min == 1 && h.max == 100 && h.count == 100);
    /* The rank is rounded up: 0.555 of 100 is the 56th sample, not the 55th;
     * 0.001 of 100 is the 1st. */
    CHECK(hist_quantile(&h, 0.555) == 56 && hist_quantile(&h, 0.001) == 1);
    CHECK(hist_quantile(&h, 0.999) == 100);

    /* Above 128 a bucket answers with its middle, exactly (a tolerance
     * would hide a bucket's top or bottom): two samples in two buckets far
     * apart, so that the clamp to min and max does not apply. */
    {
        static struct hist b;
        hist_init(&b);
        uint64_t x = 1000003, y = 5000011;
        hist_add(&b, x);
        hist_add(&b, y);
        size_t ix = hist_index(x), iy = hist_index(y);
        uint64_t mx = hist_bucket_low(ix) + (hist_bucket_high(ix) - hist_bucket_low(ix)) / 2;
        uint64_t my = hist_bucket_low(iy) + (hist_bucket_high(iy) - hist_bucket_low(iy)) / 2;
        CHECK(hist_bucket_high(ix) - hist_bucket_low(ix) == 4095);
        CHECK(hist_quantile(&b, 0.5) == (mx < x ? x : mx));
        CHECK(hist_quantile(&b, 0.75) == (my > y ? y : my));
        CHECK(hist_quantile(&b, 0.5) != hist_bucket_high(ix));
        /* ... clamped where the middle passes the exact extremes. */
        hist_init(&b);
        hist_add(&b, hist_bucket_low(ix));
        CHECK(hist_quantile(&b, 0.5) == hist_bucket_low(ix));
    }

    /* Random samples over 1 us .. 1 hour, log-uniform: every quantile is
     * within 1% of the sorted array's answer. */
    srand(12345);
    size_t n = 200000;
    uint64_t *v = malloc(n * sizeof(*v));
    hist_init(&h);
    hist_init(&h2);
    for (size_t i = 0; i < n; i++) {
        double e = (double)rand() / RAND_MAX * 31.7;     /* up to ~3.5e9 */
        uint64_t x = (uint64_t)1 << (int)e;
        x += (uint64_t)((double)rand() / RAND_MAX * (double)x);
        v[i] = x;
        hist_add(i % 2 ? &h : &h2, x);
    }
    hist_init(&merged);
    CHECK(hist_merge(&merged, &h) == 0);
    CHECK(hist_merge(&merged, &h2) == 0);
    {
        /* A sum that does not fit 64 bits is refused, and nothing added. */
        static struct hist big, one;
        hist_init(&big);
        hist_init(&one);
        hist_add(&big, 5);
        big.sum = UINT64_MAX - 2;
        hist_add(&one, 5);
        CHECK(hist_merge(&big, &one) == -1 && big.count == 1 && big.bucket[5] == 1);
        big.sum = 5;
        big.bucket[5] = UINT64_MAX;
        CHECK(hist_merge(&big, &one) == -1 && big.count == 1 && big.sum == 5);
        big.bucket[5] = 1;
        CHECK(hist_merge(&big, &one) == 0 && big.count == 2 && big.sum == 10 && big.bucket[5] == 2);
    }
    qsort(v, n, sizeof(*v), cmp);
    const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999 };
    int quantiles_ok = 1;
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        uint64_t got = hist_quantile(&merged, qs[i]), want = exact(v, n, qs[i]);
        if (!within(got, want, 0.01)) {
            fprintf(stderr, "q=%g got %llu want %llu\n", qs[i],
                    (unsigned long long)got, (unsigned long long)want);
            quantiles_ok = 0;
        }
    }
    CHECK(quantiles_ok);
    CHECK(merged.count == n && merged.min == v[0] && merged.max == v[n - 1]);
    CHECK(hist_quantile(&merged, 0) == v[0] && hist_quantile(&merged, 1) == v[n - 1]);

    /* Merging is the same as adding everything to one histogram. */
    struct hist *all = malloc(sizeof(*all));
    hist_init(all);
    for (size_t i = 0; i < n; i++)
        hist_add(all, v[i]);
    CHECK(memcmp(all->bucket, merged.bucket, sizeof(all->bucket)) == 0 && all->sum == merged.sum);
    free(all);
    free(v);

    /* Over an hour is kept, in the last bucket, with the exact max. */
    hist_init(&h);
    hist_add(&h, (uint64_t)1 << 40);
    CHECK(h.bucket[HIST_BUCKETS - 1] == 1 && hist_quantile(&h, 0.5) == (uint64_t)1 << 40);
    /* Sum and mean exactly; zero is a value of its own; q 0 is the min. */
    {
        static struct hist z;
        hist_init(&z);
        hist_add(&z, 0);
        hist_add(&z, 0);
        hist_add(&z, 300);
        hist_add(&z, 5000000);
        CHECK(z.sum == 5000300 && z.count == 4 && hist_mean(&z) == 1250075.0);
        CHECK(z.bucket[0] == 2 && hist_quantile(&z, 0.5) == 0);
        CHECK(hist_quantile(&z, 0.0) == 0 && hist_quantile(&z, 1.0) == 5000000);
        hist_init(&z);
        hist_add(&z, 1000);
        hist_add(&z, 2000);
        CHECK(hist_quantile(&z, 0.0) == 1000 && hist_quantile(&z, -1.0) == 1000);
    }
    /* Beyond 2^32 us (71 minutes) everything is counted in the last
     * bucket, never past the array; min, max and sum stay exact. */
    {
        static struct hist big;
        hist_init(&big);
        uint64_t huge[] = { (uint64_t)1 << 32, ((uint64_t)1 << 32) + 12345, UINT64_MAX / 4 };
        for (int i = 0; i < 3; i++)
            hist_add(&big, huge[i]);
        CHECK(big.bucket[HIST_BUCKETS - 1] == 3 && big.count == 3);
        CHECK(big.max == UINT64_MAX / 4 && big.min == ((uint64_t)1 << 32));
        CHECK(hist_index(((uint64_t)1 << 32) - 1) == HIST_BUCKETS - 1);
        CHECK(hist_index(((uint64_t)1 << 31)) < HIST_BUCKETS - 1);
    }
    /* Merging: the smaller min and the larger max, whichever side holds
     * them, counts and sums added, an empty side changing nothing. */
    {
        static struct hist a, b, e;
        hist_init(&a);
        hist_init(&b);
        hist_init(&e);
        hist_add(&a, 500);
        hist_add(&a, 90000);
        hist_add(&b, 7);
        hist_add(&b, 0);
        hist_merge(&a, &b);
        CHECK(a.min == 0 && a.max == 90000 && a.count == 4 && a.sum == 90507);
        CHECK(a.bucket[0] == 1 && a.bucket[7] == 1);
        hist_merge(&a, &e);
        CHECK(a.count == 4 && a.min == 0);
        hist_merge(&e, &a);
        CHECK(e.count == 4 && e.min == 0 && e.max == 90000 && e.bucket[0] == 1);
        hist_init(&b);
        hist_add(&b, 200000);
        hist_merge(&b, &a);
        CHECK(b.min == 0 && b.max == 200000);
    }
    /* A rank is 1-based: never 0, even for q = 0 or no samples. */
    CHECK(hist_rank(10, 0.0) == 1 && hist_rank(0, 0.5) == 1 && hist_rank(1, 0.5) == 1);
    CHECK(hist_rank(10, 0.5) == 5 && hist_rank(10, 0.51) == 6 && hist_rank(10, 1.0) == 10);
    return check_done("hist");
}
