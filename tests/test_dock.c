/* test_dock: the city's docking to its queue machine. The three client plugins read what the
 * queue machine's families write (offline, from bytes), the shared wire code, and the runner
 * catches each docking misbehaviour of the reference city with the docking requirement's id
 * (tests/data/expected/dock-faults.txt). The clean city passing J2.dock-* and J2.dock-relink
 * is test_selftest's reference-city verdicts. */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "city/ctk_dock.h"
#include "ctk_proc.h"
#include "ctk_test.h"
#include "cti/ctk_cti_wire.h"

typedef struct dock_seen {
  int n;
  char family[8];
  ctk_dock_call last;
} dock_seen;

static void dock_record(void *ctx, const char *family, const ctk_dock_call *call)
{
  dock_seen *s = ctx;
  s->n++;
  ctk_strlcpy(s->family, family, sizeof(s->family));
  s->last = *call;
}

/* Feeds text to a fresh plugin of family in pieces of step bytes (as a socket may deliver
 * them), keeping what it does not use; what the plugin answers goes to answers. Returns the
 * last input's result. */
static long dock_feed(const char *family, const char *text, size_t len, size_t step,
                      dock_seen *seen, ctk_buf *answers)
{
  ctk_dock_plugin p;
  ctk_buf in;
  char why[256] = "";
  size_t at = 0;
  long used = 0;

  CU_ASSERT_EQUAL_FATAL(ctk_dock_plugin_init(family, &p), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(p.start(&p, NULL), CTK_E_OK);
  CU_ASSERT_EQUAL(p.hello(&p, answers), CTK_E_OK);
  ctk_buf_init(&in, 1 << 20);
  while(at < len && used >= 0) {
    size_t n = len - at < step ? len - at : step;
    ctk_buf_add(&in, text + at, n);
    at += n;
    used = p.input(&p, in.data, in.len, answers, dock_record, seen, why, sizeof(why));
    if(used > 0) {
      memmove(in.data, in.data + used, in.len - (size_t)used);
      in.len -= (size_t)used;
    }
  }
  if(used >= 0)
    CU_ASSERT_TRUE(p.ready(&p));
  p.stop(&p);
  ctk_buf_free(&in);
  return used;
}

static void test_dock_ami_reads_agentconnect(void)
{
  static const char text[] =
    "Asterisk Call Manager/7.0.3\r\n"
    "Response: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n"
    "Event: QueueCallerJoin\r\nPrivilege: agent,all\r\nUniqueid: 1764392400.1\r\n\r\n"
    "Event: AgentConnect\r\nPrivilege: agent,all\r\nTimestamp: 1764392402.250000\r\n"
    "Channel: SIP/13800000001-00000001\r\nCallerIDNum: 13800000001\r\n"
    "Uniqueid: 1764392400.1\r\nLinkedid: 1764392400.1\r\nDestChannel: SIP/A01-00000002\r\n"
    "DestCallerIDNum: A01\r\nDestUniqueid: 1764392401.2\r\nQueue: 12328\r\n\r\n";
  dock_seen seen;
  ctk_buf out;
  size_t step;
  for(step = 1; step <= sizeof(text); step += 97) {
    memset(&seen, 0, sizeof(seen));
    ctk_buf_init(&out, 1 << 16);
    CU_ASSERT_TRUE(dock_feed("ami", text, sizeof(text) - 1, step, &seen, &out) >= 0);
    /* the login went out after the banner, with the family's default credentials */
    CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "Action: Login\r\nUsername: "
                                  CTK_CTI_AMI_USER "\r\nSecret: " CTK_CTI_AMI_SECRET "\r\n"));
    CU_ASSERT_EQUAL(seen.n, 1);
    CU_ASSERT_STRING_EQUAL(seen.last.call_id, "1764392400.1");
    CU_ASSERT_STRING_EQUAL(seen.last.caller, "13800000001");
    CU_ASSERT_EQUAL(seen.last.answered_ms, 1764392402250LL);
    ctk_buf_free(&out);
  }
  /* a refused login ends the link */
  memset(&seen, 0, sizeof(seen));
  ctk_buf_init(&out, 1 << 16);
  {
    /* what follows the refusal in the same read is not taken: the link is over */
    static const char refused[] = "Asterisk Call Manager/7.0.3\r\nResponse: Error\r\n"
                                  "Message: Authentication failed\r\n\r\n"
                                  "Event: AgentConnect\r\nUniqueid: 1764392400.9\r\n"
                                  "CallerIDNum: 13800000009\r\n\r\n";
    CU_ASSERT_EQUAL(dock_feed("ami", refused, sizeof(refused) - 1, 4096, &seen, &out), -1);
    CU_ASSERT_EQUAL(seen.n, 0);
  }
  ctk_buf_free(&out);
}

