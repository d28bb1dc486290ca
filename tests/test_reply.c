#include "check.h"
#include "smtp/reply.h"

#include <stdlib.h>

static struct reply r;

/* Feeds s in pieces of `step` bytes; returns the final status. */
static enum reply_status feed(const char *s, size_t len, size_t step, size_t *consumed)
{
    enum reply_status st = REPLY_MORE;
    size_t pos = 0;
    reply_begin(&r);
    while (pos < len && st == REPLY_MORE) {
        size_t n = len - pos < step ? len - pos : step, used;
        st = reply_scan(&r, s + pos, n, &used);
        pos += used;
    }
    if (consumed)
        *consumed = pos;
    return st;
}

#define FEED(s) feed((s), sizeof(s) - 1, 4096, 0)

static int lines_seen;
static void count_line(void *ctx, const char *line, size_t len)
{
    (void)ctx; (void)line; (void)len;
    lines_seen++;
}

int main(void)
{
    CHECK(FEED("220 smtp-sink ESMTP\r\n") == REPLY_DONE);
    CHECK(r.code == 220);
    CHECK_STR(r.text, "smtp-sink ESMTP");

    /* Multi-line: joined with '\n', the last line's code decides. */
    CHECK(FEED("250-a\r\n250-  b\r\n250 c\r\n") == REPLY_DONE);
    CHECK(r.code == 250 && r.lines == 3);
    CHECK_STR(r.text, "a\nb\nc");
    CHECK(FEED("250-x\r\n554 no\r\n") == REPLY_DONE && r.code == 554);

    /* Exactly three digits make a code; anything else is code 0. */
    CHECK(FEED("2200 x\r\n") == REPLY_DONE && r.code == 0);
    CHECK_STR(r.text, "x");
    CHECK(FEED(" 220 x\r\n") == REPLY_DONE && r.code == 0);
    CHECK(FEED("220hello\r\n") == REPLY_DONE && r.code == 220);
    CHECK(FEED("hello there\r\n") == REPLY_DONE && r.code == 0);
    CHECK_STR(r.text, "hello there");
    CHECK(FEED("2-x\r\n250 y\r\n") == REPLY_DONE && r.code == 250 && r.lines == 2);

    /* Bare LF, several CRs, no text. */
    CHECK(FEED("250 ok\n") == REPLY_DONE && r.code == 250);
    CHECK_STR(r.text, "ok");
    CHECK(FEED("250 ok\r\r\r\n") == REPLY_DONE);
    CHECK_STR(r.text, "ok");
    CHECK(FEED("250\r\n") == REPLY_DONE && r.code == 250);
    CHECK_STR(r.text, "");

    /* NUL and 8-bit bytes are censored; white space is kept. */
    const char nul[] = "220 a\0b\x01\xff\tc\r\n";
    CHECK(feed(nul, sizeof(nul) - 1, 4096, 0) == REPLY_DONE);
    CHECK_STR(r.text, "a?b??\tc");

    /* One byte at a time gives the same answer. */
    CHECK(feed("250-a\r\n250 b\r\n", 14, 1, 0) == REPLY_DONE);
    CHECK_STR(r.text, "a\nb");

    /* A reply stops at its end: the next reply's bytes stay unread. */
    size_t used;
    CHECK(feed("250 a\r\n354 b\r\n", 14, 4096, &used) == REPLY_DONE && used == 7);

    /* An incomplete reply asks for more. */
    CHECK(FEED("250-a\r\n250 b") == REPLY_MORE);

    /* Long lines: the first 12288 bytes are kept (an AUTH challenge line
     * of RFC 4954's 12288 octets whole), the rest dropped, and said so... */
    CHECK(REPLY_LINE_KEEP == 12288);
    size_t n = 15000;
    char *big = malloc(n + 8);
    memcpy(big, "250 ", 4);
    memset(big + 4, 'x', n - 4);
    memcpy(big + n, "\r\n", 2);
    CHECK(feed(big, n + 2, 1000, 0) == REPLY_DONE && r.code == 250);
    CHECK(r.text_len == REPLY_LINE_KEEP - 4 && r.cut);
    /* ...a line of exactly what is kept is whole (its CRs not counted)... */
    memcpy(big + REPLY_LINE_KEEP, "\r\r\n", 3);
    CHECK(feed(big, REPLY_LINE_KEEP + 3, 1000, 0) == REPLY_DONE && !r.cut);
    CHECK(r.text_len == REPLY_LINE_KEEP - 4);
    memcpy(big + REPLY_LINE_KEEP, "x\r\n", 3);
    CHECK(feed(big, REPLY_LINE_KEEP + 3, 1000, 0) == REPLY_DONE && r.cut);
    CHECK(FEED("250 short\r\n") == REPLY_DONE && !r.cut);
    free(big);
    /* ...and a line longer than the limit is an error, however it arrives. */
    n = REPLY_LINE_LIMIT + 10;
    big = malloc(n);
    memset(big, 'y', n);
    CHECK(feed(big, n, 777, 0) == REPLY_LINE_TOO_LONG);
    CHECK(feed(big, n, n, 0) == REPLY_LINE_TOO_LONG);
    free(big);

    /* An endless multi-line reply ends with an error, in bounded memory. */
    enum reply_status st = REPLY_MORE;
    reply_begin(&r);
    for (int i = 0; i < 5000 && st == REPLY_MORE; i++)
        st = reply_scan(&r, "220-more\r\n", 10, &used);
    CHECK(st == REPLY_TOO_MANY_LINES);
    CHECK(r.text_len <= REPLY_TEXT_KEEP + REPLY_LINE_KEEP);

    /* Text stops growing once it reaches the limit. */
    reply_begin(&r);
    char line[2000];
    memset(line, 'z', sizeof(line));
    memcpy(line, "250-", 4);
    memcpy(line + sizeof(line) - 2, "\r\n", 2);
    for (int i = 0; i < 20; i++)
        reply_scan(&r, line, sizeof(line), &used);
    CHECK(r.text_len >= REPLY_TEXT_KEEP && r.text_len < REPLY_TEXT_KEEP + 2000);

    /* A line of exactly the limit is accepted whether it ends in CRLF or
     * LF, in one piece or byte by byte; one byte more is refused both ways. */
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t content = REPLY_LINE_LIMIT + extra;
        big = malloc(content + 2);
        memcpy(big, "250 ", 4);
        memset(big + 4, 'w', content - 4);
        for (int crlf = 0; crlf <= 1; crlf++) {
            size_t len = content;
            if (crlf)
                big[len++] = '\r';
            big[len++] = '\n';
            size_t steps[] = { 1, 4096, len };
            for (size_t k = 0; k < 3; k++) {
                enum reply_status want = extra ? REPLY_LINE_TOO_LONG : REPLY_DONE;
                CHECK(feed(big, len, steps[k], 0) == want);
            }
        }
        free(big);
    }
    /* CRs inside a long line count; only the ones before the LF do not. */
    big = malloc(REPLY_LINE_LIMIT + 8);
    memcpy(big, "250 ", 4);
    memset(big + 4, 'v', REPLY_LINE_LIMIT - 4);
    big[REPLY_LINE_LIMIT] = '\r';
    big[REPLY_LINE_LIMIT + 1] = 'v';
    big[REPLY_LINE_LIMIT + 2] = '\n';
    CHECK(feed(big, REPLY_LINE_LIMIT + 3, 100, 0) == REPLY_LINE_TOO_LONG);
    free(big);

    /* The text hook gets each line's text after the code and its '-'. */
    r.on_text = count_line;
    lines_seen = 0;
    CHECK(FEED("250-mx\r\n250-PIPELINING\r\n250 SIZE 1\r\n") == REPLY_DONE && lines_seen == 3);
    r.on_text = 0;

    /* The per-line hook sees every line. */
    r.on_line = count_line;
    lines_seen = 0;
    CHECK(FEED("250-a\r\n250-b\r\n250 c\r\n") == REPLY_DONE && lines_seen == 3);
    r.on_line = 0;

    CHECK(reply_class(250) == 2 && reply_class(354) == 3 && reply_class(421) == 4
          && reply_class(554) == 5 && reply_class(0) == 0 && reply_class(199) == 0
          && reply_class(600) == 0);
    return check_done("reply");
}
