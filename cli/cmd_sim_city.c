/* ctk_city_cmd: the `ctk sim city` command line: options, port files, signals, the live
 * progress line and the final statistics. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "city/ctk_city.h"
#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_file.h"
#include "ctk_http.h"
#include "ctk_log.h"
#include "ctk_sock.h"

#define MOD "city"
#define CITY_CMD "ctk sim city"

static void usage(FILE *out)
{
  fputs(
    "usage: ctk sim city --province CODE --upper URL [options]\n"
    "\n"
    "Plays the city 12328 systems of one province: sends their work orders up to the province\n"
    "at URL (URL/exchange or URL/soap) and answers the province at\n"
    "http://ADDR:PORT/city/<region>/exchange (and /soap).\n"
    "\n"
    "  --province CODE          provincial unit (e.g. 360000)\n"
    "  --cities A,B,...         cities to play (default: every city of the province)\n"
    "  --upper URL              the province's base URL\n"
    "  --listen ADDR:PORT       where the province calls the cities (default 127.0.0.1:0)\n"
    "  --port-file F            write the bound port there once ready\n"
    "  --control ADDR:PORT      control API and CTI intake (default 127.0.0.1:0)\n"
    "  --control-port-file F    write the control port there once ready\n"
    "  --data DIR               per-city message logs (<region>.log) and order sequences\n"
    "  --secrets-dir DIR        DIR/<region>.secret: each city's secret to the province\n"
    "  --secret-file F          one secret for every city\n"
    "  --credentials FILE       credentials.csv of who may call the cities (ctk passwd)\n"
    "  --rate R                 orders per second, all cities together (0 = on command only)\n"
    "  --orders N               stop random arrivals after N orders; without --duration, exit\n"
    "                           once they and every step they led to are done\n"
    "  --duration S             exit after S seconds\n"
    "  --model FILE             traffic model (default: built in, = fixtures/traffic-model.conf)\n"
    "  --seed N                 random seed (default 12328): same seed, same traffic\n"
    "  --binding xml|soap       binding of requests to the province (default xml)\n"
    "  --encoding UTF-8|GBK     encoding of requests (default UTF-8)\n"
    "  --profile DIR            profile directory (default profiles/jtt1019-baseline)\n"
    "  --regions FILE           region table (default data/regions.csv)\n"
    "  --cti-city CODE          CTI orders go to this city (default round robin)\n"
    "  --dock FAMILY:HOST:PORT  dock to a queue machine as a CTI client (csta, ami, esl;\n"
    "                           comma-separated for several): one order per answered call,\n"
    "                           linked by the queue machine's call id; reconnects with backoff\n"
    "  --dock-user U            AMI Username (default ctk)\n"
    "  --dock-secret S          AMI Secret (default ctk12328), ESL password (default ClueCon)\n"
    "  --misbehave JSON         a misbehaviour rule in force from the start (as POST\n"
    "                           /control/misbehave), e.g. {\"action\":\"drop-order\",\"count\":1}\n"
    "  --manual                 the city's part happens only on POST /control/act\n"
    "  --lenient                accept updates about orders the cities do not know (when the\n"
    "                           tests speak for the cities themselves)\n"
    "  --workers N              sending threads (default 4)\n"
    "  --timeout-ms N           per request to the province (default 10000)\n"
    "  --log-level L            error, warn, info (default), debug\n"
    "\n"
    "Exit status: 0 clean stop, 2 could not start, 3 usage. See docs/CITY.md.\n",
    out);
}

/* "127.0.0.1:8080" or "8080" or ":8080" for option opt; -1 after saying why. */
static int parse_addr(const char *opt, const char *s, char *addr, size_t addrlen, int *port)
{
  char why[200];
  if(ctk_sock_parse_hostport(s, "127.0.0.1", 0, addr, addrlen, port, why, sizeof(why))) {
    fprintf(stderr, "%s: %s: %s\n", CITY_CMD, opt, why);
    return -1;
  }
  return 0;
}

enum {
  OPT_PROVINCE = 256, OPT_CITIES, OPT_UPPER, OPT_LISTEN, OPT_PORT_FILE, OPT_CONTROL,
  OPT_CONTROL_PORT_FILE, OPT_DATA, OPT_SECRETS_DIR, OPT_SECRET_FILE, OPT_CREDENTIALS, OPT_RATE,
  OPT_ORDERS, OPT_DURATION, OPT_MODEL, OPT_SEED, OPT_BINDING, OPT_ENCODING, OPT_PROFILE,
  OPT_REGIONS, OPT_CTI_CITY, OPT_DOCK, OPT_DOCK_USER, OPT_DOCK_SECRET, OPT_MISBEHAVE, OPT_MANUAL, OPT_LENIENT, OPT_WORKERS, OPT_TIMEOUT, OPT_LOG_LEVEL, OPT_HELP
};

