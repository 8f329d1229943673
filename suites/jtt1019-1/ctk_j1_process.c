/* ctk_j1_process: conformance tests of JT/T 1019.1 (business process) against a province:
 * the runner plays the cities (sending as them) and watches the ministry and the city links. */
#include <stdio.h>
#include <string.h>
#include <time.h>


#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_ct.h"
#include "ctk_ct_city.h"
#include "ctk_ct_msg.h"
#include "ctk_ct_req.h"
#include "ctk_ct_suites.h"
#include "ctk_proc.h"
#include "ctk_roles.h"

/* City 0 reports a local order; it is checked at the SUT. */
static int j1_local_order(ctk_ct *t, char order[24], ctk_ct_order_spec *spec)
{
  const char *city = t->env->pixit->cities[0];
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(spec, order, city, city);
  return ctk_ct_city_step(t, 0, CTK_IF_REPORT, spec, "OK", ctk_ct_step_req(t, CTK_IF_REPORT),
                          "report of a local order") &&
         ctk_ct_expect_status(t, order, ctk_st(t->env->profile, CTK_ST_ACCEPTED),
                              ctk_ct_rule(t, "same-state"));
}

/* City 0 reports an order and transfers it to city 1 (a transfer up); the SUT must route it
 * down. */
static int j1_cross_city_order(ctk_ct *t, char order[24], ctk_ct_order_spec *spec)
{
  const ctk_pixit *px = t->env->pixit;
  const ctk_profile *p = t->env->profile;
  const char *transfer = ctk_profile_iface_code(p, CTK_IF_TRANSFER);
  size_t seen;
  ctk_ct_order_id(px->cities[0], order);
  ctk_ct_spec_order(spec, order, px->cities[0], px->cities[0]);
  spec->target_region = px->cities[1];
  if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, spec, "OK", ctk_ct_step_req(t, CTK_IF_REPORT),
                       "report of a cross-city order") ||
     !ctk_ct_city_step(t, 0, CTK_IF_TRANSFER, spec, "OK", ctk_ct_step_req(t, CTK_IF_TRANSFER),
                       "transfer to the handling city"))
    return 0;
  seen = ctk_relay_wait(t->env->roles->city_relay, transfer, order, px->cities[1], 1,
                        px->propagate_timeout_ms);
  if(!seen) {
    ctk_ct_fail_timeout(t, ctk_ct_step_req(t, CTK_IF_TRANSFER), "no transfer (%s) of order %s "
                        "reached the handling city %s within %ld ms", transfer, order,
                        px->cities[1], px->propagate_timeout_ms);
    return 0;
  }
  return ctk_ct_expect_status(t, order, ctk_st(p, CTK_ST_TRANSFERRED),
                              ctk_ct_step_req(t, CTK_IF_TRANSFER));
}

/* Wait until the SUT shows order in state want; fails on req otherwise. */
static int j1_wait_sut(ctk_ct *t, const char *order, const char *want, const char *req)
{
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  char st[CTK_ID_MAX];
  if(ctk_ct_done(t))
    return 0;
  if(ctk_ct_wait_status(t, &sut, &as, &to, order, want, st, sizeof(st)))
    return 1;
  ctk_ct_fail_timeout(t, req, "after %ld ms the SUT shows order %s in state \"%s\", expected %s",
                      t->env->pixit->propagate_timeout_ms, order, st[0] ? st : "(unknown)",
                      want);
  return 0;
}

/* One action of a city simulator on an order: the state the SUT must then show, and the
 * interface whose process step that is. */
typedef struct j1_city_step {
  const char *action;
  ctk_state_role state;
  ctk_interface_role iface;
} j1_city_step;

/* The local case driven through the city simulator: it reports and acts, the runner looks at
 * the city, the SUT and the ministry after every step. */
