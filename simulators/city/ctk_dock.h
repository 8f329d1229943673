/* ctk_dock: the city's docking to its queue machine as a CTI client, one plugin per family
 * (CSTA XML, AMI, ESL): log in, subscribe, report each answered call; reconnect with backoff. */
#ifndef CTK_DOCK_H
#define CTK_DOCK_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"

#define CTK_DOCK_ID_MAX 128
#define CTK_DOCK_LINKS_MAX 4
/* Reconnect backoff: the first retry after MIN, doubling up to MAX (reset once logged in). */
#define CTK_DOCK_BACKOFF_MIN_MS 100
#define CTK_DOCK_BACKOFF_MAX_MS 2000

/* One answered call as a family reports it. */
typedef struct ctk_dock_call {
  char call_id[CTK_DOCK_ID_MAX];  /* the queue machine's own call id (the family's) */
  char caller[64];                /* the caller's number */
  long long answered_ms;          /* wall clock of the answer; 0 when the family gave none */
  char rec_url[512];              /* recording, when the family gives both at the answer */
  char rec_sha[65];
} ctk_dock_call;

/* Where a family's plugin reports what it read. */
typedef void (*ctk_dock_answered_fn)(void *ctx, const char *family, const ctk_dock_call *call);

/* What a family needs to log in. */
typedef struct ctk_dock_login {
  const char *user;               /* AMI Username; NULL = the family's default */
  const char *secret;             /* AMI Secret, ESL password; NULL = the family's default */
} ctk_dock_login;

/* One CTI family, client side: a struct of function pointers and its context (one connection's
 * state: start() makes it, stop() frees it, each reconnect starts afresh). */
typedef struct ctk_dock_plugin ctk_dock_plugin;
struct ctk_dock_plugin {
  const char *name;               /* "csta", "ami", "esl" */
  void *ctx;
  ctk_code (*start)(ctk_dock_plugin *p, const ctk_dock_login *login);
  void (*stop)(ctk_dock_plugin *p);
  /* What to send as soon as the link is up (may be nothing: the server greets first). */
  ctk_code (*hello)(ctk_dock_plugin *p, ctk_buf *out);
  /* Bytes arrived: handle every whole message in data, append any answer to out, report
   * answered calls through fn. Returns the bytes used, or -1 when the link cannot go on (why
   * says so: refused login, a framing it cannot follow). */
  long (*input)(ctk_dock_plugin *p, const char *data, size_t len, ctk_buf *out,
                ctk_dock_answered_fn fn, void *fn_ctx, char *why, size_t whylen);
  /* 1 once logged in and subscribed (the backoff starts over). */
  int (*ready)(const ctk_dock_plugin *p);
};

/* The plugin of a family by name; CTK_E_NOTFOUND for others. */
ctk_code ctk_dock_plugin_init(const char *name, ctk_dock_plugin *out);
void ctk_dock_csta_plugin(ctk_dock_plugin *out);
void ctk_dock_ami_plugin(ctk_dock_plugin *out);
void ctk_dock_esl_plugin(ctk_dock_plugin *out);

/* ---------- the client: one thread per link ---------- */

typedef struct ctk_dock ctk_dock;

/* Parses "FAMILY:HOST:PORT[,FAMILY:HOST:PORT...]" (HOST a dotted IPv4 address) and starts one
 * thread per link; each connects, logs in with login, and reports answered calls to fn from its
 * own thread. A link that cannot connect or is lost is tried again with backoff, for ever.
 * err says what is wrong with spec. */
ctk_code ctk_dock_start(const char *spec, const ctk_dock_login *login, ctk_dock_answered_fn fn,
                        void *fn_ctx, ctk_dock **out, char *err, size_t errlen);
/* Stops every thread and closes the links. NULL is fine. */
void ctk_dock_stop(ctk_dock *d);
/* Links up and logged in now, and times a link was (re)established since the start. */
void ctk_dock_status(ctk_dock *d, unsigned *up, unsigned long *connects);

#endif
