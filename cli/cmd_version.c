/* cmd_version: `ctk version`, the tool's version and the commit it was built from. */
#include <stdio.h>

#include "ctk_commands.h"
#include "ctk_version.h"

int ctk_cmd_version(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  printf("ctk %s (commit %s)\n", ctk_version(), ctk_git_commit());
  return 0;
}
