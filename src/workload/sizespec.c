/* sizespec: the --size forms and the draw per slot. */
#include "workload/sizespec.h"

#include "workload/seed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* z of the normal law's 99th percentile. */
#define Z99 2.3263478740408408

static int fail(char *why, size_t len, const char *text)
{
    snprintf(why, len, "%s", text);
    return -1;
}

int size_number(const char *text, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    if (len == 0 || text[0] < '0' || text[0] > '9')
        return -1;
    for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
        v = v * 10 + (uint64_t)(text[i] - '0');
        if (v > SIZE_LIMIT)
            return -1;
    }
    if (i < len) {
        uint64_t unit = text[i] == 'k' || text[i] == 'K' ? 1024
                      : text[i] == 'm' || text[i] == 'M' ? 1024 * 1024 : 0;
        if (unit == 0 || i + 1 != len || v > SIZE_LIMIT / unit)
            return -1;
        v *= unit;
    }
    if (v < 1)
        return -1;
    *out = v;
    return 0;
}

int size_parse(const char *text, struct size_spec *sp, char *why, size_t whylen)
{
    memset(sp, 0, sizeof(*sp));
    if (strncmp(text, "lognormal:", 10) == 0) {
        const char *m = text + 10, *colon = strchr(m, ':');
        if (colon == 0 || size_number(m, (size_t)(colon - m), &sp->a) < 0
            || size_number(colon + 1, strlen(colon + 1), &sp->b) < 0)
            return fail(why, whylen, "lognormal needs MEDIAN:P99, two sizes (e.g. lognormal:20k:2m)");
        if (sp->b <= sp->a)
            return fail(why, whylen, "the P99 must be larger than the median");
        sp->kind = SIZE_LOGNORMAL;
        sp->mu = log((double)sp->a);
        sp->sigma = log((double)sp->b / (double)sp->a) / Z99;
        return 0;
    }
    const char *dash = strchr(text, '-');
    if (dash == text)
        return fail(why, whylen, "a size is a whole number of bytes from 1, not negative");
    if (dash) {
        if (size_number(text, (size_t)(dash - text), &sp->a) < 0
            || size_number(dash + 1, strlen(dash + 1), &sp->b) < 0)
            return fail(why, whylen, "A-B needs two sizes (e.g. 1k-100k)");
        if (sp->b < sp->a)
            return fail(why, whylen, "A is larger than B");
        sp->kind = SIZE_UNIFORM;
        return 0;
    }
    if (size_number(text, strlen(text), &sp->a) < 0)
        return fail(why, whylen, "not a size");
    sp->kind = SIZE_FIXED;
    return 0;
}

static int table_line(const char *p, size_t n, uint64_t *size, uint64_t *weight)
{
    size_t i = 0;
    while (i < n && p[i] != ' ' && p[i] != '\t')
        i++;
    if (size_number(p, i, size) < 0)
        return -1;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    size_t w0 = i;
    uint64_t w = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        w = w * 10 + (uint64_t)(p[i] - '0');
        if (w > 1000000000ULL)
            return -1;
    }
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
        i++;
    if (i == w0 || i != n || w == 0)
        return -1;
    *weight = w;
    return 0;
}

int size_table(const char *data, size_t len, struct size_spec *sp, char *why, size_t whylen)
{
    memset(sp, 0, sizeof(*sp));
    size_t cap = 0, line = 0;
    uint64_t total = 0;
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len, n = end - start;
        const char *p = data + start;
        line++;
        start = end + 1;
        if (n == 0 || p[0] == '#' || (n == 1 && p[0] == '\r'))
            continue;
        uint64_t size, weight;
        if (table_line(p, n, &size, &weight) < 0) {
            size_free(sp);
            snprintf(why, whylen, "line %zu: not \"SIZE WEIGHT\" (a size up to 512m, a "
                     "weight from 1 to 1000000000)", line);
            return -1;
        }
        if (sp->n == SIZE_TABLE_MAX) {
            size_free(sp);
            snprintf(why, whylen, "more than %d rows", SIZE_TABLE_MAX);
            return -1;
        }
        if (sp->n == cap) {
            cap = cap ? cap * 2 : 64;
            uint64_t *s = realloc(sp->size, cap * sizeof(*s));
            uint64_t *c = s ? realloc(sp->cum, cap * sizeof(*c)) : 0;
            if (s)
                sp->size = s;
            if (c == 0) {
                size_free(sp);
                return fail(why, whylen, "out of memory");
            }
            sp->cum = c;
        }
        total += weight;
        sp->size[sp->n] = size;
        sp->cum[sp->n++] = total;
    }
    if (sp->n == 0)
        return fail(why, whylen, "no \"SIZE WEIGHT\" line");
    sp->kind = SIZE_TABLE;
    return 0;
}

void size_free(struct size_spec *sp)
{
    free(sp->size);
    free(sp->cum);
    sp->size = sp->cum = 0;
    sp->n = 0;
}

static uint64_t lognormal(const struct size_spec *sp, struct wl_rng *r)
{
    /* Box-Muller; 1 - u keeps the logarithm's argument above 0. */
    double u1 = 1.0 - wl_unit(r), u2 = wl_unit(r);
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    double v = exp(sp->mu + sp->sigma * z);
    double cut = (double)size_max(sp);
    if (!(v < cut))
        return (uint64_t)cut;
    return v < 1.0 ? 1 : (uint64_t)(v + 0.5);
}

uint64_t size_draw(const struct size_spec *sp, uint64_t seed, int64_t k)
{
    struct wl_rng r;
    switch (sp->kind) {
    case SIZE_FIXED:
        return sp->a;
    case SIZE_UNIFORM:
        wl_stream(&r, seed, k, WL_SIZE);
        return sp->a + wl_below(&r, sp->b - sp->a + 1);
    case SIZE_LOGNORMAL:
        wl_stream(&r, seed, k, WL_SIZE);
        return lognormal(sp, &r);
    case SIZE_TABLE: {
        wl_stream(&r, seed, k, WL_SIZE);
        uint64_t w = wl_below(&r, sp->cum[sp->n - 1]);
        size_t lo = 0, hi = sp->n - 1;
        while (lo < hi) {      /* the first row whose cum passes w */
            size_t mid = lo + (hi - lo) / 2;
            if (sp->cum[mid] > w)
                hi = mid;
            else
                lo = mid + 1;
        }
        return sp->size[lo];
    }
    }
    return 1;
}

uint64_t size_max(const struct size_spec *sp)
{
    switch (sp->kind) {
    case SIZE_FIXED:
        return sp->a;
    case SIZE_UNIFORM:
        return sp->b;
    case SIZE_LOGNORMAL:
        return sp->b > SIZE_LIMIT / SIZE_TAIL_CUT ? SIZE_LIMIT : sp->b * SIZE_TAIL_CUT;
    case SIZE_TABLE: {
        uint64_t m = 0;
        for (size_t i = 0; i < sp->n; i++)
            if (sp->size[i] > m)
                m = sp->size[i];
        return m;
    }
    }
    return 1;
}
