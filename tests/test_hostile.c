/* test_hostile: every request of fixtures/hostile/ (format in its README) is sent to a reference
 * province running as a child process. Each must get its documented answer (HTTP status,
 * result code, a reason, a where when it applies); afterwards the province must still answer a
 * LinkCheck and must have stored nothing (no work order, no outbox row). The catalogue is also
 * sent, turned round, to the city simulator, which must refuse what the province refuses in
 * their shared receive step with the same answer. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "city/ctk_city.h"
#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_http_case.h"
#include "ctk_msg.h"
#include "ctk_profile.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"
#include "ctk_test_wire.h"
#include "ctk_translate.h"

/* Rows of received messages in a node's log (its outbox logs what it sends, at any time). */
#define INBOUND_ROWS "SELECT count(*) FROM messages WHERE direction='in'"

#define HOSTILE_DIR "fixtures/hostile"
#define HOSTILE_MAX_CASES 400

typedef struct hostile_case {
  char file[128];
  ctk_http_case http;          /* request line and directives, as the file gives them */
  ctk_buf headers;             /* real headers to send, each "Name: value\r\n" */
  int expect_where;
  int stores;
  int keeps_nothing;           /* X-Ctk-Stores: nothing: not even a message-log row */
  int own_host;                /* the file names its own Host: the test adds none */
  int own_framing;             /* X-Ctk-Framing: as-written: the test adds no Content-Length */
  ctk_buf body;                /* placeholders already replaced */
} hostile_case;

/* One time for the whole run, so repeated requests are byte-identical (idempotent). */
static char run_now[40];
static char run_today[16];
static const ctk_profile *hostile_profile;
/* The catalogue is written in the baseline (its source-profile file). Under another profile
 * (CTK_PROFILE) each request is translated before it is sent; NULL under the baseline. */
static ctk_translate *hostile_tr;
static ctk_profile *hostile_source;

/* b, written in the catalogue's profile, into the one in use. */
static void to_profile(ctk_buf *b)
{
  if(hostile_tr)
    CU_ASSERT(ctk_translate_buf(hostile_tr, b) == CTK_E_OK);
}

/* An element name of the catalogue's profile as the profile in use spells it. */
static const char *el_name(const char *baseline_name)
{
  return hostile_tr ? ctk_translate_element(hostile_tr, baseline_name) : baseline_name;
}

/* ---- the canary: a listener that URLs in hostile messages point at (@CANARY@). The server
 * must never connect to it: that would be a fetch the message asked for. ---- */

typedef struct canary {
  int fd;
  int port;
  pthread_t thread;
  pthread_mutex_t lock;
  int stopping;
  unsigned long connections;
} canary;

static canary hostile_canary;
static char canary_addr[32] = "127.0.0.1:1";

static void *canary_main(void *arg)
{
  canary *c = arg;
  for(;;) {
    struct pollfd pfd;
    int stop;
    pthread_mutex_lock(&c->lock);
    stop = c->stopping;
    pthread_mutex_unlock(&c->lock);
    if(stop)
      break;
    pfd.fd = c->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if(poll(&pfd, 1, 20) > 0) {
      int cfd = accept(c->fd, NULL, NULL);
      if(cfd >= 0) {
        close(cfd);
        pthread_mutex_lock(&c->lock);
        c->connections++;
        pthread_mutex_unlock(&c->lock);
      }
    }
  }
  return NULL;
}

static int canary_start(canary *c)
{
  memset(c, 0, sizeof(*c));
  pthread_mutex_init(&c->lock, NULL);
  c->fd = ctk_test_listen(8, &c->port);
  if(c->fd < 0)
    return -1;
  snprintf(canary_addr, sizeof(canary_addr), "127.0.0.1:%d", c->port);
  return pthread_create(&c->thread, NULL, canary_main, c) == 0 ? 0 : -1;
}

static unsigned long canary_count(canary *c)
{
  unsigned long n;
  pthread_mutex_lock(&c->lock);
  n = c->connections;
  pthread_mutex_unlock(&c->lock);
  return n;
}

static void canary_stop(canary *c)
{
  pthread_mutex_lock(&c->lock);
  c->stopping = 1;
  pthread_mutex_unlock(&c->lock);
  pthread_join(c->thread, NULL);
  close(c->fd);
  pthread_mutex_destroy(&c->lock);
}

static void run_clock_init(void)
{
  time_t t;

  if(run_now[0])
    return;
  t = time(NULL);
  ctk_datetime_format(t, run_now, sizeof(run_now));
  ctk_beijing_strftime(t, "%Y%m%d", run_today, sizeof(run_today));
}

