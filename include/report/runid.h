/* runid: what makes the reports of several machines the parts of one run
 * (the options that shape the load, --shard's N, --start-at's instant),
 * and where each part sits in it (its shard, its t0, its start lag, its
 * first and last message). The JSON report carries it as "run"; --merge
 * compares the identities key by key and places the parts on one t0. */
#ifndef RUNID_H
#define RUNID_H

#include "core/json.h"
#include "core/config.h"
#include "core/shard.h"
#include "core/units.h"
#include "report/settings.h"

#include <stddef.h>
#include <stdint.h>

struct run_id {
    int64_t messages;          /* the whole run's -m, or MESSAGES_UNBOUNDED */
    int64_t duration_ns;       /* --duration, 0 if none */
    int rate_on;
    struct rate rate;          /* --rate, the whole run's */
    int sessions;              /* -s as given */
    int rcpts;                 /* -r */
    long length;               /* -l, 0 if not given */
    uint64_t body_bytes;       /* the message after its headers (-l, -F) ... */
    uint64_t body_fnv;         /* ... and its FNV-1a hash */
    int headers;               /* generated headers (not -o, not -F) */
    int reuse, lmtp;           /* -d, -L */
    int64_t interval_us;       /* --interval (or --plot's 1 s), 0 if none */
    int start_at_on;
    int64_t start_at_us;       /* --start-at, us since the epoch */
    struct shard shard;        /* 0/1 when not sharded */
    int sharded;               /* --shard was given */
    /* Not the identity: what a shard's numbers mean (see settings.h). */
    struct run_settings settings;
};

/* The shards a merge was made of (NULL in a run's own report). */
struct merged {
    uint32_t expected;         /* N */
    uint32_t n;                /* reports merged */
    struct merged_shard {
        uint32_t index;
        uint32_t place;        /* its place among the inputs: its settings' */
        int64_t t0_unix_us, start_lag_us;
        char status[64];
    } *shard;                  /* n of them, by index */
    uint32_t missing_n;
    uint32_t *missing;         /* the indexes of the shards not merged */
    struct merged_settings settings;   /* each shard's, by place */
};

void runid_init(struct run_id *id, const struct config *cfg, const char *body, size_t body_len);

/* FNV-1a, 64 bits: a message's fingerprint (not a secure hash). */
uint64_t runid_fnv(const char *p, size_t len);

/* The run's id: 16 hex digits of a hash of the identity, the same for
 * every shard of one run and for their merge ("run.id" in the JSON, the
 * run label of --metrics). */
#define RUNID_TEXT 17
void runid_text(const struct run_id *id, char out[RUNID_TEXT]);

/* The "identity" object of the JSON report. */
void runid_json(const struct run_id *id, struct json *j);

#endif
