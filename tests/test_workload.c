/* workload: the seeded streams, the --size forms and tables, the draws,
 * and the layout of a sized message (exact size, lines, no bare CR). */
#include "check.h"

#include "workload/layout.h"
#include "workload/seed.h"
#include "workload/sizespec.h"
#include "workload/wlist.h"

#include <stdlib.h>
#include <string.h>

static int parses(const char *s)
{
    struct size_spec sp;
    char why[160];
    int rc = size_parse(s, &sp, why, sizeof(why));
    return rc == 0;
}

static void streams(void)
{
    struct wl_rng a, b;
    wl_stream(&a, 42, 7, WL_SIZE);
    wl_stream(&b, 42, 7, WL_SIZE);
    CHECK(wl_next(&a) == wl_next(&b));
    wl_stream(&b, 42, 8, WL_SIZE);
    wl_stream(&a, 42, 7, WL_SIZE);
    CHECK(wl_next(&a) != wl_next(&b));
    wl_stream(&b, 42, 7, WL_FROM);
    wl_stream(&a, 42, 7, WL_SIZE);
    CHECK(wl_next(&a) != wl_next(&b));
    int seen[5] = { 0 };
    for (int i = 0; i < 1000; i++)
        seen[wl_below(&a, 5)]++;
    CHECK(seen[0] > 120 && seen[4] > 120);
    CHECK(wl_seed_auto() < (1ULL << 53));
}

static void forms(void)
{
    struct size_spec sp;
    char why[160];
    uint64_t v;
    CHECK(size_number("20k", 3, &v) == 0 && v == 20480);
    CHECK(size_number("2m", 2, &v) == 0 && v == 2097152);
    CHECK(size_number("512m", 4, &v) == 0 && size_number("513m", 4, &v) < 0);
    CHECK(size_number("0", 1, &v) < 0 && size_number("1x", 2, &v) < 0 && size_number("k", 1, &v) < 0);
    CHECK(parses("100") && parses("1k-100k") && parses("lognormal:20k:2m") && parses("5-5"));
    CHECK(!parses("") && !parses("5-2") && !parses("-5") && !parses("1k-") && !parses("lognormal:2k")
          && !parses("lognormal:2k:2k") && !parses("lognormal:2k:1k") && !parses("1kk"));
    CHECK(size_parse("1k-3k", &sp, why, sizeof(why)) == 0);
    int in = 1;
    for (int64_t k = 0; k < 2000; k++) {
        uint64_t s = size_draw(&sp, 9, k);
        in = in && s >= 1024 && s <= 3072;
    }
    CHECK(in);
    CHECK(size_draw(&sp, 9, 5) == size_draw(&sp, 9, 5));
    /* lognormal: the sample's median and P99 near the spec's. */
    CHECK(size_parse("lognormal:20k:2m", &sp, why, sizeof(why)) == 0);
    enum { N = 20000 };
    static uint64_t s[N];
    for (int k = 0; k < N; k++)
        s[k] = size_draw(&sp, 1, k);
    int below_med = 0, below_p99 = 0;
    for (int k = 0; k < N; k++) {
        below_med += s[k] <= 20480;
        below_p99 += s[k] <= 2097152;
    }
    CHECK(below_med > N * 0.47 && below_med < N * 0.53);
    CHECK(below_p99 > N * 0.985 && below_p99 < N * 0.995);
    CHECK(size_max(&sp) == 2097152ULL * SIZE_TAIL_CUT);
}

static void tables(void)
{
    struct size_spec sp;
    char why[160];
    const char t[] = "# sizes\n1000 1\r\n\n2k\t3\n";
    CHECK(size_table(t, strlen(t), &sp, why, sizeof(why)) == 0 && sp.n == 2);
    int n2 = 0;
    for (int k = 0; k < 4000; k++) {
        uint64_t v = size_draw(&sp, 3, k);
        CHECK(v == 1000 || v == 2048);
        n2 += v == 2048;
    }
    CHECK(n2 > 2800 && n2 < 3200);
    CHECK(size_max(&sp) == 2048);
    size_free(&sp);
    CHECK(size_table("1000 0\n", 7, &sp, why, sizeof(why)) < 0 && strstr(why, "line 1"));
    CHECK(size_table("1 1\n2 x\n", 8, &sp, why, sizeof(why)) < 0 && strstr(why, "line 2"));
    CHECK(size_table("1 1 1\n", 6, &sp, why, sizeof(why)) < 0);
    CHECK(size_table("#\n", 2, &sp, why, sizeof(why)) < 0);
}

