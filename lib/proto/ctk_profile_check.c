/* ctk_profile_check: the cross-checks of a loaded profile that its parser cannot make alone.
 * Each problem names the file and line to fix and says how; the loader refuses a profile with
 * any, and `ctk profile lint` lists them all. */
#include "ctk_profile_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ctk_buf.h"
#include "ctk_compose.h"
#include "ctk_schema_model.h"
#include "ctk_validate.h"
#include "ctk_xml_safe.h"

#define WSDL_FILE_MAX ((size_t)8 * 1024 * 1024)
#define SOAP_WSDL_NS "http://schemas.xmlsoap.org/wsdl/soap/"
#define COVERAGE_DEPTH_MAX 32
#define COVERAGE_SEEN_MAX 1024

typedef struct checker {
  const ctk_profile *p;
  const ctk_schema_names *names;
  ctk_problem_fn fn;
  void *ctx;
  size_t count;
} checker;

static void problem(checker *c, const char *file, long line, const char *hint, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

static void problem(checker *c, const char *file, long line, const char *hint, const char *fmt,
                    ...)
{
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  c->count++;
  if(c->fn)
    c->fn(c->ctx, file, line, text, hint ? hint : "");
}

static const char *const element_hint =
  "check the spelling against the schemas (schemas/*.xsd, the WSDL)";

/* The request and answer elements of every interface are elements of the schemas. */
static void check_catalog_elements(checker *c)
{
  size_t i;
  for(i = 0; i < c->p->n_interfaces; i++) {
    const ctk_interface *in = &c->p->interfaces[i];
    if(!ctk_schema_names_has(c->names, in->request_element))
      problem(c, "catalog.xml", in->line, element_hint,
              "interface %s: request element %s is not declared by any schema", in->code,
              in->request_element);
    if(in->answer_element[0] && !ctk_schema_names_has(c->names, in->answer_element))
      problem(c, "catalog.xml", in->line, element_hint,
              "interface %s: answer element %s is not declared by any schema", in->code,
              in->answer_element);
  }
}

static void check_codefields(checker *c)
{
  size_t i;
  for(i = 0; i < c->p->n_codefields; i++) {
    const ctk_codefield *cf = &c->p->codefields[i];
    if(!ctk_schema_names_has(c->names, cf->element))
      problem(c, "catalog.xml", cf->line, element_hint,
              "code field %s (code set %s) is not an element of any schema", cf->element,
              cf->codeset);
  }
}

static int check_format_element(void *ctx, const char *field, const char *element, size_t line)
{
  checker *c = ctx;
  if(!ctk_schema_names_has(c->names, element))
    problem(c, "formats.csv", (long)line, element_hint,
            "format %s applies to %s, which no schema declares", field, element);
  return 0;
}

/* The code set of the status element and process.xml's states are the same list. */
static void check_statuses(checker *c)
{
  const ctk_codefield *cf = ctk_profile_codefield(c->p, ctk_el(c->p, CTK_EL_STATUS));
  const ctk_codeset *set;
  char file[CTK_ID_MAX + 16];
  size_t i;

  if(!cf) {
    problem(c, "catalog.xml", 0, "add <field element=\"...\" codeset=\"...\"/> for it",
            "the status element %s has no code field in <codefields>",
            ctk_el(c->p, CTK_EL_STATUS));
    return;
  }
  set = ctk_profile_codeset(c->p, cf->codeset);
  if(!set)
    return;                    /* the loader already refuses a code field without its set */
  snprintf(file, sizeof(file), "codes/%s.csv", set->name);
  for(i = 0; i < set->count; i++) {
    if(!ctk_profile_state(c->p, set->entries[i].value))
      problem(c, file, set->entries[i].line,
              "make the code list and process.xml's <states> the same",
              "status %s is not a state of process.xml", set->entries[i].value);
  }
  for(i = 0; i < c->p->n_states; i++) {
    if(!ctk_profile_code(c->p, set->name, c->p->states[i].code))
      problem(c, "process.xml", c->p->states[i].line,
              "make the code list and process.xml's <states> the same",
              "state %s (%s) is missing from %s", c->p->states[i].code, c->p->states[i].name,
              file);
  }
}

static int has_transition(const ctk_profile *p, const char *code)
{
  size_t i;
  for(i = 0; i < p->n_transitions; i++) {
    if(!strcmp(p->transitions[i].interface_code, code))
      return 1;
  }
  return 0;
}

/* An interface either moves orders (has transitions) or is declared stateless. */
static void check_transitions(checker *c)
{
  size_t i;
  for(i = 0; i < c->p->n_interfaces; i++) {
    const ctk_interface *in = &c->p->interfaces[i];
    int moves = has_transition(c->p, in->code);
    if(!moves && !in->stateless)
      problem(c, "catalog.xml", in->line,
              "add its <transition> to process.xml, or stateless=\"1\" when it changes no order",
              "interface %s (%s) has no transition in process.xml and is not declared stateless",
              in->code, in->name);
    else if(moves && in->stateless)
      problem(c, "catalog.xml", in->line, "remove stateless=\"1\" or its transitions",
              "interface %s (%s) is declared stateless but process.xml has transitions for it",
              in->code, in->name);
  }
}

static int is_elem_ns(xmlNodePtr n, const char *name, const char *ns)
{
  return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) &&
         (!ns || (n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ns)));
}

