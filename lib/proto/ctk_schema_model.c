/* ctk_schema_model: reads the profile's XSD files as XML documents (libxml2's compiled schema
 * structures are not public API) and keeps what a composer needs: for every element, its
 * children in order with their occurrences, and which are leaves. What it does not understand
 * it refuses with FILE:LINE, so that `ctk profile lint` names the construct to simplify.
 *
 * Loading runs in three passes over the parsed files: register every global element and named
 * type, link substitution groups to their heads, then build each global's content. Contents are
 * allocated before their children are filled, so a type that refers to itself ends in a cycle
 * of pointers rather than in endless recursion. */
#include "ctk_schema_model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ctk_buf.h"
#include "ctk_xml_safe.h"

#define XSD_NS "http://www.w3.org/2001/XMLSchema"
#define SM_FILE_MAX ((size_t)8 * 1024 * 1024)
#define SM_FILES_MAX 64
#define SM_DEPTH_MAX 32       /* nested sequences, type derivations, substitution groups */

struct ctk_schema_model {
  void **blocks;               /* every allocation of the model, freed together */
  size_t n_blocks;
  size_t cap_blocks;
  ctk_sm_child **globals;
  size_t n_globals;
};

typedef struct sm_file {
  const char *path;            /* in the model's pool: children point at it */
  xmlDocPtr doc;
  char tns[256];
  int qualified;               /* elementFormDefault="qualified" */
} sm_file;

typedef struct sm_global {
  ctk_sm_child *child;
  xmlNodePtr node;
  sm_file *file;
  struct sm_global *head;      /* the head of its substitution group, or NULL */
  int state;                   /* 0 not built, 1 building, 2 built */
} sm_global;

typedef struct sm_type {
  char name[CTK_SM_NAME_MAX];
  xmlNodePtr node;
  sm_file *file;
  int complex;
  ctk_sm_content *content;     /* complex: allocated when building starts */
  char base[32];               /* simple: the built-in at its root, "" until resolved */
} sm_type;

typedef struct sm_loader {
  ctk_schema_model *m;
  sm_file files[SM_FILES_MAX];
  size_t n_files;
  sm_global *globals;
  size_t n_globals;
  sm_type *types;
  size_t n_types;
  char *err;
  size_t errlen;
  int failed;
} sm_loader;

/* A growing list of children while a content is read; copied into the pool when complete. */
typedef struct child_vec {
  ctk_sm_child *items;
  size_t count;
  size_t cap;
} child_vec;

/* ---------- small helpers ---------- */

