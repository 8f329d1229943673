/* ctk_bench: ingest load generator and bare ceiling server.
 *
 * Requests are stamped from templates (ctk_bench_template), so the client costs far less than
 * the server it measures. Lanes that share a URL form a group (one endpoint, e.g. a province
 * and its cities); each group gets its own client connections, which take the group's orders
 * round-robin over its lanes. A single-target run is one group of one lane. Two threads drive
 * all the connections through libcurl's multi interface. */
#include "ctk_bench.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ctk_bench_template.h"
#include "ctk_http.h"
#include "ctk_log.h"

#define BENCH_SAMPLES_MAX (1u << 20) /* latency samples kept per loop thread */
#define BENCH_LANES_MAX 4096

typedef struct bench_group {
  const ctk_bench_lane *lanes; /* consecutive lanes with the same URL */
  const ctk_bench_template *tpl; /* one per lane */
  size_t n_lanes;
  unsigned long stride_max;    /* largest lane order count: the group's index range / n_lanes */
  char url[CTK_BENCH_URL_MAX + 16];
  atomic_ulong next;           /* next index: lane = index % n_lanes, seq = index / n_lanes */
} bench_group;

typedef struct bench_shared {
  const ctk_bench_config *cfg;
  bench_group *groups;
  size_t n_groups;
  int single;                  /* one target given by url/sender/receiver/max_orders */
  char ok_tag[2 * CTK_NAME_MAX + CTK_ID_MAX + 8]; /* the success code as its element */
  double start;                /* CLOCK_MONOTONIC seconds */
  atomic_ulong sent, ok, refused, failed;
  atomic_int stop;
  pthread_mutex_t lock;
  char first_refusal[256];
} bench_shared;

/* One client connection: a slot of a loop's multi handle, bound to one group. */
typedef struct bench_client {
  bench_group *group;
  char **bytes;                /* the client's own copy of each lane's template */
  ctk_http_call call;
  ctk_http_reply reply;
  int busy;                    /* a call is in flight */
  int waiting;                 /* open loop: holds an order not yet due */
  size_t lane;
  unsigned long seq;
  double scheduled;            /* when the order was due (latency counts from here) */
} bench_client;

/* One thread driving many clients through libcurl's multi interface: a load generator's
 * connections cost a file descriptor each, not a thread, and the two cores stay with the
 * server being measured. */
typedef struct bench_loop {
  bench_shared *sh;
  pthread_t thread;
  bench_client *clients;
  unsigned n_clients;
  double *samples;             /* latency in ms */
  size_t n_samples;
} bench_loop;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_refusal(bench_shared *sh, const char *answer)
{
  const char *code = strstr(answer, "<Code>");
  const char *text = strstr(answer, "<Text>");
  pthread_mutex_lock(&sh->lock);
  if(!sh->first_refusal[0])
    snprintf(sh->first_refusal, sizeof(sh->first_refusal), "%.16s %.200s", code ? code + 6 : "?",
             text ? text + 6 : answer);
  pthread_mutex_unlock(&sh->lock);
}

/* The next order of the worker's group: its lane and sequence number. 0 when the group has
 * nothing left. i is the group index (used for the open-loop schedule). */
static int next_order(bench_shared *sh, bench_group *g, size_t *lane, unsigned long *seq,
                      unsigned long *i)
{
  const ctk_bench_config *cfg = sh->cfg;
  for(;;) {
    unsigned long k = atomic_fetch_add(&g->next, 1);
    if(sh->single) {
      if(cfg->max_orders && k >= cfg->max_orders)
        return 0;
      *lane = 0;
      *seq = cfg->first_seq + k;
      *i = k;
      return 1;
    }
    if(k / g->n_lanes >= g->stride_max)
      return 0;
    if(k / g->n_lanes >= g->lanes[k % g->n_lanes].orders)
      continue;                /* this lane is done, its neighbours are not */
    *lane = k % g->n_lanes;
    *seq = cfg->first_seq + k / g->n_lanes;
    *i = k;
    return 1;
  }
}

static void client_free(bench_client *c)
{
  size_t l;
  for(l = 0; c->bytes && l < c->group->n_lanes; l++)
    free(c->bytes[l]);
  free(c->bytes);
  c->bytes = NULL;
  ctk_buf_free(&c->reply.body);
}

