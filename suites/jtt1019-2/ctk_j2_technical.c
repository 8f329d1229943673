/* ctk_j2_technical: conformance tests of JT/T 1019.2 (general technical requirements) against
 * a province: authentication and authorisation, hostile input (the catalogue in
 * fixtures/hostile), secrets in evidence, recovery after a ministry outage, sustained load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_file.h"
#include "ctk_http_case.h"
#include "ctk_ct.h"
#include "ctk_ct_load.h"
#include "ctk_ct_msg.h"
#include "ctk_ct_req.h"
#include "ctk_ct_suites.h"
#include "ctk_datadir.h"
#include "ctk_proc.h"
#include "ctk_report.h"
#include "ctk_roles.h"
#include "ctk_translate.h"
#include "ctk_svg.h"

#define J2_FILE_MAX ((size_t)2 * 1024 * 1024)
#define J2_GENERATE_MAX ((size_t)8 * 1024 * 1024)
#define J2_LOAD_MAX 5000

/* ---------- authentication and authorisation ---------- */

static int j2_linkcheck_as(ctk_ct *t, const ctk_ct_as *as, const ctk_node *head_sender,
                           const char *want, const char *req, const char *what)
{
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_node to = ctk_ct_sut_node(t);
  ctk_msg *m = NULL;
  ctk_ct_reply r;
  int ok;
  if(ctk_ct_done(t))
    return 0;
  if(ctk_ct_build(t, CTK_IF_LINK_CHECK, head_sender, &to, NULL, &m)) {
    ctk_ct_error(t, 0, "could not build a link check");
    return 0;
  }
  ctk_ct_reply_init(&r);
  if(as->secret) {
    ctk_ct_send(t, &sut, as, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  }
  else {
    ctk_buf b;
    ctk_buf_init(&b, J2_FILE_MAX);
    if(!ctk_msg_encode(t->env->profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &b))
      ctk_ct_send_raw(t, &sut, NULL, NULL, ctk_buf_str(&b), b.len, CTK_BIND_XML,
                      "application/xml; charset=UTF-8", &r);
    ctk_buf_free(&b);
  }
  ok = ctk_ct_expect(t, &r, want, req, what);
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
  return ok;
}

static void ctk_ct_j2_auth(ctk_ct *t)
{
  ctk_ct_as as = ctk_ct_as_peer(t);
  ctk_ct_as wrong = as;
  ctk_ct_as none = as;
  ctk_ct_as stranger = as;
  ctk_node stranger_node = as.node;
  const char *auth;
  wrong.secret = "not-the-secret";
  none.secret = NULL;
  ctk_strlcpy(stranger.node.region, "999999", sizeof(stranger.node.region));
  ctk_strlcpy(stranger_node.region, "999999", sizeof(stranger_node.region));
  auth = ctk_ct_rule(t, "auth");
  if(j2_linkcheck_as(t, &as, &as.node, "OK", ctk_ct_iface_req(t, CTK_IF_LINK_CHECK),
                     "link check with the right secret") &&
     j2_linkcheck_as(t, &wrong, &as.node, "AUTH", auth, "link check with a wrong secret") &&
     j2_linkcheck_as(t, &none, &as.node, "AUTH", auth, "link check without credentials") &&
     j2_linkcheck_as(t, &stranger, &stranger_node, "AUTH", auth,
                     "link check from an unknown node"))
    ctk_ct_pass(t, "right secret OK; wrong, missing and unknown credentials refused with AUTH");
}

static void ctk_ct_j2_denied(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_ct_as city1 = ctk_ct_as_city(t, 1);
  ctk_node city0 = ctk_ct_city_node(t, 0);
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_node to = ctk_ct_sut_node(t);
  const char *ownership = ctk_ct_rule(t, "ownership");
  ctk_ct_order_spec spec;
  char order[24];
  ctk_msg *m = NULL;
  ctk_ct_reply r;

  /* Authenticated as city 1, the head says city 0. */
  if(!j2_linkcheck_as(t, &city1, &city0, "DENIED", ownership,
                      "link check authenticated as one city with another city's sender"))
    return;
  /* Authenticated as city 0, the head names city 0 at another level (a province's). */
  {
    ctk_ct_as as0 = ctk_ct_as_city(t, 0);
    ctk_node higher = city0;
    higher.level = CTK_LEVEL_PROVINCE;
    if(!j2_linkcheck_as(t, &as0, &higher, "DENIED", ownership,
                        "link check authenticated as a city whose head gives another level"))
      return;
  }
  /* City 1 acts on an order that only city 0 holds. */
  ctk_ct_order_id(px->cities[0], order);
  ctk_ct_spec_order(&spec, order, px->cities[0], px->cities[0]);
  {
    ctk_ct_as as0 = ctk_ct_as_city(t, 0);
    if(!ctk_ct_step(t, &sut, &as0, CTK_IF_REPORT, &to, &spec, "OK",
                    ctk_ct_iface_req(t, CTK_IF_REPORT), "report by city 0"))
      return;
  }
  if(ctk_ct_build(t, CTK_IF_COMPLETE, &city1.node, &to, &spec, &m)) {
    ctk_ct_error(t, 0, "could not build a completion");
    return;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, &sut, &city1, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  if(r.answer && !strcmp(r.rc_name, "UNKNOWN_ORDER"))
    ;
  else
    ctk_ct_expect(t, &r, "DENIED", ownership, "city 1 completes an order of city 0");
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
  if(ctk_ct_done(t) ||
     !ctk_ct_expect_status(t, order, ctk_st(t->env->profile, CTK_ST_ACCEPTED), ownership))
    return;
  /* An order id starts with the accepting city's whole code (J3-FMT-001): city 0 reporting an
   * id whose code differs from its own in the last digit only is acting for another region,
   * and the refused order must not be stored. */
  {
    char other[8];
    ctk_strlcpy(other, px->cities[0], sizeof(other));
    other[5] = other[5] == '9' ? '8' : (char)(other[5] + 1);
    ctk_ct_order_id(other, order);
    ctk_ct_spec_order(&spec, order, px->cities[0], px->cities[0]);
    if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "DENIED", ownership,
                         "city 0 reports an order whose id carries another region's code"))
      return;
    if(!ctk_ct_city_step(t, 0, CTK_IF_QUERY, &spec, "UNKNOWN_ORDER",
                         ctk_ct_rule(t, "unknown-order"), "query of the refused order"))
      return;
  }
  ctk_ct_pass(t, "acting for another region refused (DENIED); the order is unchanged; an "
              "order id of another region's code refused and not stored");
}

/* ---------- hostile input: the catalogue of fixtures/hostile ---------- */

typedef struct j2_case {
  char name[128];
  ctk_http_case http;          /* request line and directives (fixtures/hostile/README.md) */
  char ctype[128];
  int own_authorization;
  int other_headers;
  ctk_buf body;
} j2_case;

/* The headers the runner sends itself: Content-Type is passed on; a file's own Authorization
 * or any other header (but SOAPAction, which the binding sets) is for the raw-socket test. */
static ctk_code j2_case_header(void *ctx, const char *name, size_t name_len, const char *value,
                               size_t value_len)
{
  j2_case *c = ctx;
  if(name_len == 12 && !strncasecmp(name, "Content-Type", 12))
    snprintf(c->ctype, sizeof(c->ctype), "%.*s", (int)value_len, value);
  else if(name_len == 13 && !strncasecmp(name, "Authorization", 13))
    c->own_authorization = 1;
  else if(!(name_len == 10 && !strncasecmp(name, "SOAPAction", 10)))
    c->other_headers = 1;
  return CTK_E_OK;
}

