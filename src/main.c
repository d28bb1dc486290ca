/* smtp-source: a parallel SMTP/LMTP load generator, a drop-in for
 * Postfix's smtp-source(1). argv -> config -> message, target, names ->
 * workers -> summary -> exit status. See man/smtp-source.1. */
#include "smtp/auth.h"
#include "core/diag.h"
#include "core/hostname.h"
#include "merge/merge.h"
#include "smtp/message.h"
#include "cli/options.h"
#include "report/report.h"
#include "report/results.h"
#include "run/session.h"
#include "run/shared.h"
#include "run/startup.h"
#include "cli/target.h"
#include "run/workers.h"
#include "run/schedule.h"
#include "report/statsjson.h"
#include "verdict/search.h"
#include "verdict/stages.h"
#include "verdict/verdict.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *own_hostname(const struct config *cfg)
{
    static char name[256];
    char why[128];

    if (cfg->myhostname)
        return cfg->myhostname;
    if (gethostname(name, sizeof(name) - 1) < 0 || !hostname_valid(name, why, sizeof(why)))
        diag_fatal("unable to use my own hostname");
    return name;
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

/* The parent's view of the run: the report, and the stages' rows fed
 * the same records. */
struct parent {
    struct report rp;
    struct stage_rows rows;
    int staged;
};

static void on_start(void *ctx, const struct shared *sh)
{
    report_start(&((struct parent *)ctx)->rp, sh);
}

static int on_record(void *ctx, const struct record *r, const char *text)
{
    struct parent *p = ctx;
    if (p->staged)
        stage_rows_add(&p->rows, r);
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

static int judge(void *ctx, const struct stats *st, struct run_info *ri)
{
    return verdict_judge(ctx, st, ri);
}

/* One run of cfg's schedule: workers made, run and reaped, the report's
 * numbers final in pa. Returns workers_run's status (errno in run_errno). */
static int run_once(const struct config *cfg, struct session_args *sa, struct results *rs,
                    int progress, struct parent *pa, struct workers_result *res, int *run_errno)
{
    sa->cfg = cfg;
    unsigned nworkers = config_workers(cfg);
    struct shared *sh = shared_create(config_slots(cfg), &cfg->shard, nworkers);
    if (sh == 0)
        diag_fatal("shared memory: %s", strerror(errno));

    report_init(&pa->rp, cfg, &rs->out_std, rs->records, progress);
    if (cfg->stages_on) {
        if (stage_rows_init(&pa->rows, &cfg->stages, &cfg->shard, cfg->messages) < 0)
            diag_fatal("out of memory");
        pa->staged = 1;
    }
    struct workers_hooks hooks = {
        .on_start = on_start,
        .on_record = on_record,
        .on_tick = progress || cfg->interval_ns ? on_tick : 0,
        .on_drain = on_drain,
        /* Interval lines soon after their interval's end. */
        .tick_ms = cfg->interval_ns ? 100 : 250,
        .ctx = pa,
    };
    fflush(stdout);
    /* t0: the records' time base, just before the first worker exists;
     * under --rate the schedule's origin, once the last one does; with
     * --start-at, that instant. */
    shared_clock(sh, cfg->rate_on, cfg->duration_ns, cfg->start_at_on ? &cfg->start_at_ns : 0);
    struct worker_args wa = { sa, sh };
    int rc = workers_run(nworkers, sh, worker_body, &wa, &hooks, res);
    *run_errno = errno;
    stats_finish(&pa->rp.stats);
    report_end(&pa->rp);
    pa->rp.t0_ns = shared_t0(sh);
    report_finish(&pa->rp);

    /* A worker that died mid-message took its message with it. */
    struct stats *st = &pa->rp.stats;
    int64_t lost = shared_claimed(sh) - st->sent - st->failed - st->given_up;
    if (res->crashed && lost > 0) {
        pa->rp.stats.failed += lost;
        pa->rp.stats.fails[FAIL_WORKER] += (uint64_t)lost;
    }
    shared_destroy(sh);
    return rc;
}

/* --find-rate: the steps, each a --rate run of --step with its own
 * workers, judged by the thresholds (the defaults if none was given); a
 * pause between them lets the server drain. */
static int find_rate(const struct config *cfg, struct session_args *sa, struct results *rs,
                     struct verdict *v)
{
    static const char *const defaults[] = { SEARCH_DEFAULT_THRESHOLDS, 0 };
    static struct search s;
    static struct parent pa;
    static struct config step;
    struct workers_result res;
    double rate;
    int run_errno, signal = 0;
    verdict_init(v, cfg, defaults);
    search_init(&s, cfg->find_from, cfg->find_to);
    while (!signal && search_next(&s, &rate)) {
        if (s.n > 0 && workers_pause(cfg->step_ns / 5 < 500000000 ? 500000000 : cfg->step_ns / 5,
                                     &signal) != 0)
            break;
        step = *cfg;
        step.rate = (struct rate){ (uint64_t)llround(rate * 1000), 1000 };
        step.duration_ns = cfg->step_ns;
        step.messages = schedule_slots_within(&step.rate, step.duration_ns);
        int rc = run_once(&step, sa, rs, 0, &pa, &res, &run_errno);
        if (rc < 0 || pa.rp.fatal || res.crashed)
            diag_fatal("--find-rate: the step at %g/s %s", rate,
                       rc < 0 ? "could not start its workers" : pa.rp.fatal ? pa.rp.error
                                                              : "lost a worker");
        signal = res.signal;
        int failed = verdict_judge(v, &pa.rp.stats, 0);
        search_record(&s, rate, &pa.rp.stats, !failed, config_workers(&step));
        const struct search_step *p = &s.step[s.n - 1];
        diag_info("step %u: %g/s offered, %.1f/s achieved, corrected p99 %.1f ms: %s%s", s.n,
                  rate, p->achieved, (double)p->corrected_p99 / 1000.0,
                  failed ? "FAILED" : "passed",
                  p->short_of_sessions ? " (short of sessions: raise -s)" : "");
    }
    if (!cfg->quiet && rs->json != &rs->out_std)
        search_text(&s, stdout);
    if (rs->json) {
        struct json j;
        json_begin(&j, rs->json->f);
        json_object(&j, 0);
        json_int(&j, "version", STATSJSON_VERSION);
        json_string(&j, "status", signal ? "interrupted" : "completed");
        search_json(&s, &j);
        json_end(&j);
        fputc('\n', rs->json->f);
    }
    struct run_info ri = { .signal = signal };
    int unwritten = results_close(rs);
    if (signal)
        return 128 + signal;
    return unwritten ? results_exit_status(&ri, unwritten) : search_exit_status(&s);
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct target tgt;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char err[256];

    diag_init(argv[0]);
    options_parse(argc, argv, &cfg);
    static struct verdict verdict;
    verdict_init(&verdict, &cfg, 0);
    if (cfg.merge)
        return merge_run(&cfg, &(struct results_judge){ judge, &verdict });

    size_t body_len;
    char *body = startup_body(&cfg, &body_len);
    static struct run_id id;
    runid_init(&id, &cfg, body, body_len);
    char *secret = startup_secret(&cfg);

    if (target_parse(cfg.target, &tgt, err, sizeof(err)) < 0) {
        if (tgt.kind == TARGET_UNIX)
            diag_fatal("%s", err);
        diag_fatal("%s: %s", tgt.name, err);
    }
    if (target_resolve(&tgt, cfg.family, &addr, &addrlen, err, sizeof(err)) < 0)
        diag_fatal("%s: %s", tgt.name, err);

    const char *host = own_hostname(&cfg);
    char *sender = cfg.sender ? 0 : startup_address(host);
    char *recipient = cfg.recipient ? 0 : startup_address(host);
    char date[128];
    msg_date(time(0), date, sizeof(date));

    startup_addresses(&cfg, cfg.sender ? cfg.sender : sender,
                      cfg.recipient ? cfg.recipient : recipient);
    size_t sa_raw_len = 0;
    struct session_args sa = {
        .cfg = &cfg,
        .addr = &addr,
        .addrlen = addrlen,
        .target_name = tgt.name,
        .myhostname = host,
        .sender = cfg.sender ? cfg.sender : sender,
        .recipient = cfg.recipient ? cfg.recipient : recipient,
        .date = date,
        .body = body,
        .body_len = body_len,
        .headers = !cfg.old_mode && !cfg.file,
        .tls = startup_tls(&cfg, tgt.kind == TARGET_INET ? tgt.host : 0),
        .raw_body = cfg.bdat ? msg_body_unstuffed(body, body_len, &sa_raw_len) : 0,
        .auth_secret = secret,
    };
    sa.raw_body_len = sa_raw_len;
    if (cfg.bdat && sa.raw_body == 0)
        diag_fatal("out of memory building the message");
    static struct results rs;
    results_open(&rs, &cfg);
    int progress = cfg.progress >= 0 ? cfg.progress
                 : isatty(STDERR_FILENO) && !cfg.counter && !cfg.verbose;
    if (cfg.find_rate_on)
        return find_rate(&cfg, &sa, &rs, &verdict);

    static struct parent pa;
    struct workers_result res;
    int run_errno, rc = run_once(&cfg, &sa, &rs, progress, &pa, &res, &run_errno);
    if (cfg.counter)
        fputs("\n", stdout);
    if (rc < 0 && !pa.rp.fatal) {
        diag_error("fork: %s", strerror(run_errno));
        snprintf(pa.rp.error, sizeof(pa.rp.error), "fork: %s", strerror(run_errno));
        pa.rp.fatal = 1;
    }
    struct run_info ri = {
        .fatal = pa.rp.fatal,
        .signal = res.signal,
        .workers_died = res.crashed,
        .id = &id,
        .error = pa.rp.fatal ? pa.rp.error : 0,
        .sessions = config_workers(&cfg),
        .target = tgt.name,
        .rcpts_per_message = cfg.rcpts,
        .lmtp = cfg.lmtp,
        .reuse = cfg.reuse,
        .tls = id.settings.tls,
        .tls_verify = id.settings.tls_verify,
        .auth_mech = id.settings.auth,
    };
    results_ending(&ri);
    static char suite_names[STATS_SUITES][128];
    for (unsigned i = 0; i < pa.rp.stats.suites; i++) {
        snprintf(suite_names[i], sizeof(suite_names[i]), "%s %s",
                 tls_version_name(pa.rp.stats.suite[i].version),
                 tls_cipher_name(sa.tls, pa.rp.stats.suite[i].cipher));
        ri.suite_name[i] = suite_names[i];
    }
    if (pa.staged)
        run_info_add(&ri, &pa.rows.addendum);
    verdict_judge(&verdict, &pa.rp.stats, &ri);
    int unwritten = results_write(&rs, &cfg, &pa.rp.stats, &ri);
    stage_rows_free(&pa.rows);
    free(body);
    free((char *)sa.raw_body);
    if (secret) {
        auth_wipe(secret, strlen(secret));
        free(secret);
    }
    free(sender);
    free(recipient);

    return results_exit_status(&ri, unwritten);
}
