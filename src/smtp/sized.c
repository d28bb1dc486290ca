/* sized: messages of --size or --content=mime, drawn per slot, and of --corpus. */
#include "smtp/sized.h"

#include "core/shard.h"
#include "core/utf8.h"
#include "workload/msgprep.h"
#include "workload/workload.h"

#include <string.h>

/* The run's corpus, or NULL. */
static const struct corpus *corpus_of(const struct sess *s)
{
    const struct workload *wl = s->cfg->wl;
    return wl && wl->corpus_on ? &wl->corpus : 0;
}

/* --corpus-headers=fresh: slot's new Date and Message-Id fields (the
 * Message-Id as the generated headers make it), into buf; their length
 * (buf NULL: only that). */
static size_t corpus_fields(const struct sess *s, int64_t slot, char *buf, size_t cap)
{
    unsigned long left = (unsigned long)(s->cfg->messages - slot - 1);
    int n = snprintf(buf, cap, "Date: %s\r\nMessage-Id: <%04lx.%04lx.%04lx@%s>\r\n", s->a->date,
                     s->pid, (unsigned long)s->conn.fd, left, s->a->myhostname);
    return n > 0 ? (size_t)n : 0;
}

uint32_t sized_item(const struct sess *s, int64_t slot)
{
    return corpus_of(s) ? (uint32_t)workload_item(s->cfg->wl, slot) + 1 : 0;
}

const char *sized_sender(struct sess *s, int64_t slot)
{
    return workload_sender(s->cfg->wl, slot, s->a->sender);
}

const char *sized_rcpt(struct sess *s, int64_t slot, int64_t i, int64_t n, bool *plain)
{
    const struct workload *wl = s->cfg->wl;
    static char buf[2 * WLIST_ITEM_MAX + 8];
    *plain = false;
    if (!wl || !(wl->rcpt_file_on || wl->domains_on))
        return s->a->recipient;
    if (!s->picks.valid || s->picks.slot != slot) {
        if ((size_t)n > s->picks.cap) {
            size_t *p = realloc(s->picks.idx, (size_t)n * sizeof(*p));
            if (p == 0)
                _exit(1);
            s->picks.idx = p;
            s->picks.cap = (size_t)n;
        }
        workload_recipients(wl, slot, (size_t)n, s->picks.idx);
        s->picks.valid = true;
        s->picks.slot = slot;
    }
    if (wl->rcpt_file_on) {
        *plain = true;
        return wl->rcpt_list.item[s->picks.idx[i]];
    }
    /* The run's recipient's local part at the drawn domain. */
    const char *to = s->a->recipient, *at = strrchr(to, '@');
    size_t local = at ? (size_t)(at - to) : strlen(to);
    if (local > WLIST_ITEM_MAX)
        local = WLIST_ITEM_MAX;
    snprintf(buf, sizeof(buf), "%.*s@%s", (int)local, to, wl->domains.item[s->picks.idx[i]]);
    return buf;
}

/* Slot's generated headers, made in buf (s->hdr, or s->probe to size a
 * slot ahead without touching the current message's). */
static size_t make_headers(struct sess *s, int64_t slot, char *buf)
{
    const struct corpus *c = corpus_of(s);
    if (c)
        return c->fresh ? corpus_fields(s, slot, buf, msg_headers_max(&s->mh)) : 0;
    if (!s->a->headers)
        return 0;
    const struct workload *wl = s->cfg->wl;
    if (wl && (wl->from_on || wl->rcpt_file_on || wl->domains_on)) {
        bool plain;
        s->mh.sender = sized_sender(s, slot);
        s->mh.recipient = sized_rcpt(s, slot, 0, sized_rcpts(s, slot), &plain);
    }
    unsigned long left = (unsigned long)(s->cfg->messages - slot - 1);
    size_t hl = msg_format_headers(buf, &s->mh, s->pid, (unsigned long)s->conn.fd, left);
    if (s->a->mime) {
        /* MIME's header fields, then the empty line again. */
        size_t tl;
        const char *top = mime_top(&tl);
        memcpy(buf + hl - 2, top, tl);
        hl += tl - 2;
    }
    return hl;
}

size_t sized_headers(struct sess *s, int64_t slot)
{
    return make_headers(s, slot, s->hdr);
}

/* The size slot's message is drawn at: --size's; else a MIME message's
 * -l's (as long as the plain message of -l: its headers, then n + 2
 * bytes) or MIME_DEFAULT_SIZE. hl: the headers as sized_headers made them. */
static uint64_t drawn(const struct sess *s, int64_t slot, size_t hl)
{
    const struct workload *wl = s->cfg->wl;
    if (wl->size_on || !s->a->mime)
        return workload_size(wl, slot);
    if (s->cfg->msg_length > 0) {
        size_t tl;
        mime_top(&tl);
        return hl - (tl - 2) + (uint64_t)s->cfg->msg_length + 2;
    }
    return MIME_DEFAULT_SIZE;
}

int64_t sized_rcpts(const struct sess *s, int64_t slot)
{
    return workload_rcpts(s->cfg->wl, slot, s->cfg->rcpts);
}

