/* results: the run's result outputs, how it ended, and its exit status. */
#include "report/results.h"

#include "core/diag.h"
#include "report/plot.h"
#include "report/statsjson.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* The run went as reported on standard error, but its results were not
 * all written (EX_IOERR of sysexits.h). */
#define EXIT_UNWRITTEN 74

/* "-" is standard output, shared by every output that names it. */
static struct output *open_one(const char *opt, const char *path, bool whole,
                               struct output *own, struct output *out_std)
{
    if (path == 0)
        return 0;
    if (strcmp(path, "-") == 0)
        return out_std;
    if (output_open(own, path, whole) < 0)
        diag_fatal("%s=%s: %s", opt, path, strerror(errno));
    return own;
}

void results_open(struct results *rs, const struct config *cfg)
{
    memset(rs, 0, sizeof(*rs));
    output_stdout(&rs->out_std);
    rs->json = open_one("--json", cfg->json, true, &rs->json_file, &rs->out_std);
    rs->records = open_one("--records", cfg->records, false, &rs->records_file, &rs->out_std);
    rs->plot = open_one("--plot", cfg->plot, true, &rs->plot_file, &rs->out_std);
}

void results_ending(struct run_info *ri)
{
    static char buf[64];
    if (ri->fatal) {
        ri->status = "stopped by a fatal error";
    } else if (ri->signal) {
        int s = ri->signal;
        const char *name = s == SIGINT ? "SIGINT" : s == SIGTERM ? "SIGTERM" : s == SIGHUP ? "SIGHUP" : 0;
        if (name)
            snprintf(buf, sizeof(buf), "interrupted by %s", name);
        else
            snprintf(buf, sizeof(buf), "interrupted by signal %d", s);
        ri->status = buf;
    } else if (ri->workers_died) {
        ri->status = "a worker died";
    } else {
        ri->status = "completed";
    }
    ri->interrupted = ri->fatal || ri->signal || ri->workers_died;
    if (ri->error == 0 && !ri->fatal && ri->workers_died)
        ri->error = "a worker died";
}

int results_write(struct results *rs, const struct config *cfg, const struct stats *st,
                  const struct run_info *ri)
{
    if (!cfg->quiet && rs->json != &rs->out_std)
        stats_print(st, stdout, ri);
    if (rs->json)
        stats_json(st, rs->json->f, ri);
    if (rs->plot) {
        char title[512];
        plot_title(title, sizeof(title), st, ri);
        if (!st->has_intervals)
            diag_warn("--plot: the reports hold no intervals (run each shard with "
                      "--interval=S): no time panels, only the latency distribution");
        plot_svg(rs->plot->f, st, ri->mix, title);
    }
    return results_close(rs);
}

int results_close(struct results *rs)
{
    /* Every result must reach its file in full, or the run says so. */
    int unwritten = 0;
    struct output *own[] = { rs->json, rs->records, rs->plot };
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (own[i] && own[i] != &rs->out_std)
            unwritten |= output_close(own[i]) < 0;
    unwritten |= output_close(&rs->out_std) < 0;
    return unwritten;
}

int results_exit_status(const struct run_info *ri, int unwritten)
{
    if (ri->fatal || ri->workers_died)
        return 1;
    if (ri->signal)
        return 128 + ri->signal;
    if (ri->thresholds_failed)
        return RESULTS_EXIT_THRESHOLD;
    return unwritten ? EXIT_UNWRITTEN : 0;
}