static ctk_code sm_fail(sm_loader *ld, const char *file, xmlNodePtr node, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

static ctk_code sm_fail(sm_loader *ld, const char *file, xmlNodePtr node, const char *fmt, ...)
{
  char msg[400];
  va_list ap;

  if(ld->failed)
    return CTK_E_PROFILE;      /* the first problem is the one reported */
  ld->failed = 1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if(ld->err && ld->errlen)
    snprintf(ld->err, ld->errlen, "%s:%ld: %s", file, node ? (long)xmlGetLineNo(node) : 0L, msg);
  return CTK_E_PROFILE;
}

static void *pool_alloc(ctk_schema_model *m, size_t size)
{
  void *block;
  if(m->n_blocks == m->cap_blocks) {
    size_t cap = m->cap_blocks ? m->cap_blocks * 2 : 64;
    void **grown = realloc(m->blocks, cap * sizeof(*grown));
    if(!grown)
      return NULL;
    m->blocks = grown;
    m->cap_blocks = cap;
  }
  block = calloc(1, size ? size : 1);
  if(block)
    m->blocks[m->n_blocks++] = block;
  return block;
}

static const char *pool_strdup(ctk_schema_model *m, const char *s)
{
  size_t len = strlen(s);
  char *copy = pool_alloc(m, len + 1);
  if(copy)
    memcpy(copy, s, len + 1);
  return copy;
}

static int is_xs(xmlNodePtr n, const char *name)
{
  return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
         !strcmp((const char *)n->ns->href, XSD_NS) && !strcmp((const char *)n->name, name);
}

static int is_element_node(xmlNodePtr n)
{
  return n && n->type == XML_ELEMENT_NODE;
}

/* The attribute's value into dst ("" when absent); 1 when present. */
static int attr(xmlNodePtr n, const char *name, char *dst, size_t dstlen)
{
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  dst[0] = '\0';
  if(!v)
    return 0;
  ctk_strlcpy(dst, (const char *)v, dstlen);
  xmlFree(v);
  return 1;
}

/* A QName's namespace (through the in-scope declarations of node) and local part. */
static void split_qname(xmlNodePtr node, const char *qname, const char **ns, const char **local)
{
  const char *colon = strchr(qname, ':');
  char prefix[64];
  xmlNsPtr decl;

  if(colon && (size_t)(colon - qname) < sizeof(prefix)) {
    memcpy(prefix, qname, (size_t)(colon - qname));
    prefix[colon - qname] = '\0';
    decl = xmlSearchNs(node->doc, node, (const xmlChar *)prefix);
    *local = colon + 1;
  }
  else {
    decl = xmlSearchNs(node->doc, node, NULL);
    *local = qname;
  }
  *ns = decl && decl->href ? (const char *)decl->href : "";
}

/* Names of the profile's own namespace: its target namespace, or none (a chameleon include). */
static int own_ns(const sm_file *f, const char *ns)
{
  return !ns[0] || !strcmp(ns, f->tns);
}

static ctk_code parse_occurs(sm_loader *ld, sm_file *f, xmlNodePtr n, unsigned *min,
                             unsigned *max)
{
  char text[32];
  char *end = NULL;
  unsigned long v;

  *min = 1;
  *max = 1;
  if(attr(n, "minOccurs", text, sizeof(text))) {
    errno = 0;
    v = strtoul(text, &end, 10);
    if(errno || !end || *end || !text[0] || v >= CTK_SM_UNBOUNDED)
      return sm_fail(ld, f->path, n, "minOccurs=\"%s\" is not a number", text);
    *min = (unsigned)v;
  }
  if(attr(n, "maxOccurs", text, sizeof(text))) {
    if(!strcmp(text, "unbounded"))
      *max = CTK_SM_UNBOUNDED;
    else {
      errno = 0;
      v = strtoul(text, &end, 10);
      if(errno || !end || *end || !text[0] || v >= CTK_SM_UNBOUNDED)
        return sm_fail(ld, f->path, n, "maxOccurs=\"%s\" is not a number or unbounded", text);
      *max = (unsigned)v;
    }
  }
  if(*max < *min)
    return sm_fail(ld, f->path, n, "maxOccurs is less than minOccurs");
  return CTK_E_OK;
}

static sm_global *find_global(sm_loader *ld, const char *name)
{
  size_t i;
  for(i = 0; i < ld->n_globals; i++) {
    if(!strcmp(ld->globals[i].child->name, name))
      return &ld->globals[i];
  }
  return NULL;
}

static sm_type *find_type(sm_loader *ld, const char *name)
{
  size_t i;
  for(i = 0; i < ld->n_types; i++) {
    if(!strcmp(ld->types[i].name, name))
      return &ld->types[i];
  }
  return NULL;
}

static ctk_code vec_push(child_vec *v, const ctk_sm_child *c)
{
  if(v->count == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 8;
    ctk_sm_child *grown = realloc(v->items, cap * sizeof(*grown));
    if(!grown)
      return CTK_E_NOMEM;
    v->items = grown;
    v->cap = cap;
  }
  v->items[v->count++] = *c;
  return CTK_E_OK;
}

/* ---------- pass 1: files, global elements, named types ---------- */

static ctk_code load_file(sm_loader *ld, const char *path, xmlNodePtr from, const char *from_file,
                          const char *entry_tns);

static ctk_code register_global(sm_loader *ld, sm_file *f, xmlNodePtr n)
{
  char name[CTK_SM_NAME_MAX];
  char flag[16];
  sm_global *grown;
  sm_global *g;

  if(!attr(n, "name", name, sizeof(name)) || !name[0])
    return sm_fail(ld, f->path, n, "a global xs:element needs a name");
  if(find_global(ld, name))
    return sm_fail(ld, f->path, n, "element %s is declared twice", name);
  grown = realloc(ld->globals, (ld->n_globals + 1) * sizeof(*grown));
  if(!grown)
    return CTK_E_NOMEM;
  ld->globals = grown;
  g = &ld->globals[ld->n_globals];
  memset(g, 0, sizeof(*g));
  g->child = pool_alloc(ld->m, sizeof(*g->child));
  if(!g->child)
    return CTK_E_NOMEM;
  ld->n_globals++;
  memcpy(g->child->name, name, sizeof(name));
  g->child->min_occurs = 1;
  g->child->max_occurs = 1;
  g->child->file = f->path;
  g->child->line = (long)xmlGetLineNo(n);
  g->child->abstract = attr(n, "abstract", flag, sizeof(flag)) &&
                       (!strcmp(flag, "true") || !strcmp(flag, "1"));
  g->node = n;
  g->file = f;
  return CTK_E_OK;
}

static ctk_code register_type(sm_loader *ld, sm_file *f, xmlNodePtr n, int complex)
{
  char name[CTK_SM_NAME_MAX];
  sm_type *grown;
  sm_type *t;

  if(!attr(n, "name", name, sizeof(name)) || !name[0])
    return sm_fail(ld, f->path, n, "a global type needs a name");
  if(find_type(ld, name))
    return sm_fail(ld, f->path, n, "type %s is defined twice", name);
  grown = realloc(ld->types, (ld->n_types + 1) * sizeof(*grown));
  if(!grown)
    return CTK_E_NOMEM;
  ld->types = grown;
  t = &ld->types[ld->n_types++];
  memset(t, 0, sizeof(*t));
  memcpy(t->name, name, sizeof(name));
  t->node = n;
  t->file = f;
  t->complex = complex;
  return CTK_E_OK;
}

/* The top-level declarations of one schema document, includes followed where they stand. */
static ctk_code read_schema_top(sm_loader *ld, sm_file *f, xmlNodePtr root, const char *entry_tns)
{
  xmlNodePtr n;
  ctk_code result = CTK_E_OK;

  for(n = root->children; n && !result; n = n->next) {
    if(!is_element_node(n))
      continue;
    if(is_xs(n, "include")) {
      char loc[512];
      char path[1024];
      const char *slash = strrchr(f->path, '/');
      if(!attr(n, "schemaLocation", loc, sizeof(loc)) || !loc[0])
        return sm_fail(ld, f->path, n, "xs:include needs a schemaLocation");
      if(loc[0] == '/' || !slash)
        snprintf(path, sizeof(path), "%s", loc);
      else
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - f->path), f->path, loc);
      result = load_file(ld, path, n, f->path, entry_tns);
    }
    else if(is_xs(n, "element"))
      result = register_global(ld, f, n);
    else if(is_xs(n, "complexType"))
      result = register_type(ld, f, n, 1);
    else if(is_xs(n, "simpleType"))
      result = register_type(ld, f, n, 0);
    else if(is_xs(n, "import") || is_xs(n, "redefine") || is_xs(n, "override"))
      result = sm_fail(ld, f->path, n, "xs:%s is not supported: keep every message element in "
                       "the profile's one namespace, with xs:include", (const char *)n->name);
    /* annotations, and definitions (attributes, groups, notations) that are refused where
     * they are used, need nothing here */
  }
  return result;
}

