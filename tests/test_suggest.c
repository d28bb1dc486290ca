#include "check.h"
#include "cli/suggest.h"

#include <string.h>

static const char *const names[] = { "quiet", "timeout", "json", "rate", "records",
                                     "duration", "starttls", "smtps", "stages",
                                     "start-at", "step", "auth-password-file",
                                     "auth-password" };
#define N (sizeof(names) / sizeof(names[0]))

static size_t dist(const char *a, const char *b)
{
    return suggest_distance(a, strlen(a), b, strlen(b));
}

static const char *near(const char *w)
{
    return suggest_nearest(w, strlen(w), names, N);
}

int main(void)
{
    CHECK(dist("", "") == 0);
    CHECK(dist("rate", "rate") == 0);
    CHECK(dist("rtae", "rate") == 1);       /* a transposition is one edit */
    CHECK(dist("rat", "rate") == 1);
    CHECK(dist("rates", "rate") == 1);
    CHECK(dist("rxte", "rate") == 1);
    CHECK(dist("", "json") == 4);
    CHECK(dist("kitten", "sitting") == 3);
    CHECK(dist("ca", "abc") == 3);          /* the restricted form: no edit twice */

    CHECK_STR(near("rtae"), "rate");
    CHECK_STR(near("jsno"), "json");
    CHECK_STR(near("quite"), "quiet");
    CHECK_STR(near("timeuot"), "timeout");
    CHECK_STR(near("auth-pasword-file"), "auth-password-file");
    CHECK_STR(near("startls"), "starttls");
    CHECK(near("bogus") == 0);
    CHECK(near("x") == 0);
    CHECK(near("") == 0);
    /* The word's length, not its terminator. */
    CHECK_STR(suggest_nearest("rtae=200", 4, names, N), "rate");
    /* A word longer than any name is near none, and costs nothing. */
    char big[200];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    CHECK(near(big) == 0);

    CHECK(suggest_prefixed("st", 2, names, N) == 4);
    CHECK(suggest_prefixed("ra", 2, names, N) == 1);
    CHECK(suggest_prefixed("x", 1, names, N) == 0);
    return check_done("suggest");
}
