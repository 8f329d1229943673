/* ctk_node_flow: the business step of each interface at a ministry or province: state machine,
 * access to the order, routing, and what is forwarded to which neighbour. Runs inside the
 * store transaction of the message, so a refusal leaves nothing behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ctk_compose.h"
#include "ctk_log.h"
#include "ctk_node_internal.h"

#define FLOW_LINKS 3

/* ---------- small helpers ---------- */

/* The body's work order element, or NULL. */
static xmlNodePtr flow_work_order(const ctk_exchange *x)
{
  return ctk_xml_child(x->req->body, ctk_el(x->n->profile, CTK_EL_WORK_ORDER));
}

/* No parent: a field right under the body element. */
#define FLOW_BODY CTK_EL__COUNT

/* The text of the body's child of role leaf, or of the child of role leaf under the body's
 * child of role parent; "" when absent. */
static const char *flow_get_in(const ctk_exchange *x, ctk_element_role parent,
                               ctk_element_role leaf)
{
  const ctk_profile *p = x->n->profile;
  char path[2 * CTK_NAME_MAX + 2];
  const char *v;

  if(parent == FLOW_BODY)
    v = ctk_msg_get(x->req, ctk_el(p, leaf));
  else {
    snprintf(path, sizeof(path), "%s/%s", ctk_el(p, parent), ctk_el(p, leaf));
    v = ctk_msg_get(x->req, path);
  }
  return v ? v : "";
}

static const char *flow_get(const ctk_exchange *x, ctk_element_role leaf)
{
  return flow_get_in(x, FLOW_BODY, leaf);
}

/* The requirement behind one of the engine's checks (catalog.xml <rules>). */
static const char *flow_rule(const ctk_exchange *x, const char *rule)
{
  return ctk_profile_rule(x->n->profile, rule);
}

/* Refuse with result, the XPath of the field (parent may be FLOW_BODY) and the requirement. */
static void flow_refuse(ctk_exchange *x, const char *result, ctk_element_role parent,
                        ctk_element_role leaf, const char *requirement, const char *text)
{
  const ctk_profile *p = x->n->profile;
  const char *body = x->req->body ? (const char *)x->req->body->name : "";
  char where[1024];        /* five names of up to CTK_NAME_MAX; ctk_outcome_set cuts it */

  if(parent == FLOW_BODY)
    snprintf(where, sizeof(where), "/%s/%s/%s/%s", ctk_el(p, CTK_EL_MESSAGE),
             ctk_el(p, CTK_EL_BODY), body, ctk_el(p, leaf));
  else
    snprintf(where, sizeof(where), "/%s/%s/%s/%s/%s", ctk_el(p, CTK_EL_MESSAGE),
             ctk_el(p, CTK_EL_BODY), body, ctk_el(p, parent), ctk_el(p, leaf));
  ctk_outcome_set(&x->outcome, p, result, where, requirement, "%s", text);
}

/* Now for the store's own stamps (xs:dateTime, Beijing time, whatever the profile). */
static void flow_now(char *out, size_t len)
{
  ctk_msg_now(out, len);
}

/* Now as the profile writes times on the wire. */
static void flow_now_wire(const ctk_exchange *x, char *out, size_t len)
{
  ctk_profile_now(x->n->profile, out, len);
}

/* The WorkOrder element, normalised and serialised (UTF-8, no namespace): what the store keeps
 * and what EXISTS compares. Written straight from the request's tree: building a copy of it to
 * let libxml2 write the copy cost 7 % of a report, for the same bytes. */
static ctk_code flow_order_xml(xmlNodePtr wo, ctk_buf *out)
{
  return ctk_xml_dump_plain(wo, out);
}

/* Last day to complete, YYYY-MM-DD: the order's own Deadline, else AcceptTime plus the working
 * days of its business type (--deadline override, else the profile). "" when none applies. */
static void flow_deadline(ctk_node_engine *n, const char *accept_time, const char *business_type,
                          const char *given, char out[CTK_STORE_TIME])
{
  int days = -1;
  size_t i;
  time_t start, end;
  int covered = 1;
  char full[40];

  out[0] = '\0';
  if(given && *given) {
    ctk_profile_day(n->profile, given, out);
    return;
  }
  for(i = 0; i < n->cfg.n_deadlines; i++) {
    if(!strcmp(n->cfg.deadlines[i].business_type, business_type))
      days = n->cfg.deadlines[i].working_days;
  }
  if(days < 0)
    days = ctk_profile_deadline_days(n->profile, business_type);
  if(days < 0 || ctk_profile_time_parse(n->profile, accept_time, &start))
    return;
  if(ctk_calendar_add_working_days(n->calendar, start, days, &end, &covered))
    return;
  if(ctk_datetime_format(end, full, sizeof(full)) == CTK_E_OK)
    ctk_strlcpy(out, full, 11);
}

/* The city that holds the order now: the target of its last transfer until that city
 * returns it, else the city that accepted it. */
static const char *flow_holder(const ctk_exchange *x, const ctk_order *o)
{
  if(!o->transferred || !o->transfer_to[0])
    return o->accept_region;
  if(!strcmp(o->status, ctk_st(x->n->profile, CTK_ST_RETURNED)))
    return o->accept_region;  /* returned: back with the city that gave it away */
  return o->transfer_to;
}

/* Is region (a city, or a province at the ministry) the given city or its province? */
static int flow_speaks_for(const ctk_exchange *x, const char *region, const char *city)
{
  char prov[8];

  if(!city[0])
    return 0;
  if(!strcmp(region, city))
    return 1;
  if(x->req->head.sender.level == CTK_LEVEL_CITY)
    return 0;
  ctk_node_province_of(x->n, city, prov);
  return !strcmp(prov, region);
}

