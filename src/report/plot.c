/* plot: a run as one SVG file: rates and latencies per interval, the
 * latency distributions, and a workload's dot phase by size, from the
 * stats, the intervals and the workload part. */
#include "report/plot.h"

#include "report/mix.h"
#include "report/svg.h"
#include "report/stalls.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIDTH 960
#define LEFT 80                 /* room for the y axis' labels */
#define RIGHT 200               /* room for the legend */
#define PANEL_H 240
#define GAP 70
#define TOP 80

static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

/* Values are rounded as the JSON rounds them, so the two agree. */
static double r3(double v)
{
    return isnan(v) ? v : round(v * 1000) / 1000;
}

enum { S_OFFERED, S_ACHIEVED, S_C50, S_C99, S_CMAX, S_S50, S_S99, S_SMAX, S_COUNT };

static const struct svg_series series[S_COUNT] = {
    { "offered", "offered", "#888", "6,4", 2 },
    { "achieved", "achieved", "#1b7837", 0, 2 },
    { "corrected-p50", "corrected p50", "#d6604d", 0, 1.5 },
    { "corrected-p99", "corrected p99", "#b2182b", 0, 2.5 },
    { "corrected-max", "corrected max", "#67001f", "2,3", 1.5 },
    { "service-p50", "service p50", "#4393c3", 0, 1.5 },
    { "service-p99", "service p99", "#2166ac", 0, 2.5 },
    { "service-max", "service max", "#053061", "2,3", 1.5 },
};

/* --rate: each stall (a stretch in which nothing was sent while messages
 * were due: stalls.h) shaded across the panel and labelled, so that the
 * gap in the lines, and the latencies that land in the interval after it,
 * read as what they are. */
static void stall_bands(FILE *out, const struct stats *st, const struct svg_panel *p)
{
    if (!st->scheduled || st->ol.tl.n == 0)
        return;
    struct stall_cursor c = { 0 };
    struct stall s;
    while (stalls_next(&st->ol.tl, &c, &s)) {
        double a = (double)s.from_us / 1e6, b = (double)s.to_us / 1e6;
        if (a > p->x1)
            break;
        if (b > p->x1)
            b = p->x1;
        /* A moment at the start, before the first reply, is no finding. */
        if (b - a < (p->x1 - p->x0) / 50)
            continue;
        double x0 = svg_px(p, a), x1 = svg_px(p, b);
        fprintf(out, "<rect class=\"stall\" data-from=\"%.3f\" data-to=\"%.3f\" x=\"%.1f\" "
                "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f4a582\" "
                "fill-opacity=\"0.35\"><title>stall: nothing completed from %.3f s to %.3f s"
                "</title></rect>\n<text class=\"stall-label\" x=\"%.1f\" y=\"%.1f\" "
                "font-size=\"10\" fill=\"#b2182b\">stall %.1f s</text>\n",
                a, b, x0, p->py1, x1 - x0 > 1 ? x1 - x0 : 1, p->py0 - p->py1, a, b, x0 + 2,
                p->py1 + 12, b - a);
    }
}

static void rates(FILE *out, const struct stats *st, double **v, const double *x, size_t n,
                  double t_end, double top)
{
    const struct intervals *iv = &st->iv;
    double peak = 0;
    for (size_t i = 0; i < n; i++)
        for (int s = S_OFFERED; s <= S_ACHIEVED; s++)
            if (!isnan(v[s][i]) && v[s][i] > peak)
                peak = v[s][i];
    double step = svg_nice(peak * 1.1 / 5), ymax = step * ceil(peak * 1.1 / step);
    struct svg_panel p = { "rate", LEFT, WIDTH - RIGHT, top + PANEL_H, top, 0, t_end, 0,
                       ymax > 0 ? ymax : step, 0 };
    svg_panel_open(out, &p, "Messages per second, per interval", "seconds since the start",
               "messages/s");
    svg_linear_y(out, &p);
    svg_linear_x(out, &p, 8);
    stall_bands(out, st, &p);
    int row = 0;
    for (int s = iv->scheduled ? S_OFFERED : S_ACHIEVED; s <= S_ACHIEVED; s++) {
        svg_points(out, &p, &series[s], x, v[s], n, "/s");
        svg_legend(out, &p, row++, &series[s]);
    }
    fputs("</g>\n", out);
}

