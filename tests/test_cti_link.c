/* test_cti_link: the CTI links of `ctk sim acd` (CSTA, AMI, ESL) against bad and greedy clients:
 * every malformed request is answered with the protocol's own error, credentials are checked,
 * clients are bounded in number, login time, idle time and request size, and garbage on any
 * port leaves the simulator serving. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acd/ctk_acd_csta.h"
#include "acd_testlib.h"
#include "ctk_buf.h"
#include "ctk_proc.h"
#include "ctk_test.h"

/* What a raw client read: text so far and whether the server closed. */
typedef struct link_read {
  char text[65536];
  size_t len;
  int closed;
} link_read;

/* Reads until needle shows (or the server closes, or timeout_ms); 1 when needle was seen. */
static int link_wait(int fd, link_read *r, const char *needle, int timeout_ms)
{
  long long until = ctk_now_ms() + timeout_ms;
  for(;;) {
    struct pollfd p;
    long long left;
    ssize_t n;
    if(needle && memmem(r->text, r->len, needle, strlen(needle)))
      return 1;
    left = until - ctk_now_ms();
    if(r->closed || left <= 0 || r->len + 1 >= sizeof(r->text))
      return 0;
    p.fd = fd;
    p.events = POLLIN;
    if(poll(&p, 1, (int)left) != 1)
      return 0;
    n = recv(fd, r->text + r->len, sizeof(r->text) - 1 - r->len, 0);
    if(n <= 0) {
      r->closed = 1;
      continue;
    }
    r->len += (size_t)n;
    r->text[r->len] = '\0';
  }
}

/* Waits until the server closes fd (everything it still sends is read); 1 when it did. */
static int link_closed(int fd, link_read *r, int timeout_ms)
{
  link_wait(fd, r, NULL, timeout_ms);
  return r->closed;
}

/* How often needle occurs in what was read. */
static unsigned link_count(const link_read *r, const char *needle)
{
  unsigned n = 0;
  const char *at = r->text;
  while((at = memmem(at, r->len - (size_t)(at - r->text), needle, strlen(needle))) != NULL) {
    n++;
    at += strlen(needle);
  }
  return n;
}

