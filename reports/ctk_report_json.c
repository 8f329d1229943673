/* ctk_report_json: the result model as results.json (json-c), written and read back. */
#include <json-c/json.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_report.h"
#include "ctk_file.h"
#include "ctk_json.h"

#define CTK_RESULTS_FORMAT "ctk12328-results/1"
#define JSON_MAX_DEPTH 16

/* ================= writing ================= */

static json_object *jstr(const char *s)
{
  return json_object_new_string(s ? s : "");
}

/* Numbers with three decimals: enough for milliseconds, and stable across runs. */
static json_object *jnum(double d)
{
  char text[64];
  if(!isfinite(d))
    d = 0;
  snprintf(text, sizeof(text), "%.3f", d);
  return json_object_new_double_s(d, text);
}

/* json_object_object_add that remembers a failure instead of returning it at every call. */
typedef struct json_builder {
  int failed;
} json_builder;

static void put(json_builder *b, json_object *obj, const char *key, json_object *val)
{
  if(!val || json_object_object_add(obj, key, val) != 0) {
    json_object_put(val);
    b->failed = 1;
  }
}

static void push(json_builder *b, json_object *arr, json_object *val)
{
  if(!val || json_object_array_add(arr, val) != 0) {
    json_object_put(val);
    b->failed = 1;
  }
}

static json_object *kvlist_to_json(json_builder *b, const ctk_kvlist *list)
{
  json_object *o = json_object_new_object();
  size_t i;
  if(!o) {
    b->failed = 1;
    return NULL;
  }
  for(i = 0; i < list->count; i++)
    put(b, o, list->items[i].key, jstr(list->items[i].value));
  return o;
}

static json_object *counts_to_json(json_builder *b, const ctk_counts *c)
{
  json_object *o = json_object_new_object();
  int v;
  if(!o) {
    b->failed = 1;
    return NULL;
  }
  put(b, o, "total", json_object_new_int64((int64_t)c->total));
  for(v = 0; v < CTK_VERDICT__COUNT; v++)
    put(b, o, ctk_verdict_name((ctk_verdict)v), json_object_new_int64((int64_t)c->by_verdict[v]));
  return o;
}

static json_object *summary_to_json(json_builder *b, const ctk_run *run)
{
  ctk_summary s;
  json_object *o = json_object_new_object();
  json_object *parts = json_object_new_object();
  json_object *classes = json_object_new_object();
  size_t i;
  int c;

  ctk_run_summary(run, &s);
  if(!o || !parts || !classes) {
    json_object_put(o);
    json_object_put(parts);
    json_object_put(classes);
    b->failed = 1;
    return NULL;
  }
  put(b, o, "all", counts_to_json(b, &s.all));
  for(c = 0; c < CTK_CLASS__COUNT; c++)
    put(b, classes, ctk_conf_class_name((ctk_conf_class)c), counts_to_json(b, &s.by_class[c]));
  put(b, o, "by_class", classes);
  for(i = 0; i < s.n_parts; i++)
    put(b, parts, s.parts[i].part, counts_to_json(b, &s.parts[i].counts));
  put(b, o, "by_part", parts);
  put(b, o, "exchanges", json_object_new_int64((int64_t)s.exchanges));
  return o;
}

static json_object *base64_of(const char *data, size_t len)
{
  size_t cap = 4 * ((len + 2) / 3) + 1;
  unsigned char *enc = malloc(cap);
  json_object *o;
  int n;
  if(!enc)
    return NULL;
  n = EVP_EncodeBlock(enc, (const unsigned char *)data, (int)len);
  o = json_object_new_string_len((const char *)enc, n);
  free(enc);
  return o;
}

