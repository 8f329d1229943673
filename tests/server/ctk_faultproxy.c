/* ctk_faultproxy: loopback TCP fault proxy. One acceptor thread; one pump thread per
 * connection that moves bytes both ways with poll() and applies the current faults. */
#include "ctk_faultproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_log.h"

#define FP_CHUNK 16384
#define FP_POLL_MS 20         /* how quickly threads notice a command or a stop */
#define FP_SETTLE_MS 3000     /* longest a command waits for the threads to apply it */

typedef struct fp_conn {
  struct ctk_faultproxy *fp;
  int cfd;                    /* client side (accepted) */
  int ufd;                    /* target side (connected by the pump thread) */
  unsigned long generation;   /* link generation when accepted; a later one means "reset me" */
  size_t cut_after;           /* 0 = no cut */
  ctk_fp_dir cut_dir;
  unsigned hold_ms;           /* skew: wait before connecting to the target */
} fp_conn;

struct ctk_faultproxy {
  pthread_mutex_t lock;
  pthread_cond_t changed;     /* an applied mode or the connection count changed */
  pthread_t acceptor;
  struct sockaddr_in listen_sa; /* port filled in after the first bind */
  struct sockaddr_in target_sa;
  int listen_fd;              /* acceptor thread only; -1 while refusing */

  /* everything below is under lock */
  int stopping;
  ctk_fp_mode mode;
  ctk_fp_mode applied_mode;   /* the mode the acceptor has put in place */
  unsigned long generation;
  unsigned delay_ms;
  size_t rate;
  ctk_fp_dir cut_dir;
  size_t cut_after;
  unsigned cut_left;          /* connections still to cut; 0 with cut_after set = all */
  unsigned skew_nth;
  unsigned skew_ms;
  unsigned long conn_seq;
  unsigned open_conns;
  ctk_faultproxy_stats stats;
};

