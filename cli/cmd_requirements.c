/* cmd_requirements: `ctk requirements [--coverage] [--profile DIR] [--uncovered FILE]`:
 * every requirement of the profile with the conformance tests that check it. */
#include <stdio.h>
#include <string.h>

#include "ctk_commands.h"
#include "ctk_coverage.h"
#include "ctk_profile.h"

static void req_usage(FILE *out)
{
  fputs("usage: ctk requirements [--coverage] [--profile DIR] [--uncovered FILE]\n"
        "  List every requirement of the profile with the conformance tests that check it.\n"
        "  --coverage        one line per requirement: tested, reason (why no test), MISSING;\n"
        "                    exit 1 when any requirement has neither a test nor a reason\n"
        "  --profile DIR     profile directory (default: $CTK_PROFILE or "
        "profiles/jtt1019-baseline)\n"
        "  --uncovered FILE  reasons for untested requirements, CSV id,reason\n"
        "                    (default runner/uncovered.csv)\n"
        "exit: 0 complete, 1 a requirement lacks both test and reason, 3 usage or profile error\n",
        out);
}

int ctk_cmd_requirements(int argc, char **argv)
{
  const char *profile_dir = NULL;
  const char *uncovered = "runner/uncovered.csv";
  int coverage = 0;
  int i;
  ctk_profile *p = NULL;
  ctk_coverage cov;
  char err[512];

  for(i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--coverage"))
      coverage = 1;
    else if(!strcmp(argv[i], "--profile") && i + 1 < argc)
      profile_dir = argv[++i];
    else if(!strcmp(argv[i], "--uncovered") && i + 1 < argc)
      uncovered = argv[++i];
    else if(!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      req_usage(stdout);
      return 0;
    }
    else {
      fprintf(stderr, "ctk requirements: unknown argument '%s'\n", argv[i]);
      req_usage(stderr);
      return 3;
    }
  }
  if(!profile_dir)
    profile_dir = ctk_profile_default_dir();
  if(ctk_profile_load(profile_dir, &p, err, sizeof(err))) {
    fprintf(stderr, "ctk requirements: profile %s: %s\n", profile_dir, err);
    return 3;
  }
  if(ctk_coverage_build(p, uncovered, &cov, err, sizeof(err))) {
    fprintf(stderr, "ctk requirements: %s\n", err);
    ctk_profile_free(p);
    return 3;
  }
  ctk_coverage_print(&cov, coverage, stdout);
  i = coverage && cov.missing ? 1 : 0;
  ctk_coverage_free(&cov);
  ctk_profile_free(p);
  return i;
}
