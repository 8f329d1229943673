/* test_conventions: what mainstream SOAP and HTTP clients expect of a node, on the wire
 * (issue 18): the WSDL at ?wsdl with the node's own address, Allow/HEAD/OPTIONS on every route,
 * the 401 challenge, readable SOAP Faults, answers that pass our own schema and speak in the
 * node's own name. The real third-party clients are in test_interop.c. */
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ctk_buf.h"
#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_node.h"
#include "ctk_profile.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"
#include "ctk_test_wire.h"
#include "ctk_validate.h"

/* A bodiless request to port with this Host header (NULL: 127.0.0.1:port). */
static void conv_get(int port, const char *request_line, const char *host, ctk_wire_answer *a)
{
  char head[1024];
  char own[64];

  snprintf(own, sizeof(own), "127.0.0.1:%d", port);
  snprintf(head, sizeof(head), "%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
           request_line, host ? host : own);
  ctk_wire_answer_init(a);
  ctk_wire_send(port, head, strlen(head), NULL, 0, 0, NULL, 0, a);
}

/* The soap:address location of a served WSDL into out ("" if none). */
static void conv_location(const ctk_wire_answer *a, char *out, size_t outlen)
{
  const char *body = ctk_buf_str(&a->body);
  const char *loc = strstr(body, "location=\"");
  const char *end = loc ? strchr(loc + 10, '"') : NULL;
  size_t n = end ? (size_t)(end - loc - 10) : 0;

  if(n >= outlen)
    n = outlen - 1;
  memcpy(out, loc ? loc + 10 : "", n);
  out[n] = '\0';
}

/* GET request_line with this Host header (NULL: 127.0.0.1:port): the WSDL comes back (200)
 * and its soap:address location is want. */
static void conv_expect_location(int port, const char *request_line, const char *host,
                                 const char *want)
{
  ctk_wire_answer a;
  char loc[256];

  conv_get(port, request_line, host, &a);
  CU_ASSERT_EQUAL(a.status, 200);
  conv_location(&a, loc, sizeof(loc));
  CU_ASSERT_STRING_EQUAL(loc, want);
  ctk_wire_answer_free(&a);
}

/* A node with only the options this suite needs (no credentials: nobody may call it). */
static ctk_node_engine *conv_node_on(const char *name, const char *address, const char *listen)
{
  ctk_node_config cfg;
  ctk_node_engine *n = NULL;
  char err[512];
  const char *dir = ctk_test_tmpdir(name);

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  ctk_node_config_init(&cfg, CTK_LEVEL_PROVINCE);
  ctk_strlcpy(cfg.region, CTK_TS_PROVINCE, sizeof(cfg.region));
  ctk_strlcpy(cfg.data_dir, dir, sizeof(cfg.data_dir));
  ctk_strlcpy(cfg.log_level, "error", sizeof(cfg.log_level));
  if(address)
    CU_ASSERT_EQUAL(ctk_node_config_set(&cfg, "address", address, err, sizeof(err)), CTK_E_OK);
  if(listen)
    CU_ASSERT_EQUAL(ctk_node_config_set(&cfg, "listen", listen, err, sizeof(err)), CTK_E_OK);
  if(ctk_node_start(&cfg, &n, err, sizeof(err)))
    fprintf(stderr, "test_conventions: %s\n", err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  return n;
}

static ctk_node_engine *conv_node(const char *name, const char *address)
{
  return conv_node_on(name, address, NULL);
}

/* Issue 18, point 8: GET /soap?wsdl serves the profile's WSDL (it was 405) with the node's
 * real address (it was fixed at 127.0.0.1:8080): the request's Host when that names this node
 * on its port, else the configured address; a stranger's Host never gets into it. */
static void test_conventions_wsdl_has_the_nodes_address(void)
{
  ctk_node_engine *n = conv_node("conv-wsdl", NULL);
  int port = ctk_node_port(n);
  ctk_wire_answer a;
  char want[128];
  char host[64];
  char loc[256];
  char *file;

  conv_get(port, "GET /soap?wsdl", NULL, &a);
  CU_ASSERT_EQUAL(a.status, 200);
  conv_location(&a, loc, sizeof(loc));
  snprintf(want, sizeof(want), "http://127.0.0.1:%d/soap", port);
  CU_ASSERT_STRING_EQUAL(loc, want);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&a.body), "targetNamespace=\"urn:ctk12328:"
                                                       "baseline:1:soap\""));
  /* apart from the address it is the profile's file */
  file = ctk_test_read_file("profiles/jtt1019-baseline/schemas/ctk12328.wsdl", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(file);
  CU_ASSERT_PTR_NOT_NULL(strstr(file, "<wsdl:operation name=\"exchange\">"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&a.body), "<wsdl:operation name=\"exchange\">"));
  free(file);
  ctk_wire_answer_free(&a);

  /* another of its own names, as .NET asks (?WSDL) */
  snprintf(host, sizeof(host), "localhost:%d", port);
  snprintf(want, sizeof(want), "http://localhost:%d/soap", port);
  conv_expect_location(port, "GET /soap?WSDL", host, want);

  /* a name that is not the node's, or its name on another port: the configured address */
  snprintf(want, sizeof(want), "http://127.0.0.1:%d/soap", port);
  conv_expect_location(port, "GET /soap?wsdl", "evil.example", want);
  conv_expect_location(port, "GET /soap?wsdl", "localhost:1", want);
  conv_expect_location(port, "GET /soap?wsdl", "127.0.0.1:80\"><x y=\"", want);
  /* its own name and port, but spelt with a character no Host has (strtol would take "+") */
  snprintf(host, sizeof(host), "127.0.0.1:+%d", port);
  conv_expect_location(port, "GET /soap?wsdl", host, want);

  /* HEAD: the same answer without the body */
  conv_get(port, "HEAD /soap?wsdl", NULL, &a);
  CU_ASSERT_EQUAL(a.status, 200);
  CU_ASSERT_EQUAL(a.body.len, 0);
  ctk_wire_answer_free(&a);
  ctk_node_stop(n);
}

