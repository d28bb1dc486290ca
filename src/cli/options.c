#include "cli/options.h"

#include "smtp/auth.h"
#include "core/diag.h"
#include "core/hostname.h"
#include "core/numparse.h"
#include "run/schedule.h"
#include "core/startat.h"
#include "smtp/tls.h"
#include "cli/argcheck.h"
#include "cli/combine.h"
#include "cli/target.h"
#include "cli/usage.h"
#include "cli/workload_opts.h"
#include "verdict/search.h"
#include "verdict/stages.h"
#include "verdict/verdict.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define TIMEOUT_MAX 86400
/* Each session is a process: beyond this a run would exhaust the machine's
 * process table before it sent anything useful. */
#define SESSIONS_MAX 10000

enum { OPT_QUIET = 256, OPT_TIMEOUT, OPT_JSON, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_RECORDS,
       OPT_EHLO, OPT_PIPELINING, OPT_HELP, OPT_VERSION,
       OPT_STARTTLS, OPT_SMTPS, OPT_TLS_VERIFY, OPT_TLS_CA, OPT_TLS_SERVERNAME, OPT_TLS_RESUME,
       OPT_AUTH_USER, OPT_AUTH_PASSWORD, OPT_AUTH_PASSWORD_FILE, OPT_AUTH_MECH,
       OPT_AUTH_PLAINTEXT, OPT_BDAT, OPT_BDAT_SIZE, OPT_SMTPUTF8, OPT_8BITMIME,
       OPT_RATE, OPT_DURATION, OPT_INTERVAL, OPT_PLOT, OPT_SHARD,
       OPT_START_AT, OPT_MERGE, OPT_METRICS, OPT_METRICS_LINGER,
       OPT_FAIL_IF, OPT_STAGES, OPT_FIND_RATE, OPT_STEP };

/* Interval lines more often than this would flood standard error. */
#define INTERVAL_MIN_NS 100000000LL

/* Every long option's value follows '=': getopt would take "--rate 200"
 * as well, but not "--json out.json"; so none takes a separate word, and
 * the one given with a space is refused with the form it needs. */
#define VALUE optional_argument

static const struct option long_options[] = {
    { "quiet", no_argument, 0, OPT_QUIET },
    { "timeout", VALUE, 0, OPT_TIMEOUT },
    { "json", optional_argument, 0, OPT_JSON },
    { "progress", no_argument, 0, OPT_PROGRESS },
    { "no-progress", no_argument, 0, OPT_NO_PROGRESS },
    { "records", VALUE, 0, OPT_RECORDS },
    { "ehlo", no_argument, 0, OPT_EHLO },
    { "pipelining", no_argument, 0, OPT_PIPELINING },
    { "starttls", no_argument, 0, OPT_STARTTLS },
    { "smtps", no_argument, 0, OPT_SMTPS },
    { "tls-verify", no_argument, 0, OPT_TLS_VERIFY },
    { "tls-ca", VALUE, 0, OPT_TLS_CA },
    { "tls-servername", VALUE, 0, OPT_TLS_SERVERNAME },
    { "tls-resume", no_argument, 0, OPT_TLS_RESUME },
    { "auth-user", VALUE, 0, OPT_AUTH_USER },
    { "auth-password", VALUE, 0, OPT_AUTH_PASSWORD },
    { "auth-password-file", VALUE, 0, OPT_AUTH_PASSWORD_FILE },
    { "auth-mech", VALUE, 0, OPT_AUTH_MECH },
    { "auth-allow-plaintext", no_argument, 0, OPT_AUTH_PLAINTEXT },
    { "bdat", no_argument, 0, OPT_BDAT },
    { "bdat-size", VALUE, 0, OPT_BDAT_SIZE },
    { "smtputf8", no_argument, 0, OPT_SMTPUTF8 },
    { "8bitmime", no_argument, 0, OPT_8BITMIME },
    { "rate", VALUE, 0, OPT_RATE },
    { "duration", VALUE, 0, OPT_DURATION },
    { "interval", VALUE, 0, OPT_INTERVAL },
    { "plot", VALUE, 0, OPT_PLOT },
    { "shard", VALUE, 0, OPT_SHARD },
    { "start-at", VALUE, 0, OPT_START_AT },
    { "merge", no_argument, 0, OPT_MERGE },
    { "metrics", VALUE, 0, OPT_METRICS },
    { "metrics-linger", VALUE, 0, OPT_METRICS_LINGER },
    { "fail-if", VALUE, 0, OPT_FAIL_IF },
    { "stages", VALUE, 0, OPT_STAGES },
    { "find-rate", VALUE, 0, OPT_FIND_RATE },
    { "step", VALUE, 0, OPT_STEP },
    { "help", no_argument, 0, OPT_HELP },
    { "version", no_argument, 0, OPT_VERSION },
    { 0, 0, 0, 0 },
};