static const struct option options[] = {
  { "province", required_argument, NULL, OPT_PROVINCE },
  { "cities", required_argument, NULL, OPT_CITIES },
  { "upper", required_argument, NULL, OPT_UPPER },
  { "listen", required_argument, NULL, OPT_LISTEN },
  { "port-file", required_argument, NULL, OPT_PORT_FILE },
  { "control", required_argument, NULL, OPT_CONTROL },
  { "control-port-file", required_argument, NULL, OPT_CONTROL_PORT_FILE },
  { "data", required_argument, NULL, OPT_DATA },
  { "secrets-dir", required_argument, NULL, OPT_SECRETS_DIR },
  { "secret-file", required_argument, NULL, OPT_SECRET_FILE },
  { "credentials", required_argument, NULL, OPT_CREDENTIALS },
  { "rate", required_argument, NULL, OPT_RATE },
  { "orders", required_argument, NULL, OPT_ORDERS },
  { "duration", required_argument, NULL, OPT_DURATION },
  { "model", required_argument, NULL, OPT_MODEL },
  { "seed", required_argument, NULL, OPT_SEED },
  { "binding", required_argument, NULL, OPT_BINDING },
  { "encoding", required_argument, NULL, OPT_ENCODING },
  { "profile", required_argument, NULL, OPT_PROFILE },
  { "regions", required_argument, NULL, OPT_REGIONS },
  { "cti-city", required_argument, NULL, OPT_CTI_CITY },
  { "dock", required_argument, NULL, OPT_DOCK },
  { "dock-user", required_argument, NULL, OPT_DOCK_USER },
  { "dock-secret", required_argument, NULL, OPT_DOCK_SECRET },
  { "misbehave", required_argument, NULL, OPT_MISBEHAVE },
  { "manual", no_argument, NULL, OPT_MANUAL },
  { "lenient", no_argument, NULL, OPT_LENIENT },
  { "workers", required_argument, NULL, OPT_WORKERS },
  { "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
  { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 }
};

typedef struct cmd_state {
  ctk_city_config cfg;
  char listen_addr[64];
  char control_addr[64];
  const char *port_file;
  const char *control_port_file;
  double duration;
} cmd_state;

/* Returns 0 to go on, -1 after --help (usage on stdout), or CTK_EXIT_USAGE after saying why. */
static int parse_args(int argc, char **argv, cmd_state *st)
{
  long v;
  int opt, b;
  int which = 0;

  optind = 1;
  opterr = 0;
  for(;;) {
    opt = getopt_long(argc, argv, "h", options, &which);
    if(opt == -1)
      break;
    switch(opt) {
    case OPT_PROVINCE: st->cfg.province = optarg; break;
    case OPT_CITIES: st->cfg.cities = optarg; break;
    case OPT_UPPER: st->cfg.upper_url = optarg; break;
    case OPT_LISTEN:
      if(parse_addr("--listen", optarg, st->listen_addr, sizeof(st->listen_addr),
                    &st->cfg.listen_port))
        return CTK_EXIT_USAGE;
      st->cfg.listen_addr = st->listen_addr;
      break;
    case OPT_CONTROL:
      if(parse_addr("--control", optarg, st->control_addr, sizeof(st->control_addr),
                    &st->cfg.control_port))
        return CTK_EXIT_USAGE;
      st->cfg.control_addr = st->control_addr;
      break;
    case OPT_PORT_FILE: st->port_file = optarg; break;
    case OPT_CONTROL_PORT_FILE: st->control_port_file = optarg; break;
    case OPT_DATA: st->cfg.data_dir = optarg; break;
    case OPT_SECRETS_DIR: st->cfg.secrets_dir = optarg; break;
    case OPT_SECRET_FILE: st->cfg.secret_file = optarg; break;
    case OPT_CREDENTIALS: st->cfg.credentials_file = optarg; break;
    case OPT_RATE:
      if(ctk_cli_double(CITY_CMD, "--rate", optarg, 0, 1e6, &st->cfg.rate))
        return CTK_EXIT_USAGE;
      break;
    case OPT_ORDERS:
      if(ctk_cli_long(CITY_CMD, "--orders", optarg, 1, 1000000000L, &v))
        return CTK_EXIT_USAGE;
      st->cfg.max_orders = v;
      break;
    case OPT_DURATION:
      if(ctk_cli_double(CITY_CMD, "--duration", optarg, 0.001, 1e7, &st->duration))
        return CTK_EXIT_USAGE;
      break;
    case OPT_MODEL: st->cfg.model_file = optarg; break;
    case OPT_SEED:
      if(ctk_cli_long(CITY_CMD, "--seed", optarg, 0, 1000000000000000000L, &v))
        return CTK_EXIT_USAGE;
      st->cfg.seed = (unsigned long long)v;
      break;
    case OPT_BINDING:
      b = ctk_binding_parse(optarg);
      if(b < 0)
        goto bad;
      st->cfg.binding = (ctk_binding)b;
      break;
    case OPT_ENCODING:
      b = ctk_encoding_parse(optarg);
      if(b < 0)
        goto bad;
      st->cfg.encoding = (ctk_encoding)b;
      break;
    case OPT_PROFILE: st->cfg.profile_dir = optarg; break;
    case OPT_REGIONS: st->cfg.regions_file = optarg; break;
    case OPT_CTI_CITY: st->cfg.cti_city = optarg; break;
    case OPT_DOCK: st->cfg.dock = optarg; break;
    case OPT_DOCK_USER: st->cfg.dock_user = optarg; break;
    case OPT_DOCK_SECRET: st->cfg.dock_secret = optarg; break;
    case OPT_MISBEHAVE: st->cfg.misbehave = optarg; break;
    case OPT_MANUAL: st->cfg.manual = 1; break;
    case OPT_LENIENT: st->cfg.lenient = 1; break;
    case OPT_WORKERS:
      if(ctk_cli_long(CITY_CMD, "--workers", optarg, 1, 64, &v))
        return CTK_EXIT_USAGE;
      st->cfg.workers = (unsigned)v;
      break;
    case OPT_TIMEOUT:
      if(ctk_cli_long(CITY_CMD, "--timeout-ms", optarg, 100, 600000, &v))
        return CTK_EXIT_USAGE;
      st->cfg.timeout_ms = v;
      break;
    case OPT_LOG_LEVEL:
      b = ctk_log_level_parse(optarg);
      if(b < 0)
        goto bad;
      ctk_log_set_level((ctk_log_level)b);
      break;
    case OPT_HELP:
    case 'h':
      usage(stdout);
      return -1;
    default:
      return ctk_cli_getopt_error(CITY_CMD, argc, argv);
    }
  }
  if(optind < argc)
    return ctk_cli_usage_error(CITY_CMD, NULL, "unexpected argument '%s'", argv[optind]);
  if(!st->cfg.province || !st->cfg.upper_url)
    return ctk_cli_usage_error(CITY_CMD, usage, "--province and --upper are required");
  if(st->cfg.secrets_dir && st->cfg.secret_file)
    return ctk_cli_usage_error(CITY_CMD, NULL, "give --secrets-dir or --secret-file, not both");
  return 0;
bad:
  /* which, not argv: with "--opt VALUE" the word before optind is the value */
  return ctk_cli_usage_error(CITY_CMD, NULL, "bad value '%s' for --%s", optarg,
                             options[which].name);
}

int ctk_cmd_sim_city(int argc, char **argv)
{
  cmd_state st;
  ctk_city_sim *sim = NULL;
  sigset_t stop_signals;
  struct timespec tick = { 1, 0 };
  char err[1024], line[256];
  ctk_buf stats;
  int tty = isatty(STDOUT_FILENO);
  int rc, sig;
  time_t started;

  memset(&st, 0, sizeof(st));
  ctk_city_config_init(&st.cfg);
  rc = parse_args(argc, argv, &st);
  if(rc)
    return rc < 0 ? CTK_EXIT_OK : rc;
  ctk_log_set_ident("city-sim");
  ctk_http_global_init();

  /* every thread inherits the blocked set; only this one takes the signals, with sigtimedwait */
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
  signal(SIGPIPE, SIG_IGN);

  if(ctk_city_sim_start(&st.cfg, &sim, err, sizeof(err))) {
    fprintf(stderr, "ctk sim city: %s\n", err);
    return CTK_EXIT_ERROR;
  }
  if((st.port_file && ctk_file_write_port(st.port_file, ctk_city_sim_port(sim))) ||
     (st.control_port_file &&
      ctk_file_write_port(st.control_port_file, ctk_city_sim_control_port(sim)))) {
    fprintf(stderr, "ctk sim city: cannot write a port file: %s\n", strerror(errno));
    ctk_city_sim_stop(sim);
    return CTK_EXIT_ERROR;
  }
  CTK_INFO(MOD, "ready port=%d control=%d cities=%zu", ctk_city_sim_port(sim),
           ctk_city_sim_control_port(sim), ctk_city_sim_count(sim));

  started = time(NULL);
  for(;;) {
    sig = sigtimedwait(&stop_signals, NULL, &tick);
    if(sig == SIGINT || sig == SIGTERM) {
      CTK_INFO(MOD, "signal=%d stopping", sig);
      break;
    }
    if(st.duration > 0 && difftime(time(NULL), started) >= st.duration)
      break;
    if(st.cfg.max_orders > 0 && st.duration <= 0 && ctk_city_sim_finished(sim))
      break;
    if(tty) {
      ctk_city_sim_progress(sim, line, sizeof(line));
      printf("\r%s ", line);
      fflush(stdout);
    }
  }
  if(tty)
    printf("\n");
  ctk_buf_init(&stats, (size_t)16 * 1024 * 1024);
  if(!ctk_city_sim_stats_json(sim, &stats))
    printf("%s\n", ctk_buf_str(&stats));
  ctk_buf_free(&stats);
  fflush(stdout);
  ctk_city_sim_stop(sim);
  return CTK_EXIT_OK;
}
