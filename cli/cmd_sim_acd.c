/* ctk_acd_main: `ctk sim acd`: options, the single-threaded poll loop that drives SIP, timers
 * and the CTI link, the statistics outputs, and a clean stop on SIGINT/SIGTERM. */
#include "ctk_commands.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acd/ctk_acd_ami.h"
#include "acd/ctk_acd_control.h"
#include "acd/ctk_acd_cti.h"
#include "acd/ctk_acd_engine.h"
#include "acd/ctk_acd_esl.h"
#include "acd/ctk_acd_sip.h"
#include "acd/ctk_acd_stats.h"
#include "acd/ctk_acd_webhook.h"
#include "ctk_cli.h"
#include "ctk_file.h"
#include "ctk_http.h"
#include "ctk_log.h"
#include "ctk_proc.h"

#define MAIN_MOD "acd"
#define ACD_POLL_MAX 4200
#define ACD_TICK_MS 200

typedef struct acd_options {
  ctk_acd_config cfg;
  const char *bind_addr;
  int port;
  int cti_port[3];       /* CSTA, AMI, ESL; -1 = that family is off (acd_families order) */
  const char *ami_user, *ami_secret, *esl_password;
  unsigned cti_max_clients;
  unsigned cti_login_s, cti_idle_s;
  int control_port;      /* -1 = no control server */
  const char *webhook;
  const char *stats_json;
  const char *ready_file;
  const char *port_file;
  unsigned duration_s;   /* 0 = until a signal */
} acd_options;


static volatile sig_atomic_t acd_stop_requested;

static void acd_on_signal(int sig)
{
  (void)sig;
  acd_stop_requested = 1;
}

static void acd_usage(FILE *out)
{
  fputs("usage: ctk sim acd [OPTIONS]\n"
        "Call-queue machine simulator: SIP UAS (UDP+TCP) with agents and a queue, CTI events.\n\n"
        "  --bind ADDR          address for every listener (default 127.0.0.1)\n"
        "  --port N             SIP port, UDP and TCP (default 5060; 0 = pick a free one)\n"
        "  --agents N           agents logged in (default 10)\n"
        "  --queue-limit N      calls allowed to wait beyond the idle agents (default 50)\n"
        "  --busy-code 486|503  answer when the queue is full (default 486)\n"
        "  --ivr-ms MS          time in the IVR before joining the queue (default 0)\n"
        "  --ring-ms MS         time an agent's phone rings before answering (default 0)\n"
        "  --wrap-ms MS         after-call work: an agent is free MS after a call (default 0)\n"
        "  --max-wait-ms MS     a call queued this long is released with 480 (default 0:\n"
        "                       it waits until an agent is free)\n"
        "  --talk SPEC          caller | fixed:MS | uniform:MIN-MAX | exp:MEAN (default caller:\n"
        "                       the caller hangs up; otherwise the agent sends BYE)\n"
        "  --linger-ms MS       keep finished calls for retransmissions (default 32000)\n"
        "  --cti LIST           CTI families to serve, any of csta,ami,esl (default none)\n"
        "  --cti-port N         CSTA XML (ECMA-323) link on TCP port N (0 = pick one; turns csta\n"
        "                       on; default 5071 when --cti names csta)\n"
        "  --ami-port N         Asterisk Manager Interface port (turns ami on; default 5038)\n"
        "  --ami-user NAME      AMI Username (default ctk)\n"
        "  --ami-secret TEXT    AMI Secret (default ctk12328)\n"
        "  --esl-port N         FreeSWITCH Event Socket port (turns esl on; default 8021)\n"
        "  --esl-password TEXT  ESL auth password (default ClueCon)\n"
        "  --cti-max-clients N  clients per CTI family (default 64)\n"
        "  --cti-login-s S      a CTI client must log in (or start a monitor) within S (default 10)\n"
        "  --cti-idle-s S       a CTI client silent both ways S seconds is dropped (default 600;\n"
        "                       0 = never)\n"
        "  --webhook URL        POST every call event as JSON to URL\n"
        "  --control-port N     HTTP GET /stats, GET/POST /control on port N (0 = pick one;\n"
        "                       default off)\n"
        "  --stats-json FILE    write the final statistics as JSON to FILE\n"
        "  --ready-file FILE    once listening, write the ports as JSON to FILE\n"
        "  --port-file FILE     once listening, write the SIP port (one line) to FILE\n"
        "  --duration S         stop by itself after S seconds (default: until SIGINT/SIGTERM)\n"
        "  --recording-base URL recordings are referenced as URL/NAME.wav\n"
        "  --seed N             seed of the talk-time generator\n"
        "  --log-level L        error | warn | info | debug (default warn)\n",
        out);
}

