/* test_tls: what a node's HTTPS server offers. A self-signed certificate is made with the
 * openssl CLI and a reference province serves with it; openssl s_client then checks that
 * TLS 1.2 and 1.3 work with AEAD, forward-secret suites only, and that TLS 1.0/1.1 and weak
 * suites are refused even by a client willing to use them (@SECLEVEL=0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_http.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"
#include "ctk_test_wire.h"

typedef struct tls_fixture {
  char cert[600];
  char key[600];
  ctk_test_node province;
  int port;
} tls_fixture;

static int have_openssl(void)
{
  return ctk_test_run("command -v openssl >/dev/null 2>&1", NULL) == 0;
}

/* Make a key and a self-signed certificate for 127.0.0.1 and start a province on them. */
static int tls_start(tls_fixture *f)
{
  const char *tmp = ctk_test_tmpdir("tls");
  char dir[600];
  char node_dir[700];
  char cmd[2048];

  memset(f, 0, sizeof(*f));
  if(!tmp)
    return -1;
  ctk_strlcpy(dir, tmp, sizeof(dir));
  snprintf(f->cert, sizeof(f->cert), "%.500s/cert.pem", dir);
  snprintf(f->key, sizeof(f->key), "%.500s/key.pem", dir);
  snprintf(node_dir, sizeof(node_dir), "%.500s/province", dir);
  snprintf(cmd, sizeof(cmd),
           "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
           "-addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' >/dev/null 2>&1",
           f->key, f->cert);
  if(ctk_test_run(cmd, NULL) != 0)
    return -1;
  if(ctk_ts_start_inproc_tls(&f->province, "province", node_dir, NULL, f->cert, f->key) !=
     CTK_E_OK)
    return -1;
  f->port = f->province.port;
  return 0;
}

static void tls_stop(tls_fixture *f)
{
  ctk_ts_stop(&f->province);
}

typedef struct handshake {
  int ok;                  /* the handshake completed */
  char protocol[32];       /* "TLSv1.2" */
  char suite[96];          /* "ECDHE-RSA-AES256-GCM-SHA384" */
} handshake;

/* Value after "label" on its line of s_client's -brief output. */
static void brief_field(const char *out, const char *label, char *dst, size_t dstlen)
{
  const char *p = strstr(out, label);
  size_t n = 0;

  dst[0] = '\0';
  if(!p)
    return;
  p += strlen(label);
  while(*p == ' ')
    p++;
  while(p[n] && p[n] != '\n' && p[n] != '\r' && n + 1 < dstlen)
    n++;
  memcpy(dst, p, n);
  dst[n] = '\0';
}

static handshake tls_try(const tls_fixture *f, const char *options)
{
  char cmd[1024];
  char *out = NULL;
  handshake h;
  int rc;

  memset(&h, 0, sizeof(h));
  snprintf(cmd, sizeof(cmd),
           "echo | timeout 20 openssl s_client -connect 127.0.0.1:%d -brief %s 2>&1", f->port,
           options);
  rc = ctk_test_run(cmd, &out);
  if(out) {
    brief_field(out, "Protocol version:", h.protocol, sizeof(h.protocol));
    brief_field(out, "Ciphersuite:", h.suite, sizeof(h.suite));
    h.ok = rc == 0 && strstr(out, "CONNECTION ESTABLISHED") != NULL && h.protocol[0];
  }
  free(out);
  return h;
}

/* An AEAD suite with an ephemeral (EC)DH key exchange, in OpenSSL's names. */
static int suite_is_aead_fs(const char *suite)
{
  int aead = strstr(suite, "GCM") || strstr(suite, "CHACHA20-POLY1305");
  int fs = !strncmp(suite, "ECDHE-", 6) || !strncmp(suite, "DHE-", 4);
  return aead && fs;
}

#define TLS_SETUP_OR_SKIP(f)                                              \
  do {                                                                    \
    if(!have_openssl()) {                                                 \
      fprintf(stderr, "test_tls: openssl CLI not installed, skipped\n");  \
      return;                                                             \
    }                                                                     \
    CU_ASSERT_FATAL(tls_start(&(f)) == 0);                                \
  } while(0)

static void test_tls12_and_13_handshake(void)
{
  tls_fixture f;
  handshake h;

  TLS_SETUP_OR_SKIP(f);
  h = tls_try(&f, "-tls1_3");
  CU_ASSERT(h.ok);
  CU_ASSERT_STRING_EQUAL(h.protocol, "TLSv1.3");
  h = tls_try(&f, "-tls1_2");
  CU_ASSERT(h.ok);
  CU_ASSERT_STRING_EQUAL(h.protocol, "TLSv1.2");
  CU_ASSERT(suite_is_aead_fs(h.suite));
  tls_stop(&f);
}

static void test_old_protocols_refused(void)
{
  tls_fixture f;
  handshake h;

  TLS_SETUP_OR_SKIP(f);
  /* the client is made willing (SECLEVEL=0), so a failure is the server's refusal */
  h = tls_try(&f, "-tls1 -cipher 'DEFAULT:@SECLEVEL=0'");
  CU_ASSERT(!h.ok);
  h = tls_try(&f, "-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'");
  CU_ASSERT(!h.ok);
  tls_stop(&f);
}

