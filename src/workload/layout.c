/* layout: a sized message as segments over the shared fill. */
#include "workload/layout.h"

#include <stdlib.h>
#include <string.h>

#define LINE 80

char *layout_fill(void)
{
    char *f = malloc(FILL_LEN);
    if (f == 0)
        return 0;
    memset(f, 'X', FILL_LEN);
    for (size_t i = 0; i < FILL_LEN; i += LINE) {
        f[i] = (char)('0' + (i / LINE) % 10);
        f[i + LINE - 2] = '\r';
        f[i + LINE - 1] = '\n';
    }
    return f;
}

uint64_t layout_stored(size_t hl, uint64_t size)
{
    if (size <= hl)
        return hl;
    return size == hl + 1 ? hl + 2 : size;
}

void layout_start(struct layout *l)
{
    l->n = 0;
    l->total = 0;
}

void layout_add(struct layout *l, const void *p, uint64_t len)
{
    if (len == 0)
        return;
    l->seg[l->n].iov_base = (void *)p;
    l->seg[l->n++].iov_len = (size_t)len;
    l->total += len;
}

void layout_build(struct layout *l, const char *hdr, size_t hl, const char *fill,
                  uint64_t size, bool dot)
{
    layout_start(l);
    layout_add(l, hdr, hl);
    uint64_t body = layout_stored(hl, size) - hl;
    if (body >= 2) {
        uint64_t prefix = body - 2;
        /* A cut just after a line's CR would leave it bare before our
         * CRLF: that byte becomes an 'X' of the tail instead. */
        size_t t = 0;
        if (prefix > 0 && (prefix - 1) % LINE == LINE - 2) {
            prefix--;
            l->tail[t++] = 'X';
        }
        l->tail[t++] = '\r';
        l->tail[t++] = '\n';
        for (uint64_t off = 0; off < prefix; off += FILL_LEN)
            layout_add(l, fill, prefix - off < FILL_LEN ? prefix - off : FILL_LEN);
        layout_add(l, l->tail, t);
    }
    layout_end(l, dot);
}

void layout_end(struct layout *l, bool dot)
{
    l->stored = l->total;
    if (dot)
        layout_add(l, ".\r\n", 3);
}

int layout_range(const struct layout *l, uint64_t off, uint64_t len, struct iovec *out, int max)
{
    int n = 0;
    uint64_t at = 0;
    for (int i = 0; i < l->n && len > 0 && n < max; i++) {
        uint64_t sl = l->seg[i].iov_len;
        if (off >= at + sl) {
            at += sl;
            continue;
        }
        uint64_t from = off - at, take = sl - from < len ? sl - from : len;
        out[n].iov_base = (char *)l->seg[i].iov_base + from;
        out[n++].iov_len = (size_t)take;
        off += take;
        len -= take;
        at += sl;
    }
    return n;
}
