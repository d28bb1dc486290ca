/* record: what a worker tells the parent, one write() per record.
 * A record is a fixed header, optionally followed by text_len bytes of
 * text; the whole is at most PIPE_BUF bytes, so records written by many
 * workers to one pipe never interleave. */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

enum rec_type {
    REC_MESSAGE = 1,   /* the outcome of one message slot */
    REC_WARNING,       /* text: a warning to print */
    REC_LOG,           /* text: a -v line to print */
    REC_SAMPLES,       /* text: uint32 RCPT latencies (us) beyond rcpt_us[] */
};

/* Phases of a session, in order; also the index of phase_us[]. */
enum phase {
    PH_CONNECT, PH_BANNER, PH_HELO, PH_TLS, PH_AUTH, PH_MAIL, PH_RCPT, PH_DATA, PH_DOT,
    PH_BDAT, PH_RSET, PH_QUIT, PH_MESSAGE,
    PH_COUNT
};

/* Why a message failed. */
enum fail_reason {
    FAIL_NONE, FAIL_REPLY, FAIL_LOST, FAIL_TIMEOUT, FAIL_CONNECT, FAIL_PROTOCOL,
    FAIL_WORKER,       /* the worker died mid-message (counted by the parent) */
    FAIL_TLS,          /* the TLS handshake failed, or TLS broke */
    FAIL_AUTH,         /* AUTH could not be done: refused, or not allowed here */
    FAIL_EXTENSION,    /* the server lacks an extension the run needs (SMTPUTF8) */
    FAIL_SIZE,         /* larger than the server's SIZE limit: not sent (RFC 1870) */
    FAIL_COUNT
};

/* How a connection's AUTH ended (in the record of the message that opened
 * it; AUTH_END_NONE in every other record, and without AUTH). */
enum auth_end {
    AUTH_END_NONE,
    AUTH_END_OK,         /* 235 */
    AUTH_END_REFUSED,    /* another reply than 235 or 334: auth_code */
    AUTH_END_GAVE_UP,    /* the client cancelled: an endless or malformed 334 */
    AUTH_END_UNANSWERED, /* the connection was lost, or timed out, in the exchange */
    AUTH_END_UNTRIED,    /* not tried: no mechanism offered that the run may use */
};

enum rec_flags {
    RF_SENT      = 1 << 0,  /* the server accepted the message */
    RF_DOT_SENT  = 1 << 1,  /* content and "." went out (drives -c) */
    RF_FATAL     = 1 << 2,  /* the run must stop; text is the error */
    RF_NEW_CONN  = 1 << 3,  /* this message opened a connection */
    RF_NOT_DONE  = 1 << 4,  /* claimed, then given up because the run stops */
    RF_TLS       = 1 << 5,  /* this message's connection did a TLS handshake */
    RF_TLS_RESUMED = 1 << 6,  /* ... which resumed a session */
    RF_SCHEDULED = 1 << 7,  /* --rate: intended_us is the slot's due time */
    /* Failed after its final dot (or BDAT LAST) went out, with no reply to
     * it: the server may have the message or not. */
    RF_UNKNOWN   = 1 << 8,
};

#define REC_TEXT_MAX 3584
#define REC_RCPT_INLINE 8     /* RCPT latencies carried in the record itself */
#define REC_SAMPLES_MAX (REC_TEXT_MAX / 4)
#define REC_CODES 8           /* reply codes of rejected recipients kept */

struct record {
    uint16_t type;
    uint16_t text_len;
    uint16_t flags;
    uint8_t fail_phase;        /* enum phase, if failed */
    uint8_t fail_reason;       /* enum fail_reason */
    int32_t fail_code;         /* reply code for FAIL_REPLY */
    /* fail_*: why a message failed, set only when it did (not RF_SENT). */
    uint32_t worker;
    uint32_t conn_seq;         /* connection number within the worker */
    uint32_t corpus_item;      /* --corpus: the item's index + 1, 0 without (in what was
                                  padding: the record keeps its size) */
    int64_t slot;
    /* Times in us since the run's t0: when the slot was due (RF_SCHEDULED),
     * when the message started, when it ended (its end-of-data reply, or
     * the moment it was given up). */
    int64_t intended_us, start_us, end_us;
    uint64_t bytes_sent;
    uint32_t rcpt_sent, rcpt_ok, rcpt_bad;   /* RCPT commands: sent, 2xx, other */
    uint32_t rcpt_delivered;   /* recipients the end of data accepted */
    uint32_t rcpt_lost;        /* LMTP: recipients whose reply the connection lost */
    uint32_t replies[6];       /* by class: [2]..[5]; [0] codes outside 2xx..5xx */
    uint32_t phase_mask;       /* bit p set: phase p ran, phase_us[p] is valid */
    uint16_t tls_version;      /* RF_TLS: the protocol's and the cipher's numbers */
    uint16_t tls_cipher;
    uint16_t rej_n;            /* valid entries of rej_code[] */
    uint16_t rej_code[REC_CODES];  /* codes refusing recipients (RCPT, LMTP dot) */
    uint64_t phase_us[PH_COUNT];   /* for PH_RCPT: the sum over all RCPTs */
    uint32_t rcpt_n;               /* valid entries of rcpt_us[] */
    uint32_t rcpt_us[REC_RCPT_INLINE];  /* each RCPT's latency; more go in REC_SAMPLES */
    uint8_t auth_mech;             /* the AUTH mechanism tried (smtp/auth.h), 0 none */
    uint8_t auth_end;              /* enum auth_end */
    uint16_t auth_code;            /* AUTH_END_REFUSED: the reply's code */
    uint64_t msg_size;             /* --size: the message as stored (SIZE=), 0 without */
};

/* Called for each whole record; text is NUL-terminated. Returns nonzero
 * when the run must stop (a fatal error). */
typedef int (*record_fn)(void *ctx, const struct record *r, const char *text);

/* Hands each whole record in buf[0..len) to on_record (setting *stop when
 * one asks to stop), moves what is left of a partial one to the front of
 * buf and returns its length. */
size_t record_split(char *buf, size_t len, record_fn on_record, void *ctx, int *stop);

#endif
