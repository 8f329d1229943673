/* ctk_traffic: the city simulator's traffic model: Poisson arrivals, business mix, domains,
 * channels, instant and cross-region shares, and the delays of the city's part, from a seeded RNG. */
#ifndef CTK_TRAFFIC_H
#define CTK_TRAFFIC_H

#include <stddef.h>

#include "ctk_error.h"

/* What happens to a new order, decided once when it is created. */
typedef enum {
  CTK_KIND_LOCAL = 0,          /* reported (report) and handled by the accepting city */
  CTK_KIND_INSTANT,            /* answered during the call; reported as instant-answered */
  CTK_KIND_CROSS_CITY,         /* belongs to another city of the province (transfer up) */
  CTK_KIND_CROSS_PROVINCE,     /* another province (transfer up, routed by the ministry) */
  CTK_KIND__COUNT
} ctk_order_kind;

/* "local", "instant", "cross-city", "cross-province". */
const char *ctk_order_kind_name(ctk_order_kind kind);
/* -1 if unknown. */
int ctk_order_kind_parse(const char *s);

/* The steps of the city's part, each with its own delay distribution. */
typedef enum {
  CTK_STEP_SIGN = 0,           /* transfer received -> sign or return */
  CTK_STEP_FEEDBACK,           /* signed -> progress feedback */
  CTK_STEP_COMPLETE,           /* feedback -> complete */
  CTK_STEP_REVISIT,            /* completed -> revisit result */
  CTK_STEP_ARCHIVE,            /* revisited -> archive */
  CTK_STEP__COUNT
} ctk_step;

const char *ctk_step_name(ctk_step step);   /* "sign", "feedback", ... */

typedef enum { CTK_DIST_FIXED = 0, CTK_DIST_EXP, CTK_DIST_UNIFORM, CTK_DIST_LOGNORMAL } ctk_dist_kind;

/* A delay distribution in seconds: fixed A; exp mean A; uniform A..B; lognormal median A sigma B. */
typedef struct ctk_dist {
  ctk_dist_kind kind;
  double a;
  double b;
} ctk_dist;

#define CTK_TRAFFIC_CHOICES_MAX 16
#define CTK_TRAFFIC_NAME_MAX 48

/* A weighted choice among names (the profile's symbolic code names, e.g. "enquiry"). */
typedef struct ctk_traffic_mix {
  char names[CTK_TRAFFIC_CHOICES_MAX][CTK_TRAFFIC_NAME_MAX];
  double weights[CTK_TRAFFIC_CHOICES_MAX];
  size_t count;
} ctk_traffic_mix;

typedef struct ctk_traffic_model {
  double rate;                 /* arrivals per second, for all simulated cities together */
  ctk_traffic_mix business;    /* business types by weight */
  ctk_traffic_mix domain;      /* business domains by weight */
  ctk_traffic_mix channel;     /* intake channels by weight */
  ctk_traffic_mix instant;     /* per business type: percent answered at once */
  ctk_traffic_mix satisfaction; /* revisit answers by satisfaction name */
  double reached_pct;          /* percent of revisits that reach the caller */
  double cross_city_pct;       /* percent of non-instant orders for another city */
  double cross_province_pct;   /* percent of non-instant orders for another province */
  double return_pct;           /* percent of transfers the city returns instead of signing */
  double feedback_pct;         /* percent of handled orders that get a progress feedback */
  ctk_dist delay[CTK_STEP__COUNT];
  double time_scale;           /* every delay is divided by this (60 = a minute per second) */
  double urge_speedup;         /* an urge or supervise divides the remaining delay by this */
  int max_retries;             /* resends after a transport failure or BUSY */
  double retry_backoff_s;      /* first backoff; doubles each retry */
} ctk_traffic_model;

/* The built-in model: the same values as fixtures/traffic-model.conf. */
void ctk_traffic_defaults(ctk_traffic_model *m);
/* Set one "key = value" item (the file syntax). err says what is wrong. */
ctk_code ctk_traffic_set(ctk_traffic_model *m, const char *key, const char *value, char *err,
                         size_t errlen);
/* Load a model file over the defaults. err is "FILE:LINE: problem". */
ctk_code ctk_traffic_load(const char *path, ctk_traffic_model *m, char *err, size_t errlen);

/* A reproducible random stream (48-bit, libc erand48); one per simulator, used under its lock. */
typedef struct ctk_rng {
  unsigned short state[3];
} ctk_rng;

void ctk_rng_seed(ctk_rng *r, unsigned long long seed);
double ctk_rng_uniform(ctk_rng *r);                      /* [0, 1) */
unsigned long ctk_rng_below(ctk_rng *r, unsigned long n); /* [0, n), 0 when n is 0 */
int ctk_rng_percent(ctk_rng *r, double pct);             /* 1 with probability pct/100 */

/* Seconds until the next arrival (exponential with the model's rate); -1 when the rate is 0. */
double ctk_traffic_next_arrival(const ctk_traffic_model *m, ctk_rng *r);
/* A name drawn from the mix by weight; NULL when the mix is empty. */
const char *ctk_traffic_pick(const ctk_traffic_mix *mix, ctk_rng *r);
/* The same draw as its index in the mix (for tables kept beside it); -1 when it is empty. */
int ctk_traffic_pick_index(const ctk_traffic_mix *mix, ctk_rng *r);
/* Weight of name in the mix, 0 when absent. */
double ctk_traffic_weight(const ctk_traffic_mix *mix, const char *name);
/* Kind of a new order of this business type. */
ctk_order_kind ctk_traffic_kind(const ctk_traffic_model *m, const char *business, ctk_rng *r);
/* Delay of a step in seconds, already divided by time_scale. */
double ctk_traffic_delay(const ctk_traffic_model *m, ctk_step step, ctk_rng *r);
/* A draw from one distribution, in seconds, never negative. */
double ctk_dist_draw(const ctk_dist *d, ctk_rng *r);

#endif