/* --address: the name clients use (a proxy, a DNS name) is what the WSDL says, and a Host of
 * that name and port is taken as it is. */
static void test_conventions_wsdl_configured_address(void)
{
  /* a host and a port, nothing else; brackets only around an IPv6 address (a stray one would
   * make the WSDL's location no URL) */
  static const struct {
    const char *value;
    ctk_code want;
  } addresses[] = {
    { "a.example/evil", CTK_E_INVAL }, { "a\"b", CTK_E_INVAL }, { "a]b:8443", CTK_E_INVAL },
    { "a[b:8443", CTK_E_INVAL }, { "[[::1]:8443", CTK_E_INVAL }, { "[::1]:8443", CTK_E_OK },
    { "ctk.example.org", CTK_E_OK },
  };
  ctk_node_engine *n = conv_node("conv-wsdl-address", "ctk.example.org:8443");
  int port = ctk_node_port(n);
  char err[256];
  ctk_node_config cfg;
  size_t i;

  conv_expect_location(port, "GET /soap?wsdl", "evil.example", "http://ctk.example.org:8443/soap");
  conv_expect_location(port, "GET /soap?wsdl", "CTK.example.org:8443", "http://CTK.example.org:8443/soap");
  ctk_node_stop(n);

  ctk_node_config_init(&cfg, CTK_LEVEL_PROVINCE);
  for(i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
    ctk_code got = ctk_node_config_set(&cfg, "address", addresses[i].value, err, sizeof(err));
    if(got != addresses[i].want)
      fprintf(stderr, "conventions: --address %s gave %d\n", addresses[i].value, (int)got);
    CU_ASSERT_EQUAL(got, addresses[i].want);
  }
}

/* Runs in a network namespace of its own, whose only interface is its loopback: a node
 * listening on every address there is reachable from nowhere else. */
static void *conv_wildcard_thread(void *arg)
{
  int *ran = arg;
  struct ifreq ifr;
  int fd;
  ctk_node_engine *n;
  int port;
  char host[64];
  char want[128];

  /* a namespace is per thread: the node's threads, started from here, inherit it */
  if(unshare(CLONE_NEWNET) != 0)
    return NULL;
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  if(fd < 0)
    return NULL;
  memset(&ifr, 0, sizeof(ifr));
  ctk_strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
  if(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP;
    if(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0)
      *ran = 1;
  }
  close(fd);
  if(!*ran)
    return NULL;
  n = conv_node_on("conv-wsdl-any", NULL, "0.0.0.0");
  port = ctk_node_port(n);
  snprintf(host, sizeof(host), "localhost:%d", port);
  snprintf(want, sizeof(want), "http://localhost:%d/soap", port);
  conv_expect_location(port, "GET /soap?wsdl", host, want);
  ctk_node_stop(n);
  return NULL;
}

