/* fakeserver's script language: rules and directives, one a line. */
#include "fakeserver.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *src_name;
static int src_line;

static int bad(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", src_name, src_line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (p == NULL) {
        perror("fakeserver");
        exit(2);
    }
    return p;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the C escapes of s[0..n) into a new buffer (NUL-terminated for
 * convenience; the length is *len since \x00 is allowed). */
static int decode(const char *s, size_t n, char **out, size_t *len)
{
    char *d = xrealloc(NULL, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            d[k++] = s[i];
            continue;
        }
        if (++i == n) {
            free(d);
            return bad("a lone \\ at the end of a text");
        }
        switch (s[i]) {
        case 'r': d[k++] = '\r'; break;
        case 'n': d[k++] = '\n'; break;
        case 't': d[k++] = '\t'; break;
        case '\\': case ';': case '"': d[k++] = s[i]; break;
        case 'x': {
            int v = 0, digits = 0, h;
            while (digits < 2 && i + 1 < n && (h = hexval((unsigned char)s[i + 1])) >= 0) {
                v = v * 16 + h;
                i++;
                digits++;
            }
            if (digits == 0) {
                free(d);
                return bad("\\x without hex digits");
            }
            d[k++] = (char)v;
            break;
        }
        default:
            free(d);
            return bad("unknown escape \\%c", s[i]);
        }
    }
    d[k] = 0;
    *out = d;
    *len = k;
    return 0;
}

/* A decimal number in [min, max] filling all of s. */
static int number(const char *s, unsigned long long min, unsigned long long max,
                  unsigned long long *v)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return bad("not a number: %s", s);
    errno = 0;
    *v = strtoull(s, &end, 10);
    if (errno != 0 || *end != 0 || *v < min || *v > max)
        return bad("%s: not a number from %llu to %llu", s, min, max);
    return 0;
}

static int parse_spec(const char *s, struct spec *sp)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", s);
    sp->n = 0;
    for (char *save = NULL, *item = strtok_r(buf, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        unsigned long long lo = 1, hi = ULONG_MAX;
        char *dash = strchr(item, '-');
        if (sp->n == SPEC_MAX)
            return bad("more than %d ranges in %s", SPEC_MAX, s);
        if (dash)
            *dash = 0;
        if (*item && number(item, 0, ULONG_MAX, &lo) < 0)
            return -1;
        if (!dash)
            hi = lo;
        else if (dash[1] && number(dash + 1, 0, ULONG_MAX, &hi) < 0)
            return -1;
        if (hi < lo)
            return bad("an empty range: %s", s);
        sp->lo[sp->n] = (unsigned long)lo;
        sp->hi[sp->n] = (unsigned long)hi;
        sp->n++;
    }
    return sp->n > 0 ? 0 : bad("empty range: %s", s);
}

int spec_has(const struct spec *s, unsigned long v)
{
    if (s->n == 0)
        return 1;
    for (int i = 0; i < s->n; i++)
        if (v >= s->lo[i] && v <= s->hi[i])
            return 1;
    return 0;
}

/* The next whitespace-separated word of *p; double quotes group (and are
 * removed), a backslash keeps the next character in the word. The word
 * keeps its escapes for decode(). Returns 0 at the end. */
static int word(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t k = 0;
    int quoted = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == 0)
        return 0;
    while (*s && (quoted || !isspace((unsigned char)*s))) {
        if (*s == '"') {
            quoted = !quoted;
            s++;
            continue;
        }
        if (*s == '\\' && s[1] && k + 2 < cap) {
            out[k++] = *s++;
        }
        if (k + 1 < cap)
            out[k++] = *s;
        s++;
    }
    out[k] = 0;
    *p = s;
    return 1;
}

static int add_counter(struct script *sc, const char *event)
{
    int i = script_counter(sc, event);
    if (i >= 0)
        return i;
    sc->counters = xrealloc(sc->counters, (size_t)(sc->ncounters + 1) * sizeof(char *));
    sc->counters[sc->ncounters] = strdup(event);
    return sc->ncounters++;
}

int script_counter(const struct script *sc, const char *event)
{
    for (int i = 0; i < sc->ncounters; i++)
        if (strcmp(sc->counters[i], event) == 0)
            return i;
    return -1;
}

static const char *const specials[] = { "banner", "dot", "rcpt-dot", "line", "any", "hangup" };

static void event_name(const char *w, char *out)
{
    for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
        if (strcasecmp(w, specials[i]) == 0) {
            strcpy(out, specials[i]);
            return;
        }
    size_t k = 0;
    for (; w[k] && k + 1 < EV_NAME_MAX; k++)
        out[k] = (char)toupper((unsigned char)w[k]);
    out[k] = 0;
}

