/* ctk_node_outbox: delivery of queued messages to the neighbours. Each worker thread has its
 * own HTTP client (connection reuse); failed deliveries are retried with exponential backoff
 * up to a cap, and an order's messages leave in the order they were queued.
 *
 * A worker takes up to OUTBOX_BATCH due messages (of different orders) in one store unit,
 * delivers them one after another, and records every result in one more unit, which also
 * claims the next batch (or, when none is due, reads when the next retry is). Neither unit
 * waits for its commit to be durable (see outbox_claim): only rows whose queuing is on disk
 * are handed out, and a claim or record lost in a crash only sends a message again. So a
 * worker never waits for the disk; in the national-day benchmark the provinces' claims and
 * records had been 2 of their 3 waits per order. A batch stops at the first message that is not delivered and gives the rest back
 * untried (no attempt counted), so none of them waits behind a failing peer's timeouts while
 * it is claimed; each is tried on its own turn, as before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_log.h"
#include "ctk_node_internal.h"

#define OUTBOX_BATCH 16        /* messages a worker claims at once */

typedef enum { OUTBOX_DELIVERED, OUTBOX_RETRY, OUTBOX_FAILED } outbox_verdict;

/* One claimed message and, once tried, what became of it. */
typedef struct outbox_job {
  ctk_outbox_item it;
  ctk_buf body;                /* the message as sent */
  ctk_http_reply reply;
  int tried;
  outbox_verdict verdict;
  char code[CTK_STORE_CODE];   /* result code of the answer, "" if none */
  char why[640];
} outbox_job;

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

/* One delivery attempt over the worker's connection; decides delivered, retry or failed. */
static void outbox_attempt(ctk_node_engine *n, ctk_http_client *client, outbox_job *j)
{
  const ctk_node_peer *peer = ctk_node_peer_find(n, j->it.peer);
  ctk_http_call call;
  char url[CTK_NODE_PATH_MAX + 16];
  char ctype[64];
  ctk_msg *ans = NULL;
  ctk_outcome decode_why;
  int retry = 0;
  int delivered = 0;
  ctk_code result;

  j->tried = 1;
  j->code[0] = '\0';
  /* no reply until the call makes one: a refusal before it must not log the last job's */
  j->reply.status = 0;
  j->reply.error[0] = '\0';
  ctk_buf_reset(&j->reply.body);
  if(!peer) {
    j->verdict = OUTBOX_FAILED;
    ctk_strlcpy(j->why, "no such peer", sizeof(j->why));
    return;
  }
  snprintf(url, sizeof(url), "%s%s", peer->url, ctk_binding_path(n->profile, peer->binding));
  snprintf(ctype, sizeof(ctype), "%s; charset=%s",
           peer->binding == CTK_BIND_SOAP ? "text/xml" : "application/xml",
           ctk_encoding_name(peer->encoding));
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = ctype;
  call.soap_action = peer->binding == CTK_BIND_SOAP ? n->profile->soap_action_header : NULL;
  call.user = n->self.region;
  call.password = n->secret;
  call.body = j->body.data;
  call.body_len = j->body.len;
  call.timeout_ms = 10000;
  /* https peers are verified: against --peer-ca (test CAs), else the system store */
  call.ca_file = n->cfg.peer_ca[0] ? n->cfg.peer_ca : NULL;

  result = ctk_http_post(client, &call, &j->reply);
  if(result) {
    snprintf(j->why, sizeof(j->why), "no answer: %s", j->reply.error);
    retry = 1;
  }
  else if(j->reply.status != 200) {
    snprintf(j->why, sizeof(j->why), "HTTP %ld", j->reply.status);
    retry = j->reply.status >= 500 || j->reply.status == 429;
  }
  else if(ctk_msg_decode(n->profile, j->reply.body.data ? j->reply.body.data : "",
                         j->reply.body.len, peer->binding, &ans, &decode_why) ||
          !ans->is_answer) {
    snprintf(j->why, sizeof(j->why), "unreadable answer: %s",
             ans ? "not an Answer" : decode_why.text);
    retry = 1;
  }
  else {
    ctk_strlcpy(j->code, ans->outcome.code, sizeof(j->code));
    snprintf(j->why, sizeof(j->why), "%s %s", ans->outcome.code, ans->outcome.text);
    if(!strcmp(j->code, ctk_profile_rc(n->profile, "OK")))
      delivered = 1;
    else if(!strcmp(j->code, ctk_profile_rc(n->profile, "BUSY")) ||
            !strcmp(j->code, ctk_profile_rc(n->profile, "INTERNAL")))
      retry = 1;
  }
  ctk_msg_free(ans);
  if(delivered)
    j->verdict = OUTBOX_DELIVERED;
  else if(retry && !ctk_node_fault(n, CTK_PF_no_outbox) &&
          (!n->cfg.retry_max_attempts ||
           (unsigned)j->it.attempts + 1 < n->cfg.retry_max_attempts))
    j->verdict = OUTBOX_RETRY;
  else
    j->verdict = OUTBOX_FAILED;
}

