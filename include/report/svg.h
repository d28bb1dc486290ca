/* svg: the drawing shared by the SVG pictures (report/plot.h, the knee
 * chart of verdict/kneeplot.h): a document's frame and title, panels with
 * their scales written on them (so that a reader or a test can place every
 * point), grid lines and labels, legends and lines. Pure. */
#ifndef SVG_H
#define SVG_H

#include <stddef.h>
#include <stdio.h>

/* A panel: the plot area's pixels, and the values at its edges. */
struct svg_panel {
    const char *id;
    double px0, px1, py0, py1;  /* left, right, bottom, top */
    double x0, x1, y0, y1;      /* the values at those edges */
    int ylog;                   /* y on a log scale (x0..x1 always linear) */
};

/* A series' look: its name (data-series), legend label, colour, dashes
 * (NULL: solid) and width. */
struct svg_series {
    const char *name, *label, *color, *dash;
    double width;
};

/* Pixel of x, and of y (on the panel's log scale if ylog). */
double svg_px(const struct svg_panel *p, double x);
double svg_py(const struct svg_panel *p, double y);

/* s as XML character data: markup characters escaped, control bytes '?'. */
void svg_text(FILE *out, const char *s);

/* 1, 2 or 5 times a power of ten, at least v (1 if v <= 0). */
double svg_nice(double v);

/* The lowest and highest positive values of v (NANs skipped), widened to
 * whole decades; 0.1 and 1 if there is none. */
void svg_decades(const double *v, size_t n, double *lo, double *hi);

/* The document's start (a white page of width x height, the title on top)
 * and its end. */
void svg_begin(FILE *out, int width, int height, const char *title);
void svg_end(FILE *out);

/* Opens the panel's group (<g class="panel"> with its scales as data-*
 * attributes), its frame, title and axis labels; the caller closes it
 * with "</g>". */
void svg_panel_open(FILE *out, const struct svg_panel *p, const char *title, const char *xlabel,
                    const char *ylabel);

/* A grid line at value v with its label, across or along the panel. */
void svg_grid_x(FILE *out, const struct svg_panel *p, double v, const char *label);
void svg_grid_y(FILE *out, const struct svg_panel *p, double v, const char *label);

/* Grid lines at nice steps over the panel's y (linear, or per decade with
 * 2 and 5 times each decade labelled between) and
 * over its x (about `ticks` of them). */
void svg_linear_y(FILE *out, const struct svg_panel *p);
void svg_log_y(FILE *out, const struct svg_panel *p);
void svg_linear_x(FILE *out, const struct svg_panel *p, int ticks);

/* The series' legend entry, row `row` right of the panel. */
void svg_legend(FILE *out, const struct svg_panel *p, int row, const struct svg_series *s);

/* The series as lines through (x[i], v[i]); a NAN (or, on a log scale, a
 * value <= 0) breaks the line. */
void svg_polyline(FILE *out, const struct svg_panel *p, const struct svg_series *s,
                  const double *x, const double *v, size_t n);

/* The line, and a circle per point with its value and a tooltip naming
 * interval i and the unit (points that would break the line are left out). */
void svg_points(FILE *out, const struct svg_panel *p, const struct svg_series *s,
                const double *x, const double *v, size_t n, const char *unit);

#endif
