/* ctk_console: the console's HTTP routes. Pages and scripts are static (built in); everything
 * else is a JSON API under /api/ behind a session cookie, with a CSRF token on every change. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_bundle.h"
#include "ctk_calendar.h"
#include "ctk_console.h"

#include "ctk_datadir.h"
#include "ctk_console_api.h"
#include "ctk_console_auth.h"
#include "ctk_console_board.h"
#include "ctk_console_province.h"
#include "ctk_console_reqs.h"
#include "ctk_console_runs.h"
#include "ctk_console_store.h"
#include "ctk_embed.h"
#include "ctk_file.h"
#include "ctk_http.h"
#include "ctk_i18n.h"
#include "ctk_json.h"
#include "ctk_log.h"
#include "ctk_region.h"

#define SESSION_COOKIE "ctk_session"
#define CSRF_HEADER "X-CSRF-Token"
#define API_BODY_MAX ((size_t)64 * 1024)

struct ctk_console {
  ctk_console_config cfg;
  char data_dir[512];
  char lang[16];
  int tls;
  ctk_console_store *store;
  ctk_calendar *cal;
  ctk_console_board board;
  ctk_console_runs *runs;
  ctk_console_reqs *reqs;
  ctk_http_server *http;
};

/* One request's signed-in account, when there is one. */
typedef struct session {
  int ok;
  ctk_console_user user;
  char token[CTK_CONSOLE_TOKEN_HEX];
  char csrf[CTK_CONSOLE_TOKEN_HEX];
} session;

/* ---------- small helpers ---------- */

/* The value of name in an x-www-form/query string, percent-decoded; "" when absent. */
static void query_param(const char *query, const char *name, char *out, size_t outlen)
{
  size_t nlen = strlen(name), o = 0;
  const char *p = query;

  out[0] = '\0';
  while(p && *p) {
    const char *end = strchr(p, '&');
    if(!end)
      end = p + strlen(p);
    if((size_t)(end - p) > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
      const char *v;
      for(v = p + nlen + 1; v < end && o + 1 < outlen; v++) {
        unsigned int hexval;
        if(*v == '%' && end - v >= 3 && sscanf(v + 1, "%2x", &hexval) == 1) {
          out[o++] = (char)hexval;
          v += 2;
        }
        else
          out[o++] = *v == '+' ? ' ' : *v;
      }
      out[o] = '\0';
      return;
    }
    p = *end ? end + 1 : end;
  }
}

/* The session cookie's value, "" when absent. */
static void cookie_token(const ctk_http_request *req, char out[CTK_CONSOLE_TOKEN_HEX])
{
  const char *cookies = ctk_http_request_header(req, "Cookie"), *p;
  size_t n = strlen(SESSION_COOKIE), len;

  out[0] = '\0';
  for(p = cookies; p && *p;) {
    while(*p == ' ' || *p == ';')
      p++;
    if(!strncmp(p, SESSION_COOKIE, n) && p[n] == '=') {
      p += n + 1;
      len = strcspn(p, "; ");
      if(len == CTK_CONSOLE_TOKEN_HEX - 1) {
        memcpy(out, p, len);
        out[len] = '\0';
      }
      return;
    }
    p += strcspn(p, ";");
  }
}

static void find_session(ctk_console *c, const ctk_http_request *req, session *s)
{
  memset(s, 0, sizeof(*s));
  cookie_token(req, s->token);
  if(s->token[0] &&
     !ctk_console_session_find(c->store, s->token, (long long)time(NULL), &s->user, s->csrf))
    s->ok = 1;
}

static json_object *parse_body(const ctk_http_request *req)
{
  if(req->body_len == 0 || req->body_len > API_BODY_MAX)
    return NULL;
  return json_tokener_parse(req->body);
}

static void today(const ctk_console *c, char out[CTK_BEIJING_DATE_LEN])
{
  if(c->cfg.today)
    ctk_strlcpy(out, c->cfg.today, CTK_BEIJING_DATE_LEN);
  else
    ctk_beijing_today(out);
}

