/* ctk_report_html: the result model as one self-contained HTML page: inline CSS and SVG,
 * no external resources, no script (expand/collapse is <details>). All text is escaped; every
 * word of the page's own comes from the message catalogue (lib/base/ctk_i18n), zh-CN unless
 * another language is asked for. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_i18n.h"
#include "ctk_report.h"
#include "ctk_svg.h"

/* Per test: exchanges listed, and of those, how many show their raw bytes; bytes shown per
 * message. The JSON keeps everything; the page stays small enough to open. */
#define HTML_ROWS_MAX 500
#define HTML_RAW_MESSAGES_MAX 100
#define HTML_RAW_SHOWN ((size_t)64 * 1024)
#define HTML_LATENCY_BINS 24

static const char page_css[] =
  ":root{--pass:#1a7f37;--fail:#cf222e;--inconc:#9a6700;--skip:#6e7781;--error:#8250df;"
  "--bg:#f6f8fa;--card:#fff;--line:#d0d7de;--ink:#1f2328;--mute:#59636e}"
  "*{box-sizing:border-box}"
  "body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"
  "'Segoe UI','Noto Sans CJK SC','Microsoft YaHei',sans-serif}"
  "main{max-width:1120px;margin:0 auto;padding:24px}"
  "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}"
  ".sub{color:var(--mute)}"
  ".card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px;"
  "margin:12px 0}"
  ".banner{display:flex;align-items:center;gap:16px;flex-wrap:wrap}"
  ".cert{font-weight:700;font-size:16px;padding:6px 14px;border-radius:6px;color:#fff}"
  ".cert.yes{background:var(--pass)}.cert.no{background:var(--fail)}"
  ".provenance{border-left:6px solid #d4a72c;background:#fff8c5}"
  ".provenance strong{font-size:15px}"
  ".cards{display:grid;grid-template-columns:repeat(6,1fr);gap:10px}"
  ".count{background:var(--card);border:1px solid var(--line);border-radius:8px;"
  "padding:10px;text-align:center}"
  ".count .num{display:block;font-size:28px;font-weight:700}"
  ".count.pass .num{color:var(--pass)}.count.fail .num{color:var(--fail)}"
  ".count.inconc .num{color:var(--inconc)}.count.skip .num{color:var(--skip)}"
  ".count.error .num{color:var(--error)}"
  "table{border-collapse:collapse;width:100%;background:var(--card)}"
  "th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}"
  "th{background:#eef1f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}"
  "table.kv th{width:220px}"
  ".scroll{overflow-x:auto}table.xchg{font-size:12px}table.xchg td,table.xchg th{padding:2px 6px}"
  "table.xchg td:nth-child(4){word-break:break-all}details.xchgs{margin:8px 0}"
  "details.xchgs>summary,details.raw>summary{cursor:pointer;color:#0969da}"
  ".v{display:inline-block;min-width:58px;text-align:center;font-weight:700;color:#fff;"
  "border-radius:4px;padding:0 6px;font-size:12px;text-transform:uppercase}"
  ".v-pass{background:var(--pass)}.v-fail{background:var(--fail)}"
  ".v-inconc{background:var(--inconc)}.v-skip{background:var(--skip)}"
  ".v-error{background:var(--error)}"
  "details.test{background:var(--card);border:1px solid var(--line);border-left-width:6px;"
  "border-radius:6px;margin:8px 0;padding:6px 12px}"
  "details.test.pass{border-left-color:var(--pass)}details.test.fail{border-left-color:var(--fail)}"
  "details.test.inconc{border-left-color:var(--inconc)}"
  "details.test.skip{border-left-color:var(--skip)}"
  "details.test.error{border-left-color:var(--error)}"
  "details.test>summary{cursor:pointer;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}"
  ".tid{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:600}"
  ".meta{color:var(--mute);font-size:12px}"
  ".reason{margin:8px 0;padding:8px;background:#f6f8fa;border-radius:4px;white-space:pre-wrap}"
  ".req{font-family:ui-monospace,monospace;background:#ddf4ff;border-radius:4px;padding:0 5px;"
  "margin-right:4px}"
  "pre{white-space:pre-wrap;word-break:break-all;background:#0d1117;color:#e6edf3;"
  "padding:10px;border-radius:6px;font-size:12px;max-height:480px;overflow:auto}"
  ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}"
  "svg.chart{width:100%;height:auto;background:var(--card);border:1px solid var(--line);"
  "border-radius:8px}"
  "svg .grid{stroke:#eaeef2}svg .axis{stroke:#57606a}svg .bar{fill:#0969da}svg .over{fill:#bc4c00}"
  "svg .line{fill:none;stroke:#0969da;stroke-width:2}"
  "svg text{font-size:11px;fill:#57606a;font-family:system-ui,sans-serif}"
  "svg .ct{font-size:13px;font-weight:600;fill:#1f2328}"
  "svg .yl{text-anchor:end}svg .xl,svg .xu,svg .yu{text-anchor:middle}"
  "#attention ul{margin:6px 0 0;padding-left:18px}#attention li{margin:3px 0}"
  "a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}"
  "footer{color:var(--mute);font-size:12px;margin:32px 0 8px}"
  "@media print{details{break-inside:avoid}}";

