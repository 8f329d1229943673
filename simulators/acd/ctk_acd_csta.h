/* ctk_acd_csta: the CSTA family of the queue machine's CTI link: call events as ECMA-323 (CSTA XML,
 * ed. 5) event messages over TCP to the clients that started a monitor (framing in docs/ACD.md). */
#ifndef CTK_ACD_CSTA_H
#define CTK_ACD_CSTA_H

#include <poll.h>
#include <stddef.h>

#include "acd/ctk_acd_cti.h"
#include "acd/ctk_acd_engine.h"
#include "cti/ctk_cti_wire.h"
#include "ctk_buf.h"


/* The element name used for an event kind: DeliveredEvent, EstablishedEvent, ... */
const char *ctk_acd_csta_element(const ctk_acd_event *ev);
/* One event document (UTF-8, with XML declaration), built with libxml2. */
ctk_code ctk_acd_csta_event_xml(const ctk_acd_event *ev, const char *monitor_xref, ctk_buf *out);

/* The CSTA family of the CTI plugin interface (ctk_acd_cti.h): a client starts a monitor with
 * MonitorStart (deviceObject: the queue, or an agent "A01") and gets the events of that monitor,
 * each with its monitorCrossRefID, until MonitorStop. */
void ctk_acd_csta_plugin(ctk_acd_cti_plugin *out);

#endif
