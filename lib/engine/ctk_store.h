/* ctk_store: the SQLite store of one reference endpoint (ministry or province): work orders and
 * their history, every message in and out with raw bytes, the outbox, and the message-id table. */
#ifndef CTK_STORE_H
#define CTK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ctk_buf.h"
#include "ctk_error.h"

/* One connection behind a mutex (see docs/ENDPOINTS.md for why and the measurement).
 * ctk_store_begin() holds it until commit or rollback, so a whole message is one unit no other
 * thread can interleave with. Commits are shared (group commit, docs/PERFORMANCE.md): every
 * call that wrote or read returns only once what it saw is durable, and commit reports the
 * shared commit's result, so success still means durably committed. */
typedef struct ctk_store ctk_store;

#define CTK_STORE_REGION 8
#define CTK_STORE_CODE 32
#define CTK_STORE_TIME 40
#define CTK_STORE_ORDER_ID 32
#define CTK_STORE_MSGID 65

/* A work order as this node knows it. The three link fields say which neighbours share the
 * order, so updates can flow back along the path the order took. */
typedef struct ctk_order {
  char order_id[CTK_STORE_ORDER_ID];
  char accept_time[CTK_STORE_TIME];
  /* YYYY-MM-DD of accept_time (Beijing), what statistics select days by; "" = the first ten
   * characters of accept_time (right for xs:dateTime, not for every profile's format) */
  char accept_date[11];
  char accept_region[CTK_STORE_REGION];
  char handle_region[CTK_STORE_REGION];
  char channel[CTK_STORE_CODE];
  char business_type[CTK_STORE_CODE];
  char domain[CTK_STORE_CODE];
  char status[CTK_STORE_CODE];          /* state code of process.xml */
  int instant_answer;                   /* 1 when answered on the call */
  char deadline[CTK_STORE_TIME];        /* YYYY-MM-DD: last day to complete; "" = none */
  char origin[CTK_STORE_REGION];        /* neighbour the order came from */
  char target[CTK_STORE_REGION];        /* neighbour it was transferred to, "" if none */
  char up[CTK_STORE_REGION];            /* upper neighbour it was reported to, "" if none */
  char transfer_to[CTK_STORE_REGION];   /* TargetRegion of the last transfer, "" if none */
  int transferred;                      /* 1 once a transfer was made */
  char completed_time[CTK_STORE_TIME];  /* CompleteTime of 1006, "" while open */
  char revisit_time[CTK_STORE_TIME];    /* RevisitTime of 1007, "" if none */
  int revisit_reached;
  char satisfaction[CTK_STORE_CODE];
  int supervised;                       /* count of 1009 seen */
  int urged;                            /* count of 1008 seen or sent */
  char created_at[CTK_STORE_TIME];
  char updated_at[CTK_STORE_TIME];
} ctk_order;

/* One event of an order's history. */
typedef struct ctk_history_event {
  char time[CTK_STORE_TIME];
  char interface_code[CTK_STORE_CODE];
  char status[CTK_STORE_CODE];          /* status after the event */
  char region[CTK_STORE_REGION];        /* who acted */
  char msg_id[CTK_STORE_MSGID];
} ctk_history_event;

/* One message in the log (in or out), with raw bytes and the outcome. */
typedef struct ctk_logged_msg {
  const char *direction;                /* "in" or "out" */
  const char *peer;                     /* "127.0.0.1:5555" or the peer region */
  const char *interface_code;           /* "" when the message could not be read */
  const char *msg_id;
  const char *sender;                   /* region in the head, "" if unknown */
  const char *order_id;                 /* "" if none */
  const char *binding;                  /* "xml" / "soap" */
  const char *encoding;                 /* "UTF-8" / "GBK" */
  const char *raw;                      /* request bytes */
  size_t raw_len;
  const char *answer;                   /* answer bytes, NULL if none */
  size_t answer_len;
  const char *result_code;              /* wire result code, "" if no answer */
  const char *verdict;                  /* accepted, rejected, repeat, delivered, failed; an
                                           accepted row becomes "not durable" when its commit
                                           fails (ctk_store_log_retract) */
  const char *reason;
  int64_t *row_id;                      /* if not NULL: receives the new row's id */
} ctk_logged_msg;

