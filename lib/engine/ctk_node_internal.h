/* ctk_node_internal: what the parts of the endpoint engine share (lifecycle in ctk_node.c, the
 * receive pipeline in ctk_node_exchange.c, the business flows in ctk_node_flow.c, delivery in
 * ctk_node_outbox.c, the observation API in ctk_node_admin.c). Not for other modules. */
#ifndef CTK_NODE_INTERNAL_H
#define CTK_NODE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "ctk_auth.h"
#include "ctk_calendar.h"
#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_msg_tpl.h"
#include "ctk_node.h"
#include "ctk_receive.h"
#include "ctk_region.h"
#include "ctk_store.h"
#include "ctk_province_faults.h"

#define CTK_NODE_PEERS_MAX 64
#define CTK_NODE_NAMES_MAX 8
#define CTK_NODE_SECRET_MAX 256

/* One neighbour this node sends to (peers.csv). */
typedef struct ctk_node_peer {
  char region[8];
  ctk_level level;
  char url[CTK_NODE_PATH_MAX];   /* base; /exchange or /soap is appended */
  ctk_binding binding;
  ctk_encoding encoding;
} ctk_node_peer;

/* What refusals of one authenticated peer have kept in the message log this window. */
#define CTK_NODE_REFUSAL_PEERS 64
typedef struct ctk_node_refusal_budget {
  char region[8];              /* "" = unused; the last slot is shared by any further peer */
  int64_t window_ms;           /* start of the window (ctk_node_now_ms) */
  size_t used;                 /* bytes kept in it */
  int warned;                  /* the window's "over budget" line was logged */
} ctk_node_refusal_budget;

struct ctk_node_engine {
  ctk_node_config cfg;
  ctk_node self;                 /* region and level, as in message heads */
  ctk_profile *profile;
  ctk_region_db *regions;
  ctk_calendar *calendar;
  ctk_auth *auth;
  ctk_receive_config receive;    /* the receive step of /exchange and /soap (ctk_receive) */
  char secret[CTK_NODE_SECRET_MAX];
  ctk_node_peer peers[CTK_NODE_PEERS_MAX];
  size_t n_peers;
  ctk_store *store;
  ctk_http_server *http;
  char open_states[256];         /* comma-separated codes of open states (process.xml) */
  /* GET /soap?wsdl (ctk_node_wsdl.c): the profile's WSDL, each soap:address a mark (empty:
   * the profile has none), and the host names that mean this node */
  ctk_buf wsdl;
  char names[CTK_NODE_NAMES_MAX][256];
  size_t n_names;
  /* the success answer of each binding and encoding, ready to fill in (NULL: no template,
   * the answer is built and encoded) */
  ctk_msg_tpl *success_tpl[2][2];
  /* the forward of each interface (the profile's order) in each binding, UTF-8; NULL: built */
  ctk_msg_tpl **forward_tpl[2];

  pthread_mutex_t wake_lock;     /* guards stopping and the wake-ups below */
  pthread_cond_t wake;           /* stop (the urger waits on it) */
  pthread_cond_t outbox_wake;    /* outbox work (one worker is woken) or stop */
  unsigned long outbox_kicks;    /* work announced so far: a worker that saw it change since
                                    its claim does not wait */
  int stopping;
  pthread_t workers[16];
  unsigned n_workers;
  pthread_t urger;
  int urger_running;

  /* the late-reply fault: parked answers waiting for their time (ctk_node_exchange.c);
   * guarded by wake_lock */
  struct ctk_late_reply *late_head;
  pthread_cond_t late_wake;
  int late_now;                  /* the node is stopping: let every late answer go at once */
  pthread_t late_thread;
  int late_running;

  /* what refusals may keep (ctk_node_exchange.c): nothing of an unauthenticated request, and
   * of an authenticated peer's refusals a budget per window; guarded by refusal_lock */
  pthread_mutex_t refusal_lock;
  ctk_node_refusal_budget refusal[CTK_NODE_REFUSAL_PEERS];
  unsigned long refused_unauthenticated;  /* refused before credentials: counted, not kept */
  unsigned long refusals_not_kept;        /* authenticated, over their peer's budget */
};

