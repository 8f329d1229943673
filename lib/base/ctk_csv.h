/* ctk_csv: the one CSV reader of the toolkit (RFC 4180 quoting, CRLF or LF, UTF-8 BOM skipped,
 * a header row, line numbers for "FILE:LINE: problem" messages). Whole file in memory, bounded. */
#ifndef CTK_CSV_H
#define CTK_CSV_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"

#define CTK_CSV_MAX_FIELDS 16
#define CTK_CSV_MAX_FILE ((size_t)4 * 1024 * 1024)
#define CTK_CSV_MAX_RECORD ((size_t)64 * 1024)   /* all field texts of one record together */

/* Read-only for callers except through the functions below; fields[] is valid until the
 * next ctk_csv_next or ctk_csv_close. */
typedef struct ctk_csv {
  char *data;                  /* whole file, NUL-terminated */
  size_t len;
  size_t pos;                  /* next byte to read */
  size_t line;                 /* line number of pos (1-based) */
  size_t record_line;          /* line where the last record returned started */
  ctk_buf store;               /* field texts of the current record, NUL-separated */
  size_t offsets[CTK_CSV_MAX_FIELDS];
  const char *fields[CTK_CSV_MAX_FIELDS];
  size_t n_fields;
  char error[128];             /* why ctk_csv_next failed */
} ctk_csv;

/* Read the file. CTK_E_IO when it cannot be read, CTK_E_TOOBIG over CTK_CSV_MAX_FILE. */
ctk_code ctk_csv_open(ctk_csv *c, const char *path);
/* ctk_csv_open for loaders: on failure err gets "PATH: reason" (c is left closed). */
ctk_code ctk_csv_open_reporting(ctk_csv *c, const char *path, char *err, size_t errsize);
/* Loaders' error line: err gets "PATH:LINE: why" or "PATH:LINE: why: detail" (detail may be
 * NULL). Returns CTK_E_PARSE so a loader can `return ctk_csv_error(...)`. */
ctk_code ctk_csv_error(char *err, size_t errsize, const char *path, size_t line, const char *why,
                       const char *detail);
/* Same, from memory (the text is copied). */
ctk_code ctk_csv_open_mem(ctk_csv *c, const char *text, size_t len);
/* Next record into c->fields / c->n_fields (blank lines are skipped). Returns 1 with a
 * record, 0 at the end, -1 on a syntax error (c->error, c->record_line say what and where). */
int ctk_csv_next(ctk_csv *c);
void ctk_csv_close(ctk_csv *c);

/* Reads the header row and finds each wanted column: index[i] is the column of wanted[i].
 * CTK_E_PARSE when the file is empty, the row is malformed or a column is missing (c->error
 * names it, or, when the row names none of them, says the header line is missing and which
 * line the file must start with). Columns may appear in any order; extra columns are allowed. */
ctk_code ctk_csv_header(ctk_csv *c, const char *const *wanted, size_t n_wanted, int *index);
/* A loader's handler of one record; col holds the indexes of the wanted columns. It returns
 * CTK_E_OK or, having written err (ctk_csv_error), the error that stops the file. */
typedef ctk_code (*ctk_csv_record_fn)(void *ctx, const ctk_csv *c, const int *col,
                                      const char *path, char *err, size_t errsize);
/* The loop of every table loader: the header (wanted columns into col), then each record to
 * fn until the first error. A bad header or record gives err "PATH:LINE: why". */
ctk_code ctk_csv_each_record(ctk_csv *c, const char *path, const char *const *wanted,
                             size_t n_wanted, int *col, ctk_csv_record_fn fn, void *ctx,
                             char *err, size_t errsize);
/* A whole table loader's reading: open path, check the header for the wanted columns, hand
 * each record to fn, close. When wipe is 1 the file's bytes are cleansed before they are freed
 * (credentials). err: "PATH: reason" or "PATH:LINE: why". */
ctk_code ctk_csv_load(const char *path, const char *const *wanted, size_t n_wanted,
                      ctk_csv_record_fn fn, void *ctx, int wipe, char *err, size_t errsize);
/* Field number index of the current record, or NULL when the record is shorter. */
const char *ctk_csv_field(const ctk_csv *c, int index);
/* Index of the column named name in the header fields, or -1. */
int ctk_csv_column(const char *const *header, size_t n, const char *name);

#endif
