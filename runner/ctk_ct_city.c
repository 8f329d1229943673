/* ctk_ct_city: the city simulators' control API as seen from a conformance test. */
#include "ctk_ct_city.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_proc.h"
#include "ctk_roles.h"

#define CITY_REPLY_MAX ((size_t)1024 * 1024)

int ctk_ct_city_available(const ctk_ct *t)
{
  return t->env->pixit->city_simulator && t->env->roles->city_control[0];
}

/* One control call; the parsed JSON answer (release it) or NULL, with the HTTP status. */
static struct json_object *city_call(ctk_ct *t, const char *method, const char *path,
                                     const char *body, long *status)
{
  ctk_http_call call;
  ctk_http_reply hr;
  char url[CTK_ROLES_URL_MAX + 160];
  char peer[64];
  struct json_object *obj = NULL;
  ctk_code result;

  snprintf(url, sizeof(url), "%s%s", t->env->roles->city_control, path);
  snprintf(peer, sizeof(peer), "city control %.40s", path);
  memset(&call, 0, sizeof(call));
  memset(&hr, 0, sizeof(hr));
  ctk_buf_init(&hr.body, CITY_REPLY_MAX);
  call.url = url;
  call.content_type = "application/json";
  call.body = body ? body : "";
  call.body_len = body ? strlen(body) : 0;
  call.timeout_ms = t->env->pixit->answer_timeout_ms;
  if(body)
    ctk_ct_record(t, CTK_XCHG_OUT, peer, "", 0, 0, NULL, body, strlen(body));
  result = strcmp(method, "GET") ? ctk_http_post(t->env->http, &call, &hr)
                                 : ctk_http_get(t->env->http, &call, &hr);
  *status = result ? 0 : hr.status;
  ctk_ct_record(t, CTK_XCHG_IN, peer, "", hr.total_ms, (int)hr.status, NULL,
                ctk_buf_str(&hr.body), hr.body.len);
  if(!result)
    obj = json_tokener_parse(ctk_buf_str(&hr.body));
  ctk_buf_free(&hr.body);
  return obj;
}

static const char *city_str(struct json_object *obj, const char *key)
{
  struct json_object *v;
  if(!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

int ctk_ct_city_create(ctk_ct *t, const char *city, const char *kind, const char *target,
                       char *order_id, size_t idlen)
{
  struct json_object *req = json_object_new_object();
  struct json_object *ans, *list, *first;
  long status = 0;
  const char *id = NULL;

  json_object_object_add(req, "city", json_object_new_string(city));
  json_object_object_add(req, "kind", json_object_new_string(kind));
  if(target)
    json_object_object_add(req, "target", json_object_new_string(target));
  ans = city_call(t, "POST", "/control/orders",
                  json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), &status);
  json_object_put(req);
  if(ans && json_object_object_get_ex(ans, "orders", &list) &&
     json_object_is_type(list, json_type_array) && json_object_array_length(list) > 0) {
    first = json_object_array_get_idx(list, 0);
    id = city_str(first, "order_id");
  }
  if(status != 201 || !id) {
    ctk_ct_error(t, 0, "the city simulator did not create a %s order in %s (HTTP %ld)", kind,
                 city, status);
    json_object_put(ans);
    return 0;
  }
  ctk_strlcpy(order_id, id, idlen);
  json_object_put(ans);
  return 1;
}

int ctk_ct_city_act(ctk_ct *t, const char *city, const char *order_id, const char *action)
{
  struct json_object *req = json_object_new_object();
  struct json_object *ans = NULL;
  long status = 0;
  long long until = ctk_now_ms() + t->env->pixit->answer_timeout_ms;
  json_object_object_add(req, "city", json_object_new_string(city));
  json_object_object_add(req, "order", json_object_new_string(order_id));
  json_object_object_add(req, "action", json_object_new_string(action));
  /* The city answers 409 while its previous message about the order still waits for the
   * SUT's answer: that is the city's own pacing, so wait for it (bounded). */
  for(;;) {
    ans = city_call(t, "POST", "/control/act",
                    json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), &status);
    if(status != 409 || ctk_now_ms() >= until || ctk_proc_interrupted())
      break;
    json_object_put(ans);
    ans = NULL;
    ctk_sleep_ms(50);
  }
  json_object_put(req);
  if(status != 202) {
    ctk_ct_error(t, 0, "the city simulator refused to %s order %s in %s (HTTP %ld: %s)", action,
                 order_id, city, status, city_str(ans, "error") ? city_str(ans, "error") : "");
    json_object_put(ans);
    return 0;
  }
  json_object_put(ans);
  return 1;
}

int ctk_ct_city_state(ctk_ct *t, const char *city, const char *order_id, char *state,
                      size_t statelen)
{
  char path[128];
  struct json_object *ans;
  long status = 0;
  const char *st;
  snprintf(path, sizeof(path), "/control/orders/%s?city=%s", order_id, city);
  ans = city_call(t, "GET", path, NULL, &status);
  st = status == 200 ? city_str(ans, "state") : NULL;
  ctk_strlcpy(state, st ? st : "", statelen);
  json_object_put(ans);
  return st != NULL;
}
