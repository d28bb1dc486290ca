/* transaction: one mail transaction (RFC 5321 3.3): MAIL, the RCPTs, DATA,
 * the content and its end-of-data reply(ies) (LMTP: one per accepted
 * recipient, RFC 2033); plain, or pipelined in groups (RFC 2920) with the
 * next transaction or QUIT written behind the dot. */
#ifndef TRANSACTION_H
#define TRANSACTION_H

#include "smtp/dialogue.h"

/* Runs the transaction of slot on the open connection. */
enum step transaction_run(struct sess *s, int64_t slot);

#endif