typedef struct html_ctx {
  const ctk_i18n *cat;
  ctk_buf *out;
  ctk_buf scratch;             /* cleaned text before escaping */
  ctk_code rc;                 /* first failure; later writes are skipped */
} html_ctx;

static void add(html_ctx *h, const char *s)
{
  if(!h->rc)
    h->rc = ctk_buf_adds(h->out, s);
}

static void addf(html_ctx *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void addf(html_ctx *h, const char *fmt, ...)
{
  va_list ap;
  if(h->rc)
    return;
  va_start(ap, fmt);
  h->rc = ctk_buf_vprintf(h->out, fmt, ap);
  va_end(ap);
}

/* A catalogue text, escaped; vars as ctk_i18n_fill's (NULL for none). */
static void tr_vars(html_ctx *h, const char *key, const char *const *vars)
{
  ctk_buf text;

  if(h->rc)
    return;
  ctk_buf_init(&text, CTK_REPORT_MAX_BYTES);
  h->rc = ctk_i18n_fill(h->cat, key, vars, &text);
  if(!h->rc)
    h->rc = ctk_buf_add_xml_escaped(h->out, ctk_buf_str(&text), text.len);
  ctk_buf_free(&text);
}

static void tr(html_ctx *h, const char *key)
{
  tr_vars(h, key, NULL);
}

/* A catalogue text that holds markup of its own (the catalogue is built in, not input). */
static void tr_markup(html_ctx *h, const char *key)
{
  add(h, ctk_i18n_get(h->cat, key));
}

/* "status.pass" and the like: the catalogue key of a verdict's or class's name. */
static void tr_name(html_ctx *h, const char *prefix, const char *name)
{
  char key[CTK_I18N_KEY_MAX];

  snprintf(key, sizeof(key), "%s%s", prefix, name);
  tr(h, key);
}

/* Escaped text of arbitrary bytes (cleaned to UTF-8 first). */
static void esc_n(html_ctx *h, const char *s, size_t len)
{
  if(h->rc)
    return;
  ctk_buf_reset(&h->scratch);
  h->rc = ctk_report_text(&h->scratch, s, len, NULL);
  if(!h->rc)
    h->rc = ctk_buf_add_xml_escaped(h->out, ctk_buf_str(&h->scratch), h->scratch.len);
}

static void esc(html_ctx *h, const char *s)
{
  esc_n(h, s ? s : "", s ? strlen(s) : 0);
}

/* A test id made safe for an HTML id attribute. */
static void anchor(html_ctx *h, const char *id)
{
  char safe[80];
  size_t i;
  for(i = 0; id[i] && i < sizeof(safe) - 1; i++) {
    char c = id[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_' || c == '.';
    safe[i] = ok ? c : '_';
  }
  safe[i] = '\0';
  addf(h, "t-%s", safe);
}

/* A row whose label is a catalogue key. */
static void kv_row_tr(html_ctx *h, const char *label_key, const char *value)
{
  add(h, "<tr><th>");
  tr(h, label_key);
  add(h, "</th><td>");
  esc(h, value);
  add(h, "</td></tr>");
}

static void kv_row(html_ctx *h, const char *key, const char *value)
{
  add(h, "<tr><th>");
  esc(h, key);
  add(h, "</th><td>");
  esc(h, value);
  add(h, "</td></tr>");
}

static void verdict_badge(html_ctx *h, ctk_verdict v)
{
  addf(h, "<span class=\"v v-%s\">", ctk_verdict_name(v));
  tr_name(h, "status.", ctk_verdict_name(v));
  add(h, "</span>");
}

static void write_header(html_ctx *h, const ctk_run *run, const ctk_summary *s)
{
  int certifiable = ctk_run_certifiable(run);
  int baseline = !strcmp(run->profile_provenance, "baseline");
  int synthetic = !strcmp(run->profile_provenance, "synthetic");
  int v;

  const char *title_vars[] = { "sut", run->sut.name[0] ? run->sut.name : run->sut.region, NULL };
  const char *profile_vars[] = { "name", run->profile_name, "version", run->profile_version,
                                 "provenance", run->profile_provenance[0]
                                                 ? run->profile_provenance
                                                 : "unknown", NULL };
  char code[16], tests[32], exchanges[32];
  const char *count_vars[] = { "tests", tests, "exchanges", exchanges, NULL };

  add(h, "<header><h1>");
  tr_vars(h, "report.title", title_vars);
  add(h, "</h1><div class=\"sub\">");
  esc(h, ctk_sut_kind_name(run->sut.kind));
  add(h, " ");
  esc(h, run->sut.region);
  add(h, " &middot; ");
  esc(h, run->sut.endpoint);
  add(h, " &middot; ");
  esc(h, run->started);
  add(h, "</div></header>");

  add(h, "<section class=\"card provenance\" id=\"provenance\"><strong>");
  tr_vars(h, "report.profile", profile_vars);
  add(h, "</strong>");
  if(baseline) {
    add(h, "<p>");
    tr_markup(h, "report.baseline_note");
    add(h, "</p>");
  }
  if(synthetic) {
    add(h, "<p>");
    tr_markup(h, "report.synthetic_note");
    add(h, "</p>");
  }
  if(run->profile_statement[0]) {
    add(h, "<p>");
    esc(h, run->profile_statement);
    add(h, "</p>");
  }
  add(h, "<div class=\"meta\">");
  tr(h, "report.profile_sha256");
  add(h, " ");
  esc(h, run->profile_sha256);
  add(h, "</div></section>");

  addf(h, "<section class=\"card banner\"><span class=\"cert %s\" id=\"certifiable\">",
       certifiable ? "yes" : "no");
  tr(h, certifiable ? "report.certifiable" : "report.not_certifiable");
  add(h, "</span><span>");
  tr(h, "report.exit_code");
  snprintf(code, sizeof(code), "%d", ctk_run_exit_code(run));
  snprintf(tests, sizeof(tests), "%zu", s->all.total);
  snprintf(exchanges, sizeof(exchanges), "%zu", s->exchanges);
  addf(h, " <b id=\"exit-code\">%s</b> &middot; ", code);
  tr_vars(h, "report.counts", count_vars);
  add(h, "</span></section>");

  add(h, "<section class=\"cards\" id=\"summary\">");
  addf(h, "<div class=\"count total\"><span class=\"num\" id=\"n-total\">%zu</span>",
       s->all.total);
  tr(h, "report.total");
  add(h, "</div>");
  for(v = 0; v < CTK_VERDICT__COUNT; v++) {
    const char *name = ctk_verdict_name((ctk_verdict)v);
    addf(h, "<div class=\"count %s\"><span class=\"num\" id=\"n-%s\">%zu</span>", name, name,
         s->all.by_verdict[v]);
    tr_name(h, "status.", name);
    add(h, "</div>");
  }
  add(h, "</section>");
}

/* The tests a reader must look at, linked to their details, right under the counts. */
static void write_attention(html_ctx *h, const ctk_run *run)
{
  size_t i, shown = 0;
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    if(t->verdict == CTK_VERDICT_PASS || t->verdict == CTK_VERDICT_SKIP)
      continue;
    if(!shown++)
    {
      add(h, "<section class=\"card\" id=\"attention\"><b>");
      tr(h, "report.attention");
      add(h, "</b><ul>");
    }
    add(h, "<li>");
    verdict_badge(h, t->verdict);
    add(h, " <a href=\"#");
    anchor(h, t->id);
    add(h, "\" class=\"tid\">");
    esc(h, t->id);
    add(h, "</a> ");
    esc(h, t->reason);
    add(h, "</li>");
  }
  if(shown)
    add(h, "</ul></section>");
}

/* label_key: a catalogue key when label is NULL. */
static void counts_row(html_ctx *h, const char *label, const char *label_key, const ctk_counts *c)
{
  int v;
  add(h, "<tr><th>");
  if(label)
    esc(h, label);
  else
    tr(h, label_key);
  add(h, "</th>");
  for(v = 0; v < CTK_VERDICT__COUNT; v++)
    addf(h, "<td class=\"n\">%zu</td>", c->by_verdict[v]);
  addf(h, "<td class=\"n\">%zu</td></tr>", c->total);
}

static void write_summary_tables(html_ctx *h, const ctk_summary *s)
{
  size_t i;
  int v;
  char key[CTK_I18N_KEY_MAX];

  add(h, "<h2>");
  tr(h, "report.by_part");
  add(h, "</h2><table class=\"counts\" id=\"by-part\"><thead><tr><th></th>");
  for(v = 0; v < CTK_VERDICT__COUNT; v++) {
    add(h, "<th>");
    tr_name(h, "status.", ctk_verdict_name((ctk_verdict)v));
    add(h, "</th>");
  }
  add(h, "<th>");
  tr(h, "report.total");
  add(h, "</th></tr></thead><tbody>");
  for(i = 0; i < s->n_parts; i++)
    counts_row(h, s->parts[i].part[0] ? s->parts[i].part : NULL, "report.no_part",
               &s->parts[i].counts);
  for(v = 0; v < CTK_CLASS__COUNT; v++) {
    snprintf(key, sizeof(key), "report.class.%s", ctk_conf_class_name((ctk_conf_class)v));
    counts_row(h, NULL, key, &s->by_class[v]);
  }
  counts_row(h, NULL, "report.all", &s->all);
  add(h, "</tbody></table>");
}

static void write_identity(html_ctx *h, const ctk_run *run)
{
  size_t i;
  add(h, "<h2>");
  tr(h, "report.run");
  add(h, "</h2><table class=\"kv\" id=\"identity\">");
  kv_row_tr(h, "report.sut", run->sut.name);
  kv_row_tr(h, "report.kind", ctk_sut_kind_name(run->sut.kind));
  kv_row_tr(h, "report.region", run->sut.region);
  kv_row_tr(h, "report.endpoint", run->sut.endpoint);
  kv_row_tr(h, "report.tool", run->tool_version);
  kv_row_tr(h, "report.tool_commit", run->tool_commit);
  kv_row_tr(h, "report.started", run->started);
  kv_row_tr(h, "report.finished", run->finished);
  kv_row_tr(h, "report.host", run->host);
  add(h, "</table>");
  add(h, "<details class=\"card\"><summary>");
  tr(h, "report.pics_pixit");
  add(h, "</summary><table class=\"kv\" id=\"pics\">");
  for(i = 0; i < run->pics.count; i++)
    kv_row(h, run->pics.items[i].key, run->pics.items[i].value);
  add(h, "</table><br><table class=\"kv\" id=\"pixit\">");
  for(i = 0; i < run->pixit.count; i++)
    kv_row(h, run->pixit.items[i].key, run->pixit.items[i].value);
  add(h, "</table></details>");
}

/* Every latency measured: answered exchanges, plus latency series of load tests. */
static double *collect_latencies(const ctk_run *run, size_t *n)
{
  size_t i, j, total = 0, k = 0;
  double *v;
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    total += t->n_exchanges;
    for(j = 0; j < t->n_series; j++) {
      if(t->series[j].step_s == 0 && strstr(t->series[j].name, "latency"))
        total += t->series[j].count;
    }
  }
  *n = 0;
  v = malloc((total ? total : 1) * sizeof(*v));
  if(!v)
    return NULL;
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    for(j = 0; j < t->n_exchanges; j++) {
      if(t->exchanges[j].latency_ms > 0)
        v[k++] = t->exchanges[j].latency_ms;
    }
    for(j = 0; j < t->n_series; j++) {
      const ctk_series *s = &t->series[j];
      /* An empty series may have no values array at all: memcpy must not see NULL. */
      if(s->step_s == 0 && s->count && strstr(s->name, "latency")) {
        memcpy(v + k, s->values, s->count * sizeof(*v));
        k += s->count;
      }
    }
  }
  *n = k;
  return v;
}

