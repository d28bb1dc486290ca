/* diag: the parent's diagnostics on stderr, in the reference's format:
 * "PROG: fatal: TEXT", "PROG: warning: TEXT", "PROG: TEXT" (-v).
 * Every byte of TEXT that is not printable ASCII is shown as '?'. */
#ifndef DIAG_H
#define DIAG_H

#include <stddef.h>

void diag_init(const char *argv0);
const char *diag_prog(void);

void diag_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the fatal line but does not exit: the caller still has to stop workers. */
void diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the fatal line and exits 1; only for use before any worker exists. */
_Noreturn void diag_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies len bytes of src to dst with every byte that is not printable
 * ASCII replaced by '?', as every line on stderr is; so that the same text
 * reads the same in the JSON report and the records. */
void diag_censor(char *dst, const char *src, size_t len);

/* Prints raw text (already formatted) at the given level: "fatal", "warning" or NULL. */
void diag_text(const char *level, const char *text, size_t len);

#endif
