/* ctk_report_monthly: the monthly networking-progress report a province sends the ministry
 * until all its cities are networked, built from its cities' results.json files. */
#ifndef CTK_REPORT_MONTHLY_H
#define CTK_REPORT_MONTHLY_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"

#define CTK_MONTHLY_DIRS_MAX 64
#define CTK_MONTHLY_FILES_MAX 5000   /* results files read over all directories */

typedef struct ctk_monthly_options {
  const char *province;        /* 6-digit provincial code, e.g. "360000" */
  const char *month;           /* "YYYY-MM": runs up to the end of it count */
  const char **run_dirs;       /* searched for *.json results (three folder levels deep) */
  size_t n_run_dirs;
  const char **files;          /* results files read as they are (the console's runs) */
  size_t n_files;
  const char **file_labels;    /* parallel to files (may be NULL): how the report names each
                                  source ("run 12"); NULL or none: the file's path */
  const struct ctk_run *const *runs; /* results already read (the console's submitted
                                  bundles, read out of the verified bundle) */
  const char **run_labels;     /* parallel to runs: "submission 3" */
  size_t n_runs;
  const char *lang;            /* the HTML's catalogue (lib/base/ctk_i18n); NULL = zh-CN.
                                  The Markdown stays bilingual, as the ministry's form is */
  const char *regions_csv;     /* the region table; NULL = data/regions.csv of ctk_datadir */
  const char *out_prefix;      /* writes PREFIX.md and PREFIX.html; NULL = "monthly-CODE-MONTH" */
  const char *notes_md;        /* optional Markdown of the province's own progress notes
                                  (equipment, transmission network, software, knowledge base) */
} ctk_monthly_options;

/* Build both documents in memory. A city is networked when its latest run (kind city, up to
 * the end of the month) is certifiable; not networked with the failing requirement IDs (or
 * inconclusive tests) as the reason; "not yet tested" without any run. Runs of the province's
 * own platform (kind province) started in the month are listed in an annex with their
 * verdicts counted, each named by its label. Files that are not
 * results are listed in the report, never silently ignored. CTK_E_INVAL for bad options. */
ctk_code ctk_monthly_build(const ctk_monthly_options *opt, ctk_buf *markdown, ctk_buf *html,
                           char *err, size_t errlen);

/* Build and write PREFIX.md and PREFIX.html; prints their names on stdout. */
ctk_code ctk_monthly_report(const ctk_monthly_options *opt, char *err, size_t errlen);

#endif