static void j1_local_via_city(ctk_ct *t)
{
  static const j1_city_step steps[] = {
    { "complete", CTK_ST_COMPLETED, CTK_IF_COMPLETE },
    { "revisit", CTK_ST_REVISITED, CTK_IF_REVISIT },
    { "archive", CTK_ST_ARCHIVED, CTK_IF_ARCHIVE }
  };
  const ctk_profile *p = t->env->profile;
  const char *city = t->env->pixit->cities[0];
  char order[40];
  char st[CTK_ID_MAX];
  size_t i;

  if(!ctk_ct_city_create(t, city, "local", NULL, order, sizeof(order)) ||
     !j1_wait_sut(t, order, ctk_st(p, CTK_ST_ACCEPTED), ctk_ct_step_req(t, CTK_IF_REPORT)) ||
     !ctk_ct_expect_ministry_status(t, order, ctk_st(p, CTK_ST_ACCEPTED),
                                    ctk_ct_step_req(t, CTK_IF_REPORT)))
    return;
  for(i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    if(!ctk_ct_city_act(t, city, order, steps[i].action) ||
       !j1_wait_sut(t, order, ctk_st(p, steps[i].state), ctk_ct_step_req(t, steps[i].iface)))
      return;
  }
  if(!ctk_ct_expect_ministry_status(t, order, ctk_st(p, CTK_ST_ARCHIVED),
                                    ctk_ct_rule(t, "same-state")))
    return;
  if(!ctk_ct_city_state(t, city, order, st, sizeof(st)) ||
     strcmp(st, ctk_st(p, CTK_ST_ARCHIVED))) {
    ctk_ct_error(t, 0, "the city simulator shows order %s in state \"%s\" although the SUT and "
                 "the ministry show %s", order, st, ctk_st(p, CTK_ST_ARCHIVED));
    return;
  }
  ctk_ct_pass(t, "order %s made by city %s: %s -> %s -> %s -> %s, the same at the city, the SUT "
              "and the ministry", order, city, ctk_st(p, CTK_ST_ACCEPTED),
              ctk_st(p, CTK_ST_COMPLETED), ctk_st(p, CTK_ST_REVISITED),
              ctk_st(p, CTK_ST_ARCHIVED));
}

/* City city_index sends interface iface about spec's order to the SUT, which must accept it
 * (the step's requirement) and then show the order in state `then`. */
static void j1_step_then(ctk_ct *t, size_t city_index, ctk_interface_role iface,
                         const ctk_ct_order_spec *spec, ctk_state_role then, const char *what)
{
  const char *req = ctk_ct_step_req(t, iface);
  if(ctk_ct_city_step(t, city_index, iface, spec, "OK", req, what))
    ctk_ct_expect_status(t, spec->order_id, ctk_st(t->env->profile, then), req);
}

static void ctk_ct_j1_local(ctk_ct *t)
{
  const ctk_profile *p = t->env->profile;
  char order[24];
  ctk_ct_order_spec spec;
  if(ctk_ct_city_available(t)) {
    j1_local_via_city(t);
    return;
  }
  /* Without simulators the runner speaks as the city itself. */
  if(!j1_local_order(t, order, &spec))
    return;
  if(!ctk_ct_expect_ministry_status(t, order, ctk_st(p, CTK_ST_ACCEPTED),
                                    ctk_ct_step_req(t, CTK_IF_REPORT)))
    return;
  j1_step_then(t, 0, CTK_IF_COMPLETE, &spec, CTK_ST_COMPLETED, "complete");
  j1_step_then(t, 0, CTK_IF_REVISIT, &spec, CTK_ST_REVISITED, "revisit result");
  j1_step_then(t, 0, CTK_IF_ARCHIVE, &spec, CTK_ST_ARCHIVED, "archive");
  if(!ctk_ct_expect_ministry_status(t, order, ctk_st(p, CTK_ST_ARCHIVED),
                                    ctk_ct_rule(t, "same-state")))
    return;
  ctk_ct_pass(t, "order %s: %s -> %s -> %s -> %s at the city (runner), the SUT and the ministry",
              order, ctk_st(p, CTK_ST_ACCEPTED), ctk_st(p, CTK_ST_COMPLETED),
              ctk_st(p, CTK_ST_REVISITED), ctk_st(p, CTK_ST_ARCHIVED));
}

/* Wait until city shows order in state want (the city simulator's view). */
static int j1_wait_city(ctk_ct *t, const char *city, const char *order, const char *want,
                        char *last, size_t lastlen)
{
  long long until = ctk_now_ms() + t->env->pixit->propagate_timeout_ms;
  for(;;) {
    if(ctk_ct_city_state(t, city, order, last, lastlen) && !strcmp(last, want))
      return 1;
    if(ctk_now_ms() >= until || ctk_proc_interrupted())
      return 0;
    ctk_sleep_ms(100);
  }
}

