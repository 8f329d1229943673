/* ctk_acd_csta: the CTI link of the queue machine: call events as ECMA-323 (CSTA XML, ed. 5)
 * event messages streamed over TCP to every connected client (framing in docs/ACD.md). */
#ifndef CTK_ACD_CSTA_H
#define CTK_ACD_CSTA_H

#include <poll.h>
#include <stddef.h>

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

/* ---------- the TCP server (runs inside the simulator's poll loop) ---------- */

typedef struct ctk_acd_cti ctk_acd_cti;

/* Listens on bind_addr:port (port 0 = ephemeral). */
ctk_code ctk_acd_cti_new(const char *bind_addr, int port, ctk_acd_cti **out);
int ctk_acd_cti_port(const ctk_acd_cti *cti);
size_t ctk_acd_cti_clients(const ctk_acd_cti *cti);
void ctk_acd_cti_free(ctk_acd_cti *cti);
/* Fills up to max pollfds (listener and clients); returns how many. */
size_t ctk_acd_cti_pollfds(ctk_acd_cti *cti, struct pollfd *fds, size_t max);
/* Handles what poll reported on the pollfds filled just before. */
void ctk_acd_cti_handle(ctk_acd_cti *cti, const struct pollfd *fds, size_t n);
/* Sink: ctx is the ctk_acd_cti. Queues the event to every client. */
void ctk_acd_cti_on_event(void *ctx, const ctk_acd_event *ev);

#endif
