#include "options.h"

#include "diag.h"
#include "hostname.h"
#include "numparse.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TIMEOUT_MAX 86400
/* Each session is a process: beyond this a run would exhaust the machine's
 * process table before it sent anything useful. */
#define SESSIONS_MAX 10000

enum { OPT_QUIET = 256, OPT_TIMEOUT, OPT_JSON, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_RECORDS,
       OPT_EHLO, OPT_PIPELINING, OPT_HELP, OPT_VERSION };

static const struct option long_options[] = {
    { "quiet", no_argument, 0, OPT_QUIET },
    { "timeout", required_argument, 0, OPT_TIMEOUT },
    { "json", optional_argument, 0, OPT_JSON },
    { "progress", no_argument, 0, OPT_PROGRESS },
    { "no-progress", no_argument, 0, OPT_NO_PROGRESS },
    { "records", required_argument, 0, OPT_RECORDS },
    { "ehlo", no_argument, 0, OPT_EHLO },
    { "pipelining", no_argument, 0, OPT_PIPELINING },
    { "help", no_argument, 0, OPT_HELP },
    { "version", no_argument, 0, OPT_VERSION },
    { 0, 0, 0, 0 },
};

#ifndef SMTP_SOURCE_VERSION
#define SMTP_SOURCE_VERSION "unknown"
#endif

/* The reference's usage line (its wording, for scripts that match it),
 * then where the rest is. */
static _Noreturn void usage(void)
{
    const char *p = diag_prog();
    fflush(stdout);
    fprintf(stderr, "%s: fatal: usage: %s -cdLNov -s sess -l msglen -m msgs -C count "
            "-M myhostname -f from -t to -r rcptcount -R delay -w delay host[:port]\n"
            "  long options: --quiet --json[=FILE] --records=FILE --progress --no-progress\n"
            "    --timeout=SECS --ehlo --pipelining --help --version\n"
            "  %s --help lists them all; man smtp-source explains them.\n", p, p, p);
    _exit(1);
}

static const char help_text[] =
    "Usage: %s [options] target\n"
    "Send SMTP or LMTP mail to a server, as fast as it takes it, and report how\n"
    "fast it was. A drop-in for Postfix's smtp-source: its letters mean the same.\n"
    "\n"
    "Postfix smtp-source options:\n"
    "  -4, -6          resolve the target to IPv4 / IPv6 only\n"
    "  -A              a rejection is a warning, not the end of the run\n"
    "  -c              a running message counter on standard output\n"
    "  -C count        connection attempts per session over its life (1)\n"
    "  -d              keep the connection open for the next message\n"
    "  -f from         envelope sender ('' for <>; foo@myhostname)\n"
    "  -F file         send the file as the message (dot-stuffed, CRLF)\n"
    "  -l length       a body of length bytes of numbered X lines\n"
    "  -L              LMTP: LHLO, one end-of-data reply per recipient\n"
    "  -m count        messages in all (1)\n"
    "  -M name         the HELO name, the default addresses' domain\n"
    "  -N              number recipients, unique over the whole run\n"
    "  -o              old mode: no HELO, no generated headers\n"
    "  -r count        recipients per message (1)\n"
    "  -R secs         a random delay of 0..secs between a session's messages\n"
    "  -s count        sessions (worker processes) at once (1, at most 10000)\n"
    "  -S subject      add a Subject: header\n"
    "  -t to           the recipient (foo@myhostname)\n"
    "  -T size         socket send and receive buffers, 1..65535 bytes\n"
    "  -v              commands and reply lines on standard error\n"
    "  -w secs         a fixed delay between a session's messages\n"
    "\n"
    "Output:\n"
    "  --quiet         no report at the end\n"
    "  --json[=FILE]   the report as JSON (standard output without FILE)\n"
    "  --records=FILE  one JSON line per message slot\n"
    "  --progress      a live status line on standard error (on a terminal)\n"
    "  --no-progress   never the status line\n"
    "\n"
    "Protocol:\n"
    "  --timeout=SECS  the most one step (connect, write, reply) may take (300)\n"
    "  --ehlo          EHLO instead of HELO, with HELO as the fallback\n"
    "  --pipelining    RFC 2920 command pipelining when the server offers it\n"
    "\n"
    "  --help          this text;  --version  the version and the build's features\n"
    "\n"
    "Targets: [inet:]host[:port] (port 25 by default), [address]:port,\n"
    "[ipv6:address]:port, unix:/path. See man smtp-source.\n";

