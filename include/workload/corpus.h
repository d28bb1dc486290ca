/* corpus: --corpus=PATH, real messages read once by the parent before
 * the workers start: a Maildir (the files of cur/ and new/), a directory
 * of message files, or an mbox file (mboxrd). Every message is prepared
 * at load (workload/msgprep) into one blob that no one writes afterwards:
 * the workers share its pages (copy-on-write, never copied) and only
 * write its bytes to the socket. */
#ifndef WORKLOAD_CORPUS_H
#define WORKLOAD_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Messages a corpus may hold; the largest one (as the SIZE limit of
 * --size, workload/sizespec.h). */
#define CORPUS_ITEMS_MAX 10000000
#define CORPUS_ITEM_MAX (512ULL * 1024 * 1024)

struct corpus_item {
    uint64_t off;       /* in blob */
    uint32_t len;       /* bytes in blob (dot-stuffed, unless for BDAT) */
    uint32_t stored;    /* the message as the server stores it (no fresh fields) */
    uint32_t ins;       /* where the fresh Date and Message-Id go */
    uint32_t name;      /* offset of its NUL-terminated name in names */
};

struct corpus {
    char *blob;
    uint64_t blob_len;
    struct corpus_item *item;
    size_t n;
    char *names;        /* file names under PATH ("cur/..."), or "mbox:N" */
    size_t names_len;
    bool fresh;         /* Date and Message-Id taken out, new ones sent */
    bool stuffed;       /* items are dot-stuffed (not under --bdat) */
    uint64_t stored_total;
    size_t long_lines;  /* items with a line over 1000 octets (RFC 5321 4.5.3.1.6) */
    size_t eight_bit;   /* items that are not 7-bit */
};

/* Loads path: fresh (see above), stuffed (false under --bdat). 0, or -1
 * with why (naming the file at fault). */
int corpus_load(struct corpus *c, const char *path, bool fresh, bool stuffed, char *why,
                size_t whylen);

void corpus_free(struct corpus *c);

/* Item i's name. */
const char *corpus_name(const struct corpus *c, size_t i);

#endif
