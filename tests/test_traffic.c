/* test_traffic: the city simulator's traffic model: draws follow the configured shares within
 * statistical bounds (fixed seeds, many draws), streams are reproducible, bad files are refused. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "city/ctk_traffic.h"
#include "ctk_test.h"

#define DRAWS 200000

/* |observed share - p| within 5 standard deviations of a binomial share over n draws:
 * a correct generator fails this about once in 1.7 million runs, a wrong share fails always. */
static int share_ok(unsigned long hits, unsigned long n, double p)
{
  double observed = (double)hits / (double)n;
  double sd = sqrt(p * (1.0 - p) / (double)n);
  double tol = 5.0 * sd + 1e-9;
  if(fabs(observed - p) > tol) {
    fprintf(stderr, "share %.5f, expected %.5f +- %.5f\n", observed, p, tol);
    return 0;
  }
  return 1;
}

static double mix_share(const ctk_traffic_mix *mix, const char *name)
{
  double total = 0;
  size_t i;
  for(i = 0; i < mix->count; i++)
    total += mix->weights[i];
  return ctk_traffic_weight(mix, name) / total;
}

static void check_mix(const ctk_traffic_mix *mix, unsigned long long seed)
{
  unsigned long hits[CTK_TRAFFIC_CHOICES_MAX];
  ctk_rng rng;
  size_t i, k;
  memset(hits, 0, sizeof(hits));
  ctk_rng_seed(&rng, seed);
  for(i = 0; i < DRAWS; i++) {
    const char *name = ctk_traffic_pick(mix, &rng);
    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    for(k = 0; k < mix->count; k++) {
      if(!strcmp(name, mix->names[k]))
        hits[k]++;
    }
  }
  for(k = 0; k < mix->count; k++)
    CU_ASSERT(share_ok(hits[k], DRAWS, mix_share(mix, mix->names[k])));
}

static void test_business_mix_follows_2020_figures(void)
{
  ctk_traffic_model m;
  ctk_traffic_defaults(&m);
  /* the published 2020 national mix, normalised */
  CU_ASSERT_DOUBLE_EQUAL(mix_share(&m.business, "enquiry"), 0.9231, 1e-4);
  CU_ASSERT_DOUBLE_EQUAL(mix_share(&m.business, "complaint"), 0.0508, 1e-4);
  CU_ASSERT_DOUBLE_EQUAL(mix_share(&m.business, "suggestion"), 0.0261, 1e-4);
  check_mix(&m.business, 1);
}

static void test_domain_and_channel_mix(void)
{
  ctk_traffic_model m;
  ctk_traffic_defaults(&m);
  CU_ASSERT_DOUBLE_EQUAL(mix_share(&m.domain, "highway"), 0.7509 / 0.9998, 1e-4);
  check_mix(&m.domain, 2);
  check_mix(&m.channel, 3);
  check_mix(&m.satisfaction, 4);
}

static void test_kinds_follow_instant_and_cross_shares(void)
{
  ctk_traffic_model m;
  ctk_rng rng;
  unsigned long kinds[CTK_KIND__COUNT] = { 0 };
  unsigned long complaints_instant = 0;
  size_t i;

  ctk_traffic_defaults(&m);
  m.cross_city_pct = 10;
  m.cross_province_pct = 5;
  ctk_rng_seed(&rng, 5);
  for(i = 0; i < DRAWS; i++)
    kinds[ctk_traffic_kind(&m, "enquiry", &rng)]++;
  CU_ASSERT(share_ok(kinds[CTK_KIND_INSTANT], DRAWS, 0.9813));
  /* cross shares are of the orders not answered at once */
  CU_ASSERT(share_ok(kinds[CTK_KIND_CROSS_CITY], DRAWS, (1 - 0.9813) * 0.10));
  CU_ASSERT(share_ok(kinds[CTK_KIND_CROSS_PROVINCE], DRAWS, (1 - 0.9813) * 0.05));
  for(i = 0; i < DRAWS / 10; i++)
    complaints_instant += ctk_traffic_kind(&m, "complaint", &rng) == CTK_KIND_INSTANT;
  CU_ASSERT_EQUAL(complaints_instant, 0);   /* instant.complaint = 0 */
}

