/* test_selftest: the self-test of the conformance suite. The whole suite against the reference
 * province must give the verdicts of tests/data/expected; each fault mode of the reference
 * province must make the suite fail with the requirement tests/data/expected/faults.txt names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_faultproxy.h"
#include "ctk_proc.h"
#include "ctk_report.h"
#include "ctk_result.h"
#include "ctk_test.h"
#include "ctk_province_faults.h"

#define SELFTEST_PICS "fixtures/pics/reference-province.pics"
#define SELFTEST_PIXIT "fixtures/pixit/reference-province.pixit"
#define SELFTEST_PARALLEL 5

/* Verdict of test id in the expected file, or NULL. */
static const char *selftest_expected(const char *file, const char *id, char *out, size_t outlen)
{
  const char *p = file;
  size_t n = strlen(id);
  while(p && *p) {
    if(*p != '#' && !strncmp(p, id, n) && (p[n] == ' ' || p[n] == '\t')) {
      const char *v = p + n;
      size_t k = 0;
      while(*v == ' ' || *v == '\t')
        v++;
      while(v[k] && v[k] != '\n' && v[k] != ' ' && k + 1 < outlen)
        k++;
      memcpy(out, v, k);
      out[k] = '\0';
      return out;
    }
    p = strchr(p, '\n');
    if(p)
      p++;
  }
  return NULL;
}

/* Run the suite against the reference sut under profile (NULL: the default) and compare each
 * verdict with expected_file's; exceptions_file (NULL: none) overrides some of them, each line
 * saying why the verdict differs under that profile. */
