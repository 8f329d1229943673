/* ctk_report_junit: the result model as JUnit XML (libxml2 xmlTextWriter), in the schema that
 * Jenkins' junit step and GitLab's artifacts:reports:junit read. */
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctk_report.h"

/* Raw message bytes shown for a failed test in system-out, per message. */
#define JUNIT_RAW_SHOWN 4096
/* Messages whose raw bytes are shown for a failed test (the last ones: closest to the fault). */
#define JUNIT_RAW_MESSAGES 2

typedef struct junit_writer {
  xmlTextWriterPtr w;
  int failed;                  /* a libxml2 call returned < 0 */
  ctk_buf text;                /* scratch for cleaned text */
} junit_writer;

static void check(junit_writer *j, int r)
{
  if(r < 0)
    j->failed = 1;
}

/* Cleaned UTF-8 of arbitrary bytes, valid until the next call. */
static const char *clean(junit_writer *j, const char *s, size_t len)
{
  ctk_buf_reset(&j->text);
  if(ctk_report_text(&j->text, s, len, NULL))
    j->failed = 1;
  return ctk_buf_str(&j->text);
}

static void attr(junit_writer *j, const char *name, const char *value)
{
  check(j, xmlTextWriterWriteAttribute(j->w, BAD_CAST name,
                                       BAD_CAST clean(j, value, strlen(value))));
}

