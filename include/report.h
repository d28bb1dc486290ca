/* report: what the parent does with each record as it arrives: the -c
 * counter on stdout, warnings and -v lines on stderr, the first fatal
 * error, and the running stats. */
#ifndef REPORT_H
#define REPORT_H

#include "options.h"
#include "record.h"
#include "stats.h"

struct report {
    const struct config *cfg;
    struct stats stats;
    unsigned long counter;     /* messages whose "." went out (-c) */
    int fatal;                 /* a fatal error was printed */
};

void report_init(struct report *rp, const struct config *cfg);

/* A record_fn (see workers.h): returns 1 when the run must stop. */
int report_record(void *ctx, const struct record *r, const char *text);

#endif
