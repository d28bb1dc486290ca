/* tls: the one door to the TLS library: OpenSSL, in a `make TLS=openssl`
 * build. The only file that includes OpenSSL's headers. */
#include "smtp/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct tls_client {
    SSL_CTX *ctx;
    struct tls_settings set;
    SSL_SESSION *last;       /* this process's latest session, for --tls-resume */
    SSL *names;              /* for looking up cipher names (the parent) */
};

struct tls_link {
    SSL *ssl;
    struct tls_client *tc;
    char error[128];         /* the reason of the last EPROTO */
    char found[160];         /* the names the server's certificate is for */
};

/* The context's owner, for the new-session callback (one per process). */
static struct tls_client *current;

int tls_built(void)
{
    return 1;
}

const char *tls_library(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}

/* The library's reason for the latest error, and the queue emptied. */
static void reason(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : 0;
    snprintf(err, errlen, "%s%s%s", what, r ? ": " : "", r ? r : "");
    ERR_clear_error();
}

/* TLS 1.3 tickets arrive after the handshake: keep each as it comes. */
static int new_session(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    if (current == 0)
        return 0;
    if (current->last)
        SSL_SESSION_free(current->last);
    current->last = sess;
    return 1;                /* the reference is ours now */
}

struct tls_client *tls_client_new(const struct tls_settings *s, char *err, size_t errlen)
{
    struct tls_client *tc = calloc(1, sizeof(*tc));
    if (tc == 0) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    tc->set = *s;
    tc->ctx = SSL_CTX_new(TLS_client_method());
    if (tc->ctx == 0) {
        reason(err, errlen, "TLS context");
        free(tc);
        return 0;
    }
    /* The system's store takes a while to load: only when it is used. */
    int loaded = s->ca_file ? SSL_CTX_load_verify_locations(tc->ctx, s->ca_file, 0)
               : s->verify ? SSL_CTX_set_default_verify_paths(tc->ctx) : 1;
    if (!loaded) {
        char what[512];
        snprintf(what, sizeof(what), "--tls-ca=%s", s->ca_file ? s->ca_file : "(system)");
        reason(err, errlen, what);
        SSL_CTX_free(tc->ctx);
        free(tc);
        return 0;
    }
    SSL_CTX_set_verify(tc->ctx, s->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, 0);
    SSL_CTX_set_mode(tc->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (s->resume) {
        SSL_CTX_set_session_cache_mode(tc->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(tc->ctx, new_session);
    } else {
        SSL_CTX_set_session_cache_mode(tc->ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(tc->ctx, SSL_OP_NO_TICKET);
    }
    current = tc;
    return tc;
}

/* An address literal is checked against the certificate's IP entries and
 * is never sent as SNI (RFC 6066 3). */
static int is_address(const char *name)
{
    ASN1_OCTET_STRING *a = a2i_IPADDRESS(name);
    if (a == 0)
        return 0;
    ASN1_OCTET_STRING_free(a);
    return 1;
}

static void cert_names(X509 *cert, char *out, size_t outlen);

/* OpenSSL keeps no peer certificate of a handshake it aborted: the names
 * are read as the chain is checked, for the error. */
static int keep_names(int ok, X509_STORE_CTX *x)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tls_link *l = ssl ? SSL_get_app_data(ssl) : 0;
    if (l && l->found[0] == 0)
        cert_names(X509_STORE_CTX_get0_cert(x), l->found, sizeof(l->found));
    return ok;
}

struct tls_link *tls_link_new(struct tls_client *tc, int fd, char *err, size_t errlen)
{
    struct tls_link *l = calloc(1, sizeof(*l));
    if (l == 0) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    l->tc = tc;
    l->ssl = SSL_new(tc->ctx);
    if (l->ssl == 0 || !SSL_set_fd(l->ssl, fd)) {
        reason(err, errlen, "TLS");
        tls_link_free(l);
        return 0;
    }
    SSL_set_app_data(l->ssl, l);
    if (tc->set.verify)
        SSL_set_verify(l->ssl, SSL_VERIFY_PEER, keep_names);
    const char *name = tc->set.servername;
    if (tc->set.verify && !(name && *name)) {
        /* A chain checked without a name proves nothing of the peer. */
        snprintf(err, errlen, "TLS: --tls-verify with no name to check");
        tls_link_free(l);
        return 0;
    }
    if (name && *name) {
        if (is_address(name)) {
            if (tc->set.verify)
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(l->ssl), name);
        } else {
            SSL_set_tlsext_host_name(l->ssl, name);
            if (tc->set.verify)
                SSL_set1_host(l->ssl, name);
        }
    }
    /* OpenSSL spends a TLS 1.3 session once used; a server that sends no
     * new ticket on a resumed connection (Postfix) would then force every
     * other handshake to be full. The link gets a copy to spend. */
    if (tc->set.resume && tc->last) {
        SSL_SESSION *copy = SSL_SESSION_dup(tc->last);
        if (copy) {
            SSL_set_session(l->ssl, copy);
            SSL_SESSION_free(copy);
        }
    }
    return l;
}

/* The names a certificate is for: its DNS and IP entries, or its
 * subject's CN when it has none (as the checks read them). */
static void cert_names(X509 *cert, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = 0;
    GENERAL_NAMES *alt = cert ? X509_get_ext_d2i(cert, NID_subject_alt_name, 0, 0) : 0;
    for (int i = 0; alt && i < sk_GENERAL_NAME_num(alt) && o < outlen; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(alt, i);
        char ip[64] = "";
        const char *name = 0;
        int len = 0;
        if (g->type == GEN_DNS) {
            name = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
            len = ASN1_STRING_length(g->d.dNSName);
        } else if (g->type == GEN_IPADD) {
            const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
            if (ASN1_STRING_length(g->d.iPAddress) == 4)
                snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
            else
                snprintf(ip, sizeof(ip), "an IPv6 address");
            name = ip;
            len = (int)strlen(ip);
        }
        if (name) {
            int w = snprintf(out + o, outlen - o, "%s%.*s", o ? ", " : "", len, name);
            o += w > 0 ? (size_t)w : 0;
        }
    }
    GENERAL_NAMES_free(alt);
    if (o == 0 && cert) {
        char cn[128];
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                                      sizeof(cn)) > 0)
            snprintf(out, outlen, "CN=%s", cn);
    }
}

