/* ctk_node_exchange: the receive pipeline of an endpoint, in the order of docs/ENDPOINTS.md:
 * the shared receive step (lib/proto/ctk_receive: size, decode, authenticate, validate, route),
 * then idempotency, business step in one transaction, commit, answer in the request's binding
 * and encoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "ctk_log.h"
#include "ctk_node_internal.h"
#include "ctk_receive.h"

/* Encode the answer for the wire, applying the answer faults of the province (the encoder of
 * ctk_receive_answer). */
static ctk_code exchange_encode(void *ctx, ctk_msg *ans, ctk_buf *out)
{
  ctk_exchange *x = ctx;
  ctk_node_engine *n = x->n;
  ctk_code result;

  if(ctk_node_fault(n, CTK_PF_wrong_correl_id)) {
    /* the encoder writes the document, so change the CorrelId there */
    xmlNodePtr root = xmlDocGetRootElement(ans->doc);
    xmlNodePtr head = ctk_xml_child(root, ctk_el(n->profile, CTK_EL_HEAD));
    xmlNodePtr correl = head ? ctk_xml_child(head, ctk_el(n->profile, CTK_EL_CORREL_ID)) : NULL;
    ctk_msg_make_id(n->self.region, ans->head.correl_id);
    if(correl)
      xmlNodeSetContent(correl, BAD_CAST ans->head.correl_id);
  }
  if(ctk_node_fault(n, CTK_PF_invalid_answer_time)) {
    /* an answer that decodes but breaks the profile: its send time is no time */
    xmlNodePtr root = xmlDocGetRootElement(ans->doc);
    xmlNodePtr head = ctk_xml_child(root, ctk_el(n->profile, CTK_EL_HEAD));
    xmlNodePtr sent = head ? ctk_xml_child(head, ctk_el(n->profile, CTK_EL_SEND_TIME)) : NULL;
    if(sent)
      xmlNodeSetContent(sent, BAD_CAST "soon");
  }
  if(x->encoding == CTK_ENC_GBK && ctk_node_fault(n, CTK_PF_gbk_broken)) {
    /* UTF-8 bytes under a GBK label */
    char *decl;
    result = ctk_msg_encode(n->profile, ans, x->binding, CTK_ENC_UTF8, out);
    if(result)
      return result;
    decl = strstr(out->data ? out->data : "", "encoding=\"UTF-8\"");
    if(decl && (size_t)(decl - out->data) < 100)
      memcpy(decl, "encoding=\"GBK\"  ", 16);
    return CTK_E_OK;
  }
  result = ctk_msg_encode(n->profile, ans, x->binding, x->encoding, out);
  if(result)
    return result;
  if(ctk_node_fault(n, CTK_PF_bad_answer_xml) && out->len > 8) {
    out->len /= 2;
    out->data[out->len] = '\0';
  }
  return CTK_E_OK;
}

/* The answer the flow built (a query, a link check), else the shared one: to the request when
 * there is one, else from what little is known. */
static ctk_code exchange_answer(ctk_exchange *x, ctk_buf *out)
{
  ctk_receive_encoder enc = { exchange_encode, x };

  if(x->answer) {
    x->answer->outcome = x->outcome;
    return exchange_encode(x, x->answer, out);
  }
  return ctk_receive_answer(&x->n->receive, &x->rx, &x->outcome, &enc, out);
}

/* The success answer to a decoded request: from the node's template when no answer fault is
 * on and the head values can be written as they are (the same bytes either way), else built
 * and encoded. */
static ctk_code exchange_success_answer(ctk_exchange *x, ctk_buf *out)
{
  ctk_node_engine *n = x->n;
  const ctk_msg_tpl *tpl = n->success_tpl[x->binding][x->encoding];
  ctk_head h;

  if(tpl && x->req && !x->answer && !ctk_node_fault(n, CTK_PF_wrong_correl_id) &&
     !ctk_node_fault(n, CTK_PF_gbk_broken) && !ctk_node_fault(n, CTK_PF_bad_answer_xml) &&
     !ctk_node_fault(n, CTK_PF_invalid_answer_time)) {
    ctk_msg_answer_head(n->profile, &x->req->head, &h);
    if(ctk_msg_tpl_fill(tpl, &h, NULL, out) == CTK_E_OK)
      return CTK_E_OK;
  }
  return exchange_answer(x, out);
}

