/* timeline: a --rate run in small bins from t0: slots due, messages
 * ended and sent per bin; the bins widen tenfold as the run grows. */
#include "report/timeline.h"

#include "run/schedule.h"

#include <stdlib.h>
#include <string.h>

void timeline_init(struct timeline *tl)
{
    memset(tl, 0, sizeof(*tl));
    tl->bin_us = TIMELINE_BIN_MIN_US;
    tl->end_us = -1;
}

void timeline_free(struct timeline *tl)
{
    free(tl->bin);
    timeline_init(tl);
}

static int add32(uint32_t *into, uint64_t v)
{
    if (v > UINT32_MAX - *into)
        return -1;
    *into += (uint32_t)v;
    return 0;
}

static int bin_add(struct tl_bin *into, const struct tl_bin *from)
{
    return add32(&into->due, from->due) | add32(&into->ended, from->ended)
         | add32(&into->sent, from->sent);
}

/* Tenfold wider bins: ten old ones make a new one. */
static int widen(struct timeline *tl)
{
    size_t n = (tl->n + 9) / 10;
    for (size_t i = 0; i < n; i++) {
        struct tl_bin sum = { 0, 0, 0 };
        for (size_t k = i * 10; k < i * 10 + 10 && k < tl->n; k++)
            if (bin_add(&sum, &tl->bin[k]) < 0)
                return -1;
        tl->bin[i] = sum;
    }
    memset(tl->bin + n, 0, (tl->n - n) * sizeof(*tl->bin));
    tl->n = n;
    tl->bin_us *= 10;
    return 0;
}

/* Makes bin[0..n) exist (n within TIMELINE_BINS_MAX). */
static int reach(struct timeline *tl, size_t n)
{
    if (n > tl->cap) {
        size_t cap = tl->cap ? tl->cap : 1024;
        while (cap < n)
            cap *= 2;
        if (cap > TIMELINE_BINS_MAX)
            cap = TIMELINE_BINS_MAX;
        struct tl_bin *b = realloc(tl->bin, cap * sizeof(*b));
        if (b == 0)
            return -1;
        memset(b + tl->cap, 0, (cap - tl->cap) * sizeof(*b));
        tl->bin = b;
        tl->cap = cap;
    }
    if (n > tl->n)
        tl->n = n;
    return 0;
}

/* The bins reach time t_us (widened as needed); its bin, or NULL. */
static struct tl_bin *at(struct timeline *tl, int64_t t_us)
{
    if (t_us < 0)
        t_us = 0;
    while ((uint64_t)(t_us / tl->bin_us) >= TIMELINE_BINS_MAX)
        if (tl->bin_us >= TIMELINE_BIN_MAX_US || widen(tl) < 0)
            return 0;
    size_t i = (size_t)(t_us / tl->bin_us);
    return reach(tl, i + 1) < 0 ? 0 : &tl->bin[i];
}

int timeline_add(struct timeline *tl, int64_t end_us, int sent)
{
    struct tl_bin *b = at(tl, end_us);
    if (b == 0)
        return -1;
    struct tl_bin one = { 0, 1, sent ? 1 : 0 };
    return bin_add(b, &one);
}

int timeline_finish(struct timeline *tl, int64_t end_us)
{
    tl->end_us = end_us > 0 ? end_us : 0;
    return tl->end_us > 0 && at(tl, tl->end_us - 1) == 0 ? -1 : 0;
}

/* The shard's slots among the run's due before t_us after its t0. */
static int64_t owned_before(const struct rate *rate, const struct stages *st, const struct shard *sh, int64_t run_slots,
                            int64_t last, int64_t t_us)
{
    int64_t k = t_us <= 0 ? 0 : schedule_offer_slots_within(rate, st, t_us * 1000);
    if (k > last)
        k = last;
    if (k > run_slots)
        k = run_slots;
    return shard_owned(sh, k);
}

