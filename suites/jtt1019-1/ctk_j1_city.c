/* ctk_j1_city: conformance tests of JT/T 1019.1 against a city system (`ctk run --sut city`):
 * the runner plays the province above it; the city acts through the simulator's control API
 * in self-test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_ct.h"
#include "ctk_ct_city.h"
#include "ctk_ct_list.h"
#include "ctk_ct_msg.h"
#include "ctk_proc.h"
#include "ctk_roles.h"
#include "ctk_validate.h"

/* Wait for the city's message iface about order at the runner's province; validate it. */
static int city_expect_up(ctk_ct *t, const char *iface, const char *order, const char *req)
{
  ctk_relay *relay = t->env->roles->province_relay;
  const ctk_pixit *px = t->env->pixit;
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
    ctk_problems pr;
    ctk_msg *msg = NULL;
    if(!ctk_relay_get(relay, i, &m))
      continue;
    if(!strcmp(m.iface, iface) && !strcmp(m.order_id, order)) {
      memset(&pr, 0, sizeof(pr));
      if(ctk_validate_bytes(t->env->profile, m.raw, m.raw_len,
                            m.soap ? CTK_BIND_SOAP : CTK_BIND_XML, &msg, &pr)) {
        const ctk_outcome *o = pr.count ? &pr.items[0] : NULL;
        ctk_ct_fail(t, o && o->requirement[0] ? o->requirement : "J3-SCH-001",
                    "the city's %s is invalid: %s %s at %s", iface, o ? o->code : "?",
                    o ? o->text : "", o ? o->where : "");
      }
      else if(strcmp(m.user, px->sut_region))
        ctk_ct_fail(t, "J3-SEC-004", "the city's %s authenticated as \"%s\", not %s", iface,
                    m.user, px->sut_region);
    }
    ctk_msg_free(msg);
    free(m.raw);
  }
  return !ctk_ct_done(t);
}

void ctk_ct_c1_report(ctk_ct *t)
{
  const char *city = t->env->pixit->sut_region;
  char order[40];
  if(!ctk_ct_city_available(t)) {
    ctk_ct_inconc(t, "making an external city accept an order needs its operator (or a queue "
                  "machine); run this in self-test");
    return;
  }
  if(!ctk_ct_city_create(t, city, "local", NULL, order, sizeof(order)) ||
     !city_expect_up(t, "1001", order, "J1-FLOW-001") ||
     !ctk_ct_city_act(t, city, order, "complete") ||
     !city_expect_up(t, "1006", order, "J1-FLOW-008"))
    return;
  ctk_ct_pass(t, "order %s: the city reported it (1001) and its completion (1006), both valid",
              order);
}

void ctk_ct_c1_transfer(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as prov = ctk_ct_as_peer(t);
  ctk_node to = ctk_ct_sut_node(t);
  char other[8], order[24], st[CTK_ID_MAX];
  ctk_ct_order_spec spec;

  /* An order accepted by another city of the province, transferred down to the SUT. */
  snprintf(other, sizeof(other), "%.2s%s", px->sut_region,
           strcmp(px->sut_region + 2, "0100") ? "0100" : "0200");
  ctk_ct_order_id(other, order);
  memset(&spec, 0, sizeof(spec));
  spec.order_id = order;
  spec.accept_region = other;
  spec.handle_region = px->sut_region;
  spec.target_region = px->sut_region;
  spec.business_type = "1";
  if(!ctk_ct_step(t, &sut, &prov, "1002", &to, &spec, "OK", "J1-FLOW-003",
                  "transfer (1002) from the province"))
    return;
  if(!ctk_ct_query_status(t, &sut, &prov, &to, order, st, sizeof(st)) || strcmp(st, "03")) {
    ctk_ct_fail(t, "J1-FLOW-015", "after the transfer the city shows order %s as \"%s\", "
                "expected 03", order, st);
    return;
  }
  if(ctk_ct_city_available(t)) {
    if(!ctk_ct_city_act(t, px->sut_region, order, "sign") ||
       !city_expect_up(t, "1003", order, "J1-FLOW-005"))
      return;
  }
  ctk_ct_pass(t, "transfer of %s accepted and held as 03%s", order,
              ctk_ct_city_available(t) ? "; the city signed for it (1003)" : "");
}

void ctk_ct_c1_urge(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
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
  spec.business_type = "1";
  if(!ctk_ct_step(t, &sut, &prov, "1002", &to, &spec, "OK", "J1-FLOW-003",
                  "transfer (1002) from the province") ||
     !ctk_ct_step(t, &sut, &prov, "1008", &to, &spec, "OK", "J1-FLOW-010", "urge (1008)") ||
     !ctk_ct_step(t, &sut, &prov, "1009", &to, &spec, "OK", "J1-FLOW-011", "supervise (1009)"))
    return;
  if(!ctk_ct_query_status(t, &sut, &prov, &to, order, st, sizeof(st)) || strcmp(st, "03")) {
    ctk_ct_fail(t, "J1-FLOW-010", "urge and supervision changed order %s to \"%s\"", order, st);
    return;
  }
  ctk_ct_pass(t, "urge and supervision of open order %s accepted; state stayed 03", order);
}
