/* utf8: what RFC 6531 asks of an address: whether it needs SMTPUTF8 at
 * all (a byte outside ASCII), and whether it is UTF-8 (what is not cannot
 * be sent, even with SMTPUTF8). Pure. */
#ifndef CORE_UTF8_H
#define CORE_UTF8_H

#include <stdbool.h>

bool utf8_non_ascii(const char *s);
bool utf8_valid(const char *s);

#endif