/* The layout's bytes, gathered. */
static char *gather(const struct layout *l)
{
    char *b = malloc(l->total + 1);
    size_t o = 0;
    for (int i = 0; i < l->n; i++) {
        memcpy(b + o, l->seg[i].iov_base, l->seg[i].iov_len);
        o += l->seg[i].iov_len;
    }
    b[o] = 0;
    return b;
}

static void layouts(void)
{
    static struct layout l;
    char *fill = layout_fill();
    const char hdr[] = "From: <a@b>\r\n\r\n";
    size_t hl = sizeof(hdr) - 1;
    int exact = 1, clean = 1, ranges = 1;
    for (uint64_t size = hl; size < hl + 2000; size++) {
        layout_build(&l, hdr, hl, fill, size, true);
        char *b = gather(&l);
        uint64_t want = layout_stored(hl, size);
        exact = exact && l.stored == want && l.total == want + 3 && (size == hl + 1 || want == size);
        exact = exact && memcmp(b + l.stored, ".\r\n", 3) == 0;
        for (uint64_t i = 0; i < l.stored; i++) {
            if (b[i] == '\r' && b[i + 1] != '\n')
                clean = 0;
            if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
                clean = 0;
            if (i > 0 && b[i - 1] == '\n' && b[i] == '.')
                clean = 0;
        }
        /* Any cut of it as BDAT takes it: the ranges give the same bytes. */
        struct iovec out[LAYOUT_SEGS];
        uint64_t off = size % 7, len = l.total - off;
        int n = layout_range(&l, off, len, out, LAYOUT_SEGS);
        size_t o = off;
        for (int i = 0; i < n; i++) {
            ranges = ranges && memcmp(out[i].iov_base, b + o, out[i].iov_len) == 0;
            o += out[i].iov_len;
        }
        ranges = ranges && o == l.total;
        free(b);
    }
    CHECK(exact);
    CHECK(clean);
    CHECK(ranges);
    /* Larger than the fill: segments of it follow on. */
    layout_build(&l, hdr, hl, fill, 3 * FILL_LEN + 123, false);
    char *b = gather(&l);
    CHECK(l.total == 3 * FILL_LEN + 123);
    CHECK(memcmp(b + hl + FILL_LEN - 2, "\r\n0X", 4) == 0);
    free(b);
    /* The largest: within the segments, and exact. */
    layout_build(&l, hdr, hl, fill, SIZE_LIMIT, true);
    CHECK(l.stored == SIZE_LIMIT && l.n <= LAYOUT_SEGS - 1);
    free(fill);
}

