/* ctk_console_province: what the console shows of one province from the runs it holds: its
 * monthly report (reports/ctk_report_monthly) and which requirements its latest run met. */
#ifndef CTK_CONSOLE_PROVINCE_H
#define CTK_CONSOLE_PROVINCE_H

#include <json-c/json.h>
#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_console_reqs.h"
#include "ctk_console_store.h"
#include "ctk_error.h"

/* The monthly report (HTML, in the catalogue lang) of province for month "YYYY-MM", built from
 * the results.json of every run of the province the store holds and of every submitted bundle
 * that counts (verification found it valid, the centre has not returned it, and it still
 * verifies against the key registered under data_dir/keys). CTK_E_INVAL (err says why) for a
 * bad month or a code that is not a province. */
ctk_code ctk_console_monthly_html(ctk_console_store *store, const char *data_dir,
                                  const char *province, const char *month, const char *lang,
                                  ctk_buf *html, char *err, size_t errlen);

/* {"region", "run": {id, started, status} or null, "requirements": [{"id", "status"}]}:
 * status "pass" (every test of the latest finished run that checks it passed), "fail" (one
 * did not pass) or "not_run" (no test of that run checks it, or no run). */
ctk_code ctk_console_province_reqs(ctk_console_store *store, const ctk_console_reqs *reqs,
                                   const char *province, json_object **out);

#endif
