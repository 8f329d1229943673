/* cmd_run: `ctk run`: reads PICS and PIXIT, selects the conformance tests, starts the
 * counterpart roles, runs the tests, writes results.json, junit.xml and report.html. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_file.h"
#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_ct.h"
#include "ctk_ct_runid.h"
#include "ctk_http.h"
#include "ctk_i18n.h"
#include "ctk_log.h"
#include "ctk_pics.h"
#include "ctk_pixit.h"
#include "ctk_proc.h"
#include "ctk_profile.h"
#include "ctk_report.h"
#include "ctk_result.h"
#include "ctk_roles.h"

typedef struct run_opts {
  const char *sut;
  const char *pics;
  const char *pixit;
  const char *select;
  const char *out;
  const char *profile;
  const char *ctk_bin;
  const char *progress;
  const char *lang;
  int quiet;
  int list;
} run_opts;

/* report.html's language (--lang): run_write's writers take no options. */
static const char *run_html_lang = CTK_I18N_DEFAULT_LANG;

static ctk_code run_html_write(const ctk_run *run, ctk_buf *out)
{
  return ctk_report_html_write_lang(run, run_html_lang, out);
}

static void run_usage(FILE *out)
{
  fputs("usage: ctk run --sut province|city --pics FILE --pixit FILE [--select EXPR]\n"
        "               [--out DIR] [--profile DIR] [--quiet] [--list]\n"
        "  Check a 12328 system against the profile's conformance tests (docs/RUNNER.md).\n"
        "  --sut R        the role of the system under test: province or city\n"
        "  --pics FILE    what the SUT supports (bindings, encodings, optional interfaces, TLS)\n"
        "  --pixit FILE   where it is, credentials, region, cities, limits, self-test or not\n"
        "  --select EXPR  tests to run: id glob, part:N, req:ID, tag:T, area:A, class:C;\n"
        "                 ',' = or, '+' = and, '!' = not   e.g. part:1,req:J3-SEC-*\n"
        "  --out DIR      reports go here (default ctk-results): results.json, junit.xml,\n"
        "                 report.html; role logs and data in DIR/work\n"
        "  --profile DIR  profile directory (default $CTK_PROFILE or profiles/jtt1019-baseline\n"
        "                 of ctk's data folder: `ctk version` names it)\n"
        "  --quiet        only the summary line\n"
        "  --ctk PATH     the ctk program that plays the roles (default: this one)\n"
        "  --list         print the plan (what would run, what is skipped and why) and stop\n"
        "  --progress FILE  append one JSON line per finished test (n, total, id, verdict)\n"
        "  --lang LANG    report.html's language: zh-CN (default) or en\n"
        "exit: 0 every mandatory test passed, 1 a test failed, 2 inconclusive or tool error\n"
        "      (also a profile that does not load), 3 usage or configuration error (options,\n"
        "      PICS, PIXIT, --select)\n",
        out);
}

static int run_parse(int argc, char **argv, run_opts *o)
{
  int i;
  memset(o, 0, sizeof(*o));
  o->out = "ctk-results";
  for(i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if(!strcmp(a, "--sut"))
      slot = &o->sut;
    else if(!strcmp(a, "--pics"))
      slot = &o->pics;
    else if(!strcmp(a, "--pixit"))
      slot = &o->pixit;
    else if(!strcmp(a, "--select"))
      slot = &o->select;
    else if(!strcmp(a, "--out"))
      slot = &o->out;
    else if(!strcmp(a, "--profile"))
      slot = &o->profile;
    else if(!strcmp(a, "--ctk"))
      slot = &o->ctk_bin;
    else if(!strcmp(a, "--progress"))
      slot = &o->progress;
    else if(!strcmp(a, "--lang"))
      slot = &o->lang;
    else if(!strcmp(a, "--quiet"))
      o->quiet = 1;
    else if(!strcmp(a, "--list"))
      o->list = 1;
    else if(ctk_cli_is_help(a)) {
      run_usage(stdout);
      return 0;
    }
    else {
      fprintf(stderr, "ctk run: unknown argument '%s'\n", a);
      return -1;
    }
    if(slot) {
      *slot = ctk_cli_value("ctk run", argc, argv, &i);
      if(!*slot)
        return -1;
    }
  }
  if(!o->sut || !o->pics || !o->pixit) {
    fprintf(stderr, "ctk run: --sut, --pics and --pixit are required\n");
    return -1;
  }
  if(o->lang && !ctk_i18n_lang_ok(o->lang)) {
    fprintf(stderr, "ctk run: --lang: '%s' is not one of %s\n", o->lang, ctk_i18n_langs());
    return -1;
  }
  if(o->lang)
    run_html_lang = o->lang;
  if(strcmp(o->sut, "province") && strcmp(o->sut, "city")) {
    fprintf(stderr, "ctk run: --sut must be province or city\n");
    return -1;
  }
  return 1;
}

