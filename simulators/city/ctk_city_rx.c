/* ctk_city_rx: what the simulated cities answer when their province calls them at
 * /city/<region> + a binding path of the profile: transfers, updates, urges, queries. */
#include "ctk_city_internal.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctk_compose.h"
#include "ctk_log.h"
#include "ctk_receive.h"

#define MOD "city-rx"

ctk_code city_auth_load(struct ctk_city_sim *sim, const char *path, char *err, size_t errlen)
{
  return ctk_auth_load(path, &sim->auth, err, errlen);
}

void city_auth_free(struct ctk_city_sim *sim)
{
  ctk_auth_free(sim->auth);
  sim->auth = NULL;
}

static void sleep_ms(long ms)
{
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while(nanosleep(&ts, &ts) != 0)
    ;
}

/* "/city/360100" + a binding path of the profile -> region; 0 when the path is not a city's
 * exchange path. The binding comes from the path's end in the shared receive step. */
static int parse_path(const ctk_profile *p, const char *path, char region[8])
{
  size_t i;
  if(strncmp(path, "/city/", 6))
    return 0;
  path += 6;
  for(i = 0; i < 6; i++) {
    if(path[i] < '0' || path[i] > '9')
      return 0;
  }
  if(strcmp(path + 6, p->xml_path) && strcmp(path + 6, p->soap_path))
    return 0;
  memcpy(region, path, 6);
  region[6] = '\0';
  return 1;
}

/* A digest of what makes a repeat "the same message": head without the send time, and the body. */
static unsigned long long message_digest(const ctk_msg *m)
{
  unsigned long long h = 1469598103934665603ULL;   /* FNV-1a 64 */
  const char *parts[4];
  xmlBufferPtr xb = xmlBufferCreate();
  size_t i;
  parts[0] = m->head.interface_code;
  parts[1] = m->head.sender.region;
  parts[2] = m->head.receiver.region;
  parts[3] = "";
  if(xb && m->body && xmlNodeDump(xb, m->doc, m->body, 0, 0) >= 0)
    parts[3] = (const char *)xmlBufferContent(xb);
  for(i = 0; i < 4; i++) {
    const unsigned char *p = (const unsigned char *)parts[i];
    while(*p)
      h = (h ^ *p++) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  }
  if(xb)
    xmlBufferFree(xb);
  return h;
}

static city_seen *seen_find(struct ctk_city_sim *sim, const char *msg_id)
{
  size_t n = sim->n_seen < CITY_SEEN_MAX ? sim->n_seen : CITY_SEEN_MAX;
  size_t i;
  for(i = 0; i < n; i++) {
    if(!strcmp(sim->seen[i].msg_id, msg_id))
      return &sim->seen[i];
  }
  return NULL;
}

static void seen_add(struct ctk_city_sim *sim, const char *msg_id, unsigned long long digest,
                     const ctk_outcome *o)
{
  city_seen *s = &sim->seen[sim->n_seen % CITY_SEEN_MAX];   /* oldest forgotten when full */
  ctk_strlcpy(s->msg_id, msg_id, sizeof(s->msg_id));
  s->digest = digest;
  ctk_strlcpy(s->result, o->code, sizeof(s->result));
  ctk_strlcpy(s->text, o->text, sizeof(s->text));
  sim->n_seen++;
}

/* The text of the element of role leaf under the work order of the body (under its child of
 * role mid too, unless mid is CTK_EL__COUNT) into dst; "" when absent. */
static void copy_field(const ctk_msg *m, ctk_element_role mid, ctk_element_role leaf, char *dst,
                       size_t size)
{
  const ctk_profile *p = m->profile;
  char path[3 * CTK_NAME_MAX + 3];
  const char *v;
  if(mid == CTK_EL__COUNT)
    snprintf(path, sizeof(path), "%s/%s", ctk_el(p, CTK_EL_WORK_ORDER), ctk_el(p, leaf));
  else
    snprintf(path, sizeof(path), "%s/%s/%s", ctk_el(p, CTK_EL_WORK_ORDER), ctk_el(p, mid),
             ctk_el(p, leaf));
  v = ctk_msg_get(m, path);
  ctk_strlcpy(dst, v ? v : "", size);
}

/* The first attachment's field of role leaf (the recording a CTI order carries). */
static void copy_attachment(const ctk_msg *m, ctk_element_role leaf, char *dst, size_t size)
{
  const ctk_profile *p = m->profile;
  char path[4 * CTK_NAME_MAX + 4];
  const char *v;
  snprintf(path, sizeof(path), "%s/%s/%s/%s", ctk_el(p, CTK_EL_WORK_ORDER),
           ctk_el(p, CTK_EL_ATTACHMENTS), ctk_el(p, CTK_EL_ATTACHMENT), ctk_el(p, leaf));
  v = ctk_msg_get(m, path);
  ctk_strlcpy(dst, v ? v : "", size);
}

