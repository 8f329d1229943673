/* ctk_console_province: a province's monthly report and requirement status from its runs. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_bundle.h"
#include "ctk_console_api.h"
#include "ctk_console_province.h"
#include "ctk_report.h"
#include "ctk_report_monthly.h"
#include "ctk_result.h"
#include "ctk_i18n.h"

#define PROVINCE_RUNS_MAX 1000   /* runs of one province read for a report */

/* How many rows of a store list a report reads. */
static size_t rows_read(json_object *rows)
{
  size_t len = json_object_array_length(rows);
  return len > PROVINCE_RUNS_MAX ? PROVINCE_RUNS_MAX : len;
}

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
  len = rows_read(rows);
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

/* Labels and read-out results of a monthly report's sources (freed by sources_free). */
typedef struct sources {
  char **file_labels;          /* parallel to the runs' results files */
  ctk_run **runs;              /* read out of submitted bundles */
  char **run_labels;
  size_t n_runs;
} sources;

static void sources_free(sources *src, size_t n_files)
{
  size_t i;

  for(i = 0; src->file_labels && i < n_files; i++)
    free(src->file_labels[i]);
  for(i = 0; i < src->n_runs; i++) {
    ctk_run_free(src->runs[i]);
    free(src->run_labels[i]);
  }
  free(src->file_labels);
  free(src->runs);
  free(src->run_labels);
}

/* The catalogue's "console run 12" / "submitted bundle 3"; NULL when out of memory. */
static char *source_label(const ctk_i18n *cat, const char *key, long long id)
{
  char num[24];
  const char *const vars[] = { "id", num, NULL };
  ctk_buf b;
  char *out = NULL;

  snprintf(num, sizeof(num), "%lld", id);
  ctk_buf_init(&b, 4096);
  if(!ctk_i18n_fill(cat, key, vars, &b))
    out = strdup(ctk_buf_str(&b));
  ctk_buf_free(&b);
  return out;
}

/* The id of the run whose folder holds results file path. */
static long long run_id_of(json_object *rows, const char *path)
{
  size_t i;
  json_object *v;

  for(i = 0; i < json_object_array_length(rows); i++) {
    json_object *row = json_object_array_get_idx(rows, i);
    const char *dir = ctk_console_json_str(row, "dir");
    if(dir && !strncmp(path, dir, strlen(dir)) && path[strlen(dir)] == '/' &&
       json_object_object_get_ex(row, "id", &v))
      return json_object_get_int64(v);
  }
  return 0;
}

/* The province's submissions that count (valid, not returned), each verified again against
 * the province's registered key as the report is built: a bundle changed on the server since
 * its upload, or one the registered key no longer verifies, does not count. Its results.json
 * is the one verification read and hashed (ctk_bundle_check.results). */
static ctk_code read_submissions(ctk_console_store *store, const char *data_dir,
                                 const char *province, const ctk_i18n *cat, sources *src)
{
  json_object *rows = NULL;
  char key_path[700], why[256];
  size_t i, len;
  ctk_code rc;

  rc = ctk_console_submission_counted(store, province, &rows);
  if(rc)
    return rc;
  len = rows_read(rows);
  src->runs = calloc(len ? len : 1, sizeof(*src->runs));
  src->run_labels = calloc(len ? len : 1, sizeof(*src->run_labels));
  if(!src->runs || !src->run_labels) {
    json_object_put(rows);
    return CTK_E_NOMEM;
  }
  snprintf(key_path, sizeof(key_path), "%s/keys/%s.pub.pem", data_dir, province);
  for(i = 0; i < len && !rc; i++) {
    json_object *row = json_object_array_get_idx(rows, i), *v;
    const char *file = ctk_console_json_str(row, "file");
    ctk_bundle_check check;
    ctk_run *run = NULL;
    long long id = json_object_object_get_ex(row, "id", &v) ? json_object_get_int64(v) : 0;

    if(!file)
      continue;
    ctk_bundle_check_init(&check);
    if(!ctk_bundle_verify(file, key_path, &check, why, sizeof(why)) &&
       !strcmp(check.sut_region, province) && check.results.len &&
       !ctk_report_json_read(check.results.data, check.results.len, &run, why, sizeof(why))) {
      src->run_labels[src->n_runs] = source_label(cat, "monthly.source_submission", id);
      if(!src->run_labels[src->n_runs]) {
        ctk_run_free(run);
        rc = CTK_E_NOMEM;
      }
      else
        src->runs[src->n_runs++] = run;
    }
    ctk_bundle_check_free(&check);
  }
  json_object_put(rows);
  return rc;
}

ctk_code ctk_console_monthly_html(ctk_console_store *store, const char *data_dir,
                                  const char *province, const char *month, const char *lang,
                                  ctk_buf *html, char *err, size_t errlen)
{
  ctk_monthly_options opt;
  ctk_buf md;
  ctk_i18n *cat = NULL;
  json_object *rows = NULL;
  sources src;
  char **files = NULL;
  size_t n = 0, i;
  ctk_code rc;

  memset(&src, 0, sizeof(src));
  rc = ctk_i18n_load(lang, &cat, err, errlen);
  if(rc)
    return rc;
  rc = results_files(store, province, &files, &n, &rows);
  if(!rc) {
    src.file_labels = calloc(n ? n : 1, sizeof(*src.file_labels));
    if(!src.file_labels)
      rc = CTK_E_NOMEM;
  }
  for(i = 0; !rc && i < n; i++) {
    src.file_labels[i] = source_label(cat, "monthly.source_run", run_id_of(rows, files[i]));
    if(!src.file_labels[i])
      rc = CTK_E_NOMEM;
  }
  if(!rc)
    rc = read_submissions(store, data_dir, province, cat, &src);
  if(!rc) {
    memset(&opt, 0, sizeof(opt));
    opt.province = province;
    opt.month = month;
    opt.files = (const char **)files;
    opt.n_files = n;
    opt.file_labels = (const char **)src.file_labels;
    opt.runs = (const struct ctk_run *const *)src.runs;
    opt.run_labels = (const char **)src.run_labels;
    opt.n_runs = src.n_runs;
    opt.lang = lang;
    ctk_buf_init(&md, CTK_REPORT_MAX_BYTES);
    rc = ctk_monthly_build(&opt, &md, html, err, errlen);
    ctk_buf_free(&md);
  }
  sources_free(&src, n);
  json_object_put(rows);
  files_free(files, n);
  ctk_i18n_free(cat);
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
