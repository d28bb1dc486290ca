/* auth: SMTP AUTH (RFC 4954) as pure functions: the mechanism, the
 * client's lines with their limits, and base64. */
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

/* base64 fed piece by piece, so that credentials are encoded where they
 * lie: no joined copy of them is made, and none is left to wipe. */
struct b64w {
    char *out;
    size_t n;
    unsigned long v;         /* up to 3 bytes not yet written */
    int k;                   /* how many */
};

static void b64_put(struct b64w *w, const void *p, size_t len)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < len; i++) {
        w->v = w->v << 8 | c[i];
        if (++w->k < 3)
            continue;
        for (int s = 18; s >= 0; s -= 6)
            w->out[w->n++] = b64[w->v >> s & 63];
        w->v = 0;
        w->k = 0;
    }
}

static size_t b64_end(struct b64w *w)
{
    if (w->k > 0) {
        unsigned long v = w->v << (8 * (3 - w->k));
        w->out[w->n++] = b64[v >> 18 & 63];
        w->out[w->n++] = b64[v >> 12 & 63];
        w->out[w->n++] = w->k == 2 ? b64[v >> 6 & 63] : '=';
        w->out[w->n++] = '=';
    }
    w->out[w->n] = 0;
    w->v = 0;
    w->k = 0;
    return w->n;
}

size_t b64_encode(const void *in, size_t len, char *out)
{
    struct b64w w = { out, 0, 0, 0 };
    b64_put(&w, in, len);
    return b64_end(&w);
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
            if (out)
                out[o] = (unsigned char)(v >> bits);
            o++;
        }
    }
    if (pad > 2 || (len % 4 != 0 && pad))
        return -1;
    return (long)o;
}

/* PLAIN's and XOAUTH2's initial response, before base64. */
static size_t initial_len(enum auth_mech m, const char *user, const char *secret)
{
    /* authzid (empty) NUL authcid NUL passwd; user=U ^A auth=Bearer T ^A ^A */
    return strlen(user) + strlen(secret) + (m == AUTH_PLAIN ? 2 : 20);
}

static void initial(struct b64w *w, enum auth_mech m, const char *user, const char *secret)
{
    if (m == AUTH_PLAIN) {
        b64_put(w, "", 1);
        b64_put(w, user, strlen(user));
        b64_put(w, "", 1);
        b64_put(w, secret, strlen(secret));
    } else {
        b64_put(w, "user=", 5);
        b64_put(w, user, strlen(user));
        b64_put(w, "\001auth=Bearer ", 13);
        b64_put(w, secret, strlen(secret));
        b64_put(w, "\001\001", 2);
    }
}

static bool has_initial(enum auth_mech m)
{
    return m == AUTH_PLAIN || m == AUTH_XOAUTH2;
}

/* "AUTH " + the name, and with the initial response " " + its base64 + CRLF. */
static size_t command_len(enum auth_mech m, const char *user, const char *secret)
{
    size_t n = 5 + strlen(auth_mech_name(m));
    return has_initial(m) ? n + 1 + b64_len(initial_len(m, user, secret)) + 2 : n + 2;
}

static bool initial_on_command(enum auth_mech m, const char *user, const char *secret)
{
    return has_initial(m) && command_len(m, user, secret) <= AUTH_COMMAND_MAX;
}

static size_t max(size_t a, size_t b)
{
    return a > b ? a : b;
}

size_t auth_line_max(enum auth_mech m, const char *user, const char *secret)
{
    switch (m) {
    case AUTH_PLAIN:
    case AUTH_XOAUTH2:
        if (initial_on_command(m, user, secret))
            return command_len(m, user, secret);
        return b64_len(initial_len(m, user, secret)) + 2;
    case AUTH_LOGIN:
        return max(12, b64_len(max(strlen(user), strlen(secret))) + 2);
    default:
        return 0;
    }
}

/* base64 of what w's feeder gives, then CRLF. */
static size_t finish(struct b64w *w)
{
    b64_end(w);
    memcpy(w->out + w->n, "\r\n", 3);
    return w->n + 2;
}

size_t auth_step(enum auth_mech m, int step, const char *user, const char *secret,
                 char *line, char *shown, size_t shown_len)
{
    struct b64w w = { line, 0, 0, 0 };

    if (m != AUTH_PLAIN && m != AUTH_LOGIN && m != AUTH_XOAUTH2)
        return 0;
    bool on_command = initial_on_command(m, user, secret);
    if (step == 0) {
        size_t n = (size_t)sprintf(line, "AUTH %s", auth_mech_name(m));
        snprintf(shown, shown_len, "%s%s", line, on_command ? " <hidden>" : "");
        if (!on_command) {
            memcpy(line + n, "\r\n", 3);
            return n + 2;
        }
        line[n++] = ' ';
        w.n = n;
        initial(&w, m, user, secret);
        return finish(&w);
    }
    /* The responses in order, the initial one first if it did not go out
     * with the command. */
    int k = step - 1 + (on_command ? 1 : 0);
    snprintf(shown, shown_len, "<hidden>");
    if (m == AUTH_LOGIN && k < 2) {
        const char *what = k == 0 ? user : secret;
        b64_put(&w, what, strlen(what));
        return finish(&w);
    }
    if (m != AUTH_LOGIN && k == 0) {
        initial(&w, m, user, secret);
        return finish(&w);
    }
    if (m == AUTH_XOAUTH2 && k == 1) {
        /* The 334 carries the server's error: an empty line ends it. */
        snprintf(shown, shown_len, "%s", "");
        memcpy(line, "\r\n", 3);
        return 2;
    }
    return 0;
}

void auth_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}
