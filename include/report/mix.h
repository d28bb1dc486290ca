/* mix: what a workload run sent (--seed, --size, --rcpts): the seed that
 * repeats it, the sizes' distribution (min, p50, p99, max, total), the
 * recipients per message, and the dot phase's latency by size class
 * (powers of 4 from 1 KiB), as a part of the report (text and JSON). */
#ifndef REPORT_MIX_H
#define REPORT_MIX_H

#include "core/record.h"
#include "report/hist.h"
#include "report/stats.h"

#include <stdbool.h>
#include <stdint.h>

/* Classes: below 1 KiB, [1, 4) KiB, [4, 16) KiB, ... , 256 MiB and up. */
#define MIX_CLASSES 11

struct mix {
    uint64_t seed;
    const char *size_text;    /* what the sizes are (workload_size_label), or NULL */
    bool rcpts_drawn;         /* --rcpts: no one count per message (--merge reads it) */
    struct hist size;         /* each sent-to message's size (its SIZE=) */
    uint64_t size_total;
    struct hist rcpts;        /* RCPT commands per message */
    struct hist dot[MIX_CLASSES];   /* us of the dot phase (or BDAT), by size */
    struct report_addendum part;
};

void mix_init(struct mix *m, uint64_t seed, const char *size_text);

/* One message's record. */
void mix_add(struct mix *m, const struct record *r);

/* The class of a size; a class's lower edge in bytes (0, 1024, 4096,
 * ...) and its name ("< 1k", "1k-4k", ..., ">= 256m"). */
int mix_class(uint64_t size);
uint64_t mix_class_from(int c);
void mix_class_name(int c, char *out, size_t len);

#endif
