/* intervals: the run in intervals from t0, each message in the interval
 * in which it ended; sparse histograms per interval. */
#include "report/intervals.h"

#include "report/hist.h"
#include "run/schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CELL_SHIFT 40
#define CELL_COUNT SHIST_COUNT_MAX
_Static_assert(SHIST_COUNT_MAX == (UINT64_C(1) << CELL_SHIFT) - 1, "a cell's count fills its bits");

static int grow(struct intervals *iv, size_t n);

static size_t cell_index(uint64_t c)
{
    return (size_t)(c >> CELL_SHIFT);
}

static int shist_add(struct shist *h, uint64_t v)
{
    size_t idx = hist_index(v), lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cell_index(h->cell[mid]) < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == h->n || cell_index(h->cell[lo]) != idx) {
        if (h->n == h->cap) {
            uint32_t cap = h->cap ? h->cap * 2 : 8;
            uint64_t *c = realloc(h->cell, cap * sizeof(*c));
            if (c == 0)
                return -1;
            h->cell = c;
            h->cap = cap;
        }
        memmove(h->cell + lo + 1, h->cell + lo, (h->n - lo) * sizeof(*h->cell));
        h->cell[lo] = (uint64_t)idx << CELL_SHIFT;
        h->n++;
    }
    h->cell[lo]++;
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->count++;
    h->sum += v;
    return 0;
}

uint64_t shist_quantile(const struct shist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0)
        return h->min;
    if (q >= 1)
        return h->max;
    uint64_t rank = hist_rank(h->count, q), seen = 0;
    for (uint32_t i = 0; i < h->n; i++) {
        seen += h->cell[i] & CELL_COUNT;
        if (seen >= rank)
            return hist_bucket_value(cell_index(h->cell[i]), h->min, h->max);
    }
    return h->max;
}

int shist_put(struct shist *h, size_t index, uint64_t count)
{
    if (count == 0 || count > CELL_COUNT || (h->n > 0 && cell_index(h->cell[h->n - 1]) >= index))
        return -1;
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 8;
        uint64_t *c = realloc(h->cell, cap * sizeof(*c));
        if (c == 0)
            return -1;
        h->cell = c;
        h->cap = cap;
    }
    h->cell[h->n++] = (uint64_t)index << CELL_SHIFT | count;
    return 0;
}

void shist_free(struct shist *h)
{
    free(h->cell);
    memset(h, 0, sizeof(*h));
}

/* into += from, cell by cell (both in bucket order); into unchanged if
 * memory runs out (-1) or a sum would not fit (INTERVALS_OVERFLOW). */
static int shist_merge(struct shist *into, const struct shist *from)
{
    if (from->count == 0)
        return 0;
    if (from->count > UINT64_MAX - into->count || from->sum > UINT64_MAX - into->sum)
        return INTERVALS_OVERFLOW;
    struct shist sum = { 0 };
    uint32_t a = 0, b = 0;
    while (a < into->n || b < from->n) {
        size_t ia = a < into->n ? cell_index(into->cell[a]) : SIZE_MAX;
        size_t ib = b < from->n ? cell_index(from->cell[b]) : SIZE_MAX;
        size_t idx = ia < ib ? ia : ib;
        uint64_t c = 0;
        if (ia == idx)
            c += into->cell[a++] & CELL_COUNT;
        if (ib == idx)
            c += from->cell[b++] & CELL_COUNT;
        if (c > CELL_COUNT || shist_put(&sum, idx, c) < 0) {
            free(sum.cell);
            return c > CELL_COUNT ? INTERVALS_OVERFLOW : -1;
        }
    }
    sum.count = into->count + from->count;
    sum.sum = into->sum + from->sum;
    sum.min = into->count == 0 || from->min < into->min ? from->min : into->min;
    sum.max = from->max > into->max ? from->max : into->max;
    free(into->cell);
    *into = sum;
    return 0;
}

/* *into += v for counts that are never negative; -1 if it would not fit. */
static int add_count(int64_t *into, int64_t v)
{
    if (v > INT64_MAX - *into)
        return -1;
    *into += v;
    return 0;
}

int intervals_merge(struct intervals *iv, size_t i, const struct interval *from)
{
    if (i >= INTERVALS_MAX) {
        /* After the last interval, as a run's own records would be. */
        uint64_t n[3] = { (uint64_t)from->sent, (uint64_t)from->failed, (uint64_t)from->not_done };
        for (int k = 0; k < 3; k++) {
            if (n[k] > UINT64_MAX - iv->dropped)
                return INTERVALS_OVERFLOW;
            iv->dropped += n[k];
        }
        return 0;
    }
    if (grow(iv, i + 1) < 0)
        return -1;
    struct interval *it = &iv->v[i];
    if (add_count(&it->sent, from->sent) < 0 || add_count(&it->failed, from->failed) < 0
        || add_count(&it->not_done, from->not_done) < 0)
        return INTERVALS_OVERFLOW;
    int e = shist_merge(&it->service, &from->service);
    return e < 0 ? e : shist_merge(&it->corrected, &from->corrected);
}

