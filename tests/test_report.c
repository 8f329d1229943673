/* test_report: the result model, its JSON round trip, the JUnit and HTML writers, and the
 * `ctk report` command. */
#include <CUnit/CUnit.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_report.h"
#include "ctk_file.h"
#include "ctk_report_monthly.h"
#include "ctk_result.h"
#include "ctk_test.h"

/* "投诉" in GBK: bytes that are not UTF-8, as a GBK-encoded message would carry. */
static const char gbk_bytes[] = "<Subject>\xCD\xB6\xCB\xDF</Subject>";
static const char hostile[] = "<Content><script>alert(1)</script> & ]]> \"q\"</Content>";

static void add_xchg(ctk_test_result *t, ctk_xchg_dir dir, const char *iface, double ms,
                     int http, const char *rc, const char *raw, size_t len)
{
  ctk_exchange_info x;
  memset(&x, 0, sizeof(x));
  x.direction = dir;
  x.peer = "http://127.0.0.1:8080/exchange";
  x.interface_code = iface;
  x.time = "2026-11-29T13:00:00.000+08:00";
  x.latency_ms = ms;
  x.http_status = http;
  x.result_code = rc;
  x.raw = raw;
  x.raw_len = len;
  CU_ASSERT_EQUAL(ctk_test_add_exchange(t, &x), CTK_E_OK);
}

