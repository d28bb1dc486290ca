/* argcheck: a usage error's first line, the one that says what to do.
 * The short usage after it is the reference's (usage_short). */
#include "cli/argcheck.h"

#include "cli/suggest.h"
#include "cli/usage.h"
#include "core/diag.h"

#include <stdio.h>
#include <string.h>

#define NAMES_MAX 64

static size_t names_of(const struct option *longs, const char **names)
{
    size_t n = 0;
    for (; longs[n].name && n < NAMES_MAX; n++)
        names[n] = longs[n].name;
    return n;
}

static const char *name_of(const struct option *longs, int val)
{
    for (; longs->name; longs++)
        if (longs->val == val)
            return longs->name;
    return "?";
}

/* The ones that begin with word: "--a, --b or --c". */
static void list_prefixed(char *out, size_t outlen, const char *word, size_t len,
                          const char *const *names, size_t n, size_t count)
{
    size_t o = 0, seen = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && o < outlen; i++) {
        if (strncmp(names[i], word, len) != 0)
            continue;
        seen++;
        const char *sep = seen == 1 ? "" : seen == count ? " or " : ", ";
        int w = snprintf(out + o, outlen - o, "%s--%s", sep, names[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

_Noreturn void argcheck_bad_option(char *const *argv, int at, const char *shorts,
                                   const struct option *longs)
{
    const char *p = diag_prog();
    const char *arg = argv[at] ? argv[at] : "";
    if (optopt > 0 && optopt < 256) {
        /* The reference's letters: glibc's very lines, as it prints them. */
        const char *s = strchr(shorts, optopt);
        fflush(stdout);
        if (s && s[1] == ':')
            fprintf(stderr, "%s: option requires an argument -- '%c'\n", p, optopt);
        else
            fprintf(stderr, "%s: invalid option -- '%c'\n", p, optopt);
        usage_short();
    }
    if (optopt >= 256) {
        /* A known long option: only a value it does not take is wrong. */
        const char *name = name_of(longs, optopt);
        if (strchr(arg, '='))
            diag_info("%s: --%s takes no value", arg, name);
        else
            diag_info("--%s needs a value: --%s=VALUE", name, name);
        usage_short();
    }
    const char *names[NAMES_MAX];
    size_t n = names_of(longs, names);
    const char *word = strncmp(arg, "--", 2) == 0 ? arg + 2 : arg;
    size_t len = strcspn(word, "=");
    size_t count = suggest_prefixed(word, len, names, n);
    if (count > 1) {
        char list[1024];
        list_prefixed(list, sizeof(list), word, len, names, n, count);
        diag_info("ambiguous option --%.*s; did you mean %s?", (int)len, word, list);
        usage_short();
    }
    const char *near = suggest_nearest(word, len, names, n);
    if (near)
        diag_info("unknown option %s; did you mean --%s?", arg, near);
    else
        diag_info("unknown option %s", arg);
    usage_short();
}

_Noreturn void argcheck_no_value(const char *name, const char *next)
{
    if (next && next[0] != '-')
        diag_info("--%s %s: the value follows '=': --%s=%s", name, next, name, next);
    else
        diag_info("--%s needs a value: --%s=VALUE", name, name);
    usage_short();
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

void argcheck_target(int argc, char *const *argv, int first, int json_bare)
{
    int n = argc - first;
    if (json_bare && json_bare == first && n >= 1
        && (n >= 2 || ends_with(argv[first], ".json"))) {
        diag_info("--json %s: the file follows '=': --json=%s", argv[first], argv[first]);
        usage_short();
    }
    if (n == 0) {
        diag_info("no target: give host[:port] or unix:/path after the options");
        usage_short();
    }
    if (n == 1)
        return;
    const char *next = argv[first + 1];
    if (next[0] == '-' && next[1] != 0)
        diag_info("%s after the target %s: options go before the target", next, argv[first]);
    else
        diag_info("%s after the target %s: one target only, after all options", next,
                  argv[first]);
    usage_short();
}

void argcheck_merge(int argc, char *const *argv, int first)
{
    for (int i = first; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] != 0) {
            diag_info("%s after the reports: options go before them", argv[i]);
            usage_short();
        }
}
