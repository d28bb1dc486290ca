/* merge: the shards' reports checked to be one run's, and added up. Two
 * passes over the texts: the first checks every report and finds the
 * run's t0 (which the shards' places in time depend on), the second adds
 * them up; one report's numbers are in memory at a time. */
#include "merge/merge.h"

#include "core/diag.h"
#include "merge/mergeadd.h"
#include "merge/mergeread.h"
#include "report/results.h"
#include "run/schedule.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int refuse(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Up to max bytes of a report's text, as every message shows text (see
 * diag_censor), into buf of at least max + 1. Censored here, where the
 * message is made: the refusal reaches its printer verbatim. */
static const char *shown(const char *text, char *buf, size_t max)
{
    size_t n = strnlen(text, max);
    diag_censor(buf, text, n);
    buf[n] = 0;
    return buf;
}

/* A value as it reads in the report, for the message naming a difference. */
static void value_text(const struct jr_doc *d, const struct jr_node *n, char *buf, size_t len)
{
    char s[41];
    if (n == 0)
        snprintf(buf, len, "absent");
    else if (n->type == JR_NUMBER)
        snprintf(buf, len, "%.*s", (int)n->len, d->text + n->str);
    else if (n->type == JR_STRING)
        snprintf(buf, len, "\"%s\"", shown(jr_str(d, n, 0), s, sizeof(s) - 1));
    else
        snprintf(buf, len, "%s", n->type == JR_NULL ? "null" : n->type == JR_BOOL
                 ? (n->truth ? "true" : "false") : "[...]");
}

/* The first key of the identity that differs between two reports, or NULL. */
static const char *identity_differs(const struct part *a, const struct part *b,
                                    const struct jr_node **x, const struct jr_node **y)
{
    const struct part *p[2] = { a, b };
    for (int k = 0; k < 2; k++) {
        for (const struct jr_node *c = jr_first(&p[k]->doc, p[k]->identity); c;
             c = jr_next(&p[k]->doc, c)) {
            const char *key = jr_key(&p[k]->doc, c);
            *x = jr_get(&a->doc, a->identity, key);
            *y = jr_get(&b->doc, b->identity, key);
            if (!jr_equal(&a->doc, *x, &b->doc, *y))
                return key;
        }
    }
    return 0;
}

/* A --size as it reads in a message: quoted, or null. */
static const char *spec_text(const char *spec, char *buf, size_t len)
{
    char s[41];
    if (spec)
        snprintf(buf, len, "\"%s\"", shown(spec, s, sizeof(s) - 1));
    else
        snprintf(buf, len, "null");
    return buf;
}

/* Every choice of a workload is a function of the seed and the slot: the
 * shards of one run share the seed and --size, and a shard with another
 * seed sent other messages than the run's. */
static int workload_check(const struct part *f, const struct part *p, const char *name,
                          const char *first, char *why, size_t len)
{
    char a[64], b[64];
    if (!f->mix != !p->mix)
        return refuse(why, len, "%s: another run than %s: \"workload\" differs (%s, not %s)",
                      name, first, p->mix ? "present" : "absent", f->mix ? "present" : "absent");
    if (p->mix == 0)
        return 0;
    if (p->mix->seed != f->mix->seed)
        return refuse(why, len, "%s: another run than %s: \"workload.seed\" differs (%llu, not "
                      "%llu): the shards of one run share one --seed", name, first,
                      (unsigned long long)p->mix->seed, (unsigned long long)f->mix->seed);
    const char *x = p->mix->size_text, *y = f->mix->size_text;
    if (!x != !y || (x && strcmp(x, y) != 0))
        return refuse(why, len, "%s: another run than %s: \"workload.size_spec\" differs (%s, "
                      "not %s)", name, first, spec_text(x, a, sizeof(a)), spec_text(y, b, sizeof(b)));
    return 0;
}

/* What the first pass learns. */
struct survey {
    struct part first;            /* kept: the others are compared with it */
    uint32_t *owner;              /* per shard: its input + 1, 0 none yet */
    int64_t t0, due;
    unsigned sessions;
    int tls;                      /* the TLS mode of a shard that had TLS, or 0 */
};

/* Part p's settings, as the merge's place-th shard's. */
static int note_settings(struct merged_settings *ms, uint32_t place, const struct part *p,
                         const char *name, char *why, size_t len)
{
    char what[192];
    for (unsigned k = 0; k < p->settings_n; k++)
        if (settings_note(ms, place, p->setting_key[k], &p->setting[k], what, sizeof(what)) < 0)
            return refuse(why, len, "%s: %s", name, what);
    return 0;
}

