/* ctk_csv: small RFC 4180 reader over a whole file held in memory. */
#include "ctk_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static ctk_code start(ctk_csv *c, ctk_buf *file)
{
  /* an allocation even for an empty file, so data is never NULL */
  ctk_code result = ctk_buf_add(file, "", 0);
  if(result) {
    ctk_buf_free(file);
    return result;
  }
  c->data = ctk_buf_detach(file, &c->len);
  c->line = 1;
  /* a UTF-8 byte order mark is not part of the first column name */
  if(c->len >= 3 && !memcmp(c->data, "\xEF\xBB\xBF", 3))
    c->pos = 3;
  return CTK_E_OK;
}

static void reset(ctk_csv *c)
{
  memset(c, 0, sizeof(*c));
  ctk_buf_init(&c->store, CTK_CSV_MAX_RECORD);
}

ctk_code ctk_csv_open(ctk_csv *c, const char *path)
{
  FILE *f;
  ctk_buf file;
  ctk_code result;

  reset(c);
  if(!path)
    return CTK_E_INVAL;
  f = fopen(path, "rb");
  if(!f) {
    snprintf(c->error, sizeof(c->error), "cannot open the file");
    return CTK_E_IO;
  }
  ctk_buf_init(&file, CTK_CSV_MAX_FILE);
  result = ctk_buf_add_stream(&file, f);
  fclose(f);
  if(result) {
    snprintf(c->error, sizeof(c->error), "%s", result == CTK_E_TOOBIG ?
             "file larger than the CSV limit" : "cannot read the file");
    ctk_buf_free(&file);
    return result;
  }
  return start(c, &file);
}

ctk_code ctk_csv_open_mem(ctk_csv *c, const char *text, size_t len)
{
  ctk_buf file;
  ctk_code result;

  reset(c);
  if(!text && len)
    return CTK_E_INVAL;
  ctk_buf_init(&file, CTK_CSV_MAX_FILE);
  result = ctk_buf_add(&file, text ? text : "", len);
  if(result) {
    ctk_buf_free(&file);
    return result;
  }
  return start(c, &file);
}

void ctk_csv_close(ctk_csv *c)
{
  if(!c)
    return;
  free(c->data);
  c->data = NULL;
  c->len = 0;
  c->n_fields = 0;
  ctk_buf_free(&c->store);
}

static int fail(ctk_csv *c, const char *why)
{
  snprintf(c->error, sizeof(c->error), "%s", why);
  return -1;
}

static int add_char(ctk_csv *c, char ch)
{
  if(ch == '\0')
    return fail(c, "NUL byte in the text");
  if(ctk_buf_addc(&c->store, ch))
    return fail(c, "record longer than the CSV limit");
  return 0;
}

static int end_field(ctk_csv *c)
{
  if(c->n_fields >= CTK_CSV_MAX_FIELDS)
    return fail(c, "too many fields");
  if(ctk_buf_addc(&c->store, '\0'))
    return fail(c, "record longer than the CSV limit");
  c->n_fields++;
  if(c->n_fields < CTK_CSV_MAX_FIELDS)
    c->offsets[c->n_fields] = c->store.len;
  return 0;
}

/* True at a line end: LF, CRLF, or the end of the text; consumes it. */
static int take_line_end(ctk_csv *c)
{
  if(c->pos >= c->len)
    return 1;
  if(c->data[c->pos] == '\n') {
    c->pos++;
    c->line++;
    return 1;
  }
  if(c->data[c->pos] == '\r' && c->pos + 1 < c->len && c->data[c->pos + 1] == '\n') {
    c->pos += 2;
    c->line++;
    return 1;
  }
  if(c->data[c->pos] == '\r' && c->pos + 1 == c->len) {
    c->pos++;
    return 1;
  }
  return 0;
}

/* A quoted field, from just after its opening quote to just after its closing quote. */
static int quoted_field(ctk_csv *c)
{
  while(c->pos < c->len) {
    char ch = c->data[c->pos++];
    if(ch == '"') {
      if(c->pos < c->len && c->data[c->pos] == '"')
        c->pos++;  /* "" inside quotes is one quote */
      else
        return 0;
    }
    else if(ch == '\n')
      c->line++;
    if(add_char(c, ch))
      return -1;
  }
  return fail(c, "quoted field not closed before the end of the file");
}

static void skip_blank_lines(ctk_csv *c)
{
  while(c->pos < c->len && (c->data[c->pos] == '\n' || c->data[c->pos] == '\r')) {
    if(!take_line_end(c))
      break;  /* a lone CR: let the record parser report it */
  }
}

