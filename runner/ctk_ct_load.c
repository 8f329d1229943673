/* ctk_ct_load: open-loop load: requests go out when they are due, not when the previous
 * answer came, so a slow SUT shows as a lower achieved rate and longer latencies. */
#include "ctk_ct_load.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_http.h"
#include "ctk_proc.h"
#include "ctk_roles.h"

#define LOAD_ANSWER_MAX ((size_t)8 * 1024 * 1024)
#define LOAD_IDLE ((size_t)-1)
#define LOAD_POLL_MS 100

/* One connection of the load and the request it carries. */
typedef struct load_slot {
  size_t req;                  /* LOAD_IDLE when free */
  ctk_http_call call;
  ctk_http_reply reply;
} load_slot;

typedef struct load_run {
  ctk_ct *t;
  const ctk_ct_peer *peer;
  const ctk_ct_as *as;
  const ctk_ct_load_spec *spec;
  ctk_ct_load_answer_fn fn;
  void *ctx;
  ctk_buf *bytes;              /* the encoded requests */
  char (*msg_ids)[CTK_MSGID_MAX];
  char (*ifaces)[CTK_ID_MAX];
  load_slot *slots;
  ctk_http_multi *multi;
  char url[CTK_ROLES_URL_MAX + 16];
  char peer_name[160];
  long long start_ms;
  long long last_answer_ms;
  ctk_ct_load_result *out;
} load_run;

void ctk_ct_load_result_free(ctk_ct_load_result *r)
{
  if(!r)
    return;
  free(r->latency_ms);
  r->latency_ms = NULL;
}

static long long load_due(const load_run *l, size_t i)
{
  return l->start_ms + (long long)((double)i * 1000.0 / l->spec->rate);
}

/* Encode every request before the clock starts, so composing does not eat into the rate. */
static ctk_code load_encode(load_run *l, ctk_msg *const *reqs, size_t n)
{
  const ctk_profile *p = l->t->env->profile;
  size_t i;
  for(i = 0; i < n; i++) {
    ctk_code result;
    ctk_buf_init(&l->bytes[i], LOAD_ANSWER_MAX);
    result = ctk_msg_encode(p, reqs[i], CTK_BIND_XML, CTK_ENC_UTF8, &l->bytes[i]);
    if(result)
      return result;
    ctk_strlcpy(l->msg_ids[i], reqs[i]->head.msg_id, sizeof(l->msg_ids[i]));
    ctk_strlcpy(l->ifaces[i], reqs[i]->head.interface_code, sizeof(l->ifaces[i]));
  }
  return CTK_E_OK;
}

static ctk_code load_start(load_run *l, unsigned s, size_t i)
{
  load_slot *slot = &l->slots[s];
  ctk_code result;

  memset(&slot->call, 0, sizeof(slot->call));
  slot->call.url = l->url;
  slot->call.content_type = "application/xml; charset=UTF-8";
  slot->call.user = l->as[i].node.region;
  slot->call.password = l->as[i].secret;
  slot->call.body = ctk_buf_str(&l->bytes[i]);
  slot->call.body_len = l->bytes[i].len;
  slot->call.timeout_ms = l->t->env->pixit->answer_timeout_ms;
  slot->call.ca_file = l->peer->ca_file;
  memset(&slot->reply, 0, sizeof(slot->reply));
  ctk_buf_init(&slot->reply.body, LOAD_ANSWER_MAX);
  ctk_ct_record(l->t, CTK_XCHG_OUT, l->peer_name, l->ifaces[i], 0, 0, NULL, slot->call.body,
                slot->call.body_len);
  slot->req = i;
  result = ctk_http_multi_post(l->multi, s, &slot->call, &slot->reply);
  l->out->sent++;
  return result;
}

/* The answer of slot s (transport says whether one came), decoded as ctk_ct_send would. */
static void load_finish(load_run *l, unsigned s, ctk_code transport)
{
  const ctk_profile *p = l->t->env->profile;
  load_slot *slot = &l->slots[s];
  size_t i = slot->req;
  long long now = ctk_now_ms();
  ctk_http_reply *hr = &slot->reply;
  ctk_ct_reply r;

  ctk_ct_reply_init(&r);
  r.transport = transport;
  r.http_status = hr->status;
  r.ms = hr->total_ms;
  ctk_strlcpy(r.req_msg_id, l->msg_ids[i], sizeof(r.req_msg_id));
  ctk_strlcpy(r.req_iface, l->ifaces[i], sizeof(r.req_iface));
  if(transport) {
    snprintf(r.why.text, sizeof(r.why.text), "no answer: %.200s", hr->error);
    ctk_ct_record(l->t, CTK_XCHG_IN, l->peer_name, l->ifaces[i], hr->total_ms, 0, NULL,
                  hr->error, strlen(hr->error));
  }
  else {
    l->out->answered++;
    l->out->latency_ms[i] = (double)(now - load_due(l, i));
    l->last_answer_ms = now;
    ctk_buf_add(&r.raw, ctk_buf_str(&hr->body), hr->body.len);
    if(hr->body.len &&
       !ctk_msg_decode(p, ctk_buf_str(&hr->body), hr->body.len, CTK_BIND_XML, &r.answer,
                       &r.why) && r.answer && r.answer->is_answer) {
      const ctk_result_code *rc = ctk_profile_result_by_code(p, r.answer->outcome.code);
      ctk_strlcpy(r.rc, r.answer->outcome.code, sizeof(r.rc));
      ctk_strlcpy(r.rc_name, rc ? rc->name : "", sizeof(r.rc_name));
    }
    else if(r.answer && !r.answer->is_answer) {
      snprintf(r.why.text, sizeof(r.why.text), "the reply is a Message, not an Answer");
      ctk_msg_free(r.answer);
      r.answer = NULL;
    }
    ctk_ct_record(l->t, CTK_XCHG_IN, l->peer_name, l->ifaces[i], hr->total_ms, (int)hr->status,
                  r.rc, ctk_buf_str(&hr->body), hr->body.len);
  }
  if(l->fn)
    l->fn(l->ctx, i, &r);
  ctk_ct_reply_free(&r);
  ctk_buf_free(&hr->body);
  slot->req = LOAD_IDLE;
}

