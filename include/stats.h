/* stats: the parent's numbers for the run, summed from the records, and
 * the end-of-run summary. The memory used does not grow with the run. */
#ifndef STATS_H
#define STATS_H

#include "record.h"

#include <stdint.h>
#include <stdio.h>

struct phase_stats {
    uint64_t count;
    uint64_t sum_us;
    uint32_t min_us, max_us;
};

struct stats {
    int64_t requested;
    int64_t sent, failed;
    uint64_t connections;
    uint64_t rcpt_sent, rcpt_ok, rcpt_bad;
    uint64_t bytes;
    uint64_t replies[6];
    uint64_t fails[FAIL_COUNT];
    struct phase_stats phase[PH_COUNT];
    uint64_t start_us, end_us;
};

void stats_init(struct stats *st, int64_t requested);
void stats_add(struct stats *st, const struct record *r);
void stats_finish(struct stats *st);

/* status: "completed", "interrupted by SIGINT", ...; sessions: workers run. */
void stats_print(const struct stats *st, FILE *out, const char *status, unsigned sessions);

#endif
