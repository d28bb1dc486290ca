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

void wlist_draw_distinct(const struct wlist *w, struct wl_rng *r, size_t *out, size_t n)
{
    /* Draws again on a repeat; after many repeats (a heavy item, few
     * others) the next unused index in order: still distinct, and still a
     * function of the stream alone. */
    for (size_t k = 0; k < n; k++) {
        size_t v = 0;
        int fresh = 0;
        for (int tries = 0; tries < 64 && !fresh; tries++) {
            v = wlist_draw(w, r);
            fresh = 1;
            for (size_t j = 0; j < k; j++)
                fresh = fresh && out[j] != v;
        }
        while (!fresh) {
            v = (v + 1) % w->n;
            fresh = 1;
            for (size_t j = 0; j < k; j++)
                fresh = fresh && out[j] != v;
        }
        out[k] = v;
    }
}
