/* test_compose: messages composed from each profile's content model and roles, under the
 * baseline and the synthetic variant: every interface's request (and answer) validates against
 * that profile's own schema, in schema order, the variant's extra field included; a missing
 * mandatory value is an error naming the element; sources fill what nobody gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_compose.h"
#include "ctk_profile.h"
#include "ctk_sample.h"
#include "ctk_schema_model.h"
#include "ctk_test.h"
#include "ctk_validate.h"
#include "ctk_xml_safe.h"

#define BASELINE "profiles/jtt1019-baseline"
#define VARIANT "profiles/synthetic-variant"

/* Validate doc against p as the message with head h (and outcome o for an answer); problems
 * are printed. Returns how many. */
static size_t problems_of(const ctk_profile *p, xmlDocPtr doc, const ctk_head *h,
                          const ctk_outcome *o, const char *what)
{
  ctk_problems pr;
  size_t i;

  ctk_compose_check(p, doc, h, o, &pr);
  for(i = 0; i < pr.count; i++)
    fprintf(stderr, "\n  %s %s: %s %s at %s [%s]", p->name, what, pr.items[i].code,
            pr.items[i].text, pr.items[i].where, pr.items[i].requirement);
  return pr.count;
}

/* The text of n's child name, compared with want; with want NULL, checked against the format
 * of that element instead. */
static int child_text_ok(const ctk_profile *p, xmlNodePtr n, const char *name, const char *want)
{
  xmlChar *text = xmlNodeGetContent(ctk_xml_child(n, name));
  int ok = text && (want ? !strcmp((const char *)text, want)
                         : ctk_format_match(p, name, (const char *)text) == 1);
  if(!ok)
    fprintf(stderr, "\n  %s: \"%s\", expected %s", name, text ? (const char *)text : "(none)",
            want ? want : "its format");
  xmlFree(text);
  return ok;
}

/* A document whose root is name in p's namespace, to compose elements under. */
static xmlNodePtr new_parent(const ctk_profile *p, const char *name, xmlDocPtr *doc)
{
  xmlNodePtr root;
  *doc = xmlNewDoc((const xmlChar *)"1.0");
  root = xmlNewDocNode(*doc, NULL, (const xmlChar *)name, NULL);
  xmlDocSetRootElement(*doc, root);
  xmlSetNs(root, xmlNewNs(root, (const xmlChar *)p->ns, NULL));
  return root;
}

/* Every element below n comes in the order of its declaration's content. */
static int in_schema_order(xmlNodePtr n, const ctk_sm_content *content)
{
  xmlNodePtr c;
  size_t last = 0;
  for(c = n->children; c; c = c->next) {
    const ctk_sm_child *decl;
    const ctk_sm_child *choice;
    size_t at;
    if(c->type != XML_ELEMENT_NODE)
      continue;
    decl = ctk_sm_child_named(content, (const char *)c->name, &choice);
    if(!decl)
      return 0;
    at = (size_t)((choice ? choice : decl) - content->children);
    if(at < last)
      return 0;
    last = at;
    if(!ctk_sm_is_leaf(decl) && !in_schema_order(c, decl->content))
      return 0;
  }
  return 1;
}

/* Under p, every interface's request composed from sample values validates, in schema order;
 * so does its answer (with the answer element when the interface has one). */
static void compose_every_interface(const char *dir)
{
  ctk_profile *p = ctk_test_load_profile(dir);
  ctk_values *v;
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  v = ctk_values_new(p);
  CU_ASSERT_EQUAL_FATAL(ctk_sample_body(p, v), CTK_E_OK);
  for(i = 0; i < p->n_interfaces; i++) {
    const ctk_interface *in = &p->interfaces[i];
    const ctk_sm_child *root = ctk_schema_model_global(p->model, ctk_el(p, CTK_EL_MESSAGE));
    ctk_head h;
    ctk_head ah;
    ctk_outcome ok;
    xmlDocPtr doc = NULL;
    char err[512];
    xmlNodePtr body;

    ctk_sample_head(p, in, (unsigned)i + 1, &h);
    CU_ASSERT_EQUAL(ctk_compose_request(p, &h, v, &doc, err, sizeof(err)), CTK_E_OK);
    if(!doc) {
      fprintf(stderr, "\n  %s %s: %s", p->name, in->code, err);
      continue;
    }
    body = ctk_compose_body(p, doc);
    CU_ASSERT_PTR_NOT_NULL(body);
    CU_ASSERT(body && !strcmp((const char *)body->name, in->request_element));
    CU_ASSERT_EQUAL(problems_of(p, doc, &h, NULL, in->code), 0);
    CU_ASSERT(in_schema_order(xmlDocGetRootElement(doc), root->content));
    xmlFreeDoc(doc);

    ctk_sample_answer_head(p, &h, (unsigned)i + 100, &ah);
    ctk_outcome_set(&ok, p, "OK", "", "", "success");
    CU_ASSERT_EQUAL(ctk_compose_answer(p, &ah, &ok, in->answer_element[0] ? v : NULL, &doc,
                                       err, sizeof(err)), CTK_E_OK);
    if(!doc) {
      fprintf(stderr, "\n  %s %s answer: %s", p->name, in->code, err);
      continue;
    }
    CU_ASSERT_EQUAL(problems_of(p, doc, &ah, &ok, in->code), 0);
    body = ctk_compose_body(p, doc);
    if(in->answer_element[0]) {
      CU_ASSERT(body && !strcmp((const char *)body->name, in->answer_element));
    }
    else {
      CU_ASSERT_PTR_NULL(body);
    }
    xmlFreeDoc(doc);
  }
  ctk_values_free(v);
  ctk_profile_free(p);
}

