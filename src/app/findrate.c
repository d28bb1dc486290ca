/* findrate: --find-rate: the capacity search run as a sequence of --rate
 * runs of --step each, judged by the thresholds, with a pause between them
 * for the server to drain. */
#include "app/findrate.h"

#include "core/diag.h"
#include "core/json.h"
#include "report/statsjson.h"
#include "run/schedule.h"
#include "verdict/kneeplot.h"
#include "verdict/search.h"
#include "workload/workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Little's law once the first step measured the service time: the
 * sessions the highest rate of the search needs at least (the service
 * time only grows with the load). One warning, before the steps that
 * would fall short. */
static void sessions_advice(const struct config *cfg, const struct stats *st)
{
    if (!st->scheduled || st->ol.service.count == 0)
        return;
    double mean_us = hist_mean(&st->ol.service);
    uint64_t need = openloop_little(cfg->find_to, mean_us);
    if (need <= (uint64_t)cfg->sessions)
        return;
    diag_warn("--find-rate up to %g/s: at the %.1f ms mean service time of step 1, that needs "
              "at least %llu sessions (Little's law), -s gives %d: raise -s, or the steps "
              "past %g/s measure the sessions, not the server", cfg->find_to, mean_us / 1000.0,
              (unsigned long long)need, cfg->sessions,
              floor((double)cfg->sessions / (mean_us / 1e6)));
}

static void write_plot(struct results *rs, const struct search *s, const struct verdict *v,
                       const char *target, unsigned sessions, double step_s)
{
    char title[256], sub[512], outcome[160];
    if (s->outcome == SEARCH_FOUND)
        snprintf(outcome, sizeof(outcome), "found %g/s (%g/s failed)", s->pass, s->fail);
    else if (s->outcome == SEARCH_PASSED_AT_TO)
        snprintf(outcome, sizeof(outcome), "passed even at TO");
    else if (s->outcome == SEARCH_FAILED_AT_FROM)
        snprintf(outcome, sizeof(outcome), "failed already at FROM");
    else
        snprintf(outcome, sizeof(outcome), "interrupted at step %u (%g/s)", s->stopped_step,
                 s->stopped_rate);
    snprintf(title, sizeof(title), "smtp-source: capacity search, %g/s to %g/s: %s", s->from,
             s->to, outcome);
    snprintf(sub, sizeof(sub), "to %s, %u sessions, steps of %g s", target, sessions, step_s);
    kneeplot_svg(rs->plot->f, s, v, title, sub);
}

/* --find-rate: the steps, each a --rate run of --step with its own
 * workers, judged by the thresholds (the defaults if none was given); a
 * pause between them lets the server drain. */
int findrate_run(const struct config *cfg, struct session_args *sa, struct results *rs,
                 struct verdict *v, struct parent *pa)
{
    static const char *const defaults[] = { SEARCH_DEFAULT_THRESHOLDS, 0 };
    static struct search s;
    static struct config step;
    struct workers_result res;
    double rate;
    int run_errno, signal = 0;
    verdict_init(v, cfg, defaults);
    search_init(&s, cfg->find_from, cfg->find_to);
    /* A workload's part is each step's own (a step is a run from slot 0:
     * the seed gives every step the same first messages), kept with its
     * row; the search's report writes it with the step. */
    static struct mix *step_mix[SEARCH_STEPS_MAX];
    unsigned mixes = 0;
    while (search_next(&s, &rate)) {
        int64_t pause = cfg->step_ns / 5 < 500000000 ? 500000000 : cfg->step_ns / 5;
        if (s.n > 0 && workers_pause(&pa->hooks, pause, &signal) != 0) {
            search_interrupt(&s, signal, rate, 0);
            break;
        }
        diag_info("step %u: %g/s offered for %g s", s.n + 1, rate, (double)cfg->step_ns / 1e9);
        step = *cfg;
        step.rate = (struct rate){ (uint64_t)llround(rate * 1000), 1000 };
        step.duration_ns = cfg->step_ns;
        step.messages = schedule_slots_within(&step.rate, step.duration_ns);
        if (pa->mix && mixes < SEARCH_STEPS_MAX) {
            if ((step_mix[mixes] = malloc(sizeof(*step_mix[mixes]))) == 0)
                diag_fatal("out of memory");
            mix_init(step_mix[mixes], cfg->wl->seed, workload_size_label(cfg->wl));
            pa->mix = step_mix[mixes++];
        }
        int rc = parent_run(&step, sa, rs, 0, pa, &res, &run_errno);
        if (rc < 0 || pa->rp.fatal || res.crashed)
            diag_fatal("--find-rate: the step at %g/s %s", rate,
                       rc < 0 ? "could not start its workers" : pa->rp.fatal ? pa->rp.error
                                                              : "lost a worker");
        if (res.signal) {
            /* A step cut short is no measure of its rate: not judged. */
            search_interrupt(&s, res.signal, rate, 1);
            break;
        }
        int failed = verdict_judge(v, &pa->rp.stats, 0);
        search_record(&s, rate, &pa->rp.stats, !failed, config_workers(&step));
        if (pa->mix)
            s.step[s.n - 1].part = &pa->mix->part;
        const struct search_step *p = &s.step[s.n - 1];
        diag_info("step %u: %g/s offered, %.1f/s achieved, corrected p99 %.1f ms: %s%s", s.n,
                  rate, p->achieved, (double)p->corrected_p99 / 1000.0,
                  failed ? "FAILED" : "passed",
                  p->short_of_sessions ? " (short of sessions: raise -s)" : "");
        if (s.n == 1)
            sessions_advice(cfg, &pa->rp.stats);
    }
    if (!cfg->quiet && rs->json != &rs->out_std)
        search_text(&s, stdout);
    if (rs->json) {
        struct json j;
        json_begin(&j, rs->json->f);
        json_object(&j, 0);
        json_int(&j, "version", STATSJSON_VERSION);
        json_string(&j, "status", s.outcome == SEARCH_INTERRUPTED ? "interrupted" : "completed");
        search_json(&s, &j);
        json_end(&j);
        fputc('\n', rs->json->f);
    }
    if (rs->plot)
        write_plot(rs, &s, v, sa->target_name, (unsigned)cfg->sessions,
                   (double)cfg->step_ns / 1e9);
    int unwritten = results_close(rs);
    for (unsigned i = 0; i < mixes; i++)
        free(step_mix[i]);
    if (mixes)
        pa->mix = 0;   /* it was the last step's */
    if (s.outcome == SEARCH_INTERRUPTED)
        return search_exit_status(&s);
    struct run_info ri = { 0 };
    return unwritten ? results_exit_status(&ri, unwritten) : search_exit_status(&s);
}
