/* plotdraw: the SVG pieces the plot (plot.h) is drawn with: panels with
 * their scales and grids, series of points with their values, legends.
 * Every function writes to out and nothing else. Pure. */
#ifndef PLOTDRAW_H
#define PLOTDRAW_H

#include <stddef.h>
#include <stdio.h>

/* A panel: the plot area's pixels, and the values at its edges. */
struct panel {
    const char *id;
    double px0, px1, py0, py1;  /* left, right, bottom, top */
    double x0, x1, y0, y1;      /* x: seconds or log percentile; y: values */
    int ylog;
};

/* A series of points; NAN breaks the line (an interval with no value). */
struct series {
    const char *name, *label, *color, *dash;
    double width;
};

/* The pixel of x, and of y (on a log scale if the panel has one). */
double plot_px(const struct panel *p, double x);
double plot_py(const struct panel *p, double y);

/* s as XML text: markup escaped, control bytes as '?'. */
void plot_text_escaped(FILE *out, const char *s);

/* 1, 2 or 5 times a power of ten, at least v. */
double plot_nice(double v);

/* The panel's frame, title and axis labels: a <g> the caller closes. */
void plot_panel_open(FILE *out, const struct panel *p, const char *title, const char *xlabel,
                     const char *ylabel);

/* A grid line with its label, at y = v or x = v. */
void plot_grid_y(FILE *out, const struct panel *p, double v, const char *label);
void plot_grid_x(FILE *out, const struct panel *p, double v, const char *label);

/* The y axis' grid: linear, or log with each decade labelled and 2 and 5
 * times it labelled between them; the time axis' grid. */
void plot_linear_y(FILE *out, const struct panel *p);
void plot_log_y(FILE *out, const struct panel *p);
void plot_time_x(FILE *out, const struct panel *p);

/* The legend's row for s, right of the panel. */
void plot_legend(FILE *out, const struct panel *p, int row, const struct series *s);

/* A line through the points (NAN, or a value not above 0 on a log scale,
 * breaks it); plot_points adds a circle with its value and a tooltip. */
void plot_polyline(FILE *out, const struct panel *p, const struct series *s, const double *x,
                   const double *v, size_t n);
void plot_points(FILE *out, const struct panel *p, const struct series *s, const double *x,
                 const double *v, size_t n, const char *unit);

/* The lowest and highest positive values, widened to whole decades. */
void plot_decades(const double *v, size_t n, double *lo, double *hi);

#endif
