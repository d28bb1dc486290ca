/* openloop: offered against achieved, start lag, lateness, the service
 * and corrected latencies, stalls and the sessions advice of a --rate run. */
#include "report/openloop.h"

#include "report/stalls.h"
#include "run/schedule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The slots' times end one slot (1/R) after the last one's; --duration
 * may end the offer first. A shard's offer ends with the whole run's, so
 * that a shard whose last slot comes early still offered its share. */
static int64_t planned_end_us(const struct openloop *ol)
{
    int64_t end = ol->stages ? schedule_stages_len_ns(ol->stages)
                : schedule_due_ns(&ol->rate, ol->run_slots - 1) + schedule_due_ns(&ol->rate, 1);
    if (ol->duration_ns && ol->duration_ns < end)
        end = ol->duration_ns;
    return end / 1000;
}

void openloop_init(struct openloop *ol, const struct rate *rate, int64_t due, unsigned sessions,
                   int64_t duration_ns)
{
    memset(ol, 0, sizeof(*ol));
    ol->rate = *rate;
    ol->shard = (struct shard){ 0, 1 };
    ol->due = due;
    ol->run_slots = due;
    ol->sessions = sessions;
    ol->duration_ns = duration_ns;
    ol->last_intended_us = -1;
    ol->offer_end_us = planned_end_us(ol);
    hist_init(&ol->lag);
    hist_init(&ol->service);
    hist_init(&ol->corrected);
    timeline_init(&ol->tl);
}

void openloop_free(struct openloop *ol)
{
    timeline_free(&ol->tl);
}

void openloop_stages(struct openloop *ol, const struct stages *st)
{
    ol->stages = st;
    ol->offer_end_us = planned_end_us(ol);
}

void openloop_shard(struct openloop *ol, const struct shard *sh, int64_t run_slots)
{
    ol->shard = *sh;
    ol->run_slots = run_slots;
    ol->offer_end_us = planned_end_us(ol);
}

void openloop_add(struct openloop *ol, const struct record *r)
{
    if ((r->flags & RF_NOT_DONE) || !(r->flags & RF_SCHEDULED))
        return;
    /* Never early (the wait sees to it); a negative lag would be a clock
     * fault, counted as none. */
    uint64_t lag = r->start_us > r->intended_us ? (uint64_t)(r->start_us - r->intended_us) : 0;
    ol->started++;
    if (r->start_us > ol->last_start_us)
        ol->last_start_us = r->start_us;
    if (r->intended_us > ol->last_intended_us)
        ol->last_intended_us = r->intended_us;
    hist_add(&ol->lag, lag);
    if (lag * 1000 > SCHEDULE_LATE_NS)
        ol->late++;
    if (r->flags & RF_SENT) {
        ol->sent++;
        hist_add(&ol->service, (uint64_t)(r->end_us - r->start_us));
        hist_add(&ol->corrected, (uint64_t)(r->end_us - r->intended_us));
    }
    /* Memory for the timeline is checked once, at the end. */
    (void)timeline_add(&ol->tl, r->end_us, (r->flags & RF_SENT) != 0);
}

/* This run's slots due before t_us. */
static int64_t due_before(const struct openloop *ol, int64_t t_us)
{
    int64_t k = t_us > 0 ? schedule_offer_slots_within(&ol->rate, ol->stages, t_us * 1000) : 0;
    return shard_owned(&ol->shard, k < ol->run_slots ? k : ol->run_slots);
}

