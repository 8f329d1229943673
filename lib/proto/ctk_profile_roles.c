/* ctk_profile_roles: reads roles.xml and resolves every role to the profile's own name, code or
 * value, once at load. A role left unmapped, or mapped to something the profile does not have,
 * refuses the profile with "roles.xml:LINE: role R ..." so the author knows what to fix. */
#include "ctk_profile_roles.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "ctk_buf.h"
#include "ctk_compose.h"
#include "ctk_profile.h"
#include "ctk_xml_safe.h"

#define ROLES_FILE "roles.xml"
#define ROLES_FILE_MAX ((size_t)1024 * 1024)
#define SCHEMA_FILE_MAX ((size_t)8 * 1024 * 1024)
#define SCHEMA_NAMES_MAX 4096

/* ---------- the role tables ---------- */

static const char *const element_role_names[] = {
#define CTK_ROLE_NAME(id, role, need) role,
  CTK_ELEMENT_ROLES(CTK_ROLE_NAME)
#undef CTK_ROLE_NAME
};

/* CORE is "needed by every profile": CTK_IF__COUNT stands for it. */
#define CTK_IF_CORE CTK_IF__COUNT
static const ctk_interface_role element_role_needs[] = {
#define CTK_ROLE_NEED(id, role, need) CTK_IF_##need,
  CTK_ELEMENT_ROLES(CTK_ROLE_NEED)
#undef CTK_ROLE_NEED
};

static const char *const interface_role_names[] = {
#define CTK_ROLE_NAME(id, role, required) role,
  CTK_INTERFACE_ROLES(CTK_ROLE_NAME)
#undef CTK_ROLE_NAME
};

static const int interface_role_required[] = {
#define CTK_ROLE_REQUIRED(id, role, required) required,
  CTK_INTERFACE_ROLES(CTK_ROLE_REQUIRED)
#undef CTK_ROLE_REQUIRED
};

static const char *const state_role_names[] = {
#define CTK_ROLE_NAME(id, role) role,
  CTK_STATE_ROLES(CTK_ROLE_NAME)
#undef CTK_ROLE_NAME
};

static const char *const value_role_names[] = {
#define CTK_ROLE_NAME(id, role, codeset) role,
  CTK_VALUE_ROLES(CTK_ROLE_NAME)
#undef CTK_ROLE_NAME
};

static const char *const value_role_codesets[] = {
#define CTK_ROLE_CODESET(id, role, codeset) codeset,
  CTK_VALUE_ROLES(CTK_ROLE_CODESET)
#undef CTK_ROLE_CODESET
};

const char *ctk_element_role_name(ctk_element_role r)
{
  return (unsigned)r < CTK_EL__COUNT ? element_role_names[r] : "?";
}

const char *ctk_interface_role_name(ctk_interface_role r)
{
  return (unsigned)r < CTK_IF__COUNT ? interface_role_names[r] : "?";
}

const char *ctk_state_role_name(ctk_state_role r)
{
  return (unsigned)r < CTK_ST__COUNT ? state_role_names[r] : "?";
}

const char *ctk_value_role_name(ctk_value_role r)
{
  return (unsigned)r < CTK_V__COUNT ? value_role_names[r] : "?";
}

const char *ctk_value_role_codeset(ctk_value_role r)
{
  return (unsigned)r < CTK_V__COUNT ? value_role_codesets[r] : "?";
}

int ctk_interface_role_required(ctk_interface_role r)
{
  return (unsigned)r < CTK_IF__COUNT ? interface_role_required[r] : 0;
}

ctk_interface_role ctk_element_role_need(ctk_element_role r)
{
  return (unsigned)r < CTK_EL__COUNT ? element_role_needs[r] : CTK_IF_CORE;
}

static int role_index(const char *const *names, size_t n, const char *name)
{
  size_t i;
  for(i = 0; i < n; i++) {
    if(!strcmp(names[i], name))
      return (int)i;
  }
  return -1;
}

/* ---------- element names the profile's schemas declare ---------- */

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void ctk_schema_names_free(ctk_schema_names *s)
{
  size_t i;
  for(i = 0; i < s->count; i++)
    free(s->names[i]);
  free(s->names);
  memset(s, 0, sizeof(*s));
}