/* A message waiting to be delivered to a neighbour. */
typedef struct ctk_outbox_item {
  int64_t id;
  char fifo_key[CTK_STORE_MSGID];       /* order id, or the msg id when not about an order */
  char peer[CTK_STORE_REGION];          /* neighbour region */
  char interface_code[CTK_STORE_CODE];
  char msg_id[CTK_STORE_MSGID];
  char order_id[CTK_STORE_ORDER_ID];
  int attempts;
  int64_t next_at_ms;                   /* wall clock, ms since the epoch */
} ctk_outbox_item;

typedef struct ctk_outbox_counts {
  long pending;
  long delivered;
  long failed;
} ctk_outbox_counts;

/* Open (creating if needed) the database file at path: WAL, schema, prepared statements, and
 * (unless readonly) the committer thread that makes every commit durable before the caller
 * returns. readonly opens for `ctk stats` without writing. */
ctk_code ctk_store_open(const char *path, int readonly, ctk_store **out);
/* Checkpoint and close. NULL is fine. */
void ctk_store_close(ctk_store *s);
/* Last SQLite message, for logs. */
const char *ctk_store_errmsg(ctk_store *s);

/* How commits were shared so far: callers that waited in a batch, batches committed, WAL syncs.
 * callers / syncs is the mean batch size (docs/PERFORMANCE.md). */
typedef struct ctk_store_commit_stats {
  unsigned long callers;
  unsigned long batches;
  unsigned long syncs;
} ctk_store_commit_stats;
void ctk_store_commit_stats_get(ctk_store *s, ctk_store_commit_stats *out);

/* BEGIN IMMEDIATE; the calling thread holds the store until commit/rollback. */
ctk_code ctk_store_begin(ctk_store *s);
ctk_code ctk_store_commit(ctk_store *s);
void ctk_store_rollback(ctk_store *s);
/* Roll the caller's unit back and leave at once, without waiting for the batch to be durable:
 * only for a unit whose reads lead to nothing (an outbox claim that found no due message). A
 * rollback waits like a commit, because what the unit read may have been another caller's
 * uncommitted work; a unit that acts on nothing it read need not. */
void ctk_store_abandon(ctk_store *s);

/* ctk_store_commit for a caller that must not block (a parked HTTP request): the store is
 * released at once, and then(arg, result) is called exactly once, when the unit's batch is
 * durable (CTK_E_OK) or has failed, on the store's committer thread: keep it short and do not
 * take this store in it. Where the unit cannot join a batch (nested in an outer unit, an error
 * already, no committer) it is called at once, on the calling thread. */
typedef void (*ctk_store_durable_fn)(void *arg, ctk_code result);
void ctk_store_commit_then(ctk_store *s, ctk_store_durable_fn then, void *arg);
/* Keep the unit's work in the batch and leave without waiting for it to be durable, nor
 * hearing whether it was: only for work whose loss in a crash or a failed commit makes the
 * node repeat something its peer recognises (an outbox claim or a delivery record: the
 * message is sent again and the peer answers the repeat from its idempotency table). */
void ctk_store_commit_nowait(ctk_store *s);

/* ---- message log ---- */
ctk_code ctk_store_log(ctk_store *s, const ctk_logged_msg *m);
/* How many messages the log holds with this verdict ("" or NULL = all). */
long ctk_store_log_count(ctk_store *s, const char *verdict);
/* An incoming message logged "accepted" whose commit then failed: its row says "not durable"
 * with reason instead, so the log does not show a success next to the refusal that was
 * actually answered. A row with another verdict is left as it is. */
ctk_code ctk_store_log_retract(ctk_store *s, int64_t row_id, const char *reason);

/* ---- idempotency: (sender, msg id) -> request hash + stored answer ---- */
/* CTK_E_NOTFOUND when unseen; else hash (64 hex), the answer bytes and their content type. */
ctk_code ctk_store_msgid_get(ctk_store *s, const char *sender, const char *msg_id,
                             char hash[65], ctk_buf *answer, char *content_type, size_t ctlen);
ctk_code ctk_store_msgid_put(ctk_store *s, const char *sender, const char *msg_id,
                             const char *hash, const char *answer, size_t answer_len,
                             const char *content_type);

