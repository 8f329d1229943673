/* ctk_translate: one profile's vocabulary into another's, lexically (see the header for why). */
#include "ctk_translate.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ctk_compose.h"
#include "ctk_file.h"
#include "ctk_msg.h"
#include "ctk_schema_model.h"
#include "ctk_validate.h"

/* What the text of an element is, so that its value can be carried over. */
typedef enum {
  VALUE_FREE,                  /* free text: copied */
  VALUE_INTERFACE,             /* an interface code */
  VALUE_STATE,                 /* a state code */
  VALUE_LEVEL,                 /* a node level code */
  VALUE_RESULT,                /* a result code */
  VALUE_VERSION,               /* the profile version */
  VALUE_CODESET,               /* a value of a code set (catalog.xml's code fields) */
  VALUE_FORMAT                 /* a value with a field format (formats.csv) */
} value_kind;

/* A name of from that several roles share may have several names in to (the baseline's
 * Region is the node's and the statistics' region; the variant names them apart): the text
 * pass writes the first, the schema pass picks the one to's content model has there. */
#define TRANSLATE_ALTERNATIVES_MAX 4

typedef struct name_map {
  const char *from;            /* local name in from */
  const char *to;              /* local name in to (the first role's) */
  const char *alternatives[TRANSLATE_ALTERNATIVES_MAX]; /* every name in to, to first */
  size_t n_alternatives;
  value_kind kind;
} name_map;

/* Elements: every element role, and every interface's request and answer element. */
#define TRANSLATE_NAMES_MAX (CTK_EL__COUNT + 64)
/* Longest value and tag name a translation looks at; longer ones are copied as they are. */
#define TRANSLATE_VALUE_MAX 256

struct ctk_translate {
  const ctk_profile *from;
  const ctk_profile *to;
  name_map names[TRANSLATE_NAMES_MAX];
  size_t n_names;
};

static const name_map *find_name(const ctk_translate *t, const char *name, size_t len)
{
  size_t i;
  for(i = 0; i < t->n_names; i++) {
    if(strlen(t->names[i].from) == len && !memcmp(t->names[i].from, name, len))
      return &t->names[i];
  }
  return NULL;
}

static value_kind role_value_kind(ctk_element_role r)
{
  switch(r) {
  case CTK_EL_INTERFACE_CODE:
  case CTK_EL_EVENT_INTERFACE:
    return VALUE_INTERFACE;
  case CTK_EL_STATUS:
  case CTK_EL_EVENT_STATUS:
    return VALUE_STATE;
  case CTK_EL_NODE_LEVEL:
    return VALUE_LEVEL;
  case CTK_EL_RESULT_CODE:
    return VALUE_RESULT;
  case CTK_EL_PROFILE_VERSION:
    return VALUE_VERSION;
  default:
    return VALUE_FREE;
  }
}

static void add_name(ctk_translate *t, const char *from, const char *to, value_kind kind)
{
  name_map *known;
  size_t i;

  if(!from[0] || !to[0])
    return;
  known = (name_map *)find_name(t, from, strlen(from));
  if(known) {
    for(i = 0; i < known->n_alternatives; i++) {
      if(!strcmp(known->alternatives[i], to))
        return;
    }
    if(known->n_alternatives < TRANSLATE_ALTERNATIVES_MAX)
      known->alternatives[known->n_alternatives++] = to;
    return;
  }
  if(t->n_names == TRANSLATE_NAMES_MAX)
    return;
  if(kind == VALUE_FREE && ctk_profile_codefield(t->from, from))
    kind = VALUE_CODESET;
  if(kind == VALUE_FREE && ctk_format_of_element(t->from, from, NULL, NULL, NULL))
    kind = VALUE_FORMAT;
  t->names[t->n_names].from = from;
  t->names[t->n_names].to = to;
  t->names[t->n_names].alternatives[0] = to;
  t->names[t->n_names].n_alternatives = 1;
  t->names[t->n_names].kind = kind;
  t->n_names++;
}

