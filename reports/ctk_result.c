/* ctk_result: the result model of a conformance run. */
#include "ctk_result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_version.h"
#include "ctk_profile.h"

/* ---------- names ---------- */

static const char *const verdict_names[CTK_VERDICT__COUNT] = {
  "pass", "fail", "inconc", "skip", "error"
};
static const char *const class_names[CTK_CLASS__COUNT] = { "mandatory", "optional" };
static const char *const slow_names[] = { "none", "sut", "tool" };
static const char *const sut_names[] = { "province", "city", "ministry" };
static const char *const xchg_names[] = { "out", "in" };

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
  if(v < 0 || (size_t)v >= n)
    return "?";
  return names[v];
}

static int parse_name(const char *const *names, size_t n, const char *s)
{
  size_t i;
  if(!s)
    return -1;
  for(i = 0; i < n; i++) {
    if(!strcasecmp(s, names[i]))
      return (int)i;
  }
  return -1;
}

const char *ctk_verdict_name(ctk_verdict v)
{
  return name_of(verdict_names, COUNT_OF(verdict_names), (int)v);
}

int ctk_verdict_parse(const char *s)
{
  return parse_name(verdict_names, COUNT_OF(verdict_names), s);
}

const char *ctk_conf_class_name(ctk_conf_class c)
{
  return name_of(class_names, COUNT_OF(class_names), (int)c);
}

int ctk_conf_class_parse(const char *s)
{
  return parse_name(class_names, COUNT_OF(class_names), s);
}

const char *ctk_slow_side_name(ctk_slow_side s)
{
  return name_of(slow_names, COUNT_OF(slow_names), (int)s);
}

int ctk_slow_side_parse(const char *s)
{
  return parse_name(slow_names, COUNT_OF(slow_names), s);
}

const char *ctk_sut_kind_name(ctk_sut_kind k)
{
  return name_of(sut_names, COUNT_OF(sut_names), (int)k);
}

int ctk_sut_kind_parse(const char *s)
{
  return parse_name(sut_names, COUNT_OF(sut_names), s);
}

const char *ctk_xchg_dir_name(ctk_xchg_dir d)
{
  return name_of(xchg_names, COUNT_OF(xchg_names), (int)d);
}

int ctk_xchg_dir_parse(const char *s)
{
  return parse_name(xchg_names, COUNT_OF(xchg_names), s);
}

/* ---------- time ---------- */

void ctk_result_now(char out[CTK_RESULT_TIME_LEN])
{
  struct timespec ts;
  char base[24];
  unsigned ms;

  clock_gettime(CLOCK_REALTIME, &ts);
  /* Beijing time, written with an explicit offset (docs/TIME.md). */
  ctk_beijing_strftime(ts.tv_sec, "%Y-%m-%dT%H:%M:%S", base, sizeof(base));
  ms = (unsigned)(ts.tv_nsec / 1000000L) % 1000u;
  snprintf(out, CTK_RESULT_TIME_LEN, "%.19s.%03u+08:00", base, ms);
}

/* ---------- key/value lists ---------- */

int ctk_result_key_is_secret(const char *key)
{
  static const char *const words[] = { "secret", "password", "token", "key" };
  size_t i;
  if(!key)
    return 0;
  for(i = 0; i < COUNT_OF(words); i++) {
    if(strcasestr(key, words[i]))
      return 1;
  }
  return 0;
}

const char *ctk_kvlist_get(const ctk_kvlist *list, const char *key)
{
  size_t i;
  for(i = 0; i < list->count; i++) {
    if(!strcmp(list->items[i].key, key))
      return list->items[i].value;
  }
  return NULL;
}

static void kvlist_free(ctk_kvlist *list)
{
  size_t i;
  for(i = 0; i < list->count; i++) {
    free(list->items[i].key);
    free(list->items[i].value);
  }
  free(list->items);
  memset(list, 0, sizeof(*list));
}

