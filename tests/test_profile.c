/* test_profile: the baseline profile loads with what the engine relies on, and every kind of
 * broken profile is refused with "FILE:LINE: problem" pointing at the broken line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_msg.h"
#include "ctk_profile.h"
#include "ctk_test.h"
#include "ctk_validate.h"

#define BASELINE "profiles/jtt1019-baseline"

static void test_profile_baseline_loads(void)
{
  char err[512];
  ctk_profile *p = NULL;
  const ctk_transition *t;

  CU_ASSERT_EQUAL_FATAL(ctk_profile_load(BASELINE, &p, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(p->version, "1.0");
  CU_ASSERT_STRING_EQUAL(p->provenance, "baseline");
  CU_ASSERT_PTR_NOT_NULL(strstr(p->statement, "not the official text"));
  CU_ASSERT_EQUAL(p->n_interfaces, 14);
  CU_ASSERT_STRING_EQUAL(ctk_profile_interface(p, "1001")->request_element, "WorkOrderReport");
  CU_ASSERT_STRING_EQUAL(ctk_profile_interface_by_name(p, "LinkCheck")->answer_element,
                         "LinkCheckResult");
  CU_ASSERT(ctk_profile_interface(p, "1011")->optional);
  CU_ASSERT_EQUAL(ctk_profile_interface(p, "1008")->directions, CTK_DIR_DOWN);
  CU_ASSERT_EQUAL(ctk_profile_codeset(p, "channels")->count, 9);
  CU_ASSERT_EQUAL(ctk_profile_codeset(p, "knowledge-classes")->count, 6);
  CU_ASSERT_STRING_EQUAL(ctk_profile_code(p, "domains", "07")->name_zh, "救助打捞");
  CU_ASSERT_STRING_EQUAL(ctk_profile_rc(p, "STATE"), "3001");
  CU_ASSERT_STRING_EQUAL(ctk_profile_rc(p, "NO_SUCH_NAME"), "9999");
  CU_ASSERT_STRING_EQUAL(ctk_profile_result_by_code(p, "1009")->name, "FORBIDDEN");
  CU_ASSERT(ctk_profile_state(p, "signed")->open);
  CU_ASSERT(!ctk_profile_state(p, "09")->open);
  t = ctk_profile_transition(p, "1003", "03", CTK_DIR_UP);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_STRING_EQUAL(t->to, "04");
  CU_ASSERT_PTR_NOT_NULL(ctk_profile_transition(p, "1001", "", CTK_DIR_UP));
  CU_ASSERT_PTR_NULL(ctk_profile_transition(p, "1008", "03", CTK_DIR_UP));
  CU_ASSERT_PTR_NULL(ctk_profile_transition(p, "1006", "09", CTK_DIR_UP));
  CU_ASSERT_EQUAL(ctk_profile_deadline_days(p, "1"), 15);
  CU_ASSERT_EQUAL(ctk_profile_deadline_days(p, "8"), -1);
  CU_ASSERT_STRING_EQUAL(ctk_profile_requirement(p, "J3-SEC-001")->strength, "SHALL");
  CU_ASSERT_STRING_EQUAL(ctk_profile_codefield(p, "Channel")->codeset, "channels");
  CU_ASSERT_STRING_EQUAL(ctk_profile_rule(p, "route"), "J3-ENV-004");
  CU_ASSERT_EQUAL(p->max_message_bytes, 1048576);
  CU_ASSERT_EQUAL(p->max_depth, 32);
  CU_ASSERT_EQUAL(strlen(p->sha256), 64);
  ctk_profile_free(p);
}

/* A copy of the baseline in a fresh temp dir; returns its path (static storage). */
static const char *copy_baseline(const char *name)
{
  static char dir[512];
  char cmd[1200];
  const char *tmp = ctk_test_tmpdir(name);

  if(!tmp)
    return NULL;
  snprintf(dir, sizeof(dir), "%s/profile", tmp);
  snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s'", BASELINE, dir);
  return ctk_test_run(cmd, NULL) == 0 ? dir : NULL;
}

