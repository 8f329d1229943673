/* ctk_kvfile: reads the runner's "key = value" files (PICS and PIXIT) with [sections].
 * A key inside [section] is stored as "section.key"; every entry keeps its line number. */
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

/* Value of key, or NULL when absent. */
const char *ctk_kvfile_get(const ctk_kvfile *kv, const char *key);
const ctk_kvfile_entry *ctk_kvfile_find(const ctk_kvfile *kv, const char *key);
/* yes/no, true/false, on/off, 1/0 → 1/0; -1 when the value is none of these. */
int ctk_kvfile_bool_value(const char *value);

#endif
