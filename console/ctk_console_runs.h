/* ctk_console_runs: conformance runs started from the browser: `ctk run` as a child process per
 * run with its own folder, live progress (Server-Sent Events from its --progress lines),
 * cancel, results, and the comparison with the run before. */
#ifndef CTK_CONSOLE_RUNS_H
#define CTK_CONSOLE_RUNS_H

#include <stddef.h>

#include "ctk_console.h"
#include "ctk_console_reqs.h"
#include "ctk_console_store.h"
#include "ctk_http.h"

#define CTK_CONSOLE_RUNS_MAX 4          /* runs at once; more are refused (429) */
#define CTK_CONSOLE_SSE_STREAMS_MAX 16     /* events streams open at once; more are refused (429) */
#define CTK_CONSOLE_SSE_LIFETIME_MS 600000 /* one stream's life; the browser's EventSource then
                                              asks again with Last-Event-ID and goes on */
#define CTK_CONSOLE_SSE_HEARTBEAT_MS 15000 /* a comment line after this long without news */

typedef struct ctk_console_runs ctk_console_runs;

/* reqs (may be NULL) gives the requirement texts a run's results show. */
ctk_code ctk_console_runs_new(ctk_console_store *store, const char *data_dir,
                              const ctk_console_config *cfg, const ctk_console_reqs *reqs,
                              ctk_console_runs **out, char *err, size_t errlen);
/* Stops every running run (TERM, then KILL) and frees. NULL is fine. */
void ctk_console_runs_free(ctk_console_runs *r);

/* /api/runs...: the list, start (POST), one run, its events (SSE), cancel, the fault list. */
int ctk_console_runs_api(ctk_console_runs *r, const ctk_console_user *user,
                         const ctk_http_request *req, ctk_http_response *resp);

#endif
