/* ctk_json: json-c objects into bounded buffers, the one step every JSON writer of the kit ends
 * with (control APIs, statistics, CTI webhook, load results). */
#ifndef CTK_JSON_H
#define CTK_JSON_H

#include <json-c/json.h>

#include "ctk_buf.h"
#include "ctk_error.h"

/* Append o's text (json-c flags, e.g. JSON_C_TO_STRING_PLAIN) to out and release o.
 * CTK_E_NOMEM when o is NULL or cannot be written, CTK_E_TOOBIG when out is full. */
ctk_code ctk_json_write(json_object *o, int flags, ctk_buf *out);
/* The same for a JSON file people read too (result file, bundle manifest): indented, '/' not
 * escaped, ending in a newline. */
ctk_code ctk_json_write_document(json_object *o, ctk_buf *out);

#endif
