/* test_acd: the queue machine's UAS state machine without sockets (SIP text in, libosip2 checks
 * what comes out), its CSTA and webhook formats, TCP framing, and the SIPp wrapper's parsers;
 * and the CTI hub's pollfds on loopback listeners, here and not in acd_net because this suite
 * runs first and fast: a hub that polls the wrong slots must fail at once, not as a time-out of
 * every networked test after it. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <json-c/json.h>
#include <osipparser2/osip_parser.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acd/ctk_acd_ami.h"
#include "acd/ctk_acd_control.h"
#include "acd/ctk_acd_csta.h"
#include "acd/ctk_acd_cti.h"
#include "acd/ctk_acd_esl.h"
#include "acd/ctk_acd_engine.h"
#include "acd/ctk_acd_sip.h"
#include "acd/ctk_acd_stats.h"
#include "acd/ctk_acd_webhook.h"
#include "acd_testlib.h"
#include "ctk_proc.h"
#include "ctk_test.h"
#include "ctk_test_wire.h"
#include "load/ctk_load.h"

#define CAP_MAX 64

/* What the engine sent and emitted, for the assertions. */
typedef struct capture {
  char *sent[CAP_MAX];
  size_t nsent;
  ctk_acd_event_kind kinds[CAP_MAX];
  char agents[CAP_MAX][16];
  long waits[CAP_MAX];
  long talks[CAP_MAX];
  int busy[CAP_MAX];
  int has_rec[CAP_MAX];
  size_t nev;
} capture;

static int cap_send(void *ctx, const ctk_acd_peer *to, const char *data, size_t len)
{
  capture *c = ctx;
  (void)to;
  if(c->nsent < CAP_MAX)
    c->sent[c->nsent++] = strndup(data, len);
  return 0;
}

static void cap_event(void *ctx, const ctk_acd_event *ev)
{
  capture *c = ctx;
  if(c->nev >= CAP_MAX)
    return;
  c->kinds[c->nev] = ev->kind;
  snprintf(c->agents[c->nev], sizeof(c->agents[0]), "%s", ev->agent);
  c->waits[c->nev] = ev->wait_ms;
  c->talks[c->nev] = ev->talk_ms;
  c->busy[c->nev] = ev->busy_status;
  c->has_rec[c->nev] = ev->recording_url != NULL;
  c->nev++;
}

static void cap_reset(capture *c)
{
  size_t i;
  for(i = 0; i < c->nsent; i++)
    free(c->sent[i]);
  memset(c, 0, sizeof(*c));
}

/* Status code of sent message i (0 for a request), parsed by libosip2; -1 if unparseable. */
static int cap_status(const capture *c, size_t i, char *method, size_t msize)
{
  osip_message_t *m = NULL;
  int status;
  if(i >= c->nsent || osip_message_init(&m))
    return -1;
  if(osip_message_parse(m, c->sent[i], strlen(c->sent[i])) != 0) {
    osip_message_free(m);
    return -1;
  }
  status = m->status_code;
  if(method)
    snprintf(method, msize, "%s", m->sip_method ? m->sip_method : "");
  osip_message_free(m);
  return status;
}

static ctk_acd_engine *new_engine(capture *cap, unsigned agents, unsigned queue_limit,
                                  void (*tweak)(ctk_acd_config *))
{
  ctk_acd_config cfg;
  ctk_acd_transport tr;
  ctk_acd_sink sink;
  ctk_acd_engine *e = NULL;

  ctk_acd_config_defaults(&cfg);
  cfg.agents = agents;
  cfg.queue_limit = queue_limit;
  cfg.linger_ms = 1000;
  if(tweak)
    tweak(&cfg);
  tr.send = cap_send;
  tr.ctx = cap;
  if(ctk_acd_engine_new(&cfg, &tr, &e))
    return NULL;
  sink.on_event = cap_event;
  sink.ctx = cap;
  ctk_acd_engine_add_sink(e, &sink);
  return e;
}

static const ctk_acd_peer *udp_peer(void)
{
  static ctk_acd_peer p;
  p.proto = CTK_ACD_UDP;
  p.addrlen = 0;
  return &p;
}

static ctk_code feed(ctk_acd_engine *e, const char *method, const char *call_id, int cseq,
                     const char *cseq_method, const char *to_tag, uint64_t now)
{
  char msg[1024];
  snprintf(msg, sizeof(msg),
           "%s sip:12328@127.0.0.1:5060 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK%s%d\r\n"
           "From: <sip:13800000000@127.0.0.1:5999>;tag=caller-%s\r\n"
           "To: <sip:12328@127.0.0.1:5060>%s%s\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %d %s\r\n"
           "Contact: <sip:13800000000@127.0.0.1:5999>\r\n"
           "Max-Forwards: 70\r\n"
           "Content-Length: 0\r\n\r\n",
           method, call_id, cseq, call_id, to_tag ? ";tag=" : "", to_tag ? to_tag : "", call_id,
           cseq, cseq_method ? cseq_method : method);
  return ctk_acd_engine_input(e, msg, strlen(msg), udp_peer(), now);
}

/* The To tag the engine put on sent message i. */
static void cap_to_tag(const capture *c, size_t i, char *out, size_t size)
{
  osip_message_t *m = NULL;
  osip_generic_param_t *tag = NULL;
  out[0] = '\0';
  if(osip_message_init(&m))
    return;
  if(!osip_message_parse(m, c->sent[i], strlen(c->sent[i])) && m->to &&
     !osip_to_get_tag(m->to, &tag) && tag && tag->gvalue)
    snprintf(out, size, "%s", tag->gvalue);
  osip_message_free(m);
}

/* INVITE call_id at now, answered at once (an agent is idle), and its ACK 10 ms later: a call
 * in talk. Its To tag into tag. */
static void answered_call(ctk_acd_engine *e, const capture *cap, const char *call_id,
                          uint64_t now, char *tag, size_t tag_size)
{
  feed(e, "INVITE", call_id, 1, NULL, NULL, now);
  CU_ASSERT_FATAL(cap->nsent > 0);
  cap_to_tag(cap, cap->nsent - 1, tag, tag_size);
  feed(e, "ACK", call_id, 1, NULL, tag, now + 10);
}

static void test_acd_call_answered_and_cleared(void)
{
  capture cap;
  ctk_acd_engine *e;
  char tag[64];
  char method[16];

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 2, 5, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_EQUAL(feed(e, "INVITE", "c1@test", 1, NULL, NULL, 1000), CTK_E_OK);
  CU_ASSERT_EQUAL(cap.nsent, 3);
  CU_ASSERT_EQUAL(cap_status(&cap, 0, NULL, 0), 100);
  CU_ASSERT_EQUAL(cap_status(&cap, 1, NULL, 0), 180);
  CU_ASSERT_EQUAL(cap_status(&cap, 2, NULL, 0), 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[2], "application/sdp"));
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[2], "m=audio "));
  cap_to_tag(&cap, 2, tag, sizeof(tag));
  CU_ASSERT(tag[0] != '\0');
  CU_ASSERT_EQUAL(cap.nev, 4);
  CU_ASSERT_EQUAL(cap.kinds[0], CTK_ACD_EV_OFFERED);
  CU_ASSERT_EQUAL(cap.kinds[1], CTK_ACD_EV_QUEUED);
  CU_ASSERT_EQUAL(cap.kinds[2], CTK_ACD_EV_DELIVERED);
  CU_ASSERT_EQUAL(cap.kinds[3], CTK_ACD_EV_ANSWERED);
  CU_ASSERT_STRING_EQUAL(cap.agents[3], "A01");
  CU_ASSERT(cap.has_rec[3]);
  CU_ASSERT_EQUAL(ctk_acd_engine_idle_agents(e), 1);

  /* a retransmitted INVITE gets the same 200 again, and nothing else happens */
  CU_ASSERT_EQUAL(feed(e, "INVITE", "c1@test", 1, NULL, NULL, 1100), CTK_E_OK);
  CU_ASSERT_EQUAL(cap.nsent, 4);
  CU_ASSERT_STRING_EQUAL(cap.sent[3], cap.sent[2]);
  CU_ASSERT_EQUAL(cap.nev, 4);

  CU_ASSERT_EQUAL(feed(e, "ACK", "c1@test", 1, NULL, tag, 1200), CTK_E_OK);
  CU_ASSERT_EQUAL(cap.nsent, 4); /* ACK is never answered */
  /* no 200 retransmission after the ACK */
  CU_ASSERT_EQUAL(ctk_acd_engine_tick(e, 5000) > 0, 0);
  CU_ASSERT_EQUAL(cap.nsent, 4);

  CU_ASSERT_EQUAL(feed(e, "BYE", "c1@test", 2, NULL, tag, 6000), CTK_E_OK);
  CU_ASSERT_EQUAL(cap.nsent, 5);
  CU_ASSERT_EQUAL(cap_status(&cap, 4, method, sizeof(method)), 200);
  CU_ASSERT_EQUAL(cap.nev, 5);
  CU_ASSERT_EQUAL(cap.kinds[4], CTK_ACD_EV_CLEARED);
  /* answered at 1000 on arrival (no wait), cleared by the BYE at 6000 */
  CU_ASSERT_EQUAL(cap.waits[4], 0);
  CU_ASSERT_EQUAL(cap.talks[4], 5000);
  CU_ASSERT_EQUAL(cap.talks[3], 0);            /* talk time only on the cleared event */
  CU_ASSERT_EQUAL(ctk_acd_engine_idle_agents(e), 2);
  /* a retransmitted BYE is answered again, without a second cleared event */
  CU_ASSERT_EQUAL(feed(e, "BYE", "c1@test", 2, NULL, tag, 6100), CTK_E_OK);
  CU_ASSERT_EQUAL(cap_status(&cap, 5, NULL, 0), 200);
  CU_ASSERT_EQUAL(cap.nev, 5);
  /* after the linger time the call is forgotten; a late BYE gets 481 */
  ctk_acd_engine_tick(e, 8000);
  CU_ASSERT_EQUAL(ctk_acd_engine_calls(e), 0);
  CU_ASSERT_EQUAL(feed(e, "BYE", "c1@test", 2, NULL, tag, 8100), CTK_E_OK);
  CU_ASSERT_EQUAL(cap_status(&cap, 6, NULL, 0), 481);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

