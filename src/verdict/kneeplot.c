/* kneeplot: the capacity search's knee chart, one SVG file. */
#include "verdict/kneeplot.h"

#include "report/svg.h"

#include <math.h>

#define WIDTH 960
#define LEFT 80                 /* room for the y axis' labels */
#define RIGHT 200               /* room for the legend */
#define PANEL_H 280
#define GAP 80
#define TOP 100                /* the title and the subtitle above */

enum { K_OFFERED, K_ACHIEVED, K_P50, K_P99, K_COUNT };

static const struct svg_series series[K_COUNT] = {
    { "offered", "achieved = offered", "#888", "6,4", 1.5 },
    { "achieved", "achieved", "#1b7837", 0, 2 },
    { "corrected-p50", "corrected p50", "#d6604d", 0, 1.5 },
    { "corrected-p99", "corrected p99", "#b2182b", 0, 2.5 },
};

#define PASSED_COLOR "#1b7837"
#define FAILED_FILL "#fbe4e4"
#define FAILED_TEXT "#b2182b"

/* Values are rounded as the JSON rounds them, so the two agree. */
static double r3(double v)
{
    return round(v * 1000) / 1000;
}

/* A top for a linear axis that holds peak, on a step of about 1/ticks. */
static double axis_top(double peak, int ticks)
{
    if (peak <= 0)
        peak = 1;
    double step = svg_nice(peak * 1.05 / ticks);
    return step * ceil(peak * 1.05 / step);
}

struct knee {
    const struct search *s;
    unsigned order[SEARCH_STEPS_MAX];   /* the steps by offered rate: the lines' order */
    double x[SEARCH_STEPS_MAX];         /* offered, in that order */
    double v[K_COUNT][SEARCH_STEPS_MAX];
    double x1;                          /* the offered axis' top */
};

/* The steps' points, filled if the step passed, hollow if it failed; the
 * line through them in the order of the offered rate. */
static void steps(FILE *out, const struct svg_panel *p, const struct knee *k, int sr,
                  const char *unit)
{
    const struct svg_series *s = &series[sr];
    svg_polyline(out, p, s, k->x, k->v[sr], k->s->n);
    for (unsigned j = 0; j < k->s->n; j++) {
        unsigned i = k->order[j];
        double v = k->v[sr][j];
        const struct search_step *st = &k->s->step[i];
        if (p->ylog && v <= 0)
            continue;
        fprintf(out, "<circle class=\"pt\" data-series=\"%s\" data-step=\"%u\" "
                "data-offered=\"%.3f\" data-value=\"%.3f\" data-passed=\"%d\" cx=\"%.2f\" "
                "cy=\"%.2f\" r=\"4\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\">"
                "<title>step %u: %.3f/s offered: %s %.3f %s, %s</title></circle>\n", s->name,
                i + 1, k->x[j], v, st->passed, svg_px(p, k->x[j]), svg_py(p, v),
                st->passed ? s->color : "white", s->color, i + 1, k->x[j], s->label, v, unit,
                st->passed ? "passed" : "FAILED");
    }
}

/* The rates the search saw fail, shaded (under the grid), from the lowest
 * failing rate on. */
static void failing(FILE *out, const struct svg_panel *p, const struct search *s, int label)
{
    if (s->fail <= 0)
        return;
    double x = svg_px(p, s->fail);
    fprintf(out, "<rect class=\"failing\" data-rate=\"%.3f\" x=\"%.2f\" y=\"%.1f\" "
            "width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>\n", s->fail, x, p->py1, p->px1 - x,
            p->py0 - p->py1, FAILED_FILL);
    /* A narrow shade keeps its label inside the panel, at its right edge. */
    int narrow = p->px1 - x < 130;
    if (label)
        fprintf(out, "<text x=\"%.2f\" y=\"%.1f\"%s fill=\"%s\">from %g/s: failed</text>\n",
                narrow ? p->px1 - 5 : x + 5, p->py1 + (narrow ? 34 : 16),
                narrow ? " text-anchor=\"end\"" : "", FAILED_TEXT, s->fail);
}

/* The found rate (the highest that met every threshold), a line across
 * the panel; its label in the top panel. */
static void found(FILE *out, const struct svg_panel *p, const struct search *s, int label)
{
    if (s->pass <= 0)
        return;
    double x = svg_px(p, s->pass);
    fprintf(out, "<line class=\"found\" data-rate=\"%.3f\" x1=\"%.2f\" x2=\"%.2f\" y1=\"%.1f\" "
            "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"5,3\"/>\n",
            s->pass, x, x, p->py0, p->py1, PASSED_COLOR);
    if (!label)
        return;
    const char *what = s->outcome == SEARCH_FOUND ? "found"
                     : s->outcome == SEARCH_PASSED_AT_TO ? "passed at TO" : "passed so far";
    fprintf(out, "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\" "
            "font-weight=\"bold\">%s %g/s</text>\n", x - 5, p->py1 + 16, PASSED_COLOR, what,
            s->pass);
}

/* The legend's rows for the points' fill and the found line. */
static void marks_legend(FILE *out, const struct svg_panel *p, int row)
{
    double x = p->px1 + 28, y = p->py1 + 14 + row * 20;
    fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#555\" stroke=\"#555\"/>"
            "<text x=\"%.1f\" y=\"%.1f\">step passed</text>\n", x, y, x + 18, y + 4);
    y += 20;
    fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"white\" stroke=\"#555\" "
            "stroke-width=\"1.5\"/><text x=\"%.1f\" y=\"%.1f\">step FAILED</text>\n", x, y,
            x + 18, y + 4);
    y += 20;
    fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"2\" stroke-dasharray=\"5,3\"/><text x=\"%.1f\" y=\"%.1f\">found rate"
            "</text>\n", x - 12, x + 12, y, y, PASSED_COLOR, x + 18, y + 4);
    y += 20;
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"12\" fill=\"%s\"/>"
            "<text x=\"%.1f\" y=\"%.1f\">failing rates</text>\n", x - 12, y - 6, FAILED_FILL,
            x + 18, y + 4);
}

