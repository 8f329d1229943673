/* ctk_http: the HTTP glue every daemon and client uses: a server on libmicrohttpd (loopback by
 * default, optional TLS via GnuTLS, bounded bodies) and a client on libcurl (connection reuse). */
#ifndef CTK_HTTP_H
#define CTK_HTTP_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"

/* ---------- server ---------- */

typedef struct ctk_http_request {
  const char *method;          /* "POST" */
  const char *path;            /* "/exchange" (no query string) */
  const char *query;           /* raw query string without '?', "" if none */
  const char *content_type;    /* "" if absent */
  const char *soap_action;     /* SOAPAction header, "" if absent */
  const char *body;            /* complete body (NUL-terminated copy), never NULL */
  size_t body_len;
  int body_too_large;          /* 1 when the body exceeded max_body; body is then empty */
  const char *auth_user;       /* HTTP Basic user, NULL if none */
  const char *auth_pass;       /* HTTP Basic password, NULL if none (never log it) */
  char peer[64];               /* "127.0.0.1:54321" */
  void *conn;                  /* opaque, for ctk_http_request_header() */
  void *state;                 /* opaque, for ctk_http_park() */
} ctk_http_request;

#define CTK_HTTP_RESPONSE_HEADERS 4

typedef struct ctk_http_response_header {
  char name[32];
  char value[224];
} ctk_http_response_header;

/* A streamed answer (Server-Sent Events): instead of a body, the handler sets resp->stream.
 * The server calls it for the next bytes whenever it can send: it writes at most max bytes
 * into buf and returns how many (> 0); 0 when it has nothing yet, and it is asked again about
 * CTK_HTTP_STREAM_TICK_MS later, the connection waiting suspended (it holds no worker); -1
 * when the answer is over. stream_free(stream_arg) is called exactly once, when the answer is
 * done or its connection gone. On stop the server ends every stream (stream is not asked
 * again) before it returns. The answer is sent chunked, or until close for HTTP/1.0. */
typedef long (*ctk_http_stream_fn)(void *arg, char *buf, size_t max);
typedef void (*ctk_http_stream_free_fn)(void *arg);
#define CTK_HTTP_STREAM_TICK_MS 200

typedef struct ctk_http_response {
  int status;                  /* default 200 */
  char content_type[128];      /* default "application/xml; charset=UTF-8" */
  ctk_buf body;                /* handler appends here */
  /* further headers (Allow, WWW-Authenticate): add them with ctk_http_response_add_header */
  ctk_http_response_header headers[CTK_HTTP_RESPONSE_HEADERS];
  size_t n_headers;
  ctk_http_stream_fn stream;   /* NULL: the body is the answer */
  ctk_http_stream_free_fn stream_free;
  void *stream_arg;
} ctk_http_response;

/* Handlers run on the server's worker threads; they must be thread-safe. Return 0; a non-zero
 * return makes the server answer 500 with no body. The request (and req->conn) is valid only
 * during the call. A handler occupies its worker while it runs (the pool serves all
 * connections with `threads` workers), so keep slow work such as forwarding out of it.
 * An oversize body is still read to its end and thrown away, so the client receives the
 * handler's answer (e.g. 413 with an Answer) and the connection stays usable. */
typedef int (*ctk_http_handler)(void *ctx, const ctk_http_request *req, ctk_http_response *resp);

/* Parking: a handler whose answer waits for something slow (a durable commit) parks the
 * request instead of blocking its worker, which goes on with other connections. The handler
 * calls ctk_http_park, arranges for ctk_http_unpark to be called exactly once (from any
 * thread, even before the handler returns), returns 0 and leaves resp empty. After the unpark,
 * a worker calls resume(arg, resp) to write the answer; req stays valid until then. If the
 * connection is gone by then, resume(arg, NULL) is called instead, so arg can be freed.
 * ctk_http_server_stop waits (up to 30 s) for parked requests to be unparked. */
typedef struct ctk_http_parked ctk_http_parked;
typedef void (*ctk_http_resume_fn)(void *arg, ctk_http_response *resp);
/* NULL when this request cannot be parked (already parked, not from a ctk_http server). */
ctk_http_parked *ctk_http_park(const ctk_http_request *req, ctk_http_resume_fn resume,
                               void *arg);
void ctk_http_unpark(ctk_http_parked *parked);

typedef struct ctk_http_server_config {
  const char *bind_addr;       /* default "127.0.0.1" */
  int port;                    /* 0 = pick a free port (read it back with ctk_http_server_port) */
  const char *tls_cert_file;   /* PEM; NULL = plain HTTP */
  const char *tls_key_file;
  size_t max_body;             /* bodies beyond this are not kept: body_too_large is set;
                                  0 = CTK_HTTP_MAX_BODY_DEFAULT */
  unsigned threads;            /* worker threads, default 4 */
  unsigned timeout_s;          /* idle connection timeout, default 30 */
  unsigned max_connections;    /* open connections at once, default 256; further ones are
                                  closed at once, not queued */
  unsigned max_per_address;    /* open connections from one client address, default half of
                                  max_connections; further ones are closed at once */
  unsigned request_timeout_s;  /* a whole request (headers and body) must arrive within this,
                                  counted from the connection's start or the end of its
                                  previous request, however slowly it trickles; default
                                  timeout_s. Handling and answering do not count. */
} ctk_http_server_config;