/* Copy src to dst replacing @NOW@, @TODAY@ and @CANARY@. */
static void expand(ctk_buf *dst, const char *src, size_t len)
{
  size_t i = 0;
  while(i < len) {
    if(len - i >= 5 && !memcmp(src + i, "@NOW@", 5)) {
      ctk_buf_adds(dst, run_now);
      i += 5;
    }
    else if(len - i >= 7 && !memcmp(src + i, "@TODAY@", 7)) {
      ctk_buf_adds(dst, run_today);
      i += 7;
    }
    else if(len - i >= 8 && !memcmp(src + i, "@CANARY@", 8)) {
      ctk_buf_adds(dst, canary_addr);
      i += 8;
    }
    else {
      ctk_buf_add(dst, src + i, 1);
      i++;
    }
  }
}

static void case_free(hostile_case *c)
{
  ctk_buf_free(&c->headers);
  ctk_buf_free(&c->body);
}

/* A real header of the file, sent as written (CRLF added); a file's own Host replaces ours. */
static ctk_code case_header(void *ctx, const char *name, size_t name_len, const char *value,
                            size_t value_len)
{
  hostile_case *c = ctx;
  if(name_len == 4 && !strncasecmp(name, "Host", 4))
    c->own_host = 1;
  return ctk_buf_printf(&c->headers, "%.*s: %.*s\r\n", (int)name_len, name, (int)value_len,
                        value);
}

/* Parse one .http file (lib/proto/ctk_http_case, the reader J2.hostile-input uses too); 0 on
 * success, -1 (with the reason on stderr) when the file is broken. */
static int case_load(const char *name, hostile_case *c)
{
  char path[512], why[256];
  size_t len = 0;
  char *data;
  ctk_http_case *h = &c->http;
  ctk_code result;

  memset(c, 0, sizeof(*c));
  ctk_buf_init(&c->headers, (size_t)2 * 1024 * 1024);
  ctk_buf_init(&c->body, (size_t)8 * 1024 * 1024);
  ctk_strlcpy(c->file, name, sizeof(c->file));
  snprintf(path, sizeof(path), "%s/%s", HOSTILE_DIR, name);
  data = ctk_test_read_file(path, &len);
  if(!data)
    return -1;
  result = ctk_http_case_read(data, len, h, case_header, c, why, sizeof(why));
  if(!result)
    result = ctk_http_case_complete(h, why, sizeof(why));
  if(result || !h->has_body) {
    fprintf(stderr, "hostile: %s: %s\n", path, result ? why : "no empty line before the body");
    free(data);
    return -1;
  }
  expand(&c->body, data + h->body_offset, len - h->body_offset);
  free(data);
  c->expect_where = !strcmp(h->expect_where, "yes");
  c->stores = !strcmp(h->stores, "yes");
  c->keeps_nothing = !strcmp(h->stores, "nothing");
  c->own_framing = !strcmp(h->framing, "as-written");
  if(hostile_tr) {
    char translated[sizeof(c->http.path)];
    ctk_translate_path(hostile_tr, c->http.path, translated, sizeof(translated));
    ctk_strlcpy(c->http.path, translated, sizeof(c->http.path));
    to_profile(&c->headers);
    if(c->http.expect_translated[0])
      ctk_strlcpy(c->http.expect_result, c->http.expect_translated,
                  sizeof(c->http.expect_result));
  }
  return 0;
}

/* Where a case goes. The catalogue is written for the province, called by its city; the city
 * simulator gets each request turned round: the province calls city 360100, with the
 * province's credentials where the file names the city's. */
typedef struct hostile_target {
  int port;
  const char *path_prefix;     /* before the file's path */
  const char *caller;          /* X-Ctk-Auth city and wrong-password: this region */
  int caller_level;
  const char *callee;
  int callee_level;
} hostile_target;

static hostile_target province_target(const ctk_test_node *province)
{
  return (hostile_target){ province->port, "", CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2 };
}

/* The body of a generated case: a valid report whose Content is padded to total bytes. */
static void generated_body(unsigned seq, const hostile_target *t, ctk_buf *prefix,
                           ctk_buf *tail)
{
  char order_id[32];
  char msg_id[40];
  char content_end[CTK_NAME_MAX + 4];
  ctk_buf body;
  ctk_buf msg;
  const char *mark;

  snprintf(order_id, sizeof(order_id), "360100%s9%05u", run_today, seq % 100000);
  snprintf(msg_id, sizeof(msg_id), "hostile-360100-%04u", seq);
  ctk_buf_init(&body, 0);
  ctk_buf_init(&msg, 0);
  ctk_ts_report_body(&body, order_id, CTK_TS_CITY, "padded");
  ctk_ts_message(&msg, msg_id, "1001", t->caller, t->caller_level, t->callee, t->callee_level,
                 ctk_buf_str(&body));
  to_profile(&msg);
  snprintf(content_end, sizeof(content_end), "</%s>", el_name("Content"));
  mark = strstr(ctk_buf_str(&msg), content_end);
  if(mark) {
    ctk_buf_add(prefix, msg.data, (size_t)(mark - msg.data));
    ctk_buf_adds(tail, mark);
  }
  ctk_buf_free(&body);
  ctk_buf_free(&msg);
}

