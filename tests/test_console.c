/* test_console: the acceptance console's parts and its HTTP API: the password KDF, the
 * catalogues (both languages, every key the page uses), the application deadlines, and, against
 * a console in this process on 127.0.0.1, sessions and their cookie, CSRF refusal, role
 * isolation (a province neither sees nor acts for another), login rate limits, the verdicts of
 * uploaded bundles and what survives a restart. */
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_bundle.h"
#include "ctk_calendar.h"
#include "ctk_console.h"
#include "ctk_console_auth.h"
#include "ctk_console_board.h"
#include "ctk_console_runs.h"
#include "ctk_console_store.h"
#include "ctk_embed.h"
#include "ctk_file.h"
#include "ctk_i18n.h"
#include "ctk_proc.h"
#include "ctk_test.h"

#define FIXTURE_PASS "tests/data/results/province-360000-pass.json"
#define FIXTURE_FAIL "tests/data/results/province-360000-fail.json"
/* Fewer KDF rounds for the accounts of the API tests: the KDF is tested on its own below. */
#define TEST_ITERATIONS 1000

/* ---------- the KDF and the roles ---------- */

static void test_kdf(void)
{
  char salt1[CTK_CONSOLE_SALT_HEX], hash1[CTK_CONSOLE_HASH_HEX];
  char salt2[CTK_CONSOLE_SALT_HEX], hash2[CTK_CONSOLE_HASH_HEX];

  CU_ASSERT(CTK_CONSOLE_KDF_ITERATIONS >= 100000);
  CU_ASSERT_EQUAL_FATAL(ctk_console_kdf_new("correct horse battery", CTK_CONSOLE_KDF_ITERATIONS,
                                            salt1, hash1), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_console_kdf_new("correct horse battery", CTK_CONSOLE_KDF_ITERATIONS,
                                            salt2, hash2), CTK_E_OK);
  /* salted: the same password hashes differently each time */
  CU_ASSERT_STRING_NOT_EQUAL(salt1, salt2);
  CU_ASSERT_STRING_NOT_EQUAL(hash1, hash2);
  CU_ASSERT_EQUAL(strlen(hash1), 64);
  CU_ASSERT_TRUE(ctk_console_kdf_check("correct horse battery", salt1,
                                       CTK_CONSOLE_KDF_ITERATIONS, hash1));
  CU_ASSERT_TRUE(ctk_console_kdf_check("correct horse battery", salt2,
                                       CTK_CONSOLE_KDF_ITERATIONS, hash2));
  CU_ASSERT_FALSE(ctk_console_kdf_check("correct horse batterY", salt1,
                                        CTK_CONSOLE_KDF_ITERATIONS, hash1));
  CU_ASSERT_FALSE(ctk_console_kdf_check("correct horse battery", salt2,
                                        CTK_CONSOLE_KDF_ITERATIONS, hash1));
  CU_ASSERT_FALSE(ctk_console_kdf_check("correct horse battery", salt1, 1000, hash1));
  CU_ASSERT_FALSE(ctk_console_kdf_check("correct horse battery", "zz", 1000, hash1));
  CU_ASSERT_FALSE(ctk_console_kdf_check("correct horse battery", salt1, 0, hash1));
  /* PBKDF2-HMAC-SHA256, 2 rounds, salt "salt" four times: the answer Python's
   * hashlib.pbkdf2_hmac gives, so the KDF is the standard one and not a look-alike */
  CU_ASSERT_TRUE(ctk_console_kdf_check("password", "73616c7473616c7473616c7473616c74", 2,
                                       "b3a65a254dd590fab9aacfabd5695a0b"
                                       "d79727d2899a6a519d26f13b52d8e6f4"));
  CU_ASSERT_PTR_NOT_NULL(ctk_console_password_problem("short"));
  CU_ASSERT_PTR_NOT_NULL(ctk_console_password_problem("ten chars\x01!"));
  CU_ASSERT_PTR_NULL(ctk_console_password_problem("长度足够的中文密码"));
}

static void test_roles(void)
{
  CU_ASSERT_TRUE(ctk_console_may_see(CTK_CONSOLE_PROVINCE, "360000", "360000"));
  CU_ASSERT_FALSE(ctk_console_may_see(CTK_CONSOLE_PROVINCE, "360000", "420000"));
  CU_ASSERT_FALSE(ctk_console_may_see(CTK_CONSOLE_PROVINCE, "", ""));
  CU_ASSERT_TRUE(ctk_console_may_see(CTK_CONSOLE_TESTER, "", "420000"));
  CU_ASSERT_TRUE(ctk_console_may_upload(CTK_CONSOLE_PROVINCE, "360000", "360000"));
  CU_ASSERT_FALSE(ctk_console_may_upload(CTK_CONSOLE_PROVINCE, "360000", "420000"));
  CU_ASSERT_FALSE(ctk_console_may_upload(CTK_CONSOLE_TESTER, "", "420000"));
  CU_ASSERT_FALSE(ctk_console_may_decide(CTK_CONSOLE_PROVINCE));
  CU_ASSERT_TRUE(ctk_console_may_decide(CTK_CONSOLE_TESTER));
  CU_ASSERT_FALSE(ctk_console_may_admin(CTK_CONSOLE_TESTER));
  CU_ASSERT_FALSE(ctk_console_may_run(CTK_CONSOLE_PROVINCE, "360000", "420000"));
  CU_ASSERT_EQUAL(ctk_console_role_parse("province"), CTK_CONSOLE_PROVINCE);
  CU_ASSERT_EQUAL(ctk_console_role_parse("root"), CTK_CONSOLE_ROLE_NONE);
  CU_ASSERT_TRUE(ctk_console_same("abc", "abc"));
  CU_ASSERT_FALSE(ctk_console_same("abc", "abd"));
  CU_ASSERT_FALSE(ctk_console_same("", ""));
  CU_ASSERT_FALSE(ctk_console_same(NULL, "abc"));
}

/* ---------- catalogues ---------- */