void intervals_init(struct intervals *iv, int64_t len_ns, const struct rate *rate, int64_t slots)
{
    memset(iv, 0, sizeof(*iv));
    iv->len_us = len_ns / 1000 > 0 ? len_ns / 1000 : 1;
    if (rate) {
        iv->scheduled = 1;
        iv->rate = *rate;
    }
    iv->slots = slots;
    iv->shard = (struct shard){ 0, 1 };
    iv->end_us = -1;
}

void intervals_shard(struct intervals *iv, const struct shard *sh)
{
    iv->shard = *sh;
}

void intervals_free(struct intervals *iv)
{
    for (size_t i = 0; i < iv->n; i++) {
        free(iv->v[i].service.cell);
        free(iv->v[i].corrected.cell);
    }
    free(iv->v);
    memset(iv, 0, sizeof(*iv));
}

/* Makes v[0..n) exist (empty ones cost no histogram memory). */
static int grow(struct intervals *iv, size_t n)
{
    if (n > INTERVALS_MAX)
        return -1;
    if (n > iv->cap) {
        size_t cap = iv->cap ? iv->cap : 64;
        while (cap < n)
            cap *= 2;
        if (cap > INTERVALS_MAX)
            cap = INTERVALS_MAX;
        struct interval *v = realloc(iv->v, cap * sizeof(*v));
        if (v == 0)
            return -1;
        iv->v = v;
        iv->cap = cap;
    }
    if (n > iv->n) {
        memset(iv->v + iv->n, 0, (n - iv->n) * sizeof(*iv->v));
        iv->n = n;
    }
    return 0;
}

int intervals_add(struct intervals *iv, const struct record *r)
{
    int64_t end = r->end_us > 0 ? r->end_us : 0;
    size_t i = (size_t)(end / iv->len_us);
    if (grow(iv, i + 1) < 0) {
        iv->dropped++;
        return -1;
    }
    struct interval *it = &iv->v[i];
    if (r->flags & RF_NOT_DONE) {
        it->not_done++;
        return 0;
    }
    if (!(r->flags & RF_SENT)) {
        it->failed++;
        return 0;
    }
    it->sent++;
    int e = shist_add(&it->service, (uint64_t)(r->end_us - r->start_us));
    if (iv->scheduled && (r->flags & RF_SCHEDULED) && e == 0)
        e = shist_add(&it->corrected, (uint64_t)(r->end_us - r->intended_us));
    return e;
}

size_t intervals_close(struct intervals *iv, int64_t upto_us)
{
    size_t n = upto_us > 0 ? (size_t)(upto_us / iv->len_us) : 0;
    if (n > INTERVALS_MAX)
        n = INTERVALS_MAX;
    if (n > iv->closed && grow(iv, n) == 0)
        iv->closed = n;
    return iv->closed;
}

size_t intervals_finish(struct intervals *iv, int64_t end_us)
{
    iv->end_us = end_us > 0 ? end_us : 0;
    /* The interval holding the end, partial; with an end exactly on a
     * boundary, the one before it is the last. */
    size_t n = (size_t)((iv->end_us + iv->len_us - 1) / iv->len_us);
    if (n == 0)
        n = 1;
    if (n < iv->n)
        n = iv->n;
    if (n > INTERVALS_MAX)
        n = INTERVALS_MAX;
    if (grow(iv, n) == 0 || iv->n > 0)
        iv->closed = iv->n;
    return iv->closed;
}

static int64_t due_before(const struct intervals *iv, int64_t t_us)
{
    int64_t k = schedule_slots_within(&iv->rate, t_us * 1000);
    return shard_owned(&iv->shard, k < iv->slots ? k : iv->slots);
}

static void put3(const struct shist *h, uint64_t out[3])
{
    out[0] = shist_quantile(h, 0.50);
    out[1] = shist_quantile(h, 0.99);
    out[2] = h->max;
}

