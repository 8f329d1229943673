/* ctk_j1_city: conformance tests against a city system (`ctk run --sut city`): the runner
 * plays the province above it (the reference province behind a recording relay) and the queue
 * machine beside it; the city acts through the simulator's control API in self-test. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_ct.h"
#include "ctk_ct_city.h"
#include "ctk_ct_msg.h"
#include "ctk_ct_req.h"
#include "ctk_ct_suites.h"
#include "ctk_proc.h"
#include "ctk_roles.h"
#include "ctk_validate.h"

/* Bytes read from the queue machine's statistics. */
#define CITY_STATS_MAX ((size_t)64 * 1024)
/* Calls per second SIPp makes; each call talks CITY_CALL_TALK_MS, so a few run at once. */
#define CITY_CALL_RATE 20
#define CITY_CALL_TALK_MS 200

/* Check one message the city sent up: valid, sent as the city, and accepted by the province.
 * The reference province keeps every order's state, so an answer other than OK means the
 * city took a step its order does not allow (or reported what the province cannot take).
 * msg gets the decoded message when valid (free it). 1 when all is well; else the test fails
 * on req (or on the requirement the validator names). */
static int city_check_up(ctk_ct *t, const ctk_relay_msg *m, const char *req, ctk_msg **msg)
{
  const ctk_pixit *px = t->env->pixit;
  const ctk_result_code *rc;
  ctk_problems pr;

  *msg = NULL;
  memset(&pr, 0, sizeof(pr));
  if(ctk_validate_bytes(t->env->profile, m->raw, m->raw_len,
                        m->soap ? CTK_BIND_SOAP : CTK_BIND_XML, msg, &pr)) {
    const ctk_outcome *o = pr.count ? &pr.items[0] : NULL;
    ctk_msg_free(*msg);
    *msg = NULL;
    ctk_ct_fail(t, o && o->requirement[0] ? o->requirement : ctk_ct_rule(t, "schema"),
                "the city's %s about %s is invalid: %s %s at %s", m->iface, m->order_id,
                o ? o->code : "?", o ? o->text : "", o ? o->where : "");
    return 0;
  }
  if(strcmp(m->user, px->sut_region)) {
    ctk_ct_fail(t, ctk_ct_rule(t, "auth"), "the city's %s authenticated as \"%s\", not %s",
                m->iface, m->user, px->sut_region);
    return 0;
  }
  rc = ctk_profile_result_by_code(t->env->profile, m->result);
  if(!rc || strcmp(rc->name, "OK")) {
    ctk_ct_fail(t, req, "the province answered the city's %s about order %s with %s (%s): "
                "not a step the order's state allows", m->iface, m->order_id,
                m->result[0] ? m->result : "no result", rc ? rc->name : "unknown code");
    return 0;
  }
  return 1;
}

/* Wait for the city's message of interface role iface about order at the runner's province;
 * check every copy. Fails on the requirement of the interface's process step. */
static int city_expect_up(ctk_ct *t, ctk_interface_role role, const char *order)
{
  ctk_relay *relay = t->env->roles->province_relay;
  const ctk_pixit *px = t->env->pixit;
  const char *iface = ctk_profile_iface_code(t->env->profile, role);
  const char *req = ctk_ct_step_req(t, role);
  size_t i, n;
  if(ctk_ct_done(t))
    return 0;
  if(!ctk_relay_wait(relay, iface, order, NULL, 1, px->propagate_timeout_ms)) {
    ctk_ct_fail_timeout(t, req, "the city sent no %s about order %s to its province within %ld ms",
                        iface, order, px->propagate_timeout_ms);
    return 0;
  }
  n = ctk_relay_count(relay, NULL);
  for(i = 0; i < n && !ctk_ct_done(t); i++) {
    ctk_relay_msg m;
    ctk_msg *msg = NULL;
    if(!ctk_relay_get(relay, i, &m))
      continue;
    if(!strcmp(m.iface, iface) && !strcmp(m.order_id, order))
      city_check_up(t, &m, req, &msg);
    ctk_msg_free(msg);
    free(m.raw);
  }
  return !ctk_ct_done(t);
}

/* ---------- the queue machine beside the city ---------- */

/* 1 when the city declares CTI intake and the runner started the queue machine for it. */
static int city_has_cti(ctk_ct *t)
{
  char why[128];
  return ctk_pics_eval(t->env->pics, "cti.webhook", why, sizeof(why)) == 1 &&
         t->env->roles->acd_control[0];
}

/* Is SIPp on PATH? `ctk load calls` needs it. */
static int city_sipp_found(void)
{
  const char *path = getenv("PATH");
  char dir[512], file[600];
  while(path && *path) {
    size_t n = strcspn(path, ":");
    if(n && n < sizeof(dir)) {
      memcpy(dir, path, n);
      dir[n] = '\0';
      snprintf(file, sizeof(file), "%s/sipp", dir);
      if(!access(file, X_OK))
        return 1;
    }
    path += n;
    if(*path == ':')
      path++;
  }
  return 0;
}

/* Calls answered so far by the queue machine (its GET /stats). 0 and an error verdict when it
 * cannot be read: the queue machine is the tool's. */
