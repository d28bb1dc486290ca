/* stalls: stalls, the worst window, the stretches below half the offered
 * rate and the peak of due and unfinished messages, from the timeline. */
#include "report/stalls.h"

#include <stdbool.h>

/* Bin i is stalled: nothing sent in it, and by its end more slots due
 * than messages ended before it. due and ended: the sums before bin i. */
static bool stalled(const struct tl_bin *b, uint64_t due, uint64_t ended)
{
    return b->sent == 0 && due + b->due > ended;
}

static int64_t edge(const struct timeline *tl, size_t i)
{
    int64_t t = (int64_t)i * tl->bin_us;
    return tl->end_us >= 0 && t > tl->end_us ? tl->end_us : t;
}

/* One bin further, its sums taken. */
static void step(const struct timeline *tl, struct stall_cursor *c)
{
    c->due += tl->bin[c->bin].due;
    c->ended += tl->bin[c->bin].ended;
    c->bin++;
}

static bool stalled_at(const struct timeline *tl, const struct stall_cursor *c)
{
    return stalled(&tl->bin[c->bin], c->due, c->ended);
}

int stalls_next(const struct timeline *tl, struct stall_cursor *c, struct stall *s)
{
    for (;;) {
        while (c->bin < tl->n && !stalled_at(tl, c))
            step(tl, c);
        if (c->bin >= tl->n)
            return 0;
        size_t from = c->bin;
        while (c->bin < tl->n && stalled_at(tl, c))
            step(tl, c);
        s->from_us = edge(tl, from);
        s->to_us = edge(tl, c->bin);
        /* Bins past the run's end are empty, not stalls. */
        if (s->to_us > s->from_us)
            return 1;
    }
}

int stalls_longest(const struct timeline *tl, struct stall *s)
{
    struct stall cur;
    struct stall_cursor c = { 0, 0, 0 };
    int found = 0;
    while (stalls_next(tl, &c, &cur)) {
        if (!found || cur.to_us - cur.from_us > s->to_us - s->from_us)
            *s = cur;
        found = 1;
    }
    return found;
}

/* Window k of window_us (whole bins) as a stretch, cut by the run's end.
 * 0 once past the bins. */
static int window(const struct timeline *tl, int64_t window_us, int64_t k, struct stretch *w)
{
    int64_t len = (window_us + tl->bin_us - 1) / tl->bin_us * tl->bin_us;
    if (len <= 0)
        len = tl->bin_us;
    w->from_us = k * len;
    w->to_us = w->from_us + len;
    if (w->from_us >= (int64_t)tl->n * tl->bin_us)
        return 0;
    if (tl->end_us >= 0 && w->to_us > tl->end_us)
        w->to_us = tl->end_us > w->from_us ? tl->end_us : w->from_us;
    uint64_t ended;
    timeline_sum(tl, w->from_us, w->to_us, &w->due, &ended, &w->sent);
    return 1;
}

/* a achieved less than b, per second of each. */
static bool worse(const struct stretch *a, const struct stretch *b)
{
    return (double)a->sent * (double)(b->to_us - b->from_us)
         < (double)b->sent * (double)(a->to_us - a->from_us);
}

int stalls_worst_window(const struct timeline *tl, int64_t window_us, struct stretch *w)
{
    struct stretch cur;
    int found = 0;
    for (int64_t k = 0; window(tl, window_us, k, &cur); k++) {
        if (cur.due == 0 || cur.to_us <= cur.from_us)
            continue;
        if (!found || worse(&cur, w))
            *w = cur;
        found = 1;
    }
    return found;
}

static bool below_half(const struct stretch *w)
{
    return w->due > 0 && w->to_us > w->from_us && 2 * w->sent < w->due;
}

static void sums(const struct timeline *tl, struct stretch *s)
{
    uint64_t ended;
    timeline_sum(tl, s->from_us, s->to_us, &s->due, &ended, &s->sent);
}

/* Window k is below half: it had slots due, and fewer messages sent than
 * half of them. */
static bool low_window(const struct timeline *tl, int64_t window_us, int64_t k)
{
    struct stretch w;
    return window(tl, window_us, k, &w) && below_half(&w);
}

/* The longest stall that overlaps a window below half, if it is at least
 * half a window long: a stall is what such a window was. */
static int stall_in_low(const struct timeline *tl, int64_t window_us, struct stretch *s)
{
    struct stretch w;
    window(tl, window_us, 0, &w);
    int64_t len = w.to_us - w.from_us;
    struct stall st;
    struct stall_cursor c = { 0, 0, 0 };
    int found = 0;
    while (stalls_next(tl, &c, &st)) {
        if (st.to_us - st.from_us < (len + 1) / 2 || (found && st.to_us - st.from_us <= s->to_us - s->from_us))
            continue;
        int low = 0;
        for (int64_t k = st.from_us / len; k * len < st.to_us && !low; k++)
            low = low_window(tl, window_us, k);
        if (low) {
            s->from_us = st.from_us;
            s->to_us = st.to_us;
            found = 1;
        }
    }
    return found;
}

unsigned stalls_below_half(const struct timeline *tl, int64_t window_us, struct stretch *best)
{
    struct stretch cur, run = { 0, 0, 0, 0 };
    unsigned count = 0;
    bool open = false;
    for (int64_t k = 0;; k++) {
        int more = window(tl, window_us, k, &cur);
        if (more && below_half(&cur)) {
            if (!open)
                run = cur;
            run.to_us = cur.to_us;
            open = true;
            continue;
        }
        if (open) {
            if (count == 0 || run.to_us - run.from_us > best->to_us - best->from_us)
                *best = run;
            count++;
            open = false;
        }
        if (!more)
            break;
    }
    if (count)
        stall_in_low(tl, window_us, best);
    if (count)
        sums(tl, best);
    return count;
}

void stalls_peak(const struct timeline *tl, uint64_t *low, uint64_t *high)
{
    uint64_t due = 0, ended = 0;
    *low = *high = 0;
    for (size_t i = 0; i < tl->n; i++) {
        if (due > ended && due - ended > *low)
            *low = due - ended;
        uint64_t by_end = due + tl->bin[i].due;
        if (by_end > ended && by_end - ended > *high)
            *high = by_end - ended;
        due = by_end;
        ended += tl->bin[i].ended;
    }
    if (due > ended && due - ended > *low)
        *low = due - ended;
}