#define ACD_CMD "ctk sim acd"

/* The CTI families in the order of acd_options.cti_port, and the port each takes when named in
 * --cti without a port of its own: AMI's and ESL's usual ports; CSTA has none, 5071 is ours. */
static const char *const acd_families[3] = { "csta", "ami", "esl" };
static const int acd_family_ports[3] = { CTK_CTI_CSTA_PORT, CTK_CTI_AMI_PORT, CTK_CTI_ESL_PORT };

/* --cti csta,ami,esl: turns the named families on (their port options may come before or after). */
static int acd_parse_families(const char *list, acd_options *o)
{
  const char *p = list;
  while(*p) {
    size_t n = strcspn(p, ","), i;
    for(i = 0; i < 3; i++) {
      if(strlen(acd_families[i]) == n && !strncmp(p, acd_families[i], n))
        break;
    }
    if(i == 3)
      return ctk_cli_usage_error(ACD_CMD, NULL, "--cti takes a list of %s, not '%.*s'",
                                 ctk_acd_cti_families(), (int)n, p);
    if(o->cti_port[i] < 0)
      o->cti_port[i] = -2; /* on, port to be chosen after all options are read */
    p += n;
    if(*p)
      p++;
  }
  return 0;
}

enum {
  OPT_BIND = 1000, OPT_PORT, OPT_AGENTS, OPT_QUEUE, OPT_BUSY, OPT_IVR, OPT_RING, OPT_WRAP, OPT_MAXWAIT, OPT_TALK,
  OPT_LINGER, OPT_CTI, OPT_CTI_LIST, OPT_AMI_PORT, OPT_AMI_USER, OPT_AMI_SECRET, OPT_ESL_PORT,
  OPT_ESL_PASSWORD, OPT_CTI_MAX, OPT_CTI_LOGIN, OPT_CTI_IDLE, OPT_WEBHOOK, OPT_CONTROL, OPT_STATS, OPT_READY, OPT_PORTFILE, OPT_DURATION, OPT_REC,
  OPT_SEED, OPT_LOG, OPT_HELP
};