ctk_code ctk_translate_new(const ctk_profile *from, const ctk_profile *to, ctk_translate **out)
{
  ctk_translate *t;
  size_t r;

  *out = NULL;
  t = calloc(1, sizeof(*t));
  if(!t)
    return CTK_E_NOMEM;
  t->from = from;
  t->to = to;
  for(r = 0; r < CTK_EL__COUNT; r++)
    add_name(t, ctk_el(from, (ctk_element_role)r), ctk_el(to, (ctk_element_role)r),
             role_value_kind((ctk_element_role)r));
  for(r = 0; r < CTK_IF__COUNT; r++) {
    const ctk_interface *a = ctk_profile_iface(from, (ctk_interface_role)r);
    const ctk_interface *b = ctk_profile_iface(to, (ctk_interface_role)r);
    if(a && b) {
      add_name(t, a->request_element, b->request_element, VALUE_FREE);
      add_name(t, a->answer_element, b->answer_element, VALUE_FREE);
    }
  }
  *out = t;
  return CTK_E_OK;
}

void ctk_translate_free(ctk_translate *t)
{
  free(t);
}

int ctk_translate_is_identity(const ctk_translate *t)
{
  return !strcmp(t->from->ns, t->to->ns);
}

const char *ctk_translate_element(const ctk_translate *t, const char *name)
{
  const name_map *m = find_name(t, name, strlen(name));
  return m ? m->to : name;
}

/* ---- values ---- */

static void map_interface(const ctk_translate *t, const name_map *m, const char *v, char *out,
                          size_t outlen)
{
  ctk_interface_role r = ctk_profile_interface_role(t->from, v);
  if(r < CTK_IF__COUNT && ctk_profile_iface_code(t->to, r)[0])
    ctk_strlcpy(out, ctk_profile_iface_code(t->to, r), outlen);
  else if(!ctk_profile_interface(t->from, v) && ctk_format_fits(t->from, m->from, v) != 0)
    ctk_profile_interface_outside(t->to, out, outlen);
}

static void map_state(const ctk_translate *t, const char *v, char *out, size_t outlen)
{
  const ctk_state *s;
  size_t r;
  for(r = 0; r < CTK_ST__COUNT; r++) {
    if(!strcmp(ctk_st(t->from, (ctk_state_role)r), v)) {
      ctk_strlcpy(out, ctk_st(t->to, (ctk_state_role)r), outlen);
      return;
    }
  }
  s = ctk_profile_state(t->from, v);
  if(s && ctk_profile_state(t->to, s->name))
    ctk_strlcpy(out, ctk_profile_state(t->to, s->name)->code, outlen);
}

static void map_code(const ctk_translate *t, const name_map *m, const char *v, char *out,
                     size_t outlen)
{
  const ctk_codefield *fa = ctk_profile_codefield(t->from, m->from);
  const ctk_codefield *fb = ctk_profile_codefield(t->to, m->to);
  const ctk_codeset *sa, *sb;
  const ctk_code_entry *e;
  size_t r, i;

  if(!fa || !fb)
    return;
  e = ctk_profile_code(t->from, fa->codeset, v);
  sa = ctk_profile_codeset(t->from, fa->codeset);
  sb = ctk_profile_codeset(t->to, fb->codeset);
  if(!e || !sa || !sb)
    return;
  for(r = 0; r < CTK_V__COUNT; r++) {
    if(!strcmp(ctk_value_role_codeset((ctk_value_role)r), fa->codeset) &&
       !strcmp(ctk_val(t->from, (ctk_value_role)r), v) &&
       !strcmp(ctk_value_role_codeset((ctk_value_role)r), fb->codeset)) {
      ctk_strlcpy(out, ctk_val(t->to, (ctk_value_role)r), outlen);
      return;
    }
  }
  for(i = 0; e->name[0] && i < sb->count; i++) {
    if(!strcmp(sb->entries[i].name, e->name)) {
      ctk_strlcpy(out, sb->entries[i].value, outlen);
      return;
    }
  }
  i = (size_t)(e - sa->entries);
  if(i < sb->count)
    ctk_strlcpy(out, sb->entries[i].value, outlen);
}

