/* ctk_http_local: who may use a local control route (a node's /ctk/ paths, a simulator's /control):
 * a client on this machine that names it by a loopback Host, never a web page in a browser. */
#ifndef CTK_HTTP_LOCAL_H
#define CTK_HTTP_LOCAL_H

#include <stddef.h>

#include "ctk_http.h"

/* 0 when req may use a local control route, else the HTTP status to answer and why:
 *   403  the peer is not on loopback, or the Host header is not a loopback name (127.x.y.z,
 *        [::1], localhost, each with an optional port): a page on another site that points its
 *        own name at 127.0.0.1 (DNS rebinding) sends its own name as Host;
 *   415  a POST without Content-Type application/json: a page can send a cross-site POST
 *        only as a form or text/plain (CSRF), JSON needs the CORS preflight that these routes
 *        never approve (as do PUT and DELETE, whatever they carry). */
int ctk_http_local_check(const ctk_http_request *req, char *why, size_t whylen);

/* Is peer ("127.0.0.1:5555", "[::1]:80") an address of this machine's loopback? */
int ctk_http_peer_is_loopback(const char *peer);

#endif
