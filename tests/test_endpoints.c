/* test_endpoints: one ministry and two provinces in-process, driven as cities would drive them
 * (ctk_msg + ctk_http), with a tiny city endpoint that receives what flows down. Every flow
 * asserts the state at each level from the stores. Each test runs twice: under the default
 * profile and under profiles/synthetic-variant, naming roles, never one profile's spellings. */
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctk_auth.h"
#include "ctk_calendar.h"
#include "ctk_compose.h"
#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_node.h"
#include "ctk_proc.h"
#include "ctk_test.h"
#include "ctk_province_faults.h"

#define P1 "360000"     /* Jiangxi */
#define P1_CITY "360100"
#define P1_CITY2 "360400"
#define P2 "440000"     /* Guangdong */
#define P2_CITY "440100"
#define MIN "100000"

#define VARIANT "profiles/synthetic-variant"
/* The profile the network of the running test speaks; NULL: the default one ($CTK_PROFILE or
 * the baseline). Set by the two wrappers of each test (see the end of this file). */
static const char *ep_profile_dir;

#define SUBJECT "高速公路收费站排队过长"

/* ---------- the fake cities: one server, records what it receives ---------- */

#define INBOX_MAX 256

typedef struct inbox_entry {
  char iface[CTK_ID_MAX];
  char receiver[8];
  char order_id[32];
} inbox_entry;

typedef struct city_inbox {
  pthread_mutex_t lock;
  inbox_entry items[INBOX_MAX];
  size_t count;
  const ctk_profile *profile;
} city_inbox;

/* The binding of a request path of the profile (its plain XML one when neither). */
static ctk_binding binding_of(const ctk_profile *p, const char *path)
{
  return ctk_binding_of_path(p, path) == CTK_BIND_SOAP ? CTK_BIND_SOAP : CTK_BIND_XML;
}

static int city_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  city_inbox *in = ctx;
  ctk_msg *m = NULL, *ans = NULL;
  ctk_outcome why, ok;
  ctk_binding b = binding_of(in->profile, req->path);

  if(ctk_msg_decode(in->profile, req->body, req->body_len, b, &m, &why))
    return 1;
  pthread_mutex_lock(&in->lock);
  if(in->count < INBOX_MAX) {
    inbox_entry *e = &in->items[in->count++];
    const char *oid = ctk_msg_get(m, ctk_el(in->profile, CTK_EL_ORDER_ID));
    ctk_strlcpy(e->iface, m->head.interface_code, sizeof(e->iface));
    ctk_strlcpy(e->receiver, m->head.receiver.region, sizeof(e->receiver));
    ctk_strlcpy(e->order_id, oid ? oid : "", sizeof(e->order_id));
  }
  pthread_mutex_unlock(&in->lock);
  ctk_outcome_set(&ok, in->profile, "OK", "", "", "success");
  if(!ctk_msg_new_answer(in->profile, m, &ok, 0, &ans))
    ctk_msg_encode(in->profile, ans, b, CTK_ENC_UTF8, &resp->body);
  ctk_msg_free(ans);
  ctk_msg_free(m);
  return 0;
}

/* Seen interface iface for receiver about order (count of such messages). */
static int inbox_count(city_inbox *in, const char *iface, const char *receiver,
                       const char *order_id)
{
  size_t i;
  int n = 0;
  pthread_mutex_lock(&in->lock);
  for(i = 0; i < in->count; i++) {
    if(!strcmp(in->items[i].iface, iface) && !strcmp(in->items[i].receiver, receiver) &&
       !strcmp(in->items[i].order_id, order_id))
      n++;
  }
  pthread_mutex_unlock(&in->lock);
  return n;
}

static int inbox_wait(city_inbox *in, const char *iface, const char *receiver,
                      const char *order_id)
{
  int i;
  for(i = 0; i < 250; i++) {
    if(inbox_count(in, iface, receiver, order_id) > 0)
      return 1;
    usleep(20000);
  }
  return 0;
}

/* ---------- the network under test ---------- */

typedef struct net {
  char dir[200];
  ctk_profile *profile;
  city_inbox inbox;
  ctk_http_server *cities;
  ctk_node_engine *ministry, *p1, *p2;
  ctk_node_config mcfg, p1cfg, p2cfg;
  ctk_http_client *client;
  int ports[3];
} net;

/* ---------- the profile's names of what the test means ---------- */

static const char *ifc(const net *t, ctk_interface_role r)
{
  return ctk_profile_iface_code(t->profile, r);
}

static const char *st(const net *t, ctk_state_role r)
{
  return ctk_st(t->profile, r);
}

static const char *rc(const net *t, const char *name)
{
  return ctk_profile_rc(t->profile, name);
}

static const char *el(const net *t, ctk_element_role r)
{
  return ctk_el(t->profile, r);
}

static const char *xml_path(const net *t)
{
  return ctk_binding_path(t->profile, CTK_BIND_XML);
}

static const char *soap_path(const net *t)
{
  return ctk_binding_path(t->profile, CTK_BIND_SOAP);
}

/* 2026-MONTH-DAY HOUR:MINUTE Beijing time as the profile writes times. */
static const char *at(const net *t, int month, int day, int hour, int minute, char out[40])
{
  time_t when = 0;
  ctk_beijing_time(2026, month, day, hour, minute, 0, &when);
  ctk_profile_time_format(t->profile, when, out, 40);
  return out;
}

/* The first value of the code set the element of role r takes its values from. */
static const char *first_code(const net *t, ctk_element_role r)
{
  const ctk_codefield *f = ctk_profile_codefield(t->profile, el(t, r));
  const ctk_codeset *set = f ? ctk_profile_codeset(t->profile, f->codeset) : NULL;
  return set && set->count ? set->entries[0].value : "";
}

/* "section/leaf" in the profile's names, for ctk_msg_get. */
static const char *el_path(const net *t, ctk_element_role section, ctk_element_role leaf,
                           char out[2 * CTK_NAME_MAX + 2])
{
  snprintf(out, 2 * CTK_NAME_MAX + 2, "%s/%s", el(t, section), el(t, leaf));
  return out;
}

static void secret_of(const char *region, char *out, size_t len)
{
  snprintf(out, len, "test-secret-%s-0123456789", region);
}

static int write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if(!f)
    return -1;
  fputs(text, f);
  return fclose(f);
}

/* credentials.csv of a node: the regions (and levels) that may call it. */
static int write_credentials(const char *path, const char *const *regions,
                             const ctk_level *levels, size_t n)
{
  ctk_buf b;
  size_t i;
  int rc_write;
  ctk_buf_init(&b, 65536);
  ctk_buf_adds(&b, "region,level,salt_hex,hash_hex\n");
  for(i = 0; i < n; i++) {
    char secret[64], line[CTK_AUTH_LINE_MAX];
    secret_of(regions[i], secret, sizeof(secret));
    if(ctk_auth_make_line(regions[i], (int)levels[i], secret, line, sizeof(line))) {
      ctk_buf_free(&b);
      return -1;
    }
    ctk_buf_printf(&b, "%s\n", line);
  }
  rc_write = write_file(path, ctk_buf_str(&b));
  ctk_buf_free(&b);
  return rc_write;
}

static int node_files(net *t, const char *name, const char *region,
                      const char *const *callers, const ctk_level *levels, size_t n,
                      const char *peers, ctk_node_config *cfg, int port)
{
  char path[700], secret[64];
  snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s/%s", t->dir, name);
  snprintf(cfg->credentials_file, sizeof(cfg->credentials_file), "%s/%s-credentials.csv",
           t->dir, name);
  snprintf(cfg->secret_file, sizeof(cfg->secret_file), "%s/%s-secret.txt", t->dir, name);
  snprintf(cfg->peers_file, sizeof(cfg->peers_file), "%s/%s-peers.csv", t->dir, name);
  ctk_strlcpy(cfg->profile_dir, t->profile->dir, sizeof(cfg->profile_dir));
  ctk_strlcpy(cfg->region, region, sizeof(cfg->region));
  cfg->port = port;
  cfg->retry_initial_ms = 100;
  cfg->retry_max_ms = 400;
  ctk_strlcpy(cfg->log_level, "error", sizeof(cfg->log_level));
  secret_of(region, secret, sizeof(secret));
  snprintf(path, sizeof(path), "%s", cfg->secret_file);
  if(write_file(path, secret) || write_file(cfg->peers_file, peers))
    return -1;
  return write_credentials(cfg->credentials_file, callers, levels, n);
}

/* The network with the province P1 running these fault modes (0 = none); with a certificate
 * the ministry serves HTTPS, P1 trusts that certificate and P2 does not. Peers name their
 * level by name, which no profile spells. */
