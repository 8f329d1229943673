/* ctk_node_exchange: the receive pipeline of an endpoint, in the order of docs/ENDPOINTS.md:
 * size, decode, authenticate, validate, route, idempotency, business step in one transaction,
 * commit, answer in the request's binding and encoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "ctk_log.h"
#include "ctk_node_internal.h"
#include "ctk_validate.h"

/* The encoding of the request: Content-Type charset first, else the XML declaration. */
static ctk_encoding exchange_encoding(const ctk_http_request *req)
{
  const char *cs = strcasestr(req->content_type, "charset=");
  char head[128];
  size_t n;

  if(cs) {
    cs += 8;
    if(*cs == '"')
      cs++;
    return strncasecmp(cs, "gb", 2) == 0 ? CTK_ENC_GBK : CTK_ENC_UTF8;
  }
  n = req->body_len < sizeof(head) - 1 ? req->body_len : sizeof(head) - 1;
  memcpy(head, req->body, n);
  head[n] = '\0';
  if(strcasestr(head, "encoding=\"gb") || strcasestr(head, "encoding='gb"))
    return CTK_ENC_GBK;
  return CTK_ENC_UTF8;
}

/* An XML media type (application/xml, text/xml, application/...+xml) or none at all. */
static int exchange_xml_media_type(const char *content_type)
{
  const char *semi;
  size_t n;
  if(!content_type || !*content_type)
    return 1;
  semi = strchr(content_type, ';');
  n = semi ? (size_t)(semi - content_type) : strlen(content_type);
  while(n && content_type[n - 1] == ' ')
    n--;
  if((n == 15 && !strncasecmp(content_type, "application/xml", n)) ||
     (n == 8 && !strncasecmp(content_type, "text/xml", n)))
    return 1;
  return n > 16 && !strncasecmp(content_type, "application/", 12) &&
         !strncasecmp(content_type + n - 4, "+xml", 4);
}

static void exchange_content_type(const ctk_exchange *x, char *out, size_t len)
{
  snprintf(out, len, "%s; charset=%s",
           x->binding == CTK_BIND_SOAP ? "text/xml" : "application/xml",
           ctk_encoding_name(x->encoding));
}

