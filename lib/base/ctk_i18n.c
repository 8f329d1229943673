/* ctk_i18n: key = value catalogues read from the files built into the binary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_embed.h"
#include "ctk_i18n.h"

typedef struct i18n_entry {
  char key[CTK_I18N_KEY_MAX];
  char *text;
} i18n_entry;

struct ctk_i18n {
  char lang[16];
  i18n_entry *entries;
  size_t n;
};

static const char *const i18n_languages[] = { "zh-CN", "en" };

int ctk_i18n_lang_ok(const char *lang)
{
  size_t i;

  if(!lang)
    return 0;
  for(i = 0; i < sizeof(i18n_languages) / sizeof(i18n_languages[0]); i++)
    if(!strcmp(lang, i18n_languages[i]))
      return 1;
  return 0;
}

const char *ctk_i18n_langs(void)
{
  return "zh-CN, en";
}

static char *trim(char *s, char *end)
{
  while(s < end && (*s == ' ' || *s == '\t'))
    s++;
  while(end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;
  *end = '\0';
  return s;
}

ctk_code ctk_i18n_parse(const char *name, const char *text, size_t len, ctk_i18n **out,
                        char *err, size_t errlen)
{
  ctk_i18n *c;
  char *copy, *line, *next;
  size_t lineno = 0, i;

  *out = NULL;
  c = calloc(1, sizeof(*c));
  copy = malloc(len + 1);
  if(c)
    c->entries = calloc(CTK_I18N_ENTRIES_MAX, sizeof(i18n_entry));
  if(!c || !copy || !c->entries) {
    free(copy);
    ctk_i18n_free(c);
    return CTK_E_NOMEM;
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  for(line = copy; line; line = next) {
    char *eol = strchr(line, '\n'), *eq, *key, *value;
    next = eol ? eol + 1 : NULL;
    if(!eol)
      eol = line + strlen(line);
    lineno++;
    *eol = '\0';
    key = trim(line, eol);
    if(!*key || *key == '#')
      continue;
    eq = strchr(key, '=');
    if(!eq) {
      snprintf(err, errlen, "%s:%zu: expected key = text", name, lineno);
      goto broken;
    }
    value = trim(eq + 1, key + strlen(key));
    key = trim(key, eq);
    if(!*key || strlen(key) >= CTK_I18N_KEY_MAX || strspn(key, "abcdefghijklmnopqrstuvwxyz"
                                                              "0123456789_.-") != strlen(key)) {
      snprintf(err, errlen, "%s:%zu: a key is 1 to %d of a-z 0-9 _ . -", name, lineno,
               CTK_I18N_KEY_MAX - 1);
      goto broken;
    }
    for(i = 0; i < c->n; i++)
      if(!strcmp(c->entries[i].key, key)) {
        snprintf(err, errlen, "%s:%zu: key '%s' given twice", name, lineno, key);
        goto broken;
      }
    if(c->n == CTK_I18N_ENTRIES_MAX) {
      snprintf(err, errlen, "%s:%zu: more than %d keys", name, lineno, CTK_I18N_ENTRIES_MAX);
      goto broken;
    }
    ctk_strlcpy(c->entries[c->n].key, key, CTK_I18N_KEY_MAX);
    c->entries[c->n].text = strdup(value);
    if(!c->entries[c->n].text)
      goto nomem;
    c->n++;
  }
  free(copy);
  *out = c;
  return CTK_E_OK;
nomem:
  free(copy);
  ctk_i18n_free(c);
  return CTK_E_NOMEM;
broken:
  free(copy);
  ctk_i18n_free(c);
  return CTK_E_PARSE;
}

ctk_code ctk_i18n_load(const char *lang, ctk_i18n **out, char *err, size_t errlen)
{
  char path[64];
  const ctk_embedded_file *f;
  ctk_code result;

  *out = NULL;
  if(!ctk_i18n_lang_ok(lang)) {
    snprintf(err, errlen, "unknown language '%s' (built in: %s)", lang ? lang : "",
             ctk_i18n_langs());
    return CTK_E_NOTFOUND;
  }
  snprintf(path, sizeof(path), "i18n/%s.txt", lang);
  f = ctk_embed_find(path);
  if(!f) {
    snprintf(err, errlen, "%s is not built in", path);
    return CTK_E_NOTFOUND;
  }
  result = ctk_i18n_parse(path, (const char *)f->data, f->size, out, err, errlen);
  if(result)
    return result;
  ctk_strlcpy((*out)->lang, lang, sizeof((*out)->lang));
  return CTK_E_OK;
}

void ctk_i18n_free(ctk_i18n *c)
{
  size_t i;

  if(!c)
    return;
  for(i = 0; i < c->n; i++)
    free(c->entries[i].text);
  free(c->entries);
  free(c);
}

const char *ctk_i18n_lang(const ctk_i18n *c)
{
  return c->lang;
}

size_t ctk_i18n_count(const ctk_i18n *c)
{
  return c->n;
}

static const i18n_entry *find(const ctk_i18n *c, const char *key)
{
  size_t i;

  for(i = 0; c && key && i < c->n; i++)
    if(!strcmp(c->entries[i].key, key))
      return &c->entries[i];
  return NULL;
}

const char *ctk_i18n_get(const ctk_i18n *c, const char *key)
{
  const i18n_entry *e = find(c, key);
  return e ? e->text : key;
}

int ctk_i18n_has(const ctk_i18n *c, const char *key)
{
  return find(c, key) != NULL;
}

const char *ctk_i18n_key_at(const ctk_i18n *c, size_t i)
{
  return i < c->n ? c->entries[i].key : NULL;
}

ctk_code ctk_i18n_fill(const ctk_i18n *c, const char *key, const char *const *vars,
                       ctk_buf *out)
{
  const char *p = ctk_i18n_get(c, key);
  ctk_code result = CTK_E_OK;

  while(*p && !result) {
    const char *close = *p == '{' ? strchr(p, '}') : NULL;
    size_t k, n = close ? (size_t)(close - p - 1) : 0;
    int done = 0;
    for(k = 0; close && vars && vars[k] && vars[k + 1] && !done; k += 2)
      if(strlen(vars[k]) == n && !strncmp(p + 1, vars[k], n)) {
        result = ctk_buf_adds(out, vars[k + 1]);
        p = close + 1;
        done = 1;
      }
    if(!done)
      result = ctk_buf_addc(out, *p++);
  }
  return result;
}

ctk_code ctk_i18n_json(const ctk_i18n *c, ctk_buf *out)
{
  size_t i;
  ctk_code result = ctk_buf_addc(out, '{');

  for(i = 0; !result && i < c->n; i++) {
    result = ctk_buf_adds(out, i ? ",\"" : "\"");
    if(!result)
      result = ctk_buf_add_json_escaped(out, c->entries[i].key, strlen(c->entries[i].key));
    if(!result)
      result = ctk_buf_adds(out, "\":\"");
    if(!result)
      result = ctk_buf_add_json_escaped(out, c->entries[i].text, strlen(c->entries[i].text));
    if(!result)
      result = ctk_buf_addc(out, '"');
  }
  if(!result)
    result = ctk_buf_addc(out, '}');
  return result;
}
