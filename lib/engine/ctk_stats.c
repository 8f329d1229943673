/* ctk_stats: statistics of a region and period. Every formula is in docs/STATISTICS.md; where
 * JT/T 1019.5 does not publish one, the formula is ours and the document says so. */
#include "ctk_stats.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ctk_calendar.h"
#include "ctk_msg.h"

/* The code values the formulas need, looked up by symbolic name in the profile. */
typedef struct stats_codes {
  char complaint[CTK_STORE_CODE];
  char enquiry[CTK_STORE_CODE];
  char instant[CTK_STORE_CODE];        /* state instant-answered */
  char done[3][CTK_STORE_CODE];        /* states completed, revisited, archived */
  const ctk_profile *p;
} stats_codes;

typedef struct stats_walk {
  ctk_stats *st;
  stats_codes codes;
} stats_walk;

/* Satisfied: any answer of the satisfaction code set but the one of role dissatisfied (ours). */
static int is_satisfied(const stats_codes *c, const char *value)
{
  if(!value[0])
    return 0;
  return strcmp(value, ctk_val(c->p, CTK_V_SAT_DISSATISFIED)) != 0;
}

static void dim_add(ctk_stats_dim *d, const char *value)
{
  size_t i;
  for(i = 0; i < d->count; i++) {
    if(!strcmp(d->items[i].value, value)) {
      d->items[i].n++;
      return;
    }
  }
  if(d->count == CTK_STATS_VALUES) {
    d->other++;
    return;
  }
  ctk_strlcpy(d->items[d->count].value, value, sizeof(d->items[0].value));
  d->items[d->count].n = 1;
  d->count++;
}

static int is_done(const stats_codes *c, const ctk_order *o)
{
  size_t i;
  if(o->completed_time[0])
    return 1;
  for(i = 0; i < 3; i++) {
    if(!strcmp(o->status, c->done[i]))
      return 1;
  }
  return 0;
}

static int stats_order(void *ctx, const ctk_order *o)
{
  stats_walk *w = ctx;
  ctk_stats *st = w->st;
  const stats_codes *c = &w->codes;
  int complaint = !strcmp(o->business_type, c->complaint);
  int instant = o->instant_answer || !strcmp(o->status, c->instant);
  int done = is_done(c, o);
  char completed_day[11];
  ctk_stats_ratio *in_time = complaint ? &st->in_time_complaint : &st->in_time_other;

  st->orders++;
  dim_add(&st->by_business_type, o->business_type);
  dim_add(&st->by_domain, o->domain);
  dim_add(&st->by_channel, o->channel);

  if(!strcmp(o->business_type, c->enquiry)) {
    st->instant_answer.den++;
    if(instant)
      st->instant_answer.num++;
  }

  /* In time: orders that needed handling and had a deadline, judged once completed or once
   * the deadline has passed. */
  if(!instant && o->deadline[0]) {
    /* the day of CompleteTime, written in the profile's datetime format; the first 10
     * characters of an xs:dateTime when the profile's format does not read it */
    completed_day[0] = '\0';
    if(o->completed_time[0])
      ctk_profile_day(c->p, o->completed_time, completed_day);
    if(!completed_day[0])
      ctk_strlcpy(completed_day, o->completed_time, sizeof(completed_day));
    if(done) {
      in_time->den++;
      if(completed_day[0] && strcmp(completed_day, o->deadline) <= 0)
        in_time->num++;
    }
    else if(strcmp(o->deadline, st->today) < 0) {
      in_time->den++;
      st->overdue++;
      if(st->overdue_listed < CTK_STATS_OVERDUE)
        ctk_strlcpy(st->overdue_ids[st->overdue_listed++], o->order_id, CTK_STORE_ORDER_ID);
    }
  }

  if(o->transferred && done) {
    st->revisit.den++;
    if(o->revisit_time[0])
      st->revisit.num++;
  }
  if(o->revisit_time[0] && o->revisit_reached) {
    st->revisit_satisfaction.den++;
    if(is_satisfied(c, o->satisfaction))
      st->revisit_satisfaction.num++;
  }
  if(complaint && done) {
    st->review.den++;
    if(o->supervised > 0)
      st->review.num++;
  }
  return 0;
}

