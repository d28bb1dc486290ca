#include "core/hostname.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HOSTNAME_MAX 255
#define LABEL_MAX 63

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

int hostname_valid(const char *name, char *why, size_t whylen)
{
    size_t len = strlen(name);
    size_t label = 0;
    int numeric = 1;

    if (len == 0) {
        snprintf(why, whylen, "empty hostname");
        return 0;
    }
    if (len > HOSTNAME_MAX) {
        snprintf(why, whylen, "bad length %zu", len);
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '.') {
            if (label == 0 || i + 1 == len) {
                snprintf(why, whylen, "misplaced delimiter");
                return 0;
            }
            label = 0;
            continue;
        }
        if (is_alpha(c) || c == '_') {
            numeric = 0;
        } else if (c == '-') {
            numeric = 0;
            /* A hyphen may neither start nor end a label. */
            if (label == 0 || i + 1 == len || name[i + 1] == '.') {
                snprintf(why, whylen, "misplaced hyphen");
                return 0;
            }
        } else if (!is_digit(c)) {
            snprintf(why, whylen, "invalid character %d(decimal)", c);
            return 0;
        }
        if (++label > LABEL_MAX) {
            snprintf(why, whylen, "label length %zu > %d", label, LABEL_MAX);
            return 0;
        }
    }
    if (numeric) {
        snprintf(why, whylen, "numeric hostname");
        return 0;
    }
    return 1;
}

int hostaddr_valid(const char *s)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int addr_literal_valid(const char *lit, char *why, size_t whylen)
{
    char inner[INET6_ADDRSTRLEN + 8];
    unsigned char buf[16];
    size_t len = strlen(lit);

    if (len < 2 || lit[0] != '[') {
        snprintf(why, whylen, "'[' expected at start");
        return 0;
    }
    if (lit[len - 1] != ']') {
        snprintf(why, whylen, "']' expected at end");
        return 0;
    }
    if (len - 2 >= sizeof(inner)) {
        snprintf(why, whylen, "address too long");
        return 0;
    }
    memcpy(inner, lit + 1, len - 2);
    inner[len - 2] = 0;
    if (strncasecmp(inner, "ipv6:", 5) == 0) {
        if (inet_pton(AF_INET6, inner + 5, buf) != 1) {
            snprintf(why, whylen, "malformed IPv6 address");
            return 0;
        }
        return 1;
    }
    if (inet_pton(AF_INET, inner, buf) != 1) {
        snprintf(why, whylen, "malformed IPv4 address");
        return 0;
    }
    return 1;
}
