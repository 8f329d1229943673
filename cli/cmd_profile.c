/* cmd_profile: `ctk profile lint DIR`, every problem of a profile with FILE:LINE and how to fix
 * it (including requirement ids the conformance tests use that the profile lacks);
 * `ctk profile fixtures DIR OUT`, the profile's message set; `ctk profile roles [DIR]`, the
 * table of roles a profile maps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_ct.h"
#include "ctk_profile_check.h"
#include "ctk_file.h"
#include "ctk_profile_fixtures.h"
#include "ctk_translate.h"

static void profile_usage(FILE *out)
{
  fputs("usage: ctk profile lint [PROFILE_DIR]\n"
        "       ctk profile fixtures PROFILE_DIR OUT_DIR\n"
        "       ctk profile roles [PROFILE_DIR...]\n"
        "  lint      every problem of a profile, one per line: FILE:LINE: problem (fix: ...);\n"
        "            PROFILE_DIR defaults to $CTK_PROFILE or profiles/jtt1019-baseline\n"
        "  fixtures  compose the profile's messages into OUT_DIR/valid (every interface, both\n"
        "            bindings, every encoding) and OUT_DIR/invalid (one fault each, with\n"
        "            NAME.expect: code, requirement, where); each is checked before it is written;\n"
        "            and the kit's hostile catalogue (fixtures/hostile, or $CTK_HOSTILE_DIR)\n"
        "            translated into the profile, into OUT_DIR/hostile\n"
        "  roles     the roles a profile maps, as a Markdown table; a column per PROFILE_DIR\n"
        "            with what that profile calls each\n"
        "exit: 0 clean (lint) or all written (fixtures), 1 problems found or a message failed\n"
        "its check, 2 a profile does not load, 3 usage (docs/CLI.md)\n",
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

static void print_fixture_note(void *ctx, const char *file, const char *text)
{
  fprintf(stderr, "ctk profile fixtures: %s: %s: %s\n", (const char *)ctx, file, text);
}

#define HOSTILE_FILE_MAX ((size_t)4 * 1024 * 1024)
#define HOSTILE_CASES_MAX 512

/* The hostile catalogue, translated from the profile it is written in into p, file by file.
 * Returns how many files were written; -1 when the catalogue cannot be read or translated. */
static long hostile_fixtures(const ctk_profile *p, const char *out_dir)
{
  const char *env = getenv("CTK_HOSTILE_DIR");
  const char *dir = env && *env ? env : "fixtures/hostile";
  char *names[HOSTILE_CASES_MAX];
  char err[1024], path[1200];
  ctk_profile *source = NULL;
  ctk_translate *tr = NULL;
  long found, i, written = 0;

  found = ctk_ct_list_files(dir, ".http", names, HOSTILE_CASES_MAX);
  if(found < 0) {
    fprintf(stderr, "ctk profile fixtures: no hostile catalogue at %s (set CTK_HOSTILE_DIR)\n",
            dir);
    return -1;
  }
  if(ctk_translate_for_dir(dir, p, &source, &tr, err, sizeof(err))) {
    fprintf(stderr, "ctk profile fixtures: %s\n", err);
    for(i = 0; i < found; i++)
      free(names[i]);
    return -1;
  }
  snprintf(path, sizeof(path), "%s/hostile", out_dir);
  if(mkdir(path, 0755) && errno != EEXIST) {
    fprintf(stderr, "ctk profile fixtures: %s: %s\n", path, strerror(errno));
    written = -1;
  }
  for(i = 0; i < found; i++) {
    ctk_buf in, out;
    ctk_code result;
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    ctk_buf_init(&in, HOSTILE_FILE_MAX);
    ctk_buf_init(&out, HOSTILE_FILE_MAX * 2);
    result = written < 0 ? CTK_E_IO : ctk_file_read(path, HOSTILE_FILE_MAX, &in);
    if(!result)
      result = tr ? ctk_translate_http(tr, in.data ? in.data : "", in.len, &out)
                  : ctk_buf_add(&out, in.data ? in.data : "", in.len);
    if(!result) {
      snprintf(path, sizeof(path), "%s/hostile/%s", out_dir, names[i]);
      result = ctk_file_write_atomic(path, out.data ? out.data : "", out.len, 0644);
    }
    if(result && written >= 0) {
      fprintf(stderr, "ctk profile fixtures: %s: %s\n", path, ctk_strerror(result));
      written = -1;
    }
    else if(!result)
      written++;
    ctk_buf_free(&in);
    ctk_buf_free(&out);
    free(names[i]);
  }
  ctk_translate_free(tr);
  ctk_profile_free(source);
  return written;
}

