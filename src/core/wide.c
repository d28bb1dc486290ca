/* wide: 64 x 64 -> 128-bit products, their comparison and 128 / 64 -> 64
 * division, by hand. */
#include "core/wide.h"

struct u128 wide_mul(uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    struct u128 r = { p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32),
                      (mid << 32) | (p00 & 0xffffffffu) };
    return r;
}

struct u128 wide_add(struct u128 a, uint64_t b)
{
    a.lo += b;
    if (a.lo < b)
        a.hi++;
    return a;
}

uint64_t wide_div(struct u128 n, uint64_t d)
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

int wide_cmp_products(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    struct u128 x = wide_mul(a, b), y = wide_mul(c, d);
    if (x.hi != y.hi)
        return x.hi < y.hi ? -1 : 1;
    if (x.lo != y.lo)
        return x.lo < y.lo ? -1 : 1;
    return 0;
}