static int city_acd_answered(ctk_ct *t, long *answered)
{
  ctk_http_call call;
  ctk_http_reply hr;
  char url[CTK_ROLES_URL_MAX + 16];
  struct json_object *obj = NULL, *v = NULL;
  ctk_code result;

  snprintf(url, sizeof(url), "%s/stats", t->env->roles->acd_control);
  memset(&call, 0, sizeof(call));
  memset(&hr, 0, sizeof(hr));
  ctk_buf_init(&hr.body, CITY_STATS_MAX);
  call.url = url;
  call.timeout_ms = t->env->pixit->answer_timeout_ms;
  result = ctk_http_get(t->env->http, &call, &hr);
  ctk_ct_record(t, CTK_XCHG_IN, "queue machine /stats", "", hr.total_ms, (int)hr.status, NULL,
                ctk_buf_str(&hr.body), hr.body.len);
  if(!result && hr.status == 200)
    obj = json_tokener_parse(ctk_buf_str(&hr.body));
  ctk_buf_free(&hr.body);
  if(!obj || !json_object_object_get_ex(obj, "answered", &v)) {
    json_object_put(obj);
    ctk_ct_error(t, 0, "the queue machine's statistics could not be read (%s; log: %s)",
                 result ? ctk_strerror(result) : "no answered count",
                 t->env->roles->acd.log_path);
    return 0;
  }
  *answered = (long)json_object_get_int64(v);
  json_object_put(obj);
  return 1;
}

/* What SIPp did, from `ctk load calls --json`. */
typedef struct city_calls {
  long asked;
  long successful;
  long failed;
  int passed;
  char reason[256];
} city_calls;

static long city_json_long(struct json_object *obj, const char *key)
{
  struct json_object *v = NULL;
  return json_object_object_get_ex(obj, key, &v) ? (long)json_object_get_int64(v) : -1;
}

/* Make calls calls to the queue machine on sip_port with SIPp (`ctk load calls`, scenario
 * talk or abandon, each call lasting pause_ms), bounded in time. 1 when SIPp's result was read;
 * else an error verdict (the tool's side). */
static int city_make_calls_to(ctk_ct *t, int sip_port, const char *scenario, int calls,
                              int pause_ms, city_calls *out)
{
  static int run_no;
  const ctk_roles *roles = t->env->roles;
  char json_path[600], log_path[600], n[16], target[32], rundir[600], rate[16], talk[16];
  char *argv[24];
  size_t a = 0;
  ctk_proc load;
  struct json_object *obj, *v = NULL;
  const char *text;

  run_no++;
  snprintf(json_path, sizeof(json_path), "%s/cti-calls-%d.json", t->env->workdir, run_no);
  snprintf(log_path, sizeof(log_path), "%s/cti-calls-%d.log", t->env->workdir, run_no);
  snprintf(rundir, sizeof(rundir), "%s/cti-calls-%d", t->env->workdir, run_no);
  snprintf(n, sizeof(n), "%d", calls);
  snprintf(rate, sizeof(rate), "%d", CITY_CALL_RATE);
  snprintf(talk, sizeof(talk), "%d", pause_ms);
  snprintf(target, sizeof(target), "127.0.0.1:%d", sip_port);
  remove(json_path);
  argv[a++] = (char *)roles->ctk_bin;
  argv[a++] = "load";
  argv[a++] = "calls";
  argv[a++] = "--target";
  argv[a++] = target;
  argv[a++] = "--scenario";
  argv[a++] = (char *)scenario;
  argv[a++] = "--calls";
  argv[a++] = n;
  argv[a++] = "--rate";
  argv[a++] = rate;
  argv[a++] = "--pause-ms";
  argv[a++] = talk;
  argv[a++] = "--run-dir";
  argv[a++] = rundir;
  argv[a++] = "--json";
  argv[a++] = json_path;
  argv[a] = NULL;
  memset(&load, 0, sizeof(load));
  if(ctk_proc_start(&load, "load-calls", argv, log_path)) {
    ctk_ct_error(t, 0, "cannot start %s load calls", roles->ctk_bin);
    return 0;
  }
  /* ctk load calls bounds SIPp itself (calls/rate + pause + 15 s, killed 10 s later). */
  ctk_proc_wait_exit(&load, calls * 1000L / CITY_CALL_RATE + pause_ms + 30000);
  ctk_proc_stop(&load, 2000);
  obj = json_object_from_file(json_path);
  if(!obj) {
    ctk_ct_error(t, 0, "ctk load calls wrote no result (log: %s)", log_path);
    return 0;
  }
  memset(out, 0, sizeof(*out));
  out->asked = city_json_long(obj, "asked");
  out->successful = city_json_long(obj, "successful");
  out->failed = city_json_long(obj, "failed");
  out->passed = json_object_object_get_ex(obj, "passed", &v) && json_object_get_boolean(v);
  if(json_object_object_get_ex(obj, "reason", &v))
    ctk_strlcpy(out->reason, json_object_get_string(v), sizeof(out->reason));
  text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
  ctk_ct_record(t, CTK_XCHG_IN, "ctk load calls", "", 0, 0, NULL, text, strlen(text));
  json_object_put(obj);
  return 1;
}

static int city_make_calls(ctk_ct *t, int calls, city_calls *out)
{
  return city_make_calls_to(t, t->env->roles->acd_sip_port, "talk", calls, CITY_CALL_TALK_MS,
                            out);
}

/* Is kind the profile's code of a recording (its attachment-kind value role)? */
static int city_is_recording(const ctk_profile *p, const char *kind)
{
  return kind && !strcmp(kind, ctk_val(p, CTK_V_ATT_RECORDING));
}

/* One order the city made from a call. */
typedef struct city_cti_order {
  char call_id[CTK_MSGID_MAX + 64];
  char order_id[32];
} city_cti_order;