static int run_mkdir(const char *path)
{
  if(mkdir(path, 0755) && errno != EEXIST) {
    fprintf(stderr, "ctk run: cannot create %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

static void run_list(const ctk_ct_plan_entry *plan)
{
  size_t i;
  for(i = 0; i < ctk_ct_count(); i++) {
    const ctk_ct_def *d = plan[i].def;
    if(!plan[i].selected)
      continue;
    printf("%-26s %-9s %-10s %-6s %s%s%s\n", d->id, ctk_conf_class_name(d->conf_class), d->part,
           plan[i].applicable ? "run" : "skip", d->requirements,
           plan[i].applicable ? "" : "  -- ", plan[i].applicable ? "" : plan[i].skip_reason);
  }
}

static void run_record_inputs(ctk_run *run, const ctk_pics *pics, const ctk_pixit *px)
{
  size_t i;
  for(i = 0; i < pics->kv.count; i++)
    ctk_run_set_pics(run, pics->kv.entries[i].key, pics->kv.entries[i].value);
  /* The model masks values of secret keys itself; generated secrets are never in the file. */
  for(i = 0; i < px->kv.count; i++)
    ctk_run_set_pixit(run, px->kv.entries[i].key, px->kv.entries[i].value);
}

static int run_write(const ctk_run *run, const char *dir, const char *name,
                     ctk_code (*writer)(const ctk_run *, ctk_buf *))
{
  ctk_buf b;
  char path[PATH_MAX];
  ctk_code result;
  ctk_buf_init(&b, CTK_REPORT_MAX_BYTES);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  result = writer(run, &b);
  if(!result)
    result = ctk_file_write_atomic(path, ctk_buf_str(&b), b.len, 0644);
  ctk_buf_free(&b);
  if(result)
    fprintf(stderr, "ctk run: could not write %s: %s\n", path, ctk_strerror(result));
  return result ? -1 : 0;
}

static void run_print_results(const ctk_run *run, int quiet)
{
  size_t i;
  if(quiet)
    return;
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    if(t->verdict == CTK_VERDICT_PASS)
      printf("%-6s %s\n", ctk_verdict_name(t->verdict), t->id);
    else
      printf("%-6s %-26s %s\n", ctk_verdict_name(t->verdict), t->id, t->reason);
  }
}

/* "reference province (self-test)", "city under test", ... */
static void run_sut_name(char *out, size_t outlen, const char *role, int self_test)
{
  snprintf(out, outlen, "%s %s", self_test ? "reference" : role,
           self_test ? (strcmp(role, "city") ? "province (self-test)" : "city (self-test)")
                     : "under test");
}

/* The ctk program that plays the roles: --ctk, else this very executable. */
static void run_ctk_bin(const run_opts *o, char *out, size_t outlen)
{
  ssize_t n;
  if(o->ctk_bin) {
    ctk_strlcpy(out, o->ctk_bin, outlen);
    return;
  }
  n = readlink("/proc/self/exe", out, outlen - 1);
  if(n < 0)
    n = 0;
  out[n] = '\0';
}

int ctk_cmd_run(int argc, char **argv)
{
  run_opts o;
  ctk_profile *profile = NULL;
  ctk_pics *pics = NULL;
  ctk_pixit *pixit = NULL;
  ctk_ct_plan_entry *plan = NULL;
  ctk_roles roles;
  ctk_run *run = NULL;
  ctk_ct_env env;
  char err[1024];
  char workdir[PATH_MAX + 16];
  char outdir[PATH_MAX];
  char ctk_bin[PATH_MAX];
  int rc = CTK_EXIT_USAGE;
  int progress;
  int parsed = run_parse(argc, argv, &o);
  ctk_summary sum;
  ctk_sut_kind kind;
  char sut_name[64];

  if(parsed <= 0) {
    if(parsed < 0)
      run_usage(stderr);
    return parsed < 0 ? CTK_EXIT_USAGE : CTK_EXIT_OK;
  }
  memset(&roles, 0, sizeof(roles));
  pics = calloc(1, sizeof(*pics));
  pixit = calloc(1, sizeof(*pixit));
  plan = calloc(ctk_ct_count(), sizeof(*plan));
  if(!pics || !pixit || !plan) {
    fprintf(stderr, "ctk run: out of memory\n");
    rc = CTK_EXIT_ERROR;
    goto out;
  }
  /* The profile is the kit's own data: when it does not load, the tool cannot work. */
  if(ctk_profile_load(o.profile ? o.profile : ctk_profile_default_dir(), &profile, err,
                      sizeof(err))) {
    fprintf(stderr, "ctk run: profile: %s\n", err);
    rc = CTK_EXIT_ERROR;
    goto out;
  }
  if(ctk_pics_load(o.pics, pics, err, sizeof(err))) {
    fprintf(stderr, "ctk run: PICS: %s\n", err);
    goto out;
  }
  ctk_pics_use_profile(pics, profile);
  if(ctk_pixit_load(o.pixit, pixit, err, sizeof(err))) {
    fprintf(stderr, "ctk run: PIXIT: %s\n", err);
    goto out;
  }
  if(strcmp(pixit->sut_role, o.sut)) {
    fprintf(stderr, "ctk run: %s:0: sut.role is %s but --sut is %s\n", o.pixit,
            pixit->sut_role, o.sut);
    goto out;
  }
  if(strcmp(ctk_pics_text(pics, "sut.role", o.sut), o.sut)) {
    fprintf(stderr, "ctk run: %s: sut.role is %s but --sut is %s\n", o.pics,
            ctk_pics_text(pics, "sut.role", ""), o.sut);
    goto out;
  }
  if(ctk_ct_plan(pics, o.sut, o.select, plan, err, sizeof(err))) {
    fprintf(stderr, "ctk run: --select: %s\n", err);
    goto out;
  }
  if(o.list) {
    run_list(plan);
    rc = CTK_EXIT_OK;
    goto out;
  }

  rc = CTK_EXIT_ERROR;
  if(run_mkdir(o.out) || !realpath(o.out, outdir))
    goto out;
  if(strlen(outdir) > 400) {
    fprintf(stderr, "ctk run: --out path is too long (400 characters at most)\n");
    rc = CTK_EXIT_USAGE;
    goto out;
  }
  snprintf(workdir, sizeof(workdir), "%s/work", outdir);
  if(run_mkdir(workdir))
    goto out;
  if(ctk_run_new(&run)) {
    fprintf(stderr, "ctk run: out of memory\n");
    goto out;
  }
  ctk_run_set_profile(run, profile);
  kind = strcmp(o.sut, "city") ? CTK_SUT_PROVINCE : CTK_SUT_CITY;
  run_sut_name(sut_name, sizeof(sut_name), o.sut, pixit->self_test);
  ctk_run_set_sut(run, kind, pixit->sut_region, sut_name,
                  pixit->self_test ? "(started by the runner)" : pixit->sut_url);
  run_record_inputs(run, pics, pixit);

  ctk_http_global_init();
  ctk_proc_install_signal_handlers();
  run_ctk_bin(&o, ctk_bin, sizeof(ctk_bin));
  /* The run id first: the roles (the city simulators' order sequences) are scoped to it. */
  memset(&env, 0, sizeof(env));
  env.profile = profile;
  env.pics = pics;
  env.pixit = pixit;
  env.roles = &roles;
  env.run = run;
  env.http = ctk_http_client_new();
  ctk_strlcpy(roles.sut_url, pixit->self_test ? "" : pixit->sut_url, sizeof(roles.sut_url));
  if(env.http)
    ctk_ct_runid_begin(&env);
  ctk_http_client_free(env.http);
  if(ctk_roles_start(&roles, pixit, profile, ctk_bin, workdir, err, sizeof(err))) {
    fprintf(stderr, "ctk run: could not start the counterpart roles: %s\n", err);
    ctk_roles_stop(&roles);
    goto out;
  }
  if(pixit->self_test)
    ctk_run_set_sut(run, kind, pixit->sut_region, sut_name, roles.sut_url);

  memset(&env, 0, sizeof(env));
  env.profile = profile;
  env.pics = pics;
  env.pixit = pixit;
  env.roles = &roles;
  env.run = run;
  env.http = ctk_http_client_new();
  ctk_strlcpy(env.workdir, workdir, sizeof(env.workdir));
  if(!env.http) {
    fprintf(stderr, "ctk run: could not create an HTTP client\n");
    ctk_roles_stop(&roles);
    goto out;
  }
  progress = !o.quiet && isatty(STDERR_FILENO) && !getenv("CI");
  if(o.progress) {
    env.progress_log = fopen(o.progress, "a");
    if(!env.progress_log)
      fprintf(stderr, "ctk run: --progress %s: cannot open; no progress lines\n", o.progress);
  }
  if(ctk_ct_run_plan(&env, plan, progress))
    fprintf(stderr, "ctk run: the test frame failed (CUnit)\n");
  if(env.progress_log)
    fclose(env.progress_log);
  ctk_http_client_free(env.http);
  ctk_roles_stop(&roles);
  ctk_run_finish(run);

  if(run_write(run, outdir, "results.json", ctk_report_json_write) ||
     run_write(run, outdir, "junit.xml", ctk_report_junit_write) ||
     run_write(run, outdir, "report.html", run_html_write))
    goto out;
  run_print_results(run, o.quiet);
  rc = ctk_run_exit_code(run);
  if(ctk_proc_interrupted())
    rc = CTK_EXIT_ERROR;
  ctk_run_summary(run, &sum);
  printf("ctk run: %zu tests: %zu pass, %zu fail, %zu inconc, %zu skip, %zu error; exit %d; "
         "reports in %s\n", sum.all.total, sum.all.by_verdict[CTK_VERDICT_PASS],
         sum.all.by_verdict[CTK_VERDICT_FAIL], sum.all.by_verdict[CTK_VERDICT_INCONC],
         sum.all.by_verdict[CTK_VERDICT_SKIP], sum.all.by_verdict[CTK_VERDICT_ERROR], rc, outdir);
out:
  ctk_run_free(run);
  ctk_profile_free(profile);
  free(pics);
  free(pixit);
  free(plan);
  return rc;
}
