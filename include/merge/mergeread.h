/* mergeread: one --json report read back for --merge, every number that
 * the merge adds checked on the way in: its format version, its run
 * identity and shard, its counts, and its histograms bucket by bucket (on
 * this build's bucket geometry, or refused). Pure: no I/O. */
#ifndef MERGEREAD_H
#define MERGEREAD_H

#include "merge/jsonread.h"
#include "report/mix.h"
#include "report/runid.h"
#include "report/stats.h"

#include <stddef.h>
#include <stdint.h>

/* One report. Its strings point into doc, which the part keeps. */
struct part {
    struct jr_doc doc;
    const struct jr_node *identity;   /* run.identity, compared key by key */
    struct run_id id;                 /* ... and read */
    int sharded;                      /* run.shard is not null */
    struct shard shard;               /* 0/1 when not sharded */
    const char *status, *error, *target;   /* error: NULL if null */
    int fatal, signal;
    unsigned workers_died;
    unsigned sessions;
    int tls, tls_verify;              /* 0 none, 1 STARTTLS, 2 implicit */
    const char *suite_name[STATS_SUITES];
    unsigned settings_n;              /* run.settings, key by key */
    const char *setting_key[SETTINGS_MAX];
    struct setting_value setting[SETTINGS_MAX];
    int64_t elapsed_us;
    struct stats *st;                 /* its numbers (heap: the histograms are large) */
    struct mix *mix;                  /* its workload part (heap), NULL if none */
};

/* The format version this build reads (and writes: statsjson.h). */
int mergeread_version(void);

/* Reads the report in text. 0, or -1 with why (e.g. `line 3:
 * "messages.sent" is not an integer`); the part must be freed either way. */
int part_read(struct part *p, const char *text, size_t len, char *why, size_t whylen);
void part_free(struct part *p);

#endif