/* The cross-city case driven through the city simulators: city 0 accepts and transfers,
 * city 1 signs, reports progress and completes; all four nodes must agree. */
static void j1_cross_city_via_city(ctk_ct *t)
{
  static const j1_city_step steps[] = {
    { "sign", CTK_ST_SIGNED, CTK_IF_SIGN },
    { "feedback", CTK_ST_IN_PROGRESS, CTK_IF_FEEDBACK },
    { "complete", CTK_ST_COMPLETED, CTK_IF_COMPLETE }
  };
  const ctk_profile *p = t->env->profile;
  const ctk_pixit *px = t->env->pixit;
  const char *transferred = ctk_st(p, CTK_ST_TRANSFERRED);
  const char *completed = ctk_st(p, CTK_ST_COMPLETED);
  char order[40];
  char st[CTK_ID_MAX];
  size_t i;

  if(!ctk_ct_city_create(t, px->cities[0], "cross-city", px->cities[1], order, sizeof(order)) ||
     !j1_wait_sut(t, order, transferred, ctk_ct_step_req(t, CTK_IF_TRANSFER)))
    return;
  if(!j1_wait_city(t, px->cities[1], order, transferred, st, sizeof(st))) {
    ctk_ct_fail_timeout(t, ctk_ct_step_req(t, CTK_IF_TRANSFER), "the handling city %s never got "
                        "order %s (state \"%s\" there)", px->cities[1], order, st);
    return;
  }
  for(i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    if(!ctk_ct_city_act(t, px->cities[1], order, steps[i].action) ||
       !j1_wait_sut(t, order, ctk_st(p, steps[i].state), ctk_ct_step_req(t, steps[i].iface)))
      return;
  }
  if(!ctk_ct_expect_ministry_status(t, order, completed, ctk_ct_rule(t, "same-state")))
    return;
  if(!j1_wait_city(t, px->cities[0], order, completed, st, sizeof(st))) {
    ctk_ct_fail_timeout(t, ctk_ct_rule(t, "same-state"), "the accepting city %s still shows "
                        "order %s as \"%s\" while the SUT and the ministry show %s",
                        px->cities[0], order, st, completed);
    return;
  }
  ctk_ct_pass(t, "order %s accepted by %s, transferred through the SUT to %s, signed, handled, "
              "completed: %s at both cities, the SUT and the ministry", order, px->cities[0],
              px->cities[1], completed);
}

static void ctk_ct_j1_cross_city(ctk_ct *t)
{
  const ctk_profile *p = t->env->profile;
  char order[24];
  ctk_ct_order_spec spec;
  if(ctk_ct_city_available(t)) {
    j1_cross_city_via_city(t);
    return;
  }
  if(!j1_cross_city_order(t, order, &spec))
    return;
  j1_step_then(t, 1, CTK_IF_SIGN, &spec, CTK_ST_SIGNED, "sign by the handling city");
  j1_step_then(t, 1, CTK_IF_FEEDBACK, &spec, CTK_ST_IN_PROGRESS, "feedback");
  j1_step_then(t, 1, CTK_IF_COMPLETE, &spec, CTK_ST_COMPLETED, "complete");
  if(!ctk_ct_expect_ministry_status(t, order, ctk_st(p, CTK_ST_COMPLETED),
                                    ctk_ct_rule(t, "same-state")))
    return;
  ctk_ct_pass(t, "order %s accepted by %s, transferred to %s, signed, handled, completed; "
              "ministry shows %s", order, t->env->pixit->cities[0], t->env->pixit->cities[1],
              ctk_st(p, CTK_ST_COMPLETED));
}

