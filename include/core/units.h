/* units: the load shape's quantities on the command line, parsed exactly:
 * a rate (messages per second, minute or hour, as a fraction num/den per
 * second, so that the schedule never rounds) and a duration (nanoseconds,
 * with s, m or h). Pure: no I/O. */
#ifndef UNITS_H
#define UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Messages per second, num/den in lowest terms; num > 0, den > 0. */
struct rate {
    uint64_t num, den;
};

#define RATE_MAX_PER_S 1000000   /* faster cannot be scheduled to the microsecond */
#define RATE_DECIMALS 6
#define DURATION_MAX_NS (7LL * 24 * 3600 * 1000000000LL)   /* a week */

/* "50", "50/s", "0.5/s", "3000/m", "10000/h": 0, or -1 with the reason in
 * why (a phrase, no option name). */
int units_rate(const char *s, struct rate *r, char *why, size_t len);

/* "10", "10s", "1.5m", "2h": a positive duration of at most a week, to
 * the nanosecond (at most 9 decimals). 0, or -1 with the reason in why. */
int units_duration(const char *s, int64_t *ns, char *why, size_t len);

/* A decimal number "I[.F]" with at most max_dec decimals, as mantissa and
 * decimal count; the integer part is held to max_int so that the mantissa
 * cannot overflow. The rest of the string is left in *end. 0, or -1 with
 * the reason in why. */
int units_decimal(const char *s, int max_dec, uint64_t max_int, uint64_t *mant, int *dec,
                  const char **end, char *why, size_t len);

/* The rate as a double, for reports (the schedule itself never uses it). */
double units_rate_per_s(const struct rate *r);

#endif
