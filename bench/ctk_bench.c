/* ctk_bench: ingest load generator and bare ceiling server.
 *
 * The client must cost far less than the server it measures, since both share two cores:
 * one message is built and encoded with the codec once, then each request is that template
 * with its fixed-width MsgId and OrderId overwritten in place. */
#include "ctk_bench.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctk_http.h"
#include "ctk_log.h"

#define BENCH_MSGID_LEN 32           /* "BENCH" + 27 digits */
#define BENCH_SAMPLES_MAX (1u << 20) /* latency samples kept per client thread */
#define BENCH_CLIENTS_MAX 256

typedef struct bench_template {
  ctk_buf bytes;
  size_t msgid_off;            /* offset of the MsgId value in bytes */
  size_t orderid_off;          /* offset of the OrderId value */
  char region[8];              /* region prefix of the OrderIds */
} bench_template;

typedef struct bench_shared {
  const ctk_bench_config *cfg;
  const bench_template *tpl;
  char url[600];
  char ok_tag[64];             /* "<Code>0000</Code>" */
  double start;                /* CLOCK_MONOTONIC seconds */
  atomic_ulong next;           /* next order index (0-based within this run) */
  atomic_ulong sent, ok, refused, failed;
  atomic_int stop;
  pthread_mutex_t lock;
  char first_refusal[256];
} bench_shared;

typedef struct bench_worker {
  bench_shared *sh;
  pthread_t thread;
  double *samples;             /* latency in ms */
  size_t n_samples;
} bench_worker;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
  double d = t - now_s();
  struct timespec ts;
  if(d <= 0)
    return;
  ts.tv_sec = (time_t)d;
  ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
  nanosleep(&ts, NULL);
}

/* Build one WorkOrderReport and remember where its ids sit in the encoded bytes. */
static ctk_code template_build(const ctk_bench_config *cfg, bench_template *tpl)
{
  ctk_msg *m = NULL;
  xmlNodePtr wo;
  xmlNodePtr caller;
  char msgid[BENCH_MSGID_LEN + 1];
  char orderid[32];
  char now[40];
  const char *hit;
  ctk_buf encoded;
  ctk_code result;

  result = ctk_msg_new_request(cfg->profile, "1001", &cfg->sender, &cfg->receiver, &m);
  if(result)
    return result;
  memset(msgid, '0', BENCH_MSGID_LEN);
  memcpy(msgid, "BENCH", 5);
  msgid[BENCH_MSGID_LEN] = '\0';
  ctk_strlcpy(tpl->region, cfg->sender.level == CTK_LEVEL_CITY ? cfg->sender.region : "360100",
              sizeof(tpl->region));
  snprintf(orderid, sizeof(orderid), "%s20260101000000", tpl->region);
  ctk_msg_now(now, sizeof(now));

  wo = ctk_xml_add(m->body, "WorkOrder", NULL);
  ctk_xml_add(wo, "OrderId", orderid);
  ctk_xml_add(wo, "AcceptTime", now);
  ctk_xml_add(wo, "AcceptRegion", tpl->region);
  ctk_xml_add(wo, "HandleRegion", tpl->region);
  ctk_xml_add(wo, "Channel", "01");
  ctk_xml_add(wo, "BusinessType", "2");
  ctk_xml_add(wo, "Domain", "01");
  caller = ctk_xml_add(wo, "Caller", NULL);
  ctk_xml_add(caller, "Phone", "13800138000");
  ctk_xml_add(wo, "Subject", "高速公路路况咨询");
  ctk_xml_add(wo, "Content", "来电咨询沪昆高速南昌段今日通行情况，已即时答复。");
  ctk_xml_add(wo, "Status", "02");
  ctk_xml_add(wo, "InstantAnswer", "true");

  ctk_buf_init(&encoded, (size_t)1024 * 1024);
  ctk_buf_init(&tpl->bytes, (size_t)1024 * 1024);
  result = ctk_msg_encode(cfg->profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &encoded);
  /* the codec's own MsgId varies in length: swap it for a fixed-width one we can stamp */
  hit = result ? NULL : strstr(ctk_buf_str(&encoded), m->head.msg_id);
  if(hit) {
    size_t at = (size_t)(hit - encoded.data);
    tpl->msgid_off = at;
    result = ctk_buf_add(&tpl->bytes, encoded.data, at);
    if(!result)
      result = ctk_buf_add(&tpl->bytes, msgid, BENCH_MSGID_LEN);
    if(!result)
      result = ctk_buf_adds(&tpl->bytes, hit + strlen(m->head.msg_id));
  }
  else if(!result)
    result = CTK_E_INTERNAL;
  ctk_buf_free(&encoded);
  ctk_msg_free(m);
  if(result)
    return result;
  hit = strstr(ctk_buf_str(&tpl->bytes), orderid);
  if(!hit)
    return CTK_E_INTERNAL;
  tpl->orderid_off = (size_t)(hit - tpl->bytes.data);
  return CTK_E_OK;
}