/* Has the sender any standing on this order? From above: always. From below: if the order
 * passed it (accepted, handled, transferred to, came from or went to it), or its province at
 * the ministry. Without standing it learns nothing of the order, not even its state: DENIED
 * comes first. Enough to read it (a query). */
static int flow_has_standing(const ctk_exchange *x, const ctk_order *o)
{
  const char *s = x->req->head.sender.region;

  if(ctk_node_fault(x->n, CTK_PF_ignore_region) || x->dir == CTK_DIR_DOWN)
    return 1;
  return !strcmp(o->origin, s) || !strcmp(o->target, s) || !strcmp(o->up, s) ||
         flow_speaks_for(x, s, o->accept_region) || flow_speaks_for(x, s, o->handle_region) ||
         flow_speaks_for(x, s, o->transfer_to);
}

/* May the sender change this order, once its state allows the step? Revisit and archive close
 * the case with the citizen: the accepting city or the one holding the order. Every other step
 * (transfer, sign, return, feedback, complete) handles it: only the holder. A city that
 * transferred an order away may not finish it behind the new handler's back. */
static int flow_may_act(const ctk_exchange *x, const ctk_order *o)
{
  ctk_node_engine *n = x->n;
  const char *s = x->req->head.sender.region;
  ctk_interface_role role = ctk_profile_interface_role(n->profile, x->req->head.interface_code);
  const char *holder = flow_holder(x, o);

  if(ctk_node_fault(n, CTK_PF_ignore_region) || x->dir == CTK_DIR_DOWN)
    return 1;
  if(role == CTK_IF_REVISIT || role == CTK_IF_ARCHIVE)
    return flow_speaks_for(x, s, o->accept_region) || flow_speaks_for(x, s, holder);
  return flow_speaks_for(x, s, holder);
}

/* DENIED for a sender that may not do this to the order; returns 1 when refused. */
static int flow_refuse_act(ctk_exchange *x)
{
  flow_refuse(x, "DENIED", FLOW_BODY, CTK_EL_ORDER_ID, flow_rule(x, "ownership"),
              "the sender may not act on this order");
  return 1;
}

/* The transition this message makes from state from; NULL (and the STATE answer set) when the
 * process does not allow it. *to is the state after ("" = unchanged). */
static const ctk_transition *flow_transition(ctk_exchange *x, const char *from, const char **to)
{
  ctk_node_engine *n = x->n;
  const char *code = x->req->head.interface_code;
  const ctk_transition *t = ctk_profile_transition(n->profile, code, from, x->dir);
  const ctk_transition *any = NULL;
  char text[200];
  size_t i;

  for(i = 0; i < n->profile->n_transitions; i++) {
    if(!strcmp(n->profile->transitions[i].interface_code, code)) {
      any = &n->profile->transitions[i];
      break;
    }
  }
  if(!t && any && ctk_node_fault(n, CTK_PF_illegal_transition_accepted))
    t = any;
  if(!t) {
    const ctk_state *st = ctk_profile_state(n->profile, from);
    snprintf(text, sizeof(text), "illegal transition: %s from state %s%s%s%s", code,
             from[0] ? from : "(none)", st ? " (" : "", st ? st->name : "", st ? ")" : "");
    flow_refuse(x, "STATE", FLOW_BODY, CTK_EL_ORDER_ID,
                any ? any->requirement : flow_rule(x, "state"), text);
    return NULL;
  }
  *to = t->to;
  return t;
}

static ctk_code flow_history(ctk_exchange *x, const ctk_order *o)
{
  ctk_history_event ev;
  memset(&ev, 0, sizeof(ev));
  flow_now_wire(x, ev.time, sizeof(ev.time));
  ctk_strlcpy(ev.interface_code, x->req->head.interface_code, sizeof(ev.interface_code));
  ctk_strlcpy(ev.status, o->status, sizeof(ev.status));
  ctk_strlcpy(ev.region, x->req->head.sender.region, sizeof(ev.region));
  ctk_strlcpy(ev.msg_id, x->req->head.msg_id, sizeof(ev.msg_id));
  return ctk_store_history_add(x->n->store, o->order_id, &ev);
}

/* ---------- forwarding ---------- */

/* Queue bytes, the message with head h, for peer. */
static ctk_code flow_enqueue_bytes(ctk_node_engine *n, const ctk_node_peer *peer,
                                   const ctk_head *h, const ctk_buf *bytes,
                                   const char *order_id, int64_t delay_ms)
{
  ctk_outbox_item it;

  memset(&it, 0, sizeof(it));
  ctk_strlcpy(it.fifo_key, order_id && *order_id ? order_id : h->msg_id, sizeof(it.fifo_key));
  ctk_strlcpy(it.peer, peer->region, sizeof(it.peer));
  ctk_strlcpy(it.interface_code, h->interface_code, sizeof(it.interface_code));
  ctk_strlcpy(it.msg_id, h->msg_id, sizeof(it.msg_id));
  ctk_strlcpy(it.order_id, order_id ? order_id : "", sizeof(it.order_id));
  it.next_at_ms = ctk_node_now_ms() + delay_ms;
  return ctk_store_outbox_add(n->store, &it, bytes->data, bytes->len);
}

ctk_code ctk_node_enqueue(ctk_node_engine *n, const ctk_node_peer *peer, ctk_msg *m,
                          const char *order_id, int64_t delay_ms)
{
  ctk_buf bytes;
  ctk_code result;

  ctk_buf_init(&bytes, ctk_node_wire_max(n));
  result = ctk_msg_encode(n->profile, m, peer->binding, peer->encoding, &bytes);
  if(!result)
    result = flow_enqueue_bytes(n, peer, &m->head, &bytes, order_id, delay_ms);
  ctk_buf_free(&bytes);
  return result;
}

/* The forward with head h written from the node's template: 1 when out holds it, 0 when it
 * must be built (a GBK peer, no template, a head value the template cannot carry). */
