/* test_city: the city-node simulator against a fake province started here (ctk_http on port 0):
 * valid orders go up, each misbehaviour happens exactly as often as commanded, the cities
 * answer the province (auth, transfers, queries, steered answers), CTI intake is idempotent. */
#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "city/ctk_city.h"
#include "city/ctk_misbehave.h"
#include "city/ctk_traffic.h"
#include "ctk_auth.h"
#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_node.h"
#include "ctk_profile.h"
#include "ctk_test.h"
#include "ctk_test_wire.h"
#include "ctk_validate.h"

#define FAKE_MAX 256
#define PROVINCE_SECRET "province-secret-0123456789abcdef"
#define CITY_SECRET "city-secret-0123456789abcdef0123"

/* ---------- a fake province that records what the cities send ---------- */

typedef struct fake_msg {
  char msg_id[CTK_MSGID_MAX];
  char iface[CTK_ID_MAX];
  char order_id[32];
  char channel[32];
  char call_id[CTK_MSGID_MAX];
  char att_kind[8];
  char att_sha[72];
  char phone[32];
  char target[8];
  char user[16];
  int valid;
} fake_msg;

typedef struct fake_province {
  ctk_profile *profile;
  ctk_http_server *server;
  pthread_mutex_t lock;
  fake_msg msgs[FAKE_MAX];
  size_t n;
} fake_province;

static void copy_get(const ctk_msg *m, const char *path, char *dst, size_t size)
{
  const char *v = ctk_msg_get(m, path);
  snprintf(dst, size, "%s", v ? v : "");
}

static int fake_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  fake_province *fp = ctx;
  ctk_binding b = strstr(req->path, "soap") ? CTK_BIND_SOAP : CTK_BIND_XML;
  ctk_msg *m = NULL, *ans = NULL;
  ctk_outcome why, ok;
  ctk_problems problems;

  if(ctk_msg_decode(fp->profile, req->body, req->body_len, b, &m, &why) || !m)
    return 1;
  pthread_mutex_lock(&fp->lock);
  if(fp->n < FAKE_MAX) {
    fake_msg *f = &fp->msgs[fp->n++];
    memset(f, 0, sizeof(*f));
    snprintf(f->msg_id, sizeof(f->msg_id), "%s", m->head.msg_id);
    snprintf(f->iface, sizeof(f->iface), "%s", m->head.interface_code);
    copy_get(m, "OrderId", f->order_id, sizeof(f->order_id));
    if(!f->order_id[0])
      copy_get(m, "WorkOrder/OrderId", f->order_id, sizeof(f->order_id));
    copy_get(m, "WorkOrder/Channel", f->channel, sizeof(f->channel));
    copy_get(m, "WorkOrder/CallId", f->call_id, sizeof(f->call_id));
    copy_get(m, "WorkOrder/Attachments/Attachment/Kind", f->att_kind, sizeof(f->att_kind));
    copy_get(m, "WorkOrder/Attachments/Attachment/Sha256", f->att_sha, sizeof(f->att_sha));
    copy_get(m, "WorkOrder/Caller/Phone", f->phone, sizeof(f->phone));
    copy_get(m, "TargetRegion", f->target, sizeof(f->target));
    snprintf(f->user, sizeof(f->user), "%s", req->auth_user ? req->auth_user : "");
    memset(&problems, 0, sizeof(problems));
    f->valid = ctk_validate_msg(fp->profile, m, &problems) == CTK_E_OK;
    if(!f->valid && problems.count)
      fprintf(stderr, "fake province: %s invalid: %s at %s\n", f->msg_id, problems.items[0].text,
              problems.items[0].where);
  }
  pthread_mutex_unlock(&fp->lock);
  ctk_outcome_set(&ok, fp->profile, "OK", NULL, NULL, "received");
  if(ctk_msg_new_answer(fp->profile, m, &ok, 0, &ans) ||
     ctk_msg_encode(fp->profile, ans, b, CTK_ENC_UTF8, &resp->body)) {
    ctk_msg_free(ans);
    ctk_msg_free(m);
    return 1;
  }
  ctk_msg_free(ans);
  ctk_msg_free(m);
  return 0;
}

static int fake_start(fake_province *fp)
{
  ctk_http_server_config cfg;
  char err[512];
  memset(fp, 0, sizeof(*fp));
  pthread_mutex_init(&fp->lock, NULL);
  if(ctk_profile_load(ctk_profile_default_dir(), &fp->profile, err, sizeof(err))) {
    fprintf(stderr, "profile: %s\n", err);
    return -1;
  }
  memset(&cfg, 0, sizeof(cfg));
  cfg.port = 0;
  cfg.threads = 4;
  return ctk_http_server_start(&cfg, fake_handler, fp, &fp->server) ? -1 : 0;
}

static void fake_stop(fake_province *fp)
{
  ctk_http_server_stop(fp->server);
  ctk_profile_free(fp->profile);
  pthread_mutex_destroy(&fp->lock);
}

static size_t fake_count(fake_province *fp)
{
  size_t n;
  pthread_mutex_lock(&fp->lock);
  n = fp->n;
  pthread_mutex_unlock(&fp->lock);
  return n;
}

/* ---------- the simulator under test ---------- */

static char secret_path[600];
static char creds_path[600];

static int write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if(!f)
    return -1;
  fputs(text, f);
  return fclose(f) ? -1 : 0;
}

static int write_files(void)
{
  const char *dir = ctk_test_tmpdir("city");
  char line[CTK_AUTH_LINE_MAX];
  FILE *f;
  if(!dir)
    return -1;
  snprintf(secret_path, sizeof(secret_path), "%s/city.secret", dir);
  snprintf(creds_path, sizeof(creds_path), "%s/credentials.csv", dir);
  f = fopen(secret_path, "w");
  if(!f)
    return -1;
  fputs(CITY_SECRET "\n", f);
  fclose(f);
  if(ctk_auth_make_line("360000", 2, PROVINCE_SECRET, line, sizeof(line)))
    return -1;
  f = fopen(creds_path, "w");
  if(!f)
    return -1;
  fprintf(f, "region,level,salt_hex,hash_hex\n%s\n", line);
  fclose(f);
  return 0;
}

/* What a test changes from the usual start: manual, no random arrivals, the built-in model. */
typedef struct sim_opts {
  const char *model_file;
  int automatic;          /* the city's part on its own schedule, not only on command */
  double rate;            /* random arrivals per second */
  long max_orders;
  unsigned long long seed;
  const char *profile_dir;
  int open;               /* no credentials: anyone may call the cities */
} sim_opts;

static ctk_city_sim *sim_start_opts(fake_province *fp, const sim_opts *opts)
{
  ctk_city_config cfg;
  ctk_city_sim *sim = NULL;
  char url[64], err[1024];
  if(fake_start(fp) || write_files())
    return NULL;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ctk_http_server_port(fp->server));
  ctk_city_config_init(&cfg);
  cfg.province = "360000";
  cfg.cities = "360100,360200";
  cfg.upper_url = url;
  cfg.rate = 0;          /* orders only on command */
  cfg.manual = 1;        /* the city's part only on command */
  cfg.secret_file = secret_path;
  cfg.credentials_file = creds_path;
  cfg.seed = 7;
  cfg.timeout_ms = 5000;
  if(opts) {
    cfg.model_file = opts->model_file;
    cfg.manual = !opts->automatic;
    cfg.rate = opts->rate;
    cfg.max_orders = opts->max_orders;
    cfg.seed = opts->seed ? opts->seed : cfg.seed;
    cfg.profile_dir = opts->profile_dir;
    if(opts->open)
      cfg.credentials_file = NULL;
  }
  if(ctk_city_sim_start(&cfg, &sim, err, sizeof(err))) {
    fprintf(stderr, "city sim: %s\n", err);
    fake_stop(fp);
    return NULL;
  }
  return sim;
}

static ctk_city_sim *sim_start(fake_province *fp)
{
  return sim_start_opts(fp, NULL);
}

static void sim_stop(ctk_city_sim *sim, fake_province *fp)
{
  ctk_city_sim_stop(sim);
  fake_stop(fp);
}

/* Wait (bounded) until every request of the cities is settled. Once a wait has run out, the
 * simulator is stuck (a request lost, idleness misreported): later waits of the suite, this one
 * and the polls below, fail at once instead of each waiting out its bound, so a broken build
 * fails in seconds, not minutes. */
static int idle_wait_ran_out;

/* How many polls a bounded wait may make: n, or one once the simulator was seen stuck. */
static int polls(int n)
{
  return idle_wait_ran_out ? 1 : n;
}

static int wait_idle(ctk_city_sim *sim)
{
  struct timespec ts = { 0, 10 * 1000000L };
  int i;
  for(i = 0; i < polls(1000); i++) {
    if(ctk_city_sim_idle(sim))
      return 1;
    nanosleep(&ts, NULL);
  }
  idle_wait_ran_out = 1;
  return 0;
}

/* Control call; returns the HTTP status and the parsed answer in *out (json_object_put it). */
static int control(ctk_city_sim *sim, const char *method, const char *path, const char *body,
                   struct json_object **out)
{
  ctk_buf b;
  int status;
  ctk_buf_init(&b, 16 * 1024 * 1024);
  status = ctk_city_sim_control(sim, method, path, "", body, body ? strlen(body) : 0, &b);
  if(out)
    *out = json_tokener_parse(ctk_buf_str(&b));
  ctk_buf_free(&b);
  return status;
}

static int control_ok(ctk_city_sim *sim, const char *path, const char *body)
{
  return control(sim, "POST", path, body, NULL);
}

/* ---------- orders go up valid ---------- */