/* A node on every address (0.0.0.0) answers to the loopback names and the host's own name.
 * Tests bind to loopback only, so this one listens in a network namespace it creates (root,
 * as in CI); without the right to make one it says so and checks nothing. */
static void test_conventions_wsdl_on_every_address(void)
{
  pthread_t th;
  int ran = 0;

  CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, conv_wildcard_thread, &ran), 0);
  pthread_join(th, NULL);
  if(!ran)
    printf("\n  test_conventions_wsdl_on_every_address: skipped, no network namespace "
           "(needs CAP_SYS_ADMIN)\n");
}

/* Issue 18, point 3. RFC 9110 15.5.6: a 405 must list the allowed methods in Allow; 9.3.2:
 * HEAD on a GET resource is its GET without the body (HEAD health checks); 9.3.7: OPTIONS. */
static void test_conventions_routes_allow_head_options(void)
{
  static const struct {
    const char *line;
    int status;
    const char *allow;         /* NULL: no Allow expected */
  } cases[] = {
    { "GET /exchange", 405, "POST, OPTIONS" },
    { "PUT /soap", 405, "POST, OPTIONS" },
    { "OPTIONS /exchange", 200, "POST, OPTIONS" },
    { "HEAD /ctk/health", 200, NULL },
    { "OPTIONS /ctk/health", 200, "GET, HEAD, OPTIONS" },
    { "HEAD /ctk/stats", 200, NULL },
    { "DELETE /ctk/stats", 405, "GET, HEAD, OPTIONS" },
    { "HEAD /ctk/outbox", 200, NULL },
    { "GET /ctk/urge", 405, "POST, OPTIONS" },
    { "OPTIONS /soap?wsdl", 200, "GET, POST, HEAD, OPTIONS" },
  };
  ctk_node_engine *n = conv_node("conv-routes", NULL);
  int port = ctk_node_port(n);
  size_t i;

  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ctk_wire_answer a;
    char allow[128];
    conv_get(port, cases[i].line, NULL, &a);
    if(a.status != cases[i].status)
      fprintf(stderr, "test_conventions: %s: HTTP %d, expected %d\n", cases[i].line, a.status,
              cases[i].status);
    CU_ASSERT_EQUAL(a.status, cases[i].status);
    ctk_wire_header(&a, "Allow", allow, sizeof(allow));
    CU_ASSERT_STRING_EQUAL(allow, cases[i].allow ? cases[i].allow : "");
    if(!strncmp(cases[i].line, "HEAD", 4))
      CU_ASSERT_EQUAL(a.body.len, 0);
    ctk_wire_answer_free(&a);
  }
  ctk_node_stop(n);
}

/* ---- the exchange paths of the test province (ctk_test_serve's network) ---- */

/* POST body to path of the province as user (NULL: no Authorization) with this Content-Type
 * and, when soap, a SOAPAction. scheme: the Basic scheme name as sent ("Basic", "basic"). */
static void conv_post(const ctk_test_node *node, const char *path, const char *user,
                      const char *scheme, const char *content_type, const char *body,
                      ctk_wire_answer *a)
{
  char head[2048];
  char auth[512] = "";
  char secret[96];

  if(user) {
    char basic[400];
    ctk_ts_secret(user, secret, sizeof(secret));
    ctk_wire_basic_auth(user, secret, basic, sizeof(basic));
    snprintf(auth, sizeof(auth), "Authorization: %s %s\r\n", scheme, basic + 6);
  }
  snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: %s\r\n"
           "%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n", path, node->port,
           content_type, strcmp(path, "/soap") ? "" :
           "SOAPAction: \"urn:ctk12328:baseline:1#exchange\"\r\n", auth, strlen(body));
  ctk_wire_answer_init(a);
  ctk_wire_send(node->port, head, strlen(head), body, strlen(body), 0, NULL, 0, a);
}

/* A LinkCheck from the test city to the province (receiver may be changed). */
static void conv_linkcheck(ctk_buf *out, const char *msg_id, const char *receiver)
{
  ctk_buf_init(out, 65536);
  ctk_ts_message(out, msg_id, "1013", CTK_TS_CITY, 3, receiver, 2, "<LinkCheck/>");
}

