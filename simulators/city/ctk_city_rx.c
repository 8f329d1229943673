/* ctk_city_rx: what the simulated cities answer when their province calls them at
 * /city/<region>/exchange or /city/<region>/soap: transfers, updates, urges, queries. */
#include "ctk_city_internal.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

/* "/city/360100/exchange" -> region; 0 when the path is not a city's exchange path. The binding
 * comes from the path's end in the shared receive step. */
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

/* A digest of what makes a repeat "the same message": head without SendTime, and the body. */
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

static void copy_field(const ctk_msg *m, const char *path, char *dst, size_t size)
{
  const char *v = ctk_msg_get(m, path);
  ctk_strlcpy(dst, v ? v : "", size);
}

/* A transfer (1002) down to city ci. Lock held. */
static void rx_transfer(struct ctk_city_sim *sim, size_t ci, const ctk_msg *m, ctk_outcome *out)
{
  const ctk_profile *p = sim->profile;
  city_node *c = &sim->cities[ci];
  const char *id = ctk_msg_get(m, "OrderId");
  const char *target = ctk_msg_get(m, "TargetRegion");
  const ctk_transition *t;
  city_order *o;

  if(!target || strcmp(target, c->region)) {
    ctk_outcome_set(out, p, "ROUTE", "/Message/Body/WorkOrderTransfer/TargetRegion", NULL,
                    "TargetRegion %s is not this city (%s)", target ? target : "", c->region);
    return;
  }
  o = city_order_find(sim, ci, id);
  t = ctk_profile_transition(p, "1002", o ? o->state : "", CTK_DIR_DOWN);
  if(!t) {
    ctk_outcome_set(out, p, "STATE", "/Message/Body/WorkOrderTransfer/OrderId", NULL,
                    "order %s is in state %s: no transfer", id, o ? o->state : "");
    return;
  }
  if(!o) {
    o = city_order_add(sim, ci, id);
    if(!o) {
      ctk_outcome_set(out, p, "BUSY", NULL, NULL, "the simulator holds too many orders");
      return;
    }
    o->kind = CTK_KIND_LOCAL;
    copy_field(m, "WorkOrder/AcceptTime", o->accept_time, sizeof(o->accept_time));
    copy_field(m, "WorkOrder/AcceptRegion", o->accept_region, sizeof(o->accept_region));
    copy_field(m, "WorkOrder/Channel", o->channel, sizeof(o->channel));
    copy_field(m, "WorkOrder/BusinessType", o->business, sizeof(o->business));
    copy_field(m, "WorkOrder/Domain", o->domain, sizeof(o->domain));
    copy_field(m, "WorkOrder/Caller/Phone", o->phone, sizeof(o->phone));
    copy_field(m, "WorkOrder/Caller/Name", o->caller_name, sizeof(o->caller_name));
    copy_field(m, "WorkOrder/Subject", o->subject, sizeof(o->subject));
    copy_field(m, "WorkOrder/Content", o->content, sizeof(o->content));
    copy_field(m, "WorkOrder/CallId", o->call_id, sizeof(o->call_id));
    copy_field(m, "WorkOrder/Attachments/Attachment/Url", o->rec_url, sizeof(o->rec_url));
    copy_field(m, "WorkOrder/Attachments/Attachment/Sha256", o->rec_sha, sizeof(o->rec_sha));
  }
  ctk_strlcpy(o->handle_region, c->region, sizeof(o->handle_region));
  o->from_upper = 1;
  ctk_strlcpy(o->state, t->to[0] ? t->to : "03", sizeof(o->state));
  city_history_add(o, "1002", sim->province);
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
  const ctk_transition *t;
  const char *id;
  city_order *o;
  char where[CTK_NAME_MAX + 32];

  *query = NULL;
  if(!in) {
    ctk_outcome_set(out, p, "UNKNOWN_INTERFACE", "/Message/Head/InterfaceCode", NULL,
                    "unknown interface %s", code);
    return;
  }
  if(!(in->directions & CTK_DIR_DOWN)) {
    ctk_outcome_set(out, p, "ROUTE", "/Message/Head/InterfaceCode", NULL,
                    "%s (%s) does not travel down to a city", code, in->name);
    return;
  }
  if(!strcmp(in->name, "LinkCheck") || !strcmp(in->name, "KnowledgeSync")) {
    ctk_outcome_set(out, p, "OK", NULL, NULL, "%s received", in->name);
    return;
  }
  if(!strcmp(code, "1002")) {
    rx_transfer(sim, ci, m, out);
    return;
  }
  id = ctk_msg_get(m, "OrderId");
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
  snprintf(where, sizeof(where), "/Message/Body/%s/OrderId", in->request_element);
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
  if(!strcmp(in->name, "WorkOrderQuery")) {
    *query = o;
    return;
  }
  if(!strcmp(in->name, "WorkOrderUrge") || !strcmp(in->name, "WorkOrderSupervise")) {
    if(!strcmp(in->name, "WorkOrderUrge"))
      c->st.urges++;
    else
      c->st.supervises++;
    o->urged++;
    city_history_add(o, code, sim->province);
    city_speed_up(sim, o);
    return;
  }
  if(t->to[0])
    ctk_strlcpy(o->state, t->to, sizeof(o->state));
  city_history_add(o, code, sim->province);
  city_schedule_next(sim, o);
}