static void rates(FILE *out, const struct knee *k, double top)
{
    double peak = k->x1;
    for (unsigned j = 0; j < k->s->n; j++)
        peak = k->v[K_ACHIEVED][j] > peak ? k->v[K_ACHIEVED][j] : peak;
    struct svg_panel p = { "rate", LEFT, WIDTH - RIGHT, top + PANEL_H, top, 0, k->x1, 0,
                           axis_top(peak, 5), 0 };
    svg_panel_open(out, &p, "Achieved against offered rate, a point per step",
                   "offered rate (messages/s)", "achieved (messages/s)");
    failing(out, &p, k->s, 1);
    svg_linear_y(out, &p);
    svg_linear_x(out, &p, 8);
    /* What a server that keeps up achieves: the offered rate itself. */
    double ends[2] = { 0, k->x1 }, diag[2] = { 0, k->x1 };
    svg_polyline(out, &p, &series[K_OFFERED], ends, diag, 2);
    svg_legend(out, &p, 0, &series[K_OFFERED]);
    steps(out, &p, k, K_ACHIEVED, "/s");
    svg_legend(out, &p, 1, &series[K_ACHIEVED]);
    found(out, &p, k->s, 1);
    marks_legend(out, &p, 2);
    fputs("</g>\n", out);
}

/* The thresholds on the two plotted percentiles, as lines at their limits. */
static int limit_of(const struct threshold *t, double *ms)
{
    if (t->metric != TH_LATENCY || t->view != TH_VIEW_CORRECTED || t->stat != TH_QUANTILE)
        return -1;
    *ms = (double)t->mant / 1e6;
    return fabs(t->q - 0.5) < 1e-9 ? K_P50 : fabs(t->q - 0.99) < 1e-9 ? K_P99 : -1;
}

static void limits(FILE *out, const struct svg_panel *p, const struct verdict *v)
{
    for (unsigned i = 0; v && i < v->n; i++) {
        double ms;
        int sr = limit_of(&v->th[i], &ms);
        if (sr < 0 || ms <= 0)
            continue;
        double y = svg_py(p, ms);
        fprintf(out, "<line class=\"limit\" data-series=\"%s\" data-value=\"%.3f\" x1=\"%.1f\" "
                "x2=\"%.1f\" y1=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" stroke-dasharray=\"10,4\"/>"
                "<text x=\"%.1f\" y=\"%.2f\" fill=\"%s\">threshold ",
                series[sr].name, ms, p->px0, p->px1, y, y, series[sr].color, p->px0 + 5, y - 5,
                series[sr].color);
        svg_text(out, v->th[i].text);
        fputs("</text>\n", out);
    }
}

static void latencies(FILE *out, const struct knee *k, const struct verdict *v, double top)
{
    double lo = INFINITY, hi = 0, a, b;
    for (int sr = K_P50; sr <= K_P99; sr++) {
        svg_decades(k->v[sr], k->s->n, &a, &b);
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    for (unsigned i = 0; v && i < v->n; i++) {
        double ms;
        if (limit_of(&v->th[i], &ms) >= 0 && ms > 0) {
            svg_decades(&ms, 1, &a, &b);
            lo = a < lo ? a : lo;
            hi = b > hi ? b : hi;
        }
    }
    struct svg_panel p = { "latency", LEFT, WIDTH - RIGHT, top + PANEL_H, top, 0, k->x1, lo,
                           hi, 1 };
    svg_panel_open(out, &p, "Corrected latency against offered rate (log scale)",
                   "offered rate (messages/s)", "ms");
    failing(out, &p, k->s, 0);
    svg_log_y(out, &p);
    svg_linear_x(out, &p, 8);
    limits(out, &p, v);
    for (int sr = K_P50; sr <= K_P99; sr++) {
        steps(out, &p, k, sr, "ms");
        svg_legend(out, &p, sr - K_P50, &series[sr]);
    }
    found(out, &p, k->s, 0);
    fputs("</g>\n", out);
}

void kneeplot_svg(FILE *out, const struct search *s, const struct verdict *v, const char *title,
                  const char *subtitle)
{
    struct knee k;
    k.s = s;
    /* The lines run by offered rate; bisection's steps come back and forth. */
    for (unsigned i = 0; i < s->n; i++) {
        unsigned j = i;
        while (j > 0 && s->step[k.order[j - 1]].offered > s->step[i].offered) {
            k.order[j] = k.order[j - 1];
            j--;
        }
        k.order[j] = i;
    }
    double peak = s->from;
    for (unsigned j = 0; j < s->n; j++) {
        const struct search_step *p = &s->step[k.order[j]];
        k.x[j] = r3(p->offered);
        k.v[K_ACHIEVED][j] = r3(p->achieved);
        k.v[K_P50][j] = r3((double)p->corrected_p50 / 1000.0);
        k.v[K_P99][j] = r3((double)p->corrected_p99 / 1000.0);
        peak = p->offered > peak ? p->offered : peak;
    }
    k.x1 = axis_top(peak, 8);
    svg_begin(out, WIDTH, TOP + 2 * PANEL_H + GAP + 60, title);
    if (subtitle) {
        fputs("<text x=\"20\" y=\"54\" font-size=\"13\">", out);
        svg_text(out, subtitle);
        fputs("</text>\n", out);
    }
    rates(out, &k, TOP);
    latencies(out, &k, v, TOP + PANEL_H + GAP);
    svg_end(out);
}
