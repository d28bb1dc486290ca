/* libFuzzer: the -F message builder. Whatever the file holds, the result
 * is CRLF-terminated lines, no line but the last is a lone ".", and the
 * message ends in exactly one ".\r\n" line. */
#include "smtp/message.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    char *b = msg_body_file((const char *)data, size, &len);
    if (b == 0)
        return 0;
    if (len < 5 || memcmp(b + len - 5, "\r\n.\r\n", 5) != 0)
        abort();
    /* Every line before the final dot: a line that starts with '.' has
     * been stuffed, so it cannot be the lone terminator. */
    size_t start = 0;
    for (size_t i = 0; i + 3 < len; i++) {
        if (b[i] == '\n') {
            if (i == 0 || b[i - 1] != '\r')
                abort();
            size_t linelen = i - 1 - start;
            if (linelen == 1 && b[start] == '.')
                abort();
            start = i + 1;
        }
    }
    free(b);
    return 0;
}
