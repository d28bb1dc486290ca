/* libFuzzer: the reply scanner over arbitrary bytes, fed in pieces whose
 * sizes come from the input itself. It must never read out of bounds,
 * grow past its limits, or lose track of where a reply ends. */
#include "smtp/reply.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static struct reply r;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1, pos = 0;

    reply_begin(&r);
    while (pos < len) {
        size_t n = len - pos < step ? len - pos : step, used = 0;
        enum reply_status st = reply_scan(&r, buf + pos, n, &used);
        if (used > n)
            abort();
        pos += used;
        if (r.text_len > REPLY_TEXT_KEEP + REPLY_LINE_KEEP || r.line_kept > REPLY_LINE_KEEP)
            abort();
        if (st == REPLY_DONE) {
            if (r.code < 0 || r.code > 999)
                abort();
            reply_begin(&r);
        } else if (st != REPLY_MORE) {
            break;
        }
    }
    return 0;
}