int ctk_csv_next(ctk_csv *c)
{
  size_t i;

  ctk_buf_reset(&c->store);
  c->n_fields = 0;
  c->offsets[0] = 0;
  c->error[0] = '\0';
  if(!c->data)
    return fail(c, "not open");
  skip_blank_lines(c);
  if(c->pos >= c->len)
    return 0;
  c->record_line = c->line;

  for(;;) {
    /* one field per turn */
    if(c->pos < c->len && c->data[c->pos] == '"') {
      c->pos++;
      if(quoted_field(c))
        return -1;
      if(c->pos < c->len && c->data[c->pos] != ',' && c->data[c->pos] != '\n' &&
         c->data[c->pos] != '\r')
        return fail(c, "text after a closing quote");
    }
    else {
      while(c->pos < c->len && c->data[c->pos] != ',' && c->data[c->pos] != '\n' &&
            c->data[c->pos] != '\r') {
        if(c->data[c->pos] == '"')
          return fail(c, "quote inside an unquoted field");
        if(add_char(c, c->data[c->pos]))
          return -1;
        c->pos++;
      }
    }
    if(end_field(c))
      return -1;
    if(c->pos < c->len && c->data[c->pos] == ',') {
      c->pos++;
      continue;
    }
    if(take_line_end(c))
      break;
    return fail(c, "carriage return not followed by a line feed");
  }
  for(i = 0; i < c->n_fields; i++)
    c->fields[i] = c->store.data + c->offsets[i];
  return 1;
}

/* Does the first row name any wanted column? */
static int csv_names_any(const ctk_csv *c, const char *const *wanted, size_t n_wanted)
{
  size_t i;
  for(i = 0; i < n_wanted; i++) {
    if(ctk_csv_column(c->fields, c->n_fields, wanted[i]) >= 0)
      return 1;
  }
  return 0;
}

/* A first row that names none of the columns is data where the header should be (a file made
 * of lines without their header): say so, and which line the file must start with. */
static void csv_no_header(ctk_csv *c, const char *const *wanted, size_t n_wanted)
{
  size_t used;
  size_t i;

  snprintf(c->error, sizeof(c->error), "no header line: the file must start with the line ");
  used = strlen(c->error);
  for(i = 0; i < n_wanted && used < sizeof(c->error) - 1; i++) {
    snprintf(c->error + used, sizeof(c->error) - used, "%s%s", i ? "," : "", wanted[i]);
    used = strlen(c->error);
  }
}

ctk_code ctk_csv_header(ctk_csv *c, const char *const *wanted, size_t n_wanted, int *index)
{
  size_t i;
  int rc = ctk_csv_next(c);

  if(rc < 0)
    return CTK_E_PARSE;
  if(rc == 0) {
    fail(c, "empty file: no header row");
    return CTK_E_PARSE;
  }
  for(i = 0; i < n_wanted; i++) {
    index[i] = ctk_csv_column(c->fields, c->n_fields, wanted[i]);
    if(index[i] < 0) {
      snprintf(c->error, sizeof(c->error), "header has no column '%.60s'", wanted[i]);
      if(!csv_names_any(c, wanted, n_wanted))
        csv_no_header(c, wanted, n_wanted);
      return CTK_E_PARSE;
    }
  }
  return CTK_E_OK;
}

ctk_code ctk_csv_each_record(ctk_csv *c, const char *path, const char *const *wanted,
                             size_t n_wanted, int *col, ctk_csv_record_fn fn, void *ctx,
                             char *err, size_t errsize)
{
  ctk_code result;
  int rc;

  if(ctk_csv_header(c, wanted, n_wanted, col))
    return ctk_csv_error(err, errsize, path, c->record_line ? c->record_line : 1, c->error,
                         NULL);
  rc = ctk_csv_next(c);
  while(rc > 0) {
    result = fn(ctx, c, col, path, err, errsize);
    if(result)
      return result;
    rc = ctk_csv_next(c);
  }
  if(rc < 0)
    return ctk_csv_error(err, errsize, path, c->record_line, c->error, NULL);
  return CTK_E_OK;
}

ctk_code ctk_csv_load(const char *path, const char *const *wanted, size_t n_wanted,
                      ctk_csv_record_fn fn, void *ctx, int wipe, char *err, size_t errsize)
{
  int col[CTK_CSV_MAX_FIELDS];
  ctk_csv csv;
  ctk_code result;

  if(n_wanted > CTK_CSV_MAX_FIELDS)
    return CTK_E_INVAL;
  result = ctk_csv_open_reporting(&csv, path, err, errsize);
  if(result)
    return result;
  result = ctk_csv_each_record(&csv, path, wanted, n_wanted, col, fn, ctx, err, errsize);
  if(wipe && csv.data)
    OPENSSL_cleanse(csv.data, csv.len);
  ctk_csv_close(&csv);
  return result;
}

const char *ctk_csv_field(const ctk_csv *c, int index)
{
  if(index < 0 || (size_t)index >= c->n_fields)
    return NULL;
  return c->fields[index];
}

int ctk_csv_column(const char *const *header, size_t n, const char *name)
{
  size_t i;
  for(i = 0; i < n; i++) {
    if(!strcmp(header[i], name))
      return (int)i;
  }
  return -1;
}

ctk_code ctk_csv_open_reporting(ctk_csv *c, const char *path, char *err, size_t errsize)
{
  ctk_code result = ctk_csv_open(c, path);
  if(result) {
    if(err && errsize)
      snprintf(err, errsize, "%s: %s", path, c->error[0] ? c->error : ctk_strerror(result));
    ctk_csv_close(c);
  }
  return result;
}

ctk_code ctk_csv_error(char *err, size_t errsize, const char *path, size_t line, const char *why,
                       const char *detail)
{
  if(err && errsize)
    snprintf(err, errsize, "%s:%zu: %s%s%s", path, line, why, detail ? ": " : "",
             detail ? detail : "");
  return CTK_E_PARSE;
}