/* The answer body (plain XML) must pass our own profile: schema, formats, envelope rules. */
static void conv_assert_valid_answer(const ctk_wire_answer *a, ctk_binding b, ctk_msg **out)
{
  ctk_problems problems;
  ctk_code rc;

  *out = NULL;
  rc = ctk_validate_bytes(ctk_test_profile(), ctk_buf_str(&a->body), a->body.len, b, out,
                          &problems);
  if(rc != CTK_E_OK)
    fprintf(stderr, "test_conventions: answer fails the profile: %s at %s: %s\n",
            problems.count ? problems.items[0].code : "?",
            problems.count ? problems.items[0].where : "?",
            problems.count ? problems.items[0].text : ctk_buf_str(&a->body));
  CU_ASSERT_EQUAL(rc, CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(*out);
}

/* Issue 18, points 2 and 4. RFC 9110 15.5.2 / RFC 7617: missing or wrong credentials get 401
 * with a Basic challenge (they got 200 and no WWW-Authenticate), the body still the AUTH
 * Answer; RFC 9110 11.1: the scheme name in any case authenticates. */
static void test_conventions_auth_challenge_and_scheme_case(void)
{
  ctk_test_node node;
  ctk_wire_answer a;
  ctk_buf msg;
  char v[128];

  CU_ASSERT_EQUAL_FATAL(ctk_ts_start_inproc(&node, "province", ctk_test_tmpdir("conv-auth"),
                                            NULL), CTK_E_OK);
  conv_linkcheck(&msg, "3601002026120700000000000000a1", CTK_TS_PROVINCE);
  conv_post(&node, "/exchange", NULL, NULL, "application/xml", ctk_buf_str(&msg), &a);
  CU_ASSERT_EQUAL(a.status, 401);
  CU_ASSERT_EQUAL(ctk_wire_header(&a, "WWW-Authenticate", v, sizeof(v)), 0);
  CU_ASSERT_STRING_EQUAL(v, "Basic realm=\"12328 360000\", charset=\"UTF-8\"");
  CU_ASSERT_STRING_EQUAL(a.code, ctk_profile_rc(ctk_test_profile(), "AUTH"));
  ctk_wire_answer_free(&a);

  /* the same request, credentials with the scheme in lower case: accepted */
  conv_post(&node, "/exchange", CTK_TS_CITY, "basic", "application/xml", ctk_buf_str(&msg), &a);
  CU_ASSERT_EQUAL(a.status, 200);
  CU_ASSERT_STRING_EQUAL(a.code, ctk_profile_rc(ctk_test_profile(), "OK"));
  ctk_wire_answer_free(&a);
  ctk_buf_free(&msg);
  ctk_ts_stop(&node);
}

/* Issue 18, point 5: a request that is not XML, or not sent as XML, gets an Answer that our
 * own schema and formats accept (it had empty InterfaceCode, Receiver, CorrelId, Level 0):
 * from this node, to the caller HTTP names, the link-check interface, its own MsgId as
 * CorrelId. */
static void test_conventions_unread_requests_get_valid_answers(void)
{
  static const struct {
    const char *content_type;
    const char *body;
  } cases[] = {
    { "application/json", "{\"MsgId\": 1}" },
    { "application/xml", "{\"MsgId\": 1}" },
    { "text/plain", "<Message/>" },
  };
  ctk_test_node node;
  size_t i;

  CU_ASSERT_EQUAL_FATAL(ctk_ts_start_inproc(&node, "province", ctk_test_tmpdir("conv-unread"),
                                            NULL), CTK_E_OK);
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ctk_wire_answer a;
    ctk_msg *ans = NULL;
    conv_post(&node, "/exchange", CTK_TS_CITY, "Basic", cases[i].content_type, cases[i].body,
              &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.code, ctk_profile_rc(ctk_test_profile(), "MALFORMED"));
    conv_assert_valid_answer(&a, CTK_BIND_XML, &ans);
    if(ans) {
      CU_ASSERT_STRING_EQUAL(ans->head.sender.region, CTK_TS_PROVINCE);
      CU_ASSERT_STRING_EQUAL(ans->head.receiver.region, CTK_TS_CITY);
      CU_ASSERT_EQUAL(ans->head.receiver.level, CTK_LEVEL_CITY);
      CU_ASSERT_STRING_EQUAL(ans->head.interface_code, "1013");
      CU_ASSERT_STRING_EQUAL(ans->head.correl_id, ans->head.msg_id);
    }
    ctk_msg_free(ans);
    ctk_wire_answer_free(&a);
  }
  {
    /* nobody named at all: to the province's upper neighbour, still valid */
    ctk_wire_answer a;
    ctk_msg *ans = NULL;
    conv_post(&node, "/exchange", NULL, NULL, "text/plain", "hello", &a);
    conv_assert_valid_answer(&a, CTK_BIND_XML, &ans);
    if(ans)
      CU_ASSERT_STRING_EQUAL(ans->head.receiver.region, "100000");
    ctk_msg_free(ans);
    ctk_wire_answer_free(&a);
  }
  ctk_ts_stop(&node);
}

