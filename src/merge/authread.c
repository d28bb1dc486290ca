/* authread: a --json report's "auth" object read back for --merge,
 * strictly, every count checked to add up. */
#include "merge/authread.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The first fault wins; later reads are no-ops. */
struct ar {
    const struct jr_doc *d;
    char *why;
    size_t len;
    int bad;
};

static void bad(struct ar *r, const struct jr_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(struct ar *r, const struct jr_node *at, const char *fmt, ...)
{
    if (r->bad)
        return;
    r->bad = 1;
    int n = snprintf(r->why, r->len, "line %lu: ", jr_line(r->d, at));
    if (n < 0 || (size_t)n >= r->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why + n, r->len - (size_t)n, fmt, ap);
    va_end(ap);
}

/* A key as it may be printed: at most 40 bytes, control bytes as '?'. */
static const char *shown(const char *key, char *buf, size_t len)
{
    size_t i = 0;
    for (; key[i] && i < 40 && i + 1 < len; i++)
        buf[i] = (unsigned char)key[i] < 0x20 || key[i] == 0x7f ? '?' : key[i];
    buf[i] = 0;
    return buf;
}

static const struct jr_node *member(struct ar *r, const struct jr_node *obj, const char *where,
                                    const char *key, int type)
{
    if (r->bad)
        return 0;
    const struct jr_node *n = jr_get(r->d, obj, key);
    if (n == 0 || n->type != type) {
        bad(r, n ? n : obj, "\"%s%s\" is %s", where, key,
            n == 0 ? "missing" : type == JR_OBJECT ? "not an object" : "not a string");
        return 0;
    }
    return n;
}

static uint64_t count(struct ar *r, const struct jr_node *obj, const char *where, const char *key)
{
    const struct jr_node *n = r->bad ? 0 : jr_get(r->d, obj, key);
    uint64_t v = 0;
    if (!r->bad && jr_uint(r->d, n, &v) < 0)
        bad(r, n ? n : obj, "\"%s%s\" is %s", where, key, n ? "not a whole number" : "missing");
    return v;
}

/* "refused_codes": {"535": 3, ..., "other": n}; their sum must be refused. */
static void codes(struct ar *r, const struct jr_node *m, const char *where, struct auth_tally *t)
{
    const struct jr_node *o = member(r, m, where, "refused_codes", JR_OBJECT);
    uint64_t total = 0;
    for (const struct jr_node *c = jr_first(r->d, o); c && !r->bad; c = jr_next(r->d, c)) {
        const char *key = jr_key(r->d, c);
        char buf[48];
        uint64_t n = 0;
        unsigned code = 0;
        int other = strcmp(key, "other") == 0;
        size_t digits = strspn(key, "0123456789");
        if (!other && (digits == 0 || digits > 3 || key[digits] != 0)) {
            bad(r, c, "\"%srefused_codes\": \"%s\" is not a reply code", where,
                shown(key, buf, sizeof(buf)));
            return;
        }
        if (jr_uint(r->d, c, &n) < 0 || total + n < total) {
            bad(r, c, "\"%srefused_codes.%s\" is not a whole number", where, key);
            return;
        }
        total += n;
        if (other) {
            t->code_other += n;
            continue;
        }
        for (size_t i = 0; i < digits; i++)
            code = code * 10 + (unsigned)(key[i] - '0');
        authstats_refused(t, code, n);
    }
    if (!r->bad && total != t->refused)
        bad(r, o, "\"%srefused_codes\" hold %llu refusals, \"refused\" says %llu", where,
            (unsigned long long)total, (unsigned long long)t->refused);
}

static void mechanism(struct ar *r, const struct jr_node *m, struct auth_tally *t, const char *name)
{
    char where[64];
    snprintf(where, sizeof(where), "auth.mechanisms.%s.", name);
    if (m->type != JR_OBJECT) {
        bad(r, m, "\"auth.mechanisms.%s\" is not an object", name);
        return;
    }
    t->attempts = count(r, m, where, "attempts");
    t->authenticated = count(r, m, where, "authenticated");
    t->refused = count(r, m, where, "refused");
    t->given_up = count(r, m, where, "given_up");
    t->unanswered = count(r, m, where, "unanswered");
    codes(r, m, where, t);
    uint64_t ends = t->authenticated, parts[3] = { t->refused, t->given_up, t->unanswered };
    int over = 0;
    for (int i = 0; i < 3; i++) {
        over |= ends + parts[i] < ends;
        ends += parts[i];
    }
    if (!r->bad && (over || ends != t->attempts))
        bad(r, m, "\"auth.mechanisms.%s\": authenticated, refused, given_up and unanswered "
            "do not make the attempts", name);
}

int authread(const struct jr_doc *d, const struct jr_node *root, struct authstats *a, int *asked,
             char *why, size_t len)
{
    struct ar r = { d, why, len, 0 };
    memset(a, 0, sizeof(*a));
    *asked = AUTH_ASKED_NO;
    const struct jr_node *o = jr_get(d, root, "auth");
    if (o == 0)
        return 0;
    if (o->type != JR_OBJECT) {
        bad(&r, o, "\"auth\" is not an object");
        return -1;
    }
    const struct jr_node *s = member(&r, o, "auth.", "asked", JR_STRING);
    const char *name = jr_str(d, s, 0);
    *asked = name ? authstats_asked_kind(name) : -1;
    if (!r.bad && *asked <= AUTH_ASKED_NO) {
        char buf[48];
        bad(&r, s, "\"auth.asked\" is not what a run asks for: \"%s\"", shown(name, buf, sizeof(buf)));
    }
    a->not_tried = count(&r, o, "auth.", "not_tried");
    const struct jr_node *ms = member(&r, o, "auth.", "mechanisms", JR_OBJECT);
    for (const struct jr_node *m = jr_first(d, ms); m && !r.bad; m = jr_next(d, m)) {
        char buf[48];
        const char *key = jr_key(d, m);
        int mech = authstats_mech(key);
        if (mech == 0) {
            bad(&r, m, "\"auth.mechanisms\": \"%s\" is no mechanism of this build",
                shown(key, buf, sizeof(buf)));
            break;
        }
        mechanism(&r, m, &a->mech[mech - 1], key);
    }
    return r.bad ? -1 : 0;
}