/* RFC 3261 8.2.2.3: an INVITE requiring an extension we do not support (100rel) gets 420 Bad
 * Extension naming it in Unsupported, with a To-tag (8.2.6.2), and no call starts. Issue 18,
 * point 9: it was answered 200. */
static void test_acd_require_100rel_is_420(void)
{
  static const char invite[] =
    "INVITE sip:12328@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKrel1\r\n"
    "From: <sip:13800000000@127.0.0.1:5999>;tag=caller-rel\r\n"
    "To: <sip:12328@127.0.0.1:5060>\r\n"
    "Call-ID: rel@test\r\n"
    "CSeq: 1 INVITE\r\n"
    "Require: 100rel\r\n"
    "Require: timer\r\n"
    "Contact: <sip:13800000000@127.0.0.1:5999>\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Length: 0\r\n\r\n";
  capture cap;
  ctk_acd_engine *e;
  char v[128];

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 2, 5, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_EQUAL(ctk_acd_engine_input(e, invite, strlen(invite), udp_peer(), 0), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 1);
  CU_ASSERT_EQUAL(cap_status(&cap, 0, NULL, 0), 420);
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[0], "\r\nUnsupported: 100rel, timer\r\n"));
  cap_to_tag(&cap, 0, v, sizeof(v));
  CU_ASSERT(v[0] != '\0');
  CU_ASSERT_EQUAL(cap.nev, 0);                 /* no call was offered */
  CU_ASSERT_EQUAL(ctk_acd_engine_calls(e), 0);
  /* Supported: 100rel (the caller could do without) is no reason to refuse */
  CU_ASSERT_EQUAL(feed(e, "INVITE", "plain@test", 1, NULL, NULL, 10), CTK_E_OK);
  CU_ASSERT_EQUAL(cap_status(&cap, cap.nsent - 1, NULL, 0), 200);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

/* RFC 3261 19.3: tags are cryptographically random (at least 32 bits): two machines with
 * the same seed must not hand out the same tag to their first call. Issue 18, point 9: call
 * 1 of every run was tagged acd17c15. */
static void test_acd_tags_are_random(void)
{
  capture cap1, cap2;
  ctk_acd_engine *e1, *e2;
  char t1[64], t2[64], t3[64];

  memset(&cap1, 0, sizeof(cap1));
  memset(&cap2, 0, sizeof(cap2));
  e1 = new_engine(&cap1, 2, 5, NULL);
  e2 = new_engine(&cap2, 2, 5, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e2);
  feed(e1, "INVITE", "first@test", 1, NULL, NULL, 0);
  feed(e2, "INVITE", "first@test", 1, NULL, NULL, 0);
  feed(e1, "INVITE", "second@test", 1, NULL, NULL, 0);
  cap_to_tag(&cap1, 2, t1, sizeof(t1));
  cap_to_tag(&cap2, 2, t2, sizeof(t2));
  cap_to_tag(&cap1, 5, t3, sizeof(t3));
  CU_ASSERT(strlen(t1) >= 8 + 3);              /* 32 bits at least, as hex, after "acd" */
  CU_ASSERT_STRING_NOT_EQUAL(t1, t2);
  CU_ASSERT_STRING_NOT_EQUAL(t1, t3);
  ctk_acd_engine_free(e1);
  ctk_acd_engine_free(e2);
  cap_reset(&cap1);
  cap_reset(&cap2);
}

/* RFC 3261 20.5 and 8.2.1: a method the queue machine does not implement gets 501 with the
 * methods it does in Allow (issue 18, point 9); OPTIONS lists the same. */
static void test_acd_501_names_allowed_methods(void)
{
  capture cap;
  ctk_acd_engine *e;
  char v[128];

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 2, 5, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  feed(e, "SUBSCRIBE", "sub@test", 1, NULL, NULL, 0);
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 1);
  CU_ASSERT_EQUAL(cap_status(&cap, 0, NULL, 0), 501);
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[0], "\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"));
  cap_to_tag(&cap, 0, v, sizeof(v));
  CU_ASSERT(v[0] != '\0');                     /* RFC 3261 8.2.6.2 */
  feed(e, "OPTIONS", "opt@test", 1, NULL, NULL, 0);
  CU_ASSERT_EQUAL(cap_status(&cap, 1, NULL, 0), 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[1], "\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"));
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void test_acd_queue_then_cancel(void)
{
  capture cap;
  ctk_acd_engine *e;
  ctk_acd_stats st;
  ctk_acd_sink sink;
  char tag[64];

  memset(&cap, 0, sizeof(cap));
  ctk_acd_stats_init(&st);
  e = new_engine(&cap, 1, 5, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  sink.on_event = ctk_acd_stats_on_event;
  sink.ctx = &st;
  ctk_acd_engine_add_sink(e, &sink);
  feed(e, "INVITE", "a@test", 1, NULL, NULL, 0);            /* takes the only agent */
  cap_to_tag(&cap, 2, tag, sizeof(tag));
  feed(e, "ACK", "a@test", 1, NULL, tag, 10);
  feed(e, "INVITE", "b@test", 7, NULL, NULL, 100);          /* waits */
  CU_ASSERT_EQUAL(cap.nsent, 5);
  CU_ASSERT_EQUAL(cap_status(&cap, 3, NULL, 0), 100);
  CU_ASSERT_EQUAL(cap_status(&cap, 4, NULL, 0), 180);
  CU_ASSERT_EQUAL(st.queue_now, 1);
  CU_ASSERT_EQUAL(feed(e, "CANCEL", "b@test", 7, NULL, NULL, 3100), CTK_E_OK);
  CU_ASSERT_EQUAL(cap.nsent, 7);
  CU_ASSERT_EQUAL(cap_status(&cap, 5, NULL, 0), 200);       /* for the CANCEL */
  CU_ASSERT_EQUAL(cap_status(&cap, 6, NULL, 0), 487);       /* for the INVITE */
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[6], "INVITE"));    /* CSeq: 7 INVITE */
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_ABANDONED);
  CU_ASSERT_EQUAL(cap.waits[cap.nev - 1], 3000);
  /* 487 over UDP is retransmitted until ACK */
  ctk_acd_engine_tick(e, 3600);
  CU_ASSERT_EQUAL(cap.nsent, 8);
  CU_ASSERT_EQUAL(cap_status(&cap, 7, NULL, 0), 487);
  feed(e, "ACK", "b@test", 7, NULL, NULL, 3700);
  ctk_acd_engine_tick(e, 4700);
  CU_ASSERT_EQUAL(cap.nsent, 8);
  /* CANCEL for an unknown call */
  feed(e, "CANCEL", "nobody@test", 1, NULL, NULL, 4800);
  CU_ASSERT_EQUAL(cap_status(&cap, 8, NULL, 0), 481);
  CU_ASSERT_EQUAL(st.offered, 2);
  CU_ASSERT_EQUAL(st.answered, 1);
  CU_ASSERT_EQUAL(st.abandoned, 1);
  CU_ASSERT_EQUAL(st.queue_max, 1);
  CU_ASSERT_EQUAL(st.queue_now, 0);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void tweak_ivr(ctk_acd_config *cfg)
{
  cfg->ivr_ms = 1000;
  cfg->ring_ms = 500;
}