static ctk_code names_add(ctk_schema_names *s, const char *name)
{
  char **grown;
  if(s->count >= SCHEMA_NAMES_MAX)
    return CTK_E_TOOBIG;
  grown = realloc(s->names, (s->count + 1) * sizeof(*grown));
  if(!grown)
    return CTK_E_NOMEM;
  s->names = grown;
  s->names[s->count] = strdup(name);
  if(!s->names[s->count])
    return CTK_E_NOMEM;
  s->count++;
  return CTK_E_OK;
}

/* Every name="..." of an xs:element anywhere below node (a WSDL's types too). */
static ctk_code collect_elements(xmlNodePtr node, ctk_schema_names *s)
{
  ctk_code result = CTK_E_OK;
  for(; node && !result; node = node->next) {
    if(node->type != XML_ELEMENT_NODE)
      continue;
    if(!strcmp((const char *)node->name, "element")) {
      xmlChar *name = xmlGetProp(node, (const xmlChar *)"name");
      if(name)
        result = names_add(s, (const char *)name);
      xmlFree(name);
    }
    if(!result)
      result = collect_elements(node->children, s);
  }
  return result;
}

ctk_code ctk_schema_names_load(const char *profile_dir, ctk_schema_names *out, char *err,
                               size_t errlen)
{
  char dir[1024];
  DIR *d;
  struct dirent *e;
  ctk_code result = CTK_E_OK;

  memset(out, 0, sizeof(*out));
  snprintf(dir, sizeof(dir), "%s/schemas", profile_dir);
  d = opendir(dir);
  if(!d) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return CTK_E_PROFILE;
  }
  for(e = readdir(d); e && !result; e = readdir(d)) {
    size_t len = strlen(e->d_name);
    char path[1300];
    ctk_xml_fault fault;
    xmlDocPtr doc;
    if(len < 5 || (strcmp(e->d_name + len - 4, ".xsd") && strcmp(e->d_name + len - 5, ".wsdl")))
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    doc = ctk_xml_parse_file(path, SCHEMA_FILE_MAX, &fault);
    if(!doc) {
      snprintf(err, errlen, "%s:%d: %s", path, fault.line, fault.text);
      result = CTK_E_PROFILE;
      break;
    }
    result = collect_elements(xmlDocGetRootElement(doc), out);
    xmlFreeDoc(doc);
  }
  closedir(d);
  if(result) {
    if(err && errlen && !err[0])
      snprintf(err, errlen, "%s: %s", dir, ctk_strerror(result));
    ctk_schema_names_free(out);
    return result;
  }
  if(out->count)
    qsort(out->names, out->count, sizeof(*out->names), cmp_str);
  return CTK_E_OK;
}

int ctk_schema_names_has(const ctk_schema_names *s, const char *name)
{
  return s->count && bsearch(&name, s->names, s->count, sizeof(*s->names), cmp_str) != NULL;
}

/* ---------- roles.xml ---------- */

typedef struct roles_loader {
  ctk_profile *p;
  const ctk_schema_names *schema;
  char path[1100];
  char *err;
  size_t errlen;
  long el_line[CTK_EL__COUNT];   /* where each role was mapped, for "mapped twice" */
  long if_line[CTK_IF__COUNT];
  long st_line[CTK_ST__COUNT];
  long v_line[CTK_V__COUNT];
  size_t cap_sources;
} roles_loader;

