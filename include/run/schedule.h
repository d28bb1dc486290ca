/* schedule: the open-loop schedule of --rate. Message slot k is due at
 * t0 + k/R on the monotonic clock, whatever happened to earlier slots; a
 * worker waits for its slot's time with absolute deadlines, so no error
 * accumulates, and a start more than SCHEDULE_LATE_NS after its time is
 * late. The arithmetic is exact: R is a fraction, the products 128-bit. */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include "core/config.h"
#include "core/units.h"

#include <stdint.h>

#define SCHEDULE_LATE_NS 1000000LL
/* The furthest a slot may be due from t0 (about 146 years): far beyond
 * any run, and t0 + due still fits the monotonic clock's 64 bits. */
#define SCHEDULE_MAX_NS (1LL << 62)

/* Nanoseconds after t0 at which slot k (k >= 0) is due: floor(k * 1e9 / R);
 * SCHEDULE_MAX_NS if that is beyond it. */
int64_t schedule_due_ns(const struct rate *r, int64_t k);

/* How many slots are due less than t_ns after t0: the k >= 0 with
 * k / R < t, that is ceil(t * R). */
int64_t schedule_slots_within(const struct rate *r, int64_t t_ns);

/* --stages: slot k is due when the integral of the offered rate from t0
 * reaches k, the rate ramping linearly within each stage. Each stage's
 * quadratic is solved in long double (64-bit mantissa) in the stable form
 * 2m / (a + sqrt(a^2 + 2(b-a)m/L)): the error is far below 1 us over a
 * week (test_schedule checks it against the integral). A slot whose
 * integral is reached only at the stages' end, or never, has no time:
 * SCHEDULE_MAX_NS. */
int64_t schedule_stages_due_ns(const struct stages *s, int64_t k);
/* The slots due less than t_ns after t0 (all of them: t_ns past the end). */
int64_t schedule_stages_slots_within(const struct stages *s, int64_t t_ns);
/* The stages' whole length, and their slots (those due before the end). */
int64_t schedule_stages_len_ns(const struct stages *s);
int64_t schedule_stages_slots(const struct stages *s);
/* The offered rate at t_ns after t0, messages per second. */
double schedule_stages_rate_at(const struct stages *s, int64_t t_ns);

/* Either schedule: the stages if st is not NULL, else the rate's. */
int64_t schedule_offer_due_ns(const struct rate *r, const struct stages *st, int64_t k);
int64_t schedule_offer_slots_within(const struct rate *r, const struct stages *st, int64_t t_ns);

/* The monotonic clock, in nanoseconds. */
int64_t schedule_now_ns(void);

/* Asks the system to end this process's sleeps as close to their time as
 * it can (Linux: the timer slack); elsewhere nothing. */
void schedule_sharpen(void);

/* Sleeps until the monotonic clock reads `when` (ns), never less; wakes
 * at least every 100 ms to ask stop(ctx) whether to give up. Returns 0 on
 * time, -1 when stop said so. */
int schedule_wait(int64_t when, int (*stop)(void *), void *ctx);

#endif