static int client_init(bench_client *c, bench_group *g)
{
  size_t l;

  memset(c, 0, sizeof(*c));
  c->group = g;
  ctk_buf_init(&c->reply.body, (size_t)1024 * 1024);
  c->bytes = calloc(g->n_lanes, sizeof(*c->bytes));
  if(!c->bytes)
    return 0;
  for(l = 0; l < g->n_lanes; l++) {
    c->bytes[l] = malloc(g->tpl[l].bytes.len + 1);
    if(!c->bytes[l])
      return 0;
    memcpy(c->bytes[l], g->tpl[l].bytes.data, g->tpl[l].bytes.len + 1);
  }
  c->call.url = g->url;
  c->call.content_type = "application/xml; charset=UTF-8";
  c->call.timeout_ms = 10000;
  return 1;
}

/* Give an idle client its next order; 0 when there is none (or the time is up). */
static int client_take(bench_loop *lp, bench_client *c, double now)
{
  bench_shared *sh = lp->sh;
  const ctk_bench_config *cfg = sh->cfg;
  unsigned long i;

  if(atomic_load(&sh->stop) || now - sh->start >= cfg->duration_s)
    return 0;
  if(!next_order(sh, c->group, &c->lane, &c->seq, &i))
    return 0;
  c->scheduled = now;
  /* open loop: latency counts from when the request was due, not when it left */
  if(cfg->rate > 0 && sh->single)
    c->scheduled = sh->start + (double)i / cfg->rate;
  c->waiting = 1;
  return 1;
}

static int client_send(bench_loop *lp, ctk_http_multi *m, unsigned slot)
{
  bench_client *c = &lp->clients[slot];
  const ctk_bench_lane *lane = &c->group->lanes[c->lane];

  ctk_bench_template_stamp(&c->group->tpl[c->lane], c->bytes[c->lane], c->seq, NULL);
  c->call.user = lane->secret ? lane->sender.region : NULL;
  c->call.password = lane->secret;
  c->call.body = c->bytes[c->lane];
  c->call.body_len = c->group->tpl[c->lane].bytes.len;
  c->waiting = 0;
  if(ctk_http_multi_post(m, slot, &c->call, &c->reply)) {
    atomic_fetch_add(&lp->sh->sent, 1);
    atomic_fetch_add(&lp->sh->failed, 1);
    return 0;
  }
  c->busy = 1;
  return 1;
}

static void client_done(bench_loop *lp, bench_client *c, ctk_code result, double now)
{
  bench_shared *sh = lp->sh;

  c->busy = 0;
  atomic_fetch_add(&sh->sent, 1);
  if(result || c->reply.status != 200) {
    atomic_fetch_add(&sh->failed, 1);
    return;
  }
  if(strstr(ctk_buf_str(&c->reply.body), sh->ok_tag))
    atomic_fetch_add(&sh->ok, 1);
  else {
    atomic_fetch_add(&sh->refused, 1);
    note_refusal(sh, ctk_buf_str(&c->reply.body));
  }
  if(lp->n_samples < BENCH_SAMPLES_MAX)
    lp->samples[lp->n_samples++] = (now - c->scheduled) * 1000.0;
}

static void *loop_main(void *arg)
{
  bench_loop *lp = arg;
  ctk_http_multi *m = ctk_http_multi_new(lp->n_clients);
  ctk_http_done *done = calloc(lp->n_clients, sizeof(*done));
  unsigned i;

  while(m && done) {
    double now = now_s();
    double next_due = now + 0.1;
    unsigned active = 0;
    int n;

    for(i = 0; i < lp->n_clients; i++) {
      bench_client *c = &lp->clients[i];
      if(!c->busy && !c->waiting)
        client_take(lp, c, now);
      if(c->waiting && c->scheduled <= now)
        client_send(lp, m, i);
      if(c->waiting && c->scheduled < next_due)
        next_due = c->scheduled;
      if(c->busy || c->waiting)
        active++;
    }
    if(!active)
      break;
    /* round the wait up: cut down to 0 ms, a request due in under a millisecond made the
     * loop spin until it was, taking a core from the server it measures */
    n = ctk_http_multi_run(m, (int)ceil((next_due - now) * 1000.0), done, lp->n_clients);
    if(n < 0)
      break;
    now = now_s();
    for(i = 0; i < (unsigned)n; i++)
      client_done(lp, &lp->clients[done[i].slot], done[i].result, now);
  }
  ctk_http_multi_free(m);
  free(done);
  return NULL;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;
  return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t n, double q)
{
  size_t k;
  if(!n)
    return 0;
  k = (size_t)ceil(q * (double)n);
  if(k < 1)
    k = 1;
  return sorted[k - 1];
}

