/* libFuzzer: the strict JSON reader. Whatever the bytes: no crash, no
 * read out of bounds; refused with a message, or read into a tree in
 * which every node is equal to itself, every member has a key found
 * again by jr_get (keys are unique), counts match the children, and an
 * integer that jr_uint reads, jr_int reads the same when it fits. */
#include "merge/jsonread.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void walk(const struct jr_doc *d, const struct jr_node *n, int depth)
{
    if (depth > JR_DEPTH + 1 || !jr_equal(d, n, d, n))
        abort();
    uint64_t u;
    int64_t i;
    if (jr_uint(d, n, &u) == 0 && u <= INT64_MAX && (jr_int(d, n, &i) < 0 || (uint64_t)i != u))
        abort();
    if (n->type != JR_ARRAY && n->type != JR_OBJECT)
        return;
    uint32_t count = 0;
    for (const struct jr_node *c = jr_first(d, n); c; c = jr_next(d, c)) {
        count++;
        if (n->type == JR_OBJECT && jr_get(d, n, jr_key(d, c)) != c)
            abort();
        walk(d, c, depth + 1);
    }
    if (count != n->count)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The reader must not read past the text: a copy of exactly its size. */
    char *text = malloc(size ? size : 1);
    if (text == 0)
        return 0;
    memcpy(text, data, size);
    struct jr_doc d;
    if (jr_parse(&d, text, size) < 0) {
        if (d.error[0] == 0)
            abort();
    } else {
        walk(&d, jr_root(&d), 0);
    }
    jr_free(&d);
    free(text);
    return 0;
}
