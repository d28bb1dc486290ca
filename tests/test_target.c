#include "check.h"
#include "core/hostname.h"
#include "cli/target.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

static struct target t;
static char err[256];

static int parse(const char *s)
{
    err[0] = 0;
    return target_parse(s, &t, err, sizeof(err));
}

int main(void)
{
    CHECK(parse("127.0.0.1:2525") == 0 && t.kind == TARGET_INET && t.port == 2525);
    CHECK_STR(t.host, "127.0.0.1");
    CHECK(parse("inet:mail.example.com") == 0 && t.port == 25);
    CHECK_STR(t.host, "mail.example.com");
    CHECK_STR(t.name, "mail.example.com");
    CHECK(parse("host:") == 0 && t.port == 25);
    CHECK(parse("host:smtp") == 0 && t.port == 0);
    CHECK_STR(t.service, "smtp");
    CHECK(parse("[::1]:2525") == 0 && t.port == 2525);
    CHECK_STR(t.host, "::1");
    CHECK(parse("[IPv6:::1]:26") == 0 && t.port == 26);
    CHECK_STR(t.host, "::1");
    CHECK(parse("[192.0.2.1]") == 0 && t.port == 25);
    CHECK(parse("[::1]:") == 0 && t.port == 25);

    CHECK(parse("::1") < 0);
    CHECK_STR(err, "valid hostname or network address required");
    CHECK(parse("[::1") < 0);
    CHECK_STR(err, "missing \"]\"");
    CHECK(parse("[::1]x") < 0);
    CHECK_STR(err, "garbage after \"]\"");
    CHECK(parse("[ipv6:nope]:25") < 0);
    CHECK_STR(err, "malformed IPv6 address");
    CHECK(parse(":25") < 0);
    CHECK_STR(err, "missing host information");
    CHECK(parse("host:25x") < 0);
    CHECK_STR(err, "garbage after numerical service");
    CHECK(parse("host:0") < 0);
    CHECK_STR(err, "port out of range 1..65535: 0");
    CHECK(parse("host:65536") < 0);
    CHECK(parse("host:99999999999999999999") < 0);
    CHECK(parse("host:65535") == 0 && t.port == 65535);
    CHECK(parse("bad host:25") < 0);
    CHECK(parse("inet:[::1]:25") == 0);
    CHECK_STR(t.name, "[::1]:25");

    CHECK(parse("unix:/tmp/sock") == 0 && t.kind == TARGET_UNIX);
    CHECK_STR(t.path, "/tmp/sock");
    char longpath[200] = "unix:/";
    memset(longpath + 6, 'a', 107);
    longpath[113] = 0;
    CHECK(parse(longpath) < 0);
    CHECK(strncmp(err, "unix-domain name too long: /", 28) == 0);
    longpath[112] = 0;               /* a 107-byte path fits */
    CHECK(parse(longpath) == 0);
    CHECK(parse("unix:") < 0);

    /* Resolution of numeric addresses needs no network. */
    struct sockaddr_storage sa;
    socklen_t len;
    CHECK(parse("127.0.0.1:2525") == 0);
    CHECK(target_resolve(&t, AF_UNSPEC, &sa, &len, err, sizeof(err)) == 0);
    CHECK(sa.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&sa)->sin_port) == 2525);
    CHECK(target_resolve(&t, AF_INET6, &sa, &len, err, sizeof(err)) < 0);
    CHECK(parse("[::1]:2526") == 0);
    CHECK(target_resolve(&t, AF_INET6, &sa, &len, err, sizeof(err)) == 0);
    CHECK(sa.ss_family == AF_INET6 && ntohs(((struct sockaddr_in6 *)&sa)->sin6_port) == 2526);
    CHECK(parse("127.0.0.1:no-such-service-x") == 0);
    CHECK(target_resolve(&t, AF_UNSPEC, &sa, &len, err, sizeof(err)) < 0);
    CHECK_STR(err, "unknown service: no-such-service-x");

    /* Host names for HELO (-M). */
    char why[128];
    CHECK(hostname_valid("vm", why, sizeof(why)));
    CHECK(hostname_valid("mail-1.example.com", why, sizeof(why)));
    CHECK(hostname_valid("a_b", why, sizeof(why)));
    CHECK(!hostname_valid("1234", why, sizeof(why)));
    CHECK_STR(why, "numeric hostname");
    CHECK(!hostname_valid("1.2.3.4", why, sizeof(why)));
    CHECK(!hostname_valid("a b", why, sizeof(why)));
    CHECK_STR(why, "invalid character 32(decimal)");
    CHECK(!hostname_valid("-ab", why, sizeof(why)));
    CHECK_STR(why, "misplaced hyphen");
    CHECK(!hostname_valid("ab-.c", why, sizeof(why)));
    CHECK(!hostname_valid("a..b", why, sizeof(why)));
    CHECK_STR(why, "misplaced delimiter");
    CHECK(!hostname_valid("", why, sizeof(why)));
    CHECK_STR(why, "empty hostname");
    char label[80];
    memset(label, 'a', 64);
    label[64] = 0;
    CHECK(!hostname_valid(label, why, sizeof(why)));
    CHECK(addr_literal_valid("[192.0.2.1]", why, sizeof(why)));
    CHECK(addr_literal_valid("[IPv6:2001:db8::1]", why, sizeof(why)));
    CHECK(!addr_literal_valid("[1.2.3", why, sizeof(why)));
    CHECK_STR(why, "']' expected at end");
    CHECK(!addr_literal_valid("[1.2.3]", why, sizeof(why)));
    CHECK(!addr_literal_valid("[ipv6:zz]", why, sizeof(why)));
    /* What "connect to ..." names: the address and port tried. */
    {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(25) };
        in.sin_addr.s_addr = htonl(0x7f000001);
        char d[TARGET_DESCRIBE_MAX];
        CHECK(parse("127.0.0.1") == 0);
        target_describe(&t, (struct sockaddr *)&in, d, sizeof(d));
        CHECK_STR(d, "127.0.0.1:25");
        CHECK(parse("localhost:25") == 0);
        target_describe(&t, (struct sockaddr *)&in, d, sizeof(d));
        CHECK_STR(d, "localhost:25 (127.0.0.1:25)");
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(2525) };
        in6.sin6_addr.s6_addr[15] = 1;
        CHECK(parse("[::1]:2525") == 0);
        target_describe(&t, (struct sockaddr *)&in6, d, sizeof(d));
        CHECK_STR(d, "[::1]:2525");
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        CHECK(parse("unix:/run/lmtp") == 0);
        target_describe(&t, (struct sockaddr *)&un, d, sizeof(d));
        CHECK_STR(d, "unix:/run/lmtp");
    }
    return check_done("target");
}
