/* smtp-source: a parallel SMTP/LMTP load generator, a drop-in for
 * Postfix's smtp-source(1). argv -> config -> message, target, names ->
 * workers -> summary -> exit status. See man/smtp-source.1. */
#include "smtp/auth.h"
#include "core/diag.h"
#include "core/hostname.h"
#include "merge/merge.h"
#include "metrics/server.h"
#include "smtp/message.h"
#include "cli/options.h"
#include "report/report.h"
#include "report/results.h"
#include "run/session.h"
#include "run/shared.h"
#include "run/startup.h"
#include "cli/target.h"
#include "run/workers.h"

#include <errno.h>
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

/* --metrics: the server listens before any worker exists, so that a port
 * that cannot be had stops the run before it starts. */
static struct metrics *metrics_start(const struct config *cfg)
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

int main(int argc, char **argv)
{
    struct config cfg;
    struct target tgt;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char err[256];

    diag_init(argv[0]);
    options_parse(argc, argv, &cfg);
    if (cfg.merge)
        return merge_run(&cfg);

    /* First: from here on the process holds the secret. */
    char *secret = startup_secret(&cfg);
    size_t body_len;
    char *body = startup_body(&cfg, &body_len);
    static struct run_id id;
    runid_init(&id, &cfg, body, body_len);

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
    unsigned nworkers = config_workers(&cfg);
    struct shared *sh = shared_create(config_slots(&cfg), &cfg.shard, nworkers);
    if (sh == 0)
        diag_fatal("shared memory: %s", strerror(errno));

    static struct results rs;
    results_open(&rs, &cfg);
    int progress = cfg.progress >= 0 ? cfg.progress
                 : isatty(STDERR_FILENO) && !cfg.counter && !cfg.verbose;

    static struct report rp;
    struct workers_result res;
    report_init(&rp, &cfg, &rs.out_std, rs.records, progress);
    struct metrics *mx = metrics_start(&cfg);
    char run_text[RUNID_TEXT];
    runid_text(&id, run_text);
    if (mx)
        metrics_source(mx, &rp, sh, run_text);
    struct workers_hooks hooks = {
        .on_start = report_start,
        .on_record = report_record,
        .on_tick = progress || cfg.interval_ns ? report_tick : 0,
        .on_drain = report_drain,
        /* Interval lines soon after their interval's end. */
        .tick_ms = cfg.interval_ns ? 100 : 250,
        .ctx = &rp,
        .poll_fds = mx ? metrics_poll_fds : 0,
        .on_poll = mx ? metrics_on_poll : 0,
        .poll_ctx = mx,
    };
    fflush(stdout);
    /* t0: the records' time base, just before the first worker exists;
     * under --rate the schedule's origin, once the last one does; with
     * --start-at, that instant. */
    shared_clock(sh, cfg.rate_on, cfg.duration_ns, cfg.start_at_on ? &cfg.start_at_ns : 0);
    struct worker_args wa = { &sa, sh };
    int rc = workers_run(nworkers, sh, worker_body, &wa, &hooks, &res);
    int run_errno = errno;
    stats_finish(&rp.stats);
    report_end(&rp);
    rp.t0_ns = shared_t0(sh);
    report_finish(&rp);

    /* A worker that died mid-message took its message with it. */
    int64_t lost = shared_claimed(sh) - rp.stats.sent - rp.stats.failed - rp.stats.given_up;
    if (res.crashed && lost > 0) {
        rp.stats.failed += lost;
        rp.stats.fails[FAIL_WORKER] += (uint64_t)lost;
    }

    if (mx)
        metrics_ended(mx);

    if (cfg.counter)
        fputs("\n", stdout);
    if (rc < 0 && !rp.fatal) {
        diag_error("fork: %s", strerror(run_errno));
        snprintf(rp.error, sizeof(rp.error), "fork: %s", strerror(run_errno));
        rp.fatal = 1;
    }
    struct run_info ri = {
        .fatal = rp.fatal,
        .signal = res.signal,
        .workers_died = res.crashed,
        .id = &id,
        .error = rp.fatal ? rp.error : 0,
        .sessions = nworkers,
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
    for (unsigned i = 0; i < rp.stats.suites; i++) {
        snprintf(suite_names[i], sizeof(suite_names[i]), "%s %s",
                 tls_version_name(rp.stats.suite[i].version),
                 tls_cipher_name(sa.tls, rp.stats.suite[i].cipher));
        ri.suite_name[i] = suite_names[i];
    }
    int unwritten = results_write(&rs, &cfg, &rp.stats, &ri);
    if (mx) {
        /* The report is out; the last scrapes see the totals. */
        fflush(stdout);
        workers_linger(&hooks, cfg.metrics_linger_ns);
        metrics_close(mx);
    }
    shared_destroy(sh);
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
