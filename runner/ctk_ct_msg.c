/* ctk_ct_msg: building, sending and checking messages inside conformance tests. */
#include "ctk_ct_msg.h"

#include "ctk_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_proc.h"
#include "ctk_compose.h"
#include "ctk_ct_req.h"
#include "ctk_roles.h"

#define CT_ANSWER_MAX ((size_t)8 * 1024 * 1024)

void ctk_ct_reply_init(ctk_ct_reply *r)
{
  memset(r, 0, sizeof(*r));
  ctk_buf_init(&r->raw, CT_ANSWER_MAX);
}

void ctk_ct_reply_free(ctk_ct_reply *r)
{
  ctk_msg_free(r->answer);
  r->answer = NULL;
  ctk_buf_free(&r->raw);
}

ctk_ct_peer ctk_ct_sut(const ctk_ct *t)
{
  ctk_ct_peer peer;
  peer.name = "sut";
  peer.base_url = t->env->roles->sut_url;
  peer.ca_file = t->env->pixit->tls_ca[0] ? t->env->pixit->tls_ca : NULL;
  return peer;
}

ctk_ct_as ctk_ct_as_city(const ctk_ct *t, size_t city_index)
{
  ctk_ct_as as;
  const ctk_pixit *px = t->env->pixit;
  memset(&as, 0, sizeof(as));
  if(city_index >= px->n_cities)
    city_index = 0;
  ctk_strlcpy(as.node.region, px->cities[city_index], sizeof(as.node.region));
  as.node.level = CTK_LEVEL_CITY;
  as.secret = px->city_secret;
  return as;
}

ctk_ct_as ctk_ct_as_peer(const ctk_ct *t)
{
  ctk_ct_as as;
  const ctk_pixit *px = t->env->pixit;
  if(strcmp(px->sut_role, "city"))
    return ctk_ct_as_city(t, 0);
  memset(&as, 0, sizeof(as));
  snprintf(as.node.region, sizeof(as.node.region), "%.2s0000", px->sut_region);
  as.node.level = CTK_LEVEL_PROVINCE;
  as.secret = px->province_secret;
  return as;
}

ctk_ct_as ctk_ct_as_ministry(const ctk_ct *t)
{
  ctk_ct_as as;
  memset(&as, 0, sizeof(as));
  ctk_strlcpy(as.node.region, "100000", sizeof(as.node.region));
  as.node.level = CTK_LEVEL_MINISTRY;
  as.secret = t->env->pixit->ministry_secret;
  return as;
}

ctk_node ctk_ct_sut_node(const ctk_ct *t)
{
  ctk_node n;
  memset(&n, 0, sizeof(n));
  ctk_strlcpy(n.region, t->env->pixit->sut_region, sizeof(n.region));
  n.level = strcmp(t->env->pixit->sut_role, "city") ? CTK_LEVEL_PROVINCE : CTK_LEVEL_CITY;
  return n;
}

/* ---------- building ---------- */

xmlNodePtr ctk_ct_node_path(const ctk_msg *m, ctk_ct_from from, const ctk_element_role *path,
                            size_t n)
{
  xmlNodePtr node;
  size_t i;

  if(!m || !m->doc)
    return NULL;
  node = from == CTK_CT_ROOT ? xmlDocGetRootElement(m->doc) : m->body;
  for(i = 0; node && i < n; i++)
    node = ctk_xml_child(node, ctk_el(m->profile, path[i]));
  return node;
}

const char *ctk_ct_get_path(const ctk_msg *m, ctk_ct_from from, const ctk_element_role *path,
                            size_t n)
{
  char text[4 * CTK_NAME_MAX];
  size_t i, used = 0;

  if(!m || !m->profile)
    return NULL;
  text[0] = '\0';
  if(from == CTK_CT_ROOT)
    used = (size_t)snprintf(text, sizeof(text), "/");
  for(i = 0; i < n && used < sizeof(text); i++)
    used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", i ? "/" : "",
                             ctk_el(m->profile, path[i]));
  return used < sizeof(text) ? ctk_msg_get(m, text) : NULL;
}

const char *ctk_ct_first_code(const ctk_profile *p, ctk_element_role r)
{
  const ctk_codefield *cf = ctk_profile_codefield(p, ctk_el(p, r));
  const ctk_codeset *cs = cf ? ctk_profile_codeset(p, cf->codeset) : NULL;
  return cs && cs->count ? cs->entries[0].value : "";
}