static int load_idle_slot(const load_run *l)
{
  unsigned s;
  for(s = 0; s < l->spec->connections; s++) {
    if(l->slots[s].req == LOAD_IDLE)
      return (int)s;
  }
  return -1;
}

/* The loop: start what is due on free connections, collect answers, until every request
 * is answered or given up and the window is over. */
static ctk_code load_drive(load_run *l, size_t n)
{
  const unsigned conns = l->spec->connections;
  ctk_http_done *done = calloc(conns, sizeof(*done));
  long long window_end;
  size_t next = 0;
  unsigned busy = 0;
  long long full_ms = -1;      /* last time a due request found every connection busy */
  ctk_code result = CTK_E_OK;

  if(!done)
    return CTK_E_NOMEM;
  l->start_ms = ctk_now_ms();
  l->last_answer_ms = l->start_ms;
  window_end = l->start_ms + l->spec->duration_ms;
  for(;;) {
    long long now = ctk_now_ms();
    long wait = LOAD_POLL_MS;
    int k;
    while(next < n && load_due(l, next) <= now && now < window_end) {
      int s = load_idle_slot(l);
      ctk_code started;
      if(s < 0) {
        full_ms = now;
        break;
      }
      l->out->waited += load_due(l, next) <= full_ms ? 1 : 0;
      started = load_start(l, (unsigned)s, next++);
      if(started)
        load_finish(l, (unsigned)s, started); /* never started: no transfer to wait for */
      else
        busy++;
    }
    if(next < n && (now >= window_end || ctk_proc_interrupted())) {
      l->out->not_sent += n - next;
      next = n;
    }
    if(next >= n && !busy)
      break;
    if(next < n && busy < conns)
      wait = load_due(l, next) > now ? (long)(load_due(l, next) - now) : 0;
    if(next < n && window_end - now < wait)
      wait = (long)(window_end - now);
    k = ctk_http_multi_run(l->multi, (int)(wait > 0 ? wait : 0), done, conns);
    if(k < 0) {
      result = CTK_E_HTTP;
      break;
    }
    while(k-- > 0) {
      load_finish(l, done[k].slot, done[k].result);
      busy--;
    }
  }
  l->out->elapsed_ms = (double)((l->last_answer_ms > window_end ? l->last_answer_ms
                                                                 : ctk_now_ms()) - l->start_ms);
  free(done);
  return result;
}

ctk_code ctk_ct_load_run(ctk_ct *t, const ctk_ct_peer *peer, ctk_msg *const *reqs,
                         const ctk_ct_as *as, size_t n, const ctk_ct_load_spec *spec,
                         ctk_ct_load_answer_fn fn, void *ctx, ctk_ct_load_result *out)
{
  load_run l;
  size_t i;
  ctk_code result;

  memset(out, 0, sizeof(*out));
  if(!n || !spec || spec->rate <= 0 || spec->duration_ms <= 0 || !spec->connections ||
     spec->connections > CTK_HTTP_MULTI_SLOTS_MAX)
    return CTK_E_INVAL;
  memset(&l, 0, sizeof(l));
  l.t = t;
  l.peer = peer;
  l.as = as;
  l.spec = spec;
  l.fn = fn;
  l.ctx = ctx;
  l.out = out;
  snprintf(l.url, sizeof(l.url), "%s%s", peer->base_url,
           ctk_binding_path(t->env->profile, CTK_BIND_XML));
  snprintf(l.peer_name, sizeof(l.peer_name), "%.20s %.130s", peer->name, l.url);
  out->latency_ms = malloc(n * sizeof(*out->latency_ms));
  l.bytes = calloc(n, sizeof(*l.bytes));
  l.msg_ids = calloc(n, sizeof(*l.msg_ids));
  l.ifaces = calloc(n, sizeof(*l.ifaces));
  l.slots = calloc(spec->connections, sizeof(*l.slots));
  l.multi = ctk_http_multi_new(spec->connections);
  result = out->latency_ms && l.bytes && l.msg_ids && l.ifaces && l.slots ? CTK_E_OK
                                                                          : CTK_E_NOMEM;
  if(!result && !l.multi)
    result = CTK_E_HTTP;
  for(i = 0; !result && i < n; i++)
    out->latency_ms[i] = -1;
  for(i = 0; !result && i < spec->connections; i++)
    l.slots[i].req = LOAD_IDLE;
  ctk_http_allow_files(spec->connections + 64);
  if(!result)
    result = load_encode(&l, reqs, n);
  if(!result)
    result = load_drive(&l, n);
  ctk_http_multi_free(l.multi); /* aborts what is still in flight after a failure */
  for(i = 0; l.slots && i < spec->connections; i++) {
    if(l.slots[i].req != LOAD_IDLE)
      ctk_buf_free(&l.slots[i].reply.body);
  }
  for(i = 0; l.bytes && i < n; i++)
    ctk_buf_free(&l.bytes[i]);
  free(l.bytes);
  free(l.msg_ids);
  free(l.ifaces);
  free(l.slots);
  return result;
}
