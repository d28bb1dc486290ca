/* schedule: slot k -> its due time t0 + k/R, exactly; the wait for it;
 * what late means. */
#include "run/schedule.h"

#include "core/wide.h"

#include <errno.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define NS_PER_S 1000000000u

int64_t schedule_due_ns(const struct rate *r, int64_t k)
{
    if (k <= 0)
        return 0;
    /* den <= 3.6e9 (six decimals, per hour): 1e9 * den fits 64 bits. */
    uint64_t q = wide_div(wide_mul((uint64_t)k, NS_PER_S * r->den), r->num);
    return q >= (uint64_t)SCHEDULE_MAX_NS ? SCHEDULE_MAX_NS : (int64_t)q;
}

int64_t schedule_slots_within(const struct rate *r, int64_t t_ns)
{
    if (t_ns <= 0)
        return 0;
    uint64_t d = NS_PER_S * r->den;
    uint64_t q = wide_div(wide_add(wide_mul((uint64_t)t_ns, r->num), d - 1), d);
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