/* Returns 0 to go on, -1 after --help (usage on stdout), or CTK_EXIT_USAGE after saying why. */
static int acd_parse_options(int argc, char **argv, acd_options *o)
{
  static const struct option longopts[] = {
    { "bind", required_argument, NULL, OPT_BIND },
    { "port", required_argument, NULL, OPT_PORT },
    { "agents", required_argument, NULL, OPT_AGENTS },
    { "queue-limit", required_argument, NULL, OPT_QUEUE },
    { "busy-code", required_argument, NULL, OPT_BUSY },
    { "ivr-ms", required_argument, NULL, OPT_IVR },
    { "ring-ms", required_argument, NULL, OPT_RING },
    { "wrap-ms", required_argument, NULL, OPT_WRAP },
    { "max-wait-ms", required_argument, NULL, OPT_MAXWAIT },
    { "talk", required_argument, NULL, OPT_TALK },
    { "linger-ms", required_argument, NULL, OPT_LINGER },
    { "cti-port", required_argument, NULL, OPT_CTI },
    { "cti", required_argument, NULL, OPT_CTI_LIST },
    { "ami-port", required_argument, NULL, OPT_AMI_PORT },
    { "ami-user", required_argument, NULL, OPT_AMI_USER },
    { "ami-secret", required_argument, NULL, OPT_AMI_SECRET },
    { "esl-port", required_argument, NULL, OPT_ESL_PORT },
    { "esl-password", required_argument, NULL, OPT_ESL_PASSWORD },
    { "cti-max-clients", required_argument, NULL, OPT_CTI_MAX },
    { "cti-login-s", required_argument, NULL, OPT_CTI_LOGIN },
    { "cti-idle-s", required_argument, NULL, OPT_CTI_IDLE },
    { "webhook", required_argument, NULL, OPT_WEBHOOK },
    { "control-port", required_argument, NULL, OPT_CONTROL },
    { "stats-json", required_argument, NULL, OPT_STATS },
    { "ready-file", required_argument, NULL, OPT_READY },
    { "port-file", required_argument, NULL, OPT_PORTFILE },
    { "duration", required_argument, NULL, OPT_DURATION },
    { "recording-base", required_argument, NULL, OPT_REC },
    { "seed", required_argument, NULL, OPT_SEED },
    { "log-level", required_argument, NULL, OPT_LOG },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 }
  };
  int ch;
  long v;

  memset(o, 0, sizeof(*o));
  ctk_acd_config_defaults(&o->cfg);
  o->bind_addr = "127.0.0.1";
  o->port = 5060;
  o->cti_port[0] = o->cti_port[1] = o->cti_port[2] = -1;
  o->cti_max_clients = 64;
  o->cti_login_s = 10;
  o->cti_idle_s = 600;
  o->control_port = -1;
  optind = 1;
  opterr = 0;
  for(;;) {
    ch = getopt_long(argc, argv, "h", longopts, NULL);
    if(ch == -1)
      break;
    switch(ch) {
    case OPT_BIND:
      o->bind_addr = optarg;
      break;
    case OPT_PORT:
      if(ctk_cli_long(ACD_CMD, "--port", optarg, 0, 65535, &v))
        return CTK_EXIT_USAGE;
      o->port = (int)v;
      break;
    case OPT_AGENTS:
      if(ctk_cli_long(ACD_CMD, "--agents", optarg, 0, 10000, &v))
        return CTK_EXIT_USAGE;
      o->cfg.agents = (unsigned)v;
      break;
    case OPT_QUEUE:
      if(ctk_cli_long(ACD_CMD, "--queue-limit", optarg, 0, 1000000, &v))
        return CTK_EXIT_USAGE;
      o->cfg.queue_limit = (unsigned)v;
      break;
    case OPT_BUSY:
      if(ctk_cli_long(ACD_CMD, "--busy-code", optarg, 486, 503, &v))
        return CTK_EXIT_USAGE;
      if(v != 486 && v != 503)
        return ctk_cli_usage_error(ACD_CMD, NULL, "--busy-code is 486 or 503, not %ld", v);
      o->cfg.busy_status = (int)v;
      break;
    case OPT_IVR:
      if(ctk_cli_long(ACD_CMD, "--ivr-ms", optarg, 0, 3600000, &v))
        return CTK_EXIT_USAGE;
      o->cfg.ivr_ms = (unsigned)v;
      break;
    case OPT_RING:
      if(ctk_cli_long(ACD_CMD, "--ring-ms", optarg, 0, 600000, &v))
        return CTK_EXIT_USAGE;
      o->cfg.ring_ms = (unsigned)v;
      break;
    case OPT_WRAP:
      if(ctk_cli_long(ACD_CMD, "--wrap-ms", optarg, 0, 3600000, &v))
        return CTK_EXIT_USAGE;
      o->cfg.wrap_ms = (unsigned)v;
      break;
    case OPT_MAXWAIT:
      if(ctk_cli_long(ACD_CMD, "--max-wait-ms", optarg, 0, 3600000, &v))
        return CTK_EXIT_USAGE;
      o->cfg.max_wait_ms = (unsigned)v;
      break;
    case OPT_TALK:
      if(ctk_acd_talk_parse(optarg, &o->cfg.talk))
        return ctk_cli_usage_error(ACD_CMD, NULL, "--talk wants caller, fixed:MS, "
                                   "uniform:MIN-MAX or exp:MEAN, not '%s'", optarg);
      break;
    case OPT_LINGER:
      if(ctk_cli_long(ACD_CMD, "--linger-ms", optarg, 0, 600000, &v))
        return CTK_EXIT_USAGE;
      o->cfg.linger_ms = (unsigned)v;
      break;
    case OPT_CTI:
    case OPT_AMI_PORT:
    case OPT_ESL_PORT:
      if(ctk_cli_long(ACD_CMD, ch == OPT_CTI ? "--cti-port" : ch == OPT_AMI_PORT ? "--ami-port"
                      : "--esl-port", optarg, 0, 65535, &v))
        return CTK_EXIT_USAGE;
      o->cti_port[ch == OPT_CTI ? 0 : ch == OPT_AMI_PORT ? 1 : 2] = (int)v;
      break;
    case OPT_CTI_LIST:
      if(acd_parse_families(optarg, o))
        return CTK_EXIT_USAGE;
      break;
    case OPT_AMI_USER:
      o->ami_user = optarg;
      break;
    case OPT_AMI_SECRET:
      o->ami_secret = optarg;
      break;
    case OPT_ESL_PASSWORD:
      o->esl_password = optarg;
      break;
    case OPT_CTI_MAX:
      if(ctk_cli_long(ACD_CMD, "--cti-max-clients", optarg, 1, 1024, &v))
        return CTK_EXIT_USAGE;
      o->cti_max_clients = (unsigned)v;
      break;
    case OPT_CTI_LOGIN:
      if(ctk_cli_long(ACD_CMD, "--cti-login-s", optarg, 1, 3600, &v))
        return CTK_EXIT_USAGE;
      o->cti_login_s = (unsigned)v;
      break;
    case OPT_CTI_IDLE:
      if(ctk_cli_long(ACD_CMD, "--cti-idle-s", optarg, 0, 86400, &v))
        return CTK_EXIT_USAGE;
      o->cti_idle_s = (unsigned)v;
      break;
    case OPT_WEBHOOK:
      o->webhook = optarg;
      break;
    case OPT_CONTROL:
      if(ctk_cli_long(ACD_CMD, "--control-port", optarg, 0, 65535, &v))
        return CTK_EXIT_USAGE;
      o->control_port = (int)v;
      break;
    case OPT_STATS:
      o->stats_json = optarg;
      break;
    case OPT_READY:
      o->ready_file = optarg;
      break;
    case OPT_PORTFILE:
      o->port_file = optarg;
      break;
    case OPT_DURATION:
      if(ctk_cli_long(ACD_CMD, "--duration", optarg, 1, 86400 * 7, &v))
        return CTK_EXIT_USAGE;
      o->duration_s = (unsigned)v;
      break;
    case OPT_REC:
      o->cfg.recording_base = optarg;
      break;
    case OPT_SEED:
      if(ctk_cli_long(ACD_CMD, "--seed", optarg, 0, 2147483647L, &v))
        return CTK_EXIT_USAGE;
      o->cfg.seed = (uint64_t)v;
      break;
    case OPT_LOG:
      v = ctk_log_level_parse(optarg);
      if(v < 0)
        return ctk_cli_usage_error(ACD_CMD, NULL, "--log-level is error, warn, info or debug");
      ctk_log_set_level((ctk_log_level)v);
      break;
    case 'h':
    case OPT_HELP:
      acd_usage(stdout);
      return -1;
    default:
      return ctk_cli_getopt_error(ACD_CMD, argc, argv);
    }
  }
  if(optind < argc)
    return ctk_cli_usage_error(ACD_CMD, NULL, "unexpected argument '%s'", argv[optind]);
  for(ch = 0; ch < 3; ch++) {
    if(o->cti_port[ch] == -2)
      o->cti_port[ch] = acd_family_ports[ch];
  }
  return 0;
}