/* Reads one .http file; on failure err says why (file, line). */
static ctk_code j2_case_load(const char *dir, const char *file, j2_case *c, char *err,
                             size_t errlen)
{
  char path[768], why[256];
  ctk_buf raw;
  ctk_code result;

  memset(c, 0, sizeof(*c));
  ctk_strlcpy(c->name, file, sizeof(c->name));
  ctk_buf_init(&c->body, J2_GENERATE_MAX);
  snprintf(path, sizeof(path), "%s/%s", dir, file);
  ctk_buf_init(&raw, J2_FILE_MAX);
  result = ctk_file_read(path, J2_FILE_MAX, &raw);
  if(result) {
    snprintf(err, errlen, "%s: %s", path, ctk_strerror(result));
    ctk_buf_free(&raw);
    return result;
  }
  result = ctk_http_case_read(raw.data ? raw.data : "", raw.len, &c->http, j2_case_header, c,
                              why, sizeof(why));
  if(!result)
    result = ctk_http_case_complete(&c->http, why, sizeof(why));
  if(result)
    snprintf(err, errlen, "%s: %s", path, why);
  else if(c->http.body_offset < raw.len)
    result = ctk_buf_add(&c->body, raw.data + c->http.body_offset,
                         raw.len - c->http.body_offset);
  ctk_buf_free(&raw);
  return result;
}

typedef struct j2_run_ctx {
  char now[40];
  char today[16];
  char token[CTK_CT_RUN_TAG_LEN + 4]; /* replaces "hostile-": MsgIds of this run */
  const char *dir;
  const ctk_translate *tr;     /* the catalogue's profile into the one in use; NULL: the same */
  size_t sent, skipped, checked;
} j2_run_ctx;

/* The catalogue's order ids are @TODAY@ and a sequence 9NNNNN: each becomes the run's
 * reserved order id NNNNN (ctk_ct_order_id_reserved), so no two runs send the same order. */
static void j2_adapt_orders(ctk_buf *body)
{
  static const char mark[] = "@TODAY@";
  const size_t mlen = sizeof(mark) - 1;
  ctk_buf out;
  const char *p = ctk_buf_str(body);
  const char *hit;

  if(!strstr(p, mark))
    return;
  ctk_buf_init(&out, body->max);
  hit = strstr(p, mark);
  while(hit) {
    size_t k = 0;
    while(k < 6 && hit[mlen + k] >= '0' && hit[mlen + k] <= '9')
      k++;
    ctk_buf_add(&out, p, (size_t)(hit - p));
    if(k == 6 && hit[mlen] == '9') {
      char tail[24];
      unsigned n = (unsigned)strtoul(hit + mlen + 1, NULL, 10);
      ctk_ct_order_id_reserved("", n, tail);
      ctk_buf_adds(&out, tail);
      p = hit + mlen + 6;
    }
    else {
      ctk_buf_add(&out, mark, mlen);
      p = hit + mlen;
    }
    hit = strstr(p, mark);
  }
  ctk_buf_adds(&out, p);
  ctk_buf_reset(body);
  ctk_buf_add(body, out.data ? out.data : "", out.len);
  ctk_buf_free(&out);
}

/* Adapt the catalogue's Jiangxi nodes to the SUT's regions and fill the placeholders. */
static void j2_adapt(ctk_ct *t, const j2_run_ctx *x, ctk_buf *body)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_ct_replace_all(body, "@NOW@", x->now);
  j2_adapt_orders(body);
  ctk_ct_replace_all(body, "@TODAY@", x->today);
  ctk_ct_replace_all(body, "hostile-", x->token);
  ctk_ct_replace_all(body, "360100", "@C0@");
  ctk_ct_replace_all(body, "360200", "@C1@");
  ctk_ct_replace_all(body, "360000", px->sut_region);
  ctk_ct_replace_all(body, "@C0@", px->cities[0]);
  ctk_ct_replace_all(body, "@C1@", px->cities[1]);
}

/* The requirement a refusal of this kind belongs to: the engine's check that gives it (a rule
 * of the catalog), the report's own for an accepted one, else the test's first. */
static const char *j2_requirement(ctk_ct *t, const char *result, const char *name)
{
  static const struct { const char *result; const char *rule; } map[] = {
    { "FORBIDDEN", "forbidden" }, { "TOO_LARGE", "size" }, { "MALFORMED", "envelope" },
    { "ENCODING", "encoding" }, { "AUTH", "auth" }, { "DENIED", "ownership" },
    { "ROUTE", "route" }, { "SCHEMA", "schema" }, { "FORMAT", "schema" },
    { "CODE_VALUE", "schema" }, { "UNKNOWN_INTERFACE", "interface" },
    { "VERSION", "version" }, { "STATE", "state" }, { "UNKNOWN_ORDER", "unknown-order" },
    { "DUPLICATE", "duplicate" }, { "EXISTS", "order-exists" }, { "FAULT", "soap-fault" },
    { "-", "http-status" }
  };
  static const char *const entity_words[] = { "entity", "xxe", "dtd", "xinclude", "doctype",
                                               "laughs", "blowup", "schemalocation" };
  size_t i, n = strcspn(result, "|");
  if(strstr(name, "deep"))
    return ctk_ct_rule(t, "depth");
  for(i = 0; i < sizeof(entity_words) / sizeof(entity_words[0]); i++) {
    if(strstr(name, entity_words[i]))
      return ctk_ct_rule(t, "forbidden");
  }
  if(n == 2 && !strncmp(result, "OK", n))
    return ctk_ct_iface_req(t, CTK_IF_REPORT);
  for(i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
    if(strlen(map[i].result) == n && !strncmp(result, map[i].result, n))
      return ctk_ct_rule(t, map[i].rule);
  }
  return ctk_ct_req(t, 0);
}

static int j2_alt_has(const char *alts, const char *word)
{
  size_t n = strlen(word);
  const char *p = alts;
  while(n && p && *p) {
    if(!strncmp(p, word, n) && (p[n] == '|' || p[n] == '\0'))
      return 1;
    p = strchr(p, '|');
    if(p)
      p++;
  }
  return 0;
}

static int j2_status_ok(const char *alts, long status)
{
  char s[16];
  if(!alts[0])
    return 1;
  snprintf(s, sizeof(s), "%ld", status);
  return j2_alt_has(alts, s);
}

static void j2_case_run(ctk_ct *t, j2_run_ctx *x, const char *file, int depth);

static void j2_case_send(ctk_ct *t, j2_run_ctx *x, j2_case *c, int depth)
{
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  const char *user = as.node.region;
  const char *secret = as.secret;
  const char *req = j2_requirement(t, c->http.expect_result, c->name);
  int soap = ctk_binding_of_path(t->env->profile, c->http.path) == CTK_BIND_SOAP;
  ctk_ct_reply r;
  int fault, answered_ok;

  if(c->http.before[0] && depth == 0)
    j2_case_run(t, x, c->http.before, depth + 1);
  if(!strcmp(c->http.auth, "other-city")) {
    as = ctk_ct_as_city(t, 1);
    user = as.node.region;
    secret = as.secret;
  }
  else if(!strcmp(c->http.auth, "wrong-password"))
    secret = "wrong-password";
  else if(!strcmp(c->http.auth, "none"))
    user = secret = NULL;
  ctk_ct_reply_init(&r);
  ctk_ct_send_raw(t, &sut, user, secret, c->body.data ? c->body.data : "", c->body.len,
                  soap ? CTK_BIND_SOAP : CTK_BIND_XML,
                  c->ctype[0] ? c->ctype : "application/xml; charset=UTF-8", &r);
  x->sent++;
  if(depth > 0) {
    ctk_ct_reply_free(&r);
    return;
  }
  x->checked++;
  fault = soap && strstr(ctk_buf_str(&r.raw), "Fault") != NULL;
  answered_ok = r.answer && !strcmp(r.rc_name, "OK");
  if(r.transport) {
    if(!j2_alt_has(c->http.expect_status, "0"))
      ctk_ct_fail_timeout(t, req, "%s: no answer: %s", c->name, r.why.text);
  }
  else if(!j2_status_ok(c->http.expect_status, r.http_status))
    ctk_ct_fail(t, req, "%s: HTTP %ld, expected %s", c->name, r.http_status, c->http.expect_status);
  else if(!strcmp(c->http.expect_result, "-"))
    ;
  else if(!strcmp(c->http.expect_result, "!OK")) {
    if(answered_ok)
      ctk_ct_fail(t, ctk_ct_req(t, 0), "%s: accepted (OK) although it must be refused",
                  c->name);
  }
  else if(fault && j2_alt_has(c->http.expect_result, "FAULT"))
    ;
  else if(!r.answer)
    ctk_ct_fail(t, r.why.requirement[0] ? r.why.requirement : ctk_ct_rule(t, "envelope"),
                "%s: HTTP %ld without a readable Answer (expected %s): %s", c->name,
                r.http_status, c->http.expect_result, r.why.text);
  else if(!j2_alt_has(c->http.expect_result, r.rc_name))
    ctk_ct_fail(t, req, "%s: answered %s %s \"%s\", expected %s", c->name, r.rc,
                r.rc_name[0] ? r.rc_name : "(unknown)", r.answer->outcome.text,
                c->http.expect_result);
  else if(!r.answer->outcome.text[0])
    ctk_ct_fail(t, req, "%s: %s without a reason text", c->name, r.rc_name);
  else if(!strcmp(c->http.expect_where, "yes") && !answered_ok && !r.answer->outcome.where[0])
    ctk_ct_fail(t, req, "%s: %s without Where", c->name, r.rc_name);
  ctk_ct_reply_free(&r);
}

