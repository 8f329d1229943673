/* ctk_validate: checks a decoded message against the profile.
 *
 * Order of the checks (the first problem is what an endpoint answers with): the XSD (structure),
 * then the envelope rules (interface known, profile version, route, body element, answer
 * result code), then every leaf element's format (formats.csv) and code value (catalog.xml
 * <codefields>). Everything compiled here is compiled once at profile load and then only read,
 * so any number of threads may validate at once; per-call state (xmlSchemaValidCtxt, PCRE2
 * match data) lives on the caller's stack. */
#include "ctk_validate.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <pcre2.h>

#include "ctk_calendar.h"
#include "ctk_csv.h"
#include "ctk_xml_safe.h"

#define FORMATS_MAX 256

typedef struct ctk_format {
  char field[CTK_ID_MAX];      /* format name, e.g. "OrderId" */
  char elements[512];          /* local names it applies to, space-separated */
  char result[CTK_ID_MAX];     /* symbolic result name on mismatch */
  char requirement[CTK_ID_MAX];
  size_t line;                 /* line in formats.csv, for the loader's messages */
  pcre2_code *re;
  /* The pattern's groups named year, month and day (0 when it has not all three): then a
   * match must also be a date of the calendar (no 30 February). */
  int year_group, month_group, day_group;
} ctk_format;

/* One element name of a format's list, for looking formats up by element. */
typedef struct format_name {
  const char *name;            /* points into the format's elements list */
  size_t len;
  size_t index;                /* of the format, so the first format listing a name wins */
} format_name;

struct ctk_formats {
  ctk_format *items;
  size_t count;
  format_name *names;          /* every element name of every format, sorted by name */
  size_t n_names;
};

struct ctk_schema {
  xmlSchemaPtr schema;
};

/* ---------- formats.csv ---------- */

static ctk_code formats_fail(char *err, size_t errlen, const char *file, size_t line,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static ctk_code formats_fail(char *err, size_t errlen, const char *file, size_t line,
                             const char *fmt, ...)
{
  char msg[300];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if(errlen)
    snprintf(err, errlen, "%s:%zu: %s", file, line, msg);
  return CTK_E_PROFILE;
}

static ctk_code compile_format(ctk_format *f, const char *pattern, const char *file, char *err,
                               size_t errlen)
{
  int errcode;
  PCRE2_SIZE erroff;

  f->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                        PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &errcode, &erroff, NULL);
  if(!f->re) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(errcode, msg, sizeof(msg));
    return formats_fail(err, errlen, file, f->line, "format %s: bad pattern at offset %zu: %s",
                        f->field, (size_t)erroff, (const char *)msg);
  }
  pcre2_jit_compile(f->re, PCRE2_JIT_COMPLETE); /* optional speed-up; interpreter otherwise */
  f->year_group = pcre2_substring_number_from_name(f->re, (PCRE2_SPTR) "year");
  f->month_group = pcre2_substring_number_from_name(f->re, (PCRE2_SPTR) "month");
  f->day_group = pcre2_substring_number_from_name(f->re, (PCRE2_SPTR) "day");
  if(f->year_group <= 0 || f->month_group <= 0 || f->day_group <= 0)
    f->year_group = f->month_group = f->day_group = 0;
  return CTK_E_OK;
}

static ctk_code format_row(struct ctk_formats *fs, ctk_csv *csv, const int *col,
                           const char *file, char *err, size_t errlen)
{
  ctk_format *f;
  const char *values[5];
  size_t i;

  if(fs->count >= FORMATS_MAX)
    return formats_fail(err, errlen, file, csv->record_line, "more than %d formats",
                        FORMATS_MAX);
  for(i = 0; i < 5; i++)
    values[i] = (size_t)col[i] < csv->n_fields ? csv->fields[col[i]] : "";
  f = &fs->items[fs->count];
  memset(f, 0, sizeof(*f));
  f->line = csv->record_line;
  if(!values[0][0] || !values[2][0] || !values[3][0])
    return formats_fail(err, errlen, file, f->line, "field, pattern and result are required");
  if(ctk_strlcpy(f->field, values[0], sizeof(f->field)) ||
     ctk_strlcpy(f->elements, values[1][0] ? values[1] : values[0], sizeof(f->elements)) ||
     ctk_strlcpy(f->result, values[3], sizeof(f->result)) ||
     ctk_strlcpy(f->requirement, values[4], sizeof(f->requirement)))
    return formats_fail(err, errlen, file, f->line, "a column is too long");
  for(i = 0; i < fs->count; i++) {
    if(!strcmp(fs->items[i].field, f->field))
      return formats_fail(err, errlen, file, f->line, "duplicate format %s", f->field);
  }
  fs->count++;
  return compile_format(f, values[2], file, err, errlen);
}

