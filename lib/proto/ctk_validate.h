/* ctk_validate: checks a decoded message against the profile: XSD, field formats (PCRE2),
 * code values and envelope rules. Each problem carries result code, reason, XPath, requirement. */
#ifndef CTK_VALIDATE_H
#define CTK_VALIDATE_H

#include <stddef.h>

#include "ctk_msg.h"
#include "ctk_profile.h"

#define CTK_PROBLEMS_MAX 32

typedef struct ctk_problems {
  ctk_outcome items[CTK_PROBLEMS_MAX];
  size_t count;                /* problems kept (at most CTK_PROBLEMS_MAX) */
  size_t dropped;              /* problems found beyond the maximum */
} ctk_problems;

/* Validate m. Returns CTK_E_OK when valid, CTK_E_INVALID with problems filled otherwise.
 * The first problem is the one an endpoint answers with. */
ctk_code ctk_validate_msg(const ctk_profile *p, const ctk_msg *m, ctk_problems *out);

/* Check one value against the profile's format for field (formats.csv); 1 match, 0 not,
 * -1 if the profile has no format of that name. */
int ctk_format_match(const ctk_profile *p, const char *field, const char *value);

/* The format validation applies to element (formats.csv, the first listing it): its name,
 * the symbolic result on mismatch and the requirement. 0 when the element has none. */
int ctk_format_of_element(const ctk_profile *p, const char *element, const char **field,
                          const char **result, const char **requirement);

/* Does value fit the format validation applies to element? 1 yes, 0 no, -1 the element has
 * no format (formats.csv). */
int ctk_format_fits(const ctk_profile *p, const char *element, const char *value);

/* Where a node is, as validation reports it: /Message/Body/WorkOrderComplete/OrderId, local
 * names, "[n]" only where siblings share a name. */
void ctk_xml_path(xmlNodePtr node, char *out, size_t outlen);

/* Decode and validate raw bytes in one go (what `ctk validate` and the endpoints do):
 * decoding failures become a single problem. *out may be NULL. */
ctk_code ctk_validate_bytes(const ctk_profile *p, const char *data, size_t len, ctk_binding b,
                            ctk_msg **out, ctk_problems *problems);

/* ---- used by the profile loader: compile once at load, shared read-only by all threads ---- */

/* Compile formats.csv (columns field,elements,pattern,result,requirement). On failure err
 * holds "FILE:LINE: problem" (with PCRE2's offset for a bad pattern). */
ctk_code ctk_formats_load(const char *path, const char *display_name, struct ctk_formats **out,
                          char *err, size_t errlen);
void ctk_formats_free(struct ctk_formats *f);
/* Calls fn for each format's requirement and result name (for the loader's cross-checks);
 * stops and returns fn's first non-zero value. */
int ctk_formats_each(const struct ctk_formats *f,
                     int (*fn)(void *ctx, const char *field, const char *result,
                               const char *requirement, size_t line),
                     void *ctx);

/* Calls fn for each element name a format applies to (formats.csv column elements). */
int ctk_formats_each_element(const struct ctk_formats *f,
                             int (*fn)(void *ctx, const char *field, const char *element,
                                       size_t line),
                             void *ctx);

/* Compile the entry XSD (and what it includes). err: "FILE:LINE: problem". */
ctk_code ctk_schema_load(const char *entry_path, const char *display_dir,
                         struct ctk_schema **out, char *err, size_t errlen);
void ctk_schema_free(struct ctk_schema *s);

#endif
