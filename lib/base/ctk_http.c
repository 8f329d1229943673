/* ctk_http: HTTP server glue on libmicrohttpd and client glue on libcurl. */
#include "ctk_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ctk_log.h"

#define HTTP_MOD "http"

/* Only TLS 1.2 and 1.3, only AEAD ciphers, only forward-secret key exchange (GnuTLS syntax). */
#define CTK_HTTP_TLS_PRIORITIES                                                         \
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:" \
  "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:%SERVER_PRECEDENCE"

#define DEFAULT_BIND "127.0.0.1"
#define DEFAULT_THREADS 4
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_MAX_CONNECTIONS 256
#define DEFAULT_RESPONSE_MAX ((size_t)64 * 1024 * 1024)
#define PEM_FILE_MAX ((size_t)1024 * 1024)
#define DEFAULT_CALL_TIMEOUT_MS 10000L

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

void ctk_http_global_init(void)
{
  pthread_once(&global_once, global_init_once);
}

void ctk_http_allow_files(unsigned n)
{
  struct rlimit rl;
  rlim_t want = (rlim_t)n;

  if(getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
    return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

/* ====================================================================== server */

/* One open connection as the guard sees it (the socket context of libmicrohttpd). */
typedef struct conn_watch {
  struct conn_watch *prev;
  struct conn_watch *next;
  int fd;
  atomic_llong awaited_ms;     /* since when a request is awaited; 0 while one is handled */
  int cut;                     /* shut down by the guard (under watch_lock) */
  int linked;                  /* in the server's list (under watch_lock) */
  char peer[64];
} conn_watch;

struct ctk_http_server {
  struct MHD_Daemon *daemon;
  ctk_http_handler handler;
  void *ctx;
  size_t max_body;
  int port;
  atomic_ulong connections;
  atomic_uint parked;  /* requests parked and not yet resumed: stop waits for them */
  ctk_buf tls_cert;  /* PEM kept alive while the daemon runs */
  ctk_buf tls_key;   /* wiped before it is freed */

  /* the connection guard (see "connection guard" below) */
  unsigned max_connections;
  atomic_uint open_now;        /* connections open at this moment */
  long long request_timeout_ms;
  pthread_mutex_t watch_lock;  /* the list of open connections */
  pthread_cond_t watch_wake;
  conn_watch *watch_head;
  pthread_t watcher;
  int watcher_running;
  int watch_stop;

  /* streamed answers (ctk_http_response.stream) */
  struct stream_state *streams_waiting; /* suspended until the next tick (under watch_lock) */
  atomic_uint streams_open;    /* not yet freed: stop waits for them */
  atomic_int streams_ending;   /* stop has begun: every stream ends at its next call */
};

/* One streamed answer: the handler's function, and where its connection waits. */
typedef struct stream_state {
  ctk_http_server *server;
  struct MHD_Connection *conn;
  ctk_http_stream_fn fn;
  ctk_http_stream_free_fn done;
  void *arg;
  struct stream_state *next_waiting;
} stream_state;

/* Where a parked request is (ctk_http_park). The handler's thread and the thread that unparks
 * race, so the step is atomic: whichever comes second resumes the connection. */
enum {
  PARK_NONE,           /* an ordinary request */
  PARK_ASKED,          /* the handler parked it and has not returned yet */
  PARK_SUSPENDED,      /* the connection is suspended, waiting for ctk_http_unpark */
  PARK_WOKEN           /* unparked: the next access-handler call resumes it */
};

/* Everything one request collects between its first and last access-handler call. */
typedef struct request_state {
  int headers_seen;    /* the first call (headers only) has happened */
  int answered_early;  /* answered at the headers (request_refused_before_body) */
  int dispatched;      /* the handler has run (a parked request is called again) */
  int too_large;       /* the body passed max_body; the rest is being discarded */
  int out_of_memory;
  ctk_buf body;
  char *query;         /* raw query string, "" if none */
  ctk_http_server *server;
  struct MHD_Connection *conn;
  ctk_http_request req; /* here, not on the stack, so a parked request stays readable */
  char *auth_user;     /* HTTP Basic, malloc'd, freed with the request */
  char *auth_pass;
  atomic_int park;
  int resumed;         /* the resume function was called */
  ctk_http_resume_fn resume;
  void *resume_arg;
} request_state;

static void format_peer(struct MHD_Connection *connection, char *out, size_t outsize);

/* ---------- connection guard ----------
 * libmicrohttpd's timeout counts idle time only: a client that sends a byte every few seconds
 * keeps a connection for ever, and it keeps no count per address. The guard adds three
 * bounds: at most max_connections open (refused at once beyond, in on_accept, rather than
 * left in the listen queue), at most max_per_address from one address (libmicrohttpd's own
 * per-IP limit, also refused at once), and a deadline for each whole request: a watcher
 * thread shuts down the socket of a connection whose request has not fully arrived in
 * request_timeout_s, and libmicrohttpd then closes it as a connection the client dropped. */

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The guard's record of a connection, NULL when there is none. */
static conn_watch *watch_of(struct MHD_Connection *connection)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? ci->socket_context : NULL;
}

/* The request on connection has fully arrived (awaited = 0) or been answered (now). */
static void watch_set(struct MHD_Connection *connection, long long awaited)
{
  conn_watch *w = watch_of(connection);
  if(w)
    atomic_store(&w->awaited_ms, awaited);
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
  ctk_http_server *s = cls;
  (void)addr;
  (void)addrlen;
  /* at the cap a connection is closed at once: a queued one would wait unanswered */
  return atomic_load(&s->open_now) >= s->max_connections ? MHD_NO : MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
  ctk_http_server *s = cls;
  conn_watch *w;

  if(toe == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    atomic_fetch_add(&s->connections, 1);
    atomic_fetch_add(&s->open_now, 1);
    w = calloc(1, sizeof(*w));
    *socket_context = w;
    if(!w || !ci)
      return;  /* unwatched: still bounded by the idle timeout */
    w->fd = ci->connect_fd;
    atomic_init(&w->awaited_ms, now_ms());
    format_peer(connection, w->peer, sizeof(w->peer));
    pthread_mutex_lock(&s->watch_lock);
    w->next = s->watch_head;
    if(s->watch_head)
      s->watch_head->prev = w;
    s->watch_head = w;
    w->linked = 1;
    pthread_mutex_unlock(&s->watch_lock);
    return;
  }
  /* closed: forget it before libmicrohttpd closes the socket, so the watcher never shuts
   * down a descriptor that another connection has been given since */
  atomic_fetch_sub(&s->open_now, 1);
  w = *socket_context;
  *socket_context = NULL;
  if(!w)
    return;
  pthread_mutex_lock(&s->watch_lock);
  if(w->linked) {
    if(w->prev)
      w->prev->next = w->next;
    else
      s->watch_head = w->next;
    if(w->next)
      w->next->prev = w->prev;
  }
  pthread_mutex_unlock(&s->watch_lock);
  free(w);
}

/* Cut every connection whose request is overdue; runs until watch_stop. */
static void *watch_main(void *arg)
{
  ctk_http_server *s = arg;

  pthread_mutex_lock(&s->watch_lock);
  while(!s->watch_stop) {
    struct timespec until;
    long long now = now_ms();
    conn_watch *w;

    for(w = s->watch_head; w; w = w->next) {
      long long since = atomic_load(&w->awaited_ms);
      if(w->cut || !since || now - since <= s->request_timeout_ms)
        continue;
      w->cut = 1;
      shutdown(w->fd, SHUT_RDWR);
      CTK_INFO(HTTP_MOD, "closed the connection from %s: no whole request within %lld s", w->peer,
               s->request_timeout_ms / 1000);
    }
    /* streams that had nothing to send are asked again (the tick is CTK_HTTP_STREAM_TICK_MS) */
    while(s->streams_waiting) {
      stream_state *ss = s->streams_waiting;
      s->streams_waiting = ss->next_waiting;
      ss->next_waiting = NULL;
      MHD_resume_connection(ss->conn);
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += CTK_HTTP_STREAM_TICK_MS * 1000000L;
    if(until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->watch_wake, &s->watch_lock, &until);
  }
  pthread_mutex_unlock(&s->watch_lock);
  return NULL;
}

static void watch_stop(ctk_http_server *s)
{
  if(!s->watcher_running)
    return;
  pthread_mutex_lock(&s->watch_lock);
  s->watch_stop = 1;
  pthread_cond_signal(&s->watch_wake);
  pthread_mutex_unlock(&s->watch_lock);
  pthread_join(s->watcher, NULL);
  s->watcher_running = 0;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
  ctk_http_server *s = cls;
  request_state *st;
  const char *q;

  st = calloc(1, sizeof(*st));
  if(!st)
    return NULL;
  st->server = s;
  st->conn = connection;
  atomic_init(&st->park, PARK_NONE);
  ctk_buf_init(&st->body, s->max_body);
  /* MHD hands the path without its query to the access handler; the raw query is only seen
   * here, before MHD splits it into arguments. */
  q = uri ? strchr(uri, '?') : NULL;
  st->query = strdup(q ? q + 1 : "");
  if(!st->query) {
    free(st);
    return NULL;
  }
  return st;
}

static void request_state_free(request_state *st)
{
  if(!st)
    return;
  if(st->auth_pass) {
    OPENSSL_cleanse(st->auth_pass, strlen(st->auth_pass));
    free(st->auth_pass);
  }
  free(st->auth_user);
  ctk_buf_free(&st->body);
  free(st->query);
  free(st);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  ctk_http_server *s = cls;
  request_state *st = *req_cls;
  (void)toe;
  watch_set(connection, now_ms());  /* from now the next request is awaited */
  if(st && atomic_load(&st->park) != PARK_NONE && !st->resumed) {
    if(atomic_load(&st->park) != PARK_WOKEN) {
      /* whoever parked it will still unpark it: keep the state rather than free it under them */
      CTK_ERR(HTTP_MOD, "a parked request ended before it was unparked; its state is kept");
      *req_cls = NULL;
      return;
    }
    /* unparked, but the connection went before it could answer: let the owner let go */
    st->resume(st->resume_arg, NULL);
    st->resumed = 1;
    atomic_fetch_sub(&s->parked, 1);
  }
  request_state_free(st);
  *req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
  char msg[512];
  size_t n;
  (void)cls;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  n = strlen(msg);
  while(n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
    msg[--n] = '\0';
  CTK_INFO(HTTP_MOD, "microhttpd: %s", msg);
}

static void format_peer(struct MHD_Connection *connection, char *out, size_t outsize)
{
  const union MHD_ConnectionInfo *info;
  char host[INET6_ADDRSTRLEN];
  const struct sockaddr *sa;

  ctk_strlcpy(out, "unknown", outsize);
  info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if(!info || !info->client_addr)
    return;
  sa = info->client_addr;
  if(sa->sa_family == AF_INET) {
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;
    if(inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host)))
      snprintf(out, outsize, "%s:%u", host, (unsigned)ntohs(in4->sin_port));
  }
  else if(sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
    if(inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host)))
      snprintf(out, outsize, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
  }
}

