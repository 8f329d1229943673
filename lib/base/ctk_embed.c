/* ctk_embed: look-up of the files scripts/embed.sh built into the binary. */
#include <string.h>

#include "ctk_embed.h"

const ctk_embedded_file *ctk_embed_find(const char *path)
{
  const ctk_embedded_file *f;

  if(!path)
    return NULL;
  for(f = ctk_embedded_files; f->path; f++)
    if(!strcmp(f->path, path))
      return f;
  return NULL;
}
