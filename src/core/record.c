/* record: the records' framing on the pipe, the reading side. */
#include "core/record.h"

#include <limits.h>
#include <string.h>

_Static_assert(sizeof(struct record) + REC_TEXT_MAX <= PIPE_BUF,
               "a record must fit one atomic pipe write");

size_t record_split(char *buf, size_t len, record_fn on_record, void *ctx, int *stop)
{
    size_t pos = 0;
    struct record r;
    char text[REC_TEXT_MAX + 1];

    while (len - pos >= sizeof(r)) {
        memcpy(&r, buf + pos, sizeof(r));
        /* A writer never sends more than REC_TEXT_MAX; a longer length
         * is read as that much, so the stream stays in step. */
        size_t tl = r.text_len <= REC_TEXT_MAX ? r.text_len : REC_TEXT_MAX;
        if (len - pos < sizeof(r) + tl)
            break;
        memcpy(text, buf + pos + sizeof(r), tl);
        text[tl] = 0;
        r.text_len = (uint16_t)tl;
        if (on_record(ctx, &r, text))
            *stop = 1;
        pos += sizeof(r) + tl;
    }
    memmove(buf, buf + pos, len - pos);
    return len - pos;
}
