/* stages: --stages, a load that changes over time, as data: stage i ramps
 * the offered rate linearly from the rate at its start (the target of the
 * stage before it, 0 for the first) to its own target over its length
 * (k6's ramping-arrival-rate). Parsed by verdict/stages.h; the due times
 * it gives the slots are run/schedule.h's. */
#ifndef STAGES_H
#define STAGES_H

#include "core/units.h"

#include <stdint.h>

/* Each stage keeps a row of the report: a bound on their memory. */
#define STAGES_MAX 32

struct stage {
    int64_t len_ns;      /* 0: a step to `to` at once */
    struct rate to;      /* the target, messages per second; num 0: 0/s */
};

struct stages {
    unsigned n;
    struct stage v[STAGES_MAX];
};

#endif
