/* test_validate: each kind of check reports the profile's result code, a readable XPath and
 * the requirement; `ctk validate` prints one line per problem and exits 0/1/2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlmemory.h>

#include "ctk_region_check.h"
#include "ctk_test.h"
#include "ctk_validate.h"

#define VALID_DIR "fixtures/messages/valid/"


static ctk_msg *load_valid(const char *name)
{
  char path[256];
  size_t len = 0;
  char *data;
  ctk_msg *m = NULL;
  ctk_outcome why;

  snprintf(path, sizeof(path), VALID_DIR "%s", name);
  data = ctk_test_read_file(path, &len);
  if(data)
    ctk_msg_decode(ctk_test_profile(), data, len, CTK_BIND_XML, &m, &why);
  free(data);
  return m;
}

/* Set the text of the element at body-relative path. */
static void set_text(ctk_msg *m, const char *path, const char *text)
{
  xmlNodePtr n = m->body;
  char copy[200];
  char *save = NULL;
  char *step;

  ctk_strlcpy(copy, path, sizeof(copy));
  for(step = strtok_r(copy, "/", &save); step && n; step = strtok_r(NULL, "/", &save))
    n = ctk_xml_child(n, step);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  xmlNodeSetContent(n, (const xmlChar *)text);
}

static void expect_one(const ctk_msg *m, const char *result, const char *where,
                       const char *requirement)
{
  const ctk_profile *p = ctk_test_profile();
  ctk_problems pr;

  CU_ASSERT_EQUAL(ctk_validate_msg(p, m, &pr), CTK_E_INVALID);
  CU_ASSERT_EQUAL_FATAL(pr.count, 1);
  if(strcmp(pr.items[0].where, where) || strcmp(pr.items[0].requirement, requirement))
    fprintf(stderr, "\n  got %s at %s: %s [%s]", pr.items[0].code, pr.items[0].where,
            pr.items[0].text, pr.items[0].requirement);
  CU_ASSERT_STRING_EQUAL(pr.items[0].code, ctk_profile_rc(p, result));
  CU_ASSERT_STRING_EQUAL(pr.items[0].where, where);
  CU_ASSERT_STRING_EQUAL(pr.items[0].requirement, requirement);
}

static void test_validate_field_format(void)
{
  ctk_msg *m = load_valid("1001-WorkOrderReport.xml");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  set_text(m, "WorkOrder/OrderId", "36010020261129X00001");
  expect_one(m, "FORMAT", "/Message/Body/WorkOrderReport/WorkOrder/OrderId", "J3-FMT-001");
  set_text(m, "WorkOrder/OrderId", "36010020261129000001");
  set_text(m, "WorkOrder/AcceptRegion", "3601");
  expect_one(m, "FORMAT", "/Message/Body/WorkOrderReport/WorkOrder/AcceptRegion", "J3-FMT-002");
  ctk_msg_free(m);
}

/* The head's element of role-path Head/field/Region. */
static void set_head_region(ctk_msg *m, const char *field, const char *text)
{
  xmlNodePtr n = ctk_xml_child(xmlDocGetRootElement(m->doc), "Head");
  n = n ? ctk_xml_child(n, field) : NULL;
  n = n ? ctk_xml_child(n, "Region") : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  xmlNodeSetContent(n, (const xmlChar *)text);
}

/* A code of a region's shape that the GB/T 2260 table lacks is the region format's problem
 * (J3-FMT-002), in the body and in the head; the table's regions and the ministry's node code
 * are not, and another shape is left to the format check. */