static void ctk_ct_j1_cross_province(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const char *transfer = ctk_profile_iface_code(t->env->profile, CTK_IF_TRANSFER);
  ctk_roles *roles = t->env->roles;
  ctk_node ministry = ctk_ct_ministry_node();
  char order[24];
  char peer_city[8];
  ctk_ct_order_spec spec;
  size_t seen;

  if(!px->peer_region[0] || !roles->peer_url[0]) {
    ctk_ct_inconc(t, "no second province (PIXIT peer.region) to route a cross-province case to");
    return;
  }
  /* The first city of the other province: its region with "0100" (the capital's code). */
  snprintf(peer_city, sizeof(peer_city), "%.2s0100", px->peer_region);
  ctk_ct_order_id(px->cities[0], order);
  ctk_ct_spec_order(&spec, order, px->cities[0], px->cities[0]);
  spec.target_region = peer_city;
  if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "OK", ctk_ct_step_req(t, CTK_IF_REPORT),
                       "report of a cross-province order")
     || !ctk_ct_city_step(t, 0, CTK_IF_TRANSFER, &spec, "OK", ctk_ct_req(t, 0),
                          "transfer to another province"))
    return;
  seen = ctk_relay_wait(roles->ministry_relay, transfer, order, ministry.region, 1,
                        px->propagate_timeout_ms);
  if(!seen) {
    ctk_ct_fail_timeout(t, ctk_ct_req(t, 0), "the SUT did not transfer order %s (handled in %s) "
                        "up to the ministry (%s) within %ld ms", order, peer_city, transfer,
                        px->propagate_timeout_ms);
    return;
  }
  seen = roles->peer_city_relay ? ctk_relay_wait(roles->peer_city_relay, transfer, order,
                                                 peer_city, 1, px->propagate_timeout_ms)
                                : 0;
  /* the ministry or the other province refused what the SUT sent up: the SUT's fault */
  if(!seen && (ctk_ct_fail_refused(t, roles->ministry_relay, "ministry", transfer, order) ||
               ctk_ct_fail_refused(t, roles->peer_in_relay, "other province", transfer, order)))
    return;
  if(!seen) {
    ctk_ct_error(t, 1, "the transfer of %s reached the ministry but not city %s of the other "
                 "province: the reference roles did not route it", order, peer_city);
    return;
  }
  ctk_ct_expect_status(t, order, ctk_st(t->env->profile, CTK_ST_TRANSFERRED), ctk_ct_req(t, 0));
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "order %s went up to the ministry and down to %s in province %s", order,
                peer_city, px->peer_region);
}

static void ctk_ct_j1_return(ctk_ct *t)
{
  const char *returned = ctk_st(t->env->profile, CTK_ST_RETURNED);
  char order[24];
  ctk_ct_order_spec spec;
  if(!j1_cross_city_order(t, order, &spec))
    return;
  j1_step_then(t, 1, CTK_IF_RETURN, &spec, CTK_ST_RETURNED, "return by the handling city");
  if(!ctk_ct_expect_ministry_status(t, order, returned, ctk_ct_rule(t, "same-state")))
    return;
  /* A returned order is open again at the sender: a second return is illegal. */
  if(!ctk_ct_city_step(t, 1, CTK_IF_RETURN, &spec, "STATE", ctk_ct_rule(t, "state"),
                       "a second return of the same order"))
    return;
  ctk_ct_pass(t, "order %s returned by %s: %s at the SUT and the ministry", order,
              t->env->pixit->cities[1], returned);
}

static void ctk_ct_j1_instant(ctk_ct *t)
{
  const ctk_profile *p = t->env->profile;
  const char *city = t->env->pixit->cities[0];
  const char *instant = ctk_st(p, CTK_ST_INSTANT_ANSWERED);
  char order[24];
  ctk_ct_order_spec spec;
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  spec.business_type = ctk_val(p, CTK_V_BT_ENQUIRY);
  spec.instant = 1;
  /* the instant answer is the test's own topic: its first requirement */
  if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "OK", ctk_ct_req(t, 0),
                       "report of an instant answer"))
    return;
  if(!ctk_ct_expect_status(t, order, instant, ctk_ct_req(t, 0)))
    return;
  if(!ctk_ct_expect_ministry_status(t, order, instant, ctk_ct_req(t, 0)))
    return;
  j1_step_then(t, 0, CTK_IF_REVISIT, &spec, CTK_ST_REVISITED, "revisit of an instant answer");
  j1_step_then(t, 0, CTK_IF_ARCHIVE, &spec, CTK_ST_ARCHIVED, "archive");
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "instant answer %s: %s -> %s -> %s", order, instant,
                ctk_st(p, CTK_ST_REVISITED), ctk_st(p, CTK_ST_ARCHIVED));
}