/* Encode the answer for the wire, applying the answer faults of the province. */
static ctk_code exchange_encode(ctk_exchange *x, ctk_msg *ans, ctk_buf *out)
{
  ctk_node_engine *n = x->n;
  ctk_code result;

  if(ctk_node_fault(n, CTK_PF_wrong_correl_id)) {
    /* the encoder writes the document, so change the CorrelId there */
    xmlNodePtr head = ctk_xml_child(xmlDocGetRootElement(ans->doc), "Head");
    xmlNodePtr correl = head ? ctk_xml_child(head, "CorrelId") : NULL;
    ctk_msg_make_id(n->self.region, ans->head.correl_id);
    if(correl)
      xmlNodeSetContent(correl, BAD_CAST ans->head.correl_id);
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

/* An answer built from the request when there is one, else from what little is known. */
static ctk_code exchange_answer(ctk_exchange *x, ctk_buf *out)
{
  ctk_node_engine *n = x->n;
  ctk_msg *ans = NULL;
  ctk_head blank;
  ctk_code result;

  if(x->answer) {
    x->answer->outcome = x->outcome;
    return exchange_encode(x, x->answer, out);
  }
  if(x->req)
    result = ctk_msg_new_answer(n->profile, x->req, &x->outcome, 0, &ans);
  else {
    /* Nothing could be read: an answer from this node to an unnamed sender. */
    memset(&blank, 0, sizeof(blank));
    blank.receiver = n->self;
    result = ctk_msg_new_answer_to(n->profile, &blank, &x->outcome, 0, &ans);
  }
  if(result)
    return result;
  result = exchange_encode(x, ans, out);
  ctk_msg_free(ans);
  return result;
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
     !ctk_node_fault(n, CTK_PF_gbk_broken) && !ctk_node_fault(n, CTK_PF_bad_answer_xml)) {
    ctk_msg_answer_head(n->profile, &x->req->head, &h);
    if(ctk_msg_tpl_fill(tpl, &h, NULL, out) == CTK_E_OK)
      return CTK_E_OK;
  }
  return exchange_answer(x, out);
}

/* The SOAP envelope itself could not be read: a SOAP 1.1 Fault (soap:Client) carrying the
 * profile's result code, the only case the baseline uses a Fault for (J3-BIND-003). */
static int exchange_is_envelope_problem(const ctk_exchange *x)
{
  return x->binding == CTK_BIND_SOAP && !x->req &&
         !strcmp(x->outcome.code, ctk_profile_rc(x->n->profile, "MALFORMED")) &&
         (!strcmp(x->outcome.where, "/") || !strncmp(x->outcome.where, "/Envelope", 9));
}

static ctk_code exchange_soap_fault(ctk_exchange *x, ctk_buf *out)
{
  static const char soap11[] = "http://schemas.xmlsoap.org/soap/envelope/";
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr env, body, fault, detail, result;
  xmlNsPtr ns;
  xmlChar *mem = NULL;
  int len = 0;
  ctk_code rc = CTK_E_NOMEM;

  if(!doc)
    return CTK_E_NOMEM;
  env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
  xmlDocSetRootElement(doc, env);
  ns = xmlNewNs(env, BAD_CAST soap11, BAD_CAST "soap");
  xmlSetNs(env, ns);
  body = xmlNewChild(env, ns, BAD_CAST "Body", NULL);
  fault = xmlNewChild(body, ns, BAD_CAST "Fault", NULL);
  xmlNewTextChild(fault, NULL, BAD_CAST "faultcode", BAD_CAST "soap:Client");
  xmlNewTextChild(fault, NULL, BAD_CAST "faultstring", BAD_CAST x->outcome.text);
  detail = xmlNewChild(fault, NULL, BAD_CAST "detail", NULL);
  result = xmlNewChild(detail, NULL, BAD_CAST "Result", NULL);
  xmlSetNs(result, xmlNewNs(result, BAD_CAST x->n->profile->ns, NULL));
  xmlNewTextChild(result, result->ns, BAD_CAST "Code", BAD_CAST x->outcome.code);
  xmlNewTextChild(result, result->ns, BAD_CAST "Text", BAD_CAST x->outcome.text);
  xmlNewTextChild(result, result->ns, BAD_CAST "Where", BAD_CAST x->outcome.where);
  xmlNewTextChild(result, result->ns, BAD_CAST "Requirement", BAD_CAST "J3-BIND-003");
  xmlDocDumpMemoryEnc(doc, &mem, &len, ctk_encoding_name(x->encoding));
  if(mem && len > 0)
    rc = ctk_buf_add(out, mem, (size_t)len);
  xmlFree(mem);
  xmlFreeDoc(doc);
  return rc;
}

/* Log one incoming message with its answer; failures to log are logged, not answered. */
static void exchange_log(ctk_exchange *x, const ctk_buf *answer, const char *verdict)
{
  ctk_logged_msg m;
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
  m.raw_len = x->http->body_len;
  m.answer = answer ? answer->data : NULL;
  m.answer_len = answer ? answer->len : 0;
  m.result_code = x->outcome.code;
  m.verdict = verdict;
  m.reason = x->outcome.text;
  if(!strcmp(verdict, "accepted"))
    m.row_id = &x->accepted_log_id;
  if(ctk_store_log(x->n->store, &m))
    CTK_ERR("exchange", "cannot log message %s", m.msg_id);
}

/* HTTP Basic against the credentials, then the head against the authenticated region. */
static int exchange_authenticate(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  const ctk_head *h = &x->req->head;
  const char *user = x->http->auth_user;
  int level = 0;

  if(ctk_node_fault(n, CTK_PF_ignore_auth))
    return 0;
  if(!user || !x->http->auth_pass ||
     ctk_auth_verify(n->auth, user, x->http->auth_pass, &level) != CTK_E_OK) {
    CTK_INFO("exchange", "authentication failed for user '%s' from %s", user ? user : "",
             x->http->peer);
    ctk_outcome_set(&x->outcome, n->profile, "AUTH", "HTTP Authorization", "J3-SEC-004",
                    "authentication failed");
    return -1;
  }
  if(ctk_node_fault(n, CTK_PF_ignore_region))
    return 0;
  if(strcmp(h->sender.region, user)) {
    ctk_outcome_set(&x->outcome, n->profile, "DENIED", "/Message/Head/Sender/Region",
                    "J3-SEC-005", "sender %s is not the authenticated node %s",
                    h->sender.region, user);
    return -1;
  }
  if((int)h->sender.level != level) {
    ctk_outcome_set(&x->outcome, n->profile, "DENIED", "/Message/Head/Sender/Level",
                    "J3-SEC-005", "sender level %d is not the level %d of its credentials",
                    (int)h->sender.level, level);
    return -1;
  }
  return 0;
}

/* Validation by the profile; the first problem is the answer. */
static int exchange_validate(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  ctk_problems problems;       /* ctk_validate_msg clears it: 18 KB, not cleared twice */
  if(ctk_validate_msg(n->profile, x->req, &problems) == CTK_E_OK)
    return 0;
  if(problems.count)
    x->outcome = problems.items[0];
  else
    ctk_outcome_set(&x->outcome, n->profile, "SCHEMA", "", "J3-SCH-001", "invalid message");
  if(ctk_node_fault(n, CTK_PF_wrong_result_code) &&
     !strcmp(x->outcome.code, ctk_profile_rc(n->profile, "FORMAT")))
    ctk_strlcpy(x->outcome.code, ctk_profile_rc(n->profile, "SCHEMA"), sizeof(x->outcome.code));
  return -1;
}

/* The message must be for this node, from an adjacent level. */
static int exchange_route(ctk_exchange *x)
{
  ctk_node_engine *n = x->n;
  const ctk_head *h = &x->req->head;
  if(strcmp(h->receiver.region, n->self.region) || h->receiver.level != n->self.level) {
    ctk_outcome_set(&x->outcome, n->profile, "ROUTE", "/Message/Head/Receiver", "J3-ENV-006",
                    "this node is %s level %d, not %s level %d", n->self.region,
                    (int)n->self.level, h->receiver.region, (int)h->receiver.level);
    return -1;
  }
  if(h->sender.level == n->self.level + 1)
    x->dir = CTK_DIR_UP;
  else if(h->sender.level + 1 == n->self.level)
    x->dir = CTK_DIR_DOWN;
  else {
    ctk_outcome_set(&x->outcome, n->profile, "ROUTE", "/Message/Head/Sender/Level",
                    "J3-ENV-004", "%s and %s are not adjacent levels",
                    ctk_level_name(h->sender.level), ctk_level_name(n->self.level));
    return -1;
  }
  return 0;
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
  ctk_outcome_set(&x->outcome, x->n->profile, "INTERNAL", "", "J2-REL-001",
                  "could not record the message");
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
    ctk_outcome_set(&x->outcome, n->profile, "BUSY", "", "J2-REL-001", "store unavailable");
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
      ctk_outcome_set(&x->outcome, n->profile, "DUPLICATE", "/Message/Head/MsgId",
                      "J3-IDEM-002", "MsgId %s was already used for other content", h->msg_id);
      return EXCHANGE_ANSWER;
    }
    if(result != CTK_E_NOTFOUND) {
      ctk_store_rollback(n->store);
      ctk_outcome_set(&x->outcome, n->profile, "INTERNAL", "", "J2-REL-001", "store error");
      return EXCHANGE_ANSWER;
    }
  }
  x->outcome = *success;
  result = ctk_node_flow(x);
  if(result) {
    ctk_store_rollback(n->store);
    ctk_outcome_set(&x->outcome, n->profile, "INTERNAL", "", "J2-REL-001",
                    "internal error (%s)", ctk_strerror(result));
    x->queued = 0;
    return EXCHANGE_ANSWER;
  }
  if(strcmp(x->outcome.code, ctk_profile_rc(n->profile, "OK"))) {
    /* refused: nothing of the business step stays */
    ctk_store_rollback(n->store);
    x->queued = 0;
    return EXCHANGE_ANSWER;
  }
  exchange_content_type(x, job->ctype, sizeof(job->ctype));
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
  job->parked = ctk_node_fault(n, CTK_PF_late_reply) ? NULL :  /* parked later, see below */
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
  ctk_msg_free(job->x.req);
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
    exchange_content_type(x, job->ctype, sizeof(job->ctype));
    ctk_buf_reset(&job->out);
    if(exchange_is_envelope_problem(x)) {
      resp->status = 500;
      result = exchange_soap_fault(x, &job->out);
    }
    else
      result = exchange_answer(x, &job->out);
    if(result) {
      exchange_job_free(job);
      return 1;
    }
    exchange_log(x, &job->out, strcmp(x->outcome.code, ctk_profile_rc(n->profile, "OK")) ?
                 "rejected" : "accepted");
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

