/* The records' framing: whole records out, a partial one kept, a length
 * beyond the limit read as the limit. */
#include "check.h"
#include "core/record.h"

#include <stdint.h>
#include <stdlib.h>

struct seen {
    int n;
    int64_t slot[4];
    char text[4][REC_TEXT_MAX + 1];
    size_t len[4];
    int stop_at;
};

static int take(void *ctx, const struct record *r, const char *text)
{
    struct seen *s = ctx;
    if (s->n < 4) {
        s->slot[s->n] = r->slot;
        s->len[s->n] = r->text_len;
        memcpy(s->text[s->n], text, r->text_len + 1);
    }
    return ++s->n == s->stop_at;
}

static size_t put(char *buf, int64_t slot, const char *text, size_t tl, uint16_t claimed)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    r.type = REC_MESSAGE;
    r.slot = slot;
    r.text_len = claimed;
    memcpy(buf, &r, sizeof(r));
    memcpy(buf + sizeof(r), text, tl);
    return sizeof(r) + tl;
}

int main(void)
{
    static char buf[4 * (sizeof(struct record) + REC_TEXT_MAX)];
    struct seen s = { 0 };
    int stop = 0;

    size_t len = put(buf, 7, "", 0, 0);
    len += put(buf + len, 8, "hello", 5, 5);
    size_t whole = len;
    len += put(buf + len, 9, "partial", 7, 7) - 3;   /* its last 3 bytes not yet read */
    size_t left = record_split(buf, len, take, &s, &stop);
    CHECK(s.n == 2);
    CHECK(s.slot[0] == 7 && s.len[0] == 0 && s.text[0][0] == 0);
    CHECK(s.slot[1] == 8);
    CHECK_STR(s.text[1], "hello");
    CHECK(left == len - whole);
    CHECK(stop == 0);
    /* The rest arrives: the kept part, now at the front, completes. */
    memcpy(buf + left, "ial", 3);
    left = record_split(buf, left + 3, take, &s, &stop);
    CHECK(left == 0);
    CHECK(s.n == 3 && s.slot[2] == 9);
    CHECK_STR(s.text[2], "partial");

    /* A length past the limit: the text is cut at REC_TEXT_MAX and the
     * next record is read from right after it. */
    static char big[REC_TEXT_MAX];
    memset(big, 'x', sizeof(big));
    struct seen t = { 0 };
    len = put(buf, 1, big, REC_TEXT_MAX, REC_TEXT_MAX + 100);
    len += put(buf + len, 2, "next", 4, 4);
    CHECK(record_split(buf, len, take, &t, &stop) == 0);
    CHECK(t.n == 2 && t.len[0] == REC_TEXT_MAX && t.slot[1] == 2);
    CHECK_STR(t.text[1], "next");

    /* A record that asks to stop sets *stop, and the rest is still read. */
    struct seen u = { .stop_at = 1 };
    len = put(buf, 1, "", 0, 0);
    len += put(buf + len, 2, "", 0, 0);
    stop = 0;
    CHECK(record_split(buf, len, take, &u, &stop) == 0);
    CHECK(stop == 1 && u.n == 2);

    /* Nothing whole: nothing handed on, nothing lost. */
    struct seen v = { 0 };
    len = put(buf, 3, "", 0, 0) - 1;
    CHECK(record_split(buf, len, take, &v, &stop) == len && v.n == 0);
    return check_done("record");
}
