/* test_acd_net: `ctk sim acd` as a running process on loopback: SIP over UDP from a tiny client
 * here, the CSTA TCP link, the JSON webhook, GET /stats, the final statistics file; the webhook
 * sender and the CTI hub in process; and the clear message of `ctk load calls` when SIPp is
 * missing. */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctk_commands.h"
#include "acd/ctk_acd_csta.h"
#include "acd/ctk_acd_cti.h"
#include "acd/ctk_acd_esl.h"
#include "acd/ctk_acd_sip.h"
#include "acd/ctk_acd_webhook.h"
#include "acd_testlib.h"
#include "ctk_http.h"
#include "ctk_log.h"
#include "ctk_proc.h"
#include "ctk_sock.h"
#include "ctk_test.h"
#include "ctk_test_wire.h"

/* ---------- a webhook receiver ---------- */

#define HOOK_MAX 64

typedef struct hook_box {
  pthread_mutex_t lock;
  char *bodies[HOOK_MAX];
  size_t n;
} hook_box;

static int hook_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  hook_box *box = ctx;
  pthread_mutex_lock(&box->lock);
  if(box->n < HOOK_MAX && !strcmp(req->method, "POST"))
    box->bodies[box->n++] = strdup(req->body);
  pthread_mutex_unlock(&box->lock);
  resp->status = 204;
  return 0;
}

static size_t hook_count(hook_box *box)
{
  size_t n;
  pthread_mutex_lock(&box->lock);
  n = box->n;
  pthread_mutex_unlock(&box->lock);
  return n;
}

/* ---------- a SIP UDP client ---------- */