/* One action: s[0..n) with the leading blanks already gone. */
static int parse_action(const char *s, size_t n, struct action *a)
{
    static const struct { const char *name; enum act_kind kind; int arg; } names[] = {
        { "reply", ACT_REPLY, 't' }, { "raw", ACT_RAW, 't' }, { "repeat", ACT_REPEAT, 'r' },
        { "default", ACT_DEFAULT, 0 }, { "noreply", ACT_NOREPLY, 0 },
        { "close", ACT_CLOSE, 0 }, { "reset", ACT_RESET, 0 },
        { "shutdown-read", ACT_SHUTDOWN_READ, 0 }, { "shutdown-write", ACT_SHUTDOWN_WRITE, 0 },
        { "stall", ACT_STALL, 0 },
        { "sleep", ACT_SLEEP, 'n' }, { "stop-reading", ACT_STOP_READING, 0 },
        { "data-skip", ACT_DATA_SKIP, 0 }, { "swallow-data", ACT_SWALLOW_DATA, 0 },
        { "expect-lines", ACT_EXPECT_LINES, 'n' }, { "wait", ACT_WAIT, 'w' },
    };
    size_t w = 0;
    while (w < n && !isspace((unsigned char)s[w]))
        w++;
    const char *arg = s + w;
    size_t alen = n - w;
    while (alen > 0 && isspace((unsigned char)*arg))
        arg++, alen--;
    /* Trailing blanks before the ';' are layout; \x20 keeps a real one. */
    while (alen > 0 && isspace((unsigned char)arg[alen - 1]))
        alen--;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i].name) != w || strncmp(s, names[i].name, w) != 0)
            continue;
        memset(a, 0, sizeof(*a));
        a->kind = names[i].kind;
        char num[32];
        if (names[i].arg == 0)
            return alen == 0 ? 0 : bad("%s takes no argument", names[i].name);
        if (names[i].arg == 't')
            return decode(arg, alen, &a->text, &a->len);
        if (names[i].arg == 'w') {
            /* wait EVENT N */
            char ev[EV_NAME_MAX + 1];
            size_t el = 0;
            while (el < alen && !isspace((unsigned char)arg[el]))
                el++;
            if (el == 0 || el > EV_NAME_MAX - 1 || el == alen)
                return bad("wait needs an event and a count");
            snprintf(ev, sizeof(ev), "%.*s", (int)el, arg);
            a->text = xrealloc(NULL, EV_NAME_MAX);
            event_name(ev, a->text);
            a->len = strlen(a->text);
            while (el < alen && isspace((unsigned char)arg[el]))
                el++;
            snprintf(num, sizeof(num), "%.*s", (int)(alen - el), arg + el);
            return number(num, 1, 1000000000, &a->n);
        }
        if (names[i].arg == 'n') {
            snprintf(num, sizeof(num), "%.*s", (int)alen, arg);
            return number(num, 0, 1000000000, &a->n);
        }
        /* repeat N|forever TEXT */
        size_t nl = 0;
        while (nl < alen && !isspace((unsigned char)arg[nl]))
            nl++;
        snprintf(num, sizeof(num), "%.*s", (int)nl, arg);
        if (strcmp(num, "forever") == 0)
            a->n = 0;
        else if (number(num, 1, 1000000000, &a->n) < 0)
            return -1;
        while (nl < alen && isspace((unsigned char)arg[nl]))
            nl++;
        if (nl == alen)
            return bad("repeat needs a text");
        return decode(arg + nl, alen - nl, &a->text, &a->len);
    }
    return bad("unknown action: %.*s", (int)w, s);
}

static int rule_body(struct script *sc, struct rule *r, const char *head, const char *acts)
{
    char w[4096];
    if (!word(&head, w, sizeof(w)))
        return bad("a rule needs an event");
    event_name(w, r->event);
    while (word(&head, w, sizeof(w))) {
        char *eq = strchr(w, '=');
        if (eq == NULL)
            return bad("not a condition: %s", w);
        *eq++ = 0;
        int e = 0;
        if (strcmp(w, "conn") == 0)
            e = parse_spec(eq, &r->conn);
        else if (strcmp(w, "nth") == 0)
            e = parse_spec(eq, &r->nth);
        else if (strcmp(w, "gnth") == 0)
            e = parse_spec(eq, &r->gnth);
        else if (strcmp(w, "tnth") == 0)
            e = parse_spec(eq, &r->tnth);
        else if (strcmp(w, "match") == 0 && r->match)
            return bad("match= given twice");
        else if (strcmp(w, "match") == 0)
            e = decode(eq, strlen(eq), &r->match, &r->match_len);
        else
            return bad("unknown condition: %s", w);
        if (e < 0)
            return -1;
    }
    /* Actions end at each unescaped ';'. */
    const char *p = acts;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        const char *e = p;
        while (*e && *e != ';')
            e += (e[0] == '\\' && e[1]) ? 2 : 1;
        if (e > p) {
            r->acts = xrealloc(r->acts, (size_t)(r->nacts + 1) * sizeof(struct action));
            if (parse_action(p, (size_t)(e - p), &r->acts[r->nacts]) < 0)
                return -1;
            if (r->acts[r->nacts].kind == ACT_WAIT)
                r->acts[r->nacts].counter = add_counter(sc, r->acts[r->nacts].text);
            enum act_kind k = r->acts[r->nacts++].kind;
            r->data_skip |= k == ACT_DATA_SKIP;
            r->swallow |= k == ACT_SWALLOW_DATA;
        }
        if (*e == 0)
            break;
        p = e + 1;
    }
    return r->nacts > 0 ? 0 : bad("a rule needs an action");
}

