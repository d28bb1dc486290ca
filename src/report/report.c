#include "report/report.h"

#include "core/diag.h"
#include "core/json.h"
#include "core/shard.h"
#include "run/schedule.h"
#include "run/shared.h"
#include "core/startat.h"
#include "smtp/tls.h"
#include "workload/workload.h"

#include <string.h>
#include <unistd.h>

void report_init(struct report *rp, const struct config *cfg, struct output *out,
                 struct output *records, int progress)
{
    memset(rp, 0, sizeof(*rp));
    rp->cfg = cfg;
    rp->out = out;
    rp->records = records;
    rp->progress = progress;
    /* A shard's numbers are its own slots' (see shard.h). */
    stats_init(&rp->stats, config_slots(cfg));
    if (cfg->rate_on)
        stats_schedule(&rp->stats, &cfg->rate, config_slots(cfg), config_workers(cfg),
                       cfg->duration_ns);
    /* --plot alone draws 1-second intervals. */
    if (cfg->interval_ns || cfg->plot)
        stats_intervals(&rp->stats, cfg->interval_ns ? cfg->interval_ns : 1000000000,
                        cfg->rate_on ? &cfg->rate : 0, cfg->messages);
    if (cfg->stages_on)
        stats_stages(&rp->stats, &cfg->stages);
    stats_shard(&rp->stats, &cfg->shard, cfg->messages);
    rp->interval_lines = cfg->interval_ns != 0;
    rp->stats.per_interval = cfg->interval_ns != 0;
}

void report_start(void *ctx, const struct shared *sh)
{
    struct report *rp = ctx;
    rp->started = 1;
    rp->sh = sh;
    rp->t0_ns = shared_t0(sh);
    stats_clock(&rp->stats, rp->t0_ns, shared_t0_unix_us(sh), shared_start_lag_us(sh));
}

static const char *const reason_names[FAIL_COUNT] = {
    0, "rejected", "lost_connection", "timeout", "connect", "bad_reply", "worker_died",
    "tls", "auth", "extension", "too_large",
};

static void write_record_line(struct report *rp, const struct record *r, const char *text)
{
    struct json j;
    FILE *f = rp->records->f;

    json_begin(&j, f);
    json_object(&j, 0);
    json_int(&j, "slot", r->slot);
    json_uint(&j, "worker", r->worker);
    json_uint(&j, "conn", r->conn_seq);
    json_bool(&j, "new_conn", (r->flags & RF_NEW_CONN) != 0);
    if (r->flags & RF_TLS) {
        json_object(&j, "tls");
        json_string(&j, "version", tls_version_name(r->tls_version));
        json_uint(&j, "cipher", r->tls_cipher);
        json_bool(&j, "resumed", (r->flags & RF_TLS_RESUMED) != 0);
        json_end(&j);
    }
    json_string(&j, "result", (r->flags & RF_NOT_DONE) ? "not_done"
                            : (r->flags & RF_SENT) ? "sent" : "failed");
    if (!(r->flags & (RF_SENT | RF_NOT_DONE))
        && r->fail_reason != FAIL_NONE && r->fail_reason < FAIL_COUNT) {
        json_string(&j, "reason", reason_names[r->fail_reason]);
        json_string(&j, "phase", stats_phase_name((enum phase)r->fail_phase));
        if (r->fail_code)
            json_int(&j, "code", r->fail_code);
    }
    if ((r->flags & (RF_UNKNOWN | RF_SENT | RF_NOT_DONE)) == RF_UNKNOWN)
        json_bool(&j, "unknown_outcome", 1);
    if (r->flags & RF_FATAL)
        json_string_n(&j, "error", text, r->text_len);
    json_uint(&j, "bytes", r->bytes_sent);
    if (r->msg_size)
        json_uint(&j, "size", r->msg_size);
    const struct workload *wl = rp->cfg->wl;
    if (r->corpus_item && wl && wl->corpus_on && r->corpus_item <= wl->corpus.n) {
        json_uint(&j, "corpus_item", r->corpus_item - 1);
        json_string(&j, "corpus_file", corpus_name(&wl->corpus, r->corpus_item - 1));
    }
    json_uint(&j, "rcpt_sent", r->rcpt_sent);
    json_uint(&j, "rcpt_accepted", r->rcpt_ok);
    json_uint(&j, "rcpt_rejected", r->rcpt_bad);
    if (r->rej_n) {
        json_array(&j, "rcpt_rejected_codes");
        for (unsigned i = 0; i < r->rej_n && i < REC_CODES; i++)
            json_uint(&j, 0, r->rej_code[i]);
        json_end(&j);
    }
    json_uint(&j, "rcpt_delivered", r->rcpt_delivered);
    if (r->rcpt_lost)
        json_uint(&j, "rcpt_lost", r->rcpt_lost);
    if (r->flags & RF_SCHEDULED) {
        /* The slot's times since t0, and both latencies of a sent message. */
        json_int(&j, "intended_us", r->intended_us);
        json_int(&j, "start_us", r->start_us);
        json_int(&j, "end_us", r->end_us);
        json_int(&j, "lag_us", r->start_us - r->intended_us);
        if (r->flags & RF_SENT) {
            json_int(&j, "service_us", r->end_us - r->start_us);
            json_int(&j, "corrected_us", r->end_us - r->intended_us);
        }
    }
    json_object(&j, "us");
    for (int p = 0; p < PH_COUNT; p++)
        if (r->phase_mask & (1u << p))
            json_uint(&j, stats_phase_name((enum phase)p), r->phase_us[p]);
    json_end(&j);
    json_end(&j);
    fputc('\n', f);
    output_check(rp->records);
}

