/* ctk_acd_control: the queue simulator's control port: GET /stats, and GET/POST /control to
 * read and steer the queue (agents, limits, delays, talk time) while it runs. */
/* HTTP threads hand changes to the single SIP loop, which applies them; a POST returns once the
 * change is in effect. */
#ifndef CTK_ACD_CONTROL_H
#define CTK_ACD_CONTROL_H

#include "acd/ctk_acd_engine.h"
#include "acd/ctk_acd_stats.h"
#include "ctk_buf.h"
#include "ctk_http.h"

typedef struct ctk_acd_control ctk_acd_control;

/* cfg is the configuration the engine starts with. */
ctk_code ctk_acd_control_new(const ctk_acd_config *cfg, ctk_acd_control **out);
void ctk_acd_control_free(ctk_acd_control *c);

/* Loop side. The descriptor becomes readable when a change waits (poll it for POLLIN). */
int ctk_acd_control_fd(const ctk_acd_control *c);
/* Applies a waiting change to the engine and wakes the HTTP request that asked for it. */
void ctk_acd_control_apply(ctk_acd_control *c, ctk_acd_engine *engine);
/* Publishes the statistics for GET /stats (call after counting each event). */
void ctk_acd_control_publish(ctk_acd_control *c, const ctk_acd_stats *stats);

/* One ended call as GET /calls lists it: the ids each CTI family gave it, so a checker can
 * find the work order a city made for it. */
#define CTK_ACD_CALLS_KEPT 2048
typedef struct ctk_acd_call_record {
  unsigned long seq;           /* 1, 2, ... in the order calls were offered in this run */
  char outcome[16];            /* "answered", "abandoned", "cleared" (refused or timed out) */
  char caller[64];
  int64_t offered_ms, answered_ms, ended_ms; /* wall clock; answered_ms 0 when never */
  char sip_call_id[128];       /* also CSTA's callID */
  char ami_uniqueid[32];
  char esl_uuid[40];
} ctk_acd_call_record;
/* Keeps the record for GET /calls (the last CTK_ACD_CALLS_KEPT). */
void ctk_acd_control_publish_call(ctk_acd_control *c, const ctk_acd_call_record *rec);

/* The ctk_http handler (ctx is the control). */
int ctk_acd_control_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp);

/* {"agents":5,"queue_limit":50,"busy_code":486,"ivr_ms":0,"ring_ms":0,"wrap_ms":0,
 *  "max_wait_ms":0,"talk":"caller"} */
ctk_code ctk_acd_config_json(const ctk_acd_config *cfg, ctk_buf *out);
/* Applies the members of a JSON object to cfg; unknown members and bad values are refused
 * with a reason. */
ctk_code ctk_acd_config_from_json(const char *json, ctk_acd_config *cfg, char *why, size_t why_size);
/* "caller", "fixed:MS", "uniform:A-B", "exp:MEAN" */
void ctk_acd_talk_format(const ctk_acd_talk *t, char *out, size_t size);

#endif
