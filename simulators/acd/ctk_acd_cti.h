/* ctk_acd_cti: the CTI plugin interface of the queue machine (one struct of function pointers per
 * protocol family: CSTA, AMI, ESL) and the hub that feeds them all from the engine's call events. */
#ifndef CTK_ACD_CTI_H
#define CTK_ACD_CTI_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "acd/ctk_acd_engine.h"
#include "acd/ctk_acd_stats.h"
#include "cti/ctk_cti_wire.h"

/* The simulator has one queue; this is its name in AMI and (with "@default") in ESL. */
#define CTK_ACD_QUEUE_NAME CTK_CTI_QUEUE
#define CTK_ACD_CTI_MAX_PLUGINS 8

typedef enum {
  CTK_ACD_CALL_OFFERED = 0,   /* in the IVR, not queued yet */
  CTK_ACD_CALL_QUEUED,
  CTK_ACD_CALL_RINGING,       /* delivered to an agent */
  CTK_ACD_CALL_TALKING,
  CTK_ACD_CALL_ENDED          /* the event being handled ends it; it is forgotten afterwards */
} ctk_acd_call_state;

/* The hub's record of one live call: the one call model every family describes in its own words. */
typedef struct ctk_acd_cti_call {
  char *call_id;              /* the SIP Call-ID */
  unsigned long seq;          /* 1, 2, ... in the order calls were offered in this run */
  ctk_acd_call_state state;
  char caller[96];
  char called[96];
  char agent[16];             /* "" before delivery */
  int agent_index;            /* 0-based, -1 before delivery */
  int64_t offered_ms, queued_ms, delivered_ms, answered_ms, ended_ms; /* wall clock, 0 = not yet */
  unsigned position;          /* 1-based place in the queue; at the event that takes the call out
                               * of the queue, the place it had */
  unsigned orig_position;     /* place when it joined the queue */
  struct ctk_acd_cti_call *hnext, *prev, *next, *qprev, *qnext;
} ctk_acd_cti_call;

typedef struct ctk_acd_cti_agent {
  char id[16];                /* "A01" */
  int logged_in;
  ctk_acd_call_state state;   /* OFFERED = idle, RINGING or TALKING */
  unsigned long calls_taken;
  int64_t last_call_ms;       /* when the last call it answered ended, 0 = none */
} ctk_acd_cti_agent;

typedef struct ctk_acd_cti_status {
  unsigned agents;            /* logged in */
  unsigned agents_idle;       /* logged in, without a call */
  unsigned queued;            /* calls waiting in the queue */
  unsigned ringing, talking;
  long longest_wait_ms;       /* of the calls in the queue now */
  const ctk_acd_stats *stats; /* totals since the start */
} ctk_acd_cti_status;

typedef struct ctk_acd_cti_hub ctk_acd_cti_hub;

/* What every family is told at start; the family picks its own buffer sizes. */
typedef struct ctk_acd_cti_options {
  const char *bind_addr;
  int port;                   /* 0 = ephemeral */
  const char *user;           /* AMI Username */
  const char *secret;         /* AMI Secret, ESL password; NULL = the family's default */
  unsigned max_clients;
  unsigned login_ms;          /* a client must log in (or start a monitor) within this */
  unsigned idle_ms;           /* a client silent both ways this long is dropped; 0 = never */
} ctk_acd_cti_options;

/* One CTI family. start() fills ctx; every other function gets the plugin back. */
typedef struct ctk_acd_cti_plugin ctk_acd_cti_plugin;
struct ctk_acd_cti_plugin {
  const char *name;           /* "csta", "ami", "esl" */
  void *ctx;
  ctk_code (*start)(ctk_acd_cti_plugin *p, const ctk_acd_cti_options *opt, ctk_acd_cti_hub *hub);
  void (*stop)(ctk_acd_cti_plugin *p);
  int (*port)(const ctk_acd_cti_plugin *p);
  size_t (*clients)(const ctk_acd_cti_plugin *p);
  /* Fills up to max pollfds; returns how many. */
  size_t (*pollfds)(ctk_acd_cti_plugin *p, struct pollfd *fds, size_t max);
  /* Handles what poll reported on those pollfds (n may be 0: timeouts only). */
  void (*handle)(ctk_acd_cti_plugin *p, const struct pollfd *fds, size_t n, uint64_t now_ms);
  /* One call event; call is the hub's record, already updated for the event. Must not block. */
  void (*on_event)(ctk_acd_cti_plugin *p, const ctk_acd_event *ev, const ctk_acd_cti_call *call);
};

/* The plugin of a family by name ("csta", "ami", "esl"); CTK_E_NOTFOUND for others. */
ctk_code ctk_acd_cti_plugin_init(const char *name, ctk_acd_cti_plugin *out);
/* "csta,ami,esl" */
const char *ctk_acd_cti_families(void);

