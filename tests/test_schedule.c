#include "check.h"
#include "run/schedule.h"
#include "core/units.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int rate_is(const char *s, uint64_t num, uint64_t den)
{
    struct rate r = { 0, 0 };
    char why[128];
    return units_rate(s, &r, why, sizeof(why)) == 0 && r.num == num && r.den == den;
}

static int rate_bad(const char *s, const char *want)
{
    struct rate r;
    char why[128] = "";
    return units_rate(s, &r, why, sizeof(why)) < 0 && strcmp(why, want) == 0;
}

static int dur_is(const char *s, int64_t ns)
{
    int64_t v = -1;
    char why[128];
    return units_duration(s, &v, why, sizeof(why)) == 0 && v == ns;
}

static int dur_bad(const char *s)
{
    int64_t v;
    char why[128];
    return units_duration(s, &v, why, sizeof(why)) < 0;
}

static int stop_now(void *ctx)
{
    (*(int *)ctx)++;
    return 1;
}

#ifdef __SIZEOF_INT128__
/* The arithmetic the portable code must match, where the compiler has it. */
static int64_t due_ref(const struct rate *r, int64_t k)
{
    unsigned __int128 q = (unsigned __int128)k * 1000000000u * r->den / r->num;
    return q >= (unsigned __int128)SCHEDULE_MAX_NS ? SCHEDULE_MAX_NS : (int64_t)q;
}
#endif

/* The integral of the stages' rate from 0 to t ns, in slots, computed
 * afresh (per millisecond steps summed exactly within each stage). */
static long double integral(const struct stages *s, int64_t t)
{
    long double c = 0, a = 0;
    int64_t start = 0;
    for (unsigned i = 0; i < s->n && start < t; i++) {
        long double b = s->v[i].to.num ? (long double)s->v[i].to.num / s->v[i].to.den : 0;
        int64_t len = s->v[i].len_ns, in = t - start < len ? t - start : len;
        long double r = len ? a + (b - a) * in / len : b;
        c += (a + r) / 2 * in / 1e9L;
        start += len;
        a = b;
    }
    return c;
}

static struct stages stages_of(int n, const int64_t *len_s, const uint64_t *num,
                               const uint64_t *den)
{
    struct stages s;
    memset(&s, 0, sizeof(s));
    s.n = (unsigned)n;
    for (int i = 0; i < n; i++)
        s.v[i] = (struct stage){ len_s[i], { num[i], den[i] } };
    return s;
}

/* Every slot k of the stages is due where the integral reaches k: at the
 * due time it is at most k, a microsecond later at least k. */
static int due_exact(const struct stages *s, int64_t step)
{
    int64_t all = schedule_stages_slots(s);
    for (int64_t k = 0; k < all; k += step) {
        int64_t t = schedule_stages_due_ns(s, k);
        if (t >= SCHEDULE_MAX_NS || integral(s, t) > (long double)k + 1e-6L
            || (k > 0 && integral(s, t + 1000) < (long double)k)) {
            fprintf(stderr, "slot %lld due %lld: integral %Lf\n", (long long)k, (long long)t,
                    integral(s, t));
            return 0;
        }
        if (k + 1 < all && schedule_stages_due_ns(s, k + 1) < t)
            return 0;
    }
    return schedule_stages_due_ns(s, all) == SCHEDULE_MAX_NS;
}

/* The count of slots due before t is the count of due times before t. */
static int within_agrees(const struct stages *s, int64_t step_ns)
{
    int64_t all = schedule_stages_slots(s), end = schedule_stages_len_ns(s), k = 0;
    for (int64_t t = 0; t <= end + step_ns; t += step_ns) {
        while (k < all && schedule_stages_due_ns(s, k) < t)
            k++;
        if (schedule_stages_slots_within(s, t) != k)
            return 0;
    }
    return 1;
}

