/* libFuzzer: strict numbers: a value is returned only for all-digit text
 * within range, and it is the text's exact value. */
#include "core/numparse.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    if (size >= sizeof(s) || memchr(data, 0, size))
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    long long v;
    if (num_parse(s, 1, INT_MAX, &v) == 0) {
        if (v < 1 || v > INT_MAX || size == 0)
            abort();
        for (size_t i = 0; i < size; i++)
            if (s[i] < '0' || s[i] > '9')
                abort();
        if (strtoll(s, 0, 10) != v)
            abort();
    }
    return 0;
}
