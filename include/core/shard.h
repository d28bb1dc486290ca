/* shard: one part of a run that several machines make together. Shard I
 * of N owns the run-wide message slots k (0 <= k < m) with k mod N == I:
 * its j-th claimed slot is k = j*N + I, and k drives all that depends on
 * a slot (the -N numbers, the Message-Id count, the schedule, --records).
 * Pure: no I/O. */
#ifndef SHARD_H
#define SHARD_H

#include <stddef.h>
#include <stdint.h>

#define SHARD_MAX 10000

struct shard {
    uint32_t index, count;   /* I and N; 0 and 1 for a run that is not sharded */
};

/* "I/N" with 0 <= I < N <= SHARD_MAX, plain decimal digits: 0, or -1 with
 * the reason in why (a phrase, no option name). */
int shard_parse(const char *s, struct shard *sh, char *why, size_t len);

/* The run-wide slot of the shard's j-th slot: j*N + I. */
int64_t shard_slot(const struct shard *sh, int64_t j);

/* How many of the run-wide slots 0..k-1 the shard owns (k >= 0); INT64_MAX
 * stays INT64_MAX (a run that --duration alone bounds). */
int64_t shard_owned(const struct shard *sh, int64_t k);

/* The first -N number of slot k's r recipients when sharded: slot k owns
 * k*r+1 .. k*r+r, so the shards' numbers are disjoint and together those
 * of one run that loses no message. */
int64_t shard_first_rcpt(int64_t k, int64_t r);

#endif