/* One request being handled: what the pipeline learnt so far. */
typedef struct ctk_exchange {
  ctk_node_engine *n;
  const ctk_http_request *http;
  ctk_received rx;               /* what the shared receive step made of it; owns rx.msg */
  ctk_binding binding;           /* binding, encoding, req and dir are rx's, for short */
  ctk_encoding encoding;
  ctk_msg *req;                  /* rx.msg: NULL when it could not be decoded */
  ctk_msg *answer;               /* built by the flow when it needs a body (query, link check) */
  ctk_outcome outcome;
  unsigned dir;                  /* CTK_DIR_UP or CTK_DIR_DOWN, as the message travelled */
  char hash[65];                 /* request hash for idempotency (SendTime left out) */
  char order_id[CTK_STORE_ORDER_ID];
  int queued;                    /* outbox rows added: wake the workers after commit */
  int64_t accepted_log_id;       /* the message log row written "accepted", 0 if none */
} ctk_exchange;

/* Room for one encoded message: the profile's limit grows up to 4 times when characters GBK
 * cannot hold become references, plus the SOAP envelope around it. */
static inline size_t ctk_node_wire_max(const ctk_node_engine *n)
{
  return n->profile->max_message_bytes * 4 + 65536;
}

static inline int ctk_node_fault(const ctk_node_engine *n, ctk_province_fault f)
{
  return n->self.level == CTK_LEVEL_PROVINCE && (n->cfg.faults & (1ul << (unsigned)f));
}

/* How long the late-reply or slow-answer fault holds every answer; 0 without them. */
static inline unsigned ctk_node_answer_delay_ms(const ctk_node_engine *n)
{
  if(ctk_node_fault(n, CTK_PF_late_reply))
    return n->cfg.late_reply_ms;
  return ctk_node_fault(n, CTK_PF_slow_answer) ? CTK_NODE_SLOW_ANSWER_MS : 0;
}

/* ctk_node.c */
const ctk_node_peer *ctk_node_peer_find(const ctk_node_engine *n, const char *region);
/* The (first) peer of a level, e.g. the ministry of a province. */
const ctk_node_peer *ctk_node_peer_of_level(const ctk_node_engine *n, ctk_level level);
int64_t ctk_node_now_ms(void);
/* The CLOCK_REALTIME deadline of pthread_cond_timedwait for the moment at_ms (ctk_node_now_ms). */
void ctk_node_abstime(int64_t at_ms, struct timespec *out);
/* The provincial unit of a region code ("" when unknown). */
void ctk_node_province_of(const ctk_node_engine *n, const char *region, char out[8]);

/* ctk_node_exchange.c: the HTTP handler of /exchange and /soap. */
int ctk_node_handle_exchange(ctk_node_engine *n, const ctk_http_request *req,
                             ctk_http_response *resp);
/* The late-reply fault's thread, which lets parked answers go when their time comes; release
 * lets every one go at once (before the HTTP server stops), stop joins the thread. */
ctk_code ctk_node_late_start(ctk_node_engine *n);
void ctk_node_late_release(ctk_node_engine *n);
void ctk_node_late_stop(ctk_node_engine *n);

/* ctk_node_flow.c: the business step of one decoded, authenticated, valid message, run inside
 * the store transaction. Sets x->outcome (OK or the refusal) and returns CTK_E_OK, or an error
 * of the store (the caller answers INTERNAL). */
ctk_code ctk_node_flow(ctk_exchange *x);
/* Queue a message to a neighbour: encode m for the peer and add an outbox row. */
ctk_code ctk_node_enqueue(ctk_node_engine *n, const ctk_node_peer *peer, ctk_msg *m,
                          const char *order_id, int64_t delay_ms);
/* A province's overdue scan (the urge timer and ctk_node_urge_now). */
ctk_code ctk_node_flow_urge_overdue(ctk_node_engine *n, const char *today, int *sent);

/* ctk_node_outbox.c */
ctk_code ctk_node_outbox_start(ctk_node_engine *n);
void ctk_node_outbox_stop(ctk_node_engine *n);

/* ctk_node_wsdl.c: the WSDL of GET /soap?wsdl. load keeps the profile's WSDL and the node's
 * names (before the server starts); asked says whether a query asks for it. */
ctk_code ctk_node_wsdl_load(ctk_node_engine *n, char *err, size_t errlen);
void ctk_node_wsdl_free(ctk_node_engine *n);
int ctk_node_wsdl_asked(const char *query);
/* A Host or --address, "host[:port]" or "[v6][:port]", into host and port (0 = none); -1 when
 * it is not one (a stray bracket, a bad port, an unbracketed IPv6 address). */
int ctk_node_wsdl_split_host(const char *text, char *host, size_t hostlen, int *port);
int ctk_node_handle_wsdl(ctk_node_engine *n, const ctk_http_request *req,
                         ctk_http_response *resp);

/* ctk_node_admin.c: GET /ctk/... (loopback only). */
int ctk_node_handle_admin(ctk_node_engine *n, const ctk_http_request *req,
                          ctk_http_response *resp);

#endif
