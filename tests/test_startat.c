/* --start-at's times: RFC 3339 with a zone and @seconds, exact to the
 * nanosecond; every malformed or impossible time refused with a reason;
 * the UTC text the report prints reads back as the same instant. */
#include "check.h"
#include "core/startat.h"

static int64_t parsed(const char *s)
{
    int64_t v = -1;
    char why[96];
    return startat_parse(s, &v, why, sizeof(why)) == 0 ? v : -1;
}

static int refused(const char *s, const char *reason)
{
    int64_t v = 42;
    char why[96] = "";
    return startat_parse(s, &v, why, sizeof(why)) < 0 && v == 42 && strstr(why, reason) != 0;
}

int main(void)
{
    CHECK(parsed("1970-01-01T00:00:00Z") == 0);
    CHECK(parsed("2026-12-01T10:00:00Z") == 1796119200LL * 1000000000);
    CHECK(parsed("2026-12-01t10:00:00z") == 1796119200LL * 1000000000);
    CHECK(parsed("2026-12-01T11:00:00+01:00") == 1796119200LL * 1000000000);
    CHECK(parsed("2000-02-29T12:34:56.789+02:00") == 951820496789000000LL);
    CHECK(parsed("2024-02-29T23:59:59.999999999-05:30") == 1709270999999999999LL);
    CHECK(parsed("2100-03-01T00:00:00Z") == 4107542400LL * 1000000000);
    CHECK(parsed("2262-04-11T23:47:15Z") == 9223372035LL * 1000000000);
    CHECK(parsed("@0") == 0);
    CHECK(parsed("@1796119200") == 1796119200LL * 1000000000);
    CHECK(parsed("@1796119200.5") == 1796119200500000000LL);
    CHECK(parsed("@1.000000001") == 1000000001LL);

    CHECK(refused("2026-12-01T10:00:00", "no zone"));
    CHECK(refused("2026-12-01 10:00:00Z", "no T"));
    CHECK(refused("2026-12-01", "no T"));
    CHECK(refused("2026-02-29T00:00:00Z", "no such date"));
    CHECK(refused("2100-02-29T00:00:00Z", "no such date"));
    CHECK(refused("2026-13-01T00:00:00Z", "no such date"));
    CHECK(refused("2026-04-31T00:00:00Z", "no such date"));
    CHECK(refused("2026-12-00T00:00:00Z", "no such date"));
    CHECK(refused("2026-12-01T24:00:00Z", "no such date"));
    CHECK(refused("2026-12-01T10:60:00Z", "no such date"));
    CHECK(refused("2016-12-31T23:59:60Z", "leap second"));
    CHECK(refused("2026-12-01T10:00:00.Z", "no digits"));
    CHECK(refused("2026-12-01T10:00:00.1234567890Z", "more than 9 decimals"));
    CHECK(refused("2026-12-01T10:00:00+0100", "zone offset"));
    CHECK(refused("2026-12-01T10:00:00+01:60", "zone offset"));
    CHECK(refused("2026-12-01T10:00:00+24:00", "zone offset"));
    CHECK(refused("2026-12-01T10:00:00Zx", "text after"));
    CHECK(refused("26-12-01T10:00:00Z", "not an RFC 3339"));
    CHECK(refused("2026-1-01T10:00:00Z", "not an RFC 3339"));
    CHECK(refused("2026-12-01T1:00:00Z", "not an RFC 3339"));
    CHECK(refused("1969-12-31T23:59:59Z", "before 1970"));
    CHECK(refused("1970-01-01T00:00:00+00:01", "before 1970"));
    CHECK(refused("2262-04-11T23:47:16Z", "too far"));
    CHECK(refused("9999-12-31T23:59:59Z", "too far"));
    CHECK(refused("@", "no seconds"));
    CHECK(refused("@-1", "no seconds"));
    CHECK(refused("@1.", "no digits"));
    CHECK(refused("@1e3", "not @seconds"));
    CHECK(refused("@99999999999999999999", "too far"));
    CHECK(refused("", "not an RFC 3339"));
    CHECK(refused("now", "not an RFC 3339"));

    char buf[64];
    startat_format(0, buf, sizeof(buf));
    CHECK_STR(buf, "1970-01-01T00:00:00.000000Z");
    startat_format(1709270999999999999LL, buf, sizeof(buf));
    CHECK_STR(buf, "2024-03-01T05:29:59.999999Z");
    startat_format(951820496789000000LL, buf, sizeof(buf));
    CHECK_STR(buf, "2000-02-29T10:34:56.789000Z");
    /* Every day of 1970..2260 and back, at many times of day. */
    int round = 1;
    for (int64_t day = 0; day < 106000 && round; day++) {
        int64_t t = day * 86400 * 1000000000LL + (day % 86400) * 1000001000LL;
        startat_format(t, buf, sizeof(buf));
        round = parsed(buf) == t;
        if (!round)
            fprintf(stderr, "day %lld: %s\n", (long long)day, buf);
    }
    CHECK(round);
    return check_done("startat");
}