static _Noreturn void help(void)
{
    printf(help_text, diag_prog());
    exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
}

static _Noreturn void version(void)
{
    printf("smtp-source %s\nfeatures: no TLS (build with make TLS=openssl for it)\n",
           SMTP_SOURCE_VERSION);
    exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
}

static long long number(const char *arg, long long max, const char *what)
{
    long long v;
    if (num_parse(arg, 1, max, &v) < 0)
        diag_fatal("bad %s: %s", what, arg);
    return v;
}

static void check_myhostname(const char *name)
{
    char why[128];
    if (name[0] == '[') {
        if (!addr_literal_valid(name, why, sizeof(why))) {
            diag_warn("valid_mailhost_literal: %s: %s", why, name);
            diag_fatal("bad address literal: %s", name);
        }
    } else if (!hostname_valid(name, why, sizeof(why))) {
        if (name[0])
            diag_warn("valid_hostname: %s: %s", why, name);
        else
            diag_warn("valid_hostname: %s", why);
        diag_fatal("bad hostname: %s", name);
    }
}

void options_parse(int argc, char **argv, struct config *cfg)
{
    int ch;

    memset(cfg, 0, sizeof(*cfg));
    cfg->family = AF_UNSPEC;
    cfg->connect_attempts = 1;
    cfg->messages = 1;
    cfg->rcpts = 1;
    cfg->sessions = 1;
    cfg->timeout = 300;
    cfg->progress = -1;

    /* '+': stop at the first operand, as the reference does on Linux. */
    while ((ch = getopt_long(argc, argv, "+46AcC:df:F:l:Lm:M:Nor:R:s:S:t:T:vw:",
                             long_options, 0)) != -1) {
        switch (ch) {
        case '4': cfg->family = AF_INET; break;
        case '6': cfg->family = AF_INET6; break;
        case 'A': cfg->allow_reject = true; break;
        case 'c': cfg->counter = true; break;
        case 'C': cfg->connect_attempts = (int)number(optarg, INT_MAX, "connection count"); break;
        case 'd': cfg->reuse = true; break;
        case 'f': cfg->sender = optarg; break;
        case 'F':
            if (cfg->msg_length)
                diag_fatal("-l option cannot be used with -F");
            cfg->file = optarg;
            break;
        case 'l':
            if (cfg->file)
                diag_fatal("-l option cannot be used with -F");
            cfg->msg_length = (long)number(optarg, INT_MAX, "message length");
            break;
        case 'L': cfg->lmtp = true; break;
        case 'm': cfg->messages = number(optarg, INT_MAX, "message count"); break;
        case 'M':
            check_myhostname(optarg);
            cfg->myhostname = optarg;
            break;
        case 'N': cfg->number_rcpts = true; break;
        case 'o': cfg->old_mode = true; break;
        case 'r': cfg->rcpts = (int)number(optarg, INT_MAX, "recipient count"); break;
        case 'R':
            if (cfg->fixed_delay)
                diag_fatal("do not use -w and -R options at the same time");
            cfg->random_delay = (int)number(optarg, INT_MAX, "random delay");
            break;
        case 's': cfg->sessions = (int)number(optarg, SESSIONS_MAX, "session count"); break;
        case 'S': cfg->subject = optarg; break;
        case 't': cfg->recipient = optarg; break;
        case 'T': cfg->tcp_window = (int)number(optarg, 65535, "TCP window size"); break;
        case 'v': cfg->verbose++; break;
        case 'w':
            if (cfg->random_delay)
                diag_fatal("do not use -w and -R options at the same time");
            cfg->fixed_delay = (int)number(optarg, INT_MAX, "fixed delay");
            break;
        case OPT_QUIET: cfg->quiet = true; break;
        case OPT_TIMEOUT: cfg->timeout = (int)number(optarg, TIMEOUT_MAX, "timeout"); break;
        case OPT_JSON: cfg->json = optarg && *optarg ? optarg : "-"; break;
        case OPT_PROGRESS: cfg->progress = 1; break;
        case OPT_NO_PROGRESS: cfg->progress = 0; break;
        case OPT_RECORDS:
            if (*optarg == 0)
                diag_fatal("--records needs a file name");
            cfg->records = optarg;
            break;
        case OPT_EHLO: cfg->ehlo = true; break;
        case OPT_PIPELINING: cfg->ehlo = cfg->pipelining = true; break;
        case OPT_HELP: help();
        case OPT_VERSION: version();
        default: usage();
        }
    }
    if (argc - optind != 1)
        usage();
    cfg->target = argv[optind];
}
