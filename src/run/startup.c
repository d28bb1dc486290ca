/* startup: what the parent prepares from the config before any worker
 * exists: the body, the AUTH secret, the TLS context. */
#include "run/startup.h"

#include "smtp/auth.h"
#include "core/diag.h"
#include "core/json.h"
#include "smtp/message.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILE_MAX (256L * 1024 * 1024)

static char *read_file(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        diag_fatal("open %s: %s", path, strerror(errno));
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == 0)
            diag_fatal("out of memory reading %s", path);
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            diag_fatal("read %s: %s", path, strerror(errno));
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > (size_t)FILE_MAX)
            diag_fatal("read %s: file is larger than %ld bytes", path, FILE_MAX);
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    close(fd);
    *size = len;
    return buf;
}

char *startup_body(const struct config *cfg, size_t *len)
{
    char *body;
    if (cfg->file) {
        size_t size;
        char *data = read_file(cfg->file, &size);
        body = msg_body_file(data, size, len);
        free(data);
    } else if (cfg->msg_length) {
        body = msg_body_length((size_t)cfg->msg_length, len);
    } else {
        body = msg_body_default(len);
    }
    if (body == 0)
        diag_fatal("out of memory building the message");
    return body;
}


char *startup_secret(const struct config *cfg)
{
    if (!cfg->auth_user)
        return 0;
    if (cfg->auth_password) {
        char *secret = strdup(cfg->auth_password);
        if (secret == 0)
            diag_fatal("out of memory");
        /* What ps shows is argv itself: blank the copy there. */
        memset((char *)cfg->auth_password, '*', strlen(cfg->auth_password));
        return secret;
    }
    size_t size;
    char *data = read_file(cfg->auth_password_file, &size);
    size_t n = 0;
    while (n < size && data[n] != '\n')
        n++;
    if (n > 0 && data[n - 1] == '\r')
        n--;
    if (n == 0 || memchr(data, 0, n))
        diag_fatal("--auth-password-file=%s: the first line must hold the password",
                   cfg->auth_password_file);
    char *secret = malloc(n + 1);
    if (secret == 0)
        diag_fatal("out of memory");
    memcpy(secret, data, n);
    secret[n] = 0;
    auth_wipe(data, size);
    free(data);
    return secret;
}

static int non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* RFC 6531 addresses are UTF-8: what is not cannot be sent, even with
 * SMTPUTF8. */
static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = json_utf8_len(p + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

void startup_addresses(const struct config *cfg, const char *sender, const char *recipient)
{
    if (cfg->smtputf8) {
        if (!utf8_valid(sender))
            diag_fatal("%s: the sender is not valid UTF-8", cfg->sender ? "-f" : "-M");
        if (!utf8_valid(recipient))
            diag_fatal("%s: the recipient is not valid UTF-8", cfg->recipient ? "-t" : "-M");
    }
    if (!cfg->ehlo || cfg->smtputf8)
        return;
    if (non_ascii(sender))
        diag_fatal("%s: the sender has bytes outside ASCII: it needs --smtputf8",
                   cfg->sender ? "-f" : "-M");
    if (non_ascii(recipient))
        diag_fatal("%s: the recipient has bytes outside ASCII: it needs --smtputf8",
                   cfg->recipient ? "-t" : "-M");
}

struct tls_client *startup_tls(const struct config *cfg, const char *host)
{
    char err[512];
    if (!cfg->starttls && !cfg->smtps)
        return 0;
    struct tls_settings set = {
        .verify = cfg->tls_verify,
        .ca_file = cfg->tls_ca,
        .servername = cfg->tls_servername ? cfg->tls_servername : host,
        .resume = cfg->tls_resume,
    };
    if (cfg->tls_ca && access(cfg->tls_ca, R_OK) < 0)
        diag_fatal("--tls-ca=%s: %s", cfg->tls_ca, strerror(errno));
    struct tls_client *tc = tls_client_new(&set, err, sizeof(err));
    if (tc == 0)
        diag_fatal("%s", err);
    return tc;
}

char *startup_address(const char *host)
{
    size_t n = strlen(host) + 5;
    char *a = malloc(n);
    if (a == 0)
        diag_fatal("out of memory");
    snprintf(a, n, "foo@%s", host);
    return a;
}