/* A run with every verdict, three parts, secrets, odd bytes and a load series. */
static ctk_run *sample_run(void)
{
  ctk_run *run = NULL;
  ctk_test_result *t;
  ctk_series *s;
  int i;

  CU_ASSERT_FATAL(ctk_run_new(&run) == CTK_E_OK);
  ctk_strlcpy(run->profile_name, "jtt1019-baseline", sizeof(run->profile_name));
  ctk_strlcpy(run->profile_version, "1.0", sizeof(run->profile_version));
  ctk_strlcpy(run->profile_provenance, "baseline", sizeof(run->profile_provenance));
  ctk_strlcpy(run->profile_statement, "Message layout written by ctk12328 from public facts.",
              sizeof(run->profile_statement));
  memset(run->profile_sha256, 'a', 64);
  ctk_run_set_sut(run, CTK_SUT_PROVINCE, "360000", "江西省 12328 <staging>",
                  "http://127.0.0.1:8080");
  ctk_run_set_pics(run, "binding.soap", "yes");
  ctk_run_set_pixit(run, "endpoint", "http://127.0.0.1:8080");
  ctk_run_set_pixit(run, "ministry_password", "hunter2");
  ctk_run_set_pixit(run, "api_TOKEN", "abc");
  ctk_run_set_pixit(run, "signing_key", "k");

  ctk_run_add_test(run, "J1.local-case", "local case handled in the city", "jtt1019-1",
                   CTK_CLASS_MANDATORY, &t);
  ctk_test_add_requirement(t, "J1-FLOW-001");
  ctk_test_set_verdict(t, CTK_VERDICT_PASS, NULL);
  ctk_test_set_timing(t, "2026-11-29T13:00:00.000+08:00", 12.5);
  add_xchg(t, CTK_XCHG_OUT, "1001", 11.0, 200, "0000", "<Message/>", 10);

  ctk_run_add_test(run, "J1.cross-city", "cross-city transfer", "jtt1019-1",
                   CTK_CLASS_MANDATORY, &t);
  ctk_test_add_requirement(t, "J1-FLOW-004");
  ctk_test_add_requirement(t, "J3-IF-002");
  ctk_test_set_verdict(t, CTK_VERDICT_FAIL, "answer %s, expected %s", "3001", "0000");
  add_xchg(t, CTK_XCHG_OUT, "1002", 30.0, 200, "3001", hostile, strlen(hostile));
  add_xchg(t, CTK_XCHG_IN, "1002", 0, 0, "", gbk_bytes, strlen(gbk_bytes));

  ctk_run_add_test(run, "J2.perf-answer", "answer within the time limit", "jtt1019-2",
                   CTK_CLASS_MANDATORY, &t);
  ctk_test_add_requirement(t, "J2-PERF-002");
  ctk_test_set_verdict(t, CTK_VERDICT_INCONC, "timed out after 10000 ms");
  t->slow_side = CTK_SLOW_SUT;
  s = ctk_test_series(t, "throughput_per_s", "msg/s", 1.0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  for(i = 0; i < 30; i++)
    ctk_series_add(s, 50.0 + (i % 7) * 5);
  s = ctk_test_series(t, "latency_ms", "ms", 0);
  for(i = 0; i < 200; i++)
    ctk_series_add(s, 5.0 + (i % 40));
  CU_ASSERT_EQUAL(ctk_test_measure(t, "offered_rate", "orders/s", 25.0), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_test_measure(t, "achieved_rate", "orders/s", 1.0), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_test_measure(t, "achieved_rate", "orders/s", 7.25), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_test_measure(t, "", "ms", 1.0), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_test_measure(t, "sent", "orders", 50.0), CTK_E_OK);

  ctk_run_add_test(run, "J3.kb-sync", "knowledge base sync", "jtt1019-3", CTK_CLASS_OPTIONAL,
                   &t);
  ctk_test_set_verdict(t, CTK_VERDICT_SKIP, "PICS kb.sync = no");

  ctk_run_add_test(run, "J3.link-check", "link check", "jtt1019-3", CTK_CLASS_MANDATORY, &t);
  ctk_test_add_requirement(t, "J3-IF-013");
  ctk_test_set_verdict(t, CTK_VERDICT_ERROR, "simulator crashed");
  ctk_run_finish(run);
  return run;
}

static void test_names(void)
{
  int v;
  for(v = 0; v < CTK_VERDICT__COUNT; v++)
    CU_ASSERT_EQUAL(ctk_verdict_parse(ctk_verdict_name((ctk_verdict)v)), v);
  CU_ASSERT_EQUAL(ctk_verdict_parse("PASS"), CTK_VERDICT_PASS);
  CU_ASSERT_EQUAL(ctk_verdict_parse("passed"), -1);
  CU_ASSERT_EQUAL(ctk_verdict_parse(NULL), -1);
  CU_ASSERT_STRING_EQUAL(ctk_verdict_name((ctk_verdict)42), "?");
  CU_ASSERT_EQUAL(ctk_sut_kind_parse("city"), CTK_SUT_CITY);
  CU_ASSERT_EQUAL(ctk_slow_side_parse("tool"), CTK_SLOW_TOOL);
  CU_ASSERT_EQUAL(ctk_conf_class_parse("optional"), CTK_CLASS_OPTIONAL);
}

static void test_masking(void)
{
  ctk_run *run = sample_run();
  CU_ASSERT_STRING_EQUAL(ctk_kvlist_get(&run->pixit, "ministry_password"), CTK_RESULT_MASK);
  CU_ASSERT_STRING_EQUAL(ctk_kvlist_get(&run->pixit, "api_TOKEN"), CTK_RESULT_MASK);
  CU_ASSERT_STRING_EQUAL(ctk_kvlist_get(&run->pixit, "signing_key"), CTK_RESULT_MASK);
  CU_ASSERT_STRING_EQUAL(ctk_kvlist_get(&run->pixit, "endpoint"), "http://127.0.0.1:8080");
  CU_ASSERT_EQUAL(ctk_result_key_is_secret("client_Secret"), 1);
  CU_ASSERT_EQUAL(ctk_result_key_is_secret("region"), 0);
  /* Replacing keeps one entry. */
  CU_ASSERT_EQUAL(ctk_run_set_pixit(run, "endpoint", "x"), CTK_E_OK);
  CU_ASSERT_EQUAL(run->pixit.count, 4);
  CU_ASSERT_EQUAL(ctk_run_set_pixit(run, "", "x"), CTK_E_INVAL);
  ctk_run_free(run);
}

static void test_summary_and_exit(void)
{
  ctk_run *run = sample_run();
  ctk_summary s;
  ctk_test_result *t;

  ctk_run_summary(run, &s);
  CU_ASSERT_EQUAL(s.all.total, 5);
  CU_ASSERT_EQUAL(s.all.by_verdict[CTK_VERDICT_PASS], 1);
  CU_ASSERT_EQUAL(s.all.by_verdict[CTK_VERDICT_FAIL], 1);
  CU_ASSERT_EQUAL(s.all.by_verdict[CTK_VERDICT_SKIP], 1);
  CU_ASSERT_EQUAL(s.n_parts, 3);
  CU_ASSERT_STRING_EQUAL(s.parts[0].part, "jtt1019-1");
  CU_ASSERT_EQUAL(s.parts[0].counts.total, 2);
  CU_ASSERT_EQUAL(s.by_class[CTK_CLASS_OPTIONAL].total, 1);
  CU_ASSERT_EQUAL(s.exchanges, 3);
  CU_ASSERT_EQUAL(ctk_run_exit_code(run), CTK_EXIT_FAIL);
  CU_ASSERT_FALSE(ctk_run_certifiable(run));

  /* No failure left: inconc and error make it 2. */
  ctk_test_set_verdict(ctk_run_find_test(run, "J1.cross-city"), CTK_VERDICT_PASS, NULL);
  CU_ASSERT_EQUAL(ctk_run_exit_code(run), CTK_EXIT_ERROR);
  ctk_test_set_verdict(ctk_run_find_test(run, "J2.perf-answer"), CTK_VERDICT_PASS, NULL);
  CU_ASSERT_EQUAL(ctk_run_exit_code(run), CTK_EXIT_ERROR);
  ctk_test_set_verdict(ctk_run_find_test(run, "J3.link-check"), CTK_VERDICT_PASS, NULL);
  /* Every mandatory test passed; the optional one was skipped. */
  CU_ASSERT_EQUAL(ctk_run_exit_code(run), CTK_EXIT_OK);
  CU_ASSERT_TRUE(ctk_run_certifiable(run));
  /* A skipped mandatory test is not a pass. */
  t = ctk_run_find_test(run, "J3.link-check");
  ctk_test_set_verdict(t, CTK_VERDICT_SKIP, "no");
  CU_ASSERT_EQUAL(ctk_run_exit_code(run), CTK_EXIT_ERROR);
  CU_ASSERT_FALSE(ctk_run_certifiable(run));
  /* A failed optional test still fails the run. */
  ctk_test_set_verdict(t, CTK_VERDICT_PASS, NULL);
  ctk_test_set_verdict(ctk_run_find_test(run, "J3.kb-sync"), CTK_VERDICT_FAIL, "bad");
  CU_ASSERT_EQUAL(ctk_run_exit_code(run), CTK_EXIT_FAIL);
  ctk_run_free(run);

  /* An empty run proves nothing. */
  CU_ASSERT_FATAL(ctk_run_new(&run) == CTK_E_OK);
  CU_ASSERT_FALSE(ctk_run_certifiable(run));
  ctk_run_free(run);
}

static void test_bounds(void)
{
  ctk_run *run = NULL;
  ctk_test_result *t;
  ctk_exchange_info x;
  char *big = malloc(CTK_RESULT_RAW_MAX + 100);
  int i;

  CU_ASSERT_FATAL(big != NULL);
  memset(big, 'x', CTK_RESULT_RAW_MAX + 100);
  CU_ASSERT_FATAL(ctk_run_new(&run) == CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_run_add_test(run, "", "no id", "p", CTK_CLASS_MANDATORY, &t),
                  CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_run_add_test(run, "T", "bounds", "p", CTK_CLASS_MANDATORY, &t), CTK_E_OK);
  memset(&x, 0, sizeof(x));
  x.raw = big;
  x.raw_len = CTK_RESULT_RAW_MAX + 100;
  CU_ASSERT_EQUAL(ctk_test_add_exchange(t, &x), CTK_E_OK);
  CU_ASSERT_EQUAL(t->exchanges[0].raw_len, CTK_RESULT_RAW_MAX);
  CU_ASSERT_EQUAL(t->exchanges[0].raw_total, CTK_RESULT_RAW_MAX + 100);
  CU_ASSERT_EQUAL(t->exchanges[0].raw[CTK_RESULT_RAW_MAX], '\0');
  x.raw_len = 1;
  for(i = 1; i < CTK_RESULT_EXCHANGES_MAX + 10; i++)
    CU_ASSERT_EQUAL_FATAL(ctk_test_add_exchange(t, &x), CTK_E_OK);
  CU_ASSERT_EQUAL(t->n_exchanges, CTK_RESULT_EXCHANGES_MAX);
  CU_ASSERT_EQUAL(t->dropped_exchanges, 10);
  for(i = 0; i < CTK_RESULT_REQS_MAX; i++) {
    char id[16];
    snprintf(id, sizeof(id), "R-%d", i);
    CU_ASSERT_EQUAL(ctk_test_add_requirement(t, id), CTK_E_OK);
  }
  CU_ASSERT_EQUAL(ctk_test_add_requirement(t, "R-0"), CTK_E_OK); /* already there */
  CU_ASSERT_EQUAL(ctk_test_add_requirement(t, "R-extra"), CTK_E_TOOBIG);
  for(i = 0; i < CTK_RESULT_SERIES_MAX; i++) {
    char name[16];
    snprintf(name, sizeof(name), "s%d", i);
    CU_ASSERT_PTR_NOT_NULL(ctk_test_series(t, name, "", 0));
  }
  CU_ASSERT_PTR_NULL(ctk_test_series(t, "one-too-many", "", 0));
  CU_ASSERT_PTR_NOT_NULL(ctk_test_series(t, "s0", "", 0)); /* existing one is found */
  free(big);
  ctk_run_free(run);
}

static void test_json_round_trip(void)
{
  ctk_run *run = sample_run();
  ctk_run *back = NULL;
  ctk_buf a, b;
  char err[256];
  ctk_test_result *t;

  ctk_buf_init(&a, CTK_REPORT_MAX_BYTES);
  ctk_buf_init(&b, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_write(run, &a), CTK_E_OK);
  /* The secret never reaches the file. */
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&a), "hunter2"));
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_read(a.data, a.len, &back, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_write(back, &b), CTK_E_OK);
  CU_ASSERT_EQUAL(a.len, b.len);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&a), ctk_buf_str(&b));

  CU_ASSERT_STRING_EQUAL(back->sut.name, run->sut.name);
  CU_ASSERT_STRING_EQUAL(back->started, run->started);
  CU_ASSERT_EQUAL(back->n_tests, run->n_tests);
  t = ctk_run_find_test(back, "J1.cross-city");
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_EQUAL(t->verdict, CTK_VERDICT_FAIL);
  CU_ASSERT_EQUAL(t->n_requirements, 2);
  CU_ASSERT_EQUAL_FATAL(t->n_exchanges, 2);
  /* GBK bytes come back byte for byte (stored as base64). */
  CU_ASSERT_EQUAL(t->exchanges[1].raw_len, strlen(gbk_bytes));
  CU_ASSERT_EQUAL(memcmp(t->exchanges[1].raw, gbk_bytes, strlen(gbk_bytes)), 0);
  CU_ASSERT_STRING_EQUAL(t->exchanges[0].raw, hostile);
  t = ctk_run_find_test(back, "J2.perf-answer");
  CU_ASSERT_EQUAL(t->slow_side, CTK_SLOW_SUT);
  CU_ASSERT_EQUAL(t->n_series, 2);
  CU_ASSERT_EQUAL(t->series[0].count, 30);
  CU_ASSERT_DOUBLE_EQUAL(t->series[0].step_s, 1.0, 1e-9);
  /* measures come back by name, a second value of one name replacing the first */
  CU_ASSERT_EQUAL_FATAL(t->n_measures, 3);
  CU_ASSERT_STRING_EQUAL(t->measures[1].name, "achieved_rate");
  CU_ASSERT_STRING_EQUAL(t->measures[1].unit, "orders/s");
  CU_ASSERT_DOUBLE_EQUAL(t->measures[1].value, 7.25, 1e-9);
  CU_ASSERT_EQUAL(ctk_run_exit_code(back), ctk_run_exit_code(run));
  ctk_buf_free(&a);
  ctk_buf_free(&b);
  ctk_run_free(run);
  ctk_run_free(back);
}

