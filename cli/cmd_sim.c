/* cmd_sim: `ctk sim city|acd ...`, the simulators a test plays against the system under test;
 * each has its own command function and --help. */
#include <stdio.h>
#include <string.h>

#include "ctk_cli.h"
#include "ctk_commands.h"

static void usage(FILE *out)
{
  fputs("usage: ctk sim city|acd [OPTIONS]   (ctk sim city --help, ctk sim acd --help)\n"
        "  city   many city 12328 systems below one province: traffic, the city's part,\n"
        "         control API for tests, CTI intake\n"
        "  acd    call-queue machine: SIP agents and queue, CTI events (CSTA XML, webhook)\n",
        out);
}

int ctk_cmd_sim(int argc, char **argv)
{
  if(argc < 2) {
    usage(stderr);
    return CTK_EXIT_USAGE;
  }
  if(ctk_cli_is_help(argv[1])) {
    usage(stdout);
    return CTK_EXIT_OK;
  }
  if(!strcmp(argv[1], "city"))
    return ctk_cmd_sim_city(argc - 1, argv + 1);
  if(!strcmp(argv[1], "acd"))
    return ctk_cmd_sim_acd(argc - 1, argv + 1);
  return ctk_cli_usage_error("ctk sim", usage, "unknown simulator '%s'", argv[1]);
}
