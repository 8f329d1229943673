/* ctk_console_reqs: the console's requirements page: every requirement of the profile with its
 * text, the tests that check it or the written reason none does (ctk_coverage), built once. */
#ifndef CTK_CONSOLE_REQS_H
#define CTK_CONSOLE_REQS_H

#include <json-c/json.h>
#include <stddef.h>

#include "ctk_error.h"

typedef struct ctk_console_reqs ctk_console_reqs;  /* read-only once built */

/* Loads the profile (profile_dir NULL: the default) and its coverage by the registry's tests
 * (uncovered_csv: the reasons file, runner/uncovered.csv). err says why not. */
ctk_code ctk_console_reqs_build(const char *profile_dir, const char *uncovered_csv,
                                ctk_console_reqs **out, char *err, size_t errlen);
void ctk_console_reqs_free(ctk_console_reqs *r);

/* {"profile", "tested", "by_reason", "missing", "requirements": [{id, part, clause,
 * strength, text, tests, reason}]} as JSON text. */
const char *ctk_console_reqs_json(const ctk_console_reqs *r);
/* The text of requirement id, NULL when the profile has none such. */
const char *ctk_console_reqs_text(const ctk_console_reqs *r, const char *id);
/* The number of the profile's requirements, and the id of the i-th (NULL past the end). */
size_t ctk_console_reqs_count(const ctk_console_reqs *r);
const char *ctk_console_reqs_id(const ctk_console_reqs *r, size_t i);

#endif