/* The body of an "attributes COUNT SEQ" case: the valid report with COUNT attributes on its
 * root element, into out. */
static void attributes_body(size_t count, unsigned seq, const hostile_target *t, ctk_buf *out)
{
  ctk_buf prefix;
  ctk_buf tail;
  const char *root;
  char open[CTK_NAME_MAX + 2];
  size_t i, n;

  ctk_buf_init(&prefix, 0);
  ctk_buf_init(&tail, 0);
  generated_body(seq, t, &prefix, &tail);
  ctk_buf_add(&prefix, tail.data ? tail.data : "", tail.len);
  ctk_buf_reset(out);
  snprintf(open, sizeof(open), "<%s", el_name("Message"));
  n = strlen(open);
  root = strstr(ctk_buf_str(&prefix), open);
  if(root) {
    ctk_buf_add(out, prefix.data, (size_t)(root - prefix.data) + n);
    for(i = 0; i < count; i++)
      ctk_buf_printf(out, " a%zu=\"x\"", i);
    ctk_buf_adds(out, root + n);
  }
  ctk_buf_free(&prefix);
  ctk_buf_free(&tail);
}

/* The body for target t: the head of the city's usual call to the province turned into the
 * target's caller and callee (other heads are left as the file has them). */
static void turned_body(const hostile_case *c, const hostile_target *t, ctk_buf *out)
{
  char from[256];
  char to[256];
  const char *body = ctk_buf_str(&c->body);
  const char *at;

  snprintf(from, sizeof(from), "<Sender><Region>%s</Region><Level>3</Level></Sender>"
           "<Receiver><Region>%s</Region><Level>2</Level></Receiver>", CTK_TS_CITY,
           CTK_TS_PROVINCE);
  snprintf(to, sizeof(to), "<Sender><Region>%s</Region><Level>%d</Level></Sender>"
           "<Receiver><Region>%s</Region><Level>%d</Level></Receiver>", t->caller,
           t->caller_level, t->callee, t->callee_level);
  while((at = strstr(body, from)) != NULL) {
    ctk_buf_add(out, body, (size_t)(at - body));
    ctk_buf_adds(out, to);
    body = at + strlen(from);
  }
  ctk_buf_add(out, body, c->body.len - (size_t)(body - ctk_buf_str(&c->body)));
}

/* Send a case to target t; fills a. */
static void case_send(const hostile_case *c, const hostile_target *t, ctk_wire_answer *a)
{
  ctk_buf head;
  ctk_buf prefix;
  ctk_buf tail;
  ctk_buf turned;
  size_t pad = 0;
  const char *body;
  size_t body_len;
  char secret[64];
  char auth[256];
  size_t gen_bytes = 0;
  unsigned gen_seq = 0;
  char gen_name[64];

  ctk_buf_init(&head, (size_t)4 * 1024 * 1024);
  ctk_buf_init(&prefix, 0);
  ctk_buf_init(&tail, 0);
  ctk_buf_init(&turned, (size_t)8 * 1024 * 1024);
  turned_body(c, t, &turned);
  if(!c->http.generate[0])
    to_profile(&turned);
  body = ctk_buf_str(&turned);
  body_len = turned.len;
  ctk_buf_printf(&head, "%s %s%s HTTP/1.1\r\n", c->http.method, t->path_prefix, c->http.path);
  if(!c->own_host)
    ctk_buf_printf(&head, "Host: 127.0.0.1:%d\r\n", t->port);
  ctk_buf_add(&head, c->headers.data ? c->headers.data : "", c->headers.len);
  auth[0] = '\0';
  if(!strcmp(c->http.auth, "city")) {
    ctk_ts_secret(t->caller, secret, sizeof(secret));
    ctk_wire_basic_auth(t->caller, secret, auth, sizeof(auth));
  }
  else if(!strcmp(c->http.auth, "other-city")) {
    ctk_ts_secret(CTK_TS_OTHER_CITY, secret, sizeof(secret));
    ctk_wire_basic_auth(CTK_TS_OTHER_CITY, secret, auth, sizeof(auth));
  }
  else if(!strcmp(c->http.auth, "wrong-password"))
    ctk_wire_basic_auth(t->caller, "not-the-secret", auth, sizeof(auth));
  if(auth[0])
    ctk_buf_printf(&head, "Authorization: %s\r\n", auth);
  if(sscanf(c->http.generate, "body %zu %u", &gen_bytes, &gen_seq) == 2) {
    generated_body(gen_seq, t, &prefix, &tail);
    body = ctk_buf_str(&prefix);
    body_len = prefix.len;
    pad = gen_bytes > prefix.len + tail.len ? gen_bytes - prefix.len - tail.len : 0;
  }
  else if(sscanf(c->http.generate, "attributes %zu %u", &gen_bytes, &gen_seq) == 2) {
    attributes_body(gen_bytes, gen_seq, t, &turned);
    body = ctk_buf_str(&turned);
    body_len = turned.len;
  }
  else if(sscanf(c->http.generate, "header %63s %zu", gen_name, &gen_bytes) == 2) {
    size_t i;
    ctk_buf_printf(&head, "%s: ", gen_name);
    for(i = 0; i < gen_bytes; i++)
      ctk_buf_addc(&head, 'v');
    ctk_buf_adds(&head, "\r\n");
  }
  if(!c->own_framing)
    ctk_buf_printf(&head, "Content-Length: %zu\r\n", body_len + pad + tail.len);
  ctk_buf_adds(&head, "Connection: close\r\n\r\n");
  ctk_wire_send(t->port, head.data, head.len, body, body_len, pad, tail.data, tail.len, a);
  ctk_buf_free(&head);
  ctk_buf_free(&prefix);
  ctk_buf_free(&tail);
  ctk_buf_free(&turned);
}