int openloop_finish(struct openloop *ol, int64_t end_us, int64_t stop_us)
{
    int64_t end = planned_end_us(ol);
    if (stop_us >= 0 && stop_us < end) {
        end = stop_us;
        ol->stopped = 1;
    }
    /* Every worker gone with slots left (they died): nothing was offered
     * after the run's end. */
    if (!ol->stopped && end_us < end && ol->started < due_before(ol, end))
        end = end_us;
    /* A slot that started was offered, whatever the clocks say. */
    if (ol->started && end <= ol->last_intended_us)
        end = ol->last_intended_us + 1;
    ol->offer_end_us = end > 0 ? end : 0;
    ol->due = due_before(ol, ol->offer_end_us);
    if (timeline_finish(&ol->tl, end_us) < 0
        || timeline_due(&ol->tl, &ol->rate, ol->stages, &ol->shard, ol->run_slots, ol->offer_end_us, 0) < 0) {
        timeline_free(&ol->tl);
        return -1;
    }
    return 0;
}

double openloop_offered(const struct openloop *ol)
{
    return units_rate_per_s(&ol->rate) / (double)ol->shard.count;
}

double openloop_achieved(const struct openloop *ol)
{
    return ol->due > 0 ? openloop_offered(ol) * (double)ol->sent / (double)ol->due : 0;
}

uint64_t openloop_peak(const struct openloop *ol)
{
    uint64_t low, high;
    if (ol->missing_shards)
        return 0;
    stalls_peak(&ol->tl, &low, &high);
    return high;
}

uint64_t openloop_little(double per_s, double mean_us)
{
    double busy = per_s * mean_us / 1e6;
    if (!(busy > 0))
        return 0;
    /* A hair under a whole number is that number: 6.0000001 sessions is 6. */
    return (uint64_t)ceil(busy - 1e-9);
}

uint64_t openloop_sessions_needed(const struct openloop *ol)
{
    uint64_t low, high;
    if (ol->missing_shards)
        return 0;
    /* The low figure is exact at the bins' edges: above the sessions, a
     * slot certainly waited for one. That matters when it made more than
     * the shortfall's share of the slots late, or never start: a moment's
     * wait (the connections of the first messages) is no shortfall. */
    stalls_peak(&ol->tl, &low, &high);
    double slipped = (double)ol->late + (double)(ol->due > ol->started ? ol->due - ol->started : 0);
    if (low <= ol->sessions || slipped <= (1 - OPENLOOP_SHORTFALL) * (double)ol->due)
        return 0;
    double want = (double)high * (1 + OPENLOOP_MARGIN);
    uint64_t n = (uint64_t)want;
    n += (double)n < want;
    return n > high ? n : high + 1;
}

int openloop_shortfall(const struct openloop *ol)
{
    if (ol->due <= 0)
        return 0;
    return (double)ol->sent < OPENLOOP_SHORTFALL * (double)ol->due
        || openloop_sessions_needed(ol) > 0;
}

int openloop_shortfall_line(const struct openloop *ol, char *buf, size_t len)
{
    if (!openloop_shortfall(ol))
        return 0;
    uint64_t need = openloop_sessions_needed(ol);
    char more[160] = "";
    if (ol->missing_shards)
        snprintf(more, sizeof(more), "; the shortfall comes from the missing shards (%s)",
                 ol->missing);
    else if (need)
        snprintf(more, sizeof(more),
                 "; %llu messages were due and unfinished at once, for %u session%s: "
                 "about %llu sessions (-s) would hold it", (unsigned long long)openloop_peak(ol),
                 ol->sessions, ol->sessions == 1 ? "" : "s", (unsigned long long)need);
    char offered[48], achieved[48];
    openloop_rates(ol, offered, achieved, sizeof(offered));
    snprintf(buf, len, "achieved %s of %s offered%s", achieved, offered, more);
    return 1;
}

/* A slow rate reads better per minute or per hour. */
static double unit_of(double per_s, const char **unit)
{
    if (per_s >= 1 || per_s <= 0) {
        *unit = "/s";
        return 1;
    }
    *unit = per_s * 60 >= 1 ? "/m" : "/h";
    return per_s * 60 >= 1 ? 60 : 3600;
}

static void rate_text(const struct openloop *ol, double per_s, char *buf, size_t len)
{
    const char *unit;
    double a = per_s * unit_of(openloop_offered(ol), &unit);
    snprintf(buf, len, a >= 1 || a == 0 ? "%.1f%s" : "%.3g%s", a, unit);
}

