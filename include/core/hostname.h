/* hostname: validation of host names and address literals, as used for
 * HELO, the default addresses and Message-Id (-M), and for target hosts.
 * Pure: no I/O. On failure a short reason is written to why. */
#ifndef HOSTNAME_H
#define HOSTNAME_H

#include <stddef.h>

/* 1 if name is a valid DNS-style host name (letters, digits, '-', '_',
 * dot-separated labels of 1..63 bytes, at most 255 bytes, not all numeric). */
int hostname_valid(const char *name, char *why, size_t whylen);

/* 1 if lit is "[a.b.c.d]" or "[ipv6:addr]" (the prefix is case-insensitive). */
int addr_literal_valid(const char *lit, char *why, size_t whylen);

/* 1 if s is a numeric IPv4 or IPv6 address (no brackets). */
int hostaddr_valid(const char *s);

#endif
