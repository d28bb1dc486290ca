/* startup: what the parent prepares from the config before any worker
 * exists: the message body (reading the -F file), the AUTH secret, the
 * TLS context. Bad input ends the program here, with one line. */
#ifndef STARTUP_H
#define STARTUP_H

#include "core/config.h"
#include "smtp/tls.h"

#include <stddef.h>

/* The content after the headers, with the final dot (see message.h). */
char *startup_body(const struct config *cfg, size_t *len);

/* The password or token for --auth-user: the first line of
 * --auth-password-file, or --auth-password (whose bytes in argv are then
 * overwritten, so that ps shows them no longer). NULL without AUTH. From
 * before it is read, the process (and the workers it forks) is not
 * dumpable: no core file holds it. Credentials that would make an AUTH
 * line longer than RFC 4954 allows (AUTH_LINE_MAX) are refused here. */
char *startup_secret(const struct config *cfg);

/* The default sender or recipient, foo@host (malloc'd). */
char *startup_address(const char *host);

/* RFC 6531: an address with bytes outside ASCII needs --smtputf8. The
 * reference sends such bytes as they are, and so does a run with only the
 * reference's options; a run that speaks ESMTP (--ehlo and what implies
 * it) refuses them here, before any connection, unless --smtputf8. */
void startup_addresses(const struct config *cfg, const char *sender, const char *recipient);

/* The TLS context for --starttls or --smtps (host: the target's host, the
 * default name to send and verify; NULL for a unix: target, where
 * --tls-verify then needs --tls-servername); NULL without TLS. */
struct tls_client *startup_tls(const struct config *cfg, const char *host);

#endif
