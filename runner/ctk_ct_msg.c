/* ctk_ct_msg: building, sending and checking messages inside conformance tests. */
#include "ctk_ct_msg.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_proc.h"
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

void ctk_ct_order_id(const char *city_region, char out[24])
{
  static unsigned counter;
  static unsigned base;
  time_t now = time(NULL);
  char day[16];
  /* Beijing date, as the accepting city would write it. */
  ctk_beijing_strftime(now, "%Y%m%d", day, sizeof(day));
  if(!base)
    base = (unsigned)(ctk_beijing_seconds_of_day(now) * 9 % 800000);
  counter++;
  /* Sequences 900000 and above are left to the hostile catalogue (fixtures/hostile). */
  snprintf(out, 24, "%.6s%.8s%06u", city_region, day, (base + counter) % 900000u);
}

/* ---------- building ---------- */

static void ct_add_workorder(xmlNodePtr parent, const ctk_ct_order_spec *s)
{
  char now[40];
  ctk_workorder_fields f = {
    .order_id = s->order_id, .accept_time = now, .accept_region = s->accept_region,
    .handle_region = s->handle_region ? s->handle_region : s->accept_region,
    .channel = "01", .business_type = s->business_type ? s->business_type : "1",
    .domain = "01", .phone = "13800138000", .caller_name = "张先生",
    .subject = s->subject ? s->subject : "高速公路收费站排队过长",
    .content = "来电反映收费站排队时间过长，请核查处理。", .status = s->instant ? "02" : "01",
    .instant_answer = s->instant, .deadline = s->deadline,
  };
  ctk_msg_now(now, sizeof(now));
  ctk_msg_add_workorder(parent, &f);
}

static void ct_add_body(xmlNodePtr b, const char *iface, const ctk_ct_order_spec *s,
                        const char *sender_region)
{
  char now[40];
  int code = 0;
  ctk_msg_now(now, sizeof(now));
  sscanf(iface, "%d", &code);
  switch(code) {
  case 1001:
    ct_add_workorder(b, s);
    break;
  case 1002:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "TargetRegion", s->target_region ? s->target_region : s->handle_region);
    ctk_xml_add(b, "Reason", "属地办理");
    ct_add_workorder(b, s);
    break;
  case 1003:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "Handler", "李工");
    ctk_xml_add(b, "SignTime", now);
    break;
  case 1004:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "Reason", "不属本单位管辖");
    ctk_xml_add(b, "ReturnTime", now);
    break;
  case 1005:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "Handler", "李工");
    ctk_xml_add(b, "Progress", "已联系收费站核实情况");
    ctk_xml_add(b, "FeedbackTime", now);
    break;
  case 1006:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "Handler", "李工");
    ctk_xml_add(b, "Result", "已增开收费车道，来电人表示认可");
    ctk_xml_add(b, "CompleteTime", now);
    break;
  case 1007:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "Reached", "true");
    ctk_xml_add(b, "Satisfaction", "2");
    ctk_xml_add(b, "RevisitTime", now);
    break;
  case 1008:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "Reason", "临近办理时限");
    ctk_xml_add(b, "UrgeTime", now);
    break;
  case 1009:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "Reason", "群众反映强烈，挂牌督办");
    ctk_xml_add(b, "SuperviseTime", now);
    break;
  case 1010:
    ctk_xml_add(b, "OrderId", s->order_id);
    break;
  case 1011: {
    xmlNodePtr ind;
    ctk_xml_add(b, "Region", sender_region);
    ctk_xml_add(b, "PeriodStart", "2026-10-01T00:00:00+08:00");
    ctk_xml_add(b, "PeriodEnd", "2026-10-31T23:59:59+08:00");
    ind = ctk_xml_add(b, "Indicator", NULL);
    ctk_xml_add(ind, "Name", "calls_total");
    ctk_xml_add(ind, "Value", "1024");
    break;
  }
  case 1012: {
    xmlNodePtr item = ctk_xml_add(b, "Item", NULL);
    char item_id[40];
    snprintf(item_id, sizeof(item_id), "KB%s", s->order_id ? s->order_id : "000001");
    ctk_xml_add(item, "ItemId", item_id);
    ctk_xml_add(item, "Class", "01");
    ctk_xml_add(item, "Title", "高速公路通行费减免政策");
    ctk_xml_add(item, "Content", "节假日七座以下小型客车免收通行费。");
    ctk_xml_add(item, "UpdateTime", now);
    ctk_xml_add(item, "Action", "1");
    break;
  }
  case 1013:
    ctk_xml_add(b, "Echo", "ctk-linkcheck");
    break;
  case 1014:
    ctk_xml_add(b, "OrderId", s->order_id);
    ctk_xml_add(b, "ArchiveTime", now);
    break;
  default:
    break;
  }
}