static const char *header_or_empty(struct MHD_Connection *connection, const char *name)
{
  const char *v = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
  return v ? v : "";
}

const char *ctk_http_request_header(const ctk_http_request *req, const char *name)
{
  if(!req || !req->conn || !name)
    return NULL;
  return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* extra: the handler's further headers (NULL for none). */
int ctk_http_request_local_port(const ctk_http_request *req)
{
  const union MHD_ConnectionInfo *ci;
  const union MHD_DaemonInfo *di;

  if(!req || !req->conn)
    return 0;
  /* the daemon's own record, so a handler never reads the server struct while it is made */
  ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_DAEMON);
  di = ci && ci->daemon ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
  return di ? (int)di->port : 0;
}

/* ---------- what every resource answers the same way (RFC 9110) ---------- */

#define AUTHORIZATION_MAX 4096

ctk_code ctk_http_response_add_header(ctk_http_response *resp, const char *name,
                                      const char *value)
{
  ctk_http_response_header *h;

  if(!resp || !name || !value || strpbrk(name, "\r\n: ") || strpbrk(value, "\r\n"))
    return CTK_E_INVAL;
  if(resp->n_headers >= CTK_HTTP_RESPONSE_HEADERS)
    return CTK_E_TOOBIG;
  h = &resp->headers[resp->n_headers];
  if(ctk_strlcpy(h->name, name, sizeof(h->name)) || ctk_strlcpy(h->value, value, sizeof(h->value)))
    return CTK_E_INVAL;
  resp->n_headers++;
  return CTK_E_OK;
}

