/* client: the SMTP client's input, from the worker that runs it: the
 * settings, the message's parts the parent computed once, the TLS context,
 * and where message slots come from (a pipelined transaction claims the
 * next one behind its dot). The client knows nothing of processes. */
#ifndef CLIENT_H
#define CLIENT_H

#include "core/config.h"
#include "smtp/tls.h"
#include "workload/mime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct slot_source {
    void *ctx;
    /* The next slot k for worker who: 1 claimed, 0 none left or stopping. */
    int (*claim)(void *ctx, unsigned who, int64_t *k);
    /* The first of the next n numbers of the run-wide -N counter. */
    int64_t (*claim_rcpts)(void *ctx, unsigned who, int64_t n);
    /* The run is stopping: start nothing new. */
    int (*stopping)(void *ctx);
};

struct session_args {
    const struct config *cfg;
    const struct sockaddr_storage *addr;
    socklen_t addrlen;
    const char *target_name;   /* for "connect to TARGET: ..." */
    const char *myhostname;
    const char *sender;
    const char *recipient;
    const char *date;          /* the Date: header, computed once per run */
    const char *body;          /* content after the headers, with the final dot */
    size_t body_len;
    const char *raw_body;      /* --bdat, a workload: the content unstuffed, no dot */
    size_t raw_body_len;
    bool headers;              /* generate From/To/Date/Message-Id/Subject */
    const char *fill;          /* --size: the fill bodies are cut from (workload/layout.h) */
    const struct mime *mime;   /* --content=mime: the shared texts (workload/mime.h) */
    struct tls_client *tls;    /* --starttls, --smtps: the parent's context */
    const char *auth_secret;   /* --auth-user's password or token */
    struct slot_source slots;  /* filled in by the worker that runs the session */
};

/* Makes the content the parent computes once from sa->cfg and sa->body:
 * --bdat's unstuffed body, --content=mime's texts, --size's fill.
 * Returns 0, or -1 out of memory (what was made stays for client_release). */
int client_content(struct session_args *sa);

/* Frees what client_content made. */
void client_release(struct session_args *sa);

#endif