static void clear_progress(struct report *rp)
{
    if (rp->progress_drawn) {
        ssize_t w = write(STDERR_FILENO, "\r\033[K", 4);
        (void)w;
        rp->progress_drawn = 0;
    }
}

int report_record(void *ctx, const struct record *r, const char *text)
{
    struct report *rp = ctx;

    switch (r->type) {
    case REC_LOG:
        clear_progress(rp);
        diag_text(0, text, r->text_len);
        return 0;
    case REC_WARNING:
        /* After a fatal error, other workers' late complaints are noise. */
        if (!rp->fatal) {
            clear_progress(rp);
            diag_text("warning", text, r->text_len);
        }
        return 0;
    case REC_SAMPLES: {
        uint32_t v[REC_SAMPLES_MAX];
        size_t n = r->text_len / sizeof(uint32_t);
        memcpy(v, text, n * sizeof(uint32_t));
        stats_add_samples(&rp->stats, PH_RCPT, v, n);
        return 0;
    }
    case REC_MESSAGE:
        break;
    default:
        return 0;
    }
    /* A failure's text quotes the server: shown as on stderr everywhere. */
    char clean[REC_TEXT_MAX + 1];
    diag_censor(clean, text, r->text_len);
    clean[r->text_len] = 0;
    text = clean;
    stats_add(&rp->stats, r);
    if (rp->records)
        write_record_line(rp, r, text);
    if ((r->flags & RF_DOT_SENT) && rp->cfg->counter) {
        printf("%lu\r", ++rp->counter);
        fflush(stdout);
        output_check(rp->out);
    }
    if (r->flags & RF_FATAL) {
        if (!rp->fatal) {
            report_end(rp);
            diag_text("fatal", text, r->text_len);
            memcpy(rp->error, text, r->text_len);
            rp->error[r->text_len] = 0;
        }
        rp->fatal = 1;
        return 1;
    }
    return 0;
}

