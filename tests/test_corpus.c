/* corpus: the mboxrd splitter and a message's preparation (CRLF line
 * ends, unquoting, the fresh fields' place, dot-stuffing) and segments. */
#include "check.h"

#include "workload/mbox.h"
#include "workload/msgprep.h"

#include <stdlib.h>
#include <string.h>

/* The messages of an mbox, joined by '|'. */
static const char *split(const char *mbox)
{
    static char out[1024];
    size_t len = strlen(mbox), pos = 0, s, e, o = 0;
    out[0] = 0;
    while (mbox_next(mbox, len, &pos, &s, &e)) {
        if (o)
            out[o++] = '|';
        memcpy(out + o, mbox + s, e - s);
        o += e - s;
        out[o] = 0;
    }
    return out;
}

static void splitter(void)
{
    CHECK(mbox_is("From a@b Mon\n", 13));
    CHECK(!mbox_is("Subject: x\n", 11));
    CHECK(!mbox_is("From", 4));
    CHECK_STR(split("From a Mon\nS: 1\n\nb1\n\nFrom b Tue\nS: 2\n\nb2\n\n"),
              "S: 1\n\nb1\n|S: 2\n\nb2\n");
    /* A quoted From_ stays in its message; no blank line before the next. */
    CHECK_STR(split("From a\nx\n>From y\nFrom b\nz"), "x\n>From y\n|z");
    /* CRLF separators. */
    CHECK_STR(split("From a\r\nx\r\n\r\nFrom b\r\ny\r\n"), "x\r\n|y\r\n");
    /* Not an mbox: nothing. */
    CHECK_STR(split("S: 1\n\nFrom a\nx\n"), "");
    /* "From " only at a line's start; an empty message. */
    CHECK_STR(split("From a\nnot From x\nFrom b\n"), "not From x\n|");
    CHECK(mbox_quoted(">From x", 7));
    CHECK(mbox_quoted(">>>From x", 9));
    CHECK(!mbox_quoted("From x", 6));
    CHECK(!mbox_quoted(">Fro", 4));
    CHECK(!mbox_quoted("> From", 6));
}

/* in prepared with flags; *p gets the numbers. */
static char *prep(const char *in, unsigned flags, struct prep *p)
{
    size_t len = strlen(in);
    char *out = malloc(prep_bound(in, len) + 1);
    prep_message(in, len, flags, out, p);
    CHECK(p->len <= prep_bound(in, len));
    out[p->len] = 0;
    return out;
}

static void preparation(void)
{
    struct prep p;
    char *o = prep("Subject: a\n\n.x\nlast", PREP_STUFF, &p);
    CHECK_STR(o, "Subject: a\r\n\r\n..x\r\nlast\r\n");
    CHECK(p.stored == p.len - 1 && p.ins == 0);
    free(o);
    /* CRLF kept; a line ending in CR alone at the end gets its LF. */
    o = prep("A: 1\r\n\r\nb\r\nc\r", 0, &p);
    CHECK_STR(o, "A: 1\r\n\r\nb\r\nc\r\n");
    free(o);
    /* mboxrd: one '>' less. */
    o = prep("A: 1\n\n>From x\n>>From y\n>Fromage\n", PREP_UNQUOTE, &p);
    CHECK_STR(o, "A: 1\r\n\r\nFrom x\r\n>From y\r\n>Fromage\r\n");
    free(o);
    /* fresh: Date and Message-Id (folded too, any case) out; the place of
     * the first one kept; the body's own "Date:" untouched. */
    o = prep("From: a\nDATE: x\nTo: b\nMessage-ID:\n <id@x>\nS: s\n\nDate: body\n",
             PREP_FRESH, &p);
    CHECK_STR(o, "From: a\r\nTo: b\r\nS: s\r\n\r\nDate: body\r\n");
    CHECK(p.ins == strlen("From: a\r\n"));
    free(o);
    /* Neither field: they go at the header's end. */
    o = prep("From: a\n\nb\n", PREP_FRESH, &p);
    CHECK(p.ins == strlen("From: a\r\n"));
    free(o);
    /* A header with no body and no empty line: at its end. */
    o = prep("From: a\nDate: d", PREP_FRESH, &p);
    CHECK_STR(o, "From: a\r\n");
    CHECK(p.ins == p.len);
    free(o);
    /* The empty message and one empty line. */
    o = prep("", PREP_FRESH | PREP_STUFF, &p);
    CHECK(p.len == 0 && p.ins == 0);
    free(o);
    o = prep("\n", PREP_FRESH, &p);
    CHECK_STR(o, "\r\n");
    CHECK(p.ins == 0);
    free(o);

    char buf[64];
    size_t n = prep_stuff(".a\r\nb\r\n.\r\n", 10, buf);
    CHECK_LIT(buf, n, "..a\r\nb\r\n..\r\n");
}

static void layout(void)
{
    struct layout l;
    const char msg[] = "A: 1\r\n\r\nbody\r\n", hdr[] = "Date: d\r\n";
    prep_layout(&l, msg, sizeof(msg) - 1, sizeof(msg) - 1, 6, hdr, sizeof(hdr) - 1, true);
    CHECK(l.n == 4);
    CHECK(l.stored == sizeof(msg) - 1 + sizeof(hdr) - 1);
    CHECK(l.total == l.stored + 3);
    char all[128];
    size_t o = 0;
    for (int i = 0; i < l.n; i++) {
        memcpy(all + o, l.seg[i].iov_base, l.seg[i].iov_len);
        o += l.seg[i].iov_len;
    }
    CHECK_LIT(all, o, "A: 1\r\nDate: d\r\n\r\nbody\r\n.\r\n");
    /* keep, BDAT: the item alone. */
    prep_layout(&l, msg, sizeof(msg) - 1, sizeof(msg) - 1, 0, hdr, 0, false);
    CHECK(l.n == 1 && l.total == sizeof(msg) - 1);
}

int main(void)
{
    splitter();
    preparation();
    layout();
    return check_done("corpus");
}
