/* mime: --content=mime's messages as bytes: exact sizes over many slots
 * and sizes, the multipart structure, 7-bit without UTF-8, line lengths,
 * the base64 attachment from 150 KB on, the same bytes for a seed. */
#include "check.h"

#include "workload/layout.h"
#include "workload/mime.h"
#include "workload/seed.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define B "=_smtp-source_mime_5a17"
static const char hdr_plain[] = "From: <a@b.test>\r\nTo: <c@d.test>\r\n"
                                "Date: Sat, 05 Dec 2026 07:34:12 +0000 (UTC)\r\n"
                                "Message-Id: <1972.0003.0001@vm>\r\n";
static char hdr[512];
static size_t hl;

static char *buf;
static size_t cap;

/* The layout's bytes, in buf; their length. */
static size_t flatten(const struct layout *l)
{
    size_t n = 0;
    for (int i = 0; i < l->n; i++) {
        if (n + l->seg[i].iov_len > cap) {
            cap = (n + l->seg[i].iov_len) * 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + n, l->seg[i].iov_base, l->seg[i].iov_len);
        n += l->seg[i].iov_len;
    }
    return n;
}

/* Valid UTF-8 (no check of overlong forms: the texts are ours). */
static bool utf8_ok(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        size_t need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
        if (need == 0 || i + need > n)
            return false;
        for (size_t j = 1; j < need; j++)
            if (((unsigned char)p[i + j] & 0xc0) != 0x80)
                return false;
        i += need;
    }
    return true;
}

static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nl) == 0)
            return hay + i;
    return 0;
}

struct seen {
    int bad_size, bad_line, bad_dot, bad_8bit, bad_shape, bad_b64, small_attach, bad_utf8;
    int attached, eight;
};

/* The base64 part from p to the closing delimiter: lines of 76 of the
 * alphabet, the last one whole groups of 4; its bytes. */
static size_t b64_part(const char *p, const char *end, struct seen *s)
{
    size_t bytes = 0;
    while (p < end) {
        const char *crlf = find(p, (size_t)(end - p), "\r\n");
        size_t len = (size_t)(crlf - p);
        bool last = crlf + 2 == end;
        if ((!last && len != 76) || len == 0 || len % 4 || len > 76)
            s->bad_b64++;
        for (size_t i = 0; i < len; i++) {
            char c = p[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                  || c == '+' || c == '/'))
                s->bad_b64++;
        }
        bytes += len + 2;
        p = crlf + 2;
    }
    return bytes;
}

static void one(const struct mime *m, uint64_t size, int64_t k, bool dot, struct seen *s)
{
    static struct layout l;
    mime_build(&l, m, hdr, hl, size, 7, k, dot);
    size_t n = flatten(&l);
    uint64_t want = size < mime_min(m, hl) ? mime_min(m, hl) : size;
    if (l.stored != want || n != want + (dot ? 3 : 0) || mime_stored(m, hl, size) != want)
        s->bad_size++;
    if (dot && memcmp(buf + n - 3, ".\r\n", 3) != 0)
        s->bad_shape++;
    n = (size_t)l.stored;
    /* Lines: CRLF only, at most 998 octets, none starting with '.'. */
    for (size_t i = 0, start = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c >= 0x80)
            s->eight++;
        if (c >= 0x80 && !m->utf8)
            s->bad_8bit++;
        if (c == '\r' && (i + 1 == n || buf[i + 1] != '\n'))
            s->bad_line++;
        if (c == '\n' && (i == 0 || buf[i - 1] != '\r'))
            s->bad_line++;
        if (c == '\n') {
            if (i + 1 - start > 1000)
                s->bad_line++;
            if (buf[start] == '.')
                s->bad_dot++;
            start = i + 1;
        }
    }
    if (n < 2 || memcmp(buf + n - 2, "\r\n", 2) != 0)
        s->bad_line++;
    if (m->utf8 && !utf8_ok(buf, n))
        s->bad_utf8++;
    /* The shape: the headers, the parts in order, the closing delimiter. */
    const char *text = find(buf, n, "\r\n--" B "\r\nContent-Type: text/plain;");
    const char *html = find(buf, n, "\r\n--" B "\r\nContent-Type: text/html;");
    const char *att = html ? find(html, n - (size_t)(html - buf),
                                  "\r\n--" B "\r\nContent-Type: application/octet-stream;") : 0;
    size_t cl = strlen("\r\n--" B "--\r\n");
    const char *close = n > cl ? find(buf + n - cl, cl, "\r\n--" B "--\r\n") : 0;
    if (memcmp(buf, hdr, hl) != 0 || !text || !html || !close || !(text < html)
        || close + strlen(B) + 8 != buf + n
        || !find(html, (size_t)(close - html), "<body>\r\n")
        || !find(html, (size_t)(close - html), "</body></html>"))
        s->bad_shape++;
    if ((att != 0) != (want >= MIME_ATTACH_FROM))
        s->bad_shape++;
    if (att && close && att > html) {
        s->attached++;
        const char *body = find(att, (size_t)(close - att), "\r\n\r\n");
        if (!body || !find(att, (size_t)(body - att), "Content-Transfer-Encoding: base64\r\n")) {
            s->bad_b64++;
        } else {
            size_t bytes = b64_part(body + 4, close + 2, s);
            if (bytes * 2 < want)
                s->small_attach++;
        }
    }
}

