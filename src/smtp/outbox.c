#include "smtp/outbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void outbox_init(struct outbox *o, int fd, unsigned worker)
{
    memset(o, 0, sizeof(*o));
    o->fd = fd;
    o->worker = worker;
}

static void emit(struct outbox *o, struct outbuf *b)
{
    size_t len = sizeof(b->rec) + b->rec.text_len;
    const char *p = (const char *)b;

    while (len > 0) {
        ssize_t n = write(o->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(1);        /* the parent is gone: nobody to work for */
        p += n;
        len -= (size_t)n;
    }
}

static void start(struct outbox *o, struct outbuf *b, enum rec_type type)
{
    memset(&b->rec, 0, sizeof(b->rec));
    b->rec.type = (uint16_t)type;
    b->rec.worker = o->worker;
}

static void set_text(struct outbuf *b, const char *fmt, va_list ap)
{
    int n = fmt ? vsnprintf(b->text, sizeof(b->text), fmt, ap) : 0;
    if (n < 0)
        n = 0;
    b->rec.text_len = (uint16_t)((size_t)n < sizeof(b->text) ? (size_t)n : sizeof(b->text) - 1);
}

struct record *outbox_begin(struct outbox *o, int64_t slot, uint32_t conn_seq)
{
    start(o, &o->msg, REC_MESSAGE);
    o->msg.rec.slot = slot;
    o->msg.rec.conn_seq = conn_seq;
    return &o->msg.rec;
}

void outbox_vtext(struct outbox *o, const char *fmt, va_list ap)
{
    set_text(&o->msg, fmt, ap);
}

static void flush_samples(struct outbox *o)
{
    if (o->nsamples == 0)
        return;
    start(o, &o->samples, REC_SAMPLES);
    o->samples.rec.text_len = (uint16_t)(o->nsamples * sizeof(uint32_t));
    emit(o, &o->samples);
    o->nsamples = 0;
}

void outbox_rcpt_sample(struct outbox *o, uint32_t us)
{
    struct record *r = &o->msg.rec;
    if (r->rcpt_n < REC_RCPT_INLINE) {
        r->rcpt_us[r->rcpt_n++] = us;
        return;
    }
    memcpy(o->samples.text + o->nsamples * sizeof(us), &us, sizeof(us));
    if (++o->nsamples == REC_SAMPLES_MAX)
        flush_samples(o);
}

void outbox_send(struct outbox *o)
{
    flush_samples(o);
    emit(o, &o->msg);
}

void outbox_say(struct outbox *o, enum rec_type type, const char *fmt, ...)
{
    va_list ap;
    start(o, &o->aux, type);
    va_start(ap, fmt);
    set_text(&o->aux, fmt, ap);
    va_end(ap);
    emit(o, &o->aux);
}
