/* ctk_test_serve: `ctk serve` children for the reliability tests, and store checks. */
#include "ctk_test_serve.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "city/ctk_city.h"
#include "ctk_auth.h"
#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_node.h"
#include "ctk_store.h"
#include "ctk_test.h"
#include "ctk_test_wire.h"

#define TS_START_TIMEOUT_MS 60000 /* valgrind makes a start slow */

void ctk_ts_secret(const char *region, char *out, size_t outlen)
{
  snprintf(out, outlen, "test-secret-of-%s-0123456789", region);
}

void ctk_ts_url(const ctk_test_node *n, char *out, size_t outlen)
{
  snprintf(out, outlen, "http://127.0.0.1:%d", n->port);
}

void ctk_ts_db_path(const ctk_test_node *n, char *out, size_t outlen)
{
  snprintf(out, outlen, "%s/ctk.db", n->dir);
}

static int write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  int rc;
  if(!f)
    return -1;
  rc = fputs(text, f) < 0 ? -1 : 0;
  if(fclose(f) != 0)
    rc = -1;
  return rc;
}

static void add_credential(ctk_buf *b, const char *region, int level)
{
  char secret[96];
  char line[CTK_AUTH_LINE_MAX];
  ctk_ts_secret(region, secret, sizeof(secret));
  if(ctk_auth_make_line(region, level, secret, line, sizeof(line)) == CTK_E_OK)
    ctk_buf_printf(b, "%s\n", line);
}

/* Credentials of whoever may call this node, its own secret, its peers and a config file. */
static int write_files(ctk_test_node *n)
{
  char path[700];
  char secret[96];
  ctk_buf b;
  int rc = 0;

  ctk_buf_init(&b, 0);
  ctk_buf_adds(&b, "region,level,salt_hex,hash_hex\n");
  if(!strcmp(n->role, "province")) {
    add_credential(&b, CTK_TS_CITY, 3);
    add_credential(&b, CTK_TS_OTHER_CITY, 3);
    add_credential(&b, CTK_TS_MINISTRY, 1);
    /* a copy-paste slip: a city of another province (hostile 122 shows it counts for nothing) */
    add_credential(&b, CTK_TS_FOREIGN_CITY, 3);
  }
  else
    add_credential(&b, CTK_TS_PROVINCE, 2);
  snprintf(path, sizeof(path), "%s/credentials.csv", n->dir);
  rc |= write_text(path, ctk_buf_str(&b));

  ctk_ts_secret(n->region, secret, sizeof(secret));
  ctk_buf_reset(&b);
  ctk_buf_printf(&b, "%s\n", secret);
  snprintf(path, sizeof(path), "%s/secret.txt", n->dir);
  rc |= write_text(path, ctk_buf_str(&b));

  ctk_buf_reset(&b);
  ctk_buf_adds(&b, "region,level,url\n");
  if(!strcmp(n->role, "province") && n->upstream[0])
    ctk_buf_printf(&b, "%s,1,%s\n", CTK_TS_MINISTRY, n->upstream);
  if(!strcmp(n->role, "province")) {
    /* the cities are routes (a transfer between them is accepted) that nobody answers on:
     * what the province sends them waits in its outbox */
    ctk_buf_printf(&b, "%s,3,http://127.0.0.1:9\n%s,3,http://127.0.0.1:9\n", CTK_TS_CITY,
                   CTK_TS_OTHER_CITY);
  }
  snprintf(path, sizeof(path), "%s/peers.csv", n->dir);
  rc |= write_text(path, ctk_buf_str(&b));
  ctk_buf_free(&b);
  return rc;
}

