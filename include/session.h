/* session: the life of one worker process. It claims message slots from
 * the shared region and runs the SMTP/LMTP dialogue for each on a plain
 * blocking socket, reporting one record per message to the parent. It
 * never prints: warnings, -v lines and errors travel as records. */
#ifndef SESSION_H
#define SESSION_H

#include "options.h"
#include "shared.h"
#include "tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct session_args {
    const struct config *cfg;
    struct shared *sh;
    const struct sockaddr_storage *addr;
    socklen_t addrlen;
    const char *target_name;   /* for "connect to TARGET: ..." */
    const char *myhostname;
    const char *sender;
    const char *recipient;
    const char *date;          /* the Date: header, computed once per run */
    const char *body;          /* content after the headers, with the final dot */
    size_t body_len;
    const char *raw_body;      /* --bdat: the same content unstuffed, no dot */
    size_t raw_body_len;
    bool headers;              /* generate From/To/Date/Message-Id/Subject */
    struct tls_client *tls;    /* --starttls, --smtps: the parent's context */
    const char *auth_secret;   /* --auth-user's password or token */
};

/* Runs worker number `index`, writing records to out_fd; never returns. */
_Noreturn void session_worker(const struct session_args *a, unsigned index, int out_fd);

#endif
