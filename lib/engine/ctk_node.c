/* ctk_node: lifecycle of a reference endpoint (configuration, loading, start, stop) and the
 * HTTP dispatch to the exchange pipeline and the observation API. */
#include "ctk_node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctk_csv.h"
#include "ctk_datadir.h"
#include "ctk_file.h"
#include "ctk_sock.h"
#include "ctk_kvfile.h"
#include "ctk_log.h"
#include "ctk_node_internal.h"

/* ---------- configuration ---------- */

void ctk_node_config_init(ctk_node_config *c, ctk_level level)
{
  memset(c, 0, sizeof(*c));
  c->level = level;
  if(level == CTK_LEVEL_MINISTRY)
    ctk_strlcpy(c->region, CTK_REGION_MINISTRY, sizeof(c->region));
  ctk_strlcpy(c->listen_addr, "127.0.0.1", sizeof(c->listen_addr));
  ctk_strlcpy(c->data_dir, ".", sizeof(c->data_dir));
  ctk_datadir_path(CTK_REGION_DEFAULT_FILE, c->regions_file, sizeof(c->regions_file));
  ctk_datadir_path(CTK_CALENDAR_DEFAULT_FILE, c->calendar_file, sizeof(c->calendar_file));
  ctk_strlcpy(c->log_level, "info", sizeof(c->log_level));
  c->urge_interval_s = 60;
  c->outbox_workers = 8;
  c->retry_initial_ms = 500;
  c->retry_max_ms = 30000;
  c->retry_max_attempts = 0;
  c->http_threads = 8;
  /* a ministry serves 32 provinces, each with up to 16 delivery workers and a connection
   * each: at 256, connections past the limit waited in the listen queue until an idle one
   * timed out (30 s) */
  c->max_connections = 1024;
  c->max_per_address = 512;
  c->request_timeout_s = 30;
  c->late_reply_ms = 15000;
}

static ctk_code set_path(char *dst, size_t len, const char *value, const char *key, char *err,
                         size_t errlen)
{
  if(ctk_strlcpy(dst, value, len)) {
    snprintf(err, errlen, "--%s: value too long", key);
    return CTK_E_INVAL;
  }
  return CTK_E_OK;
}

static ctk_code set_uint(unsigned *dst, const char *value, unsigned min, unsigned max,
                         const char *key, char *err, size_t errlen)
{
  char *end = NULL;
  unsigned long v;
  errno = 0;
  v = strtoul(value, &end, 10);
  if(errno || !end || *end || end == value || v < min || v > max) {
    snprintf(err, errlen, "--%s: expected a number from %u to %u, got '%s'", key, min, max,
             value);
    return CTK_E_INVAL;
  }
  *dst = (unsigned)v;
  return CTK_E_OK;
}

/* "127.0.0.1:8080", ":8080" or "8080". */
static ctk_code set_listen(ctk_node_config *c, const char *value, char *err, size_t errlen)
{
  char why[200];

  /* an address alone keeps the port */
  if(!strchr(value, ':') && strchr(value, '.'))
    return set_path(c->listen_addr, sizeof(c->listen_addr), value, "listen", err, errlen);
  if(ctk_sock_parse_hostport(value, c->listen_addr, 0, c->listen_addr, sizeof(c->listen_addr),
                             &c->port, why, sizeof(why))) {
    snprintf(err, errlen, "--listen: %s", why);
    return CTK_E_INVAL;
  }
  return CTK_E_OK;
}

static ctk_code set_deadline(ctk_node_config *c, const char *value, char *err, size_t errlen)
{
  const char *eq = strchr(value, '=');
  ctk_node_deadline *d;
  unsigned days;
  size_t n;
  ctk_code result;

  if(!eq || eq == value || (size_t)(eq - value) >= sizeof(d->business_type)) {
    snprintf(err, errlen, "--deadline: expected TYPE=DAYS, got '%s'", value);
    return CTK_E_INVAL;
  }
  if(c->n_deadlines == CTK_NODE_DEADLINES_MAX) {
    snprintf(err, errlen, "--deadline: at most %d", CTK_NODE_DEADLINES_MAX);
    return CTK_E_TOOBIG;
  }
  result = set_uint(&days, eq + 1, 0, 3650, "deadline", err, errlen);
  if(result)
    return result;
  d = &c->deadlines[c->n_deadlines++];
  n = (size_t)(eq - value);
  memcpy(d->business_type, value, n);
  d->business_type[n] = '\0';
  d->working_days = (int)days;
  return CTK_E_OK;
}