void ctk_ct_code_outside(const ctk_profile *p, ctk_element_role r, char *out, size_t outlen)
{
  const ctk_codefield *cf = ctk_profile_codefield(p, ctk_el(p, r));
  if(!cf) {
    ctk_strlcpy(out, "", outlen);
    return;
  }
  ctk_profile_code_outside(p, cf->codeset, out, outlen);
}

/* The values of one message, set by role; a role the profile does not map (an optional
 * interface it lacks) is left out. The first failure is kept. */
typedef struct ct_bag {
  ctk_values *v;
  ctk_code result;
} ct_bag;

static void ct_set(ct_bag *b, ctk_element_role r, const char *text)
{
  ctk_code result;
  if(b->result || !text)
    return;
  result = ctk_values_set(b->v, r, text);
  if(result != CTK_E_NOTFOUND)
    b->result = result;
}

/* A bag of its own for one occurrence of the repeated element r. */
static ct_bag ct_item(ct_bag *b, ctk_element_role r)
{
  ct_bag item = { NULL, b->result };
  if(!b->result) {
    item.v = ctk_values_item(b->v, r);
    if(!item.v)
      b->result = item.result = CTK_E_NOMEM;
  }
  return item;
}

static void ct_set_workorder(const ctk_profile *p, ct_bag *b, const ctk_ct_order_spec *s,
                             const char *now)
{
  ct_set(b, CTK_EL_ORDER_ID, s->order_id);
  ct_set(b, CTK_EL_ACCEPT_TIME, now);
  ct_set(b, CTK_EL_ACCEPT_REGION, s->accept_region);
  ct_set(b, CTK_EL_HANDLE_REGION, s->handle_region ? s->handle_region : s->accept_region);
  ct_set(b, CTK_EL_CHANNEL, ctk_val(p, CTK_V_CH_PHONE));
  ct_set(b, CTK_EL_BUSINESS_TYPE,
         s->business_type ? s->business_type : ctk_val(p, CTK_V_BT_COMPLAINT));
  ct_set(b, CTK_EL_DOMAIN, ctk_ct_first_code(p, CTK_EL_DOMAIN));
  ct_set(b, CTK_EL_PHONE, "13800138000");
  ct_set(b, CTK_EL_CALLER_NAME, "张先生");
  ct_set(b, CTK_EL_SUBJECT, s->subject ? s->subject : "高速公路收费站排队过长");
  ct_set(b, CTK_EL_CONTENT, "来电反映收费站排队时间过长，请核查处理。");
  ct_set(b, CTK_EL_STATUS, ctk_st(p, s->instant ? CTK_ST_INSTANT_ANSWERED : CTK_ST_ACCEPTED));
  ct_set(b, CTK_EL_INSTANT_ANSWER, s->instant ? "true" : "false");
  if(s->deadline && s->deadline[0])
    ct_set(b, CTK_EL_DEADLINE, s->deadline);
}

/* The statistics period the runner reports: October 2026, Beijing time, as the profile writes
 * times. */
static void ct_stats_period(const ctk_profile *p, char *start, char *end, size_t len)
{
  time_t from = 0, to = 0;
  ctk_beijing_time(2026, 10, 1, 0, 0, 0, &from);
  ctk_beijing_time(2026, 10, 31, 23, 59, 59, &to);
  ctk_profile_time_format(p, from, start, len);
  ctk_profile_time_format(p, to, end, len);
}

/* The body values of a request of interface iface: what each of its elements says, by role.
 * The composer writes them in the order of the profile's schemas and takes a mandatory value
 * nobody gives (a field the baseline does not have) from the profile's sources. */