static void fill_answer_body(struct ctk_city_sim *sim, const ctk_msg *req, ctk_msg *ans,
                             const city_order *o)
{
  char now[40];
  if(!ans->body)
    return;
  if(o) {
    xmlNodePtr hist;
    size_t i;
    city_add_workorder(sim, ans->body, o, o->state);
    hist = ctk_xml_add(ans->body, "History", NULL);
    for(i = 0; i < o->n_history; i++) {
      xmlNodePtr ev = ctk_xml_add(hist, "Event", NULL);
      ctk_xml_add(ev, "Time", o->history[i].time);
      ctk_xml_add(ev, "InterfaceCode", o->history[i].interface_code);
      ctk_xml_add(ev, "Status", o->history[i].status);
      ctk_xml_add(ev, "Region", o->history[i].region);
    }
    return;
  }
  /* LinkCheckResult */
  if(ctk_msg_get(req, "Echo"))
    ctk_xml_add(ans->body, "Echo", ctk_msg_get(req, "Echo"));
  ctk_msg_now(now, sizeof(now));
  ctk_xml_add(ans->body, "ServerTime", now);
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
  ctk_strlcpy(cfg.self.region, region, sizeof(cfg.self.region));
  cfg.self.level = CTK_LEVEL_CITY;
  if(!sim->auth)
    cfg.skip = CTK_RX_SKIP(CTK_RX_CREDENTIALS) | CTK_RX_SKIP(CTK_RX_SENDER);
  accepted = ctk_receive(&cfg, req, &rx) == 0;
  m = rx.msg;
  outcome = rx.outcome;
  if(rx.http_status == 404 || rx.http_status == 405) {
    rc = ctk_receive_reply(&cfg, &rx, &outcome, NULL, &resp->status, resp->content_type,
                           sizeof(resp->content_type), &resp->body) ? 1 : 0;
    ctk_msg_free(m);
    return rc;
  }
  if(accepted && strcmp(m->head.sender.region, sim->province)) {
    /* the city's own rule: of the adjacent level, only its province calls it */
    ctk_outcome_set(&outcome, p, "DENIED", "/Message/Head/Sender/Region", NULL,
                    "only province %s calls these cities", sim->province);
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
      ctk_outcome_set(&outcome, p, "DUPLICATE", "/Message/Head/MsgId", NULL,
                      "MsgId %s was used for another message", m->head.msg_id);
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
  else if(ctk_receive_reply(&cfg, &rx, &outcome, NULL, &resp->status, resp->content_type,
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
    const char *id = ctk_msg_get(m, "OrderId");
    if(!id)
      id = ctk_msg_get(m, "WorkOrder/OrderId");
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
  e.raw_request = (char *)req->body;
  e.raw_request_len = req->body_len;
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
