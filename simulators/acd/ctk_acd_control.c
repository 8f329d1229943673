/* ctk_acd_control: GET /stats and GET/POST /control. The engine belongs to the SIP loop's thread,
 * so an HTTP thread never touches it: it leaves the wanted configuration here, wakes the loop
 * through an eventfd and waits (at most 2 s) until the loop has applied it. */
#include "acd/ctk_acd_control.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ctk_http_local.h"
#include "ctk_json.h"

#define CONTROL_WAIT_S 2
#define CONTROL_BODY_MAX 4096

struct ctk_acd_control {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int wake_fd;
  ctk_acd_stats stats;         /* published copy for GET /stats */
  ctk_acd_config current;      /* published copy of what the engine runs with */
  ctk_acd_config pending;
  int has_pending;
  unsigned long applied;       /* bumped each time the loop takes a pending change */
  ctk_code last_result;
  ctk_acd_call_record *calls;  /* ring of the last CTK_ACD_CALLS_KEPT ended calls */
  unsigned long ncalls;        /* ever published; calls[i % KEPT] */
};

void ctk_acd_talk_format(const ctk_acd_talk *t, char *out, size_t size)
{
  switch(t->kind) {
  case CTK_ACD_TALK_FIXED:
    snprintf(out, size, "fixed:%u", t->a_ms);
    break;
  case CTK_ACD_TALK_UNIFORM:
    snprintf(out, size, "uniform:%u-%u", t->a_ms, t->b_ms);
    break;
  case CTK_ACD_TALK_EXP:
    snprintf(out, size, "exp:%u", t->a_ms);
    break;
  case CTK_ACD_TALK_CALLER:
  default:
    snprintf(out, size, "caller");
    break;
  }
}

ctk_code ctk_acd_config_json(const ctk_acd_config *cfg, ctk_buf *out)
{
  json_object *o = json_object_new_object();
  char talk[64];

  if(!o)
    return CTK_E_NOMEM;
  ctk_acd_talk_format(&cfg->talk, talk, sizeof(talk));
  json_object_object_add(o, "agents", json_object_new_int64(cfg->agents));
  json_object_object_add(o, "queue_limit", json_object_new_int64(cfg->queue_limit));
  json_object_object_add(o, "busy_code", json_object_new_int(cfg->busy_status));
  json_object_object_add(o, "ivr_ms", json_object_new_int64(cfg->ivr_ms));
  json_object_object_add(o, "ring_ms", json_object_new_int64(cfg->ring_ms));
  json_object_object_add(o, "wrap_ms", json_object_new_int64(cfg->wrap_ms));
  json_object_object_add(o, "max_wait_ms", json_object_new_int64(cfg->max_wait_ms));
  json_object_object_add(o, "talk", json_object_new_string(talk));
  return ctk_json_write(o, JSON_C_TO_STRING_PLAIN, out);
}

/* A whole number member within [min, max]. */
static int control_uint(json_object *v, const char *key, long long min, long long max,
                        unsigned *out, char *why, size_t why_size)
{
  long long n;
  if(!json_object_is_type(v, json_type_int)) {
    snprintf(why, why_size, "\"%s\" must be a whole number", key);
    return -1;
  }
  n = json_object_get_int64(v);
  if(n < min || n > max) {
    snprintf(why, why_size, "\"%s\" must be from %lld to %lld", key, min, max);
    return -1;
  }
  *out = (unsigned)n;
  return 0;
}