/* X-Ctk-Generate: body BYTES SEQ: the control report padded inside Content to BYTES. */
static int j2_generate(ctk_ct *t, j2_run_ctx *x, j2_case *c)
{
  unsigned long bytes = 0, seq = 0;
  j2_case ctl;
  char from[64], to[64], content_end[CTK_NAME_MAX + 4];
  const char *content;
  ctk_buf out;
  size_t pad;
  char err[1280];

  if(sscanf(c->http.generate, "body %lu %lu", &bytes, &seq) != 2 || bytes > J2_GENERATE_MAX)
    return 0;
  if(j2_case_load(x->dir, "000-control-valid-report.http", &ctl, err, sizeof(err))) {
    ctk_ct_error(t, 0, "the generated case's base: %s", err);
    ctk_buf_free(&ctl.body);
    return 0;
  }
  j2_adapt(t, x, &ctl.body);
  snprintf(from, sizeof(from), "%s%s-0000", x->token, t->env->pixit->cities[0]);
  snprintf(to, sizeof(to), "%s%s-%04lu", x->token, t->env->pixit->cities[0], seq % 10000);
  ctk_ct_replace_all(&ctl.body, from, to);
  ctk_ct_order_id_reserved("", 0, from);
  ctk_ct_order_id_reserved("", (unsigned)(seq % 200), to);
  ctk_ct_replace_all(&ctl.body, from, to);
  if(x->tr && ctk_translate_buf(x->tr, &ctl.body)) {
    ctk_buf_free(&ctl.body);
    return 0;
  }
  /* the padding goes at the end of the work order's free text */
  snprintf(content_end, sizeof(content_end), "</%s>", ctk_el(t->env->profile, CTK_EL_CONTENT));
  content = strstr(ctk_buf_str(&ctl.body), content_end);
  ctk_buf_init(&out, J2_GENERATE_MAX + 1);
  if(content) {
    ctk_buf_add(&out, ctl.body.data, (size_t)(content - ctl.body.data));
    pad = bytes > ctl.body.len ? bytes - ctl.body.len : 0;
    while(pad-- && !ctk_buf_addc(&out, ' '))
      ;
    ctk_buf_adds(&out, content);
  }
  ctk_buf_reset(&c->body);
  ctk_buf_add(&c->body, out.data ? out.data : "", out.len);
  ctk_buf_free(&out);
  ctk_buf_free(&ctl.body);
  return content != NULL;
}

static void j2_case_run(ctk_ct *t, j2_run_ctx *x, const char *file, int depth)
{
  j2_case c;
  char err[1280];
  if(j2_case_load(x->dir, file, &c, err, sizeof(err))) {
    ctk_ct_error(t, 0, "hostile case %s", err);
    ctk_buf_free(&c.body);
    return;
  }
  if(x->tr) {
    char path[sizeof(c.http.path)];
    ctk_translate_path(x->tr, c.http.path, path, sizeof(path));
    ctk_strlcpy(c.http.path, path, sizeof(c.http.path));
    if(c.http.expect_translated[0])
      ctk_strlcpy(c.http.expect_result, c.http.expect_translated, sizeof(c.http.expect_result));
  }
  /* What curl cannot send as written (other methods, raw paths, hand-made Authorization or
   * headers, the 100 MB body) is covered by tests/test_hostile.c over raw sockets. */
  if(strcmp(c.http.method, "POST") || ctk_binding_of_path(t->env->profile, c.http.path) < 0 ||
     c.own_authorization || c.other_headers ||
     (c.http.generate[0] && !j2_generate(t, x, &c))) {
    x->skipped++;
    ctk_buf_free(&c.body);
    return;
  }
  if(!c.http.generate[0]) {
    j2_adapt(t, x, &c.body);
    if(x->tr && ctk_translate_buf(x->tr, &c.body)) {
      ctk_ct_error(t, 0, "hostile case %s does not translate into this profile", file);
      ctk_buf_free(&c.body);
      return;
    }
  }
  j2_case_send(t, x, &c, depth);
  ctk_buf_free(&c.body);
}

static void ctk_ct_j2_hostile(ctk_ct *t)
{
  j2_run_ctx x;
  char *names[256];
  long found;
  size_t n, i;
  char dir[600];
  char err[700];
  time_t now = time(NULL);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  ctk_profile *source = NULL;
  ctk_translate *tr = NULL;

  memset(&x, 0, sizeof(x));
  ctk_beijing_strftime(now, "%Y%m%d", x.today, sizeof(x.today));
  /* MsgIds of the catalogue are the run's: "h" + the run tag. */
  snprintf(x.token, sizeof(x.token), "h%s-", ctk_ct_run_tag());
  if(getenv("CTK_HOSTILE_DIR"))
    snprintf(dir, sizeof(dir), "%s", getenv("CTK_HOSTILE_DIR"));
  else
    ctk_datadir_path("fixtures/hostile", dir, sizeof(dir));
  x.dir = dir;
  found = ctk_ct_list_files(dir, ".http", names, sizeof(names) / sizeof(names[0]));
  if(found < 0) {
    ctk_ct_error(t, 0, "the hostile catalogue %s is missing (set CTK_DATA_DIR to ctk's data "
                 "folder or CTK_HOSTILE_DIR)", dir);
    return;
  }
  n = (size_t)found;
  /* The catalogue is written in one profile (its source-profile file): into the one in use. */
  if(ctk_translate_for_dir(dir, t->env->profile, &source, &tr, err, sizeof(err))) {
    ctk_ct_error(t, 0, "the hostile catalogue's profile: %s", err);
    for(i = 0; i < n; i++)
      free(names[i]);
    return;
  }
  x.tr = tr;
  /* @NOW@ in the time format of the profile the catalogue is written in */
  ctk_profile_now(source ? source : t->env->profile, x.now, sizeof(x.now));
  for(i = 0; i < n; i++) {
    if(names[i] && !ctk_ct_done(t) && !ctk_proc_interrupted())
      j2_case_run(t, &x, names[i], 0);
    free(names[i]);
  }
  ctk_translate_free(tr);
  ctk_profile_free(source);
  if(ctk_ct_done(t))
    return;
  if(!x.checked) {
    ctk_ct_error(t, 0, "no hostile case could be sent from %s: none is a POST to this profile's "
                 "binding paths %s and %s (the catalogue is written for another profile and "
                 "has no source-profile file)", dir,
                 ctk_binding_path(t->env->profile, CTK_BIND_XML),
                 ctk_binding_path(t->env->profile, CTK_BIND_SOAP));
    return;
  }
  /* The SUT must still be standing. */
  {
    ctk_node to = ctk_ct_sut_node(t);
    ctk_ct_peer sut = ctk_ct_sut(t);
    if(!ctk_ct_step(t, &sut, &as, CTK_IF_LINK_CHECK, &to, NULL, "OK", ctk_ct_req(t, 0),
                    "link check after the hostile catalogue"))
      return;
  }
  ctk_ct_pass(t, "%zu hostile requests answered as the catalogue requires (%zu skipped: not "
              "sendable over the HTTP client); the SUT still answers", x.checked, x.skipped);
}

