/* ctk_stats: statistics of one region and period from an endpoint's store (counts by business
 * type, domain and channel; the scoring rates), written as a table, CSV or JSON. */
#ifndef CTK_STATS_H
#define CTK_STATS_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_profile.h"
#include "ctk_store.h"

#define CTK_STATS_VALUES 32      /* distinct code values kept per dimension */
#define CTK_STATS_OVERDUE 64     /* overdue order ids listed (the count is exact) */

typedef struct ctk_stats_count {
  char value[CTK_STORE_CODE];
  long n;
} ctk_stats_count;

typedef struct ctk_stats_dim {
  ctk_stats_count items[CTK_STATS_VALUES];
  size_t count;
  long other;                  /* orders whose value did not fit in items */
} ctk_stats_dim;

/* A numerator over a denominator; the rate is undefined (printed "-") when den is 0. */
typedef struct ctk_stats_ratio {
  long num;
  long den;
} ctk_stats_ratio;

typedef struct ctk_stats {
  char region[CTK_STORE_REGION];
  char from[11];               /* YYYY-MM-DD, "" = open */
  char to[11];
  char today[11];              /* the day overdue is judged on */
  long orders;
  ctk_stats_dim by_business_type;
  ctk_stats_dim by_domain;
  ctk_stats_dim by_channel;
  ctk_stats_ratio instant_answer;       /* enquiries answered on the call / enquiries */
  ctk_stats_ratio in_time_complaint;    /* complaints completed in time / complaints due */
  ctk_stats_ratio in_time_other;        /* the same for enquiries and suggestions not answered
                                           on the call */
  ctk_stats_ratio revisit;              /* transferred orders completed and revisited / completed */
  ctk_stats_ratio revisit_satisfaction; /* satisfied / revisits that reached the caller */
  ctk_stats_ratio review;               /* completed complaints supervised by an upper level /
                                           completed complaints */
  long overdue;
  char overdue_ids[CTK_STATS_OVERDUE][CTK_STORE_ORDER_ID];
  size_t overdue_listed;
} ctk_stats;

/* Region prefix that selects a region's orders: "" for the ministry (100000), "36" for a
 * province 360000, "3601" for a city 360100. */
void ctk_stats_region_prefix(const char *region, char *out, size_t outlen);

/* Compute statistics over orders accepted in [from, to] in region. today (YYYY-MM-DD) is when
 * overdue is judged; NULL = the current local date. The profile names the code values
 * (complaint, enquiry, completed states, satisfied answers); NULL uses the baseline's. */
ctk_code ctk_stats_compute(ctk_store *s, const ctk_profile *p, const char *region,
                           const char *from, const char *to, const char *today, ctk_stats *out);

/* Rate in percent, or -1 when the denominator is 0. */
double ctk_stats_rate(const ctk_stats_ratio *r);

typedef enum { CTK_STATS_TABLE = 0, CTK_STATS_CSV, CTK_STATS_JSON } ctk_stats_format;
/* "table", "csv", "json"; -1 if unknown. */
int ctk_stats_format_parse(const char *s);
ctk_code ctk_stats_write(const ctk_stats *st, ctk_stats_format f, ctk_buf *out);

/* The indicators as (name, value) pairs, in the order of docs/STATISTICS.md: what a province
 * puts in a StatisticsReport (1011). Values are numbers; undefined rates are left out. Calls
 * cb once per indicator; stops on non-zero. */
typedef int (*ctk_stats_indicator_cb)(void *ctx, const char *name, const char *value);
void ctk_stats_indicators(const ctk_stats *st, ctk_stats_indicator_cb cb, void *ctx);

#endif