static ctk_code ts_launch(ctk_test_node *n)
{
  char *argv[40];
  int argc = 0;
  char listen[32];
  char port_file[700];
  char creds[700];
  char secret[700];
  char peers[700];
  char log_path[700];
  char wrapper[512];
  char *save = NULL;
  char *tok;
  ctk_code rc;
  int got_port = 0;

  snprintf(listen, sizeof(listen), "127.0.0.1:%d", n->port);
  snprintf(port_file, sizeof(port_file), "%s/port", n->dir);
  snprintf(creds, sizeof(creds), "%s/credentials.csv", n->dir);
  snprintf(secret, sizeof(secret), "%s/secret.txt", n->dir);
  snprintf(peers, sizeof(peers), "%s/peers.csv", n->dir);
  snprintf(log_path, sizeof(log_path), "%s/%s-%d.log", n->dir, n->role, n->starts);
  unlink(port_file);

  wrapper[0] = '\0';
  if(n->wrapper)
    ctk_strlcpy(wrapper, n->wrapper, sizeof(wrapper));
  for(tok = strtok_r(wrapper, " ", &save); tok && argc < 20; tok = strtok_r(NULL, " ", &save))
    argv[argc++] = tok;
  argv[argc++] = (char *)ctk_test_ctk_bin();
  argv[argc++] = "serve";
  argv[argc++] = n->role;
  argv[argc++] = "--region";
  argv[argc++] = n->region;
  argv[argc++] = "--listen";
  argv[argc++] = listen;
  argv[argc++] = "--port-file";
  argv[argc++] = port_file;
  argv[argc++] = "--data";
  argv[argc++] = n->dir;
  argv[argc++] = "--credentials";
  argv[argc++] = creds;
  argv[argc++] = "--secret-file";
  argv[argc++] = secret;
  argv[argc++] = "--peers";
  argv[argc++] = peers;
  /* quick retries so link-fault tests drain in seconds, not minutes */
  argv[argc++] = "--retry-initial-ms";
  argv[argc++] = "100";
  argv[argc++] = "--retry-max-ms";
  argv[argc++] = "1000";
  argv[argc++] = "--log-level";
  argv[argc++] = "warn";
  argv[argc] = NULL;

  n->starts++;
  rc = ctk_proc_start(&n->proc, n->role, argv, log_path);
  if(rc)
    return rc;
  rc = ctk_proc_wait_port(&n->proc, port_file, TS_START_TIMEOUT_MS, &got_port);
  if(rc) {
    fprintf(stderr, "ctk_test_serve: %s did not start; see %s\n", n->role, log_path);
    ctk_proc_stop(&n->proc, 1000);
    return rc;
  }
  n->port = got_port;
  return CTK_E_OK;
}

ctk_code ctk_ts_start(ctk_test_node *n, const char *role, const char *dir, const char *upstream,
                      const char *wrapper)
{
  memset(n, 0, sizeof(*n));
  ctk_strlcpy(n->role, role, sizeof(n->role));
  ctk_strlcpy(n->region, !strcmp(role, "ministry") ? CTK_TS_MINISTRY : CTK_TS_PROVINCE,
              sizeof(n->region));
  ctk_strlcpy(n->dir, dir, sizeof(n->dir));
  if(upstream)
    ctk_strlcpy(n->upstream, upstream, sizeof(n->upstream));
  n->wrapper = wrapper;
  mkdir(dir, 0700);
  if(write_files(n))
    return CTK_E_IO;
  n->port = 0;
  return ts_launch(n);
}

/* Fill the node config the way the command line of ts_launch does. */
static void inproc_config(const ctk_test_node *n, ctk_node_config *cfg)
{
  ctk_node_config_init(cfg, !strcmp(n->role, "ministry") ? CTK_LEVEL_MINISTRY
                                                          : CTK_LEVEL_PROVINCE);
  ctk_strlcpy(cfg->region, n->region, sizeof(cfg->region));
  ctk_strlcpy(cfg->data_dir, n->dir, sizeof(cfg->data_dir));
  snprintf(cfg->credentials_file, sizeof(cfg->credentials_file), "%.400s/credentials.csv",
           n->dir);
  snprintf(cfg->secret_file, sizeof(cfg->secret_file), "%.400s/secret.txt", n->dir);
  snprintf(cfg->peers_file, sizeof(cfg->peers_file), "%.400s/peers.csv", n->dir);
  ctk_strlcpy(cfg->log_level, "error", sizeof(cfg->log_level));
  cfg->port = n->port;
  cfg->retry_initial_ms = 100;
  cfg->retry_max_ms = 1000;
}

ctk_code ctk_ts_start_inproc(ctk_test_node *n, const char *role, const char *dir,
                             const char *upstream)
{
  return ctk_ts_start_inproc_tls(n, role, dir, upstream, NULL, NULL);
}

ctk_code ctk_ts_start_inproc_tls(ctk_test_node *n, const char *role, const char *dir,
                                 const char *upstream, const char *cert, const char *key)
{
  ctk_node_config cfg;
  char err[512];
  ctk_code rc;

  memset(n, 0, sizeof(*n));
  ctk_strlcpy(n->role, role, sizeof(n->role));
  ctk_strlcpy(n->region, !strcmp(role, "ministry") ? CTK_TS_MINISTRY : CTK_TS_PROVINCE,
              sizeof(n->region));
  ctk_strlcpy(n->dir, dir, sizeof(n->dir));
  if(upstream)
    ctk_strlcpy(n->upstream, upstream, sizeof(n->upstream));
  mkdir(dir, 0700);
  if(write_files(n))
    return CTK_E_IO;
  inproc_config(n, &cfg);
  if(cert && key) {
    ctk_strlcpy(cfg.tls_cert, cert, sizeof(cfg.tls_cert));
    ctk_strlcpy(cfg.tls_key, key, sizeof(cfg.tls_key));
  }
  rc = ctk_node_start(&cfg, &n->engine, err, sizeof(err));
  if(rc) {
    fprintf(stderr, "ctk_test_serve: in-process %s did not start: %s\n", role, err);
    return rc;
  }
  n->port = ctk_node_port(n->engine);
  n->starts = 1;
  return CTK_E_OK;
}