/* ---- work orders ---- */
/* CTK_E_NOTFOUND when the order is unknown. */
ctk_code ctk_store_order_get(ctk_store *s, const char *order_id, ctk_order *o);
/* Insert or update; xml (the WorkOrder element as UTF-8) is kept unchanged when NULL. */
ctk_code ctk_store_order_put(ctk_store *s, const ctk_order *o, const char *xml, size_t xml_len);
/* Insert a new order (the caller has seen it is not stored): one statement instead of two. */
ctk_code ctk_store_order_add(ctk_store *s, const ctk_order *o, const char *xml, size_t xml_len);
/* The stored WorkOrder element; CTK_E_NOTFOUND when none. */
ctk_code ctk_store_order_xml(ctk_store *s, const char *order_id, ctk_buf *out);
ctk_code ctk_store_history_add(ctk_store *s, const char *order_id, const ctk_history_event *ev);

typedef int (*ctk_history_cb)(void *ctx, const ctk_history_event *ev);
typedef int (*ctk_order_cb)(void *ctx, const ctk_order *o);
/* Events of one order, oldest first. A non-zero return from cb stops the walk. */
ctk_code ctk_store_history_each(ctk_store *s, const char *order_id, ctk_history_cb cb, void *ctx);
/* Orders accepted in [from, to] (YYYY-MM-DD, inclusive; "" = open end) whose accept region
 * starts with region_prefix ("" = all). */
ctk_code ctk_store_orders_each(ctk_store *s, const char *region_prefix, const char *from,
                               const char *to, ctk_order_cb cb, void *ctx);
/* Open orders (state codes listed in open_states, comma-separated) whose deadline is before
 * today (YYYY-MM-DD). */
ctk_code ctk_store_overdue_each(ctk_store *s, const char *today, const char *open_states,
                                ctk_order_cb cb, void *ctx);
/* Remember that order was urged on day; CTK_E_EXISTS when it already was. */
ctk_code ctk_store_urge_mark(ctk_store *s, const char *order_id, const char *day);

/* ---- outbox ---- */
/* Queue body (already encoded for the peer) for delivery; item->id is set. */
ctk_code ctk_store_outbox_add(ctk_store *s, ctk_outbox_item *item, const char *body,
                              size_t body_len);
/* Claim the next row due at now_ms that no earlier pending row of the same fifo_key precedes
 * (per-order FIFO; lifo reverses it, for the reorder fault) and whose queuing commit is
 * durable: a row queued by a batch that is still being synced waits for the sync, so nothing
 * is sent before what it forwards is on disk. CTK_E_NOTFOUND when none is due.
 * The row stays pending but in flight until done/retry. */
ctk_code ctk_store_outbox_claim(ctk_store *s, int64_t now_ms, int lifo, ctk_outbox_item *item,
                                ctk_buf *body);
/* Earliest next_at_ms of a row that heads its FIFO and is not in flight; CTK_E_NOTFOUND when
 * none (a LIFO claimer may find one sooner: it polls). */
ctk_code ctk_store_outbox_next_due(ctk_store *s, int64_t *next_at_ms);
/* Give a claimed row back untried (no attempt counted): another worker may claim it. */
ctk_code ctk_store_outbox_release(ctk_store *s, int64_t id);
/* Delivered (1) or given up (0). */
ctk_code ctk_store_outbox_done(ctk_store *s, int64_t id, int delivered, const char *error);
ctk_code ctk_store_outbox_retry(ctk_store *s, int64_t id, int64_t next_at_ms, const char *error);
/* At start: every pending row is due now and none is in flight (a crash left them so). */
ctk_code ctk_store_outbox_restart(ctk_store *s);
ctk_code ctk_store_outbox_counts(ctk_store *s, ctk_outbox_counts *c);

/* ---- received reports and knowledge ---- */
ctk_code ctk_store_stat_put(ctk_store *s, const char *region, const char *period_start,
                            const char *period_end, const char *name, const char *value);
/* Value of a stored indicator, CTK_E_NOTFOUND if none. */
ctk_code ctk_store_stat_get(ctk_store *s, const char *region, const char *period_start,
                            const char *period_end, const char *name, char *value, size_t len);
ctk_code ctk_store_knowledge_put(ctk_store *s, const char *item_id, const char *klass,
                                 const char *title, const char *content,
                                 const char *update_time, const char *action);
/* 1 when the item is stored (and not deleted), 0 when not, -1 on error. */
int ctk_store_knowledge_has(ctk_store *s, const char *item_id);

#endif
