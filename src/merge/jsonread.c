/* jsonread: strict JSON text -> a tree of nodes, within bounds. */
#include "merge/jsonread.h"

#include "core/diag.h"
#include "core/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct parser {
    struct jr_doc *d;
    const char *s;
    size_t len, pos;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
    unsigned long line = 1, col = 1;
    for (size_t i = 0; i < p->pos && i < p->len; i++) {
        if (p->s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char what[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(p->d->error, sizeof(p->d->error), "line %lu, column %lu: %s", line, col, what);
    return -1;
}

static uint32_t new_node(struct parser *p, uint8_t type)
{
    struct jr_doc *d = p->d;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        /* Every node comes from at least one byte of text. */
        if (cap > p->len + 1)
            cap = p->len + 1;
        struct jr_node *v = cap > d->cap ? realloc(d->node, cap * sizeof(*v)) : 0;
        if (v == 0) {
            fail(p, "out of memory");
            return NONE;
        }
        d->node = v;
        d->cap = cap;
    }
    struct jr_node *n = &d->node[d->n];
    memset(n, 0, sizeof(*n));
    n->type = type;
    n->key = NONE;
    n->pos = (uint32_t)p->pos;
    return (uint32_t)d->n++;
}

static int put(struct parser *p, const char *b, size_t n)
{
    struct jr_doc *d = p->d;
    if (d->slen + n + 1 > d->scap) {
        size_t cap = d->scap ? d->scap : 1024;
        while (cap < d->slen + n + 1)
            cap *= 2;
        char *s = realloc(d->strs, cap);
        if (s == 0)
            return fail(p, "out of memory");
        d->strs = s;
        d->scap = cap;
    }
    memcpy(d->strs + d->slen, b, n);
    d->slen += n;
    return 0;
}

static void white(struct parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int hex4(struct parser *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->pos < p->len ? p->s[p->pos] : 0;
        unsigned x = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
        if (x == 16)
            return fail(p, "a \\u escape needs four hex digits");
        *v = *v << 4 | x;
        p->pos++;
    }
    return 0;
}

static int put_code(struct parser *p, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        b[2] = (char)(0x80 | (cp >> 6 & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    return put(p, b, n);
}

static int escape(struct parser *p)
{
    char c = p->pos < p->len ? p->s[p->pos++] : 0;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : 0;
    if (k)
        return put(p, &to[k - from], 1);
    if (c != 'u')
        return fail(p, "a bad escape in a string");
    unsigned cp, lo;
    if (hex4(p, &cp) < 0)
        return -1;
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return fail(p, "a lone low surrogate in a string");
    if (cp >= 0xd800 && cp <= 0xdbff) {
        if (p->pos + 2 > p->len || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
            return fail(p, "a high surrogate without its low one");
        p->pos += 2;
        if (hex4(p, &lo) < 0)
            return -1;
        if (lo < 0xdc00 || lo > 0xdfff)
            return fail(p, "a high surrogate without its low one");
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    return put_code(p, cp);
}

/* A string at p->pos (its opening quote): decoded into strs. */
static int string(struct parser *p, uint32_t *off, uint32_t *len)
{
    size_t start = p->d->slen;
    p->pos++;
    for (;;) {
        if (p->pos >= p->len)
            return fail(p, "a string without its closing quote");
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20)
            return fail(p, "a control byte in a string");
        if (c == '\\') {
            p->pos++;
            if (escape(p) < 0)
                return -1;
            continue;
        }
        size_t n = c < 0x80 ? 1 : json_utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);
        if (n == 0)
            return fail(p, "a string that is not UTF-8");
        if (put(p, p->s + p->pos, n) < 0)
            return -1;
        p->pos += n;
    }
    if (put(p, "", 1) < 0)
        return -1;
    *off = (uint32_t)start;
    *len = (uint32_t)(p->d->slen - start - 1);
    return 0;
}

static size_t digits(struct parser *p)
{
    size_t n = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        p->pos++;
        n++;
    }
    return n;
}

static int number(struct parser *p, struct jr_node *n)
{
    size_t start = p->pos;
    if (p->s[p->pos] == '-')
        p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '0')
        p->pos++;
    else if (digits(p) == 0)
        return fail(p, "not a value");
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (digits(p) == 0)
            return fail(p, "no digits after a decimal point");
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (digits(p) == 0)
            return fail(p, "no digits in an exponent");
    }
    if (p->pos - start > JR_NUMBER_MAX)
        return fail(p, "a number longer than %d characters", JR_NUMBER_MAX);
    n->str = (uint32_t)start;
    n->len = (uint32_t)(p->pos - start);
    return 0;
}

