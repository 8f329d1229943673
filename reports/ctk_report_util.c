/* ctk_report_util: helpers shared by the report writers (text cleaning, files, requirements). */
#include <errno.h>
#include <stdarg.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_report.h"
#include "ctk_file.h"

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. Rejects overlong forms,
 * surrogates and code points above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
  unsigned c = s[0];
  size_t n, i;
  unsigned cp;

  if(c < 0x80)
    return 1;
  if(c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  }
  else if(c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  }
  else if(c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  }
  else
    return 0;
  if(avail < n)
    return 0;
  for(i = 1; i < n; i++) {
    if((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3Fu);
  }
  if((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
     (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

static int xml_forbidden_ctl(unsigned char c)
{
  return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

int ctk_report_is_clean_utf8(const char *data, size_t len)
{
  const unsigned char *s = (const unsigned char *)data;
  size_t i = 0;
  while(i < len) {
    size_t n;
    if(xml_forbidden_ctl(s[i]))
      return 0;
    n = utf8_seq_len(s + i, len - i);
    if(!n)
      return 0;
    i += n;
  }
  return 1;
}

/* Copy UTF-8 text, writing forbidden control characters as \xNN. */
static ctk_code add_utf8_clean(ctk_buf *out, const char *data, size_t len)
{
  size_t i, start = 0;
  ctk_code rc;
  for(i = 0; i < len; i++) {
    unsigned char c = (unsigned char)data[i];
    if(xml_forbidden_ctl(c)) {
      rc = ctk_buf_add(out, data + start, i - start);
      if(rc)
        return rc;
      rc = ctk_buf_printf(out, "\\x%02X", c);
      if(rc)
        return rc;
      start = i + 1;
    }
  }
  return ctk_buf_add(out, data + start, len - start);
}

static ctk_code add_hex_escaped(ctk_buf *out, const char *data, size_t len)
{
  size_t i;
  ctk_code rc = CTK_E_OK;
  for(i = 0; i < len && !rc; i++) {
    unsigned char c = (unsigned char)data[i];
    if((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r')
      rc = ctk_buf_addc(out, (char)c);
    else
      rc = ctk_buf_printf(out, "\\x%02X", c);
  }
  return rc;
}

/* GBK -> UTF-8 with iconv; CTK_E_ENCODING if the bytes are not GBK. */
static ctk_code gbk_to_utf8(const char *data, size_t len, ctk_buf *out)
{
  iconv_t cd = iconv_open("UTF-8", "GBK");
  char chunk[4096];
  char *in = (char *)data;
  size_t inleft = len;
  ctk_code rc = CTK_E_OK;

  if(cd == (iconv_t)-1)
    return CTK_E_UNSUPPORTED;
  while(inleft > 0 && !rc) {
    char *o = chunk;
    size_t oleft = sizeof(chunk);
    size_t r = iconv(cd, &in, &inleft, &o, &oleft);
    if(o > chunk)
      rc = ctk_buf_add(out, chunk, (size_t)(o - chunk));
    if(r == (size_t)-1 && errno != E2BIG)
      rc = CTK_E_ENCODING;
  }
  iconv_close(cd);
  return rc;
}

ctk_code ctk_report_text(ctk_buf *out, const char *data, size_t len, const char **converted)
{
  const unsigned char *s = (const unsigned char *)data;
  size_t i = 0;
  int utf8 = 1;
  ctk_buf tmp;
  ctk_code rc;

  if(converted)
    *converted = "";
  if(!data || !len)
    return CTK_E_OK;
  while(i < len) {
    size_t n = utf8_seq_len(s + i, len - i);
    if(!n) {
      utf8 = 0;
      break;
    }
    i += n;
  }
  if(utf8)
    return add_utf8_clean(out, data, len);

  ctk_buf_init(&tmp, out->max);
  rc = gbk_to_utf8(data, len, &tmp);
  if(!rc) {
    rc = add_utf8_clean(out, tmp.data ? tmp.data : "", tmp.len);
    ctk_buf_free(&tmp);
    if(converted)
      *converted = "GBK";
    return rc;
  }
  ctk_buf_free(&tmp);
  if(converted)
    *converted = "hex";
  return add_hex_escaped(out, data, len);
}

void ctk_report_set_err(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;
  if(!err || !errlen)
    return;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}


/* Is word already in the ", "-separated list? */
static int list_has(const ctk_buf *list, const char *word)
{
  const char *p = ctk_buf_str(list);
  size_t wl = strlen(word);
  while(*p) {
    const char *comma = strchr(p, ',');
    size_t l = comma ? (size_t)(comma - p) : strlen(p);
    if(l == wl && !strncmp(p, word, l))
      return 1;
    if(!comma)
      break;
    p = comma + 1;
    while(*p == ' ')
      p++;
  }
  return 0;
}

static ctk_code list_add(ctk_buf *list, const char *word)
{
  ctk_code rc;
  if(list_has(list, word))
    return CTK_E_OK;
  if(list->len) {
    rc = ctk_buf_adds(list, ", ");
    if(rc)
      return rc;
  }
  return ctk_buf_adds(list, word);
}

ctk_code ctk_report_failing_requirements(const ctk_run *run, ctk_buf *out)
{
  size_t i, j;
  ctk_code rc = CTK_E_OK;
  for(i = 0; i < run->n_tests && !rc; i++) {
    const ctk_test_result *t = run->tests[i];
    if(t->verdict != CTK_VERDICT_FAIL)
      continue;
    if(!t->n_requirements)
      rc = list_add(out, t->id);
    for(j = 0; j < t->n_requirements && !rc; j++)
      rc = list_add(out, t->requirements[j]);
  }
  return rc;
}

void ctk_report_measure_text(const ctk_measure *m, int with_unit, char *out, size_t outlen)
{
  double v = m->value;
  int whole = v == (double)(long long)v && v > -1e15 && v < 1e15;
  const char *sep = with_unit && m->unit[0] ? " " : "";
  snprintf(out, outlen, whole ? "%.0f%s%s" : "%.1f%s%s", v, sep, with_unit ? m->unit : "");
}
