/* ctk_msg: build, encode and decode exchange messages.
 *
 * In memory a message is always one libxml2 document in UTF-8 (Message or Answer in the
 * profile namespace) plus a copy of its head in plain C fields. Bindings and encodings exist
 * only on the wire: encode wraps (SOAP) and converts (GBK) at the last moment, decode unwraps
 * and converts first, through ctk_xml_safe. */
#include "ctk_msg.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlsave.h>
#include <openssl/evp.h>

#include "ctk_compose.h"

#include "ctk_calendar.h"
#include "ctk_xml_safe.h"

#define SOAP11_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP11_BODY "Body" /* not the profile's: SOAP 1.1's own Body */

/* ---------- names ---------- */

const char *ctk_binding_name(ctk_binding b)
{
  return b == CTK_BIND_SOAP ? "soap" : "xml";
}

int ctk_binding_parse(const char *s)
{
  if(s && !strcasecmp(s, "xml"))
    return CTK_BIND_XML;
  if(s && !strcasecmp(s, "soap"))
    return CTK_BIND_SOAP;
  return -1;
}

const char *ctk_encoding_name(ctk_encoding e)
{
  return e == CTK_ENC_GBK ? "GBK" : "UTF-8";
}

int ctk_encoding_parse(const char *s)
{
  if(s && (!strcasecmp(s, "utf-8") || !strcasecmp(s, "utf8")))
    return CTK_ENC_UTF8;
  if(s && !strcasecmp(s, "gbk"))
    return CTK_ENC_GBK;
  return -1;
}

void ctk_outcome_set(ctk_outcome *o, const ctk_profile *p, const char *result_name,
                     const char *where, const char *requirement, const char *fmt, ...)
{
  va_list ap;

  ctk_strlcpy(o->code, ctk_profile_rc(p, result_name), sizeof(o->code));
  ctk_strlcpy(o->where, where ? where : "", sizeof(o->where));
  ctk_strlcpy(o->requirement, requirement ? requirement : "", sizeof(o->requirement));
  va_start(ap, fmt);
  vsnprintf(o->text, sizeof(o->text), fmt, ap);
  va_end(ap);
}

/* ---------- ids and times ---------- */

static atomic_ulong msg_counter;
static pthread_once_t id_once = PTHREAD_ONCE_INIT;
static unsigned long process_nonce;