static ctk_code load_file(sm_loader *ld, const char *path, xmlNodePtr from, const char *from_file,
                          const char *entry_tns)
{
  ctk_xml_fault fault;
  sm_file *f;
  xmlNodePtr root;
  char form[32];
  size_t i;

  for(i = 0; i < ld->n_files; i++) {
    if(!strcmp(ld->files[i].path, path))
      return CTK_E_OK;         /* included twice: once is enough */
  }
  if(ld->n_files >= SM_FILES_MAX)
    return sm_fail(ld, from_file ? from_file : path, from, "more than %d schema files",
                   SM_FILES_MAX);
  f = &ld->files[ld->n_files];
  memset(f, 0, sizeof(*f));
  f->path = pool_strdup(ld->m, path);
  if(!f->path)
    return CTK_E_NOMEM;
  f->doc = ctk_xml_parse_file(path, SM_FILE_MAX, &fault);
  if(!f->doc) {
    if(from_file)
      return sm_fail(ld, from_file, from, "cannot read %s: %s", path, fault.text);
    if(!ld->failed && ld->err && ld->errlen)
      snprintf(ld->err, ld->errlen, "%s:%d: %s", path, fault.line, fault.text);
    ld->failed = 1;
    return CTK_E_PROFILE;
  }
  ld->n_files++;
  root = xmlDocGetRootElement(f->doc);
  if(!is_xs(root, "schema"))
    return sm_fail(ld, path, root, "the document element is not xs:schema");
  attr(root, "targetNamespace", f->tns, sizeof(f->tns));
  if(entry_tns && f->tns[0] && strcmp(f->tns, entry_tns))
    return sm_fail(ld, path, root, "targetNamespace %s differs from the entry schema's %s",
                   f->tns, entry_tns);
  if(entry_tns && !f->tns[0])
    ctk_strlcpy(f->tns, entry_tns, sizeof(f->tns)); /* a chameleon takes the includer's */
  f->qualified = attr(root, "elementFormDefault", form, sizeof(form)) &&
                 !strcmp(form, "qualified");
  return read_schema_top(ld, f, root, entry_tns ? entry_tns : f->tns);
}

