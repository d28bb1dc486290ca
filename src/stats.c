#include "stats.h"

#include <string.h>
#include <time.h>

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
        st->phase[p].min_us = UINT32_MAX;
    st->start_us = now_us();
}

void stats_add(struct stats *st, const struct record *r)
{
    if (r->type != REC_MESSAGE)
        return;
    if (r->flags & RF_SENT)
        st->sent++;
    else
        st->failed++;
    if (r->flags & RF_NEW_CONN)
        st->connections++;
    st->rcpt_sent += r->rcpt_sent;
    st->rcpt_ok += r->rcpt_ok;
    st->rcpt_bad += r->rcpt_bad;
    st->bytes += r->bytes_sent;
    for (int i = 0; i < 6; i++)
        st->replies[i] += r->replies[i];
    if (r->fail_reason < FAIL_COUNT && r->fail_reason != FAIL_NONE)
        st->fails[r->fail_reason]++;
    for (int p = 0; p < PH_COUNT; p++) {
        if (!(r->phase_mask & (1u << p)))
            continue;
        struct phase_stats *ps = &st->phase[p];
        uint32_t v = r->phase_us[p];
        ps->count++;
        ps->sum_us += v;
        if (v < ps->min_us)
            ps->min_us = v;
        if (v > ps->max_us)
            ps->max_us = v;
    }
}

void stats_finish(struct stats *st)
{
    st->end_us = now_us();
}

void stats_print(const struct stats *st, FILE *out, const char *status, unsigned sessions)
{
    double secs = (double)(st->end_us - st->start_us) / 1e6;
    double rate = secs > 0 ? (double)st->sent / secs : 0;
    double bps = secs > 0 ? (double)st->bytes / secs : 0;
    int64_t left = st->requested - st->sent - st->failed;

    fprintf(out, "smtp-source summary: %s\n", status);
    fprintf(out, "  messages    %lld requested, %lld sent, %lld failed",
            (long long)st->requested, (long long)st->sent, (long long)st->failed);
    if (left > 0)
        fprintf(out, ", %lld not done", (long long)left);
    fprintf(out, "\n");
    fprintf(out, "  elapsed     %.3f s, %.1f messages/s\n", secs, rate);
    fprintf(out, "  sessions    %u, %llu connections\n", sessions,
            (unsigned long long)st->connections);
    fprintf(out, "  recipients  %llu sent, %llu accepted, %llu rejected\n",
            (unsigned long long)st->rcpt_sent, (unsigned long long)st->rcpt_ok,
            (unsigned long long)st->rcpt_bad);
    fprintf(out, "  bytes sent  %llu (%.2f MB/s)\n", (unsigned long long)st->bytes, bps / 1e6);
    if (st->failed > 0 || st->fails[FAIL_REPLY] > 0) {
        fprintf(out, "  failures    %llu rejected, %llu lost connection, %llu timeout, "
                "%llu connect, %llu bad reply\n",
                (unsigned long long)st->fails[FAIL_REPLY],
                (unsigned long long)st->fails[FAIL_LOST],
                (unsigned long long)st->fails[FAIL_TIMEOUT],
                (unsigned long long)st->fails[FAIL_CONNECT],
                (unsigned long long)st->fails[FAIL_PROTOCOL]);
    }
    fflush(out);
}
