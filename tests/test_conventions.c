/* test_conventions: what mainstream SOAP and HTTP clients expect of a node, on the wire
 * (issue 18): the WSDL at ?wsdl with the node's own address, Allow/HEAD/OPTIONS on every route,
 * the 401 challenge, readable SOAP Faults, answers that pass our own schema and speak in the
 * node's own name. The real third-party clients are in test_interop.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_http.h"
#include "ctk_node.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"
#include "ctk_test_wire.h"

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

/* A node with only the options this suite needs (no credentials: nobody may call it). */
static ctk_node_engine *conv_node(const char *name, const char *address)
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
  if(ctk_node_start(&cfg, &n, err, sizeof(err)))
    fprintf(stderr, "test_conventions: %s\n", err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  return n;
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
  conv_get(port, "GET /soap?WSDL", host, &a);
  CU_ASSERT_EQUAL(a.status, 200);
  conv_location(&a, loc, sizeof(loc));
  snprintf(want, sizeof(want), "http://localhost:%d/soap", port);
  CU_ASSERT_STRING_EQUAL(loc, want);
  ctk_wire_answer_free(&a);

  /* a name that is not the node's, or its name on another port: the configured address */
  snprintf(want, sizeof(want), "http://127.0.0.1:%d/soap", port);
  conv_get(port, "GET /soap?wsdl", "evil.example", &a);
  conv_location(&a, loc, sizeof(loc));
  CU_ASSERT_STRING_EQUAL(loc, want);
  ctk_wire_answer_free(&a);
  conv_get(port, "GET /soap?wsdl", "localhost:1", &a);
  conv_location(&a, loc, sizeof(loc));
  CU_ASSERT_STRING_EQUAL(loc, want);
  ctk_wire_answer_free(&a);
  conv_get(port, "GET /soap?wsdl", "127.0.0.1:80\"><x y=\"", &a);
  conv_location(&a, loc, sizeof(loc));
  CU_ASSERT_STRING_EQUAL(loc, want);
  ctk_wire_answer_free(&a);

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
  ctk_node_engine *n = conv_node("conv-wsdl-address", "ctk.example.org:8443");
  int port = ctk_node_port(n);
  ctk_wire_answer a;
  char loc[256];
  char err[256];
  ctk_node_config cfg;

  conv_get(port, "GET /soap?wsdl", "evil.example", &a);
  conv_location(&a, loc, sizeof(loc));
  CU_ASSERT_STRING_EQUAL(loc, "http://ctk.example.org:8443/soap");
  ctk_wire_answer_free(&a);
  conv_get(port, "GET /soap?wsdl", "CTK.example.org:8443", &a);
  conv_location(&a, loc, sizeof(loc));
  CU_ASSERT_STRING_EQUAL(loc, "http://CTK.example.org:8443/soap");
  ctk_wire_answer_free(&a);
  ctk_node_stop(n);

  ctk_node_config_init(&cfg, CTK_LEVEL_PROVINCE);
  CU_ASSERT_EQUAL(ctk_node_config_set(&cfg, "address", "a.example/evil", err, sizeof(err)),
                  CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_node_config_set(&cfg, "address", "a\"b", err, sizeof(err)), CTK_E_INVAL);
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

void ctk_test_add_conventions(CU_pSuite suite)
{
  ctk_http_global_init();
  CTK_TEST(suite, test_conventions_wsdl_has_the_nodes_address);
  CTK_TEST(suite, test_conventions_wsdl_configured_address);
  CTK_TEST(suite, test_conventions_routes_allow_head_options);
}
