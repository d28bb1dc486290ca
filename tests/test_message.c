#include "check.h"
#include "smtp/message.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S(x) x, sizeof(x) - 1

static void check_file(const char *in, size_t inlen, const char *want, size_t wantlen)
{
    size_t len;
    char *b = msg_body_file(in, inlen, &len);
    CHECK_MEM(b, len, want, wantlen);
    free(b);
}

/* BDAT's bytes: the file's lines as DATA sends them, unstuffed, no dot. */
static void check_unstuffed(const char *in, size_t inlen, const char *want, size_t wantlen)
{
    size_t len, rawlen;
    char *b = msg_body_file(in, inlen, &len);
    char *raw = msg_body_unstuffed(b, len, &rawlen);
    CHECK_MEM(raw, rawlen, want, wantlen);
    free(raw);
    free(b);
}

int main(void)
{
    size_t len;
    char *b;

    check_unstuffed(S(".x\n..y\n.\nlast"), S(".x\r\n..y\r\n.\r\nlast\r\n\r\n"));
    check_unstuffed(S("a.b\n\n.\n"), S("a.b\r\n\r\n.\r\n\r\n"));
    check_unstuffed(S("abc\r\n"), S("abc\r\r\n\r\n"));
    b = msg_body_length(200, &len);
    size_t rawlen;
    char *raw = msg_body_unstuffed(b, len, &rawlen);
    CHECK(rawlen == 202 && memcmp(raw, b, 202) == 0);
    free(raw);
    free(b);

    b = msg_body_default(&len);
    CHECK_LIT(b, len, ("La de da de da 1.\r\nLa de da de da 2.\r\n"
                        "La de da de da 3.\r\nLa de da de da 4.\r\n.\r\n"));
    free(b);

    /* -F: dot-stuffing, CRLF, a last line without LF, the extra empty line. */
    check_file(S(".x\n..y\n.\nlast"), S("..x\r\n...y\r\n..\r\nlast\r\n\r\n.\r\n"));
    check_file(S("line1\n\n"), S("line1\r\n\r\n\r\n.\r\n"));
    check_file(S("abc\r\n"), S("abc\r\r\n\r\n.\r\n"));
    check_file(S("x"), S("x\r\n\r\n.\r\n"));
    /* Found by fuzzing: a stuffed last line without LF overflowed the buffer. */
    check_file(S(".xst"), S("..xst\r\n\r\n.\r\n"));
    check_file(S("."), S("..\r\n\r\n.\r\n"));
    check_file(S(".\n.\n."), S("..\r\n..\r\n..\r\n\r\n.\r\n"));
    check_file(S("\n"), S("\r\n\r\n.\r\n"));
    /* An empty file means the default body. */
    check_file("", 0, S("La de da de da 1.\r\nLa de da de da 2.\r\n"
                        "La de da de da 3.\r\nLa de da de da 4.\r\n.\r\n"));

    /* -l: 78-character numbered lines, the rest X, one CRLF added. */
    b = msg_body_length(1, &len);
    CHECK_LIT(b, len, ("X\r\n.\r\n"));
    free(b);
    b = msg_body_length(80, &len);
    CHECK(len == 80 + 2 + 3 && b[0] == 'X' && b[79] == 'X' && memcmp(b + 80, "\r\n.\r\n", 5) == 0);
    free(b);
    b = msg_body_length(81, &len);
    CHECK(len == 86 && b[0] == '1' && b[1] == 'X' && b[77] == 'X'
          && memcmp(b + 78, "\r\nX\r\n.\r\n", 8) == 0);
    free(b);
    b = msg_body_length(200, &len);
    CHECK(len == 205 && b[0] == '1' && b[80] == '2' && b[160] == 'X'
          && memcmp(b + 158, "\r\n", 2) == 0 && memcmp(b + 200, "\r\n.\r\n", 5) == 0);
    free(b);
    b = msg_body_length(1000, &len);
    int dots = 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (i == 0 || (b[i - 1] == '\n'))
            dots += b[i] == '.';
    CHECK(dots == 1);                /* only the final dot starts a line */
    CHECK(b[720] == '0');            /* line 10 starts with 10 mod 10 */
    free(b);

    /* Headers. */
    struct msg_headers h = { "foo@vm", "bar@vm", "DATE", "vm", 0 };
    char *buf = malloc(msg_headers_max(&h));
    len = msg_format_headers(buf, &h, 0x832, 3, 1);
    CHECK_LIT(buf, len, ("From: <foo@vm>\r\nTo: <bar@vm>\r\nDate: DATE\r\n"
                          "Message-Id: <0832.0003.0001@vm>\r\n\r\n"));
    free(buf);
    h.subject = "hi there";
    h.sender = "";
    buf = malloc(msg_headers_max(&h));
    len = msg_format_headers(buf, &h, 0x12345, 17, 0x10000);
    CHECK_LIT(buf, len, ("From: <>\r\nTo: <bar@vm>\r\nDate: DATE\r\n"
                          "Message-Id: <12345.0011.10000@vm>\r\nSubject: hi there\r\n\r\n"));
    free(buf);

    /* Date: RFC 5322 with a two-digit day, in the local zone. */
    char date[128];
    setenv("TZ", "UTC", 1);
    tzset();
    msg_date(1795479273, date, sizeof(date));   /* 2026-11-24 00:14:33 UTC */
    CHECK_STR(date, "Tue, 24 Nov 2026 00:14:33 +0000 (UTC)");
    msg_date(1772323200, date, sizeof(date));   /* 2026-03-01 00:00:00 UTC */
    CHECK_STR(date, "Sun, 01 Mar 2026 00:00:00 +0000 (UTC)");
    setenv("TZ", "EST5EDT", 1);
    tzset();
    msg_date(1795479273, date, sizeof(date));
    CHECK_STR(date, "Mon, 23 Nov 2026 19:14:33 -0500 (EST)");
    setenv("TZ", "IST-5:30", 1);
    tzset();
    msg_date(1795479273, date, sizeof(date));
    CHECK_STR(date, "Tue, 24 Nov 2026 05:44:33 +0530 (IST)");
    return check_done("message");
}
