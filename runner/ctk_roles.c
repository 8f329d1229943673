/* ctk_roles: files, child processes and relays of the counterpart roles of one run. */
#include "ctk_roles.h"

#include <sys/stat.h>

#include "ctk_ct_runid.h"
#include "ctk_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "ctk_auth.h"
#include "ctk_buf.h"

#define ROLES_GRACE_MS 3000
/* Agents of the queue machine beside a city SUT: enough that a conformance call never
 * waits long in the queue. */
#define ROLES_ACD_AGENTS 4

/* ---------- files ---------- */

static ctk_code roles_write(const char *path, const char *text, char *why, size_t whylen)
{
  FILE *f = fopen(path, "w");
  int bad;
  if(!f) {
    snprintf(why, whylen, "cannot write %s", path);
    return CTK_E_IO;
  }
  chmod(path, 0600);
  bad = fputs(text, f) < 0;
  bad |= fclose(f) != 0;
  if(bad) {
    snprintf(why, whylen, "cannot write %s", path);
    return CTK_E_IO;
  }
  return CTK_E_OK;
}

static ctk_code roles_cred_line(ctk_buf *b, const char *region, int level, const char *secret)
{
  char line[CTK_AUTH_LINE_MAX];
  ctk_code result = ctk_auth_make_line(region, level, secret, line, sizeof(line));
  if(!result)
    result = ctk_buf_printf(b, "%s\n", line);
  return result;
}

/* The peer province's first city: its region with 0100 (the capital's code in GB/T 2260). */
static void roles_peer_city(const char *peer_region, char out[8])
{
  snprintf(out, 8, "%.2s0100", peer_region);
}

/* One credentials.csv for every node of the run: each role checks whoever calls it. */
static ctk_code roles_credentials(ctk_roles *r, char *why, size_t whylen)
{
  const ctk_pixit *px = r->pixit;
  ctk_buf b;
  char path[600];
  size_t i;
  ctk_code result;

  ctk_buf_init(&b, 1024 * 1024);
  result = ctk_buf_adds(&b, "region,level,salt_hex,hash_hex\n");
  if(!result)
    result = roles_cred_line(&b, "100000", 1, px->ministry_secret);
  if(!result)
    result = roles_cred_line(&b, px->sut_region, 2, px->sut_secret);
  for(i = 0; !result && i < px->n_cities; i++)
    result = roles_cred_line(&b, px->cities[i], 3, px->city_secret);
  if(!result && px->peer_region[0]) {
    char peer_city[8];
    roles_peer_city(px->peer_region, peer_city);
    result = roles_cred_line(&b, px->peer_region, 2, r->peer_secret);
    if(!result)
      result = roles_cred_line(&b, peer_city, 3, px->city_secret);
  }
  if(!result) {
    snprintf(path, sizeof(path), "%s/credentials.csv", r->workdir);
    result = roles_write(path, ctk_buf_str(&b), why, whylen);
  }
  else
    snprintf(why, whylen, "cannot make credentials: %s", ctk_strerror(result));
  ctk_buf_free(&b);
  return result;
}

static ctk_code roles_secret_file(ctk_roles *r, const char *name, const char *secret, char *why,
                                  size_t whylen)
{
  char path[600];
  char text[CTK_PIXIT_SECRET_MAX + 2];
  snprintf(path, sizeof(path), "%s/%s.secret", r->workdir, name);
  snprintf(text, sizeof(text), "%s\n", secret);
  return roles_write(path, text, why, whylen);
}

/* Each run starts the reference roles on empty stores: no order survives from a former run. */
static void roles_fresh_data(ctk_roles *r, const char *name)
{
  static const char *const files[] = { "ctk.db", "ctk.db-wal", "ctk.db-shm", "ctk.db-journal" };
  char path[700];
  size_t i;
  for(i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s-data/%s", r->workdir, name, files[i]);
    remove(path);
  }
}

/* ---------- relays ---------- */

static ctk_code roles_relay(ctk_roles *r, const char *name, int port, ctk_relay **out,
                            char *why, size_t whylen)
{
  ctk_relay_config cfg;
  ctk_code result;
  memset(&cfg, 0, sizeof(cfg));
  cfg.name = name;
  cfg.profile = r->profile;
  cfg.port = port;
  /* Only the relay in front of the SUT talks to it, possibly over https. */
  cfg.ca_file = !strcmp(name, "sut-in") && r->pixit->tls_ca[0] ? r->pixit->tls_ca : NULL;
  result = ctk_relay_start(&cfg, out);
  if(result)
    snprintf(why, whylen, "cannot start the %s relay on port %d: %s", name, port,
             ctk_strerror(result));
  return result;
}

