/* target: the operand naming the server: [inet:]host[:port], [addr]:port,
 * [ipv6:addr]:port, or unix:/path. target_parse is pure; target_resolve
 * does the one name lookup of the run (the parent does it before fork). */
#ifndef TARGET_H
#define TARGET_H

#include <stddef.h>
#include <sys/socket.h>

enum target_kind { TARGET_INET, TARGET_UNIX };

#define TARGET_HOST_MAX 256
#define TARGET_SERVICE_MAX 64
#define TARGET_PATH_MAX 108   /* sizeof(sun_path) on Linux */

struct target {
    enum target_kind kind;
    const char *name;                 /* operand without "inet:", for messages */
    char host[TARGET_HOST_MAX];       /* brackets and "ipv6:" removed */
    char service[TARGET_SERVICE_MAX]; /* a service name, or "" if port is set */
    unsigned port;                    /* 1..65535, or 0 if service is named */
    char path[TARGET_PATH_MAX];       /* unix socket path */
};

/* Parses spec. Returns 0, or -1 with a reason in err (without the target
 * name: callers print "NAME: REASON"). t->name points into spec. */
int target_parse(const char *spec, struct target *t, char *err, size_t errlen);

/* Resolves t to the first address of the given family (AF_UNSPEC, AF_INET
 * or AF_INET6). Returns 0, or -1 with a reason in err. */
int target_resolve(const struct target *t, int family,
                   struct sockaddr_storage *sa, socklen_t *salen,
                   char *err, size_t errlen);

/* The name of the server for "connect to NAME: ...": the address and
 * port tried, after the target's own name when that is not them already
 * ("mail.example (192.0.2.1:25)", "127.0.0.1:2525", "unix:/path"). */
#define TARGET_DESCRIBE_MAX (TARGET_HOST_MAX + 80)
void target_describe(const struct target *t, const struct sockaddr *sa, char *out, size_t outlen);

#endif
