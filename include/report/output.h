/* output: a file the run writes its results to (the report on standard
 * output, --json, --records), with every failure to write noticed and
 * named. A report file that is a regular file (or does not exist yet) is
 * written under a temporary name beside it and renamed into place at the
 * end, so that a reader never sees half of it; anything else (a device, a
 * FIFO, standard output) is written directly and never renamed onto. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

struct output {
    FILE *f;
    const char *name;        /* as given; "-" is standard output */
    char *tmp;               /* the temporary name, when written whole */
    int err;                 /* the first write error (errno), 0 if none */
    bool warned;
};

/* Opens path ("-": standard output). whole: write it all-or-nothing when
 * it is a regular file. Returns 0, or -1 with errno set. */
int output_open(struct output *o, const char *path, bool whole);

/* Standard output as an output named "standard output". */
void output_stdout(struct output *o);

/* After writing: notes (and warns once about) a failure so far. Returns
 * 0 while all is well, -1 once anything failed. */
int output_check(struct output *o);

/* Flushes and closes (renames a whole file into place). Returns 0, or -1
 * after printing one line naming the output and the reason; a whole file
 * that failed is removed, never renamed. */
int output_close(struct output *o);

#endif
