/* ctk_sample: a valid value for every element role, taken from the profile wherever the profile
 * decides it (code values, level and state codes, time format, interface codes) and made up
 * where any profile would accept it (names, texts, phone numbers, region codes). */
#include "ctk_sample.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctk_calendar.h"
#include "ctk_region.h"

#define SAMPLE_CITY "360100"
#define SAMPLE_PROVINCE "360000"
#define SAMPLE_DATE "20261129"
#define SAMPLE_SHA256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

void ctk_sample_node(ctk_level level, ctk_node *out)
{
  memset(out, 0, sizeof(*out));
  out->level = level;
  ctk_strlcpy(out->region, level == CTK_LEVEL_MINISTRY   ? CTK_REGION_MINISTRY
                           : level == CTK_LEVEL_PROVINCE ? SAMPLE_PROVINCE
                                                         : SAMPLE_CITY,
              sizeof(out->region));
}

void ctk_sample_time(const ctk_profile *p, long minutes, char *out, size_t outlen)
{
  time_t t = 0;
  struct tm tm;

  ctk_beijing_time(2026, 11, 29, 9, 15, 0, &t);
  t += minutes * 60 + CTK_BEIJING_OFFSET_S;
  gmtime_r(&t, &tm);
  if(!outlen || !strftime(out, outlen, p->datetime_format, &tm))
    out[0] = '\0';
}

void ctk_sample_head(const ctk_profile *p, const ctk_interface *in, unsigned seq,
                     ctk_head *out)
{
  int up = !in || (in->directions & CTK_DIR_UP);

  memset(out, 0, sizeof(*out));
  ctk_sample_node(up ? CTK_LEVEL_CITY : CTK_LEVEL_PROVINCE, &out->sender);
  ctk_sample_node(up ? CTK_LEVEL_PROVINCE : CTK_LEVEL_CITY, &out->receiver);
  snprintf(out->msg_id, sizeof(out->msg_id), "%s%s130000%06u", out->sender.region, SAMPLE_DATE,
           seq % 1000000u);
  if(in)
    ctk_strlcpy(out->interface_code, in->code, sizeof(out->interface_code));
  ctk_sample_time(p, 225, out->send_time, sizeof(out->send_time));
  ctk_strlcpy(out->profile_version, p->version, sizeof(out->profile_version));
}

void ctk_sample_answer_head(const ctk_profile *p, const ctk_head *req, unsigned seq,
                            ctk_head *out)
{
  *out = *req;
  out->sender = req->receiver;
  out->receiver = req->sender;
  snprintf(out->msg_id, sizeof(out->msg_id), "%s%s130001%06u", out->sender.region, SAMPLE_DATE,
           seq % 1000000u);
  ctk_sample_time(p, 226, out->send_time, sizeof(out->send_time));
  ctk_strlcpy(out->correl_id, req->msg_id, sizeof(out->correl_id));
}

/* Set, ignoring roles the profile does not map (those of an optional interface it lacks). */
static ctk_code put(ctk_values *v, ctk_element_role r, const char *text)
{
  ctk_code result = ctk_values_set(v, r, text);
  return result == CTK_E_NOTFOUND ? CTK_E_OK : result;
}

static ctk_code put_time(const ctk_profile *p, ctk_values *v, ctk_element_role r, long minutes)
{
  char text[64];
  ctk_sample_time(p, minutes, text, sizeof(text));
  return put(v, r, text);
}

/* The first value of the code set the element's code field names; "" when none. */
static const char *first_code(const ctk_profile *p, ctk_element_role r)
{
  const ctk_codefield *cf = ctk_profile_codefield(p, ctk_el(p, r));
  const ctk_codeset *set = cf ? ctk_profile_codeset(p, cf->codeset) : NULL;
  return set && set->count ? set->entries[0].value : "";
}

static ctk_code sample_workorder(const ctk_profile *p, ctk_values *v)
{
  char order_id[64];
  ctk_values *att;
  ctk_code result;

  snprintf(order_id, sizeof(order_id), "%s%s000001", SAMPLE_CITY, SAMPLE_DATE);
  result = put(v, CTK_EL_ORDER_ID, order_id);
  if(!result)
    result = put_time(p, v, CTK_EL_ACCEPT_TIME, 0);
  if(!result)
    result = put(v, CTK_EL_ACCEPT_REGION, SAMPLE_CITY);
  if(!result)
    result = put(v, CTK_EL_HANDLE_REGION, SAMPLE_CITY);
  if(!result)
    result = put(v, CTK_EL_CHANNEL, ctk_val(p, CTK_V_CH_PHONE));
  if(!result)
    result = put(v, CTK_EL_BUSINESS_TYPE, ctk_val(p, CTK_V_BT_COMPLAINT));
  if(!result)
    result = put(v, CTK_EL_DOMAIN, first_code(p, CTK_EL_DOMAIN));
  if(!result)
    result = put(v, CTK_EL_PHONE, "13800138000");
  if(!result)
    result = put(v, CTK_EL_CALLER_NAME, "张先生");
  if(!result)
    result = put(v, CTK_EL_SUBJECT, "高速公路收费站排队过长");
  if(!result)
    result = put(v, CTK_EL_CONTENT, "来电反映收费站出口排队超过一公里，请求尽快疏导。");
  if(!result)
    result = put(v, CTK_EL_CALL_ID, "CALL-20261129-0001");
  if(!result)
    result = put(v, CTK_EL_STATUS, ctk_st(p, CTK_ST_ACCEPTED));
  if(!result)
    result = put(v, CTK_EL_INSTANT_ANSWER, "false");
  if(!result)
    result = put_time(p, v, CTK_EL_DEADLINE, 19L * 24 * 60);
  att = result ? NULL : ctk_values_item(v, CTK_EL_ATTACHMENT);
  if(!result && !att)
    return CTK_E_NOMEM;
  if(!result)
    result = put(att, CTK_EL_URL, "http://127.0.0.1:8080/rec/1.wav");
  if(!result)
    result = put(att, CTK_EL_SHA256, SAMPLE_SHA256);
  if(!result)
    result = put(att, CTK_EL_KIND, ctk_val(p, CTK_V_ATT_RECORDING));
  return result;
}