static void test_catalogues(void)
{
  ctk_i18n *zh = NULL, *en = NULL, *bad = NULL;
  const ctk_embedded_file *js = ctk_embed_find("console/assets/app.js");
  char err[256], key[CTK_I18N_KEY_MAX + 8];
  const char *p;
  size_t i, used = 0;

  CU_ASSERT_EQUAL_FATAL(ctk_i18n_load("zh-CN", &zh, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_i18n_load("en", &en, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_i18n_load("fr", &bad, err, sizeof(err)), CTK_E_NOTFOUND);
  CU_ASSERT_STRING_EQUAL(ctk_i18n_get(zh, "login.title"), "登录");
  CU_ASSERT_STRING_EQUAL(ctk_i18n_get(en, "login.title"), "Log in");
  CU_ASSERT_STRING_EQUAL(ctk_i18n_get(en, "no.such.key"), "no.such.key");
  /* the two catalogues have the same keys */
  CU_ASSERT_EQUAL(ctk_i18n_count(zh), ctk_i18n_count(en));
  for(i = 0; i < ctk_i18n_count(zh); i++)
    if(!ctk_i18n_has(en, ctk_i18n_key_at(zh, i))) {
      printf("\n    en lacks %s", ctk_i18n_key_at(zh, i));
      CU_FAIL("a key of zh-CN is missing from en");
    }
  /* every t('key') of the page is in the catalogue, and the page spells no Chinese itself */
  CU_ASSERT_PTR_NOT_NULL_FATAL(js);
  for(p = (const char *)js->data; (p = strstr(p, "t('")) != NULL; p += 3) {
    size_t n = strcspn(p + 3, "'");
    char before = p > (const char *)js->data ? p[-1] : ' ';
    if(n >= sizeof(key) || strchr("abcdefghijklmnopqrstuvwxyz", p[3]) == NULL ||
       strchr(" (,[{!?:", before) == NULL)
      continue; /* not a call of t: get('batch') */
    memcpy(key, p + 3, n);
    key[n] = '\0';
    if(key[n - 1] == '.' || key[n - 1] == '_')
      continue; /* a prefix: t('status.' + s) */
    used++;
    if(!ctk_i18n_has(zh, key)) {
      printf("\n    zh-CN lacks %s", key);
      CU_FAIL("the page uses a key the catalogue lacks");
    }
  }
  CU_ASSERT(used > 50);
  for(i = 0; i < js->size; i++)
    if(js->data[i] >= 0xe4 && js->data[i] <= 0xe9) {
      CU_FAIL("app.js spells CJK text: it belongs in i18n/zh-CN.txt");
      break;
    }
  CU_ASSERT_EQUAL(ctk_i18n_parse("t.txt", "a = 1\nb\n", 8, &bad, err, sizeof(err)), CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.txt:2:"));
  CU_ASSERT_EQUAL(ctk_i18n_parse("t.txt", "a = 1\na = 2\n", 12, &bad, err, sizeof(err)),
                  CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "twice"));
  CU_ASSERT_EQUAL(ctk_i18n_parse("t.txt", "A B = 1\n", 8, &bad, err, sizeof(err)), CTK_E_PARSE);
  ctk_i18n_free(zh);
  ctk_i18n_free(en);
}

/* ---------- application deadlines ---------- */

static void test_apply_by(void)
{
  ctk_calendar *cal = NULL;
  ctk_console_board board;
  char err[256], out[11];

  CU_ASSERT_EQUAL_FATAL(ctk_calendar_load(CTK_CALENDAR_DEFAULT_FILE, &cal, err, sizeof(err)),
                        CTK_E_OK);
  /* 2016-04-30 is a Saturday: back to Friday the 29th */
  CU_ASSERT_EQUAL(ctk_console_apply_by(cal, "2016-05-31", out), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(out, "2016-04-29");
  /* a working Thursday stays */
  CU_ASSERT_EQUAL(ctk_console_apply_by(cal, "2016-07-31", out), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(out, "2016-06-30");
  /* 2016-10-01 is National Day: back over the holiday to Friday 2016-09-30 */
  CU_ASSERT_EQUAL(ctk_console_apply_by(cal, "2016-11-01", out), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(out, "2016-09-30");
  /* no 31 February: the month's last day, a leap year's Monday */
  CU_ASSERT_EQUAL(ctk_console_apply_by(cal, "2016-03-31", out), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(out, "2016-02-29");
  /* January goes back into December of the year before */
  CU_ASSERT_EQUAL(ctk_console_apply_by(cal, "2016-01-15", out), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(out, "2015-12-15");
  CU_ASSERT_EQUAL(ctk_console_apply_by(cal, "2016-13-01", out), CTK_E_PARSE);
  CU_ASSERT_EQUAL(ctk_console_board_load("data/rollout-2016.csv", cal, &board, err,
                                         sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(board.n, 32);
  ctk_calendar_free(cal);
}

/* ---------- the HTTP API ---------- */

typedef struct api_reply {
  long status;
  ctk_buf body;
  char cookie[256];            /* the Set-Cookie header, "" when none */
  char content_type[128];      /* the Content-Type header, "" when none */
  json_object *json;
} api_reply;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
  api_reply *r = ctx;
  return ctk_buf_add(&r->body, p, size * n) ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
  api_reply *r = ctx;
  size_t len = size * n;

  if(len > 12 && !strncasecmp(p, "Set-Cookie: ", 12)) {
    size_t k = len - 12 < sizeof(r->cookie) - 1 ? len - 12 : sizeof(r->cookie) - 1;
    memcpy(r->cookie, p + 12, k);
    r->cookie[k] = '\0';
    r->cookie[strcspn(r->cookie, "\r\n")] = '\0';
  }
  if(len > 14 && !strncasecmp(p, "Content-Type: ", 14)) {
    size_t k = len - 14 < sizeof(r->content_type) - 1 ? len - 14 : sizeof(r->content_type) - 1;
    memcpy(r->content_type, p + 14, k);
    r->content_type[k] = '\0';
    r->content_type[strcspn(r->content_type, "\r\n")] = '\0';
  }
  return len;
}

static int api_port;

/* One request; session is the cookie's value (or NULL), csrf the token header (or NULL). */
static void api(const char *method, const char *path, const char *body, size_t body_len,
                const char *session, const char *csrf, api_reply *r)
{
  CURL *c = curl_easy_init();
  struct curl_slist *h = NULL;
  char url[512], line[256];

  memset(r, 0, sizeof(*r));
  ctk_buf_init(&r->body, 1024 * 1024);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", api_port, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  if(body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
  }
  if(session) {
    snprintf(line, sizeof(line), "Cookie: ctk_session=%s", session);
    h = curl_slist_append(h, line);
  }
  if(csrf) {
    snprintf(line, sizeof(line), "X-CSRF-Token: %s", csrf);
    h = curl_slist_append(h, line);
  }
  h = curl_slist_append(h, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if(curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  r->json = r->body.len ? json_tokener_parse(ctk_buf_str(&r->body)) : NULL;
}

static void post_json(const char *path, const char *json, const char *session, const char *csrf,
                      api_reply *r)
{
  api("POST", path, json, strlen(json), session, csrf, r);
}

static void api_free(api_reply *r)
{
  ctk_buf_free(&r->body);
  json_object_put(r->json);
}

static const char *member(const api_reply *r, const char *key)
{
  json_object *v;

  if(r->json && json_object_object_get_ex(r->json, key, &v))
    return json_object_get_string(v);
  return "";
}

typedef struct login {
  char session[CTK_CONSOLE_TOKEN_HEX];
  char csrf[CTK_CONSOLE_TOKEN_HEX];
} login;

static login kept;               /* a session opened before the restart */

static long do_login(const char *user, const char *password, login *out)
{
  char body[256];
  api_reply r;
  long status;
  const char *eq;

  snprintf(body, sizeof(body), "{\"user\":\"%s\",\"password\":\"%s\"}", user, password);
  api("POST", "/api/login", body, strlen(body), NULL, NULL, &r);
  status = r.status;
  if(out) {
    memset(out, 0, sizeof(*out));
    eq = strchr(r.cookie, '=');
    if(eq)
      ctk_strlcpy(out->session, eq + 1,
                  strcspn(eq + 1, ";") + 1 < sizeof(out->session) ? strcspn(eq + 1, ";") + 1
                                                                  : sizeof(out->session));
    ctk_strlcpy(out->csrf, member(&r, "csrf"), sizeof(out->csrf));
    if(status == 200) {
      CU_ASSERT_PTR_NOT_NULL(strstr(r.cookie, "HttpOnly"));
      CU_ASSERT_PTR_NOT_NULL(strstr(r.cookie, "SameSite=Strict"));
      CU_ASSERT_PTR_NULL(strstr(r.cookie, "Secure")); /* plain HTTP here */
    }
  }
  api_free(&r);
  return status;
}

static char data_dir[700], bundle_good[760], bundle_other_key[760], bundle_hb[760];
static ctk_console *console;

static ctk_code start(void)
{
  ctk_console_config cfg;
  char err[512];
  ctk_code result;

  memset(&cfg, 0, sizeof(cfg));
  cfg.data_dir = data_dir;
  cfg.bind_addr = "127.0.0.1";
  cfg.today = "2016-04-01";
  result = ctk_console_start(&cfg, &console, err, sizeof(err));
  if(result)
    printf("\n    console: %s\n", err);
  else
    api_port = ctk_console_port(console);
  return result;
}

/* Accounts, keys and bundles (Jiangxi signed right and with another key, Hubei's). */
static void prepare(void)
{
  const char *dir;
  char path[760], err[512], fp[65], cmd[2200];
  ctk_console_store *s = NULL;
  ctk_buf pem;

  if(data_dir[0])
    return;
  dir = ctk_test_tmpdir("console-api");
  snprintf(data_dir, sizeof(data_dir), "%s/data", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_console_store_open(data_dir, &s, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_console_user_add(s, "centre", CTK_CONSOLE_ADMIN, "", "centre-password",
                                       TEST_ITERATIONS), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_console_user_add(s, "tester", CTK_CONSOLE_TESTER, "", "tester-password",
                                       TEST_ITERATIONS), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_console_user_add(s, "jx", CTK_CONSOLE_PROVINCE, "360000",
                                       "jiangxi-password", TEST_ITERATIONS), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_console_user_add(s, "hb", CTK_CONSOLE_PROVINCE, "420000",
                                       "hubei-password", TEST_ITERATIONS), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_console_user_add(s, "jx", CTK_CONSOLE_PROVINCE, "360000", "other-password",
                                       TEST_ITERATIONS), CTK_E_EXISTS);
  snprintf(cmd, sizeof(cmd),
           "set -e; cd '%s'; mkdir -p jx hb data/keys; cp '%s/" FIXTURE_PASS "' jx/results.json;"
           " sed 's/360000/420000/g' '%s/" FIXTURE_PASS "' > hb/results.json",
           dir, getenv("PWD") ? getenv("PWD") : ".", getenv("PWD") ? getenv("PWD") : ".");
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  snprintf(path, sizeof(path), "%s/jx", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_keygen(path, err, sizeof(err)), CTK_E_OK);
  snprintf(path, sizeof(path), "%s/hb", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_keygen(path, err, sizeof(err)), CTK_E_OK);
  snprintf(path, sizeof(path), "%s/other", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_keygen(path, err, sizeof(err)), CTK_E_OK);
  snprintf(bundle_good, sizeof(bundle_good), "%s/jx-good.tar.gz", dir);
  snprintf(bundle_other_key, sizeof(bundle_other_key), "%s/jx-other-key.tar.gz", dir);
  snprintf(bundle_hb, sizeof(bundle_hb), "%s/hb-good.tar.gz", dir);
  snprintf(path, sizeof(path), "%s/jx.pem", dir);
  snprintf(cmd, sizeof(cmd), "%s/jx", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_create(cmd, path, bundle_good, err, sizeof(err)), CTK_E_OK);
  snprintf(path, sizeof(path), "%s/other.pem", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_create(cmd, path, bundle_other_key, err, sizeof(err)),
                        CTK_E_OK);
  snprintf(path, sizeof(path), "%s/hb.pem", dir);
  snprintf(cmd, sizeof(cmd), "%s/hb", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_create(cmd, path, bundle_hb, err, sizeof(err)), CTK_E_OK);
  /* the provinces' public keys, as `ctk console key` registers them */
  snprintf(cmd, sizeof(cmd), "cp '%s/jx.pub.pem' '%s/keys/360000.pub.pem' &&"
                             " cp '%s/hb.pub.pem' '%s/keys/420000.pub.pem'",
           dir, data_dir, dir, data_dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  snprintf(path, sizeof(path), "%s/keys/360000.pub.pem", data_dir);
  ctk_buf_init(&pem, 65536);
  CU_ASSERT_EQUAL(ctk_file_read(path, 65536, &pem), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_bundle_key_fingerprint(path, fp, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_console_key_set(s, "360000", ctk_buf_str(&pem), fp), CTK_E_OK);
  ctk_buf_free(&pem);
  ctk_console_store_close(s);
  CU_ASSERT_EQUAL_FATAL(start(), CTK_E_OK);
}

static long long upload(const login *who, const char *region, const char *file, api_reply *r)
{
  ctk_buf b;
  char path[64];
  json_object *v;

  ctk_buf_init(&b, 64 * 1024 * 1024);
  CU_ASSERT_EQUAL(ctk_file_read(file, 64 * 1024 * 1024, &b), CTK_E_OK);
  snprintf(path, sizeof(path), "/api/submissions%s%s", region ? "?region=" : "",
           region ? region : "");
  api("POST", path, b.data, b.len, who->session, who->csrf, r);
  ctk_buf_free(&b);
  if(r->json && json_object_object_get_ex(r->json, "id", &v))
    return json_object_get_int64(v);
  return 0;
}

static void test_sessions_and_csrf(void)
{
  login jx, again;
  api_reply r;

  prepare();
  CU_ASSERT_EQUAL(do_login("jx", "wrong-password", NULL), 401);
  CU_ASSERT_EQUAL(do_login("nobody", "wrong-password", NULL), 401);
  CU_ASSERT_EQUAL_FATAL(do_login("jx", "jiangxi-password", &jx), 200);
  CU_ASSERT_EQUAL(strlen(jx.session), 64);
  api("GET", "/api/me", NULL, 0, NULL, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 401);
  api_free(&r);
  api("GET", "/api/me", NULL, 0, "0123456789012345678901234567890123456789012345678901234567890123",
      NULL, &r);
  CU_ASSERT_EQUAL(r.status, 401);
  api_free(&r);
  api("GET", "/api/me", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_STRING_EQUAL(member(&r, "region"), "360000");
  CU_ASSERT_STRING_EQUAL(member(&r, "csrf"), jx.csrf);
  api_free(&r);
  /* a change without the token, or with another session's token, is refused */
  CU_ASSERT_EQUAL_FATAL(do_login("jx", "jiangxi-password", &again), 200);
  CU_ASSERT_STRING_NOT_EQUAL(again.session, jx.session);
  CU_ASSERT_STRING_NOT_EQUAL(again.csrf, jx.csrf);
  post_json("/api/logout", "{}", jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 403);
  CU_ASSERT_STRING_EQUAL(member(&r, "error"), "err.csrf");
  api_free(&r);
  post_json("/api/logout", "{}", jx.session, again.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 403);
  api_free(&r);
  post_json("/api/logout", "{}", jx.session, jx.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  api_free(&r);
  /* logged out: the session is gone; the other one lives on */
  api("GET", "/api/me", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 401);
  api_free(&r);
  api("GET", "/api/me", NULL, 0, again.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  api_free(&r);
  kept = again;
}

static void test_role_isolation(void)
{
  login jx, hb, tester;
  api_reply r;
  long long good, bad, other;
  char path[96];

  prepare();
  CU_ASSERT_EQUAL_FATAL(do_login("jx", "jiangxi-password", &jx), 200);
  CU_ASSERT_EQUAL_FATAL(do_login("hb", "hubei-password", &hb), 200);
  CU_ASSERT_EQUAL_FATAL(do_login("tester", "tester-password", &tester), 200);

  good = upload(&jx, NULL, bundle_good, &r);
  CU_ASSERT_EQUAL(r.status, 201);
  CU_ASSERT_STRING_EQUAL(member(&r, "verdict"), "verified");
  api_free(&r);
  bad = upload(&jx, "360000", bundle_other_key, &r);
  CU_ASSERT_EQUAL(r.status, 201);
  CU_ASSERT_STRING_EQUAL(member(&r, "verdict"), "invalid");
  CU_ASSERT_PTR_NOT_NULL(strstr(member(&r, "problems"), "signature"));
  api_free(&r);
  /* Hubei's key is not registered in the store but its file is: the bundle is its own */
  other = upload(&hb, NULL, bundle_hb, &r);
  CU_ASSERT_EQUAL(r.status, 201);
  CU_ASSERT_STRING_EQUAL(member(&r, "verdict"), "verified");
  api_free(&r);
  /* Jiangxi's bundle handed in as Hubei's: Hubei's key does not verify it */
  upload(&jx, "420000", bundle_good, &r);
  CU_ASSERT_EQUAL(r.status, 403);
  CU_ASSERT_STRING_EQUAL(member(&r, "error"), "err.forbidden");
  api_free(&r);
  upload(&tester, "420000", bundle_hb, &r);
  CU_ASSERT_EQUAL(r.status, 403);
  api_free(&r);

  /* Hubei sees neither Jiangxi's submissions nor its unit, and cannot decide */
  snprintf(path, sizeof(path), "/api/submissions/%lld", good);
  api("GET", path, NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 404);
  api_free(&r);
  api("GET", path, NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  api_free(&r);
  api("GET", "/api/submissions", NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_EQUAL(json_object_array_length(r.json), 1);
  api_free(&r);
  api("GET", "/api/board", NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "\"420000\""));
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&r.body), "\"360000\""));
  api_free(&r);
  snprintf(path, sizeof(path), "/api/submissions/%lld/decision", other);
  post_json(path, "{\"decision\":\"accept\"}", hb.session, hb.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 403);
  api_free(&r);
  snprintf(path, sizeof(path), "/api/submissions/%lld/decision", good);
  post_json(path, "{\"decision\":\"accept\"}", hb.session, hb.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 404);
  api_free(&r);
  api("GET", "/api/audit", NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&r.body), "\"region\":\"360000\""));
  api_free(&r);
  post_json("/api/keys", "{\"region\":\"420000\",\"pem\":\"x\"}", tester.session, tester.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 403);
  api_free(&r);

  /* the centre's tester decides; the board follows */
  post_json(path, "{\"decision\":\"return\"}", tester.session, tester.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 400);
  CU_ASSERT_STRING_EQUAL(member(&r, "error"), "err.comment_needed");
  api_free(&r);
  post_json(path, "{\"decision\":\"accept\",\"comment\":\"ok\"}", tester.session, tester.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_STRING_EQUAL(member(&r, "decision"), "accepted");
  api_free(&r);
  post_json(path, "{\"decision\":\"return\",\"comment\":\"no\"}", tester.session, tester.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 409);
  api_free(&r);
  /* the board shows each unit's latest submission: Jiangxi's is the invalid one */
  api("GET", "/api/board?status=verified", NULL, 0, tester.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "\"code\":\"420000\""));
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&r.body), "\"code\":\"360000\""));
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&r.body), "\"code\":\"110000\""));
  api_free(&r);
  api("GET", "/api/board?status=invalid&batch=1", NULL, 0, tester.session, NULL, &r);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "\"code\":\"360000\""));
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&r.body), "\"code\":\"420000\""));
  api_free(&r);
  (void)bad;
}

