/* ctk_misbehave: misbehaviour rules of the city simulator (see ctk_misbehave.h). */
#include "ctk_misbehave.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "ctk_buf.h"

static const char *const action_names[CTK_MB__COUNT] = {
  "delay", "drop", "invalid-field", "duplicate", "reorder", "error-answer", "silent",
  "drop-order", "double-order", "wrong-call"
};

const char *ctk_mb_action_name(ctk_mb_action action)
{
  return (action >= 0 && action < CTK_MB__COUNT) ? action_names[action] : "unknown";
}

int ctk_mb_action_parse(const char *s)
{
  int i;
  if(!s)
    return -1;
  for(i = 0; i < CTK_MB__COUNT; i++) {
    if(!strcmp(s, action_names[i]))
      return i;
  }
  return -1;
}

unsigned ctk_mb_action_places(ctk_mb_action action)
{
  switch(action) {
  case CTK_MB_DELAY:
    return CTK_MB_ON_SEND | CTK_MB_ON_ANSWER;
  case CTK_MB_DROP:
  case CTK_MB_INVALID_FIELD:
  case CTK_MB_DUPLICATE:
  case CTK_MB_REORDER:
    return CTK_MB_ON_SEND;
  case CTK_MB_ERROR_ANSWER:
  case CTK_MB_SILENT:
    return CTK_MB_ON_ANSWER;
  case CTK_MB_DROP_ORDER:
  case CTK_MB_DOUBLE_ORDER:
  case CTK_MB_WRONG_CALL:
    return CTK_MB_ON_CTI;
  default:
    return 0;
  }
}

/* A member that must be a string of at most max-1 bytes; absent is fine (returns 0). */
static int get_string(struct json_object *obj, const char *key, char *dst, size_t max,
                      char *err, size_t errlen)
{
  struct json_object *v;
  if(!json_object_object_get_ex(obj, key, &v))
    return 0;
  if(!json_object_is_type(v, json_type_string)) {
    snprintf(err, errlen, "\"%s\" must be a string", key);
    return -1;
  }
  if(ctk_strlcpy(dst, json_object_get_string(v), max)) {
    snprintf(err, errlen, "\"%s\" is longer than %zu characters", key, max - 1);
    return -1;
  }
  return 0;
}

/* A member that must be a whole number in [lo, hi]; absent leaves *out alone (returns 0). */
static int get_long(struct json_object *obj, const char *key, long lo, long hi, long *out,
                    int *present, char *err, size_t errlen)
{
  struct json_object *v;
  long long n;
  *present = 0;
  if(!json_object_object_get_ex(obj, key, &v))
    return 0;
  if(!json_object_is_type(v, json_type_int)) {
    snprintf(err, errlen, "\"%s\" must be a whole number", key);
    return -1;
  }
  n = json_object_get_int64(v);
  if(n < lo || n > hi) {
    snprintf(err, errlen, "\"%s\" must be in %ld..%ld", key, lo, hi);
    return -1;
  }
  *out = (long)n;
  *present = 1;
  return 0;
}

/* The element a rule names, by element role ("channel") or by the profile's own name. */
static void resolve_field(const ctk_profile *p, char *field, size_t size)
{
  int r;
  for(r = 0; r < CTK_EL__COUNT; r++) {
    if(!strcmp(field, ctk_element_role_name((ctk_element_role)r)) &&
       ctk_el(p, (ctk_element_role)r)[0]) {
      ctk_strlcpy(field, ctk_el(p, (ctk_element_role)r), size);
      return;
    }
  }
}

/* The profile's wire result code for a code or a symbolic name; 0 when it has neither. */
static int resolve_result(const ctk_profile *p, char *code, size_t size)
{
  const ctk_result_code *rc = ctk_profile_result_by_code(p, code);
  if(!rc)
    rc = ctk_profile_result(p, code);
  if(!rc)
    return 0;
  ctk_strlcpy(code, rc->code, size);
  return 1;
}

/* The profile's interface code for a code or an interface role; 0 when it has neither. */
static int resolve_interface(const ctk_profile *p, char *code, size_t size)
{
  int r;
  if(ctk_profile_interface(p, code))
    return 1;
  for(r = 0; r < CTK_IF__COUNT; r++) {
    if(!strcmp(code, ctk_interface_role_name((ctk_interface_role)r)) &&
       ctk_profile_iface(p, (ctk_interface_role)r)) {
      ctk_strlcpy(code, ctk_profile_iface_code(p, (ctk_interface_role)r), size);
      return 1;
    }
  }
  return 0;
}

