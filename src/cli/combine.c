/* combine: what one option means for another. */
#include "cli/combine.h"
#include "cli/workload_opts.h"

#include "core/diag.h"
#include "core/startat.h"
#include "run/schedule.h"
#include "smtp/tls.h"
#include "verdict/stages.h"
#include "verdict/threshold.h"

#include <stdint.h>

/* Says how long --start-at waits, or how late it is; refuses a start that
 * is more than a day ahead. */
static void check_start(const struct config *cfg, const char *arg)
{
    char when[64];
    int64_t ahead = cfg->start_at_ns - startat_now_ns();
    startat_format(cfg->start_at_ns, when, sizeof(when));
    if (ahead > STARTAT_AHEAD_MAX_NS)
        diag_fatal("--start-at=%s: more than 24 h away (%s, in %.0f s)", arg, when, (double)ahead / 1e9);
    if (ahead < 0)
        diag_warn("--start-at=%s is %.3f s past: starting now", arg, (double)-ahead / 1e9);
    else
        diag_info("starting at %s, in %.3f s (--start-at)", when, (double)ahead / 1e9);
}

/* --find-rate runs --rate steps of its own: what would shape them
 * otherwise is refused. */
static void check_search(struct config *cfg)
{
    if (cfg->step_ns && !cfg->find_rate_on)
        diag_fatal("--step needs --find-rate");
    if (!cfg->find_rate_on)
        return;
    const char *other = cfg->rate_on ? "--rate" : cfg->stages_on ? "--stages"
                      : cfg->duration_ns ? "--duration" : cfg->messages_given ? "-m"
                      : cfg->sharded ? "--shard" : cfg->start_at_on ? "--start-at"
                      : cfg->records ? "--records" : cfg->interval_ns ? "--interval"
                      : cfg->fixed_delay ? "-w" : cfg->random_delay ? "-R" : 0;
    if (other)
        diag_fatal("--find-rate cannot be used with %s: each step is a --rate run of --step",
                   other);
    if (cfg->step_ns == 0)
        cfg->step_ns = 10000000000LL;
    cfg->rate_on = true;
    cfg->rate = (struct rate){ (uint64_t)(cfg->find_from * 1000 + 0.5), 1000 };
    cfg->duration_ns = cfg->step_ns;
}

/* A threshold on what only a schedule measures needs one (a merge's
 * reports say for themselves whether they had one). */
static void check_thresholds(const struct config *cfg)
{
    for (int i = 0; i < cfg->fail_if_n; i++) {
        struct threshold t;
        char why[160];
        if (threshold_parse(cfg->fail_if[i], &t, why, sizeof(why)) == 0
            && threshold_needs_schedule(&t) && !cfg->rate_on)
            diag_fatal("--fail-if=%s: the metric needs --rate or --stages: only a schedule "
                       "measures it",
                       cfg->fail_if[i]);
    }
}

/* The load shape: how many messages the run has, given -m, --rate and
 * --duration (see the man page, LOAD SHAPE). */
static void check_shape(struct config *cfg)
{
    if (cfg->stages_on) {
        /* The stages are the schedule: their rate, their length. */
        if (cfg->rate_on || cfg->duration_ns)
            diag_fatal("--stages cannot be used with %s: the stages give the rate and the time",
                       cfg->rate_on ? "--rate" : "--duration");
        if (cfg->fixed_delay || cfg->random_delay)
            diag_fatal("--stages cannot be used with %s: the schedule says when each message "
                       "starts", cfg->fixed_delay ? "-w" : "-R");
        int64_t slots = schedule_stages_slots(&cfg->stages);
        if (!cfg->messages_given || slots < cfg->messages)
            cfg->messages = slots;
        cfg->rate = stages_mean_rate(&cfg->stages);
        cfg->rate_on = true;
        return;
    }
    if (cfg->rate_on && (cfg->fixed_delay || cfg->random_delay))
        diag_fatal("--rate cannot be used with %s: the schedule says when each message starts",
                   cfg->fixed_delay ? "-w" : "-R");
    if (cfg->rate_on && !cfg->duration_ns && !cfg->messages_given)
        diag_fatal("--rate needs --duration or -m: without either the run would be one message");
    if (cfg->duration_ns && cfg->rate_on) {
        int64_t due = schedule_slots_within(&cfg->rate, cfg->duration_ns);
        if (!cfg->messages_given || due < cfg->messages)
            cfg->messages = due;
    } else if (cfg->duration_ns && !cfg->messages_given) {
        cfg->messages = MESSAGES_UNBOUNDED;
    }
    if (cfg->rate_on && schedule_due_ns(&cfg->rate, cfg->messages - 1) >= SCHEDULE_MAX_NS)
        diag_fatal("--rate with -m %lld: the last message would be due more than a century on",
                   (long long)cfg->messages);
}

/* Options that only make sense together, checked once all are read. */
static void check_together(struct config *cfg)
{
    bool tls = cfg->starttls || cfg->smtps;
    const char *tls_opt = cfg->starttls ? "--starttls" : cfg->smtps ? "--smtps"
                        : cfg->tls_verify ? "--tls-verify" : cfg->tls_ca ? "--tls-ca"
                        : cfg->tls_servername ? "--tls-servername"
                        : cfg->tls_resume ? "--tls-resume" : 0;
    if (tls_opt && !tls_built())
        diag_fatal("%s: this build has no TLS (build with make TLS=openssl)", tls_opt);
    if (cfg->starttls && cfg->smtps)
        diag_fatal("--starttls and --smtps exclude each other");
    if (tls_opt && !tls)
        diag_fatal("%s needs --starttls or --smtps", tls_opt);
    if (cfg->auth_password && cfg->auth_password_file)
        diag_fatal("--auth-password and --auth-password-file exclude each other");
    if (cfg->auth_user && !cfg->auth_password && !cfg->auth_password_file)
        diag_fatal("--auth-user needs --auth-password-file (or --auth-password)");
    if (!cfg->auth_user && (cfg->auth_password || cfg->auth_password_file || cfg->auth_mech
                            || cfg->auth_allow_plaintext))
        diag_fatal("the --auth- options need --auth-user");
    if (cfg->old_mode) {
        const char *esmtp = cfg->starttls ? "--starttls" : cfg->auth_user ? "--auth-user"
                          : cfg->bdat ? "--bdat" : cfg->smtputf8 ? "--smtputf8"
                          : cfg->eightbitmime ? "--8bitmime" : cfg->pipelining ? "--pipelining"
                          : cfg->ehlo ? "--ehlo" : 0;
        if (esmtp)
            diag_fatal("-o sends no EHLO: it cannot be used with %s", esmtp);
    }
    /* They all need the server's EHLO (or LHLO) reply. */
    if (cfg->starttls || cfg->auth_user || cfg->bdat || cfg->smtputf8 || cfg->eightbitmime)
        cfg->ehlo = true;
}

void combine_check(struct config *cfg, const char *start_text)
{
    check_together(cfg);
    workload_finish(cfg);
    check_search(cfg);
    check_shape(cfg);
    check_thresholds(cfg);
    if (cfg->start_at_on)
        check_start(cfg, start_text);
}
