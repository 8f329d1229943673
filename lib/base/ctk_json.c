/* ctk_json: json-c objects into bounded buffers. */
#include "ctk_json.h"

ctk_code ctk_json_write(json_object *o, int flags, ctk_buf *out)
{
  const char *text = o ? json_object_to_json_string_ext(o, flags) : NULL;
  ctk_code result = text ? ctk_buf_adds(out, text) : CTK_E_NOMEM;
  json_object_put(o);
  return result;
}

ctk_code ctk_json_write_document(json_object *o, ctk_buf *out)
{
  ctk_code result = ctk_json_write(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                      JSON_C_TO_STRING_NOSLASHESCAPE, out);
  if(!result)
    result = ctk_buf_addc(out, '\n');
  return result;
}
