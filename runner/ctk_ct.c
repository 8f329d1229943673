/* ctk_ct: verdicts, the run plan and the CUnit frame of the conformance tests. */
#include "ctk_ct.h"
#include "ctk_ct_msg.h"
#include "ctk_ct_runid.h"

#include <dirent.h>

#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_proc.h"
#include "ctk_select.h"

/* ---------- verdicts ---------- */

static void ct_set(ctk_ct *t, ctk_verdict v, ctk_slow_side slow, const char *prefix,
                   const char *fmt, va_list ap)
{
  char reason[900];
  if(t->final)
    return;
  reason[0] = '\0';
  if(fmt)
    vsnprintf(reason, sizeof(reason), fmt, ap);
  if(prefix && *prefix)
    ctk_test_set_verdict(t->res, v, "[%s] %s", prefix, reason);
  else
    ctk_test_set_verdict(t->res, v, "%s", reason);
  t->res->slow_side = slow;
  t->final = 1;
}

void ctk_ct_pass(ctk_ct *t, const char *fmt, ...)
{
  va_list ap;
  char reason[900] = "";
  if(t->final)
    return;
  va_start(ap, fmt);
  if(fmt)
    vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  ctk_test_set_verdict(t->res, CTK_VERDICT_PASS, "%s", reason);
  t->passed = 1;
}

void ctk_ct_fail(ctk_ct *t, const char *req, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ct_set(t, CTK_VERDICT_FAIL, CTK_SLOW_NONE, req, fmt, ap);
  va_end(ap);
}

void ctk_ct_fail_timeout(ctk_ct *t, const char *req, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ct_set(t, CTK_VERDICT_FAIL, CTK_SLOW_SUT, req, fmt, ap);
  va_end(ap);
}

void ctk_ct_inconc(ctk_ct *t, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ct_set(t, CTK_VERDICT_INCONC, CTK_SLOW_NONE, NULL, fmt, ap);
  va_end(ap);
}

void ctk_ct_skip(ctk_ct *t, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ct_set(t, CTK_VERDICT_SKIP, CTK_SLOW_NONE, NULL, fmt, ap);
  va_end(ap);
}

void ctk_ct_error(ctk_ct *t, int tool_slow, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ct_set(t, CTK_VERDICT_ERROR, tool_slow ? CTK_SLOW_TOOL : CTK_SLOW_NONE, NULL, fmt, ap);
  va_end(ap);
}

int ctk_ct_done(const ctk_ct *t)
{
  return t->final;
}

void ctk_ct_record(ctk_ct *t, ctk_xchg_dir dir, const char *peer, const char *iface,
                   double latency_ms, int http_status, const char *result_code,
                   const char *raw, size_t raw_len)
{
  ctk_exchange_info info;
  memset(&info, 0, sizeof(info));
  info.direction = dir;
  info.peer = peer;
  info.interface_code = iface;
  info.latency_ms = latency_ms;
  info.http_status = http_status;
  info.result_code = result_code;
  info.raw = raw;
  info.raw_len = raw_len;
  /* Evidence limits never fail a test (see ctk_result.h); a NOMEM here is not the SUT's. */
  if(ctk_test_add_exchange(t->res, &info))
    ctk_ct_error(t, 0, "could not record evidence (out of memory)");
}

/* ---------- plan ---------- */

static int ct_sut_matches(const ctk_ct_def *d, const char *sut_role)
{
  return !d->sut || !strcmp(d->sut, "any") || !strcmp(d->sut, sut_role);
}

int ctk_ct_plan(const ctk_pics *pics, const char *sut_role, const char *select,
                ctk_ct_plan_entry *plan, char *why, size_t whylen)
{
  size_t n = ctk_ct_count();
  size_t i;
  if(ctk_select_check(select, why, whylen))
    return -1;
  for(i = 0; i < n; i++) {
    const ctk_ct_def *d = ctk_ct_at(i);
    ctk_ct_plan_entry *e = &plan[i];
    ctk_select_item item;
    char cwhy[160];
    int v;

    memset(e, 0, sizeof(*e));
    e->def = d;
    item.id = d->id;
    item.part = d->part;
    item.area = d->area;
    item.conf_class = ctk_conf_class_name(d->conf_class);
    item.requirements = d->requirements;
    item.tags = d->needs;
    e->selected = ct_sut_matches(d, sut_role) && ctk_select_match(select, &item, NULL, 0) == 1;
    v = ctk_pics_eval(pics, d->pics, cwhy, sizeof(cwhy));
    if(v < 0) {
      snprintf(why, whylen, "test %s: PICS condition '%s': %s", d->id, d->pics, cwhy);
      return -1;
    }
    e->applicable = v;
    if(!v)
      snprintf(e->skip_reason, sizeof(e->skip_reason), "PICS condition not met: %s", d->pics);
  }
  return 0;
}

