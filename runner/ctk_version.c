/* ctk_version: the tool's version and the commit it was built from. */
#include <stdio.h>

#include "ctk_commands.h"

#ifndef CTK_GIT_COMMIT
#define CTK_GIT_COMMIT "unknown"
#endif

const char *ctk_version(void)
{
  return "0.1.0";
}

const char *ctk_git_commit(void)
{
  return CTK_GIT_COMMIT;
}

int ctk_cmd_version(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  printf("ctk %s (commit %s)\n", ctk_version(), ctk_git_commit());
  return 0;
}