/* Urge and supervise: from the ministry, on an open order; state unchanged; passed down. */
/* The SUT's history of order ends with the step just taken: the last of at least two events
 * has interface code, state status and region sender. 1 when it does; else the test failed. */
static int j1_history_ends_with(ctk_ct *t, const char *order, const char *code,
                                const char *status, const char *sender, const char *req)
{
  const ctk_profile *p = t->env->profile;
  ctk_ct_reply r;
  xmlNodePtr h, e, last = NULL;
  size_t n = 0;
  char got[3][CTK_ID_MAX * 2];
  const ctk_element_role fields[3] = { CTK_EL_EVENT_INTERFACE, CTK_EL_EVENT_STATUS,
                                       CTK_EL_EVENT_REGION };
  size_t i;
  int ok;

  if(!ctk_ct_query_sut(t, order, &r)) {
    ctk_ct_error(t, 0, "could not build a query");
    return 0;
  }
  ok = ctk_ct_expect(t, &r, "OK", ctk_ct_iface_req(t, CTK_IF_QUERY), "query of the history");
  h = ok ? ctk_ct_node(r.answer, CTK_CT_BODY, CTK_EL_HISTORY) : NULL;
  for(e = h ? h->children : NULL; e; e = e->next) {
    if(e->type == XML_ELEMENT_NODE) {
      last = e;
      n++;
    }
  }
  for(i = 0; i < 3; i++) {
    xmlNodePtr f = last ? ctk_xml_child(last, ctk_el(p, fields[i])) : NULL;
    xmlChar *v = f ? xmlNodeGetContent(f) : NULL;
    snprintf(got[i], sizeof(got[i]), "%s", v ? (const char *)v : "");
    xmlFree(v);
  }
  if(ok && (n < 2 || strcmp(got[0], code) || strcmp(got[1], status) || strcmp(got[2], sender))) {
    ctk_ct_fail(t, req, "order %s: the history (%zu events) ends with interface \"%s\", state "
                "\"%s\", region \"%s\"; expected the %s just accepted: %s, %s, %s", order, n,
                got[0], got[1], got[2], code, code, status, sender);
    ok = 0;
  }
  ctk_ct_reply_free(&r);
  return ok;
}

static void j1_from_above(ctk_ct *t, ctk_interface_role iface)
{
  const ctk_pixit *px = t->env->pixit;
  const ctk_profile *p = t->env->profile;
  const char *code = ctk_profile_iface_code(p, iface);
  const char *req = ctk_ct_step_req(t, iface);
  const char *accepted = ctk_st(p, CTK_ST_ACCEPTED);
  char order[24], what[64];
  ctk_ct_order_spec spec;
  size_t seen;
  if(!j1_local_order(t, order, &spec))
    return;
  if(!ctk_ct_expect_ministry_status(t, order, accepted, ctk_ct_step_req(t, CTK_IF_REPORT)))
    return;
  snprintf(what, sizeof(what), "%s (%s) from the ministry", ctk_interface_role_name(iface),
           code);
  if(!ctk_ct_ministry_step(t, iface, &spec, "OK", req, what))
    return;
  if(!ctk_ct_expect_status(t, order, accepted, req))
    return;
  /* recorded in the order's history, with its sender and the state it left */
  if(!j1_history_ends_with(t, order, code, accepted, ctk_ct_ministry_node().region, req))
    return;
  seen = ctk_relay_wait(t->env->roles->city_relay, code, order, px->cities[0], 1,
                        px->propagate_timeout_ms);
  if(!seen) {
    ctk_ct_fail_timeout(t, req, "the %s for order %s did not reach the handling city %s within "
                        "%ld ms", code, order, px->cities[0], px->propagate_timeout_ms);
    return;
  }
  /* After completion the order is closed: urging it is illegal. */
  if(!ctk_ct_city_step(t, 0, CTK_IF_COMPLETE, &spec, "OK", ctk_ct_step_req(t, CTK_IF_COMPLETE),
                       "complete"))
    return;
  if(!ctk_ct_ministry_step(t, iface, &spec, "STATE", ctk_ct_rule(t, "state"),
                           "the same on a completed order"))
    return;
  ctk_ct_pass(t, "%s on open order %s accepted, state stayed %s, passed to %s; refused once "
              "completed", code, order, accepted, px->cities[0]);
}