static int is_loopback(const char *addr, struct sockaddr_in *sa)
{
  memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  if(inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
    return 0;
  return (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
}

/* Close so the peer sees a reset, not an orderly end: that is what a broken link looks like. */
static void rst_close(int fd)
{
  struct linger lg;

  if(fd < 0)
    return;
  lg.l_onoff = 1;
  lg.l_linger = 0;
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(fd);
}

static void sleep_ms(unsigned ms)
{
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while(nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* Has the link changed under this connection (stop, or went down since it was accepted)? */
static int conn_doomed(fp_conn *c)
{
  int doomed;
  pthread_mutex_lock(&c->fp->lock);
  doomed = c->fp->stopping || c->fp->generation != c->generation;
  pthread_mutex_unlock(&c->fp->lock);
  return doomed;
}

/* Sleep in short slices so a stop or a link-down is not held up; 1 if doomed meanwhile. */
static int conn_wait(fp_conn *c, unsigned ms)
{
  while(ms > 0) {
    unsigned step = ms < FP_POLL_MS ? ms : FP_POLL_MS;
    if(conn_doomed(c))
      return 1;
    sleep_ms(step);
    ms -= step;
  }
  return conn_doomed(c);
}

static int send_all(int fd, const char *p, size_t n)
{
  while(n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if(w < 0) {
      if(errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int connect_target(const struct sockaddr_in *sa)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if(fd < 0)
    return -1;
  if(connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

typedef enum { PUMP_MORE, PUMP_EOF, PUMP_RESET, PUMP_CUT } pump_step;

/* Move one chunk from src to dst in direction dir, applying delay, rate and cut. */
static pump_step pump_once(fp_conn *c, int src, int dst, ctk_fp_dir dir,
                           unsigned long long *moved)
{
  char buf[FP_CHUNK];
  size_t want = sizeof(buf);
  unsigned delay;
  size_t rate;
  ssize_t n;
  size_t give;
  int cut = 0;

  pthread_mutex_lock(&c->fp->lock);
  delay = c->fp->delay_ms;
  rate = c->fp->rate;
  pthread_mutex_unlock(&c->fp->lock);
  if(rate > 0) {
    /* about 20 chunks a second keeps the cap smooth without a busy loop */
    want = rate / 20;
    if(want < 1)
      want = 1;
    if(want > sizeof(buf))
      want = sizeof(buf);
  }
  n = recv(src, buf, want, 0);
  if(n < 0)
    return (errno == EINTR || errno == EAGAIN) ? PUMP_MORE : PUMP_RESET;
  if(n == 0)
    return PUMP_EOF;
  give = (size_t)n;
  if(c->cut_after > 0 && c->cut_dir == dir && *moved + give >= c->cut_after) {
    give = (size_t)(c->cut_after - *moved);
    cut = 1;
  }
  if(delay > 0 && conn_wait(c, delay))
    return PUMP_RESET;
  if(rate > 0 && conn_wait(c, (unsigned)((unsigned long long)give * 1000u / rate)))
    return PUMP_RESET;
  if(give > 0 && send_all(dst, buf, give) != 0)
    return PUMP_RESET;
  *moved += give;
  pthread_mutex_lock(&c->fp->lock);
  if(dir == CTK_FP_TO_SERVER)
    c->fp->stats.bytes_to_server += give;
  else
    c->fp->stats.bytes_to_client += give;
  if(cut)
    c->fp->stats.cut++;
  pthread_mutex_unlock(&c->fp->lock);
  return cut ? PUMP_CUT : PUMP_MORE;
}

/* How a connection ends: both sides closed in order, both reset (a broken link), or cut:
 * the side that was receiving gets an orderly end right after the bytes let through (so it
 * sees exactly a truncated stream, not a reset that could discard them), the other a reset. */
typedef enum { END_CLOSE, END_RESET, END_CUT_TO_SERVER, END_CUT_TO_CLIENT } conn_end;

static void conn_finish(fp_conn *c, conn_end how)
{
  ctk_faultproxy *fp = c->fp;

  switch(how) {
  case END_RESET:
    rst_close(c->cfd);
    rst_close(c->ufd);
    break;
  case END_CUT_TO_SERVER:
    rst_close(c->cfd);
    if(c->ufd >= 0)
      close(c->ufd);
    break;
  case END_CUT_TO_CLIENT:
    rst_close(c->ufd);
    if(c->cfd >= 0)
      close(c->cfd);
    break;
  default:
    if(c->cfd >= 0)
      close(c->cfd);
    if(c->ufd >= 0)
      close(c->ufd);
    break;
  }
  free(c);
  pthread_mutex_lock(&fp->lock);
  fp->open_conns--;
  pthread_cond_broadcast(&fp->changed);
  pthread_mutex_unlock(&fp->lock);
}

static void *conn_main(void *arg)
{
  fp_conn *c = arg;
  unsigned long long moved[2] = { 0, 0 };
  int open_side[2] = { 1, 1 }; /* [0] client still sends, [1] target still sends */
  conn_end how = END_CLOSE;

  if(c->hold_ms > 0 && conn_wait(c, c->hold_ms)) {
    conn_finish(c, END_RESET);
    return NULL;
  }
  c->ufd = connect_target(&c->fp->target_sa);
  if(c->ufd < 0) {
    pthread_mutex_lock(&c->fp->lock);
    c->fp->stats.upstream_failed++;
    pthread_mutex_unlock(&c->fp->lock);
    conn_finish(c, END_RESET);
    return NULL;
  }
  while((open_side[0] || open_side[1]) && how == END_CLOSE) {
    struct pollfd pfd[2];
    int i;
    int rc;

    if(conn_doomed(c)) {
      how = END_RESET;
      break;
    }
    pfd[0].fd = open_side[0] ? c->cfd : -1;
    pfd[0].events = POLLIN;
    pfd[0].revents = 0;
    pfd[1].fd = open_side[1] ? c->ufd : -1;
    pfd[1].events = POLLIN;
    pfd[1].revents = 0;
    rc = poll(pfd, 2, FP_POLL_MS);
    if(rc < 0 && errno != EINTR) {
      how = END_RESET;
      break;
    }
    for(i = 0; i < 2 && how == END_CLOSE; i++) {
      int src = i == 0 ? c->cfd : c->ufd;
      int dst = i == 0 ? c->ufd : c->cfd;
      pump_step step;
      if(!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      step = pump_once(c, src, dst, i == 0 ? CTK_FP_TO_SERVER : CTK_FP_TO_CLIENT, &moved[i]);
      if(step == PUMP_RESET)
        how = END_RESET;
      else if(step == PUMP_CUT)
        how = i == 0 ? END_CUT_TO_SERVER : END_CUT_TO_CLIENT;
      else if(step == PUMP_EOF) {
        /* pass the half-close on: the other side may still answer */
        shutdown(dst, SHUT_WR);
        open_side[i] = 0;
      }
    }
  }
  conn_finish(c, how);
  return NULL;
}

static int listen_open(ctk_faultproxy *fp)
{
  int one = 1;
  socklen_t len = sizeof(fp->listen_sa);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if(fd < 0)
    return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if(bind(fd, (struct sockaddr *)&fp->listen_sa, sizeof(fp->listen_sa)) != 0 ||
     listen(fd, 64) != 0 ||
     getsockname(fd, (struct sockaddr *)&fp->listen_sa, &len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Take one accepted client: reset it if the link is "down reset", else hand it to a thread. */
static void accept_one(ctk_faultproxy *fp, int cfd)
{
  fp_conn *c;
  pthread_t t;
  pthread_attr_t attr;

  pthread_mutex_lock(&fp->lock);
  if(fp->mode == CTK_FP_RESET) {
    fp->stats.reset++;
    pthread_mutex_unlock(&fp->lock);
    rst_close(cfd);
    return;
  }
  c = calloc(1, sizeof(*c));
  if(!c) {
    pthread_mutex_unlock(&fp->lock);
    rst_close(cfd);
    return;
  }
  c->fp = fp;
  c->cfd = cfd;
  c->ufd = -1;
  c->generation = fp->generation;
  fp->conn_seq++;
  if(fp->cut_after > 0) {
    c->cut_after = fp->cut_after;
    c->cut_dir = fp->cut_dir;
    if(fp->cut_left > 0 && --fp->cut_left == 0)
      fp->cut_after = 0;
  }
  if(fp->skew_nth > 0 && fp->conn_seq % fp->skew_nth == 0)
    c->hold_ms = fp->skew_ms;
  fp->stats.accepted++;
  fp->open_conns++;
  pthread_mutex_unlock(&fp->lock);

  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if(pthread_create(&t, &attr, conn_main, c) != 0) {
    c->ufd = -1;
    conn_finish(c, END_RESET);
  }
  pthread_attr_destroy(&attr);
}

static void *acceptor_main(void *arg)
{
  ctk_faultproxy *fp = arg;

  for(;;) {
    ctk_fp_mode mode;
    struct pollfd pfd;
    int stopping;

    pthread_mutex_lock(&fp->lock);
    stopping = fp->stopping;
    mode = fp->mode;
    pthread_mutex_unlock(&fp->lock);
    if(stopping)
      break;
    if(mode == CTK_FP_REFUSE && fp->listen_fd >= 0) {
      close(fp->listen_fd);
      fp->listen_fd = -1;
    }
    else if(mode != CTK_FP_REFUSE && fp->listen_fd < 0) {
      /* same port as before (SO_REUSEADDR), so the client's configuration stays right */
      fp->listen_fd = listen_open(fp);
    }
    pthread_mutex_lock(&fp->lock);
    if((mode == CTK_FP_REFUSE) == (fp->listen_fd < 0) && fp->applied_mode != mode) {
      fp->applied_mode = mode;
      pthread_cond_broadcast(&fp->changed);
    }
    pthread_mutex_unlock(&fp->lock);
    if(fp->listen_fd < 0) {
      sleep_ms(FP_POLL_MS);
      continue;
    }
    pfd.fd = fp->listen_fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if(poll(&pfd, 1, FP_POLL_MS) > 0 && (pfd.revents & POLLIN)) {
      int cfd = accept4(fp->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if(cfd >= 0)
        accept_one(fp, cfd);
    }
  }
  if(fp->listen_fd >= 0)
    close(fp->listen_fd);
  fp->listen_fd = -1;
  return NULL;
}

ctk_code ctk_faultproxy_start(const ctk_faultproxy_config *cfg, ctk_faultproxy **out)
{
  ctk_faultproxy *fp;
  const char *laddr;
  const char *taddr;

  *out = NULL;
  if(!cfg || cfg->target_port <= 0 || cfg->target_port > 65535 || cfg->listen_port < 0 ||
     cfg->listen_port > 65535)
    return CTK_E_INVAL;
  fp = calloc(1, sizeof(*fp));
  if(!fp)
    return CTK_E_NOMEM;
  laddr = cfg->listen_addr ? cfg->listen_addr : "127.0.0.1";
  taddr = cfg->target_addr ? cfg->target_addr : "127.0.0.1";
  if(!is_loopback(laddr, &fp->listen_sa) || !is_loopback(taddr, &fp->target_sa)) {
    CTK_ERR("faultproxy", "refusing non-loopback address listen=%s target=%s", laddr, taddr);
    free(fp);
    return CTK_E_INVAL;
  }
  fp->listen_sa.sin_port = htons((unsigned short)cfg->listen_port);
  fp->target_sa.sin_port = htons((unsigned short)cfg->target_port);
  fp->listen_fd = listen_open(fp);
  if(fp->listen_fd < 0) {
    free(fp);
    return CTK_E_IO;
  }
  pthread_mutex_init(&fp->lock, NULL);
  pthread_cond_init(&fp->changed, NULL);
  fp->mode = CTK_FP_UP;
  fp->applied_mode = CTK_FP_UP;
  if(pthread_create(&fp->acceptor, NULL, acceptor_main, fp) != 0) {
    close(fp->listen_fd);
    pthread_cond_destroy(&fp->changed);
    pthread_mutex_destroy(&fp->lock);
    free(fp);
    return CTK_E_INTERNAL;
  }
  *out = fp;
  return CTK_E_OK;
}

int ctk_faultproxy_port(const ctk_faultproxy *fp)
{
  return fp ? ntohs(fp->listen_sa.sin_port) : -1;
}

/* Wait (bounded) until pred holds; called with the lock held. */
static int wait_until(ctk_faultproxy *fp, int (*pred)(ctk_faultproxy *, void *), void *arg)
{
  struct timespec deadline;

  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += FP_SETTLE_MS / 1000;
  while(!pred(fp, arg)) {
    if(pthread_cond_timedwait(&fp->changed, &fp->lock, &deadline) == ETIMEDOUT)
      return pred(fp, arg);
  }
  return 1;
}

static int no_connections(ctk_faultproxy *fp, void *arg)
{
  (void)arg;
  return fp->open_conns == 0;
}

static int mode_applied(ctk_faultproxy *fp, void *arg)
{
  return fp->applied_mode == *(ctk_fp_mode *)arg;
}

void ctk_faultproxy_stop(ctk_faultproxy *fp)
{
  if(!fp)
    return;
  pthread_mutex_lock(&fp->lock);
  fp->stopping = 1;
  pthread_mutex_unlock(&fp->lock);
  pthread_join(fp->acceptor, NULL);
  pthread_mutex_lock(&fp->lock);
  /* connection threads notice `stopping` within one poll interval; they must be gone
   * before the memory they point at is freed, so this wait has no deadline */
  while(fp->open_conns > 0)
    pthread_cond_wait(&fp->changed, &fp->lock);
  pthread_mutex_unlock(&fp->lock);
  pthread_cond_destroy(&fp->changed);
  pthread_mutex_destroy(&fp->lock);
  free(fp);
}

ctk_code ctk_faultproxy_set_mode(ctk_faultproxy *fp, ctk_fp_mode mode)
{
  int ok;

  if(mode != CTK_FP_UP && mode != CTK_FP_REFUSE && mode != CTK_FP_RESET)
    return CTK_E_INVAL;
  pthread_mutex_lock(&fp->lock);
  fp->mode = mode;
  if(mode != CTK_FP_UP)
    fp->generation++;
  /* return only once the new mode holds, so a test's next connect sees it */
  ok = wait_until(fp, mode_applied, &mode);
  if(ok && mode != CTK_FP_UP)
    ok = wait_until(fp, no_connections, NULL);
  pthread_mutex_unlock(&fp->lock);
  return ok ? CTK_E_OK : CTK_E_TIMEOUT;
}

void ctk_faultproxy_set_delay(ctk_faultproxy *fp, unsigned ms_per_chunk)
{
  pthread_mutex_lock(&fp->lock);
  fp->delay_ms = ms_per_chunk;
  pthread_mutex_unlock(&fp->lock);
}

void ctk_faultproxy_set_rate(ctk_faultproxy *fp, size_t bytes_per_second)
{
  pthread_mutex_lock(&fp->lock);
  fp->rate = bytes_per_second;
  pthread_mutex_unlock(&fp->lock);
}

void ctk_faultproxy_set_cut(ctk_faultproxy *fp, ctk_fp_dir dir, size_t after_bytes,
                            unsigned connections)
{
  pthread_mutex_lock(&fp->lock);
  fp->cut_dir = dir;
  fp->cut_after = after_bytes;
  fp->cut_left = after_bytes > 0 ? connections : 0;
  pthread_mutex_unlock(&fp->lock);
}

void ctk_faultproxy_set_skew(ctk_faultproxy *fp, unsigned every_nth, unsigned extra_ms)
{
  pthread_mutex_lock(&fp->lock);
  fp->skew_nth = extra_ms > 0 ? every_nth : 0;
  fp->skew_ms = extra_ms;
  pthread_mutex_unlock(&fp->lock);
}

void ctk_faultproxy_clear(ctk_faultproxy *fp)
{
  ctk_faultproxy_set_delay(fp, 0);
  ctk_faultproxy_set_rate(fp, 0);
  ctk_faultproxy_set_cut(fp, CTK_FP_TO_SERVER, 0, 0);
  ctk_faultproxy_set_skew(fp, 0, 0);
  ctk_faultproxy_set_mode(fp, CTK_FP_UP);
}

/* Parse a whole decimal token; -1 if it is not one. */
static long long parse_count(const char *s)
{
  char *end = NULL;
  unsigned long long v;

  if(!s || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if(errno || *end || v > 0x7fffffffULL)
    return -1;
  return (long long)v;
}

ctk_code ctk_faultproxy_command(ctk_faultproxy *fp, const char *command)
{
  char copy[128];
  char *argv[5];
  int argc = 0;
  char *save = NULL;
  char *tok;
  long long a;
  long long b;

  if(!command || ctk_strlcpy(copy, command, sizeof(copy)))
    return CTK_E_INVAL;
  for(tok = strtok_r(copy, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
    if(argc == 5)
      return CTK_E_INVAL;
    argv[argc++] = tok;
  }
  if(argc == 0)
    return CTK_E_INVAL;
  if(!strcmp(argv[0], "up") && argc == 1)
    return ctk_faultproxy_set_mode(fp, CTK_FP_UP);
  if(!strcmp(argv[0], "down") && argc == 1)
    return ctk_faultproxy_set_mode(fp, CTK_FP_REFUSE);
  if(!strcmp(argv[0], "down") && argc == 2 && !strcmp(argv[1], "refuse"))
    return ctk_faultproxy_set_mode(fp, CTK_FP_REFUSE);
  if(!strcmp(argv[0], "down") && argc == 2 && !strcmp(argv[1], "reset"))
    return ctk_faultproxy_set_mode(fp, CTK_FP_RESET);
  if(!strcmp(argv[0], "clear") && argc == 1) {
    ctk_faultproxy_clear(fp);
    return CTK_E_OK;
  }
  a = argc >= 2 ? parse_count(argv[1]) : -1;
  if(!strcmp(argv[0], "delay") && argc == 2 && a >= 0) {
    ctk_faultproxy_set_delay(fp, (unsigned)a);
    return CTK_E_OK;
  }
  if(!strcmp(argv[0], "rate") && argc == 2 && a >= 0) {
    ctk_faultproxy_set_rate(fp, (size_t)a);
    return CTK_E_OK;
  }
  if(!strcmp(argv[0], "skew") && argc == 3 && a >= 0) {
    b = parse_count(argv[2]);
    if(b < 0)
      return CTK_E_INVAL;
    ctk_faultproxy_set_skew(fp, (unsigned)a, (unsigned)b);
    return CTK_E_OK;
  }
  if(!strcmp(argv[0], "cut") && (argc == 3 || argc == 4)) {
    ctk_fp_dir dir;
    long long count = 0;
    if(!strcmp(argv[1], "up"))
      dir = CTK_FP_TO_SERVER;
    else if(!strcmp(argv[1], "down"))
      dir = CTK_FP_TO_CLIENT;
    else
      return CTK_E_INVAL;
    b = parse_count(argv[2]);
    if(argc == 4)
      count = parse_count(argv[3]);
    if(b < 0 || count < 0)
      return CTK_E_INVAL;
    ctk_faultproxy_set_cut(fp, dir, (size_t)b, (unsigned)count);
    return CTK_E_OK;
  }
  return CTK_E_INVAL;
}

void ctk_faultproxy_get_stats(ctk_faultproxy *fp, ctk_faultproxy_stats *out)
{
  pthread_mutex_lock(&fp->lock);
  *out = fp->stats;
  pthread_mutex_unlock(&fp->lock);
}

unsigned ctk_faultproxy_open_connections(ctk_faultproxy *fp)
{
  unsigned n;
  pthread_mutex_lock(&fp->lock);
  n = fp->open_conns;
  pthread_mutex_unlock(&fp->lock);
  return n;
}
