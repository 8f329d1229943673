/* ctk_report_rollout: the rollout acceptance view over provincial units and their bundles. */
#include "ctk_report_rollout.h"
#include "ctk_file.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_bundle.h"
#include "ctk_calendar.h"
#include "ctk_csv.h"
#include "ctk_datadir.h"
#include "ctk_report.h"
#include "ctk_html_out.h"

typedef struct unit_row {
  int batch;
  char deadline[11];           /* YYYY-MM-DD */
  char code[8];
  char name[96];
  int has_bundle;
  const char *bundle;          /* path of the latest verified bundle */
  char finished[CTK_RESULT_TIME_LEN];
  int certifiable;
  char failing[512];
} unit_row;

typedef struct rollout_data {
  unit_row units[CTK_ROLLOUT_UNITS_MAX];
  size_t n_units;
  ctk_buf rejected;            /* "bundle: reason" lines */
  size_t n_rejected;
  size_t unmatched;            /* valid bundles of no listed unit */
  int signatures_checked;
  char today[11];
} rollout_data;

/* Days since 1970-01-01 of "YYYY-MM-DD"; 0 on success, -1 if not a date. */
static int day_number(const char *s, long *out)
{
  struct tm tm;
  int y, m, d;
  char extra;
  if(!s || strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) < 3)
    return -1;
  if(m < 1 || m > 12 || d < 1 || d > 31)
    return -1;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = 12;
  *out = (long)(timegm(&tm) / 86400);
  return 0;
}

static ctk_code load_units(rollout_data *d, const char *path, char *err, size_t errlen)
{
  static const char *const cols[] = { "batch", "deadline", "code", "name" };
  int idx[4];
  ctk_csv c;
  ctk_code rc;
  int r;

  rc = ctk_csv_open(&c, path);
  if(rc) {
    ctk_report_set_err(err, errlen, "%s: cannot read the rollout plan: %s", path, ctk_strerror(rc));
    return rc;
  }
  rc = ctk_csv_header(&c, cols, 4, idx);
  if(rc) {
    ctk_report_set_err(err, errlen, "%s: %s", path, c.error);
    ctk_csv_close(&c);
    return rc;
  }
  for(;;) {
    unit_row *u;
    const char *batch, *deadline, *code, *name;
    long day;
    r = ctk_csv_next(&c);
    if(r <= 0)
      break;
    batch = ctk_csv_field(&c, idx[0]);
    deadline = ctk_csv_field(&c, idx[1]);
    code = ctk_csv_field(&c, idx[2]);
    name = ctk_csv_field(&c, idx[3]);
    if(!batch || !deadline || !code || !name || atoi(batch) < 1 || strlen(code) != 6 ||
       day_number(deadline, &day)) {
      ctk_report_set_err(err, errlen,
                         "%s:%zu: expected batch,deadline (YYYY-MM-DD),code (6 digits),name",
                         path, c.record_line);
      ctk_csv_close(&c);
      return CTK_E_PARSE;
    }
    if(d->n_units >= CTK_ROLLOUT_UNITS_MAX) {
      ctk_report_set_err(err, errlen, "%s: more than %d units", path, CTK_ROLLOUT_UNITS_MAX);
      ctk_csv_close(&c);
      return CTK_E_TOOBIG;
    }
    u = &d->units[d->n_units++];
    memset(u, 0, sizeof(*u));
    u->batch = atoi(batch);
    ctk_strlcpy(u->deadline, deadline, sizeof(u->deadline));
    ctk_strlcpy(u->code, code, sizeof(u->code));
    ctk_strlcpy(u->name, name, sizeof(u->name));
  }
  if(r < 0) {
    ctk_report_set_err(err, errlen, "%s:%zu: %s", path, c.record_line, c.error);
    ctk_csv_close(&c);
    return CTK_E_PARSE;
  }
  ctk_csv_close(&c);
  return CTK_E_OK;
}

static unit_row *find_unit(rollout_data *d, const char *code)
{
  size_t i;
  for(i = 0; i < d->n_units; i++) {
    if(!strcmp(d->units[i].code, code))
      return &d->units[i];
  }
  return NULL;
}

