/* test_runner: the runner's own parts: "key = value" files, PICS conditions, PIXIT checks,
 * --select, the registry, requirement coverage, child processes and the recording relay. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_coverage.h"
#include "ctk_csv.h"
#include "ctk_ct.h"
#include "ctk_ct_msg.h"
#include "ctk_ct_req.h"
#include "ctk_http.h"
#include "ctk_kvfile.h"
#include "ctk_msg.h"
#include "ctk_pics.h"
#include "ctk_pixit.h"
#include "ctk_proc.h"
#include "ctk_profile.h"
#include "ctk_relay.h"
#include "ctk_select.h"
#include "ctk_test.h"
#include "ctk_validate.h"

static void test_kvfile_sections(void)
{
  static ctk_kvfile kv;
  char err[256];
  const char *text = "# comment\ntop = 1\n[Binding]\nsoap = yes   # SOAP 1.1\n"
                     "url = http://x/#frag\n\n; other comment\n[encoding]\ngbk=no\n";
  CU_ASSERT_EQUAL(ctk_kvfile_parse("t", text, &kv, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(ctk_kvfile_get(&kv, "top"), "1");
  CU_ASSERT_STRING_EQUAL(ctk_kvfile_get(&kv, "binding.soap"), "yes");
  CU_ASSERT_STRING_EQUAL(ctk_kvfile_get(&kv, "binding.url"), "http://x/#frag");
  CU_ASSERT_STRING_EQUAL(ctk_kvfile_get(&kv, "encoding.gbk"), "no");
  CU_ASSERT_EQUAL(ctk_kvfile_find(&kv, "encoding.gbk")->line, 9);
  CU_ASSERT_PTR_NULL(ctk_kvfile_get(&kv, "binding.xml"));
  CU_ASSERT_EQUAL(ctk_kvfile_bool_value("Yes"), 1);
  CU_ASSERT_EQUAL(ctk_kvfile_bool_value("off"), 0);
  CU_ASSERT_EQUAL(ctk_kvfile_bool_value("maybe"), -1);
}

static void test_kvfile_errors(void)
{
  static ctk_kvfile kv;
  char err[256];
  CU_ASSERT_NOT_EQUAL(ctk_kvfile_parse("t", "a = 1\na = 2\n", &kv, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "t:2:"));
  CU_ASSERT_NOT_EQUAL(ctk_kvfile_parse("t", "[open\n", &kv, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "t:1:"));
  CU_ASSERT_NOT_EQUAL(ctk_kvfile_parse("t", "x\n", &kv, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_NOT_EQUAL(ctk_kvfile_parse("t", "bad key = 1\n", &kv, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_NOT_EQUAL(ctk_kvfile_load("/nonexistent/pics", &kv, err, sizeof(err)), CTK_E_OK);
}

typedef struct kv_seen {
  char keys[512];
  int last_line;
} kv_seen;

static ctk_code kv_collect(void *ctx, const char *key, const char *value, int line, char *why,
                           size_t whylen)
{
  kv_seen *seen = ctx;
  if(!strcmp(value, "refuse")) {
    snprintf(why, whylen, "'%s' refused", key);
    return CTK_E_INVAL;
  }
  {
    size_t n = strlen(seen->keys);
    snprintf(seen->keys + n, sizeof(seen->keys) - n, "%s=%s;", key, value);
  }
  seen->last_line = line;
  return CTK_E_OK;
}

/* Entry by entry: a key may come again, and the caller's refusal is reported at its line. */
static void test_kvfile_each(void)
{
  const char *dir = ctk_test_tmpdir("kvfile-each");
  char path[600];
  char err[256];
  kv_seen seen;
  FILE *f;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/each.conf", dir);
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("# repeated keys\nFault = a\nfault = b  # second\n[Delay]\nsign = exp 3\n", f);
  fclose(f);
  memset(&seen, 0, sizeof(seen));
  CU_ASSERT_EQUAL(ctk_kvfile_each(path, kv_collect, &seen, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(seen.keys, "fault=a;fault=b;delay.sign=exp 3;");
  CU_ASSERT_EQUAL(seen.last_line, 5);

  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("a = 1\n\nb = refuse\nc = 3\n", f);
  fclose(f);
  memset(&seen, 0, sizeof(seen));
  CU_ASSERT_EQUAL(ctk_kvfile_each(path, kv_collect, &seen, err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "each.conf:3: 'b' refused"));
  CU_ASSERT_STRING_EQUAL(seen.keys, "a=1;");
  CU_ASSERT_EQUAL(ctk_kvfile_each("/nonexistent/each.conf", kv_collect, &seen, err,
                                  sizeof(err)), CTK_E_NOTFOUND);
}

static void test_pics_conditions(void)
{
  static ctk_pics pics;
  char err[256];
  char why[128];
  CU_ASSERT_EQUAL(ctk_pics_parse("p", "PICS-KB = yes\n[sut]\nrole = province\n[binding]\n"
                                      "soap = yes\n[encoding]\ngbk = no\n",
                                 &pics, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, NULL, why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "binding.soap", why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "encoding.gbk", why, sizeof(why)), 0);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "binding.soap && !encoding.gbk", why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "(encoding.gbk || security.tls) && binding.soap", why,
                                sizeof(why)), 0);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "interface.1012 || PICS-KB", why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "sut.role=province", why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "binding.soap &&", why, sizeof(why)), -1);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "(binding.soap", why, sizeof(why)), -1);
  CU_ASSERT_EQUAL(ctk_pics_eval(&pics, "binding.soap extra", why, sizeof(why)), -1);
  /* Unknown items and non-boolean values are configuration errors with a line. */
  CU_ASSERT_NOT_EQUAL(ctk_pics_parse("p", "[binding]\nsopa = yes\n", &pics, err, sizeof(err)),
                      CTK_E_OK);
  CU_ASSERT_NOT_EQUAL(ctk_pics_parse("p", "[frobnicate]\nx = yes\n", &pics, err, sizeof(err)),
                      CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "p:2:"));
  CU_ASSERT_NOT_EQUAL(ctk_pics_parse("p", "[binding]\nsoap = perhaps\n", &pics, err,
                                     sizeof(err)), CTK_E_OK);
}

