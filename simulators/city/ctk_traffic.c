/* ctk_traffic: the city simulator's traffic model (see ctk_traffic.h). */
#include "ctk_traffic.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_kvfile.h"

static const char *const kind_names[CTK_KIND__COUNT] = {
  "local", "instant", "cross-city", "cross-province"
};

static const char *const step_names[CTK_STEP__COUNT] = {
  "sign", "feedback", "complete", "revisit", "archive"
};

const char *ctk_order_kind_name(ctk_order_kind kind)
{
  return (kind >= 0 && kind < CTK_KIND__COUNT) ? kind_names[kind] : "unknown";
}

int ctk_order_kind_parse(const char *s)
{
  int i;
  if(!s)
    return -1;
  for(i = 0; i < CTK_KIND__COUNT; i++) {
    if(!strcmp(s, kind_names[i]))
      return i;
  }
  return -1;
}

const char *ctk_step_name(ctk_step step)
{
  return (step >= 0 && step < CTK_STEP__COUNT) ? step_names[step] : "unknown";
}

/* ---------- the model ---------- */

static void mix_put(ctk_traffic_mix *mix, const char *name, double weight)
{
  size_t i;
  for(i = 0; i < mix->count; i++) {
    if(!strcmp(mix->names[i], name)) {
      mix->weights[i] = weight;
      return;
    }
  }
  if(mix->count < CTK_TRAFFIC_CHOICES_MAX) {
    ctk_strlcpy(mix->names[mix->count], name, CTK_TRAFFIC_NAME_MAX);
    mix->weights[mix->count] = weight;
    mix->count++;
  }
}

void ctk_traffic_defaults(ctk_traffic_model *m)
{
  memset(m, 0, sizeof(*m));
  m->rate = 0.5;                                  /* ours */
  /* 2020 national mix, State Council press briefing Jan 2021 */
  mix_put(&m->business, "enquiry", 92.31);
  mix_put(&m->business, "complaint", 5.08);
  mix_put(&m->business, "suggestion", 2.61);
  /* 2016 Q1 national domains, gov.cn 2016-04-21 */
  mix_put(&m->domain, "highway", 75.09);
  mix_put(&m->domain, "urban-passenger", 19.10);
  mix_put(&m->domain, "road-transport", 5.79);
  /* ours: "the phone line is the main channel" is public, the split is not */
  mix_put(&m->channel, "phone", 90.0);
  mix_put(&m->channel, "wechat", 4.0);
  mix_put(&m->channel, "website", 3.0);
  mix_put(&m->channel, "mobile-app", 1.5);
  mix_put(&m->channel, "sms", 1.0);
  mix_put(&m->channel, "other", 0.5);
  /* enquiry: 2020 instant-answer rate 98.13 %; the other two are ours */
  mix_put(&m->instant, "enquiry", 98.13);
  mix_put(&m->instant, "complaint", 0.0);
  mix_put(&m->instant, "suggestion", 20.0);
  /* revisit satisfaction 2020 was 97.81 %; the split among the satisfied is ours */
  mix_put(&m->satisfaction, "very-satisfied", 60.0);
  mix_put(&m->satisfaction, "satisfied", 30.0);
  mix_put(&m->satisfaction, "basically-satisfied", 7.81);
  mix_put(&m->satisfaction, "dissatisfied", 2.19);
  m->reached_pct = 95.0;                          /* ours */
  m->cross_city_pct = 3.0;                        /* ours */
  m->cross_province_pct = 1.0;                    /* ours */
  m->return_pct = 3.0;                            /* ours */
  m->feedback_pct = 100.0;                        /* ours */
  m->delay[CTK_STEP_SIGN] = (ctk_dist){ CTK_DIST_EXP, 120.0, 0.0 };       /* ours */
  m->delay[CTK_STEP_FEEDBACK] = (ctk_dist){ CTK_DIST_EXP, 1800.0, 0.0 };  /* ours */
  m->delay[CTK_STEP_COMPLETE] = (ctk_dist){ CTK_DIST_EXP, 7200.0, 0.0 };  /* ours */
  m->delay[CTK_STEP_REVISIT] = (ctk_dist){ CTK_DIST_EXP, 3600.0, 0.0 };   /* ours */
  m->delay[CTK_STEP_ARCHIVE] = (ctk_dist){ CTK_DIST_EXP, 600.0, 0.0 };    /* ours */
  m->time_scale = 1.0;
  m->urge_speedup = 4.0;
  m->max_retries = 2;
  m->retry_backoff_s = 1.0;
}

