/* test_receive: the reference province and the city simulator receive through one step
 * (lib/proto/ctk_receive). The same odd or hostile request, sent to each with the head and
 * credentials turned for it (a city calls the province, the province calls a city), must get
 * the expected answer from both: the same HTTP status, result code, SOAP Fault or not, and
 * answer charset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "city/ctk_city.h"
#include "ctk_buf.h"
#include "ctk_msg.h"
#include "ctk_profile.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"
#include "ctk_test_wire.h"

#define GBK_TEXT "\xc4\xcf\xb2\xfd"          /* 南昌 in GBK: not UTF-8 */
#define UTF8_TEXT "\xe5\x8d\x97\xe6\x98\x8c" /* 南昌 in UTF-8 */
/* 南 in UTF-8 just before the '<' of </Echo>: its last byte starts a GBK pair that '<' ends */
#define NOT_GBK_TEXT "\xe5\x8d\x97"
#define OVER_LIMIT ((size_t)1100 * 1024)    /* over the baseline's maxMessageBytes (1 MiB) */

typedef enum { RX_AUTH_OWN, RX_AUTH_NONE, RX_AUTH_WRONG_PASSWORD, RX_AUTH_OTHER_NODE } rx_auth;
typedef enum {
  RX_HEAD_OWN,                 /* from the caller to the receiver, at their levels */
  RX_HEAD_ANSWER,              /* an Answer (a well-formed one) posted as a request */
  RX_HEAD_WRONG_RECEIVER,      /* to a region that is not the receiver */
  RX_HEAD_WRONG_LEVEL          /* the caller's region with the ministry's level */
} rx_head;

typedef struct rx_case {
  const char *name;
  const char *method;
  int soap_path;               /* POST to .../soap instead of .../exchange */
  int soap_wrap;               /* the message inside a SOAP 1.1 envelope */
  const char *content_type;    /* NULL: no Content-Type header */
  const char *declared;        /* encoding of the XML declaration; NULL: no declaration */
  const char *echo;            /* LinkCheck Echo, as bytes */
  rx_auth auth;
  rx_head head;
  int doctype;                 /* a DOCTYPE with an internal entity used in Echo */
  int empty;                   /* no body at all */
  size_t pad;                  /* spaces added to Echo */
  int expect_status;
  const char *expect;          /* result name of the Answer, "FAULT", or "-": no Answer */
  const char *expect_charset;  /* of the answer's Content-Type; NULL: not checked */
} rx_case;