static json_object *exchange_to_json(json_builder *b, const ctk_exchange *x)
{
  json_object *o = json_object_new_object();
  if(!o) {
    b->failed = 1;
    return NULL;
  }
  put(b, o, "direction", jstr(ctk_xchg_dir_name(x->direction)));
  put(b, o, "peer", jstr(x->peer));
  put(b, o, "interface", jstr(x->interface_code));
  put(b, o, "time", jstr(x->time));
  put(b, o, "latency_ms", jnum(x->latency_ms));
  put(b, o, "http_status", json_object_new_int(x->http_status));
  put(b, o, "result_code", jstr(x->result_code));
  /* JSON strings must be UTF-8; GBK or binary bytes are kept exactly, as base64. */
  if(ctk_report_is_clean_utf8(x->raw, x->raw_len)) {
    put(b, o, "raw_encoding", jstr("text"));
    put(b, o, "raw", json_object_new_string_len(x->raw, (int)x->raw_len));
  }
  else {
    put(b, o, "raw_encoding", jstr("base64"));
    put(b, o, "raw", base64_of(x->raw, x->raw_len));
  }
  put(b, o, "raw_total", json_object_new_int64((int64_t)x->raw_total));
  return o;
}

static json_object *series_to_json(json_builder *b, const ctk_series *s)
{
  json_object *o = json_object_new_object();
  json_object *vals = json_object_new_array_ext((int)s->count);
  size_t i;
  if(!o || !vals) {
    json_object_put(o);
    json_object_put(vals);
    b->failed = 1;
    return NULL;
  }
  put(b, o, "name", jstr(s->name));
  put(b, o, "unit", jstr(s->unit));
  put(b, o, "step_s", jnum(s->step_s));
  for(i = 0; i < s->count && !b->failed; i++)
    push(b, vals, jnum(s->values[i]));
  put(b, o, "values", vals);
  put(b, o, "dropped", json_object_new_int64((int64_t)s->dropped));
  return o;
}

static json_object *measure_to_json(json_builder *b, const ctk_measure *m)
{
  json_object *o = json_object_new_object();
  if(!o) {
    b->failed = 1;
    return NULL;
  }
  put(b, o, "name", jstr(m->name));
  put(b, o, "unit", jstr(m->unit));
  put(b, o, "value", jnum(m->value));
  return o;
}

static json_object *test_to_json(json_builder *b, const ctk_test_result *t)
{
  json_object *o = json_object_new_object();
  json_object *reqs = json_object_new_array();
  json_object *xs = json_object_new_array();
  json_object *ss = json_object_new_array();
  json_object *ms = json_object_new_array();
  size_t i;

  if(!o || !reqs || !xs || !ss || !ms) {
    json_object_put(o);
    json_object_put(reqs);
    json_object_put(xs);
    json_object_put(ss);
    json_object_put(ms);
    b->failed = 1;
    return NULL;
  }
  put(b, o, "id", jstr(t->id));
  put(b, o, "name", jstr(t->name));
  put(b, o, "part", jstr(t->part));
  put(b, o, "class", jstr(ctk_conf_class_name(t->conf_class)));
  for(i = 0; i < t->n_requirements; i++)
    push(b, reqs, jstr(t->requirements[i]));
  put(b, o, "requirements", reqs);
  put(b, o, "verdict", jstr(ctk_verdict_name(t->verdict)));
  put(b, o, "reason", jstr(t->reason));
  put(b, o, "slow_side", jstr(ctk_slow_side_name(t->slow_side)));
  put(b, o, "started", jstr(t->started));
  put(b, o, "duration_ms", jnum(t->duration_ms));
  for(i = 0; i < t->n_exchanges && !b->failed; i++)
    push(b, xs, exchange_to_json(b, &t->exchanges[i]));
  put(b, o, "exchanges", xs);
  put(b, o, "dropped_exchanges", json_object_new_int64((int64_t)t->dropped_exchanges));
  for(i = 0; i < t->n_series && !b->failed; i++)
    push(b, ss, series_to_json(b, &t->series[i]));
  put(b, o, "series", ss);
  for(i = 0; i < t->n_measures && !b->failed; i++)
    push(b, ms, measure_to_json(b, &t->measures[i]));
  put(b, o, "measures", ms);
  return o;
}