/* Is token one of the '|'-separated alternatives of list? */
static int one_of(const char *list, const char *token)
{
  size_t n = strlen(token);
  const char *p = list;
  while(p && *p) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if(len == n && !strncmp(p, token, n))
      return 1;
    p = bar ? bar + 1 : NULL;
  }
  return 0;
}

/* Does the answer carry one of the expected results? Writes why not into why. */
static int result_matches(const hostile_case *c, const ctk_wire_answer *a, char *why,
                          size_t whylen)
{
  const char *list = c->http.expect_result;
  const char *p = list;

  if(!strcmp(list, "-"))
    return 1;
  if(!strcmp(list, "!OK")) {
    if(a->has_answer && !strcmp(a->code, ctk_profile_rc(hostile_profile, "OK"))) {
      snprintf(why, whylen, "answered success");
      return 0;
    }
    return 1;
  }
  if(a->is_fault && one_of(list, "FAULT"))
    return 1;
  if(!a->has_answer) {
    snprintf(why, whylen, "no Answer with a Result/Code in the body");
    return 0;
  }
  while(p && *p) {
    char name[64];
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if(len < sizeof(name)) {
      memcpy(name, p, len);
      name[len] = '\0';
      if(strcmp(name, "FAULT") && !strcmp(a->code, ctk_profile_rc(hostile_profile, name))) {
        if(!a->text[0]) {
          snprintf(why, whylen, "result %s without a reason (Result/Text empty)", name);
          return 0;
        }
        if(c->expect_where && !a->where[0]) {
          snprintf(why, whylen, "result %s without Result/Where", name);
          return 0;
        }
        return 1;
      }
    }
    p = bar ? bar + 1 : NULL;
  }
  snprintf(why, whylen, "result code %.31s (\"%.160s\" at \"%.120s\")", a->code, a->text,
           a->where);
  return 0;
}

static int status_matches(const hostile_case *c, int status)
{
  char s[16];
  snprintf(s, sizeof(s), "%d", status);
  return one_of(c->http.expect_status, s);
}

/* A message of the catalogue's profile from the city to the province, in the profile in use,
 * over the plain XML binding; the answer into a. */
static void post_as_city(const ctk_test_node *province, ctk_buf *msg, ctk_wire_answer *a)
{
  ctk_buf head;
  char secret[64];
  char auth[256];

  to_profile(msg);
  ctk_ts_secret(CTK_TS_CITY, secret, sizeof(secret));
  ctk_wire_basic_auth(CTK_TS_CITY, secret, auth, sizeof(auth));
  ctk_buf_init(&head, 0);
  ctk_buf_printf(&head,
                 "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: %s\r\n"
                 "Content-Type: application/xml; charset=UTF-8\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n\r\n",
                 ctk_binding_path(hostile_profile, CTK_BIND_XML), province->port, auth, msg->len);
  ctk_wire_send(province->port, head.data, head.len, msg->data, msg->len, 0, NULL, 0, a);
  ctk_buf_free(&head);
}

/* A LinkCheck from the city must still be answered with success. */
static int still_answers(const ctk_test_node *province, unsigned n)
{
  char msg_id[48];
  ctk_buf msg;
  ctk_wire_answer a;
  int ok;

  snprintf(msg_id, sizeof(msg_id), "hostile-linkcheck-%06u", n);
  ctk_buf_init(&msg, 0);
  ctk_ts_message(&msg, msg_id, "1013", CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2,
                 "<LinkCheck><Echo>still there?</Echo></LinkCheck>");
  ctk_wire_answer_init(&a);
  post_as_city(province, &msg, &a);
  ok = a.status == 200 && a.has_answer && !strcmp(a.code, ctk_profile_rc(hostile_profile, "OK"));
  ctk_wire_answer_free(&a);
  ctk_buf_free(&msg);
  return ok;
}