static void selftest_verdicts_under(const char *sut, const char *profile, const char *pics,
                                    const char *pixit, const char *expected_file,
                                    const char *exceptions_file, const char *tmpname)
{
  const char *dir = ctk_test_tmpdir(tmpname);
  char cmd[2048], path[600], err[256], want[16];
  char profile_opt[300] = "";
  char *expected;
  char *exceptions = NULL;
  ctk_run *run = NULL;
  size_t i, lines = 0;
  const char *p;
  int rc;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  expected = ctk_test_read_file(expected_file, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(expected);
  if(exceptions_file) {
    exceptions = ctk_test_read_file(exceptions_file, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(exceptions);
  }
  if(profile)
    snprintf(profile_opt, sizeof(profile_opt), " --profile %s", profile);
  snprintf(cmd, sizeof(cmd), "%s run --sut %s%s --pics %s --pixit %s --out %s --quiet "
           "> %s/run.log 2>&1", ctk_test_ctk_bin(), sut, profile_opt, pics, pixit, dir, dir);
  rc = ctk_test_run(cmd, NULL);
  snprintf(path, sizeof(path), "%s/results.json", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_load(path, &run, err, sizeof(err)), CTK_E_OK);
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    if(!(exceptions && selftest_expected(exceptions, t->id, want, sizeof(want))) &&
       !selftest_expected(expected, t->id, want, sizeof(want))) {
      fprintf(stderr, "selftest: %s is not in tests/data/expected (verdict %s)\n", t->id,
              ctk_verdict_name(t->verdict));
      CU_FAIL("a test without an expected verdict");
      continue;
    }
    /* A test that needs SIPp is skipped, with that reason, on a host without it. */
    if(!strcmp(want, "pass") && t->verdict == CTK_VERDICT_SKIP && strstr(t->reason, "SIPp"))
      continue;
    if(strcmp(want, ctk_verdict_name(t->verdict))) {
      fprintf(stderr, "selftest: %s: expected %s, got %s: %s\n", t->id, want,
              ctk_verdict_name(t->verdict), t->reason);
      CU_FAIL("verdict differs from tests/data/expected");
    }
  }
  /* Every expected test ran (no silent disappearance). */
  for(p = expected; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    char id[64];
    if(*p == '#' || *p == '\n' || sscanf(p, "%63s", id) != 1)
      continue;
    lines++;
    if(!ctk_run_find_test(run, id)) {
      fprintf(stderr, "selftest: expected test %s did not run\n", id);
      CU_FAIL("an expected test did not run");
    }
  }
  CU_ASSERT_EQUAL(lines, run->n_tests);
  /* All mandatory pass -> exit 0; the expected file has no failure. */
  CU_ASSERT_EQUAL(rc, ctk_run_exit_code(run));
  ctk_run_free(run);
  free(expected);
  free(exceptions);
}

static void selftest_verdicts(const char *sut, const char *pics, const char *pixit,
                              const char *expected_file, const char *tmpname)
{
  selftest_verdicts_under(sut, NULL, pics, pixit, expected_file, NULL, tmpname);
}

#define VARIANT "profiles/synthetic-variant"
#define VARIANT_EXCEPTIONS "tests/data/expected/synthetic-variant.exceptions"
#define SAMPLE_B "profiles/province-sample-b"

/* The self-test of sut (province or city) under another profile: its reference PICS, PIXIT
 * and expected verdicts, but for the exceptions file's lines (NULL: none). */
static void selftest_profile_verdicts(const char *sut, const char *profile,
                                      const char *exceptions_file, const char *tmpname)
{
  char pics[128], pixit[128], expected[128];
  snprintf(pics, sizeof(pics), "fixtures/pics/reference-%s.pics", sut);
  snprintf(pixit, sizeof(pixit), "fixtures/pixit/reference-%s.pixit", sut);
  snprintf(expected, sizeof(expected), "tests/data/expected/reference-%s.verdicts", sut);
  selftest_verdicts_under(sut, profile, pics, pixit, expected, exceptions_file, tmpname);
}

/* The same suite, the same reference province, under the second profile, where every name,
 * number and code is spelt otherwise: the same verdicts (tests/data/expected), but for the
 * exceptions its file lists with their reasons. */
static void test_variant_province_verdicts(void)
{
  selftest_profile_verdicts("province", VARIANT, VARIANT_EXCEPTIONS, "selftest-variant");
}

static void test_variant_city_verdicts(void)
{
  selftest_profile_verdicts("city", VARIANT, VARIANT_EXCEPTIONS, "selftest-variant-city");
}

/* A third profile, made apart from the kit's authors from the documentation alone (pinyin
 * names, interfaces A01-A14, its own codes and time format, extra mandatory fields): the
 * baseline's verdicts with no exception. */
static void test_sample_b_province_verdicts(void)
{
  selftest_profile_verdicts("province", SAMPLE_B, NULL, "selftest-sample-b");
}

static void test_sample_b_city_verdicts(void)
{
  selftest_profile_verdicts("city", SAMPLE_B, NULL, "selftest-sample-b-city");
}

static void test_reference_verdicts(void)
{
  selftest_verdicts("province", SELFTEST_PICS, SELFTEST_PIXIT,
                    "tests/data/expected/reference-province.verdicts", "selftest-reference");
}

/* The runner as the province above a city system (the city simulator). */
static void test_city_verdicts(void)
{
  selftest_verdicts("city", "fixtures/pics/reference-city.pics",
                    "fixtures/pixit/reference-city.pixit",
                    "tests/data/expected/reference-city.verdicts", "selftest-city");
}

/* Did a failed test give requirement req as its reason ("[REQ] ...")? */
static int selftest_caught(const ctk_run *run, const char *req)
{
  char tag[48];
  size_t i;
  snprintf(tag, sizeof(tag), "[%.40s]", req);
  for(i = 0; i < run->n_tests; i++) {
    if(run->tests[i]->verdict == CTK_VERDICT_FAIL && strstr(run->tests[i]->reason, tag))
      return 1;
  }
  return 0;
}

static int selftest_excepted(const char *exceptions, const char *name)
{
  const char *p = exceptions;
  size_t n = strlen(name);
  while(p && *p) {
    if(!strncmp(p, name, n) && (p[n] == ' ' || p[n] == '\t'))
      return 1;
    p = strchr(p, '\n');
    if(p)
      p++;
  }
  return 0;
}

/* The slow-answer fault (every answer after 1 s) fails J2.load on the rate it reached, and
 * the reason says that rate, as its measures do. */
static void selftest_slow_answer_reason(const char *dir)
{
  char path[700], err[256], rate[48];
  ctk_run *run = NULL;
  const ctk_test_result *t;
  size_t i;

  snprintf(path, sizeof(path), "%s/slow-answer/results.json", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_load(path, &run, err, sizeof(err)), CTK_E_OK);
  t = ctk_run_find_test(run, "J2.load");
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_EQUAL(t->verdict, CTK_VERDICT_FAIL);
  CU_ASSERT_PTR_NOT_NULL(strstr(t->reason, "[J2-PERF-001] achieved "));
  for(i = 0; i < t->n_measures && strcmp(t->measures[i].name, "achieved_rate"); i++)
    ;
  CU_ASSERT_FATAL(i < t->n_measures);
  CU_ASSERT_TRUE(t->measures[i].value < 22.5);
  snprintf(rate, sizeof(rate), "achieved %.1f orders/s", t->measures[i].value);
  CU_ASSERT_PTR_NOT_NULL(strstr(t->reason, rate));
  if(!strstr(t->reason, rate))
    fprintf(stderr, "selftest: slow-answer: '%s' not in the reason: %s\n", rate, t->reason);
  ctk_run_free(run);
}

#define FAULT_REQUIREMENTS "tests/data/expected/faults.txt"

/* Each fault: the suite selected by the requirement tests/data/expected/faults.txt names for it,
 * against `ctk serve province --fault NAME` under profile (NULL: the default), all faults
 * SELFTEST_PARALLEL at a time. Every fault must be caught with its requirement. */
static void fault_modes_under(const char *profile, const char *tmpname)
{
  const char *dir = ctk_test_tmpdir(tmpname);
  char *pixit = ctk_test_read_file(SELFTEST_PIXIT, NULL);
  char *exceptions = ctk_test_read_file("tests/data/expected/fault-exceptions.txt", NULL);
  char *wanted = ctk_test_read_file(FAULT_REQUIREMENTS, NULL);
  char req[CTK_PF__COUNT][48];
  char profile_opt[300] = "";
  ctk_buf list, cmd;
  size_t f, caught = 0, checked = 0;
  char path[700];

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(pixit);
  CU_ASSERT_PTR_NOT_NULL_FATAL(exceptions);
  CU_ASSERT_PTR_NOT_NULL_FATAL(wanted);
  if(profile)
    snprintf(profile_opt, sizeof(profile_opt), "--profile %s", profile);
  ctk_buf_init(&list, 64 * 1024);
  for(f = 0; f < CTK_PF__COUNT; f++) {
    const ctk_province_fault_info *info = ctk_province_fault_get((ctk_province_fault)f);
    FILE *out;
    const char *start = strstr(pixit, "start = reference");
    if(!selftest_expected(wanted, info->name, req[f], sizeof(req[f]))) {
      fprintf(stderr, "selftest: fault %s has no line in %s\n", info->name, FAULT_REQUIREMENTS);
      CU_FAIL("a fault mode without the requirement the suite must see fail");
      req[f][0] = '\0';
      continue;
    }
    snprintf(path, sizeof(path), "%s/%s.pixit", dir, info->name);
    out = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(start);
    fwrite(pixit, 1, (size_t)(start - pixit), out);
    fprintf(out, "start = reference\nfault = %s\n%s", info->name,
            start + strlen("start = reference"));
    fclose(out);
    ctk_buf_printf(&list, "%s %s\n", info->name, req[f]);
  }
  snprintf(path, sizeof(path), "%s/faults.txt", dir);
  {
    FILE *out = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    fputs(ctk_buf_str(&list), out);
    fclose(out);
  }
  ctk_buf_init(&cmd, 8192);
  ctk_buf_printf(&cmd, "xargs -P %d -L 1 sh -c '\"%s\" run --sut province %s --pics %s "
                 "--pixit %s/$0.pixit --select req:$1 --out %s/$0 --quiet > %s/$0.log 2>&1; "
                 "true' < %s", SELFTEST_PARALLEL, ctk_test_ctk_bin(), profile_opt, SELFTEST_PICS,
                 dir, dir, dir, path);
  CU_ASSERT_EQUAL(ctk_test_run(ctk_buf_str(&cmd), NULL), 0);
  for(f = 0; f < CTK_PF__COUNT; f++) {
    const ctk_province_fault_info *info = ctk_province_fault_get((ctk_province_fault)f);
    ctk_run *run = NULL;
    char err[256];
    int hit;
    if(!req[f][0])
      continue;
    snprintf(path, sizeof(path), "%s/%s/results.json", dir, info->name);
    if(ctk_report_json_load(path, &run, err, sizeof(err))) {
      fprintf(stderr, "selftest: fault %s: no results (%s)\n", info->name, err);
      CU_FAIL("a fault run wrote no results");
      continue;
    }
    hit = selftest_caught(run, req[f]);
    caught += hit;
    if(!selftest_excepted(exceptions, info->name)) {
      checked++;
      if(!hit) {
        fprintf(stderr, "selftest: fault %s was not caught with %s%s%s\n", info->name, req[f],
                profile ? " under " : "", profile ? profile : "");
        CU_FAIL("a fault of the reference province went unnoticed");
      }
    }
    ctk_run_free(run);
  }
  fprintf(stderr, "selftest: %zu of %d faults caught with their requirement%s%s\n", caught,
          (int)CTK_PF__COUNT, profile ? " under " : "", profile ? profile : "");
  selftest_slow_answer_reason(dir);
  CU_ASSERT_TRUE(caught >= 15);
  CU_ASSERT_TRUE(checked >= 15);
  ctk_buf_free(&cmd);
  ctk_buf_free(&list);
  free(pixit);
  free(exceptions);
  free(wanted);
}

static void test_fault_modes(void)
{
  fault_modes_under(NULL, "selftest-faults");
}

/* The same faults under the second profile: caught with the same requirements. */
static void test_fault_modes_variant(void)
{
  fault_modes_under(VARIANT, "selftest-faults-variant");
}

static void selftest_write(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

/* The reference province started from a `ctk init province` kit, as its operator would. */
static int selftest_kit_province(ctk_proc *prov, const char *kit, int *port)
{
  char conf[700], pf[700], log[700];
  char *argv[8];
  snprintf(conf, sizeof(conf), "%s/province.conf", kit);
  snprintf(pf, sizeof(pf), "%s/province.port", kit);
  snprintf(log, sizeof(log), "%s/province.log", kit);
  remove(pf);
  argv[0] = (char *)ctk_test_ctk_bin();
  argv[1] = "serve";
  argv[2] = "province";
  argv[3] = "--config";
  argv[4] = conf;
  argv[5] = NULL;
  if(ctk_proc_start(prov, "province", argv, log) != CTK_E_OK)
    return -1;
  return ctk_proc_wait_port(prov, pf, 15000, port) == CTK_E_OK ? 0 : -1;
}

/* One full run against the kit's province: "ID VERDICT" lines into verdicts, the run id into
 * run_id; the exit status. */
static int selftest_kit_run(const char *kit, const char *out, const char *env, ctk_buf *verdicts,
                            char *run_id, size_t run_id_len)
{
  char cmd[4096], path[900], err[256];
  ctk_run *run = NULL;
  const char *id;
  size_t i;
  int rc;
  snprintf(cmd, sizeof(cmd), "%s '%s' run --sut province --pics '%s/province.pics' "
           "--pixit '%s/province.pixit' --out '%s' --quiet > '%s.log' 2>&1", env,
           ctk_test_ctk_bin(), kit, kit, out, out);
  rc = ctk_test_run(cmd, NULL);
  snprintf(path, sizeof(path), "%s/results.json", out);
  ctk_buf_reset(verdicts);
  ctk_strlcpy(run_id, "", run_id_len);
  if(ctk_report_json_load(path, &run, err, sizeof(err)) != CTK_E_OK) {
    fprintf(stderr, "selftest kit: %s wrote no results (%s)\n", out, err);
    return -1;
  }
  for(i = 0; i < run->n_tests; i++) {
    ctk_buf_printf(verdicts, "%s %s\n", run->tests[i]->id,
                   ctk_verdict_name(run->tests[i]->verdict));
    if(run->tests[i]->verdict != CTK_VERDICT_PASS && run->tests[i]->verdict != CTK_VERDICT_SKIP)
      fprintf(stderr, "selftest kit %s: %s %s %s\n", out, run->tests[i]->id,
              ctk_verdict_name(run->tests[i]->verdict), run->tests[i]->reason);
  }
  id = ctk_kvlist_get(&run->pixit, "run.id");
  ctk_strlcpy(run_id, id ? id : "", run_id_len);
  /* the secrets of the kit's PIXIT are masked in the report */
  CU_ASSERT_STRING_EQUAL(ctk_kvlist_get(&run->pixit, "sut.secret"), CTK_RESULT_MASK);
  ctk_run_free(run);
  return rc;
}

/* A province's own system, run after run: the whole suite against the reference province
 * started from a `ctk init province` kit, keeping its store. Three runs in a row give the same
 * verdicts, all exit 0, each under its own run id (the last two are told to try the same one
 * first: the second of them must pass it over); so does a run after the province restarts. */
static void test_external_kit(void)
{
  const char *dir = ctk_test_tmpdir("selftest-kit");
  char kit[700], cmd[2048], out[800], ids[4][32];
  ctk_buf first, now;
  ctk_proc prov;
  int ministry_port = ctk_test_free_port();
  int city_port = ctk_test_free_port();
  int sut_port = ctk_test_free_port();
  int port = 0, n;
  static const char *const env[] = { "CTK_RUN_ID_FROM=500", "CTK_RUN_ID_FROM=7", "CTK_RUN_ID_FROM=7", "" };

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_TRUE_FATAL(ministry_port > 0 && city_port > 0 && sut_port > 0 &&
                       ministry_port != city_port && city_port != sut_port &&
                       ministry_port != sut_port);
  snprintf(kit, sizeof(kit), "%s/kit", dir);
  snprintf(cmd, sizeof(cmd), "'%s' init province --region 360000 '%s' --ministry-port %d "
           "--cities-port %d --sut-port %d > /dev/null", ctk_test_ctk_bin(), kit, ministry_port,
           city_port, sut_port);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  CU_ASSERT_EQUAL_FATAL(selftest_kit_province(&prov, kit, &port), 0);
  CU_ASSERT_EQUAL(port, sut_port);
  ctk_buf_init(&first, 64 * 1024);
  ctk_buf_init(&now, 64 * 1024);
  for(n = 0; n < 4; n++) {
    if(n == 3) {
      /* the province restarts on its store, as after a deployment */
      ctk_proc_stop(&prov, 3000);
      if(selftest_kit_province(&prov, kit, &port)) {
        CU_FAIL("the kit's province did not start again");
        break;
      }
    }
    snprintf(out, sizeof(out), "%s/run%d", dir, n + 1);
    CU_ASSERT_EQUAL(selftest_kit_run(kit, out, env[n], n ? &now : &first, ids[n],
                                     sizeof(ids[n])), 0);
    CU_ASSERT_TRUE(ids[n][0] != '\0');
    if(n) {
      if(strcmp(ctk_buf_str(&first), ctk_buf_str(&now)))
        fprintf(stderr, "selftest kit: run %d gave other verdicts than run 1:\n%s\n", n + 1,
                ctk_buf_str(&now));
      CU_ASSERT_STRING_EQUAL(ctk_buf_str(&now), ctk_buf_str(&first));
    }
  }
  ctk_proc_stop(&prov, 3000);
  /* every expected test ran, and the second run told to try run id 007 found it taken */
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&first), "J2.statistics pass"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&first), "J2.hostile-input pass"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ids[1], "r007"));
  CU_ASSERT_PTR_NULL(strstr(ids[2], "r007"));
  CU_ASSERT_STRING_NOT_EQUAL(ids[0], ids[3]);
  ctk_buf_free(&first);
  ctk_buf_free(&now);
}

