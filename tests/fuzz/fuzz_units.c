/* libFuzzer: --rate and --duration values: what is accepted is in range,
 * in lowest terms, and the value strtod reads from the same text; the
 * schedule built on it never runs backwards. */
#include "run/schedule.h"
#include "core/units.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int close_to(double got, double want)
{
    double d = got - want;
    return (d < 0 ? -d : d) <= 1e-9 * (want > 1 ? want : 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64], why[96];
    if (size >= sizeof(s) || memchr(data, 0, size))
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    struct rate r;
    if (units_rate(s, &r, why, sizeof(why)) == 0) {
        if (r.num == 0 || r.den == 0 || gcd(r.num, r.den) != 1
            || r.num > (uint64_t)RATE_MAX_PER_S * r.den)
            abort();
        const char *slash = strchr(s, '/');
        double per = slash == 0 || slash[1] == 's' ? 1 : slash[1] == 'm' ? 60 : 3600;
        if (!close_to(units_rate_per_s(&r), strtod(s, 0) / per))
            abort();
        int64_t k = (int64_t)(size * 7919);
        if (schedule_due_ns(&r, k + 1) < schedule_due_ns(&r, k))
            abort();
    }
    int64_t ns;
    if (units_duration(s, &ns, why, sizeof(why)) == 0) {
        size_t n = strlen(s);
        double unit = s[n - 1] == 'm' ? 60 : s[n - 1] == 'h' ? 3600 : 1;
        if (ns <= 0 || ns > DURATION_MAX_NS || !close_to((double)ns / 1e9, strtod(s, 0) * unit))
            abort();
    }
    return 0;
}