/* Is method one of the comma-separated list (method names are case-sensitive, RFC 9110 9.1)? */
static int method_listed(const char *list, const char *method)
{
  size_t n = strlen(method);
  const char *p = list;

  while(n && *p) {
    while(*p == ',' || *p == ' ')
      p++;
    if(!strncmp(p, method, n) && (p[n] == ',' || p[n] == ' ' || p[n] == '\0'))
      return 1;
    p += strcspn(p, ",");
  }
  return 0;
}

int ctk_http_method_ok(const ctk_http_request *req, const char *allow, ctk_http_response *resp)
{
  char value[160];
  int get = method_listed(allow, "GET");

  if(method_listed(allow, req->method) || (get && !strcmp(req->method, "HEAD")))
    return 1;
  snprintf(value, sizeof(value), "%s%s%s", allow, get && !method_listed(allow, "HEAD") ?
           ", HEAD" : "", method_listed(allow, "OPTIONS") ? "" : ", OPTIONS");
  ctk_http_response_add_header(resp, "Allow", value);
  ctk_buf_reset(&resp->body);
  if(!strcmp(req->method, "OPTIONS")) {
    resp->status = 200;        /* no content: Content-Length 0 */
    resp->content_type[0] = '\0';
    return 0;
  }
  ctk_strlcpy(resp->content_type, "text/plain; charset=UTF-8", sizeof(resp->content_type));
  resp->status = 405;
  ctk_buf_printf(&resp->body, "method not allowed; allowed: %s\n", value);
  return 0;
}

void ctk_http_challenge_basic(ctk_http_response *resp, const char *realm)
{
  char value[160];

  /* the realm is a quoted-string: ours are fixed names, anything else falls back to one */
  if(!realm || !*realm || strpbrk(realm, "\"\\") || strlen(realm) > 64)
    realm = "ctk12328";
  snprintf(value, sizeof(value), "Basic realm=\"%s\", charset=\"UTF-8\"", realm);
  resp->status = 401;
  ctk_http_response_add_header(resp, "WWW-Authenticate", value);
}

/* HTTP Basic credentials (RFC 7617 2) into *user and *pass (malloc'd; both NULL when the
 * header is absent or unreadable). The scheme name is case-insensitive (RFC 9110 11.1), but
 * libmicrohttpd 0.9.75 only knows "Basic ", refusing "basic" and "BASIC": so the header is
 * read here, the base64 by OpenSSL. The user id ends at the first colon (RFC 7617 2). */
static void request_basic_auth(struct MHD_Connection *connection, char **user, char **pass)
{
  const char *h = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                              MHD_HTTP_HEADER_AUTHORIZATION);
  unsigned char *plain;
  const char *colon;
  size_t len, pad = 0;
  int n;

  *user = NULL;
  *pass = NULL;
  if(!h || strncasecmp(h, "Basic", 5) || (h[5] != ' ' && h[5] != '\t'))
    return;
  h += 5;
  while(*h == ' ' || *h == '\t')
    h++;
  len = strlen(h);
  while(len && (h[len - 1] == ' ' || h[len - 1] == '\t'))
    len--;
  if(!len || len % 4 || len > AUTHORIZATION_MAX)
    return;
  while(pad < 2 && h[len - 1 - pad] == '=')
    pad++;
  plain = malloc(len / 4 * 3 + 1);
  if(!plain)
    return;
  n = EVP_DecodeBlock(plain, (const unsigned char *)h, (int)len);
  if(n >= (int)pad) {
    n -= (int)pad;             /* EVP_DecodeBlock counts the padding as zero bytes */
    plain[n] = '\0';
    colon = memchr(plain, ':', (size_t)n);
    if(colon && !memchr(plain, '\0', (size_t)n)) {
      *user = strndup((const char *)plain, (size_t)(colon - (const char *)plain));
      *pass = strdup(colon + 1);
      if(!*user || !*pass) {
        free(*user);
        free(*pass);
        *user = NULL;
        *pass = NULL;
      }
    }
  }
  OPENSSL_cleanse(plain, len / 4 * 3 + 1);
  free(plain);
}

/* Expect: 100-continue with a Content-Length over max: the body is refused before it is
 * sent. RFC 9110 10.1.1 lets a server answer such a request with its final status instead
 * of 100 Continue; sending 100 first would make the client send the whole body for nothing. */
static int request_refused_before_body(struct MHD_Connection *connection, size_t max)
{
  const char *expect = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_EXPECT);
  const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_CONTENT_LENGTH);
  unsigned long long n;
  char *end = NULL;

  if(!expect || strcasecmp(expect, "100-continue") || !length || *length < '0' || *length > '9')
    return 0;
  n = strtoull(length, &end, 10);
  return end && *end == '\0' && n > (unsigned long long)max;
}

/* A body in a content coding this server does not decode (gzip, deflate, br). RFC 9110
 * 15.5.16: 415, with Accept-Encoding naming what would do (12.5.3): only identity. Without
 * this the handler would read compressed bytes as its own format and answer nonsense. */
static int request_coding_unsupported(struct MHD_Connection *connection)
{
  const char *ce = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                               MHD_HTTP_HEADER_CONTENT_ENCODING);
  size_t n;

  if(!ce)
    return 0;
  while(*ce == ' ' || *ce == '\t')
    ce++;
  n = strlen(ce);
  while(n && (ce[n - 1] == ' ' || ce[n - 1] == '\t'))
    n--;
  return n && !(n == 8 && !strncasecmp(ce, "identity", 8));
}

