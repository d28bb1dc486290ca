/* json: a small streaming JSON writer onto a stdio stream. It tracks
 * commas and nesting, and escapes strings properly (quotes, backslashes,
 * control bytes, and bytes that are not valid UTF-8). */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH 16

struct json {
    FILE *out;
    int depth;
    int first[JSON_DEPTH];   /* nothing written yet at this level */
    char close[JSON_DEPTH];  /* the bracket that ends this level */
};

void json_begin(struct json *j, FILE *out);
void json_object(struct json *j, const char *key);   /* key NULL in arrays/top */
void json_array(struct json *j, const char *key);
void json_end(struct json *j);                       /* closes } or ] */
void json_string(struct json *j, const char *key, const char *s);
void json_string_n(struct json *j, const char *key, const char *s, size_t len);
void json_int(struct json *j, const char *key, long long v);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_double(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);

/* Escapes s for inclusion between quotes; writes to out. */
void json_escape(FILE *out, const char *s, size_t len);
/* The length of the valid UTF-8 sequence of more than one byte at s (its
 * first byte >= 0x80; no overlong form, no surrogate), or 0 if it is not
 * one. */
size_t json_utf8_len(const unsigned char *s, size_t left);

#endif
