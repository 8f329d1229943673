/* ctk_acd_engine: the call-queue machine's SIP user agent server, agents and queue, with no sockets.
 * SIP goes in as bytes (parsed by libosip2); responses go out through a transport hook, call events to sinks. */
#ifndef CTK_ACD_ENGINE_H
#define CTK_ACD_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ctk_error.h"

/* How long an agent talks before hanging up. CALLER: the agent never hangs up; the caller's BYE
 * ends the call (what the bundled SIPp scenarios do). */
typedef enum {
  CTK_ACD_TALK_CALLER = 0,
  CTK_ACD_TALK_FIXED,    /* a ms */
  CTK_ACD_TALK_UNIFORM,  /* between a and b ms */
  CTK_ACD_TALK_EXP       /* exponential with mean a ms */
} ctk_acd_talk_kind;

typedef struct ctk_acd_talk {
  ctk_acd_talk_kind kind;
  unsigned a_ms;
  unsigned b_ms;
} ctk_acd_talk;

#define CTK_ACD_AGENTS_MAX 10000u

typedef struct ctk_acd_config {
  unsigned agents;            /* agents logged in (0..CTK_ACD_AGENTS_MAX; 0: every call waits or
                               * is refused) */
  unsigned queue_limit;       /* calls allowed to wait (IVR + queue) beyond the idle agents */
  int busy_status;            /* final answer when full: 486 (default) or 503 */
  unsigned ivr_ms;            /* time in the IVR menu before the call joins the queue */
  unsigned ring_ms;           /* time an agent's phone rings before the agent answers */
  unsigned wrap_ms;           /* after-call work: an agent is free this long after a call ends */
  unsigned max_wait_ms;       /* a call waiting longer in the queue gets 480; 0 = it waits until
                               * an agent is free */
  ctk_acd_talk talk;
  unsigned linger_ms;         /* a finished call is kept this long to absorb retransmissions */
  const char *recording_base; /* recordings are referenced as <base>/<name>.wav */
  const char *local_host;     /* for Contact and Via of what we send, default "127.0.0.1" */
  int local_port;
  uint64_t seed;              /* talk-time random generator; 0 = fixed default seed */
} ctk_acd_config;

/* Fills in the defaults documented in docs/ACD.md. */
void ctk_acd_config_defaults(ctk_acd_config *cfg);
/* Parses "caller", "fixed:MS", "uniform:MIN-MAX", "exp:MEAN". */
ctk_code ctk_acd_talk_parse(const char *text, ctk_acd_talk *out);

typedef enum {
  CTK_ACD_EV_OFFERED = 0,
  CTK_ACD_EV_QUEUED,
  CTK_ACD_EV_DELIVERED,
  CTK_ACD_EV_ANSWERED,
  CTK_ACD_EV_CLEARED,
  CTK_ACD_EV_ABANDONED,
  CTK_ACD_EV__COUNT
} ctk_acd_event_kind;

/* "offered", "queued", ... as used in the webhook JSON. */
const char *ctk_acd_event_name(ctk_acd_event_kind kind);

typedef struct ctk_acd_event {
  ctk_acd_event_kind kind;
  const char *call_id;        /* the SIP Call-ID */
  const char *caller;         /* user part of From */
  const char *called;         /* user part of the Request-URI */
  const char *agent;          /* "A01"..., "" before delivery */
  int64_t wall_ms;            /* when it happened, ms since the epoch */
  long wait_ms;               /* time in the queue: joined -> answered, or so far */
  long talk_ms;               /* answered -> cleared, 0 otherwise */
  const char *cause;          /* ECMA-269 event cause: newCall, normalClearing, ... */
  int busy_status;            /* for CLEARED of a refused call: 486 or 503, else 0 */
  int queue_timeout;          /* for CLEARED of a call that waited max_wait_ms: 1 */
  int answered;               /* the call was answered at some point */
  int agent_hangup;           /* for CLEARED of an answered call: the agent hung up (--talk) */
  unsigned queue_length;      /* calls waiting in the queue after this event */
  const char *recording_url;  /* NULL when the call has no recording (not answered) */
  const char *recording_sha256;
} ctk_acd_event;

/* The event's time as xs:dateTime in Beijing time, "2026-11-29T13:00:00+08:00" (26 bytes). */
void ctk_acd_event_time(const ctk_acd_event *ev, char *out, size_t size);

/* Something that wants call events (CTI link, webhook, statistics, a test). Called on the
 * engine's thread, synchronously; it must not block. */
typedef struct ctk_acd_sink {
  void (*on_event)(void *ctx, const ctk_acd_event *ev);
  void *ctx;
} ctk_acd_sink;

typedef enum { CTK_ACD_UDP = 0, CTK_ACD_TCP = 1 } ctk_acd_proto;

/* Where a message came from, and so where its answers go. */
typedef struct ctk_acd_peer {
  ctk_acd_proto proto;
  int conn_id;                /* TCP connection of the transport; unused for UDP */
  struct sockaddr_storage addr;
  socklen_t addrlen;
} ctk_acd_peer;

typedef struct ctk_acd_transport {
  /* Send one whole SIP message; returns 0 or a ctk_code (the engine logs and goes on). */
  int (*send)(void *ctx, const ctk_acd_peer *to, const char *data, size_t len);
  void *ctx;
} ctk_acd_transport;

typedef struct ctk_acd_engine ctk_acd_engine;

ctk_code ctk_acd_engine_new(const ctk_acd_config *cfg, const ctk_acd_transport *transport,
                            ctk_acd_engine **out);
void ctk_acd_engine_free(ctk_acd_engine *e);
/* Up to 8 sinks, called in the order added. */
ctk_code ctk_acd_engine_add_sink(ctk_acd_engine *e, const ctk_acd_sink *sink);

/* One datagram or one framed TCP message. now_ms is a monotonic clock. Returns CTK_E_PARSE
 * for bytes libosip2 cannot read (nothing is answered then: there is no one to answer). */
ctk_code ctk_acd_engine_input(ctk_acd_engine *e, const char *data, size_t len,
                              const ctk_acd_peer *from, uint64_t now_ms);
/* Runs the timers due at now_ms; returns ms until the next one, or -1 when none is set. */
long ctk_acd_engine_tick(ctk_acd_engine *e, uint64_t now_ms);

/* Steering while running: agents (logging agents in or out; a busy agent logged out finishes
 * its call first), queue_limit, busy_status, ivr_ms, ring_ms, wrap_ms, max_wait_ms and talk take effect
 * for what happens next. Other fields of cfg are ignored. CTK_E_INVAL leaves all unchanged. */
ctk_code ctk_acd_engine_reconfigure(ctk_acd_engine *e, const ctk_acd_config *cfg);
/* The configuration in effect. */
void ctk_acd_engine_config(const ctk_acd_engine *e, ctk_acd_config *out);

/* Calls the engine still holds (including finished ones lingering for retransmissions). */
size_t ctk_acd_engine_calls(const ctk_acd_engine *e);
unsigned ctk_acd_engine_idle_agents(const ctk_acd_engine *e);

#endif