static void write_charts(html_ctx *h, const ctk_run *run)
{
  size_t n = 0, i, j;
  double *lat = collect_latencies(run, &n);
  ctk_stats st;

  if(!lat) {
    h->rc = h->rc ? h->rc : CTK_E_NOMEM;
    return;
  }
  add(h, "<h2>");
  tr(h, "report.charts");
  add(h, "</h2><div class=\"charts\" id=\"charts\">");
  if(n) {
    if(!h->rc)
      h->rc = ctk_svg_histogram(h->out, "chart latency", ctk_i18n_get(h->cat, "report.latency"),
                                lat, n, HTML_LATENCY_BINS, ctk_i18n_get(h->cat, "report.ms"),
                                ctk_i18n_get(h->cat, "report.axis_count"));
  }
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    for(j = 0; j < t->n_series && !h->rc; j++) {
      const ctk_series *s = &t->series[j];
      const char *vars[] = { "test", t->id, "series", s->name, NULL };
      ctk_buf title;
      if(s->step_s <= 0 || !s->count)
        continue;
      ctk_buf_init(&title, 1024);
      h->rc = ctk_i18n_fill(h->cat, "report.over_time", vars, &title);
      if(!h->rc)
        h->rc = ctk_svg_timeline(h->out, "chart load", ctk_buf_str(&title), s->values, s->count,
                                 s->step_s, s->unit[0] ? s->unit : s->name,
                                 ctk_i18n_get(h->cat, "report.axis_seconds"));
      ctk_buf_free(&title);
    }
  }
  add(h, "</div>");
  if(n && !h->rc) {
    char num[6][32];
    const char *vars[] = { "n", num[0], "min", num[1], "p50", num[2], "p95", num[3],
                           "p99", num[4], "max", num[5], NULL };
    h->rc = ctk_stats_of(lat, n, &st);
    snprintf(num[0], sizeof(num[0]), "%zu", st.count);
    snprintf(num[1], sizeof(num[1]), "%.1f", st.min);
    snprintf(num[2], sizeof(num[2]), "%.1f", st.p50);
    snprintf(num[3], sizeof(num[3]), "%.1f", st.p95);
    snprintf(num[4], sizeof(num[4]), "%.1f", st.p99);
    snprintf(num[5], sizeof(num[5]), "%.1f", st.max);
    add(h, "<p class=\"meta\" id=\"latency-stats\">");
    tr_vars(h, "report.latency_stats", vars);
    add(h, "</p>");
  }
  else if(!n) {
    add(h, "<p class=\"meta\">");
    tr(h, "report.no_latency");
    add(h, "</p>");
  }
  free(lat);
}

