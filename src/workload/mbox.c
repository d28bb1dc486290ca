/* mbox: the mboxrd splitter. */
#include "workload/mbox.h"

#include <string.h>

static bool from_line(const char *p, size_t n)
{
    return n >= 5 && memcmp(p, "From ", 5) == 0;
}

bool mbox_is(const char *data, size_t len)
{
    return from_line(data, len);
}

/* The offset of the next line starting "From " at or after from (which
 * is a line's start); len if none. */
static size_t next_from(const char *data, size_t len, size_t from)
{
    size_t i = from;
    while (i < len) {
        if (from_line(data + i, len - i))
            return i;
        const char *nl = memchr(data + i, '\n', len - i);
        if (nl == 0)
            return len;
        i = (size_t)(nl - data) + 1;
    }
    return len;
}

bool mbox_next(const char *data, size_t len, size_t *pos, size_t *start, size_t *end)
{
    size_t i = *pos;
    if (i >= len || !from_line(data + i, len - i))
        return false;
    /* The From_ line is the envelope's, not the message's. */
    const char *nl = memchr(data + i, '\n', len - i);
    size_t s = nl ? (size_t)(nl - data) + 1 : len;
    size_t e = next_from(data, len, s);
    *pos = e;
    /* The writer's blank separator line before the next From_ (or at the
     * file's end) is dropped: one empty line, LF or CRLF. */
    if (e - s >= 2 && data[e - 1] == '\n' && data[e - 2] == '\n')
        e--;
    else if (e - s >= 4 && memcmp(data + e - 4, "\r\n\r\n", 4) == 0)
        e -= 2;
    *start = s;
    *end = e;
    return true;
}

bool mbox_quoted(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == '>')
        i++;
    return i > 0 && from_line(p + i, n - i);
}
