/* test_schema_model: the content model read from the XSD files of both profiles in the tree
 * (order, occurrences, leaves, substitution groups, extension), and the refusal, with FILE:LINE,
 * of what it does not understand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_profile.h"
#include "ctk_schema_model.h"
#include "ctk_test.h"

#define BASELINE "profiles/jtt1019-baseline"
#define VARIANT "profiles/synthetic-variant"

/* The names of content's children, space-separated ("A B C?" style marks optional). */
static void child_names(const ctk_sm_content *c, char *out, size_t outlen)
{
  size_t i;
  size_t used = 0;
  out[0] = '\0';
  for(i = 0; c && i < c->count && used + 1 < outlen; i++) {
    const ctk_sm_child *k = &c->children[i];
    int n = snprintf(out + used, outlen - used, "%s%s%s%s", i ? " " : "",
                     k->n_alternatives ? "(" : "", k->name,
                     k->n_alternatives ? ")" : k->min_occurs ? "" : "?");
    if(n < 0)
      break;
    used += (size_t)n;
  }
}

static void test_model_baseline(void)
{
  ctk_profile *p = ctk_test_load_profile(BASELINE);
  const ctk_sm_child *sign;
  const ctk_sm_child *wo;
  const ctk_sm_child *att;
  const ctk_sm_child *body;
  const ctk_sm_child *msg;
  const ctk_sm_child *choice;
  char names[512];

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p->model);
  sign = ctk_schema_model_global(p->model, "WorkOrderSign");
  CU_ASSERT_PTR_NOT_NULL_FATAL(sign);
  child_names(sign->content, names, sizeof(names));
  CU_ASSERT_STRING_EQUAL(names, "OrderId Handler SignTime");
  CU_ASSERT(ctk_sm_is_leaf(&sign->content->children[0]));
  CU_ASSERT_STRING_EQUAL(sign->content->children[2].base, "string");
  CU_ASSERT_PTR_NOT_NULL(strstr(sign->file, "workorder.xsd"));
  CU_ASSERT(sign->line > 1);

  wo = ctk_schema_model_find(p->model, "WorkOrder");
  CU_ASSERT_PTR_NOT_NULL_FATAL(wo);
  child_names(wo->content, names, sizeof(names));
  CU_ASSERT_STRING_EQUAL(names, "OrderId AcceptTime AcceptRegion HandleRegion Channel "
                                "BusinessType Domain Caller Subject Content CallId? Status "
                                "InstantAnswer Deadline? Attachments?");
  CU_ASSERT_STRING_EQUAL(ctk_sm_child_named(wo->content, "InstantAnswer", NULL)->base,
                         "boolean");
  CU_ASSERT(!ctk_sm_is_leaf(ctk_sm_child_named(wo->content, "Caller", NULL)));
  att = ctk_schema_model_find(p->model, "Attachment");
  CU_ASSERT_PTR_NOT_NULL_FATAL(att);
  CU_ASSERT_EQUAL(att->min_occurs, 0);
  CU_ASSERT_EQUAL(att->max_occurs, 32);
  CU_ASSERT_EQUAL(ctk_schema_model_find(p->model, "Event")->max_occurs, 1000);

  /* the body: a choice among the members of the abstract BodyContent */
  msg = ctk_schema_model_global(p->model, "Message");
  CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
  child_names(msg->content, names, sizeof(names));
  CU_ASSERT_STRING_EQUAL(names, "Head Body");
  body = ctk_sm_child_named(msg->content, "Body", NULL);
  CU_ASSERT_EQUAL_FATAL(body->content->count, 1);
  CU_ASSERT_STRING_EQUAL(body->content->children[0].name, "BodyContent");
  CU_ASSERT_EQUAL(body->content->children[0].n_alternatives, 16);
  CU_ASSERT_PTR_NOT_NULL(ctk_sm_child_named(body->content, "LinkCheckResult", &choice));
  CU_ASSERT_PTR_EQUAL(choice, &body->content->children[0]);
  CU_ASSERT(ctk_schema_model_global(p->model, "BodyContent")->abstract);
  CU_ASSERT_PTR_NULL(ctk_schema_model_find(p->model, "NoSuchElement"));
  /* every request and answer element of the catalog is a global element with content */
  for(size_t i = 0; i < p->n_interfaces; i++) {
    const ctk_sm_child *req = ctk_schema_model_global(p->model,
                                                      p->interfaces[i].request_element);
    CU_ASSERT_PTR_NOT_NULL(req);
    CU_ASSERT(req && !ctk_sm_is_leaf(req));
  }
  ctk_profile_free(p);
}

/* The variant's names, order and extension come out of its own schemas. */
static void test_model_variant(void)
{
  ctk_profile *p = ctk_test_load_profile(VARIANT);
  const ctk_sm_child *e;
  const ctk_sm_child *head;
  char names[512];

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  e = ctk_schema_model_global(p->model, ctk_profile_iface(p, CTK_IF_SIGN)->request_element);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  child_names(e->content, names, sizeof(names));
  CU_ASSERT_STRING_EQUAL(names, "TicketNo Operator SignerUnit SignedAt");
  /* ResponseHeader extends RequestHeader: its children are the base's, then ReplyTo */
  e = ctk_schema_model_global(p->model, ctk_el(p, CTK_EL_ANSWER));
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  head = ctk_sm_child_named(e->content, ctk_el(p, CTK_EL_HEAD), NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(head);
  child_names(head->content, names, sizeof(names));
  CU_ASSERT_STRING_EQUAL(names, "MessageNo ServiceCode FromNode ToNode SentAt SpecVersion "
                                "ReplyTo");
  child_names(e->content, names, sizeof(names));
  CU_ASSERT_STRING_EQUAL(names, "Header ReturnInfo Payload?");
  e = ctk_schema_model_find(p->model, ctk_el(p, CTK_EL_EVENT));
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_EQUAL(e->max_occurs, CTK_SM_UNBOUNDED);
  ctk_profile_free(p);
}

/* Write one schema file into a fresh folder; its path goes to path. */
static void write_schema(const char *name, const char *body, char *path, size_t pathlen)
{
  const char *dir = ctk_test_tmpdir(name);
  FILE *f;
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, pathlen, "%s/s.xsd", dir);
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fprintf(f, "<?xml version=\"1.0\"?>\n"
             "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns=\"urn:t\"\n"
             "  targetNamespace=\"urn:t\" elementFormDefault=\"qualified\">\n%s\n</xs:schema>\n",
          body);
  fclose(f);
}