static int literal(struct parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, "not a value");
    p->pos += n;
    return 0;
}

static uint32_t value(struct parser *p, int depth);

/* Links child after *last under parent `at`. */
static void link(struct jr_doc *d, uint32_t at, uint32_t *last, uint32_t child)
{
    if (*last == 0)
        d->node[at].child = child;
    else
        d->node[*last].next = child;
    *last = child;
    d->node[at].count++;
}

static int duplicate(const struct jr_doc *d, uint32_t obj, const char *key)
{
    for (uint32_t c = d->node[obj].child; c; c = d->node[c].next)
        if (strcmp(d->strs + d->node[c].key, key) == 0)
            return 1;
    return 0;
}

static uint32_t container(struct parser *p, int depth, int object)
{
    uint32_t at = new_node(p, object ? JR_OBJECT : JR_ARRAY), last = 0;
    if (at == NONE)
        return NONE;
    if (depth >= JR_DEPTH) {
        fail(p, "nested deeper than %d", JR_DEPTH);
        return NONE;
    }
    p->pos++;
    white(p);
    char close = object ? '}' : ']';
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return at;
    }
    for (;;) {
        uint32_t koff = NONE, klen;
        if (object) {
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "a member must begin with a key in quotes");
                return NONE;
            }
            if (p->d->node[at].count >= JR_MEMBERS_MAX) {
                fail(p, "an object of more than %d members", JR_MEMBERS_MAX);
                return NONE;
            }
            if (string(p, &koff, &klen) < 0)
                return NONE;
            if (duplicate(p->d, at, p->d->strs + koff)) {
                /* The key is outside text: censored here, where the
                 * message is made, since callers pass it on verbatim. */
                char shown[61];
                size_t n = strnlen(p->d->strs + koff, sizeof(shown) - 1);
                diag_censor(shown, p->d->strs + koff, n);
                shown[n] = 0;
                fail(p, "the key \"%s\" twice in one object", shown);
                return NONE;
            }
            white(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                fail(p, "a key without its colon");
                return NONE;
            }
            p->pos++;
            white(p);
        }
        uint32_t v = value(p, depth + 1);
        if (v == NONE)
            return NONE;
        p->d->node[v].key = koff;
        link(p->d, at, &last, v);
        white(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            white(p);
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return at;
        }
        fail(p, object ? "a member without a comma or closing brace after it"
                       : "an element without a comma or closing bracket after it");
        return NONE;
    }
}

static uint32_t value(struct parser *p, int depth)
{
    if (p->pos >= p->len) {
        fail(p, "the text ends where a value should be");
        return NONE;
    }
    char c = p->s[p->pos];
    if (c == '{' || c == '[')
        return container(p, depth, c == '{');
    uint32_t at;
    if (c == '"') {
        uint32_t off, len;
        if ((at = new_node(p, JR_STRING)) == NONE || string(p, &off, &len) < 0)
            return NONE;
        p->d->node[at].str = off;
        p->d->node[at].len = len;
        return at;
    }
    if (c == 't' || c == 'f' || c == 'n') {
        at = new_node(p, c == 'n' ? JR_NULL : JR_BOOL);
        if (at == NONE || literal(p, c == 't' ? "true" : c == 'f' ? "false" : "null") < 0)
            return NONE;
        p->d->node[at].truth = c == 't';
        return at;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        if ((at = new_node(p, JR_NUMBER)) == NONE || number(p, &p->d->node[at]) < 0)
            return NONE;
        return at;
    }
    fail(p, "not a value");
    return NONE;
}

int jr_parse(struct jr_doc *doc, const char *text, size_t len)
{
    memset(doc, 0, sizeof(*doc));
    doc->text = text;
    doc->text_len = len;
    struct parser p = { doc, text, len, 0 };
    if (len > JR_TEXT_MAX)
        return fail(&p, "more than %zu bytes", JR_TEXT_MAX);
    white(&p);
    if (value(&p, 0) == NONE)
        return -1;
    white(&p);
    if (p.pos != len)
        return fail(&p, "text after the value");
    return 0;
}

