/* suggest: Damerau-Levenshtein (the restricted form: optimal string
 * alignment) over a small table, for a mistyped long option. */
#include "cli/suggest.h"

#include <string.h>

/* Option names are short: longer words are never near any of them. */
#define WORD_MAX 64

size_t suggest_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen > WORD_MAX || blen > WORD_MAX)
        return (alen > blen ? alen : blen);
    /* Three rows of the table: the one before last for transpositions. */
    size_t rows[3][WORD_MAX + 1];
    size_t *back = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= blen; j++)
        prev[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && back[j - 2] + 1 < d)
                d = back[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = back;
        back = prev;
        prev = cur;
        cur = t;
    }
    return prev[blen];
}

const char *suggest_nearest(const char *word, size_t len, const char *const *names, size_t n)
{
    size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    const char *best = 0;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = suggest_distance(word, len, names[i], strlen(names[i]));
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

size_t suggest_prefixed(const char *word, size_t len, const char *const *names, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(names[i], word, len) == 0)
            count++;
    return count;
}
