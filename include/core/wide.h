/* wide: 64 x 64 -> 128-bit products, their comparison and 128 / 64 -> 64
 * division, by hand: C11 has no 128-bit type, and doubles would round
 * what the schedule and the thresholds must get exact. Pure. */
#ifndef WIDE_H
#define WIDE_H

#include <stdint.h>

struct u128 {
    uint64_t hi, lo;
};

struct u128 wide_mul(uint64_t a, uint64_t b);
struct u128 wide_add(struct u128 a, uint64_t b);
/* n / d, or UINT64_MAX when the quotient does not fit 64 bits (d > 0). */
uint64_t wide_div(struct u128 n, uint64_t d);
/* -1, 0 or 1 as a*b is less than, equal to or more than c*d. */
int wide_cmp_products(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

#endif
