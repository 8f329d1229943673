/* ctk_ct_runid: run ids and the order ids scoped to them (see ctk_ct_runid.h). */
#include "ctk_ct_runid.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_ct_msg.h"
#include "ctk_log.h"
#include "ctk_roles.h"
#include "ctk_validate.h"

/* Candidates tried before the run takes one unasked: enough to pass over a day of runs that
 * cluster, few enough that a SUT answering slowly costs seconds, not minutes. */
#define RUNID_PROBES 24

typedef struct runid_city {
  char region[8];
  unsigned counter;
} runid_city;

static struct {
  pthread_mutex_t lock;
  ctk_ct_env *env;
  int id;
  char day[9];
  char tag[CTK_CT_RUN_TAG_LEN];
  runid_city cities[32];
  size_t n_cities;
} runid = { PTHREAD_MUTEX_INITIALIZER, NULL, -1, "", "", { { "", 0 } }, 0 };

static unsigned runid_random(void)
{
  unsigned r = 0;
  if(getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
    r = (unsigned)time(NULL) ^ ((unsigned)getpid() << 8);
  return r;
}

static void runid_today(char day[9])
{
  ctk_beijing_strftime(time(NULL), "%Y%m%d", day, 9);
}

static void runid_format(const char *region, const char *day, unsigned id, unsigned counter,
                         char out[24])
{
  snprintf(out, 24, "%.6s%.8s%03u%03u", region, day, id % CTK_CT_RUN_IDS, counter % 1000u);
}

/* Does the SUT hold an order of run id `id`? 1 yes, 0 no, -1 it could not be asked (no
 * answer, or no province SUT whose cities the runner speaks for). */
static int runid_used(ctk_ct *t, unsigned id, const char *day)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_node to = ctk_ct_sut_node(t);
  size_t c;
  int asked = 0;

  /* a fresh reference SUT holds nothing; a city SUT is not asked as its cities */
  if(px->self_test || !strcmp(px->sut_role, "city") || !px->n_cities || !t->env->roles ||
     !t->env->roles->sut_url[0])
    return -1;
  for(c = 0; c < px->n_cities; c++) {
    ctk_ct_as as = ctk_ct_as_city(t, c);
    char order[24];
    ctk_msg *m = NULL;
    ctk_ct_reply r;
    ctk_ct_order_spec spec;
    runid_format(px->cities[c], day, id, 1, order);
    memset(&spec, 0, sizeof(spec));
    spec.order_id = order;
    if(ctk_ct_build(t, CTK_IF_QUERY, &as.node, &to, &spec, &m))
      return -1;
    ctk_ct_reply_init(&r);
    ctk_ct_send(t, &sut, &as, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
    ctk_msg_free(m);
    if(r.answer && !strcmp(r.rc_name, "OK")) {
      ctk_ct_reply_free(&r);
      return 1;
    }
    asked |= r.answer != NULL;
    ctk_ct_reply_free(&r);
  }
  return asked ? 0 : -1;
}

/* A free run id from `from` on, asked in a scratch result (the probe is no test's evidence). */
static unsigned runid_probe(ctk_ct_env *env, unsigned from, const char *day)
{
  ctk_run *scratch = NULL;
  ctk_ct_env probe_env;
  ctk_ct t;
  unsigned i, id = from % CTK_CT_RUN_IDS;

  if(!env || ctk_run_new(&scratch))
    return id;
  probe_env = *env;
  probe_env.run = scratch;
  memset(&t, 0, sizeof(t));
  t.env = &probe_env;
  if(ctk_run_add_test(scratch, "run-id", "run id probe", "pics", CTK_CLASS_OPTIONAL, &t.res)) {
    ctk_run_free(scratch);
    return id;
  }
  for(i = 0; i < RUNID_PROBES; i++) {
    int used;
    id = (from + i) % CTK_CT_RUN_IDS;
    t.final = 0;
    used = runid_used(&t, id, day);
    if(used <= 0)
      break;
  }
  ctk_run_free(scratch);
  return id;
}

/* The scheme must stay within the profile's own format of order ids (formats.csv): say so
 * loudly when a profile's format does not take it, since every order of the run would then
 * be refused for its id rather than for what the test checks. */
static void runid_check_format(const ctk_ct_env *env, unsigned id, const char *day)
{
  const char *field = NULL, *result = NULL, *req = NULL;
  char sample[24];
  const ctk_profile *p = env ? env->profile : NULL;
  const ctk_pixit *px = env ? env->pixit : NULL;
  if(!p || !px || !px->n_cities ||
     !ctk_format_of_element(p, ctk_el(p, CTK_EL_ORDER_ID), &field, &result, &req))
    return;
  runid_format(px->cities[0], day, id, 1, sample);
  if(ctk_format_match(p, field, sample) == 0)
    ctk_log(CTK_LOG_WARN, "run-id", "order id %s of the run's scheme does not match the "
            "profile's format %s (%s): orders the tests make will be refused for it", sample,
            field, req);
}

static void runid_set(unsigned id, const char *day)
{
  runid.id = (int)id;
  ctk_strlcpy(runid.day, day, sizeof(runid.day));
  snprintf(runid.tag, sizeof(runid.tag), "%.8sr%03u", day, id);
  runid.n_cities = 0;
  ctk_msg_id_scope(runid.tag + 4);
}

void ctk_ct_runid_begin(ctk_ct_env *env)
{
  char day[9];
  unsigned id;

  pthread_mutex_lock(&runid.lock);
  if(runid.id < 0) {
    runid_today(day);
    runid.env = env;
    /* CTK_RUN_ID_FROM (the toolkit's own tests): the first candidate, so two runs try the
     * same one and the probe must pass over it. */
    const char *from = getenv("CTK_RUN_ID_FROM");
    unsigned first = from && *from ? (unsigned)strtoul(from, NULL, 10) : runid_random();
    id = runid_probe(env, first, day);
    runid_set(id, day);
    runid_check_format(env, id, day);
    if(env && env->run)
      ctk_run_set_pixit(env->run, "run.id", runid.tag);
  }
  pthread_mutex_unlock(&runid.lock);
}

int ctk_ct_run_id(void)
{
  return runid.id;
}

const char *ctk_ct_run_tag(void)
{
  return runid.tag;
}

static runid_city *runid_city_of(const char *region)
{
  size_t i;
  for(i = 0; i < runid.n_cities; i++) {
    if(!strncmp(runid.cities[i].region, region, 6))
      return &runid.cities[i];
  }
  if(runid.n_cities >= sizeof(runid.cities) / sizeof(runid.cities[0]))
    return &runid.cities[runid.n_cities - 1];
  ctk_strlcpy(runid.cities[runid.n_cities].region, region, 7);
  runid.cities[runid.n_cities].counter = 0;
  return &runid.cities[runid.n_cities++];
}

void ctk_ct_order_id(const char *city_region, char out[24])
{
  runid_city *c;
  char day[9];

  pthread_mutex_lock(&runid.lock);
  if(runid.id < 0) {
    /* No run (a unit test): a random run id, not asked. */
    runid_today(day);
    runid_set(runid_random() % CTK_CT_RUN_IDS, day);
  }
  c = runid_city_of(city_region ? city_region : "");
  if(c->counter >= CTK_CT_RUN_COUNTER_MAX) {
    /* This city's orders of the run id are used up: go on under the next free one. */
    unsigned id = runid_probe(runid.env, (unsigned)runid.id + 1, runid.day);
    ctk_log(CTK_LOG_WARN, "run-id", "city %s made %u orders: the run goes on under run id %03u",
            c->region, CTK_CT_RUN_COUNTER_MAX, id);
    runid_set(id, runid.day);
    c = runid_city_of(city_region ? city_region : "");
  }
  c->counter++;
  /* The date stays the one the run id was chosen on: ids of one run id never change day. */
  runid_format(city_region ? city_region : "", runid.day, (unsigned)runid.id, c->counter, out);
  pthread_mutex_unlock(&runid.lock);
}

void ctk_ct_order_id_reserved(const char *city_region, unsigned n, char out[24])
{
  unsigned counter = CTK_CT_RUN_RESERVED_BASE + (n < 200u ? n : 199u);
  pthread_mutex_lock(&runid.lock);
  if(runid.id < 0) {
    char day[9];
    runid_today(day);
    runid_set(runid_random() % CTK_CT_RUN_IDS, day);
  }
  runid_format(city_region ? city_region : "", runid.day, (unsigned)runid.id, counter, out);
  pthread_mutex_unlock(&runid.lock);
}