static void link_send(int fd, const char *text)
{
  CU_ASSERT_EQUAL(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

static int link_connect(int port, link_read *r)
{
  int fd = ctk_test_connect(port, 5);
  memset(r, 0, sizeof(*r));
  return fd;
}

static void link_start(ctk_acd_proc *acd, const char *name, const char *const *args)
{
  const char *dir = ctk_test_tmpdir(name);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_start(acd, dir, args), 0);
}

/* ---------- AMI ---------- */

static void test_cti_link_ami_answers_errors(void)
{
  static const char *const args[] = { "--cti", "ami", "--ami-port", "0", "--ami-user", "city",
                                      "--ami-secret", "pw", NULL };
  ctk_acd_proc acd;
  link_read r;
  char big[20000];
  int fd;

  link_start(&acd, "cti-link-ami", args);
  fd = link_connect(acd.ami_port, &r);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT(link_wait(fd, &r, "Asterisk Call Manager/", 3000));
  /* nothing but Login before logging in, and the ActionID comes back */
  link_send(fd, "Action: QueueStatus\r\nActionID: q7\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "Response: Error\r\nActionID: q7\r\nMessage: Permission denied\r\n\r\n", 3000));
  link_send(fd, "Action: Login\r\nUsername: city\r\nSecret: wrong\r\nActionID: l1\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "ActionID: l1\r\nMessage: Authentication failed", 3000));
  CU_ASSERT(link_closed(fd, &r, 3000)); /* as Asterisk does after a failed login */
  close(fd);

  fd = link_connect(acd.ami_port, &r);
  CU_ASSERT_FATAL(fd >= 0);
  link_send(fd, "action: login\r\nusername: city\r\nsecret: pw\r\nactionid: l2\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "Response: Success\r\nActionID: l2\r\nMessage: Authentication accepted", 3000));
  link_send(fd, "A line without a colon\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "Message: Malformed header line", 3000));
  link_send(fd, "ActionID: m1\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "ActionID: m1\r\nMessage: Missing action in request", 3000));
  link_send(fd, "Action: Originate\r\nActionID: o1\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "ActionID: o1\r\nMessage: Invalid/unknown command", 3000));
  /* the members of the queue: every agent logged in */
  link_send(fd, "Action: QueueStatus\r\nActionID: qs\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "Event: QueueStatusComplete\r\nActionID: qs\r\n", 3000));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "Event: QueueMember\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "Name: A01\r\nLocation: SIP/A01\r\n"));
  /* a CR inside a value cannot end a line of the answer: it comes back as a space */
  link_send(fd, "Action: Ping\r\nActionID: p\r1\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "ActionID: p 1\r\n", 3000));
  link_send(fd, "Action: QueueSummary\r\nActionID: s1\r\nQueue: 99999\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "Event: QueueSummaryComplete\r\nActionID: s1\r\nEventList: Complete\r\nListItems: 0", 3000));
  /* one message larger than the limit: an error, then the link closes */
  memset(big, 'X', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  link_send(fd, "Action: Ping\r\nX-Long: ");
  link_send(fd, big);
  CU_ASSERT(link_wait(fd, &r, "Message: Message too long", 3000));
  CU_ASSERT(link_closed(fd, &r, 3000));
  close(fd);

  fd = link_connect(acd.ami_port, &r);
  CU_ASSERT_FATAL(fd >= 0);
  link_send(fd, "Action: Logoff\r\nActionID: bye\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "Response: Goodbye\r\nActionID: bye", 3000));
  CU_ASSERT(link_closed(fd, &r, 3000));
  close(fd);
  /* a client still connected at the end: a clean stop all the same */
  fd = link_connect(acd.ami_port, &r);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT(link_wait(fd, &r, "Asterisk Call Manager/", 3000));
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
  close(fd);
}

/* ---------- ESL ---------- */

static void test_cti_link_esl_answers_errors(void)
{
  static const char *const args[] = { "--cti", "esl", "--esl-port", "0", "--esl-password",
                                      "pw", NULL };
  ctk_acd_proc acd;
  link_read r;
  char big[20000];
  int fd;

  link_start(&acd, "cti-link-esl", args);
  fd = link_connect(acd.esl_port, &r);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT(link_wait(fd, &r, "Content-Type: auth/request\n\n", 3000));
  link_send(fd, "api status\n\n");
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: -ERR command not found\n\n", 3000));
  link_send(fd, "auth nope\n\n");
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: -ERR invalid\n\n", 3000));
  CU_ASSERT(link_wait(fd, &r, "Content-Type: text/disconnect-notice", 3000));
  CU_ASSERT(link_closed(fd, &r, 3000));
  close(fd);

  fd = link_connect(acd.esl_port, &r);
  CU_ASSERT_FATAL(fd >= 0);
  link_send(fd, "auth pw\r\n\r\n"); /* CRLF lines are read too */
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: +OK accepted\n\n", 3000));
  /* the Job-UUID header is found by its name, not by where its colon is */
  link_send(fd, "bgapi status\nX-Other1: zzz\nJob-UUID: my-job\n\n");
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: +OK Job-UUID: my-job\n", 3000));
  link_send(fd, "event xml ALL\n\n");
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: -ERR invalid format", 3000));
  link_send(fd, "event plain\n\n");
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: -ERR missing parameters", 3000));
  link_send(fd, "sendmsg 1234\ncall-command: hangup\n\n");
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: -ERR command not found\n\n", 3000));
  link_send(fd, "api originate sofia/x\n\n");
  CU_ASSERT(link_wait(fd, &r, "Content-Type: api/response\nContent-Length: 34\n\n-ERR originate Command not found!\n", 3000));
  link_send(fd, "api callcenter_config queue list members other@default\n\n");
  CU_ASSERT(link_wait(fd, &r, "-ERR Queue not found!\n", 3000));
  link_send(fd, "api callcenter_config queue count members 12328@default\n\n");
  CU_ASSERT(link_wait(fd, &r, "Content-Length: 2\n\n0\n", 3000));
  memset(big, 'X', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  link_send(fd, "api ");
  link_send(fd, big);
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: -ERR command too long", 3000));
  CU_ASSERT(link_closed(fd, &r, 3000));
  close(fd);

  fd = link_connect(acd.esl_port, &r);
  CU_ASSERT_FATAL(fd >= 0);
  link_send(fd, "exit\n\n");
  CU_ASSERT(link_wait(fd, &r, "Reply-Text: +OK bye\n\n", 3000));
  CU_ASSERT(link_closed(fd, &r, 3000));
  close(fd);
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
}

/* ---------- CSTA ---------- */

/* Sends one framed document. */
static void csta_send(int fd, unsigned invoke_id, const char *xml)
{
  ctk_buf frame;
  ctk_buf_init(&frame, CTK_CSTA_FRAME_MAX);
  CU_ASSERT_EQUAL(ctk_cti_csta_frame(&frame, invoke_id, xml, strlen(xml)), CTK_E_OK);
  CU_ASSERT_EQUAL(send(fd, frame.data, frame.len, MSG_NOSIGNAL), (ssize_t)frame.len);
  ctk_buf_free(&frame);
}

#define CSTA_DOC(body) "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" body

static void test_cti_link_csta_answers_errors(void)
{
  static const char *const args[] = { "--cti", "csta", "--cti-port", "0", NULL };
  ctk_acd_proc acd;
  link_read r;
  int fd;

  link_start(&acd, "cti-link-csta", args);
  fd = link_connect(acd.cti_port, &r);
  CU_ASSERT_FATAL(fd >= 0);
  csta_send(fd, 11, "this is not XML");
  CU_ASSERT(link_wait(fd, &r, "0011<?xml", 3000));
  CU_ASSERT(link_wait(fd, &r, "<operation>generic</operation>", 3000));
  csta_send(fd, 12, CSTA_DOC("<MonitorStart xmlns=\"" CTK_CSTA_NS "\"/>"));
  CU_ASSERT(link_wait(fd, &r, "<operation>invalidMonitorObject</operation>", 3000));
  csta_send(fd, 13, CSTA_DOC("<MonitorStop xmlns=\"" CTK_CSTA_NS "\"><monitorCrossRefID>77"
                             "</monitorCrossRefID></MonitorStop>"));
  CU_ASSERT(link_wait(fd, &r, "<operation>invalidMonitorCrossRefID</operation>", 3000));
  csta_send(fd, 14, CSTA_DOC("<MakeCall xmlns=\"" CTK_CSTA_NS "\"/>"));
  CU_ASSERT(link_wait(fd, &r, "<operation>requestIncompatibleWithObject</operation>", 3000));
  csta_send(fd, 15, CSTA_DOC("<SystemStatus xmlns=\"" CTK_CSTA_NS "\"><systemStatus>normal"
                             "</systemStatus></SystemStatus>"));
  CU_ASSERT(link_wait(fd, &r, "0015<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SystemStatusResponse", 3000));
  /* a monitor on the queue, then stopped with its own cross reference */
  csta_send(fd, 16, CSTA_DOC("<MonitorStart xmlns=\"" CTK_CSTA_NS "\"><monitorObject><deviceObject>"
                             "12328</deviceObject></monitorObject></MonitorStart>"));
  CU_ASSERT(link_wait(fd, &r, "<monitorCrossRefID>1</monitorCrossRefID></MonitorStartResponse>", 3000));
  csta_send(fd, 17, CSTA_DOC("<MonitorStop xmlns=\"" CTK_CSTA_NS "\"><monitorCrossRefID>1"
                             "</monitorCrossRefID></MonitorStop>"));
  CU_ASSERT(link_wait(fd, &r, "<MonitorStopResponse", 3000));
  /* every request was answered once: a handled frame is not read again with the next one */
  CU_ASSERT_EQUAL(link_count(&r, "0011<?xml"), 1);
  CU_ASSERT_EQUAL(link_count(&r, "<MonitorStartResponse"), 1);
  CU_ASSERT_EQUAL(link_count(&r, "<MonitorStopResponse"), 1);
  /* a header that is not ours: no way to find the next frame, so an error and the end */
  link_send(fd, "GET / HTTP/1.0\r\n\r\n");
  CU_ASSERT(link_wait(fd, &r, "0000<?xml", 3000));
  CU_ASSERT(link_closed(fd, &r, 3000));
  close(fd);
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
}

/* ---------- limits ---------- */

static void test_cti_link_clients_are_bounded(void)
{
  static const char *const args[] = { "--cti", "csta,ami,esl", "--cti-port", "0", "--ami-port",
                                      "0", "--esl-port", "0", "--cti-max-clients", "2",
                                      "--cti-login-s", "1", "--cti-idle-s", "2", NULL };
  ctk_acd_proc acd;
  link_read r1, r2, r3, r4;
  long long t0;
  int a, b, c, d;

  link_start(&acd, "cti-link-limits", args);
  /* two ESL clients are served; a third waits, unanswered, until one of them leaves */
  a = link_connect(acd.esl_port, &r1);
  b = link_connect(acd.esl_port, &r2);
  CU_ASSERT_FATAL(a >= 0 && b >= 0);
  CU_ASSERT(link_wait(a, &r1, "auth/request", 3000));
  CU_ASSERT(link_wait(b, &r2, "auth/request", 3000));
  c = link_connect(acd.esl_port, &r3);
  CU_ASSERT_FATAL(c >= 0);
  CU_ASSERT_FALSE(link_wait(c, &r3, "auth/request", 400));
  close(a);
  CU_ASSERT(link_wait(c, &r3, "auth/request", 3000));
  /* b never authenticates: dropped after the login time (1 s), though it keeps sending a
   * part of a command line and so is never idle */
  t0 = ctk_now_ms();
  while(!r2.closed && ctk_now_ms() - t0 < 4000) {
    if(send(b, "x", 1, MSG_NOSIGNAL) != 1)
      break;
    link_wait(b, &r2, NULL, 200);
  }
  CU_ASSERT(link_closed(b, &r2, 1000));
  CU_ASSERT(ctk_now_ms() - t0 < 3000);
  close(b);
  close(c);

  /* a logged-in AMI client that says nothing and gets nothing is dropped after 2 s */
  d = link_connect(acd.ami_port, &r4);
  CU_ASSERT_FATAL(d >= 0);
  link_send(d, "Action: Login\r\nUsername: ctk\r\nSecret: ctk12328\r\nEvents: off\r\n\r\n");
  CU_ASSERT(link_wait(d, &r4, "Authentication accepted", 3000));
  t0 = ctk_now_ms();
  CU_ASSERT(link_closed(d, &r4, 5000));
  CU_ASSERT(ctk_now_ms() - t0 >= 1500);
  close(d);

  /* a CSTA client that never starts a monitor is dropped after the login time */
  d = link_connect(acd.cti_port, &r4);
  CU_ASSERT_FATAL(d >= 0);
  CU_ASSERT(link_closed(d, &r4, 4000));
  close(d);
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
}

/* Bytes from a fixed xorshift generator: the same garbage on every run. */
static void link_garbage(unsigned char *buf, size_t n, unsigned long long *state)
{
  size_t i;
  for(i = 0; i < n; i++) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    buf[i] = (unsigned char)(*state >> 24);
  }
}

static void test_cti_link_garbage_leaves_it_serving(void)
{
  static const char *const args[] = { "--cti", "csta,ami,esl", "--cti-port", "0", "--ami-port",
                                      "0", "--esl-port", "0", NULL };
  ctk_acd_proc acd;
  unsigned long long state = 0x12328ull;
  unsigned char buf[70000];
  link_read r;
  int ports[3], i, round;

  link_start(&acd, "cti-link-garbage", args);
  ports[0] = acd.cti_port;
  ports[1] = acd.ami_port;
  ports[2] = acd.esl_port;
  for(i = 0; i < 3; i++) {
    for(round = 0; round < 8; round++) {
      size_t n = (size_t)(round + 1) * 8000;
      int fd = link_connect(ports[i], &r);
      CU_ASSERT_FATAL(fd >= 0);
      link_garbage(buf, n, &state);
      if(round % 2) /* half the rounds look like lines, the others are raw bytes */
        buf[n / 2] = '\n', buf[n / 2 + 1] = '\n';
      send(fd, buf, n, MSG_NOSIGNAL);
      link_wait(fd, &r, NULL, 100);
      close(fd);
    }
  }
  /* still serving each family */
  {
    int fd = link_connect(acd.ami_port, &r);
    CU_ASSERT(fd >= 0 && link_wait(fd, &r, "Asterisk Call Manager/", 3000));
    if(fd >= 0)
      close(fd);
    fd = link_connect(acd.esl_port, &r);
    CU_ASSERT(fd >= 0 && link_wait(fd, &r, "auth/request", 3000));
    if(fd >= 0)
      close(fd);
    fd = ctk_acd_test_cti_connect(acd.cti_port);
    CU_ASSERT(fd >= 0 && ctk_acd_test_cti_monitor(fd) == 0);
    if(fd >= 0)
      close(fd);
  }
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
}

void ctk_test_add_cti_link(CU_pSuite s)
{
  CTK_TEST(s, test_cti_link_ami_answers_errors);
  CTK_TEST(s, test_cti_link_esl_answers_errors);
  CTK_TEST(s, test_cti_link_csta_answers_errors);
  CTK_TEST(s, test_cti_link_clients_are_bounded);
  CTK_TEST(s, test_cti_link_garbage_leaves_it_serving);
}
