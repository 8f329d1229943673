/* ctk_buf: bounded growable buffer. */
#include "ctk_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ctk_buf_init(ctk_buf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max ? max : CTK_BUF_MAX_DEFAULT;
}

void ctk_buf_free(ctk_buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void ctk_buf_reset(ctk_buf *b)
{
  b->len = 0;
  if(b->data)
    b->data[0] = '\0';
}

static ctk_code buf_reserve(ctk_buf *b, size_t extra)
{
  size_t need;
  size_t cap;
  char *p;

  if(extra > b->max || b->len > b->max - extra)
    return CTK_E_TOOBIG;
  need = b->len + extra + 1;
  if(need <= b->cap)
    return CTK_E_OK;
  cap = b->cap ? b->cap : 256;
  while(cap < need)
    cap *= 2;
  if(cap > b->max + 1)
    cap = b->max + 1;
  p = realloc(b->data, cap);
  if(!p)
    return CTK_E_NOMEM;
  b->data = p;
  b->cap = cap;
  return CTK_E_OK;
}

ctk_code ctk_buf_add(ctk_buf *b, const void *data, size_t len)
{
  ctk_code result = buf_reserve(b, len);
  if(result)
    return result;
  if(len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return CTK_E_OK;
}

ctk_code ctk_buf_adds(ctk_buf *b, const char *s)
{
  return ctk_buf_add(b, s, strlen(s));
}

ctk_code ctk_buf_addc(ctk_buf *b, char c)
{
  return ctk_buf_add(b, &c, 1);
}

ctk_code ctk_buf_add_stream(ctk_buf *b, FILE *f)
{
  char chunk[16384];
  size_t n;
  ctk_code result = CTK_E_OK;

  n = fread(chunk, 1, sizeof(chunk), f);
  while(n > 0) {
    result = ctk_buf_add(b, chunk, n);
    if(result)
      return result;
    n = fread(chunk, 1, sizeof(chunk), f);
  }
  if(ferror(f))
    return CTK_E_IO; /* e.g. a directory opened as a file */
  return CTK_E_OK;
}

ctk_code ctk_buf_vprintf(ctk_buf *b, const char *fmt, va_list ap)
{
  va_list again;
  int n;
  ctk_code result;

  va_copy(again, ap);
  n = vsnprintf(NULL, 0, fmt, again);
  va_end(again);
  if(n < 0)
    return CTK_E_INVAL;
  result = buf_reserve(b, (size_t)n);
  if(result)
    return result;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return CTK_E_OK;
}

ctk_code ctk_buf_printf(ctk_buf *b, const char *fmt, ...)
{
  va_list ap;
  ctk_code result;

  va_start(ap, fmt);
  result = ctk_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return result;
}

ctk_code ctk_buf_add_xml_escaped(ctk_buf *b, const char *s, size_t len)
{
  size_t i;
  size_t start = 0;
  ctk_code result = CTK_E_OK;

  for(i = 0; i < len && !result; i++) {
    const char *rep = NULL;
    switch(s[i]) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    case '\'': rep = "&#39;"; break;
    default: break;
    }
    if(rep) {
      result = ctk_buf_add(b, s + start, i - start);
      if(!result)
        result = ctk_buf_adds(b, rep);
      start = i + 1;
    }
  }
  if(!result)
    result = ctk_buf_add(b, s + start, len - start);
  return result;
}

ctk_code ctk_buf_add_json_escaped(ctk_buf *b, const char *s, size_t len)
{
  size_t i;
  ctk_code result = CTK_E_OK;

  for(i = 0; i < len && !result; i++) {
    unsigned char c = (unsigned char)s[i];
    switch(c) {
    case '"': result = ctk_buf_adds(b, "\\\""); break;
    case '\\': result = ctk_buf_adds(b, "\\\\"); break;
    case '\n': result = ctk_buf_adds(b, "\\n"); break;
    case '\r': result = ctk_buf_adds(b, "\\r"); break;
    case '\t': result = ctk_buf_adds(b, "\\t"); break;
    default:
      if(c < 0x20)
        result = ctk_buf_printf(b, "\\u%04x", c);
      else
        result = ctk_buf_addc(b, (char)c);
    }
  }
  return result;
}

const char *ctk_buf_str(const ctk_buf *b)
{
  return b->data ? b->data : "";
}

char *ctk_buf_detach(ctk_buf *b, size_t *len)
{
  char *p = b->data;
  if(!p)
    p = calloc(1, 1);
  if(len)
    *len = b->len;
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  return p;
}

ctk_code ctk_strlcpy(char *dst, const char *src, size_t dstsize)
{
  size_t n;
  if(!dstsize)
    return CTK_E_TOOBIG;
  n = strlen(src);
  if(n >= dstsize) {
    memcpy(dst, src, dstsize - 1);
    dst[dstsize - 1] = '\0';
    return CTK_E_TOOBIG;
  }
  memcpy(dst, src, n + 1);
  return CTK_E_OK;
}

void ctk_hex(const unsigned char *bytes, size_t n, char *out)
{
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for(i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * n] = '\0';
}
