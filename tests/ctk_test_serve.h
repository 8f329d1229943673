/* ctk_test_serve: reference endpoints (`ctk serve ministry|province`) as child processes for the
 * reliability tests: temp data dir, the test credentials, kill -9 and restart, store checks. */
#ifndef CTK_TEST_SERVE_H
#define CTK_TEST_SERVE_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_proc.h"

/* The test network: ministry 100000, province Jiangxi 360000, its cities 360100 and 360200.
 * Each node's Basic password is "secret-<region>". */
#define CTK_TS_MINISTRY "100000"
#define CTK_TS_PROVINCE "360000"
#define CTK_TS_CITY "360100"
#define CTK_TS_OTHER_CITY "360200"
#define CTK_TS_FOREIGN_CITY "370100" /* Jinan, Shandong: in the province's credentials by mistake */

typedef struct ctk_test_node {
  char role[16];               /* "ministry" or "province" */
  char region[8];
  char dir[512];               /* data dir, kept across restarts */
  char upstream[256];          /* province: URL of the ministry (or of a proxy in front of it) */
  const char *wrapper;         /* e.g. "valgrind ...": program run in front of ctk, or NULL */
  int port;                    /* fixed at the first start, reused by restarts */
  ctk_proc proc;
  struct ctk_node_engine *engine; /* set when the node runs inside the test process */
  int starts;
} ctk_test_node;

/* The password of a region in the test network. */
void ctk_ts_secret(const char *region, char *out, size_t outlen);

/* Start a node in dir (created if needed) on a free port. upstream: for a province, the
 * ministry base URL ("http://127.0.0.1:PORT"); NULL otherwise. Waits until it answers. */
ctk_code ctk_ts_start(ctk_test_node *n, const char *role, const char *dir, const char *upstream,
                      const char *wrapper);
/* The same node inside the test process (ctk_node_start): for tests that need no kill -9. */
ctk_code ctk_ts_start_inproc(ctk_test_node *n, const char *role, const char *dir,
                             const char *upstream);
/* The same, serving HTTPS with this PEM certificate and key. */
ctk_code ctk_ts_start_inproc_tls(ctk_test_node *n, const char *role, const char *dir,
                                 const char *upstream, const char *cert, const char *key);
/* The city simulator (`ctk sim city`, in this process) playing cities ("360100,...") below
 * the test network's province, which may call them with its credentials, as may the other
 * city (so that a sender it does not authenticate is refused, not unknown). It sends nothing
 * on its own. Stop it with ctk_city_sim_stop. */
struct ctk_city_sim;
ctk_code ctk_ts_start_cities(const char *dir, const char *cities, struct ctk_city_sim **out);
/* Start again on the same data dir and port (after a stop or a kill). */
ctk_code ctk_ts_restart(ctk_test_node *n);
/* SIGTERM and wait; returns the exit status (the process's, 0..255), -1 if it did not exit. */
int ctk_ts_stop(ctk_test_node *n);
/* SIGKILL at once, reaped. */
void ctk_ts_kill(ctk_test_node *n);
int ctk_ts_alive(ctk_test_node *n);

/* Path of the node's SQLite store. */
void ctk_ts_db_path(const ctk_test_node *n, char *out, size_t outlen);

/* ---- looking into a store (readonly; safe while the node runs, thanks to WAL) ---- */

typedef struct ctk_ts_counts {
  long orders;                 /* work orders */
  long outbox;                 /* outbox rows, any state */
  long outbox_pending;
  long outbox_delivered;
  long outbox_failed;
} ctk_ts_counts;

ctk_code ctk_ts_counts_get(const ctk_test_node *n, ctk_ts_counts *c);
/* 1 when the order is stored, 0 when not, -1 on error. */
int ctk_ts_has_order(const ctk_test_node *n, const char *order_id);
/* Status code of a stored order into out ("" if unknown). */
ctk_code ctk_ts_order_status(const ctk_test_node *n, const char *order_id, char *out,
                             size_t outlen);
/* `PRAGMA integrity_check` of the store: 1 when "ok". */
int ctk_ts_integrity_ok(const ctk_test_node *n);
/* Run one SQL query returning a single integer (e.g. a count); -1 on error. For checks the
 * store API does not offer (duplicates in the message log). */
long ctk_ts_query_long(const ctk_test_node *n, const char *sql);

/* ---- talking to a node as a city or a province would ---- */

/* A message of the test network: head filled with msg_id, interface, sender and receiver,
 * SendTime now; body_xml is the inner XML of Body (UTF-8). */
void ctk_ts_message(ctk_buf *out, const char *msg_id, const char *iface, const char *sender,
                    int sender_level, const char *receiver, int receiver_level,
                    const char *body_xml);
/* A WorkOrderReport body for order_id accepted in city. */
void ctk_ts_report_body(ctk_buf *out, const char *order_id, const char *city,
                        const char *subject);
/* POST xml to the node's /exchange as region (its Basic credentials). Fills code with the
 * Answer's result code ("" when none came: a transport failure or no Answer) and returns the
 * HTTP status, 0 when there was no HTTP answer at all. */
int ctk_ts_post(const char *base_url, const char *region, const char *xml, size_t len,
                char *code, size_t codelen, long timeout_ms);
/* The node's base URL. */
void ctk_ts_url(const ctk_test_node *n, char *out, size_t outlen);

#endif