static void stages(void)
{
    const int64_t S = 1000000000;
    /* 0 to 100/s over 30 s: 1500 slots, slot k at sqrt(0.6 k) s. */
    struct stages ramp = stages_of(1, (int64_t[]){ 30 * S }, (uint64_t[]){ 100 }, (uint64_t[]){ 1 });
    CHECK(schedule_stages_slots(&ramp) == 1500 && schedule_stages_len_ns(&ramp) == 30 * S);
    CHECK(schedule_stages_due_ns(&ramp, 0) == 0);
    CHECK(llabs(schedule_stages_due_ns(&ramp, 1000) - (int64_t)(sqrtl(600.0L) * 1e9L)) <= 1);
    CHECK(llabs(schedule_stages_due_ns(&ramp, 1499) - (int64_t)(sqrtl(0.6L * 1499) * 1e9L)) <= 1);
    CHECK(schedule_stages_due_ns(&ramp, 1500) == SCHEDULE_MAX_NS);
    CHECK(schedule_stages_rate_at(&ramp, 15 * S) == 50.0);
    CHECK(due_exact(&ramp, 1) && within_agrees(&ramp, S / 10));
    /* A step to 100/s, 10 s of it: --rate=100's times. */
    struct stages flat = stages_of(2, (int64_t[]){ 0, 10 * S }, (uint64_t[]){ 100, 100 },
                                   (uint64_t[]){ 1, 1 });
    struct rate r100 = { 100, 1 };
    CHECK(schedule_stages_slots(&flat) == 1000);
    int same = 1;
    for (int64_t k = 0; k < 1000; k++)
        same &= llabs(schedule_stages_due_ns(&flat, k) - schedule_due_ns(&r100, k)) <= 1;
    CHECK(same);
    CHECK(schedule_offer_due_ns(&r100, 0, 7) == schedule_due_ns(&r100, 7));
    CHECK(schedule_offer_due_ns(&r100, &flat, 7) == schedule_stages_due_ns(&flat, 7));
    /* The example: up, hold, down; 1/3 rates, an odd length. */
    struct stages up_down = stages_of(4, (int64_t[]){ 30 * S, 60 * S, 30 * S, 10 * S },
                                      (uint64_t[]){ 100, 500, 500, 0 }, (uint64_t[]){ 1, 1, 1, 1 });
    CHECK(schedule_stages_slots(&up_down) == 1500 + 18000 + 15000 + 2500);
    CHECK(due_exact(&up_down, 7) && within_agrees(&up_down, S / 3));
    struct stages odd = stages_of(3, (int64_t[]){ 7 * S + 123456789, 0, 3 * S + 1 },
                                  (uint64_t[]){ 10, 1, 0 }, (uint64_t[]){ 3, 7, 1 });
    CHECK(due_exact(&odd, 1) && within_agrees(&odd, S / 7));
    /* A week of the fastest ramp keeps the microsecond. */
    struct stages week = stages_of(2, (int64_t[]){ 3 * 24 * 3600 * S, 4 * 24 * 3600 * S },
                                   (uint64_t[]){ 1000000, 999999 }, (uint64_t[]){ 1, 1 });
    CHECK(due_exact(&week, 7919 * 1000003LL));
    /* Nothing offered: no slot. */
    struct stages none = stages_of(1, (int64_t[]){ 10 * S }, (uint64_t[]){ 0 }, (uint64_t[]){ 1 });
    CHECK(schedule_stages_slots(&none) == 0 && schedule_stages_due_ns(&none, 0) == SCHEDULE_MAX_NS);
    CHECK(schedule_stages_slots_within(&none, 5 * S) == 0);
}