static void latencies(FILE *out, const struct stats *st, double **v, const double *x, size_t n,
                      double t_end, double top)
{
    int first = st->iv.scheduled ? S_C50 : S_S50;
    double lo = INFINITY, hi = 0;
    for (int s = first; s <= S_SMAX; s++) {
        double a, b;
        svg_decades(v[s], n, &a, &b);
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    struct svg_panel p = { "latency", LEFT, WIDTH - RIGHT, top + PANEL_H, top, 0, t_end, lo, hi, 1 };
    svg_panel_open(out, &p, "Latency per interval (log scale)", "seconds since the start", "ms");
    svg_log_y(out, &p);
    svg_linear_x(out, &p, 8);
    stall_bands(out, st, &p);
    for (int s = first, row = 0; s <= S_SMAX; s++, row++) {
        svg_points(out, &p, &series[s], x, v[s], n, "ms");
        svg_legend(out, &p, row, &series[s]);
    }
    fputs("</g>\n", out);
}

/* Percentile q as "nines": 0 at 0%, 1 at 90%, 2 at 99%, ... 4 at 99.99%. */
#define CURVE_POINTS 161

static void distribution(FILE *out, const struct stats *st, double top)
{
    const struct hist *h[2] = { &st->ol.corrected, &st->ol.service };
    static const struct svg_series curve[2] = {
        { "corrected", "corrected", "#b2182b", 0, 2 },
        { "service", "service", "#2166ac", 0, 2 },
    };
    struct svg_series message = { "message", "message", "#2166ac", 0, 2 };
    int from = 0;
    if (!st->scheduled) {
        /* Without --rate the service time is the message phase. */
        h[1] = &st->phase[PH_MESSAGE];
        from = 1;
    }
    double x[CURVE_POINTS], v[2][CURVE_POINTS];
    double lo = INFINITY, hi = 0;
    for (int c = from; c < 2; c++) {
        for (int i = 0; i < CURVE_POINTS; i++) {
            x[i] = 4.0 * i / (CURVE_POINTS - 1);
            double q = 1 - pow(10, -x[i]);
            v[c][i] = h[c]->count ? ms(hist_quantile(h[c], q)) : NAN;
        }
        double a, b;
        svg_decades(v[c], CURVE_POINTS, &a, &b);
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    struct svg_panel p = { "percentiles", LEFT, WIDTH - RIGHT, top + PANEL_H, top, 0, 4, lo, hi, 1 };
    svg_panel_open(out, &p, "Latency by percentile (whole run)", "percentile", "ms");
    svg_log_y(out, &p);
    static const char *const nines[] = { "0%", "90%", "99%", "99.9%", "99.99%" };
    for (int i = 0; i <= 4; i++)
        svg_grid_x(out, &p, i, nines[i]);
    for (int c = from; c < 2; c++) {
        const struct svg_series *s = st->scheduled ? &curve[c] : &message;
        svg_polyline(out, &p, s, x, v[c], CURVE_POINTS);
        svg_legend(out, &p, c - from, s);
    }
    fputs("</g>\n", out);
}

/* A workload run: the dot phase (or BDAT) by size class, p50 and p99 on
 * a log scale, the classes (powers of 4 from 1 KB) along x, so that the
 * operator sees how the server's time grows with the message's size.
 * Each point carries its class's lower edge in bytes and its count. */
static void by_size(FILE *out, const struct mix *m, double top)
{
    static const struct svg_series curve[2] = {
        { "dot-p50", "dot p50", "#4393c3", 0, 1.5 },
        { "dot-p99", "dot p99", "#2166ac", 0, 2.5 },
    };
    static const double q[2] = { 0.5, 0.99 };
    int first = -1, last = -1;
    for (int c = 0; c < MIX_CLASSES; c++)
        if (m->dot[c].count) {
            first = first < 0 ? c : first;
            last = c;
        }
    size_t n = (size_t)(last - first + 1);
    double x[MIX_CLASSES], v[2][MIX_CLASSES];
    for (size_t i = 0; i < n; i++) {
        const struct hist *h = &m->dot[first + (int)i];
        x[i] = first + (double)i;
        for (int k = 0; k < 2; k++)
            v[k][i] = h->count ? ms(hist_quantile(h, q[k])) : NAN;
    }
    double lo = INFINITY, hi = 0;
    for (int k = 0; k < 2; k++) {
        double a, b;
        svg_decades(v[k], n, &a, &b);
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    struct svg_panel p = { "size", LEFT, WIDTH - RIGHT, top + PANEL_H, top, first - 0.5,
                           last + 0.5, lo, hi, 1 };
    svg_panel_open(out, &p, "Dot phase by message size (whole run, log scale)",
                   "message size (as stored)", "ms");
    svg_log_y(out, &p);
    for (size_t i = 0; i < n; i++) {
        char name[48];
        mix_class_name(first + (int)i, name, sizeof(name));
        /* "< 1k" is markup's "<": the label goes in as character data. */
        svg_grid_x(out, &p, x[i], name[0] == '<' ? "&lt; 1k" : name);
    }
    for (int k = 0; k < 2; k++) {
        svg_polyline(out, &p, &curve[k], x, v[k], n);
        for (size_t i = 0; i < n; i++) {
            int c = first + (int)i;
            if (isnan(v[k][i]) || v[k][i] <= 0)
                continue;
            fprintf(out, "<circle class=\"pt\" data-series=\"%s\" data-from-bytes=\"%llu\" "
                    "data-count=\"%llu\" data-value=\"%.3f\" cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" "
                    "fill=\"%s\"><title>%s from %llu bytes: %.3f ms of %llu messages</title>"
                    "</circle>\n", curve[k].name, (unsigned long long)mix_class_from(c),
                    (unsigned long long)m->dot[c].count, v[k][i], svg_px(&p, x[i]),
                    svg_py(&p, v[k][i]), curve[k].color, curve[k].label,
                    (unsigned long long)mix_class_from(c), v[k][i],
                    (unsigned long long)m->dot[c].count);
        }
        svg_legend(out, &p, k, &curve[k]);
    }
    fputs("</g>\n", out);
}

/* The workload has a dot phase by size to draw: messages in two size
 * classes at least (one class is one point: nothing grows with size). */
static int has_sizes(const struct mix *m)
{
    int classes = 0;
    for (int c = 0; m && c < MIX_CLASSES; c++)
        if (m->dot[c].count)
            classes++;
    return classes >= 2;
}

void plot_title(char *out, size_t len, const struct stats *st, const struct run_info *ri)
{
    char load[64], size[48] = "", date[40] = "", outcome[96];
    if (st->scheduled)
        snprintf(load, sizeof(load), "%.6g/s offered, %u sessions",
                 (double)st->ol.rate.num / (double)(st->ol.rate.den ? st->ol.rate.den : 1),
                 ri->sessions);
    else
        snprintf(load, sizeof(load), "%u sessions", ri->sessions);
    if (st->sent > 0)
        snprintf(size, sizeof(size), ", %.0f bytes sent a message",
                 (double)st->bytes / (double)st->sent);
    if (st->t0_unix_us > 0) {
        time_t t = (time_t)(st->t0_unix_us / 1000000);
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(date, sizeof(date), ", %Y-%m-%d %H:%M:%SZ", &tm);
    }
    /* What came of it: a schedule that sent too little fell short. */
    if (ri->interrupted || ri->fatal)
        snprintf(outcome, sizeof(outcome), "%s", ri->status ? ri->status : "interrupted");
    else if (st->scheduled && st->ol.due > 0
             && (double)st->ol.sent < OPENLOOP_SHORTFALL * (double)st->ol.due)
        snprintf(outcome, sizeof(outcome), "shortfall: %lld of %lld due sent",
                 (long long)st->ol.sent, (long long)st->ol.due);
    else
        snprintf(outcome, sizeof(outcome), "%s", ri->status ? ri->status : "completed");
    snprintf(out, len, "smtp-source to %s: %s, %.1f s%s%s: %s",
             ri->target ? ri->target : "?", load,
             st->end_us > st->start_us ? (double)(st->end_us - st->start_us) / 1e6 : 0.0, size,
             date, outcome);
}

void plot_svg(FILE *out, const struct stats *st, const struct mix *mix, const char *title)
{
    const struct intervals *iv = &st->iv;
    size_t n = iv->n;
    double *x = calloc(n + 1, sizeof(double));
    double *vals[S_COUNT];
    for (int s = 0; s < S_COUNT; s++)
        vals[s] = calloc(n + 1, sizeof(double));
    double t_end = 0;
    for (size_t i = 0; i < n && x; i++) {
        struct interval_figures f;
        intervals_figures(iv, i, &f);
        x[i] = f.start_s + f.len_s / 2;
        t_end = f.start_s + f.len_s;
        int any = iv->v[i].service.count > 0, cany = iv->v[i].corrected.count > 0;
        double row[S_COUNT] = {
            r3(iv->scheduled ? f.offered_per_s : NAN), r3(f.achieved_per_s),
            cany ? ms(f.corrected[0]) : NAN, cany ? ms(f.corrected[1]) : NAN,
            cany ? ms(f.corrected[2]) : NAN,
            any ? ms(f.service[0]) : NAN, any ? ms(f.service[1]) : NAN,
            any ? ms(f.service[2]) : NAN,
        };
        for (int s = 0; s < S_COUNT; s++)
            if (vals[s])
                vals[s][i] = row[s];
    }
    int ok = x != 0;
    for (int s = 0; s < S_COUNT; s++)
        ok = ok && vals[s] != 0;
    if (t_end <= 0)
        t_end = 1;

    int panels = has_sizes(mix) ? 4 : 3;
    svg_begin(out, WIDTH, TOP + panels * PANEL_H + (panels - 1) * GAP + 60, title);
    if (ok && st->has_intervals) {
        rates(out, st, vals, x, n, t_end, TOP);
        latencies(out, st, vals, x, n, t_end, TOP + PANEL_H + GAP);
    } else {
        fprintf(out, "<text class=\"no-intervals\" x=\"%d\" y=\"%d\" font-size=\"14\">%s"
                "</text>\n", LEFT, TOP + PANEL_H, PLOT_NO_INTERVALS);
    }
    distribution(out, st, TOP + 2 * (PANEL_H + GAP));
    if (panels == 4)
        by_size(out, mix, TOP + 3 * (PANEL_H + GAP));
    svg_end(out);
    free(x);
    for (int s = 0; s < S_COUNT; s++)
        free(vals[s]);
}