static void test_validate_region_table(void)
{
  const ctk_profile *p = ctk_test_profile();
  ctk_region_db *db = NULL;
  ctk_problems pr;
  char err[600];
  ctk_msg *m = load_valid("1001-WorkOrderReport.xml");

  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL_FATAL(ctk_region_check_load(p, &db, err, sizeof(err)), CTK_E_OK);
  memset(&pr, 0, sizeof(pr));
  CU_ASSERT_EQUAL(ctk_region_check_msg(p, db, m, &pr), CTK_E_OK);
  CU_ASSERT_EQUAL(pr.count, 0);
  set_head_region(m, "Receiver", "100000");
  CU_ASSERT_EQUAL(ctk_region_check_msg(p, db, m, &pr), CTK_E_OK);
  set_text(m, "WorkOrder/HandleRegion", "999999");
  CU_ASSERT_EQUAL(ctk_region_check_msg(p, db, m, &pr), CTK_E_INVALID);
  CU_ASSERT_EQUAL_FATAL(pr.count, 1);
  CU_ASSERT_STRING_EQUAL(pr.items[0].code, ctk_profile_rc(p, "FORMAT"));
  CU_ASSERT_STRING_EQUAL(pr.items[0].where,
                         "/Message/Body/WorkOrderReport/WorkOrder/HandleRegion");
  CU_ASSERT_STRING_EQUAL(pr.items[0].requirement, "J3-FMT-002");
  CU_ASSERT_PTR_NOT_NULL(strstr(pr.items[0].text, "999999"));
  memset(&pr, 0, sizeof(pr));
  set_text(m, "WorkOrder/HandleRegion", "3601");
  CU_ASSERT_EQUAL(ctk_region_check_msg(p, db, m, &pr), CTK_E_OK);
  set_head_region(m, "Sender", "990100");
  CU_ASSERT_EQUAL(ctk_region_check_msg(p, db, m, &pr), CTK_E_INVALID);
  CU_ASSERT_EQUAL_FATAL(pr.count, 1);
  CU_ASSERT_STRING_EQUAL(pr.items[0].where, "/Message/Head/Sender/Region");
  /* no table: nothing to say */
  memset(&pr, 0, sizeof(pr));
  CU_ASSERT_EQUAL(ctk_region_check_msg(p, NULL, m, &pr), CTK_E_OK);
  ctk_region_free(db);
  ctk_msg_free(m);
}

static void test_validate_code_value(void)
{
  ctk_msg *m = load_valid("1012-KnowledgeSync.xml");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  set_text(m, "Item/Class", "00");
  expect_one(m, "CODE_VALUE", "/Message/Body/KnowledgeSync/Item/Class", "J3-CODE-006");
  ctk_msg_free(m);
  m = load_valid("1001-WorkOrderReport.xml");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  set_text(m, "WorkOrder/Status", "99");
  expect_one(m, "CODE_VALUE", "/Message/Body/WorkOrderReport/WorkOrder/Status", "J3-CODE-004");
  ctk_msg_free(m);
}

static void test_validate_envelope(void)
{
  ctk_msg *m = load_valid("1008-WorkOrderUrge.xml");
  xmlNodePtr head;

  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  /* Urge travels down only: pretend the city sent it up. */
  m->head.sender.level = CTK_LEVEL_CITY;
  m->head.receiver.level = CTK_LEVEL_PROVINCE;
  expect_one(m, "ROUTE", "/Message/Head/Receiver", "J3-ENV-004");
  m->head.sender.level = CTK_LEVEL_MINISTRY;
  m->head.receiver.level = CTK_LEVEL_CITY;
  expect_one(m, "ROUTE", "/Message/Head/Receiver", "J3-ENV-004");
  m->head.sender.level = CTK_LEVEL_PROVINCE;
  ctk_strlcpy(m->head.interface_code, "0042", sizeof(m->head.interface_code));
  head = ctk_xml_child(xmlDocGetRootElement(m->doc), "Head");
  xmlNodeSetContent(ctk_xml_child(head, "InterfaceCode"), (const xmlChar *)"0042");
  expect_one(m, "UNKNOWN_INTERFACE", "/Message/Head/InterfaceCode", "J3-ENV-003");
  ctk_msg_free(m);
}

static void test_validate_schema_has_readable_path(void)
{
  ctk_msg *m = load_valid("1003-WorkOrderSign.xml");
  ctk_problems pr;

  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_xml_add(m->body, "Surprise", "x");
  CU_ASSERT_EQUAL(ctk_validate_msg(ctk_test_profile(), m, &pr), CTK_E_INVALID);
  CU_ASSERT_EQUAL_FATAL(pr.count, 1);
  CU_ASSERT_STRING_EQUAL(pr.items[0].code, "1002");
  CU_ASSERT_STRING_EQUAL(pr.items[0].where, "/Message/Body/WorkOrderSign/Surprise");
  CU_ASSERT_STRING_EQUAL(pr.items[0].requirement, "J3-SCH-001");
  CU_ASSERT_PTR_NULL(strstr(pr.items[0].text, "urn:ctk12328")); /* namespace noise removed */
  /* ... and only the noise: the reader still gets libxml2's whole sentence */
  CU_ASSERT_PTR_NOT_NULL(strstr(pr.items[0].text, "Element 'Surprise': "));
  CU_ASSERT_PTR_NOT_NULL(strstr(pr.items[0].text, "not expected"));
  ctk_msg_free(m);
}

/* An answer's body: a successful answer of an interface that has an answer element must carry
 * it; one of an interface without (1001 answers only with its Result) is complete without. */