static void expect_json_error(const char *text, ctk_code want, const char *where)
{
  ctk_run *run = (ctk_run *)1;
  char err[256] = "";
  CU_ASSERT_EQUAL(ctk_report_json_read(text, strlen(text), &run, err, sizeof(err)), want);
  CU_ASSERT_PTR_NULL(run);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, where));
  if(!strstr(err, where))
    fprintf(stderr, "json error '%s' does not name '%s'\n", err, where);
}

static void test_json_bad_input(void)
{
  expect_json_error("", CTK_E_PARSE, "not valid JSON");
  expect_json_error("{\"format\":", CTK_E_PARSE, "not valid JSON");
  expect_json_error("[1,2]", CTK_E_PARSE, "$");
  expect_json_error("{\"format\":\"other/1\"}", CTK_E_UNSUPPORTED, "$.format");
  expect_json_error("{\"format\":\"ctk12328-results/1\"} x", CTK_E_PARSE, "at byte 32");
  expect_json_error("{\"format\":\"ctk12328-results/1\",\"tests\":[{\"id\":\"a\"},"
                    "{\"id\":\"b\",\"verdict\":\"great\"}]}",
                    CTK_E_PARSE, "$.tests[1].verdict");
  expect_json_error("{\"format\":\"ctk12328-results/1\",\"tests\":[{\"name\":\"no id\"}]}",
                    CTK_E_PARSE, "$.tests[0].id");
  expect_json_error("{\"format\":\"ctk12328-results/1\",\"sut\":{\"region\":12}}", CTK_E_PARSE,
                    "$.sut.region");
  expect_json_error("{\"format\":\"ctk12328-results/1\",\"tests\":[{\"id\":\"a\",\"exchanges\":"
                    "[{\"raw_encoding\":\"base64\",\"raw\":\"***\"}]}]}",
                    CTK_E_PARSE, "exchanges[0].raw");
  expect_json_error("{\"format\":\"ctk12328-results/1\",\"tests\":[{\"id\":\"a\",\"exchanges\":"
                    "[{\"http_status\":1e300}]}]}",
                    CTK_E_PARSE, "exchanges[0].http_status");
  expect_json_error("{\"format\":\"ctk12328-results/1\",\"tests\":[{\"id\":\"a\","
                    "\"dropped_exchanges\":-1}]}",
                    CTK_E_PARSE, "$.tests[0].dropped_exchanges");
  expect_json_error("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
                    CTK_E_PARSE, "not valid JSON");
  /* A hand-edited file cannot put a secret into the model. */
  {
    const char *text = "{\"format\":\"ctk12328-results/1\",\"pixit\":{\"db_password\":\"x\"}}";
    ctk_run *run = NULL;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(ctk_report_json_read(text, strlen(text), &run, err, sizeof(err)),
                          CTK_E_OK);
    CU_ASSERT_STRING_EQUAL(ctk_kvlist_get(&run->pixit, "db_password"), CTK_RESULT_MASK);
    ctk_run_free(run);
  }
}

