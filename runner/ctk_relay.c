/* ctk_relay: record-and-forward HTTP relay on the links the SUT uses. */
#include "ctk_relay.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_proc.h"

/* The profile's SOAP path, or ending in it (the city simulator serves /city/<region>/...). */
static int relay_is_soap(const ctk_profile *p, const char *path)
{
  return ctk_binding_of_path(p, path) == CTK_BIND_SOAP;
}

struct ctk_relay {
  char name[64];
  const ctk_profile *profile;
  char target[512];
  char ca_file[512];
  ctk_http_server *server;
  pthread_mutex_t lock;
  ctk_relay_msg *msgs;
  size_t count;
  size_t total;
};

/* The fields of one message, read without validating (the SUT's messages are validated by
 * the test that looks at them, so a broken one is still kept as evidence). */
static void relay_describe(const ctk_profile *p, const ctk_http_request *req, ctk_relay_msg *m)
{
  ctk_msg *msg = NULL;
  ctk_outcome why;
  int soap = relay_is_soap(p, req->path);
  const char *oid;
  if(ctk_msg_decode(p, req->body, req->body_len, soap ? CTK_BIND_SOAP : CTK_BIND_XML, &msg,
                    &why) || !msg)
    return;
  ctk_strlcpy(m->iface, msg->head.interface_code, sizeof(m->iface));
  ctk_strlcpy(m->msg_id, msg->head.msg_id, sizeof(m->msg_id));
  ctk_strlcpy(m->receiver, msg->head.receiver.region, sizeof(m->receiver));
  oid = ctk_msg_get(msg, ctk_el(p, CTK_EL_ORDER_ID));
  if(!oid) {
    char path[2 * CTK_NAME_MAX + 2];
    snprintf(path, sizeof(path), "%s/%s", ctk_el(p, CTK_EL_WORK_ORDER), ctk_el(p, CTK_EL_ORDER_ID));
    oid = ctk_msg_get(msg, path);
  }
  ctk_strlcpy(m->order_id, oid ? oid : "", sizeof(m->order_id));
  ctk_msg_free(msg);
}

/* What the answer says: its result code and, for a refusal, why. */
static void relay_note_answer(const ctk_msg *ans, ctk_relay_msg *m)
{
  ctk_strlcpy(m->result, ans->outcome.code, sizeof(m->result));
  ctk_strlcpy(m->answer_text, ans->outcome.text, sizeof(m->answer_text));
  ctk_strlcpy(m->answer_where, ans->outcome.where, sizeof(m->answer_where));
  ctk_strlcpy(m->answer_req, ans->outcome.requirement, sizeof(m->answer_req));
}

/* Our own OK answer when no role stands behind the link. */
static int relay_answer_ok(ctk_relay *r, const ctk_http_request *req, ctk_http_response *resp,
                           ctk_relay_msg *m)
{
  ctk_msg *msg = NULL;
  ctk_msg *ans = NULL;
  ctk_outcome why;
  ctk_outcome ok;
  int soap = relay_is_soap(r->profile, req->path);
  ctk_binding b = soap ? CTK_BIND_SOAP : CTK_BIND_XML;

  if(ctk_msg_decode(r->profile, req->body, req->body_len, b, &msg, &why) || !msg) {
    resp->status = 400;
    m->answer_status = 400;
    ctk_strlcpy(m->answer_text, why.text, sizeof(m->answer_text));
    ctk_strlcpy(m->answer_req, why.requirement, sizeof(m->answer_req));
    return 0;
  }
  memset(&ok, 0, sizeof(ok));
  ctk_outcome_set(&ok, r->profile, "OK", "", "", "accepted by the runner's stand-in");
  if(!ctk_msg_new_answer(r->profile, msg, &ok, 0, &ans)) {
    ctk_msg_encode(r->profile, ans, b, CTK_ENC_UTF8, &resp->body);
    relay_note_answer(ans, m);
    m->answer_status = 200;
  }
  if(soap)
    ctk_strlcpy(resp->content_type, "text/xml; charset=UTF-8", sizeof(resp->content_type));
  ctk_msg_free(ans);
  ctk_msg_free(msg);
  return 0;
}