static void test_rate_limit(void)
{
  int i;
  char name[32];

  prepare();
  /* five failures lock the account; the right password is refused until the window passes */
  for(i = 0; i < CTK_CONSOLE_USER_FAILURES_MAX; i++)
    CU_ASSERT_EQUAL(do_login("centre", "not-the-password", NULL), 401);
  CU_ASSERT_EQUAL(do_login("centre", "centre-password", NULL), 429);
  /* the others still log in */
  CU_ASSERT_EQUAL(do_login("tester", "tester-password", NULL), 200);
  /* from one address, failures against many names lock the address for everyone */
  for(i = 0; i < CTK_CONSOLE_ADDR_FAILURES_MAX; i++) {
    long status;
    snprintf(name, sizeof(name), "guess%d", i);
    status = do_login(name, "not-the-password", NULL);
    if(status == 429)
      break;
    CU_ASSERT_EQUAL(status, 401);
  }
  /* the earlier tests' failures count too: locked before the loop ran out */
  CU_ASSERT(i < CTK_CONSOLE_ADDR_FAILURES_MAX - CTK_CONSOLE_USER_FAILURES_MAX);
  CU_ASSERT_EQUAL(do_login("tester", "tester-password", NULL), 429);
}

static void test_restart_keeps_everything(void)
{
  api_reply r;
  login tester;

  prepare();
  ctk_console_stop(console);
  console = NULL;
  CU_ASSERT_EQUAL_FATAL(start(), CTK_E_OK);
  /* the rate limits are in the store too: still locked after the restart */
  CU_ASSERT_EQUAL(do_login("tester", "tester-password", &tester), 429);
  api("GET", "/api/me", NULL, 0, tester.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 401);
  api_free(&r);
  /* a session from before the restart, and what it handed in */
  api("GET", "/api/submissions", NULL, 0, kept.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  /* two of test_role_isolation, three of test_bundles_in_monthly */
  CU_ASSERT_EQUAL(r.json ? json_object_array_length(r.json) : 0, 5);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "\"accepted\""));
  api_free(&r);
  ctk_console_stop(console);
  console = NULL;
}