/* Bytes of a valid results.json flipped, cut and repeated: the reader answers, never crashes,
 * and whatever it accepts can be written again. Deterministic and bounded. */
static void test_json_mutations(void)
{
  ctk_run *run = sample_run();
  ctk_buf good, again;
  unsigned seed = 12328;
  int i, accepted = 0;

  ctk_buf_init(&good, CTK_REPORT_MAX_BYTES);
  ctk_buf_init(&again, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_write(run, &good), CTK_E_OK);
  for(i = 0; i < 300; i++) {
    char *copy = malloc(good.len);
    size_t len = good.len, k;
    ctk_run *back = NULL;
    char err[256];
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, good.data, good.len);
    for(k = 0; k < 4; k++) {
      seed = seed * 1103515245u + 12345u;
      copy[(seed >> 8) % len] = (char)(seed >> 20);
    }
    if(i % 3 == 0)
      len = (seed >> 4) % len; /* cut short */
    if(ctk_report_json_read(copy, len, &back, err, sizeof(err)) == CTK_E_OK) {
      accepted++;
      ctk_buf_reset(&again);
      CU_ASSERT_EQUAL(ctk_report_json_write(back, &again), CTK_E_OK);
      ctk_run_free(back);
    }
    else {
      CU_ASSERT_PTR_NULL(back);
      CU_ASSERT_TRUE(err[0] != '\0');
    }
    free(copy);
  }
  /* Most mutations break the file; some land in free text and are still valid. */
  CU_ASSERT_TRUE(accepted < 300);
  ctk_buf_free(&good);
  ctk_buf_free(&again);
  ctk_run_free(run);
}

/* Number of nodes an XPath expression selects in doc. */
static int xpath_count(xmlDocPtr doc, const char *expr)
{
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathObjectPtr obj = ctx ? xmlXPathEvalExpression(BAD_CAST expr, ctx) : NULL;
  int n = -1;
  if(obj && obj->type == XPATH_NODESET)
    n = obj->nodesetval ? obj->nodesetval->nodeNr : 0;
  xmlXPathFreeObject(obj);
  xmlXPathFreeContext(ctx);
  return n;
}

/* String value of an XPath expression (caller frees), NULL if none. */
static char *xpath_string(xmlDocPtr doc, const char *expr)
{
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathObjectPtr obj = ctx ? xmlXPathEvalExpression(BAD_CAST expr, ctx) : NULL;
  char *s = NULL;
  if(obj) {
    xmlChar *v = xmlXPathCastToString(obj);
    s = v ? strdup((const char *)v) : NULL;
    xmlFree(v);
  }
  xmlXPathFreeObject(obj);
  xmlXPathFreeContext(ctx);
  return s;
}