static void test_weak_suites_refused(void)
{
  static const char *const weak[] = {
    "AES128-SHA",              /* static RSA, CBC, SHA-1 */
    "AES128-GCM-SHA256",       /* AEAD but static RSA key exchange: no forward secrecy */
    "ECDHE-RSA-AES128-SHA",    /* forward secret but CBC with SHA-1 */
    "ECDHE-RSA-AES256-SHA384", /* forward secret but CBC */
    "DES-CBC3-SHA",            /* 3DES */
    "NULL-SHA256",             /* no encryption at all */
  };
  tls_fixture f;
  size_t i;

  TLS_SETUP_OR_SKIP(f);
  for(i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
    char opts[128];
    handshake h;
    snprintf(opts, sizeof(opts), "-tls1_2 -cipher '%s:@SECLEVEL=0'", weak[i]);
    h = tls_try(&f, opts);
    if(h.ok)
      fprintf(stderr, "test_tls: weak suite %s was accepted (%s)\n", weak[i], h.suite);
    CU_ASSERT(!h.ok);
  }
  tls_stop(&f);
}

static void test_every_offered_tls12_suite_is_aead_fs(void)
{
  /* ask for each TLS 1.2 suite OpenSSL knows; whatever the server takes must be AEAD + FS */
  tls_fixture f;
  char *list = NULL;
  char *save = NULL;
  char *tok;
  int accepted = 0;

  TLS_SETUP_OR_SKIP(f);
  CU_ASSERT_FATAL(ctk_test_run("openssl ciphers -tls1_2 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' "
                               "2>/dev/null", &list) == 0);
  for(tok = strtok_r(list, ":\n", &save); tok; tok = strtok_r(NULL, ":\n", &save)) {
    char opts[160];
    handshake h;
    if(!strncmp(tok, "TLS_", 4) || strlen(tok) > 80)
      continue; /* TLS 1.3 suites are all AEAD + FS and are not chosen by -cipher */
    /* only RSA-authenticated suites can complete against an RSA certificate */
    if(strstr(tok, "ECDSA") || strstr(tok, "PSK") || strstr(tok, "SRP") || strstr(tok, "DSS"))
      continue;
    snprintf(opts, sizeof(opts), "-tls1_2 -cipher '%s:@SECLEVEL=0'", tok);
    h = tls_try(&f, opts);
    if(!h.ok)
      continue;
    accepted++;
    if(!suite_is_aead_fs(h.suite))
      fprintf(stderr, "test_tls: server accepted %s\n", h.suite);
    CU_ASSERT(suite_is_aead_fs(h.suite));
  }
  CU_ASSERT(accepted >= 1);
  free(list);
  tls_stop(&f);
}

static void test_ctk_client_talks_tls_with_ca(void)
{
  tls_fixture f;
  ctk_http_client *c;
  ctk_http_call call;
  ctk_http_reply reply;
  ctk_buf msg;
  char url[64];
  char secret[96];
  char code[32];

  TLS_SETUP_OR_SKIP(f);
  c = ctk_http_client_new();
  CU_ASSERT_FATAL(c != NULL);
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/exchange", f.port);
  ctk_buf_init(&msg, 0);
  ctk_ts_message(&msg, "tls-linkcheck-000001", "1013", CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2,
                 "<LinkCheck><Echo>over TLS</Echo></LinkCheck>");
  ctk_ts_secret(CTK_TS_CITY, secret, sizeof(secret));
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = "application/xml; charset=UTF-8";
  call.user = CTK_TS_CITY;
  call.password = secret;
  call.body = msg.data;
  call.body_len = msg.len;
  call.ca_file = f.cert;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 65536);
  CU_ASSERT_EQUAL(ctk_http_post(c, &call, &reply), CTK_E_OK);
  CU_ASSERT_EQUAL(reply.status, 200);
  ctk_wire_xml_text(reply.body.data, reply.body.len, "Result", "Code", code, sizeof(code));
  CU_ASSERT_STRING_EQUAL(code, "0000");
  ctk_buf_free(&reply.body);
  /* without the CA the client must refuse the self-signed peer */
  call.ca_file = NULL;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 65536);
  CU_ASSERT_NOT_EQUAL(ctk_http_post(c, &call, &reply), CTK_E_OK);
  CU_ASSERT_EQUAL(reply.status, 0);
  ctk_buf_free(&reply.body);
  ctk_buf_free(&msg);
  ctk_http_client_free(c);
  tls_stop(&f);
}

void ctk_test_add_tls(CU_pSuite suite)
{
  CTK_TEST(suite, test_tls12_and_13_handshake);
  CTK_TEST(suite, test_old_protocols_refused);
  CTK_TEST(suite, test_weak_suites_refused);
  CTK_TEST(suite, test_every_offered_tls12_suite_is_aead_fs);
  CTK_TEST(suite, test_ctk_client_talks_tls_with_ca);
}
