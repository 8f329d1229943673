/* ctk_main: the ctk command; dispatches to the subcommands listed in ctk_commands.h. */
#include <stdio.h>
#include <string.h>

#include "ctk_cli.h"
#include "ctk_commands.h"

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
#define CTK_CMD_ENTRY(name, fn, summary) { #name, fn, summary },
  CTK_COMMANDS(CTK_CMD_ENTRY)
#undef CTK_CMD_ENTRY
};

static void usage(FILE *out)
{
  size_t i;
  fputs("usage: ctk COMMAND [ARGS...]   (ctk COMMAND --help for each)\n\n", out);
  fputs("ctk12328: conformance and interconnection test kit for 12328 hotline systems\n\n", out);
  for(i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
  size_t i;
  if(argc < 2) {
    usage(stderr);
    return CTK_EXIT_USAGE;
  }
  if(ctk_cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
    usage(stdout);
    return CTK_EXIT_OK;
  }
  if(!strcmp(argv[1], "--version"))
    return ctk_cmd_version(1, argv + 1);
  for(i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    if(!strcmp(argv[1], commands[i].name))
      return commands[i].fn(argc - 1, argv + 1);
  }
  return ctk_cli_usage_error("ctk", usage, "unknown command '%s'", argv[1]);
}
