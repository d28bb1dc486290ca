/* The timeline of a --rate run and what it says: bins that widen without
 * losing a count; the slots due per bin, a shard's and a stopped offer's;
 * the stalls, the worst second, the stretches below half the offered
 * rate, the peak of due and unfinished messages; and the schedule's
 * figures built on them: the offer's end, due, achieved, the shortfall
 * and the sessions advice, and the warnings' words. */
#include "check.h"
#include "report/openloop.h"
#include "report/stalls.h"
#include "report/timeline.h"
#include "run/schedule.h"

#include <stdlib.h>

static struct record rec(int64_t slot, int flags, int64_t intended, int64_t start, int64_t end)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    r.type = REC_MESSAGE;
    r.slot = slot;
    r.flags = (uint16_t)flags;
    r.intended_us = intended;
    r.start_us = start;
    r.end_us = end;
    return r;
}

static const int SENT = RF_SENT | RF_SCHEDULED;
static const struct rate hundred = { 100, 1 }, ten = { 10, 1 };

/* 100/s for 5 s, every message 1 ms, except that nothing ends from 1 s
 * to 3.5 s: the 250 slots due meanwhile all end at 3.5 s. With fewer
 * sessions than that, those due once all were stuck start at 3.5 s. */
static void stall_run(struct openloop *ol, unsigned sessions)
{
    openloop_init(ol, &hundred, 500, sessions, 5000000000LL);
    for (int64_t k = 0; k < 500; k++) {
        int64_t due = k * 10000, end = k >= 100 && k < 350 ? 3500000 + k : due + 1000;
        int64_t start = k >= 100 + (int64_t)sessions && k < 350 ? 3500000 : due;
        struct record r = rec(k, SENT, due, start, end);
        openloop_add(ol, &r);
    }
    CHECK(openloop_finish(ol, 5001000, -1) == 0);
}

static void bins(void)
{
    struct timeline tl;
    timeline_init(&tl);
    CHECK(timeline_add(&tl, 0, 1) == 0 && timeline_add(&tl, 999, 0) == 0);
    CHECK(timeline_add(&tl, 1000, 1) == 0 && timeline_add(&tl, -5, 1) == 0);
    CHECK(tl.bin_us == 1000 && tl.n == 2 && tl.bin[0].ended == 3 && tl.bin[0].sent == 2);
    /* Past 2^17 ms the bins widen tenfold, every count kept. */
    CHECK(timeline_add(&tl, 200000000, 1) == 0);
    CHECK(tl.bin_us == 10000 && tl.n == 20001 && tl.bin[0].ended == 4 && tl.bin[20000].sent == 1);
    uint64_t due, ended, sent;
    timeline_sum(&tl, 0, 300000000, &due, &ended, &sent);
    CHECK(due == 0 && ended == 5 && sent == 4);
    /* The slots due: 100/s to an offer stopped at 2.5 s; bins of 10 ms. */
    CHECK(timeline_due(&tl, &hundred, 0, &(struct shard){ 0, 1 }, 1000, 2500000, 0) == 0);
    timeline_sum(&tl, 0, 2500000, &due, &ended, &sent);
    CHECK(due == 250 && tl.bin[0].due == 1 && tl.bin[249].due == 1 && tl.bin[250].due == 0);
    /* A shard's: 1/4 owns k = 1, 5, 9, ...: 63 of the first 250. */
    struct timeline part;
    timeline_init(&part);
    CHECK(timeline_due(&part, &hundred, 0, &(struct shard){ 1, 4 }, 1000, 2500000, 0) == 0);
    timeline_sum(&part, 0, 2500000, &due, &ended, &sent);
    CHECK(due == 63 && part.bin[1].due == 0 && part.bin[10].due == 1);
    /* Merged 2.5 s later: the wider bins win, whole bins shift. */
    CHECK(timeline_merge(&tl, &part, 2500000) == 0);
    timeline_sum(&tl, 2500000, 5000000, &due, &ended, &sent);
    CHECK(tl.bin_us == 10000 && due == 63);
    timeline_free(&part);
    timeline_free(&tl);

    /* Read back: widths of 10^k ms, rising bins, sent within ended. */
    timeline_init(&tl);
    CHECK(timeline_put(&tl, 2000, 0, 1, 1) < 0);
    CHECK(timeline_put(&tl, 10000, 3, 2, 1) == 0 && tl.bin_us == 10000);
    CHECK(timeline_put(&tl, 10000, 3, 1, 1) < 0 && timeline_put(&tl, 10000, 2, 1, 1) < 0);
    CHECK(timeline_put(&tl, 1000, 4, 1, 1) < 0 && timeline_put(&tl, 10000, 4, 1, 2) < 0);
    CHECK(timeline_put(&tl, 10000, 4, 0, 0) < 0);
    CHECK(timeline_put(&tl, 10000, TIMELINE_BINS_MAX, 1, 1) < 0);
    CHECK(timeline_put(&tl, 10000, TIMELINE_BINS_MAX - 1, 1, 0) == 0);
    timeline_free(&tl);
}

