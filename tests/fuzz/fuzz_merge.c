/* libFuzzer: --merge's reading of a report (mergeread.c, merge.c). Any
 * bytes as a shard's report: refused with one line naming the input, or
 * merged into a report whose counts are the report's own (one input: a
 * merge adds nothing to it), its workload part's too. Seeded with real
 * reports. */
#include "merge/merge.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (text == 0)
        return 0;
    memcpy(text, data, size);
    struct merge_input in = { "r.json", text, size };
    struct merge_result res;
    char why[512] = "";
    if (merge_reports(&in, 1, &res, why, sizeof(why)) < 0) {
        if (strncmp(why, "r.json: ", 8) != 0 || strchr(why, '\n'))
            abort();
    } else {
        const struct stats *st = res.st;
        uint64_t n = 0;
        for (size_t i = 0; i < HIST_BUCKETS; i++)
            n += st->phase[PH_MESSAGE].bucket[i];
        if (n != st->phase[PH_MESSAGE].count || res.merged.n != 1
            || res.merged.missing_n + 1 != res.merged.expected)
            abort();
        if (res.mix) {
            uint64_t sizes = 0, dots = 0;
            for (size_t i = 0; i < HIST_BUCKETS; i++)
                sizes += res.mix->size.bucket[i];
            for (int c = 0; c < MIX_CLASSES; c++)
                dots += res.mix->dot[c].count;
            if (sizes != res.mix->size.count || dots > sizes
                || res.mix->size_total != res.mix->size.sum)
                abort();
        }
    }
    merge_result_free(&res);
    free(text);
    return 0;
}