static int flow_forward_from_template(ctk_exchange *x, const ctk_node_peer *peer,
                                      const ctk_head *h, ctk_buf *out)
{
  ctk_node_engine *n = x->n;
  const ctk_interface *in = ctk_profile_interface(n->profile, h->interface_code);
  const ctk_msg_tpl *tpl;

  if(peer->encoding != CTK_ENC_UTF8 || !n->forward_tpl[peer->binding] || !in)
    return 0;
  tpl = n->forward_tpl[peer->binding][in - n->profile->interfaces];
  return tpl && ctk_msg_tpl_fill(tpl, h, x->req->body, out) == CTK_E_OK;
}

/* The forward with head h built as a message: a copy of the received body under it. */
static ctk_code flow_copy_msg(ctk_exchange *x, const ctk_head *h, ctk_msg **out)
{
  ctk_code result = ctk_msg_new_request_head(x->n->profile, h, out);
  if(result)
    return result;
  ctk_xml_copy_elements((*out)->body, x->req->body);
  return CTK_E_OK;
}

/* Set the text of a leaf of role leaf under the body's child of role parent. */
static void flow_set_leaf(const ctk_profile *p, ctk_msg *m, ctk_element_role parent,
                          ctk_element_role leaf, const char *value)
{
  xmlNodePtr under = ctk_xml_child(m->body, ctk_el(p, parent));
  xmlNodePtr l = under ? ctk_xml_child(under, ctk_el(p, leaf)) : NULL;
  if(l)
    xmlNodeSetContent(l, BAD_CAST value);
}

/* Forward the received message to the neighbour region (when it is a peer). */
static ctk_code flow_forward(ctk_exchange *x, const char *region, const char *order_id)
{
  ctk_node_engine *n = x->n;
  const ctk_node_peer *peer = ctk_node_peer_find(n, region);
  const char *code = x->req->head.interface_code;
  ctk_interface_role role = ctk_profile_interface_role(n->profile, code);
  ctk_msg *m = NULL;
  ctk_node to;
  ctk_head h;
  ctk_buf bytes;
  int wrong_code, wrong_region;
  int64_t delay = 0;
  ctk_code result;

  if(!peer) {
    CTK_WARN("flow", "no peer for %s: %s of %s not forwarded", region, code, order_id);
    return CTK_E_OK;
  }
  if(peer->level == CTK_LEVEL_MINISTRY) {
    if(role == CTK_IF_REPORT && ctk_node_fault(n, CTK_PF_drop_report_up))
      return CTK_E_OK;
    if(role == CTK_IF_COMPLETE && ctk_node_fault(n, CTK_PF_lost_status_update))
      return CTK_E_OK;
  }
  if(ctk_node_fault(n, CTK_PF_reorder) && role != CTK_IF_REPORT && role != CTK_IF_TRANSFER)
    delay = 1000; /* hold updates a moment so a later one can overtake (LIFO claim) */
  wrong_code = peer->level == CTK_LEVEL_MINISTRY && role == CTK_IF_REPORT &&
               ctk_node_fault(n, CTK_PF_wrong_code_value);
  wrong_region = peer->level == CTK_LEVEL_MINISTRY && role == CTK_IF_REPORT &&
                 ctk_node_fault(n, CTK_PF_unknown_region_up);
  memset(&to, 0, sizeof(to));
  ctk_strlcpy(to.region, peer->region, sizeof(to.region));
  to.level = peer->level;
  ctk_msg_request_head(n->profile, code, &n->self, &to, &h);
  ctk_buf_init(&bytes, ctk_node_wire_max(n));
  if(!wrong_code && !wrong_region && flow_forward_from_template(x, peer, &h, &bytes)) {
    result = flow_enqueue_bytes(n, peer, &h, &bytes, order_id, delay);
  }
  else {
    result = flow_copy_msg(x, &h, &m);
    if(!result && wrong_code) {
      const ctk_codefield *cf =
        ctk_profile_codefield(n->profile, ctk_el(n->profile, CTK_EL_CHANNEL));
      char outside[CTK_ID_MAX];
      ctk_profile_code_outside(n->profile, cf ? cf->codeset : "", outside, sizeof(outside));
      flow_set_leaf(n->profile, m, CTK_EL_WORK_ORDER, CTK_EL_CHANNEL, outside);
    }
    if(!result && wrong_region) /* the shape of a region code, but no region of GB/T 2260 */
      flow_set_leaf(n->profile, m, CTK_EL_WORK_ORDER, CTK_EL_ACCEPT_REGION, "999999");
    if(!result)
      result = ctk_msg_encode(n->profile, m, peer->binding, peer->encoding, &bytes);
    if(!result)
      result = flow_enqueue_bytes(n, peer, &m->head, &bytes, order_id, delay);
    ctk_msg_free(m);
  }
  ctk_buf_free(&bytes);
  if(!result)
    x->queued = 1;
  return result;
}

/* Forward to every neighbour that shares the order, except the sender. */
static ctk_code flow_forward_links(ctk_exchange *x, const ctk_order *o)
{
  const char *links[FLOW_LINKS] = { o->origin, o->target, o->up };
  const char *sender = x->req->head.sender.region;
  size_t i, j;
  ctk_code result;

  for(i = 0; i < FLOW_LINKS; i++) {
    int seen = 0;
    if(!links[i][0] || !strcmp(links[i], sender) || !strcmp(links[i], x->n->self.region))
      continue;
    for(j = 0; j < i; j++) {
      if(!strcmp(links[j], links[i]))
        seen = 1;
    }
    if(seen)
      continue;
    result = flow_forward(x, links[i], o->order_id);
    if(result)
      return result;
  }
  return CTK_E_OK;
}

/* ---------- creating orders ---------- */

