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
#include "ctk_ct_suites.h"
#include "ctk_proc.h"
#include "ctk_roles.h"

/* City 0 reports a local order; it is checked at the SUT. */
static int j1_local_order(ctk_ct *t, char order[24], ctk_ct_order_spec *spec)
{
  const char *city = t->env->pixit->cities[0];
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(spec, order, city, city);
  return ctk_ct_city_step(t, 0, "1001", spec, "OK", "J1-FLOW-001",
                          "report (1001) of a local order") &&
         ctk_ct_expect_status(t, order, "01", "J1-FLOW-014");
}

/* City 0 reports an order and transfers it to city 1 (1002 up); the SUT must route it down. */
static int j1_cross_city_order(ctk_ct *t, char order[24], ctk_ct_order_spec *spec)
{
  const ctk_pixit *px = t->env->pixit;
  size_t seen;
  ctk_ct_order_id(px->cities[0], order);
  ctk_ct_spec_order(spec, order, px->cities[0], px->cities[0]);
  spec->target_region = px->cities[1];
  if(!ctk_ct_city_step(t, 0, "1001", spec, "OK", "J1-FLOW-001",
                       "report (1001) of a cross-city order") ||
     !ctk_ct_city_step(t, 0, "1002", spec, "OK", "J1-FLOW-003",
                       "transfer (1002) to the handling city"))
    return 0;
  seen = ctk_relay_wait(t->env->roles->city_relay, "1002", order, px->cities[1], 1,
                        px->propagate_timeout_ms);
  if(!seen) {
    ctk_ct_fail_timeout(t, "J1-FLOW-003", "no transfer (1002) of order %s reached the handling "
                        "city %s within %ld ms", order, px->cities[1], px->propagate_timeout_ms);
    return 0;
  }
  return ctk_ct_expect_status(t, order, "03", "J1-FLOW-003");
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

/* The local case driven through the city simulator: it reports and acts, the runner looks at
 * the city, the SUT and the ministry after every step. */
static void j1_local_via_city(ctk_ct *t)
{
  static const struct { const char *action; const char *state; const char *req; } steps[] = {
    { "complete", "07", "J1-FLOW-008" },
    { "revisit", "08", "J1-FLOW-009" },
    { "archive", "09", "J1-FLOW-012" }
  };
  const char *city = t->env->pixit->cities[0];
  char order[40];
  char st[CTK_ID_MAX];
  size_t i;

  if(!ctk_ct_city_create(t, city, "local", NULL, order, sizeof(order)) ||
     !j1_wait_sut(t, order, "01", "J1-FLOW-001") ||
     !ctk_ct_expect_ministry_status(t, order, "01", "J1-FLOW-001"))
    return;
  for(i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    if(!ctk_ct_city_act(t, city, order, steps[i].action) ||
       !j1_wait_sut(t, order, steps[i].state, steps[i].req))
      return;
  }
  if(!ctk_ct_expect_ministry_status(t, order, "09", "J1-FLOW-014"))
    return;
  if(!ctk_ct_city_state(t, city, order, st, sizeof(st)) || strcmp(st, "09")) {
    ctk_ct_error(t, 0, "the city simulator shows order %s in state \"%s\" although the SUT and "
                 "the ministry show 09", order, st);
    return;
  }
  ctk_ct_pass(t, "order %s made by city %s: 01 -> 07 -> 08 -> 09, the same at the city, the SUT "
              "and the ministry", order, city);
}

static void ctk_ct_j1_local(ctk_ct *t)
{
  char order[24];
  ctk_ct_order_spec spec;
  if(ctk_ct_city_available(t)) {
    j1_local_via_city(t);
    return;
  }
  /* Without simulators the runner speaks as the city itself. */
  if(!j1_local_order(t, order, &spec))
    return;
  if(!ctk_ct_expect_ministry_status(t, order, "01", "J1-FLOW-001"))
    return;
  if(ctk_ct_city_step(t, 0, "1006", &spec, "OK", "J1-FLOW-008", "complete (1006)"))
    ctk_ct_expect_status(t, order, "07", "J1-FLOW-008");
  if(ctk_ct_city_step(t, 0, "1007", &spec, "OK", "J1-FLOW-009", "revisit result (1007)"))
    ctk_ct_expect_status(t, order, "08", "J1-FLOW-009");
  if(ctk_ct_city_step(t, 0, "1014", &spec, "OK", "J1-FLOW-012", "archive (1014)"))
    ctk_ct_expect_status(t, order, "09", "J1-FLOW-012");
  if(!ctk_ct_expect_ministry_status(t, order, "09", "J1-FLOW-014"))
    return;
  ctk_ct_pass(t, "order %s: 01 -> 07 -> 08 -> 09 at the city (runner), the SUT and the ministry",
              order);
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
  static const struct { const char *action; const char *state; const char *req; } steps[] = {
    { "sign", "04", "J1-FLOW-005" },
    { "feedback", "06", "J1-FLOW-007" },
    { "complete", "07", "J1-FLOW-008" }
  };
  const ctk_pixit *px = t->env->pixit;
  char order[40];
  char st[CTK_ID_MAX];
  size_t i;

  if(!ctk_ct_city_create(t, px->cities[0], "cross-city", px->cities[1], order, sizeof(order)) ||
     !j1_wait_sut(t, order, "03", "J1-FLOW-003"))
    return;
  if(!j1_wait_city(t, px->cities[1], order, "03", st, sizeof(st))) {
    ctk_ct_fail_timeout(t, "J1-FLOW-003", "the handling city %s never got order %s (state "
                        "\"%s\" there)", px->cities[1], order, st);
    return;
  }
  for(i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    if(!ctk_ct_city_act(t, px->cities[1], order, steps[i].action) ||
       !j1_wait_sut(t, order, steps[i].state, steps[i].req))
      return;
  }
  if(!ctk_ct_expect_ministry_status(t, order, "07", "J1-FLOW-014"))
    return;
  if(!j1_wait_city(t, px->cities[0], order, "07", st, sizeof(st))) {
    ctk_ct_fail_timeout(t, "J1-FLOW-014", "the accepting city %s still shows order %s as \"%s\" "
                        "while the SUT and the ministry show 07", px->cities[0], order, st);
    return;
  }
  ctk_ct_pass(t, "order %s accepted by %s, transferred through the SUT to %s, signed, handled, "
              "completed: 07 at both cities, the SUT and the ministry", order, px->cities[0],
              px->cities[1]);
}

static void ctk_ct_j1_cross_city(ctk_ct *t)
{
  char order[24];
  ctk_ct_order_spec spec;
  if(ctk_ct_city_available(t)) {
    j1_cross_city_via_city(t);
    return;
  }
  if(!j1_cross_city_order(t, order, &spec))
    return;
  if(ctk_ct_city_step(t, 1, "1003", &spec, "OK", "J1-FLOW-005", "sign (1003) by the handling city"))
    ctk_ct_expect_status(t, order, "04", "J1-FLOW-005");
  if(ctk_ct_city_step(t, 1, "1005", &spec, "OK", "J1-FLOW-007", "feedback (1005)"))
    ctk_ct_expect_status(t, order, "06", "J1-FLOW-007");
  if(ctk_ct_city_step(t, 1, "1006", &spec, "OK", "J1-FLOW-008", "complete (1006)"))
    ctk_ct_expect_status(t, order, "07", "J1-FLOW-008");
  if(!ctk_ct_expect_ministry_status(t, order, "07", "J1-FLOW-014"))
    return;
  ctk_ct_pass(t, "order %s accepted by %s, transferred to %s, signed, handled, completed; "
              "ministry shows 07", order, t->env->pixit->cities[0], t->env->pixit->cities[1]);
}

static void ctk_ct_j1_cross_province(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_roles *roles = t->env->roles;
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
  if(!ctk_ct_city_step(t, 0, "1001", &spec, "OK", "J1-FLOW-001",
                       "report (1001) of a cross-province order")
     || !ctk_ct_city_step(t, 0, "1002", &spec, "OK", "J1-FLOW-004",
                          "transfer (1002) to another province"))
    return;
  seen = ctk_relay_wait(roles->ministry_relay, "1002", order, "100000", 1,
                        px->propagate_timeout_ms);
  if(!seen) {
    ctk_ct_fail_timeout(t, "J1-FLOW-004", "the SUT did not transfer order %s (handled in %s) up "
                        "to the ministry (1002) within %ld ms", order, peer_city,
                        px->propagate_timeout_ms);
    return;
  }
  seen = roles->peer_city_relay ? ctk_relay_wait(roles->peer_city_relay, "1002", order,
                                                 peer_city, 1, px->propagate_timeout_ms)
                                : 0;
  if(!seen) {
    ctk_ct_error(t, 1, "the transfer of %s reached the ministry but not city %s of the other "
                 "province: the reference roles did not route it", order, peer_city);
    return;
  }
  ctk_ct_expect_status(t, order, "03", "J1-FLOW-004");
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "order %s went up to the ministry and down to %s in province %s", order,
                peer_city, px->peer_region);
}

