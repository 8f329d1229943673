/* ctk_report_monthly: the province's monthly networking-progress report. */
#include "ctk_report_monthly.h"
#include "ctk_file.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_datadir.h"
#include "ctk_region.h"
#include "ctk_report.h"
#include "ctk_result.h"
#include "ctk_svg.h"
#include "ctk_i18n.h"

#define MONTHLY_CITIES_MAX 64
#define MONTHLY_SCAN_DEPTH 3
#define MONTHLY_OWN_MAX 200          /* runs of the province's own platform listed in a month */

/* Why a city's latest run is not certifiable: the words are the catalogue's (monthly.reason.*),
 * what fills them (requirement IDs, test IDs and verdicts) is data. */
typedef enum reason_kind {
  REASON_REQUIREMENTS = 0,         /* detail: the failing requirement IDs */
  REASON_NO_MANDATORY,             /* no mandatory test was run; no detail */
  REASON_UNDECIDED                 /* detail: " TEST (verdict)" of each undecided mandatory test */
} reason_kind;

typedef struct city_status {
  const ctk_region *region;
  size_t runs;                     /* runs up to the end of the month */
  size_t runs_in_month;
  char latest[CTK_RESULT_TIME_LEN]; /* start time of the latest run */
  int latest_certifiable;
  size_t latest_passed, latest_total;
  double latest_p50_ms;            /* median answer latency of the latest run, 0 if none */
  reason_kind reason_kind;         /* why the latest run is not certifiable ... */
  ctk_buf reason;                  /* ... and its detail */
  char first_networked[CTK_RESULT_TIME_LEN]; /* earliest certifiable run */
} city_status;

/* A run of the province's own platform in the month (a console run, a submitted bundle). */
typedef struct own_run {
  char started[CTK_RESULT_TIME_LEN];
  char label[160];
  size_t by_verdict[CTK_VERDICT__COUNT];
  size_t total;
  int certifiable;
} own_run;

typedef struct monthly_data {
  const ctk_monthly_options *opt;
  const ctk_region *province;
  city_status cities[MONTHLY_CITIES_MAX];
  size_t n_cities;
  char **files;
  const char **labels;             /* parallel to files: the caller's label, NULL for none */
  size_t n_files;
  size_t cap_files;
  own_run own[MONTHLY_OWN_MAX];
  size_t n_own;
  size_t own_left_out;             /* own runs past MONTHLY_OWN_MAX */
  size_t other_runs;               /* valid results of other units or later months */
  ctk_buf ignored;                 /* "file: reason" lines for files that are not results */
  size_t n_ignored;
  ctk_buf notes;
  char due[32];                    /* the 10th of the next month (room for any int year) */
  ctk_region_db *db;               /* owns the regions the cities point at */
} monthly_data;

static int valid_month(const char *m, int *year, int *mon)
{
  char extra;
  if(strlen(m) != 7 || m[4] != '-' || sscanf(m, "%4d-%2d%c", year, mon, &extra) != 2)
    return 0;
  return *year >= 2000 && *year <= 2999 && *mon >= 1 && *mon <= 12;
}