static int net_try_up(net *t, const char *name, unsigned long p1_faults, const char *cert,
                      const char *key)
{
  static const char *const m_callers[] = { P1, P2 };
  static const ctk_level m_levels[] = { CTK_LEVEL_PROVINCE, CTK_LEVEL_PROVINCE };
  static const char *const p1_callers[] = { MIN, P1_CITY, P1_CITY2 };
  static const ctk_level p1_levels[] = { CTK_LEVEL_MINISTRY, CTK_LEVEL_CITY, CTK_LEVEL_CITY };
  static const char *const p2_callers[] = { MIN, P2_CITY };
  static const ctk_level p2_levels[] = { CTK_LEVEL_MINISTRY, CTK_LEVEL_CITY };
  ctk_http_server_config hc;
  char err[512], peers[1024], city_url[64];
  const char *dir = ctk_test_tmpdir(name);
  int i;

  memset(t, 0, sizeof(*t));
  if(!dir)
    return -1;
  ctk_strlcpy(t->dir, dir, sizeof(t->dir));
  if(ctk_profile_load(ep_profile_dir ? ep_profile_dir : ctk_profile_default_dir(), &t->profile,
                      err, sizeof(err))) {
    fprintf(stderr, "profile: %s\n", err);
    return -1;
  }
  pthread_mutex_init(&t->inbox.lock, NULL);
  t->inbox.profile = t->profile;
  memset(&hc, 0, sizeof(hc));
  hc.max_body = 4 * 1024 * 1024;
  if(ctk_http_server_start(&hc, city_handler, &t->inbox, &t->cities))
    return -1;
  snprintf(city_url, sizeof(city_url), "http://127.0.0.1:%d", ctk_http_server_port(t->cities));
  for(i = 0; i < 3; i++)
    t->ports[i] = ctk_test_free_port();

  ctk_node_config_init(&t->mcfg, CTK_LEVEL_MINISTRY);
  snprintf(peers, sizeof(peers),
           "region,level,url\n" P1 ",province,http://127.0.0.1:%d\n"
           P2 ",province,http://127.0.0.1:%d\n",
           t->ports[1], t->ports[2]);
  if(node_files(t, "ministry", MIN, m_callers, m_levels, 2, peers, &t->mcfg, t->ports[0]))
    return -1;
  ctk_node_config_init(&t->p1cfg, CTK_LEVEL_PROVINCE);
  /* city 360400 speaks SOAP and GBK: both bindings and encodings on the way down */
  snprintf(peers, sizeof(peers),
           "region,level,url,binding,encoding\n" MIN ",ministry,%s://127.0.0.1:%d,xml,UTF-8\n"
           P1_CITY ",city,%s,xml,UTF-8\n" P1_CITY2 ",city,%s,soap,GBK\n",
           cert ? "https" : "http", t->ports[0], city_url, city_url);
  if(node_files(t, "p1", P1, p1_callers, p1_levels, 3, peers, &t->p1cfg, t->ports[1]))
    return -1;
  t->p1cfg.faults = p1_faults;
  t->p1cfg.late_reply_ms = 1000;
  /* one HTTP worker: every test here then also shows that no request holds the worker while
   * it waits (for its commit, or for the late-reply fault) */
  t->p1cfg.http_threads = 1;
  if(cert) {
    ctk_strlcpy(t->mcfg.tls_cert, cert, sizeof(t->mcfg.tls_cert));
    ctk_strlcpy(t->mcfg.tls_key, key, sizeof(t->mcfg.tls_key));
    ctk_strlcpy(t->p1cfg.peer_ca, cert, sizeof(t->p1cfg.peer_ca));
  }
  ctk_node_config_init(&t->p2cfg, CTK_LEVEL_PROVINCE);
  snprintf(peers, sizeof(peers),
           "region,level,url\n" MIN ",ministry,%s://127.0.0.1:%d\n" P2_CITY ",city,%s\n",
           cert ? "https" : "http", t->ports[0],
           city_url);
  if(node_files(t, "p2", P2, p2_callers, p2_levels, 2, peers, &t->p2cfg, t->ports[2]))
    return -1;

  if(ctk_node_start(&t->mcfg, &t->ministry, err, sizeof(err)) ||
     ctk_node_start(&t->p1cfg, &t->p1, err, sizeof(err)) ||
     ctk_node_start(&t->p2cfg, &t->p2, err, sizeof(err))) {
    fprintf(stderr, "node start: %s\n", err);
    return -1;
  }
  t->client = ctk_http_client_new();
  return t->client ? 0 : -1;
}

static void net_down(net *t);

/* Ports come from ctk_test_free_port(), which another program may take before the node binds
 * it; a start that fails is tried again on fresh ports. */
static int net_up_full(net *t, const char *name, unsigned long p1_faults, const char *cert,
                       const char *key)
{
  int attempt;
  for(attempt = 0; attempt < 3; attempt++) {
    if(net_try_up(t, name, p1_faults, cert, key) == 0)
      return 0;
    net_down(t);
  }
  return -1;
}

static int net_up_faulty(net *t, const char *name, unsigned long p1_faults)
{
  return net_up_full(t, name, p1_faults, NULL, NULL);
}

static int net_up(net *t, const char *name)
{
  return net_up_faulty(t, name, 0);
}

static void net_down(net *t)
{
  ctk_http_client_free(t->client);
  ctk_node_stop(t->p2);
  ctk_node_stop(t->p1);
  ctk_node_stop(t->ministry);
  ctk_http_server_stop(t->cities);
  ctk_profile_free(t->profile);
  pthread_mutex_destroy(&t->inbox.lock);
}

static int port_of(net *t, const char *region)
{
  if(!strcmp(region, MIN))
    return t->ports[0];
  return !strcmp(region, P1) ? t->ports[1] : t->ports[2];
}

/* ---------- messages as a city sends them ---------- */

/* A leaf's value in a bag of values (by element role); NULL text: left out. */
static void put(ctk_values *v, ctk_element_role r, const char *text)
{
  if(v && text)
    CU_ASSERT_EQUAL(ctk_values_set(v, r, text), CTK_E_OK);
}

/* The work order's values, as a city accepted it on 2026-11-02. */
static void put_workorder(const net *t, ctk_values *v, const char *id, const char *region,
                          const char *deadline)
{
  char accepted[40];
  put(v, CTK_EL_ORDER_ID, id);
  put(v, CTK_EL_ACCEPT_TIME, at(t, 11, 2, 9, 15, accepted));
  put(v, CTK_EL_ACCEPT_REGION, region);
  put(v, CTK_EL_HANDLE_REGION, region);
  put(v, CTK_EL_CHANNEL, ctk_val(t->profile, CTK_V_CH_PHONE));
  put(v, CTK_EL_BUSINESS_TYPE, ctk_val(t->profile, CTK_V_BT_COMPLAINT));
  put(v, CTK_EL_DOMAIN, first_code(t, CTK_EL_DOMAIN));
  put(v, CTK_EL_PHONE, "13800138000");
  put(v, CTK_EL_SUBJECT, SUBJECT);
  put(v, CTK_EL_CONTENT, "反映收费站排队过长");
  put(v, CTK_EL_STATUS, st(t, CTK_ST_ACCEPTED));
  put(v, CTK_EL_INSTANT_ANSWER, "false");
  put(v, CTK_EL_DEADLINE, deadline);
}

/* A request of the interface of role iface from a city (or any node) to a node, head filled,
 * body element still empty. */
static ctk_msg *new_msg(net *t, ctk_interface_role iface, const char *from, ctk_level from_level,
                        const char *to, ctk_level to_level)
{
  ctk_node s, r;
  ctk_msg *m = NULL;
  memset(&s, 0, sizeof(s));
  memset(&r, 0, sizeof(r));
  ctk_strlcpy(s.region, from, sizeof(s.region));
  s.level = from_level;
  ctk_strlcpy(r.region, to, sizeof(r.region));
  r.level = to_level;
  if(ctk_msg_new_request(t->profile, ifc(t, iface), &s, &r, &m))
    return NULL;
  return m;
}

/* m's body composed from v in the profile's element order, what v lacks from the profile's
 * sources (a mandatory field the baseline does not have); v is freed. NULL (m freed) when it
 * cannot be composed. */
static ctk_msg *with_body(net *t, ctk_msg *m, ctk_values *v)
{
  char err[512] = "";
  ctk_code result = m && v ? ctk_compose_msg_body(t->profile, m, v, err, sizeof(err))
                           : CTK_E_NOMEM;
  ctk_values_free(v);
  if(result) {
    fprintf(stderr, "test_endpoints: cannot compose the body: %s\n", err);
    ctk_msg_free(m);
    return NULL;
  }
  return m;
}

/* A request whose body is a work order (a report). */
static ctk_msg *report_msg(net *t, const char *city, const char *prov, const char *id,
                           const char *deadline)
{
  ctk_values *v = ctk_values_new(t->profile);
  put_workorder(t, v, id, city, deadline);
  return with_body(t, new_msg(t, CTK_IF_REPORT, city, CTK_LEVEL_CITY, prov, CTK_LEVEL_PROVINCE),
                   v);
}

/* A request to the province `to` whose body names one order and nothing else (a query). */
static ctk_msg *order_msg(net *t, ctk_interface_role iface, const char *from,
                          ctk_level from_level, const char *to, const char *id)
{
  ctk_values *v = ctk_values_new(t->profile);
  put(v, CTK_EL_ORDER_ID, id);
  return with_body(t, new_msg(t, iface, from, from_level, to, CTK_LEVEL_PROVINCE), v);
}

