/* ctk_acd_link: the bounded TCP server under every CTI link of the queue machine (CSTA, AMI, ESL):
 * at most max_clients, bounded input per request and output per client, login and idle timeouts. */
#ifndef CTK_ACD_LINK_H
#define CTK_ACD_LINK_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "ctk_buf.h"

typedef struct ctk_acd_link_limits {
  unsigned max_clients;        /* further connections wait in the backlog */
  size_t in_max;               /* largest request (line, message or frame) a client may send */
  size_t out_max;              /* a client with more output waiting is too far behind: dropped */
  unsigned login_ms;           /* not logged in (or monitoring) this long after connecting: dropped */
  unsigned idle_ms;            /* nothing read or written for this long: dropped; 0 = never */
} ctk_acd_link_limits;

typedef struct ctk_acd_link_client {
  int fd;
  unsigned id;                 /* 1, 2, ... in the order clients connected */
  int logged_in;               /* the protocol says so (after Login, auth, MonitorStart) */
  int closing;                 /* close once what is queued has been written */
  int wrote;                   /* something was sent since the last turn (not idle) */
  const char *dead;            /* why it is dropped at the next turn of the loop; NULL while alive */
  uint64_t opened_ms, active_ms, closing_ms;
  ctk_buf in;                  /* what the client sent that is not handled yet */
  ctk_buf out;
  size_t out_off;
  void *proto;                 /* the protocol's per-client state (malloc'd; the link frees it) */
} ctk_acd_link_client;

typedef struct ctk_acd_link_ops {
  /* A client connected: greet it. Nonzero refuses it. */
  int (*on_open)(void *ctx, ctk_acd_link_client *c);
  /* Bytes arrived in c->in: handle every whole request, return the bytes used, or -1 to drop the
   * client at once (a framing it cannot recover from). */
  long (*on_input)(void *ctx, ctk_acd_link_client *c);
  /* c->in is full and holds no whole request: answer with the protocol's error; the link then
   * closes the connection once the answer is written. */
  void (*on_overflow)(void *ctx, ctk_acd_link_client *c);
} ctk_acd_link_ops;

typedef struct ctk_acd_link ctk_acd_link;

/* Listens on bind_addr:port (0 = ephemeral). mod names the link in the log ("acd-ami"). */
ctk_code ctk_acd_link_new(const char *mod, const char *bind_addr, int port,
                          const ctk_acd_link_limits *limits, const ctk_acd_link_ops *ops,
                          void *ctx, ctk_acd_link **out);
void ctk_acd_link_free(ctk_acd_link *l);
int ctk_acd_link_port(const ctk_acd_link *l);
size_t ctk_acd_link_clients(const ctk_acd_link *l);
/* The i-th client (0 <= i < ctk_acd_link_clients), for sending an event to every client. */
ctk_acd_link_client *ctk_acd_link_client_at(ctk_acd_link *l, size_t i);

/* Fills up to max pollfds (listener first, then clients); returns how many. */
size_t ctk_acd_link_pollfds(ctk_acd_link *l, struct pollfd *fds, size_t max);
/* Handles what poll reported on the pollfds filled just before (n may be 0), then the timeouts,
 * then drops dead clients and accepts new ones. Call it on every turn of the loop. */
void ctk_acd_link_handle(ctk_acd_link *l, const struct pollfd *fds, size_t n, uint64_t now_ms);

/* Queues data to c and writes what the socket takes now. A client too far behind is marked dead
 * (CTK_E_TOOBIG); a failed write marks it dead (CTK_E_IO). */
ctk_code ctk_acd_link_send(ctk_acd_link_client *c, const void *data, size_t len);

/* Close c once what is queued for it has been written (at most 2 s). */
void ctk_acd_link_close_after(ctk_acd_link_client *c);

#endif