/* A family built on ctk_acd_link keeps its link first in its ctx (one malloc'd struct). It opens
 * the link with the options' limits, its own largest request and ops; it uses the five below as
 * its stop, port, clients, pollfds and handle. */
struct ctk_acd_link;
struct ctk_acd_link_ops;
#define CTK_ACD_CTI_OUT_MAX ((size_t)8 * 1024 * 1024) /* a client further behind is dropped */
ctk_code ctk_acd_cti_link_open(const char *mod, const ctk_acd_cti_options *opt, size_t request_max,
                               const struct ctk_acd_link_ops *ops, void *ctx,
                               struct ctk_acd_link **out);
void ctk_acd_cti_link_stop(ctk_acd_cti_plugin *p);
/* A plugin over a link: name, start and on_event its own; stop, port, clients, pollfds and
 * handle the link's (each family's ctk_acd_*_plugin is this one call). */
void ctk_acd_cti_link_plugin(ctk_acd_cti_plugin *out, const char *name,
                             ctk_code (*start)(ctk_acd_cti_plugin *p,
                                               const ctk_acd_cti_options *opt,
                                               ctk_acd_cti_hub *hub),
                             void (*on_event)(ctk_acd_cti_plugin *p, const ctk_acd_event *ev,
                                              const ctk_acd_cti_call *call));
int ctk_acd_cti_link_port(const ctk_acd_cti_plugin *p);
size_t ctk_acd_cti_link_clients(const ctk_acd_cti_plugin *p);
size_t ctk_acd_cti_link_pollfds(ctk_acd_cti_plugin *p, struct pollfd *fds, size_t max);
void ctk_acd_cti_link_handle(ctk_acd_cti_plugin *p, const struct pollfd *fds, size_t n,
                             uint64_t now_ms);

/* ---------- the hub ---------- */

ctk_code ctk_acd_cti_hub_new(ctk_acd_cti_hub **out);
/* Stops and forgets every started plugin. */
void ctk_acd_cti_hub_free(ctk_acd_cti_hub *hub);
/* Agent counts come from the engine. */
void ctk_acd_cti_hub_set_engine(ctk_acd_cti_hub *hub, const ctk_acd_engine *engine);
/* Starts the plugin and adds it; on failure nothing is added. */
ctk_code ctk_acd_cti_hub_start(ctk_acd_cti_hub *hub, const ctk_acd_cti_plugin *plugin,
                               const ctk_acd_cti_options *opt);
/* Something that wants each call once it has ended, with the hub's record (the control port's
 * list of calls). Called after the families have told their clients. NULL fn: nobody. */
typedef void (*ctk_acd_cti_ended_fn)(void *ctx, const ctk_acd_event *ev,
                                     const ctk_acd_cti_call *call);
void ctk_acd_cti_hub_on_ended(ctk_acd_cti_hub *hub, ctk_acd_cti_ended_fn fn, void *ctx);
/* The started plugin of that family, or NULL. */
const ctk_acd_cti_plugin *ctk_acd_cti_hub_find(const ctk_acd_cti_hub *hub, const char *name);
size_t ctk_acd_cti_hub_pollfds(ctk_acd_cti_hub *hub, struct pollfd *fds, size_t max);
void ctk_acd_cti_hub_handle(ctk_acd_cti_hub *hub, const struct pollfd *fds, size_t n,
                            uint64_t now_ms);
/* The engine sink: ctx is the hub. Updates the call model, then tells every plugin. */
void ctk_acd_cti_hub_on_event(void *ctx, const ctk_acd_event *ev);

/* For the families' status requests. */
void ctk_acd_cti_hub_status(const ctk_acd_cti_hub *hub, ctk_acd_cti_status *out);
/* Live calls in the order they were offered; NULL after the last. */
const ctk_acd_cti_call *ctk_acd_cti_hub_calls(const ctk_acd_cti_hub *hub);
/* Calls waiting in the queue, first in line first. Follow ->qnext. */
const ctk_acd_cti_call *ctk_acd_cti_hub_queue(const ctk_acd_cti_hub *hub);
/* Agent i (0-based, below CTK_ACD_AGENTS_MAX); 0 on success. */
int ctk_acd_cti_hub_agent(const ctk_acd_cti_hub *hub, unsigned i, ctk_acd_cti_agent *out);
/* Wall-clock time the hub started (ms), and a random number fixed for the run: the families
 * derive their call ids from it and the call's seq. */
int64_t ctk_acd_cti_hub_started_ms(const ctk_acd_cti_hub *hub);
uint32_t ctk_acd_cti_hub_run_id(const ctk_acd_cti_hub *hub);

#endif
