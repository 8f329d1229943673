/* ctk_bench: load generators for `ctk bench` — work-order ingest over keep-alive HTTP against
 * one endpoint or many (national day), the bare fixed-reply ceiling, and store preloading. */
#ifndef CTK_BENCH_H
#define CTK_BENCH_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_profile.h"

#define CTK_BENCH_URL_MAX 256

/* One sender talking to one endpoint: a city to its province, or a province to the ministry. */
typedef struct ctk_bench_lane {
  char url[CTK_BENCH_URL_MAX]; /* endpoint base URL; /exchange is appended */
  ctk_node sender;             /* who the load claims to be (must have credentials there) */
  ctk_node receiver;
  const char *secret;          /* sender's secret, NULL for none */
  unsigned long orders;        /* orders this lane sends (multi-lane runs; 0 = none) */
} ctk_bench_lane;

typedef struct ctk_bench_config {
  const char *url;             /* single target: endpoint base URL; /exchange is appended */
  const ctk_profile *profile;
  ctk_node sender;             /* single target: who the load claims to be */
  ctk_node receiver;
  const char *secret;          /* single target: sender's secret, NULL for none */
  const ctk_bench_lane *lanes; /* many targets (national day): lanes sharing a URL form one */
  size_t n_lanes;              /* group with its own clients; 0 = the single target above */
  unsigned clients;            /* keep-alive connections; with lanes: per URL */
  unsigned clients_per_lane;   /* with lanes: instead, this many connections for each lane of a
                                  URL (each city as many as its own node would open) */
  double duration_s;           /* stop after this long ... */
  unsigned long max_orders;    /* ... or after this many orders (0 = no limit; single target) */
  double rate;                 /* open-loop target orders/s over all clients; 0 = closed loop,
                                  flat out (single target only) */
  unsigned long first_seq;     /* first order sequence number (keeps OrderIds unique across runs) */
  int quiet;                   /* no progress line */
} ctk_bench_config;

#define CTK_BENCH_CLIENTS_MAX 2048   /* client connections in all */
#define CTK_BENCH_LOOPS 2            /* threads driving them (one a core of the 2-core target) */

typedef struct ctk_bench_result {
  unsigned long sent;
  unsigned long ok;            /* answered with the profile's OK code */
  unsigned long refused;       /* answered with another code */
  unsigned long failed;        /* no HTTP answer (transport error, timeout) */
  double wall_s;
  double rate;                 /* ok / wall_s */
  double p50_ms, p90_ms, p99_ms, max_ms;
  double cpu_s;                /* CPU the load itself used (with --bare: and the bare server) */
  char first_refusal[256];     /* the first non-OK answer's code and text, for diagnosis */
} ctk_bench_result;

/* Run the ingest load: WorkOrderReport messages with unique OrderIds. */
ctk_code ctk_bench_ingest(const ctk_bench_config *cfg, ctk_bench_result *out);

/* A bare libmicrohttpd endpoint that answers every POST with the same fixed Answer: the ceiling
 * an endpoint could reach on this machine. Returns its port via *port. */
typedef struct ctk_bench_bare ctk_bench_bare;
ctk_code ctk_bench_bare_start(const ctk_profile *p, unsigned threads, ctk_bench_bare **out,
                              int *port);
void ctk_bench_bare_stop(ctk_bench_bare *b);
/* Its HTTP server (for its counters: connections accepted). */
ctk_http_server *ctk_bench_bare_server(ctk_bench_bare *b);

/* Fill the store file at path with orders as the ministry would hold them after n reports
 * from province 360000 (order, history, message-id row, logged message with raw bytes), in
 * transactions of batch orders. OrderIds use sequence numbers 0..n-1, as ctk_bench_ingest
 * does, so a later ingest should start at --first-seq n. progress: print on stderr. */
ctk_code ctk_bench_preload(const ctk_profile *p, const char *db_path, unsigned long n,
                           unsigned long batch, int progress);

/* Print one result as a JSON object (for bench/run.sh). */
void ctk_bench_result_json(const char *name, const ctk_bench_result *r, ctk_buf *out);

#endif