ctk_code ctk_report_json_write(const ctk_run *run, ctk_buf *out)
{
  json_builder b = { 0 };
  json_object *root = json_object_new_object();
  json_object *tool = json_object_new_object();
  json_object *prof = json_object_new_object();
  json_object *sut = json_object_new_object();
  json_object *tests = json_object_new_array();
  size_t i;

  if(!root || !tool || !prof || !sut || !tests) {
    json_object_put(root);
    json_object_put(tool);
    json_object_put(prof);
    json_object_put(sut);
    json_object_put(tests);
    return CTK_E_NOMEM;
  }
  put(&b, root, "format", jstr(CTK_RESULTS_FORMAT));
  put(&b, tool, "version", jstr(run->tool_version));
  put(&b, tool, "commit", jstr(run->tool_commit));
  put(&b, root, "tool", tool);
  put(&b, prof, "name", jstr(run->profile_name));
  put(&b, prof, "version", jstr(run->profile_version));
  put(&b, prof, "provenance", jstr(run->profile_provenance));
  put(&b, prof, "statement", jstr(run->profile_statement));
  put(&b, prof, "sha256", jstr(run->profile_sha256));
  put(&b, root, "profile", prof);
  put(&b, sut, "kind", jstr(ctk_sut_kind_name(run->sut.kind)));
  put(&b, sut, "region", jstr(run->sut.region));
  put(&b, sut, "name", jstr(run->sut.name));
  put(&b, sut, "endpoint", jstr(run->sut.endpoint));
  put(&b, root, "sut", sut);
  put(&b, root, "pics", kvlist_to_json(&b, &run->pics));
  put(&b, root, "pixit", kvlist_to_json(&b, &run->pixit));
  put(&b, root, "started", jstr(run->started));
  put(&b, root, "finished", jstr(run->finished));
  put(&b, root, "host", jstr(run->host));
  /* Derived fields, for people and tools reading the file; ignored when read back. */
  put(&b, root, "summary", summary_to_json(&b, run));
  put(&b, root, "certifiable", json_object_new_boolean(ctk_run_certifiable(run)));
  put(&b, root, "exit_code", json_object_new_int(ctk_run_exit_code(run)));
  for(i = 0; i < run->n_tests && !b.failed; i++)
    push(&b, tests, test_to_json(&b, run->tests[i]));
  put(&b, root, "tests", tests);

  if(b.failed) {
    json_object_put(root);
    return CTK_E_NOMEM;
  }
  return ctk_json_write_document(root, out);
}

/* ================= reading ================= */

typedef struct json_reader {
  char *err;
  size_t errlen;
  ctk_code rc;                 /* first failure, CTK_E_OK while all is well */
} json_reader;

