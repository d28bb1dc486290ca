/* workload_opts: --seed, --size, --rcpts, ..., --content. */
#include "cli/workload_opts.h"

#include "core/diag.h"
#include "core/numparse.h"
#include "core/utf8.h"
#include "workload/seed.h"
#include "workload/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A --size table is a few thousand lines at most; this bounds a mistake. */
#define TABLE_FILE_MAX (16L * 1024 * 1024)
#define RCPTS_MAX 10000

enum { OPT_SEED = WORKLOAD_OPT_FIRST, OPT_SIZE, OPT_RCPTS, OPT_RCPT_FILE, OPT_FROM_FILE,
       OPT_RCPT_DOMAINS, OPT_CONTENT, OPT_CORPUS, OPT_CORPUS_HEADERS, OPT_CORPUS_ORDER };

/* optional_argument: the value follows '=' (cli/options.c refuses one given as
 * a separate word, with the form it needs). */
static const struct option own[] = {
    { "seed", optional_argument, 0, OPT_SEED },
    { "size", optional_argument, 0, OPT_SIZE },
    { "rcpts", optional_argument, 0, OPT_RCPTS },
    { "rcpt-file", optional_argument, 0, OPT_RCPT_FILE },
    { "from-file", optional_argument, 0, OPT_FROM_FILE },
    { "rcpt-domains", optional_argument, 0, OPT_RCPT_DOMAINS },
    { "content", optional_argument, 0, OPT_CONTENT },
    { "corpus", optional_argument, 0, OPT_CORPUS },
    { "corpus-headers", optional_argument, 0, OPT_CORPUS_HEADERS },
    { "corpus-order", optional_argument, 0, OPT_CORPUS_ORDER },
    { 0, 0, 0, 0 },
};

const struct option *workload_options_with(const struct option *base)
{
    static struct option all[128];
    size_t n = 0, max = sizeof(all) / sizeof(all[0]) - 1;
    for (const struct option *o = base; o->name && n < max; o++)
        all[n++] = *o;
    for (const struct option *o = own; o->name && n < max; o++)
        all[n++] = *o;
    return all;
}

static struct workload wl;
static bool any;
/* --corpus-headers=keep; the corpus setting given, if any (refused
 * without --corpus). */
static bool corpus_keep;
static const char *corpus_set;

/* The whole of a small file, NUL-terminated; fatal naming opt (at: "@"
 * for --size's @FILE, else ""). */
static char *slurp(const char *opt, const char *at, const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        diag_fatal("--%s=%s%s: %s", opt, at, path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == 0)
            diag_fatal("--%s=%s%s: out of memory", opt, at, path);
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            diag_fatal("--%s=%s%s: %s", opt, at, path, strerror(errno));
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > (size_t)TABLE_FILE_MAX)
            diag_fatal("--%s=%s%s: larger than %ld bytes", opt, at, path, TABLE_FILE_MAX);
        if (n + 1 == cap) {
            cap *= 2;
            char *more = realloc(buf, cap);
            if (more == 0)
                free(buf);
            buf = more;
        }
    }
    close(fd);
    buf[n] = 0;
    *len = n;
    return buf;
}

static void size(const char *arg)
{
    char why[160];
    size_free(&wl.size);      /* given twice: the last one counts */
    if (arg[0] == '@') {
        size_t len;
        char *data = slurp("size", "@", arg + 1, &len);
        int rc = size_table(data, len, &wl.size, why, sizeof(why));
        free(data);
        if (rc < 0)
            diag_fatal("--size=%s: %s", arg, why);
    } else if (size_parse(arg, &wl.size, why, sizeof(why)) < 0) {
        diag_fatal("--size=%s: %s (give N, A-B, lognormal:MEDIAN:P99 or @FILE; sizes in "
                   "bytes, k or m, at most 512m)", arg, why);
    }
    wl.size_on = true;
    wl.size_text = arg;
}

static void rcpts(const char *arg)
{
    const char *dash = strchr(arg, '-');
    long long a, b;
    char first[32];
    size_t fl = dash ? (size_t)(dash - arg) : strlen(arg);
    bool fits = fl < sizeof(first);
    memcpy(first, arg, fits ? fl : 0);
    first[fits ? fl : 0] = 0;
    if (!fits || num_parse(first, 1, RCPTS_MAX, &a) < 0
        || num_parse(dash ? dash + 1 : first, 1, RCPTS_MAX, &b) < 0 || b < a)
        diag_fatal("--rcpts=%s: give A-B, recipients per message, 1 <= A <= B <= %d "
                   "(e.g. --rcpts=1-5)", arg, RCPTS_MAX);
    wl.rcpts_on = true;
    wl.rcpts_min = (int)a;
    wl.rcpts_max = (int)b;
}

