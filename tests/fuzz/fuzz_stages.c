/* libFuzzer: --stages lists: whatever the text, a reason or stages that
 * last at most a week and offer slots whose due times never run
 * backwards and agree with the counts due before them. */
#include "run/schedule.h"
#include "verdict/stages.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[512], why[256];
    if (size >= sizeof(s) || memchr(data, 0, size))
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    static struct stages st;
    why[0] = 0;
    if (stages_parse(s, &st, why, sizeof(why)) < 0) {
        if (why[0] == 0)
            abort();
        return 0;
    }
    int64_t len = schedule_stages_len_ns(&st), all = schedule_stages_slots(&st);
    if (st.n == 0 || st.n > STAGES_MAX || len <= 0 || len > DURATION_MAX_NS || all <= 0)
        abort();
    int64_t step = all / 64 + 1, last = 0;
    for (int64_t k = 0; k < all; k += step) {
        int64_t t = schedule_stages_due_ns(&st, k);
        if (t < last || t > len || schedule_stages_slots_within(&st, t) > k
            || schedule_stages_slots_within(&st, t + 1) < k + 1)
            abort();
        last = t;
    }
    if (schedule_stages_slots_within(&st, len + 1) != all)
        abort();
    return 0;
}