/* The order id of the i-th order a POST /control/orders answer lists, into out. */
static void made_id(struct json_object *made, size_t i, char *out, size_t outlen)
{
  struct json_object *list = json_object_object_get(made, "orders");
  snprintf(out, outlen, "%s", json_object_get_string(json_object_object_get(
    json_object_array_get_idx(list, i), "order_id")));
}

static void test_city_orders_go_up_valid(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  struct json_object *made = NULL;
  char first[32], cross[32];
  size_t i, transfers = 0, seq_next = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{\"city\":\"360100\",\"count\":2,"
                          "\"kind\":\"local\"}", &made), 201);
  made_id(made, 0, first, sizeof(first));
  CU_ASSERT_PTR_NULL(json_object_object_get(made, "error"));   /* every order was made */
  json_object_put(made);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360200\",\"kind\":\"instant\"}"),
                  201);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders",
                          "{\"city\":\"360100\",\"target\":\"360200\"}", &made), 201);
  made_id(made, 0, cross, sizeof(cross));
  json_object_put(made);
  /* the same city's sequence goes on: its third order follows its first two */
  CU_ASSERT_EQUAL(strtoul(cross + 14, NULL, 10), strtoul(first + 14, NULL, 10) + 2);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360200\",\"kind\":"
                             "\"cross-province\",\"target\":\"110100\"}"), 201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"count\":3}"), 201);   /* drawn kinds */
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL_FATAL(fake_count(&fp), 8);
  for(i = 0; i < fp.n; i++) {
    fake_msg *f = &fp.msgs[i];
    CU_ASSERT(f->valid);
    CU_ASSERT(!strcmp(f->iface, "1001") || !strcmp(f->iface, "1002"));
    CU_ASSERT_EQUAL(strlen(f->order_id), 20);
    CU_ASSERT_EQUAL(strncmp(f->order_id, f->user, 6), 0);   /* id starts with the city */
    CU_ASSERT(!strcmp(f->user, "360100") || !strcmp(f->user, "360200"));
  }
  /* the cities send in parallel: find the transfers by their city */
  for(i = 0; i < fp.n; i++) {
    fake_msg *f = &fp.msgs[i];
    if(!strcmp(f->target, "360200")) {
      transfers++;
      CU_ASSERT_STRING_EQUAL(f->iface, "1002");
      seq_next += !strcmp(f->user, "360100") && !strcmp(f->order_id, cross);
    }
    else if(!strcmp(f->target, "110100")) {
      transfers++;
      CU_ASSERT_STRING_EQUAL(f->iface, "1002");
      CU_ASSERT_STRING_EQUAL(f->user, "360200");
    }
  }
  CU_ASSERT(transfers >= 2);   /* and the drawn ones may add more */
  CU_ASSERT_EQUAL(seq_next, 1);
  sim_stop(sim, &fp);
}

/* ---------- misbehaviour, counted exactly ---------- */

static void test_city_drop_exactly_three(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  struct json_object *obs = NULL, *entries;
  size_t i, unsent = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave",
                             "{\"city\":\"360100\",\"action\":\"drop\",\"count\":3}"), 201);
  /* listed as a rule on the city's own requests */
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/misbehave", NULL, &obs), 200);
  entries = json_object_array_get_idx(json_object_object_get(obs, "rules"), 0);
  CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(entries, "on")), "send");
  CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(entries, "city")),
                         "360100");
  json_object_put(obs);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360200\",\"count\":2,"
                             "\"kind\":\"local\"}"), 201);   /* another city: not affected */
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"count\":5,"
                             "\"kind\":\"local\"}"), 201);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL(fake_count(&fp), 4);
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/observed", NULL, &obs), 200);
  CU_ASSERT_PTR_NOT_NULL_FATAL(obs);
  entries = json_object_object_get(obs, "entries");
  for(i = 0; i < json_object_array_length(entries); i++) {
    struct json_object *e = json_object_array_get_idx(entries, i);
    if(!json_object_get_boolean(json_object_object_get(e, "sent"))) {
      unsent++;
      CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(e, "city")), "360100");
    }
  }
  CU_ASSERT_EQUAL(unsent, 3);
  json_object_put(obs);

  /* more observations than the simulator keeps: the oldest go, the rest stay in order. The
   * orders are dropped, so nothing is sent: 20000 of them take no network. */
  CU_ASSERT_EQUAL(control_ok(sim, "/control/reset", ""), 200);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave",
                             "{\"city\":\"360100\",\"action\":\"drop\",\"count\":20002}"),
                  201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"count\":10000,"
                             "\"kind\":\"local\"}"), 201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"count\":10000,"
                             "\"kind\":\"local\"}"), 201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"count\":2,"
                             "\"kind\":\"local\"}"), 201);
  {
    ctk_buf b;
    long long seq;
    ctk_buf_init(&b, 16 * 1024 * 1024);
    CU_ASSERT_EQUAL(ctk_city_sim_control(sim, "GET", "/control/observed", "limit=20000", NULL,
                                         0, &b), 200);
    obs = json_tokener_parse(ctk_buf_str(&b));
    ctk_buf_free(&b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(obs);
    entries = json_object_object_get(obs, "entries");
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(obs, "dropped")), 2);
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(entries), 20000);
    /* the seq numbers go on after a reset: the kept ones are the last 20000, oldest first */
    seq = json_object_get_int64(json_object_object_get(obs, "last_seq"));
    for(i = 0, unsent = 0; i < 20000; i++) {
      struct json_object *e = json_object_array_get_idx(entries, i);
      unsent += json_object_get_int64(json_object_object_get(e, "seq")) ==
                seq - 19999 + (long long)i;
    }
    CU_ASSERT_EQUAL(unsent, 20000);
    json_object_put(obs);
  }
  CU_ASSERT_EQUAL(fake_count(&fp), 4);
  sim_stop(sim, &fp);
}

static void test_city_duplicate_exactly_two(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  size_t i, j, repeated = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave",
                             "{\"city\":\"*\",\"action\":\"duplicate\",\"count\":2}"), 201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"count\":4,"
                             "\"kind\":\"local\"}"), 201);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL_FATAL(fake_count(&fp), 6);
  for(i = 0; i < fp.n; i++) {
    for(j = i + 1; j < fp.n; j++)
      repeated += !strcmp(fp.msgs[i].msg_id, fp.msgs[j].msg_id);
  }
  CU_ASSERT_EQUAL(repeated, 2);
  sim_stop(sim, &fp);
}

static void test_city_invalid_field_exactly_one(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  size_t i, bad = 0, invalid = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave", "{\"city\":\"360200\",\"action\":"
                             "\"invalid-field\",\"field\":\"Channel\",\"count\":1}"), 201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360200\",\"count\":3,"
                             "\"kind\":\"local\"}"), 201);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL_FATAL(fake_count(&fp), 3);
  for(i = 0; i < fp.n; i++) {
    bad += !ctk_profile_code(fp.profile, "channels", fp.msgs[i].channel);
    invalid += !fp.msgs[i].valid;
  }
  CU_ASSERT_EQUAL(bad, 1);
  CU_ASSERT_EQUAL(invalid, 1);
  sim_stop(sim, &fp);
}

static void test_city_reorder_swaps_with_next(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave",
                             "{\"city\":\"360100\",\"action\":\"reorder\",\"count\":1}"), 201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"count\":2,"
                             "\"kind\":\"local\"}"), 201);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL_FATAL(fake_count(&fp), 2);
  /* the second order of the city arrives first */
  CU_ASSERT_EQUAL(strtoul(fp.msgs[0].order_id + 14, NULL, 10),
                  strtoul(fp.msgs[1].order_id + 14, NULL, 10) + 1);
  /* with no successor coming, the held request still goes (after a short hold) */
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave",
                             "{\"city\":\"360100\",\"action\":\"reorder\",\"count\":1}"), 201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"kind\":\"local\"}"),
                  201);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL(fake_count(&fp), 3);
  sim_stop(sim, &fp);
}