ctk_code ctk_node_config_set(ctk_node_config *c, const char *key, const char *value, char *err,
                             size_t errlen)
{
  if(!value)
    value = "";
  if(!strcmp(key, "region"))
    return set_path(c->region, sizeof(c->region), value, key, err, errlen);
  if(!strcmp(key, "listen"))
    return set_listen(c, value, err, errlen);
  if(!strcmp(key, "address")) {
    char host[256];
    int port;
    /* goes into the WSDL: a host name or address and a port, nothing else, read as a
     * client's Host is (letters, digits, . - : and brackets only around an IPv6 address) */
    if(ctk_node_wsdl_split_host(value, host, sizeof(host), &port)) {
      snprintf(err, errlen, "--address: expected HOST[:PORT], got '%s'", value);
      return CTK_E_INVAL;
    }
    return set_path(c->address, sizeof(c->address), value, key, err, errlen);
  }
  if(!strcmp(key, "port-file"))
    return set_path(c->port_file, sizeof(c->port_file), value, key, err, errlen);
  if(!strcmp(key, "data"))
    return set_path(c->data_dir, sizeof(c->data_dir), value, key, err, errlen);
  if(!strcmp(key, "credentials"))
    return set_path(c->credentials_file, sizeof(c->credentials_file), value, key, err, errlen);
  if(!strcmp(key, "secret-file"))
    return set_path(c->secret_file, sizeof(c->secret_file), value, key, err, errlen);
  if(!strcmp(key, "peers"))
    return set_path(c->peers_file, sizeof(c->peers_file), value, key, err, errlen);
  if(!strcmp(key, "tls-cert"))
    return set_path(c->tls_cert, sizeof(c->tls_cert), value, key, err, errlen);
  if(!strcmp(key, "tls-key"))
    return set_path(c->tls_key, sizeof(c->tls_key), value, key, err, errlen);
  if(!strcmp(key, "peer-ca"))
    return set_path(c->peer_ca, sizeof(c->peer_ca), value, key, err, errlen);
  if(!strcmp(key, "profile"))
    return set_path(c->profile_dir, sizeof(c->profile_dir), value, key, err, errlen);
  if(!strcmp(key, "regions"))
    return set_path(c->regions_file, sizeof(c->regions_file), value, key, err, errlen);
  if(!strcmp(key, "calendar"))
    return set_path(c->calendar_file, sizeof(c->calendar_file), value, key, err, errlen);
  if(!strcmp(key, "log-level")) {
    if(ctk_log_level_parse(value) < 0) {
      snprintf(err, errlen, "--log-level: expected error, warn, info or debug");
      return CTK_E_INVAL;
    }
    return set_path(c->log_level, sizeof(c->log_level), value, key, err, errlen);
  }
  if(!strcmp(key, "fault")) {
    int f = ctk_province_fault_parse(value);
    if(f < 0) {
      snprintf(err, errlen, "--fault: unknown fault '%s' (ctk serve --help lists them)", value);
      return CTK_E_INVAL;
    }
    c->faults |= 1ul << (unsigned)f;
    return CTK_E_OK;
  }
  if(!strcmp(key, "deadline"))
    return set_deadline(c, value, err, errlen);
  if(!strcmp(key, "urge-interval"))
    return set_uint(&c->urge_interval_s, value, 1, 86400, key, err, errlen);
  if(!strcmp(key, "outbox-workers"))
    return set_uint(&c->outbox_workers, value, 1, 16, key, err, errlen);
  if(!strcmp(key, "retry-initial-ms"))
    return set_uint(&c->retry_initial_ms, value, 1, 3600000, key, err, errlen);
  if(!strcmp(key, "retry-max-ms"))
    return set_uint(&c->retry_max_ms, value, 1, 86400000, key, err, errlen);
  if(!strcmp(key, "retry-max-attempts"))
    return set_uint(&c->retry_max_attempts, value, 0, 1000000, key, err, errlen);
  if(!strcmp(key, "http-threads"))
    return set_uint(&c->http_threads, value, 1, 256, key, err, errlen);
  if(!strcmp(key, "max-connections"))
    return set_uint(&c->max_connections, value, 1, 65536, key, err, errlen);
  if(!strcmp(key, "max-connections-per-address"))
    return set_uint(&c->max_per_address, value, 1, 65536, key, err, errlen);
  if(!strcmp(key, "request-timeout"))
    return set_uint(&c->request_timeout_s, value, 1, 3600, key, err, errlen);
  if(!strcmp(key, "late-reply-ms"))
    return set_uint(&c->late_reply_ms, value, 0, 600000, key, err, errlen);
  snprintf(err, errlen, "unknown option '%s'", key);
  return CTK_E_INVAL;
}

