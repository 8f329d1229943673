/* ctk_ct_load: open-loop load toward the SUT for conformance tests: requests due at a fixed
 * rate, carried on at most N connections at once (libcurl multi), each answer decoded and timed. */
#ifndef CTK_CT_LOAD_H
#define CTK_CT_LOAD_H

#include <stddef.h>

#include "ctk_ct_msg.h"

/* What to offer: request i is due at i / rate seconds after the start; a request still
 * waiting for a free connection when the window (duration_ms) ends is never sent. */
typedef struct ctk_ct_load_spec {
  double rate;                 /* requests per second, above 0 */
  long duration_ms;            /* the window in which requests are due */
  unsigned connections;        /* at most this many requests in flight (1..4096) */
} ctk_ct_load_spec;

/* What happened, as measured on the runner's clock. */
typedef struct ctk_ct_load_result {
  size_t sent;                 /* requests that went out */
  size_t not_sent;             /* due in the window, but no connection came free before its end */
  size_t waited;               /* sent late: every connection was busy when they were due */
  size_t answered;             /* an HTTP answer came back */
  double elapsed_ms;           /* wall clock from the start to the last answer (or the end) */
  double *latency_ms;          /* per request: from when it was due to its answer, -1 when no
                                  answer came; malloc'd, free with ctk_ct_load_result_free */
} ctk_ct_load_result;

void ctk_ct_load_result_free(ctk_ct_load_result *r);

/* Called for each request that got an answer or failed in transport, in the order they
 * finish; r is filled as ctk_ct_send fills it (decoded answer, result name, r->ms) and freed
 * after the call. */
typedef void (*ctk_ct_load_answer_fn)(void *ctx, size_t i, const ctk_ct_reply *r);

/* Send reqs[0..n) (XML binding, UTF-8) to peer, request i as as[i], by spec; every request
 * and answer is recorded as evidence. CTK_E_OK when the load ran (whatever the SUT did);
 * CTK_E_NOMEM, CTK_E_INVAL (a bad spec) or CTK_E_HTTP (the client broke) when it could not,
 * out then holds what was measured before. */
ctk_code ctk_ct_load_run(ctk_ct *t, const ctk_ct_peer *peer, ctk_msg *const *reqs,
                         const ctk_ct_as *as, size_t n, const ctk_ct_load_spec *spec,
                         ctk_ct_load_answer_fn fn, void *ctx, ctk_ct_load_result *out);

#endif