/* After an OK: a WorkOrderQuery must give back the field exactly as it was sent. */
static int echo_matches(const hostile_case *c, const ctk_test_node *province, char *why,
                        size_t whylen)
{
  char sent[4096];
  char order_id[64];
  char back[4096];
  char body[256];
  char msg_id[48];
  ctk_buf msg;
  ctk_wire_answer a;
  int ok;

  /* c->body is as the file wrote it (the catalogue's profile); the answer is the profile's */
  ctk_wire_xml_text(c->body.data, c->body.len, "WorkOrder", c->http.echo, sent, sizeof(sent));
  ctk_wire_xml_text(c->body.data, c->body.len, "WorkOrder", "OrderId", order_id,
                    sizeof(order_id));
  snprintf(msg_id, sizeof(msg_id), "hostile-echo-%.3s-query", c->file);
  snprintf(body, sizeof(body), "<WorkOrderQuery><OrderId>%s</OrderId></WorkOrderQuery>",
           order_id);
  ctk_buf_init(&msg, 0);
  ctk_ts_message(&msg, msg_id, "1010", CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2, body);
  ctk_wire_answer_init(&a);
  post_as_city(province, &msg, &a);
  ctk_wire_xml_text(a.body.data, a.body.len, el_name("WorkOrder"), el_name(c->http.echo), back,
                    sizeof(back));
  ok = a.status == 200 && !strcmp(sent, back);
  if(!ok)
    snprintf(why, whylen, "query gave %s \"%.60s\", sent \"%.60s\"", a.code, back, sent);
  ctk_wire_answer_free(&a);
  ctk_buf_free(&msg);
  return ok;
}

static void fail_case(const hostile_case *c, const char *what)
{
  char msg[768];
  snprintf(msg, sizeof(msg), "%.127s: %.600s", c->file, what);
  fprintf(stderr, "test_hostile: FAIL %s\n", msg);
  CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);
}

static int name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .http files of the catalogue, sorted; returns how many. */
static size_t list_cases(char **names, size_t max)
{
  DIR *d = opendir(HOSTILE_DIR);
  struct dirent *e;
  size_t n = 0;

  if(!d)
    return 0;
  for(e = readdir(d); e && n < max; e = readdir(d)) {
    size_t len = strlen(e->d_name);
    if(len > 5 && !strcmp(e->d_name + len - 5, ".http"))
      names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), name_cmp);
  return n;
}

static void run_one(const char *name, ctk_test_node *province, unsigned idx)
{
  hostile_target to_province = province_target(province);
  hostile_case c;
  ctk_wire_answer a;
  ctk_ts_counts before;
  ctk_ts_counts after;
  char why[512] = "";
  unsigned long fetched;
  long logged;

  if(case_load(name, &c) != 0) {
    CU_FAIL("a hostile case file does not follow fixtures/hostile/README.md");
    fprintf(stderr, "test_hostile: cannot read %s\n", name);
    case_free(&c);
    return;
  }
  if(c.http.before[0]) {
    hostile_case pre;
    ctk_wire_answer pa;
    if(case_load(c.http.before, &pre) == 0) {
      ctk_wire_answer_init(&pa);
      case_send(&pre, &to_province, &pa);
      if(!pa.has_answer || strcmp(pa.code, ctk_profile_rc(hostile_profile, "OK")))
        fail_case(&c, "its X-Ctk-Before request was not answered OK");
      ctk_wire_answer_free(&pa);
    }
    case_free(&pre);
  }
  memset(&before, 0, sizeof(before));
  memset(&after, 0, sizeof(after));
  ctk_ts_counts_get(province, &before);
  logged = ctk_ts_query_long(province, INBOUND_ROWS);
  fetched = canary_count(&hostile_canary);
  ctk_wire_answer_init(&a);
  case_send(&c, &to_province, &a);
  if(c.keeps_nothing && ctk_ts_query_long(province, INBOUND_ROWS) != logged)
    fail_case(&c, "a request refused without credentials left a row in the message log");
  if(getenv("CTK_HOSTILE_VERBOSE"))
    fprintf(stderr, "test_hostile: %-40s HTTP %3d result %-5s %.60s | %.50s\n", c.file, a.status,
            a.is_fault ? "FAULT" : a.code, a.text, a.where);
  if(!status_matches(&c, a.status)) {
    snprintf(why, sizeof(why), "HTTP status %d, expected %.60s (result %.31s \"%.160s\")", a.status,
             c.http.expect_status, a.code, a.text);
    fail_case(&c, why);
  }
  else if(!result_matches(&c, &a, why, sizeof(why))) {
    char full[640];
    snprintf(full, sizeof(full), "%.400s; expected %.127s", why, c.http.expect_result);
    fail_case(&c, full);
  }
  if(!ctk_ts_alive(province)) {
    fail_case(&c, "the province died");
    ctk_wire_answer_free(&a);
    case_free(&c);
    return;
  }
  if(canary_count(&hostile_canary) != fetched)
    fail_case(&c, "the server connected to a URL named in the message");
  if(!still_answers(province, idx))
    fail_case(&c, "the province no longer answers a LinkCheck with success");
  ctk_ts_counts_get(province, &after);
  if(!c.stores && (after.orders != before.orders || after.outbox != before.outbox)) {
    snprintf(why, sizeof(why), "stored something: orders %ld -> %ld, outbox %ld -> %ld",
             before.orders, after.orders, before.outbox, after.outbox);
    fail_case(&c, why);
  }
  if(c.http.echo[0] && a.has_answer && !strcmp(a.code, ctk_profile_rc(hostile_profile, "OK")) &&
     !echo_matches(&c, province, why, sizeof(why)))
    fail_case(&c, why);
  ctk_wire_answer_free(&a);
  case_free(&c);
}

