/* ctk_faultproxy: a loopback TCP proxy (A -> proxy -> B) that breaks the link on command, so
 * tests can take a link down, slow it, cut connections mid-stream or let requests overtake. */
#ifndef CTK_FAULTPROXY_H
#define CTK_FAULTPROXY_H

#include <stddef.h>

#include "ctk_error.h"

/* What happens to new connections (and, when going down, to the open ones). */
typedef enum {
  CTK_FP_UP = 0,      /* forward */
  CTK_FP_REFUSE,      /* the listening socket is closed: connects get ECONNREFUSED */
  CTK_FP_RESET        /* connects are accepted and reset at once (the peer sees ECONNRESET) */
} ctk_fp_mode;

/* Which way bytes travel through the proxy. */
typedef enum {
  CTK_FP_TO_SERVER = 0, /* client -> target: the request */
  CTK_FP_TO_CLIENT = 1  /* target -> client: the answer */
} ctk_fp_dir;

typedef struct ctk_faultproxy_config {
  const char *listen_addr;   /* default "127.0.0.1"; must be in 127.0.0.0/8 */
  int listen_port;           /* 0 = an ephemeral port (read it with ctk_faultproxy_port) */
  const char *target_addr;   /* default "127.0.0.1"; must be in 127.0.0.0/8 */
  int target_port;
} ctk_faultproxy_config;

typedef struct ctk_faultproxy_stats {
  unsigned long accepted;    /* connections accepted and forwarded */
  unsigned long reset;       /* connections reset because the link was down (mode RESET) */
  unsigned long cut;         /* connections cut mid-stream on command */
  unsigned long upstream_failed; /* connections dropped because the target did not answer */
  unsigned long long bytes_to_server;
  unsigned long long bytes_to_client;
} ctk_faultproxy_stats;

typedef struct ctk_faultproxy ctk_faultproxy;

/* Start forwarding on a thread of its own. CTK_E_INVAL for a non-loopback address. */
ctk_code ctk_faultproxy_start(const ctk_faultproxy_config *cfg, ctk_faultproxy **out);
int ctk_faultproxy_port(const ctk_faultproxy *fp);
/* Reset every open connection, stop and free. NULL is fine. */
void ctk_faultproxy_stop(ctk_faultproxy *fp);

/* Link up or down. Going down resets the connections already open, as a broken link would. */
ctk_code ctk_faultproxy_set_mode(ctk_faultproxy *fp, ctk_fp_mode mode);
/* Sleep this long before forwarding each chunk (both directions); 0 = none. */
void ctk_faultproxy_set_delay(ctk_faultproxy *fp, unsigned ms_per_chunk);
/* Cap the throughput of each connection and direction; 0 = unlimited. */
void ctk_faultproxy_set_rate(ctk_faultproxy *fp, size_t bytes_per_second);
/* Cut the next `connections` connections (0 = every one until cleared with after_bytes 0) once
 * after_bytes bytes went through in direction dir: the rest is not forwarded and both sides
 * are reset. TO_SERVER cuts a request half-sent; TO_CLIENT cuts after the target has the whole
 * request, so the client never learns the outcome. */
void ctk_faultproxy_set_cut(ctk_faultproxy *fp, ctk_fp_dir dir, size_t after_bytes,
                            unsigned connections);
/* Hold every nth new connection (1 = all) for extra_ms before forwarding, so later requests
 * overtake it: TCP keeps order inside a connection, so this is how "reordering" is modelled. */
void ctk_faultproxy_set_skew(ctk_faultproxy *fp, unsigned every_nth, unsigned extra_ms);
/* Back to a clean link: up, no delay, no rate cap, no cut, no skew. */
void ctk_faultproxy_clear(ctk_faultproxy *fp);

/* The same settings as one text command, for control APIs and scripts:
 *   "up" | "down" (refuse) | "down refuse" | "down reset" | "delay MS" | "rate BYTES_PER_S" |
 *   "cut up|down BYTES [COUNT]" | "skew EVERY_NTH MS" | "clear"
 * CTK_E_INVAL for anything else. */
ctk_code ctk_faultproxy_command(ctk_faultproxy *fp, const char *command);

void ctk_faultproxy_get_stats(ctk_faultproxy *fp, ctk_faultproxy_stats *out);
/* Connections open right now. */
unsigned ctk_faultproxy_open_connections(ctk_faultproxy *fp);

#endif
