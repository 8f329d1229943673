/* cmd_serve: `ctk serve ministry|province`, the reference endpoints as daemons. Runs until
 * SIGINT or SIGTERM, then stops accepting, finishes what is in flight, flushes and exits 0. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

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
        "  --max-connections N    open HTTP connections at once (default 1024)\n"
        "  --fault NAME           province only: misbehave on purpose (repeatable):\n",
        out);
  for(i = 0; i < CTK_PF__COUNT; i++) {
    const ctk_province_fault_info *f = ctk_province_fault_get((ctk_province_fault)i);
    fprintf(out, "      %-28s %s [%s]\n", f->name, f->description, f->requirement);
  }
  fputs("\nExit status: 0 after a clean stop, 2 for a bad command line or configuration,\n"
        "1 when the endpoint cannot start.\n", out);
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

  if(argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    serve_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if(!strcmp(argv[1], "ministry"))
    level = CTK_LEVEL_MINISTRY;
  else if(!strcmp(argv[1], "province"))
    level = CTK_LEVEL_PROVINCE;
  else {
    fprintf(stderr, "ctk serve: the role is ministry or province, not '%s'\n", argv[1]);
    return 2;
  }
  ctk_node_config_init(&cfg, level);

  /* The config file first, so the command line overrides it. */
  for(i = 2; i < argc; i++) {
    if(!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      serve_usage(stdout);
      return 0;
    }
    if(!strcmp(argv[i], "--config")) {
      if(i + 1 >= argc) {
        fprintf(stderr, "ctk serve: --config needs a file\n");
        return 2;
      }
      if(ctk_node_config_load(&cfg, argv[i + 1], err, sizeof(err))) {
        fprintf(stderr, "ctk serve: %s\n", err);
        return 2;
      }
    }
  }
  for(i = 2; i < argc; i++) {
    if(strncmp(argv[i], "--", 2) || i + 1 >= argc) {
      fprintf(stderr, "ctk serve: expected --option VALUE at '%s'\n", argv[i]);
      return 2;
    }
    if(!strcmp(argv[i], "--config")) {
      i++;
      continue;
    }
    if(ctk_node_config_set(&cfg, argv[i] + 2, argv[i + 1], err, sizeof(err))) {
      fprintf(stderr, "ctk serve: %s\n", err);
      return 2;
    }
    i++;
  }
  if(level == CTK_LEVEL_MINISTRY && cfg.faults) {
    fprintf(stderr, "ctk serve: fault modes belong to the province\n");
    return 2;
  }
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
    return result == CTK_E_INVAL || result == CTK_E_PARSE ? 2 : 1;
  }
  if(sigwait(&sigs, &sig) != 0)
    sig = 0;
  CTK_INFO("serve", "signal %d: stopping", sig);
  ctk_node_stop(node);
  return 0;
}
