/* mime: --content=mime: each message a multipart/mixed (RFC 2045, 2046)
 * of a text/plain and a text/html part and, from MIME_ATTACH_FROM bytes
 * on, a base64 attachment, at an exact size, as segments of a layout. The
 * parts are cut from texts the parent makes once (all workers read them,
 * none writes them); a message's own bytes are its parts' last lines.
 * Every choice (the parts' sizes, where each text starts) is drawn from the
 * slot's stream. Pure. */
#ifndef WORKLOAD_MIME_H
#define WORKLOAD_MIME_H

#include "workload/layout.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* From this size on a message carries the attachment, filling at least
 * half of it. */
#define MIME_ATTACH_FROM (150ULL * 1024)
/* A MIME message's size without --size and -l. */
#define MIME_DEFAULT_SIZE 4096
/* The longest line the shared texts hold (a part's last line is copied). */
#define MIME_LINE_MAX 200
/* The header fields mime_top gives are at most this long. */
#define MIME_TOP_MAX 128

struct mime {
    bool utf8;               /* the texts in UTF-8, sent as 8bit; else US-ASCII, 7bit */
    char *text, *html, *b64; /* whole lines, each text read round and round */
    size_t text_len, html_len, b64_len;
    char open[320];          /* the preamble and the text part's header */
    char html_head[400];     /* the html part's header and the html up to <body> */
    char close[48];          /* </body></html> and the closing delimiter */
    char attach[320];        /* </body></html> and the attachment's header */
    char end[48];            /* the closing delimiter after the attachment */
    size_t open_len, html_head_len, close_len, attach_len, end_len;
};

/* Makes the shared texts (a few MB); 0, or -1 out of memory. */
int mime_init(struct mime *m, bool utf8);

void mime_free(struct mime *m);

/* The header fields of a MIME message and the empty line that ends the
 * header section: they take the place of the generated headers' empty
 * line. */
const char *mime_top(size_t *len);

/* The smallest message with headers hl bytes (mime_top's included): the
 * skeleton, its parts empty but for one line of text. */
uint64_t mime_min(const struct mime *m, size_t hl);

/* The size a message of headers hl comes out as when size is drawn: size,
 * or mime_min when size is smaller. */
uint64_t mime_stored(const struct mime *m, size_t hl, uint64_t size);

/* Slot k's message in l: hdr (hl bytes, ending in mime_top), then the
 * parts, mime_stored(m, hl, size) bytes in all; then ".\r\n" if dot. No
 * line starts with '.', none passes MIME_LINE_MAX + 2 octets but the
 * headers'. */
void mime_build(struct layout *l, const struct mime *m, const char *hdr, size_t hl,
                uint64_t size, uint64_t seed, int64_t k, bool dot);

#endif
