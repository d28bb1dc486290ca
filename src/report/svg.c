/* svg: the drawing shared by the SVG pictures. */
#include "report/svg.h"

#include <math.h>

double svg_px(const struct svg_panel *p, double x)
{
    return p->px0 + (x - p->x0) / (p->x1 - p->x0) * (p->px1 - p->px0);
}

double svg_py(const struct svg_panel *p, double y)
{
    if (p->ylog)
        return p->py0 + (log10(y) - log10(p->y0)) / (log10(p->y1) - log10(p->y0)) * (p->py1 - p->py0);
    return p->py0 + (y - p->y0) / (p->y1 - p->y0) * (p->py1 - p->py0);
}

void svg_text(FILE *out, const char *s)
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

double svg_nice(double v)
{
    if (v <= 0)
        return 1;
    double p = pow(10, floor(log10(v)));
    return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

void svg_decades(const double *v, size_t n, double *lo, double *hi)
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

void svg_begin(FILE *out, int width, int height, const char *title)
{
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", width, height, width,
            height);
    fputs("<text x=\"20\" y=\"30\" font-size=\"17\" font-weight=\"bold\">", out);
    svg_text(out, title ? title : "smtp-source");
    fputs("</text>\n", out);
}

void svg_end(FILE *out)
{
    fputs("</svg>\n", out);
}

void svg_panel_open(FILE *out, const struct svg_panel *p, const char *title, const char *xlabel,
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

void svg_grid_y(FILE *out, const struct svg_panel *p, double v, const char *label)
{
    double y = svg_py(p, v);
    fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            p->px0, p->px1, y, y, p->px0 - 6, y + 4, label);
}

void svg_grid_x(FILE *out, const struct svg_panel *p, double v, const char *label)
{
    double x = svg_px(p, v);
    fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            x, x, p->py0, p->py1, x, p->py0 + 16, label);
}

void svg_linear_y(FILE *out, const struct svg_panel *p)
{
    double step = svg_nice((p->y1 - p->y0) / 5);
    char label[32];
    for (double v = p->y0; v <= p->y1 + step / 1e6; v += step) {
        snprintf(label, sizeof(label), "%g", v);
        svg_grid_y(out, p, v, label);
    }
}

void svg_log_y(FILE *out, const struct svg_panel *p)
{
    char label[32];
    for (double v = p->y0; v <= p->y1 * 1.0001; v *= 10) {
        snprintf(label, sizeof(label), "%g", v);
        svg_grid_y(out, p, v, label);
        /* A reader of a log axis needs more than the powers of ten. */
        for (int m = 2; m <= 5 && v * m < p->y1 * 0.9999; m += 3) {
            double y = svg_py(p, v * m);
            snprintf(label, sizeof(label), "%g", v * m);
            fprintf(out, "<line class=\"minor\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                    "y2=\"%.1f\" stroke=\"#eee\"/><text class=\"minor\" x=\"%.1f\" y=\"%.1f\" "
                    "text-anchor=\"end\" font-size=\"10\" fill=\"#666\">%s</text>\n",
                    p->px0, p->px1, y, y, p->px0 - 6, y + 3, label);
        }
    }
}

void svg_linear_x(FILE *out, const struct svg_panel *p, int ticks)
{
    double step = svg_nice((p->x1 - p->x0) / ticks);
    char label[32];
    for (double v = p->x0; v <= p->x1 + step / 1e6; v += step) {
        snprintf(label, sizeof(label), "%g", v);
        svg_grid_x(out, p, v, label);
    }
}

void svg_legend(FILE *out, const struct svg_panel *p, int row, const struct svg_series *s)
{
    double y = p->py1 + 14 + row * 20, x = p->px1 + 16;
    fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"%.1f\"%s%s%s/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
            x, x + 24, y, y, s->color, s->width, s->dash ? " stroke-dasharray=\"" : "",
            s->dash ? s->dash : "", s->dash ? "\"" : "", x + 30, y + 4, s->label);
}

void svg_polyline(FILE *out, const struct svg_panel *p, const struct svg_series *s,
                  const double *x, const double *v, size_t n)
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
        fprintf(out, "%s%.2f,%.2f", open ? " " : "", svg_px(p, x[i]), svg_py(p, v[i]));
        open = 1;
    }
    if (open)
        fputs("\"/>\n", out);
}

void svg_points(FILE *out, const struct svg_panel *p, const struct svg_series *s, const double *x,
                const double *v, size_t n, const char *unit)
{
    svg_polyline(out, p, s, x, v, n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]) || (p->ylog && v[i] <= 0))
            continue;
        fprintf(out, "<circle class=\"pt\" data-series=\"%s\" data-interval=\"%zu\" "
                "data-value=\"%.3f\" cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"%s\">"
                "<title>interval %zu: %s %.3f %s</title></circle>\n", s->name, i, v[i],
                svg_px(p, x[i]), svg_py(p, v[i]), s->color, i, s->label, v[i], unit);
    }
}