/* Every soap:operation's soapAction is the profile's; report those that differ. */
static void check_wsdl_actions(checker *c, const char *file, xmlNodePtr n, int *seen)
{
  for(; n; n = n->next) {
    if(n->type != XML_ELEMENT_NODE)
      continue;
    if(is_elem_ns(n, "operation", SOAP_WSDL_NS)) {
      xmlChar *action = xmlGetProp(n, (const xmlChar *)"soapAction");
      (*seen)++;
      if(!action || strcmp((const char *)action, c->p->soap_action))
        problem(c, file, (long)xmlGetLineNo(n),
                "make soapAction and profile.xml's <binding name=\"soap\" action> the same",
                "soapAction \"%s\" is not the profile's SOAP action \"%s\"",
                action ? (const char *)action : "", c->p->soap_action);
      xmlFree(action);
    }
    check_wsdl_actions(c, file, n->children, seen);
  }
}

/* The WSDL's namespace and SOAP actions are the profile's. */
static void check_wsdl(checker *c)
{
  char path[1024];
  char file[300];
  ctk_xml_fault fault;
  xmlDocPtr doc;
  xmlNodePtr root;
  xmlChar *tns;
  int actions = 0;

  if(!c->p->wsdl[0])
    return;
  snprintf(file, sizeof(file), "%s", c->p->wsdl);
  snprintf(path, sizeof(path), "%s/%s", c->p->dir, c->p->wsdl);
  doc = ctk_xml_parse_file(path, WSDL_FILE_MAX, &fault);
  if(!doc) {
    problem(c, file, fault.line, NULL, "%s", fault.text);
    return;
  }
  root = xmlDocGetRootElement(doc);
  tns = root ? xmlGetProp(root, (const xmlChar *)"targetNamespace") : NULL;
  if(!tns || strcmp((const char *)tns, c->p->soap_ns))
    problem(c, file, root ? (long)xmlGetLineNo(root) : 0,
            "make targetNamespace and profile.xml's <namespaces soap> the same",
            "targetNamespace \"%s\" is not the profile's SOAP namespace \"%s\"",
            tns ? (const char *)tns : "", c->p->soap_ns);
  xmlFree(tns);
  check_wsdl_actions(c, file, root ? root->children : NULL, &actions);
  if(!actions)
    problem(c, file, 0, "add <soap:operation soapAction=\"...\"/> to the binding",
            "the WSDL has no soap:operation");
  xmlFreeDoc(doc);
}

/* A file of the model ("DIR/schemas/x.xsd") relative to the profile, as problems name files. */
static const char *profile_relative(const ctk_profile *p, const char *file)
{
  size_t len = strlen(p->dir);
  if(!strncmp(file, p->dir, len) && file[len] == '/')
    return file + len + 1;
  return file;
}

