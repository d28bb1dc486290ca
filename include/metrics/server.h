/* server: --metrics: the parent's small HTTP server. One listening socket
 * and a few non-blocking connections, polled by the parent's own loop
 * beside the record pipe (run/workers.h's poll hooks); each request is
 * answered once from the stats as they stand (metrics/exposition.h) and
 * the connection closed. It never blocks the loop: a scraper that does
 * not read fills only its own bounded buffer, and is dropped. */
#ifndef METRICS_SERVER_H
#define METRICS_SERVER_H

#include "report/report.h"
#include "run/shared.h"

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

/* At most this many scrapers at once; a new one beyond it takes the
 * place of the one that has been connected longest. */
#define METRICS_CONNS 8
/* A response larger than this is not made (500): far beyond the largest
 * exposition, it bounds what a connection holds. */
#define METRICS_RESPONSE_MAX (4u << 20)
/* A connection that makes no progress for this long is closed. */
#define METRICS_IDLE_NS (10 * 1000000000LL)

struct metrics;

/* Listens on addr (before fork, so that a port that cannot be had stops
 * the run before it starts). NULL with the reason in err ("bind: Address
 * already in use"). */
struct metrics *metrics_listen(const struct sockaddr *addr, socklen_t len, char *err,
                               size_t errlen);

/* What the answers are made from: the report's stats, the slot counter,
 * and the run's labels. */
void metrics_source(struct metrics *m, const struct report *rp, struct shared *sh,
                    const char *run_id);

/* The run has ended: from now on the numbers are its totals. */
void metrics_ended(struct metrics *m);

/* The poll hooks (run/workers.h); ctx is the struct metrics. */
unsigned metrics_poll_fds(void *ctx, struct pollfd *pf, unsigned max);
void metrics_on_poll(void *ctx, const struct pollfd *pf, unsigned n);

/* Closes every connection and the socket. */
void metrics_close(struct metrics *m);

#endif
