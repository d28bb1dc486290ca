/* libFuzzer: an EHLO reply's keywords, as a whole text and line by line,
 * and the AUTH mechanism chosen from them. Nothing may read out of bounds,
 * and both ways of reading must agree. */
#include "smtp/auth.h"
#include "smtp/esmtp.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct esmtp whole, lines;
    const char *text = (const char *)data;

    esmtp_parse(text, size, &whole);
    memset(&lines, 0, sizeof(lines));
    const char *nl = memchr(text, '\n', size);
    while (nl) {
        const char *p = nl + 1;
        size_t left = size - (size_t)(p - text);
        nl = memchr(p, '\n', left);
        esmtp_line(&lines, p, nl ? (size_t)(nl - p) : left);
    }
    if (memcmp(&whole, &lines, sizeof(whole)) != 0)
        abort();
    for (int m = AUTH_NONE; m <= AUTH_XOAUTH2; m++) {
        enum auth_mech got = auth_choose(&whole, (enum auth_mech)m);
        if (got != AUTH_NONE && m != AUTH_NONE && got != (enum auth_mech)m)
            abort();
    }
    return 0;
}