static void audit(ctk_console *c, const session *s, const ctk_http_request *req,
                  const char *action, const char *region, const char *target,
                  const char *detail)
{
  char addr[64];

  ctk_console_peer(req, addr, sizeof(addr));
  if(ctk_console_audit(c->store, s && s->ok ? s->user.name : NULL, region, action, target,
                       detail, addr))
    ctk_log(CTK_LOG_ERROR, "console", "msg=\"audit write failed\" action=%s", action);
}

/* ---------- static pages ---------- */

static int serve_asset(const ctk_http_request *req, ctk_http_response *resp)
{
  static const struct { const char *url, *file, *type; } assets[] = {
    { "/", "console/assets/index.html", "text/html; charset=UTF-8" },
    { "/assets/app.js", "console/assets/app.js", "text/javascript; charset=UTF-8" },
    { "/assets/app.css", "console/assets/app.css", "text/css; charset=UTF-8" },
  };
  size_t i;

  for(i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
    const ctk_embedded_file *f;
    if(strcmp(req->path, assets[i].url))
      continue;
    if(!ctk_http_method_ok(req, "GET", resp))
      return 0;
    f = ctk_embed_find(assets[i].file);
    if(!f)
      return -1;
    ctk_strlcpy(resp->content_type, assets[i].type, sizeof(resp->content_type));
    ctk_http_response_add_header(resp, "Content-Security-Policy",
                                 "default-src 'self'; img-src 'self' data:; "
                                 "frame-ancestors 'none'; form-action 'self'");
    ctk_http_response_add_header(resp, "X-Content-Type-Options", "nosniff");
    ctk_http_response_add_header(resp, "Referrer-Policy", "no-referrer");
    return ctk_buf_add(&resp->body, f->data, f->size) ? -1 : 0;
  }
  return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
}

/* ---------- accounts ---------- */

static int api_login(ctk_console *c, const ctk_http_request *req, ctk_http_response *resp)
{
  static const char unknown_salt[] = "00000000000000000000000000000000";
  static const char unknown_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";
  json_object *body = parse_body(req), *o;
  const char *name = ctk_console_json_str(body, "user");
  const char *password = ctk_console_json_str(body, "password");
  char addr[64], user_key[96], addr_key[96], csrf[CTK_CONSOLE_TOKEN_HEX];
  char token[CTK_CONSOLE_TOKEN_HEX], cookie[224];
  long long now = (long long)time(NULL), since = now - CTK_CONSOLE_LOGIN_WINDOW_S;
  ctk_console_user u;
  int known, good;
  session none;
  int rc;

  memset(&none, 0, sizeof(none));
  if(!name || !password || !ctk_console_name_ok(name)) {
    json_object_put(body);
    return ctk_console_reply_error(resp, 400, "err.bad_request", NULL);
  }
  ctk_console_peer(req, addr, sizeof(addr));
  snprintf(user_key, sizeof(user_key), "user:%s", name);
  snprintf(addr_key, sizeof(addr_key), "addr:%s", addr);
  if(ctk_console_failure_count(c->store, user_key, since) >= CTK_CONSOLE_USER_FAILURES_MAX ||
     ctk_console_failure_count(c->store, addr_key, since) >= CTK_CONSOLE_ADDR_FAILURES_MAX) {
    audit(c, &none, req, "login.limited", "", name, NULL);
    json_object_put(body);
    ctk_http_response_add_header(resp, "Retry-After", "900");
    return ctk_console_reply_error(resp, 429, "err.rate_limited", NULL);
  }
  known = !ctk_console_user_get(c->store, name, &u);
  /* An unknown name costs the same KDF work as a known one: no timing tells them apart. */
  good = ctk_console_kdf_check(password, known ? u.salt : unknown_salt,
                               known ? u.iterations : CTK_CONSOLE_KDF_ITERATIONS,
                               known ? u.hash : unknown_hash) && known && !u.disabled;
  if(!good) {
    ctk_console_failure_add(c->store, user_key, now);
    ctk_console_failure_add(c->store, addr_key, now);
    audit(c, &none, req, "login.failed", known ? u.region : "", name, NULL);
    json_object_put(body);
    return ctk_console_reply_error(resp, 401, "err.login_failed", NULL);
  }
  json_object_put(body); /* name and password point into it: not used below */
  ctk_console_failure_clear(c->store, user_key);
  if(ctk_console_token(token) || ctk_console_token(csrf) ||
     ctk_console_session_add(c->store, token, u.name, csrf, now + CTK_CONSOLE_SESSION_S))
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
           SESSION_COOKIE, token, CTK_CONSOLE_SESSION_S, c->tls ? "; Secure" : "");
  ctk_http_response_add_header(resp, "Set-Cookie", cookie);
  none.ok = 1;
  none.user = u;
  audit(c, &none, req, "login", u.region, u.name, NULL);
  o = json_object_new_object();
  json_object_object_add(o, "user", json_object_new_string(u.name));
  json_object_object_add(o, "role", json_object_new_string(ctk_console_role_name(u.role)));
  json_object_object_add(o, "region", json_object_new_string(u.region));
  json_object_object_add(o, "csrf", json_object_new_string(csrf));
  rc = ctk_console_reply(resp, 200, o);
  return rc;
}