void ctk_stats_region_prefix(const char *region, char *out, size_t outlen)
{
  size_t n;
  if(!region || !strcmp(region, "100000") || !region[0]) {
    ctk_strlcpy(out, "", outlen);
    return;
  }
  ctk_strlcpy(out, region, outlen);
  n = strlen(out);
  while(n >= 4 && out[n - 1] == '0' && out[n - 2] == '0')
    n -= 2;
  out[n] = '\0';
}

ctk_code ctk_stats_compute(ctk_store *s, const ctk_profile *p, const char *region,
                           const char *from, const char *to, const char *today, ctk_stats *out)
{
  stats_walk w;
  char prefix[CTK_STORE_REGION];

  memset(out, 0, sizeof(*out));
  memset(&w, 0, sizeof(w));
  ctk_strlcpy(out->region, region ? region : "100000", sizeof(out->region));
  ctk_strlcpy(out->from, from ? from : "", sizeof(out->from));
  ctk_strlcpy(out->to, to ? to : "", sizeof(out->to));
  if(today && *today)
    ctk_strlcpy(out->today, today, sizeof(out->today));
  else
    ctk_beijing_today(out->today);
  w.st = out;
  w.codes.p = p;
  ctk_strlcpy(w.codes.complaint, ctk_val(p, CTK_V_BT_COMPLAINT), CTK_STORE_CODE);
  ctk_strlcpy(w.codes.enquiry, ctk_val(p, CTK_V_BT_ENQUIRY), CTK_STORE_CODE);
  ctk_strlcpy(w.codes.instant, ctk_st(p, CTK_ST_INSTANT_ANSWERED), CTK_STORE_CODE);
  ctk_strlcpy(w.codes.done[0], ctk_st(p, CTK_ST_COMPLETED), CTK_STORE_CODE);
  ctk_strlcpy(w.codes.done[1], ctk_st(p, CTK_ST_REVISITED), CTK_STORE_CODE);
  ctk_strlcpy(w.codes.done[2], ctk_st(p, CTK_ST_ARCHIVED), CTK_STORE_CODE);
  ctk_stats_region_prefix(out->region, prefix, sizeof(prefix));
  return ctk_store_orders_each(s, prefix, out->from, out->to, stats_order, &w);
}

double ctk_stats_rate(const ctk_stats_ratio *r)
{
  if(r->den <= 0)
    return -1.0;
  return 100.0 * (double)r->num / (double)r->den;
}

int ctk_stats_format_parse(const char *s)
{
  if(!s)
    return -1;
  if(!strcmp(s, "table"))
    return CTK_STATS_TABLE;
  if(!strcmp(s, "csv"))
    return CTK_STATS_CSV;
  if(!strcmp(s, "json"))
    return CTK_STATS_JSON;
  return -1;
}

/* The rates and the dimensions, one table each, so every writer prints the same names in the
 * same order. */
static const struct {
  const char *name;
  size_t offset;               /* of the ctk_stats_ratio in ctk_stats */
} stats_rate_fields[] = {
  { "instant_answer_rate", offsetof(ctk_stats, instant_answer) },
  { "in_time_rate_complaint", offsetof(ctk_stats, in_time_complaint) },
  { "in_time_rate_other", offsetof(ctk_stats, in_time_other) },
  { "revisit_rate", offsetof(ctk_stats, revisit) },
  { "revisit_satisfaction_rate", offsetof(ctk_stats, revisit_satisfaction) },
  { "review_rate", offsetof(ctk_stats, review) },
};
#define STATS_N_RATES (sizeof(stats_rate_fields) / sizeof(stats_rate_fields[0]))

