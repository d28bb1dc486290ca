/* mix: the workload's part of the report. */
#include "report/mix.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void text(const void *ctx, FILE *out);
static void json(const void *ctx, struct json *j);

void mix_init(struct mix *m, uint64_t seed, const char *size_text)
{
    memset(m, 0, sizeof(*m));
    m->seed = seed;
    m->size_text = size_text;
    hist_init(&m->size);
    hist_init(&m->rcpts);
    for (int i = 0; i < MIX_CLASSES; i++)
        hist_init(&m->dot[i]);
    m->part = (struct report_addendum){ text, json, m, 0 };
}

int mix_class(uint64_t size)
{
    int c = 0;
    for (uint64_t edge = 1024; c < MIX_CLASSES - 1 && size >= edge; edge *= 4)
        c++;
    return c;
}

void mix_add(struct mix *m, const struct record *r)
{
    /* What the server received: messages whose content went out and was
     * answered (the dot or BDAT LAST), accepted or not. A message refused
     * before (too large, a rejected MAIL, every RCPT refused) sent no
     * content: counting it would report bytes that were never sent. */
    if (r->type != REC_MESSAGE || (r->flags & RF_NOT_DONE))
        return;
    int ph = r->phase_mask & (1u << PH_DOT) ? PH_DOT
           : r->phase_mask & (1u << PH_BDAT) ? PH_BDAT : -1;
    if (ph < 0 && !(r->flags & RF_SENT))
        return;
    if (r->rcpt_sent)
        hist_add(&m->rcpts, r->rcpt_sent);
    if (!m->size_text || r->msg_size == 0)
        return;
    hist_add(&m->size, r->msg_size);
    m->size_total += r->msg_size;
    if (ph >= 0)
        hist_add(&m->dot[mix_class(r->msg_size)], r->phase_us[ph]);
}

uint64_t mix_class_from(int c)
{
    return c ? 1024ULL << (2 * (c - 1)) : 0;
}

void mix_class_name(int c, char *out, size_t len)
{
    if (c == 0) {
        snprintf(out, len, "< 1k");
        return;
    }
    uint64_t lo = 1024ULL << (2 * (c - 1)), hi = lo * 4;
    const char *u = lo >= 1048576 ? "m" : "k";
    uint64_t d = lo >= 1048576 ? 1048576 : 1024;
    if (c == MIX_CLASSES - 1)
        snprintf(out, len, ">= %" PRIu64 "%s", lo / d, u);
    else
        snprintf(out, len, "%" PRIu64 "%s-%" PRIu64 "%s", lo / d, u,
                 hi / (hi >= 1048576 ? 1048576 : 1024), hi >= 1048576 ? "m" : "k");
}

static void text(const void *ctx, FILE *out)
{
    const struct mix *m = ctx;
    fprintf(out, "  workload    seed %" PRIu64 " (--seed=%" PRIu64 " repeats it)\n", m->seed,
            m->seed);
    if (m->size.count)
        fprintf(out, "  sizes       %s: min %" PRIu64 ", p50 %" PRIu64 ", p99 %" PRIu64
                ", max %" PRIu64 ", total %" PRIu64 " bytes\n", m->size_text, m->size.min,
                hist_quantile(&m->size, 0.5), hist_quantile(&m->size, 0.99), m->size.max,
                m->size_total);
    if (m->rcpts.count)
        fprintf(out, "  rcpts/msg   min %" PRIu64 ", mean %.2f, max %" PRIu64 "\n", m->rcpts.min,
                hist_mean(&m->rcpts), m->rcpts.max);
    for (int c = 0; c < MIX_CLASSES; c++) {
        const struct hist *h = &m->dot[c];
        char name[48];
        if (!h->count)
            continue;
        mix_class_name(c, name, sizeof(name));
        fprintf(out, "  dot %-9s %6" PRIu64 " msgs, ms p50 %.3f, p99 %.3f, max %.3f\n", name,
                h->count, hist_quantile(h, 0.5) / 1000.0, hist_quantile(h, 0.99) / 1000.0,
                h->max / 1000.0);
    }
}

/* Non-empty buckets as [low, high, count], as the latency histograms
 * write theirs (statsjson.c): what --merge adds up exactly. */
static void buckets(struct json *j, const struct hist *h)
{
    json_array(j, "buckets");
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        if (h->bucket[i] == 0)
            continue;
        json_array(j, 0);
        json_uint(j, 0, hist_bucket_low(i));
        json_uint(j, 0, hist_bucket_high(i));
        json_uint(j, 0, h->bucket[i]);
        json_end(j);
    }
    json_end(j);
}

static void json(const void *ctx, struct json *j)
{
    const struct mix *m = ctx;
    json_object(j, "workload");
    json_uint(j, "seed", m->seed);
    if (m->size_text)
        json_string(j, "size_spec", m->size_text);
    else
        json_null(j, "size_spec");
    json_object(j, "sizes");
    json_uint(j, "count", m->size.count);
    json_uint(j, "min", m->size.count ? m->size.min : 0);
    json_uint(j, "p50", hist_quantile(&m->size, 0.5));
    json_uint(j, "p99", hist_quantile(&m->size, 0.99));
    json_uint(j, "max", m->size.max);
    json_uint(j, "total_bytes", m->size_total);
    buckets(j, &m->size);
    json_end(j);
    json_object(j, "recipients_per_message");
    json_uint(j, "count", m->rcpts.count);
    json_uint(j, "min", m->rcpts.count ? m->rcpts.min : 0);
    json_double(j, "mean", hist_mean(&m->rcpts), 3);
    json_uint(j, "max", m->rcpts.max);
    json_uint(j, "sum", m->rcpts.sum);
    buckets(j, &m->rcpts);
    json_end(j);
    json_array(j, "dot_by_size");
    for (int c = 0; c < MIX_CLASSES; c++) {
        const struct hist *h = &m->dot[c];
        if (!h->count)
            continue;
        json_object(j, 0);
        json_uint(j, "from_bytes", mix_class_from(c));
        if (c < MIX_CLASSES - 1)
            json_uint(j, "below_bytes", 1024ULL << (2 * c));
        else
            json_null(j, "below_bytes");
        json_uint(j, "count", h->count);
        json_uint(j, "p50_us", hist_quantile(h, 0.5));
        json_uint(j, "p99_us", hist_quantile(h, 0.99));
        json_uint(j, "max_us", h->max);
        json_uint(j, "min_us", h->min);
        json_uint(j, "sum_us", h->sum);
        buckets(j, h);
        json_end(j);
    }
    json_end(j);
    json_end(j);
}
