/* sized: messages of --size, drawn per slot. */
#include "smtp/sized.h"

#include "workload/workload.h"

size_t sized_headers(struct sess *s, int64_t slot)
{
    if (!s->a->headers)
        return 0;
    unsigned long left = (unsigned long)(s->cfg->messages - slot - 1);
    return msg_format_headers(s->hdr, &s->mh, s->pid, (unsigned long)s->conn.fd, left);
}

int64_t sized_rcpts(const struct sess *s, int64_t slot)
{
    return workload_rcpts(s->cfg->wl, slot, s->cfg->rcpts);
}

uint64_t sized_stored(struct sess *s, int64_t slot)
{
    if (!s->lay)
        return 0;
    /* The headers' length depends on the slot (its Message-Id): made
     * here as they will be sent, on this connection. */
    return layout_stored(sized_headers(s, slot), workload_size(s->cfg->wl, slot));
}

const char *sized_param(struct sess *s, int64_t slot)
{
    static char param[32];
    if (!s->lay || !s->ext.has_size)
        return "";
    snprintf(param, sizeof(param), " SIZE=%llu", (unsigned long long)sized_stored(s, slot));
    return param;
}

bool sized_too_big(struct sess *s, int64_t slot)
{
    /* SIZE 0 (or none): no fixed limit (RFC 1870 4). */
    return s->lay && s->ext.has_size && s->ext.size > 0 && sized_stored(s, slot) > s->ext.size;
}

enum step sized_refuse(struct sess *s, int64_t slot)
{
    (void)slot;
    sess_fail(s, PH_MAIL, FAIL_SIZE, 0, 0);
    return STEP_REJECTED;
}

void sized_layout(struct sess *s, int64_t slot, size_t hl, bool dot)
{
    layout_build(s->lay, s->hdr, hl, s->a->fill, workload_size(s->cfg->wl, slot), dot);
}