static void test_city_delay_once_and_raw_observed(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  struct json_object *obs = NULL, *entries, *stats = NULL;
  size_t i, delayed = 0, with_raw = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave", "{\"city\":\"360100\",\"action\":"
                             "\"delay\",\"delay_ms\":200,\"count\":1}"), 201);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"count\":3,"
                             "\"kind\":\"instant\"}"), 201);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL(fake_count(&fp), 3);    /* late, not lost */
  {
    ctk_buf b;
    ctk_buf_init(&b, 16 * 1024 * 1024);
    CU_ASSERT_EQUAL(ctk_city_sim_control(sim, "GET", "/control/observed", "raw=1&direction=out",
                                         NULL, 0, &b), 200);
    obs = json_tokener_parse(ctk_buf_str(&b));
    ctk_buf_free(&b);
  }
  CU_ASSERT_PTR_NOT_NULL_FATAL(obs);
  entries = json_object_object_get(obs, "entries");
  CU_ASSERT_EQUAL(json_object_array_length(entries), 3);
  for(i = 0; i < json_object_array_length(entries); i++) {
    struct json_object *e = json_object_array_get_idx(entries, i);
    const char *b64 = json_object_get_string(json_object_object_get(e, "request_b64"));
    delayed += !strcmp(json_object_get_string(json_object_object_get(e, "note")), "delay");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(e, "result")), "0000");
    /* when the request left and when its answer came: both there, in that order */
    CU_ASSERT(json_object_get_int64(json_object_object_get(e, "t_start_ms")) > 0);
    CU_ASSERT(json_object_get_int64(json_object_object_get(e, "t_start_ms")) <=
              json_object_get_int64(json_object_object_get(e, "t_end_ms")));
    with_raw += b64 && strlen(b64) > 100 &&
                json_object_get_string(json_object_object_get(e, "answer_b64")) != NULL;
  }
  CU_ASSERT_EQUAL(delayed, 1);
  CU_ASSERT_EQUAL(with_raw, 3);
  json_object_put(obs);
  /* paging: two, then the rest after the page's last seq */
  {
    ctk_buf b;
    char q[64];
    long last;
    ctk_buf_init(&b, 16 * 1024 * 1024);
    CU_ASSERT_EQUAL(ctk_city_sim_control(sim, "GET", "/control/observed", "limit=2", NULL, 0,
                                         &b), 200);
    obs = json_tokener_parse(ctk_buf_str(&b));
    CU_ASSERT_PTR_NOT_NULL_FATAL(obs);
    CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(obs, "entries")), 2);
    CU_ASSERT(json_object_get_boolean(json_object_object_get(obs, "more")));
    last = (long)json_object_get_int64(json_object_object_get(obs, "page_last_seq"));
    json_object_put(obs);
    snprintf(q, sizeof(q), "since=%ld", last);
    ctk_buf_reset(&b);
    CU_ASSERT_EQUAL(ctk_city_sim_control(sim, "GET", "/control/observed", q, NULL, 0, &b), 200);
    obs = json_tokener_parse(ctk_buf_str(&b));
    CU_ASSERT_PTR_NOT_NULL_FATAL(obs);
    CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(obs, "entries")), 1);
    CU_ASSERT(!json_object_get_boolean(json_object_object_get(obs, "more")));
    json_object_put(obs);
    ctk_buf_reset(&b);
    CU_ASSERT_EQUAL(ctk_city_sim_control(sim, "GET", "/control/observed", "limit=0", NULL, 0,
                                         &b), 400);
    /* the documented range is 1..20000 (what the simulator keeps), both ends in */
    ctk_buf_reset(&b);
    CU_ASSERT_EQUAL(ctk_city_sim_control(sim, "GET", "/control/observed", "limit=20000", NULL,
                                         0, &b), 200);
    ctk_buf_reset(&b);
    CU_ASSERT_EQUAL(ctk_city_sim_control(sim, "GET", "/control/observed", "limit=20001", NULL,
                                         0, &b), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "1..20000"));
    ctk_buf_free(&b);
  }
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/stats", NULL, &stats), 200);
  CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(
    json_object_object_get(stats, "total"), "misbehaved"), "delay")), 1);
  CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(
    stats, "total"), "reported_ok")), 3);
  json_object_put(stats);
  sim_stop(sim, &fp);
}

/* ---------- the province calls the cities ---------- */

typedef struct province_call {
  long http_status;
  char code[CTK_ID_MAX];
  ctk_msg *answer;
} province_call;

/* Send msg as user (a province) to city region with this password. */
static void call_city_as(ctk_city_sim *sim, const ctk_profile *p, ctk_msg *msg, const char *region,
                         const char *user, const char *password, province_call *out)
{
  ctk_http_client *c = ctk_http_client_new();
  ctk_http_call call;
  ctk_http_reply reply;
  ctk_buf bytes;
  ctk_outcome why;
  char url[128];

  memset(out, 0, sizeof(*out));
  ctk_buf_init(&bytes, 1024 * 1024);
  CU_ASSERT_EQUAL_FATAL(ctk_msg_encode(p, msg, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/city/%s/exchange", ctk_city_sim_port(sim),
           region);
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = "application/xml; charset=UTF-8";
  call.user = user;
  call.password = password;
  call.body = bytes.data;
  call.body_len = bytes.len;
  call.timeout_ms = 5000;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 1024 * 1024);
  if(ctk_http_post(c, &call, &reply) == CTK_E_OK) {
    out->http_status = reply.status;
    if(reply.body.len &&
       ctk_msg_decode(p, reply.body.data, reply.body.len, CTK_BIND_XML, &out->answer, &why) ==
       CTK_E_OK)
      snprintf(out->code, sizeof(out->code), "%s", out->answer->outcome.code);
  }
  ctk_buf_free(&reply.body);
  ctk_buf_free(&bytes);
  ctk_http_client_free(c);
}

/* Send msg as province 360000 to city region with this password. */
static void call_city(ctk_city_sim *sim, const ctk_profile *p, ctk_msg *msg, const char *region,
                      const char *password, province_call *out)
{
  call_city_as(sim, p, msg, region, "360000", password, out);
}

/* A request of iface from province `from` to city region. */
static ctk_msg *request_from(const ctk_profile *p, const char *iface, const char *from,
                             const char *region)
{
  ctk_node prov, city;
  ctk_msg *m = NULL;
  memset(&prov, 0, sizeof(prov));
  memset(&city, 0, sizeof(city));
  snprintf(prov.region, sizeof(prov.region), "%s", from);
  prov.level = CTK_LEVEL_PROVINCE;
  snprintf(city.region, sizeof(city.region), "%s", region);
  city.level = CTK_LEVEL_CITY;
  if(ctk_msg_new_request(p, iface, &prov, &city, &m))
    return NULL;
  return m;
}

static ctk_msg *province_request(const ctk_profile *p, const char *iface, const char *region)
{
  return request_from(p, iface, "360000", region);
}

/* A link check (1013) from the province to city 360100; r->answer is the caller's to free. */
static void link_check_city(ctk_city_sim *sim, const ctk_profile *p, province_call *r)
{
  ctk_msg *m = province_request(p, "1013", "360100");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  call_city(sim, p, m, "360100", PROVINCE_SECRET, r);
  ctk_msg_free(m);
}

static void test_city_answers_auth_and_steering(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  province_call r;
  ctk_msg *m;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);

  m = province_request(fp.profile, "1013", "360100");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_xml_add(m->body, "Echo", "ping");
  call_city(sim, fp.profile, m, "360100", PROVINCE_SECRET, &r);
  CU_ASSERT_EQUAL(r.http_status, 200);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  CU_ASSERT_PTR_NOT_NULL(r.answer ? ctk_msg_get(r.answer, "ServerTime") : NULL);
  ctk_msg_free(r.answer);

  /* a wrong secret gets AUTH */
  call_city(sim, fp.profile, m, "360100", "not-the-secret-at-all", &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "AUTH"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);

  /* error-answer once: exactly the next answer carries 5001, the one after is real. A
   * delay_ms is for delay and silent: this answer is not held (the call gives up after 5 s) */
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave", "{\"city\":\"360100\",\"action\":"
                             "\"error-answer\",\"result_code\":\"5001\",\"count\":1,"
                             "\"delay_ms\":8000}"), 201);
  {
    /* the rule as listed: an answer rule, nothing applied yet */
    struct json_object *rules = NULL, *r0;
    CU_ASSERT_EQUAL(control(sim, "GET", "/control/misbehave", NULL, &rules), 200);
    r0 = json_object_array_get_idx(json_object_object_get(rules, "rules"), 0);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(r0, "on")), "answer");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(r0, "action")),
                           "error-answer");
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(r0, "remaining")), 1);
    json_object_put(rules);
  }
  link_check_city(sim, fp.profile, &r);
  CU_ASSERT_STRING_EQUAL(r.code, "5001");
  ctk_msg_free(r.answer);
  link_check_city(sim, fp.profile, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  ctk_msg_free(r.answer);

  /* delay on the answer: late but real */
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave", "{\"city\":\"360100\",\"action\":"
                             "\"delay\",\"on\":\"answer\",\"delay_ms\":50,\"count\":1}"), 201);
  link_check_city(sim, fp.profile, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  ctk_msg_free(r.answer);
  {
    struct json_object *stats = NULL;
    CU_ASSERT_EQUAL(control(sim, "GET", "/control/stats", NULL, &stats), 200);
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(
      json_object_object_get(stats, "total"), "misbehaved"), "delay")), 1);
    json_object_put(stats);
  }

  /* silent: no Answer at all */
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave", "{\"city\":\"360100\",\"action\":"
                             "\"silent\",\"delay_ms\":50,\"count\":1}"), 201);
  link_check_city(sim, fp.profile, &r);
  CU_ASSERT_PTR_NULL(r.answer);
  CU_ASSERT_NOT_EQUAL(r.http_status, 200);
  ctk_msg_free(r.answer);
  sim_stop(sim, &fp);
}

static ctk_msg *transfer_down(const ctk_profile *p, const char *order_id, const char *to)
{
  ctk_msg *m = province_request(p, "1002", to);
  char now[40];
  ctk_workorder_fields f = {
    .order_id = order_id, .accept_time = now, .accept_region = "360100", .handle_region = to,
    .channel = "01", .business_type = "1", .domain = "01", .phone = "13800138000",
    .subject = "高速公路收费投诉", .content = "来电反映收费站多收费", .status = "03",
  };
  if(!m)
    return NULL;
  ctk_msg_now(now, sizeof(now));
  ctk_xml_add(m->body, "OrderId", order_id);
  ctk_xml_add(m->body, "TargetRegion", to);
  ctk_xml_add(m->body, "Reason", "属本地管辖");
  ctk_msg_add_workorder(m->body, &f);
  return m;
}

