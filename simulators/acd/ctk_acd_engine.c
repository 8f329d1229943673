/* ctk_acd_engine: SIP UAS, agents and queue of the call-queue machine simulator (see docs/ACD.md).
 *
 * Every call lives in one struct found by Call-ID (hash table) and by slot (timers). Timers sit
 * in one binary heap; an entry is stale when the call's stamp for that timer kind has moved on,
 * so cancelling a timer is O(1) and nothing points at freed memory. Waiting calls form a FIFO,
 * idle agents a ring (longest idle first). No per-packet work grows with the number of calls. */
#include "acd/ctk_acd_engine.h"
#include "acd/ctk_acd_msg.h"

#include <math.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <osipparser2/osip_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_log.h"

#define ACD_MOD "acd"
#define ACD_MAX_SINKS 8
#define ACD_T1_MS 500u
#define ACD_T2_MS 4000u
#define ACD_TIMER_H_MS (64u * ACD_T1_MS)
#define ACD_SMALL 96

typedef enum {
  ACD_T_IVR = 0,  /* IVR menu done: join the queue */
  ACD_T_ANSWER,   /* the agent picks up */
  ACD_T_RETRANS,  /* resend the final response to INVITE until ACK (UDP) */
  ACD_T_TALK,     /* the agent hangs up */
  ACD_T_BYE,      /* resend our BYE until answered (UDP) */
  ACD_T_LINGER,   /* forget the call */
  ACD_T_QWAIT,    /* waited max_wait_ms in the queue: give up on it */
  ACD_T_WRAP,     /* the agent's after-call work is done */
  ACD_T__COUNT
} acd_timer_kind;

typedef enum {
  ACD_S_IVR = 0,
  ACD_S_QUEUED,
  ACD_S_ALERTING,  /* delivered to an agent, ringing there */
  ACD_S_ANSWERED,  /* 200 OK sent, no ACK yet */
  ACD_S_CONFIRMED, /* ACK received */
  ACD_S_BYE_SENT,  /* the agent hung up; waiting for the answer to our BYE */
  ACD_S_DONE       /* finished; kept only to answer retransmissions */
} acd_state;

typedef struct acd_call {
  uint32_t slot;
  acd_state state;
  char *call_id;
  char caller[ACD_SMALL];
  char called[ACD_SMALL];
  char to_tag[32];
  char invite_cseq[16];
  osip_message_t *invite;      /* our copy of the INVITE, to build its responses */
  char *final_resp;            /* last final response to INVITE (malloc, exact size) */
  size_t final_len;
  char *bye_req;               /* our BYE (malloc, exact size), for retransmission */
  size_t bye_len;
  ctk_acd_peer peer;
  int agent;                   /* index into agents, -1 when none */
  int answered;
  int agent_hung_up;           /* the talk time ran out: the agent ended the call */
  int queued;                  /* has joined the queue (queued_ms is valid) */
  uint64_t offered_ms, queued_ms, answered_ms;
  long wait_ms;                /* queue wait, fixed at answer */
  unsigned retrans_ms;         /* current retransmission interval */
  uint64_t retrans_deadline;
  unsigned bye_retrans_ms;
  uint64_t bye_deadline;
  uint64_t stamp[ACD_T__COUNT]; /* 0 = timer not set */
  char rec_url[320];
  char rec_sha[65];
  struct acd_call *hnext;      /* hash chain */
  struct acd_call *qprev, *qnext; /* FIFO of waiting calls */
} acd_call;

typedef struct acd_timer {
  uint64_t due;
  uint64_t stamp;
  uint32_t slot;
  uint32_t kind;
} acd_timer;

typedef struct acd_agent {
  char id[16];
  uint32_t call_slot;
  int busy;
  int logged_in;               /* only logged-in agents go back to the idle ring */
} acd_agent;

struct ctk_acd_engine {
  ctk_acd_config cfg;
  char recording_base[200];
  char local_host[64];
  ctk_acd_transport transport;
  ctk_acd_sink sinks[ACD_MAX_SINKS];
  size_t nsinks;

  acd_call **buckets;
  size_t nbuckets;
  size_t ncalls;

  acd_call **slots;
  size_t nslots;
  uint32_t *free_slots;
  size_t nfree;

  acd_timer *heap;
  size_t heap_len, heap_cap;
  uint64_t next_stamp;

  acd_agent *agents;           /* CTK_ACD_AGENTS_MAX of them; cfg.agents are logged in */
  unsigned *idle;              /* ring of idle agent indices, capacity CTK_ACD_AGENTS_MAX */
  unsigned idle_head, idle_count;

  acd_call *q_head, *q_tail;
  unsigned q_len;
  unsigned ivr_len;

  uint64_t rng;
  unsigned long seq;           /* calls seen; names recordings */
  unsigned long bye_seq;       /* BYEs sent; makes their branches unique */
  uint64_t now;
};

/* ---------- small helpers ---------- */

static const char *const acd_event_names[CTK_ACD_EV__COUNT] = {
  "offered", "queued", "delivered", "answered", "cleared", "abandoned"
};

const char *ctk_acd_event_name(ctk_acd_event_kind kind)
{
  if((unsigned)kind >= CTK_ACD_EV__COUNT)
    return "unknown";
  return acd_event_names[kind];
}

void ctk_acd_event_time(const ctk_acd_event *ev, char *out, size_t size)
{
  if(ctk_datetime_format((time_t)(ev->wall_ms / 1000), out, size))
    ctk_strlcpy(out, "", size);
}

void ctk_acd_config_defaults(ctk_acd_config *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->agents = 10;
  cfg->queue_limit = 50;
  cfg->busy_status = 486;
  cfg->linger_ms = ACD_TIMER_H_MS;
  cfg->recording_base = "http://127.0.0.1/recordings";
  cfg->local_host = "127.0.0.1";
  cfg->local_port = 5060;
}