/* By name only: what bsearch needs to find any entry of a name. */
static int format_name_lookup_cmp(const void *a, const void *b)
{
  const format_name *x = a;
  const format_name *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->name, y->name, n);
  if(c)
    return c;
  return (x->len > y->len) - (x->len < y->len);
}

/* By name, then by format: the entries of one name in formats.csv order. */
static int format_name_cmp(const void *a, const void *b)
{
  const format_name *x = a;
  const format_name *y = b;
  int c = format_name_lookup_cmp(a, b);
  if(c)
    return c;
  return (x->index > y->index) - (x->index < y->index);
}

/* Index every element name of every format: validation looks a format up for each leaf of
 * every message, and a scan of every format's list per leaf was 2 % of a report. */
static ctk_code formats_index(struct ctk_formats *fs)
{
  size_t cap = 0;
  size_t i;

  for(i = 0; i < fs->count; i++)
    cap += strlen(fs->items[i].elements) / 2 + 1;
  fs->names = calloc(cap ? cap : 1, sizeof(*fs->names));
  if(!fs->names)
    return CTK_E_NOMEM;
  for(i = 0; i < fs->count; i++) {
    const char *p = fs->items[i].elements;
    while(*p) {
      size_t len = strcspn(p, " ");
      if(len && fs->n_names < cap) {
        fs->names[fs->n_names].name = p;
        fs->names[fs->n_names].len = len;
        fs->names[fs->n_names].index = i;
        fs->n_names++;
      }
      p += len;
      p += strspn(p, " ");
    }
  }
  qsort(fs->names, fs->n_names, sizeof(*fs->names), format_name_cmp);
  return CTK_E_OK;
}

ctk_code ctk_formats_load(const char *path, const char *display_name, struct ctk_formats **out,
                          char *err, size_t errlen)
{
  static const char *const columns[] = { "field", "elements", "pattern", "result",
                                         "requirement" };
  struct ctk_formats *fs;
  int col[5];
  ctk_csv csv;
  ctk_code result;
  size_t i;
  int rc;

  *out = NULL;
  result = ctk_csv_open(&csv, path);
  if(result)
    return formats_fail(err, errlen, display_name, 0, "missing or unreadable file");
  rc = ctk_csv_next(&csv);
  for(i = 0; rc > 0 && i < 5; i++) {
    col[i] = ctk_csv_column(csv.fields, csv.n_fields, columns[i]);
    if(col[i] < 0) {
      ctk_csv_close(&csv);
      return formats_fail(err, errlen, display_name, 1, "header lacks column \"%s\"",
                          columns[i]);
    }
  }
  fs = calloc(1, sizeof(*fs));
  if(fs)
    fs->items = calloc(FORMATS_MAX, sizeof(ctk_format));
  if(!fs || !fs->items) {
    ctk_formats_free(fs);
    ctk_csv_close(&csv);
    return CTK_E_NOMEM;
  }
  result = rc > 0 ? CTK_E_OK
                  : formats_fail(err, errlen, display_name, csv.record_line, "no header row");
  if(!result)
    rc = ctk_csv_next(&csv);
  while(!result && rc > 0) {
    result = format_row(fs, &csv, col, display_name, err, errlen);
    rc = ctk_csv_next(&csv);
  }
  if(!result && rc < 0)
    result = formats_fail(err, errlen, display_name, csv.record_line, "%s", csv.error);
  ctk_csv_close(&csv);
  if(!result)
    result = formats_index(fs);
  if(result) {
    ctk_formats_free(fs);
    return result;
  }
  *out = fs;
  return CTK_E_OK;
}

