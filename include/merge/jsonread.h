/* jsonread: a small strict JSON reader (RFC 8259) for the reports that
 * --merge reads back: the whole text becomes a tree of nodes. Strict:
 * one value, nothing after it but white space; strings valid UTF-8 with
 * valid escapes (surrogates in pairs), no control bytes; no duplicate
 * keys. Bounded: nesting depth, text size, members of one object, length
 * of a number. A number keeps its text, read exactly as an integer
 * (jr_int) or as a double. Pure: no I/O. */
#ifndef JSONREAD_H
#define JSONREAD_H

#include <stddef.h>
#include <stdint.h>

#define JR_DEPTH 32
#define JR_TEXT_MAX ((size_t)512 << 20)
#define JR_MEMBERS_MAX 1024
#define JR_NUMBER_MAX 40

enum jr_type { JR_NULL, JR_BOOL, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_node {
    uint8_t type;
    uint8_t truth;       /* JR_BOOL */
    uint32_t key;        /* a member's key (offset in strs), or UINT32_MAX */
    uint32_t next;       /* the next member or element, 0 for none */
    uint32_t child;      /* the first member or element, 0 for none */
    uint32_t count;      /* members or elements */
    uint32_t str, len;   /* JR_STRING: offset and length in strs; JR_NUMBER: in the text */
    uint32_t pos;        /* where the value begins in the text */
};

struct jr_doc {
    const char *text;    /* the caller's, kept while the doc is used */
    size_t text_len;
    struct jr_node *node;   /* node[0] is the root */
    size_t n, cap;
    char *strs;          /* decoded strings and keys, each NUL-terminated */
    size_t slen, scap;
    char error[160];     /* "line L, column C: what" */
};

/* Parses text. 0, or -1 with doc->error set (the doc must still be
 * freed). */
int jr_parse(struct jr_doc *doc, const char *text, size_t len);
void jr_free(struct jr_doc *doc);

const struct jr_node *jr_root(const struct jr_doc *doc);
/* The member `key` of an object, or NULL (also when obj is no object). */
const struct jr_node *jr_get(const struct jr_doc *doc, const struct jr_node *obj, const char *key);
/* The first element or member, and the one after n; NULL at the end. */
const struct jr_node *jr_first(const struct jr_doc *doc, const struct jr_node *n);
const struct jr_node *jr_next(const struct jr_doc *doc, const struct jr_node *n);
/* A member's key. */
const char *jr_key(const struct jr_doc *doc, const struct jr_node *n);

/* An integer written as one (no fraction, no exponent) that fits: 0, or -1. */
int jr_int(const struct jr_doc *doc, const struct jr_node *n, int64_t *v);
int jr_uint(const struct jr_doc *doc, const struct jr_node *n, uint64_t *v);
int jr_double(const struct jr_doc *doc, const struct jr_node *n, double *v);
/* A string's decoded bytes (NUL-terminated; len may be NULL), or NULL. */
const char *jr_str(const struct jr_doc *doc, const struct jr_node *n, size_t *len);

/* The line (from 1) on which a value begins, for messages. */
unsigned long jr_line(const struct jr_doc *doc, const struct jr_node *n);

/* Two values are the same JSON (numbers by their text). */
int jr_equal(const struct jr_doc *a, const struct jr_node *x, const struct jr_doc *b,
             const struct jr_node *y);

#endif