static void assert_xpath_string(xmlDocPtr doc, const char *expr, const char *want)
{
  char *got = xpath_string(doc, expr);
  CU_ASSERT_PTR_NOT_NULL_FATAL(got);
  CU_ASSERT_STRING_EQUAL(got, want);
  if(strcmp(got, want))
    fprintf(stderr, "xpath %s: got '%s', want '%s'\n", expr, got, want);
  free(got);
}

static void test_junit(void)
{
  ctk_run *run = sample_run();
  ctk_buf out;
  xmlDocPtr doc;
  char *log;

  ctk_buf_init(&out, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_report_junit_write(run, &out), CTK_E_OK);
  doc = xmlReadMemory(out.data, (int)out.len, "junit.xml", NULL, XML_PARSE_NONET);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  CU_ASSERT_EQUAL(xpath_count(doc, "/testsuites"), 1);
  CU_ASSERT_EQUAL(xpath_count(doc, "/testsuites/testsuite"), 3);
  CU_ASSERT_EQUAL(xpath_count(doc, "//testcase"), 5);
  assert_xpath_string(doc, "/testsuites/@tests", "5");
  assert_xpath_string(doc, "/testsuites/@failures", "1");
  assert_xpath_string(doc, "/testsuites/@errors", "2");
  assert_xpath_string(doc, "/testsuites/@skipped", "1");
  assert_xpath_string(doc, "/testsuites/testsuite[@name='jtt1019-1']/@tests", "2");
  assert_xpath_string(doc, "//testcase[@name='J1.local-case local case handled in the city']"
                           "/@classname",
                      "jtt1019-1");
  assert_xpath_string(doc, "//testcase[starts-with(@name,'J1.local-case')]/@time", "0.013");
  assert_xpath_string(doc, "//testcase[starts-with(@name,'J1.cross-city')]/failure/@message",
                      "answer 3001, expected 0000");
  assert_xpath_string(doc, "//testcase[starts-with(@name,'J1.cross-city')]/failure/@type",
                      "fail");
  CU_ASSERT_EQUAL(xpath_count(doc, "//testcase[starts-with(@name,'J1.cross-city')]/properties/"
                                   "property[@name='requirement' and @value='J3-IF-002']"),
                  1);
  assert_xpath_string(doc, "//testcase[starts-with(@name,'J2.perf')]/error/@type", "inconc");
  assert_xpath_string(doc, "//testcase[starts-with(@name,'J2.perf')]/properties/"
                           "property[@name='measure.achieved_rate']/@value",
                      "7.2 orders/s");
  assert_xpath_string(doc, "//testcase[starts-with(@name,'J2.perf')]/properties/"
                           "property[@name='measure.sent']/@value",
                      "50 orders");
  assert_xpath_string(doc, "//testcase[starts-with(@name,'J3.link')]/error/@type", "tool-error");
  assert_xpath_string(doc, "//testcase[starts-with(@name,'J3.kb')]/skipped/@message",
                      "PICS kb.sync = no");
  CU_ASSERT_EQUAL(xpath_count(doc, "//testcase[starts-with(@name,'J1.local')]/failure"), 0);
  log = xpath_string(doc, "//testcase[starts-with(@name,'J1.cross-city')]/system-out");
  CU_ASSERT_PTR_NOT_NULL_FATAL(log);
  CU_ASSERT_PTR_NOT_NULL(strstr(log, "if=1002 http=200 rc=3001"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log, "<script>alert(1)</script>")); /* as text, escaped */
  CU_ASSERT_PTR_NOT_NULL(strstr(log, "投诉"));                      /* GBK shown as UTF-8 */
  free(log);
  assert_xpath_string(doc, "/testsuites/testsuite[1]/properties/property[@name='profile.provenance']"
                           "/@value",
                      "baseline");
  xmlFreeDoc(doc);
  ctk_buf_free(&out);
  ctk_run_free(run);
}

