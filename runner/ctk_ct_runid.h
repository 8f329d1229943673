/* ctk_ct_runid: the run id of a conformance run and the ids scoped to it: every work-order id
 * the run makes carries it, every MsgId carries its tag, so runs against one SUT never collide. */
#ifndef CTK_CT_RUNID_H
#define CTK_CT_RUNID_H

#include "ctk_ct.h"

/* The id scheme (docs/RUNNER.md, "Run ids"): an order id is the accepting city's region, the
 * Beijing date and a 6-digit sequence RRRCCC, where RRR is the run id (000-999, unique per SUT
 * and day) and CCC a counter per city: 001-599 for the orders the tests make, 600-799 for the
 * city simulators' own, 800-999 reserved for the fixtures the run replays (the hostile
 * catalogue). */
#define CTK_CT_RUN_IDS 1000u
#define CTK_CT_RUN_COUNTER_MAX 599u
#define CTK_CT_RUN_SIM_BASE 600u
#define CTK_CT_RUN_RESERVED_BASE 800u
#define CTK_CT_RUN_TAG_LEN 16

/* Choose the run id, once, before the roles start (cmd_run; env->roles needs only sut_url)
 * or at the latest before the first test: a random one the SUT holds no order of (for
 * a province SUT the first order id of each city is queried; a candidate it holds is passed
 * over), then scope every MsgId to the run's tag. A SUT that cannot be asked keeps the
 * random candidate. Later calls do nothing. */
void ctk_ct_runid_begin(ctk_ct_env *env);
/* The run id (0-999); -1 before ctk_ct_runid_begin. */
int ctk_ct_run_id(void);
/* "YYYYMMDDrNNN": the Beijing date the run id was chosen on and the run id. */
const char *ctk_ct_run_tag(void);

/* A fresh work-order id of this run for an order accepted by city_region. When the city's
 * counter is used up the run moves on to a next free run id (probed like the first). */
void ctk_ct_order_id(const char *city_region, char out[24]);
/* The reserved order id n (0-199) of this run: city_region ("" for none, giving date and
 * sequence only) + today + RRR + (800 + n). Fixtures the run replays use these. */
void ctk_ct_order_id_reserved(const char *city_region, unsigned n, char out[24]);

#endif