static void test_city_transfer_act_query_urge(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  const char *id = "36010020261129900001";
  struct json_object *ans = NULL;
  province_call r;
  ctk_msg *m, *first;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);

  first = transfer_down(fp.profile, id, "360200");
  CU_ASSERT_PTR_NOT_NULL_FATAL(first);
  call_city(sim, fp.profile, first, "360200", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  ctk_msg_free(r.answer);
  /* the same MsgId and bytes again: same answer, no second order */
  call_city(sim, fp.profile, first, "360200", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  ctk_msg_free(r.answer);
  /* manual: the city's next step waits for a command, nothing is scheduled */
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/stats", NULL, &ans), 200);
  CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(ans, "scheduled")), 0);
  json_object_put(ans);
  /* to the wrong city: ROUTE */
  m = transfer_down(fp.profile, id, "360200");
  call_city(sim, fp.profile, m, "360100", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "ROUTE"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);

  /* the process does not allow archiving a transferred order */
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/act", "{\"city\":\"360200\",\"order\":"
                          "\"36010020261129900001\",\"action\":\"archive\"}", NULL), 409);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/act", "{\"city\":\"360200\",\"order\":"
                          "\"36010020261129900001\",\"action\":\"sign\"}", NULL), 202);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL_FATAL(fake_count(&fp), 1);
  CU_ASSERT_STRING_EQUAL(fp.msgs[0].iface, "1003");
  CU_ASSERT_STRING_EQUAL(fp.msgs[0].order_id, id);
  CU_ASSERT(fp.msgs[0].valid);

  m = province_request(fp.profile, "1010", "360200");
  ctk_xml_add(m->body, "OrderId", id);
  call_city(sim, fp.profile, m, "360200", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.answer);
  CU_ASSERT_STRING_EQUAL(ctk_msg_get(r.answer, "WorkOrder/Status"), "04");
  ctk_msg_free(r.answer);
  ctk_msg_free(m);

  m = province_request(fp.profile, "1008", "360200");
  ctk_xml_add(m->body, "OrderId", id);
  ctk_xml_add(m->body, "Reason", "请加快办理");
  {
    char now[40];
    ctk_msg_now(now, sizeof(now));
    ctk_xml_add(m->body, "UrgeTime", now);
  }
  call_city(sim, fp.profile, m, "360200", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);

  CU_ASSERT_EQUAL(control(sim, "GET", "/control/stats", NULL, &ans), 200);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
  {
    struct json_object *total = json_object_object_get(ans, "total");
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(total, "transfers_received")), 1);
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(total, "urges")), 1);
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(total, "reported_ok")), 1);
  }
  json_object_put(ans);

  /* a reset forgets the message ids too: the first transfer, sent again, is a new order */
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/reset", "", NULL), 200);
  call_city(sim, fp.profile, first, "360200", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  ctk_msg_free(r.answer);
  ctk_msg_free(first);
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/orders/36010020261129900001", NULL, &ans), 200);
  {
    const char *state = json_object_get_string(json_object_object_get(ans, "state"));
    CU_ASSERT_STRING_EQUAL(state ? state : "(no order)", ctk_st(fp.profile, CTK_ST_TRANSFERRED));
  }
  json_object_put(ans);
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/stats", NULL, &ans), 200);
  CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(
    ans, "total"), "transfers_received")), 1);
  json_object_put(ans);
  sim_stop(sim, &fp);
}

static ctk_msg *complete_down(const ctk_profile *p, const char *order_id, const char *to)
{
  ctk_msg *m = province_request(p, "1006", to);
  char now[40];
  if(!m)
    return NULL;
  ctk_msg_now(now, sizeof(now));
  ctk_xml_add(m->body, "OrderId", order_id);
  ctk_xml_add(m->body, "Handler", "南昌市12328中心");
  ctk_xml_add(m->body, "Result", "已办结");
  ctk_xml_add(m->body, "CompleteTime", now);
  return m;
}

static void test_city_lenient_mode(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  const char *id = "36010020261129912345";
  province_call r;
  ctk_msg *m;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  m = complete_down(fp.profile, id, "360100");
  call_city(sim, fp.profile, m, "360100", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "UNKNOWN_ORDER"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);
  /* a query that fails is answered with the result only: no empty answer body */
  m = province_request(fp.profile, ctk_profile_iface_code(fp.profile, CTK_IF_QUERY), "360100");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_xml_add(m->body, "OrderId", id);
  call_city(sim, fp.profile, m, "360100", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "UNKNOWN_ORDER"));
  CU_ASSERT_PTR_NOT_NULL(r.answer);
  CU_ASSERT_PTR_NULL(r.answer ? r.answer->body : NULL);
  ctk_msg_free(r.answer);
  ctk_msg_free(m);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/mode", "{\"lenient\":true}", NULL), 200);
  m = complete_down(fp.profile, id, "360100");
  call_city(sim, fp.profile, m, "360100", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/mode", "{\"lenient\":\"yes\"}", NULL), 400);
  sim_stop(sim, &fp);
}

/* ---------- CTI intake ---------- */

static int post_cti(ctk_city_sim *sim, const char *json)
{
  ctk_http_client *c = ctk_http_client_new();
  ctk_http_call call;
  ctk_http_reply reply;
  char url[128];
  int status = -1;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/cti", ctk_city_sim_control_port(sim));
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = "application/json";
  call.body = json;
  call.body_len = strlen(json);
  call.timeout_ms = 5000;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 1024 * 1024);
  if(ctk_http_post(c, &call, &reply) == CTK_E_OK)
    status = (int)reply.status;
  ctk_buf_free(&reply.body);
  ctk_http_client_free(c);
  return status;
}

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static void test_city_cti_one_order_per_answered_call(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  const char *answered = "{\"event\":\"answered\",\"call_id\":\"call-0001\",\"caller\":"
                         "\"sip:13912345678@acd\",\"agent\":\"1001\",\"time\":"
                         "\"2026-11-29T13:00:00+08:00\",\"wait_ms\":2100,\"recording\":"
                         "{\"url\":\"http://127.0.0.1:9/rec/call-0001.wav\",\"sha256\":\"" SHA
                         "\"}}";
  struct json_object *stats = NULL;
  fake_msg *first, *second;
  size_t i;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":\"ringing\",\"call_id\":\"call-0001\"}"), 200);
  CU_ASSERT_EQUAL(post_cti(sim, answered), 201);
  CU_ASSERT_EQUAL(post_cti(sim, answered), 200);   /* the webhook retried: same order */
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":\"answered\",\"call_id\":\"call-0002\","
                                "\"caller\":\"0791-86123456\"}"), 201);
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":\"hangup\",\"call_id\":\"call-0001\"}"), 200);
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":\"answered\",\"call_id\":\"call-0003\","
                                "\"caller\":\"not a phone\"}"), 422);
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":"), 400);
  /* a recording needs both its url and its sha256 */
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":\"answered\",\"call_id\":\"call-0004\",\"caller\":"
                                "\"13912345678\",\"recording\":{\"url\":"
                                "\"http://127.0.0.1:9/rec/call-0004.wav\"}}"), 422);
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":\"answered\",\"call_id\":\"call-0005\",\"caller\":"
                                "\"13912345678\",\"recording\":{\"sha256\":\"" SHA "\"}}"), 422);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL_FATAL(fake_count(&fp), 2);
  for(i = 0; i < 2; i++) {
    CU_ASSERT(fp.msgs[i].valid);
    CU_ASSERT_STRING_EQUAL(fp.msgs[i].channel, "01");     /* 12328 phone */
  }
  /* the two cities send in parallel: which arrives first is not fixed */
  first = !strcmp(fp.msgs[0].call_id, "call-0001") ? &fp.msgs[0] : &fp.msgs[1];
  second = first == &fp.msgs[0] ? &fp.msgs[1] : &fp.msgs[0];
  CU_ASSERT_STRING_EQUAL(first->call_id, "call-0001");
  CU_ASSERT_STRING_EQUAL(first->phone, "13912345678");
  CU_ASSERT_STRING_EQUAL(first->att_kind, "1");       /* recording */
  CU_ASSERT_STRING_EQUAL(first->att_sha, SHA);
  CU_ASSERT_STRING_EQUAL(second->call_id, "call-0002");
  CU_ASSERT_STRING_EQUAL(second->phone, "0791-86123456");
  CU_ASSERT_STRING_EQUAL(second->att_kind, "");
  /* round robin over the cities */
  CU_ASSERT_STRING_NOT_EQUAL(first->user, second->user);
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/stats", NULL, &stats), 200);
  CU_ASSERT_PTR_NOT_NULL_FATAL(stats);
  {
    struct json_object *ev = json_object_object_get(stats, "cti_events");
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(ev, "answered")), 6);
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(ev, "ringing")), 1);
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(
      stats, "total"), "cti_orders")), 2);
  }
  json_object_put(stats);
  sim_stop(sim, &fp);
}


/* The recording's members are required as such: a profile with no format for one of them
 * still refuses a recording that lacks it. */
static void test_city_cti_recording_needs_both_members(void)
{
  fake_province fp;
  sim_opts opts;
  ctk_city_sim *sim;
  const char *dir = ctk_test_tmpdir("city-no-url-format");
  char prof[600], cmd[2048];
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(prof, sizeof(prof), "%s/profile", dir);
  /* the shipped profile without its url format */
  snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -R '%s' '%s' && sed -i '/^%s,/d' '%s/formats.csv'",
           prof, ctk_profile_default_dir(), prof, ctk_el(ctk_test_profile(), CTK_EL_URL), prof);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  memset(&opts, 0, sizeof(opts));
  opts.profile_dir = prof;
  sim = sim_start_opts(&fp, &opts);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":\"answered\",\"call_id\":\"call-0006\",\"caller\":"
                                "\"13912345678\",\"recording\":{\"sha256\":\"" SHA "\"}}"), 422);
  CU_ASSERT_EQUAL(post_cti(sim, "{\"event\":\"answered\",\"call_id\":\"call-0007\",\"caller\":"
                                "\"13912345678\",\"recording\":{\"url\":\"http://127.0.0.1:9/r.wav\","
                                "\"sha256\":\"" SHA "\"}}"), 201);   /* both: taken */
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL(fake_count(&fp), 1);
  sim_stop(sim, &fp);
}

/* ---------- control interface parsing ---------- */

