/* ctk_profile_fixtures: composes a profile's message set from its content model and sample
 * values, so that any profile has fixtures without anyone writing XML by hand. An invalid
 * message is a valid one with one fault put in by construction, which says what validation
 * must answer; each message is checked before it is written, so a file that lies about itself
 * is never written. */
#include "ctk_profile_fixtures.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_compose.h"
#include "ctk_file.h"
#include "ctk_sample.h"
#include "ctk_schema_model.h"
#include "ctk_validate.h"

#define FIXTURE_BYTES_MAX ((size_t)4 * 1024 * 1024)
#define FIXTURE_NAME_MAX 200

typedef struct gen {
  const ctk_profile *p;
  const char *dir;
  ctk_fixture_counts *counts;
  ctk_fixture_note_fn fn;
  void *ctx;
  ctk_values *sample;
  unsigned seq;
  ctk_code stop;               /* an error that ends generation (I/O, memory) */
} gen;

/* What an invalid message must give. */
typedef struct expect {
  const char *result;          /* symbolic result name */
  const char *requirement;
  char where[256];             /* "" when the fault has no location (decoding) */
} expect;

static void note(gen *g, const char *file, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void note(gen *g, const char *file, const char *fmt, ...)
{
  char text[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if(g->fn)
    g->fn(g->ctx, file, text);
}

/* The node of a head role (sender and receiver are found under the head too). */
static xmlNodePtr head_node(const ctk_profile *p, xmlDocPtr doc, ctk_element_role r)
{
  return ctk_xml_child(ctk_xml_child(xmlDocGetRootElement(doc), ctk_el(p, CTK_EL_HEAD)),
                       ctk_el(p, r));
}

/* The first element named name below n, depth first. */
static xmlNodePtr descendant(xmlNodePtr n, const char *name)
{
  xmlNodePtr c;
  for(c = n ? n->children : NULL; c; c = c->next) {
    xmlNodePtr hit;
    if(c->type != XML_ELEMENT_NODE)
      continue;
    if(!strcmp((const char *)c->name, name))
      return c;
    hit = descendant(c, name);
    if(hit)
      return hit;
  }
  return NULL;
}

static void set_text(xmlNodePtr n, const char *text)
{
  xmlChar *escaped = xmlEncodeSpecialChars(n->doc, (const xmlChar *)text);
  xmlNodeSetContent(n, escaped);
  xmlFree(escaped);
}

static ctk_code make_dir(const char *path)
{
  if(mkdir(path, 0755) && errno != EEXIST)
    return CTK_E_IO;
  return CTK_E_OK;
}

static void write_file(gen *g, const char *sub, const char *name, const void *data, size_t len)
{
  char path[1400];
  ctk_code result;

  if(g->stop)
    return;
  snprintf(path, sizeof(path), "%s/%s/%s", g->dir, sub, name);
  result = ctk_file_write_atomic(path, data, len, 0644);
  if(result) {
    note(g, name, "cannot write %s: %s", path, ctk_strerror(result));
    g->stop = result;
  }
}

/* doc in every binding and encoding the profile allows, as valid/STEM[-gbk][.soap].xml. */
static void write_forms(gen *g, const char *stem, xmlDocPtr doc, int is_answer)
{
  int soap;
  int gbk;
  for(gbk = 0; gbk <= 1; gbk++) {
    if(gbk && !(g->p->encodings & (1u << CTK_ENC_GBK)))
      continue;
    for(soap = 0; soap <= 1; soap++) {
      ctk_buf bytes;
      char name[FIXTURE_NAME_MAX + 16];
      ctk_code result;

      ctk_buf_init(&bytes, FIXTURE_BYTES_MAX);
      result = ctk_compose_encode(g->p, doc, is_answer, soap ? CTK_BIND_SOAP : CTK_BIND_XML,
                                  gbk ? CTK_ENC_GBK : CTK_ENC_UTF8, &bytes);
      snprintf(name, sizeof(name), "%s%s%s.xml", stem, gbk ? "-gbk" : "", soap ? ".soap" : "");
      if(result) {
        note(g, name, "cannot encode: %s", ctk_strerror(result));
        g->counts->failed++;
      }
      else {
        write_file(g, "valid", name, bytes.data, bytes.len);
        g->counts->valid++;
      }
      ctk_buf_free(&bytes);
    }
  }
}

/* A valid message: every problem is the generator's fault, reported and not written. */
static int check_valid(gen *g, const char *stem, xmlDocPtr doc, const ctk_head *h,
                       const ctk_outcome *o)
{
  ctk_problems problems;
  size_t i;
  if(!ctk_compose_check(g->p, doc, h, o, &problems))
    return 1;
  for(i = 0; i < problems.count; i++)
    note(g, stem, "composed message is not valid: %s %s at %s [%s]", problems.items[i].code,
         problems.items[i].text, problems.items[i].where, problems.items[i].requirement);
  g->counts->failed++;
  return 0;
}

/* An invalid message gives exactly the expected problem; then it and its .expect are written. */
static void finish_invalid(gen *g, const char *name, const ctk_problems *problems,
                           const expect *e, const void *bytes, size_t len)
{
  const char *code = ctk_profile_rc(g->p, e->result);
  const ctk_outcome *got = problems->count ? &problems->items[0] : NULL;
  char sidecar[512];
  char file[FIXTURE_NAME_MAX + 16];

  if(problems->count != 1 || strcmp(got->code, code) || strcmp(got->requirement, e->requirement) ||
     (e->where[0] && strcmp(got->where, e->where))) {
    note(g, name, "expected exactly %s [%s] at %s; validation gave %zu problem(s), the first "
         "%s [%s] at %s: %s", code, e->requirement, e->where[0] ? e->where : "-",
         problems->count, got ? got->code : "-", got ? got->requirement : "-",
         got && got->where[0] ? got->where : "-", got ? got->text : "");
    g->counts->failed++;
    return;
  }
  snprintf(file, sizeof(file), "%s.xml", name);
  write_file(g, "invalid", file, bytes, len);
  if(e->where[0])
    snprintf(sidecar, sizeof(sidecar), "code=%s requirement=%s where=%s\n", code,
             e->requirement, e->where);
  else
    snprintf(sidecar, sizeof(sidecar), "code=%s requirement=%s\n", code, e->requirement);
  snprintf(file, sizeof(file), "%s.expect", name);
  write_file(g, "invalid", file, sidecar, strlen(sidecar));
  g->counts->invalid++;
}

/* A faulty tree: validated as a tree, written as plain UTF-8 XML. */
static void finish_invalid_doc(gen *g, const char *name, xmlDocPtr doc, const ctk_head *h,
                               const expect *e)
{
  ctk_problems problems;
  ctk_buf bytes;

  ctk_compose_check(g->p, doc, h, NULL, &problems);
  ctk_buf_init(&bytes, FIXTURE_BYTES_MAX);
  if(ctk_compose_encode(g->p, doc, 0, CTK_BIND_XML, CTK_ENC_UTF8, &bytes)) {
    note(g, name, "cannot encode");
    g->counts->failed++;
  }
  else
    finish_invalid(g, name, &problems, e, bytes.data, bytes.len);
  ctk_buf_free(&bytes);
}

/* Faulty bytes: decoded and validated as the endpoints would. */
static void finish_invalid_bytes(gen *g, const char *name, const char *data, size_t len,
                                 const expect *e)
{
  ctk_problems problems;
  ctk_validate_bytes(g->p, data, len, CTK_BIND_XML, NULL, &problems);
  finish_invalid(g, name, &problems, e, data, len);
}

static xmlDocPtr compose(gen *g, const char *stem, const ctk_head *h)
{
  xmlDocPtr doc = NULL;
  char err[512];
  if(ctk_compose_request(g->p, h, g->sample, &doc, err, sizeof(err))) {
    note(g, stem, "cannot compose: %s", err);
    g->counts->failed++;
    return NULL;
  }
  return doc;
}

/* ---------- the valid set ---------- */

static void gen_answer(gen *g, const ctk_interface *in, const ctk_head *req, xmlDocPtr req_doc)
{
  ctk_head h;
  ctk_outcome o;
  xmlDocPtr doc = NULL;
  char stem[FIXTURE_NAME_MAX];
  char err[512];
  int with_body = in->answer_element[0] != '\0';

  ctk_sample_answer_head(g->p, req, ++g->seq, &h);
  ctk_outcome_set(&o, g->p, "OK", "", "", "success");
  snprintf(stem, sizeof(stem), "%s-answer-%s", in->code, with_body ? "result" : "ok");
  if(ctk_compose_answer(g->p, &h, &o, with_body ? g->sample : NULL, &doc, err, sizeof(err))) {
    note(g, stem, "cannot compose: %s", err);
    g->counts->failed++;
  }
  else if(check_valid(g, stem, doc, &h, &o))
    write_forms(g, stem, doc, 1);
  xmlFreeDoc(doc);
  doc = NULL;
  if(!ctk_profile_transition(g->p, in->code, ctk_st(g->p, CTK_ST_ARCHIVED), CTK_DIR_UP) &&
     g->p->n_transitions) {
    /* a refusal: the order is archived, no transition of this interface leaves that state */
    const ctk_transition *any = NULL;
    char where[256] = "";
    xmlNodePtr order = descendant(ctk_compose_body(g->p, req_doc), ctk_el(g->p, CTK_EL_ORDER_ID));
    size_t i;
    for(i = 0; i < g->p->n_transitions && !any; i++) {
      if(!strcmp(g->p->transitions[i].interface_code, in->code))
        any = &g->p->transitions[i];
    }
    if(!any || !order)
      return;
    ctk_xml_path(order, where, sizeof(where));
    ctk_outcome_set(&o, g->p, "STATE", where, any->requirement, "illegal transition: %s from "
                    "state %s", in->code, ctk_st(g->p, CTK_ST_ARCHIVED));
    snprintf(stem, sizeof(stem), "%s-answer-state", in->code);
    if(ctk_compose_answer(g->p, &h, &o, NULL, &doc, err, sizeof(err))) {
      note(g, stem, "cannot compose: %s", err);
      g->counts->failed++;
    }
    else if(check_valid(g, stem, doc, &h, &o))
      write_forms(g, stem, doc, 1);
    xmlFreeDoc(doc);
  }
}

/* ---------- the invalid set ---------- */

/* The first leaf of the body (document order) for which pick says yes. */
static xmlNodePtr find_leaf(gen *g, xmlNodePtr n, int (*pick)(gen *, xmlNodePtr))
{
  xmlNodePtr c;
  for(c = n ? n->children : NULL; c; c = c->next) {
    xmlNodePtr hit;
    if(c->type != XML_ELEMENT_NODE)
      continue;
    if(!xmlFirstElementChild(c)) {
      if(pick(g, c))
        return c;
      continue;
    }
    hit = find_leaf(g, c, pick);
    if(hit)
      return hit;
  }
  return NULL;
}

static int has_codefield(gen *g, xmlNodePtr n)
{
  return ctk_profile_codefield(g->p, (const char *)n->name) != NULL;
}

static int has_format(gen *g, xmlNodePtr n)
{
  return !has_codefield(g, n) &&
         ctk_format_of_element(g->p, (const char *)n->name, NULL, NULL, NULL);
}

/* A value of the code field's set it is not in. */
static void bad_code(gen *g, const ctk_codefield *cf, char *out, size_t outlen)
{
  unsigned long n = 9;
  snprintf(out, outlen, "ZZ%lu", n);
  while(ctk_profile_code(g->p, cf->codeset, out) && n < 100000000UL) {
    n = n * 10 + 9;
    snprintf(out, outlen, "ZZ%lu", n);
  }
}

/* Fault the leaf: its new value, and what validation must then give. 0 when it cannot. */
typedef int (*leaf_fault_fn)(gen *g, xmlNodePtr leaf, char *value, size_t len, expect *e);

static int code_fault(gen *g, xmlNodePtr leaf, char *value, size_t len, expect *e)
{
  const ctk_codefield *cf = ctk_profile_codefield(g->p, (const char *)leaf->name);
  bad_code(g, cf, value, len);
  e->result = "CODE_VALUE";
  e->requirement = cf->requirement;
  return 1;
}

static int format_fault(gen *g, xmlNodePtr leaf, char *value, size_t len, expect *e)
{
  static const char *const bad_values[] = { "x-1", "!", "0" };
  size_t i;
  ctk_format_of_element(g->p, (const char *)leaf->name, NULL, &e->result, &e->requirement);
  for(i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
    if(ctk_format_match(g->p, (const char *)leaf->name, bad_values[i]) == 0) {
      ctk_strlcpy(value, bad_values[i], len);
      return 1;
    }
  }
  return 0;
}

/* The first leaf of the body pick chooses, with a value fault makes for it. */
static void gen_leaf_fault(gen *g, const ctk_interface *in, const ctk_head *h,
                           int (*pick)(gen *, xmlNodePtr), leaf_fault_fn fault)
{
  xmlDocPtr doc = compose(g, in->code, h);
  xmlNodePtr leaf = doc ? find_leaf(g, ctk_compose_body(g->p, doc), pick) : NULL;
  char name[FIXTURE_NAME_MAX];
  char value[32];
  expect e;

  memset(&e, 0, sizeof(e));
  if(leaf && fault(g, leaf, value, sizeof(value), &e)) {
    set_text(leaf, value);
    ctk_xml_path(leaf, e.where, sizeof(e.where));
    snprintf(name, sizeof(name), "%s-bad-%s", in->code, (const char *)leaf->name);
    finish_invalid_doc(g, name, doc, h, &e);
  }
  xmlFreeDoc(doc);
}

/* The first mandatory leaf of the body, following the model alongside the tree. */
static xmlNodePtr mandatory_leaf(xmlNodePtr n, const ctk_sm_content *content)
{
  xmlNodePtr c;
  for(c = n ? n->children : NULL; c; c = c->next) {
    const ctk_sm_child *choice;
    const ctk_sm_child *decl;
    xmlNodePtr hit;
    if(c->type != XML_ELEMENT_NODE)
      continue;
    decl = ctk_sm_child_named(content, (const char *)c->name, &choice);
    if(!decl)
      continue;
    if(ctk_sm_is_leaf(decl)) {
      if((choice ? choice->min_occurs : decl->min_occurs) > 0)
        return c;
      continue;
    }
    hit = mandatory_leaf(c, decl->content);
    if(hit)
      return hit;
  }
  return NULL;
}

static void gen_missing(gen *g, const ctk_interface *in, const ctk_head *h)
{
  xmlDocPtr doc = compose(g, in->code, h);
  xmlNodePtr body = doc ? ctk_compose_body(g->p, doc) : NULL;
  const ctk_sm_child *decl = body ? ctk_schema_model_global(g->p->model,
                                                            (const char *)body->name) : NULL;
  xmlNodePtr leaf = decl ? mandatory_leaf(body, decl->content) : NULL;
  xmlNodePtr next;
  char name[FIXTURE_NAME_MAX];
  expect e;

  if(leaf) {
    /* libxml2 reports a missing element at the element that came instead, or at the parent
     * when nothing came after it */
    for(next = leaf->next; next && next->type != XML_ELEMENT_NODE; next = next->next)
      ;
    memset(&e, 0, sizeof(e));
    e.result = "SCHEMA";
    e.requirement = ctk_profile_rule(g->p, "schema");
    ctk_xml_path(next ? next : leaf->parent, e.where, sizeof(e.where));
    snprintf(name, sizeof(name), "%s-missing-%s", in->code, (const char *)leaf->name);
    xmlUnlinkNode(leaf);
    xmlFreeNode(leaf);
    finish_invalid_doc(g, name, doc, h, &e);
  }
  xmlFreeDoc(doc);
}

/* A code that names no interface but has the interface code's format. */
static int unknown_code(const ctk_profile *p, char *out, size_t outlen)
{
  ctk_profile_interface_outside(p, out, outlen);
  return out[0] != '\0';
}

/* A fault of the head: the message composed with head sent (the text at role `at` then set
 * to text, when given) must give result, by rule, at that element, read with head seen. */
static void head_fault(gen *g, const char *name, const ctk_head *sent, const ctk_head *seen,
                       ctk_element_role at, const char *text, const char *result,
                       const char *rule)
{
  xmlDocPtr doc = compose(g, name, sent);
  expect e;

  if(!doc)
    return;
  if(text)
    set_text(head_node(g->p, doc, at), text);
  memset(&e, 0, sizeof(e));
  e.result = result;
  e.requirement = ctk_profile_rule(g->p, rule);
  ctk_xml_path(head_node(g->p, doc, at), e.where, sizeof(e.where));
  finish_invalid_doc(g, name, doc, seen, &e);
  xmlFreeDoc(doc);
}

static void gen_head_faults(gen *g, const ctk_interface *in, const ctk_head *h)
{
  char name[FIXTURE_NAME_MAX];
  ctk_head bad;

  /* an interface code the catalog lacks */
  bad = *h;
  snprintf(name, sizeof(name), "%s-unknown-interface", in->code);
  if(unknown_code(g->p, bad.interface_code, sizeof(bad.interface_code)))
    head_fault(g, name, h, &bad, CTK_EL_INTERFACE_CODE, bad.interface_code,
               "UNKNOWN_INTERFACE", "interface");
  else
    note(g, name, "not written: no code in the interface-code format is free of interfaces");
  /* another profile version */
  bad = *h;
  ctk_strlcpy(bad.profile_version, strcmp(g->p->version, "0.0") ? "0.0" : "9.9",
              sizeof(bad.profile_version));
  snprintf(name, sizeof(name), "%s-bad-version", in->code);
  head_fault(g, name, &bad, &bad, CTK_EL_PROFILE_VERSION, NULL, "VERSION", "version");
  /* a route the interface may not take: past a level, or the other direction */
  bad = *h;
  if(in->directions == (CTK_DIR_UP | CTK_DIR_DOWN)) {
    ctk_sample_node(CTK_LEVEL_MINISTRY, &bad.receiver);
    snprintf(name, sizeof(name), "%s-skips-level", in->code);
  }
  else {
    bad.sender = h->receiver;
    bad.receiver = h->sender;
    snprintf(name, sizeof(name), "%s-wrong-direction", in->code);
  }
  head_fault(g, name, &bad, &bad, CTK_EL_RECEIVER, NULL, "ROUTE", "route");
}

/* The body of another interface under this one's head. */
static void gen_wrong_body(gen *g, const ctk_interface *in, const ctk_head *h)
{
  const ctk_interface *other = NULL;
  char name[FIXTURE_NAME_MAX];
  ctk_head as_other = *h;
  xmlDocPtr doc;
  size_t i;
  expect e;

  for(i = 0; i < g->p->n_interfaces && !other; i++) {
    const ctk_interface *o = &g->p->interfaces[i];
    if(strcmp(o->request_element, in->request_element))
      other = o;
  }
  if(!other)
    return;
  ctk_strlcpy(as_other.interface_code, other->code, sizeof(as_other.interface_code));
  doc = compose(g, in->code, &as_other);
  if(!doc)
    return;
  set_text(head_node(g->p, doc, CTK_EL_INTERFACE_CODE), in->code);
  memset(&e, 0, sizeof(e));
  e.result = "SCHEMA";
  e.requirement = ctk_profile_rule(g->p, "body");
  ctk_xml_path(ctk_compose_body(g->p, doc), e.where, sizeof(e.where));
  snprintf(name, sizeof(name), "%s-wrong-body", in->code);
  finish_invalid_doc(g, name, doc, h, &e);
  xmlFreeDoc(doc);
}

/* Faults the decoder finds before any name matters: a DOCTYPE, too deep, not well-formed. */
static void gen_byte_faults(gen *g, const ctk_interface *in, const ctk_head *h)
{
  xmlDocPtr doc = compose(g, in->code, h);
  ctk_buf plain;
  ctk_buf bad;
  const char *root_end;
  char name[FIXTURE_NAME_MAX];
  expect e;
  int i;

  if(!doc)
    return;
  ctk_buf_init(&plain, FIXTURE_BYTES_MAX);
  ctk_buf_init(&bad, FIXTURE_BYTES_MAX * 2);
  if(ctk_compose_encode(g->p, doc, 0, CTK_BIND_XML, CTK_ENC_UTF8, &plain) || !plain.len)
    goto done;
  root_end = strstr(plain.data, "?>");
  memset(&e, 0, sizeof(e));
  /* a DOCTYPE with an external entity */
  if(root_end) {
    ctk_buf_add(&bad, plain.data, (size_t)(root_end + 2 - plain.data));
    ctk_buf_printf(&bad, "\n<!DOCTYPE %s [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
                   ctk_el(g->p, CTK_EL_MESSAGE));
    ctk_buf_adds(&bad, root_end + 2);
    e.result = "FORBIDDEN";
    e.requirement = ctk_profile_rule(g->p, "forbidden");
    snprintf(name, sizeof(name), "%s-doctype-xxe", in->code);
    finish_invalid_bytes(g, name, bad.data, bad.len, &e);
  }
  /* nesting one level deeper than the profile allows, inside the root */
  ctk_buf_reset(&bad);
  root_end = strrchr(plain.data, '<');
  if(root_end) {
    ctk_buf_add(&bad, plain.data, (size_t)(root_end - plain.data));
    for(i = 0; i <= g->p->max_depth; i++)
      ctk_buf_adds(&bad, "<n>");
    for(i = 0; i <= g->p->max_depth; i++)
      ctk_buf_adds(&bad, "</n>");
    ctk_buf_adds(&bad, root_end);
    e.result = "TOO_LARGE";
    e.requirement = ctk_profile_rule(g->p, "depth");
    snprintf(name, sizeof(name), "%s-too-deep", in->code);
    finish_invalid_bytes(g, name, bad.data, bad.len, &e);
  }
  /* cut in the middle: not well-formed */
  e.result = "MALFORMED";
  e.requirement = ctk_profile_rule(g->p, "envelope");
  snprintf(name, sizeof(name), "%s-not-well-formed", in->code);
  finish_invalid_bytes(g, name, plain.data, plain.len / 2, &e);
done:
  ctk_buf_free(&plain);
  ctk_buf_free(&bad);
  xmlFreeDoc(doc);
}

static void gen_interface(gen *g, const ctk_interface *in)
{
  char stem[FIXTURE_NAME_MAX];
  ctk_head h;
  xmlDocPtr doc;

  ctk_sample_head(g->p, in, ++g->seq, &h);
  snprintf(stem, sizeof(stem), "%s-%s", in->code, in->name);
  doc = compose(g, stem, &h);
  if(!doc)
    return;
  if(check_valid(g, stem, doc, &h, NULL))
    write_forms(g, stem, doc, 0);
  gen_answer(g, in, &h, doc);
  xmlFreeDoc(doc);
  gen_leaf_fault(g, in, &h, has_codefield, code_fault);
  gen_leaf_fault(g, in, &h, has_format, format_fault);
  gen_missing(g, in, &h);
  gen_head_faults(g, in, &h);
  gen_wrong_body(g, in, &h);
  if(in->role == CTK_IF_REPORT)
    gen_byte_faults(g, in, &h);
}

ctk_code ctk_profile_fixtures(const ctk_profile *p, const char *dir, ctk_fixture_counts *counts,
                              ctk_fixture_note_fn fn, void *ctx)
{
  char path[1200];
  gen g;
  size_t i;
  ctk_code result;

  memset(counts, 0, sizeof(*counts));
  memset(&g, 0, sizeof(g));
  g.p = p;
  g.dir = dir;
  g.counts = counts;
  g.fn = fn;
  g.ctx = ctx;
  result = make_dir(dir);
  snprintf(path, sizeof(path), "%s/valid", dir);
  if(!result)
    result = make_dir(path);
  snprintf(path, sizeof(path), "%s/invalid", dir);
  if(!result)
    result = make_dir(path);
  if(result) {
    note(&g, dir, "cannot make the directories: %s", strerror(errno));
    return result;
  }
  g.sample = ctk_values_new(p);
  result = g.sample ? ctk_sample_body(p, g.sample) : CTK_E_NOMEM;
  for(i = 0; !result && !g.stop && i < p->n_interfaces; i++)
    gen_interface(&g, &p->interfaces[i]);
  ctk_values_free(g.sample);
  if(result)
    return result;
  if(g.stop)
    return g.stop;
  return counts->failed ? CTK_E_INVALID : CTK_E_OK;
}