static void test_acd_ivr_ring_and_next_in_queue(void)
{
  capture cap;
  ctk_acd_engine *e;
  char tag[64];

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 5, tweak_ivr);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  feed(e, "INVITE", "x@test", 1, NULL, NULL, 0);
  feed(e, "INVITE", "y@test", 1, NULL, NULL, 100);
  CU_ASSERT_EQUAL(cap.nev, 2); /* two offered, both in the IVR */
  CU_ASSERT_EQUAL(ctk_acd_engine_tick(e, 999), 1);
  CU_ASSERT_EQUAL(cap.nev, 2);
  ctk_acd_engine_tick(e, 1000); /* x joins the queue and rings at A01 */
  CU_ASSERT_EQUAL(cap.nev, 4);
  CU_ASSERT_EQUAL(cap.kinds[3], CTK_ACD_EV_DELIVERED);
  ctk_acd_engine_tick(e, 1100); /* y joins the queue, waits */
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_QUEUED);
  ctk_acd_engine_tick(e, 1500); /* x answered */
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_ANSWERED);
  CU_ASSERT_EQUAL(cap_status(&cap, cap.nsent - 1, NULL, 0), 200);
  cap_to_tag(&cap, cap.nsent - 1, tag, sizeof(tag));
  /* no ACK: the 200 is retransmitted after T1 */
  ctk_acd_engine_tick(e, 2000);
  CU_ASSERT_EQUAL(cap_status(&cap, cap.nsent - 1, NULL, 0), 200);
  feed(e, "ACK", "x@test", 1, NULL, tag, 2100);
  feed(e, "BYE", "x@test", 2, NULL, tag, 4000);
  /* x cleared; y is delivered to the freed agent with a wait of 4000-1100 so far */
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 2], CTK_ACD_EV_CLEARED);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_DELIVERED);
  CU_ASSERT_EQUAL(cap.waits[cap.nev - 1], 2900);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void tweak_503(ctk_acd_config *cfg)
{
  cfg->busy_status = 503;
}

static void test_acd_queue_full_is_busy(void)
{
  capture cap;
  ctk_acd_engine *e;

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 0, 1, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  feed(e, "INVITE", "q1@test", 1, NULL, NULL, 0);  /* waits: one place in the queue */
  feed(e, "INVITE", "q2@test", 1, NULL, NULL, 10); /* no place left */
  CU_ASSERT_EQUAL(cap.nsent, 4);
  CU_ASSERT_EQUAL(cap_status(&cap, 3, NULL, 0), 486);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_CLEARED);
  CU_ASSERT_EQUAL(cap.busy[cap.nev - 1], 486);
  ctk_acd_engine_free(e);
  cap_reset(&cap);

  e = new_engine(&cap, 0, 0, tweak_503);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  feed(e, "INVITE", "q3@test", 1, NULL, NULL, 0);
  CU_ASSERT_EQUAL(cap_status(&cap, 1, NULL, 0), 503);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void tweak_wrap(ctk_acd_config *cfg)
{
  cfg->wrap_ms = 1000;
  cfg->linger_ms = 500; /* shorter than the wrap: the agent must still come back */
}

static void test_acd_after_call_work(void)
{
  capture cap;
  ctk_acd_engine *e;
  char tag[64];

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 5, tweak_wrap);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  answered_call(e, &cap, "wa@test", 0, tag, sizeof(tag));
  feed(e, "BYE", "wa@test", 2, NULL, tag, 100);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_CLEARED);
  CU_ASSERT_EQUAL(ctk_acd_engine_idle_agents(e), 0); /* A01 is writing up the call */
  feed(e, "INVITE", "wb@test", 1, NULL, NULL, 200);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_QUEUED);
  ctk_acd_engine_tick(e, 1099);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_QUEUED);
  ctk_acd_engine_tick(e, 1100);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_ANSWERED);
  CU_ASSERT_EQUAL(cap.waits[cap.nev - 1], 900);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void tweak_max_wait(ctk_acd_config *cfg)
{
  cfg->max_wait_ms = 3000;
}

static void test_acd_queue_wait_limit(void)
{
  capture cap;
  ctk_acd_engine *e;
  ctk_acd_stats st;
  ctk_acd_sink sink;

  memset(&cap, 0, sizeof(cap));
  ctk_acd_stats_init(&st);
  e = new_engine(&cap, 0, 5, tweak_max_wait);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  sink.on_event = ctk_acd_stats_on_event;
  sink.ctx = &st;
  ctk_acd_engine_add_sink(e, &sink);
  feed(e, "INVITE", "w@test", 1, NULL, NULL, 0);
  CU_ASSERT_EQUAL(ctk_acd_engine_tick(e, 2999), 1);
  CU_ASSERT_EQUAL(cap.nsent, 2);
  ctk_acd_engine_tick(e, 3000);
  CU_ASSERT_EQUAL(cap.nsent, 3);
  CU_ASSERT_EQUAL(cap_status(&cap, 2, NULL, 0), 480);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_CLEARED);
  CU_ASSERT_EQUAL(cap.waits[cap.nev - 1], 3000);
  CU_ASSERT_EQUAL(st.queue_timeout, 1);
  CU_ASSERT_EQUAL(st.queue_now, 0);
  CU_ASSERT_EQUAL(st.busy, 0);
  CU_ASSERT_EQUAL(st.abandoned, 0);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void test_acd_agents_log_in_and_out(void)
{
  capture cap;
  ctk_acd_engine *e;
  ctk_acd_config cfg;
  char tag[64];

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 5, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  answered_call(e, &cap, "la@test", 0, tag, sizeof(tag)); /* answered by A01 */
  ctk_acd_engine_config(e, &cfg);
  cfg.agents = 0; /* A01 logs out but finishes the call */
  CU_ASSERT_EQUAL(ctk_acd_engine_reconfigure(e, &cfg), CTK_E_OK);
  feed(e, "INVITE", "lb@test", 1, NULL, NULL, 100);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_QUEUED);
  feed(e, "BYE", "la@test", 2, NULL, tag, 200);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_CLEARED); /* nobody takes lb */
  CU_ASSERT_EQUAL(ctk_acd_engine_idle_agents(e), 0);
  cfg.agents = 2;
  CU_ASSERT_EQUAL(ctk_acd_engine_reconfigure(e, &cfg), CTK_E_OK);
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_ANSWERED);
  CU_ASSERT_STRING_EQUAL(cap.agents[cap.nev - 1], "A01");
  CU_ASSERT_EQUAL(ctk_acd_engine_idle_agents(e), 1);
  cfg.busy_status = 404;
  CU_ASSERT_EQUAL(ctk_acd_engine_reconfigure(e, &cfg), CTK_E_INVAL);
  cfg.busy_status = 486;
  cfg.agents = CTK_ACD_AGENTS_MAX + 1;
  CU_ASSERT_EQUAL(ctk_acd_engine_reconfigure(e, &cfg), CTK_E_INVAL);
  ctk_acd_engine_config(e, &cfg);
  CU_ASSERT_EQUAL(cfg.agents, 2);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void test_acd_control_json(void)
{
  ctk_acd_config cfg;
  ctk_buf b;
  char why[256];

  ctk_acd_config_defaults(&cfg);
  CU_ASSERT_EQUAL(ctk_acd_config_from_json("{\"agents\":3,\"busy_code\":503,\"talk\":\"uniform:1-2\"}",
                                           &cfg, why, sizeof(why)), CTK_E_OK);
  CU_ASSERT_EQUAL(cfg.agents, 3);
  CU_ASSERT_EQUAL(cfg.busy_status, 503);
  ctk_buf_init(&b, 4096);
  CU_ASSERT_EQUAL(ctk_acd_config_json(&cfg, &b), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "\"talk\":\"uniform:1-2\""));
  ctk_buf_free(&b);
  CU_ASSERT_EQUAL(ctk_acd_config_from_json("{\"agents\":-1}", &cfg, why, sizeof(why)), CTK_E_INVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "agents"));
  CU_ASSERT_EQUAL(ctk_acd_config_from_json("{\"colour\":1}", &cfg, why, sizeof(why)), CTK_E_INVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "colour"));
  CU_ASSERT_EQUAL(ctk_acd_config_from_json("{\"busy_code\":500}", &cfg, why, sizeof(why)), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_acd_config_from_json("[1]", &cfg, why, sizeof(why)), CTK_E_PARSE);
  CU_ASSERT_EQUAL(ctk_acd_config_from_json("{", &cfg, why, sizeof(why)), CTK_E_PARSE);
  CU_ASSERT_EQUAL(cfg.agents, 3); /* refused changes change nothing */
}

