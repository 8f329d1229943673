/* cmd_profile: `ctk profile lint DIR`, every problem of a profile with FILE:LINE and how to fix
 * it, including requirement ids the conformance tests use that the profile lacks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_ct.h"
#include "ctk_profile_check.h"

static void profile_usage(FILE *out)
{
  fputs("usage: ctk profile lint [PROFILE_DIR]\n"
        "  lint   every problem of a profile, one per line: FILE:LINE: problem (fix: ...);\n"
        "         PROFILE_DIR defaults to $CTK_PROFILE or profiles/jtt1019-baseline\n"
        "exit: 0 clean, 1 problems found, 3 usage (docs/CLI.md)\n",
        out);
}

typedef struct lint_out {
  const char *dir;
  FILE *out;
} lint_out;

static void print_problem(void *ctx, const char *file, long line, const char *text,
                          const char *hint)
{
  lint_out *lo = ctx;
  fprintf(lo->out, "%s/%s:%ld: %s", lo->dir, file[0] ? file : "?", line, text);
  if(hint[0])
    fprintf(lo->out, " (fix: %s)", hint);
  fputc('\n', lo->out);
}

static void free_requirements(ctk_required_id *ids, size_t n)
{
  size_t i;
  for(i = 0; i < n; i++)
    free((char *)ids[i].id);
  free(ids);
}

/* Every requirement id of every conformance test, for the check that the profile has them. */
static ctk_required_id *tests_requirements(size_t *n)
{
  ctk_required_id *ids = NULL;
  size_t count = 0;
  size_t cap = 0;
  size_t i;

  for(i = 0; i < ctk_ct_count(); i++) {
    const char *r = ctk_ct_at(i)->requirements;
    while(r && *r) {
      size_t len = strcspn(r, ",");
      if(len) {
        char *id;
        if(count == cap) {
          ctk_required_id *grown;
          cap = cap ? cap * 2 : 64;
          grown = realloc(ids, cap * sizeof(*ids));
          if(!grown)
            break;
          ids = grown;
        }
        id = strndup(r, len);
        if(!id)
          break;
        ids[count].id = id;
        ids[count].used_by = ctk_ct_at(i)->id;
        count++;
      }
      r += len;
      if(*r == ',')
        r++;
    }
  }
  *n = count;
  return ids;
}

static int profile_lint(int argc, char **argv)
{
  lint_out lo;
  struct stat st;
  ctk_required_id *ids;
  size_t n_ids = 0;
  size_t problems;

  if(argc > 2)
    return ctk_cli_usage_error("ctk profile lint", profile_usage, "one profile directory at most");
  if(argc == 2 && ctk_cli_is_help(argv[1])) {
    profile_usage(stdout);
    return CTK_EXIT_OK;
  }
  lo.dir = argc == 2 ? argv[1] : ctk_profile_default_dir();
  lo.out = stdout;
  if(stat(lo.dir, &st) || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "ctk profile lint: %s: not a profile directory (%s)\n", lo.dir,
            strerror(errno ? errno : ENOTDIR));
    return CTK_EXIT_ERROR;
  }
  ids = tests_requirements(&n_ids);
  problems = ctk_profile_lint(lo.dir, ids, n_ids, print_problem, &lo);
  free_requirements(ids, n_ids);
  if(problems) {
    fprintf(stderr, "ctk profile lint: %s: %zu problem%s\n", lo.dir, problems,
            problems == 1 ? "" : "s");
    return CTK_EXIT_FAIL;
  }
  fprintf(stderr, "ctk profile lint: %s: clean\n", lo.dir);
  return CTK_EXIT_OK;
}

int ctk_cmd_profile(int argc, char **argv)
{
  if(argc < 2)
    return ctk_cli_usage_error("ctk profile", profile_usage, "a subcommand is needed");
  if(ctk_cli_is_help(argv[1])) {
    profile_usage(stdout);
    return CTK_EXIT_OK;
  }
  if(!strcmp(argv[1], "lint"))
    return profile_lint(argc - 1, argv + 1);
  return ctk_cli_usage_error("ctk profile", profile_usage, "unknown subcommand '%s'", argv[1]);
}