static int all_digits(const char *s, size_t n)
{
  size_t i;
  if(strlen(s) != n)
    return 0;
  for(i = 0; i < n; i++) {
    if(s[i] < '0' || s[i] > '9')
      return 0;
  }
  return 1;
}

static ctk_code parse_object(const ctk_profile *p, struct json_object *obj, long long now_ms,
                             ctk_mb_rule *r, char *err, size_t errlen)
{
  char action[32] = "";
  char on[16] = "";
  long count = 0, seconds = 0;
  int has_count, has_seconds, has_delay, a;

  if(!json_object_is_type(obj, json_type_object)) {
    snprintf(err, errlen, "the body must be a JSON object");
    return CTK_E_INVAL;
  }
  if(get_string(obj, "city", r->city, sizeof(r->city), err, errlen) ||
     get_string(obj, "action", action, sizeof(action), err, errlen) ||
     get_string(obj, "field", r->field, sizeof(r->field), err, errlen) ||
     get_string(obj, "result_code", r->result_code, sizeof(r->result_code), err, errlen) ||
     get_string(obj, "interface", r->interface_code, sizeof(r->interface_code), err, errlen) ||
     get_string(obj, "on", on, sizeof(on), err, errlen))
    return CTK_E_INVAL;
  if(get_long(obj, "count", 1, 1000000, &count, &has_count, err, errlen) ||
     get_long(obj, "seconds", 1, 86400, &seconds, &has_seconds, err, errlen) ||
     get_long(obj, "delay_ms", 0, CTK_MB_DELAY_MAX_MS, &r->delay_ms, &has_delay, err, errlen))
    return CTK_E_INVAL;

  if(!r->city[0])
    ctk_strlcpy(r->city, "*", sizeof(r->city));
  if(strcmp(r->city, "*") && !all_digits(r->city, 6)) {
    snprintf(err, errlen, "\"city\" must be a six-digit region code or \"*\"");
    return CTK_E_INVAL;
  }
  a = ctk_mb_action_parse(action);
  if(a < 0) {
    snprintf(err, errlen, "\"action\" must be one of delay, drop, invalid-field, duplicate, "
             "reorder, error-answer, silent, drop-order, double-order, wrong-call");
    return CTK_E_INVAL;
  }
  r->action = (ctk_mb_action)a;
  r->on = ctk_mb_action_places(r->action);
  if(on[0]) {
    unsigned want = !strcmp(on, "send") ? CTK_MB_ON_SEND :
                    !strcmp(on, "answer") ? CTK_MB_ON_ANSWER :
                    !strcmp(on, "cti") ? CTK_MB_ON_CTI : 0;
    if(!want || !(want & r->on)) {
      snprintf(err, errlen, "\"on\": %s applies to %s", action,
               r->on == CTK_MB_ON_SEND ? "\"send\" only" :
               r->on == CTK_MB_ON_ANSWER ? "\"answer\" only" :
               r->on == CTK_MB_ON_CTI ? "\"cti\" only" : "\"send\" or \"answer\"");
      return CTK_E_INVAL;
    }
    r->on = want;
  }
  else if(r->on == (CTK_MB_ON_SEND | CTK_MB_ON_ANSWER)) {
    r->on = CTK_MB_ON_SEND;    /* delay without "on": the city's own requests */
  }
  if(has_count == has_seconds) {
    snprintf(err, errlen, "give exactly one of \"count\" (messages) or \"seconds\" (window)");
    return CTK_E_INVAL;
  }
  r->remaining = has_count ? count : -1;
  r->until_ms = has_seconds ? now_ms + (long long)seconds * 1000 : 0;
  if(r->action == CTK_MB_INVALID_FIELD && !r->field[0]) {
    snprintf(err, errlen, "invalid-field needs \"field\" (an element name of the profile, or "
             "an element role such as \"channel\")");
    return CTK_E_INVAL;
  }
  resolve_field(p, r->field, sizeof(r->field));
  if(r->action == CTK_MB_ERROR_ANSWER) {
    /* by default the province is told to try again later */
    if(!r->result_code[0])
      ctk_strlcpy(r->result_code, "BUSY", sizeof(r->result_code));
    if(!resolve_result(p, r->result_code, sizeof(r->result_code))) {
      snprintf(err, errlen, "\"result_code\" must be a result code of the profile or its "
               "name (codes/result-codes.csv)");
      return CTK_E_INVAL;
    }
  }
  if(r->interface_code[0] && !resolve_interface(p, r->interface_code,
                                                sizeof(r->interface_code))) {
    snprintf(err, errlen, "\"interface\" must be an interface code of the profile or an "
             "interface role (\"report\", \"sign\"...)");
    return CTK_E_INVAL;
  }
  if(r->action == CTK_MB_DELAY && !has_delay) {
    snprintf(err, errlen, "delay needs \"delay_ms\"");
    return CTK_E_INVAL;
  }
  if(r->action == CTK_MB_SILENT) {
    if(!has_delay)
      r->delay_ms = 15000;    /* longer than the usual client timeout of 10 s */
    if(r->delay_ms > CTK_MB_SILENT_MAX_MS) {
      snprintf(err, errlen, "silent holds a request at most %ld ms", CTK_MB_SILENT_MAX_MS);
      return CTK_E_INVAL;
    }
  }
  return CTK_E_OK;
}

