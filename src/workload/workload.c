/* workload: the per-slot choices, from the seed and the slot alone. */
#include "workload/workload.h"

#include "workload/seed.h"

uint64_t workload_size(const struct workload *wl, int64_t k)
{
    return wl && wl->size_on ? size_draw(&wl->size, wl->seed, k) : 0;
}

const char *workload_sender(const struct workload *wl, int64_t k, const char *dflt)
{
    if (!wl || !wl->from_on)
        return dflt;
    struct wl_rng r;
    wl_stream(&r, wl->seed, k, WL_FROM);
    return wl->from_list.item[wlist_draw(&wl->from_list, &r)];
}

void workload_recipients(const struct workload *wl, int64_t k, size_t n, size_t *idx)
{
    struct wl_rng r;
    if (wl->rcpt_file_on) {
        wl_stream(&r, wl->seed, k, WL_RCPT_PICK);
        wlist_draw_distinct(&wl->rcpt_list, &r, idx, n);
    } else if (wl->domains_on) {
        wl_stream(&r, wl->seed, k, WL_RCPT_DOMAIN);
        for (size_t i = 0; i < n; i++)
            idx[i] = wlist_draw(&wl->domains, &r);
    }
}

size_t workload_item(const struct workload *wl, int64_t k)
{
    if (!wl->corpus_random)
        return (size_t)((uint64_t)k % wl->corpus.n);
    struct wl_rng r;
    wl_stream(&r, wl->seed, k, WL_CORPUS);
    return (size_t)wl_below(&r, wl->corpus.n);
}

int workload_rcpts(const struct workload *wl, int64_t k, int dflt)
{
    if (!wl || !wl->rcpts_on)
        return dflt;
    struct wl_rng r;
    wl_stream(&r, wl->seed, k, WL_RCPT_COUNT);
    return wl->rcpts_min + (int)wl_below(&r, (uint64_t)(wl->rcpts_max - wl->rcpts_min) + 1);
}

const char *workload_size_label(const struct workload *wl)
{
    return wl->size_on     ? wl->size_text
         : wl->corpus_on   ? wl->corpus_label
         : wl->mime_on     ? "content=mime"
                           : "content=plain";
}
