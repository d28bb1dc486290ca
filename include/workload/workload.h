/* workload: what varies from message to message (issue 20): the run's
 * seed and the laws each slot's choices are drawn from. Built once by the
 * command line (cli/workload_opts), then only read; the config points to
 * it (NULL: no workload option, every message as the reference makes it). */
#ifndef WORKLOAD_WORKLOAD_H
#define WORKLOAD_WORKLOAD_H

#include "workload/corpus.h"
#include "workload/sizespec.h"
#include "workload/wlist.h"

#include <stdbool.h>
#include <stdint.h>

struct workload {
    uint64_t seed;            /* --seed, or chosen at startup */
    bool seed_given;
    bool size_on;             /* --size */
    const char *size_text;    /* ... as written */
    struct size_spec size;
    bool rcpts_on;            /* --rcpts=A-B */
    int rcpts_min, rcpts_max;
    bool rcpt_file_on, from_on, domains_on;
    struct wlist rcpt_list;   /* --rcpt-file */
    struct wlist from_list;   /* --from-file */
    struct wlist domains;     /* --rcpt-domains */
    bool utf8;                /* an item of the three has bytes outside ASCII */
    bool mime_on;             /* --content=mime (workload/mime.h) */
    bool corpus_on;           /* --corpus */
    const char *corpus_path;
    const char *corpus_label; /* "corpus=PATH": the report's name for its sizes */
    bool corpus_random;       /* --corpus-order=random */
    struct corpus corpus;
};

/* What the report calls the run's sizes: --size as written, the corpus
 * ("corpus=PATH"), or the content ("content=mime", "content=plain"). */
const char *workload_size_label(const struct workload *wl);

/* The corpus item slot k sends: k's place in the corpus (seq), or drawn
 * (random); never beyond corpus.n. */
size_t workload_item(const struct workload *wl, int64_t k);

/* The size slot k's message is drawn at (0 without --size). */
uint64_t workload_size(const struct workload *wl, int64_t k);

/* The recipients of slot k's message: --rcpts drawn, else dflt (-r). */
int workload_rcpts(const struct workload *wl, int64_t k, int dflt);

/* The sender of slot k: drawn from --from-file, else dflt. */
const char *workload_sender(const struct workload *wl, int64_t k, const char *dflt);

/* Slot k's n recipients as indexes into rcpt_list (--rcpt-file: distinct,
 * by weight) or into domains (--rcpt-domains: by weight), in idx. */
void workload_recipients(const struct workload *wl, int64_t k, size_t n, size_t *idx);

#endif
