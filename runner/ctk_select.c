/* ctk_select: the --select language over test id, part, requirement, tag, area and class. */
#include "ctk_select.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctk_buf.h"

#define SELECT_ATOM_MAX 128

int ctk_list_has_glob(const char *list, const char *pattern)
{
  const char *p = list;
  if(!list)
    return 0;
  while(*p) {
    char word[SELECT_ATOM_MAX];
    size_t n = 0;
    while(*p == ',' || isspace((unsigned char)*p))
      p++;
    while(*p && *p != ',' && n + 1 < sizeof(word))
      word[n++] = *p++;
    while(n && isspace((unsigned char)word[n - 1]))
      n--;
    word[n] = '\0';
    if(n && !fnmatch(pattern, word, FNM_CASEFOLD))
      return 1;
  }
  return 0;
}

/* One atom: 1 / 0, or -1 when it is not understood. */
static int select_atom(const char *atom, const ctk_select_item *item, char *why, size_t whylen)
{
  const char *colon = strchr(atom, ':');
  char key[16];
  const char *val;
  size_t klen;

  if(*atom == '!') {
    int v = select_atom(atom + 1, item, why, whylen);
    return v < 0 ? v : !v;
  }
  if(!*atom) {
    snprintf(why, whylen, "empty selection term");
    return -1;
  }
  if(!colon) {
    if(!item)
      return 1;
    return !fnmatch(atom, item->id, FNM_CASEFOLD);
  }
  klen = (size_t)(colon - atom);
  val = colon + 1;
  if(klen >= sizeof(key) || !*val) {
    snprintf(why, whylen, "bad selection atom '%s'", atom);
    return -1;
  }
  memcpy(key, atom, klen);
  key[klen] = '\0';
  if(!strcasecmp(key, "id"))
    return item ? !fnmatch(val, item->id, FNM_CASEFOLD) : 1;
  if(!strcasecmp(key, "part")) {
    char want[32];
    if(strlen(val) == 1 && val[0] >= '1' && val[0] <= '9')
      snprintf(want, sizeof(want), "jtt1019-%s", val);
    else
      snprintf(want, sizeof(want), "%s", val);
    return item ? !fnmatch(want, item->part, FNM_CASEFOLD) : 1;
  }
  if(!strcasecmp(key, "req"))
    return item ? ctk_list_has_glob(item->requirements, val) : 1;
  if(!strcasecmp(key, "tag"))
    return item ? ctk_list_has_glob(item->tags, val) : 1;
  if(!strcasecmp(key, "area"))
    return item ? !fnmatch(val, item->area, FNM_CASEFOLD) : 1;
  if(!strcasecmp(key, "class")) {
    if(strcasecmp(val, "mandatory") && strcasecmp(val, "optional")) {
      snprintf(why, whylen, "class must be mandatory or optional, not '%s'", val);
      return -1;
    }
    return item ? !strcasecmp(val, item->conf_class) : 1;
  }
  snprintf(why, whylen, "unknown selection key '%s' (id, part, req, tag, area, class)", key);
  return -1;
}

static int select_run(const char *expr, const ctk_select_item *item, char *why, size_t whylen)
{
  const char *p = expr;
  int any = 0;
  if(!expr || !*expr)
    return 1;
  while(*p) {
    int term = 1;
    /* one term: atoms separated by '+', ended by ',' */
    for(;;) {
      char atom[SELECT_ATOM_MAX];
      size_t n = 0;
      int v;
      while(isspace((unsigned char)*p))
        p++;
      while(*p && *p != ',' && *p != '+' && !isspace((unsigned char)*p)) {
        if(n + 1 >= sizeof(atom)) {
          snprintf(why, whylen, "selection atom too long");
          return -1;
        }
        atom[n++] = *p++;
      }
      atom[n] = '\0';
      while(isspace((unsigned char)*p))
        p++;
      v = select_atom(atom, item, why, whylen);
      if(v < 0)
        return -1;
      term = term && v;
      if(*p == '+') {
        p++;
        continue;
      }
      if(*p && *p != ',') {
        snprintf(why, whylen, "expected ',' or '+' after '%s'", atom);
        return -1;
      }
      break;
    }
    any = any || term;
    if(*p == ',')
      p++;
  }
  return any;
}

int ctk_select_match(const char *expr, const ctk_select_item *item, char *why, size_t whylen)
{
  char dummy[8];
  if(!why) {
    why = dummy;
    whylen = sizeof(dummy);
  }
  return select_run(expr, item, why, whylen);
}

int ctk_select_check(const char *expr, char *why, size_t whylen)
{
  return select_run(expr, NULL, why, whylen) < 0 ? -1 : 0;
}
