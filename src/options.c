#include "options.h"

#include "diag.h"
#include "hostname.h"
#include "numparse.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define TIMEOUT_MAX 86400
/* Each session is a process: beyond this a run would exhaust the machine's
 * process table before it sent anything useful. */
#define SESSIONS_MAX 10000

enum { OPT_QUIET = 256, OPT_TIMEOUT, OPT_JSON, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_RECORDS,
       OPT_EHLO, OPT_PIPELINING };

static const struct option long_options[] = {
    { "quiet", no_argument, 0, OPT_QUIET },
    { "timeout", required_argument, 0, OPT_TIMEOUT },
    { "json", optional_argument, 0, OPT_JSON },
    { "progress", no_argument, 0, OPT_PROGRESS },
    { "no-progress", no_argument, 0, OPT_NO_PROGRESS },
    { "records", required_argument, 0, OPT_RECORDS },
    { "ehlo", no_argument, 0, OPT_EHLO },
    { "pipelining", no_argument, 0, OPT_PIPELINING },
    { 0, 0, 0, 0 },
};

static _Noreturn void usage(void)
{
    const char *p = diag_prog();
    diag_fatal("usage: %s -cdLNov -s sess -l msglen -m msgs -C count -M myhostname "
               "-f from -t to -r rcptcount -R delay -w delay host[:port]", p);
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
        default: usage();
        }
    }
    if (argc - optind != 1)
        usage();
    cfg->target = argv[optind];
}
