/* test_interop: third-party clients nobody here wrote against the kit's own endpoints (issue
 * 18), as a province's developers would use them: python3-zeep and urllib, a gSOAP client
 * generated from the WSDL the node serves, curl, and SIPp against the queue machine. The
 * programs they run are in tests/interop/; anything generated goes to the build folder.
 * Needs the Debian packages python3-zeep, gsoap, libgsoap-dev, curl and sip-tester
 * (scripts/deps.sh); a machine without them skips the suite with CTK_TEST_SKIP=interop. */
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acd_testlib.h"
#include "ctk_buf.h"
#include "ctk_msg.h"
#include "ctk_profile.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"
#include "load/ctk_load.h"

#define INTEROP_CMD_MAX 8192

/* The tool is there; otherwise the test fails naming the Debian package to install. */
static int interop_have(const char *program, const char *package)
{
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", program);
  if(ctk_test_run(cmd, NULL) == 0)
    return 1;
  fprintf(stderr, "test_interop: %s not found: apt-get install %s (make deps), or skip with "
          "CTK_TEST_SKIP=interop\n", program, package);
  CU_FAIL(program);
  return 0;
}

/* The Python that has Debian's python3-zeep: the system's, not one a user put first on PATH. */
static const char *interop_python(void)
{
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* A LinkCheck from the test city to the test province, in its own file. */
static void interop_linkcheck_file(const char *dir, const char *name, const char *msg_id,
                                   char *path, size_t pathlen)
{
  ctk_buf b;
  FILE *f;

  snprintf(path, pathlen, "%s/%s", dir, name);
  ctk_buf_init(&b, 65536);
  ctk_ts_message(&b, msg_id, "1013", CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2, "<LinkCheck/>");
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(ctk_buf_str(&b), f);
  fclose(f);
  ctk_buf_free(&b);
}

/* The reference province as `ctk serve province`, the way a developer starts it. */
static void interop_province(ctk_test_node *node, const char *name, char *url, size_t urllen)
{
  const char *dir = ctk_test_tmpdir(name);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL_FATAL(ctk_ts_start(node, "province", dir, NULL, NULL), CTK_E_OK);
  ctk_ts_url(node, url, urllen);
}

/* Result/Code of an Answer given as plain XML text; "" when it is none. */
static void interop_answer_code(const char *text, char *code, size_t codelen)
{
  ctk_msg *m = NULL;
  ctk_outcome why;

  code[0] = '\0';
  if(text && !ctk_msg_decode(ctk_test_profile(), text, strlen(text), CTK_BIND_XML, &m, &why) &&
     m->is_answer)
    ctk_strlcpy(code, m->outcome.code, codelen);
  ctk_msg_free(m);
}

static const char *jstr(json_object *o, const char *key)
{
  json_object *v = NULL;
  return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
         json_object_get_string(v) : "";
}

/* python3-zeep: loads the WSDL from ?wsdl without a warning, exchanges a message, reads a
 * Fault's code and detail (SOAP 1.1 4.4: it could not while they were qualified), and, like
 * urllib, authenticates only when the 401 challenge asks (RFC 7617). */
static void test_interop_zeep_and_urllib(void)
{
  const char *ok = ctk_profile_rc(ctk_test_profile(), "OK");
  ctk_test_node node;
  char url[128], secret[96], want[160];
  char m[4][700];
  char cmd[INTEROP_CMD_MAX];
  char *out = NULL;
  json_object *res, *fault = NULL, *warns = NULL, *challenges = NULL;
  const char *dir;
  int rc;

  if(!interop_have(interop_python(), "python3") ||
     ctk_test_run("/usr/bin/python3 -c 'import zeep' 2>/dev/null || python3 -c 'import zeep' "
                  "2>/dev/null", NULL) != 0) {
    fprintf(stderr, "test_interop: no zeep: apt-get install python3-zeep (make deps)\n");
    CU_FAIL("python3-zeep");
    return;
  }
  interop_province(&node, "interop-zeep", url, sizeof(url));
  dir = node.dir;
  interop_linkcheck_file(dir, "exchange.xml", "3601002026120700000000000000z1", m[0], sizeof(m[0]));
  interop_linkcheck_file(dir, "fault.xml", "3601002026120700000000000000z2", m[1], sizeof(m[1]));
  interop_linkcheck_file(dir, "challenge.xml", "3601002026120700000000000000z3", m[2],
                         sizeof(m[2]));
  interop_linkcheck_file(dir, "urllib.xml", "3601002026120700000000000000z4", m[3], sizeof(m[3]));
  ctk_ts_secret(CTK_TS_CITY, secret, sizeof(secret));
  snprintf(cmd, sizeof(cmd), "timeout 60 %s tests/interop/zeep_client.py '%s' %s '%s' '%s' '%s' "
           "'%s' '%s' 2>'%s/zeep.err'", interop_python(), url, CTK_TS_CITY, secret, m[0], m[1],
           m[2], m[3], dir);
  rc = ctk_test_run(cmd, &out);
  if(rc)
    fprintf(stderr, "test_interop: zeep_client.py exit %d; see %s/zeep.err\n", rc, dir);
  CU_ASSERT_EQUAL(rc, 0);
  res = out ? json_tokener_parse(out) : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(res);

  CU_ASSERT(json_object_object_get_ex(res, "wsdl_warnings", &warns) &&
            json_object_array_length(warns) == 0);
  snprintf(want, sizeof(want), "%s/soap", url);
  CU_ASSERT_STRING_EQUAL(jstr(res, "address"), want);     /* the WSDL's own address */
  CU_ASSERT_STRING_EQUAL(jstr(res, "exchange_code"), ok);

  CU_ASSERT(json_object_object_get_ex(res, "fault", &fault) && fault);
  CU_ASSERT_STRING_EQUAL(jstr(fault, "code"), "soap:MustUnderstand");
  CU_ASSERT_STRING_EQUAL(jstr(fault, "detail_code"),
                         ctk_profile_rc(ctk_test_profile(), "MALFORMED"));
  CU_ASSERT_PTR_NOT_NULL(strstr(jstr(fault, "message"), "mustUnderstand"));

  CU_ASSERT_STRING_EQUAL(jstr(res, "challenge_code"), ok);
  CU_ASSERT(json_object_object_get_ex(res, "challenges", &challenges) &&
            json_object_array_length(challenges) >= 1);
  if(challenges && json_object_array_length(challenges) >= 1)
    CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(challenges, 0)),
                           "Basic realm=\"12328 360000\", charset=\"UTF-8\"");
  CU_ASSERT_STRING_EQUAL(jstr(res, "urllib_code"), ok);
  json_object_put(res);
  free(out);
  CU_ASSERT_EQUAL(ctk_ts_stop(&node), 0);
}

