/* libFuzzer: the mboxrd splitter and a message's preparation. The
 * messages lie inside the file, in order, without overlap; preparing one
 * stays within prep_bound, ends in CRLF, has no bare LF, puts the fresh
 * fields' place on a line's start, and its stuffed dots are the only
 * difference between the stored size and the length. */
#include "workload/mbox.h"
#include "workload/msgprep.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void prepare(const char *m, size_t len, unsigned flags)
{
    size_t bound = prep_bound(m, len);
    char *out = malloc(bound + 1);
    if (out == 0)
        return;
    struct prep p;
    prep_message(m, len, flags, out, &p);
    if (p.len > bound || p.stored > p.len || p.ins > p.len)
        abort();
    if (len > 0 && (p.len < 2 || memcmp(out + p.len - 2, "\r\n", 2) != 0) && p.len != 0)
        abort();
    if (p.ins > 0 && (out[p.ins - 1] != '\n' || out[p.ins - 2] != '\r'))
        abort();
    size_t dots = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
            abort();
        if ((i == 0 || out[i - 1] == '\n') && out[i] == '.')
            dots++;
    }
    if ((flags & PREP_STUFF) && p.len - p.stored > dots)
        abort();
    if (!(flags & PREP_STUFF) && p.len != p.stored)
        abort();
    /* What the load warns of: the longest line as stored (a stuffed dot
     * may add one), and 8-bit bytes or NULs. */
    size_t longest = 0, line = 0;
    int eight = 0;
    for (size_t i = 0; i < p.len; i++) {
        line++;
        eight |= (unsigned char)out[i] >= 0x80 || out[i] == 0;
        if (out[i] == '\n') {
            if (line > longest)
                longest = line;
            line = 0;
        }
    }
    if (p.longest > longest || p.longest + 1 < longest || (p.len && !p.longest))
        abort();
    if (p.eight_bit != eight)
        abort();
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    size_t pos = 0, s, e, last = 0;
    unsigned k = 0;
    if (mbox_next(d, size, &pos, &s, &e) != mbox_is(d, size))
        abort();
    pos = 0;
    while (mbox_next(d, size, &pos, &s, &e)) {
        if (s < last || e < s || e > size || pos > size || pos < e)
            abort();
        last = pos;
        prepare(d + s, e - s, (PREP_UNQUOTE | (k & 1 ? PREP_FRESH : 0) | (k & 2 ? PREP_STUFF : 0)));
        k++;
    }
    prepare(d, size, PREP_FRESH | PREP_STUFF);
    return 0;
}
