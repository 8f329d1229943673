/* cmd_version: `ctk version`, the tool's version, the commit it was built from and the data
 * folder it reads its profiles, data and fixtures from. */
#include <stdio.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_datadir.h"
#include "ctk_version.h"

static void version_usage(FILE *out)
{
  fputs("usage: ctk version   (also ctk --version)\n"
        "  Prints the tool's version and the commit it was built from, and on a second line\n"
        "  the data folder it takes profiles/, data/ and fixtures/ from ($CTK_DATA_DIR, a\n"
        "  checkout, the installed copy beside ctk, else the folder of `make install`).\n"
        "  Exit status 0.\n",
        out);
}

int ctk_cmd_version(int argc, char **argv)
{
  if(argc >= 2 && ctk_cli_is_help(argv[1])) {
    version_usage(stdout);
    return CTK_EXIT_OK;
  }
  if(argc >= 2)
    return ctk_cli_usage_error("ctk version", version_usage, "unexpected argument '%s'",
                               argv[1]);
  printf("ctk %s (commit %s)\ndata: %s\n", ctk_version(), ctk_git_commit(), ctk_datadir());
  return CTK_EXIT_OK;
}