/* What each catalogue run starts with: the cases, the canary, the profile and a province with
 * no ministry (its outbox simply keeps what it would forward). Returns how many cases. */
static size_t catalogue_start(char **names, ctk_profile **p, ctk_test_node *province,
                              const char *dir_name)
{
  char err[512];
  const char *dir;
  size_t n;

  run_clock_init();
  n = list_cases(names, HOSTILE_MAX_CASES);
  CU_ASSERT_FATAL(n >= 50);
  CU_ASSERT_FATAL(canary_start(&hostile_canary) == 0);
  CU_ASSERT_FATAL(ctk_profile_load(ctk_profile_default_dir(), p, err, sizeof(err)) == CTK_E_OK);
  hostile_profile = *p;
  CU_ASSERT_FATAL(ctk_translate_for_dir(HOSTILE_DIR, *p, &hostile_source, &hostile_tr, err,
                                        sizeof(err)) == CTK_E_OK);
  if(hostile_tr && ctk_translate_is_identity(hostile_tr)) {
    ctk_translate_free(hostile_tr);
    hostile_tr = NULL;
  }
  ctk_wire_use_profile(*p);
  dir = ctk_test_tmpdir(dir_name);
  CU_ASSERT_FATAL(dir != NULL);
  CU_ASSERT_FATAL(ctk_ts_start_inproc(province, "province", dir, "http://127.0.0.1:9") ==
                  CTK_E_OK);
  return n;
}

static void catalogue_stop(ctk_profile *p, ctk_test_node *province)
{
  CU_ASSERT_EQUAL(ctk_ts_stop(province), 0);
  CU_ASSERT(ctk_ts_integrity_ok(province));
  CU_ASSERT_EQUAL(canary_count(&hostile_canary), 0);
  canary_stop(&hostile_canary);
  ctk_translate_free(hostile_tr);
  hostile_tr = NULL;
  ctk_profile_free(hostile_source);
  hostile_source = NULL;
  ctk_wire_use_profile(NULL);
  ctk_profile_free(p);
  hostile_profile = NULL;
}

static void hostile_catalogue(void)
{
  char *names[HOSTILE_MAX_CASES];
  size_t n;
  size_t i;
  ctk_test_node province;
  ctk_profile *p = NULL;

  n = catalogue_start(names, &p, &province, "hostile-province");
  for(i = 0; i < n; i++) {
    run_one(names[i], &province, (unsigned)i);
    free(names[i]);
  }
  catalogue_stop(p, &province);
}

/* Is a the answer of the shared receive step (lib/proto/ctk_receive) rather than of the
 * province's business step? HTTP-level refusals, SOAP Faults, and the result codes of the
 * steps before validation: decoding, size, Content-Type, credentials, and the sender against
 * them (a DENIED at the Sender; the business step's DENIED names other fields). */
static int receive_step_answer(const ctk_wire_answer *a)
{
  static const char *const names[] = { "MALFORMED", "ENCODING", "FORBIDDEN", "TOO_LARGE",
                                       "AUTH" };
  size_t i;
  if(!a->has_answer || a->is_fault)
    return 1;
  for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if(!strcmp(a->code, ctk_profile_rc(hostile_profile, names[i])))
      return 1;
  }
  char sender[3 * CTK_NAME_MAX + 4];
  snprintf(sender, sizeof(sender), "/%s/%s/%s", ctk_el(hostile_profile, CTK_EL_MESSAGE),
           ctk_el(hostile_profile, CTK_EL_HEAD), ctk_el(hostile_profile, CTK_EL_SENDER));
  return !strcmp(a->code, ctk_profile_rc(hostile_profile, "DENIED")) &&
         !strncmp(a->where, sender, strlen(sender));
}