static int api_me(ctk_console *c, const session *s, ctk_http_response *resp)
{
  json_object *o = json_object_new_object();
  const ctk_region *r = NULL;

  (void)c;
  json_object_object_add(o, "user", json_object_new_string(s->user.name));
  json_object_object_add(o, "role",
                         json_object_new_string(ctk_console_role_name(s->user.role)));
  json_object_object_add(o, "region", json_object_new_string(s->user.region));
  json_object_object_add(o, "csrf", json_object_new_string(s->csrf));
  (void)r;
  return ctk_console_reply(resp, 200, o);
}

static int api_logout(ctk_console *c, const session *s, const ctk_http_request *req,
                      ctk_http_response *resp)
{
  char cookie[128];

  ctk_console_session_delete(c->store, s->token);
  audit(c, s, req, "logout", s->user.region, s->user.name, NULL);
  snprintf(cookie, sizeof(cookie), "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
           SESSION_COOKIE, c->tls ? "; Secure" : "");
  ctk_http_response_add_header(resp, "Set-Cookie", cookie);
  return ctk_console_reply(resp, 200, json_object_new_object());
}

/* ---------- board, audit, keys ---------- */

/* The province an account may only see: its own for a province operator, "" for the centre. */
static const char *scope(const session *s)
{
  return s->user.role == CTK_CONSOLE_PROVINCE ? s->user.region : "";
}

static int api_board(ctk_console *c, const session *s, const ctk_http_request *req,
                     ctk_http_response *resp)
{
  char batch[8], status[32], day[CTK_BEIJING_DATE_LEN];
  json_object *latest = NULL, *units = NULL, *o;

  query_param(req->query, "batch", batch, sizeof(batch));
  query_param(req->query, "status", status, sizeof(status));
  today(c, day);
  if(ctk_console_submission_latest(c->store, &latest) ||
     ctk_console_board_json(&c->board, c->cal, day, latest, scope(s), atoi(batch), status,
                            &units)) {
    json_object_put(latest);
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  }
  json_object_put(latest);
  o = json_object_new_object();
  json_object_object_add(o, "today", json_object_new_string(day));
  json_object_object_add(o, "units", units);
  return ctk_console_reply(resp, 200, o);
}

static int api_audit(ctk_console *c, const session *s, ctk_http_response *resp)
{
  json_object *rows;

  if(ctk_console_audit_list(c->store, scope(s), 200, &rows))
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  return ctk_console_reply(resp, 200, rows);
}