static ctk_code kvlist_set(ctk_kvlist *list, const char *key, const char *value)
{
  const char *stored = ctk_result_key_is_secret(key) ? CTK_RESULT_MASK : (value ? value : "");
  char *copy;
  size_t i;

  if(!key || !*key)
    return CTK_E_INVAL;
  copy = strdup(stored);
  if(!copy)
    return CTK_E_NOMEM;
  for(i = 0; i < list->count; i++) {
    if(!strcmp(list->items[i].key, key)) {
      free(list->items[i].value);
      list->items[i].value = copy;
      return CTK_E_OK;
    }
  }
  if(list->count >= CTK_RESULT_KV_MAX) {
    free(copy);
    return CTK_E_TOOBIG;
  }
  if(list->count == list->cap) {
    size_t ncap = list->cap ? list->cap * 2 : 8;
    ctk_kv *n = realloc(list->items, ncap * sizeof(*n));
    if(!n) {
      free(copy);
      return CTK_E_NOMEM;
    }
    list->items = n;
    list->cap = ncap;
  }
  list->items[list->count].key = strdup(key);
  if(!list->items[list->count].key) {
    free(copy);
    return CTK_E_NOMEM;
  }
  list->items[list->count].value = copy;
  list->count++;
  return CTK_E_OK;
}

/* ---------- run ---------- */

ctk_code ctk_run_new(ctk_run **out)
{
  ctk_run *run = calloc(1, sizeof(*run));
  *out = NULL;
  if(!run)
    return CTK_E_NOMEM;
  ctk_strlcpy(run->tool_version, ctk_version(), sizeof(run->tool_version));
  ctk_strlcpy(run->tool_commit, ctk_git_commit(), sizeof(run->tool_commit));
  ctk_result_now(run->started);
  if(gethostname(run->host, sizeof(run->host)) != 0)
    ctk_strlcpy(run->host, "unknown", sizeof(run->host));
  run->host[sizeof(run->host) - 1] = '\0';
  *out = run;
  return CTK_E_OK;
}

static void test_free(ctk_test_result *t)
{
  size_t i;
  if(!t)
    return;
  for(i = 0; i < t->n_exchanges; i++)
    free(t->exchanges[i].raw);
  free(t->exchanges);
  for(i = 0; i < t->n_series; i++)
    free(t->series[i].values);
  free(t);
}

void ctk_run_free(ctk_run *run)
{
  size_t i;
  if(!run)
    return;
  for(i = 0; i < run->n_tests; i++)
    test_free(run->tests[i]);
  free(run->tests);
  kvlist_free(&run->pics);
  kvlist_free(&run->pixit);
  free(run);
}

void ctk_run_set_profile(ctk_run *run, const ctk_profile *p)
{
  ctk_strlcpy(run->profile_name, p->name, sizeof(run->profile_name));
  ctk_strlcpy(run->profile_version, p->version, sizeof(run->profile_version));
  ctk_strlcpy(run->profile_provenance, p->provenance, sizeof(run->profile_provenance));
  ctk_strlcpy(run->profile_statement, p->statement, sizeof(run->profile_statement));
  ctk_strlcpy(run->profile_sha256, p->sha256, sizeof(run->profile_sha256));
}

void ctk_run_set_sut(ctk_run *run, ctk_sut_kind kind, const char *region, const char *name,
                     const char *endpoint)
{
  run->sut.kind = kind;
  ctk_strlcpy(run->sut.region, region ? region : "", sizeof(run->sut.region));
  ctk_strlcpy(run->sut.name, name ? name : "", sizeof(run->sut.name));
  ctk_strlcpy(run->sut.endpoint, endpoint ? endpoint : "", sizeof(run->sut.endpoint));
}

ctk_code ctk_run_set_pics(ctk_run *run, const char *key, const char *value)
{
  return kvlist_set(&run->pics, key, value);
}

ctk_code ctk_run_set_pixit(ctk_run *run, const char *key, const char *value)
{
  return kvlist_set(&run->pixit, key, value);
}

void ctk_run_finish(ctk_run *run)
{
  ctk_result_now(run->finished);
}

/* ---------- tests ---------- */

ctk_code ctk_run_add_test(ctk_run *run, const char *id, const char *name, const char *part,
                          ctk_conf_class conf_class, ctk_test_result **out)
{
  ctk_test_result *t;

  if(out)
    *out = NULL;
  if(!id || !*id)
    return CTK_E_INVAL;
  if(run->n_tests >= CTK_RESULT_TESTS_MAX)
    return CTK_E_TOOBIG;
  if(run->n_tests == run->cap_tests) {
    size_t ncap = run->cap_tests ? run->cap_tests * 2 : 32;
    ctk_test_result **n = realloc(run->tests, ncap * sizeof(*n));
    if(!n)
      return CTK_E_NOMEM;
    run->tests = n;
    run->cap_tests = ncap;
  }
  t = calloc(1, sizeof(*t));
  if(!t)
    return CTK_E_NOMEM;
  ctk_strlcpy(t->id, id, sizeof(t->id));
  ctk_strlcpy(t->name, name ? name : "", sizeof(t->name));
  ctk_strlcpy(t->part, part ? part : "", sizeof(t->part));
  t->conf_class = conf_class == CTK_CLASS_OPTIONAL ? CTK_CLASS_OPTIONAL : CTK_CLASS_MANDATORY;
  t->verdict = CTK_VERDICT_INCONC;
  ctk_strlcpy(t->reason, "not run", sizeof(t->reason));
  run->tests[run->n_tests++] = t;
  if(out)
    *out = t;
  return CTK_E_OK;
}