static void test_validate_answer_body(void)
{
  const ctk_profile *p = ctk_test_profile();
  ctk_msg *m = load_valid("1001-answer-ok.xml");
  ctk_problems pr;
  xmlNodePtr body;

  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_FATAL(m->is_answer && !m->body);
  CU_ASSERT_EQUAL(ctk_validate_msg(p, m, &pr), CTK_E_OK);
  CU_ASSERT_EQUAL(pr.count, 0);
  ctk_msg_free(m);

  m = load_valid("1010-answer-result.xml");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(ctk_validate_msg(p, m, &pr), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m->body);
  /* the whole <Body> goes: an empty one would be the schema's to report */
  body = m->body->parent;
  xmlUnlinkNode(body);
  xmlFreeNode(body);
  m->body = NULL;
  CU_ASSERT_EQUAL(ctk_validate_msg(p, m, &pr), CTK_E_INVALID);
  CU_ASSERT_EQUAL_FATAL(pr.count, 1);
  CU_ASSERT_STRING_EQUAL(pr.items[0].code, ctk_profile_rc(p, "SCHEMA"));
  CU_ASSERT_PTR_NOT_NULL(strstr(pr.items[0].text, "must carry <WorkOrderQueryResult>"));
  ctk_msg_free(m);
}

static void *validate_no_memory(size_t size)
{
  (void)size;
  return NULL;
}

/* When libxml2 cannot allocate, loading a schema says so (and gives no schema); it never
 * answers OK with nothing. */
static void test_validate_schema_load_out_of_memory(void)
{
  const char *dir = ctk_test_tmpdir("schema-nomem");
  char entry[600];
  char err[512];
  struct ctk_schema *s = (struct ctk_schema *)&entry;
  xmlFreeFunc free_fn;
  xmlMallocFunc malloc_fn;
  xmlReallocFunc realloc_fn;
  xmlStrdupFunc strdup_fn;
  ctk_code rc;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(entry, sizeof(entry), "%s/entry.xsd", dir); /* a folder without schema files */
  CU_ASSERT_EQUAL_FATAL(xmlMemGet(&free_fn, &malloc_fn, &realloc_fn, &strdup_fn), 0);
  xmlMemSetup(free_fn, validate_no_memory, realloc_fn, strdup_fn);
  rc = ctk_schema_load(entry, dir, &s, err, sizeof(err));
  xmlMemSetup(free_fn, malloc_fn, realloc_fn, strdup_fn);
  CU_ASSERT_EQUAL(rc, CTK_E_NOMEM);
  CU_ASSERT_PTR_NULL(s);
}

static void test_validate_keeps_at_most_max_problems(void)
{
  ctk_msg *m = load_valid("1011-StatisticsReport.xml");
  ctk_problems pr;
  int i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  for(i = 0; i < CTK_PROBLEMS_MAX + 8; i++) {
    xmlNodePtr ind = ctk_xml_add(m->body, "Indicator", NULL);
    ctk_xml_add(ind, "Name", "x");
    ctk_xml_add(ind, "Value", "not-a-number");
  }
  CU_ASSERT_EQUAL(ctk_validate_msg(ctk_test_profile(), m, &pr), CTK_E_INVALID);
  CU_ASSERT_EQUAL(pr.count, CTK_PROBLEMS_MAX);
  CU_ASSERT(pr.dropped >= 8);
  ctk_msg_free(m);
}

static void test_validate_format_match(void)
{
  const ctk_profile *p = ctk_test_profile();
  CU_ASSERT_EQUAL(ctk_format_match(p, "OrderId", "36010020261129000001"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "OrderId", "36010020261129000001\n"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "HandleRegion", "360100"), 1); /* by element name */
  CU_ASSERT_EQUAL(ctk_format_match(p, "Phone", "0791-88888888"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "Phone", "12328"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "Phone", "call me"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-02-03T10:00:00Z"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-02-03T25:00:00Z"), 0);
  /* the date groups of the pattern must name a day of the calendar */
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-02-30T10:00:00Z"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-04-31T10:00:00+08:00"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-12-31T23:59:59+08:00"), 1);
  /* no zone is further from UTC than 14 hours (issue 17) */
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-12-31T23:59:59+14:00"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-12-31T23:59:59-14:00"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-12-31T23:59:59+14:01"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2026-12-31T23:59:59+13:59"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2024-02-29T00:00:00Z"), 1);  /* leap */
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2000-02-29T00:00:00Z"), 1);  /* 400 */
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "2100-02-29T00:00:00Z"), 0);  /* 100 */
  CU_ASSERT_EQUAL(ctk_format_match(p, "DateTime", "0000-01-01T00:00:00Z"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "OrderId", "36010020240229000001"), 1);
  CU_ASSERT_EQUAL(ctk_format_match(p, "OrderId", "36010020250229000001"), 0);
  CU_ASSERT_EQUAL(ctk_format_match(p, "Subject", "anything"), -1);
}