/* One line of text, written atomically (ctk_file), so a reader never sees half a file. */
static int acd_write_file(const char *path, const char *text)
{
  ctk_buf line;
  int failed;
  ctk_buf_init(&line, strlen(text) + 2);
  failed = ctk_buf_adds(&line, text) || ctk_buf_adds(&line, "\n") ||
           ctk_file_write_atomic(path, line.data, line.len, 0644);
  ctk_buf_free(&line);
  return failed ? -1 : 0;
}

typedef struct acd_runtime {
  acd_options opt;
  ctk_acd_sip *sip;
  ctk_acd_cti_hub *cti;        /* NULL when no CTI family is on */
  ctk_acd_engine *engine;
  ctk_acd_webhook *webhook;
  ctk_http_server *control;
  ctk_acd_stats stats;
  ctk_acd_control *steer;      /* with --control-port */
} acd_runtime;

/* Counts the event, then publishes the new totals for GET /stats before any other sink tells
 * the world about the event, so a client never sees an event the statistics do not include. */
static void acd_stats_sink(void *ctx, const ctk_acd_event *ev)
{
  acd_runtime *rt = ctx;
  ctk_acd_stats_on_event(&rt->stats, ev);
  if(rt->steer)
    ctk_acd_control_publish(rt->steer, &rt->stats);
}