/* ---------- secrets stay out of the evidence ---------- */

/* Does the file (read up to 32 MiB, logs of one run are far smaller) contain needle? */
/* Does the file (read up to 32 MiB, logs of one run are far smaller) contain needle? */
static int j2_file_has(const char *path, const char *needle)
{
  ctk_buf b;
  int found = 0;
  ctk_buf_init(&b, (size_t)32 * 1024 * 1024);
  if(!ctk_file_read(path, (size_t)32 * 1024 * 1024, &b))
    found = b.len && memmem(b.data, b.len, needle, strlen(needle)) != NULL;
  ctk_buf_free(&b);
  return found;
}

static void ctk_ct_j2_secrets(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const char *secrets[4];
  const char *names[4] = { "SUT", "ministry", "city", "peer province" };
  ctk_run *run = t->env->run;
  size_t i, k, s;
  char logs[5][600];

  secrets[0] = px->sut_secret;
  secrets[1] = px->ministry_secret;
  secrets[2] = px->city_secret;
  secrets[3] = t->env->roles->peer_secret;
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *tr = run->tests[i];
    for(k = 0; k < tr->n_exchanges; k++) {
      const ctk_exchange *x = &tr->exchanges[k];
      for(s = 0; s < 4; s++) {
        if(strlen(secrets[s]) >= 6 && x->raw && memmem(x->raw, x->raw_len, secrets[s],
                                                         strlen(secrets[s]))) {
          ctk_ct_fail(t, ctk_ct_req(t, 0), "the %s secret appears in evidence of test %s", names[s],
                      tr->id);
          return;
        }
      }
    }
  }
  snprintf(logs[0], sizeof(logs[0]), "%s/ministry.log", t->env->workdir);
  snprintf(logs[1], sizeof(logs[1]), "%s/cities.log", t->env->workdir);
  snprintf(logs[2], sizeof(logs[2]), "%s/province.log", t->env->workdir);
  snprintf(logs[3], sizeof(logs[3]), "%s/peer.log", t->env->workdir);
  snprintf(logs[4], sizeof(logs[4]), "%s/sut.log", t->env->workdir);
  for(i = 0; i < 5; i++) {
    for(s = 0; s < 4; s++) {
      if(strlen(secrets[s]) >= 6 && j2_file_has(logs[i], secrets[s])) {
        ctk_ct_fail(t, ctk_ct_req(t, 0), "the %s secret appears in the log %s", names[s],
                    logs[i]);
        return;
      }
    }
  }
  ctk_ct_pass(t, "no secret in the evidence of %zu tests or in the roles' logs", run->n_tests);
}

/* ---------- recovery after a ministry outage ---------- */

#define J2_OUTAGE_ORDERS 4

static void ctk_ct_j2_recovery(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_roles *roles = t->env->roles;
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  const char *report = ctk_profile_iface_code(t->env->profile, CTK_IF_REPORT);
  const char *complete = ctk_profile_iface_code(t->env->profile, CTK_IF_COMPLETE);
  /* the test's requirements: nothing acknowledged is lost; the outbox delivers it later */
  const char *recorded = ctk_ct_req(t, 0);
  const char *delivered = ctk_ct_req(t, 1);
  char orders[J2_OUTAGE_ORDERS][24];
  ctk_ct_order_spec spec;
  size_t i;

  if(ctk_roles_ministry_link(roles, 0)) {
    ctk_ct_error(t, 0, "could not stop the reference ministry");
    return;
  }
  for(i = 0; i < J2_OUTAGE_ORDERS && !ctk_ct_done(t); i++) {
    ctk_ct_order_id(px->cities[0], orders[i]);
    ctk_ct_spec_order(&spec, orders[i], px->cities[0], px->cities[0]);
    if(ctk_ct_step(t, &sut, &as, CTK_IF_REPORT, &to, &spec, "OK", recorded,
                   "report while the ministry is down"))
      ctk_ct_step(t, &sut, &as, CTK_IF_COMPLETE, &to, &spec, "OK", recorded,
                  "completion while the ministry is down");
  }
  ctk_sleep_ms(px->outage_ms);
  if(ctk_roles_ministry_link(roles, 1)) {
    ctk_ct_error(t, 1, "could not start the reference ministry again");
    return;
  }
  if(ctk_ct_done(t))
    return;
  for(i = 0; i < J2_OUTAGE_ORDERS; i++) {
    if(!ctk_relay_wait(roles->ministry_relay, complete, orders[i], NULL, 1,
                       px->propagate_timeout_ms + px->outage_ms)) {
      ctk_ct_fail_timeout(t, delivered, "after the ministry came back, order %s never reached "
                          "the ministry completely within %ld ms (queued updates lost or not "
                          "retried)", orders[i], px->propagate_timeout_ms + px->outage_ms);
      return;
    }
  }
  /* Once and in order: per order, exactly one accepted report and completion, the report
   * first. */
  ctk_sleep_ms(300);
  for(i = 0; i < J2_OUTAGE_ORDERS && !ctk_ct_done(t); i++) {
    long first_report = 0, first_complete = 0;
    /* by message: a resend of the same MsgId (its answer was lost) is the same delivery */
    const char *ok = ctk_profile_rc(t->env->profile, "OK");
    size_t reports = ctk_relay_find_answered(roles->ministry_relay, report, orders[i], ok,
                                             &first_report);
    size_t completes = ctk_relay_find_answered(roles->ministry_relay, complete, orders[i], ok,
                                               &first_complete);
    if((reports != 1 || completes != 1) &&
       ctk_ct_fail_refused(t, roles->ministry_relay, "ministry", "", orders[i]))
      break;
    if(reports != 1 || completes != 1)
      ctk_ct_fail(t, delivered, "order %s: the ministry accepted %zu reports and %zu "
                  "completions, expected one each", orders[i], reports, completes);
    else if(first_complete < first_report)
      ctk_ct_fail(t, ctk_ct_rule(t, "same-state"), "order %s: the completion reached the "
                  "ministry before the report", orders[i]);
  }
  for(i = 0; i < J2_OUTAGE_ORDERS && !ctk_ct_done(t); i++)
    ctk_ct_expect_ministry_status(t, orders[i], ctk_st(t->env->profile, CTK_ST_COMPLETED),
                                  delivered);
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "%d orders reported and completed during a %ld ms outage reached the ministry "
                "once each, in order", J2_OUTAGE_ORDERS, px->outage_ms);
}

/* ---------- sustained load ---------- */

/* What the answers of the load came to, filled as they arrive. */
typedef struct j2_load_ctx {
  ctk_ct *t;
  const char *carried;         /* the test's requirements (see ctk_ct_j2_load) */
  const char *answered;
  size_t total;
  char *acked;                 /* acked[i]: report i was answered OK */
} j2_load_ctx;

static void j2_load_answer(void *arg, size_t i, const ctk_ct_reply *r)
{
  j2_load_ctx *c = arg;
  const ctk_pixit *px = c->t->env->pixit;
  if(r->transport == CTK_E_TIMEOUT)
    ctk_ct_fail_timeout(c->t, c->answered, "report %zu of %zu: no answer within %ld ms at "
                        "%.1f orders/s over up to %d connections", i + 1, c->total,
                        px->answer_timeout_ms, px->load_rate, px->load_connections);
  else if(ctk_ct_expect(c->t, r, "OK", c->carried, "report under load"))
    c->acked[i] = 1;
}