static void ct_body_values(const ctk_profile *p, ct_bag *b, ctk_interface_role iface,
                           const ctk_ct_order_spec *s, const char *sender_region)
{
  char now[40];
  ctk_profile_now(p, now, sizeof(now));
  if(iface != CTK_IF_STATISTICS && iface != CTK_IF_KNOWLEDGE && iface != CTK_IF_LINK_CHECK)
    ct_set(b, CTK_EL_ORDER_ID, s->order_id);
  switch(iface) {
  case CTK_IF_REPORT:
    ct_set_workorder(p, b, s, now);
    break;
  case CTK_IF_TRANSFER:
    ct_set(b, CTK_EL_TARGET_REGION, s->target_region ? s->target_region : s->handle_region);
    ct_set(b, CTK_EL_REASON, "属地办理");
    ct_set_workorder(p, b, s, now);
    break;
  case CTK_IF_SIGN:
    ct_set(b, CTK_EL_HANDLER, "李工");
    ct_set(b, CTK_EL_SIGN_TIME, now);
    break;
  case CTK_IF_RETURN:
    ct_set(b, CTK_EL_REASON, "不属本单位管辖");
    ct_set(b, CTK_EL_RETURN_TIME, now);
    break;
  case CTK_IF_FEEDBACK:
    ct_set(b, CTK_EL_HANDLER, "李工");
    ct_set(b, CTK_EL_PROGRESS, "已联系收费站核实情况");
    ct_set(b, CTK_EL_FEEDBACK_TIME, now);
    break;
  case CTK_IF_COMPLETE:
    ct_set(b, CTK_EL_HANDLER, "李工");
    ct_set(b, CTK_EL_OUTCOME, "已增开收费车道，来电人表示认可");
    ct_set(b, CTK_EL_COMPLETE_TIME, now);
    break;
  case CTK_IF_REVISIT:
    ct_set(b, CTK_EL_REACHED, "true");
    ct_set(b, CTK_EL_SATISFACTION, ctk_val(p, CTK_V_SAT_SATISFIED));
    ct_set(b, CTK_EL_REVISIT_TIME, now);
    break;
  case CTK_IF_URGE:
    ct_set(b, CTK_EL_REASON, "临近办理时限");
    ct_set(b, CTK_EL_URGE_TIME, now);
    break;
  case CTK_IF_SUPERVISE:
    ct_set(b, CTK_EL_REASON, "群众反映强烈，挂牌督办");
    ct_set(b, CTK_EL_SUPERVISE_TIME, now);
    if(s->deadline && s->deadline[0])
      ct_set(b, CTK_EL_DEADLINE, s->deadline); /* the new deadline (J1-FLOW-011) */
    break;
  case CTK_IF_STATISTICS: {
    char start[40], end[40];
    ct_bag ind;
    ct_stats_period(p, start, end, sizeof(start));
    ct_set(b, CTK_EL_STATS_REGION, sender_region);
    ct_set(b, CTK_EL_PERIOD_START, start);
    ct_set(b, CTK_EL_PERIOD_END, end);
    ind = ct_item(b, CTK_EL_INDICATOR);
    ct_set(&ind, CTK_EL_INDICATOR_NAME, "calls_total");
    ct_set(&ind, CTK_EL_INDICATOR_VALUE, "1024");
    b->result = b->result ? b->result : ind.result;
    break;
  }
  case CTK_IF_KNOWLEDGE: {
    ct_bag item = ct_item(b, CTK_EL_KB_ITEM);
    char item_id[40];
    snprintf(item_id, sizeof(item_id), "KB%s", s->order_id ? s->order_id : "000001");
    ct_set(&item, CTK_EL_KB_ITEM_ID, item_id);
    ct_set(&item, CTK_EL_KB_CLASS, ctk_ct_first_code(p, CTK_EL_KB_CLASS));
    ct_set(&item, CTK_EL_KB_TITLE, "高速公路通行费减免政策");
    ct_set(&item, CTK_EL_KB_CONTENT, "节假日七座以下小型客车免收通行费。");
    ct_set(&item, CTK_EL_KB_UPDATE_TIME, now);
    ct_set(&item, CTK_EL_KB_ACTION, ctk_val(p, CTK_V_KB_ADD));
    b->result = b->result ? b->result : item.result;
    break;
  }
  case CTK_IF_LINK_CHECK:
    ct_set(b, CTK_EL_ECHO, CTK_CT_ECHO);
    break;
  case CTK_IF_ARCHIVE:
    ct_set(b, CTK_EL_ARCHIVE_TIME, now);
    break;
  default:
    break;
  }
}