static int has_suffix(const char *s, const char *suf)
{
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && !strcmp(s + n - k, suf);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static ctk_code add_file(monthly_data *d, const char *path, const char *label)
{
  if(d->n_files >= CTK_MONTHLY_FILES_MAX)
    return CTK_E_TOOBIG;
  if(d->n_files == d->cap_files) {
    size_t ncap = d->cap_files ? d->cap_files * 2 : 64;
    char **nf = realloc(d->files, ncap * sizeof(*nf));
    const char **nl;
    if(!nf)
      return CTK_E_NOMEM;
    d->files = nf;
    nl = realloc(d->labels, ncap * sizeof(*nl));
    if(!nl)
      return CTK_E_NOMEM;
    d->labels = nl;
    d->cap_files = ncap;
  }
  d->files[d->n_files] = strdup(path);
  if(!d->files[d->n_files])
    return CTK_E_NOMEM;
  d->labels[d->n_files] = label;
  d->n_files++;
  return CTK_E_OK;
}

static ctk_code scan_dir(monthly_data *d, const char *dir, int depth, char *err, size_t errlen)
{
  DIR *dh;
  ctk_code rc = CTK_E_OK;

  dh = opendir(dir);
  if(!dh) {
    ctk_report_set_err(err, errlen, "%s: %s", dir, strerror(errno));
    return CTK_E_NOTFOUND;
  }
  while(!rc) {
    struct dirent *e = readdir(dh);
    char full[1024];
    struct stat st;
    int n;
    if(!e)
      break;
    if(e->d_name[0] == '.')
      continue;
    n = snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
    if(n < 0 || (size_t)n >= sizeof(full) || stat(full, &st) != 0)
      continue;
    if(S_ISDIR(st.st_mode)) {
      if(depth < MONTHLY_SCAN_DEPTH)
        rc = scan_dir(d, full, depth + 1, err, errlen);
      continue;
    }
    if(!S_ISREG(st.st_mode) || !has_suffix(e->d_name, ".json"))
      continue;
    if(d->n_files >= CTK_MONTHLY_FILES_MAX) {
      ctk_report_set_err(err, errlen, "more than %d results files", CTK_MONTHLY_FILES_MAX);
      rc = CTK_E_TOOBIG;
      break;
    }
    rc = add_file(d, full, NULL);
  }
  closedir(dh);
  return rc;
}

static city_status *find_city(monthly_data *d, const char *code)
{
  size_t i;
  for(i = 0; i < d->n_cities; i++) {
    if(!strcmp(d->cities[i].region->code, code))
      return &d->cities[i];
  }
  return NULL;
}

/* Why the run is not certifiable, in the words of requirements where possible. */
static ctk_code explain(const ctk_run *run, reason_kind *kind, ctk_buf *out)
{
  ctk_summary s;
  size_t i;
  ctk_code rc;

  ctk_buf_reset(out);
  *kind = REASON_REQUIREMENTS;
  rc = ctk_report_failing_requirements(run, out);
  if(rc || out->len)
    return rc;
  ctk_run_summary(run, &s);
  if(!s.by_class[CTK_CLASS_MANDATORY].total) {
    *kind = REASON_NO_MANDATORY;
    return CTK_E_OK;
  }
  *kind = REASON_UNDECIDED;
  for(i = 0; i < run->n_tests && !rc; i++) {
    const ctk_test_result *t = run->tests[i];
    if(t->conf_class == CTK_CLASS_MANDATORY && t->verdict != CTK_VERDICT_PASS)
      rc = ctk_buf_printf(out, "%s%s (%s)", out->len ? " " : "", t->id,
                          ctk_verdict_name(t->verdict));
  }
  return rc;
}

static double median_latency(const ctk_run *run)
{
  double *v;
  size_t i, j, n = 0, cap = 0;
  ctk_stats st;
  for(i = 0; i < run->n_tests; i++)
    cap += run->tests[i]->n_exchanges;
  if(!cap)
    return 0;
  v = malloc(cap * sizeof(*v));
  if(!v)
    return 0;
  for(i = 0; i < run->n_tests; i++) {
    for(j = 0; j < run->tests[i]->n_exchanges; j++) {
      if(run->tests[i]->exchanges[j].latency_ms > 0)
        v[n++] = run->tests[i]->exchanges[j].latency_ms;
    }
  }
  if(ctk_stats_of(v, n, &st))
    st.p50 = 0;
  free(v);
  return st.p50;
}

/* A run of the province's own platform: its verdicts counted in the month it was made. */
static void take_own(monthly_data *d, const ctk_run *run, const char *label)
{
  own_run *o;
  ctk_summary s;
  int v;

  if(d->n_own >= MONTHLY_OWN_MAX) {
    d->own_left_out++;
    return;
  }
  o = &d->own[d->n_own++];
  memset(o, 0, sizeof(*o));
  ctk_strlcpy(o->started, run->started, sizeof(o->started));
  ctk_strlcpy(o->label, label, sizeof(o->label));
  ctk_run_summary(run, &s);
  for(v = 0; v < CTK_VERDICT__COUNT; v++)
    o->by_verdict[v] = s.all.by_verdict[v];
  o->total = s.all.total;
  o->certifiable = ctk_run_certifiable(run);
}

static int cmp_own(const void *a, const void *b)
{
  return strcmp(((const own_run *)a)->started, ((const own_run *)b)->started);
}

static ctk_code take_run(monthly_data *d, const ctk_run *run, const char *label)
{
  city_status *c;
  ctk_summary s;
  int certifiable;

  if(run->sut.kind == CTK_SUT_PROVINCE && !strcmp(run->sut.region, d->opt->province) &&
     !strncmp(run->started, d->opt->month, 7)) {
    take_own(d, run, label);
    return CTK_E_OK;
  }
  c = run->sut.kind == CTK_SUT_CITY ? find_city(d, run->sut.region) : NULL;
  /* Runs after the month do not belong in its report. */
  if(!c || strncmp(run->started, d->opt->month, 7) > 0) {
    d->other_runs++;
    return CTK_E_OK;
  }
  certifiable = ctk_run_certifiable(run);
  c->runs++;
  if(!strncmp(run->started, d->opt->month, 7))
    c->runs_in_month++;
  if(certifiable && (!c->first_networked[0] || strcmp(run->started, c->first_networked) < 0))
    ctk_strlcpy(c->first_networked, run->started, sizeof(c->first_networked));
  if(c->latest[0] && strcmp(run->started, c->latest) <= 0)
    return CTK_E_OK;
  ctk_strlcpy(c->latest, run->started, sizeof(c->latest));
  c->latest_certifiable = certifiable;
  ctk_run_summary(run, &s);
  c->latest_passed = s.all.by_verdict[CTK_VERDICT_PASS];
  c->latest_total = s.all.total;
  c->latest_p50_ms = median_latency(run);
  if(certifiable) {
    ctk_buf_reset(&c->reason);
    return CTK_E_OK;
  }
  return explain(run, &c->reason_kind, &c->reason);
}

static ctk_code gather(monthly_data *d, char *err, size_t errlen)
{
  const ctk_region *list[MONTHLY_CITIES_MAX];
  ctk_region_db *db = NULL;
  char regions[PATH_MAX];
  size_t i, n;

  int year, mon;
  ctk_code rc;

  if(!d->opt->province || !d->opt->month || !valid_month(d->opt->month, &year, &mon)) {
    ctk_report_set_err(err, errlen, "--month must be YYYY-MM, got '%s'",
                       d->opt->month ? d->opt->month : "");
    return CTK_E_INVAL;
  }
  snprintf(d->due, sizeof(d->due), "%04d-%02d-10", mon == 12 ? year + 1 : year,
           mon == 12 ? 1 : mon + 1);
  rc = ctk_region_load(d->opt->regions_csv ? d->opt->regions_csv
                                           : ctk_datadir_path(CTK_REGION_DEFAULT_FILE, regions,
                                                              sizeof(regions)),
                       &db, err, errlen);
  if(rc)
    return rc;
  d->db = db;
  d->province = ctk_region_find(db, d->opt->province);
  if(!d->province || !ctk_region_is_province(db, d->opt->province)) {
    ctk_report_set_err(err, errlen, "--province %s is not a provincial unit of the region table",
                       d->opt->province);
    return CTK_E_INVAL;
  }
  n = ctk_region_cities(db, d->opt->province, list, MONTHLY_CITIES_MAX);
  if(n > MONTHLY_CITIES_MAX)
    n = MONTHLY_CITIES_MAX;
  for(i = 0; i < n; i++) {
    d->cities[i].region = list[i];
    ctk_buf_init(&d->cities[i].reason, 64 * 1024);
  }
  d->n_cities = n;

  for(i = 0; i < d->opt->n_run_dirs && !rc; i++)
    rc = scan_dir(d, d->opt->run_dirs[i], 0, err, errlen);
  /* the folders' files in name order (labels are all NULL there); the caller's as given */
  if(!rc && d->n_files)
    qsort(d->files, d->n_files, sizeof(d->files[0]), cmp_str);
  for(i = 0; i < d->opt->n_files && !rc; i++)
    rc = add_file(d, d->opt->files[i], d->opt->file_labels ? d->opt->file_labels[i] : NULL);
  for(i = 0; i < d->n_files && !rc; i++) {
    ctk_run *run = NULL;
    char why[512];
    if(ctk_report_json_load(d->files[i], &run, why, sizeof(why))) {
      d->n_ignored++;
      rc = ctk_buf_printf(&d->ignored, "%s\n", why);
      continue;
    }
    rc = take_run(d, run, d->labels[i] ? d->labels[i] : d->files[i]);
    ctk_run_free(run);
  }
  for(i = 0; i < d->opt->n_runs && !rc; i++)
    rc = take_run(d, d->opt->runs[i], d->opt->run_labels ? d->opt->run_labels[i] : "");
  if(!rc && d->n_own)
    qsort(d->own, d->n_own, sizeof(d->own[0]), cmp_own);
  if(!rc && d->opt->notes_md) {
    rc = ctk_file_read(d->opt->notes_md, 1024 * 1024, &d->notes);
    if(rc)
      ctk_report_set_err(err, errlen, "%s: %s", d->opt->notes_md, ctk_strerror(rc));
  }
  return rc;
}

static void data_free(monthly_data *d)
{
  size_t i;
  for(i = 0; i < d->n_cities; i++)
    ctk_buf_free(&d->cities[i].reason);
  for(i = 0; i < d->n_files; i++)
    free(d->files[i]);
  free(d->files);
  free(d->labels);
  ctk_buf_free(&d->ignored);
  ctk_buf_free(&d->notes);
  ctk_region_free(d->db);
}

typedef struct tally {
  size_t networked, failing, untested, new_this_month, runs_in_month;
} tally;

static void count(const monthly_data *d, tally *t)
{
  size_t i;
  memset(t, 0, sizeof(*t));
  for(i = 0; i < d->n_cities; i++) {
    const city_status *c = &d->cities[i];
    t->runs_in_month += c->runs_in_month;
    if(!c->runs)
      t->untested++;
    else if(c->latest_certifiable)
      t->networked++;
    else
      t->failing++;
    if(c->latest_certifiable && !strncmp(c->first_networked, d->opt->month, 7))
      t->new_this_month++;
  }
}

/* ---------- both documents ---------- */

/* Why city c is not networked, in the catalogue's words: appended to out. */
static ctk_code reason_text(const ctk_i18n *cat, const city_status *c, ctk_buf *out)
{
  static const char *const keys[] = { "monthly.reason.requirements",
                                      "monthly.reason.no_mandatory",
                                      "monthly.reason.undecided" };
  const char *const vars[] = { "reason", ctk_buf_str(&c->reason), NULL };

  return ctk_i18n_fill(cat, keys[c->reason_kind], vars, out);
}

/* The next step for city c (not networked) in the catalogue's words: appended to out. */
static ctk_code next_step_text(const ctk_i18n *cat, const city_status *c, ctk_buf *out)
{
  ctk_buf why;
  ctk_code rc = CTK_E_OK;

  ctk_buf_init(&why, 64 * 1024);
  if(c->runs && c->reason_kind != REASON_REQUIREMENTS)
    rc = reason_text(cat, c, &why);
  else if(c->runs)
    rc = ctk_buf_adds(&why, ctk_buf_str(&c->reason));
  if(!rc) {
    const char *const vars[] = { "city", c->region->name, "code", c->region->code, "reason",
                                 ctk_buf_str(&why), NULL };
    rc = ctk_i18n_fill(cat, !c->runs ? "monthly.next_untested"
                            : c->reason_kind == REASON_REQUIREMENTS ? "monthly.next_failing"
                                                                    : "monthly.next_undecided",
                       vars, out);
  }
  ctk_buf_free(&why);
  return rc;
}

/* ---------- Markdown ---------- */

/* Text for a table cell: pipes escaped, line breaks flattened. */
static ctk_code md_cell(ctk_buf *b, const char *s)
{
  ctk_code rc = CTK_E_OK;
  for(; *s && !rc; s++) {
    if(*s == '|')
      rc = ctk_buf_adds(b, "\\|");
    else if(*s == '\n' || *s == '\r')
      rc = ctk_buf_addc(b, ' ');
    else
      rc = ctk_buf_addc(b, *s);
  }
  return rc;
}

/* "2026-11-03" of an xs:dateTime, "-" when empty. */
static const char *day_of(const char *t, char out[11])
{
  if(strlen(t) < 10)
    return "-";
  memcpy(out, t, 10);
  out[10] = '\0';
  return out;
}

#define MD(...)                                                                                    \
  do {                                                                                             \
    if(!rc)                                                                                        \
      rc = ctk_buf_printf(md, __VA_ARGS__);                                                        \
  } while(0)
#define MDCELL(s)                                                                                  \
  do {                                                                                             \
    if(!rc)                                                                                        \
      rc = md_cell(md, (s));                                                                       \
  } while(0)

/* The Markdown keeps the ministry form's bilingual headings; what it says of each city is the
 * English catalogue's (en). */
static ctk_code write_markdown(const monthly_data *d, const ctk_i18n *en, ctk_buf *md)
{
  char now[CTK_RESULT_TIME_LEN], d1[11], d2[11];
  ctk_code rc = CTK_E_OK;
  tally t;
  size_t i;

  count(d, &t);
  ctk_result_now(now);
  MD("# 12328 联网运行情况月报 / Monthly networking-progress report\n\n");
  MD("**%s (%s)**, month %s. Due to the ministry by %s. Generated %s by ctk12328 from %zu "
     "results files.\n\n",
     d->province->name, d->province->code, d->opt->month, d->due, now,
     d->n_files + d->opt->n_runs);
  MD("**%zu of %zu cities networked**; %zu tested but not networked; %zu not yet tested.\n\n",
     t.networked, d->n_cities, t.failing, t.untested);

  MD("## 1. 已联网城市及运行情况 / Networked cities and how they run\n\n");
  if(!t.networked)
    MD("No city is networked yet.\n\n");
  else {
    MD("| City | Code | Networked since | Latest run | Tests passed | Median latency | "
       "Runs this month |\n|---|---|---|---|---|---|---|\n");
    for(i = 0; i < d->n_cities; i++) {
      const city_status *c = &d->cities[i];
      if(!c->runs || !c->latest_certifiable)
        continue;
      MD("| ");
      MDCELL(c->region->name);
      MD(" | %s | %s | %s | %zu/%zu | %.1f ms | %zu |\n", c->region->code,
         day_of(c->first_networked, d1), day_of(c->latest, d2), c->latest_passed,
         c->latest_total, c->latest_p50_ms, c->runs_in_month);
    }
    MD("\n");
  }

  MD("## 2. 未联网城市及原因 / Cities not networked and why\n\n");
  if(!t.failing && !t.untested)
    MD("Every city is networked.\n\n");
  else {
    MD("| City | Code | Status | Reason | Latest run |\n|---|---|---|---|---|\n");
    for(i = 0; i < d->n_cities; i++) {
      const city_status *c = &d->cities[i];
      if(c->runs && c->latest_certifiable)
        continue;
      MD("| ");
      MDCELL(c->region->name);
      MD(" | %s | ", c->region->code);
      if(!c->runs)
        MD("not yet tested | no conformance run | - |\n");
      else {
        ctk_buf why;
        MD("%s | ", ctk_i18n_get(en, c->first_networked[0] ? "monthly.regressed"
                                                             : "monthly.failing"));
        ctk_buf_init(&why, 64 * 1024);
        if(!rc)
          rc = reason_text(en, c, &why);
        MDCELL(ctk_buf_str(&why));
        ctk_buf_free(&why);
        MD(" | %s |\n", day_of(c->latest, d1));
      }
    }
    MD("\n");
  }

  MD("## 3. 工作进展 / Progress\n\n");
  MD("- Networked cities: %zu of %zu (%.0f %%).\n", t.networked, d->n_cities,
     d->n_cities ? 100.0 * (double)t.networked / (double)d->n_cities : 0.0);
  MD("- Newly networked in %s: %zu.", d->opt->month, t.new_this_month);
  for(i = 0; i < d->n_cities; i++) {
    const city_status *c = &d->cities[i];
    if(c->latest_certifiable && !strncmp(c->first_networked, d->opt->month, 7))
      MD(" %s;", c->region->name);
  }
  MD("\n- Conformance runs of the province's cities in %s: %zu.\n", d->opt->month,
     t.runs_in_month);
  if(d->notes.len) {
    MD("\nEquipment, transmission network, own software, provincial knowledge base:\n\n");
    if(!rc)
      rc = ctk_buf_add(md, d->notes.data, d->notes.len);
    MD("\n");
  }
  else
    MD("- Equipment, transmission network, own software, provincial knowledge base: *to be "
       "completed by the province* (pass `--notes FILE.md`).\n");
  MD("\n## 4. 下一步工作及建议 / Next steps and suggestions\n\n");
  if(!t.failing && !t.untested)
    MD("- All cities are networked: this is the last monthly progress report required.\n");
  for(i = 0; i < d->n_cities; i++) {
    const city_status *c = &d->cities[i];
    if(c->runs && c->latest_certifiable)
      continue;
    {
      ctk_buf step;
      ctk_buf_init(&step, 64 * 1024);
      MD("- ");
      if(!rc)
        rc = next_step_text(en, c, &step);
      MDCELL(ctk_buf_str(&step));
      MD("\n");
      ctk_buf_free(&step);
    }
  }
  if(d->n_own) {
    MD("\n## 附：省级平台本月的测试 / Annex: the provincial platform's runs this month\n\n"
       "| Started | Source | Tests | pass | fail | inconc | error | skip | Certifiable |\n"
       "|---|---|---|---|---|---|---|---|---|\n");
    for(i = 0; i < d->n_own; i++) {
      const own_run *o = &d->own[i];
      MD("| %s | ", o->started);
      MDCELL(o->label);
      MD(" | %zu | %zu | %zu | %zu | %zu | %zu | %s |\n", o->total,
         o->by_verdict[CTK_VERDICT_PASS], o->by_verdict[CTK_VERDICT_FAIL],
         o->by_verdict[CTK_VERDICT_INCONC], o->by_verdict[CTK_VERDICT_ERROR],
         o->by_verdict[CTK_VERDICT_SKIP], ctk_i18n_get(en, o->certifiable ? "monthly.yes"
                                                                           : "monthly.no"));
    }
  }
  if(d->n_ignored || d->other_runs) {
    MD("\n## Files not used\n\n%zu results of other units or later months were left out.\n",
       d->other_runs);
    if(d->n_ignored) {
      MD("\nNot readable as results (%zu):\n\n```\n", d->n_ignored);
      if(!rc)
        rc = ctk_buf_add(md, d->ignored.data, d->ignored.len);
      MD("```\n");
    }
  }
  return rc;
}

/* ---------- HTML ---------- */

/* The HTML speaks the catalogue's language (lib/base/ctk_i18n): every word is a monthly.* key. */
typedef struct mhtml {
  const ctk_i18n *cat;
  ctk_buf *html;
  ctk_code rc;
} mhtml;

static void hadd(mhtml *h, const char *s)
{
  if(!h->rc)
    h->rc = ctk_buf_adds(h->html, s);
}

/* A catalogue text with its {name} placeholders filled (vars may be NULL), escaped. */
static void htr(mhtml *h, const char *key, const char *const *vars)
{
  ctk_buf text;

  if(h->rc)
    return;
  ctk_buf_init(&text, 64 * 1024);
  h->rc = ctk_i18n_fill(h->cat, key, vars, &text);
  if(!h->rc)
    h->rc = ctk_buf_add_xml_escaped(h->html, ctk_buf_str(&text), text.len);
  ctk_buf_free(&text);
}

/* <tag>catalogue text</tag> */
static void htag(mhtml *h, const char *open, const char *key, const char *close)
{
  hadd(h, open);
  htr(h, key, NULL);
  hadd(h, close);
}

static void hesc(mhtml *h, const char *s)
{
  if(!h->rc)
    h->rc = ctk_buf_add_xml_escaped(h->html, s, strlen(s));
}

/* What say (reason_text, next_step_text) says of city c, escaped. */
static void hcity(mhtml *h, const city_status *c,
                  ctk_code (*say)(const ctk_i18n *, const city_status *, ctk_buf *))
{
  ctk_buf text;

  if(h->rc)
    return;
  ctk_buf_init(&text, 64 * 1024);
  h->rc = say(h->cat, c, &text);
  hesc(h, ctk_buf_str(&text));
  ctk_buf_free(&text);
}

/* <table id=ID><tr><th>...</th></tr> with the catalogue's words of keys (NULL-ended). */
static void table_head(mhtml *h, const char *id, const char *const *keys)
{
  if(!h->rc)
    h->rc = ctk_buf_printf(h->html, "<table id=\"%s\"><tr>", id);
  for(; *keys; keys++)
    htag(h, "<th>", *keys, "</th>");
  hadd(h, "</tr>");
}

static void write_html_rows(const monthly_data *d, mhtml *h)
{
  static const char *const networked[] = { "monthly.col.city", "monthly.col.code",
                                           "monthly.col.since", "monthly.col.latest",
                                           "monthly.col.passed", "monthly.col.latency",
                                           "monthly.col.runs_month", NULL };
  static const char *const not_networked[] = { "monthly.col.city", "monthly.col.code",
                                               "monthly.col.status", "monthly.col.reason",
                                               "monthly.col.latest", NULL };
  char d1[11], d2[11], passed[48], ms[32], runs[24];
  size_t i;

  table_head(h, "networked", networked);
  for(i = 0; i < d->n_cities; i++) {
    const city_status *c = &d->cities[i];
    if(!c->runs || !c->latest_certifiable)
      continue;
    snprintf(passed, sizeof(passed), "%zu/%zu", c->latest_passed, c->latest_total);
    snprintf(ms, sizeof(ms), "%.1f", c->latest_p50_ms);
    snprintf(runs, sizeof(runs), "%zu", c->runs_in_month);
    {
      const char *const row[] = { "ms", ms, NULL };
      hadd(h, "<tr><td>");
      hesc(h, c->region->name);
      hadd(h, "</td><td>");
      hesc(h, c->region->code);
      hadd(h, "</td><td>");
      hesc(h, day_of(c->first_networked, d1));
      hadd(h, "</td><td>");
      hesc(h, day_of(c->latest, d2));
      hadd(h, "</td><td>");
      hesc(h, passed);
      hadd(h, "</td><td>");
      htr(h, "monthly.latency_ms", row);
      hadd(h, "</td><td>");
      hesc(h, runs);
      hadd(h, "</td></tr>");
    }
  }
  hadd(h, "</table>");

  htag(h, "<h2>", "monthly.section_not_networked", "</h2>");
  table_head(h, "not-networked", not_networked);
  for(i = 0; i < d->n_cities; i++) {
    const city_status *c = &d->cities[i];
    if(c->runs && c->latest_certifiable)
      continue;
    hadd(h, "<tr><td>");
    hesc(h, c->region->name);
    hadd(h, "</td><td>");
    hesc(h, c->region->code);
    hadd(h, "</td>");
    if(!c->runs) {
      htag(h, "<td class=\"todo\">", "monthly.not_tested", "</td>");
      htag(h, "<td>", "monthly.no_run", "</td><td>-</td></tr>");
      continue;
    }
    htag(h, "<td class=\"fail\">",
         c->first_networked[0] ? "monthly.regressed" : "monthly.failing", "</td><td>");
    hcity(h, c, reason_text);
    hadd(h, "</td><td>");
    hesc(h, day_of(c->latest, d1));
    hadd(h, "</td></tr>");
  }
  hadd(h, "</table>");
}

static void write_html_steps(const monthly_data *d, const tally *t, mhtml *h)
{
  size_t i;

  htag(h, "<h2>", "monthly.section_next", "</h2><ul id=\"next-steps\">");
  if(!t->failing && !t->untested)
    htag(h, "<li>", "monthly.all_networked", "</li>");
  for(i = 0; i < d->n_cities; i++) {
    const city_status *c = &d->cities[i];
    if(c->runs && c->latest_certifiable)
      continue;
    hadd(h, "<li>");
    hcity(h, c, next_step_text);
    hadd(h, "</li>");
  }
  hadd(h, "</ul>");
}

/* The annex: the province's own platform's runs of the month (console runs, submitted
 * bundles), each one's verdicts counted. */
static void write_html_own(const monthly_data *d, mhtml *h)
{
  static const char *const cols[] = { "monthly.col.started", "monthly.col.source",
                                      "monthly.col.tests", "monthly.col.pass",
                                      "monthly.col.fail", "monthly.col.inconc",
                                      "monthly.col.error", "monthly.col.skip",
                                      "monthly.col.certifiable", NULL };
  static const ctk_verdict order[] = { CTK_VERDICT_PASS, CTK_VERDICT_FAIL, CTK_VERDICT_INCONC,
                                       CTK_VERDICT_ERROR, CTK_VERDICT_SKIP };
  char num[24];
  size_t i, v;

  htag(h, "<h2>", "monthly.section_own", "</h2>");
  if(!d->n_own) {
    htag(h, "<p id=\"own-runs-none\">", "monthly.own_none", "</p>");
    return;
  }
  table_head(h, "own-runs", cols);
  for(i = 0; i < d->n_own && !h->rc; i++) {
    const own_run *o = &d->own[i];
    snprintf(num, sizeof(num), "%zu", o->total);
    hadd(h, "<tr><td>");
    hesc(h, o->started);
    hadd(h, "</td><td class=\"source\">");
    hesc(h, o->label);
    hadd(h, "</td><td class=\"n-tests\">");
    hesc(h, num);
    for(v = 0; v < sizeof(order) / sizeof(order[0]) && !h->rc; v++) {
      snprintf(num, sizeof(num), "%zu", o->by_verdict[order[v]]);
      h->rc = ctk_buf_printf(h->html, "</td><td class=\"n-%s\">", ctk_verdict_name(order[v]));
      hesc(h, num);
    }
    hadd(h, "</td>");
    htag(h, o->certifiable ? "<td class=\"yes\">" : "<td class=\"fail\">",
         o->certifiable ? "monthly.yes" : "monthly.no", "</td></tr>");
  }
  hadd(h, "</table>");
}

static ctk_code write_html(const monthly_data *d, const ctk_i18n *cat, ctk_buf *html)
{
  char now[CTK_RESULT_TIME_LEN], n_net[24], n_cities[24], n_fail[24], n_todo[24], pct_s[16];
  char n_new[24], n_runs[24], n_files[24], n_ign[24];
  mhtml h;
  double pct;
  tally t;

  h.cat = cat;
  h.html = html;
  h.rc = CTK_E_OK;
  count(d, &t);
  pct = d->n_cities ? 100.0 * (double)t.networked / (double)d->n_cities : 0.0;
  ctk_result_now(now);
  snprintf(n_net, sizeof(n_net), "%zu", t.networked);
  snprintf(n_cities, sizeof(n_cities), "%zu", d->n_cities);
  snprintf(n_fail, sizeof(n_fail), "%zu", t.failing);
  snprintf(n_todo, sizeof(n_todo), "%zu", t.untested);
  snprintf(pct_s, sizeof(pct_s), "%.0f", pct);
  snprintf(n_new, sizeof(n_new), "%zu", t.new_this_month);
  snprintf(n_runs, sizeof(n_runs), "%zu", t.runs_in_month);
  snprintf(n_files, sizeof(n_files), "%zu", d->n_files + d->opt->n_runs);
  snprintf(n_ign, sizeof(n_ign), "%zu", d->n_ignored);
  {
    const char *const vars[] = { "province", d->province->name, "code", d->province->code,
                                 "month", d->opt->month, "due", d->due, "networked", n_net,
                                 "cities", n_cities, "failing", n_fail, "untested", n_todo,
                                 "pct", pct_s, "new", n_new, "runs", n_runs, "files", n_files,
                                 "ignored", n_ign, "now", now, NULL };
    if(!h.rc)
      h.rc = ctk_buf_printf(html, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta "
                                  "charset=\"utf-8\"><title>", ctk_i18n_lang(cat));
    htr(&h, "monthly.page_title", vars);
    hadd(&h, "</title><style>"
      "body{font:14px/1.5 system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;"
      "background:#f6f8fa;color:#1f2328}main{max-width:1000px;margin:0 auto;padding:24px}"
      "table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0}"
      "th,td{border:1px solid #d0d7de;padding:5px 8px;text-align:left}th{background:#eef1f4}"
      ".bar{height:14px;background:#eaeef2;border-radius:7px;overflow:hidden;max-width:480px}"
      ".bar div{height:100%;background:#1a7f37}.fail{color:#cf222e}.todo{color:#9a6700}"
      ".meta{color:#59636e}pre{background:#fff;border:1px solid #d0d7de;padding:8px;"
      "white-space:pre-wrap}</style></head><body><main>");
    htag(&h, "<h1>", "monthly.title", "</h1><p id=\"monthly-heading\"><b>");
    htr(&h, "monthly.heading", vars);
    hadd(&h, "</b></p><p id=\"networked-count\"><b>");
    htr(&h, "monthly.counts", vars);
    if(!h.rc)
      h.rc = ctk_buf_printf(html, "</b></p><div class=\"bar\"><div style=\"width:%s%%\"></div>"
                                  "</div>", pct_s);
    htag(&h, "<h2>", "monthly.section_networked", "</h2>");
    write_html_rows(d, &h);
    htag(&h, "<h2>", "monthly.section_progress", "</h2><ul><li>");
    htr(&h, "monthly.progress_networked", vars);
    hadd(&h, "</li><li>");
    htr(&h, "monthly.progress_new", vars);
    hadd(&h, "</li><li>");
    htr(&h, "monthly.progress_runs", vars);
    htag(&h, "</li></ul><p>", "monthly.notes", "</p>");
    if(d->notes.len) {
      hadd(&h, "<pre>");
      hesc(&h, ctk_buf_str(&d->notes));
      hadd(&h, "</pre>");
    }
    else
      htag(&h, "<p class=\"todo\">", "monthly.notes_todo", "</p>");
    write_html_steps(d, &t, &h);
    write_html_own(d, &h);
    if(d->n_ignored) {
      hadd(&h, "<h2>");
      htr(&h, "monthly.unreadable", vars);
      hadd(&h, "</h2><pre>");
      hesc(&h, ctk_buf_str(&d->ignored));
      hadd(&h, "</pre>");
    }
    hadd(&h, "<p class=\"meta\">");
    htr(&h, "monthly.generated", vars);
    hadd(&h, "</p></main></body></html>\n");
  }
  return h.rc;
}

ctk_code ctk_monthly_build(const ctk_monthly_options *opt, ctk_buf *markdown, ctk_buf *html,
                           char *err, size_t errlen)
{
  monthly_data d;
  ctk_i18n *cat = NULL, *en = NULL;
  ctk_code rc;

  memset(&d, 0, sizeof(d));
  d.opt = opt;
  ctk_buf_init(&d.ignored, 1024 * 1024);
  ctk_buf_init(&d.notes, 1024 * 1024);
  if(err && errlen)
    err[0] = '\0';
  rc = ctk_i18n_load(opt->lang ? opt->lang : CTK_I18N_DEFAULT_LANG, &cat, err, errlen);
  if(!rc)
    rc = ctk_i18n_load("en", &en, err, errlen);
  if(!rc)
    rc = gather(&d, err, errlen);
  if(!rc)
    rc = write_markdown(&d, en, markdown);
  if(!rc)
    rc = write_html(&d, cat, html);
  ctk_i18n_free(cat);
  ctk_i18n_free(en);
  if(rc && err && !err[0])
    ctk_report_set_err(err, errlen, "%s", ctk_strerror(rc));
  data_free(&d);
  return rc;
}

ctk_code ctk_monthly_report(const ctk_monthly_options *opt, char *err, size_t errlen)
{
  char prefix[512], path[600];
  ctk_buf md, html;
  ctk_code rc;

  if(opt->out_prefix)
    ctk_strlcpy(prefix, opt->out_prefix, sizeof(prefix));
  else
    snprintf(prefix, sizeof(prefix), "monthly-%s-%s", opt->province ? opt->province : "",
             opt->month ? opt->month : "");
  ctk_buf_init(&md, CTK_REPORT_MAX_BYTES);
  ctk_buf_init(&html, CTK_REPORT_MAX_BYTES);
  rc = ctk_monthly_build(opt, &md, &html, err, errlen);
  if(!rc) {
    snprintf(path, sizeof(path), "%s.md", prefix);
    rc = ctk_file_write_atomic(path, ctk_buf_str(&md), md.len, 0644);
    if(!rc) {
      printf("wrote %s\n", path);
      snprintf(path, sizeof(path), "%s.html", prefix);
      rc = ctk_file_write_atomic(path, ctk_buf_str(&html), html.len, 0644);
    }
    if(rc)
      ctk_report_set_err(err, errlen, "%s: %s", path, ctk_strerror(rc));
    else
      printf("wrote %s\n", path);
  }
  ctk_buf_free(&md);
  ctk_buf_free(&html);
  return rc;
}
