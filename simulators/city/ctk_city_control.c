/* ctk_city_control: the city simulator's control API (HTTP + JSON on loopback, for the runner
 * and tests: misbehave, observe, stats, orders on command, act, reset) and its CTI intake. */
#include "ctk_city_internal.h"
#include "ctk_dock.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_http_local.h"
#include "ctk_json.h"
#include "ctk_log.h"
#include "ctk_validate.h"

#define MOD "city-control"
#define ORDERS_PER_CALL_MAX 10000
#define OBSERVED_PAGE_DEFAULT 2000   /* entries per GET /control/observed unless limit= says */

static int reply_error(ctk_buf *out, int status, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static int reply_error(ctk_buf *out, int status, const char *fmt, ...)
{
  char text[512];
  struct json_object *obj = json_object_new_object();
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  json_object_object_add(obj, "error", json_object_new_string(text));
  if(!ctk_json_write(obj, JSON_C_TO_STRING_PLAIN, out))
    ctk_buf_addc(out, '\n');
  return status;
}

/* Write obj (and release it). */
static int reply_json(ctk_buf *out, int status, struct json_object *obj)
{
  ctk_code result = ctk_json_write(obj, JSON_C_TO_STRING_PLAIN, out);
  if(!result)
    result = ctk_buf_addc(out, '\n');
  if(result) {
    ctk_buf_reset(out);
    return reply_error(out, 413, "the answer is larger than the buffer: ask for less (limit=)");
  }
  return status;
}

/* Parse a JSON object body; NULL with err filled when it is not one. */
static struct json_object *parse_body(const char *body, size_t len, char *err, size_t errlen)
{
  struct json_tokener *tok = json_tokener_new();
  struct json_object *obj;
  enum json_tokener_error jerr;
  if(!tok) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  obj = json_tokener_parse_ex(tok, body, (int)len);
  jerr = json_tokener_get_error(tok);
  if(!obj || jerr != json_tokener_success || json_tokener_get_parse_end(tok) < len ||
     !json_object_is_type(obj, json_type_object)) {
    snprintf(err, errlen, "the body must be one JSON object (%s at offset %zu)",
             jerr == json_tokener_success ? (obj ? "not an object or trailing data" : "empty") :
             jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr),
             json_tokener_get_parse_end(tok));
    json_object_put(obj);
    obj = NULL;
  }
  json_tokener_free(tok);
  return obj;
}