int64_t sized_first_rcpt(struct sess *s, int64_t slot)
{
    const struct config *cfg = s->cfg;
    const struct workload *wl = cfg->wl;
    if (wl || cfg->shard.count > 1)
        return shard_first_rcpt(slot, wl && wl->rcpts_on ? wl->rcpts_max : cfg->rcpts);
    return s->a->slots.claim_rcpts(s->a->slots.ctx, s->who, sized_rcpts(s, slot));
}

uint64_t sized_stored(struct sess *s, int64_t slot)
{
    if (!s->lay) {
        /* The reference's content in a workload run (--rcpts, --seed...):
         * its size for the records and the report, never for SIZE=. */
        if (!s->cfg->wl)
            return 0;
        return make_headers(s, slot, s->probe) + s->a->raw_body_len;
    }
    const struct corpus *c = corpus_of(s);
    if (c)
        return c->item[workload_item(s->cfg->wl, slot)].stored
            + (c->fresh ? corpus_fields(s, slot, 0, 0) : 0);
    /* The headers' length depends on the slot (its Message-Id): made
     * as they will be sent, on this connection, but aside: the current
     * message's may not have gone out yet. */
    size_t hl = make_headers(s, slot, s->probe);
    if (s->a->mime)
        return mime_stored(s->a->mime, hl, drawn(s, slot, hl));
    return layout_stored(hl, workload_size(s->cfg->wl, slot));
}

const char *sized_param(struct sess *s, int64_t slot)
{
    static char param[32];
    if (!s->lay || !s->ext.has_size)
        return "";
    snprintf(param, sizeof(param), " SIZE=%llu", (unsigned long long)sized_stored(s, slot));
    return param;
}

static bool too_big(struct sess *s, int64_t slot)
{
    /* SIZE 0 (or none): no fixed limit (RFC 1870 4). */
    return s->lay && s->ext.has_size && s->ext.size > 0 && sized_stored(s, slot) > s->ext.size;
}

/* RFC 6531 3.4: a drawn address in UTF-8 (--from-file, --rcpt-file,
 * --rcpt-domains) cannot go out without SMTPUTF8. (The run's own -f and
 * -t are checked once per connection: smtp/opening.c.) */
static bool needs_utf8(struct sess *s, int64_t slot)
{
    const struct workload *wl = s->cfg->wl;
    if (!wl || !wl->utf8 || !s->cfg->smtputf8 || s->ext.smtputf8)
        return false;
    if (utf8_non_ascii(sized_sender(s, slot)))
        return true;
    int64_t n = sized_rcpts(s, slot);
    for (int64_t i = 0; i < n; i++) {
        bool plain;
        if (utf8_non_ascii(sized_rcpt(s, slot, i, n, &plain)))
            return true;
    }
    return false;
}

bool sized_unsendable(struct sess *s, int64_t slot)
{
    return too_big(s, slot) || needs_utf8(s, slot);
}

enum step sized_refuse(struct sess *s, int64_t slot)
{
    /* As a refusal by the server would be; the connection stays, for the
     * next message may do. */
    if (too_big(s, slot))
        return sess_decline(s, PH_MAIL, FAIL_SIZE,
                            "message of %llu bytes not sent: the server's SIZE limit is %llu "
                            "(RFC 1870)", (unsigned long long)sized_stored(s, slot),
                            (unsigned long long)s->ext.size);
    return sess_decline(s, PH_MAIL, FAIL_EXTENSION,
                        "the server does not offer SMTPUTF8, which the addresses need");
}

/* Item's bytes dot-stuffed, for DATA when they were kept for BDAT (the
 * server did not offer CHUNKING): in a buffer of this process, reused. */
static const char *stuffed(const struct corpus *c, const struct corpus_item *it, size_t *len,
                           size_t *ins)
{
    static char *buf;
    static size_t cap;
    const char *msg = c->blob + it->off;
    size_t need = (size_t)it->len * 2;
    if (need > cap) {
        char *p = realloc(buf, need);
        if (p == 0)
            _exit(1);
        buf = p;
        cap = need;
    }
    /* In two parts, each starting a line: ins moves by the first's dots. */
    *ins = prep_stuff(msg, it->ins, buf);
    *len = *ins + prep_stuff(msg + it->ins, it->len - it->ins, buf + *ins);
    return buf;
}

void sized_layout(struct sess *s, int64_t slot, size_t hl, bool dot)
{
    const struct corpus *c = corpus_of(s);
    if (c) {
        const struct corpus_item *it = &c->item[workload_item(s->cfg->wl, slot)];
        const char *msg = c->blob + it->off;
        size_t len = it->len, ins = it->ins;
        if (dot && !c->stuffed)
            msg = stuffed(c, it, &len, &ins);
        prep_layout(s->lay, msg, len, it->stored, ins, s->hdr, hl, dot);
        return;
    }
    if (s->a->mime)
        mime_build(s->lay, s->a->mime, s->hdr, hl, drawn(s, slot, hl), s->cfg->wl->seed, slot, dot);
    else
        layout_build(s->lay, s->hdr, hl, s->a->fill, workload_size(s->cfg->wl, slot), dot);
}