ctk_code ctk_ct_build(ctk_ct *t, ctk_interface_role iface, const ctk_node *from,
                      const ctk_node *to, const ctk_ct_order_spec *spec, ctk_msg **out)
{
  const ctk_profile *p = t->env->profile;
  const char *code = ctk_profile_iface_code(p, iface);
  ctk_ct_order_spec empty;
  ct_bag body;
  ctk_head h;
  xmlDocPtr doc = NULL;
  ctk_outcome why;
  char err[512] = "";
  ctk_code result;

  *out = NULL;
  if(!*code) {
    ctk_ct_error(t, 0, "the profile has no %s interface to send",
                 ctk_interface_role_name(iface));
    return CTK_E_NOTFOUND;
  }
  if(!spec) {
    memset(&empty, 0, sizeof(empty));
    spec = &empty;
  }
  ctk_msg_request_head(p, code, from, to, &h);
  body.v = ctk_values_new(p);
  body.result = body.v ? CTK_E_OK : CTK_E_NOMEM;
  ct_body_values(p, &body, iface, spec, from->region);
  result = body.result;
  if(!result)
    result = ctk_compose_request(p, &h, body.v, &doc, err, sizeof(err));
  ctk_values_free(body.v);
  if(!result) {
    memset(&why, 0, sizeof(why));
    result = ctk_msg_adopt(p, doc, out, &why);
    if(result)
      snprintf(err, sizeof(err), "%s", why.text);
  }
  if(result)
    ctk_ct_error(t, 0, "the runner could not compose its %s message: %s",
                 ctk_interface_role_name(iface), err[0] ? err : ctk_strerror(result));
  return result;
}

/* ---------- sending ---------- */

static void ct_result_name(const ctk_profile *p, const char *code, char *out, size_t outlen)
{
  size_t i;
  for(i = 0; i < p->n_results; i++) {
    if(!strcmp(p->results[i].code, code)) {
      ctk_strlcpy(out, p->results[i].name, outlen);
      return;
    }
  }
  ctk_strlcpy(out, "", outlen);
}

static void ct_url(const ctk_profile *p, const ctk_ct_peer *peer, ctk_binding b, char *out,
                   size_t outlen)
{
  snprintf(out, outlen, "%s%s", peer->base_url, ctk_binding_path(p, b));
}

static const char *ct_content_type(ctk_binding b, ctk_encoding e)
{
  if(b == CTK_BIND_SOAP)
    return e == CTK_ENC_GBK ? "text/xml; charset=GBK" : "text/xml; charset=UTF-8";
  return e == CTK_ENC_GBK ? "application/xml; charset=GBK" : "application/xml; charset=UTF-8";
}

void ctk_ct_send_raw(ctk_ct *t, const ctk_ct_peer *peer, const char *user, const char *secret,
                     const char *data, size_t len, ctk_binding b, const char *content_type,
                     ctk_ct_reply *r)
{
  const ctk_profile *p = t->env->profile;
  ctk_http_call call;
  ctk_http_reply hr;
  char url[CTK_ROLES_URL_MAX + 16];
  char peer_name[160];
  ctk_msg *probe = NULL;
  ctk_outcome probe_why;

  ct_url(p, peer, b, url, sizeof(url));
  snprintf(peer_name, sizeof(peer_name), "%.20s %.130s", peer->name, url);
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = content_type;
  call.soap_action = b == CTK_BIND_SOAP ? p->soap_action_header : NULL;
  call.user = user;
  call.password = user ? secret : NULL;
  call.body = data;
  call.body_len = len;
  call.timeout_ms = t->env->pixit->answer_timeout_ms;
  call.ca_file = peer->ca_file;
  memset(&hr, 0, sizeof(hr));
  ctk_buf_init(&hr.body, CT_ANSWER_MAX);

  /* The interface code of the request, for evidence, when the bytes can be read at all. */
  if(!ctk_msg_decode(p, data, len, b, &probe, &probe_why) && probe) {
    ctk_strlcpy(r->req_msg_id, probe->head.msg_id, sizeof(r->req_msg_id));
    ctk_strlcpy(r->req_iface, probe->head.interface_code, sizeof(r->req_iface));
    ctk_ct_record(t, CTK_XCHG_OUT, peer_name, probe->head.interface_code, 0, 0, NULL, data, len);
  }
  else
    ctk_ct_record(t, CTK_XCHG_OUT, peer_name, "", 0, 0, NULL, data, len);

  r->transport = ctk_http_post(t->env->http, &call, &hr);
  r->http_status = hr.status;
  r->ms = hr.total_ms;
  if(r->transport) {
    snprintf(r->why.text, sizeof(r->why.text), "no answer: %.200s", hr.error);
    ctk_ct_record(t, CTK_XCHG_IN, peer_name, probe ? probe->head.interface_code : "",
                  hr.total_ms, 0, NULL, hr.error, strlen(hr.error));
  }
  else {
    ctk_strlcpy(r->content_type, hr.content_type, sizeof(r->content_type));
    ctk_buf_add(&r->raw, ctk_buf_str(&hr.body), hr.body.len);
    if(hr.body.len &&
       !ctk_msg_decode(p, ctk_buf_str(&hr.body), hr.body.len, b, &r->answer, &r->why) &&
       r->answer && r->answer->is_answer) {
      ctk_problems problems;
      ctk_strlcpy(r->rc, r->answer->outcome.code, sizeof(r->rc));
      ct_result_name(p, r->rc, r->rc_name, sizeof(r->rc_name));
      /* an answer is a message of the profile too: its layout is checked like any request's */
      memset(&problems, 0, sizeof(problems));
      if(ctk_validate_msg(p, r->answer, &problems) && problems.count) {
        /* ...but its route: an answer goes back to whoever sent the request, whatever levels
         * a refused request claimed */
        size_t i;
        for(i = 0; i < problems.count && !r->answer_invalid; i++) {
          if(strcmp(problems.items[i].code, ctk_profile_rc(p, "ROUTE"))) {
            r->answer_invalid = 1;
            r->invalid = problems.items[i];
          }
        }
      }
    }
    else if(r->answer && !r->answer->is_answer) {
      snprintf(r->why.text, sizeof(r->why.text), "the reply is a Message, not an Answer");
      ctk_msg_free(r->answer);
      r->answer = NULL;
    }
    ctk_ct_record(t, CTK_XCHG_IN, peer_name, probe ? probe->head.interface_code : "",
                  hr.total_ms, (int)hr.status, r->rc, ctk_buf_str(&hr.body), hr.body.len);
  }
  ctk_msg_free(probe);
  ctk_buf_free(&hr.body);
}