/* Optional string member: NULL when absent; -1 in *bad when present but not a string. */
static const char *member_string(struct json_object *obj, const char *key, int *bad)
{
  struct json_object *v;
  if(!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
    return NULL;
  if(!json_object_is_type(v, json_type_string)) {
    *bad = 1;
    return NULL;
  }
  return json_object_get_string(v);
}

/* Value of name in a query string "a=1&b=2" into out; 0 when absent. */
static int query_param(const char *query, const char *name, char *out, size_t outlen)
{
  size_t n = strlen(name);
  const char *p = query;
  while(p && *p) {
    if(!strncmp(p, name, n) && p[n] == '=') {
      size_t len = strcspn(p + n + 1, "&");
      if(len >= outlen)
        len = outlen - 1;
      memcpy(out, p + n + 1, len);
      out[len] = '\0';
      return 1;
    }
    p = strchr(p, '&');
    if(p)
      p++;
  }
  return 0;
}

static struct json_object *rule_json(const ctk_mb_rule *r)
{
  struct json_object *obj = json_object_new_object();
  json_object_object_add(obj, "id", json_object_new_int64((int64_t)r->id));
  json_object_object_add(obj, "city", json_object_new_string(r->city));
  json_object_object_add(obj, "action", json_object_new_string(ctk_mb_action_name(r->action)));
  json_object_object_add(obj, "on", json_object_new_string(r->on == CTK_MB_ON_SEND ? "send" :
                                                           "answer"));
  if(r->remaining >= 0)
    json_object_object_add(obj, "remaining", json_object_new_int64(r->remaining));
  else
    json_object_object_add(obj, "until_ms", json_object_new_int64(r->until_ms));
  json_object_object_add(obj, "applied", json_object_new_int64((int64_t)r->applied));
  if(r->delay_ms)
    json_object_object_add(obj, "delay_ms", json_object_new_int64(r->delay_ms));
  if(r->field[0])
    json_object_object_add(obj, "field", json_object_new_string(r->field));
  if(r->result_code[0])
    json_object_object_add(obj, "result_code", json_object_new_string(r->result_code));
  if(r->interface_code[0])
    json_object_object_add(obj, "interface", json_object_new_string(r->interface_code));
  return obj;
}

static int do_misbehave(struct ctk_city_sim *sim, const char *method, const char *body,
                        size_t len, ctk_buf *out)
{
  ctk_mb_rule rule;
  char err[256];
  struct json_object *list;
  size_t i;
  int status = 201;

  if(!strcmp(method, "DELETE")) {
    pthread_mutex_lock(&sim->lock);
    ctk_mb_clear(&sim->rules);
    pthread_mutex_unlock(&sim->lock);
    return reply_json(out, 200, json_object_new_object());
  }
  if(!strcmp(method, "GET")) {
    list = json_object_new_array();
    pthread_mutex_lock(&sim->lock);
    for(i = 0; i < sim->rules.count; i++)
      json_object_array_add(list, rule_json(&sim->rules.rules[i]));
    pthread_mutex_unlock(&sim->lock);
    {
      struct json_object *obj = json_object_new_object();
      json_object_object_add(obj, "rules", list);
      return reply_json(out, 200, obj);
    }
  }
  if(strcmp(method, "POST"))
    return reply_error(out, 405, "use GET, POST or DELETE on /control/misbehave");
  if(ctk_mb_rule_parse(sim->profile, body, len, city_now_ms(), &rule, err, sizeof(err)))
    return reply_error(out, 400, "%s", err);
  pthread_mutex_lock(&sim->lock);
  if(strcmp(rule.city, "*") && city_find(sim, rule.city) < 0) {
    pthread_mutex_unlock(&sim->lock);
    return reply_error(out, 404, "this simulator does not play city %s", rule.city);
  }
  if(ctk_mb_add(&sim->rules, &rule))
    status = 0;
  pthread_mutex_unlock(&sim->lock);
  if(!status)
    return reply_error(out, 409, "already %d rules: DELETE /control/misbehave first",
                       CTK_MB_RULES_MAX);
  CTK_INFO(MOD, "misbehave id=%lu city=%s action=%s count=%ld", rule.id, rule.city,
           ctk_mb_action_name(rule.action), rule.remaining);
  return reply_json(out, status, rule_json(&rule));
}

static int do_observed(struct ctk_city_sim *sim, const char *query, ctk_buf *out)
{
  char city[16] = "", raw[8] = "", since[24] = "", dir[8] = "", limit_s[24] = "";
  struct json_object *root, *list;
  unsigned long after = 0, last = 0;
  unsigned long limit = OBSERVED_PAGE_DEFAULT;
  int with_raw, more = 0;
  size_t i, n = 0;

  query_param(query, "city", city, sizeof(city));
  query_param(query, "direction", dir, sizeof(dir));
  with_raw = query_param(query, "raw", raw, sizeof(raw)) && strcmp(raw, "0");
  if(query_param(query, "since", since, sizeof(since)))
    after = strtoul(since, NULL, 10);
  if(query_param(query, "limit", limit_s, sizeof(limit_s))) {
    limit = strtoul(limit_s, NULL, 10);
    if(limit < 1 || limit > CITY_OBS_MAX)
      return reply_error(out, 400, "limit must be 1..%d", CITY_OBS_MAX);
  }
  if(dir[0] && strcmp(dir, "in") && strcmp(dir, "out"))
    return reply_error(out, 400, "direction must be in or out");
  root = json_object_new_object();
  list = json_object_new_array();
  pthread_mutex_lock(&sim->lock);
  for(i = 0; i < sim->obs_count; i++) {
    const city_obs *e = &sim->obs[(sim->obs_start + i) % CITY_OBS_MAX];
    if(e->seq <= after)
      continue;
    if(city[0] && strcmp(city, sim->cities[e->city].region))
      continue;
    if(dir[0] && (e->incoming != !strcmp(dir, "in")))
      continue;
    if(n == limit) {
      more = 1;    /* the caller pages on with since=<last seq of this page> */
      break;
    }
    json_object_array_add(list, city_obs_json(sim, e, with_raw));
    last = e->seq;
    n++;
  }
  json_object_object_add(root, "dropped", json_object_new_int64((int64_t)sim->obs_dropped));
  json_object_object_add(root, "last_seq", json_object_new_int64((int64_t)sim->obs_seq));
  pthread_mutex_unlock(&sim->lock);
  json_object_object_add(root, "entries", list);
  json_object_object_add(root, "more", json_object_new_boolean(more));
  json_object_object_add(root, "page_last_seq", json_object_new_int64((int64_t)last));
  return reply_json(out, 200, root);
}

/* The city index a request names ("city" absent or "*" = round robin through *next). */
static ssize_t city_of_request(struct ctk_city_sim *sim, const char *city, size_t *next)
{
  ssize_t ci;
  if(!city || !strcmp(city, "*")) {
    ci = (ssize_t)(*next % sim->n_cities);
    (*next)++;
    return ci;
  }
  return city_find(sim, city);
}

static int do_orders(struct ctk_city_sim *sim, const char *body, size_t len, ctk_buf *out)
{
  char err[256];
  struct json_object *req = parse_body(body, len, err, sizeof(err));
  struct json_object *root, *list, *v;
  const char *city, *kind_s, *target;
  long count = 1;
  int bad = 0, kind = -1, status;
  size_t next = 0;
  long i;

  if(!req)
    return reply_error(out, 400, "%s", err);
  city = member_string(req, "city", &bad);
  kind_s = member_string(req, "kind", &bad);
  target = member_string(req, "target", &bad);
  if(bad) {
    json_object_put(req);
    return reply_error(out, 400, "city, kind and target must be strings");
  }
  if(json_object_object_get_ex(req, "count", &v)) {
    if(!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
       json_object_get_int64(v) > ORDERS_PER_CALL_MAX) {
      json_object_put(req);
      return reply_error(out, 400, "count must be a whole number 1..%d", ORDERS_PER_CALL_MAX);
    }
    count = (long)json_object_get_int64(v);
  }
  if(kind_s) {
    kind = ctk_order_kind_parse(kind_s);
    if(kind < 0) {
      json_object_put(req);
      return reply_error(out, 400, "kind must be local, instant, cross-city or cross-province");
    }
  }
  if(target && *target) {
    const ctk_region *prov = ctk_region_province_of(sim->regions, target);
    int same = prov && !strcmp(prov->code, sim->province);
    if(!ctk_region_is_city(sim->regions, target)) {
      status = reply_error(out, 400, "target %s is not a city in the region table", target);
      json_object_put(req);
      return status;
    }
    if(kind < 0)
      kind = same ? CTK_KIND_CROSS_CITY : CTK_KIND_CROSS_PROVINCE;
    if((kind == CTK_KIND_CROSS_CITY && !same) || (kind == CTK_KIND_CROSS_PROVINCE && same) ||
       kind == CTK_KIND_LOCAL || kind == CTK_KIND_INSTANT) {
      status = reply_error(out, 400, "target %s does not fit kind %s", target,
                           ctk_order_kind_name((ctk_order_kind)kind));
      json_object_put(req);
      return status;
    }
  }
  root = json_object_new_object();
  list = json_object_new_array();
  pthread_mutex_lock(&sim->lock);
  if(city && strcmp(city, "*") && city_find(sim, city) < 0) {
    pthread_mutex_unlock(&sim->lock);
    status = reply_error(out, 404, "this simulator does not play city %s", city);
    json_object_put(req);
    json_object_put(list);
    json_object_put(root);
    return status;
  }
  next = sim->cti_next;
  for(i = 0; i < count; i++) {
    ssize_t ci = city_of_request(sim, city, &next);
    city_order *o = NULL;
    struct json_object *item;
    ctk_code rc = city_create_order(sim, (size_t)ci, kind, target, NULL, &o);
    if(rc && !o) {
      ctk_strlcpy(err, ctk_strerror(rc), sizeof(err));
      break;
    }
    item = json_object_new_object();
    json_object_object_add(item, "order_id", json_object_new_string(o->id));
    json_object_object_add(item, "city", json_object_new_string(sim->cities[ci].region));
    json_object_object_add(item, "kind", json_object_new_string(ctk_order_kind_name(o->kind)));
    if(o->target[0])
      json_object_object_add(item, "target", json_object_new_string(o->target));
    json_object_array_add(list, item);
  }
  pthread_mutex_unlock(&sim->lock);
  json_object_put(req);
  json_object_object_add(root, "orders", list);
  if(i < count)
    json_object_object_add(root, "error", json_object_new_string(err));
  return reply_json(out, i < count ? 500 : 201, root);
}

static struct json_object *order_json(struct ctk_city_sim *sim, const city_order *o)
{
  struct json_object *obj = json_object_new_object();
  struct json_object *hist = json_object_new_array();
  size_t i;
  json_object_object_add(obj, "order_id", json_object_new_string(o->id));
  json_object_object_add(obj, "city", json_object_new_string(sim->cities[o->city].region));
  json_object_object_add(obj, "kind", json_object_new_string(ctk_order_kind_name(o->kind)));
  json_object_object_add(obj, "state", json_object_new_string(o->state));
  json_object_object_add(obj, "from_upper", json_object_new_boolean(o->from_upper));
  json_object_object_add(obj, "busy", json_object_new_boolean(o->busy));
  json_object_object_add(obj, "urged", json_object_new_int((int)o->urged));
  json_object_object_add(obj, "target", json_object_new_string(o->target));
  json_object_object_add(obj, "call_id", json_object_new_string(o->call_id));
  json_object_object_add(obj, "phone", json_object_new_string(o->phone));
  json_object_object_add(obj, "channel", json_object_new_string(o->channel));
  json_object_object_add(obj, "business_type", json_object_new_string(o->business));
  json_object_object_add(obj, "domain", json_object_new_string(o->domain));
  for(i = 0; i < o->n_history; i++) {
    struct json_object *ev = json_object_new_object();
    json_object_object_add(ev, "time", json_object_new_string(o->history[i].time));
    json_object_object_add(ev, "interface",
                           json_object_new_string(o->history[i].interface_code));
    json_object_object_add(ev, "status", json_object_new_string(o->history[i].status));
    json_object_object_add(ev, "region", json_object_new_string(o->history[i].region));
    json_object_array_add(hist, ev);
  }
  json_object_object_add(obj, "history", hist);
  return obj;
}

/* The order named by id in city (or in any simulated city when city is NULL). Lock held. */
static city_order *find_order(struct ctk_city_sim *sim, const char *city, const char *id)
{
  size_t i;
  if(city) {
    ssize_t ci = city_find(sim, city);
    return ci < 0 ? NULL : city_order_find(sim, (size_t)ci, id);
  }
  for(i = 0; i < sim->n_cities; i++) {
    city_order *o = city_order_find(sim, i, id);
    if(o)
      return o;
  }
  return NULL;
}

static int do_order_get(struct ctk_city_sim *sim, const char *id, const char *query,
                        ctk_buf *out)
{
  char city[16] = "";
  city_order *o;
  struct json_object *obj = NULL;
  query_param(query, "city", city, sizeof(city));
  pthread_mutex_lock(&sim->lock);
  o = find_order(sim, city[0] ? city : NULL, id);
  if(o)
    obj = order_json(sim, o);
  pthread_mutex_unlock(&sim->lock);
  if(!obj)
    return reply_error(out, 404, "no order %s", id);
  return reply_json(out, 200, obj);
}

static int do_act(struct ctk_city_sim *sim, const char *body, size_t len, ctk_buf *out)
{
  char err[256];
  struct json_object *req = parse_body(body, len, err, sizeof(err));
  const char *city, *id, *action;
  city_order *o;
  int bad = 0, status;
  ctk_code rc;

  if(!req)
    return reply_error(out, 400, "%s", err);
  city = member_string(req, "city", &bad);
  id = member_string(req, "order", &bad);
  action = member_string(req, "action", &bad);
  if(bad || !id || !action) {
    json_object_put(req);
    return reply_error(out, 400, "give \"order\" and \"action\" as strings (\"city\" optional)");
  }
  pthread_mutex_lock(&sim->lock);
  o = find_order(sim, city, id);
  if(!o) {
    pthread_mutex_unlock(&sim->lock);
    status = reply_error(out, 404, "no order %s%s%s", id, city ? " in city " : "",
                         city ? city : "");
    json_object_put(req);
    return status;
  }
  rc = city_act(sim, o, action, err, sizeof(err));
  if(rc) {
    pthread_mutex_unlock(&sim->lock);
    status = reply_error(out, rc == CTK_E_INVAL ? 400 : 409, "%s", err);
  }
  else {
    struct json_object *obj = json_object_new_object();
    json_object_object_add(obj, "order_id", json_object_new_string(o->id));
    json_object_object_add(obj, "city", json_object_new_string(sim->cities[o->city].region));
    json_object_object_add(obj, "action", json_object_new_string(action));
    pthread_mutex_unlock(&sim->lock);
    status = reply_json(out, 202, obj);
  }
  json_object_put(req);
  return status;
}

static int do_mode(struct ctk_city_sim *sim, const char *body, size_t len, ctk_buf *out)
{
  char err[256];
  struct json_object *req = parse_body(body, len, err, sizeof(err));
  struct json_object *v = NULL, *lenient = NULL, *obj;
  int has_auto, has_lenient;
  if(!req)
    return reply_error(out, 400, "%s", err);
  has_auto = json_object_object_get_ex(req, "auto", &v);
  has_lenient = json_object_object_get_ex(req, "lenient", &lenient);
  if((!has_auto && !has_lenient) ||
     (has_auto && !json_object_is_type(v, json_type_boolean)) ||
     (has_lenient && !json_object_is_type(lenient, json_type_boolean))) {
    json_object_put(req);
    return reply_error(out, 400, "give {\"auto\": true|false} and/or {\"lenient\": true|false}");
  }
  obj = json_object_new_object();
  pthread_mutex_lock(&sim->lock);
  if(has_auto)
    sim->auto_steps = json_object_get_boolean(v);
  if(has_lenient)
    sim->lenient = json_object_get_boolean(lenient);
  json_object_object_add(obj, "auto", json_object_new_boolean(sim->auto_steps));
  json_object_object_add(obj, "lenient", json_object_new_boolean(sim->lenient));
  pthread_mutex_unlock(&sim->lock);
  json_object_put(req);
  return reply_json(out, 200, obj);
}

/* "sip:13800138000@pbx" or "tel:+86..." -> the number part. */
static void caller_number(const char *caller, char *out, size_t outlen)
{
  size_t len;
  if(!strncmp(caller, "sip:", 4) || !strncmp(caller, "tel:", 4))
    caller += 4;
  len = strcspn(caller, "@;>");
  if(len >= outlen)
    len = outlen - 1;
  memcpy(out, caller, len);
  out[len] = '\0';
}

/* The order a known call id was linked to, or NULL. Lock held. */
static const char *cti_known(struct ctk_city_sim *sim, const char *call_id)
{
  size_t i, idlen = strlen(call_id);
  for(i = 0; i < sim->n_cti && i < CITY_CTI_MAX; i++) {
    const char *entry = sim->cti_calls[i];
    if(!strncmp(entry, call_id, idlen) && entry[idlen] == '\t')
      return entry + idlen + 1;
  }
  return NULL;
}

/* One order for the call, linked by link_id; NULL when it cannot be made. Lock held. */
static city_order *cti_make(struct ctk_city_sim *sim, size_t ci, const city_cti_call *call,
                            const char *link_id, ctk_code *rc)
{
  city_cti_call c = *call;
  city_order *o = NULL;
  c.call_id = link_id;
  *rc = city_create_order(sim, ci, -1, NULL, &c, &o);
  return o;
}

int city_cti_answered(struct ctk_city_sim *sim, const city_cti_call *call, char *order_id,
                      size_t order_id_len, char *city, size_t city_len, char *why,
                      size_t whylen)
{
  char link_id[CTK_MSGID_MAX];
  const char *known;
  city_order *o = NULL;
  ctk_mb_rule rule;
  int has_rule;
  ssize_t ci;
  ctk_code rc = CTK_E_OK;

  if(ctk_format_match(sim->profile, ctk_el(sim->profile, CTK_EL_PHONE), call->phone) == 0) {
    snprintf(why, whylen, "caller '%s' is not a phone number the profile accepts", call->phone);
    return 422;
  }
  pthread_mutex_lock(&sim->lock);
  /* the call id is kept with its order: an event told again (a replay after a reconnect, a
   * webhook retried) finds it and makes nothing */
  known = cti_known(sim, call->call_id);
  if(known) {
    ctk_strlcpy(order_id, known, order_id_len);
    pthread_mutex_unlock(&sim->lock);
    return 200;
  }
  ci = sim->cfg.cti_city ? city_find(sim, sim->cfg.cti_city) : -1;
  if(ci < 0)
    ci = city_of_request(sim, NULL, &sim->cti_next);
  ctk_strlcpy(link_id, call->call_id, sizeof(link_id));
  has_rule = ctk_mb_take(&sim->rules, sim->cities[ci].region, CTK_MB_ON_CTI, "", city_now_ms(),
                         NULL, NULL, &rule);
  if(has_rule) {
    city_count(&sim->cities[ci].st.misbehaved, ctk_mb_action_name(rule.action));
    CTK_INFO(MOD, "misbehave action=%s call=%s", ctk_mb_action_name(rule.action),
             call->call_id);
    if(rule.action == CTK_MB_WRONG_CALL) {
      /* the previous call's id, or one no call has */
      if(sim->cti_last[0] && strcmp(sim->cti_last, call->call_id))
        ctk_strlcpy(link_id, sim->cti_last, sizeof(link_id));
      else
        snprintf(link_id, sizeof(link_id), "%.*s-x", (int)sizeof(link_id) - 3, call->call_id);
    }
  }
  ctk_strlcpy(sim->cti_last, call->call_id, sizeof(sim->cti_last));
  if(!has_rule || rule.action != CTK_MB_DROP_ORDER) {
    o = cti_make(sim, (size_t)ci, call, link_id, &rc);
    if(!o) {
      pthread_mutex_unlock(&sim->lock);
      snprintf(why, whylen, "cannot create the order: %s", ctk_strerror(rc));
      return 500;
    }
    ctk_strlcpy(order_id, o->id, order_id_len);
    if(has_rule && rule.action == CTK_MB_DOUBLE_ORDER)
      cti_make(sim, (size_t)ci, call, link_id, &rc);
  }
  else
    ctk_strlcpy(order_id, "", order_id_len);
  /* remembered by the call's own id, even when misbehaving, so a replay changes nothing */
  snprintf(sim->cti_calls[sim->n_cti % CITY_CTI_MAX], sizeof(sim->cti_calls[0]), "%s\t%s",
           call->call_id, order_id);
  sim->n_cti++;
  ctk_strlcpy(city, sim->cities[ci].region, city_len);
  pthread_mutex_unlock(&sim->lock);
  return 201;
}

void city_dock_answered(void *ctx, const char *family, const ctk_dock_call *dc)
{
  struct ctk_city_sim *sim = ctx;
  char why[256], order_id[CITY_ORDER_ID_MAX], city[8] = "";
  city_cti_call call;
  int status;

  memset(&call, 0, sizeof(call));
  call.phone = dc->caller;
  call.call_id = dc->call_id;
  call.answered_ms = dc->answered_ms;
  if(dc->rec_url[0] && dc->rec_sha[0] &&
     ctk_format_match(sim->profile, ctk_el(sim->profile, CTK_EL_URL), dc->rec_url) != 0 &&
     ctk_format_match(sim->profile, ctk_el(sim->profile, CTK_EL_SHA256), dc->rec_sha) != 0) {
    call.rec_url = dc->rec_url;
    call.rec_sha = dc->rec_sha;
  }
  pthread_mutex_lock(&sim->lock);
  city_count(&sim->cti_events, "answered");
  pthread_mutex_unlock(&sim->lock);
  status = city_cti_answered(sim, &call, order_id, sizeof(order_id), city, sizeof(city), why,
                             sizeof(why));
  if(status >= 400)
    CTK_WARN(MOD, "family=%s call=%s no order: %s", family, dc->call_id, why);
  else
    CTK_DEBUG(MOD, "family=%s call=%s order=%s%s", family, dc->call_id, order_id,
              status == 200 ? " (known call)" : "");
}

static int do_cti(struct ctk_city_sim *sim, const char *body, size_t len, ctk_buf *out)
{
  char err[256], phone[32], order_id[CITY_ORDER_ID_MAX], city[8] = "";
  struct json_object *req = parse_body(body, len, err, sizeof(err));
  struct json_object *rec = NULL, *obj;
  const char *event, *call_id, *caller, *url = NULL, *sha = NULL;
  city_cti_call call;
  size_t idlen;
  int bad = 0, status;

  if(!req)
    return reply_error(out, 400, "%s", err);
  event = member_string(req, "event", &bad);
  call_id = member_string(req, "call_id", &bad);
  caller = member_string(req, "caller", &bad);
  if(bad || !event) {
    json_object_put(req);
    return reply_error(out, 400, "\"event\" (string) is required; call_id and caller are strings");
  }
  pthread_mutex_lock(&sim->lock);
  city_count(&sim->cti_events, event);
  pthread_mutex_unlock(&sim->lock);
  if(strcmp(event, "answered")) {
    obj = json_object_new_object();
    json_object_object_add(obj, "counted", json_object_new_string(event));
    json_object_put(req);
    return reply_json(out, 200, obj);
  }
  idlen = call_id ? strlen(call_id) : 0;
  if(!idlen || idlen >= CTK_MSGID_MAX || !caller) {
    json_object_put(req);
    return reply_error(out, 422, "an answered call needs \"call_id\" (1..%d characters) and "
                       "\"caller\"", CTK_MSGID_MAX - 1);
  }
  caller_number(caller, phone, sizeof(phone));
  if(json_object_object_get_ex(req, "recording", &rec) && !json_object_is_type(rec, json_type_null)) {
    url = member_string(rec, "url", &bad);
    sha = member_string(rec, "sha256", &bad);
    if(bad || !url || !sha ||
       ctk_format_match(sim->profile, ctk_el(sim->profile, CTK_EL_URL), url) == 0 ||
       ctk_format_match(sim->profile, ctk_el(sim->profile, CTK_EL_SHA256), sha) == 0) {
      json_object_put(req);
      return reply_error(out, 422, "recording needs an http(s) \"url\" and a 64-hex \"sha256\"");
    }
  }
  memset(&call, 0, sizeof(call));
  call.phone = phone;
  call.call_id = call_id;
  call.rec_url = url;
  call.rec_sha = sha;
  status = city_cti_answered(sim, &call, order_id, sizeof(order_id), city, sizeof(city), err,
                             sizeof(err));
  json_object_put(req);
  if(status >= 400)
    return reply_error(out, status, "%s", err);
  obj = json_object_new_object();
  if(status == 200)
    json_object_object_add(obj, "duplicate", json_object_new_boolean(1));
  json_object_object_add(obj, "order_id", json_object_new_string(order_id));
  if(status == 201)
    json_object_object_add(obj, "city", json_object_new_string(city));
  return reply_json(out, status, obj);
}

int ctk_city_sim_control(ctk_city_sim *sim, const char *method, const char *path,
                         const char *query, const char *body, size_t body_len, ctk_buf *out)
{
  int is_get = !strcmp(method, "GET");
  int is_post = !strcmp(method, "POST");
  if(!query)
    query = "";
  if(!body)
    body = "";

  if(!strcmp(path, "/cti"))
    return is_post ? do_cti(sim, body, body_len, out) : reply_error(out, 405, "POST /cti");
  if(!strcmp(path, "/control/misbehave"))
    return do_misbehave(sim, method, body, body_len, out);
  if(!strcmp(path, "/control/observed"))
    return is_get ? do_observed(sim, query, out) : reply_error(out, 405, "GET only");
  if(!strcmp(path, "/control/stats")) {
    if(!is_get)
      return reply_error(out, 405, "GET only");
    if(ctk_city_sim_stats_json(sim, out))
      return reply_error(out, 500, "statistics too large");
    ctk_buf_addc(out, '\n');
    return 200;
  }
  if(!strcmp(path, "/control/orders"))
    return is_post ? do_orders(sim, body, body_len, out) : reply_error(out, 405, "POST only");
  if(!strncmp(path, "/control/orders/", 16) && path[16])
    return is_get ? do_order_get(sim, path + 16, query, out) : reply_error(out, 405, "GET only");
  if(!strcmp(path, "/control/act"))
    return is_post ? do_act(sim, body, body_len, out) : reply_error(out, 405, "POST only");
  if(!strcmp(path, "/control/mode"))
    return is_post ? do_mode(sim, body, body_len, out) : reply_error(out, 405, "POST only");
  if(!strcmp(path, "/control/reset")) {
    if(!is_post)
      return reply_error(out, 405, "POST only");
    pthread_mutex_lock(&sim->lock);
    city_reset(sim);
    pthread_mutex_unlock(&sim->lock);
    return reply_json(out, 200, json_object_new_object());
  }
  if(!strcmp(path, "/control/health")) {
    struct json_object *obj = json_object_new_object();
    json_object_object_add(obj, "ok", json_object_new_boolean(1));
    json_object_object_add(obj, "province", json_object_new_string(sim->province));
    json_object_object_add(obj, "cities", json_object_new_int((int)sim->n_cities));
    json_object_object_add(obj, "port", json_object_new_int(ctk_city_sim_port(sim)));
    return reply_json(out, 200, obj);
  }
  return reply_error(out, 404, "unknown control path %s (see docs/CITY.md)", path);
}

int city_control_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  struct ctk_city_sim *sim = ctx;
  char why[128];
  int refused = ctk_http_local_check(req, why, sizeof(why));

  if(refused)
    resp->status = reply_error(&resp->body, refused, "%s", why);
  else if(req->body_too_large) {
    resp->status = reply_error(&resp->body, 413, "body too large");
  }
  else {
    resp->status = ctk_city_sim_control(sim, req->method, req->path, req->query, req->body,
                                        req->body_len, &resp->body);
  }
  snprintf(resp->content_type, sizeof(resp->content_type), "application/json");
  return 0;
}
