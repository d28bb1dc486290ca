/* auth: SMTP AUTH's client side as pure functions, and base64. */
#include "smtp/auth.h"

#include <stdio.h>
#include <string.h>

const char *auth_mech_name(enum auth_mech m)
{
    switch (m) {
    case AUTH_PLAIN: return "PLAIN";
    case AUTH_LOGIN: return "LOGIN";
    case AUTH_XOAUTH2: return "XOAUTH2";
    default: return "none";
    }
}

static bool offers(const struct esmtp *e, enum auth_mech m)
{
    return (m == AUTH_PLAIN && e->auth_plain) || (m == AUTH_LOGIN && e->auth_login)
        || (m == AUTH_XOAUTH2 && e->auth_xoauth2);
}

enum auth_mech auth_choose(const struct esmtp *offered, enum auth_mech asked)
{
    if (asked != AUTH_NONE)
        return offers(offered, asked) ? asked : AUTH_NONE;
    if (offered->auth_plain)
        return AUTH_PLAIN;
    if (offered->auth_login)
        return AUTH_LOGIN;
    return AUTH_NONE;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

size_t b64_encode(const void *in, size_t len, char *out)
{
    const unsigned char *p = in;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

static int value(char c)
{
    const char *p = c ? strchr(b64, c) : 0;
    return p ? (int)(p - b64) : -1;
}

long b64_decode(const char *in, size_t len, unsigned char *out)
{
    size_t o = 0;
    unsigned v = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '=') {
            pad++;
            continue;
        }
        int d = value(in[i]);
        if (d < 0 || pad)
            return -1;
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits);
        }
    }
    if (pad > 2 || (len % 4 != 0 && pad))
        return -1;
    return (long)o;
}

size_t auth_line_max(const char *user, const char *secret)
{
    /* XOAUTH2's "user=U\1auth=Bearer S\1\1" is the longest raw form. */
    size_t raw = strlen(user) + strlen(secret) + 32;
    return b64_len(raw) + 32;
}

/* "PREFIX" + base64(raw) + CRLF into line. */
static size_t encoded(char *line, const char *prefix, const void *raw, size_t rawlen)
{
    size_t n = strlen(prefix);
    memcpy(line, prefix, n);
    n += b64_encode(raw, rawlen, line + n);
    memcpy(line + n, "\r\n", 3);
    return n + 2;
}

size_t auth_step(enum auth_mech m, int step, const char *user, const char *secret,
                 char *line, char *shown, size_t shown_len)
{
    size_t ul = strlen(user), sl = strlen(secret), n = 0;
    char raw[4096 + 64];

    if (ul + sl + 32 > sizeof(raw))
        return 0;
    switch (m) {
    case AUTH_PLAIN:
        if (step != 0)
            return 0;
        /* authzid (empty) NUL authcid NUL passwd */
        raw[0] = 0;
        memcpy(raw + 1, user, ul);
        raw[1 + ul] = 0;
        memcpy(raw + 2 + ul, secret, sl);
        n = encoded(line, "AUTH PLAIN ", raw, ul + sl + 2);
        snprintf(shown, shown_len, "AUTH PLAIN <hidden>");
        break;
    case AUTH_LOGIN:
        if (step == 0) {
            memcpy(line, "AUTH LOGIN\r\n", 13);
            snprintf(shown, shown_len, "AUTH LOGIN");
            return 12;
        }
        if (step > 2)
            return 0;
        n = encoded(line, "", step == 1 ? user : secret, step == 1 ? ul : sl);
        snprintf(shown, shown_len, "<hidden>");
        break;
    case AUTH_XOAUTH2:
        if (step == 0) {
            int k = snprintf(raw, sizeof(raw), "user=%s\001auth=Bearer %s\001\001", user, secret);
            n = encoded(line, "AUTH XOAUTH2 ", raw, (size_t)k);
            snprintf(shown, shown_len, "AUTH XOAUTH2 <hidden>");
        } else if (step == 1) {
            /* The 334 carries the server's error: an empty line ends it. */
            memcpy(line, "\r\n", 3);
            snprintf(shown, shown_len, "%s", "");
            return 2;
        } else {
            return 0;
        }
        break;
    default:
        return 0;
    }
    auth_wipe(raw, sizeof(raw));
    return n;
}

void auth_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}