/* The measured numbers of the load into the result model (every report shows them). */
static void j2_load_measures(ctk_ct *t, const ctk_ct_load_result *lr, size_t total,
                             double achieved, const ctk_stats *st)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_test_measure(t->res, "offered_rate", "orders/s", px->load_rate);
  ctk_test_measure(t->res, "achieved_rate", "orders/s", achieved);
  ctk_test_measure(t->res, "latency_p50", "ms", st->p50);
  ctk_test_measure(t->res, "latency_p95", "ms", st->p95);
  ctk_test_measure(t->res, "latency_p99", "ms", st->p99);
  ctk_test_measure(t->res, "duration_measured", "ms", lr->elapsed_ms);
  ctk_test_measure(t->res, "duration_planned", "ms", (double)px->load_duration_ms);
  ctk_test_measure(t->res, "connections", "", (double)px->load_connections);
  ctk_test_measure(t->res, "offered", "orders", (double)total);
  ctk_test_measure(t->res, "sent", "orders", (double)lr->sent);
  ctk_test_measure(t->res, "answered", "orders", (double)lr->answered);
  ctk_test_measure(t->res, "waited_for_connection", "orders", (double)lr->waited);
}

/* Latencies (for the report's histogram and the percentiles) and answers per second of the
 * load (for its chart), from when each request was due. */
static ctk_code j2_load_series(ctk_ct *t, const ctk_ct_load_result *lr, size_t total,
                               ctk_stats *st)
{
  const ctk_pixit *px = t->env->pixit;
  size_t n_secs = (size_t)(lr->elapsed_ms / 1000.0) + 2;
  size_t *per_s = calloc(n_secs, sizeof(*per_s));
  double *lat = calloc(total, sizeof(*lat));
  ctk_series *series = NULL, *tput;
  size_t i, n = 0, last;
  ctk_code result = per_s && lat ? CTK_E_OK : CTK_E_NOMEM;

  for(i = 0; !result && i < total; i++) {
    double at_ms;
    if(lr->latency_ms[i] < 0)
      continue;
    lat[n++] = lr->latency_ms[i];
    at_ms = (double)i * 1000.0 / px->load_rate + lr->latency_ms[i];
    if((size_t)(at_ms / 1000.0) < n_secs)
      per_s[(size_t)(at_ms / 1000.0)]++;
    /* The series appears with its first value: an empty one says nothing. */
    if(!series)
      series = ctk_test_series(t->res, "latency_ms", "ms", 0);
    if(series)
      ctk_series_add(series, lr->latency_ms[i]);
  }
  if(!result && n) {
    tput = ctk_test_series(t->res, "throughput_per_s", "orders/s", 1);
    for(last = n_secs; last > 1 && !per_s[last - 1]; last--)
      ;
    for(i = 0; tput && i < last; i++)
      ctk_series_add(tput, (double)per_s[i]);
  }
  if(!result)
    result = ctk_stats_of(lat, n, st);
  free(per_s);
  free(lat);
  return result;
}

/* The verdict on what the load measured: the rate reached (J2-PERF-001), then the latency
 * percentiles against the PIXIT's limits (J2-PERF-002). */
static void j2_load_judge(ctk_ct *t, const ctk_ct_load_result *lr, size_t total, size_t acked,
                          double achieved, const ctk_stats *st)
{
  const ctk_pixit *px = t->env->pixit;
  if(ctk_ct_done(t))
    return;
  if(achieved < px->load_min_rate)
    ctk_ct_fail(t, ctk_ct_req(t, 0), "achieved %.1f orders/s of %.1f offered (at least %.1f "
                "needed): %zu of %zu reports answered OK in %.0f ms measured (%ld ms planned) "
                "over up to %d connections; %zu waited for a connection, %zu never sent",
                achieved, px->load_rate, px->load_min_rate, acked, total, lr->elapsed_ms,
                px->load_duration_ms, px->load_connections, lr->waited, lr->not_sent);
  else if(st->p50 > (double)px->load_p50_ms || st->p95 > (double)px->load_p95_ms ||
          st->p99 > (double)px->load_p99_ms)
    ctk_ct_fail(t, ctk_ct_req(t, 1), "answer latency at %.1f orders/s: p50 %.1f ms, p95 %.1f "
                "ms, p99 %.1f ms; the limits are %ld, %ld and %ld ms", achieved, st->p50,
                st->p95, st->p99, px->load_p50_ms, px->load_p95_ms, px->load_p99_ms);
}

static void ctk_ct_j2_load(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_roles *roles = t->env->roles;
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_node to = ctk_ct_sut_node(t);
  const char *report = ctk_profile_iface_code(t->env->profile, CTK_IF_REPORT);
  /* the test's requirements: every acknowledged order is carried on; answers come in time */
  const char *carried = ctk_ct_req(t, 0);
  size_t total = (size_t)(px->load_rate * (double)px->load_duration_ms / 1000.0);
  char (*orders)[24];
  ctk_msg **msgs;
  ctk_ct_as *as;
  j2_load_ctx ctx;
  ctk_ct_load_spec spec;
  ctk_ct_load_result lr;
  ctk_stats st;
  size_t i, acked = 0, lost = 0, dup = 0;
  double achieved;
  ctk_code result;

  if(total < 1)
    total = 1;
  if(total > J2_LOAD_MAX)
    total = J2_LOAD_MAX;
  orders = calloc(total, sizeof(*orders));
  msgs = calloc(total, sizeof(*msgs));
  as = calloc(total, sizeof(*as));
  memset(&ctx, 0, sizeof(ctx));
  memset(&lr, 0, sizeof(lr));
  memset(&st, 0, sizeof(st));
  ctx.acked = calloc(total, 1);
  if(!orders || !msgs || !as || !ctx.acked) {
    ctk_ct_error(t, 0, "out of memory for %zu orders", total);
    goto out;
  }
  for(i = 0; i < total; i++) {
    ctk_ct_order_spec ospec;
    const char *city = px->cities[i % px->n_cities];
    ctk_ct_order_id(city, orders[i]);
    ctk_ct_spec_order(&ospec, orders[i], city, city);
    as[i] = ctk_ct_as_city(t, i % px->n_cities);
    if(ctk_ct_build(t, CTK_IF_REPORT, &as[i].node, &to, &ospec, &msgs[i]))
      goto out;                /* ctk_ct_build ended the test in error, saying why */
  }
  ctx.t = t;
  ctx.carried = carried;
  ctx.answered = ctk_ct_req(t, 1);
  ctx.total = total;
  spec.rate = px->load_rate;
  spec.duration_ms = px->load_duration_ms;
  spec.connections = (unsigned)px->load_connections;
  result = ctk_ct_load_run(t, &sut, msgs, as, total, &spec, j2_load_answer, &ctx, &lr);
  if(result) {
    ctk_ct_error(t, 0, "the runner's load client failed: %s", ctk_strerror(result));
    goto out;
  }
  for(i = 0; i < total; i++)
    acked += ctx.acked[i] ? 1 : 0;
  /* over the planned window, or the measured time when the answers took longer */
  achieved = (double)acked * 1000.0 /
             (lr.elapsed_ms > (double)px->load_duration_ms ? lr.elapsed_ms
                                                           : (double)px->load_duration_ms);
  if(j2_load_series(t, &lr, total, &st)) {
    ctk_ct_error(t, 0, "out of memory for the load's measures");
    goto out;
  }
  j2_load_measures(t, &lr, total, achieved, &st);
  j2_load_judge(t, &lr, total, acked, achieved, &st);
  if(!ctk_ct_done(t)) {
    long long until = ctk_now_ms() + px->propagate_timeout_ms;
    for(i = 0; i < total; i++) {
      long left = (long)(until - ctk_now_ms());
      size_t seen;
      if(!ctx.acked[i])
        continue;
      seen = ctk_relay_wait(roles->ministry_relay, report, orders[i], NULL, 1,
                            left > 0 ? left : 0);
      if(!seen)
        lost++;
      else if(seen > 1)
        dup++;
    }
    if(lost)
      ctk_ct_fail_timeout(t, carried, "%zu of %zu acknowledged orders never reached the "
                          "ministry within %ld ms after the load", lost, acked,
                          px->propagate_timeout_ms);
    else if(dup)
      ctk_ct_fail(t, carried, "%zu orders reached the ministry more than once", dup);
  }
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "%zu reports offered at %.1f/s over %ld ms: %.1f/s achieved in %.0f ms "
                "measured over up to %d connections; answers p50 %.1f, p95 %.1f, p99 %.1f ms; "
                "all delivered to the ministry once", total, px->load_rate,
                px->load_duration_ms, achieved, lr.elapsed_ms, px->load_connections, st.p50,
                st.p95, st.p99);