static int profile_fixtures(int argc, char **argv)
{
  long hostile;
  ctk_profile *p = NULL;
  ctk_fixture_counts counts;
  char err[1024];
  ctk_code result;

  if(argc != 3)
    return ctk_cli_usage_error("ctk profile fixtures", profile_usage,
                               "a profile directory and an output directory are needed");
  if(ctk_profile_load(argv[1], &p, err, sizeof(err))) {
    fprintf(stderr, "ctk profile fixtures: %s\n", err);
    return CTK_EXIT_ERROR;
  }
  result = ctk_profile_fixtures(p, argv[2], &counts, print_fixture_note, argv[1]);
  hostile = result && result != CTK_E_INVALID ? -1 : hostile_fixtures(p, argv[2]);
  ctk_profile_free(p);
  fprintf(stderr, "ctk profile fixtures: %s: %zu valid and %zu invalid messages in %s", argv[1],
          counts.valid, counts.invalid, argv[2]);
  if(hostile >= 0)
    fprintf(stderr, ", %ld hostile requests in %s/hostile", hostile, argv[2]);
  if(counts.failed)
    fprintf(stderr, "; %zu failed their check and were not written", counts.failed);
  fputc('\n', stderr);
  return result || hostile < 0 ? CTK_EXIT_FAIL : CTK_EXIT_OK;
}

#define ROLES_PROFILES_MAX 8

/* What one profile calls role i of one kind. */
typedef const char *(*role_cell_fn)(const ctk_profile *p, int i);

static void roles_cells(ctk_profile *const *ps, size_t n, role_cell_fn cell, int i)
{
  size_t k;
  for(k = 0; k < n; k++) {
    const char *v = cell(ps[k], i);
    printf(" %s |", v && v[0] ? v : "-");
  }
  putchar('\n');
}

static const char *element_cell(const ctk_profile *p, int i)
{
  return p->el[i];
}

static const char *interface_cell(const ctk_profile *p, int i)
{
  return ctk_profile_iface_code(p, (ctk_interface_role)i);
}

static const char *state_cell(const ctk_profile *p, int i)
{
  return ctk_st(p, (ctk_state_role)i);
}

static const char *value_cell(const ctk_profile *p, int i)
{
  return p->value[i];
}

/* One row per role, straight from the role tables (so the table cannot drift from the code):
 * what kind, which role, when a profile must map it, and what each profile given calls it. */
static int profile_roles(int argc, char **argv)
{
  ctk_profile *ps[ROLES_PROFILES_MAX];
  size_t n = 0;
  size_t k;
  char err[1024];
  int i;
  int status = 0;

  if(argc - 1 > ROLES_PROFILES_MAX)
    return ctk_cli_usage_error("ctk profile roles", profile_usage, "at most %d profiles",
                               ROLES_PROFILES_MAX);
  for(i = 1; i < argc && !status; i++) {
    if(ctk_profile_load(argv[i], &ps[n], err, sizeof(err))) {
      fprintf(stderr, "ctk profile roles: %s\n", err);
      status = CTK_EXIT_ERROR;
    }
    else
      n++;
  }
  if(!status) {
    printf("| kind | role | must be mapped |");
    for(k = 0; k < n; k++)
      printf(" %s |", ps[k]->name);
    printf("\n|---|---|---|");
    for(k = 0; k < n; k++)
      printf("---|");
    putchar('\n');
    for(i = 0; i < CTK_EL__COUNT; i++) {
      ctk_interface_role need = ctk_element_role_need((ctk_element_role)i);
      printf("| element | %s | %s%s |", ctk_element_role_name((ctk_element_role)i),
             need == CTK_IF__COUNT ? "always" : "with interface ",
             need == CTK_IF__COUNT ? "" : ctk_interface_role_name(need));
      roles_cells(ps, n, element_cell, i);
    }
    for(i = 0; i < CTK_IF__COUNT; i++) {
      printf("| interface | %s | %s |", ctk_interface_role_name((ctk_interface_role)i),
             ctk_interface_role_required((ctk_interface_role)i) ? "always" : "when it has one");
      roles_cells(ps, n, interface_cell, i);
    }
    for(i = 0; i < CTK_ST__COUNT; i++) {
      printf("| state | %s | always |", ctk_state_role_name((ctk_state_role)i));
      roles_cells(ps, n, state_cell, i);
    }
    for(i = 0; i < CTK_V__COUNT; i++) {
      printf("| value | %s | when codes/%s.csv exists |", ctk_value_role_name((ctk_value_role)i),
             ctk_value_role_codeset((ctk_value_role)i));
      roles_cells(ps, n, value_cell, i);
    }
  }
  for(k = 0; k < n; k++)
    ctk_profile_free(ps[k]);
  return status;
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
  if(!strcmp(argv[1], "fixtures"))
    return profile_fixtures(argc - 1, argv + 1);
  if(!strcmp(argv[1], "roles"))
    return profile_roles(argc - 1, argv + 1);
  return ctk_cli_usage_error("ctk profile", profile_usage, "unknown subcommand '%s'", argv[1]);
}