/* Replace the first old by new in dir/file; returns the 1-based line where new starts. */
static int edit_file(const char *dir, const char *file, const char *old, const char *new_text)
{
  char path[700];
  size_t len;
  char *text;
  char *at;
  FILE *f;
  int line = 1;
  char *c;

  snprintf(path, sizeof(path), "%s/%s", dir, file);
  text = ctk_test_read_file(path, &len);
  if(!text)
    return -1;
  at = strstr(text, old);
  if(!at) {
    free(text);
    return -1;
  }
  for(c = text; c < at; c++)
    line += *c == '\n';
  f = fopen(path, "wb");
  if(!f) {
    free(text);
    return -1;
  }
  fwrite(text, 1, (size_t)(at - text), f);
  fputs(new_text, f);
  fputs(at + strlen(old), f);
  fclose(f);
  free(text);
  return line;
}

/* Break one file of a copy, load it, and check the refusal names FILE:LINE and the problem.
 * line < 0: the line is the one of the edit; line >= 0: exactly that line. */
static void expect_refusal(const char *name, const char *file, const char *old,
                           const char *new_text, int line, const char *problem)
{
  const char *dir = copy_baseline(name);
  char err[1024];
  char where[800];
  ctk_profile *p = NULL;
  int edited;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  edited = edit_file(dir, file, old, new_text);
  CU_ASSERT_FATAL(edited > 0);
  CU_ASSERT_EQUAL(ctk_profile_load(dir, &p, err, sizeof(err)), CTK_E_PROFILE);
  CU_ASSERT_PTR_NULL(p);
  snprintf(where, sizeof(where), "%s/%s:%d: ", dir, file, line < 0 ? edited : line);
  if(strncmp(err, where, strlen(where)) || !strstr(err, problem))
    fprintf(stderr, "\n  expected \"%s...%s\", got \"%s\"", where, problem, err);
  CU_ASSERT_EQUAL(strncmp(err, where, strlen(where)), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, problem));
  ctk_profile_free(p);
}

/* formats.csv is looked up by element name: an element listed by two formats takes the first
 * one's pattern, and a name listed only later is still found. */
static void test_profile_format_lookup_by_element(void)
{
  const char *dir = copy_baseline("formats-order");
  char err[1024];
  ctk_profile *p = NULL;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_FATAL(edit_file(dir, "formats.csv", "field,elements,pattern,result,requirement\n",
                            "field,elements,pattern,result,requirement\n"
                            "Early,Zeta HandleRegion,\"^z$\",FORMAT,J3-FMT-002\n") > 0);
  CU_ASSERT_FATAL(edit_file(dir, "formats.csv", "Phone,Phone,",
                            "Late,Alpha AcceptRegion,\"^a$\",FORMAT,J3-FMT-002\n"
                            "Phone,Phone,") > 0);
  /* Zeta and Alpha are no elements of the schemas (lint would say so): load without the
   * cross-checks, to test the lookup alone. */
  CU_ASSERT_EQUAL_FATAL(ctk_profile_load_unchecked(dir, &p, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_format_match(p, "HandleRegion", "z"), 1);      /* Early comes first */
  CU_ASSERT_EQUAL(ctk_format_match(p, "HandleRegion", "360100"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "AcceptRegion", "360100"), 1); /* Region before Late */
  CU_ASSERT_EQUAL(ctk_format_match(p, "AcceptRegion", "a"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "Alpha", "a"), 1);             /* only Late lists it */
  CU_ASSERT_EQUAL(ctk_format_match(p, "Zeta", "z"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "Zet", "z"), -1);              /* no prefix matches */
  CU_ASSERT_EQUAL(ctk_format_match(p, "ZetaX", "z"), -1);
  ctk_profile_free(p);
}

static void test_profile_refuses_missing_file(void)
{
  const char *dir = copy_baseline("missing");
  char cmd[700];
  char err[1024];
  ctk_profile *p = NULL;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "rm '%s/process.xml'", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  CU_ASSERT_EQUAL(ctk_profile_load(dir, &p, err, sizeof(err)), CTK_E_PROFILE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "/process.xml:0: missing file"));
  CU_ASSERT_EQUAL(ctk_profile_load("/nonexistent/profile", &p, err, sizeof(err)),
                  CTK_E_PROFILE);
  CU_ASSERT_PTR_NULL(p);
}

