/* mixread: a report's "workload" object read back for --merge, strictly:
 * what cannot be added up exactly is refused by its key. */
#include "merge/mixread.h"

#include <stdio.h>
#include <stdlib.h>

/* The class whose lower edge is from (-1 if none). */
static int class_at(uint64_t from)
{
    int c = mix_class(from);
    return mix_class_from(c) == from ? c : -1;
}

/* "dot_by_size": one histogram (us) per size class, in rising order. */
static void classes(struct rd *r, const struct jr_node *w, struct mix *m)
{
    static const struct hist_keys us = { "sum_us", "min_us", "max_us" };
    const struct jr_node *arr = rd_member(r, w, "workload.", "dot_by_size", JR_ARRAY, 0);
    int last = -1;
    uint64_t all = 0;
    for (const struct jr_node *o = jr_first(r->d, arr); o && !r->bad; o = jr_next(r->d, o)) {
        static const char where[] = "workload.dot_by_size[].";
        if (o->type != JR_OBJECT) {
            rd_bad(r, o, "\"workload.dot_by_size[]\" is not an object");
            return;
        }
        int c = class_at(rd_u(r, o, where, "from_bytes"));
        const struct jr_node *below = rd_member(r, o, where, "below_bytes", JR_NUMBER, 1);
        uint64_t b = 0;
        if (below && jr_uint(r->d, below, &b) < 0)
            c = -1;
        if (!r->bad && (c < 0 || c <= last || (c < MIX_CLASSES - 1 ? !below || b != 1024ULL << (2 * c)
                                                                   : below != 0))) {
            rd_bad(r, o, "\"%sfrom_bytes\" and \"below_bytes\" are not a size class after the "
                   "last (powers of 4 from 1024)", where);
            return;
        }
        rd_hist_object(r, o, where, &us, &m->dot[c]);
        last = c;
        all += m->dot[c].count;
        if (!r->bad && all > m->size.count)
            rd_bad(r, o, "\"%scount\" add up to more than \"workload.sizes.count\"", where);
    }
}

struct mix *mixread(struct rd *r, const struct jr_node *root, int64_t ended)
{
    static const struct hist_keys bytes = { "total_bytes", "min", "max" };
    static const struct hist_keys plain = { "sum", "min", "max" };
    if (r->bad || jr_get(r->d, root, "workload") == 0)
        return 0;
    const struct jr_node *w = rd_member(r, root, "", "workload", JR_OBJECT, 0);
    uint64_t seed = rd_u(r, w, "workload.", "seed");
    const char *spec = rd_s(r, w, "workload.", "size_spec", 1);
    if (r->bad)
        return 0;
    struct mix *m = malloc(sizeof(*m));
    if (m == 0) {
        rd_bad(r, w, "out of memory");
        return 0;
    }
    mix_init(m, seed, spec);
    const struct jr_node *per = jr_get(r->d, root, "recipients_per_message");
    m->rcpts_drawn = per && per->type == JR_NULL;
    const struct jr_node *s = rd_member(r, w, "workload.", "sizes", JR_OBJECT, 0);
    rd_hist_object(r, s, "workload.sizes.", &bytes, &m->size);
    m->size_total = m->size.sum;
    const struct jr_node *rc = rd_member(r, w, "workload.", "recipients_per_message", JR_OBJECT, 0);
    rd_hist_object(r, rc, "workload.recipients_per_message.", &plain, &m->rcpts);
    /* A message is counted once, when it ends (sent or failed); sizes
     * only under --size. */
    if (!r->bad && spec == 0 && m->size.count)
        rd_bad(r, s, "\"workload.sizes.count\" is not 0 with \"workload.size_spec\" null");
    else if (!r->bad && m->size.count > (uint64_t)ended)
        rd_bad(r, s, "\"workload.sizes.count\" is above \"messages.sent\" and \"failed\"");
    else if (!r->bad && m->rcpts.count > (uint64_t)ended)
        rd_bad(r, rc, "\"workload.recipients_per_message.count\" is above \"messages.sent\" and "
               "\"failed\"");
    classes(r, w, m);
    if (r->bad) {
        free(m);
        return 0;
    }
    return m;
}
