/* ctk_dock: the city's CTI client links (see ctk_dock.h): one thread per link connects, hands the
 * bytes to its family's plugin, and after a loss waits (backoff) and connects again. */
#include "ctk_dock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctk_log.h"
#include "ctk_proc.h"
#include "ctk_sock.h"

#define MOD "city-dock"
#define DOCK_IN_MAX ((size_t)4 * 1024 * 1024)   /* unhandled input a link may hold */
#define DOCK_OUT_MAX ((size_t)64 * 1024)
#define DOCK_CONNECT_MS 1000
#define DOCK_POLL_MS 100

typedef struct dock_link {
  struct ctk_dock *dock;
  char family[8];
  char host[64];                 /* as given, for the log */
  struct in_addr addr;           /* host, checked when the spec is read */
  int port;
  pthread_t thread;
  int started;
  int up;                        /* logged in now */
  unsigned long connects;
} dock_link;

struct ctk_dock {
  dock_link links[CTK_DOCK_LINKS_MAX];
  size_t n;
  ctk_dock_login login;
  char user[128], secret[128];
  ctk_dock_answered_fn fn;
  void *fn_ctx;
  pthread_mutex_t lock;          /* guards stopping, up, connects */
  pthread_cond_t wake;
  int stopping;
};

static const struct {
  const char *name;
  void (*fill)(ctk_dock_plugin *out);
} dock_families[] = {
  { "csta", ctk_dock_csta_plugin },
  { "ami", ctk_dock_ami_plugin },
  { "esl", ctk_dock_esl_plugin },
};

ctk_code ctk_dock_plugin_init(const char *name, ctk_dock_plugin *out)
{
  size_t i;
  memset(out, 0, sizeof(*out));
  for(i = 0; i < sizeof(dock_families) / sizeof(dock_families[0]); i++) {
    if(!strcmp(name, dock_families[i].name)) {
      dock_families[i].fill(out);
      return CTK_E_OK;
    }
  }
  return CTK_E_NOTFOUND;
}

static int dock_stopping(ctk_dock *d)
{
  int s;
  pthread_mutex_lock(&d->lock);
  s = d->stopping;
  pthread_mutex_unlock(&d->lock);
  return s;
}

/* Sleeps ms unless the dock stops first; returns 1 when it stops. */
static int dock_wait(ctk_dock *d, long ms)
{
  struct timespec until;
  int s;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (ms % 1000) * 1000000L;
  if(until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&d->lock);
  while(!d->stopping) {
    if(pthread_cond_timedwait(&d->wake, &d->lock, &until) == ETIMEDOUT)
      break;
  }
  s = d->stopping;
  pthread_mutex_unlock(&d->lock);
  return s;
}

/* A connected TCP socket to the link's address, or -1 (errno says why). */
static int dock_connect(const dock_link *l)
{
  struct sockaddr_in sa;
  struct pollfd pfd;
  int fd, flags, err = 0;
  socklen_t len = sizeof(err);

  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)l->port);
  sa.sin_addr = l->addr;
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if(fd < 0)
    return -1;
  flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
    err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  pfd.fd = fd;
  pfd.events = POLLOUT;
  pfd.revents = 0;
  if(poll(&pfd, 1, DOCK_CONNECT_MS) != 1 ||
     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
    close(fd);
    errno = err ? err : ETIMEDOUT;
    return -1;
  }
  return fd;
}

/* Writes all of out (the link's requests are small); 0, or -1 when the link broke. */
static int dock_flush(int fd, ctk_buf *out)
{
  size_t off = 0;
  while(off < out->len) {
    ssize_t n = send(fd, out->data + off, out->len - off, MSG_NOSIGNAL);
    if(n < 0 && (errno == EAGAIN || errno == EINTR)) {
      struct pollfd pfd = { fd, POLLOUT, 0 };
      if(poll(&pfd, 1, DOCK_CONNECT_MS) <= 0)
        return -1;
      continue;
    }
    if(n <= 0)
      return -1;
    off += (size_t)n;
  }
  ctk_buf_reset(out);
  return 0;
}

static void dock_set_up(dock_link *l, int up)
{
  pthread_mutex_lock(&l->dock->lock);
  if(up && !l->up)
    l->connects++;
  l->up = up;
  pthread_mutex_unlock(&l->dock->lock);
}