/* POST raw bytes; the answer's result code into code ("" when none could be read). */
static long post_raw(net *t, const char *to, const char *user, const char *password,
                     const char *path, const char *ctype, const char *body, size_t len,
                     char code[CTK_ID_MAX], ctk_buf *answer)
{
  ctk_http_call call;
  ctk_http_reply reply;
  char url[128];
  ctk_msg *ans = NULL;
  ctk_outcome why;
  long status;

  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port_of(t, to), path);
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = ctype;
  call.user = user;
  call.password = password;
  call.body = body;
  call.body_len = len;
  call.timeout_ms = 10000;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 8 * 1024 * 1024);
  code[0] = '\0';
  if(ctk_http_post(t->client, &call, &reply)) {
    ctk_buf_free(&reply.body);
    return 0;
  }
  status = reply.status;
  if(!ctk_msg_decode(t->profile, reply.body.data ? reply.body.data : "", reply.body.len,
                     binding_of(t->profile, path), &ans, &why))
    ctk_strlcpy(code, ans->outcome.code, CTK_ID_MAX);
  if(answer && reply.body.len)
    ctk_buf_add(answer, reply.body.data, reply.body.len);
  ctk_msg_free(ans);
  ctk_buf_free(&reply.body);
  return status;
}

/* Send m as its sender with that sender's own secret; returns the result code ("" when m is
 * NULL: it could not be made). */
static const char *send_msg(net *t, ctk_msg *m, char code[CTK_ID_MAX])
{
  ctk_buf bytes;
  char secret[64];
  code[0] = '\0';
  if(!m)
    return code;
  ctk_buf_init(&bytes, 4 * 1024 * 1024);
  secret_of(m->head.sender.region, secret, sizeof(secret));
  if(!ctk_msg_encode(t->profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes))
    post_raw(t, m->head.receiver.region, m->head.sender.region, secret, xml_path(t),
             "application/xml; charset=UTF-8", bytes.data, bytes.len, code, NULL);
  ctk_buf_free(&bytes);
  ctk_msg_free(m);
  return code;
}

static const char *city_report(net *t, const char *city, const char *prov, const char *id,
                               const char *deadline, char code[CTK_ID_MAX])
{
  return send_msg(t, report_msg(t, city, prov, id, deadline), code);
}

static const char *city_transfer(net *t, const char *city, const char *prov, const char *id,
                                 const char *target, char code[CTK_ID_MAX])
{
  ctk_values *v = ctk_values_new(t->profile);
  put(v, CTK_EL_TARGET_REGION, target);
  put(v, CTK_EL_REASON, "handled by the city where it happened");
  put_workorder(t, v, id, city, NULL);
  return send_msg(t, with_body(t, new_msg(t, CTK_IF_TRANSFER, city, CTK_LEVEL_CITY, prov,
                                          CTK_LEVEL_PROVINCE), v), code);
}

/* Sign, return, feedback, complete, revisit and archive with their required fields. */
static const char *city_update(net *t, ctk_interface_role iface, const char *city,
                               const char *prov, const char *id, char code[CTK_ID_MAX])
{
  char now[40];
  ctk_values *v = ctk_values_new(t->profile);
  at(t, 11, 3, 10, 0, now);
  put(v, CTK_EL_ORDER_ID, id);
  switch(iface) {
  case CTK_IF_SIGN:
    put(v, CTK_EL_HANDLER, "张三");
    put(v, CTK_EL_SIGN_TIME, now);
    break;
  case CTK_IF_RETURN:
    put(v, CTK_EL_REASON, "not in our area");
    put(v, CTK_EL_RETURN_TIME, now);
    break;
  case CTK_IF_FEEDBACK:
    put(v, CTK_EL_HANDLER, "张三");
    put(v, CTK_EL_PROGRESS, "on site");
    put(v, CTK_EL_FEEDBACK_TIME, now);
    break;
  case CTK_IF_COMPLETE:
    put(v, CTK_EL_HANDLER, "张三");
    put(v, CTK_EL_OUTCOME, "queue cleared");
    put(v, CTK_EL_COMPLETE_TIME, now);
    break;
  case CTK_IF_REVISIT:
    put(v, CTK_EL_REACHED, "true");
    put(v, CTK_EL_SATISFACTION, ctk_val(t->profile, CTK_V_SAT_SATISFIED));
    put(v, CTK_EL_REVISIT_TIME, now);
    break;
  case CTK_IF_ARCHIVE:
    put(v, CTK_EL_ARCHIVE_TIME, now);
    break;
  default:
    break;
  }
  return send_msg(t, with_body(t, new_msg(t, iface, city, CTK_LEVEL_CITY, prov,
                                          CTK_LEVEL_PROVINCE), v), code);
}

/* The order's status at a node, "" when it does not hold it. */
static const char *status_at(ctk_node_engine *n, const char *id, char out[32])
{
  ctk_order o;
  if(ctk_store_order_get(ctk_node_store(n), id, &o))
    out[0] = '\0';
  else
    ctk_strlcpy(out, o.status, 32);
  return out;
}

/* Wait until the node holds the order in this status (forwarding is asynchronous). */
static int wait_status(ctk_node_engine *n, const char *id, const char *status)
{
  char s[32];
  int i;
  for(i = 0; i < 250; i++) {
    if(!strcmp(status_at(n, id, s), status))
      return 1;
    usleep(20000);
  }
  return 0;
}

static long admin_get(net *t, const char *to, const char *path, ctk_buf *out);

/* The day put_workorder's order is due: 2026-11-02 plus the profile's working days for a
 * complaint, counted with the calendar the nodes use. */
static void working_days_after_accept(const net *t, char out[CTK_BEIJING_DATE_LEN])
{
  ctk_calendar *cal = NULL;
  char err[256];
  time_t accepted = 0, due = 0;
  int covered = 1;
  int days = ctk_profile_deadline_days(t->profile, ctk_val(t->profile, CTK_V_BT_COMPLAINT));

  out[0] = '\0';
  CU_ASSERT(days > 0);
  CU_ASSERT_EQUAL_FATAL(ctk_calendar_load(CTK_CALENDAR_DEFAULT_FILE, &cal, err, sizeof(err)),
                        CTK_E_OK);
  ctk_beijing_time(2026, 11, 2, 9, 15, 0, &accepted);
  if(!ctk_calendar_add_working_days(cal, accepted, days, &due, &covered))
    ctk_beijing_strftime(due, "%Y-%m-%d", out, CTK_BEIJING_DATE_LEN);
  ctk_calendar_free(cal);
}

/* ---------- the flows ---------- */

static void test_endpoints_local_case(void)
{
  net t;
  char code[CTK_ID_MAX], s[32];
  const char *id = "36010020261102000001";
  char when[40];

  CU_ASSERT_FATAL(net_up(&t, "ep-local") == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_ACCEPTED));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_ACCEPTED)));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_COMPLETED));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_COMPLETED)));
  /* completed on 2026-11-03, long before its deadline: in time */
  {
    ctk_buf b;
    ctk_buf_init(&b, 1 << 16);
    CU_ASSERT_EQUAL(admin_get(&t, P1, "/ctk/stats?region=360000&from=2026-11-01&to=2026-11-30",
                              &b), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "\"in_time_rate_complaint\":{\"rate\":100.00,"
                                                   "\"num\":1,\"den\":1}"));
    ctk_buf_free(&b);
  }
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_REVISIT, P1_CITY, P1, id, code), rc(&t, "OK"));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_REVISITED)));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_ARCHIVE, P1_CITY, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_ARCHIVED));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_ARCHIVED)));
  /* the deadline was computed from the calendar: the profile's working days for a complaint
   * (15 in the baseline: 2026-11-23) after 2026-11-02 */
  {
    ctk_order o;
    char due[CTK_BEIJING_DATE_LEN];
    CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.p1), id, &o), CTK_E_OK);
    working_days_after_accept(&t, due);
    CU_ASSERT_STRING_EQUAL(o.deadline, due);
    CU_ASSERT_STRING_EQUAL(o.revisit_time, at(&t, 11, 3, 10, 0, when));
  }
  /* a query is answered from the province's store, with the current status */
  {
    ctk_msg *m = order_msg(&t, CTK_IF_QUERY, P1_CITY, CTK_LEVEL_CITY, P1, id);
    ctk_buf bytes, answer;
    char secret[64], path[2 * CTK_NAME_MAX + 2];
    ctk_msg *ans = NULL;
    ctk_outcome why;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    ctk_buf_init(&bytes, 1 << 20);
    ctk_buf_init(&answer, 1 << 20);
    secret_of(P1_CITY, secret, sizeof(secret));
    CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml",
                             bytes.data, bytes.len, code, &answer), 200);
    CU_ASSERT_STRING_EQUAL(code, rc(&t, "OK"));
    CU_ASSERT_EQUAL(ctk_msg_decode(t.profile, answer.data, answer.len, CTK_BIND_XML, &ans, &why),
                    CTK_E_OK);
    if(ans) {
      const char *status = ctk_msg_get(ans, el_path(&t, CTK_EL_WORK_ORDER, CTK_EL_STATUS, path));
      CU_ASSERT_PTR_NOT_NULL(status);
      CU_ASSERT_STRING_EQUAL(status ? status : "", st(&t, CTK_ST_ARCHIVED));
      CU_ASSERT_STRING_EQUAL(ans->head.correl_id, m->head.msg_id);
    }
    ctk_msg_free(ans);
    ctk_msg_free(m);
    ctk_buf_free(&bytes);
    ctk_buf_free(&answer);
  }
  net_down(&t);
}