#define SHORTS "+46AcC:df:F:l:Lm:M:Nor:R:s:S:t:T:vw:"

/* A long option given without '=' that needs a value: refused. */
static void check_value(int ch, char *const *argv, int next, const struct option *opts)
{
    if (optarg || ch < 256 || ch == OPT_JSON)
        return;
    for (const struct option *o = opts; o->name; o++)
        if (o->val == ch && o->has_arg == VALUE)
            argcheck_no_value(o->name, argv[next]);
}

static long long number(const char *arg, long long max, const char *what)
{
    long long v;
    if (num_parse(arg, 1, max, &v) < 0)
        diag_fatal("bad %s: %s", what, arg);
    return v;
}

/* A long option's value that must not be empty. */
static const char *value(const char *opt, const char *arg)
{
    if (*arg == 0)
        diag_fatal("--%s needs a value", opt);
    return arg;
}


static void rate(const char *arg, struct config *cfg)
{
    char why[96];
    if (units_rate(arg, &cfg->rate, why, sizeof(why)) < 0)
        diag_fatal("--rate=%s: %s (give 50, 50/s, 0.5/s, 3000/m or 10000/h; at most %d/s)",
                   arg, why, RATE_MAX_PER_S);
    cfg->rate_on = true;
}

static void shard(const char *arg, struct config *cfg)
{
    char why[96];
    if (shard_parse(arg, &cfg->shard, why, sizeof(why)) < 0)
        diag_fatal("--shard=%s: %s (give I/N, e.g. --shard=0/4 ... --shard=3/4)", arg, why);
    cfg->sharded = true;
}

static void start_at(const char *arg, struct config *cfg)
{
    char why[96];
    if (startat_parse(arg, &cfg->start_at_ns, why, sizeof(why)) < 0)
        diag_fatal("--start-at=%s: %s", arg, why);
    cfg->start_at_on = true;
}

/* --metrics=[ADDR:]PORT: a port alone is served on the loopback only. */
static const char *metrics_addr(const char *arg)
{
    static char spec[TARGET_HOST_MAX + 16];
    struct target t;
    char why[128];
    if (*arg && strspn(arg, "0123456789") == strlen(arg))
        snprintf(spec, sizeof(spec), "127.0.0.1:%s", arg);
    else
        snprintf(spec, sizeof(spec), "%s", arg);
    const char *colon = strrchr(spec, ':');
    if (strlen(arg) >= TARGET_HOST_MAX || colon == 0 || colon[1] == 0
        || strspn(colon + 1, "0123456789") != strlen(colon + 1)
        || target_parse(spec, &t, why, sizeof(why)) < 0 || t.kind != TARGET_INET || t.port == 0)
        diag_fatal("--metrics=%s: give PORT or ADDR:PORT, the port a number "
                   "(9464, 0.0.0.0:9464, [::1]:9464)", arg);
    return spec;
}

