/* ctk_relay: an HTTP relay the runner puts on every link out of the SUT (to the ministry, to
 * the cities): it keeps a copy of every message the SUT sends, then forwards it. */
/* The real role's answer goes back to the SUT; with no role behind the link it answers OK. */
#ifndef CTK_RELAY_H
#define CTK_RELAY_H

#include <stddef.h>

#include "ctk_error.h"
#include "ctk_profile.h"

#define CTK_RELAY_KEEP_MAX 20000     /* messages kept; more are counted only */
#define CTK_RELAY_RAW_MAX ((size_t)64 * 1024) /* bytes kept per message */

typedef struct ctk_relay ctk_relay;

/* One message the SUT sent over this link. */
typedef struct ctk_relay_msg {
  long seq;                    /* 1, 2, ... in arrival order */
  char path[64];               /* "/exchange", "/soap", "/city/360100/exchange" */
  int soap;                    /* the SOAP binding (path ends in /soap) */
  char user[16];               /* HTTP Basic user (the sender region) */
  char content_type[128];
  char iface[8];               /* InterfaceCode, "" if unreadable */
  char msg_id[72];
  char order_id[32];           /* OrderId of the body, "" if none */
  char receiver[8];            /* Receiver/Region of the head */
  char result[8];              /* result code answered to the SUT */
  /* The counterpart's answer, as the SUT got it: HTTP status (0 = none came), the result's
   * text, where and requirement (a refusal names its cause with these). */
  int answer_status;
  char answer_text[256];
  char answer_where[128];
  char answer_req[24];
  /* An earlier message on this link had the same MsgId and the same bytes: a resend (after a
   * lost answer, a retry), legal at every level. ctk_relay_find counts it once. */
  int resend;
  char *raw;                   /* the request bytes (at most CTK_RELAY_RAW_MAX), NUL-ended */
  size_t raw_len;
  size_t raw_total;
} ctk_relay_msg;

typedef struct ctk_relay_config {
  const char *name;            /* "ministry-link", "city-link" (for logs) */
  const ctk_profile *profile;
  const char *target_base;     /* forward here (".../exchange" appended as received); NULL =
                                  answer OK ourselves (the runner plays the role) */
  int port;                    /* 0 = ephemeral */
  const char *ca_file;         /* https target: CA to trust, NULL = system store */
} ctk_relay_config;

ctk_code ctk_relay_start(const ctk_relay_config *cfg, ctk_relay **out);
int ctk_relay_port(const ctk_relay *r);
void ctk_relay_stop(ctk_relay *r);
/* Change where messages go (e.g. after a role restarts on a new port). */
void ctk_relay_set_target(ctk_relay *r, const char *target_base);

/* Messages seen so far (kept ones); total counts dropped ones too. */
size_t ctk_relay_count(ctk_relay *r, size_t *total);
/* Copy of message i (0-based, arrival order) into out; raw is malloc'd (free it). 0 when i is
 * out of range. */
int ctk_relay_get(ctk_relay *r, size_t i, ctk_relay_msg *out);
/* Number of messages of interface iface ("" = any) about order_id (NULL = any) to receiver
 * (NULL = any); a resend of an earlier message (same MsgId, same bytes) is not counted again,
 * so a retry after a lost answer is never taken for a duplicate. */
size_t ctk_relay_find(ctk_relay *r, const char *iface, const char *order_id, const char *receiver);
/* Distinct messages (resends counted once) of iface about order_id that got result code rc
 * at least once; *first_seq (may be NULL) the arrival of the first of them, 0 when none. */
size_t ctk_relay_find_answered(ctk_relay *r, const char *iface, const char *order_id,
                               const char *rc, long *first_seq);
/* The first (the cause; later refusals tend to follow from it) message of iface ("" = any) about order_id (NULL = any), arrived after seq
 * since_seq, that the counterpart refused: its Answer carried a result code other than ok_rc
 * and no copy of it (same MsgId) was accepted. Copied into out (free out->raw); 0 when none.
 * What a test names when the SUT sent something that was refused. A link that was down (503
 * from the relay itself, no Answer) is no refusal. keep (NULL = all) picks the messages that
 * count. */
typedef int (*ctk_relay_keep_fn)(void *ctx, const ctk_relay_msg *m);
int ctk_relay_refused(ctk_relay *r, const char *iface, const char *order_id, const char *ok_rc,
                      long since_seq, ctk_relay_keep_fn keep, void *keep_ctx,
                      ctk_relay_msg *out);
/* Wait until ctk_relay_find(...) >= want or timeout; returns the last count. */
size_t ctk_relay_wait(ctk_relay *r, const char *iface, const char *order_id,
                      const char *receiver, size_t want, long timeout_ms);

#endif