/* Under TLS the session cookie is Secure as well. */
static void test_tls_cookie(void)
{
  ctk_console_config cfg;
  ctk_console *tls = NULL;
  char err[512], cert[760], key[760], cmd[2000], url[128];
  const char *dir = ctk_test_tmpdir("console-tls");
  static const char body[] = "{\"user\":\"jx\",\"password\":\"jiangxi-password\"}";
  api_reply r;
  CURL *c;

  prepare();
  snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
  snprintf(key, sizeof(key), "%s/key.pem", dir);
  snprintf(cmd, sizeof(cmd),
           "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
           "-addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' >/dev/null 2>&1",
           key, cert);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  memset(&cfg, 0, sizeof(cfg));
  cfg.data_dir = data_dir;
  cfg.tls_cert_file = cert;
  cfg.tls_key_file = key;
  CU_ASSERT_EQUAL_FATAL(ctk_console_start(&cfg, &tls, err, sizeof(err)), CTK_E_OK);
  memset(&r, 0, sizeof(r));
  ctk_buf_init(&r.body, 65536);
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/login", ctk_console_port(tls));
  c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CAINFO, cert);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  CU_ASSERT_EQUAL(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(c);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.cookie, "; Secure"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.cookie, "HttpOnly"));
  ctk_buf_free(&r.body);
  ctk_console_stop(tls);
}