ctk_code ctk_acd_config_from_json(const char *json, ctk_acd_config *cfg, char *why, size_t why_size)
{
  enum json_tokener_error jerr = json_tokener_success;
  json_object *o = json_tokener_parse_verbose(json, &jerr);
  ctk_acd_config next = *cfg;
  ctk_code rc = CTK_E_OK;

  if(!o || !json_object_is_type(o, json_type_object)) {
    snprintf(why, why_size, "the body must be a JSON object (%s)",
             o ? "got another JSON value" : json_tokener_error_desc(jerr));
    json_object_put(o);
    return CTK_E_PARSE;
  }
  json_object_object_foreach(o, key, v) {
    unsigned n = 0;
    int bad = 0;
    if(!strcmp(key, "agents"))
      bad = control_uint(v, key, 0, CTK_ACD_AGENTS_MAX, &next.agents, why, why_size);
    else if(!strcmp(key, "queue_limit"))
      bad = control_uint(v, key, 0, 1000000, &next.queue_limit, why, why_size);
    else if(!strcmp(key, "busy_code")) {
      bad = control_uint(v, key, 486, 503, &n, why, why_size);
      if(!bad && n != 486 && n != 503) {
        snprintf(why, why_size, "\"busy_code\" is 486 or 503");
        bad = 1;
      }
      next.busy_status = (int)n;
    }
    else if(!strcmp(key, "ivr_ms"))
      bad = control_uint(v, key, 0, 3600000, &next.ivr_ms, why, why_size);
    else if(!strcmp(key, "ring_ms"))
      bad = control_uint(v, key, 0, 600000, &next.ring_ms, why, why_size);
    else if(!strcmp(key, "wrap_ms"))
      bad = control_uint(v, key, 0, 3600000, &next.wrap_ms, why, why_size);
    else if(!strcmp(key, "max_wait_ms"))
      bad = control_uint(v, key, 0, 3600000, &next.max_wait_ms, why, why_size);
    else if(!strcmp(key, "talk")) {
      if(!json_object_is_type(v, json_type_string) ||
         ctk_acd_talk_parse(json_object_get_string(v), &next.talk)) {
        snprintf(why, why_size, "\"talk\" is caller, fixed:MS, uniform:MIN-MAX or exp:MEAN");
        bad = 1;
      }
    }
    else {
      snprintf(why, why_size, "unknown member \"%.60s\" (agents, queue_limit, busy_code, ivr_ms, "
               "ring_ms, wrap_ms, max_wait_ms, talk)", key);
      bad = 1;
    }
    if(bad) {
      rc = CTK_E_INVAL;
      break;
    }
  }
  json_object_put(o);
  if(!rc)
    *cfg = next;
  return rc;
}

ctk_code ctk_acd_control_new(const ctk_acd_config *cfg, ctk_acd_control **out)
{
  ctk_acd_control *c = calloc(1, sizeof(*c));
  *out = NULL;
  if(!c)
    return CTK_E_NOMEM;
  c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if(c->wake_fd < 0) {
    free(c);
    return CTK_E_IO;
  }
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->changed, NULL);
  c->calls = calloc(CTK_ACD_CALLS_KEPT, sizeof(*c->calls));
  if(!c->calls) {
    close(c->wake_fd);
    free(c);
    return CTK_E_NOMEM;
  }
  c->current = *cfg;
  ctk_acd_stats_init(&c->stats);
  *out = c;
  return CTK_E_OK;
}

void ctk_acd_control_free(ctk_acd_control *c)
{
  if(!c)
    return;
  close(c->wake_fd);
  pthread_mutex_destroy(&c->lock);
  pthread_cond_destroy(&c->changed);
  free(c->calls);
  free(c);
}

int ctk_acd_control_fd(const ctk_acd_control *c)
{
  return c->wake_fd;
}

