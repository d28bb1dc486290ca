/* suggest: the nearest of a table of names to a word that is none of
 * them, for "unknown option --rtae=200; did you mean --rate?". Pure. */
#ifndef SUGGEST_H
#define SUGGEST_H

#include <stddef.h>

/* The edit distance of a and b (at most alen, blen bytes): insertions,
 * deletions, substitutions and transpositions of neighbours, each 1. */
size_t suggest_distance(const char *a, size_t alen, const char *b, size_t blen);

/* The name of names[0..n) nearest to word (its first len bytes), or NULL
 * when none is near enough to be meant: within 1 edit for a word of up to
 * 4 bytes, 2 up to 8, 3 beyond. The first of equally near names wins. */
const char *suggest_nearest(const char *word, size_t len, const char *const *names, size_t n);

/* How many of names[0..n) begin with word (its first len bytes). */
size_t suggest_prefixed(const char *word, size_t len, const char *const *names, size_t n);

#endif
