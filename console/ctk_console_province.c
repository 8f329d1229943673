/* ctk_console_province: a province's monthly report and requirement status from its runs. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_console_api.h"
#include "ctk_console_province.h"
#include "ctk_report.h"
#include "ctk_report_monthly.h"
#include "ctk_result.h"

#define PROVINCE_RUNS_MAX 1000   /* runs of one province read for a report */

/* The results.json paths of the province's runs that have one, newest first. */
static ctk_code results_files(ctk_console_store *store, const char *province, char ***out,
                              size_t *n, json_object **rows_out)
{
  json_object *rows = NULL;
  size_t i, len;
  char **files;
  ctk_code rc;

  *out = NULL;
  *n = 0;
  rc = ctk_console_run_list(store, province, &rows);
  if(rc)
    return rc;
  len = json_object_array_length(rows);
  if(len > PROVINCE_RUNS_MAX)
    len = PROVINCE_RUNS_MAX;
  files = calloc(len ? len : 1, sizeof(*files));
  if(!files) {
    json_object_put(rows);
    return CTK_E_NOMEM;
  }
  for(i = 0; i < len; i++) {
    const char *dir = ctk_console_json_str(json_object_array_get_idx(rows, i), "dir");
    char path[900];
    struct stat st;
    if(!dir)
      continue;
    snprintf(path, sizeof(path), "%s/results/results.json", dir);
    if(stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    files[*n] = strdup(path);
    if(!files[*n])
      break;
    (*n)++;
  }
  *out = files;
  if(rows_out)
    *rows_out = rows;
  else
    json_object_put(rows);
  return CTK_E_OK;
}

static void files_free(char **files, size_t n)
{
  size_t i;
  for(i = 0; i < n; i++)
    free(files[i]);
  free(files);
}

ctk_code ctk_console_monthly_html(ctk_console_store *store, const char *province,
                                  const char *month, const char *lang, ctk_buf *html,
                                  char *err, size_t errlen)
{
  ctk_monthly_options opt;
  ctk_buf md;
  char **files = NULL;
  size_t n = 0;
  ctk_code rc;

  rc = results_files(store, province, &files, &n, NULL);
  if(rc)
    return rc;
  memset(&opt, 0, sizeof(opt));
  opt.province = province;
  opt.month = month;
  opt.files = (const char **)files;
  opt.n_files = n;
  opt.lang = lang;
  ctk_buf_init(&md, CTK_REPORT_MAX_BYTES);
  rc = ctk_monthly_build(&opt, &md, html, err, errlen);
  ctk_buf_free(&md);
  files_free(files, n);
  return rc;
}

/* The status of requirement id in run: what its tests found. */
static const char *req_status(const ctk_run *run, const char *id)
{
  int passed = 0, failed = 0, undecided = 0;
  size_t i, j;

  for(i = 0; run && i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    for(j = 0; j < t->n_requirements; j++) {
      if(strcmp(t->requirements[j], id))
        continue;
      if(t->verdict == CTK_VERDICT_PASS)
        passed = 1;
      else if(t->verdict == CTK_VERDICT_FAIL)
        failed = 1;
      else if(t->verdict != CTK_VERDICT_SKIP)
        undecided = 1;
    }
  }
  if(failed)
    return "fail";
  if(undecided)
    return "inconc";
  return passed ? "pass" : "not_run";
}

ctk_code ctk_console_province_reqs(ctk_console_store *store, const ctk_console_reqs *reqs,
                                   const char *province, json_object **out)
{
  json_object *rows = NULL, *o, *list, *runinfo = NULL;
  ctk_run *run = NULL;
  char **files = NULL, why[256];
  size_t n = 0, i;
  ctk_code rc;

  *out = NULL;
  rc = results_files(store, province, &files, &n, &rows);
  if(rc)
    return rc;
  /* The newest run with results: files are newest first, as the store lists runs. */
  if(n && !ctk_report_json_load(files[0], &run, why, sizeof(why))) {
    for(i = 0; i < json_object_array_length(rows); i++) {
      json_object *row = json_object_array_get_idx(rows, i);
      const char *dir = ctk_console_json_str(row, "dir");
      if(dir && !strncmp(files[0], dir, strlen(dir)) && files[0][strlen(dir)] == '/') {
        json_object *v;
        runinfo = json_object_new_object();
        if(json_object_object_get_ex(row, "id", &v))
          json_object_object_add(runinfo, "id", json_object_get(v));
        json_object_object_add(runinfo, "started",
                               json_object_new_string(ctk_console_json_str(row, "started")
                                                        ? ctk_console_json_str(row, "started")
                                                        : ""));
        json_object_object_add(runinfo, "status",
                               json_object_new_string(ctk_console_json_str(row, "status")
                                                        ? ctk_console_json_str(row, "status")
                                                        : ""));
        break;
      }
    }
  }
  o = json_object_new_object();
  list = json_object_new_array();
  json_object_object_add(o, "region", json_object_new_string(province));
  json_object_object_add(o, "run", runinfo);
  for(i = 0; i < ctk_console_reqs_count(reqs); i++) {
    json_object *q = json_object_new_object();
    const char *id = ctk_console_reqs_id(reqs, i);
    json_object_object_add(q, "id", json_object_new_string(id));
    json_object_object_add(q, "status", json_object_new_string(req_status(run, id)));
    json_object_array_add(list, q);
  }
  json_object_object_add(o, "requirements", list);
  ctk_run_free(run);
  json_object_put(rows);
  files_free(files, n);
  *out = o;
  return CTK_E_OK;
}
