/* ctk_svg: small inline SVG charts for the HTML reports (histogram, line over time, bars).
 * Output is a complete <svg> element with escaped labels; no scripts, no external resources. */
#ifndef CTK_SVG_H
#define CTK_SVG_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"

typedef struct ctk_stats {
  size_t count;
  double min, max, mean;
  double p50, p90, p95, p99;
} ctk_stats;

/* Order statistics of values (copied and sorted; values is not changed). count 0 if n == 0. */
ctk_code ctk_stats_of(const double *values, size_t n, ctk_stats *out);

/* Histogram of values in equal-width bins from 0; unit labels the x axis ("ms"), count_label
 * the y axis (the catalogue's word for "count"; NULL gives "count"). With 20
 * values or more the axis ends at the 99th percentile and the values beyond it form one
 * separate bar at the right (class "bar over"). css_class is set on the <svg>. */
ctk_code ctk_svg_histogram(ctk_buf *out, const char *css_class, const char *title,
                           const double *values, size_t n, size_t bins, const char *unit,
                           const char *count_label);

/* Line of values[i] at x = i * step_s seconds; yunit labels the y axis ("msg/s"),
 * seconds_label the x axis (the catalogue's word for "seconds"; NULL gives "seconds"). */
ctk_code ctk_svg_timeline(ctk_buf *out, const char *css_class, const char *title,
                          const double *values, size_t n, double step_s, const char *yunit,
                          const char *seconds_label);

#endif