static const rx_case rx_cases[] = {
  { "valid UTF-8 control", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8", UTF8_TEXT,
    RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200, "OK", "UTF-8" },
  { "GBK bytes declared in the Content-Type only", "POST", 0, 0,
    "application/xml; charset=GBK", NULL, GBK_TEXT, RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200,
    "ENCODING", "GBK" },
  { "UTF-8 declared over GBK bytes", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8",
    GBK_TEXT, RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200, "ENCODING", "UTF-8" },
  { "quoted GBK charset over ASCII without declaration", "POST", 0, 0,
    "application/xml; charset=\"GBK\"", NULL, "ping", RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200,
    "OK", "GBK" },
  { "GB18030 label over a GBK declaration", "POST", 0, 0, "text/xml; charset=GB18030", "GBK",
    GBK_TEXT, RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200, "OK", "GBK" },
  { "GBK declared, no charset, bytes not GBK", "POST", 0, 0, "application/xml", "GBK",
    NOT_GBK_TEXT, RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200, "ENCODING", "GBK" },
  { "no Content-Type at all", "POST", 0, 0, NULL, "UTF-8", "ping", RX_AUTH_OWN, RX_HEAD_OWN, 0,
    0, 0, 200, "OK", "UTF-8" },
  { "text/plain Content-Type", "POST", 0, 0, "text/plain", "UTF-8", "ping", RX_AUTH_OWN,
    RX_HEAD_OWN, 0, 0, 0, 200, "MALFORMED", "UTF-8" },
  { "application/json Content-Type", "POST", 0, 0, "application/json", "UTF-8", "ping",
    RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200, "MALFORMED", "UTF-8" },
  /* 401 with a Basic challenge and the AUTH Answer (RFC 9110 15.5.2, RFC 7617) */
  { "missing credentials", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8", "ping",
    RX_AUTH_NONE, RX_HEAD_OWN, 0, 0, 0, 401, "AUTH", "UTF-8" },
  { "wrong password", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8", "ping",
    RX_AUTH_WRONG_PASSWORD, RX_HEAD_OWN, 0, 0, 0, 401, "AUTH", "UTF-8" },
  { "credentials of another node", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8",
    "ping", RX_AUTH_OTHER_NODE, RX_HEAD_OWN, 0, 0, 0, 200, "DENIED", "UTF-8" },
  { "sender level other than its credentials'", "POST", 0, 0,
    "application/xml; charset=UTF-8", "UTF-8", "ping", RX_AUTH_OWN, RX_HEAD_WRONG_LEVEL, 0, 0,
    0, 200, "DENIED", "UTF-8" },
  { "an Answer posted as a request", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8",
    "ping", RX_AUTH_OWN, RX_HEAD_ANSWER, 0, 0, 0, 200, "MALFORMED", "UTF-8" },
  { "another receiver", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8", "ping",
    RX_AUTH_OWN, RX_HEAD_WRONG_RECEIVER, 0, 0, 0, 200, "ROUTE", "UTF-8" },
  { "SOAP-wrapped message", "POST", 1, 1, "text/xml; charset=UTF-8", "UTF-8", UTF8_TEXT,
    RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200, "OK", "UTF-8" },
  { "SOAP-wrapped GBK message", "POST", 1, 1, "text/xml; charset=GBK", "GBK", GBK_TEXT,
    RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 200, "OK", "GBK" },
  { "plain Message on the SOAP path", "POST", 1, 0, "text/xml; charset=UTF-8", "UTF-8", "ping",
    RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, 0, 500, "FAULT", "UTF-8" },
  { "DOCTYPE with an entity", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8", "&e;",
    RX_AUTH_OWN, RX_HEAD_OWN, 1, 0, 0, 200, "FORBIDDEN", "UTF-8" },
  { "empty body", "POST", 0, 0, "application/xml; charset=UTF-8", NULL, NULL, RX_AUTH_OWN,
    RX_HEAD_OWN, 0, 1, 0, 200, "MALFORMED", "UTF-8" },
  { "body over the profile's limit", "POST", 0, 0, "application/xml; charset=UTF-8", "UTF-8",
    "ping", RX_AUTH_OWN, RX_HEAD_OWN, 0, 0, OVER_LIMIT, 413, "TOO_LARGE", "UTF-8" },
  { "GET", "GET", 0, 0, "application/xml; charset=UTF-8", "UTF-8", "ping", RX_AUTH_OWN,
    RX_HEAD_OWN, 0, 0, 0, 405, "-", NULL },
};

/* Who receives: the province called by its city, or a simulated city called by the province. */
typedef struct rx_target {
  const char *name;
  int port;
  const char *path_prefix;     /* before /exchange or /soap */
  const char *self;
  int self_level;
  const char *caller;
  int caller_level;
  const char *other_node;      /* credentials it knows of a node that is not the caller */
} rx_target;

static void rx_head_xml(ctk_buf *out, const rx_case *c, const rx_target *t)
{
  char msg_id[CTK_MSGID_MAX];
  char now[40];
  const char *root = c->head == RX_HEAD_ANSWER ? "Answer" : "Message";

  ctk_msg_make_id(t->caller, msg_id);
  ctk_msg_now(now, sizeof(now));
  ctk_buf_printf(out, "<%s xmlns=\"urn:ctk12328:baseline:1\"><Head><MsgId>%s</MsgId>"
                 "<InterfaceCode>1013</InterfaceCode>"
                 "<Sender><Region>%s</Region><Level>%d</Level></Sender>"
                 "<Receiver><Region>%s</Region><Level>%d</Level></Receiver>"
                 "<SendTime>%s</SendTime><ProfileVersion>1.0</ProfileVersion>",
                 root, msg_id, t->caller, c->head == RX_HEAD_WRONG_LEVEL ? 1 : t->caller_level,
                 c->head == RX_HEAD_WRONG_RECEIVER ? "360900" : t->self, t->self_level, now);
  if(c->head == RX_HEAD_ANSWER)
    ctk_buf_printf(out, "<CorrelId>%s</CorrelId></Head><Result><Code>0000</Code>"
                   "<Text>success</Text></Result><Body><LinkCheckResult><Echo>%s</Echo>"
                   "<ServerTime>%s</ServerTime></LinkCheckResult></Body></Answer>", msg_id,
                   c->echo, now);
  else
    ctk_buf_adds(out, "</Head><Body><LinkCheck><Echo>");
}

