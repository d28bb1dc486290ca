/* message: the bytes of a message, built once and reused for every send.
 * The body (default text, the -l payload, or an -F file dot-stuffed with
 * CRLF line ends) is built once with the end-of-data dot appended; only the
 * generated headers vary per message. Pure: no I/O. */
#ifndef MESSAGE_H
#define MESSAGE_H

#include <stddef.h>
#include <time.h>

/* Each returns a malloc'ed buffer holding the content followed by ".\r\n",
 * and its length in *len; NULL if out of memory. */
char *msg_body_default(size_t *len);
char *msg_body_length(size_t n, size_t *len);
char *msg_body_file(const char *data, size_t size, size_t *len);

/* The same content as BDAT carries it (RFC 3030): without the final dot
 * and with the dot-stuffing undone; into a new buffer. NULL if out of
 * memory. */
char *msg_body_unstuffed(const char *body, size_t len, size_t *outlen);

/* "Tue, 24 Nov 2026 03:34:33 +0000 (UTC)" for t in the local time zone. */
void msg_date(time_t t, char *out, size_t outlen);

struct msg_headers {
    const char *sender;
    const char *recipient;
    const char *date;
    const char *myhostname;
    const char *subject;     /* NULL: no Subject: header */
};

/* The most bytes msg_format_headers can need for h. */
size_t msg_headers_max(const struct msg_headers *h);

/* From, To, Date, Message-Id <pid.fd.count@host>, Subject, empty line.
 * Returns the length written (buf must hold msg_headers_max bytes). */
size_t msg_format_headers(char *buf, const struct msg_headers *h,
                          unsigned long pid, unsigned long fd, unsigned long count);

#endif