/* Checks report i against the first; records where it sits. */
static int check(struct survey *sv, const struct merge_input *in, size_t i, struct part *p,
                 struct merge_result *res, char *why, size_t len)
{
    const char *name = in[i].name, *first = in[0].name;
    const struct jr_node *x, *y;
    if (i > 0 && p->sharded != sv->first.sharded)
        return refuse(why, len, "%s: %s report mixed with %s one (%s): not the parts of one run",
                      name, p->sharded ? "a shard's" : "an unsharded", p->sharded ? "an unsharded"
                      : "a shard's", first);
    const char *key = i > 0 ? identity_differs(&sv->first, p, &x, &y) : 0;
    if (key) {
        char a[64], b[64], k[65];
        value_text(&p->doc, y, a, sizeof(a));
        value_text(&sv->first.doc, x, b, sizeof(b));
        return refuse(why, len, "%s: another run than %s: \"run.identity.%s\" differs (%s, not %s)",
                      name, first, shown(key, k, sizeof(k) - 1), a, b);
    }
    if (i > 0 && workload_check(&sv->first, p, name, first, why, len) < 0)
        return -1;
    uint32_t k = p->shard.index;
    if (sv->owner[k])
        return refuse(why, len, "%s: shard %u/%u twice (also %s)", name, k, p->shard.count,
                      in[sv->owner[k] - 1].name);
    sv->owner[k] = (uint32_t)i + 1;
    if (note_settings(&res->merged.settings, res->merged.n, p, name, why, len) < 0)
        return -1;
    struct merged_shard *ms = &res->merged.shard[res->merged.n];
    ms->place = res->merged.n++;
    ms->index = k;
    ms->t0_unix_us = p->st->t0_unix_us;
    ms->start_lag_us = p->st->start_lag_us;
    snprintf(ms->status, sizeof(ms->status), "%s", p->status ? p->status : "");
    if (i == 0 || p->st->t0_unix_us < sv->t0)
        sv->t0 = p->st->t0_unix_us;
    if (sv->tls == 0)
        sv->tls = p->tls;
    int64_t due = p->id.rate_on ? p->st->ol.due : 0;
    if (due > INT64_MAX - sv->due)
        return refuse(why, len, "%s: \"schedule.due\": the reports' sum does not fit 64 bits", name);
    if (p->sessions > UINT_MAX - sv->sessions)
        return refuse(why, len, "%s: \"sessions\": the reports' sum does not fit %u", name, UINT_MAX);
    sv->due += due;
    sv->sessions += p->sessions;
    return 0;
}