/* What one peer's refusals may keep in the message log: of each refused message its first
 * REFUSAL_RAW_MAX bytes, and of all of them REFUSAL_BUDGET bytes (raw bytes, answer and the
 * row) per REFUSAL_WINDOW_MS. Past it a refusal is counted, not stored, until the window ends:
 * a node with valid credentials cannot fill the disk with refused messages either. */
#define REFUSAL_RAW_MAX ((size_t)64 * 1024)
#define REFUSAL_BUDGET ((size_t)8 * 1024 * 1024)
#define REFUSAL_WINDOW_MS ((int64_t)3600 * 1000)
#define REFUSAL_ROW_BYTES 512

/* Take cost bytes of peer's budget: 0 when it had them, -1 when the refusal is not kept. */
static int refusal_budget_take(ctk_node_engine *n, const char *peer, size_t cost)
{
  int64_t now = ctk_node_now_ms();
  ctk_node_refusal_budget *b = NULL;
  int kept = 0;
  size_t i;

  pthread_mutex_lock(&n->refusal_lock);
  for(i = 0; i < CTK_NODE_REFUSAL_PEERS && !b; i++) {
    if(!n->refusal[i].region[0] || !strcmp(n->refusal[i].region, peer) ||
       i == CTK_NODE_REFUSAL_PEERS - 1)
      b = &n->refusal[i];
  }
  if(!b->region[0] || now - b->window_ms >= REFUSAL_WINDOW_MS) {
    if(!b->region[0])
      ctk_strlcpy(b->region, peer, sizeof(b->region));
    b->window_ms = now;
    b->used = 0;
    b->warned = 0;
  }
  if(b->used + cost <= REFUSAL_BUDGET)
    b->used += cost;
  else {
    kept = -1;
    n->refusals_not_kept++;
    if(!b->warned)
      CTK_WARN("exchange", "refusals from %s passed %zu bytes this hour: further ones are "
               "counted, not kept", peer, REFUSAL_BUDGET);
    b->warned = 1;
  }
  pthread_mutex_unlock(&n->refusal_lock);
  return kept;
}

/* Log one incoming message with its answer; failures to log are logged, not answered.
 * raw_keep: how many of the request's bytes to keep (all of an accepted one). */
static void exchange_log_raw(ctk_exchange *x, const ctk_buf *answer, const char *verdict,
                             size_t raw_keep)
{
  ctk_logged_msg m;
  char reason[sizeof(x->outcome.text) + 64];

  memset(&m, 0, sizeof(m));
  m.direction = "in";
  m.peer = x->http->peer;
  m.interface_code = x->req ? x->req->head.interface_code : "";
  m.msg_id = x->req ? x->req->head.msg_id : "";
  m.sender = x->req ? x->req->head.sender.region : "";
  m.order_id = x->order_id;
  m.binding = ctk_binding_name(x->binding);
  m.encoding = ctk_encoding_name(x->encoding);
  m.raw = x->http->body;
  m.raw_len = raw_keep < x->http->body_len ? raw_keep : x->http->body_len;
  m.answer = answer ? answer->data : NULL;
  m.answer_len = answer ? answer->len : 0;
  m.result_code = x->outcome.code;
  m.verdict = verdict;
  m.reason = x->outcome.text;
  if(m.raw_len < x->http->body_len) {
    snprintf(reason, sizeof(reason), "%s [first %zu of %zu bytes kept]", x->outcome.text,
             m.raw_len, x->http->body_len);
    m.reason = reason;
  }
  if(!strcmp(verdict, "accepted"))
    m.row_id = &x->accepted_log_id;
  if(ctk_store_log(x->n->store, &m))
    CTK_ERR("exchange", "cannot log message %s", m.msg_id);
}

static void exchange_log(ctk_exchange *x, const ctk_buf *answer, const char *verdict)
{
  exchange_log_raw(x, answer, verdict, x->http->body_len);
}

/* Log a refused message within what its sender may keep: nothing of one refused before its
 * credentials were checked (counted only), a part of an authenticated one. */
static void exchange_log_refusal(ctk_exchange *x, const ctk_buf *answer, const char *verdict)
{
  ctk_node_engine *n = x->n;
  size_t raw = x->http->body_len < REFUSAL_RAW_MAX ? x->http->body_len : REFUSAL_RAW_MAX;

  if(!ctk_receive_keeps_body(&x->rx)) {
    pthread_mutex_lock(&n->refusal_lock);
    n->refused_unauthenticated++;
    pthread_mutex_unlock(&n->refusal_lock);
    return;
  }
  if(refusal_budget_take(n, x->rx.user ? x->rx.user : "", raw + answer->len + REFUSAL_ROW_BYTES))
    return;
  exchange_log_raw(x, answer, verdict, raw);
}