/* Issue 18, point 6: refusals come in this node's name: a request for another receiver, or
 * with wrong credentials, is answered with Sender = this node and a MsgId of its own range
 * (it was the receiver the request named, and its range). */
static void test_conventions_refusals_in_own_name(void)
{
  ctk_test_node node;
  ctk_wire_answer a;
  ctk_msg *ans = NULL;
  ctk_buf msg;

  CU_ASSERT_EQUAL_FATAL(ctk_ts_start_inproc(&node, "province", ctk_test_tmpdir("conv-name"),
                                            NULL), CTK_E_OK);
  conv_linkcheck(&msg, "3601002026120700000000000000b1", "440000");
  conv_post(&node, "/exchange", CTK_TS_CITY, "Basic", "application/xml", ctk_buf_str(&msg), &a);
  CU_ASSERT_STRING_EQUAL(a.code, ctk_profile_rc(ctk_test_profile(), "ROUTE"));
  conv_assert_valid_answer(&a, CTK_BIND_XML, &ans);
  if(ans) {
    CU_ASSERT_STRING_EQUAL(ans->head.sender.region, CTK_TS_PROVINCE);
    CU_ASSERT_EQUAL(strncmp(ans->head.msg_id, CTK_TS_PROVINCE, 6), 0);
    CU_ASSERT_STRING_EQUAL(ans->head.correl_id, "3601002026120700000000000000b1");
  }
  ctk_msg_free(ans);
  ctk_wire_answer_free(&a);
  /* without credentials, addressed to another province */
  conv_post(&node, "/exchange", NULL, NULL, "application/xml", ctk_buf_str(&msg), &a);
  CU_ASSERT_EQUAL(a.status, 401);
  conv_assert_valid_answer(&a, CTK_BIND_XML, &ans);
  if(ans) {
    CU_ASSERT_STRING_EQUAL(ans->head.sender.region, CTK_TS_PROVINCE);
    CU_ASSERT_EQUAL(strncmp(ans->head.msg_id, CTK_TS_PROVINCE, 6), 0);
  }
  ctk_msg_free(ans);
  ctk_wire_answer_free(&a);
  ctk_buf_free(&msg);
  ctk_ts_stop(&node);
}

/* The faultcode and the namespaces of the Fault's children, read the way a SOAP stack reads
 * them: the children of soap:Fault by local name in no namespace. */
typedef struct conv_fault {
  int found;
  int children_unqualified;
  char code[64];
  char detail_code[16];
} conv_fault;