static void test_arrivals_are_exponential(void)
{
  ctk_traffic_model m;
  ctk_rng rng;
  double sum = 0, below_mean = 0, mean;
  size_t i;

  ctk_traffic_defaults(&m);
  m.rate = 4.0;
  ctk_rng_seed(&rng, 6);
  for(i = 0; i < DRAWS; i++) {
    double gap = ctk_traffic_next_arrival(&m, &rng);
    CU_ASSERT_FATAL(gap >= 0);
    sum += gap;
    below_mean += gap < 0.25;
  }
  mean = sum / DRAWS;
  /* mean 1/rate, sd of the mean (1/rate)/sqrt(n) */
  CU_ASSERT(fabs(mean - 0.25) < 5 * 0.25 / sqrt((double)DRAWS));
  /* P(gap < mean) = 1 - 1/e for an exponential, not 1/2 as for a symmetric law */
  CU_ASSERT(share_ok((unsigned long)below_mean, DRAWS, 1 - exp(-1)));
  m.rate = 0;
  CU_ASSERT(ctk_traffic_next_arrival(&m, &rng) < 0);
}

static void test_delay_distributions(void)
{
  ctk_traffic_model m;
  ctk_rng rng;
  unsigned long below = 0;
  size_t i;
  char err[256];

  ctk_traffic_defaults(&m);
  ctk_rng_seed(&rng, 7);
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "delay.sign", "fixed 30", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "time_scale", "10", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_DOUBLE_EQUAL(ctk_traffic_delay(&m, CTK_STEP_SIGN, &rng), 3.0, 1e-9);
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "delay.complete", "uniform 10 20", err, sizeof(err)),
                  CTK_E_OK);
  for(i = 0; i < 10000; i++) {
    double d = ctk_traffic_delay(&m, CTK_STEP_COMPLETE, &rng);
    CU_ASSERT_FATAL(d >= 1.0 && d <= 2.0);
  }
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "delay.revisit", "lognormal 100 0.8", err, sizeof(err)),
                  CTK_E_OK);
  for(i = 0; i < DRAWS; i++)
    below += ctk_traffic_delay(&m, CTK_STEP_REVISIT, &rng) < 10.0;   /* median 100 / 10 */
  CU_ASSERT(share_ok(below, DRAWS, 0.5));
}

static void test_same_seed_same_stream(void)
{
  ctk_traffic_model m;
  ctk_rng a, b, c;
  int same = 1, differs = 0;
  size_t i;
  ctk_traffic_defaults(&m);
  ctk_rng_seed(&a, 12328);
  ctk_rng_seed(&b, 12328);
  ctk_rng_seed(&c, 12329);
  for(i = 0; i < 1000; i++) {
    double x = ctk_rng_uniform(&a), y = ctk_rng_uniform(&b), z = ctk_rng_uniform(&c);
    same &= x == y;
    differs |= x != z;
    CU_ASSERT_FATAL(x >= 0 && x < 1);
  }
  CU_ASSERT(same);
  CU_ASSERT(differs);
}

