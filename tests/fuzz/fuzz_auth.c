/* libFuzzer: a 334 challenge's base64, and the AUTH lines made from
 * credentials of any bytes. Decoding must stay in bounds; what we encode
 * must decode back to itself. */
#include "smtp/auth.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *out = malloc(size * 3 / 4 + 3);
    long n = b64_decode((const char *)data, size, out);
    if (n > (long)(size * 3 / 4 + 3))
        abort();
    free(out);

    char *enc = malloc(b64_len(size) + 1);
    unsigned char *back = malloc(size + 3);
    size_t el = b64_encode(data, size, enc);
    if (el != b64_len(size) || b64_decode(enc, el, back) != (long)size
        || memcmp(back, data, size) != 0)
        abort();
    free(enc);
    free(back);

    /* Credentials: user and secret split from the input, no NUL inside;
     * every line within auth_line_max, the command within 512 octets. */
    if (size > 13000)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = 0;
    char *secret = memchr(buf, '\n', size);
    if (secret)
        *secret++ = 0;
    else
        secret = buf + size;
    char shown[64];
    for (int m = AUTH_PLAIN; m <= AUTH_XOAUTH2; m++) {
        size_t max = auth_line_max((enum auth_mech)m, buf, secret);
        char *line = malloc(max + 1);
        for (int step = 0; step < 5; step++) {
            size_t len = auth_step((enum auth_mech)m, step, buf, secret, line, shown, sizeof(shown));
            if (len > max || (len && (line[len] != 0 || memcmp(line + len - 2, "\r\n", 2) != 0))
                || strlen(shown) >= sizeof(shown) || (step == 0 && len > AUTH_COMMAND_MAX))
                abort();
            if (*secret && strstr(shown, secret) && strlen(secret) > 8)
                abort();
        }
        free(line);
    }
    free(buf);
    return 0;
}
