/* ctk_bench_template: build a report once with the codec, then stamp ids in place.
 *
 * The client must cost far less than the server it measures, since both share two cores: one
 * message is built and encoded once, then each request is that template with its fixed-width
 * MsgId and OrderId overwritten. */
#include "ctk_bench_template.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctk_compose.h"

/* The first value of the code set the element of role r takes its values from. */
static const char *template_first_code(const ctk_profile *p, ctk_element_role r)
{
  const ctk_codefield *cf = ctk_profile_codefield(p, ctk_el(p, r));
  const ctk_codeset *cs = cf ? ctk_profile_codeset(p, cf->codeset) : NULL;
  return cs && cs->count ? cs->entries[0].value : "";
}

/* Set, leaving out a role the profile does not map; the first failure is kept. */
static void template_set(ctk_values *v, ctk_element_role r, const char *text, ctk_code *result)
{
  ctk_code set;
  if(*result)
    return;
  set = ctk_values_set(v, r, text);
  if(set != CTK_E_NOTFOUND)
    *result = set;
}

ctk_code ctk_bench_template_build(const ctk_profile *p, const ctk_node *sender,
                                  const ctk_node *receiver, ctk_bench_template *tpl)
{
  ctk_head h;
  ctk_values *v;
  xmlDocPtr doc = NULL;
  char err[256];
  char msgid[CTK_BENCH_MSGID_LEN + 1];
  char orderid[32];
  const char *hit;
  ctk_buf encoded;
  ctk_code result;

  memset(tpl, 0, sizeof(*tpl));
  ctk_buf_init(&tpl->bytes, (size_t)1024 * 1024);
  memset(msgid, '0', CTK_BENCH_MSGID_LEN);
  memcpy(msgid, "BENCH", 5);
  msgid[CTK_BENCH_MSGID_LEN] = '\0';
  ctk_strlcpy(tpl->region, sender->level == CTK_LEVEL_CITY ? sender->region : "360100",
              sizeof(tpl->region));
  snprintf(orderid, sizeof(orderid), "%s20260101000000", tpl->region);
  ctk_profile_now(p, tpl->accept_time, sizeof(tpl->accept_time));
  tpl->channel = ctk_val(p, CTK_V_CH_PHONE);
  tpl->business_type = ctk_val(p, CTK_V_BT_ENQUIRY);
  tpl->domain = template_first_code(p, CTK_EL_DOMAIN);
  tpl->status = ctk_st(p, CTK_ST_INSTANT_ANSWERED);

  /* composed in the order of the profile's schemas, like every message the kit sends */
  ctk_msg_request_head(p, ctk_profile_iface_code(p, CTK_IF_REPORT), sender, receiver, &h);
  v = ctk_values_new(p);
  result = v ? CTK_E_OK : CTK_E_NOMEM;
  template_set(v, CTK_EL_ORDER_ID, orderid, &result);
  template_set(v, CTK_EL_ACCEPT_TIME, tpl->accept_time, &result);
  template_set(v, CTK_EL_ACCEPT_REGION, tpl->region, &result);
  template_set(v, CTK_EL_HANDLE_REGION, tpl->region, &result);
  template_set(v, CTK_EL_CHANNEL, tpl->channel, &result);
  template_set(v, CTK_EL_BUSINESS_TYPE, tpl->business_type, &result);
  template_set(v, CTK_EL_DOMAIN, tpl->domain, &result);
  template_set(v, CTK_EL_PHONE, "13800138000", &result);
  template_set(v, CTK_EL_SUBJECT, "高速公路路况咨询", &result);
  template_set(v, CTK_EL_CONTENT, "来电咨询沪昆高速南昌段今日通行情况，已即时答复。", &result);
  template_set(v, CTK_EL_STATUS, tpl->status, &result);
  template_set(v, CTK_EL_INSTANT_ANSWER, "true", &result);
  if(!result)
    result = ctk_compose_request(p, &h, v, &doc, err, sizeof(err));
  ctk_values_free(v);
  if(result)
    return result;

  ctk_buf_init(&encoded, (size_t)1024 * 1024);
  result = ctk_compose_encode(p, doc, 0, CTK_BIND_XML, CTK_ENC_UTF8, &encoded);
  /* the codec's own MsgId varies in length: swap it for a fixed-width one we can stamp */
  hit = result ? NULL : strstr(ctk_buf_str(&encoded), h.msg_id);
  if(hit) {
    size_t at = (size_t)(hit - encoded.data);
    tpl->msgid_off = at;
    result = ctk_buf_add(&tpl->bytes, encoded.data, at);
    if(!result)
      result = ctk_buf_add(&tpl->bytes, msgid, CTK_BENCH_MSGID_LEN);
    if(!result)
      result = ctk_buf_adds(&tpl->bytes, hit + strlen(h.msg_id));
  }
  else if(!result)
    result = CTK_E_INTERNAL;
  ctk_buf_free(&encoded);
  xmlFreeDoc(doc);
  if(result)
    return result;
  hit = strstr(ctk_buf_str(&tpl->bytes), orderid);
  if(!hit)
    return CTK_E_INTERNAL;
  tpl->orderid_off = (size_t)(hit - tpl->bytes.data);
  return CTK_E_OK;
}

void ctk_bench_template_free(ctk_bench_template *tpl)
{
  ctk_buf_free(&tpl->bytes);
}

void ctk_bench_template_stamp(const ctk_bench_template *tpl, char *bytes, unsigned long seq,
                              char *order_id)
{
  char id[40];
  time_t day = (time_t)1767225600 + (time_t)(seq / 1000000UL) * 86400; /* 2026-01-01 UTC */
  struct tm tm;
  char date[16];

  gmtime_r(&day, &tm);
  strftime(date, sizeof(date), "%Y%m%d", &tm);
  snprintf(id, sizeof(id), "BENCH%027lu", seq);
  memcpy(bytes + tpl->msgid_off, id, CTK_BENCH_MSGID_LEN);
  snprintf(id, sizeof(id), "%.6s%.8s%06lu", tpl->region, date, seq % 1000000UL);
  memcpy(bytes + tpl->orderid_off, id, CTK_BENCH_ORDERID_LEN);
  if(order_id) {
    memcpy(order_id, id, CTK_BENCH_ORDERID_LEN);
    order_id[CTK_BENCH_ORDERID_LEN] = '\0';
  }
}
