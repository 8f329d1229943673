/* ctk_acd_esl: the FreeSWITCH Event Socket family (inbound ESL) of the queue machine's CTI link:
 * auth, event plain|json subscriptions, channel and mod_callcenter events, api queue status. */
#ifndef CTK_ACD_ESL_H
#define CTK_ACD_ESL_H

#include <json-c/json.h>

#include "acd/ctk_acd_cti.h"
#include "cti/ctk_cti_wire.h"

#define CTK_ESL_DEFAULT_PASSWORD CTK_CTI_ESL_PASSWORD
#define CTK_ESL_COMMAND_MAX 16384  /* one command, its header lines and blank line */
#define CTK_ESL_QUEUE CTK_ACD_QUEUE_NAME "@default"

/* The caller channel's Unique-ID of a call (also CC-Member-Session-UUID): a UUID made of the
 * run's id and the call's seq. leg: 0 the caller's channel, 1 the queue member, 2 the agent's. */
void ctk_acd_esl_uuid(uint32_t run_id, const ctk_acd_cti_call *call, int leg, char out[37]);

/* The ESL events of one call event, in order, as an array of JSON objects of header strings
 * (what `event json` sends). core_uuid names the switch; seq numbers the events (updated). */
ctk_code ctk_acd_esl_render(const ctk_acd_event *ev, const ctk_acd_cti_call *call,
                            uint32_t run_id, const char *core_uuid, unsigned long *seq,
                            json_object **out);

void ctk_acd_esl_plugin(ctk_acd_cti_plugin *out);

#endif
