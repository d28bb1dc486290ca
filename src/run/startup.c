/* startup: what the parent prepares from the config before any worker
 * exists: the body, the AUTH secret, the TLS context. */
#include "run/startup.h"

#include "smtp/auth.h"
#include "core/diag.h"
#include "core/utf8.h"
#include "smtp/message.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define FILE_MAX (256L * 1024 * 1024)

/* opt: the long option that named the file, for its errors ("open" and
 * the name for -F, as the reference says it). */
static char *read_file(const char *opt, const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0 && opt)
        diag_fatal("%s=%s: %s", opt, path, strerror(errno));
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
        if (n < 0 && opt)
            diag_fatal("%s=%s: %s", opt, path, strerror(errno));
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
        char *data = read_file(0, cfg->file, &size);
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

/* No core file, and no other process of this user reading our memory
 * (ptrace, /proc/PID/mem): from here the secret is in it. A fork keeps
 * this, so the workers are covered too. Elsewhere, no core at least. */
static void undumpable(void)
{
#ifdef __linux__
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
        return;
#endif
    struct rlimit none = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &none) < 0)
        diag_fatal("cannot keep the AUTH secret out of core files: %s", strerror(errno));
}

/* RFC 4954 4: each line of the exchange is at most AUTH_LINE_MAX octets;
 * credentials that need a longer one are refused here, not at the server.
 * Without --auth-mech, PLAIN or LOGIN may be used: both must fit. */
static void fits(const struct config *cfg, const char *secret, const char *from)
{
    const enum auth_mech may[2] = { cfg->auth_mech ? (enum auth_mech)cfg->auth_mech : AUTH_PLAIN,
                                    cfg->auth_mech ? AUTH_NONE : AUTH_LOGIN };
    for (int i = 0; i < 2; i++) {
        size_t n = auth_line_max(may[i], cfg->auth_user, secret);
        if (n > AUTH_LINE_MAX)
            diag_fatal("%s: the credentials make an AUTH %s line of %zu octets; RFC 4954 allows %d",
                       from, auth_mech_name(may[i]), n, AUTH_LINE_MAX);
    }
}

char *startup_secret(const struct config *cfg)
{
    if (!cfg->auth_user)
        return 0;
    undumpable();
    if (cfg->auth_password) {
        char *secret = strdup(cfg->auth_password);
        if (secret == 0)
            diag_fatal("out of memory");
        /* What ps shows is argv itself: blank the copy there. */
        memset((char *)cfg->auth_password, '*', strlen(cfg->auth_password));
        fits(cfg, secret, "--auth-password");
        return secret;
    }
    size_t size;
    char *data = read_file("--auth-password-file", cfg->auth_password_file, &size);
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
    char from[4200];
    snprintf(from, sizeof(from), "--auth-password-file=%s", cfg->auth_password_file);
    fits(cfg, secret, from);
    return secret;
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
    if (utf8_non_ascii(sender))
        diag_fatal("%s: the sender has bytes outside ASCII: it needs --smtputf8",
                   cfg->sender ? "-f" : "-M");
    if (utf8_non_ascii(recipient))
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
    /* A verified chain says nothing of whom it was issued to: the name is
     * the other half of verification. */
    if (set.verify && set.servername == 0)
        diag_fatal("--tls-verify with a unix: target needs --tls-servername "
                   "(there is no host name to check)");
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