static void test_pixit_reference(void)
{
  static ctk_pixit px;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(ctk_pixit_load("fixtures/pixit/reference-province.pixit", &px, err,
                                       sizeof(err)), CTK_E_OK);
  CU_ASSERT_TRUE(px.self_test);
  CU_ASSERT_STRING_EQUAL(px.sut_region, "360000");
  CU_ASSERT_EQUAL(px.n_cities, 2);
  CU_ASSERT_TRUE(ctk_pixit_has_city(&px, "360200"));
  /* "generate" gave fresh secrets, different for every role. */
  CU_ASSERT_TRUE(strlen(px.sut_secret) >= 16);
  CU_ASSERT_STRING_NOT_EQUAL(px.sut_secret, px.city_secret);
}

static void test_pixit_errors(void)
{
  static ctk_pixit px;
  char err[256];
  /* An external SUT needs a URL, real secrets and fixed ports. */
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nregion = 360000\nstart = external\n"
                                           "[cities]\nregions = 360100,360200\n",
                                      &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "sut.url"));
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nregion = 36000\nstart = reference\n",
                                      &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "x:2:"));
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nregion = 360000\nstart = reference\n"
                                           "[cities]\nregions = 360100\n",
                                      &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nregion = 360000\nstart = reference\n"
                                           "[cities]\nregions = 360100,360200\n[limits]\n"
                                           "answer_timeout_ms = fast\n",
                                      &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "x:7:"));
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nregoin = 360000\n", &px, err, sizeof(err)),
                      CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown PIXIT parameter"));
  CU_ASSERT_EQUAL(ctk_pixit_parse("x", "[sut]\nregion = 360000\nstart = external\n"
                                       "url = https://sut.example:8443/\nsecret = s3cr3t-s3cr3t-s3cr3t\n"
                                       "[ministry]\nport = 18100\nsecret = m-m-m-m-m-m-m-m-m\n"
                                       "[cities]\nregions = 360100,360200\nport = 18200\n"
                                       "secret = c-c-c-c-c-c-c-c-c\n",
                                  &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(px.sut_url, "https://sut.example:8443");
  /* A city SUT: the runner plays its province; the city itself is city 0. */
  CU_ASSERT_EQUAL(ctk_pixit_load("fixtures/pixit/reference-city.pixit", &px, err, sizeof(err)),
                  CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(px.sut_role, "city");
  CU_ASSERT_EQUAL(px.n_cities, 1);
  CU_ASSERT_STRING_EQUAL(px.cities[0], "360100");
  CU_ASSERT_TRUE(strlen(px.province_secret) >= 16);
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nrole = city\nregion = 360000\n"
                                           "start = reference\n", &px, err, sizeof(err)),
                      CTK_E_OK);
  /* The queue machine beside a city: 10 calls by default; the reference city's intake is
   * known, an external city's must be an http(s) URL. */
  CU_ASSERT_EQUAL(ctk_pixit_load("fixtures/pixit/reference-city.pixit", &px, err, sizeof(err)),
                  CTK_E_OK);
  CU_ASSERT_EQUAL(px.cti_calls, 10);
  CU_ASSERT_STRING_EQUAL(px.cti_webhook_url, "");
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nrole = city\nregion = 360100\n"
                                           "start = reference\n[cti]\n"
                                           "webhook_url = http://127.0.0.1:9/cti\n",
                                      &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "cti.webhook_url"));
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nrole = city\nregion = 360100\n"
                                           "start = external\nurl = http://127.0.0.1:9\n"
                                           "secret = c-c-c-c-c-c-c-c-c\n[province]\n"
                                           "port = 18300\nsecret = p-p-p-p-p-p-p-p-p\n[cti]\n"
                                           "webhook_url = ftp://x/cti\n",
                                      &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "x:11:"));
  CU_ASSERT_EQUAL(ctk_pixit_parse("x", "[sut]\nrole = city\nregion = 360100\n"
                                       "start = external\nurl = http://127.0.0.1:9\n"
                                       "secret = c-c-c-c-c-c-c-c-c\n[province]\n"
                                       "port = 18300\nsecret = p-p-p-p-p-p-p-p-p\n[cti]\n"
                                       "webhook_url = http://127.0.0.1:9/cti\ncalls = 3\n",
                                  &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(px.cti_webhook_url, "http://127.0.0.1:9/cti");
  CU_ASSERT_EQUAL(px.cti_calls, 3);
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", "[sut]\nregion = 360000\nstart = reference\n"
                                           "[cities]\nregions = 360100,360200\n[cti]\n"
                                           "calls = 3\n", &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "only for a city"));
}

static void expect_load_limits(const ctk_pixit *px, int connections, double min_rate, long p50,
                               long p95, long p99)
{
  CU_ASSERT_EQUAL(px->load_connections, connections);
  CU_ASSERT_DOUBLE_EQUAL(px->load_min_rate, min_rate, 1e-9);
  CU_ASSERT_EQUAL(px->load_p50_ms, p50);
  CU_ASSERT_EQUAL(px->load_p95_ms, p95);
  CU_ASSERT_EQUAL(px->load_p99_ms, p99);
}

/* What J2.load may use and must reach: defaults from the rate and the answer timeout, each
 * limit in range, the percentiles in order. */
static void test_pixit_load_limits(void)
{
  static ctk_pixit px;
  char err[256];
  const char *head = "[sut]\nregion = 360000\nstart = reference\n"
                     "[cities]\nregions = 360100,360200\n[limits]\nanswer_timeout_ms = 4000\n"
                     "[load]\nrate = 20\n";
  char text[512];

  CU_ASSERT_EQUAL_FATAL(ctk_pixit_parse("x", head, &px, err, sizeof(err)), CTK_E_OK);
  expect_load_limits(&px, 8, 18.0, 400, 2000, 4000);
  snprintf(text, sizeof(text), "%sconnections = 2\nmin_rate = 12.5\np50_ms = 10\n"
           "p95_ms = 50\np99_ms = 90\n", head);
  CU_ASSERT_EQUAL_FATAL(ctk_pixit_parse("x", text, &px, err, sizeof(err)), CTK_E_OK);
  expect_load_limits(&px, 2, 12.5, 10, 50, 90);
  snprintf(text, sizeof(text), "%sconnections = 0\n", head);
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", text, &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "load.connections"));
  snprintf(text, sizeof(text), "%smin_rate = 21\n", head);
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", text, &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "x:10: load.min_rate"));
  snprintf(text, sizeof(text), "%sp95_ms = 100\np99_ms = 50\n", head);
  CU_ASSERT_NOT_EQUAL(ctk_pixit_parse("x", text, &px, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "load.p95_ms"));
}

