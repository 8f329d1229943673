/* ctk_node_outbox: delivery of queued messages to the neighbours. Each worker thread has its
 * own HTTP client (connection reuse); failed deliveries are retried with exponential backoff
 * up to a cap, and an order's messages leave in the order they were queued. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_log.h"
#include "ctk_node_internal.h"

/* How long to wait before attempt number attempts+1. */
static int64_t outbox_backoff_ms(const ctk_node_engine *n, int attempts)
{
  int64_t delay = n->cfg.retry_initial_ms ? n->cfg.retry_initial_ms : 500;
  int64_t cap = n->cfg.retry_max_ms ? n->cfg.retry_max_ms : 30000;
  int i;
  for(i = 0; i < attempts && delay < cap; i++)
    delay *= 2;
  return delay < cap ? delay : cap;
}

static void outbox_log(ctk_node_engine *n, const ctk_outbox_item *it, const ctk_node_peer *peer,
                       const ctk_buf *body, const ctk_http_reply *reply, const char *code,
                       const char *verdict, const char *reason)
{
  ctk_logged_msg m;
  memset(&m, 0, sizeof(m));
  m.direction = "out";
  m.peer = it->peer;
  m.interface_code = it->interface_code;
  m.msg_id = it->msg_id;
  m.sender = n->self.region;
  m.order_id = it->order_id;
  m.binding = peer ? ctk_binding_name(peer->binding) : "";
  m.encoding = peer ? ctk_encoding_name(peer->encoding) : "";
  m.raw = body->data;
  m.raw_len = body->len;
  m.answer = reply && reply->body.len ? reply->body.data : NULL;
  m.answer_len = reply ? reply->body.len : 0;
  m.result_code = code;
  m.verdict = verdict;
  m.reason = reason;
  if(ctk_store_log(n->store, &m))
    CTK_ERR("outbox", "cannot log delivery of %s", it->msg_id);
}

/* One delivery attempt; decides delivered, retry or failed. */
static void outbox_deliver(ctk_node_engine *n, ctk_http_client *client, ctk_outbox_item *it,
                           const ctk_buf *body)
{
  const ctk_node_peer *peer = ctk_node_peer_find(n, it->peer);
  ctk_http_call call;
  ctk_http_reply reply;
  char url[CTK_NODE_PATH_MAX + 16];
  char ctype[64];
  char why[640];
  ctk_msg *ans = NULL;
  ctk_outcome decode_why;
  int retry = 0;
  int delivered = 0;
  int in_unit;
  const char *code = "";
  ctk_code result;

  if(!peer) {
    ctk_store_outbox_done(n->store, it->id, 0, "no such peer");
    outbox_log(n, it, NULL, body, NULL, "", "failed", "no such peer");
    return;
  }
  snprintf(url, sizeof(url), "%s%s", peer->url, peer->binding == CTK_BIND_SOAP ? "/soap" :
           "/exchange");
  snprintf(ctype, sizeof(ctype), "%s; charset=%s",
           peer->binding == CTK_BIND_SOAP ? "text/xml" : "application/xml",
           ctk_encoding_name(peer->encoding));
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = ctype;
  call.soap_action = peer->binding == CTK_BIND_SOAP ? "\"urn:ctk12328:baseline:1#exchange\"" :
                     NULL;
  call.user = n->self.region;
  call.password = n->secret;
  call.body = body->data;
  call.body_len = body->len;
  call.timeout_ms = 10000;
  /* https peers are verified: against --peer-ca (test CAs), else the system store */
  call.ca_file = n->cfg.peer_ca[0] ? n->cfg.peer_ca : NULL;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, n->profile->max_message_bytes * 4 + 65536);

  result = ctk_http_post(client, &call, &reply);
  if(result) {
    snprintf(why, sizeof(why), "no answer: %s", reply.error);
    retry = 1;
  }
  else if(reply.status != 200) {
    snprintf(why, sizeof(why), "HTTP %ld", reply.status);
    retry = reply.status >= 500 || reply.status == 429;
  }
  else if(ctk_msg_decode(n->profile, reply.body.data ? reply.body.data : "", reply.body.len,
                         peer->binding, &ans, &decode_why) || !ans->is_answer) {
    snprintf(why, sizeof(why), "unreadable answer: %s", ans ? "not an Answer" : decode_why.text);
    retry = 1;
  }
  else {
    code = ans->outcome.code;
    snprintf(why, sizeof(why), "%s %s", ans->outcome.code, ans->outcome.text);
    if(!strcmp(code, ctk_profile_rc(n->profile, "OK")))
      delivered = 1;
    else if(!strcmp(code, ctk_profile_rc(n->profile, "BUSY")) ||
            !strcmp(code, ctk_profile_rc(n->profile, "INTERNAL")))
      retry = 1;
  }

  /* the row's new state and its log entry as one unit: one wait for the (group) commit, not
   * two; without it each call still commits on its own */
  in_unit = ctk_store_begin(n->store) == CTK_E_OK;
  if(delivered) {
    ctk_store_outbox_done(n->store, it->id, 1, NULL);
    outbox_log(n, it, peer, body, &reply, code, "delivered", "");
  }
  else if(retry && !ctk_node_fault(n, CTK_PF_no_outbox) &&
          (!n->cfg.retry_max_attempts || (unsigned)it->attempts + 1 < n->cfg.retry_max_attempts)) {
    int64_t next = ctk_node_now_ms() + outbox_backoff_ms(n, it->attempts);
    CTK_DEBUG("outbox", "retry %s to %s: %s", it->msg_id, it->peer, why);
    ctk_store_outbox_retry(n->store, it->id, next, why);
    outbox_log(n, it, peer, body, &reply, code, "retry", why);
  }
  else {
    CTK_WARN("outbox", "gave up %s %s to %s: %s", it->interface_code, it->msg_id, it->peer, why);
    ctk_store_outbox_done(n->store, it->id, 0, why);
    outbox_log(n, it, peer, body, &reply, code, "failed", why);
  }
  if(in_unit && ctk_store_commit(n->store))
    CTK_ERR("outbox", "cannot record the delivery of %s", it->msg_id);
  ctk_msg_free(ans);
  ctk_buf_free(&reply.body);
}

