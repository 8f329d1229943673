/* ctk_ct_registry: the one list of the suites' test tables, in run order, and the walk over it. */
#include <string.h>

#include "ctk_ct.h"
#include "ctk_ct_suites.h"

typedef struct ct_suite {
  const ctk_ct_def *tests;
  const size_t *count;         /* a pointer: the count is a constant of the suite's file */
} ct_suite;

/* Run order. The PICS self-check comes first: it marks declared capabilities that do not
 * work (ctk_ct_env.broken), so the tests after it that need them end inconc. */
static const ct_suite ct_suites[] = {
  { ctk_ct_pics_tests, &ctk_ct_pics_count },
  { ctk_j1_process_tests, &ctk_j1_process_count },
  { ctk_j1_city_tests, &ctk_j1_city_count },
  { ctk_j3_interfaces_tests, &ctk_j3_interfaces_count },
  { ctk_j2_technical_tests, &ctk_j2_technical_count },
};

size_t ctk_ct_count(void)
{
  size_t n = 0;
  size_t s;
  for(s = 0; s < sizeof(ct_suites) / sizeof(ct_suites[0]); s++)
    n += *ct_suites[s].count;
  return n;
}

const ctk_ct_def *ctk_ct_at(size_t i)
{
  size_t s;
  for(s = 0; s < sizeof(ct_suites) / sizeof(ct_suites[0]); s++) {
    if(i < *ct_suites[s].count)
      return &ct_suites[s].tests[i];
    i -= *ct_suites[s].count;
  }
  return NULL;
}

const ctk_ct_def *ctk_ct_find(const char *id)
{
  size_t n = ctk_ct_count();
  size_t i;
  for(i = 0; i < n; i++) {
    const ctk_ct_def *d = ctk_ct_at(i);
    if(!strcmp(d->id, id))
      return d;
  }
  return NULL;
}
