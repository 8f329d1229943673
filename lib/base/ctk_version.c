/* ctk_version: the tool's version and the commit it was built from. */
#include "ctk_version.h"

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