/* ---------- pass 2: substitution groups ---------- */

static ctk_code link_groups(sm_loader *ld)
{
  size_t i;
  for(i = 0; i < ld->n_globals; i++) {
    sm_global *g = &ld->globals[i];
    char qname[CTK_SM_NAME_MAX * 2];
    const char *ns;
    const char *local;
    sm_global *head;
    size_t depth = 0;

    if(!attr(g->node, "substitutionGroup", qname, sizeof(qname)))
      continue;
    split_qname(g->node, qname, &ns, &local);
    head = own_ns(g->file, ns) ? find_global(ld, local) : NULL;
    if(!head)
      return sm_fail(ld, g->file->path, g->node, "substitutionGroup %s names no global element "
                     "of the profile's schemas", qname);
    g->head = head;
    for(head = g->head; head && depth <= SM_DEPTH_MAX; head = head->head)
      depth++;
    if(depth > SM_DEPTH_MAX)
      return sm_fail(ld, g->file->path, g->node, "substitution groups nested too deep, or in "
                     "a cycle");
  }
  return CTK_E_OK;
}

/* 1 when g stands, directly or through other groups, for head. */
static int in_group(const sm_global *g, const sm_global *head)
{
  int depth = 0;
  for(g = g->head; g && depth <= SM_DEPTH_MAX; g = g->head, depth++) {
    if(g == head)
      return 1;
  }
  return 0;
}

/* ---------- pass 3: contents ---------- */

static ctk_code build_global(sm_loader *ld, sm_global *g);
static ctk_code build_complex(sm_loader *ld, sm_file *f, xmlNodePtr ct, ctk_sm_content *out,
                              int depth);
static ctk_code simple_base(sm_loader *ld, sm_file *f, xmlNodePtr st, char *base, size_t len,
                            int depth);

static ctk_code named_simple_base(sm_loader *ld, sm_type *t, int depth)
{
  if(t->base[0])
    return CTK_E_OK;
  return simple_base(ld, t->file, t->node, t->base, sizeof(t->base), depth + 1);
}

/* The built-in at the root of a simple type (restriction chain); list and union: "string". */
static ctk_code simple_base(sm_loader *ld, sm_file *f, xmlNodePtr st, char *base, size_t len,
                            int depth)
{
  xmlNodePtr n;

  if(depth > SM_DEPTH_MAX)
    return sm_fail(ld, f->path, st, "simple type derived too deep, or in a cycle");
  for(n = st->children; n; n = n->next) {
    if(is_xs(n, "list") || is_xs(n, "union")) {
      ctk_strlcpy(base, "string", len);
      return CTK_E_OK;
    }
    if(is_xs(n, "restriction")) {
      char qname[CTK_SM_NAME_MAX * 2];
      const char *ns;
      const char *local;
      xmlNodePtr inner;
      sm_type *t;
      ctk_code result;

      if(attr(n, "base", qname, sizeof(qname))) {
        split_qname(n, qname, &ns, &local);
        if(!strcmp(ns, XSD_NS)) {
          ctk_strlcpy(base, local, len);
          return CTK_E_OK;
        }
        t = own_ns(f, ns) ? find_type(ld, local) : NULL;
        if(!t || t->complex)
          return sm_fail(ld, f->path, n, "base %s is not a simple type of the profile", qname);
        result = named_simple_base(ld, t, depth);
        if(!result)
          ctk_strlcpy(base, t->base, len);
        return result;
      }
      for(inner = n->children; inner; inner = inner->next) {
        if(is_xs(inner, "simpleType"))
          return simple_base(ld, f, inner, base, len, depth + 1);
      }
      return sm_fail(ld, f->path, n, "xs:restriction without a base");
    }
  }
  return sm_fail(ld, f->path, st, "simple type without restriction, list or union");
}

