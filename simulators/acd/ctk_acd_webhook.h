/* ctk_acd_webhook: posts every call event as JSON to one URL (the city simulator's CTI intake),
 * from its own sender thread behind a bounded queue, so a slow receiver never holds up SIP. */
#ifndef CTK_ACD_WEBHOOK_H
#define CTK_ACD_WEBHOOK_H

#include <stddef.h>

#include "acd/ctk_acd_engine.h"
#include "ctk_buf.h"

/* {"event":"answered","call_id":"...","caller":"13800000000","agent":"A01",
 *  "time":"2026-11-29T13:00:00+08:00","wait_ms":1234,"recording":{"url":"...","sha256":"..."}}
 * "recording" is null for a call that was never answered. */
ctk_code ctk_acd_event_json(const ctk_acd_event *ev, ctk_buf *out);

typedef struct ctk_acd_webhook ctk_acd_webhook;

typedef struct ctk_acd_webhook_counts {
  unsigned long queued;   /* accepted into the queue */
  unsigned long sent;     /* answered 2xx */
  unsigned long failed;   /* gave up after the retries */
  unsigned long dropped;  /* the queue was full */
} ctk_acd_webhook_counts;

/* queue_max events wait at most (default 10000 when 0); each POST has timeout_ms (default 2000). */
ctk_code ctk_acd_webhook_start(const char *url, size_t queue_max, long timeout_ms,
                               ctk_acd_webhook **out);
/* Sink: ctx is the ctk_acd_webhook. Never blocks on the network. */
void ctk_acd_webhook_on_event(void *ctx, const ctk_acd_event *ev);
void ctk_acd_webhook_counts_get(ctk_acd_webhook *w, ctk_acd_webhook_counts *out);
/* Sends what is queued for at most drain_ms, then stops the thread and frees. NULL is fine. */
void ctk_acd_webhook_stop(ctk_acd_webhook *w, long drain_ms);

#endif
