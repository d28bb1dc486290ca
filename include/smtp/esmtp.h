/* esmtp: the service extensions a server lists in its EHLO/LHLO reply
 * (RFC 5321 4.1.1.1), parsed case-insensitively from the joined reply
 * text. Pure; nothing is kept but flags and the SIZE limit. */
#ifndef ESMTP_H
#define ESMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct esmtp {
    bool pipelining, eightbitmime, chunking, smtputf8, enhancedstatuscodes, dsn, auth;
    bool starttls;
    bool auth_plain, auth_login, auth_xoauth2;   /* mechanisms AUTH lists */
    bool has_size;
    uint64_t size;            /* SIZE n; 0 means no fixed limit */
};

/* text: the reply text, lines joined by '\n'; the first line is the
 * server's greeting name and is not a keyword. */
void esmtp_parse(const char *text, size_t len, struct esmtp *e);

/* One keyword line (a reply line's text after the code), added to e; for
 * parsing as the lines arrive (reply.h's on_text), however many there are.
 * The caller clears e first and skips the first line (the greeting). */
void esmtp_line(struct esmtp *e, const char *line, size_t len);

#endif
