/* http: the metrics server's reading of a request head, bounded and pure. */
#include "metrics/http.h"

#include <string.h>
#include <strings.h>

/* The head ends at the first empty line (CRLF CRLF, or bare LF LF as
 * some hand-typed clients send). */
static size_t head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != 0);
}

static int is_vchar(char c)
{
    return (unsigned char)c > 0x20 && (unsigned char)c < 0x7f;
}

/* One line from p (up to end): its length without CR LF, and where the
 * next begins. -1: a stray CR or a control character within. */
static long line(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == 0)
        return -1;
    const char *e = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
    for (const char *q = p; q < e; q++)
        if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
            return -1;
    *next = nl + 1;
    return e - p;
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* A media range "type/subtype; k=v; ..." is OpenMetrics 1.0 unless its
 * q is zero or its version another. */
static int range_is_openmetrics(const char *p, const char *end)
{
    static const char om[] = "application/openmetrics-text";
    p = skip_ows(p, end);
    if (p >= end)
        return 0;
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *type_end = semi ? semi : end;
    while (type_end > p && (type_end[-1] == ' ' || type_end[-1] == '\t'))
        type_end--;
    if ((size_t)(type_end - p) != sizeof(om) - 1 || strncasecmp(p, om, sizeof(om) - 1) != 0)
        return 0;
    while (semi) {
        const char *k = skip_ows(semi + 1, end);
        if (k >= end)
            break;
        semi = memchr(k, ';', (size_t)(end - k));
        const char *v_end = semi ? semi : end;
        while (v_end > k && (v_end[-1] == ' ' || v_end[-1] == '\t'))
            v_end--;
        size_t n = (size_t)(v_end - k);
        if (n >= 2 && strncasecmp(k, "q=", 2) == 0) {
            int nonzero = 0;
            for (const char *d = k + 2; d < v_end; d++)
                if (*d >= '1' && *d <= '9')
                    nonzero = 1;
            if (!nonzero)
                return 0;
        } else if (n >= 8 && strncasecmp(k, "version=", 8) == 0) {
            if (n != 13 || strncmp(k + 8, "1.0.0", 5) != 0)
                return 0;
        }
    }
    return 1;
}

int http_accepts_openmetrics(const char *value, size_t len)
{
    const char *p = value, *end = value + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        if (range_is_openmetrics(p, e))
            return 1;
        p = comma ? comma + 1 : end;
    }
    return 0;
}

/* "METHOD SP target SP HTTP/1.d". */
static int request_line(const char *p, size_t n, struct http_request *req)
{
    const char *end = p + n;
    const char *sp = memchr(p, ' ', n);
    if (sp == 0 || sp == p)
        return -1;
    for (const char *q = p; q < sp; q++)
        if (!is_tchar(*q))
            return -1;
    size_t mlen = (size_t)(sp - p);
    req->method = mlen == 3 && memcmp(p, "GET", 3) == 0 ? HTTP_GET
                : mlen == 4 && memcmp(p, "HEAD", 4) == 0 ? HTTP_HEAD : HTTP_OTHER;
    const char *t = sp + 1;
    const char *sp2 = memchr(t, ' ', (size_t)(end - t));
    if (sp2 == 0 || sp2 == t || *t != '/')
        return -1;
    for (const char *q = t; q < sp2; q++)
        if (!is_vchar(*q))
            return -1;
    const char *query = memchr(t, '?', (size_t)(sp2 - t));
    size_t plen = (size_t)((query ? query : sp2) - t);
    if (plen >= HTTP_PATH_MAX)
        return -1;
    memcpy(req->path, t, plen);
    req->path[plen] = 0;
    const char *v = sp2 + 1;
    if (end - v != 8 || memcmp(v, "HTTP/1.", 7) != 0 || v[7] < '0' || v[7] > '9')
        return -1;
    return 0;
}

/* "name: value"; Accept's value is read, the rest only checked. */
static int header_line(const char *p, size_t n, struct http_request *req)
{
    const char *end = p + n;
    const char *colon = memchr(p, ':', n);
    if (colon == 0 || colon == p)
        return -1;
    for (const char *q = p; q < colon; q++)
        if (!is_tchar(*q))
            return -1;
    if (colon - p == 6 && strncasecmp(p, "accept", 6) == 0) {
        const char *v = skip_ows(colon + 1, end);
        if (http_accepts_openmetrics(v, (size_t)(end - v)))
            req->openmetrics = 1;
    }
    return 0;
}

enum http_parse http_parse(const char *buf, size_t len, struct http_request *req)
{
    memset(req, 0, sizeof(*req));
    size_t head = head_end(buf, len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX);
    if (head == 0)
        return len >= HTTP_HEAD_MAX ? HTTP_BAD : HTTP_MORE;
    const char *p = buf, *end = buf + head, *next;
    long n = line(p, end, &next);
    if (n <= 0 || request_line(p, (size_t)n, req) < 0)
        return HTTP_BAD;
    for (p = next; (n = line(p, end, &next)) != 0; p = next) {
        /* A folded line (leading white space) is obsolete: refused. */
        if (n < 0 || *p == ' ' || *p == '\t' || header_line(p, (size_t)n, req) < 0)
            return HTTP_BAD;
    }
    req->head_len = head;
    return HTTP_OK;
}