ctk_code ctk_ct_build(const ctk_ct *t, const char *iface, const ctk_node *from,
                      const ctk_node *to, const ctk_ct_order_spec *spec, ctk_msg **out)
{
  ctk_ct_order_spec empty;
  ctk_code result;
  if(!spec) {
    memset(&empty, 0, sizeof(empty));
    spec = &empty;
  }
  result = ctk_msg_new_request(t->env->profile, iface, from, to, out);
  if(result)
    return result;
  if((*out)->body)
    ct_add_body((*out)->body, iface, spec, from->region);
  return CTK_E_OK;
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
    ctk_buf_add(&r->raw, ctk_buf_str(&hr.body), hr.body.len);
    if(hr.body.len &&
       !ctk_msg_decode(p, ctk_buf_str(&hr.body), hr.body.len, b, &r->answer, &r->why) &&
       r->answer && r->answer->is_answer) {
      ctk_strlcpy(r->rc, r->answer->outcome.code, sizeof(r->rc));
      ct_result_name(p, r->rc, r->rc_name, sizeof(r->rc_name));
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
    ctk_ct_fail(t, req, "%s: %s", what, r->why.text);
    return 0;
  }
  if(!r->answer) {
    ctk_ct_fail(t, r->why.requirement[0] ? r->why.requirement : "J3-ENV-001",
                "%s: HTTP %ld, the reply is not a readable Answer: %s %s", what,
                r->http_status, r->why.text, r->why.where);
    return 0;
  }
  if(!strcmp(r->rc_name, "OK") && r->req_msg_id[0] &&
     strcmp(r->answer->head.correl_id, r->req_msg_id)) {
    ctk_ct_fail(t, "J3-ENV-007", "%s: the answer's CorrelId \"%s\" is not the request's MsgId "
                "\"%s\"", what, r->answer->head.correl_id, r->req_msg_id);
    return 0;
  }
  if(!strcmp(r->rc_name, "OK") && r->req_iface[0] &&
     strcmp(r->answer->head.interface_code, r->req_iface)) {
    ctk_ct_fail(t, "J3-ENV-007", "%s: the answer's InterfaceCode %s is not the request's %s",
                what, r->answer->head.interface_code, r->req_iface);
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

int ctk_ct_step(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as, const char *iface,
                const ctk_node *to, const ctk_ct_order_spec *spec, const char *want,
                const char *req, const char *what)
{
  ctk_msg *m = NULL;
  ctk_ct_reply r;
  int ok;
  if(ctk_ct_build(t, iface, &as->node, to, spec, &m)) {
    ctk_ct_error(t, 0, "%s: the runner could not build interface %s", what, iface);
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
  spec->business_type = "1";
}

/* One step of a test to the SUT as as; the SUT's own node is the receiver. */
static int step_to_sut(ctk_ct *t, const ctk_ct_as *as, const char *iface,
                       const ctk_ct_order_spec *spec, const char *want, const char *req,
                       const char *what)
{
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_node to = ctk_ct_sut_node(t);
  if(ctk_ct_done(t))
    return 0;
  return ctk_ct_step(t, &sut, as, iface, &to, spec, want, req, what);
}

int ctk_ct_city_step(ctk_ct *t, size_t city_index, const char *iface,
                     const ctk_ct_order_spec *spec, const char *want, const char *req,
                     const char *what)
{
  ctk_ct_as as = ctk_ct_as_city(t, city_index);
  return step_to_sut(t, &as, iface, spec, want, req, what);
}

int ctk_ct_ministry_step(ctk_ct *t, const char *iface, const ctk_ct_order_spec *spec,
                         const char *want, const char *req, const char *what)
{
  ctk_ct_as as = ctk_ct_as_ministry(t);
  return step_to_sut(t, &as, iface, spec, want, req, what);
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
  if(ctk_ct_build(t, "1010", &as->node, to, &spec, &m))
    return 0;
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, peer, as, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  if(r.answer && !strcmp(r.rc_name, "OK")) {
    st = ctk_msg_get(r.answer, "WorkOrder/Status");
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
  for(;;) {
    if(ctk_ct_query_status(t, peer, as, to, order_id, last, lastlen) && !strcmp(last, want))
      return 1;
    if(ctk_now_ms() >= until || ctk_proc_interrupted() || ctk_ct_done(t))
      return 0;
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
