/* cmd_report: `ctk report html|junit|json|monthly|rollout`, regenerating reports from
 * results.json, and the province's monthly progress and the rollout acceptance view. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_datadir.h"
#include "ctk_file.h"
#include "ctk_i18n.h"
#include "ctk_report.h"
#include "ctk_region.h"
#include "ctk_report_monthly.h"
#include "ctk_report_rollout.h"

static void usage(FILE *out)
{
  fputs("usage: ctk report html|junit|json --results results.json --out FILE [--lang LANG]\n"
        "       ctk report monthly --province CODE --month YYYY-MM --runs DIR [DIR...]\n"
        "                          [--regions data/regions.csv] [--out PREFIX]\n"
        "                          [--notes FILE.md] [--lang LANG]\n"
        "       ctk report rollout BUNDLE.tar.gz... [--key PUB.pem]\n"
        "                          [--units data/rollout-2016.csv] [--out FILE.html]\n"
        "\n"
        "  html|junit|json  regenerate one report from a results.json; --lang: the HTML's\n"
        "                   language, zh-CN (default) or en\n"
        "  monthly          the monthly networking-progress report of a province (Markdown and\n"
        "                   HTML: PREFIX.md, PREFIX.html) from its cities' results.json files;\n"
        "                   --lang: the HTML's language, zh-CN (default) or en\n"
        "  rollout          every provincial unit by batch and deadline with its latest\n"
        "                   verified evidence bundle; units without one are listed as missing\n"
        "  --regions, --units  default: that file of ctk's data folder (ctk(1), FILES)\n"
        "Exit status: 0 written, 2 could not (reason on stderr), 3 usage.\n"
        "See ctk-report(1).\n",
        out);
}

static int regenerate(const char *kind, int argc, char **argv)
{
  const char *results = NULL, *out = NULL, *lang = CTK_I18N_DEFAULT_LANG;
  char err[1024];
  ctk_run *run = NULL;
  ctk_buf buf;
  ctk_code rc;
  int i;

  for(i = 2; i < argc; i++) {
    const char **dst = NULL;
    if(!strcmp(argv[i], "--results"))
      dst = &results;
    else if(!strcmp(argv[i], "--out"))
      dst = &out;
    else if(!strcmp(argv[i], "--lang") && !strcmp(kind, "html"))
      dst = &lang;
    else {
      fprintf(stderr, "ctk report %s: unknown argument '%s'\n", kind, argv[i]);
      return CTK_EXIT_USAGE;
    }
    *dst = ctk_cli_value("ctk report", argc, argv, &i);
    if(!*dst)
      return CTK_EXIT_USAGE;
  }
  if(!ctk_i18n_lang_ok(lang)) {
    fprintf(stderr, "ctk report %s: --lang: '%s' is not one of %s\n", kind, lang,
            ctk_i18n_langs());
    return CTK_EXIT_USAGE;
  }
  if(!results || !out) {
    fprintf(stderr, "ctk report %s: --results and --out are required\n", kind);
    usage(stderr);
    return CTK_EXIT_USAGE;
  }
  rc = ctk_report_json_load(results, &run, err, sizeof(err));
  if(rc) {
    fprintf(stderr, "ctk report %s: %s\n", kind, err);
    return CTK_EXIT_ERROR;
  }
  ctk_buf_init(&buf, CTK_REPORT_MAX_BYTES);
  if(!strcmp(kind, "html"))
    rc = ctk_report_html_write_lang(run, lang, &buf);
  else if(!strcmp(kind, "junit"))
    rc = ctk_report_junit_write(run, &buf);
  else
    rc = ctk_report_json_write(run, &buf);
  if(!rc)
    rc = ctk_file_write_atomic(out, ctk_buf_str(&buf), buf.len, 0644);
  if(rc)
    fprintf(stderr, "ctk report %s: writing %s: %s\n", kind, out, ctk_strerror(rc));
  else
    printf("wrote %s (%zu tests, %zu bytes)\n", out, run->n_tests, buf.len);
  ctk_buf_free(&buf);
  ctk_run_free(run);
  return rc ? CTK_EXIT_ERROR : CTK_EXIT_OK;
}

static int monthly(int argc, char **argv)
{
  ctk_monthly_options opt;
  const char *dirs[CTK_MONTHLY_DIRS_MAX];
  char regions[PATH_MAX];
  char err[1024];
  ctk_code rc;
  int i;

  memset(&opt, 0, sizeof(opt));
  opt.regions_csv = ctk_datadir_path(CTK_REGION_DEFAULT_FILE, regions, sizeof(regions));
  opt.run_dirs = dirs;
  for(i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = NULL;
    if(!strcmp(a, "--runs")) {
      /* --runs takes every following argument up to the next option. */
      while(i + 1 < argc && strncmp(argv[i + 1], "--", 2)) {
        if(opt.n_run_dirs >= CTK_MONTHLY_DIRS_MAX) {
          fprintf(stderr, "ctk report monthly: at most %d run directories\n",
                  CTK_MONTHLY_DIRS_MAX);
          return CTK_EXIT_USAGE;
        }
        dirs[opt.n_run_dirs++] = argv[++i];
      }
      continue;
    }
    if(strcmp(a, "--province") && strcmp(a, "--month") && strcmp(a, "--regions") &&
       strcmp(a, "--out") && strcmp(a, "--notes") && strcmp(a, "--lang")) {
      fprintf(stderr, "ctk report monthly: unknown argument '%s'\n", a);
      return CTK_EXIT_USAGE;
    }
    v = ctk_cli_value("ctk report", argc, argv, &i);
    if(!v)
      return CTK_EXIT_USAGE;
    if(!strcmp(a, "--province"))
      opt.province = v;
    else if(!strcmp(a, "--month"))
      opt.month = v;
    else if(!strcmp(a, "--regions"))
      opt.regions_csv = v;
    else if(!strcmp(a, "--out"))
      opt.out_prefix = v;
    else if(!strcmp(a, "--lang"))
      opt.lang = v;
    else
      opt.notes_md = v;
  }
  if(opt.lang && !ctk_i18n_lang_ok(opt.lang)) {
    fprintf(stderr, "ctk report monthly: --lang: '%s' is not one of %s\n", opt.lang,
            ctk_i18n_langs());
    return CTK_EXIT_USAGE;
  }
  if(!opt.province || !opt.month || !opt.n_run_dirs) {
    fprintf(stderr, "ctk report monthly: --province, --month and --runs are required\n");
    usage(stderr);
    return CTK_EXIT_USAGE;
  }
  rc = ctk_monthly_report(&opt, err, sizeof(err));
  if(rc) {
    fprintf(stderr, "ctk report monthly: %s\n", err);
    if(strstr(err, opt.regions_csv))
      fprintf(stderr, "ctk report monthly: set CTK_DATA_DIR to ctk's data folder or give "
                      "--regions FILE\n");
    return rc == CTK_E_INVAL ? CTK_EXIT_USAGE : CTK_EXIT_ERROR;
  }
  return CTK_EXIT_OK;
}

