/* sized: a message of a drawn size (--size, --content=mime), or a corpus
 * item (--corpus, with its fresh Date and Message-Id): its headers, its
 * stored size, SIZE=n on MAIL FROM when the server offers SIZE (RFC 1870), the refusal
 * of a message larger than the server's limit before MAIL, and its
 * segments for DATA or BDAT. Part of the session (dialogue.h). */
#ifndef SIZED_H
#define SIZED_H

#include "smtp/dialogue.h"

/* The generated headers of slot, in s->hdr (if any); their length. */
size_t sized_headers(struct sess *s, int64_t slot);

/* Slot's recipients: --rcpts drawn, else -r. */
int64_t sized_rcpts(const struct sess *s, int64_t slot);

/* The first -N number of slot's recipients (from 1). A workload run or
 * a shard of N > 1 numbers by the slot alone: slot k's are k*B+1 ...,
 * B the most recipients a message may have (-r, or --rcpts' upper end),
 * so that one seed numbers each slot alike in every run and every shard.
 * Otherwise, as the reference, a run-wide counter in claim order. */
int64_t sized_first_rcpt(struct sess *s, int64_t slot);

/* Slot's sender: --from-file's draw, else the run's. */
const char *sized_sender(struct sess *s, int64_t slot);

/* Recipient i of slot's n: --rcpt-file's or --rcpt-domains' draw (the
 * latter in a buffer the next call reuses), else the run's; *plain: send
 * it as it is (no -r numbering). */
const char *sized_rcpt(struct sess *s, int64_t slot, int64_t i, int64_t n, bool *plain);

/* The message of slot as the server stores it, in bytes; 0 without --size
 * , --content=mime and --corpus. */
uint64_t sized_stored(struct sess *s, int64_t slot);

/* " SIZE=n" for slot's MAIL FROM, or "" (no --size, MIME or --corpus, or
 * SIZE not offered). */
const char *sized_param(struct sess *s, int64_t slot);

/* Slot's message cannot go to this server: larger than the SIZE limit it
 * announced, or with a drawn UTF-8 address and no SMTPUTF8 offered. */
bool sized_unsendable(struct sess *s, int64_t slot);

/* Fails slot's unsendable message, unsent: fatal, or with -A counted
 * and warned of (STEP_REJECTED: the connection goes on). */
enum step sized_refuse(struct sess *s, int64_t slot);

/* --corpus: slot's item's index + 1 (for its record), 0 without. */
uint32_t sized_item(const struct sess *s, int64_t slot);

/* s->lay: slot's message (headers hl bytes in s->hdr), with the dot or
 * without (BDAT). */
void sized_layout(struct sess *s, int64_t slot, size_t hl, bool dot);

#endif
