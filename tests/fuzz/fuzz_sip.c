/* fuzz_sip: the queue machine's SIP handling (ctk_acd_engine_input) on arbitrary bytes. One
 * input may hold several SIP messages separated by a line "@@@", so the fuzzer can reach call
 * states (INVITE then CANCEL, ACK, BYE...); timers run between messages and at the end. */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "acd/ctk_acd_engine.h"
#include "ctk_fuzz.h"
#include "ctk_log.h"

#define FUZZ_SIP_SEP "\n@@@\n"
#define FUZZ_SIP_MAX_MSGS 16

typedef struct sip_sink_state {
  unsigned long sent;
} sip_sink_state;

static int sip_discard(void *ctx, const ctk_acd_peer *to, const char *data, size_t len)
{
  sip_sink_state *st = ctx;
  /* every answer the engine sends must be a whole, non-empty message to a real peer */
  if(!to || !data || len == 0)
    abort();
  st->sent++;
  return 0;
}

static void sip_event(void *ctx, const ctk_acd_event *ev)
{
  (void)ctx;
  if(!ev || !ev->call_id || ev->kind >= CTK_ACD_EV__COUNT)
    abort();
}

int ctk_fuzz_sip(const uint8_t *data, size_t size)
{
  ctk_acd_config cfg;
  ctk_acd_transport tr;
  ctk_acd_sink sink;
  ctk_acd_engine *e = NULL;
  ctk_acd_peer peer;
  struct sockaddr_in *sin = (struct sockaddr_in *)&peer.addr;
  sip_sink_state st = { 0 };
  const char *p = (const char *)data;
  const char *end = p + size;
  uint64_t now = 1000;
  int n = 0;

  ctk_log_set_level(CTK_LOG_ERROR);
  ctk_acd_config_defaults(&cfg);
  cfg.agents = 1;         /* small, so the queue and the "busy" answer are reachable */
  cfg.queue_limit = 1;
  cfg.ivr_ms = 100;
  cfg.ring_ms = 100;
  cfg.linger_ms = 500;
  cfg.seed = 1;
  tr.send = sip_discard;
  tr.ctx = &st;
  if(ctk_acd_engine_new(&cfg, &tr, &e) != CTK_E_OK)
    abort();
  sink.on_event = sip_event;
  sink.ctx = NULL;
  ctk_acd_engine_add_sink(e, &sink);

  memset(&peer, 0, sizeof(peer));
  peer.proto = CTK_ACD_UDP;
  sin->sin_family = AF_INET;
  sin->sin_port = htons(5070);
  sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  peer.addrlen = sizeof(*sin);

  while(p < end && n++ < FUZZ_SIP_MAX_MSGS) {
    const char *sep = memmem(p, (size_t)(end - p), FUZZ_SIP_SEP, strlen(FUZZ_SIP_SEP));
    size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
    (void)ctk_acd_engine_input(e, p, len, &peer, now);
    now += 60;
    (void)ctk_acd_engine_tick(e, now);
    p = sep ? sep + strlen(FUZZ_SIP_SEP) : end;
  }
  /* let every timer fire: rings answer, retransmissions give up, lingering calls go */
  {
    int i;
    for(i = 0; i < 64; i++) {
      long next = ctk_acd_engine_tick(e, now);
      if(next < 0)
        break;
      now += (uint64_t)next + 1;
    }
  }
  ctk_acd_engine_free(e);
  return 0;
}

void ctk_fuzz_sip_cleanup(void)
{
}

#ifndef CTK_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return ctk_fuzz_sip(data, size);
}
#endif