static void tweak_talk(ctk_acd_config *cfg)
{
  cfg->talk.kind = CTK_ACD_TALK_FIXED;
  cfg->talk.a_ms = 2000;
}

/* A response of the caller to the agent's BYE for call t@test, whose To tag is tag. */
static void bye_response(ctk_acd_engine *e, const char *tag, const char *status, uint64_t now)
{
  char resp[1024];
  snprintf(resp, sizeof(resp),
           "SIP/2.0 %s\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\n"
           "From: <sip:12328@127.0.0.1:5060>;tag=%s\r\nTo: <sip:13800000000@127.0.0.1:5999>;tag=caller-t@test\r\n"
           "Call-ID: t@test\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", status, tag);
  CU_ASSERT_EQUAL(ctk_acd_engine_input(e, resp, strlen(resp), udp_peer(), now), CTK_E_OK);
}

static void test_acd_agent_hangs_up(void)
{
  capture cap;
  ctk_acd_engine *e;
  char tag[64];
  char method[16];

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 1, tweak_talk);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  answered_call(e, &cap, "t@test", 0, tag, sizeof(tag));
  /* a stray final response to a BYE nobody sent yet changes nothing: the talk goes on */
  bye_response(e, tag, "200 OK", 1000);
  ctk_acd_engine_tick(e, 1999);
  CU_ASSERT_EQUAL(cap.nsent, 3);
  ctk_acd_engine_tick(e, 2000);
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 4);
  CU_ASSERT_EQUAL(cap_status(&cap, 3, method, sizeof(method)), 0);
  CU_ASSERT_STRING_EQUAL(method, "BYE");
  /* the BYE goes to the caller's Contact, with our tag in From, in the caller's dialog */
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[3], "BYE sip:13800000000@127.0.0.1:5999"));
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[3], tag));
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[3], "\r\nCall-ID: t@test\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(cap.sent[3], "\r\nCSeq: 1 BYE\r\n"));
  CU_ASSERT_EQUAL(cap.kinds[cap.nev - 1], CTK_ACD_EV_CLEARED);
  CU_ASSERT_EQUAL(cap.talks[cap.nev - 1], 2000);
  CU_ASSERT_EQUAL(ctk_acd_engine_idle_agents(e), 1);
  ctk_acd_engine_tick(e, 2500); /* no answer yet: BYE again */
  CU_ASSERT_EQUAL(cap.nsent, 5);
  /* a provisional answer is not the end of the BYE transaction: it is resent after 2*T1 */
  bye_response(e, tag, "100 Trying", 2600);
  ctk_acd_engine_tick(e, 3500);
  CU_ASSERT_EQUAL(cap.nsent, 6);
  bye_response(e, tag, "200 OK", 3600);
  ctk_acd_engine_tick(e, 6000);
  CU_ASSERT_EQUAL(cap.nsent, 6);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void test_acd_garbage_and_other_methods(void)
{
  capture cap;
  ctk_acd_engine *e;
  static const char junk[] = "this is not SIP\r\n\r\n";

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 1, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_EQUAL(ctk_acd_engine_input(e, junk, sizeof(junk) - 1, udp_peer(), 0), CTK_E_PARSE);
  CU_ASSERT_EQUAL(ctk_acd_engine_input(e, "", 0, udp_peer(), 0), CTK_E_PARSE);
  CU_ASSERT_EQUAL(cap.nsent, 0);
  feed(e, "OPTIONS", "o@test", 1, NULL, NULL, 0);
  CU_ASSERT_EQUAL(cap_status(&cap, 0, NULL, 0), 200);
  feed(e, "REGISTER", "r@test", 1, NULL, NULL, 0);
  CU_ASSERT_EQUAL(cap_status(&cap, 1, NULL, 0), 501);
  feed(e, "INVITE", "stranger@test", 5, NULL, "sometag", 0); /* re-INVITE, unknown dialog */
  CU_ASSERT_EQUAL(cap_status(&cap, 2, NULL, 0), 481);
  CU_ASSERT_EQUAL(cap.nev, 0);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

/* One OPTIONS with these request line version, CSeq and Content-Length; the engine's answer
 * (status, and its status line in line). */
static int feed_odd(ctk_acd_engine *e, capture *cap, const char *version, const char *cseq,
                    const char *clen, char *line, size_t linelen)
{
  char msg[1024];
  size_t before = cap->nsent;
  const char *eol;
  snprintf(msg, sizeof(msg),
           "OPTIONS sip:12328@127.0.0.1:5060 %s\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKodd\r\n"
           "From: <sip:13800000000@127.0.0.1:5999>;tag=odd\r\n"
           "To: <sip:12328@127.0.0.1:5060>\r\n"
           "Call-ID: odd@test\r\nCSeq: %s\r\nMax-Forwards: 70\r\n"
           "Content-Length: %s\r\n\r\n",
           version, cseq, clen);
  ctk_acd_engine_input(e, msg, strlen(msg), udp_peer(), 0);
  line[0] = '\0';
  if(cap->nsent != before + 1)
    return 0;
  eol = strstr(cap->sent[before], "\r\n");
  snprintf(line, linelen, "%.*s", eol ? (int)(eol - cap->sent[before]) : 0, cap->sent[before]);
  return cap_status(cap, before, NULL, 0);
}

/* What libosip2 reads without a word but is not SIP 2.0 as RFC 3261 has it is answered 400
 * (505 for another version), and the reason phrase says what is wrong. */
static void test_acd_malformed_requests_get_400(void)
{
  capture cap;
  ctk_acd_engine *e;
  char line[256];

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 1, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_EQUAL(feed_odd(e, &cap, "SIP/2.0", "1 OPTIONS", "0", line, sizeof(line)), 200);
  CU_ASSERT_EQUAL(feed_odd(e, &cap, "SIP/2.0", "1 BYE", "0", line, sizeof(line)), 400);
  CU_ASSERT_PTR_NOT_NULL(strstr(line, "CSeq method"));
  CU_ASSERT_EQUAL(feed_odd(e, &cap, "SIP/2.0", "2147483648 OPTIONS", "0", line, sizeof(line)),
                  400);
  CU_ASSERT_PTR_NOT_NULL(strstr(line, "CSeq number"));
  CU_ASSERT_EQUAL(feed_odd(e, &cap, "SIP/2.0", "2147483647 OPTIONS", "0", line, sizeof(line)),
                  200);
  CU_ASSERT_EQUAL(feed_odd(e, &cap, "SIP/2.0", "3 OPTIONS", "-5", line, sizeof(line)), 400);
  CU_ASSERT_PTR_NOT_NULL(strstr(line, "Content-Length"));
  CU_ASSERT_EQUAL(feed_odd(e, &cap, "SIP/2.0", "4 OPTIONS", "40", line, sizeof(line)), 400);
  CU_ASSERT_EQUAL(feed_odd(e, &cap, "SIP/3.0", "5 OPTIONS", "0", line, sizeof(line)), 505);
  CU_ASSERT_PTR_NOT_NULL(strstr(line, "SIP/2.0"));
  CU_ASSERT_EQUAL(cap.nev, 0);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

/* Mutated SIP (bytes flipped, cut short, headers lost) must never crash the engine or make
 * it answer what it cannot read; a bounded, seeded run. */
static void test_acd_mutated_sip_is_survived(void)
{
  static const char invite[] =
    "INVITE sip:12328@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKfz\r\n"
    "From: <sip:13800000000@127.0.0.1:5999>;tag=fz\r\n"
    "To: <sip:12328@127.0.0.1:5060>\r\n"
    "Call-ID: fz@test\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:13800000000@127.0.0.1:5999>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n\r\nv=0\n";
  static const char bytes[] = "\0\r\n:;<>@ =\"\xff";
  capture cap;
  ctk_acd_engine *e;
  char msg[sizeof(invite)];
  unsigned seed = 12328, i, k;

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 2, 2, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  for(i = 0; i < 3000; i++) {
    size_t len = sizeof(invite) - 1;
    memcpy(msg, invite, sizeof(invite));
    for(k = 0; k < 1 + i % 4; k++) {
      seed = seed * 1103515245u + 12345u;
      msg[(seed >> 8) % len] = bytes[(seed >> 20) % (sizeof(bytes) - 1)];
    }
    if(i % 7 == 0)
      len = (seed >> 4) % len;
    ctk_acd_engine_input(e, msg, len, udp_peer(), i);
    ctk_acd_engine_tick(e, i);
    if(cap.nsent > CAP_MAX - 8) /* keep the capture small; what was sent must be SIP */
      cap_reset(&cap);
    for(k = 0; k < cap.nsent; k++)
      CU_ASSERT(strncmp(cap.sent[k], "SIP/2.0 ", 8) == 0 || strstr(cap.sent[k], " SIP/2.0\r\n") != NULL);
  }
  ctk_acd_engine_tick(e, 100000);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void test_acd_talk_parse(void)
{
  ctk_acd_talk t;
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("caller", &t), CTK_E_OK);
  CU_ASSERT_EQUAL(t.kind, CTK_ACD_TALK_CALLER);
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("fixed:1500", &t), CTK_E_OK);
  CU_ASSERT_EQUAL(t.a_ms, 1500);
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("uniform:100-300", &t), CTK_E_OK);
  CU_ASSERT_EQUAL(t.b_ms, 300);
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("exp:60000", &t), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("uniform:300-100", &t), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("exp:0", &t), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("fixed:", &t), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("fixed:12x", &t), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_acd_talk_parse("normal:5", &t), CTK_E_INVAL);
}