/* Index of call_id in orders[0..count), or count when it is not there. */
static size_t city_find_call(const city_cti_order *orders, size_t count, const char *call_id)
{
  size_t k;
  for(k = 0; k < count; k++) {
    if(!strcmp(orders[k].call_id, call_id))
      break;
  }
  return k;
}

/* Walk the city's reports from relay message `from` on: each one that carries a call id must
 * be valid, accepted by the province, and carry the call's recording; a call may become only
 * one order (else the test fails on req). Fills orders (distinct calls, at most max) and
 * *count. 1 when all is well. */
static int city_cti_reports(ctk_ct *t, size_t from, const char *req, city_cti_order *orders,
                            size_t max, size_t *count)
{
  ctk_relay *relay = t->env->roles->province_relay;
  const char *report = ctk_profile_iface_code(t->env->profile, CTK_IF_REPORT);
  size_t i, k, n = ctk_relay_count(relay, NULL);
  *count = 0;
  for(i = from; i < n && !ctk_ct_done(t); i++) {
    ctk_relay_msg m;
    ctk_msg *msg = NULL;
    const char *call, *kind, *url, *sha;
    if(!ctk_relay_get(relay, i, &m))
      continue;
    if(!strcmp(m.iface, report) && city_check_up(t, &m, req, &msg)) {
      call = ctk_ct_get(msg, CTK_EL_WORK_ORDER, CTK_EL_CALL_ID);
      kind = ctk_ct_get(msg, CTK_EL_WORK_ORDER, CTK_EL_ATTACHMENTS, CTK_EL_ATTACHMENT,
                        CTK_EL_KIND);
      url = ctk_ct_get(msg, CTK_EL_WORK_ORDER, CTK_EL_ATTACHMENTS, CTK_EL_ATTACHMENT,
                       CTK_EL_URL);
      sha = ctk_ct_get(msg, CTK_EL_WORK_ORDER, CTK_EL_ATTACHMENTS, CTK_EL_ATTACHMENT,
                       CTK_EL_SHA256);
      if(call && *call) {
        if(!city_is_recording(t->env->profile, kind) || !url || !*url || !sha ||
           strlen(sha) != 64)
          ctk_ct_fail(t, req, "order %s of call %s carries no recording attachment (the "
                      "recording's kind, its address and digest)", m.order_id, call);
        k = city_find_call(orders, *count, call);
        if(k < *count && strcmp(orders[k].order_id, m.order_id))
          ctk_ct_fail(t, req, "call %s became two orders, %s and %s", call,
                      orders[k].order_id, m.order_id);
        else if(k == *count && *count < max) {
          ctk_strlcpy(orders[k].call_id, call, sizeof(orders[k].call_id));
          ctk_strlcpy(orders[k].order_id, m.order_id, sizeof(orders[k].order_id));
          (*count)++;
        }
      }
    }
    ctk_msg_free(msg);
    free(m.raw);
  }
  return !ctk_ct_done(t);
}

/* ---------- tests ---------- */

/* An external city with a queue machine: one call is the order its operator would accept. */
static void city_report_by_call(ctk_ct *t)
{
  ctk_relay *relay = t->env->roles->province_relay;
  const char *report = ctk_profile_iface_code(t->env->profile, CTK_IF_REPORT);
  size_t from = ctk_relay_count(relay, NULL);
  size_t reports = ctk_relay_find(relay, report, NULL, NULL);
  city_cti_order order;
  size_t count = 0;
  city_calls run;

  if(!city_sipp_found()) {
    ctk_ct_inconc(t, "an external city accepts an order only from a call, and SIPp (sipp) is "
                  "not on PATH");
    return;
  }
  if(!city_make_calls(t, 1, &run))
    return;
  if(run.successful != 1) {
    ctk_ct_error(t, 0, "the queue machine did not complete the call (%s)", run.reason);
    return;
  }
  ctk_relay_wait(relay, report, NULL, NULL, reports + 1, t->env->pixit->propagate_timeout_ms);
  /* the order of a call: the test's fourth requirement */
  if(!city_cti_reports(t, from, ctk_ct_req(t, 3), &order, 1, &count))
    return;
  if(!count) {
    ctk_ct_fail_timeout(t, ctk_ct_step_req(t, CTK_IF_REPORT), "the city reported no order for "
                        "the answered call within %ld ms", t->env->pixit->propagate_timeout_ms);
    return;
  }
  ctk_ct_pass(t, "the city reported order %s (%s, valid, accepted) for call %s; its "
              "completion needs the city's operator and is not checked", order.order_id, report,
              order.call_id);
}

static void ctk_ct_c1_report(ctk_ct *t)
{
  const char *city = t->env->pixit->sut_region;
  char order[40];
  if(!ctk_ct_city_available(t)) {
    if(city_has_cti(t))
      city_report_by_call(t);
    else
      ctk_ct_inconc(t, "making an external city accept an order needs its operator or a "
                    "queue machine (declare cti.webhook in the PICS and cti.webhook_url in the "
                    "PIXIT)");
    return;
  }
  if(!ctk_ct_city_create(t, city, "local", NULL, order, sizeof(order)) ||
     !city_expect_up(t, CTK_IF_REPORT, order) ||
     !ctk_ct_city_act(t, city, order, "complete") ||
     !city_expect_up(t, CTK_IF_COMPLETE, order))
    return;
  ctk_ct_pass(t, "order %s: the city reported it and its completion, both valid and accepted "
              "by the province", order);
}

/* The runner's second city sends interface iface about an order to the reference province.
 * The province is the tool's, so anything but OK is a tool error. */
