#include "check.h"
#include "smtp/esmtp.h"

int main(void)
{
    struct esmtp e;
    const char sink[] = "smtp-sink\nPIPELINING\n8BITMIME\nAUTH PLAIN LOGIN\nXCLIENT NAME HELO\n"
                        "XFORWARD NAME ADDR PROTO HELO\nENHANCEDSTATUSCODES\nDSN\n";
    esmtp_parse(sink, sizeof(sink) - 1, &e);
    CHECK(e.pipelining && e.eightbitmime && e.auth && e.enhancedstatuscodes && e.dsn);
    CHECK(e.auth_plain && e.auth_login && !e.auth_xoauth2 && !e.starttls);
    CHECK(!e.chunking && !e.smtputf8 && !e.has_size);

    const char other[] = "mx.example PIPELINING\npipelining\nsize 10240000\nChunking\nSMTPUTF8";
    esmtp_parse(other, sizeof(other) - 1, &e);
    CHECK(e.pipelining && e.chunking && e.smtputf8 && e.has_size && e.size == 10240000);
    CHECK(!e.dsn);

    /* The greeting line is not a keyword; prefixes do not count. */
    const char tricky[] = "PIPELINING\nPIPELININGX\nSIZE\nDSNX";
    esmtp_parse(tricky, sizeof(tricky) - 1, &e);
    CHECK(!e.pipelining && !e.dsn && e.has_size && e.size == 0);

    const char huge[] = "x\nSIZE 99999999999999999999999";
    esmtp_parse(huge, sizeof(huge) - 1, &e);
    CHECK(e.has_size && e.size == UINT64_MAX);
    esmtp_parse("", 0, &e);
    CHECK(!e.pipelining);

    /* AUTH's mechanisms, in either spelling; STARTTLS. */
    const char auth[] = "mx\nAUTH=LOGIN\nauth xoauth2  plain\nSTARTTLS\nAUTHX PLAIN";
    esmtp_parse(auth, sizeof(auth) - 1, &e);
    CHECK(e.auth && e.auth_login && e.auth_xoauth2 && e.auth_plain && e.starttls);
    const char noauth[] = "mx\nAUTHX PLAIN\nAUTH\nSTARTTLSX";
    esmtp_parse(noauth, sizeof(noauth) - 1, &e);
    CHECK(e.auth && !e.auth_plain && !e.auth_login && !e.starttls);
    return check_done("esmtp");
}