/* A value valid under from's format and not under to's: a time in to's time format, else its
 * letters and digits, padded with zeros until to's format takes it. */
static void map_format(const ctk_translate *t, const name_map *m, const char *v, char *out,
                       size_t outlen)
{
  char cand[TRANSLATE_VALUE_MAX];
  size_t n = 0;
  time_t when;

  if(ctk_format_fits(t->from, m->from, v) != 1 || ctk_format_fits(t->to, m->to, v) != 0)
    return;
  if(!ctk_profile_time_parse(t->from, v, &when)) {
    ctk_profile_time_format(t->to, when, cand, sizeof(cand));
    if(cand[0] && ctk_format_fits(t->to, m->to, cand) == 1) {
      ctk_strlcpy(out, cand, outlen);
      return;
    }
  }
  for(; *v && n + 1 < sizeof(cand); v++) {
    if(isalnum((unsigned char)*v))
      cand[n++] = *v;
  }
  cand[n] = '\0';
  while(n < 65 && ctk_format_fits(t->to, m->to, cand) != 1 && n + 1 < sizeof(cand)) {
    cand[n++] = '0';
    cand[n] = '\0';
  }
  if(ctk_format_fits(t->to, m->to, cand) == 1)
    ctk_strlcpy(out, cand, outlen);
}

/* The text of element m, translated; out stays "" when it is to be copied as it is. */
static void map_value(const ctk_translate *t, const name_map *m, const char *v, char *out,
                      size_t outlen)
{
  const ctk_result_code *rc;
  ctk_level level;

  out[0] = '\0';
  switch(m->kind) {
  case VALUE_INTERFACE:
    map_interface(t, m, v, out, outlen);
    break;
  case VALUE_STATE:
    map_state(t, v, out, outlen);
    break;
  case VALUE_LEVEL:
    level = ctk_profile_level_parse(t->from, v);
    if(level != CTK_LEVEL_NONE)
      ctk_strlcpy(out, ctk_profile_level_code(t->to, level), outlen);
    break;
  case VALUE_RESULT:
    rc = ctk_profile_result_by_code(t->from, v);
    if(rc && ctk_profile_result(t->to, rc->name))
      ctk_strlcpy(out, ctk_profile_rc(t->to, rc->name), outlen);
    break;
  case VALUE_VERSION:
    if(!strcmp(v, t->from->version))
      ctk_strlcpy(out, t->to->version, outlen);
    else if(!strcmp(v, t->to->version))  /* a wrong version of from that is to's own */
      ctk_strlcpy(out, strcmp(t->to->version, "9.9") ? "9.9" : "9.8", outlen);
    break;
  case VALUE_CODESET:
    map_code(t, m, v, out, outlen);
    break;
  case VALUE_FORMAT:
    map_format(t, m, v, out, outlen);
    break;
  case VALUE_FREE:
    break;
  }
  if(!out[0] && m->kind != VALUE_FREE && m->kind != VALUE_FORMAT)
    map_format(t, m, v, out, outlen);
}

/* ---- the lexical pass ---- */

static int name_start(char c)
{
  return isalpha((unsigned char)c) || c == '_';
}

static int name_char(char c)
{
  return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == ':';
}