void ctk_ct_send(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as, const ctk_msg *req,
                 ctk_binding b, ctk_encoding e, ctk_ct_reply *r)
{
  ctk_buf bytes;
  ctk_code result;
  ctk_buf_init(&bytes, CT_ANSWER_MAX);
  result = ctk_msg_encode(t->env->profile, req, b, e, &bytes);
  if(result) {
    r->transport = result;
    snprintf(r->why.text, sizeof(r->why.text), "the runner could not encode its request: %s",
             ctk_strerror(result));
    ctk_ct_error(t, 0, "%s", r->why.text);
    ctk_buf_free(&bytes);
    return;
  }
  ctk_ct_send_raw(t, peer, as->node.region, as->secret, ctk_buf_str(&bytes), bytes.len, b,
                  ct_content_type(b, e), r);
  ctk_buf_free(&bytes);
}

int ctk_ct_expect(ctk_ct *t, const ctk_ct_reply *r, const char *want, const char *req,
                  const char *what)
{
  if(r->transport == CTK_E_TIMEOUT) {
    ctk_ct_fail_timeout(t, req, "%s: no answer within %ld ms", what,
                        t->env->pixit->answer_timeout_ms);
    return 0;
  }
  if(r->transport) {
    /* the connection broke or the answer was cut short: no Answer is the envelope's failure */
    ctk_ct_fail(t, ctk_ct_rule(t, "envelope"), "%s: no readable answer: %s", what, r->why.text);
    return 0;
  }
  if(!r->answer) {
    ctk_ct_fail(t, r->why.requirement[0] ? r->why.requirement : ctk_ct_rule(t, "envelope"),
                "%s: HTTP %ld, the reply is not a readable Answer: %s %s", what,
                r->http_status, r->why.text, r->why.where);
    return 0;
  }
  if(r->answer_invalid) {
    ctk_ct_fail(t, r->invalid.requirement[0] ? r->invalid.requirement
                                             : ctk_ct_rule(t, "schema"),
                "%s: the answer (%s %s) is not a valid message of the profile: %s %s at %s",
                what, r->rc, r->rc_name, r->invalid.code, r->invalid.text, r->invalid.where);
    return 0;
  }
  if(!strcmp(r->rc_name, "OK") && r->req_msg_id[0] &&
     strcmp(r->answer->head.correl_id, r->req_msg_id)) {
    ctk_ct_fail(t, ctk_ct_rule(t, "correlation"), "%s: the answer's correlation id \"%s\" is "
                "not the request's message id \"%s\"", what, r->answer->head.correl_id,
                r->req_msg_id);
    return 0;
  }
  if(!strcmp(r->rc_name, "OK") && r->req_iface[0] &&
     strcmp(r->answer->head.interface_code, r->req_iface)) {
    ctk_ct_fail(t, ctk_ct_rule(t, "correlation"), "%s: the answer's interface code %s is not "
                "the request's %s", what, r->answer->head.interface_code, r->req_iface);
    return 0;
  }
  if(strcmp(r->rc_name, want)) {
    ctk_ct_fail(t, req, "%s: expected %s (%s), got %s %s \"%s\" where \"%s\"", what, want,
                ctk_profile_rc(t->env->profile, want), r->rc,
                r->rc_name[0] ? r->rc_name : "(not a result code of the profile)",
                r->answer->outcome.text, r->answer->outcome.where);
    return 0;
  }
  return 1;
}