out:
  for(i = 0; msgs && i < total; i++)
    ctk_msg_free(msgs[i]);
  ctk_ct_load_result_free(&lr);
  free(orders);
  free(msgs);
  free(as);
  free(ctx.acked);
}

/* ---------- statistics counted from the orders ---------- */

/* Wait until the ministry link has been quiet for 800 ms (the SUT's outbox drained). */
static void j2_wait_quiet(ctk_ct *t)
{
  long long until = ctk_now_ms() + t->env->pixit->propagate_timeout_ms;
  size_t last = (size_t)-1, total = 0;
  long long since = ctk_now_ms();
  while(ctk_now_ms() < until && !ctk_proc_interrupted()) {
    ctk_relay_count(t->env->roles->ministry_relay, &total);
    if(total != last) {
      last = total;
      since = ctk_now_ms();
    }
    else if(ctk_now_ms() - since >= 800)
      return;
    ctk_sleep_ms(50);
  }
}

/* Replace {from} and {to} in the trigger template. */
static void j2_trigger_url(const char *tmpl, const char *day, char *out, size_t outlen)
{
  ctk_buf b;
  ctk_buf_init(&b, 4096);
  ctk_buf_adds(&b, tmpl);
  ctk_ct_replace_all(&b, "{from}", day);
  ctk_ct_replace_all(&b, "{to}", day);
  ctk_strlcpy(out, ctk_buf_str(&b), outlen);
  ctk_buf_free(&b);
}

/* The breakdowns J2-STAT-001 names: orders per business type, domain and channel, reported as
 * indicators "<dimension>.<code value>" (docs/STATISTICS.md). */
static const char *const j2_dims[] = { "business_type.", "domain.", "channel." };
#define J2_N_DIMS (sizeof(j2_dims) / sizeof(j2_dims[0]))

/* The newest StatisticsReport the SUT sent: its head, period and region, the value of one
 * indicator (-1 when there is no such report or indicator), that of the business type the
 * run's orders have (`type`, -1 when not reported) and the sum of each breakdown's items (-1
 * when the report has none of it). */
typedef struct j2_report {
  long value, type_n, dim_sum[J2_N_DIMS];
  double in_time, in_time_other, review, instant; /* in_time_rate_complaint,
                                                     in_time_rate_other, review_rate,
                                                     instant_answer_rate; -1: not reported */
  ctk_node sender, receiver;
  char period_start[48], period_end[48], region[16];
} j2_report;

/* Adds one indicator of a report to its breakdowns. */
static void j2_add_dims(j2_report *out, const char *name, long value, const char *type)
{
  size_t d;
  for(d = 0; d < J2_N_DIMS; d++) {
    if(!strncmp(name, j2_dims[d], strlen(j2_dims[d]))) {
      out->dim_sum[d] = (out->dim_sum[d] < 0 ? 0 : out->dim_sum[d]) + value;
      if(!d && !strcmp(name + strlen(j2_dims[d]), type))
        out->type_n = value;
    }
  }
}

static void j2_reported(ctk_ct *t, const char *name, const char *type, j2_report *out)
{
  const ctk_profile *p = t->env->profile;
  ctk_relay *relay = t->env->roles->ministry_relay;
  size_t i = ctk_relay_count(relay, NULL);
  int found = 0;
  size_t d;
  memset(out, 0, sizeof(*out));
  out->value = -1;
  out->type_n = -1;
  out->in_time = -1;
  out->review = -1;
  out->in_time_other = -1;
  out->instant = -1;
  for(d = 0; d < J2_N_DIMS; d++)
    out->dim_sum[d] = -1;
  while(i-- > 0 && !found) {
    ctk_relay_msg m;
    ctk_msg *msg = NULL;
    ctk_outcome why;
    xmlNodePtr ind;
    if(!ctk_relay_get(relay, i, &m))
      continue;
    if(!strcmp(m.iface, ctk_profile_iface_code(p, CTK_IF_STATISTICS)) &&
       !ctk_msg_decode(p, m.raw, m.raw_len, m.soap ? CTK_BIND_SOAP : CTK_BIND_XML, &msg, &why) &&
       msg && msg->body) {
      const char *ps = ctk_ct_get(msg, CTK_EL_PERIOD_START);
      const char *pe = ctk_ct_get(msg, CTK_EL_PERIOD_END);
      const char *rg = ctk_ct_get(msg, CTK_EL_STATS_REGION);
      found = 1;
      out->sender = msg->head.sender;
      out->receiver = msg->head.receiver;
      ctk_strlcpy(out->period_start, ps ? ps : "", sizeof(out->period_start));
      ctk_strlcpy(out->period_end, pe ? pe : "", sizeof(out->period_end));
      ctk_strlcpy(out->region, rg ? rg : "", sizeof(out->region));
      for(ind = msg->body->children; ind; ind = ind->next) {
        xmlNodePtr n = ctk_xml_child(ind, ctk_el(p, CTK_EL_INDICATOR_NAME));
        xmlNodePtr v = ctk_xml_child(ind, ctk_el(p, CTK_EL_INDICATOR_VALUE));
        xmlChar *nt = n ? xmlNodeGetContent(n) : NULL;
        xmlChar *vt = v ? xmlNodeGetContent(v) : NULL;
        if(nt && vt && !strcmp((const char *)nt, name))
          out->value = strtol((const char *)vt, NULL, 10);
        else if(nt && vt && !strcmp((const char *)nt, "in_time_rate_complaint"))
          out->in_time = strtod((const char *)vt, NULL);
        else if(nt && vt && !strcmp((const char *)nt, "in_time_rate_other"))
          out->in_time_other = strtod((const char *)vt, NULL);
        else if(nt && vt && !strcmp((const char *)nt, "instant_answer_rate"))
          out->instant = strtod((const char *)vt, NULL);
        else if(nt && vt && !strcmp((const char *)nt, "review_rate"))
          out->review = strtod((const char *)vt, NULL);
        else if(nt && vt)
          j2_add_dims(out, (const char *)nt, strtol((const char *)vt, NULL, 10), type);
        xmlFree(nt);
        xmlFree(vt);
      }
    }
    ctk_msg_free(msg);
    free(m.raw);
  }
}

/* A report asked for one day (the trigger's {from} and {to}) comes from the SUT, goes to the
 * ministry, is of the SUT's region and covers exactly that Beijing day: it starts at its
 * midnight and ends at its last second or at the next midnight. 0 when it does; else the
 * test has failed. */
static int j2_report_check(ctk_ct *t, const j2_report *r, const char *day)
{
  const ctk_profile *p = t->env->profile;
  ctk_node sut = ctk_ct_sut_node(t), ministry = ctk_ct_ministry_node();
  const char *req = ctk_ct_iface_req(t, CTK_IF_STATISTICS);
  time_t midnight = 0, start = 0, end = 0;

  if(strcmp(r->sender.region, sut.region) || r->sender.level != sut.level ||
     strcmp(r->receiver.region, ministry.region) || r->receiver.level != ministry.level) {
    ctk_ct_fail(t, ctk_ct_rule(t, "envelope"), "the statistics report goes from %s (level %d) "
                "to %s (level %d), not from the SUT %s to the ministry %s", r->sender.region,
                (int)r->sender.level, r->receiver.region, (int)r->receiver.level, sut.region,
                ministry.region);
    return -1;
  }
  if(strcmp(r->region, sut.region)) {
    ctk_ct_fail(t, req, "the statistics report for %s is of region \"%s\", not the SUT's %s",
                day, r->region, sut.region);
    return -1;
  }
  if(ctk_date_parse(day, &midnight) ||
     ctk_profile_time_parse(p, r->period_start, &start) ||
     ctk_profile_time_parse(p, r->period_end, &end) || start != midnight ||
     (end != midnight + 86399 && end != midnight + 86400)) {
    ctk_ct_fail(t, req, "the statistics report asked for %s covers \"%s\" to \"%s\", not "
                "that whole day", day, r->period_start, r->period_end);
    return -1;
  }
  return 0;
}

