/* ctk_bench_template: one WorkOrderReport encoded once, with fixed-width MsgId and OrderId
 * slots that the load generators overwrite in place for each order (no codec per request). */
#ifndef CTK_BENCH_TEMPLATE_H
#define CTK_BENCH_TEMPLATE_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_msg.h"
#include "ctk_profile.h"

#define CTK_BENCH_MSGID_LEN 32      /* "BENCH" + 27 digits */
#define CTK_BENCH_ORDERID_LEN 20    /* region(6) + date(8) + sequence(6) */

typedef struct ctk_bench_template {
  ctk_buf bytes;               /* the encoded request (XML binding, UTF-8) */
  size_t msgid_off;            /* offset of the MsgId value in bytes */
  size_t orderid_off;          /* offset of the OrderId value */
  char region[8];              /* accepting city: prefix of the OrderIds */
  /* the work order's codes (an instant-answered enquiry by phone) and accept time, as the
   * profile spells them: what a node stores for each order of the template */
  const char *channel;
  const char *business_type;
  const char *domain;
  const char *status;
  char accept_time[40];
} ctk_bench_template;

/* Build the template of a report from sender to receiver. The accepting city is the sender
 * when it is a city, else 360100 (a city of the default province 360000). */
ctk_code ctk_bench_template_build(const ctk_profile *p, const ctk_node *sender,
                                  const ctk_node *receiver, ctk_bench_template *tpl);
void ctk_bench_template_free(ctk_bench_template *tpl);

/* Order number seq -> unique MsgId and OrderId (region + date + 6-digit sequence: a new day
 * every million orders), written into bytes, a private copy of tpl->bytes. order_id (may be
 * NULL) receives the OrderId as a string (CTK_BENCH_ORDERID_LEN + 1 bytes). */
void ctk_bench_template_stamp(const ctk_bench_template *tpl, char *bytes, unsigned long seq,
                              char *order_id);

#endif