void openloop_rates(const struct openloop *ol, char *offered, char *achieved, size_t len)
{
    const char *unit;
    double k = unit_of(openloop_offered(ol), &unit);
    snprintf(offered, len, "%.7g%s", openloop_offered(ol) * k, unit);
    rate_text(ol, openloop_achieved(ol), achieved, len);
}

/* The "seconds" of the worst and below-half figures: a second, or at a
 * slow rate the whole seconds that hold OPENLOOP_WINDOW_SLOTS slots. */
static int64_t window_us(const struct openloop *ol)
{
    double per_s = openloop_offered(ol), s = 1;
    while (per_s > 0 && s * per_s < OPENLOOP_WINDOW_SLOTS && s < 3600)
        s++;
    return (int64_t)s * 1000000;
}

static double per_s(uint64_t n, int64_t from_us, int64_t to_us)
{
    return to_us > from_us ? (double)n * 1e6 / (double)(to_us - from_us) : 0;
}

int openloop_below_half_line(const struct openloop *ol, char *buf, size_t len)
{
    struct stretch s;
    unsigned n = stalls_below_half(&ol->tl, window_us(ol), &s);
    if (n == 0)
        return 0;
    char rate[48], offered[48], achieved[48];
    openloop_rates(ol, offered, achieved, sizeof(offered));
    rate_text(ol, per_s(s.sent, s.from_us, s.to_us), rate, sizeof(rate));
    int w = snprintf(buf, len, "%s achieved from %.1f s to %.1f s (%s offered)", rate,
                     (double)s.from_us / 1e6, (double)s.to_us / 1e6, offered);
    if (n > 1 && w > 0 && (size_t)w < len)
        snprintf(buf + w, len - (size_t)w, "; %u stretches below half of it in all", n);
    return 1;
}

/* The worst window: an interval of --interval, else a "second". */
static int worst(const struct openloop *ol, const struct intervals *iv, struct stretch *w)
{
    size_t i;
    if (iv == 0)
        return stalls_worst_window(&ol->tl, window_us(ol), w);
    if (!intervals_worst(iv, &i))
        return 0;
    struct interval_figures f;
    intervals_figures(iv, i, &f);
    w->from_us = (int64_t)i * iv->len_us;
    w->to_us = w->from_us + (int64_t)(f.len_s * 1e6 + 0.5);
    w->due = (uint64_t)f.due;
    w->sent = (uint64_t)f.sent;
    return 1;
}

static void print_stalls(const struct openloop *ol, const struct intervals *iv, FILE *out)
{
    struct stall st;
    struct stretch w;
    int have_stall = stalls_longest(&ol->tl, &st), have_worst = worst(ol, iv, &w);
    if (!have_stall && !have_worst)
        return;
    if (have_stall)
        fprintf(out, "  stalls      longest %.3f s with no message completed (%.3f s to %.3f s)\n",
                (double)(st.to_us - st.from_us) / 1e6, (double)st.from_us / 1e6,
                (double)st.to_us / 1e6);
    else
        fputs("  stalls      none\n", out);
    if (have_worst) {
        char rate[48], what[32] = "second";
        int64_t win = window_us(ol);
        if (iv)
            snprintf(what, sizeof(what), "interval");
        else if (win != 1000000)
            snprintf(what, sizeof(what), "%g s", (double)win / 1e6);
        rate_text(ol, per_s(w.sent, w.from_us, w.to_us), rate, sizeof(rate));
        fprintf(out, "  worst       %s %s (%g s to %g s)\n", what, rate, (double)w.from_us / 1e6,
                (double)w.to_us / 1e6);
    }
}