static enum MHD_Result queue_response(struct MHD_Connection *connection, int status,
                                      const char *content_type, ctk_buf *body,
                                      const ctk_http_response *extra)
{
  struct MHD_Response *response;
  enum MHD_Result ret;
  size_t len = 0;
  size_t i;
  char *data = body ? ctk_buf_detach(body, &len) : NULL;

  if(data)
    response = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
  else
    response = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  if(!response) {
    free(data);
    return MHD_NO;
  }
  if(content_type && *content_type)
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  for(i = 0; extra && i < extra->n_headers && i < CTK_HTTP_RESPONSE_HEADERS; i++)
    MHD_add_response_header(response, extra->headers[i].name, extra->headers[i].value);
  ret = MHD_queue_response(connection, (unsigned int)status, response);
  MHD_destroy_response(response);
  return ret;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
  stream_state *ss = cls;
  long n;

  (void)pos;
  if(atomic_load(&ss->server->streams_ending))
    return MHD_CONTENT_READER_END_OF_STREAM;
  n = ss->fn(ss->arg, buf, max);
  if(n > 0)
    return (ssize_t)(n > (long)max ? (long)max : n);
  if(n < 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  /* nothing yet: wait suspended (libmicrohttpd allows it from here) until the watcher's next
   * tick resumes it; suspended first, listed second, so the watcher never resumes early */
  MHD_suspend_connection(ss->conn);
  pthread_mutex_lock(&ss->server->watch_lock);
  ss->next_waiting = ss->server->streams_waiting;
  ss->server->streams_waiting = ss;
  pthread_mutex_unlock(&ss->server->watch_lock);
  return 0;
}

static void stream_done(void *cls)
{
  stream_state *ss = cls;

  if(ss->done)
    ss->done(ss->arg);
  atomic_fetch_sub(&ss->server->streams_open, 1);
  free(ss);
}

/* Queues resp's stream as the answer. */
static enum MHD_Result queue_stream(ctk_http_server *s, struct MHD_Connection *connection,
                                    const ctk_http_response *resp)
{
  struct MHD_Response *response;
  stream_state *ss = calloc(1, sizeof(*ss));
  enum MHD_Result ret;
  size_t i;

  if(!ss) {
    if(resp->stream_free)
      resp->stream_free(resp->stream_arg);
    return queue_response(connection, 500, NULL, NULL, NULL);
  }
  ss->server = s;
  ss->conn = connection;
  ss->fn = resp->stream;
  ss->done = resp->stream_free;
  ss->arg = resp->stream_arg;
  atomic_fetch_add(&s->streams_open, 1);
  response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, ss,
                                               stream_done);
  if(!response) {
    stream_done(ss);
    return MHD_NO;
  }
  if(resp->content_type[0])
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
  for(i = 0; i < resp->n_headers && i < CTK_HTTP_RESPONSE_HEADERS; i++)
    MHD_add_response_header(response, resp->headers[i].name, resp->headers[i].value);
  ret = MHD_queue_response(connection, (unsigned int)resp->status, response);
  MHD_destroy_response(response); /* stream_done runs once the connection lets it go */
  return ret;
}

static void response_init(ctk_http_response *resp)
{
  memset(resp, 0, sizeof(*resp));
  resp->status = 200;
  ctk_strlcpy(resp->content_type, "application/xml; charset=UTF-8", sizeof(resp->content_type));
  ctk_buf_init(&resp->body, DEFAULT_RESPONSE_MAX);
}

/* Queues what the handler (rc) or the resume function left in resp, and frees resp's body. */
static enum MHD_Result answer(struct MHD_Connection *connection, const ctk_http_request *req,
                              int rc, ctk_http_response *resp)
{
  enum MHD_Result ret;

  if(!rc && resp->stream && req->state && resp->status >= 100 && resp->status <= 599) {
    ctk_buf_free(&resp->body);
    return queue_stream(((request_state *)req->state)->server, connection, resp);
  }
  if(resp->stream && resp->stream_free)
    resp->stream_free(resp->stream_arg); /* not streamed after all: its owner lets go */
  if(rc) {
    CTK_WARN(HTTP_MOD, "handler failed (%d) for %s %s from %s; answering 500", rc, req->method,
             req->path, req->peer);
    ret = queue_response(connection, 500, NULL, NULL, NULL);
  }
  else if(resp->status < 100 || resp->status > 599) {
    CTK_ERR(HTTP_MOD, "handler set impossible status %d for %s %s; answering 500", resp->status,
            req->method, req->path);
    ret = queue_response(connection, 500, NULL, NULL, NULL);
  }
  else
    ret = queue_response(connection, resp->status, resp->content_type, &resp->body, resp);
  ctk_buf_free(&resp->body);
  return ret;
}

/* The parked request was unparked: its resume function writes the answer. */
static enum MHD_Result resume_parked(request_state *st)
{
  ctk_http_response resp;

  response_init(&resp);
  st->resume(st->resume_arg, &resp);
  st->resumed = 1;
  atomic_fetch_sub(&st->server->parked, 1);
  return answer(st->conn, &st->req, 0, &resp);
}

/* The handler parked its request: suspend the connection, unless it was unparked already.
 *
 * Only from the access handler's second call for the request, never from the call that ran
 * the handler: libmicrohttpd 0.9.75 keeps a connection's wait state (read, write, block) as
 * it was when it was suspended, and in the call that ran the handler that is still "read".
 * After the resume it would read again, and a client that had half-closed its side after
 * sending (shutdown(SHUT_WR), as many do) would be read as gone: the answer never left.
 * Returning without an answer first lets libmicrohttpd note that it waits for the
 * application (block, no reading), and it calls again at once. */
static enum MHD_Result suspend_parked(request_state *st)
{
  int expected = PARK_ASKED;

  if(atomic_load(&st->park) == PARK_WOKEN)
    return resume_parked(st);
  MHD_suspend_connection(st->conn);
  if(!atomic_compare_exchange_strong(&st->park, &expected, PARK_SUSPENDED))
    MHD_resume_connection(st->conn); /* unparked while being suspended: it saw PARK_ASKED */
  return MHD_YES;
}

/* ---------- framing ----------
 * Where a request's body ends must be beyond doubt: a front proxy and this server that read it
 * differently would see different requests (request smuggling). libmicrohttpd takes the first
 * Content-Length and lets Transfer-Encoding win over it, keeping the connection: a "second"
 * request hidden in a chunked body was answered. Such a request is refused before its body is
 * read, and the connection is closed after the answer. So is a declared body too long to read
 * and throw away (the usual oversized body is read to its end and answered 413 by the handler,
 * so the client, still sending, sees the answer). */

/* Bodies declared longer than this are answered 413 at once instead of read and dropped. */
#define DRAIN_MAX ((unsigned long long)256 * 1024 * 1024)

typedef struct framing_seen {
  int lengths;                 /* Content-Length headers */
  int length_differs;          /* a second one says something else, or one is not a number */
  unsigned long long length;
  int encodings;               /* Transfer-Encoding headers */
  int not_chunked;             /* one says something other than "chunked" */
} framing_seen;

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
  framing_seen *f = cls;
  (void)kind;
  if(!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
    char *end = NULL;
    unsigned long long n;
    errno = 0;
    n = strtoull(value, &end, 10);
    if(!*value || *value == '-' || *value == '+' || errno || !end || *end ||
       (f->lengths && n != f->length))
      f->length_differs = 1;
    f->length = n;
    f->lengths++;
  }
  else if(!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
    f->encodings++;
    if(strcasecmp(value, "chunked"))
      f->not_chunked = 1;
  }
  return MHD_YES;
}