static void write_exchanges(html_ctx *h, const ctk_test_result *t)
{
  static const char *const columns[] = { "report.col.time", "report.col.dir",
                                         "report.col.peer", "report.col.interface",
                                         "report.col.http", "report.col.result",
                                         "report.col.latency", "report.col.bytes" };
  size_t i, rows = t->n_exchanges < HTML_ROWS_MAX ? t->n_exchanges : HTML_ROWS_MAX;
  char num[3][32];
  const char *vars[] = { "n", num[0], "dir", num[1], "bytes", num[2], NULL };

  if(!t->n_exchanges)
    return;
  snprintf(num[0], sizeof(num[0]), "%zu", t->n_exchanges);
  addf(h, "<details class=\"xchgs\"%s><summary>", t->verdict == CTK_VERDICT_PASS ? "" : " open");
  tr_vars(h, "report.exchanged", vars);
  add(h, "</summary><div class=\"scroll\"><table class=\"xchg\"><thead><tr><th>#</th>");
  for(i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
    add(h, "<th>");
    tr(h, columns[i]);
    add(h, "</th>");
  }
  add(h, "</tr></thead><tbody>");
  for(i = 0; i < rows; i++) {
    const ctk_exchange *x = &t->exchanges[i];
    const char *clock = strchr(x->time, 'T');
    /* The clock time is enough in a row; the full date-time is in the tooltip. */
    addf(h, "<tr><td class=\"n\">%zu</td><td title=\"", i + 1);
    esc(h, x->time);
    add(h, "\">");
    esc(h, clock ? clock + 1 : x->time);
    addf(h, "</td><td>%s</td><td>", ctk_xchg_dir_name(x->direction));
    esc(h, x->peer);
    add(h, "</td><td>");
    esc(h, x->interface_code);
    addf(h, "</td><td class=\"n\">%d</td><td>", x->http_status);
    esc(h, x->result_code);
    addf(h, "</td><td class=\"n\">%.1f</td><td class=\"n\">%zu</td></tr>", x->latency_ms,
         x->raw_total);
  }
  add(h, "</tbody></table></div>");
  if(t->n_exchanges > rows || t->dropped_exchanges) {
    snprintf(num[0], sizeof(num[0]), "%zu", t->n_exchanges - rows + t->dropped_exchanges);
    add(h, "<p class=\"meta\">");
    tr_vars(h, "report.more_exchanges", vars);
    add(h, "</p>");
  }
  rows = rows < HTML_RAW_MESSAGES_MAX ? rows : HTML_RAW_MESSAGES_MAX;
  for(i = 0; i < rows; i++) {
    const ctk_exchange *x = &t->exchanges[i];
    size_t shown = x->raw_len < HTML_RAW_SHOWN ? x->raw_len : HTML_RAW_SHOWN;
    if(!x->raw_len)
      continue;
    snprintf(num[0], sizeof(num[0]), "%zu", i + 1);
    snprintf(num[1], sizeof(num[1]), "%s", ctk_xchg_dir_name(x->direction));
    snprintf(num[2], sizeof(num[2]), "%zu", x->raw_total);
    add(h, "<details class=\"raw\"><summary>");
    tr_vars(h, "report.message_n", vars);
    add(h, "</summary><pre>");
    esc_n(h, x->raw, shown);
    if(shown < x->raw_total) {
      snprintf(num[0], sizeof(num[0]), "%zu", x->raw_total - shown);
      add(h, "\n");
      tr_vars(h, "report.more_bytes", vars);
    }
    add(h, "</pre></details>");
  }
  add(h, "</details>");
}

