/* sizespec: --size=SPEC, the size of each message as the server stores it
 * (CRLF line ends, before dot-stuffing, headers included): N (k, m
 * suffixes: 1024, 1048576), A-B (uniform), lognormal:MEDIAN:P99, or a table
 * of "SIZE WEIGHT" lines (@FILE). Parsing and the draw per slot. Pure. */
#ifndef WORKLOAD_SIZESPEC_H
#define WORKLOAD_SIZESPEC_H

#include <stddef.h>
#include <stdint.h>

/* No message is drawn larger: the content goes out as iovecs of a 1 MiB
 * fill, and a write takes at most IOV_MAX (1024) of them. */
#define SIZE_LIMIT (512ULL * 1024 * 1024)
/* Rows a table may have. */
#define SIZE_TABLE_MAX 100000
/* A lognormal draw is cut at this many times its P99. */
#define SIZE_TAIL_CUT 10

enum size_kind { SIZE_FIXED, SIZE_UNIFORM, SIZE_LOGNORMAL, SIZE_TABLE };

struct size_spec {
    enum size_kind kind;
    uint64_t a, b;            /* FIXED: a; UNIFORM: a..b; LOGNORMAL: median, p99 */
    double mu, sigma;         /* LOGNORMAL */
    uint64_t *size, *cum;     /* TABLE: n rows, cum[i] = weights of rows 0..i */
    size_t n;
};

/* One size: digits, optionally k or m; 1 to SIZE_LIMIT. */
int size_number(const char *text, size_t len, uint64_t *out);

/* N, A-B or lognormal:MEDIAN:P99 (not @FILE). 0, or -1 with why. */
int size_parse(const char *text, struct size_spec *sp, char *why, size_t whylen);

/* A table's text: lines "SIZE WEIGHT" (weight a positive integer), blank
 * lines and lines starting with '#' skipped. sp->size, sp->cum are
 * malloc'd (size_free). 0, or -1 with why (naming the line). */
int size_table(const char *data, size_t len, struct size_spec *sp, char *why, size_t whylen);

void size_free(struct size_spec *sp);

/* The size of slot k's message under seed. */
uint64_t size_draw(const struct size_spec *sp, uint64_t seed, int64_t k);

/* The largest size sp can draw. */
uint64_t size_max(const struct size_spec *sp);

#endif