static int relay_forward(ctk_relay *r, const ctk_http_request *req, ctk_http_response *resp,
                         ctk_relay_msg *m)
{
  ctk_http_client *c = ctk_http_client_new();
  ctk_http_call call;
  ctk_http_reply reply;
  char url[640];
  ctk_msg *ans = NULL;
  ctk_outcome why;
  int soap = relay_is_soap(r->profile, req->path);

  if(!c) {
    resp->status = 503;
    return 0;
  }
  pthread_mutex_lock(&r->lock);
  snprintf(url, sizeof(url), "%s%s", r->target, req->path);
  pthread_mutex_unlock(&r->lock);
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = req->content_type;
  call.soap_action = *req->soap_action ? req->soap_action : NULL;
  call.user = req->auth_user;
  call.password = req->auth_pass;
  call.body = req->body;
  call.body_len = req->body_len;
  call.timeout_ms = 30000;
  call.ca_file = r->ca_file[0] ? r->ca_file : NULL;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, (size_t)16 * 1024 * 1024);
  if(ctk_http_post(c, &call, &reply)) {
    /* The role behind is down: the SUT sees what a broken link would give it. */
    resp->status = 503;
    ctk_strlcpy(m->answer_text, "the counterpart behind the link is down (503)",
                sizeof(m->answer_text));
  }
  else {
    resp->status = (int)reply.status;
    if(*reply.content_type)
      ctk_strlcpy(resp->content_type, reply.content_type, sizeof(resp->content_type));
    ctk_buf_add(&resp->body, ctk_buf_str(&reply.body), reply.body.len);
    if(!ctk_msg_decode(r->profile, ctk_buf_str(&reply.body), reply.body.len,
                       soap ? CTK_BIND_SOAP : CTK_BIND_XML, &ans, &why) && ans)
      relay_note_answer(ans, m);
    else
      snprintf(m->answer_text, sizeof(m->answer_text), "HTTP %ld without a readable Answer",
               reply.status);
    ctk_msg_free(ans);
  }
  m->answer_status = resp->status;
  ctk_buf_free(&reply.body);
  ctk_http_client_free(c);
  return 0;
}

static int relay_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  ctk_relay *r = ctx;
  ctk_relay_msg m;
  int forward;
  size_t i;

  memset(&m, 0, sizeof(m));
  ctk_strlcpy(m.path, req->path, sizeof(m.path));
  m.soap = relay_is_soap(r->profile, req->path);
  ctk_strlcpy(m.user, req->auth_user ? req->auth_user : "", sizeof(m.user));
  ctk_strlcpy(m.content_type, req->content_type, sizeof(m.content_type));
  relay_describe(r->profile, req, &m);
  m.raw_total = req->body_len;
  m.raw_len = req->body_len < CTK_RELAY_RAW_MAX ? req->body_len : CTK_RELAY_RAW_MAX;

  pthread_mutex_lock(&r->lock);
  forward = r->target[0] != '\0';
  pthread_mutex_unlock(&r->lock);
  if(forward)
    relay_forward(r, req, resp, &m);
  else
    relay_answer_ok(r, req, resp, &m);

  pthread_mutex_lock(&r->lock);
  r->total++;
  m.seq = (long)r->total;
  for(i = r->count; m.msg_id[0] && i-- > 0 && !m.resend;) {
    const ctk_relay_msg *e = &r->msgs[i];
    m.resend = !strcmp(e->msg_id, m.msg_id) && e->raw_total == m.raw_total &&
               e->raw_len == m.raw_len && !memcmp(e->raw, req->body, m.raw_len);
  }
  if(r->count < CTK_RELAY_KEEP_MAX) {
    m.raw = malloc(m.raw_len + 1);
    if(m.raw) {
      memcpy(m.raw, req->body, m.raw_len);
      m.raw[m.raw_len] = '\0';
      r->msgs[r->count++] = m;
    }
  }
  pthread_mutex_unlock(&r->lock);
  return 0;
}

ctk_code ctk_relay_start(const ctk_relay_config *cfg, ctk_relay **out)
{
  ctk_relay *r = calloc(1, sizeof(*r));
  ctk_http_server_config sc;
  ctk_code result;

  *out = NULL;
  if(!r)
    return CTK_E_NOMEM;
  r->msgs = calloc(CTK_RELAY_KEEP_MAX, sizeof(*r->msgs));
  if(!r->msgs) {
    free(r);
    return CTK_E_NOMEM;
  }
  pthread_mutex_init(&r->lock, NULL);
  ctk_strlcpy(r->name, cfg->name ? cfg->name : "relay", sizeof(r->name));
  r->profile = cfg->profile;
  ctk_strlcpy(r->target, cfg->target_base ? cfg->target_base : "", sizeof(r->target));
  ctk_strlcpy(r->ca_file, cfg->ca_file ? cfg->ca_file : "", sizeof(r->ca_file));
  memset(&sc, 0, sizeof(sc));
  sc.bind_addr = "127.0.0.1";
  sc.port = cfg->port;
  sc.max_body = cfg->profile->max_message_bytes * 2;
  sc.threads = 4;
  result = ctk_http_server_start(&sc, relay_handler, r, &r->server);
  if(result) {
    ctk_relay_stop(r);
    return result;
  }
  *out = r;
  return CTK_E_OK;
}

int ctk_relay_port(const ctk_relay *r)
{
  return ctk_http_server_port(r->server);
}

void ctk_relay_stop(ctk_relay *r)
{
  size_t i;
  if(!r)
    return;
  ctk_http_server_stop(r->server);
  for(i = 0; i < r->count; i++)
    free(r->msgs[i].raw);
  free(r->msgs);
  pthread_mutex_destroy(&r->lock);
  free(r);
}