static int api_keys(ctk_console *c, const session *s, const ctk_http_request *req,
                    ctk_http_response *resp)
{
  json_object *body, *rows;
  const char *region, *pem;
  char path[700], fp[65], err[256];
  ctk_code result;

  if(!strcmp(req->method, "GET")) {
    if(ctk_console_key_list(c->store, &rows))
      return ctk_console_reply_error(resp, 500, "err.internal", NULL);
    return ctk_console_reply(resp, 200, rows);
  }
  if(!ctk_console_may_admin(s->user.role)) {
    audit(c, s, req, "denied", s->user.region, "keys", NULL);
    return ctk_console_reply_error(resp, 403, "err.forbidden", NULL);
  }
  body = parse_body(req);
  region = ctk_console_json_str(body, "region");
  pem = ctk_console_json_str(body, "pem");
  if(!region || !pem || strlen(region) != 6 || strspn(region, "0123456789") != 6) {
    json_object_put(body);
    return ctk_console_reply_error(resp, 400, "err.bad_request", NULL);
  }
  snprintf(path, sizeof(path), "%s/keys/%s.pub.pem", c->data_dir, region);
  result = ctk_file_write_atomic(path, pem, strlen(pem), 0644);
  if(!result)
    result = ctk_bundle_key_fingerprint(path, fp, err, sizeof(err));
  if(!result)
    result = ctk_console_key_set(c->store, region, pem, fp);
  if(result)
    remove(path);
  else
    audit(c, s, req, "key.register", region, region, fp);
  json_object_put(body); /* region and pem point into it */
  if(result)
    return ctk_console_reply_error(resp, 400, "err.bad_key", NULL);
  return ctk_console_reply(resp, 200, json_object_new_object());
}

/* ---------- submissions ---------- */

/* The verifier's problem lines as a province may read them: the key's place on the server
 * becomes "the registered key of REGION". */
static const char *shown_problems(const ctk_buf *found, const char *key_path, const char *region,
                                  ctk_buf *out)
{
  const char *p = ctk_buf_str(found), *hit;
  size_t n = strlen(key_path);

  while((hit = strstr(p, key_path)) != NULL) {
    ctk_buf_add(out, p, (size_t)(hit - p));
    ctk_buf_printf(out, "the registered key of %s", region);
    p = hit + n;
  }
  ctk_buf_adds(out, p);
  return ctk_buf_str(out);
}

