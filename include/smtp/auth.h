/* auth: SMTP AUTH (RFC 4954) as pure functions: choosing the mechanism,
 * and the client's side of PLAIN (RFC 4616), LOGIN and XOAUTH2, each step
 * a line to send, with a copy for -v in which the credentials are hidden;
 * the protocol's line limits; and base64 (RFC 4648). No I/O. Every buffer
 * that held a secret is wiped by its owner with auth_wipe. */
#ifndef AUTH_H
#define AUTH_H

#include "smtp/esmtp.h"

#include <stdbool.h>
#include <stddef.h>

enum auth_mech { AUTH_NONE = 0, AUTH_PLAIN, AUTH_LOGIN, AUTH_XOAUTH2 };

/* RFC 4954 4: the AUTH command is an SMTP command line (RFC 5321
 * 4.5.3.1.4: 512 octets with its CRLF); an initial response that would
 * make it longer is sent instead as the answer to the server's empty 334.
 * A response line, and a challenge line, may be 12288 octets. Both counts
 * hold the CRLF. */
#define AUTH_COMMAND_MAX 512
#define AUTH_LINE_MAX 12288

/* "PLAIN", "LOGIN", "XOAUTH2". */
const char *auth_mech_name(enum auth_mech m);

/* The mechanism to use: the one asked for if the server lists it, else
 * (asked AUTH_NONE) the first of PLAIN, LOGIN that it lists; AUTH_NONE if
 * there is none. */
enum auth_mech auth_choose(const struct esmtp *offered, enum auth_mech asked);

/* The longest line (with its CRLF) that mechanism m sends for these
 * credentials; more than AUTH_LINE_MAX means they cannot be sent. */
size_t auth_line_max(enum auth_mech m, const char *user, const char *secret);

/* One exchange: step 0 is the AUTH command (with the initial response
 * when it fits in AUTH_COMMAND_MAX); each 334 asks for the next step.
 * Writes the line (with CRLF and a NUL: auth_line_max + 1 bytes) to line
 * and a -v copy without the credentials (no CRLF) to shown; returns the
 * line's length, or 0 when the mechanism has nothing more to say (the
 * client then cancels with "*"). For XOAUTH2 the secret is the token; a
 * 334 after it carries an error, answered with an empty line. */
size_t auth_step(enum auth_mech m, int step, const char *user, const char *secret,
                 char *line, char *shown, size_t shown_len);

/* base64 of len bytes into out (which holds b64_len(len) + 1 bytes). */
size_t b64_len(size_t len);
size_t b64_encode(const void *in, size_t len, char *out);

/* Decodes base64 (no line breaks); returns the length, or -1 if in is not
 * base64. out holds at least len * 3 / 4 + 3 bytes, or is NULL to check
 * the text only. */
long b64_decode(const char *in, size_t len, unsigned char *out);

/* Overwrites n bytes in a way the compiler may not skip. */
void auth_wipe(void *p, size_t n);

#endif