static ctk_code named_complex(sm_loader *ld, sm_type *t, const ctk_sm_content **out, int depth)
{
  ctk_code result;
  if(!t->content) {
    t->content = pool_alloc(ld->m, sizeof(*t->content));
    if(!t->content)
      return CTK_E_NOMEM;
    result = build_complex(ld, t->file, t->node, t->content, depth + 1);
    if(result)
      return result;
  }
  *out = t->content;
  return CTK_E_OK;
}

/* Fill c's content or base from a type QName (type="..." or an extension base). */
static ctk_code resolve_type(sm_loader *ld, sm_file *f, xmlNodePtr at, const char *qname,
                             ctk_sm_child *c, int depth)
{
  const char *ns;
  const char *local;
  sm_type *t;
  ctk_code result;

  split_qname(at, qname, &ns, &local);
  if(!strcmp(ns, XSD_NS)) {
    if(!strcmp(local, "anyType"))
      return sm_fail(ld, f->path, at, "type xs:anyType allows any content: name the children");
    ctk_strlcpy(c->base, local, sizeof(c->base));
    return CTK_E_OK;
  }
  t = own_ns(f, ns) ? find_type(ld, local) : NULL;
  if(!t)
    return sm_fail(ld, f->path, at, "type %s is not defined by the profile's schemas", qname);
  if(!t->complex) {
    result = named_simple_base(ld, t, depth);
    if(!result)
      ctk_strlcpy(c->base, t->base, sizeof(c->base));
    return result;
  }
  return named_complex(ld, t, &c->content, depth);
}

/* An element's type: type="...", an inline xs:complexType or xs:simpleType, or nothing. */
static ctk_code element_type(sm_loader *ld, sm_file *f, xmlNodePtr el, ctk_sm_child *c,
                             int depth)
{
  char qname[CTK_SM_NAME_MAX * 2];
  xmlNodePtr n;

  if(attr(el, "type", qname, sizeof(qname)))
    return resolve_type(ld, f, el, qname, c, depth);
  for(n = el->children; n; n = n->next) {
    if(is_xs(n, "complexType")) {
      ctk_sm_content *content = pool_alloc(ld->m, sizeof(*content));
      if(!content)
        return CTK_E_NOMEM;
      c->content = content;
      return build_complex(ld, f, n, content, depth + 1);
    }
    if(is_xs(n, "simpleType"))
      return simple_base(ld, f, n, c->base, sizeof(c->base), depth + 1);
  }
  /* no type at all: the ur-type; only an abstract group head may be that vague */
  if(!c->abstract)
    return sm_fail(ld, f->path, el, "element %s has no type", c->name);
  ctk_strlcpy(c->base, "anyType", sizeof(c->base));
  return CTK_E_OK;
}

static ctk_code build_global(sm_loader *ld, sm_global *g)
{
  ctk_code result;
  if(g->state)
    return CTK_E_OK;           /* built, or being built further up the stack */
  g->state = 1;
  result = element_type(ld, g->file, g->node, g->child, 0);
  g->state = 2;
  return result;
}

/* A ref to a group head becomes a choice of its members (and itself unless abstract). */
static ctk_code group_choice(sm_loader *ld, sm_global *head, ctk_sm_child *c)
{
  const ctk_sm_child **alts;
  size_t n = 0;
  size_t i;
  ctk_code result = CTK_E_OK;

  alts = pool_alloc(ld->m, (ld->n_globals + 1) * sizeof(*alts));
  if(!alts)
    return CTK_E_NOMEM;
  if(!head->child->abstract)
    alts[n++] = head->child;
  for(i = 0; i < ld->n_globals && !result; i++) {
    sm_global *g = &ld->globals[i];
    if(!in_group(g, head) || g->child->abstract)
      continue;
    result = build_global(ld, g);
    alts[n++] = g->child;
  }
  c->alternatives = alts;
  c->n_alternatives = n;
  return result;
}

static int has_members(sm_loader *ld, const sm_global *head)
{
  size_t i;
  for(i = 0; i < ld->n_globals; i++) {
    if(in_group(&ld->globals[i], head))
      return 1;
  }
  return 0;
}

