/* startat: --start-at's time, from RFC 3339 or @seconds to ns and back. */
#include "core/startat.h"

#include <stdio.h>
#include <time.h>

#define NS_PER_S 1000000000LL
/* The last second whose nanoseconds fit 63 bits (2262-04-11). */
#define SECONDS_MAX (INT64_MAX / NS_PER_S - 1)

static int fail(char *why, size_t len, const char *text)
{
    snprintf(why, len, "%s", text);
    return -1;
}

/* Exactly n digits at *s, as a number; advances *s. -1 if not digits. */
static int fixed(const char **s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *s += n;
    return v;
}

/* "." and 1 to 9 digits, as nanoseconds; nothing there is 0. */
static int fraction(const char **s, int64_t *ns, char *why, size_t len)
{
    *ns = 0;
    if (**s != '.')
        return 0;
    const char *p = *s + 1;
    int64_t scale = NS_PER_S;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (scale == 1)
            return fail(why, len, "more than 9 decimals (nanoseconds)");
        scale /= 10;
        *ns += (*p - '0') * scale;
    }
    if (p == *s + 1)
        return fail(why, len, "no digits after the decimal point");
    *s = p;
    return 0;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return days[m - 1] + (m == 2 && leap(y));
}

/* Days from 1970-01-01 to y-m-d (y >= 1970). */
static int64_t days_since_epoch(int y, int m, int d)
{
    int64_t days = 365LL * (y - 1970);
    /* The leap days of the years 1970 .. y-1. */
    days += (y - 1) / 4 - 1969 / 4 - ((y - 1) / 100 - 1969 / 100) + (y - 1) / 400 - 1969 / 400;
    for (int i = 1; i < m; i++)
        days += month_days(y, i);
    return days + d - 1;
}

static int unix_seconds(const char *s, int64_t *unix_ns, char *why, size_t len)
{
    int64_t secs = 0, frac;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        secs = secs * 10 + (*p - '0');
        if (secs > SECONDS_MAX)
            return fail(why, len, "too far in the future");
    }
    if (p == s)
        return fail(why, len, "no seconds after @ (give @1796119200 or @1796119200.5)");
    if (fraction(&p, &frac, why, len) < 0)
        return -1;
    if (*p)
        return fail(why, len, "not @seconds[.fraction]");
    *unix_ns = secs * NS_PER_S + frac;
    return 0;
}

static int rfc3339(const char *s, int64_t *unix_ns, char *why, size_t len)
{
    const char *p = s;
    int y = fixed(&p, 4), mo, d, h, mi, sec;
    if (y < 0 || *p++ != '-' || (mo = fixed(&p, 2)) < 0 || *p++ != '-' || (d = fixed(&p, 2)) < 0)
        return fail(why, len, "not an RFC 3339 time (give 2026-12-01T10:00:00Z)");
    if (*p != 'T' && *p != 't')
        return fail(why, len, "no T between the date and the time");
    p++;
    if ((h = fixed(&p, 2)) < 0 || *p++ != ':' || (mi = fixed(&p, 2)) < 0 || *p++ != ':'
        || (sec = fixed(&p, 2)) < 0)
        return fail(why, len, "not an RFC 3339 time (give 2026-12-01T10:00:00Z)");
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59)
        return fail(why, len, "no such date or time");
    if (sec == 60)
        return fail(why, len, "a leap second (POSIX time has none)");
    if (sec > 59)
        return fail(why, len, "no such date or time");
    int64_t frac;
    if (fraction(&p, &frac, why, len) < 0)
        return -1;
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if ((oh = fixed(&p, 2)) < 0 || *p++ != ':' || (om = fixed(&p, 2)) < 0 || oh > 23 || om > 59)
            return fail(why, len, "a bad zone offset (give Z, +02:00 or -05:30)");
        offset = sign * (oh * 3600LL + om * 60);
    } else {
        return fail(why, len, "no zone (give Z, or an offset such as +02:00)");
    }
    if (*p)
        return fail(why, len, "text after the time");
    if (y < 1970)
        return fail(why, len, "before 1970");
    int64_t secs = days_since_epoch(y, mo, d) * 86400 + h * 3600LL + mi * 60 + sec - offset;
    if (secs < 0)
        return fail(why, len, "before 1970");
    if (secs > SECONDS_MAX)
        return fail(why, len, "too far in the future");
    *unix_ns = secs * NS_PER_S + frac;
    return 0;
}

int startat_parse(const char *s, int64_t *unix_ns, char *why, size_t len)
{
    int64_t v;
    int rc = s[0] == '@' ? unix_seconds(s + 1, &v, why, len) : rfc3339(s, &v, why, len);
    if (rc == 0)
        *unix_ns = v;
    return rc;
}

void startat_format(int64_t unix_ns, char *buf, size_t len)
{
    int64_t secs = unix_ns / NS_PER_S, days = secs / 86400, rest = secs % 86400;
    int y = 1970, m = 1;
    while (days >= 365 + leap(y))
        days -= 365 + leap(y++);
    while (days >= month_days(y, m))
        days -= month_days(y, m++);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, (int)days + 1,
             (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60),
             (int)(unix_ns % NS_PER_S / 1000));
}

int64_t startat_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}
