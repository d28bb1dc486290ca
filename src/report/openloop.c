/* openloop: offered against achieved, start lag, lateness, and the
 * service and corrected latencies of a --rate run. */
#include "report/openloop.h"

#include "run/schedule.h"

#include <stdio.h>
#include <string.h>

/* The slots' times end one slot (1/R) after the last one's; --duration
 * may end the offer first. A shard's offer ends with the whole run's, so
 * that the shards' achieved rates add up to the run's. */
static void offer_end(struct openloop *ol)
{
    int64_t end = ol->stages ? schedule_stages_len_ns(ol->stages)
                : schedule_due_ns(&ol->rate, ol->run_slots - 1) + schedule_due_ns(&ol->rate, 1);
    if (ol->duration_ns && ol->duration_ns < end)
        end = ol->duration_ns;
    ol->offer_end_us = end / 1000;
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
    offer_end(ol);
    hist_init(&ol->lag);
    hist_init(&ol->service);
    hist_init(&ol->corrected);
}

void openloop_stages(struct openloop *ol, const struct stages *st)
{
    ol->stages = st;
    offer_end(ol);
}

void openloop_shard(struct openloop *ol, const struct shard *sh, int64_t run_slots)
{
    ol->shard = *sh;
    ol->run_slots = run_slots;
    offer_end(ol);
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
    hist_add(&ol->lag, lag);
    if (lag * 1000 > SCHEDULE_LATE_NS)
        ol->late++;
    if (r->flags & RF_SENT) {
        hist_add(&ol->service, (uint64_t)(r->end_us - r->start_us));
        hist_add(&ol->corrected, (uint64_t)(r->end_us - r->intended_us));
    }
}

void openloop_finish(struct openloop *ol, int64_t end_us)
{
    /* A run that started every slot offered them all, however soon it
     * ended: a shard's last slot may come well before the run's. */
    if (ol->started < ol->due && end_us < ol->offer_end_us)
        ol->offer_end_us = end_us;
}

double openloop_offered(const struct openloop *ol)
{
    return units_rate_per_s(&ol->rate) / (double)ol->shard.count;
}

double openloop_achieved(const struct openloop *ol)
{
    if (ol->started == 0)
        return 0;
    /* One slot of the whole run after the last start: a shard's last
     * slot may be the run's last. */
    double span = (double)ol->last_start_us / 1e6 + 1.0 / units_rate_per_s(&ol->rate);
    double offer = (double)ol->offer_end_us / 1e6;
    return (double)ol->started / (offer > span ? offer : span);
}

static uint64_t round_up(double v)
{
    uint64_t n = (uint64_t)v;
    return (double)n < v ? n + 1 : n;
}

uint64_t openloop_sessions_needed(const struct openloop *ol)
{
    if (ol->service.count == 0)
        return 0;
    /* The time a message holds a session is its service time: the
     * corrected latency also counts the queueing that more sessions
     * would remove. */
    double service_s = hist_mean(&ol->service) / 1e6;
    uint64_t need = round_up(openloop_offered(ol) * service_s);
    if (need > ol->sessions)
        return need;
    /* Enough for the steady flow: what fell short was a stall, and every
     * message due during it would have held a session until its end. A
     * slot that never started waited from its time to the offer's end. */
    double lag_s = (double)ol->lag.max / 1e6;
    if (ol->started < ol->due) {
        double waited = (double)ol->offer_end_us / 1e6
                      - (double)schedule_offer_due_ns(&ol->rate, ol->stages,
                                                       shard_slot(&ol->shard, ol->started)) / 1e9;
        lag_s = waited > lag_s ? waited : lag_s;
    }
    return round_up(openloop_offered(ol) * (lag_s + service_s));
}

int openloop_shortfall(const struct openloop *ol)
{
    return ol->started > 0 && openloop_achieved(ol) < OPENLOOP_SHORTFALL * openloop_offered(ol);
}

int openloop_shortfall_line(const struct openloop *ol, char *buf, size_t len)
{
    if (!openloop_shortfall(ol))
        return 0;
    uint64_t need = openloop_sessions_needed(ol);
    char more[96] = "";
    if (need)
        snprintf(more, sizeof(more), "; about %llu sessions (-s) would hold it",
                 (unsigned long long)need);
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

void openloop_rates(const struct openloop *ol, char *offered, char *achieved, size_t len)
{
    const char *unit;
    double k = unit_of(openloop_offered(ol), &unit), a = openloop_achieved(ol) * k;
    snprintf(offered, len, "%.7g%s", openloop_offered(ol) * k, unit);
    snprintf(achieved, len, a >= 1 || a == 0 ? "%.1f%s" : "%.3g%s", a, unit);
}

void openloop_print(const struct openloop *ol, FILE *out)
{
    char offered[48], achieved[48];
    openloop_rates(ol, offered, achieved, sizeof(offered));
    fprintf(out, "  schedule    %s offered, %s achieved, %lld due, %lld started\n",
            offered, achieved, (long long)ol->due, (long long)ol->started);
    fprintf(out, "  lateness    %llu started late (> %g ms), largest lag %.3f ms\n",
            (unsigned long long)ol->late, (double)SCHEDULE_LATE_NS / 1e6,
            (double)ol->lag.max / 1000.0);
}

void openloop_json(const struct openloop *ol, struct json *j)
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
    /* With started, what the achieved rate is made of (for merging runs). */
    json_double(j, "last_start_s", (double)ol->last_start_us / 1e6, 6);
    json_double(j, "offer_end_s", (double)ol->offer_end_us / 1e6, 6);
    json_int(j, "last_start_us", ol->last_start_us);
    json_int(j, "offer_end_us", ol->offer_end_us);
    json_uint(j, "late", ol->late);
    json_double(j, "late_after_ms", (double)SCHEDULE_LATE_NS / 1e6, 3);
    json_double(j, "max_lag_ms", (double)ol->lag.max / 1000.0, 3);
    json_bool(j, "shortfall", openloop_shortfall(ol));
    uint64_t need = openloop_sessions_needed(ol);
    if (need)
        json_uint(j, "sessions_needed", need);
    else
        json_null(j, "sessions_needed");
    json_end(j);
}