int timeline_due(struct timeline *tl, const struct rate *rate, const struct stages *st,
                 const struct shard *sh,
                 int64_t run_slots, int64_t offer_end_us, int64_t off_us)
{
    int64_t last = offer_end_us > 0 ? schedule_offer_slots_within(rate, st, offer_end_us * 1000) : 0;
    if (last > run_slots)
        last = run_slots;
    if (last <= 0 || off_us < 0)
        return 0;
    /* The bins must reach the last slot before their width is known. */
    if (at(tl, off_us + schedule_offer_due_ns(rate, st, last - 1) / 1000) == 0)
        return -1;
    int64_t w = tl->bin_us, shift = off_us / w;
    size_t to = (size_t)(shift + schedule_offer_due_ns(rate, st, last - 1) / 1000 / w);
    int64_t before = 0;
    for (size_t i = (size_t)shift; i <= to; i++) {
        int64_t upto = owned_before(rate, st, sh, run_slots, last, ((int64_t)i + 1 - shift) * w);
        if (add32(&tl->bin[i].due, (uint64_t)(upto - before)) < 0)
            return -1;
        before = upto;
    }
    return 0;
}

int timeline_merge(struct timeline *tl, const struct timeline *from, int64_t off_us)
{
    while (tl->bin_us < from->bin_us)
        if (widen(tl) < 0)
            return -1;
    if (from->n == 0)
        return 0;
    /* The last bin first: the widening it may need comes before the rest. */
    if (at(tl, off_us + ((int64_t)from->n - 1) * from->bin_us) == 0)
        return -1;
    int64_t ratio = tl->bin_us / from->bin_us;
    int64_t shift = off_us / tl->bin_us;
    for (size_t j = 0; j < from->n; j++)
        if (bin_add(&tl->bin[shift + (int64_t)j / ratio], &from->bin[j]) < 0)
            return -1;
    if (from->end_us >= 0 && off_us + from->end_us > tl->end_us)
        return timeline_finish(tl, off_us + from->end_us);
    return 0;
}

int timeline_put(struct timeline *tl, int64_t bin_us, size_t index, uint32_t ended, uint32_t sent)
{
    if (tl->n == 0) {
        int64_t w = TIMELINE_BIN_MIN_US;
        while (w < bin_us && w < TIMELINE_BIN_MAX_US)
            w *= 10;
        if (w != bin_us)
            return -1;
        tl->bin_us = bin_us;
    }
    if (bin_us != tl->bin_us || index < tl->n || index >= TIMELINE_BINS_MAX || sent > ended
        || ended == 0 || reach(tl, index + 1) < 0)
        return -1;
    tl->bin[index].ended = ended;
    tl->bin[index].sent = sent;
    return 0;
}

void timeline_sum(const struct timeline *tl, int64_t from_us, int64_t to_us, uint64_t *due,
                  uint64_t *ended, uint64_t *sent)
{
    *due = *ended = *sent = 0;
    if (from_us < 0)
        from_us = 0;
    size_t a = (size_t)(from_us / tl->bin_us);
    size_t b = to_us <= 0 ? 0 : (size_t)((to_us + tl->bin_us - 1) / tl->bin_us);
    for (size_t i = a; i < b && i < tl->n; i++) {
        *due += tl->bin[i].due;
        *ended += tl->bin[i].ended;
        *sent += tl->bin[i].sent;
    }
}

void timeline_json(const struct timeline *tl, struct json *j)
{
    json_object(j, "timeline");
    json_int(j, "bin_us", tl->bin_us);
    json_array(j, "bins");
    for (size_t i = 0; i < tl->n; i++) {
        if (tl->bin[i].ended == 0)
            continue;
        json_array(j, 0);
        json_uint(j, 0, i);
        json_uint(j, 0, tl->bin[i].ended);
        json_uint(j, 0, tl->bin[i].sent);
        json_end(j);
    }
    json_end(j);
    json_end(j);
}
