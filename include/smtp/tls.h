/* tls: the one door to the TLS library (OpenSSL, in a `make TLS=openssl`
 * build; in the default build every call says there is no TLS). The
 * parent builds the client context before fork, so that a bad CA file
 * fails at startup; each worker then makes one link per connection and
 * keeps its last session for resumption. Nothing here knows SMTP. */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tls_client;           /* the context: settings, CA, session cache */
struct tls_link;             /* one connection's TLS state */

struct tls_settings {
    bool verify;             /* check the chain and the name */
    const char *ca_file;     /* a CA bundle, or NULL for the system's */
    const char *servername;  /* SNI and the name to verify, or NULL */
    bool resume;             /* offer the last session on the next connection */
};

/* What a finished handshake was. */
struct tls_info {
    uint16_t version;        /* the protocol's wire number, e.g. 0x0304 */
    uint16_t cipher;         /* the IANA cipher suite number */
    bool resumed;
};

/* 1 in a TLS build, 0 otherwise. */
int tls_built(void);

/* "OpenSSL 3.0.19 27 Jan 2026", or NULL without TLS. */
const char *tls_library(void);

/* The parent: the client context. NULL with a reason in err. */
struct tls_client *tls_client_new(const struct tls_settings *s, char *err, size_t errlen);

/* A new link over the connected socket fd, for a handshake. NULL with a
 * reason in err. */
struct tls_link *tls_link_new(struct tls_client *tc, int fd, char *err, size_t errlen);

/* One attempt at the handshake: 1 done, 0 not yet (the socket's time
 * limit ran out: call again while the step's deadline allows), -1 failed
 * with a reason in err (e.g. "certificate verify failed: self-signed
 * certificate", or the peer closed). */
int tls_handshake(struct tls_link *l, char *err, size_t errlen);

/* After the handshake. */
void tls_link_info(const struct tls_link *l, struct tls_info *info);

/* Reads or writes like read(2) and write(2): >0 bytes, 0 end of stream
 * (read), -1 with errno: EAGAIN (the socket's time limit ran out; call
 * again with the same arguments), EPIPE (the peer is gone) or EPROTO (a
 * TLS error). A write may take part of buf. */
ssize_t tls_read(struct tls_link *l, void *buf, size_t len);
ssize_t tls_write(struct tls_link *l, const void *buf, size_t len);

/* Why the last tls_read or tls_write failed with EPROTO: the library's
 * reason (e.g. the server's alert, "tlsv13 alert certificate required"),
 * or "" if it gave none. */
const char *tls_link_error(const struct tls_link *l);

/* Frees the link (the socket is the caller's). */
void tls_link_free(struct tls_link *l);

/* Names for the report: "TLSv1.3", "TLS_AES_256_GCM_SHA384". */
const char *tls_version_name(uint16_t version);
const char *tls_cipher_name(struct tls_client *tc, uint16_t cipher);

#endif
