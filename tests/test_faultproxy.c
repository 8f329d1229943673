/* test_faultproxy: the loopback fault proxy forwards, refuses, resets, cuts, slows and lets
 * held connections be overtaken, exactly as commanded. The target is a small echo server. */
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

#include "ctk_faultproxy.h"
#include "ctk_test.h"

/* ---------- echo target: echoes each connection, remembers what arrived in which order ---- */

#define ECHO_MAX_CONNS 32

typedef struct echo_server {
  int fd;
  int port;
  pthread_t thread;
  pthread_mutex_t lock;
  int stopping;
  int live;                         /* connection threads still running */
  size_t received[ECHO_MAX_CONNS];  /* bytes received, by accept order */
  char first[ECHO_MAX_CONNS];       /* first byte of each connection, by arrival order */
  int n_first;
  int n_conns;
} echo_server;

typedef struct echo_conn {
  echo_server *es;
  int fd;
  int idx;
} echo_conn;

static void *echo_conn_main(void *arg)
{
  echo_conn *c = arg;
  char buf[4096];
  int seen_first = 0;

  for(;;) {
    ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
    if(n <= 0)
      break;
    pthread_mutex_lock(&c->es->lock);
    c->es->received[c->idx] += (size_t)n;
    if(!seen_first && c->es->n_first < ECHO_MAX_CONNS)
      c->es->first[c->es->n_first++] = buf[0];
    pthread_mutex_unlock(&c->es->lock);
    seen_first = 1;
    if(send(c->fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
      break;
  }
  close(c->fd);
  pthread_mutex_lock(&c->es->lock);
  c->es->live--;
  pthread_mutex_unlock(&c->es->lock);
  free(c);
  return NULL;
}

static void *echo_main(void *arg)
{
  echo_server *es = arg;
  for(;;) {
    struct pollfd pfd;
    int stopping;
    pthread_mutex_lock(&es->lock);
    stopping = es->stopping;
    pthread_mutex_unlock(&es->lock);
    if(stopping)
      break;
    pfd.fd = es->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if(poll(&pfd, 1, 20) > 0) {
      int fd = accept(es->fd, NULL, NULL);
      echo_conn *c;
      pthread_t t;
      if(fd < 0)
        continue;
      c = calloc(1, sizeof(*c));
      pthread_mutex_lock(&es->lock);
      if(!c || es->n_conns >= ECHO_MAX_CONNS) {
        pthread_mutex_unlock(&es->lock);
        free(c);
        close(fd);
        continue;
      }
      c->es = es;
      c->fd = fd;
      c->idx = es->n_conns++;
      es->live++;
      pthread_mutex_unlock(&es->lock);
      if(pthread_create(&t, NULL, echo_conn_main, c) == 0)
        pthread_detach(t);
      else {
        close(fd);
        free(c);
        pthread_mutex_lock(&es->lock);
        es->live--;
        pthread_mutex_unlock(&es->lock);
      }
    }
  }
  return NULL;
}

static int echo_start(echo_server *es)
{
  memset(es, 0, sizeof(*es));
  pthread_mutex_init(&es->lock, NULL);
  es->fd = ctk_test_listen(16, &es->port);
  if(es->fd < 0)
    return -1;
  return pthread_create(&es->thread, NULL, echo_main, es) == 0 ? 0 : -1;
}

static void echo_stop(echo_server *es)
{
  int i;
  pthread_mutex_lock(&es->lock);
  es->stopping = 1;
  pthread_mutex_unlock(&es->lock);
  pthread_join(es->thread, NULL);
  close(es->fd);
  /* connection threads end when their clients close; wait (bounded) so no thread outlives us */
  for(i = 0; i < 300; i++) {
    int live;
    pthread_mutex_lock(&es->lock);
    live = es->live;
    pthread_mutex_unlock(&es->lock);
    if(live == 0)
      break;
    usleep(10000);
  }
}

static size_t echo_received(echo_server *es, int idx)
{
  size_t n;
  pthread_mutex_lock(&es->lock);
  n = es->received[idx];
  pthread_mutex_unlock(&es->lock);
  return n;
}

/* ---------- client helpers ---------- */

static int client_connect(int port)
{
  return ctk_test_connect(port, 5);
}

/* Read until n bytes, EOF, error or timeout; returns bytes read, -1 if the first read failed. */
static ssize_t read_n(int fd, char *buf, size_t n)
{
  size_t got = 0;
  while(got < n) {
    ssize_t r = recv(fd, buf + got, n - got, 0);
    if(r < 0)
      return got ? (ssize_t)got : -1;
    if(r == 0)
      break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct fixture {
  echo_server es;
  ctk_faultproxy *fp;
  int port;
} fixture;

static int fixture_start(fixture *f)
{
  ctk_faultproxy_config cfg;

  if(echo_start(&f->es) != 0)
    return -1;
  memset(&cfg, 0, sizeof(cfg));
  cfg.target_port = f->es.port;
  if(ctk_faultproxy_start(&cfg, &f->fp) != CTK_E_OK)
    return -1;
  f->port = ctk_faultproxy_port(f->fp);
  return 0;
}

static void fixture_stop(fixture *f)
{
  ctk_faultproxy_stop(f->fp);
  echo_stop(&f->es);
}

/* Wait (bounded) until the proxy has finished every connection, so its counters are final. */
static void wait_closed(fixture *f)
{
  int i;
  for(i = 0; i < 500 && ctk_faultproxy_open_connections(f->fp) > 0; i++)
    usleep(2000);
}

/* Wait (bounded) until the echo target has received n bytes on connection idx. */
static void wait_received(fixture *f, int idx, size_t n)
{
  int i;
  for(i = 0; i < 500 && echo_received(&f->es, idx) < n; i++)
    usleep(2000);
}

/* ---------- tests ---------- */

static void test_forwards_both_ways(void)
{
  fixture f;
  char buf[64];
  int fd;
  ctk_faultproxy_stats st;

  CU_ASSERT_FATAL(fixture_start(&f) == 0);
  fd = client_connect(f.port);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_EQUAL(send(fd, "hello proxy", 11, 0), 11);
  CU_ASSERT_EQUAL(read_n(fd, buf, 11), 11);
  CU_ASSERT_EQUAL(memcmp(buf, "hello proxy", 11), 0);
  close(fd);
  wait_closed(&f);
  ctk_faultproxy_get_stats(f.fp, &st);
  CU_ASSERT_EQUAL(st.accepted, 1);
  CU_ASSERT_EQUAL(st.bytes_to_server, 11);
  CU_ASSERT_EQUAL(st.bytes_to_client, 11);
  fixture_stop(&f);
}

static void test_down_refuses_then_comes_back_on_same_port(void)
{
  fixture f;
  char buf[8];
  int fd;

  CU_ASSERT_FATAL(fixture_start(&f) == 0);
  CU_ASSERT_EQUAL(ctk_faultproxy_set_mode(f.fp, CTK_FP_REFUSE), CTK_E_OK);
  fd = client_connect(f.port);
  CU_ASSERT_EQUAL(fd, -1);
  CU_ASSERT_EQUAL(errno, ECONNREFUSED);
  if(fd >= 0)
    close(fd);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "up"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_faultproxy_port(f.fp), f.port);
  fd = client_connect(f.port);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_EQUAL(send(fd, "again", 5, 0), 5);
  CU_ASSERT_EQUAL(read_n(fd, buf, 5), 5);
  close(fd);
  fixture_stop(&f);
}

static void test_down_reset_resets_new_and_open_connections(void)
{
  fixture f;
  char buf[8];
  int open_fd;
  int fd;
  ssize_t r;
  ctk_faultproxy_stats st;

  CU_ASSERT_FATAL(fixture_start(&f) == 0);
  open_fd = client_connect(f.port);
  CU_ASSERT_FATAL(open_fd >= 0);
  CU_ASSERT_EQUAL(send(open_fd, "x", 1, 0), 1);
  CU_ASSERT_EQUAL(read_n(open_fd, buf, 1), 1);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "down reset"), CTK_E_OK);
  /* the connection that was open when the link broke is gone */
  r = recv(open_fd, buf, sizeof(buf), 0);
  CU_ASSERT(r <= 0);
  close(open_fd);
  /* a new one is accepted and reset before any byte is forwarded */
  fd = client_connect(f.port);
  if(fd >= 0) {
    (void)send(fd, "y", 1, MSG_NOSIGNAL);
    r = recv(fd, buf, sizeof(buf), 0);
    CU_ASSERT(r <= 0);
    close(fd);
  }
  ctk_faultproxy_get_stats(f.fp, &st);
  CU_ASSERT(st.reset >= 1);
  CU_ASSERT_EQUAL(st.bytes_to_server, 1);
  CU_ASSERT_EQUAL(ctk_faultproxy_open_connections(f.fp), 0);
  fixture_stop(&f);
}

static void test_cut_to_server_delivers_only_the_head(void)
{
  fixture f;
  char req[1000];
  char buf[1000];
  int fd;
  ctk_faultproxy_stats st;

  CU_ASSERT_FATAL(fixture_start(&f) == 0);
  ctk_faultproxy_set_cut(f.fp, CTK_FP_TO_SERVER, 100, 1);
  memset(req, 'r', sizeof(req));
  fd = client_connect(f.port);
  CU_ASSERT_FATAL(fd >= 0);
  (void)send(fd, req, sizeof(req), MSG_NOSIGNAL);
  CU_ASSERT(read_n(fd, buf, sizeof(buf)) <= 100);
  close(fd);
  wait_closed(&f);
  wait_received(&f, 0, 100);
  CU_ASSERT_EQUAL(echo_received(&f.es, 0), 100);
  ctk_faultproxy_get_stats(f.fp, &st);
  CU_ASSERT_EQUAL(st.cut, 1);
  /* the cut was for one connection only: the next goes through whole */
  fd = client_connect(f.port);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_EQUAL(send(fd, req, sizeof(req), 0), (ssize_t)sizeof(req));
  CU_ASSERT_EQUAL(read_n(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
  close(fd);
  fixture_stop(&f);
}

static void test_cut_to_client_loses_the_answer_only(void)
{
  fixture f;
  char req[500];
  char buf[500];
  int fd;

  CU_ASSERT_FATAL(fixture_start(&f) == 0);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "cut down 10 1"), CTK_E_OK);
  memset(req, 'q', sizeof(req));
  fd = client_connect(f.port);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_EQUAL(send(fd, req, sizeof(req), 0), (ssize_t)sizeof(req));
  CU_ASSERT(read_n(fd, buf, sizeof(buf)) <= 10);
  close(fd);
  wait_received(&f, 0, sizeof(req));
  /* the target had the whole request: this is "done but never told" */
  CU_ASSERT_EQUAL(echo_received(&f.es, 0), sizeof(req));
  fixture_stop(&f);
}

static void test_delay_and_rate_slow_the_link(void)
{
  fixture f;
  char req[4000];
  char buf[4000];
  int fd;
  double t0;
  double elapsed;

  CU_ASSERT_FATAL(fixture_start(&f) == 0);
  ctk_faultproxy_set_delay(f.fp, 150);
  fd = client_connect(f.port);
  CU_ASSERT_FATAL(fd >= 0);
  t0 = now_s();
  CU_ASSERT_EQUAL(send(fd, "ping", 4, 0), 4);
  CU_ASSERT_EQUAL(read_n(fd, buf, 4), 4);
  elapsed = now_s() - t0;
  /* one chunk each way, each held 150 ms */
  CU_ASSERT(elapsed >= 0.29);
  close(fd);

  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "delay 0"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "rate 8000"), CTK_E_OK);
  memset(req, 'b', sizeof(req));
  fd = client_connect(f.port);
  CU_ASSERT_FATAL(fd >= 0);
  t0 = now_s();
  CU_ASSERT_EQUAL(send(fd, req, sizeof(req), 0), (ssize_t)sizeof(req));
  CU_ASSERT_EQUAL(read_n(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
  elapsed = now_s() - t0;
  /* 4000 bytes at 8000 B/s is half a second each way; the two directions overlap */
  CU_ASSERT(elapsed >= 0.45);
  CU_ASSERT_EQUAL(memcmp(buf, req, sizeof(req)), 0);
  close(fd);
  fixture_stop(&f);
}

static void test_skew_lets_later_connection_overtake(void)
{
  fixture f;
  char buf[4];
  int a;
  int b;
  int i;
  ctk_faultproxy_stats st;

  CU_ASSERT_FATAL(fixture_start(&f) == 0);
  /* hold every connection while A is accepted, then lift the skew so B goes straight through */
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "skew 1 1000"), CTK_E_OK);
  a = client_connect(f.port);
  CU_ASSERT_FATAL(a >= 0);
  CU_ASSERT_EQUAL(send(a, "A", 1, 0), 1);
  /* let the proxy accept A while the skew holds (polled, not slept: the machine may be busy) */
  for(i = 0; i < 500; i++) {
    ctk_faultproxy_get_stats(f.fp, &st);
    if(st.accepted >= 1)
      break;
    usleep(2000);
  }
  ctk_faultproxy_set_skew(f.fp, 0, 0);
  b = client_connect(f.port);
  CU_ASSERT_FATAL(b >= 0);
  CU_ASSERT_EQUAL(send(b, "B", 1, 0), 1);
  CU_ASSERT_EQUAL(read_n(b, buf, 1), 1);
  CU_ASSERT_EQUAL(read_n(a, buf, 1), 1);
  pthread_mutex_lock(&f.es.lock);
  CU_ASSERT_EQUAL(f.es.n_first, 2);
  CU_ASSERT_EQUAL(f.es.first[0], 'B');
  CU_ASSERT_EQUAL(f.es.first[1], 'A');
  pthread_mutex_unlock(&f.es.lock);
  close(a);
  close(b);
  fixture_stop(&f);
}