static int city_other_to_province(ctk_ct *t, ctk_interface_role iface,
                                  const ctk_ct_order_spec *spec)
{
  const ctk_roles *roles = t->env->roles;
  ctk_ct_peer prov = { "province", roles->province_url, NULL };
  ctk_ct_as other;
  ctk_node to;
  ctk_msg *req = NULL;
  ctk_ct_reply r;
  int ok;

  memset(&other, 0, sizeof(other));
  ctk_strlcpy(other.node.region, roles->other_city, sizeof(other.node.region));
  other.node.level = CTK_LEVEL_CITY;
  other.secret = roles->other_city_secret;
  memset(&to, 0, sizeof(to));
  snprintf(to.region, sizeof(to.region), "%.2s0000", t->env->pixit->sut_region);
  to.level = CTK_LEVEL_PROVINCE;
  if(ctk_ct_build(t, iface, &other.node, &to, spec, &req)) {
    ctk_ct_error(t, 0, "cannot build the second city's %s", ctk_interface_role_name(iface));
    return 0;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, &prov, &other, req, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  ok = !r.transport && !strcmp(r.rc_name, "OK");
  if(!ok)
    ctk_ct_error(t, 0, "the runner's province answered the second city's %s with \"%s\" "
                 "(log: %s)", ctk_interface_role_name(iface), r.rc_name,
                 roles->province.log_path);
  ctk_ct_reply_free(&r);
  ctk_msg_free(req);
  return ok;
}

static void ctk_ct_c1_transfer(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const ctk_roles *roles = t->env->roles;
  const char *transferred = ctk_st(t->env->profile, CTK_ST_TRANSFERRED);
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as prov = ctk_ct_as_peer(t);
  ctk_node to = ctk_ct_sut_node(t);
  char order[24], st[CTK_ID_MAX];
  ctk_ct_order_spec spec;

  /* An order accepted by the runner's second city and transferred up: the province keeps it
   * and transfers it down to the SUT, so the city's later steps meet a province that knows
   * the order's state. */
  ctk_ct_order_id(roles->other_city, order);
  memset(&spec, 0, sizeof(spec));
  spec.order_id = order;
  spec.accept_region = roles->other_city;
  spec.handle_region = px->sut_region;
  spec.target_region = px->sut_region;
  if(!city_other_to_province(t, CTK_IF_REPORT, &spec) ||
     !city_other_to_province(t, CTK_IF_TRANSFER, &spec))
    return;
  if(!ctk_ct_wait_status(t, &sut, &prov, &to, order, transferred, st, sizeof(st))) {
    ctk_ct_fail_timeout(t, ctk_ct_step_req(t, CTK_IF_TRANSFER), "%ld ms after the province "
                        "transferred order %s down, the city shows it as \"%s\", expected %s",
                        px->propagate_timeout_ms, order, st, transferred);
    return;
  }
  if(ctk_ct_city_available(t)) {
    if(!ctk_ct_city_act(t, px->sut_region, order, "sign") ||
       !city_expect_up(t, CTK_IF_SIGN, order))
      return;
  }
  ctk_ct_pass(t, "the province's transfer of %s reached the city, held as %s%s", order,
              transferred, ctk_ct_city_available(t) ? "; the city signed for it, accepted" : "");
}

static void ctk_ct_c1_urge(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const char *transferred = ctk_st(t->env->profile, CTK_ST_TRANSFERRED);
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as prov = ctk_ct_as_peer(t);
  ctk_node to = ctk_ct_sut_node(t);
  char other[8], order[24], st[CTK_ID_MAX];
  ctk_ct_order_spec spec;

  snprintf(other, sizeof(other), "%.2s%s", px->sut_region,
           strcmp(px->sut_region + 2, "0100") ? "0100" : "0200");
  ctk_ct_order_id(other, order);
  memset(&spec, 0, sizeof(spec));
  spec.order_id = order;
  spec.accept_region = other;
  spec.handle_region = px->sut_region;
  spec.target_region = px->sut_region;
  if(!ctk_ct_step(t, &sut, &prov, CTK_IF_TRANSFER, &to, &spec, "OK",
                  ctk_ct_step_req(t, CTK_IF_TRANSFER), "transfer from the province") ||
     !ctk_ct_step(t, &sut, &prov, CTK_IF_URGE, &to, &spec, "OK", ctk_ct_step_req(t, CTK_IF_URGE),
                  "urge") ||
     !ctk_ct_step(t, &sut, &prov, CTK_IF_SUPERVISE, &to, &spec, "OK",
                  ctk_ct_step_req(t, CTK_IF_SUPERVISE), "supervise"))
    return;
  if(!ctk_ct_query_status(t, &sut, &prov, &to, order, st, sizeof(st)) ||
     strcmp(st, transferred)) {
    ctk_ct_fail(t, ctk_ct_step_req(t, CTK_IF_URGE), "urge and supervision changed order %s to "
                "\"%s\"", order, st);
    return;
  }
  ctk_ct_pass(t, "urge and supervision of open order %s accepted; state stayed %s", order,
              transferred);
}

static void ctk_ct_c2_cti_calls(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_relay *relay = t->env->roles->province_relay;
  city_cti_order *orders;
  size_t from, reports, count = 0;
  long before = 0, after = 0;
  city_calls run;

  if(!t->env->roles->acd_control[0]) {
    ctk_ct_error(t, 0, "no queue machine beside the city: the PIXIT gives no cti.webhook_url");
    return;
  }
  if(!city_sipp_found()) {
    ctk_ct_skip(t, "SIPp (sipp, Debian package sip-tester) is not on PATH");
    return;
  }
  from = ctk_relay_count(relay, NULL);
  reports = ctk_relay_find(relay, ctk_profile_iface_code(t->env->profile, CTK_IF_REPORT), NULL,
                           NULL);
  if(!city_acd_answered(t, &before) || !city_make_calls(t, px->cti_calls, &run) ||
     !city_acd_answered(t, &after))
    return;
  if(!run.passed || run.successful != px->cti_calls) {
    ctk_ct_error(t, 0, "SIPp completed %ld of %d calls with the queue machine (%s)",
                 run.successful, px->cti_calls, run.reason);
    return;
  }
  if(after - before != run.successful) {
    ctk_ct_error(t, 0, "the queue machine counts %ld answered calls, SIPp %ld successful ones",
                 after - before, run.successful);
    return;
  }
  /* Every answered call is reported up by the city: wait for as many new reports. */
  ctk_relay_wait(relay, ctk_profile_iface_code(t->env->profile, CTK_IF_REPORT), NULL, NULL,
                 reports + (size_t)run.successful, px->propagate_timeout_ms);
  orders = calloc((size_t)px->cti_calls + 1, sizeof(*orders));
  if(!orders) {
    ctk_ct_error(t, 0, "out of memory");
    return;
  }
  if(city_cti_reports(t, from, ctk_ct_req(t, 0), orders, (size_t)px->cti_calls + 1, &count) &&
     count != (size_t)run.successful)
    ctk_ct_fail(t, ctk_ct_req(t, 0), "%ld calls were answered, but the city reported %zu orders "
                "with a call id to its province within %ld ms", run.successful, count,
                px->propagate_timeout_ms);
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "%ld calls: SIPp successful %ld, queue machine answered %ld, the city "
                "reported %zu orders, one per call, each with its call id and recording, all "
                "valid and accepted by the province", (long)px->cti_calls, run.successful,
                after - before, count);
  free(orders);
}