/* One session on a connected socket, until the link is lost or the dock stops. Returns 1 when
 * the session got as far as logging in. why says how it ended. */
static int dock_session(dock_link *l, int fd, char *why, size_t whylen)
{
  ctk_dock *d = l->dock;
  ctk_dock_plugin p;
  ctk_buf in, out;
  int was_up = 0;

  ctk_dock_plugin_init(l->family, &p);
  ctk_buf_init(&in, DOCK_IN_MAX);
  ctk_buf_init(&out, DOCK_OUT_MAX);
  snprintf(why, whylen, "stopped");
  if(p.start(&p, &d->login)) {
    snprintf(why, whylen, "out of memory");
    goto done;
  }
  if(p.hello(&p, &out) || dock_flush(fd, &out)) {
    snprintf(why, whylen, "cannot send the login");
    goto done;
  }
  while(!dock_stopping(d)) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    char chunk[16384];
    ssize_t n;
    long used;
    int r = poll(&pfd, 1, DOCK_POLL_MS);
    if(r < 0 && errno == EINTR)
      continue;
    if(r <= 0)
      continue;
    n = recv(fd, chunk, sizeof(chunk), 0);
    if(n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if(n <= 0) {
      snprintf(why, whylen, "%s", n == 0 ? "closed by the queue machine" : strerror(errno));
      break;
    }
    if(ctk_buf_add(&in, chunk, (size_t)n)) {
      snprintf(why, whylen, "more than %zu bytes without a whole message", DOCK_IN_MAX);
      break;
    }
    used = p.input(&p, in.data, in.len, &out, d->fn, d->fn_ctx, why, whylen);
    if(used < 0)
      break;
    if(used > 0) {
      memmove(in.data, in.data + used, in.len - (size_t)used);
      in.len -= (size_t)used;
      in.data[in.len] = '\0';
    }
    if(out.len && dock_flush(fd, &out)) {
      snprintf(why, whylen, "cannot write to the link");
      break;
    }
    if(!was_up && p.ready(&p)) {
      was_up = 1;
      dock_set_up(l, 1);
      CTK_INFO(MOD, "family=%s addr=%s:%d logged in and subscribed", l->family, l->host,
               l->port);
    }
  }
done:
  dock_set_up(l, 0);
  p.stop(&p);
  ctk_buf_free(&in);
  ctk_buf_free(&out);
  return was_up;
}

static void *dock_main(void *arg)
{
  dock_link *l = arg;
  ctk_dock *d = l->dock;
  long backoff = CTK_DOCK_BACKOFF_MIN_MS;
  unsigned long failures = 0;
  char why[256];

  while(!dock_stopping(d)) {
    int fd = dock_connect(l);
    if(fd < 0) {
      /* logged when it starts failing and then every 20th try: bounded, not silent */
      if(failures++ % 20 == 0)
        CTK_WARN(MOD, "family=%s addr=%s:%d cannot connect (%s); retrying every %ld ms at most",
                 l->family, l->host, l->port, strerror(errno), (long)CTK_DOCK_BACKOFF_MAX_MS);
    }
    else {
      int was_up = dock_session(l, fd, why, sizeof(why));
      close(fd);
      if(dock_stopping(d))
        break;
      CTK_WARN(MOD, "family=%s addr=%s:%d link lost: %s; reconnecting in %ld ms", l->family,
               l->host, l->port, why, was_up ? (long)CTK_DOCK_BACKOFF_MIN_MS : backoff);
      if(was_up) {
        backoff = CTK_DOCK_BACKOFF_MIN_MS;
        failures = 0;
      }
    }
    if(dock_wait(d, backoff))
      break;
    backoff = backoff * 2 > CTK_DOCK_BACKOFF_MAX_MS ? CTK_DOCK_BACKOFF_MAX_MS : backoff * 2;
  }
  return NULL;
}