static void test_profile_refuses_unknown_state(void)
{
  expect_refusal("state", "process.xml", "interface=\"1003\" to=\"04\"",
                 "interface=\"1003\" to=\"44\"", -1, "unknown state \"44\"");
  expect_refusal("from", "process.xml", "<from state=\"03\"/>\n    </transition>\n    <transition interface=\"1004\"",
                 "<from state=\"77\"/>\n    </transition>\n    <transition interface=\"1004\"", -1,
                 "unknown state \"77\"");
}

static void test_profile_refuses_unknown_interface(void)
{
  expect_refusal("iface", "process.xml", "interface=\"1003\" to=", "interface=\"1903\" to=", -1,
                 "unknown interface 1903");
}

static void test_profile_refuses_duplicates(void)
{
  expect_refusal("dupcode", "codes/channels.csv", "99,other,其他\n",
                 "99,other,其他\n01,phone-again,电话\n", 11, "duplicate code 01");
  expect_refusal("dupiface", "catalog.xml", "code=\"1014\"", "code=\"1013\"", -1,
                 "duplicate interface code 1013");
  expect_refusal("dupreq", "requirements.csv", "J3-IDEM-002,", "J3-IDEM-001,", -1,
                 "duplicate requirement J3-IDEM-001");
}

static void test_profile_refuses_bad_regex(void)
{
  expect_refusal("regex", "formats.csv", "\"^[1-9][0-9]{5}$\"", "\"^[1-9][0-9]{5$(\"", 3,
                 "format Region: bad pattern at offset");
}

static void test_profile_refuses_bad_schema(void)
{
  const char *dir = copy_baseline("xsd");
  char err[1024];
  ctk_profile *p = NULL;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_FATAL(edit_file(dir, "schemas/types.xsd", "base=\"xs:string\"", "base=\"xs:strin\"") > 0);
  CU_ASSERT_EQUAL(ctk_profile_load(dir, &p, err, sizeof(err)), CTK_E_PROFILE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "types.xsd:"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "strin"));
  /* a second mistake further down: the first one is still the one named */
  CU_ASSERT_FATAL(edit_file(dir, "schemas/types.xsd", "base=\"xs:string\"",
                            "base=\"xs:strng\"") > 0);
  CU_ASSERT_EQUAL(ctk_profile_load(dir, &p, err, sizeof(err)), CTK_E_PROFILE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "types.xsd:"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "}strin'"));
  CU_ASSERT_PTR_NULL(strstr(err, "strng"));
  /* Not even well-formed: the line of the typo. */
  expect_refusal("xsdwf", "schemas/linkcheck.xsd", "</xs:sequence>\n    </xs:complexType>\n  </xs:element>\n\n  <xs:element name=\"LinkCheckResult\"",
                 "</xs:sequenc>\n    </xs:complexType>\n  </xs:element>\n\n  <xs:element name=\"LinkCheckResult\"", -1,
                 "mismatch");
}

/* formats.csv's own refusals, each at its line: a header without a column, a row without its
 * result. */
static void test_profile_refuses_bad_formats(void)
{
  expect_refusal("fmtcol", "formats.csv", "field,elements,pattern,result,requirement\n",
                 "field,elements,pattern,result\n", 1, "header lacks column \"requirement\"");
  expect_refusal("fmtresult", "formats.csv", ",FORMAT,J3-FMT-002", ",,J3-FMT-002", 3,
                 "field, pattern and result are required");
}

static void test_profile_refuses_undefined_requirement(void)
{
  expect_refusal("req", "catalog.xml", "requirements=\"J3-IF-013\"",
                 "requirements=\"J3-IF-099\"", -1,
                 "requirement J3-IF-099 is referenced but not defined");
  expect_refusal("reqformat", "formats.csv", ",FORMAT,J3-FMT-006", ",FORMAT,J3-FMT-066", 7,
                 "requirement J3-FMT-066");
}