/* ---------- docking: the city as a CTI client of its queue machine ---------- */

/* Calls of each kind one docking test places: answered (the PIXIT's cti.calls), abandoned in
 * the queue (no agent), cancelled while ringing (the agent's phone rings longer than the caller
 * waits). */
#define DOCK_ABANDONED 2
#define DOCK_CANCELLED 2
#define DOCK_HOLD_MS 300            /* how long an abandoning caller waits */
#define DOCK_RELINK_CALLS 2          /* answered calls before and after the link is cut */
#define DOCK_RECONNECT_MS 3000      /* a city docks again within this after its queue machine
                                     * restarted (ours: 2 s of backoff at most) */
#define DOCK_TIME_SLACK_MS 2000     /* accept time vs the answer: the profile's time is to the
                                     * second, and the city may stamp it a moment later */

/* One call the queue machine ended, as its GET /calls lists it. */
typedef struct dock_call {
  char id[128];                     /* the family's call id */
  int answered;
  long long answered_ms;
  unsigned orders;                  /* distinct orders linked to it */
  char order[32];
} dock_call;

/* POST /control to the dock's queue machine (a JSON object); 1 on 200, else an error verdict. */
static int dock_steer(ctk_ct *t, size_t fam, const char *json)
{
  ctk_http_call call;
  ctk_http_reply hr;
  char url[CTK_ROLES_URL_MAX + 16];
  ctk_code result;
  int ok;

  snprintf(url, sizeof(url), "%s/control", t->env->roles->dock[fam].control);
  memset(&call, 0, sizeof(call));
  memset(&hr, 0, sizeof(hr));
  ctk_buf_init(&hr.body, CITY_STATS_MAX);
  call.url = url;
  call.content_type = "application/json";
  call.body = json;
  call.body_len = strlen(json);
  call.timeout_ms = t->env->pixit->answer_timeout_ms;
  result = ctk_http_post(t->env->http, &call, &hr);
  ok = !result && hr.status == 200;
  if(!ok)
    ctk_ct_error(t, 0, "the queue machine refused %s (%s, HTTP %d; log: %s)", json,
                 result ? hr.error : "answered", (int)hr.status,
                 t->env->roles->dock[fam].proc.log_path);
  ctk_buf_free(&hr.body);
  return ok;
}

/* The calls the dock's queue machine ended after seq since; *last gets the highest seq. 0 and
 * an error verdict when they cannot be read (the queue machine is the tool's). */