static void test_html(void)
{
  ctk_run *run = sample_run();
  ctk_buf out;
  htmlDocPtr doc;
  const char *html;

  ctk_buf_init(&out, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_report_html_write(run, &out), CTK_E_OK);
  html = ctk_buf_str(&out);
  /* Self-contained: nothing fetched from anywhere. */
  CU_ASSERT_PTR_NULL(strstr(html, "<link"));
  CU_ASSERT_PTR_NULL(strstr(html, "src="));
  CU_ASSERT_PTR_NULL(strstr(html, "url("));
  CU_ASSERT_PTR_NULL(strstr(html, "<script"));
  CU_ASSERT_PTR_NULL(strstr(html, "hunter2"));
  /* Hostile message text is escaped. */
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "江西省 12328 &lt;staging&gt;"));
  /* Chinese first: the page's own words come from the zh-CN catalogue */
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "<html lang=\"zh-CN\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "不是 JT/T 1019.3 的官方文本"));
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "需要关注"));
  CU_ASSERT_PTR_NULL(strstr(html, "Needs attention"));
  CU_ASSERT_PTR_NULL(strstr(html, "exchanged message"));

  doc = htmlReadMemory(out.data, (int)out.len, "report.html", "UTF-8",
                       HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  assert_xpath_string(doc, "//*[@id='n-total']", "5");
  assert_xpath_string(doc, "//*[@id='n-pass']", "1");
  assert_xpath_string(doc, "//*[@id='n-fail']", "1");
  assert_xpath_string(doc, "//*[@id='n-inconc']", "1");
  assert_xpath_string(doc, "//*[@id='n-skip']", "1");
  assert_xpath_string(doc, "//*[@id='n-error']", "1");
  assert_xpath_string(doc, "//*[@id='certifiable']", "不可认证");
  assert_xpath_string(doc, "//*[@id='exit-code']", "1");
  CU_ASSERT_EQUAL(xpath_count(doc, "//details[contains(@class,'test')]"), 5);
  /* Failing tests come first and open. */
  assert_xpath_string(doc, "(//details[contains(@class,'test')])[1]/@id", "t-J1.cross-city");
  CU_ASSERT_EQUAL(xpath_count(doc, "//details[@id='t-J1.cross-city'][@open]"), 1);
  CU_ASSERT_EQUAL(xpath_count(doc, "//details[@id='t-J1.local-case'][@open]"), 0);
  /* Three parts and two classes and the total in the summary table. */
  CU_ASSERT_EQUAL(xpath_count(doc, "//table[@id='by-part']/tbody/tr"), 6);
  /* Two charts: the latency histogram and the throughput line. */
  CU_ASSERT_EQUAL(xpath_count(doc, "//svg"), 2);
  CU_ASSERT_TRUE(xpath_count(doc, "//svg[contains(@class,'latency')]//rect") > 0);
  CU_ASSERT_EQUAL(xpath_count(doc, "//svg[contains(@class,'load')]//polyline"), 1);
  /* the charts' axes speak the catalogue too */
  assert_xpath_string(doc, "//svg[contains(@class,'latency')]//*[@class='yu']", "次数");
  assert_xpath_string(doc, "//svg[contains(@class,'load')]//*[@class='xu']", "秒");
  CU_ASSERT_EQUAL(xpath_count(doc, "//details[@id='t-J1.cross-city']//details[@class='raw']"), 2);
  CU_ASSERT_EQUAL(xpath_count(doc, "//table[@id='pixit']//td[.='****']"), 3);
  /* a test's measures are a table of its own */
  CU_ASSERT_EQUAL(xpath_count(doc, "//details[@id='t-J2.perf-answer']//table[@class='measures']"
                                   "//tr"), 3);
  assert_xpath_string(doc, "//details[@id='t-J2.perf-answer']//table[@class='measures']"
                           "//tr[th='achieved_rate']/td[1]", "7.2");
  /* Fail, inconc and error are listed at the top, linked to their details. */
  CU_ASSERT_EQUAL(xpath_count(doc, "//section[@id='attention']//li"), 3);
  CU_ASSERT_EQUAL(xpath_count(doc, "//section[@id='attention']//a[@href='#t-J1.cross-city']"), 1);
  xmlFreeDoc(doc);

  /* English on request, the same page otherwise */
  ctk_buf_reset(&out);
  CU_ASSERT_EQUAL_FATAL(ctk_report_html_write_lang(run, "en", &out), CTK_E_OK);
  html = ctk_buf_str(&out);
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "<html lang=\"en\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "not the official text"));
  CU_ASSERT_PTR_NOT_NULL(strstr(html, ">NOT CERTIFIABLE<"));
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "Needs attention"));
  CU_ASSERT_PTR_NOT_NULL(strstr(html, "id=\"n-total\">5<"));
  CU_ASSERT_EQUAL(ctk_report_html_write_lang(run, "fr", &out), CTK_E_NOTFOUND);
  ctk_buf_free(&out);
  ctk_run_free(run);
}

/* A load test that measured nothing leaves empty series (no values array at all): the
 * HTML report must still render, with no chart for them. */
static void test_html_empty_series(void)
{
  ctk_run *run = NULL;
  ctk_test_result *t;
  ctk_buf out;
  htmlDocPtr doc;

  CU_ASSERT_FATAL(ctk_run_new(&run) == CTK_E_OK);
  ctk_run_add_test(run, "J2.perf-answer", "answer within the time limit", "jtt1019-2",
                   CTK_CLASS_MANDATORY, &t);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  ctk_test_set_verdict(t, CTK_VERDICT_INCONC, "no call was answered");
  CU_ASSERT_PTR_NOT_NULL(ctk_test_series(t, "latency_ms", "ms", 0));
  CU_ASSERT_PTR_NOT_NULL(ctk_test_series(t, "throughput_per_s", "msg/s", 1.0));
  CU_ASSERT_PTR_NULL(t->series[0].values);
  ctk_run_finish(run);

  ctk_buf_init(&out, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_report_html_write(run, &out), CTK_E_OK);
  doc = htmlReadMemory(out.data, (int)out.len, "report.html", "UTF-8",
                       HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  assert_xpath_string(doc, "//*[@id='n-total']", "1");
  CU_ASSERT_EQUAL(xpath_count(doc, "//svg"), 0);
  xmlFreeDoc(doc);
  ctk_buf_free(&out);
  ctk_run_free(run);
}

static void test_text_cleaning(void)
{
  ctk_buf b;
  const char *how = NULL;
  ctk_buf_init(&b, 1024);
  CU_ASSERT_EQUAL(ctk_report_text(&b, "a\x01z", 3, &how), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b), "a\\x01z");
  CU_ASSERT_STRING_EQUAL(how, "");
  ctk_buf_reset(&b);
  CU_ASSERT_EQUAL(ctk_report_text(&b, "\xCD\xB6\xCB\xDF", 4, &how), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b), "投诉");
  CU_ASSERT_STRING_EQUAL(how, "GBK");
  ctk_buf_reset(&b);
  CU_ASSERT_EQUAL(ctk_report_text(&b, "\xFF\xFF", 2, &how), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b), "\\xFF\\xFF");
  CU_ASSERT_STRING_EQUAL(how, "hex");
  CU_ASSERT_TRUE(ctk_report_is_clean_utf8("中文", strlen("中文")));
  CU_ASSERT_FALSE(ctk_report_is_clean_utf8("\xC0\xAF", 2)); /* overlong '/' */
  CU_ASSERT_FALSE(ctk_report_is_clean_utf8("\xED\xA0\x80", 3)); /* surrogate */
  ctk_buf_free(&b);
}