/* A transfer down to city ci. Lock held. */
static void rx_transfer(struct ctk_city_sim *sim, size_t ci, const ctk_msg *m, ctk_outcome *out)
{
  const ctk_profile *p = sim->profile;
  city_node *c = &sim->cities[ci];
  const char *id = ctk_msg_get(m, ctk_el(p, CTK_EL_ORDER_ID));
  const char *target = ctk_msg_get(m, ctk_el(p, CTK_EL_TARGET_REGION));
  const char *body = m->body ? (const char *)m->body->name : "";
  const ctk_transition *t;
  city_order *o;
  char where[4 * CTK_NAME_MAX];

  if(!target || strcmp(target, c->region)) {
    city_where(p, body, CTK_EL_TARGET_REGION, CTK_EL__COUNT, where, sizeof(where));
    ctk_outcome_set(out, p, "ROUTE", where, NULL, "%s %s is not this city (%s)",
                    ctk_el(p, CTK_EL_TARGET_REGION), target ? target : "", c->region);
    return;
  }
  o = city_order_find(sim, ci, id);
  t = ctk_profile_transition(p, m->head.interface_code, o ? o->state : "", CTK_DIR_DOWN);
  if(!t) {
    city_where(p, body, CTK_EL_ORDER_ID, CTK_EL__COUNT, where, sizeof(where));
    ctk_outcome_set(out, p, "STATE", where, NULL, "order %s is in state %s: no transfer", id,
                    o ? o->state : "");
    return;
  }
  if(!o) {
    o = city_order_add(sim, ci, id);
    if(!o) {
      ctk_outcome_set(out, p, "BUSY", NULL, NULL, "the simulator holds too many orders");
      return;
    }
    o->kind = CTK_KIND_LOCAL;
    copy_field(m, CTK_EL__COUNT, CTK_EL_ACCEPT_TIME, o->accept_time, sizeof(o->accept_time));
    copy_field(m, CTK_EL__COUNT, CTK_EL_ACCEPT_REGION, o->accept_region,
               sizeof(o->accept_region));
    copy_field(m, CTK_EL__COUNT, CTK_EL_CHANNEL, o->channel, sizeof(o->channel));
    copy_field(m, CTK_EL__COUNT, CTK_EL_BUSINESS_TYPE, o->business, sizeof(o->business));
    copy_field(m, CTK_EL__COUNT, CTK_EL_DOMAIN, o->domain, sizeof(o->domain));
    copy_field(m, CTK_EL_CALLER, CTK_EL_PHONE, o->phone, sizeof(o->phone));
    copy_field(m, CTK_EL_CALLER, CTK_EL_CALLER_NAME, o->caller_name, sizeof(o->caller_name));
    copy_field(m, CTK_EL__COUNT, CTK_EL_SUBJECT, o->subject, sizeof(o->subject));
    copy_field(m, CTK_EL__COUNT, CTK_EL_CONTENT, o->content, sizeof(o->content));
    copy_field(m, CTK_EL__COUNT, CTK_EL_CALL_ID, o->call_id, sizeof(o->call_id));
    copy_attachment(m, CTK_EL_URL, o->rec_url, sizeof(o->rec_url));
    copy_attachment(m, CTK_EL_SHA256, o->rec_sha, sizeof(o->rec_sha));
  }
  ctk_strlcpy(o->handle_region, c->region, sizeof(o->handle_region));
  o->from_upper = 1;
  ctk_strlcpy(o->state, t->to[0] ? t->to : ctk_st(p, CTK_ST_TRANSFERRED), sizeof(o->state));
  city_history_add(p, o, m->head.interface_code, sim->province);
  c->st.transfers_received++;
  ctk_outcome_set(out, p, "OK", NULL, NULL, "transfer received");
  city_schedule_next(sim, o);
}

/* Lenient mode: the first downward transition of an interface, whatever the state. */
static const ctk_transition *any_transition(const ctk_profile *p, const char *code)
{
  size_t i;
  for(i = 0; i < p->n_transitions; i++) {
    if(!strcmp(p->transitions[i].interface_code, code) &&
       (p->transitions[i].directions & CTK_DIR_DOWN))
      return &p->transitions[i];
  }
  return NULL;
}

