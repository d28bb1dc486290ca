/* schedule: slot k -> its due time t0 + k/R, exactly; the wait for it;
 * what late means. */
#include "run/schedule.h"

#include "core/wide.h"

#include <errno.h>
#include <math.h>
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

/* --stages. A stage from rate a to rate b (per ns) over L ns holds
 * (a + b) L / 2 slots; the integral's values are held in long double. */
typedef long double real;

static real per_ns(const struct rate *r)
{
    return r->num == 0 ? 0 : (real)r->num / (real)r->den / 1e9L;
}

/* Slots within a hair of a whole number are that number: an integral that
 * is exactly k in rational terms must not lose k to rounding. */
static real hair(real v)
{
    return 1e-9L + v * 1e-15L;
}

static real stage_integral(real a, real b, int64_t len)
{
    return (a + b) * (real)len / 2;
}

int64_t schedule_stages_len_ns(const struct stages *s)
{
    int64_t len = 0;
    for (unsigned i = 0; i < s->n; i++)
        len += s->v[i].len_ns;
    return len;
}

static real total(const struct stages *s)
{
    real sum = 0, a = 0;
    for (unsigned i = 0; i < s->n; i++) {
        real b = per_ns(&s->v[i].to);
        sum += stage_integral(a, b, s->v[i].len_ns);
        a = b;
    }
    return sum;
}

int64_t schedule_stages_slots(const struct stages *s)
{
    real c = total(s);
    real n = ceill(c - hair(c));
    return n <= 0 ? 0 : n >= (real)INT64_MAX ? INT64_MAX : (int64_t)n;
}

int64_t schedule_stages_due_ns(const struct stages *s, int64_t k)
{
    if (k < 0)
        return 0;
    real want = (real)k, c = 0, a = 0;
    int64_t start = 0;
    for (unsigned i = 0; i < s->n; i++) {
        real b = per_ns(&s->v[i].to);
        int64_t len = s->v[i].len_ns;
        real in = stage_integral(a, b, len);
        if (want < c + in - hair(c + in)) {
            real m = want - c;
            if (m <= 0)
                return start;
            real disc = a * a + 2 * (b - a) * m / (real)len;
            real tau = 2 * m / (a + sqrtl(disc > 0 ? disc : 0));
            if (tau > (real)len)
                tau = (real)len;
            return start + (int64_t)floorl(tau);
        }
        c += in;
        start += len;
        a = b;
    }
    return SCHEDULE_MAX_NS;
}

int64_t schedule_stages_slots_within(const struct stages *s, int64_t t_ns)
{
    int64_t all = schedule_stages_slots(s);
    if (t_ns <= 0)
        return 0;
    real c = 0, a = 0;
    int64_t start = 0;
    for (unsigned i = 0; i < s->n && start < t_ns; i++) {
        real b = per_ns(&s->v[i].to);
        int64_t len = s->v[i].len_ns;
        int64_t in = t_ns - start < len ? t_ns - start : len;
        /* The rate at `in` into the stage, and the slots up to it. */
        real r = len ? a + (b - a) * (real)in / (real)len : b;
        c += (a + r) * (real)in / 2;
        start += len;
        a = b;
    }
    real n = ceill(c - hair(c));
    int64_t k = n <= 0 ? 0 : n >= (real)all ? all : (int64_t)n;
    /* The count agrees with the due times themselves, whatever rounding. */
    while (k > 0 && schedule_stages_due_ns(s, k - 1) >= t_ns)
        k--;
    while (k < all && schedule_stages_due_ns(s, k) < t_ns)
        k++;
    return k;
}

double schedule_stages_rate_at(const struct stages *s, int64_t t_ns)
{
    real a = 0;
    int64_t start = 0;
    for (unsigned i = 0; i < s->n; i++) {
        real b = per_ns(&s->v[i].to);
        int64_t len = s->v[i].len_ns;
        if (t_ns < start + len)
            return (double)((a + (b - a) * (real)(t_ns - start) / (real)len) * 1e9L);
        start += len;
        a = b;
    }
    return (double)(a * 1e9L);
}

int64_t schedule_offer_due_ns(const struct rate *r, const struct stages *st, int64_t k)
{
    return st ? schedule_stages_due_ns(st, k) : schedule_due_ns(r, k);
}

int64_t schedule_offer_slots_within(const struct rate *r, const struct stages *st, int64_t t_ns)
{
    return st ? schedule_stages_slots_within(st, t_ns) : schedule_slots_within(r, t_ns);
}
