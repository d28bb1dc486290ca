#include "check.h"
#include "core/numparse.h"

#include <limits.h>

int main(void)
{
    long long v = -1;

    CHECK(num_parse("1", 1, 10, &v) == 0 && v == 1);
    CHECK(num_parse("10", 1, 10, &v) == 0 && v == 10);
    CHECK(num_parse("2147483647", 1, INT_MAX, &v) == 0 && v == INT_MAX);
    /* Everything atoi would have let through is refused. */
    CHECK(num_parse("0", 1, 10, &v) < 0);
    CHECK(num_parse("11", 1, 10, &v) < 0);
    CHECK(num_parse("", 1, 10, &v) < 0);
    CHECK(num_parse("5x", 1, 10, &v) < 0);
    CHECK(num_parse(" 5", 1, 10, &v) < 0);
    CHECK(num_parse("-2", 1, 10, &v) < 0);
    CHECK(num_parse("+2", 1, 10, &v) < 0);
    CHECK(num_parse("abc", 1, 10, &v) < 0);
    CHECK(num_parse("2147483648", 1, INT_MAX, &v) < 0);
    CHECK(num_parse("99999999999999999999", 1, LLONG_MAX, &v) < 0);
    CHECK(num_parse("9223372036854775807", 1, LLONG_MAX, &v) == 0 && v == LLONG_MAX);
    CHECK(num_parse("9223372036854775808", 1, LLONG_MAX, &v) < 0);
    CHECK(num_parse(0, 1, 10, &v) < 0);
    return check_done("numparse");
}