static void ctk_ct_j1_return(ctk_ct *t)
{
  char order[24];
  ctk_ct_order_spec spec;
  if(!j1_cross_city_order(t, order, &spec))
    return;
  if(ctk_ct_city_step(t, 1, "1004", &spec, "OK", "J1-FLOW-006",
                      "return (1004) by the handling city"))
    ctk_ct_expect_status(t, order, "05", "J1-FLOW-006");
  if(!ctk_ct_expect_ministry_status(t, order, "05", "J1-FLOW-014"))
    return;
  /* A returned order is open again at the sender: a second return is illegal. */
  if(!ctk_ct_city_step(t, 1, "1004", &spec, "STATE", "J1-FLOW-016",
                       "a second return of the same order"))
    return;
  ctk_ct_pass(t, "order %s returned by %s: 05 at the SUT and the ministry", order,
              t->env->pixit->cities[1]);
}

static void ctk_ct_j1_instant(ctk_ct *t)
{
  const char *city = t->env->pixit->cities[0];
  char order[24];
  ctk_ct_order_spec spec;
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  spec.business_type = "2";
  spec.instant = 1;
  if(!ctk_ct_city_step(t, 0, "1001", &spec, "OK", "J1-FLOW-013",
                       "report (1001) of an instant answer"))
    return;
  if(!ctk_ct_expect_status(t, order, "02", "J1-FLOW-013"))
    return;
  if(!ctk_ct_expect_ministry_status(t, order, "02", "J1-FLOW-013"))
    return;
  if(ctk_ct_city_step(t, 0, "1007", &spec, "OK", "J1-FLOW-009",
                      "revisit (1007) of an instant answer"))
    ctk_ct_expect_status(t, order, "08", "J1-FLOW-009");
  if(ctk_ct_city_step(t, 0, "1014", &spec, "OK", "J1-FLOW-012", "archive (1014)"))
    ctk_ct_expect_status(t, order, "09", "J1-FLOW-012");
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "instant answer %s: 02 -> 08 -> 09", order);
}