static int udp_client(void)
{
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* A request of a UDP or TCP client whose socket is bound to my_port. */
static int sip_req(char *msg, size_t size, const char *transport, int my_port, int port,
                   const char *method, const char *call_id, int cseq, const char *to_tag)
{
  return snprintf(msg, size,
                  "%s sip:12328@127.0.0.1:%d SIP/2.0\r\n"
                  "Via: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bKnet%s%d\r\n"
                  "From: <sip:13800000000@127.0.0.1:%d>;tag=net-%s\r\n"
                  "To: <sip:12328@127.0.0.1:%d>%s%s\r\n"
                  "Call-ID: %s\r\n"
                  "CSeq: %d %s\r\n"
                  "Contact: <sip:13800000000@127.0.0.1:%d>\r\n"
                  "Max-Forwards: 70\r\n"
                  "Content-Length: 0\r\n\r\n",
                  method, port, transport, my_port, call_id, cseq, my_port, call_id, port,
                  to_tag ? ";tag=" : "", to_tag ? to_tag : "", call_id, cseq, method, my_port);
}

static int local_port(int fd)
{
  struct sockaddr_in me;
  socklen_t len = sizeof(me);
  memset(&me, 0, sizeof(me));
  getsockname(fd, (struct sockaddr *)&me, &len);
  return ntohs(me.sin_port);
}

static void udp_send_req(int fd, int port, const char *method, const char *call_id, int cseq,
                         const char *to_tag)
{
  struct sockaddr_in to;
  char msg[1024];
  int n = sip_req(msg, sizeof(msg), "UDP", local_port(fd), port, method, call_id, cseq, to_tag);

  memset(&to, 0, sizeof(to));
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
}

/* The status of a response (-1 for a request) and its To tag copied out. */
static int sip_status_of(const char *msg, char *to_tag, size_t tag_size)
{
  int status = 0;
  const char *t;
  if(sscanf(msg, "SIP/2.0 %d", &status) != 1)
    return -1;
  t = strstr(msg, "\r\nTo: ");
  t = t ? strstr(t, ";tag=") : NULL;
  if(to_tag && t) {
    size_t i = 0;
    t += 5;
    while(i + 1 < tag_size && t[i] && t[i] != '\r' && t[i] != ';')
      i++;
    memcpy(to_tag, t, i);
    to_tag[i] = '\0';
  }
  return status;
}

/* Next response: its status (0 on timeout), and the To tag copied out. */
static int udp_recv_status(int fd, char *to_tag, size_t tag_size)
{
  struct pollfd p;
  char buf[8192];
  ssize_t r;

  p.fd = fd;
  p.events = POLLIN;
  if(poll(&p, 1, 3000) != 1)
    return 0;
  r = recv(fd, buf, sizeof(buf) - 1, 0);
  if(r <= 0)
    return 0;
  buf[r] = '\0';
  return sip_status_of(buf, to_tag, tag_size);
}

/* INVITE call_id, expect 100, 180 and 200 (its To tag into tag), ACK it: a call in talk. 0
 * when it is; -1 at the first answer that is wrong or missing, without waiting for the rest
 * (a simulator that does not answer costs one wait, not one per message). */
static int udp_answered_call(int fd, int port, const char *call_id, char *tag, size_t tag_size)
{
  static const int want[] = { 100, 180, 200 };
  size_t i;
  udp_send_req(fd, port, "INVITE", call_id, 1, NULL);
  for(i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    int got = udp_recv_status(fd, i == 2 ? tag : NULL, tag_size);
    CU_ASSERT_EQUAL(got, want[i]);
    if(got != want[i])
      return -1;
  }
  udp_send_req(fd, port, "ACK", call_id, 1, tag);
  return 0;
}

/* ---------- a SIP TCP client ---------- */

typedef struct tcp_sip {
  int fd;
  char in[16384];
  size_t len;
  char last[4096];             /* the last whole message read */
} tcp_sip;

static int tcp_sip_open(tcp_sip *t, int port)
{
  memset(t, 0, sizeof(*t));
  t->fd = ctk_test_connect(port, 5);
  return t->fd;
}

static void tcp_send_req(tcp_sip *t, int port, const char *method, const char *call_id, int cseq,
                         const char *to_tag)
{
  char msg[1024];
  int n = sip_req(msg, sizeof(msg), "TCP", local_port(t->fd), port, method, call_id, cseq, to_tag);
  CU_ASSERT_EQUAL(send(t->fd, msg, (size_t)n, MSG_NOSIGNAL), n);
}

/* Next whole message on the stream, framed as the simulator frames it, into t->last: 1, or 0
 * when none came within timeout_ms (or the server closed). */
static int tcp_next(tcp_sip *t, int timeout_ms)
{
  long long until = ctk_now_ms() + timeout_ms;
  for(;;) {
    size_t skip = 0;
    long n = ctk_acd_sip_frame(t->in, t->len, sizeof(t->in) - 1, &skip);
    struct pollfd p;
    long long left;
    ssize_t r;
    if(n > 0) {
      size_t keep = (size_t)n < sizeof(t->last) ? (size_t)n : sizeof(t->last) - 1;
      memcpy(t->last, t->in + skip, keep);
      t->last[keep] = '\0';
      t->len -= skip + (size_t)n;
      memmove(t->in, t->in + skip + (size_t)n, t->len);
      return 1;
    }
    left = until - ctk_now_ms();
    if(n < 0 || left <= 0 || t->len + 1 >= sizeof(t->in))
      return 0;
    p.fd = t->fd;
    p.events = POLLIN;
    if(poll(&p, 1, (int)left) != 1)
      return 0;
    r = recv(t->fd, t->in + t->len, sizeof(t->in) - 1 - t->len, 0);
    if(r <= 0)
      return 0;
    t->len += (size_t)r;
  }
}

static int tcp_recv_status(tcp_sip *t, char *to_tag, size_t tag_size)
{
  return tcp_next(t, 3000) ? sip_status_of(t->last, to_tag, tag_size) : 0;
}

/* One whole call on one connection: INVITE, 100, 180, 200, ACK, BYE, 200. -1 when not even the
 * 100 came (nothing more to wait for). */
static int tcp_whole_call(tcp_sip *t, int port, const char *call_id)
{
  char tag[128] = "";
  int first;
  tcp_send_req(t, port, "INVITE", call_id, 1, NULL);
  first = tcp_recv_status(t, NULL, 0);
  CU_ASSERT_EQUAL(first, 100);
  if(first != 100)
    return -1;
  CU_ASSERT_EQUAL(tcp_recv_status(t, NULL, 0), 180);
  CU_ASSERT_EQUAL(tcp_recv_status(t, tag, sizeof(tag)), 200);
  tcp_send_req(t, port, "ACK", call_id, 1, tag);
  tcp_send_req(t, port, "BYE", call_id, 2, tag);
  CU_ASSERT_EQUAL(tcp_recv_status(t, NULL, 0), 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(t->last, "CSeq: 2 BYE"));
  return 0;
}

/* Waits (at most timeout_ms) until the simulator's log holds needle; 1 when it does. */
static int log_wait(const ctk_acd_proc *acd, const char *needle, int timeout_ms)
{
  long long until = ctk_now_ms() + timeout_ms;
  for(;;) {
    char *text = ctk_test_read_file(acd->log_path, NULL);
    int seen = text && strstr(text, needle);
    free(text);
    if(seen)
      return 1;
    if(ctk_now_ms() >= until)
      return 0;
    usleep(50000);
  }
}

/* ---------- an ESL client ---------- */

/* Reads from fd into text (NUL-ended) until it holds count copies of needle, or timeout_ms;
 * returns how many it holds. */
static unsigned text_wait(int fd, char *text, size_t size, size_t *len, const char *needle,
                          unsigned count, int timeout_ms)
{
  long long until = ctk_now_ms() + timeout_ms;
  for(;;) {
    unsigned n = 0;
    const char *at = text;
    struct pollfd p;
    long long left;
    ssize_t r;
    while((at = strstr(at, needle)) != NULL) {
      n++;
      at += strlen(needle);
    }
    left = until - ctk_now_ms();
    if(n >= count || left <= 0 || *len + 1 >= size)
      return n;
    p.fd = fd;
    p.events = POLLIN;
    if(poll(&p, 1, (int)left) != 1)
      return n;
    r = recv(fd, text + *len, size - 1 - *len, 0);
    if(r <= 0)
      return n;
    *len += (size_t)r;
    text[*len] = '\0';
  }
}

/* ---------- the tests ---------- */

static void test_acd_net_call_events_everywhere(void)
{
  hook_box box;
  ctk_http_server_config hc;
  ctk_http_server *hook = NULL;
  ctk_acd_proc acd;
  char url[128], tag[128], stats_path[600];
  const char *dir = ctk_test_tmpdir("acd-net");
  int fd, cti, esl;
  static char esl_text[262144];
  size_t esl_len = 0;
  ctk_acd_cti_tally tally;
  ctk_http_client *client;
  ctk_http_call call;
  ctk_http_reply reply;
  size_t i, answered_posts = 0;
  int waited;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  memset(&box, 0, sizeof(box));
  pthread_mutex_init(&box.lock, NULL);
  /* the webhook receiver first, on a port of its own choosing (no race for a "free" port) */
  memset(&hc, 0, sizeof(hc));
  hc.port = 0;
  hc.max_body = 65536;
  CU_ASSERT_EQUAL_FATAL(ctk_http_server_start(&hc, hook_handler, &box, &hook), CTK_E_OK);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/cti", ctk_http_server_port(hook));
  snprintf(stats_path, sizeof(stats_path), "%s/stats.json", dir);
  {
    const char *args[] = { "--agents", "1", "--queue-limit", "0", "--cti-port", "0",
                           "--control-port", "0", "--webhook", url, "--stats-json", stats_path,
                           "--linger-ms", "2000", "--cti", "csta,esl", "--esl-port", "0", NULL };
    if(ctk_acd_test_start(&acd, dir, args) != 0) {
      ctk_http_server_stop(hook);
      CU_FAIL_FATAL("ctk sim acd did not start");
    }
  }
  cti = ctk_acd_test_cti_connect(acd.cti_port);
  CU_ASSERT_FATAL(cti >= 0);
  /* an explicit MonitorStart is answered with our cross reference */
  CU_ASSERT_EQUAL(ctk_acd_test_cti_monitor(cti), 0);
  /* and an ESL client listens for the channels' ends */
  esl = ctk_test_connect(acd.esl_port, 5);
  CU_ASSERT_FATAL(esl >= 0);
  esl_text[0] = '\0';
  CU_ASSERT_EQUAL(text_wait(esl, esl_text, sizeof(esl_text), &esl_len, "auth/request", 1, 3000), 1);
  {
    char cmd[128];
    int n = snprintf(cmd, sizeof(cmd), "auth %s\n\nevent plain CHANNEL_HANGUP_COMPLETE\n\n",
                     CTK_ESL_DEFAULT_PASSWORD);
    CU_ASSERT_EQUAL(send(esl, cmd, (size_t)n, MSG_NOSIGNAL), n);
  }
  CU_ASSERT_EQUAL(text_wait(esl, esl_text, sizeof(esl_text), &esl_len,
                            "+OK event listener enabled plain", 1, 3000), 1);

  fd = udp_client();
  CU_ASSERT_FATAL(fd >= 0);
  if(udp_answered_call(fd, acd.sip_port, "net1", tag, sizeof(tag))) {
    /* no call, so none of the events below can come: stop now, not after all their waits */
    close(fd);
    close(cti);
    close(esl);
    ctk_acd_test_stop(&acd);
    ctk_http_server_stop(hook);
    for(i = 0; i < box.n; i++)
      free(box.bodies[i]);
    pthread_mutex_destroy(&box.lock);
    return;
  }
  /* the only agent is busy and no one may wait: refused */
  udp_send_req(fd, acd.sip_port, "INVITE", "net2", 1, NULL);
  CU_ASSERT_EQUAL(udp_recv_status(fd, NULL, 0), 100);
  CU_ASSERT_EQUAL(udp_recv_status(fd, tag + 64, 64), 486);
  udp_send_req(fd, acd.sip_port, "ACK", "net2", 1, tag + 64);
  udp_send_req(fd, acd.sip_port, "BYE", "net1", 2, tag);
  CU_ASSERT_EQUAL(udp_recv_status(fd, NULL, 0), 200);
  close(fd);

  /* CSTA: the answered call's full story, and the refused call's offer and clearing */
  memset(&tally, 0, sizeof(tally));
  ctk_acd_test_cti_read(cti, &tally, 7, 5000);
  CU_ASSERT_EQUAL(tally.offered, 2);
  CU_ASSERT_EQUAL(tally.queued, 1);
  CU_ASSERT_EQUAL(tally.delivered, 1);
  CU_ASSERT_EQUAL(tally.established, 1);
  CU_ASSERT_EQUAL(tally.cleared_normal, 1);
  CU_ASSERT_EQUAL(tally.cleared_other, 1);
  CU_ASSERT_EQUAL(tally.bad_frames, 0);
  close(cti);
  /* ESL: both channels' ends, the refused one with its SIP status */
  CU_ASSERT_EQUAL(text_wait(esl, esl_text, sizeof(esl_text), &esl_len,
                            "Event-Name: CHANNEL_HANGUP_COMPLETE\n", 2, 5000), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(esl_text, "variable_sip_term_status: 486\n"));
  close(esl);

  /* GET /stats on the control port */
  client = ctk_http_client_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(client);
  memset(&call, 0, sizeof(call));
  memset(&reply, 0, sizeof(reply));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/stats", acd.control_port);
  call.url = url;
  ctk_buf_init(&reply.body, 65536);
  CU_ASSERT_EQUAL(ctk_http_get(client, &call, &reply), CTK_E_OK);
  CU_ASSERT_EQUAL(reply.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&reply.body), "\"offered\":2"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&reply.body), "\"answered\":1"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&reply.body), "\"busy\":1"));
  ctk_buf_free(&reply.body);
  ctk_http_client_free(client);

  /* the webhook got every event: 5 for the answered call, 2 for the refused one */
  for(waited = 0; hook_count(&box) < 7 && waited < 5000; waited += 20)
    usleep(20000);
  CU_ASSERT_EQUAL(hook_count(&box), 7);
  for(i = 0; i < box.n; i++) {
    json_object *o = json_tokener_parse(box.bodies[i]);
    json_object *ev = NULL, *rec = NULL;
    CU_ASSERT_PTR_NOT_NULL(o);
    if(o && json_object_object_get_ex(o, "event", &ev) &&
       !strcmp(json_object_get_string(ev), "answered")) {
      answered_posts++;
      CU_ASSERT(json_object_object_get_ex(o, "recording", &rec) && json_object_is_type(rec, json_type_object));
      CU_ASSERT_PTR_NOT_NULL(strstr(box.bodies[i], "\"agent\":\"A01\""));
      CU_ASSERT_PTR_NOT_NULL(strstr(box.bodies[i], "\"caller\":\"13800000000\""));
    }
    json_object_put(o);
  }
  CU_ASSERT_EQUAL(answered_posts, 1);

  /* SIGTERM: clean stop, final statistics as JSON */
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
  {
    char *text = ctk_test_read_file(stats_path, NULL);
    CU_ASSERT_PTR_NOT_NULL(text);
    if(text) {
      CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"offered\":2"));
      CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"answered_within_10s\":1"));
      free(text);
    }
  }
  ctk_http_server_stop(hook);
  for(i = 0; i < box.n; i++)
    free(box.bodies[i]);
  pthread_mutex_destroy(&box.lock);
}