static int api_upload(ctk_console *c, const session *s, const ctk_http_request *req,
                      ctk_http_response *resp)
{
  char region[16], key_path[700], tmp_path[700], final_path[700], hash[CTK_CONSOLE_HASH_HEX];
  char err[512], note[160];
  ctk_bundle_check check;
  ctk_buf problems;
  ctk_console_submission sub;
  struct stat st;
  json_object *o;
  long long id = 0;
  ctk_code verified, result;

  ctk_buf_init(&problems, CTK_BUF_MAX_DEFAULT);
  query_param(req->query, "region", region, sizeof(region));
  if(!region[0])
    ctk_strlcpy(region, s->user.region, sizeof(region));
  if(!ctk_console_may_upload(s->user.role, s->user.region, region)) {
    audit(c, s, req, "denied", s->user.region, "submission.upload", region);
    return ctk_console_reply_error(resp, 403, "err.forbidden", NULL);
  }
  if(req->body_too_large)
    return ctk_console_reply_error(resp, 413, "err.too_large", NULL);
  if(req->body_len == 0)
    return ctk_console_reply_error(resp, 400, "err.bad_request", NULL);
  snprintf(key_path, sizeof(key_path), "%s/keys/%s.pub.pem", c->data_dir, region);
  if(stat(key_path, &st) != 0)
    return ctk_console_reply_error(resp, 409, "err.no_key", region);
  ctk_console_sha256_hex(req->body, req->body_len, hash);
  snprintf(tmp_path, sizeof(tmp_path), "%s/bundles/upload-%s.tar.gz", c->data_dir, hash);
  result = ctk_file_write_atomic(tmp_path, req->body, req->body_len, 0600);
  if(result)
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);

  ctk_bundle_check_init(&check);
  err[0] = '\0';
  verified = ctk_bundle_verify(tmp_path, key_path, &check, err, sizeof(err));
  memset(&sub, 0, sizeof(sub));
  ctk_strlcpy(sub.region, region, sizeof(sub.region));
  ctk_strlcpy(sub.user, s->user.name, sizeof(sub.user));
  sub.size = (long long)req->body_len;
  ctk_strlcpy(sub.sha256, hash, sizeof(sub.sha256));
  if(verified == CTK_E_OK && strcmp(check.sut_region, region)) {
    snprintf(note, sizeof(note), "region: the bundle is for %s, not %s\n", check.sut_region,
             region);
    ctk_buf_adds(&check.problems, note);
    verified = CTK_E_INVALID;
  }
  if(verified != CTK_E_OK && verified != CTK_E_INVALID)
    ctk_buf_adds(&check.problems, err);
  sub.verdict = verified != CTK_E_OK ? "invalid"
                : check.certifiable  ? "verified"
                                     : "not-certifiable";
  sub.problems = shown_problems(&check.problems, key_path, region, &problems);
  sub.sut_name = check.sut_name;
  sub.started = check.started;
  sub.finished = check.finished;
  sub.failing = ctk_buf_str(&check.failing_requirements);
  sub.key_fingerprint = check.key_fingerprint;
  snprintf(final_path, sizeof(final_path), "%s/bundles/%s-%s.tar.gz", c->data_dir, region,
           hash);
  if(rename(tmp_path, final_path) != 0)
    result = CTK_E_IO;
  ctk_strlcpy(sub.file, final_path, sizeof(sub.file));
  if(!result)
    result = ctk_console_submission_add(c->store, &sub, &id);
  if(!result) {
    char target[32];
    snprintf(target, sizeof(target), "submission %lld", id);
    audit(c, s, req, "submission.upload", region, target, sub.verdict);
  }
  ctk_bundle_check_free(&check);
  ctk_buf_free(&problems);
  if(result)
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  if(ctk_console_submission_get(c->store, id, &o))
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  return ctk_console_reply(resp, 201, o);
}

/* The submission, when this account may see it; otherwise answered 404 (as if absent). */
static json_object *visible_submission(ctk_console *c, const session *s,
                                       const ctk_http_request *req, long long id)
{
  json_object *o;
  const char *region;
  char target[32];

  if(ctk_console_submission_get(c->store, id, &o))
    return NULL;
  region = ctk_console_json_str(o, "region");
  if(ctk_console_may_see(s->user.role, s->user.region, region))
    return o;
  snprintf(target, sizeof(target), "submission %lld", id);
  audit(c, s, req, "denied", s->user.region, target, region);
  json_object_put(o);
  return NULL;
}

static int api_decide(ctk_console *c, const session *s, const ctk_http_request *req,
                      long long id, ctk_http_response *resp)
{
  json_object *body, *o;
  const char *decision, *comment, *stored;
  char target[32];
  ctk_code result;

  o = visible_submission(c, s, req, id);
  if(!o)
    return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
  if(!ctk_console_may_decide(s->user.role)) {
    json_object_put(o);
    audit(c, s, req, "denied", s->user.region, "submission.decide", NULL);
    return ctk_console_reply_error(resp, 403, "err.forbidden", NULL);
  }
  body = parse_body(req);
  decision = ctk_console_json_str(body, "decision");
  comment = ctk_console_json_str(body, "comment");
  stored = decision && !strcmp(decision, "accept")   ? "accepted"
           : decision && !strcmp(decision, "return") ? "returned"
                                                     : NULL;
  if(!stored || (!strcmp(stored, "returned") && (!comment || !comment[0])) ||
     (comment && strlen(comment) > 2000)) {
    json_object_put(body);
    json_object_put(o);
    return ctk_console_reply_error(resp, 400, stored ? "err.comment_needed" : "err.bad_request",
                                   NULL);
  }
  result = ctk_console_submission_decide(c->store, id, stored, s->user.name,
                                         comment ? comment : "");
  if(!result) {
    snprintf(target, sizeof(target), "submission %lld", id);
    audit(c, s, req, stored[0] == 'a' ? "submission.accept" : "submission.return",
          ctk_console_json_str(o, "region"), target, comment);
  }
  json_object_put(body);
  json_object_put(o);
  if(result == CTK_E_STATE)
    return ctk_console_reply_error(resp, 409, "err.decided", NULL);
  if(result)
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  if(ctk_console_submission_get(c->store, id, &o))
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  return ctk_console_reply(resp, 200, o);
}

