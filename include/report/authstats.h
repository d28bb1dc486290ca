/* authstats: what the connections' AUTH came to, by the mechanism used:
 * attempts, authenticated (a 235), refused (by reply code), given up,
 * unanswered, and the connections that could not try it; with what the
 * run (or each shard of a merge) asked for. The report's auth line and
 * its JSON "auth" object. Fixed memory. */
#ifndef AUTHSTATS_H
#define AUTHSTATS_H

#include "core/json.h"
#include "core/record.h"

#include <stdint.h>
#include <stdio.h>

#define AUTHSTATS_MECHS 3      /* PLAIN, LOGIN, XOAUTH2: enum auth_mech - 1 */
#define AUTHSTATS_CODES 8      /* refusal codes kept apart, per mechanism */

struct auth_tally {
    uint64_t attempts, authenticated, refused, given_up, unanswered;
    unsigned codes;
    struct { uint16_t code; uint64_t count; } code[AUTHSTATS_CODES];
    uint64_t code_other;       /* refusals with codes beyond code[] */
};

struct authstats {
    struct auth_tally mech[AUTHSTATS_MECHS];
    uint64_t not_tried;        /* connections that had no mechanism to try */
};

/* What a run asks for: no AUTH, --auth-user alone (the first of PLAIN,
 * LOGIN offered), or --auth-mech's mechanism. */
enum auth_asked {
    AUTH_ASKED_NO, AUTH_ASKED_DEFAULT, AUTH_ASKED_PLAIN, AUTH_ASKED_LOGIN, AUTH_ASKED_XOAUTH2,
    AUTH_ASKED_KINDS,
    AUTH_ASKED_MIXED = -1      /* a merge of shards that asked differently */
};

/* A merge's shards, counted by what they asked for. */
struct auth_shards {
    uint32_t n[AUTH_ASKED_KINDS];
};

/* --auth-user and --auth-mech (enum auth_mech) as an enum auth_asked. */
int authstats_asked(int auth_user, int auth_mech);
/* "PLAIN or LOGIN", "PLAIN", ...; "none" for AUTH_ASKED_NO. */
const char *authstats_asked_name(int asked);
/* The kind of a name above, or -1. */
int authstats_asked_kind(const char *name);
/* The mechanism (enum auth_mech) of "PLAIN", "LOGIN", "XOAUTH2", or 0. */
int authstats_mech(const char *name);

/* A message's record: counted if it opened a connection that tried AUTH. */
void authstats_add(struct authstats *a, const struct record *r);
/* Adds from to into, exactly: 0, or -1 (into unchanged in the counts
 * that would overflow 64 bits). */
int authstats_merge(struct authstats *into, const struct authstats *from);
/* A refusal's code counted for mechanism slot m (0..AUTHSTATS_MECHS-1). */
void authstats_refused(struct auth_tally *t, unsigned code, uint64_t count);

/* "PLAIN or LOGIN asked in 1 of 3, XOAUTH2 in 1, no AUTH in 1"; 0 if the
 * shards agree. */
int authstats_shards_text(const struct auth_shards *sh, char *buf, size_t len);

/* The report's auth line(s): "  auth        PLAIN: 3 attempts, 0
 * authenticated, 3 refused (535)", a line per mechanism used; sh: a
 * merge's shards, or NULL. */
void authstats_print(const struct authstats *a, FILE *out, const struct auth_shards *sh);
/* The JSON report's "auth" object. */
void authstats_json(const struct authstats *a, struct json *j, int asked,
                    const struct auth_shards *sh);

#endif
