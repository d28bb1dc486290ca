/* libFuzzer: --start-at values: what is accepted is an instant from 1970
 * on; written back in UTC it reads as the same instant (to the
 * microsecond the text keeps); an @seconds value is the number strtod
 * reads from the same text. */
#include "core/startat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64], why[96], back[64];
    if (size >= sizeof(s) || memchr(data, 0, size))
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    int64_t ns, again;
    if (startat_parse(s, &ns, why, sizeof(why)) < 0) {
        if (why[0] == 0)
            abort();
        return 0;
    }
    if (ns < 0)
        abort();
    startat_format(ns, back, sizeof(back));
    if (startat_parse(back, &again, why, sizeof(why)) < 0 || again != ns - ns % 1000)
        abort();
    if (s[0] == '@') {
        double want = strtod(s + 1, 0) * 1e9, d = (double)ns - want;
        if ((d < 0 ? -d : d) > 1e-9 * want + 1)
            abort();
    }
    return 0;
}