/* One fault-proxy mode on one link of an external province, and what the run must give. */
typedef struct proxy_case {
  int link;                    /* 0 runner -> SUT, 1 SUT -> ministry, 2 SUT -> cities */
  const char *command;         /* ctk_faultproxy_command; "clear" = a clean link */
  int exit_status;             /* 0: the province still does what it must; 1: caught */
  const char *says;            /* in a failing reason ("[J" = any requirement), or NULL */
} proxy_case;

static const proxy_case proxy_cases[] = {
  { 0, "clear", 0, NULL },
  /* modes a conforming province rides out: slow links, answers lost after the ministry had
   * the message (the province sends the same MsgId again, which is legal) */
  { 0, "delay 20", 0, NULL },
  { 1, "cut down 1 3", 0, NULL },
  { 1, "delay 100", 0, NULL },
  { 2, "delay 100", 0, NULL },
  /* modes that change what the province does as its counterparts see it */
  { 0, "delay 1500", 1, "within 1000 ms" },
  { 0, "cut down 30 0", 1, "[J3-ENV-001]" },
  { 1, "down reset", 1, "[J" },
  { 2, "down refuse", 1, "[J1-FLOW-" },
};

/* Replace the first "from" in text (at most size bytes) by "to". */
static void selftest_swap(char *text, size_t size, const char *from, const char *to)
{
  char *hit = strstr(text, from);
  size_t flen = strlen(from), tlen = strlen(to), rest;
  if(!hit)
    return;
  rest = strlen(hit + flen);
  if((size_t)(hit - text) + tlen + rest + 1 > size)
    return;
  memmove(hit + tlen, hit + flen, rest + 1);
  memcpy(hit, to, tlen);
}

