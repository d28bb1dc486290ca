/* authstats: what the connections' AUTH came to, by the mechanism used:
 * attempts, authenticated (a 235), refused (by reply code), given up,
 * unanswered, and the connections that could not try it. The report's
 * auth line and its JSON "auth" object (what was asked for is a setting:
 * settings.h). Fixed memory. */
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

/* The mechanism (enum auth_mech) of "PLAIN", "LOGIN", "XOAUTH2", or 0. */
int authstats_mech(const char *name);

/* A message's record: counted if it opened a connection that tried AUTH. */
void authstats_add(struct authstats *a, const struct record *r);
/* Adds from to into, exactly: 0, or -1 if a sum would overflow 64 bits
 * (into is then not to be used). */
int authstats_merge(struct authstats *into, const struct authstats *from);
/* count refusals with code, in t's codes (or "other", beyond them). */
void authstats_refused(struct auth_tally *t, unsigned code, uint64_t count);

/* The report's auth line(s): "  auth        PLAIN: 3 attempts, 0
 * authenticated, 3 refused (535)", a line per mechanism used. */
void authstats_print(const struct authstats *a, FILE *out);
/* The JSON report's "auth" object. */
void authstats_json(const struct authstats *a, struct json *j);

#endif