static int exchange_same_outcome(const ctk_outcome *a, const ctk_outcome *b)
{
  return !strcmp(a->code, b->code) && !strcmp(a->text, b->text) && !strcmp(a->where, b->where) &&
         !strcmp(a->requirement, b->requirement);
}

/* One request through the pipeline. On the heap: a request that waits for its commit is
 * parked (ctk_http_park) and outlives the handler call. */
typedef struct exchange_job {
  ctk_exchange x;
  ctk_buf out;                 /* the answer's bytes */
  char ctype[128];
  ctk_code committed;          /* a parked request: what its commit came to */
  ctk_http_parked *parked;
  int late_state;              /* the late-reply fault: what the answer will say, and */
  int late_status;             /* its HTTP status, kept while the request waits */
} exchange_job;

/* What the business step came to. */
enum {
  EXCHANGE_ANSWER,             /* answer x.outcome (refused, or failed) */
  EXCHANGE_REPEAT,             /* a repeat: out holds the stored answer */
  EXCHANGE_COMMITTED,          /* done and durable: out holds the answer */
  EXCHANGE_PARKED              /* committing; the request is parked until it is durable */
};

/* The commit did not become durable: success must not be answered, and the log row that
 * said "accepted" (if SQLite kept it) says so. */
static void exchange_not_committed(ctk_exchange *x, ctk_buf *out)
{
  if(x->accepted_log_id &&
     ctk_store_log_retract(x->n->store, x->accepted_log_id, "commit not durable") != CTK_E_OK)
    CTK_DEBUG("exchange", "log row %lld of an undone commit not marked (the store is failing)",
              (long long)x->accepted_log_id);
  x->accepted_log_id = 0;
  ctk_buf_reset(out);
  x->queued = 0;
  ctk_outcome_set(&x->outcome, x->n->profile, "INTERNAL", "",
                  ctk_profile_rule(x->n->profile, "reliability"), "could not record the message");
}

/* On the store's committer thread: the parked request's batch is durable (or failed). */
static void exchange_durable(void *arg, ctk_code result)
{
  exchange_job *job = arg;
  job->committed = result;
  ctk_http_unpark(job->parked);
}

static void exchange_resume(void *arg, ctk_http_response *resp);
static int exchange_answer_late(exchange_job *job, int state, ctk_http_response *resp);

/* The business step, given the success answer ready (empty if it could not be built): see
 * exchange_commit. */