static void test_city_rule_parsing(void)
{
  static const char *const bad[] = {
    "",
    "[]",
    "{\"action\":\"drop\"}",                                   /* neither count nor seconds */
    "{\"action\":\"drop\",\"count\":1,\"seconds\":5}",         /* both */
    "{\"action\":\"explode\",\"count\":1}",
    "{\"action\":\"drop\",\"count\":0}",
    "{\"action\":\"drop\",\"count\":\"3\"}",
    "{\"action\":\"drop\",\"count\":1,\"city\":\"36\"}",
    "{\"action\":\"drop\",\"count\":1,\"city\":\"36a100\"}",      /* six, not all digits */
    "{\"action\":\"invalid-field\",\"count\":1}",              /* no field */
    "{\"action\":\"delay\",\"count\":1}",                      /* no delay_ms */
    "{\"action\":\"drop\",\"count\":1,\"on\":\"answer\"}",     /* drop is for sends */
    "{\"action\":\"silent\",\"count\":1,\"on\":\"send\"}",     /* silent is for answers */
    "{\"action\":\"error-answer\",\"count\":1,\"result_code\":\"50\"}",
    "{\"action\":\"error-answer\",\"count\":1,\"result_code\":\"NOT_A_RESULT\"}",
    "{\"action\":\"drop\",\"count\":1,\"interface\":\"no-such-role\"}",
    "{\"action\":\"drop\",\"count\":1} trailing",
  };
  const ctk_profile *p = ctk_test_profile();
  const char *good;
  ctk_mb_rule r;
  char err[256], json[256];
  size_t i;
  for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    CU_ASSERT_NOT_EQUAL(ctk_mb_rule_parse(p, bad[i], strlen(bad[i]), 0, &r, err, sizeof(err)),
                        CTK_E_OK);
    CU_ASSERT(err[0] != '\0');
  }
  /* an interface the profile does not have is refused too */
  snprintf(json, sizeof(json), "{\"action\":\"drop\",\"count\":1,\"interface\":\"%s9\"}",
           ctk_profile_iface_code(p, CTK_IF_REPORT));
  CU_ASSERT_NOT_EQUAL(ctk_mb_rule_parse(p, json, strlen(json), 0, &r, err, sizeof(err)), CTK_E_OK);
  good = "{\"city\":\"360100\",\"action\":\"delay\",\"seconds\":5,\"delay_ms\":250,"
         "\"on\":\"answer\"}";
  CU_ASSERT_EQUAL(ctk_mb_rule_parse(p, good, strlen(good), 1000, &r, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(r.action, CTK_MB_DELAY);
  CU_ASSERT_EQUAL(r.on, CTK_MB_ON_ANSWER);
  CU_ASSERT_EQUAL(r.remaining, -1);
  CU_ASSERT_EQUAL(r.until_ms, 6000);
  CU_ASSERT_EQUAL(r.delay_ms, 250);
  good = "{\"action\":\"error-answer\",\"count\":2}";
  CU_ASSERT_EQUAL(ctk_mb_rule_parse(p, good, strlen(good), 0, &r, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(r.city, "*");
  CU_ASSERT_STRING_EQUAL(r.result_code, ctk_profile_rc(p, "BUSY"));   /* the default */
  CU_ASSERT_EQUAL(r.on, CTK_MB_ON_ANSWER);
  /* roles and symbolic names become the profile's element name and codes */
  good = "{\"action\":\"error-answer\",\"count\":1,\"result_code\":\"STATE\","
         "\"interface\":\"sign\"}";
  CU_ASSERT_EQUAL(ctk_mb_rule_parse(p, good, strlen(good), 0, &r, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(r.result_code, ctk_profile_rc(p, "STATE"));
  CU_ASSERT_STRING_EQUAL(r.interface_code, ctk_profile_iface_code(p, CTK_IF_SIGN));
  snprintf(json, sizeof(json), "{\"action\":\"error-answer\",\"count\":1,"
           "\"result_code\":\"%s\",\"interface\":\"%s\"}", ctk_profile_rc(p, "DENIED"),
           ctk_profile_iface_code(p, CTK_IF_QUERY));
  CU_ASSERT_EQUAL(ctk_mb_rule_parse(p, json, strlen(json), 0, &r, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(r.result_code, ctk_profile_rc(p, "DENIED"));
  CU_ASSERT_STRING_EQUAL(r.interface_code, ctk_profile_iface_code(p, CTK_IF_QUERY));
  good = "{\"action\":\"invalid-field\",\"count\":1,\"field\":\"channel\"}";
  CU_ASSERT_EQUAL(ctk_mb_rule_parse(p, good, strlen(good), 0, &r, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(r.field, ctk_el(p, CTK_EL_CHANNEL));
}

static int has_channel(void *ctx, const char *field)
{
  (void)ctx;
  return !strcmp(field, "Channel");
}

static int lacks_channel(void *ctx, const char *field)
{
  (void)ctx;
  (void)field;
  return 0;
}

static void test_city_rule_take(void)
{
  ctk_mb_set set;
  ctk_mb_rule r, got;
  char err[256];
  const char *json = "{\"city\":\"360100\",\"action\":\"invalid-field\",\"field\":\"Channel\","
                     "\"count\":2,\"interface\":\"1001\"}";
  ctk_mb_init(&set);
  CU_ASSERT_EQUAL_FATAL(ctk_mb_rule_parse(ctk_test_profile(), json, strlen(json), 0, &r, err,
                                          sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_mb_add(&set, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.id, 1);   /* rules are numbered from 1 (GET /control/misbehave shows it) */
  /* other city, other interface, message without the field: not consumed */
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360200", CTK_MB_ON_SEND, "1001", 0, has_channel, NULL,
                              &got), 0);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360100", CTK_MB_ON_SEND, "1003", 0, has_channel, NULL,
                              &got), 0);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360100", CTK_MB_ON_SEND, "1001", 0, lacks_channel, NULL,
                              &got), 0);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360100", CTK_MB_ON_ANSWER, "1001", 0, has_channel, NULL,
                              &got), 0);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360100", CTK_MB_ON_SEND, "1001", 0, has_channel, NULL,
                              &got), 1);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360100", CTK_MB_ON_SEND, "1001", 0, has_channel, NULL,
                              &got), 1);
  CU_ASSERT_EQUAL(got.applied, 2);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360100", CTK_MB_ON_SEND, "1001", 0, has_channel, NULL,
                              &got), 0);
  CU_ASSERT_EQUAL(set.count, 0);
  /* a window applies to every message until it ends, then it is gone */
  json = "{\"action\":\"drop\",\"seconds\":2}";
  CU_ASSERT_EQUAL_FATAL(ctk_mb_rule_parse(ctk_test_profile(), json, strlen(json), 1000, &r, err,
                                          sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_mb_add(&set, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.id, 2);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360300", CTK_MB_ON_SEND, "1005", 1500, NULL, NULL, &got), 1);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360100", CTK_MB_ON_SEND, "1001", 2999, NULL, NULL, &got), 1);
  CU_ASSERT_EQUAL(ctk_mb_take(&set, "360100", CTK_MB_ON_SEND, "1001", 3000, NULL, NULL, &got), 0);
  CU_ASSERT_EQUAL(set.count, 0);
}

static void test_city_control_errors(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  struct json_object *o = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/misbehave", "{not json", &o), 400);
  CU_ASSERT_PTR_NOT_NULL(json_object_object_get(o, "error"));
  json_object_put(o);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/misbehave",
                          "{\"city\":\"110100\",\"action\":\"drop\",\"count\":1}", NULL), 404);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{\"count\":0}", NULL), 400);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{\"kind\":\"weird\"}", NULL), 400);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders",
                          "{\"kind\":\"cross-city\",\"target\":\"110100\"}", NULL), 400);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{\"city\":\"999999\"}", NULL), 404);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/act",
                          "{\"order\":\"36010020261129000077\",\"action\":\"sign\"}", NULL), 404);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/act", "{\"order\":7}", NULL), 400);
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/orders", NULL, NULL), 405);
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/nothing", NULL, NULL), 404);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{not json", &o), 400);
  CU_ASSERT_PTR_NOT_NULL(json_object_object_get(o, "error"));
  json_object_put(o);
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/misbehave", NULL, &o), 200);
  CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(o, "rules")), 0);
  json_object_put(o);
  {
    /* an answer is one line of JSON, ended like a line (what curl prints) */
    ctk_buf b;
    ctk_buf_init(&b, 1024 * 1024);
    CU_ASSERT_EQUAL(ctk_city_sim_control(sim, "GET", "/control/health", "", NULL, 0, &b), 200);
    CU_ASSERT(b.len > 2 && ctk_buf_str(&b)[b.len - 1] == '\n' &&
              ctk_buf_str(&b)[b.len - 2] == '}');
    ctk_buf_free(&b);
  }
  {
    /* a role name that is no city step is refused as unknown, whatever it is */
    const char *not_steps[CTK_IF__COUNT + 2];
    char body[256], id[32], path[64];
    size_t n = 0, i;
    int r;
    for(r = 0; r < CTK_IF__COUNT; r++) {
      ctk_interface_role role = (ctk_interface_role)r;
      if(role != CTK_IF_SIGN && role != CTK_IF_RETURN && role != CTK_IF_FEEDBACK &&
         role != CTK_IF_COMPLETE && role != CTK_IF_REVISIT && role != CTK_IF_ARCHIVE)
        not_steps[n++] = ctk_interface_role_name(role);
    }
    not_steps[n++] = "?";
    not_steps[n++] = "";
    CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{\"city\":\"360100\",\"count\":2,"
                            "\"kind\":\"local\"}", &o), 201);
    made_id(o, 0, id, sizeof(id));
    json_object_put(o);
    for(i = 0; i < n; i++) {
      snprintf(body, sizeof(body), "{\"order\":\"%s\",\"action\":\"%s\"}", id, not_steps[i]);
      CU_ASSERT_EQUAL(control(sim, "POST", "/control/act", body, NULL), 400);
    }
    /* a city that is not a string is refused too, though order and action are fine */
    snprintf(body, sizeof(body), "{\"city\":360100,\"order\":\"%s\",\"action\":\"complete\"}",
             id);
    CU_ASSERT_EQUAL(control(sim, "POST", "/control/act", body, NULL), 400);
    CU_ASSERT_FATAL(wait_idle(sim));
    /* a reset forgets the orders and the counts */
    CU_ASSERT_EQUAL(control(sim, "POST", "/control/reset", "", NULL), 200);
    snprintf(path, sizeof(path), "/control/orders/%s", id);
    CU_ASSERT_EQUAL(control(sim, "GET", path, NULL, NULL), 404);
    CU_ASSERT_EQUAL(control(sim, "GET", "/control/stats", NULL, &o), 200);
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(
      o, "total"), "orders_created")), 0);
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(
      o, "total"), "reported_ok")), 0);
    json_object_put(o);
  }
  sim_stop(sim, &fp);
}