static void outbox_wait(ctk_node_engine *n)
{
  int64_t next = 0;
  int64_t now = ctk_node_now_ms();
  int64_t wait_ms = 1000;
  struct timespec until;

  if(ctk_store_outbox_next_due(n->store, &next) == CTK_E_OK && next > now && next - now < wait_ms)
    wait_ms = next - now;
  /* the reorder fault claims newest-first, which next_due does not see: poll faster */
  if(ctk_node_fault(n, CTK_PF_reorder) && wait_ms > 100)
    wait_ms = 100;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += (time_t)(wait_ms / 1000);
  until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
  if(until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&n->wake_lock);
  if(!n->stopping)
    pthread_cond_timedwait(&n->wake, &n->wake_lock, &until);
  pthread_mutex_unlock(&n->wake_lock);
}

static int outbox_stopping(ctk_node_engine *n)
{
  int stop;
  pthread_mutex_lock(&n->wake_lock);
  stop = n->stopping;
  pthread_mutex_unlock(&n->wake_lock);
  return stop;
}

static void *outbox_main(void *arg)
{
  ctk_node_engine *n = arg;
  ctk_http_client *client = ctk_http_client_new();
  ctk_buf body;
  int lifo = ctk_node_fault(n, CTK_PF_reorder);

  ctk_buf_init(&body, n->profile->max_message_bytes * 4 + 65536);
  while(!outbox_stopping(n)) {
    ctk_outbox_item it;
    ctk_code result;
    ctk_buf_reset(&body);
    result = ctk_store_outbox_claim(n->store, ctk_node_now_ms(), lifo, &it, &body);
    if(result == CTK_E_OK && client)
      outbox_deliver(n, client, &it, &body);
    else
      outbox_wait(n);
  }
  ctk_buf_free(&body);
  ctk_http_client_free(client);
  return NULL;
}

ctk_code ctk_node_outbox_start(ctk_node_engine *n)
{
  unsigned i;
  unsigned want = n->cfg.outbox_workers ? n->cfg.outbox_workers : 2;
  if(want > sizeof(n->workers) / sizeof(n->workers[0]))
    want = sizeof(n->workers) / sizeof(n->workers[0]);
  for(i = 0; i < want; i++) {
    if(pthread_create(&n->workers[i], NULL, outbox_main, n) != 0)
      return CTK_E_INTERNAL;
    n->n_workers++;
  }
  return CTK_E_OK;
}

void ctk_node_outbox_stop(ctk_node_engine *n)
{
  unsigned i;
  pthread_mutex_lock(&n->wake_lock);
  n->stopping = 1;
  pthread_cond_broadcast(&n->wake);
  pthread_mutex_unlock(&n->wake_lock);
  for(i = 0; i < n->n_workers; i++)
    pthread_join(n->workers[i], NULL);
  n->n_workers = 0;
}