/* 0 when the request's framing is clear, else the status to refuse it with and why. */
static int framing_refusal(struct MHD_Connection *connection, char *why, size_t whylen)
{
  framing_seen f;

  memset(&f, 0, sizeof(f));
  MHD_get_connection_values(connection, MHD_HEADER_KIND, framing_header, &f);
  if(f.length_differs) {
    snprintf(why, whylen, "Content-Length headers that disagree, or one that is not a number");
    return 400;
  }
  if(f.lengths && f.encodings) {
    snprintf(why, whylen, "both Content-Length and Transfer-Encoding: where the body ends is "
             "ambiguous");
    return 400;
  }
  if(f.encodings > 1 || f.not_chunked) {
    snprintf(why, whylen, "the only transfer coding taken is one \"chunked\"");
    return 501;
  }
  if(f.lengths && f.length > DRAIN_MAX) {
    snprintf(why, whylen, "a body of %llu bytes is never read", f.length);
    return 413;
  }
  return 0;
}

/* Answer a framing refusal before the body is read; libmicrohttpd closes the connection after
 * it (an answer queued early ends the connection). */
static enum MHD_Result refuse_framing(request_state *st, int status, const char *why)
{
  ctk_buf body;

  CTK_INFO(HTTP_MOD, "refused a request framed ambiguously (%d): %s", status, why);
  ctk_buf_init(&body, 1024);
  ctk_buf_printf(&body, "%s\n", why);
  st->dispatched = 1;
  return queue_response(st->conn, status, "text/plain; charset=UTF-8", &body, NULL);
}

