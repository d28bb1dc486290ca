/* libFuzzer: the metrics server's request parser. Whatever the bytes, it
 * answers within them: a head it takes ends inside the input at a blank
 * line, its path is a NUL-terminated '/'-path without a query, and the
 * same bytes with more after them parse the same way. */
#include "metrics/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_request req, again;
    const char *buf = (const char *)data;
    enum http_parse got = http_parse(buf, size, &req);
    if (got == HTTP_MORE && size >= HTTP_HEAD_MAX)
        abort();
    if (got != HTTP_OK)
        return 0;
    if (req.head_len < 4 || req.head_len > size || req.head_len > HTTP_HEAD_MAX
        || buf[req.head_len - 1] != '\n' || req.path[0] != '/'
        || memchr(req.path, 0, HTTP_PATH_MAX) == 0 || strchr(req.path, '?')
        || strchr(req.path, ' '))
        abort();
    /* What follows the head (a body, a pipelined request) changes nothing. */
    if (http_parse(buf, req.head_len, &again) != HTTP_OK || again.head_len != req.head_len
        || again.method != req.method || again.openmetrics != req.openmetrics
        || strcmp(again.path, req.path) != 0)
        abort();
    return 0;
}
