/* ctk_acd_msg: the SIP messages the queue machine sends, built with libosip2: answers to
 * requests, the agent's BYE, and the minimal SDP of an answered call. */
#ifndef CTK_ACD_MSG_H
#define CTK_ACD_MSG_H

#include <osipparser2/osip_message.h>
#include <stddef.h>

#include "ctk_error.h"

/* Where we are, for Contact and Via. */
typedef struct ctk_acd_local {
  const char *host;
  int port;
  int tcp;                     /* the peer talks to us over TCP */
} ctk_acd_local;

/* Once per process, before any parsing: libosip2's tables, and its stderr trace silenced
 * (callers report unreadable messages themselves). Safe to call again. */
void ctk_acd_msg_init(void);

/* An answer to req: Via, From, To, Call-ID and CSeq copied; to_tag added to To when it has
 * none (not for 100); Contact on 18x/2xx to INVITE; Allow on 200 to OPTIONS, 405 and 501; sdp
 * as body when not NULL. *out is malloc'd at its exact size (free it). */
ctk_code ctk_acd_msg_response(const osip_message_t *req, int status, const char *to_tag,
                              const ctk_acd_local *local, const char *sdp, char **out,
                              size_t *out_len);
/* 420 Bad Extension to req, naming the option tags it required that we do not support in
 * Unsupported (RFC 3261 8.2.2.3). */
ctk_code ctk_acd_msg_bad_extension(const osip_message_t *req, const char *to_tag,
                                   const ctk_acd_local *local, const char *unsupported,
                                   char **out, size_t *out_len);

/* What is wrong with a request libosip2 did read (data: its len bytes as received), or NULL
 * when nothing is: *status is 400 (a CSeq of another method or out of 1..2^31-1, a
 * Content-Length that is not a count or runs past the message) or 505 (not SIP/2.0), and the
 * text is the reason phrase to answer with. libosip2 takes all of these without a word. */
const char *ctk_acd_msg_request_problem(const osip_message_t *req, const char *data, size_t len,
                                        int *status);

/* ctk_acd_msg_response with the reason phrase reason (a fixed text, no line breaks). */
ctk_code ctk_acd_msg_refusal(const osip_message_t *req, int status, const char *reason,
                             const ctk_acd_local *local, char **out, size_t *out_len);

/* The agent hangs up: BYE in the dialog of invite (From and To swapped, to_tag ours), sent to
 * the caller's Contact (or From when there is none). branch must be unique. */
ctk_code ctk_acd_msg_bye(const osip_message_t *invite, const char *to_tag,
                         const ctk_acd_local *local, const char *branch, char **out,
                         size_t *out_len);

/* SDP answer: PCMU/PCMA on a port derived from the agent; no media is ever sent. */
void ctk_acd_msg_sdp(const char *host, int agent, char *out, size_t size);

#endif
