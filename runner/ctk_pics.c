/* ctk_pics: PICS statements and the condition language over them. */
#include "ctk_pics.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctk_buf.h"
#include "ctk_profile.h"

/* The items a PICS may declare (docs/RUNNER.md); "interface." takes an interface role's name
 * or a profile's interface code. */
static const char *const pics_items[] = {
  "binding.xml", "binding.soap", "encoding.utf8", "encoding.gbk", "security.tls",
  "cti.webhook",                 /* a city takes queue-machine events (JSON webhook) */
  "cti.csta", "cti.ami", "cti.esl" /* a city docks to its queue machine by that CTI family */
};

size_t ctk_pics_form_items(char out[][CTK_KVFILE_KEY_MAX], size_t max)
{
  size_t i, n = 0;

  for(i = 0; i < sizeof(pics_items) / sizeof(pics_items[0]); i++, n++)
    if(n < max)
      ctk_strlcpy(out[n], pics_items[i], CTK_KVFILE_KEY_MAX);
  for(i = 0; i < CTK_IF__COUNT; i++) {
    if(ctk_interface_role_required((ctk_interface_role)i))
      continue;
    if(n < max)
      snprintf(out[n], CTK_KVFILE_KEY_MAX, "interface.%s",
               ctk_interface_role_name((ctk_interface_role)i));
    n++;
  }
  return n;
}

const char *ctk_pics_sut_role_choices(void)
{
  return "province|city";
}