void ctk_formats_free(struct ctk_formats *fs)
{
  size_t i;
  if(!fs)
    return;
  for(i = 0; fs->items && i < fs->count; i++)
    pcre2_code_free(fs->items[i].re);
  free(fs->items);
  free(fs->names);
  free(fs);
}

int ctk_formats_each(const struct ctk_formats *fs,
                     int (*fn)(void *ctx, const char *field, const char *result,
                               const char *requirement, size_t line),
                     void *ctx)
{
  size_t i;
  for(i = 0; fs && i < fs->count; i++) {
    int rc = fn(ctx, fs->items[i].field, fs->items[i].result, fs->items[i].requirement,
                fs->items[i].line);
    if(rc)
      return rc;
  }
  return 0;
}

int ctk_formats_each_element(const struct ctk_formats *fs,
                             int (*fn)(void *ctx, const char *field, const char *element,
                                       size_t line),
                             void *ctx)
{
  size_t i;
  for(i = 0; fs && i < fs->n_names; i++) {
    const ctk_format *f = &fs->items[fs->names[i].index];
    char name[CTK_NAME_MAX];
    int rc;
    size_t len = fs->names[i].len < sizeof(name) - 1 ? fs->names[i].len : sizeof(name) - 1;
    memcpy(name, fs->names[i].name, len);
    name[len] = '\0';
    rc = fn(ctx, f->field, name, f->line);
    if(rc)
      return rc;
  }
  return 0;
}

/* Is name one of the space-separated words of list? */
/* The first format (in formats.csv order) that lists element; NULL if none. */
static const ctk_format *format_for_element(const struct ctk_formats *fs, const char *element)
{
  format_name key;
  const format_name *hit;

  if(!fs || !fs->n_names)
    return NULL;
  key.name = element;
  key.len = strlen(element);
  key.index = 0;
  hit = bsearch(&key, fs->names, fs->n_names, sizeof(*fs->names), format_name_lookup_cmp);
  if(!hit)
    return NULL;
  while(hit > fs->names && !format_name_lookup_cmp(&key, hit - 1))
    hit--;
  return &fs->items[hit->index];
}

static const ctk_format *format_by_field(const struct ctk_formats *fs, const char *field)
{
  size_t i;
  for(i = 0; fs && i < fs->count; i++) {
    if(!strcmp(fs->items[i].field, field))
      return &fs->items[i];
  }
  return format_for_element(fs, field);
}

/* The number in group g of a match (digits only, as the patterns capture them); -1 if unset. */
static long group_number(const char *value, const PCRE2_SIZE *ov, int g)
{
  long n = 0;
  PCRE2_SIZE i;
  if(ov[2 * g] == PCRE2_UNSET)
    return -1;
  for(i = ov[2 * g]; i < ov[2 * g + 1]; i++) {
    if(value[i] < '0' || value[i] > '9' || n > 100000)
      return -1;
    n = n * 10 + (value[i] - '0');
  }
  return n;
}

/* 1 match, 0 not, -1 on a matching error. A pattern with year, month and day groups matches
 * only a date of the calendar. */