static void clock_text(char *buf, size_t len, double secs)
{
    long s = (long)(secs + 0.5);
    if (s >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

/* Prints the lines of the intervals closed since the last call. */
static void interval_lines(struct report *rp, size_t closed)
{
    char line[256];
    for (; rp->intervals_printed < closed; rp->intervals_printed++) {
        clear_progress(rp);
        intervals_line(&rp->stats.iv, rp->intervals_printed, line, sizeof(line));
        diag_info("%s", line);
    }
}

static void draw(struct report *rp, const char *line, int n)
{
    if (n > 0) {
        ssize_t w = write(STDERR_FILENO, line, (size_t)n < 256 ? (size_t)n : 255);
        (void)w;
        rp->progress_drawn = 1;
    }
}

/* Before --start-at's instant: how long the run still waits. */
static void waiting_line(struct report *rp)
{
    char left[32], line[256];
    double secs = (double)(rp->cfg->start_at_ns - startat_now_ns()) / 1e9;
    clock_text(left, sizeof(left), secs > 0 ? secs : 0);
    draw(rp, line, snprintf(line, sizeof(line), "\rstarting in %s (--start-at)\033[K", left));
}

/* --rate: how far behind its schedule the run is: the slots due by now,
 * those started, those in flight, and how late the next one to start is
 * (0 when every slot due has started). */
static void schedule_text(const struct report *rp, double now, int64_t done, char *out,
                          size_t len)
{
    const struct config *cfg = rp->cfg;
    const struct stages *stg = cfg->stages_on ? &cfg->stages : 0;
    int64_t slots = config_slots(cfg);
    int64_t now_ns = (int64_t)(now * 1e9);
    int64_t due = shard_owned(&cfg->shard, schedule_offer_slots_within(&cfg->rate, stg, now_ns));
    int64_t started = shared_claimed(rp->sh);
    if (due > slots)
        due = slots;
    /* A worker claims its next slot and then waits for its due time:
     * a slot not yet due has not started. */
    if (started > due)
        started = due;
    double lag = 0;
    if (started < due)
        lag = (double)(now_ns - schedule_offer_due_ns(&cfg->rate, stg,
                                                      shard_slot(&cfg->shard, started))) / 1e9;
    snprintf(out, len, "  due %lld  started %lld  in flight %lld  lag %.1f s",
             (long long)due, (long long)started, (long long)(started - done),
             lag > 0 ? lag : 0);
}

void report_tick(void *ctx, int64_t watermark_us)
{
    struct report *rp = ctx;
    const struct stats *st = &rp->stats;
    if (rp->interval_lines && watermark_us >= 0)
        interval_lines(rp, intervals_close(&rp->stats.iv, watermark_us));
    if (!rp->progress || rp->fatal)
        return;
    if (!rp->started) {
        waiting_line(rp);
        return;
    }

    double now = stats_elapsed(st);
    int64_t done = st->sent + st->failed;
    /* The rate over the last couple of seconds, not since the start. */
    unsigned oldest = (rp->rate_i + 1) % 8;
    double dt = now - rp->rate_t[oldest];
    double rate = dt > 0 ? (double)(done - rp->rate_n[oldest]) / dt : 0;
    rp->rate_i = (rp->rate_i + 1) % 8;
    rp->rate_t[rp->rate_i] = now;
    rp->rate_n[rp->rate_i] = done;

    char el[32], eta[32] = "-", of[32] = "";
    clock_text(el, sizeof(el), now);
    if (st->requested == MESSAGES_UNBOUNDED) {
        /* --duration alone: what is left is time. */
        double left = (double)rp->cfg->duration_ns / 1e9 - now;
        clock_text(eta, sizeof(eta), left > 0 ? left : 0);
    } else {
        snprintf(of, sizeof(of), "/%lld", (long long)st->requested);
        if (rate > 0 && done < st->requested)
            clock_text(eta, sizeof(eta), (double)(st->requested - done) / rate);
    }
    char line[256], behind[128] = "";
    if (rp->cfg->rate_on && rp->sh)
        schedule_text(rp, now, done, behind, sizeof(behind));
    draw(rp, line, snprintf(line, sizeof(line),
                            "\r%lld%s messages%s  %.0f msg/s  %lld failed  elapsed %s  left %s\033[K",
                            (long long)done, of, behind, rate, (long long)st->failed, el, eta));
}

void report_drain(void *ctx)
{
    struct report *rp = ctx;
    clear_progress(rp);
    if (!rp->started)
        diag_info("SIGINT: the run stops before --start-at's time; no message starts");
    else
        diag_info("SIGINT: the messages in flight finish, no new one starts; "
                  "a second SIGINT stops them at once");
}

void report_finish(struct report *rp, const struct shared *sh)
{
    struct stats *st = &rp->stats;
    rp->t0_ns = shared_t0(sh);
    /* A run whose gate never opened offered nothing. */
    int64_t end_us = rp->started ? (schedule_now_ns() - rp->t0_ns) / 1000 : 0;
    int64_t stop_ns = shared_stopped_ns(sh), stop_us = -1;
    if (stop_ns || !rp->started)
        stop_us = rp->started && stop_ns > rp->t0_ns ? (stop_ns - rp->t0_ns) / 1000 : 0;
    if (st->scheduled && openloop_finish(&st->ol, end_us, stop_us) < 0)
        diag_warn("out of memory: the timeline's figures (stalls, sessions advice) are left out");
    if (st->has_intervals) {
        size_t n = intervals_finish(&st->iv, end_us);
        if (st->scheduled
            && intervals_due(&st->iv, &st->iv.shard, st->iv.slots, st->ol.offer_end_us) < 0)
            st->iv.dropped++;
        if (rp->interval_lines)
            interval_lines(rp, n);
        if (st->iv.dropped)
            diag_warn("%llu messages ended after the last of %d intervals and are in no interval",
                      (unsigned long long)st->iv.dropped, INTERVALS_MAX);
    }
    char line[320];
    if (st->scheduled && openloop_below_half_line(&st->ol, line, sizeof(line)))
        diag_warn("%s", line);
    if (st->scheduled && openloop_shortfall_line(&st->ol, line, sizeof(line)))
        diag_warn("%s", line);
}

void report_end(struct report *rp)
{
    clear_progress(rp);
    if (rp->records) {
        fflush(rp->records->f);
        output_check(rp->records);
    }
}