void ctk_relay_set_target(ctk_relay *r, const char *target_base)
{
  pthread_mutex_lock(&r->lock);
  ctk_strlcpy(r->target, target_base ? target_base : "", sizeof(r->target));
  pthread_mutex_unlock(&r->lock);
}

size_t ctk_relay_count(ctk_relay *r, size_t *total)
{
  size_t n;
  pthread_mutex_lock(&r->lock);
  n = r->count;
  if(total)
    *total = r->total;
  pthread_mutex_unlock(&r->lock);
  return n;
}

int ctk_relay_get(ctk_relay *r, size_t i, ctk_relay_msg *out)
{
  int ok = 0;
  pthread_mutex_lock(&r->lock);
  if(i < r->count) {
    *out = r->msgs[i];
    out->raw = malloc(r->msgs[i].raw_len + 1);
    if(out->raw) {
      memcpy(out->raw, r->msgs[i].raw, r->msgs[i].raw_len + 1);
      ok = 1;
    }
  }
  pthread_mutex_unlock(&r->lock);
  return ok;
}

size_t ctk_relay_find(ctk_relay *r, const char *iface, const char *order_id, const char *receiver)
{
  size_t i, n = 0;
  pthread_mutex_lock(&r->lock);
  for(i = 0; i < r->count; i++) {
    const ctk_relay_msg *m = &r->msgs[i];
    if(iface && *iface && strcmp(m->iface, iface))
      continue;
    if(order_id && strcmp(m->order_id, order_id))
      continue;
    if(receiver && strcmp(m->receiver, receiver))
      continue;
    if(m->resend)
      continue;
    n++;
  }
  pthread_mutex_unlock(&r->lock);
  return n;
}

static int relay_matches(const ctk_relay_msg *m, const char *iface, const char *order_id)
{
  return (!iface || !*iface || !strcmp(m->iface, iface)) &&
         (!order_id || !strcmp(m->order_id, order_id));
}

size_t ctk_relay_find_answered(ctk_relay *r, const char *iface, const char *order_id,
                               const char *rc, long *first_seq)
{
  size_t i, k, n = 0;
  if(first_seq)
    *first_seq = 0;
  pthread_mutex_lock(&r->lock);
  for(i = 0; i < r->count; i++) {
    const ctk_relay_msg *m = &r->msgs[i];
    int counted = 0;
    if(!relay_matches(m, iface, order_id) || strcmp(m->result, rc))
      continue;
    /* a copy of this message (the same MsgId and bytes) that got rc earlier counts for both */
    for(k = 0; k < i && !counted; k++) {
      const ctk_relay_msg *e = &r->msgs[k];
      counted = !strcmp(e->result, rc) && e->msg_id[0] && !strcmp(e->msg_id, m->msg_id) &&
                e->raw_len == m->raw_len && !memcmp(e->raw, m->raw, m->raw_len);
    }
    if(counted)
      continue;
    if(first_seq && !*first_seq)
      *first_seq = m->seq;
    n++;
  }
  pthread_mutex_unlock(&r->lock);
  return n;
}

int ctk_relay_refused(ctk_relay *r, const char *iface, const char *order_id, const char *ok_rc,
                      long since_seq, ctk_relay_keep_fn keep, void *keep_ctx,
                      ctk_relay_msg *out)
{
  size_t i;
  int found = 0;
  pthread_mutex_lock(&r->lock);
  for(i = 0; i < r->count && !found; i++) {
    const ctk_relay_msg *m = &r->msgs[i];
    size_t k;
    int taken = 0;
    if(m->seq <= since_seq || !m->result[0] || !relay_matches(m, iface, order_id) ||
       !strcmp(m->result, ok_rc) || (keep && !keep(keep_ctx, m)))
      continue;
    /* refused once, then accepted when sent again (a retry after an outage): not refused */
    for(k = 0; k < r->count && !taken; k++)
      taken = m->msg_id[0] && !strcmp(r->msgs[k].msg_id, m->msg_id) &&
              !strcmp(r->msgs[k].result, ok_rc);
    if(taken)
      continue;
    *out = *m;
    out->raw = malloc(m->raw_len + 1);
    if(out->raw)
      memcpy(out->raw, m->raw, m->raw_len + 1);
    found = 1;
  }
  pthread_mutex_unlock(&r->lock);
  return found;
}

size_t ctk_relay_wait(ctk_relay *r, const char *iface, const char *order_id,
                      const char *receiver, size_t want, long timeout_ms)
{
  long long until = ctk_now_ms() + timeout_ms;
  size_t n;
  for(;;) {
    n = ctk_relay_find(r, iface, order_id, receiver);
    if(n >= want || ctk_now_ms() >= until || ctk_proc_interrupted())
      return n;
    ctk_sleep_ms(20);
  }
}
