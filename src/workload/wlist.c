/* wlist: weighted lists and their draws. */
#include "workload/wlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(struct wlist *w, const char *p, size_t len, uint64_t weight, size_t *cap)
{
    if (w->n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        char **i = realloc(w->item, c * sizeof(*i));
        if (i == 0)
            return -1;
        w->item = i;
        uint64_t *cu = realloc(w->cum, c * sizeof(*cu));
        if (cu == 0)
            return -1;
        w->cum = cu;
        *cap = c;
    }
    char *s = malloc(len + 1);
    if (s == 0)
        return -1;
    memcpy(s, p, len);
    s[len] = 0;
    w->item[w->n] = s;
    w->cum[w->n] = (w->n ? w->cum[w->n - 1] : 0) + weight;
    w->n++;
    if (len > w->longest)
        w->longest = len;
    return 0;
}

static int item_ok(const char *p, size_t len)
{
    if (len == 0 || len > WLIST_ITEM_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>')
            return 0;
    }
    return 1;
}

/* A weight of digits; 0 if it is not one. */
static uint64_t weight_of(const char *p, size_t len)
{
    uint64_t v = 0;
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(p[i] - '0');
        if (v > WLIST_WEIGHT_MAX)
            return 0;
    }
    return v;
}

static int refuse(struct wlist *w, char *why, size_t whylen, const char *fmt, size_t at)
{
    wlist_free(w);
    snprintf(why, whylen, fmt, at);
    return -1;
}

int wlist_lines(const char *data, size_t len, struct wlist *w, char *why, size_t whylen)
{
    size_t cap = 0, line = 0;
    memset(w, 0, sizeof(*w));
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len, n = end - start;
        const char *p = data + start;
        start = end + 1;
        line++;
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0 || p[0] == '#')
            continue;
        size_t i = 0;
        while (i < n && p[i] != ' ' && p[i] != '\t')
            i++;
        size_t j = i;
        while (j < n && (p[j] == ' ' || p[j] == '\t'))
            j++;
        uint64_t weight = j < n ? weight_of(p + j, n - j) : 1;
        if (i > WLIST_ITEM_MAX)
            return refuse(w, why, whylen, "line %zu: longer than " WLIST_ITEM_MAX_TEXT
                          " bytes (an address has at most 254)", line);
        if (!item_ok(p, i) || weight == 0)
            return refuse(w, why, whylen, "line %zu: not \"ITEM [WEIGHT]\" (no blanks, control "
                          "bytes or <> in ITEM; a weight from 1 to 1000000000)", line);
        if (w->n == WLIST_MAX)
            return refuse(w, why, whylen, "more than %zu lines", (size_t)WLIST_MAX);
        if (add(w, p, i, weight, &cap) < 0)
            return refuse(w, why, whylen, "out of memory at line %zu", line);
    }
    if (w->n == 0)
        return refuse(w, why, whylen, "no items (%zu lines)", line);
    return 0;
}

int wlist_pairs(const char *text, struct wlist *w, char *why, size_t whylen)
{
    size_t cap = 0, k = 0;
    memset(w, 0, sizeof(*w));
    for (const char *p = text;; k++) {
        const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        size_t il = colon ? (size_t)(colon - p) : (size_t)(end - p);
        uint64_t weight = colon ? weight_of(colon + 1, (size_t)(end - colon - 1)) : 1;
        if (!item_ok(p, il) || weight == 0 || memchr(p, ':', il))
            return refuse(w, why, whylen, "item %zu: not NAME[:WEIGHT] (a weight from 1 to "
                          "1000000000)", k + 1);
        if (add(w, p, il, weight, &cap) < 0)
            return refuse(w, why, whylen, "out of memory at item %zu", k + 1);
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/* Labels of letters, digits and hyphens, none empty or starting or ending
 * with a hyphen (RFC 5321 4.1.2); bytes from 0x80 stand for a UTF-8
 * label's (the caller checks them against --smtputf8). */
static int is_domain(const char *d)
{
    size_t label = 0;
    for (const char *p = d;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.' || c == 0) {
            if (label == 0 || p[-1] == '-')
                return 0;
            if (c == 0)
                return 1;
            label = 0;
        } else if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                   || (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
            label++;
        } else {
            return 0;
        }
    }
}

int wlist_domains(const struct wlist *w, char *why, size_t whylen)
{
    for (size_t i = 0; i < w->n; i++)
        if (!is_domain(w->item[i])) {
            snprintf(why, whylen, "item %zu: %.*s is not a domain name (labels of letters, "
                     "digits and hyphens, separated by dots)", i + 1, 64, w->item[i]);
            return -1;
        }
    return 0;
}

void wlist_free(struct wlist *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->item[i]);
    free(w->item);
    free(w->cum);
    memset(w, 0, sizeof(*w));
}

