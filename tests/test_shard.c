/* Shards: I/N parsed strictly; N shards own every slot of the run exactly
 * once, with disjoint -N numbers that together are one run's; a shard's
 * schedule offers R/N and ends with the run's; the shards' due counts per
 * interval add up to the run's. */
#include "check.h"
#include "report/intervals.h"
#include "report/openloop.h"
#include "run/schedule.h"
#include "core/shard.h"

#include <stdlib.h>

static int parses(const char *s, uint32_t i, uint32_t n)
{
    struct shard sh = { 99, 99 };
    char why[96];
    return shard_parse(s, &sh, why, sizeof(why)) == 0 && sh.index == i && sh.count == n;
}

static int refused(const char *s)
{
    struct shard sh = { 7, 8 };
    char why[96] = "";
    return shard_parse(s, &sh, why, sizeof(why)) < 0 && why[0] && sh.index == 7 && sh.count == 8;
}

static struct record rec(int64_t k, int64_t intended, int64_t start, int64_t end)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    r.type = REC_MESSAGE;
    r.slot = k;
    r.flags = RF_SENT | RF_SCHEDULED;
    r.intended_us = intended;
    r.start_us = start;
    r.end_us = end;
    return r;
}

int main(void)
{
    CHECK(parses("0/1", 0, 1));
    CHECK(parses("3/4", 3, 4));
    CHECK(parses("9999/10000", 9999, 10000));
    CHECK(parses("007/010", 7, 10));
    CHECK(refused("4/4"));
    CHECK(refused("0/0"));
    CHECK(refused("0/10001"));
    CHECK(refused("10000/10000"));
    CHECK(refused("99999999999999999999/2"));
    CHECK(refused("1/"));
    CHECK(refused("/2"));
    CHECK(refused("1"));
    CHECK(refused("1/2x"));
    CHECK(refused("1/2/3"));
    CHECK(refused("-1/2"));
    CHECK(refused("+1/2"));
    CHECK(refused(" 1/2"));
    CHECK(refused("1 /2"));
    CHECK(refused(""));

    /* Every slot k < m once, in the shard k mod N, as its j-th claim. */
    int every = 1;
    for (int64_t m = 0; m <= 40; m++) {
        for (uint32_t n = 1; n <= 7; n++) {
            static int seen[64];
            memset(seen, 0, sizeof(seen));
            int64_t total = 0;
            for (uint32_t i = 0; i < n; i++) {
                struct shard sh = { i, n };
                int64_t owned = shard_owned(&sh, m);
                total += owned;
                for (int64_t j = 0; j < owned; j++) {
                    int64_t k = shard_slot(&sh, j);
                    every = every && k >= 0 && k < m && k % n == i;
                    if (k >= 0 && k < 64)
                        seen[k]++;
                }
            }
            every = every && total == m;
            for (int64_t k = 0; k < m; k++)
                every = every && seen[k] == 1;
        }
    }
    CHECK(every);
    struct shard big = { 2, 3 };
    CHECK(shard_owned(&big, INT64_MAX) == INT64_MAX);
    CHECK(shard_owned(&big, 2) == 0 && shard_owned(&big, 3) == 1);

    /* -N: 4 shards, 20 slots of 3 recipients: 1..60, each once. */
    static int numbers[61];
    int disjoint = 1;
    for (uint32_t i = 0; i < 4; i++) {
        struct shard sh = { i, 4 };
        for (int64_t j = 0; j < shard_owned(&sh, 20); j++) {
            int64_t first = shard_first_rcpt(shard_slot(&sh, j), 3);
            for (int64_t x = first; x < first + 3; x++) {
                disjoint = disjoint && x >= 1 && x <= 60;
                if (x >= 1 && x <= 60)
                    numbers[x]++;
            }
        }
    }
    for (int x = 1; x <= 60; x++)
        disjoint = disjoint && numbers[x] == 1;
    CHECK(disjoint);

    /* 4 shards of 40 slots at 100/s, every slot on time: each offers and
     * achieves 25/s, and every shard's offer ends with the run's, 0.4 s. */
    struct rate hundred = { 100, 1 };
    int shares = 1;
    for (uint32_t i = 0; i < 4; i++) {
        struct shard sh = { i, 4 };
        struct openloop ol;
        openloop_init(&ol, &hundred, shard_owned(&sh, 40), 2, 0);
        openloop_shard(&ol, &sh, 40);
        for (int64_t j = 0; j < ol.due; j++) {
            int64_t k = shard_slot(&sh, j), due = schedule_due_ns(&hundred, k) / 1000;
            struct record r = rec(k, due, due, due + 500);
            openloop_add(&ol, &r);
        }
        openloop_finish(&ol, schedule_due_ns(&hundred, shard_slot(&sh, ol.due - 1)) / 1000 + 500, -1);
        shares = shares && openloop_offered(&ol) == 25.0 && openloop_achieved(&ol) == 25.0
              && ol.offer_end_us == 400000 && !openloop_shortfall(&ol) && ol.late == 0;
        /* 40 slots, 10 each. */
        shares = shares && ol.due == 10;
        openloop_free(&ol);
    }
    CHECK(shares);

    /* Due per interval: the shards' add up to the run's, interval by
     * interval (30/s does not divide a second evenly). */
    struct rate thirty = { 30, 1 };
    struct intervals run, part[3];
    struct shard whole = { 0, 1 };
    intervals_init(&run, 100000000LL, &thirty, 50);
    intervals_finish(&run, 2000000);
    intervals_due(&run, &whole, 50, 1666667);
    for (uint32_t i = 0; i < 3; i++) {
        struct shard sh = { i, 3 };
        intervals_init(&part[i], 100000000LL, &thirty, 50);
        intervals_shard(&part[i], &sh);
        intervals_finish(&part[i], 2000000);
        intervals_due(&part[i], &sh, 50, 1666667);
    }
    int sums = run.n == 20;
    int64_t all = 0;
    for (size_t x = 0; x < run.n; x++) {
        struct interval_figures f, g;
        intervals_figures(&run, x, &f);
        int64_t due = 0;
        for (int i = 0; i < 3; i++) {
            intervals_figures(&part[i], x, &g);
            due += g.due;
        }
        sums = sums && due == f.due;
        all += f.due;
    }
    CHECK(sums && all == 50);
    intervals_free(&run);
    for (int i = 0; i < 3; i++)
        intervals_free(&part[i]);
    return check_done("shard");
}