/* What the ministry counts for the SUT's region on day (reference ministry's admin API). */
static long j2_ministry_orders(ctk_ct *t, const char *day)
{
  ctk_http_call call;
  ctk_http_reply hr;
  char url[CTK_ROLES_URL_MAX + 128];
  long orders = -1;
  const char *p;
  memset(&call, 0, sizeof(call));
  memset(&hr, 0, sizeof(hr));
  ctk_buf_init(&hr.body, 1024 * 1024);
  snprintf(url, sizeof(url), "%s/ctk/stats?region=%s&from=%s&to=%s",
           t->env->roles->ministry_url, t->env->pixit->sut_region, day, day);
  call.url = url;
  call.timeout_ms = t->env->pixit->answer_timeout_ms;
  if(!ctk_http_get(t->env->http, &call, &hr) && hr.status == 200) {
    p = strstr(ctk_buf_str(&hr.body), "\"orders\":");
    if(p)
      orders = strtol(p + 9, NULL, 10);
  }
  ctk_ct_record(t, CTK_XCHG_IN, "ministry admin /ctk/stats", "", hr.total_ms, (int)hr.status,
                NULL, ctk_buf_str(&hr.body), hr.body.len);
  ctk_buf_free(&hr.body);
  return orders;
}

/* One round of statistics: make the SUT report now (the trigger template, when there is
 * one) and wait for its report; *rep is the report ("orders" its value, type the business
 * type whose count it keeps), *held what the ministry of this run holds from the SUT for day.
 * 0 when both are known; else the test has its verdict. */
static int j2_stats_round(ctk_ct *t, const char *tmpl, const char *day, const char *type,
                          j2_report *rep, long *held)
{
  const ctk_pixit *px = t->env->pixit;
  const char *stats = ctk_profile_iface_code(t->env->profile, CTK_IF_STATISTICS);
  size_t before;
  char url[700];

  j2_wait_quiet(t);
  before = ctk_relay_find(t->env->roles->ministry_relay, stats, NULL, NULL);
  if(tmpl[0]) {
    ctk_http_call call;
    ctk_http_reply hr;
    j2_trigger_url(tmpl, day, url, sizeof(url));
    memset(&call, 0, sizeof(call));
    memset(&hr, 0, sizeof(hr));
    ctk_buf_init(&hr.body, 64 * 1024);
    call.url = url;
    call.body = "";
    call.content_type = "application/json"; /* a control route refuses what a web page can send */
    call.timeout_ms = px->answer_timeout_ms;
    if(ctk_http_post(t->env->http, &call, &hr) || hr.status >= 300) {
      ctk_ct_inconc(t, "the statistics trigger %s did not work (HTTP %ld %s)", url, hr.status,
                    hr.error);
      ctk_buf_free(&hr.body);
      return -1;
    }
    ctk_buf_free(&hr.body);
  }
  if(ctk_relay_wait(t->env->roles->ministry_relay, stats, NULL, NULL, before + 1,
                    px->propagate_timeout_ms) <= before) {
    ctk_ct_inconc(t, "no statistics report (%s) from the SUT within %ld ms%s", stats,
                  px->propagate_timeout_ms,
                  tmpl[0] ? "" : " (set PIXIT sut.stats_trigger to make it report now)");
    return -1;
  }
  j2_reported(t, "orders", type, rep);
  *held = j2_ministry_orders(t, day);
  if(*held < 0) {
    ctk_ct_error(t, 0, "the reference ministry did not give its own count for %s", day);
    return -1;
  }
  /* a report made for the day asked for must be that day's, sent by the SUT to the ministry */
  if(strstr(tmpl, "{from}") && strstr(tmpl, "{to}") && j2_report_check(t, rep, day))
    return -1;
  if(rep->value < 0) {
    ctk_ct_fail(t, ctk_ct_req(t, 0), "the SUT's statistics report has no \"orders\" "
                "indicator");
    return -1;
  }
  return 0;
}

/* 17:00 Beijing time `days` days from today, as the profile writes times. */
static void j2_day_at(ctk_ct *t, int days, char *out, size_t outlen)
{
  time_t at = time(NULL) + (time_t)days * 86400;
  ctk_profile_time_format(t->env->profile, at - ctk_beijing_seconds_of_day(at) + 17 * 3600, out,
                          outlen);
}

/* The run's own orders: plain complaints, then the three the rates below are about. */
typedef enum {
  J2_PLAIN,   /* a complaint with the SUT's default deadline */
  J2_LATE,    /* complaint A: due three days ago, supervised by the ministry, completed now */
  J2_MOVED,   /* suggestion B: due three days ago, given a new deadline ten days on by the
                 ministry's supervise (J1-FLOW-011), completed now */
  J2_INSTANT  /* enquiry C: answered at once when reported, then archived */
} j2_kind;

/* The run's own order i of kind k, reported by a city; past and later are the deadlines. */
static void j2_own_order(ctk_ct *t, size_t i, j2_kind k, const char *past, const char *later)
{
  const ctk_pixit *px = t->env->pixit;
  const ctk_profile *p = t->env->profile;
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_node to = ctk_ct_sut_node(t);
  ctk_ct_as as = ctk_ct_as_city(t, i % px->n_cities);
  char order[24];
  ctk_ct_order_spec spec;

  ctk_ct_order_id(as.node.region, order);
  ctk_ct_spec_order(&spec, order, as.node.region, as.node.region);
  spec.deadline = k == J2_LATE || k == J2_MOVED ? past : NULL;
  if(k == J2_MOVED)
    spec.business_type = ctk_val(p, CTK_V_BT_SUGGESTION);
  if(k == J2_INSTANT) {
    spec.business_type = ctk_val(p, CTK_V_BT_ENQUIRY);
    spec.instant = 1;
  }
  if(!ctk_ct_step(t, &sut, &as, CTK_IF_REPORT, &to, &spec, "OK",
                  ctk_ct_iface_req(t, CTK_IF_REPORT), "report") || k == J2_PLAIN)
    return;
  if(k == J2_INSTANT) {
    ctk_ct_step(t, &sut, &as, CTK_IF_ARCHIVE, &to, &spec, "OK",
                ctk_ct_iface_req(t, CTK_IF_ARCHIVE), "archive of an instant answer");
    return;
  }
  spec.deadline = k == J2_MOVED ? later : past;
  if(ctk_ct_ministry_step(t, CTK_IF_SUPERVISE, &spec, "OK", ctk_ct_iface_req(t, CTK_IF_SUPERVISE),
                          "supervise from the ministry"))
    ctk_ct_step(t, &sut, &as, CTK_IF_COMPLETE, &to, &spec, "OK",
                ctk_ct_iface_req(t, CTK_IF_COMPLETE), "complete");
}

/* The breakdowns of the second report against the first: the run's own business type grew by
 * at least its orders (J2-STAT-001 counts by business type), and every breakdown the SUT
 * reports grew by as many orders as "orders" did (each order has one code per dimension). 0
 * when they did; else the test has failed. */
