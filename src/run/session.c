/* session: the life of one worker process: claim a slot, open a
 * connection when there is none, run the transaction, report, and at the
 * end close the session with QUIT. */
#include "run/session.h"

#include "smtp/dialogue.h"
#include "smtp/opening.h"
#include "run/schedule.h"
#include "smtp/transaction.h"
#include "workload/wlist.h"
#include "workload/workload.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The run's region, for this worker's life: one per process. */
static struct shared *region;

static void log_reply_line(void *ctx, const char *line, size_t len)
{
    outbox_say(ctx, REC_LOG, "<<< %.*s", (int)len, line);
}

/* QUIT's reply is read and ignored, whatever it is: the message is already
 * accounted for, so a server that hangs up here fails nothing. */
static void quit(struct sess *s)
{
    struct record *r = &s->out.msg.rec;
    size_t len = sess_command(s, "QUIT\r\n");
    uint64_t t0 = sess_now_us();
    enum io_status io = IO_OK;

    bool sent = s->quit_sent;
    if (sent) {
        t0 = s->next.t0;
    } else {
        if (s->cfg->verbose)
            outbox_say(&s->out, REC_LOG, "QUIT");
        uint64_t w0 = s->conn.written;
        io = conn_write(&s->conn, s->cmd, len);
        r->bytes_sent += s->conn.written - w0;
    }
    if (io == IO_OK && conn_read_reply(&s->conn, &s->reply) == IO_OK) {
        r->phase_us[PH_QUIT] = sess_now_us() - t0;
        r->phase_mask |= 1u << PH_QUIT;
        r->replies[reply_class(s->reply.code)]++;
    }
    conn_close(&s->conn);
    s->quit_sent = false;
}

/* -w, -R. Returns 1 if --duration's time ran out meanwhile: the slot,
 * claimed before, must not start after it. */
static int pause_between(struct sess *s)
{
    const struct config *cfg = s->cfg;
    long secs = cfg->fixed_delay;

    if (cfg->random_delay)
        secs = (long)((unsigned)rand() % ((unsigned)cfg->random_delay + 1u));
    /* Sleep in short steps so that a stop request is seen promptly. */
    for (long ms = secs * 1000L; ms > 0 && !shared_stopping(region); ms -= 100) {
        if (shared_expired(region))
            return 1;
        struct timespec ts = { 0, (ms < 100 ? ms : 100) * 1000000L };
        nanosleep(&ts, 0);
    }
    return secs > 0 && shared_expired(region);
}

static int stopping(void *sh)
{
    return shared_stopping(sh);
}

static int claim(void *sh, unsigned who, int64_t *k)
{
    return shared_claim_slot(sh, who, k);
}

static int64_t claim_rcpts(void *sh, unsigned who, int64_t n)
{
    return shared_claim_rcpts(sh, who, n);
}

/* --rate: the slot's record gets its due time, and the worker waits for
 * it, never starting early. -1 when the run stops meanwhile. */
static int keep_time(struct sess *s, int64_t slot)
{
    struct record *r = &s->out.msg.rec;
    const struct config *cfg = s->cfg;
    int64_t due = schedule_offer_due_ns(&cfg->rate, cfg->stages_on ? &cfg->stages : 0, slot);
    r->flags |= RF_SCHEDULED;
    r->intended_us = due / 1000;
    return schedule_wait(s->run_t0 + due, stopping, region);
}

static int64_t since_t0_us(const struct sess *s)
{
    return (schedule_now_ns() - s->run_t0) / 1000;
}

/* The message has ended, or was given up. Under --interval the parent
 * must know that a record is on its way before its time exists (see
 * shared_watermark). */
static void stamp_end(struct sess *s)
{
    struct record *r = &s->out.msg.rec;
    if (s->cfg->interval_ns)
        shared_done_begin(region, s->who);
    r->end_us = since_t0_us(s);
    if (s->cfg->interval_ns)
        shared_done_at(region, s->who, r->end_us);
}

/* Sends the current message's record. A message that was sent in the end
 * carries no failure: refusals along the way (a recipient, an LMTP
 * recipient at end of data) are in fields of their own. */
static void send_record(struct sess *s)
{
    struct record *r = &s->out.msg.rec;
    if (r->flags & RF_SENT) {
        r->fail_reason = FAIL_NONE;
        r->fail_phase = 0;
        r->fail_code = 0;
        if (!(r->flags & RF_FATAL))
            r->text_len = 0;
    }
    outbox_send(&s->out);
    if (s->cfg->interval_ns)
        shared_done_sent(region, s->who);
}

/* The record of a slot that was claimed but never started, because the
 * run is stopping: every claimed slot gets one record. */
static void report_not_done(struct sess *s, int64_t slot)
{
    struct record *r = outbox_begin(&s->out, slot, s->conn_seq);
    r->flags |= RF_NOT_DONE;
    r->start_us = since_t0_us(s);
    stamp_end(s);
    send_record(s);
}

/* Takes over the transaction claimed behind the last dot, if it is this
 * slot's: its -N numbers, and what of it this connection already carries. */
