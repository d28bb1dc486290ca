/* authstats: what the connections' AUTH came to, by the mechanism used. */
#include "report/authstats.h"

#include "smtp/auth.h"

#include <stdio.h>
#include <string.h>

int authstats_mech(const char *name)
{
    for (int m = AUTH_PLAIN; m <= AUTH_XOAUTH2; m++)
        if (strcmp(name, auth_mech_name((enum auth_mech)m)) == 0)
            return m;
    return 0;
}

void authstats_refused(struct auth_tally *t, unsigned code, uint64_t count)
{
    for (unsigned i = 0; i < t->codes; i++) {
        if (t->code[i].code == code) {
            t->code[i].count += count;
            return;
        }
    }
    if (t->codes == AUTHSTATS_CODES) {
        t->code_other += count;
        return;
    }
    t->code[t->codes].code = (uint16_t)code;
    t->code[t->codes++].count = count;
}

void authstats_add(struct authstats *a, const struct record *r)
{
    if (r->auth_end == AUTH_END_UNTRIED) {
        a->not_tried++;
        return;
    }
    if (r->auth_end == AUTH_END_NONE || r->auth_mech < AUTH_PLAIN || r->auth_mech > AUTH_XOAUTH2)
        return;
    struct auth_tally *t = &a->mech[r->auth_mech - AUTH_PLAIN];
    t->attempts++;
    switch (r->auth_end) {
    case AUTH_END_OK: t->authenticated++; break;
    case AUTH_END_GAVE_UP: t->given_up++; break;
    case AUTH_END_UNANSWERED: t->unanswered++; break;
    default:
        t->refused++;
        authstats_refused(t, r->auth_code, 1);
        break;
    }
}

/* *to += by, unless that overflows: then -1. */
static int sum(uint64_t *to, uint64_t by)
{
    if (*to > UINT64_MAX - by)
        return -1;
    *to += by;
    return 0;
}

int authstats_merge(struct authstats *into, const struct authstats *from)
{
    int bad = sum(&into->not_tried, from->not_tried);
    for (int m = 0; m < AUTHSTATS_MECHS; m++) {
        struct auth_tally *t = &into->mech[m];
        const struct auth_tally *f = &from->mech[m];
        bad |= sum(&t->attempts, f->attempts) | sum(&t->authenticated, f->authenticated)
             | sum(&t->refused, f->refused) | sum(&t->given_up, f->given_up)
             | sum(&t->unanswered, f->unanswered);
        /* A code's count is at most its mechanism's refusals: when those
         * added up, so do the codes'. */
        if (bad)
            continue;
        for (unsigned i = 0; i < f->codes; i++)
            authstats_refused(t, f->code[i].code, f->code[i].count);
        t->code_other += f->code_other;
    }
    return bad ? -1 : 0;
}

/* The kept codes' indexes in rising order of code, so that the order of
 * the records (or of a merge's shards) does not show. */
static unsigned by_code(const struct auth_tally *t, unsigned *ix)
{
    for (unsigned i = 0; i < t->codes; i++) {
        unsigned j = i;
        for (; j > 0 && t->code[ix[j - 1]].code > t->code[i].code; j--)
            ix[j] = ix[j - 1];
        ix[j] = i;
    }
    return t->codes;
}

static void print_codes(const struct auth_tally *t, FILE *out)
{
    unsigned ix[AUTHSTATS_CODES];
    if (t->codes == 1 && t->code_other == 0) {
        fprintf(out, " (%03u)", t->code[0].code);
        return;
    }
    fputs(" (", out);
    unsigned n = by_code(t, ix);
    for (unsigned i = 0; i < n; i++)
        fprintf(out, "%s%03u: %llu", i ? ", " : "", t->code[ix[i]].code,
                (unsigned long long)t->code[ix[i]].count);
    if (t->code_other)
        fprintf(out, "%sother: %llu", t->codes ? ", " : "", (unsigned long long)t->code_other);
    fputc(')', out);
}

void authstats_print(const struct authstats *a, FILE *out)
{
    const char *label = "  auth        ";
    const char *more = "              ";
    for (int m = 0; m < AUTHSTATS_MECHS; m++) {
        const struct auth_tally *t = &a->mech[m];
        if (t->attempts == 0)
            continue;
        fprintf(out, "%s%s: %llu attempts, %llu authenticated", label,
                auth_mech_name((enum auth_mech)(m + AUTH_PLAIN)), (unsigned long long)t->attempts,
                (unsigned long long)t->authenticated);
        if (t->refused) {
            fprintf(out, ", %llu refused", (unsigned long long)t->refused);
            print_codes(t, out);
        }
        if (t->given_up)
            fprintf(out, ", %llu given up", (unsigned long long)t->given_up);
        if (t->unanswered)
            fprintf(out, ", %llu unanswered", (unsigned long long)t->unanswered);
        fputc('\n', out);
        label = more;
    }
    if (a->not_tried) {
        fprintf(out, "%snot tried on %llu connections\n", label, (unsigned long long)a->not_tried);
        label = more;
    }
    if (label != more)
        fprintf(out, "%s0 attempts\n", label);
}

void authstats_json(const struct authstats *a, struct json *j)
{
    json_object(j, "auth");
    json_uint(j, "not_tried", a->not_tried);
    json_object(j, "mechanisms");
    for (int m = 0; m < AUTHSTATS_MECHS; m++) {
        const struct auth_tally *t = &a->mech[m];
        if (t->attempts == 0)
            continue;
        json_object(j, auth_mech_name((enum auth_mech)(m + AUTH_PLAIN)));
        json_uint(j, "attempts", t->attempts);
        json_uint(j, "authenticated", t->authenticated);
        json_uint(j, "refused", t->refused);
        json_object(j, "refused_codes");
        unsigned ix[AUTHSTATS_CODES], n = by_code(t, ix);
        for (unsigned i = 0; i < n; i++) {
            char code[8];
            snprintf(code, sizeof(code), "%u", t->code[ix[i]].code);
            json_uint(j, code, t->code[ix[i]].count);
        }
        if (t->code_other)
            json_uint(j, "other", t->code_other);
        json_end(j);
        json_uint(j, "given_up", t->given_up);
        json_uint(j, "unanswered", t->unanswered);
        json_end(j);
    }
    json_end(j);
    json_end(j);
}
