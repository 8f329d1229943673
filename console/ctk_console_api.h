/* ctk_console_api: what every console route shares: JSON answers, errors the page translates
 * through the catalogue ({"error": "err.KEY"}), and reading a string member. */
#ifndef CTK_CONSOLE_API_H
#define CTK_CONSOLE_API_H

#include <json-c/json.h>

#include "ctk_http.h"

/* Writes o (released) as the answer with status; no-store. 0, or -1 when it cannot. */
int ctk_console_reply(ctk_http_response *resp, int status, json_object *o);
/* {"error": key, "detail": detail (when not NULL)}. */
int ctk_console_reply_error(ctk_http_response *resp, int status, const char *key,
                            const char *detail);
/* The string member key of o, NULL when absent or not a string. */
const char *ctk_console_json_str(json_object *o, const char *key);

/* The client's address without its port ("127.0.0.1"), for rate limits and the audit log. */
void ctk_console_peer(const ctk_http_request *req, char *out, size_t outlen);

#endif