static void attrf(junit_writer *j, const char *name, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void attrf(junit_writer *j, const char *name, const char *fmt, ...)
{
  char value[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(value, sizeof(value), fmt, ap);
  va_end(ap);
  check(j, xmlTextWriterWriteAttribute(j->w, BAD_CAST name, BAD_CAST value));
}

static void start(junit_writer *j, const char *name)
{
  check(j, xmlTextWriterStartElement(j->w, BAD_CAST name));
}

static void end(junit_writer *j)
{
  check(j, xmlTextWriterEndElement(j->w));
}

static void property(junit_writer *j, const char *name, const char *value)
{
  start(j, "property");
  attr(j, "name", name);
  attr(j, "value", value);
  end(j);
}

/* JUnit has no time zone in timestamps: keep the local date and time part. */
static void timestamp_attr(junit_writer *j, const char *xs_datetime)
{
  char ts[20];
  if(strlen(xs_datetime) < 19)
    return;
  memcpy(ts, xs_datetime, 19);
  ts[19] = '\0';
  attr(j, "timestamp", ts);
}

static void counts_attrs(junit_writer *j, const ctk_counts *c, double seconds)
{
  attrf(j, "tests", "%zu", c->total);
  attrf(j, "failures", "%zu", c->by_verdict[CTK_VERDICT_FAIL]);
  /* inconc is reported as an error: the run could not decide, and CI must notice. */
  attrf(j, "errors", "%zu", c->by_verdict[CTK_VERDICT_ERROR] + c->by_verdict[CTK_VERDICT_INCONC]);
  attrf(j, "skipped", "%zu", c->by_verdict[CTK_VERDICT_SKIP]);
  attrf(j, "time", "%.3f", seconds);
}

/* One line per exchange, then the raw bytes of the last few when the test did not pass. */
static ctk_code exchange_log(const ctk_test_result *t, ctk_buf *out)
{
  size_t i;
  ctk_code rc = CTK_E_OK;
  for(i = 0; i < t->n_exchanges && !rc; i++) {
    const ctk_exchange *x = &t->exchanges[i];
    rc = ctk_buf_printf(out, "%s %-3s %s if=%s http=%d rc=%s %.1fms %zu bytes\n", x->time,
                        ctk_xchg_dir_name(x->direction), x->peer,
                        x->interface_code[0] ? x->interface_code : "-", x->http_status,
                        x->result_code[0] ? x->result_code : "-", x->latency_ms, x->raw_total);
  }
  if(!rc && t->dropped_exchanges)
    rc = ctk_buf_printf(out, "(%zu more exchanges not kept)\n", t->dropped_exchanges);
  if(rc || t->verdict == CTK_VERDICT_PASS || t->verdict == CTK_VERDICT_SKIP)
    return rc;
  i = t->n_exchanges > JUNIT_RAW_MESSAGES ? t->n_exchanges - JUNIT_RAW_MESSAGES : 0;
  for(; i < t->n_exchanges && !rc; i++) {
    const ctk_exchange *x = &t->exchanges[i];
    size_t shown = x->raw_len < JUNIT_RAW_SHOWN ? x->raw_len : JUNIT_RAW_SHOWN;
    rc = ctk_buf_printf(out, "\n--- message %zu (%s, %zu bytes) ---\n", i + 1,
                        ctk_xchg_dir_name(x->direction), x->raw_total);
    if(!rc)
      rc = ctk_buf_add(out, x->raw, shown);
    if(!rc && shown < x->raw_total)
      rc = ctk_buf_printf(out, "\n[... %zu more bytes]", x->raw_total - shown);
    if(!rc)
      rc = ctk_buf_addc(out, '\n');
  }
  return rc;
}

static void write_testcase(junit_writer *j, const ctk_test_result *t)
{
  char name[sizeof(t->id) + sizeof(t->name) + 2];
  const char *type = NULL;
  const char *element = NULL;
  ctk_buf log;
  size_t i;

  start(j, "testcase");
  attr(j, "classname", t->part[0] ? t->part : "ctk12328");
  snprintf(name, sizeof(name), "%s %s", t->id, t->name);
  attr(j, "name", name);
  attrf(j, "time", "%.3f", t->duration_ms / 1000.0);

  start(j, "properties");
  for(i = 0; i < t->n_requirements; i++)
    property(j, "requirement", t->requirements[i]);
  property(j, "class", ctk_conf_class_name(t->conf_class));
  property(j, "verdict", ctk_verdict_name(t->verdict));
  if(t->slow_side != CTK_SLOW_NONE)
    property(j, "slow_side", ctk_slow_side_name(t->slow_side));
  for(i = 0; i < t->n_measures; i++) {
    const ctk_measure *m = &t->measures[i];
    char key[sizeof(m->name) + 8], value[sizeof(m->unit) + 40];
    snprintf(key, sizeof(key), "measure.%s", m->name);
    ctk_report_measure_text(m, 1, value, sizeof(value));
    property(j, key, value);
  }
  end(j);

  switch(t->verdict) {
  case CTK_VERDICT_FAIL:
    element = "failure";
    type = "fail";
    break;
  case CTK_VERDICT_INCONC:
    element = "error";
    type = "inconc";
    break;
  case CTK_VERDICT_ERROR:
    element = "error";
    type = "tool-error";
    break;
  case CTK_VERDICT_SKIP:
    element = "skipped";
    break;
  default:
    break;
  }
  if(element) {
    start(j, element);
    attr(j, "message", t->reason);
    if(type) {
      ctk_buf body;
      ctk_code rc;
      attr(j, "type", type);
      ctk_buf_init(&body, 64 * 1024);
      rc = ctk_buf_printf(&body, "%s\nrequirements:", t->reason);
      for(i = 0; i < t->n_requirements && !rc; i++)
        rc = ctk_buf_printf(&body, " %s", t->requirements[i]);
      if(!rc && t->slow_side != CTK_SLOW_NONE)
        rc = ctk_buf_printf(&body, "\nslow side: %s", ctk_slow_side_name(t->slow_side));
      if(rc)
        j->failed = 1;
      check(j, xmlTextWriterWriteString(j->w, BAD_CAST clean(j, body.data ? body.data : "",
                                                               body.len)));
      ctk_buf_free(&body);
    }
    end(j);
  }

  if(t->n_exchanges || t->dropped_exchanges) {
    ctk_buf_init(&log, 4 * 1024 * 1024);
    if(exchange_log(t, &log))
      j->failed = 1;
    start(j, "system-out");
    check(j, xmlTextWriterWriteString(j->w, BAD_CAST clean(j, log.data ? log.data : "",
                                                             log.len)));
    end(j);
    ctk_buf_free(&log);
  }
  end(j);
}

static void write_suite(junit_writer *j, const ctk_run *run, const ctk_part_counts *pc,
                        size_t index)
{
  double seconds = 0;
  size_t i;

  for(i = 0; i < run->n_tests; i++) {
    if(!strcmp(run->tests[i]->part, pc->part))
      seconds += run->tests[i]->duration_ms / 1000.0;
  }
  start(j, "testsuite");
  attr(j, "name", pc->part[0] ? pc->part : "ctk12328");
  attrf(j, "id", "%zu", index);
  counts_attrs(j, &pc->counts, seconds);
  timestamp_attr(j, run->started);
  attr(j, "hostname", run->host);

  start(j, "properties");
  property(j, "tool", run->tool_version);
  property(j, "tool.commit", run->tool_commit);
  property(j, "profile", run->profile_name);
  property(j, "profile.version", run->profile_version);
  property(j, "profile.provenance", run->profile_provenance);
  property(j, "profile.sha256", run->profile_sha256);
  property(j, "sut.kind", ctk_sut_kind_name(run->sut.kind));
  property(j, "sut.region", run->sut.region);
  property(j, "sut.name", run->sut.name);
  property(j, "sut.endpoint", run->sut.endpoint);
  end(j);

  for(i = 0; i < run->n_tests && !j->failed; i++) {
    if(!strcmp(run->tests[i]->part, pc->part))
      write_testcase(j, run->tests[i]);
  }
  end(j);
}

ctk_code ctk_report_junit_write(const ctk_run *run, ctk_buf *out)
{
  junit_writer j;
  xmlBufferPtr xb = xmlBufferCreate();
  ctk_summary s;
  double seconds = 0;
  char title[256];
  size_t i;
  ctk_code rc;

  if(!xb)
    return CTK_E_NOMEM;
  memset(&j, 0, sizeof(j));
  j.w = xmlNewTextWriterMemory(xb, 0);
  if(!j.w) {
    xmlBufferFree(xb);
    return CTK_E_NOMEM;
  }
  ctk_buf_init(&j.text, CTK_REPORT_MAX_BYTES);
  ctk_run_summary(run, &s);
  for(i = 0; i < run->n_tests; i++)
    seconds += run->tests[i]->duration_ms / 1000.0;

  check(&j, xmlTextWriterSetIndent(j.w, 1));
  check(&j, xmlTextWriterSetIndentString(j.w, BAD_CAST "  "));
  check(&j, xmlTextWriterStartDocument(j.w, "1.0", "UTF-8", NULL));
  start(&j, "testsuites");
  snprintf(title, sizeof(title), "ctk12328 %s %s", run->sut.name, run->sut.region);
  attr(&j, "name", title);
  counts_attrs(&j, &s.all, seconds);
  for(i = 0; i < s.n_parts && !j.failed; i++)
    write_suite(&j, run, &s.parts[i], i);
  end(&j);
  check(&j, xmlTextWriterEndDocument(j.w));
  xmlFreeTextWriter(j.w);

  rc = j.failed ? CTK_E_INTERNAL : ctk_buf_add(out, xmlBufferContent(xb),
                                                (size_t)xmlBufferLength(xb));
  if(!rc && s.other_parts)
    rc = CTK_E_TOOBIG; /* more parts than the summary holds: refuse a silently short report */
  xmlBufferFree(xb);
  ctk_buf_free(&j.text);
  return rc;
}