/* The reason, the names expected and found, and what to do about it. */
static void verify_failed(struct tls_link *l, long v, char *err, size_t errlen)
{
    const char *found = l->found[0] ? l->found : "no name";
    int name = v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH;
    snprintf(err, errlen, "certificate verify failed: %s: expected %s, the certificate is for %s%s",
             X509_verify_cert_error_string(v),
             l->tc->set.servername ? l->tc->set.servername : "(no name)", found,
             name ? " (--tls-servername=NAME checks another name)"
                  : " (a private CA: --tls-ca=FILE)");
}

int tls_handshake(struct tls_link *l, char *err, size_t errlen)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_connect(l->ssl);
    if (r == 1)
        return 1;
    switch (SSL_get_error(l->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return 0;
    case SSL_ERROR_SYSCALL:
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (ERR_peek_last_error() == 0) {
            snprintf(err, errlen, "TLS handshake: %s",
                     errno ? strerror(errno) : "the server closed the connection");
            return -1;
        }
        break;
    case SSL_ERROR_ZERO_RETURN:
        snprintf(err, errlen, "TLS handshake: the server closed the connection");
        return -1;
    default:
        break;
    }
    /* OpenSSL checks the chain and keeps the result even when nothing was
     * to be verified: only a failure of the verification asked for is
     * reported as one; anything else (a server's alert) is its own reason. */
    long v = SSL_get_verify_result(l->ssl);
    if (l->tc->set.verify && v != X509_V_OK
        && ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        verify_failed(l, v, err, errlen);
        ERR_clear_error();
        return -1;
    }
    reason(err, errlen, "TLS handshake failed");
    return -1;
}

void tls_link_info(const struct tls_link *l, struct tls_info *info)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(l->ssl);
    info->version = (uint16_t)SSL_version(l->ssl);
    info->cipher = c ? (uint16_t)SSL_CIPHER_get_protocol_id(c) : 0;
    info->resumed = SSL_session_reused(l->ssl) == 1;
}

/* errno for a call that did not move bytes. */
static ssize_t failed(struct tls_link *l, int r)
{
    int e = SSL_get_error(l->ssl, r);
    int sys = errno;
    unsigned long why = ERR_peek_last_error();
    const char *reason = why ? ERR_reason_error_string(why) : 0;
    snprintf(l->error, sizeof(l->error), "%s", reason ? reason : "");
    ERR_clear_error();
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        if (sys == EAGAIN || sys == EWOULDBLOCK) {
            errno = EAGAIN;
            return -1;
        }
        if (sys == 0)
            return 0;        /* the peer closed without close_notify */
        errno = EPIPE;
        return -1;
    default:
        errno = EPROTO;
        return -1;
    }
}

ssize_t tls_read(struct tls_link *l, void *buf, size_t len)
{
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(l->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    return n > 0 ? n : failed(l, n);
}

ssize_t tls_write(struct tls_link *l, const void *buf, size_t len)
{
    ERR_clear_error();
    errno = 0;
    int n = SSL_write(l->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    if (n > 0)
        return n;
    ssize_t r = failed(l, n);
    if (r == 0) {            /* for a write, the end of the stream is a loss */
        errno = EPIPE;
        return -1;
    }
    return r;
}

const char *tls_link_error(const struct tls_link *l)
{
    return l->error;
}

void tls_link_free(struct tls_link *l)
{
    if (l == 0)
        return;
    /* The connection ends with a reset, not close_notify; marked as shut
     * down, its session stays resumable (OpenSSL drops the session of a
     * link freed otherwise). */
    if (l->ssl) {
        SSL_set_shutdown(l->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(l->ssl);
    }
    free(l);
}

const char *tls_version_name(uint16_t version)
{
    switch (version) {
    case TLS1_VERSION: return "TLSv1";
    case TLS1_1_VERSION: return "TLSv1.1";
    case TLS1_2_VERSION: return "TLSv1.2";
    case TLS1_3_VERSION: return "TLSv1.3";
    default: return "unknown";
    }
}

const char *tls_cipher_name(struct tls_client *tc, uint16_t cipher)
{
    unsigned char id[2] = { (unsigned char)(cipher >> 8), (unsigned char)cipher };
    if (tc->names == 0)
        tc->names = SSL_new(tc->ctx);
    const SSL_CIPHER *c = tc->names ? SSL_CIPHER_find(tc->names, id) : 0;
    return c ? SSL_CIPHER_get_name(c) : "unknown";
}