static void test_endpoints_cross_city_and_return(void)
{
  net t;
  char code[CTK_ID_MAX], s[32];
  const char *id = "36010020261102000002";
  ctk_order o;

  CU_ASSERT_FATAL(net_up(&t, "ep-cross-city") == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY, P1, id, P1_CITY2, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_TRANSFERRED));
  /* the province routes it down to the other city (over SOAP, in GBK) ... */
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_TRANSFER), P1_CITY2, id));
  /* ... not through the ministry, which only learns the state */
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_TRANSFERRED)));
  CU_ASSERT_EQUAL(inbox_count(&t.inbox, ifc(&t, CTK_IF_TRANSFER), P2_CITY, id), 0);
  CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.p1), id, &o), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(o.origin, P1_CITY);
  CU_ASSERT_STRING_EQUAL(o.target, P1_CITY2);

  /* the first city gave the order away: it may neither sign nor finish it (DENIED) */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_SIGN, P1_CITY, P1, id, code), rc(&t, "DENIED"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_TRANSFERRED));

  /* the handling city signs; the state flows back to the first city and up */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_SIGN, P1_CITY2, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_SIGNED));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY, P1, id, code), rc(&t, "DENIED"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_SIGNED));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_SIGN), P1_CITY, id));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_SIGNED)));

  /* it returns the order; the first city transfers it again */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_RETURN, P1_CITY2, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_RETURNED));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_RETURN), P1_CITY, id));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_RETURNED)));
  CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY, P1, id, P1_CITY2, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_TRANSFERRED));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_TRANSFERRED)));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_SIGN, P1_CITY2, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_FEEDBACK, P1_CITY2, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY2, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_COMPLETED));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_COMPLETED)));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_COMPLETE), P1_CITY, id));

  /* A city that passed an order on keeps its standing to read it: the second city hands a
   * case it got from the first to the province itself; the province now handles it, the
   * first city accepted it, and the second is only the neighbour it came from last. */
  {
    const char *id2 = "36010020261102000012";
    CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id2, NULL, code), rc(&t, "OK"));
    CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY, P1, id2, P1_CITY2, code), rc(&t, "OK"));
    CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY2, P1, id2, P1, code), rc(&t, "OK"));
    CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.p1), id2, &o), CTK_E_OK);
    CU_ASSERT_STRING_EQUAL(o.handle_region, P1);
    CU_ASSERT_STRING_EQUAL(o.target, P1_CITY2);
    /* the ministry learns who handles it now (it refused the word once: "not a city") */
    CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 10000), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.ministry), id2, &o), CTK_E_OK);
    CU_ASSERT_STRING_EQUAL(o.handle_region, P1);
    CU_ASSERT_STRING_EQUAL(o.status, st(&t, CTK_ST_TRANSFERRED));
    CU_ASSERT_STRING_EQUAL(send_msg(&t, order_msg(&t, CTK_IF_QUERY, P1_CITY2, CTK_LEVEL_CITY, P1,
                                                  id2), code), rc(&t, "OK"));
    CU_ASSERT_STRING_EQUAL(send_msg(&t, order_msg(&t, CTK_IF_QUERY, P1_CITY, CTK_LEVEL_CITY, P1,
                                                  id2), code), rc(&t, "OK"));
  }
  net_down(&t);
}

static void test_endpoints_cross_province(void)
{
  net t;
  char code[CTK_ID_MAX], s[32];
  const char *id = "36010020261102000003";
  ctk_order o;

  CU_ASSERT_FATAL(net_up(&t, "ep-cross-province") == 0);
  CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY, P1, id, P2_CITY, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_TRANSFERRED));
  /* up to the ministry, down to the other province, on to its city */
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_TRANSFERRED)));
  CU_ASSERT(wait_status(t.p2, id, st(&t, CTK_ST_TRANSFERRED)));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_TRANSFER), P2_CITY, id));
  CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.ministry), id, &o), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(o.origin, P1);
  CU_ASSERT_STRING_EQUAL(o.target, P2);
  CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.p2), id, &o), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(o.origin, MIN);
  CU_ASSERT_STRING_EQUAL(o.target, P2_CITY);

  /* the accepting city gave it to another province: it may not sign it at its own */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_SIGN, P1_CITY, P1, id, code), rc(&t, "DENIED"));
  /* the handling city signs and completes: back along the same path */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_SIGN, P2_CITY, P2, id, code), rc(&t, "OK"));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_SIGNED)));
  CU_ASSERT(wait_status(t.p1, id, st(&t, CTK_ST_SIGNED)));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_SIGN), P1_CITY, id));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P2_CITY, P2, id, code), rc(&t, "OK"));
  CU_ASSERT(wait_status(t.p1, id, st(&t, CTK_ST_COMPLETED)));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_COMPLETE), P1_CITY, id));
  /* the accepting city revisits: down the path to the handling city */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_REVISIT, P1_CITY, P1, id, code), rc(&t, "OK"));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_REVISITED)));
  CU_ASSERT(wait_status(t.p2, id, st(&t, CTK_ST_REVISITED)));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_REVISIT), P2_CITY, id));
  /* a city of one province may not act on it in the other */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_ARCHIVE, P1_CITY2, P1, id, code), rc(&t, "DENIED"));
  net_down(&t);
}

/* The ministry's supervision of order id to P1, sent on 2026-11-DAY with a new deadline of
 * 2026-11-DUE 17:00. */
static ctk_msg *ministry_supervise(net *t, const char *id, int day, int due)
{
  char when[40];
  ctk_values *v = ctk_values_new(t->profile);
  put(v, CTK_EL_ORDER_ID, id);
  put(v, CTK_EL_REASON, "overdue");
  put(v, CTK_EL_SUPERVISE_TIME, at(t, 11, day, 9, 0, when));
  put(v, CTK_EL_DEADLINE, at(t, 11, due, 17, 0, when));
  return with_body(t, new_msg(t, CTK_IF_SUPERVISE, MIN, CTK_LEVEL_MINISTRY, P1,
                              CTK_LEVEL_PROVINCE), v);
}

static void test_endpoints_urge_and_supervise(void)
{
  net t;
  char code[CTK_ID_MAX], s[32];
  const char *id = "36010020261102000004";
  int sent = -1;
  ctk_msg *m;
  ctk_values *v;
  ctk_order o;
  char when[40];

  CU_ASSERT_FATAL(net_up(&t, "ep-urge") == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, at(&t, 11, 5, 17, 0, when), code),
                         rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY, P1, id, P1_CITY2, code), rc(&t, "OK"));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_TRANSFER), P1_CITY2, id));
  /* not overdue yet on the deadline day */
  CU_ASSERT_EQUAL(ctk_node_urge_now(t.p1, "2026-11-05", &sent), CTK_E_OK);
  CU_ASSERT_EQUAL(sent, 0);
  /* overdue the next day: the handling city is urged, once that day */
  CU_ASSERT_EQUAL(ctk_node_urge_now(t.p1, "2026-11-06", &sent), CTK_E_OK);
  CU_ASSERT_EQUAL(sent, 1);
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_URGE), P1_CITY2, id));
  CU_ASSERT_EQUAL(ctk_node_urge_now(t.p1, "2026-11-06", &sent), CTK_E_OK);
  CU_ASSERT_EQUAL(sent, 0);
  CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.p1), id, &o), CTK_E_OK);
  CU_ASSERT_EQUAL(o.urged, 1);
  CU_ASSERT_STRING_EQUAL(o.status, st(&t, CTK_ST_TRANSFERRED));

  /* the ministry supervises with a new deadline: down to the handling city, no state change */
  m = ministry_supervise(&t, id, 6, 10);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_STRING_EQUAL(send_msg(&t, m, code), rc(&t, "OK"));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_SUPERVISE), P1_CITY2, id));
  CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.p1), id, &o), CTK_E_OK);
  CU_ASSERT_EQUAL(o.supervised, 1);
  CU_ASSERT_STRING_EQUAL(o.deadline, "2026-11-10");
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_TRANSFERRED));

  /* a store that refuses the order's update (a trigger another program put there): the
   * supervision is not recorded, so it is answered INTERNAL and not passed down either */
  {
    char dbpath[700];
    sqlite3 *db = NULL;
    snprintf(dbpath, sizeof(dbpath), "%s/ctk.db", t.p1cfg.data_dir);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TRIGGER test_refuse_update BEFORE UPDATE ON orders "
                                     "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
                                 NULL, NULL, NULL), SQLITE_OK);
    m = ministry_supervise(&t, id, 7, 12);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_STRING_EQUAL(send_msg(&t, m, code), rc(&t, "INTERNAL"));
    CU_ASSERT_EQUAL(sqlite3_exec(db, "DROP TRIGGER test_refuse_update;", NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(ctk_store_order_get(ctk_node_store(t.p1), id, &o), CTK_E_OK);
    CU_ASSERT_EQUAL(o.supervised, 1);
    CU_ASSERT_STRING_EQUAL(o.deadline, "2026-11-10");
    CU_ASSERT_EQUAL(inbox_count(&t.inbox, ifc(&t, CTK_IF_SUPERVISE), P1_CITY2, id), 1);
  }

  /* urge travels down only: a city cannot urge its province */
  v = ctk_values_new(t.profile);
  put(v, CTK_EL_ORDER_ID, id);
  put(v, CTK_EL_REASON, "hurry");
  put(v, CTK_EL_URGE_TIME, at(&t, 11, 6, 9, 0, when));
  m = with_body(&t, new_msg(&t, CTK_IF_URGE, P1_CITY, CTK_LEVEL_CITY, P1, CTK_LEVEL_PROVINCE), v);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_STRING_EQUAL(send_msg(&t, m, code), rc(&t, "ROUTE"));
  net_down(&t);
}