/* Copy the text of element m (from s up to the next tag), its value translated. */
static ctk_code copy_content(const ctk_translate *t, const name_map *m, const char *s,
                             size_t len, ctk_buf *out)
{
  size_t lead = 0, tail = len;
  char value[TRANSLATE_VALUE_MAX], mapped[TRANSLATE_VALUE_MAX];
  ctk_code result;

  while(lead < len && isspace((unsigned char)s[lead]))
    lead++;
  while(tail > lead && isspace((unsigned char)s[tail - 1]))
    tail--;
  if(!m || m->kind == VALUE_FREE || tail == lead || tail - lead >= sizeof(value) ||
     memchr(s + lead, '\0', tail - lead))
    return ctk_buf_add(out, s, len);
  memcpy(value, s + lead, tail - lead);
  value[tail - lead] = '\0';
  map_value(t, m, value, mapped, sizeof(mapped));
  if(!mapped[0])
    return ctk_buf_add(out, s, len);
  result = ctk_buf_add(out, s, lead);
  if(!result)
    result = ctk_buf_adds(out, mapped);
  if(!result)
    result = ctk_buf_add(out, s + tail, len - tail);
  return result;
}

/* Where the next tag opens at or after i: '<' or the escaped "&lt;"; len when none. */
static size_t next_tag(const char *in, size_t len, size_t i, size_t *open_len)
{
  for(; i < len; i++) {
    if(in[i] == '<') {
      *open_len = 1;
      return i;
    }
    if(in[i] == '&' && len - i >= 4 && !memcmp(in + i, "&lt;", 4)) {
      *open_len = 4;
      return i;
    }
  }
  *open_len = 0;
  return len;
}

/* The prefixes a text binds to a SOAP envelope namespace (1.1 or 1.2): their Body and Header
 * are SOAP's own, never renamed. */
#define TRANSLATE_PREFIXES_MAX 8
typedef struct envelope_prefixes {
  char name[TRANSLATE_PREFIXES_MAX][32];
  size_t count;
} envelope_prefixes;

static void find_envelope_prefixes(const char *in, size_t len, envelope_prefixes *ep)
{
  static const char *const uris[] = { "\"http://schemas.xmlsoap.org/soap/envelope/\"",
                                      "\"http://www.w3.org/2003/05/soap-envelope\"" };
  size_t i, k;
  ep->count = 0;
  for(i = 0; i + 6 < len && ep->count < TRANSLATE_PREFIXES_MAX; i++) {
    size_t start, end;
    if(memcmp(in + i, "xmlns:", 6))
      continue;
    start = end = i + 6;
    while(end < len && name_char(in[end]) && end - start < sizeof(ep->name[0]) - 1)
      end++;
    if(end >= len || in[end] != '=')
      continue;
    for(k = 0; k < sizeof(uris) / sizeof(uris[0]); k++) {
      size_t n = strlen(uris[k]);
      if(len - end - 1 >= n && !memcmp(in + end + 1, uris[k], n)) {
        memcpy(ep->name[ep->count], in + start, end - start);
        ep->name[ep->count][end - start] = '\0';
        ep->count++;
        break;
      }
    }
  }
}

static int is_envelope_prefix(const envelope_prefixes *ep, const char *prefix, size_t len)
{
  size_t k;
  for(k = 0; len && k < ep->count; k++) {
    if(strlen(ep->name[k]) == len && !memcmp(ep->name[k], prefix, len))
      return 1;
  }
  return 0;
}