static void test_validate_bytes_reports_decode_failure(void)
{
  static const char bad[] = "<Message xmlns=\"urn:ctk12328:baseline:1\"><Head>";
  ctk_problems pr;
  ctk_msg *m = (ctk_msg *)1;

  CU_ASSERT_EQUAL(ctk_validate_bytes(ctk_test_profile(), bad, sizeof(bad) - 1, CTK_BIND_XML, &m, &pr),
                  CTK_E_INVALID);
  CU_ASSERT_PTR_NULL(m);
  CU_ASSERT_EQUAL(pr.count, 1);
  CU_ASSERT_STRING_EQUAL(pr.items[0].code, "1001");
  CU_ASSERT_STRING_EQUAL(pr.items[0].requirement, "J3-ENV-001");
}

static void test_validate_command(void)
{
  char cmd[1024];
  char *out = NULL;
  const char *bin = ctk_test_ctk_bin();
  int rc;

  snprintf(cmd, sizeof(cmd), "'%s' validate " VALID_DIR "1001-WorkOrderReport.xml "
           VALID_DIR "1013-LinkCheck-gbk.soap.xml 2>&1", bin);
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL(out);
  CU_ASSERT_STRING_EQUAL(out ? out : "x", "");
  free(out);

  snprintf(cmd, sizeof(cmd), "'%s' validate " VALID_DIR "1001-WorkOrderReport.xml "
           "fixtures/messages/invalid/1001-bad-channel.xml 2>&1", bin);
  out = NULL;
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 1);
  CU_ASSERT_STRING_EQUAL(out ? out : "",
                         "fixtures/messages/invalid/1001-bad-channel.xml: 1004 CODE_VALUE at "
                         "/Message/Body/WorkOrderReport/WorkOrder/Channel: \"42\" is not in "
                         "code set channels [J3-CODE-003]\n");
  free(out);

  snprintf(cmd, sizeof(cmd), "'%s' validate --profile /nonexistent " VALID_DIR
           "1001-WorkOrderReport.xml 2>/dev/null", bin);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 2);
  snprintf(cmd, sizeof(cmd), "'%s' validate --binding rest x.xml 2>/dev/null", bin);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "'%s' validate fixtures/messages 2>/dev/null", bin);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 2); /* a directory is not a message */
  snprintf(cmd, sizeof(cmd), "'%s' validate 2>/dev/null", bin);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "'%s' validate --help", bin);
  out = NULL;
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "usage: ctk validate") : NULL);
  free(out);
}

/* Outside a checkout the profile comes from ctk's data folder: the help names the installed
 * place, and a failed load names the place it tried (issue 18, point 10) -- here a data folder
 * given by CTK_DATA_DIR that holds nothing. */
static void test_validate_names_where_the_profile_is(void)
{
  char cmd[1024];
  char nowhere[600];
  char *help = NULL;
  char *out = NULL;
  const char *outside = ctk_test_tmpdir("validate-outside");
  const char *installed = ctk_profile_installed_dir();

  CU_ASSERT_PTR_NOT_NULL_FATAL(outside);
  snprintf(cmd, sizeof(cmd), "'%s' validate --help", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &help), 0);
  CU_ASSERT_PTR_NOT_NULL(help ? strstr(help, installed) : NULL);
  snprintf(nowhere, sizeof(nowhere), "%s/no-data", outside);
  snprintf(cmd, sizeof(cmd), "cd '%s' && env -u CTK_PROFILE CTK_DATA_DIR='%s' '%s' validate "
           "x.xml 2>&1", outside, nowhere, ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 2);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "looked in") : NULL);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, nowhere) : NULL);
  free(help);
  free(out);
}

void ctk_test_add_validate(CU_pSuite s)
{
  CTK_TEST(s, test_validate_field_format);
  CTK_TEST(s, test_validate_code_value);
  CTK_TEST(s, test_validate_envelope);
  CTK_TEST(s, test_validate_schema_has_readable_path);
  CTK_TEST(s, test_validate_answer_body);
  CTK_TEST(s, test_validate_keeps_at_most_max_problems);
  CTK_TEST(s, test_validate_schema_load_out_of_memory);
  CTK_TEST(s, test_validate_format_match);
  CTK_TEST(s, test_validate_region_table);
  CTK_TEST(s, test_validate_bytes_reports_decode_failure);
  CTK_TEST(s, test_validate_command);
  CTK_TEST(s, test_validate_names_where_the_profile_is);
}
