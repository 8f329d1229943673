/* cmd_bench: the `ctk bench` command — ingest load against an endpoint, many endpoints (national
 * day) or the bare ceiling; preloading and counting a store for the growth benchmark. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_bench.h"
#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_csv.h"
#include "ctk_http.h"
#include "ctk_store.h"

static const char bench_usage[] =
  "usage: ctk bench ingest (--url URL | --bare) [options]\n"
  "       ctk bench bare [--threads N] [--port-file F]\n"
  "       ctk bench national --plan FILE --orders N [--secret-file F]\n"
  "                              [--clients N | --clients-per-lane N] [--json]\n"
  "       ctk bench preload --data DIR --orders N [--batch N]\n"
  "       ctk bench count --data DIR [--outbox]\n"
  "\n"
  "ingest: report work orders (1001) as fast as possible, or at --rate, and print\n"
  "        throughput and latency percentiles (open loop when --rate is given).\n"
  "  --url URL            endpoint base URL (/exchange is appended)\n"
  "  --bare               start a bare fixed-reply server in-process and load it (the ceiling)\n"
  "  --sender R:L         sender region and level (default 360000:2, a province)\n"
  "  --receiver R:L       receiver (default 100000:1, the ministry)\n"
  "  --secret-file F      the sender's secret (HTTP Basic)\n"
  "  --clients N          keep-alive connections, driven by two threads (default 8)\n"
  "  --duration S         seconds (default 10)\n"
  "  --orders N           stop after N orders\n"
  "  --rate R             open-loop target orders/s (default: closed loop, flat out)\n"
  "  --first-seq N        first order sequence number (default 0)\n"
  "  --profile DIR        profile directory\n"
  "  --name NAME          name in the JSON line (default ingest)\n"
  "  --json               print one JSON line instead of text\n"
  "bare: serve the fixed reply on 127.0.0.1 until SIGINT/SIGTERM.\n"
  "national: N orders spread evenly over the lanes of a plan (CSV: url,sender,receiver with\n"
  "        nodes as REGION:LEVEL, e.g. each city to its province); --clients connections per\n"
  "        url (default 2), or --clients-per-lane N for each lane of a url (each city its\n"
  "        own); every sender uses the --secret-file secret.\n"
  "preload: write N orders into DIR/ctk.db as the ministry stores reports of province 360000\n"
  "        (sequence 0..N-1: ingest afterwards with --first-seq N).\n"
  "count: print the number of orders in DIR/ctk.db (read-only; the node may be running);\n"
  "        with --outbox, the number of outbox rows still pending instead.\n";

#define BENCH_CMD "ctk bench"
#define BENCH_SECONDS_MAX 604800.0        /* a week */
#define BENCH_ORDERS_MAX 1000000000000L   /* far beyond any run; keeps OrderIds within 19 digits */
#define BENCH_RATE_MAX 10000000.0

static volatile sig_atomic_t bench_stop;

static void on_signal(int sig)
{
  (void)sig;
  bench_stop = 1;
}

static int parse_node(const char *s, ctk_node *n)
{
  const char *colon = strchr(s, ':');
  if(!colon || colon - s != 6)
    return -1;
  memcpy(n->region, s, 6);
  n->region[6] = '\0';
  n->level = ctk_level_parse(colon + 1);
  return n->level == CTK_LEVEL_NONE ? -1 : 0;
}