/* Runs the user's handler once the whole body is in (or discarded). */
static enum MHD_Result dispatch(ctk_http_server *s, struct MHD_Connection *connection,
                                const char *url, const char *method, request_state *st)
{
  ctk_http_request *req = &st->req;
  ctk_http_response resp;
  int rc;

  watch_set(connection, 0);  /* all of it arrived: the request deadline is met */
  if(st->out_of_memory) {
    CTK_ERR(HTTP_MOD, "out of memory while reading a request body");
    return queue_response(connection, 500, NULL, NULL, NULL);
  }

  memset(req, 0, sizeof(*req));
  req->method = method;
  req->path = url;
  req->query = st->query;
  req->content_type = header_or_empty(connection, MHD_HTTP_HEADER_CONTENT_TYPE);
  req->soap_action = header_or_empty(connection, "SOAPAction");
  req->body = st->too_large ? "" : ctk_buf_str(&st->body);
  req->body_len = st->too_large ? 0 : st->body.len;
  req->body_too_large = st->too_large;
  req->conn = connection;
  req->state = st;
  format_peer(connection, req->peer, sizeof(req->peer));
  request_basic_auth(connection, &st->auth_user, &st->auth_pass);
  req->auth_user = st->auth_user;
  req->auth_pass = st->auth_pass;

  response_init(&resp);
  if(request_coding_unsupported(connection) && (req->body_len || req->body_too_large)) {
    resp.status = 415;
    ctk_strlcpy(resp.content_type, "text/plain; charset=UTF-8", sizeof(resp.content_type));
    ctk_http_response_add_header(&resp, "Accept-Encoding", "identity");
    ctk_buf_adds(&resp.body, "content codings are not accepted: send the body as it is\n");
    return answer(connection, req, 0, &resp);
  }
  st->dispatched = 1;
  rc = s->handler(s->ctx, req, &resp);
  if(atomic_load(&st->park) != PARK_NONE) {
    if(rc || resp.body.len)
      CTK_ERR(HTTP_MOD, "a handler parked %s %s and answered too; the answer is dropped",
              method, url);
    ctk_buf_free(&resp.body);
    if(atomic_load(&st->park) == PARK_WOKEN)
      return resume_parked(st);
    return MHD_YES;  /* suspended on the next call, see suspend_parked */
  }
  return answer(connection, req, rc, &resp);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *connection, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **req_cls)
{
  ctk_http_server *s = cls;
  request_state *st = *req_cls;
  (void)version;

  if(!st) {
    /* on_uri could not allocate: refuse this connection rather than serve a partial request */
    CTK_ERR(HTTP_MOD, "no request state (out of memory); closing the connection");
    return MHD_NO;
  }
  if(!st->headers_seen) {
    /* The first call carries only the headers; the body (if any) comes in later calls. */
    char why[128];
    int refused;
    st->headers_seen = 1;
    refused = framing_refusal(connection, why, sizeof(why));
    if(refused)
      return refuse_framing(st, refused, why);
    if(request_refused_before_body(connection, s->max_body)) {
      st->too_large = 1;       /* answered now: no 100 Continue, the body is never sent */
      st->answered_early = 1;
      ctk_buf_free(&st->body);
      return dispatch(s, connection, url, method, st);
    }
    return MHD_YES;
  }
  if(atomic_load(&st->park) == PARK_WOKEN && !st->resumed)
    return resume_parked(st);
  if(st->answered_early) {
    /* a client that sends the body anyway: nothing more to answer, it is dropped */
    *upload_data_size = 0;
    return MHD_YES;
  }
  if(st->dispatched)
    return atomic_load(&st->park) == PARK_ASKED ? suspend_parked(st) : MHD_YES;
  if(*upload_data_size) {
    if(!st->too_large && !st->out_of_memory) {
      ctk_code result = ctk_buf_add(&st->body, upload_data, *upload_data_size);
      if(result == CTK_E_TOOBIG) {
        /* keep reading so the connection stays in sync, but keep nothing */
        st->too_large = 1;
        ctk_buf_free(&st->body);
      }
      else if(result)
        st->out_of_memory = 1;
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  return dispatch(s, connection, url, method, st);
}

/* Reads a small PEM file into b (NUL-terminated, as microhttpd wants). */
static ctk_code read_pem(const char *path, ctk_buf *b)
{
  FILE *f;
  ctk_code result;

  ctk_buf_init(b, PEM_FILE_MAX);
  f = fopen(path, "rb");
  if(!f) {
    CTK_ERR(HTTP_MOD, "cannot open TLS file %s", path);
    return CTK_E_IO;
  }
  result = ctk_buf_add_stream(b, f);
  fclose(f);
  if(!result && b->len == 0)
    result = CTK_E_PARSE;
  if(result)
    CTK_ERR(HTTP_MOD, "cannot read TLS file %s: %s", path, ctk_strerror(result));
  return result;
}

static void server_free(ctk_http_server *s)
{
  if(!s)
    return;
  watch_stop(s);
  pthread_mutex_destroy(&s->watch_lock);
  pthread_cond_destroy(&s->watch_wake);
  if(s->tls_key.data)
    OPENSSL_cleanse(s->tls_key.data, s->tls_key.len);
  ctk_buf_free(&s->tls_key);
  ctk_buf_free(&s->tls_cert);
  free(s);
}

ctk_code ctk_http_server_start(const ctk_http_server_config *cfg, ctk_http_handler handler,
                               void *ctx, ctk_http_server **out)
{
  ctk_http_server *s;
  struct sockaddr_storage addr;
  struct MHD_OptionItem opts[16];
  const union MHD_DaemonInfo *info;
  const char *bind_addr;
  unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  unsigned threads;
  unsigned timeout_s;
  unsigned max_connections;
  unsigned per_address;
  size_t n = 0;
  ctk_code result;

  if(!cfg || !handler || !out || cfg->port < 0 || cfg->port > 65535)
    return CTK_E_INVAL;
  *out = NULL;
  if((cfg->tls_cert_file == NULL) != (cfg->tls_key_file == NULL)) {
    CTK_ERR(HTTP_MOD, "TLS needs both a certificate and a key file");
    return CTK_E_INVAL;
  }
  ctk_http_global_init();

  s = calloc(1, sizeof(*s));
  if(!s)
    return CTK_E_NOMEM;
  ctk_buf_init(&s->tls_cert, PEM_FILE_MAX);
  ctk_buf_init(&s->tls_key, PEM_FILE_MAX);
  s->handler = handler;
  s->ctx = ctx;
  s->max_body = cfg->max_body ? cfg->max_body : CTK_HTTP_MAX_BODY_DEFAULT;
  atomic_init(&s->connections, 0);
  atomic_init(&s->parked, 0);
  atomic_init(&s->streams_open, 0);
  atomic_init(&s->streams_ending, 0);
  atomic_init(&s->open_now, 0);
  pthread_mutex_init(&s->watch_lock, NULL);
  pthread_cond_init(&s->watch_wake, NULL);

  bind_addr = cfg->bind_addr && *cfg->bind_addr ? cfg->bind_addr : DEFAULT_BIND;
  memset(&addr, 0, sizeof(addr));
  if(strchr(bind_addr, ':')) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&addr;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)cfg->port);
    if(inet_pton(AF_INET6, bind_addr, &in6->sin6_addr) != 1) {
      CTK_ERR(HTTP_MOD, "bind address '%s' is not an IPv6 address", bind_addr);
      server_free(s);
      return CTK_E_INVAL;
    }
    flags |= MHD_USE_IPv6;
  }
  else {
    struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)&addr;
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)cfg->port);
    if(inet_pton(AF_INET, bind_addr, &in4->sin_addr) != 1) {
      CTK_ERR(HTTP_MOD, "bind address '%s' is not an IPv4 address", bind_addr);
      server_free(s);
      return CTK_E_INVAL;
    }
  }

  threads = cfg->threads ? cfg->threads : DEFAULT_THREADS;
  timeout_s = cfg->timeout_s ? cfg->timeout_s : DEFAULT_TIMEOUT_S;
  max_connections = cfg->max_connections ? cfg->max_connections : DEFAULT_MAX_CONNECTIONS;
  per_address = cfg->max_per_address ? cfg->max_per_address : (max_connections + 1) / 2;
  s->max_connections = max_connections;
  s->request_timeout_ms = 1000LL * (cfg->request_timeout_s ? cfg->request_timeout_s : timeout_s);
  /* refused connections hold a descriptor for a moment too */
  ctk_http_allow_files(max_connections + 64 + threads * 16);
  opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &addr };
  if(threads > 1)  /* one thread is the polling thread itself, not a pool */
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL };
  opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)timeout_s, NULL };
  /* on_accept holds the cap; libmicrohttpd's own limit (shared out among its threads, and
   * at which it stops accepting) only backs it up */
  opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
                                       (intptr_t)(max_connections * 2 + threads), NULL };
  opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)per_address,
                                       NULL };

  if(cfg->tls_cert_file) {
    if(MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      CTK_ERR(HTTP_MOD, "this libmicrohttpd was built without TLS");
      server_free(s);
      return CTK_E_UNSUPPORTED;
    }
    result = read_pem(cfg->tls_cert_file, &s->tls_cert);
    if(!result)
      result = read_pem(cfg->tls_key_file, &s->tls_key);
    if(result) {
      server_free(s);
      return result;
    }
    flags |= MHD_USE_TLS;
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert.data };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key.data };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
                                         (void *)CTK_HTTP_TLS_PRIORITIES };
  }
  opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

  /* the logger first, so that microhttpd reports problems with the other options through it */
  s->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, on_accept, s, on_access, s,
                               MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
                               MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                               MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                               MHD_OPTION_ARRAY, opts,
                               MHD_OPTION_END);
  if(!s->daemon) {
    CTK_ERR(HTTP_MOD, "cannot start the HTTP%s server on %s port %d (in use, bad TLS "
            "certificate or key?)", cfg->tls_cert_file ? "S" : "", bind_addr, cfg->port);
    server_free(s);
    return CTK_E_HTTP;
  }
  info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = info ? (int)info->port : cfg->port;
  if(pthread_create(&s->watcher, NULL, watch_main, s) == 0)
    s->watcher_running = 1;
  else
    CTK_ERR(HTTP_MOD, "no watcher thread: requests are bounded by the idle timeout only");
  CTK_INFO(HTTP_MOD, "listening on %s port %d%s", bind_addr, s->port,
           cfg->tls_cert_file ? " (TLS)" : "");
  *out = s;
  return CTK_E_OK;
}

int ctk_http_server_port(const ctk_http_server *s)
{
  return s ? s->port : 0;
}

unsigned long ctk_http_server_connections(const ctk_http_server *s)
{
  return s ? atomic_load(&s->connections) : 0;
}

/* How long stop waits for parked requests to be unparked and answered. */
#define PARKED_DRAIN_MS 30000