static void roles_url(char *out, size_t outlen, int port)
{
  snprintf(out, outlen, "http://127.0.0.1:%d", port);
}

/* ---------- children ---------- */

typedef struct roles_argv {
  char *v[CTK_PROC_ARGS_MAX];
  char store[CTK_PROC_ARGS_MAX][640];
  size_t n;
} roles_argv;

static void roles_arg(roles_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void roles_arg(roles_argv *a, const char *fmt, ...)
{
  va_list ap;
  if(a->n + 1 >= CTK_PROC_ARGS_MAX)
    return;
  va_start(ap, fmt);
  vsnprintf(a->store[a->n], sizeof(a->store[0]), fmt, ap);
  va_end(ap);
  a->v[a->n] = a->store[a->n];
  a->n++;
  a->v[a->n] = NULL;
}

/* Reference endpoints retry fast: a conformance run has seconds, not the production minutes. */
static void roles_node_timing(roles_argv *a)
{
  roles_arg(a, "--retry-initial-ms");
  roles_arg(a, "100");
  roles_arg(a, "--retry-max-ms");
  roles_arg(a, "500");
}

static ctk_code roles_spawn(ctk_roles *r, ctk_proc *p, const char *name, roles_argv *a,
                            int *port, char *why, size_t whylen)
{
  char log[600];
  char portfile[600];
  ctk_code result;
  snprintf(log, sizeof(log), "%s/%s.log", r->workdir, name);
  snprintf(portfile, sizeof(portfile), "%s/%s.port", r->workdir, name);
  remove(portfile);
  roles_arg(a, "--port-file");
  roles_arg(a, "%s", portfile);
  result = ctk_proc_start(p, name, a->v, log);
  if(result) {
    snprintf(why, whylen, "cannot start %s (%s)", name, r->ctk_bin);
    return result;
  }
  result = ctk_proc_wait_port(p, portfile, r->pixit->start_timeout_ms, port);
  if(result == CTK_E_TIMEOUT)
    snprintf(why, whylen, "%s did not publish its port within %ld ms (log: %s)", name,
             r->pixit->start_timeout_ms, log);
  else if(result)
    snprintf(why, whylen, "%s exited at start (log: %s)", name, log);
  return result;
}

/* peers.csv of a province: its ministry and its cities with their URLs. */
static ctk_code roles_peers(ctk_roles *r, const char *file, const char *ministry_url,
                            const char *const *cities, size_t n_cities, const char *city_url,
                            char *why, size_t whylen)
{
  ctk_buf b;
  char path[600];
  size_t i;
  ctk_code result;
  ctk_buf_init(&b, 256 * 1024);
  result = ctk_buf_printf(&b, "region,level,url\n100000,1,%s\n", ministry_url);
  /* ctk sim city answers each city under /city/<region>; the relay keeps the path. */
  for(i = 0; !result && i < n_cities; i++)
    result = ctk_buf_printf(&b, "%s,3,%s/city/%s\n", cities[i], city_url, cities[i]);
  snprintf(path, sizeof(path), "%s/%s", r->workdir, file);
  if(!result)
    result = roles_write(path, ctk_buf_str(&b), why, whylen);
  ctk_buf_free(&b);
  return result;
}

static ctk_code roles_start_ministry(ctk_roles *r, int fresh, char *why, size_t whylen)
{
  const ctk_pixit *px = r->pixit;
  roles_argv a;
  ctk_buf b;
  char path[600];
  char url[CTK_ROLES_URL_MAX];
  ctk_code result;

  ctk_buf_init(&b, 64 * 1024);
  roles_url(url, sizeof(url), ctk_relay_port(r->sut_in_relay));
  result = ctk_buf_printf(&b, "region,level,url\n%s,2,%s\n", px->sut_region, url);
  if(!result && r->peer_in_relay) {
    roles_url(url, sizeof(url), ctk_relay_port(r->peer_in_relay));
    result = ctk_buf_printf(&b, "%s,2,%s\n", px->peer_region, url);
  }
  snprintf(path, sizeof(path), "%s/ministry-peers.csv", r->workdir);
  if(!result)
    result = roles_write(path, ctk_buf_str(&b), why, whylen);
  ctk_buf_free(&b);
  if(result)
    return result;
  if(fresh)
    roles_fresh_data(r, "ministry");
  memset(&a, 0, sizeof(a));
  roles_arg(&a, "%s", r->ctk_bin);
  roles_arg(&a, "serve");
  roles_arg(&a, "ministry");
  roles_arg(&a, "--listen");
  roles_arg(&a, "127.0.0.1:0");
  roles_arg(&a, "--data");
  roles_arg(&a, "%s/ministry-data", r->workdir);
  roles_node_timing(&a);
  roles_arg(&a, "--credentials");
  roles_arg(&a, "%s/credentials.csv", r->workdir);
  roles_arg(&a, "--secret-file");
  roles_arg(&a, "%s/ministry.secret", r->workdir);
  roles_arg(&a, "--peers");
  roles_arg(&a, "%s", path);
  roles_arg(&a, "--profile");
  roles_arg(&a, "%s", r->profile->dir);
  result = roles_spawn(r, &r->ministry, "ministry", &a, &r->ministry_port, why, whylen);
  if(result)
    return result;
  roles_url(r->ministry_url, sizeof(r->ministry_url), r->ministry_port);
  ctk_relay_set_target(r->ministry_relay, r->ministry_url);
  return CTK_E_OK;
}

static ctk_code roles_start_province(ctk_roles *r, ctk_proc *p, const char *name,
                                     const char *region, const char *secret_name,
                                     const char *peers_file, const char *fault, int tls,
                                     int *port, char *why, size_t whylen)
{
  roles_argv a;
  roles_fresh_data(r, name);
  memset(&a, 0, sizeof(a));
  roles_arg(&a, "%s", r->ctk_bin);
  roles_arg(&a, "serve");
  roles_arg(&a, "province");
  roles_arg(&a, "--region");
  roles_arg(&a, "%s", region);
  roles_arg(&a, "--listen");
  roles_arg(&a, "127.0.0.1:0");
  roles_arg(&a, "--data");
  roles_arg(&a, "%s/%s-data", r->workdir, name);
  roles_node_timing(&a);
  /* Overdue scans every second, so an overdue order is urged within a test's time. */
  roles_arg(&a, "--urge-interval");
  roles_arg(&a, "1");
  roles_arg(&a, "--credentials");
  roles_arg(&a, "%s/credentials.csv", r->workdir);
  roles_arg(&a, "--secret-file");
  roles_arg(&a, "%s/%s.secret", r->workdir, secret_name);
  roles_arg(&a, "--peers");
  roles_arg(&a, "%s/%s", r->workdir, peers_file);
  roles_arg(&a, "--profile");
  roles_arg(&a, "%s", r->profile->dir);
  if(fault && *fault) {
    roles_arg(&a, "--fault");
    roles_arg(&a, "%s", fault);
  }
  if(tls && r->pixit->tls_cert[0]) {
    roles_arg(&a, "--tls-cert");
    roles_arg(&a, "%s", r->pixit->tls_cert);
    roles_arg(&a, "--tls-key");
    roles_arg(&a, "%s", r->pixit->tls_key);
  }
  return roles_spawn(r, p, name, &a, port, why, whylen);
}

static const char *const dock_families[CTK_PIXIT_DOCK_FAMILIES] = { "csta", "ami", "esl" };
/* the family's port option of ctk sim acd, and its key in the ready file */
static const char *const dock_port_opts[CTK_PIXIT_DOCK_FAMILIES] = {
  "--cti-port", "--ami-port", "--esl-port"
};
static const char *const dock_ready_keys[CTK_PIXIT_DOCK_FAMILIES] = {
  "cti_port", "ami_port", "esl_port"
};

const char *ctk_roles_dock_family(size_t i)
{
  return i < CTK_PIXIT_DOCK_FAMILIES ? dock_families[i] : "";
}

/* How the runner starts `ctk sim city`: always steered (--manual, no random arrivals), its
 * control port on loopback; the rest differs between a province run and a city run. */
typedef struct roles_city_sim {
  const char *province;        /* --province */
  const char *cities;          /* --cities, comma-separated */
  const char *upper;           /* --upper: where the cities report */
  const char *data_name;       /* data folder under the work dir */
  const char *secret_name;     /* secret file under the work dir */
  const char *credentials;     /* who may call the cities */
  int lenient;                 /* accept updates about orders the cities did not make */
  const char *cti_city;        /* --cti-city, or NULL */
  const char *dock;            /* --dock, or NULL */
  const char *misbehave;       /* a CTI misbehaviour for its first answered call, or NULL */
} roles_city_sim;

static ctk_code roles_spawn_city_sim(ctk_roles *r, const roles_city_sim *c, char *why,
                                     size_t whylen)
{
  roles_argv a;
  char cpf[600];
  int cport = 0;
  ctk_code result;

  snprintf(cpf, sizeof(cpf), "%s/cities.control-port", r->workdir);
  memset(&a, 0, sizeof(a));
  roles_arg(&a, "%s", r->ctk_bin);
  roles_arg(&a, "sim");
  roles_arg(&a, "city");
  roles_arg(&a, "--province");
  roles_arg(&a, "%s", c->province);
  roles_arg(&a, "--cities");
  roles_arg(&a, "%s", c->cities);
  roles_arg(&a, "--upper");
  roles_arg(&a, "%s", c->upper);
  roles_arg(&a, "--listen");
  roles_arg(&a, "127.0.0.1:0");
  roles_arg(&a, "--control");
  roles_arg(&a, "127.0.0.1:0");
  roles_arg(&a, "--control-port-file");
  roles_arg(&a, "%s", cpf);
  roles_arg(&a, "--data");
  roles_arg(&a, "%s/%s", r->workdir, c->data_name);
  roles_arg(&a, "--rate");
  roles_arg(&a, "0");
  roles_arg(&a, "--manual");
  if(c->lenient)
    roles_arg(&a, "--lenient");
  if(c->cti_city) {
    roles_arg(&a, "--cti-city");
    roles_arg(&a, "%s", c->cti_city);
  }
  if(c->dock && *c->dock) {
    roles_arg(&a, "--dock");
    roles_arg(&a, "%s", c->dock);
  }
  if(c->misbehave && *c->misbehave) {
    roles_arg(&a, "--misbehave");
    roles_arg(&a, "{\"action\":\"%s\",\"on\":\"cti\",\"count\":1}", c->misbehave);
  }
  roles_arg(&a, "--secret-file");
  roles_arg(&a, "%s/%s", r->workdir, c->secret_name);
  roles_arg(&a, "--credentials");
  roles_arg(&a, "%s", c->credentials);
  roles_arg(&a, "--profile");
  roles_arg(&a, "%s", r->profile->dir);
  result = roles_spawn(r, &r->cities, "cities", &a, &r->city_port, why, whylen);
  if(result)
    return result;
  result = ctk_proc_wait_port(&r->cities, cpf, r->pixit->start_timeout_ms, &cport);
  if(result) {
    snprintf(why, whylen, "the city simulator published no control port (log: %s)",
             r->cities.log_path);
    return result;
  }
  roles_url(r->city_control, sizeof(r->city_control), cport);
  /* the simulator's CTI intake is on its control port */
  snprintf(r->cti_webhook, sizeof(r->cti_webhook), "http://127.0.0.1:%d/cti", cport);
  return CTK_E_OK;
}

/* The simulators' orders are the run's too: each city's sequence starts at the run's
 * simulator band (ctk_ct_runid.h), so they never meet another run's orders at the SUT. */
static void roles_city_sequences(ctk_roles *r)
{
  char path[700], line[32];
  size_t i;
  int id = ctk_ct_run_id();
  if(id < 0)
    return;
  snprintf(path, sizeof(path), "%s/cities-data", r->workdir);
  mkdir(path, 0700);
  for(i = 0; i < r->pixit->n_cities; i++) {
    int n = snprintf(line, sizeof(line), "%u\n",
                     (unsigned)id * 1000u + CTK_CT_RUN_SIM_BASE - 1u);
    snprintf(path, sizeof(path), "%s/cities-data/%s.seq", r->workdir, r->pixit->cities[i]);
    ctk_file_write_atomic(path, line, (size_t)n, 0600);
  }
}

static ctk_code roles_start_cities(ctk_roles *r, char *why, size_t whylen)
{
  const ctk_pixit *px = r->pixit;
  roles_city_sim c;
  char credentials[600];
  char url[CTK_ROLES_URL_MAX];
  ctk_buf list;
  size_t i;
  ctk_code result;

  ctk_buf_init(&list, 4096);
  for(i = 0; i < px->n_cities; i++)
    ctk_buf_printf(&list, "%s%s", i ? "," : "", px->cities[i]);
  snprintf(credentials, sizeof(credentials), "%s/credentials.csv", r->workdir);
  memset(&c, 0, sizeof(c));
  c.province = px->sut_region;
  c.cities = ctk_buf_str(&list);
  c.upper = r->sut_url;
  c.data_name = "cities-data";
  c.secret_name = "cities.secret";
  c.credentials = credentials;
  /* the province-side tests speak for these cities themselves, so the simulator must accept
   * the updates the province passes down about orders it did not create (never when a city
   * is the system under test) */
  c.lenient = 1;
  roles_city_sequences(r);
  result = roles_spawn_city_sim(r, &c, why, whylen);
  ctk_buf_free(&list);
  if(result)
    return result;
  roles_url(url, sizeof(url), r->city_port);
  ctk_relay_set_target(r->city_relay, url);
  return CTK_E_OK;
}

/* The reference city system of a city self-test: the city simulator, steered through its
 * control API, reporting to the runner's province relay. Only its province may call it. */
static ctk_code roles_start_reference_city(ctk_roles *r, const char *province, char *why,
                                           size_t whylen)
{
  const ctk_pixit *px = r->pixit;
  char upper[CTK_ROLES_URL_MAX];
  ctk_buf b;
  char path[600];
  roles_city_sim c;
  ctk_code result;

  ctk_buf_init(&b, 4096);
  result = ctk_buf_adds(&b, "region,level,salt_hex,hash_hex\n");
  if(!result)
    result = roles_cred_line(&b, province, 2, px->province_secret);
  snprintf(path, sizeof(path), "%s/city-credentials.csv", r->workdir);
  if(!result)
    result = roles_write(path, ctk_buf_str(&b), why, whylen);
  ctk_buf_free(&b);
  if(!result)
    result = roles_secret_file(r, "city", px->sut_secret, why, whylen);
  if(result)
    return result;
  roles_url(upper, sizeof(upper), ctk_relay_port(r->province_relay));
  memset(&c, 0, sizeof(c));
  c.province = province;
  c.cities = px->sut_region;
  c.upper = upper;
  c.data_name = "city-data";
  c.secret_name = "city.secret";
  c.credentials = path;
  c.cti_city = px->sut_region;
  c.misbehave = px->fault[0] ? px->fault : NULL;
  {
    char dock[256] = "";
    size_t i, n = 0;
    for(i = 0; i < CTK_PIXIT_DOCK_FAMILIES; i++) {
      if(r->dock[i].control[0])
        n += (size_t)snprintf(dock + n, sizeof(dock) - n, "%s%s:127.0.0.1:%d", n ? "," : "",
                              dock_families[i], r->dock[i].cti_port);
    }
    c.dock = dock;
    result = roles_spawn_city_sim(r, &c, why, whylen);
  }
  if(result)
    return result;
  snprintf(r->sut_url, sizeof(r->sut_url), "http://127.0.0.1:%d/city/%s", r->city_port,
           px->sut_region);
  return CTK_E_OK;
}

/* The province above a city SUT: the reference province, so order states are kept and an
 * illegal step of the city is answered STATE. It knows the SUT city and the runner's second
 * city; its ministry and the second city are relays that answer OK. */
static ctk_code roles_start_city_province(ctk_roles *r, const char *province, char *why,
                                          size_t whylen)
{
  const ctk_pixit *px = r->pixit;
  char up[CTK_ROLES_URL_MAX];
  char other[CTK_ROLES_URL_MAX];
  char path[600];
  ctk_buf b;
  roles_argv a;
  ctk_code result;

  ctk_buf_init(&b, 64 * 1024);
  result = ctk_buf_adds(&b, "region,level,salt_hex,hash_hex\n");
  if(!result)
    result = roles_cred_line(&b, px->sut_region, 3, px->sut_secret);
  if(!result)
    result = roles_cred_line(&b, r->other_city, 3, r->other_city_secret);
  snprintf(path, sizeof(path), "%s/credentials.csv", r->workdir);
  if(!result)
    result = roles_write(path, ctk_buf_str(&b), why, whylen);
  roles_url(up, sizeof(up), ctk_relay_port(r->province_up_relay));
  roles_url(other, sizeof(other), ctk_relay_port(r->province_city_relay));
  if(!result) {
    ctk_buf_reset(&b);
    result = ctk_buf_printf(&b, "region,level,url\n100000,1,%s\n%s,3,%s\n%s,3,%s/city/%s\n",
                            up, px->sut_region, r->sut_url, r->other_city, other,
                            r->other_city);
  }
  snprintf(path, sizeof(path), "%s/province-peers.csv", r->workdir);
  if(!result)
    result = roles_write(path, ctk_buf_str(&b), why, whylen);
  ctk_buf_free(&b);
  if(!result)
    result = roles_secret_file(r, "province", px->province_secret, why, whylen);
  if(result)
    return result;
  roles_fresh_data(r, "province");
  memset(&a, 0, sizeof(a));
  roles_arg(&a, "%s", r->ctk_bin);
  roles_arg(&a, "serve");
  roles_arg(&a, "province");
  roles_arg(&a, "--region");
  roles_arg(&a, "%s", province);
  roles_arg(&a, "--listen");
  roles_arg(&a, "127.0.0.1:0");
  roles_arg(&a, "--data");
  roles_arg(&a, "%s/province-data", r->workdir);
  roles_node_timing(&a);
  roles_arg(&a, "--credentials");
  roles_arg(&a, "%s/credentials.csv", r->workdir);
  roles_arg(&a, "--secret-file");
  roles_arg(&a, "%s/province.secret", r->workdir);
  roles_arg(&a, "--peers");
  roles_arg(&a, "%s", path);
  roles_arg(&a, "--profile");
  roles_arg(&a, "%s", r->profile->dir);
  if(px->tls_ca[0]) {
    roles_arg(&a, "--peer-ca");
    roles_arg(&a, "%s", px->tls_ca);
  }
  result = roles_spawn(r, &r->province, "province", &a, &r->province_port, why, whylen);
  if(result)
    return result;
  roles_url(r->province_url, sizeof(r->province_url), r->province_port);
  ctk_relay_set_target(r->province_relay, r->province_url);
  return CTK_E_OK;
}

typedef struct acd_ready {
  const char *path;
  const char *cti_key;         /* the family's port in the ready file, NULL for none */
  int port;
  int cti_port;
} acd_ready;

static int acd_ready_read(void *ctx)
{
  acd_ready *ar = ctx;
  struct json_object *obj = json_object_from_file(ar->path);
  struct json_object *v = NULL;
  int port = 0;
  if(obj && json_object_object_get_ex(obj, "control_port", &v))
    port = json_object_get_int(v);
  if(obj && ar->cti_key && json_object_object_get_ex(obj, ar->cti_key, &v))
    ar->cti_port = json_object_get_int(v);
  json_object_put(obj);
  if(port <= 0 || port >= 65536)
    return 0;
  ar->port = port;
  return 1;
}

/* The arguments every queue machine of the run starts with: its SIP port (0: any free one), the
 * agents, a control port and the ready file. */
static void roles_acd_argv(ctk_roles *r, roles_argv *a, int sip_port, const char *ready)
{
  memset(a, 0, sizeof(*a));
  roles_arg(a, "%s", r->ctk_bin);
  roles_arg(a, "sim");
  roles_arg(a, "acd");
  roles_arg(a, "--port");
  roles_arg(a, "%d", sip_port > 0 ? sip_port : 0);
  roles_arg(a, "--agents");
  roles_arg(a, "%d", ROLES_ACD_AGENTS);
  roles_arg(a, "--control-port");
  roles_arg(a, "0");
  roles_arg(a, "--ready-file");
  roles_arg(a, "%s", ready);
}

/* Spawns the queue machine p (named name) with argv a, then reads its ready file: the control
 * URL into control, and when cti_key is not NULL that family's port into *cti_port. */
static ctk_code roles_acd_spawn(ctk_roles *r, ctk_proc *p, const char *name, roles_argv *a,
                                const char *ready, int *sip_port, const char *cti_key,
                                int *cti_port, char *control, size_t control_len, char *why,
                                size_t whylen)
{
  acd_ready ar;
  ctk_code result = roles_spawn(r, p, name, a, sip_port, why, whylen);
  if(result)
    return result;
  ar.path = ready;
  ar.cti_key = cti_key;
  ar.port = 0;
  ar.cti_port = 0;
  result = ctk_proc_wait_ready(p, r->pixit->start_timeout_ms, acd_ready_read, &ar);
  if(result || (cti_key && ar.cti_port <= 0)) {
    snprintf(why, whylen, "the queue machine %s wrote no ports to %s (log: %s)", name, ready,
             p->log_path);
    return result ? result : CTK_E_IO;
  }
  if(cti_port)
    *cti_port = ar.cti_port;
  roles_url(control, control_len, ar.port);
  return CTK_E_OK;
}

/* The queue machine of one family for the city to dock to (its own SIP port and control). */
static ctk_code roles_start_dock(ctk_roles *r, size_t i, int cti_port, char *why, size_t whylen)
{
  char ready[600], name[16];
  roles_argv a;

  snprintf(ready, sizeof(ready), "%s/dock-%s.ready", r->workdir, dock_families[i]);
  snprintf(name, sizeof(name), "dock-%s", dock_families[i]);
  remove(ready);
  roles_acd_argv(r, &a, r->dock[i].sip_port, ready);
  roles_arg(&a, "--cti");
  roles_arg(&a, "%s", dock_families[i]);
  roles_arg(&a, "%s", dock_port_opts[i]);
  roles_arg(&a, "%d", cti_port);
  return roles_acd_spawn(r, &r->dock[i].proc, name, &a, ready, &r->dock[i].sip_port,
                         dock_ready_keys[i], &r->dock[i].cti_port, r->dock[i].control,
                         sizeof(r->dock[i].control), why, whylen);
}

static ctk_code roles_start_docks(ctk_roles *r, char *why, size_t whylen)
{
  size_t i;
  for(i = 0; i < CTK_PIXIT_DOCK_FAMILIES; i++) {
    ctk_code result;
    if(r->pixit->dock_port[i] < 0)
      continue;
    result = roles_start_dock(r, i, r->pixit->dock_port[i], why, whylen);
    if(result)
      return result;
  }
  return CTK_E_OK;
}

ctk_code ctk_roles_dock_restart(ctk_roles *r, size_t i, char *why, size_t whylen)
{
  if(i >= CTK_PIXIT_DOCK_FAMILIES || !r->dock[i].control[0]) {
    snprintf(why, whylen, "no queue machine to restart");
    return CTK_E_INVAL;
  }
  ctk_proc_stop(&r->dock[i].proc, ROLES_GRACE_MS);
  r->dock[i].control[0] = '\0';
  /* the same SIP and CTI ports: the city reconnects where it docked */
  return roles_start_dock(r, i, r->dock[i].cti_port, why, whylen);
}

/* The queue machine beside the city: answered calls go to the city's CTI webhook. */
static ctk_code roles_start_acd(ctk_roles *r, char *why, size_t whylen)
{
  char ready[600];
  roles_argv a;

  snprintf(ready, sizeof(ready), "%s/acd.ready", r->workdir);
  remove(ready);
  roles_acd_argv(r, &a, 0, ready);
  roles_arg(&a, "--webhook");
  roles_arg(&a, "%s", r->cti_webhook);
  return roles_acd_spawn(r, &r->acd, "acd", &a, ready, &r->acd_sip_port, NULL, NULL,
                         r->acd_control, sizeof(r->acd_control), why, whylen);
}

/* A city SUT: the runner's province above it (relay, then the reference province), in
 * self-test the city simulator as the reference city system, and the queue machine beside
 * the city when it has a CTI webhook. */
static ctk_code roles_start_city_sut(ctk_roles *r, char *why, size_t whylen)
{
  const ctk_pixit *px = r->pixit;
  char province[8];
  ctk_code result;

  snprintf(province, sizeof(province), "%.2s0000", px->sut_region);
  snprintf(r->other_city, sizeof(r->other_city), "%.2s%s", px->sut_region,
           strcmp(px->sut_region + 2, "0100") ? "0100" : "0200");
  if(ctk_auth_generate_secret(r->other_city_secret, sizeof(r->other_city_secret))) {
    snprintf(why, whylen, "no random bytes for the second city's secret");
    return CTK_E_CRYPTO;
  }
  result = roles_relay(r, "province-link", px->province_port, &r->province_relay, why, whylen);
  if(!result)
    result = roles_relay(r, "province-up", 0, &r->province_up_relay, why, whylen);
  if(!result)
    result = roles_relay(r, "province-cities", 0, &r->province_city_relay, why, whylen);
  if(result)
    return result;
  /* the queue machines first: the reference city docks to them as it starts */
  result = roles_start_docks(r, why, whylen);
  if(!result && px->self_test)
    result = roles_start_reference_city(r, province, why, whylen);
  else if(!result) {
    ctk_strlcpy(r->sut_url, px->sut_url, sizeof(r->sut_url));
    ctk_strlcpy(r->cti_webhook, px->cti_webhook_url, sizeof(r->cti_webhook));
  }
  if(!result)
    result = roles_start_city_province(r, province, why, whylen);
  if(!result && r->cti_webhook[0])
    result = roles_start_acd(r, why, whylen);
  return result;
}

ctk_code ctk_roles_start(ctk_roles *r, const ctk_pixit *px, const ctk_profile *p,
                         const char *ctk_bin, const char *workdir, char *why, size_t whylen)
{
  const char *cities[CTK_PIXIT_CITIES_MAX];
  char url[CTK_ROLES_URL_MAX];
  size_t i;
  ctk_code result;

  memset(r, 0, sizeof(*r));
  r->pixit = px;
  r->profile = p;
  ctk_strlcpy(r->ctk_bin, ctk_bin, sizeof(r->ctk_bin));
  ctk_strlcpy(r->workdir, workdir, sizeof(r->workdir));
  if(!strcmp(px->sut_role, "city"))
    return roles_start_city_sut(r, why, whylen);
  if(px->peer_region[0] && ctk_auth_generate_secret(r->peer_secret, sizeof(r->peer_secret))) {
    snprintf(why, whylen, "no random bytes for the peer province's secret");
    return CTK_E_CRYPTO;
  }
  result = roles_credentials(r, why, whylen);
  if(!result)
    result = roles_secret_file(r, "ministry", px->ministry_secret, why, whylen);
  if(!result)
    result = roles_secret_file(r, "province", px->sut_secret, why, whylen);
  if(!result)
    result = roles_secret_file(r, "cities", px->city_secret, why, whylen);
  if(!result && px->peer_region[0])
    result = roles_secret_file(r, "peer", r->peer_secret, why, whylen);
  if(result)
    return result;

  /* Links out of the SUT: relays first, so every port is known before any role starts. An
   * external SUT is configured to call ministry.port and cities.port of the PIXIT. */
  result = roles_relay(r, "ministry-link", px->ministry_port, &r->ministry_relay, why, whylen);
  if(!result)
    result = roles_relay(r, "city-link", px->city_port, &r->city_relay, why, whylen);
  if(!result)
    result = roles_relay(r, "sut-in", 0, &r->sut_in_relay, why, whylen);
  if(!result && px->peer_region[0])
    result = roles_relay(r, "peer-in", 0, &r->peer_in_relay, why, whylen);
  if(!result && px->peer_region[0])
    result = roles_relay(r, "peer-cities", 0, &r->peer_city_relay, why, whylen);
  if(result)
    return result;

  result = roles_start_ministry(r, 1, why, whylen);
  if(result)
    return result;

  if(px->self_test) {
    char link[CTK_ROLES_URL_MAX];
    char city_url[CTK_ROLES_URL_MAX];
    for(i = 0; i < px->n_cities; i++)
      cities[i] = px->cities[i];
    roles_url(link, sizeof(link), ctk_relay_port(r->ministry_relay));
    roles_url(city_url, sizeof(city_url), ctk_relay_port(r->city_relay));
    result = roles_peers(r, "province-peers.csv", link, cities, px->n_cities, city_url, why,
                         whylen);
    if(!result)
      result = roles_start_province(r, &r->sut, "province", px->sut_region, "province",
                                    "province-peers.csv", px->fault, 1, &r->sut_port, why,
                                    whylen);
    if(result)
      return result;
    snprintf(r->sut_url, sizeof(r->sut_url), "%s://127.0.0.1:%d",
             px->tls_cert[0] ? "https" : "http", r->sut_port);
  }
  else
    ctk_strlcpy(r->sut_url, px->sut_url, sizeof(r->sut_url));
  ctk_relay_set_target(r->sut_in_relay, r->sut_url);

  if(px->peer_region[0]) {
    char peer_city[8];
    char peer_city_url[CTK_ROLES_URL_MAX];
    const char *peer_cities[1];
    roles_peer_city(px->peer_region, peer_city);
    peer_cities[0] = peer_city;
    roles_url(peer_city_url, sizeof(peer_city_url), ctk_relay_port(r->peer_city_relay));
    result = roles_peers(r, "peer-peers.csv", r->ministry_url, peer_cities, 1, peer_city_url,
                         why, whylen);
    if(!result)
      result = roles_start_province(r, &r->peer, "peer", px->peer_region, "peer",
                                    "peer-peers.csv", NULL, 0, &r->peer_port, why, whylen);
    if(result)
      return result;
    roles_url(r->peer_url, sizeof(r->peer_url), r->peer_port);
    ctk_relay_set_target(r->peer_in_relay, r->peer_url);
  }

  if(px->city_simulator) {
    result = roles_start_cities(r, why, whylen);
    if(result)
      return result;
  }
  roles_url(url, sizeof(url), ctk_relay_port(r->city_relay));
  ctk_strlcpy(r->city_url, url, sizeof(r->city_url));
  return CTK_E_OK;
}

void ctk_roles_stop(ctk_roles *r)
{
  size_t i;
  for(i = 0; i < CTK_PIXIT_DOCK_FAMILIES; i++)
    ctk_proc_stop(&r->dock[i].proc, ROLES_GRACE_MS);
  ctk_proc_stop(&r->acd, ROLES_GRACE_MS);
  ctk_proc_stop(&r->cities, ROLES_GRACE_MS);
  ctk_proc_stop(&r->province, ROLES_GRACE_MS);
  ctk_proc_stop(&r->peer, ROLES_GRACE_MS);
  ctk_proc_stop(&r->sut, ROLES_GRACE_MS);
  ctk_proc_stop(&r->ministry, ROLES_GRACE_MS);
  ctk_relay_stop(r->ministry_relay);
  ctk_relay_stop(r->city_relay);
  ctk_relay_stop(r->sut_in_relay);
  ctk_relay_stop(r->peer_in_relay);
  ctk_relay_stop(r->peer_city_relay);
  ctk_relay_stop(r->province_relay);
  ctk_relay_stop(r->province_up_relay);
  ctk_relay_stop(r->province_city_relay);
  r->province_relay = r->province_up_relay = r->province_city_relay = NULL;
  r->ministry_relay = r->city_relay = r->sut_in_relay = NULL;
  r->peer_in_relay = r->peer_city_relay = NULL;
}

ctk_code ctk_roles_ministry_link(ctk_roles *r, int up)
{
  char why[256];
  ctk_code result;
  if(!up) {
    /* The relay answers 503 while nothing listens behind it, as a gateway in front of a
     * stopped ministry would. */
    ctk_proc_stop(&r->ministry, ROLES_GRACE_MS);
    return CTK_E_OK;
  }
  result = roles_start_ministry(r, 0, why, sizeof(why));
  return result;
}