static int rollout(int argc, char **argv)
{
  ctk_rollout_options opt;
  const char *bundles[CTK_ROLLOUT_BUNDLES_MAX];
  char units[PATH_MAX];
  char err[1024];
  ctk_code rc;
  int i;

  memset(&opt, 0, sizeof(opt));
  opt.units_csv = ctk_datadir_path(CTK_ROLLOUT_DEFAULT_FILE, units, sizeof(units));
  opt.bundles = bundles;
  for(i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    if(strncmp(a, "--", 2)) {
      if(opt.n_bundles >= CTK_ROLLOUT_BUNDLES_MAX) {
        fprintf(stderr, "ctk report rollout: at most %d bundles\n", CTK_ROLLOUT_BUNDLES_MAX);
        return CTK_EXIT_USAGE;
      }
      bundles[opt.n_bundles++] = a;
      continue;
    }
    if(strcmp(a, "--key") && strcmp(a, "--units") && strcmp(a, "--out")) {
      fprintf(stderr, "ctk report rollout: unknown argument '%s'\n", a);
      return CTK_EXIT_USAGE;
    }
    v = ctk_cli_value("ctk report", argc, argv, &i);
    if(!v)
      return CTK_EXIT_USAGE;
    if(!strcmp(a, "--key"))
      opt.pubkey_pem = v;
    else if(!strcmp(a, "--units"))
      opt.units_csv = v;
    else
      opt.out_html = v;
  }
  rc = ctk_rollout_report(&opt, stdout, err, sizeof(err));
  if(rc) {
    fprintf(stderr, "ctk report rollout: %s\n", err);
    if(strstr(err, opt.units_csv))
      fprintf(stderr, "ctk report rollout: set CTK_DATA_DIR to ctk's data folder or give "
                      "--units FILE\n");
    return rc == CTK_E_INVAL ? CTK_EXIT_USAGE : CTK_EXIT_ERROR;
  }
  return CTK_EXIT_OK;
}

int ctk_cmd_report(int argc, char **argv)
{
  const char *kind;
  if(argc < 2 || ctk_cli_wants_help(argc, argv)) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? CTK_EXIT_USAGE : CTK_EXIT_OK;
  }
  kind = argv[1];
  if(!strcmp(kind, "html") || !strcmp(kind, "junit") || !strcmp(kind, "json"))
    return regenerate(kind, argc, argv);
  if(!strcmp(kind, "monthly"))
    return monthly(argc, argv);
  if(!strcmp(kind, "rollout"))
    return rollout(argc, argv);
  return ctk_cli_usage_error("ctk report", usage, "unknown report '%s'", kind);
}