/* "FAMILY:HOST:PORT" into l; err says what is wrong. */
static ctk_code dock_parse_link(const char *text, size_t len, dock_link *l, char *err,
                                size_t errlen)
{
  char item[160], why[128];
  const char *colon;
  ctk_dock_plugin p;
  ctk_code rc;

  if(len >= sizeof(item)) {
    snprintf(err, errlen, "--dock: a link is longer than %zu characters", sizeof(item) - 1);
    return CTK_E_INVAL;
  }
  memcpy(item, text, len);
  item[len] = '\0';
  colon = strchr(item, ':');
  if(!colon || (size_t)(colon - item) >= sizeof(l->family)) {
    snprintf(err, errlen, "--dock: '%s' is not FAMILY:HOST:PORT (FAMILY csta, ami or esl)",
             item);
    return CTK_E_INVAL;
  }
  memcpy(l->family, item, (size_t)(colon - item));
  l->family[colon - item] = '\0';
  if(ctk_dock_plugin_init(l->family, &p)) {
    snprintf(err, errlen, "--dock: unknown family '%s' (csta, ami or esl)", l->family);
    return CTK_E_INVAL;
  }
  rc = ctk_sock_parse_hostport(colon + 1, "127.0.0.1", 1, l->host, sizeof(l->host), &l->port,
                               why, sizeof(why));
  if(rc) {
    snprintf(err, errlen, "--dock: '%s': %s", item, why);
    return CTK_E_INVAL;
  }
  /* a name would only fail at every connect, for ever: say so now */
  if(inet_pton(AF_INET, l->host, &l->addr) != 1) {
    snprintf(err, errlen, "--dock: '%s': the host '%s' is not a dotted IPv4 address",
             item, l->host);
    return CTK_E_INVAL;
  }
  return CTK_E_OK;
}

ctk_code ctk_dock_start(const char *spec, const ctk_dock_login *login, ctk_dock_answered_fn fn,
                        void *fn_ctx, ctk_dock **out, char *err, size_t errlen)
{
  ctk_dock *d;
  const char *at = spec;
  size_t i;

  *out = NULL;
  d = calloc(1, sizeof(*d));
  if(!d)
    return CTK_E_NOMEM;
  while(at && *at) {
    size_t len = strcspn(at, ",");
    ctk_code rc;
    if(d->n == CTK_DOCK_LINKS_MAX) {
      snprintf(err, errlen, "--dock: at most %d links", CTK_DOCK_LINKS_MAX);
      free(d);
      return CTK_E_INVAL;
    }
    rc = dock_parse_link(at, len, &d->links[d->n], err, errlen);
    if(rc) {
      free(d);
      return rc;
    }
    d->links[d->n].dock = d;
    d->n++;
    at += len;
    if(*at == ',')
      at++;
  }
  if(!d->n) {
    snprintf(err, errlen, "--dock: name at least one FAMILY:HOST:PORT");
    free(d);
    return CTK_E_INVAL;
  }
  if(login && login->user)
    ctk_strlcpy(d->user, login->user, sizeof(d->user));
  if(login && login->secret)
    ctk_strlcpy(d->secret, login->secret, sizeof(d->secret));
  d->login.user = d->user[0] ? d->user : NULL;
  d->login.secret = d->secret[0] ? d->secret : NULL;
  d->fn = fn;
  d->fn_ctx = fn_ctx;
  pthread_mutex_init(&d->lock, NULL);
  pthread_cond_init(&d->wake, NULL);
  for(i = 0; i < d->n; i++) {
    if(pthread_create(&d->links[i].thread, NULL, dock_main, &d->links[i])) {
      ctk_dock_stop(d);
      snprintf(err, errlen, "cannot start a docking thread");
      return CTK_E_NOMEM;
    }
    d->links[i].started = 1;
  }
  *out = d;
  return CTK_E_OK;
}

void ctk_dock_stop(ctk_dock *d)
{
  size_t i;
  if(!d)
    return;
  pthread_mutex_lock(&d->lock);
  d->stopping = 1;
  pthread_cond_broadcast(&d->wake);
  pthread_mutex_unlock(&d->lock);
  for(i = 0; i < d->n; i++) {
    if(d->links[i].started)
      pthread_join(d->links[i].thread, NULL);
  }
  pthread_mutex_destroy(&d->lock);
  pthread_cond_destroy(&d->wake);
  free(d);
}

void ctk_dock_status(ctk_dock *d, unsigned *up, unsigned long *connects)
{
  size_t i;
  *up = 0;
  *connects = 0;
  if(!d)
    return;
  pthread_mutex_lock(&d->lock);
  for(i = 0; i < d->n; i++) {
    *up += d->links[i].up ? 1u : 0u;
    *connects += d->links[i].connects;
  }
  pthread_mutex_unlock(&d->lock);
}