/* The status of one raw request to the control port, with this Host and Content-Type. */
static int control_raw(ctk_city_sim *sim, const char *method, const char *path, const char *host,
                       const char *ctype)
{
  char head[512];
  ctk_wire_answer a;
  int status;
  int n = snprintf(head, sizeof(head),
                   "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: 2\r\n"
                   "Connection: close\r\n\r\n",
                   method, path, host, ctype);
  ctk_wire_answer_init(&a);
  ctk_wire_send(ctk_city_sim_control_port(sim), head, (size_t)n, "{}", 2, 0, NULL, 0, &a);
  status = a.status;
  ctk_wire_answer_free(&a);
  return status;
}

/* A web page in a browser on the same machine must not drive the simulator: it can POST only
 * forms and text/plain across sites (CSRF), and through DNS rebinding its requests carry its
 * own name as Host. */
static void test_city_control_refuses_web_pages(void)
{
  fake_province fp;
  ctk_city_sim *sim = sim_start(&fp);
  char host[64];

  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  snprintf(host, sizeof(host), "127.0.0.1:%d", ctk_city_sim_control_port(sim));
  CU_ASSERT_EQUAL(control_raw(sim, "POST", "/control/reset", host, "text/plain"), 415);
  CU_ASSERT_EQUAL(control_raw(sim, "POST", "/cti", host, "application/x-www-form-urlencoded"),
                  415);
  CU_ASSERT_EQUAL(control_raw(sim, "POST", "/control/reset", "rebind.example:80",
                              "application/json"), 403);
  CU_ASSERT_EQUAL(control_raw(sim, "GET", "/control/stats", "rebind.example", "text/plain"), 403);
  CU_ASSERT_EQUAL(control_raw(sim, "GET", "/control/health", "localhost", "text/plain"), 200);
  CU_ASSERT_EQUAL(control_raw(sim, "POST", "/control/reset", host,
                              "application/json; charset=UTF-8"), 200);
  sim_stop(sim, &fp);
}


/* ---------- the schedule ---------- */

/* Delayed requests leave when each is due, not in the order they were made; a request in
 * flight keeps its order from a second step; a model file given at start is the model. */
static void test_city_schedule_and_busy_orders(void)
{
  fake_province fp;
  ctk_city_sim *sim;
  ctk_city_config cfg;
  struct json_object *made = NULL, *o = NULL;
  char slow[32], quick[32], body[160], err[1024], path[600];
  const char *dir = ctk_test_tmpdir("city-model");

  /* a bad model file stops the start, and says where */
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/bad-model.conf", dir);
  CU_ASSERT_FATAL(write_text(path, "rate = 0\nmax_retries = lots\n") == 0);
  ctk_city_config_init(&cfg);
  cfg.province = "360000";
  cfg.cities = "360100";
  cfg.upper_url = "http://127.0.0.1:9/";
  cfg.model_file = path;
  sim = NULL;
  err[0] = '\0';
  CU_ASSERT_NOT_EQUAL(ctk_city_sim_start(&cfg, &sim, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NULL(sim);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad-model.conf:2:"));
  ctk_city_sim_stop(sim);

  sim = sim_start(&fp);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave", "{\"city\":\"360100\",\"action\":"
                             "\"delay\",\"delay_ms\":3000,\"count\":1}"), 201);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{\"city\":\"360100\",\"kind\":"
                          "\"local\"}", &made), 201);
  made_id(made, 0, slow, sizeof(slow));
  json_object_put(made);
  /* its report is held back: the order is busy, a step on it now is refused */
  snprintf(body, sizeof(body), "{\"order\":\"%s\",\"action\":\"complete\"}", slow);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/act", body, &o), 409);
  CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(json_object_object_get(o, "error")),
                                "in flight"));
  json_object_put(o);
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave", "{\"city\":\"360100\",\"action\":"
                             "\"delay\",\"delay_ms\":100,\"count\":1}"), 201);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{\"city\":\"360100\",\"kind\":"
                          "\"local\"}", &made), 201);
  made_id(made, 0, quick, sizeof(quick));
  json_object_put(made);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL_FATAL(fake_count(&fp), 2);
  /* the one due first went first, though it was made second (one city: one sending thread) */
  CU_ASSERT_STRING_EQUAL(fp.msgs[0].order_id, quick);
  CU_ASSERT_STRING_EQUAL(fp.msgs[1].order_id, slow);

  /* requests due at the same time leave in the order they were made: 60 orders made in one
   * call, each held 200 ms, fall due several to a millisecond */
  CU_ASSERT_EQUAL(control_ok(sim, "/control/misbehave", "{\"city\":\"360100\",\"action\":"
                             "\"delay\",\"delay_ms\":200,\"count\":60}"), 201);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders", "{\"city\":\"360100\",\"count\":60,"
                          "\"kind\":\"local\"}", &made), 201);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL_FATAL(fake_count(&fp), 62);
  {
    size_t i, in_order = 0;
    for(i = 0; i < 60; i++) {
      char id[32];
      made_id(made, i, id, sizeof(id));
      in_order += !strcmp(fp.msgs[2 + i].order_id, id);
    }
    CU_ASSERT_EQUAL(in_order, 60);
  }
  json_object_put(made);
  sim_stop(sim, &fp);
}

/* The model of the tests below: no random arrivals, every step at once, feedback always. */
static int write_fast_model(char *path, size_t pathlen)
{
  const char *dir = ctk_test_tmpdir("city-fast-model");
  if(!dir)
    return -1;
  snprintf(path, pathlen, "%s/fast.conf", dir);
  return write_text(path, "rate = 0\nreturn_pct = 0\nfeedback_pct = 100\n[delay]\n"
                    "sign = fixed 0\nfeedback = fixed 0\ncomplete = fixed 0\nrevisit = fixed 0\n"
                    "archive = fixed 0\n");
}

/* Wait (bounded) until the fake province holds at least n messages and the cities are quiet
 * (idle twice, a little apart: a step due at once is scheduled when its predecessor settles). */
static void wait_messages_then_quiet(ctk_city_sim *sim, fake_province *fp, size_t n)
{
  struct timespec ts = { 0, 20 * 1000000L }, settle = { 0, 300 * 1000000L };
  int i;
  for(i = 0; i < polls(500) && fake_count(fp) < n; i++)
    nanosleep(&ts, NULL);
  wait_idle(sim);
  nanosleep(&settle, NULL);
  wait_idle(sim);
}

/* Which messages of one sender, by interface, in order, joined with spaces. */
static void sent_by(fake_province *fp, const char *user, char *out, size_t outlen)
{
  size_t i, used = 0;
  out[0] = '\0';
  pthread_mutex_lock(&fp->lock);
  for(i = 0; i < fp->n && used < outlen; i++) {
    if(!strcmp(fp->msgs[i].user, user))
      used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? " " : "",
                               fp->msgs[i].iface);
  }
  pthread_mutex_unlock(&fp->lock);
}

/* On its own schedule a city takes each step its part of the process has, once, in order:
 * the handling city signs, feeds back and completes a transfer it received; the city that
 * sent a transfer does nothing more with it; an urge hastens a scheduled step and starts none. */
