/* libFuzzer: the --rcpt-file / --from-file lines and the --rcpt-domains
 * pairs. What is accepted has items without blanks or <>, weights adding
 * up, and draws (distinct ones too) within the list; what is refused says
 * why and holds nothing. */
#include "workload/wlist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const struct wlist *w)
{
    if (w->n == 0)
        abort();
    for (size_t i = 0; i < w->n; i++) {
        if (strlen(w->item[i]) == 0 || strlen(w->item[i]) > WLIST_ITEM_MAX
            || strpbrk(w->item[i], " \t\r\n<>") || (i && w->cum[i] <= w->cum[i - 1]))
            abort();
    }
    struct wl_rng r;
    wl_stream(&r, 5, 1, WL_RCPT_PICK);
    size_t idx[4], n = w->n < 4 ? w->n : 4;
    wlist_draw_distinct(w, &r, idx, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (idx[i] >= w->n || idx[i] == idx[j])
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wlist w;
    char why[200], s[512];
    why[0] = 0;
    if (wlist_lines((const char *)data, size, &w, why, sizeof(why)) == 0) {
        check(&w);
        wlist_free(&w);
    } else if (why[0] == 0 || w.n || w.item) {
        abort();
    }
    if (size < sizeof(s) && !memchr(data, 0, size)) {
        memcpy(s, data, size);
        s[size] = 0;
        why[0] = 0;
        if (wlist_pairs(s, &w, why, sizeof(why)) == 0) {
            check(&w);
            wlist_free(&w);
        } else if (why[0] == 0 || w.n || w.item) {
            abort();
        }
    }
    return 0;
}