/* ---------- the ctk report command ---------- */

static void test_cli_regenerate(void)
{
  const char *dir = ctk_test_tmpdir("report-cli");
  ctk_run *run = sample_run();
  ctk_buf json;
  char path[600], cmd[2048], *out = NULL, *text;
  size_t len = 0;
  int rc;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  ctk_buf_init(&json, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_write(run, &json), CTK_E_OK);
  snprintf(path, sizeof(path), "%s/results.json", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_file_write_atomic(path, json.data, json.len, 0644), CTK_E_OK);

  snprintf(cmd, sizeof(cmd),
           "%s report html --results %s --out %s/r.html && "
           "%s report junit --results %s --out %s/j.xml && "
           "%s report json --results %s --out %s/again.json 2>&1",
           ctk_test_ctk_bin(), path, dir, ctk_test_ctk_bin(), path, dir, ctk_test_ctk_bin(),
           path, dir);
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 0);
  free(out);
  snprintf(path, sizeof(path), "%s/again.json", dir);
  text = ctk_test_read_file(path, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_EQUAL(len, json.len);
  CU_ASSERT_EQUAL(memcmp(text, json.data, json.len), 0);
  free(text);
  snprintf(path, sizeof(path), "%s/r.html", dir);
  text = ctk_test_read_file(path, &len);
  CU_ASSERT_PTR_NOT_NULL(text);
  CU_ASSERT_PTR_NOT_NULL(text ? strstr(text, "<svg") : NULL);
  free(text);

  /* Usage errors exit 3, unreadable input exits 2 with the file named. */
  snprintf(cmd, sizeof(cmd), "%s report html --results 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "%s report pdf --results x --out y 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "%s report html --results %s/none.json --out %s/x.html 2>&1",
           ctk_test_ctk_bin(), dir, dir);
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 2);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "none.json") : NULL);
  free(out);
  ctk_buf_free(&json);
  ctk_run_free(run);
}


/* ---------- monthly progress report ---------- */

/* A city run into dir/name (tests/ctk_test). */
static void city_run(const char *dir, const char *name, ctk_sut_kind kind, const char *region,
                     const char *started, ctk_verdict v1, ctk_verdict v2)
{
  char path[700];

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  ctk_test_write_city_results(path, kind, region, started, v1, v2);
}

static void assert_has(const char *text, const char *want)
{
  CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
  if(!strstr(text, want))
    fprintf(stderr, "missing in report: %s\n", want);
}