int main(void)
{
    stages();
    /* Rates: a fraction per second, in lowest terms. */
    CHECK(rate_is("50", 50, 1));
    CHECK(rate_is("50/s", 50, 1));
    CHECK(rate_is("0.5/s", 1, 2));
    CHECK(rate_is("0.5", 1, 2));
    CHECK(rate_is("50/m", 5, 6));
    CHECK(rate_is("10000/h", 25, 9));
    CHECK(rate_is("1000000", 1000000, 1));
    CHECK(rate_is("60000000/m", 1000000, 1));
    CHECK(rate_is("0.000001/h", 1, 3600000000u));
    CHECK(rate_is("1.000000", 1, 1));
    CHECK(rate_bad("0", "the rate must be more than 0"));
    CHECK(rate_bad("0.000000", "the rate must be more than 0"));
    CHECK(rate_bad("1000001", "more than 1000000 messages a second"));
    CHECK(rate_bad("1000000.000001", "more than 1000000 messages a second"));
    CHECK(rate_bad("60000001/m", "more than 1000000 messages a second"));
    CHECK(rate_bad("99999999999999999999", "too large"));
    CHECK(rate_bad("0.0000001", "more than 6 decimals"));
    CHECK(rate_bad("-5", "not a number"));
    CHECK(rate_bad("+5", "not a number"));
    CHECK(rate_bad("", "not a number"));
    CHECK(rate_bad(".", "not a number"));
    CHECK(rate_bad("5.", "not a number"));
    CHECK(rate_bad(" 5", "not a number"));
    CHECK(rate_bad("5/x", "the unit must be /s, /m or /h"));
    CHECK(rate_bad("5/", "the unit must be /s, /m or /h"));
    CHECK(rate_bad("5 /s", "the unit must be /s, /m or /h"));
    CHECK(rate_bad("5/ss", "the unit must be /s, /m or /h"));
    CHECK(rate_bad("5e3", "the unit must be /s, /m or /h"));

    /* Durations: nanoseconds, exactly. */
    CHECK(dur_is("10", 10000000000LL));
    CHECK(dur_is("10s", 10000000000LL));
    CHECK(dur_is("1.5m", 90000000000LL));
    CHECK(dur_is("2h", 7200000000000LL));
    CHECK(dur_is("0.1", 100000000LL));
    CHECK(dur_is("0.000000001", 1));
    CHECK(dur_is("168h", DURATION_MAX_NS));
    CHECK(dur_is("604800", DURATION_MAX_NS));
    CHECK(dur_is("10080m", DURATION_MAX_NS));
    CHECK(dur_bad("604800.000000001"));
    CHECK(dur_bad("168.000000001h"));
    CHECK(dur_bad("0.0000000001"));
    CHECK(dur_bad("0"));
    CHECK(dur_bad("0s"));
    CHECK(dur_bad("-1"));
    CHECK(dur_bad("1x"));
    CHECK(dur_bad("7d"));
    CHECK(dur_bad(""));
    CHECK(dur_bad("s"));
    CHECK(dur_bad("1.s"));
    CHECK(dur_bad("99999999999999999999"));

    /* Due times: floor(k * 1e9 / R), never drifting. */
    struct rate half = { 1, 2 }, three = { 3, 1 }, mega = { 1000000, 1 }, perh = { 25, 9 };
    CHECK(schedule_due_ns(&half, 0) == 0 && schedule_due_ns(&half, 1) == 2000000000LL);
    CHECK(schedule_due_ns(&three, 1) == 333333333 && schedule_due_ns(&three, 2) == 666666666);
    CHECK(schedule_due_ns(&three, 3) == 1000000000LL);
    CHECK(schedule_due_ns(&three, 3000000) == 1000000000000000LL);
    CHECK(schedule_due_ns(&three, 3000001) == 1000000333333333LL);
    CHECK(schedule_due_ns(&mega, 123456789) == 123456789000LL);
    CHECK(schedule_due_ns(&perh, 1) == 360000000);
    /* 2^31 slots at one a century would be due long after the limit. */
    struct rate slow = { 1, 3600000000u };
    CHECK(schedule_due_ns(&slow, 2147483647) == SCHEDULE_MAX_NS);
    CHECK(schedule_due_ns(&slow, 1) == 3600000000000000000LL);

    /* Slots due within T: ceil(T * R). */
    struct rate r200 = { 200, 1 };
    CHECK(schedule_slots_within(&r200, 10000000000LL) == 2000);
    CHECK(schedule_slots_within(&r200, 10000000001LL) == 2001);
    CHECK(schedule_slots_within(&three, 1000000000LL) == 3);
    CHECK(schedule_slots_within(&three, 1) == 1);
    CHECK(schedule_slots_within(&three, 0) == 0);
    CHECK(schedule_slots_within(&half, 10000000000LL) == 5);
    CHECK(schedule_slots_within(&half, 10000000001LL) == 6);
    CHECK(schedule_slots_within(&mega, DURATION_MAX_NS) == 604800000000LL);

    /* Against 128-bit arithmetic, and the two functions against each
     * other: n slots are due before t exactly when due(n - 1) < t <= due(n). */
    srand(7);
    int agree = 1;
    for (int i = 0; i < 20000; i++) {
        struct rate r;
        char s[64], why[64];
        snprintf(s, sizeof(s), "%d.%06d%s", rand() % 100000, rand() % 1000000,
                 i % 3 == 0 ? "/s" : i % 3 == 1 ? "/m" : "/h");
        if (units_rate(s, &r, why, sizeof(why)) < 0)
            continue;
        int64_t k = ((int64_t)rand() << 20 ^ rand()) % 2000000000LL;
        int64_t d = schedule_due_ns(&r, k);
#ifdef __SIZEOF_INT128__
        if (d != due_ref(&r, k))
            agree = 0;
#endif
        int64_t t = 1 + ((int64_t)rand() << 24 ^ rand()) % DURATION_MAX_NS;
        int64_t n = schedule_slots_within(&r, t);
        if (n < 1 || schedule_due_ns(&r, n - 1) >= t || schedule_due_ns(&r, n) < t)
            agree = 0;
    }
    CHECK(agree);

    /* The wait: never early; a stop ends it at once. */
    int64_t when = schedule_now_ns() + 2000000;
    CHECK(schedule_wait(when, 0, 0) == 0 && schedule_now_ns() >= when);
    int asked = 0;
    CHECK(schedule_wait(schedule_now_ns() + 1000000000000LL, stop_now, &asked) == -1 && asked == 1);
    return check_done("schedule");
}
