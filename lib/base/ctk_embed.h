/* ctk_embed: files built into the binary at build time (scripts/embed.sh): the console's pages
 * and the message catalogues, found by their path in the source tree. */
#ifndef CTK_EMBED_H
#define CTK_EMBED_H

#include <stddef.h>

typedef struct ctk_embedded_file {
  const char *path;            /* "console/assets/app.js", "i18n/zh-CN.txt" */
  const unsigned char *data;   /* NUL-terminated after size bytes */
  size_t size;
} ctk_embedded_file;

/* The generated table, ended by a row whose path is NULL. */
extern const ctk_embedded_file ctk_embedded_files[];

/* The file built in under this path, NULL when there is none. */
const ctk_embedded_file *ctk_embed_find(const char *path);

#endif
