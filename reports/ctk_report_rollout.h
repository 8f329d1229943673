/* ctk_report_rollout: the rollout acceptance view: every provincial unit of the rollout plan
 * by batch and deadline, with its latest verified evidence bundle, or missing. */
#ifndef CTK_REPORT_ROLLOUT_H
#define CTK_REPORT_ROLLOUT_H

#include <stddef.h>
#include <stdio.h>

#include "ctk_buf.h"
#include "ctk_error.h"

#define CTK_ROLLOUT_BUNDLES_MAX 1024
#define CTK_ROLLOUT_UNITS_MAX 64
/* The 2016 rollout plan inside ctk's data folder (ctk_datadir_path makes it a path). */
#define CTK_ROLLOUT_DEFAULT_FILE "data/rollout-2016.csv"

typedef struct ctk_rollout_options {
  const char **bundles;        /* evidence bundles (.tar.gz) */
  size_t n_bundles;
  const char *pubkey_pem;      /* NULL: hashes are checked but signatures are not (shown) */
  const char *units_csv;       /* batch,deadline,code,name; NULL = the default file */
  const char *out_html;        /* NULL: text only */
  const char *today;           /* "YYYY-MM-DD" to judge overdue units; NULL = today */
} ctk_rollout_options;

/* Build the HTML page and a plain-text table (one line per unit). Bundles that fail
 * verification are never used for a unit; they are listed with the reason. */
ctk_code ctk_rollout_build(const ctk_rollout_options *opt, ctk_buf *html, ctk_buf *text,
                           char *err, size_t errlen);

/* Build, print the text table to text_out and write out_html when set. */
ctk_code ctk_rollout_report(const ctk_rollout_options *opt, FILE *text_out, char *err,
                            size_t errlen);

#endif
