/* workers: the process machinery. Forks the workers, collects their
 * records from one pipe, turns SIGINT/SIGTERM/SIGHUP into a stop, and
 * reaps every child, so that no worker outlives the run. */
#ifndef WORKERS_H
#define WORKERS_H

#include "core/record.h"
#include "run/shared.h"

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

/* The parent's record_fn (core/record.h): nonzero stops the run: no slot
 * is claimed any more, and the messages in flight end as they will (see
 * stop_grace_ms). */

/* The body of a worker; must not return. */
typedef void (*worker_fn)(void *arg, unsigned index, int out_fd);

struct workers_result {
    int signal;          /* the signal that interrupted the run, or 0 */
    int stopped;         /* a record asked to stop */
    unsigned crashed;    /* workers that died of a signal we did not send */
    int cut;             /* workers still running at the end of stop_grace_ms were killed */
};

/* What the parent's loop calls: on_start (if set) once it has opened the
 * workers' gate (shared_start: t0 is set), on_record for each record,
 * on_tick (if set) about every tick_ms milliseconds while the run goes
 * on (also while it waits for --start-at), once the records already in
 * the pipe are handed out: every record completed before watermark_us
 * (us since t0; -1: unknown this time, or no t0 yet) has then been seen,
 * when the workers announce theirs (shared_done_begin). */
struct workers_hooks {
    void (*on_start)(void *ctx, const struct shared *sh);
    record_fn on_record;
    void (*on_tick)(void *ctx, int64_t watermark_us);
    void (*on_drain)(void *ctx);   /* the first SIGINT: the run drains */
    int tick_ms;
    /* A record's stop (a fatal error) lets the workers finish what is in
     * flight, each step bounded by --timeout; those still running after
     * stop_grace_ms are killed (0: at once). */
    int64_t stop_grace_ms;
    void *ctx;
    /* The parent's own descriptors beside the pipe (--metrics's server):
     * before each wait poll_fds puts at most max of them in pf and says
     * how many; after it on_poll gets them back with their revents. Both
     * must return at once. A worker closes those that poll_fds names when
     * it is forked: they are never the worker's. NULL: none. */
    unsigned (*poll_fds)(void *poll_ctx, struct pollfd *pf, unsigned max);
    void (*on_poll)(void *poll_ctx, const struct pollfd *pf, unsigned n);
    void *poll_ctx;
};

/* The most descriptors poll_fds is asked for. */
#define WORKERS_POLL_MAX 16

/* Forks n workers and runs the parent's loop until every one has exited.
 * Returns 0, or -1 if the run could not start (errno; a worker already
 * forked is stopped and reaped). */
int workers_run(unsigned n, struct shared *sh, worker_fn body, void *arg,
                const struct workers_hooks *hooks, struct workers_result *res);

/* Between runs (--find-rate's steps) and after the last (--metrics-linger):
 * waits ns, serving the hooks' descriptors (poll_fds, on_poll; hooks may be
 * NULL), or less if SIGINT, SIGTERM or SIGHUP comes meanwhile (*signal:
 * that signal; 0 none). Returns 0 after the whole wait, -1 after a signal. */
int workers_pause(const struct workers_hooks *hooks, int64_t ns, int *signal);

#endif