static int parse_rule(struct script *sc, const char *head, const char *acts)
{
    struct rule r;
    memset(&r, 0, sizeof(r));
    if (rule_body(sc, &r, head, acts) < 0) {
        for (int i = 0; i < r.nacts; i++)
            free(r.acts[i].text);
        free(r.acts);
        free(r.match);
        return -1;
    }
    r.counter = add_counter(sc, r.event);
    sc->rules = xrealloc(sc->rules, (size_t)(sc->nrules + 1) * sizeof(struct rule));
    sc->rules[sc->nrules++] = r;
    return 0;
}

static int parse_directive(struct script *sc, const char *line)
{
    char w[4096], v[64];
    unsigned long long n, m;
    const char *p = line;
    word(&p, w, sizeof(w));
    if (strcmp(w, "ehlo") == 0) {
        sc->nehlo = 0;
        while (word(&p, w, sizeof(w))) {
            char *kw;
            size_t len;
            if (decode(w, strlen(w), &kw, &len) < 0)
                return -1;
            sc->ehlo = xrealloc(sc->ehlo, (size_t)(sc->nehlo + 1) * sizeof(char *));
            sc->ehlo[sc->nehlo++] = kw;
        }
        return 0;
    }
    static const char *const flags[] = { "lmtp", "nodelay", "tiny-writes", "bare-lf",
                                         "never-accept" };
    int *const fields[] = { &sc->lmtp, &sc->nodelay, &sc->tiny_writes, &sc->bare_lf,
                            &sc->never_accept };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (strcmp(w, flags[i]) == 0) {
            *fields[i] = 1;
            return word(&p, v, sizeof(v)) ? bad("%s takes no argument", w) : 0;
        }
    if (strcmp(w, "rcvbuf") == 0 || strcmp(w, "lifetime") == 0 || strcmp(w, "backlog") == 0) {
        int life = w[0] == 'l', rcv = w[0] == 'r';
        if (!word(&p, v, sizeof(v)))
            return bad("%s needs a number", w);
        if (number(v, life, life ? 600 : rcv ? INT_MAX : 4096, &n) < 0)
            return -1;
        *(life ? &sc->lifetime : rcv ? &sc->rcvbuf : &sc->backlog) = (int)n;
        return word(&p, v, sizeof(v)) ? bad("%s takes one number", w) : 0;
    }
    if (strcmp(w, "capacity") == 0) {
        if (!word(&p, v, sizeof(v)) || number(v, 1, 100000, &n) < 0 || word(&p, v, sizeof(v)))
            return bad("capacity needs one number: ends of data a second");
        sc->capacity = (long)n;
        return 0;
    }
    if (strcmp(w, "stall-window") == 0) {
        if (!word(&p, v, sizeof(v)) || number(v, 0, LLONG_MAX / 2, &n) < 0
            || !word(&p, v, sizeof(v)) || number(v, 0, LLONG_MAX / 2, &m) < 0
            || word(&p, v, sizeof(v)))
            return bad("stall-window needs START_MS LEN_MS");
        sc->windows = xrealloc(sc->windows, (size_t)(sc->nwindows + 1) * sizeof(struct window));
        sc->windows[sc->nwindows++] = (struct window){ (long long)n, (long long)m };
        return 0;
    }
    return bad("unknown directive: %s", w);
}

int script_parse(struct script *sc, const char *text, const char *name)
{
    static char *default_ehlo[] = { "PIPELINING", "8BITMIME" };
    memset(sc, 0, sizeof(*sc));
    sc->ehlo = xrealloc(NULL, sizeof(default_ehlo));
    memcpy(sc->ehlo, default_ehlo, sizeof(default_ehlo));
    sc->nehlo = 2;
    sc->lifetime = 60;
    sc->backlog = 64;
    src_name = name;
    src_line = 0;
    while (*text) {
        size_t n = strcspn(text, "\n");
        char *line = xrealloc(NULL, n + 1);
        memcpy(line, text, n);
        line[n] = 0;
        text += n + (text[n] == '\n');
        src_line++;
        if (n > 0 && line[n - 1] == '\r')
            line[n - 1] = 0;
        const char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        int e = 0;
        if (*s && *s != '#') {
            /* A rule's head ends at the first ':' (outside quotes)
             * followed by a blank or the end of the line; a line
             * without one is a directive. */
            char *sep = NULL;
            int quoted = 0;
            for (char *c = line + (s - line); *c; c++) {
                if (*c == '\\' && c[1])
                    c++;
                else if (*c == '"')
                    quoted = !quoted;
                else if (*c == ':' && !quoted && (c[1] == 0 || isspace((unsigned char)c[1]))) {
                    sep = c;
                    break;
                }
            }
            if (sep) {
                *sep = 0;
                e = parse_rule(sc, s, sep + 1);
            } else {
                e = parse_directive(sc, s);
            }
        }
        free(line);
        if (e < 0)
            return -1;
    }
    return 0;
}
