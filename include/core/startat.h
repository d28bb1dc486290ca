/* startat: --start-at, the instant at which a run (every shard of it)
 * starts: an RFC 3339 time with a zone ("2026-12-01T10:00:00Z", with a
 * fraction or an offset) or "@" Unix seconds with an optional fraction,
 * parsed exactly to the nanosecond; and the same instant written back in
 * UTC. Pure, but for startat_now. */
#ifndef STARTAT_H
#define STARTAT_H

#include <stddef.h>
#include <stdint.h>

/* A start further ahead than this is refused: a typo, not a plan. */
#define STARTAT_AHEAD_MAX_NS (24LL * 3600 * 1000000000LL)

/* Nanoseconds since the Unix epoch (1970-01-01T00:00:00Z, not before;
 * POSIX time: no leap seconds). 0, or -1 with the reason in why (a
 * phrase, no option name). */
int startat_parse(const char *s, int64_t *unix_ns, char *why, size_t len);

/* unix_ns (>= 0) as RFC 3339 in UTC to the microsecond (rounded down):
 * "2026-12-01T10:00:00.000000Z". */
void startat_format(int64_t unix_ns, char *buf, size_t len);

/* The real-time clock (CLOCK_REALTIME), in ns since the epoch. */
int64_t startat_now_ns(void);

#endif
