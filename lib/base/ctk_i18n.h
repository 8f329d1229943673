/* ctk_i18n: the message catalogues (i18n/zh-CN.txt, i18n/en.txt, built into the binary): every
 * text a person reads in the console, by key, in Simplified Chinese by default or English. */
#ifndef CTK_I18N_H
#define CTK_I18N_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"

#define CTK_I18N_DEFAULT_LANG "zh-CN"
#define CTK_I18N_KEY_MAX 64
#define CTK_I18N_ENTRIES_MAX 1024

typedef struct ctk_i18n ctk_i18n;  /* read-only after loading: share across threads */

/* 1 when lang names a built-in catalogue ("zh-CN", "en"). */
int ctk_i18n_lang_ok(const char *lang);
/* The languages built in, separated by ", " (for usage and error messages). */
const char *ctk_i18n_langs(void);

/* Loads the built-in catalogue of lang. CTK_E_NOTFOUND for an unknown language, CTK_E_PARSE
 * for a broken line (err says "i18n/LANG.txt:LINE: reason"). */
ctk_code ctk_i18n_load(const char *lang, ctk_i18n **out, char *err, size_t errlen);
/* Parses a catalogue from memory (name is used in error messages). */
ctk_code ctk_i18n_parse(const char *name, const char *text, size_t len, ctk_i18n **out,
                        char *err, size_t errlen);
void ctk_i18n_free(ctk_i18n *c);

const char *ctk_i18n_lang(const ctk_i18n *c);
size_t ctk_i18n_count(const ctk_i18n *c);
/* The text of key; the key itself when the catalogue lacks it, so a gap shows, never crashes. */
const char *ctk_i18n_get(const ctk_i18n *c, const char *key);
/* 1 when the catalogue has key. */
int ctk_i18n_has(const ctk_i18n *c, const char *key);
/* The i-th key in file order (i < count). */
const char *ctk_i18n_key_at(const ctk_i18n *c, size_t i);
/* The text of key with its {name} placeholders filled: vars holds name, value pairs and ends
 * with NULL ({"n", "12", NULL}). Appended to out; a placeholder not in vars stays as it is. */
ctk_code ctk_i18n_fill(const ctk_i18n *c, const char *key, const char *const *vars,
                       ctk_buf *out);
/* The whole catalogue as one JSON object {"key": "text", ...} appended to out. */
ctk_code ctk_i18n_json(const ctk_i18n *c, ctk_buf *out);

#endif