/* Any request the province may send down. *query is set when the answer needs the order. */
static void rx_apply(struct ctk_city_sim *sim, size_t ci, const ctk_msg *m, ctk_outcome *out,
                     city_order **query)
{
  const ctk_profile *p = sim->profile;
  city_node *c = &sim->cities[ci];
  const char *code = m->head.interface_code;
  const ctk_interface *in = ctk_profile_interface(p, code);
  ctk_interface_role role = ctk_profile_interface_role(p, code);
  const ctk_transition *t;
  const char *id;
  city_order *o;
  char where[4 * CTK_NAME_MAX];

  *query = NULL;
  if(!in) {
    city_where(p, NULL, CTK_EL_INTERFACE_CODE, CTK_EL__COUNT, where, sizeof(where));
    ctk_outcome_set(out, p, "UNKNOWN_INTERFACE", where, NULL, "unknown interface %s", code);
    return;
  }
  if(!(in->directions & CTK_DIR_DOWN)) {
    city_where(p, NULL, CTK_EL_INTERFACE_CODE, CTK_EL__COUNT, where, sizeof(where));
    ctk_outcome_set(out, p, "ROUTE", where, NULL, "%s (%s) does not travel down to a city", code,
                    in->name);
    return;
  }
  /* a link check, a knowledge update: nothing of an order changes */
  if(in->stateless || role == CTK_IF_LINK_CHECK || role == CTK_IF_KNOWLEDGE) {
    ctk_outcome_set(out, p, "OK", NULL, NULL, "%s received", in->name);
    return;
  }
  if(role == CTK_IF_TRANSFER) {
    rx_transfer(sim, ci, m, out);
    return;
  }
  id = ctk_msg_get(m, ctk_el(p, CTK_EL_ORDER_ID));
  o = id ? city_order_find(sim, ci, id) : NULL;
  if(!o && id && sim->lenient) {
    /* lenient: someone else spoke for this city; take the order as the province has it */
    o = city_order_add(sim, ci, id);
    if(o) {
      o->kind = CTK_KIND_LOCAL;
      ctk_strlcpy(o->accept_region, id, sizeof(o->accept_region));   /* the id's first 6 */
      ctk_strlcpy(o->handle_region, c->region, sizeof(o->handle_region));
    }
  }
  city_where(p, in->request_element, CTK_EL_ORDER_ID, CTK_EL__COUNT, where, sizeof(where));
  if(!o) {
    ctk_outcome_set(out, p, "UNKNOWN_ORDER", where, NULL, "city %s has no order %s",
                    c->region, id ? id : "");
    return;
  }
  t = ctk_profile_transition(p, code, o->state, CTK_DIR_DOWN);
  if(!t && sim->lenient)
    t = any_transition(p, code);
  if(!t) {
    ctk_outcome_set(out, p, "STATE", where, NULL, "%s not allowed: order %s is in state %s",
                    code, o->id, o->state);
    return;
  }
  ctk_outcome_set(out, p, "OK", NULL, NULL, "%s recorded", in->name);
  if(role == CTK_IF_QUERY) {
    *query = o;
    return;
  }
  if(role == CTK_IF_URGE || role == CTK_IF_SUPERVISE) {
    if(role == CTK_IF_URGE)
      c->st.urges++;
    else
      c->st.supervises++;
    o->urged++;
    city_history_add(p, o, code, sim->province);
    city_speed_up(sim, o);
    return;
  }
  if(t->to[0])
    ctk_strlcpy(o->state, t->to, sizeof(o->state));
  city_history_add(p, o, code, sim->province);
  city_schedule_next(sim, o);
}

/* The answer's body: the order and its history for a query, the echo and the time for a link
 * check. */
static void fill_answer_body(struct ctk_city_sim *sim, const ctk_msg *req, ctk_msg *ans,
                             const city_order *o)
{
  const ctk_profile *p = sim->profile;
  ctk_values *v;
  char why[256];
  char now[40];
  if(!ans->body)
    return;
  v = ctk_values_new(p);
  if(!v)
    return;
  if(o) {
    ctk_values *hist;
    size_t i;
    city_workorder_values(sim, v, o, o->state);
    hist = ctk_values_sub(v, CTK_EL_HISTORY);
    for(i = 0; hist && i < o->n_history; i++) {
      ctk_values *ev = ctk_values_item(hist, CTK_EL_EVENT);
      ctk_values_set(ev, CTK_EL_EVENT_TIME, o->history[i].time);
      ctk_values_set(ev, CTK_EL_EVENT_INTERFACE, o->history[i].interface_code);
      ctk_values_set(ev, CTK_EL_EVENT_STATUS, o->history[i].status);
      ctk_values_set(ev, CTK_EL_EVENT_REGION, o->history[i].region);
    }
  }
  else if(ctk_profile_interface_role(p, req->head.interface_code) == CTK_IF_LINK_CHECK) {
    const char *echo = ctk_msg_get(req, ctk_el(p, CTK_EL_ECHO));
    if(echo)
      ctk_values_set(v, CTK_EL_ECHO, echo);
    ctk_profile_now(p, now, sizeof(now));
    ctk_values_set(v, CTK_EL_SERVER_TIME, now);
  }
  else {
    ctk_values_free(v);
    return;
  }
  if(ctk_compose_msg_body(p, ans, v, why, sizeof(why)))
    CTK_WARN("city", "cannot compose the answer to %s: %s", req->head.msg_id, why);
  ctk_values_free(v);
}

