/* ctk_msg_tpl: messages written from a template made by the real encoder.
 *
 * Building a message as a libxml2 document and serialising it costs more than the rest of a
 * small message's work; yet a success answer differs from the next only in its head values,
 * which are ids, codes, region numbers and a time: plain ASCII that XML carries unescaped and
 * GBK and UTF-8 write alike. A forward differs in those and in its body, which is the received
 * body as ctk_xml_dump_plain writes it. So the encoder writes the message once with a mark in
 * place of each value, and each exchange's message is the template's bytes with its values
 * between. */
#include "ctk_msg_tpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The variable parts of a message, in the order of slot_value's switch. */
enum {
  SLOT_MSGID,
  SLOT_INTERFACE,
  SLOT_SENDER_REGION,
  SLOT_SENDER_LEVEL,
  SLOT_RECEIVER_REGION,
  SLOT_RECEIVER_LEVEL,
  SLOT_SEND_TIME,
  SLOT_CORREL_ID,                    /* answers only */
  SLOT_BODY,                         /* requests only: the body element */
  SLOT_COUNT
};

/* Where each slot's element is under the document element, as element roles (CTK_EL__COUNT
 * ends a shorter path). */
static const ctk_element_role slot_path[SLOT_COUNT][3] = {
  {CTK_EL_HEAD, CTK_EL_MSG_ID, CTK_EL__COUNT},
  {CTK_EL_HEAD, CTK_EL_INTERFACE_CODE, CTK_EL__COUNT},
  {CTK_EL_HEAD, CTK_EL_SENDER, CTK_EL_NODE_REGION},
  {CTK_EL_HEAD, CTK_EL_SENDER, CTK_EL_NODE_LEVEL},
  {CTK_EL_HEAD, CTK_EL_RECEIVER, CTK_EL_NODE_REGION},
  {CTK_EL_HEAD, CTK_EL_RECEIVER, CTK_EL_NODE_LEVEL},
  {CTK_EL_HEAD, CTK_EL_SEND_TIME, CTK_EL__COUNT},
  {CTK_EL_HEAD, CTK_EL_CORREL_ID, CTK_EL__COUNT},
  {CTK_EL_BODY, CTK_EL__COUNT, CTK_EL__COUNT},
};

#define MARK_LEN 11                  /* "CTKSLOT" + 2 digits + "ZZ" */

struct ctk_msg_tpl {
  const ctk_profile *p;              /* whose level codes the head slots take */
  ctk_buf bytes;                     /* the encoded message with marks */
  ctk_binding binding;
  int n_slots;                       /* the slots this message has */
  int order[SLOT_COUNT];             /* its slots by offset */
  size_t at[SLOT_COUNT];             /* offset of each slot's mark in bytes */
};

static void mark_of(int slot, char out[MARK_LEN + 1])
{
  snprintf(out, MARK_LEN + 1, "CTKSLOT%02dZZ", slot);
}

/* The value of a head slot in h, as the encoder writes it (levels as the profile's codes). */
static const char *slot_value(const ctk_profile *p, const ctk_head *h, int slot)
{
  switch(slot) {
  case SLOT_MSGID: return h->msg_id;
  case SLOT_INTERFACE: return h->interface_code;
  case SLOT_SENDER_REGION: return h->sender.region;
  case SLOT_SENDER_LEVEL: return ctk_profile_level_code(p, h->sender.level);
  case SLOT_RECEIVER_REGION: return h->receiver.region;
  case SLOT_RECEIVER_LEVEL: return ctk_profile_level_code(p, h->receiver.level);
  case SLOT_SEND_TIME: return h->send_time;
  default: return h->correl_id;
  }
}

/* 1 when every encoder (XML or SOAP's CDATA, UTF-8 or GBK) writes s unchanged. */
static int plain_value(const char *s)
{
  if(!*s)
    return 0;
  for(; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if(c < 0x20 || c > 0x7e || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'')
      return 0;
  }
  return 1;
}

static xmlNodePtr node_at(const ctk_profile *p, xmlNodePtr root, const ctk_element_role path[3])
{
  xmlNodePtr n = root;
  int i;
  for(i = 0; i < 3 && path[i] != CTK_EL__COUNT && n; i++)
    n = ctk_xml_child(n, ctk_el(p, path[i]));
  return n;
}

/* Find each slot's mark in t->bytes exactly once and sort the slots by where they are. */
static ctk_code find_marks(ctk_msg_tpl *t, const int *slots, int n_slots)
{
  const char *data = t->bytes.data;
  size_t len = t->bytes.len;
  int k;
  int i;

  for(k = 0; k < n_slots; k++) {
    int slot = slots[k];
    char mark[MARK_LEN + 1];
    const char *hit;
    mark_of(slot, mark);
    hit = memmem(data, len, mark, MARK_LEN);
    if(!hit || memmem(hit + 1, len - (size_t)(hit + 1 - data), mark, MARK_LEN))
      return CTK_E_PARSE;
    t->at[slot] = (size_t)(hit - data);
    /* insertion sort by offset */
    for(i = k; i > 0 && t->at[t->order[i - 1]] > t->at[slot]; i--)
      t->order[i] = t->order[i - 1];
    t->order[i] = slot;
  }
  t->n_slots = n_slots;
  return CTK_E_OK;
}