/* The request body of case c for target t. */
static void rx_body(ctk_buf *out, const rx_case *c, const rx_target *t)
{
  ctk_buf msg;
  size_t i;

  if(c->empty)
    return;
  ctk_buf_init(&msg, 0);
  if(c->doctype)
    ctk_buf_adds(&msg, "<!DOCTYPE Message [<!ENTITY e \"entity\">]>\n");
  rx_head_xml(&msg, c, t);
  if(c->head != RX_HEAD_ANSWER) {
    ctk_buf_adds(&msg, c->echo);
    for(i = 0; i < c->pad; i++)
      ctk_buf_addc(&msg, ' ');
    ctk_buf_adds(&msg, "</Echo></LinkCheck></Body></Message>");
  }
  if(c->declared)
    ctk_buf_printf(out, "<?xml version=\"1.0\" encoding=\"%s\"?>\n", c->declared);
  if(c->soap_wrap) {
    ctk_buf_adds(out, "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
                 " xmlns:ex=\"urn:ctk12328:baseline:1:soap\"><soapenv:Body><ex:exchange>"
                 "<ex:message><![CDATA[");
    ctk_buf_add(out, msg.data, msg.len);
    ctk_buf_adds(out, "]]></ex:message></ex:exchange></soapenv:Body></soapenv:Envelope>");
  }
  else
    ctk_buf_add(out, msg.data, msg.len);
  ctk_buf_free(&msg);
}

static void rx_send(const rx_case *c, const rx_target *t, ctk_wire_answer *a)
{
  ctk_buf head;
  ctk_buf body;
  char secret[96];
  char auth[256];

  ctk_buf_init(&head, 0);
  ctk_buf_init(&body, (size_t)4 * 1024 * 1024);
  rx_body(&body, c, t);
  ctk_buf_printf(&head, "%s %s/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", c->method,
                 t->path_prefix, c->soap_path ? "soap" : "exchange", t->port);
  if(c->content_type)
    ctk_buf_printf(&head, "Content-Type: %s\r\n", c->content_type);
  if(c->soap_path)
    ctk_buf_adds(&head, "SOAPAction: \"urn:ctk12328:baseline:1#exchange\"\r\n");
  auth[0] = '\0';
  if(c->auth == RX_AUTH_OWN) {
    ctk_ts_secret(t->caller, secret, sizeof(secret));
    ctk_wire_basic_auth(t->caller, secret, auth, sizeof(auth));
  }
  else if(c->auth == RX_AUTH_WRONG_PASSWORD)
    ctk_wire_basic_auth(t->caller, "not-the-secret-of-anyone-at-all", auth, sizeof(auth));
  else if(c->auth == RX_AUTH_OTHER_NODE) {
    ctk_ts_secret(t->other_node, secret, sizeof(secret));
    ctk_wire_basic_auth(t->other_node, secret, auth, sizeof(auth));
  }
  if(auth[0])
    ctk_buf_printf(&head, "Authorization: %s\r\n", auth);
  ctk_buf_printf(&head, "Content-Length: %zu\r\nConnection: close\r\n\r\n", body.len);
  ctk_wire_answer_init(a);
  ctk_wire_send(t->port, head.data, head.len, body.data, body.len, 0, NULL, 0, a);
  ctk_buf_free(&head);
  ctk_buf_free(&body);
}

/* The charset parameter of a Content-Type into out ("" when there is none). */
static void rx_charset(const char *content_type, char *out, size_t outlen)
{
  const char *cs = strcasestr(content_type, "charset=");
  size_t n = 0;
  out[0] = '\0';
  if(!cs)
    return;
  cs += 8;
  while(cs[n] && cs[n] != ';' && cs[n] != ' ')
    n++;
  snprintf(out, outlen, "%.*s", (int)n, cs);
}

