/* ctk_receive: the receive step every endpoint shares (reference nodes, city simulator): from an
 * HTTP request to a decoded, authenticated, validated message, or a refusal and its answer. */
#ifndef CTK_RECEIVE_H
#define CTK_RECEIVE_H

#include <stddef.h>

#include "ctk_auth.h"
#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_profile.h"
#include "ctk_region.h"

/* The steps. ctk_receive runs them in the order of one table in ctk_receive.c (receive_order),
 * which is the one place to change it; the values here only name them. */
typedef enum ctk_receive_step {
  CTK_RX_ACCEPTED = 0,         /* no step refused */
  CTK_RX_PATH,                 /* the path ends in /exchange or /soap, which gives the binding: 404 */
  CTK_RX_METHOD,               /* POST: else 405 */
  CTK_RX_CREDENTIALS,          /* HTTP Basic against the credentials (constant time): else AUTH;
                                  a node that is no neighbour in the region table: DENIED */
  CTK_RX_SIZE,                 /* the body was within the server's limit: else 413, TOO_LARGE */
  CTK_RX_MEDIA_TYPE,           /* an XML media type, or none: else MALFORMED, not parsed */
  CTK_RX_DECODE,               /* ctk_msg_decode: size, encoding, no DTD or entity, depth, SOAP */
  CTK_RX_REQUEST,              /* a Message, not an Answer: else MALFORMED */
  CTK_RX_SENDER,               /* Sender/Region and Level are the authenticated node's: DENIED */
  CTK_RX_VALIDATE,             /* ctk_validate_msg: else its first problem */
  CTK_RX_ROUTE,                /* Receiver is this node, Sender an adjacent level: else ROUTE */
  CTK_RX__COUNT
} ctk_receive_step;

#define CTK_RX_SKIP(step) (1u << (unsigned)(step))

/* What the receiving endpoint is. */
typedef struct ctk_receive_config {
  const ctk_profile *profile;
  const ctk_auth *auth;        /* who may call; NULL or empty refuses everyone (leave the
                                  CREDENTIALS and SENDER steps out to let anyone in) */
  ctk_node self;               /* the receiving node: the Receiver of what it accepts */
  const ctk_region_db *regions; /* when set, credentials count only for this node's neighbours
                                  in the region table (its cities, its province or ministry) */
  unsigned skip;               /* CTK_RX_SKIP() of the steps left out */
} ctk_receive_config;

/* What came of one request. */
typedef struct ctk_received {
  ctk_receive_step refused;    /* CTK_RX_ACCEPTED, or the step that refused */
  ctk_code error;              /* what the refusing step's call returned, e.g. CTK_E_FORBIDDEN */
  int http_status;             /* 200; 404 and 405 carry no Answer; 413 carries one */
  ctk_binding binding;         /* from the path */
  ctk_encoding encoding;       /* of every answer: the Content-Type charset, else the XML
                                  declaration (what the request was sent in) */
  ctk_msg *msg;                /* the decoded request, NULL when it could not be decoded; set
                                  also when a later step refused it. The caller frees it. */
  const char *user;            /* the authenticated node (req->auth_user), NULL if not checked */
  int level;                   /* its level in the credentials, 0 if not checked */
  ctk_node caller;             /* who HTTP says is calling, for answers to what names nobody:
                                  the Basic user when it is a region code (verified or not) and
                                  the level its code stands for; region "" when none */
  unsigned dir;                /* CTK_DIR_UP or CTK_DIR_DOWN, as it travelled (after ROUTE) */
  ctk_outcome outcome;         /* the refusal: result code, reason, where, requirement */
} ctk_received;

/* The body size an endpoint's HTTP server keeps (ctk_http_server_config.max_body): the profile's
 * limit, so a longer body is refused 413 without being read into memory. */
size_t ctk_receive_max_body(const ctk_profile *p);

/* Run the steps on req. 0 when the message is accepted; -1 when a step refused it (rx says
 * which, why, and with what HTTP status). Either way free rx->msg. */
int ctk_receive(const ctk_receive_config *cfg, const ctk_http_request *req, ctk_received *rx);

/* 1 when the request was no exchange at all (wrong path, method other than POST): it is
 * answered by ctk_receive_reply with a line of text, or the Allow of OPTIONS, and not logged. */
int ctk_receive_below_exchange(const ctk_received *rx);

/* May anything of the request's body be kept (a message log, an observation)? Not when it was
 * refused before its sender was known to be a node (path, method, credentials): whoever can
 * reach the port must not be able to fill the disk. Such a refusal is counted, not stored. */
int ctk_receive_keeps_body(const ctk_received *rx);

/* How an answer message becomes bytes: NULL, or encode NULL, is ctk_msg_encode in the
 * request's binding and encoding. The reference province's answer faults hook in here. */
typedef struct ctk_receive_encoder {
  ctk_code (*encode)(void *ctx, ctk_msg *answer, ctk_buf *out);
  void *ctx;
} ctk_receive_encoder;

/* The Content-Type of answers to rx: text/xml (SOAP) or application/xml, and the charset. */
void ctk_receive_content_type(const ctk_received *rx, char *out, size_t outlen);

/* The Answer carrying o, always from cfg->self (a refused request may name another receiver):
 * to rx->msg's sender when it was decoded. What the request does not tell is filled so the
 * answer passes the profile's own schema: the caller HTTP names (else the node's upper
 * neighbour by code), the link-check interface, and the answer's own MsgId as CorrelId. */
ctk_code ctk_receive_answer(const ctk_receive_config *cfg, const ctk_received *rx,
                            const ctk_outcome *o, const ctk_receive_encoder *enc, ctk_buf *out);

/* The whole reply to a request answered with o (a refusal of the receive step, of the endpoint
 * after it, or a plain success): HTTP status and headers into resp, Content-Type and body into
 * content_type and out (which may be resp's own). 404 and 405 get a line of text, 405 and
 * OPTIONS the Allow header; a SOAP envelope that could not be read gets a SOAP 1.1 Fault with
 * unqualified children carrying the profile's Result (HTTP 500, J3-BIND-003); an AUTH refusal
 * its Answer with HTTP 401 and a Basic challenge; everything else the Answer in the request's
 * binding and encoding, HTTP 200 (413 for an oversized body). */
ctk_code ctk_receive_reply(const ctk_receive_config *cfg, const ctk_received *rx,
                           const ctk_outcome *o, const ctk_receive_encoder *enc,
                           ctk_http_response *resp, char *content_type, size_t content_type_len,
                           ctk_buf *out);

#endif
