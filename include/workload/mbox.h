/* mbox: an mbox file (mboxrd) split into its messages. A message starts
 * at a line beginning "From " (the From_ line, not part of it) and runs to
 * the next such line; the blank line a writer puts before the next From_
 * is not part of it either. Inside a message mboxrd quotes a line
 * ">*From " with one more '>': mbox_quoted says which lines to unquote.
 * Pure: no I/O. */
#ifndef WORKLOAD_MBOX_H
#define WORKLOAD_MBOX_H

#include <stdbool.h>
#include <stddef.h>

/* data begins with a From_ line. */
bool mbox_is(const char *data, size_t len);

/* The next message from *pos on: [*start, *end) its bytes; *pos moves past
 * it. false when no message is left. */
bool mbox_next(const char *data, size_t len, size_t *pos, size_t *start, size_t *end);

/* The line of n bytes at p is a quoted From_ line (">From ", ">>From ",
 * ...): its first '>' is the quoting, dropped when the message is read. */
bool mbox_quoted(const char *p, size_t n);

#endif