ctk_code ctk_ts_start_cities(const char *dir, const char *cities, struct ctk_city_sim **out)
{
  ctk_city_config cfg;
  char creds[700];
  char secret_file[700];
  char secret[96];
  char err[1024];
  ctk_buf b;
  int rc;
  ctk_code result;

  *out = NULL;
  mkdir(dir, 0700);
  ctk_buf_init(&b, 0);
  ctk_buf_adds(&b, "region,level,salt_hex,hash_hex\n");
  add_credential(&b, CTK_TS_PROVINCE, 2);
  add_credential(&b, CTK_TS_OTHER_CITY, 3);
  snprintf(creds, sizeof(creds), "%s/credentials.csv", dir);
  rc = write_text(creds, ctk_buf_str(&b));
  ctk_ts_secret(CTK_TS_CITY, secret, sizeof(secret));
  ctk_buf_reset(&b);
  ctk_buf_printf(&b, "%s\n", secret);
  snprintf(secret_file, sizeof(secret_file), "%s/city.secret", dir);
  rc |= write_text(secret_file, ctk_buf_str(&b));
  ctk_buf_free(&b);
  if(rc)
    return CTK_E_IO;
  ctk_city_config_init(&cfg);
  cfg.province = CTK_TS_PROVINCE;
  cfg.cities = cities;
  cfg.upper_url = "http://127.0.0.1:9";   /* never called: no rate, manual */
  cfg.rate = 0;
  cfg.manual = 1;
  cfg.secret_file = secret_file;
  cfg.credentials_file = creds;
  cfg.timeout_ms = 2000;
  result = ctk_city_sim_start(&cfg, out, err, sizeof(err));
  if(result)
    fprintf(stderr, "ctk_test_serve: the city simulator did not start: %s\n", err);
  return result;
}

ctk_code ctk_ts_restart(ctk_test_node *n)
{
  if(ctk_proc_alive(&n->proc))
    ctk_ts_kill(n);
  return ts_launch(n);
}

int ctk_ts_alive(ctk_test_node *n)
{
  if(n->engine)
    return 1;
  return n->proc.pid > 0 && ctk_proc_alive(&n->proc);
}

int ctk_ts_stop(ctk_test_node *n)
{
  int st;
  if(n->engine) {
    ctk_node_stop(n->engine);
    n->engine = NULL;
    return 0;
  }
  if(n->proc.pid <= 0)
    return -1;
  ctk_proc_stop(&n->proc, 30000);
  st = n->proc.exit_status;
  if(st == -1 || !WIFEXITED(st))
    return -1;
  return WEXITSTATUS(st);
}

void ctk_ts_kill(ctk_test_node *n)
{
  if(n->proc.pid > 0) {
    kill(n->proc.pid, SIGKILL);
    ctk_proc_stop(&n->proc, 5000);
  }
}

/* ---------- store checks (plain SQLite, readonly) ---------- */