static int dock_calls(ctk_ct *t, size_t fam, unsigned long since, dock_call *out, size_t max,
                      size_t *n, unsigned long *last)
{
  ctk_http_call call;
  ctk_http_reply hr;
  char url[CTK_ROLES_URL_MAX + 48];
  struct json_object *obj = NULL, *list = NULL;
  const char *family = ctk_roles_dock_family(fam);
  size_t i;
  ctk_code result;

  snprintf(url, sizeof(url), "%s/calls?since=%lu", t->env->roles->dock[fam].control, since);
  memset(&call, 0, sizeof(call));
  memset(&hr, 0, sizeof(hr));
  ctk_buf_init(&hr.body, (size_t)4 * 1024 * 1024);
  call.url = url;
  call.timeout_ms = t->env->pixit->answer_timeout_ms;
  result = ctk_http_get(t->env->http, &call, &hr);
  ctk_ct_record(t, CTK_XCHG_IN, "queue machine /calls", "", hr.total_ms, (int)hr.status, NULL,
                ctk_buf_str(&hr.body), hr.body.len);
  if(!result && hr.status == 200)
    obj = json_tokener_parse(ctk_buf_str(&hr.body));
  ctk_buf_free(&hr.body);
  if(!obj || !json_object_object_get_ex(obj, "calls", &list)) {
    json_object_put(obj);
    ctk_ct_error(t, 0, "the %s queue machine's calls could not be read (log: %s)", family,
                 t->env->roles->dock[fam].proc.log_path);
    return 0;
  }
  *n = 0;
  *last = since;
  for(i = 0; i < json_object_array_length(list); i++) {
    struct json_object *c = json_object_array_get_idx(list, i), *ids = NULL, *v = NULL;
    dock_call *d;
    if(json_object_object_get_ex(c, "seq", &v) &&
       (unsigned long)json_object_get_int64(v) > *last)
      *last = (unsigned long)json_object_get_int64(v);
    if(*n == max)
      continue;                 /* only the highest seq is wanted of the rest */
    d = &out[*n];
    memset(d, 0, sizeof(*d));
    if(json_object_object_get_ex(c, "ids", &ids) && json_object_object_get_ex(ids, family, &v))
      ctk_strlcpy(d->id, json_object_get_string(v), sizeof(d->id));
    d->answered = json_object_object_get_ex(c, "outcome", &v) &&
                  !strcmp(json_object_get_string(v), "answered");
    if(json_object_object_get_ex(c, "answered_ms", &v))
      d->answered_ms = (long long)json_object_get_int64(v);
    (*n)++;
  }
  json_object_put(obj);
  return 1;
}

/* Orders the city has reported (as an order or a transfer) since relay message from. */
static size_t dock_orders_seen(ctk_ct *t)
{
  ctk_relay *relay = t->env->roles->province_relay;
  const ctk_profile *p = t->env->profile;
  return ctk_relay_find(relay, ctk_profile_iface_code(p, CTK_IF_REPORT), NULL, NULL) +
         ctk_relay_find(relay, ctk_profile_iface_code(p, CTK_IF_TRANSFER), NULL, NULL);
}

/* One run of calls through a dock's queue machine: how it is steered first, then SIPp's part. */
typedef struct dock_run {
  const char *steer;                /* POST /control body */
  const char *scenario;
  int calls;
  int pause_ms;
  const char *what;
} dock_run;

static const dock_run dock_answer_run = {
  /* enough agents that calls at SIPp's rate never wait for long */
  "{\"agents\":8,\"ring_ms\":0}", "talk", 0, CITY_CALL_TALK_MS, "answered calls"
};

/* Steers the queue machine and places the run's calls (calls overrides its count when > 0);
 * 1 when SIPp completed each. */
static int dock_run_calls(ctk_ct *t, size_t fam, const dock_run *r, int calls)
{
  city_calls run;
  int want = calls > 0 ? calls : r->calls;
  if(!dock_steer(t, fam, r->steer) ||
     !city_make_calls_to(t, t->env->roles->dock[fam].sip_port, r->scenario, want, r->pause_ms,
                         &run))
    return 0;
  if(run.successful != want) {
    ctk_ct_error(t, 0, "SIPp completed %ld of %d %s (%s)", run.successful, want, r->what,
                 run.reason);
    return 0;
  }
  return 1;
}

/* Places the three kinds of call through the dock's queue machine; 1 when SIPp completed each. */
static int dock_place_calls(ctk_ct *t, size_t fam)
{
  static const dock_run runs[] = {
    { "{\"agents\":0}", "abandon", DOCK_ABANDONED, DOCK_HOLD_MS,
      "calls abandoned in the queue" },
    { "{\"agents\":2,\"ring_ms\":20000}", "abandon", DOCK_CANCELLED, DOCK_HOLD_MS,
      "calls cancelled while ringing" },
  };
  size_t i;
  if(!dock_run_calls(t, fam, &dock_answer_run, t->env->pixit->cti_calls))
    return 0;
  for(i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
    if(!dock_run_calls(t, fam, &runs[i], 0))
      return 0;
  }
  return dock_steer(t, fam, "{\"ring_ms\":0}");
}

/* Links the city's orders since relay message from to the calls: each order carrying a call id
 * counts once for that call; an order linked to no call of the run fails the test. */
static void dock_link_orders(ctk_ct *t, size_t from, dock_call *calls, size_t n)
{
  ctk_relay *relay = t->env->roles->province_relay;
  const ctk_profile *p = t->env->profile;
  const char *report = ctk_profile_iface_code(p, CTK_IF_REPORT);
  const char *transfer = ctk_profile_iface_code(p, CTK_IF_TRANSFER);
  size_t i, k, total = ctk_relay_count(relay, NULL);

  for(i = from; i < total && !ctk_ct_done(t); i++) {
    ctk_relay_msg m;
    ctk_msg *msg = NULL;
    const char *call, *accept;
    if(!ctk_relay_get(relay, i, &m))
      continue;
    if((!strcmp(m.iface, report) || !strcmp(m.iface, transfer)) &&
       city_check_up(t, &m, ctk_ct_req(t, 0), &msg)) {
      call = ctk_ct_get(msg, CTK_EL_WORK_ORDER, CTK_EL_CALL_ID);
      accept = ctk_ct_get(msg, CTK_EL_WORK_ORDER, CTK_EL_ACCEPT_TIME);
      for(k = 0; call && *call && k < n; k++) {
        if(strcmp(calls[k].id, call))
          continue;
        if(!calls[k].orders || strcmp(calls[k].order, m.order_id)) {
          calls[k].orders++;
          ctk_strlcpy(calls[k].order, m.order_id, sizeof(calls[k].order));
          if(calls[k].answered) {
            time_t at = 0;
            long long diff;
            if(!accept || ctk_profile_time_parse(p, accept, &at))
              at = 0;
            diff = (long long)at * 1000 - calls[k].answered_ms;
            if(diff < -DOCK_TIME_SLACK_MS || diff > DOCK_TIME_SLACK_MS)
              ctk_ct_fail(t, ctk_ct_req(t, 2), "order %s of call %s was accepted at %s, but "
                          "the queue machine answered the call %lld ms away from that",
                          m.order_id, call, accept ? accept : "(none)", diff);
          }
        }
        break;
      }
      if(call && *call && k == n)
        ctk_ct_fail(t, ctk_ct_req(t, 0), "order %s is linked to call %s, which the queue "
                    "machine never had in this test", m.order_id, call);
    }
    ctk_msg_free(msg);
    free(m.raw);
  }
}