/* A call has ended: keep it, with the id each family gave it, for the control port's GET /calls. */
static void acd_call_ended(void *ctx, const ctk_acd_event *ev, const ctk_acd_cti_call *call)
{
  acd_runtime *rt = ctx;
  ctk_acd_call_record rec;
  if(!rt->steer)
    return;                    /* no control port: nobody can ask */
  memset(&rec, 0, sizeof(rec));
  rec.seq = call->seq;
  ctk_strlcpy(rec.outcome, call->answered_ms ? "answered" :
              ev->kind == CTK_ACD_EV_ABANDONED ? "abandoned" : "cleared", sizeof(rec.outcome));
  ctk_strlcpy(rec.caller, call->caller, sizeof(rec.caller));
  rec.offered_ms = call->offered_ms;
  rec.answered_ms = call->answered_ms;
  rec.ended_ms = call->ended_ms;
  ctk_strlcpy(rec.sip_call_id, call->call_id, sizeof(rec.sip_call_id));
  ctk_acd_ami_uniqueid(call, 0, rec.ami_uniqueid, sizeof(rec.ami_uniqueid));
  ctk_acd_esl_uuid(ctk_acd_cti_hub_run_id(rt->cti), call, 0, rec.esl_uuid);
  ctk_acd_control_publish_call(rt->steer, &rec);
}

/* Starts the hub and every CTI family asked for; 0, or -1 after saying why on stderr. */
static int acd_start_cti(acd_runtime *rt)
{
  const acd_options *o = &rt->opt;
  ctk_acd_cti_options co;
  ctk_acd_sink sink;
  size_t i;
  ctk_code rc;

  if(o->cti_port[0] < 0 && o->cti_port[1] < 0 && o->cti_port[2] < 0)
    return 0;
  rc = ctk_acd_cti_hub_new(&rt->cti);
  if(rc) {
    fprintf(stderr, "ctk sim acd: cannot start the CTI link (%s)\n", ctk_strerror(rc));
    return -1;
  }
  ctk_acd_cti_hub_set_engine(rt->cti, rt->engine);
  for(i = 0; i < 3; i++) {
    ctk_acd_cti_plugin plugin;
    if(o->cti_port[i] < 0)
      continue;
    memset(&co, 0, sizeof(co));
    co.bind_addr = o->bind_addr;
    co.port = o->cti_port[i];
    co.user = i == 1 ? o->ami_user : NULL;
    co.secret = i == 1 ? o->ami_secret : i == 2 ? o->esl_password : NULL;
    co.max_clients = o->cti_max_clients;
    co.login_ms = o->cti_login_s * 1000u;
    co.idle_ms = o->cti_idle_s * 1000u;
    rc = ctk_acd_cti_plugin_init(acd_families[i], &plugin);
    if(!rc)
      rc = ctk_acd_cti_hub_start(rt->cti, &plugin, &co);
    if(rc) {
      fprintf(stderr, "ctk sim acd: cannot serve %s on %s:%d (%s)\n", acd_families[i],
              o->bind_addr, o->cti_port[i], ctk_strerror(rc));
      return -1;
    }
  }
  ctk_acd_cti_hub_on_ended(rt->cti, acd_call_ended, rt);
  sink.on_event = ctk_acd_cti_hub_on_event;
  sink.ctx = rt->cti;
  ctk_acd_engine_add_sink(rt->engine, &sink);
  return 0;
}

/* The port a CTI family listens on, -1 when it is off. */
static int acd_cti_port(const acd_runtime *rt, const char *family)
{
  const ctk_acd_cti_plugin *p = rt->cti ? ctk_acd_cti_hub_find(rt->cti, family) : NULL;
  return p ? p->port(p) : -1;
}