static void test_endpoints_duplicate_delivery(void)
{
  net t;
  char code[CTK_ID_MAX], code2[CTK_ID_MAX], secret[64];
  const char *id = "36010020261102000005";
  ctk_msg *m;
  ctk_buf bytes, a1, a2;
  ctk_outbox_counts c;

  CU_ASSERT_FATAL(net_up(&t, "ep-dup") == 0);
  m = report_msg(&t, P1_CITY, P1, id, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_buf_init(&bytes, 1 << 20);
  ctk_buf_init(&a1, 1 << 20);
  ctk_buf_init(&a2, 1 << 20);
  secret_of(P1_CITY, secret, sizeof(secret));
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
  CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml", bytes.data,
                           bytes.len, code, &a1), 200);
  CU_ASSERT_STRING_EQUAL(code, rc(&t, "OK"));
  /* the same message again: the same answer, byte for byte, and nothing new */
  CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml", bytes.data,
                           bytes.len, code2, &a2), 200);
  CU_ASSERT_STRING_EQUAL(code2, rc(&t, "OK"));
  CU_ASSERT_EQUAL(a1.len, a2.len);
  CU_ASSERT(a1.len == a2.len && memcmp(a1.data, a2.data, a1.len) == 0);
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_ACCEPTED)));
  CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_counts(ctk_node_store(t.p1), &c), CTK_E_OK);
  CU_ASSERT_EQUAL(c.delivered, 1);
  CU_ASSERT_EQUAL(ctk_store_log_count(ctk_node_store(t.p1), "repeat"), 1);

  /* the same MsgId with other content is refused */
  ctk_buf_reset(&bytes);
  xmlNodeSetContent(ctk_xml_child(ctk_xml_child(m->body, el(&t, CTK_EL_WORK_ORDER)),
                                  el(&t, CTK_EL_SUBJECT)),
                    BAD_CAST "another subject");
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
  CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml", bytes.data,
                           bytes.len, code, NULL), 200);
  CU_ASSERT_STRING_EQUAL(code, rc(&t, "DUPLICATE"));
  /* and a new MsgId with other content for the same order is EXISTS */
  ctk_msg_make_id(P1_CITY, m->head.msg_id);
  xmlNodeSetContent(ctk_xml_child(ctk_xml_child(xmlDocGetRootElement(m->doc),
                                                el(&t, CTK_EL_HEAD)),
                                  el(&t, CTK_EL_MSG_ID)),
                    BAD_CAST m->head.msg_id);
  ctk_buf_reset(&bytes);
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
  CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml", bytes.data,
                           bytes.len, code, NULL), 200);
  CU_ASSERT_STRING_EQUAL(code, rc(&t, "EXISTS"));
  ctk_msg_free(m);
  ctk_buf_free(&bytes);
  ctk_buf_free(&a1);
  ctk_buf_free(&a2);
  net_down(&t);
}

static void test_endpoints_refusals(void)
{
  net t;
  char code[CTK_ID_MAX], s[32];
  const char *id = "36010020261102000006";
  ctk_msg *m;
  ctk_buf bytes, answer;
  long status;

  CU_ASSERT_FATAL(net_up(&t, "ep-refusals") == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  /* illegal transition: sign an order that was never transferred */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_SIGN, P1_CITY, P1, id, code), rc(&t, "STATE"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_ACCEPTED));
  /* a transfer to something that is not a city is refused at once, nothing changes */
  CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY, P1, id, "999900", code), rc(&t, "ROUTE"));
  CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY, P1, id, P2, code), rc(&t, "ROUTE"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_ACCEPTED));
  /* unknown order */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY, P1, "36010020261102999999",
                                     code),
                         rc(&t, "UNKNOWN_ORDER"));
  /* another city may not act on this city's own order */
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY2, P1, id, code),
                         rc(&t, "DENIED"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_ACCEPTED));
  /* nor report an order in its name */
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY2, P1, "36010020261102000007", NULL, code),
                         rc(&t, "DENIED"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, "36010020261102000007", s), "");

  /* wrong password: AUTH; a head that claims another sender: DENIED */
  {
    char when[40];
    ctk_values *v = ctk_values_new(t.profile);
    put(v, CTK_EL_ORDER_ID, id);
    put(v, CTK_EL_HANDLER, "x");
    put(v, CTK_EL_OUTCOME, "x");
    put(v, CTK_EL_COMPLETE_TIME, at(&t, 11, 3, 10, 0, when));
    m = with_body(&t, new_msg(&t, CTK_IF_COMPLETE, P1_CITY, CTK_LEVEL_CITY, P1,
                              CTK_LEVEL_PROVINCE), v);
  }
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_buf_init(&bytes, 1 << 20);
  ctk_buf_init(&answer, 1 << 20);
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
  status = post_raw(&t, P1, P1_CITY, "wrong-password-0000", xml_path(&t), "application/xml",
                    bytes.data, bytes.len, code, &answer);
  CU_ASSERT_EQUAL(status, 401);                /* with a challenge (RFC 9110 15.5.2) */
  CU_ASSERT_STRING_EQUAL(code, rc(&t, "AUTH"));
  /* the secret never appears in an answer */
  CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&answer), "wrong-password"));
  {
    char secret2[64];
    secret_of(P1_CITY2, secret2, sizeof(secret2));
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY2, secret2, xml_path(&t), "application/xml",
                             bytes.data, bytes.len, code, NULL), 200);
    CU_ASSERT_STRING_EQUAL(code, rc(&t, "DENIED"));
  }
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_ACCEPTED));

  /* not XML at all: MALFORMED with HTTP 200; wrong path 404; oversized 413 (all from a city
   * with its credentials: without them, AUTH comes before anything reads the body) */
  {
    char secret1[64];
    size_t big = 2 * 1024 * 1024;
    char *huge = malloc(big);
    secret_of(P1_CITY, secret1, sizeof(secret1));
    char cut[CTK_NAME_MAX + 2];
    snprintf(cut, sizeof(cut), "<%s", el(&t, CTK_EL_MESSAGE));
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret1, xml_path(&t), "application/xml",
                             cut, strlen(cut), code, NULL), 200);
    CU_ASSERT_STRING_EQUAL(code, rc(&t, "MALFORMED"));
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret1, "/nowhere", "application/xml", "<a/>", 4,
                             code, NULL), 404);
    CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
    memset(huge, 'a', big);
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret1, xml_path(&t), "application/xml", huge,
                             big, code, NULL), 413);
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, "x", xml_path(&t), "application/xml", huge, big,
                             code, NULL), 401);
    CU_ASSERT_STRING_EQUAL(code, rc(&t, "AUTH"));
    free(huge);
  }
  /* every refusal of an authenticated node is in the message log, marked rejected; the two
   * without valid credentials are counted only */
  CU_ASSERT(ctk_store_log_count(ctk_node_store(t.p1), "rejected") >= 7);
  ctk_msg_free(m);
  ctk_buf_free(&bytes);
  ctk_buf_free(&answer);
  net_down(&t);
}