/* Where generated code goes: the build folder of the ctk under test, never the source tree. */
static void interop_build_dir(const char *name, char *out, size_t outlen)
{
  char bin[1024];
  ctk_strlcpy(bin, ctk_test_ctk_bin(), sizeof(bin));
  snprintf(out, outlen, "%s/interop/%s", dirname(bin), name);
}

/* gSOAP: wsdl2h reads the WSDL from ?wsdl, soapcpp2 makes C stubs, cc builds them with
 * tests/interop/gsoap_client.c; the client calls the address the WSDL names and gets the
 * Answer 0000, then, speaking SOAP 1.2, reads the VersionMismatch Fault (SOAP 1.1 4.4.1) with
 * the profile's result code in its detail (it saw only "HTTP 500" while the Fault's children
 * were qualified). */
static void test_interop_gsoap_generated_client(void)
{
  ctk_test_node node;
  char url[128], secret[96], gen[600], root[512], msg1[700], msg2[700], code[32];
  char cmd[INTEROP_CMD_MAX];
  char *out = NULL;
  char *nl;
  int rc;

  if(!interop_have("wsdl2h", "gsoap") || !interop_have("soapcpp2", "gsoap") ||
     !interop_have("cc", "gcc"))
    return;
  if(ctk_test_run("pkg-config --exists gsoap", NULL) != 0) {
    fprintf(stderr, "test_interop: no gSOAP library: apt-get install libgsoap-dev\n");
    CU_FAIL("libgsoap-dev");
    return;
  }
  CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(root, sizeof(root)));
  interop_build_dir("gsoap", gen, sizeof(gen));
  interop_province(&node, "interop-gsoap", url, sizeof(url));
  interop_linkcheck_file(node.dir, "m1.xml", "3601002026120700000000000000g1", msg1, sizeof(msg1));
  interop_linkcheck_file(node.dir, "m2.xml", "3601002026120700000000000000g2", msg2, sizeof(msg2));
  ctk_ts_secret(CTK_TS_CITY, secret, sizeof(secret));

  snprintf(cmd, sizeof(cmd),
           "(set -e; rm -rf '%s'; mkdir -p '%s'; cd '%s'; "
           "timeout 60 wsdl2h -c -t '%s/tests/interop/gsoap-typemap.dat' -o ctk.h '%s/soap?wsdl'; "
           "timeout 60 soapcpp2 -c -C -L -x -I/usr/share/gsoap/import -d . ctk.h; "
           "timeout 120 cc -I. $(pkg-config --cflags gsoap) -o gsoap_client "
           "'%s/tests/interop/gsoap_client.c' soapC.c soapClient.c $(pkg-config --libs gsoap))",
           gen, gen, gen, root, url, root);
  snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " >'%s/gsoap-build.log' 2>&1",
           node.dir);
  rc = ctk_test_run(cmd, NULL);
  if(rc)
    fprintf(stderr, "test_interop: generating the gSOAP client failed; see %s/gsoap-build.log\n",
            node.dir);
  CU_ASSERT_EQUAL_FATAL(rc, 0);

  /* SOAP 1.1 as the WSDL says: the Answer comes back, 0000 */
  snprintf(cmd, sizeof(cmd), "timeout 30 '%s/gsoap_client' soap11 %s '%s' '%s' 2>&1", gen,
           CTK_TS_CITY, secret, msg1);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_EQUAL(strncmp(out, "answer\n", 7), 0);
  interop_answer_code(strncmp(out, "answer\n", 7) ? NULL : out + 7, code, sizeof(code));
  CU_ASSERT_STRING_EQUAL(code, ctk_profile_rc(ctk_test_profile(), "OK"));
  free(out);
  out = NULL;

  /* SOAP 1.2 to a SOAP 1.1 node: a Fault gSOAP can read */
  snprintf(cmd, sizeof(cmd), "timeout 30 '%s/gsoap_client' soap12 %s '%s' '%s' 2>&1", gen,
           CTK_TS_CITY, secret, msg2);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_EQUAL(strncmp(out, "fault\n", 6), 0);
  nl = strchr(out + 6, '\n');
  if(nl)
    *nl = '\0';
  /* gSOAP writes the QName with its own prefix for the SOAP 1.1 envelope */
  CU_ASSERT_PTR_NOT_NULL(strstr(out + 6, ":VersionMismatch"));
  CU_ASSERT_PTR_NOT_NULL(nl ? strstr(nl + 1, ctk_profile_rc(ctk_test_profile(), "MALFORMED")) :
                         NULL);
  free(out);
  CU_ASSERT_EQUAL(ctk_ts_stop(&node), 0);
}