static void stalls(void)
{
    struct openloop ol;
    stall_run(&ol, 20);
    struct stall st;
    CHECK(stalls_longest(&ol.tl, &st) == 1 && st.from_us == 1000000 && st.to_us == 3500000);
    /* Elsewhere each message is 1 ms on its own, a 1 ms stall (but the
     * one due in the burst at 3.5 s). */
    struct stall_cursor c = { 0, 0, 0 };
    int n = 0, short_ones = 0;
    while (stalls_next(&ol.tl, &c, &st)) {
        n++;
        short_ones += st.to_us - st.from_us == 1000;
    }
    CHECK(n == 250 && short_ones == 249);
    struct stretch w;
    CHECK(stalls_worst_window(&ol.tl, 1000000, &w) == 1);
    CHECK(w.from_us == 1000000 && w.to_us == 2000000 && w.due == 100 && w.sent == 0);
    /* Seconds 1 and 2 sent nothing; the stall that crosses their end
     * widens them to it. */
    CHECK(stalls_below_half(&ol.tl, 1000000, &w) == 1);
    CHECK(w.from_us == 1000000 && w.to_us == 3500000 && w.sent == 0 && w.due == 250);
    /* At 3.5 s, 350 slots were due and 100 ended; within the bin, one more. */
    uint64_t low, high;
    stalls_peak(&ol.tl, &low, &high);
    CHECK(low == 250 && high == 251);
    CHECK(openloop_peak(&ol) == 251 && openloop_sessions_needed(&ol) == 277);
    /* Every message sent: the average was held, but not the schedule. */
    CHECK(openloop_achieved(&ol) == 100.0 && openloop_shortfall(&ol));
    char line[320];
    CHECK(openloop_shortfall_line(&ol, line, sizeof(line)) == 1);
    CHECK_STR(line, "achieved 100.0/s of 100/s offered; 251 messages were due and unfinished at "
              "once, for 20 sessions: about 277 sessions (-s) would hold it");
    CHECK(openloop_below_half_line(&ol, line, sizeof(line)) == 1);
    CHECK_STR(line, "0.0/s achieved from 1.0 s to 3.5 s (100/s offered)");
    openloop_free(&ol);
    /* With 251 sessions none of it waited for one. */
    stall_run(&ol, 251);
    CHECK(openloop_sessions_needed(&ol) == 0 && !openloop_shortfall(&ol));
    CHECK(openloop_shortfall_line(&ol, line, sizeof(line)) == 0);
    CHECK(openloop_below_half_line(&ol, line, sizeof(line)) == 1);
    openloop_free(&ol);
    /* 240 sessions: 10 slots waited, 2% of those due, late: a moment's
     * wait, no shortfall. 230 sessions: 20, 4%: one. */
    stall_run(&ol, 240);
    CHECK(ol.late == 10 && openloop_sessions_needed(&ol) == 0 && !openloop_shortfall(&ol));
    openloop_free(&ol);
    stall_run(&ol, 230);
    CHECK(ol.late == 20 && openloop_sessions_needed(&ol) == 277 && openloop_shortfall(&ol));
    openloop_free(&ol);
}