static void test_endpoints_soap_gbk_and_link_check(void)
{
  net t;
  char code[CTK_ID_MAX], secret[64];
  ctk_msg *m;
  ctk_buf bytes, answer;
  const char *id = "36010020261102000008";

  CU_ASSERT_FATAL(net_up(&t, "ep-soap") == 0);
  m = report_msg(&t, P1_CITY, P1, id, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_buf_init(&bytes, 1 << 20);
  ctk_buf_init(&answer, 1 << 20);
  secret_of(P1_CITY, secret, sizeof(secret));
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_SOAP, CTK_ENC_GBK, &bytes), CTK_E_OK);
  CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, soap_path(&t), "text/xml; charset=GBK",
                           bytes.data, bytes.len, code, &answer), 200);
  CU_ASSERT_STRING_EQUAL(code, rc(&t, "OK"));
  /* answered in the request's binding and encoding */
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&answer), "Envelope"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&answer), "GBK"));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_ACCEPTED)));
  ctk_msg_free(m);

  /* a GBK query gets a GBK answer that reads back as the same Chinese text */
  m = order_msg(&t, CTK_IF_QUERY, P1_CITY, CTK_LEVEL_CITY, P1, id);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_buf_reset(&bytes);
  ctk_buf_reset(&answer);
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_GBK, &bytes), CTK_E_OK);
  CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml; charset=GBK",
                           bytes.data, bytes.len, code, &answer), 200);
  CU_ASSERT_STRING_EQUAL(code, rc(&t, "OK"));
  {
    ctk_msg *ans = NULL;
    ctk_outcome why;
    const char *subject = NULL;
    char path[2 * CTK_NAME_MAX + 2];
    if(!ctk_msg_decode(t.profile, answer.data, answer.len, CTK_BIND_XML, &ans, &why))
      subject = ctk_msg_get(ans, el_path(&t, CTK_EL_WORK_ORDER, CTK_EL_SUBJECT, path));
    CU_ASSERT_STRING_EQUAL(subject ? subject : "", "高速公路收费站排队过长");
    CU_ASSERT_PTR_NULL(strstr(ctk_buf_str(&answer), "高速"));  /* not UTF-8 bytes */
    ctk_msg_free(ans);
  }
  ctk_msg_free(m);

  /* a plain Message on the SOAP path: the envelope cannot be read, so a SOAP Fault */
  ctk_buf_reset(&answer);
  {
    char plain[CTK_NAME_MAX + 300];
    snprintf(plain, sizeof(plain), "<%s xmlns=\"%s\"/>", el(&t, CTK_EL_MESSAGE), t.profile->ns);
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, soap_path(&t), "text/xml; charset=UTF-8",
                             plain, strlen(plain), code, &answer), 500);
  }
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&answer), "Fault"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&answer), "soap:Client"));

  {
    ctk_values *v = ctk_values_new(t.profile);
    put(v, CTK_EL_ECHO, "ping-42");
    m = with_body(&t, new_msg(&t, CTK_IF_LINK_CHECK, P1_CITY, CTK_LEVEL_CITY, P1,
                              CTK_LEVEL_PROVINCE), v);
  }
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_buf_reset(&bytes);
  ctk_buf_reset(&answer);
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
  CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml", bytes.data,
                           bytes.len, code, &answer), 200);
  CU_ASSERT_STRING_EQUAL(code, rc(&t, "OK"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&answer), "ping-42"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&answer), el(&t, CTK_EL_SERVER_TIME)));
  ctk_msg_free(m);
  ctk_buf_free(&bytes);
  ctk_buf_free(&answer);
  net_down(&t);
}

static void test_endpoints_ministry_restart(void)
{
  net t;
  char code[CTK_ID_MAX], s[32], err[512];
  const char *id = "36010020261102000009";
  ctk_outbox_counts c;

  CU_ASSERT_FATAL(net_up(&t, "ep-restart") == 0);
  /* the ministry goes down; the province still accepts and keeps the report */
  ctk_node_stop(t.ministry);
  t.ministry = NULL;
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_COMPLETED));
  usleep(300000);
  CU_ASSERT_EQUAL(ctk_store_outbox_counts(ctk_node_store(t.p1), &c), CTK_E_OK);
  CU_ASSERT_EQUAL(c.pending, 2);
  CU_ASSERT_EQUAL(c.delivered, 0);
  /* back on the same port and data: the outbox drains, in order (report before completion) */
  CU_ASSERT_EQUAL_FATAL(ctk_node_start(&t.mcfg, &t.ministry, err, sizeof(err)), CTK_E_OK);
  ctk_node_outbox_kick(t.p1);
  CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 10000), CTK_E_OK);
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_COMPLETED)));
  CU_ASSERT_EQUAL(ctk_store_outbox_counts(ctk_node_store(t.p1), &c), CTK_E_OK);
  CU_ASSERT_EQUAL(c.pending, 0);
  CU_ASSERT_EQUAL(c.delivered, 2);
  CU_ASSERT_EQUAL(c.failed, 0);
  net_down(&t);
}

/* GET an admin path of a node; body into out. */
static long admin_get(net *t, const char *to, const char *path, ctk_buf *out)
{
  ctk_http_call call;
  ctk_http_reply reply;
  char url[160];
  long status;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port_of(t, to), path);
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.timeout_ms = 5000;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 1 << 20);
  if(ctk_http_get(t->client, &call, &reply)) {
    ctk_buf_free(&reply.body);
    return 0;
  }
  status = reply.status;
  ctk_buf_add(out, ctk_buf_str(&reply.body), reply.body.len);
  ctk_buf_free(&reply.body);
  return status;
}

static void test_endpoints_admin_api(void)
{
  net t;
  char code[CTK_ID_MAX];
  const char *id = "36010020261102000010";
  ctk_buf b;

  CU_ASSERT_FATAL(net_up(&t, "ep-admin") == 0);
  ctk_buf_init(&b, 1 << 20);
  CU_ASSERT_EQUAL(admin_get(&t, P1, "/ctk/health", &b), 200);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b), "ok");
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  CU_ASSERT(wait_status(t.ministry, id, st(&t, CTK_ST_ACCEPTED)));
  CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
  ctk_buf_reset(&b);
  CU_ASSERT_EQUAL(admin_get(&t, MIN, "/ctk/orders/36010020261102000010", &b), 200);
  {
    char want[80];
    snprintf(want, sizeof(want), "\"status\":\"%s\"", st(&t, CTK_ST_ACCEPTED));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), want));
  }
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "\"history\":[{"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "\"origin\":\"360000\""));
  ctk_buf_reset(&b);
  CU_ASSERT_EQUAL(admin_get(&t, MIN, "/ctk/orders/36010020261102999999", &b), 404);
  ctk_buf_reset(&b);
  CU_ASSERT_EQUAL(admin_get(&t, P1, "/ctk/outbox", &b), 200);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b), "{\"pending\":0,\"delivered\":1,\"failed\":0}\n");
  ctk_buf_reset(&b);
  /* the ministry stored one report: at least one caller, batch and sync; never more syncs
   * than batches or batches than callers */
  CU_ASSERT_EQUAL(admin_get(&t, MIN, "/ctk/store", &b), 200);
  {
    long callers = -1, batches = -1, syncs = -1;
    CU_ASSERT_EQUAL(sscanf(ctk_buf_str(&b), "{\"callers\":%ld,\"batches\":%ld,\"syncs\":%ld}",
                           &callers, &batches, &syncs), 3);
    CU_ASSERT(callers >= 1 && batches >= 1 && syncs >= 1);
    CU_ASSERT(syncs <= batches && batches <= callers);
  }
  ctk_buf_reset(&b);
  CU_ASSERT_EQUAL(admin_get(&t, P1, "/ctk/stats?region=360000&from=2026-11-01&to=2026-11-30",
                            &b), 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "\"orders\":1"));
  ctk_buf_reset(&b);
  CU_ASSERT_EQUAL(admin_get(&t, P1, "/ctk/stats?region=36'0000", &b), 400);
  ctk_buf_free(&b);
  net_down(&t);
}

/* The daemon: ready when the port file appears, answers, and exits 0 on SIGTERM. */
static void test_endpoints_serve_daemon(void)
{
  const char *dir = ctk_test_tmpdir("ep-daemon");
  char portfile[400], data[400], log[400], url[64];
  char *argv[] = { (char *)ctk_test_ctk_bin(), "serve", "ministry", "--listen", "127.0.0.1:0",
                   "--port-file", portfile, "--data", data, "--log-level", "error",
                   ep_profile_dir ? "--profile" : NULL, (char *)ep_profile_dir, NULL };
  ctk_proc daemon;
  int port = 0;
  ctk_http_client *c;
  ctk_http_call call;
  ctk_http_reply reply;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(portfile, sizeof(portfile), "%s/port", dir);
  snprintf(data, sizeof(data), "%s/data", dir);
  snprintf(log, sizeof(log), "%s/serve.log", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_proc_start(&daemon, "ministry", argv, log), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_proc_wait_port(&daemon, portfile, 5000, &port), CTK_E_OK);
  if(port > 0) {
    c = ctk_http_client_new();
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/ctk/health", port);
    memset(&call, 0, sizeof(call));
    call.url = url;
    memset(&reply, 0, sizeof(reply));
    ctk_buf_init(&reply.body, 4096);
    CU_ASSERT_EQUAL(ctk_http_get(c, &call, &reply), CTK_E_OK);
    CU_ASSERT_EQUAL(reply.status, 200);
    ctk_buf_free(&reply.body);
    ctk_http_client_free(c);
  }
  ctk_proc_stop(&daemon, 5000);
  CU_ASSERT(WIFEXITED(daemon.exit_status) && WEXITSTATUS(daemon.exit_status) == 0);
}

/* ---------- the province's fault modes really break what they say ---------- */

#define FAULT(f) (1ul << (unsigned)CTK_PF_##f)