/* Does the answer a say what case c expects? why says what it said otherwise. */
static int rx_as_expected(const ctk_profile *p, const rx_case *c, const ctk_wire_answer *a,
                          char *why, size_t whylen)
{
  char charset[32];
  rx_charset(a->content_type, charset, sizeof(charset));
  snprintf(why, whylen, "HTTP %d %s%s \"%.100s\" at \"%.60s\", %s", a->status,
           a->is_fault ? "Fault " : "", a->code, a->text, a->where, a->content_type);
  if(a->status != c->expect_status)
    return 0;
  if(c->expect_charset && strcasecmp(charset, c->expect_charset))
    return 0;
  if(!strcmp(c->expect, "-"))
    return !a->has_answer && !a->is_fault;
  if(!strcmp(c->expect, "FAULT"))
    return a->is_fault && !strcmp(a->code, ctk_profile_rc(p, "MALFORMED"));
  return a->has_answer && !a->is_fault && !strcmp(a->code, ctk_profile_rc(p, c->expect)) &&
         a->text[0];
}

static void rx_fail(const char *what)
{
  fprintf(stderr, "test_receive: FAIL %s\n", what);
}

static void test_node_and_city_answer_alike(void)
{
  ctk_test_node province;
  struct ctk_city_sim *cities = NULL;
  ctk_profile *p = NULL;
  char err[512];
  const char *dir;
  size_t i;
  rx_target targets[2];

  CU_ASSERT_FATAL(ctk_profile_load(ctk_profile_default_dir(), &p, err, sizeof(err)) == CTK_E_OK);
  dir = ctk_test_tmpdir("receive-province");
  CU_ASSERT_FATAL(dir != NULL);
  CU_ASSERT_FATAL(ctk_ts_start_inproc(&province, "province", dir, "http://127.0.0.1:9") ==
                  CTK_E_OK);
  dir = ctk_test_tmpdir("receive-cities");
  CU_ASSERT_FATAL(dir != NULL);
  CU_ASSERT_FATAL(ctk_ts_start_cities(dir, CTK_TS_CITY, &cities) == CTK_E_OK);

  targets[0] = (rx_target){ "province", province.port, "", CTK_TS_PROVINCE, 2, CTK_TS_CITY, 3,
                            CTK_TS_OTHER_CITY };
  targets[1] = (rx_target){ "city", ctk_city_sim_port(cities), "/city/" CTK_TS_CITY, CTK_TS_CITY,
                            3, CTK_TS_PROVINCE, 2, CTK_TS_OTHER_CITY };
  for(i = 0; i < sizeof(rx_cases) / sizeof(rx_cases[0]); i++) {
    const rx_case *c = &rx_cases[i];
    ctk_wire_answer a[2];
    char why[2][512];
    char line[1400];
    int t;
    int ok;

    for(t = 0; t < 2; t++) {
      rx_send(c, &targets[t], &a[t]);
      ok = rx_as_expected(p, c, &a[t], why[t], sizeof(why[t]));
      if(getenv("CTK_RECEIVE_VERBOSE"))
        fprintf(stderr, "test_receive: %-48s %-8s %s\n", c->name, targets[t].name, why[t]);
      CU_ASSERT(ok);
      if(!ok) {
        snprintf(line, sizeof(line), "%s: the %s answered %s; expected HTTP %d %s", c->name,
                 targets[t].name, why[t], c->expect_status, c->expect);
        rx_fail(line);
      }
    }
    ok = a[0].status == a[1].status && a[0].is_fault == a[1].is_fault &&
         !strcmp(a[0].code, a[1].code) && !strcmp(a[0].content_type, a[1].content_type);
    CU_ASSERT(ok);
    if(!ok) {
      snprintf(line, sizeof(line), "%s: the province answered %s, the city %s", c->name, why[0],
               why[1]);
      rx_fail(line);
    }
    ctk_wire_answer_free(&a[0]);
    ctk_wire_answer_free(&a[1]);
  }
  ctk_city_sim_stop(cities);
  CU_ASSERT_EQUAL(ctk_ts_stop(&province), 0);
  ctk_profile_free(p);
}

void ctk_test_add_receive(CU_pSuite suite)
{
  CTK_TEST(suite, test_node_and_city_answer_alike);
}
