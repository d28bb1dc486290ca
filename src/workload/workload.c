/* workload: the per-slot choices, from the seed and the slot alone. */
#include "workload/workload.h"

#include "workload/seed.h"

uint64_t workload_size(const struct workload *wl, int64_t k)
{
    return wl && wl->size_on ? size_draw(&wl->size, wl->seed, k) : 0;
}

int workload_rcpts(const struct workload *wl, int64_t k, int dflt)
{
    if (!wl || !wl->rcpts_on)
        return dflt;
    struct wl_rng r;
    wl_stream(&r, wl->seed, k, WL_RCPT_COUNT);
    return wl->rcpts_min + (int)wl_below(&r, (uint64_t)(wl->rcpts_max - wl->rcpts_min) + 1);
}
