/* ctk_acd_webhook: event JSON (json-c) and the sender thread that POSTs it (ctk_http client).
 * The SIP loop only formats and enqueues; a full queue drops the event and counts it. */
#include "acd/ctk_acd_webhook.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_http.h"
#include "ctk_json.h"
#include "ctk_log.h"

#define WH_MOD "acd-webhook"
#define WH_ATTEMPTS 3
#define WH_BODY_MAX ((size_t)64 * 1024)

ctk_code ctk_acd_event_json(const ctk_acd_event *ev, ctk_buf *out)
{
  json_object *o = json_object_new_object();
  char when[40];

  if(!o)
    return CTK_E_NOMEM;
  ctk_acd_event_time(ev, when, sizeof(when));
  json_object_object_add(o, "event", json_object_new_string(ctk_acd_event_name(ev->kind)));
  json_object_object_add(o, "call_id", json_object_new_string(ev->call_id ? ev->call_id : ""));
  json_object_object_add(o, "caller", json_object_new_string(ev->caller ? ev->caller : ""));
  json_object_object_add(o, "agent", json_object_new_string(ev->agent ? ev->agent : ""));
  json_object_object_add(o, "time", json_object_new_string(when));
  json_object_object_add(o, "wait_ms", json_object_new_int64(ev->wait_ms));
  if(ev->recording_url) {
    json_object *rec = json_object_new_object();
    if(rec) {
      json_object_object_add(rec, "url", json_object_new_string(ev->recording_url));
      json_object_object_add(rec, "sha256", json_object_new_string(ev->recording_sha256 ? ev->recording_sha256 : ""));
    }
    json_object_object_add(o, "recording", rec);
  }
  else
    json_object_object_add(o, "recording", NULL);
  return ctk_json_write(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, out);
}

struct ctk_acd_webhook {
  char *url;
  long timeout_ms;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  char **ring;               /* JSON bodies, malloc'd */
  size_t cap, head, count;
  int stopping;
  struct timespec drain_until;
  ctk_acd_webhook_counts counts;
};

static int wh_past(const struct timespec *deadline)
{
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec > deadline->tv_sec ||
         (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static int wh_post(ctk_acd_webhook *w, ctk_http_client *client, const char *body)
{
  ctk_http_call call;
  ctk_http_reply reply;
  ctk_code rc;
  int ok;

  memset(&call, 0, sizeof(call));
  memset(&reply, 0, sizeof(reply));
  call.url = w->url;
  call.content_type = "application/json";
  call.body = body;
  call.body_len = strlen(body);
  call.timeout_ms = w->timeout_ms;
  ctk_buf_init(&reply.body, WH_BODY_MAX);
  rc = ctk_http_post(client, &call, &reply);
  ok = !rc && reply.status >= 200 && reply.status < 300;
  if(!ok)
    CTK_DEBUG(WH_MOD, "POST %s failed: status=%ld error=\"%s\"", w->url, reply.status,
              rc ? reply.error : "non-2xx answer");
  ctk_buf_free(&reply.body);
  return ok;
}

static void *wh_thread(void *arg)
{
  ctk_acd_webhook *w = arg;
  ctk_http_client *client = ctk_http_client_new();

  pthread_mutex_lock(&w->lock);
  for(;;) {
    char *body;
    int attempt, ok = 0;
    while(!w->count && !w->stopping)
      pthread_cond_wait(&w->wake, &w->lock);
    if(!w->count || (w->stopping && wh_past(&w->drain_until)))
      break;
    body = w->ring[w->head];
    w->ring[w->head] = NULL;
    w->head = (w->head + 1) % w->cap;
    w->count--;
    pthread_mutex_unlock(&w->lock);
    for(attempt = 0; attempt < WH_ATTEMPTS && !ok && client; attempt++) {
      if(attempt) {
        struct timespec pause = { 0, 200000000L * attempt };
        nanosleep(&pause, NULL);
      }
      ok = wh_post(w, client, body);
    }
    free(body);
    pthread_mutex_lock(&w->lock);
    if(ok)
      w->counts.sent++;
    else {
      w->counts.failed++;
      if(w->counts.failed == 1 || w->counts.failed % 1000 == 0)
        CTK_WARN(WH_MOD, "webhook delivery to %s failed (%lu so far)", w->url, w->counts.failed);
    }
  }
  pthread_mutex_unlock(&w->lock);
  ctk_http_client_free(client);
  return NULL;
}

ctk_code ctk_acd_webhook_start(const char *url, size_t queue_max, long timeout_ms,
                               ctk_acd_webhook **out)
{
  ctk_acd_webhook *w;

  *out = NULL;
  if(!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
    return CTK_E_INVAL;
  w = calloc(1, sizeof(*w));
  if(!w)
    return CTK_E_NOMEM;
  w->cap = queue_max ? queue_max : 10000;
  w->timeout_ms = timeout_ms > 0 ? timeout_ms : 2000;
  w->url = strdup(url);
  w->ring = calloc(w->cap, sizeof(*w->ring));
  if(!w->url || !w->ring) {
    free(w->url);
    free(w->ring);
    free(w);
    return CTK_E_NOMEM;
  }
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->wake, NULL);
  if(pthread_create(&w->thread, NULL, wh_thread, w) != 0) {
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w->url);
    free(w->ring);
    free(w);
    return CTK_E_INTERNAL;
  }
  *out = w;
  return CTK_E_OK;
}

void ctk_acd_webhook_on_event(void *ctx, const ctk_acd_event *ev)
{
  ctk_acd_webhook *w = ctx;
  ctk_buf json;
  char *body;

  ctk_buf_init(&json, WH_BODY_MAX);
  if(ctk_acd_event_json(ev, &json)) {
    ctk_buf_free(&json);
    return;
  }
  body = ctk_buf_detach(&json, NULL);
  if(!body)
    return;
  pthread_mutex_lock(&w->lock);
  if(w->count == w->cap || w->stopping) {
    w->counts.dropped++;
    pthread_mutex_unlock(&w->lock);
    free(body);
    return;
  }
  w->ring[(w->head + w->count) % w->cap] = body;
  w->count++;
  w->counts.queued++;
  pthread_cond_signal(&w->wake);
  pthread_mutex_unlock(&w->lock);
}

void ctk_acd_webhook_counts_get(ctk_acd_webhook *w, ctk_acd_webhook_counts *out)
{
  pthread_mutex_lock(&w->lock);
  *out = w->counts;
  pthread_mutex_unlock(&w->lock);
}

void ctk_acd_webhook_stop(ctk_acd_webhook *w, long drain_ms)
{
  size_t i;
  if(!w)
    return;
  pthread_mutex_lock(&w->lock);
  clock_gettime(CLOCK_REALTIME, &w->drain_until);
  w->drain_until.tv_sec += drain_ms / 1000;
  w->drain_until.tv_nsec += (drain_ms % 1000) * 1000000L;
  if(w->drain_until.tv_nsec >= 1000000000L) {
    w->drain_until.tv_sec++;
    w->drain_until.tv_nsec -= 1000000000L;
  }
  w->stopping = 1;
  pthread_cond_broadcast(&w->wake);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  for(i = 0; i < w->count; i++)
    free(w->ring[(w->head + i) % w->cap]);
  if(w->count)
    CTK_WARN(WH_MOD, "%zu webhook events not delivered at shutdown", w->count);
  pthread_mutex_destroy(&w->lock);
  pthread_cond_destroy(&w->wake);
  free(w->url);
  free(w->ring);
  free(w);
}