/* A province registers its system: PICS and PIXIT checked as ctk run checks them; another
 * province neither sees nor runs it. */
static void test_registered_systems(void)
{
  login jx, hb;
  api_reply r;
  ctk_buf pics, pixit;
  json_object *body;
  char run[64];
  long long id = 0;

  prepare();
  CU_ASSERT_EQUAL_FATAL(do_login("jx", "jiangxi-password", &jx), 200);
  CU_ASSERT_EQUAL_FATAL(do_login("hb", "hubei-password", &hb), 200);
  ctk_buf_init(&pics, 65536);
  ctk_buf_init(&pixit, 65536);
  CU_ASSERT_EQUAL_FATAL(ctk_file_read("fixtures/pics/reference-province.pics", 65536, &pics),
                        CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_file_read("fixtures/pixit/reference-province.pixit", 65536, &pixit),
                        CTK_E_OK);
  body = json_object_new_object();
  json_object_object_add(body, "name", json_object_new_string("jx-reference"));
  json_object_object_add(body, "pics", json_object_new_string(ctk_buf_str(&pics)));
  json_object_object_add(body, "pixit", json_object_new_string("[sut]\nrole = nobody\n"));
  post_json("/api/runs/suts", json_object_to_json_string(body), jx.session, jx.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 400);
  CU_ASSERT_STRING_EQUAL(member(&r, "error"), "err.pixit");
  CU_ASSERT_PTR_NOT_NULL(strstr(member(&r, "detail"), "PIXIT:2"));
  CU_ASSERT_STRING_EQUAL(member(&r, "field"), "sut.role"); /* the form shows it by its field */
  api_free(&r);
  /* a bad value deep in a form's text: the field is the key on the line the parser names */
  {
    char *bad = strdup(ctk_buf_str(&pixit)), *at = bad ? strstr(bad, "answer_timeout_ms = 5000")
                                                       : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    memcpy(at, "Answer_Timeout_Ms = soon", strlen("answer_timeout_ms = 5000"));
    json_object_object_add(body, "pixit", json_object_new_string(bad));
    free(bad);
  }
  post_json("/api/runs/suts", json_object_to_json_string(body), jx.session, jx.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 400);
  CU_ASSERT_STRING_EQUAL(member(&r, "field"), "limits.answer_timeout_ms");
  api_free(&r);
  json_object_object_add(body, "pixit", json_object_new_string(ctk_buf_str(&pixit)));
  json_object_object_add(body, "pics", json_object_new_string("[binding]\nxml = maybe\n"));
  post_json("/api/runs/suts", json_object_to_json_string(body), jx.session, jx.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 400);
  CU_ASSERT_STRING_EQUAL(member(&r, "error"), "err.pics");
  CU_ASSERT_STRING_EQUAL(member(&r, "field"), "binding.xml");
  api_free(&r);
  json_object_object_add(body, "pics", json_object_new_string(ctk_buf_str(&pics)));
  /* the forms' fields are the runner's own items, each with a label in both catalogues */
  api("GET", "/api/runs/form", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  {
    static const char *const parts[] = { "pics", "pixit" };
    ctk_i18n *zh = NULL, *en = NULL;
    json_object *list, *v;
    char err[256], key[128];
    size_t i, k;
    int stats = 0, region = 0;
    CU_ASSERT_EQUAL_FATAL(ctk_i18n_load("zh-CN", &zh, err, sizeof(err)), CTK_E_OK);
    CU_ASSERT_EQUAL_FATAL(ctk_i18n_load("en", &en, err, sizeof(err)), CTK_E_OK);
    for(k = 0; k < 2; k++) {
      CU_ASSERT_FATAL(r.json && json_object_object_get_ex(r.json, parts[k], &list));
      for(i = 0; i < json_object_array_length(list); i++) {
        const char *fk = json_object_object_get_ex(json_object_array_get_idx(list, i), "key",
                                                   &v) ? json_object_get_string(v) : "";
        snprintf(key, sizeof(key), "%s.%s", k ? "pixit.param" : "pics.item", fk);
        CU_ASSERT(ctk_i18n_has(zh, key) && ctk_i18n_has(en, key));
        if(!ctk_i18n_has(zh, key) || !ctk_i18n_has(en, key))
          printf("\n    no label: %s\n", key);
        stats |= !strcmp(fk, "interface.statistics");
        region |= !strcmp(fk, "sut.region");
      }
    }
    CU_ASSERT(stats && region);
    ctk_i18n_free(zh);
    ctk_i18n_free(en);
  }
  api_free(&r);
  /* the PIXIT's system is in Jiangxi: Hubei may not register it */
  post_json("/api/runs/suts", json_object_to_json_string(body), hb.session, hb.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 403);
  api_free(&r);
  post_json("/api/runs/suts", json_object_to_json_string(body), jx.session, jx.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 201);
  CU_ASSERT_STRING_EQUAL(member(&r, "region"), "360000");
  CU_ASSERT_STRING_EQUAL(member(&r, "role"), "province");
  if(r.json) {
    json_object *v;
    if(json_object_object_get_ex(r.json, "id", &v))
      id = json_object_get_int64(v);
  }
  api_free(&r);
  CU_ASSERT(id > 0);
  api("GET", "/api/runs/suts", NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_EQUAL(r.json ? json_object_array_length(r.json) : 99, 0);
  api_free(&r);
  /* the requirements page: every requirement of the profile, its text and its coverage */
  api("GET", "/api/requirements", NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "\"id\":\"J3-SEC-004\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "\"missing\":0"));
  api_free(&r);
  api("GET", "/api/runs/suts", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.json ? json_object_array_length(r.json) : 0, 1);
  api_free(&r);
  snprintf(run, sizeof(run), "{\"sut_id\":%lld}", id);
  post_json("/api/runs", run, hb.session, hb.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 404);
  api_free(&r);
  /* this console starts no runs (no ctk program given): Jiangxi is told so */
  post_json("/api/runs", run, jx.session, jx.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 503);
  CU_ASSERT_STRING_EQUAL(member(&r, "error"), "err.runs_off");
  api_free(&r);
  json_object_put(body);
  ctk_buf_free(&pics);
  ctk_buf_free(&pixit);
}

/* A city's run in the store as the console keeps it: runs/NAME/results/results.json, two
 * mandatory tests (each checking one requirement) with the verdicts given. */
static void store_city_run(ctk_console_store *s, const char *province, const char *city,
                           const char *name, const char *started, ctk_verdict v1,
                           ctk_verdict v2)
{
  char dir[800], path[900];
  long long id = 0;

  snprintf(dir, sizeof(dir), "%s/runs/%s", data_dir, name);
  snprintf(path, sizeof(path), "mkdir -p '%s/results'", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(path, NULL), 0);
  snprintf(path, sizeof(path), "%s/results/results.json", dir);
  ctk_test_write_city_results(path, CTK_SUT_CITY, city, started, v1, v2);
  CU_ASSERT_EQUAL(ctk_console_run_add(s, province, "jx", city, "", dir, &id), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_console_run_finish(s, id, v1 == CTK_VERDICT_PASS && v2 == CTK_VERDICT_PASS
                                                  ? "passed" : "failed", 0, ""), CTK_E_OK);
}

/* The requirement status row of id in a /api/requirements/province answer. */
static const char *req_status_of(const api_reply *r, const char *id)
{
  json_object *list, *q;
  size_t i;

  if(!r->json || !json_object_object_get_ex(r->json, "requirements", &list))
    return "";
  for(i = 0; i < json_object_array_length(list); i++) {
    q = json_object_array_get_idx(list, i);
    json_object *v;
    if(json_object_object_get_ex(q, "id", &v) && !strcmp(json_object_get_string(v), id) &&
       json_object_object_get_ex(q, "status", &v))
      return json_object_get_string(v);
  }
  return "";
}

/* A province-run bundle of Jiangxi's, made as `ctk bundle` makes it from the results of a run
 * started on started with the two verdicts given, signed with key ("jx" or "other"). */
static void make_bundle(const char *name, const char *started, ctk_verdict v1, ctk_verdict v2,
                        const char *key, char *out, size_t outlen)
{
  char dir[760], path[900], pem[800], err[512];
  int n = (int)(strlen(data_dir) - strlen("/data"));

  snprintf(dir, sizeof(dir), "%.*s/%s", n, data_dir, name);
  snprintf(path, sizeof(path), "mkdir -p '%s'", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(path, NULL), 0);
  snprintf(path, sizeof(path), "%s/results.json", dir);
  ctk_test_write_city_results(path, CTK_SUT_PROVINCE, "360000", started, v1, v2);
  snprintf(pem, sizeof(pem), "%.*s/%s.pem", n, data_dir, key);
  snprintf(out, outlen, "%s.tar.gz", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_create(dir, pem, out, err, sizeof(err)), CTK_E_OK);
}

/* The annex row of the monthly report that names label, from the label to the row's end;
 * "" when there is none. */
static const char *own_row(const api_reply *r, const char *label, char *row, size_t rowlen)
{
  const char *at = strstr(ctk_buf_str(&r->body), label), *end;

  row[0] = '\0';
  if(at) {
    end = strstr(at, "</tr>");
    snprintf(row, rowlen, "%.*s", end ? (int)(end - at) : 0, at);
  }
  return row;
}

/* A province's submitted bundles feed its monthly report: a valid one counts its verdicts in
 * the month its run was made; an invalid one never; a returned one no longer; one changed on
 * the server after its upload no longer. */
static void test_bundles_in_monthly(void)
{
  login jx, tester;
  char sept[800], oct[800], forged[800], label[64], row[2048], path[96], cmd[1900];
  long long id_sept, id_oct, id_forged;
  api_reply r;

  prepare();
  make_bundle("sept", "2026-09-14T10:00:00.000+08:00", CTK_VERDICT_PASS, CTK_VERDICT_FAIL,
              "jx", sept, sizeof(sept));
  make_bundle("oct", "2026-10-02T10:00:00.000+08:00", CTK_VERDICT_PASS, CTK_VERDICT_PASS, "jx",
              oct, sizeof(oct));
  make_bundle("forged", "2026-09-20T10:00:00.000+08:00", CTK_VERDICT_PASS, CTK_VERDICT_PASS,
              "other", forged, sizeof(forged));
  CU_ASSERT_EQUAL_FATAL(do_login("jx", "jiangxi-password", &jx), 200);
  CU_ASSERT_EQUAL_FATAL(do_login("tester", "tester-password", &tester), 200);
  id_sept = upload(&jx, NULL, sept, &r);
  CU_ASSERT_STRING_EQUAL(member(&r, "verdict"), "not-certifiable");
  api_free(&r);
  id_oct = upload(&jx, NULL, oct, &r);
  CU_ASSERT_STRING_EQUAL(member(&r, "verdict"), "verified");
  api_free(&r);
  id_forged = upload(&jx, NULL, forged, &r);
  CU_ASSERT_STRING_EQUAL(member(&r, "verdict"), "invalid");
  api_free(&r);

  /* September: the September bundle's two tests, one passed and one failed, not certifiable */
  api("GET", "/api/monthly?month=2026-09", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "<table id=\"own-runs\">"));
  snprintf(label, sizeof(label), "提交的材料 %lld<", id_sept);
  own_row(&r, label, row, sizeof(row));
  CU_ASSERT_PTR_NOT_NULL(strstr(row, "<td class=\"n-tests\">2</td><td class=\"n-pass\">1</td>"
                                     "<td class=\"n-fail\">1</td><td class=\"n-inconc\">0</td>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(row, ">否<"));
  /* the October bundle is not September's; the forged one is nobody's */
  snprintf(label, sizeof(label), "提交的材料 %lld<", id_oct);
  CU_ASSERT_STRING_EQUAL(own_row(&r, label, row, sizeof(row)), "");
  snprintf(label, sizeof(label), "提交的材料 %lld<", id_forged);
  CU_ASSERT_STRING_EQUAL(own_row(&r, label, row, sizeof(row)), "");
  api_free(&r);
  /* October, in English: the October bundle, both passed, certifiable */
  api("GET", "/api/monthly?region=360000&month=2026-10&lang=en", NULL, 0, tester.session, NULL,
      &r);
  CU_ASSERT_EQUAL(r.status, 200);
  snprintf(label, sizeof(label), "submitted bundle %lld<", id_oct);
  own_row(&r, label, row, sizeof(row));
  CU_ASSERT_PTR_NOT_NULL(strstr(row, "<td class=\"n-pass\">2</td><td class=\"n-fail\">0</td>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(row, ">yes<"));
  api_free(&r);
  /* August has none of them */
  api("GET", "/api/monthly?month=2026-08", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "id=\"own-runs-none\""));
  api_free(&r);

  /* returned by the centre: no longer counted */
  snprintf(path, sizeof(path), "/api/submissions/%lld/decision", id_sept);
  post_json(path, "{\"decision\":\"return\",\"comment\":\"J1-FLOW-004 fails\"}",
            tester.session, tester.csrf, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  api_free(&r);
  api("GET", "/api/monthly?month=2026-09", NULL, 0, jx.session, NULL, &r);
  snprintf(label, sizeof(label), "提交的材料 %lld<", id_sept);
  CU_ASSERT_STRING_EQUAL(own_row(&r, label, row, sizeof(row)), "");
  api_free(&r);

  /* the stored October bundle changed on the server (its last 20 bytes cut off): it is
   * verified again as the report is built, and no longer counts */
  snprintf(cmd, sizeof(cmd), "f=$(ls '%s'/bundles/360000-*.tar.gz | while read b; do "
                             "cmp -s \"$b\" '%s' && echo \"$b\"; done); test -n \"$f\" && "
                             "truncate -s -20 \"$f\"",
           data_dir, oct);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);
  api("GET", "/api/monthly?month=2026-10", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  snprintf(label, sizeof(label), "提交的材料 %lld<", id_oct);
  CU_ASSERT_STRING_EQUAL(own_row(&r, label, row, sizeof(row)), "");
  api_free(&r);
}

/* One events request on a thread of its own, while the test writes the run's progress. */
typedef struct events_call {
  char path[96];
  const char *session;
  api_reply r;
} events_call;

static void *events_get(void *arg)
{
  events_call *c = arg;
  api("GET", c->path, NULL, 0, c->session, NULL, &c->r);
  return NULL;
}

static void progress_line(const char *dir, const char *test, const char *verdict, int n)
{
  char path[900];
  FILE *f;

  snprintf(path, sizeof(path), "%s/progress.jsonl", dir);
  f = fopen(path, "a");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fprintf(f, "{\"id\":\"%s\",\"verdict\":\"%s\",\"n\":%d,\"total\":3}\n", test, verdict, n);
  fclose(f);
}

/* An events stream opened on a socket of its own, read until its first line has come: the
 * stream is then open at the console. The socket, or -1. */
static int open_stream(const char *path, const char *session)
{
  struct sockaddr_in sa;
  struct timeval tv = { 5, 0 };
  char req[512], got[2048];
  size_t have = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  if(fd < 0)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)api_port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ctk_session=%s\r\n"
                             "\r\n", path, session);
  if(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
     send(fd, req, strlen(req), 0) != (ssize_t)strlen(req)) {
    close(fd);
    return -1;
  }
  while(have + 1 < sizeof(got)) {
    ssize_t n = recv(fd, got + have, sizeof(got) - 1 - have, 0);
    if(n <= 0)
      break;
    have += (size_t)n;
    got[have] = '\0';
    if(strstr(got, "retry: "))
      return fd;
  }
  close(fd);
  return -1;
}

/* A run's progress as one Server-Sent Events stream held open: one "test" event per finished
 * test, in order, as the tests finish, then "end"; from a given event on; only to those who
 * may see the run. */
static void test_run_events(void)
{
  login jx, hb;
  ctk_console_store *s = NULL;
  events_call call;
  pthread_t th;
  char dir[800], err[256], path[96];
  const char *b, *e1, *e2, *e3, *end;
  long long id = 0;
  api_reply r;

  prepare();
  CU_ASSERT_EQUAL_FATAL(ctk_console_store_open(data_dir, &s, err, sizeof(err)), CTK_E_OK);
  snprintf(dir, sizeof(dir), "%s/runs/events", data_dir);
  CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
  CU_ASSERT_EQUAL_FATAL(ctk_console_run_add(s, "360000", "jx", "sse", "", dir, &id), CTK_E_OK);
  progress_line(dir, "J1.first", "pass", 1);
  CU_ASSERT_EQUAL_FATAL(do_login("jx", "jiangxi-password", &jx), 200);
  CU_ASSERT_EQUAL_FATAL(do_login("hb", "hubei-password", &hb), 200);

  memset(&call, 0, sizeof(call));
  snprintf(call.path, sizeof(call.path), "/api/runs/%lld/events", id);
  call.session = jx.session;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, events_get, &call), 0);
  /* the tests finish while the stream is open, then the run ends */
  ctk_sleep_ms(400);
  progress_line(dir, "J1.second", "fail", 2);
  ctk_sleep_ms(400);
  progress_line(dir, "J1.third", "pass", 3);
  CU_ASSERT_EQUAL(ctk_console_run_finish(s, id, "failed", 1, ""), CTK_E_OK);
  pthread_join(th, NULL);
  CU_ASSERT_EQUAL(call.r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(call.r.content_type, "text/event-stream"));
  b = ctk_buf_str(&call.r.body);
  e1 = strstr(b, "id: 1\nevent: test\ndata: {\"id\":\"J1.first\",\"verdict\":\"pass\"");
  e2 = strstr(b, "id: 2\nevent: test\ndata: {\"id\":\"J1.second\",\"verdict\":\"fail\"");
  e3 = strstr(b, "id: 3\nevent: test\ndata: {\"id\":\"J1.third\",\"verdict\":\"pass\"");
  end = strstr(b, "event: end\ndata: {\"status\":\"failed\"}");
  CU_ASSERT(e1 && e2 && e3 && end && e1 < e2 && e2 < e3 && e3 < end);
  {
    const char *p = b;
    int events = 0;
    while((p = strstr(p, "event: test")) != NULL) {
      events++;
      p++;
    }
    CU_ASSERT_EQUAL(events, 3);
  }
  if(!(e1 && e2 && e3 && end))
    printf("\n    events answer:\n%s\n", b);
  api_free(&call.r);
  /* from an event on (as EventSource asks again with Last-Event-ID) */
  snprintf(path, sizeof(path), "/api/runs/%lld/events?from=2", id);
  api("GET", path, NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&r.body), "J1.second"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "id: 3\nevent: test"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "event: end"));
  api_free(&r);
  /* checked like every API call: another province's run does not exist for it; no session */
  snprintf(path, sizeof(path), "/api/runs/%lld/events", id);
  api("GET", path, NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 404);
  api_free(&r);
  api("GET", path, NULL, 0, NULL, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 401);
  api_free(&r);

  /* a bound on the streams open at once: one more is refused; the run's end frees them all */
  {
    int fds[CTK_CONSOLE_SSE_STREAMS_MAX], i, open_ok = 1;
    CU_ASSERT_EQUAL_FATAL(ctk_console_run_add(s, "360000", "jx", "sse", "", dir, &id), CTK_E_OK);
    snprintf(path, sizeof(path), "/api/runs/%lld/events?from=3", id);
    for(i = 0; i < CTK_CONSOLE_SSE_STREAMS_MAX; i++) {
      fds[i] = open_stream(path, jx.session);
      open_ok &= fds[i] >= 0;
    }
    CU_ASSERT(open_ok);
    api("GET", path, NULL, 0, jx.session, NULL, &r);
    CU_ASSERT_EQUAL(r.status, 429);
    CU_ASSERT_STRING_EQUAL(member(&r, "error"), "err.busy");
    api_free(&r);
    CU_ASSERT_EQUAL(ctk_console_run_finish(s, id, "passed", 0, ""), CTK_E_OK);
    for(i = 0; i < CTK_CONSOLE_SSE_STREAMS_MAX; i++)
      if(fds[i] >= 0)
        close(fds[i]);
    for(i = 0;; i++) { /* within a tick or two; up to 5 s on a loaded machine */
      ctk_sleep_ms(CTK_HTTP_STREAM_TICK_MS / 2);
      api("GET", path, NULL, 0, jx.session, NULL, &r);
      if(r.status != 429 || i == 49)
        break;
      api_free(&r);
    }
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "event: end"));
    api_free(&r);
  }
  ctk_console_store_close(s);
}

