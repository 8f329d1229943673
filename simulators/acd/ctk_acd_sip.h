/* ctk_acd_sip: the SIP sockets of the queue machine: one UDP socket and a TCP listener on the
 * same port, with TCP stream framing; it feeds whole messages to the engine and sends its answers. */
#ifndef CTK_ACD_SIP_H
#define CTK_ACD_SIP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "acd/ctk_acd_engine.h"

typedef struct ctk_acd_sip ctk_acd_sip;

/* Binds UDP and TCP on bind_addr:port; port 0 picks one free for both. */
ctk_code ctk_acd_sip_new(const char *bind_addr, int port, ctk_acd_sip **out);
int ctk_acd_sip_port(const ctk_acd_sip *s);
/* The transport the engine sends through (ctx is s). */
void ctk_acd_sip_transport(ctk_acd_sip *s, ctk_acd_transport *out);
/* Where received messages go. Set before the first ctk_acd_sip_handle. */
void ctk_acd_sip_set_engine(ctk_acd_sip *s, ctk_acd_engine *e);
size_t ctk_acd_sip_pollfds(ctk_acd_sip *s, struct pollfd *fds, size_t max);
void ctk_acd_sip_handle(ctk_acd_sip *s, const struct pollfd *fds, size_t n, uint64_t now_ms);
void ctk_acd_sip_free(ctk_acd_sip *s);

/* TCP framing: when data starts with one whole SIP message, returns its length; 0 when more
 * bytes are needed; -1 when it cannot be a SIP message (no Content-Length within limits).
 * Leading CRLF keep-alives are counted in *skip and are not part of the message. */
long ctk_acd_sip_frame(const char *data, size_t len, size_t max, size_t *skip);

#endif
