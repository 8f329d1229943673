/* ctk_kvfile: "key = value" files with [sections], for PICS and PIXIT. */
#include "ctk_kvfile.h"
#include "ctk_file.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctk_buf.h"

#define CTK_KVFILE_FILE_MAX ((size_t)256 * 1024)

static char *kv_trim(char *s)
{
  char *end;
  while(*s && isspace((unsigned char)*s))
    s++;
  end = s + strlen(s);
  while(end > s && isspace((unsigned char)end[-1]))
    end--;
  *end = '\0';
  return s;
}

static int kv_name_ok(const char *s)
{
  if(!*s)
    return 0;
  for(; *s; s++) {
    if(!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
      return 0;
  }
  return 1;
}

static void kv_lower(char *s)
{
  for(; *s; s++)
    *s = (char)tolower((unsigned char)*s);
}

static ctk_code kv_fail(char *err, size_t errlen, const char *name, int line, const char *why)
{
  snprintf(err, errlen, "%s:%d: %s", name, line, why);
  return CTK_E_PARSE;
}

/* One line: a comment, a [section] (kept in section) or an entry handed to fn. */
static ctk_code kv_line(const char *name, int lineno, char *line, char *section, size_t seclen,
                        ctk_kvfile_fn fn, void *ctx, char *err, size_t errlen)
{
  char *s = kv_trim(line);
  char *eq;
  char *key;
  char *value;
  char *hash;
  char full[CTK_KVFILE_KEY_MAX];
  char why[256];
  ctk_code result;
  int n;

  if(!*s || *s == '#' || *s == ';')
    return CTK_E_OK;
  if(*s == '[') {
    char *close = strchr(s, ']');
    char *rest;
    if(!close)
      return kv_fail(err, errlen, name, lineno, "section header without ']'");
    rest = kv_trim(close + 1);
    if(*rest && *rest != '#')
      return kv_fail(err, errlen, name, lineno, "text after section header");
    *close = '\0';
    s = kv_trim(s + 1);
    if(!kv_name_ok(s) || strlen(s) >= seclen)
      return kv_fail(err, errlen, name, lineno, "bad section name");
    ctk_strlcpy(section, s, seclen);
    kv_lower(section);
    return CTK_E_OK;
  }
  eq = strchr(s, '=');
  if(!eq)
    return kv_fail(err, errlen, name, lineno, "expected 'key = value'");
  *eq = '\0';
  key = kv_trim(s);
  value = eq + 1;
  /* A '#' after white space starts a comment ("soap = yes   # SOAP 1.1"). */
  for(hash = value; *hash; hash++) {
    if(*hash == '#' && hash > value && isspace((unsigned char)hash[-1])) {
      *hash = '\0';
      break;
    }
  }
  value = kv_trim(value);
  if(!kv_name_ok(key))
    return kv_fail(err, errlen, name, lineno, "bad key (letters, digits, . _ - only)");
  if(*section)
    n = snprintf(full, sizeof(full), "%s.%s", section, key);
  else
    n = snprintf(full, sizeof(full), "%s", key);
  if(n < 0 || (size_t)n >= sizeof(full))
    return kv_fail(err, errlen, name, lineno, "key too long");
  kv_lower(full);
  why[0] = '\0';
  result = fn(ctx, full, value, lineno, why, sizeof(why));
  if(result) {
    snprintf(err, errlen, "%s:%d: %s", name, lineno, why[0] ? why : ctk_strerror(result));
    return result;
  }
  return CTK_E_OK;
}

static ctk_code kv_parse(const char *name, const char *text, ctk_kvfile_fn fn, void *ctx,
                         char *err, size_t errlen)
{
  char section[CTK_KVFILE_KEY_MAX] = "";
  char line[1024];
  const char *p = text;
  int lineno = 0;
  ctk_code result;

  while(*p) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    lineno++;
    if(len >= sizeof(line))
      return kv_fail(err, errlen, name, lineno, "line too long");
    memcpy(line, p, len);
    line[len] = '\0';
    result = kv_line(name, lineno, line, section, sizeof(section), fn, ctx, err, errlen);
    if(result)
      return result;
    p += len;
    if(*p == '\n')
      p++;
  }
  return CTK_E_OK;
}

