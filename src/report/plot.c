/* plot: a run as one SVG file: rates and latencies per interval, and the
 * latency distributions, from the stats and the intervals. */
#include "report/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 960
#define LEFT 80                 /* room for the y axis' labels */
#define RIGHT 200               /* room for the legend */
#define PANEL_H 240
#define GAP 70
#define TOP 80

/* A panel: the plot area's pixels, and the values at its edges. */
struct panel {
    const char *id;
    double px0, px1, py0, py1;  /* left, right, bottom, top */
    double x0, x1, y0, y1;      /* x: seconds or log percentile; y: values */
    int ylog;
};

static double px(const struct panel *p, double x)
{
    return p->px0 + (x - p->x0) / (p->x1 - p->x0) * (p->px1 - p->px0);
}

static double py(const struct panel *p, double y)
{
    if (p->ylog)
        return p->py0 + (log10(y) - log10(p->y0)) / (log10(p->y1) - log10(p->y0)) * (p->py1 - p->py0);
    return p->py0 + (y - p->y0) / (p->y1 - p->y0) * (p->py1 - p->py0);
}

static void text_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            /* Control bytes are not XML; everything else passes as UTF-8. */
            fputc((unsigned char)*s < 0x20 ? '?' : *s, out);
        }
    }
}

/* 1, 2 or 5 times a power of ten, at least v. */
static double nice(double v)
{
    if (v <= 0)
        return 1;
    double p = pow(10, floor(log10(v)));
    return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

static void panel_open(FILE *out, const struct panel *p, const char *title, const char *xlabel,
                       const char *ylabel)
{
    fprintf(out, "<g class=\"panel\" id=\"%s\" data-px0=\"%.2f\" data-px1=\"%.2f\" "
            "data-py0=\"%.2f\" data-py1=\"%.2f\" data-x0=\"%.9g\" data-x1=\"%.9g\" "
            "data-y0=\"%.9g\" data-y1=\"%.9g\" data-ylog=\"%d\">\n", p->id, p->px0, p->px1,
            p->py0, p->py1, p->x0, p->x1, p->y0, p->y1, p->ylog);
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fafafa\" "
            "stroke=\"#999\"/>\n", p->px0, p->py1, p->px1 - p->px0, p->py0 - p->py1);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\">%s</text>\n",
            p->px0, p->py1 - 10, title);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            (p->px0 + p->px1) / 2, p->py0 + 36, xlabel);
    fprintf(out, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">"
            "%s</text>\n", p->px0 - 58, (p->py0 + p->py1) / 2, ylabel);
}

static void grid_y(FILE *out, const struct panel *p, double v, const char *label)
{
    double y = py(p, v);
    fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            p->px0, p->px1, y, y, p->px0 - 6, y + 4, label);
}

static void grid_x(FILE *out, const struct panel *p, double v, const char *label)
{
    double x = px(p, v);
    fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            x, x, p->py0, p->py1, x, p->py0 + 16, label);
}

static void linear_y(FILE *out, const struct panel *p)
{
    double step = nice((p->y1 - p->y0) / 5);
    char label[32];
    for (double v = p->y0; v <= p->y1 + step / 1e6; v += step) {
        snprintf(label, sizeof(label), "%g", v);
        grid_y(out, p, v, label);
    }
}

static void log_y(FILE *out, const struct panel *p)
{
    char label[32];
    for (double v = p->y0; v <= p->y1 * 1.0001; v *= 10) {
        snprintf(label, sizeof(label), "%g", v);
        grid_y(out, p, v, label);
    }
}

static void time_x(FILE *out, const struct panel *p)
{
    double step = nice((p->x1 - p->x0) / 8);
    char label[32];
    for (double v = p->x0; v <= p->x1 + step / 1e6; v += step) {
        snprintf(label, sizeof(label), "%g", v);
        grid_x(out, p, v, label);
    }
}

/* A series of points; NAN breaks the line (an interval with no value). */
struct series {
    const char *name, *label, *color, *dash;
    double width;
};

static void legend(FILE *out, const struct panel *p, int row, const struct series *s)
{
    double y = p->py1 + 14 + row * 20, x = p->px1 + 16;
    fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"%.1f\"%s%s%s/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
            x, x + 24, y, y, s->color, s->width, s->dash ? " stroke-dasharray=\"" : "",
            s->dash ? s->dash : "", s->dash ? "\"" : "", x + 30, y + 4, s->label);
}

static void polyline(FILE *out, const struct panel *p, const struct series *s, const double *x,
                     const double *v, size_t n)
{
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]) || (p->ylog && v[i] <= 0)) {
            if (open)
                fputs("\"/>\n", out);
            open = 0;
            continue;
        }
        if (!open)
            fprintf(out, "<polyline class=\"line\" data-series=\"%s\" fill=\"none\" stroke=\"%s\" "
                    "stroke-width=\"%.1f\"%s%s%s points=\"", s->name, s->color, s->width,
                    s->dash ? " stroke-dasharray=\"" : "", s->dash ? s->dash : "",
                    s->dash ? "\"" : "");
        fprintf(out, "%s%.2f,%.2f", open ? " " : "", px(p, x[i]), py(p, v[i]));
        open = 1;
    }
    if (open)
        fputs("\"/>\n", out);
}