/* Fill an order from the body's work order. */
static void flow_order_from(ctk_exchange *x, ctk_order *o)
{
#define FIELD(dst, role) ctk_strlcpy(dst, flow_get_in(x, CTK_EL_WORK_ORDER, role), sizeof(dst))
  FIELD(o->order_id, CTK_EL_ORDER_ID);
  FIELD(o->accept_time, CTK_EL_ACCEPT_TIME);
  FIELD(o->accept_region, CTK_EL_ACCEPT_REGION);
  FIELD(o->handle_region, CTK_EL_HANDLE_REGION);
  FIELD(o->channel, CTK_EL_CHANNEL);
  FIELD(o->business_type, CTK_EL_BUSINESS_TYPE);
  FIELD(o->domain, CTK_EL_DOMAIN);
  FIELD(o->status, CTK_EL_STATUS);
#undef FIELD
  /* the date the store filters on, whatever the profile's time format */
  ctk_profile_day(x->n->profile, o->accept_time, o->accept_date);
  {
    const char *ia = flow_get_in(x, CTK_EL_WORK_ORDER, CTK_EL_INSTANT_ANSWER);
    o->instant_answer = !strcmp(ia, "true") || !strcmp(ia, "1");
  }
  flow_deadline(x->n, o->accept_time, o->business_type,
                flow_get_in(x, CTK_EL_WORK_ORDER, CTK_EL_DEADLINE), o->deadline);
  flow_now(o->created_at, sizeof(o->created_at));
  ctk_strlcpy(o->updated_at, o->created_at, sizeof(o->updated_at));
}

/* The sender may create an order only for its own region (a city) or its cities (a
 * province); the ministry creates for anyone below it. */
static int flow_may_create(ctk_exchange *x, const ctk_order *o)
{
  ctk_node_engine *n = x->n;
  const char *s = x->req->head.sender.region;
  char prov[8];
  if(ctk_node_fault(n, CTK_PF_ignore_region) || x->dir == CTK_DIR_DOWN)
    return 1;
  /* the order id starts with the accepting city's code (J3-FMT-001) */
  if(strncmp(o->order_id, o->accept_region, 6))
    return 0;
  if(x->req->head.sender.level == CTK_LEVEL_CITY)
    return !strcmp(o->accept_region, s);
  ctk_node_province_of(n, o->accept_region, prov);
  return !strcmp(prov, s);
}

/* 1001: store the report and pass it on to the ministry. */
static ctk_code flow_report(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  ctk_order o, old;
  ctk_buf xml, oldxml;
  const char *to = NULL;
  const ctk_node_peer *ministry;
  int exists;
  ctk_code result;

  memset(&o, 0, sizeof(o));
  flow_order_from(x, &o);
  ctk_strlcpy(x->order_id, o.order_id, sizeof(x->order_id));
  if(!flow_may_create(x, &o)) {
    flow_refuse(x, "DENIED", CTK_EL_WORK_ORDER, CTK_EL_ACCEPT_REGION, flow_rule(x, "ownership"),
                "a node may report only orders of its own region");
    return CTK_E_OK;
  }
  ctk_buf_init(&xml, n->profile->max_message_bytes + 1024);
  ctk_buf_init(&oldxml, n->profile->max_message_bytes + 1024);
  result = flow_order_xml(flow_work_order(x), &xml);
  if(result)
    goto done;
  exists = ctk_store_order_get(n->store, o.order_id, &old) == CTK_E_OK;
  if(exists) {
    ctk_store_order_xml(n->store, o.order_id, &oldxml);
    if(strcmp(ctk_buf_str(&xml), ctk_buf_str(&oldxml))) {
      flow_refuse(x, "EXISTS", CTK_EL_WORK_ORDER, CTK_EL_ORDER_ID, flow_rule(x, "order-exists"),
                  "work order already exists with other content");
      goto done;
    }
    /* The same report again under a new MsgId: nothing changes. */
    if(!ctk_node_fault(n, CTK_PF_no_idempotency))
      goto done;
  }
  else if(!flow_transition(x, "", &to))
    goto done;
  if(to && *to)
    ctk_strlcpy(o.status, to, sizeof(o.status));
  if(exists)
    o = old;
  ctk_strlcpy(o.origin, x->req->head.sender.region, sizeof(o.origin));
  ministry = n->self.level == CTK_LEVEL_PROVINCE ? ctk_node_peer_of_level(n, CTK_LEVEL_MINISTRY)
                                                 : NULL;
  if(ministry)
    ctk_strlcpy(o.up, ministry->region, sizeof(o.up));
  result = exists ? ctk_store_order_put(n->store, &o, xml.data, xml.len)
                  : ctk_store_order_add(n->store, &o, xml.data, xml.len);
  if(!result && !exists)
    result = flow_history(x, &o);
  if(!result && ministry)
    result = flow_forward(x, ministry->region, o.order_id);
done:
  ctk_buf_free(&xml);
  ctk_buf_free(&oldxml);
  return result;
}

/* 1002: transfer. The province routes a case of its own cities down, anything else up; the
 * ministry routes down to the target's province. The upper level learns of every transfer. */