/* The value of the first "Key: value" line at or after from (lines end in eol), into out;
 * "" when there is none. */
static void line_value(const char *from, const char *key, const char *eol, char *out, size_t size)
{
  const char *v = from ? strstr(from, key) : NULL;
  size_t n = 0;
  out[0] = '\0';
  if(!v)
    return;
  v += strlen(key);
  n = strcspn(v, eol);
  snprintf(out, size, "%.*s", (int)n, v);
}

/* Reads from fd into text until the nth event (from 1) that starts with head has come whole
 * (up to the blank line that ends it), or timeout_ms; the event, or NULL. */
static const char *ami_event_wait(int fd, char *text, size_t size, size_t *len, const char *head,
                                  unsigned nth, int timeout_ms)
{
  long long until = ctk_now_ms() + timeout_ms;
  for(;;) {
    const char *ev = strstr(text, head);
    unsigned ends = 0, k;
    const char *at;
    for(k = 1; ev && k < nth; k++)
      ev = strstr(ev + 1, head);
    if(ev && strstr(ev, "\r\n\r\n"))
      return ev;
    if(ctk_now_ms() >= until)
      return NULL;
    for(at = strstr(text, "\r\n\r\n"); at; at = strstr(at + 4, "\r\n\r\n"))
      ends++;
    text_wait(fd, text, size, len, "\r\n\r\n", ends + 1, 100);
  }
}

/* AMI and ESL clients, two of each, while one call talks and one waits: every client gets
 * the events it asked for (not only the first one connected), QueueStatus shows the busy
 * agent and the waiting caller with the same channel and unique id as that caller's events,
 * and bgapi makes job ids that count up. */