void jr_free(struct jr_doc *doc)
{
    free(doc->node);
    free(doc->strs);
    memset(doc, 0, sizeof(*doc));
}

const struct jr_node *jr_root(const struct jr_doc *doc)
{
    return doc->n ? &doc->node[0] : 0;
}

const struct jr_node *jr_first(const struct jr_doc *doc, const struct jr_node *n)
{
    return n && (n->type == JR_ARRAY || n->type == JR_OBJECT) && n->child ? &doc->node[n->child] : 0;
}

const struct jr_node *jr_next(const struct jr_doc *doc, const struct jr_node *n)
{
    return n && n->next ? &doc->node[n->next] : 0;
}

const char *jr_key(const struct jr_doc *doc, const struct jr_node *n)
{
    return n->key == NONE ? 0 : doc->strs + n->key;
}

const struct jr_node *jr_get(const struct jr_doc *doc, const struct jr_node *obj, const char *key)
{
    if (obj == 0 || obj->type != JR_OBJECT)
        return 0;
    for (const struct jr_node *c = jr_first(doc, obj); c; c = jr_next(doc, c))
        if (strcmp(doc->strs + c->key, key) == 0)
            return c;
    return 0;
}

int jr_uint(const struct jr_doc *doc, const struct jr_node *n, uint64_t *v)
{
    if (n == 0 || n->type != JR_NUMBER)
        return -1;
    const char *s = doc->text + n->str;
    uint64_t x = 0;
    for (uint32_t i = 0; i < n->len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

int jr_int(const struct jr_doc *doc, const struct jr_node *n, int64_t *v)
{
    if (n == 0 || n->type != JR_NUMBER)
        return -1;
    int neg = doc->text[n->str] == '-';
    struct jr_node m = *n;
    m.str += (uint32_t)neg;
    m.len -= (uint32_t)neg;
    uint64_t x;
    if (jr_uint(doc, &m, &x) < 0 || x > (uint64_t)INT64_MAX + (uint64_t)neg)
        return -1;
    *v = neg ? (int64_t)(0 - x) : (int64_t)x;
    return 0;
}

int jr_double(const struct jr_doc *doc, const struct jr_node *n, double *v)
{
    if (n == 0 || n->type != JR_NUMBER)
        return -1;
    char b[JR_NUMBER_MAX + 1];
    memcpy(b, doc->text + n->str, n->len);
    b[n->len] = 0;
    *v = strtod(b, 0);
    return 0;
}

const char *jr_str(const struct jr_doc *doc, const struct jr_node *n, size_t *len)
{
    if (n == 0 || n->type != JR_STRING)
        return 0;
    if (len)
        *len = n->len;
    return doc->strs + n->str;
}

unsigned long jr_line(const struct jr_doc *doc, const struct jr_node *n)
{
    unsigned long line = 1;
    for (uint32_t i = 0; i < n->pos && i < doc->text_len; i++)
        line += doc->text[i] == '\n';
    return line;
}

int jr_equal(const struct jr_doc *a, const struct jr_node *x, const struct jr_doc *b,
             const struct jr_node *y)
{
    if (x == 0 || y == 0 || x->type != y->type)
        return x == y;
    switch (x->type) {
    case JR_NULL: return 1;
    case JR_BOOL: return x->truth == y->truth;
    case JR_NUMBER: return x->len == y->len && memcmp(a->text + x->str, b->text + y->str, x->len) == 0;
    case JR_STRING: return x->len == y->len && memcmp(a->strs + x->str, b->strs + y->str, x->len) == 0;
    case JR_ARRAY:
        if (x->count != y->count)
            return 0;
        for (x = jr_first(a, x), y = jr_first(b, y); x; x = jr_next(a, x), y = jr_next(b, y))
            if (!jr_equal(a, x, b, y))
                return 0;
        return 1;
    default:
        if (x->count != y->count)
            return 0;
        for (const struct jr_node *c = jr_first(a, x); c; c = jr_next(a, c))
            if (!jr_equal(a, c, b, jr_get(b, y, jr_key(a, c))))
                return 0;
        return 1;
    }
}