static void test_city_automatic_steps_follow_the_process(void)
{
  fake_province fp;
  sim_opts opts;
  ctk_city_sim *sim;
  const ctk_profile *p;
  const char *waiting = "36010020261129900011", *handled = "36010020261129900012";
  char model[600], want[64], got[64], now[40];
  province_call r;
  ctk_msg *m;

  CU_ASSERT_FATAL(write_fast_model(model, sizeof(model)) == 0);
  memset(&opts, 0, sizeof(opts));
  opts.model_file = model;
  opts.automatic = 0;      /* first manual: an order arrives with no step scheduled */
  sim = sim_start_opts(&fp, &opts);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  p = fp.profile;

  m = transfer_down(p, waiting, "360200");
  call_city(sim, p, m, "360200", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(p, "OK"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/mode", "{\"auto\":true}", NULL), 200);
  m = province_request(p, ctk_profile_iface_code(p, CTK_IF_URGE), "360200");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_xml_add(m->body, "OrderId", waiting);
  ctk_xml_add(m->body, "Reason", "请加快办理");
  ctk_msg_now(now, sizeof(now));
  ctk_xml_add(m->body, "UrgeTime", now);
  call_city(sim, p, m, "360200", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(p, "OK"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);
  wait_messages_then_quiet(sim, &fp, 0);
  CU_ASSERT_EQUAL(fake_count(&fp), 0);     /* nothing was scheduled, so nothing was hastened */

  /* a cross-city order of 360100: its transfer goes up, and that is all 360100 does */
  CU_ASSERT_EQUAL(control_ok(sim, "/control/orders", "{\"city\":\"360100\",\"target\":"
                             "\"360200\"}"), 201);
  /* a transfer the province sends down to 360200 is handled there, step by step */
  m = transfer_down(p, handled, "360200");
  call_city(sim, p, m, "360200", PROVINCE_SECRET, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(p, "OK"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);
  wait_messages_then_quiet(sim, &fp, 4);
  sent_by(&fp, "360100", got, sizeof(got));
  CU_ASSERT_STRING_EQUAL(got, ctk_profile_iface_code(p, CTK_IF_TRANSFER));
  snprintf(want, sizeof(want), "%s %s %s", ctk_profile_iface_code(p, CTK_IF_SIGN),
           ctk_profile_iface_code(p, CTK_IF_FEEDBACK), ctk_profile_iface_code(p, CTK_IF_COMPLETE));
  sent_by(&fp, "360200", got, sizeof(got));
  CU_ASSERT_STRING_EQUAL(got, want);
  sim_stop(sim, &fp);
}

/* --orders N ends the random arrivals at N: nothing more is scheduled once the Nth order is
 * made, so the run is finished as soon as its requests are answered. */
static void test_city_max_orders_schedules_nothing_more(void)
{
  fake_province fp;
  sim_opts opts;
  ctk_city_sim *sim;
  struct json_object *stats = NULL;
  struct timespec ts = { 0, 20 * 1000000L };
  unsigned long long seed;
  int i, made = 0;

  memset(&opts, 0, sizeof(opts));
  opts.rate = 0.05;        /* one arrival in 20 s on average: a second one would be far off */
  opts.max_orders = 1;
  /* the first seed whose first arrival comes within half a second (the first draw of the
   * stream is the first gap) */
  for(seed = 1; seed < 100000; seed++) {
    ctk_rng r;
    ctk_rng_seed(&r, seed);
    if(-log(1.0 - ctk_rng_uniform(&r)) / opts.rate < 0.5)
      break;
  }
  opts.seed = seed;
  sim = sim_start_opts(&fp, &opts);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  for(i = 0; i < polls(500) && !made; i++) {
    nanosleep(&ts, NULL);
    if(control(sim, "GET", "/control/stats", NULL, &stats) == 200)
      made = json_object_get_int(json_object_object_get(json_object_object_get(
        stats, "total"), "orders_created")) == 1;
    json_object_put(stats);
  }
  CU_ASSERT_FATAL(made);
  CU_ASSERT_FATAL(wait_idle(sim));
  CU_ASSERT_EQUAL(control(sim, "GET", "/control/stats", NULL, &stats), 200);
  CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(stats, "scheduled")), 0);
  json_object_put(stats);
  CU_ASSERT(ctk_city_sim_finished(sim));
  CU_ASSERT_EQUAL(fake_count(&fp), 1);
  sim_stop(sim, &fp);
}

/* A path that is no city's exchange path gets a plain-text 404 saying what the paths are.
 * Without credentials anyone may call, but of the provinces only the cities' own: another is
 * DENIED, and the answer names the sender's region as the place. */
static void test_city_exchange_paths(void)
{
  fake_province fp;
  sim_opts opts;
  ctk_city_sim *sim;
  ctk_wire_answer a;
  province_call r;
  ctk_msg *m;
  char head[512], path[128], where[4 * CTK_NAME_MAX + 8];
  int n;
  memset(&opts, 0, sizeof(opts));
  opts.open = 1;
  sim = sim_start_opts(&fp, &opts);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  m = request_from(fp.profile, ctk_profile_iface_code(fp.profile, CTK_IF_LINK_CHECK), "370000",
                   "360100");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  call_city_as(sim, fp.profile, m, "360100", NULL, NULL, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "DENIED"));
  snprintf(where, sizeof(where), "/%s/%s/%s/%s", ctk_el(fp.profile, CTK_EL_MESSAGE),
           ctk_el(fp.profile, CTK_EL_HEAD), ctk_el(fp.profile, CTK_EL_SENDER),
           ctk_el(fp.profile, CTK_EL_NODE_REGION));
  CU_ASSERT_STRING_EQUAL(r.answer ? r.answer->outcome.where : "", where);
  ctk_msg_free(r.answer);
  ctk_msg_free(m);
  m = province_request(fp.profile, ctk_profile_iface_code(fp.profile, CTK_IF_LINK_CHECK),
                       "360100");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  call_city_as(sim, fp.profile, m, "360100", NULL, NULL, &r);
  CU_ASSERT_STRING_EQUAL(r.code, ctk_profile_rc(fp.profile, "OK"));
  ctk_msg_free(r.answer);
  ctk_msg_free(m);

  snprintf(path, sizeof(path), "/city/36a100%s", fp.profile->xml_path);
  n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
               "application/xml\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", path);
  ctk_wire_answer_init(&a);
  ctk_wire_send(ctk_city_sim_port(sim), head, (size_t)n, "<x", 2, 0, NULL, 0, &a);
  CU_ASSERT_EQUAL(a.status, 404);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&a.body), "not a city endpoint"));
  CU_ASSERT_EQUAL(strncmp(a.content_type, "text/plain", 10), 0);
  ctk_wire_answer_free(&a);
  sim_stop(sim, &fp);
}

/* ---------- the command line ---------- */

static void test_city_command_line(void)
{
  fake_province fp;
  char cmd[2048], *out = NULL;
  struct json_object *stats;
  int rc;

  snprintf(cmd, sizeof(cmd), "%s sim city --help", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "--province") : NULL);
  free(out);
  snprintf(cmd, sizeof(cmd), "%s sim city --upper http://127.0.0.1:9 2>&1", ctk_test_ctk_bin());
  rc = ctk_test_run(cmd, NULL);
  CU_ASSERT_EQUAL(rc, 3);        /* no --province */
  snprintf(cmd, sizeof(cmd), "%s sim city --province 360000 --upper http://127.0.0.1:9 "
           "--rate fast 2>&1", ctk_test_ctk_bin());
  rc = ctk_test_run(cmd, NULL);
  CU_ASSERT_EQUAL(rc, 3);
  snprintf(cmd, sizeof(cmd), "%s sim city --province 999999 --upper http://127.0.0.1:9 2>&1",
           ctk_test_ctk_bin());
  rc = ctk_test_run(cmd, NULL);
  CU_ASSERT_EQUAL(rc, 2);        /* not a province: cannot start */

  /* a bounded run: 12 orders at 200 a second, then the final statistics on stdout (not tried
   * once the simulator was seen stuck: it would only wait out its bound too) */
  CU_ASSERT_FATAL(!idle_wait_ran_out);
  CU_ASSERT_FATAL(fake_start(&fp) == 0);
  /* bounded: a run that never sees itself finished fails here instead of hanging the suite */
  snprintf(cmd, sizeof(cmd), "timeout -s KILL 10 %s sim city --province 360000 "
           "--cities 360100,360200 --upper http://127.0.0.1:%d --rate 200 --orders 12 --manual "
           "--seed 1 --log-level error", ctk_test_ctk_bin(), ctk_http_server_port(fp.server));
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 0);
  stats = out ? json_tokener_parse(out) : NULL;
  CU_ASSERT_PTR_NOT_NULL(stats);
  if(stats) {
    struct json_object *total = json_object_object_get(stats, "total");
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(total, "orders_created")), 12);
    CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(total, "reported_ok")), 12);
  }
  json_object_put(stats);
  free(out);
  CU_ASSERT_EQUAL(fake_count(&fp), 12);
  fake_stop(&fp);
}

/* ---------- with the reference province and ministry ---------- */

/* credentials.csv allowing these regions (secret "secret-<region>-0123456789"). */
static int write_creds(const char *path, const char *const *regions, const int *levels, size_t n)
{
  char text[2048], line[CTK_AUTH_LINE_MAX], secret[64];
  size_t i, used;
  used = (size_t)snprintf(text, sizeof(text), "region,level,salt_hex,hash_hex\n");
  for(i = 0; i < n; i++) {
    snprintf(secret, sizeof(secret), "secret-%s-0123456789", regions[i]);
    if(ctk_auth_make_line(regions[i], levels[i], secret, line, sizeof(line)))
      return -1;
    used += (size_t)snprintf(text + used, sizeof(text) - used, "%s\n", line);
    if(used >= sizeof(text))
      return -1;
  }
  return write_text(path, text);
}

static void node_cfg(ctk_node_config *cfg, const char *dir, const char *name, const char *region,
                     int port)
{
  snprintf(cfg->region, sizeof(cfg->region), "%s", region);
  snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s/%s", dir, name);
  snprintf(cfg->credentials_file, sizeof(cfg->credentials_file), "%s/%s-creds.csv", dir, name);
  snprintf(cfg->secret_file, sizeof(cfg->secret_file), "%s/%s.secret", dir, name);
  snprintf(cfg->peers_file, sizeof(cfg->peers_file), "%s/%s-peers.csv", dir, name);
  snprintf(cfg->log_level, sizeof(cfg->log_level), "error");
  cfg->port = port;
  cfg->retry_initial_ms = 100;
  cfg->retry_max_ms = 400;
}

/* GET /ctk/orders/<id> of a reference node; the order's status, or "" when it has none. */
static void node_order_status(int port, const char *id, char *out, size_t outlen)
{
  ctk_http_client *c = ctk_http_client_new();
  ctk_http_call call;
  ctk_http_reply reply;
  char url[128];
  out[0] = '\0';
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/ctk/orders/%s", port, id);
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.timeout_ms = 5000;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 1024 * 1024);
  if(ctk_http_get(c, &call, &reply) == CTK_E_OK && reply.status == 200) {
    struct json_object *obj = json_tokener_parse(ctk_buf_str(&reply.body));
    struct json_object *st = NULL;
    if(obj && json_object_object_get_ex(obj, "status", &st))
      snprintf(out, outlen, "%s", json_object_get_string(st));
    json_object_put(obj);
  }
  ctk_buf_free(&reply.body);
  ctk_http_client_free(c);
}

