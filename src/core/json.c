#include "core/json.h"

#include <math.h>
#include <string.h>

void json_begin(struct json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->first[0] = 1;
    j->close[0] = 0;
}

/* Comma and key before a value. */
static void lead(struct json *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->out);
    j->first[j->depth] = 0;
    if (key) {
        fputc('"', j->out);
        json_escape(j->out, key, strlen(key));
        fputs("\":", j->out);
    }
}

static void open_level(struct json *j, const char *key, char open, char close)
{
    lead(j, key);
    fputc(open, j->out);
    if (j->depth + 1 < JSON_DEPTH) {
        j->depth++;
        j->first[j->depth] = 1;
        j->close[j->depth] = close;
    }
}

void json_object(struct json *j, const char *key)
{
    open_level(j, key, '{', '}');
}

void json_array(struct json *j, const char *key)
{
    open_level(j, key, '[', ']');
}

void json_end(struct json *j)
{
    if (j->depth > 0) {
        fputc(j->close[j->depth], j->out);
        j->depth--;
    }
}

size_t json_utf8_len(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) { n = 2; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 3; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; min = 0x10000; }
    else return 0;
    if (left < n)
        return 0;
    unsigned cp = c & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void json_escape(FILE *out, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        switch (c) {
        case '"': fputs("\\\"", out); continue;
        case '\\': fputs("\\\\", out); continue;
        case '\n': fputs("\\n", out); continue;
        case '\r': fputs("\\r", out); continue;
        case '\t': fputs("\\t", out); continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
        } else if (c < 0x80) {
            fputc((int)c, out);
        } else {
            size_t n = json_utf8_len(s + i, len - i);
            if (n == 0) {
                fputs("\\ufffd", out);     /* not UTF-8: the replacement character */
            } else {
                fwrite(s + i, 1, n, out);
                i += n - 1;
            }
        }
    }
}

void json_string_n(struct json *j, const char *key, const char *s, size_t len)
{
    lead(j, key);
    fputc('"', j->out);
    json_escape(j->out, s, len);
    fputc('"', j->out);
}

void json_string(struct json *j, const char *key, const char *s)
{
    if (s == 0) {
        json_null(j, key);
        return;
    }
    json_string_n(j, key, s, strlen(s));
}

void json_int(struct json *j, const char *key, long long v)
{
    lead(j, key);
    fprintf(j->out, "%lld", v);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
    lead(j, key);
    fprintf(j->out, "%llu", v);
}

void json_double(struct json *j, const char *key, double v, int decimals)
{
    lead(j, key);
    if (isfinite(v))
        fprintf(j->out, "%.*f", decimals, v);
    else
        fputs("null", j->out);
}

void json_bool(struct json *j, const char *key, int v)
{
    lead(j, key);
    fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
    lead(j, key);
    fputs("null", j->out);
}
