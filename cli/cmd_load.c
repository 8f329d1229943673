/* ctk_load_main: the `ctk load calls` command: options, one SIPp run, a summary and JSON. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_log.h"
#include "ctk_proc.h"
#include "load/ctk_load.h"

static void load_usage(FILE *out)
{
  fputs("usage: ctk load calls --target HOST:PORT [OPTIONS]\n"
        "Drive SIP call load with SIPp (Debian package " CTK_LOAD_SIPP_PACKAGE ") using our scenarios.\n\n"
        "  --target HOST:PORT    the SIP side of the system (127.0.0.0/8 unless --allow-remote)\n"
        "  --scenario NAME       talk (default) | abandon | burst | busy | agent-hangup | FILE.xml\n"
        "  --rate R              new calls per second (default 10)\n"
        "  -l, --concurrency N   at most N calls at once (SIPp -l)\n"
        "  -m, --calls N         calls to complete (SIPp -m)\n"
        "  --duration S          with no --calls: rate x S calls\n"
        "  --pause-ms MS         talk time, or waiting time before CANCEL (default 1000)\n"
        "  --transport udp|tcp   (default udp)\n"
        "  --service USER        Request-URI user (default 12328)\n"
        "  --timeout S           hard bound of the run (default: computed)\n"
        "  --run-dir DIR         where SIPp's statistics and logs go (default: new temp dir)\n"
        "  --scenario-dir DIR    where scenario files are (default: found next to ctk)\n"
        "  --sipp PROGRAM        SIPp program (default sipp, looked up on PATH)\n"
        "  --callers FILE        SIPp -inf file of caller numbers (default 13800000001...)\n"
        "  --json FILE           write the result as JSON (- for stdout)\n"
        "  --allow-remote        allow a target outside 127.0.0.0/8\n"
        "  --log-level L         error | warn | info | debug\n"
        "Exit: 0 every call completed, 1 the run failed, 2 could not run, 3 usage.\n",
        out);
}

#define LOAD_CMD "ctk load calls"

enum {
  LOPT_TARGET = 1000, LOPT_SCENARIO, LOPT_RATE, LOPT_DURATION, LOPT_PAUSE, LOPT_TRANSPORT,
  LOPT_SERVICE, LOPT_TIMEOUT, LOPT_RUNDIR, LOPT_SCENDIR, LOPT_SIPP, LOPT_JSON, LOPT_REMOTE,
  LOPT_LOG, LOPT_CALLERS, LOPT_HELP
};

int ctk_cmd_load(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "target", required_argument, NULL, LOPT_TARGET },
    { "scenario", required_argument, NULL, LOPT_SCENARIO },
    { "rate", required_argument, NULL, LOPT_RATE },
    { "concurrency", required_argument, NULL, 'l' },
    { "calls", required_argument, NULL, 'm' },
    { "duration", required_argument, NULL, LOPT_DURATION },
    { "pause-ms", required_argument, NULL, LOPT_PAUSE },
    { "transport", required_argument, NULL, LOPT_TRANSPORT },
    { "service", required_argument, NULL, LOPT_SERVICE },
    { "timeout", required_argument, NULL, LOPT_TIMEOUT },
    { "run-dir", required_argument, NULL, LOPT_RUNDIR },
    { "scenario-dir", required_argument, NULL, LOPT_SCENDIR },
    { "sipp", required_argument, NULL, LOPT_SIPP },
    { "json", required_argument, NULL, LOPT_JSON },
    { "callers", required_argument, NULL, LOPT_CALLERS },
    { "allow-remote", no_argument, NULL, LOPT_REMOTE },
    { "log-level", required_argument, NULL, LOPT_LOG },
    { "help", no_argument, NULL, LOPT_HELP },
    { NULL, 0, NULL, 0 }
  };
  ctk_load_options o;
  ctk_load_result r;
  const char *json_path = NULL;
  double rate;
  long v;
  int ch, lvl;
  ctk_code rc;

  if(argc >= 2 && ctk_cli_is_help(argv[1])) {
    load_usage(stdout);
    return CTK_EXIT_OK;
  }
  if(argc < 2 || strcmp(argv[1], "calls"))
    return ctk_cli_usage_error("ctk load", NULL,
                               "the only load kind is 'calls' (ctk load calls --help)");
  ctk_load_options_defaults(&o);
  argc--;
  argv++;
  optind = 1;
  opterr = 0;
  for(;;) {
    ch = getopt_long(argc, argv, "l:m:h", longopts, NULL);
    if(ch == -1)
      break;
    switch(ch) {
    case LOPT_TARGET:
      o.target = optarg;
      break;
    case LOPT_SCENARIO:
      o.scenario = optarg;
      break;
    case LOPT_RATE:
      if(ctk_cli_double(LOAD_CMD, "--rate", optarg, 0.001, 100000, &rate))
        return CTK_EXIT_USAGE;
      o.rate = rate;
      break;
    case 'l':
      if(ctk_cli_long(LOAD_CMD, "--concurrency", optarg, 1, 1000000, &v))
        return CTK_EXIT_USAGE;
      o.concurrency = (unsigned)v;
      break;
    case 'm':
      if(ctk_cli_long(LOAD_CMD, "--calls", optarg, 1, 100000000, &v))
        return CTK_EXIT_USAGE;
      o.calls = (unsigned long)v;
      break;
    case LOPT_DURATION:
      if(ctk_cli_long(LOAD_CMD, "--duration", optarg, 1, 86400, &v))
        return CTK_EXIT_USAGE;
      o.duration_s = (unsigned)v;
      break;
    case LOPT_PAUSE:
      if(ctk_cli_long(LOAD_CMD, "--pause-ms", optarg, 0, 3600000, &v))
        return CTK_EXIT_USAGE;
      o.pause_ms = (unsigned)v;
      break;
    case LOPT_TRANSPORT:
      o.transport = optarg;
      break;
    case LOPT_SERVICE:
      o.service = optarg;
      break;
    case LOPT_TIMEOUT:
      if(ctk_cli_long(LOAD_CMD, "--timeout", optarg, 1, 86400, &v))
        return CTK_EXIT_USAGE;
      o.timeout_s = (unsigned)v;
      break;
    case LOPT_RUNDIR:
      o.run_dir = optarg;
      break;
    case LOPT_SCENDIR:
      o.scenario_dir = optarg;
      break;
    case LOPT_SIPP:
      o.sipp = optarg;
      break;
    case LOPT_JSON:
      json_path = optarg;
      break;
    case LOPT_CALLERS:
      o.callers = optarg;
      break;
    case LOPT_REMOTE:
      o.allow_remote = 1;
      break;
    case LOPT_LOG:
      lvl = ctk_log_level_parse(optarg);
      if(lvl < 0)
        return ctk_cli_usage_error(LOAD_CMD, NULL, "--log-level is error, warn, info or debug");
      ctk_log_set_level((ctk_log_level)lvl);
      break;
    case 'h':
    case LOPT_HELP:
      load_usage(stdout);
      return CTK_EXIT_OK;
    default:
      return ctk_cli_getopt_error(LOAD_CMD, argc, argv);
    }
  }
  if(optind < argc)
    return ctk_cli_usage_error(LOAD_CMD, NULL, "unexpected argument '%s'", argv[optind]);
  if(!o.target)
    return ctk_cli_usage_error(LOAD_CMD, NULL, "--target HOST:PORT is required");

  ctk_proc_install_signal_handlers(); /* ^C stops SIPp too, then us */
  rc = ctk_load_run(&o, &r);
  if(rc) {
    fprintf(stderr, "ctk load calls: %s\n", r.reason[0] ? r.reason : ctk_strerror(rc));
    /* a target that is malformed, too long or not on loopback is the command line's fault */
    return (rc == CTK_E_INVAL || rc == CTK_E_DENIED || rc == CTK_E_TOOBIG) ? CTK_EXIT_USAGE
                                                                            : CTK_EXIT_ERROR;
  }
  printf("%s: %lu of %lu calls successful, %lu failed, %.2f s, SIPp exit %d%s%s\n",
         r.passed ? "PASS" : "FAIL", r.successful, r.asked, r.failed, r.elapsed_s, r.sipp_exit,
         r.passed ? "" : "; ", r.reason);
  printf("run directory: %s\n", r.run_dir);
  if(json_path) {
    ctk_buf json;
    ctk_buf_init(&json, 64 * 1024);
    rc = ctk_load_result_json(&r, &json);
    if(!rc) {
      FILE *f = strcmp(json_path, "-") ? fopen(json_path, "w") : stdout;
      if(!f || fprintf(f, "%s\n", ctk_buf_str(&json)) < 0)
        rc = CTK_E_IO;
      if(f && f != stdout && fclose(f) != 0)
        rc = CTK_E_IO;
    }
    ctk_buf_free(&json);
    if(rc) {
      fprintf(stderr, "ctk load calls: cannot write %s\n", json_path);
      return CTK_EXIT_ERROR;
    }
  }
  return r.passed ? CTK_EXIT_OK : CTK_EXIT_FAIL;
}