void ctk_http_server_stop(ctk_http_server *s)
{
  unsigned waited_ms = 0;

  if(!s)
    return;
  /* streams end at their next call; the watcher resumes the waiting ones within a tick */
  atomic_store(&s->streams_ending, 1);
  while(s->daemon && atomic_load(&s->streams_open) && waited_ms < PARKED_DRAIN_MS) {
    usleep(1000);
    waited_ms++;
  }
  if(atomic_load(&s->streams_open))
    CTK_ERR(HTTP_MOD, "%u streamed answers did not end", atomic_load(&s->streams_open));
  waited_ms = 0;
  /* libmicrohttpd must not be stopped with a connection suspended: parked requests are
   * unparked by their owners (a store commit takes milliseconds), so wait for them. */
  while(s->daemon && atomic_load(&s->parked) && waited_ms < PARKED_DRAIN_MS) {
    usleep(1000);
    waited_ms++;
  }
  if(atomic_load(&s->parked))
    CTK_ERR(HTTP_MOD, "%u parked requests were not unparked in %u ms", atomic_load(&s->parked),
            PARKED_DRAIN_MS);
  /* the watcher first: it must not shut down sockets the daemon is closing */
  watch_stop(s);
  /* MHD_stop_daemon joins the worker threads, so handlers that are running finish first. */
  if(s->daemon)
    MHD_stop_daemon(s->daemon);
  server_free(s);
}

ctk_http_parked *ctk_http_park(const ctk_http_request *req, ctk_http_resume_fn resume,
                               void *arg)
{
  request_state *st = req ? req->state : NULL;
  int expected = PARK_NONE;

  if(!st || !resume || st->req.state != st)
    return NULL;
  if(atomic_load(&st->park) != PARK_NONE)
    return NULL;               /* parked twice */
  /* only the handler's own thread parks, and it reads resume again after the unpark, so
   * setting these before the state is enough */
  st->resume = resume;
  st->resume_arg = arg;
  atomic_fetch_add(&st->server->parked, 1);
  if(!atomic_compare_exchange_strong(&st->park, &expected, PARK_ASKED)) {
    atomic_fetch_sub(&st->server->parked, 1);
    return NULL;
  }
  return (ctk_http_parked *)st;
}

void ctk_http_unpark(ctk_http_parked *parked)
{
  request_state *st = (request_state *)parked;
  struct MHD_Connection *conn = st->conn;

  /* st may be freed by its own thread as soon as the exchange is done: only conn after it */
  if(atomic_exchange(&st->park, PARK_WOKEN) == PARK_SUSPENDED)
    MHD_resume_connection(conn);
}

/* ====================================================================== client */

/* One call's libcurl state. A blocking client has one; a multi client has one per slot. The
 * easy handle lives across calls: its connection cache gives keep-alive and TLS resumption. */
typedef struct http_transfer {
  CURL *easy;
  char errbuf[CURL_ERROR_SIZE];
  ctk_buf *body;               /* the reply's body while a call runs */
  int too_big;                 /* the answer outgrew body's maximum */
  struct curl_slist *headers;  /* must outlive the transfer */
} http_transfer;

struct ctk_http_client {
  http_transfer t;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
  http_transfer *t = userp;
  size_t len = size * nmemb;
  if(ctk_buf_add(t->body, data, len)) {
    t->too_big = 1;
    return 0;  /* makes libcurl stop with CURLE_WRITE_ERROR */
  }
  return len;
}

static ctk_code transfer_init(http_transfer *t)
{
  memset(t, 0, sizeof(*t));
  t->easy = curl_easy_init();
  return t->easy ? CTK_E_OK : CTK_E_NOMEM;
}

static void transfer_forget_headers(http_transfer *t)
{
  /* the header list must not dangle into the next call */
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(t->headers);
  t->headers = NULL;
}

static void transfer_cleanup(http_transfer *t)
{
  if(!t->easy)
    return;
  transfer_forget_headers(t);
  curl_easy_cleanup(t->easy);
  t->easy = NULL;
}

ctk_http_client *ctk_http_client_new(void)
{
  ctk_http_client *c;

  ctk_http_global_init();
  c = calloc(1, sizeof(*c));
  if(!c)
    return NULL;
  if(transfer_init(&c->t)) {
    free(c);
    return NULL;
  }
  return c;
}

void ctk_http_client_free(ctk_http_client *c)
{
  if(!c)
    return;
  transfer_cleanup(&c->t);
  free(c);
}

/* Appends "Name: value" ("Name:" alone removes a header libcurl would add by itself). */
static ctk_code add_header(struct curl_slist **list, const char *name, const char *value)
{
  char line[512];
  struct curl_slist *grown;
  int n = snprintf(line, sizeof(line), "%s:%s%s", name, *value ? " " : "", value);

  if(n < 0 || (size_t)n >= sizeof(line) || strpbrk(value, "\r\n"))
    return CTK_E_INVAL;
  grown = curl_slist_append(*list, line);
  if(!grown)
    return CTK_E_NOMEM;
  *list = grown;
  return CTK_E_OK;
}

/* Set t's easy handle up for call, its answer to go into reply. */
static ctk_code transfer_prepare(http_transfer *t, const ctk_http_call *call,
                                 ctk_http_reply *reply, int post)
{
  CURL *easy = t->easy;
  ctk_code result = CTK_E_OK;

  if(!call || !call->url || !reply)
    return CTK_E_INVAL;
  reply->status = 0;
  reply->content_type[0] = '\0';
  reply->error[0] = '\0';
  reply->total_ms = 0;
  reply->new_connections = 0;
  ctk_buf_reset(&reply->body);

  /* Reset forgets the previous call's options but keeps the live connections. */
  transfer_forget_headers(t);
  curl_easy_reset(easy);
  t->errbuf[0] = '\0';
  t->body = &reply->body;
  t->too_big = 0;

  curl_easy_setopt(easy, CURLOPT_URL, call->url);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "ctk12328");
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                   call->timeout_ms > 0 ? call->timeout_ms : DEFAULT_CALL_TIMEOUT_MS);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
  if(call->ca_file)
    curl_easy_setopt(easy, CURLOPT_CAINFO, call->ca_file);
  if(call->insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if(call->user) {
    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(easy, CURLOPT_USERNAME, call->user);
    curl_easy_setopt(easy, CURLOPT_PASSWORD, call->password ? call->password : "");
  }

  if(post) {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, call->body ? call->body : "");
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)(call->body ? call->body_len : 0));
    /* no "Expect: 100-continue": our servers read every body, the extra round trip only costs */
    result = add_header(&t->headers, "Expect", "");
    if(!result && call->content_type)
      result = add_header(&t->headers, "Content-Type", call->content_type);
  }
  if(!result && call->soap_action)
    result = add_header(&t->headers, "SOAPAction", call->soap_action);
  if(result) {
    snprintf(reply->error, sizeof(reply->error), "cannot build the request headers: %s",
             ctk_strerror(result));
    transfer_forget_headers(t);
    return result;
  }
  if(t->headers)
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
  return CTK_E_OK;
}

