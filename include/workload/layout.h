/* layout: a message of a drawn size as segments to write: the generated
 * headers, then a body cut from a fill text that the parent made once (all
 * workers read it, none writes it), then a short tail; with the dot or, for
 * BDAT, without. The fill's lines never start with '.', so the body needs
 * no dot-stuffing and is the same under DATA and BDAT. Pure. */
#ifndef WORKLOAD_LAYOUT_H
#define WORKLOAD_LAYOUT_H

#include "workload/sizespec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The fill: lines of 80 bytes (a digit, 77 'X', CRLF) whose pattern
 * repeats every 800 bytes, so FILL_LEN bytes follow on from themselves. */
#define FILL_LEN 1024000
#define LAYOUT_SEGS ((int)(SIZE_LIMIT / FILL_LEN) + 5)
/* A message's own bytes: a sized body's last line, MIME's parts' last
 * lines (workload/mime.h). */
#define LAYOUT_TAIL 512

/* A malloc'd fill of FILL_LEN bytes; NULL if out of memory. */
char *layout_fill(void);

struct layout {
    struct iovec seg[LAYOUT_SEGS];
    int n;
    uint64_t total;          /* bytes of all segments */
    uint64_t stored;         /* the same without the dot: the size as stored */
    char tail[LAYOUT_TAIL];
};

/* hdr (hl bytes), then a body that makes the message as stored size
 * bytes: exactly, when size is hl or at least hl + 2 (a body ends in CRLF:
 * hl + 1 becomes hl + 2; less than hl becomes hl); then ".\r\n" if dot. */
void layout_build(struct layout *l, const char *hdr, size_t hl, const char *fill,
                  uint64_t size, bool dot);

/* For other kinds of message (workload/mime.h): l emptied; a segment of
 * len bytes at p appended (none if len is 0); the end: stored set, then
 * ".\r\n" if dot. */
void layout_start(struct layout *l);
void layout_add(struct layout *l, const void *p, uint64_t len);
void layout_end(struct layout *l, bool dot);

/* The size a message of headers hl comes out as when size is drawn. */
uint64_t layout_stored(size_t hl, uint64_t size);

/* The bytes [off, off + len) of the layout as at most max iovecs in out;
 * returns their count. */
int layout_range(const struct layout *l, uint64_t off, uint64_t len, struct iovec *out, int max);

#endif