static int write_answer(struct ctk_city_sim *sim, const ctk_msg *ans, const ctk_received *rx,
                        ctk_http_response *resp)
{
  if(ctk_msg_encode(sim->profile, ans, rx->binding, rx->encoding, &resp->body))
    return 1;
  ctk_receive_content_type(rx, resp->content_type, sizeof(resp->content_type));
  return 0;
}

int city_rx_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  struct ctk_city_sim *sim = ctx;
  const ctk_profile *p = sim->profile;
  char region[8];
  ctk_receive_config cfg;
  ctk_received rx;
  ctk_msg *m = NULL, *ans = NULL;
  ctk_outcome outcome;
  ctk_mb_rule rule;
  city_order *query = NULL;
  city_obs e;
  ssize_t ci;
  int has_rule = 0, rc = 0, accepted;
  long long t0 = city_now_ms();

  if(!parse_path(p, req->path, region)) {
    resp->status = 404;
    ctk_buf_printf(&resp->body, "not a city endpoint: use /city/<region>%s or /city/<region>%s\n",
                   p->xml_path, p->soap_path);
    snprintf(resp->content_type, sizeof(resp->content_type), "text/plain; charset=UTF-8");
    return 0;
  }
  pthread_mutex_lock(&sim->lock);
  ci = city_find(sim, region);
  pthread_mutex_unlock(&sim->lock);
  if(ci < 0) {
    resp->status = 404;
    snprintf(resp->content_type, sizeof(resp->content_type), "text/plain; charset=UTF-8");
    ctk_buf_printf(&resp->body, "this simulator does not play city %s\n", region);
    return 0;
  }

  /* the same receive step as the reference nodes; without credentials anyone may call */
  memset(&cfg, 0, sizeof(cfg));
  cfg.profile = p;
  cfg.auth = sim->auth;
  cfg.regions = sim->regions;
  ctk_strlcpy(cfg.self.region, region, sizeof(cfg.self.region));
  cfg.self.level = CTK_LEVEL_CITY;
  if(!sim->auth)
    cfg.skip = CTK_RX_SKIP(CTK_RX_CREDENTIALS) | CTK_RX_SKIP(CTK_RX_SENDER);
  accepted = ctk_receive(&cfg, req, &rx) == 0;
  m = rx.msg;
  outcome = rx.outcome;
  if(ctk_receive_below_exchange(&rx)) {
    rc = ctk_receive_reply(&cfg, &rx, &outcome, NULL, resp, resp->content_type,
                           sizeof(resp->content_type), &resp->body) ? 1 : 0;
    ctk_msg_free(m);
    return rc;
  }
  if(accepted && strcmp(m->head.sender.region, sim->province)) {
    /* the city's own rule: of the adjacent level, only its province calls it */
    char where[4 * CTK_NAME_MAX];
    city_where(p, NULL, CTK_EL_SENDER, CTK_EL_NODE_REGION, where, sizeof(where));
    ctk_outcome_set(&outcome, p, "DENIED", where, NULL, "only province %s calls these cities",
                    sim->province);
    accepted = 0;
  }

  if(accepted) {
    pthread_mutex_lock(&sim->lock);
    has_rule = ctk_mb_take(&sim->rules, region, CTK_MB_ON_ANSWER, m->head.interface_code,
                           city_now_ms(), NULL, NULL, &rule);
    if(has_rule)
      city_count(&sim->cities[ci].st.misbehaved, ctk_mb_action_name(rule.action));
    pthread_mutex_unlock(&sim->lock);
    if(has_rule && rule.action == CTK_MB_SILENT) {
      CTK_INFO(MOD, "city=%s msg=%s misbehave=silent hold_ms=%ld", region, m->head.msg_id,
               rule.delay_ms);
      sleep_ms(rule.delay_ms);
      rc = 1;   /* the server closes with 500 and no body: no Answer ever came */
      goto observe;
    }
  }

  if(accepted && has_rule && rule.action == CTK_MB_ERROR_ANSWER) {
    ctk_strlcpy(outcome.code, rule.result_code, sizeof(outcome.code));
    snprintf(outcome.text, sizeof(outcome.text), "error-answer misbehaviour (test steering)");
  }
  else if(accepted) {
    unsigned long long digest = message_digest(m);
    city_seen *seen;
    pthread_mutex_lock(&sim->lock);
    seen = seen_find(sim, m->head.msg_id);
    if(seen && seen->digest == digest) {
      ctk_strlcpy(outcome.code, seen->result, sizeof(outcome.code));
      ctk_strlcpy(outcome.text, seen->text, sizeof(outcome.text));
    }
    else if(seen) {
      char where[4 * CTK_NAME_MAX];
      city_where(p, NULL, CTK_EL_MSG_ID, CTK_EL__COUNT, where, sizeof(where));
      ctk_outcome_set(&outcome, p, "DUPLICATE", where, NULL, "%s %s was used for another message",
                      ctk_el(p, CTK_EL_MSG_ID), m->head.msg_id);
    }
    else {
      rx_apply(sim, (size_t)ci, m, &outcome, &query);
      seen_add(sim, m->head.msg_id, digest, &outcome);
    }
    /* the query answer is built under the lock: the order may change right after */
    if(!strcmp(outcome.code, ctk_profile_rc(p, "OK")) &&
       ctk_profile_interface(p, m->head.interface_code) &&
       ctk_profile_interface(p, m->head.interface_code)->answer_element[0]) {
      if(!ctk_msg_new_answer(p, m, &outcome, 1, &ans))
        fill_answer_body(sim, m, ans, query);
    }
    pthread_mutex_unlock(&sim->lock);
  }
  if(ans)
    rc = write_answer(sim, ans, &rx, resp);
  else if(ctk_receive_reply(&cfg, &rx, &outcome, NULL, resp, resp->content_type,
                            sizeof(resp->content_type), &resp->body))
    rc = 1;
  if(has_rule && rule.action == CTK_MB_DELAY)
    sleep_ms(rule.delay_ms);