static void test_select(void)
{
  ctk_select_item it;
  char why[128];
  it.id = "J3.if-1001-report";
  it.part = "jtt1019-3";
  it.area = "interfaces";
  it.conf_class = "mandatory";
  it.requirements = "J3-IF-001,J3-ENV-007";
  it.tags = "load,peer";
  CU_ASSERT_EQUAL(ctk_select_match(NULL, &it, why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_select_match("J3.*", &it, why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_select_match("J1.*", &it, why, sizeof(why)), 0);
  CU_ASSERT_EQUAL(ctk_select_match("part:3", &it, why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_select_match("part:1,req:J3-ENV-*", &it, why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_select_match("req:J3-ENV-007+tag:peer", &it, why, sizeof(why)), 1);
  CU_ASSERT_EQUAL(ctk_select_match("req:J3-ENV-007+!tag:load", &it, why, sizeof(why)), 0);
  CU_ASSERT_EQUAL(ctk_select_match("area:interfaces+class:mandatory", &it, why, sizeof(why)),
                  1);
  CU_ASSERT_EQUAL(ctk_select_match("req:J3-IF-00", &it, why, sizeof(why)), 0);
  CU_ASSERT_EQUAL(ctk_select_match("colour:red", &it, why, sizeof(why)), -1);
  CU_ASSERT_EQUAL(ctk_select_match("class:sometimes", &it, why, sizeof(why)), -1);
  CU_ASSERT_EQUAL(ctk_select_check("part:1,,tag:x", why, sizeof(why)), -1);
  CU_ASSERT_EQUAL(ctk_select_check("J1.* , part:2", why, sizeof(why)), 0);
}

/* Is value exactly one item of list, written ",a,b,c,"? */
static int in_list(const char *list, const char *value)
{
  char item[64];
  if(!value || !*value || strchr(value, ','))
    return 0;
  snprintf(item, sizeof(item), ",%s,", value);
  return strstr(list, item) != NULL;
}

/* The registry's self-check: the first problem of defs[0..n) against profile p, written to
 * why as "ID: what"; -1 with a problem, 0 without. The tags and areas are those RUNNER.md
 * documents for --select, so a misspelt one cannot silently escape a selection. */
static int registry_check(const ctk_ct_def *defs, size_t n, const ctk_profile *p, char *why,
                          size_t whylen)
{
  static const char *const parts = ",pics,jtt1019-1,jtt1019-2,jtt1019-3,";
  static const char *const suts = ",province,city,any,";
  static const char *const areas = ",pics-check,process,interfaces,outgoing,technical,";
  static const char *const tags = ",load,outage,overdue,peer,stats,tls,sipp,";
  size_t i, k;
  for(i = 0; i < n; i++) {
    const ctk_ct_def *d = &defs[i];
    const char *id = d->id ? d->id : "(no id)";
    char list[256];
    char cwhy[128];
    char *save = NULL;
    char *tok;
    const char *problem = NULL;

    if(!d->id || !*d->id)
      problem = "no id";
    else if(!d->name || !*d->name)
      problem = "no name";
    else if(!in_list(parts, d->part))
      problem = "part is not pics or jtt1019-1, -2, -3";
    else if(!in_list(areas, d->area))
      problem = "area is not one of RUNNER.md's";
    else if(d->conf_class != CTK_CLASS_MANDATORY && d->conf_class != CTK_CLASS_OPTIONAL)
      problem = "class is neither mandatory nor optional";
    /* Optional tests carry a PICS condition; a mandatory one with a condition would vanish
     * from a SUT that does not declare it. */
    else if((d->conf_class == CTK_CLASS_OPTIONAL) != (d->pics != NULL))
      problem = "optional without a PICS condition, or mandatory with one";
    else if(d->pics && (!*d->pics || ctk_pics_check_syntax(d->pics, cwhy, sizeof(cwhy))))
      problem = "PICS condition does not parse";
    else if(!in_list(suts, d->sut))
      problem = "sut is not province, city or any";
    else if(!d->fn)
      problem = "no function";
    else if(!d->requirements || !*d->requirements)
      problem = "no requirement";
    /* The runner copies the list into 256 bytes to split it. */
    else if(strlen(d->requirements) >= sizeof(list))
      problem = "requirement list longer than the runner reads";
    else if(!d->needs)
      problem = "needs is NULL (write \"\")";
    if(problem) {
      snprintf(why, whylen, "%s: %s", id, problem);
      return -1;
    }
    ctk_strlcpy(list, d->requirements, sizeof(list));
    for(tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      if(!ctk_profile_requirement(p, tok)) {
        snprintf(why, whylen, "%s: requirement %s is not in the profile", id, tok);
        return -1;
      }
    }
    ctk_strlcpy(list, d->needs, sizeof(list));
    for(tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      if(!in_list(tags, tok)) {
        snprintf(why, whylen, "%s: needs tag %s is not one of RUNNER.md's", id, tok);
        return -1;
      }
    }
    for(k = 0; k < i; k++) {
      if(!strcmp(defs[k].id, d->id)) {
        snprintf(why, whylen, "%s: id used twice", id);
        return -1;
      }
    }
  }
  why[0] = '\0';
  return 0;
}

/* The registry as one array, in run order, for the self-check and its mutations. */
static size_t registry_copy(ctk_ct_def *out, size_t max)
{
  size_t n = ctk_ct_count();
  size_t i;
  for(i = 0; i < n && i < max; i++)
    out[i] = *ctk_ct_at(i);
  return i;
}

/* The registry passes its self-check; the suites' tables are walked in order and to the end. */
static void test_registry(void)
{
  static ctk_ct_def defs[128];
  const ctk_profile *p = ctk_test_profile();
  char why[256];
  size_t n = registry_copy(defs, sizeof(defs) / sizeof(defs[0]));
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_EQUAL(n, ctk_ct_count());
  CU_ASSERT_TRUE(n >= 30);
  CU_ASSERT_EQUAL(registry_check(defs, n, p, why, sizeof(why)), 0);
  if(why[0])
    fprintf(stderr, "registry: %s\n", why);
  CU_ASSERT_PTR_NULL(ctk_ct_at(n));
  CU_ASSERT_STRING_EQUAL(ctk_ct_at(0)->id, "PICS.xml-utf8");
  CU_ASSERT_STRING_EQUAL(ctk_ct_at(n - 1)->id, "J2.secrets-hidden");
  CU_ASSERT_PTR_EQUAL(ctk_ct_find("J1.local-case"), ctk_ct_at(4));
  CU_ASSERT_PTR_NULL(ctk_ct_find("J9.nothing"));
}

/* The self-check finds each kind of mistake a hand-written table can make, and names the test. */
static void test_registry_check_catches(void)
{
  static ctk_ct_def good[128];
  static ctk_ct_def bad[128];
  const ctk_profile *p = ctk_test_profile();
  char why[256];
  size_t n = registry_copy(good, sizeof(good) / sizeof(good[0]));
  size_t last = n - 1;
  size_t i;
  /* Each case puts the fields of over into the last test (cls >= 0: its class too). */
  static const struct {
    ctk_ct_def over;
    int cls;
    int no_fn;
    const char *expect;
  } cases[] = {
    { .over = { .id = "PICS.xml-utf8" }, .cls = -1, .expect = "id used twice" },
    { .over = { .requirements = "J3-IF-013,J3-IF-999" }, .cls = -1,
      .expect = "requirement J3-IF-999 is not in the profile" },
    { .over = { .requirements = "J3-IF-013,j3-if-013" }, .cls = -1,
      .expect = "requirement j3-if-013 is not in the profile" },
    { .over = { .sut = "ministry" }, .cls = -1, .expect = "sut is not" },
    { .over = { .sut = "city,any" }, .cls = -1, .expect = "sut is not" },
    { .over = { .area = "procedures" }, .cls = -1, .expect = "area is not" },
    { .over = { .needs = "load,laod" }, .cls = -1, .expect = "needs tag laod" },
    { .over = { .part = "jtt1019-4" }, .cls = -1, .expect = "part is not" },
    { .over = { .pics = "binding.soap &&" }, .cls = CTK_CLASS_OPTIONAL,
      .expect = "does not parse" },
    { .over = { .pics = NULL }, .cls = CTK_CLASS_OPTIONAL, .expect = "optional without" },
    { .over = { .pics = "binding.soap" }, .cls = CTK_CLASS_MANDATORY,
      .expect = "mandatory with one" },
    { .over = { .id = NULL }, .cls = CTK_CLASS__COUNT, .expect = "class is neither" },
    { .over = { .id = NULL }, .cls = -1, .no_fn = 1, .expect = "no function" },
  };
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_TRUE_FATAL(n >= 30);
  CU_ASSERT_EQUAL_FATAL(registry_check(good, n, p, why, sizeof(why)), 0);
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ctk_ct_def *d = &bad[last];
    memcpy(bad, good, n * sizeof(bad[0]));
#define REGISTRY_OVER(field) if(cases[i].over.field) d->field = cases[i].over.field
    REGISTRY_OVER(id);
    REGISTRY_OVER(part);
    REGISTRY_OVER(area);
    REGISTRY_OVER(requirements);
    REGISTRY_OVER(needs);
    REGISTRY_OVER(sut);
#undef REGISTRY_OVER
    if(cases[i].cls >= 0) {
      d->conf_class = (ctk_conf_class)cases[i].cls;
      d->pics = cases[i].over.pics;
    }
    if(cases[i].no_fn)
      d->fn = NULL;
    CU_ASSERT_EQUAL(registry_check(bad, n, p, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, cases[i].expect));
    CU_ASSERT_EQUAL(strncmp(why, d->id, strlen(d->id)), 0);
    if(!strstr(why, cases[i].expect))
      fprintf(stderr, "registry check case %zu: got '%s', wanted '%s'\n", i, why,
              cases[i].expect);
  }
}

static const char *const registry_columns[] = { "id", "name", "part", "area", "class", "pics",
                                                "requirements", "needs", "sut" };
#define REGISTRY_COLUMNS (sizeof(registry_columns) / sizeof(registry_columns[0]))

/* Does test d differ from the current record of registry.csv? Says where and how if so. */
static int registry_row_differs(const ctk_csv *csv, const int *col, const ctk_ct_def *d,
                                const char *path)
{
  const char *have[REGISTRY_COLUMNS];
  size_t f;
  if(!d) {
    fprintf(stderr, "%s:%zu: %s is not in the registry (it has %zu tests)\n", path,
            csv->record_line, ctk_csv_field(csv, col[0]), ctk_ct_count());
    return 1;
  }
  have[0] = d->id;
  have[1] = d->name;
  have[2] = d->part;
  have[3] = d->area;
  have[4] = ctk_conf_class_name(d->conf_class);
  have[5] = d->pics ? d->pics : "";  /* an empty cell is NULL: no condition */
  have[6] = d->requirements;
  have[7] = d->needs;
  have[8] = d->sut;
  for(f = 0; f < REGISTRY_COLUMNS; f++) {
    const char *want = ctk_csv_field(csv, col[f]);
    if(!want || !have[f] || strcmp(want, have[f])) {
      fprintf(stderr, "%s:%zu: %s: %s is '%s' in the file, '%s' in the registry\n", path,
              csv->record_line, d->id, registry_columns[f], want ? want : "(none)",
              have[f] ? have[f] : "(NULL)");
      return 1;
    }
  }
  return 0;
}

/* Every test keeps the fields and the place in the run order it had when the registry moved
 * beside the suites' code: tests/data/expected/registry.csv lists them. A new or changed test
 * changes that file in the same commit (docs/RUNNER.md, "Adding a test"). */
static void test_registry_unchanged(void)
{
  const char *path = "tests/data/expected/registry.csv";
  ctk_csv csv;
  int col[REGISTRY_COLUMNS];
  size_t i = 0;
  int differs = 0;
  int r;
  CU_ASSERT_EQUAL_FATAL(ctk_csv_open(&csv, path), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_csv_header(&csv, registry_columns, REGISTRY_COLUMNS, col),
                        CTK_E_OK);
  /* The first test that differs says enough: after a move every later one would too. */
  for(r = ctk_csv_next(&csv); r == 1 && !differs; r = ctk_csv_next(&csv))
    differs = registry_row_differs(&csv, col, ctk_ct_at(i++), path);
  CU_ASSERT_FALSE(differs);
  if(!differs) {
    CU_ASSERT_EQUAL(r, 0);
    CU_ASSERT_EQUAL(i, ctk_ct_count());
    if(i < ctk_ct_count())
      fprintf(stderr, "%s: test %s and %zu after it are not in the file\n", path,
              ctk_ct_at(i)->id, ctk_ct_count() - i - 1);
  }
  ctk_csv_close(&csv);
}

/* The plan: selection, the SUT's role and PICS conditions decide; skips say why. */
static void test_plan(void)
{
  static ctk_pics pics;
  ctk_ct_plan_entry *plan = calloc(ctk_ct_count(), sizeof(*plan));
  char err[256];
  size_t i, selected = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(plan);
  CU_ASSERT_EQUAL_FATAL(ctk_pics_parse("p", "[binding]\nsoap = yes\n", &pics, err,
                                       sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_ct_plan(&pics, "province", "part:3,PICS.*", plan, err, sizeof(err)), 0);
  for(i = 0; i < ctk_ct_count(); i++) {
    const ctk_ct_def *d = plan[i].def;
    if(!plan[i].selected)
      continue;
    selected++;
    CU_ASSERT_TRUE(!strcmp(d->part, "jtt1019-3") || !strcmp(d->part, "pics"));
    CU_ASSERT_STRING_NOT_EQUAL(d->sut, "city");
    if(!strcmp(d->id, "PICS.soap") || !strcmp(d->id, "J3.binding-soap"))
      CU_ASSERT_TRUE(plan[i].applicable);
    if(!strcmp(d->id, "PICS.gbk") || !strcmp(d->id, "J3.binding-soap-gbk")) {
      CU_ASSERT_FALSE(plan[i].applicable);
      CU_ASSERT_PTR_NOT_NULL(strstr(plan[i].skip_reason, "encoding.gbk"));
    }
  }
  CU_ASSERT_TRUE(selected >= 10);
  /* A city SUT gets the city tests and the tests for any SUT, never the province's. */
  CU_ASSERT_EQUAL(ctk_ct_plan(&pics, "city", NULL, plan, err, sizeof(err)), 0);
  for(i = 0; i < ctk_ct_count(); i++) {
    if(plan[i].selected)
      CU_ASSERT_STRING_NOT_EQUAL(plan[i].def->sut, "province");
  }
  /* The queue-machine test needs a city that declares CTI intake. */
  for(i = 0; i < ctk_ct_count(); i++) {
    if(!strcmp(plan[i].def->id, "J2.cti-calls")) {
      CU_ASSERT_TRUE(plan[i].selected);
      CU_ASSERT_FALSE(plan[i].applicable);
      CU_ASSERT_PTR_NOT_NULL(strstr(plan[i].skip_reason, "cti.webhook"));
    }
  }
  CU_ASSERT_EQUAL_FATAL(ctk_pics_parse("p", "[sut]\nrole = city\n[cti]\nwebhook = yes\n", &pics,
                                       err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_ct_plan(&pics, "city", "tag:sipp", plan, err, sizeof(err)), 0);
  selected = 0;
  for(i = 0; i < ctk_ct_count(); i++) {
    if(plan[i].selected) {
      selected++;
      /* the webhook test applies; the docking tests need a family declared (cti.csta...) */
      if(!strcmp(plan[i].def->id, "J2.cti-calls")) {
        CU_ASSERT_TRUE(plan[i].applicable);
      }
      else {
        CU_ASSERT_PTR_NOT_NULL(strstr(plan[i].def->id, "J2.dock-"));
        CU_ASSERT_FALSE(plan[i].applicable);
        CU_ASSERT_PTR_NOT_NULL(strstr(plan[i].skip_reason, "cti."));
      }
    }
  }
  CU_ASSERT_EQUAL(selected, 5);
  CU_ASSERT_EQUAL_FATAL(ctk_pics_parse("p", "[sut]\nrole = city\n[cti]\nami = yes\n", &pics,
                                       err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_ct_plan(&pics, "city", "tag:sipp", plan, err, sizeof(err)), 0);
  for(i = 0; i < ctk_ct_count(); i++) {
    if(!strcmp(plan[i].def->id, "J2.dock-ami") || !strcmp(plan[i].def->id, "J2.dock-relink")) {
      CU_ASSERT_TRUE(plan[i].applicable);
    }
    if(!strcmp(plan[i].def->id, "J2.dock-esl") || !strcmp(plan[i].def->id, "J2.cti-calls")) {
      CU_ASSERT_FALSE(plan[i].applicable);
    }
  }
  CU_ASSERT_EQUAL(ctk_ct_plan(&pics, "province", "part:", plan, err, sizeof(err)), -1);
  free(plan);
}

/* Every requirement of the baseline is checked by a test or has a written reason, and no test
 * names a requirement the profile lacks. */
static void test_coverage_full(void)
{
  ctk_profile *p = NULL;
  ctk_coverage cov;
  char err[512];
  CU_ASSERT_EQUAL_FATAL(ctk_profile_load("profiles/jtt1019-baseline", &p, err, sizeof(err)),
                        CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_coverage_build(p, "runner/uncovered.csv", &cov, err, sizeof(err)),
                        CTK_E_OK);
  CU_ASSERT_EQUAL(cov.missing, 0);
  CU_ASSERT_STRING_EQUAL(cov.unknown, "");
  CU_ASSERT_TRUE(cov.by_tests * 10 >= cov.count * 8);
  if(cov.missing || cov.unknown[0])
    ctk_coverage_print(&cov, 1, stderr);
  ctk_coverage_free(&cov);
  ctk_profile_free(p);
}

/* Coverage under a profile counts only the tests that can run under it. */
static void test_coverage_per_profile(void)
{
  const ctk_profile *base = ctk_test_profile();
  ctk_ct_def d;
  ctk_profile *p = NULL;
  ctk_coverage full, cut;
  const char *dir = ctk_test_tmpdir("coverage-profile");
  char cmd[600];
  char err[512];
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(base);
  memset(&d, 0, sizeof(d));
  d.requirements = "J3-IF-001";
  CU_ASSERT_EQUAL(ctk_coverage_test_runs_under(&d, base), 1);
  d.pics = "binding.soap";
  CU_ASSERT_EQUAL(ctk_coverage_test_runs_under(&d, base), 1);
  /* a statistics interface the profile has (by its catalog's PICS item) */
  d.pics = "PICS-STATS";
  CU_ASSERT_EQUAL(ctk_coverage_test_runs_under(&d, base), 1);
  /* an optional interface the profile does not have */
  d.pics = "PICS-TRAFFIC-CAMERAS";
  CU_ASSERT_EQUAL(ctk_coverage_test_runs_under(&d, base), 0);
  d.pics = "interface.9999 || PICS-TRAFFIC-CAMERAS";
  CU_ASSERT_EQUAL(ctk_coverage_test_runs_under(&d, base), 0);
  /* a requirement the profile lacks */
  d.pics = NULL;
  d.requirements = "J3-IF-001,J9-NONE-001";
  CU_ASSERT_EQUAL(ctk_coverage_test_runs_under(&d, base), 0);

  /* a profile without requirement J1-FLOW-013: the tests that name it no longer cover the
   * other requirements they name */
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "cp -r profiles/jtt1019-baseline/. '%s/' && "
           "sed -i '/^J1-FLOW-013,/d' '%s/requirements.csv'", dir, dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  CU_ASSERT_EQUAL_FATAL(ctk_profile_load(dir, &p, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_coverage_build(base, NULL, &full, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_coverage_build(p, NULL, &cut, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(full.not_runnable, 0);
  CU_ASSERT(cut.not_runnable > 0);
  for(i = 0; i < cut.count; i++) {
    if(!strcmp(cut.rows[i].req->id, "J1-FLOW-009")) {
      CU_ASSERT_PTR_NULL(strstr(cut.rows[i].tests, "J1.instant-answer"));
    }
  }
  for(i = 0; i < full.count; i++) {
    if(!strcmp(full.rows[i].req->id, "J1-FLOW-009")) {
      CU_ASSERT_PTR_NOT_NULL(strstr(full.rows[i].tests, "J1.instant-answer"));
    }
  }
  ctk_coverage_free(&full);
  ctk_coverage_free(&cut);
  ctk_profile_free(p);
}

static void test_proc_port_and_stop(void)
{
  const char *dir = ctk_test_tmpdir("runner-proc");
  char portfile[600], log[600], script[1400];
  char *argv[4];
  ctk_proc p;
  int port = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(portfile, sizeof(portfile), "%s/x.port", dir);
  snprintf(log, sizeof(log), "%s/x.log", dir);
  /* A child that ignores SIGTERM must still be gone after stop. */
  snprintf(script, sizeof(script), "trap '' TERM; echo 4321 > %s; sleep 30", portfile);
  argv[0] = "/bin/sh";
  argv[1] = "-c";
  argv[2] = script;
  argv[3] = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_proc_start(&p, "stubborn", argv, log), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_proc_wait_port(&p, portfile, 5000, &port), CTK_E_OK);
  CU_ASSERT_EQUAL(port, 4321);
  CU_ASSERT_TRUE(ctk_proc_alive(&p));
  ctk_proc_stop(&p, 200);
  CU_ASSERT_FALSE(ctk_proc_alive(&p));
  CU_ASSERT_EQUAL(p.pid, 0);
  /* A child that dies before publishing a port is reported at once, not after the timeout. */
  argv[2] = "exit 3";
  remove(portfile);
  CU_ASSERT_EQUAL_FATAL(ctk_proc_start(&p, "dies", argv, log), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_proc_wait_port(&p, portfile, 5000, &port), CTK_E_EXTERNAL);
  ctk_proc_stop(&p, 100);
}

/* A bounded wait for a child's end: its status when it ends in time, TIMEOUT (still running,
 * left for ctk_proc_stop) when it does not. */
static void test_proc_wait_exit(void)
{
  const char *dir = ctk_test_tmpdir("runner-proc-exit");
  char log[600];
  char *argv[] = { "/bin/sh", "-c", "exit 5", NULL };
  ctk_proc p;
  long long started;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(log, sizeof(log), "%s/x.log", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_proc_start(&p, "ends", argv, log), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_proc_wait_exit(&p, 5000), CTK_E_OK);
  CU_ASSERT(WIFEXITED(p.exit_status) && WEXITSTATUS(p.exit_status) == 5);

  argv[2] = "sleep 30";
  CU_ASSERT_EQUAL_FATAL(ctk_proc_start(&p, "sleeps", argv, log), CTK_E_OK);
  started = ctk_now_ms();
  CU_ASSERT_EQUAL(ctk_proc_wait_exit(&p, 200), CTK_E_TIMEOUT);
  CU_ASSERT(ctk_now_ms() - started < 5000);
  CU_ASSERT_TRUE(ctk_proc_alive(&p));
  ctk_proc_stop(&p, 1000);
  CU_ASSERT_FALSE(ctk_proc_alive(&p));
}

/* A child starts with no signal blocked and the stop signals at their default, even when its
 * parent blocks them for sigwait (ctk console starting a run): else the cancel's SIGTERM
 * never reaches the run. */
static void test_proc_child_signals(void)
{
  const char *dir = ctk_test_tmpdir("runner-proc-signals");
  char log[600];
  /* grep itself reads its status: a shell would clear the mask on its own start */
  char *argv[] = { "/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status", NULL };
  char *text, *blk, *ign;
  sigset_t stop, old;
  ctk_proc p;
  unsigned long long ignored = ~0ull;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(log, sizeof(log), "%s/signals.log", dir);
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, &old);
  CU_ASSERT_EQUAL(ctk_proc_start(&p, "signals", argv, log), CTK_E_OK);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  CU_ASSERT_EQUAL(ctk_proc_wait_exit(&p, 5000), CTK_E_OK);
  ctk_proc_stop(&p, 100);
  text = ctk_test_read_file(log, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  blk = strstr(text, "SigBlk:");
  ign = strstr(text, "SigIgn:");
  CU_ASSERT_PTR_NOT_NULL(blk);
  CU_ASSERT_PTR_NOT_NULL(ign);
  if(blk)
    CU_ASSERT_EQUAL(strtoull(blk + 7, NULL, 16), 0);
  if(ign)
    ignored = strtoull(ign + 7, NULL, 16);
  CU_ASSERT_EQUAL(ignored & (1ull << (SIGTERM - 1)), 0);
  CU_ASSERT_EQUAL(ignored & (1ull << (SIGPIPE - 1)), 0);
  free(text);
}

static void test_relay_records(void)
{
  ctk_profile *p = NULL;
  ctk_relay *relay = NULL;
  ctk_relay_config cfg;
  ctk_msg *m = NULL;
  ctk_buf body;
  ctk_http_client *c;
  ctk_http_call call;
  ctk_http_reply reply;
  ctk_node from = { "360000", CTK_LEVEL_PROVINCE };
  ctk_node to = { "100000", CTK_LEVEL_MINISTRY };
  char url[96], err[256];
  ctk_relay_msg got;

  CU_ASSERT_EQUAL_FATAL(ctk_profile_load("profiles/jtt1019-baseline", &p, err, sizeof(err)),
                        CTK_E_OK);
  memset(&cfg, 0, sizeof(cfg));
  cfg.name = "test";
  cfg.profile = p;
  CU_ASSERT_EQUAL_FATAL(ctk_relay_start(&cfg, &relay), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_msg_new_request(p, "1013", &from, &to, &m), CTK_E_OK);
  ctk_buf_init(&body, 1 << 20);
  CU_ASSERT_EQUAL(ctk_msg_encode(p, m, CTK_BIND_XML, CTK_ENC_UTF8, &body), CTK_E_OK);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/exchange", ctk_relay_port(relay));
  c = ctk_http_client_new();
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = "application/xml; charset=UTF-8";
  call.user = "360000";
  call.password = "whatever";
  call.body = body.data;
  call.body_len = body.len;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 1 << 20);
  CU_ASSERT_EQUAL(ctk_http_post(c, &call, &reply), CTK_E_OK);
  CU_ASSERT_EQUAL(reply.status, 200);
  /* With no role behind it the relay answers OK itself, correlated to the request. */
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&reply.body), "<Code>0000</Code>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&reply.body), m->head.msg_id));
  CU_ASSERT_EQUAL(ctk_relay_find(relay, "1013", NULL, "100000"), 1);
  CU_ASSERT_EQUAL(ctk_relay_find(relay, "1001", NULL, NULL), 0);
  CU_ASSERT_TRUE_FATAL(ctk_relay_get(relay, 0, &got));
  CU_ASSERT_STRING_EQUAL(got.user, "360000");
  CU_ASSERT_STRING_EQUAL(got.msg_id, m->head.msg_id);
  CU_ASSERT_EQUAL(got.raw_len, body.len);
  CU_ASSERT_EQUAL(got.answer_status, 200);
  CU_ASSERT_STRING_EQUAL(got.result, "0000");
  CU_ASSERT_FALSE(got.resend);
  free(got.raw);
  /* The same MsgId and bytes again (a resend after a lost answer) is one message... */
  ctk_buf_reset(&reply.body);
  CU_ASSERT_EQUAL(ctk_http_post(c, &call, &reply), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_relay_count(relay, NULL), 2);
  CU_ASSERT_EQUAL(ctk_relay_find(relay, "1013", NULL, "100000"), 1);
  CU_ASSERT_EQUAL(ctk_relay_find_answered(relay, "1013", "", "0000", NULL), 1);
  CU_ASSERT_TRUE_FATAL(ctk_relay_get(relay, 1, &got));
  CU_ASSERT_TRUE(got.resend);
  free(got.raw);
  /* ...and nothing was refused */
  CU_ASSERT_FALSE(ctk_relay_refused(relay, "", NULL, "0000", 0, NULL, NULL, &got));
  /* Forwarding to a role that is down gives the SUT a 503, as a stopped ministry would; that
   * is no refusal by the counterpart (no Answer came from it). */
  ctk_relay_set_target(relay, "http://127.0.0.1:1");
  ctk_buf_reset(&reply.body);
  CU_ASSERT_EQUAL(ctk_http_post(c, &call, &reply), CTK_E_OK);
  CU_ASSERT_EQUAL(reply.status, 503);
  CU_ASSERT_FALSE(ctk_relay_refused(relay, "", NULL, "0000", 0, NULL, NULL, &got));
  /* an answer other than OK is a refusal, with its code */
  CU_ASSERT_FALSE(!ctk_relay_refused(relay, "", NULL, "9999", 0, NULL, NULL, &got));
  CU_ASSERT_STRING_EQUAL(got.result, "0000");
  CU_ASSERT_EQUAL(got.seq, 1);
  free(got.raw);
  ctk_buf_free(&reply.body);
  ctk_http_client_free(c);
  ctk_buf_free(&body);
  ctk_msg_free(m);
  ctk_relay_stop(relay);
  ctk_profile_free(p);
}

/* `ctk run` refuses bad configuration with exit 3 and a FILE:LINE message. */
static void test_run_usage(void)
{
  const char *dir = ctk_test_tmpdir("runner-usage");
  char cmd[1400], pics[600];
  char *out = NULL;
  FILE *f;
  int rc;
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "%s run --sut province 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(pics, sizeof(pics), "%s/bad.pics", dir);
  f = fopen(pics, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("[binding]\nsoap = sometimes\n", f);
  fclose(f);
  snprintf(cmd, sizeof(cmd), "%s run --sut province --pics %s --pixit "
           "fixtures/pixit/reference-province.pixit 2>&1", ctk_test_ctk_bin(), pics);
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 3);
  CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "bad.pics:2:"));
  free(out);
  out = NULL;
  snprintf(cmd, sizeof(cmd), "%s run --sut province --pics fixtures/pics/reference-province.pics"
           " --pixit fixtures/pixit/reference-province.pixit --select 'colour:red' 2>&1",
           ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  /* --list prints the plan without starting anything: TLS is skipped for this PICS. */
  snprintf(cmd, sizeof(cmd), "%s run --sut province --pics fixtures/pics/reference-province.pics"
           " --pixit fixtures/pixit/reference-province.pixit --list", ctk_test_ctk_bin());
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "J1.local-case"));
  CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "PICS condition not met: security.tls"));
  free(out);
  snprintf(cmd, sizeof(cmd), "%s requirements --coverage > /dev/null", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);
}

/* The runner speaks the profile in use: under the baseline and under the synthetic variant
 * (other names, order, codes, times, an extra mandatory field) every request it sends is
 * valid, its fields read back by role, and the requirements its checks name are the ones the
 * profile puts behind them. */
static void runner_speaks(const ctk_profile *p)
{
  ctk_ct_env env;
  ctk_ct t;
  ctk_run *run = NULL;
  ctk_node city, province;
  ctk_ct_order_spec spec;
  char order[24];
  size_t r;

  memset(&env, 0, sizeof(env));
  memset(&t, 0, sizeof(t));
  CU_ASSERT_EQUAL_FATAL(ctk_run_new(&run), CTK_E_OK);
  env.profile = p;
  env.run = run;
  t.env = &env;
  t.def = ctk_ct_find("J1.local-case");
  CU_ASSERT_PTR_NOT_NULL_FATAL(t.def);
  CU_ASSERT_EQUAL_FATAL(ctk_run_add_test(run, t.def->id, t.def->name, t.def->part,
                                         t.def->conf_class, &t.res), CTK_E_OK);
  memset(&city, 0, sizeof(city));
  memset(&province, 0, sizeof(province));
  ctk_strlcpy(city.region, "360100", sizeof(city.region));
  city.level = CTK_LEVEL_CITY;
  ctk_strlcpy(province.region, "360000", sizeof(province.region));
  province.level = CTK_LEVEL_PROVINCE;
  ctk_ct_order_id(city.region, order);
  ctk_ct_spec_order(&spec, order, city.region, city.region);
  spec.target_region = "360200";
  for(r = 0; r < CTK_IF__COUNT; r++) {
    const ctk_interface *in = ctk_profile_iface(p, (ctk_interface_role)r);
    int up = in && (in->directions & CTK_DIR_UP);
    ctk_msg *m = NULL;
    ctk_problems pr;
    if(!in)
      continue;
    memset(&pr, 0, sizeof(pr));
    CU_ASSERT_EQUAL_FATAL(ctk_ct_build(&t, (ctk_interface_role)r, up ? &city : &province,
                                       up ? &province : &city, &spec, &m), CTK_E_OK);
    if(ctk_validate_msg(p, m, &pr) != CTK_E_OK)
      fprintf(stderr, "\n  %s: the runner's %s request is invalid: %s at %s\n", p->name,
              ctk_interface_role_name((ctk_interface_role)r), pr.items[0].text,
              pr.items[0].where);
    CU_ASSERT_EQUAL(pr.count, 0);
    CU_ASSERT_STRING_EQUAL(m->head.interface_code, in->code);
    ctk_msg_free(m);
  }
  {
    ctk_msg *m = NULL;
    spec.instant = 1;
    CU_ASSERT_EQUAL_FATAL(ctk_ct_build(&t, CTK_IF_REPORT, &city, &province, &spec, &m),
                          CTK_E_OK);
    CU_ASSERT_STRING_EQUAL(ctk_ct_get(m, CTK_EL_WORK_ORDER, CTK_EL_ORDER_ID), order);
    CU_ASSERT_STRING_EQUAL(ctk_ct_get(m, CTK_EL_WORK_ORDER, CTK_EL_STATUS),
                           ctk_st(p, CTK_ST_INSTANT_ANSWERED));
    CU_ASSERT_PTR_NOT_NULL(ctk_ct_node(m, CTK_CT_ROOT, CTK_EL_HEAD, CTK_EL_MSG_ID));
    ctk_msg_free(m);
  }
  /* the requirements: declared, an engine rule, a process step, a code field, a format */
  CU_ASSERT_STRING_EQUAL(ctk_ct_req(&t, 0), "J1-FLOW-001");
  CU_ASSERT_STRING_EQUAL(ctk_ct_req(&t, 6), "J2-IF-001");
  CU_ASSERT_STRING_EQUAL(ctk_ct_req(&t, 99), "J1-FLOW-001");
  CU_ASSERT_STRING_EQUAL(ctk_ct_rule(&t, "same-state"), "J1-FLOW-014");
  CU_ASSERT_STRING_EQUAL(ctk_ct_step_req(&t, CTK_IF_COMPLETE), "J1-FLOW-008");
  CU_ASSERT_STRING_EQUAL(ctk_ct_step_req(&t, CTK_IF_LINK_CHECK), "J3-IF-013");
  CU_ASSERT_STRING_EQUAL(ctk_ct_iface_req(&t, CTK_IF_QUERY), "J3-IF-010");
  CU_ASSERT_STRING_EQUAL(ctk_ct_code_req(&t, CTK_EL_CHANNEL), "J3-CODE-003");
  CU_ASSERT_STRING_EQUAL(ctk_ct_format_req(&t, CTK_EL_ORDER_ID), "J3-FMT-001");
  CU_ASSERT_EQUAL(ctk_ct_format_match(&t, CTK_EL_ORDER_ID, "AB12345"), 0);
  CU_ASSERT_EQUAL(ctk_ct_format_match(&t, CTK_EL_ORDER_ID, order), 1);
  /* ids of one run: the same run id, a fresh counter; the replayed fixtures' band above */
  {
    char next[24], other[24], reserved[24], tail[24];
    ctk_ct_order_id(city.region, next);
    ctk_ct_order_id("360200", other);
    ctk_ct_order_id_reserved(city.region, 5, reserved);
    ctk_ct_order_id_reserved("", 199, tail);
    CU_ASSERT_EQUAL(strlen(next), 20);
    CU_ASSERT_STRING_NOT_EQUAL(next, order);
    CU_ASSERT_EQUAL(strncmp(next, order, 17), 0);
    CU_ASSERT_EQUAL(atoi(next + 17), atoi(order + 17) + 1);
    CU_ASSERT_EQUAL(strncmp(other + 6, order + 6, 11), 0);
    CU_ASSERT_EQUAL(atoi(reserved + 17), 805);
    CU_ASSERT_EQUAL(strlen(tail), 14);
    CU_ASSERT_EQUAL(atoi(tail + 11), 999);
    CU_ASSERT_EQUAL(ctk_ct_format_match(&t, CTK_EL_ORDER_ID, reserved), 1);
    CU_ASSERT_TRUE(ctk_ct_run_id() >= 0 && ctk_ct_run_id() < 1000);
  }
  /* the verdict the build left: none (every request composed) */
  CU_ASSERT_FALSE(ctk_ct_done(&t));
  ctk_run_free(run);
}

static void test_runner_speaks_both_profiles(void)
{
  ctk_profile *variant = ctk_test_load_profile("profiles/synthetic-variant");
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctk_test_profile());
  CU_ASSERT_PTR_NOT_NULL_FATAL(variant);
  runner_speaks(ctk_test_profile());
  runner_speaks(variant);
  ctk_profile_free(variant);
}

void ctk_test_add_runner(CU_pSuite s)
{
  CTK_TEST(s, test_kvfile_sections);
  CTK_TEST(s, test_kvfile_errors);
  CTK_TEST(s, test_kvfile_each);
  CTK_TEST(s, test_pics_conditions);
  CTK_TEST(s, test_pixit_reference);
  CTK_TEST(s, test_pixit_errors);
  CTK_TEST(s, test_pixit_load_limits);
  CTK_TEST(s, test_select);
  CTK_TEST(s, test_registry);
  CTK_TEST(s, test_registry_check_catches);
  CTK_TEST(s, test_registry_unchanged);
  CTK_TEST(s, test_plan);
  CTK_TEST(s, test_coverage_full);
  CTK_TEST(s, test_coverage_per_profile);
  CTK_TEST(s, test_proc_port_and_stop);
  CTK_TEST(s, test_proc_wait_exit);
  CTK_TEST(s, test_proc_child_signals);
  CTK_TEST(s, test_relay_records);
  CTK_TEST(s, test_run_usage);
  CTK_TEST(s, test_runner_speaks_both_profiles);
}