static int format_matches(const ctk_format *f, const char *value)
{
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(f->re, NULL);
  int rc;

  if(!md)
    return -1;
  rc = pcre2_match(f->re, (PCRE2_SPTR)value, strlen(value), 0, 0, md, NULL);
  if(rc >= 0 && f->year_group) {
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if(!ctk_is_calendar_date(group_number(value, ov, f->year_group),
                      group_number(value, ov, f->month_group),
                      group_number(value, ov, f->day_group)))
      rc = PCRE2_ERROR_NOMATCH;
  }
  pcre2_match_data_free(md);
  if(rc >= 0)
    return 1;
  return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

int ctk_format_of_element(const ctk_profile *p, const char *element, const char **field,
                          const char **result, const char **requirement)
{
  const ctk_format *f = p && element ? format_for_element(p->formats, element) : NULL;
  if(!f)
    return 0;
  if(field)
    *field = f->field;
  if(result)
    *result = f->result;
  if(requirement)
    *requirement = f->requirement;
  return 1;
}

int ctk_format_fits(const ctk_profile *p, const char *element, const char *value)
{
  const char *field = NULL;
  if(!ctk_format_of_element(p, element, &field, NULL, NULL))
    return -1;
  return ctk_format_match(p, field, value) == 1;
}

int ctk_format_match(const ctk_profile *p, const char *field, const char *value)
{
  const ctk_format *f = p && field ? format_by_field(p->formats, field) : NULL;
  if(!f)
    return -1;
  return format_matches(f, value ? value : "") == 1;
}

/* ---------- schemas ---------- */

typedef struct schema_errors {
  char *err;
  size_t errlen;
  const char *dir;
  int seen;
} schema_errors;

static void on_schema_parse_error(void *ctx, xmlErrorPtr e)
{
  schema_errors *se = ctx;
  char msg[300];
  size_t n;

  if(se->seen || !e || e->level < XML_ERR_ERROR)
    return;
  se->seen = 1;
  ctk_strlcpy(msg, e->message ? e->message : "schema error", sizeof(msg));
  n = strlen(msg);
  while(n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    msg[--n] = '\0';
  if(se->errlen)
    snprintf(se->err, se->errlen, "%s:%d: %s", e->file ? e->file : se->dir, e->line, msg);
}

static int is_schema_file(const char *name)
{
  size_t len = strlen(name);
  return name[0] != '.' && len >= 5 &&
         (!strcmp(name + len - 4, ".xsd") || !strcmp(name + len - 5, ".wsdl"));
}

/* Every .xsd and .wsdl next to the entry must at least be well-formed; checking it here
 * gives FILE:LINE for a typo before libxml2's schema compiler sees the files. */
static ctk_code schema_files_wellformed(const char *entry_path, char *err, size_t errlen)
{
  char dir[1024];
  char *slash;
  DIR *d;
  struct dirent *de;
  ctk_code result = CTK_E_OK;

  ctk_strlcpy(dir, entry_path, sizeof(dir));
  slash = strrchr(dir, '/');
  if(slash)
    *slash = '\0';
  else
    ctk_strlcpy(dir, ".", sizeof(dir));
  d = opendir(dir);
  if(!d)
    return CTK_E_OK; /* the schema compiler will say what is missing */
  de = readdir(d);
  while(!result && de) {
    if(is_schema_file(de->d_name)) {
      char path[1400];
      ctk_xml_fault fault;
      xmlDocPtr doc;

      snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
      doc = ctk_xml_parse_file(path, (size_t)8 * 1024 * 1024, &fault);
      if(!doc) {
        if(errlen)
          snprintf(err, errlen, "%s:%d: %s", path, fault.line, fault.text);
        result = CTK_E_PROFILE;
      }
      xmlFreeDoc(doc);
    }
    de = readdir(d);
  }
  closedir(d);
  return result;
}

ctk_code ctk_schema_load(const char *entry_path, const char *display_dir,
                         struct ctk_schema **out, char *err, size_t errlen)
{
  schema_errors se;
  xmlSchemaParserCtxtPtr pctxt;
  xmlSchemaPtr schema;
  struct ctk_schema *s;
  ctk_code result;

  *out = NULL;
  result = schema_files_wellformed(entry_path, err, errlen);
  if(result)
    return result;
  memset(&se, 0, sizeof(se));
  se.err = err;
  se.errlen = errlen;
  se.dir = display_dir;
  pctxt = xmlSchemaNewParserCtxt(entry_path);
  if(!pctxt)
    return CTK_E_NOMEM;
  xmlSchemaSetParserStructuredErrors(pctxt, on_schema_parse_error, &se);
  schema = xmlSchemaParse(pctxt);
  xmlSchemaFreeParserCtxt(pctxt);
  if(!schema) {
    if(!se.seen && errlen)
      snprintf(err, errlen, "%s:0: schema does not compile", entry_path);
    return CTK_E_PROFILE;
  }
  s = calloc(1, sizeof(*s));
  if(!s) {
    xmlSchemaFree(schema);
    return CTK_E_NOMEM;
  }
  s->schema = schema;
  *out = s;
  return CTK_E_OK;
}

void ctk_schema_free(struct ctk_schema *s)
{
  if(!s)
    return;
  xmlSchemaFree(s->schema);
  free(s);
}

/* ---------- problems ---------- */

/* Readable location: /Message/Body/WorkOrderComplete/OrderId, with [n] only where siblings
 * share a name. (xmlGetNodePath writes elements of a default namespace as "*", which tells a
 * reader nothing.) */
void ctk_xml_path(xmlNodePtr node, char *out, size_t outlen)
{
  xmlNodePtr chain[64];
  size_t depth = 0;
  ctk_buf path;
  xmlNodePtr n;

  for(n = node; n && n->type == XML_ELEMENT_NODE && depth < 64; n = n->parent)
    chain[depth++] = n;
  ctk_buf_init(&path, outlen - 1);
  while(depth-- > 0) {
    xmlNodePtr s;
    int index = 0;
    int count = 0;

    n = chain[depth];
    for(s = n->parent ? n->parent->children : n; s; s = s->next) {
      if(s->type == XML_ELEMENT_NODE && !strcmp((const char *)s->name, (const char *)n->name)) {
        count++;
        if(s == n)
          index = count;
      }
    }
    if(count > 1)
      ctk_buf_printf(&path, "/%s[%d]", (const char *)n->name, index);
    else
      ctk_buf_printf(&path, "/%s", (const char *)n->name);
  }
  ctk_strlcpy(out, ctk_buf_str(&path), outlen);
  ctk_buf_free(&path);
}

static void add_problem(ctk_problems *out, const ctk_profile *p, const char *result,
                        xmlNodePtr node, const char *requirement, const char *fmt, ...)
  __attribute__((format(printf, 6, 7)));

static void add_problem(ctk_problems *out, const ctk_profile *p, const char *result,
                        xmlNodePtr node, const char *requirement, const char *fmt, ...)
{
  char reason[256];
  char where[256];
  va_list ap;

  if(out->count >= CTK_PROBLEMS_MAX) {
    out->dropped++;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  ctk_xml_path(node, where, sizeof(where));
  ctk_outcome_set(&out->items[out->count++], p, result, where, requirement, "%s", reason);
}

/* libxml2 writes names as {namespace}local; the namespace is noise for a reader. */
static void strip_namespace(const ctk_profile *p, const char *in, char *out, size_t outlen)
{
  char braced[300];
  size_t blen;
  size_t o = 0;

  snprintf(braced, sizeof(braced), "{%s}", p->ns);
  blen = strlen(braced);
  while(*in && o + 1 < outlen) {
    if(!strncmp(in, braced, blen)) {
      in += blen;
      continue;
    }
    if(*in == '\n') {
      in++;
      continue;
    }
    out[o++] = *in++;
  }
  out[o] = '\0';
}

typedef struct schema_run {
  const ctk_profile *p;
  ctk_problems *out;
} schema_run;

static void on_validity_error(void *ctx, xmlErrorPtr e)
{
  schema_run *run = ctx;
  char text[256];

  if(!e || e->level < XML_ERR_ERROR)
    return;
  strip_namespace(run->p, e->message ? e->message : "schema violation", text, sizeof(text));
  add_problem(run->out, run->p, "SCHEMA", (xmlNodePtr)e->node,
              ctk_profile_rule(run->p, "schema"), "%s", text);
}

static void check_schema(const ctk_profile *p, const ctk_msg *m, ctk_problems *out)
{
  xmlSchemaValidCtxtPtr v;
  schema_run run;
  size_t before = out->count + out->dropped;
  int rc;

  if(!p->schema)
    return;
  v = xmlSchemaNewValidCtxt(p->schema->schema);
  if(!v) {
    add_problem(out, p, "INTERNAL", NULL, "", "out of memory");
    return;
  }
  run.p = p;
  run.out = out;
  xmlSchemaSetValidStructuredErrors(v, on_validity_error, &run);
  rc = xmlSchemaValidateDoc(v, m->doc);
  xmlSchemaFreeValidCtxt(v);
  if(rc != 0 && out->count + out->dropped == before)
    add_problem(out, p, "SCHEMA", xmlDocGetRootElement(m->doc), ctk_profile_rule(p, "schema"),
                "schema validation failed");
}

/* ---------- envelope ---------- */

static xmlNodePtr head_child(const ctk_profile *p, const ctk_msg *m, ctk_element_role role)
{
  xmlNodePtr head = ctk_xml_child(xmlDocGetRootElement(m->doc), ctk_el(p, CTK_EL_HEAD));
  return ctk_xml_child(head, ctk_el(p, role));
}

/* Route: adjacent levels, and the interface may travel that way. Returns 0 when fine. */
static int check_route(const ctk_profile *p, const ctk_msg *m, const ctk_interface *in,
                       ctk_problems *out)
{
  ctk_level from = m->head.sender.level;
  ctk_level to = m->head.receiver.level;
  unsigned dir;
  unsigned request_dir;
  xmlNodePtr where = head_child(p, m, CTK_EL_RECEIVER);

  if(from == CTK_LEVEL_NONE || to == CTK_LEVEL_NONE)
    return 0; /* the code-value check reports the unknown level */
  if(from - to != 1 && to - from != 1) {
    add_problem(out, p, "ROUTE", where, ctk_profile_rule(p, "route"),
                "%s and %s are not adjacent levels", ctk_level_name(from), ctk_level_name(to));
    return 1;
  }
  dir = from > to ? CTK_DIR_UP : CTK_DIR_DOWN;
  /* An answer travels against its request. */
  request_dir = m->is_answer ? (dir == CTK_DIR_UP ? CTK_DIR_DOWN : CTK_DIR_UP) : dir;
  if(!(in->directions & request_dir)) {
    add_problem(out, p, "ROUTE", where, ctk_profile_rule(p, "route"),
                "interface %s (%s) may not be sent %s (%s to %s)", in->code, in->name,
                request_dir == CTK_DIR_UP ? "up" : "down",
                ctk_level_name(m->is_answer ? to : from), ctk_level_name(m->is_answer ? from : to));
    return 1;
  }
  return 0;
}

static void check_body(const ctk_profile *p, const ctk_msg *m, const ctk_interface *in,
                       ctk_problems *out)
{
  const char *want = m->is_answer ? in->answer_element : in->request_element;
  xmlNodePtr body = m->body;

  if(!body) {
    if(!m->is_answer || !want[0])
      return; /* a request without body is the schema's to report; answers may lack one */
    if(strcmp(m->outcome.code, ctk_profile_rc(p, "OK")))
      return; /* a failure answer carries no body */
    add_problem(out, p, "SCHEMA", xmlDocGetRootElement(m->doc), ctk_profile_rule(p, "body"),
                "a successful answer to %s must carry <%s>", in->code, want);
    return;
  }
  if(!want[0])
    add_problem(out, p, "SCHEMA", body, ctk_profile_rule(p, "body"),
                "interface %s has no %s body, found <%s>", in->code,
                m->is_answer ? "answer" : "request", (const char *)body->name);
  else if(strcmp((const char *)body->name, want))
    add_problem(out, p, "SCHEMA", body, ctk_profile_rule(p, "body"),
                "interface %s expects <%s>, found <%s>", in->code, want,
                (const char *)body->name);
}

static void check_envelope(const ctk_profile *p, const ctk_msg *m, ctk_problems *out)
{
  const ctk_interface *in = ctk_profile_interface(p, m->head.interface_code);

  if(m->head.profile_version[0] && strcmp(m->head.profile_version, p->version))
    add_problem(out, p, "VERSION", head_child(p, m, CTK_EL_PROFILE_VERSION),
                ctk_profile_rule(p, "version"), "profile version %s, expected %s",
                m->head.profile_version, p->version);
  if(m->is_answer && m->outcome.code[0] && !ctk_profile_result_by_code(p, m->outcome.code)) {
    xmlNodePtr result = ctk_xml_child(xmlDocGetRootElement(m->doc), ctk_el(p, CTK_EL_RESULT));
    add_problem(out, p, "CODE_VALUE", ctk_xml_child(result, ctk_el(p, CTK_EL_RESULT_CODE)),
                ctk_profile_rule(p, "correlation"), "result code %s is not in the profile",
                m->outcome.code);
  }
  if(!m->head.interface_code[0])
    return; /* missing: the schema reports it */
  if(!in) {
    add_problem(out, p, "UNKNOWN_INTERFACE", head_child(p, m, CTK_EL_INTERFACE_CODE),
                ctk_profile_rule(p, "interface"), "interface code %s is not in the catalog",
                m->head.interface_code);
    return;
  }
  check_route(p, m, in, out);
  check_body(p, m, in, out);
}

/* ---------- formats and code values of every leaf ---------- */

static int has_element_child(xmlNodePtr n)
{
  xmlNodePtr c;
  for(c = n->children; c; c = c->next) {
    if(c->type == XML_ELEMENT_NODE)
      return 1;
  }
  return 0;
}

static void check_leaf(const ctk_profile *p, xmlNodePtr leaf, ctk_problems *out)
{
  const char *name = (const char *)leaf->name;
  const ctk_format *f = format_for_element(p->formats, name);
  const ctk_codefield *cf = ctk_profile_codefield(p, name);
  const xmlNode *only = leaf->children;
  xmlChar *copy = NULL;
  const xmlChar *value;

  if(!f && !cf)
    return;
  /* the usual leaf is one text node: read it where it is; anything else is gathered */
  if(only && !only->next && only->type == XML_TEXT_NODE && only->content)
    value = only->content;
  else {
    copy = xmlNodeGetContent(leaf);
    value = copy;
  }
  if(!value)
    return;
  if(f && format_matches(f, (const char *)value) != 1)
    add_problem(out, p, f->result, leaf, f->requirement, "\"%.80s\" is not a valid %s",
                (const char *)value, f->field);
  if(cf && !ctk_profile_code(p, cf->codeset, (const char *)value))
    add_problem(out, p, "CODE_VALUE", leaf, cf->requirement, "\"%.80s\" is not in code set %s",
                (const char *)value, cf->codeset);
  xmlFree(copy);
}

static void check_fields(const ctk_profile *p, xmlNodePtr node, ctk_problems *out)
{
  xmlNodePtr c;
  for(c = node->children; c; c = c->next) {
    if(c->type != XML_ELEMENT_NODE)
      continue;
    if(has_element_child(c))
      check_fields(p, c, out);
    else
      check_leaf(p, c, out);
  }
}

/* ---------- public ---------- */

ctk_code ctk_validate_msg(const ctk_profile *p, const ctk_msg *m, ctk_problems *out)
{
  xmlNodePtr root;

  out->count = 0;              /* items are written as problems are found: no 18 KB clear */
  out->dropped = 0;
  root = m && m->doc ? xmlDocGetRootElement(m->doc) : NULL;
  if(!root) {
    add_problem(out, p, "MALFORMED", NULL, ctk_profile_rule(p, "envelope"), "no message");
    return CTK_E_INVALID;
  }
  check_schema(p, m, out);
  check_envelope(p, m, out);
  check_fields(p, root, out);
  return out->count ? CTK_E_INVALID : CTK_E_OK;
}

ctk_code ctk_validate_bytes(const ctk_profile *p, const char *data, size_t len, ctk_binding b,
                            ctk_msg **out, ctk_problems *problems)
{
  ctk_msg *m = NULL;
  ctk_code result;

  if(out)
    *out = NULL;
  memset(problems, 0, sizeof(*problems));
  result = ctk_msg_decode(p, data, len, b, &m, &problems->items[0]);
  if(result) {
    problems->count = 1;
    return CTK_E_INVALID;
  }
  result = ctk_validate_msg(p, m, problems);
  if(out)
    *out = m;
  else
    ctk_msg_free(m);
  return result;
}
