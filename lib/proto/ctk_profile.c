/* ctk_profile: loads a profile directory and refuses a broken one with "FILE:LINE: problem".
 *
 * Load order matters for the cross-checks: requirements first (everything refers to them),
 * then code sets (the catalog's code fields and the result names refer to them), then
 * profile.xml, catalog.xml, process.xml, formats.csv and the schemas, and last roles.xml, which
 * names things from all of them. */
#include "ctk_profile.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "ctk_buf.h"
#include "ctk_csv.h"
#include "ctk_datadir.h"
#include "ctk_msg.h"
#include "ctk_profile_check.h"
#include "ctk_schema_model.h"
#include "ctk_validate.h"
#include "ctk_xml_safe.h"

#define PROFILE_FILE_MAX ((size_t)8 * 1024 * 1024)
#define PROFILE_ITEMS_MAX 10000
#define PROFILE_WALK_DEPTH 8

/* The profile ctk uses when none is named, inside the data folder (ctk_datadir). */
#define PROFILE_DEFAULT_REL "profiles/jtt1019-baseline"

/* Result names the engine answers with; a profile must define every one. */
static const char *const required_results[] = {
  "OK", "MALFORMED", "SCHEMA", "FORMAT", "CODE_VALUE", "UNKNOWN_INTERFACE", "ROUTE",
  "ENCODING", "TOO_LARGE", "FORBIDDEN", "VERSION", "AUTH", "DENIED", "STATE",
  "UNKNOWN_ORDER", "DUPLICATE", "EXISTS", "INTERNAL", "BUSY"
};

typedef struct loader {
  ctk_profile *p;
  int check;                    /* run ctk_profile_check after loading (all but lint) */
  char *err;
  size_t errlen;
  char file[1024];              /* file being read, as shown in messages */
} loader;

/* ---------- small helpers ---------- */

