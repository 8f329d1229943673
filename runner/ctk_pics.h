/* ctk_pics: the SUT's capability statement (PICS) and the conditions tests put on it.
 * A condition is a boolean expression over PICS items: "binding.soap && !encoding.gbk". */
#ifndef CTK_PICS_H
#define CTK_PICS_H

#include <stddef.h>

#include "ctk_kvfile.h"

struct ctk_profile;

typedef struct ctk_pics {
  ctk_kvfile kv;
  const struct ctk_profile *profile; /* resolves interface.<role> items; NULL: names only */
} ctk_pics;

/* Load and check a PICS file: every item must be a known one (see docs/RUNNER.md) with a
 * yes/no value, except sut.* items which carry text. err holds "FILE:LINE: problem". */
ctk_code ctk_pics_load(const char *path, ctk_pics *pics, char *err, size_t errlen);
ctk_code ctk_pics_parse(const char *name, const char *text, ctk_pics *pics, char *err,
                        size_t errlen);

/* The yes/no items a form offers, in order: the fixed ones, then interface.ROLE of every
 * optional interface role (the mandatory ones are no capability to declare). Returns the
 * count; writes at most max names into out. */
#define CTK_PICS_FORM_ITEMS_MAX 32
size_t ctk_pics_form_items(char out[][CTK_KVFILE_KEY_MAX], size_t max);
/* The text items of [sut] and the values each may take ("province|city"). */
const char *ctk_pics_sut_role_choices(void);

/* Read interface items by the profile's roles from now on: a condition's interface.<role>
 * ("interface.statistics") holds when the PICS declares interface.<role>, the role's code
 * (interface.1011 in the baseline) or the catalog's pics item of that interface (PICS-STATS). */
void ctk_pics_use_profile(ctk_pics *pics, const struct ctk_profile *p);
/* 1 when the item is declared yes, 0 otherwise (absent items are "no"). */
int ctk_pics_has(const ctk_pics *pics, const char *item);
/* Text value of an item, or def when absent. */
const char *ctk_pics_text(const ctk_pics *pics, const char *item, const char *def);

/* Evaluate a condition. Grammar:
 *   expr := and { "||" and }     and := unary { "&&" unary }
 *   unary := "!" unary | "(" expr ")" | ITEM | ITEM "=" VALUE
 * ITEM alone is true when declared yes. An empty or NULL condition is true.
 * Returns 1 or 0; -1 on a syntax error (why says where). */
int ctk_pics_eval(const ctk_pics *pics, const char *cond, char *why, size_t whylen);
/* Syntax check without a PICS (for the registry's own test). 0 ok, -1 error. */
int ctk_pics_check_syntax(const char *cond, char *why, size_t whylen);

#endif