static int api_submissions(ctk_console *c, const session *s, const ctk_http_request *req,
                           ctk_http_response *resp)
{
  const char *rest = req->path + strlen("/api/submissions");
  json_object *o;
  char *end;
  long long id;

  if(!*rest) {
    if(!strcmp(req->method, "POST"))
      return api_upload(c, s, req, resp);
    if(ctk_console_submission_list(c->store, scope(s), &o))
      return ctk_console_reply_error(resp, 500, "err.internal", NULL);
    return ctk_console_reply(resp, 200, o);
  }
  id = strtoll(rest + 1, &end, 10);
  if(rest[0] != '/' || id <= 0)
    return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
  if(!strcmp(end, "/decision") && !strcmp(req->method, "POST"))
    return api_decide(c, s, req, id, resp);
  if(*end || strcmp(req->method, "GET"))
    return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
  o = visible_submission(c, s, req, id);
  if(!o)
    return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
  return ctk_console_reply(resp, 200, o);
}

/* ---------- one province: monthly report, requirement status ---------- */

/* The province a request names (?region=, a province operator's own by default): 0 when the
 * account may see it, else the status answered: 400 when none is named, 404 (audited) for
 * another's, as if it did not exist. */
static int province_asked(ctk_console *c, const session *s, const ctk_http_request *req,
                          char region[16], ctk_http_response *resp)
{
  query_param(req->query, "region", region, 16);
  if(!region[0])
    ctk_strlcpy(region, s->user.region, 16);
  if(!region[0]) {
    ctk_console_reply_error(resp, 400, "err.bad_request", "region");
    return 400;
  }
  if(ctk_console_may_see(s->user.role, s->user.region, region))
    return 0;
  audit(c, s, req, "denied", s->user.region, req->path, region);
  ctk_console_reply_error(resp, 404, "err.not_found", NULL);
  return 404;
}