/* A province behind a fault-injecting proxy on each of its three links (runner -> SUT,
 * SUT -> ministry, SUT -> cities), started from a kit: every mode that changes what the
 * province does is caught with a fitting requirement, every mode it rides out passes. */
static void test_external_proxy(void)
{
  const char *dir = ctk_test_tmpdir("selftest-proxy");
  int port[3], proxied[3], sut_port = 0;
  ctk_faultproxy *fp[3] = { NULL, NULL, NULL };
  char kit[700], cmd[4096], path[800], from[64], to[64], err[256];
  char *text;
  ctk_proc prov;
  size_t i, k;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  for(i = 0; i < 3; i++) {
    port[i] = ctk_test_free_port();
    CU_ASSERT_TRUE_FATAL(port[i] > 0);
  }
  CU_ASSERT_TRUE_FATAL(port[0] != port[1] && port[1] != port[2] && port[0] != port[2]);
  snprintf(kit, sizeof(kit), "%s/kit", dir);
  snprintf(cmd, sizeof(cmd), "'%s' init province --region 360000 '%s' --sut-port %d "
           "--ministry-port %d --cities-port %d > /dev/null", ctk_test_ctk_bin(), kit, port[0],
           port[1], port[2]);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  /* a proxy in front of each: the runner reaches the SUT through proxy 0, the province its
   * ministry and cities through proxies 1 and 2 */
  for(i = 0; i < 3; i++) {
    ctk_faultproxy_config pc;
    memset(&pc, 0, sizeof(pc));
    pc.target_port = port[i];
    CU_ASSERT_EQUAL_FATAL(ctk_faultproxy_start(&pc, &fp[i]), CTK_E_OK);
    proxied[i] = ctk_faultproxy_port(fp[i]);
  }
  snprintf(path, sizeof(path), "%s/peers.csv", kit);
  text = ctk_test_read_file(path, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  {
    char peers[4096];
    ctk_strlcpy(peers, text, sizeof(peers));
    snprintf(from, sizeof(from), ":%d\n", port[1]);
    snprintf(to, sizeof(to), ":%d\n", proxied[1]);
    selftest_swap(peers, sizeof(peers), from, to);
    for(k = 0; k < 2; k++) {
      snprintf(from, sizeof(from), ":%d/", port[2]);
      snprintf(to, sizeof(to), ":%d/", proxied[2]);
      selftest_swap(peers, sizeof(peers), from, to);
    }
    selftest_write(path, peers);
  }
  free(text);
  snprintf(path, sizeof(path), "%s/province.pixit", kit);
  text = ctk_test_read_file(path, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  {
    char pixit[8192];
    ctk_strlcpy(pixit, text, sizeof(pixit));
    snprintf(from, sizeof(from), "url = http://127.0.0.1:%d ", port[0]);
    snprintf(to, sizeof(to), "url = http://127.0.0.1:%d ", proxied[0]);
    selftest_swap(pixit, sizeof(pixit), from, to);
    selftest_swap(pixit, sizeof(pixit), "answer_timeout_ms = 5000", "answer_timeout_ms = 1000");
    selftest_swap(pixit, sizeof(pixit), "propagate_timeout_ms = 8000",
                  "propagate_timeout_ms = 2000");
    snprintf(path, sizeof(path), "%s/proxy.pixit", kit);
    selftest_write(path, pixit);
  }
  free(text);
  CU_ASSERT_EQUAL_FATAL(selftest_kit_province(&prov, kit, &sut_port), 0);

  for(i = 0; i < sizeof(proxy_cases) / sizeof(proxy_cases[0]); i++) {
    const proxy_case *c = &proxy_cases[i];
    ctk_run *run = NULL;
    ctk_faultproxy_stats before, after;
    int rc, said = 0;
    ctk_faultproxy_get_stats(fp[c->link], &before);
    CU_ASSERT_EQUAL(ctk_faultproxy_command(fp[c->link], c->command), CTK_E_OK);
    snprintf(cmd, sizeof(cmd), "'%s' run --sut province --pics '%s/province.pics' --pixit "
             "'%s/proxy.pixit' --out '%s/case%zu' --quiet --select "
             "'J1.cross-city,J3.idempotent-repeat' > '%s/case%zu.log' 2>&1",
             ctk_test_ctk_bin(), kit, kit, dir, i, dir, i);
    rc = ctk_test_run(cmd, NULL);
    ctk_faultproxy_get_stats(fp[c->link], &after);
    ctk_faultproxy_clear(fp[c->link]);
    /* the mode was exercised: traffic went through the link, and a cut did cut */
    CU_ASSERT_TRUE(after.accepted + after.reset > before.accepted + before.reset ||
                   !strncmp(c->command, "down refuse", 11));
    if(!strncmp(c->command, "cut", 3))
      CU_ASSERT_TRUE(after.cut > before.cut);
    snprintf(path, sizeof(path), "%s/case%zu/results.json", dir, i);
    if(ctk_report_json_load(path, &run, err, sizeof(err)) != CTK_E_OK) {
      fprintf(stderr, "selftest proxy: link %d \"%s\": no results (%s)\n", c->link, c->command,
              err);
      CU_FAIL("a proxied run wrote no results");
      continue;
    }
    for(k = 0; k < run->n_tests; k++) {
      const ctk_test_result *t = run->tests[k];
      if(t->verdict == CTK_VERDICT_FAIL && c->says && strstr(t->reason, c->says))
        said = 1;
      /* a province fault is a fail, never a tool error */
      CU_ASSERT_NOT_EQUAL(t->verdict, CTK_VERDICT_ERROR);
    }
    if(rc != c->exit_status || (c->says && !said)) {
      fprintf(stderr, "selftest proxy: link %d \"%s\": exit %d (want %d)%s%s\n", c->link,
              c->command, rc, c->exit_status, c->says ? ", want a failure saying " : "",
              c->says ? c->says : "");
      for(k = 0; k < run->n_tests; k++)
        fprintf(stderr, "  %s %s %s\n", run->tests[k]->id,
                ctk_verdict_name(run->tests[k]->verdict), run->tests[k]->reason);
    }
    CU_ASSERT_EQUAL(rc, c->exit_status);
    CU_ASSERT_TRUE(!c->says || said);
    ctk_run_free(run);
    /* what a broken link left queued drains before the next case */
    ctk_sleep_ms(c->exit_status ? 1000 : 100);
  }
  ctk_proc_stop(&prov, 3000);
  for(i = 0; i < 3; i++)
    ctk_faultproxy_stop(fp[i]);
}

/* A province whose upward reports the ministry refuses fails with the refusal: its code, the
 * field and the requirement in the reason, exit 1 (never a tool error, never "not passed up"). */
static void test_refusal_named(void)
{
  const char *dir = ctk_test_tmpdir("selftest-refusal");
  char *pixit = ctk_test_read_file(SELFTEST_PIXIT, NULL);
  char path[700], cmd[2048], err[256];
  const char *start;
  ctk_run *run = NULL;
  size_t i, refused = 0;
  int rc;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(pixit);
  start = strstr(pixit, "start = reference");
  CU_ASSERT_PTR_NOT_NULL_FATAL(start);
  {
    FILE *out;
    snprintf(path, sizeof(path), "%s/refused.pixit", dir);
    out = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    fprintf(out, "%.*sstart = reference\nfault = wrong-code-value\n%s", (int)(start - pixit),
            pixit, start + strlen("start = reference"));
    fclose(out);
  }
  snprintf(cmd, sizeof(cmd), "%s run --sut province --pics %s --pixit %s --out %s/out --quiet "
           "--select 'J1.local-case,J1.instant-answer,J3.idempotent-repeat' > %s/run.log 2>&1",
           ctk_test_ctk_bin(), SELFTEST_PICS, path, dir, dir);
  rc = ctk_test_run(cmd, NULL);
  CU_ASSERT_EQUAL(rc, 1);
  snprintf(path, sizeof(path), "%s/out/results.json", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_load(path, &run, err, sizeof(err)), CTK_E_OK);
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    CU_ASSERT_EQUAL(t->verdict, CTK_VERDICT_FAIL);
    if(strstr(t->reason, "the ministry refused what the SUT sent") &&
       strstr(t->reason, "CODE_VALUE") && strstr(t->reason, " where /") &&
       !strncmp(t->reason, "[J3-CODE-", 9))
      refused++;
    else
      fprintf(stderr, "selftest refusal: %s %s %s\n", t->id, ctk_verdict_name(t->verdict),
              t->reason);
  }
  CU_ASSERT_EQUAL(refused, run->n_tests);
  CU_ASSERT_EQUAL(run->n_tests, 3);
  ctk_run_free(run);
  free(pixit);
}

/* An external city with a CTI intake, as a city operator would test it: the city simulator
 * started by hand, reporting to the runner's fixed province port; the queue machine posts to
 * the city's webhook URL of the PIXIT. A city that then sends an invalid report fails. */
static void test_external_city(void)
{
  const char *dir = ctk_test_tmpdir("selftest-external-city");
  static const char province_secret[] = "province-secret-0123456789ab";
  static const char city_secret[] = "city-secret-0123456789abcdef";
  static char pf[600], cpf[600], data[600], cr[600], sf[600];
  char path[700], cmd[2048], text[4096], upper[64], err[256];
  char *argv[32];
  char *out = NULL;
  ctk_proc city;
  ctk_run *run = NULL;
  const ctk_test_result *r;
  int province_port = ctk_test_free_port();
  int city_port = 0, control_port = 0, sipp, rc;
  size_t i = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_TRUE_FATAL(province_port > 0);
  sipp = ctk_test_run("command -v sipp >/dev/null 2>&1", NULL) == 0;
  snprintf(cmd, sizeof(cmd), "echo %s | %s passwd --region 360000 --level 2 --secret - --no-header",
           province_secret, ctk_test_ctk_bin());
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, &out), 0);
  snprintf(text, sizeof(text), "region,level,salt_hex,hash_hex\n%s", out);
  free(out);
  snprintf(cr, sizeof(cr), "%s/credentials.csv", dir);
  selftest_write(cr, text);
  snprintf(sf, sizeof(sf), "%s/city.secret", dir);
  snprintf(text, sizeof(text), "%s\n", city_secret);
  selftest_write(sf, text);
  snprintf(pf, sizeof(pf), "%s/city.port", dir);
  snprintf(cpf, sizeof(cpf), "%s/control.port", dir);
  snprintf(data, sizeof(data), "%s/data", dir);
  snprintf(upper, sizeof(upper), "http://127.0.0.1:%d", province_port);
  argv[i++] = (char *)ctk_test_ctk_bin();
  argv[i++] = "sim";
  argv[i++] = "city";
  argv[i++] = "--province";
  argv[i++] = "360000";
  argv[i++] = "--cities";
  argv[i++] = "360100";
  argv[i++] = "--upper";
  argv[i++] = upper;
  argv[i++] = "--listen";
  argv[i++] = "127.0.0.1:0";
  argv[i++] = "--port-file";
  argv[i++] = pf;
  argv[i++] = "--control";
  argv[i++] = "127.0.0.1:0";
  argv[i++] = "--control-port-file";
  argv[i++] = cpf;
  argv[i++] = "--data";
  argv[i++] = data;
  argv[i++] = "--rate";
  argv[i++] = "0";
  argv[i++] = "--manual";
  argv[i++] = "--cti-city";
  argv[i++] = "360100";
  argv[i++] = "--secret-file";
  argv[i++] = sf;
  argv[i++] = "--credentials";
  argv[i++] = cr;
  argv[i] = NULL;
  snprintf(path, sizeof(path), "%s/city.log", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_proc_start(&city, "city", argv, path), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_proc_wait_port(&city, pf, 15000, &city_port), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_proc_wait_port(&city, cpf, 15000, &control_port), CTK_E_OK);

  snprintf(text, sizeof(text),
           "[sut]\nrole = city\nregion = 360100\nstart = external\n"
           "url = http://127.0.0.1:%d/city/360100\nsecret = %s\n"
           "[province]\nport = %d\nsecret = %s\n"
           "[cti]\nwebhook_url = http://127.0.0.1:%d/cti\ncalls = 3\n",
           city_port, city_secret, province_port, province_secret, control_port);
  snprintf(path, sizeof(path), "%s/external.pixit", dir);
  selftest_write(path, text);
  snprintf(cmd, sizeof(cmd), "%s run --sut city --pics fixtures/pics/reference-city.pics "
           "--pixit %s --out %s/out --quiet --select 'J1.*,J2.cti-calls' > %s/run.log 2>&1",
           ctk_test_ctk_bin(), path, dir, dir);
  rc = ctk_test_run(cmd, NULL);
  snprintf(path, sizeof(path), "%s/out/results.json", dir);
  if(ctk_report_json_load(path, &run, err, sizeof(err)) != CTK_E_OK) {
    ctk_proc_stop(&city, 3000);
    CU_FAIL_FATAL("the external-city run wrote no results");
  }
  /* Without SIPp an external city cannot be made to accept an order: inconc, exit 2. */
  CU_ASSERT_EQUAL(rc, sipp ? 0 : 2);
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    int want = !sipp && !strcmp(t->id, "J1.city-report-up") ? CTK_VERDICT_INCONC
               : !sipp && !strcmp(t->id, "J2.cti-calls") ? CTK_VERDICT_SKIP : CTK_VERDICT_PASS;
    if((int)t->verdict != want)
      fprintf(stderr, "selftest external city: %s %s %s\n", t->id, ctk_verdict_name(t->verdict),
              t->reason);
    CU_ASSERT_EQUAL((int)t->verdict, want);
  }
  CU_ASSERT_PTR_NOT_NULL(ctk_run_find_test(run, "J2.cti-calls"));
  ctk_run_free(run);
  run = NULL;

  /* The city now spoils the Channel of its next report: the call's order must fail on the
   * requirement the validator names. */
  if(sipp) {
    snprintf(cmd, sizeof(cmd), "curl -s -o /dev/null -w '%%{http_code}' "
             "-H 'Content-Type: application/json' -d "
             "'{\"city\":\"360100\",\"action\":\"invalid-field\",\"field\":\"Channel\","
             "\"count\":1}' http://127.0.0.1:%d/control/misbehave", control_port);
    CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "201"));
    free(out);
    snprintf(path, sizeof(path), "%s/external.pixit", dir);
    snprintf(cmd, sizeof(cmd), "%s run --sut city --pics fixtures/pics/reference-city.pics "
             "--pixit %s --out %s/bad --quiet --select J1.city-report-up > %s/bad.log 2>&1",
             ctk_test_ctk_bin(), path, dir, dir);
    rc = ctk_test_run(cmd, NULL);
    CU_ASSERT_EQUAL(rc, 1);
    snprintf(path, sizeof(path), "%s/bad/results.json", dir);
    if(ctk_report_json_load(path, &run, err, sizeof(err)) == CTK_E_OK) {
      r = ctk_run_find_test(run, "J1.city-report-up");
      CU_ASSERT_PTR_NOT_NULL(r);
      if(r) {
        CU_ASSERT_EQUAL(r->verdict, CTK_VERDICT_FAIL);
        CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, "invalid"));
        CU_ASSERT_EQUAL(strncmp(r->reason, "[J3-", 4), 0);
      }
      ctk_run_free(run);
    }
    else
      CU_FAIL("the second external-city run wrote no results");
  }
  ctk_proc_stop(&city, 3000);
}

