/* ctk_select: which conformance tests a run executes (--select EXPR).
 * EXPR is a comma-separated union of terms; a term is atoms joined by '+' (all must hold). */
#ifndef CTK_SELECT_H
#define CTK_SELECT_H

#include <stddef.h>

/* What selection looks at in one test. */
typedef struct ctk_select_item {
  const char *id;              /* "J3.if-1001-valid" */
  const char *part;            /* "jtt1019-3" */
  const char *area;            /* "interfaces" */
  const char *conf_class;      /* "mandatory" / "optional" */
  const char *requirements;    /* comma-separated IDs */
  const char *tags;            /* comma-separated needs tags */
} ctk_select_item;

/* Atoms (case-insensitive keys, globs with * ? []):
 *   GLOB          test id glob                       J3.if-*
 *   id:GLOB       test id glob
 *   part:N        part 1, 2, 3 or jtt1019-N
 *   req:GLOB      any requirement ID matches         J1-FLOW-*
 *   tag:NAME      has needs tag                      tag:load
 *   area:NAME     CUnit suite / area                 area:process
 *   class:C       mandatory or optional
 *   !ATOM         negation                           !tag:load
 * Returns 1 selected, 0 not, -1 syntax error (why says which atom). NULL or "" selects all. */
int ctk_select_match(const char *expr, const ctk_select_item *item, char *why, size_t whylen);

/* Check the syntax once before the run (same rules, no item). 0 ok, -1 error. */
int ctk_select_check(const char *expr, char *why, size_t whylen);

/* Is word one of the comma-separated list's entries (globs allowed in pattern)? */
int ctk_list_has_glob(const char *list, const char *pattern);

#endif