/* --rcpt-file, --from-file: a weighted list of addresses. */
static void list_file(const char *opt, const char *arg, struct wlist *w, bool *on)
{
    char why[200];
    size_t len;
    if (*arg == 0)
        diag_fatal("--%s needs a file name", opt);
    char *data = slurp(opt, "", arg, &len);
    wlist_free(w);            /* given twice: the last one counts */
    int rc = wlist_lines(data, len, w, why, sizeof(why));
    free(data);
    if (rc < 0)
        diag_fatal("--%s=%s: %s", opt, arg, why);
    *on = true;
}

/* How much of a long option value an error line repeats. */
#define SHOWN_MAX 200

static const char *shown(const char *arg)
{
    static char buf[SHOWN_MAX + 1];
    snprintf(buf, sizeof(buf), "%s", arg);
    return buf;
}

int workload_opt(int ch, const char *arg)
{
    long long v;
    switch (ch) {
    case OPT_SEED:
        /* Below 2^53: a JSON number reads it back exactly. */
        if (num_parse(arg, 0, (1LL << 53) - 1, &v) < 0)
            diag_fatal("--seed=%s: give a whole number from 0 to 9007199254740991", arg);
        wl.seed = (uint64_t)v;
        wl.seed_given = true;
        break;
    case OPT_SIZE: size(arg); break;
    case OPT_RCPTS: rcpts(arg); break;
    case OPT_RCPT_FILE: list_file("rcpt-file", arg, &wl.rcpt_list, &wl.rcpt_file_on); break;
    case OPT_FROM_FILE: list_file("from-file", arg, &wl.from_list, &wl.from_on); break;
    case OPT_CONTENT:
        if (strcmp(arg, "mime") == 0)
            wl.mime_on = true;
        else if (strcmp(arg, "plain") == 0) {
            wl.mime_on = false;
            return 1;          /* the reference's content: no workload */
        }
        else
            diag_fatal("--content=%s: give plain or mime", arg);
        break;
    case OPT_RCPT_DOMAINS: {
        char why[200];
        wlist_free(&wl.domains);
        if (wlist_pairs(arg, &wl.domains, why, sizeof(why)) < 0
            || wlist_domains(&wl.domains, why, sizeof(why)) < 0)
            diag_fatal("--rcpt-domains=%s%s: %s (e.g. a.test:80,b.test:20)", shown(arg),
                       strlen(arg) > SHOWN_MAX ? "..." : "", why);
        wl.domains_on = true;
        break;
    }
    case OPT_CORPUS:
        if (*arg == 0)
            diag_fatal("--corpus needs a Maildir, a directory of messages or an mbox file");
        wl.corpus_on = true;
        wl.corpus_path = arg;
        static char label[4096];
        snprintf(label, sizeof(label), "corpus=%s", arg);
        wl.corpus_label = label;
        break;
    case OPT_CORPUS_HEADERS:
        if (strcmp(arg, "fresh") != 0 && strcmp(arg, "keep") != 0)
            diag_fatal("--corpus-headers=%s: give fresh (new Date and Message-Id) or keep", arg);
        corpus_keep = arg[0] == 'k';
        corpus_set = "--corpus-headers";
        break;
    case OPT_CORPUS_ORDER:
        if (strcmp(arg, "seq") != 0 && strcmp(arg, "random") != 0)
            diag_fatal("--corpus-order=%s: give seq or random", arg);
        wl.corpus_random = arg[0] == 'r';
        corpus_set = "--corpus-order";
        break;
    default: return 0;
    }
    any = true;
    return 1;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* No address twice in --rcpt-file: a message never has a recipient twice,
 * and a repeated line would be sent twice (a weight says "more often"). */
static void distinct_rcpts(const struct wlist *w)
{
    char **sorted = malloc(w->n * sizeof(*sorted));
    if (sorted == 0)
        diag_fatal("--rcpt-file: out of memory");
    memcpy(sorted, w->item, w->n * sizeof(*sorted));
    qsort(sorted, w->n, sizeof(*sorted), by_text);
    for (size_t i = 1; i < w->n; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            diag_fatal("--rcpt-file: %s is there twice: give each address once (a weight "
                       "after it to draw it more often)", sorted[i]);
    free(sorted);
}

/* --corpus: checked with the other options, then read, before any
 * worker exists: the workers share what the parent read. */
static void corpus(const struct config *cfg)
{
    if (corpus_set && !wl.corpus_on)
        diag_fatal("%s needs --corpus", corpus_set);
    if (!wl.corpus_on)
        return;
    if (cfg->msg_length)
        diag_fatal("--corpus cannot be used with -l: the corpus gives the messages");
    if (cfg->file)
        diag_fatal("--corpus cannot be used with -F: the corpus gives the messages");
    if (wl.size_on)
        diag_fatal("--corpus cannot be used with --size: the corpus gives the sizes");
    if (wl.mime_on)
        diag_fatal("--corpus cannot be used with --content=mime: the corpus gives the content");
    if (cfg->subject)
        diag_fatal("--corpus cannot be used with -S: the files have their own Subject");
    if (cfg->old_mode && !corpus_keep)
        diag_fatal("--corpus with -o: -o sends no generated headers, and the default "
                   "--corpus-headers=fresh makes Date and Message-Id; add --corpus-headers=keep");
    char why[512];
    /* Under --bdat the items are kept unstuffed, as BDAT carries them. */
    if (corpus_load(&wl.corpus, wl.corpus_path, !corpus_keep, !cfg->bdat, why, sizeof(why)) < 0)
        diag_fatal("--corpus=%s: %s", wl.corpus_path, why);
    /* Real mail breaks rules; it goes as it is, but the operator should
     * know what a strict server may refuse. */
    const struct corpus *c = &wl.corpus;
    if (c->long_lines)
        diag_warn("--corpus=%s: %zu of %zu messages have lines over 1000 octets (RFC 5321 "
                  "4.5.3.1.6), sent as they are", wl.corpus_path, c->long_lines, c->n);
    if (c->eight_bit && !cfg->eightbitmime)
        diag_warn("--corpus=%s: %zu of %zu messages are not 7-bit, sent as they are; "
                  "--8bitmime declares them (BODY=8BITMIME)", wl.corpus_path, c->eight_bit, c->n);
}

void workload_finish(struct config *cfg)
{
    cfg->wl = 0;
    if (!any)
        return;
    if (wl.size_on && cfg->msg_length)
        diag_fatal("--size cannot be used with -l: both give the message's size");
    if (wl.size_on && cfg->file)
        diag_fatal("--size cannot be used with -F: the file is the message");
    if (wl.mime_on && (cfg->file || cfg->old_mode))
        diag_fatal("--content=mime cannot be used with %s", cfg->file
                   ? "-F: the file is the message" : "-o: it sends no headers, MIME needs them");
    if (wl.rcpts_on && cfg->rcpts_given)
        diag_fatal("--rcpts cannot be used with -r: both give the recipients per message");
    if (wl.rcpt_file_on && (wl.domains_on || cfg->recipient || cfg->number_rcpts))
        diag_fatal("--rcpt-file cannot be used with %s: the file gives the recipients",
                   wl.domains_on ? "--rcpt-domains" : cfg->recipient ? "-t" : "-N");
    int most = wl.rcpts_on ? wl.rcpts_max : cfg->rcpts;
    if (wl.rcpt_file_on && (size_t)most > wl.rcpt_list.n)
        diag_fatal("--rcpt-file: %zu addresses, fewer than the %d recipients a message may "
                   "have (no address twice in a message)", wl.rcpt_list.n, most);
    /* UTF-8 addresses go out only with SMTPUTF8 (RFC 6531): these options
     * are not the reference's, so not even a HELO run sends them bare, as
     * the reference would its -f and -t (run/startup.c). */
    static const char *const opt[3] = { "rcpt-file", "from-file", "rcpt-domains" };
    const struct wlist *all[3] = { &wl.rcpt_list, &wl.from_list, &wl.domains };
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < all[l]->n; i++) {
            const char *item = all[l]->item[i];
            if (!utf8_non_ascii(item))
                continue;
            if (!cfg->smtputf8)
                diag_fatal("--%s: %s has bytes outside ASCII: it needs --smtputf8", opt[l], item);
            if (!utf8_valid(item))
                diag_fatal("--%s: %s is not valid UTF-8", opt[l], item);
            wl.utf8 = true;
        }
    if (wl.rcpt_file_on)
        distinct_rcpts(&wl.rcpt_list);
    if (wl.from_on && cfg->sender)
        diag_fatal("--from-file cannot be used with -f: the file gives the senders");
    corpus(cfg);
    if (!wl.seed_given)
        wl.seed = wl_seed_auto();
    cfg->wl = &wl;
}
