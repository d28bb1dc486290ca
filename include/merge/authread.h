/* authread: a --json report's "auth" object read back for --merge,
 * strictly: what was asked, and per mechanism counts that must add up
 * (attempts = authenticated + refused + given up + unanswered; the
 * refusals by code make the refusals), or the report is refused naming
 * the key. Pure: no I/O. */
#ifndef AUTHREAD_H
#define AUTHREAD_H

#include "merge/jsonread.h"
#include "report/authstats.h"

#include <stddef.h>

/* Reads root's "auth" into a and *asked (AUTH_ASKED_NO when there is
 * none). 0, or -1 with why: "line 7: \"auth.mechanisms.PLAIN\" ...". */
int authread(const struct jr_doc *d, const struct jr_node *root, struct authstats *a, int *asked,
             char *why, size_t len);

#endif
