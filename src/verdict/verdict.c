/* verdict: the run's thresholds as one judgement, and its report. */
#include "verdict/verdict.h"

#include <stdio.h>
#include <string.h>

int verdict_add(struct verdict *v, const char *text, char *why, size_t len)
{
    char reason[160];
    if (v->n >= THRESHOLDS_MAX) {
        snprintf(why, len, "--fail-if=%s: more than %d thresholds", text, THRESHOLDS_MAX);
        return -1;
    }
    if (threshold_parse(text, &v->th[v->n], reason, sizeof(reason)) < 0) {
        snprintf(why, len, "--fail-if=%s: %s (%s)", text, reason, THRESHOLD_FORMS);
        return -1;
    }
    v->n++;
    return 0;
}

void verdict_init(struct verdict *v, const struct config *cfg, const char *const *defaults)
{
    char why[1024];
    memset(v, 0, sizeof(*v));
    /* options_parse has refused any bad one already. */
    for (int i = 0; i < cfg->fail_if_n; i++)
        verdict_add(v, cfg->fail_if[i], why, sizeof(why));
    for (unsigned i = 0; cfg->fail_if_n == 0 && defaults && defaults[i]; i++)
        verdict_add(v, defaults[i], why, sizeof(why));
    v->addendum = (struct report_addendum){ verdict_text, verdict_json, v, 0 };
}

int verdict_judge(struct verdict *v, const struct stats *st, struct run_info *ri)
{
    v->failed = 0;
    for (unsigned i = 0; i < v->n; i++) {
        threshold_judge(&v->th[i], st, &v->res[i]);
        v->failed |= !v->res[i].passed;
    }
    v->judged = 1;
    if (ri && v->n) {
        run_info_add(ri, &v->addendum);
        ri->thresholds_failed = v->failed;
    }
    return v->failed;
}

void verdict_text(const void *ctx, FILE *out)
{
    const struct verdict *v = ctx;
    for (unsigned i = 0; i < v->n; i++)
        fprintf(out, "  threshold   %s: %s (%s)\n", v->th[i].text,
                v->res[i].passed ? "passed" : "FAILED", v->res[i].shown);
}

void verdict_json(const void *ctx, struct json *j)
{
    const struct verdict *v = ctx;
    json_array(j, "thresholds");
    for (unsigned i = 0; i < v->n; i++) {
        const struct threshold_result *r = &v->res[i];
        json_object(j, 0);
        json_string(j, "expression", v->th[i].text);
        if (r->known && v->th[i].metric == TH_COUNT && v->th[i].unit == TH_NUMBER)
            json_int(j, "value", (long long)r->value);
        else if (r->known)
            json_double(j, "value", r->value, 3);
        else
            json_null(j, "value");
        json_string(j, "unit", r->unit);
        json_bool(j, "passed", r->passed);
        json_end(j);
    }
    json_end(j);
}
