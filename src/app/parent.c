/* parent: one run as the parent process sees it: the shared region made,
 * the workers forked, their records fed to the report, to the stages' rows
 * and to the metrics server, the workers reaped and the report's numbers
 * made final. */
#include "app/parent.h"

#include "cli/target.h"
#include "core/diag.h"
#include "run/session.h"
#include "run/shared.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct metrics *parent_metrics(const struct config *cfg)
{
    struct target t;
    struct sockaddr_storage addr;
    socklen_t len;
    char err[256];

    if (!cfg->metrics)
        return 0;
    if (target_parse(cfg->metrics, &t, err, sizeof(err)) < 0
        || target_resolve(&t, AF_UNSPEC, &addr, &len, err, sizeof(err)) < 0)
        diag_fatal("--metrics=%s: %s", cfg->metrics, err);
    struct metrics *m = metrics_listen((struct sockaddr *)&addr, len, err, sizeof(err));
    if (m == 0)
        diag_fatal("--metrics=%s: %s", cfg->metrics, err);
    return m;
}

struct worker_args {
    const struct session_args *sa;
    struct shared *sh;
};

static void worker_body(void *arg, unsigned index, int out_fd)
{
    const struct worker_args *w = arg;
    session_worker(w->sa, w->sh, index, out_fd);
}

static void on_start(void *ctx, const struct shared *sh)
{
    report_start(&((struct parent *)ctx)->rp, sh);
}

static int on_record(void *ctx, const struct record *r, const char *text)
{
    struct parent *p = ctx;
    if (p->staged) {
        char advice[512];
        stage_rows_add(&p->rows, r);
        if (stage_rows_advice(&p->rows, r, advice, sizeof(advice)))
            diag_warn("%s", advice);
    }
    if (p->mix)
        mix_add(p->mix, r);
    return report_record(&p->rp, r, text);
}

static void on_tick(void *ctx, int64_t watermark_us)
{
    report_tick(&((struct parent *)ctx)->rp, watermark_us);
}

static void on_drain(void *ctx)
{
    report_drain(&((struct parent *)ctx)->rp);
}

int parent_run(const struct config *cfg, struct session_args *sa, struct results *rs,
                    int progress, struct parent *pa, struct workers_result *res, int *run_errno)
{
    sa->cfg = cfg;
    unsigned nworkers = config_workers(cfg);
    struct shared *sh = shared_create(config_slots(cfg), &cfg->shard, nworkers);
    if (sh == 0)
        diag_fatal("shared memory: %s", strerror(errno));

    /* A step of --find-rate: the last step's numbers were judged and the
     * metrics served them through the pause; the new run starts afresh. */
    if (pa->ran)
        stats_free(&pa->rp.stats);
    pa->ran = 1;
    report_init(&pa->rp, cfg, &rs->out_std, rs->records, progress);
    if (cfg->stages_on) {
        if (stage_rows_init(&pa->rows, &cfg->stages, &cfg->shard, cfg->messages,
                            nworkers) < 0)
            diag_fatal("out of memory");
        pa->staged = 1;
    }
    if (pa->mx)
        metrics_source(pa->mx, &pa->rp, sh, pa->run_text);
    pa->hooks = (struct workers_hooks){
        .on_start = on_start,
        .on_record = on_record,
        .on_tick = progress || cfg->interval_ns ? on_tick : 0,
        .on_drain = on_drain,
        /* Interval lines soon after their interval's end. */
        .tick_ms = cfg->interval_ns ? 100 : 250,
        /* A message in flight has a few steps left, each within --timeout. */
        .stop_grace_ms = ((int64_t)cfg->timeout * 10 + 5) * 1000,
        .ctx = pa,
        .poll_fds = pa->mx ? metrics_poll_fds : 0,
        .on_poll = pa->mx ? metrics_on_poll : 0,
        .poll_ctx = pa->mx,
    };
    fflush(stdout);
    /* t0: the records' time base, just before the first worker exists;
     * under --rate the schedule's origin, once the last one does; with
     * --start-at, that instant. */
    shared_clock(sh, cfg->rate_on, cfg->duration_ns, cfg->start_at_on ? &cfg->start_at_ns : 0);
    struct worker_args wa = { sa, sh };
    int rc = workers_run(nworkers, sh, worker_body, &wa, &pa->hooks, res);
    *run_errno = errno;
    stats_finish(&pa->rp.stats);
    report_end(&pa->rp);
    report_finish(&pa->rp, sh);

    /* A worker that died mid-message (or was killed when the fatal stop's
     * grace ran out) took its message with it. */
    struct stats *st = &pa->rp.stats;
    int64_t lost = shared_claimed(sh) - st->sent - st->failed - st->given_up;
    if ((res->crashed || res->cut) && lost > 0) {
        pa->rp.stats.failed += lost;
        pa->rp.stats.fails[FAIL_WORKER] += (uint64_t)lost;
    }
    if (pa->mx)
        metrics_ended(pa->mx);
    shared_destroy(sh);
    return rc;
}

void parent_linger(const struct config *cfg, struct parent *pa)
{
    if (!pa->mx)
        return;
    /* The report is out; the last scrapes see the totals. */
    fflush(stdout);
    int signal;
    workers_pause(&pa->hooks, cfg->metrics_linger_ns, &signal);
    metrics_close(pa->mx);
    pa->mx = 0;
}