/* A whole-string number, in [lo, hi]. */
static int parse_number(const char *s, double lo, double hi, double *out)
{
  char *end = NULL;
  double v;
  errno = 0;
  v = strtod(s, &end);
  if(errno || end == s || !isfinite(v))
    return -1;
  while(*end == ' ' || *end == '\t')
    end++;
  if(*end)
    return -1;
  if(v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static ctk_code parse_dist(const char *value, ctk_dist *d, char *err, size_t errlen)
{
  char kind[16];
  double a = 0, b = 0;
  int n = sscanf(value, "%15s %lf %lf", kind, &a, &b);
  if(n < 2)
    goto bad;
  if(!strcmp(kind, "fixed") && n == 2 && a >= 0)
    *d = (ctk_dist){ CTK_DIST_FIXED, a, 0 };
  else if(!strcmp(kind, "exp") && n == 2 && a >= 0)
    *d = (ctk_dist){ CTK_DIST_EXP, a, 0 };
  else if(!strcmp(kind, "uniform") && n == 3 && a >= 0 && b >= a)
    *d = (ctk_dist){ CTK_DIST_UNIFORM, a, b };
  else if(!strcmp(kind, "lognormal") && n == 3 && a > 0 && b >= 0)
    *d = (ctk_dist){ CTK_DIST_LOGNORMAL, a, b };
  else
    goto bad;
  return CTK_E_OK;
bad:
  snprintf(err, errlen, "bad distribution '%s' (fixed S | exp MEAN | uniform MIN MAX | "
           "lognormal MEDIAN SIGMA, seconds)", value);
  return CTK_E_INVAL;
}

/* key "prefix.name": the name part, or NULL when key has another prefix. */
static const char *key_suffix(const char *key, const char *prefix)
{
  size_t n = strlen(prefix);
  if(strncmp(key, prefix, n) || key[n] != '.' || !key[n + 1])
    return NULL;
  return key + n + 1;
}

ctk_code ctk_traffic_set(ctk_traffic_model *m, const char *key, const char *value, char *err,
                         size_t errlen)
{
  static const char *const mixes[] = { "business", "domain", "channel", "instant",
                                       "satisfaction" };
  ctk_traffic_mix *targets[5];
  const char *name;
  double v;
  size_t i;
  int s;

  targets[0] = &m->business;
  targets[1] = &m->domain;
  targets[2] = &m->channel;
  targets[3] = &m->instant;
  targets[4] = &m->satisfaction;
  for(i = 0; i < 5; i++) {
    name = key_suffix(key, mixes[i]);
    if(!name)
      continue;
    if(strlen(name) >= CTK_TRAFFIC_NAME_MAX) {
      snprintf(err, errlen, "name '%s' is too long", name);
      return CTK_E_INVAL;
    }
    if(parse_number(value, 0, i == 3 ? 100 : 1e9, &v)) {
      snprintf(err, errlen, "%s: '%s' is not a %s", key, value,
               i == 3 ? "percentage 0..100" : "non-negative weight");
      return CTK_E_INVAL;
    }
    if(targets[i]->count >= CTK_TRAFFIC_CHOICES_MAX &&
       ctk_traffic_weight(targets[i], name) <= 0) {
      snprintf(err, errlen, "%s: more than %d choices", mixes[i], CTK_TRAFFIC_CHOICES_MAX);
      return CTK_E_TOOBIG;
    }
    mix_put(targets[i], name, v);
    return CTK_E_OK;
  }
  name = key_suffix(key, "delay");
  if(name) {
    for(s = 0; s < CTK_STEP__COUNT; s++) {
      if(!strcmp(name, step_names[s]))
        return parse_dist(value, &m->delay[s], err, errlen);
    }
    snprintf(err, errlen, "unknown step '%s' (sign, feedback, complete, revisit, archive)", name);
    return CTK_E_INVAL;
  }
  {
    struct { const char *key; double *dst; double lo, hi; } nums[] = {
      { "rate", &m->rate, 0, 1e6 },
      { "cross_city_pct", &m->cross_city_pct, 0, 100 },
      { "cross_province_pct", &m->cross_province_pct, 0, 100 },
      { "return_pct", &m->return_pct, 0, 100 },
      { "reached_pct", &m->reached_pct, 0, 100 },
      { "feedback_pct", &m->feedback_pct, 0, 100 },
      { "time_scale", &m->time_scale, 1e-6, 1e9 },
      { "urge_speedup", &m->urge_speedup, 1, 1e9 },
      { "retry_backoff_s", &m->retry_backoff_s, 0, 3600 },
    };
    for(i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
      if(strcmp(key, nums[i].key))
        continue;
      if(parse_number(value, nums[i].lo, nums[i].hi, nums[i].dst)) {
        snprintf(err, errlen, "%s: '%s' is not a number in %g..%g", key, value, nums[i].lo,
                 nums[i].hi);
        return CTK_E_INVAL;
      }
      return CTK_E_OK;
    }
  }
  if(!strcmp(key, "max_retries")) {
    if(parse_number(value, 0, 20, &v) || v != floor(v)) {
      snprintf(err, errlen, "max_retries: '%s' is not a whole number 0..20", value);
      return CTK_E_INVAL;
    }
    m->max_retries = (int)v;
    return CTK_E_OK;
  }
  snprintf(err, errlen, "unknown key '%s'", key);
  return CTK_E_INVAL;
}

static ctk_code traffic_entry(void *ctx, const char *key, const char *value, int line,
                              char *why, size_t whylen)
{
  (void)line;
  return ctk_traffic_set(ctx, key, value, why, whylen);
}

ctk_code ctk_traffic_load(const char *path, ctk_traffic_model *m, char *err, size_t errlen)
{
  return ctk_kvfile_each(path, traffic_entry, m, err, errlen);
}

/* ---------- random draws ---------- */

void ctk_rng_seed(ctk_rng *r, unsigned long long seed)
{
  /* mix the seed so that small seeds (1, 2, 3) give unrelated streams */
  seed ^= seed >> 33;
  seed *= 0xff51afd7ed558ccdULL;
  seed ^= seed >> 33;
  r->state[0] = (unsigned short)(seed & 0xffff);
  r->state[1] = (unsigned short)((seed >> 16) & 0xffff);
  r->state[2] = (unsigned short)((seed >> 32) & 0xffff);
}

double ctk_rng_uniform(ctk_rng *r)
{
  return erand48(r->state);
}

unsigned long ctk_rng_below(ctk_rng *r, unsigned long n)
{
  unsigned long v;
  if(!n)
    return 0;
  v = (unsigned long)(ctk_rng_uniform(r) * (double)n);
  return v < n ? v : n - 1;
}

int ctk_rng_percent(ctk_rng *r, double pct)
{
  return ctk_rng_uniform(r) * 100.0 < pct;
}

double ctk_dist_draw(const ctk_dist *d, ctk_rng *r)
{
  double u, v;
  switch(d->kind) {
  case CTK_DIST_FIXED:
    return d->a;
  case CTK_DIST_EXP:
    return -d->a * log(1.0 - ctk_rng_uniform(r));
  case CTK_DIST_UNIFORM:
    return d->a + (d->b - d->a) * ctk_rng_uniform(r);
  case CTK_DIST_LOGNORMAL:
    /* Box-Muller for one standard normal */
    u = 1.0 - ctk_rng_uniform(r);
    v = ctk_rng_uniform(r);
    return d->a * exp(d->b * sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v));
  }
  return 0;
}

double ctk_traffic_next_arrival(const ctk_traffic_model *m, ctk_rng *r)
{
  if(m->rate <= 0)
    return -1;
  return -log(1.0 - ctk_rng_uniform(r)) / m->rate;
}

int ctk_traffic_pick_index(const ctk_traffic_mix *mix, ctk_rng *r)
{
  double total = 0, x;
  size_t i;
  for(i = 0; i < mix->count; i++)
    total += mix->weights[i];
  if(total <= 0)
    return mix->count ? 0 : -1;
  x = ctk_rng_uniform(r) * total;
  for(i = 0; i < mix->count; i++) {
    if(x < mix->weights[i])
      return (int)i;
    x -= mix->weights[i];
  }
  /* rounding left x at the very top: the last choice with weight */
  for(i = mix->count; i > 0; i--) {
    if(mix->weights[i - 1] > 0)
      return (int)(i - 1);
  }
  return -1;
}

const char *ctk_traffic_pick(const ctk_traffic_mix *mix, ctk_rng *r)
{
  int i = ctk_traffic_pick_index(mix, r);
  return i < 0 ? NULL : mix->names[i];
}

double ctk_traffic_weight(const ctk_traffic_mix *mix, const char *name)
{
  size_t i;
  for(i = 0; i < mix->count; i++) {
    if(!strcmp(mix->names[i], name))
      return mix->weights[i];
  }
  return 0;
}

ctk_order_kind ctk_traffic_kind(const ctk_traffic_model *m, const char *business, ctk_rng *r)
{
  double x;
  /* Always draw both numbers so that a stream stays aligned whatever the shares are. */
  int instant = ctk_rng_percent(r, business ? ctk_traffic_weight(&m->instant, business) : 0);
  x = ctk_rng_uniform(r) * 100.0;
  if(instant)
    return CTK_KIND_INSTANT;
  if(x < m->cross_province_pct)
    return CTK_KIND_CROSS_PROVINCE;
  if(x < m->cross_province_pct + m->cross_city_pct)
    return CTK_KIND_CROSS_CITY;
  return CTK_KIND_LOCAL;
}

double ctk_traffic_delay(const ctk_traffic_model *m, ctk_step step, ctk_rng *r)
{
  double s;
  if(step < 0 || step >= CTK_STEP__COUNT)
    return 0;
  s = ctk_dist_draw(&m->delay[step], r);
  if(s < 0)
    s = 0;
  return s / (m->time_scale > 0 ? m->time_scale : 1.0);
}
