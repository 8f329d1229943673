/* cmd_stats: `ctk stats`, statistics of a region and period from an endpoint's store, as a
 * table, CSV or JSON (formulas in docs/STATISTICS.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_profile.h"
#include "ctk_stats.h"
#include "ctk_store.h"

static void stats_usage(FILE *out)
{
  fputs("usage: ctk stats --data DIR [--region CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
        "                 [--today YYYY-MM-DD] [--format table|csv|json] [--profile DIR]\n"
        "\n"
        "Statistics of the orders in an endpoint's store (DIR/ctk.db): counts by business\n"
        "type, domain and channel; instant-answer rate; in-time completion rates; revisit\n"
        "rate and satisfaction; review rate; overdue orders. Region 100000 (the default) is\n"
        "the whole country, a province code its cities, a city code that city. Periods are\n"
        "inclusive days of AcceptTime; overdue is judged on --today (default: today).\n"
        "Formulas: docs/STATISTICS.md. Exit 0, 2 when the store or --profile cannot be read,\n"
        "3 on a bad command line.\n",
        out);
}

static int stats_is_date(const char *s)
{
  size_t i;
  if(strlen(s) != 10)
    return 0;
  for(i = 0; i < 10; i++) {
    if(i == 4 || i == 7) {
      if(s[i] != '-')
        return 0;
    }
    else if(s[i] < '0' || s[i] > '9')
      return 0;
  }
  return 1;
}

int ctk_cmd_stats(int argc, char **argv)
{
  const char *data = NULL, *region = "100000", *from = "", *to = "", *today = NULL;
  const char *format = "table", *profile_dir = NULL;
  char path[1024];
  char err[512];
  ctk_profile *profile = NULL;
  ctk_store *store = NULL;
  ctk_stats *st;
  ctk_buf out;
  int fmt;
  int i;
  int rc = CTK_EXIT_OK;

  for(i = 1; i < argc; i++) {
    const char *opt = argv[i];
    const char **slot = NULL;
    if(ctk_cli_is_help(opt)) {
      stats_usage(stdout);
      return CTK_EXIT_OK;
    }
    if(!strcmp(opt, "--data"))
      slot = &data;
    else if(!strcmp(opt, "--region"))
      slot = &region;
    else if(!strcmp(opt, "--from"))
      slot = &from;
    else if(!strcmp(opt, "--to"))
      slot = &to;
    else if(!strcmp(opt, "--today"))
      slot = &today;
    else if(!strcmp(opt, "--format"))
      slot = &format;
    else if(!strcmp(opt, "--profile"))
      slot = &profile_dir;
    else
      return ctk_cli_usage_error("ctk stats", stats_usage, "unknown option %s", opt);
    *slot = ctk_cli_value("ctk stats", argc, argv, &i);
    if(!*slot)
      return CTK_EXIT_USAGE;
  }
  fmt = ctk_stats_format_parse(format);
  if(!data || fmt < 0 || strlen(region) != 6 || (from[0] && !stats_is_date(from)) ||
     (to[0] && !stats_is_date(to)) || (today && !stats_is_date(today))) {
    fprintf(stderr, "ctk stats: need --data; region is 6 digits; dates are YYYY-MM-DD; "
                    "format is table, csv or json\n");
    return CTK_EXIT_USAGE;
  }
  snprintf(path, sizeof(path), "%s/ctk.db", data);
  if(ctk_store_open(path, 1, &store)) {
    fprintf(stderr, "ctk stats: cannot open %s\n", path);
    return CTK_EXIT_ERROR;
  }
  /* Without a profile the baseline's code values are assumed (docs/STATISTICS.md). */
  if(ctk_profile_load(profile_dir ? profile_dir : ctk_profile_default_dir(), &profile, err,
                      sizeof(err))) {
    if(profile_dir) {
      fprintf(stderr, "ctk stats: %s\n", err);
      ctk_store_close(store);
      return CTK_EXIT_ERROR;
    }
    profile = NULL;
  }
  st = calloc(1, sizeof(*st));
  ctk_buf_init(&out, (size_t)16 * 1024 * 1024);
  if(!st || ctk_stats_compute(store, profile, region, from, to, today, st) ||
     ctk_stats_write(st, (ctk_stats_format)fmt, &out)) {
    fprintf(stderr, "ctk stats: cannot compute statistics from %s\n", path);
    rc = CTK_EXIT_ERROR;
  }
  else
    fputs(ctk_buf_str(&out), stdout);
  ctk_buf_free(&out);
  free(st);
  ctk_profile_free(profile);
  ctk_store_close(store);
  return rc;
}