static ctk_code flow_transfer(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  const char *sender = x->req->head.sender.region;
  const char *target = flow_get(x, CTK_EL_TARGET_REGION);
  ctk_order o;
  ctk_buf xml;
  const char *to = NULL;
  char next[8] = "";
  char tprov[8];
  int exists;
  int taken_over;
  const ctk_node_peer *ministry = ctk_node_peer_of_level(n, CTK_LEVEL_MINISTRY);
  ctk_code result = CTK_E_OK;

  memset(&o, 0, sizeof(o));
  ctk_strlcpy(x->order_id, flow_get(x, CTK_EL_ORDER_ID), sizeof(x->order_id));
  exists = ctk_store_order_get(n->store, x->order_id, &o) == CTK_E_OK;
  if(exists && !flow_has_standing(x, &o) && flow_refuse_act(x))
    return CTK_E_OK;
  if(!exists) {
    flow_order_from(x, &o);
    ctk_strlcpy(o.order_id, x->order_id, sizeof(o.order_id));
    if(!flow_may_create(x, &o)) {
      flow_refuse(x, "DENIED", CTK_EL_WORK_ORDER, CTK_EL_ACCEPT_REGION, flow_rule(x, "ownership"),
                  "a node may transfer only orders of its own region");
      return CTK_E_OK;
    }
    ctk_strlcpy(o.origin, sender, sizeof(o.origin));
  }
  if(!flow_transition(x, exists ? o.status : "", &to))
    return CTK_E_OK;
  if(exists && !flow_may_act(x, &o) && flow_refuse_act(x))
    return CTK_E_OK;

  /* Route. A transfer goes to a city (or, at a province, to the province itself); anything
   * else is refused now rather than accepted and lost further up. */
  ctk_node_province_of(n, target, tprov);
  /* At the ministry, a province's transfer to itself is the word that one of its cities handed
   * the case to the province (the target a province may take): recorded, like any transfer
   * inside the sender's province, so the ministry holds the same handler. */
  taken_over = n->self.level == CTK_LEVEL_MINISTRY && x->req->head.sender.level ==
               CTK_LEVEL_PROVINCE && !strcmp(target, sender);
  if(!taken_over && !ctk_region_is_city(n->regions, target) && strcmp(target, n->self.region)) {
    flow_refuse(x, "ROUTE", FLOW_BODY, CTK_EL_TARGET_REGION, flow_rule(x, "transfer-target"),
                "target region is not a city of the region table");
    return CTK_E_OK;
  }
  if(!taken_over && !strcmp(target, sender)) {
    flow_refuse(x, "ROUTE", FLOW_BODY, CTK_EL_TARGET_REGION, flow_rule(x, "route"),
                "a node cannot transfer to itself");
    return CTK_E_OK;
  }
  if(n->self.level == CTK_LEVEL_PROVINCE) {
    if(!strcmp(tprov, n->self.region) && strcmp(target, n->self.region)) {
      if(x->dir == CTK_DIR_UP && ctk_node_fault(n, CTK_PF_wrong_route_cross_city) && ministry)
        ctk_strlcpy(next, ministry->region, sizeof(next));
      else
        ctk_strlcpy(next, target, sizeof(next));
    }
    else if(!strcmp(target, n->self.region))
      next[0] = '\0'; /* the province handles it itself */
    else if(x->dir == CTK_DIR_UP && ministry)
      ctk_strlcpy(next, ministry->region, sizeof(next));
    else {
      flow_refuse(x, "ROUTE", FLOW_BODY, CTK_EL_TARGET_REGION, flow_rule(x, "transfer-route"),
                  "target region is not reachable from this province");
      return CTK_E_OK;
    }
  }
  else {
    if(!tprov[0]) {
      flow_refuse(x, "ROUTE", FLOW_BODY, CTK_EL_TARGET_REGION, flow_rule(x, "transfer-route"),
                  "unknown target region");
      return CTK_E_OK;
    }
    /* A transfer inside the sender's own province only informs the ministry. */
    ctk_strlcpy(next, strcmp(tprov, sender) ? tprov : "", sizeof(next));
  }
  if(next[0] && !ctk_node_peer_find(n, next)) {
    flow_refuse(x, "ROUTE", FLOW_BODY, CTK_EL_TARGET_REGION, flow_rule(x, "transfer-route"),
                "no route to the target region");
    return CTK_E_OK;
  }

  if(to && *to)
    ctk_strlcpy(o.status, to, sizeof(o.status));
  o.transferred = 1;
  ctk_strlcpy(o.transfer_to, target, sizeof(o.transfer_to));
  ctk_strlcpy(o.handle_region, target, sizeof(o.handle_region));
  ctk_strlcpy(o.target, next[0] ? next : sender, sizeof(o.target));
  if(n->self.level == CTK_LEVEL_PROVINCE && x->dir == CTK_DIR_UP && ministry)
    ctk_strlcpy(o.up, ministry->region, sizeof(o.up));
  flow_now(o.updated_at, sizeof(o.updated_at));

  ctk_buf_init(&xml, n->profile->max_message_bytes + 1024);
  if(!exists)
    result = flow_order_xml(flow_work_order(x), &xml);
  if(!result)
    result = ctk_store_order_put(n->store, &o, exists ? NULL : xml.data, xml.len);
  ctk_buf_free(&xml);
  if(!result)
    result = flow_history(x, &o);
  if(!result && next[0])
    result = flow_forward(x, next, o.order_id);
  /* the ministry learns of a transfer it does not route (cross-city) */
  if(!result && o.up[0] && strcmp(next, o.up) && strcmp(sender, o.up))
    result = flow_forward(x, o.up, o.order_id);
  return result;
}

/* ---------- updates of existing orders ---------- */

static ctk_code flow_load(ctk_exchange *x, ctk_order *o, int *found)
{
  ctk_code result;
  ctk_strlcpy(x->order_id, flow_get(x, CTK_EL_ORDER_ID), sizeof(x->order_id));
  result = ctk_store_order_get(x->n->store, x->order_id, o);
  *found = result == CTK_E_OK;
  if(result == CTK_E_NOTFOUND) {
    if(!ctk_node_fault(x->n, CTK_PF_unknown_order_accepted))
      flow_refuse(x, "UNKNOWN_ORDER", FLOW_BODY, CTK_EL_ORDER_ID, flow_rule(x, "unknown-order"),
                  "unknown work order");
    return CTK_E_OK;
  }
  if(result)
    return result;
  if(!flow_has_standing(x, o)) {
    *found = 0;
    flow_refuse_act(x);
  }
  return CTK_E_OK;
}

/* The start of every state update (1003..1009, 1014): load the order the message names and check
 * the message may move it from its state. *go is 0 when the exchange is already answered
 * (unknown order, refused transition) and nothing more is to be done. */