/* One xs:element within a content model: local (name=) or a reference (ref=). */
static ctk_code local_element(sm_loader *ld, sm_file *f, xmlNodePtr el, ctk_sm_child *c,
                              int depth)
{
  char value[CTK_SM_NAME_MAX * 2];
  ctk_code result;

  memset(c, 0, sizeof(*c));
  c->file = f->path;
  c->line = (long)xmlGetLineNo(el);
  result = parse_occurs(ld, f, el, &c->min_occurs, &c->max_occurs);
  if(result)
    return result;
  if(attr(el, "ref", value, sizeof(value))) {
    const char *ns;
    const char *local;
    sm_global *g;

    split_qname(el, value, &ns, &local);
    g = own_ns(f, ns) ? find_global(ld, local) : NULL;
    if(!g)
      return sm_fail(ld, f->path, el, "ref %s names no global element of the profile", value);
    ctk_strlcpy(c->name, g->child->name, sizeof(c->name));
    if(g->child->abstract || has_members(ld, g))
      return group_choice(ld, g, c);
    result = build_global(ld, g);
    c->content = g->child->content;
    memcpy(c->base, g->child->base, sizeof(c->base));
    return result;
  }
  if(!attr(el, "name", c->name, sizeof(c->name)) || !c->name[0])
    return sm_fail(ld, f->path, el, "xs:element needs a name or a ref");
  if(attr(el, "form", value, sizeof(value)) ? strcmp(value, "qualified") : !f->qualified)
    return sm_fail(ld, f->path, el, "element %s is unqualified: set elementFormDefault="
                   "\"qualified\" (every message element is in the profile's namespace)",
                   c->name);
  return element_type(ld, f, el, c, depth);
}

static ctk_code add_particles(sm_loader *ld, sm_file *f, xmlNodePtr group, child_vec *v,
                              int depth);

/* xs:choice: one child whose alternatives are the choice's elements. */
static ctk_code add_choice(sm_loader *ld, sm_file *f, xmlNodePtr choice, child_vec *v, int depth)
{
  ctk_sm_child c;
  const ctk_sm_child **alts;
  size_t n = 0;
  size_t cap = 0;
  xmlNodePtr n_el;
  ctk_code result;

  memset(&c, 0, sizeof(c));
  c.file = f->path;
  c.line = (long)xmlGetLineNo(choice);
  result = parse_occurs(ld, f, choice, &c.min_occurs, &c.max_occurs);
  if(result)
    return result;
  for(n_el = choice->children; n_el; n_el = n_el->next)
    cap += is_element_node(n_el);
  alts = pool_alloc(ld->m, (cap + 1) * sizeof(*alts));
  if(!alts)
    return CTK_E_NOMEM;
  for(n_el = choice->children; n_el && !result; n_el = n_el->next) {
    ctk_sm_child *alt;
    if(!is_element_node(n_el) || is_xs(n_el, "annotation"))
      continue;
    if(!is_xs(n_el, "element"))
      return sm_fail(ld, f->path, n_el, "xs:%s inside xs:choice is not supported: a choice "
                     "may only list elements", (const char *)n_el->name);
    alt = pool_alloc(ld->m, sizeof(*alt));
    if(!alt)
      return CTK_E_NOMEM;
    result = local_element(ld, f, n_el, alt, depth);
    alts[n++] = alt;
  }
  if(!result && !n)
    return sm_fail(ld, f->path, choice, "empty xs:choice");
  c.alternatives = alts;
  c.n_alternatives = n;
  return result ? result : vec_push(v, &c);
}

/* The particles of a sequence or an all group, appended to v in order. */
static ctk_code add_particles(sm_loader *ld, sm_file *f, xmlNodePtr group, child_vec *v,
                              int depth)
{
  xmlNodePtr n;
  ctk_code result = CTK_E_OK;

  if(depth > SM_DEPTH_MAX)
    return sm_fail(ld, f->path, group, "content nested too deep");
  for(n = group->children; n && !result; n = n->next) {
    if(!is_element_node(n) || is_xs(n, "annotation"))
      continue;
    if(is_xs(n, "element")) {
      ctk_sm_child c;
      result = local_element(ld, f, n, &c, depth);
      if(!result)
        result = vec_push(v, &c);
    }
    else if(is_xs(n, "sequence")) {
      unsigned min;
      unsigned max;
      result = parse_occurs(ld, f, n, &min, &max);
      if(!result && (min != 1 || max != 1))
        result = sm_fail(ld, f->path, n, "an optional or repeated inner xs:sequence is not "
                         "supported: make its elements optional or repeated instead");
      if(!result)
        result = add_particles(ld, f, n, v, depth + 1);
    }
    else if(is_xs(n, "choice"))
      result = add_choice(ld, f, n, v, depth + 1);
    else
      result = sm_fail(ld, f->path, n, "xs:%s is not supported in a content model (supported: "
                       "xs:element, xs:sequence, xs:choice of elements)", (const char *)n->name);
  }
  return result;
}

