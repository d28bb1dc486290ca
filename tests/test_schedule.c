#include "check.h"
#include "run/schedule.h"
#include "core/units.h"

#include <stdint.h>
#include <stdlib.h>

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

int main(void)
{
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