void intervals_figures(const struct intervals *iv, size_t i, struct interval_figures *f)
{
    const struct interval *it = &iv->v[i];
    int64_t start = (int64_t)i * iv->len_us, len = iv->len_us;

    memset(f, 0, sizeof(*f));
    /* The last interval ends with the run. */
    if (iv->end_us >= 0 && i + 1 == iv->n && iv->end_us - start < len && iv->end_us > start)
        len = iv->end_us - start;
    f->start_s = (double)start / 1e6;
    f->len_s = (double)len / 1e6;
    if (iv->scheduled) {
        f->due = due_before(iv, start + len) - due_before(iv, start);
        f->offered_per_s = (double)f->due / f->len_s;
    }
    f->sent = it->sent;
    f->failed = it->failed;
    f->not_done = it->not_done;
    f->achieved_per_s = (double)it->sent / f->len_s;
    put3(&it->service, f->service);
    put3(&it->corrected, f->corrected);
}

/* Milliseconds with three figures or so: 0.123, 1.23, 12.3, 123, 1234. */
static int ms_text(char *buf, size_t len, uint64_t us)
{
    double ms = (double)us / 1000.0;
    return snprintf(buf, len, ms < 1 ? "%.3f" : ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms);
}

static size_t pair(char *buf, size_t len, const char *name, const uint64_t v[3])
{
    char a[32], b[32];
    ms_text(a, sizeof(a), v[0]);
    ms_text(b, sizeof(b), v[1]);
    int n = snprintf(buf, len, ", %s p50 %s ms p99 %s ms", name, a, b);
    return n > 0 && (size_t)n < len ? (size_t)n : len;
}

void intervals_line(const struct intervals *iv, size_t i, char *buf, size_t len)
{
    struct interval_figures f;
    intervals_figures(iv, i, &f);
    int n = snprintf(buf, len, "interval %zu: %lld messages, %lld failed, %.1f/s", i,
                     (long long)f.sent, (long long)f.failed, f.achieved_per_s);
    size_t used = n > 0 && (size_t)n < len ? (size_t)n : len;
    if (f.not_done && used < len) {
        n = snprintf(buf + used, len - used, ", %lld not done", (long long)f.not_done);
        used += n > 0 && (size_t)n < len - used ? (size_t)n : len - used;
    }
    if (iv->v[i].service.count == 0 || used >= len)
        return;
    if (iv->scheduled)
        used += pair(buf + used, len - used, "corrected", f.corrected);
    if (used < len)
        pair(buf + used, len - used, "service", f.service);
}

static void json_ms(struct json *j, const char *key, uint64_t us)
{
    json_double(j, key, (double)us / 1000.0, 3);
}

/* The shape of the report's other histograms (see stats.c). */
static void json_shist(struct json *j, const char *key, const struct shist *h)
{
    json_object(j, key);
    json_uint(j, "count", h->count);
    if (h->count) {
        json_ms(j, "min", h->min);
        json_double(j, "mean", (double)h->sum / (double)h->count / 1000.0, 3);
        json_ms(j, "p50", shist_quantile(h, 0.50));
        json_ms(j, "p90", shist_quantile(h, 0.90));
        json_ms(j, "p99", shist_quantile(h, 0.99));
        json_ms(j, "p999", shist_quantile(h, 0.999));
        json_ms(j, "max", h->max);
        json_uint(j, "sum_us", h->sum);
        json_uint(j, "min_us", h->min);
        json_uint(j, "max_us", h->max);
    }
    json_array(j, "buckets");
    for (uint32_t i = 0; i < h->n; i++) {
        size_t b = cell_index(h->cell[i]);
        json_array(j, 0);
        json_uint(j, 0, hist_bucket_low(b));
        json_uint(j, 0, hist_bucket_high(b));
        json_uint(j, 0, h->cell[i] & CELL_COUNT);
        json_end(j);
    }
    json_end(j);
    json_end(j);
}

void intervals_json(const struct intervals *iv, struct json *j)
{
    json_double(j, "interval_s", (double)iv->len_us / 1e6, 6);
    json_int(j, "interval_us", iv->len_us);
    json_uint(j, "intervals_dropped", iv->dropped);
    json_array(j, "intervals");
    for (size_t i = 0; i < iv->n; i++) {
        struct interval_figures f;
        intervals_figures(iv, i, &f);
        json_object(j, 0);
        json_uint(j, "index", i);
        json_double(j, "start_s", f.start_s, 6);
        json_double(j, "length_s", f.len_s, 6);
        if (iv->scheduled)
            json_int(j, "due", f.due);
        json_int(j, "sent", f.sent);
        json_int(j, "failed", f.failed);
        json_int(j, "not_done", f.not_done);
        if (iv->scheduled)
            json_double(j, "offered_per_s", f.offered_per_s, 3);
        json_double(j, "achieved_per_s", f.achieved_per_s, 3);
        json_shist(j, "service_ms", &iv->v[i].service);
        if (iv->scheduled)
            json_shist(j, "corrected_ms", &iv->v[i].corrected);
        json_end(j);
    }
    json_end(j);
}