static ctk_code rename_tags(const ctk_translate *t, const char *in, size_t len, ctk_buf *out)
{
  size_t i = 0;
  ctk_code result = CTK_E_OK;
  envelope_prefixes ep;

  find_envelope_prefixes(in, len, &ep);

  while(i < len && !result) {
    size_t open_len, start, name_end, local, end;
    const name_map *m;
    int closing, escaped;

    start = next_tag(in, len, i, &open_len);
    result = ctk_buf_add(out, in + i, start - i);
    if(result || start == len)
      break;
    escaped = open_len == 4;
    i = start + open_len;
    closing = i < len && in[i] == '/';
    if(closing)
      i++;
    result = ctk_buf_add(out, in + start, i - start);
    if(result || i >= len || !name_start(in[i]))
      continue;
    name_end = i;
    while(name_end < len && name_char(in[name_end]))
      name_end++;
    local = i;
    for(end = i; end < name_end; end++) {
      if(in[end] == ':')
        local = end + 1;
    }
    m = local > i && is_envelope_prefix(&ep, in + i, local - i - 1)
          ? NULL
          : find_name(t, in + local, name_end - local);
    result = ctk_buf_add(out, in + i, local - i);
    if(!result)
      result = m ? ctk_buf_adds(out, m->to) : ctk_buf_add(out, in + local, name_end - local);
    i = name_end;
    /* the rest of the tag, as it is; then, after a start tag, the element's own text */
    while(!result && i < len) {
      int gt = in[i] == '>' || (escaped && len - i >= 4 && !memcmp(in + i, "&gt;", 4));
      if(!gt && (in[i] == '<' || (in[i] == '&' && len - i >= 4 && !memcmp(in + i, "&lt;", 4))))
        break;               /* a tag that never closes: the next one starts here */
      if(gt) {
        size_t gt_len = in[i] == '>' ? 1 : 4;
        int empty = i > 0 && in[i - 1] == '/';
        size_t text_end, ignored;
        result = ctk_buf_add(out, in + i, gt_len);
        i += gt_len;
        if(result || closing || empty)
          break;
        text_end = next_tag(in, len, i, &ignored);
        result = copy_content(t, m, in + i, text_end - i, out);
        i = text_end;
        break;
      }
      result = ctk_buf_addc(out, in[i]);
      i++;
    }
  }
  return result;
}

/* Namespaces and the SOAP action, wherever they stand; the longest match first, in one pass, so
 * that a replacement is never replaced again. */
static ctk_code replace_words(const ctk_translate *t, const char *in, size_t len, ctk_buf *out)
{
  const char *from[3] = { t->from->ns, t->from->soap_ns, t->from->soap_action };
  const char *to[3] = { t->to->ns, t->to->soap_ns, t->to->soap_action };
  size_t i = 0;
  ctk_code result = CTK_E_OK;

  while(i < len && !result) {
    size_t k, best = 3, best_len = 0;
    for(k = 0; k < 3; k++) {
      size_t n = strlen(from[k]);
      if(n > best_len && n <= len - i && !memcmp(in + i, from[k], n)) {
        best = k;
        best_len = n;
      }
    }
    if(best < 3) {
      result = ctk_buf_adds(out, to[best]);
      i += best_len;
    }
    else {
      result = ctk_buf_addc(out, in[i]);
      i++;
    }
  }
  return result;
}


/* ---- the schema pass: order and missing mandatory fields ---- */

/* A child the content does not have, named by the text pass after a shared name's first role:
 * the name of another of its roles that the content does have. */
static void rename_shared(const ctk_translate *t, xmlNodePtr k, const ctk_sm_content *c)
{
  size_t i, a;
  if(ctk_sm_child_named(c, (const char *)k->name, NULL))
    return;
  for(i = 0; i < t->n_names; i++) {
    const name_map *m = &t->names[i];
    if(m->n_alternatives < 2 || strcmp(m->to, (const char *)k->name))
      continue;
    for(a = 1; a < m->n_alternatives; a++) {
      if(ctk_sm_child_named(c, m->alternatives[a], NULL)) {
        xmlNodeSetName(k, (const xmlChar *)m->alternatives[a]);
        return;
      }
    }
  }
}

/* An element of from's schemas that to's have nowhere (the variant's SignerUnit, translated
 * into the baseline): it has no place in to, and is left out. An element neither profile
 * declares is kept: it is the point of the message that carries it. */
static int only_in_from(const ctk_translate *t, const xmlNode *k, const ctk_sm_content *c)
{
  const char *name = (const char *)k->name;
  size_t i;
  if(ctk_sm_child_named(c, name, NULL) || !t->from->model || !t->to->model)
    return 0;
  for(i = 0; i < t->n_names; i++) {
    if(!strcmp(t->names[i].to, name))
      return 0;
  }
  return ctk_schema_model_find(t->from->model, name) != NULL &&
         ctk_schema_model_find(t->to->model, name) == NULL;
}