static void lists(void)
{
    struct wlist w;
    char why[200];
    const char t[] = "# x\na@b 3\r\n\nc@d\ne@f\t2\n";
    CHECK(wlist_lines(t, strlen(t), &w, why, sizeof(why)) == 0 && w.n == 3);
    CHECK(strcmp(w.item[1], "c@d") == 0 && w.cum[2] == 6 && w.longest == 3);
    struct wl_rng r;
    wl_stream(&r, 1, 2, WL_RCPT_PICK);
    int distinct = 1;
    for (int k = 0; k < 200; k++) {
        size_t idx[3];
        wlist_draw_distinct(&w, &r, idx, 3);
        distinct = distinct && idx[0] != idx[1] && idx[1] != idx[2] && idx[0] != idx[2]
                   && idx[0] < 3 && idx[1] < 3 && idx[2] < 3;
    }
    CHECK(distinct);
    wlist_free(&w);
    CHECK(wlist_lines("a b c\n", 6, &w, why, sizeof(why)) < 0 && strstr(why, "line 1"));
    CHECK(wlist_lines("a 0\n", 4, &w, why, sizeof(why)) < 0);
    CHECK(wlist_lines("<a>\n", 4, &w, why, sizeof(why)) < 0);
    CHECK(wlist_lines("#\n", 2, &w, why, sizeof(why)) < 0);
    CHECK(wlist_pairs("a.test:80,b.test:20", &w, why, sizeof(why)) == 0 && w.n == 2 && w.cum[1] == 100);
    int a = 0;
    for (int k = 0; k < 1000; k++)
        a += wlist_draw(&w, &r) == 0;
    CHECK(a > 740 && a < 860);
    wlist_free(&w);
    CHECK(wlist_pairs("x", &w, why, sizeof(why)) == 0 && w.n == 1 && w.cum[0] == 1);
    wlist_free(&w);
    static const char *good[] = { "a.test", "x-1.B.example", "m\xc3\xbcller.test", "a" };
    static const char *bad[] = { "a..test", "-a.test", "a-.test", "a.test.", ".a", "a_b.test",
                                 "[1.2.3.4]", "a@b" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK(wlist_pairs(good[i], &w, why, sizeof(why)) == 0);
        CHECK(wlist_domains(&w, why, sizeof(why)) == 0);
        wlist_free(&w);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(wlist_pairs(bad[i], &w, why, sizeof(why)) == 0);
        CHECK(wlist_domains(&w, why, sizeof(why)) < 0 && strstr(why, "item 1: "));
        wlist_free(&w);
    }
    CHECK(wlist_pairs("", &w, why, sizeof(why)) < 0 && wlist_pairs("a:", &w, why, sizeof(why)) < 0
          && wlist_pairs("a,", &w, why, sizeof(why)) < 0 && wlist_pairs("a:1:2", &w, why, sizeof(why)) < 0);
}

/* One heavy address among many light ones, a message taking them all:
 * each draw once, and the rest by weight once the heavy one is taken
 * (draws again on a repeat would take ever longer: 10,000 of 10,000
 * addresses took minutes). */
static void heavy(void)
{
    enum { N = 20000 };
    size_t len = 0, cap = N * 16 + 32;
    char *t = malloc(cap);
    len += (size_t)snprintf(t, cap, "heavy@x 1000000000\n");
    for (int i = 1; i < N; i++)
        len += (size_t)snprintf(t + len, cap - len, "u%d@x %d\n", i, i % 3 ? 1 : 1000);
    struct wlist w;
    char why[200];
    CHECK(wlist_lines(t, len, &w, why, sizeof(why)) == 0 && w.n == N);
    size_t *idx = malloc(N * sizeof(*idx));
    unsigned char *seen = calloc(N, 1);
    struct wl_rng r;
    wl_stream(&r, 3, 7, WL_RCPT_PICK);
    wlist_draw_distinct(&w, &r, idx, N);
    int ok = 1;
    for (size_t k = 0; k < N; k++) {
        ok = ok && idx[k] < N && !seen[idx[k]];
        if (idx[k] < N)
            seen[idx[k]] = 1;
    }
    CHECK(ok);
    /* By weight among the rest: the heavy one first, and the first
     * thousand after it mostly of weight 1000 (a third of the addresses,
     * 99.8% of the light ones' weight). */
    CHECK(idx[0] == 0);
    int of_1000 = 0;
    for (size_t k = 1; k <= 1000; k++)
        of_1000 += idx[k] % 3 == 0;
    CHECK(of_1000 > 950);
    /* Again from the same stream: the same draws. */
    size_t *again = malloc(N * sizeof(*again));
    wl_stream(&r, 3, 7, WL_RCPT_PICK);
    wlist_draw_distinct(&w, &r, again, N);
    CHECK(memcmp(idx, again, N * sizeof(*idx)) == 0);
    free(again);
    free(seen);
    free(idx);
    free(t);
    wlist_free(&w);
}

int main(void)
{
    lists();
    heavy();
    streams();
    forms();
    tables();
    layouts();
    return check_done("workload");
}