static char *trim(char *s)
{
  char *end;
  while(*s == ' ' || *s == '\t')
    s++;
  end = s + strlen(s);
  while(end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
    *--end = '\0';
  return s;
}

/* A --config line is the option of the same name: "fault" and "deadline" may come again. */
static ctk_code config_entry(void *ctx, const char *key, const char *value, int line, char *why,
                             size_t whylen)
{
  (void)line;
  return ctk_node_config_set(ctx, key, value, why, whylen) ? CTK_E_PARSE : CTK_E_OK;
}

ctk_code ctk_node_config_load(ctk_node_config *c, const char *path, char *err, size_t errlen)
{
  return ctk_kvfile_each(path, config_entry, c, err, errlen);
}

/* ---------- helpers shared by the engine ---------- */

const ctk_node_peer *ctk_node_peer_find(const ctk_node_engine *n, const char *region)
{
  size_t i;
  for(i = 0; region && i < n->n_peers; i++) {
    if(!strcmp(n->peers[i].region, region))
      return &n->peers[i];
  }
  return NULL;
}

const ctk_node_peer *ctk_node_peer_of_level(const ctk_node_engine *n, ctk_level level)
{
  size_t i;
  for(i = 0; i < n->n_peers; i++) {
    if(n->peers[i].level == level)
      return &n->peers[i];
  }
  return NULL;
}

int64_t ctk_node_now_ms(void)
{
  return ctk_wall_ms();
}

void ctk_node_abstime(int64_t at_ms, struct timespec *out)
{
  out->tv_sec = (time_t)(at_ms / 1000);
  out->tv_nsec = (long)(at_ms % 1000) * 1000000L;
}

void ctk_node_province_of(const ctk_node_engine *n, const char *region, char out[8])
{
  const ctk_region *r = ctk_region_province_of(n->regions, region);
  ctk_strlcpy(out, r ? r->code : "", 8);
}

/* ---------- loading ---------- */

static ctk_code load_secret(ctk_node_engine *n, char *err, size_t errlen)
{
  FILE *f;
  char *s;
  if(!n->cfg.secret_file[0])
    return CTK_E_OK;
  f = fopen(n->cfg.secret_file, "r");
  if(!f) {
    snprintf(err, errlen, "%s: %s", n->cfg.secret_file, strerror(errno));
    return CTK_E_IO;
  }
  if(!fgets(n->secret, sizeof(n->secret), f))
    n->secret[0] = '\0';
  fclose(f);
  s = trim(n->secret);
  memmove(n->secret, s, strlen(s) + 1);
  if(!n->secret[0]) {
    snprintf(err, errlen, "%s: empty secret", n->cfg.secret_file);
    return CTK_E_PARSE;
  }
  return CTK_E_OK;
}

/* peers.csv: region,level,url[,binding[,encoding]] with a header row. */
static ctk_code load_peers(ctk_node_engine *n, char *err, size_t errlen)
{
  static const char *const wanted[] = { "region", "level", "url" };
  ctk_csv csv;
  int idx[3];
  int col_binding, col_encoding;
  int rc;
  ctk_code result;

  if(!n->cfg.peers_file[0])
    return CTK_E_OK;
  result = ctk_csv_open(&csv, n->cfg.peers_file);
  if(result) {
    snprintf(err, errlen, "%s: cannot read (%s)", n->cfg.peers_file, ctk_strerror(result));
    return result;
  }
  result = ctk_csv_header(&csv, wanted, 3, idx);
  if(result) {
    snprintf(err, errlen, "%s:1: %s", n->cfg.peers_file, csv.error);
    ctk_csv_close(&csv);
    return result;
  }
  col_binding = ctk_csv_column(csv.fields, csv.n_fields, "binding");
  col_encoding = ctk_csv_column(csv.fields, csv.n_fields, "encoding");
  for(;;) {
    ctk_node_peer *p;
    const char *region, *level, *url, *binding, *encoding;
    rc = ctk_csv_next(&csv);
    if(rc <= 0)
      break;
    region = ctk_csv_field(&csv, idx[0]);
    level = ctk_csv_field(&csv, idx[1]);
    url = ctk_csv_field(&csv, idx[2]);
    binding = col_binding >= 0 ? ctk_csv_field(&csv, col_binding) : NULL;
    encoding = col_encoding >= 0 ? ctk_csv_field(&csv, col_encoding) : NULL;
    if(n->n_peers == CTK_NODE_PEERS_MAX) {
      snprintf(err, errlen, "%s:%zu: more than %d peers", n->cfg.peers_file, csv.record_line,
               CTK_NODE_PEERS_MAX);
      result = CTK_E_TOOBIG;
      break;
    }
    p = &n->peers[n->n_peers];
    memset(p, 0, sizeof(*p));
    if(!region || strlen(region) != 6 || !level || !url || !*url ||
       ctk_strlcpy(p->url, url, sizeof(p->url))) {
      snprintf(err, errlen, "%s:%zu: expected region,level,url", n->cfg.peers_file,
               csv.record_line);
      result = CTK_E_PARSE;
      break;
    }
    ctk_strlcpy(p->region, region, sizeof(p->region));
    p->level = ctk_level_parse(level);
    p->binding = CTK_BIND_XML;
    p->encoding = CTK_ENC_UTF8;
    if(binding && *binding) {
      int b = ctk_binding_parse(binding);
      if(b < 0) {
        snprintf(err, errlen, "%s:%zu: binding must be xml or soap", n->cfg.peers_file,
                 csv.record_line);
        result = CTK_E_PARSE;
        break;
      }
      p->binding = (ctk_binding)b;
    }
    if(encoding && *encoding) {
      int e = ctk_encoding_parse(encoding);
      if(e < 0) {
        snprintf(err, errlen, "%s:%zu: encoding must be UTF-8 or GBK", n->cfg.peers_file,
                 csv.record_line);
        result = CTK_E_PARSE;
        break;
      }
      p->encoding = (ctk_encoding)e;
    }
    if(p->level == CTK_LEVEL_NONE) {
      snprintf(err, errlen, "%s:%zu: unknown level '%s'", n->cfg.peers_file, csv.record_line,
               level);
      result = CTK_E_PARSE;
      break;
    }
    n->n_peers++;
  }
  if(!result && rc < 0) {
    snprintf(err, errlen, "%s:%zu: %s", n->cfg.peers_file, csv.record_line, csv.error);
    result = CTK_E_PARSE;
  }
  ctk_csv_close(&csv);
  return result;
}

static void collect_open_states(ctk_node_engine *n)
{
  size_t i;
  ctk_buf b;
  ctk_buf_init(&b, sizeof(n->open_states) - 1);
  for(i = 0; i < n->profile->n_states; i++) {
    if(n->profile->states[i].open)
      ctk_buf_printf(&b, "%s%s", b.len ? "," : "", n->profile->states[i].code);
  }
  ctk_strlcpy(n->open_states, ctk_buf_str(&b), sizeof(n->open_states));
  ctk_buf_free(&b);
}

static ctk_code check_identity(ctk_node_engine *n, char *err, size_t errlen)
{
  if(n->cfg.level == CTK_LEVEL_MINISTRY) {
    if(strcmp(n->cfg.region, CTK_REGION_MINISTRY)) {
      snprintf(err, errlen, "the ministry's region is %s, not %s", CTK_REGION_MINISTRY,
               n->cfg.region);
      return CTK_E_INVAL;
    }
  }
  else if(n->cfg.level == CTK_LEVEL_PROVINCE) {
    if(!ctk_region_is_province(n->regions, n->cfg.region)) {
      snprintf(err, errlen, "--region %s is not a provincial unit of %s",
               n->cfg.region[0] ? n->cfg.region : "(missing)", n->cfg.regions_file);
      return CTK_E_INVAL;
    }
  }
  else {
    snprintf(err, errlen, "a reference endpoint is a ministry or a province");
    return CTK_E_INVAL;
  }
  ctk_strlcpy(n->self.region, n->cfg.region, sizeof(n->self.region));
  n->self.level = n->cfg.level;
  return CTK_E_OK;
}

/* The templates of the success answer and of forwards; one that cannot be made leaves that
 * message to the encoder. */
static void build_templates(ctk_node_engine *n)
{
  ctk_outcome success;
  size_t i;
  int b;
  int e;

  ctk_outcome_set(&success, n->profile, "OK", "", "", "success");
  for(b = CTK_BIND_XML; b <= CTK_BIND_SOAP; b++) {
    for(e = CTK_ENC_UTF8; e <= CTK_ENC_GBK; e++) {
      if(ctk_msg_tpl_answer(n->profile, &success, (ctk_binding)b, (ctk_encoding)e,
                            &n->success_tpl[b][e]))
        CTK_WARN("node", "no template of the %s %s answer: each is encoded in full",
                 ctk_binding_name((ctk_binding)b), ctk_encoding_name((ctk_encoding)e));
    }
    n->forward_tpl[b] = calloc(n->profile->n_interfaces ? n->profile->n_interfaces : 1,
                               sizeof(*n->forward_tpl[b]));
    for(i = 0; n->forward_tpl[b] && i < n->profile->n_interfaces; i++) {
      if(ctk_msg_tpl_request(n->profile, n->profile->interfaces[i].code, (ctk_binding)b,
                             &n->forward_tpl[b][i]))
        CTK_WARN("node", "no template of the %s forward of %s: each is encoded in full",
                 ctk_binding_name((ctk_binding)b), n->profile->interfaces[i].code);
    }
  }
}

static ctk_code load_all(ctk_node_engine *n, char *err, size_t errlen)
{
  const char *profile_dir = n->cfg.profile_dir[0] ? n->cfg.profile_dir : ctk_profile_default_dir();
  char path[CTK_NODE_PATH_MAX + 16];
  ctk_code result;

  result = ctk_profile_load(profile_dir, &n->profile, err, errlen);
  if(result)
    return result;
  collect_open_states(n);
  build_templates(n);
  result = ctk_node_wsdl_load(n, err, errlen);
  if(result)
    return result;
  result = ctk_region_load(n->cfg.regions_file, &n->regions, err, errlen);
  if(result)
    return result;
  result = check_identity(n, err, errlen);
  if(result)
    return result;
  result = ctk_calendar_load(n->cfg.calendar_file, &n->calendar, err, errlen);
  if(result)
    return result;
  if(n->cfg.credentials_file[0])
    result = ctk_auth_load(n->cfg.credentials_file, &n->auth, err, errlen);
  else {
    /* Nobody may call a node without credentials: an empty set refuses everyone. */
    n->auth = ctk_auth_new();
    result = n->auth ? CTK_E_OK : CTK_E_NOMEM;
  }
  if(result)
    return result;
  /* The receive step of /exchange and /soap; the fault modes that skip a check leave its
   * step out. */
  n->receive.profile = n->profile;
  n->receive.auth = n->auth;
  n->receive.self = n->self;
  n->receive.regions = n->regions;
  if(ctk_node_fault(n, CTK_PF_ignore_auth))
    n->receive.skip |= CTK_RX_SKIP(CTK_RX_CREDENTIALS) | CTK_RX_SKIP(CTK_RX_SENDER);
  if(ctk_node_fault(n, CTK_PF_ignore_region))
    n->receive.skip |= CTK_RX_SKIP(CTK_RX_SENDER);
  result = load_secret(n, err, errlen);
  if(result)
    return result;
  result = load_peers(n, err, errlen);
  if(result)
    return result;
  if(mkdir(n->cfg.data_dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "--data %s: %s", n->cfg.data_dir, strerror(errno));
    return CTK_E_IO;
  }
  snprintf(path, sizeof(path), "%s/ctk.db", n->cfg.data_dir);
  result = ctk_store_open(path, 0, &n->store);
  if(result) {
    snprintf(err, errlen, "%s: cannot open the store", path);
    return result;
  }
  /* Rows a crash or stop left pending are due now: resent at start. */
  return ctk_store_outbox_restart(n->store);
}

/* ---------- HTTP dispatch ---------- */

static int node_http(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  ctk_node_engine *n = ctx;
  if(!strncmp(req->path, "/ctk/", 5))
    return ctk_node_handle_admin(n, req, resp);
  if(!strcmp(req->path, n->profile->soap_path) && ctk_node_wsdl_asked(req->query)) {
    /* SOAP path?wsdl: the WSDL to GET; a POST there is an exchange all the same */
    if(!ctk_http_method_ok(req, "GET, POST", resp))
      return 0;
    return strcmp(req->method, "POST") ? ctk_node_handle_wsdl(n, req, resp) :
           ctk_node_handle_exchange(n, req, resp);
  }
  if(!strcmp(req->path, n->profile->xml_path) || !strcmp(req->path, n->profile->soap_path))
    return ctk_node_handle_exchange(n, req, resp);
  resp->status = 404;
  ctk_strlcpy(resp->content_type, "text/plain; charset=UTF-8", sizeof(resp->content_type));
  ctk_buf_adds(&resp->body, "not found\n");
  return 0;
}

static ctk_code write_port_file(ctk_node_engine *n, char *err, size_t errlen)
{
  if(!n->cfg.port_file[0])
    return CTK_E_OK;
  if(ctk_file_write_port(n->cfg.port_file, ctk_http_server_port(n->http))) {
    snprintf(err, errlen, "--port-file %s: %s", n->cfg.port_file, strerror(errno));
    return CTK_E_IO;
  }
  return CTK_E_OK;
}

static void *urge_main(void *arg)
{
  ctk_node_engine *n = arg;
  pthread_mutex_lock(&n->wake_lock);
  while(!n->stopping) {
    struct timespec until;
    int sent = 0;
    ctk_node_abstime(ctk_node_now_ms() + (int64_t)n->cfg.urge_interval_s * 1000, &until);
    while(!n->stopping) {
      if(pthread_cond_timedwait(&n->wake, &n->wake_lock, &until) != 0)
        break;
    }
    if(n->stopping)
      break;
    pthread_mutex_unlock(&n->wake_lock);
    if(ctk_node_flow_urge_overdue(n, NULL, &sent))
      CTK_WARN("urge", "overdue scan failed");
    else if(sent)
      CTK_INFO("urge", "urged %d overdue orders", sent);
    pthread_mutex_lock(&n->wake_lock);
  }
  pthread_mutex_unlock(&n->wake_lock);
  return NULL;
}

ctk_code ctk_node_start(const ctk_node_config *cfg, ctk_node_engine **out, char *err,
                        size_t errlen)
{
  ctk_node_engine *n;
  ctk_http_server_config hc;
  ctk_code result;

  *out = NULL;
  if(errlen)
    err[0] = '\0';
  n = calloc(1, sizeof(*n));
  if(!n)
    return CTK_E_NOMEM;
  n->cfg = *cfg;
  pthread_mutex_init(&n->wake_lock, NULL);
  pthread_mutex_init(&n->refusal_lock, NULL);
  pthread_cond_init(&n->wake, NULL);
  pthread_cond_init(&n->outbox_wake, NULL);
  pthread_cond_init(&n->late_wake, NULL);
  if((n->cfg.tls_cert[0] != '\0') != (n->cfg.tls_key[0] != '\0')) {
    snprintf(err, errlen, "--tls-cert and --tls-key go together");
    ctk_node_stop(n);
    return CTK_E_INVAL;
  }
  result = load_all(n, err, errlen);
  if(result) {
    if(errlen && !err[0])
      snprintf(err, errlen, "cannot start: %s", ctk_strerror(result));
    ctk_node_stop(n);
    return result;
  }
  result = ctk_node_outbox_start(n);
  if(result) {
    snprintf(err, errlen, "cannot start the outbox workers");
    ctk_node_stop(n);
    return result;
  }
  if(ctk_node_answer_delay_ms(n) && ctk_node_late_start(n)) {
    snprintf(err, errlen, "cannot start the late-reply thread");
    ctk_node_stop(n);
    return CTK_E_INTERNAL;
  }
  if(n->self.level == CTK_LEVEL_PROVINCE && !ctk_node_fault(n, CTK_PF_missing_urge)) {
    if(pthread_create(&n->urger, NULL, urge_main, n) == 0)
      n->urger_running = 1;
  }
  memset(&hc, 0, sizeof(hc));
  hc.bind_addr = n->cfg.listen_addr;
  hc.port = n->cfg.port;
  hc.tls_cert_file = n->cfg.tls_cert[0] ? n->cfg.tls_cert : NULL;
  hc.tls_key_file = n->cfg.tls_key[0] ? n->cfg.tls_key : NULL;
  /* The profile's limit: a longer body is answered 413 with TOO_LARGE (ctk_receive), never
   * cut silently. */
  hc.max_body = ctk_receive_max_body(n->profile);
  hc.threads = n->cfg.http_threads;
  hc.max_connections = n->cfg.max_connections;
  hc.max_per_address = n->cfg.max_per_address;
  hc.request_timeout_s = n->cfg.request_timeout_s;
  hc.timeout_s = 30;
  result = ctk_http_server_start(&hc, node_http, n, &n->http);
  if(result) {
    snprintf(err, errlen, "cannot listen on %s:%d: %s", n->cfg.listen_addr, n->cfg.port,
             ctk_strerror(result));
    ctk_node_stop(n);
    return result;
  }
  result = write_port_file(n, err, errlen);
  if(result) {
    ctk_node_stop(n);
    return result;
  }
  CTK_INFO("node", "%s %s listening on %s:%d, %zu peers", ctk_level_name(n->self.level),
           n->self.region, n->cfg.listen_addr, ctk_http_server_port(n->http), n->n_peers);
  *out = n;
  return CTK_E_OK;
}

int ctk_node_port(const ctk_node_engine *n)
{
  return n && n->http ? ctk_http_server_port(n->http) : 0;
}

void ctk_node_stop(ctk_node_engine *n)
{
  int b;
  int e;

  if(!n)
    return;
  /* Stop taking requests first and let the running ones finish (late answers at once); then
   * the workers. */
  ctk_node_late_release(n);
  ctk_http_server_stop(n->http);
  n->http = NULL;
  pthread_mutex_lock(&n->wake_lock);
  n->stopping = 1;
  pthread_cond_broadcast(&n->wake);
  pthread_cond_broadcast(&n->outbox_wake);
  pthread_mutex_unlock(&n->wake_lock);
  ctk_node_late_stop(n);
  if(n->urger_running)
    pthread_join(n->urger, NULL);
  ctk_node_outbox_stop(n);
  ctk_store_close(n->store);
  ctk_auth_free(n->auth);
  ctk_calendar_free(n->calendar);
  ctk_region_free(n->regions);
  for(b = CTK_BIND_XML; b <= CTK_BIND_SOAP; b++) {
    size_t i;
    for(e = CTK_ENC_UTF8; e <= CTK_ENC_GBK; e++)
      ctk_msg_tpl_free(n->success_tpl[b][e]);
    for(i = 0; n->forward_tpl[b] && n->profile && i < n->profile->n_interfaces; i++)
      ctk_msg_tpl_free(n->forward_tpl[b][i]);
    free(n->forward_tpl[b]);
  }
  ctk_node_wsdl_free(n);
  ctk_profile_free(n->profile);
  /* The secret leaves memory with the engine. */
  memset(n->secret, 0, sizeof(n->secret));
  pthread_cond_destroy(&n->wake);
  pthread_cond_destroy(&n->outbox_wake);
  pthread_cond_destroy(&n->late_wake);
  pthread_mutex_destroy(&n->wake_lock);
  pthread_mutex_destroy(&n->refusal_lock);
  free(n);
}

ctk_store *ctk_node_store(ctk_node_engine *n)
{
  return n->store;
}

const ctk_profile *ctk_node_profile(const ctk_node_engine *n)
{
  return n->profile;
}

void ctk_node_outbox_kick(ctk_node_engine *n)
{
  /* one worker: it claims every due message (up to a batch); waking all of them made the
   * others claim nothing, each in a store unit of its own */
  pthread_mutex_lock(&n->wake_lock);
  n->outbox_kicks++;
  pthread_cond_signal(&n->outbox_wake);
  pthread_mutex_unlock(&n->wake_lock);
}

ctk_code ctk_node_outbox_drain(ctk_node_engine *n, unsigned timeout_ms)
{
  int64_t until = ctk_node_now_ms() + timeout_ms;
  for(;;) {
    ctk_outbox_counts c;
    ctk_code result = ctk_store_outbox_counts(n->store, &c);
    if(result)
      return result;
    if(c.pending == 0)
      return CTK_E_OK;
    if(ctk_node_now_ms() >= until)
      return CTK_E_TIMEOUT;
    usleep(20000);
  }
}

ctk_code ctk_node_urge_now(ctk_node_engine *n, const char *today, int *sent)
{
  return ctk_node_flow_urge_overdue(n, today, sent);
}
