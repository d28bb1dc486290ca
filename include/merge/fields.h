/* fields: a report's members read by type, the first fault winning: each
 * reader names the key in its refusal ("line 3: \"messages.sent\" is
 * negative"), and every read after a fault does nothing, so that a
 * report's reader reads straight through. Histograms bucket by bucket on
 * this build's geometry. Pure: no I/O. */
#ifndef FIELDS_H
#define FIELDS_H

#include "merge/jsonread.h"
#include "report/hist.h"
#include "report/intervals.h"

#include <stddef.h>
#include <stdint.h>

struct rd {
    const struct jr_doc *d;
    char *why;               /* the refusal, "line L: what" */
    size_t len;
    int bad;                 /* a fault was found */
};

/* A time (us) no report can exceed: 2^53 us is 285 years, and any two of
 * them add up without overflow. */
#define TIME_MAX ((int64_t)1 << 53)

/* Notes the first fault, at node `at` (NULL: line 1). */
void rd_bad(struct rd *r, const struct jr_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* obj's member key of the given type (enum jr_type); NULL (no fault) for
 * a null one if nullable. where: the path to obj ("run.identity."). */
const struct jr_node *rd_member(struct rd *r, const struct jr_node *obj, const char *where,
                                const char *key, int type, int nullable);
/* A whole number; a signed integer (a null one is dflt if nullable); a
 * time in us, 0 to TIME_MAX (null: -1, if nullable); a count, never
 * negative; true or false; a string (NULL for a null one if nullable). */
uint64_t rd_u(struct rd *r, const struct jr_node *obj, const char *where, const char *key);
int64_t rd_i(struct rd *r, const struct jr_node *obj, const char *where, const char *key,
             int nullable, int64_t dflt);
int64_t rd_time(struct rd *r, const struct jr_node *obj, const char *where, const char *key,
                int nullable);
int64_t rd_count(struct rd *r, const struct jr_node *obj, const char *where, const char *key);
int rd_b(struct rd *r, const struct jr_node *obj, const char *where, const char *key);
const char *rd_s(struct rd *r, const struct jr_node *obj, const char *where, const char *key,
                 int nullable);

/* The histogram object parent.key (count; with values sum_us, min_us,
 * max_us; buckets) into h, or into the sparse s (h NULL). */
void rd_histogram(struct rd *r, const struct jr_node *parent, const char *path, const char *key,
                  struct hist *h, struct shist *s);

/* The names of a histogram object's exact members, for histograms of
 * other units than us ("workload.sizes": "total_bytes", "min", "max"). */
struct hist_keys {
    const char *sum, *min, *max;
};

/* The histogram object o itself (where: its path, "workload.sizes."):
 * count; with values k's sum, min and max; buckets. */
void rd_hist_object(struct rd *r, const struct jr_node *o, const char *where,
                    const struct hist_keys *k, struct hist *h);

#endif
