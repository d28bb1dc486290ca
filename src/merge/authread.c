/* authread: a --json report's "auth" object read back for --merge,
 * strictly, every count checked to add up. */
#include "merge/authread.h"

#include "core/diag.h"

#include <stdio.h>
#include <string.h>

/* A key as it may be printed: at most 40 bytes, each printable. */
static const char *shown(const char *key, char *buf)
{
    size_t n = strnlen(key, 40);
    diag_censor(buf, key, n);
    buf[n] = 0;
    return buf;
}

/* "refused_codes": {"535": 3, ..., "other": n}; their sum must be refused. */
static void codes(struct rd *r, const struct jr_node *m, const char *where, struct auth_tally *t)
{
    const struct jr_node *o = rd_member(r, m, where, "refused_codes", JR_OBJECT, 0);
    uint64_t total = 0;
    for (const struct jr_node *c = jr_first(r->d, o); c && !r->bad; c = jr_next(r->d, c)) {
        const char *key = jr_key(r->d, c);
        char buf[48];
        uint64_t n = 0;
        int other = strcmp(key, "other") == 0;
        size_t digits = strspn(key, "0123456789");
        if (!other && (digits == 0 || digits > 3 || key[digits] != 0)) {
            rd_bad(r, c, "\"%srefused_codes\": \"%s\" is not a reply code", where, shown(key, buf));
            return;
        }
        if (jr_uint(r->d, c, &n) < 0 || n > UINT64_MAX - total) {
            rd_bad(r, c, "\"%srefused_codes.%s\" is not a whole number, or too large", where, key);
            return;
        }
        total += n;
        if (other) {
            t->code_other += n;
            continue;
        }
        unsigned code = 0;
        for (size_t i = 0; i < digits; i++)
            code = code * 10 + (unsigned)(key[i] - '0');
        authstats_refused(t, code, n);
    }
    if (!r->bad && total != t->refused)
        rd_bad(r, o, "\"%srefused_codes\" hold %llu refusals, \"refused\" says %llu", where,
               (unsigned long long)total, (unsigned long long)t->refused);
}

static void mechanism(struct rd *r, const struct jr_node *m, struct auth_tally *t, const char *name)
{
    char where[64];
    snprintf(where, sizeof(where), "auth.mechanisms.%s.", name);
    if (m->type != JR_OBJECT) {
        rd_bad(r, m, "\"auth.mechanisms.%s\" is not an object", name);
        return;
    }
    t->attempts = rd_u(r, m, where, "attempts");
    t->authenticated = rd_u(r, m, where, "authenticated");
    t->refused = rd_u(r, m, where, "refused");
    t->given_up = rd_u(r, m, where, "given_up");
    t->unanswered = rd_u(r, m, where, "unanswered");
    codes(r, m, where, t);
    /* Each attempt ended one way: the four make the attempts. */
    uint64_t ends = t->authenticated, part[3] = { t->refused, t->given_up, t->unanswered };
    int over = 0;
    for (int i = 0; i < 3; i++) {
        over |= part[i] > UINT64_MAX - ends;
        ends += part[i];
    }
    if (!r->bad && (over || ends != t->attempts))
        rd_bad(r, m, "\"auth.mechanisms.%s\": authenticated, refused, given_up and unanswered "
               "do not make the attempts", name);
}

void authread(struct rd *r, const struct jr_node *root, struct authstats *a)
{
    memset(a, 0, sizeof(*a));
    if (r->bad)
        return;
    /* A run that asked for AUTH says what it came to, and only such a run. */
    const struct jr_node *run = jr_get(r->d, root, "run");
    const struct jr_node *set = run ? jr_get(r->d, run, "settings") : 0;
    const struct jr_node *asked = set ? jr_get(r->d, set, "auth") : 0;
    const struct jr_node *o = jr_get(r->d, root, "auth");
    int wanted = asked && asked->type == JR_STRING;
    if ((o != 0) != wanted) {
        rd_bad(r, o ? o : root, wanted ? "no \"auth\", though \"run.settings.auth\" names a mechanism"
               : "\"auth\" in a run whose \"run.settings.auth\" is null");
        return;
    }
    if (o == 0)
        return;
    o = rd_member(r, root, "", "auth", JR_OBJECT, 0);
    a->not_tried = rd_u(r, o, "auth.", "not_tried");
    const struct jr_node *ms = rd_member(r, o, "auth.", "mechanisms", JR_OBJECT, 0);
    for (const struct jr_node *m = jr_first(r->d, ms); m && !r->bad; m = jr_next(r->d, m)) {
        char buf[48];
        const char *key = jr_key(r->d, m);
        int mech = authstats_mech(key);
        if (mech == 0) {
            rd_bad(r, m, "\"auth.mechanisms\": \"%s\" is no mechanism of this build", shown(key, buf));
            return;
        }
        mechanism(r, m, &a->mech[mech - 1], key);
    }
}