/* The row's new state and its log entry (the caller holds a store unit around the batch). */
static void outbox_record(ctk_node_engine *n, const outbox_job *j)
{
  const ctk_node_peer *peer = ctk_node_peer_find(n, j->it.peer);
  const ctk_http_reply *reply = j->reply.status || j->reply.body.len ? &j->reply : NULL;

  if(!j->tried) {
    ctk_store_outbox_release(n->store, j->it.id);
    return;
  }
  switch(j->verdict) {
  case OUTBOX_DELIVERED:
    ctk_store_outbox_done(n->store, j->it.id, 1, NULL);
    outbox_log(n, &j->it, peer, &j->body, reply, j->code, "delivered", "");
    break;
  case OUTBOX_RETRY:
    CTK_DEBUG("outbox", "retry %s to %s: %s", j->it.msg_id, j->it.peer, j->why);
    ctk_store_outbox_retry(n->store, j->it.id,
                           ctk_node_now_ms() + outbox_backoff_ms(n, j->it.attempts), j->why);
    outbox_log(n, &j->it, peer, &j->body, reply, j->code, "retry", j->why);
    break;
  case OUTBOX_FAILED:
    CTK_WARN("outbox", "gave up %s %s to %s: %s", j->it.interface_code, j->it.msg_id,
             j->it.peer, j->why);
    ctk_store_outbox_done(n->store, j->it.id, 0, j->why);
    outbox_log(n, &j->it, peer, &j->body, reply, j->code, "failed", j->why);
    break;
  }
}

/* Claim up to OUTBOX_BATCH due messages into jobs, inside the caller's store unit; returns
 * how many. When none is due, *next_due gets the time of the next retry (0 if none). */
static size_t outbox_claim_in_unit(ctk_node_engine *n, outbox_job *jobs, int lifo,
                                   int64_t *next_due)
{
  size_t count = 0;
  int64_t now = ctk_node_now_ms();

  *next_due = 0;
  while(count < OUTBOX_BATCH) {
    outbox_job *j = &jobs[count];
    ctk_buf_reset(&j->body);
    j->tried = 0;
    if(ctk_store_outbox_claim(n->store, now, lifo, &j->it, &j->body) != CTK_E_OK)
      break;
    count++;
    if(lifo)
      break;                   /* the reorder fault delivers one at a time, newest first */
  }
  if(!count && ctk_store_outbox_next_due(n->store, next_due) != CTK_E_OK)
    *next_due = 0;
  return count;
}

/* Claim in a unit of its own, without waiting for it to be durable. The store only hands out
 * rows whose queuing commit is on disk, so the claim itself need not be: if it is lost (a
 * crash, a failed commit), the message is sent again and the peer answers the repeat from its
 * idempotency table. A claim that found nothing is dropped (most find nothing: every kick
 * wakes a worker, and a busy worker has often taken the message already). Waiting for these
 * commits cost each claim a round trip through the store's committer. */
static size_t outbox_claim(ctk_node_engine *n, outbox_job *jobs, int lifo, int64_t *next_due)
{
  int in_unit = ctk_store_begin(n->store) == CTK_E_OK;
  size_t count = outbox_claim_in_unit(n, jobs, lifo, next_due);

  if(in_unit && !count)
    ctk_store_abandon(n->store);
  else if(in_unit)
    ctk_store_commit_nowait(n->store);
  return count;
}

