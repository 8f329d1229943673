/* ctk_bench_preload: fill a store with n orders the way the ministry stores reports, so the
 * growth benchmark can measure ingest against a full store without sending n requests first.
 * It writes through lib/ctk_store (the real schema and statements) in large transactions. */
#include "ctk_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctk_bench_template.h"
#include "ctk_store.h"

typedef struct preload_ctx {
  ctk_store *store;
  ctk_bench_template tpl;
  char *bytes;                 /* stamped request */
  ctk_buf answer;              /* a success Answer, as stored with the message-id row */
  const char *workorder;       /* the work-order element inside bytes */
  size_t workorder_len;
  const char *report;          /* the report's interface code */
  const char *ok;              /* the success result code */
} preload_ctx;

/* One order as flow_report leaves it at the ministry: order, history, msgid row, log row. */
static ctk_code preload_one(preload_ctx *c, unsigned long seq)
{
  ctk_order o;
  ctk_history_event ev;
  ctk_logged_msg m;
  char msg_id[CTK_BENCH_MSGID_LEN + 1];
  ctk_code result;

  memset(&o, 0, sizeof(o));
  ctk_bench_template_stamp(&c->tpl, c->bytes, seq, o.order_id);
  memcpy(msg_id, c->bytes + c->tpl.msgid_off, CTK_BENCH_MSGID_LEN);
  msg_id[CTK_BENCH_MSGID_LEN] = '\0';
  ctk_strlcpy(o.accept_time, c->tpl.accept_time, sizeof(o.accept_time));
  ctk_strlcpy(o.accept_region, c->tpl.region, sizeof(o.accept_region));
  ctk_strlcpy(o.handle_region, c->tpl.region, sizeof(o.handle_region));
  ctk_strlcpy(o.channel, c->tpl.channel, sizeof(o.channel));
  ctk_strlcpy(o.business_type, c->tpl.business_type, sizeof(o.business_type));
  ctk_strlcpy(o.domain, c->tpl.domain, sizeof(o.domain));
  ctk_strlcpy(o.status, c->tpl.status, sizeof(o.status));
  o.instant_answer = 1;
  ctk_strlcpy(o.origin, "360000", sizeof(o.origin));
  result = ctk_store_order_put(c->store, &o, c->workorder, c->workorder_len);
  if(result)
    return result;

  memset(&ev, 0, sizeof(ev));
  ctk_strlcpy(ev.time, c->tpl.accept_time, sizeof(ev.time));
  ctk_strlcpy(ev.interface_code, c->report, sizeof(ev.interface_code));
  ctk_strlcpy(ev.status, c->tpl.status, sizeof(ev.status));
  ctk_strlcpy(ev.region, "360000", sizeof(ev.region));
  ctk_strlcpy(ev.msg_id, msg_id, sizeof(ev.msg_id));
  result = ctk_store_history_add(c->store, o.order_id, &ev);
  if(result)
    return result;

  /* a fixed hash: no later request reuses these (sender, MsgId) pairs */
  result = ctk_store_msgid_put(c->store, "360000", msg_id,
                               "0000000000000000000000000000000000000000000000000000000000000000",
                               c->answer.data, c->answer.len, "application/xml; charset=UTF-8");
  if(result)
    return result;

  memset(&m, 0, sizeof(m));
  m.direction = "in";
  m.peer = "127.0.0.1:0";
  m.interface_code = c->report;
  m.msg_id = msg_id;
  m.sender = "360000";
  m.order_id = o.order_id;
  m.binding = "xml";
  m.encoding = "UTF-8";
  m.raw = c->bytes;
  m.raw_len = c->tpl.bytes.len;
  m.answer = c->answer.data;
  m.answer_len = c->answer.len;
  m.result_code = c->ok;
  m.verdict = "accepted";
  m.reason = "success";
  return ctk_store_log(c->store, &m);
}

static ctk_code preload_answer(const ctk_profile *p, ctk_buf *out)
{
  ctk_node ministry = { "100000", CTK_LEVEL_MINISTRY };
  ctk_node province = { "360000", CTK_LEVEL_PROVINCE };
  ctk_outcome ok;
  ctk_msg *req = NULL;
  ctk_msg *ans = NULL;
  ctk_code result;

  result = ctk_msg_new_request(p, ctk_profile_iface_code(p, CTK_IF_REPORT), &province,
                               &ministry, &req);
  if(!result) {
    memset(&ok, 0, sizeof(ok));
    ctk_outcome_set(&ok, p, "OK", "", "", "success");
    result = ctk_msg_new_answer(p, req, &ok, 0, &ans);
  }
  if(!result)
    result = ctk_msg_encode(p, ans, CTK_BIND_XML, CTK_ENC_UTF8, out);
  ctk_msg_free(req);
  ctk_msg_free(ans);
  return result;
}

ctk_code ctk_bench_preload(const ctk_profile *p, const char *db_path, unsigned long n,
                           unsigned long batch, int progress)
{
  ctk_node ministry = { "100000", CTK_LEVEL_MINISTRY };
  ctk_node province = { "360000", CTK_LEVEL_PROVINCE };
  preload_ctx c;
  char wo_open[CTK_NAME_MAX + 4], wo_close[CTK_NAME_MAX + 4];
  const char *wo_end;
  unsigned long done = 0;
  time_t started = time(NULL);
  ctk_code result;

  memset(&c, 0, sizeof(c));
  if(!batch)
    batch = 20000;
  ctk_buf_init(&c.answer, (size_t)64 * 1024);
  c.report = ctk_profile_iface_code(p, CTK_IF_REPORT);
  c.ok = ctk_profile_rc(p, "OK");
  snprintf(wo_open, sizeof(wo_open), "<%s>", ctk_el(p, CTK_EL_WORK_ORDER));
  snprintf(wo_close, sizeof(wo_close), "</%s>", ctk_el(p, CTK_EL_WORK_ORDER));
  result = ctk_bench_template_build(p, &province, &ministry, &c.tpl);
  if(!result)
    result = preload_answer(p, &c.answer);
  if(!result) {
    c.bytes = malloc(c.tpl.bytes.len + 1);
    if(!c.bytes)
      result = CTK_E_NOMEM;
  }
  if(!result) {
    memcpy(c.bytes, c.tpl.bytes.data, c.tpl.bytes.len + 1);
    /* the stored work-order element is a slice of the request; its ids are stamped in place */
    c.workorder = strstr(c.bytes, wo_open);
    wo_end = c.workorder ? strstr(c.workorder, wo_close) : NULL;
    if(!wo_end)
      result = CTK_E_INTERNAL;
    else
      c.workorder_len = (size_t)(wo_end - c.workorder) + strlen(wo_close);
  }
  if(!result)
    result = ctk_store_open(db_path, 0, &c.store);
  while(!result && done < n) {
    unsigned long end = done + batch < n ? done + batch : n;
    result = ctk_store_begin(c.store);
    while(!result && done < end)
      result = preload_one(&c, done++);
    if(result)
      ctk_store_rollback(c.store);
    else
      result = ctk_store_commit(c.store);
    if(progress)
      fprintf(stderr, "\r  preloaded %lu of %lu orders (%ld s)   ", done, n,
              (long)(time(NULL) - started));
  }
  if(progress)
    fputc('\n', stderr);
  ctk_store_close(c.store);
  free(c.bytes);
  ctk_buf_free(&c.answer);
  ctk_bench_template_free(&c.tpl);
  return result;
}