static void test_profile_refuses_other_breakage(void)
{
  expect_refusal("xmlwf", "catalog.xml", "</interfaces>", "</interfacez>", -1,
                 "Opening and ending tag mismatch");
  expect_refusal("dir", "catalog.xml", "directions=\"down\"", "directions=\"sideways\"", -1,
                 "direction \"sideways\"");
  expect_refusal("result", "codes/result-codes.csv", "5001,BUSY,", "5001,BUSY_NOW,", 0,
                 "result name BUSY is missing");
  expect_refusal("strength", "requirements.csv", "J3-IDEM-002,3,baseline,SHALL",
                 "J3-IDEM-002,3,baseline,MUST", -1, "strength \"MUST\"");
  expect_refusal("encoding", "profile.xml", "<encoding name=\"GBK\"/>",
                 "<encoding name=\"BIG5\"/>", -1, "encoding \"BIG5\" is not supported");
  expect_refusal("codeset", "catalog.xml", "codeset=\"channels\"", "codeset=\"chanels\"", -1,
                 "code set chanels");
}

static void test_profile_hash_is_stable_and_sensitive(void)
{
  char err[512];
  ctk_profile *a = NULL;
  ctk_profile *b = NULL;
  ctk_profile *c = NULL;
  const char *dir;

  CU_ASSERT_EQUAL_FATAL(ctk_profile_load(BASELINE, &a, err, sizeof(err)), CTK_E_OK);
  dir = copy_baseline("hash");
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL_FATAL(ctk_profile_load(dir, &b, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(a->sha256, b->sha256); /* same files, other place: same hash */
  CU_ASSERT_FATAL(edit_file(dir, "codes/channels.csv", "其他", "其它") > 0);
  CU_ASSERT_EQUAL_FATAL(ctk_profile_load(dir, &c, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_NOT_EQUAL(a->sha256, c->sha256);
  ctk_profile_free(a);
  ctk_profile_free(b);
  ctk_profile_free(c);
}

/* A profile that allows UTF-8 only makes the codec refuse GBK messages. */
static void test_profile_encodings_limit_decoding(void)
{
  const char *dir = copy_baseline("utf8only");
  char err[1024];
  ctk_profile *p = NULL;
  ctk_msg *m = NULL;
  ctk_outcome why;
  size_t len = 0;
  char *gbk = ctk_test_read_file("fixtures/messages/valid/1001-WorkOrderReport-gbk.xml", &len);

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(gbk);
  CU_ASSERT_FATAL(edit_file(dir, "profile.xml", "<encoding name=\"GBK\"/>", "") > 0);
  CU_ASSERT_EQUAL_FATAL(ctk_profile_load(dir, &p, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_msg_decode(p, gbk, len, CTK_BIND_XML, &m, &why), CTK_E_ENCODING);
  CU_ASSERT_STRING_EQUAL(why.code, "1007");
  CU_ASSERT_PTR_NULL(m);
  free(gbk);
  ctk_profile_free(p);
}

static void test_profile_levels(void)
{
  CU_ASSERT_EQUAL(ctk_level_parse("2"), CTK_LEVEL_PROVINCE);
  CU_ASSERT_EQUAL(ctk_level_parse("city"), CTK_LEVEL_CITY);
  CU_ASSERT_EQUAL(ctk_level_parse("7"), CTK_LEVEL_NONE);
  CU_ASSERT_EQUAL(ctk_level_parse(NULL), CTK_LEVEL_NONE);
  CU_ASSERT_STRING_EQUAL(ctk_level_name(CTK_LEVEL_MINISTRY), "ministry");
}

void ctk_test_add_profile(CU_pSuite s)
{
  CTK_TEST(s, test_profile_baseline_loads);
  CTK_TEST(s, test_profile_refuses_missing_file);
  CTK_TEST(s, test_profile_refuses_unknown_state);
  CTK_TEST(s, test_profile_refuses_unknown_interface);
  CTK_TEST(s, test_profile_refuses_duplicates);
  CTK_TEST(s, test_profile_refuses_bad_regex);
  CTK_TEST(s, test_profile_refuses_bad_schema);
  CTK_TEST(s, test_profile_refuses_bad_formats);
  CTK_TEST(s, test_profile_refuses_undefined_requirement);
  CTK_TEST(s, test_profile_refuses_other_breakage);
  CTK_TEST(s, test_profile_hash_is_stable_and_sensitive);
  CTK_TEST(s, test_profile_format_lookup_by_element);
  CTK_TEST(s, test_profile_encodings_limit_decoding);
  CTK_TEST(s, test_profile_levels);
}
