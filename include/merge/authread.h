/* authread: a --json report's "auth" object read back for --merge,
 * strictly: per mechanism, counts that must add up (attempts =
 * authenticated + refused + given up + unanswered; the refusals by code
 * make the refusals), present exactly when run.settings.auth names what
 * was asked for; else the report is refused naming the key. Pure: no I/O. */
#ifndef AUTHREAD_H
#define AUTHREAD_H

#include "merge/fields.h"
#include "report/authstats.h"

/* Reads root's "auth" (none without AUTH) into a; a fault goes in r. */
void authread(struct rd *r, const struct jr_node *root, struct authstats *a);

#endif