/* Poll (bounded, about 10 s) until the node holds the order in one of the states in want
 * ("04" or "" for any state). */
static int wait_node_order(int port, const char *id, const char *want, char *got, size_t gotlen)
{
  struct timespec ts = { 0, 20 * 1000000L };
  int i;
  for(i = 0; i < polls(500); i++) {
    node_order_status(port, id, got, gotlen);
    if(got[0] && (!want[0] || !strcmp(got, want)))
      return 1;
    nanosleep(&ts, NULL);
  }
  return 0;
}

static int wait_sim_order_state(ctk_city_sim *sim, const char *city, const char *id,
                                const char *want)
{
  struct timespec ts = { 0, 20 * 1000000L };
  char path[128];
  int i;
  snprintf(path, sizeof(path), "/control/orders/%s", id);
  for(i = 0; i < polls(500); i++) {
    ctk_buf b;
    struct json_object *obj;
    int found = 0;
    ctk_buf_init(&b, 1024 * 1024);
    if(ctk_city_sim_control(sim, "GET", path, city[0] ? "city=360200" : "", NULL, 0, &b) ==
       200) {
      obj = json_tokener_parse(ctk_buf_str(&b));
      found = obj && !strcmp(json_object_get_string(json_object_object_get(obj, "state")), want);
      json_object_put(obj);
    }
    ctk_buf_free(&b);
    if(found)
      return 1;
    nanosleep(&ts, NULL);
  }
  return 0;
}

static void test_city_with_reference_province_and_ministry(void)
{
  static const char *const m_callers[] = { "360000" };
  static const int m_levels[] = { 2 };
  static const char *const s_callers[] = { "360000" };
  static const int s_levels[] = { 2 };
  const char *dir = ctk_test_tmpdir("city-integration");
  ctk_node_config mcfg, pcfg;
  ctk_node_engine *ministry = NULL, *province = NULL;
  ctk_city_config cfg;
  ctk_city_sim *sim = NULL;
  struct json_object *made = NULL, *list;
  char path[700], text[1024], peers[1024], url[64], err[1024], local[2][32], cross[32], got[16];
  int mport = ctk_test_free_port(), pport = ctk_test_free_port();
  int attempt;
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_FATAL(mport > 0 && pport > 0 && mport != pport);
  ctk_node_config_init(&mcfg, CTK_LEVEL_MINISTRY);
  node_cfg(&mcfg, dir, "ministry", "100000", mport);
  ctk_node_config_init(&pcfg, CTK_LEVEL_PROVINCE);
  node_cfg(&pcfg, dir, "province", "360000", pport);
  CU_ASSERT_FATAL(!write_text(mcfg.secret_file, "secret-100000-0123456789\n") &&
                  !write_creds(mcfg.credentials_file, m_callers, m_levels, 1) &&
                  !write_text(pcfg.secret_file, "secret-360000-0123456789\n"));
  /* both simulated cities use one secret (--secret-file); the province knows it for each */
  snprintf(path, sizeof(path), "%s/cities.secret", dir);
  CU_ASSERT_FATAL(!write_text(path, "shared-city-secret-0123456789\n"));
  {
    char line[CTK_AUTH_LINE_MAX], line2[CTK_AUTH_LINE_MAX], line3[CTK_AUTH_LINE_MAX];
    CU_ASSERT_FATAL(!ctk_auth_make_line("100000", 1, "secret-100000-0123456789", line,
                                        sizeof(line)) &&
                    !ctk_auth_make_line("360100", 3, "shared-city-secret-0123456789", line2,
                                        sizeof(line2)) &&
                    !ctk_auth_make_line("360200", 3, "shared-city-secret-0123456789", line3,
                                        sizeof(line3)));
    snprintf(text, sizeof(text), "region,level,salt_hex,hash_hex\n%s\n%s\n%s\n", line, line2,
             line3);
    CU_ASSERT_FATAL(!write_text(pcfg.credentials_file, text));
  }
  snprintf(text, sizeof(text), "%s/sim-creds.csv", dir);
  CU_ASSERT_FATAL(!write_creds(text, s_callers, s_levels, 1));

  /* the simulator first: the province's peers need its port. Ports chosen ahead can be taken
   * by another test meanwhile, so a failed start is tried again on fresh ports. */
  for(attempt = 0; attempt < 3 && !province; attempt++) {
    if(attempt) {
      mport = ctk_test_free_port();
      pport = ctk_test_free_port();
      mcfg.port = mport;
      pcfg.port = pport;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", pport);
    ctk_city_config_init(&cfg);
    cfg.province = "360000";
    cfg.cities = "360100,360200";
    cfg.upper_url = url;
    cfg.rate = 0;
    cfg.manual = 1;
    cfg.secret_file = path;
    cfg.credentials_file = text;
    cfg.timeout_ms = 5000;
    if(ctk_city_sim_start(&cfg, &sim, err, sizeof(err))) {
      fprintf(stderr, "city sim: %s\n", err);
      continue;
    }
    snprintf(peers, sizeof(peers), "region,level,url\n360000,2,http://127.0.0.1:%d\n", pport);
    CU_ASSERT_FATAL(!write_text(mcfg.peers_file, peers));
    snprintf(peers, sizeof(peers), "region,level,url\n100000,1,http://127.0.0.1:%d\n"
             "360100,3,http://127.0.0.1:%d/city/360100\n"
             "360200,3,http://127.0.0.1:%d/city/360200\n",
             mport, ctk_city_sim_port(sim), ctk_city_sim_port(sim));
    CU_ASSERT_FATAL(!write_text(pcfg.peers_file, peers));
    if(ctk_node_start(&mcfg, &ministry, err, sizeof(err)) ||
       ctk_node_start(&pcfg, &province, err, sizeof(err))) {
      fprintf(stderr, "reference node: %s\n", err);
      ctk_node_stop(ministry);
      ministry = NULL;
      ctk_city_sim_stop(sim);
      sim = NULL;
    }
  }
  if(!ministry || !province) {
    CU_FAIL("the reference ministry and province did not start");
    goto done;
  }

  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders",
                          "{\"city\":\"360100\",\"count\":2,\"kind\":\"local\"}", &made), 201);
  list = json_object_object_get(made, "orders");
  CU_ASSERT_EQUAL_FATAL(json_object_array_length(list), 2);
  for(i = 0; i < 2; i++)
    snprintf(local[i], sizeof(local[i]), "%s", json_object_get_string(json_object_object_get(
      json_object_array_get_idx(list, i), "order_id")));
  json_object_put(made);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/orders",
                          "{\"city\":\"360100\",\"target\":\"360200\"}", &made), 201);
  list = json_object_object_get(made, "orders");
  snprintf(cross, sizeof(cross), "%s", json_object_get_string(json_object_object_get(
    json_object_array_get_idx(list, 0), "order_id")));
  json_object_put(made);
  CU_ASSERT(wait_idle(sim));

  /* reported orders reach the province and, through its outbox, the ministry */
  for(i = 0; i < 2; i++) {
    CU_ASSERT(wait_node_order(pport, local[i], "01", got, sizeof(got)));
    CU_ASSERT(wait_node_order(mport, local[i], "", got, sizeof(got)));
  }
  /* the cross-city order comes down to 360200, which signs it on command */
  CU_ASSERT(wait_node_order(pport, cross, "", got, sizeof(got)));
  CU_ASSERT_FATAL(wait_sim_order_state(sim, "360200", cross, "03"));
  snprintf(text, sizeof(text), "{\"city\":\"360200\",\"order\":\"%s\",\"action\":\"sign\"}",
           cross);
  CU_ASSERT_EQUAL(control(sim, "POST", "/control/act", text, NULL), 202);
  CU_ASSERT(wait_idle(sim));
  CU_ASSERT(wait_node_order(pport, cross, "04", got, sizeof(got)));
done:
  ctk_node_stop(province);
  ctk_node_stop(ministry);
  ctk_city_sim_stop(sim);
}

void ctk_test_add_city(CU_pSuite s)
{
  CTK_TEST(s, test_city_rule_parsing);
  CTK_TEST(s, test_city_rule_take);
  CTK_TEST(s, test_city_orders_go_up_valid);
  CTK_TEST(s, test_city_drop_exactly_three);
  CTK_TEST(s, test_city_duplicate_exactly_two);
  CTK_TEST(s, test_city_invalid_field_exactly_one);
  CTK_TEST(s, test_city_reorder_swaps_with_next);
  CTK_TEST(s, test_city_delay_once_and_raw_observed);
  CTK_TEST(s, test_city_answers_auth_and_steering);
  CTK_TEST(s, test_city_transfer_act_query_urge);
  CTK_TEST(s, test_city_lenient_mode);
  CTK_TEST(s, test_city_cti_one_order_per_answered_call);
  CTK_TEST(s, test_city_cti_recording_needs_both_members);
  CTK_TEST(s, test_city_control_errors);
  CTK_TEST(s, test_city_control_refuses_web_pages);
  CTK_TEST(s, test_city_schedule_and_busy_orders);
  CTK_TEST(s, test_city_automatic_steps_follow_the_process);
  CTK_TEST(s, test_city_max_orders_schedules_nothing_more);
  CTK_TEST(s, test_city_exchange_paths);
  CTK_TEST(s, test_city_command_line);
  CTK_TEST(s, test_city_with_reference_province_and_ministry);
}
