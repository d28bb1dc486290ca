/* schedule: slot k -> its due time t0 + k/R, exactly; the wait for it;
 * what late means. */
#include "run/schedule.h"

#include <errno.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* 64 x 64 -> 128 bits and 128 / 64 -> 64 bits, by hand: C11 has no
 * 128-bit type, and doubles would drift by a microsecond within hours. */
struct u128 {
    uint64_t hi, lo;
};

static struct u128 mul64(uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    struct u128 r = { p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32),
                      (mid << 32) | (p00 & 0xffffffffu) };
    return r;
}

static struct u128 add64(struct u128 a, uint64_t b)
{
    a.lo += b;
    if (a.lo < b)
        a.hi++;
    return a;
}

/* n / d, or UINT64_MAX when the quotient does not fit 64 bits. */
static uint64_t div64(struct u128 n, uint64_t d)
{
    if (n.hi >= d)
        return UINT64_MAX;
    uint64_t rem = n.hi, q = 0;
    for (int i = 63; i >= 0; i--) {
        /* rem < d before the shift; a carry out of bit 63 means that the
         * true remainder is past 2^64, so above d: wrapping is exact. */
        uint64_t carry = rem >> 63;
        rem = (rem << 1) | ((n.lo >> i) & 1u);
        q <<= 1;
        if (carry || rem >= d) {
            rem -= d;
            q |= 1;
        }
    }
    return q;
}

#define NS_PER_S 1000000000u

int64_t schedule_due_ns(const struct rate *r, int64_t k)
{
    if (k <= 0)
        return 0;
    /* den <= 3.6e9 (six decimals, per hour): 1e9 * den fits 64 bits. */
    uint64_t q = div64(mul64((uint64_t)k, NS_PER_S * r->den), r->num);
    return q >= (uint64_t)SCHEDULE_MAX_NS ? SCHEDULE_MAX_NS : (int64_t)q;
}

int64_t schedule_slots_within(const struct rate *r, int64_t t_ns)
{
    if (t_ns <= 0)
        return 0;
    uint64_t d = NS_PER_S * r->den;
    uint64_t q = div64(add64(mul64((uint64_t)t_ns, r->num), d - 1), d);
    return q > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)q;
}

int64_t schedule_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

void schedule_sharpen(void)
{
#ifdef __linux__
    /* Linux lets a sleep end up to 50 us late by default, to batch
     * wake-ups: a slot's start wants the exact time. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
}

#define STOP_CHECK_NS 100000000LL

int schedule_wait(int64_t when, int (*stop)(void *), void *ctx)
{
    for (;;) {
        if (stop && stop(ctx))
            return -1;
        int64_t now = schedule_now_ns();
        if (now >= when)
            return 0;
        /* The last step ends on `when` itself: each deadline is absolute,
         * so however late a wake-up, the next one is not later for it. */
        int64_t until = when - now > STOP_CHECK_NS ? now + STOP_CHECK_NS : when;
        struct timespec ts = { (time_t)(until / NS_PER_S), (long)(until % NS_PER_S) };
        int e;
        while ((e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, 0)) == EINTR)
            ;
        if (e != 0)
            return stop && stop(ctx) ? -1 : 0;   /* cannot sleep: go now rather than never */
    }
}
