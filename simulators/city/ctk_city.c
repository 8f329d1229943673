/* ctk_city: the city-node simulator's core: cities, orders, the schedule of due actions, the
 * sending threads and the city's part of the process (see ctk_city.h). */
#include "ctk_city_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctk_calendar.h"
#include "ctk_compose.h"
#include "ctk_dock.h"
#include "ctk_file.h"
#include "ctk_log.h"
#include "ctk_proc.h"
#include "ctk_receive.h"

#define MOD "city"
#define NO_INDEX ((size_t)-1)

/* ---------- small helpers ---------- */

long long city_now_ms(void)
{
  return ctk_wall_ms();
}

void city_count(city_counters *c, const char *key)
{
  size_t i;
  for(i = 0; i < c->count; i++) {
    if(!strcmp(c->keys[i], key)) {
      c->values[i]++;
      return;
    }
  }
  if(c->count < CITY_COUNTERS_MAX) {
    ctk_strlcpy(c->keys[c->count], key, sizeof(c->keys[0]));
    c->values[c->count++] = 1;
  }
}

const char *city_codeset(const ctk_profile *p, ctk_element_role r)
{
  const ctk_codefield *cf = ctk_profile_codefield(p, ctk_el(p, r));
  return cf ? cf->codeset : NULL;
}

void city_where(const ctk_profile *p, const char *body, ctk_element_role leaf,
                ctk_element_role sub, char *out, size_t outlen)
{
  int n = snprintf(out, outlen, "/%s/%s/%s", ctk_el(p, CTK_EL_MESSAGE),
                   ctk_el(p, body ? CTK_EL_BODY : CTK_EL_HEAD), body ? body : ctk_el(p, leaf));
  if(n < 0 || (size_t)n >= outlen)
    return;
  if(body)
    n += snprintf(out + n, outlen - (size_t)n, "/%s", ctk_el(p, leaf));
  if(sub != CTK_EL__COUNT && n >= 0 && (size_t)n < outlen)
    snprintf(out + n, outlen - (size_t)n, "/%s", ctk_el(p, sub));
}

/* The value of a symbolic code name of the set ("enquiry" -> its value); NULL when none. */
static const char *code_of_name(const ctk_profile *p, const char *set, const char *name)
{
  const ctk_codeset *cs = set ? ctk_profile_codeset(p, set) : NULL;
  size_t i;
  for(i = 0; cs && i < cs->count; i++) {
    if(!strcmp(cs->entries[i].name, name))
      return cs->entries[i].value;
  }
  return NULL;
}

/* The Chinese name of the code value of the element of role r, for the order's texts. */
static const char *code_zh(const ctk_profile *p, ctk_element_role r, const char *value)
{
  const char *set = city_codeset(p, r);
  const ctk_code_entry *e = set ? ctk_profile_code(p, set, value) : NULL;
  return e ? e->name_zh : value;
}

/* A code of the mix drawn by the model's weights (the name through *name when asked). */
static const char *draw_code(struct ctk_city_sim *sim, city_mix m, const char **name)
{
  const ctk_traffic_mix *mixes[CITY_MIX__COUNT] = { &sim->model.business, &sim->model.domain,
                                                    &sim->model.channel,
                                                    &sim->model.satisfaction };
  int i = ctk_traffic_pick_index(mixes[m], &sim->rng);
  if(name)
    *name = i < 0 ? NULL : mixes[m]->names[i];
  return i < 0 ? NULL : sim->mix_codes[m][i];
}

ssize_t city_find(struct ctk_city_sim *sim, const char *region)
{
  size_t i;
  for(i = 0; i < sim->n_cities; i++) {
    if(!strcmp(sim->cities[i].region, region))
      return (ssize_t)i;
  }
  return -1;
}

/* ---------- orders and their index ---------- */

static size_t hash_id(const char *id)
{
  unsigned long h = 2166136261UL;   /* FNV-1a */
  while(*id)
    h = (h ^ (unsigned char)*id++) * 16777619UL;
  return (size_t)(h % CITY_HASH_BUCKETS);
}

city_order *city_order_find(struct ctk_city_sim *sim, size_t city, const char *id)
{
  size_t i = sim->buckets[hash_id(id)];
  while(i != NO_INDEX) {
    if(sim->orders[i].city == city && !strcmp(sim->orders[i].id, id))
      return &sim->orders[i];
    i = sim->orders[i].hash_next;
  }
  return NULL;
}

/* A new empty order (id set), or NULL when memory or the limit is exhausted. The pointer is
 * valid until the next add: callers keep indexes, not pointers, across adds. */
city_order *city_order_add(struct ctk_city_sim *sim, size_t city, const char *id)
{
  city_order *o;
  size_t b;
  if(sim->n_orders == sim->cap_orders) {
    size_t cap = sim->cap_orders ? sim->cap_orders * 2 : 1024;
    city_order *grown;
    if(cap > CITY_ORDERS_MAX)
      cap = CITY_ORDERS_MAX;
    if(cap <= sim->n_orders)
      return NULL;
    grown = realloc(sim->orders, cap * sizeof(*grown));
    if(!grown)
      return NULL;
    sim->orders = grown;
    sim->cap_orders = cap;
  }
  o = &sim->orders[sim->n_orders];
  memset(o, 0, sizeof(*o));
  ctk_strlcpy(o->id, id, sizeof(o->id));
  o->city = city;
  b = hash_id(id);
  o->hash_next = sim->buckets[b];
  sim->buckets[b] = sim->n_orders;
  sim->n_orders++;
  return o;
}

void city_history_add(const ctk_profile *p, city_order *o, const char *interface_code,
                      const char *region)
{
  city_event *e;
  if(o->n_history >= CITY_HISTORY_MAX)
    return;
  e = &o->history[o->n_history++];
  ctk_profile_now(p, e->time, sizeof(e->time));
  ctk_strlcpy(e->interface_code, interface_code, sizeof(e->interface_code));
  ctk_strlcpy(e->status, o->state, sizeof(e->status));
  ctk_strlcpy(e->region, region, sizeof(e->region));
}

/* ---------- the schedule: a min-heap of due actions ---------- */