static sqlite3 *ts_open(const ctk_test_node *n)
{
  char path[700];
  sqlite3 *db = NULL;
  ctk_ts_db_path(n, path, sizeof(path));
  if(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

long ctk_ts_query_long(const ctk_test_node *n, const char *sql)
{
  sqlite3 *db = ts_open(n);
  sqlite3_stmt *st = NULL;
  long v = -1;

  if(!db)
    return -1;
  if(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = (long)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static int count_order(void *ctx, const ctk_order *o)
{
  (void)o;
  (*(long *)ctx)++;
  return 0;
}

ctk_code ctk_ts_counts_get(const ctk_test_node *n, ctk_ts_counts *c)
{
  char path[700];
  ctk_store *s = NULL;
  ctk_outbox_counts oc;
  ctk_code rc;

  memset(c, 0, sizeof(*c));
  ctk_ts_db_path(n, path, sizeof(path));
  rc = ctk_store_open(path, 1, &s);
  if(rc)
    return rc;
  rc = ctk_store_orders_each(s, "", "", "", count_order, &c->orders);
  if(!rc)
    rc = ctk_store_outbox_counts(s, &oc);
  if(!rc) {
    c->outbox_pending = oc.pending;
    c->outbox_delivered = oc.delivered;
    c->outbox_failed = oc.failed;
    c->outbox = oc.pending + oc.delivered + oc.failed;
  }
  ctk_store_close(s);
  return rc;
}

ctk_code ctk_ts_order_status(const ctk_test_node *n, const char *order_id, char *out,
                             size_t outlen)
{
  char path[700];
  ctk_store *s = NULL;
  ctk_order o;
  ctk_code rc;

  out[0] = '\0';
  ctk_ts_db_path(n, path, sizeof(path));
  rc = ctk_store_open(path, 1, &s);
  if(rc)
    return rc;
  rc = ctk_store_order_get(s, order_id, &o);
  if(!rc)
    ctk_strlcpy(out, o.status, outlen);
  ctk_store_close(s);
  return rc;
}

int ctk_ts_has_order(const ctk_test_node *n, const char *order_id)
{
  char status[32];
  ctk_code rc = ctk_ts_order_status(n, order_id, status, sizeof(status));
  if(rc == CTK_E_NOTFOUND)
    return 0;
  return rc == CTK_E_OK ? 1 : -1;
}

int ctk_ts_integrity_ok(const ctk_test_node *n)
{
  sqlite3 *db = ts_open(n);
  sqlite3_stmt *st = NULL;
  int ok = 0;

  if(!db)
    return 0;
  if(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
     sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(st, 0);
    ok = t && !strcmp((const char *)t, "ok");
    if(!ok)
      fprintf(stderr, "ctk_test_serve: integrity_check of %s: %s\n", n->dir,
              t ? (const char *)t : "(null)");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return ok;
}

/* ---------- messages ---------- */

void ctk_ts_message(ctk_buf *out, const char *msg_id, const char *iface, const char *sender,
                    int sender_level, const char *receiver, int receiver_level,
                    const char *body_xml)
{
  char now[40];

  ctk_msg_now(now, sizeof(now));
  ctk_buf_printf(out,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<Message xmlns=\"urn:ctk12328:baseline:1\"><Head><MsgId>%s</MsgId>"
                 "<InterfaceCode>%s</InterfaceCode>"
                 "<Sender><Region>%s</Region><Level>%d</Level></Sender>"
                 "<Receiver><Region>%s</Region><Level>%d</Level></Receiver>"
                 "<SendTime>%s</SendTime><ProfileVersion>1.0</ProfileVersion></Head>"
                 "<Body>%s</Body></Message>\n",
                 msg_id, iface, sender, sender_level, receiver, receiver_level, now, body_xml);
}

void ctk_ts_report_body(ctk_buf *out, const char *order_id, const char *city,
                        const char *subject)
{
  char now[40];

  ctk_msg_now(now, sizeof(now));
  ctk_buf_printf(out,
                 "<WorkOrderReport><WorkOrder><OrderId>%s</OrderId><AcceptTime>%s</AcceptTime>"
                 "<AcceptRegion>%s</AcceptRegion><HandleRegion>%s</HandleRegion>"
                 "<Channel>01</Channel><BusinessType>1</BusinessType><Domain>04</Domain>"
                 "<Caller><Phone>13800138000</Phone></Caller>"
                 "<Subject>%s</Subject><Content>reported by a reliability test</Content>"
                 "<Status>01</Status><InstantAnswer>0</InstantAnswer></WorkOrder>"
                 "</WorkOrderReport>",
                 order_id, now, city, city, subject);
}

int ctk_ts_post(const char *base_url, const char *region, const char *xml, size_t len,
                char *code, size_t codelen, long timeout_ms)
{
  ctk_http_client *c = ctk_http_client_new();
  ctk_http_call call;
  ctk_http_reply reply;
  char url[300];
  char secret[96];
  int status = 0;

  code[0] = '\0';
  if(!c)
    return 0;
  snprintf(url, sizeof(url), "%s/exchange", base_url);
  ctk_ts_secret(region, secret, sizeof(secret));
  memset(&call, 0, sizeof(call));
  call.url = url;
  call.content_type = "application/xml; charset=UTF-8";
  call.user = region;
  call.password = secret;
  call.body = xml;
  call.body_len = len;
  call.timeout_ms = timeout_ms;
  memset(&reply, 0, sizeof(reply));
  ctk_buf_init(&reply.body, (size_t)4 * 1024 * 1024);
  if(ctk_http_post(c, &call, &reply) == CTK_E_OK) {
    status = (int)reply.status;
    ctk_wire_xml_text(reply.body.data, reply.body.len, "Result", "Code", code, codelen);
  }
  ctk_buf_free(&reply.body);
  ctk_http_client_free(c);
  return status;
}