static void write_test(html_ctx *h, const ctk_test_result *t)
{
  const char *v = ctk_verdict_name(t->verdict);
  size_t i;

  /* Anything that did not pass is open, so a reader sees the problems first. */
  addf(h, "<details class=\"test %s\" id=\"", v);
  anchor(h, t->id);
  addf(h, "\"%s><summary>", t->verdict == CTK_VERDICT_PASS || t->verdict == CTK_VERDICT_SKIP
                             ? ""
                             : " open");
  verdict_badge(h, t->verdict);
  add(h, "<span class=\"tid\">");
  esc(h, t->id);
  add(h, "</span><span>");
  esc(h, t->name);
  add(h, "</span><span class=\"meta\">");
  esc(h, t->part);
  add(h, " &middot; ");
  tr_name(h, "report.class.", ctk_conf_class_name(t->conf_class));
  addf(h, " &middot; %.1f ms</span></summary>", t->duration_ms);
  add(h, "<div>");
  for(i = 0; i < t->n_requirements; i++) {
    add(h, "<span class=\"req\">");
    esc(h, t->requirements[i]);
    add(h, "</span>");
  }
  add(h, "</div>");
  if(t->reason[0]) {
    add(h, "<div class=\"reason\">");
    esc(h, t->reason);
    add(h, "</div>");
  }
  if(t->n_measures) {
    add(h, "<table class=\"measures\"><tbody>");
    for(i = 0; i < t->n_measures; i++) {
      char value[48];
      ctk_report_measure_text(&t->measures[i], 0, value, sizeof(value));
      add(h, "<tr><th>");
      esc(h, t->measures[i].name);
      addf(h, "</th><td class=\"n\">%s</td><td>", value);
      esc(h, t->measures[i].unit);
      add(h, "</td></tr>");
    }
    add(h, "</tbody></table>");
  }
  add(h, "<div class=\"meta\">");
  tr(h, "report.started");
  add(h, " ");
  esc(h, t->started[0] ? t->started : "-");
  if(t->slow_side != CTK_SLOW_NONE) {
    add(h, " &middot; ");
    tr(h, "report.slow_side");
    addf(h, " <b>%s</b>", ctk_slow_side_name(t->slow_side));
  }
  add(h, "</div>");
  write_exchanges(h, t);
  add(h, "</details>");
}

