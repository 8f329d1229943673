/* ctk_ct_city: steering the city simulators (`ctk sim city --manual`) from a test through their
 * control API: create an order in a city, make the city act on it, read the city's state. */
#ifndef CTK_CT_CITY_H
#define CTK_CT_CITY_H

#include <stddef.h>

#include "ctk_ct.h"

/* 1 when the run has city simulators with a control API (PIXIT cities.simulator = ctk). */
int ctk_ct_city_available(const ctk_ct *t);

/* A new order accepted by city: kind "local", "instant", "cross-city" or "cross-province"
 * (target = the handling city for the cross kinds, else NULL). The simulator reports it to
 * the SUT on its own. order_id gets the simulator's OrderId. 1 on success; on failure the
 * test ends in error (the tool's side). */
int ctk_ct_city_create(ctk_ct *t, const char *city, const char *kind, const char *target,
                       char *order_id, size_t idlen);
/* The city does its next step: "sign", "return", "feedback", "complete", "revisit",
 * "archive". 1 when the simulator took it. */
int ctk_ct_city_act(ctk_ct *t, const char *city, const char *order_id, const char *action);
/* The order's state code in city ("" when the city does not hold it). 1 when read. */
int ctk_ct_city_state(ctk_ct *t, const char *city, const char *order_id, char *state,
                      size_t statelen);

#endif