static void offer_end(void)
{
    struct openloop ol;
    /* -m 10 at 10/s, stopped at 0.45 s after 5 on time: 5 were due. */
    openloop_init(&ol, &ten, 10, 2, 0);
    for (int64_t k = 0; k < 5; k++) {
        struct record r = rec(k, SENT, k * 100000, k * 100000, k * 100000 + 1000);
        openloop_add(&ol, &r);
    }
    CHECK(openloop_finish(&ol, 460000, 450000) == 0);
    CHECK(ol.stopped && ol.offer_end_us == 450000 && ol.due == 5 && openloop_achieved(&ol) == 10.0);
    CHECK(!openloop_shortfall(&ol));
    openloop_free(&ol);
    /* A slot that started after the stop's instant was offered all the same. */
    openloop_init(&ol, &ten, 10, 2, 0);
    struct record r = rec(5, SENT, 500000, 500010, 501000);
    openloop_add(&ol, &r);
    CHECK(openloop_finish(&ol, 600000, 499000) == 0);
    CHECK(ol.offer_end_us == 500001 && ol.due == 6);
    openloop_free(&ol);
    /* No stop, the workers gone at 0.7 s with slots left: the offer ended
     * with the run. */
    openloop_init(&ol, &ten, 10, 10, 0);
    for (int64_t k = 0; k < 3; k++) {
        r = rec(k, RF_SCHEDULED, k * 100000, k * 100000, k * 100000 + 1000);
        openloop_add(&ol, &r);
    }
    CHECK(openloop_finish(&ol, 700000, -1) == 0);
    CHECK(!ol.stopped && ol.offer_end_us == 700000 && ol.due == 7);
    /* Three failed: nothing achieved, a shortfall with no advice. */
    CHECK(openloop_achieved(&ol) == 0 && openloop_shortfall(&ol) && openloop_sessions_needed(&ol) == 0);
    char line[320];
    CHECK(openloop_shortfall_line(&ol, line, sizeof(line)) == 1);
    CHECK_STR(line, "achieved 0.0/s of 10/s offered");
    openloop_free(&ol);
    /* --duration=2 at 10/s: the offer ends at T. A stop before t0: none. */
    openloop_init(&ol, &ten, 20, 2, 2000000000LL);
    CHECK(ol.offer_end_us == 2000000);
    CHECK(openloop_finish(&ol, 0, 0) == 0 && ol.due == 0 && !openloop_shortfall(&ol));
    openloop_free(&ol);
    /* 96 of 100 sent is a shortfall, 97 is not. */
    for (int64_t sent = 96; sent <= 97; sent++) {
        openloop_init(&ol, &hundred, 100, 10, 0);
        for (int64_t k = 0; k < 100; k++) {
            r = rec(k, k < sent ? SENT : RF_SCHEDULED, k * 10000, k * 10000, k * 10000 + 500);
            openloop_add(&ol, &r);
        }
        CHECK(openloop_finish(&ol, 1000500, -1) == 0);
        CHECK(openloop_shortfall(&ol) == (sent == 96) && openloop_sessions_needed(&ol) == 0);
        openloop_free(&ol);
    }
    /* A merge without some shards: the shortfall is theirs, no advice. */
    stall_run(&ol, 20);
    ol.missing_shards = 1;
    snprintf(ol.missing, sizeof(ol.missing), "1/2");
    ol.sent /= 2;
    CHECK(openloop_sessions_needed(&ol) == 0 && openloop_peak(&ol) == 0 && openloop_shortfall(&ol));
    CHECK(openloop_shortfall_line(&ol, line, sizeof(line)) == 1);
    CHECK_STR(line, "achieved 50.0/s of 100/s offered; the shortfall comes from the missing shards (1/2)");
    openloop_free(&ol);
}

/* At a slow rate the "seconds" hold ten slots: 2/s, five seconds. */
static void slow(void)
{
    struct openloop ol;
    const struct rate two = { 2, 1 };
    openloop_init(&ol, &two, 40, 4, 0);
    for (int64_t k = 0; k < 40; k++) {
        /* Each ends 0.6 s after its time: a second may miss its last one. */
        struct record r = rec(k, SENT, k * 500000, k * 500000, k * 500000 + 600000);
        openloop_add(&ol, &r);
    }
    CHECK(openloop_finish(&ol, 20100000, -1) == 0);
    char line[320];
    CHECK(openloop_below_half_line(&ol, line, sizeof(line)) == 0);
    struct stretch w;
    CHECK(stalls_worst_window(&ol.tl, 5000000, &w) == 1 && w.from_us == 0 && w.sent == 9);
    openloop_free(&ol);
}

int main(void)
{
    bins();
    stalls();
    offer_end();
    slow();
    return check_done("timeline");
}