/* CTK_EXIT_OK when every listener is up, else the exit status (reason on stderr). */
static int acd_start(acd_runtime *rt)
{
  ctk_acd_transport transport;
  ctk_acd_sink sink;
  ctk_code rc;

  rc = ctk_acd_sip_new(rt->opt.bind_addr, rt->opt.port, &rt->sip);
  if(rc) {
    fprintf(stderr, "ctk sim acd: cannot listen for SIP on %s:%d (%s)\n", rt->opt.bind_addr,
            rt->opt.port, ctk_strerror(rc));
    return CTK_EXIT_ERROR;
  }
  rt->opt.cfg.local_host = rt->opt.bind_addr;
  rt->opt.cfg.local_port = ctk_acd_sip_port(rt->sip);
  ctk_acd_sip_transport(rt->sip, &transport);
  rc = ctk_acd_engine_new(&rt->opt.cfg, &transport, &rt->engine);
  if(rc) {
    fprintf(stderr, "ctk sim acd: bad configuration (%s)\n", ctk_strerror(rc));
    return CTK_EXIT_USAGE;
  }
  ctk_acd_sip_set_engine(rt->sip, rt->engine);
  sink.on_event = acd_stats_sink;
  sink.ctx = rt;
  ctk_acd_engine_add_sink(rt->engine, &sink);
  if(acd_start_cti(rt))
    return CTK_EXIT_ERROR;
  if(rt->opt.webhook) {
    rc = ctk_acd_webhook_start(rt->opt.webhook, 0, 0, &rt->webhook);
    if(rc) {
      fprintf(stderr, "ctk sim acd: cannot use webhook '%s' (%s; want http:// or https://)\n",
              rt->opt.webhook, ctk_strerror(rc));
      return rc == CTK_E_INVAL ? CTK_EXIT_USAGE : CTK_EXIT_ERROR;
    }
    sink.on_event = ctk_acd_webhook_on_event;
    sink.ctx = rt->webhook;
    ctk_acd_engine_add_sink(rt->engine, &sink);
  }
  if(rt->opt.control_port >= 0) {
    ctk_http_server_config hc;
    memset(&hc, 0, sizeof(hc));
    hc.bind_addr = rt->opt.bind_addr;
    hc.port = rt->opt.control_port;
    hc.max_body = 4096;
    hc.threads = 2;
    rc = ctk_acd_control_new(&rt->opt.cfg, &rt->steer);
    if(!rc)
      rc = ctk_http_server_start(&hc, ctk_acd_control_handler, rt->steer, &rt->control);
    if(rc) {
      fprintf(stderr, "ctk sim acd: cannot start the control server on port %d (%s)\n",
              rt->opt.control_port, ctk_strerror(rc));
      return CTK_EXIT_ERROR;
    }
  }
  return CTK_EXIT_OK;
}

static int acd_write_ready(const acd_runtime *rt)
{
  char text[256];
  if(rt->opt.port_file) {
    snprintf(text, sizeof(text), "%d", ctk_acd_sip_port(rt->sip));
    if(acd_write_file(rt->opt.port_file, text)) {
      fprintf(stderr, "ctk sim acd: cannot write port file %s: %s\n", rt->opt.port_file,
              strerror(errno));
      return -1;
    }
  }
  if(!rt->opt.ready_file)
    return 0;
  snprintf(text, sizeof(text),
           "{\"pid\":%ld,\"sip_port\":%d,\"cti_port\":%d,\"ami_port\":%d,\"esl_port\":%d,"
           "\"control_port\":%d}", (long)getpid(), ctk_acd_sip_port(rt->sip),
           acd_cti_port(rt, "csta"), acd_cti_port(rt, "ami"), acd_cti_port(rt, "esl"),
           rt->control ? ctk_http_server_port(rt->control) : -1);
  if(acd_write_file(rt->opt.ready_file, text)) {
    fprintf(stderr, "ctk sim acd: cannot write ready file %s: %s\n", rt->opt.ready_file,
            strerror(errno));
    return -1;
  }
  return 0;
}

