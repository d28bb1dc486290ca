/* wlist: a weighted list of strings: the addresses of --rcpt-file and
 * --from-file (lines "ITEM [WEIGHT]"), the domains of --rcpt-domains
 * ("a.test:80,b.test:20"); drawn from by a slot's stream. Pure. */
#ifndef WORKLOAD_WLIST_H
#define WORKLOAD_WLIST_H

#include "workload/seed.h"

#include <stddef.h>
#include <stdint.h>

#define WLIST_MAX 1000000
#define WLIST_ITEM_MAX 256
#define WLIST_ITEM_MAX_TEXT "256"
#define WLIST_WEIGHT_MAX 1000000000ULL

struct wlist {
    char **item;
    uint64_t *cum;            /* cum[i]: the weights of items 0..i */
    size_t n;
    size_t longest;           /* the longest item's length */
};

/* Lines "ITEM" or "ITEM WEIGHT" (weight 1 to 10^9; 1 if none); blank
 * lines and lines starting with '#' skipped; an item has no blank or
 * control byte and no '<' '>'. 0, or -1 with why naming the line. */
int wlist_lines(const char *data, size_t len, struct wlist *w, char *why, size_t whylen);

/* "ITEM:WEIGHT,ITEM:WEIGHT,..." (a weight may be left out: 1). */
int wlist_pairs(const char *text, struct wlist *w, char *why, size_t whylen);

/* Every item is a domain name: dot-separated labels of letters, digits
 * and hyphens (bytes from 0x80: a UTF-8 label's). 0, or -1 with why
 * naming the first that is not. */
int wlist_domains(const struct wlist *w, char *why, size_t whylen);

void wlist_free(struct wlist *w);

/* One index, by weight. */
size_t wlist_draw(const struct wlist *w, struct wl_rng *r);

/* n different indexes (n <= w->n), by weight, into out. */
void wlist_draw_distinct(const struct wlist *w, struct wl_rng *r, size_t *out, size_t n);

#endif
