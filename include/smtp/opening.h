/* opening: the start of a session (RFC 5321 3.1, 4.1.1.1): connect (with
 * -C's attempts), the greeting, then HELO, EHLO (with its extensions and
 * the HELO fallback) or LHLO. */
#ifndef OPENING_H
#define OPENING_H

#include "smtp/dialogue.h"

/* Opens a new connection for the message whose record is current; the
 * connect and greeting times go into that record. */
enum step session_open(struct sess *s);

#endif
