/* ctk_json: json-c objects into bounded buffers. */
#include "ctk_json.h"

ctk_code ctk_json_write(json_object *o, int flags, ctk_buf *out)
{
  const char *text = o ? json_object_to_json_string_ext(o, flags) : NULL;
  ctk_code result = text ? ctk_buf_adds(out, text) : CTK_E_NOMEM;
  json_object_put(o);
  return result;
}
