/* search: the capacity search's rates, its steps' rows and its result. */
#include "verdict/search.h"

#include "core/units.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int search_parse(const char *text, double *from, double *to, char *why, size_t len)
{
    char a[64], reason[96];
    const char *dash = strchr(text, '-');
    struct rate r1, r2;
    if (dash == 0 || (size_t)(dash - text) >= sizeof(a)) {
        snprintf(why, len, "not FROM-TO");
        return -1;
    }
    memcpy(a, text, (size_t)(dash - text));
    a[dash - text] = 0;
    if (units_rate(a, &r1, reason, sizeof(reason)) < 0) {
        snprintf(why, len, "FROM %s: %s", a, reason);
        return -1;
    }
    if (units_rate(dash + 1, &r2, reason, sizeof(reason)) < 0) {
        snprintf(why, len, "TO %s: %s", dash + 1, reason);
        return -1;
    }
    *from = units_rate_per_s(&r1);
    *to = units_rate_per_s(&r2);
    if (*from >= *to) {
        snprintf(why, len, "FROM must be less than TO");
        return -1;
    }
    return 0;
}

void search_init(struct search *s, double from, double to)
{
    memset(s, 0, sizeof(*s));
    s->from = from;
    s->to = to;
}

static int done(struct search *s, enum search_outcome o)
{
    s->outcome = o;
    return 0;
}

int search_next(struct search *s, double *rate)
{
    if (s->n == 0) {
        *rate = s->from;
        return 1;
    }
    if (s->n >= SEARCH_STEPS_MAX)
        return done(s, s->pass > 0 ? SEARCH_FOUND : SEARCH_FAILED_AT_FROM);
    if (s->fail == 0) {
        /* Still rising: double, and end on TO itself. */
        if (s->pass >= s->to)
            return done(s, SEARCH_PASSED_AT_TO);
        *rate = fmin(s->pass * 2, s->to);
        return 1;
    }
    if (s->pass == 0)
        return done(s, SEARCH_FAILED_AT_FROM);
    if (s->fail - s->pass <= SEARCH_PRECISION * s->pass)
        return done(s, SEARCH_FOUND);
    s->bisecting = 1;
    /* Rates to the millihertz: what --rate itself would take. */
    *rate = round((s->pass + s->fail) / 2 * 1000) / 1000;
    return 1;
}

void search_record(struct search *s, double rate, const struct stats *st, int passed,
                   unsigned sessions)
{
    if (passed && rate > s->pass)
        s->pass = rate;
    if (!passed && (s->fail == 0 || rate < s->fail))
        s->fail = rate;
    if (s->n >= SEARCH_STEPS_MAX)
        return;
    struct search_step *p = &s->step[s->n++];
    memset(p, 0, sizeof(*p));
    p->offered = rate;
    p->passed = passed;
    p->sent = st->sent;
    p->failed = st->failed;
    if (st->scheduled) {
        p->achieved = openloop_achieved(&st->ol);
        p->corrected_p50 = hist_quantile(&st->ol.corrected, 0.5);
        p->corrected_p99 = hist_quantile(&st->ol.corrected, 0.99);
        p->sessions_needed = (unsigned)openloop_sessions_needed(&st->ol);
        p->short_of_sessions = openloop_shortfall(&st->ol) && p->sessions_needed > sessions;
    }
}

void search_interrupt(struct search *s, int signal, double rate, int during)
{
    s->outcome = SEARCH_INTERRUPTED;
    s->signal = signal;
    s->during = during;
    s->stopped_step = s->n + 1;
    s->stopped_rate = rate;
}

/* "SIGINT", or "signal 10". */
static const char *signal_name(int sig, char *buf, size_t len)
{
    const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM"
                     : sig == SIGHUP ? "SIGHUP" : 0;
    if (name)
        return name;
    snprintf(buf, len, "signal %d", sig);
    return buf;
}

double search_rate(const struct search *s)
{
    return s->pass;
}

int search_exit_status(const struct search *s)
{
    return s->outcome == SEARCH_FOUND ? SEARCH_EXIT_FOUND
         : s->outcome == SEARCH_PASSED_AT_TO ? SEARCH_EXIT_PASSED_AT_TO
         : s->outcome == SEARCH_INTERRUPTED ? 128 + s->signal
         : SEARCH_EXIT_FAILED_AT_FROM;
}

