/* usage: the short usage, --help and --version. */
#include "cli/usage.h"

#include "core/diag.h"
#include "smtp/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef SMTP_SOURCE_VERSION
#define SMTP_SOURCE_VERSION "unknown"
#endif

/* The reference's usage line (its wording, for scripts that match it),
 * then the long options in short, and where the rest is. */
_Noreturn void usage_short(void)
{
    const char *p = diag_prog();
    fflush(stdout);
    fprintf(stderr, "%s: fatal: usage: %s -cdLNov -s sess -l msglen -m msgs -C count "
            "-M myhostname -f from -t to -r rcptcount -R delay -w delay host[:port]\n"
            "  long options: --quiet --json[=FILE] --records=FILE --progress --no-progress\n"
            "    --metrics=[ADDR:]PORT --metrics-linger=T\n"
            "    --timeout=SECS --ehlo --pipelining --bdat --smtputf8 --8bitmime\n"
            "    --rate=R --duration=T --interval=S --plot=FILE\n"
            "    --shard=I/N --start-at=TIME; %s --merge REPORT...\n"
            "    --seed=N --size=SPEC --rcpts=A-B --rcpt-file=FILE --from-file=FILE\n"
            "    --rcpt-domains=LIST --content=plain|mime --corpus=PATH\n"
            "    --starttls --smtps --tls-... --auth-...%s\n"
            "    --help --version\n"
            "  %s --help lists them all; man smtp-source explains them.\n", p, p,
            p, tls_built() ? "" : " (with make TLS=openssl)", p);
    _exit(1);
}

static const char letters[] =
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
    "  -w secs         a fixed delay between a session's messages\n";

static const char output[] =
    "\n"
    "Output:\n"
    "  --quiet         no report at the end\n"
    "  --json[=FILE]   the report as JSON (standard output without FILE)\n"
    "  --records=FILE  one JSON line per message slot\n"
    "  --progress      a live status line on standard error (on a terminal)\n"
    "  --no-progress   never the status line\n"
    "  --metrics=[ADDR:]PORT  serve the live numbers to Prometheus on /metrics\n"
    "                  (ADDR 127.0.0.1 when only a port is given)\n"
    "  --metrics-linger=T     serve them T more after the run (5 s; 0 none)\n";

static const char shape[] =
    "\n"
    "Load shape:\n"
    "  --rate=R        open loop: message k starts at k/R from the start, whatever\n"
    "                  came before; R per second (50, 50/s, 0.5), /m or /h;\n"
    "                  with --duration or -m\n"
    "  --duration=T    offer work for T (10, 90s, 2.5m, 1h), then let what is in\n"
    "                  flight finish; with --rate and no -m: the slots due in T\n"
    "  --stages=LIST   a load that changes: DURATION:RATE,... each stage ramps from\n"
    "                  the rate before it (0 at first) to RATE: 30s:100/s,60s:500/s\n"
    "  --interval=S    a line per S seconds on standard error (at least 0.1)\n"
    "  --plot=FILE     an SVG picture of the run's rates and latencies\n"
    "\n"
    "Several machines, one run:\n"
    "  --shard=I/N     this machine's part: the run's slots k with k mod N = I\n"
    "  --start-at=TIME the run's start: 2026-12-01T10:00:00Z (RFC 3339 with a\n"
    "                  zone) or @1796119200[.5] (Unix seconds); at most 24 h on\n"
    "  --merge REPORT... (no target) the one report of the shards' --json files\n"
    "                  (- for standard input), as one machine would have made it\n";

static const char workload[] =
    "\n"
    "Workload (each choice a function of the seed and the slot):\n"
    "  --seed=N        the run's seed (chosen and reported without it)\n"
    "  --size=SPEC     each message's stored size: N (20k, 2m), A-B,\n"
    "                  lognormal:MEDIAN:P99 or @FILE (lines SIZE WEIGHT);\n"
    "                  SIZE=n on MAIL FROM when offered (--ehlo)\n"
    "  --rcpts=A-B     recipients per message, drawn uniformly\n"
    "  --rcpt-file=FILE  recipients: lines ADDRESS [WEIGHT], drawn by weight,\n"
    "                  none twice in a message\n"
    "  --from-file=FILE  senders, the same form, one per message\n"
    "  --rcpt-domains=a.test:80,b.test:20  the recipients' domains by weight\n"
    "  --content=mime  MIME: text/plain, text/html and from 150k a base64\n"
    "                  attachment, at --size (else -l's size, or 4096); UTF-8\n"
    "                  with --8bitmime --smtputf8 (plain: the default)\n"
    "  --corpus=PATH   the messages from a Maildir, a directory of files or an\n"
    "                  mbox, read once before the workers start (not with -l,\n"
    "                  -F, --size); CRLF lines, dot-stuffed\n"
    "  --corpus-headers=fresh|keep  fresh (default): new Date and Message-Id\n"
    "  --corpus-order=seq|random  slot k sends item k mod n, or one drawn\n";