static void id_init(void)
{
  unsigned int r = 0;
  if(getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
    r = (unsigned int)time(NULL) ^ (unsigned int)getpid();
  process_nonce = r & 0xffffffUL;
}

/* The scope a run sets (ctk_msg_id_scope): at most 8 of [0-9a-zA-Z], "" = none. */
static char id_scope[9];

void ctk_msg_id_scope(const char *scope)
{
  size_t i, n = 0;
  for(i = 0; scope && scope[i] && n + 1 < sizeof(id_scope); i++) {
    char c = scope[i];
    if((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      id_scope[n++] = c;
  }
  id_scope[n] = '\0';
}

/* region (6) + UTC yyyymmddhhmmss (14) + scope (0..8) + counter (6) + pid (7 hex) +
 * per-process random (6 hex) = 39 to 47 characters of [0-9a-zA-Z]. Unique across threads
 * (atomic counter) and processes (pid and random), also when clocks agree to the second. */
void ctk_msg_make_id(const char *region, char out[CTK_MSGID_MAX])
{
  static _Thread_local ctk_clock_text stamp_clock;
  char reg[7];
  char stamp[16];
  unsigned long n;
  size_t i;

  pthread_once(&id_once, id_init);
  n = atomic_fetch_add(&msg_counter, 1) % 1000000UL;
  for(i = 0; i < 6; i++) {
    char c = region && i < strlen(region) ? region[i] : '0';
    reg[i] = (c >= '0' && c <= '9') ? c : '0';
  }
  reg[6] = '\0';
  ctk_clock_text_now(&stamp_clock, 0, "%Y%m%d%H%M%S", stamp, sizeof(stamp));
  snprintf(out, CTK_MSGID_MAX, "%s%s%s%06lu%07x%06lx", reg, stamp, id_scope, n,
           (unsigned int)getpid() & 0xfffffffU, process_nonce);
}

void ctk_profile_now(const ctk_profile *p, char *out, size_t outlen)
{
  static _Thread_local ctk_clock_text profile_clock;
  ctk_clock_text_now(&profile_clock, CTK_BEIJING_OFFSET_S, p->datetime_format, out, outlen);
}

void ctk_profile_time_format(const ctk_profile *p, time_t t, char *out, size_t outlen)
{
  time_t beijing = t + CTK_BEIJING_OFFSET_S;
  struct tm tm;
  if(!outlen)
    return;
  if(!gmtime_r(&beijing, &tm) || !strftime(out, outlen, p->datetime_format, &tm))
    out[0] = '\0';
}

ctk_code ctk_profile_time_parse(const ctk_profile *p, const char *text, time_t *out)
{
  struct tm tm;
  const char *end;

  if(!text || !*text)
    return CTK_E_PARSE;
  if(ctk_datetime_parse(text, out, NULL, 0) == CTK_E_OK)
    return CTK_E_OK;
  memset(&tm, 0, sizeof(tm));
  end = strptime(text, p->datetime_format, &tm);
  if(!end || *end)
    return CTK_E_PARSE;
  /* the profile's times are Beijing time: timegm reads tm as UTC, so shift back */
  *out = timegm(&tm) - CTK_BEIJING_OFFSET_S;
  return CTK_E_OK;
}

void ctk_profile_day(const ctk_profile *p, const char *text, char out[11])
{
  time_t t;
  char full[40];

  out[0] = '\0';
  if(ctk_profile_time_parse(p, text, &t) == CTK_E_OK &&
     ctk_datetime_format(t, full, sizeof(full)) == CTK_E_OK)
    ctk_strlcpy(out, full, 11);
}

void ctk_msg_now(char *out, size_t outlen)
{
  static _Thread_local ctk_clock_text beijing_clock;
  ctk_clock_text_now(&beijing_clock, CTK_BEIJING_OFFSET_S, "%Y-%m-%dT%H:%M:%S+08:00", out,
                     outlen);
}

/* ---------- binding paths ---------- */

static int path_ends_with(const char *path, const char *tail)
{
  size_t n = strlen(path);
  size_t t = strlen(tail);
  if(!t || n < t || strcmp(path + n - t, tail))
    return 0;
  /* a whole segment: the tail starts with '/' or is the whole path */
  return n == t || tail[0] == '/';
}

int ctk_binding_of_path(const ctk_profile *p, const char *path)
{
  if(path_ends_with(path, p->soap_path))
    return CTK_BIND_SOAP;
  if(path_ends_with(path, p->xml_path))
    return CTK_BIND_XML;
  return -1;
}

const char *ctk_binding_path(const ctk_profile *p, ctk_binding b)
{
  return b == CTK_BIND_SOAP ? p->soap_path : p->xml_path;
}

void ctk_msg_head_path(const ctk_profile *p, ctk_element_role field, ctk_element_role sub,
                       char *out, size_t outlen)
{
  int n = snprintf(out, outlen, "/%s/%s/%s", ctk_el(p, CTK_EL_MESSAGE), ctk_el(p, CTK_EL_HEAD),
                   ctk_el(p, field));
  if(sub != CTK_EL__COUNT && n > 0 && (size_t)n < outlen)
    snprintf(out + n, outlen - (size_t)n, "/%s", ctk_el(p, sub));
}

/* ---------- tree helpers ---------- */

xmlNodePtr ctk_xml_add(xmlNodePtr parent, const char *name, const char *text)
{
  if(!parent || !name)
    return NULL;
  /* xmlNewTextChild escapes text on output; the child shares the parent's namespace. */
  return xmlNewTextChild(parent, parent->ns, (const xmlChar *)name, (const xmlChar *)text);
}

const ctk_profile *ctk_xml_profile(const xmlNode *node)
{
  return node && node->doc ? node->doc->_private : NULL;
}

xmlNodePtr ctk_msg_add_workorder(xmlNodePtr parent, const ctk_workorder_fields *f)
{
  const ctk_profile *p = ctk_xml_profile(parent);
  xmlNodePtr wo;
  xmlNodePtr caller;

  if(!p)
    return NULL;
  wo = ctk_xml_add(parent, ctk_el(p, CTK_EL_WORK_ORDER), NULL);

  ctk_xml_add(wo, ctk_el(p, CTK_EL_ORDER_ID), f->order_id);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_ACCEPT_TIME), f->accept_time);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_ACCEPT_REGION), f->accept_region);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_HANDLE_REGION), f->handle_region);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_CHANNEL), f->channel);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_BUSINESS_TYPE), f->business_type);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_DOMAIN), f->domain);
  caller = ctk_xml_add(wo, ctk_el(p, CTK_EL_CALLER), NULL);
  ctk_xml_add(caller, ctk_el(p, CTK_EL_PHONE), f->phone);
  if(f->caller_name && f->caller_name[0])
    ctk_xml_add(caller, ctk_el(p, CTK_EL_CALLER_NAME), f->caller_name);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_SUBJECT), f->subject);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_CONTENT), f->content);
  if(f->call_id && f->call_id[0])
    ctk_xml_add(wo, ctk_el(p, CTK_EL_CALL_ID), f->call_id);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_STATUS), f->status);
  ctk_xml_add(wo, ctk_el(p, CTK_EL_INSTANT_ANSWER), f->instant_answer ? "true" : "false");
  if(f->deadline && f->deadline[0])
    ctk_xml_add(wo, ctk_el(p, CTK_EL_DEADLINE), f->deadline);
  return wo;
}

static int xml_has_element_child(const xmlNode *n)
{
  const xmlNode *c;
  for(c = n->children; c; c = c->next) {
    if(c->type == XML_ELEMENT_NODE)
      return 1;
  }
  return 0;
}