static void stages(const char *arg, struct config *cfg)
{
    char why[256];
    if (stages_parse(arg, &cfg->stages, why, sizeof(why)) < 0)
        diag_fatal("--stages=%s: %s (%s)", arg, why, STAGES_FORMS);
    cfg->stages_on = true;
}

static void find_rate(const char *arg, struct config *cfg)
{
    char why[160];
    if (search_parse(arg, &cfg->find_from, &cfg->find_to, why, sizeof(why)) < 0)
        diag_fatal("--find-rate=%s: %s (give FROM-TO, rates as --rate takes them, FROM less "
                   "than TO: e.g. --find-rate=50-2000)", arg, why);
    cfg->find_rate_on = true;
}

/* --fail-if: refused at once if it does not parse; kept as written. */
static void fail_if(const char *arg, struct config *cfg)
{
    static struct verdict check;
    char why[1024];
    if (verdict_add(&check, arg, why, sizeof(why)) < 0)
        diag_fatal("%s", why);
    cfg->fail_if[cfg->fail_if_n++] = arg;
}

/* --merge reads reports and writes one: of the options, only those of
 * the outputs that a report makes mean anything to it. */
static void merge_operands(struct config *cfg, int n, char *const *files)
{
    if (n < 1)
        diag_fatal("--merge needs the shards' reports: --merge FILE... (- for standard input)");
    if (cfg->records)
        diag_fatal("--records: a merge has no messages of its own, only the shards' reports");
    if (cfg->metrics)
        diag_fatal("--metrics: a merge has no run to watch, only the shards' reports");
    cfg->merge_files = files;
    cfg->merge_n = n;
}

static int64_t duration(const char *opt, const char *arg, int64_t min_ns, const char *min)
{
    char why[96];
    int64_t ns;
    if (units_duration(arg, &ns, why, sizeof(why)) < 0)
        diag_fatal("--%s=%s: %s (give 10, 10s, 2.5m or 1h; at most a week)", opt, arg, why);
    if (ns < min_ns)
        diag_fatal("--%s=%s: less than %s", opt, arg, min);
    return ns;
}