ctk_code ctk_report_html_write(const ctk_run *run, ctk_buf *out)
{
  return ctk_report_html_write_lang(run, CTK_I18N_DEFAULT_LANG, out);
}

ctk_code ctk_report_html_write_lang(const ctk_run *run, const char *lang, ctk_buf *out)
{
  html_ctx h;
  ctk_summary s;
  ctk_i18n *cat = NULL;
  char err[256], version[64], commit[64];
  const char *title_vars[] = { "sut", run->sut.name[0] ? run->sut.name : run->sut.region, NULL };
  const char *footer_vars[] = { "version", version, "commit", commit, NULL };
  size_t i;
  int v;
  ctk_code result = ctk_i18n_load(lang ? lang : CTK_I18N_DEFAULT_LANG, &cat, err, sizeof(err));

  if(result)
    return result;
  memset(&h, 0, sizeof(h));
  h.cat = cat;
  h.out = out;
  ctk_buf_init(&h.scratch, CTK_REPORT_MAX_BYTES);
  ctk_run_summary(run, &s);

  addf(&h, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>", ctk_i18n_lang(cat));
  tr_vars(&h, "report.page_title", title_vars);
  add(&h, "</title><style>");
  add(&h, page_css);
  add(&h, "</style></head><body><main>");
  write_header(&h, run, &s);
  write_attention(&h, run);
  write_summary_tables(&h, &s);
  write_charts(&h, run);
  write_identity(&h, run);
  /* Tests grouped by verdict, worst first: fail, error, inconc, skip, pass. */
  add(&h, "<h2>");
  tr(&h, "report.tests");
  add(&h, "</h2><section id=\"tests\">");
  {
    static const ctk_verdict order[] = { CTK_VERDICT_FAIL, CTK_VERDICT_ERROR,
                                         CTK_VERDICT_INCONC, CTK_VERDICT_SKIP,
                                         CTK_VERDICT_PASS };
    for(v = 0; v < (int)(sizeof(order) / sizeof(order[0])); v++) {
      for(i = 0; i < run->n_tests && !h.rc; i++) {
        if(run->tests[i]->verdict == order[v])
          write_test(&h, run->tests[i]);
      }
    }
  }
  add(&h, "</section><footer>");
  ctk_strlcpy(version, run->tool_version, sizeof(version));
  ctk_strlcpy(commit, run->tool_commit, sizeof(commit));
  tr_vars(&h, "report.footer", footer_vars);
  add(&h, "</footer></main></body></html>\n");
  ctk_buf_free(&h.scratch);
  ctk_i18n_free(cat);
  if(!h.rc && s.other_parts)
    h.rc = CTK_E_TOOBIG;
  return h.rc;
}
