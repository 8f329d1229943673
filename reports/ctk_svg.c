/* ctk_svg: small inline SVG charts for the HTML reports. */
#include "ctk_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Chart geometry, in SVG user units (the page scales the whole picture). */
#define W 640.0
#define H 260.0
#define LEFT 56.0
#define RIGHT 16.0
#define TOP 30.0
#define BOTTOM 44.0
#define PLOT_W (W - LEFT - RIGHT)
#define PLOT_H (H - TOP - BOTTOM)
#define HIST_BINS_MAX 200

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double rank(const double *sorted, size_t n, double pct)
{
  size_t k = (size_t)ceil(pct / 100.0 * (double)n);
  if(k < 1)
    k = 1;
  if(k > n)
    k = n;
  return sorted[k - 1];
}

ctk_code ctk_stats_of(const double *values, size_t n, ctk_stats *out)
{
  double *sorted;
  double sum = 0;
  size_t i;

  memset(out, 0, sizeof(*out));
  if(!n)
    return CTK_E_OK;
  sorted = malloc(n * sizeof(*sorted));
  if(!sorted)
    return CTK_E_NOMEM;
  memcpy(sorted, values, n * sizeof(*sorted));
  qsort(sorted, n, sizeof(*sorted), cmp_double);
  for(i = 0; i < n; i++)
    sum += sorted[i];
  out->count = n;
  out->min = sorted[0];
  out->max = sorted[n - 1];
  out->mean = sum / (double)n;
  out->p50 = rank(sorted, n, 50);
  out->p90 = rank(sorted, n, 90);
  out->p95 = rank(sorted, n, 95);
  out->p99 = rank(sorted, n, 99);
  free(sorted);
  return CTK_E_OK;
}

/* A "nice" axis maximum (1, 2 or 5 times a power of ten) not below v. */
static double nice_ceiling(double v)
{
  double p, f;
  if(!(v > 0))
    return 1;
  p = pow(10, floor(log10(v)));
  f = v / p;
  if(f <= 1)
    return p;
  if(f <= 2)
    return 2 * p;
  if(f <= 5)
    return 5 * p;
  return 10 * p;
}

static ctk_code open_svg(ctk_buf *out, const char *css_class, const char *title)
{
  ctk_code rc = ctk_buf_printf(out,
                               "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                               "role=\"img\" class=\"",
                               W, H);
  if(!rc)
    rc = ctk_buf_add_xml_escaped(out, css_class, strlen(css_class));
  if(!rc)
    rc = ctk_buf_adds(out, "\" aria-label=\"");
  if(!rc)
    rc = ctk_buf_add_xml_escaped(out, title, strlen(title));
  if(!rc)
    rc = ctk_buf_printf(out, "\"><title>");
  if(!rc)
    rc = ctk_buf_add_xml_escaped(out, title, strlen(title));
  if(!rc)
    rc = ctk_buf_printf(out, "</title><text x=\"%.0f\" y=\"18\" class=\"ct\">", LEFT);
  if(!rc)
    rc = ctk_buf_add_xml_escaped(out, title, strlen(title));
  if(!rc)
    rc = ctk_buf_adds(out, "</text>");
  return rc;
}

/* Axes with four horizontal grid lines labelled 0..ymax, x labels at both ends and middle. */
/* xfrac: the share of the plot width that 0..xmax spans (the rest holds an overflow bar). */
static ctk_code axes(ctk_buf *out, double ymax, double xmax, double xfrac, const char *xunit,
                     const char *yunit)
{
  ctk_code rc = CTK_E_OK;
  int i;
  for(i = 0; i <= 4 && !rc; i++) {
    double y = TOP + PLOT_H - PLOT_H * i / 4.0;
    rc = ctk_buf_printf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" class=\"yl\">%g</text>",
                        LEFT, y, LEFT + PLOT_W, y, LEFT - 6, y + 4, ymax * i / 4.0);
  }
  for(i = 0; i <= 2 && !rc; i++) {
    double x = LEFT + PLOT_W * xfrac * i / 2.0;
    rc = ctk_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"xl\">%g</text>", x,
                        TOP + PLOT_H + 16, xmax * i / 2.0);
  }
  if(!rc)
    rc = ctk_buf_printf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" class=\"xu\">",
                        LEFT, TOP + PLOT_H, LEFT + PLOT_W, TOP + PLOT_H, LEFT + PLOT_W / 2,
                        H - 6);
  if(!rc)
    rc = ctk_buf_add_xml_escaped(out, xunit, strlen(xunit));
  if(!rc)
    rc = ctk_buf_printf(out, "</text><text x=\"12\" y=\"%.1f\" class=\"yu\" "
                             "transform=\"rotate(-90 12 %.1f)\">",
                        TOP + PLOT_H / 2, TOP + PLOT_H / 2);
  if(!rc)
    rc = ctk_buf_add_xml_escaped(out, yunit, strlen(yunit));
  if(!rc)
    rc = ctk_buf_adds(out, "</text>");
  return rc;
}