static void test_endpoints_faults_break_flows(void)
{
  net t;
  char code[CTK_ID_MAX], s[32], secret[64];
  ctk_outbox_counts c;
  const char *id = "36010020261102000020";

  /* drop-report-up: the ministry never hears of the order */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f1", FAULT(drop_report_up)) == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(status_at(t.ministry, id, s), "");
  net_down(&t);

  /* lost-status-update: the ministry stays at accepted */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f2", FAULT(lost_status_update)) == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_COMPLETED));
  CU_ASSERT_STRING_EQUAL(status_at(t.ministry, id, s), st(&t, CTK_ST_ACCEPTED));
  net_down(&t);

  /* wrong-code-value: the ministry refuses the forwarded report */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f3", FAULT(wrong_code_value)) == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_counts(ctk_node_store(t.p1), &c), CTK_E_OK);
  CU_ASSERT_EQUAL(c.failed, 1);
  CU_ASSERT_STRING_EQUAL(status_at(t.ministry, id, s), "");
  net_down(&t);

  /* wrong-route-cross-city: the other city never gets the transfer */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f4", FAULT(wrong_route_cross_city)) == 0);
  CU_ASSERT_STRING_EQUAL(city_transfer(&t, P1_CITY, P1, id, P1_CITY2, code), rc(&t, "OK"));
  CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
  CU_ASSERT_EQUAL(inbox_count(&t.inbox, ifc(&t, CTK_IF_TRANSFER), P1_CITY2, id), 0);
  net_down(&t);

  /* ignore-auth, ignore-region, illegal-transition-accepted, unknown-order-accepted */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f5", FAULT(ignore_auth) | FAULT(ignore_region) |
                                FAULT(illegal_transition_accepted) |
                                FAULT(unknown_order_accepted)) == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_SIGN, P1_CITY, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY2, P1, id, code), rc(&t, "OK"));
  CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY, P1, "36010020261102999999",
                                     code),
                         rc(&t, "OK"));
  {
    ctk_msg *m = new_msg(&t, CTK_IF_LINK_CHECK, P1_CITY, CTK_LEVEL_CITY, P1, CTK_LEVEL_PROVINCE);
    ctk_buf bytes;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    ctk_buf_init(&bytes, 1 << 20);
    CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, "wrong-password-0000", xml_path(&t),
                             "application/xml", bytes.data, bytes.len, code, NULL), 200);
    CU_ASSERT_STRING_EQUAL(code, rc(&t, "OK"));
    ctk_buf_free(&bytes);
    ctk_msg_free(m);
  }
  net_down(&t);

  /* no-idempotency: a repeated message is forwarded twice */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f6", FAULT(no_idempotency)) == 0);
  {
    ctk_msg *m = report_msg(&t, P1_CITY, P1, id, NULL);
    ctk_buf bytes;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    ctk_buf_init(&bytes, 1 << 20);
    secret_of(P1_CITY, secret, sizeof(secret));
    CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
    post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml", bytes.data, bytes.len,
             code, NULL);
    post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml", bytes.data, bytes.len,
             code, NULL);
    CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_store_outbox_counts(ctk_node_store(t.p1), &c), CTK_E_OK);
    CU_ASSERT_EQUAL(c.delivered + c.failed, 2);
    ctk_buf_free(&bytes);
    ctk_msg_free(m);
  }
  net_down(&t);

  /* missing-urge and stats-wrong */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f7", FAULT(missing_urge) | FAULT(stats_wrong)) == 0);
  {
    int sent = -1;
    ctk_buf b;
    char when[40];
    CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, at(&t, 11, 5, 17, 0, when), code),
                           rc(&t, "OK"));
    CU_ASSERT_EQUAL(ctk_node_urge_now(t.p1, "2026-11-20", &sent), CTK_E_OK);
    CU_ASSERT_EQUAL(sent, 0);
    ctk_buf_init(&b, 1 << 20);
    CU_ASSERT_EQUAL(admin_get(&t, P1, "/ctk/stats?region=360000", &b), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&b), "\"orders\":2"));
    ctk_buf_free(&b);
  }
  net_down(&t);
}

/* The late-reply fault's request, sent from a thread of its own. */
typedef struct late_post {
  net t;
  const char *secret;
  const ctk_buf *bytes;
  ctk_buf *answer;
  pthread_mutex_t lock;
  long status;
  long elapsed_ms;
  struct timespec answered;    /* when the late answer arrived */
} late_post;

static void *late_post_main(void *arg)
{
  late_post *lp = arg;
  struct timespec t0, t1;
  char code[CTK_ID_MAX];
  long status;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  status = post_raw(&lp->t, P1, P1_CITY, lp->secret, xml_path(&lp->t), "application/xml",
                    lp->bytes->data, lp->bytes->len, code, lp->answer);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  pthread_mutex_lock(&lp->lock);
  lp->status = status;
  lp->elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  lp->answered = t1;
  pthread_mutex_unlock(&lp->lock);
  return NULL;
}

static void test_endpoints_faults_break_answers(void)
{
  net t;
  char code[CTK_ID_MAX], secret[64];
  ctk_msg *m;
  ctk_buf bytes, answer;
  const char *id = "36010020261102000021";

  secret_of(P1_CITY, secret, sizeof(secret));
  ctk_buf_init(&bytes, 1 << 20);
  ctk_buf_init(&answer, 1 << 20);

  /* bad-answer-xml: the answer cannot be read; wrong-correl-id: it names another request */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f8", FAULT(bad_answer_xml)) == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), "");
  net_down(&t);
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f9", FAULT(wrong_correl_id) | FAULT(late_reply)) == 0);
  m = new_msg(&t, CTK_IF_LINK_CHECK, P1_CITY, CTK_LEVEL_CITY, P1, CTK_LEVEL_PROVINCE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &bytes), CTK_E_OK);
  {
    late_post lp;
    pthread_t th;
    struct timespec got;
    ctk_msg *ans = NULL;
    ctk_outcome why;
    ctk_buf b;

    memset(&lp, 0, sizeof(lp));
    lp.t = t;                  /* the same network, with a client of its own */
    lp.t.client = ctk_http_client_new();
    lp.secret = secret;
    lp.bytes = &bytes;
    lp.answer = &answer;
    pthread_mutex_init(&lp.lock, NULL);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, late_post_main, &lp), 0);
    /* while the late answer waits, the province's only worker answers other requests: this
     * one comes back long before the late answer (a worker that slept would send both in the
     * same instant) */
    ctk_sleep_ms(200);
    ctk_buf_init(&b, 1 << 20);
    CU_ASSERT_EQUAL(admin_get(&t, P1, "/ctk/outbox", &b), 200);
    clock_gettime(CLOCK_MONOTONIC, &got);
    ctk_buf_free(&b);
    pthread_join(th, NULL);
    CU_ASSERT((lp.answered.tv_sec - got.tv_sec) * 1000 +
              (lp.answered.tv_nsec - got.tv_nsec) / 1000000 >= 400);
    ctk_http_client_free(lp.t.client);
    pthread_mutex_destroy(&lp.lock);
    CU_ASSERT_EQUAL(lp.status, 200);
    /* late-reply here waits 1 s (15 s in the daemon) */
    CU_ASSERT(lp.elapsed_ms >= 1000);
    CU_ASSERT_EQUAL(ctk_msg_decode(t.profile, answer.data, answer.len, CTK_BIND_XML, &ans, &why),
                    CTK_E_OK);
    if(ans)
      CU_ASSERT_STRING_NOT_EQUAL(ans->head.correl_id, m->head.msg_id);
    ctk_msg_free(ans);
  }
  ctk_msg_free(m);
  net_down(&t);

  /* accept-bad-message, xxe-accepted, wrong-result-code */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f10", FAULT(xxe_accepted) | FAULT(wrong_result_code))
                  == 0);
  {
    char xxe[2 * CTK_NAME_MAX + 400];
    snprintf(xxe, sizeof(xxe),
             "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
             "<%s xmlns=\"%s\">&x;</%s>", el(&t, CTK_EL_MESSAGE), t.profile->ns,
             el(&t, CTK_EL_MESSAGE));
    CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml", xxe,
                             strlen(xxe), code, NULL), 200);
    CU_ASSERT_STRING_EQUAL(code, rc(&t, "OK"));
  }
  m = report_msg(&t, P1_CITY, P1, id, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  /* a phone number of the wrong format: FORMAT is due, SCHEMA comes back */
  xmlNodeSetContent(ctk_xml_child(ctk_xml_child(ctk_xml_child(m->body, el(&t, CTK_EL_WORK_ORDER)),
                                                el(&t, CTK_EL_CALLER)),
                                  el(&t, CTK_EL_PHONE)), BAD_CAST "12");
  CU_ASSERT_STRING_EQUAL(send_msg(&t, m, code), rc(&t, "SCHEMA"));
  net_down(&t);

  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f11", FAULT(accept_bad_message)) == 0);
  m = new_msg(&t, CTK_IF_REPORT, P1_CITY, CTK_LEVEL_CITY, P1, CTK_LEVEL_PROVINCE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_xml_add(m->body, "NotAWorkOrder", "x");
  CU_ASSERT_STRING_EQUAL(send_msg(&t, m, code), rc(&t, "OK"));
  net_down(&t);

  /* no-outbox: with the ministry down the forward is dropped, not kept */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f12", FAULT(no_outbox)) == 0);
  {
    ctk_outbox_counts c;
    ctk_node_stop(t.ministry);
    t.ministry = NULL;
    CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
    CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_store_outbox_counts(ctk_node_store(t.p1), &c), CTK_E_OK);
    CU_ASSERT_EQUAL(c.failed, 1);
    CU_ASSERT_EQUAL(c.pending, 0);
  }
  net_down(&t);

  /* gbk-broken: a GBK query is answered with UTF-8 bytes under a GBK label */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f14", FAULT(gbk_broken)) == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  m = order_msg(&t, CTK_IF_QUERY, P1_CITY, CTK_LEVEL_CITY, P1, id);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  ctk_buf_reset(&bytes);
  ctk_buf_reset(&answer);
  CU_ASSERT_EQUAL(ctk_msg_encode(t.profile, m, CTK_BIND_XML, CTK_ENC_GBK, &bytes), CTK_E_OK);
  CU_ASSERT_EQUAL(post_raw(&t, P1, P1_CITY, secret, xml_path(&t), "application/xml; charset=GBK",
                           bytes.data, bytes.len, code, &answer), 200);
  {
    ctk_msg *ans = NULL;
    ctk_outcome why;
    const char *subject = NULL;
    char path[2 * CTK_NAME_MAX + 2];
    if(!ctk_msg_decode(t.profile, answer.data, answer.len, CTK_BIND_XML, &ans, &why))
      subject = ctk_msg_get(ans, el_path(&t, CTK_EL_WORK_ORDER, CTK_EL_SUBJECT, path));
    CU_ASSERT(!subject || strcmp(subject, "高速公路收费站排队过长") != 0);
    ctk_msg_free(ans);
  }
  ctk_msg_free(m);
  net_down(&t);

  /* reorder: the revisit overtakes the report and completion; the ministry ends wrong */
  CU_ASSERT_FATAL(net_up_faulty(&t, "ep-f13", FAULT(reorder)) == 0);
  {
    char s[32];
    CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
    CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_COMPLETE, P1_CITY, P1, id, code), rc(&t, "OK"));
    CU_ASSERT_STRING_EQUAL(city_update(&t, CTK_IF_REVISIT, P1_CITY, P1, id, code), rc(&t, "OK"));
    CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 8000), CTK_E_OK);
    CU_ASSERT_STRING_EQUAL(status_at(t.p1, id, s), st(&t, CTK_ST_REVISITED));
    CU_ASSERT_STRING_NOT_EQUAL(status_at(t.ministry, id, s), st(&t, CTK_ST_REVISITED));
  }
  net_down(&t);
  ctk_buf_free(&bytes);
  ctk_buf_free(&answer);
}