void ctk_acd_control_apply(ctk_acd_control *c, ctk_acd_engine *engine)
{
  uint64_t count;
  if(read(c->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
    return;
  pthread_mutex_lock(&c->lock);
  if(c->has_pending) {
    c->last_result = ctk_acd_engine_reconfigure(engine, &c->pending);
    ctk_acd_engine_config(engine, &c->current);
    c->has_pending = 0;
    c->applied++;
    pthread_cond_broadcast(&c->changed);
  }
  pthread_mutex_unlock(&c->lock);
}

void ctk_acd_control_publish_call(ctk_acd_control *c, const ctk_acd_call_record *rec)
{
  pthread_mutex_lock(&c->lock);
  c->calls[c->ncalls % CTK_ACD_CALLS_KEPT] = *rec;
  c->ncalls++;
  pthread_mutex_unlock(&c->lock);
}

/* GET /calls[?since=SEQ]: the ended calls still kept whose seq is above SEQ, oldest first. */
static int control_calls(ctk_acd_control *c, const char *query, ctk_http_response *resp)
{
  json_object *root = json_object_new_object();
  json_object *list = json_object_new_array();
  unsigned long since = 0, i, first;
  const char *at = query ? strstr(query, "since=") : NULL;
  int ok;

  if(at)
    since = strtoul(at + 6, NULL, 10);
  pthread_mutex_lock(&c->lock);
  first = c->ncalls > CTK_ACD_CALLS_KEPT ? c->ncalls - CTK_ACD_CALLS_KEPT : 0;
  for(i = first; i < c->ncalls; i++) {
    const ctk_acd_call_record *r = &c->calls[i % CTK_ACD_CALLS_KEPT];
    json_object *o, *ids;
    if(r->seq <= since)
      continue;
    o = json_object_new_object();
    ids = json_object_new_object();
    json_object_object_add(o, "seq", json_object_new_int64((int64_t)r->seq));
    json_object_object_add(o, "outcome", json_object_new_string(r->outcome));
    json_object_object_add(o, "caller", json_object_new_string(r->caller));
    json_object_object_add(o, "offered_ms", json_object_new_int64(r->offered_ms));
    json_object_object_add(o, "answered_ms", json_object_new_int64(r->answered_ms));
    json_object_object_add(o, "ended_ms", json_object_new_int64(r->ended_ms));
    json_object_object_add(ids, "csta", json_object_new_string(r->sip_call_id));
    json_object_object_add(ids, "ami", json_object_new_string(r->ami_uniqueid));
    json_object_object_add(ids, "esl", json_object_new_string(r->esl_uuid));
    json_object_object_add(o, "ids", ids);
    json_object_array_add(list, o);
  }
  json_object_object_add(root, "kept_from", json_object_new_int64((int64_t)first + 1));
  pthread_mutex_unlock(&c->lock);
  json_object_object_add(root, "calls", list);
  ok = !ctk_json_write(root, JSON_C_TO_STRING_PLAIN, &resp->body); /* frees root */
  return ok ? 0 : 1;
}

void ctk_acd_control_publish(ctk_acd_control *c, const ctk_acd_stats *stats)
{
  pthread_mutex_lock(&c->lock);
  c->stats = *stats;
  pthread_mutex_unlock(&c->lock);
}

static int control_error(ctk_http_response *resp, int status, const char *why)
{
  json_object *o = json_object_new_object();
  resp->status = status;
  if(!o)
    return 1;
  json_object_object_add(o, "error", json_object_new_string(why));
  return ctk_json_write(o, JSON_C_TO_STRING_PLAIN, &resp->body) ? 1 : 0;
}

/* Hands cfg to the loop and waits until it is applied. Called with the lock held. */
static ctk_code control_submit(ctk_acd_control *c, const ctk_acd_config *cfg)
{
  struct timespec until;
  uint64_t one = 1;
  unsigned long ticket;
  int err = 0;

  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += CONTROL_WAIT_S;
  while(c->has_pending && !err)
    err = pthread_cond_timedwait(&c->changed, &c->lock, &until);
  if(err)
    return CTK_E_TIMEOUT;
  c->pending = *cfg;
  c->has_pending = 1;
  ticket = c->applied;
  if(write(c->wake_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
    return CTK_E_IO;
  while(c->applied == ticket && !err)
    err = pthread_cond_timedwait(&c->changed, &c->lock, &until);
  if(err) {
    c->has_pending = 0; /* the loop did not answer; do not apply it later by surprise */
    return CTK_E_TIMEOUT;
  }
  return c->last_result;
}

int ctk_acd_control_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  ctk_acd_control *c = ctx;
  ctk_acd_stats stats;
  ctk_acd_config cfg;
  char why[256];
  int refused;
  ctk_code rc;

  ctk_strlcpy(resp->content_type, "application/json", sizeof(resp->content_type));
  refused = ctk_http_local_check(req, why, sizeof(why));
  if(refused)
    return control_error(resp, refused, why);
  if(!strcmp(req->path, "/stats")) {
    /* a wrong method gets 405 with Allow; HEAD and OPTIONS work (ctk_http_method_ok) */
    if(!ctk_http_method_ok(req, "GET", resp))
      return 0;
    pthread_mutex_lock(&c->lock);
    stats = c->stats;
    pthread_mutex_unlock(&c->lock);
    return ctk_acd_stats_json(&stats, &resp->body) ? 1 : 0;
  }
  if(!strcmp(req->path, "/calls")) {
    if(!ctk_http_method_ok(req, "GET", resp))
      return 0;
    return control_calls(c, req->query, resp);
  }
  if(strcmp(req->path, "/control"))
    return control_error(resp, 404, "unknown path: GET /stats, GET /calls, GET or POST /control");
  if(!ctk_http_method_ok(req, "GET, POST", resp))
    return 0;
  if(strcmp(req->method, "POST")) {
    pthread_mutex_lock(&c->lock);
    cfg = c->current;
    pthread_mutex_unlock(&c->lock);
    return ctk_acd_config_json(&cfg, &resp->body) ? 1 : 0;
  }
  if(req->body_too_large || req->body_len > CONTROL_BODY_MAX)
    return control_error(resp, 413, "the body is larger than 4096 bytes");
  /* read, change and submit under one lock, so two POSTs never undo each other */
  pthread_mutex_lock(&c->lock);
  cfg = c->current;
  rc = ctk_acd_config_from_json(req->body, &cfg, why, sizeof(why));
  if(rc) {
    pthread_mutex_unlock(&c->lock);
    return control_error(resp, 400, why);
  }
  rc = control_submit(c, &cfg);
  cfg = c->current;
  pthread_mutex_unlock(&c->lock);
  if(rc == CTK_E_TIMEOUT)
    return control_error(resp, 503, "the simulator did not apply the change within 2 s");
  if(rc)
    return control_error(resp, 400, ctk_strerror(rc));
  return ctk_acd_config_json(&cfg, &resp->body) ? 1 : 0;
}
