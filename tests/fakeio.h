/* fakeserver: the bytes of the one connection this process serves, and the
 * logs (LOGDIR/conn.N.in, conn.N.out, events). */
#ifndef FAKEIO_H
#define FAKEIO_H

#include "fakeserver.h"

/* Opens the logs, sets the signals up and logs "N accept". */
void io_init(const struct server *srv, int fd, unsigned long id);

/* "N what" to the events log. */
void io_log(const char *what);

/* The connection ends: "N why" (unless why is NULL), "N bytes-in B", exit. */
_Noreturn void io_finish(const char *why);
/* Ends it for the reason the input ended (eof, peer-reset, read-error). */
_Noreturn void io_end_of_input(void);
/* The client's side ended (fakeconn.c): the hangup event is counted. */
void conn_hangup(void);
/* FIN after what was sent; then reads until the client closes. */
_Noreturn void io_close(void);
_Noreturn void io_reset(void);
/* Neither reads nor writes again; waits to be killed. */
_Noreturn void io_stall(void);
void io_shutdown_read(void);
void io_shutdown_write(void);
/* The next attempt to read stalls instead. */
void io_stop_reading(void);

/* Output, through stall-window and tiny-writes; a failed write ends the
 * connection. io_put_eol ends a line as the script says (bare-lf). */
void io_put(const char *b, size_t n);
void io_put_eol(void);
void io_put_line(const char *s);
/* count copies of b[0..n) (0: forever). */
void io_put_repeat(const char *b, size_t n, unsigned long long count);
/* The first byte sent since io_set_first(0): the class of the reply an
 * event got (0: none). */
char io_first(void);
void io_set_first(char c);

/* The next line without its CR LF (or LF), valid until the next call, cut
 * at 64 KB; 0 at the end of the input. */
int io_get_line(const char **line, size_t *len);
/* Discards n bytes (a BDAT chunk) / the lines up to the lone dot. */
void io_skip(unsigned long long n);
void io_read_content(void);

#endif