static ctk_code take_bundle(rollout_data *d, const ctk_rollout_options *opt, const char *path)
{
  ctk_bundle_check chk;
  char err[512] = "";
  unit_row *u;
  ctk_code rc, out = CTK_E_OK;

  ctk_bundle_check_init(&chk);
  rc = ctk_bundle_verify(path, opt->pubkey_pem, &chk, err, sizeof(err));
  if(rc == CTK_E_INVALID) {
    /* The first problem is the reason; the rest are in `ctk verify`. */
    const char *p = ctk_buf_str(&chk.problems);
    const char *nl = strchr(p, '\n');
    d->n_rejected++;
    out = ctk_buf_printf(&d->rejected, "%s: %.*s\n", path, nl ? (int)(nl - p) : (int)strlen(p),
                         p);
  }
  else if(rc) {
    d->n_rejected++;
    out = ctk_buf_printf(&d->rejected, "%s: %s\n", path, err[0] ? err : ctk_strerror(rc));
  }
  else {
    u = find_unit(d, chk.sut_region);
    if(!u)
      d->unmatched++;
    else if(!u->has_bundle || strcmp(chk.finished, u->finished) > 0) {
      u->has_bundle = 1;
      u->bundle = path;
      ctk_strlcpy(u->finished, chk.finished, sizeof(u->finished));
      u->certifiable = chk.certifiable;
      ctk_strlcpy(u->failing, ctk_buf_str(&chk.failing_requirements), sizeof(u->failing));
    }
  }
  ctk_bundle_check_free(&chk);
  return out;
}

/* "on time", "late by N days", "overdue by N days" or "open" for a unit. */
static void timeliness(const rollout_data *d, const unit_row *u, char *out, size_t outlen)
{
  long deadline = 0, when = 0, today = 0;
  day_number(u->deadline, &deadline);
  if(u->has_bundle && u->certifiable && !day_number(u->finished, &when)) {
    if(when <= deadline)
      snprintf(out, outlen, "on time");
    else
      snprintf(out, outlen, "late by %ld days", when - deadline);
    return;
  }
  if(!day_number(d->today, &today) && today > deadline)
    snprintf(out, outlen, "overdue by %ld days", today - deadline);
  else
    snprintf(out, outlen, "open");
}

static const char *status_of(const unit_row *u)
{
  if(!u->has_bundle)
    return "missing";
  return u->certifiable ? "certifiable" : "not certifiable";
}

static ctk_code write_text(const rollout_data *d, ctk_buf *t)
{
  ctk_code rc = ctk_buf_printf(t, "%-5s %-10s %-6s %-12s %-16s %-22s %s\n", "batch", "deadline",
                               "code", "run", "status", "timeliness", "failing requirements");
  size_t i;
  for(i = 0; i < d->n_units && !rc; i++) {
    const unit_row *u = &d->units[i];
    char when[48], day[11] = "-";
    timeliness(d, u, when, sizeof(when));
    if(u->has_bundle && strlen(u->finished) >= 10) {
      memcpy(day, u->finished, 10);
      day[10] = '\0';
    }
    rc = ctk_buf_printf(t, "%-5d %-10s %-6s %-12s %-16s %-22s %s  %s\n", u->batch, u->deadline,
                        u->code, day, status_of(u), when, u->failing[0] ? u->failing : "-",
                        u->name);
  }
  if(!rc && d->n_rejected)
    rc = ctk_buf_printf(t, "\nrejected bundles (%zu):\n%s", d->n_rejected,
                        ctk_buf_str(&d->rejected));
  if(!rc && !d->signatures_checked)
    rc = ctk_buf_adds(t, "\nsignatures NOT checked (no --key): hashes only\n");
  return rc;
}