static ctk_code flow_load_for_update(ctk_exchange *x, ctk_order *o, const char **to, int *go)
{
  int found;
  ctk_code result = flow_load(x, o, &found);

  *go = 0;
  if(result || !found)
    return result;
  /* the state first (a step the process does not allow is STATE for anyone with standing),
   * then whether this sender may take it */
  *go = flow_transition(x, o->status, to) != NULL && (flow_may_act(x, o) || !flow_refuse_act(x));
  return CTK_E_OK;
}

/* The end of every state update: stamp the order, store it and add this message to its history. */
static ctk_code flow_save_update(ctk_exchange *x, ctk_order *o)
{
  ctk_code result;

  flow_now(o->updated_at, sizeof(o->updated_at));
  result = ctk_store_order_put(x->n->store, o, NULL, 0);
  if(!result)
    result = flow_history(x, o);
  return result;
}

/* 1003 sign, 1004 return, 1005 feedback, 1006 complete, 1007 revisit, 1014 archive: apply and
 * pass along the path so every level holds the same state. */
static ctk_code flow_update(ctk_exchange *x)
{
  ctk_interface_role role = ctk_profile_interface_role(x->n->profile, x->req->head.interface_code);
  ctk_order o;
  const char *to = NULL;
  int go;
  ctk_code result = flow_load_for_update(x, &o, &to, &go);

  if(result || !go)
    return result;
  if(to && *to)
    ctk_strlcpy(o.status, to, sizeof(o.status));
  if(role == CTK_IF_COMPLETE)
    ctk_strlcpy(o.completed_time, flow_get(x, CTK_EL_COMPLETE_TIME), sizeof(o.completed_time));
  else if(role == CTK_IF_REVISIT) {
    const char *reached = flow_get(x, CTK_EL_REACHED);
    ctk_strlcpy(o.revisit_time, flow_get(x, CTK_EL_REVISIT_TIME), sizeof(o.revisit_time));
    o.revisit_reached = !strcmp(reached, "true") || !strcmp(reached, "1");
    ctk_strlcpy(o.satisfaction, flow_get(x, CTK_EL_SATISFACTION), sizeof(o.satisfaction));
  }
  result = flow_save_update(x, &o);
  if(!result)
    result = flow_forward_links(x, &o);
  return result;
}

/* 1008 urge, 1009 supervise: no state change, open orders only, passed down to the handler. */
static ctk_code flow_urge(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  ctk_interface_role role = ctk_profile_interface_role(n->profile, x->req->head.interface_code);
  const ctk_node_peer *down = NULL;
  ctk_order o;
  const char *to = NULL;
  int go;
  ctk_code result = flow_load_for_update(x, &o, &to, &go);

  if(result || !go)
    return result;
  if(role == CTK_IF_SUPERVISE) {
    char day[11];
    ctk_profile_day(n->profile, flow_get(x, CTK_EL_DEADLINE), day);
    o.supervised++;
    if(*day)
      ctk_strlcpy(o.deadline, day, sizeof(day));
  }
  else
    o.urged++;
  result = flow_save_update(x, &o);
  /* the handler below: where it was transferred, else the city that handles its own case */
  if(o.target[0])
    down = ctk_node_peer_find(n, o.target);
  if((!down || down->level <= n->self.level) && o.origin[0])
    down = ctk_node_peer_find(n, o.origin);
  if(!result && down && down->level > n->self.level &&
     strcmp(down->region, x->req->head.sender.region))
    result = flow_forward(x, down->region, o.order_id);
  return result;
}

/* Query: the order and its history, from the local store. */
static int flow_event_cb(void *ctx, const ctk_history_event *ev)
{
  xmlNodePtr hist = ctx;
  const ctk_profile *p = ctk_xml_profile(hist);
  xmlNodePtr e = ctk_xml_add(hist, ctk_el(p, CTK_EL_EVENT), NULL);
  if(!e)
    return 1;
  ctk_xml_add(e, ctk_el(p, CTK_EL_EVENT_TIME), ev->time);
  ctk_xml_add(e, ctk_el(p, CTK_EL_EVENT_INTERFACE), ev->interface_code);
  ctk_xml_add(e, ctk_el(p, CTK_EL_EVENT_STATUS), ev->status);
  ctk_xml_add(e, ctk_el(p, CTK_EL_EVENT_REGION), ev->region);
  return 0;
}

static ctk_code flow_query(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  ctk_order o;
  int found;
  ctk_buf xml;
  xmlDocPtr frag;
  xmlNodePtr wo, hist, status;
  ctk_code result = flow_load(x, &o, &found);

  if(result || !found)
    return result;
  result = ctk_msg_new_answer(n->profile, x->req, &x->outcome, 1, &x->answer);
  if(result)
    return result;
  ctk_buf_init(&xml, n->profile->max_message_bytes + 1024);
  result = ctk_store_order_xml(n->store, o.order_id, &xml);
  if(result) {
    ctk_buf_free(&xml);
    return result == CTK_E_NOTFOUND ? CTK_E_INTERNAL : result;
  }
  frag = xmlReadMemory(xml.data, (int)xml.len, "order.xml", "UTF-8",
                       XML_PARSE_NONET | XML_PARSE_NOBLANKS);
  ctk_buf_free(&xml);
  if(!frag)
    return CTK_E_INTERNAL;
  wo = ctk_xml_add(x->answer->body, ctk_el(n->profile, CTK_EL_WORK_ORDER), NULL);
  if(wo)
    ctk_xml_copy_elements(wo, xmlDocGetRootElement(frag));
  xmlFreeDoc(frag);
  status = wo ? ctk_xml_child(wo, ctk_el(n->profile, CTK_EL_STATUS)) : NULL;
  if(status)
    xmlNodeSetContent(status, BAD_CAST o.status);
  hist = ctk_xml_add(x->answer->body, ctk_el(n->profile, CTK_EL_HISTORY), NULL);
  if(!hist)
    return CTK_E_NOMEM;
  return ctk_store_history_each(n->store, o.order_id, flow_event_cb, hist);
}