/* curl's view of the headers: status lines and headers of every answer (-D -); the body goes
 * to body_path (NULL: nowhere). */
static char *interop_curl(const char *args, const char *body_path)
{
  char cmd[INTEROP_CMD_MAX];
  char *out = NULL;
  snprintf(cmd, sizeof(cmd), "timeout 30 curl -s -S -o '%s' -D - %s",
           body_path ? body_path : "/dev/null", args);
  if(ctk_test_run(cmd, &out) != 0) {
    fprintf(stderr, "test_interop: curl %s failed\n", args);
    CU_FAIL("curl");
  }
  return out ? out : strdup("");
}

/* curl: 405 with Allow (RFC 9110 15.5.6), HEAD on a GET resource (9.3.2), OPTIONS (9.3.7), and
 * --anyauth, which sends credentials only after the 401 challenge (RFC 7617), on a node and
 * on the queue machine's control port. */
static void test_interop_curl_allow_head_and_challenge(void)
{
  ctk_test_node node;
  ctk_acd_proc acd;
  char url[128], secret[96], msg[700], args[2048], body_path[700], code[32];
  const char *dir;
  char *h;
  char *body;

  if(!interop_have("curl", "curl"))
    return;
  interop_province(&node, "interop-curl", url, sizeof(url));
  dir = node.dir;

  snprintf(args, sizeof(args), "-X DELETE '%s/exchange'", url);
  h = interop_curl(args, NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "HTTP/1.1 405"));
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "Allow: POST, OPTIONS\r\n"));
  free(h);
  snprintf(args, sizeof(args), "-I '%s/ctk/health'", url);
  h = interop_curl(args, NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "HTTP/1.1 200"));
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "Content-Length: 2\r\n"));
  free(h);
  snprintf(args, sizeof(args), "-X OPTIONS '%s/ctk/stats'", url);
  h = interop_curl(args, NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "HTTP/1.1 200"));
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "Allow: GET, HEAD, OPTIONS\r\n"));
  free(h);

  /* --anyauth: the first request goes without credentials, the 401 says Basic, then again */
  interop_linkcheck_file(dir, "anyauth.xml", "3601002026120700000000000000c1", msg, sizeof(msg));
  ctk_ts_secret(CTK_TS_CITY, secret, sizeof(secret));
  snprintf(body_path, sizeof(body_path), "%s/anyauth-answer.xml", dir);
  snprintf(args, sizeof(args), "--anyauth -u '%s:%s' -H 'Content-Type: application/xml; "
           "charset=UTF-8' --data-binary '@%s' '%s/exchange'", CTK_TS_CITY, secret, msg, url);
  h = interop_curl(args, body_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "HTTP/1.1 401"));
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "WWW-Authenticate: Basic realm=\"12328 360000\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "HTTP/1.1 200"));
  free(h);
  body = ctk_test_read_file(body_path, NULL);
  interop_answer_code(body, code, sizeof(code));
  CU_ASSERT_STRING_EQUAL(code, ctk_profile_rc(ctk_test_profile(), "OK"));
  free(body);
  CU_ASSERT_EQUAL(ctk_ts_stop(&node), 0);

  /* the queue machine's control port */
  {
    const char *args_acd[] = { "--agents", "1", "--control-port", "0", NULL };
    CU_ASSERT_EQUAL_FATAL(ctk_acd_test_start(&acd, ctk_test_tmpdir("interop-curl-acd"),
                                             args_acd), 0);
  }
  snprintf(args, sizeof(args), "-I 'http://127.0.0.1:%d/stats'", acd.control_port);
  h = interop_curl(args, NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "HTTP/1.1 200"));
  free(h);
  snprintf(args, sizeof(args), "-X PUT 'http://127.0.0.1:%d/control'", acd.control_port);
  h = interop_curl(args, NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "HTTP/1.1 405"));
  CU_ASSERT_PTR_NOT_NULL(strstr(h, "Allow: GET, POST, HEAD, OPTIONS\r\n"));
  free(h);
  CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
}