/* Order number seq → unique OrderId (region + date + 6-digit sequence: a new day every
 * million orders) and MsgId, written in place into a private copy of the template. */
static void template_stamp(const bench_template *tpl, char *bytes, unsigned long seq)
{
  char id[40];
  time_t day = (time_t)1767225600 + (time_t)(seq / 1000000UL) * 86400; /* 2026-01-01 UTC */
  struct tm tm;
  char date[16];

  gmtime_r(&day, &tm);
  strftime(date, sizeof(date), "%Y%m%d", &tm);
  snprintf(id, sizeof(id), "BENCH%027lu", seq);
  memcpy(bytes + tpl->msgid_off, id, BENCH_MSGID_LEN);
  snprintf(id, sizeof(id), "%.6s%.8s%06lu", tpl->region, date, seq % 1000000UL);
  memcpy(bytes + tpl->orderid_off, id, 20);
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

static void *worker_main(void *arg)
{
  bench_worker *w = arg;
  bench_shared *sh = w->sh;
  const ctk_bench_config *cfg = sh->cfg;
  ctk_http_client *client = ctk_http_client_new();
  char *bytes = malloc(sh->tpl->bytes.len + 1);
  ctk_http_reply reply;
  ctk_http_call call;

  if(!client || !bytes) {
    free(bytes);
    ctk_http_client_free(client);
    return NULL;
  }
  memcpy(bytes, sh->tpl->bytes.data, sh->tpl->bytes.len + 1);
  memset(&call, 0, sizeof(call));
  call.url = sh->url;
  call.content_type = "application/xml; charset=UTF-8";
  call.user = cfg->secret ? cfg->sender.region : NULL;
  call.password = cfg->secret;
  call.body = bytes;
  call.body_len = sh->tpl->bytes.len;
  call.timeout_ms = 10000;
  ctk_buf_init(&reply.body, (size_t)1024 * 1024);

  while(!atomic_load(&sh->stop)) {
    unsigned long i = atomic_fetch_add(&sh->next, 1);
    double scheduled;
    double t0;
    double done;
    ctk_code result;

    if(cfg->max_orders && i >= cfg->max_orders)
      break;
    t0 = now_s();
    if(t0 - sh->start >= cfg->duration_s)
      break;
    scheduled = t0;
    if(cfg->rate > 0) {
      /* open loop: latency counts from when the request was due, not when it left */
      scheduled = sh->start + (double)i / cfg->rate;
      sleep_until(scheduled);
    }
    template_stamp(sh->tpl, bytes, cfg->first_seq + i);
    ctk_buf_reset(&reply.body);
    result = ctk_http_post(client, &call, &reply);
    done = now_s();
    atomic_fetch_add(&sh->sent, 1);
    if(result || reply.status != 200) {
      atomic_fetch_add(&sh->failed, 1);
      continue;
    }
    if(strstr(ctk_buf_str(&reply.body), sh->ok_tag))
      atomic_fetch_add(&sh->ok, 1);
    else {
      atomic_fetch_add(&sh->refused, 1);
      note_refusal(sh, ctk_buf_str(&reply.body));
    }
    if(w->n_samples < BENCH_SAMPLES_MAX)
      w->samples[w->n_samples++] = (done - scheduled) * 1000.0;
  }
  ctk_buf_free(&reply.body);
  ctk_http_client_free(client);
  free(bytes);
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

static void summarise(bench_worker *workers, unsigned n, bench_shared *sh,
                      ctk_bench_result *out)
{
  size_t total = 0;
  size_t at = 0;
  double *all;
  unsigned i;

  for(i = 0; i < n; i++)
    total += workers[i].n_samples;
  all = malloc((total ? total : 1) * sizeof(double));
  if(all) {
    for(i = 0; i < n; i++) {
      memcpy(all + at, workers[i].samples, workers[i].n_samples * sizeof(double));
      at += workers[i].n_samples;
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

ctk_code ctk_bench_ingest(const ctk_bench_config *cfg, ctk_bench_result *out)
{
  bench_template tpl;
  bench_shared sh;
  bench_worker *workers;
  unsigned n = cfg->clients ? cfg->clients : 1;
  unsigned started = 0;
  unsigned i;
  int show = !cfg->quiet && isatty(STDERR_FILENO) && !getenv("CI");
  ctk_code result;

  memset(out, 0, sizeof(*out));
  if(n > BENCH_CLIENTS_MAX)
    return CTK_E_INVAL;
  memset(&tpl, 0, sizeof(tpl));
  result = template_build(cfg, &tpl);
  if(result) {
    ctk_buf_free(&tpl.bytes);
    return result;
  }
  memset(&sh, 0, sizeof(sh));
  sh.cfg = cfg;
  sh.tpl = &tpl;
  snprintf(sh.url, sizeof(sh.url), "%s/exchange", cfg->url);
  snprintf(sh.ok_tag, sizeof(sh.ok_tag), "<Code>%s</Code>", ctk_profile_rc(cfg->profile, "OK"));
  pthread_mutex_init(&sh.lock, NULL);
  workers = calloc(n, sizeof(*workers));
  if(!workers) {
    ctk_buf_free(&tpl.bytes);
    return CTK_E_NOMEM;
  }
  sh.start = now_s();
  for(i = 0; i < n; i++) {
    workers[i].sh = &sh;
    workers[i].samples = malloc(BENCH_SAMPLES_MAX * sizeof(double));
    if(!workers[i].samples || pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]))
      break;
    started++;
  }
  if(started < n)
    atomic_store(&sh.stop, 1);
  while(show && started == n) {
    double elapsed = now_s() - sh.start;
    unsigned long next = atomic_load(&sh.next);
    progress_line(&sh, elapsed);
    if(elapsed >= cfg->duration_s || (cfg->max_orders && next >= cfg->max_orders &&
                                      atomic_load(&sh.sent) >= cfg->max_orders))
      break;
    usleep(250000);
  }
  for(i = 0; i < started; i++)
    pthread_join(workers[i].thread, NULL);
  out->wall_s = now_s() - sh.start;
  if(show)
    fputc('\n', stderr);
  summarise(workers, started, &sh, out);
  for(i = 0; i < n; i++)
    free(workers[i].samples);
  free(workers);
  pthread_mutex_destroy(&sh.lock);
  ctk_buf_free(&tpl.bytes);
  return started == n ? CTK_E_OK : CTK_E_NOMEM;
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
  result = ctk_msg_new_request(p, "1001", &province, &ministry, &req);
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
                 "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"first_refusal\":\"",
                 name, r->sent, r->ok, r->refused, r->failed, r->wall_s, r->rate, r->p50_ms,
                 r->p90_ms, r->p99_ms, r->max_ms);
  ctk_buf_add_json_escaped(out, r->first_refusal, strlen(r->first_refusal));
  ctk_buf_adds(out, "\"}");
}