/* Urge and supervise: from the ministry, on an open order; state unchanged; passed down. */
static void j1_from_above(ctk_ct *t, const char *iface, const char *req)
{
  const ctk_pixit *px = t->env->pixit;
  char order[24];
  ctk_ct_order_spec spec;
  size_t seen;
  if(!j1_local_order(t, order, &spec))
    return;
  if(!ctk_ct_expect_ministry_status(t, order, "01", "J1-FLOW-001"))
    return;
  if(!ctk_ct_ministry_step(t, iface, &spec, "OK", req,
                           iface[3] == '8' ? "urge (1008) from the ministry"
                           : "supervise (1009) from the ministry"))
    return;
  if(!ctk_ct_expect_status(t, order, "01", req))
    return;
  seen = ctk_relay_wait(t->env->roles->city_relay, iface, order, px->cities[0], 1,
                        px->propagate_timeout_ms);
  if(!seen) {
    ctk_ct_fail_timeout(t, req, "the %s for order %s did not reach the handling city %s within "
                        "%ld ms", iface, order, px->cities[0], px->propagate_timeout_ms);
    return;
  }
  /* After completion the order is closed: urging it is illegal. */
  if(!ctk_ct_city_step(t, 0, "1006", &spec, "OK", "J1-FLOW-008", "complete (1006)"))
    return;
  if(!ctk_ct_ministry_step(t, iface, &spec, "STATE", "J1-FLOW-016",
                           "the same on a completed order"))
    return;
  ctk_ct_pass(t, "%s on open order %s accepted, state stayed 01, passed to %s; refused once "
              "completed", iface, order, px->cities[0]);
}