static void test_monthly(void)
{
  char oct[600], nov[600], err[512];
  const char *dirs[2];
  ctk_monthly_options opt;
  ctk_buf md, html;
  const char *m;
  const ctk_verdict P = CTK_VERDICT_PASS, F = CTK_VERDICT_FAIL;

  ctk_strlcpy(oct, ctk_test_tmpdir("monthly-oct"), sizeof(oct));
  ctk_strlcpy(nov, ctk_test_tmpdir("monthly-nov"), sizeof(nov));
  city_run(nov, "nanchang.json", CTK_SUT_CITY, "360100", "2026-11-05T10:00:00.000+08:00", P, P);
  city_run(nov, "jingdezhen.json", CTK_SUT_CITY, "360200", "2026-11-06T10:00:00.000+08:00", P, F);
  city_run(oct, "pingxiang.json", CTK_SUT_CITY, "360300", "2026-10-06T10:00:00.000+08:00", P, P);
  city_run(nov, "pingxiang.json", CTK_SUT_CITY, "360300", "2026-11-16T10:00:00.000+08:00", F, P);
  city_run(nov, "jiujiang-dec.json", CTK_SUT_CITY, "360400", "2026-12-01T10:00:00.000+08:00", P,
           P);
  city_run(nov, "xinyu.json", CTK_SUT_CITY, "360500", "2026-11-07T10:00:00.000+08:00", P,
           CTK_VERDICT_INCONC);
  city_run(nov, "beijing.json", CTK_SUT_CITY, "110100", "2026-11-07T10:00:00.000+08:00", P, P);
  city_run(nov, "province.json", CTK_SUT_PROVINCE, "360000", "2026-11-07T10:00:00.000+08:00", P,
           P);
  {
    char junk[700];
    snprintf(junk, sizeof(junk), "%s/junk.json", nov);
    CU_ASSERT_EQUAL(ctk_file_write_atomic(junk, "not json", 8, 0644), CTK_E_OK);
  }

  dirs[0] = oct;
  dirs[1] = nov;
  memset(&opt, 0, sizeof(opt));
  opt.province = "360000";
  opt.month = "2026-11";
  opt.run_dirs = dirs;
  opt.n_run_dirs = 2;
  opt.regions_csv = "data/regions.csv";
  ctk_buf_init(&md, CTK_REPORT_MAX_BYTES);
  ctk_buf_init(&html, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_monthly_build(&opt, &md, &html, err, sizeof(err)), CTK_E_OK);
  m = ctk_buf_str(&md);
  assert_has(m, "**江西省 (360000)**, month 2026-11. Due to the ministry by 2026-12-10.");
  assert_has(m, "**1 of 11 cities networked**; 3 tested but not networked; 7 not yet tested.");
  assert_has(m, "| 南昌市 | 360100 | 2026-11-05 | 2026-11-05 | 2/2 | 20.0 ms | 1 |");
  assert_has(m, "| 景德镇市 | 360200 | failing | failing requirements: J1-FLOW-004 | 2026-11-06 |");
  assert_has(m, "| 萍乡市 | 360300 | regressed | failing requirements: J1-FLOW-001 | 2026-11-16 |");
  assert_has(m, "| 九江市 | 360400 | not yet tested |");
  assert_has(m, "| 新余市 | 360500 | failing | not decided: J1.cross-city (inconc) |");
  assert_has(m, "- 新余市 (360500): not decided: J1.cross-city (inconc); find out why and run");
  assert_has(m, "- Newly networked in 2026-11: 1. 南昌市;");
  assert_has(m, "- 景德镇市 (360200): correct J1-FLOW-004 and run the conformance test again.");
  assert_has(m, "- 九江市 (360400): connect to the provincial platform");
  assert_has(m, "*to be completed by the province*");
  /* the province's own run of the month is in the annex, its verdicts counted */
  assert_has(m, "## 附：省级平台本月的测试 / Annex: the provincial platform's runs this month");
  assert_has(m, "province.json | 2 | 2 | 0 | 0 | 0 | 0 | yes |");
  assert_has(m, "2 results of other units or later months were left out.");
  assert_has(m, "junk.json");
  /* the HTML speaks the catalogue: Chinese by default, English when asked */
  assert_has(ctk_buf_str(&html), "<html lang=\"zh-CN\">");
  assert_has(ctk_buf_str(&html), "11 个城市中 1 个已联网；3 个已测试但未联网；7 个尚未测试。");
  assert_has(ctk_buf_str(&html), "<td class=\"fail\">曾联网，现未通过</td>");
  /* why a city is not networked, in the catalogue's words too */
  assert_has(ctk_buf_str(&html), "<td>无结论：J1.cross-city (inconc)</td>");
  assert_has(ctk_buf_str(&html), "<table id=\"own-runs\">");
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&html), "cities networked"));
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&html), "not decided"));
  opt.lang = "en";
  ctk_buf_reset(&md);
  ctk_buf_reset(&html);
  CU_ASSERT_EQUAL_FATAL(ctk_monthly_build(&opt, &md, &html, err, sizeof(err)), CTK_E_OK);
  assert_has(ctk_buf_str(&html), "<b>1 of 11 cities networked; 3 tested but not networked");
  assert_has(ctk_buf_str(&html), "<td class=\"fail\">regressed</td>");
  assert_has(ctk_buf_str(&html), "<td>not decided: J1.cross-city (inconc)</td>");
  opt.lang = "fr";
  CU_ASSERT_EQUAL(ctk_monthly_build(&opt, &md, &html, err, sizeof(err)), CTK_E_NOTFOUND);
  opt.lang = NULL;

  /* Bad options are refused with a reason. */
  opt.month = "2026-13";
  CU_ASSERT_EQUAL(ctk_monthly_build(&opt, &md, &html, err, sizeof(err)), CTK_E_INVAL);
  assert_has(err, "--month");
  opt.month = "2026-11";
  opt.province = "360100";
  CU_ASSERT_EQUAL(ctk_monthly_build(&opt, &md, &html, err, sizeof(err)), CTK_E_INVAL);
  assert_has(err, "not a provincial unit");
  ctk_buf_free(&md);
  ctk_buf_free(&html);
}

static void test_cli_monthly(void)
{
  const char *dir = ctk_test_tmpdir("monthly-cli");
  char cmd[2048], path[700], *out = NULL, *text;
  int rc;

  city_run(dir, "a.json", CTK_SUT_CITY, "360100", "2026-11-05T10:00:00.000+08:00",
           CTK_VERDICT_PASS, CTK_VERDICT_PASS);
  snprintf(cmd, sizeof(cmd),
           "%s report monthly --province 360000 --month 2026-11 --runs %s --out %s/m 2>&1",
           ctk_test_ctk_bin(), dir, dir);
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 0);
  free(out);
  snprintf(path, sizeof(path), "%s/m.md", dir);
  text = ctk_test_read_file(path, NULL);
  CU_ASSERT_PTR_NOT_NULL(text ? strstr(text, "**1 of 11 cities networked**") : NULL);
  free(text);
  snprintf(path, sizeof(path), "%s/m.html", dir);
  text = ctk_test_read_file(path, NULL);
  CU_ASSERT_PTR_NOT_NULL(text ? strstr(text, "南昌市") : NULL);
  free(text);
  snprintf(cmd, sizeof(cmd), "%s report monthly --province 360000 --runs %s 2>&1",
           ctk_test_ctk_bin(), dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd),
           "%s report monthly --province 360000 --month 2026-11 --runs %s/none 2>&1",
           ctk_test_ctk_bin(), dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 2);
}

void ctk_test_add_report(CU_pSuite s)
{
  CTK_TEST(s, test_names);
  CTK_TEST(s, test_masking);
  CTK_TEST(s, test_summary_and_exit);
  CTK_TEST(s, test_bounds);
  CTK_TEST(s, test_json_round_trip);
  CTK_TEST(s, test_json_bad_input);
  CTK_TEST(s, test_json_mutations);
  CTK_TEST(s, test_junit);
  CTK_TEST(s, test_html);
  CTK_TEST(s, test_html_empty_series);
  CTK_TEST(s, test_text_cleaning);
  CTK_TEST(s, test_cli_regenerate);
  CTK_TEST(s, test_monthly);
  CTK_TEST(s, test_cli_monthly);
}