/* The text of a leaf (its text and CDATA, in order), escaped as element content. */
static ctk_code xml_dump_text(const xmlNode *leaf, ctk_buf *out)
{
  const xmlNode *c;
  ctk_code result = CTK_E_OK;
  for(c = leaf->children; c && !result; c = c->next) {
    const char *t;
    const char *run;
    if(c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
      continue;
    run = (const char *)c->content;
    for(t = run; t && *t && !result; t++) {
      const char *esc = *t == '<' ? "&lt;" : *t == '>' ? "&gt;" : *t == '&' ? "&amp;" :
                        *t == '\r' ? "&#13;" : NULL;
      if(!esc)
        continue;
      result = ctk_buf_add(out, run, (size_t)(t - run));
      if(!result)
        result = ctk_buf_adds(out, esc);
      run = t + 1;
    }
    if(!result && run)
      result = ctk_buf_adds(out, run);
  }
  return result;
}

static ctk_code xml_dump_element(const xmlNode *e, ctk_buf *out)
{
  const xmlNode *c;
  const char *name = (const char *)e->name;
  int structured = xml_has_element_child(e);
  ctk_code result;

  result = ctk_buf_addc(out, '<');
  if(!result)
    result = ctk_buf_adds(out, name);
  if(!result)
    result = ctk_buf_addc(out, '>');
  for(c = e->children; c && !result && structured; c = c->next) {
    if(c->type == XML_ELEMENT_NODE)
      result = xml_dump_element(c, out);
  }
  if(!result && !structured)
    result = xml_dump_text(e, out);
  if(!result)
    result = ctk_buf_adds(out, "</");
  if(!result)
    result = ctk_buf_adds(out, name);
  if(!result)
    result = ctk_buf_addc(out, '>');
  return result;
}

ctk_code ctk_xml_dump_plain(const xmlNode *e, ctk_buf *out)
{
  ctk_code result;

  if(!e || e->type != XML_ELEMENT_NODE)
    return CTK_E_INVAL;
  if(xml_has_element_child(e))
    return xml_dump_element(e, out);
  /* libxml2 writes an element it built with no children as an empty tag */
  result = ctk_buf_addc(out, '<');
  if(!result)
    result = ctk_buf_adds(out, (const char *)e->name);
  return result ? result : ctk_buf_adds(out, "/>");
}

xmlNodePtr ctk_xml_child(xmlNodePtr parent, const char *name)
{
  xmlNodePtr c;
  for(c = parent ? parent->children : NULL; c; c = c->next) {
    if(c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
      return c;
  }
  return NULL;
}

static xmlNodePtr first_element(xmlNodePtr parent)
{
  xmlNodePtr c;
  for(c = parent ? parent->children : NULL; c; c = c->next) {
    if(c->type == XML_ELEMENT_NODE)
      return c;
  }
  return NULL;
}

/* Text of a leaf without copying: the content of its first text child, "" when empty. */
static const char *leaf_text(xmlNodePtr n)
{
  xmlNodePtr c;
  if(!n)
    return NULL;
  for(c = n->children; c; c = c->next) {
    if((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
      return (const char *)c->content;
  }
  return "";
}

const char *ctk_msg_get(const ctk_msg *m, const char *path)
{
  char step[CTK_NAME_MAX];
  xmlNodePtr n;
  const char *p = path;

  if(!m || !m->doc || !path)
    return NULL;
  if(*p == '/') {
    n = xmlDocGetRootElement(m->doc);
    p++;
  }
  else
    n = m->body;
  while(n && *p) {
    const char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if(len == 0 || len >= sizeof(step))
      return NULL;
    memcpy(step, p, len);
    step[len] = '\0';
    n = ctk_xml_child(n, step);
    p += len + (slash ? 1 : 0);
  }
  return leaf_text(n);
}

/* ---------- building ---------- */

static xmlNodePtr add_node(const ctk_profile *p, xmlNodePtr parent, ctk_element_role role,
                           const ctk_node *node)
{
  xmlNodePtr n = ctk_xml_add(parent, ctk_el(p, role), NULL);

  if(n && (!ctk_xml_add(n, ctk_el(p, CTK_EL_NODE_REGION), node->region) ||
           !ctk_xml_add(n, ctk_el(p, CTK_EL_NODE_LEVEL), ctk_profile_level_code(p, node->level))))
    return NULL;
  return n;
}

/* Head children in schema order; the correlation id only for answers. */
static ctk_code add_head(const ctk_profile *p, xmlNodePtr root, const ctk_head *h,
                         int is_answer)
{
  xmlNodePtr head = ctk_xml_add(root, ctk_el(p, CTK_EL_HEAD), NULL);
  int ok = head && ctk_xml_add(head, ctk_el(p, CTK_EL_MSG_ID), h->msg_id) &&
           ctk_xml_add(head, ctk_el(p, CTK_EL_INTERFACE_CODE), h->interface_code) &&
           add_node(p, head, CTK_EL_SENDER, &h->sender) &&
           add_node(p, head, CTK_EL_RECEIVER, &h->receiver) &&
           ctk_xml_add(head, ctk_el(p, CTK_EL_SEND_TIME), h->send_time) &&
           ctk_xml_add(head, ctk_el(p, CTK_EL_PROFILE_VERSION), h->profile_version);

  if(ok && is_answer)
    ok = ctk_xml_add(head, ctk_el(p, CTK_EL_CORREL_ID), h->correl_id) != NULL;
  if(ok)
    ctk_compose_fill_sources(p, head);  /* head fields of the profile that no role names */
  return ok ? CTK_E_OK : CTK_E_NOMEM;
}

/* A message with an empty document whose root is root_name in the profile namespace. */
static ctk_msg *msg_alloc(const ctk_profile *p, const char *root_name, xmlNodePtr *root)
{
  ctk_msg *m = calloc(1, sizeof(*m));
  xmlNsPtr ns;

  if(!m)
    return NULL;
  m->profile = p;
  ctk_xml_init();
  m->doc = xmlNewDoc((const xmlChar *)"1.0");
  if(m->doc)
    m->doc->_private = (void *)p;
  *root = m->doc ? xmlNewDocNode(m->doc, NULL, (const xmlChar *)root_name, NULL) : NULL;
  if(!*root) {
    ctk_msg_free(m);
    return NULL;
  }
  xmlDocSetRootElement(m->doc, *root);
  ns = xmlNewNs(*root, (const xmlChar *)p->ns, NULL);
  xmlSetNs(*root, ns);
  return m;
}

static void head_init(const ctk_profile *p, ctk_head *h, const char *interface_code,
                      const ctk_node *sender, const ctk_node *receiver)
{
  memset(h, 0, sizeof(*h));
  ctk_msg_make_id(sender->region, h->msg_id);
  ctk_strlcpy(h->interface_code, interface_code, sizeof(h->interface_code));
  h->sender = *sender;
  h->receiver = *receiver;
  ctk_profile_now(p, h->send_time, sizeof(h->send_time));
  ctk_strlcpy(h->profile_version, p->version, sizeof(h->profile_version));
}

void ctk_msg_request_head(const ctk_profile *p, const char *interface_code,
                          const ctk_node *sender, const ctk_node *receiver, ctk_head *out)
{
  head_init(p, out, interface_code, sender, receiver);
}

ctk_code ctk_msg_new_request_head(const ctk_profile *p, const ctk_head *h, ctk_msg **out)
{
  const ctk_interface *in = ctk_profile_interface(p, h->interface_code);
  xmlNodePtr root;
  ctk_msg *m;

  *out = NULL;
  if(!in)
    return CTK_E_NOTFOUND;
  m = msg_alloc(p, ctk_el(p, CTK_EL_MESSAGE), &root);
  if(!m)
    return CTK_E_NOMEM;
  m->head = *h;
  if(add_head(p, root, &m->head, 0) == CTK_E_OK)
    m->body = ctk_xml_add(ctk_xml_add(root, ctk_el(p, CTK_EL_BODY), NULL), in->request_element,
                          NULL);
  if(!m->body) {
    ctk_msg_free(m);
    return CTK_E_NOMEM;
  }
  *out = m;
  return CTK_E_OK;
}

ctk_code ctk_msg_new_request(const ctk_profile *p, const char *interface_code,
                             const ctk_node *sender, const ctk_node *receiver, ctk_msg **out)
{
  ctk_head h;

  *out = NULL;
  if(!sender || !receiver)
    return ctk_profile_interface(p, interface_code) ? CTK_E_INVAL : CTK_E_NOTFOUND;
  ctk_msg_request_head(p, interface_code, sender, receiver, &h);
  return ctk_msg_new_request_head(p, &h, out);
}

void ctk_xml_copy_elements(xmlNodePtr dst, const xmlNode *src)
{
  const xmlNode *c;
  for(c = src ? src->children : NULL; c; c = c->next) {
    xmlNodePtr el;
    if(c->type != XML_ELEMENT_NODE)
      continue;
    if(xml_has_element_child(c)) {
      el = ctk_xml_add(dst, (const char *)c->name, NULL);
      if(el)
        ctk_xml_copy_elements(el, c);
    }
    else {
      xmlChar *text = xmlNodeGetContent(c);
      ctk_xml_add(dst, (const char *)c->name, text ? (const char *)text : "");
      xmlFree(text);
    }
  }
}

static ctk_code add_result(const ctk_profile *p, xmlNodePtr root, const ctk_outcome *o)
{
  xmlNodePtr r = ctk_xml_add(root, ctk_el(p, CTK_EL_RESULT), NULL);
  int ok = r && ctk_xml_add(r, ctk_el(p, CTK_EL_RESULT_CODE), o->code) &&
           ctk_xml_add(r, ctk_el(p, CTK_EL_RESULT_TEXT), o->text[0] ? o->text : "-");

  if(ok && o->where[0])
    ok = ctk_xml_add(r, ctk_el(p, CTK_EL_RESULT_WHERE), o->where) != NULL;
  if(ok && o->requirement[0])
    ok = ctk_xml_add(r, ctk_el(p, CTK_EL_RESULT_REQUIREMENT), o->requirement) != NULL;
  return ok ? CTK_E_OK : CTK_E_NOMEM;
}

void ctk_msg_answer_head(const ctk_profile *p, const ctk_head *req_head, ctk_head *out)
{
  head_init(p, out, req_head->interface_code, &req_head->receiver, &req_head->sender);
  ctk_strlcpy(out->correl_id, req_head->msg_id, sizeof(out->correl_id));
}

ctk_code ctk_msg_new_answer_head(const ctk_profile *p, const ctk_head *h,
                                 const ctk_outcome *outcome, int with_body, ctk_msg **out)
{
  const ctk_interface *in = ctk_profile_interface(p, h->interface_code);
  xmlNodePtr root;
  ctk_msg *m;
  ctk_code result;

  *out = NULL;
  m = msg_alloc(p, ctk_el(p, CTK_EL_ANSWER), &root);
  if(!m)
    return CTK_E_NOMEM;
  m->is_answer = 1;
  m->head = *h;
  m->outcome = *outcome;
  result = add_head(p, root, &m->head, 1);
  if(!result)
    result = add_result(p, root, outcome);
  if(!result && with_body && in && in->answer_element[0]) {
    m->body = ctk_xml_add(ctk_xml_add(root, ctk_el(p, CTK_EL_BODY), NULL), in->answer_element,
                          NULL);
    if(!m->body)
      result = CTK_E_NOMEM;
  }
  if(result) {
    ctk_msg_free(m);
    return result;
  }
  *out = m;
  return CTK_E_OK;
}

ctk_code ctk_msg_new_answer_to(const ctk_profile *p, const ctk_head *req_head,
                               const ctk_outcome *outcome, int with_body, ctk_msg **out)
{
  ctk_head h;
  ctk_msg_answer_head(p, req_head, &h);
  return ctk_msg_new_answer_head(p, &h, outcome, with_body, out);
}

ctk_code ctk_msg_new_answer(const ctk_profile *p, const ctk_msg *req, const ctk_outcome *outcome,
                            int with_body, ctk_msg **out)
{
  if(!req) {
    *out = NULL;
    return CTK_E_INVAL;
  }
  return ctk_msg_new_answer_to(p, &req->head, outcome, with_body, out);
}

void ctk_msg_free(ctk_msg *m)
{
  if(!m)
    return;
  if(m->doc)
    xmlFreeDoc(m->doc);
  free(m);
}

/* ---------- encoding ---------- */

/* Serialise doc in encoding (libxml2 converts and writes the declaration; characters GBK
 * cannot hold become character references). no_decl drops the XML declaration. */
static ctk_code save_doc(xmlDocPtr doc, const char *encoding, int no_decl, ctk_buf *out)
{
  xmlBufferPtr xb = xmlBufferCreate();
  xmlSaveCtxtPtr save;
  ctk_code result = CTK_E_OK;

  if(!xb)
    return CTK_E_NOMEM;
  save = xmlSaveToBuffer(xb, encoding, no_decl ? XML_SAVE_NO_DECL : 0);
  if(!save) {
    xmlBufferFree(xb);
    return CTK_E_ENCODING;
  }
  if(xmlSaveDoc(save, doc) < 0)
    result = CTK_E_ENCODING;
  if(xmlSaveClose(save) < 0 && !result)
    result = CTK_E_ENCODING;
  if(!result)
    result = ctk_buf_add(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
  xmlBufferFree(xb);
  return result;
}

/* The SOAP envelope around the business XML, which travels as CDATA text. */
static ctk_code encode_soap(const ctk_profile *p, const ctk_msg *m, xmlDocPtr doc, ctk_encoding e,
                            ctk_buf *out)
{
  ctk_buf inner;
  xmlDocPtr env = NULL;
  xmlNodePtr root = NULL;
  xmlNodePtr op = NULL;
  xmlNodePtr part = NULL;
  xmlNsPtr soap;
  xmlNsPtr ex;
  ctk_code result;

  ctk_buf_init(&inner, out->max);
  result = save_doc(doc, "UTF-8", 1, &inner);
  while(!result && inner.len && inner.data[inner.len - 1] == '\n')
    inner.data[--inner.len] = '\0'; /* the serialiser's final newline is not content */
  if(!result) {
    env = xmlNewDoc((const xmlChar *)"1.0");
    root = env ? xmlNewDocNode(env, NULL, (const xmlChar *)"Envelope", NULL) : NULL;
  }
  if(root) {
    xmlDocSetRootElement(env, root);
    soap = xmlNewNs(root, (const xmlChar *)SOAP11_NS, (const xmlChar *)"soap");
    ex = xmlNewNs(root, (const xmlChar *)p->soap_ns, (const xmlChar *)"ex");
    xmlSetNs(root, soap);
    op = xmlNewChild(xmlNewChild(root, soap, BAD_CAST SOAP11_BODY, NULL), ex,
                     BAD_CAST ctk_el(p, m->is_answer ? CTK_EL_SOAP_RESPONSE : CTK_EL_SOAP_REQUEST),
                     NULL);
    part = op ? xmlNewChild(op, ex, BAD_CAST ctk_el(p, m->is_answer ? CTK_EL_SOAP_RESPONSE_PART
                                                                  : CTK_EL_SOAP_REQUEST_PART),
                            NULL)
              : NULL;
  }
  if(!result && (!part || !xmlAddChild(part, xmlNewCDataBlock(env,
                                                             (const xmlChar *)ctk_buf_str(&inner),
                                                             (int)inner.len))))
    result = CTK_E_NOMEM;
  if(!result)
    result = save_doc(env, ctk_encoding_name(e), 0, out);
  if(env)
    xmlFreeDoc(env);
  ctk_buf_free(&inner);
  return result;
}

ctk_code ctk_msg_encode(const ctk_profile *p, const ctk_msg *m, ctk_binding b, ctk_encoding e,
                        ctk_buf *out)
{
  xmlDocPtr doc, copy = NULL;
  ctk_code result;

  if(!p || !m || !m->doc || !out)
    return CTK_E_INVAL;
  /* Builders write heads, results and bodies in one order; a profile may want another: a copy
   * put in its schema order goes out. */
  doc = m->doc;
  if(!ctk_compose_in_order(p, xmlDocGetRootElement(doc))) {
    copy = xmlCopyDoc(doc, 1);
    if(!copy)
      return CTK_E_NOMEM;
    copy->_private = doc->_private;
    ctk_compose_conform(p, xmlDocGetRootElement(copy));
    doc = copy;
  }
  if(b == CTK_BIND_SOAP)
    result = encode_soap(p, m, doc, e, out);
  else
    result = save_doc(doc, ctk_encoding_name(e), 0, out);
  if(copy)
    xmlFreeDoc(copy);
  return result;
}

/* ---------- decoding ---------- */

static void copy_text(char *dst, size_t dstlen, xmlNodePtr n)
{
  const char *t = leaf_text(n);
  ctk_strlcpy(dst, t ? t : "", dstlen);
}

static void read_node(const ctk_profile *p, xmlNodePtr n, ctk_node *out)
{
  copy_text(out->region, sizeof(out->region), ctk_xml_child(n, ctk_el(p, CTK_EL_NODE_REGION)));
  out->level =
    ctk_profile_level_parse(p, leaf_text(ctk_xml_child(n, ctk_el(p, CTK_EL_NODE_LEVEL))));
}

static void read_head(const ctk_profile *p, ctk_msg *m, xmlNodePtr head)
{
  ctk_head *h = &m->head;
  copy_text(h->msg_id, sizeof(h->msg_id), ctk_xml_child(head, ctk_el(p, CTK_EL_MSG_ID)));
  copy_text(h->interface_code, sizeof(h->interface_code),
            ctk_xml_child(head, ctk_el(p, CTK_EL_INTERFACE_CODE)));
  read_node(p, ctk_xml_child(head, ctk_el(p, CTK_EL_SENDER)), &h->sender);
  read_node(p, ctk_xml_child(head, ctk_el(p, CTK_EL_RECEIVER)), &h->receiver);
  copy_text(h->send_time, sizeof(h->send_time), ctk_xml_child(head, ctk_el(p, CTK_EL_SEND_TIME)));
  copy_text(h->profile_version, sizeof(h->profile_version),
            ctk_xml_child(head, ctk_el(p, CTK_EL_PROFILE_VERSION)));
  copy_text(h->correl_id, sizeof(h->correl_id), ctk_xml_child(head, ctk_el(p, CTK_EL_CORREL_ID)));
}

static void read_result(const ctk_profile *p, ctk_msg *m, xmlNodePtr result)
{
  ctk_outcome *o = &m->outcome;
  copy_text(o->code, sizeof(o->code), ctk_xml_child(result, ctk_el(p, CTK_EL_RESULT_CODE)));
  copy_text(o->text, sizeof(o->text), ctk_xml_child(result, ctk_el(p, CTK_EL_RESULT_TEXT)));
  copy_text(o->where, sizeof(o->where), ctk_xml_child(result, ctk_el(p, CTK_EL_RESULT_WHERE)));
  copy_text(o->requirement, sizeof(o->requirement),
            ctk_xml_child(result, ctk_el(p, CTK_EL_RESULT_REQUIREMENT)));
}

static int in_ns(xmlNodePtr n, const char *ns)
{
  return n && n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ns);
}

/* Take doc (a Message or an Answer) into a new ctk_msg; doc is owned by it or freed. */
static ctk_code msg_from_doc(const ctk_profile *p, xmlDocPtr doc, ctk_msg **out,
                             ctk_outcome *why)
{
  xmlNodePtr root = xmlDocGetRootElement(doc);
  int is_answer = root && !strcmp((const char *)root->name, ctk_el(p, CTK_EL_ANSWER));
  ctk_msg *m;

  if(!in_ns(root, p->ns) ||
     (!is_answer && strcmp((const char *)root->name, ctk_el(p, CTK_EL_MESSAGE)))) {
    ctk_outcome_set(why, p, "MALFORMED", "/", ctk_profile_rule(p, "envelope"),
                    "document element must be %s or %s in namespace %s",
                    ctk_el(p, CTK_EL_MESSAGE), ctk_el(p, CTK_EL_ANSWER), p->ns);
    xmlFreeDoc(doc);
    return CTK_E_PARSE;
  }
  m = calloc(1, sizeof(*m));
  if(!m) {
    xmlFreeDoc(doc);
    ctk_outcome_set(why, p, "INTERNAL", "", "", "out of memory");
    return CTK_E_NOMEM;
  }
  m->doc = doc;
  doc->_private = (void *)p;
  m->profile = p;
  m->is_answer = is_answer;
  read_head(p, m, ctk_xml_child(root, ctk_el(p, CTK_EL_HEAD)));
  if(is_answer)
    read_result(p, m, ctk_xml_child(root, ctk_el(p, CTK_EL_RESULT)));
  m->body = first_element(ctk_xml_child(root, ctk_el(p, CTK_EL_BODY)));
  *out = m;
  return CTK_E_OK;
}

ctk_code ctk_msg_adopt(const ctk_profile *p, xmlDocPtr doc, ctk_msg **out, ctk_outcome *why)
{
  *out = NULL;
  return msg_from_doc(p, doc, out, why);
}

static ctk_code fault_to_outcome(const ctk_profile *p, const ctk_xml_fault *f, ctk_outcome *why)
{
  char where[32] = "";

  if(f->line > 0)
    snprintf(where, sizeof(where), "line %d", f->line);
  ctk_outcome_set(why, p, f->result, where, ctk_profile_rule(p, f->rule), "%s", f->text);
  if(!strcmp(f->result, "ENCODING"))
    return CTK_E_ENCODING;
  if(!strcmp(f->result, "FORBIDDEN"))
    return CTK_E_FORBIDDEN;
  if(!strcmp(f->result, "TOO_LARGE"))
    return CTK_E_TOOBIG;
  return CTK_E_PARSE;
}

/* ex:exchange/ex:message (request) or ex:exchangeResponse/ex:answer (answer)? */
static int soap_part_ok(const ctk_profile *p, xmlNodePtr op, xmlNodePtr part)
{
  if(!in_ns(op, p->soap_ns) || !in_ns(part, p->soap_ns))
    return 0;
  if(!strcmp((const char *)op->name, ctk_el(p, CTK_EL_SOAP_REQUEST)))
    return !strcmp((const char *)part->name, ctk_el(p, CTK_EL_SOAP_REQUEST_PART));
  if(!strcmp((const char *)op->name, ctk_el(p, CTK_EL_SOAP_RESPONSE)))
    return !strcmp((const char *)part->name, ctk_el(p, CTK_EL_SOAP_RESPONSE_PART));
  return 0;
}

/* Where a decode failure points for the two SOAP 1.1 faults that are not Client. */
#define SOAP_WHERE_VERSION "/Envelope"
#define SOAP_WHERE_HEADER "/Envelope/Header/"
#define SOAP11_ACTOR_NEXT "http://schemas.xmlsoap.org/soap/actor/next"

const char *ctk_msg_soap_faultcode(const ctk_outcome *why)
{
  if(!strcmp(why->where, SOAP_WHERE_VERSION))
    return "VersionMismatch";
  if(!strncmp(why->where, SOAP_WHERE_HEADER, strlen(SOAP_WHERE_HEADER)))
    return "MustUnderstand";
  return "Client";
}

/* A header block meant for us (no actor, or the "next" one) with mustUnderstand="1".
 * SOAP 1.1 4.2.3: a recipient that does not understand such a block must fault with
 * MustUnderstand rather than go on; this binding defines no header, so none is understood. */
static xmlNodePtr soap_must_understand(xmlNodePtr header)
{
  xmlNodePtr h;
  for(h = header ? header->children : NULL; h; h = h->next) {
    xmlChar *mu;
    xmlChar *actor;
    int must;
    if(h->type != XML_ELEMENT_NODE)
      continue;
    mu = xmlGetNsProp(h, (const xmlChar *)"mustUnderstand", (const xmlChar *)SOAP11_NS);
    actor = xmlGetNsProp(h, (const xmlChar *)"actor", (const xmlChar *)SOAP11_NS);
    must = mu && (!strcmp((const char *)mu, "1") || !strcmp((const char *)mu, "true")) &&
           (!actor || !strcmp((const char *)actor, SOAP11_ACTOR_NEXT));
    xmlFree(mu);
    xmlFree(actor);
    if(must)
      return h;
  }
  return NULL;
}

/* The profile's limits of one document. */
static void msg_limits(const ctk_profile *p, ctk_xml_limits *lim)
{
  lim->max_bytes = p->max_message_bytes;
  lim->max_depth = p->max_depth;
  lim->max_attributes = p->max_attributes;
  lim->max_elements = p->max_elements;
  lim->max_text = p->max_text;
}

/* The business XML inside a SOAP envelope: the characters of ex:message (or ex:answer). */
static ctk_code soap_unwrap(const ctk_profile *p, xmlDocPtr env, xmlDocPtr *inner,
                            ctk_outcome *why)
{
  xmlNodePtr root = xmlDocGetRootElement(env);
  xmlNodePtr body = ctk_xml_child(root, SOAP11_BODY);
  xmlNodePtr op = first_element(body);
  xmlNodePtr part = first_element(op);
  const char *rule = ctk_profile_rule(p, "envelope");
  ctk_xml_limits lim;
  ctk_xml_fault fault;
  xmlChar *text;

  *inner = NULL;
  if(root && !strcmp((const char *)root->name, "Envelope") && !in_ns(root, SOAP11_NS)) {
    /* SOAP 1.1 4.4.1: an Envelope in another namespace (SOAP 1.2's) is VersionMismatch */
    ctk_outcome_set(why, p, "MALFORMED", SOAP_WHERE_VERSION, rule,
                    "the Envelope's namespace is %s, not SOAP 1.1's %s",
                    root->ns && root->ns->href ? (const char *)root->ns->href : "none",
                    SOAP11_NS);
    return CTK_E_PARSE;
  }
  if(!in_ns(root, SOAP11_NS) || strcmp((const char *)root->name, "Envelope") ||
     !in_ns(body, SOAP11_NS)) {
    ctk_outcome_set(why, p, "MALFORMED", "/", rule, "not a SOAP 1.1 Envelope with a Body");
    return CTK_E_PARSE;
  }
  {
    xmlNodePtr header = ctk_xml_child(root, "Header");
    xmlNodePtr block = in_ns(header, SOAP11_NS) ? soap_must_understand(header) : NULL;
    if(block) {
      ctk_outcome_set(why, p, "MALFORMED", "", rule,
                      "header %s%s%s%s has mustUnderstand=\"1\" and this binding understands "
                      "no SOAP header", block->ns ? "{" : "",
                      block->ns ? (const char *)block->ns->href : "",
                      block->ns ? "}" : "", (const char *)block->name);
      snprintf(why->where, sizeof(why->where), SOAP_WHERE_HEADER "%s",
               (const char *)block->name);
      return CTK_E_PARSE;
    }
  }
  if(op && in_ns(op, SOAP11_NS) && !strcmp((const char *)op->name, "Fault")) {
    ctk_outcome_set(why, p, "MALFORMED", "/Envelope/Body/Fault", rule, "SOAP Fault: %s",
                    leaf_text(ctk_xml_child(op, "faultstring")));
    return CTK_E_PARSE;
  }
  if(!soap_part_ok(p, op, part)) {
    ctk_outcome_set(why, p, "MALFORMED", "/Envelope/Body", rule,
                    "SOAP Body must hold ex:%s/ex:%s or ex:%s/ex:%s (ex = %s)",
                    ctk_el(p, CTK_EL_SOAP_REQUEST), ctk_el(p, CTK_EL_SOAP_REQUEST_PART),
                    ctk_el(p, CTK_EL_SOAP_RESPONSE), ctk_el(p, CTK_EL_SOAP_RESPONSE_PART),
                    p->soap_ns);
    return CTK_E_PARSE;
  }
  text = xmlNodeGetContent(part);
  msg_limits(p, &lim);
  *inner = text ? ctk_xml_parse_utf8((const char *)text, strlen((const char *)text), &lim, &fault)
                : NULL;
  xmlFree(text);
  if(!*inner)
    return text ? fault_to_outcome(p, &fault, why) : CTK_E_NOMEM;
  return CTK_E_OK;
}

ctk_code ctk_msg_decode(const ctk_profile *p, const char *data, size_t len, ctk_binding b,
                        ctk_msg **out, ctk_outcome *why)
{
  char declared[64];
  int enc = CTK_ENC_UTF8;
  ctk_xml_limits lim;
  ctk_xml_fault fault;
  xmlDocPtr doc;
  ctk_code result;

  *out = NULL;
  memset(why, 0, sizeof(*why));
  if(!data)
    len = 0;
  if(len > p->max_message_bytes) {
    ctk_outcome_set(why, p, "TOO_LARGE", "", ctk_profile_rule(p, "size"),
                    "message larger than the limit of %zu bytes", p->max_message_bytes);
    return CTK_E_TOOBIG;
  }
  if(len && !ctk_xml_declared_encoding(data, len, declared, sizeof(declared)) && declared[0]) {
    enc = ctk_encoding_parse(declared);
    if(enc < 0 || !(p->encodings & (1u << enc))) {
      ctk_outcome_set(why, p, "ENCODING", "line 1", ctk_profile_rule(p, "encoding"),
                      "encoding %s is not allowed by the profile", declared);
      return CTK_E_ENCODING;
    }
  }
  msg_limits(p, &lim);
  doc = ctk_xml_parse_bytes(data ? data : "", len, &lim, &fault);
  if(!doc)
    return fault_to_outcome(p, &fault, why);
  if(b == CTK_BIND_SOAP) {
    xmlDocPtr inner;
    result = soap_unwrap(p, doc, &inner, why);
    xmlFreeDoc(doc);
    if(result)
      return result;
    doc = inner;
  }
  result = msg_from_doc(p, doc, out, why);
  if(!result) {
    (*out)->binding = b;
    (*out)->encoding = (ctk_encoding)enc;
  }
  return result;
}

/* ---------- content digest ---------- */

/* Framing bytes between the pieces fed to the digest. XML 1.0 text, names and attribute values
 * cannot contain these control characters, so the stream reads back one way only. */
#define DIGEST_ELEMENT "\x01"
#define DIGEST_ATTRIBUTE "\x02"
#define DIGEST_END "\x03"
#define DIGEST_SEP "\x04"

/* The pieces are small (a name, a value), so they are gathered here and handed to SHA-256 a
 * few kilobytes at a time: one EVP call per piece costs more than the hashing itself. */
typedef struct digest_sink {
  EVP_MD_CTX *md;
  size_t used;
  unsigned char chunk[4096];
} digest_sink;

static int digest_add(digest_sink *d, const char *s)
{
  size_t len = s ? strlen(s) : 0;
  if(d->used + len > sizeof(d->chunk)) {
    if(!EVP_DigestUpdate(d->md, d->chunk, d->used))
      return 0;
    d->used = 0;
    if(len > sizeof(d->chunk))
      return EVP_DigestUpdate(d->md, s, len);
  }
  memcpy(d->chunk + d->used, s ? s : "", len);
  d->used += len;
  return 1;
}

static int digest_name(digest_sink *d, const char *mark, const xmlNode *n)
{
  return digest_add(d, mark) && digest_add(d, n->ns ? (const char *)n->ns->href : "") &&
         digest_add(d, DIGEST_SEP) && digest_add(d, (const char *)n->name) &&
         digest_add(d, DIGEST_SEP);
}

static int digest_blank(const xmlChar *s)
{
  for(; s && *s; s++) {
    if(*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
      return 0;
  }
  return 1;
}

/* Feed element e and what is under it, leaving out skip (and what is under it). */
static int digest_element(digest_sink *md, const xmlNode *e, const xmlNode *skip)
{
  const xmlAttr *a;
  const xmlNode *c;
  int structured = xml_has_element_child(e);

  if(!digest_name(md, DIGEST_ELEMENT, e))
    return 0;
  for(a = e->properties; a; a = a->next) {
    const xmlNode *v;
    if(!digest_name(md, DIGEST_ATTRIBUTE, (const xmlNode *)a))
      return 0;
    for(v = a->children; v; v = v->next) {
      if(!digest_add(md, (const char *)v->content))
        return 0;
    }
  }
  for(c = e->children; c; c = c->next) {
    if(c == skip)
      continue;
    if(c->type == XML_ELEMENT_NODE) {
      if(!digest_element(md, c, skip))
        return 0;
    }
    else if(c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      /* indentation between child elements is formatting, not content */
      if(structured && digest_blank(c->content))
        continue;
      if(!digest_add(md, (const char *)c->content))
        return 0;
    }
  }
  return digest_add(md, DIGEST_END);
}

ctk_code ctk_msg_digest(const ctk_msg *m, char out[65])
{
  xmlNodePtr root = m && m->doc ? xmlDocGetRootElement(m->doc) : NULL;
  const ctk_profile *p = m ? m->profile : NULL;
  xmlNodePtr send_time = p ? ctk_xml_child(ctk_xml_child(root, ctk_el(p, CTK_EL_HEAD)),
                                           ctk_el(p, CTK_EL_SEND_TIME))
                           : NULL;
  digest_sink d;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  int ok;

  out[0] = '\0';
  if(!root)
    return CTK_E_INVAL;
  d.md = EVP_MD_CTX_new();
  d.used = 0;
  if(!d.md)
    return CTK_E_NOMEM;
  ok = EVP_DigestInit_ex(d.md, EVP_sha256(), NULL) && digest_element(&d, root, send_time) &&
       EVP_DigestUpdate(d.md, d.chunk, d.used) && EVP_DigestFinal_ex(d.md, digest, &mdlen);
  EVP_MD_CTX_free(d.md);
  if(!ok || mdlen != 32)
    return CTK_E_CRYPTO;
  ctk_hex(digest, mdlen, out);
  return CTK_E_OK;
}