static ctk_acd_event sample_event(ctk_acd_event_kind kind)
{
  ctk_acd_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = kind;
  ev.call_id = "abc-1@127.0.0.1";
  ev.caller = "13800000000";
  ev.called = "12328";
  ev.agent = "A01";
  ev.wall_ms = 1795928400000LL; /* 2026-11-29T05:00:00Z = 13:00 in Beijing */
  ev.wait_ms = 1234;
  ev.cause = "newCall";
  ev.answered = kind == CTK_ACD_EV_ANSWERED;
  if(ev.answered) {
    ev.recording_url = "http://127.0.0.1/recordings/x.wav";
    ev.recording_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  }
  return ev;
}

static void test_acd_webhook_json_exact(void)
{
  ctk_acd_event ev = sample_event(CTK_ACD_EV_ANSWERED);
  ctk_buf b;
  ctk_buf_init(&b, 4096);
  CU_ASSERT_EQUAL(ctk_acd_event_json(&ev, &b), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b),
    "{\"event\":\"answered\",\"call_id\":\"abc-1@127.0.0.1\",\"caller\":\"13800000000\","
    "\"agent\":\"A01\",\"time\":\"2026-11-29T13:00:00+08:00\",\"wait_ms\":1234,"
    "\"recording\":{\"url\":\"http://127.0.0.1/recordings/x.wav\","
    "\"sha256\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}}");
  ctk_buf_reset(&b);
  ev = sample_event(CTK_ACD_EV_OFFERED);
  ev.agent = "";
  CU_ASSERT_EQUAL(ctk_acd_event_json(&ev, &b), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "\"event\":\"offered\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "\"recording\":null"));
  ctk_buf_free(&b);
}

static void tweak_exp_talk(ctk_acd_config *cfg)
{
  cfg->talk.kind = CTK_ACD_TALK_EXP;
  cfg->talk.a_ms = 60000;
}

/* exp:MEAN talk times: the agent hangs up some time after the answer, not at once and not
 * never (the default seed makes it the same time on every run). */
static void test_acd_exp_talk_time(void)
{
  capture cap;
  ctk_acd_engine *e;
  char tag[64], method[16];
  uint64_t now = 10;
  long next;

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 1, tweak_exp_talk);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  answered_call(e, &cap, "exp@test", 0, tag, sizeof(tag));
  next = ctk_acd_engine_tick(e, now);
  CU_ASSERT_EQUAL(cap.nsent, 3);               /* still talking */
  CU_ASSERT(next > 0);
  while(cap.nsent == 3 && next > 0 && now <= 86400000u) {
    now += (uint64_t)next;
    next = ctk_acd_engine_tick(e, now);
  }
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 4);
  CU_ASSERT_EQUAL(cap_status(&cap, 3, method, sizeof(method)), 0);
  CU_ASSERT_STRING_EQUAL(method, "BYE");
  CU_ASSERT(now > 10 && now <= 86400000u);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

/* A retransmitted INVITE while the caller is in the IVR is answered as before: 180, not 100. */
static void test_acd_invite_again_in_the_ivr(void)
{
  capture cap;
  ctk_acd_engine *e;

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 5, tweak_ivr);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  feed(e, "INVITE", "ivr@test", 1, NULL, NULL, 0);
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 2);
  CU_ASSERT_EQUAL(cap_status(&cap, 0, NULL, 0), 100);
  CU_ASSERT_EQUAL(cap_status(&cap, 1, NULL, 0), 180);
  feed(e, "INVITE", "ivr@test", 1, NULL, NULL, 200);
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 3);
  CU_ASSERT_EQUAL(cap_status(&cap, 2, NULL, 0), 180);
  CU_ASSERT_EQUAL(cap.nev, 1);                 /* offered once */
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

/* An ACK that is not well-formed (its Content-Length runs past it) is not taken: it gets no
 * answer (an ACK never does) and the 200 is still retransmitted until a good ACK comes. A
 * request without a Via cannot be answered at all, nor one libosip2 does not read to its end:
 * dropped as unreadable. */
static void test_acd_bad_ack_and_no_via(void)
{
  static const char *const unreadable[] = {
    "INVITE sip:12328@127.0.0.1:5060 SIP/2.0\r\n"
    "From: <sip:13800000000@127.0.0.1:5999>;tag=caller-nv\r\n"
    "To: <sip:12328@127.0.0.1:5060>\r\n"
    "Call-ID: novia@test\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
    "Content-Length: 0\r\n\r\n",
    /* every header a dialog needs is there, but libosip2 fails on the body (multipart
     * without a boundary): the half-parsed message is not acted on either */
    "INVITE sip:12328@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKmp\r\n"
    "From: <sip:13800000000@127.0.0.1:5999>;tag=caller-mp\r\n"
    "To: <sip:12328@127.0.0.1:5060>\r\n"
    "Call-ID: multipart@test\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
    "Content-Type: multipart/mixed\r\nContent-Length: 10\r\n\r\n0123456789",
  };
  capture cap;
  ctk_acd_engine *e;
  char tag[64], msg[1024];
  size_t i;

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 5, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  feed(e, "INVITE", "ba@test", 1, NULL, NULL, 0);
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 3);
  cap_to_tag(&cap, 2, tag, sizeof(tag));
  snprintf(msg, sizeof(msg),
           "ACK sip:12328@127.0.0.1:5060 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKbadack\r\n"
           "From: <sip:13800000000@127.0.0.1:5999>;tag=caller-ba@test\r\n"
           "To: <sip:12328@127.0.0.1:5060>;tag=%s\r\n"
           "Call-ID: ba@test\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
           "Content-Length: 40\r\n\r\n", tag);
  CU_ASSERT_EQUAL(ctk_acd_engine_input(e, msg, strlen(msg), udp_peer(), 100), CTK_E_OK);
  CU_ASSERT_EQUAL(cap.nsent, 3);
  ctk_acd_engine_tick(e, 500);
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 4);
  CU_ASSERT_EQUAL(cap_status(&cap, 3, NULL, 0), 200);
  feed(e, "ACK", "ba@test", 1, NULL, tag, 600);
  ctk_acd_engine_tick(e, 5000);
  CU_ASSERT_EQUAL(cap.nsent, 4);

  for(i = 0; i < sizeof(unreadable) / sizeof(unreadable[0]); i++) {
    CU_ASSERT_EQUAL(ctk_acd_engine_input(e, unreadable[i], strlen(unreadable[i]), udp_peer(),
                                         6000 + i), CTK_E_PARSE);
    CU_ASSERT_EQUAL(cap.nsent, 4);
    CU_ASSERT_EQUAL(ctk_acd_engine_calls(e), 1);
  }
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

/* "TIME:WHAT/CALL-ID " for each message sent from index from on, appended to log. */
static void cap_log_sent(const capture *cap, size_t from, uint64_t now, char *log, size_t size)
{
  size_t i;
  for(i = from; i < cap->nsent; i++) {
    char method[16];
    const char *cid = strstr(cap->sent[i], "\r\nCall-ID: ");
    int status = cap_status(cap, i, method, sizeof(method));
    size_t used = strlen(log);
    snprintf(log + used, size - used, "%lu:%s/%.*s ", (unsigned long)now,
             status > 0 ? "200" : method, cid ? (int)strcspn(cid + 11, "\r") : 0,
             cid ? cid + 11 : "");
  }
}

/* Timers of several calls come due in another order than they were set: A's talk time was
 * set before B's and C's 200 retransmissions, which are due earlier. Stepping the clock by
 * what tick says is next, every message goes out at its own due time, in time order (a timer
 * heap that kept a later timer at its top would send B's retransmission late, after A's BYE). */