static int pics_known_bool(const char *key)
{
  size_t i;
  if(!strncmp(key, "interface.", 10)) {
    const char *c = key + 10;
    if(!*c)
      return 0;
    for(; *c; c++) {
      if(!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
        return 0;
    }
    return 1;
  }
  for(i = 0; i < sizeof(pics_items) / sizeof(pics_items[0]); i++) {
    if(!strcmp(key, pics_items[i]))
      return 1;
  }
  return 0;
}

static ctk_code pics_check(ctk_pics *pics, char *err, size_t errlen)
{
  size_t i;
  for(i = 0; i < pics->kv.count; i++) {
    const ctk_kvfile_entry *e = &pics->kv.entries[i];
    if(!strncmp(e->key, "sut.", 4))
      continue;
    /* The profile's own item names (catalog.xml pics="PICS-STATS") are accepted as they are. */
    if(!strncmp(e->key, "pics-", 5) && ctk_kvfile_bool_value(e->value) >= 0)
      continue;
    if(!pics_known_bool(e->key)) {
      snprintf(err, errlen, "%s:%d: unknown PICS item '%s' (binding.xml|soap, encoding.utf8|gbk, "
               "interface.ROLE or CODE, security.tls, cti.webhook|csta|ami|esl, sut.*, or a "
               "profile item PICS-...)", pics->kv.path, e->line, e->key);
      return CTK_E_PARSE;
    }
    if(ctk_kvfile_bool_value(e->value) < 0) {
      snprintf(err, errlen, "%s:%d: '%s' must be yes or no, not '%s'", pics->kv.path, e->line,
               e->key, e->value);
      return CTK_E_PARSE;
    }
  }
  return CTK_E_OK;
}

ctk_code ctk_pics_load(const char *path, ctk_pics *pics, char *err, size_t errlen)
{
  ctk_code result = ctk_kvfile_load(path, &pics->kv, err, errlen);
  if(result)
    return result;
  return pics_check(pics, err, errlen);
}

ctk_code ctk_pics_parse(const char *name, const char *text, ctk_pics *pics, char *err,
                        size_t errlen)
{
  ctk_code result = ctk_kvfile_parse(name, text, &pics->kv, err, errlen);
  if(result)
    return result;
  return pics_check(pics, err, errlen);
}

void ctk_pics_use_profile(ctk_pics *pics, const ctk_profile *p)
{
  pics->profile = p;
}

/* Is key declared yes? Keys as the kv reader keeps them: in lower case. */
static int pics_declared(const ctk_pics *pics, const char *key)
{
  char lower[CTK_KVFILE_KEY_MAX];
  size_t i;
  for(i = 0; key[i] && i + 1 < sizeof(lower); i++)
    lower[i] = (char)tolower((unsigned char)key[i]);
  lower[i] = '\0';
  return ctk_kvfile_bool_value(ctk_kvfile_get(&pics->kv, lower)) == 1;
}

/* interface.<role>: declared by its role's name, by the profile's code, or by the catalog's
 * pics item of the interface. -1 when item is no interface role. */
static int pics_interface_role(const ctk_pics *pics, const char *item)
{
  const ctk_interface *in = NULL;
  char key[CTK_KVFILE_KEY_MAX];
  size_t r;

  if(strncmp(item, "interface.", 10))
    return -1;
  for(r = 0; r < CTK_IF__COUNT; r++) {
    if(!strcmp(item + 10, ctk_interface_role_name((ctk_interface_role)r)))
      break;
  }
  if(r == CTK_IF__COUNT)
    return -1;
  if(pics_declared(pics, item))
    return 1;
  if(pics->profile)
    in = ctk_profile_iface(pics->profile, (ctk_interface_role)r);
  if(!in)
    return 0;
  snprintf(key, sizeof(key), "interface.%s", in->code);
  if(pics_declared(pics, key))
    return 1;
  return in->pics[0] && pics_declared(pics, in->pics);
}

int ctk_pics_has(const ctk_pics *pics, const char *item)
{
  int role = pics_interface_role(pics, item);
  if(role >= 0)
    return role;
  return ctk_kvfile_bool_value(ctk_kvfile_get(&pics->kv, item)) == 1;
}

const char *ctk_pics_text(const ctk_pics *pics, const char *item, const char *def)
{
  const char *v = ctk_kvfile_get(&pics->kv, item);
  return v ? v : def;
}

/* ---- the condition language: a small recursive-descent evaluator ---- */

typedef struct pics_parser {
  const ctk_pics *pics;        /* NULL: syntax check only */
  const char *s;
  const char *start;
  char *why;
  size_t whylen;
  int error;
  int depth;
} pics_parser;

#define PICS_DEPTH_MAX 32

static void pp_skip(pics_parser *pp)
{
  while(*pp->s && isspace((unsigned char)*pp->s))
    pp->s++;
}

static void pp_error(pics_parser *pp, const char *what)
{
  if(!pp->error)
    snprintf(pp->why, pp->whylen, "%s at offset %d", what, (int)(pp->s - pp->start));
  pp->error = 1;
}

static int pp_is_item_char(char c)
{
  return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

static int pp_expr(pics_parser *pp);

static int pp_item(pics_parser *pp)
{
  char item[CTK_KVFILE_KEY_MAX];
  char value[CTK_KVFILE_VALUE_MAX];
  size_t n = 0;
  const char *declared;

  while(pp_is_item_char(*pp->s) && n + 1 < sizeof(item))
    item[n++] = *pp->s++;
  item[n] = '\0';
  if(!n) {
    pp_error(pp, "expected a PICS item");
    return 0;
  }
  pp_skip(pp);
  if(*pp->s == '=' && pp->s[1] != '=') {
    pp->s++;
    pp_skip(pp);
    n = 0;
    while(pp_is_item_char(*pp->s) && n + 1 < sizeof(value))
      value[n++] = *pp->s++;
    value[n] = '\0';
    if(!n) {
      pp_error(pp, "expected a value after '='");
      return 0;
    }
    if(!pp->pics)
      return 1;
    declared = ctk_kvfile_get(&pp->pics->kv, item);
    return declared && !strcasecmp(declared, value);
  }
  if(!pp->pics)
    return 1;
  return ctk_pics_has(pp->pics, item);
}

static int pp_unary(pics_parser *pp)
{
  int v;
  pp_skip(pp);
  if(++pp->depth > PICS_DEPTH_MAX) {
    pp_error(pp, "nested too deeply");
    return 0;
  }
  if(*pp->s == '!') {
    pp->s++;
    v = !pp_unary(pp);
  }
  else if(*pp->s == '(') {
    pp->s++;
    v = pp_expr(pp);
    pp_skip(pp);
    if(*pp->s != ')')
      pp_error(pp, "expected ')'");
    else
      pp->s++;
  }
  else
    v = pp_item(pp);
  pp->depth--;
  return v;
}

static int pp_and(pics_parser *pp)
{
  int v = pp_unary(pp);
  for(;;) {
    int rhs;
    pp_skip(pp);
    if(pp->s[0] != '&' || pp->s[1] != '&')
      return v;
    pp->s += 2;
    rhs = pp_unary(pp);
    v = v && rhs;
  }
}

static int pp_expr(pics_parser *pp)
{
  int v = pp_and(pp);
  for(;;) {
    int rhs;
    pp_skip(pp);
    if(pp->s[0] != '|' || pp->s[1] != '|')
      return v;
    pp->s += 2;
    rhs = pp_and(pp);
    v = v || rhs;
  }
}

static int pp_run(const ctk_pics *pics, const char *cond, char *why, size_t whylen)
{
  pics_parser pp;
  int v;
  char dummy[8];

  if(!cond)
    return 1;
  memset(&pp, 0, sizeof(pp));
  pp.pics = pics;
  pp.s = cond;
  pp.start = cond;
  pp.why = why ? why : dummy;
  pp.whylen = why ? whylen : sizeof(dummy);
  pp_skip(&pp);
  if(!*pp.s)
    return 1;
  v = pp_expr(&pp);
  pp_skip(&pp);
  if(!pp.error && *pp.s)
    pp_error(&pp, "unexpected text");
  return pp.error ? -1 : v;
}

int ctk_pics_eval(const ctk_pics *pics, const char *cond, char *why, size_t whylen)
{
  return pp_run(pics, cond, why, whylen);
}

int ctk_pics_check_syntax(const char *cond, char *why, size_t whylen)
{
  return pp_run(NULL, cond, why, whylen) < 0 ? -1 : 0;
}