static int is_role_element(const ctk_profile *p, const char *name)
{
  int i;
  for(i = 0; i < CTK_EL__COUNT; i++) {
    if(!strcmp(p->el[i], name))
      return 1;
  }
  return 0;
}

typedef struct coverage {
  checker *c;
  const ctk_sm_child *seen[COVERAGE_SEEN_MAX]; /* each declaration is reported once */
  size_t n_seen;
} coverage;

static int coverage_seen(coverage *cv, const ctk_sm_child *decl)
{
  size_t i;
  for(i = 0; i < cv->n_seen; i++) {
    if(cv->seen[i] == decl)
      return 1;
  }
  if(cv->n_seen < COVERAGE_SEEN_MAX)
    cv->seen[cv->n_seen++] = decl;
  return 0;
}

static void coverage_walk(coverage *cv, const ctk_sm_content *content, const char *parent,
                          int depth);

static void coverage_decl(coverage *cv, const ctk_sm_child *k, const char *parent, int mandatory,
                          int depth)
{
  const ctk_profile *p = cv->c->p;
  if(!ctk_sm_is_leaf(k)) {
    coverage_walk(cv, k->content, k->name, depth + 1);
    return;
  }
  if(!mandatory || is_role_element(p, k->name) || ctk_profile_source(p, k->name, parent) ||
     coverage_seen(cv, k))
    return;
  problem(cv->c, profile_relative(p, k->file), k->line,
          "map a role to it, or declare <source element=\"...\" kind=\"constant|now|generated|"
          "code\" .../> in roles.xml",
          "mandatory element %s/%s has no role and no source: nothing can fill it when the "
          "kit composes this message", parent, k->name);
}

static void coverage_walk(coverage *cv, const ctk_sm_content *content, const char *parent,
                          int depth)
{
  size_t i;
  size_t j;
  if(!content || depth > COVERAGE_DEPTH_MAX)
    return;
  for(i = 0; i < content->count; i++) {
    const ctk_sm_child *k = &content->children[i];
    if(!k->n_alternatives) {
      coverage_decl(cv, k, parent, k->min_occurs > 0, depth);
      continue;
    }
    for(j = 0; j < k->n_alternatives; j++)
      coverage_decl(cv, k->alternatives[j], parent, k->min_occurs > 0, depth);
  }
}

/* Every mandatory leaf of every request body can be filled: a role names it (whoever composes
 * gives its value) or roles.xml declares where its value comes from. */
static void check_coverage(checker *c)
{
  coverage *cv = calloc(1, sizeof(*cv));
  size_t i;
  if(!cv)
    return;
  cv->c = c;
  for(i = 0; i < c->p->n_interfaces; i++) {
    const ctk_sm_child *body = ctk_schema_model_global(c->p->model,
                                                       c->p->interfaces[i].request_element);
    if(body)                   /* an undeclared one is check_catalog_elements' to report */
      coverage_walk(cv, body->content, body->name, 0);
  }
  free(cv);
}

/* Each source gives what the element may hold: a leaf's value, of its format and code set. */
static void check_sources(checker *c)
{
  size_t i;
  for(i = 0; i < c->p->n_sources; i++) {
    const ctk_source *s = &c->p->sources[i];
    const ctk_sm_child *decl = ctk_schema_model_find(c->p->model, s->element);
    const ctk_codefield *cf = ctk_profile_codefield(c->p, s->element);
    char value[512];

    if(decl && !ctk_sm_is_leaf(decl)) {
      problem(c, "roles.xml", s->line, "a source gives a leaf's text; give the leaves inside "
              "their own sources", "source for %s: %s has children", s->element, s->element);
      continue;
    }
    if(ctk_compose_source_value(c->p, s, value, sizeof(value))) {
      problem(c, "roles.xml", s->line, "shorten the value or template",
              "source for %s gives no value", s->element);
      continue;
    }
    if(ctk_format_match(c->p, s->element, value) == 0)
      problem(c, "roles.xml", s->line, "make the source and formats.csv agree",
              "source for %s gives \"%.80s\", which does not match its format in formats.csv",
              s->element, value);
    if(cf && !ctk_profile_code(c->p, cf->codeset, value))
      problem(c, "roles.xml", s->line, "give a value of the code set, or kind=\"code\"",
              "source for %s gives \"%.80s\", which is not in code set %s", s->element, value,
              cf->codeset);
  }
}