static void test_compose_every_interface_baseline(void)
{
  compose_every_interface(BASELINE);
}

static void test_compose_every_interface_variant(void)
{
  compose_every_interface(VARIANT);
}

/* The text of body's children, in document order, "Name=text;..." */
static void leaves(xmlNodePtr n, char *out, size_t outlen)
{
  xmlNodePtr c;
  size_t used = 0;
  out[0] = '\0';
  for(c = n ? n->children : NULL; c && used + 1 < outlen; c = c->next) {
    xmlChar *text;
    int k;
    if(c->type != XML_ELEMENT_NODE)
      continue;
    text = xmlNodeGetContent(c);
    k = snprintf(out + used, outlen - used, "%s=%s;", (const char *)c->name,
                 text ? (const char *)text : "");
    xmlFree(text);
    if(k < 0)
      break;
    used += (size_t)k;
  }
}

/* The sign body from values given by role, in any order: written in schema order; under the
 * variant its extra mandatory SignerUnit comes from roles.xml's source. */
static void compose_sign(const char *dir, const char *expected)
{
  ctk_profile *p = ctk_test_load_profile(dir);
  ctk_values *v;
  xmlDocPtr doc = NULL;
  ctk_head h;
  char err[512];
  char got[512];

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  v = ctk_values_new(p);
  CU_ASSERT_EQUAL(ctk_values_set(v, CTK_EL_SIGN_TIME, "T"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_values_set(v, CTK_EL_HANDLER, "李工"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_values_set(v, CTK_EL_ORDER_ID, "36010020261129000001"), CTK_E_OK);
  ctk_sample_time(p, 45, got, sizeof(got));
  CU_ASSERT_EQUAL(ctk_values_set(v, CTK_EL_SIGN_TIME, got), CTK_E_OK); /* replaces "T" */
  ctk_sample_head(p, ctk_profile_iface(p, CTK_IF_SIGN), 7, &h);
  CU_ASSERT_EQUAL_FATAL(ctk_compose_request(p, &h, v, &doc, err, sizeof(err)), CTK_E_OK);
  leaves(ctk_compose_body(p, doc), got, sizeof(got));
  CU_ASSERT_STRING_EQUAL(got, expected);
  CU_ASSERT_EQUAL(problems_of(p, doc, &h, NULL, "sign"), 0);
  xmlFreeDoc(doc);
  ctk_values_free(v);
  ctk_profile_free(p);
}

static void test_compose_sign_in_schema_order(void)
{
  compose_sign(BASELINE, "OrderId=36010020261129000001;Handler=李工;"
                         "SignTime=2026-11-29T10:00:00+08:00;");
  compose_sign(VARIANT, "TicketNo=36010020261129000001;Operator=李工;"
                        "SignerUnit=12328热线受理中心;SignedAt=20261129100000;");
}

/* Nothing for a mandatory element: an error naming it and its parent; omit leaves it out. */
static void compose_missing(const char *dir)
{
  ctk_profile *p = ctk_test_load_profile(dir);
  ctk_values *v;
  xmlDocPtr doc = NULL;
  ctk_head h;
  char err[512];
  char want[256];
  const char *sign;

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  sign = ctk_profile_iface(p, CTK_IF_SIGN)->request_element;
  v = ctk_values_new(p);
  ctk_values_set(v, CTK_EL_ORDER_ID, "36010020261129000001");
  ctk_values_set(v, CTK_EL_SIGN_TIME, "20261129100000");
  ctk_sample_head(p, ctk_profile_iface(p, CTK_IF_SIGN), 8, &h);
  CU_ASSERT_EQUAL(ctk_compose_request(p, &h, v, &doc, err, sizeof(err)), CTK_E_NOTFOUND);
  CU_ASSERT_PTR_NULL(doc);
  snprintf(want, sizeof(want), "no value for mandatory element %s/%s", sign,
           ctk_el(p, CTK_EL_HANDLER));
  if(!strstr(err, want))
    fprintf(stderr, "\n  expected \"%s\" in \"%s\"", want, err);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, want));

  /* omitted on purpose: composed without it, and validation then names it missing */
  CU_ASSERT_EQUAL(ctk_values_omit(v, CTK_EL_HANDLER), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_compose_request(p, &h, v, &doc, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NULL(ctk_xml_child(ctk_compose_body(p, doc), ctk_el(p, CTK_EL_HANDLER)));
  xmlFreeDoc(doc);
  ctk_values_free(v);
  ctk_profile_free(p);
}

static void test_compose_missing_value_names_element(void)
{
  compose_missing(BASELINE);
  compose_missing(VARIANT);
}

/* Bags: a work order with one caller bag; items: two attachments; wrong shapes are refused. */
static void test_compose_bags_and_lists(void)
{
  ctk_profile *p = ctk_test_load_profile(VARIANT);
  ctk_values *v;
  ctk_values *caller;
  ctk_values *att;
  xmlNodePtr parent;
  xmlNodePtr wo = NULL;
  xmlDocPtr doc;
  char err[512];
  int i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  v = ctk_values_new(p);
  CU_ASSERT_EQUAL_FATAL(ctk_sample_body(p, v), CTK_E_OK);
  caller = ctk_values_sub(v, CTK_EL_CALLER);
  CU_ASSERT_PTR_NOT_NULL_FATAL(caller);
  ctk_values_set(caller, CTK_EL_PHONE, "010-12345678");
  att = ctk_values_item(v, CTK_EL_ATTACHMENT); /* a second one after the sample's */
  CU_ASSERT_PTR_NOT_NULL_FATAL(att);
  ctk_values_set(att, CTK_EL_URL, "https://127.0.0.1/2.jpg");
  ctk_values_set(att, CTK_EL_SHA256, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  ctk_values_set(att, CTK_EL_KIND, ctk_val(p, CTK_V_ATT_RECORDING));
  parent = new_parent(p, "TicketReport", &doc);
  CU_ASSERT_EQUAL(ctk_compose_element(p, parent, ctk_el(p, CTK_EL_WORK_ORDER), v, &wo, err,
                                      sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(wo);
  /* the caller bag's phone wins over the outer one; the name still comes from outside */
  CU_ASSERT(child_text_ok(p, ctk_xml_child(wo, ctk_el(p, CTK_EL_CALLER)),
                          ctk_el(p, CTK_EL_PHONE), "010-12345678"));
  CU_ASSERT(child_text_ok(p, ctk_xml_child(wo, ctk_el(p, CTK_EL_CALLER)),
                          ctk_el(p, CTK_EL_CALLER_NAME), "张先生"));
  i = 0;
  for(xmlNodePtr c = ctk_xml_child(wo, ctk_el(p, CTK_EL_ATTACHMENTS))->children; c; c = c->next)
    i += c->type == XML_ELEMENT_NODE;
  CU_ASSERT_EQUAL(i, 2);
  xmlFreeDoc(doc);

  /* a text for an element with children, a bag for a leaf: refused, naming them */
  ctk_values_set(v, CTK_EL_CALLER, "x");
  CU_ASSERT_NOT_EQUAL(ctk_compose_document(p, ctk_profile_iface(p, CTK_IF_REPORT)->request_element,
                                           v, &doc, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "Complainant has children"));
  ctk_values_sub(v, CTK_EL_CALLER);
  ctk_values_sub(v, CTK_EL_SUBJECT);
  CU_ASSERT_NOT_EQUAL(ctk_compose_document(p, ctk_profile_iface(p, CTK_IF_REPORT)->request_element,
                                           v, &doc, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "Title is a leaf"));
  ctk_values_free(v);

  /* more items than maxOccurs */
  v = ctk_values_new(p);
  ctk_sample_body(p, v);
  for(i = 0; i < 16; i++)
    ctk_values_item(v, CTK_EL_ATTACHMENT);
  CU_ASSERT_EQUAL(ctk_compose_document(p, ctk_profile_iface(p, CTK_IF_REPORT)->request_element,
                                       v, &doc, err, sizeof(err)), CTK_E_TOOBIG);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most 16"));
  ctk_values_free(v);
  CU_ASSERT_EQUAL(ctk_values_set(NULL, CTK_EL_PHONE, "x"), CTK_E_INVAL);
  ctk_profile_free(p);
}

/* Sources of every kind fill mandatory elements nobody gave: a copy of the variant with
 * sources for the sign message's other fields, and for two code fields of the ticket. */
static void test_compose_sources(void)
{
  const char *dir = ctk_test_tmpdir("compose-sources");
  char cmd[2048];
  ctk_profile *p;
  ctk_values *v;
  xmlDocPtr doc = NULL;
  xmlNodePtr body;
  xmlNodePtr leaf = NULL;
  ctk_head h;
  char err[512];
  char now[32];
  xmlChar *text;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd),
           "cp -r " VARIANT "/. '%s/' && sed -i 's|</roles>|"
           "<source element=\"TicketNo\" kind=\"generated\" template=\"360100{now:%%Y%%m%%d}{seq:6}\"/>"
           "<source element=\"Operator\" parent=\"TicketAccept\" kind=\"constant\" value=\"值班员\"/>"
           "<source element=\"SignedAt\" kind=\"now\"/>"
           "<source element=\"TicketState\" kind=\"code\" value=\"in-progress\"/>"
           "<source element=\"CaseCategory\" kind=\"code\"/>"
           "</roles>|' '%s/roles.xml' && '%s' profile lint '%s' >/dev/null 2>&1",
           dir, dir, ctk_test_ctk_bin(), dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  p = ctk_test_load_profile(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_EQUAL(p->n_sources, 6);
  v = ctk_values_new(p);
  ctk_sample_head(p, ctk_profile_iface(p, CTK_IF_SIGN), 9, &h);
  CU_ASSERT_EQUAL_FATAL(ctk_compose_request(p, &h, v, &doc, err, sizeof(err)), CTK_E_OK);
  body = ctk_compose_body(p, doc);
  CU_ASSERT_EQUAL(problems_of(p, doc, &h, NULL, "sourced sign"), 0);
  CU_ASSERT(child_text_ok(p, body, "Operator", "值班员"));
  CU_ASSERT(child_text_ok(p, body, "TicketNo", NULL));
  CU_ASSERT(child_text_ok(p, body, "SignedAt", NULL));
  text = xmlNodeGetContent(ctk_xml_child(body, "SignedAt"));
  ctk_profile_now(p, now, sizeof(now));
  CU_ASSERT(text && !strncmp((const char *)text, now, 8)); /* today, Beijing */
  xmlFree(text);
  xmlFreeDoc(doc);

  /* code sources: a value given by its name, and the set's first value */
  ctk_values_free(v);
  v = ctk_values_new(p);
  ctk_values_set(v, CTK_EL_ACCEPT_TIME, "20261129091500");
  ctk_values_set(v, CTK_EL_ACCEPT_REGION, "360100");
  ctk_values_set(v, CTK_EL_HANDLE_REGION, "360100");
  ctk_values_set(v, CTK_EL_CHANNEL, ctk_val(p, CTK_V_CH_PHONE));
  ctk_values_set(v, CTK_EL_DOMAIN, "GL");
  ctk_values_set(v, CTK_EL_SUBJECT, "s");
  ctk_values_set(v, CTK_EL_CONTENT, "c");
  ctk_values_set(v, CTK_EL_PHONE, "13800138000");
  ctk_values_set(v, CTK_EL_INSTANT_ANSWER, "false");
  body = new_parent(p, "TicketReport", &doc);
  CU_ASSERT_EQUAL(ctk_compose_element(p, body, ctk_el(p, CTK_EL_WORK_ORDER), v, &body, err,
                                      sizeof(err)), CTK_E_OK);
  CU_ASSERT(child_text_ok(p, body, "TicketState", "S50"));
  CU_ASSERT(child_text_ok(p, body, "CaseCategory", "TS"));
  CU_ASSERT(child_text_ok(p, body, "TicketNo", NULL));
  /* a leaf on its own: its source when not given, else an error naming it */
  CU_ASSERT_EQUAL(ctk_compose_element(p, body, "TicketState", v, &leaf, err, sizeof(err)),
                  CTK_E_OK);
  CU_ASSERT(leaf && child_text_ok(p, body, "TicketState", "S50"));
  CU_ASSERT_EQUAL(ctk_compose_element(p, body, "Heading", v, &leaf, err, sizeof(err)),
                  CTK_E_NOTFOUND);
  CU_ASSERT_PTR_NULL(leaf);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no value for element Heading"));
  xmlFreeDoc(doc);
  ctk_values_free(v);
  ctk_profile_free(p);
}

/* An optional element the caller gave a list inside is written; a mandatory value missing in
 * it, even before the list, is an error naming it, not a reason to leave the element out. */
static void test_compose_optional_with_missing_value(void)
{
  const char *dir = ctk_test_tmpdir("compose-optional");
  char cmd[2048];
  ctk_profile *p;
  ctk_values *v;
  ctk_values *file;
  xmlDocPtr doc = NULL;
  xmlNodePtr parent;
  xmlNodePtr ticket = NULL;
  char err[512];

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd),
           "cp -r " VARIANT "/. '%s/' && sed -i 's|<xs:element name=\"File\" type|"
           "<xs:element name=\"CallRef\" type=\"hl:IdText\"/><xs:element name=\"File\" type|' "
           "'%s/schemas/ticket.xsd'", dir, dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  p = ctk_test_load_profile(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  v = ctk_values_new(p);
  ctk_values_set(v, CTK_EL_ORDER_ID, "36010020261129000001");
  ctk_values_set(v, CTK_EL_STATUS, ctk_st(p, CTK_ST_ACCEPTED));
  ctk_values_set(v, CTK_EL_ACCEPT_TIME, "20261129091500");
  ctk_values_set(v, CTK_EL_ACCEPT_REGION, "360100");
  ctk_values_set(v, CTK_EL_HANDLE_REGION, "360100");
  ctk_values_set(v, CTK_EL_BUSINESS_TYPE, ctk_val(p, CTK_V_BT_COMPLAINT));
  ctk_values_set(v, CTK_EL_CHANNEL, ctk_val(p, CTK_V_CH_PHONE));
  ctk_values_set(v, CTK_EL_DOMAIN, "GL");
  ctk_values_set(v, CTK_EL_SUBJECT, "s");
  ctk_values_set(v, CTK_EL_CONTENT, "c");
  ctk_values_set(v, CTK_EL_PHONE, "13800138000");
  ctk_values_set(v, CTK_EL_INSTANT_ANSWER, "false");
  parent = new_parent(p, "TicketReport", &doc);
  /* no list: the optional Files is left out, its missing CallRef does not matter */
  CU_ASSERT_EQUAL(ctk_compose_element(p, parent, "Ticket", v, &ticket, err, sizeof(err)),
                  CTK_E_OK);
  CU_ASSERT(ticket && !ctk_xml_child(ticket, "Files"));
  /* a list inside it: Files must be written, and its CallRef has no value */
  file = ctk_values_item(v, CTK_EL_ATTACHMENT);
  ctk_values_set(file, CTK_EL_KIND, "AUDIO");
  ctk_values_set(file, CTK_EL_URL, "http://127.0.0.1/1.wav");
  ctk_values_set(file, CTK_EL_SHA256, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  CU_ASSERT_EQUAL(ctk_compose_element(p, parent, "Ticket", v, &ticket, err, sizeof(err)),
                  CTK_E_NOTFOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no value for mandatory element Files/CallRef"));
  ctk_values_set(v, CTK_EL_CALL_ID, "CALL-1");
  CU_ASSERT_EQUAL(ctk_compose_element(p, parent, "Ticket", v, &ticket, err, sizeof(err)),
                  CTK_E_OK);
  CU_ASSERT(ticket && ctk_xml_child(ctk_xml_child(ticket, "Files"), "File"));
  xmlFreeDoc(doc);
  ctk_values_free(v);
  ctk_profile_free(p);
}

/* Both bindings under the variant: the SOAP envelope carries the profile's operation and part
 * (roles), the message inside as text; GBK bytes declare GBK. */
static void test_compose_encode_variant(void)
{
  ctk_profile *p = ctk_test_load_profile(VARIANT);
  ctk_values *v;
  xmlDocPtr doc = NULL;
  xmlDocPtr env;
  xmlDocPtr inner;
  xmlNodePtr op;
  ctk_xml_fault fault;
  ctk_xml_limits lim = { 1 << 20, 32, 0, 0, 0 };
  ctk_head h;
  ctk_buf out;
  char err[512];
  xmlChar *text;

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  v = ctk_values_new(p);
  ctk_sample_body(p, v);
  ctk_sample_head(p, ctk_profile_iface(p, CTK_IF_LINK_CHECK), 10, &h);
  CU_ASSERT_EQUAL_FATAL(ctk_compose_request(p, &h, v, &doc, err, sizeof(err)), CTK_E_OK);
  ctk_buf_init(&out, 1 << 20);
  CU_ASSERT_EQUAL_FATAL(ctk_compose_encode(p, doc, 0, CTK_BIND_SOAP, CTK_ENC_UTF8, &out),
                        CTK_E_OK);
  env = ctk_xml_parse_utf8(out.data, out.len, &lim, &fault);
  CU_ASSERT_PTR_NOT_NULL_FATAL(env);
  op = xmlFirstElementChild(ctk_xml_child(xmlDocGetRootElement(env), "Body"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(op);
  CU_ASSERT_STRING_EQUAL((const char *)op->name, "Submit");
  CU_ASSERT_STRING_EQUAL((const char *)op->ns->href, p->soap_ns);
  CU_ASSERT_STRING_EQUAL((const char *)xmlFirstElementChild(op)->name, "RequestXml");
  text = xmlNodeGetContent(xmlFirstElementChild(op));
  inner = ctk_xml_parse_utf8((const char *)text, strlen((const char *)text), &lim, &fault);
  CU_ASSERT_PTR_NOT_NULL(inner);
  CU_ASSERT(inner && !strcmp((const char *)xmlDocGetRootElement(inner)->name, "Request"));
  xmlFreeDoc(inner);
  xmlFree(text);
  xmlFreeDoc(env);
  ctk_buf_reset(&out);
  CU_ASSERT_EQUAL(ctk_compose_encode(p, doc, 0, CTK_BIND_XML, CTK_ENC_GBK, &out), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "encoding=\"GBK\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "<Heartbeat>"));
  ctk_buf_free(&out);
  xmlFreeDoc(doc);
  ctk_values_free(v);
  ctk_profile_free(p);
}

/* `ctk profile fixtures` on the variant: a checked set for every interface, both bindings,
 * both encodings; every invalid file has its sidecar. */
static void test_fixtures_variant(void)
{
  const char *dir = ctk_test_tmpdir("variant-fixtures");
  ctk_profile *p = ctk_test_load_profile(VARIANT);
  char cmd[1024];
  char *out = NULL;
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  snprintf(cmd, sizeof(cmd), "'%s' profile fixtures " VARIANT " '%s' 2>&1", ctk_test_ctk_bin(),
           dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_PTR_NULL(out ? strstr(out, "failed") : "no output");
  free(out);
  for(i = 0; i < p->n_interfaces; i++) {
    const ctk_interface *in = &p->interfaces[i];
    char *listing = NULL;
    snprintf(cmd, sizeof(cmd), "cd '%s' && ls valid/%s-%s.xml valid/%s-%s-gbk.soap.xml "
             "&& test $(ls invalid/%s-*.xml | wc -l) -ge 3 "
             "&& test $(ls invalid/%s-*.xml | wc -l) -eq $(ls invalid/%s-*.expect | wc -l)",
             dir, in->code, in->name, in->code, in->name, in->code, in->code, in->code);
    CU_ASSERT_EQUAL(ctk_test_run(cmd, &listing), 0);
    free(listing);
  }
  snprintf(cmd, sizeof(cmd), "grep -q 'code=E04 requirement=J3-CODE-004 "
           "where=/Request/Payload/TicketReport/Ticket/TicketState' "
           "'%s/invalid/2001-bad-TicketState.expect'", dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);
  snprintf(cmd, sizeof(cmd), "grep -q '<SignerUnit>' '%s/valid/2003-TicketAccept.xml'", dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);
  ctk_profile_free(p);
}

void ctk_test_add_compose(CU_pSuite suite)
{
  CTK_TEST(suite, test_compose_every_interface_baseline);
  CTK_TEST(suite, test_compose_every_interface_variant);
  CTK_TEST(suite, test_compose_sign_in_schema_order);
  CTK_TEST(suite, test_compose_missing_value_names_element);
  CTK_TEST(suite, test_compose_bags_and_lists);
  CTK_TEST(suite, test_compose_sources);
  CTK_TEST(suite, test_compose_optional_with_missing_value);
  CTK_TEST(suite, test_compose_encode_variant);
  CTK_TEST(suite, test_fixtures_variant);
}