/* 1011: keep every indicator. */
static ctk_code flow_statistics(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  const ctk_profile *p = n->profile;
  const char *region = flow_get(x, CTK_EL_STATS_REGION);
  char from[11], to[11];
  char prov[8];
  xmlNodePtr c;
  time_t start, end;
  ctk_code result = CTK_E_OK;

  /* a period that ends before it starts counts nothing it could be compared with */
  if(!ctk_profile_time_parse(p, flow_get(x, CTK_EL_PERIOD_START), &start) &&
     !ctk_profile_time_parse(p, flow_get(x, CTK_EL_PERIOD_END), &end) && end < start) {
    flow_refuse(x, "FORMAT", FLOW_BODY, CTK_EL_PERIOD_END, flow_rule(x, "schema"),
                "the period ends before it starts");
    return CTK_E_OK;
  }
  /* periods are kept as days (the Beijing day of the period's times) */
  ctk_profile_day(p, flow_get(x, CTK_EL_PERIOD_START), from);
  ctk_profile_day(p, flow_get(x, CTK_EL_PERIOD_END), to);
  ctk_node_province_of(n, region, prov);
  if(!ctk_node_fault(n, CTK_PF_ignore_region) && strcmp(region, x->req->head.sender.region) &&
     strcmp(prov, x->req->head.sender.region)) {
    flow_refuse(x, "DENIED", FLOW_BODY, CTK_EL_STATS_REGION, flow_rule(x, "ownership"),
                "statistics may be reported only for the sender's own region");
    return CTK_E_OK;
  }
  for(c = x->req->body->children; c && !result; c = c->next) {
    xmlNodePtr name, value;
    xmlChar *nv, *vv;
    if(c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, ctk_el(p, CTK_EL_INDICATOR)))
      continue;
    name = ctk_xml_child(c, ctk_el(p, CTK_EL_INDICATOR_NAME));
    value = ctk_xml_child(c, ctk_el(p, CTK_EL_INDICATOR_VALUE));
    nv = name ? xmlNodeGetContent(name) : NULL;
    vv = value ? xmlNodeGetContent(value) : NULL;
    result = ctk_store_stat_put(n->store, region, from, to, nv ? (const char *)nv : "",
                                vv ? (const char *)vv : "");
    xmlFree(nv);
    xmlFree(vv);
  }
  return result;
}

/* 1012: keep the items; what comes from above is passed down to every lower neighbour. */
static ctk_code flow_knowledge(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  const ctk_profile *p = n->profile;
  const ctk_codefield *action_set = ctk_profile_codefield(p, ctk_el(p, CTK_EL_KB_ACTION));
  xmlNodePtr c;
  size_t i;
  ctk_code result = CTK_E_OK;

  for(c = x->req->body->children; c && !result; c = c->next) {
    char f[6][256];
    static const ctk_element_role fields[6] = { CTK_EL_KB_ITEM_ID, CTK_EL_KB_CLASS,
                                                CTK_EL_KB_TITLE, CTK_EL_KB_CONTENT,
                                                CTK_EL_KB_UPDATE_TIME, CTK_EL_KB_ACTION };
    const ctk_code_entry *action;
    if(c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, ctk_el(p, CTK_EL_KB_ITEM)))
      continue;
    for(i = 0; i < 6; i++) {
      xmlNodePtr k = ctk_xml_child(c, ctk_el(p, fields[i]));
      xmlChar *v = k ? xmlNodeGetContent(k) : NULL;
      ctk_strlcpy(f[i], v ? (const char *)v : "", sizeof(f[i]));
      xmlFree(v);
    }
    /* the store keeps the symbolic action (add, update, delete) */
    action = action_set ? ctk_profile_code(p, action_set->codeset, f[5]) : NULL;
    result = ctk_store_knowledge_put(n->store, f[0], f[1], f[2], f[3], f[4],
                                     action ? action->name : f[5]);
  }
  if(result || x->dir != CTK_DIR_DOWN)
    return result;
  for(i = 0; i < n->n_peers && !result; i++) {
    if(n->peers[i].level > n->self.level)
      result = flow_forward(x, n->peers[i].region, "");
  }
  return result;
}

/* 1013: echo and the server time. */
static ctk_code flow_link_check(ctk_exchange *x)
{
  const ctk_profile *p = x->n->profile;
  char now[40];
  const char *echo = ctk_msg_get(x->req, ctk_el(p, CTK_EL_ECHO));
  ctk_code result = ctk_msg_new_answer(p, x->req, &x->outcome, 1, &x->answer);
  if(result)
    return result;
  if(echo)
    ctk_xml_add(x->answer->body, ctk_el(p, CTK_EL_ECHO), echo);
  flow_now_wire(x, now, sizeof(now));
  ctk_xml_add(x->answer->body, ctk_el(p, CTK_EL_SERVER_TIME), now);
  return CTK_E_OK;
}