static ctk_code sample_process(const ctk_profile *p, ctk_values *v)
{
  ctk_code result = put(v, CTK_EL_TARGET_REGION, SAMPLE_PROVINCE);
  if(!result)
    result = put(v, CTK_EL_REASON, "跨市工单，请上级处理");
  if(!result)
    result = put(v, CTK_EL_HANDLER, "李工");
  if(!result)
    result = put_time(p, v, CTK_EL_SIGN_TIME, 45);
  if(!result)
    result = put_time(p, v, CTK_EL_RETURN_TIME, 75);
  if(!result)
    result = put(v, CTK_EL_PROGRESS, "已联系收费站增开车道");
  if(!result)
    result = put_time(p, v, CTK_EL_FEEDBACK_TIME, 105);
  if(!result)
    result = put(v, CTK_EL_OUTCOME, "已疏导，排队恢复正常");
  if(!result)
    result = put_time(p, v, CTK_EL_COMPLETE_TIME, 165);
  if(!result)
    result = put(v, CTK_EL_REACHED, "true");
  if(!result)
    result = put(v, CTK_EL_SATISFACTION, ctk_val(p, CTK_V_SAT_SATISFIED));
  if(!result)
    result = put(v, CTK_EL_COMMENT, "处理及时");
  if(!result)
    result = put_time(p, v, CTK_EL_REVISIT_TIME, 24L * 60);
  if(!result)
    result = put_time(p, v, CTK_EL_URGE_TIME, 16L * 24 * 60);
  if(!result)
    result = put_time(p, v, CTK_EL_SUPERVISE_TIME, 17L * 24 * 60);
  if(!result)
    result = put_time(p, v, CTK_EL_ARCHIVE_TIME, 2L * 24 * 60);
  if(!result)
    result = put(v, CTK_EL_ECHO, "ping 链路检测");
  if(!result)
    result = put_time(p, v, CTK_EL_SERVER_TIME, 226);
  return result;
}

static ctk_code sample_event(const ctk_profile *p, ctk_values *v)
{
  ctk_values *ev = ctk_values_item(v, CTK_EL_EVENT);
  ctk_code result = ev ? put_time(p, ev, CTK_EL_EVENT_TIME, 1) : CTK_E_NOMEM;
  if(!result)
    result = put(ev, CTK_EL_EVENT_INTERFACE, ctk_profile_iface_code(p, CTK_IF_REPORT));
  if(!result)
    result = put(ev, CTK_EL_EVENT_STATUS, ctk_st(p, CTK_ST_ACCEPTED));
  if(!result)
    result = put(ev, CTK_EL_EVENT_REGION, SAMPLE_CITY);
  return result;
}

static ctk_code sample_indicator(ctk_values *v, const char *name, const char *value)
{
  ctk_values *ind = ctk_values_item(v, CTK_EL_INDICATOR);
  ctk_code result = ind ? put(ind, CTK_EL_INDICATOR_NAME, name) : CTK_E_NOMEM;
  if(!result)
    result = put(ind, CTK_EL_INDICATOR_VALUE, value);
  return result;
}

static ctk_code sample_statistics(const ctk_profile *p, ctk_values *v)
{
  ctk_code result;
  if(!ctk_profile_iface(p, CTK_IF_STATISTICS))
    return CTK_E_OK;
  result = put(v, CTK_EL_STATS_REGION, SAMPLE_PROVINCE);
  if(!result)
    result = put_time(p, v, CTK_EL_PERIOD_START, -(28L * 24 * 60 + 9 * 60 + 15));
  if(!result)
    result = put_time(p, v, CTK_EL_PERIOD_END, 2L * 24 * 60 - 9 * 60 - 15);
  if(!result)
    result = sample_indicator(v, "calls.total", "21103");
  if(!result)
    result = sample_indicator(v, "answer.manual.rate", "96.69");
  return result;
}

static ctk_code sample_knowledge(const ctk_profile *p, ctk_values *v)
{
  ctk_values *item;
  ctk_code result;

  if(!ctk_profile_iface(p, CTK_IF_KNOWLEDGE))
    return CTK_E_OK;
  item = ctk_values_item(v, CTK_EL_KB_ITEM);
  result = item ? put(item, CTK_EL_KB_ITEM_ID, "KB-360000-0001") : CTK_E_NOMEM;
  if(!result)
    result = put(item, CTK_EL_KB_CLASS, first_code(p, CTK_EL_KB_CLASS));
  if(!result)
    result = put(item, CTK_EL_KB_TITLE, "高速公路通行费如何减免");
  if(!result)
    result = put(item, CTK_EL_KB_CONTENT, "鲜活农产品运输车辆按规定免收通行费。");
  if(!result)
    result = put_time(p, item, CTK_EL_KB_UPDATE_TIME, -(9L * 24 * 60));
  if(!result)
    result = put(item, CTK_EL_KB_ACTION, ctk_val(p, CTK_V_KB_ADD));
  return result;
}

ctk_code ctk_sample_body(const ctk_profile *p, ctk_values *v)
{
  ctk_code result = sample_workorder(p, v);
  if(!result)
    result = sample_process(p, v);
  if(!result)
    result = sample_event(p, v);
  if(!result)
    result = sample_statistics(p, v);
  if(!result)
    result = sample_knowledge(p, v);
  return result;
}