/* Statistics go up on demand; knowledge from above goes down to every city. */
static void test_endpoints_statistics_and_knowledge(void)
{
  net t;
  char code[CTK_ID_MAX], value[32];
  const char *id = "36010020261102000030";
  ctk_http_call call;
  ctk_http_reply reply;
  char url[160];
  ctk_msg *m;
  ctk_values *v, *item;
  char key[CTK_ID_MAX + 16], when[40];

  CU_ASSERT_FATAL(net_up(&t, "ep-stats-kb") == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id, NULL, code), rc(&t, "OK"));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/ctk/report-stats?from=2026-11-01&to=2026-11-30",
           t.ports[1]);
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.body = "";
  call.content_type = "application/json";  /* a control route takes what a page cannot send */
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, 4096);
  CU_ASSERT_EQUAL(ctk_http_post(t.client, &call, &reply), CTK_E_OK);
  CU_ASSERT_EQUAL(reply.status, 202);
  ctk_buf_free(&reply.body);
  CU_ASSERT_EQUAL(ctk_node_outbox_drain(t.p1, 5000), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_stat_get(ctk_node_store(t.ministry), P1, "2026-11-01", "2026-11-30",
                                     "orders", value, sizeof(value)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(value, "1");
  snprintf(key, sizeof(key), "business_type.%s", ctk_val(t.profile, CTK_V_BT_COMPLAINT));
  CU_ASSERT_EQUAL(ctk_store_stat_get(ctk_node_store(t.ministry), P1, "2026-11-01", "2026-11-30",
                                     key, value, sizeof(value)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(value, "1");

  v = ctk_values_new(t.profile);
  item = ctk_values_item(v, CTK_EL_KB_ITEM);
  CU_ASSERT_PTR_NOT_NULL_FATAL(item);
  put(item, CTK_EL_KB_ITEM_ID, "KB-0001");
  put(item, CTK_EL_KB_CLASS, first_code(&t, CTK_EL_KB_CLASS));
  put(item, CTK_EL_KB_TITLE, "高速公路收费标准");
  put(item, CTK_EL_KB_CONTENT, "按车型收费");
  put(item, CTK_EL_KB_UPDATE_TIME, at(&t, 11, 2, 9, 0, when));
  put(item, CTK_EL_KB_ACTION, ctk_val(t.profile, CTK_V_KB_ADD));
  m = with_body(&t, new_msg(&t, CTK_IF_KNOWLEDGE, MIN, CTK_LEVEL_MINISTRY, P1,
                            CTK_LEVEL_PROVINCE), v);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_STRING_EQUAL(send_msg(&t, m, code), rc(&t, "OK"));
  CU_ASSERT_EQUAL(ctk_store_knowledge_has(ctk_node_store(t.p1), "KB-0001"), 1);
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_KNOWLEDGE), P1_CITY, ""));
  CU_ASSERT(inbox_wait(&t.inbox, ifc(&t, CTK_IF_KNOWLEDGE), P1_CITY2, ""));
  net_down(&t);
}

/* Provinces reach the ministry over HTTPS; a peer certificate nobody vouches for is refused. */
static void test_endpoints_tls_to_ministry(void)
{
  net t;
  char code[CTK_ID_MAX], s[32], cert[300], key[300], cmd[1024];
  const char *dir = ctk_test_tmpdir("ep-tls-cert");
  ctk_outbox_counts c;
  const char *id1 = "36010020261102000040";
  const char *id2 = "44010020261102000041";

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cert, sizeof(cert), "%.250s/cert.pem", dir);
  snprintf(key, sizeof(key), "%.250s/key.pem", dir);
  snprintf(cmd, sizeof(cmd),
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
           "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' "
           ">/dev/null 2>&1", key, cert);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  CU_ASSERT_FATAL(net_up_full(&t, "ep-tls", 0, cert, key) == 0);
  CU_ASSERT_STRING_EQUAL(city_report(&t, P1_CITY, P1, id1, NULL, code), rc(&t, "OK"));
  CU_ASSERT(wait_status(t.ministry, id1, st(&t, CTK_ST_ACCEPTED)));
  /* P2 has no --peer-ca: the self-signed ministry is not trusted, nothing is delivered */
  CU_ASSERT_STRING_EQUAL(city_report(&t, P2_CITY, P2, id2, NULL, code), rc(&t, "OK"));
  usleep(500000);
  CU_ASSERT_STRING_EQUAL(status_at(t.ministry, id2, s), "");
  CU_ASSERT_EQUAL(ctk_store_outbox_counts(ctk_node_store(t.p2), &c), CTK_E_OK);
  CU_ASSERT_EQUAL(c.pending, 1);
  CU_ASSERT_EQUAL(c.delivered, 0);
  net_down(&t);
}

/* ---------- every test under both profiles ---------- */

/* X(test): each test of the suite, run once under the default profile and once under the
 * synthetic variant (every name, number and code spelt otherwise), with the same assertions. */
#define EP_TESTS(X)                            \
  X(test_endpoints_local_case)                 \
  X(test_endpoints_cross_city_and_return)      \
  X(test_endpoints_cross_province)             \
  X(test_endpoints_urge_and_supervise)         \
  X(test_endpoints_duplicate_delivery)         \
  X(test_endpoints_refusals)                   \
  X(test_endpoints_soap_gbk_and_link_check)    \
  X(test_endpoints_ministry_restart)           \
  X(test_endpoints_admin_api)                  \
  X(test_endpoints_serve_daemon)               \
  X(test_endpoints_statistics_and_knowledge)   \
  X(test_endpoints_tls_to_ministry)            \
  X(test_endpoints_faults_break_flows)         \
  X(test_endpoints_faults_break_answers)

/* Each wrapper sets the profile itself: a fatal assertion of the one before may have left
 * ep_profile_dir set. */
#define EP_UNDER_BOTH(fn)             \
  static void fn##_baseline(void)     \
  {                                   \
    ep_profile_dir = NULL;            \
    fn();                             \
  }                                   \
  static void fn##_variant(void)      \
  {                                   \
    ep_profile_dir = VARIANT;         \
    fn();                             \
    ep_profile_dir = NULL;            \
  }
EP_TESTS(EP_UNDER_BOTH)
#undef EP_UNDER_BOTH

void ctk_test_add_endpoints(CU_pSuite suite)
{
#define EP_ADD(fn)                   \
  CTK_TEST(suite, fn##_baseline); \
  CTK_TEST(suite, fn##_variant);
  EP_TESTS(EP_ADD)
#undef EP_ADD
}
