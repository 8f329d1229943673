/* ctk_kvfile: the one reader of "key = value" files with [sections]: PICS, PIXIT, the city
 * simulator's traffic model, a node's --config. A key inside [section] is "section.key". */
/* '#' or ';' starts a comment line; " #" (after white space) ends a value. */
#ifndef CTK_KVFILE_H
#define CTK_KVFILE_H

#include <stddef.h>

#include "ctk_error.h"

#define CTK_KVFILE_KEY_MAX 96
#define CTK_KVFILE_VALUE_MAX 512
#define CTK_KVFILE_ENTRIES_MAX 256

typedef struct ctk_kvfile_entry {
  char key[CTK_KVFILE_KEY_MAX];     /* "binding.soap" (lower case) */
  char value[CTK_KVFILE_VALUE_MAX]; /* trimmed; "" allowed */
  int line;
} ctk_kvfile_entry;

typedef struct ctk_kvfile {
  char path[512];
  ctk_kvfile_entry entries[CTK_KVFILE_ENTRIES_MAX];
  size_t count;
} ctk_kvfile;

/* Parse a file. On failure err holds "FILE:LINE: problem". A repeated key is an error
 * (a statement that says two things is not a statement). */
ctk_code ctk_kvfile_load(const char *path, ctk_kvfile *kv, char *err, size_t errlen);
/* The same from text in memory (name is used in messages). */
ctk_code ctk_kvfile_parse(const char *name, const char *text, ctk_kvfile *kv, char *err, size_t errlen);

/* Entry by entry, in file order, for files where a key may come again (a node's "fault"):
 * fn gets each key (lower case, "section.key") with its trimmed value and line. Returning
 * anything but CTK_E_OK stops the reading with that code; err is then "FILE:LINE: why" with
 * the why fn wrote. The syntax and the other errors are those of ctk_kvfile_load. */
typedef ctk_code (*ctk_kvfile_fn)(void *ctx, const char *key, const char *value, int line,
                                  char *why, size_t whylen);
ctk_code ctk_kvfile_each(const char *path, ctk_kvfile_fn fn, void *ctx, char *err,
                         size_t errlen);

/* Value of key, or NULL when absent. */
const char *ctk_kvfile_get(const ctk_kvfile *kv, const char *key);
const ctk_kvfile_entry *ctk_kvfile_find(const ctk_kvfile *kv, const char *key);
/* yes/no, true/false, on/off, 1/0 → 1/0; -1 when the value is none of these. */
int ctk_kvfile_bool_value(const char *value);

#endif