/* The times the kit writes (roles.xml <datetime>) have the format formats.csv requires. */
static void check_datetime(checker *c)
{
  char now[64];
  const char *element = ctk_el(c->p, CTK_EL_SEND_TIME);

  ctk_profile_now(c->p, now, sizeof(now));
  if(!now[0])
    problem(c, "roles.xml", c->p->datetime_line, "shorten the format",
            "datetime format \"%s\" writes nothing", c->p->datetime_format);
  else if(ctk_format_match(c->p, element, now) == 0)
    problem(c, "roles.xml", c->p->datetime_line,
            "make <datetime format> and the format of the time elements in formats.csv agree",
            "times written with \"%s\" (\"%s\") do not match the format of %s in formats.csv",
            c->p->datetime_format, now, element);
}

static void check_required_ids(checker *c, const ctk_required_id *required, size_t n)
{
  size_t i;
  for(i = 0; i < n; i++) {
    if(!ctk_profile_requirement(c->p, required[i].id))
      problem(c, "requirements.csv", 0, "add the requirement, or map the test to one you have",
              "requirement %s is used by %s but not defined", required[i].id,
              required[i].used_by);
  }
}

size_t ctk_profile_check(const ctk_profile *p, const ctk_schema_names *names,
                         const ctk_required_id *required, size_t n_required, ctk_problem_fn fn,
                         void *ctx)
{
  checker c;
  memset(&c, 0, sizeof(c));
  c.p = p;
  c.names = names;
  c.fn = fn;
  c.ctx = ctx;
  check_catalog_elements(&c);
  check_codefields(&c);
  ctk_formats_each_element(p->formats, check_format_element, &c);
  check_statuses(&c);
  check_transitions(&c);
  check_wsdl(&c);
  check_coverage(&c);
  check_sources(&c);
  check_datetime(&c);
  check_required_ids(&c, required, n_required);
  return c.count;
}

/* "DIR/FILE:LINE: text" from the loader into file, line and text. */
static void split_load_error(const char *dir, const char *err, char *file, size_t filelen,
                             long *line, const char **text)
{
  const char *rest = err;
  const char *colon;
  size_t dirlen = strlen(dir);

  *line = 0;
  *text = err;
  file[0] = '\0';
  if(!strncmp(rest, dir, dirlen) && rest[dirlen] == '/')
    rest += dirlen + 1;
  colon = strchr(rest, ':');
  if(!colon)
    return;
  snprintf(file, filelen, "%.*s", (int)(colon - rest), rest);
  *line = strtol(colon + 1, (char **)&rest, 10);
  if(*rest == ':')
    rest++;
  while(*rest == ' ')
    rest++;
  *text = rest;
}

size_t ctk_profile_lint(const char *dir, const ctk_required_id *required, size_t n_required,
                        ctk_problem_fn fn, void *ctx)
{
  ctk_profile *p = NULL;
  ctk_schema_names names;
  char err[1024];
  size_t count;

  if(ctk_profile_load_unchecked(dir, &p, err, sizeof(err))) {
    char file[256];
    long line;
    const char *text;
    split_load_error(dir, err, file, sizeof(file), &line, &text);
    fn(ctx, file, line, text, "the profile does not load; fix this first");
    return 1;
  }
  if(ctk_schema_names_load(dir, &names, err, sizeof(err))) {
    fn(ctx, "schemas", 0, err, "");
    ctk_profile_free(p);
    return 1;
  }
  count = ctk_profile_check(p, &names, required, n_required, fn, ctx);
  ctk_schema_names_free(&names);
  ctk_profile_free(p);
  return count;
}
