/* stats: the parent's numbers for the run, summed from the records, and
 * the end-of-run text report. */
#include "report/stats.h"

#include "core/json.h"
#include "core/config.h"
#include "core/startat.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *const phase_names[PH_COUNT] = {
    "connect", "banner", "helo", "tls", "auth", "mail", "rcpt", "data", "dot", "bdat",
    "rset", "quit", "message",
};

const char *stats_phase_name(enum phase ph)
{
    return ph < PH_COUNT ? phase_names[ph] : "?";
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void stats_init(struct stats *st, int64_t requested)
{
    memset(st, 0, sizeof(*st));
    st->requested = requested;
    for (int p = 0; p < PH_COUNT; p++)
        hist_init(&st->phase[p]);
    st->start_us = now_us();
    st->first_start_us = st->last_end_us = -1;
}

void stats_clock(struct stats *st, int64_t t0_ns, int64_t t0_unix_us, int64_t start_lag_us)
{
    st->start_us = (uint64_t)t0_ns / 1000;
    st->t0_unix_us = t0_unix_us;
    st->start_lag_us = start_lag_us;
}

void stats_schedule(struct stats *st, const struct rate *rate, int64_t due, unsigned sessions,
                    int64_t duration_ns)
{
    st->scheduled = 1;
    openloop_init(&st->ol, rate, due, sessions, duration_ns);
}

void stats_intervals(struct stats *st, int64_t len_ns, const struct rate *rate, int64_t slots)
{
    st->has_intervals = 1;
    intervals_init(&st->iv, len_ns, rate, slots);
}

void run_info_add(struct run_info *ri, struct report_addendum *a)
{
    struct report_addendum **p = &ri->addendum;
    while (*p && *p != a)
        p = &(*p)->next;
    if (*p == 0) {
        a->next = 0;
        *p = a;
    }
}

void stats_stages(struct stats *st, const struct stages *stages)
{
    if (st->scheduled)
        openloop_stages(&st->ol, stages);
    if (st->has_intervals)
        intervals_stages(&st->iv, stages);
}

void stats_shard(struct stats *st, const struct shard *sh, int64_t run_slots)
{
    if (st->scheduled)
        openloop_shard(&st->ol, sh, run_slots);
    if (st->has_intervals)
        intervals_shard(&st->iv, sh);
}

static void add_handshake(struct stats *st, const struct record *r)
{
    if (r->flags & RF_TLS_RESUMED)
        st->tls_resumed++;
    else
        st->tls_full++;
    for (unsigned i = 0; i < st->suites; i++) {
        if (st->suite[i].version == r->tls_version && st->suite[i].cipher == r->tls_cipher) {
            st->suite[i].count++;
            return;
        }
    }
    if (st->suites == STATS_SUITES) {
        st->suite_other++;
        return;
    }
    st->suite[st->suites].version = r->tls_version;
    st->suite[st->suites].cipher = r->tls_cipher;
    st->suite[st->suites++].count = 1;
}

void stats_add(struct stats *st, const struct record *r)
{
    if (r->flags & RF_NOT_DONE)
        st->given_up++;
    else if (r->flags & RF_SENT)
        st->sent++;
    else
        st->failed++;
    if ((r->flags & (RF_UNKNOWN | RF_SENT | RF_NOT_DONE)) == RF_UNKNOWN)
        st->unknown++;
    if (!(r->flags & RF_NOT_DONE)) {
        if (st->first_start_us < 0 || r->start_us < st->first_start_us)
            st->first_start_us = r->start_us;
        if (r->end_us > st->last_end_us)
            st->last_end_us = r->end_us;
    }
    if (r->flags & RF_NEW_CONN)
        st->connections++;
    if (r->flags & RF_TLS)
        add_handshake(st, r);
    if (r->auth_end != AUTH_END_NONE)
        authstats_add(&st->auth, r);
    st->rcpt_sent += r->rcpt_sent;
    st->rcpt_ok += r->rcpt_ok;
    st->rcpt_bad += r->rcpt_bad;
    st->rcpt_delivered += r->rcpt_delivered;
    st->rcpt_lost += r->rcpt_lost;
    st->bytes += r->bytes_sent;
    for (int i = 0; i < 6; i++)
        st->replies[i] += r->replies[i];
    if (!(r->flags & (RF_SENT | RF_NOT_DONE)) && r->fail_reason < FAIL_COUNT)
        st->fails[r->fail_reason]++;
    for (int p = 0; p < PH_COUNT; p++) {
        /* RCPT latencies arrive one by one, not as the message's sum. A
         * message's time is that of a message sent: a failed one's ends
         * wherever it failed. */
        if (p == PH_RCPT || (p == PH_MESSAGE && !(r->flags & RF_SENT)))
            continue;
        if (r->phase_mask & (1u << p))
            hist_add(&st->phase[p], r->phase_us[p]);
    }
    size_t n = r->rcpt_n < REC_RCPT_INLINE ? r->rcpt_n : REC_RCPT_INLINE;
    stats_add_samples(st, PH_RCPT, r->rcpt_us, n);
    if (st->scheduled)
        openloop_add(&st->ol, r);
    if (st->has_intervals)
        intervals_add(&st->iv, r);
}

void stats_add_samples(struct stats *st, enum phase ph, const uint32_t *us, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hist_add(&st->phase[ph], us[i]);
}

void stats_finish(struct stats *st)
{
    st->end_us = now_us();
}

void stats_free(struct stats *st)
{
    if (st->has_intervals)
        intervals_free(&st->iv);
    if (st->scheduled)
        openloop_free(&st->ol);
}

double stats_elapsed(const struct stats *st)
{
    uint64_t end = st->end_us ? st->end_us : now_us();
    return (double)(end - st->start_us) / 1e6;
}

/* Milliseconds in at most 8 columns. */
static void put_ms(FILE *out, uint64_t us)
{
    double ms = (double)us / 1000.0;
    if (ms < 1000)
        fprintf(out, " %8.3f", ms);
    else if (ms < 100000)
        fprintf(out, " %8.1f", ms);
    else
        fprintf(out, " %8.0f", ms);
}

static void row(FILE *out, const char *name, const struct hist *h)
{
    fprintf(out, "  %-10s %10llu", name, (unsigned long long)h->count);
    if (h->count == 0) {
        fprintf(out, "        -        -        -        -        -        -\n");
        return;
    }
    put_ms(out, h->min);
    put_ms(out, hist_quantile(h, 0.50));
    put_ms(out, hist_quantile(h, 0.90));
    put_ms(out, hist_quantile(h, 0.99));
    put_ms(out, hist_quantile(h, 0.999));
    put_ms(out, h->max);
    fprintf(out, "\n");
}

/* Where the run sits among the machines of one run: its shard (or, for a
 * merge, the shards), t0 on the real-time clock, how late it started. */
static void print_place(const struct stats *st, FILE *out, const struct run_info *ri)
{
    const struct run_id *id = ri->id;
    const struct merged *m = ri->merged;
    char t0[64];
    if (!id || (!m && !id->sharded && !id->start_at_on))
        return;
    startat_format(st->t0_unix_us * 1000, t0, sizeof(t0));
    if (m) {
        int64_t lag = 0;
        for (uint32_t i = 0; i < m->n; i++)
            lag = m->shard[i].start_lag_us > lag ? m->shard[i].start_lag_us : lag;
        fprintf(out, "  shards      %u of %u%s, t0 %s, lag max %.3f ms\n", m->n, m->expected,
                m->missing_n ? " (partial)" : "", t0, (double)lag / 1000.0);
        return;
    }
    if (id->sharded)
        fprintf(out, "  shard       %u/%u, t0 %s", id->shard.index, id->shard.count, t0);
    else
        fprintf(out, "  start       t0 %s", t0);
    if (id->start_at_on)
        fprintf(out, ", start lag %.3f ms", (double)st->start_lag_us / 1000.0);
    fputc('\n', out);
}

/* Under --rate, what the sessions line says of a shortfall: how many
 * sessions would have held the rate, or why no figure can say it. */
static void print_advice(const struct stats *st, FILE *out)
{
    if (!st->scheduled || !openloop_shortfall(&st->ol))
        return;
    uint64_t need = openloop_sessions_needed(&st->ol);
    if (st->ol.missing_shards)
        fprintf(out, "; shortfall from the missing shards (%s)", st->ol.missing);
    else if (need)
        fprintf(out, "; about %llu (-s) would hold the rate", (unsigned long long)need);
}

static const char *const fail_names[FAIL_COUNT] = {
    "other", "rejected", "lost connection", "timeout", "connect", "bad reply", "worker died",
    "tls", "auth", "extension missing", "too large for the server",
};

/* The rest of the tls line: "verify on"; a merge's shards may differ
 * ("in 1 of 2 shards, verify on in 1 of 2 shards"). */
static void tls_settings(FILE *out, const struct run_info *ri)
{
    const struct merged *m = ri->merged;
    if (m == 0) {
        fprintf(out, ", verify %s\n", ri->tls_verify ? "on" : "off");
        return;
    }
    static const struct setting_value none[2] = { { SETTING_NULL, 0, "" }, { SETTING_ABSENT, 0, "" } },
                                      on = { SETTING_BOOL, 1, "" };
    uint32_t plain = settings_count(&m->settings, "tls", &none[0])
                   + settings_count(&m->settings, "tls", &none[1]);
    uint32_t verified = settings_count(&m->settings, "tls_verify", &on);
    if (plain > 0 && plain < m->n)
        fprintf(out, " in %u of %u shards", (unsigned)(m->n - plain), (unsigned)m->n);
    if (verified > 0 && verified < m->n)
        fprintf(out, ", verify on in %u of %u shards\n", (unsigned)verified, (unsigned)m->n);
    else
        fprintf(out, ", verify %s\n", verified ? "on" : "off");
}

/* A merge: each setting its shards differ in, and how. */
static void settings_lines(FILE *out, const struct merged_settings *ms, uint32_t shards)
{
    const char *label = "settings";
    for (unsigned k = 0; k < ms->n; k++) {
        if (ms->key[k].n < 2)
            continue;
        char text[512];
        settings_text(&ms->key[k], shards, text, sizeof(text));
        fprintf(out, "  %-10s  %s differs: %s\n", label, ms->key[k].key, text);
        label = "";
    }
}

void stats_print(const struct stats *st, FILE *out, const struct run_info *ri)
{
    double secs = stats_elapsed(st);
    double rate = secs > 0 ? (double)st->sent / secs : 0;
    double bps = secs > 0 ? (double)st->bytes / secs : 0;
    int64_t left = st->requested - st->sent - st->failed;

    fprintf(out, "smtp-source: %s in %.3f s\n", ri->status, secs);
    if (st->requested == MESSAGES_UNBOUNDED) {
        /* --duration alone: no count was asked for. */
        fprintf(out, "  messages    %lld sent, %lld failed", (long long)st->sent, (long long)st->failed);
        left = st->given_up;
    } else {
        fprintf(out, "  messages    %lld requested, %lld sent, %lld failed",
                (long long)st->requested, (long long)st->sent, (long long)st->failed);
    }
    if (st->unknown > 0)
        fprintf(out, " (%lld with unknown outcome)", (long long)st->unknown);
    if (left > 0)
        fprintf(out, ", %lld not done", (long long)left);
    fprintf(out, "\n");
    fprintf(out, "  rate        %.1f messages/s, %.2f MB/s\n", rate, bps / 1e6);
    if (st->scheduled)
        openloop_print(&st->ol, st->per_interval ? &st->iv : 0, out);
    fprintf(out, "  sessions    %u, %llu connections", ri->sessions,
            (unsigned long long)st->connections);
    print_advice(st, out);
    fputc('\n', out);
    print_place(st, out, ri);
    if (ri->tls) {
        fprintf(out, "  tls         %llu handshakes (%llu full, %llu resumed)",
                (unsigned long long)(st->tls_full + st->tls_resumed),
                (unsigned long long)st->tls_full, (unsigned long long)st->tls_resumed);
        tls_settings(out, ri);
        for (unsigned i = 0; i < st->suites; i++)
            fprintf(out, "              %s%s%llu\n", ri->suite_name[i] ? ri->suite_name[i] : "?",
                    st->suites > 1 ? ": " : ", all ", (unsigned long long)st->suite[i].count);
        if (st->suite_other)
            fprintf(out, "              other kinds: %llu\n", (unsigned long long)st->suite_other);
    }
    if (ri->auth_mech)
        authstats_print(&st->auth, out);
    if (ri->merged)
        settings_lines(out, &ri->merged->settings, ri->merged->n);
    fprintf(out, "  recipients  %llu sent, %llu accepted, %llu rejected",
            (unsigned long long)st->rcpt_sent, (unsigned long long)st->rcpt_ok,
            (unsigned long long)st->rcpt_bad);
    /* LMTP answers per recipient at the end of data: say how that went. */
    if (ri->lmtp)
        fprintf(out, "; %llu delivered, %llu lost", (unsigned long long)st->rcpt_delivered,
                (unsigned long long)st->rcpt_lost);
    fprintf(out, "\n");
    fprintf(out, "  bytes sent  %llu\n", (unsigned long long)st->bytes);
    fprintf(out, "  replies     %llu 2xx, %llu 3xx, %llu 4xx, %llu 5xx",
            (unsigned long long)st->replies[2], (unsigned long long)st->replies[3],
            (unsigned long long)st->replies[4], (unsigned long long)st->replies[5]);
    if (st->replies[0])
        fprintf(out, ", %llu other", (unsigned long long)st->replies[0]);
    fprintf(out, "\n");
    if (st->failed > 0) {
        const char *sep = "";
        fprintf(out, "  failures    ");
        for (int i = 0; i < FAIL_COUNT; i++) {
            if (st->fails[i]) {
                fprintf(out, "%s%llu %s", sep, (unsigned long long)st->fails[i], fail_names[i]);
                sep = ", ";
            }
        }
        fprintf(out, "\n");
    }
    fprintf(out, "  latency ms      count      min      p50      p90      p99    p99.9      max\n");
    for (int p = 0; p < PH_COUNT; p++) {
        const struct hist *h = &st->phase[p];
        /* Phases that a run may well not have: shown when it had them
         * (data and dot are left out when BDAT carried every message). */
        int optional = p == PH_RSET || p == PH_HELO || p == PH_QUIT || p == PH_TLS
                    || p == PH_AUTH || p == PH_BDAT
                    || ((p == PH_DATA || p == PH_DOT) && st->phase[PH_BDAT].count > 0);
        if (h->count == 0 && optional)
            continue;
        /* Under --rate a message's time runs from its actual start: it is
         * the service row below. */
        if (p == PH_MESSAGE && st->scheduled)
            continue;
        row(out, phase_names[p], h);
    }
    if (st->scheduled) {
        row(out, "service", &st->ol.service);
        row(out, "corrected", &st->ol.corrected);
        row(out, "start lag", &st->ol.lag);
        fprintf(out, "  (service: from the actual start; corrected: from the intended start)\n");
    }
    for (const struct report_addendum *a = ri->addendum; a; a = a->next)
        if (a->text)
            a->text(a->ctx, out);
    fflush(out);
}