/* Replace the content of each slot's element of m (the head's, and last: CorrelId or the
 * Body) by its mark, encode, find the marks. */
static ctk_code tpl_make(const ctk_profile *p, ctk_msg *m, int last, ctk_binding b,
                         ctk_encoding e, ctk_msg_tpl **out)
{
  const int slots[] = { SLOT_MSGID, SLOT_INTERFACE, SLOT_SENDER_REGION, SLOT_SENDER_LEVEL,
                        SLOT_RECEIVER_REGION, SLOT_RECEIVER_LEVEL, SLOT_SEND_TIME, last };
  const int n_slots = (int)(sizeof(slots) / sizeof(slots[0]));
  ctk_msg_tpl *t;
  ctk_code result = CTK_E_OK;
  int k;

  *out = NULL;
  t = calloc(1, sizeof(*t));
  if(!t)
    return CTK_E_NOMEM;
  ctk_buf_init(&t->bytes, 64 * 1024);
  t->p = p;
  t->binding = b;
  for(k = 0; k < n_slots; k++) {
    char mark[MARK_LEN + 1];
    xmlNodePtr n = node_at(p, xmlDocGetRootElement(m->doc), slot_path[slots[k]]);
    if(!n) {
      result = CTK_E_PARSE;
      break;
    }
    mark_of(slots[k], mark);
    xmlNodeSetContent(n, BAD_CAST mark);  /* the Body's element goes with it */
  }
  if(!result)
    result = ctk_msg_encode(p, m, b, e, &t->bytes);
  if(!result)
    result = find_marks(t, slots, n_slots);
  if(result) {
    ctk_msg_tpl_free(t);
    return result;
  }
  *out = t;
  return CTK_E_OK;
}

/* Any valid head for the message a template is made from (every value is replaced by a mark). */
static void tpl_head(const ctk_profile *p, const char *interface_code, ctk_head *h)
{
  memset(h, 0, sizeof(*h));
  ctk_strlcpy(h->interface_code, interface_code, sizeof(h->interface_code));
  ctk_msg_make_id("000000", h->msg_id);
  ctk_profile_now(p, h->send_time, sizeof(h->send_time));
  ctk_strlcpy(h->profile_version, p->version, sizeof(h->profile_version));
  ctk_strlcpy(h->correl_id, h->msg_id, sizeof(h->correl_id));
}

ctk_code ctk_msg_tpl_answer(const ctk_profile *p, const ctk_outcome *o, ctk_binding b,
                            ctk_encoding e, ctk_msg_tpl **out)
{
  ctk_head h;
  ctk_msg *m = NULL;
  ctk_code result;

  *out = NULL;
  tpl_head(p, p->n_interfaces ? p->interfaces[0].code : "0", &h);
  result = ctk_msg_new_answer_head(p, &h, o, 0, &m);
  if(!result)
    result = tpl_make(p, m, SLOT_CORREL_ID, b, e, out);
  ctk_msg_free(m);
  return result;
}

ctk_code ctk_msg_tpl_request(const ctk_profile *p, const char *interface_code, ctk_binding b,
                             ctk_msg_tpl **out)
{
  ctk_head h;
  ctk_msg *m = NULL;
  ctk_code result;

  *out = NULL;
  tpl_head(p, interface_code, &h);
  result = ctk_msg_new_request_head(p, &h, &m);
  if(!result)
    result = tpl_make(p, m, SLOT_BODY, b, CTK_ENC_UTF8, out);
  ctk_msg_free(m);
  return result;
}

ctk_code ctk_msg_tpl_fill(const ctk_msg_tpl *t, const ctk_head *h, const xmlNode *body,
                          ctk_buf *out)
{
  const char *value[SLOT_COUNT];
  size_t from = 0;
  size_t start = out->len;
  ctk_code result = CTK_E_OK;
  int i;

  for(i = 0; i < t->n_slots; i++) {
    int slot = t->order[i];
    if(slot == SLOT_BODY) {
      if(!body)
        return CTK_E_INVAL;
      continue;
    }
    value[slot] = slot_value(t->p, h, slot);
    if(!plain_value(value[slot]))
      return CTK_E_INVAL;
  }
  for(i = 0; !result && i < t->n_slots; i++) {
    int slot = t->order[i];
    result = ctk_buf_add(out, t->bytes.data + from, t->at[slot] - from);
    if(!result && slot == SLOT_BODY) {
      size_t body_at = out->len;
      result = ctk_xml_dump_plain(body, out);
      /* inside SOAP's CDATA section the body must not end it */
      if(!result && t->binding == CTK_BIND_SOAP &&
         memmem(out->data + body_at, out->len - body_at, "]]>", 3))
        result = CTK_E_INVAL;
    }
    else if(!result)
      result = ctk_buf_adds(out, value[slot]);
    from = t->at[slot] + MARK_LEN;
  }
  if(!result)
    result = ctk_buf_add(out, t->bytes.data + from, t->bytes.len - from);
  if(result) {
    out->len = start;          /* nothing half-written */
    if(out->data)
      out->data[start] = '\0';
  }
  return result;
}

void ctk_msg_tpl_free(ctk_msg_tpl *t)
{
  if(!t)
    return;
  ctk_buf_free(&t->bytes);
  free(t);
}
