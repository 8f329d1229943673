/* ctk_compose: walks the profile's content model (ctk_schema_model) and writes each element in
 * schema order, taking values from the caller's bags or from the profile's sources. Nothing
 * here knows a name of any profile: the model says what comes next, the roles say which of the
 * caller's values it is. */
#include "ctk_compose.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ctk_calendar.h"
#include "ctk_schema_model.h"

#define COMPOSE_DEPTH_MAX 64
#define VALUES_ITEMS_MAX 100000

/* ---------- values ---------- */

typedef enum { VAL_TEXT, VAL_OMIT, VAL_SUB, VAL_ITEMS } val_kind;

typedef struct val_entry {
  char name[CTK_NAME_MAX];
  val_kind kind;
  char *text;                  /* VAL_TEXT */
  ctk_values *sub;             /* VAL_SUB */
  int borrowed;                /* sub belongs to someone else (ctk_compose_request's body) */
  ctk_values **items;          /* VAL_ITEMS */
  size_t n_items;
} val_entry;

struct ctk_values {
  const ctk_profile *p;
  val_entry *entries;
  size_t count;
  size_t cap;
};

ctk_values *ctk_values_new(const ctk_profile *p)
{
  ctk_values *v = calloc(1, sizeof(*v));
  if(v)
    v->p = p;
  return v;
}

static void entry_clear(val_entry *e)
{
  size_t i;
  free(e->text);
  e->text = NULL;
  if(!e->borrowed)
    ctk_values_free(e->sub);
  e->sub = NULL;
  e->borrowed = 0;
  for(i = 0; i < e->n_items; i++)
    ctk_values_free(e->items[i]);
  free(e->items);
  e->items = NULL;
  e->n_items = 0;
}

void ctk_values_free(ctk_values *v)
{
  size_t i;
  if(!v)
    return;
  for(i = 0; i < v->count; i++)
    entry_clear(&v->entries[i]);
  free(v->entries);
  free(v);
}

static val_entry *entry_find(const ctk_values *v, const char *name)
{
  size_t i;
  for(i = 0; v && i < v->count; i++) {
    if(!strcmp(v->entries[i].name, name))
      return &v->entries[i];
  }
  return NULL;
}

/* The entry of name, made empty (kind to be set by the caller) when new. */
static val_entry *entry_get(ctk_values *v, const char *name)
{
  val_entry *e = entry_find(v, name);
  if(e)
    return e;
  if(!name[0] || strlen(name) >= CTK_NAME_MAX)
    return NULL;
  if(v->count == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 4;
    val_entry *grown = realloc(v->entries, cap * sizeof(*grown));
    if(!grown)
      return NULL;
    v->entries = grown;
    v->cap = cap;
  }
  e = &v->entries[v->count++];
  memset(e, 0, sizeof(*e));
  memcpy(e->name, name, strlen(name) + 1);
  e->kind = VAL_OMIT;
  return e;
}

static const char *role_name(const ctk_values *v, ctk_element_role r)
{
  if(!v || (unsigned)r >= CTK_EL__COUNT)
    return NULL;
  return v->p->el[r][0] ? v->p->el[r] : NULL;
}

ctk_code ctk_values_set_name(ctk_values *v, const char *element, const char *text)
{
  val_entry *e;
  char *copy;

  if(!v || !element || !text)
    return CTK_E_INVAL;
  copy = strdup(text);
  e = copy ? entry_get(v, element) : NULL;
  if(!e) {
    free(copy);
    return CTK_E_NOMEM;
  }
  entry_clear(e);
  e->kind = VAL_TEXT;
  e->text = copy;
  return CTK_E_OK;
}

ctk_code ctk_values_set(ctk_values *v, ctk_element_role r, const char *text)
{
  const char *name = role_name(v, r);
  if(!v || !text)
    return CTK_E_INVAL;
  return name ? ctk_values_set_name(v, name, text) : CTK_E_NOTFOUND;
}

ctk_code ctk_values_omit_name(ctk_values *v, const char *element)
{
  val_entry *e = v && element ? entry_get(v, element) : NULL;
  if(!e)
    return CTK_E_NOMEM;
  entry_clear(e);
  e->kind = VAL_OMIT;
  return CTK_E_OK;
}

ctk_code ctk_values_omit(ctk_values *v, ctk_element_role r)
{
  const char *name = role_name(v, r);
  return name ? ctk_values_omit_name(v, name) : CTK_E_NOTFOUND;
}