static const struct {
  const char *name;
  size_t offset;               /* of the ctk_stats_dim in ctk_stats */
} stats_dim_fields[] = {
  { "business_type", offsetof(ctk_stats, by_business_type) },
  { "domain", offsetof(ctk_stats, by_domain) },
  { "channel", offsetof(ctk_stats, by_channel) },
};
#define STATS_N_DIMS (sizeof(stats_dim_fields) / sizeof(stats_dim_fields[0]))

static const ctk_stats_ratio *stats_rate_at(const ctk_stats *st, size_t i)
{
  return (const ctk_stats_ratio *)(const void *)((const char *)st + stats_rate_fields[i].offset);
}

static const ctk_stats_dim *stats_dim_at(const ctk_stats *st, size_t i)
{
  return (const ctk_stats_dim *)(const void *)((const char *)st + stats_dim_fields[i].offset);
}

static void rate_text(const ctk_stats_ratio *r, char *out, size_t len)
{
  double v = ctk_stats_rate(r);
  if(v < 0)
    snprintf(out, len, "-");
  else
    snprintf(out, len, "%.2f", v);
}

static ctk_code write_table(const ctk_stats *st, ctk_buf *out)
{
  size_t i, j;
  char rate[32];
  ctk_code result;

  result = ctk_buf_printf(out, "region %s  from %s  to %s  (overdue judged on %s)\n\n",
                          st->region, st->from[0] ? st->from : "-", st->to[0] ? st->to : "-",
                          st->today);
  if(!result)
    result = ctk_buf_printf(out, "%-32s %10ld\n", "orders", st->orders);
  for(i = 0; !result && i < STATS_N_DIMS; i++) {
    const ctk_stats_dim *d = stats_dim_at(st, i);
    for(j = 0; !result && j < d->count; j++) {
      char label[80];
      snprintf(label, sizeof(label), "%s=%s", stats_dim_fields[i].name, d->items[j].value);
      result = ctk_buf_printf(out, "%-32s %10ld\n", label, d->items[j].n);
    }
  }
  for(i = 0; !result && i < STATS_N_RATES; i++) {
    const ctk_stats_ratio *r = stats_rate_at(st, i);
    rate_text(r, rate, sizeof(rate));
    result = ctk_buf_printf(out, "%-32s %9s%s  (%ld/%ld)\n", stats_rate_fields[i].name, rate,
                            r->den > 0 ? "%" : " ", r->num, r->den);
  }
  if(!result)
    result = ctk_buf_printf(out, "%-32s %10ld\n", "overdue", st->overdue);
  for(i = 0; !result && i < st->overdue_listed; i++)
    result = ctk_buf_printf(out, "  overdue %s\n", st->overdue_ids[i]);
  return result;
}

static ctk_code write_csv(const ctk_stats *st, ctk_buf *out)
{
  size_t i, j;
  char rate[32];
  ctk_code result;

  result = ctk_buf_printf(out, "region,from,to,indicator,key,value,numerator,denominator\n");
  if(!result)
    result = ctk_buf_printf(out, "%s,%s,%s,orders,,%ld,,\n", st->region, st->from, st->to,
                            st->orders);
  for(i = 0; !result && i < STATS_N_DIMS; i++) {
    const ctk_stats_dim *d = stats_dim_at(st, i);
    for(j = 0; !result && j < d->count; j++)
      result = ctk_buf_printf(out, "%s,%s,%s,%s,%s,%ld,,\n", st->region, st->from, st->to,
                              stats_dim_fields[i].name, d->items[j].value, d->items[j].n);
  }
  for(i = 0; !result && i < STATS_N_RATES; i++) {
    const ctk_stats_ratio *r = stats_rate_at(st, i);
    rate_text(r, rate, sizeof(rate));
    result = ctk_buf_printf(out, "%s,%s,%s,%s,,%s,%ld,%ld\n", st->region, st->from, st->to,
                            stats_rate_fields[i].name, rate, r->num, r->den);
  }
  if(!result)
    result = ctk_buf_printf(out, "%s,%s,%s,overdue,,%ld,,\n", st->region, st->from, st->to,
                            st->overdue);
  for(i = 0; !result && i < st->overdue_listed; i++)
    result = ctk_buf_printf(out, "%s,%s,%s,overdue_order,%s,,,\n", st->region, st->from, st->to,
                            st->overdue_ids[i]);
  return result;
}