static ctk_code acd_parse_ms(const char *s, char stop, unsigned *out, const char **end)
{
  char *e = NULL;
  unsigned long v;
  if(*s < '0' || *s > '9')
    return CTK_E_INVAL;
  v = strtoul(s, &e, 10);
  if(*e != stop || v > 86400000ul)
    return CTK_E_INVAL;
  *out = (unsigned)v;
  if(end)
    *end = e;
  return CTK_E_OK;
}

ctk_code ctk_acd_talk_parse(const char *text, ctk_acd_talk *out)
{
  const char *rest = NULL;
  ctk_code rc;

  memset(out, 0, sizeof(*out));
  if(!text)
    return CTK_E_INVAL;
  if(!strcmp(text, "caller")) {
    out->kind = CTK_ACD_TALK_CALLER;
    return CTK_E_OK;
  }
  if(!strncmp(text, "fixed:", 6)) {
    out->kind = CTK_ACD_TALK_FIXED;
    return acd_parse_ms(text + 6, '\0', &out->a_ms, NULL);
  }
  if(!strncmp(text, "exp:", 4)) {
    out->kind = CTK_ACD_TALK_EXP;
    rc = acd_parse_ms(text + 4, '\0', &out->a_ms, NULL);
    if(!rc && out->a_ms == 0)
      rc = CTK_E_INVAL;
    return rc;
  }
  if(!strncmp(text, "uniform:", 8)) {
    out->kind = CTK_ACD_TALK_UNIFORM;
    rc = acd_parse_ms(text + 8, '-', &out->a_ms, &rest);
    if(rc)
      return rc;
    rc = acd_parse_ms(rest + 1, '\0', &out->b_ms, NULL);
    if(!rc && out->b_ms < out->a_ms)
      rc = CTK_E_INVAL;
    return rc;
  }
  return CTK_E_INVAL;
}