static void ctk_ct_j1_urge(ctk_ct *t)
{
  j1_from_above(t, "1008", "J1-FLOW-010");
}

static void ctk_ct_j1_supervise(ctk_ct *t)
{
  j1_from_above(t, "1009", "J1-FLOW-011");
}

static void ctk_ct_j1_illegal(ctk_ct *t)
{
  char order[24];
  ctk_ct_order_spec spec;
  if(!j1_local_order(t, order, &spec))
    return;
  if(!ctk_ct_city_step(t, 0, "1014", &spec, "STATE", "J1-FLOW-016",
                       "archive (1014) of an open order"))
    return;
  if(!ctk_ct_city_step(t, 0, "1003", &spec, "STATE", "J1-FLOW-016",
                       "sign (1003) of an order never transferred"))
    return;
  if(!ctk_ct_city_step(t, 0, "1007", &spec, "STATE", "J1-FLOW-016",
                       "revisit (1007) of an open order"))
    return;
  if(!ctk_ct_expect_status(t, order, "01", "J1-FLOW-016"))
    return;
  ctk_ct_pass(t, "archive, sign and revisit of open order %s refused with STATE; still 01",
              order);
}

static void ctk_ct_j1_unknown(ctk_ct *t)
{
  char order[24];
  ctk_ct_order_spec spec;
  ctk_ct_order_id(t->env->pixit->cities[0], order);
  ctk_ct_spec_order(&spec, order, t->env->pixit->cities[0], NULL);
  if(!ctk_ct_city_step(t, 0, "1006", &spec, "UNKNOWN_ORDER", "J1-FLOW-017",
                       "complete (1006) of an order never reported"))
    return;
  if(!ctk_ct_city_step(t, 0, "1010", &spec, "UNKNOWN_ORDER", "J1-FLOW-017",
                       "query (1010) of an order never reported"))
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
  if(!ctk_ct_city_step(t, 0, "1001", &spec, "EXISTS", "J1-FLOW-018",
                       "a second report of the same OrderId with other content"))
    return;
  ctk_ct_pass(t, "second report of %s with other content refused with EXISTS", order);
}

static void ctk_ct_j1_business_types(ctk_ct *t)
{
  static const char *const types[] = { "1", "2", "3" };
  const char *city = t->env->pixit->cities[0];
  char order[24];
  ctk_ct_order_spec spec;
  size_t i;
  for(i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    char what[64];
    ctk_ct_order_id(city, order);
    ctk_ct_spec_order(&spec, order, city, city);
    spec.business_type = types[i];
    snprintf(what, sizeof(what), "report of business type %s", types[i]);
    if(!ctk_ct_city_step(t, 0, "1001", &spec, "OK", "J1-BT-001", what))
      return;
  }
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  spec.business_type = "9";
  if(!ctk_ct_city_step(t, 0, "1001", &spec, "CODE_VALUE", "J3-CODE-001",
                       "report of business type 9"))
    return;
  ctk_ct_pass(t, "business types 1, 2, 3 accepted; 9 refused with CODE_VALUE");
}

static void ctk_ct_j1_overdue(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const char *city = px->cities[0];
  char order[24];
  char deadline[40];
  ctk_ct_order_spec spec;

  /* Deadline three days ago (Beijing time): overdue the moment it is reported. */
  ctk_beijing_strftime(time(NULL) - 3 * 86400, "%Y-%m-%dT17:00:00+08:00", deadline,
                       sizeof(deadline));
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  spec.deadline = deadline;
  if(!ctk_ct_city_step(t, 0, "1001", &spec, "OK", "J1-FLOW-001",
                       "report (1001) of an order past its deadline"))
    return;
  if(!ctk_relay_wait(t->env->roles->city_relay, "1008", order, city, 1, px->overdue_urge_ms)) {
    ctk_ct_fail_timeout(t, "J1-TIME-002", "order %s, due %s, was not urged (1008) to %s within "
                        "%ld ms (PIXIT limits.overdue_urge_ms)", order, deadline, city,
                        px->overdue_urge_ms);
    return;
  }
  if(ctk_ct_expect_status(t, order, "01", "J1-FLOW-010"))
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
