/* ctk_acd_ami: the Asterisk Manager Interface family of the queue machine's CTI link: a banner,
 * Action: Login, the app_queue events of each call (docs/ACD.md) and queue status actions. */
#ifndef CTK_ACD_AMI_H
#define CTK_ACD_AMI_H

#include "acd/ctk_acd_cti.h"
#include "ctk_buf.h"
#include "cti/ctk_cti_wire.h"

#define CTK_AMI_BANNER "Asterisk Call Manager/7.0.3"
#define CTK_AMI_DEFAULT_USER CTK_CTI_AMI_USER
#define CTK_AMI_DEFAULT_SECRET CTK_CTI_AMI_SECRET
#define CTK_AMI_MESSAGE_MAX 16384  /* one action, headers and blank line included */

/* The Uniqueid of the call's caller channel ("1764400000.7"); agent_leg = 1 for the channel to
 * its agent. Linkedid is the caller channel's Uniqueid. */
void ctk_acd_ami_uniqueid(const ctk_acd_cti_call *call, int agent_leg, char *out, size_t size);

/* The AMI events (each "Key: Value" lines and a blank line) for one call event; the names alone,
 * comma-separated, go to names when it is not NULL. */
ctk_code ctk_acd_ami_render(const ctk_acd_event *ev, const ctk_acd_cti_call *call, ctk_buf *out,
                            ctk_buf *names);

void ctk_acd_ami_plugin(ctk_acd_cti_plugin *out);

#endif
