/* libFuzzer: the target parser and the host-name checks on arbitrary text. */
#include "core/hostname.h"
#include "cli/target.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == 0)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    struct target t;
    char err[256], why[128];
    if (target_parse(s, &t, err, sizeof(err)) == 0) {
        if (t.kind == TARGET_INET && t.port == 0 && t.service[0] == 0 && strlen(t.host) == 0)
            abort();
        if (t.kind == TARGET_INET && t.port > 65535)
            abort();
    }
    hostname_valid(s, why, sizeof(why));
    addr_literal_valid(s, why, sizeof(why));
    free(s);
    return 0;
}