static void test_acd_net_ami_esl_clients_see_the_queue(void)
{
  static const char *const args[] = { "--agents", "1", "--cti", "ami,esl", "--ami-port", "0",
                                      "--esl-port", "0", "--linger-ms", "1000", "--control-port",
                                      "0", NULL };
  static char a1[65536], a2[65536], e1[65536], e2[65536];
  size_t a1_len = 0, a2_len = 0, e1_len = 0, e2_len = 0;
  const char *dir = ctk_test_tmpdir("acd-net-ami-esl");
  char tag[128], tag2[128], chan[160], uid[64], want[1024], cmd[256];
  const char *join, *entry;
  ctk_acd_proc acd;
  int fa1, fa2, fe1, fe2, fd;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_start(&acd, dir, args), 0);
  a1[0] = a2[0] = e1[0] = e2[0] = '\0';
  /* AMI: one client takes every class, one only system and call events */
  fa1 = ctk_test_connect(acd.ami_port, 5);
  fa2 = ctk_test_connect(acd.ami_port, 5);
  CU_ASSERT_FATAL(fa1 >= 0 && fa2 >= 0);
  snprintf(cmd, sizeof(cmd), "Action: Login\r\nUsername: ctk\r\nSecret: ctk12328\r\nEvents: on\r\n\r\n");
  CU_ASSERT_EQUAL(send(fa1, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
  CU_ASSERT_EQUAL(text_wait(fa1, a1, sizeof(a1), &a1_len, "Event: FullyBooted\r\n", 1, 3000), 1);
  snprintf(cmd, sizeof(cmd), "Action: Login\r\nUsername: ctk\r\nSecret: ctk12328\r\n"
           "Events: system,call\r\n\r\n");
  CU_ASSERT_EQUAL(send(fa2, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
  CU_ASSERT_EQUAL(text_wait(fa2, a2, sizeof(a2), &a2_len, "Event: FullyBooted\r\n", 1, 3000), 1);
  /* ESL: one client listens to everything, one to the new channels only */
  fe1 = ctk_test_connect(acd.esl_port, 5);
  fe2 = ctk_test_connect(acd.esl_port, 5);
  CU_ASSERT_FATAL(fe1 >= 0 && fe2 >= 0);
  snprintf(cmd, sizeof(cmd), "auth %s\n\nevent plain ALL\n\n", CTK_ESL_DEFAULT_PASSWORD);
  CU_ASSERT_EQUAL(send(fe1, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
  CU_ASSERT_EQUAL(text_wait(fe1, e1, sizeof(e1), &e1_len, "+OK event listener enabled plain", 1, 3000), 1);
  snprintf(cmd, sizeof(cmd), "auth %s\n\nevent plain CHANNEL_CREATE\n\n", CTK_ESL_DEFAULT_PASSWORD);
  CU_ASSERT_EQUAL(send(fe2, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
  CU_ASSERT_EQUAL(text_wait(fe2, e2, sizeof(e2), &e2_len, "+OK event listener enabled plain", 1, 3000), 1);
  /* a job without a Job-UUID of its own gets one: a UUID whose last group counts the jobs */
  snprintf(cmd, sizeof(cmd), "bgapi status\n\nbgapi status\n\n");
  CU_ASSERT_EQUAL(send(fe1, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
  CU_ASSERT_EQUAL(text_wait(fe1, e1, sizeof(e1), &e1_len, "Reply-Text: +OK Job-UUID: ", 2, 3000), 2);
  {
    const char *job = strstr(e1, "Reply-Text: +OK Job-UUID: ");
    char id[64];
    line_value(job, "Job-UUID: ", "\n", id, sizeof(id));
    CU_ASSERT_EQUAL(strlen(id), 36);
    CU_ASSERT_STRING_EQUAL(id + 8, "-0003-4000-8000-000000000001");
    line_value(job ? strstr(job + 1, "Reply-Text: +OK Job-UUID: ") : NULL, "Job-UUID: ", "\n", id,
               sizeof(id));
    CU_ASSERT_EQUAL(strlen(id), 36);
    CU_ASSERT_STRING_EQUAL(id + 8, "-0003-4000-8000-000000000002");
  }

  /* one call talks to the only agent, a second waits in the queue */
  fd = udp_client();
  CU_ASSERT_FATAL(fd >= 0);
  udp_answered_call(fd, acd.sip_port, "amiesl1", tag, sizeof(tag));
  udp_send_req(fd, acd.sip_port, "INVITE", "amiesl2", 1, NULL);
  CU_ASSERT_EQUAL(udp_recv_status(fd, NULL, 0), 100);
  CU_ASSERT_EQUAL(udp_recv_status(fd, NULL, 0), 180);
  join = ami_event_wait(fa1, a1, sizeof(a1), &a1_len, "Event: QueueCallerJoin\r\n", 2, 3000);
  CU_ASSERT_PTR_NOT_NULL(join);
  CU_ASSERT_PTR_NOT_NULL(join ? strstr(join, "\r\nChanVariable: SIPCALLID=amiesl2\r\n") : NULL);
  /* the call-only client saw both channels, and no agent-class event */
  CU_ASSERT_EQUAL(text_wait(fa2, a2, sizeof(a2), &a2_len, "Event: Newchannel\r\n", 2, 3000), 2);
  CU_ASSERT_PTR_NULL(strstr(a2, "Event: QueueCallerJoin\r\n"));
  CU_ASSERT_PTR_NULL(strstr(a2, "Event: AgentConnect\r\n"));
  /* both ESL clients saw both new channels */
  CU_ASSERT_EQUAL(text_wait(fe1, e1, sizeof(e1), &e1_len, "Event-Name: CHANNEL_CREATE\n", 2, 3000), 2);
  CU_ASSERT_EQUAL(text_wait(fe2, e2, sizeof(e2), &e2_len, "Event-Name: CHANNEL_CREATE\n", 2, 3000), 2);

  /* QueueStatus: every field of the busy agent and of the waiting caller; the caller's channel
   * and unique id are those of its QueueCallerJoin */
  line_value(join, "\r\nChannel: ", "\r\n", chan, sizeof(chan));
  line_value(join, "\r\nUniqueid: ", "\r\n", uid, sizeof(uid));
  CU_ASSERT_STRING_EQUAL(chan, "SIP/13800000000-00000003");
  CU_ASSERT(strlen(uid) > 2 && !strcmp(uid + strlen(uid) - 2, ".3"));
  snprintf(cmd, sizeof(cmd), "Action: QueueStatus\r\nActionID: qs9\r\n\r\n");
  CU_ASSERT_EQUAL(send(fa1, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
  CU_ASSERT_EQUAL(text_wait(fa1, a1, sizeof(a1), &a1_len, "Event: QueueStatusComplete\r\nActionID: qs9\r\n", 1, 3000), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(a1, "Event: QueueMember\r\nQueue: " CTK_ACD_QUEUE_NAME "\r\nName: A01\r\n"
                                    "Location: SIP/A01\r\nStateInterface: SIP/A01\r\n"
                                    "Membership: static\r\nPenalty: 0\r\nCallsTaken: 1\r\n"
                                    "LastCall: 0\r\nLastPause: 0\r\nInCall: 1\r\nStatus: 2\r\n"
                                    "Paused: 0\r\nPausedReason: \r\nWrapuptime: 0\r\nActionID: qs9\r\n\r\n"));
  snprintf(want, sizeof(want), "Event: QueueEntry\r\nQueue: " CTK_ACD_QUEUE_NAME "\r\nPosition: 1\r\n"
           "Channel: %s\r\nUniqueid: %s\r\nCallerIDNum: 13800000000\r\nCallerIDName: <unknown>\r\n"
           "ConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nWait: ", chan, uid);
  /* not _FATAL from here on: a failed check must still stop the simulator */
  entry = strstr(a1, want);
  CU_ASSERT_PTR_NOT_NULL(entry);
  if(entry) {
    static const char rest[] = "\r\nPriority: 0\r\nActionID: qs9\r\n\r\n";
    entry += strlen(want);
    entry += strspn(entry, "0123456789"); /* whole seconds waited so far */
    CU_ASSERT_EQUAL(strncmp(entry, rest, sizeof(rest) - 1), 0);
  }
  CU_ASSERT_PTR_NOT_NULL(strstr(a1, "ActionID: qs9\r\nEventList: Complete\r\nListItems: 3\r\n"));

  /* the agent's phone now rings long; the talking caller hangs up and the waiting one is put
   * through to the agent, who is ringing: QueueStatus says so, with the call taken before */
  CU_ASSERT_EQUAL(ctk_acd_test_steer(&acd, "{\"ring_ms\":60000}"), 200);
  udp_send_req(fd, acd.sip_port, "BYE", "amiesl1", 2, tag);
  CU_ASSERT_EQUAL(udp_recv_status(fd, NULL, 0), 200);
  CU_ASSERT_PTR_NOT_NULL(ami_event_wait(fa1, a1, sizeof(a1), &a1_len, "Event: AgentCalled\r\n", 2, 3000));
  snprintf(cmd, sizeof(cmd), "Action: QueueStatus\r\nActionID: qs10\r\n\r\n");
  CU_ASSERT_EQUAL(send(fa1, cmd, strlen(cmd), MSG_NOSIGNAL), (ssize_t)strlen(cmd));
  CU_ASSERT_EQUAL(text_wait(fa1, a1, sizeof(a1), &a1_len, "Event: QueueStatusComplete\r\nActionID: qs10\r\n", 1, 3000), 1);
  entry = strstr(a1, "\r\nActionID: qs10\r\n");
  entry = entry ? strstr(entry, "Event: QueueMember\r\n") : NULL;
  CU_ASSERT_PTR_NOT_NULL(entry);
  if(entry) {
    CU_ASSERT_PTR_NOT_NULL(strstr(entry, "\r\nCallsTaken: 1\r\nLastCall: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(entry, "\r\nLastPause: 0\r\nInCall: 0\r\nStatus: 6\r\nPaused: 0\r\n"));
    CU_ASSERT_PTR_NULL(strstr(entry, "Event: QueueEntry\r\n")); /* nobody waits any more */
  }
  /* the caller gives up while the agent's phone rings */
  udp_send_req(fd, acd.sip_port, "CANCEL", "amiesl2", 1, NULL);
  {
    int k, st, got487 = 0;
    for(k = 0; k < 4 && !got487; k++) { /* 180 again for the agent's ringing, 200 for the CANCEL */
      st = udp_recv_status(fd, tag2, sizeof(tag2));
      got487 = st == 487;
      CU_ASSERT(st == 180 || st == 200 || st == 487);
    }
    CU_ASSERT(got487);
  }
  udp_send_req(fd, acd.sip_port, "ACK", "amiesl2", 1, tag2);
  CU_ASSERT_EQUAL(text_wait(fa2, a2, sizeof(a2), &a2_len, "Event: Hangup\r\n", 2, 3000), 2);
  close(fd);
  close(fa1);
  close(fa2);
  close(fe1);
  close(fe2);
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
}

/* ---------- the webhook sender and the CTI hub, in process ---------- */

/* One answered call's event, as the engine makes it. */
static ctk_acd_event hook_event(void)
{
  ctk_acd_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = CTK_ACD_EV_ANSWERED;
  ev.call_id = "hook-1@127.0.0.1";
  ev.caller = "13800000000";
  ev.called = "12328";
  ev.agent = "A01";
  ev.wall_ms = 1795928400000LL;
  ev.cause = "newCall";
  ev.answered = 1;
  return ev;
}

/* Waits (at most 10 s) until w has sent or failed n events; returns the counts then. */
static ctk_acd_webhook_counts hook_wait(ctk_acd_webhook *w, unsigned long n)
{
  ctk_acd_webhook_counts c;
  long long until = ctk_now_ms() + 10000;
  for(;;) {
    ctk_acd_webhook_counts_get(w, &c);
    if(c.sent + c.failed >= n || ctk_now_ms() > until)
      return c;
    usleep(10000);
  }
}

/* An event accepted by the receiver (2xx) is counted sent after one POST. */
static void test_acd_webhook_counts_delivery(void)
{
  hook_box box;
  size_t i;
  ctk_http_server_config hc;
  ctk_http_server *srv = NULL;
  ctk_acd_webhook *w = NULL;
  ctk_acd_webhook_counts c;
  ctk_acd_event ev = hook_event();
  char url[128];

  memset(&box, 0, sizeof(box));
  pthread_mutex_init(&box.lock, NULL);
  memset(&hc, 0, sizeof(hc));
  CU_ASSERT_EQUAL_FATAL(ctk_http_server_start(&hc, hook_handler, &box, &srv), CTK_E_OK);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/cti", ctk_http_server_port(srv));
  CU_ASSERT_EQUAL_FATAL(ctk_acd_webhook_start(url, 8, 2000, &w), CTK_E_OK);
  ctk_acd_webhook_on_event(w, &ev);
  c = hook_wait(w, 1);
  CU_ASSERT_EQUAL(c.queued, 1);
  CU_ASSERT_EQUAL(c.sent, 1);
  CU_ASSERT_EQUAL(c.failed, 0);
  ctk_acd_webhook_stop(w, 1000);
  ctk_http_server_stop(srv);
  CU_ASSERT_EQUAL(box.n, 1);
  for(i = 0; i < box.n; i++)
    free(box.bodies[i]);
  pthread_mutex_destroy(&box.lock);
}

/* A receiver that takes the connection but never answers: each POST gives up after the
 * webhook's timeout (here 200 ms, not the 10 s default of an HTTP call), the event is counted
 * failed, and the first failure is logged with the URL. */
static void test_acd_webhook_timeout_and_failure_log(void)
{
  ctk_acd_webhook *w = NULL;
  ctk_acd_webhook_counts c;
  ctk_acd_event ev = hook_event();
  ctk_log_level level = ctk_log_get_level();
  char url[128], path[600], *log;
  int port = 0, lfd, saved;
  FILE *f;

  lfd = ctk_test_listen(16, &port);
  CU_ASSERT_FATAL(lfd >= 0);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/silent", port);
  snprintf(path, sizeof(path), "%s/stderr.txt", ctk_test_tmpdir("acd-webhook-log"));
  f = fopen(path, "w+");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fflush(stderr);
  saved = dup(STDERR_FILENO);
  dup2(fileno(f), STDERR_FILENO);
  ctk_log_set_level(CTK_LOG_WARN);
  CU_ASSERT_EQUAL(ctk_acd_webhook_start(url, 8, 200, &w), CTK_E_OK);
  if(w) {
    ctk_acd_webhook_on_event(w, &ev);
    c = hook_wait(w, 1);
    CU_ASSERT_EQUAL(c.failed, 1);
    CU_ASSERT_EQUAL(c.sent, 0);
  }
  close(lfd);                                  /* whatever still waits ends at once */
  ctk_acd_webhook_stop(w, 0);
  ctk_log_set_level(level);
  dup2(saved, STDERR_FILENO);
  close(saved);
  fclose(f);
  log = ctk_test_read_file(path, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(log);
  CU_ASSERT_PTR_NOT_NULL(strstr(log, "failed (1 so far)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log, url));
  free(log);
}

/* Freeing the hub stops its families: their ports are closed. */
static void test_acd_cti_hub_free_closes_ports(void)
{
  static const char *const families[] = { "csta", "ami" };
  ctk_acd_cti_hub *hub = NULL;
  int ports[2], i, fd;

  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_hub(&hub, families, 2), 0);
  for(i = 0; i < 2; i++) {
    const ctk_acd_cti_plugin *p;
    p = ctk_acd_cti_hub_find(hub, families[i]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    ports[i] = ctk_acd_cti_link_port(p);
    CU_ASSERT(ports[i] > 0);
    fd = ctk_test_connect(ports[i], 5);
    CU_ASSERT(fd >= 0);
    if(fd >= 0)
      close(fd);
  }
  ctk_acd_cti_hub_free(hub);
  for(i = 0; i < 2; i++) {
    fd = ctk_test_connect(ports[i], 5);
    CU_ASSERT(fd < 0 && errno == ECONNREFUSED);
    if(fd >= 0)
      close(fd);
  }
}

/* SIP over TCP: several messages on one connection, a second connection after the first has
 * closed, and the BYE for a caller whose connection is gone goes nowhere: not to the connection
 * that took its slot. A send that worked is never logged as failed. */
static void test_acd_net_sip_over_tcp(void)
{
  static const char *const args[] = { "--agents", "2", "--talk", "fixed:1000", NULL };
  const char *dir = ctk_test_tmpdir("acd-tcp");
  ctk_acd_proc acd;
  tcp_sip a, b;
  char tag[128] = "", failed[128];
  char *log;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_start(&acd, dir, args), 0);
  CU_ASSERT_FATAL(tcp_sip_open(&a, acd.sip_port) >= 0);
  if(tcp_whole_call(&a, acd.sip_port, "tcp1")) {
    close(a.fd);
    ctk_acd_test_stop(&acd);
    return;
  }
  /* a call left in talk when its caller's connection goes away */
  tcp_send_req(&a, acd.sip_port, "INVITE", "tcp2", 1, NULL);
  CU_ASSERT_EQUAL(tcp_recv_status(&a, NULL, 0), 100);
  CU_ASSERT_EQUAL(tcp_recv_status(&a, NULL, 0), 180);
  CU_ASSERT_EQUAL(tcp_recv_status(&a, tag, sizeof(tag)), 200);
  tcp_send_req(&a, acd.sip_port, "ACK", "tcp2", 1, tag);
  usleep(100000);
  close(a.fd);
  usleep(300000); /* the simulator sees the close before the next connection comes */
  CU_ASSERT_FATAL(tcp_sip_open(&b, acd.sip_port) >= 0);
  if(tcp_whole_call(&b, acd.sip_port, "tcp3")) {
    close(b.fd);
    ctk_acd_test_stop(&acd);
    return;
  }
  /* tcp2's talk time ends: its BYE has nowhere to go, and the simulator says so */
  snprintf(failed, sizeof(failed), "send failed: %s", ctk_strerror(CTK_E_NOTFOUND));
  CU_ASSERT(log_wait(&acd, failed, 5000));
  CU_ASSERT_FALSE(tcp_next(&b, 200));
  close(b.fd);
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
  log = ctk_test_read_file(acd.log_path, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(log);
  snprintf(failed, sizeof(failed), "send failed: %s", ctk_strerror(CTK_E_IO));
  CU_ASSERT_PTR_NULL(strstr(log, failed));
  free(log);
}

/* About 4.6 MB of answers: more than the simulator's socket send buffer takes (at most the
 * net.ipv4.tcp_wmem maximum, 4 MiB by default, about 3 MB of it data), less than the 4 MiB it
 * keeps queued per connection on top. */
#define SLOW_READER_REQS 15000

/* A TCP caller that sends a burst and reads its answers late: the answers pile up beyond what
 * the socket takes at once (the client's receive buffer is kept small), so the simulator
 * writes them in pieces from its queue. Every answer must still come whole and in order:
 * 200 to OPTIONS number 1, 2, 3... */
static void test_acd_net_tcp_answers_a_slow_reader(void)
{
  static const char *const args[] = { "--agents", "1", NULL };
  const char *dir = ctk_test_tmpdir("acd-slow");
  ctk_acd_proc acd;
  struct sockaddr_in sa;
  tcp_sip t;
  char *burst;
  size_t cap = (size_t)SLOW_READER_REQS * 1024, len = 0, sent = 0;
  int small = 4096, i, me, udp, waited, probed = 1;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_start(&acd, dir, args), 0);
  memset(&t, 0, sizeof(t));
  t.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CU_ASSERT_FATAL(t.fd >= 0);
  setsockopt(t.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)acd.sip_port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CU_ASSERT_EQUAL_FATAL(connect(t.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  me = local_port(t.fd);
  burst = malloc(cap);
  CU_ASSERT_PTR_NOT_NULL_FATAL(burst);
  for(i = 1; i <= SLOW_READER_REQS; i++)
    len += (size_t)sip_req(burst + len, cap - len, "TCP", me, acd.sip_port, "OPTIONS", "slow", i,
                           NULL);
  /* all of it before reading anything; the simulator reads on while its answers wait (a
   * simulator that stops reading stops the sending here within 2 s) */
  while(sent < len) {
    struct pollfd p;
    ssize_t w;
    p.fd = t.fd;
    p.events = POLLOUT;
    if(poll(&p, 1, 2000) != 1)
      break;
    w = send(t.fd, burst + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if(w < 0 && errno != EAGAIN && errno != EINTR)
      break;
    if(w > 0)
      sent += (size_t)w;
  }
  CU_ASSERT_EQUAL(sent, len);
  free(burst);
  if(sent != len) {              /* it stopped reading: no answer will come either */
    close(t.fd);
    ctk_acd_test_stop(&acd);
    return;
  }
  /* Read nothing until the simulator has answered the whole burst. Once our send queue is
   * empty its kernel holds every request; it reads a readable connection to the end in the
   * poll turn that sees it, after the UDP socket: so when a UDP OPTIONS sent after that has
   * been answered, and a second one sent after the first answer is answered too, every answer
   * of the burst is written or queued. */
  for(waited = 0; waited < 5000; waited += 10) {
    int queued = -1;
    if(ioctl(t.fd, SIOCOUTQ, &queued) == 0 && queued == 0)
      break;
    usleep(10000);
  }
  udp = udp_client();
  CU_ASSERT_FATAL(udp >= 0);
  for(i = 1; i <= 2 && probed; i++) {
    udp_send_req(udp, acd.sip_port, "OPTIONS", "slow-probe", i, NULL);
    if(udp_recv_status(udp, NULL, 0) != 200) {
      CU_FAIL("no answer to an OPTIONS over UDP");
      probed = 0;                /* and none to wait for on TCP either */
    }
  }
  close(udp);
  for(i = 1; probed && i <= SLOW_READER_REQS; i++) {
    char cseq[64];
    snprintf(cseq, sizeof(cseq), "\r\nCSeq: %d OPTIONS\r\n", i);
    if(!tcp_next(&t, 3000) || sip_status_of(t.last, NULL, 0) != 200 || !strstr(t.last, cseq)) {
      CU_FAIL("an answer to the burst came broken, out of order or not at all");
      fprintf(stderr, "\n  answer %d of %d: %.200s\n", i, SLOW_READER_REQS, t.last);
      break;
    }
  }
  if(probed && i > SLOW_READER_REQS)
    CU_ASSERT_FALSE(tcp_next(&t, 100));        /* nothing after the last answer */
  close(t.fd);
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
}

/* POST to the control port; returns the HTTP status, the body copied to out. */
static long control_post(int port, const char *body, char *out, size_t size)
{
  ctk_http_client *client = ctk_http_client_new();
  ctk_http_call call;
  ctk_http_reply reply;
  char url[128];
  long status = 0;

  if(!client)
    return 0;
  memset(&call, 0, sizeof(call));
  memset(&reply, 0, sizeof(reply));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/control", port);
  call.url = url;
  call.content_type = "application/json";
  call.body = body;
  call.body_len = body ? strlen(body) : 0;
  ctk_buf_init(&reply.body, 65536);
  if((body ? ctk_http_post(client, &call, &reply) : ctk_http_get(client, &call, &reply)) == CTK_E_OK)
    status = reply.status;
  snprintf(out, size, "%s", ctk_buf_str(&reply.body));
  ctk_buf_free(&reply.body);
  ctk_http_client_free(client);
  return status;
}

/* A bodiless request (request line only) to the control port. */
static void control_raw(int port, const char *request_line, ctk_wire_answer *a)
{
  char head[512];
  snprintf(head, sizeof(head), "%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
           request_line);
  ctk_wire_answer_init(a);
  ctk_wire_send(port, head, strlen(head), NULL, 0, 0, NULL, 0, a);
}

static void test_acd_net_steered_by_control(void)
{
  const char *dir = ctk_test_tmpdir("acd-steer");
  ctk_acd_proc acd;
  char body[1024], tag[128];
  int fd;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  {
    const char *args[] = { "--agents", "1", "--control-port", "0", "--linger-ms", "1000", NULL };
    CU_ASSERT_EQUAL_FATAL(ctk_acd_test_start(&acd, dir, args), 0);
  }
  fd = udp_client();
  CU_ASSERT_FATAL(fd >= 0);
  /* out of service: no agent, no queue, 503 */
  CU_ASSERT_EQUAL(control_post(acd.control_port, "{\"agents\":0,\"queue_limit\":0,\"busy_code\":503}",
                               body, sizeof(body)), 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"agents\":0"));
  udp_send_req(fd, acd.sip_port, "INVITE", "st1", 1, NULL);
  if(udp_recv_status(fd, NULL, 0) != 100) {
    CU_FAIL("no 100 Trying to an INVITE over UDP");
    close(fd);
    ctk_acd_test_stop(&acd);
    return;
  }
  CU_ASSERT_EQUAL(udp_recv_status(fd, tag, sizeof(tag)), 503);
  udp_send_req(fd, acd.sip_port, "ACK", "st1", 1, tag);
  /* back in service: the change is in effect when the POST returns */
  CU_ASSERT_EQUAL(control_post(acd.control_port, "{\"agents\":1,\"queue_limit\":5}", body, sizeof(body)), 200);
  if(udp_answered_call(fd, acd.sip_port, "st2", tag, sizeof(tag))) {
    close(fd);
    ctk_acd_test_stop(&acd);
    return;
  }
  udp_send_req(fd, acd.sip_port, "BYE", "st2", 2, tag);
  CU_ASSERT_EQUAL(udp_recv_status(fd, NULL, 0), 200);
  close(fd);
  /* bad requests get a reason and change nothing */
  CU_ASSERT_EQUAL(control_post(acd.control_port, "{\"agents\":\"many\"}", body, sizeof(body)), 400);
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "agents"));
  CU_ASSERT_EQUAL(control_post(acd.control_port, "not json", body, sizeof(body)), 400);
  CU_ASSERT_EQUAL(control_post(acd.control_port, NULL, body, sizeof(body)), 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"agents\":1"));
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"busy_code\":503"));
  {
    /* RFC 9110 15.5.6: a 405 names the methods in Allow; HEAD (9.3.2) and OPTIONS (9.3.7)
     * work on the GET resources (issue 18, point 3) */
    ctk_wire_answer a;
    char allow[128];
    control_raw(acd.control_port, "DELETE /control", &a);
    CU_ASSERT_EQUAL(a.status, 405);
    ctk_wire_header(&a, "Allow", allow, sizeof(allow));
    CU_ASSERT_STRING_EQUAL(allow, "GET, POST, HEAD, OPTIONS");
    ctk_wire_answer_free(&a);
    control_raw(acd.control_port, "HEAD /stats", &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_EQUAL(a.body.len, 0);
    ctk_wire_answer_free(&a);
    control_raw(acd.control_port, "OPTIONS /stats", &a);
    CU_ASSERT_EQUAL(a.status, 200);
    ctk_wire_header(&a, "Allow", allow, sizeof(allow));
    CU_ASSERT_STRING_EQUAL(allow, "GET, HEAD, OPTIONS");
    ctk_wire_answer_free(&a);
  }
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
}

static void test_acd_net_bad_options_are_refused(void)
{
  char *a1[] = { "acd", "--agents", "lots", NULL };
  char *a2[] = { "acd", "--talk", "gaussian:5", NULL };
  char *a3[] = { "acd", "--busy-code", "404", NULL };
  char *a4[] = { "acd", "--no-such-option", NULL };
  char *a5[] = { "acd", "--webhook", "ftp://x/", "--port", "0", NULL };
  CU_ASSERT_EQUAL(ctk_cmd_sim_acd(3, a1), 3);
  CU_ASSERT_EQUAL(ctk_cmd_sim_acd(3, a2), 3);
  CU_ASSERT_EQUAL(ctk_cmd_sim_acd(3, a3), 3);
  CU_ASSERT_EQUAL(ctk_cmd_sim_acd(2, a4), 3);
  CU_ASSERT_EQUAL(ctk_cmd_sim_acd(5, a5), 3);
  {
    /* an AMI user name longer than the link keeps: refused with the reason, not cut short */
    char cmd[1024], user[301];
    char *out = NULL;
    memset(user, 'u', sizeof(user) - 1);
    user[sizeof(user) - 1] = '\0';
    snprintf(cmd, sizeof(cmd), "'%s' sim acd --port 0 --cti ami --ami-port 0 --ami-user %s "
             "--duration 1 2>&1", ctk_test_ctk_bin(), user);
    CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 2);
    CU_ASSERT_PTR_NOT_NULL(out);
    if(out) {
      CU_ASSERT_PTR_NOT_NULL(strstr(out, "cannot serve ami"));
      CU_ASSERT_PTR_NOT_NULL(strstr(out, "size limit"));
      free(out);
    }
  }
}

static void test_load_without_sipp_names_the_package(void)
{
  char cmd[1024];
  char *out = NULL;
  int rc;
  snprintf(cmd, sizeof(cmd), "PATH=/nonexistent '%s' load calls --target 127.0.0.1:5060 -m 1 2>&1",
           ctk_test_ctk_bin());
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 2);
  CU_ASSERT_PTR_NOT_NULL(out);
  if(out) {
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "SIPp"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "sip-tester"));
    free(out);
  }
  /* a remote target needs --allow-remote */
  snprintf(cmd, sizeof(cmd), "'%s' load calls --target 192.0.2.1:5060 -m 1 2>&1", ctk_test_ctk_bin());
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 3);
  if(out) {
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "127.0.0.0/8"));
    free(out);
  }
}

/* Out of file descriptors: the SIP sockets cannot be made, and the error names that cause. */
static void test_acd_net_sip_without_descriptors(void)
{
  const char *dir = ctk_test_tmpdir("acd-emfile");
  char path[600];
  pid_t pid;
  int status = -1;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/stderr.txt", dir);
  pid = fork();
  CU_ASSERT_FATAL(pid >= 0);
  if(pid == 0) {
    struct rlimit lim;
    ctk_acd_sip *sip = NULL;
    int err = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int next;
    if(err < 0 || dup2(err, STDERR_FILENO) < 0)
      _exit(3);
    close(err);
    next = dup(STDERR_FILENO); /* the lowest free descriptor: none from it on */
    if(next < 0)
      _exit(3);
    close(next);
    lim.rlim_cur = (rlim_t)next;
    lim.rlim_max = (rlim_t)next;
    if(setrlimit(RLIMIT_NOFILE, &lim))
      _exit(3);
    _exit(ctk_acd_sip_new("127.0.0.1", 0, &sip) == CTK_E_IO ? 0 : 1);
  }
  CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
  CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  {
    char *text = ctk_test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(text);
    if(text) {
      CU_ASSERT_PTR_NOT_NULL(strstr(text, "cannot bind SIP UDP+TCP"));
      CU_ASSERT_PTR_NOT_NULL(strstr(text, strerror(EMFILE)));
      free(text);
    }
  }
}

/* The binding the SIP and CSTA listeners share: UDP and TCP on one picked port, a port in use
 * and a wrong address refused with a code. */
static void test_acd_net_sock_bind(void)
{
  int tcp = -1, udp, other, port = 0, again = 0;

  CU_ASSERT_EQUAL_FATAL(ctk_sock_listen("127.0.0.1", 0, 4, 1, &tcp, &port), CTK_E_OK);
  CU_ASSERT(port > 0 && port < 65536);
  udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CU_ASSERT_FATAL(udp >= 0);
  CU_ASSERT_EQUAL(ctk_sock_bind(udp, "127.0.0.1", port, &again), CTK_E_OK);
  CU_ASSERT_EQUAL(again, port);
  CU_ASSERT_EQUAL(ctk_sock_listen("127.0.0.1", port, 4, 0, &other, NULL), CTK_E_IO);
  CU_ASSERT_EQUAL(other, -1);
  CU_ASSERT_EQUAL(ctk_sock_listen("localhost", 0, 4, 0, &other, NULL), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_sock_listen("127.0.0.1", 65536, 4, 0, &other, NULL), CTK_E_INVAL);
  close(udp);
  close(tcp);
}

void ctk_test_add_acd_net(CU_pSuite s)
{
  CTK_TEST(s, test_acd_net_sock_bind);
  CTK_TEST(s, test_acd_webhook_counts_delivery);
  CTK_TEST(s, test_acd_webhook_timeout_and_failure_log);
  CTK_TEST(s, test_acd_cti_hub_free_closes_ports);
  CTK_TEST(s, test_acd_net_call_events_everywhere);
  CTK_TEST(s, test_acd_net_ami_esl_clients_see_the_queue);
  CTK_TEST(s, test_acd_net_sip_over_tcp);
  CTK_TEST(s, test_acd_net_tcp_answers_a_slow_reader);
  CTK_TEST(s, test_acd_net_sip_without_descriptors);
  CTK_TEST(s, test_acd_net_steered_by_control);
  CTK_TEST(s, test_acd_net_bad_options_are_refused);
  CTK_TEST(s, test_load_without_sipp_names_the_package);
}