size_t wlist_draw(const struct wlist *w, struct wl_rng *r)
{
    uint64_t x = wl_below(r, w->cum[w->n - 1]);
    size_t lo = 0, hi = w->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The indexes drawn so far for one message: an open-addressing set (key
 * index + 1, 0 empty), so a repeat costs O(1) however many were drawn. */
#define DRAWN_LOCAL 64

struct drawn {
    size_t *key;
    size_t mask;
    size_t local[DRAWN_LOCAL];   /* a message's few recipients: no malloc per message */
};

static int drawn_init(struct drawn *d, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    if (cap <= DRAWN_LOCAL) {
        memset(d->local, 0, cap * sizeof(*d->local));
        d->key = d->local;
    } else {
        d->key = calloc(cap, sizeof(*d->key));
    }
    d->mask = cap - 1;
    return d->key ? 0 : -1;
}

/* Adds v; 0 if it was there already. */
static int drawn_add(struct drawn *d, size_t v)
{
    size_t h = (size_t)(((uint64_t)v * 0x9e3779b97f4a7c15ULL) >> 20) & d->mask;
    while (d->key[h]) {
        if (d->key[h] == v + 1)
            return 0;
        h = (h + 1) & d->mask;
    }
    d->key[h] = v + 1;
    return 1;
}

static uint64_t weight_at(const struct wlist *w, size_t i)
{
    return w->cum[i] - (i ? w->cum[i - 1] : 0);
}

/* The rest of out[k..n) by weight among the items not yet drawn, each
 * O(log n): a Fenwick tree of the weights, the drawn ones at 0. For when
 * drawing again on a repeat no longer pays (heavy items all taken). -1 if
 * out of memory. */
static int draw_rest(const struct wlist *w, struct wl_rng *r, size_t *out, size_t k, size_t n)
{
    size_t m = w->n;
    uint64_t *t = malloc((m + 1) * sizeof(*t));
    if (t == 0)
        return -1;
    t[0] = 0;
    for (size_t i = 1; i <= m; i++)
        t[i] = weight_at(w, i - 1);
    for (size_t i = 1; i <= m; i++) {
        size_t j = i + (i & (~i + 1));
        if (j <= m)
            t[j] += t[i];
    }
    uint64_t total = w->cum[m - 1];
    size_t top = 1;
    while (top * 2 <= m)
        top *= 2;
    for (size_t q = 0; q < n; q++) {
        if (q >= k) {
            uint64_t x = wl_below(r, total);
            size_t pos = 0;
            for (size_t step = top; step; step /= 2)
                if (pos + step <= m && t[pos + step] <= x) {
                    pos += step;
                    x -= t[pos];
                }
            out[q] = pos;
        }
        uint64_t wt = weight_at(w, out[q]);
        total -= wt;
        for (size_t i = out[q] + 1; i <= m; i += i & (~i + 1))
            t[i] -= wt;
    }
    free(t);
    return 0;
}

void wlist_draw_distinct(const struct wlist *w, struct wl_rng *r, size_t *out, size_t n)
{
    /* Draws again on a repeat; after 64 repeats in a row (a heavy item,
     * few others) the rest by weight among the items left. Either way a
     * function of the stream alone. */
    struct drawn d;
    if (drawn_init(&d, n) < 0) {
        out[0] = wlist_draw(w, r);
        for (size_t k = 1; k < n; k++)
            out[k] = (out[k - 1] + 1) % w->n;   /* distinct, if not by weight */
        return;
    }
    for (size_t k = 0; k < n; k++) {
        int fresh = 0;
        for (int tries = 0; tries < 64 && !fresh; tries++) {
            out[k] = wlist_draw(w, r);
            fresh = drawn_add(&d, out[k]);
        }
        if (!fresh) {
            if (draw_rest(w, r, out, k, n) == 0)
                break;
            /* Out of memory: the next unused index in order. */
            do
                out[k] = (out[k] + 1) % w->n;
            while (!drawn_add(&d, out[k]));
        }
    }
    if (d.key != d.local)
        free(d.key);
}