static void test_fixture_equals_builtin(void)
{
  ctk_traffic_model builtin, loaded;
  char err[512] = "";
  ctk_traffic_defaults(&builtin);
  memset(&loaded, 0, sizeof(loaded));
  loaded.time_scale = 1;
  loaded.urge_speedup = 1;
  CU_ASSERT_EQUAL_FATAL(ctk_traffic_load("fixtures/traffic-model.conf", &loaded, err,
                                         sizeof(err)), CTK_E_OK);
  CU_ASSERT_DOUBLE_EQUAL(loaded.rate, builtin.rate, 1e-12);
  CU_ASSERT_EQUAL(loaded.business.count, builtin.business.count);
  CU_ASSERT_DOUBLE_EQUAL(ctk_traffic_weight(&loaded.business, "enquiry"), 92.31, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(ctk_traffic_weight(&loaded.domain, "urban-passenger"), 19.10, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(ctk_traffic_weight(&loaded.instant, "enquiry"), 98.13, 1e-12);
  CU_ASSERT_EQUAL(loaded.channel.count, builtin.channel.count);
  CU_ASSERT_EQUAL(loaded.delay[CTK_STEP_COMPLETE].kind, builtin.delay[CTK_STEP_COMPLETE].kind);
  CU_ASSERT_DOUBLE_EQUAL(loaded.delay[CTK_STEP_COMPLETE].a, builtin.delay[CTK_STEP_COMPLETE].a,
                         1e-12);
  CU_ASSERT_DOUBLE_EQUAL(loaded.cross_city_pct, builtin.cross_city_pct, 1e-12);
  CU_ASSERT_EQUAL(loaded.max_retries, builtin.max_retries);
}

static void test_bad_model_lines_are_refused(void)
{
  static const char *const bad[][2] = {
    { "rate", "fast" },
    { "rate", "-1" },
    { "instant.enquiry", "101" },
    { "business.enquiry", "-3" },
    { "delay.sign", "gamma 3" },
    { "delay.sign", "uniform 5 1" },
    { "delay.lunch", "exp 3" },
    { "max_retries", "1.5" },
    { "colour", "blue" },
  };
  ctk_traffic_model m;
  char err[256];
  const char *dir = ctk_test_tmpdir("traffic-bad");
  char path[600];
  FILE *f;
  size_t i;

  ctk_traffic_defaults(&m);
  for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    CU_ASSERT_NOT_EQUAL(ctk_traffic_set(&m, bad[i][0], bad[i][1], err, sizeof(err)), CTK_E_OK);
    CU_ASSERT(err[0] != '\0');
  }
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/model.conf", dir);
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("# comment\nrate = 2\n\nno equals sign here\n", f);
  fclose(f);
  CU_ASSERT_EQUAL(ctk_traffic_load(path, &m, err, sizeof(err)), CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, ":4:"));   /* FILE:LINE */
  CU_ASSERT_EQUAL(ctk_traffic_load("/nonexistent/model.conf", &m, err, sizeof(err)),
                  CTK_E_NOTFOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/model.conf:0: "));
  /* a bad value is reported at its line, with what the model says is wrong */
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("rate = 2\n[delay]\nsign = gamma 3\n", f);
  fclose(f);
  CU_ASSERT_NOT_EQUAL(ctk_traffic_load(path, &m, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "model.conf:3: bad distribution 'gamma 3'"));
}

/* What a model file sets is what the model then does: a choice given again replaces its weight
 * (it is not added a second time), a full mix refuses a new choice but still takes new weights
 * for the ones it has, and the bounds of each number are the documented ones, both ends in. */
static void test_settings_replace_and_bounds_hold(void)
{
  ctk_traffic_model m;
  ctk_rng rng;
  char err[256], key[64];
  size_t before, i;
  int k;

  ctk_traffic_defaults(&m);
  before = m.business.count;
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "business.enquiry", "50", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_DOUBLE_EQUAL(ctk_traffic_weight(&m.business, "enquiry"), 50, 1e-12);
  CU_ASSERT_EQUAL(m.business.count, before);
  /* fill the channel mix up to its limit */
  for(i = 0; m.channel.count < CTK_TRAFFIC_CHOICES_MAX; i++) {
    snprintf(key, sizeof(key), "channel.extra%zu", i);
    CU_ASSERT_EQUAL_FATAL(ctk_traffic_set(&m, key, "1", err, sizeof(err)), CTK_E_OK);
  }
  err[0] = '\0';
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "channel.one-too-many", "1", err, sizeof(err)),
                  CTK_E_TOOBIG);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 16 choices"));
  CU_ASSERT_EQUAL(m.channel.count, CTK_TRAFFIC_CHOICES_MAX);
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "channel.extra0", "7", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_DOUBLE_EQUAL(ctk_traffic_weight(&m.channel, "extra0"), 7, 1e-12);
  /* percentages take 0 and 100; at 100 every order not answered at once crosses provinces */
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "cross_province_pct", "100", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_NOT_EQUAL(ctk_traffic_set(&m, "cross_province_pct", "100.5", err, sizeof(err)),
                      CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "cross_city_pct", "0", err, sizeof(err)), CTK_E_OK);
  ctk_rng_seed(&rng, 9);
  for(i = 0; i < 1000; i++)
    CU_ASSERT_EQUAL(ctk_traffic_kind(&m, "complaint", &rng), CTK_KIND_CROSS_PROVINCE);
  /* whole numbers of retries, 0..20 */
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "max_retries", "3", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(m.max_retries, 3);
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "max_retries", "20", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(m.max_retries, 20);
  CU_ASSERT_NOT_EQUAL(ctk_traffic_set(&m, "max_retries", "21", err, sizeof(err)), CTK_E_OK);
  /* a lognormal needs a median above 0 and a sigma not below 0 */
  CU_ASSERT_NOT_EQUAL(ctk_traffic_set(&m, "delay.sign", "lognormal 0 1", err, sizeof(err)),
                      CTK_E_OK);
  CU_ASSERT_NOT_EQUAL(ctk_traffic_set(&m, "delay.sign", "lognormal 5 -1", err, sizeof(err)),
                      CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_traffic_set(&m, "delay.sign", "lognormal 5 0", err, sizeof(err)),
                  CTK_E_OK);
  CU_ASSERT_DOUBLE_EQUAL(ctk_traffic_delay(&m, CTK_STEP_SIGN, &rng), 5.0 / m.time_scale, 1e-9);
  /* every step has its name (the model file's delay.<name>), and nothing else has one */
  for(k = 0; k < CTK_STEP__COUNT; k++) {
    snprintf(key, sizeof(key), "delay.%s", ctk_step_name((ctk_step)k));
    CU_ASSERT_STRING_NOT_EQUAL(ctk_step_name((ctk_step)k), "unknown");
    CU_ASSERT_EQUAL(ctk_traffic_set(&m, key, "fixed 4", err, sizeof(err)), CTK_E_OK);
    CU_ASSERT_DOUBLE_EQUAL(ctk_traffic_delay(&m, (ctk_step)k, &rng), 4.0 / m.time_scale, 1e-9);
  }
  CU_ASSERT_STRING_EQUAL(ctk_step_name(CTK_STEP_SIGN), "sign");
  CU_ASSERT_STRING_EQUAL(ctk_step_name(CTK_STEP__COUNT), "unknown");
}

static void test_kind_names(void)
{
  int k;
  for(k = 0; k < CTK_KIND__COUNT; k++)
    CU_ASSERT_EQUAL(ctk_order_kind_parse(ctk_order_kind_name((ctk_order_kind)k)), k);
  CU_ASSERT_EQUAL(ctk_order_kind_parse("sideways"), -1);
  CU_ASSERT_EQUAL(ctk_order_kind_parse(NULL), -1);
}

void ctk_test_add_traffic(CU_pSuite s)
{
  CTK_TEST(s, test_business_mix_follows_2020_figures);
  CTK_TEST(s, test_domain_and_channel_mix);
  CTK_TEST(s, test_kinds_follow_instant_and_cross_shares);
  CTK_TEST(s, test_arrivals_are_exponential);
  CTK_TEST(s, test_delay_distributions);
  CTK_TEST(s, test_same_seed_same_stream);
  CTK_TEST(s, test_fixture_equals_builtin);
  CTK_TEST(s, test_bad_model_lines_are_refused);
  CTK_TEST(s, test_kind_names);
  CTK_TEST(s, test_settings_replace_and_bounds_hold);
}