static void sizes(const struct mime *m)
{
    struct seen s = { 0 };
    uint64_t min = mime_min(m, hl);
    /* Around the minimum, byte by byte; around the attachment's start. */
    for (uint64_t size = 1; size < min + 400; size++)
        one(m, size, (int64_t)size, size % 2, &s);
    for (uint64_t size = MIME_ATTACH_FROM - 200; size < MIME_ATTACH_FROM + 200; size++)
        one(m, size, (int64_t)size, size % 2, &s);
    /* Many slots at sizes drawn across 1 to 400k. */
    struct wl_rng r;
    wl_stream(&r, 1, 0, WL_SIZE);
    for (int64_t k = 0; k < 600; k++)
        one(m, 1 + wl_below(&r, 300 * 1024), k, k % 2, &s);
    /* A few large ones. */
    one(m, 3 * 1024 * 1024 + 17, 5, true, &s);
    one(m, 5 * 1024 * 1024 + 3, 6, false, &s);
    CHECK(s.bad_size == 0);
    CHECK(s.bad_line == 0);
    CHECK(s.bad_dot == 0);
    CHECK(s.bad_8bit == 0);
    CHECK(s.bad_shape == 0);
    CHECK(s.bad_b64 == 0);
    CHECK(s.small_attach == 0);
    CHECK(s.bad_utf8 == 0);
    CHECK(s.attached > 200);
    CHECK(m->utf8 ? s.eight > 0 : s.eight == 0);
}

/* The same seed and slot: the same bytes; another slot: others. */
static void repeats(const struct mime *m)
{
    static struct layout a, b;
    mime_build(&a, m, hdr, hl, 50000, 7, 12, true);
    size_t n = flatten(&a);
    char *first = malloc(n);
    memcpy(first, buf, n);
    mime_build(&b, m, hdr, hl, 50000, 7, 12, true);
    CHECK_MEM(buf, flatten(&b), first, n);
    mime_build(&b, m, hdr, hl, 50000, 7, 13, true);
    size_t n2 = flatten(&b);
    CHECK(n2 == n && memcmp(buf, first, n) != 0);
    mime_build(&b, m, hdr, hl, 50000, 8, 12, true);
    size_t n3 = flatten(&b);
    CHECK(n3 == n && memcmp(buf, first, n) != 0);
    free(first);
}

/* The largest message fits in the layout's segments, with one to spare
 * for a pipelined group behind it, and its ranges cover it. */
static void largest(const struct mime *m)
{
    static struct layout l;
    mime_build(&l, m, hdr, hl, SIZE_LIMIT, 3, 1, true);
    CHECK(l.stored == SIZE_LIMIT && l.total == SIZE_LIMIT + 3);
    CHECK(l.n < LAYOUT_SEGS);
    struct iovec part[LAYOUT_SEGS];
    int pn = layout_range(&l, SIZE_LIMIT - 100, 103, part, LAYOUT_SEGS);
    size_t got = 0;
    for (int i = 0; i < pn; i++)
        got += part[i].iov_len;
    CHECK(got == 103 && memcmp((char *)part[pn - 1].iov_base + part[pn - 1].iov_len - 3, ".\r\n", 3) == 0);
}

int main(void)
{
    size_t tl;
    const char *top = mime_top(&tl);
    CHECK(tl <= MIME_TOP_MAX);
    memcpy(hdr, hdr_plain, sizeof(hdr_plain) - 1);
    memcpy(hdr + sizeof(hdr_plain) - 1, top, tl);
    hl = sizeof(hdr_plain) - 1 + tl;
    CHECK(memcmp(hdr + hl - 5, "\"\r\n\r\n", 5) == 0);

    struct mime ascii, utf8;
    CHECK(mime_init(&ascii, false) == 0 && mime_init(&utf8, true) == 0);
    CHECK(!ascii.utf8 && utf8.utf8);
    CHECK(find(ascii.open, ascii.open_len, "charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n"));
    CHECK(find(utf8.open, utf8.open_len, "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"));
    sizes(&ascii);
    sizes(&utf8);
    repeats(&ascii);
    largest(&utf8);
    mime_free(&ascii);
    mime_free(&utf8);
    free(buf);
    return check_done("test_mime");
}