static ctk_code fail(loader *ld, long line, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static ctk_code fail(loader *ld, long line, const char *fmt, ...)
{
  char msg[400];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if(ld->errlen)
    snprintf(ld->err, ld->errlen, "%s:%ld: %s", ld->file, line, msg);
  return CTK_E_PROFILE;
}

static void set_file(loader *ld, const char *rel)
{
  snprintf(ld->file, sizeof(ld->file), "%s/%s", ld->p->dir, rel);
}

/* Grow *arr by one zeroed element of size bytes; NULL when out of memory or past the cap. */
static void *append_slot(void *arr_ptr, size_t *n, size_t size)
{
  void **arr = (void **)arr_ptr;
  char *grown;

  if(*n >= PROFILE_ITEMS_MAX)
    return NULL;
  grown = realloc(*arr, (*n + 1) * size);
  if(!grown)
    return NULL;
  *arr = grown;
  memset(grown + *n * size, 0, size);
  return grown + (*n)++ * size;
}

static long node_line(xmlNodePtr n)
{
  return n ? xmlGetLineNo(n) : 0;
}

static int is_elem(xmlNodePtr n, const char *name)
{
  return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNodePtr child_elem(xmlNodePtr parent, const char *name)
{
  xmlNodePtr c;
  for(c = parent ? parent->children : NULL; c; c = c->next) {
    if(is_elem(c, name))
      return c;
  }
  return NULL;
}

/* Copy attribute name of node into dst. Missing: "" and 1 (or an error when required). */
static ctk_code attr_copy(loader *ld, xmlNodePtr node, const char *name, char *dst, size_t dstlen,
                          int required)
{
  xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
  ctk_code result;

  dst[0] = '\0';
  if(!v) {
    if(required)
      return fail(ld, node_line(node), "<%s> lacks attribute %s", (const char *)node->name,
                  name);
    return CTK_E_OK;
  }
  result = ctk_strlcpy(dst, (const char *)v, dstlen);
  xmlFree(v);
  if(result)
    return fail(ld, node_line(node), "attribute %s of <%s> longer than %zu bytes", name,
                (const char *)node->name, dstlen - 1);
  if(required && !dst[0])
    return fail(ld, node_line(node), "attribute %s of <%s> is empty", name,
                (const char *)node->name);
  return CTK_E_OK;
}

static ctk_code parse_directions(loader *ld, xmlNodePtr node, unsigned *out)
{
  char text[64];
  char *save = NULL;
  char *tok;
  ctk_code result = attr_copy(ld, node, "directions", text, sizeof(text), 1);

  if(result)
    return result;
  *out = 0;
  for(tok = strtok_r(text, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
    if(!strcmp(tok, "up"))
      *out |= CTK_DIR_UP;
    else if(!strcmp(tok, "down"))
      *out |= CTK_DIR_DOWN;
    else
      return fail(ld, node_line(node), "direction \"%s\" is neither up nor down", tok);
  }
  if(!*out)
    return fail(ld, node_line(node), "no direction given");
  return CTK_E_OK;
}

static ctk_code check_requirement(loader *ld, long line, const char *id)
{
  if(!id[0] || ctk_profile_requirement(ld->p, id))
    return CTK_E_OK;
  return fail(ld, line, "requirement %s is referenced but not defined in requirements.csv", id);
}

static xmlDocPtr load_xml(loader *ld, const char *rel, const char *root_name, xmlNodePtr *root)
{
  ctk_xml_fault fault;
  xmlDocPtr doc;
  char path[1024];

  set_file(ld, rel);
  ctk_strlcpy(path, ld->file, sizeof(path));
  if(access(path, R_OK)) {
    fail(ld, 0, "missing file (%s)", strerror(errno));
    return NULL;
  }
  doc = ctk_xml_parse_file(path, PROFILE_FILE_MAX, &fault);
  if(!doc) {
    fail(ld, fault.line, "%s", fault.text);
    return NULL;
  }
  *root = xmlDocGetRootElement(doc);
  if(!is_elem(*root, root_name)) {
    fail(ld, node_line(*root), "root element must be <%s>", root_name);
    xmlFreeDoc(doc);
    return NULL;
  }
  return doc;
}

static ctk_code open_csv(loader *ld, const char *rel, ctk_csv *csv, const char *const *columns,
                         size_t n_columns, int *index)
{
  ctk_code result;
  size_t i;
  int rc;

  set_file(ld, rel);
  result = ctk_csv_open(csv, ld->file);
  if(result == CTK_E_IO)
    return fail(ld, 0, "missing file (%s)", strerror(errno));
  if(result)
    return fail(ld, 0, "cannot read: %s", ctk_strerror(result));
  rc = ctk_csv_next(csv);
  if(rc <= 0) {
    result = fail(ld, (long)csv->record_line, "%s", rc < 0 ? csv->error : "no header row");
    ctk_csv_close(csv);
    return result;
  }
  for(i = 0; i < n_columns; i++) {
    index[i] = ctk_csv_column(csv->fields, csv->n_fields, columns[i]);
    if(index[i] < 0) {
      result = fail(ld, 1, "header lacks column \"%s\"", columns[i]);
      ctk_csv_close(csv);
      return result;
    }
  }
  return CTK_E_OK;
}

/* Copy column col of the current record; fails on overflow or (if required) emptiness. */
static ctk_code csv_copy(loader *ld, ctk_csv *csv, int col, const char *colname, char *dst,
                         size_t dstlen, int required)
{
  const char *v = (size_t)col < csv->n_fields ? csv->fields[col] : "";

  if(ctk_strlcpy(dst, v, dstlen))
    return fail(ld, (long)csv->record_line, "%s longer than %zu bytes", colname, dstlen - 1);
  if(required && !dst[0])
    return fail(ld, (long)csv->record_line, "%s is empty", colname);
  return CTK_E_OK;
}

/* ---------- requirements.csv ---------- */

/* Is id already defined by a requirement before the last one? */
static int earlier_requirement(const ctk_profile *p, const char *id)
{
  size_t i;
  for(i = 0; i + 1 < p->n_requirements; i++) {
    if(!strcmp(p->requirements[i].id, id))
      return 1;
  }
  return 0;
}

static ctk_code load_requirement_row(loader *ld, ctk_csv *csv, const int *col)
{
  ctk_requirement *r;
  char part[8];
  ctk_code result;
  long line = (long)csv->record_line;

  r = append_slot(&ld->p->requirements, &ld->p->n_requirements, sizeof(*r));
  if(!r)
    return fail(ld, line, "too many requirements or out of memory");
  result = csv_copy(ld, csv, col[0], "id", r->id, sizeof(r->id), 1);
  if(!result)
    result = csv_copy(ld, csv, col[1], "part", part, sizeof(part), 1);
  if(!result)
    result = csv_copy(ld, csv, col[2], "clause", r->clause, sizeof(r->clause), 1);
  if(!result)
    result = csv_copy(ld, csv, col[3], "strength", r->strength, sizeof(r->strength), 1);
  if(!result)
    result = csv_copy(ld, csv, col[4], "text", r->text, sizeof(r->text), 1);
  if(!result)
    result = csv_copy(ld, csv, col[5], "how", r->how, sizeof(r->how), 0);
  if(result)
    return result;
  if(strcmp(part, "1") && strcmp(part, "2") && strcmp(part, "3"))
    return fail(ld, line, "part \"%s\" of %s is not 1, 2 or 3", part, r->id);
  r->part = part[0] - '0';
  if(strcmp(r->strength, "SHALL") && strcmp(r->strength, "SHOULD") && strcmp(r->strength, "MAY"))
    return fail(ld, line, "strength \"%s\" of %s is not SHALL, SHOULD or MAY", r->strength, r->id);
  if(earlier_requirement(ld->p, r->id))
    return fail(ld, line, "duplicate requirement %s", r->id);
  return CTK_E_OK;
}

static ctk_code load_requirements(loader *ld)
{
  static const char *const columns[] = { "id", "part", "clause", "strength", "text", "how" };
  int col[6];
  ctk_csv csv;
  ctk_code result = open_csv(ld, "requirements.csv", &csv, columns, 6, col);
  int rc;

  if(result)
    return result;
  rc = ctk_csv_next(&csv);
  while(rc > 0) {
    result = load_requirement_row(ld, &csv, col);
    if(result)
      break;
    rc = ctk_csv_next(&csv);
  }
  if(!result && rc < 0)
    result = fail(ld, (long)csv.record_line, "%s", csv.error);
  ctk_csv_close(&csv);
  return result;
}

/* ---------- codes/ ---------- */

static ctk_code load_result_codes(loader *ld, const char *rel)
{
  static const char *const columns[] = { "code", "name", "text" };
  int col[3];
  ctk_csv csv;
  ctk_code result = open_csv(ld, rel, &csv, columns, 3, col);
  int rc;

  if(result)
    return result;
  rc = ctk_csv_next(&csv);
  while(!result && rc > 0) {
    long line = (long)csv.record_line;
    ctk_result_code *r = append_slot(&ld->p->results, &ld->p->n_results, sizeof(*r));
    if(!r) {
      result = fail(ld, line, "too many result codes or out of memory");
      break;
    }
    result = csv_copy(ld, &csv, col[0], "code", r->code, sizeof(r->code), 1);
    if(!result)
      result = csv_copy(ld, &csv, col[1], "name", r->name, sizeof(r->name), 1);
    if(!result)
      result = csv_copy(ld, &csv, col[2], "text", r->text, sizeof(r->text), 1);
    if(!result) {
      size_t i;
      for(i = 0; i + 1 < ld->p->n_results && !result; i++) {
        if(!strcmp(ld->p->results[i].code, r->code))
          result = fail(ld, line, "duplicate result code %s", r->code);
        else if(!strcmp(ld->p->results[i].name, r->name))
          result = fail(ld, line, "duplicate result name %s", r->name);
      }
    }
    rc = ctk_csv_next(&csv);
  }
  if(!result && rc < 0)
    result = fail(ld, (long)csv.record_line, "%s", csv.error);
  ctk_csv_close(&csv);
  return result;
}

static ctk_code load_codeset_rows(loader *ld, ctk_csv *csv, const int *col, ctk_codeset *set)
{
  ctk_code result = CTK_E_OK;
  int rc;

  rc = ctk_csv_next(csv);
  while(!result && rc > 0) {
    long line = (long)csv->record_line;
    ctk_code_entry *e = append_slot(&set->entries, &set->count, sizeof(*e));
    size_t i;

    if(!e)
      return fail(ld, line, "too many codes or out of memory");
    e->line = line;
    result = csv_copy(ld, csv, col[0], "value", e->value, sizeof(e->value), 1);
    if(!result)
      result = csv_copy(ld, csv, col[1], "name", e->name, sizeof(e->name), 1);
    if(!result)
      result = csv_copy(ld, csv, col[2], "name_zh", e->name_zh, sizeof(e->name_zh), 0);
    for(i = 0; !result && i + 1 < set->count; i++) {
      if(!strcmp(set->entries[i].value, e->value))
        result = fail(ld, line, "duplicate code %s", e->value);
    }
    rc = ctk_csv_next(csv);
  }
  if(!result && rc < 0)
    result = fail(ld, (long)csv->record_line, "%s", csv->error);
  return result;
}

static ctk_code load_codeset(loader *ld, const char *filename)
{
  static const char *const columns[] = { "value", "name", "name_zh" };
  int col[3];
  char rel[300];
  ctk_csv csv;
  ctk_codeset *set;
  ctk_code result;
  size_t stem = strlen(filename) - 4;

  snprintf(rel, sizeof(rel), "codes/%s", filename);
  if(!strcmp(filename, "result-codes.csv"))
    return load_result_codes(ld, rel);
  set_file(ld, rel);
  if(stem >= CTK_ID_MAX)
    return fail(ld, 0, "code set name longer than %d bytes", CTK_ID_MAX - 1);
  set = append_slot(&ld->p->codesets, &ld->p->n_codesets, sizeof(*set));
  if(!set)
    return fail(ld, 0, "too many code sets or out of memory");
  memcpy(set->name, filename, stem);
  set->name[stem] = '\0';
  result = open_csv(ld, rel, &csv, columns, 3, col);
  if(result)
    return result;
  result = load_codeset_rows(ld, &csv, col, set);
  ctk_csv_close(&csv);
  return result;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static ctk_code load_codes(loader *ld)
{
  char path[1024];
  char *names[256];
  size_t n = 0;
  size_t i;
  DIR *d;
  struct dirent *de;
  ctk_code result = CTK_E_OK;

  snprintf(path, sizeof(path), "%s/codes", ld->p->dir);
  set_file(ld, "codes");
  d = opendir(path);
  if(!d)
    return fail(ld, 0, "missing directory (%s)", strerror(errno));
  de = readdir(d);
  while(de && n < 256) {
    size_t len = strlen(de->d_name);
    if(de->d_name[0] != '.' && len > 4 && !strcmp(de->d_name + len - 4, ".csv")) {
      names[n] = strdup(de->d_name);
      if(names[n])
        n++;
    }
    de = readdir(d);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), cmp_str); /* stable order: same profile, same tables */
  for(i = 0; i < n && !result; i++)
    result = load_codeset(ld, names[i]);
  for(i = 0; i < n; i++)
    free(names[i]);
  if(result)
    return result;
  set_file(ld, "codes/result-codes.csv");
  for(i = 0; i < sizeof(required_results) / sizeof(required_results[0]); i++) {
    if(!ctk_profile_result(ld->p, required_results[i]))
      return fail(ld, 0, "result name %s is missing", required_results[i]);
  }
  return CTK_E_OK;
}

/* ---------- profile.xml ---------- */

static ctk_code parse_size(loader *ld, xmlNodePtr node, const char *attr, long long min,
                           long long max, long long *out)
{
  char text[32];
  char *end = NULL;
  ctk_code result = attr_copy(ld, node, attr, text, sizeof(text), 1);

  if(result)
    return result;
  errno = 0;
  *out = strtoll(text, &end, 10);
  if(errno || !end || *end || *out < min || *out > max)
    return fail(ld, node_line(node), "%s=\"%s\" is not a number from %lld to %lld", attr, text,
                min, max);
  return CTK_E_OK;
}

/* parse_size for an attribute a profile may leave out (then dflt). */
static ctk_code parse_size_or(loader *ld, xmlNodePtr node, const char *attr, long long min,
                              long long max, long long dflt, long long *out)
{
  xmlChar *v = xmlGetProp(node, BAD_CAST attr);
  int absent = v == NULL;

  xmlFree(v);
  if(absent) {
    *out = dflt;
    return CTK_E_OK;
  }
  return parse_size(ld, node, attr, min, max, out);
}

static ctk_code load_bindings(loader *ld, xmlNodePtr bindings)
{
  xmlNodePtr b;
  ctk_code result = CTK_E_OK;

  for(b = bindings ? bindings->children : NULL; b && !result; b = b->next) {
    char name[16];
    if(!is_elem(b, "binding"))
      continue;
    result = attr_copy(ld, b, "name", name, sizeof(name), 1);
    if(result)
      break;
    if(!strcmp(name, "xml"))
      result = attr_copy(ld, b, "path", ld->p->xml_path, sizeof(ld->p->xml_path), 1);
    else if(!strcmp(name, "soap")) {
      result = attr_copy(ld, b, "path", ld->p->soap_path, sizeof(ld->p->soap_path), 1);
      if(!result)
        result = attr_copy(ld, b, "action", ld->p->soap_action, sizeof(ld->p->soap_action), 0);
    }
    else
      result = fail(ld, node_line(b), "unknown binding \"%s\" (xml or soap)", name);
  }
  if(!result && (!ld->p->xml_path[0] || !ld->p->soap_path[0]))
    result = fail(ld, bindings ? node_line(bindings) : 0,
                  "<bindings> needs <binding name=\"xml\" path=\"...\"/> and "
                  "<binding name=\"soap\" path=\"...\" action=\"...\"/>");
  if(!result)
    snprintf(ld->p->soap_action_header, sizeof(ld->p->soap_action_header), "\"%s\"",
             ld->p->soap_action);
  if(!result && !strcmp(ld->p->xml_path, ld->p->soap_path))
    result = fail(ld, node_line(bindings), "the xml and soap bindings have the same path %s",
                  ld->p->xml_path);
  return result;
}

/* <encodings><encoding name="UTF-8"/>...; all the codec knows when the element is absent. */
static ctk_code load_encodings(loader *ld, xmlNodePtr encodings)
{
  xmlNodePtr e;
  ctk_code result = CTK_E_OK;

  if(!encodings) {
    ld->p->encodings = (1u << CTK_ENC_UTF8) | (1u << CTK_ENC_GBK);
    return CTK_E_OK;
  }
  for(e = encodings->children; e && !result; e = e->next) {
    char name[32];
    int enc;
    if(!is_elem(e, "encoding"))
      continue;
    result = attr_copy(ld, e, "name", name, sizeof(name), 1);
    if(result)
      break;
    enc = ctk_encoding_parse(name);
    if(enc < 0)
      return fail(ld, node_line(e), "encoding \"%s\" is not supported (UTF-8 or GBK)", name);
    ld->p->encodings |= 1u << enc;
  }
  if(!result && !(ld->p->encodings & (1u << CTK_ENC_UTF8)))
    result = fail(ld, node_line(encodings), "UTF-8 must be among the encodings");
  return result;
}

static ctk_code load_deadlines(loader *ld, xmlNodePtr deadlines)
{
  xmlNodePtr d;
  ctk_code result = CTK_E_OK;

  for(d = deadlines ? deadlines->children : NULL; d && !result; d = d->next) {
    ctk_deadline *dl;
    long long days;
    if(!is_elem(d, "deadline"))
      continue;
    dl = append_slot(&ld->p->deadlines, &ld->p->n_deadlines, sizeof(*dl));
    if(!dl)
      return fail(ld, node_line(d), "out of memory");
    result = attr_copy(ld, d, "businessType", dl->business_type, sizeof(dl->business_type), 1);
    if(!result)
      result = parse_size(ld, d, "workingDays", 0, 3650, &days);
    if(result)
      break;
    dl->working_days = (int)days;
    if(ctk_profile_codeset(ld->p, "business-types") &&
       !ctk_profile_code(ld->p, "business-types", dl->business_type))
      result = fail(ld, node_line(d), "business type %s is not in codes/business-types.csv",
                    dl->business_type);
  }
  return result;
}

static ctk_code load_head(loader *ld, xmlNodePtr root)
{
  ctk_profile *p = ld->p;
  xmlNodePtr prov = child_elem(root, "provenance");
  xmlNodePtr ns = child_elem(root, "namespaces");
  xmlNodePtr lim = child_elem(root, "limits");
  xmlNodePtr schema = child_elem(root, "schema");
  xmlChar *text;
  long long v;
  ctk_code result;

  result = attr_copy(ld, root, "name", p->name, sizeof(p->name), 1);
  if(!result)
    result = attr_copy(ld, root, "version", p->version, sizeof(p->version), 1);
  if(result)
    return result;
  if(!prov || !ns || !lim || !schema)
    return fail(ld, node_line(root), "<profile> needs <provenance>, <namespaces>, <limits> "
                "and <schema>");
  result = attr_copy(ld, prov, "kind", p->provenance, sizeof(p->provenance), 1);
  if(result)
    return result;
  if(strcmp(p->provenance, "baseline") && strcmp(p->provenance, "official") &&
     strcmp(p->provenance, "synthetic"))
    return fail(ld, node_line(prov), "provenance kind \"%s\" is not baseline, official or "
                "synthetic", p->provenance);
  text = xmlNodeGetContent(prov);
  ctk_strlcpy(p->statement, text ? (const char *)text : "", sizeof(p->statement));
  xmlFree(text);
  if(!p->statement[0])
    return fail(ld, node_line(prov), "provenance needs a statement saying what it means");
  result = attr_copy(ld, ns, "message", p->ns, sizeof(p->ns), 1);
  if(!result)
    result = attr_copy(ld, ns, "soap", p->soap_ns, sizeof(p->soap_ns), 1);
  if(!result)
    result = parse_size(ld, lim, "maxMessageBytes", 1024, 256LL * 1024 * 1024, &v);
  if(result)
    return result;
  p->max_message_bytes = (size_t)v;
  result = parse_size(ld, lim, "maxDepth", 4, 256, &v);
  if(result)
    return result;
  p->max_depth = (int)v;
  /* the document's shape: checked while it is parsed, before libxml2's costly paths (a root
   * with 90,000 attributes cost seconds in its duplicate check) */
  result = parse_size_or(ld, lim, "maxAttributes", 1, 1024, 32, &v);
  if(result)
    return result;
  p->max_attributes = (int)v;
  result = parse_size_or(ld, lim, "maxElements", 16, 10000000, 100000, &v);
  if(result)
    return result;
  p->max_elements = (long)v;
  result = parse_size_or(ld, lim, "maxTextBytes", 1024, 1024LL * 1024 * 1024,
                         (long long)p->max_message_bytes, &v);
  if(result)
    return result;
  p->max_text = (size_t)v;
  result = attr_copy(ld, schema, "entry", p->schema_entry, sizeof(p->schema_entry), 1);
  if(!result)
    result = attr_copy(ld, schema, "wsdl", p->wsdl, sizeof(p->wsdl), 0);
  return result;
}

static ctk_code load_profile_xml(loader *ld)
{
  xmlNodePtr root;
  xmlDocPtr doc = load_xml(ld, "profile.xml", "profile", &root);
  ctk_code result;

  if(!doc)
    return CTK_E_PROFILE;
  result = load_head(ld, root);
  if(!result)
    result = load_bindings(ld, child_elem(root, "bindings"));
  if(!result)
    result = load_encodings(ld, child_elem(root, "encodings"));
  if(!result)
    result = load_deadlines(ld, child_elem(root, "deadlines"));
  xmlFreeDoc(doc);
  return result;
}

/* ---------- catalog.xml ---------- */

static ctk_code load_iface_requirements(loader *ld, xmlNodePtr node, ctk_interface *in)
{
  char text[CTK_IFACE_REQS_MAX * CTK_ID_MAX];
  char *save = NULL;
  char *tok;
  ctk_code result = attr_copy(ld, node, "requirements", text, sizeof(text), 0);

  for(tok = strtok_r(text, " \t", &save); tok && !result; tok = strtok_r(NULL, " \t", &save)) {
    if(in->n_requirements >= CTK_IFACE_REQS_MAX)
      return fail(ld, node_line(node), "more than %d requirements", CTK_IFACE_REQS_MAX);
    result = check_requirement(ld, node_line(node), tok);
    if(!result && ctk_strlcpy(in->requirements[in->n_requirements], tok, CTK_ID_MAX))
      result = fail(ld, node_line(node), "requirement ID %s too long", tok);
    if(!result)
      in->n_requirements++;
  }
  return result;
}

/* The last interface loaded (in) against the earlier ones. */
static ctk_code check_interface_unique(loader *ld, long line, const ctk_interface *in)
{
  size_t i;
  for(i = 0; i + 1 < ld->p->n_interfaces; i++) {
    if(!strcmp(ld->p->interfaces[i].code, in->code))
      return fail(ld, line, "duplicate interface code %s", in->code);
    if(!strcmp(ld->p->interfaces[i].name, in->name))
      return fail(ld, line, "duplicate interface name %s", in->name);
  }
  return CTK_E_OK;
}

static ctk_code load_interface(loader *ld, xmlNodePtr node)
{
  ctk_interface *in;
  char opt[8];
  ctk_code result;
  long line = node_line(node);

  in = append_slot(&ld->p->interfaces, &ld->p->n_interfaces, sizeof(*in));
  if(!in)
    return fail(ld, line, "too many interfaces or out of memory");
  result = attr_copy(ld, node, "code", in->code, sizeof(in->code), 1);
  if(!result)
    result = attr_copy(ld, node, "name", in->name, sizeof(in->name), 1);
  if(!result)
    result = attr_copy(ld, node, "name_zh", in->name_zh, sizeof(in->name_zh), 0);
  if(!result)
    result = attr_copy(ld, node, "request", in->request_element, sizeof(in->request_element), 1);
  if(!result)
    result = attr_copy(ld, node, "answer", in->answer_element, sizeof(in->answer_element), 0);
  if(!result)
    result = parse_directions(ld, node, &in->directions);
  if(!result)
    result = attr_copy(ld, node, "optional", opt, sizeof(opt), 0);
  if(!result) {
    in->optional = !strcmp(opt, "1") || !strcmp(opt, "true");
    result = attr_copy(ld, node, "pics", in->pics, sizeof(in->pics), in->optional);
  }
  if(!result)
    result = load_iface_requirements(ld, node, in);
  if(!result)
    result = attr_copy(ld, node, "stateless", opt, sizeof(opt), 0);
  if(result)
    return result;
  in->stateless = !strcmp(opt, "1") || !strcmp(opt, "true");
  in->line = line;
  return check_interface_unique(ld, line, in);
}

static ctk_code load_codefield(loader *ld, xmlNodePtr node)
{
  ctk_codefield *cf = append_slot(&ld->p->codefields, &ld->p->n_codefields, sizeof(*cf));
  ctk_code result;

  if(!cf)
    return fail(ld, node_line(node), "too many code fields or out of memory");
  cf->line = node_line(node);
  result = attr_copy(ld, node, "element", cf->element, sizeof(cf->element), 1);
  if(!result)
    result = attr_copy(ld, node, "codeset", cf->codeset, sizeof(cf->codeset), 1);
  if(!result)
    result = attr_copy(ld, node, "requirement", cf->requirement, sizeof(cf->requirement), 0);
  if(!result)
    result = check_requirement(ld, node_line(node), cf->requirement);
  if(!result && !ctk_profile_codeset(ld->p, cf->codeset))
    result = fail(ld, node_line(node), "code set %s has no file codes/%s.csv", cf->codeset,
                  cf->codeset);
  return result;
}

static ctk_code load_rule(loader *ld, xmlNodePtr node)
{
  ctk_rule *r = append_slot(&ld->p->rules, &ld->p->n_rules, sizeof(*r));
  ctk_code result;

  if(!r)
    return fail(ld, node_line(node), "too many rules or out of memory");
  result = attr_copy(ld, node, "name", r->name, sizeof(r->name), 1);
  if(!result)
    result = attr_copy(ld, node, "requirement", r->requirement, sizeof(r->requirement), 1);
  if(!result)
    result = check_requirement(ld, node_line(node), r->requirement);
  return result;
}

/* Call fn on every element named item under root/group. */
static ctk_code each_item(loader *ld, xmlNodePtr root, const char *group, const char *item,
                          ctk_code (*fn)(loader *, xmlNodePtr))
{
  xmlNodePtr g = child_elem(root, group);
  xmlNodePtr c;
  ctk_code result = CTK_E_OK;

  for(c = g ? g->children : NULL; c && !result; c = c->next) {
    if(is_elem(c, item))
      result = fn(ld, c);
  }
  return result;
}

static ctk_code load_catalog(loader *ld)
{
  xmlNodePtr root;
  xmlDocPtr doc = load_xml(ld, "catalog.xml", "catalog", &root);
  ctk_code result;

  if(!doc)
    return CTK_E_PROFILE;
  result = each_item(ld, root, "interfaces", "interface", load_interface);
  if(!result && !ld->p->n_interfaces)
    result = fail(ld, node_line(root), "no <interfaces><interface>");
  if(!result)
    result = each_item(ld, root, "codefields", "field", load_codefield);
  if(!result)
    result = each_item(ld, root, "rules", "rule", load_rule);
  xmlFreeDoc(doc);
  return result;
}

/* ---------- process.xml ---------- */

static ctk_code load_state(loader *ld, xmlNodePtr node)
{
  ctk_state *s = append_slot(&ld->p->states, &ld->p->n_states, sizeof(*s));
  char open[8];
  ctk_code result;
  size_t i;

  if(!s)
    return fail(ld, node_line(node), "too many states or out of memory");
  s->line = node_line(node);
  result = attr_copy(ld, node, "code", s->code, sizeof(s->code), 1);
  if(!result)
    result = attr_copy(ld, node, "name", s->name, sizeof(s->name), 1);
  if(!result)
    result = attr_copy(ld, node, "name_zh", s->name_zh, sizeof(s->name_zh), 0);
  if(!result)
    result = attr_copy(ld, node, "open", open, sizeof(open), 1);
  if(result)
    return result;
  s->open = !strcmp(open, "1") || !strcmp(open, "true");
  for(i = 0; i + 1 < ld->p->n_states; i++) {
    if(!strcmp(ld->p->states[i].code, s->code) || !strcmp(ld->p->states[i].name, s->name))
      return fail(ld, node_line(node), "duplicate state %s (%s)", s->code, s->name);
  }
  return CTK_E_OK;
}

static int state_code_known(const ctk_profile *p, const char *code)
{
  size_t i;
  for(i = 0; i < p->n_states; i++) {
    if(!strcmp(p->states[i].code, code))
      return 1;
  }
  return 0;
}

static ctk_code load_transition_from(loader *ld, xmlNodePtr node, ctk_transition *t)
{
  xmlNodePtr f;
  ctk_code result = CTK_E_OK;

  for(f = node->children; f && !result; f = f->next) {
    if(!is_elem(f, "from"))
      continue;
    if(t->n_from >= CTK_TRANS_FROM_MAX)
      return fail(ld, node_line(f), "more than %d <from> states", CTK_TRANS_FROM_MAX);
    if(!xmlHasProp(f, (const xmlChar *)"state"))
      return fail(ld, node_line(f), "<from> lacks attribute state");
    result = attr_copy(ld, f, "state", t->from[t->n_from], CTK_ID_MAX, 0);
    if(!result && t->from[t->n_from][0] && !state_code_known(ld->p, t->from[t->n_from]))
      result = fail(ld, node_line(f), "unknown state \"%s\"", t->from[t->n_from]);
    t->n_from++;
  }
  if(!result && !t->n_from)
    result = fail(ld, node_line(node), "transition without <from>");
  return result;
}

static ctk_code load_transition(loader *ld, xmlNodePtr node)
{
  ctk_transition *t = append_slot(&ld->p->transitions, &ld->p->n_transitions, sizeof(*t));
  ctk_code result;
  long line = node_line(node);

  if(!t)
    return fail(ld, line, "too many transitions or out of memory");
  result = attr_copy(ld, node, "interface", t->interface_code, sizeof(t->interface_code), 1);
  if(!result && !ctk_profile_interface(ld->p, t->interface_code))
    result = fail(ld, line, "transition names unknown interface %s", t->interface_code);
  if(!result)
    result = attr_copy(ld, node, "to", t->to, sizeof(t->to), 0);
  if(!result && t->to[0] && !state_code_known(ld->p, t->to))
    result = fail(ld, line, "unknown state \"%s\"", t->to);
  if(!result)
    result = parse_directions(ld, node, &t->directions);
  if(!result)
    result = attr_copy(ld, node, "requirement", t->requirement, sizeof(t->requirement), 1);
  if(!result)
    result = check_requirement(ld, line, t->requirement);
  if(!result)
    result = load_transition_from(ld, node, t);
  return result;
}

static ctk_code load_process(loader *ld)
{
  xmlNodePtr root;
  xmlDocPtr doc = load_xml(ld, "process.xml", "process", &root);
  ctk_code result;

  if(!doc)
    return CTK_E_PROFILE;
  result = each_item(ld, root, "states", "state", load_state);
  if(!result && !ld->p->n_states)
    result = fail(ld, node_line(root), "no <states><state>");
  if(!result)
    result = each_item(ld, root, "transitions", "transition", load_transition);
  xmlFreeDoc(doc);
  return result;
}

/* ---------- formats and schemas ---------- */

static int check_format_refs(void *ctx, const char *field, const char *result,
                             const char *requirement, size_t line)
{
  loader *ld = ctx;
  if(!ctk_profile_result(ld->p, result))
    return fail(ld, (long)line, "format %s: result %s is not in codes/result-codes.csv", field,
                result);
  return check_requirement(ld, (long)line, requirement);
}

static ctk_code load_formats(loader *ld)
{
  char path[1024];
  ctk_code result;

  set_file(ld, "formats.csv");
  ctk_strlcpy(path, ld->file, sizeof(path));
  result = ctk_formats_load(path, path, &ld->p->formats, ld->err, ld->errlen);
  if(result)
    return result;
  return (ctk_code)ctk_formats_each(ld->p->formats, check_format_refs, ld);
}

/* Compiled for validation, and read as a content model for composing. */
static ctk_code load_schema(loader *ld)
{
  char path[1024];
  ctk_code result;

  set_file(ld, ld->p->schema_entry);
  ctk_strlcpy(path, ld->file, sizeof(path));
  if(access(path, R_OK))
    return fail(ld, 0, "missing file (%s)", strerror(errno));
  result = ctk_schema_load(path, ld->p->dir, &ld->p->schema, ld->err, ld->errlen);
  if(!result)
    result = ctk_schema_model_load(path, &ld->p->model, ld->err, ld->errlen);
  return result;
}

/* ---------- roles.xml ---------- */

/* The first problem ctk_profile_check reports becomes the load error. */
static void first_problem(void *ctx, const char *file, long line, const char *text,
                          const char *hint)
{
  loader *ld = ctx;
  (void)hint;
  if(ld->err && ld->errlen && !ld->err[0])
    snprintf(ld->err, ld->errlen, "%s/%s:%ld: %s (ctk profile lint lists every problem)",
             ld->p->dir, file, line, text);
}

/* roles.xml, then (unless linting) the cross-checks, both against the schemas' element names. */
static ctk_code load_roles(loader *ld)
{
  ctk_schema_names names;
  ctk_code result;

  result = ctk_schema_names_load(ld->p->dir, &names, ld->err, ld->errlen);
  if(result)
    return result;
  result = ctk_profile_roles_load(ld->p, &names, ld->err, ld->errlen);
  if(!result && ld->check) {
    if(ld->errlen)
      ld->err[0] = '\0';
    if(ctk_profile_check(ld->p, &names, NULL, 0, first_problem, ld))
      result = CTK_E_PROFILE;
  }
  ctk_schema_names_free(&names);
  return result;
}

/* ---------- sha256 over every file ---------- */

static ctk_code collect_files(const char *root, const char *rel, int depth, char ***names,
                              size_t *n);

/* One entry of directory rel: a file joins names, a directory is walked. */
static ctk_code collect_entry(const char *root, const char *rel, const char *name, int depth,
                              char ***names, size_t *n)
{
  char sub[1024];
  char full[1600];
  struct stat st;
  char **slot;

  snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name);
  snprintf(full, sizeof(full), "%s/%s", root, sub);
  if(stat(full, &st))
    return CTK_E_OK;
  if(S_ISDIR(st.st_mode))
    return collect_files(root, sub, depth + 1, names, n);
  if(!S_ISREG(st.st_mode))
    return CTK_E_OK;
  slot = append_slot(names, n, sizeof(char *));
  if(!slot)
    return CTK_E_NOMEM;
  *slot = strdup(sub);
  if(!*slot)
    return CTK_E_NOMEM;
  return CTK_E_OK;
}

static ctk_code collect_files(const char *root, const char *rel, int depth, char ***names,
                              size_t *n)
{
  char path[1600];
  DIR *d;
  struct dirent *de;
  ctk_code result = CTK_E_OK;

  if(depth > PROFILE_WALK_DEPTH)
    return CTK_E_TOOBIG;
  snprintf(path, sizeof(path), "%s%s%s", root, rel[0] ? "/" : "", rel);
  d = opendir(path);
  if(!d)
    return CTK_E_IO;
  de = readdir(d);
  while(!result && de) {
    if(de->d_name[0] != '.')
      result = collect_entry(root, rel, de->d_name, depth, names, n);
    de = readdir(d);
  }
  closedir(d);
  return result;
}

static ctk_code hash_file(EVP_MD_CTX *md, const char *path)
{
  FILE *f = fopen(path, "rb");
  unsigned char chunk[8192];
  size_t got;

  if(!f)
    return CTK_E_IO;
  got = fread(chunk, 1, sizeof(chunk), f);
  while(got > 0) {
    EVP_DigestUpdate(md, chunk, got);
    got = fread(chunk, 1, sizeof(chunk), f);
  }
  fclose(f);
  return CTK_E_OK;
}

/* sha256 over, for each file in byte order of its relative path: the path, a NUL, the
 * content. Any change of name or content changes the hash; nothing else does. */
static ctk_code compute_sha256(loader *ld)
{
  char **names = NULL;
  size_t n = 0;
  size_t i;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  ctk_code result = md ? collect_files(ld->p->dir, "", 0, &names, &n) : CTK_E_NOMEM;

  if(!result) {
    qsort(names, n, sizeof(names[0]), cmp_str);
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  }
  for(i = 0; !result && i < n; i++) {
    char full[1600];
    snprintf(full, sizeof(full), "%s/%s", ld->p->dir, names[i]);
    EVP_DigestUpdate(md, names[i], strlen(names[i]) + 1);
    result = hash_file(md, full);
  }
  if(!result && EVP_DigestFinal_ex(md, digest, &dlen) == 1)
    ctk_hex(digest, dlen < 32 ? dlen : 32, ld->p->sha256);
  for(i = 0; i < n; i++)
    free(names[i]);
  free(names);
  EVP_MD_CTX_free(md);
  if(result) {
    set_file(ld, "");
    return fail(ld, 0, "cannot hash the profile's files: %s", ctk_strerror(result));
  }
  return CTK_E_OK;
}

/* ---------- public ---------- */

static ctk_code profile_load(const char *dir, int check, ctk_profile **out, char *err,
                             size_t errlen)
{
  loader ld;
  ctk_code result;

  *out = NULL;
  if(errlen)
    err[0] = '\0';
  ctk_xml_init();
  memset(&ld, 0, sizeof(ld));
  ld.check = check;
  ld.err = err;
  ld.errlen = errlen;
  ld.p = calloc(1, sizeof(*ld.p));
  if(!ld.p)
    return CTK_E_NOMEM;
  ctk_strlcpy(ld.file, dir ? dir : "(null)", sizeof(ld.file));
  if(!dir || ctk_strlcpy(ld.p->dir, dir, sizeof(ld.p->dir))) {
    ctk_profile_free(ld.p);
    return fail(&ld, 0, "profile directory path missing or too long");
  }
  result = load_requirements(&ld);
  if(!result)
    result = load_codes(&ld);
  if(!result)
    result = load_profile_xml(&ld);
  if(!result)
    result = load_catalog(&ld);
  if(!result)
    result = load_process(&ld);
  if(!result)
    result = load_formats(&ld);
  if(!result)
    result = load_schema(&ld);
  if(!result)
    result = load_roles(&ld);
  if(!result)
    result = compute_sha256(&ld);
  if(result) {
    ctk_profile_free(ld.p);
    return result;
  }
  *out = ld.p;
  return CTK_E_OK;
}

ctk_code ctk_profile_load(const char *dir, ctk_profile **out, char *err, size_t errlen)
{
  return profile_load(dir, 1, out, err, errlen);
}

ctk_code ctk_profile_load_unchecked(const char *dir, ctk_profile **out, char *err,
                                    size_t errlen)
{
  return profile_load(dir, 0, out, err, errlen);
}

void ctk_profile_free(ctk_profile *p)
{
  size_t i;

  if(!p)
    return;
  for(i = 0; i < p->n_codesets; i++)
    free(p->codesets[i].entries);
  free(p->codesets);
  free(p->interfaces);
  free(p->results);
  free(p->states);
  free(p->transitions);
  free(p->requirements);
  free(p->deadlines);
  free(p->codefields);
  free(p->rules);
  ctk_formats_free(p->formats);
  ctk_schema_free(p->schema);
  ctk_schema_model_free(p->model);
  free(p->sources);
  free(p);
}

const char *ctk_profile_default_dir(void)
{
  static _Thread_local char dir[PATH_MAX];
  const char *env = getenv("CTK_PROFILE");

  if(env && *env)
    return env;
  return ctk_datadir_path(PROFILE_DEFAULT_REL, dir, sizeof(dir));
}

const char *ctk_profile_installed_dir(void)
{
  static _Thread_local char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/%s", ctk_datadir_installed(), PROFILE_DEFAULT_REL);
  return dir;
}

const char *ctk_level_name(ctk_level level)
{
  switch(level) {
  case CTK_LEVEL_MINISTRY:
    return "ministry";
  case CTK_LEVEL_PROVINCE:
    return "province";
  case CTK_LEVEL_CITY:
    return "city";
  default:
    return "none";
  }
}

const char *ctk_profile_level_code(const ctk_profile *p, ctk_level level)
{
  switch(level) {
  case CTK_LEVEL_MINISTRY:
    return ctk_val(p, CTK_V_LEVEL_MINISTRY);
  case CTK_LEVEL_PROVINCE:
    return ctk_val(p, CTK_V_LEVEL_PROVINCE);
  case CTK_LEVEL_CITY:
    return ctk_val(p, CTK_V_LEVEL_CITY);
  default:
    return "";
  }
}

ctk_level ctk_profile_level_parse(const ctk_profile *p, const char *code)
{
  if(!code || !code[0])
    return CTK_LEVEL_NONE;
  if(!strcmp(code, ctk_val(p, CTK_V_LEVEL_MINISTRY)))
    return CTK_LEVEL_MINISTRY;
  if(!strcmp(code, ctk_val(p, CTK_V_LEVEL_PROVINCE)))
    return CTK_LEVEL_PROVINCE;
  if(!strcmp(code, ctk_val(p, CTK_V_LEVEL_CITY)))
    return CTK_LEVEL_CITY;
  return CTK_LEVEL_NONE;
}

ctk_level ctk_level_parse(const char *s)
{
  if(!s)
    return CTK_LEVEL_NONE;
  if(!strcmp(s, "1") || !strcasecmp(s, "ministry"))
    return CTK_LEVEL_MINISTRY;
  if(!strcmp(s, "2") || !strcasecmp(s, "province"))
    return CTK_LEVEL_PROVINCE;
  if(!strcmp(s, "3") || !strcasecmp(s, "city"))
    return CTK_LEVEL_CITY;
  return CTK_LEVEL_NONE;
}

const ctk_interface *ctk_profile_interface(const ctk_profile *p, const char *code)
{
  size_t i;
  for(i = 0; p && code && i < p->n_interfaces; i++) {
    if(!strcmp(p->interfaces[i].code, code))
      return &p->interfaces[i];
  }
  return NULL;
}

const ctk_interface *ctk_profile_interface_by_name(const ctk_profile *p, const char *name)
{
  size_t i;
  for(i = 0; p && name && i < p->n_interfaces; i++) {
    if(!strcmp(p->interfaces[i].name, name))
      return &p->interfaces[i];
  }
  return NULL;
}

const ctk_codeset *ctk_profile_codeset(const ctk_profile *p, const char *set)
{
  size_t i;
  for(i = 0; p && set && i < p->n_codesets; i++) {
    if(!strcmp(p->codesets[i].name, set))
      return &p->codesets[i];
  }
  return NULL;
}

const ctk_code_entry *ctk_profile_code(const ctk_profile *p, const char *set, const char *value)
{
  const ctk_codeset *cs = ctk_profile_codeset(p, set);
  size_t i;
  for(i = 0; cs && value && i < cs->count; i++) {
    if(!strcmp(cs->entries[i].value, value))
      return &cs->entries[i];
  }
  return NULL;
}

const ctk_result_code *ctk_profile_result(const ctk_profile *p, const char *name)
{
  size_t i;
  for(i = 0; p && name && i < p->n_results; i++) {
    if(!strcmp(p->results[i].name, name))
      return &p->results[i];
  }
  return NULL;
}

const ctk_result_code *ctk_profile_result_by_code(const ctk_profile *p, const char *code)
{
  size_t i;
  for(i = 0; p && code && i < p->n_results; i++) {
    if(!strcmp(p->results[i].code, code))
      return &p->results[i];
  }
  return NULL;
}

const char *ctk_profile_rc(const ctk_profile *p, const char *name)
{
  const ctk_result_code *r = ctk_profile_result(p, name);
  return r ? r->code : "9999";
}

const ctk_state *ctk_profile_state(const ctk_profile *p, const char *name_or_code)
{
  size_t i;
  for(i = 0; p && name_or_code && i < p->n_states; i++) {
    if(!strcmp(p->states[i].code, name_or_code) || !strcmp(p->states[i].name, name_or_code))
      return &p->states[i];
  }
  return NULL;
}

const ctk_transition *ctk_profile_transition(const ctk_profile *p, const char *interface_code,
                                             const char *from_code, unsigned dir)
{
  size_t i;
  size_t j;

  if(!p || !interface_code)
    return NULL;
  if(!from_code)
    from_code = "";
  for(i = 0; i < p->n_transitions; i++) {
    const ctk_transition *t = &p->transitions[i];
    if(strcmp(t->interface_code, interface_code) || !(t->directions & dir))
      continue;
    for(j = 0; j < t->n_from; j++) {
      if(!strcmp(t->from[j], from_code))
        return t;
    }
  }
  return NULL;
}

const ctk_requirement *ctk_profile_requirement(const ctk_profile *p, const char *id)
{
  size_t i;
  for(i = 0; p && id && i < p->n_requirements; i++) {
    if(!strcmp(p->requirements[i].id, id))
      return &p->requirements[i];
  }
  return NULL;
}

void ctk_profile_code_outside(const ctk_profile *p, const char *set, char *out, size_t outlen)
{
  /* Digits first: they pass most formats of a code field, so only the code set refuses it. */
  /* not the profile's: candidates, each checked against its code set */
  static const char *const candidates[] = {
    "00", "99", "0", "9", "000", "999", "98", "X" /* not the profile's */
  };
  size_t i;

  out[0] = '\0';
  for(i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
    if(!ctk_profile_code(p, set, candidates[i])) {
      ctk_strlcpy(out, candidates[i], outlen);
      return;
    }
  }
}

/* Does code fit the format of the interface-code element (or has that element none)? */
static int interface_code_fits(const ctk_profile *p, const char *code)
{
  return ctk_format_fits(p, ctk_el(p, CTK_EL_INTERFACE_CODE), code) != 0;
}

void ctk_profile_interface_outside(const ctk_profile *p, char *out, size_t outlen)
{
  size_t i;
  int k;

  out[0] = '\0';
  /* four digits first (most profiles number their interfaces), then each interface's code
   * with its last run of digits counted up: A01 gives A02, A03... */
  for(k = 0; k < 10000; k++) {
    char cand[CTK_ID_MAX];
    snprintf(cand, sizeof(cand), "%04d", k);
    if(!ctk_profile_interface(p, cand) && interface_code_fits(p, cand)) {
      ctk_strlcpy(out, cand, outlen);
      return;
    }
  }
  for(i = 0; i < p->n_interfaces; i++) {
    const char *code = p->interfaces[i].code;
    size_t end = strlen(code), start = end;
    while(start > 0 && code[start - 1] >= '0' && code[start - 1] <= '9')
      start--;
    if(start == end || end - start > 9)
      continue;
    for(k = atoi(code + start) + 1; k < 1000000000; k++) {
      char cand[CTK_ID_MAX];
      int n = snprintf(cand, sizeof(cand), "%.*s%0*d", (int)start, code, (int)(end - start), k);
      if(n < 0 || (size_t)n >= sizeof(cand) || (size_t)n > end)
        break;                 /* the digits would grow: another interface may do better */
      if(!ctk_profile_interface(p, cand) && interface_code_fits(p, cand)) {
        ctk_strlcpy(out, cand, outlen);
        return;
      }
    }
  }
}

int ctk_profile_deadline_days(const ctk_profile *p, const char *business_type)
{
  size_t i;
  for(i = 0; p && business_type && i < p->n_deadlines; i++) {
    if(!strcmp(p->deadlines[i].business_type, business_type))
      return p->deadlines[i].working_days;
  }
  return -1;
}

const ctk_codefield *ctk_profile_codefield(const ctk_profile *p, const char *element)
{
  size_t i;
  for(i = 0; p && element && i < p->n_codefields; i++) {
    if(!strcmp(p->codefields[i].element, element))
      return &p->codefields[i];
  }
  return NULL;
}

const char *ctk_profile_rule(const ctk_profile *p, const char *rule)
{
  size_t i;
  for(i = 0; p && rule && i < p->n_rules; i++) {
    if(!strcmp(p->rules[i].name, rule))
      return p->rules[i].requirement;
  }
  return "";
}