/* Waits until the city has reported want orders more than seen (or the propagation time has
 * passed), then a moment more for any second order of a call. */
static void dock_wait_orders(ctk_ct *t, size_t seen, size_t want)
{
  long long until = ctk_now_ms() + t->env->pixit->propagate_timeout_ms;
  while(dock_orders_seen(t) < seen + want && ctk_now_ms() < until)
    ctk_sleep_ms(50);
  ctk_sleep_ms(300);
}

static void dock_judge(ctk_ct *t, size_t fam, dock_call *calls, size_t n, size_t from,
                       size_t seen);

/* One docking test: the city docks to a queue machine of family fam (index of the PIXIT's
 * cti.*_port) and must make exactly one order per answered call, linked by the queue machine's
 * call id and accepted at the answer, and none for an abandoned or cancelled call. */
static void dock_check(ctk_ct *t, size_t fam)
{
  const char *family = ctk_roles_dock_family(fam);
  const ctk_pixit *px = t->env->pixit;
  size_t max = (size_t)px->cti_calls + DOCK_ABANDONED + DOCK_CANCELLED + 8;
  dock_call *calls;
  unsigned long since = 0, last = 0;
  size_t n = 0, from, seen;

  if(!t->env->roles->dock[fam].control[0]) {
    ctk_ct_error(t, 0, "no %s queue machine for the city to dock to: the PIXIT gives no "
                 "cti.%s_port", family, family);
    return;
  }
  if(!city_sipp_found()) {
    ctk_ct_skip(t, "SIPp (sipp, Debian package sip-tester) is not on PATH");
    return;
  }
  calls = calloc(max, sizeof(*calls));
  if(!calls) {
    ctk_ct_error(t, 0, "out of memory");
    return;
  }
  if(dock_calls(t, fam, 0, calls, max, &n, &since)) {
    from = ctk_relay_count(t->env->roles->province_relay, NULL);
    seen = dock_orders_seen(t);
    if(dock_place_calls(t, fam) && dock_calls(t, fam, since, calls, max, &n, &last))
      dock_judge(t, fam, calls, n, from, seen);
  }
  free(calls);
}

/* The verdict of a docking test on the n calls the queue machine ended during it. */
static void dock_judge(ctk_ct *t, size_t fam, dock_call *calls, size_t n, size_t from,
                       size_t seen)
{
  const char *family = ctk_roles_dock_family(fam);
  const ctk_pixit *px = t->env->pixit;
  size_t k, answered = 0, abandoned = 0;

  for(k = 0; k < n; k++) {
    if(calls[k].answered)
      answered++;
    else
      abandoned++;
  }
  if(answered != (size_t)px->cti_calls || abandoned != DOCK_ABANDONED + DOCK_CANCELLED) {
    ctk_ct_error(t, 0, "the queue machine ended %zu answered and %zu unanswered calls, SIPp "
                 "placed %d and %d", answered, abandoned, px->cti_calls,
                 DOCK_ABANDONED + DOCK_CANCELLED);
    return;
  }
  /* as many orders as answered calls, then a moment for any second order of a call */
  dock_wait_orders(t, seen, answered);
  dock_link_orders(t, from, calls, n);
  for(k = 0; k < n && !ctk_ct_done(t); k++) {
    if(calls[k].answered && calls[k].orders != 1)
      ctk_ct_fail(t, ctk_ct_req(t, 0), "answered call %s became %u orders within %ld ms%s%s "
                  "(exactly one, linked by the queue machine's call id)", calls[k].id,
                  calls[k].orders, px->propagate_timeout_ms, calls[k].orders ? ", one is " : "",
                  calls[k].orders ? calls[k].order : "");
    else if(!calls[k].answered && calls[k].orders)
      ctk_ct_fail(t, ctk_ct_req(t, 1), "call %s was never answered (abandoned or cancelled), "
                  "yet became order %s", calls[k].id, calls[k].order);
  }
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "docked by %s: %zu answered calls, one order each linked by the queue "
                "machine's call id and accepted at the answer; %zu abandoned or cancelled "
                "calls, no order", family, answered, abandoned);
}

/* The CTI link cut mid-run: the queue machine restarts between two sets of calls; the city must
 * dock again by itself and make one order per answered call, none lost and none twice. */