static ctk_code write_html(const rollout_data *d, ctk_buf *html)
{
  ctk_code rc = CTK_E_OK;
  size_t i, certified = 0;
  int batch = 0;

  for(i = 0; i < d->n_units; i++)
    certified += d->units[i].has_bundle && d->units[i].certifiable;
  H("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<title>12328 rollout acceptance</title><style>"
    "body{font:14px/1.5 system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;"
    "background:#f6f8fa;color:#1f2328}main{max-width:1100px;margin:0 auto;padding:24px}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border:1px solid #d0d7de;padding:5px 8px;text-align:left}th{background:#eef1f4}"
    "tr.batch th{background:#ddf4ff}td.d,td:first-child{white-space:nowrap}.certifiable{color:#1a7f37;font-weight:700}"
    ".not-certifiable{color:#cf222e;font-weight:700}.missing{color:#9a6700;font-weight:700}"
    ".warn{background:#fff8c5;border-left:6px solid #d4a72c;padding:8px}"
    "pre{background:#fff;border:1px solid #d0d7de;padding:8px;white-space:pre-wrap}"
    "</style></head><body><main><h1>12328 联网验收 / Rollout acceptance</h1>");
  HF("<p id=\"certified-count\"><b>%zu of %zu</b> provincial units have a certifiable, "
     "verified evidence bundle (as of %s).</p>",
     certified, d->n_units, d->today);
  if(!d->signatures_checked)
    H("<p class=\"warn\">Signatures were <b>not</b> checked (no public key given): only the "
      "files' hashes were.</p>");
  H("<table id=\"units\"><tr><th>Code</th><th>Unit</th><th>Status</th>"
    "<th>Run finished</th><th>Timeliness</th><th>Failing requirements</th><th>Bundle</th></tr>");
  for(i = 0; i < d->n_units; i++) {
    const unit_row *u = &d->units[i];
    const char *st = status_of(u);
    char when[48];
    if(u->batch != batch) {
      batch = u->batch;
      HF("<tr class=\"batch\"><th colspan=\"7\">Batch %d, deadline ", batch);
      HE(u->deadline);
      H("</th></tr>");
    }
    timeliness(d, u, when, sizeof(when));
    HF("<tr data-code=\"%s\"><td>%s</td><td>", u->code, u->code);
    HE(u->name);
    HF("</td><td class=\"%s\">%s</td><td class=\"d\" title=\"",
       u->has_bundle ? (u->certifiable ? "certifiable" : "not-certifiable") : "missing", st);
    HE(u->has_bundle ? u->finished : "");
    HF("\">%.10s</td><td class=\"d\">%s</td><td>", u->has_bundle ? u->finished : "-", when);
    HE(u->failing[0] ? u->failing : "-");
    H("</td><td title=\"");
    HE(u->bundle ? u->bundle : "");
    H("\">");
    {
      /* The file name is enough in a row; the full path is in the tooltip. */
      const char *base = u->bundle ? strrchr(u->bundle, '/') : NULL;
      HE(base ? base + 1 : (u->bundle ? u->bundle : "-"));
    }
    H("</td></tr>");
  }
  H("</table>");
  if(d->n_rejected) {
    HF("<h2>Rejected bundles (%zu)</h2><pre id=\"rejected\">", d->n_rejected);
    HE(ctk_buf_str(&d->rejected));
    H("</pre>");
  }
  if(d->unmatched)
    HF("<p>%zu verified bundles are of units not in the rollout plan.</p>", d->unmatched);
  H("</main></body></html>\n");
  return rc;
}

ctk_code ctk_rollout_build(const ctk_rollout_options *opt, ctk_buf *html, ctk_buf *text,
                           char *err, size_t errlen)
{
  rollout_data *d = calloc(1, sizeof(*d));
  char units[PATH_MAX];
  size_t i;
  ctk_code rc;

  if(!d)
    return CTK_E_NOMEM;
  if(err && errlen)
    err[0] = '\0';
  ctk_buf_init(&d->rejected, 1024 * 1024);
  d->signatures_checked = opt->pubkey_pem != NULL;
  if(opt->today)
    ctk_strlcpy(d->today, opt->today, sizeof(d->today));
  else
    ctk_beijing_today(d->today);
  rc = load_units(d, opt->units_csv ? opt->units_csv
                                    : ctk_datadir_path(CTK_ROLLOUT_DEFAULT_FILE, units,
                                                       sizeof(units)),
                  err, errlen);
  for(i = 0; i < opt->n_bundles && !rc; i++)
    rc = take_bundle(d, opt, opt->bundles[i]);
  if(!rc && text)
    rc = write_text(d, text);
  if(!rc && html)
    rc = write_html(d, html);
  if(rc && err && !err[0])
    ctk_report_set_err(err, errlen, "%s", ctk_strerror(rc));
  ctk_buf_free(&d->rejected);
  free(d);
  return rc;
}

ctk_code ctk_rollout_report(const ctk_rollout_options *opt, FILE *text_out, char *err,
                            size_t errlen)
{
  ctk_buf html, text;
  ctk_code rc;

  ctk_buf_init(&html, CTK_REPORT_MAX_BYTES);
  ctk_buf_init(&text, CTK_REPORT_MAX_BYTES);
  rc = ctk_rollout_build(opt, opt->out_html ? &html : NULL, &text, err, errlen);
  if(!rc && opt->out_html) {
    rc = ctk_file_write_atomic(opt->out_html, ctk_buf_str(&html), html.len, 0644);
    if(rc)
      ctk_report_set_err(err, errlen, "%s: %s", opt->out_html, ctk_strerror(rc));
  }
  if(!rc && text_out)
    fputs(ctk_buf_str(&text), text_out);
  ctk_buf_free(&html);
  ctk_buf_free(&text);
  return rc;
}
