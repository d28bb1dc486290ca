/* check.h: the unit tests' whole harness. CHECK records a failure and
 * goes on; check_done prints the tally and gives the exit status. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed, check_passed;

#define CHECK(cond) do { \
    if (cond) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STR(got, want) do { \
    const char *g_ = (got), *w_ = (want); \
    if (g_ && strcmp(g_, w_) == 0) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: FAILED: got \"%s\", want \"%s\"\n", \
                                   __FILE__, __LINE__, g_ ? g_ : "(null)", w_); } \
} while (0)

#define CHECK_MEM(got, glen, want, wlen) do { \
    if ((glen) == (wlen) && memcmp((got), (want), (wlen)) == 0) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: FAILED: bytes differ (%zu vs %zu)\n", \
                                   __FILE__, __LINE__, (size_t)(glen), (size_t)(wlen)); } \
} while (0)

#define CHECK_LIT(got, glen, lit) CHECK_MEM(got, glen, lit, sizeof(lit) - 1)

static inline int check_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed != 0;
}

#endif