static ctk_code kv_read(const char *path, ctk_kvfile_fn fn, void *ctx, char *err, size_t errlen)
{
  ctk_buf b;
  ctk_code result;

  ctk_buf_init(&b, CTK_KVFILE_FILE_MAX);
  result = ctk_file_read(path, CTK_KVFILE_FILE_MAX, &b);
  if(result == CTK_E_TOOBIG)
    snprintf(err, errlen, "%s:0: file larger than %zu bytes", path, (size_t)CTK_KVFILE_FILE_MAX);
  else if(result)
    snprintf(err, errlen, "%s:0: cannot read (%s)", path, ctk_strerror(result));
  else if(memchr(ctk_buf_str(&b), '\0', b.len)) {
    snprintf(err, errlen, "%s:0: file contains NUL bytes", path);
    result = CTK_E_PARSE;
  }
  if(!result)
    result = kv_parse(path, ctk_buf_str(&b), fn, ctx, err, errlen);
  ctk_buf_free(&b);
  return result;
}

/* The table form: a key said twice is an error (a statement that says two things is not a
 * statement). */
static ctk_code kv_store(void *ctx, const char *key, const char *value, int line, char *why,
                         size_t whylen)
{
  ctk_kvfile *kv = ctx;
  ctk_kvfile_entry *e;

  if(strlen(value) >= CTK_KVFILE_VALUE_MAX) {
    snprintf(why, whylen, "value too long");
    return CTK_E_PARSE;
  }
  if(ctk_kvfile_find(kv, key)) {
    snprintf(why, whylen, "'%s' given twice", key);
    return CTK_E_PARSE;
  }
  if(kv->count >= CTK_KVFILE_ENTRIES_MAX) {
    snprintf(why, whylen, "too many entries");
    return CTK_E_PARSE;
  }
  e = &kv->entries[kv->count++];
  ctk_strlcpy(e->key, key, sizeof(e->key));
  ctk_strlcpy(e->value, value, sizeof(e->value));
  e->line = line;
  return CTK_E_OK;
}

ctk_code ctk_kvfile_parse(const char *name, const char *text, ctk_kvfile *kv, char *err, size_t errlen)
{
  kv->count = 0;
  ctk_strlcpy(kv->path, name, sizeof(kv->path));
  return kv_parse(name, text, kv_store, kv, err, errlen);
}

ctk_code ctk_kvfile_load(const char *path, ctk_kvfile *kv, char *err, size_t errlen)
{
  kv->count = 0;
  ctk_strlcpy(kv->path, path, sizeof(kv->path));
  return kv_read(path, kv_store, kv, err, errlen);
}

ctk_code ctk_kvfile_each(const char *path, ctk_kvfile_fn fn, void *ctx, char *err, size_t errlen)
{
  return kv_read(path, fn, ctx, err, errlen);
}

const ctk_kvfile_entry *ctk_kvfile_find(const ctk_kvfile *kv, const char *key)
{
  size_t i;
  for(i = 0; i < kv->count; i++) {
    if(!strcasecmp(kv->entries[i].key, key))
      return &kv->entries[i];
  }
  return NULL;
}

const char *ctk_kvfile_get(const ctk_kvfile *kv, const char *key)
{
  const ctk_kvfile_entry *e = ctk_kvfile_find(kv, key);
  return e ? e->value : NULL;
}

int ctk_kvfile_bool_value(const char *value)
{
  static const char *const yes[] = { "yes", "true", "on", "1", "y" };
  static const char *const no[] = { "no", "false", "off", "0", "n" };
  size_t i;
  if(!value)
    return -1;
  for(i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
    if(!strcasecmp(value, yes[i]))
      return 1;
    if(!strcasecmp(value, no[i]))
      return 0;
  }
  return -1;
}
