/* ctk_report: turns a result model into its report files (JSON, JUnit XML, one-file HTML)
 * and reads results.json back, so every report can be regenerated from the JSON alone. */
#ifndef CTK_REPORT_H
#define CTK_REPORT_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_file.h"
#include "ctk_error.h"
#include "ctk_result.h"

/* Largest report or results file read or written (bounds every buffer below). */
#define CTK_REPORT_MAX_BYTES ((size_t)512 * 1024 * 1024)

/* results.json: the whole model, pretty-printed, UTF-8. Raw message bytes that are not valid
 * UTF-8 (e.g. GBK) are stored as base64 with "raw_encoding": "base64". */
ctk_code ctk_report_json_write(const ctk_run *run, ctk_buf *out);
/* Parse results.json. On failure *out is NULL and err says what and where (JSON path). */
ctk_code ctk_report_json_read(const char *data, size_t len, ctk_run **out, char *err,
                              size_t errlen);
/* Read a results.json file. */
ctk_code ctk_report_json_load(const char *path, ctk_run **out, char *err, size_t errlen);

/* JUnit XML in the common Jenkins/GitLab schema: one <testsuite> per part. */
ctk_code ctk_report_junit_write(const ctk_run *run, ctk_buf *out);

/* One self-contained HTML page (inline CSS and SVG, no external resources). */
ctk_code ctk_report_html_write(const ctk_run *run, ctk_buf *out);

/* ---------- shared helpers of the report writers ---------- */

/* Append bytes as displayable UTF-8: valid UTF-8 is copied; otherwise the bytes are read as
 * GBK (the other encoding of the baseline) and converted; if that fails too, every byte that
 * is not printable ASCII is written as \xNN. Control characters other than tab, CR and LF
 * become \xNN in every case (they are not allowed in XML). *converted (may be NULL) is set
 * to "" , "GBK" or "hex" to say what was done. */
ctk_code ctk_report_text(ctk_buf *out, const char *data, size_t len, const char **converted);
/* 1 when the bytes are valid UTF-8 without NUL or other XML-forbidden control characters. */
int ctk_report_is_clean_utf8(const char *data, size_t len);

/* The reason of a failure into err as printf would write it (nothing when err is NULL). */
void ctk_report_set_err(char *err, size_t errlen, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));


/* A measure's value for people: a whole number without decimals ("50"), else one ("7.0"),
 * followed by " UNIT" when it has one. */
void ctk_report_measure_text(const ctk_measure *m, int with_unit, char *out, size_t outlen);

/* The failing requirement IDs of a run (tests with verdict fail), unique, in order of first
 * appearance, separated by ", " into out; tests without requirement IDs contribute their id. */
ctk_code ctk_report_failing_requirements(const ctk_run *run, ctk_buf *out);

#endif