/* What the switch says to a client that logs in and subscribes, in ESL's plain format. */
#define ESL_LOGGED_IN "Content-Type: auth/request\n\n" \
                      "Content-Type: command/reply\nReply-Text: +OK accepted\n\n" \
                      "Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n"

/* Feeds a fresh ESL plugin the login, then tail, then a message of content type `type` with
 * body as its Content-Length body (none when body is NULL), in pieces of step bytes; the
 * plugin's answers go to a fresh *out (the caller frees it), the calls to a cleared *seen. */
static long esl_feed(const char *tail, const char *type, const char *body, size_t step,
                     dock_seen *seen, ctk_buf *out)
{
  ctk_buf text;
  long used;
  ctk_buf_init(&text, 1 << 16);
  ctk_buf_adds(&text, ESL_LOGGED_IN);
  ctk_buf_adds(&text, tail);
  if(body)
    ctk_buf_printf(&text, "Content-Length: %zu\nContent-Type: %s\n\n%s", strlen(body), type,
                   body);
  memset(seen, 0, sizeof(*seen));
  ctk_buf_init(out, 1 << 16);
  used = dock_feed("esl", text.data, text.len, step, seen, out);
  ctk_buf_free(&text);
  return used;
}

static void test_dock_esl_reads_channel_answer(void)
{
  /* every value is URL-encoded (the switch writes a + of the caller's number as %2B) */
  static const char body[] = "Event-Name: CHANNEL_ANSWER\nCore-UUID: x\nEvent-Date-Timestamp: "
                             "1764392402250000\nUnique-ID: 5d8ed826-0000-4000-8000-000000000001\n"
                             "Caller-Caller-ID-Number: %2B8613800000001\n"
                             "Event-Date-Local: 2026-11-29%2013%3A00%3A02\n\n";
  ctk_buf out;
  dock_seen seen;
  CU_ASSERT_TRUE(esl_feed("", "text/event-plain", body, 7, &seen, &out) >= 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "auth " CTK_CTI_ESL_PASSWORD "\n\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "event plain CHANNEL_ANSWER\n\n"));
  CU_ASSERT_EQUAL(seen.n, 1);
  CU_ASSERT_STRING_EQUAL(seen.last.call_id, "5d8ed826-0000-4000-8000-000000000001");
  CU_ASSERT_STRING_EQUAL(seen.last.caller, "+8613800000001");
  CU_ASSERT_EQUAL(seen.last.answered_ms, 1764392402250LL);
  ctk_buf_free(&out);
  /* only a plain event with its body is an event: an empty one, or the same headers in an API
   * reply's body, report no call, and the link stays */
  CU_ASSERT_TRUE(esl_feed("Content-Type: text/event-plain\n\n", "api/response", body, 4096,
                          &seen, &out) >= 0);
  CU_ASSERT_EQUAL(seen.n, 0);
  ctk_buf_free(&out);
  /* the switch's goodbye ends the link, with the body it usually carries */
  CU_ASSERT_EQUAL(esl_feed("", "text/disconnect-notice", "Disconnected, goodbye.\n"
                           "See you at ClueCon! http://www.cluecon.com/\n", 4096, &seen, &out),
                  -1);
  ctk_buf_free(&out);
  /* a wrong password ends the link */
  memset(&seen, 0, sizeof(seen));
  ctk_buf_init(&out, 1 << 16);
  {
    static const char refused[] = "Content-Type: auth/request\n\nContent-Type: command/reply\n"
                                  "Reply-Text: -ERR invalid\n\n";
    CU_ASSERT_EQUAL(dock_feed("esl", refused, sizeof(refused) - 1, 4096, &seen, &out), -1);
  }
  ctk_buf_free(&out);
}

static void test_dock_csta_reads_established(void)
{
  static const char established[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<EstablishedEvent xmlns=\"" CTK_CSTA_NS "\"><monitorCrossRefID>1</monitorCrossRefID>"
    "<establishedConnection><callID>1-4242@127.0.0.1</callID><deviceID>A01</deviceID>"
    "</establishedConnection><answeringDevice><deviceIdentifier>A01</deviceIdentifier>"
    "</answeringDevice><callingDevice><deviceIdentifier>13800000001</deviceIdentifier>"
    "</callingDevice><cause>normal</cause><extensions><privateData><private>"
    "<ctk:call xmlns:ctk=\"" CTK_CSTA_PRIVATE_NS "\" event=\"answered\" "
    "time=\"2026-11-29T13:00:02+08:00\" waitMs=\"0\" talkMs=\"0\"><ctk:recording "
    "url=\"http://127.0.0.1/recordings/a.wav\" sha256=\"00112233445566778899aabbccddeeff"
    "00112233445566778899aabbccddeeff\"/></ctk:call></private></privateData></extensions>"
    "</EstablishedEvent>\n";
  static const char answer[] =
    "<?xml version=\"1.0\"?><MonitorStartResponse xmlns=\"" CTK_CSTA_NS "\">"
    "<monitorCrossRefID>1</monitorCrossRefID></MonitorStartResponse>";
  ctk_buf text, out;
  dock_seen seen;
  size_t flen;
  unsigned id;
  ctk_buf_init(&text, 1 << 17);
  CU_ASSERT_EQUAL(ctk_cti_csta_frame(&text, 1, answer, sizeof(answer) - 1), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_cti_csta_frame(&text, CTK_CSTA_EVENT_INVOKE_ID, established,
                                     sizeof(established) - 1), CTK_E_OK);
  memset(&seen, 0, sizeof(seen));
  ctk_buf_init(&out, 1 << 16);
  CU_ASSERT_TRUE(dock_feed("csta", text.data, text.len, 13, &seen, &out) >= 0);
  /* the hello is one MonitorStart frame on the queue device */
  CU_ASSERT_EQUAL(ctk_cti_csta_frame_next((const unsigned char *)out.data, out.len, &flen, &id), 1);
  CU_ASSERT_EQUAL(id, 1u);
  CU_ASSERT_PTR_NOT_NULL(strstr(out.data + CTK_CSTA_HEADER_LEN,
                                "<deviceObject>" CTK_CTI_QUEUE "</deviceObject>"));
  CU_ASSERT_EQUAL(seen.n, 1);
  CU_ASSERT_STRING_EQUAL(seen.last.call_id, "1-4242@127.0.0.1");
  CU_ASSERT_STRING_EQUAL(seen.last.caller, "13800000001");
  /* 13:00:02 Beijing is 05:00:02 UTC */
  CU_ASSERT_EQUAL(seen.last.answered_ms, 1795928402000LL);
  CU_ASSERT_STRING_EQUAL(seen.last.rec_url, "http://127.0.0.1/recordings/a.wav");
  CU_ASSERT_EQUAL(strlen(seen.last.rec_sha), 64);
  ctk_buf_free(&out);
  /* a time that is not one gives no answer time (0: the city takes the event's arrival) */
  {
    ctk_buf odd;
    const char *at = strstr(established, "2026-11-29T13:00:02+08:00");
    ctk_buf_init(&odd, 1 << 17);
    ctk_buf_add(&odd, established, (size_t)(at - established));
    ctk_buf_adds(&odd, "yesterday noon");
    ctk_buf_adds(&odd, at + strlen("2026-11-29T13:00:02+08:00"));
    ctk_buf_reset(&text);
    CU_ASSERT_EQUAL(ctk_cti_csta_frame(&text, 1, answer, sizeof(answer) - 1), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_cti_csta_frame(&text, CTK_CSTA_EVENT_INVOKE_ID, odd.data, odd.len),
                    CTK_E_OK);
    memset(&seen, 0, sizeof(seen));
    ctk_buf_init(&out, 1 << 16);
    CU_ASSERT_TRUE(dock_feed("csta", text.data, text.len, 4096, &seen, &out) >= 0);
    CU_ASSERT_EQUAL(seen.n, 1);
    CU_ASSERT_STRING_EQUAL(seen.last.call_id, "1-4242@127.0.0.1");
    CU_ASSERT_EQUAL(seen.last.answered_ms, 0);
    ctk_buf_free(&out);
    ctk_buf_free(&odd);
  }
  /* bytes that are not our framing end the link */
  memset(&seen, 0, sizeof(seen));
  ctk_buf_init(&out, 1 << 16);
  CU_ASSERT_EQUAL(dock_feed("csta", "GET / HTTP/1.1\r\n\r\n", 18, 4096, &seen, &out), -1);
  ctk_buf_free(&out);
  ctk_buf_free(&text);
}

static void test_dock_wire(void)
{
  char text[] = "Key: a%20b%zz+c\r\nOther:  x\r\n\r\n";
  ctk_cti_headers h;
  size_t skip;
  CU_ASSERT_EQUAL(ctk_cti_next_block("\r\n\nA: 1\n\nB", 10, &skip), 6);
  CU_ASSERT_EQUAL(skip, 3);
  CU_ASSERT_EQUAL(ctk_cti_block_end("A: 1\nB: 2\n", 10), 0);
  ctk_cti_headers_parse(text, &h);
  CU_ASSERT_PTR_NULL(h.problem);
  CU_ASSERT_EQUAL(h.n, 2);
  CU_ASSERT_STRING_EQUAL(ctk_cti_header(&h, "other"), "x");
  ctk_cti_urldecode((char *)ctk_cti_header(&h, "KEY"));
  CU_ASSERT_STRING_EQUAL(ctk_cti_header(&h, "key"), "a b%zz c");
  {
    char bad[] = "no colon here\n";
    ctk_cti_headers_parse(bad, &h);
    CU_ASSERT_PTR_NOT_NULL(h.problem);
  }
}

/* Starts a dock on spec, which must be refused; err must contain want. */
static void dock_refused(const char *spec, const char *want)
{
  ctk_dock *d = NULL;
  char err[512] = "";
  CU_ASSERT_EQUAL(ctk_dock_start(spec, NULL, dock_record, NULL, &d, err, sizeof(err)),
                  CTK_E_INVAL);
  CU_ASSERT_PTR_NULL(d);
  if(!strstr(err, want)) {
    fprintf(stderr, "dock: '%.80s' refused with '%s', expected '%s'\n", spec, err, want);
    CU_FAIL("a --dock error does not say what is wrong");
  }
  ctk_dock_stop(d);
}

/* "--dock" errors say what is wrong; nothing starts. */
static void test_dock_spec_errors(void)
{
  char spec[400];
  size_t i;
  dock_refused("sip:127.0.0.1:5060", "unknown family 'sip'");
  dock_refused("ami:127.0.0.1:0", "'ami:127.0.0.1:0'");
  dock_refused("", "name at least one FAMILY:HOST:PORT");
  dock_refused("ami", "'ami' is not FAMILY:HOST:PORT");
  /* a host name would fail at every connect for ever: refused at once */
  dock_refused("esl:queue.example:8021", "'queue.example' is not a dotted IPv4 address");
  /* one link too many */
  spec[0] = '\0';
  for(i = 0; i <= CTK_DOCK_LINKS_MAX; i++)
    snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%sami:127.0.0.1:%zu",
             i ? "," : "", 5038 + i);
  dock_refused(spec, "at most 4 links");
  /* a link of 160 characters is one too long; the message names the longest allowed */
  snprintf(spec, sizeof(spec), "ami:127.0.0.1:5038%0142d", 0);
  CU_ASSERT_EQUAL(strlen(spec), 160);
  dock_refused(spec, "a link is longer than 159 characters");
}

/* Accepts one connection on lfd within 5 s; -1 when none came. */
static int dock_accept(int lfd)
{
  struct pollfd p = { lfd, POLLIN, 0 };
  if(poll(&p, 1, 5000) != 1)
    return -1;
  return accept(lfd, NULL, NULL);
}

/* Reads from fd until text holds needle (at most 5 s); 1 when it does. */
static int dock_read_until(int fd, char *text, size_t size, const char *needle)
{
  size_t len = 0;
  long long until = ctk_now_ms() + 5000;
  text[0] = '\0';
  while(!strstr(text, needle) && len + 1 < size) {
    struct pollfd p = { fd, POLLIN, 0 };
    ssize_t n;
    long long left = until - ctk_now_ms();
    if(left <= 0 || poll(&p, 1, (int)left) != 1)
      return 0;
    n = recv(fd, text + len, size - 1 - len, 0);
    if(n <= 0)
      return 0;
    len += (size_t)n;
    text[len] = '\0';
  }
  return strstr(text, needle) != NULL;
}

/* Waits (at most 5 s) until the dock has `up` links up; returns the links up then. */
static unsigned dock_wait_up(ctk_dock *d, unsigned up, unsigned long *connects)
{
  long long until = ctk_now_ms() + 5000;
  unsigned now = 0;
  for(;;) {
    ctk_dock_status(d, &now, connects);
    if(now == up || ctk_now_ms() > until)
      return now;
    usleep(10000);
  }
}

/* A dock of one link of family to a listener here, and that link's connection accepted: the
 * connection (-1 when none came), the listener in *lfd and the dock in *d. Fatal when the
 * dock does not start. */
static int dock_start_accepted(const char *family, ctk_dock_answered_fn fn, dock_seen *seen,
                               ctk_dock **d, int *lfd)
{
  char spec[64], err[256];
  int port = 0;
  memset(seen, 0, sizeof(*seen));
  *lfd = ctk_test_listen(4, &port);
  CU_ASSERT_FATAL(*lfd >= 0);
  snprintf(spec, sizeof(spec), "%s:127.0.0.1:%d", family, port);
  CU_ASSERT_EQUAL_FATAL(ctk_dock_start(spec, NULL, fn, seen, d, err, sizeof(err)), CTK_E_OK);
  return dock_accept(*lfd);
}

/* A link is up only once the queue machine accepted the login (not when it merely greets),
 * is counted once, is down as soon as the machine closes it, and connects again. */
static void test_dock_link_up_only_when_logged_in(void)
{
  static const char banner[] = "Asterisk Call Manager/7.0.3\r\n";
  static const char accepted[] = "Response: Success\r\nActionID: 1\r\n"
                                 "Message: Authentication accepted\r\n\r\n";
  ctk_dock *d = NULL;
  dock_seen seen;
  char text[4096];
  unsigned up = 9;
  unsigned long connects = 9;
  int lfd, fd, i;

  fd = dock_start_accepted("ami", dock_record, &seen, &d, &lfd);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_EQUAL(send(fd, banner, sizeof(banner) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(banner) - 1);
  CU_ASSERT_TRUE(dock_read_until(fd, text, sizeof(text), "ActionID: 1\r\n\r\n"));
  /* greeted and asked to log in, but not accepted yet: not up, for as long as we look */
  for(i = 0; i < 20; i++) {
    ctk_dock_status(d, &up, &connects);
    CU_ASSERT_EQUAL(up, 0);
    CU_ASSERT_EQUAL(connects, 0);
    usleep(10000);
  }
  CU_ASSERT_EQUAL(send(fd, accepted, sizeof(accepted) - 1, MSG_NOSIGNAL),
                  (ssize_t)sizeof(accepted) - 1);
  CU_ASSERT_EQUAL(dock_wait_up(d, 1, &connects), 1);
  CU_ASSERT_EQUAL(connects, 1);
  /* the queue machine goes away: the link is down at once, and tried again */
  close(fd);
  CU_ASSERT_EQUAL(dock_wait_up(d, 0, &connects), 0);
  CU_ASSERT_EQUAL(connects, 1);
  fd = dock_accept(lfd);
  CU_ASSERT(fd >= 0);
  if(fd >= 0)
    close(fd);
  ctk_dock_stop(d);
  close(lfd);
  CU_ASSERT_EQUAL(seen.n, 0);
}

/* Records the call like dock_record, and leaves errno as EINTR, as a callback whose own call
 * was interrupted by a signal leaves it: errno is the callback's, not a result of the dock's
 * next write. */
static void dock_record_errno(void *ctx, const char *family, const ctk_dock_call *call)
{
  dock_record(ctx, family, call);
  errno = EINTR;
}

/* An ESL link over a socket: each command the dock writes reaches the switch once, whatever
 * errno the callback left behind (a write that went through is not retried). The switch's
 * event comes in the same read as its auth/request, so the callback runs just before the
 * dock's first write. */
static void test_dock_esl_link_writes_each_command_once(void)
{
  static const char event_body[] = "Event-Name: CHANNEL_ANSWER\nUnique-ID: call-errno-1\n"
                                   "Caller-Caller-ID-Number: 13800000002\n\n";
  static const char ok[] = "Content-Type: command/reply\nReply-Text: +OK accepted\n\n";
  ctk_dock *d = NULL;
  dock_seen seen;
  char text[4096], first[512];
  unsigned long connects = 0;
  int lfd, fd, n;

  fd = dock_start_accepted("esl", dock_record_errno, &seen, &d, &lfd);
  CU_ASSERT_FATAL(fd >= 0);
  n = snprintf(first, sizeof(first), "Content-Length: %zu\nContent-Type: text/event-plain\n\n%s"
               "Content-Type: auth/request\n\n", sizeof(event_body) - 1, event_body);
  CU_ASSERT_EQUAL(send(fd, first, (size_t)n, MSG_NOSIGNAL), n);
  CU_ASSERT_TRUE(dock_read_until(fd, text, sizeof(text), "auth " CTK_CTI_ESL_PASSWORD "\n\n"));
  CU_ASSERT_EQUAL(send(fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(ok) - 1);
  /* the subscription follows, and nothing else came before it */
  CU_ASSERT_TRUE(dock_read_until(fd, text + strlen(text), sizeof(text) - strlen(text),
                                 "event plain CHANNEL_ANSWER\n\n"));
  CU_ASSERT_STRING_EQUAL(text, "auth " CTK_CTI_ESL_PASSWORD "\n\nevent plain CHANNEL_ANSWER\n\n");
  CU_ASSERT_EQUAL(send(fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(ok) - 1);
  CU_ASSERT_EQUAL(dock_wait_up(d, 1, &connects), 1);
  CU_ASSERT_EQUAL(connects, 1);
  /* stopped while the switch still holds its end open (a dock stuck writing gives up on a
   * full socket instead of on a broken one) */
  ctk_dock_stop(d);
  close(fd);
  close(lfd);
  CU_ASSERT_EQUAL(seen.n, 1);
  CU_ASSERT_STRING_EQUAL(seen.last.call_id, "call-errno-1");
}

/* With no file descriptor left a link cannot even make its socket: it waits and tries again,
 * and touches no descriptor it does not own (standard input stays what it was). */
static void test_dock_no_descriptor_left(void)
{
  static int fill[4096];
  struct rlimit saved, low;
  struct stat before, after;
  ctk_dock *d = NULL;
  char spec[64], err[256];
  unsigned up = 9;
  unsigned long connects = 9;
  int port = 0, lfd, nfill = 0, i, rc, in_ok;

  CU_ASSERT_EQUAL_FATAL(fstat(STDIN_FILENO, &before), 0);
  lfd = ctk_test_listen(4, &port);
  CU_ASSERT_FATAL(lfd >= 0);
  snprintf(spec, sizeof(spec), "csta:127.0.0.1:%d", port);
  CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &saved), 0);
  /* every descriptor below a low limit taken */
  low = saved;
  low.rlim_cur = 256;
  CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_NOFILE, &low), 0);
  while(nfill < (int)(sizeof(fill) / sizeof(fill[0]))) {
    int fd = dup(lfd);
    if(fd < 0)
      break;
    fill[nfill++] = fd;
  }
  rc = ctk_dock_start(spec, NULL, dock_record, NULL, &d, err, sizeof(err));
  if(!rc) {
    usleep(300000);                            /* a few tries: the first comes at once */
    ctk_dock_status(d, &up, &connects);
    ctk_dock_stop(d);
  }
  for(i = 0; i < nfill; i++)
    close(fill[i]);
  setrlimit(RLIMIT_NOFILE, &saved);
  CU_ASSERT_EQUAL(rc, CTK_E_OK);
  CU_ASSERT(nfill > 0);
  CU_ASSERT_EQUAL(up, 0);
  CU_ASSERT_EQUAL(connects, 0);
  in_ok = fcntl(STDIN_FILENO, F_GETFD) != -1 && !fstat(STDIN_FILENO, &after) &&
          after.st_dev == before.st_dev && after.st_ino == before.st_ino;
  CU_ASSERT_TRUE(in_ok);
  close(lfd);
}