static void acd_loop(acd_runtime *rt)
{
  static struct pollfd fds[ACD_POLL_MAX];
  int live = isatty(STDOUT_FILENO);
  uint64_t start = (uint64_t)ctk_now_ms();
  uint64_t next_print = start + 1000;

  while(!acd_stop_requested) {
    uint64_t now = (uint64_t)ctk_now_ms();
    long wait = ctk_acd_engine_tick(rt->engine, now);
    size_t nsip, ncti = 0, nctl = 0;
    int ready;

    if(wait < 0 || wait > ACD_TICK_MS)
      wait = ACD_TICK_MS;
    nsip = ctk_acd_sip_pollfds(rt->sip, fds, ACD_POLL_MAX);
    if(rt->cti)
      ncti = ctk_acd_cti_hub_pollfds(rt->cti, fds + nsip, ACD_POLL_MAX - nsip);
    if(rt->steer && nsip + ncti < ACD_POLL_MAX) {
      fds[nsip + ncti].fd = ctk_acd_control_fd(rt->steer);
      fds[nsip + ncti].events = POLLIN;
      fds[nsip + ncti].revents = 0;
      nctl = 1;
    }
    ready = poll(fds, nsip + ncti + nctl, (int)wait);
    now = (uint64_t)ctk_now_ms();
    if(ready > 0) {
      ctk_acd_sip_handle(rt->sip, fds, nsip, now);
      if(nctl && fds[nsip + ncti].revents)
        ctk_acd_control_apply(rt->steer, rt->engine);
    }
    /* every turn, not only when poll saw something: the CTI links time out idle clients */
    if(rt->cti)
      ctk_acd_cti_hub_handle(rt->cti, fds + nsip, ready > 0 ? ncti : 0, now);
    if(live && now >= next_print) {
      ctk_acd_stats_print(&rt->stats, stdout, 1);
      next_print = now + 1000;
    }
    if(rt->opt.duration_s && now - start >= (uint64_t)rt->opt.duration_s * 1000u)
      break;
  }
  if(live)
    fputc('\n', stdout);
}

static void acd_shutdown(acd_runtime *rt)
{
  ctk_http_server_stop(rt->control);
  ctk_acd_webhook_stop(rt->webhook, 2000);
  ctk_acd_engine_free(rt->engine);
  ctk_acd_cti_hub_free(rt->cti);
  ctk_acd_sip_free(rt->sip);
  ctk_acd_control_free(rt->steer);
}

int ctk_cmd_sim_acd(int argc, char **argv)
{
  static acd_runtime rt;
  struct sigaction sa, old_int, old_term;
  ctk_buf json;
  int rc;

  memset(&rt, 0, sizeof(rt));
  rc = acd_parse_options(argc, argv, &rt.opt);
  if(rc)
    return rc < 0 ? CTK_EXIT_OK : rc;
  ctk_log_set_ident("acd");
  ctk_http_global_init();
  ctk_acd_stats_init(&rt.stats);

  acd_stop_requested = 0;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = acd_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  signal(SIGPIPE, SIG_IGN);

  rc = acd_start(&rt);
  if(!rc && acd_write_ready(&rt))
    rc = CTK_EXIT_ERROR;
  if(rc) {
    acd_shutdown(&rt);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
  }
  CTK_INFO(MAIN_MOD, "listening: sip=%s:%d agents=%u queue_limit=%u", rt.opt.bind_addr,
           ctk_acd_sip_port(rt.sip), rt.opt.cfg.agents, rt.opt.cfg.queue_limit);
  acd_loop(&rt);

  ctk_acd_stats_print(&rt.stats, stdout, 0);
  fflush(stdout);
  if(rt.opt.stats_json) {
    ctk_buf_init(&json, 64 * 1024);
    if(ctk_acd_stats_json(&rt.stats, &json) || acd_write_file(rt.opt.stats_json, ctk_buf_str(&json))) {
      fprintf(stderr, "ctk sim acd: cannot write %s: %s\n", rt.opt.stats_json, strerror(errno));
      rc = CTK_EXIT_ERROR;
    }
    ctk_buf_free(&json);
  }
  acd_shutdown(&rt);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  return rc;
}