static void ctk_ct_dock_relink(ctk_ct *t)
{
  ctk_roles *roles = t->env->roles;
  dock_call calls[2 * DOCK_RELINK_CALLS + 8];
  unsigned long since = 0, last = 0;
  size_t fam, n = 0, nb = 0, k, from, seen;
  char why[256];

  for(fam = 0; fam < CTK_PIXIT_DOCK_FAMILIES && !roles->dock[fam].control[0]; fam++)
    ;
  if(fam == CTK_PIXIT_DOCK_FAMILIES) {
    ctk_ct_error(t, 0, "no queue machine for the city to dock to: the PIXIT gives no "
                 "cti.csta_port, cti.ami_port or cti.esl_port");
    return;
  }
  if(!city_sipp_found()) {
    ctk_ct_skip(t, "SIPp (sipp, Debian package sip-tester) is not on PATH");
    return;
  }
  if(!dock_calls(t, fam, 0, calls, sizeof(calls) / sizeof(calls[0]), &n, &since))
    return;
  from = ctk_relay_count(roles->province_relay, NULL);
  seen = dock_orders_seen(t);
  if(!dock_run_calls(t, fam, &dock_answer_run, DOCK_RELINK_CALLS) ||
     !dock_calls(t, fam, since, calls, DOCK_RELINK_CALLS + 4, &n, &last))
    return;
  if(ctk_roles_dock_restart(roles, fam, why, sizeof(why))) {
    ctk_ct_error(t, 0, "the %s queue machine could not be restarted: %s",
                 ctk_roles_dock_family(fam), why);
    return;
  }
  ctk_sleep_ms(DOCK_RECONNECT_MS);
  if(!dock_run_calls(t, fam, &dock_answer_run, DOCK_RELINK_CALLS) ||
     !dock_calls(t, fam, 0, calls + n, DOCK_RELINK_CALLS + 4, &nb, &last))
    return;
  n += nb;
  dock_wait_orders(t, seen, 2 * DOCK_RELINK_CALLS);
  dock_link_orders(t, from, calls, n);
  for(k = 0; k < n && !ctk_ct_done(t); k++) {
    if(calls[k].answered && calls[k].orders != 1)
      ctk_ct_fail(t, ctk_ct_req(t, 0), "call %s, answered %s the %s link was cut, became %u "
                  "orders (exactly one)", calls[k].id, k < n - nb ? "before" : "after",
                  ctk_roles_dock_family(fam), calls[k].orders);
  }
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "%zu answered calls around a restart of the %s queue machine: one order each, "
                "none lost, none twice", n, ctk_roles_dock_family(fam));
}

static void ctk_ct_dock_csta(ctk_ct *t)
{
  dock_check(t, 0);
}

static void ctk_ct_dock_ami(ctk_ct *t)
{
  dock_check(t, 1);
}

static void ctk_ct_dock_esl(ctk_ct *t)
{
  dock_check(t, 2);
}

/* The tests of this file, in run order; the runner lists this table in ctk_ct_registry.c. */
const ctk_ct_def ctk_j1_city_tests[] = {
  { .id = "J1.city-report-up",
    .name = "The city reports an order it accepted and its completion to its province",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-001,J1-FLOW-008,J3-IF-001,J2-ACD-001",
    .needs = "", .sut = "city", .fn = ctk_ct_c1_report },
  { .id = "J1.city-transfer-down",
    .name = "The city takes a transfer from its province and signs for it",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-003,J1-FLOW-005,J1-FLOW-015",
    .needs = "", .sut = "city", .fn = ctk_ct_c1_transfer },
  { .id = "J1.city-urge",
    .name = "The city accepts urge and supervision; state unchanged",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-010,J1-FLOW-011",
    .needs = "", .sut = "city", .fn = ctk_ct_c1_urge },
  { .id = "J2.cti-calls",
    .name = "Calls answered on the queue machine become one order each, reported up with CallId "
            "and recording; answered count matches SIPp",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "cti.webhook",
    .requirements = "J2-ACD-001",
    .needs = "sipp", .sut = "city", .fn = ctk_ct_c2_cti_calls },
  { .id = "J2.dock-csta",
    .name = "Docked by CSTA XML: one order per answered call, linked by the queue machine's "
            "call id and accepted at the answer; none for abandoned or cancelled calls",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "cti.csta",
    .requirements = "J2-DOCK-001,J2-DOCK-002,J2-DOCK-003",
    .needs = "sipp", .sut = "city", .fn = ctk_ct_dock_csta },
  { .id = "J2.dock-ami",
    .name = "Docked by AMI: one order per answered call, linked by the queue machine's call id "
            "and accepted at the answer; none for abandoned or cancelled calls",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "cti.ami",
    .requirements = "J2-DOCK-001,J2-DOCK-002,J2-DOCK-003",
    .needs = "sipp", .sut = "city", .fn = ctk_ct_dock_ami },
  { .id = "J2.dock-esl",
    .name = "Docked by ESL: one order per answered call, linked by the queue machine's call id "
            "and accepted at the answer; none for abandoned or cancelled calls",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "cti.esl",
    .requirements = "J2-DOCK-001,J2-DOCK-002,J2-DOCK-003",
    .needs = "sipp", .sut = "city", .fn = ctk_ct_dock_esl },
  { .id = "J2.dock-relink",
    .name = "The CTI link cut mid-run (the queue machine restarted): the city docks again, no "
            "order lost or doubled",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "cti.csta || cti.ami || cti.esl",
    .requirements = "J2-DOCK-001",
    .needs = "sipp", .sut = "city", .fn = ctk_ct_dock_relink },
};

const size_t ctk_j1_city_count =
  sizeof(ctk_j1_city_tests) / sizeof(ctk_j1_city_tests[0]);