static ctk_code roles_fail(roles_loader *rl, long line, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static ctk_code roles_fail(roles_loader *rl, long line, const char *fmt, ...)
{
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if(rl->err && rl->errlen)
    snprintf(rl->err, rl->errlen, "%s:%ld: %s", rl->path, line, msg);
  return CTK_E_PROFILE;
}

static int is_elem(xmlNodePtr n, const char *name)
{
  return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The attribute's value into dst; "" when absent. 1 when it did not fit. */
static int attr(xmlNodePtr n, const char *name, char *dst, size_t dstlen)
{
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  int toolong = 0;
  dst[0] = '\0';
  if(v) {
    toolong = ctk_strlcpy(dst, (const char *)v, dstlen) != CTK_E_OK;
    xmlFree(v);
  }
  return toolong;
}

static ctk_code check_twice(roles_loader *rl, long *seen, long line, const char *role)
{
  if(*seen)
    return roles_fail(rl, line, "role %s is mapped twice (first on line %ld)", role, *seen);
  *seen = line ? line : -1;
  return CTK_E_OK;
}

/* The start every mapping line shares: its role (one of names, a kind of role) and its other
 * attribute into value; the role's index in *r, refused when unknown or mapped before. */
static ctk_code role_line(roles_loader *rl, xmlNodePtr n, long line, const char *kind,
                          const char *const *names, size_t count, long *seen, const char *attr_name,
                          char role[64], char *value, size_t valuelen, int *r)
{
  if(attr(n, "role", role, 64) || attr(n, attr_name, value, valuelen))
    return roles_fail(rl, line, "attribute too long");
  *r = role_index(names, count, role);
  if(*r < 0)
    return roles_fail(rl, line, "unknown %s role '%s' (docs/PROFILE.md lists the roles)", kind,
                      role);
  return check_twice(rl, &seen[*r], line, role);
}

static ctk_code load_element_role(roles_loader *rl, xmlNodePtr n, long line)
{
  char role[64], name[CTK_NAME_MAX];
  int r;
  ctk_code result;

  result = role_line(rl, n, line, "element", element_role_names, CTK_EL__COUNT, rl->el_line,
                     "name", role, name, sizeof(name), &r);
  if(result)
    return result;
  if(!name[0])
    return roles_fail(rl, line, "role %s: name=\"...\" missing", role);
  if(rl->schema && !ctk_schema_names_has(rl->schema, name))
    return roles_fail(rl, line,
                      "role %s maps to element %s, which no schema of the profile declares "
                      "(a misspelling? check schemas/*.xsd and the WSDL)", role, name);
  memcpy(rl->p->el[r], name, sizeof(name));
  return CTK_E_OK;
}

static ctk_code load_interface_role(roles_loader *rl, xmlNodePtr n, long line)
{
  char role[64], code[CTK_ID_MAX];
  int r;
  size_t i;
  ctk_code result;

  result = role_line(rl, n, line, "interface", interface_role_names, CTK_IF__COUNT, rl->if_line,
                     "code", role, code, sizeof(code), &r);
  if(result)
    return result;
  for(i = 0; i < rl->p->n_interfaces; i++) {
    if(!strcmp(rl->p->interfaces[i].code, code))
      break;
  }
  if(i == rl->p->n_interfaces)
    return roles_fail(rl, line, "role %s maps to interface %s, which catalog.xml does not have",
                      role, code);
  if(rl->p->interfaces[i].role != CTK_IF__COUNT)
    return roles_fail(rl, line, "interface %s already plays role %s", code,
                      interface_role_names[rl->p->interfaces[i].role]);
  rl->p->interfaces[i].role = (ctk_interface_role)r;
  rl->p->if_index[r] = i;
  return CTK_E_OK;
}

static ctk_code load_state_role(roles_loader *rl, xmlNodePtr n, long line)
{
  char role[64], code[CTK_ID_MAX];
  int r;
  ctk_code result;

  result = role_line(rl, n, line, "state", state_role_names, CTK_ST__COUNT, rl->st_line, "code",
                     role, code, sizeof(code), &r);
  if(result)
    return result;
  if(!ctk_profile_state(rl->p, code))
    return roles_fail(rl, line, "role %s maps to state %s, which process.xml does not have",
                      role, code);
  memcpy(rl->p->state_code[r], ctk_profile_state(rl->p, code)->code, CTK_ID_MAX);
  return CTK_E_OK;
}

static ctk_code load_value_role(roles_loader *rl, xmlNodePtr n, long line)
{
  char role[64], codeset[CTK_ID_MAX], value[CTK_ID_MAX];
  int r;
  ctk_code result;

  if(attr(n, "role", role, sizeof(role)) || attr(n, "codeset", codeset, sizeof(codeset)) ||
     attr(n, "value", value, sizeof(value)))
    return roles_fail(rl, line, "attribute too long");
  r = role_index(value_role_names, CTK_V__COUNT, role);
  /* The same role word can name values of two code sets; the code set decides. */
  while(r >= 0 && strcmp(value_role_codesets[r], codeset)) {
    int next = role_index(value_role_names + r + 1, CTK_V__COUNT - (size_t)r - 1, role);
    r = next < 0 ? -1 : r + 1 + next;
  }
  if(r < 0)
    return roles_fail(rl, line, "unknown value role '%s' of code set '%s' (docs/PROFILE.md "
                      "lists the roles)", role, codeset);
  result = check_twice(rl, &rl->v_line[r], line, role);
  if(result)
    return result;
  if(!ctk_profile_code(rl->p, codeset, value))
    return roles_fail(rl, line, "role %s maps to value %s, which codes/%s.csv does not have",
                      role, value, codeset);
  memcpy(rl->p->value[r], value, sizeof(value));
  return CTK_E_OK;
}

static ctk_code load_datetime(roles_loader *rl, xmlNodePtr n, long line)
{
  char format[sizeof(rl->p->datetime_format)];
  if(attr(n, "format", format, sizeof(format)))
    return roles_fail(rl, line, "datetime format too long (at most %zu bytes)",
                      sizeof(format) - 1);
  if(!format[0] || !strchr(format, '%'))
    return roles_fail(rl, line, "datetime format=\"...\" must be a strftime format "
                      "(e.g. %%Y-%%m-%%dT%%H:%%M:%%S+08:00)");
  memcpy(rl->p->datetime_format, format, sizeof(format));
  rl->p->datetime_line = line;
  return CTK_E_OK;
}

static int source_kind(const char *kind, ctk_source_kind *out)
{
  static const struct {
    const char *name;
    ctk_source_kind kind;
  } kinds[] = { { "constant", CTK_SOURCE_CONSTANT },
                { "now", CTK_SOURCE_NOW },
                { "generated", CTK_SOURCE_GENERATED },
                { "code", CTK_SOURCE_CODE } };
  size_t i;
  for(i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    if(!strcmp(kinds[i].name, kind)) {
      *out = kinds[i].kind;
      return 0;
    }
  }
  return -1;
}

/* kind="code": the code set (given, or the element's code field) and the value in it (given
 * by value or by name, or the set's first). */
static ctk_code source_code(roles_loader *rl, ctk_source *src, const char *value, long line)
{
  const ctk_codeset *set;
  const ctk_codefield *cf = ctk_profile_codefield(rl->p, src->element);
  size_t i;

  if(!src->codeset[0] && cf)
    ctk_strlcpy(src->codeset, cf->codeset, sizeof(src->codeset));
  if(!src->codeset[0])
    return roles_fail(rl, line, "source for %s: kind=\"code\" needs codeset=\"...\" (%s has no "
                      "code field in catalog.xml)", src->element, src->element);
  set = ctk_profile_codeset(rl->p, src->codeset);
  if(!set || !set->count)
    return roles_fail(rl, line, "source for %s: code set %s has no file codes/%s.csv, or no "
                      "value", src->element, src->codeset, src->codeset);
  if(!value[0]) {
    ctk_strlcpy(src->value, set->entries[0].value, sizeof(src->value));
    return CTK_E_OK;
  }
  for(i = 0; i < set->count; i++) {
    if(!strcmp(set->entries[i].value, value) || !strcmp(set->entries[i].name, value)) {
      ctk_strlcpy(src->value, set->entries[i].value, sizeof(src->value));
      return CTK_E_OK;
    }
  }
  return roles_fail(rl, line, "source for %s: %s is neither a value nor a name of codes/%s.csv",
                    src->element, value, src->codeset);
}

/* <source element="E" [parent="P"] kind="constant|now|generated|code" [value=...]
 *         [codeset=...] [template=...]/>: where E's value comes from when nobody gives one. */
static ctk_code load_source(roles_loader *rl, xmlNodePtr n, long line)
{
  char kind[32];
  char value[256];
  char tpl[256];
  char why[160];
  ctk_source src;
  size_t i;

  memset(&src, 0, sizeof(src));
  src.line = line;
  if(attr(n, "element", src.element, sizeof(src.element)) ||
     attr(n, "parent", src.parent, sizeof(src.parent)) || attr(n, "kind", kind, sizeof(kind)) ||
     attr(n, "value", value, sizeof(value)) || attr(n, "codeset", src.codeset,
                                                    sizeof(src.codeset)) ||
     attr(n, "template", tpl, sizeof(tpl)))
    return roles_fail(rl, line, "attribute too long");
  if(!src.element[0])
    return roles_fail(rl, line, "source: element=\"...\" missing");
  if(rl->schema && !ctk_schema_names_has(rl->schema, src.element))
    return roles_fail(rl, line, "source for element %s, which no schema of the profile declares "
                      "(a misspelling? check schemas/*.xsd)", src.element);
  if(rl->schema && src.parent[0] && !ctk_schema_names_has(rl->schema, src.parent))
    return roles_fail(rl, line, "source for %s inside %s, which no schema of the profile "
                      "declares", src.element, src.parent);
  if(source_kind(kind, &src.kind))
    return roles_fail(rl, line, "source for %s: kind \"%s\" is not constant, now, generated or "
                      "code", src.element, kind);
  for(i = 0; i < rl->p->n_sources; i++) {
    if(!strcmp(rl->p->sources[i].element, src.element) &&
       !strcmp(rl->p->sources[i].parent, src.parent))
      return roles_fail(rl, line, "element %s has a source already (line %ld)", src.element,
                        rl->p->sources[i].line);
  }
  if(src.kind == CTK_SOURCE_CONSTANT) {
    if(!xmlHasProp(n, (const xmlChar *)"value"))
      return roles_fail(rl, line, "source for %s: kind=\"constant\" needs value=\"...\"",
                        src.element);
    memcpy(src.value, value, sizeof(value));
  }
  else if(src.kind == CTK_SOURCE_GENERATED) {
    ctk_strlcpy(src.value, tpl[0] ? tpl : CTK_SOURCE_DEFAULT_TEMPLATE, sizeof(src.value));
    if(ctk_compose_template_check(src.value, why, sizeof(why)))
      return roles_fail(rl, line, "source for %s: template: %s", src.element, why);
  }
  else if(src.kind == CTK_SOURCE_CODE) {
    ctk_code result = source_code(rl, &src, value, line);
    if(result)
      return result;
  }
  if(rl->p->n_sources == rl->cap_sources) {
    size_t cap = rl->cap_sources ? rl->cap_sources * 2 : 8;
    ctk_source *grown = realloc(rl->p->sources, cap * sizeof(*grown));
    if(!grown)
      return roles_fail(rl, line, "out of memory");
    rl->p->sources = grown;
    rl->cap_sources = cap;
  }
  rl->p->sources[rl->p->n_sources++] = src;
  return CTK_E_OK;
}

/* Every role every profile needs is mapped; the first one missing is the error. */
static ctk_code check_complete(roles_loader *rl)
{
  int i;
  for(i = 0; i < CTK_IF__COUNT; i++) {
    if(interface_role_required[i] && rl->p->if_index[i] == SIZE_MAX)
      return roles_fail(rl, 0, "role %s is not mapped: add <interface role=\"%s\" code=\"...\"/>",
                        interface_role_names[i], interface_role_names[i]);
  }
  for(i = 0; i < CTK_EL__COUNT; i++) {
    ctk_interface_role need = element_role_needs[i];
    int needed = need == CTK_IF_CORE || rl->p->if_index[need] != SIZE_MAX;
    if(needed && !rl->p->el[i][0])
      return roles_fail(rl, 0, "role %s is not mapped: add <element role=\"%s\" name=\"...\"/>",
                        element_role_names[i], element_role_names[i]);
  }
  for(i = 0; i < CTK_ST__COUNT; i++) {
    if(!rl->p->state_code[i][0])
      return roles_fail(rl, 0, "role %s is not mapped: add <state role=\"%s\" code=\"...\"/>",
                        state_role_names[i], state_role_names[i]);
  }
  for(i = 0; i < CTK_V__COUNT; i++) {
    if(!rl->p->value[i][0] && ctk_profile_codeset(rl->p, value_role_codesets[i]))
      return roles_fail(rl, 0, "role %s is not mapped: add <value role=\"%s\" codeset=\"%s\" "
                        "value=\"...\"/>", value_role_names[i], value_role_names[i],
                        value_role_codesets[i]);
  }
  if(!rl->p->datetime_format[0])
    return roles_fail(rl, 0, "no <datetime format=\"...\"/>: the format the engine writes "
                      "times in");
  return CTK_E_OK;
}

ctk_code ctk_profile_roles_load(ctk_profile *p, const ctk_schema_names *schema, char *err,
                                size_t errlen)
{
  roles_loader rl;
  ctk_xml_fault fault;
  xmlDocPtr doc;
  xmlNodePtr root;
  xmlNodePtr n;
  ctk_code result = CTK_E_OK;
  size_t i;

  memset(&rl, 0, sizeof(rl));
  rl.p = p;
  rl.schema = schema;
  rl.err = err;
  rl.errlen = errlen;
  snprintf(rl.path, sizeof(rl.path), "%s/%s", p->dir, ROLES_FILE);
  for(i = 0; i < CTK_IF__COUNT; i++)
    p->if_index[i] = SIZE_MAX;
  for(i = 0; i < p->n_interfaces; i++)
    p->interfaces[i].role = CTK_IF__COUNT;
  if(access(rl.path, R_OK))
    return roles_fail(&rl, 0, "missing file (%s): every profile maps the engine's roles to its "
                      "own names there (docs/PROFILE.md)", strerror(errno));
  doc = ctk_xml_parse_file(rl.path, ROLES_FILE_MAX, &fault);
  if(!doc)
    return roles_fail(&rl, fault.line, "%s", fault.text);
  root = xmlDocGetRootElement(doc);
  if(!is_elem(root, "roles")) {
    result = roles_fail(&rl, root ? (long)xmlGetLineNo(root) : 0, "root element must be <roles>");
    xmlFreeDoc(doc);
    return result;
  }
  for(n = root->children; n && !result; n = n->next) {
    long line = (long)xmlGetLineNo(n);
    if(n->type != XML_ELEMENT_NODE)
      continue;
    if(is_elem(n, "element"))
      result = load_element_role(&rl, n, line);
    else if(is_elem(n, "interface"))
      result = load_interface_role(&rl, n, line);
    else if(is_elem(n, "state"))
      result = load_state_role(&rl, n, line);
    else if(is_elem(n, "value"))
      result = load_value_role(&rl, n, line);
    else if(is_elem(n, "datetime"))
      result = load_datetime(&rl, n, line);
    else if(is_elem(n, "source"))
      result = load_source(&rl, n, line);
    else
      result = roles_fail(&rl, line, "unknown element <%s> (element, interface, state, value, "
                          "datetime, source)", (const char *)n->name);
  }
  xmlFreeDoc(doc);
  if(!result)
    result = check_complete(&rl);
  return result;
}

const ctk_source *ctk_profile_source(const ctk_profile *p, const char *element,
                                     const char *parent)
{
  const ctk_source *anywhere = NULL;
  size_t i;
  for(i = 0; p && element && i < p->n_sources; i++) {
    const ctk_source *s = &p->sources[i];
    if(strcmp(s->element, element))
      continue;
    if(!s->parent[0])
      anywhere = s;
    else if(parent && !strcmp(s->parent, parent))
      return s;
  }
  return anywhere;
}

ctk_interface_role ctk_profile_interface_role(const ctk_profile *p, const char *code)
{
  const ctk_interface *in = ctk_profile_interface(p, code);
  return in ? in->role : CTK_IF__COUNT;
}

const ctk_interface *ctk_profile_iface(const ctk_profile *p, ctk_interface_role r)
{
  if((unsigned)r >= CTK_IF__COUNT || p->if_index[r] == SIZE_MAX)
    return NULL;
  return &p->interfaces[p->if_index[r]];
}

const char *ctk_profile_iface_code(const ctk_profile *p, ctk_interface_role r)
{
  const ctk_interface *in = ctk_profile_iface(p, r);
  return in ? in->code : "";
}