/* SIPp runs scenario against the queue machine: calls calls, its statistics into r, its exit
 * status returned; with log set, the scenario's <log> lines go there (-trace_logs). */
static int interop_sipp(const ctk_acd_proc *acd, const char *dir, const char *name,
                        const char *scenario, unsigned calls, const char *log,
                        ctk_load_result *r)
{
  char cmd[INTEROP_CMD_MAX];
  char stat_path[700];
  int rc;

  snprintf(stat_path, sizeof(stat_path), "%s/%s-stat.csv", dir, name);
  snprintf(cmd, sizeof(cmd), "timeout 30 sipp 127.0.0.1:%d -sf '%s' -s 12328 -m %u -r 20 "
           "-i 127.0.0.1 -nostdin -trace_stat -stf '%s' -fd 1 -timeout 15s -timeout_error%s%s%s "
           ">'%s/%s-sipp.log' 2>&1", acd->sip_port, scenario, calls, stat_path,
           log ? " -trace_logs -log_file '" : "", log ? log : "", log ? "'" : "", dir, name);
  rc = ctk_test_run(cmd, NULL);
  memset(r, 0, sizeof(*r));
  CU_ASSERT_EQUAL(ctk_load_parse_stats(stat_path, r), CTK_E_OK);
  if(rc)
    fprintf(stderr, "test_interop: SIPp %s exit %d; see %s/%s-sipp.log\n", name, rc, dir, name);
  return rc;
}