static int j2_dims_check(ctk_ct *t, const j2_report *r0, const j2_report *r1, const char *type,
                         long own)
{
  size_t d;
  long grew = r1->value - r0->value;
  if((r1->type_n < 0 ? 0 : r1->type_n) - (r0->type_n < 0 ? 0 : r0->type_n) < own) {
    ctk_ct_fail(t, ctk_ct_req(t, 0), "the SUT's \"%s%s\" went from %ld to %ld while this run "
                "reported %ld new orders of that business type", j2_dims[0], type, r0->type_n,
                r1->type_n, own);
    return -1;
  }
  for(d = 0; d < J2_N_DIMS; d++) {
    long sum0 = r0->dim_sum[d] < 0 ? 0 : r0->dim_sum[d];
    if(r1->dim_sum[d] >= 0 && r1->dim_sum[d] - sum0 != grew) {
      ctk_ct_fail(t, ctk_ct_req(t, 0), "the SUT's \"%s*\" indicators add up to %ld and then "
                  "%ld (+%ld) while its \"orders\" grew by %ld", j2_dims[d], sum0,
                  r1->dim_sum[d], r1->dim_sum[d] - sum0, grew);
      return -1;
    }
  }
  /* Complaint A, supervised by the ministry, was completed today three days after its
   * deadline: it can only lower the share completed in time (with the rounding too), and
   * when it is the only one due that share is 0 (投诉举报类限时办结率); it can only raise the
   * share of completed complaints an upper level reviewed, above 0 now (投诉举报类复核率, a
   * supervise standing for the review). Suggestion B, reported past its deadline and given
   * a new one ten days on by the ministry (J1-FLOW-011), was completed in time: it can only
   * raise the other orders' share, and when it is the only one due that share is 100.
   * Enquiry C was answered at once, then archived: it stays instant, so it can only raise
   * the enquiries' instant share (信息咨询类即时答复率), above 0 now, and it is not due
   * (docs/STATISTICS.md). */
  if(r1->in_time >= 0 && ((r0->in_time >= 0 && r1->in_time > r0->in_time) ||
                          (r0->in_time < 0 && r1->in_time > 0))) {
    ctk_ct_fail(t, ctk_ct_req(t, 0), "the SUT's \"in_time_rate_complaint\" went from %.2f to "
                "%.2f after this run completed a complaint three days after its deadline",
                r0->in_time, r1->in_time);
    return -1;
  }
  if(r1->instant >= 0 && (r1->instant <= 0 || (r0->instant >= 0 && r1->instant < r0->instant))) {
    ctk_ct_fail(t, ctk_ct_req(t, 0), "the SUT's \"instant_answer_rate\" went from %.2f to %.2f "
                "after this run archived an enquiry it had answered at once", r0->instant,
                r1->instant);
    return -1;
  }
  if(r1->review >= 0 && (r1->review <= 0 || (r0->review >= 0 && r1->review < r0->review))) {
    ctk_ct_fail(t, ctk_ct_req(t, 0), "the SUT's \"review_rate\" went from %.2f to %.2f after "
                "this run completed a complaint the ministry supervised", r0->review,
                r1->review);
    return -1;
  }
  if(r1->in_time_other >= 0 &&
     ((r0->in_time_other >= 0 && r1->in_time_other < r0->in_time_other) ||
      (r0->in_time_other < 0 && r1->in_time_other < 100))) {
    ctk_ct_fail(t, ctk_ct_req(t, 0), "the SUT's \"in_time_rate_other\" went from %.2f to %.2f "
                "after this run completed a suggestion before the new deadline the ministry "
                "set", r0->in_time_other, r1->in_time_other);
    return -1;
  }
  return 0;
}

/* What this run caused, never the SUT's whole day (it keeps earlier runs' orders and other
 * traffic): a report before and one after the run's own orders; the SUT's count must grow
 * by what it passed up to this run's ministry in between, and so must its breakdowns. */
static void ctk_ct_j2_statistics(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const char *stats = ctk_profile_iface_code(t->env->profile, CTK_IF_STATISTICS);
  const char *type = ctk_val(t->env->profile, CTK_V_BT_COMPLAINT); /* the spec's default */
  char day[16], tmpl[600];
  size_t i;
  long held0, held1;
  j2_report r0, r1;
  static const j2_kind own_kinds[] = { J2_PLAIN, J2_PLAIN, J2_LATE, J2_MOVED, J2_INSTANT };
  const size_t own = sizeof(own_kinds) / sizeof(own_kinds[0]);
  char past[40], later[40];

  if(!*stats) {
    ctk_ct_skip(t, "the profile has no statistics interface");
    return;
  }
  ctk_beijing_today(day);
  if(px->stats_trigger[0])
    ctk_strlcpy(tmpl, px->stats_trigger, sizeof(tmpl));
  else if(px->self_test)
    snprintf(tmpl, sizeof(tmpl), "%s/ctk/report-stats?from={from}&to={to}",
             t->env->roles->sut_url);
  else
    tmpl[0] = '\0';
  if(j2_stats_round(t, tmpl, day, type, &r0, &held0))
    return;
  /* This run's own orders of today: two complaints, then A, B and C (j2_kind) */
  j2_day_at(t, -3, past, sizeof(past));
  j2_day_at(t, 10, later, sizeof(later));
  for(i = 0; i < own && !ctk_ct_done(t); i++)
    j2_own_order(t, i, own_kinds[i], past, later);
  if(ctk_ct_done(t))
    return;
  if(j2_stats_round(t, tmpl, day, type, &r1, &held1))
    return;
  if(held1 - held0 < (long)own &&
     ctk_ct_fail_refused_since(t, t->env->roles->ministry_relay, "ministry", "", NULL, 0))
    return;
  if(held1 - held0 < (long)own)
    ctk_ct_fail(t, ctk_ct_iface_req(t, CTK_IF_REPORT), "the SUT passed %ld of this run's %zu "
                "new orders up to the ministry", held1 - held0, own);
  else if(r1.value - r0.value != held1 - held0)
    ctk_ct_fail(t, ctk_ct_req(t, 0), "the SUT's \"orders\" for %s (period from %s) went from "
                "%ld to %ld (+%ld) while it passed %ld new orders of that day up to the ministry",
                day, r1.period_start, r0.value, r1.value, r1.value - r0.value, held1 - held0);
  else if(!j2_dims_check(t, &r0, &r1, type, 3)) /* the two plain complaints and A */
    ctk_ct_pass(t, "the SUT's statistics for %s grew by %ld orders (%ld to %ld), as many as it "
                "passed up to the ministry in that time, and so did its breakdowns", day,
                r1.value - r0.value, r0.value, r1.value);
}

/* The tests of this file, in run order; the runner lists this table in ctk_ct_registry.c. */
const ctk_ct_def ctk_j2_technical_tests[] = {
  { .id = "J2.auth",
    .name = "A wrong or missing secret gets AUTH",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J2-SEC-001,J3-SEC-004",
    .needs = "", .sut = "any", .fn = ctk_ct_j2_auth },
  { .id = "J2.authorisation",
    .name = "A sender acting for another region gets DENIED",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-SEC-005",
    .needs = "", .sut = "province", .fn = ctk_ct_j2_denied },
  { .id = "J2.hostile-input",
    .name = "External entities, entity expansion, DTDs, oversize and deep documents are refused",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J2-SEC-003,J3-SEC-001,J3-SEC-002,J3-SEC-003",
    .needs = "", .sut = "province", .fn = ctk_ct_j2_hostile },
  { .id = "J2.recovery",
    .name = "Ministry link down: the province queues, then delivers everything once and in order",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J2-REL-001,J2-REL-002",
    .needs = "outage", .sut = "province", .fn = ctk_ct_j2_recovery },
  { .id = "J2.load",
    .name = "Sustained load at the PIXIT rate: every acknowledged order reaches the ministry",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J2-PERF-001,J2-PERF-002",
    .needs = "load", .sut = "province", .fn = ctk_ct_j2_load },
  { .id = "J2.statistics",
    .name = "The SUT's statistics report counts the orders it passed up",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "interface.statistics",
    .requirements = "J2-STAT-001,J3-IF-011",
    .needs = "stats", .sut = "province", .fn = ctk_ct_j2_statistics },
  { .id = "J2.secrets-hidden",
    .name = "No secret appears in the evidence of the run or in the reference roles' logs",
    .part = "jtt1019-2", .area = "technical",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J2-SEC-004",
    .needs = "", .sut = "any", .fn = ctk_ct_j2_secrets },
};

const size_t ctk_j2_technical_count =
  sizeof(ctk_j2_technical_tests) / sizeof(ctk_j2_technical_tests[0]);
