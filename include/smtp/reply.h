/* reply: the SMTP reply reader, pure over a byte buffer.
 * Feed it whatever arrived; it splits lines at LF (dropping trailing CRs),
 * keeps at most REPLY_LINE_KEEP bytes of each line, parses the code and
 * the continuation mark, joins the text, and says when the reply is
 * complete. Every limit is fixed, so a hostile server cannot make it grow. */
#ifndef REPLY_H
#define REPLY_H

#include <stddef.h>

/* A line is kept up to 12288 bytes: an AUTH challenge may be that long
 * (RFC 4954 4). */
#define REPLY_LINE_KEEP  12288   /* bytes of a line that are kept */
#define REPLY_LINE_LIMIT 20480   /* a longer line (its end not counted) is an error */
#define REPLY_TEXT_KEEP  10240   /* text appending stops once this is reached */
#define REPLY_LINES_MAX  1000    /* a reply of more lines is a protocol error */

enum reply_status {
    REPLY_MORE,        /* need more bytes */
    REPLY_DONE,        /* a complete reply is in r->code / r->text */
    REPLY_LINE_TOO_LONG,
    REPLY_TOO_MANY_LINES,
};

/* Called once per complete line (censored, NUL-terminated), e.g. for -v;
 * and, for on_text, with the line's text after the code and its '-' (so
 * that EHLO keywords are read on every line, not only in the joined text,
 * which keeps REPLY_TEXT_KEEP bytes). */
typedef void (*reply_line_fn)(void *ctx, const char *line, size_t len);

struct reply {
    int code;                  /* of the last line; 0 if not exactly 3 digits */
    int lines;
    int cut;                   /* a line was longer than REPLY_LINE_KEEP: text lacks its end */
    size_t text_len;
    char text[REPLY_TEXT_KEEP + REPLY_LINE_KEEP + 2];
    /* scanner state */
    size_t line_len;           /* bytes of the current line seen so far */
    size_t line_kept;
    char line[REPLY_LINE_KEEP + 1];
    size_t line_crs;           /* CRs at the end of what was seen of the line */
    reply_line_fn on_line;
    void *on_line_ctx;
    reply_line_fn on_text;
    void *on_text_ctx;
};

/* Starts a new reply (keeps on_line). */
void reply_begin(struct reply *r);

/* Consumes bytes from buf; *used says how many. Stops right after the
 * line that completes a reply, so bytes of a following reply stay unread. */
enum reply_status reply_scan(struct reply *r, const char *buf, size_t len, size_t *used);

/* The class of a code: 2, 3, 4, 5, or 0 for anything else. */
int reply_class(int code);

#endif
