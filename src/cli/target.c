#include "cli/target.h"

#include "core/hostname.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#define SMTP_PORT 25

static int fail(char *err, size_t errlen, const char *reason)
{
    snprintf(err, errlen, "%s", reason);
    return -1;
}

static int parse_port(const char *p, struct target *t, char *err, size_t errlen)
{
    if (*p == 0) {
        t->port = SMTP_PORT;
        return 0;
    }
    if (*p >= '0' && *p <= '9') {
        unsigned long v = 0;
        const char *q = p;
        for (; *q >= '0' && *q <= '9'; q++) {
            if (v <= 65535)
                v = v * 10 + (unsigned long)(*q - '0');
        }
        if (*q != 0)
            return fail(err, errlen, "garbage after numerical service");
        if (v < 1 || v > 65535) {
            snprintf(err, errlen, "port out of range 1..65535: %s", p);
            return -1;
        }
        t->port = (unsigned)v;
        return 0;
    }
    if (strlen(p) >= sizeof(t->service))
        return fail(err, errlen, "service name too long");
    strcpy(t->service, p);
    return 0;
}

static int parse_inet(const char *s, struct target *t, char *err, size_t errlen)
{
    const char *port;
    size_t hostlen;

    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == 0)
            return fail(err, errlen, "missing \"]\"");
        if (end[1] != 0 && end[1] != ':')
            return fail(err, errlen, "garbage after \"]\"");
        port = end[1] == ':' ? end + 2 : end + 1;
        const char *h = s + 1;
        hostlen = (size_t)(end - h);
        int v6 = hostlen >= 5 && strncasecmp(h, "ipv6:", 5) == 0;
        if (v6) {
            h += 5;
            hostlen -= 5;
        }
        if (hostlen >= sizeof(t->host))
            return fail(err, errlen, "valid hostname or network address required");
        memcpy(t->host, h, hostlen);
        t->host[hostlen] = 0;
        if (v6) {
            unsigned char buf[16];
            if (inet_pton(AF_INET6, t->host, buf) != 1)
                return fail(err, errlen, "malformed IPv6 address");
        }
    } else {
        /* The rightmost colon separates the port, so a bare IPv6 address
         * is refused: it must be written in brackets. */
        const char *colon = strrchr(s, ':');
        hostlen = colon ? (size_t)(colon - s) : strlen(s);
        port = colon ? colon + 1 : "";
        if (hostlen >= sizeof(t->host))
            return fail(err, errlen, "valid hostname or network address required");
        memcpy(t->host, s, hostlen);
        t->host[hostlen] = 0;
    }
    if (t->host[0] == 0)
        return fail(err, errlen, "missing host information");
    char why[128];
    if (!hostaddr_valid(t->host) && !hostname_valid(t->host, why, sizeof(why)))
        return fail(err, errlen, "valid hostname or network address required");
    return parse_port(port, t, err, errlen);
}

int target_parse(const char *spec, struct target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (strncmp(spec, "unix:", 5) == 0) {
        t->kind = TARGET_UNIX;
        t->name = spec;
        const char *path = spec + 5;
        if (*path == 0)
            return fail(err, errlen, "empty unix-domain socket path");
        if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)
            || strlen(path) >= sizeof(t->path)) {
            snprintf(err, errlen, "unix-domain name too long: %s", path);
            return -1;
        }
        strcpy(t->path, path);
        return 0;
    }
    if (strncmp(spec, "inet:", 5) == 0)
        spec += 5;
    t->kind = TARGET_INET;
    t->name = spec;
    return parse_inet(spec, t, err, errlen);
}

static int resolve_port(const struct target *t, unsigned *port, char *err, size_t errlen)
{
    if (t->port) {
        *port = t->port;
        return 0;
    }
    struct servent *se = getservbyname(t->service, "tcp");
    if (se) {
        *port = ntohs((unsigned short)se->s_port);
        return 0;
    }
    /* A machine without /etc/services still knows where SMTP lives. */
    if (strcmp(t->service, "smtp") == 0) {
        *port = SMTP_PORT;
        return 0;
    }
    snprintf(err, errlen, "unknown service: %s", t->service);
    return -1;
}

int target_resolve(const struct target *t, int family,
                   struct sockaddr_storage *sa, socklen_t *salen,
                   char *err, size_t errlen)
{
    memset(sa, 0, sizeof(*sa));
    if (t->kind == TARGET_UNIX) {
        struct sockaddr_un *sun = (struct sockaddr_un *)sa;
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, t->path, strlen(t->path) + 1);
        *salen = (socklen_t)sizeof(*sun);
        return 0;
    }

    unsigned port;
    if (resolve_port(t, &port, err, errlen) < 0)
        return -1;

    struct addrinfo hints, *res = 0;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(t->host, 0, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rc));
        return -1;
    }
    /* Only the first address is used, as the reference does. */
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *salen = res->ai_addrlen;
    freeaddrinfo(res);
    if (sa->ss_family == AF_INET)
        ((struct sockaddr_in *)sa)->sin_port = htons((unsigned short)port);
    else if (sa->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)sa)->sin6_port = htons((unsigned short)port);
    else
        return fail(err, errlen, "unsupported address family");
    return 0;
}

void target_describe(const struct target *t, const struct sockaddr *sa, char *out, size_t outlen)
{
    char addr[INET6_ADDRSTRLEN] = "";
    unsigned port = 0;
    if (t->kind == TARGET_INET && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
        port = ntohs(in->sin_port);
    } else if (t->kind == TARGET_INET && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
        port = ntohs(in6->sin6_port);
    }
    if (addr[0] == 0) {
        snprintf(out, outlen, "%s", t->name);
        return;
    }
    char numeric[INET6_ADDRSTRLEN + 16];
    snprintf(numeric, sizeof(numeric), sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
             addr, port);
    if (strcmp(numeric, t->name) == 0 || strcmp(t->host, addr) == 0)
        snprintf(out, outlen, "%s", numeric);
    else
        snprintf(out, outlen, "%s (%s)", t->name, numeric);
}
