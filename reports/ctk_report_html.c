/* ctk_report_html: the result model as one self-contained HTML page: inline CSS and SVG,
 * no external resources, no script (expand/collapse is <details>). All text is escaped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  addf(h, "<span class=\"v v-%s\">%s</span>", ctk_verdict_name(v), ctk_verdict_name(v));
}

static void write_header(html_ctx *h, const ctk_run *run, const ctk_summary *s)
{
  int certifiable = ctk_run_certifiable(run);
  int baseline = !strcmp(run->profile_provenance, "baseline");
  int synthetic = !strcmp(run->profile_provenance, "synthetic");
  int v;

  add(h, "<header><h1>12328 conformance report: ");
  esc(h, run->sut.name[0] ? run->sut.name : run->sut.region);
  add(h, "</h1><div class=\"sub\">");
  esc(h, ctk_sut_kind_name(run->sut.kind));
  add(h, " ");
  esc(h, run->sut.region);
  add(h, " &middot; ");
  esc(h, run->sut.endpoint);
  add(h, " &middot; ");
  esc(h, run->started);
  add(h, "</div></header>");

  add(h, "<section class=\"card provenance\" id=\"provenance\"><strong>Profile: ");
  esc(h, run->profile_name);
  add(h, " ");
  esc(h, run->profile_version);
  add(h, " &mdash; provenance: ");
  esc(h, run->profile_provenance[0] ? run->profile_provenance : "unknown");
  add(h, "</strong>");
  if(baseline)
    add(h, "<p>This run used the <b>baseline</b> profile: the message layout was written by the "
           "ctk12328 project from public facts. It is <b>not the official text</b> of JT/T "
           "1019.3, which is not public. Verdicts say whether the system follows the baseline."
           "</p>");
  if(synthetic)
    add(h, "<p>This run used a <b>synthetic</b> profile: a layout made up by the ctk12328 "
           "project to test the kit itself. It is <b>not any official text</b>; verdicts say "
           "only whether the system follows this made-up layout.</p>");
  if(run->profile_statement[0]) {
    add(h, "<p>");
    esc(h, run->profile_statement);
    add(h, "</p>");
  }
  add(h, "<div class=\"meta\">profile sha256 ");
  esc(h, run->profile_sha256);
  add(h, "</div></section>");

  addf(h, "<section class=\"card banner\"><span class=\"cert %s\" id=\"certifiable\">%s</span>",
       certifiable ? "yes" : "no", certifiable ? "CERTIFIABLE" : "NOT CERTIFIABLE");
  addf(h, "<span>exit code <b id=\"exit-code\">%d</b> &middot; %zu tests, %zu exchanges</span>"
          "</section>",
       ctk_run_exit_code(run), s->all.total, s->exchanges);

  add(h, "<section class=\"cards\" id=\"summary\">");
  addf(h, "<div class=\"count total\"><span class=\"num\" id=\"n-total\">%zu</span>total</div>",
       s->all.total);
  for(v = 0; v < CTK_VERDICT__COUNT; v++) {
    const char *name = ctk_verdict_name((ctk_verdict)v);
    addf(h, "<div class=\"count %s\"><span class=\"num\" id=\"n-%s\">%zu</span>%s</div>", name,
         name, s->all.by_verdict[v], name);
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
      add(h, "<section class=\"card\" id=\"attention\"><b>Needs attention</b><ul>");
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

static void counts_row(html_ctx *h, const char *label, const ctk_counts *c)
{
  int v;
  add(h, "<tr><th>");
  esc(h, label);
  add(h, "</th>");
  for(v = 0; v < CTK_VERDICT__COUNT; v++)
    addf(h, "<td class=\"n\">%zu</td>", c->by_verdict[v]);
  addf(h, "<td class=\"n\">%zu</td></tr>", c->total);
}

static void write_summary_tables(html_ctx *h, const ctk_summary *s)
{
  size_t i;
  int v;
  add(h, "<h2>Summary by part and conformance class</h2>"
         "<table class=\"counts\" id=\"by-part\"><thead><tr><th></th>");
  for(v = 0; v < CTK_VERDICT__COUNT; v++)
    addf(h, "<th>%s</th>", ctk_verdict_name((ctk_verdict)v));
  add(h, "<th>total</th></tr></thead><tbody>");
  for(i = 0; i < s->n_parts; i++)
    counts_row(h, s->parts[i].part[0] ? s->parts[i].part : "(no part)", &s->parts[i].counts);
  for(v = 0; v < CTK_CLASS__COUNT; v++)
    counts_row(h, ctk_conf_class_name((ctk_conf_class)v), &s->by_class[v]);
  counts_row(h, "all", &s->all);
  add(h, "</tbody></table>");
}

static void write_identity(html_ctx *h, const ctk_run *run)
{
  size_t i;
  add(h, "<h2>Run</h2><table class=\"kv\" id=\"identity\">");
  kv_row(h, "system under test", run->sut.name);
  kv_row(h, "kind", ctk_sut_kind_name(run->sut.kind));
  kv_row(h, "region", run->sut.region);
  kv_row(h, "endpoint", run->sut.endpoint);
  kv_row(h, "tool", run->tool_version);
  kv_row(h, "tool commit", run->tool_commit);
  kv_row(h, "started", run->started);
  kv_row(h, "finished", run->finished);
  kv_row(h, "host", run->host);
  add(h, "</table>");
  add(h, "<details class=\"card\"><summary>PICS (capabilities) and PIXIT (parameters; secrets "
         "masked)</summary><table class=\"kv\" id=\"pics\">");
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
  add(h, "<h2>Charts</h2><div class=\"charts\" id=\"charts\">");
  if(n) {
    if(!h->rc)
      h->rc = ctk_svg_histogram(h->out, "chart latency", "Latency of all answered exchanges",
                                lat, n, HTML_LATENCY_BINS, "milliseconds");
  }
  for(i = 0; i < run->n_tests; i++) {
    const ctk_test_result *t = run->tests[i];
    for(j = 0; j < t->n_series && !h->rc; j++) {
      const ctk_series *s = &t->series[j];
      char title[256];
      if(s->step_s <= 0 || !s->count)
        continue;
      snprintf(title, sizeof(title), "%s: %s over time", t->id, s->name);
      h->rc = ctk_svg_timeline(h->out, "chart load", title, s->values, s->count, s->step_s,
                               s->unit[0] ? s->unit : s->name);
    }
  }
  add(h, "</div>");
  if(n && !h->rc) {
    h->rc = ctk_stats_of(lat, n, &st);
    addf(h, "<p class=\"meta\" id=\"latency-stats\">%zu latencies: min %.1f ms, median %.1f ms,"
            " p95 %.1f ms, p99 %.1f ms, max %.1f ms</p>",
         st.count, st.min, st.p50, st.p95, st.p99, st.max);
  }
  else if(!n)
    add(h, "<p class=\"meta\">No answered exchanges: no latency chart.</p>");
  free(lat);
}

static void write_exchanges(html_ctx *h, const ctk_test_result *t)
{
  size_t i, rows = t->n_exchanges < HTML_ROWS_MAX ? t->n_exchanges : HTML_ROWS_MAX;
  if(!t->n_exchanges)
    return;
  addf(h, "<details class=\"xchgs\"%s><summary>%zu exchanged message%s</summary>"
          "<div class=\"scroll\"><table class=\"xchg\"><thead>",
       t->verdict == CTK_VERDICT_PASS ? "" : " open", t->n_exchanges,
       t->n_exchanges == 1 ? "" : "s");
  add(h, "<tr><th>#</th><th>time</th><th>dir</th><th>peer</th>"
         "<th>interface</th><th>HTTP</th><th>result</th><th>latency ms</th><th>bytes</th></tr>"
         "</thead><tbody>");
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
  if(t->n_exchanges > rows || t->dropped_exchanges)
    addf(h, "<p class=\"meta\">%zu more exchanges not listed here (see results.json).</p>",
         t->n_exchanges - rows + t->dropped_exchanges);
  rows = rows < HTML_RAW_MESSAGES_MAX ? rows : HTML_RAW_MESSAGES_MAX;
  for(i = 0; i < rows; i++) {
    const ctk_exchange *x = &t->exchanges[i];
    size_t shown = x->raw_len < HTML_RAW_SHOWN ? x->raw_len : HTML_RAW_SHOWN;
    if(!x->raw_len)
      continue;
    addf(h, "<details class=\"raw\"><summary>message %zu (%s, %zu bytes)</summary><pre>", i + 1,
         ctk_xchg_dir_name(x->direction), x->raw_total);
    esc_n(h, x->raw, shown);
    if(shown < x->raw_total)
      addf(h, "\n[... %zu more bytes]", x->raw_total - shown);
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
  addf(h, " &middot; %s &middot; %.1f ms</span></summary>", ctk_conf_class_name(t->conf_class),
       t->duration_ms);
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
  add(h, "<div class=\"meta\">started ");
  esc(h, t->started[0] ? t->started : "-");
  if(t->slow_side != CTK_SLOW_NONE)
    addf(h, " &middot; timed out, slow side: <b>%s</b>", ctk_slow_side_name(t->slow_side));
  add(h, "</div>");
  write_exchanges(h, t);
  add(h, "</details>");
}

ctk_code ctk_report_html_write(const ctk_run *run, ctk_buf *out)
{
  html_ctx h;
  ctk_summary s;
  size_t i;
  int v;

  memset(&h, 0, sizeof(h));
  h.out = out;
  ctk_buf_init(&h.scratch, CTK_REPORT_MAX_BYTES);
  ctk_run_summary(run, &s);

  add(&h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<title>ctk12328 report: ");
  esc(&h, run->sut.name[0] ? run->sut.name : run->sut.region);
  add(&h, "</title><style>");
  add(&h, page_css);
  add(&h, "</style></head><body><main>");
  write_header(&h, run, &s);
  write_attention(&h, run);
  write_summary_tables(&h, &s);
  write_charts(&h, run);
  write_identity(&h, run);
  /* Tests grouped by verdict, worst first: fail, error, inconc, skip, pass. */
  add(&h, "<h2>Tests</h2><section id=\"tests\">");
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
  add(&h, "</section><footer>Generated by ctk12328 ");
  esc(&h, run->tool_version);
  add(&h, " (commit ");
  esc(&h, run->tool_commit);
  add(&h, "). Verdicts: pass, fail, inconc (could not decide), skip (not applicable), error "
          "(fault of the tool).</footer></main></body></html>\n");
  ctk_buf_free(&h.scratch);
  if(!h.rc && s.other_parts)
    h.rc = CTK_E_TOOBIG;
  return h.rc;
}