int ctk_node_handle_exchange(ctk_node_engine *n, const ctk_http_request *hreq,
                             ctk_http_response *resp)
{
  exchange_job *job;
  ctk_exchange *x;
  ctk_outcome why;
  int state = EXCHANGE_ANSWER;
  ctk_code result;

  job = calloc(1, sizeof(*job));
  if(!job)
    return 1;
  x = &job->x;
  x->n = n;
  x->http = hreq;
  x->binding = strcmp(hreq->path, "/soap") ? CTK_BIND_XML : CTK_BIND_SOAP;
  x->encoding = exchange_encoding(hreq);
  ctk_buf_init(&job->out, ctk_node_wire_max(n));

  if(hreq->body_too_large) {
    ctk_outcome_set(&x->outcome, n->profile, "TOO_LARGE", "", "J3-SEC-002",
                    "message over %zu bytes", n->profile->max_message_bytes);
    resp->status = 413;
  }
  else if(!exchange_xml_media_type(hreq->content_type)) {
    ctk_outcome_set(&x->outcome, n->profile, "MALFORMED", "HTTP Content-Type", "J3-BIND-001",
                    "Content-Type must be application/xml or text/xml");
  }
  else {
    memset(&why, 0, sizeof(why));
    result = ctk_msg_decode(n->profile, hreq->body, hreq->body_len, x->binding, &x->req, &why);
    if(result) {
      x->outcome = why;
      if(result == CTK_E_FORBIDDEN && ctk_node_fault(n, CTK_PF_xxe_accepted))
        ctk_outcome_set(&x->outcome, n->profile, "OK", "", "", "success");
    }
    else if(x->req->is_answer)
      ctk_outcome_set(&x->outcome, n->profile, "MALFORMED", "/Answer", "J3-ENV-001",
                      "an Answer is not a request");
    else if(exchange_authenticate(x) || exchange_validate(x) || exchange_route(x)) {
      if(ctk_node_fault(n, CTK_PF_accept_bad_message) && x->outcome.code[0] == '1')
        ctk_outcome_set(&x->outcome, n->profile, "OK", "", "", "success");
    }
    else if(ctk_msg_digest(x->req, x->hash))
      ctk_outcome_set(&x->outcome, n->profile, "INTERNAL", "", "", "cannot hash the message");
    else
      state = exchange_commit(job);
  }
  if(state == EXCHANGE_PARKED)
    return 0;                  /* the job is the parked path's now: do not touch it */
  if(ctk_node_fault(n, CTK_PF_late_reply))
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
  l->due_ms = ctk_node_now_ms() + n->cfg.late_reply_ms;
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