static void test_acd_timers_fire_in_time_order(void)
{
  capture cap;
  ctk_acd_engine *e;
  char tag[64], log[512] = "";
  uint64_t now;
  long next;
  size_t seen;

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 3, 3, tweak_talk);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  answered_call(e, &cap, "a@test", 0, tag, sizeof(tag)); /* A: BYE due at 2000 */
  CU_ASSERT_EQUAL(ctk_acd_engine_tick(e, 500), 1500); /* A's stale retransmission goes */
  feed(e, "INVITE", "b@test", 1, NULL, NULL, 600); /* B: never ACKed, 200 due at 1100, 2100 */
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 6);
  answered_call(e, &cap, "c@test", 700, tag, sizeof(tag)); /* C: BYE due at 2700 */
  CU_ASSERT_EQUAL_FATAL(cap.nsent, 9);
  now = 710;
  next = ctk_acd_engine_tick(e, now);
  CU_ASSERT_EQUAL(next, 390);
  while(next > 0 && now + (uint64_t)next <= 2100) {
    now += (uint64_t)next;
    seen = cap.nsent;
    next = ctk_acd_engine_tick(e, now);
    cap_log_sent(&cap, seen, now, log, sizeof(log));
  }
  CU_ASSERT_STRING_EQUAL(log, "1100:200/b@test 2000:BYE/a@test 2100:200/b@test ");
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

/* RFC 3261 17.1.2.2: the agent's BYE over UDP is retransmitted until Timer H (64*T1), then
 * the queue machine gives up and forgets the call; nothing is sent after that. */
static void test_acd_bye_gives_up_after_timer_h(void)
{
  capture cap;
  ctk_acd_engine *e;
  char tag[64];
  uint64_t t;
  size_t at_deadline;

  memset(&cap, 0, sizeof(cap));
  e = new_engine(&cap, 1, 1, tweak_talk);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  answered_call(e, &cap, "h@test", 0, tag, sizeof(tag));
  for(t = 2000; t <= 2000 + 32000; t += 250)
    ctk_acd_engine_tick(e, t);
  CU_ASSERT(cap.nsent > 5);                    /* the BYE and some retransmissions */
  at_deadline = cap.nsent;
  for(; t <= 2000 + 32000 + 20000; t += 250)
    ctk_acd_engine_tick(e, t);
  CU_ASSERT_EQUAL(cap.nsent, at_deadline);
  CU_ASSERT_EQUAL(ctk_acd_engine_calls(e), 0);
  ctk_acd_engine_free(e);
  cap_reset(&cap);
}

static void test_acd_csta_event_document(void)
{
  ctk_acd_event ev = sample_event(CTK_ACD_EV_DELIVERED);
  ctk_buf b, frame;
  xmlDocPtr doc;
  xmlNodePtr root, n;
  int seen_call = 0, seen_alerting = 0;
  size_t flen = 0;
  unsigned id = 0;

  ctk_buf_init(&b, 65536);
  ctk_buf_init(&frame, 70000);
  CU_ASSERT_EQUAL(ctk_acd_csta_event_xml(&ev, "7", &b), CTK_E_OK);
  doc = xmlReadMemory(b.data, (int)b.len, "ev.xml", NULL, XML_PARSE_NONET);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  root = xmlDocGetRootElement(doc);
  CU_ASSERT_STRING_EQUAL((const char *)root->name, "DeliveredEvent");
  CU_ASSERT_STRING_EQUAL((const char *)root->ns->href, CTK_CSTA_NS);
  for(n = root->children; n; n = n->next) {
    xmlChar *text = xmlNodeGetContent(n);
    if(!xmlStrcmp(n->name, BAD_CAST "connection"))
      seen_call = strstr((const char *)text, "abc-1@127.0.0.1") != NULL;
    if(!xmlStrcmp(n->name, BAD_CAST "alertingDevice"))
      seen_alerting = !xmlStrcmp(text, BAD_CAST "A01");
    if(!xmlStrcmp(n->name, BAD_CAST "monitorCrossRefID"))
      CU_ASSERT_STRING_EQUAL((const char *)text, "7");
    xmlFree(text);
  }
  CU_ASSERT(seen_call);
  CU_ASSERT(seen_alerting);
  xmlFreeDoc(doc);

  /* framing: header + the document, read back whole; short input asks for more */
  CU_ASSERT_EQUAL(ctk_cti_csta_frame(&frame, CTK_CSTA_EVENT_INVOKE_ID, b.data, b.len), CTK_E_OK);
  CU_ASSERT_EQUAL(frame.len, b.len + 8);
  CU_ASSERT_EQUAL(memcmp(frame.data + 4, "9999", 4), 0);
  CU_ASSERT_EQUAL(ctk_cti_csta_frame_next((const unsigned char *)frame.data, frame.len, &flen, &id), 1);
  CU_ASSERT_EQUAL(flen, frame.len);
  CU_ASSERT_EQUAL(id, 9999);
  CU_ASSERT_EQUAL(ctk_cti_csta_frame_next((const unsigned char *)frame.data, 20, &flen, &id), 0);
  CU_ASSERT_EQUAL(ctk_cti_csta_frame_next((const unsigned char *)"\x01\x00\x00\x10" "0001", 8, &flen, &id), -1);
  /* a call cleared before any agent had it (refused, or given up in the queue): the dropped
   * connection is the queue's, whether the event names no agent or an empty one */
  {
    static const char *const no_agent[] = { "", NULL };
    size_t k;
    for(k = 0; k < 2; k++) {
      char dev[64];
      ev = sample_event(CTK_ACD_EV_CLEARED);
      ev.agent = no_agent[k];
      ev.busy_status = 486;
      ctk_buf_reset(&b);
      CU_ASSERT_EQUAL(ctk_acd_csta_event_xml(&ev, "7", &b), CTK_E_OK);
      ctk_wire_xml_text(b.data, b.len, "droppedConnection", "deviceID", dev, sizeof(dev));
      CU_ASSERT_STRING_EQUAL(dev, "12328");
      ctk_wire_xml_text(b.data, b.len, NULL, "releasingDevice", dev, sizeof(dev));
      CU_ASSERT_STRING_EQUAL(dev, "12328");
    }
  }
  ev = sample_event(CTK_ACD_EV_ANSWERED);
  CU_ASSERT_STRING_EQUAL(ctk_acd_csta_element(&ev), "EstablishedEvent");
  ev.kind = CTK_ACD_EV_CLEARED;
  CU_ASSERT_STRING_EQUAL(ctk_acd_csta_element(&ev), "ConnectionClearedEvent");
  ctk_buf_free(&b);
  ctk_buf_free(&frame);
}

/* The ESL event of list with this Event-Name (and CC-Action, when given), or NULL. */
static json_object *esl_find(json_object *list, const char *name, const char *action)
{
  size_t i;
  for(i = 0; i < json_object_array_length(list); i++) {
    json_object *o = json_object_array_get_idx(list, i), *v = NULL;
    if(!json_object_object_get_ex(o, "Event-Name", &v) || strcmp(json_object_get_string(v), name))
      continue;
    if(action && (!json_object_object_get_ex(o, "CC-Action", &v) ||
                  strcmp(json_object_get_string(v), action)))
      continue;
    return o;
  }
  return NULL;
}