static void test_refuses_non_loopback_and_bad_commands(void)
{
  ctk_faultproxy_config cfg;
  ctk_faultproxy *fp = NULL;
  fixture f;

  memset(&cfg, 0, sizeof(cfg));
  cfg.target_addr = "10.0.0.1";
  cfg.target_port = 80;
  CU_ASSERT_EQUAL(ctk_faultproxy_start(&cfg, &fp), CTK_E_INVAL);
  CU_ASSERT_PTR_NULL(fp);
  cfg.target_addr = "127.0.0.1";
  cfg.listen_addr = "0.0.0.0";
  CU_ASSERT_EQUAL(ctk_faultproxy_start(&cfg, &fp), CTK_E_INVAL);
  cfg.listen_addr = "example.org";
  CU_ASSERT_EQUAL(ctk_faultproxy_start(&cfg, &fp), CTK_E_INVAL);

  CU_ASSERT_FATAL(fixture_start(&f) == 0);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, ""), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "down sideways"), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "delay -5"), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "delay 5x"), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "cut left 10"), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "skew 2"), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.fp, "clear"), CTK_E_OK);
  fixture_stop(&f);
}

void ctk_test_add_faultproxy(CU_pSuite suite)
{
  CTK_TEST(suite, test_forwards_both_ways);
  CTK_TEST(suite, test_down_refuses_then_comes_back_on_same_port);
  CTK_TEST(suite, test_down_reset_resets_new_and_open_connections);
  CTK_TEST(suite, test_cut_to_server_delivers_only_the_head);
  CTK_TEST(suite, test_cut_to_client_loses_the_answer_only);
  CTK_TEST(suite, test_delay_and_rate_slow_the_link);
  CTK_TEST(suite, test_skew_lets_later_connection_overtake);
  CTK_TEST(suite, test_refuses_non_loopback_and_bad_commands);
}