/* Verdict and reason of test id in DIR/results.json. */
static int dock_result(const char *dir, const char *id, char *verdict, size_t vlen, char *reason,
                       size_t rlen)
{
  char path[800];
  struct json_object *root, *tests = NULL;
  size_t i;
  int found = 0;
  snprintf(path, sizeof(path), "%s/results.json", dir);
  root = json_object_from_file(path);
  if(root && json_object_object_get_ex(root, "tests", &tests)) {
    for(i = 0; i < json_object_array_length(tests); i++) {
      struct json_object *t = json_object_array_get_idx(tests, i), *v = NULL;
      if(!json_object_object_get_ex(t, "id", &v) || strcmp(json_object_get_string(v), id))
        continue;
      found = 1;
      if(json_object_object_get_ex(t, "verdict", &v))
        ctk_strlcpy(verdict, json_object_get_string(v), vlen);
      if(json_object_object_get_ex(t, "reason", &v))
        ctk_strlcpy(reason, json_object_get_string(v), rlen);
    }
  }
  json_object_put(root);
  return found;
}

/* Each docking misbehaviour of the reference city is caught by its test, with the docking
 * requirement's id. */
static void test_dock_faults_caught(void)
{
  const char *dir = ctk_test_tmpdir("dock-faults");
  char *list = ctk_test_read_file("tests/data/expected/dock-faults.txt", NULL);
  char *pixit = ctk_test_read_file("fixtures/pixit/reference-city.pixit", NULL);
  const char *line;
  int cases = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(list);
  CU_ASSERT_PTR_NOT_NULL_FATAL(pixit);
  for(line = list; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    char fault[32], id[64], req[32], sub[600], path[700], cmd[4096], verdict[16] = "",
         reason[1024] = "";
    FILE *f;
    if(*line == '#' || *line == '\n' || sscanf(line, "%31s %63s %31s", fault, id, req) != 3)
      continue;
    cases++;
    snprintf(sub, sizeof(sub), "%s/%s", dir, fault);
    snprintf(cmd, sizeof(cmd), "mkdir -p %s", sub);
    CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);
    /* the reference city's PIXIT with the fault and a shorter wait for a dropped order */
    snprintf(path, sizeof(path), "%s/city.pixit", sub);
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    {
      const char *l;
      for(l = pixit; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        size_t len = strchr(l, '\n') ? (size_t)(strchr(l, '\n') - l) : strlen(l);
        if(strncmp(l, "propagate_timeout_ms", 20))
          fprintf(f, "%.*s\n", (int)len, l);
        else
          fprintf(f, "propagate_timeout_ms = 3000\n");
      }
    }
    fprintf(f, "[sut]\nfault = %s\n", fault);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "%s run --sut city --pics fixtures/pics/reference-city.pics "
             "--pixit %s --select 'id:%s' --out %s/out --quiet > %s/run.log 2>&1",
             ctk_test_ctk_bin(), path, id, sub, sub);
    ctk_test_run(cmd, NULL);
    snprintf(path, sizeof(path), "%s/out", sub);
    CU_ASSERT_TRUE(dock_result(path, id, verdict, sizeof(verdict), reason, sizeof(reason)));
    /* on a host without SIPp the test is skipped with that reason */
    if(!strcmp(verdict, "skip") && strstr(reason, "SIPp"))
      continue;
    if(strcmp(verdict, "fail") || !strstr(reason, req)) {
      fprintf(stderr, "dock: fault %s: %s gave %s (%s), expected a failure naming %s\n", fault,
              id, verdict, reason, req);
      CU_FAIL("a docking misbehaviour was not caught with its requirement");
    }
  }
  CU_ASSERT_TRUE(cases >= 3);
  free(list);
  free(pixit);
}

void ctk_test_add_dock(CU_pSuite suite)
{
  CU_add_test(suite, "dock_ami_reads_agentconnect", test_dock_ami_reads_agentconnect);
  CU_add_test(suite, "dock_esl_reads_channel_answer", test_dock_esl_reads_channel_answer);
  CU_add_test(suite, "dock_csta_reads_established", test_dock_csta_reads_established);
  CU_add_test(suite, "dock_wire", test_dock_wire);
  CU_add_test(suite, "dock_spec_errors", test_dock_spec_errors);
  CU_add_test(suite, "dock_link_up_only_when_logged_in", test_dock_link_up_only_when_logged_in);
  CU_add_test(suite, "dock_esl_link_writes_each_command_once",
              test_dock_esl_link_writes_each_command_once);
  CU_add_test(suite, "dock_no_descriptor_left", test_dock_no_descriptor_left);
  CU_add_test(suite, "dock_faults_caught", test_dock_faults_caught);
}