void openloop_print(const struct openloop *ol, const struct intervals *iv, FILE *out)
{
    char offered[48], achieved[48];
    openloop_rates(ol, offered, achieved, sizeof(offered));
    fprintf(out, "  schedule    %s offered, %s achieved, %lld due, %lld started\n",
            offered, achieved, (long long)ol->due, (long long)ol->started);
    if (ol->stopped)
        fprintf(out, "  offer       stopped at %.3f s\n", (double)ol->offer_end_us / 1e6);
    fprintf(out, "  lateness    %llu started late (> %g ms), largest lag %.3f ms\n",
            (unsigned long long)ol->late, (double)SCHEDULE_LATE_NS / 1e6,
            (double)ol->lag.max / 1000.0);
    print_stalls(ol, iv, out);
}

/* What a stretch of time achieved (inside its object). */
static void json_achieved(struct json *j, const struct stretch *s)
{
    json_uint(j, "due", s->due);
    json_uint(j, "sent", s->sent);
    json_double(j, "achieved_per_s", per_s(s->sent, s->from_us, s->to_us), 3);
}

static void json_timing(const struct openloop *ol, const struct intervals *iv, struct json *j)
{
    struct stall st;
    struct stretch w;
    if (stalls_longest(&ol->tl, &st)) {
        json_object(j, "longest_stall");
        json_double(j, "from_s", (double)st.from_us / 1e6, 6);
        json_double(j, "to_s", (double)st.to_us / 1e6, 6);
        json_double(j, "length_s", (double)(st.to_us - st.from_us) / 1e6, 6);
        json_end(j);
    } else {
        json_null(j, "longest_stall");
    }
    if (worst(ol, iv, &w)) {
        json_object(j, "worst");
        json_string(j, "per", iv ? "interval" : "second");
        json_double(j, "start_s", (double)w.from_us / 1e6, 6);
        json_double(j, "length_s", (double)(w.to_us - w.from_us) / 1e6, 6);
        json_achieved(j, &w);
        json_end(j);
    } else {
        json_null(j, "worst");
    }
    unsigned n = stalls_below_half(&ol->tl, window_us(ol), &w);
    if (n) {
        json_object(j, "below_half");
        json_double(j, "from_s", (double)w.from_us / 1e6, 6);
        json_double(j, "to_s", (double)w.to_us / 1e6, 6);
        json_achieved(j, &w);
        json_uint(j, "stretches", n);
        json_end(j);
    } else {
        json_null(j, "below_half");
    }
}

void openloop_json(const struct openloop *ol, const struct intervals *iv, struct json *j)
{
    json_object(j, "schedule");
    json_array(j, "rate_fraction");
    json_uint(j, 0, ol->rate.num);
    json_uint(j, 0, ol->rate.den);
    json_end(j);
    json_double(j, "offered_per_s", openloop_offered(ol), 6);
    json_double(j, "achieved_per_s", openloop_achieved(ol), 3);
    json_int(j, "due", ol->due);
    json_int(j, "started", ol->started);
    /* With started, where the offer stood (for merging runs). */
    json_double(j, "last_start_s", (double)ol->last_start_us / 1e6, 6);
    json_double(j, "offer_end_s", (double)ol->offer_end_us / 1e6, 6);
    json_int(j, "last_start_us", ol->last_start_us);
    json_int(j, "offer_end_us", ol->offer_end_us);
    json_bool(j, "offer_stopped", ol->stopped);
    json_uint(j, "late", ol->late);
    json_double(j, "late_after_ms", (double)SCHEDULE_LATE_NS / 1e6, 3);
    json_double(j, "max_lag_ms", (double)ol->lag.max / 1000.0, 3);
    json_timing(ol, iv, j);
    if (ol->missing_shards)
        json_null(j, "peak_due_unfinished");
    else
        json_uint(j, "peak_due_unfinished", openloop_peak(ol));
    json_bool(j, "shortfall", openloop_shortfall(ol));
    uint64_t need = openloop_sessions_needed(ol);
    if (need)
        json_uint(j, "sessions_needed", need);
    else
        json_null(j, "sessions_needed");
    json_end(j);
}
