/* shared: the one region the parent maps before fork and every worker
 * sees: the message-slot counter, the -N recipient counter, the stop
 * flag and the run's clock (t0, the --duration deadline), guarded by one
 * process-shared semaphore. The holder of the
 * semaphore is recorded, so that the parent can take the lock back from
 * a worker that died holding it (SIGKILL, the OOM killer). */
#ifndef SHARED_H
#define SHARED_H

#include "core/shard.h"

#include <stdint.h>

struct shared;

/* Maps the region for a run of `slots` slots (a shard's: its own, see
 * shard.h) and `workers` workers. NULL on failure (errno). */
struct shared *shared_create(int64_t slots, const struct shard *shard, unsigned workers);
void shared_destroy(struct shared *sh);

/* The run's clock, set up before fork: t0 (the monotonic clock, in ns)
 * is now, or with gated the moment the parent calls shared_start, once
 * every worker exists (--rate: the first slots must not wait for
 * processes still being made); gated workers call shared_wait_start
 * before they read t0. From t0 + duration_ns (0: never) no slot is
 * claimed. start_at (NULL: none; --start-at, ns since the epoch) gates
 * the run too: the gate opens at that instant of the real-time clock, and
 * t0 is that instant on the monotonic clock, however late the parent
 * opened it; a time already past when shared_clock is called opens as
 * soon as the workers exist, and t0 is then. */
void shared_clock(struct shared *sh, int gated, int64_t duration_ns, const int64_t *start_at);
/* How long until the gate is due to open, in ns (0: now, or it is open). */
int64_t shared_until_start(const struct shared *sh);
/* Opens the gate (waiting the last moments for a --start-at instant; not
 * if the run is stopping), and sets t0. */
void shared_start(struct shared *sh);
void shared_wait_start(struct shared *sh);
int64_t shared_t0(const struct shared *sh);
/* t0 on the real-time clock (us since the epoch), and how long after the
 * --start-at instant the gate opened (us; 0 without --start-at). */
int64_t shared_t0_unix_us(const struct shared *sh);
int64_t shared_start_lag_us(const struct shared *sh);
/* The deadline has passed. */
int shared_expired(const struct shared *sh);

/* Claims the next message slot for worker `who`: the run-wide slot k
 * (0-based; a shard's j-th claim is k = j*N + I). 1: claimed; 0: none
 * left, the deadline has passed, or the run is stopping. Each slot is
 * handed out once. */
int shared_claim_slot(struct shared *sh, unsigned who, int64_t *slot);

/* The n consecutive -N numbers of slot k's recipients, handed out in the
 * order of the claims; returns the first (from 1). Runs that number by the
 * slot alone (a workload, a shard: smtp/sized.h) never call it. */
int64_t shared_claim_rcpts(struct shared *sh, unsigned who, int64_t n);

/* Asks every worker to stop claiming; in-flight messages finish. */
void shared_stop(struct shared *sh);
int shared_stopping(struct shared *sh);
/* When the first stop was asked for (the monotonic clock, ns), 0 if none. */
int64_t shared_stopped_ns(const struct shared *sh);

/* A worker's record on its way, for shared_watermark: done_begin before
 * the worker reads the clock for the record's completion, done_at with
 * that time (us since t0), done_sent once the record is written. */
void shared_done_begin(struct shared *sh, unsigned who);
void shared_done_at(struct shared *sh, unsigned who, int64_t end_us);
void shared_done_sent(struct shared *sh, unsigned who);

/* The parent's view: every record completed before the returned time (us
 * since t0, at most now_us, which the caller read first) has been written
 * to the pipe. Never blocks. */
int64_t shared_watermark(struct shared *sh, int64_t now_us);

/* How many slots have been handed out. Never blocks (the parent's view). */
int64_t shared_claimed(const struct shared *sh);

/* The parent, on reaping worker `who`: if it died holding the lock, the
 * lock is released for the others. Returns 1 if the lock was recovered,
 * 0 if the worker did not hold it, -1 if that cannot be told yet (it died
 * in the instant between taking the semaphore and recording itself);
 * shared_recover then settles it on later calls. Never blocks. */
int shared_worker_died(struct shared *sh, unsigned who);

/* Called by the parent now and then while the run goes on: settles an
 * undecided death (see shared_worker_died). Returns 1 when it recovered
 * the lock. Never blocks. */
int shared_recover(struct shared *sh);

#endif