static const char verdict[] =
    "\n"
    "Verdict:\n"
    "  --fail-if=EXPR  a threshold: exit 2 if EXPR holds at the end (repeatable):\n"
    "                  p99(message)>250ms, max(connect)>1s, failed>0.1%, rejected>5,\n"
    "                  achieved<95% (--rate); also with --merge, on the merged run\n"
    "  --find-rate=FROM-TO  search the highest rate that meets the thresholds\n"
    "                  (failed>1%, p99(corrected)>1s if none): exit 0 found,\n"
    "                  4 passed even at TO, 2 failed already at FROM; with\n"
    "                  --plot, the knee chart; -s enough for TO (Little's law)\n"
    "  --step=T        each --find-rate step's length (10s)\n";

static const char protocol[] =
    "\n"
    "Protocol:\n"
    "  --timeout=SECS  the most one step (connect, write, reply) may take (300)\n"
    "  --ehlo          EHLO instead of HELO, with HELO as the fallback\n"
    "  --pipelining    RFC 2920 command pipelining when the server offers it\n"
    "  --bdat          send the content with BDAT (CHUNKING) when offered\n"
    "  --bdat-size=N   BDAT chunks of N bytes (the whole message in one)\n"
    "  --smtputf8      MAIL FROM with SMTPUTF8 when offered; UTF-8 addresses\n"
    "  --8bitmime      MAIL FROM with BODY=8BITMIME when offered\n";

static const char tls_auth[] =
    "  --starttls      STARTTLS after EHLO (RFC 3207), then EHLO again\n"
    "  --smtps         TLS from the first byte (RFC 8314, port 465)\n"
    "  --tls-verify    verify the server's certificate and name (off)\n"
    "  --tls-ca=FILE   the CA bundle for --tls-verify (the system's)\n"
    "  --tls-servername=NAME  SNI and the name to verify (the target's)\n"
    "  --tls-resume    offer each worker's last session on its next connection\n"
    "  --auth-user=NAME            AUTH (RFC 4954) as NAME\n"
    "  --auth-password-file=FILE   the password: FILE's first line\n"
    "  --auth-password=SECRET      the password (visible to ps: prefer a file)\n"
    "  --auth-mech=PLAIN|LOGIN|XOAUTH2  (the first of PLAIN, LOGIN offered)\n"
    "  --auth-allow-plaintext      allow PLAIN and LOGIN without TLS\n";

static const char tail[] =
    "\n"
    "  --help          this text;  --version  the version and the build's features\n"
    "\n"
    "A long option's value follows '=', not a space; any prefix that names\n"
    "one option alone will do.\n"
    "\n"
    "Targets: [inet:]host[:port] (port 25 by default), [address]:port,\n"
    "[ipv6:address]:port, unix:/path. See man smtp-source.\n";

static _Noreturn void done(void)
{
    exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
}

_Noreturn void usage_help(void)
{
    printf("Usage: %s [options] target\n"
           "Send SMTP or LMTP mail to a server, as fast as it takes it, and report how\n"
           "fast it was. A drop-in for Postfix's smtp-source: its letters mean the same.\n"
           "\n", diag_prog());
    fputs(letters, stdout);
    fputs(output, stdout);
    fputs(shape, stdout);
    fputs(workload, stdout);
    fputs(verdict, stdout);
    fputs(protocol, stdout);
    /* A build without TLS says what it lacks, and how to get it. */
    fputs(tls_built() ? "\nTLS and AUTH:\n"
                      : "\nTLS and AUTH (not in this build: they need make TLS=openssl):\n",
          stdout);
    fputs(tls_auth, stdout);
    fputs(tail, stdout);
    done();
}

_Noreturn void usage_version(void)
{
    printf("smtp-source %s\n", SMTP_SOURCE_VERSION);
    if (tls_built())
        printf("features: TLS with %s\n", tls_library());
    else
        printf("features: no TLS (build with make TLS=openssl for it)\n");
    done();
}
