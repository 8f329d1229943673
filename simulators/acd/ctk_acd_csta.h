/* ctk_acd_csta: the CSTA family of the queue machine's CTI link: call events as ECMA-323 (CSTA XML,
 * ed. 5) event messages over TCP to the clients that started a monitor (framing in docs/ACD.md). */
#ifndef CTK_ACD_CSTA_H
#define CTK_ACD_CSTA_H

#include <poll.h>
#include <stddef.h>

#include "acd/ctk_acd_cti.h"
#include "acd/ctk_acd_engine.h"
#include "ctk_buf.h"

#define CTK_CSTA_NS "http://www.ecma-international.org/standards/ecma-323/csta/ed5"
#define CTK_CSTA_PRIVATE_NS "urn:ctk12328:acd:1"
/* Frame header: 0x00 0x00, total length (header included, 2 bytes big-endian), invokeID as
 * 4 ASCII digits. Unsolicited events carry invokeID 9999. */
#define CTK_CSTA_HEADER_LEN 8
#define CTK_CSTA_EVENT_INVOKE_ID 9999u
#define CTK_CSTA_FRAME_MAX 65535u

/* The element name used for an event kind: DeliveredEvent, EstablishedEvent, ... */
const char *ctk_acd_csta_element(const ctk_acd_event *ev);
/* One event document (UTF-8, with XML declaration), built with libxml2. */
ctk_code ctk_acd_csta_event_xml(const ctk_acd_event *ev, const char *monitor_xref, ctk_buf *out);
/* Appends header + xml to out. CTK_E_TOOBIG beyond CTK_CSTA_FRAME_MAX. */
ctk_code ctk_acd_csta_frame(ctk_buf *out, unsigned invoke_id, const char *xml, size_t len);
/* Looks for one whole frame at the start of data. Returns 1 and sets *frame_len and *invoke_id
 * when there is one, 0 when more bytes are needed, -1 when the header is not ours. */
int ctk_acd_csta_frame_next(const unsigned char *data, size_t len, size_t *frame_len,
                            unsigned *invoke_id);

/* The CSTA family of the CTI plugin interface (ctk_acd_cti.h): a client starts a monitor with
 * MonitorStart (deviceObject: the queue, or an agent "A01") and gets the events of that monitor,
 * each with its monitorCrossRefID, until MonitorStop. */
void ctk_acd_csta_plugin(ctk_acd_cti_plugin *out);

#endif