static int exchange_commit_stored(exchange_job *job, const ctk_outcome *success,
                                  const ctk_buf *ready)
{
  ctk_exchange *x = &job->x;
  ctk_buf *out = &job->out;
  ctk_node_engine *n = x->n;
  const ctk_head *h = &x->req->head;
  char stored_hash[65];
  ctk_code result;

  result = ctk_store_begin(n->store);
  if(result) {
    ctk_outcome_set(&x->outcome, n->profile, "BUSY", "",
                    ctk_profile_rule(n->profile, "reliability"), "store unavailable");
    return EXCHANGE_ANSWER;
  }
  if(!ctk_node_fault(n, CTK_PF_no_idempotency)) {
    result = ctk_store_msgid_get(n->store, h->sender.region, h->msg_id, stored_hash, out,
                                 job->ctype, sizeof(job->ctype));
    if(result == CTK_E_OK) {
      ctk_store_rollback(n->store);
      if(!strcmp(stored_hash, x->hash))
        return EXCHANGE_REPEAT;
      ctk_buf_reset(out);
      char where[3 * CTK_NAME_MAX + 4];
      ctk_msg_head_path(n->profile, CTK_EL_MSG_ID, CTK_EL__COUNT, where, sizeof(where));
      ctk_outcome_set(&x->outcome, n->profile, "DUPLICATE", where,
                      ctk_profile_rule(n->profile, "duplicate"),
                      "message id %s was already used for other content", h->msg_id);
      return EXCHANGE_ANSWER;
    }
    if(result != CTK_E_NOTFOUND) {
      ctk_store_rollback(n->store);
      ctk_outcome_set(&x->outcome, n->profile, "INTERNAL", "",
                      ctk_profile_rule(n->profile, "reliability"), "store error");
      return EXCHANGE_ANSWER;
    }
  }
  x->outcome = *success;
  result = ctk_node_flow(x);
  if(result) {
    ctk_store_rollback(n->store);
    ctk_outcome_set(&x->outcome, n->profile, "INTERNAL", "",
                    ctk_profile_rule(n->profile, "reliability"), "internal error (%s)",
                    ctk_strerror(result));
    x->queued = 0;
    return EXCHANGE_ANSWER;
  }
  if(strcmp(x->outcome.code, ctk_profile_rc(n->profile, "OK"))) {
    /* refused: nothing of the business step stays */
    ctk_store_rollback(n->store);
    x->queued = 0;
    return EXCHANGE_ANSWER;
  }
  ctk_receive_content_type(&x->rx, job->ctype, sizeof(job->ctype));
  ctk_buf_reset(out);
  if(ready->len && !x->answer && exchange_same_outcome(&x->outcome, success))
    result = ctk_buf_add(out, ready->data, ready->len);
  else
    result = exchange_answer(x, out);
  if(!result)
    result = ctk_store_msgid_put(n->store, h->sender.region, h->msg_id, x->hash, out->data,
                                 out->len, job->ctype);
  if(result) {
    ctk_store_rollback(n->store);
    exchange_not_committed(x, out);
    return EXCHANGE_ANSWER;
  }
  exchange_log(x, out, "accepted");
  /* Success is answered only after the commit is durable. Rather than hold this worker for
   * it, park the request: the worker takes other connections meanwhile, and the batch's
   * commit unparks it (exchange_durable, then exchange_resume on a worker). From here on
   * the job belongs to that path. */
  job->parked = ctk_node_answer_delay_ms(n) ? NULL :  /* parked later, see below */
                ctk_http_park(x->http, exchange_resume, job);
  if(job->parked) {
    ctk_store_commit_then(n->store, exchange_durable, job);
    return EXCHANGE_PARKED;
  }
  result = ctk_store_commit(n->store);
  if(result) {
    exchange_not_committed(x, out);
    return EXCHANGE_ANSWER;
  }
  return EXCHANGE_COMMITTED;
}

/* Run the business step in one transaction; returns one of EXCHANGE_*.
 *
 * The store is one connection that every request queues for, so what can be done before
 * taking it is done before: the usual answer, success without a body, is built and encoded
 * first and used when the business step ends that way (otherwise it is built again inside). */
static int exchange_commit(exchange_job *job)
{
  ctk_exchange *x = &job->x;
  ctk_node_engine *n = x->n;
  ctk_outcome success;
  ctk_buf ready;               /* the success answer, encoded before the store is taken */
  int state;

  ctk_outcome_set(&success, n->profile, "OK", "", "", "success");
  x->outcome = success;
  ctk_buf_init(&ready, job->out.max);
  if(exchange_success_answer(x, &ready))
    ctk_buf_reset(&ready);
  state = exchange_commit_stored(job, &success, &ready);
  ctk_buf_free(&ready);
  return state;
}

static void exchange_reply(ctk_http_response *resp, const ctk_buf *bytes, const char *ctype)
{
  ctk_strlcpy(resp->content_type, ctype, sizeof(resp->content_type));
  if(bytes->len)
    ctk_buf_add(&resp->body, bytes->data, bytes->len);
}

static void exchange_job_free(exchange_job *job)
{
  ctk_msg_free(job->x.rx.msg);
  ctk_msg_free(job->x.answer);
  ctk_buf_free(&job->out);
  free(job);
}

/* Everything after the business step: the answer, the log of a refusal, the outbox, the
 * reply. Frees the job. Returns 0, or 1 when no answer could be encoded (the server answers
 * 500). */
static int exchange_finish(exchange_job *job, int state, ctk_http_response *resp)
{
  ctk_exchange *x = &job->x;
  ctk_node_engine *n = x->n;
  ctk_code result;

  if(state == EXCHANGE_REPEAT) {
    /* a repeat of a message already answered: the same answer, nothing else */
    exchange_log(x, &job->out, "repeat");
  }
  else if(state == EXCHANGE_ANSWER) {
    ctk_receive_encoder enc = { exchange_encode, x };
    ctk_buf_reset(&job->out);
    if(x->answer) {
      ctk_receive_content_type(&x->rx, job->ctype, sizeof(job->ctype));
      result = exchange_answer(x, &job->out);
    }
    else
      result = ctk_receive_reply(&n->receive, &x->rx, &x->outcome, &enc, resp, job->ctype,
                                 sizeof(job->ctype), &job->out);
    if(result) {
      exchange_job_free(job);
      return 1;
    }
    exchange_log_refusal(x, &job->out,
                         strcmp(x->outcome.code, ctk_profile_rc(n->profile, "OK")) ? "rejected"
                                                                                  : "accepted");
  }
  if(x->queued)
    ctk_node_outbox_kick(n);
  exchange_reply(resp, &job->out, job->ctype);
  CTK_DEBUG("exchange", "from=%s iface=%s msgid=%s result=%s", x->http->peer,
            x->req ? x->req->head.interface_code : "-", x->req ? x->req->head.msg_id : "-",
            x->outcome.code);
  exchange_job_free(job);
  return 0;
}

