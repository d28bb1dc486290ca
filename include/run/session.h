/* session: the life of one worker process. It claims message slots from
 * the shared region and runs the SMTP/LMTP dialogue for each on a plain
 * blocking socket, reporting one record per message to the parent. It
 * never prints: warnings, -v lines and errors travel as records. */
#ifndef SESSION_H
#define SESSION_H

#include "run/shared.h"
#include "smtp/client.h"

/* Runs worker number `index` on the region sh, writing records to out_fd;
 * never returns. */
_Noreturn void session_worker(const struct session_args *a, struct shared *sh, unsigned index,
                              int out_fd);

#endif