static void test_province_views(void)
{
  login jx, hb, tester;
  ctk_console_store *s = NULL;
  char err[256];
  api_reply r;

  prepare();
  CU_ASSERT_EQUAL_FATAL(ctk_console_store_open(data_dir, &s, err, sizeof(err)), CTK_E_OK);
  store_city_run(s, "360000", "360100", "nanchang", "2026-11-05T10:00:00.000+08:00",
                 CTK_VERDICT_PASS, CTK_VERDICT_PASS);
  store_city_run(s, "360000", "360200", "jingdezhen", "2026-11-06T10:00:00.000+08:00",
                 CTK_VERDICT_PASS, CTK_VERDICT_FAIL);
  ctk_console_store_close(s);
  CU_ASSERT_EQUAL_FATAL(do_login("jx", "jiangxi-password", &jx), 200);
  CU_ASSERT_EQUAL_FATAL(do_login("hb", "hubei-password", &hb), 200);
  CU_ASSERT_EQUAL_FATAL(do_login("tester", "tester-password", &tester), 200);

  /* Jiangxi's own monthly report, in Chinese by default: built from the runs the store holds */
  api("GET", "/api/monthly?month=2026-11", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "<html lang=\"zh-CN\">"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "11 个城市中 1 个已联网；1 个已测试但未联网"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "未满足的要求：J1-FLOW-004"));
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&r.body), "cities networked"));
  api_free(&r);
  /* the centre reads any province's, in English when asked */
  api("GET", "/api/monthly?region=360000&month=2026-11&lang=en", NULL, 0, tester.session, NULL,
      &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "1 of 11 cities networked"));
  api_free(&r);
  /* Hubei does not get Jiangxi's: 404, as if there were none, and it is audited */
  api("GET", "/api/monthly?region=360000&month=2026-11", NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 404);
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&r.body), "360100"));
  api_free(&r);
  api("GET", "/api/monthly?month=2026-11", NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "420000"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "个城市中 0 个已联网"));
  api_free(&r);
  api("GET", "/api/audit", NULL, 0, tester.session, NULL, &r);
  /* the refusal is audited (json-c writes "/" as "\/": match the path's end) */
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "monthly\""));
  api_free(&r);
  /* bad input gets a reason */
  api("GET", "/api/monthly?region=360000&month=2026-13", NULL, 0, tester.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 400);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "--month"));
  api_free(&r);
  api("GET", "/api/monthly?region=360100&month=2026-11", NULL, 0, tester.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 400);
  api_free(&r);
  api("GET", "/api/monthly?region=360000&month=2026-11&lang=fr", NULL, 0, tester.session, NULL,
      &r);
  CU_ASSERT_EQUAL(r.status, 400);
  api_free(&r);

  /* which requirements Jiangxi's latest run (Jingdezhen's) met */
  api("GET", "/api/requirements/province", NULL, 0, jx.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_STRING_EQUAL(req_status_of(&r, "J1-FLOW-001"), "pass");
  CU_ASSERT_STRING_EQUAL(req_status_of(&r, "J1-FLOW-004"), "fail");
  CU_ASSERT_STRING_EQUAL(req_status_of(&r, "J3-SEC-004"), "not_run");
  api_free(&r);
  api("GET", "/api/requirements/province?region=360000", NULL, 0, hb.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 404);
  api_free(&r);
  api("GET", "/api/requirements/province", NULL, 0, tester.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 400); /* the centre names the province */
  api_free(&r);
  api("GET", "/api/requirements/province?region=420000", NULL, 0, tester.session, NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_STRING_EQUAL(req_status_of(&r, "J1-FLOW-001"), "not_run");
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&r.body), "\"run\":null"));
  api_free(&r);
}

void ctk_test_add_console(CU_pSuite s)
{
  CTK_TEST(s, test_kdf);
  CTK_TEST(s, test_roles);
  CTK_TEST(s, test_catalogues);
  CTK_TEST(s, test_apply_by);
  CTK_TEST(s, test_sessions_and_csrf);
  CTK_TEST(s, test_tls_cookie);
  CTK_TEST(s, test_role_isolation);
  CTK_TEST(s, test_registered_systems);
  CTK_TEST(s, test_province_views);
  CTK_TEST(s, test_bundles_in_monthly);
  CTK_TEST(s, test_run_events);
  CTK_TEST(s, test_rate_limit);
  CTK_TEST(s, test_restart_keeps_everything);
}
