/* cmd_serve: `ctk serve ministry|province`, the reference endpoints as daemons. Runs until
 * SIGINT or SIGTERM, then stops accepting, finishes what is in flight, flushes and exits 0. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_http.h"
#include "ctk_log.h"
#include "ctk_node.h"
#include "ctk_province_faults.h"

static void serve_usage(FILE *out)
{
  int i;
  fputs("usage: ctk serve ministry|province [OPTIONS]\n"
        "\n"
        "Run a reference 12328 endpoint (see docs/ENDPOINTS.md and ctk-serve(1)).\n"
        "\n"
        "  --config FILE          key = value lines, same names as these options\n"
        "  --region CODE          the province's code (the ministry is always 100000)\n"
        "  --listen ADDR:PORT     default 127.0.0.1:0 (port 0 = any free port)\n"
        "  --address HOST[:PORT]  where clients reach this node: the address in its WSDL\n"
        "                         (GET /soap?wsdl; default the listen address and port)\n"
        "  --port-file FILE       write the bound port here once ready\n"
        "  --data DIR             store directory (ctk.db), default .\n"
        "  --credentials FILE     region,level,salt_hex,hash_hex: who may call this node\n"
        "  --secret-file FILE     this node's own secret, for calling its peers\n"
        "  --peers FILE           region,level,url[,binding[,encoding]]: where neighbours are\n"
        "  --tls-cert F --tls-key F   serve HTTPS\n"
        "  --peer-ca FILE         CA (PEM) that signs https peers (default: system store)\n"
        "  --profile DIR          profile directory (default $CTK_PROFILE or the baseline)\n"
        "  --regions FILE         region table (default data/regions.csv)\n"
        "  --calendar FILE        working-day calendar (default data/cn-calendar.csv)\n"
        "  --log-level L          error, warn, info (default), debug\n"
        "  --deadline TYPE=DAYS   working days to complete business type TYPE (repeatable)\n"
        "  --urge-interval S      province: seconds between overdue scans (default 60)\n"
        "  --outbox-workers N     delivery threads (default 8)\n"
        "  --retry-initial-ms MS  first retry delay, doubled per attempt (default 500)\n"
        "  --retry-max-ms MS      cap of the retry delay (default 30000)\n"
        "  --retry-max-attempts N give a delivery up after N attempts (default 0 = never)\n"
        "  --http-threads N       server threads (default 8)\n"
        "  --max-connections N    open HTTP connections at once (default 1024); more are\n"
        "                         closed at once\n"
        "  --max-connections-per-address N\n"
        "                         of them from one client address (default 512)\n"
        "  --request-timeout S    a whole request (headers and body) must arrive within S\n"
        "                         seconds, however slowly it trickles (default 30)\n"
        "  --fault NAME           province only: misbehave on purpose (repeatable):\n",
        out);
  for(i = 0; i < CTK_PF__COUNT; i++) {
    const ctk_province_fault_info *f = ctk_province_fault_get((ctk_province_fault)i);
    fprintf(out, "      %-28s %s\n", f->name, f->description);
  }
  fputs("\nExit status: 0 after a clean stop, 2 when the endpoint cannot start (profile, store,\n"
        "port...), 3 for a bad command line or configuration (--config, values, TLS pair).\n",
        out);
}

int ctk_cmd_serve(int argc, char **argv)
{
  ctk_node_config cfg;
  ctk_node_engine *node = NULL;
  ctk_level level;
  char err[512];
  sigset_t sigs;
  int sig = 0;
  int i;
  ctk_code result;

  if(argc < 2 || ctk_cli_is_help(argv[1])) {
    serve_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? CTK_EXIT_USAGE : CTK_EXIT_OK;
  }
  if(!strcmp(argv[1], "ministry"))
    level = CTK_LEVEL_MINISTRY;
  else if(!strcmp(argv[1], "province"))
    level = CTK_LEVEL_PROVINCE;
  else
    return ctk_cli_usage_error("ctk serve", NULL, "the role is ministry or province, not '%s'",
                               argv[1]);
  ctk_node_config_init(&cfg, level);

  /* The config file first, so the command line overrides it. */
  for(i = 2; i < argc; i++) {
    if(ctk_cli_is_help(argv[i])) {
      serve_usage(stdout);
      return CTK_EXIT_OK;
    }
    if(!strcmp(argv[i], "--config")) {
      if(i + 1 >= argc)
        return ctk_cli_usage_error("ctk serve", NULL, "--config needs a file");
      if(ctk_node_config_load(&cfg, argv[i + 1], err, sizeof(err)))
        return ctk_cli_usage_error("ctk serve", NULL, "%s", err);
    }
  }
  for(i = 2; i < argc; i++) {
    if(strncmp(argv[i], "--", 2) || i + 1 >= argc)
      return ctk_cli_usage_error("ctk serve", NULL, "expected --option VALUE at '%s'", argv[i]);
    if(!strcmp(argv[i], "--config")) {
      i++;
      continue;
    }
    if(ctk_node_config_set(&cfg, argv[i] + 2, argv[i + 1], err, sizeof(err)))
      return ctk_cli_usage_error("ctk serve", NULL, "%s", err);
    i++;
  }
  if(level == CTK_LEVEL_MINISTRY && cfg.faults)
    return ctk_cli_usage_error("ctk serve", NULL, "fault modes belong to the province");
  ctk_log_set_level((ctk_log_level)ctk_log_level_parse(cfg.log_level));
  snprintf(err, sizeof(err), "%s-%s", argv[1], cfg.region);
  ctk_log_set_ident(err);
  ctk_http_global_init();

  /* Block the stop signals before any thread starts, so only sigwait below receives them. */
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);

  result = ctk_node_start(&cfg, &node, err, sizeof(err));
  if(result) {
    fprintf(stderr, "ctk serve: %s\n", err);
    /* values that do not fit together or files that do not parse: the configuration's fault */
    return result == CTK_E_INVAL || result == CTK_E_PARSE ? CTK_EXIT_USAGE : CTK_EXIT_ERROR;
  }
  if(sigwait(&sigs, &sig) != 0)
    sig = 0;
  CTK_INFO("serve", "signal %d: stopping", sig);
  ctk_node_stop(node);
  return CTK_EXIT_OK;
}