ctk_test_result *ctk_run_find_test(const ctk_run *run, const char *id)
{
  size_t i;
  for(i = 0; i < run->n_tests; i++) {
    if(!strcmp(run->tests[i]->id, id))
      return run->tests[i];
  }
  return NULL;
}

ctk_code ctk_test_add_requirement(ctk_test_result *t, const char *req_id)
{
  size_t i;
  if(!req_id || !*req_id)
    return CTK_E_INVAL;
  for(i = 0; i < t->n_requirements; i++) {
    if(!strcmp(t->requirements[i], req_id))
      return CTK_E_OK;
  }
  if(t->n_requirements >= CTK_RESULT_REQS_MAX)
    return CTK_E_TOOBIG;
  ctk_strlcpy(t->requirements[t->n_requirements++], req_id, sizeof(t->requirements[0]));
  return CTK_E_OK;
}

void ctk_test_set_verdict(ctk_test_result *t, ctk_verdict v, const char *fmt, ...)
{
  va_list ap;
  if((int)v < 0 || v >= CTK_VERDICT__COUNT)
    v = CTK_VERDICT_ERROR;
  t->verdict = v;
  t->reason[0] = '\0';
  if(fmt) {
    va_start(ap, fmt);
    vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
    va_end(ap);
  }
}

void ctk_test_set_timing(ctk_test_result *t, const char *started, double duration_ms)
{
  ctk_strlcpy(t->started, started ? started : "", sizeof(t->started));
  t->duration_ms = duration_ms < 0 ? 0 : duration_ms;
}

ctk_code ctk_test_add_exchange(ctk_test_result *t, const ctk_exchange_info *info)
{
  ctk_exchange *x;
  size_t keep;

  if(!info)
    return CTK_E_INVAL;
  if(t->n_exchanges >= CTK_RESULT_EXCHANGES_MAX) {
    t->dropped_exchanges++;
    return CTK_E_OK;
  }
  if(t->n_exchanges == t->cap_exchanges) {
    size_t ncap = t->cap_exchanges ? t->cap_exchanges * 2 : 8;
    ctk_exchange *n;
    if(ncap > CTK_RESULT_EXCHANGES_MAX)
      ncap = CTK_RESULT_EXCHANGES_MAX;
    n = realloc(t->exchanges, ncap * sizeof(*n));
    if(!n)
      return CTK_E_NOMEM;
    t->exchanges = n;
    t->cap_exchanges = ncap;
  }
  x = &t->exchanges[t->n_exchanges];
  memset(x, 0, sizeof(*x));
  keep = info->raw ? info->raw_len : 0;
  if(keep > CTK_RESULT_RAW_MAX)
    keep = CTK_RESULT_RAW_MAX;
  x->raw = malloc(keep + 1);
  if(!x->raw)
    return CTK_E_NOMEM;
  if(keep)
    memcpy(x->raw, info->raw, keep);
  x->raw[keep] = '\0';
  x->raw_len = keep;
  x->raw_total = info->raw ? info->raw_len : 0;
  x->direction = info->direction == CTK_XCHG_IN ? CTK_XCHG_IN : CTK_XCHG_OUT;
  ctk_strlcpy(x->peer, info->peer ? info->peer : "", sizeof(x->peer));
  ctk_strlcpy(x->interface_code, info->interface_code ? info->interface_code : "",
              sizeof(x->interface_code));
  if(info->time)
    ctk_strlcpy(x->time, info->time, sizeof(x->time));
  else
    ctk_result_now(x->time);
  x->latency_ms = info->latency_ms < 0 ? 0 : info->latency_ms;
  x->http_status = info->http_status;
  ctk_strlcpy(x->result_code, info->result_code ? info->result_code : "",
              sizeof(x->result_code));
  t->n_exchanges++;
  return CTK_E_OK;
}