static int api_monthly(ctk_console *c, const session *s, const ctk_http_request *req,
                       ctk_http_response *resp)
{
  char region[16], month[16], lang[16], day[CTK_BEIJING_DATE_LEN], err[256];
  ctk_code result;

  if(province_asked(c, s, req, region, resp))
    return 0;
  query_param(req->query, "month", month, sizeof(month));
  query_param(req->query, "lang", lang, sizeof(lang));
  if(!month[0]) {
    today(c, day);
    ctk_strlcpy(month, day, 8);
  }
  if(lang[0] && !ctk_i18n_lang_ok(lang))
    return ctk_console_reply_error(resp, 400, "err.bad_request", lang);
  result = ctk_console_monthly_html(c->store, c->data_dir, region, month,
                                    lang[0] ? lang : c->lang, &resp->body, err, sizeof(err));
  if(result == CTK_E_INVAL) {
    ctk_buf_reset(&resp->body);
    return ctk_console_reply_error(resp, 400, "err.bad_request", err);
  }
  if(result) {
    ctk_buf_reset(&resp->body);
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  }
  ctk_strlcpy(resp->content_type, "text/html; charset=UTF-8", sizeof(resp->content_type));
  ctk_http_response_add_header(resp, "Cache-Control", "no-store");
  ctk_http_response_add_header(resp, "Content-Security-Policy",
                               "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
  return 0;
}

static int api_province_reqs(ctk_console *c, const session *s, const ctk_http_request *req,
                             ctk_http_response *resp)
{
  char region[16];
  json_object *o;

  if(province_asked(c, s, req, region, resp))
    return 0;
  if(ctk_console_province_reqs(c->store, c->reqs, region, &o))
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  return ctk_console_reply(resp, 200, o);
}

/* ---------- the router ---------- */

static int api_public(ctk_console *c, const ctk_http_request *req, ctk_http_response *resp,
                      int *handled)
{
  char lang[16], err[256];
  ctk_i18n *cat = NULL;
  json_object *o;
  int rc;

  *handled = 1;
  if(!strcmp(req->path, "/api/config")) {
    o = json_object_new_object();
    json_object_object_add(o, "lang", json_object_new_string(c->lang));
    return ctk_console_reply(resp, 200, o);
  }
  if(!strcmp(req->path, "/api/i18n")) {
    query_param(req->query, "lang", lang, sizeof(lang));
    if(ctk_i18n_load(lang[0] ? lang : c->lang, &cat, err, sizeof(err)))
      return ctk_console_reply_error(resp, 404, "err.not_found", lang);
    ctk_strlcpy(resp->content_type, "application/json; charset=UTF-8",
                sizeof(resp->content_type));
    rc = ctk_i18n_json(cat, &resp->body) ? -1 : 0;
    ctk_i18n_free(cat);
    return rc;
  }
  if(!strcmp(req->path, "/api/login")) {
    if(!ctk_http_method_ok(req, "POST", resp))
      return 0;
    return api_login(c, req, resp);
  }
  *handled = 0;
  return 0;
}

static int handle(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  ctk_console *c = ctx;
  session s;
  int handled = 0, rc, changes;

  if(strncmp(req->path, "/api/", 5))
    return serve_asset(req, resp);
  rc = api_public(c, req, resp, &handled);
  if(handled)
    return rc;
  find_session(c, req, &s);
  if(!s.ok)
    return ctk_console_reply_error(resp, 401, "err.login_needed", NULL);
  changes = strcmp(req->method, "GET") && strcmp(req->method, "HEAD");
  if(changes && !ctk_console_same(ctk_http_request_header(req, CSRF_HEADER), s.csrf)) {
    audit(c, &s, req, "denied", s.user.region, req->path, "csrf");
    return ctk_console_reply_error(resp, 403, "err.csrf", NULL);
  }
  if(!strcmp(req->path, "/api/me"))
    return api_me(c, &s, resp);
  if(!strcmp(req->path, "/api/logout") && changes)
    return api_logout(c, &s, req, resp);
  if(!strcmp(req->path, "/api/board"))
    return api_board(c, &s, req, resp);
  if(!strcmp(req->path, "/api/audit"))
    return api_audit(c, &s, resp);
  if(!strcmp(req->path, "/api/requirements")) {
    ctk_strlcpy(resp->content_type, "application/json; charset=UTF-8",
                sizeof(resp->content_type));
    return ctk_buf_adds(&resp->body, ctk_console_reqs_json(c->reqs)) ? -1 : 0;
  }
  if(!strcmp(req->path, "/api/requirements/province"))
    return api_province_reqs(c, &s, req, resp);
  if(!strcmp(req->path, "/api/monthly"))
    return api_monthly(c, &s, req, resp);
  if(!strcmp(req->path, "/api/keys"))
    return api_keys(c, &s, req, resp);
  if(!strncmp(req->path, "/api/submissions", 16))
    return api_submissions(c, &s, req, resp);
  if(!strncmp(req->path, "/api/runs", 9))
    return ctk_console_runs_api(c->runs, &s.user, req, resp);
  return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
}

static ctk_code make_dirs(const char *dir, char *err, size_t errlen)
{
  static const char *const subs[] = { "", "/bundles", "/keys", "/runs" };
  char path[700];
  size_t i;
  struct stat st;

  for(i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
    snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
    if(mkdir(path, 0700) != 0 && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
      snprintf(err, errlen, "%s: cannot create the folder", path);
      return CTK_E_IO;
    }
  }
  return CTK_E_OK;
}

ctk_code ctk_console_start(const ctk_console_config *cfg, ctk_console **out, char *err,
                           size_t errlen)
{
  ctk_console *c;
  ctk_http_server_config hc;
  ctk_i18n *cat = NULL;
  char path[1024];
  ctk_code result;

  *out = NULL;
  c = calloc(1, sizeof(*c));
  if(!c)
    return CTK_E_NOMEM;
  c->cfg = *cfg;
  ctk_strlcpy(c->data_dir, cfg->data_dir ? cfg->data_dir : ".", sizeof(c->data_dir));
  ctk_strlcpy(c->lang, cfg->lang ? cfg->lang : CTK_I18N_DEFAULT_LANG, sizeof(c->lang));
  c->tls = cfg->tls_cert_file && cfg->tls_key_file;
  result = ctk_i18n_load(c->lang, &cat, err, errlen);
  ctk_i18n_free(cat);
  if(!result)
    result = make_dirs(c->data_dir, err, errlen);
  if(!result)
    result = ctk_console_store_open(c->data_dir, &c->store, err, errlen);
  /* the kit's own tables, wherever it is installed (lib/base/ctk_datadir) */
  if(!result)
    result = ctk_calendar_load(cfg->calendar_csv ? cfg->calendar_csv
                                                 : ctk_datadir_path(CTK_CALENDAR_DEFAULT_FILE,
                                                                    path, sizeof(path)),
                               &c->cal, err, errlen);
  if(!result)
    result = ctk_console_board_load(cfg->rollout_csv ? cfg->rollout_csv
                                                     : ctk_datadir_path("data/rollout-2016.csv",
                                                                        path, sizeof(path)),
                                    c->cal, &c->board, err, errlen);
  if(!result)
    result = ctk_console_reqs_build(cfg->profile, cfg->uncovered_csv
                                                    ? cfg->uncovered_csv
                                                    : ctk_datadir_path("runner/uncovered.csv",
                                                                       path, sizeof(path)),
                                    &c->reqs, err, errlen);
  if(!result)
    result = ctk_console_runs_new(c->store, c->data_dir, cfg, c->reqs, &c->runs, err, errlen);
  if(result) {
    ctk_console_stop(c);
    return result;
  }
  memset(&hc, 0, sizeof(hc));
  hc.bind_addr = cfg->bind_addr ? cfg->bind_addr : "127.0.0.1";
  hc.port = cfg->port;
  hc.tls_cert_file = cfg->tls_cert_file;
  hc.tls_key_file = cfg->tls_key_file;
  hc.max_body = CTK_CONSOLE_UPLOAD_MAX;
  hc.threads = 8;
  hc.timeout_s = 60;
  result = ctk_http_server_start(&hc, handle, c, &c->http);
  if(result) {
    snprintf(err, errlen, "cannot listen on %s:%d: %s", hc.bind_addr, hc.port,
             ctk_strerror(result));
    ctk_console_stop(c);
    return result;
  }
  *out = c;
  return CTK_E_OK;
}

int ctk_console_port(const ctk_console *c)
{
  return ctk_http_server_port(c->http);
}

void ctk_console_stop(ctk_console *c)
{
  if(!c)
    return;
  ctk_http_server_stop(c->http);
  ctk_console_runs_free(c->runs);
  ctk_console_reqs_free(c->reqs);
  ctk_calendar_free(c->cal);
  ctk_console_store_close(c->store);
  free(c);
}
