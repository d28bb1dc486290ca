/* tls: the default build has no TLS library; every door says so, and the
 * options that would need one are refused at startup (see options.c). */
#include "smtp/tls.h"

#include <errno.h>
#include <stdio.h>

static const char none[] = "this build has no TLS (build with make TLS=openssl)";

int tls_built(void)
{
    return 0;
}

const char *tls_library(void)
{
    return 0;
}

struct tls_client *tls_client_new(const struct tls_settings *s, char *err, size_t errlen)
{
    (void)s;
    snprintf(err, errlen, "%s", none);
    return 0;
}

struct tls_link *tls_link_new(struct tls_client *tc, int fd, char *err, size_t errlen)
{
    (void)tc;
    (void)fd;
    snprintf(err, errlen, "%s", none);
    return 0;
}

int tls_handshake(struct tls_link *l, char *err, size_t errlen)
{
    (void)l;
    snprintf(err, errlen, "%s", none);
    return -1;
}

const char *tls_link_error(const struct tls_link *l)
{
    (void)l;
    return "";
}

void tls_link_info(const struct tls_link *l, struct tls_info *info)
{
    (void)l;
    info->version = info->cipher = 0;
    info->resumed = 0;
}

ssize_t tls_read(struct tls_link *l, void *buf, size_t len)
{
    (void)l, (void)buf, (void)len;
    errno = EPROTO;
    return -1;
}

ssize_t tls_write(struct tls_link *l, const void *buf, size_t len)
{
    (void)l, (void)buf, (void)len;
    errno = EPROTO;
    return -1;
}

void tls_link_free(struct tls_link *l)
{
    (void)l;
}

const char *tls_version_name(uint16_t version)
{
    (void)version;
    return "none";
}

const char *tls_cipher_name(struct tls_client *tc, uint16_t cipher)
{
    (void)tc;
    (void)cipher;
    return "none";
}
