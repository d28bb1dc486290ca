/* seed: splitmix64 streams keyed by (seed, slot, purpose). */
#include "workload/seed.h"

#include <time.h>
#include <unistd.h>

/* The finalizer of splitmix64: a bijection that spreads every input bit. */
static uint64_t stir(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void wl_stream(struct wl_rng *r, uint64_t seed, int64_t k, enum wl_purpose p)
{
    /* Mixed in turn, so that neighbouring slots and purposes start far
     * apart: (seed, k) and (seed, k + 1) share no prefix of draws. */
    uint64_t z = stir(seed ^ 0x6a09e667f3bcc909ULL);
    z = stir(z ^ (uint64_t)k);
    z = stir(z ^ ((uint64_t)p * 0x9e3779b97f4a7c15ULL));
    r->state = z;
}

uint64_t wl_next(struct wl_rng *r)
{
    r->state += 0x9e3779b97f4a7c15ULL;
    return stir(r->state);
}

double wl_unit(struct wl_rng *r)
{
    return (double)(wl_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t wl_below(struct wl_rng *r, uint64_t n)
{
    /* Rejection of the short last interval: every value equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t v = wl_next(r);
        if (v < limit)
            return v % n;
    }
}

uint64_t wl_seed_auto(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* Kept below 2^53 so that the JSON's number reads back exactly. */
    uint64_t t = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    return stir(t ^ ((uint64_t)getpid() << 32)) & ((1ULL << 53) - 1);
}