observe:
  memset(&e, 0, sizeof(e));
  e.city = (size_t)ci;
  e.incoming = 1;
  e.sent = 1;
  ctk_strlcpy(e.interface_code, m ? m->head.interface_code : "", sizeof(e.interface_code));
  ctk_strlcpy(e.msg_id, m ? m->head.msg_id : "", sizeof(e.msg_id));
  if(m) {
    char path[2 * CTK_NAME_MAX + 2];
    const char *id = ctk_msg_get(m, ctk_el(p, CTK_EL_ORDER_ID));
    snprintf(path, sizeof(path), "%s/%s", ctk_el(p, CTK_EL_WORK_ORDER), ctk_el(p, CTK_EL_ORDER_ID));
    if(!id)
      id = ctk_msg_get(m, path);
    ctk_strlcpy(e.order_id, id ? id : "", sizeof(e.order_id));
  }
  ctk_strlcpy(e.result, rc ? "" : outcome.code, sizeof(e.result));
  if(has_rule)
    ctk_strlcpy(e.note, ctk_mb_action_name(rule.action), sizeof(e.note));
  else if(!rc && outcome.text[0] && strcmp(outcome.code, ctk_profile_rc(p, "OK")))
    ctk_strlcpy(e.note, outcome.text, sizeof(e.note));
  e.t_start = t0;
  e.t_end = city_now_ms();
  e.http_status = rc ? 500 : resp->status;
  if(ctk_receive_keeps_body(&rx)) {
    /* without valid credentials nothing of a request is kept, in memory or in the log */
    e.raw_request = (char *)req->body;
    e.raw_request_len = req->body_len;
  }
  if(!rc) {
    e.raw_answer = resp->body.data;
    e.raw_answer_len = resp->body.len;
  }
  pthread_mutex_lock(&sim->lock);
  sim->cities[ci].st.received++;
  if(e.interface_code[0])
    city_count(&sim->cities[ci].st.received_by_interface, e.interface_code);
  if(!rc)
    city_count(&sim->cities[ci].st.answers_given, outcome.code);
  city_observe(sim, &e);
  pthread_mutex_unlock(&sim->lock);
  CTK_DEBUG(MOD, "city=%s msg=%s interface=%s result=%s", region, e.msg_id,
            e.interface_code, e.result);
  ctk_msg_free(ans);
  ctk_msg_free(m);
  return rc;
}