static int read_secret(const char *path, char *out, size_t outlen)
{
  FILE *f = fopen(path, "r");
  size_t n;
  if(!f) {
    fprintf(stderr, "ctk bench: cannot read a secret from %s\n", path);
    return -1;
  }
  n = fread(out, 1, outlen - 1, f);
  fclose(f);
  out[n] = '\0';
  while(n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
    out[--n] = '\0';
  if(!n)
    fprintf(stderr, "ctk bench: %s holds no secret\n", path);
  return n ? 0 : -1;
}

/* The integer options the sub-commands share, into *out (an unsigned of the caller's type). */
static int bench_whole(const char *opt, const char *text, long min, long max, unsigned long *out)
{
  long v;
  if(ctk_cli_long(BENCH_CMD, opt, text, min, max, &v))
    return -1;
  *out = (unsigned long)v;
  return 0;
}

static int bench_clients(const char *opt, const char *text, long min, unsigned *out)
{
  unsigned long v;
  if(bench_whole(opt, text, min, CTK_BENCH_CLIENTS_MAX, &v))
    return -1;
  *out = (unsigned)v;
  return 0;
}

static int run_bare(int argc, char **argv, const ctk_profile *p)
{
  static const struct option opts[] = {
    { "threads", required_argument, NULL, 't' },
    { "port-file", required_argument, NULL, 'P' },
    { NULL, 0, NULL, 0 }
  };
  unsigned threads = 4;
  const char *port_file = NULL;
  ctk_bench_bare *bare = NULL;
  unsigned long v;
  int port = 0;
  int c;

  while((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if(c == 't') {
      if(bench_whole("--threads", optarg, 1, 64, &v))
        return CTK_EXIT_USAGE;
      threads = (unsigned)v;
    }
    else if(c == 'P')
      port_file = optarg;
    else
      return ctk_cli_getopt_error("ctk bench bare", argc, argv);
  }
  if(ctk_bench_bare_start(p, threads, &bare, &port)) {
    fputs("ctk bench bare: cannot start the server\n", stderr);
    return CTK_EXIT_ERROR;
  }
  if(port_file) {
    FILE *f = fopen(port_file, "w");
    if(f) {
      fprintf(f, "%d\n", port);
      fclose(f);
    }
  }
  printf("bare ceiling server on 127.0.0.1:%d\n", port);
  fflush(stdout);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while(!bench_stop)
    pause();
  ctk_bench_bare_stop(bare);
  return CTK_EXIT_OK;
}

static int print_result(const char *name, const ctk_bench_result *res, int json)
{
  if(json) {
    ctk_buf line;
    ctk_buf_init(&line, 4096);
    ctk_bench_result_json(name, res, &line);
    puts(ctk_buf_str(&line));
    ctk_buf_free(&line);
  }
  else {
    printf("%s: %lu ok, %lu refused, %lu failed in %.2f s = %.0f orders/s\n", name, res->ok,
           res->refused, res->failed, res->wall_s, res->rate);
    printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", res->p50_ms, res->p90_ms,
           res->p99_ms, res->max_ms);
    if(res->first_refusal[0])
      printf("first refusal: %s\n", res->first_refusal);
  }
  return (res->refused || res->failed || !res->ok) ? CTK_EXIT_FAIL : CTK_EXIT_OK;
}

/* An option ingest and national share: CTK_EXIT_OK when c was one and is taken, an exit status
 * after saying what is wrong, or -1 when c is none of them. */
static int shared_option(int c, ctk_bench_config *cfg, const char **name, int *json,
                         char *secret, size_t secret_len)
{
  switch(c) {
  case 'S':
    return read_secret(optarg, secret, secret_len) ? CTK_EXIT_ERROR : CTK_EXIT_OK;
  case 'c':
    return bench_clients("--clients", optarg, 1, &cfg->clients) ? CTK_EXIT_USAGE : CTK_EXIT_OK;
  case 'd':
    return ctk_cli_double(BENCH_CMD, "--duration", optarg, 0.001, BENCH_SECONDS_MAX,
                          &cfg->duration_s) ? CTK_EXIT_USAGE : CTK_EXIT_OK;
  case 'f':
    return bench_whole("--first-seq", optarg, 0, BENCH_ORDERS_MAX, &cfg->first_seq)
           ? CTK_EXIT_USAGE : CTK_EXIT_OK;
  case 'N':
    *name = optarg;
    return CTK_EXIT_OK;
  case 'j':
    *json = 1;
    return CTK_EXIT_OK;
  default:
    return -1;
  }
}

static int run_ingest(int argc, char **argv, const ctk_profile *p)
{
  static const struct option opts[] = {
    { "url", required_argument, NULL, 'u' },
    { "bare", no_argument, NULL, 'b' },
    { "sender", required_argument, NULL, 's' },
    { "receiver", required_argument, NULL, 'r' },
    { "secret-file", required_argument, NULL, 'S' },
    { "clients", required_argument, NULL, 'c' },
    { "duration", required_argument, NULL, 'd' },
    { "orders", required_argument, NULL, 'n' },
    { "rate", required_argument, NULL, 'R' },
    { "first-seq", required_argument, NULL, 'f' },
    { "name", required_argument, NULL, 'N' },
    { "json", no_argument, NULL, 'j' },
    { NULL, 0, NULL, 0 }
  };
  ctk_bench_config cfg;
  ctk_bench_result res;
  ctk_bench_bare *bare = NULL;
  char url[512] = "";
  char secret[256] = "";
  const char *name = "ingest";
  int use_bare = 0;
  int json = 0;
  int c, taken;
  ctk_code result;

  memset(&cfg, 0, sizeof(cfg));
  cfg.profile = p;
  parse_node("360000:2", &cfg.sender);
  parse_node("100000:1", &cfg.receiver);
  cfg.clients = 8;
  cfg.duration_s = 10;
  while((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    taken = shared_option(c, &cfg, &name, &json, secret, sizeof(secret));
    if(taken >= 0) {
      if(taken != CTK_EXIT_OK)
        return taken;
      continue;
    }
    switch(c) {
    case 'u': snprintf(url, sizeof(url), "%s", optarg); break;
    case 'b': use_bare = 1; break;
    case 's':
      if(parse_node(optarg, &cfg.sender))
        return ctk_cli_usage_error(BENCH_CMD, NULL, "--sender wants REGION:LEVEL, got '%s'",
                                   optarg);
      break;
    case 'r':
      if(parse_node(optarg, &cfg.receiver))
        return ctk_cli_usage_error(BENCH_CMD, NULL, "--receiver wants REGION:LEVEL, got '%s'",
                                   optarg);
      break;
    case 'n':
      if(bench_whole("--orders", optarg, 0, BENCH_ORDERS_MAX, &cfg.max_orders))
        return CTK_EXIT_USAGE;
      break;
    case 'R':
      if(ctk_cli_double(BENCH_CMD, "--rate", optarg, 0, BENCH_RATE_MAX, &cfg.rate))
        return CTK_EXIT_USAGE;
      break;
    default: return ctk_cli_getopt_error("ctk bench ingest", argc, argv);
    }
  }
  cfg.secret = secret[0] ? secret : NULL;
  if(!use_bare && !url[0])
    return ctk_cli_usage_error("ctk bench ingest", NULL, "give --url URL or --bare");
  if(use_bare) {
    int port = 0;
    if(ctk_bench_bare_start(p, 4, &bare, &port)) {
      fputs("ctk bench: cannot start the bare server\n", stderr);
      return CTK_EXIT_ERROR;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
  }
  cfg.url = url;
  cfg.quiet = json;
  result = ctk_bench_ingest(&cfg, &res);
  ctk_bench_bare_stop(bare);
  if(result) {
    fprintf(stderr, "ctk bench: %s\n", ctk_strerror(result));
    return CTK_EXIT_ERROR;
  }
  return print_result(name, &res, json);
}

#define PLAN_LANES_MAX 4096

/* The plan: a header url,sender,receiver, then one lane a row. */
static ctk_code plan_load(const char *path, ctk_bench_lane *lanes, size_t *n, char *err,
                          size_t errlen)
{
  static const char *const cols[] = { "url", "sender", "receiver" };
  ctk_csv csv;
  int idx[3];
  int more;
  ctk_code result;

  *n = 0;
  result = ctk_csv_open_reporting(&csv, path, err, errlen);
  if(result)
    return result;
  result = ctk_csv_header(&csv, cols, 3, idx);
  if(result) {
    ctk_csv_error(err, errlen, path, csv.record_line, "bad header", csv.error);
    ctk_csv_close(&csv);
    return result;
  }
  while((more = ctk_csv_next(&csv)) == 1) {
    ctk_bench_lane *l = &lanes[*n];
    if(*n >= PLAN_LANES_MAX || csv.n_fields < 3) {
      result = ctk_csv_error(err, errlen, path, csv.record_line,
                             *n >= PLAN_LANES_MAX ? "too many lanes" : "missing fields", NULL);
      break;
    }
    memset(l, 0, sizeof(*l));
    if(ctk_strlcpy(l->url, csv.fields[idx[0]], sizeof(l->url)) ||
       parse_node(csv.fields[idx[1]], &l->sender) || parse_node(csv.fields[idx[2]], &l->receiver)) {
      result = ctk_csv_error(err, errlen, path, csv.record_line,
                             "want url,REGION:LEVEL,REGION:LEVEL", NULL);
      break;
    }
    (*n)++;
  }
  if(!result && more < 0)
    result = ctk_csv_error(err, errlen, path, csv.record_line, "syntax", csv.error);
  ctk_csv_close(&csv);
  return result;
}

static int run_national(int argc, char **argv, const ctk_profile *p)
{
  static const struct option opts[] = {
    { "plan", required_argument, NULL, 'p' },
    { "secret-file", required_argument, NULL, 'S' },
    { "orders", required_argument, NULL, 'n' },
    { "clients", required_argument, NULL, 'c' },
    { "clients-per-lane", required_argument, NULL, 'l' },
    { "duration", required_argument, NULL, 'd' },
    { "first-seq", required_argument, NULL, 'f' },
    { "name", required_argument, NULL, 'N' },
    { "json", no_argument, NULL, 'j' },
    { NULL, 0, NULL, 0 }
  };
  ctk_bench_config cfg;
  ctk_bench_result res;
  ctk_bench_lane *lanes;
  size_t n_lanes = 0;
  char err[512] = "";
  const char *plan = NULL;
  const char *name = "national";
  char secret[256] = "";
  unsigned long orders = 0;
  int json = 0;
  int c, taken;
  size_t i;
  ctk_code result;

  memset(&cfg, 0, sizeof(cfg));
  cfg.profile = p;
  cfg.clients = 2;
  cfg.duration_s = 600;
  while((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    taken = shared_option(c, &cfg, &name, &json, secret, sizeof(secret));
    if(taken >= 0) {
      if(taken != CTK_EXIT_OK)
        return taken;
      continue;
    }
    switch(c) {
    case 'p': plan = optarg; break;
    case 'n':
      if(bench_whole("--orders", optarg, 1, BENCH_ORDERS_MAX, &orders))
        return CTK_EXIT_USAGE;
      break;
    case 'l':
      if(bench_clients("--clients-per-lane", optarg, 0, &cfg.clients_per_lane))
        return CTK_EXIT_USAGE;
      break;
    default: return ctk_cli_getopt_error("ctk bench national", argc, argv);
    }
  }
  if(!plan || !orders)
    return ctk_cli_usage_error("ctk bench national", NULL, "give --plan FILE and --orders N");
  lanes = calloc(PLAN_LANES_MAX, sizeof(*lanes));
  if(!lanes)
    return CTK_EXIT_ERROR;
  result = plan_load(plan, lanes, &n_lanes, err, sizeof(err));
  if(result || !n_lanes) {
    fprintf(stderr, "ctk bench national: %s\n", err[0] ? err : "the plan has no lanes");
    free(lanes);
    /* a plan that cannot be read is the tool's trouble; one that is wrong, the user's */
    return result && result != CTK_E_PARSE ? CTK_EXIT_ERROR : CTK_EXIT_USAGE;
  }
  for(i = 0; i < n_lanes; i++) {
    /* spread evenly: the first (orders % lanes) lanes send one more */
    lanes[i].orders = orders / n_lanes + (i < orders % n_lanes ? 1 : 0);
    lanes[i].secret = secret[0] ? secret : NULL;
  }
  cfg.lanes = lanes;
  cfg.n_lanes = n_lanes;
  cfg.quiet = json;
  result = ctk_bench_ingest(&cfg, &res);
  free(lanes);
  if(result == CTK_E_INVAL) {
    fprintf(stderr, "ctk bench national: so many connections for the peers of the plan are more "
            "than %d in all\n", CTK_BENCH_CLIENTS_MAX);
    return CTK_EXIT_USAGE;
  }
  if(result) {
    fprintf(stderr, "ctk bench: %s\n", ctk_strerror(result));
    return CTK_EXIT_ERROR;
  }
  return print_result(name, &res, json);
}

static int run_preload(int argc, char **argv, const ctk_profile *p)
{
  static const struct option opts[] = {
    { "data", required_argument, NULL, 'D' },
    { "orders", required_argument, NULL, 'n' },
    { "batch", required_argument, NULL, 'b' },
    { NULL, 0, NULL, 0 }
  };
  const char *dir = NULL;
  unsigned long orders = 0;
  unsigned long batch = 20000;
  char path[1024];
  int c;
  ctk_code result;

  while((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if(c == 'D')
      dir = optarg;
    else if(c == 'n') {
      if(bench_whole("--orders", optarg, 1, BENCH_ORDERS_MAX, &orders))
        return CTK_EXIT_USAGE;
    }
    else if(c == 'b') {
      if(bench_whole("--batch", optarg, 1, 10000000, &batch))
        return CTK_EXIT_USAGE;
    }
    else
      return ctk_cli_getopt_error("ctk bench preload", argc, argv);
  }
  if(!dir || !orders)
    return ctk_cli_usage_error("ctk bench preload", NULL, "give --data DIR and --orders N");
  snprintf(path, sizeof(path), "%s/ctk.db", dir);
  result = ctk_bench_preload(p, path, orders, batch,
                             isatty(STDERR_FILENO) && !getenv("CI"));
  if(result) {
    fprintf(stderr, "ctk bench preload: %s: %s\n", path, ctk_strerror(result));
    return CTK_EXIT_ERROR;
  }
  return CTK_EXIT_OK;
}

static int count_order(void *ctx, const ctk_order *o)
{
  (void)o;
  (*(unsigned long *)ctx)++;
  return 0;
}

static int run_count(int argc, char **argv)
{
  static const struct option opts[] = {
    { "data", required_argument, NULL, 'D' },
    { "outbox", no_argument, NULL, 'o' },
    { NULL, 0, NULL, 0 }
  };
  const char *dir = NULL;
  int outbox = 0;
  char path[1024];
  ctk_store *s = NULL;
  ctk_outbox_counts oc;
  unsigned long n = 0;
  int c;
  ctk_code result;

  while((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if(c == 'D')
      dir = optarg;
    else if(c == 'o')
      outbox = 1;
    else
      return ctk_cli_getopt_error("ctk bench count", argc, argv);
  }
  if(!dir)
    return ctk_cli_usage_error("ctk bench count", NULL, "give --data DIR");
  snprintf(path, sizeof(path), "%s/ctk.db", dir);
  result = ctk_store_open(path, 1, &s);
  if(!result && outbox) {
    result = ctk_store_outbox_counts(s, &oc);
    n = result ? 0 : (unsigned long)oc.pending;
  }
  else if(!result)
    result = ctk_store_orders_each(s, "", "", "", count_order, &n);
  ctk_store_close(s);
  if(result) {
    fprintf(stderr, "ctk bench count: %s: %s\n", path, ctk_strerror(result));
    return CTK_EXIT_ERROR;
  }
  printf("%lu\n", n);
  return CTK_EXIT_OK;
}

int ctk_cmd_bench(int argc, char **argv)
{
  ctk_profile *p = NULL;
  char err[512];
  const char *dir = getenv("CTK_PROFILE");
  int i;
  int rc;

  if(argc < 2) {
    fputs(bench_usage, stderr);
    return CTK_EXIT_USAGE;
  }
  /* --help anywhere, before the profile is loaded: the usage covers every sub-command */
  if(ctk_cli_wants_help(argc, argv)) {
    fputs(bench_usage, stdout);
    return CTK_EXIT_OK;
  }
  /* --profile may appear anywhere; it is consumed here so the sub-parsers stay simple */
  for(i = 2; i + 1 < argc; i++) {
    if(!strcmp(argv[i], "--profile"))
      dir = argv[i + 1];
  }
  if(ctk_profile_load(dir ? dir : ctk_profile_default_dir(), &p, err, sizeof(err))) {
    fprintf(stderr, "ctk bench: %s\n", err);
    return CTK_EXIT_ERROR;
  }
  ctk_http_global_init();
  optind = 1;
  opterr = 0; /* ctk_cli_getopt_error says what was wrong, once */
  {
    /* drop --profile DIR from the arguments given to the sub-parser */
    char *args[64];
    int n = 0;
    for(i = 1; i < argc && n < 63; i++) {
      if(!strcmp(argv[i], "--profile") && i + 1 < argc) {
        i++;
        continue;
      }
      args[n++] = argv[i];
    }
    args[n] = NULL;
    if(!strcmp(args[0], "ingest"))
      rc = run_ingest(n, args, p);
    else if(!strcmp(args[0], "bare"))
      rc = run_bare(n, args, p);
    else if(!strcmp(args[0], "national"))
      rc = run_national(n, args, p);
    else if(!strcmp(args[0], "preload"))
      rc = run_preload(n, args, p);
    else if(!strcmp(args[0], "count"))
      rc = run_count(n, args);
    else
      rc = ctk_cli_usage_error(BENCH_CMD, NULL, "unknown benchmark '%s' (see ctk bench --help)",
                               args[0]);
  }
  ctk_profile_free(p);
  return rc;
}