static void summarise(bench_loop *loops, unsigned n, bench_shared *sh, ctk_bench_result *out)
{
  size_t total = 0;
  size_t at = 0;
  double *all;
  unsigned i;

  for(i = 0; i < n; i++)
    total += loops[i].n_samples;
  all = malloc((total ? total : 1) * sizeof(double));
  if(all) {
    for(i = 0; i < n; i++) {
      memcpy(all + at, loops[i].samples, loops[i].n_samples * sizeof(double));
      at += loops[i].n_samples;
    }
    qsort(all, total, sizeof(double), cmp_double);
    out->p50_ms = percentile(all, total, 0.50);
    out->p90_ms = percentile(all, total, 0.90);
    out->p99_ms = percentile(all, total, 0.99);
    out->max_ms = total ? all[total - 1] : 0;
    free(all);
  }
  out->sent = atomic_load(&sh->sent);
  out->ok = atomic_load(&sh->ok);
  out->refused = atomic_load(&sh->refused);
  out->failed = atomic_load(&sh->failed);
  out->rate = out->wall_s > 0 ? (double)out->ok / out->wall_s : 0;
  ctk_strlcpy(out->first_refusal, sh->first_refusal, sizeof(out->first_refusal));
}

static void progress_line(bench_shared *sh, double elapsed)
{
  fprintf(stderr, "\r  %6.1f s  sent %lu  ok %lu  refused %lu  failed %lu  (%.0f/s)   ",
          elapsed, atomic_load(&sh->sent), atomic_load(&sh->ok), atomic_load(&sh->refused),
          atomic_load(&sh->failed), elapsed > 0 ? (double)atomic_load(&sh->ok) / elapsed : 0);
}

/* Split the lanes into groups of consecutive lanes with the same URL and build templates. */
static ctk_code groups_build(const ctk_bench_config *cfg, const ctk_bench_lane *lanes,
                             size_t n_lanes, ctk_bench_template *tpls, bench_group *groups,
                             size_t *n_groups)
{
  size_t l;
  size_t g = 0;
  ctk_code result;

  for(l = 0; l < n_lanes; l++) {
    result = ctk_bench_template_build(cfg->profile, &lanes[l].sender, &lanes[l].receiver,
                                      &tpls[l]);
    if(result)
      return result;
    if(l == 0 || strcmp(lanes[l].url, lanes[l - 1].url)) {
      groups[g].lanes = &lanes[l];
      groups[g].tpl = &tpls[l];
      snprintf(groups[g].url, sizeof(groups[g].url), "%s%s", lanes[l].url,
               cfg->profile->xml_path);
      g++;
    }
    groups[g - 1].n_lanes++;
    if(lanes[l].orders > groups[g - 1].stride_max)
      groups[g - 1].stride_max = lanes[l].orders;
  }
  *n_groups = g;
  return CTK_E_OK;
}

static int all_sent(const ctk_bench_config *cfg, bench_shared *sh)
{
  size_t g;
  if(sh->single)
    return cfg->max_orders && atomic_load(&sh->sent) >= cfg->max_orders;
  for(g = 0; g < sh->n_groups; g++) {
    if(atomic_load(&sh->groups[g].next) / sh->groups[g].n_lanes < sh->groups[g].stride_max)
      return 0;
  }
  return 1;
}

