/* libFuzzer: --fail-if expressions: whatever the text, the parse ends
 * with a reason or a threshold in range, and judging it on a small run
 * never fails the condition's own logic (>= holds wherever > does). */
#include "verdict/threshold.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct stats st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[128], why[256];
    if (size >= sizeof(s) || memchr(data, 0, size))
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    if (st.requested == 0) {
        stats_init(&st, 3);
        struct record r;
        memset(&r, 0, sizeof(r));
        r.type = REC_MESSAGE;
        r.flags = RF_SENT;
        r.phase_mask = 1u << PH_MESSAGE;
        r.phase_us[PH_MESSAGE] = 1500;
        stats_add(&st, &r);
        stats_finish(&st);
    }
    struct threshold t;
    why[0] = 0;
    if (threshold_parse(s, &t, why, sizeof(why)) < 0) {
        if (why[0] == 0 || strlen(why) >= sizeof(why))
            abort();
        return 0;
    }
    if (t.metric == TH_LATENCY && (t.view < 0 || t.view > TH_VIEW_LAG || t.unit != TH_NS
                                   || (t.stat == TH_QUANTILE && !(t.q > 0 && t.q <= 1))))
        abort();
    if (t.dec < 0 || t.dec > 9)
        abort();
    struct threshold_result gt, ge;
    t.op = TH_GT;
    threshold_judge(&t, &st, &gt);
    t.op = TH_GE;
    threshold_judge(&t, &st, &ge);
    if (gt.known != ge.known || (!gt.passed && ge.passed))
        abort();
    return 0;
}