typedef struct ctk_http_server ctk_http_server;

#define CTK_HTTP_MAX_BODY_DEFAULT ((size_t)4 * 1024 * 1024)

ctk_code ctk_http_server_start(const ctk_http_server_config *cfg, ctk_http_handler handler,
                               void *ctx, ctk_http_server **out);
int ctk_http_server_port(const ctk_http_server *s);
/* TCP connections accepted since start (a keep-alive client adds one, not one per request). */
unsigned long ctk_http_server_connections(const ctk_http_server *s);
/* Stops accepting, finishes running requests, frees. NULL is fine. */
void ctk_http_server_stop(ctk_http_server *s);
/* Any request header by name (case-insensitive), NULL if absent. */
const char *ctk_http_request_header(const ctk_http_request *req, const char *name);

/* The port the request came in on (the server's bound port), 0 if unknown. */
int ctk_http_request_local_port(const ctk_http_request *req);

/* One more header on the answer. CTK_E_INVAL for a name or value with CR or LF, or too long;
 * CTK_E_TOOBIG past CTK_HTTP_RESPONSE_HEADERS. */
ctk_code ctk_http_response_add_header(ctk_http_response *resp, const char *name,
                                      const char *value);

/* The method check of one resource, allow being its methods ("GET", "POST", "GET, POST").
 * Returns 1 when the handler should go on: the method is listed, or it is HEAD on a GET
 * resource (RFC 9110 9.3.2: HEAD is GET without the body; the server leaves the body out).
 * Otherwise it answers and returns 0: OPTIONS gets 204 with Allow (RFC 9110 9.3.7), any
 * other method 405 with Allow, which RFC 9110 15.5.6 makes mandatory. */
int ctk_http_method_ok(const ctk_http_request *req, const char *allow, ctk_http_response *resp);

/* Answer 401 with the challenge `WWW-Authenticate: Basic realm="REALM", charset="UTF-8"`
 * (RFC 9110 11.6.1 and 15.5.2, RFC 7617 2): clients that send credentials only when asked
 * (curl --anyauth, urllib, Java's Authenticator, .NET) need it to authenticate at all. The
 * handler keeps writing the body (e.g. an Answer saying AUTH). */
void ctk_http_challenge_basic(ctk_http_response *resp, const char *realm);

/* ---------- client ---------- */

typedef struct ctk_http_client ctk_http_client; /* one per thread; reuses connections */

typedef struct ctk_http_call {
  const char *url;
  const char *content_type;    /* request Content-Type */
  const char *soap_action;     /* adds a SOAPAction header when not NULL */
  const char *user;            /* HTTP Basic, NULL for none */
  const char *password;
  const char *body;
  size_t body_len;
  long timeout_ms;             /* whole call; default 10000 */
  const char *ca_file;         /* for https: trust this CA (PEM); NULL = system store */
  int insecure;                /* for https tests only: skip peer verification */
} ctk_http_call;

typedef struct ctk_http_reply {
  long status;                 /* HTTP status, 0 when no answer came */
  char content_type[128];
  ctk_buf body;                /* initialise with ctk_buf_init before the call */
  double total_ms;             /* wall time of the call */
  char error[256];             /* libcurl's reason when the call failed */
  long new_connections;        /* connections this call had to open: 0 = an old one reused */
} ctk_http_reply;

ctk_http_client *ctk_http_client_new(void);
void ctk_http_client_free(ctk_http_client *c);
/* POST. CTK_E_OK when an HTTP answer arrived (any status); CTK_E_TIMEOUT or CTK_E_HTTP when
 * not, CTK_E_TOOBIG when the answer body outgrew reply->body's maximum; reply->error says why. */
ctk_code ctk_http_post(ctk_http_client *c, const ctk_http_call *call, ctk_http_reply *reply);
/* GET, same rules; body of the call ignored. */
ctk_code ctk_http_get(ctk_http_client *c, const ctk_http_call *call, ctk_http_reply *reply);

/* Many calls in flight from one thread (libcurl's multi interface), for load generators:
 * slot i is one keep-alive connection carrying one call at a time, as a blocking client's
 * thread would be, without the thread. */
#define CTK_HTTP_MULTI_SLOTS_MAX 4096
typedef struct ctk_http_multi ctk_http_multi;

typedef struct ctk_http_done {
  unsigned slot;
  ctk_code result;             /* as ctk_http_post would have returned */
} ctk_http_done;

ctk_http_multi *ctk_http_multi_new(unsigned slots);
void ctk_http_multi_free(ctk_http_multi *m);
/* Start a POST on an idle slot; call (with its strings) and reply must stay valid until the
 * slot comes back from ctk_http_multi_run. */
ctk_code ctk_http_multi_post(ctk_http_multi *m, unsigned slot, const ctk_http_call *call,
                             ctk_http_reply *reply);
/* Drive the transfers, waiting up to timeout_ms for one to finish; writes the finished slots
 * into done (max at least the number of busy slots) and returns how many, or -1 on failure. */
int ctk_http_multi_run(ctk_http_multi *m, int timeout_ms, ctk_http_done *done, unsigned max);

/* Raise this process's soft limit of open files to at least n, as far as the hard limit
 * allows: every connection is a descriptor. */
void ctk_http_allow_files(unsigned n);

/* Call once at program start before threads (wraps curl_global_init). */
void ctk_http_global_init(void);

#endif