/* One case to the province and, turned round, to the city simulator: when the province refuses
 * it in the receive step, the city must answer it alike and as the file expects. Returns 1 when
 * the answers were compared. */
static int run_one_both(const char *name, const hostile_target *to_province,
                        const hostile_target *to_city)
{
  hostile_case c;
  ctk_wire_answer pa;
  ctk_wire_answer ca;
  char why[512] = "";
  char full[1100];
  unsigned long fetched;
  int compared = 0;

  if(case_load(name, &c) != 0) {
    case_free(&c);
    return 0;
  }
  if(c.http.before[0]) {            /* needs what the province stored before: not the city's */
    case_free(&c);
    return 0;
  }
  /* a node's local routes: not on the city's message port */
  if(!strncmp(c.http.path, "/ctk/", 5)) {
    case_free(&c);
    return 0;
  }
  ctk_wire_answer_init(&pa);
  ctk_wire_answer_init(&ca);
  case_send(&c, to_province, &pa);
  fetched = canary_count(&hostile_canary);
  case_send(&c, to_city, &ca);
  if(getenv("CTK_HOSTILE_VERBOSE"))
    fprintf(stderr, "test_hostile: %-40s province HTTP %3d %-5s city HTTP %3d %-5s %.60s\n",
            c.file, pa.status, pa.is_fault ? "FAULT" : pa.code, ca.status,
            ca.is_fault ? "FAULT" : ca.code, ca.text);
  if(canary_count(&hostile_canary) != fetched)
    fail_case(&c, "the city simulator connected to a URL named in the message");
  if(receive_step_answer(&pa)) {
    compared = 1;
    if(pa.status != ca.status || pa.is_fault != ca.is_fault || strcmp(pa.code, ca.code)) {
      snprintf(full, sizeof(full), "the province answered HTTP %d %s%s \"%.120s\", the city "
               "HTTP %d %s%s \"%.120s\"", pa.status, pa.is_fault ? "Fault " : "", pa.code,
               pa.text, ca.status, ca.is_fault ? "Fault " : "", ca.code, ca.text);
      fail_case(&c, full);
    }
    else if(!status_matches(&c, ca.status) || !result_matches(&c, &ca, why, sizeof(why))) {
      snprintf(full, sizeof(full), "the city: HTTP %d, %.400s; expected %.60s %.127s",
               ca.status, why, c.http.expect_status, c.http.expect_result);
      fail_case(&c, full);
    }
  }
  ctk_wire_answer_free(&pa);
  ctk_wire_answer_free(&ca);
  case_free(&c);
  return compared;
}

static void hostile_catalogue_city(void)
{
  char *names[HOSTILE_MAX_CASES];
  size_t n;
  size_t i;
  ctk_test_node province;
  struct ctk_city_sim *cities = NULL;
  hostile_target to_province;
  hostile_target to_city;
  ctk_profile *p = NULL;
  const char *dir;
  size_t compared = 0;

  n = catalogue_start(names, &p, &province, "hostile-city-province");
  dir = ctk_test_tmpdir("hostile-cities");
  CU_ASSERT_FATAL(dir != NULL);
  CU_ASSERT_FATAL(ctk_ts_start_cities(dir, CTK_TS_CITY, &cities) == CTK_E_OK);
  to_province = province_target(&province);
  to_city = (hostile_target){ ctk_city_sim_port(cities), "/city/" CTK_TS_CITY, CTK_TS_PROVINCE,
                              2, CTK_TS_CITY, 3 };
  for(i = 0; i < n; i++) {
    compared += (size_t)run_one_both(names[i], &to_province, &to_city);
    free(names[i]);
  }
  /* most of the catalogue is refused before validation */
  if(getenv("CTK_HOSTILE_VERBOSE"))
    fprintf(stderr, "test_hostile: %zu of %zu cases compared with the city\n", compared, n);
  CU_ASSERT(compared >= 60);
  ctk_city_sim_stop(cities);
  catalogue_stop(p, &province);
}

static void test_hostile_catalogue(void)
{
  hostile_catalogue();
}

static void test_hostile_catalogue_city(void)
{
  hostile_catalogue_city();
}

#define VARIANT "profiles/synthetic-variant"

/* The same catalogue against a province and cities that speak the synthetic variant: each
 * request translated (lib/proto/ctk_translate), each answer read in the variant's names. */
static void test_hostile_catalogue_variant(void)
{
  setenv("CTK_PROFILE", VARIANT, 1);
  hostile_catalogue();
  unsetenv("CTK_PROFILE");
}

static void test_hostile_catalogue_city_variant(void)
{
  setenv("CTK_PROFILE", VARIANT, 1);
  hostile_catalogue_city();
  unsetenv("CTK_PROFILE");
}