static void ctk_ct_j1_urge(ctk_ct *t)
{
  j1_from_above(t, CTK_IF_URGE);
}

static void ctk_ct_j1_supervise(ctk_ct *t)
{
  j1_from_above(t, CTK_IF_SUPERVISE);
}

static void ctk_ct_j1_illegal(ctk_ct *t)
{
  const char *state = ctk_ct_rule(t, "state");
  const char *accepted = ctk_st(t->env->profile, CTK_ST_ACCEPTED);
  char order[24];
  ctk_ct_order_spec spec;
  if(!j1_local_order(t, order, &spec))
    return;
  if(!ctk_ct_city_step(t, 0, CTK_IF_ARCHIVE, &spec, "STATE", state,
                       "archive of an open order"))
    return;
  if(!ctk_ct_city_step(t, 0, CTK_IF_SIGN, &spec, "STATE", state,
                       "sign of an order never transferred"))
    return;
  if(!ctk_ct_city_step(t, 0, CTK_IF_REVISIT, &spec, "STATE", state,
                       "revisit of an open order"))
    return;
  if(!ctk_ct_expect_status(t, order, accepted, state))
    return;
  ctk_ct_pass(t, "archive, sign and revisit of open order %s refused with STATE; still %s",
              order, accepted);
}

static void ctk_ct_j1_unknown(ctk_ct *t)
{
  const char *unknown = ctk_ct_rule(t, "unknown-order");
  char order[24];
  ctk_ct_order_spec spec;
  ctk_ct_order_id(t->env->pixit->cities[0], order);
  ctk_ct_spec_order(&spec, order, t->env->pixit->cities[0], NULL);
  if(!ctk_ct_city_step(t, 0, CTK_IF_COMPLETE, &spec, "UNKNOWN_ORDER", unknown,
                       "complete of an order never reported"))
    return;
  if(!ctk_ct_city_step(t, 0, CTK_IF_QUERY, &spec, "UNKNOWN_ORDER", unknown,
                       "query of an order never reported"))
    return;
  ctk_ct_pass(t, "complete and query of unknown order %s refused with UNKNOWN_ORDER", order);
}

static void ctk_ct_j1_exists(ctk_ct *t)
{
  char order[24];
  ctk_ct_order_spec spec;
  if(!j1_local_order(t, order, &spec))
    return;
  spec.subject = "另一内容：公交车拒载";
  if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "EXISTS", ctk_ct_rule(t, "order-exists"),
                       "a second report of the same order id with other content"))
    return;
  ctk_ct_pass(t, "second report of %s with other content refused with EXISTS", order);
}

/* Every business type of the profile's code set is accepted; a value outside it is refused. */
static void ctk_ct_j1_business_types(ctk_ct *t)
{
  const ctk_profile *p = t->env->profile;
  const ctk_codefield *cf = ctk_profile_codefield(p, ctk_el(p, CTK_EL_BUSINESS_TYPE));
  const ctk_codeset *types = cf ? ctk_profile_codeset(p, cf->codeset) : NULL;
  const char *city = t->env->pixit->cities[0];
  char order[24], outside[CTK_ID_MAX], accepted[128] = "";
  ctk_ct_order_spec spec;
  size_t i;

  ctk_ct_code_outside(p, CTK_EL_BUSINESS_TYPE, outside, sizeof(outside));
  if(!types || !types->count || !outside[0]) {
    ctk_ct_error(t, 0, "the profile gives the business type no code set to test with");
    return;
  }
  for(i = 0; i < types->count; i++) {
    char what[96];
    size_t used = strlen(accepted);
    ctk_ct_order_id(city, order);
    ctk_ct_spec_order(&spec, order, city, city);
    spec.business_type = types->entries[i].value;
    snprintf(what, sizeof(what), "report of business type %s", types->entries[i].value);
    if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "OK", ctk_ct_req(t, 0), what))
      return;
    snprintf(accepted + used, sizeof(accepted) - used, "%s%s", used ? ", " : "",
             types->entries[i].value);
  }
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  spec.business_type = outside;
  if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "CODE_VALUE",
                       ctk_ct_code_req(t, CTK_EL_BUSINESS_TYPE),
                       "report of a business type outside the code set"))
    return;
  ctk_ct_pass(t, "business types %s accepted; %s refused with CODE_VALUE", accepted, outside);
}

