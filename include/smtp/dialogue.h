/* dialogue: one worker's SMTP/LMTP session, as its parts share it: the
 * session's state, and the step machinery (a command out, its reply in,
 * a failure noted in the message's record). The parts: session.c (the
 * worker's loop and the closing), opening.c (connect, greeting, EHLO /
 * HELO / LHLO) and transaction.c (MAIL, RCPT, DATA, plain and pipelined).
 * Nothing else includes it. */
#ifndef DIALOGUE_H
#define DIALOGUE_H

#include "smtp/conn.h"
#include "smtp/esmtp.h"
#include "smtp/message.h"
#include "smtp/outbox.h"
#include "core/record.h"
#include "smtp/reply.h"
#include "smtp/client.h"
#include "workload/layout.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What a protocol step leaves behind. */
enum step {
    STEP_OK,         /* go on */
    STEP_REJECTED,   /* rejected under -A: the message failed, the connection lives */
    STEP_CLOSED,     /* rejected with 421/521 under -A: the connection is gone */
    STEP_FATAL,      /* the run must stop; the record says why */
    STEP_STOPPED,    /* the run is stopping: this message is given up */
};

struct sess {
    const struct session_args *a;
    const struct config *cfg;
    unsigned who;            /* this worker's index */
    unsigned long pid;       /* for Message-Id */
    int64_t run_t0;          /* the run's t0 (ns, monotonic): records' times count from it */
    struct conn conn;
    int attempts_left;       /* -C: connect attempts over the worker's life */
    uint32_t conn_seq;
    struct msg_headers mh;
    char *hdr;               /* generated headers of the current message */
    char *probe;             /* --size, MIME: a slot's headers made only to size it
                              * (SIZE= of a MAIL FROM pipelined behind the
                              * current message, whose hdr is still to go out) */
    struct layout *lay;      /* --size, MIME: the current message's segments; else NULL */
    struct {                 /* --rcpt-file, --rcpt-domains: a slot's recipients */
        bool valid;
        int64_t slot;
        size_t *idx, cap;
    } picks;
    char *cmd;               /* the command being sent */
    size_t cmd_cap;
    struct outbox out;       /* records to the parent */
    struct reply reply;
    struct esmtp ext;        /* what the server offered in reply to EHLO/LHLO */
    bool tls_on;             /* this connection is encrypted */
    bool use_bdat;           /* --bdat and the server offers CHUNKING */
    char mail_params[40];    /* " BODY=8BITMIME SMTPUTF8" as offered and asked */
    bool pipelined;          /* --pipelining and the server offers it */
    size_t group_max;        /* bytes of commands written before reading */
    char *group;             /* the commands of a pipelined group */
    size_t group_cap;
    bool quit_sent;          /* QUIT went out behind the last dot */
    struct {                 /* the next transaction, claimed behind a dot */
        bool valid;
        int64_t slot;
        int64_t first_rcpt;
        int64_t sent;        /* commands of its group already written */
        uint64_t bytes;      /* what write() took of them */
        uint64_t t0;         /* when they were written */
    } next;
    struct {                 /* the current transaction, if it was claimed so */
        bool valid;
        int64_t first_rcpt;
        int64_t sent;        /* its commands on the wire of this connection */
        uint64_t t0;
    } pre;
};

/* Microseconds on the monotonic clock. */
uint64_t sess_now_us(void);

/* A latency as one RCPT sample: they travel as 32-bit microseconds, so
 * one beyond 71 minutes is counted as 71 minutes (the histogram's top). */
uint32_t sess_sample(uint64_t us);

/* Records the first failure of the message; fmt (if any) sets its text. */
void sess_fail(struct sess *s, enum phase ph, enum fail_reason why, int code,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A lost connection, a timeout or a malformed reply while label: fatal,
 * or with -A counted (the connection is closed, the run goes on). */
enum step sess_io_fail(struct sess *s, enum phase ph, enum io_status st, const char *label);

/* An unexpected reply in s->reply: fatal, or with -A a warning. With -A,
 * 421 and 521 end the connection (where closable) without QUIT. */
enum step sess_rejected(struct sess *s, enum phase ph, const char *what, int closable);

/* Formats a command into s->cmd, growing it if need be; returns its length. */
size_t sess_command(struct sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sess_ensure_cmd(struct sess *s, size_t need);

/* Sends the command in s->cmd (len bytes with CRLF), reads its reply into
 * s->reply and adds the time to phase ph. */
enum step sess_exchange(struct sess *s, enum phase ph, size_t len, const char *label);

/* The reply in s->reply is 2xx. */
int sess_ok(const struct sess *s);

/* RSET after a refusal; the message stays failed (STEP_REJECTED). */
enum step sess_rset(struct sess *s, const char *label);

/* This message cannot go (too large for the server, an address it cannot
 * take): it fails for reason why before any of it is sent; fatal, or with
 * -A a warning, and the connection goes on (STEP_REJECTED). */
enum step sess_decline(struct sess *s, enum phase ph, enum fail_reason why,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The connection works but cannot carry mail as asked (no STARTTLS, AUTH
 * refused, ...): the message fails for reason why; fatal, or with -A a
 * warning, and the session ends with QUIT (STEP_CLOSED). */
enum step sess_refuse(struct sess *s, enum phase ph, enum fail_reason why,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Ends a session that cannot go on: QUIT, its reply, close. */
void sess_give_up(struct sess *s);

#endif