ctk_code ctk_svg_histogram(ctk_buf *out, const char *css_class, const char *title,
                           const double *values, size_t n, size_t bins, const char *unit,
                           const char *count_label)
{
  size_t counts[HIST_BINS_MAX];
  size_t i, top = 0, regular;
  double xmax, ymax, bw;
  int overflow = 0;
  ctk_stats st;
  ctk_code rc;

  if(bins < 2)
    bins = 2;
  if(bins > HIST_BINS_MAX)
    bins = HIST_BINS_MAX;
  rc = ctk_stats_of(values, n, &st);
  if(rc)
    return rc;
  /* A few slow outliers would squeeze every other value into the first bar: the axis ends
   * at the 99th percentile and what lies beyond is one separate bar at the right. */
  xmax = nice_ceiling(n >= 20 ? st.p99 : st.max);
  overflow = st.max >= xmax && n >= 20;
  regular = overflow ? bins - 1 : bins;
  memset(counts, 0, sizeof(counts));
  for(i = 0; i < n; i++) {
    double v = values[i] < 0 ? 0 : values[i];
    size_t b;
    if(overflow && v >= xmax)
      b = regular;
    else {
      b = (size_t)(v / xmax * (double)regular);
      if(b >= regular)
        b = regular - 1;
    }
    counts[b]++;
  }
  for(i = 0; i < bins; i++) {
    if(counts[i] > top)
      top = counts[i];
  }
  ymax = nice_ceiling((double)(top ? top : 1));
  if(ymax < 4)
    ymax = 4;
  bw = PLOT_W / (double)bins;

  rc = open_svg(out, css_class, title);
  if(!rc)
    rc = axes(out, ymax, xmax, (double)regular / (double)bins, unit,
              count_label ? count_label : "count");
  for(i = 0; i < regular && !rc; i++) {
    double h = PLOT_H * (double)counts[i] / ymax;
    if(!counts[i])
      continue;
    rc = ctk_buf_printf(out,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"bar\">"
                        "<title>%g–%g: %zu</title></rect>",
                        LEFT + bw * (double)i + 1, TOP + PLOT_H - h, bw > 3 ? bw - 2 : bw, h,
                        xmax * (double)i / (double)regular,
                        xmax * (double)(i + 1) / (double)regular, counts[i]);
  }
  if(!rc && overflow) {
    double h = PLOT_H * (double)counts[regular] / ymax;
    double x = LEFT + bw * (double)regular;
    rc = ctk_buf_printf(out,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        "class=\"bar over\"><title>≥ %g (up to %g): %zu</title></rect>"
                        "<text x=\"%.1f\" y=\"%.1f\" class=\"xl\">≥%g</text>",
                        x + 1, TOP + PLOT_H - h, bw > 3 ? bw - 2 : bw, h, xmax, st.max,
                        counts[regular], x + bw / 2, TOP + PLOT_H + 28, xmax);
  }
  if(!rc)
    rc = ctk_buf_adds(out, "</svg>");
  return rc;
}

ctk_code ctk_svg_timeline(ctk_buf *out, const char *css_class, const char *title,
                          const double *values, size_t n, double step_s, const char *yunit,
                          const char *seconds_label)
{
  double ymax = 0, xmax;
  size_t i;
  ctk_code rc;

  if(step_s <= 0)
    step_s = 1;
  for(i = 0; i < n; i++) {
    if(values[i] > ymax)
      ymax = values[i];
  }
  ymax = nice_ceiling(ymax);
  xmax = n > 1 ? (double)(n - 1) * step_s : step_s;

  rc = open_svg(out, css_class, title);
  if(!rc)
    rc = axes(out, ymax, xmax, 1.0, seconds_label ? seconds_label : "seconds", yunit);
  if(!rc && n)
    rc = ctk_buf_adds(out, "<polyline class=\"line\" points=\"");
  for(i = 0; i < n && !rc; i++) {
    double v = values[i] < 0 ? 0 : values[i];
    double x = LEFT + PLOT_W * ((double)i * step_s) / xmax;
    double y = TOP + PLOT_H - PLOT_H * v / ymax;
    rc = ctk_buf_printf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
  }
  if(!rc && n)
    rc = ctk_buf_adds(out, "\"/>");
  if(!rc)
    rc = ctk_buf_adds(out, "</svg>");
  return rc;
}