static void take_prefetched(struct sess *s, int64_t slot)
{
    s->pre.valid = s->next.valid && s->next.slot == slot;
    if (s->pre.valid) {
        s->pre.first_rcpt = s->next.first_rcpt;
        s->pre.sent = s->conn.fd >= 0 ? s->next.sent : 0;
        s->pre.t0 = s->next.t0;
        s->out.msg.rec.bytes_sent += s->next.bytes;
    }
    s->next.valid = false;
    s->next.bytes = 0;
}

/* -R's delays come from rand() seeded with the process id, as in the
 * reference; the tests' build may fix the seed to know the delays. */
static unsigned random_seed(void)
{
#ifdef SMTP_SOURCE_TEST_HOOKS
    const char *seed = getenv("SMTP_SOURCE_TEST_SEED");
    if (seed)
        return (unsigned)strtoul(seed, 0, 10);
#endif
    return (unsigned)getpid();
}

_Noreturn void session_worker(const struct session_args *args, struct shared *sh, unsigned index,
                              int out_fd)
{
    static struct sess sess;
    static struct session_args own;
    struct sess *s = &sess;
    const struct session_args *a = &own;
    const struct config *cfg = args->cfg;
    int64_t slot;

    own = *args;
    own.slots = (struct slot_source){ sh, claim, claim_rcpts, stopping };
    region = sh;
    s->a = a;
    s->cfg = cfg;
    s->who = index;
    outbox_init(&s->out, out_fd, index);
    s->pid = (unsigned long)getpid();
    s->conn.fd = -1;
    s->attempts_left = cfg->connect_attempts;
    s->mh = (struct msg_headers){ a->sender, a->recipient, a->date, a->myhostname, cfg->subject };
    /* Room for the longest addresses a workload may put in the headers. */
    size_t hdr_max = msg_headers_max(&s->mh) + 3 * WLIST_ITEM_MAX + 16 + MIME_TOP_MAX;
    s->hdr = malloc(hdr_max);
    size_t longest = strlen(a->sender) > strlen(a->recipient) ? strlen(a->sender) : strlen(a->recipient);
    sess_ensure_cmd(s, longest + strlen(a->myhostname) + 64);
    /* --size, MIME and --corpus messages go out as segments. */
    bool segs = a->fill || a->mime || (cfg->wl && cfg->wl->corpus_on);
    if (segs)
        s->lay = malloc(sizeof(*s->lay));
    /* A workload sizes each slot's headers aside (smtp/sized.h). */
    if (cfg->wl)
        s->probe = malloc(hdr_max);
    if (s->hdr == 0 || (segs && s->lay == 0) || (cfg->wl && s->probe == 0))
        _exit(1);
    if (cfg->verbose) {
        s->reply.on_line = log_reply_line;
        s->reply.on_line_ctx = &s->out;
    }
    if (cfg->random_delay)
        srand(random_seed());
    if (cfg->rate_on)
        schedule_sharpen();
    shared_wait_start(region);
    s->run_t0 = shared_t0(region);

    int have = shared_claim_slot(region, s->who, &slot), expired = 0;
    while (have) {
        enum step st = STEP_OK;
        struct record *r = outbox_begin(&s->out, slot, s->conn_seq);

        take_prefetched(s, slot);
        if (cfg->rate_on && keep_time(s, slot) < 0)
            st = STEP_STOPPED;
        r->start_us = since_t0_us(s);
        /* A stop lets in-flight messages finish but starts nothing: a slot
         * whose commands are not on the wire yet is given up. */
        if ((shared_stopping(region) || expired) && !(s->pre.valid && s->pre.sent > 0))
            st = STEP_STOPPED;
        if (st == STEP_OK && s->conn.fd < 0) {
            st = session_open(s);
            /* The run stopped while the connection opened: nothing of the
             * message has gone out yet, so it is given up. */
            if (st == STEP_OK && shared_stopping(region))
                st = STEP_STOPPED;
        }
        if (st == STEP_OK)
            st = transaction_run(s, slot);
        stamp_end(s);
        if (st == STEP_STOPPED) {
            if (s->conn.fd >= 0)
                quit(s);
            r->flags |= RF_NOT_DONE;
            send_record(s);
            break;
        }
        r->phase_us[PH_MESSAGE] = (uint64_t)(r->end_us - r->start_us);
        r->phase_mask |= 1u << PH_MESSAGE;

        if (st == STEP_FATAL) {
            send_record(s);
            if (s->next.valid)
                report_not_done(s, s->next.slot);
            _exit(1);
        }
        if (s->next.valid) {
            /* Pipelined -d: the next slot was claimed behind the dot. */
            send_record(s);
            slot = s->next.slot;
            continue;
        }
        if (s->conn.fd >= 0 && cfg->reuse) {
            int64_t next;
            if ((have = shared_claim_slot(region, s->who, &next))) {
                send_record(s);
                slot = next;
                expired = pause_between(s);
                continue;
            }
        }
        if (s->conn.fd >= 0)
            quit(s);
        send_record(s);
        if ((have = shared_claim_slot(region, s->who, &slot)))
            expired = pause_between(s);
    }
    _exit(0);
}