static int mechanism(const char *arg)
{
    if (strcasecmp(arg, "PLAIN") == 0)
        return AUTH_PLAIN;
    if (strcasecmp(arg, "LOGIN") == 0)
        return AUTH_LOGIN;
    if (strcasecmp(arg, "XOAUTH2") == 0)
        return AUTH_XOAUTH2;
    diag_fatal("--auth-mech: unknown mechanism: %s (PLAIN, LOGIN or XOAUTH2)", arg);
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
    const char *start_text = 0;
    bool linger_given = false;

    memset(cfg, 0, sizeof(*cfg));
    cfg->family = AF_UNSPEC;
    cfg->connect_attempts = 1;
    cfg->messages = 1;
    cfg->rcpts = 1;
    cfg->sessions = 1;
    cfg->timeout = 300;
    cfg->progress = -1;
    cfg->shard = (struct shard){ 0, 1 };
    cfg->metrics_linger_ns = 5000000000LL;

    int at = optind, json_bare = 0;
    const struct option *opts = workload_options_with(long_options);

    /* '+': stop at the first operand, as the reference does on Linux.
     * The errors are ours (argcheck), getopt's for the letters. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, SHORTS, opts, 0)) != -1) {
        check_value(ch, argv, optind, opts);
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
        case 'm':
            cfg->messages = number(optarg, INT_MAX, "message count");
            cfg->messages_given = true;
            break;
        case 'M':
            check_myhostname(optarg);
            cfg->myhostname = optarg;
            break;
        case 'N': cfg->number_rcpts = true; break;
        case 'o': cfg->old_mode = true; break;
        case 'r':
            cfg->rcpts = (int)number(optarg, INT_MAX, "recipient count");
            cfg->rcpts_given = true;
            break;
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
        case OPT_JSON:
            cfg->json = optarg && *optarg ? optarg : "-";
            json_bare = optarg ? 0 : optind;
            break;
        case OPT_PROGRESS: cfg->progress = 1; break;
        case OPT_NO_PROGRESS: cfg->progress = 0; break;
        case OPT_RECORDS:
            if (*optarg == 0)
                diag_fatal("--records needs a file name");
            cfg->records = optarg;
            break;
        case OPT_EHLO: cfg->ehlo = true; break;
        case OPT_PIPELINING: cfg->ehlo = cfg->pipelining = true; break;
        case OPT_STARTTLS: cfg->starttls = true; break;
        case OPT_SMTPS: cfg->smtps = true; break;
        case OPT_TLS_VERIFY: cfg->tls_verify = true; break;
        case OPT_TLS_CA: cfg->tls_ca = value("tls-ca", optarg); break;
        case OPT_TLS_SERVERNAME: cfg->tls_servername = value("tls-servername", optarg); break;
        case OPT_TLS_RESUME: cfg->tls_resume = true; break;
        case OPT_AUTH_USER: cfg->auth_user = value("auth-user", optarg); break;
        case OPT_AUTH_PASSWORD: cfg->auth_password = value("auth-password", optarg); break;
        case OPT_AUTH_PASSWORD_FILE:
            cfg->auth_password_file = value("auth-password-file", optarg);
            break;
        case OPT_AUTH_MECH: cfg->auth_mech = mechanism(optarg); break;
        case OPT_AUTH_PLAINTEXT: cfg->auth_allow_plaintext = true; break;
        case OPT_BDAT: cfg->bdat = true; break;
        case OPT_BDAT_SIZE:
            cfg->bdat = true;
            cfg->bdat_size = (long)number(optarg, INT_MAX, "--bdat-size");
            break;
        case OPT_SMTPUTF8: cfg->smtputf8 = true; break;
        case OPT_8BITMIME: cfg->eightbitmime = true; break;
        case OPT_RATE: rate(optarg, cfg); break;
        case OPT_DURATION:
            cfg->duration_ns = duration("duration", optarg, 1, "a nanosecond");
            break;
        case OPT_INTERVAL:
            cfg->interval_ns = duration("interval", optarg, INTERVAL_MIN_NS, "0.1 s");
            break;
        case OPT_PLOT: cfg->plot = value("plot", optarg); break;
        case OPT_SHARD: shard(optarg, cfg); break;
        case OPT_START_AT:
            start_at(optarg, cfg);
            start_text = optarg;
            break;
        case OPT_MERGE: cfg->merge = true; break;
        case OPT_METRICS: cfg->metrics = metrics_addr(optarg); break;
        case OPT_METRICS_LINGER:
            linger_given = true;
            cfg->metrics_linger_ns = strcmp(optarg, "0") == 0 ? 0
                                   : duration("metrics-linger", optarg, 1, "a nanosecond");
            break;
        case OPT_FAIL_IF: fail_if(optarg, cfg); break;
        case OPT_STAGES: stages(optarg, cfg); break;
        case OPT_FIND_RATE: find_rate(optarg, cfg); break;
        case OPT_STEP: cfg->step_ns = duration("step", optarg, 1000000000LL, "a second"); break;
        case OPT_HELP: usage_help();
        case OPT_VERSION: usage_version();
        default:
            if (!workload_opt(ch, optarg))
                argcheck_bad_option(argv, at, SHORTS, opts);
        }
        at = optind;
    }
    if (linger_given && !cfg->metrics)
        diag_fatal("--metrics-linger needs --metrics");
    if (cfg->merge) {
        argcheck_merge(argc, argv, optind);
        merge_operands(cfg, argc - optind, argv + optind);
        return;
    }
    argcheck_target(argc, argv, optind, json_bare);
    cfg->target = argv[optind];
    combine_check(cfg, cfg->start_at_on ? start_text : 0);
}