/* CPU time (user + system) this process has used, in seconds. */
static double process_cpu_s(void)
{
  struct rusage ru;
  if(getrusage(RUSAGE_SELF, &ru))
    return 0;
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void loops_free(bench_loop *loops, unsigned n_loops, bench_client *clients,
                       unsigned n_clients)
{
  unsigned i;
  for(i = 0; clients && i < n_clients; i++)
    client_free(&clients[i]);
  free(clients);
  for(i = 0; loops && i < n_loops; i++)
    free(loops[i].samples);
  free(loops);
}

/* The connections a group gets: clients_per_lane for each of its lanes, or clients. */
static unsigned group_clients(const ctk_bench_config *cfg, const bench_group *g)
{
  if(cfg->clients_per_lane && !cfg->url)
    return cfg->clients_per_lane * (unsigned)g->n_lanes;
  return cfg->clients ? cfg->clients : 1;
}

/* All the connections in all, or 0 when they are more than the generator may open. */
static unsigned clients_count(const ctk_bench_config *cfg, const bench_shared *sh)
{
  unsigned long n = 0;
  size_t g;
  for(g = 0; g < sh->n_groups; g++)
    n += group_clients(cfg, &sh->groups[g]);
  return n > CTK_BENCH_CLIENTS_MAX ? 0 : (unsigned)n;
}

/* The n clients of the groups, the next group's after the previous one's in turn (so the
 * loops share each group's connections), and the loops that drive them (clients of loop k are
 * consecutive, so each loop's multi handle has its own slots). */
static ctk_code loops_build(bench_shared *sh, unsigned n, bench_loop **loops_out,
                            unsigned *n_loops_out, bench_client **clients_out)
{
  unsigned n_loops = n < CTK_BENCH_LOOPS ? n : CTK_BENCH_LOOPS;
  bench_loop *loops = calloc(n_loops, sizeof(*loops));
  bench_client *clients = calloc(n, sizeof(*clients));
  unsigned *left = calloc(sh->n_groups, sizeof(*left));
  unsigned i = 0;
  unsigned at = 0;
  size_t g;

  *loops_out = loops;
  *n_loops_out = n_loops;
  *clients_out = clients;
  if(!loops || !clients || !left) {
    free(left);
    return CTK_E_NOMEM;
  }
  for(g = 0; g < sh->n_groups; g++)
    left[g] = group_clients(sh->cfg, &sh->groups[g]);
  /* round-robin over the groups that still want connections */
  for(g = 0; i < n; g = (g + 1) % sh->n_groups) {
    if(!left[g])
      continue;
    left[g]--;
    if(!client_init(&clients[i++], &sh->groups[g])) {
      free(left);
      return CTK_E_NOMEM;
    }
  }
  free(left);
  for(i = 0; i < n_loops; i++) {
    loops[i].sh = sh;
    loops[i].clients = clients + at;
    loops[i].n_clients = n / n_loops + (i < n % n_loops);
    at += loops[i].n_clients;
    loops[i].samples = malloc(BENCH_SAMPLES_MAX * sizeof(double));
    if(!loops[i].samples)
      return CTK_E_NOMEM;
  }
  return CTK_E_OK;
}

ctk_code ctk_bench_ingest(const ctk_bench_config *cfg, ctk_bench_result *out)
{
  ctk_bench_lane one;
  const ctk_bench_lane *lanes = cfg->lanes;
  size_t n_lanes = cfg->n_lanes;
  ctk_bench_template *tpls = NULL;
  bench_group *groups = NULL;
  bench_shared sh;
  bench_loop *loops = NULL;
  bench_client *clients = NULL;
  unsigned n = 0;
  unsigned n_loops = 0;
  unsigned started = 0;
  unsigned i;
  size_t l;
  int show = !cfg->quiet && isatty(STDERR_FILENO) && !getenv("CI");
  ctk_code result;

  memset(out, 0, sizeof(*out));
  memset(&sh, 0, sizeof(sh));
  if(!n_lanes) {
    memset(&one, 0, sizeof(one));
    snprintf(one.url, sizeof(one.url), "%s", cfg->url ? cfg->url : "");
    one.sender = cfg->sender;
    one.receiver = cfg->receiver;
    one.secret = cfg->secret;
    one.orders = 1;
    lanes = &one;
    n_lanes = 1;
    sh.single = 1;
  }
  if(n_lanes > BENCH_LANES_MAX)
    return CTK_E_INVAL;
  tpls = calloc(n_lanes, sizeof(*tpls));
  groups = calloc(n_lanes, sizeof(*groups));
  if(!tpls || !groups) {
    free(tpls);
    free(groups);
    return CTK_E_NOMEM;
  }
  sh.cfg = cfg;
  sh.groups = groups;
  result = groups_build(cfg, lanes, n_lanes, tpls, groups, &sh.n_groups);
  if(!result) {
    n = clients_count(cfg, &sh);
    if(!n)
      result = CTK_E_INVAL;
  }
  if(!result) {
    ctk_http_allow_files(n + 64);
    result = loops_build(&sh, n, &loops, &n_loops, &clients);
  }
  if(result) {
    loops_free(loops, n_loops, clients, n);
    for(l = 0; l < n_lanes; l++)
      ctk_bench_template_free(&tpls[l]);
    free(tpls);
    free(groups);
    return result;
  }
  snprintf(sh.ok_tag, sizeof(sh.ok_tag), "<%s>%s</%s>", ctk_el(cfg->profile, CTK_EL_RESULT_CODE),
           ctk_profile_rc(cfg->profile, "OK"), ctk_el(cfg->profile, CTK_EL_RESULT_CODE));
  pthread_mutex_init(&sh.lock, NULL);
  sh.start = now_s();
  out->cpu_s = process_cpu_s();
  for(i = 0; i < n_loops; i++) {
    if(pthread_create(&loops[i].thread, NULL, loop_main, &loops[i]))
      break;
    started++;
  }
  if(started < n_loops)
    atomic_store(&sh.stop, 1);
  while(show && started == n_loops) {
    double elapsed = now_s() - sh.start;
    progress_line(&sh, elapsed);
    if(elapsed >= cfg->duration_s || all_sent(cfg, &sh))
      break;
    usleep(250000);
  }
  for(i = 0; i < started; i++)
    pthread_join(loops[i].thread, NULL);
  out->wall_s = now_s() - sh.start;
  out->cpu_s = process_cpu_s() - out->cpu_s;
  if(show)
    fputc('\n', stderr);
  summarise(loops, started, &sh, out);
  loops_free(loops, n_loops, clients, n);
  pthread_mutex_destroy(&sh.lock);
  for(l = 0; l < n_lanes; l++)
    ctk_bench_template_free(&tpls[l]);
  free(tpls);
  free(groups);
  return started == n_loops ? CTK_E_OK : CTK_E_NOMEM;
}

/* ---------- the bare ceiling ---------- */

struct ctk_bench_bare {
  ctk_http_server *server;
  ctk_buf answer;
};

static int bare_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp)
{
  ctk_bench_bare *b = ctx;
  (void)req;
  return ctk_buf_add(&resp->body, b->answer.data, b->answer.len) ? 1 : 0;
}