/* Deliver the claimed messages in order until one is not delivered, then, in one store unit,
 * record them all (the untried ones go back) and, unless the node is stopping (claim_next
 * 0), claim the next batch; an idle worker learns in the same unit when the next retry is
 * due. The unit does not wait to be durable, for the reason outbox_claim gives: a lost
 * record sends the message again. Returns how many were claimed. */
static size_t outbox_deliver(ctk_node_engine *n, ctk_http_client *client, outbox_job *jobs,
                             size_t count, int lifo, int claim_next, int64_t *next_due)
{
  size_t k;
  size_t claimed = 0;
  int in_unit;

  for(k = 0; k < count; k++) {
    outbox_attempt(n, client, &jobs[k]);
    if(jobs[k].verdict != OUTBOX_DELIVERED)
      break;
  }
  /* without a unit each call still commits on its own, and nothing more is claimed */
  in_unit = ctk_store_begin(n->store) == CTK_E_OK;
  for(k = 0; k < count; k++)
    outbox_record(n, &jobs[k]);
  *next_due = 0;
  if(in_unit && claim_next)
    claimed = outbox_claim_in_unit(n, jobs, lifo, next_due);
  if(in_unit)
    ctk_store_commit_nowait(n->store);
  return claimed;
}

/* Wait for a kick, the next due retry (next_due, 0 if none) or a second, whichever comes
 * first; not at all if a kick came since kicks_seen (the work it announced may have missed
 * our claim). */
static void outbox_wait(ctk_node_engine *n, unsigned long kicks_seen, int64_t next_due)
{
  int64_t now = ctk_node_now_ms();
  int64_t wait_ms = 1000;
  struct timespec until;

  if(next_due > now && next_due - now < wait_ms)
    wait_ms = next_due - now;
  /* the reorder fault claims newest-first, which next_due does not see: poll faster */
  if(ctk_node_fault(n, CTK_PF_reorder) && wait_ms > 100)
    wait_ms = 100;
  ctk_node_abstime(now + wait_ms, &until);
  pthread_mutex_lock(&n->wake_lock);
  if(!n->stopping && n->outbox_kicks == kicks_seen)
    pthread_cond_timedwait(&n->outbox_wake, &n->wake_lock, &until);
  pthread_mutex_unlock(&n->wake_lock);
}

/* Whether the node is stopping; the kicks so far go to *kicks. */
static int outbox_stopping(ctk_node_engine *n, unsigned long *kicks)
{
  int stop;
  pthread_mutex_lock(&n->wake_lock);
  stop = n->stopping;
  *kicks = n->outbox_kicks;
  pthread_mutex_unlock(&n->wake_lock);
  return stop;
}

static void *outbox_main(void *arg)
{
  ctk_node_engine *n = arg;
  ctk_http_client *client = ctk_http_client_new();
  outbox_job *jobs = calloc(OUTBOX_BATCH, sizeof(*jobs));
  int lifo = ctk_node_fault(n, CTK_PF_reorder);
  size_t max = ctk_node_wire_max(n);
  unsigned long kicks = 0;
  size_t k;

  for(k = 0; jobs && k < OUTBOX_BATCH; k++) {
    ctk_buf_init(&jobs[k].body, max);
    ctk_buf_init(&jobs[k].reply.body, max);
  }
  while(!outbox_stopping(n, &kicks)) {
    int64_t next_due = 0;
    size_t count = client && jobs ? outbox_claim(n, jobs, lifo, &next_due) : 0;
    while(count) {
      /* kicks are read before each claim, so a kick after it is never missed */
      int more = !outbox_stopping(n, &kicks);
      count = outbox_deliver(n, client, jobs, count, lifo, more, &next_due);
    }
    outbox_wait(n, kicks, next_due);
  }
  for(k = 0; jobs && k < OUTBOX_BATCH; k++) {
    ctk_buf_free(&jobs[k].body);
    ctk_buf_free(&jobs[k].reply.body);
  }
  free(jobs);
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
  pthread_cond_broadcast(&n->outbox_wake);
  pthread_mutex_unlock(&n->wake_lock);
  for(i = 0; i < n->n_workers; i++)
    pthread_join(n->workers[i], NULL);
  n->n_workers = 0;
}