static const char *esl_get(json_object *o, const char *key)
{
  json_object *v = NULL;
  return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* The end of an answered, recorded call in ESL: the agent's answer time is the same second in
 * every event that carries it, the recording travels with the hangup. */
static void test_acd_esl_answered_call_end(void)
{
  ctk_acd_event ev = sample_event(CTK_ACD_EV_CLEARED);
  ctk_acd_cti_call call;
  json_object *list = NULL, *end, *member_end, *hangup;
  unsigned long seq = 0;
  char secs[32];

  memset(&call, 0, sizeof(call));
  call.call_id = "abc-1@127.0.0.1";
  call.seq = 3;
  call.state = CTK_ACD_CALL_TALKING;
  snprintf(call.caller, sizeof(call.caller), "13800000000");
  snprintf(call.called, sizeof(call.called), "12328");
  snprintf(call.agent, sizeof(call.agent), "A01");
  call.agent_index = 0;
  call.offered_ms = 1795928390000LL;
  call.queued_ms = 1795928390100LL;
  call.delivered_ms = 1795928395000LL;
  call.answered_ms = 1795928396789LL;
  ev.answered = 1;
  ev.talk_ms = 3211;
  ev.recording_url = "http://127.0.0.1/recordings/x.wav";
  ev.recording_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  CU_ASSERT_EQUAL_FATAL(ctk_acd_esl_render(&ev, &call, 7, "core", &seq, &list), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(list);
  snprintf(secs, sizeof(secs), "%lld", (long long)(call.answered_ms / 1000));
  end = esl_find(list, "CUSTOM", "bridge-agent-end");
  member_end = esl_find(list, "CUSTOM", "member-queue-end");
  hangup = esl_find(list, "CHANNEL_HANGUP_COMPLETE", NULL);
  CU_ASSERT_PTR_NOT_NULL(end);
  CU_ASSERT_PTR_NOT_NULL(member_end);
  CU_ASSERT_PTR_NOT_NULL(hangup);
  CU_ASSERT_STRING_EQUAL(esl_get(end, "CC-Agent-Answered-Time"), secs);
  CU_ASSERT_STRING_EQUAL(esl_get(member_end, "CC-Agent-Answered-Time"), secs);
  CU_ASSERT_STRING_EQUAL(esl_get(hangup, "variable_ctk_recording_url"), ev.recording_url);
  CU_ASSERT_STRING_EQUAL(esl_get(hangup, "variable_ctk_recording_sha256"), ev.recording_sha256);
  json_object_put(list);
  {
    /* an event kind AMI has no events for is refused, not rendered as nothing */
    ctk_buf b;
    ctk_buf_init(&b, 65536);
    ev.kind = CTK_ACD_EV__COUNT;
    CU_ASSERT_EQUAL(ctk_acd_ami_render(&ev, &call, &b, NULL), CTK_E_INVAL);
    ctk_buf_free(&b);
  }
}

static void test_acd_tcp_framing(void)
{
  static const char two[] =
    "\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nl: 4\r\n\r\nbodyBYE sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  size_t skip = 0;
  long n = ctk_acd_sip_frame(two, sizeof(two) - 1, 65536, &skip);
  CU_ASSERT_EQUAL(skip, 4);
  CU_ASSERT_EQUAL(n, (long)strlen("OPTIONS sip:a@b SIP/2.0\r\nl: 4\r\n\r\nbody"));
  CU_ASSERT_EQUAL(ctk_acd_sip_frame(two + skip + n, strlen(two + skip + n), 65536, &skip),
                  (long)strlen(two + 4 + n));
  CU_ASSERT_EQUAL(ctk_acd_sip_frame("INVITE x SIP/2.0\r\nContent-Length: 10\r\n\r\nabc", 43, 65536, &skip), 0);
  CU_ASSERT_EQUAL(ctk_acd_sip_frame("INVITE x SIP/2.0\r\nContent-Length: 99999999\r\n\r\n", 46, 65536, &skip), -1);
  CU_ASSERT_EQUAL(ctk_acd_sip_frame("INVITE x SIP/2.0\r\nContent-Length: x\r\n\r\n", 39, 65536, &skip), -1);
}

static void test_load_target_and_stats_file(void)
{
  char host[64];
  int port = 0;
  const char *dir = ctk_test_tmpdir("load-stats");
  char path[600];
  FILE *f;
  ctk_load_result r;

  CU_ASSERT_EQUAL(ctk_load_check_target("127.0.0.1:5060", 0, host, sizeof(host), &port), CTK_E_OK);
  CU_ASSERT_EQUAL(port, 5060);
  CU_ASSERT_EQUAL(ctk_load_check_target("127.9.8.7:1", 0, host, sizeof(host), &port), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_load_check_target("localhost:5060", 0, host, sizeof(host), &port), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_load_check_target("192.168.1.1:5060", 0, host, sizeof(host), &port), CTK_E_DENIED);
  CU_ASSERT_EQUAL(ctk_load_check_target("192.168.1.1:5060", 1, host, sizeof(host), &port), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_load_check_target("127.0.0.1", 0, host, sizeof(host), &port), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_load_check_target("127.0.0.1:70000", 0, host, sizeof(host), &port), CTK_E_INVAL);

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/stat.csv", dir);
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("StartTime;ElapsedTime(C);CallRate(C);OutgoingCall(C);SuccessfulCall(P);SuccessfulCall(C);"
        "FailedCall(C);FailedUnexpectedMessage(C);FailedMaxUDPRetrans(C);\n"
        "x;00:00:01;10.5;3;0;2;0;0;0;\n"
        "x;00:00:07;12.5;50;1;48;2;1;1;\n", f);
  fclose(f);
  memset(&r, 0, sizeof(r));
  CU_ASSERT_EQUAL(ctk_load_parse_stats(path, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.outgoing, 50);
  CU_ASSERT_EQUAL(r.successful, 48);
  CU_ASSERT_EQUAL(r.failed, 2);
  CU_ASSERT_EQUAL(r.failed_unexpected, 1);
  CU_ASSERT_EQUAL(r.failed_retrans, 1);
  CU_ASSERT(r.elapsed_s > 6.9 && r.elapsed_s < 7.1);
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("only;a;header\n", f);
  fclose(f);
  CU_ASSERT_EQUAL(ctk_load_parse_stats(path, &r), CTK_E_PARSE);
  snprintf(path, sizeof(path), "%s/missing.csv", dir);
  CU_ASSERT_EQUAL(ctk_load_parse_stats(path, &r), CTK_E_NOTFOUND);
}

static void test_load_judge_counts_calls(void)
{
  ctk_load_result r;
  memset(&r, 0, sizeof(r));
  r.asked = 200;
  r.successful = 7;
  r.sipp_exit = 0; /* SIPp may exit 0 after its time bound: still a failure */
  ctk_load_judge(&r, 2);
  CU_ASSERT_EQUAL(r.passed, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "only 7 of 200"));
  r.successful = 200;
  ctk_load_judge(&r, 2);
  CU_ASSERT_EQUAL(r.passed, 1);
  CU_ASSERT_STRING_EQUAL(r.reason, "");
  r.failed = 1;
  ctk_load_judge(&r, 2);
  CU_ASSERT_EQUAL(r.passed, 0);
  r.failed = 0;
  r.sipp_exit = 1;
  ctk_load_judge(&r, 2);
  CU_ASSERT_EQUAL(r.passed, 0);
}

static void test_load_scenarios_are_found(void)
{
  ctk_load_options o;
  char path[1024];
  static const char *const names[] = { "talk", "abandon", "burst", "busy", "agent-hangup" };
  size_t i;

  ctk_load_options_defaults(&o);
  o.scenario_dir = "simulators/load";
  for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    xmlDocPtr doc;
    o.scenario = names[i];
    CU_ASSERT_EQUAL(ctk_load_find_scenario(&o, path, sizeof(path)), CTK_E_OK);
    doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    CU_ASSERT_PTR_NOT_NULL(doc); /* well-formed, so SIPp can read it */
    xmlFreeDoc(doc);
  }
  o.scenario = "nonsense";
  CU_ASSERT_EQUAL(ctk_load_find_scenario(&o, path, sizeof(path)), CTK_E_INVAL);
  o.scenario = "/nonexistent/x.xml";
  CU_ASSERT_EQUAL(ctk_load_find_scenario(&o, path, sizeof(path)), CTK_E_NOTFOUND);
}

/* ---------- the CTI hub: one call model for every family ---------- */

typedef struct spy {
  char last[8192];             /* AMI text of the last event */
  unsigned position, orig_position;
  int esl_ok;                  /* the ESL rendering of the last event worked */
  unsigned events, cut_refused; /* events seen; AMI renderings into 64 bytes refused as too big */
} spy;

static ctk_code spy_start(ctk_acd_cti_plugin *p, const ctk_acd_cti_options *opt,
                          ctk_acd_cti_hub *hub)
{
  (void)opt;
  (void)hub;
  (void)p;
  return CTK_E_OK;
}

static void spy_stop(ctk_acd_cti_plugin *p)
{
  (void)p;
}

static void spy_on_event(ctk_acd_cti_plugin *p, const ctk_acd_event *ev,
                         const ctk_acd_cti_call *call)
{
  spy *s = p->ctx;
  ctk_buf b;
  json_object *list = NULL;
  unsigned long seq = 0;
  ctk_buf_init(&b, sizeof(s->last) - 1);
  s->last[0] = '\0';
  if(!ctk_acd_ami_render(ev, call, &b, NULL))
    snprintf(s->last, sizeof(s->last), "%s", ctk_buf_str(&b));
  ctk_buf_free(&b);
  /* events that do not fit are refused, never sent cut short */
  ctk_buf_init(&b, 64);
  s->events++;
  if(ctk_acd_ami_render(ev, call, &b, NULL) == CTK_E_TOOBIG)
    s->cut_refused++;
  ctk_buf_free(&b);
  s->position = call->position;
  s->orig_position = call->orig_position;
  s->esl_ok = !ctk_acd_esl_render(ev, call, 7, "core", &seq, &list) && list &&
              json_object_array_length(list) > 0;
  json_object_put(list);
}

static void test_acd_cti_hub_places_and_families(void)
{
  capture cap;
  ctk_acd_engine *e;
  ctk_acd_cti_hub *hub = NULL;
  ctk_acd_cti_plugin plugin;
  ctk_acd_cti_options opt;
  ctk_acd_sink sink;
  ctk_acd_config cfg;
  const ctk_acd_cti_call *q;
  ctk_acd_cti_status st;
  spy s;

  memset(&cap, 0, sizeof(cap));
  memset(&s, 0, sizeof(s));
  memset(&plugin, 0, sizeof(plugin));
  memset(&opt, 0, sizeof(opt));
  plugin.name = "spy";
  plugin.ctx = &s;
  plugin.start = spy_start;
  plugin.stop = spy_stop;
  plugin.on_event = spy_on_event;
  e = new_engine(&cap, 0, 10, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_EQUAL_FATAL(ctk_acd_cti_hub_new(&hub), CTK_E_OK);
  ctk_acd_cti_hub_set_engine(hub, e);
  CU_ASSERT_EQUAL(ctk_acd_cti_hub_start(hub, &plugin, &opt), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_acd_cti_hub_start(hub, &plugin, &opt), CTK_E_EXISTS);
  sink.on_event = ctk_acd_cti_hub_on_event;
  sink.ctx = hub;
  ctk_acd_engine_add_sink(e, &sink);

  /* three callers wait, in order of arrival */
  feed(e, "INVITE", "a@hub", 1, NULL, NULL, 0);
  feed(e, "INVITE", "b@hub", 1, NULL, NULL, 10);
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "Event: QueueCallerJoin\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "Position: 2\r\nCount: 2\r\n"));
  feed(e, "INVITE", "c@hub", 1, NULL, NULL, 20);
  CU_ASSERT_EQUAL(s.position, 3);
  /* the second gives up: it was second, and the third moves up */
  feed(e, "CANCEL", "b@hub", 1, NULL, NULL, 2020);
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "Event: QueueCallerAbandon\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "Position: 2\r\nOriginalPosition: 2\r\nHoldTime: "));
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "Event: QueueCallerLeave\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "Event: Hangup\r\n"));
  CU_ASSERT(s.esl_ok);
  q = ctk_acd_cti_hub_queue(hub);
  CU_ASSERT_PTR_NOT_NULL_FATAL(q);
  CU_ASSERT_STRING_EQUAL(q->call_id, "a@hub");
  CU_ASSERT_PTR_NOT_NULL_FATAL(q->qnext);
  CU_ASSERT_STRING_EQUAL(q->qnext->call_id, "c@hub");
  CU_ASSERT_PTR_NULL(q->qnext->qnext);
  ctk_acd_cti_hub_status(hub, &st);
  CU_ASSERT_EQUAL(st.queued, 2);
  CU_ASSERT_EQUAL(st.stats->abandoned, 1);
  /* an agent logs in: the first in line is delivered and answered at once, leaving from place 1 */
  ctk_acd_engine_config(e, &cfg);
  cfg.agents = 1;
  CU_ASSERT_EQUAL(ctk_acd_engine_reconfigure(e, &cfg), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "Event: QueueCallerLeave\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "Event: AgentConnect\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s.last, "DestChannel: SIP/A01-"));
  CU_ASSERT_EQUAL(s.position, 1);
  ctk_acd_cti_hub_status(hub, &st);
  CU_ASSERT_EQUAL(st.queued, 1);
  CU_ASSERT_EQUAL(st.talking, 1);
  CU_ASSERT_EQUAL(st.agents, 1);
  CU_ASSERT_EQUAL(st.agents_idle, 0);
  CU_ASSERT_STRING_EQUAL(ctk_acd_cti_hub_queue(hub)->call_id, "c@hub");
  CU_ASSERT(s.events > 0);
  CU_ASSERT_EQUAL(s.cut_refused, s.events);
  ctk_acd_engine_free(e);
  ctk_acd_cti_hub_free(hub);
  cap_reset(&cap);
}

/* The hub's pollfds: one listener per family, each in its own slot from the first, and a
 * client that connects is accepted and greeted through them. The simulator's loop polls
 * exactly what this returns, so a wrong count leaves a family (and SIP) unserved. */
static void test_acd_cti_hub_polls_every_family(void)
{
  static const char *const families[] = { "csta", "ami", "esl" };
  ctk_acd_cti_hub *hub = NULL;
  struct pollfd space[18], *fds = space + 2; /* slots before the array: a wrong offset shows */
  char text[256];
  size_t n, len = 0, i, k;
  long long until;
  int fd;

  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_hub(&hub, families, 3), 0);
  space[0].fd = space[1].fd = -2;
  n = ctk_acd_cti_hub_pollfds(hub, fds, 16);
  CU_ASSERT(space[0].fd == -2 && space[1].fd == -2);
  CU_ASSERT_EQUAL(n, 3);
  if(n != 3) {
    ctk_acd_cti_hub_free(hub);
    return;
  }
  for(i = 0; i < n; i++) {
    CU_ASSERT(fds[i].fd >= 0);
    CU_ASSERT(fds[i].events & POLLIN);
    for(k = 0; k < i; k++)
      CU_ASSERT_NOT_EQUAL(fds[i].fd, fds[k].fd);
  }
  /* an AMI client is accepted and greeted: the hub hands each family its own pollfds */
  fd = ctk_test_connect(ctk_acd_cti_link_port(ctk_acd_cti_hub_find(hub, "ami")), 5);
  CU_ASSERT_FATAL(fd >= 0);
  text[0] = '\0';
  until = ctk_now_ms() + 3000;
  while(!strstr(text, "Asterisk Call Manager/") && ctk_now_ms() < until) {
    struct pollfd me;
    int ready;
    n = ctk_acd_cti_hub_pollfds(hub, fds, 16);
    ready = poll(fds, n, 20);
    ctk_acd_cti_hub_handle(hub, fds, ready > 0 ? n : 0, (uint64_t)ctk_now_ms());
    me.fd = fd;
    me.events = POLLIN;
    if(poll(&me, 1, 0) == 1 && len + 1 < sizeof(text)) {
      ssize_t r = recv(fd, text + len, sizeof(text) - 1 - len, 0);
      if(r > 0)
        len += (size_t)r;
      text[len] = '\0';
    }
  }
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "Asterisk Call Manager/"));
  CU_ASSERT_EQUAL(ctk_acd_cti_hub_pollfds(hub, fds, 16), 4); /* three listeners, one client */
  close(fd);
  ctk_acd_cti_hub_free(hub);
}