/* ---------- the CUnit frame ---------- */

/* CUnit test functions take no arguments; the frame finds its test by the CU test's name. */
static struct {
  ctk_ct_env *env;
  ctk_ct_plan_entry *plan;
  size_t n_run;
  size_t n_total;
  int progress;
} ct_frame;

static ctk_ct_plan_entry *ct_plan_entry(const char *id)
{
  size_t i;
  for(i = 0; i < ctk_ct_count(); i++) {
    if(!strcmp(ct_frame.plan[i].def->id, id))
      return &ct_frame.plan[i];
  }
  return NULL;
}

static ctk_test_result *ct_add_result(ctk_ct_env *env, const ctk_ct_def *d)
{
  ctk_test_result *res = NULL;
  char reqs[256];
  char *save = NULL;
  char *tok;

  if(ctk_run_add_test(env->run, d->id, d->name, d->part, d->conf_class, &res))
    return NULL;
  ctk_strlcpy(reqs, d->requirements ? d->requirements : "", sizeof(reqs));
  for(tok = strtok_r(reqs, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
    ctk_test_add_requirement(res, tok);
  return res;
}

/* Does the test need a PICS item that the self-check found broken? */
static const char *ct_needs_broken(const ctk_ct_env *env, const ctk_ct_def *d)
{
  static char item[64];
  const char *p = env->broken;
  while(*p) {
    size_t n = 0;
    while(*p == ',')
      p++;
    while(*p && *p != ',' && n + 1 < sizeof(item))
      item[n++] = *p++;
    item[n] = '\0';
    if(n && d->pics && strstr(d->pics, item))
      return item;
  }
  return NULL;
}

static void ct_progress(const ctk_ct_def *d)
{
  if(!ct_frame.progress)
    return;
  fprintf(stderr, "\r\033[K[%zu/%zu] %s", ct_frame.n_run, ct_frame.n_total, d->id);
  fflush(stderr);
}

static void ct_blame_refusal(ctk_ct *t)
{
  char was[900];
  ctk_verdict v = t->res->verdict;
  ctk_slow_side slow = t->res->slow_side;
  ctk_strlcpy(was, t->res->reason, sizeof(was));
  t->final = 0;
  if(ctk_ct_fail_refused_links(t)) {
    char now[900];
    ctk_strlcpy(now, t->res->reason, sizeof(now));
    ctk_test_set_verdict(t->res, CTK_VERDICT_FAIL, "%s (and so: %s)", now, was);
    return;
  }
  t->final = 1;
  t->res->verdict = v;
  t->res->slow_side = slow;
}

static void ct_cu_test(void)
{
  CU_pTest cu = CU_get_current_test();
  ctk_ct_plan_entry *e = cu ? ct_plan_entry(cu->pName) : NULL;
  ctk_ct t;
  char started[CTK_RESULT_TIME_LEN];
  const char *broken;

  if(!e)
    return;
  ct_frame.n_run++;
  ct_progress(e->def);
  memset(&t, 0, sizeof(t));
  t.env = ct_frame.env;
  t.def = e->def;
  t.res = ct_add_result(t.env, e->def);
  if(!t.res) {
    CU_FAIL("could not add the test to the result model");
    return;
  }
  ctk_result_now(started);
  t.started_ms = ctk_now_ms();
  broken = ct_needs_broken(t.env, e->def);
  if(ctk_proc_interrupted())
    ctk_ct_error(&t, 0, "run interrupted before this test");
  else if(broken)
    ctk_ct_inconc(&t, "the PICS self-check found declared capability %s not working", broken);
  else {
    ctk_ct_mark_links(&t);
    e->def->fn(&t);
    /* a pass that hides a refusal by the SUT's counterparts is no pass */
    if(t.passed && !t.final)
      ctk_ct_fail_refused_links(&t);
    /* something never arrived, or a reference role seemed not to route it: when a counterpart
     * refused what the SUT sent in the meantime, that refusal is the true cause */
    else if(t.final && ((t.res->verdict == CTK_VERDICT_FAIL && t.res->slow_side == CTK_SLOW_SUT) ||
                        t.res->verdict == CTK_VERDICT_ERROR))
      ct_blame_refusal(&t);
  }
  if(!t.final && !t.passed)
    ctk_ct_error(&t, 0, "the test set no verdict (a bug in the test)");
  /* A stop signal took the roles away mid-test: whatever failed is not the SUT's doing. */
  if(ctk_proc_interrupted() && t.res->verdict != CTK_VERDICT_PASS &&
     t.res->verdict != CTK_VERDICT_ERROR) {
    char was[900];
    ctk_strlcpy(was, t.res->reason, sizeof(was));
    ctk_test_set_verdict(t.res, CTK_VERDICT_ERROR, "run interrupted during this test (%s)", was);
  }
  ctk_test_set_timing(t.res, started, (double)(ctk_now_ms() - t.started_ms));
  if(t.env->progress_log) {
    fprintf(t.env->progress_log, "{\"n\":%zu,\"total\":%zu,\"id\":\"%s\",\"verdict\":\"%s\"}\n",
            ct_frame.n_run, ct_frame.n_total, e->def->id, ctk_verdict_name(t.res->verdict));
    fflush(t.env->progress_log);
  }
  if(t.res->verdict == CTK_VERDICT_FAIL)
    CU_FAIL(t.res->reason);
}

ctk_code ctk_ct_run_plan(ctk_ct_env *env, ctk_ct_plan_entry *plan, int progress)
{
  size_t i, k;
  const char *areas[32];
  size_t n_areas = 0;

  ct_frame.env = env;
  ct_frame.plan = plan;
  ct_frame.n_run = 0;
  ct_frame.n_total = 0;
  ct_frame.progress = progress;

  /* Not applicable tests: recorded as skip with the reason, outside CUnit. */
  for(i = 0; i < ctk_ct_count(); i++) {
    if(plan[i].selected && !plan[i].applicable) {
      ctk_test_result *res = ct_add_result(env, plan[i].def);
      if(!res)
        return CTK_E_NOMEM;
      ctk_test_set_verdict(res, CTK_VERDICT_SKIP, "%s", plan[i].skip_reason);
    }
    else if(plan[i].selected)
      ct_frame.n_total++;
  }

  /* Every id the tests make is scoped to this run (ctk_ct_runid.h). */
  if(ct_frame.n_total)
    ctk_ct_runid_begin(env);
  if(CU_initialize_registry() != CUE_SUCCESS)
    return CTK_E_INTERNAL;
  for(i = 0; i < ctk_ct_count(); i++) {
    const char *area = plan[i].def->area;
    int seen = 0;
    CU_pSuite suite;
    if(!plan[i].selected || !plan[i].applicable)
      continue;
    for(k = 0; k < n_areas; k++)
      seen |= !strcmp(areas[k], area);
    if(seen || n_areas >= sizeof(areas) / sizeof(areas[0]))
      continue;
    areas[n_areas++] = area;
    suite = CU_add_suite(area, NULL, NULL);
    if(!suite) {
      CU_cleanup_registry();
      return CTK_E_INTERNAL;
    }
    for(k = i; k < ctk_ct_count(); k++) {
      if(plan[k].selected && plan[k].applicable && !strcmp(plan[k].def->area, area)) {
        if(!CU_add_test(suite, plan[k].def->id, ct_cu_test)) {
          CU_cleanup_registry();
          return CTK_E_INTERNAL;
        }
      }
    }
  }
  /* The automated runner prints nothing: the runner reports verdicts, not CUnit's counts. */
  CU_run_all_tests();
  CU_cleanup_registry();
  if(progress)
    fputs("\r\033[K", stderr);
  return CTK_E_OK;
}

static int ct_name_cmp(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

long ctk_ct_list_files(const char *dir, const char *suffix, char **names, size_t max)
{
  size_t n = 0;
  size_t slen = strlen(suffix);
  struct dirent *e;
  DIR *d = opendir(dir);

  if(!d)
    return -1;
  e = readdir(d);
  while(e && n < max) {
    size_t len = strlen(e->d_name);
    if(len > slen && !strcmp(e->d_name + len - slen, suffix)) {
      names[n] = strdup(e->d_name);
      if(names[n])
        n++;
    }
    e = readdir(d);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), ct_name_cmp);
  return (long)n;
}