ctk_series *ctk_test_series(ctk_test_result *t, const char *name, const char *unit,
                            double step_s)
{
  ctk_series *s;
  size_t i;
  if(!name || !*name)
    return NULL;
  for(i = 0; i < t->n_series; i++) {
    if(!strcmp(t->series[i].name, name))
      return &t->series[i];
  }
  if(t->n_series >= CTK_RESULT_SERIES_MAX)
    return NULL;
  s = &t->series[t->n_series++];
  memset(s, 0, sizeof(*s));
  ctk_strlcpy(s->name, name, sizeof(s->name));
  ctk_strlcpy(s->unit, unit ? unit : "", sizeof(s->unit));
  s->step_s = step_s > 0 ? step_s : 0;
  return s;
}

ctk_code ctk_test_measure(ctk_test_result *t, const char *name, const char *unit, double value)
{
  ctk_measure *m = NULL;
  size_t i;
  if(!name || !*name)
    return CTK_E_INVAL;
  for(i = 0; i < t->n_measures && !m; i++) {
    if(!strcmp(t->measures[i].name, name))
      m = &t->measures[i];
  }
  if(!m) {
    if(t->n_measures >= CTK_RESULT_MEASURES_MAX)
      return CTK_E_TOOBIG;
    m = &t->measures[t->n_measures++];
    ctk_strlcpy(m->name, name, sizeof(m->name));
  }
  ctk_strlcpy(m->unit, unit ? unit : "", sizeof(m->unit));
  m->value = value;
  return CTK_E_OK;
}

ctk_code ctk_series_add(ctk_series *s, double value)
{
  if(s->count >= CTK_RESULT_SAMPLES_MAX) {
    s->dropped++;
    return CTK_E_OK;
  }
  if(s->count == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 64;
    double *n;
    if(ncap > CTK_RESULT_SAMPLES_MAX)
      ncap = CTK_RESULT_SAMPLES_MAX;
    n = realloc(s->values, ncap * sizeof(*n));
    if(!n)
      return CTK_E_NOMEM;
    s->values = n;
    s->cap = ncap;
  }
  s->values[s->count++] = value;
  return CTK_E_OK;
}

/* ---------- summary ---------- */

static void count_one(ctk_counts *c, ctk_verdict v)
{
  if((int)v >= 0 && v < CTK_VERDICT__COUNT)
    c->by_verdict[v]++;
  c->total++;
}

static int cmp_part(const void *a, const void *b)
{
  return strcmp(((const ctk_part_counts *)a)->part, ((const ctk_part_counts *)b)->part);
}

void ctk_run_summary(const ctk_run *run, ctk_summary *out)
{
  size_t i, j;
  memset(out, 0, sizeof(*out));
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    ctk_part_counts *pc = NULL;
    count_one(&out->all, t->verdict);
    count_one(&out->by_class[t->conf_class == CTK_CLASS_OPTIONAL], t->verdict);
    out->exchanges += t->n_exchanges;
    for(j = 0; j < out->n_parts; j++) {
      if(!strcmp(out->parts[j].part, t->part)) {
        pc = &out->parts[j];
        break;
      }
    }
    if(!pc && out->n_parts < CTK_SUMMARY_PARTS_MAX) {
      pc = &out->parts[out->n_parts++];
      ctk_strlcpy(pc->part, t->part, sizeof(pc->part));
    }
    if(pc)
      count_one(&pc->counts, t->verdict);
    else
      out->other_parts++;
  }
  qsort(out->parts, out->n_parts, sizeof(out->parts[0]), cmp_part);
}

int ctk_run_certifiable(const ctk_run *run)
{
  ctk_summary s;
  const ctk_counts *m;
  ctk_run_summary(run, &s);
  m = &s.by_class[CTK_CLASS_MANDATORY];
  return m->total > 0 && m->by_verdict[CTK_VERDICT_PASS] == m->total &&
         s.all.by_verdict[CTK_VERDICT_FAIL] == 0;
}

int ctk_run_exit_code(const ctk_run *run)
{
  ctk_summary s;
  const ctk_counts *m;
  ctk_run_summary(run, &s);
  m = &s.by_class[CTK_CLASS_MANDATORY];
  if(s.all.by_verdict[CTK_VERDICT_FAIL])
    return CTK_EXIT_FAIL;
  if(s.all.by_verdict[CTK_VERDICT_INCONC] || s.all.by_verdict[CTK_VERDICT_ERROR] ||
     m->by_verdict[CTK_VERDICT_PASS] != m->total)
    return CTK_EXIT_ERROR;
  return CTK_EXIT_OK;
}
