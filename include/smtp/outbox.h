/* outbox: how a worker reports to the parent. It holds the record of the
 * message in progress, sends warnings and -v lines as records of their
 * own, and batches RCPT latencies that do not fit the message record.
 * Every record goes out in one write() (see record.h). A failed write
 * means the parent is gone, and the worker exits. */
#ifndef OUTBOX_H
#define OUTBOX_H

#include "core/record.h"

#include <stdarg.h>
#include <stdint.h>

struct outbuf {
    struct record rec;
    char text[REC_TEXT_MAX];
};

struct outbox {
    int fd;
    uint32_t worker;
    struct outbuf msg;       /* the current message's record and its text */
    struct outbuf aux;       /* warnings and -v lines */
    struct outbuf samples;   /* RCPT latencies beyond msg.rec.rcpt_us[] */
    uint32_t nsamples;
};

void outbox_init(struct outbox *o, int fd, unsigned worker);

/* Starts the record of a new message; returns it for filling in. */
struct record *outbox_begin(struct outbox *o, int64_t slot, uint32_t conn_seq);

/* Sets (or, with fmt NULL, clears) the current message's text. */
void outbox_vtext(struct outbox *o, const char *fmt, va_list ap);

/* Adds one RCPT latency to the current message. */
void outbox_rcpt_sample(struct outbox *o, uint32_t us);

/* Sends the current message's record (after its pending samples). */
void outbox_send(struct outbox *o);

/* Sends a REC_WARNING or REC_LOG record at once. */
void outbox_say(struct outbox *o, enum rec_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
