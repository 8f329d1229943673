/* ctk_region_check: the region fields of a message (every element of a region role) checked
 * against the GB/T 2260 table, beyond their shape: an unknown code is a region-format problem. */
#ifndef CTK_REGION_CHECK_H
#define CTK_REGION_CHECK_H

#include <stddef.h>

#include "ctk_region.h"
#include "ctk_validate.h"

/* The table a profile's messages are checked with: the profile's own regions.csv when it has
 * one, else the kit's (CTK_REGION_DEFAULT_FILE). On failure err says what was tried and why;
 * CTK_E_NOTFOUND when neither file exists. */
ctk_code ctk_region_check_load(const ctk_profile *p, ctk_region_db **out, char *err,
                               size_t errlen);

/* One problem in out (the result and requirement of the element's format in formats.csv,
 * its XPath) for each region-role element of m whose value has a region code's shape but is
 * neither a region of db nor the ministry's node code. CTK_E_OK when there is none,
 * CTK_E_INVALID when there is one. Values of another shape are the format check's to report. */
ctk_code ctk_region_check_msg(const ctk_profile *p, const ctk_region_db *db, const ctk_msg *m,
                              ctk_problems *out);

#endif
