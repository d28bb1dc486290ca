/* mime: multipart/mixed messages of an exact size over shared texts. */
#include "workload/mime.h"

#include "workload/seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each shared text is about this long: with a message at most SIZE_LIMIT,
 * its parts take at most SIZE_LIMIT / MIME_TEXT_LEN + 3 segments of them,
 * far fewer than LAYOUT_SEGS. */
#define MIME_TEXT_LEN (2u * 1024 * 1024)
/* A base64 line: 76 characters (RFC 2045 6.8) for 57 bytes, then CRLF. */
#define B64_LINE 78
#define B64_CHARS 76
#define B64_BYTES 57
_Static_assert(B64_BYTES / 3 * 4 == B64_CHARS && B64_CHARS + 2 == B64_LINE, "base64 lines");

/* '=' and '_' never meet in base64 (no padding: whole groups only), and
 * the texts hold neither; a boundary need not be new per message. */
#define BOUNDARY "=_smtp-source_mime_5a17"

/* A message's last lines (text, html, base64) fit in its layout's tail. */
_Static_assert(2 * (MIME_LINE_MAX + 3) + B64_LINE <= LAYOUT_TAIL, "MIME's last lines");

/* The texts: no line starts with '.' (no dot-stuffing, the same bytes
 * under DATA and BDAT) or "--" (never near a delimiter); none holds '&',
 * '<' or '>' (the html wraps them in tags of its own). */
static const char *const ascii_lines[] = {
    "Dear operator,",
    "",
    "This message was written by smtp-source to put load on a mail server.",
    "Its parts are cut from one fixed text, so that making it costs the sender",
    "almost nothing and the time goes where it should: into the server's",
    "parsing, filtering, queueing and delivery.",
    "",
    "The quarterly figures are attached as agreed. Please check the totals in",
    "the third column before the meeting on Thursday; the numbers for the",
    "northern region arrived late and may still change by a few percent.",
    "",
    "Minutes of the last review, in short: the queue grew during the evening",
    "peak, the content filter was the slowest step, and the disks were busy",
    "but not saturated. Action items: measure the filter alone, try a second",
    "instance, and repeat the test with larger messages and more recipients.",
    "",
    "Kind regards,",
    "The load test",
    "",
    "PS: a long line, as mail clients write them when a paragraph is not wrapped at all, to give the parsers something longer than seventy-eight characters to read now and then.",
    "",
};

static const char *const utf8_lines[] = {
    "Liebe Kollegin, lieber Kollege,",
    "",
    "diese Nachricht stammt von smtp-source und prüft einen Mailserver unter Last.",
    "Grüße aus München: Straßenbahn, Käse, Bücher und Übergrößen.",
    "",
    "Chère équipe, voici le compte rendu: déjà vu à l'hôtel, crème brûlée,",
    "une façade naïve et un cœur léger. À bientôt!",
    "",
    "Καλημέρα σε όλους: η ουρά μεγάλωσε το βράδυ, το φίλτρο ήταν αργό.",
    "Здравствуйте! Очередь выросла вечером, фильтр был самым медленным.",
    "こんにちは。夕方の混雑時にキューが伸びました。フィルタが最も遅い段階でした。",
    "你好！请在星期四的会议之前检查第三列的总数。",
    "مرحبا، الأرقام المرفقة كما اتفقنا.",
    "",
    "Symbols, too: € £ ¥ © ® ™ – — “quoted” ‘single’ … ✓ ✉ 📬 🚀",
    "",
    "Mit freundlichen Grüßen / Cordialement / С уважением",
    "Der Lasttest",
    "",
};

/* A text of whole lines, each line of the fixed text as the html part
 * writes it ("<p>...</p>"; a blank line "<br>") or as the plain part does,
 * round and round until MIME_TEXT_LEN is full; -1 if a line passes
 * MIME_LINE_MAX, or out of memory. */
static int make_text(bool utf8, bool html, char **out, size_t *outlen)
{
    const char *const *src = utf8 ? utf8_lines : ascii_lines;
    size_t n = utf8 ? sizeof(utf8_lines) / sizeof(utf8_lines[0])
                    : sizeof(ascii_lines) / sizeof(ascii_lines[0]);
    char *t = malloc(MIME_TEXT_LEN);
    if (t == 0)
        return -1;
    size_t len = 0;
    for (size_t i = 0;; i = (i + 1) % n) {
        char line[MIME_LINE_MAX + 3];
        int w = !html ? snprintf(line, sizeof(line), "%s\r\n", src[i])
              : *src[i] ? snprintf(line, sizeof(line), "<p>%s</p>\r\n", src[i])
              : snprintf(line, sizeof(line), "<br>\r\n");
        if (w < 0 || (size_t)w > MIME_LINE_MAX + 2) {
            free(t);
            return -1;
        }
        if (len + (size_t)w > MIME_TEXT_LEN)
            break;
        memcpy(t + len, line, (size_t)w);
        len += (size_t)w;
    }
    *out = t;
    *outlen = len;
    return 0;
}