static void ctk_ct_j1_overdue(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const ctk_profile *p = t->env->profile;
  const char *city = px->cities[0];
  const char *urge = ctk_profile_iface_code(p, CTK_IF_URGE);
  time_t three_days_ago = time(NULL) - 3 * 86400;
  char order[24];
  char deadline[40];
  ctk_ct_order_spec spec;

  /* Deadline 17:00 three days ago (Beijing time): overdue the moment it is reported. */
  ctk_profile_time_format(p, three_days_ago - ctk_beijing_seconds_of_day(three_days_ago) +
                               17 * 3600, deadline, sizeof(deadline));
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  spec.deadline = deadline;
  if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "OK", ctk_ct_step_req(t, CTK_IF_REPORT),
                       "report of an order past its deadline"))
    return;
  if(!ctk_relay_wait(t->env->roles->city_relay, urge, order, city, 1, px->overdue_urge_ms)) {
    /* the urge of an overdue order: the test's second requirement */
    ctk_ct_fail_timeout(t, ctk_ct_req(t, 1), "order %s, due %s, was not urged (%s) to %s within "
                        "%ld ms (PIXIT limits.overdue_urge_ms)", order, deadline, urge, city,
                        px->overdue_urge_ms);
    return;
  }
  if(ctk_ct_expect_status(t, order, ctk_st(p, CTK_ST_ACCEPTED), ctk_ct_step_req(t, CTK_IF_URGE)))
    ctk_ct_pass(t, "overdue order %s (due %s) urged to %s; state unchanged", order, deadline,
                city);
}

/* The tests of this file, in run order; the runner lists this table in ctk_ct_registry.c. */
const ctk_ct_def ctk_j1_process_tests[] = {
  { .id = "J1.local-case",
    .name = "Local case: report, complete, revisit, archive; same state at city, province, "
            "ministry",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-001,J1-FLOW-002,J1-FLOW-008,J1-FLOW-009,J1-FLOW-012,J1-FLOW-014,"
                    "J2-IF-001",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_local },
  { .id = "J1.cross-city",
    .name = "Cross-city case: the province transfers to the handling city, which signs and "
            "handles",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-003,J1-FLOW-005,J1-FLOW-007,J1-FLOW-008,J1-FLOW-014",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_cross_city },
  { .id = "J1.cross-province",
    .name = "Cross-province case: the order goes up to the ministry, down to the other province",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-004",
    .needs = "peer", .sut = "province", .fn = ctk_ct_j1_cross_province },
  { .id = "J1.return",
    .name = "Return: the handling city returns a transferred order; it can be transferred again",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-006",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_return },
  { .id = "J1.instant-answer",
    .name = "Instant answer: an enquiry answered on the call is reported as 02, revisited, "
            "archived",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-013,J1-FLOW-009,J1-FLOW-012",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_instant },
  { .id = "J1.urge",
    .name = "Urge from the ministry: accepted, state unchanged, passed on",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-010,J3-IF-008",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_urge },
  { .id = "J1.supervise",
    .name = "Supervision from the ministry: accepted, state unchanged, passed on",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-011,J3-IF-009",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_supervise },
  { .id = "J1.overdue-urge",
    .name = "An order past its deadline is urged down to the handling city",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-TIME-001,J1-TIME-002",
    .needs = "overdue", .sut = "province", .fn = ctk_ct_j1_overdue },
  { .id = "J1.illegal-transition",
    .name = "Illegal transitions are refused with STATE and change nothing",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-016",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_illegal },
  { .id = "J1.unknown-order",
    .name = "A message about an unknown order gets UNKNOWN_ORDER",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-017",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_unknown },
  { .id = "J1.exists",
    .name = "A second report of an order with other content gets EXISTS",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-FLOW-018",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_exists },
  { .id = "J1.business-types",
    .name = "All three business types are accepted; others are refused",
    .part = "jtt1019-1", .area = "process",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J1-BT-001,J3-CODE-001",
    .needs = "", .sut = "province", .fn = ctk_ct_j1_business_types },
};

const size_t ctk_j1_process_count =
  sizeof(ctk_j1_process_tests) / sizeof(ctk_j1_process_tests[0]);