/* xorshift64*: talk times only need to be reproducible, not secure. */
static double acd_random01(ctk_acd_engine *e)
{
  uint64_t x = e->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  e->rng = x;
  return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static unsigned acd_talk_sample(ctk_acd_engine *e)
{
  const ctk_acd_talk *t = &e->cfg.talk;
  double v;
  switch(t->kind) {
  case CTK_ACD_TALK_FIXED:
    return t->a_ms;
  case CTK_ACD_TALK_UNIFORM:
    return t->a_ms + (unsigned)(acd_random01(e) * (double)(t->b_ms - t->a_ms + 1));
  case CTK_ACD_TALK_EXP:
    v = -log(1.0 - acd_random01(e)) * (double)t->a_ms;
    return v > 86400000.0 ? 86400000u : (unsigned)v;
  case CTK_ACD_TALK_CALLER:
  default:
    return 0;
  }
}

/* A fresh tag for our side of a dialog. RFC 3261 19.3: a tag must be globally unique and
 * cryptographically random with at least 32 bits of randomness; 64 bits from OpenSSL's
 * generator, so no two runs hand out the same tags (nor the recordings named after them). */
static void acd_new_tag(ctk_acd_engine *e, char *out, size_t size)
{
  unsigned char r[8];
  char hex[2 * sizeof(r) + 1];

  if(RAND_bytes(r, (int)sizeof(r)) != 1) {
    /* no entropy to be had: at least unique within the run and unlikely across runs */
    uint64_t x = e->rng ^ ((uint64_t)time(NULL) << 20) ^ (uint64_t)e->seq;
    memcpy(r, &x, sizeof(r));
  }
  ctk_hex(r, sizeof(r), hex);
  snprintf(out, size, "acd%s", hex);
}

static size_t acd_hash(const char *s)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for(; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return (size_t)h;
}

/* ---------- call table ---------- */

static acd_call *acd_find(ctk_acd_engine *e, const char *call_id)
{
  acd_call *c = e->buckets[acd_hash(call_id) & (e->nbuckets - 1)];
  while(c && strcmp(c->call_id, call_id))
    c = c->hnext;
  return c;
}

static ctk_code acd_rehash(ctk_acd_engine *e)
{
  size_t n = e->nbuckets * 2;
  acd_call **nb = calloc(n, sizeof(*nb));
  size_t i;
  if(!nb)
    return CTK_E_NOMEM;
  for(i = 0; i < e->nbuckets; i++) {
    acd_call *c = e->buckets[i];
    while(c) {
      acd_call *next = c->hnext;
      size_t b = acd_hash(c->call_id) & (n - 1);
      c->hnext = nb[b];
      nb[b] = c;
      c = next;
    }
  }
  free(e->buckets);
  e->buckets = nb;
  e->nbuckets = n;
  return CTK_E_OK;
}

static ctk_code acd_slot_take(ctk_acd_engine *e, uint32_t *slot)
{
  if(!e->nfree) {
    size_t n = e->nslots ? e->nslots * 2 : 256;
    acd_call **ns;
    uint32_t *nf;
    size_t i;
    if(n > UINT32_MAX)
      return CTK_E_TOOBIG;
    ns = realloc(e->slots, n * sizeof(*ns));
    if(!ns)
      return CTK_E_NOMEM;
    e->slots = ns;
    nf = realloc(e->free_slots, n * sizeof(*nf));
    if(!nf)
      return CTK_E_NOMEM;
    e->free_slots = nf;
    for(i = n; i > e->nslots; i--) {
      e->slots[i - 1] = NULL;
      e->free_slots[e->nfree++] = (uint32_t)(i - 1);
    }
    e->nslots = n;
  }
  *slot = e->free_slots[--e->nfree];
  return CTK_E_OK;
}

static acd_call *acd_call_new(ctk_acd_engine *e, const char *call_id)
{
  acd_call *c;
  uint32_t slot;
  size_t b;

  if(e->ncalls + 1 > e->nbuckets * 2 && acd_rehash(e))
    return NULL;
  if(acd_slot_take(e, &slot))
    return NULL;
  c = calloc(1, sizeof(*c));
  if(!c) {
    e->free_slots[e->nfree++] = slot;
    return NULL;
  }
  c->call_id = strdup(call_id);
  if(!c->call_id) {
    free(c);
    e->free_slots[e->nfree++] = slot;
    return NULL;
  }
  c->slot = slot;
  c->agent = -1;
  e->slots[slot] = c;
  b = acd_hash(call_id) & (e->nbuckets - 1);
  c->hnext = e->buckets[b];
  e->buckets[b] = c;
  e->ncalls++;
  return c;
}

static void acd_call_destroy(ctk_acd_engine *e, acd_call *c)
{
  acd_call **pp = &e->buckets[acd_hash(c->call_id) & (e->nbuckets - 1)];
  while(*pp && *pp != c)
    pp = &(*pp)->hnext;
  if(*pp)
    *pp = c->hnext;
  e->slots[c->slot] = NULL;
  e->free_slots[e->nfree++] = c->slot;
  e->ncalls--;
  if(c->invite)
    osip_message_free(c->invite);
  free(c->final_resp);
  free(c->bye_req);
  free(c->call_id);
  free(c);
}

/* ---------- timers ---------- */

static void acd_heap_swap(acd_timer *h, size_t a, size_t b)
{
  acd_timer t = h[a];
  h[a] = h[b];
  h[b] = t;
}

static void acd_timer_set(ctk_acd_engine *e, acd_call *c, acd_timer_kind kind, uint64_t delay_ms)
{
  acd_timer t;
  size_t i;

  if(e->heap_len == e->heap_cap) {
    size_t n = e->heap_cap ? e->heap_cap * 2 : 1024;
    acd_timer *nh = realloc(e->heap, n * sizeof(*nh));
    if(!nh) {
      CTK_ERR(ACD_MOD, "out of memory for a timer; call %s may hang", c->call_id);
      return;
    }
    e->heap = nh;
    e->heap_cap = n;
  }
  t.due = e->now + delay_ms;
  t.stamp = ++e->next_stamp;
  t.slot = c->slot;
  t.kind = (uint32_t)kind;
  c->stamp[kind] = t.stamp;
  i = e->heap_len++;
  e->heap[i] = t;
  while(i > 0 && e->heap[(i - 1) / 2].due > e->heap[i].due) {
    acd_heap_swap(e->heap, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void acd_timer_cancel(acd_call *c, acd_timer_kind kind)
{
  c->stamp[kind] = 0; /* the heap entry becomes stale */
}

static void acd_heap_pop(ctk_acd_engine *e)
{
  size_t i = 0;
  e->heap[0] = e->heap[--e->heap_len];
  for(;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if(l < e->heap_len && e->heap[l].due < e->heap[m].due)
      m = l;
    if(r < e->heap_len && e->heap[r].due < e->heap[m].due)
      m = r;
    if(m == i)
      break;
    acd_heap_swap(e->heap, i, m);
    i = m;
  }
}

/* ---------- sending ---------- */

static ctk_acd_local acd_local(const ctk_acd_engine *e, const ctk_acd_peer *peer)
{
  ctk_acd_local l;
  l.host = e->local_host;
  l.port = e->cfg.local_port;
  l.tcp = peer->proto == CTK_ACD_TCP;
  return l;
}

static void acd_send(ctk_acd_engine *e, const ctk_acd_peer *to, const char *data, size_t len)
{
  int rc = e->transport.send(e->transport.ctx, to, data, len);
  if(rc)
    CTK_WARN(ACD_MOD, "send failed: %s", ctk_strerror((ctk_code)rc));
}

/* Answer a request once, without keeping the answer. A final answer outside a call gets a
 * tag of its own (to_tag NULL): RFC 3261 8.2.6.2 wants one on every answer but 100. */
static void acd_reply(ctk_acd_engine *e, const osip_message_t *req, const ctk_acd_peer *peer,
                      int status, const char *to_tag)
{
  ctk_acd_local local = acd_local(e, peer);
  char tag[32];
  char *s = NULL;
  size_t len = 0;
  if(!to_tag && status > 100) {
    acd_new_tag(e, tag, sizeof(tag));
    to_tag = tag;
  }
  if(ctk_acd_msg_response(req, status, to_tag, &local, NULL, &s, &len)) {
    CTK_WARN(ACD_MOD, "could not build a %d response", status);
    return;
  }
  acd_send(e, peer, s, len);
  free(s);
}

/* A request libosip2 read although it is not well-formed SIP 2.0: answered 400 (or 505) with
 * the reason in the phrase, an ACK (which gets no answer) dropped. 1 when it was one. */
static int acd_refuse_malformed(ctk_acd_engine *e, const osip_message_t *req, const char *data,
                                size_t len, const ctk_acd_peer *peer)
{
  ctk_acd_local local = acd_local(e, peer);
  int status = 0;
  const char *why = ctk_acd_msg_request_problem(req, data, len, &status);
  char *s = NULL;
  size_t n = 0;

  if(!why)
    return 0;
  CTK_DEBUG(ACD_MOD, "malformed %s refused: %s", req->sip_method, why);
  if(MSG_IS_ACK(req))
    return 1;
  if(ctk_acd_msg_refusal(req, status, why, &local, &s, &n)) {
    CTK_WARN(ACD_MOD, "could not build a %d response", status);
    return 1;
  }
  acd_send(e, peer, s, n);
  free(s);
  return 1;
}

/* The final answer to the call's INVITE: sent, kept for retransmission until ACK. */
static void acd_final(ctk_acd_engine *e, acd_call *c, int status, const char *sdp)
{
  ctk_acd_local local = acd_local(e, &c->peer);
  char *s = NULL;
  size_t len = 0;
  if(ctk_acd_msg_response(c->invite, status, c->to_tag, &local, sdp, &s, &len)) {
    CTK_WARN(ACD_MOD, "could not build a %d response for %s", status, c->call_id);
    return;
  }
  free(c->final_resp);
  c->final_resp = s;
  c->final_len = len;
  acd_send(e, &c->peer, s, len);
  if(c->peer.proto == CTK_ACD_UDP) {
    c->retrans_ms = ACD_T1_MS;
    c->retrans_deadline = e->now + ACD_TIMER_H_MS;
    acd_timer_set(e, c, ACD_T_RETRANS, c->retrans_ms);
  }
}

/* The agent hangs up: our BYE, kept for retransmission until answered. */
static ctk_code acd_build_bye(ctk_acd_engine *e, acd_call *c)
{
  ctk_acd_local local = acd_local(e, &c->peer);
  char branch[64];
  snprintf(branch, sizeof(branch), "ctkacd%lu%s", ++e->bye_seq, c->to_tag);
  free(c->bye_req);
  c->bye_req = NULL;
  return ctk_acd_msg_bye(c->invite, c->to_tag, &local, branch, &c->bye_req, &c->bye_len);
}

/* ---------- events ---------- */

static void acd_emit_ev(ctk_acd_engine *e, acd_call *c, ctk_acd_event_kind kind, const char *cause,
                        int busy_status, int queue_timeout)
{
  ctk_acd_event ev;
  size_t i;

  memset(&ev, 0, sizeof(ev));
  ev.queue_timeout = queue_timeout;
  ev.kind = kind;
  ev.call_id = c->call_id;
  ev.caller = c->caller;
  ev.called = c->called;
  ev.agent = c->agent >= 0 ? e->agents[c->agent].id : "";
  ev.wall_ms = ctk_wall_ms();
  if(c->answered)
    ev.wait_ms = c->wait_ms;
  else if(c->queued)
    ev.wait_ms = (long)(e->now - c->queued_ms);
  if(c->answered && (kind == CTK_ACD_EV_CLEARED))
    ev.talk_ms = (long)(e->now - c->answered_ms);
  ev.cause = cause;
  ev.busy_status = busy_status;
  ev.answered = c->answered;
  ev.agent_hangup = c->agent_hung_up;
  ev.queue_length = e->q_len;
  if(c->answered) {
    ev.recording_url = c->rec_url;
    ev.recording_sha256 = c->rec_sha;
  }
  for(i = 0; i < e->nsinks; i++)
    e->sinks[i].on_event(e->sinks[i].ctx, &ev);
}

static void acd_emit(ctk_acd_engine *e, acd_call *c, ctk_acd_event_kind kind, const char *cause,
                     int busy_status)
{
  acd_emit_ev(e, c, kind, cause, busy_status, 0);
}

/* A synthetic recording: a name, its URL, and the SHA-256 of the name (no audio exists). */
static void acd_recording(ctk_acd_engine *e, acd_call *c)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  char name[96];
  char day[16];

  /* Beijing time names the day */
  ctk_beijing_strftime((time_t)(ctk_wall_ms() / 1000), "%Y%m%d", day, sizeof(day));
  snprintf(name, sizeof(name), "%s-%s-%06lu.wav", day, c->to_tag, e->seq);
  snprintf(c->rec_url, sizeof(c->rec_url), "%s/%s", e->recording_base, name);
  if(!EVP_Digest(name, strlen(name), md, &mdlen, EVP_sha256(), NULL))
    mdlen = 0;
  ctk_hex(md, mdlen < 32 ? mdlen : 32, c->rec_sha);
}

/* ---------- the queue ---------- */

static void acd_linger(ctk_acd_engine *e, acd_call *c)
{
  c->state = ACD_S_DONE;
  /* only the final answer is needed from now on: retransmissions are answered from it, and
   * late requests with their own copy of the headers */
  if(c->invite) {
    osip_message_free(c->invite);
    c->invite = NULL;
  }
  acd_timer_cancel(c, ACD_T_IVR);
  acd_timer_cancel(c, ACD_T_ANSWER);
  acd_timer_cancel(c, ACD_T_TALK);
  acd_timer_cancel(c, ACD_T_QWAIT);
  /* the call outlives its agent's after-call work, which the call's timer ends */
  acd_timer_set(e, c, ACD_T_LINGER,
                c->stamp[ACD_T_WRAP] && e->cfg.linger_ms <= e->cfg.wrap_ms ? e->cfg.wrap_ms + 1u
                                                                             : e->cfg.linger_ms);
}

static void acd_queue_remove(ctk_acd_engine *e, acd_call *c)
{
  if(c->qprev)
    c->qprev->qnext = c->qnext;
  else
    e->q_head = c->qnext;
  if(c->qnext)
    c->qnext->qprev = c->qprev;
  else
    e->q_tail = c->qprev;
  c->qprev = c->qnext = NULL;
  e->q_len--;
}

static void acd_dispatch(ctk_acd_engine *e);

static void acd_agent_release(ctk_acd_engine *e, acd_call *c)
{
  acd_agent *a;
  if(c->agent < 0)
    return;
  a = &e->agents[c->agent];
  if(!a->busy || a->call_slot != c->slot)
    return; /* already released */
  a->busy = 0;
  if(a->logged_in) {
    e->idle[(e->idle_head + e->idle_count) % CTK_ACD_AGENTS_MAX] = (unsigned)c->agent;
    e->idle_count++;
  }
  /* c->agent stays set so the cleared event names the agent */
}

static void acd_answer(ctk_acd_engine *e, acd_call *c)
{
  char sdp[512];
  unsigned talk;

  c->answered = 1;
  c->answered_ms = e->now;
  c->wait_ms = (long)(e->now - c->queued_ms);
  acd_recording(e, c);
  ctk_acd_msg_sdp(e->local_host, c->agent, sdp, sizeof(sdp));
  c->state = ACD_S_ANSWERED;
  acd_final(e, c, 200, sdp);
  acd_emit(e, c, CTK_ACD_EV_ANSWERED, "normal", 0);
  talk = acd_talk_sample(e);
  if(e->cfg.talk.kind != CTK_ACD_TALK_CALLER)
    acd_timer_set(e, c, ACD_T_TALK, talk);
}

static void acd_deliver(ctk_acd_engine *e, acd_call *c, unsigned agent)
{
  c->agent = (int)agent;
  e->agents[agent].busy = 1;
  e->agents[agent].call_slot = c->slot;
  c->state = ACD_S_ALERTING;
  acd_emit(e, c, CTK_ACD_EV_DELIVERED, "newCall", 0);
  if(e->cfg.ring_ms)
    acd_timer_set(e, c, ACD_T_ANSWER, e->cfg.ring_ms);
  else
    acd_answer(e, c);
}

static void acd_dispatch(ctk_acd_engine *e)
{
  while(e->q_head && e->idle_count) {
    acd_call *c = e->q_head;
    unsigned agent = e->idle[e->idle_head];
    e->idle_head = (e->idle_head + 1) % CTK_ACD_AGENTS_MAX;
    e->idle_count--;
    acd_queue_remove(e, c);
    acd_timer_cancel(c, ACD_T_QWAIT);
    acd_deliver(e, c, agent);
  }
}

static void acd_enqueue(ctk_acd_engine *e, acd_call *c)
{
  c->state = ACD_S_QUEUED;
  c->queued = 1;
  c->queued_ms = e->now;
  c->qprev = e->q_tail;
  c->qnext = NULL;
  if(e->q_tail)
    e->q_tail->qnext = c;
  else
    e->q_head = c;
  e->q_tail = c;
  e->q_len++;
  acd_emit(e, c, CTK_ACD_EV_QUEUED, "enteringDistributionDevice", 0);
  if(e->cfg.max_wait_ms)
    acd_timer_set(e, c, ACD_T_QWAIT, e->cfg.max_wait_ms);
  acd_dispatch(e);
}

/* Caller gave up before an agent answered (CANCEL, or a BYE that should have been a CANCEL). */
static void acd_abandon(ctk_acd_engine *e, acd_call *c)
{
  if(c->state == ACD_S_IVR)
    e->ivr_len--;
  else if(c->state == ACD_S_QUEUED)
    acd_queue_remove(e, c);
  acd_final(e, c, 487, NULL);
  acd_emit(e, c, CTK_ACD_EV_ABANDONED, "callCancelled", 0);
  acd_agent_release(e, c);
  acd_linger(e, c);
  acd_dispatch(e);
}

/* The call is over; its agent is free at once, or after the after-call work (wrap_ms). */
static void acd_clear(ctk_acd_engine *e, acd_call *c)
{
  acd_emit(e, c, CTK_ACD_EV_CLEARED, "normalClearing", 0);
  if(e->cfg.wrap_ms && c->agent >= 0) {
    acd_timer_set(e, c, ACD_T_WRAP, e->cfg.wrap_ms);
    return;
  }
  acd_agent_release(e, c);
  acd_dispatch(e);
}

/* ---------- requests ---------- */

static const char *acd_user(const osip_uri_t *uri)
{
  return uri && uri->username ? uri->username : "";
}

static void acd_on_invite(ctk_acd_engine *e, osip_message_t *msg, const ctk_acd_peer *peer,
                          const char *call_id)
{
  acd_call *c = acd_find(e, call_id);
  unsigned waiting;

  if(c) {
    if(!strcmp(c->invite_cseq, msg->cseq->number)) {
      /* retransmission: repeat what we said last, change nothing */
      if(c->final_resp)
        acd_send(e, &c->peer, c->final_resp, c->final_len);
      else
        acd_reply(e, msg, peer, c->state == ACD_S_IVR || c->state == ACD_S_QUEUED ||
                                  c->state == ACD_S_ALERTING ? 180 : 100, c->to_tag);
      return;
    }
    acd_reply(e, msg, peer, 501, c->to_tag); /* re-INVITE: not modelled */
    return;
  }

  {
    osip_generic_param_t *tag = NULL;
    if(!osip_to_get_tag(msg->to, &tag) && tag) {
      acd_reply(e, msg, peer, 481, NULL); /* in-dialog INVITE for a dialog we do not have */
      return;
    }
  }
  c = acd_call_new(e, call_id);
  if(!c) {
    acd_reply(e, msg, peer, 500, NULL);
    return;
  }
  e->seq++;
  c->peer = *peer;
  c->offered_ms = e->now;
  acd_new_tag(e, c->to_tag, sizeof(c->to_tag));
  ctk_strlcpy(c->caller, acd_user(msg->from->url), sizeof(c->caller));
  ctk_strlcpy(c->called, acd_user(msg->req_uri), sizeof(c->called));
  ctk_strlcpy(c->invite_cseq, msg->cseq->number, sizeof(c->invite_cseq));
  if(osip_message_clone(msg, &c->invite)) {
    acd_call_destroy(e, c);
    acd_reply(e, msg, peer, 500, NULL);
    return;
  }
  acd_reply(e, msg, peer, 100, NULL);
  acd_emit(e, c, CTK_ACD_EV_OFFERED, "newCall", 0);

  waiting = e->ivr_len + e->q_len;
  if(waiting >= e->cfg.queue_limit + e->idle_count) {
    c->state = ACD_S_DONE;
    acd_final(e, c, e->cfg.busy_status, NULL);
    acd_emit(e, c, CTK_ACD_EV_CLEARED, e->cfg.busy_status == 503 ? "resourcesNotAvailable" : "busy",
             e->cfg.busy_status);
    acd_linger(e, c);
    return;
  }
  acd_reply(e, msg, peer, 180, c->to_tag);
  if(e->cfg.ivr_ms) {
    c->state = ACD_S_IVR;
    e->ivr_len++;
    acd_timer_set(e, c, ACD_T_IVR, e->cfg.ivr_ms);
  }
  else
    acd_enqueue(e, c);
}

static void acd_on_ack(ctk_acd_engine *e, const char *call_id)
{
  acd_call *c = acd_find(e, call_id);
  if(!c)
    return; /* ACKs are never answered */
  acd_timer_cancel(c, ACD_T_RETRANS);
  if(c->state == ACD_S_ANSWERED)
    c->state = ACD_S_CONFIRMED;
}

static void acd_on_cancel(ctk_acd_engine *e, osip_message_t *msg, const ctk_acd_peer *peer,
                          const char *call_id)
{
  acd_call *c = acd_find(e, call_id);
  if(!c || strcmp(c->invite_cseq, msg->cseq->number)) {
    acd_reply(e, msg, peer, 481, NULL);
    return;
  }
  acd_reply(e, msg, peer, 200, c->to_tag);
  if(c->state == ACD_S_IVR || c->state == ACD_S_QUEUED || c->state == ACD_S_ALERTING)
    acd_abandon(e, c);
  /* otherwise the INVITE already has its final answer; CANCEL changes nothing */
}

static void acd_on_bye(ctk_acd_engine *e, osip_message_t *msg, const ctk_acd_peer *peer,
                       const char *call_id)
{
  acd_call *c = acd_find(e, call_id);
  if(!c) {
    acd_reply(e, msg, peer, 481, NULL);
    return;
  }
  acd_reply(e, msg, peer, 200, c->to_tag);
  switch(c->state) {
  case ACD_S_IVR:
  case ACD_S_QUEUED:
  case ACD_S_ALERTING:
    acd_abandon(e, c);
    break;
  case ACD_S_ANSWERED:
  case ACD_S_CONFIRMED:
    acd_timer_cancel(c, ACD_T_RETRANS);
    acd_clear(e, c);
    acd_linger(e, c);
    break;
  case ACD_S_BYE_SENT: /* both hung up at once; the call is already cleared */
    acd_timer_cancel(c, ACD_T_BYE);
    acd_linger(e, c);
    break;
  case ACD_S_DONE:
  default:
    break; /* retransmitted BYE: answered again above, nothing else */
  }
}

static void acd_on_response(ctk_acd_engine *e, osip_message_t *msg, const char *call_id)
{
  acd_call *c = acd_find(e, call_id);
  if(!c || !msg->cseq->method || strcmp(msg->cseq->method, "BYE"))
    return;
  if(c->state == ACD_S_BYE_SENT && msg->status_code >= 200) {
    acd_timer_cancel(c, ACD_T_BYE);
    acd_linger(e, c);
  }
}

/* The option tags req requires (every Require header, comma lists joined) into out; 0 when
 * it requires none. The queue machine supports no SIP extension (no 100rel, no timer), and
 * RFC 3261 8.2.2.3 says a UAS must then refuse with 420 naming them in Unsupported, rather
 * than go on as if it did (a caller with Require: 100rel waits for reliable provisionals). */
static int acd_required_options(const osip_message_t *req, char *out, size_t size)
{
  osip_header_t *h = NULL;
  size_t used = 0;
  int pos = 0;

  out[0] = '\0';
  /* ACK and CANCEL must be taken whatever they carry (RFC 3261 8.2.2.3) */
  if(MSG_IS_ACK(req) || MSG_IS_CANCEL(req))
    return 0;
  for(pos = osip_message_header_get_byname(req, "require", 0, &h); pos >= 0 && h;
      pos = osip_message_header_get_byname(req, "require", pos + 1, &h)) {
    if(!h->hvalue || !h->hvalue[strspn(h->hvalue, " \t,")])
      continue;
    if(used + 2 < size) {
      int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", h->hvalue);
      if(n > 0)                /* a list too long for out is cut, still naming some */
        used += (size_t)n < size - used ? (size_t)n : size - used - 1;
    }
  }
  return out[0] != '\0';
}

static void acd_bad_extension(ctk_acd_engine *e, const osip_message_t *req,
                              const ctk_acd_peer *peer, const char *unsupported)
{
  ctk_acd_local local = acd_local(e, peer);
  char tag[32];
  char *s = NULL;
  size_t len = 0;

  acd_new_tag(e, tag, sizeof(tag));
  if(ctk_acd_msg_bad_extension(req, tag, &local, unsupported, &s, &len)) {
    CTK_WARN(ACD_MOD, "could not build a 420 response");
    return;
  }
  acd_send(e, peer, s, len);
  free(s);
}

ctk_code ctk_acd_engine_input(ctk_acd_engine *e, const char *data, size_t len,
                              const ctk_acd_peer *from, uint64_t now_ms)
{
  char required[256];
  osip_message_t *msg = NULL;
  char *call_id = NULL;

  e->now = now_ms;
  if(osip_message_init(&msg))
    return CTK_E_NOMEM;
  if(osip_message_parse(msg, data, len) != 0 || !msg->call_id || !msg->cseq || !msg->from ||
     !msg->to || !msg->cseq->number || osip_list_size(&msg->vias) < 1 ||
     osip_call_id_to_str(msg->call_id, &call_id) != 0) {
    osip_message_free(msg);
    CTK_DEBUG(ACD_MOD, "unreadable SIP message of %zu bytes dropped", len);
    return CTK_E_PARSE;
  }
  if(MSG_IS_RESPONSE(msg))
    acd_on_response(e, msg, call_id);
  else if(!msg->sip_method)
    ; /* osip accepted it but it has no method: nothing to do */
  else if(acd_refuse_malformed(e, msg, data, len, from))
    ; /* answered 400 or 505 with the reason */
  else if(acd_required_options(msg, required, sizeof(required)))
    acd_bad_extension(e, msg, from, required);
  else if(MSG_IS_INVITE(msg))
    acd_on_invite(e, msg, from, call_id);
  else if(MSG_IS_ACK(msg))
    acd_on_ack(e, call_id);
  else if(MSG_IS_CANCEL(msg))
    acd_on_cancel(e, msg, from, call_id);
  else if(MSG_IS_BYE(msg))
    acd_on_bye(e, msg, from, call_id);
  else if(MSG_IS_OPTIONS(msg))
    acd_reply(e, msg, from, 200, NULL);
  else
    acd_reply(e, msg, from, 501, NULL);
  osip_free(call_id);
  osip_message_free(msg);
  return CTK_E_OK;
}

/* ---------- timers firing ---------- */

static void acd_fire(ctk_acd_engine *e, acd_call *c, acd_timer_kind kind)
{
  switch(kind) {
  case ACD_T_IVR:
    if(c->state == ACD_S_IVR) {
      e->ivr_len--;
      acd_enqueue(e, c);
    }
    break;
  case ACD_T_ANSWER:
    if(c->state == ACD_S_ALERTING)
      acd_answer(e, c);
    break;
  case ACD_T_RETRANS:
    if(e->now >= c->retrans_deadline) {
      if(c->state == ACD_S_ANSWERED) { /* no ACK ever came: give the agent back */
        CTK_WARN(ACD_MOD, "no ACK for call %s; clearing it", c->call_id);
        acd_clear(e, c);
        acd_linger(e, c);
      }
      break;
    }
    acd_send(e, &c->peer, c->final_resp, c->final_len);
    c->retrans_ms = c->retrans_ms * 2 > ACD_T2_MS ? ACD_T2_MS : c->retrans_ms * 2;
    acd_timer_set(e, c, ACD_T_RETRANS, c->retrans_ms);
    break;
  case ACD_T_TALK:
    if(c->state != ACD_S_ANSWERED && c->state != ACD_S_CONFIRMED)
      break;
    acd_timer_cancel(c, ACD_T_RETRANS);
    c->agent_hung_up = 1;
    if(acd_build_bye(e, c)) {
      CTK_WARN(ACD_MOD, "could not build BYE for %s", c->call_id);
      acd_clear(e, c);
      acd_linger(e, c);
      break;
    }
    c->state = ACD_S_BYE_SENT;
    acd_send(e, &c->peer, c->bye_req, c->bye_len);
    acd_clear(e, c);
    if(c->peer.proto == CTK_ACD_UDP) {
      c->bye_retrans_ms = ACD_T1_MS;
      c->bye_deadline = e->now + ACD_TIMER_H_MS;
      acd_timer_set(e, c, ACD_T_BYE, c->bye_retrans_ms);
    }
    else
      acd_timer_set(e, c, ACD_T_BYE, ACD_TIMER_H_MS);
    break;
  case ACD_T_BYE:
    if(c->state != ACD_S_BYE_SENT)
      break;
    if(e->now >= c->bye_deadline || c->peer.proto == CTK_ACD_TCP) {
      acd_linger(e, c);
      break;
    }
    acd_send(e, &c->peer, c->bye_req, c->bye_len);
    c->bye_retrans_ms = c->bye_retrans_ms * 2 > ACD_T2_MS ? ACD_T2_MS : c->bye_retrans_ms * 2;
    acd_timer_set(e, c, ACD_T_BYE, c->bye_retrans_ms);
    break;
  case ACD_T_LINGER:
    if(c->stamp[ACD_T_WRAP]) { /* never leave an agent held by a forgotten call */
      acd_agent_release(e, c);
      acd_dispatch(e);
    }
    acd_call_destroy(e, c);
    break;
  case ACD_T_WRAP:
    acd_agent_release(e, c);
    acd_dispatch(e);
    break;
  case ACD_T_QWAIT:
    if(c->state != ACD_S_QUEUED)
      break;
    acd_queue_remove(e, c);
    acd_final(e, c, 480, NULL);
    acd_emit_ev(e, c, CTK_ACD_EV_CLEARED, "timeout", 0, 1);
    acd_linger(e, c);
    break;
  case ACD_T__COUNT:
  default:
    break;
  }
}

long ctk_acd_engine_tick(ctk_acd_engine *e, uint64_t now_ms)
{
  e->now = now_ms;
  while(e->heap_len) {
    acd_timer t = e->heap[0];
    acd_call *c;
    if(t.due > now_ms)
      return (long)(t.due - now_ms);
    acd_heap_pop(e);
    c = t.slot < e->nslots ? e->slots[t.slot] : NULL;
    if(!c || c->stamp[t.kind] != t.stamp)
      continue; /* cancelled, re-armed, or the call is gone */
    c->stamp[t.kind] = 0;
    acd_fire(e, c, (acd_timer_kind)t.kind);
  }
  return -1;
}

/* ---------- life cycle ---------- */

ctk_code ctk_acd_engine_new(const ctk_acd_config *cfg, const ctk_acd_transport *transport,
                            ctk_acd_engine **out)
{
  ctk_acd_engine *e;
  unsigned i;

  *out = NULL;
  if(!cfg || !transport || !transport->send)
    return CTK_E_INVAL;
  if(cfg->agents > CTK_ACD_AGENTS_MAX || cfg->queue_limit > 1000000 ||
     (cfg->busy_status != 486 && cfg->busy_status != 503))
    return CTK_E_INVAL;
  ctk_acd_msg_init();
  e = calloc(1, sizeof(*e));
  if(!e)
    return CTK_E_NOMEM;
  e->cfg = *cfg;
  e->transport = *transport;
  if(ctk_strlcpy(e->recording_base, cfg->recording_base ? cfg->recording_base : "", sizeof(e->recording_base)) ||
     ctk_strlcpy(e->local_host, cfg->local_host ? cfg->local_host : "127.0.0.1", sizeof(e->local_host))) {
    free(e);
    return CTK_E_TOOBIG;
  }
  e->nbuckets = 1024;
  e->buckets = calloc(e->nbuckets, sizeof(*e->buckets));
  e->agents = calloc(CTK_ACD_AGENTS_MAX, sizeof(*e->agents));
  e->idle = calloc(CTK_ACD_AGENTS_MAX, sizeof(*e->idle));
  if(!e->buckets || !e->agents || !e->idle) {
    ctk_acd_engine_free(e);
    return CTK_E_NOMEM;
  }
  for(i = 0; i < CTK_ACD_AGENTS_MAX; i++)
    snprintf(e->agents[i].id, sizeof(e->agents[i].id), "A%02u", i + 1);
  for(i = 0; i < cfg->agents; i++) {
    e->agents[i].logged_in = 1;
    e->idle[i] = i;
  }
  e->idle_count = cfg->agents;
  e->rng = cfg->seed ? cfg->seed : 0x9e3779b97f4a7c15ull;
  *out = e;
  return CTK_E_OK;
}

void ctk_acd_engine_free(ctk_acd_engine *e)
{
  size_t i;
  if(!e)
    return;
  for(i = 0; i < e->nslots; i++) {
    if(e->slots[i])
      acd_call_destroy(e, e->slots[i]);
  }
  free(e->slots);
  free(e->free_slots);
  free(e->buckets);
  free(e->heap);
  free(e->agents);
  free(e->idle);
  free(e);
}

ctk_code ctk_acd_engine_add_sink(ctk_acd_engine *e, const ctk_acd_sink *sink)
{
  if(!sink || !sink->on_event)
    return CTK_E_INVAL;
  if(e->nsinks >= ACD_MAX_SINKS)
    return CTK_E_TOOBIG;
  e->sinks[e->nsinks++] = *sink;
  return CTK_E_OK;
}

/* Logs agents in or out so that exactly the first n are logged in. */
static void acd_set_agents(ctk_acd_engine *e, unsigned n)
{
  unsigned i, kept = 0;
  for(i = 0; i < CTK_ACD_AGENTS_MAX; i++) {
    acd_agent *a = &e->agents[i];
    int want = i < n;
    if(want && !a->logged_in) {
      a->logged_in = 1;
      if(!a->busy) {
        e->idle[(e->idle_head + e->idle_count) % CTK_ACD_AGENTS_MAX] = i;
        e->idle_count++;
      }
    }
    else if(!want)
      a->logged_in = 0;
  }
  /* drop logged-out agents from the idle ring, keeping the order of the others */
  for(i = 0; i < e->idle_count; i++) {
    unsigned agent = e->idle[(e->idle_head + i) % CTK_ACD_AGENTS_MAX];
    if(e->agents[agent].logged_in)
      e->idle[(e->idle_head + kept++) % CTK_ACD_AGENTS_MAX] = agent;
  }
  e->idle_count = kept;
  e->cfg.agents = n;
}

ctk_code ctk_acd_engine_reconfigure(ctk_acd_engine *e, const ctk_acd_config *cfg)
{
  if(cfg->agents > CTK_ACD_AGENTS_MAX || cfg->queue_limit > 1000000 ||
     (cfg->busy_status != 486 && cfg->busy_status != 503))
    return CTK_E_INVAL;
  if(cfg->talk.kind == CTK_ACD_TALK_UNIFORM && cfg->talk.b_ms < cfg->talk.a_ms)
    return CTK_E_INVAL;
  if(cfg->talk.kind == CTK_ACD_TALK_EXP && !cfg->talk.a_ms)
    return CTK_E_INVAL;
  e->cfg.queue_limit = cfg->queue_limit;
  e->cfg.busy_status = cfg->busy_status;
  e->cfg.ivr_ms = cfg->ivr_ms;
  e->cfg.ring_ms = cfg->ring_ms;
  e->cfg.wrap_ms = cfg->wrap_ms;
  e->cfg.max_wait_ms = cfg->max_wait_ms;
  e->cfg.talk = cfg->talk;
  if(cfg->agents != e->cfg.agents)
    acd_set_agents(e, cfg->agents);
  acd_dispatch(e);
  return CTK_E_OK;
}

void ctk_acd_engine_config(const ctk_acd_engine *e, ctk_acd_config *out)
{
  *out = e->cfg;
  out->recording_base = e->recording_base;
  out->local_host = e->local_host;
}

size_t ctk_acd_engine_calls(const ctk_acd_engine *e)
{
  return e->ncalls;
}

unsigned ctk_acd_engine_idle_agents(const ctk_acd_engine *e)
{
  return e->idle_count;
}