/* Base64 (RFC 4648) of bytes from a generator of fixed seed (the same in
 * every run), in lines of 76: whole groups, no padding, so the text read
 * round and round, or cut after any group of 4, is base64 still. */
static int make_b64(char **out, size_t *outlen)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t lines = MIME_TEXT_LEN / B64_LINE;
    char *b = malloc(lines * B64_LINE);
    if (b == 0)
        return -1;
    struct wl_rng r;
    wl_stream(&r, 0x6d696d65, 0, WL_CONTENT);
    char *o = b;
    for (size_t l = 0; l < lines; l++) {
        for (int g = 0; g < B64_BYTES / 3; g++) {
            uint32_t v = (uint32_t)(wl_next(&r) & 0xffffff);
            *o++ = alphabet[(v >> 18) & 63];
            *o++ = alphabet[(v >> 12) & 63];
            *o++ = alphabet[(v >> 6) & 63];
            *o++ = alphabet[v & 63];
        }
        *o++ = '\r';
        *o++ = '\n';
    }
    *out = b;
    *outlen = lines * B64_LINE;
    return 0;
}

int mime_init(struct mime *m, bool utf8)
{
    memset(m, 0, sizeof(*m));
    m->utf8 = utf8;
    const char *cs = utf8 ? "utf-8" : "us-ascii", *cte = utf8 ? "8bit" : "7bit";
    if (make_text(utf8, false, &m->text, &m->text_len) < 0
        || make_text(utf8, true, &m->html, &m->html_len) < 0 || make_b64(&m->b64, &m->b64_len) < 0) {
        mime_free(m);
        return -1;
    }
    m->open_len = (size_t)snprintf(m->open, sizeof(m->open),
        "This is a multi-part message in MIME format.\r\n\r\n"
        "--" BOUNDARY "\r\nContent-Type: text/plain; charset=%s\r\n"
        "Content-Transfer-Encoding: %s\r\n\r\n", cs, cte);
    m->html_head_len = (size_t)snprintf(m->html_head, sizeof(m->html_head),
        "--" BOUNDARY "\r\nContent-Type: text/html; charset=%s\r\n"
        "Content-Transfer-Encoding: %s\r\n\r\n"
        "<!DOCTYPE html>\r\n<html><head><meta charset=\"%s\"><title>Load test</title></head>\r\n"
        "<body>\r\n", cs, cte, cs);
    m->close_len = (size_t)snprintf(m->close, sizeof(m->close),
        "</body></html>\r\n--" BOUNDARY "--\r\n");
    m->attach_len = (size_t)snprintf(m->attach, sizeof(m->attach),
        "</body></html>\r\n--" BOUNDARY "\r\n"
        "Content-Type: application/octet-stream; name=\"figures.bin\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=\"figures.bin\"\r\n\r\n");
    m->end_len = (size_t)snprintf(m->end, sizeof(m->end), "--" BOUNDARY "--\r\n");
    return 0;
}

void mime_free(struct mime *m)
{
    free(m->text);
    free(m->html);
    free(m->b64);
    m->text = m->html = m->b64 = 0;
}

const char *mime_top(size_t *len)
{
    static const char top[] = "MIME-Version: 1.0\r\n"
                              "Content-Type: multipart/mixed; boundary=\"" BOUNDARY "\"\r\n\r\n";
    *len = sizeof(top) - 1;
    return top;
}

uint64_t mime_min(const struct mime *m, size_t hl)
{
    /* The text part's one line is empty: its CRLF. */
    return hl + m->open_len + 2 + m->html_head_len + m->close_len;
}

uint64_t mime_stored(const struct mime *m, size_t hl, uint64_t size)
{
    uint64_t min = mime_min(m, hl);
    return size < min ? min : size;
}

/* n bytes of text t (len bytes, read round and round) from offset from. */
static void span(struct layout *l, const char *t, size_t len, size_t from, uint64_t n)
{
    while (n > 0) {
        uint64_t take = len - from < n ? len - from : n;
        layout_add(l, t + from, take);
        n -= take;
        from = 0;
    }
}