/* TLS declared in the PICS: the reference province serves HTTPS with a throw-away certificate
 * and the PICS self-check and the tests reach it through it. */
static void test_tls_sut(void)
{
  const char *dir = ctk_test_tmpdir("selftest-tls");
  char cmd[2048], path[700], text[8192], err[256];
  char *pics = ctk_test_read_file(SELFTEST_PICS, NULL);
  char *pixit = ctk_test_read_file(SELFTEST_PIXIT, NULL);
  char *tls_line, *start;
  ctk_run *run = NULL;
  size_t i;
  int rc;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(pics);
  CU_ASSERT_PTR_NOT_NULL_FATAL(pixit);
  snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
           "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '%s/key.pem' "
           "-out '%s/cert.pem' >/dev/null 2>&1", dir, dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  /* The reference PICS with tls = yes. */
  tls_line = strstr(pics, "tls = no");
  CU_ASSERT_PTR_NOT_NULL_FATAL(tls_line);
  memcpy(tls_line, "tls = ye", 8);
  tls_line[8] = 's';
  snprintf(path, sizeof(path), "%s/tls.pics", dir);
  selftest_write(path, pics);
  start = strstr(pixit, "start = reference");
  CU_ASSERT_PTR_NOT_NULL_FATAL(start);
  snprintf(text, sizeof(text), "%.*sstart = reference\ntls_cert = %s/cert.pem\n"
           "tls_key = %s/key.pem\ntls_ca = %s/cert.pem\n%s", (int)(start - pixit), pixit, dir,
           dir, dir, start + strlen("start = reference"));
  snprintf(path, sizeof(path), "%s/tls.pixit", dir);
  selftest_write(path, text);
  snprintf(cmd, sizeof(cmd), "%s run --sut province --pics %s/tls.pics --pixit %s --out %s/out "
           "--quiet --select 'PICS.*,J3.if-1013-linkcheck,J3.if-1001-report,J1.urge,J2.auth' "
           "> %s/run.log 2>&1", ctk_test_ctk_bin(), dir, path, dir, dir);
  rc = ctk_test_run(cmd, NULL);
  CU_ASSERT_EQUAL(rc, 0);
  snprintf(path, sizeof(path), "%s/out/results.json", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_load(path, &run, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(ctk_run_find_test(run, "PICS.tls"));
  CU_ASSERT_TRUE(!strncmp(run->sut.endpoint, "https://", 8));
  for(i = 0; i < run->n_tests; i++) {
    if(run->tests[i]->verdict != CTK_VERDICT_PASS)
      fprintf(stderr, "selftest tls: %s %s %s\n", run->tests[i]->id,
              ctk_verdict_name(run->tests[i]->verdict), run->tests[i]->reason);
    CU_ASSERT_EQUAL(run->tests[i]->verdict, CTK_VERDICT_PASS);
  }
  ctk_run_free(run);
  free(pics);
  free(pixit);
}

void ctk_test_add_selftest(CU_pSuite s)
{
  CTK_TEST(s, test_tls_sut);
  CTK_TEST(s, test_external_kit);
  CTK_TEST(s, test_external_proxy);
  CTK_TEST(s, test_refusal_named);
  CTK_TEST(s, test_reference_verdicts);
  CTK_TEST(s, test_city_verdicts);
  CTK_TEST(s, test_variant_province_verdicts);
  CTK_TEST(s, test_variant_city_verdicts);
  CTK_TEST(s, test_sample_b_province_verdicts);
  CTK_TEST(s, test_sample_b_city_verdicts);
  CTK_TEST(s, test_external_city);
  CTK_TEST(s, test_fault_modes);
  CTK_TEST(s, test_fault_modes_variant);
}
