/* findrate: --find-rate: the capacity search run as a sequence of --rate
 * runs of --step each, judged by the thresholds, with a pause between them
 * for the server to drain. */
#include "app/findrate.h"

#include "core/diag.h"
#include "core/json.h"
#include "report/statsjson.h"
#include "run/schedule.h"
#include "verdict/search.h"

#include <math.h>
#include <stdio.h>

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
    while (!signal && search_next(&s, &rate)) {
        if (s.n > 0 && workers_pause(&pa->hooks, cfg->step_ns / 5 < 500000000 ? 500000000
                                                                            : cfg->step_ns / 5, &signal) != 0)
            break;
        step = *cfg;
        step.rate = (struct rate){ (uint64_t)llround(rate * 1000), 1000 };
        step.duration_ns = cfg->step_ns;
        step.messages = schedule_slots_within(&step.rate, step.duration_ns);
        int rc = parent_run(&step, sa, rs, 0, pa, &res, &run_errno);
        if (rc < 0 || pa->rp.fatal || res.crashed)
            diag_fatal("--find-rate: the step at %g/s %s", rate,
                       rc < 0 ? "could not start its workers" : pa->rp.fatal ? pa->rp.error
                                                              : "lost a worker");
        signal = res.signal;
        int failed = verdict_judge(v, &pa->rp.stats, 0);
        search_record(&s, rate, &pa->rp.stats, !failed, config_workers(&step));
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
