#include "smtp/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char dot[] = ".\r\n";
#define DOT_LEN (sizeof(dot) - 1)

char *msg_body_default(size_t *len)
{
    static const char text[] =
        "La de da de da 1.\r\n"
        "La de da de da 2.\r\n"
        "La de da de da 3.\r\n"
        "La de da de da 4.\r\n"
        ".\r\n";
    char *b = malloc(sizeof(text));
    if (b == 0)
        return 0;
    memcpy(b, text, sizeof(text));
    *len = sizeof(text) - 1;
    return b;
}

/* n bytes of 'X'; every 80 bytes a line ends in CRLF and the next begins
 * with its line number mod 10, so no line can start with '.'. The last,
 * partial line is ended by one more CRLF. */
char *msg_body_length(size_t n, size_t *len)
{
    size_t total = n + 2 + DOT_LEN;
    char *b = malloc(total);
    if (b == 0)
        return 0;
    memset(b, 'X', n);
    for (size_t i = 80; i < n; i += 80) {
        b[i - 80] = (char)('0' + (i / 80) % 10);
        b[i - 2] = '\r';
        b[i - 1] = '\n';
    }
    memcpy(b + n, "\r\n", 2);
    memcpy(b + n + 2, dot, DOT_LEN);
    *len = total;
    return b;
}

char *msg_body_file(const char *data, size_t size, size_t *len)
{
    if (size == 0)
        return msg_body_default(len);

    /* Each line grows by at most 3 bytes: a stuffed '.' and CRLF for its
     * LF (or for no LF at all, on a last line). Then the empty line. */
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    size_t cap = size + lines * 3 + 2 + DOT_LEN;
    char *b = malloc(cap);
    if (b == 0)
        return 0;

    size_t o = 0, start = 0;
    while (start < size) {
        const char *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        if (data[start] == '.' && end > start)
            b[o++] = '.';
        memcpy(b + o, data + start, end - start);
        o += end - start;
        b[o++] = '\r';
        b[o++] = '\n';
        start = end + 1;
    }
    /* The reference ends the block with one more CRLF: an empty last line. */
    b[o++] = '\r';
    b[o++] = '\n';
    memcpy(b + o, dot, DOT_LEN);
    *len = o + DOT_LEN;
    return b;
}

char *msg_body_unstuffed(const char *body, size_t len, size_t *outlen)
{
    if (len >= DOT_LEN)
        len -= DOT_LEN;
    char *b = malloc(len + 1);
    if (b == 0)
        return 0;
    size_t o = 0;
    int line_start = 1;
    for (size_t i = 0; i < len; i++) {
        /* A stuffed line starts with two dots; BDAT carries one. */
        if (line_start && body[i] == '.' && i + 1 < len && body[i + 1] == '.')
            i++;
        b[o++] = body[i];
        line_start = body[i] == '\n';
    }
    *outlen = o;
    return b;
}

void msg_date(time_t t, char *out, size_t outlen)
{
    struct tm lt, gt;
    char head[64], zone[32];

    localtime_r(&t, &lt);
    gmtime_r(&t, &gt);
    long off = (lt.tm_hour - gt.tm_hour) * 60L + (lt.tm_min - gt.tm_min);
    int days = lt.tm_year != gt.tm_year ? (lt.tm_year < gt.tm_year ? -1 : 1)
                                        : lt.tm_yday - gt.tm_yday;
    off += days * 24L * 60L;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    strftime(head, sizeof(head), "%a, %d %b %Y %H:%M:%S", &lt);
    if (strftime(zone, sizeof(zone), "%Z", &lt) == 0)
        zone[0] = 0;
    snprintf(out, outlen, "%s %c%02ld%02ld (%s)", head, sign, off / 60, off % 60, zone);
}

size_t msg_headers_max(const struct msg_headers *h)
{
    return strlen(h->sender) + strlen(h->recipient) + strlen(h->date)
        + strlen(h->myhostname) + (h->subject ? strlen(h->subject) : 0) + 128;
}

size_t msg_format_headers(char *buf, const struct msg_headers *h,
                          unsigned long pid, unsigned long fd, unsigned long count)
{
    size_t cap = msg_headers_max(h);
    int n = snprintf(buf, cap,
                     "From: <%s>\r\nTo: <%s>\r\nDate: %s\r\n"
                     "Message-Id: <%04lx.%04lx.%04lx@%s>\r\n",
                     h->sender, h->recipient, h->date, pid, fd, count, h->myhostname);
    size_t o = (size_t)n;
    if (h->subject)
        o += (size_t)snprintf(buf + o, cap - o, "Subject: %s\r\n", h->subject);
    memcpy(buf + o, "\r\n", 2);
    return o + 2;
}
