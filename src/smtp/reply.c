/* reply: the SMTP reply reader, pure over a byte buffer. */
#include "smtp/reply.h"

#include <string.h>

void reply_begin(struct reply *r)
{
    r->code = 0;
    r->lines = 0;
    r->cut = 0;
    r->text_len = 0;
    r->text[0] = 0;
    r->line_len = 0;
    r->line_kept = 0;
    r->line_crs = 0;
}

int reply_class(int code)
{
    int c = code / 100;
    return code >= 200 && code <= 599 ? c : 0;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Anything not printable ASCII and not white space becomes '?', so that
 * reply text can be printed and logged without surprises. */
static void censor(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= 0x20 && c < 0x7f) && !is_space(c))
            s[i] = '?';
    }
}

/* Parses the finished line; returns 1 if it ends the reply. */
static int finish_line(struct reply *r)
{
    char *line = r->line;
    size_t len = r->line_kept;
    size_t digits = 0;

    if (r->line_len - r->line_crs > REPLY_LINE_KEEP)
        r->cut = 1;
    while (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = 0;
    censor(line, len);
    if (r->on_line)
        r->on_line(r->on_line_ctx, line, len);

    while (digits < len && is_digit((unsigned char)line[digits]))
        digits++;
    r->code = digits == 3
        ? (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0')
        : 0;
    int more = digits < len && line[digits] == '-';

    size_t p = digits + (size_t)more;
    while (p < len && is_space((unsigned char)line[p]))
        p++;
    if (r->on_text)
        r->on_text(r->on_text_ctx, line + p, len - p);
    if (r->text_len < REPLY_TEXT_KEEP) {
        if (r->lines > 0)
            r->text[r->text_len++] = '\n';
        memcpy(r->text + r->text_len, line + p, len - p);
        r->text_len += len - p;
        r->text[r->text_len] = 0;
    }
    r->lines++;
    r->line_len = 0;
    r->line_kept = 0;
    r->line_crs = 0;
    return !more;
}

enum reply_status reply_scan(struct reply *r, const char *buf, size_t len, size_t *used)
{
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t chunk = nl ? (size_t)(nl - (buf + pos)) : len - pos;

        if (r->line_kept < REPLY_LINE_KEEP) {
            size_t take = REPLY_LINE_KEEP - r->line_kept;
            if (take > chunk)
                take = chunk;
            memcpy(r->line + r->line_kept, buf + pos, take);
            r->line_kept += take;
        }
        /* The CRs before the LF end the line; they do not count in its
         * length, so that CRLF and LF lines have the same limit. */
        size_t crs = 0;
        while (crs < chunk && buf[pos + chunk - 1 - crs] == '\r')
            crs++;
        r->line_crs = crs == chunk ? r->line_crs + crs : crs;
        r->line_len += chunk;
        pos += chunk;
        if (r->line_len - r->line_crs > REPLY_LINE_LIMIT) {
            *used = pos;
            return REPLY_LINE_TOO_LONG;
        }
        if (!nl)
            break;
        pos++;                     /* the LF */
        if (r->lines >= REPLY_LINES_MAX) {
            *used = pos;
            return REPLY_TOO_MANY_LINES;
        }
        if (finish_line(r)) {
            *used = pos;
            return REPLY_DONE;
        }
    }
    *used = pos;
    return REPLY_MORE;
}