/* exchange_finish for a request that was parked: the handler has returned, so a failure is
 * answered 500 here rather than by the handler's return value. */
static void exchange_finish_resumed(exchange_job *job, int state, ctk_http_response *resp)
{
  if(exchange_finish(job, state, resp)) {
    resp->status = 500;
    ctk_buf_reset(&resp->body);
  }
}

/* On a worker, once the parked request's commit has ended (resp NULL: the connection went). */
static void exchange_resume(void *arg, ctk_http_response *resp)
{
  exchange_job *job = arg;
  int state = EXCHANGE_COMMITTED;

  if(!resp) {
    exchange_job_free(job);
    return;
  }
  if(job->committed) {
    exchange_not_committed(&job->x, &job->out);
    state = EXCHANGE_ANSWER;
  }
  exchange_finish_resumed(job, state, resp);
}

/* A refusal of the receive step that the province's fault modes turn into success. */
/* Is code one of the refusals of a message's own content (its XML, schema, formats, codes,
 * interface, route, encoding, size, version)? Named, not numbered: profiles number them apart. */
static int exchange_content_refusal(const ctk_profile *p, const char *code)
{
  static const char *const names[] = { "MALFORMED", "SCHEMA", "FORMAT", "CODE_VALUE",
                                       "UNKNOWN_INTERFACE", "ROUTE", "ENCODING", "TOO_LARGE",
                                       "FORBIDDEN", "VERSION" };
  size_t i;
  for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if(!strcmp(code, ctk_profile_rc(p, names[i])))
      return 1;
  }
  return 0;
}

static void exchange_refusal_faults(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  ctk_receive_step step = x->rx.refused;

  if(step == CTK_RX_DECODE && x->rx.error == CTK_E_FORBIDDEN &&
     ctk_node_fault(n, CTK_PF_xxe_accepted))
    ctk_outcome_set(&x->outcome, n->profile, "OK", "", "", "success");
  if(step == CTK_RX_VALIDATE && ctk_node_fault(n, CTK_PF_wrong_result_code) &&
     !strcmp(x->outcome.code, ctk_profile_rc(n->profile, "FORMAT")))
    ctk_strlcpy(x->outcome.code, ctk_profile_rc(n->profile, "SCHEMA"), sizeof(x->outcome.code));
  if((step == CTK_RX_CREDENTIALS || step == CTK_RX_SENDER || step == CTK_RX_VALIDATE ||
      step == CTK_RX_ROUTE) &&
     ctk_node_fault(n, CTK_PF_accept_bad_message) &&
     exchange_content_refusal(n->profile, x->outcome.code))
    ctk_outcome_set(&x->outcome, n->profile, "OK", "", "", "success");
}

int ctk_node_handle_exchange(ctk_node_engine *n, const ctk_http_request *hreq,
                             ctk_http_response *resp)
{
  exchange_job *job;
  ctk_exchange *x;
  int state = EXCHANGE_ANSWER;
  int accepted;
  ctk_code result;

  job = calloc(1, sizeof(*job));
  if(!job)
    return 1;
  x = &job->x;
  x->n = n;
  x->http = hreq;
  ctk_buf_init(&job->out, ctk_node_wire_max(n));

  accepted = ctk_receive(&n->receive, hreq, &x->rx) == 0;
  x->binding = x->rx.binding;
  x->encoding = x->rx.encoding;
  x->req = x->rx.msg;
  x->dir = x->rx.dir;
  if(ctk_receive_below_exchange(&x->rx)) {
    /* not an exchange at all: answered below the pipeline, not logged */
    result = ctk_receive_reply(&n->receive, &x->rx, &x->rx.outcome, NULL, resp,
                               resp->content_type, sizeof(resp->content_type), &resp->body);
    exchange_job_free(job);
    return result ? 1 : 0;
  }
  if(!accepted) {
    x->outcome = x->rx.outcome;
    resp->status = x->rx.http_status;
    exchange_refusal_faults(x);
  }
  else if(ctk_msg_digest(x->req, x->hash))
    ctk_outcome_set(&x->outcome, n->profile, "INTERNAL", "", "", "cannot hash the message");
  else
    state = exchange_commit(job);
  if(state == EXCHANGE_PARKED)
    return 0;                  /* the job is the parked path's now: do not touch it */
  if(ctk_node_answer_delay_ms(n))
    return exchange_answer_late(job, state, resp);
  return exchange_finish(job, state, resp);
}