static void conv_read_fault(const ctk_wire_answer *a, conv_fault *f)
{
  xmlDocPtr doc = xmlReadMemory(ctk_buf_str(&a->body), (int)a->body.len, "fault.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlNodePtr n;

  memset(f, 0, sizeof(*f));
  n = doc ? xmlDocGetRootElement(doc) : NULL;
  n = n ? ctk_xml_child(n, "Body") : NULL;
  n = n ? ctk_xml_child(n, "Fault") : NULL;
  if(n) {
    xmlNodePtr c;
    f->found = 1;
    f->children_unqualified = 1;
    for(c = n->children; c; c = c->next) {
      if(c->type != XML_ELEMENT_NODE)
        continue;
      if(c->ns)
        f->children_unqualified = 0;
      if(!strcmp((const char *)c->name, "faultcode")) {
        xmlChar *t = xmlNodeGetContent(c);
        ctk_strlcpy(f->code, t ? (const char *)t : "", sizeof(f->code));
        xmlFree(t);
      }
    }
  }
  xmlFreeDoc(doc);
  ctk_wire_xml_text(ctk_buf_str(&a->body), a->body.len, "detail", "Code", f->detail_code,
                    sizeof(f->detail_code));
}

/* Issue 18, points 1 and 7. SOAP 1.1 4.4 and WS-I BP R1001: faultcode, faultstring and detail
 * are unqualified (they were soap:faultcode..., unreadable to zeep and gSOAP). SOAP 1.1 4.4.1:
 * a SOAP 1.2 envelope is VersionMismatch (it was Client); 4.2.3: a header block meant for us
 * with mustUnderstand="1" is MustUnderstand (it was accepted). */
static void test_conventions_soap_faults_readable_and_precise(void)
{
  static const char v12[] =
    "<?xml version=\"1.0\"?><e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">"
    "<e:Body><ex:exchange xmlns:ex=\"urn:ctk12328:baseline:1:soap\"><ex:message>x</ex:message>"
    "</ex:exchange></e:Body></e:Envelope>";
  static const char no_body[] =
    "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
    "</s:Envelope>";
  ctk_test_node node;
  ctk_wire_answer a;
  conv_fault f;
  ctk_buf msg, env;
  char *escaped;
  size_t i;
  const char *malformed = ctk_profile_rc(ctk_test_profile(), "MALFORMED");

  CU_ASSERT_EQUAL_FATAL(ctk_ts_start_inproc(&node, "province", ctk_test_tmpdir("conv-fault"),
                                            NULL), CTK_E_OK);
  conv_post(&node, "/soap", CTK_TS_CITY, "Basic", "text/xml; charset=UTF-8", v12, &a);
  CU_ASSERT_EQUAL(a.status, 500);
  conv_read_fault(&a, &f);
  CU_ASSERT(f.found && f.children_unqualified);
  CU_ASSERT_STRING_EQUAL(f.code, "soap:VersionMismatch");
  CU_ASSERT_STRING_EQUAL(f.detail_code, malformed);
  ctk_wire_answer_free(&a);

  conv_post(&node, "/soap", CTK_TS_CITY, "Basic", "text/xml; charset=UTF-8", no_body, &a);
  conv_read_fault(&a, &f);
  CU_ASSERT(f.found && f.children_unqualified);
  CU_ASSERT_STRING_EQUAL(f.code, "soap:Client");
  ctk_wire_answer_free(&a);

  /* a good exchange, but with a header block that must be understood */
  conv_linkcheck(&msg, "3601002026120700000000000000c1", CTK_TS_PROVINCE);
  escaped = (char *)xmlEncodeSpecialChars(NULL, BAD_CAST ctk_buf_str(&msg));
  CU_ASSERT_PTR_NOT_NULL_FATAL(escaped);
  for(i = 0; i < 2; i++) {
    ctk_buf_init(&env, 1 << 20);
    ctk_buf_printf(&env, "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap."
                   "org/soap/envelope/\"><s:Header><t:Trace xmlns:t=\"urn:example:trace\" "
                   "s:mustUnderstand=\"%s\"/></s:Header><s:Body><ex:exchange xmlns:ex=\"urn:"
                   "ctk12328:baseline:1:soap\"><ex:message>%s</ex:message></ex:exchange>"
                   "</s:Body></s:Envelope>", i ? "0" : "1", escaped);
    conv_post(&node, "/soap", CTK_TS_CITY, "Basic", "text/xml; charset=UTF-8",
              ctk_buf_str(&env), &a);
    if(!i) {
      conv_read_fault(&a, &f);
      CU_ASSERT_EQUAL(a.status, 500);
      CU_ASSERT(f.found && f.children_unqualified);
      CU_ASSERT_STRING_EQUAL(f.code, "soap:MustUnderstand");
      CU_ASSERT_STRING_EQUAL(f.detail_code, malformed);
    }
    else {                     /* mustUnderstand="0": the header may be ignored */
      CU_ASSERT_EQUAL(a.status, 200);
      CU_ASSERT_STRING_EQUAL(a.code, ctk_profile_rc(ctk_test_profile(), "OK"));
    }
    ctk_wire_answer_free(&a);
    ctk_buf_free(&env);
  }
  xmlFree(escaped);
  ctk_buf_free(&msg);
  ctk_ts_stop(&node);
}

void ctk_test_add_conventions(CU_pSuite suite)
{
  ctk_http_global_init();
  CTK_TEST(suite, test_conventions_wsdl_has_the_nodes_address);
  CTK_TEST(suite, test_conventions_wsdl_configured_address);
  CTK_TEST(suite, test_conventions_wsdl_on_every_address);
  CTK_TEST(suite, test_conventions_routes_allow_head_options);
  CTK_TEST(suite, test_conventions_auth_challenge_and_scheme_case);
  CTK_TEST(suite, test_conventions_unread_requests_get_valid_answers);
  CTK_TEST(suite, test_conventions_refusals_in_own_name);
  CTK_TEST(suite, test_conventions_soap_faults_readable_and_precise);
}