static void expect_refused(const char *name, const char *body, const char *line,
                           const char *words)
{
  char path[512];
  char err[1024];
  char where[600];
  ctk_schema_model *m = NULL;

  write_schema(name, body, path, sizeof(path));
  CU_ASSERT_EQUAL(ctk_schema_model_load(path, &m, err, sizeof(err)), CTK_E_PROFILE);
  CU_ASSERT_PTR_NULL(m);
  snprintf(where, sizeof(where), "%s:%s: ", path, line);
  if(strncmp(err, where, strlen(where)) || !strstr(err, words)) {
    fprintf(stderr, "\n  %s: expected \"%s...%s\", got \"%s\"", name, where, words, err);
    CU_FAIL("refusal without FILE:LINE or reason");
  }
}

static void test_model_refuses(void)
{
  expect_refused("sm-any", "<xs:element name=\"A\"><xs:complexType><xs:sequence>\n"
                           "<xs:any/></xs:sequence></xs:complexType></xs:element>",
                 "5", "xs:any is not supported");
  expect_refused("sm-group", "<xs:group name=\"G\"><xs:sequence/></xs:group>\n"
                             "<xs:element name=\"A\"><xs:complexType><xs:sequence>\n"
                             "<xs:group ref=\"G\"/></xs:sequence></xs:complexType></xs:element>",
                 "6", "xs:group is not supported");
  expect_refused("sm-attr", "<xs:element name=\"A\"><xs:complexType>\n"
                            "<xs:attribute name=\"x\" type=\"xs:string\" use=\"required\"/>\n"
                            "</xs:complexType></xs:element>",
                 "5", "required attributes");
  expect_refused("sm-import", "<xs:import namespace=\"urn:o\" schemaLocation=\"o.xsd\"/>", "4",
                 "xs:import is not supported");
  expect_refused("sm-unqualified", "<xs:element name=\"A\"><xs:complexType><xs:sequence>\n"
                                   "<xs:element name=\"B\" type=\"xs:string\" "
                                   "form=\"unqualified\"/></xs:sequence></xs:complexType>"
                                   "</xs:element>",
                 "5", "unqualified");
  expect_refused("sm-mixed", "<xs:element name=\"A\">\n<xs:complexType mixed=\"true\">"
                             "<xs:sequence/></xs:complexType></xs:element>",
                 "5", "mixed content");
  expect_refused("sm-undefined", "<xs:element name=\"A\" type=\"Nope\"/>", "4",
                 "type Nope is not defined");
  expect_refused("sm-include", "<xs:include schemaLocation=\"missing.xsd\"/>", "4",
                 "cannot read");
}

/* xs:choice of elements and xs:all are understood. */
static void test_model_choice_and_all(void)
{
  char path[512];
  char err[1024];
  ctk_schema_model *m = NULL;
  const ctk_sm_child *a;
  const ctk_sm_child *choice;

  write_schema("sm-choice",
               "<xs:element name=\"A\"><xs:complexType><xs:sequence>\n"
               "<xs:element name=\"First\" type=\"xs:string\"/>\n"
               "<xs:choice minOccurs=\"0\"><xs:element name=\"X\" type=\"xs:int\"/>"
               "<xs:element name=\"Y\" type=\"B\"/></xs:choice>\n"
               "</xs:sequence></xs:complexType></xs:element>\n"
               "<xs:complexType name=\"B\"><xs:all><xs:element name=\"P\" type=\"xs:string\"/>"
               "<xs:element name=\"Q\" type=\"xs:string\" minOccurs=\"0\"/></xs:all>"
               "</xs:complexType>",
               path, sizeof(path));
  CU_ASSERT_EQUAL_FATAL(ctk_schema_model_load(path, &m, err, sizeof(err)), CTK_E_OK);
  a = ctk_schema_model_global(m, "A");
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  CU_ASSERT_EQUAL_FATAL(a->content->count, 2);
  CU_ASSERT_EQUAL(a->content->children[1].n_alternatives, 2);
  CU_ASSERT_EQUAL(a->content->children[1].min_occurs, 0);
  CU_ASSERT_STRING_EQUAL(ctk_sm_child_named(a->content, "X", &choice)->base, "int");
  CU_ASSERT_PTR_EQUAL(choice, &a->content->children[1]);
  CU_ASSERT_EQUAL(ctk_sm_child_named(a->content, "Y", NULL)->content->count, 2);
  ctk_schema_model_free(m);
}

void ctk_test_add_schema_model(CU_pSuite suite)
{
  CTK_TEST(suite, test_model_baseline);
  CTK_TEST(suite, test_model_variant);
  CTK_TEST(suite, test_model_refuses);
  CTK_TEST(suite, test_model_choice_and_all);
}