ctk_code ctk_bench_bare_start(const ctk_profile *p, unsigned threads, ctk_bench_bare **out,
                              int *port)
{
  ctk_bench_bare *b = calloc(1, sizeof(*b));
  ctk_node ministry = { "100000", CTK_LEVEL_MINISTRY };
  ctk_node province = { "360000", CTK_LEVEL_PROVINCE };
  ctk_http_server_config cfg;
  ctk_outcome ok;
  ctk_msg *req = NULL;
  ctk_msg *ans = NULL;
  ctk_code result;

  *out = NULL;
  if(!b)
    return CTK_E_NOMEM;
  ctk_buf_init(&b->answer, (size_t)64 * 1024);
  result = ctk_msg_new_request(p, ctk_profile_iface_code(p, CTK_IF_REPORT), &province, &ministry,
                               &req);
  if(!result) {
    memset(&ok, 0, sizeof(ok));
    ctk_outcome_set(&ok, p, "OK", "", "", "accepted");
    result = ctk_msg_new_answer(p, req, &ok, 0, &ans);
  }
  if(!result)
    result = ctk_msg_encode(p, ans, CTK_BIND_XML, CTK_ENC_UTF8, &b->answer);
  ctk_msg_free(req);
  ctk_msg_free(ans);
  if(!result) {
    memset(&cfg, 0, sizeof(cfg));
    cfg.bind_addr = "127.0.0.1";
    cfg.max_body = (size_t)1024 * 1024;
    cfg.threads = threads ? threads : 4;
    result = ctk_http_server_start(&cfg, bare_handler, b, &b->server);
  }
  if(result) {
    ctk_bench_bare_stop(b);
    return result;
  }
  *port = ctk_http_server_port(b->server);
  *out = b;
  return CTK_E_OK;
}

ctk_http_server *ctk_bench_bare_server(ctk_bench_bare *b)
{
  return b ? b->server : NULL;
}

void ctk_bench_bare_stop(ctk_bench_bare *b)
{
  if(!b)
    return;
  ctk_http_server_stop(b->server);
  ctk_buf_free(&b->answer);
  free(b);
}

void ctk_bench_result_json(const char *name, const ctk_bench_result *r, ctk_buf *out)
{
  ctk_buf_printf(out,
                 "{\"name\":\"%s\",\"sent\":%lu,\"ok\":%lu,\"refused\":%lu,\"failed\":%lu,"
                 "\"wall_s\":%.3f,\"rate\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
                 "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"cpu_s\":%.3f,\"first_refusal\":\"",
                 name, r->sent, r->ok, r->refused, r->failed, r->wall_s, r->rate, r->p50_ms,
                 r->p90_ms, r->p99_ms, r->max_ms, r->cpu_s);
  ctk_buf_add_json_escaped(out, r->first_refusal, strlen(r->first_refusal));
  ctk_buf_adds(out, "\"}");
}