static int due_before(const city_due *a, const city_due *b)
{
  return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static ctk_code due_push(struct ctk_city_sim *sim, city_due d)
{
  size_t i;
  if(sim->n_heap == sim->cap_heap) {
    size_t cap = sim->cap_heap ? sim->cap_heap * 2 : 256;
    city_due *grown = realloc(sim->heap, cap * sizeof(*grown));
    if(!grown)
      return CTK_E_NOMEM;
    sim->heap = grown;
    sim->cap_heap = cap;
  }
  d.seq = sim->due_seq++;
  i = sim->n_heap++;
  while(i > 0 && due_before(&d, &sim->heap[(i - 1) / 2])) {
    sim->heap[i] = sim->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  sim->heap[i] = d;
  pthread_cond_signal(&sim->due_cond);
  return CTK_E_OK;
}

/* A random arrival (a new order from the traffic model) due at due_ms. */
static void push_arrival(struct ctk_city_sim *sim, long long due_ms)
{
  city_due a;
  memset(&a, 0, sizeof(a));
  a.type = CITY_DUE_ARRIVAL;
  a.due_ms = due_ms;
  due_push(sim, a);
}

/* Random arrivals, when the model has a rate, start from now (at start and after a reset). */
static void start_arrivals(struct ctk_city_sim *sim)
{
  if(sim->model.rate > 0)
    push_arrival(sim, ctk_now_ms() +
                      (long long)(ctk_traffic_next_arrival(&sim->model, &sim->rng) * 1000.0));
}

static city_due due_pop(struct ctk_city_sim *sim)
{
  city_due top = sim->heap[0];
  city_due last = sim->heap[--sim->n_heap];
  size_t i = 0;
  for(;;) {
    size_t child = 2 * i + 1;
    if(child >= sim->n_heap)
      break;
    if(child + 1 < sim->n_heap && due_before(&sim->heap[child + 1], &sim->heap[child]))
      child++;
    if(!due_before(&sim->heap[child], &last))
      break;
    sim->heap[i] = sim->heap[child];
    i = child;
  }
  if(sim->n_heap)
    sim->heap[i] = last;
  return top;
}

/* ---------- building requests ---------- */

static void handler_name(struct ctk_city_sim *sim, size_t city, char *out, size_t outlen)
{
  snprintf(out, outlen, "%s12328中心", sim->cities[city].name);
}

void city_workorder_values(struct ctk_city_sim *sim, ctk_values *body, const city_order *o,
                           const char *status)
{
  const ctk_profile *p = sim->profile;
  ctk_values *wo = ctk_values_sub(body, CTK_EL_WORK_ORDER);

  if(!wo)
    return;
  /* schema order and the profile's extra fields are the composer's: only values here */
  ctk_values_set(wo, CTK_EL_ORDER_ID, o->id);
  ctk_values_set(wo, CTK_EL_ACCEPT_TIME, o->accept_time);
  ctk_values_set(wo, CTK_EL_ACCEPT_REGION, o->accept_region);
  ctk_values_set(wo, CTK_EL_HANDLE_REGION, o->handle_region);
  ctk_values_set(wo, CTK_EL_CHANNEL, o->channel);
  ctk_values_set(wo, CTK_EL_BUSINESS_TYPE, o->business);
  ctk_values_set(wo, CTK_EL_DOMAIN, o->domain);
  ctk_values_set(ctk_values_sub(wo, CTK_EL_CALLER), CTK_EL_PHONE, o->phone);
  if(o->caller_name[0])
    ctk_values_set(ctk_values_sub(wo, CTK_EL_CALLER), CTK_EL_CALLER_NAME, o->caller_name);
  ctk_values_set(wo, CTK_EL_SUBJECT, o->subject);
  ctk_values_set(wo, CTK_EL_CONTENT, o->content);
  if(o->call_id[0])
    ctk_values_set(wo, CTK_EL_CALL_ID, o->call_id);
  ctk_values_set(wo, CTK_EL_STATUS, status);
  ctk_values_set(wo, CTK_EL_INSTANT_ANSWER, o->kind == CTK_KIND_INSTANT ? "true" : "false");
  if(o->rec_url[0]) {
    ctk_values *att = ctk_values_item(ctk_values_sub(wo, CTK_EL_ATTACHMENTS), CTK_EL_ATTACHMENT);
    ctk_values_set(att, CTK_EL_URL, o->rec_url);
    ctk_values_set(att, CTK_EL_SHA256, o->rec_sha);
    ctk_values_set(att, CTK_EL_KIND, ctk_val(p, CTK_V_ATT_RECORDING));
  }
}

/* The body's values of a request of the interface of role about order o. */
static void fill_body(struct ctk_city_sim *sim, const city_order *o, ctk_interface_role role,
                      ctk_values *body)
{
  const ctk_profile *p = sim->profile;
  char now[40], handler[160];
  ctk_profile_now(p, now, sizeof(now));
  handler_name(sim, o->city, handler, sizeof(handler));
  if(role != CTK_IF_REPORT)
    ctk_values_set(body, CTK_EL_ORDER_ID, o->id);
  switch(role) {
  case CTK_IF_REPORT:
    city_workorder_values(sim, body, o, o->pending_to);
    break;
  case CTK_IF_TRANSFER:
    ctk_values_set(body, CTK_EL_TARGET_REGION, o->target);
    ctk_values_set(body, CTK_EL_REASON, o->kind == CTK_KIND_CROSS_PROVINCE ?
                   "属外省事项，请部级平台转办" : "属其他地市事项，请省级平台转办");
    city_workorder_values(sim, body, o, o->pending_to);
    break;
  case CTK_IF_SIGN:
    ctk_values_set(body, CTK_EL_HANDLER, handler);
    ctk_values_set(body, CTK_EL_SIGN_TIME, now);
    break;
  case CTK_IF_RETURN:
    ctk_values_set(body, CTK_EL_REASON, "不属本地管辖，退回重新派单");
    ctk_values_set(body, CTK_EL_RETURN_TIME, now);
    break;
  case CTK_IF_FEEDBACK:
    ctk_values_set(body, CTK_EL_HANDLER, handler);
    ctk_values_set(body, CTK_EL_PROGRESS, "已联系相关单位核实处理");
    ctk_values_set(body, CTK_EL_FEEDBACK_TIME, now);
    break;
  case CTK_IF_COMPLETE:
    ctk_values_set(body, CTK_EL_HANDLER, handler);
    ctk_values_set(body, CTK_EL_OUTCOME, "已处理完毕并答复来电人");
    ctk_values_set(body, CTK_EL_COMPLETE_TIME, now);
    break;
  case CTK_IF_REVISIT: {
    int reached = ctk_rng_percent(&sim->rng, sim->model.reached_pct);
    ctk_values_set(body, CTK_EL_REACHED, reached ? "true" : "false");
    if(reached) {
      const char *code = draw_code(sim, CITY_MIX_SATISFACTION, NULL);
      if(code)
        ctk_values_set(body, CTK_EL_SATISFACTION, code);
    }
    ctk_values_set(body, CTK_EL_REVISIT_TIME, now);
    break;
  }
  case CTK_IF_ARCHIVE:
    ctk_values_set(body, CTK_EL_ARCHIVE_TIME, now);
    break;
  default:
    break;
  }
}

/* invalid-field only spoils messages that carry the element. */
static xmlNodePtr find_element(xmlNodePtr node, const char *name)
{
  xmlNodePtr child;
  for(; node; node = node->next) {
    if(node->type != XML_ELEMENT_NODE)
      continue;
    if(!strcmp((const char *)node->name, name))
      return node;
    child = find_element(node->children, name);
    if(child)
      return child;
  }
  return NULL;
}

static int body_has_field(void *ctx, const char *field)
{
  xmlNodePtr body = ctx;
  return body && find_element(body->children, field) != NULL;
}

/* A value no profile field accepts: not a code value, not a region, not a time. */
static void spoil_field(xmlNodePtr body, const char *field)
{
  xmlNodePtr node = find_element(body->children, field);
  if(node)
    xmlNodeSetContent(node, (const xmlChar *)"INVALID-X");
}

/* ---------- sending ---------- */

static void job_free(struct ctk_city_sim *sim, city_job *job)
{
  if(!job)
    return;
  ctk_buf_free(&job->bytes);
  free(job);
  if(sim->in_flight)
    sim->in_flight--;
}

static void queue_job(struct ctk_city_sim *sim, city_job *job)
{
  city_worker *w = &sim->workers[sim->cities[job->city].worker];
  job->next = NULL;
  if(w->tail)
    w->tail->next = job;
  else
    w->head = job;
  w->tail = job;
  pthread_cond_signal(&w->cond);
}

static void observe_job(struct ctk_city_sim *sim, const city_job *job, int sent, long long t0,
                        long long t1, long status, const char *result, const char *note,
                        const ctk_buf *answer)
{
  city_obs e;
  memset(&e, 0, sizeof(e));
  e.city = job->city;
  e.incoming = 0;
  ctk_strlcpy(e.interface_code, job->interface_code, sizeof(e.interface_code));
  ctk_strlcpy(e.msg_id, job->msg_id, sizeof(e.msg_id));
  ctk_strlcpy(e.order_id, job->order_id, sizeof(e.order_id));
  ctk_strlcpy(e.result, result ? result : "", sizeof(e.result));
  ctk_strlcpy(e.note, note ? note : "", sizeof(e.note));
  e.t_start = t0;
  e.t_end = t1;
  e.sent = sent;
  e.http_status = (int)status;
  e.raw_request = job->bytes.data;
  e.raw_request_len = job->bytes.len;
  if(answer) {
    e.raw_answer = answer->data;
    e.raw_answer_len = answer->len;
  }
  city_observe(sim, &e);
}

/* Build, misbehave and queue one request (of the interface of role) of order o. Lock held. */
static ctk_code city_send(struct ctk_city_sim *sim, city_order *o, ctk_interface_role role)
{
  const char *iface = ctk_profile_iface_code(sim->profile, role);
  city_node *c = &sim->cities[o->city];
  ctk_node me, up;
  ctk_msg *m = NULL;
  ctk_values *body;
  char why[256];
  ctk_mb_rule rule;
  city_job *job;
  int has_rule;
  ctk_code result;

  memset(&me, 0, sizeof(me));
  memset(&up, 0, sizeof(up));
  ctk_strlcpy(me.region, c->region, sizeof(me.region));
  me.level = CTK_LEVEL_CITY;
  ctk_strlcpy(up.region, sim->province, sizeof(up.region));
  up.level = CTK_LEVEL_PROVINCE;
  result = ctk_msg_new_request(sim->profile, iface, &me, &up, &m);
  if(result)
    return result;
  body = ctk_values_new(sim->profile);
  if(!body) {
    ctk_msg_free(m);
    return CTK_E_NOMEM;
  }
  fill_body(sim, o, role, body);
  result = ctk_compose_msg_body(sim->profile, m, body, why, sizeof(why));
  ctk_values_free(body);
  if(result) {
    CTK_WARN(MOD, "cannot compose %s of %s: %s", iface, o->id, why);
    ctk_msg_free(m);
    return result;
  }
  has_rule = ctk_mb_take(&sim->rules, c->region, CTK_MB_ON_SEND, iface, city_now_ms(),
                         body_has_field, m->body, &rule);
  if(has_rule && rule.action == CTK_MB_INVALID_FIELD)
    spoil_field(m->body, rule.field);

  job = calloc(1, sizeof(*job));
  if(!job) {
    ctk_msg_free(m);
    return CTK_E_NOMEM;
  }
  sim->in_flight++;
  job->city = o->city;
  job->copies = 1;
  ctk_strlcpy(job->interface_code, iface, sizeof(job->interface_code));
  ctk_strlcpy(job->order_id, o->id, sizeof(job->order_id));
  ctk_strlcpy(job->msg_id, m->head.msg_id, sizeof(job->msg_id));
  ctk_buf_init(&job->bytes, sim->profile->max_message_bytes ?
               sim->profile->max_message_bytes * 2 : CTK_BUF_MAX_DEFAULT);
  result = ctk_msg_encode(sim->profile, m, sim->cfg.binding, sim->cfg.encoding, &job->bytes);
  ctk_msg_free(m);
  if(result) {
    CTK_ERR(MOD, "city=%s order=%s interface=%s cannot encode: %s", c->region, o->id, iface,
            ctk_strerror(result));
    job_free(sim, job);
    return result;
  }
  o->busy = 1;
  city_count(&c->st.sent_by_interface, iface);
  if(has_rule) {
    const char *name = ctk_mb_action_name(rule.action);
    city_count(&c->st.misbehaved, name);
    if(rule.action == CTK_MB_INVALID_FIELD)
      snprintf(job->note, sizeof(job->note), "invalid-field %s", rule.field);
    else
      ctk_strlcpy(job->note, name, sizeof(job->note));
    CTK_INFO(MOD, "city=%s msg=%s interface=%s misbehave=%s", c->region, job->msg_id, iface,
             job->note);
    switch(rule.action) {
    case CTK_MB_DROP: {
      long long now = city_now_ms();
      observe_job(sim, job, 0, now, now, 0, "", "drop", NULL);
      o->busy = 0;
      o->pending_to[0] = '\0';
      job_free(sim, job);
      return CTK_E_OK;
    }
    case CTK_MB_DUPLICATE:
      job->copies = 2;
      break;
    case CTK_MB_REORDER:
      job->hold = 1;
      break;
    case CTK_MB_DELAY: {
      city_due d;
      memset(&d, 0, sizeof(d));
      d.type = CITY_DUE_SEND;
      d.due_ms = ctk_now_ms() + rule.delay_ms;
      d.job = job;
      result = due_push(sim, d);
      if(result)
        job_free(sim, job);
      return result;
    }
    default:
      break;
    }
  }
  queue_job(sim, job);
  return CTK_E_OK;
}

/* The answer to a request came back (or never will). Lock held. */
static void job_settled(struct ctk_city_sim *sim, city_job *job, const char *result)
{
  city_node *c = &sim->cities[job->city];
  city_order *o = city_order_find(sim, job->city, job->order_id);
  int ok = result && !strcmp(result, ctk_profile_rc(sim->profile, "OK"));

  if(ok)
    c->st.sent_ok++;
  else
    c->st.sent_failed++;
  if(!o)
    return;    /* reset while the request was in flight */
  o->busy = 0;
  if(!ok) {
    CTK_WARN(MOD, "city=%s order=%s interface=%s msg=%s result=%s", c->region, o->id,
             job->interface_code, job->msg_id, result && *result ? result : "none");
    o->pending_to[0] = '\0';
    return;
  }
  if(o->pending_to[0]) {
    ctk_strlcpy(o->state, o->pending_to, sizeof(o->state));
    o->pending_to[0] = '\0';
  }
  city_history_add(sim->profile, o, job->interface_code, c->region);
  city_schedule_next(sim, o);
}

/* POST the job's bytes (twice when duplicated); retries go back on the schedule. */
static void post_job(city_worker *w, city_job *job)
{
  struct ctk_city_sim *sim = w->sim;
  city_node *c = &sim->cities[job->city];
  int soap = sim->cfg.binding == CTK_BIND_SOAP;
  char url[600], ctype[64], result[16] = "";
  const char *busy = ctk_profile_rc(sim->profile, "BUSY");
  ctk_http_call call;
  int copy, retry = 0;

  snprintf(url, sizeof(url), "%s%s", sim->upper_url,
           ctk_binding_path(sim->profile, soap ? CTK_BIND_SOAP : CTK_BIND_XML));
  snprintf(ctype, sizeof(ctype), "%s; charset=%s", soap ? "text/xml" : "application/xml",
           ctk_encoding_name(sim->cfg.encoding));
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = ctype;
  call.soap_action = soap ? sim->profile->soap_action_header : NULL;
  call.user = c->secret[0] ? c->region : NULL;
  call.password = c->secret[0] ? c->secret : NULL;
  call.body = job->bytes.data;
  call.body_len = job->bytes.len;
  call.timeout_ms = sim->cfg.timeout_ms;

  for(copy = 0; copy < job->copies; copy++) {
    ctk_http_reply reply;
    ctk_msg *ans = NULL;
    ctk_outcome why;
    char note[CITY_NOTE_MAX];
    long long t0 = city_now_ms(), t1;
    ctk_code rc;

    memset(&reply, 0, sizeof(reply));
    ctk_buf_init(&reply.body, CTK_BUF_MAX_DEFAULT);
    rc = ctk_http_post(w->http, &call, &reply);
    t1 = city_now_ms();
    result[0] = '\0';
    ctk_strlcpy(note, job->note, sizeof(note));
    if(rc) {
      snprintf(note, sizeof(note), "%.48s%sno answer: %.40s", job->note, job->note[0] ? "; " : "",
               reply.error);
    }
    else if(!ctk_msg_decode(sim->profile, reply.body.data ? reply.body.data : "",
                            reply.body.len, sim->cfg.binding, &ans, &why) && ans) {
      ctk_strlcpy(result, ans->outcome.code, sizeof(result));
    }
    else {
      snprintf(note, sizeof(note), "%.48s%sHTTP %ld, unreadable answer", job->note,
               job->note[0] ? "; " : "", reply.status);
    }
    ctk_msg_free(ans);
    pthread_mutex_lock(&sim->lock);
    if(copy == 0 && job->attempts == 0)
      c->st.sent++;
    if(result[0])
      city_count(&c->st.answers_received, result);
    observe_job(sim, job, 1, t0, t1, reply.status, result, note, &reply.body);
    pthread_mutex_unlock(&sim->lock);
    ctk_buf_free(&reply.body);
  }

  pthread_mutex_lock(&sim->lock);
  if((!result[0] || !strcmp(result, busy)) && job->attempts < sim->model.max_retries &&
     !sim->stopping) {
    city_due d;
    double backoff = sim->model.retry_backoff_s * (double)(1 << job->attempts);
    memset(&d, 0, sizeof(d));
    job->attempts++;
    job->copies = 1;
    c->st.retries++;
    d.type = CITY_DUE_SEND;
    d.due_ms = ctk_now_ms() + (long long)(backoff * 1000.0);
    d.job = job;
    retry = !due_push(sim, d);
  }
  if(!retry) {
    job_settled(sim, job, result);
    job_free(sim, job);
  }
  pthread_mutex_unlock(&sim->lock);
}

/* A reordered request waited long enough for a successor that did not come. Lock held. */
static city_job *take_stale_held(city_worker *w)
{
  struct ctk_city_sim *sim = w->sim;
  long long now = ctk_now_ms();
  size_t i;
  for(i = 0; i < sim->n_cities; i++) {
    city_node *c = &sim->cities[i];
    if(c->worker == w->index && c->held && now - c->held_since >= CITY_REORDER_HOLD_MS) {
      city_job *job = c->held;
      c->held = NULL;
      return job;
    }
  }
  return NULL;
}

static void *worker_main(void *arg)
{
  city_worker *w = arg;
  struct ctk_city_sim *sim = w->sim;

  pthread_mutex_lock(&sim->lock);
  while(!sim->stopping) {
    city_job *job, *held;
    city_node *c;
    /* a reordered request waits for its successor only so long, busy or not */
    held = take_stale_held(w);
    if(!held && !w->head) {
      struct timespec until;
      clock_gettime(CLOCK_MONOTONIC, &until);
      until.tv_nsec += 200 * 1000000L;
      if(until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&w->cond, &sim->lock, &until);
      continue;
    }
    job = NULL;
    if(!held) {
      job = w->head;
      w->head = job->next;
      if(!w->head)
        w->tail = NULL;
      c = &sim->cities[job->city];
      if(job->hold && !c->held) {
        /* reorder: keep it until this city's next request has gone */
        job->hold = 0;
        c->held = job;
        c->held_since = ctk_now_ms();
        continue;
      }
      held = c->held;
      c->held = NULL;
    }
    w->busy = 1;
    pthread_mutex_unlock(&sim->lock);
    if(job)
      post_job(w, job);
    if(held)
      post_job(w, held);
    pthread_mutex_lock(&sim->lock);
    w->busy = 0;
  }
  pthread_mutex_unlock(&sim->lock);
  return NULL;
}

/* ---------- the city's part ---------- */

/* The city's steps: each is the interface of a role (its name is the action's name in the
 * control API: sign, return, feedback, complete, revisit, archive). */
static const struct {
  ctk_interface_role role;
  ctk_step step;
} actions[] = {
  { CTK_IF_SIGN, CTK_STEP_SIGN },
  { CTK_IF_RETURN, CTK_STEP_SIGN },
  { CTK_IF_FEEDBACK, CTK_STEP_FEEDBACK },
  { CTK_IF_COMPLETE, CTK_STEP_COMPLETE },
  { CTK_IF_REVISIT, CTK_STEP_REVISIT },
  { CTK_IF_ARCHIVE, CTK_STEP_ARCHIVE },
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

static int action_index(const char *action)
{
  size_t i;
  for(i = 0; i < N_ACTIONS; i++) {
    if(!strcmp(ctk_interface_role_name(actions[i].role), action))
      return (int)i;
  }
  return -1;
}

static int action_of_role(ctk_interface_role role)
{
  size_t i;
  for(i = 0; i < N_ACTIONS; i++) {
    if(actions[i].role == role)
      return (int)i;
  }
  return -1;
}

/* The transition of step a from the order's state, as the profile's process allows it. */
static const ctk_transition *step_transition(struct ctk_city_sim *sim, const city_order *o,
                                             int a)
{
  return ctk_profile_transition(sim->profile, ctk_profile_iface_code(sim->profile,
                                                                     actions[a].role),
                                o->state, CTK_DIR_UP);
}

static ctk_code act(struct ctk_city_sim *sim, city_order *o, int a, char *err, size_t errlen)
{
  const ctk_transition *t;
  if(o->busy) {
    snprintf(err, errlen, "a request for order %s is still in flight", o->id);
    return CTK_E_STATE;
  }
  t = step_transition(sim, o, a);
  if(!t) {
    snprintf(err, errlen, "the profile's process does not allow %s (%s) from state '%s'",
             ctk_interface_role_name(actions[a].role),
             ctk_profile_iface_code(sim->profile, actions[a].role), o->state);
    return CTK_E_STATE;
  }
  o->gen++;          /* whatever was scheduled is superseded */
  o->due_ms = 0;
  ctk_strlcpy(o->pending_to, t->to[0] ? t->to : o->state, sizeof(o->pending_to));
  return city_send(sim, o, actions[a].role);
}

ctk_code city_act(struct ctk_city_sim *sim, city_order *o, const char *action, char *err,
                  size_t errlen)
{
  int a = action_index(action);
  if(a < 0) {
    snprintf(err, errlen, "unknown action '%s' (sign, return, feedback, complete, revisit, "
             "archive)", action);
    return CTK_E_INVAL;
  }
  return act(sim, o, a, err, errlen);
}

/* The next automatic step of an order in its present state (an index of actions), or -1. */
static int next_action(struct ctk_city_sim *sim, const city_order *o)
{
  const ctk_profile *p = sim->profile;
  const char *s = o->state;
  ctk_interface_role next = CTK_IF__COUNT;
  if(!strcmp(s, ctk_st(p, CTK_ST_TRANSFERRED)) && o->from_upper)
    next = ctk_rng_percent(&sim->rng, sim->model.return_pct) ? CTK_IF_RETURN : CTK_IF_SIGN;
  /* signed and in progress: only the city that handles it acts, not the one that sent it */
  else if(!strcmp(s, ctk_st(p, CTK_ST_SIGNED)) && o->from_upper)
    next = ctk_rng_percent(&sim->rng, sim->model.feedback_pct) ? CTK_IF_FEEDBACK :
                                                                  CTK_IF_COMPLETE;
  else if(!strcmp(s, ctk_st(p, CTK_ST_IN_PROGRESS)) && o->from_upper)
    next = CTK_IF_COMPLETE;
  else if(!strcmp(s, ctk_st(p, CTK_ST_ACCEPTED)) && !o->from_upper)
    next = CTK_IF_COMPLETE;
  else if(!strcmp(s, ctk_st(p, CTK_ST_INSTANT_ANSWERED)))
    next = CTK_IF_REVISIT;
  else if(!strcmp(s, ctk_st(p, CTK_ST_COMPLETED)) && !o->from_upper)
    next = CTK_IF_REVISIT;
  else if(!strcmp(s, ctk_st(p, CTK_ST_REVISITED)) && !o->from_upper)
    next = CTK_IF_ARCHIVE;
  return action_of_role(next);
}

void city_schedule_next(struct ctk_city_sim *sim, city_order *o)
{
  city_due d;
  int a;
  if(!sim->auto_steps || sim->stopping)
    return;
  a = next_action(sim, o);
  /* none, or a step the profile does not allow from here: skipped, not attempted */
  if(a < 0 || !step_transition(sim, o, a))
    return;
  memset(&d, 0, sizeof(d));
  o->gen++;
  o->due_ms = ctk_now_ms() +
              (long long)(ctk_traffic_delay(&sim->model, actions[a].step, &sim->rng) * 1000.0);
  d.type = CITY_DUE_STEP;
  d.due_ms = o->due_ms;
  d.order = (size_t)(o - sim->orders);
  d.gen = o->gen;
  d.job = NULL;
  /* the action itself is chosen again when due: the state may have moved meanwhile */
  due_push(sim, d);
}

void city_speed_up(struct ctk_city_sim *sim, city_order *o)
{
  long long now = ctk_now_ms();
  city_due d;
  if(!o->due_ms || o->due_ms <= now)
    return;
  memset(&d, 0, sizeof(d));
  o->gen++;
  o->due_ms = now + (long long)((double)(o->due_ms - now) / sim->model.urge_speedup);
  d.type = CITY_DUE_STEP;
  d.due_ms = o->due_ms;
  d.order = (size_t)(o - sim->orders);
  d.gen = o->gen;
  due_push(sim, d);
}

/* ---------- creating orders ---------- */

static void random_phone(ctk_rng *r, char *out, size_t outlen)
{
  snprintf(out, outlen, "1%lu%09lu", 3 + ctk_rng_below(r, 7), ctk_rng_below(r, 1000000000UL));
}

/* Another city for a cross-region order: of our province (cross-city) or of another one. */
static const char *pick_target(struct ctk_city_sim *sim, const char *self, int other_province)
{
  const ctk_region *list[512];
  const ctk_region *provs[64];
  const char *prov = sim->province;
  size_t n, i, tries;

  /* within the province, a city the simulator plays: the province under test surely knows
   * the route to it, and the transfer comes back here to be handled */
  if(!other_province && sim->n_cities > 1) {
    size_t pick = ctk_rng_below(&sim->rng, sim->n_cities - 1);
    size_t self_index = (size_t)city_find(sim, self);
    return sim->cities[pick >= self_index ? pick + 1 : pick].region;
  }
  if(other_province) {
    n = ctk_region_provinces(sim->regions, provs, 64);
    if(n > 64)
      n = 64;
    for(tries = 0; tries < 16 && n > 1; tries++) {
      const ctk_region *p = provs[ctk_rng_below(&sim->rng, n)];
      if(strcmp(p->code, sim->province) &&
         ctk_region_cities(sim->regions, p->code, NULL, 0) > 0) {
        prov = p->code;
        break;
      }
    }
    if(prov == sim->province)
      return NULL;
  }
  n = ctk_region_cities(sim->regions, prov, list, 512);
  if(n > 512)
    n = 512;
  for(tries = 0; tries < 16 && n > 0; tries++) {
    i = ctk_rng_below(&sim->rng, n);
    if(strcmp(list[i]->code, self))
      return list[i]->code;
  }
  return NULL;
}

/* Persist the city's last sequence so a restart with the same --data does not reuse ids. */
static void save_seq(const city_node *c)
{
  FILE *f;
  if(!c->seq_path[0])
    return;
  f = ctk_file_private(c->seq_path) ? NULL : fopen(c->seq_path, "w");
  if(!f)
    return;
  fprintf(f, "%lu\n", c->seq);
  fclose(f);
}

ctk_code city_create_order(struct ctk_city_sim *sim, size_t city, int kind, const char *target,
                           const city_cti_call *cti, city_order **out)
{
  const char *phone = cti ? cti->phone : NULL;
  const char *call_id = cti ? cti->call_id : NULL;
  const char *rec_url = cti ? cti->rec_url : NULL;
  const char *rec_sha = cti ? cti->rec_sha : NULL;
  static const char *const names[] = { "张先生", "李女士", "王先生", "刘女士", "陈先生" };
  city_node *c = &sim->cities[city];
  const ctk_profile *p = sim->profile;
  const char *business_name, *business, *domain, *channel;
  char id[CITY_ORDER_ID_MAX];
  city_order *o;
  int y, mo, d;
  ctk_order_kind k;
  ctk_code result;

  if(out)
    *out = NULL;
  business = draw_code(sim, CITY_MIX_BUSINESS, &business_name);
  domain = draw_code(sim, CITY_MIX_DOMAIN, NULL);
  /* a call came in on the 12328 phone line */
  channel = phone ? ctk_val(p, CTK_V_CH_PHONE) : draw_code(sim, CITY_MIX_CHANNEL, NULL);
  k = ctk_traffic_kind(&sim->model, business_name, &sim->rng);
  if(kind >= 0)
    k = (ctk_order_kind)kind;
  if((k == CTK_KIND_CROSS_CITY || k == CTK_KIND_CROSS_PROVINCE) && (!target || !*target)) {
    target = pick_target(sim, c->region, k == CTK_KIND_CROSS_PROVINCE);
    if(!target)
      k = CTK_KIND_LOCAL;   /* a municipality has no second city: handle it locally */
  }
  c->seq = c->seq % 999999 + 1;
  save_seq(c);
  ctk_beijing_date(time(NULL), &y, &mo, &d);
  snprintf(id, sizeof(id), "%s%04d%02d%02d%06lu", c->region, y, mo, d, c->seq);
  if(city_order_find(sim, city, id))
    return CTK_E_EXISTS;   /* a million orders in one city and day: the sequence wrapped */
  o = city_order_add(sim, city, id);
  if(!o)
    return CTK_E_NOMEM;
  o->city = city;
  o->kind = k;
  /* a call's order is accepted when the call was answered, as the queue machine says */
  if(cti && cti->answered_ms > 0)
    ctk_profile_time_format(p, (time_t)(cti->answered_ms / 1000), o->accept_time,
                            sizeof(o->accept_time));
  else
    ctk_profile_now(p, o->accept_time, sizeof(o->accept_time));
  ctk_strlcpy(o->accept_region, c->region, sizeof(o->accept_region));
  ctk_strlcpy(o->handle_region, (k == CTK_KIND_CROSS_CITY || k == CTK_KIND_CROSS_PROVINCE) ?
              target : c->region, sizeof(o->handle_region));
  if(k == CTK_KIND_CROSS_CITY || k == CTK_KIND_CROSS_PROVINCE)
    ctk_strlcpy(o->target, target, sizeof(o->target));
  ctk_strlcpy(o->channel, channel ? channel : "", sizeof(o->channel));
  ctk_strlcpy(o->business, business ? business : "", sizeof(o->business));
  ctk_strlcpy(o->domain, domain ? domain : "", sizeof(o->domain));
  if(phone)
    ctk_strlcpy(o->phone, phone, sizeof(o->phone));
  else
    random_phone(&sim->rng, o->phone, sizeof(o->phone));
  if(ctk_rng_percent(&sim->rng, 50))
    ctk_strlcpy(o->caller_name, names[ctk_rng_below(&sim->rng, 5)], sizeof(o->caller_name));
  if(call_id)
    ctk_strlcpy(o->call_id, call_id, sizeof(o->call_id));
  if(rec_url && rec_sha) {
    ctk_strlcpy(o->rec_url, rec_url, sizeof(o->rec_url));
    ctk_strlcpy(o->rec_sha, rec_sha, sizeof(o->rec_sha));
  }
  snprintf(o->subject, sizeof(o->subject), "%s%s", code_zh(p, CTK_EL_DOMAIN, o->domain),
           code_zh(p, CTK_EL_BUSINESS_TYPE, o->business));
  snprintf(o->content, sizeof(o->content), "来电人通过%s反映%s方面的%s事项（模拟工单，序号%lu）。",
           code_zh(p, CTK_EL_CHANNEL, o->channel), code_zh(p, CTK_EL_DOMAIN, o->domain),
           code_zh(p, CTK_EL_BUSINESS_TYPE, o->business), c->seq);
  c->st.created[k]++;
  sim->created_total++;
  if(call_id)
    c->st.cti_orders++;

  if(k == CTK_KIND_CROSS_CITY || k == CTK_KIND_CROSS_PROVINCE) {
    const ctk_transition *t =
      ctk_profile_transition(p, ctk_profile_iface_code(p, CTK_IF_TRANSFER), "", CTK_DIR_UP);
    ctk_strlcpy(o->pending_to, t && t->to[0] ? t->to : ctk_st(p, CTK_ST_TRANSFERRED),
                sizeof(o->pending_to));
    result = city_send(sim, o, CTK_IF_TRANSFER);
  }
  else {
    ctk_strlcpy(o->pending_to, ctk_st(p, k == CTK_KIND_INSTANT ? CTK_ST_INSTANT_ANSWERED :
                                                                 CTK_ST_ACCEPTED),
                sizeof(o->pending_to));
    result = city_send(sim, o, CTK_IF_REPORT);
  }
  if(out)
    *out = city_order_find(sim, city, id);
  return result;
}

/* ---------- the scheduler thread ---------- */

static void run_due(struct ctk_city_sim *sim, city_due *d)
{
  if(d->type == CITY_DUE_SEND) {
    queue_job(sim, d->job);
    return;
  }
  if(d->type == CITY_DUE_ARRIVAL) {
    double next;
    if(sim->cfg.max_orders > 0 && sim->created_total >= sim->cfg.max_orders)
      return;
    city_create_order(sim, ctk_rng_below(&sim->rng, sim->n_cities), -1, NULL, NULL, NULL);
    next = ctk_traffic_next_arrival(&sim->model, &sim->rng);
    if(next >= 0 && !(sim->cfg.max_orders > 0 && sim->created_total >= sim->cfg.max_orders))
      push_arrival(sim, d->due_ms + (long long)(next * 1000.0));
    return;
  }
  if(d->order < sim->n_orders) {
    city_order *o = &sim->orders[d->order];
    char err[160];
    int a;
    if(o->gen != d->gen || o->busy || !sim->auto_steps)
      return;
    o->due_ms = 0;
    a = next_action(sim, o);
    if(a >= 0 && act(sim, o, a, err, sizeof(err)))
      CTK_DEBUG(MOD, "order=%s step=%s skipped: %s", o->id,
                ctk_interface_role_name(actions[a].role), err);
  }
}

static void *scheduler_main(void *arg)
{
  struct ctk_city_sim *sim = arg;
  pthread_mutex_lock(&sim->lock);
  while(!sim->stopping) {
    long long now = ctk_now_ms();
    if(!sim->n_heap) {
      pthread_cond_wait(&sim->due_cond, &sim->lock);
    }
    else if(sim->heap[0].due_ms > now) {
      struct timespec until;
      long long at = sim->heap[0].due_ms;
      until.tv_sec = (time_t)(at / 1000);
      until.tv_nsec = (long)(at % 1000) * 1000000L;
      pthread_cond_timedwait(&sim->due_cond, &sim->lock, &until);
    }
    else {
      city_due d = due_pop(sim);
      run_due(sim, &d);
    }
  }
  pthread_mutex_unlock(&sim->lock);
  return NULL;
}

/* Nothing queued, held, delayed or in flight (lock held). */
static int sim_idle(ctk_city_sim *sim)
{
  size_t i;
  if(sim->in_flight)
    return 0;
  for(i = 0; i < sim->n_workers; i++) {
    if(sim->workers[i].busy || sim->workers[i].head)
      return 0;
  }
  return 1;
}

int ctk_city_sim_idle(ctk_city_sim *sim)
{
  int idle;
  pthread_mutex_lock(&sim->lock);
  idle = sim_idle(sim);
  pthread_mutex_unlock(&sim->lock);
  return idle;
}

int ctk_city_sim_finished(ctk_city_sim *sim)
{
  int done;
  pthread_mutex_lock(&sim->lock);
  done = sim->cfg.max_orders > 0 && sim->created_total >= sim->cfg.max_orders &&
         sim->n_heap == 0 && sim_idle(sim);
  pthread_mutex_unlock(&sim->lock);
  return done;
}

void city_reset(struct ctk_city_sim *sim)
{
  size_t i;
  while(sim->n_heap) {
    city_due d = due_pop(sim);
    if(d.job)
      job_free(sim, d.job);
  }
  for(i = 0; i < sim->n_cities; i++)
    memset(&sim->cities[i].st, 0, sizeof(sim->cities[i].st));
  for(i = 0; i < sim->obs_count; i++)
    city_obs_free(&sim->obs[(sim->obs_start + i) % CITY_OBS_MAX]);
  sim->obs_start = sim->obs_count = 0;
  sim->obs_dropped = 0;
  sim->n_orders = 0;
  for(i = 0; i < CITY_HASH_BUCKETS; i++)
    sim->buckets[i] = NO_INDEX;
  sim->n_seen = 0;
  sim->n_cti = 0;
  memset(&sim->cti_events, 0, sizeof(sim->cti_events));
  ctk_mb_clear(&sim->rules);
  sim->created_total = 0;
  start_arrivals(sim);
}

/* ---------- start and stop ---------- */

void ctk_city_config_init(ctk_city_config *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->rate = -1;
  cfg->seed = 12328;
  cfg->workers = 4;
  cfg->timeout_ms = 10000;
}

/* First line of a file, trimmed; secrets are never logged. */
static ctk_code read_first_line(const char *path, char *out, size_t outlen)
{
  FILE *f = fopen(path, "r");
  size_t n;
  if(!f)
    return CTK_E_IO;
  if(!fgets(out, (int)outlen, f)) {
    fclose(f);
    return CTK_E_PARSE;
  }
  fclose(f);
  n = strcspn(out, "\r\n");
  out[n] = '\0';
  return n ? CTK_E_OK : CTK_E_PARSE;
}

/* Every name of the model must be a symbolic code name of the profile (else the orders are
 * invalid): each is resolved here, once, to its value in the code set of its element. */
static ctk_code resolve_model(ctk_city_sim *sim, char *err, size_t errlen)
{
  const struct {
    const ctk_traffic_mix *mix;
    ctk_element_role element;
    const char *key;
    int codes;                 /* index in sim->mix_codes; -1: names checked only */
  } mixes[] = {
    { &sim->model.business, CTK_EL_BUSINESS_TYPE, "business", CITY_MIX_BUSINESS },
    { &sim->model.domain, CTK_EL_DOMAIN, "domain", CITY_MIX_DOMAIN },
    { &sim->model.channel, CTK_EL_CHANNEL, "channel", CITY_MIX_CHANNEL },
    { &sim->model.instant, CTK_EL_BUSINESS_TYPE, "instant", -1 },
    { &sim->model.satisfaction, CTK_EL_SATISFACTION, "satisfaction", CITY_MIX_SATISFACTION },
  };
  const ctk_profile *p = sim->profile;
  size_t i, j;
  for(i = 0; i < sizeof(mixes) / sizeof(mixes[0]); i++) {
    const char *set = city_codeset(p, mixes[i].element);
    if(!set) {
      snprintf(err, errlen, "traffic model: the profile gives %s (%s) no code set "
               "(catalog.xml <codefields>)", ctk_el(p, mixes[i].element), mixes[i].key);
      return CTK_E_PROFILE;
    }
    for(j = 0; j < mixes[i].mix->count; j++) {
      const char *value = code_of_name(p, set, mixes[i].mix->names[j]);
      if(!value) {
        snprintf(err, errlen, "traffic model: %s.%s is not a name in the profile's codes/%s.csv",
                 mixes[i].key, mixes[i].mix->names[j], set);
        return CTK_E_PROFILE;
      }
      if(mixes[i].codes >= 0)
        ctk_strlcpy(sim->mix_codes[mixes[i].codes][j], value, CTK_ID_MAX);
    }
  }
  return CTK_E_OK;
}

static ctk_code add_city(ctk_city_sim *sim, const ctk_region *r, char *err, size_t errlen)
{
  city_node *c = &sim->cities[sim->n_cities];
  const ctk_city_config *cfg = &sim->cfg;
  char path[600];
  memset(c, 0, sizeof(*c));
  ctk_strlcpy(c->region, r->code, sizeof(c->region));
  ctk_strlcpy(c->name, r->name, sizeof(c->name));
  c->worker = sim->n_cities % sim->n_workers;
  if(cfg->secrets_dir) {
    snprintf(path, sizeof(path), "%s/%s.secret", cfg->secrets_dir, c->region);
    if(read_first_line(path, c->secret, sizeof(c->secret))) {
      snprintf(err, errlen, "%s: cannot read the city's secret (one line)", path);
      return CTK_E_IO;
    }
  }
  else if(cfg->secret_file) {
    if(read_first_line(cfg->secret_file, c->secret, sizeof(c->secret))) {
      snprintf(err, errlen, "%s: cannot read the secret (one line)", cfg->secret_file);
      return CTK_E_IO;
    }
  }
  /* Without a saved sequence, start from the time of day (tenths of a second since Beijing
   * midnight): a second run on the same day then does not reuse the first run's order ids
   * unless the first made more than ten orders a second per city. */
  c->seq = (unsigned long)(ctk_beijing_seconds_of_day(time(NULL)) * 10);
  if(cfg->data_dir) {
    char line[32];
    snprintf(c->seq_path, sizeof(c->seq_path), "%s/%s.seq", cfg->data_dir, c->region);
    if(!read_first_line(c->seq_path, line, sizeof(line)))
      c->seq = strtoul(line, NULL, 10) % 1000000;
    snprintf(path, sizeof(path), "%s/%s.log", cfg->data_dir, c->region);
    /* the message log holds callers' names and numbers: the owner's only */
    c->log = ctk_file_private(path) ? NULL : fopen(path, "a");
    if(!c->log) {
      snprintf(err, errlen, "%s: cannot open the message log: %s", path, strerror(errno));
      return CTK_E_IO;
    }
  }
  sim->n_cities++;
  return CTK_E_OK;
}

static ctk_code pick_cities(ctk_city_sim *sim, char *err, size_t errlen)
{
  const ctk_region *list[512];
  size_t n = ctk_region_cities(sim->regions, sim->province, list, 512);
  ctk_code result;
  if(n > 512)
    n = 512;
  sim->cities = calloc(n ? n : 1, sizeof(city_node));
  if(!sim->cities)
    return CTK_E_NOMEM;
  if(!sim->cfg.cities || !*sim->cfg.cities) {
    size_t i;
    for(i = 0; i < n; i++) {
      result = add_city(sim, list[i], err, errlen);
      if(result)
        return result;
    }
  }
  else {
    const char *s = sim->cfg.cities;
    while(*s) {
      char code[16];
      size_t len = strcspn(s, ", "), i;
      const ctk_region *found = NULL;
      if(len && len < sizeof(code)) {
        memcpy(code, s, len);
        code[len] = '\0';
        for(i = 0; i < n; i++) {
          if(!strcmp(list[i]->code, code))
            found = list[i];
        }
        if(!found) {
          snprintf(err, errlen, "--cities: %s is not a city of province %s", code,
                   sim->province);
          return CTK_E_INVAL;
        }
        if(city_find(sim, code) < 0) {
          result = add_city(sim, found, err, errlen);
          if(result)
            return result;
        }
      }
      else if(len) {
        snprintf(err, errlen, "--cities: '%.*s' is not a region code", (int)len, s);
        return CTK_E_INVAL;
      }
      s += len;
      while(*s == ',' || *s == ' ')
        s++;
    }
  }
  if(!sim->n_cities) {
    snprintf(err, errlen, "province %s has no cities to simulate", sim->province);
    return CTK_E_INVAL;
  }
  return CTK_E_OK;
}

ctk_code ctk_city_sim_start(const ctk_city_config *cfg, ctk_city_sim **out, char *err,
                            size_t errlen)
{
  ctk_city_sim *sim;
  ctk_http_server_config scfg;
  pthread_condattr_t cattr;
  char why[512];
  ctk_code result;
  size_t i;

  *out = NULL;
  if(!cfg->province || !cfg->upper_url || !*cfg->upper_url) {
    snprintf(err, errlen, "--province and --upper are required");
    return CTK_E_INVAL;
  }
  sim = calloc(1, sizeof(*sim));
  if(!sim)
    return CTK_E_NOMEM;
  sim->cfg = *cfg;
  if(!sim->cfg.workers)
    sim->cfg.workers = 4;
  if(sim->cfg.timeout_ms <= 0)
    sim->cfg.timeout_ms = 10000;
  pthread_mutex_init(&sim->lock, NULL);
  pthread_condattr_init(&cattr);
  pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
  pthread_cond_init(&sim->due_cond, &cattr);
  for(i = 0; i < CITY_HASH_BUCKETS; i++)
    sim->buckets[i] = NO_INDEX;
  ctk_mb_init(&sim->rules);
  sim->auto_steps = !cfg->manual;
  sim->lenient = cfg->lenient;
  sim->started_ms = ctk_now_ms();
  ctk_rng_seed(&sim->rng, cfg->seed);
  ctk_strlcpy(sim->province, cfg->province, sizeof(sim->province));
  if(ctk_strlcpy(sim->upper_url, cfg->upper_url, sizeof(sim->upper_url))) {
    snprintf(err, errlen, "--upper is too long");
    result = CTK_E_INVAL;
    goto fail;
  }
  i = strlen(sim->upper_url);
  while(i > 0 && sim->upper_url[i - 1] == '/')
    sim->upper_url[--i] = '\0';

  result = ctk_profile_load(cfg->profile_dir ? cfg->profile_dir : ctk_profile_default_dir(),
                            &sim->profile, why, sizeof(why));
  if(result) {
    snprintf(err, errlen, "profile: %s", why);
    goto fail;
  }
  result = ctk_region_load(cfg->regions_file ? cfg->regions_file : CTK_REGION_DEFAULT_FILE,
                           &sim->regions, why, sizeof(why));
  if(result) {
    snprintf(err, errlen, "regions: %s", why);
    goto fail;
  }
  if(!ctk_region_is_province(sim->regions, sim->province)) {
    snprintf(err, errlen, "--province %s is not a provincial unit", sim->province);
    result = CTK_E_INVAL;
    goto fail;
  }
  ctk_traffic_defaults(&sim->model);
  if(cfg->model_file) {
    result = ctk_traffic_load(cfg->model_file, &sim->model, err, errlen);
    if(result)
      goto fail;
  }
  if(cfg->rate >= 0)
    sim->model.rate = cfg->rate;
  result = resolve_model(sim, err, errlen);
  if(result)
    goto fail;
  if(cfg->data_dir && mkdir(cfg->data_dir, 0700) && errno != EEXIST) {
    snprintf(err, errlen, "--data %s: %s", cfg->data_dir, strerror(errno));
    result = CTK_E_IO;
    goto fail;
  }
  sim->n_workers = sim->cfg.workers;
  result = pick_cities(sim, err, errlen);
  if(result)
    goto fail;
  if(cfg->credentials_file) {
    result = city_auth_load(sim, cfg->credentials_file, err, errlen);
    if(result)
      goto fail;
  }
  else {
    CTK_WARN(MOD, "no --credentials: the cities accept requests from anyone");
  }
  sim->obs = calloc(CITY_OBS_MAX, sizeof(*sim->obs));
  sim->seen = calloc(CITY_SEEN_MAX, sizeof(*sim->seen));
  sim->cti_calls = calloc(CITY_CTI_MAX, sizeof(*sim->cti_calls));
  sim->workers = calloc(sim->n_workers, sizeof(*sim->workers));
  if(!sim->obs || !sim->seen || !sim->cti_calls || !sim->workers) {
    result = CTK_E_NOMEM;
    goto fail;
  }

  pthread_mutex_lock(&sim->lock);
  start_arrivals(sim);
  pthread_mutex_unlock(&sim->lock);
  for(i = 0; i < sim->n_workers; i++) {
    city_worker *w = &sim->workers[i];
    w->sim = sim;
    w->index = i;
    pthread_cond_init(&w->cond, &cattr);
    w->http = ctk_http_client_new();
    if(!w->http || pthread_create(&w->thread, NULL, worker_main, w)) {
      snprintf(err, errlen, "cannot start sending thread %zu", i);
      result = CTK_E_INTERNAL;
      goto fail;
    }
  }
  if(pthread_create(&sim->scheduler, NULL, scheduler_main, sim)) {
    snprintf(err, errlen, "cannot start the scheduler thread");
    result = CTK_E_INTERNAL;
    goto fail;
  }

  memset(&scfg, 0, sizeof(scfg));
  scfg.bind_addr = cfg->listen_addr ? cfg->listen_addr : "127.0.0.1";
  scfg.port = cfg->listen_port;
  scfg.max_body = ctk_receive_max_body(sim->profile);   /* as the reference nodes */
  scfg.threads = 8;
  result = ctk_http_server_start(&scfg, city_rx_handler, sim, &sim->server);
  if(result) {
    snprintf(err, errlen, "cannot listen on %s:%d: %s", scfg.bind_addr, scfg.port,
             ctk_strerror(result));
    goto fail;
  }
  memset(&scfg, 0, sizeof(scfg));
  scfg.bind_addr = cfg->control_addr ? cfg->control_addr : "127.0.0.1";
  scfg.port = cfg->control_port;
  scfg.max_body = (size_t)1024 * 1024;
  scfg.threads = 4;
  result = ctk_http_server_start(&scfg, city_control_handler, sim, &sim->control);
  if(result) {
    snprintf(err, errlen, "cannot listen for control on %s:%d: %s", scfg.bind_addr, scfg.port,
             ctk_strerror(result));
    goto fail;
  }
  if(cfg->misbehave && *cfg->misbehave) {
    ctk_mb_rule rule;
    char reason[256];
    result = ctk_mb_rule_parse(sim->profile, cfg->misbehave, strlen(cfg->misbehave),
                               city_now_ms(), &rule, reason, sizeof(reason));
    if(!result)
      result = ctk_mb_add(&sim->rules, &rule);
    if(result) {
      snprintf(err, errlen, "--misbehave: %s", result == CTK_E_TOOBIG ? "too many rules" : reason);
      goto fail;
    }
  }
  if(cfg->dock && *cfg->dock) {
    ctk_dock_login login;
    login.user = cfg->dock_user;
    login.secret = cfg->dock_secret;
    result = ctk_dock_start(cfg->dock, &login, city_dock_answered, sim, &sim->dock, err, errlen);
    if(result)
      goto fail;
  }
  pthread_condattr_destroy(&cattr);
  CTK_INFO(MOD, "province=%s cities=%zu upper=%s port=%d control=%d rate=%g seed=%llu",
           sim->province, sim->n_cities, sim->upper_url, ctk_http_server_port(sim->server),
           ctk_http_server_port(sim->control), sim->model.rate, cfg->seed);
  *out = sim;
  return CTK_E_OK;
fail:
  pthread_condattr_destroy(&cattr);
  ctk_city_sim_stop(sim);
  return result;
}

void ctk_city_sim_stop(ctk_city_sim *sim)
{
  size_t i;
  if(!sim)
    return;
  /* no new calls, no new requests from the province, then no new work, then the threads */
  ctk_dock_stop(sim->dock);
  sim->dock = NULL;
  ctk_http_server_stop(sim->control);
  ctk_http_server_stop(sim->server);
  pthread_mutex_lock(&sim->lock);
  sim->stopping = 1;
  pthread_cond_broadcast(&sim->due_cond);
  for(i = 0; sim->workers && i < sim->n_workers; i++)
    pthread_cond_broadcast(&sim->workers[i].cond);
  pthread_mutex_unlock(&sim->lock);
  if(sim->scheduler)
    pthread_join(sim->scheduler, NULL);
  for(i = 0; sim->workers && i < sim->n_workers; i++) {
    city_worker *w = &sim->workers[i];
    if(w->thread)
      pthread_join(w->thread, NULL);
    while(w->head) {
      city_job *job = w->head;
      w->head = job->next;
      job_free(sim, job);
    }
    ctk_http_client_free(w->http);
    if(w->sim)
      pthread_cond_destroy(&w->cond);
  }
  while(sim->n_heap) {
    city_due d = due_pop(sim);
    job_free(sim, d.job);
  }
  for(i = 0; sim->cities && i < sim->n_cities; i++) {
    job_free(sim, sim->cities[i].held);
    if(sim->cities[i].log)
      fclose(sim->cities[i].log);
  }
  for(i = 0; sim->obs && i < sim->obs_count; i++)
    city_obs_free(&sim->obs[(sim->obs_start + i) % CITY_OBS_MAX]);
  city_auth_free(sim);
  free(sim->obs);
  free(sim->seen);
  free(sim->cti_calls);
  free(sim->workers);
  free(sim->cities);
  free(sim->orders);
  free(sim->heap);
  ctk_region_free(sim->regions);
  ctk_profile_free(sim->profile);
  pthread_cond_destroy(&sim->due_cond);
  pthread_mutex_destroy(&sim->lock);
  free(sim);
}

int ctk_city_sim_port(const ctk_city_sim *sim)
{
  return ctk_http_server_port(sim->server);
}

int ctk_city_sim_control_port(const ctk_city_sim *sim)
{
  return ctk_http_server_port(sim->control);
}

size_t ctk_city_sim_count(const ctk_city_sim *sim)
{
  return sim->n_cities;
}
