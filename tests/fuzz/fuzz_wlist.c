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
    /* All of a small list: past the draws again on a repeat, into the
     * draws by weight among the rest. */
    struct wl_rng r;
    wl_stream(&r, 5, 1, WL_RCPT_PICK);
    size_t idx[256], n = w->n < 256 ? w->n : 4;
    unsigned char seen[256] = { 0 };
    wlist_draw_distinct(w, &r, idx, n);
    for (size_t i = 0; i < n; i++) {
        if (idx[i] >= w->n || (idx[i] < 256 && seen[idx[i]]++))
            abort();
    }
    /* A domain check says yes or why not. */
    char why[200] = "";
    int d = wlist_domains(w, why, sizeof(why));
    if ((d < 0) != (why[0] != 0))
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
