/* shared: the one region the parent maps before fork and every worker
 * sees: the message-slot counter, the -N recipient counter and the stop
 * flag, guarded by one process-shared semaphore. */
#ifndef SHARED_H
#define SHARED_H

#include <stdint.h>

struct shared;

/* Maps the region for a run of `messages` slots. NULL on failure (errno). */
struct shared *shared_create(int64_t messages);
void shared_destroy(struct shared *sh);

/* Claims the next message slot (0-based). 1: claimed; 0: none left or
 * the run is stopping. Each slot is handed out exactly once. */
int shared_claim_slot(struct shared *sh, int64_t *slot);

/* Claims n consecutive recipient numbers; returns the first (from 1). */
int64_t shared_claim_rcpts(struct shared *sh, int64_t n);

/* Asks every worker to stop claiming; in-flight messages finish. */
void shared_stop(struct shared *sh);
int shared_stopping(struct shared *sh);

/* How many slots have been handed out. */
int64_t shared_claimed(struct shared *sh);

#endif