static void test_catalogue_files_are_well_formed(void)
{
  char *names[HOSTILE_MAX_CASES];
  size_t n = list_cases(names, HOSTILE_MAX_CASES);
  size_t i;
  int controls = 0;

  run_clock_init();
  CU_ASSERT(n >= 50);
  for(i = 0; i < n; i++) {
    hostile_case c;
    int ok = case_load(names[i], &c) == 0;
    if(!ok)
      fprintf(stderr, "test_hostile: %s does not follow the README format\n", names[i]);
    CU_ASSERT(ok);
    /* a hostile case never allows success for something the baseline forbids */
    if(ok && one_of(c.http.expect_result, "OK"))
      CU_ASSERT(c.stores || c.http.echo[0]);
    if(ok && c.stores)
      controls++;
    if(ok && c.http.before[0]) {
      char path[512];
      FILE *f;
      snprintf(path, sizeof(path), "%s/%s", HOSTILE_DIR, c.http.before);
      f = fopen(path, "rb");
      CU_ASSERT_PTR_NOT_NULL(f);
      if(f)
        fclose(f);
    }
    case_free(&c);
    free(names[i]);
  }
  CU_ASSERT(controls >= 1);
}

/* Counts the real headers the reader passes on. */
static ctk_code count_header(void *ctx, const char *name, size_t name_len, const char *value,
                             size_t value_len)
{
  (void)name;
  (void)name_len;
  (void)value;
  (void)value_len;
  (*(int *)ctx)++;
  return CTK_E_OK;
}

/* The catalogue's reader: CRLF or LF, comments, directives into fields, real headers passed
 * on, the body's offset; a broken file gets the line and why. */
static void test_case_reader(void)
{
  static const char good[] = "# why\r\nPOST /exchange\r\nContent-Type: application/xml\r\n"
                             "X-Ctk-Auth: city\r\nX-Ctk-Expect-Status: 200|413\r\n"
                             "x-ctk-expect-result: FORMAT\r\nSOAPAction: \"a\"\r\n\r\n<b/>";
  static const struct {
    const char *text;
    const char *why;
  } broken[] = {
    { "# only a comment\n", "no request line" },
    { "POST\nX-Ctk-Auth: city\n\n", "line 1: expected the request line" },
    { "POST /a HTTP/1.1\n\n", "line 1: the request line needs one PATH" },
    { "POST /a\nno colon here\n\n", "line 2: expected a header" },
    { "POST /a\nX-Ctk-Expect-Colour: red\n\n", "line 2: unknown directive X-Ctk-Expect-Colour" },
    { "POST /a\n#\nX-Ctk-Auth: a-value-much-longer-than-the-field-allows-here\n\n",
      "line 3: X-Ctk-Auth longer than 31 characters" },
  };
  ctk_http_case c;
  char why[256];
  int headers = 0;
  size_t i;

  CU_ASSERT_EQUAL(ctk_http_case_read(good, sizeof(good) - 1, &c, count_header, &headers, why,
                                     sizeof(why)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(c.method, "POST");
  CU_ASSERT_STRING_EQUAL(c.path, "/exchange");
  CU_ASSERT_STRING_EQUAL(c.auth, "city");
  CU_ASSERT_STRING_EQUAL(c.expect_status, "200|413");
  CU_ASSERT_STRING_EQUAL(c.expect_result, "FORMAT");
  CU_ASSERT_EQUAL(headers, 2);
  CU_ASSERT_TRUE(c.has_body);
  CU_ASSERT_STRING_EQUAL(good + c.body_offset, "<b/>");
  CU_ASSERT_EQUAL(ctk_http_case_complete(&c, why, sizeof(why)), CTK_E_OK);
  c.auth[0] = '\0';
  CU_ASSERT_EQUAL(ctk_http_case_complete(&c, why, sizeof(why)), CTK_E_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "X-Ctk-Auth"));
  for(i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
    CU_ASSERT_EQUAL(ctk_http_case_read(broken[i].text, strlen(broken[i].text), &c, NULL, NULL,
                                       why, sizeof(why)), CTK_E_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, broken[i].why));
    if(!strstr(why, broken[i].why))
      fprintf(stderr, "hostile reader: %zu: got \"%s\"\n", i, why);
  }
}

void ctk_test_add_hostile(CU_pSuite suite)
{
  CTK_TEST(suite, test_case_reader);
  CTK_TEST(suite, test_catalogue_files_are_well_formed);
  CTK_TEST(suite, test_hostile_catalogue);
  CTK_TEST(suite, test_hostile_catalogue_city);
  CTK_TEST(suite, test_hostile_catalogue_variant);
  CTK_TEST(suite, test_hostile_catalogue_city_variant);
}
