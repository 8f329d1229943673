/* ctk_profile_check: what a profile can get wrong and still parse — misspelt elements, code
 * lists that disagree with the process, interfaces without transitions, a WSDL of another name. */
#ifndef CTK_PROFILE_CHECK_H
#define CTK_PROFILE_CHECK_H

#include <stddef.h>

#include "ctk_profile.h"

/* One problem: the file (relative to the profile), the line (0: not one line), what is wrong
 * and how to fix it. */
typedef void (*ctk_problem_fn)(void *ctx, const char *file, long line, const char *text,
                               const char *hint);

/* Requirement ids that something outside the profile relies on (the runner's tests), each
 * with who uses it; the check reports those requirements.csv lacks. */
typedef struct ctk_required_id {
  const char *id;
  const char *used_by;
} ctk_required_id;

/* Report every problem of a loaded profile to fn; returns how many. names: the element names
 * its schemas declare (ctk_schema_names_load). */
size_t ctk_profile_check(const ctk_profile *p, const ctk_schema_names *names,
                         const ctk_required_id *required, size_t n_required, ctk_problem_fn fn,
                         void *ctx);

/* `ctk profile lint`: load dir (a load failure is one problem, from its FILE:LINE message),
 * then check it. Returns the number of problems (0: clean). */
size_t ctk_profile_lint(const char *dir, const ctk_required_id *required, size_t n_required,
                        ctk_problem_fn fn, void *ctx);

#endif