/* Each interface by the role it plays (roles.xml), so a profile may number them as it likes. */
ctk_code ctk_node_flow(ctk_exchange *x)
{
  const ctk_profile *p = x->n->profile;
  const char *code = x->req->head.interface_code;
  char where[3 * CTK_NAME_MAX + 8];

  switch(ctk_profile_interface_role(p, code)) {
  case CTK_IF_REPORT:
    return flow_report(x);
  case CTK_IF_TRANSFER:
    return flow_transfer(x);
  case CTK_IF_URGE:
  case CTK_IF_SUPERVISE:
    return flow_urge(x);
  case CTK_IF_QUERY:
    return flow_query(x);
  case CTK_IF_STATISTICS:
    return flow_statistics(x);
  case CTK_IF_KNOWLEDGE:
    return flow_knowledge(x);
  case CTK_IF_LINK_CHECK:
    return flow_link_check(x);
  case CTK_IF_SIGN:
  case CTK_IF_RETURN:
  case CTK_IF_FEEDBACK:
  case CTK_IF_COMPLETE:
  case CTK_IF_REVISIT:
  case CTK_IF_ARCHIVE:
    return flow_update(x);
  default:
    break;
  }
  snprintf(where, sizeof(where), "/%s/%s/%s", ctk_el(p, CTK_EL_MESSAGE), ctk_el(p, CTK_EL_HEAD),
           ctk_el(p, CTK_EL_INTERFACE_CODE));
  ctk_outcome_set(&x->outcome, p, "UNKNOWN_INTERFACE", where, ctk_profile_rule(p, "interface"),
                  "interface %s is not handled by this node", code);
  return CTK_E_OK;
}

/* ---------- the province's urge timer ---------- */

#define URGE_BATCH 256

typedef struct urge_batch {
  ctk_order orders[URGE_BATCH];
  size_t count;
} urge_batch;

static int urge_collect(void *ctx, const ctk_order *o)
{
  urge_batch *b = ctx;
  if(b->count == URGE_BATCH)
    return 1;
  b->orders[b->count++] = *o;
  return 0;
}

/* The city that handles the order: where it was transferred, else the city that has it. */
static const ctk_node_peer *urge_city(ctk_node_engine *n, const ctk_order *o)
{
  const ctk_node_peer *p = o->target[0] ? ctk_node_peer_find(n, o->target) : NULL;
  if(p && p->level == CTK_LEVEL_CITY)
    return p;
  p = o->origin[0] ? ctk_node_peer_find(n, o->origin) : NULL;
  return p && p->level == CTK_LEVEL_CITY ? p : NULL;
}

/* The urge's body in the profile's schema order (extra mandatory fields from its sources). */
static ctk_code urge_body(const ctk_profile *p, ctk_msg *m, const char *order_id,
                          const char *reason, const char *now)
{
  ctk_values *v = ctk_values_new(p);
  char why[256];
  ctk_code result;

  if(!v)
    return CTK_E_NOMEM;
  ctk_values_set(v, CTK_EL_ORDER_ID, order_id);
  ctk_values_set(v, CTK_EL_REASON, reason);
  ctk_values_set(v, CTK_EL_URGE_TIME, now);
  result = ctk_compose_msg_body(p, m, v, why, sizeof(why));
  if(result)
    CTK_WARN("flow", "cannot compose an urge of %s: %s", order_id, why);
  ctk_values_free(v);
  return result;
}

static ctk_code urge_one(ctk_node_engine *n, ctk_order *o, const char *today, int *sent)
{
  const ctk_node_peer *city = urge_city(n, o);
  ctk_node to;
  ctk_msg *m = NULL;
  ctk_history_event ev;
  char now[40];
  char reason[128];
  ctk_code result;

  if(!city)
    return CTK_E_OK;
  result = ctk_store_begin(n->store);
  if(result)
    return result;
  result = ctk_store_urge_mark(n->store, o->order_id, today);
  if(result == CTK_E_EXISTS) {
    ctk_store_rollback(n->store);
    return CTK_E_OK;
  }
  memset(&to, 0, sizeof(to));
  ctk_strlcpy(to.region, city->region, sizeof(to.region));
  to.level = city->level;
  if(!result)
    result = ctk_msg_new_request(n->profile, ctk_profile_iface_code(n->profile, CTK_IF_URGE),
                                 &n->self, &to, &m);
  if(!result) {
    ctk_profile_now(n->profile, now, sizeof(now));
    snprintf(reason, sizeof(reason), "overdue since %s", o->deadline);
    result = urge_body(n->profile, m, o->order_id, reason, now);
  }
  if(!result)
    result = ctk_node_enqueue(n, city, m, o->order_id, 0);
  if(!result) {
    o->urged++;
    ctk_msg_now(o->updated_at, sizeof(o->updated_at));
    result = ctk_store_order_put(n->store, o, NULL, 0);
  }
  if(!result) {
    memset(&ev, 0, sizeof(ev));
    ctk_strlcpy(ev.time, now, sizeof(ev.time));
    ctk_strlcpy(ev.interface_code, m->head.interface_code, sizeof(ev.interface_code));
    ctk_strlcpy(ev.status, o->status, sizeof(ev.status));
    ctk_strlcpy(ev.region, n->self.region, sizeof(ev.region));
    ctk_strlcpy(ev.msg_id, m->head.msg_id, sizeof(ev.msg_id));
    result = ctk_store_history_add(n->store, o->order_id, &ev);
  }
  ctk_msg_free(m);
  if(result) {
    ctk_store_rollback(n->store);
    return result;
  }
  result = ctk_store_commit(n->store);
  if(!result)
    (*sent)++;
  return result;
}

ctk_code ctk_node_flow_urge_overdue(ctk_node_engine *n, const char *today, int *sent)
{
  urge_batch *b;
  char day[CTK_BEIJING_DATE_LEN];
  size_t i;
  ctk_code result;

  *sent = 0;
  if(n->self.level != CTK_LEVEL_PROVINCE || ctk_node_fault(n, CTK_PF_missing_urge))
    return CTK_E_OK;
  if(today && *today)
    ctk_strlcpy(day, today, sizeof(day));
  else
    ctk_beijing_today(day);
  b = calloc(1, sizeof(*b));
  if(!b)
    return CTK_E_NOMEM;
  result = ctk_store_overdue_each(n->store, day, n->open_states, urge_collect, b);
  for(i = 0; !result && i < b->count; i++)
    result = urge_one(n, &b->orders[i], day, sent);
  free(b);
  if(*sent)
    ctk_node_outbox_kick(n);
  return result;
}
