/* seed: the seeded choice per slot. Every random choice of the workload
 * (a message's size, its recipients, its sender, ...) is drawn from a
 * stream that is a pure function of (seed, slot k, purpose): never of the
 * worker that took the slot nor of timing, so that one seed sends the same
 * messages in every run, and the shards of a run send together exactly
 * what the unsharded run sends. Pure. */
#ifndef WORKLOAD_SEED_H
#define WORKLOAD_SEED_H

#include <stdint.h>

/* What a stream is for: each its own, so that adding a choice of one kind
 * never shifts the draws of another. */
enum wl_purpose {
    WL_SIZE = 1, WL_RCPT_COUNT, WL_RCPT_PICK, WL_RCPT_DOMAIN, WL_FROM, WL_CONTENT,
    WL_CORPUS,
};

struct wl_rng {
    uint64_t state;
};

/* The stream of slot k for purpose p under seed. */
void wl_stream(struct wl_rng *r, uint64_t seed, int64_t k, enum wl_purpose p);

/* splitmix64: the next 64 bits of the stream. */
uint64_t wl_next(struct wl_rng *r);

/* Uniform in [0, 1), 53 bits. */
double wl_unit(struct wl_rng *r);

/* Uniform in [0, n) (n > 0), without modulo bias. */
uint64_t wl_below(struct wl_rng *r, uint64_t n);

/* A seed for a run that gave none: from the clock and the pid. */
uint64_t wl_seed_auto(void);

#endif
