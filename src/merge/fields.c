/* fields: a report's members read by type, the first fault winning. */
#include "merge/fields.h"

#include <stdarg.h>
#include <stdio.h>

void rd_bad(struct rd *r, const struct jr_node *at, const char *fmt, ...)
{
    if (r->bad)
        return;
    r->bad = 1;
    int n = snprintf(r->why, r->len, "line %lu: ", at ? jr_line(r->d, at) : 1UL);
    if (n < 0 || (size_t)n >= r->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why + n, r->len - (size_t)n, fmt, ap);
    va_end(ap);
}

static const char *const type_name[] = { "null", "true or false", "a number", "a string",
                                         "an array", "an object" };

/* obj's member key of the given type; NULL (no fault) for a null one if
 * nullable. where: the path to obj, for the messages ("run.identity."). */
const struct jr_node *rd_member(struct rd *r, const struct jr_node *obj, const char *where,
                                const char *key, int type, int nullable)
{
    if (r->bad)
        return 0;
    const struct jr_node *n = jr_get(r->d, obj, key);
    if (n == 0) {
        rd_bad(r, obj, "no \"%s%s\"", where, key);
        return 0;
    }
    if (nullable && n->type == JR_NULL)
        return 0;
    if (n->type != type) {
        rd_bad(r, n, "\"%s%s\" is not %s", where, key, type_name[type]);
        return 0;
    }
    return n;
}

uint64_t rd_u(struct rd *r, const struct jr_node *obj, const char *where, const char *key)
{
    const struct jr_node *n = rd_member(r, obj, where, key, JR_NUMBER, 0);
    uint64_t v = 0;
    if (n && jr_uint(r->d, n, &v) < 0)
        rd_bad(r, n, "\"%s%s\" is not a whole number", where, key);
    return v;
}

/* A signed integer; a null one is `dflt` if nullable. */
int64_t rd_i(struct rd *r, const struct jr_node *obj, const char *where, const char *key,
             int nullable, int64_t dflt)
{
    const struct jr_node *n = rd_member(r, obj, where, key, JR_NUMBER, nullable);
    int64_t v = dflt;
    if (n && jr_int(r->d, n, &v) < 0)
        rd_bad(r, n, "\"%s%s\" is not an integer", where, key);
    return v;
}

/* A time in us, 0 to TIME_MAX; a null one is -1 if nullable. */
int64_t rd_time(struct rd *r, const struct jr_node *obj, const char *where,
                const char *key, int nullable)
{
    const struct jr_node *n = rd_member(r, obj, where, key, JR_NUMBER, nullable);
    int64_t v = rd_i(r, obj, where, key, nullable, -1);
    if (n && !r->bad && (v < 0 || v > TIME_MAX))
        rd_bad(r, n, "\"%s%s\" is out of range (0 to 2^53 us)", where, key);
    return v;
}

/* A count, never negative. */
int64_t rd_count(struct rd *r, const struct jr_node *obj, const char *where,
                 const char *key)
{
    int64_t v = rd_i(r, obj, where, key, 0, 0);
    if (!r->bad && v < 0)
        rd_bad(r, jr_get(r->d, obj, key), "\"%s%s\" is negative", where, key);
    return v;
}

int rd_b(struct rd *r, const struct jr_node *obj, const char *where, const char *key)
{
    const struct jr_node *n = rd_member(r, obj, where, key, JR_BOOL, 0);
    return n ? n->truth : 0;
}

const char *rd_s(struct rd *r, const struct jr_node *obj, const char *where,
                 const char *key, int nullable)
{
    return jr_str(r->d, rd_member(r, obj, where, key, JR_STRING, nullable), 0);
}

/* A histogram's non-empty buckets, [low, high, count] in rising order on
 * this build's geometry, into h or s; their counts must make `count`. */
static void buckets(struct rd *r, const struct jr_node *o, const char *where, uint64_t count,
                    struct hist *h, struct shist *s)
{
    const struct jr_node *arr = rd_member(r, o, where, "buckets", JR_ARRAY, 0);
    uint64_t total = 0;
    size_t last = 0;
    int first = 1;
    for (const struct jr_node *b = jr_first(r->d, arr); b && !r->bad; b = jr_next(r->d, b)) {
        const struct jr_node *x = jr_first(r->d, b), *y = jr_next(r->d, x), *z = jr_next(r->d, y);
        uint64_t lo, hi, c;
        if (b->type != JR_ARRAY || b->count != 3 || jr_uint(r->d, x, &lo) < 0
            || jr_uint(r->d, y, &hi) < 0 || jr_uint(r->d, z, &c) < 0 || c == 0) {
            rd_bad(r, b, "\"%sbuckets\": a bucket is not [low, high, count > 0]", where);
            return;
        }
        size_t i = hist_index(lo);
        if (hist_bucket_low(i) != lo || hist_bucket_high(i) != hi) {
            rd_bad(r, b, "\"%sbuckets\": [%llu, %llu] is not a bucket of this build's histograms",
                where, (unsigned long long)lo, (unsigned long long)hi);
            return;
        }
        if ((!first && i <= last) || total + c < total) {
            rd_bad(r, b, "\"%sbuckets\": out of order", where);
            return;
        }
        first = 0;
        last = i;
        total += c;
        if (h)
            h->bucket[i] = c;
        else if (c > SHIST_COUNT_MAX)
            rd_bad(r, b, "\"%sbuckets\": a count above 2^40 - 1 in one interval", where);
        else if (shist_put(s, i, c) < 0)
            rd_bad(r, b, "out of memory");
    }
    if (total != count)
        rd_bad(r, arr, "\"%sbuckets\" hold %llu values, \"count\" says %llu", where,
            (unsigned long long)total, (unsigned long long)count);
}

/* A histogram object o: count, and with values k's sum, min and max. */
static void hist_object(struct rd *r, const struct jr_node *o, const char *where,
                        const struct hist_keys *k, struct hist *h, struct shist *s)
{
    uint64_t count = rd_u(r, o, where, "count"), sum = 0, min = 0, max = 0;
    if (count) {
        sum = rd_u(r, o, where, k->sum);
        min = rd_u(r, o, where, k->min);
        max = rd_u(r, o, where, k->max);
        if (min > max)
            rd_bad(r, o, "\"%s%s\" is above \"%s\"", where, k->min, k->max);
    }
    if (h) {
        hist_init(h);
        h->count = count, h->sum = sum, h->min = min, h->max = max;
    } else {
        s->count = count, s->sum = sum, s->min = min, s->max = max;
    }
    buckets(r, o, where, count, h, s);
}

void rd_histogram(struct rd *r, const struct jr_node *parent, const char *path, const char *key,
                  struct hist *h, struct shist *s)
{
    static const struct hist_keys us = { "sum_us", "min_us", "max_us" };
    char where[96];
    const struct jr_node *o = rd_member(r, parent, path, key, JR_OBJECT, 0);
    snprintf(where, sizeof(where), "%s%s.", path, key);
    hist_object(r, o, where, &us, h, s);
}

void rd_hist_object(struct rd *r, const struct jr_node *o, const char *where,
                    const struct hist_keys *k, struct hist *h)
{
    hist_object(r, o, where, k, h, 0);
}
