/* msgprep: a corpus message made ready to send, once, at load time: CRLF
 * line ends (a lone LF becomes CRLF; a line already ending in CRLF stays),
 * an mboxrd ">From " unquoted, the Date and Message-Id fields taken out of
 * the header (--corpus-headers=fresh: the worker writes new ones where
 * they were) and dot-stuffing (RFC 5321 4.5.2; not for BDAT). Also the
 * segments a worker writes for one item. Pure: no I/O. */
#ifndef WORKLOAD_MSGPREP_H
#define WORKLOAD_MSGPREP_H

#include "workload/layout.h"

#include <stdbool.h>
#include <stddef.h>

enum prep_flags {
    PREP_UNQUOTE = 1 << 0,   /* mboxrd: ">From " loses one '>' */
    PREP_FRESH   = 1 << 1,   /* drop the header's Date and Message-Id fields */
    PREP_STUFF   = 1 << 2,   /* a line starting with '.' gets one more */
};

struct prep {
    size_t len;      /* bytes written */
    size_t stored;   /* the same without the stuffed dots: as the server stores it */
    size_t ins;      /* where fresh Date and Message-Id go: the first dropped
                        field's place, or the header's end if it had neither */
    size_t longest;  /* the longest line as stored, CRLF included */
    bool eight_bit;  /* a byte from 0x80 (or a NUL): not 7-bit content */
};

/* The most bytes prep_message can write for in (len bytes). */
size_t prep_bound(const char *in, size_t len);

/* in as flags ask, into out (prep_bound bytes); the whole ends in CRLF. */
void prep_message(const char *in, size_t len, unsigned flags, char *out, struct prep *p);

/* The stuffed form of CRLF text (not stuffed), into out (len + the number
 * of its lines bytes); returns its length. */
size_t prep_stuff(const char *in, size_t len, char *out);

/* The segments of one prepared item msg (len bytes, stored as stored):
 * msg up to ins, then hdr (hl bytes, the fresh fields), then the rest; then
 * ".\r\n" if dot. */
void prep_layout(struct layout *l, const char *msg, size_t len, size_t stored, size_t ins,
                 const char *hdr, size_t hl, bool dot);

#endif