ctk_values *ctk_values_sub_name(ctk_values *v, const char *element)
{
  val_entry *e = v && element ? entry_get(v, element) : NULL;
  if(!e)
    return NULL;
  if(e->kind == VAL_SUB && !e->borrowed)
    return e->sub;
  entry_clear(e);
  e->sub = ctk_values_new(v->p);
  e->kind = e->sub ? VAL_SUB : VAL_OMIT;
  return e->sub;
}

ctk_values *ctk_values_sub(ctk_values *v, ctk_element_role r)
{
  const char *name = role_name(v, r);
  return name ? ctk_values_sub_name(v, name) : NULL;
}

ctk_values *ctk_values_item_name(ctk_values *v, const char *element)
{
  val_entry *e = v && element ? entry_get(v, element) : NULL;
  ctk_values **grown;
  ctk_values *item;

  if(!e)
    return NULL;
  if(e->kind != VAL_ITEMS) {
    entry_clear(e);
    e->kind = VAL_ITEMS;
  }
  if(e->n_items >= VALUES_ITEMS_MAX)
    return NULL;
  grown = realloc(e->items, (e->n_items + 1) * sizeof(*grown));
  if(!grown)
    return NULL;
  e->items = grown;
  item = ctk_values_new(v->p);
  if(item)
    e->items[e->n_items++] = item;
  return item;
}

ctk_values *ctk_values_item(ctk_values *v, ctk_element_role r)
{
  const char *name = role_name(v, r);
  return name ? ctk_values_item_name(v, name) : NULL;
}

/* A bag of someone else's under name, not freed with v. */
static ctk_code values_link(ctk_values *v, const char *name, const ctk_values *sub)
{
  val_entry *e = entry_get(v, name);
  if(!e)
    return CTK_E_NOMEM;
  entry_clear(e);
  e->kind = VAL_SUB;
  e->sub = (ctk_values *)sub;
  e->borrowed = 1;
  return CTK_E_OK;
}

static ctk_code node_values(ctk_values *v, ctk_element_role r, const ctk_node *n)
{
  static const ctk_value_role level_role[] = {
    [CTK_LEVEL_MINISTRY] = CTK_V_LEVEL_MINISTRY,
    [CTK_LEVEL_PROVINCE] = CTK_V_LEVEL_PROVINCE,
    [CTK_LEVEL_CITY] = CTK_V_LEVEL_CITY,
  };
  ctk_values *sub = ctk_values_sub(v, r);
  ctk_code result;

  if(!sub)
    return CTK_E_NOMEM;
  result = n->region[0] ? ctk_values_set(sub, CTK_EL_NODE_REGION, n->region) : CTK_E_OK;
  if(!result && n->level >= CTK_LEVEL_MINISTRY && n->level <= CTK_LEVEL_CITY)
    result = ctk_values_set(sub, CTK_EL_NODE_LEVEL, ctk_val(v->p, level_role[n->level]));
  return result;
}

ctk_code ctk_values_head(ctk_values *v, const ctk_head *h)
{
  ctk_code result;
  if(!v || !h)
    return CTK_E_INVAL;
  result = ctk_values_set(v, CTK_EL_MSG_ID, h->msg_id);
  if(!result)
    result = ctk_values_set(v, CTK_EL_INTERFACE_CODE, h->interface_code);
  if(!result)
    result = node_values(v, CTK_EL_SENDER, &h->sender);
  if(!result)
    result = node_values(v, CTK_EL_RECEIVER, &h->receiver);
  if(!result)
    result = ctk_values_set(v, CTK_EL_SEND_TIME, h->send_time);
  if(!result)
    result = ctk_values_set(v, CTK_EL_PROFILE_VERSION,
                            h->profile_version[0] ? h->profile_version : v->p->version);
  if(!result && h->correl_id[0])
    result = ctk_values_set(v, CTK_EL_CORREL_ID, h->correl_id);
  return result;
}

/* ---------- sources ---------- */

static atomic_ulong template_counter;

/* One {name:arg} of a template at *tpl (past the brace): its parts; NULL when malformed. */
static const char *template_field(const char *tpl, char *name, size_t namelen, char *arg,
                                  size_t arglen)
{
  const char *colon = strchr(tpl, ':');
  const char *close = strchr(tpl, '}');
  if(!colon || !close || colon > close || (size_t)(colon - tpl) >= namelen ||
     (size_t)(close - colon - 1) >= arglen)
    return NULL;
  memcpy(name, tpl, (size_t)(colon - tpl));
  name[colon - tpl] = '\0';
  memcpy(arg, colon + 1, (size_t)(close - colon - 1));
  arg[close - colon - 1] = '\0';
  return close + 1;
}

/* The N of {seq:N} or {rand:N}: 1..max, else -1. */
static int template_width(const char *arg, int max)
{
  char *end = NULL;
  long n = strtol(arg, &end, 10);
  return (end && !*end && n >= 1 && n <= max) ? (int)n : -1;
}

