/* units: rates and durations from the command line, parsed exactly. */
#include "core/units.h"

#include <stdio.h>
#include <string.h>

int units_decimal(const char *s, int max_dec, uint64_t max_int, uint64_t *mant, int *dec,
                   const char **end, char *why, size_t len)
{
    uint64_t v = 0;
    int digits = 0;

    *dec = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max_int) {
            snprintf(why, len, "too large");
            return -1;
        }
    }
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9') {
            snprintf(why, len, "not a number");
            return -1;
        }
        for (; *s >= '0' && *s <= '9'; s++, digits++) {
            if (++*dec > max_dec) {
                snprintf(why, len, "more than %d decimals", max_dec);
                return -1;
            }
            v = v * 10 + (uint64_t)(*s - '0');
        }
    }
    if (digits == 0) {
        snprintf(why, len, "not a number");
        return -1;
    }
    *mant = v;
    *end = s;
    return 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                  100000000, 1000000000 };

int units_rate(const char *s, struct rate *r, char *why, size_t len)
{
    uint64_t mant, unit = 1;
    int dec;
    const char *end;

    /* 10^11 an hour is 2.8e7 a second: beyond the limit, yet small enough
     * that six decimals more still fit 64 bits. */
    if (units_decimal(s, RATE_DECIMALS, 100000000000ULL, &mant, &dec, &end, why, len) < 0)
        return -1;
    if (strcmp(end, "/m") == 0)
        unit = 60;
    else if (strcmp(end, "/h") == 0)
        unit = 3600;
    else if (*end && strcmp(end, "/s") != 0) {
        snprintf(why, len, "the unit must be /s, /m or /h");
        return -1;
    }
    if (mant == 0) {
        snprintf(why, len, "the rate must be more than 0");
        return -1;
    }
    uint64_t den = pow10[dec] * unit;
    if (mant > (uint64_t)RATE_MAX_PER_S * den) {
        snprintf(why, len, "more than %d messages a second", RATE_MAX_PER_S);
        return -1;
    }
    uint64_t g = gcd(mant, den);
    r->num = mant / g;
    r->den = den / g;
    return 0;
}

int units_duration(const char *s, int64_t *ns, char *why, size_t len)
{
    uint64_t mant, unit = 1;
    int dec;
    const char *end;

    /* A week is 604800 s: an integer part beyond that is refused anyway. */
    if (units_decimal(s, 9, 1000000000ULL, &mant, &dec, &end, why, len) < 0)
        return -1;
    if (strcmp(end, "m") == 0)
        unit = 60;
    else if (strcmp(end, "h") == 0)
        unit = 3600;
    else if (*end && strcmp(end, "s") != 0) {
        snprintf(why, len, "the unit must be s, m or h");
        return -1;
    }
    if (mant == 0) {
        snprintf(why, len, "the duration must be more than 0");
        return -1;
    }
    /* mant < 10^18 and unit * 10^(9-dec) <= 3.6e12: compare before multiplying. */
    uint64_t scale = unit * pow10[9 - dec];
    if (mant > (uint64_t)DURATION_MAX_NS / scale) {
        snprintf(why, len, "more than a week");
        return -1;
    }
    *ns = (int64_t)(mant * scale);
    return 0;
}

double units_rate_per_s(const struct rate *r)
{
    return (double)r->num / (double)r->den;
}
