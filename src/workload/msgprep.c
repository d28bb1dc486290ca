/* msgprep: CRLF, unquoting, fresh headers' places and dot-stuffing. */
#include "workload/msgprep.h"

#include "workload/mbox.h"

#include <string.h>
#include <strings.h>

size_t prep_bound(const char *in, size_t len)
{
    /* Each line grows by at most its CR and a stuffed dot; a last line
     * without LF gets CRLF. */
    size_t lines = 1;
    for (const char *p = in, *end = in + len; p < end; p++) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (p == 0)
            break;
        lines++;
    }
    return len + 2 * lines + 1;
}

/* The header field starting at line (n bytes, without its line end) is
 * one the fresh headers replace. */
static bool replaced(const char *line, size_t n)
{
    static const char *const names[] = { "date:", "message-id:" };
    for (int i = 0; i < 2; i++) {
        size_t k = strlen(names[i]);
        if (n >= k && strncasecmp(line, names[i], k) == 0)
            return true;
    }
    return false;
}

void prep_message(const char *in, size_t len, unsigned flags, char *out, struct prep *p)
{
    size_t o = 0, stuffed = 0, i = 0;
    bool header = (flags & PREP_FRESH) != 0, dropping = false, have_ins = false;
    unsigned char any = 0, nul = 0;
    p->ins = 0;
    p->longest = 0;
    while (i < len) {
        const char *nl = memchr(in + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - in) : len;
        size_t n = end - i;
        const char *line = in + i;
        i = nl ? end + 1 : len;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (header) {
            if (n == 0) {
                /* The header's end: the fields go here if none was dropped. */
                header = false;
                if (!have_ins)
                    p->ins = o;
                have_ins = true;
            } else if (dropping && (line[0] == ' ' || line[0] == '\t')) {
                continue;           /* a dropped field's folded line */
            } else if ((dropping = replaced(line, n))) {
                if (!have_ins)
                    p->ins = o;
                have_ins = true;
                continue;
            }
        }
        if ((flags & PREP_UNQUOTE) && mbox_quoted(line, n)) {
            line++;
            n--;
        }
        if ((flags & PREP_STUFF) && n > 0 && line[0] == '.') {
            out[o++] = '.';
            stuffed++;
        }
        memcpy(out + o, line, n);
        o += n;
        out[o++] = '\r';
        out[o++] = '\n';
        if (n + 2 > p->longest)
            p->longest = n + 2;
        /* Told, not changed: "otherwise as in the file" (RFC 6152 7-bit
         * is bytes 1 to 127). */
        for (size_t k = 0; k < n; k++) {
            any |= (unsigned char)line[k];
            nul |= line[k] == 0;
        }
    }
    p->eight_bit = (any & 0x80) || nul;
    /* A header without an empty line after it (the whole message): the
     * fresh fields go at its end. */
    if (header && !have_ins)
        p->ins = o;
    p->len = o;
    p->stored = o - stuffed;
}

size_t prep_stuff(const char *in, size_t len, char *out)
{
    size_t o = 0;
    bool start = true;
    for (size_t i = 0; i < len; i++) {
        if (start && in[i] == '.')
            out[o++] = '.';
        out[o++] = in[i];
        start = in[i] == '\n';
    }
    return o;
}

void prep_layout(struct layout *l, const char *msg, size_t len, size_t stored, size_t ins,
                 const char *hdr, size_t hl, bool dot)
{
    static const char end[] = ".\r\n";
    const size_t parts[3] = { ins, hl, len - ins };
    const char *base[3] = { msg, hdr, msg + ins };
    l->n = 0;
    l->total = 0;
    for (int i = 0; i < 3; i++) {
        if (parts[i] == 0)
            continue;
        l->seg[l->n].iov_base = (void *)base[i];
        l->seg[l->n++].iov_len = parts[i];
        l->total += parts[i];
    }
    l->stored = stored + hl;
    if (dot) {
        memcpy(l->tail, end, 3);
        l->seg[l->n].iov_base = l->tail;
        l->seg[l->n++].iov_len = 3;
        l->total += 3;
    }
}
