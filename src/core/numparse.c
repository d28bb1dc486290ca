#include "core/numparse.h"

#include <limits.h>

int num_parse(const char *s, long long min, long long max, long long *out)
{
    long long v = 0;

    if (s == 0 || *s == 0)
        return -1;
    /* A leading '+' or '-' is refused rather than interpreted: every count
     * and delay on this command line is positive, so a sign is a mistake. */
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        int d = *p - '0';
        if (v > (LLONG_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}