/* The per-interval points: one circle each, with its value and a tooltip. */
static void points(FILE *out, const struct panel *p, const struct series *s, const double *x,
                   const double *v, size_t n, const char *unit)
{
    polyline(out, p, s, x, v, n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]) || (p->ylog && v[i] <= 0))
            continue;
        fprintf(out, "<circle class=\"pt\" data-series=\"%s\" data-interval=\"%zu\" "
                "data-value=\"%.3f\" cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"%s\">"
                "<title>interval %zu: %s %.3f %s</title></circle>\n", s->name, i, v[i],
                px(p, x[i]), py(p, v[i]), s->color, i, s->label, v[i], unit);
    }
}

/* The lowest and highest positive values, widened to whole decades. */
static void decades(const double *v, size_t n, double *lo, double *hi)
{
    double a = INFINITY, b = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(v[i]) && v[i] > 0) {
            a = v[i] < a ? v[i] : a;
            b = v[i] > b ? v[i] : b;
        }
    }
    if (b == 0) {
        a = 0.1;
        b = 1;
    }
    *lo = pow(10, floor(log10(a)));
    *hi = pow(10, ceil(log10(b)));
    if (*hi <= *lo)
        *hi = *lo * 10;
}

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

static const struct series series[S_COUNT] = {
    { "offered", "offered", "#888", "6,4", 2 },
    { "achieved", "achieved", "#1b7837", 0, 2 },
    { "corrected-p50", "corrected p50", "#d6604d", 0, 1.5 },
    { "corrected-p99", "corrected p99", "#b2182b", 0, 2.5 },
    { "corrected-max", "corrected max", "#67001f", "2,3", 1.5 },
    { "service-p50", "service p50", "#4393c3", 0, 1.5 },
    { "service-p99", "service p99", "#2166ac", 0, 2.5 },
    { "service-max", "service max", "#053061", "2,3", 1.5 },
};

static void rates(FILE *out, const struct stats *st, double **v, const double *x, size_t n,
                  double t_end, double top)
{
    const struct intervals *iv = &st->iv;
    double peak = 0;
    for (size_t i = 0; i < n; i++)
        for (int s = S_OFFERED; s <= S_ACHIEVED; s++)
            if (!isnan(v[s][i]) && v[s][i] > peak)
                peak = v[s][i];
    double step = nice(peak * 1.1 / 5), ymax = step * ceil(peak * 1.1 / step);
    struct panel p = { "rate", LEFT, WIDTH - RIGHT, top + PANEL_H, top, 0, t_end, 0,
                       ymax > 0 ? ymax : step, 0 };
    panel_open(out, &p, "Messages per second, per interval", "seconds since the start",
               "messages/s");
    linear_y(out, &p);
    time_x(out, &p);
    int row = 0;
    for (int s = iv->scheduled ? S_OFFERED : S_ACHIEVED; s <= S_ACHIEVED; s++) {
        points(out, &p, &series[s], x, v[s], n, "/s");
        legend(out, &p, row++, &series[s]);
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
        decades(v[s], n, &a, &b);
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    struct panel p = { "latency", LEFT, WIDTH - RIGHT, top + PANEL_H, top, 0, t_end, lo, hi, 1 };
    panel_open(out, &p, "Latency per interval (log scale)", "seconds since the start", "ms");
    log_y(out, &p);
    time_x(out, &p);
    for (int s = first, row = 0; s <= S_SMAX; s++, row++) {
        points(out, &p, &series[s], x, v[s], n, "ms");
        legend(out, &p, row, &series[s]);
    }
    fputs("</g>\n", out);
}

/* Percentile q as "nines": 0 at 0%, 1 at 90%, 2 at 99%, ... 4 at 99.99%. */
#define CURVE_POINTS 161

static void distribution(FILE *out, const struct stats *st, double top)
{
    const struct hist *h[2] = { &st->ol.corrected, &st->ol.service };
    static const struct series curve[2] = {
        { "corrected", "corrected", "#b2182b", 0, 2 },
        { "service", "service", "#2166ac", 0, 2 },
    };
    struct series message = { "message", "message", "#2166ac", 0, 2 };
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
        decades(v[c], CURVE_POINTS, &a, &b);
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    struct panel p = { "percentiles", LEFT, WIDTH - RIGHT, top + PANEL_H, top, 0, 4, lo, hi, 1 };
    panel_open(out, &p, "Latency by percentile (whole run)", "percentile", "ms");
    log_y(out, &p);
    static const char *const nines[] = { "0%", "90%", "99%", "99.9%", "99.99%" };
    for (int i = 0; i <= 4; i++)
        grid_x(out, &p, i, nines[i]);
    for (int c = from; c < 2; c++) {
        const struct series *s = st->scheduled ? &curve[c] : &message;
        polyline(out, &p, s, x, v[c], CURVE_POINTS);
        legend(out, &p, c - from, s);
    }
    fputs("</g>\n", out);
}

void plot_svg(FILE *out, const struct stats *st, const char *title)
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

    int height = TOP + 3 * PANEL_H + 2 * GAP + 60;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", WIDTH, height, WIDTH, height);
    fputs("<text x=\"20\" y=\"30\" font-size=\"17\" font-weight=\"bold\">", out);
    text_escaped(out, title ? title : "smtp-source");
    fputs("</text>\n", out);
    if (ok) {
        rates(out, st, vals, x, n, t_end, TOP);
        latencies(out, st, vals, x, n, t_end, TOP + PANEL_H + GAP);
    }
    distribution(out, st, TOP + 2 * (PANEL_H + GAP));
    fputs("</svg>\n", out);
    free(x);
    for (int s = 0; s < S_COUNT; s++)
        free(vals[s]);
}