/* The last line's bytes, cut anywhere, made whole again: no tag left open
 * in html, no UTF-8 character cut, no CR without its LF. */
static void mend(char *p, size_t n, bool html)
{
    if (html) {
        size_t lt = n, gt = n;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '<')
                lt = i;
            else if (p[i] == '>')
                gt = i;
        }
        if (lt < n && (gt == n || gt < lt))
            memset(p + lt, ' ', n - lt);
    }
    size_t i = n;
    while (i > 0 && n - i < 3 && ((unsigned char)p[i - 1] & 0xc0) == 0x80)
        i--;
    if (i > 0 && ((unsigned char)p[i - 1] & 0xc0) == 0xc0) {
        unsigned char lead = (unsigned char)p[i - 1];
        size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (i - 1 + need > n)
            memset(p + i - 1, ' ', n - (i - 1));
    }
    if (n > 0 && p[n - 1] == '\r')
        p[n - 1] = ' ';
}

/* size bytes (0 or at least 2) of text t, from the line that starts at
 * or after from: its whole lines, then a last line of the next one's
 * head and CRLF, made in tail (at *used). */
static void cut(struct layout *l, char *tail, size_t *used, const char *t, size_t len,
                size_t from, uint64_t size, bool html)
{
    if (size < 2)
        return;
    while (from > 0 && t[from - 1] != '\n')
        from = (from + 1) % len;
    uint64_t body = size - 2;
    size_t q = (size_t)((from + body) % len), p = q;
    while (p > 0 && t[p - 1] != '\n')
        p--;
    size_t back = q - p;
    span(l, t, len, from, body - back);
    char *o = tail + *used;
    memcpy(o, t + p, back);
    mend(o, back, html);
    memcpy(o + back, "\r\n", 2);
    layout_add(l, o, back + 2);
    *used += back + 2;
}

void mime_build(struct layout *l, const struct mime *m, const char *hdr, size_t hl,
                uint64_t size, uint64_t seed, int64_t k, bool dot)
{
    struct wl_rng r;
    wl_stream(&r, seed, k, WL_CONTENT);
    /* Drawn in one order, whether used or not: a choice never shifts
     * another. Shares in hundredths of a percent, in integers: the same
     * on every machine. */
    uint64_t attach_share = 5500 + wl_below(&r, 3001);   /* 55% to 85% */
    uint64_t text_share = 2500 + wl_below(&r, 5001);     /* of the rest */
    size_t text_from = (size_t)wl_below(&r, m->text_len);
    size_t html_from = (size_t)wl_below(&r, m->html_len);
    size_t b64_from = (size_t)wl_below(&r, m->b64_len / B64_LINE) * B64_LINE;

    uint64_t total = mime_stored(m, hl, size);
    uint64_t fixed = hl + m->open_len + m->html_head_len;
    uint64_t attach = 0;
    uint64_t around = fixed + m->attach_len + m->end_len;
    if (total >= MIME_ATTACH_FROM && total > around) {
        uint64_t room = total - around;
        attach = total * attach_share / 10000;
        /* Whole lines, then a last one of whole groups of 4 (at least
         * one): 78 L + 4 g + 2 bytes. */
        uint64_t rest = attach % B64_LINE;
        attach -= rest < 6 ? rest : (rest - 2) % 4;
        if (attach * 2 < total || attach + 2 > room)
            attach = 0;
    }
    uint64_t texts = total - fixed - (attach ? m->attach_len + m->end_len + attach : m->close_len);
    uint64_t text = 2 + (texts - 2) * text_share / 10000, html = texts - text;
    if (html == 1) {
        text++;
        html = 0;
    }

    size_t used = 0;
    layout_start(l);
    layout_add(l, hdr, hl);
    layout_add(l, m->open, m->open_len);
    cut(l, l->tail, &used, m->text, m->text_len, text_from, text, false);
    layout_add(l, m->html_head, m->html_head_len);
    cut(l, l->tail, &used, m->html, m->html_len, html_from, html, true);
    if (attach) {
        layout_add(l, m->attach, m->attach_len);
        uint64_t whole = attach / B64_LINE * B64_LINE, last = attach - whole;
        span(l, m->b64, m->b64_len, b64_from, whole);
        if (last) {
            char *o = l->tail + used;
            memcpy(o, m->b64 + (b64_from + whole) % m->b64_len, last - 2);
            memcpy(o + last - 2, "\r\n", 2);
            layout_add(l, o, last);
        }
        layout_add(l, m->end, m->end_len);
    } else {
        layout_add(l, m->close, m->close_len);
    }
    layout_end(l, dot);
}