/* What libcurl said of a finished transfer, written into reply. */
static ctk_code transfer_finish(http_transfer *t, CURLcode cc, ctk_http_reply *reply)
{
  curl_off_t total_us = 0;
  long connects = 0;
  char *ctype = NULL;
  ctk_code result = CTK_E_OK;

  curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
  reply->total_ms = (double)total_us / 1000.0;
  curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects);
  reply->new_connections = connects;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &reply->status);
  if(curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype)
    ctk_strlcpy(reply->content_type, ctype, sizeof(reply->content_type));

  if(cc != CURLE_OK) {
    if(t->too_big) {
      snprintf(reply->error, sizeof(reply->error), "answer body exceeds %zu bytes",
               reply->body.max);
      result = CTK_E_TOOBIG;
    }
    else {
      snprintf(reply->error, sizeof(reply->error), "%s",
               t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc));
      result = cc == CURLE_OPERATION_TIMEDOUT ? CTK_E_TIMEOUT : CTK_E_HTTP;
      reply->status = 0;
    }
  }
  transfer_forget_headers(t);
  t->body = NULL;
  return result;
}

static ctk_code http_call(ctk_http_client *c, const ctk_http_call *call, ctk_http_reply *reply,
                          int post)
{
  ctk_code result;

  if(!c)
    return CTK_E_INVAL;
  result = transfer_prepare(&c->t, call, reply, post);
  if(result)
    return result;
  return transfer_finish(&c->t, curl_easy_perform(c->t.easy), reply);
}

ctk_code ctk_http_post(ctk_http_client *c, const ctk_http_call *call, ctk_http_reply *reply)
{
  return http_call(c, call, reply, 1);
}

ctk_code ctk_http_get(ctk_http_client *c, const ctk_http_call *call, ctk_http_reply *reply)
{
  return http_call(c, call, reply, 0);
}

/* ---------- many calls in flight from one thread ---------- */

struct ctk_http_multi {
  CURLM *multi;
  http_transfer *slots;
  ctk_http_reply **replies;    /* the reply of each busy slot, NULL when idle */
  unsigned n_slots;
};

ctk_http_multi *ctk_http_multi_new(unsigned slots)
{
  ctk_http_multi *m;
  unsigned i;

  ctk_http_global_init();
  if(!slots || slots > CTK_HTTP_MULTI_SLOTS_MAX)
    return NULL;
  m = calloc(1, sizeof(*m));
  if(!m)
    return NULL;
  m->multi = curl_multi_init();
  m->slots = calloc(slots, sizeof(*m->slots));
  m->replies = calloc(slots, sizeof(*m->replies));
  if(!m->multi || !m->slots || !m->replies) {
    ctk_http_multi_free(m);
    return NULL;
  }
  for(i = 0; i < slots; i++) {
    if(transfer_init(&m->slots[i])) {
      ctk_http_multi_free(m);
      return NULL;
    }
    m->n_slots = i + 1;
  }
  /* a slot is one connection, as a blocking client's thread would be: no pipelining */
  curl_multi_setopt(m->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
  curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)slots);
  return m;
}

void ctk_http_multi_free(ctk_http_multi *m)
{
  unsigned i;

  if(!m)
    return;
  for(i = 0; i < m->n_slots; i++) {
    if(m->replies[i])
      curl_multi_remove_handle(m->multi, m->slots[i].easy);
    transfer_cleanup(&m->slots[i]);
  }
  if(m->multi)
    curl_multi_cleanup(m->multi);
  free(m->slots);
  free(m->replies);
  free(m);
}

ctk_code ctk_http_multi_post(ctk_http_multi *m, unsigned slot, const ctk_http_call *call,
                             ctk_http_reply *reply)
{
  ctk_code result;

  if(!m || slot >= m->n_slots || m->replies[slot])
    return CTK_E_INVAL;
  result = transfer_prepare(&m->slots[slot], call, reply, 1);
  if(result)
    return result;
  if(curl_multi_add_handle(m->multi, m->slots[slot].easy) != CURLM_OK) {
    transfer_forget_headers(&m->slots[slot]);
    snprintf(reply->error, sizeof(reply->error), "cannot start the transfer");
    return CTK_E_HTTP;
  }
  m->replies[slot] = reply;
  return CTK_E_OK;
}

/* Move finished transfers of m into done (at most max); how many. */
static unsigned multi_collect(ctk_http_multi *m, ctk_http_done *done, unsigned max)
{
  unsigned n = 0;

  while(n < max) {
    int left = 0;
    CURLMsg *msg = curl_multi_info_read(m->multi, &left);
    http_transfer *t = NULL;
    unsigned slot;

    if(!msg)
      break;
    if(msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    if(!t)
      continue;
    slot = (unsigned)(t - m->slots);
    curl_multi_remove_handle(m->multi, t->easy);
    done[n].slot = slot;
    done[n].result = transfer_finish(t, msg->data.result, m->replies[slot]);
    m->replies[slot] = NULL;
    n++;
  }
  return n;
}

int ctk_http_multi_run(ctk_http_multi *m, int timeout_ms, ctk_http_done *done, unsigned max)
{
  int running = 0;
  unsigned n;

  if(!m || !done || !max)
    return -1;
  if(curl_multi_perform(m->multi, &running) != CURLM_OK)
    return -1;
  n = multi_collect(m, done, max);
  if(n)
    return (int)n;
  if(curl_multi_poll(m->multi, NULL, 0, timeout_ms > 0 ? timeout_ms : 0, NULL) != CURLM_OK)
    return -1;
  if(curl_multi_perform(m->multi, &running) != CURLM_OK)
    return -1;
  return (int)multi_collect(m, done, max);
}