static int by_index(const void *a, const void *b)
{
    const struct merged_shard *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The result's frame, from the first report and the survey. */
static int setup(struct merge_result *res, const struct survey *sv)
{
    const struct part *f = &sv->first;
    struct run_id *id = &res->id;
    *id = f->id;
    id->sharded = 0;
    id->shard = (struct shard){ 0, f->shard.count };
    res->st = malloc(sizeof(*res->st));
    if (res->st == 0)
        return -1;
    struct stats *st = res->st;
    stats_init(st, id->messages);
    if (id->rate_on) {
        stats_schedule(st, &id->rate, sv->due, sv->sessions, id->duration_ns);
        st->ol.run_slots = id->messages;
        st->ol.offer_end_us = 0;
    }
    if (id->interval_us)
        stats_intervals(st, id->interval_us * 1000, id->rate_on ? &id->rate : 0, id->messages);
    st->per_interval = id->interval_us != 0;
    st->start_us = 1;   /* elapsed is end_us - start_us, and end_us 0 means "not yet" */
    st->end_us = 1;
    st->t0_unix_us = sv->t0;
    snprintf(res->target, sizeof(res->target), "%s", f->target ? f->target : "");
    struct run_info *ri = &res->ri;
    ri->sessions = sv->sessions;
    ri->target = res->target;
    ri->rcpts_per_message = id->rcpts;
    ri->lmtp = id->lmtp;
    ri->reuse = id->reuse;
    /* Settings are the shards' own: what all of them agree on, or what
     * the report says of each (see stats.c, statsjson.c). */
    const struct merged_settings *ms = &res->merged.settings;
    const struct merged_setting *verify = settings_find(ms, "tls_verify"), *auth = settings_find(ms, "auth");
    ri->tls = sv->tls;
    ri->tls_verify = verify && verify->n == 1 && verify->v[0].kind == SETTING_BOOL && verify->v[0].num;
    if (auth && auth->n > 1)
        snprintf(res->auth, sizeof(res->auth), "not the same in every shard");
    else if (auth && auth->v[0].kind == SETTING_STRING)
        snprintf(res->auth, sizeof(res->auth), "%s", auth->v[0].text);
    ri->auth_mech = res->auth[0] ? res->auth : 0;
    ri->id = id;
    ri->merged = &res->merged;
    res->merged.expected = f->shard.count;
    if (f->mix) {
        /* The workload part, after the run's own parts as in a run. */
        const char *spec = f->mix->size_text;
        size_t n = spec ? strlen(spec) : 0;
        if ((res->mix = malloc(sizeof(*res->mix))) == 0
            || (spec && (res->size_text = malloc(n + 1)) == 0))
            return -1;
        if (spec) {
            diag_censor(res->size_text, spec, n);
            res->size_text[n] = 0;
        }
        mix_init(res->mix, f->mix->seed, res->size_text);
        if (f->mix->rcpts_drawn)
            ri->rcpts_per_message = 0;
        run_info_add(ri, &res->mix->part);
        ri->mix = res->mix;
    }
    return 0;
}

static int missing(struct merge_result *res, const struct survey *sv)
{
    struct merged *m = &res->merged;
    m->missing = malloc(m->expected * sizeof(*m->missing));
    if (m->missing == 0)
        return -1;
    for (uint32_t k = 0; k < m->expected; k++)
        if (!sv->owner[k])
            m->missing[m->missing_n++] = k;
    return 0;
}

/* Under --rate, the missing shards' slots were due all the same, to the
 * end of the offer the others saw: the run's due counts them, and the
 * figures that need every message are not given. */
static int schedule_missing(struct merge_result *res)
{
    struct stats *st = res->st;
    struct openloop *ol = &st->ol;
    const struct merged *m = &res->merged;
    if (!st->scheduled || m->missing_n == 0)
        return 0;
    ol->missing_shards = m->missing_n;
    size_t used = 0;
    for (uint32_t i = 0; i < m->missing_n; i++) {
        struct shard sh = { m->missing[i], m->expected };
        int64_t k = schedule_slots_within(&ol->rate, ol->offer_end_us * 1000);
        ol->due += shard_owned(&sh, k < ol->run_slots ? k : ol->run_slots);
        if (timeline_due(&ol->tl, &ol->rate, 0, &sh, ol->run_slots, ol->offer_end_us, 0) < 0)
            return -1;
        if (st->has_intervals && intervals_due(&st->iv, &sh, ol->run_slots, ol->offer_end_us) < 0)
            return -1;
        /* The names, as many as fit. */
        int n = snprintf(ol->missing + used, sizeof(ol->missing) - used, "%s%u/%u",
                         i ? ", " : "", sh.index, sh.count);
        if (n < 0 || (size_t)n >= sizeof(ol->missing) - used) {
            snprintf(ol->missing + (used < sizeof(ol->missing) - 4 ? used : sizeof(ol->missing) - 4),
                     4, "...");
            used = sizeof(ol->missing) - 1;
        } else {
            used += (size_t)n;
        }
    }
    return 0;
}

int merge_reports(const struct merge_input *in, size_t n, struct merge_result *res, char *why,
                  size_t len)
{
    struct survey sv;
    struct part p;
    int rc = -1;
    memset(res, 0, sizeof(*res));
    memset(&sv, 0, sizeof(sv));
    memset(&p, 0, sizeof(p));
    res->merged.shard = calloc(n, sizeof(*res->merged.shard));
    res->merged.settings.of = calloc(n ? n : 1, SETTINGS_MAX);
    res->merged.settings.shards = (uint32_t)n;
    if (n == 0 || res->merged.shard == 0 || res->merged.settings.of == 0)
        return refuse(why, len, n ? "out of memory" : "no report to merge");
    for (size_t i = 0; i < n; i++) {
        struct part *cur = i == 0 ? &sv.first : &p;
        char what[256];
        if (part_read(cur, in[i].text, in[i].len, what, sizeof(what)) < 0) {
            refuse(why, len, "%s: %s", in[i].name, what);
            goto out_part;
        }
        if (i == 0 && (sv.owner = calloc(cur->shard.count, sizeof(*sv.owner))) == 0) {
            refuse(why, len, "out of memory");
            goto out_part;
        }
        if (check(&sv, in, i, cur, res, why, len) < 0)
            goto out_part;
        if (i > 0)
            part_free(&p);
    }
    qsort(res->merged.shard, res->merged.n, sizeof(*res->merged.shard), by_index);
    if (settings_close(&res->merged.settings, why, len) < 0)
        goto out;
    if (setup(res, &sv) < 0 || missing(res, &sv) < 0) {
        refuse(why, len, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct part *cur = i == 0 ? &sv.first : &p;
        char what[256];
        if (i > 0 && part_read(&p, in[i].text, in[i].len, what, sizeof(what)) < 0) {
            refuse(why, len, "%s: %s", in[i].name, what);
            goto out_part;
        }
        const char *key = 0;
        int e = mergeadd(res, cur, cur->st->t0_unix_us - sv.t0, &key);
        if (i > 0)
            part_free(&p);
        if (e == MERGEADD_OVERFLOW) {
            refuse(why, len, "%s: \"%s\": the reports' sum does not fit 64 bits", in[i].name, key);
            goto out;
        }
        if (e < 0) {
            refuse(why, len, "%s: out of memory, or a timeline's count beyond 32 bits", in[i].name);
            goto out;
        }
    }
    struct stats *st = res->st;
    if (st->has_intervals)
        intervals_finish(&st->iv, (int64_t)(st->end_us - st->start_us));
    if (st->scheduled && (timeline_finish(&st->ol.tl, (int64_t)(st->end_us - st->start_us)) < 0
                          || schedule_missing(res) < 0)) {
        refuse(why, len, "%s: out of memory, or the run's timeline beyond its bins' reach",
               in[n - 1].name);
        goto out;
    }
    res->ri.error = res->error[0] ? res->error : 0;
    results_ending(&res->ri);
    rc = 0;
    goto out;
out_part:
    if (p.st || p.doc.node)
        part_free(&p);
out:
    part_free(&sv.first);
    free(sv.owner);
    return rc;
}

void merge_result_free(struct merge_result *res)
{
    if (res->st) {
        stats_free(res->st);
        free(res->st);
    }
    free(res->merged.shard);
    free(res->merged.missing);
    free(res->merged.settings.of);
    free(res->mix);
    free(res->size_text);
    memset(res, 0, sizeof(*res));
}

void merge_print_missing(const struct merged *m, FILE *out)
{
    fputs("missing shards ", out);
    for (uint32_t i = 0; i < m->missing_n; i++)
        fprintf(out, "%s%u/%u", i ? ", " : "", m->missing[i], m->expected);
}

int merge_exit_status(const struct merge_result *res, int unwritten)
{
    int status = results_exit_status(&res->ri, 0);
    if (status == 0 && res->merged.missing_n)
        return MERGE_EXIT_PARTIAL;
    return status ? status : results_exit_status(&res->ri, unwritten);
}

/* A whole input, within the reader's bound. */
static char *slurp(const char *name, size_t *len)
{
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    if (f == 0)
        diag_fatal("--merge %s: %s", name, strerror(errno));
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == 0)
            diag_fatal("%s: out of memory", name);
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        if (cap > JR_TEXT_MAX)
            diag_fatal("%s: more than %zu bytes: not a report", name, JR_TEXT_MAX);
        cap *= 2;
        buf = realloc(buf, cap);
    }
    if (ferror(f))
        diag_fatal("read %s: %s", name, strerror(errno));
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

int merge_run(const struct config *cfg, const struct results_judge *judge)
{
    size_t n = (size_t)cfg->merge_n;
    struct merge_input *in = calloc(n, sizeof(*in));
    if (in == 0)
        diag_fatal("out of memory");
    int stdin_used = 0;
    for (size_t i = 0; i < n; i++) {
        in[i].name = cfg->merge_files[i];
        if (strcmp(in[i].name, "-") == 0 && stdin_used++)
            diag_fatal("--merge: standard input (-) given twice");
        in[i].text = slurp(in[i].name, &in[i].len);
    }
    static struct merge_result res;
    char why[512];
    if (merge_reports(in, n, &res, why, sizeof(why)) < 0)
        diag_fatal("%s", why);
    for (size_t i = 0; i < n; i++)
        free((char *)in[i].text);
    free(in);
    if (res.merged.missing_n) {
        /* One line, however many shards are missing. */
        fprintf(stderr, "%s: ", diag_prog());
        merge_print_missing(&res.merged, stderr);
        fputs("\n", stderr);
    }
    /* Numbers whose meaning differs from shard to shard. */
    const struct merged_settings *ms = &res.merged.settings;
    for (unsigned k = 0; k < ms->n; k++) {
        if (ms->key[k].n < 2)
            continue;
        char text[512];
        settings_text(&ms->key[k], res.merged.n, text, sizeof(text));
        diag_warn("the shards differ in %s: %s", ms->key[k].key, text);
    }
    /* The whole run's stalls and shortfall, as one run would have said them. */
    char line[320];
    if (res.st->scheduled && openloop_below_half_line(&res.st->ol, line, sizeof(line)))
        diag_warn("%s", line);
    if (res.st->scheduled && openloop_shortfall_line(&res.st->ol, line, sizeof(line)))
        diag_warn("%s", line);
    if (judge)
        judge->judge(judge->ctx, res.st, &res.ri);
    static struct results rs;
    results_open(&rs, cfg);
    int status = merge_exit_status(&res, results_write(&rs, cfg, res.st, &res.ri));
    merge_result_free(&res);
    return status;
}