static ctk_code write_json(const ctk_stats *st, ctk_buf *out)
{
  size_t i, j;
  ctk_code result;

  result = ctk_buf_printf(out, "{\"region\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"today\":\"%s\","
                          "\"orders\":%ld", st->region, st->from, st->to, st->today, st->orders);
  for(i = 0; !result && i < STATS_N_DIMS; i++) {
    const ctk_stats_dim *d = stats_dim_at(st, i);
    result = ctk_buf_printf(out, ",\"by_%s\":{", stats_dim_fields[i].name);
    for(j = 0; !result && j < d->count; j++)
      result = ctk_buf_printf(out, "%s\"%s\":%ld", j ? "," : "", d->items[j].value,
                              d->items[j].n);
    if(!result)
      result = ctk_buf_adds(out, "}");
  }
  for(i = 0; !result && i < STATS_N_RATES; i++) {
    const ctk_stats_ratio *r = stats_rate_at(st, i);
    double v = ctk_stats_rate(r);
    if(v < 0)
      result = ctk_buf_printf(out, ",\"%s\":{\"rate\":null,\"num\":%ld,\"den\":%ld}",
                              stats_rate_fields[i].name, r->num, r->den);
    else
      result = ctk_buf_printf(out, ",\"%s\":{\"rate\":%.2f,\"num\":%ld,\"den\":%ld}",
                              stats_rate_fields[i].name, v, r->num, r->den);
  }
  if(!result)
    result = ctk_buf_printf(out, ",\"overdue\":%ld,\"overdue_orders\":[", st->overdue);
  for(i = 0; !result && i < st->overdue_listed; i++)
    result = ctk_buf_printf(out, "%s\"%s\"", i ? "," : "", st->overdue_ids[i]);
  if(!result)
    result = ctk_buf_adds(out, "]}\n");
  return result;
}

ctk_code ctk_stats_write(const ctk_stats *st, ctk_stats_format f, ctk_buf *out)
{
  switch(f) {
  case CTK_STATS_CSV:
    return write_csv(st, out);
  case CTK_STATS_JSON:
    return write_json(st, out);
  case CTK_STATS_TABLE:
  default:
    return write_table(st, out);
  }
}

void ctk_stats_indicators(const ctk_stats *st, ctk_stats_indicator_cb cb, void *ctx)
{
  size_t i, j;
  char name[96];
  char value[48];

  snprintf(value, sizeof(value), "%ld", st->orders);
  if(cb(ctx, "orders", value))
    return;
  for(i = 0; i < STATS_N_DIMS; i++) {
    const ctk_stats_dim *d = stats_dim_at(st, i);
    for(j = 0; j < d->count; j++) {
      snprintf(name, sizeof(name), "%s.%s", stats_dim_fields[i].name, d->items[j].value);
      snprintf(value, sizeof(value), "%ld", d->items[j].n);
      if(cb(ctx, name, value))
        return;
    }
  }
  for(i = 0; i < STATS_N_RATES; i++) {
    const ctk_stats_ratio *r = stats_rate_at(st, i);
    /* an undefined rate (nothing to count) is left out: the value is a number */
    if(r->den <= 0)
      continue;
    rate_text(r, value, sizeof(value));
    if(cb(ctx, stats_rate_fields[i].name, value))
      return;
  }
  snprintf(value, sizeof(value), "%ld", st->overdue);
  cb(ctx, "overdue", value);
}