int ctk_ct_step(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as,
                ctk_interface_role iface, const ctk_node *to, const ctk_ct_order_spec *spec,
                const char *want, const char *req, const char *what)
{
  ctk_msg *m = NULL;
  ctk_ct_reply r;
  int ok;
  if(ctk_ct_build(t, iface, &as->node, to, spec, &m)) {
    ctk_ct_error(t, 0, "%s: the runner could not build the %s interface", what,
                 ctk_interface_role_name(iface));
    return 0;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, peer, as, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  ok = !ctk_ct_done(t) && ctk_ct_expect(t, &r, want, req, what);
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
  return ok;
}

void ctk_ct_spec_order(ctk_ct_order_spec *spec, const char *order_id, const char *accept,
                       const char *handle)
{
  memset(spec, 0, sizeof(*spec));
  spec->order_id = order_id;
  spec->accept_region = accept;
  spec->handle_region = handle;
}

/* One step of a test to the SUT as as; the SUT's own node is the receiver. */
static int step_to_sut(ctk_ct *t, const ctk_ct_as *as, ctk_interface_role iface,
                       const ctk_ct_order_spec *spec, const char *want, const char *req,
                       const char *what)
{
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_node to = ctk_ct_sut_node(t);
  if(ctk_ct_done(t))
    return 0;
  return ctk_ct_step(t, &sut, as, iface, &to, spec, want, req, what);
}

int ctk_ct_city_step(ctk_ct *t, size_t city_index, ctk_interface_role iface,
                     const ctk_ct_order_spec *spec, const char *want, const char *req,
                     const char *what)
{
  ctk_ct_as as = ctk_ct_as_city(t, city_index);
  return step_to_sut(t, &as, iface, spec, want, req, what);
}

int ctk_ct_ministry_step(ctk_ct *t, ctk_interface_role iface, const ctk_ct_order_spec *spec,
                         const char *want, const char *req, const char *what)
{
  ctk_ct_as as = ctk_ct_as_ministry(t);
  return step_to_sut(t, &as, iface, spec, want, req, what);
}

int ctk_ct_query_sut(ctk_ct *t, const char *order_id, ctk_ct_reply *r)
{
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  ctk_ct_order_spec spec;
  ctk_msg *m = NULL;

  ctk_ct_reply_init(r);
  memset(&spec, 0, sizeof(spec));
  spec.order_id = order_id;
  if(ctk_ct_build(t, CTK_IF_QUERY, &as.node, &to, &spec, &m))
    return 0;
  ctk_ct_send(t, &sut, &as, m, CTK_BIND_XML, CTK_ENC_UTF8, r);
  ctk_msg_free(m);
  return 1;
}

int ctk_ct_query_status(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as,
                        const ctk_node *to, const char *order_id, char *status,
                        size_t statuslen)
{
  ctk_msg *m = NULL;
  ctk_ct_reply r;
  ctk_ct_order_spec spec;
  const char *st;
  int ok = 0;

  ctk_strlcpy(status, "", statuslen);
  memset(&spec, 0, sizeof(spec));
  spec.order_id = order_id;
  if(ctk_ct_build(t, CTK_IF_QUERY, &as->node, to, &spec, &m))
    return 0;
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, peer, as, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  /* The SUT's answer to the runner's own query: when none comes, or none can be read, that is
   * the SUT's envelope or binding at fault, not the order's state. */
  if(!strcmp(peer->name, "sut") && r.transport)
    ctk_ct_fail_timeout(t, ctk_ct_rule(t, "envelope"), "no answer to the runner's status "
                        "query (%s) of order %s: %s", r.req_iface, order_id, r.why.text);
  else if(!strcmp(peer->name, "sut") && !r.answer)
    ctk_ct_fail(t, r.why.requirement[0] ? r.why.requirement : ctk_ct_rule(t, "envelope"),
                "the SUT's answer to the runner's status query (%s) of order %s cannot be read "
                "(HTTP %ld): %s", r.req_iface, order_id, r.http_status, r.why.text);
  if(r.answer && !strcmp(r.rc_name, "OK")) {
    st = ctk_ct_get(r.answer, CTK_EL_WORK_ORDER, CTK_EL_STATUS);
    if(st) {
      ctk_strlcpy(status, st, statuslen);
      ok = 1;
    }
  }
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
  return ok;
}

ctk_node ctk_ct_city_node(const ctk_ct *t, size_t city_index)
{
  ctk_ct_as as = ctk_ct_as_city(t, city_index);
  return as.node;
}

ctk_node ctk_ct_ministry_node(void)
{
  ctk_node n;
  memset(&n, 0, sizeof(n));
  ctk_strlcpy(n.region, "100000", sizeof(n.region));
  n.level = CTK_LEVEL_MINISTRY;
  return n;
}

ctk_ct_peer ctk_ct_ministry(const ctk_ct *t)
{
  ctk_ct_peer peer;
  peer.name = "ministry";
  peer.base_url = t->env->roles->ministry_url;
  peer.ca_file = NULL;
  return peer;
}

ctk_ct_as ctk_ct_as_sut(const ctk_ct *t)
{
  ctk_ct_as as;
  memset(&as, 0, sizeof(as));
  as.node = ctk_ct_sut_node(t);
  as.secret = t->env->pixit->sut_secret;
  return as;
}

int ctk_ct_wait_status(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as,
                       const ctk_node *to, const char *order_id, const char *want, char *last,
                       size_t lastlen)
{
  long long until = ctk_now_ms() + t->env->pixit->propagate_timeout_ms;
  ctk_relay *up = !strcmp(peer->name, "ministry") && t->env->roles ?
                  t->env->roles->ministry_relay : NULL;
  for(;;) {
    ctk_relay_msg m;
    if(ctk_ct_query_status(t, peer, as, to, order_id, last, lastlen) && !strcmp(last, want))
      return 1;
    if(ctk_now_ms() >= until || ctk_proc_interrupted() || ctk_ct_done(t))
      return 0;
    /* the ministry already refused what the SUT sent about the order: it will not get there */
    if(up && ctk_relay_refused(up, "", order_id, ctk_profile_rc(t->env->profile, "OK"), 0, NULL,
                               NULL, &m)) {
      free(m.raw);
      return 0;
    }
    ctk_sleep_ms(100);
  }
}

int ctk_ct_expect_status(ctk_ct *t, const char *order_id, const char *want, const char *req)
{
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  char st[CTK_ID_MAX];
  if(ctk_ct_done(t))
    return 0;
  if(ctk_ct_query_status(t, &sut, &as, &to, order_id, st, sizeof(st)) && !strcmp(st, want))
    return 1;
  ctk_ct_fail(t, req, "the SUT shows order %s in state \"%s\", expected %s", order_id,
              st[0] ? st : "(query failed)", want);
  return 0;
}

/* Is the message about an order this test dealt with (its id in the test's evidence)? */
static int ct_own_order(void *ctx, const ctk_relay_msg *m)
{
  const ctk_ct *t = ctx;
  size_t i;
  if(!m->order_id[0])
    return 0;
  for(i = 0; i < t->res->n_exchanges; i++) {
    if(t->res->exchanges[i].raw && strstr(t->res->exchanges[i].raw, m->order_id))
      return 1;
  }
  return 0;
}

static int ct_fail_refused(ctk_ct *t, struct ctk_relay *relay, const char *counterpart,
                           const char *iface, const char *order_id, long since_seq, int own)
{
  ctk_relay_msg m;
  char name[CTK_ID_MAX];
  const char *req;

  if(!relay || ctk_ct_done(t) ||
     !ctk_relay_refused(relay, iface, order_id, ctk_profile_rc(t->env->profile, "OK"), since_seq,
                        own ? ct_own_order : NULL, t, &m))
    return 0;
  ct_result_name(t->env->profile, m.result, name, sizeof(name));
  /* the refusal's own requirement; else the interface's (its message is what broke). A
   * counterpart that refuses a step for its state holds the order in another state than the
   * SUT: the levels no longer agree (updates lost or out of order), whatever step it was. */
  req = m.answer_req[0] ? m.answer_req : "";
  if(!strcmp(name, "STATE") && ctk_ct_rule(t, "same-state")[0])
    req = ctk_ct_rule(t, "same-state");
  if(!req[0]) {
    const ctk_interface *ifc = ctk_profile_interface(t->env->profile, m.iface);
    req = ifc && ifc->n_requirements ? ifc->requirements[0] : ctk_ct_req(t, 0);
  }
  if(!m.answer_status)
    ctk_ct_fail(t, req, "%s of order %s (MsgId %s) to the %s got no answer: %s", m.iface,
                m.order_id, m.msg_id, counterpart, m.answer_text);
  else
    ctk_ct_fail(t, req, "the %s refused what the SUT sent: %s of order %s (MsgId %s) answered "
                "HTTP %d, result %s %s \"%s\"%s%s%s%s%s", counterpart, m.iface, m.order_id,
                m.msg_id, m.answer_status, m.result[0] ? m.result : "(none)", name[0] ? name : "",
                m.answer_text, m.answer_where[0] ? " where " : "", m.answer_where,
                m.answer_req[0] ? " (it names " : "", m.answer_req, m.answer_req[0] ? ")" : "");
  free(m.raw);
  return 1;
}

int ctk_ct_fail_refused_since(ctk_ct *t, struct ctk_relay *relay, const char *counterpart,
                              const char *iface, const char *order_id, long since_seq)
{
  return ct_fail_refused(t, relay, counterpart, iface, order_id, since_seq, 0);
}

int ctk_ct_fail_refused(ctk_ct *t, struct ctk_relay *relay, const char *counterpart,
                        const char *iface, const char *order_id)
{
  return ct_fail_refused(t, relay, counterpart, iface, order_id, 0, 0);
}

void ctk_ct_mark_links(ctk_ct *t)
{
  size_t total = 0;
  ctk_roles *roles = t->env->roles;
  t->link_mark[0] = t->link_mark[1] = 0;
  if(roles && roles->ministry_relay) {
    ctk_relay_count(roles->ministry_relay, &total);
    t->link_mark[0] = (long)total;
  }
  if(roles && roles->city_relay) {
    ctk_relay_count(roles->city_relay, &total);
    t->link_mark[1] = (long)total;
  }
}

int ctk_ct_fail_refused_links(ctk_ct *t)
{
  ctk_roles *roles = t->env->roles;
  if(!roles)
    return 0;
  return ct_fail_refused(t, roles->ministry_relay, "ministry", "", NULL, t->link_mark[0], 1) ||
         ct_fail_refused(t, roles->city_relay, "city", "", NULL, t->link_mark[1], 1);
}

int ctk_ct_expect_ministry_status(ctk_ct *t, const char *order_id, const char *want,
                                  const char *req)
{
  ctk_ct_peer m = ctk_ct_ministry(t);
  ctk_ct_as as = ctk_ct_as_sut(t);
  ctk_node to = ctk_ct_ministry_node();
  char st[CTK_ID_MAX];
  if(ctk_ct_done(t))
    return 0;
  if(ctk_ct_wait_status(t, &m, &as, &to, order_id, want, st, sizeof(st)))
    return 1;
  /* the SUT did send it, and the ministry said no: that refusal is the cause */
  if(ctk_ct_fail_refused(t, t->env->roles->ministry_relay, "ministry", "", order_id))
    return 0;
  ctk_ct_fail_timeout(t, req, "after %ld ms the ministry shows order %s in state \"%s\", "
                      "expected %s (the SUT did not pass the change up)",
                      t->env->pixit->propagate_timeout_ms, order_id,
                      st[0] ? st : "(unknown there)", want);
  return 0;
}

void ctk_ct_replace_all(ctk_buf *b, const char *from, const char *to)
{
  ctk_buf out;
  const char *s;
  const char *end;
  size_t flen = strlen(from);
  if(!b->data || !flen)
    return;
  ctk_buf_init(&out, b->max);
  s = b->data;
  end = b->data + b->len;
  while(s < end) {
    const char *hit = NULL;
    const char *q;
    for(q = s; q + flen <= end; q++) {
      if(*q == *from && !memcmp(q, from, flen)) {
        hit = q;
        break;
      }
    }
    if(!hit) {
      ctk_buf_add(&out, s, (size_t)(end - s));
      break;
    }
    ctk_buf_add(&out, s, (size_t)(hit - s));
    ctk_buf_adds(&out, to);
    s = hit + flen;
  }
  ctk_buf_reset(b);
  ctk_buf_add(b, out.data ? out.data : "", out.len);
  ctk_buf_free(&out);
}