/* Attributes: the composer writes none, so only optional ones can be allowed. */
static ctk_code check_attribute(sm_loader *ld, sm_file *f, xmlNodePtr n)
{
  char use[32];
  if(is_xs(n, "anyAttribute"))
    return CTK_E_OK;
  if(is_xs(n, "attribute")) {
    if(attr(n, "use", use, sizeof(use)) && !strcmp(use, "required"))
      return sm_fail(ld, f->path, n, "required attributes are not supported (the composer "
                     "writes element content only)");
    return CTK_E_OK;
  }
  return sm_fail(ld, f->path, n, "xs:attributeGroup is not supported");
}

/* complexContent: an extension appends its particles to its base type's. */
static ctk_code complex_content(sm_loader *ld, sm_file *f, xmlNodePtr cc, child_vec *v,
                                int depth)
{
  xmlNodePtr ext;
  xmlNodePtr n;
  ctk_sm_child base;
  char qname[CTK_SM_NAME_MAX * 2];
  ctk_code result;
  size_t i;

  for(ext = cc->children; ext && !is_xs(ext, "extension"); ext = ext->next) {
    if(is_xs(ext, "restriction"))
      return sm_fail(ld, f->path, ext, "complexContent restriction is not supported: write "
                     "the restricted type out");
  }
  if(!ext || !attr(ext, "base", qname, sizeof(qname)))
    return sm_fail(ld, f->path, cc, "complexContent needs an xs:extension with a base");
  memset(&base, 0, sizeof(base));
  result = resolve_type(ld, f, ext, qname, &base, depth + 1);
  if(result)
    return result;
  if(!base.content)
    return sm_fail(ld, f->path, ext, "extension base %s is not a complex type", qname);
  for(i = 0; i < base.content->count && !result; i++)
    result = vec_push(v, &base.content->children[i]);
  for(n = ext->children; n && !result; n = n->next) {
    if(!is_element_node(n) || is_xs(n, "annotation"))
      continue;
    if(is_xs(n, "sequence") || is_xs(n, "all"))
      result = add_particles(ld, f, n, v, depth + 1);
    else if(is_xs(n, "choice"))
      result = add_choice(ld, f, n, v, depth + 1);
    else
      result = check_attribute(ld, f, n);
  }
  return result;
}

static ctk_code build_complex(sm_loader *ld, sm_file *f, xmlNodePtr ct, ctk_sm_content *out,
                              int depth)
{
  child_vec v;
  xmlNodePtr n;
  char flag[16];
  ctk_code result = CTK_E_OK;
  ctk_sm_child *children;

  if(depth > SM_DEPTH_MAX)
    return sm_fail(ld, f->path, ct, "types nested too deep");
  if(attr(ct, "mixed", flag, sizeof(flag)) && (!strcmp(flag, "true") || !strcmp(flag, "1")))
    return sm_fail(ld, f->path, ct, "mixed content (text between elements) is not supported");
  memset(&v, 0, sizeof(v));
  for(n = ct->children; n && !result; n = n->next) {
    if(!is_element_node(n) || is_xs(n, "annotation"))
      continue;
    if(is_xs(n, "sequence") || is_xs(n, "all"))
      result = add_particles(ld, f, n, &v, depth + 1);
    else if(is_xs(n, "choice"))
      result = add_choice(ld, f, n, &v, depth + 1);
    else if(is_xs(n, "complexContent"))
      result = complex_content(ld, f, n, &v, depth + 1);
    else if(is_xs(n, "simpleContent"))
      result = sm_fail(ld, f->path, n, "simpleContent (text with attributes) is not supported");
    else
      result = check_attribute(ld, f, n);
  }
  if(!result && v.count) {
    children = pool_alloc(ld->m, v.count * sizeof(*children));
    if(!children)
      result = CTK_E_NOMEM;
    else {
      memcpy(children, v.items, v.count * sizeof(*children));
      out->children = children;
      out->count = v.count;
    }
  }
  free(v.items);
  return result;
}

/* ---------- public ---------- */

