/* cmd_requirements: `ctk requirements [--coverage] [--profile DIR] [--uncovered FILE]`:
 * every requirement of the profile with the conformance tests that check it. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_coverage.h"
#include "ctk_datadir.h"
#include "ctk_profile.h"

static void req_usage(FILE *out)
{
  fputs("usage: ctk requirements [--coverage] [--profile DIR] [--uncovered FILE]\n"
        "  List every requirement of the profile with the conformance tests that check it.\n"
        "  --coverage        one line per requirement: tested, reason (why no test), MISSING;\n"
        "                    exit 1 when any requirement has neither a test nor a reason\n"
        "  --profile DIR     profile directory (default: $CTK_PROFILE or "
        "profiles/jtt1019-baseline\n"
        "                    of ctk's data folder, ctk(1))\n"
        "  --uncovered FILE  reasons for untested requirements, CSV id,reason\n"
        "                    (default runner/uncovered.csv of ctk's data folder)\n"
        "exit: 0 complete, 1 a requirement lacks both test and reason, 2 the profile or FILE\n"
        "      cannot be read, 3 usage\n",
        out);
}

int ctk_cmd_requirements(int argc, char **argv)
{
  const char *profile_dir = NULL;
  char uncovered_default[PATH_MAX];
  const char *uncovered = ctk_datadir_path("runner/uncovered.csv", uncovered_default,
                                           sizeof(uncovered_default));
  int coverage = 0;
  int i;
  int status;
  ctk_profile *p = NULL;
  ctk_coverage cov;
  char err[512];

  for(i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--coverage"))
      coverage = 1;
    else if(!strcmp(argv[i], "--profile") || !strcmp(argv[i], "--uncovered")) {
      const char *value = ctk_cli_value("ctk requirements", argc, argv, &i);
      if(!value)
        return CTK_EXIT_USAGE;
      if(!strcmp(argv[i - 1], "--profile"))
        profile_dir = value;
      else
        uncovered = value;
    }
    else if(ctk_cli_is_help(argv[i])) {
      req_usage(stdout);
      return CTK_EXIT_OK;
    }
    else
      return ctk_cli_usage_error("ctk requirements", req_usage, "unknown argument '%s'",
                                 argv[i]);
  }
  if(!profile_dir)
    profile_dir = ctk_profile_default_dir();
  if(ctk_profile_load(profile_dir, &p, err, sizeof(err))) {
    fprintf(stderr, "ctk requirements: profile %s: %s\n", profile_dir, err);
    return CTK_EXIT_ERROR;
  }
  if(ctk_coverage_build(p, uncovered, &cov, err, sizeof(err))) {
    fprintf(stderr, "ctk requirements: %s\n", err);
    ctk_profile_free(p);
    return CTK_EXIT_ERROR;
  }
  ctk_coverage_print(&cov, coverage, stdout);
  status = coverage && cov.missing ? CTK_EXIT_FAIL : CTK_EXIT_OK;
  ctk_coverage_free(&cov);
  ctk_profile_free(p);
  return status;
}