/* The To-tags SIPp logged ("to-tag X" lines) appended to tags, n counting them. */
static void interop_read_tags(const char *log, char tags[][64], size_t max, size_t *n)
{
  char *text = ctk_test_read_file(log, NULL);
  char *line, *save = NULL;

  for(line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
    if(!strncmp(line, "to-tag ", 7) && *n < max)
      ctk_strlcpy(tags[(*n)++], line + 7, 64);
  }
  free(text);
}

static long interop_acd_offered(const ctk_acd_proc *acd)
{
  char cmd[256];
  char *out = NULL;
  json_object *o, *v = NULL;
  long offered = -1;

  snprintf(cmd, sizeof(cmd), "timeout 10 curl -s 'http://127.0.0.1:%d/stats'", acd->control_port);
  if(ctk_test_run(cmd, &out) == 0 && out) {
    o = json_tokener_parse(out);
    if(o && json_object_object_get_ex(o, "offered", &v))
      offered = (long)json_object_get_int64(v);
    json_object_put(o);
  }
  free(out);
  return offered;
}

/* SIPp's own scenarios (tests/interop/sipp-*.xml) against `ctk sim acd`: an INVITE requiring
 * 100rel is refused 420 with Unsupported: 100rel and a To-tag (RFC 3261 8.2.2.3, 8.2.6.2) and
 * starts no call; the To-tags of two runs of the simulator never repeat (19.3: random, not
 * from a fixed seed). */
static void test_interop_sipp_100rel_and_tags(void)
{
  const char *args[] = { "--agents", "5", "--control-port", "0", NULL };
  const char *dir = ctk_test_tmpdir("interop-sipp");
  char tags[16][64];
  char log[2][700];
  size_t n = 0, i, j;
  ctk_load_result r;
  ctk_acd_proc acd;
  int run;

  if(!interop_have("sipp", "sip-tester") || !interop_have("curl", "curl"))
    return;
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  for(run = 0; run < 2; run++) {
    CU_ASSERT_EQUAL_FATAL(ctk_acd_test_start(&acd, dir, args), 0);
    if(!run) {
      CU_ASSERT_EQUAL(interop_sipp(&acd, dir, "100rel", "tests/interop/sipp-100rel.xml", 5,
                                   NULL, &r), 0);
      CU_ASSERT_EQUAL(r.successful, 5);
      CU_ASSERT_EQUAL(r.failed, 0);
      CU_ASSERT_EQUAL(interop_acd_offered(&acd), 0);   /* refused before any call began */
    }
    snprintf(log[run], sizeof(log[run]), "%s/tags-%d.log", dir, run);
    CU_ASSERT_EQUAL(interop_sipp(&acd, dir, run ? "tags-1" : "tags-0",
                                 "tests/interop/sipp-tags.xml", 3, log[run], &r), 0);
    CU_ASSERT_EQUAL(r.successful, 3);
    CU_ASSERT_EQUAL(r.failed, 0);
    CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0);
    interop_read_tags(log[run], tags, sizeof(tags) / sizeof(tags[0]), &n);
  }
  CU_ASSERT_EQUAL(n, 6);
  for(i = 0; i < n; i++) {
    CU_ASSERT(strlen(tags[i]) >= 8);           /* at least 32 bits of it, as hex */
    for(j = i + 1; j < n; j++)
      CU_ASSERT_STRING_NOT_EQUAL(tags[i], tags[j]);
  }
}

void ctk_test_add_interop(CU_pSuite suite)
{
  CTK_TEST(suite, test_interop_zeep_and_urllib);
  CTK_TEST(suite, test_interop_gsoap_generated_client);
  CTK_TEST(suite, test_interop_curl_allow_head_and_challenge);
  CTK_TEST(suite, test_interop_sipp_100rel_and_tags);
}