/* ---- the late-reply fault ---- */

/* One parked answer of the late-reply fault and when it may go. */
typedef struct ctk_late_reply {
  struct ctk_late_reply *next;
  ctk_http_parked *parked;
  int64_t due_ms;              /* ctk_node_now_ms() */
} ctk_late_reply;

static void *late_main(void *arg)
{
  ctk_node_engine *n = arg;
  pthread_mutex_lock(&n->wake_lock);
  for(;;) {
    ctk_late_reply *l = n->late_head;
    struct timespec until;

    if(!l) {
      if(n->stopping)
        break;
      pthread_cond_wait(&n->late_wake, &n->wake_lock);
      continue;
    }
    if(!n->late_now && l->due_ms > ctk_node_now_ms()) {
      ctk_node_abstime(l->due_ms, &until);
      pthread_cond_timedwait(&n->late_wake, &n->wake_lock, &until);
      continue;
    }
    n->late_head = l->next;
    pthread_mutex_unlock(&n->wake_lock);
    ctk_http_unpark(l->parked);
    free(l);
    pthread_mutex_lock(&n->wake_lock);
  }
  pthread_mutex_unlock(&n->wake_lock);
  return NULL;
}

ctk_code ctk_node_late_start(ctk_node_engine *n)
{
  if(pthread_create(&n->late_thread, NULL, late_main, n))
    return CTK_E_INTERNAL;
  n->late_running = 1;
  return CTK_E_OK;
}

void ctk_node_late_release(ctk_node_engine *n)
{
  pthread_mutex_lock(&n->wake_lock);
  n->late_now = 1;
  pthread_cond_broadcast(&n->late_wake);
  pthread_mutex_unlock(&n->wake_lock);
}

void ctk_node_late_stop(ctk_node_engine *n)
{
  if(!n->late_running)
    return;
  pthread_mutex_lock(&n->wake_lock);
  pthread_cond_broadcast(&n->late_wake);
  pthread_mutex_unlock(&n->wake_lock);
  pthread_join(n->late_thread, NULL);
  n->late_running = 0;
}

/* Queue a parked answer for late_reply_ms; -1 when it cannot wait (stopping, no thread). */
static int late_queue(ctk_node_engine *n, ctk_http_parked *parked)
{
  ctk_late_reply *l = calloc(1, sizeof(*l));
  ctk_late_reply **tail;

  if(!l)
    return -1;
  l->parked = parked;
  l->due_ms = ctk_node_now_ms() + ctk_node_answer_delay_ms(n);
  pthread_mutex_lock(&n->wake_lock);
  if(!n->late_running || n->late_now) {
    pthread_mutex_unlock(&n->wake_lock);
    free(l);
    return -1;
  }
  /* every answer waits as long, so the newest goes last */
  for(tail = &n->late_head; *tail; tail = &(*tail)->next)
    ;
  *tail = l;
  pthread_cond_signal(&n->late_wake);
  pthread_mutex_unlock(&n->wake_lock);
  return 0;
}

static void exchange_late_resume(void *arg, ctk_http_response *resp)
{
  exchange_job *job = arg;

  if(!resp) {
    exchange_job_free(job);
    return;
  }
  resp->status = job->late_status;
  exchange_finish_resumed(job, job->late_state, resp);
}

/* The late-reply fault: the answer is decided (and a success committed) now, but leaves only
 * after late_reply_ms. The request waits parked, so its worker serves other connections
 * meanwhile; a request that cannot be parked is answered at once. */
static int exchange_answer_late(exchange_job *job, int state, ctk_http_response *resp)
{
  ctk_node_engine *n = job->x.n;

  job->late_state = state;
  job->late_status = resp->status;
  job->parked = ctk_http_park(job->x.http, exchange_late_resume, job);
  if(!job->parked)
    return exchange_finish(job, state, resp);
  if(late_queue(n, job->parked))
    ctk_http_unpark(job->parked);
  return 0;
}