ctk_code ctk_mb_rule_parse(const ctk_profile *p, const char *json, size_t len, long long now_ms,
                           ctk_mb_rule *out, char *err, size_t errlen)
{
  struct json_tokener *tok;
  struct json_object *obj;
  enum json_tokener_error jerr;
  ctk_code result;

  memset(out, 0, sizeof(*out));
  if(len > 64 * 1024) {
    snprintf(err, errlen, "rule is larger than 64 KiB");
    return CTK_E_TOOBIG;
  }
  tok = json_tokener_new();
  if(!tok)
    return CTK_E_NOMEM;
  obj = json_tokener_parse_ex(tok, json, (int)len);
  jerr = json_tokener_get_error(tok);
  if(!obj || jerr != json_tokener_success ||
     json_tokener_get_parse_end(tok) < len) {
    snprintf(err, errlen, "not JSON: %s at offset %zu",
             jerr == json_tokener_success ? "trailing data" :
             jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr),
             json_tokener_get_parse_end(tok));
    json_object_put(obj);
    json_tokener_free(tok);
    return CTK_E_PARSE;
  }
  json_tokener_free(tok);
  result = parse_object(p, obj, now_ms, out, err, errlen);
  json_object_put(obj);
  return result;
}

void ctk_mb_init(ctk_mb_set *set)
{
  memset(set, 0, sizeof(*set));
  set->next_id = 1;
}

ctk_code ctk_mb_add(ctk_mb_set *set, ctk_mb_rule *rule)
{
  if(set->count >= CTK_MB_RULES_MAX)
    return CTK_E_TOOBIG;
  rule->id = set->next_id++;
  set->rules[set->count++] = *rule;
  return CTK_E_OK;
}

void ctk_mb_clear(ctk_mb_set *set)
{
  set->count = 0;
}

static void remove_at(ctk_mb_set *set, size_t i)
{
  memmove(&set->rules[i], &set->rules[i + 1], (set->count - i - 1) * sizeof(set->rules[0]));
  set->count--;
}

int ctk_mb_take(ctk_mb_set *set, const char *city, unsigned place, const char *interface_code,
                long long now_ms, ctk_mb_has_field has_field, void *ctx, ctk_mb_rule *out)
{
  size_t i = 0;
  while(i < set->count) {
    ctk_mb_rule *r = &set->rules[i];
    if(r->until_ms && now_ms >= r->until_ms) {
      remove_at(set, i);
      continue;
    }
    if(!(r->on & place) || (strcmp(r->city, "*") && strcmp(r->city, city)) ||
       (r->interface_code[0] && strcmp(r->interface_code, interface_code)) ||
       (r->action == CTK_MB_INVALID_FIELD && has_field && !has_field(ctx, r->field))) {
      i++;
      continue;
    }
    r->applied++;
    if(r->remaining > 0)
      r->remaining--;
    *out = *r;
    if(r->remaining == 0)
      remove_at(set, i);
    return 1;
  }
  return 0;
}