static void fail(json_reader *r, ctk_code rc, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void fail(json_reader *r, ctk_code rc, const char *fmt, ...)
{
  va_list ap;
  if(r->rc)
    return;
  r->rc = rc;
  if(r->err && r->errlen) {
    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
  }
}

/* Optional string member copied into dst; wrong type is an error naming the path. */
static void get_str(json_reader *r, json_object *obj, const char *path, const char *key,
                    char *dst, size_t size)
{
  json_object *v;
  if(r->rc || !json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
    return;
  if(!json_object_is_type(v, json_type_string)) {
    fail(r, CTK_E_PARSE, "%s.%s: expected a string", path, key);
    return;
  }
  if(ctk_strlcpy(dst, json_object_get_string(v), size))
    fail(r, CTK_E_TOOBIG, "%s.%s: longer than %zu bytes", path, key, size - 1);
}

static double get_num(json_reader *r, json_object *obj, const char *path, const char *key)
{
  json_object *v;
  if(r->rc || !json_object_object_get_ex(obj, key, &v))
    return 0;
  if(!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
    fail(r, CTK_E_PARSE, "%s.%s: expected a number", path, key);
    return 0;
  }
  return json_object_get_double(v);
}

/* A whole number in [0, max]; anything else is an error naming the path (a cast of an
 * out-of-range double would be undefined behaviour). */
static double get_count(json_reader *r, json_object *obj, const char *path, const char *key,
                        double max)
{
  double v = get_num(r, obj, path, key);
  if(r->rc)
    return 0;
  if(!(v >= 0 && v <= max) || v != floor(v)) {
    fail(r, CTK_E_PARSE, "%s.%s: expected a whole number from 0 to %.0f", path, key, max);
    return 0;
  }
  return v;
}

/* Enumerated member: name parsed by parse(); absent = dflt. */
static int get_enum(json_reader *r, json_object *obj, const char *path, const char *key,
                    int (*parse)(const char *), int dflt)
{
  char name[32] = "";
  int v;
  json_object *tmp;
  if(r->rc || !json_object_object_get_ex(obj, key, &tmp))
    return dflt;
  get_str(r, obj, path, key, name, sizeof(name));
  if(r->rc)
    return dflt;
  v = parse(name);
  if(v < 0) {
    fail(r, CTK_E_PARSE, "%s.%s: unknown value \"%s\"", path, key, name);
    return dflt;
  }
  return v;
}

static json_object *get_typed(json_reader *r, json_object *obj, const char *path,
                              const char *key, json_type type)
{
  json_object *v;
  if(r->rc || !json_object_object_get_ex(obj, key, &v))
    return NULL;
  if(!json_object_is_type(v, type)) {
    fail(r, CTK_E_PARSE, "%s.%s: expected %s", path, key, json_type_to_name(type));
    return NULL;
  }
  return v;
}

static void read_kvlist(json_reader *r, json_object *root, const char *key, ctk_run *run,
                        ctk_code (*set)(ctk_run *, const char *, const char *))
{
  json_object *o = get_typed(r, root, "$", key, json_type_object);
  if(!o)
    return;
  json_object_object_foreach(o, k, v)
  {
    ctk_code rc;
    if(r->rc)
      return;
    if(!json_object_is_type(v, json_type_string)) {
      fail(r, CTK_E_PARSE, "$.%s.%s: expected a string", key, k);
      return;
    }
    /* set() masks secret keys again: a hand-edited file cannot smuggle a secret in. */
    rc = set(run, k, json_object_get_string(v));
    if(rc)
      fail(r, rc, "$.%s.%s: %s", key, k, ctk_strerror(rc));
  }
}

static void read_exchange(json_reader *r, json_object *xo, const char *path,
                          ctk_test_result *t)
{
  ctk_exchange_info info;
  char peer[128] = "", iface[32] = "", when[CTK_RESULT_TIME_LEN] = "", code[32] = "";
  char encoding[16] = "text";
  json_object *raw;
  const char *raw_text = "";
  size_t raw_len = 0;
  unsigned char *decoded = NULL;
  ctk_code rc;

  memset(&info, 0, sizeof(info));
  info.direction = (ctk_xchg_dir)get_enum(r, xo, path, "direction", ctk_xchg_dir_parse, 0);
  get_str(r, xo, path, "peer", peer, sizeof(peer));
  get_str(r, xo, path, "interface", iface, sizeof(iface));
  get_str(r, xo, path, "time", when, sizeof(when));
  get_str(r, xo, path, "result_code", code, sizeof(code));
  get_str(r, xo, path, "raw_encoding", encoding, sizeof(encoding));
  info.latency_ms = get_num(r, xo, path, "latency_ms");
  info.http_status = (int)get_count(r, xo, path, "http_status", 999);
  raw = get_typed(r, xo, path, "raw", json_type_string);
  if(r->rc)
    return;
  if(raw) {
    raw_text = json_object_get_string(raw);
    raw_len = (size_t)json_object_get_string_len(raw);
  }
  if(!strcmp(encoding, "base64")) {
    int n;
    size_t pad = 0;
    decoded = malloc(raw_len / 4 * 3 + 4);
    if(!decoded) {
      fail(r, CTK_E_NOMEM, "%s.raw: out of memory", path);
      return;
    }
    n = raw_len % 4 ? -1 : EVP_DecodeBlock(decoded, (const unsigned char *)raw_text, (int)raw_len);
    if(n < 0) {
      free(decoded);
      fail(r, CTK_E_PARSE, "%s.raw: not valid base64", path);
      return;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes; take them off. */
    if(raw_len >= 1 && raw_text[raw_len - 1] == '=')
      pad++;
    if(raw_len >= 2 && raw_text[raw_len - 2] == '=')
      pad++;
    raw_text = (const char *)decoded;
    raw_len = (size_t)n - pad;
  }
  else if(strcmp(encoding, "text")) {
    fail(r, CTK_E_PARSE, "%s.raw_encoding: unknown value \"%s\"", path, encoding);
    return;
  }
  info.peer = peer;
  info.interface_code = iface;
  info.time = when;
  info.result_code = code;
  info.raw = raw_text;
  info.raw_len = raw_len;
  rc = ctk_test_add_exchange(t, &info);
  free(decoded);
  if(rc) {
    fail(r, rc, "%s: %s", path, ctk_strerror(rc));
    return;
  }
  /* The original size survives the round trip even when the bytes were cut. */
  if(t->n_exchanges) {
    double total = get_count(r, xo, path, "raw_total", 1e15);
    if(total > (double)t->exchanges[t->n_exchanges - 1].raw_len)
      t->exchanges[t->n_exchanges - 1].raw_total = (size_t)total;
  }
}

static void read_series(json_reader *r, json_object *so, const char *path, ctk_test_result *t)
{
  char name[64] = "", unit[16] = "";
  json_object *vals;
  ctk_series *s;
  size_t i, n;

  get_str(r, so, path, "name", name, sizeof(name));
  get_str(r, so, path, "unit", unit, sizeof(unit));
  vals = get_typed(r, so, path, "values", json_type_array);
  if(r->rc)
    return;
  s = ctk_test_series(t, name, unit, get_num(r, so, path, "step_s"));
  if(!s) {
    fail(r, CTK_E_INVAL, "%s: no name, or more than %d series", path, CTK_RESULT_SERIES_MAX);
    return;
  }
  n = vals ? json_object_array_length(vals) : 0;
  for(i = 0; i < n && !r->rc; i++) {
    json_object *v = json_object_array_get_idx(vals, i);
    ctk_code rc;
    if(!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
      fail(r, CTK_E_PARSE, "%s.values[%zu]: expected a number", path, i);
      return;
    }
    rc = ctk_series_add(s, json_object_get_double(v));
    if(rc)
      fail(r, rc, "%s.values[%zu]: %s", path, i, ctk_strerror(rc));
  }
  s->dropped += (size_t)get_count(r, so, path, "dropped", 1e15);
}

static void read_measure(json_reader *r, json_object *mo, const char *path, ctk_test_result *t)
{
  char name[48] = "", unit[16] = "";
  double value;
  ctk_code rc;

  get_str(r, mo, path, "name", name, sizeof(name));
  get_str(r, mo, path, "unit", unit, sizeof(unit));
  value = get_num(r, mo, path, "value");
  if(r->rc)
    return;
  rc = ctk_test_measure(t, name, unit, value);
  if(rc)
    fail(r, rc, "%s: no name, or more than %d measures", path, CTK_RESULT_MEASURES_MAX);
}

/* Every element of the array to.key must be an object; reader takes each with its path
 * ("PATH.key[i]"). A missing array reads as empty. */
static void read_object_array(json_reader *r, json_object *to, const char *path,
                              const char *key,
                              void (*reader)(json_reader *, json_object *, const char *,
                                             ctk_test_result *),
                              ctk_test_result *t)
{
  json_object *arr = get_typed(r, to, path, key, json_type_array);
  size_t i, n = arr ? json_object_array_length(arr) : 0;

  for(i = 0; i < n && !r->rc; i++) {
    char epath[96];
    json_object *eo = json_object_array_get_idx(arr, i);
    snprintf(epath, sizeof(epath), "%s.%s[%zu]", path, key, i);
    if(!json_object_is_type(eo, json_type_object))
      fail(r, CTK_E_PARSE, "%s: expected an object", epath);
    else
      reader(r, eo, epath, t);
  }
}

static void read_test(json_reader *r, json_object *to, size_t idx, ctk_run *run)
{
  char path[64];
  char id[64] = "", name[256] = "", part[32] = "";
  char reason[1024] = "", started[CTK_RESULT_TIME_LEN] = "";
  json_object *arr;
  ctk_test_result *t;
  ctk_conf_class cls;
  ctk_verdict verdict;
  size_t i, n;
  ctk_code rc;

  snprintf(path, sizeof(path), "$.tests[%zu]", idx);
  if(!json_object_is_type(to, json_type_object)) {
    fail(r, CTK_E_PARSE, "%s: expected an object", path);
    return;
  }
  get_str(r, to, path, "id", id, sizeof(id));
  get_str(r, to, path, "name", name, sizeof(name));
  get_str(r, to, path, "part", part, sizeof(part));
  get_str(r, to, path, "reason", reason, sizeof(reason));
  get_str(r, to, path, "started", started, sizeof(started));
  cls = (ctk_conf_class)get_enum(r, to, path, "class", ctk_conf_class_parse, 0);
  verdict = (ctk_verdict)get_enum(r, to, path, "verdict", ctk_verdict_parse,
                                  CTK_VERDICT_INCONC);
  if(r->rc)
    return;
  if(!id[0]) {
    fail(r, CTK_E_PARSE, "%s.id: missing", path);
    return;
  }
  rc = ctk_run_add_test(run, id, name, part, cls, &t);
  if(rc) {
    fail(r, rc, "%s: %s", path, ctk_strerror(rc));
    return;
  }
  ctk_test_set_verdict(t, verdict, "%s", reason);
  ctk_test_set_timing(t, started, get_num(r, to, path, "duration_ms"));
  t->slow_side = (ctk_slow_side)get_enum(r, to, path, "slow_side", ctk_slow_side_parse, 0);

  arr = get_typed(r, to, path, "requirements", json_type_array);
  n = arr ? json_object_array_length(arr) : 0;
  for(i = 0; i < n && !r->rc; i++) {
    json_object *v = json_object_array_get_idx(arr, i);
    if(!json_object_is_type(v, json_type_string)) {
      fail(r, CTK_E_PARSE, "%s.requirements[%zu]: expected a string", path, i);
      break;
    }
    rc = ctk_test_add_requirement(t, json_object_get_string(v));
    if(rc)
      fail(r, rc, "%s.requirements[%zu]: %s", path, i, ctk_strerror(rc));
  }

  read_object_array(r, to, path, "exchanges", read_exchange, t);
  t->dropped_exchanges += (size_t)get_count(r, to, path, "dropped_exchanges", 1e15);
  read_object_array(r, to, path, "series", read_series, t);
  read_object_array(r, to, path, "measures", read_measure, t);
}

ctk_code ctk_report_json_read(const char *data, size_t len, ctk_run **out, char *err,
                              size_t errlen)
{
  json_reader r = { err, errlen, CTK_E_OK };
  json_tokener *tok;
  json_object *root;
  json_object *o;
  char format[64] = "";
  ctk_run *run = NULL;
  size_t i, n;
  ctk_code rc;

  *out = NULL;
  if(err && errlen)
    err[0] = '\0';
  if(len > CTK_REPORT_MAX_BYTES || len > (size_t)INT32_MAX) {
    fail(&r, CTK_E_TOOBIG, "results file larger than %zu bytes", CTK_REPORT_MAX_BYTES);
    return r.rc;
  }
  tok = json_tokener_new_ex(JSON_MAX_DEPTH);
  if(!tok)
    return CTK_E_NOMEM;
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  root = json_tokener_parse_ex(tok, data, (int)len);
  if(!root || json_tokener_get_error(tok) != json_tokener_success) {
    fail(&r, CTK_E_PARSE, "not valid JSON at byte %zu: %s", json_tokener_get_parse_end(tok),
         json_tokener_error_desc(json_tokener_get_error(tok)));
    json_object_put(root);
    json_tokener_free(tok);
    return r.rc;
  }
  /* Only whitespace may follow the document. */
  for(i = json_tokener_get_parse_end(tok); i < len; i++) {
    if(!strchr(" \t\r\n", data[i])) {
      fail(&r, CTK_E_PARSE, "unexpected data after the JSON document at byte %zu", i);
      break;
    }
  }
  json_tokener_free(tok);
  if(!r.rc && !json_object_is_type(root, json_type_object))
    fail(&r, CTK_E_PARSE, "$: expected an object");
  get_str(&r, root, "$", "format", format, sizeof(format));
  if(!r.rc && strcmp(format, CTK_RESULTS_FORMAT))
    fail(&r, CTK_E_UNSUPPORTED, "$.format: \"%s\", expected \"%s\"", format,
         CTK_RESULTS_FORMAT);
  if(r.rc) {
    json_object_put(root);
    return r.rc;
  }
  rc = ctk_run_new(&run);
  if(rc) {
    json_object_put(root);
    return rc;
  }
  /* The file's identity replaces what ctk_run_new filled in for this process. */
  run->tool_version[0] = run->tool_commit[0] = run->host[0] = run->started[0] = '\0';

  o = get_typed(&r, root, "$", "tool", json_type_object);
  if(o) {
    get_str(&r, o, "$.tool", "version", run->tool_version, sizeof(run->tool_version));
    get_str(&r, o, "$.tool", "commit", run->tool_commit, sizeof(run->tool_commit));
  }
  o = get_typed(&r, root, "$", "profile", json_type_object);
  if(o) {
    get_str(&r, o, "$.profile", "name", run->profile_name, sizeof(run->profile_name));
    get_str(&r, o, "$.profile", "version", run->profile_version, sizeof(run->profile_version));
    get_str(&r, o, "$.profile", "provenance", run->profile_provenance,
            sizeof(run->profile_provenance));
    get_str(&r, o, "$.profile", "statement", run->profile_statement,
            sizeof(run->profile_statement));
    get_str(&r, o, "$.profile", "sha256", run->profile_sha256, sizeof(run->profile_sha256));
  }
  o = get_typed(&r, root, "$", "sut", json_type_object);
  if(o) {
    run->sut.kind = (ctk_sut_kind)get_enum(&r, o, "$.sut", "kind", ctk_sut_kind_parse, 0);
    get_str(&r, o, "$.sut", "region", run->sut.region, sizeof(run->sut.region));
    get_str(&r, o, "$.sut", "name", run->sut.name, sizeof(run->sut.name));
    get_str(&r, o, "$.sut", "endpoint", run->sut.endpoint, sizeof(run->sut.endpoint));
  }
  read_kvlist(&r, root, "pics", run, ctk_run_set_pics);
  read_kvlist(&r, root, "pixit", run, ctk_run_set_pixit);
  get_str(&r, root, "$", "started", run->started, sizeof(run->started));
  get_str(&r, root, "$", "finished", run->finished, sizeof(run->finished));
  get_str(&r, root, "$", "host", run->host, sizeof(run->host));

  o = get_typed(&r, root, "$", "tests", json_type_array);
  n = o ? json_object_array_length(o) : 0;
  for(i = 0; i < n && !r.rc; i++)
    read_test(&r, json_object_array_get_idx(o, i), i, run);

  json_object_put(root);
  if(r.rc) {
    ctk_run_free(run);
    return r.rc;
  }
  *out = run;
  return CTK_E_OK;
}

ctk_code ctk_report_json_load(const char *path, ctk_run **out, char *err, size_t errlen)
{
  ctk_buf b;
  ctk_code rc;
  char inner[512];

  *out = NULL;
  ctk_buf_init(&b, CTK_REPORT_MAX_BYTES);
  rc = ctk_file_read(path, CTK_REPORT_MAX_BYTES, &b);
  if(rc) {
    snprintf(err, errlen, "%s: %s", path, ctk_strerror(rc));
    ctk_buf_free(&b);
    return rc;
  }
  rc = ctk_report_json_read(ctk_buf_str(&b), b.len, out, inner, sizeof(inner));
  if(rc)
    snprintf(err, errlen, "%s: %s", path, inner);
  ctk_buf_free(&b);
  return rc;
}
