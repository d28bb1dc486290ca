#include "smtp/esmtp.h"

#include <string.h>
#include <strings.h>

static bool word_is(const char *w, size_t n, const char *kw)
{
    return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

/* "AUTH PLAIN LOGIN", or the old "AUTH=PLAIN LOGIN": the mechanisms. */
static void mechanisms(struct esmtp *e, const char *p, size_t len)
{
    e->auth = true;
    size_t i = 0;
    while (i < len) {
        while (i < len && (p[i] == ' ' || p[i] == '='))
            i++;
        size_t w = i;
        while (i < len && p[i] != ' ')
            i++;
        if (word_is(p + w, i - w, "PLAIN"))
            e->auth_plain = true;
        else if (word_is(p + w, i - w, "LOGIN"))
            e->auth_login = true;
        else if (word_is(p + w, i - w, "XOAUTH2"))
            e->auth_xoauth2 = true;
    }
}

static void keyword(struct esmtp *e, const char *line, size_t len)
{
    size_t n = 0;
    while (n < len && line[n] != ' ' && line[n] != '=')
        n++;
    if (word_is(line, n, "PIPELINING"))
        e->pipelining = true;
    else if (word_is(line, n, "8BITMIME"))
        e->eightbitmime = true;
    else if (word_is(line, n, "CHUNKING"))
        e->chunking = true;
    else if (word_is(line, n, "SMTPUTF8"))
        e->smtputf8 = true;
    else if (word_is(line, n, "ENHANCEDSTATUSCODES"))
        e->enhancedstatuscodes = true;
    else if (word_is(line, n, "DSN"))
        e->dsn = true;
    else if (word_is(line, n, "STARTTLS"))
        e->starttls = true;
    else if (word_is(line, n, "AUTH"))
        mechanisms(e, line + n, len - n);
    else if (word_is(line, n, "SIZE")) {
        uint64_t v = 0;
        size_t i = n;
        while (i < len && line[i] == ' ')
            i++;
        for (; i < len && line[i] >= '0' && line[i] <= '9'; i++)
            v = v < UINT64_MAX / 10 ? v * 10 + (uint64_t)(line[i] - '0') : UINT64_MAX;
        e->has_size = true;
        e->size = v;
    }
}

void esmtp_line(struct esmtp *e, const char *line, size_t len)
{
    keyword(e, line, len);
}

void esmtp_parse(const char *text, size_t len, struct esmtp *e)
{
    memset(e, 0, sizeof(*e));
    const char *p = memchr(text, '\n', len);
    while (p) {
        p++;
        size_t left = len - (size_t)(p - text);
        const char *nl = memchr(p, '\n', left);
        size_t n = nl ? (size_t)(nl - p) : left;
        keyword(e, p, n);
        p = nl;
    }
}