void ctk_test_add_acd(CU_pSuite s)
{
  CTK_TEST(s, test_acd_cti_hub_places_and_families);
  CTK_TEST(s, test_acd_cti_hub_polls_every_family);
  CTK_TEST(s, test_acd_call_answered_and_cleared);
  CTK_TEST(s, test_acd_queue_then_cancel);
  CTK_TEST(s, test_acd_ivr_ring_and_next_in_queue);
  CTK_TEST(s, test_acd_queue_full_is_busy);
  CTK_TEST(s, test_acd_queue_wait_limit);
  CTK_TEST(s, test_acd_after_call_work);
  CTK_TEST(s, test_acd_agents_log_in_and_out);
  CTK_TEST(s, test_acd_control_json);
  CTK_TEST(s, test_acd_agent_hangs_up);
  CTK_TEST(s, test_acd_garbage_and_other_methods);
  CTK_TEST(s, test_acd_malformed_requests_get_400);
  CTK_TEST(s, test_acd_mutated_sip_is_survived);
  CTK_TEST(s, test_acd_talk_parse);
  CTK_TEST(s, test_acd_webhook_json_exact);
  CTK_TEST(s, test_acd_csta_event_document);
  CTK_TEST(s, test_acd_esl_answered_call_end);
  CTK_TEST(s, test_acd_tcp_framing);
  CTK_TEST(s, test_acd_require_100rel_is_420);
  CTK_TEST(s, test_acd_tags_are_random);
  CTK_TEST(s, test_acd_501_names_allowed_methods);
  CTK_TEST(s, test_acd_exp_talk_time);
  CTK_TEST(s, test_acd_invite_again_in_the_ivr);
  CTK_TEST(s, test_acd_bad_ack_and_no_via);
  CTK_TEST(s, test_acd_bye_gives_up_after_timer_h);
  CTK_TEST(s, test_acd_timers_fire_in_time_order);
  CTK_TEST(s, test_load_target_and_stats_file);
  CTK_TEST(s, test_load_judge_counts_calls);
  CTK_TEST(s, test_load_scenarios_are_found);
}
