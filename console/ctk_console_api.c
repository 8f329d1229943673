/* ctk_console_api: JSON answers of the console's routes. */
#include <string.h>

#include "ctk_buf.h"
#include "ctk_console_api.h"
#include "ctk_json.h"

int ctk_console_reply(ctk_http_response *resp, int status, json_object *o)
{
  resp->status = status;
  ctk_strlcpy(resp->content_type, "application/json; charset=UTF-8",
              sizeof(resp->content_type));
  ctk_http_response_add_header(resp, "Cache-Control", "no-store");
  return ctk_json_write(o, JSON_C_TO_STRING_PLAIN, &resp->body) ? -1 : 0;
}

int ctk_console_reply_error(ctk_http_response *resp, int status, const char *key,
                            const char *detail)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "error", json_object_new_string(key));
  if(detail)
    json_object_object_add(o, "detail", json_object_new_string(detail));
  return ctk_console_reply(resp, status, o);
}

const char *ctk_console_json_str(json_object *o, const char *key)
{
  json_object *v;

  if(o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
    return json_object_get_string(v);
  return NULL;
}

void ctk_console_peer(const ctk_http_request *req, char *out, size_t outlen)
{
  char *colon;

  ctk_strlcpy(out, req->peer, outlen);
  colon = strrchr(out, ':');
  if(colon)
    *colon = '\0';
}