ctk_code ctk_schema_model_load(const char *entry_path, ctk_schema_model **out, char *err,
                               size_t errlen)
{
  sm_loader ld;
  ctk_code result;
  size_t i;

  *out = NULL;
  if(err && errlen)
    err[0] = '\0';
  ctk_xml_init();
  memset(&ld, 0, sizeof(ld));
  ld.err = err;
  ld.errlen = errlen;
  ld.m = calloc(1, sizeof(*ld.m));
  if(!ld.m)
    return CTK_E_NOMEM;
  result = load_file(&ld, entry_path, NULL, NULL, NULL);
  if(!result)
    result = link_groups(&ld);
  for(i = 0; !result && i < ld.n_globals; i++)
    result = build_global(&ld, &ld.globals[i]);
  for(i = 0; !result && i < ld.n_types; i++) {
    const ctk_sm_content *unused;
    if(ld.types[i].complex)
      result = named_complex(&ld, &ld.types[i], &unused, 0);
    else
      result = named_simple_base(&ld, &ld.types[i], 0);
  }
  if(!result) {
    ld.m->globals = pool_alloc(ld.m, (ld.n_globals + 1) * sizeof(*ld.m->globals));
    if(!ld.m->globals)
      result = CTK_E_NOMEM;
    for(i = 0; !result && i < ld.n_globals; i++)
      ld.m->globals[i] = ld.globals[i].child;
    ld.m->n_globals = ld.n_globals;
  }
  for(i = 0; i < ld.n_files; i++)
    xmlFreeDoc(ld.files[i].doc);
  free(ld.globals);
  free(ld.types);
  if(result) {
    if(result != CTK_E_PROFILE && err && errlen && !err[0])
      snprintf(err, errlen, "%s:0: %s", entry_path, ctk_strerror(result));
    ctk_schema_model_free(ld.m);
    return result;
  }
  *out = ld.m;
  return CTK_E_OK;
}

void ctk_schema_model_free(ctk_schema_model *m)
{
  size_t i;
  if(!m)
    return;
  for(i = 0; i < m->n_blocks; i++)
    free(m->blocks[i]);
  free(m->blocks);
  free(m);
}

const ctk_sm_child *ctk_schema_model_global(const ctk_schema_model *m, const char *name)
{
  size_t i;
  for(i = 0; m && name && i < m->n_globals; i++) {
    if(!strcmp(m->globals[i]->name, name))
      return m->globals[i];
  }
  return NULL;
}

size_t ctk_schema_model_count(const ctk_schema_model *m)
{
  return m ? m->n_globals : 0;
}

const ctk_sm_child *ctk_schema_model_at(const ctk_schema_model *m, size_t i)
{
  return m && i < m->n_globals ? m->globals[i] : NULL;
}

static const ctk_sm_child *find_in(const ctk_sm_content *c, const char *name, int depth)
{
  size_t i;
  size_t j;
  if(!c || depth > SM_DEPTH_MAX)
    return NULL;
  for(i = 0; i < c->count; i++) {
    const ctk_sm_child *k = &c->children[i];
    const ctk_sm_child *hit;
    if(!k->n_alternatives && !strcmp(k->name, name))
      return k;
    for(j = 0; j < k->n_alternatives; j++) {
      if(!strcmp(k->alternatives[j]->name, name))
        return k->alternatives[j];
    }
    hit = find_in(k->content, name, depth + 1);
    if(hit)
      return hit;
  }
  return NULL;
}

const ctk_sm_child *ctk_schema_model_find(const ctk_schema_model *m, const char *name)
{
  const ctk_sm_child *hit = ctk_schema_model_global(m, name);
  size_t i;
  for(i = 0; !hit && m && name && i < m->n_globals; i++)
    hit = find_in(m->globals[i]->content, name, 0);
  return hit;
}

const ctk_sm_child *ctk_sm_child_named(const ctk_sm_content *c, const char *name,
                                       const ctk_sm_child **choice)
{
  size_t i;
  size_t j;
  if(choice)
    *choice = NULL;
  for(i = 0; c && name && i < c->count; i++) {
    const ctk_sm_child *k = &c->children[i];
    if(!k->n_alternatives && !strcmp(k->name, name))
      return k;
    for(j = 0; j < k->n_alternatives; j++) {
      if(!strcmp(k->alternatives[j]->name, name)) {
        if(choice)
          *choice = k;
        return k->alternatives[j];
      }
    }
  }
  return NULL;
}