const char *search_outcome_name(const struct search *s)
{
    return s->outcome == SEARCH_FOUND ? "found"
         : s->outcome == SEARCH_PASSED_AT_TO ? "passed at TO"
         : s->outcome == SEARCH_FAILED_AT_FROM ? "failed at FROM"
         : s->outcome == SEARCH_INTERRUPTED ? "interrupted" : "running";
}

void search_text(const struct search *s, FILE *out)
{
    char buf[32];
    fprintf(out, "smtp-source: capacity search, %g/s to %g/s: %s", s->from, s->to,
            search_outcome_name(s));
    if (s->outcome == SEARCH_FOUND)
        fprintf(out, ": %g/s met every threshold, %g/s did not", s->pass, s->fail);
    else if (s->outcome == SEARCH_PASSED_AT_TO)
        fprintf(out, ": even %g/s met every threshold", s->to);
    else if (s->outcome == SEARCH_FAILED_AT_FROM)
        fprintf(out, ": even %g/s failed a threshold", s->from);
    else if (s->outcome == SEARCH_INTERRUPTED)
        fprintf(out, " by %s %s step %u (%g/s), which was not judged",
                signal_name(s->signal, buf, sizeof(buf)), s->during ? "during" : "before",
                s->stopped_step, s->stopped_rate);
    fputc('\n', out);
    if (s->outcome == SEARCH_INTERRUPTED) {
        /* Where the search stood: what the steps so far established. */
        fprintf(out, "  so far:   ");
        if (s->pass > 0)
            fprintf(out, "%g/s met every threshold", s->pass);
        else
            fprintf(out, "no rate met every threshold");
        if (s->fail > 0)
            fprintf(out, ", %g/s did not", s->fail);
        fputc('\n', out);
    }
    if (s->n == 0)
        return;
    fprintf(out, "  step    offered   achieved  corrected p50 ms      p99 ms    sent  failed  verdict\n");
    for (unsigned i = 0; i < s->n; i++) {
        const struct search_step *p = &s->step[i];
        fprintf(out, "  %-4u %8.3f/s %8.3f/s %16.3f %11.3f %7lld %7lld  %s%s\n", i + 1, p->offered,
                p->achieved, (double)p->corrected_p50 / 1000.0,
                (double)p->corrected_p99 / 1000.0, (long long)p->sent, (long long)p->failed,
                p->passed ? "passed" : "FAILED",
                p->short_of_sessions ? " (short of sessions: -s)" : "");
    }
    /* Each step is a run of its own: its part is its own, not the search's. */
    for (unsigned i = 0; i < s->n; i++) {
        const struct report_addendum *a = s->step[i].part;
        if (a && a->text) {
            fprintf(out, "  step %u, %g/s offered:\n", i + 1, s->step[i].offered);
            a->text(a->ctx, out);
        }
    }
}

void search_json(const struct search *s, struct json *j)
{
    json_object(j, "search");
    json_double(j, "from_per_s", s->from, 3);
    json_double(j, "to_per_s", s->to, 3);
    json_string(j, "outcome", search_outcome_name(s));
    if (s->pass > 0)
        json_double(j, "rate_per_s", s->pass, 3);
    else
        json_null(j, "rate_per_s");
    if (s->outcome == SEARCH_INTERRUPTED) {
        char buf[32];
        json_object(j, "interrupted");
        json_string(j, "signal", signal_name(s->signal, buf, sizeof(buf)));
        json_uint(j, "step", s->stopped_step);
        json_double(j, "offered_per_s", s->stopped_rate, 3);
        json_bool(j, "during", s->during);
        json_end(j);
    }
    json_array(j, "steps");
    for (unsigned i = 0; i < s->n; i++) {
        const struct search_step *p = &s->step[i];
        json_object(j, 0);
        json_double(j, "offered_per_s", p->offered, 3);
        json_double(j, "achieved_per_s", p->achieved, 3);
        json_double(j, "corrected_p50_ms", (double)p->corrected_p50 / 1000.0, 3);
        json_double(j, "corrected_p99_ms", (double)p->corrected_p99 / 1000.0, 3);
        json_int(j, "sent", p->sent);
        json_int(j, "failed", p->failed);
        json_uint(j, "sessions_needed", p->sessions_needed);
        json_bool(j, "short_of_sessions", p->short_of_sessions);
        json_bool(j, "passed", p->passed);
        if (p->part && p->part->json)
            p->part->json(p->part->ctx, j);
        json_end(j);
    }
    json_end(j);
    json_end(j);
}
