/* libFuzzer: --size's SPEC and its @FILE table. What is accepted draws
 * sizes from 1 to SIZE_LIMIT, within the spec's bounds; a table's draws
 * are among its rows; what is refused says why. */
#include "workload/sizespec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void draws(const struct size_spec *sp)
{
    uint64_t max = size_max(sp);
    if (max < 1 || max > SIZE_LIMIT)
        abort();
    for (int64_t k = 0; k < 16; k++) {
        uint64_t v = size_draw(sp, (uint64_t)k * 7919, k);
        if (v < 1 || v > max)
            abort();
        if (sp->kind == SIZE_UNIFORM && (v < sp->a || v > sp->b))
            abort();
        if (sp->kind == SIZE_TABLE) {
            size_t i = 0;
            while (i < sp->n && sp->size[i] != v)
                i++;
            if (i == sp->n)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct size_spec sp;
    char why[160];
    char s[128];

    if (size < sizeof(s)) {
        memcpy(s, data, size);
        s[size] = 0;
        why[0] = 0;
        if (size_parse(s, &sp, why, sizeof(why)) == 0)
            draws(&sp);
        else if (why[0] == 0)
            abort();
    }
    why[0] = 0;
    if (size_table((const char *)data, size, &sp, why, sizeof(why)) == 0) {
        draws(&sp);
        size_free(&sp);
    } else if (why[0] == 0 || sp.size || sp.cum) {
        abort();
    }
    return 0;
}