/* What the schema pass does to each element of to's model before its children are put in
 * order: names a shared name's other role where the content wants it, leaves out what only
 * from declares, adds mandatory fields to's sources fill. */
static void translate_visit(void *ctx, xmlNodePtr e, const ctk_sm_content *c)
{
  const ctk_translate *t = ctx;
  xmlNodePtr k, next;
  for(k = e->children; k; k = next) {
    next = k->next;
    if(k->type != XML_ELEMENT_NODE)
      continue;
    rename_shared(t, k, c);
    if(only_in_from(t, k, c)) {
      xmlUnlinkNode(k);
      xmlFreeNode(k);
    }
  }
  ctk_compose_fill_content(t->to, e, c);
}

static ctk_code translate_inner(const ctk_translate *t, const char *text, size_t len,
                                ctk_buf *out, int depth);

/* Messages of to anywhere in the tree: a root of to's schemas, or text (CDATA) holding one. */
static void walk(const ctk_translate *t, xmlNodePtr node, int depth)
{
  xmlNodePtr k;
  for(k = node; k && depth < 32; k = k->next) {
    if(k->type == XML_ELEMENT_NODE) {
      const ctk_sm_child *g = t->to->model ? ctk_schema_model_global(t->to->model,
                                                                     (const char *)k->name)
                                           : NULL;
      if(g && k->ns && k->ns->href && !strcmp((const char *)k->ns->href, t->to->ns))
        ctk_compose_conform_visit(t->to, k, translate_visit, (void *)t);
      else
        walk(t, k->children, depth + 1);
    }
    else if((k->type == XML_CDATA_SECTION_NODE || k->type == XML_TEXT_NODE) && k->content) {
      const char *s = (const char *)k->content;
      size_t len = strlen(s);
      ctk_buf inner;
      while(*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
        s++;
      if(*s != '<')
        continue;
      ctk_buf_init(&inner, len * 2 + 1024);
      if(!translate_inner(t, (const char *)k->content, len, &inner, depth + 1) && inner.data)
        xmlNodeSetContentLen(k, (const xmlChar *)inner.data, (int)inner.len);
      ctk_buf_free(&inner);
    }
  }
}

/* Parse text strictly (no DTD, no entities, no network); order what is to's; write it out in its
 * own encoding. CTK_E_PARSE when it is not such a document: then it is left as it is. */
/* libxml2's messages about a broken input (the catalogue's deliberate faults) are not ours to
 * print: silenced while a translation parses and writes (the handler is per thread). */
static void quiet_errors(void *ctx, const char *msg, ...)
{
  (void)ctx;
  (void)msg;
}

static ctk_code translate_doc(const ctk_translate *t, const char *text, size_t len, ctk_buf *out,
                              int depth);

static ctk_code translate_inner(const ctk_translate *t, const char *text, size_t len,
                                ctk_buf *out, int depth)
{
  xmlGenericErrorFunc old = xmlGenericError;
  void *old_ctx = xmlGenericErrorContext;
  ctk_code result;

  xmlSetGenericErrorFunc(NULL, quiet_errors);
  result = translate_doc(t, text, len, out, depth);
  xmlSetGenericErrorFunc(old_ctx, old);
  return result;
}

static ctk_code translate_doc(const ctk_translate *t, const char *text, size_t len, ctk_buf *out,
                              int depth)
{
  xmlDocPtr doc;
  xmlChar *mem = NULL;
  int size = 0;
  ctk_code result;

  if(len > (size_t)INT_MAX || memchr(text, '\0', len))
    return CTK_E_PARSE;
  doc = xmlReadMemory(text, (int)len, NULL, NULL,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if(!doc || doc->intSubset || !xmlDocGetRootElement(doc)) {
    xmlFreeDoc(doc);
    return CTK_E_PARSE;
  }
  walk(t, xmlDocGetRootElement(doc), depth);
  if(!strncmp(text, "<?xml", 5))
    xmlDocDumpMemoryEnc(doc, &mem, &size, doc->encoding ? (const char *)doc->encoding : "UTF-8");
  else {
    xmlBufferPtr b = xmlBufferCreate();
    if(b && xmlNodeDump(b, doc, xmlDocGetRootElement(doc), 0, 0) >= 0) {
      size = (int)xmlBufferLength(b);
      mem = xmlStrndup(xmlBufferContent(b), size);
    }
    xmlBufferFree(b);
  }
  xmlFreeDoc(doc);
  if(!mem || size <= 0) {
    xmlFree(mem);
    return CTK_E_PARSE;          /* it would not write back (bytes its encoding lacks) */
  }
  result = ctk_buf_add(out, mem, (size_t)size);
  xmlFree(mem);
  return result;
}

ctk_code ctk_translate_text(const ctk_translate *t, const char *in, size_t len, ctk_buf *out)
{
  ctk_buf tags, words;
  ctk_code result;

  if(ctk_translate_is_identity(t))
    return ctk_buf_add(out, in, len);
  ctk_buf_init(&tags, out->max);
  ctk_buf_init(&words, out->max);
  result = rename_tags(t, in, len, &tags);
  if(!result)
    result = replace_words(t, tags.data ? tags.data : "", tags.len, &words);
  /* a well-formed document is put in to's order; any other is left as the words made it */
  if(!result && translate_inner(t, words.data ? words.data : "", words.len, out, 0))
    result = ctk_buf_add(out, words.data ? words.data : "", words.len);
  ctk_buf_free(&tags);
  ctk_buf_free(&words);
  return result;
}

ctk_code ctk_translate_buf(const ctk_translate *t, ctk_buf *b)
{
  ctk_buf out;
  ctk_code result;

  if(ctk_translate_is_identity(t))
    return CTK_E_OK;
  ctk_buf_init(&out, b->max);
  result = ctk_translate_text(t, b->data ? b->data : "", b->len, &out);
  if(!result) {
    ctk_buf_free(b);
    *b = out;
    return CTK_E_OK;
  }
  ctk_buf_free(&out);
  return result;
}

/* Does path start with binding path b, as a whole segment ("/exchange", "/exchange?x",
 * "/exchange/.."; not "/exchanges")? */
static int path_under(const char *path, const char *b)
{
  size_t n = strlen(b);
  return n && !strncmp(path, b, n) && strchr("?#/", path[n]) != NULL;
}

void ctk_translate_path(const ctk_translate *t, const char *path, char *out, size_t outlen)
{
  size_t n = 0;
  const char *to = NULL;

  if(path_under(path, t->from->xml_path)) {
    to = t->to->xml_path;
    n = strlen(t->from->xml_path);
  }
  else if(path_under(path, t->from->soap_path)) {
    to = t->to->soap_path;
    n = strlen(t->from->soap_path);
  }
  if(!to) {
    ctk_strlcpy(out, path, outlen);
    return;
  }
  snprintf(out, outlen, "%s%s", to, path + n);
}

/* Whether two paths name one directory (after links and relative parts). */
static int same_directory(const char *a, const char *b)
{
  char ra[PATH_MAX], rb[PATH_MAX];
  if(!realpath(a, ra) || !realpath(b, rb))
    return 0;
  return !strcmp(ra, rb);
}

ctk_code ctk_translate_for_dir(const char *dir, const ctk_profile *to, ctk_profile **from,
                               ctk_translate **out, char *err, size_t errlen)
{
  char marker[600], path[1200];
  ctk_buf text;
  ctk_code result;
  size_t n;

  *from = NULL;
  *out = NULL;
  snprintf(marker, sizeof(marker), "%s/%s", dir, CTK_TRANSLATE_SOURCE_FILE);
  ctk_buf_init(&text, 1024);
  result = ctk_file_read(marker, 1024, &text);
  if(result == CTK_E_NOTFOUND) {
    ctk_buf_free(&text);
    return CTK_E_OK;
  }
  if(result) {
    snprintf(err, errlen, "%s: %s", marker, ctk_strerror(result));
    ctk_buf_free(&text);
    return result;
  }
  n = strcspn(ctk_buf_str(&text), "\r\n");
  snprintf(path, sizeof(path), "%s/%.*s", dir, (int)n, ctk_buf_str(&text));
  ctk_buf_free(&text);
  if(same_directory(path, to->dir))
    return CTK_E_OK;           /* written in the profile in use: nothing to translate or load */
  result = ctk_profile_load(path, from, err, errlen);
  if(result)
    return result;
  result = ctk_translate_new(*from, to, out);
  if(result) {
    ctk_profile_free(*from);
    *from = NULL;
  }
  return result;
}

/* One header line of a catalogue file, translated; NULL when the line is to be dropped. */
static ctk_code http_line(const ctk_translate *t, const char *line, size_t n, int first,
                          const char *translated_expect, ctk_buf *out)
{
  char text[2048], path[1024];
  const char *colon;

  if(n >= sizeof(text))
    return ctk_buf_add(out, line, n);
  memcpy(text, line, n);
  text[n] = '\0';
  colon = strchr(text, ':');
  if(first && text[0] != '#') {
    char method[16];
    const char *sp = strchr(text, ' ');
    if(!sp || (size_t)(sp - text) >= sizeof(method))
      return ctk_buf_adds(out, text);
    memcpy(method, text, (size_t)(sp - text));
    method[sp - text] = '\0';
    ctk_translate_path(t, sp + 1, path, sizeof(path));
    return ctk_buf_printf(out, "%s %s", method, path);
  }
  if(!colon || text[0] == '#')
    return ctk_buf_adds(out, text);
  if(!strncasecmp(text, "X-Ctk-Expect-Translated:", 24))
    return CTK_E_NOTFOUND;     /* it takes X-Ctk-Expect-Result's place below */
  if(!strncasecmp(text, "X-Ctk-Expect-Result:", 20) && translated_expect[0])
    return ctk_buf_printf(out, "X-Ctk-Expect-Result: %s", translated_expect);
  if(!strncasecmp(text, "X-Ctk-Echo:", 11)) {
    const char *v = colon + 1;
    while(*v == ' ')
      v++;
    return ctk_buf_printf(out, "X-Ctk-Echo: %s", ctk_translate_element(t, v));
  }
  if(!strncasecmp(text, "SOAPAction:", 11))
    return replace_words(t, text, n, out);
  return ctk_buf_adds(out, text);
}

ctk_code ctk_translate_http(const ctk_translate *t, const char *in, size_t len, ctk_buf *out)
{
  const char *end = in + len, *p = in, *blank = NULL;
  char translated_expect[256] = "";
  int first = 1;
  ctk_code result = CTK_E_OK;

  /* the header block ends at the first empty line */
  for(p = in; p < end; ) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if(n == 0) {
      blank = p;
      break;
    }
    if(n > 24 && !strncasecmp(p, "X-Ctk-Expect-Translated:", 24)) {
      const char *v = p + 24;
      while(v < p + n && *v == ' ')
        v++;
      snprintf(translated_expect, sizeof(translated_expect), "%.*s", (int)(p + n - v), v);
    }
    p = nl ? nl + 1 : end;
  }
  for(p = in; !result && p < (blank ? blank : end); ) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    int is_comment = n && p[0] == '#';
    ctk_code line = http_line(t, p, n, first && !is_comment, translated_expect, out);
    if(!is_comment)
      first = 0;
    if(line == CTK_E_OK)
      result = ctk_buf_addc(out, '\n');
    else if(line != CTK_E_NOTFOUND)
      result = line;
    p = nl ? nl + 1 : end;
  }
  if(result || !blank)
    return result;
  result = ctk_buf_addc(out, '\n');
  if(!result)
    result = ctk_translate_text(t, blank + 1, (size_t)(end - blank - 1), out);
  return result;
}
