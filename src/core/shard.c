/* shard: shard I of N and the run-wide slots it owns. */
#include "core/shard.h"

#include <stdio.h>

/* Plain digits up to the first `stop` character; at most SHARD_MAX. */
static const char *digits(const char *s, char stop, uint32_t *v)
{
    uint32_t n = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (uint32_t)(*p - '0');
        if (n > SHARD_MAX)
            return 0;
    }
    if (p == s || *p != stop)
        return 0;
    *v = n;
    return p;
}

int shard_parse(const char *s, struct shard *sh, char *why, size_t len)
{
    uint32_t i, n;
    const char *p = digits(s, '/', &i);
    if (p == 0 || digits(p + 1, 0, &n) == 0) {
        snprintf(why, len, "not I/N with 0 <= I < N <= %d", SHARD_MAX);
        return -1;
    }
    if (n == 0) {
        snprintf(why, len, "N must be at least 1");
        return -1;
    }
    if (i >= n) {
        snprintf(why, len, "I must be less than N (shards are 0 to N-1)");
        return -1;
    }
    sh->index = i;
    sh->count = n;
    return 0;
}

int64_t shard_slot(const struct shard *sh, int64_t j)
{
    return j * (int64_t)sh->count + (int64_t)sh->index;
}

int64_t shard_owned(const struct shard *sh, int64_t k)
{
    if (k == INT64_MAX)
        return INT64_MAX;
    if (k <= (int64_t)sh->index)
        return 0;
    return (k - (int64_t)sh->index - 1) / (int64_t)sh->count + 1;
}

int64_t shard_first_rcpt(int64_t k, int64_t r)
{
    return k * r + 1;
}
