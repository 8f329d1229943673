/* ctk_load_main: the `ctk load calls` command: options, one SIPp run, a summary and JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int load_number(const char *opt, const char *text, double min, double max, double *out)
{
  char *end = NULL;
  double v;
  errno = 0;
  v = strtod(text, &end);
  if(errno || !end || end == text || *end || !(v >= min) || v > max) {
    fprintf(stderr, "ctk load calls: --%s wants a number from %g to %g, not '%s'\n", opt, min, max, text);
    return -1;
  }
  *out = v;
  return 0;
}

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
  double v;
  int ch, lvl;
  ctk_code rc;

  if(argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    load_usage(stdout);
    return 0;
  }
  if(argc < 2 || strcmp(argv[1], "calls")) {
    fprintf(stderr, "ctk load: the only load kind is 'calls' (ctk load calls --help)\n");
    return 3;
  }
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
      if(load_number("rate", optarg, 0.001, 100000, &v))
        return 3;
      o.rate = v;
      break;
    case 'l':
      if(load_number("concurrency", optarg, 1, 1000000, &v))
        return 3;
      o.concurrency = (unsigned)v;
      break;
    case 'm':
      if(load_number("calls", optarg, 1, 100000000, &v))
        return 3;
      o.calls = (unsigned long)v;
      break;
    case LOPT_DURATION:
      if(load_number("duration", optarg, 1, 86400, &v))
        return 3;
      o.duration_s = (unsigned)v;
      break;
    case LOPT_PAUSE:
      if(load_number("pause-ms", optarg, 0, 3600000, &v))
        return 3;
      o.pause_ms = (unsigned)v;
      break;
    case LOPT_TRANSPORT:
      o.transport = optarg;
      break;
    case LOPT_SERVICE:
      o.service = optarg;
      break;
    case LOPT_TIMEOUT:
      if(load_number("timeout", optarg, 1, 86400, &v))
        return 3;
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
      if(lvl < 0) {
        fprintf(stderr, "ctk load calls: --log-level is error, warn, info or debug\n");
        return 3;
      }
      ctk_log_set_level((ctk_log_level)lvl);
      break;
    case 'h':
    case LOPT_HELP:
      load_usage(stdout);
      return 0;
    default:
      fprintf(stderr, "ctk load calls: unknown or incomplete option '%s' (see --help)\n",
              optind > 1 && optind - 1 < argc ? argv[optind - 1] : "?");
      return 3;
    }
  }
  if(optind < argc) {
    fprintf(stderr, "ctk load calls: unexpected argument '%s'\n", argv[optind]);
    return 3;
  }
  if(!o.target) {
    fprintf(stderr, "ctk load calls: --target HOST:PORT is required\n");
    return 3;
  }

  ctk_proc_install_signal_handlers(); /* ^C stops SIPp too, then us */
  rc = ctk_load_run(&o, &r);
  if(rc) {
    fprintf(stderr, "ctk load calls: %s\n", r.reason[0] ? r.reason : ctk_strerror(rc));
    return (rc == CTK_E_INVAL || rc == CTK_E_DENIED || rc == CTK_E_TOOBIG) ? 3 : 2;
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
      return 2;
    }
  }
  return r.passed ? 0 : 1;
}