int ctk_compose_template_check(const char *tpl, char *why, size_t whylen)
{
  char name[16];
  char arg[64];

  while(tpl && *tpl) {
    if(*tpl == '}') {
      snprintf(why, whylen, "a '}' without its '{'");
      return -1;
    }
    if(*tpl != '{') {
      tpl++;
      continue;
    }
    tpl = template_field(tpl + 1, name, sizeof(name), arg, sizeof(arg));
    if(!tpl) {
      snprintf(why, whylen, "a field is not {now:FORMAT}, {seq:N} or {rand:N}");
      return -1;
    }
    if(!strcmp(name, "now") ? !arg[0]
       : !strcmp(name, "seq") ? template_width(arg, 18) < 0
       : !strcmp(name, "rand") ? template_width(arg, 32) < 0 : 1) {
      snprintf(why, whylen, "{%s:%s} is not {now:FORMAT}, {seq:1..18} or {rand:1..32}", name,
               arg);
      return -1;
    }
  }
  return 0;
}

static ctk_code template_piece(ctk_buf *b, const char *name, const char *arg)
{
  char text[80];
  int width;

  if(!strcmp(name, "now")) {
    time_t now = time(NULL) + CTK_BEIJING_OFFSET_S;
    struct tm tm;
    gmtime_r(&now, &tm);
    if(!strftime(text, sizeof(text), arg, &tm))
      return CTK_E_TOOBIG;
    return ctk_buf_adds(b, text);
  }
  if(!strcmp(name, "seq")) {
    unsigned long long n = atomic_fetch_add(&template_counter, 1);
    unsigned long long mod = 1;
    width = template_width(arg, 18);
    for(int i = 0; i < width; i++)
      mod *= 10;
    return ctk_buf_printf(b, "%0*llu", width, n % mod);
  }
  width = template_width(arg, 32);
  {
    unsigned char bytes[16];
    char hex[33];
    if(getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
      return CTK_E_INTERNAL;
    ctk_hex(bytes, sizeof(bytes), hex);
    return ctk_buf_add(b, hex, (size_t)width);
  }
}

ctk_code ctk_compose_template(const char *tpl, char *out, size_t outlen)
{
  ctk_buf b;
  ctk_code result = CTK_E_OK;
  char why[128];

  if(ctk_compose_template_check(tpl, why, sizeof(why)))
    return CTK_E_INVAL;
  ctk_buf_init(&b, outlen);
  while(*tpl && !result) {
    char name[16];
    char arg[64];
    if(*tpl != '{') {
      size_t run = strcspn(tpl, "{");
      result = ctk_buf_add(&b, tpl, run);
      tpl += run;
      continue;
    }
    tpl = template_field(tpl + 1, name, sizeof(name), arg, sizeof(arg));
    result = template_piece(&b, name, arg);
  }
  if(!result)
    result = ctk_strlcpy(out, ctk_buf_str(&b), outlen);
  ctk_buf_free(&b);
  return result;
}

ctk_code ctk_compose_source_value(const ctk_profile *p, const ctk_source *s, char *out,
                                  size_t outlen)
{
  switch(s->kind) {
  case CTK_SOURCE_NOW:
    ctk_profile_now(p, out, outlen);
    return out[0] ? CTK_E_OK : CTK_E_TOOBIG;
  case CTK_SOURCE_GENERATED:
    return ctk_compose_template(s->value, out, outlen);
  case CTK_SOURCE_CONSTANT:
  case CTK_SOURCE_CODE:
  default:
    return ctk_strlcpy(out, s->value, outlen);
  }
}

/* ---------- composing ---------- */

typedef struct scope {
  const ctk_values *v;
  const struct scope *up;
} scope;

typedef struct composer {
  const ctk_profile *p;
  char *err;
  size_t errlen;
  int failed;
  unsigned long explicit_given; /* bags and lists met: what makes an optional element appear */
  int trial;                   /* > 0 while an optional element is written on trial: failures
                                  are counted, not described, and do not stop the walk */
} composer;

static ctk_code compose_fail(composer *c, ctk_code code, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static ctk_code compose_fail(composer *c, ctk_code code, const char *fmt, ...)
{
  va_list ap;
  if(c->failed)
    return code;
  c->failed = 1;
  if(c->err && c->errlen && !c->trial) {
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

static const val_entry *lookup(const scope *s, const char *name)
{
  for(; s; s = s->up) {
    const val_entry *e = entry_find(s->v, name);
    if(e)
      return e;
  }
  return NULL;
}

static ctk_code compose_content(composer *c, xmlNodePtr node, const ctk_sm_content *content,
                                const scope *s, int depth);

static xmlNodePtr add_child(xmlNodePtr parent, const char *name, const char *text)
{
  return xmlNewTextChild(parent, parent->ns, (const xmlChar *)name, (const xmlChar *)text);
}

/* One occurrence of an element with children, its values in bag (NULL: the scope's). */
static ctk_code compose_complex(composer *c, xmlNodePtr parent, const ctk_sm_child *decl,
                                const ctk_values *bag, const scope *s, int isolated,
                                int depth)
{
  scope inner;
  xmlNodePtr node;

  if(depth > COMPOSE_DEPTH_MAX)
    return compose_fail(c, CTK_E_TOOBIG, "%s: nested deeper than %d", decl->name,
                        COMPOSE_DEPTH_MAX);
  node = add_child(parent, decl->name, NULL);
  if(!node)
    return compose_fail(c, CTK_E_NOMEM, "out of memory");
  inner.v = bag;
  inner.up = isolated ? NULL : s;
  return compose_content(c, node, decl->content, bag ? &inner : s, depth + 1);
}

/* An optional element with children appears only when the caller gave a bag or a list for
 * something inside it; so it is written on trial, walking all of it to find out, and taken
 * back when nothing was given. When something was and a value is missing, it is written again
 * outside the trial, for the error to say what. */
static ctk_code compose_optional(composer *c, xmlNodePtr parent, const ctk_sm_child *decl,
                                 const scope *s, int depth)
{
  unsigned long before = c->explicit_given;
  int failed_before = c->failed;
  ctk_code result;
  xmlNodePtr made;

  c->trial++;
  result = compose_complex(c, parent, decl, NULL, s, 0, depth);
  c->trial--;
  if(c->explicit_given != before && !result)
    return CTK_E_OK;
  made = parent->last;
  if(made && made->type == XML_ELEMENT_NODE && !strcmp((const char *)made->name, decl->name)) {
    xmlUnlinkNode(made);
    xmlFreeNode(made);
  }
  c->failed = failed_before;
  if(c->explicit_given == before || c->trial)
    return c->explicit_given == before ? CTK_E_OK : result;
  return compose_complex(c, parent, decl, NULL, s, 0, depth);
}

/* A mandatory leaf nobody gave: the profile's source for it, else an error naming it. */
static ctk_code compose_sourced(composer *c, xmlNodePtr parent, const ctk_sm_child *decl)
{
  const ctk_source *src = ctk_profile_source(c->p, decl->name, (const char *)parent->name);
  char value[512];
  ctk_code result;

  if(!src)
    return compose_fail(c, CTK_E_NOTFOUND, "no value for mandatory element %s/%s: give it, or "
                        "declare <source element=\"%s\" .../> in roles.xml",
                        (const char *)parent->name, decl->name, decl->name);
  result = ctk_compose_source_value(c->p, src, value, sizeof(value));
  if(result)
    return compose_fail(c, result, "%s/%s: the source on roles.xml line %ld gives no value: %s",
                        (const char *)parent->name, decl->name, src->line,
                        ctk_strerror(result));
  return add_child(parent, decl->name, value) ? CTK_E_OK
                                               : compose_fail(c, CTK_E_NOMEM, "out of memory");
}

static ctk_code compose_items(composer *c, xmlNodePtr parent, const ctk_sm_child *decl,
                              const val_entry *e, const scope *s, int depth)
{
  size_t i;
  ctk_code result = CTK_E_OK;

  c->explicit_given++;          /* a list makes its optional ancestors appear, even to fail */
  if(e->n_items > decl->max_occurs)
    return compose_fail(c, CTK_E_TOOBIG, "%s/%s: %zu given, at most %u allowed",
                        (const char *)parent->name, decl->name, e->n_items, decl->max_occurs);
  if(e->n_items < decl->min_occurs)
    return compose_fail(c, CTK_E_INVAL, "%s/%s: %zu given, at least %u needed",
                        (const char *)parent->name, decl->name, e->n_items, decl->min_occurs);
  for(i = 0; i < e->n_items && !result; i++) {
    if(ctk_sm_is_leaf(decl)) {
      const val_entry *text = entry_find(e->items[i], decl->name);
      if(!text || text->kind != VAL_TEXT)
        return compose_fail(c, CTK_E_INVAL, "%s/%s: item %zu has no text for %s",
                            (const char *)parent->name, decl->name, i + 1, decl->name);
      if(!add_child(parent, decl->name, text->text))
        return compose_fail(c, CTK_E_NOMEM, "out of memory");
    }
    else
      result = compose_complex(c, parent, decl, e->items[i], s, 1, depth);
  }
  return result;
}

/* One element declaration of a content: zero, one or more occurrences. */
static ctk_code compose_decl(composer *c, xmlNodePtr parent, const ctk_sm_child *decl,
                             unsigned min_occurs, const scope *s, int depth)
{
  const val_entry *e = lookup(s, decl->name);

  if(e && e->kind == VAL_OMIT)
    return CTK_E_OK;
  if(e && e->kind == VAL_ITEMS)
    return compose_items(c, parent, decl, e, s, depth);
  if(ctk_sm_is_leaf(decl)) {
    if(e && e->kind == VAL_SUB)
      return compose_fail(c, CTK_E_INVAL, "%s/%s is a leaf: give it a text, not a bag",
                          (const char *)parent->name, decl->name);
    if(e && (e->text[0] || min_occurs))
      return add_child(parent, decl->name, e->text) ? CTK_E_OK
                                                     : compose_fail(c, CTK_E_NOMEM, "out of memory");
    return min_occurs ? compose_sourced(c, parent, decl) : CTK_E_OK;
  }
  if(e && e->kind == VAL_TEXT)
    return compose_fail(c, CTK_E_INVAL, "%s/%s has children: give it a bag, not a text",
                        (const char *)parent->name, decl->name);
  if(e) {
    c->explicit_given++;
    return compose_complex(c, parent, decl, e->sub, s, 0, depth);
  }
  if(min_occurs)
    return compose_complex(c, parent, decl, NULL, s, 0, depth);
  return compose_optional(c, parent, decl, s, depth);
}

/* A choice: the alternative the values name. */
static ctk_code compose_choice(composer *c, xmlNodePtr parent, const ctk_sm_child *choice,
                               const scope *s, int depth)
{
  size_t i;
  char names[256] = "";
  ctk_buf list;

  for(i = 0; i < choice->n_alternatives; i++) {
    const val_entry *e = lookup(s, choice->alternatives[i]->name);
    if(e && e->kind != VAL_OMIT)
      return compose_decl(c, parent, choice->alternatives[i], 1, s, depth);
  }
  if(!choice->min_occurs)
    return CTK_E_OK;
  if(c->trial)
    return compose_fail(c, CTK_E_NOTFOUND, "no choice");
  ctk_buf_init(&list, sizeof(names) - 1);
  for(i = 0; i < choice->n_alternatives; i++)
    ctk_buf_printf(&list, "%s%s", i ? ", " : "", choice->alternatives[i]->name);
  ctk_strlcpy(names, ctk_buf_str(&list), sizeof(names));
  ctk_buf_free(&list);
  return compose_fail(c, CTK_E_NOTFOUND, "no value for the choice in %s: give one of %s",
                      (const char *)parent->name, names[0] ? names : "(none declared)");
}

static ctk_code compose_content(composer *c, xmlNodePtr node, const ctk_sm_content *content,
                                const scope *s, int depth)
{
  size_t i;
  ctk_code result = CTK_E_OK;

  /* on trial the walk goes on past a failure: a list further on decides the element */
  for(i = 0; content && i < content->count && (!result || c->trial); i++) {
    const ctk_sm_child *k = &content->children[i];
    ctk_code r = k->n_alternatives ? compose_choice(c, node, k, s, depth)
                                   : compose_decl(c, node, k, k->min_occurs, s, depth);
    if(!result)
      result = r;
  }
  return result;
}

/* Fill node (already made for decl) from v. */
static ctk_code compose_into(const ctk_profile *p, xmlNodePtr node, const ctk_sm_child *decl,
                             const ctk_values *v, char *err, size_t errlen)
{
  composer c;
  scope s;
  ctk_code result;

  memset(&c, 0, sizeof(c));
  c.p = p;
  c.err = err;
  c.errlen = errlen;
  if(err && errlen)
    err[0] = '\0';
  s.v = v;
  s.up = NULL;
  if(ctk_sm_is_leaf(decl)) {
    /* a leaf on its own: its value, else its source */
    const val_entry *e = entry_find(v, decl->name);
    const ctk_source *src = ctk_profile_source(p, decl->name, node->parent &&
                                               node->parent->type == XML_ELEMENT_NODE
                                                 ? (const char *)node->parent->name : NULL);
    char value[512];
    if(e && e->kind == VAL_TEXT) {
      xmlNodeAddContent(node, (const xmlChar *)e->text);
      return CTK_E_OK;
    }
    if(src && !ctk_compose_source_value(p, src, value, sizeof(value))) {
      xmlNodeAddContent(node, (const xmlChar *)value);
      return CTK_E_OK;
    }
    return compose_fail(&c, CTK_E_NOTFOUND, "no value for element %s", decl->name);
  }
  result = compose_content(&c, node, decl->content, &s, 1);
  if(result && err && errlen && !err[0])
    snprintf(err, errlen, "%s: %s", decl->name, ctk_strerror(result));
  return result;
}

ctk_code ctk_compose_document(const ctk_profile *p, const char *name, const ctk_values *v,
                              xmlDocPtr *out, char *err, size_t errlen)
{
  const ctk_sm_child *decl = ctk_schema_model_global(p->model, name);
  xmlDocPtr doc;
  xmlNodePtr root;
  ctk_code result;

  *out = NULL;
  if(!decl) {
    snprintf(err, errlen, "%s is not a global element of the profile's schemas", name);
    return CTK_E_NOTFOUND;
  }
  doc = xmlNewDoc((const xmlChar *)"1.0");
  root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)decl->name, NULL) : NULL;
  if(!root) {
    xmlFreeDoc(doc);
    snprintf(err, errlen, "out of memory");
    return CTK_E_NOMEM;
  }
  xmlDocSetRootElement(doc, root);
  xmlSetNs(root, xmlNewNs(root, (const xmlChar *)p->ns, NULL));
  result = compose_into(p, root, decl, v, err, errlen);
  if(result) {
    xmlFreeDoc(doc);
    return result;
  }
  *out = doc;
  return CTK_E_OK;
}

ctk_code ctk_compose_element(const ctk_profile *p, xmlNodePtr parent, const char *name,
                             const ctk_values *v, xmlNodePtr *out, char *err, size_t errlen)
{
  const ctk_sm_child *decl = NULL;
  const ctk_sm_child *in;
  xmlNodePtr node;
  ctk_code result;

  *out = NULL;
  in = parent ? ctk_schema_model_find(p->model, (const char *)parent->name) : NULL;
  if(in)
    decl = ctk_sm_child_named(in->content, name, NULL);
  if(!decl)
    decl = ctk_schema_model_find(p->model, name);
  if(!decl || !parent) {
    snprintf(err, errlen, "%s is not an element of the profile's schemas%s", name,
             parent ? "" : " (or no parent given)");
    return CTK_E_NOTFOUND;
  }
  node = add_child(parent, decl->name, NULL);
  if(!node) {
    snprintf(err, errlen, "out of memory");
    return CTK_E_NOMEM;
  }
  result = compose_into(p, node, decl, v, err, errlen);
  if(result) {
    xmlUnlinkNode(node);
    xmlFreeNode(node);
    return result;
  }
  *out = node;
  return CTK_E_OK;
}

ctk_code ctk_compose_msg_body(const ctk_profile *p, ctk_msg *m, const ctk_values *v, char *err,
                              size_t errlen)
{
  xmlNodePtr parent;
  xmlNodePtr body;
  ctk_code result;

  if(!m || !m->body || !m->body->parent) {
    snprintf(err, errlen, "the message has no body element to compose");
    return CTK_E_INVAL;
  }
  parent = m->body->parent;
  result = ctk_compose_element(p, parent, (const char *)m->body->name, v, &body, err, errlen);
  if(result)
    return result;
  xmlUnlinkNode(m->body);
  xmlFreeNode(m->body);
  m->body = body;
  return CTK_E_OK;
}

/* The root's bag: the head's values, and each of extra (role, name of child, its bag). */
static ctk_code compose_envelope(const ctk_profile *p, ctk_element_role root, const ctk_head *h,
                                 ctk_values *top, const char *body_element,
                                 const ctk_values *body, xmlDocPtr *out, char *err,
                                 size_t errlen)
{
  ctk_values *head = ctk_values_sub(top, CTK_EL_HEAD);
  ctk_code result = head ? ctk_values_head(head, h) : CTK_E_NOMEM;

  if(!result && body_element && body_element[0]) {
    ctk_values *b = ctk_values_sub(top, CTK_EL_BODY);
    result = b ? values_link(b, body_element, body) : CTK_E_NOMEM;
  }
  if(result) {
    snprintf(err, errlen, "%s", ctk_strerror(result));
    return result;
  }
  return ctk_compose_document(p, ctk_el(p, root), top, out, err, errlen);
}

ctk_code ctk_compose_request(const ctk_profile *p, const ctk_head *h, const ctk_values *body,
                             xmlDocPtr *out, char *err, size_t errlen)
{
  const ctk_interface *in = ctk_profile_interface(p, h->interface_code);
  ctk_values *top = ctk_values_new(p);
  ctk_values *empty = NULL;
  ctk_code result;

  *out = NULL;
  if(!in || !top) {
    ctk_values_free(top);
    snprintf(err, errlen, in ? "out of memory" : "interface %s is not in the catalog",
             h->interface_code);
    return in ? CTK_E_NOMEM : CTK_E_NOTFOUND;
  }
  if(!body)
    body = empty = ctk_values_new(p);
  result = body ? compose_envelope(p, CTK_EL_MESSAGE, h, top, in->request_element, body, out,
                                   err, errlen)
                : CTK_E_NOMEM;
  ctk_values_free(empty);
  ctk_values_free(top);
  return result;
}

ctk_code ctk_compose_answer(const ctk_profile *p, const ctk_head *h, const ctk_outcome *o,
                            const ctk_values *body, xmlDocPtr *out, char *err, size_t errlen)
{
  const ctk_interface *in = ctk_profile_interface(p, h->interface_code);
  ctk_values *top = ctk_values_new(p);
  ctk_values *result_bag = top ? ctk_values_sub(top, CTK_EL_RESULT) : NULL;
  ctk_code result = result_bag ? CTK_E_OK : CTK_E_NOMEM;

  *out = NULL;
  if(!result)
    result = ctk_values_set(result_bag, CTK_EL_RESULT_CODE, o->code);
  if(!result)
    result = ctk_values_set(result_bag, CTK_EL_RESULT_TEXT, o->text[0] ? o->text : "-");
  if(!result && o->where[0])
    result = ctk_values_set(result_bag, CTK_EL_RESULT_WHERE, o->where);
  if(!result && o->requirement[0])
    result = ctk_values_set(result_bag, CTK_EL_RESULT_REQUIREMENT, o->requirement);
  if(result) {
    ctk_values_free(top);
    snprintf(err, errlen, "%s", ctk_strerror(result));
    return result;
  }
  result = compose_envelope(p, CTK_EL_ANSWER, h, top,
                            body && in ? in->answer_element : NULL, body, out, err, errlen);
  ctk_values_free(top);
  return result;
}

xmlNodePtr ctk_compose_body(const ctk_profile *p, xmlDocPtr doc)
{
  xmlNodePtr body = doc ? ctk_xml_child(xmlDocGetRootElement(doc), ctk_el(p, CTK_EL_BODY)) : NULL;
  return body ? xmlFirstElementChild(body) : NULL;
}

ctk_code ctk_compose_check(const ctk_profile *p, xmlDocPtr doc, const ctk_head *h,
                           const ctk_outcome *o, ctk_problems *out)
{
  ctk_msg m;
  memset(&m, 0, sizeof(m));
  m.doc = doc;
  m.head = *h;
  m.is_answer = o != NULL;
  if(o)
    m.outcome = *o;
  m.body = ctk_compose_body(p, doc);
  return ctk_validate_msg(p, &m, out);
}

/* ---------- the wire ---------- */

ctk_code ctk_compose_encode(const ctk_profile *p, xmlDocPtr doc, int is_answer, ctk_binding b,
                            ctk_encoding e, ctk_buf *out)
{
  ctk_msg wire;

  /* the message codec's encoder: the same bytes, SOAP wrapper included, as every sender */
  memset(&wire, 0, sizeof(wire));
  wire.profile = p;
  wire.is_answer = is_answer;
  wire.doc = doc;
  return ctk_msg_encode(p, &wire, b, e, out);
}

/* ---------- schema order for documents built by hand ---------- */

#define CONFORM_CHILDREN_MAX 256
#define CONFORM_DEPTH_MAX 64

/* Where child stands in content c (a choice's alternatives stand where the choice does);
 * children c does not have go after every known one, in their own order. */
static size_t conform_rank(const ctk_sm_content *c, const xmlNode *child, size_t position)
{
  const ctk_sm_child *choice = NULL;
  const ctk_sm_child *d = ctk_sm_child_named(c, (const char *)child->name, &choice);
  if(choice)
    d = choice;
  return d ? (size_t)(d - c->children) : c->count + position;
}

static const xmlNode *conform_child(const xmlNode *e, const char *name)
{
  const xmlNode *k;
  for(k = e->children; k; k = k->next) {
    if(k->type == XML_ELEMENT_NODE && !strcmp((const char *)k->name, name))
      return k;
  }
  return NULL;
}

/* A mandatory leaf of c that e lacks and a source of p fills: its declaration, else NULL. */
static const ctk_sm_child *conform_missing(const ctk_profile *p, const xmlNode *e,
                                           const ctk_sm_content *c, size_t from)
{
  size_t i;
  for(i = from; i < c->count; i++) {
    const ctk_sm_child *d = &c->children[i];
    if(d->min_occurs && ctk_sm_is_leaf(d) && !conform_child(e, d->name) &&
       ctk_profile_source(p, d->name, (const char *)e->name))
      return d;
  }
  return NULL;
}

static int in_order(const ctk_profile *p, const xmlNode *e, const ctk_sm_content *c, int depth)
{
  const xmlNode *k;
  size_t last = 0, position = 0;

  if(!c || depth > CONFORM_DEPTH_MAX)
    return 1;
  for(k = e->children; k; k = k->next) {
    const ctk_sm_child *d;
    size_t rank;
    if(k->type != XML_ELEMENT_NODE)
      continue;
    rank = conform_rank(c, k, position++);
    if(rank < last)
      return 0;
    last = rank;
    d = ctk_sm_child_named(c, (const char *)k->name, NULL);
    if(d && !in_order(p, k, d->content, depth + 1))
      return 0;
  }
  return 1;
}

static void fill_sources(const ctk_profile *p, xmlNodePtr e, const ctk_sm_content *c)
{
  const ctk_sm_child *missing;
  for(missing = conform_missing(p, e, c, 0); missing;
      missing = conform_missing(p, e, c, (size_t)(missing - c->children) + 1)) {
    const ctk_source *src = ctk_profile_source(p, missing->name, (const char *)e->name);
    char value[256];
    if(ctk_compose_source_value(p, src, value, sizeof(value)) == CTK_E_OK)
      xmlNewTextChild(e, e->ns, (const xmlChar *)missing->name, (const xmlChar *)value);
  }
}

void ctk_compose_fill_sources(const ctk_profile *p, xmlNodePtr e)
{
  const ctk_sm_child *d;
  if(!p || !p->model || !e || p->n_sources == 0)
    return;
  d = ctk_schema_model_find(p->model, (const char *)e->name);
  if(d && d->content)
    fill_sources(p, e, d->content);
}

typedef struct conform_hook {
  ctk_compose_visit_fn fn;
  void *ctx;
} conform_hook;

static void conform(const ctk_profile *p, xmlNodePtr e, const ctk_sm_content *c, int depth,
                    const conform_hook *hook)
{
  xmlNodePtr kids[CONFORM_CHILDREN_MAX];
  size_t ranks[CONFORM_CHILDREN_MAX];
  size_t n = 0, i, j;
  xmlNodePtr k;

  if(!c || depth > CONFORM_DEPTH_MAX)
    return;
  if(hook && hook->fn)
    hook->fn(hook->ctx, e, c);
  for(k = e->children; k; k = k->next) {
    if(k->type != XML_ELEMENT_NODE)
      continue;
    if(n == CONFORM_CHILDREN_MAX)
      return;                  /* more children than a message has: left as they are */
    ranks[n] = conform_rank(c, k, n);
    kids[n++] = k;
  }
  for(i = 1; i < n; i++) {     /* insertion sort: stable, and n is small */
    xmlNodePtr kid = kids[i];
    size_t rank = ranks[i];
    for(j = i; j > 0 && ranks[j - 1] > rank; j--) {
      kids[j] = kids[j - 1];
      ranks[j] = ranks[j - 1];
    }
    kids[j] = kid;
    ranks[j] = rank;
  }
  for(i = 0; i < n; i++) {
    const ctk_sm_child *d = ctk_sm_child_named(c, (const char *)kids[i]->name, NULL);
    xmlUnlinkNode(kids[i]);
    xmlAddChild(e, kids[i]);
    if(d)
      conform(p, kids[i], d->content, depth + 1, hook);
  }
}

static const ctk_sm_child *conform_root(const ctk_profile *p, const xmlNode *root)
{
  if(!p || !p->model || !root || root->type != XML_ELEMENT_NODE)
    return NULL;
  return ctk_schema_model_global(p->model, (const char *)root->name);
}

int ctk_compose_in_order(const ctk_profile *p, const xmlNode *root)
{
  const ctk_sm_child *g = conform_root(p, root);
  return !g || in_order(p, root, g->content, 0);
}

void ctk_compose_conform(const ctk_profile *p, xmlNodePtr root)
{
  const ctk_sm_child *g = conform_root(p, root);
  if(g && !in_order(p, root, g->content, 0))
    conform(p, root, g->content, 0, NULL);
}

void ctk_compose_conform_visit(const ctk_profile *p, xmlNodePtr root, ctk_compose_visit_fn fn,
                               void *ctx)
{
  const ctk_sm_child *g = conform_root(p, root);
  conform_hook hook = { fn, ctx };
  if(g)
    conform(p, root, g->content, 0, &hook);
}

void ctk_compose_fill_content(const ctk_profile *p, xmlNodePtr e, const ctk_sm_content *c)
{
  if(p && e && c && p->n_sources)
    fill_sources(p, e, c);
}
