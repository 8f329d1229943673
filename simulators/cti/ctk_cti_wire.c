/* ctk_cti_wire: the CTI wire formats both ends share (see ctk_cti_wire.h). */
#include "cti/ctk_cti_wire.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t ctk_cti_block_end(const char *data, size_t len)
{
  size_t i;
  for(i = 0; i < len; i++) {
    if(data[i] != '\n')
      continue;
    if(i + 1 < len && data[i + 1] == '\n')
      return i + 2;
    if(i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
      return i + 3;
  }
  return 0;
}

size_t ctk_cti_next_block(const char *data, size_t len, size_t *skip)
{
  size_t at = 0;
  while(at < len && (data[at] == '\n' ||
                     (at + 1 < len && data[at] == '\r' && data[at + 1] == '\n')))
    at += data[at] == '\n' ? 1 : 2;
  *skip = at;
  return ctk_cti_block_end(data + at, len - at);
}

void ctk_cti_headers_parse(char *text, ctk_cti_headers *h)
{
  char *line = text;
  memset(h, 0, sizeof(*h));
  while(*line) {
    char *eol = strchr(line, '\n');
    char *colon;
    if(eol) {
      *eol = '\0';
      if(eol > line && eol[-1] == '\r')
        eol[-1] = '\0';
    }
    if(*line) {
      colon = strchr(line, ':');
      if(!colon || colon == line) {
        h->problem = "Malformed header line";
        return;
      }
      if(h->n == CTK_CTI_HEADERS_MAX) {
        h->problem = "Too many lines in message";
        return;
      }
      *colon = '\0';
      colon++;
      while(*colon == ' ' || *colon == '\t')
        colon++;
      h->key[h->n] = line;
      h->val[h->n] = colon;
      h->n++;
    }
    if(!eol)
      break;
    line = eol + 1;
  }
}

const char *ctk_cti_header(const ctk_cti_headers *h, const char *key)
{
  size_t i;
  for(i = 0; i < h->n; i++) {
    if(!strcasecmp(h->key[i], key))
      return h->val[i];
  }
  return NULL;
}

void ctk_cti_urlencode(ctk_buf *b, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  for(; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if(isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~')
      ctk_buf_addc(b, (char)ch);
    else {
      ctk_buf_addc(b, '%');
      ctk_buf_addc(b, hex[ch >> 4]);
      ctk_buf_addc(b, hex[ch & 15]);
    }
  }
}

static int hex_value(char c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void ctk_cti_urldecode(char *s)
{
  char *out = s;
  while(*s) {
    int hi = s[0] == '%' ? hex_value(s[1]) : -1;
    int lo = hi >= 0 ? hex_value(s[2]) : -1;
    if(lo >= 0) {
      *out++ = (char)(hi * 16 + lo);
      s += 3;
    }
    else {
      *out++ = *s == '+' ? ' ' : *s;
      s++;
    }
  }
  *out = '\0';
}

ctk_code ctk_cti_csta_frame(ctk_buf *out, unsigned invoke_id, const char *xml, size_t len)
{
  unsigned char head[CTK_CSTA_HEADER_LEN];
  char id[8];
  size_t total = len + CTK_CSTA_HEADER_LEN;
  ctk_code rc;

  if(total > CTK_CSTA_FRAME_MAX || invoke_id > 9999)
    return CTK_E_TOOBIG;
  snprintf(id, sizeof(id), "%04u", invoke_id);
  head[0] = 0;
  head[1] = 0;
  head[2] = (unsigned char)(total >> 8);
  head[3] = (unsigned char)(total & 0xff);
  memcpy(head + 4, id, 4);
  rc = ctk_buf_add(out, head, sizeof(head));
  if(!rc)
    rc = ctk_buf_add(out, xml, len);
  return rc;
}

int ctk_cti_csta_frame_next(const unsigned char *data, size_t len, size_t *frame_len,
                            unsigned *invoke_id)
{
  size_t total;
  unsigned id = 0;
  int i;

  if(len < CTK_CSTA_HEADER_LEN)
    return 0;
  if(data[0] || data[1])
    return -1;
  total = ((size_t)data[2] << 8) | data[3];
  if(total < CTK_CSTA_HEADER_LEN)
    return -1;
  for(i = 4; i < 8; i++) {
    if(data[i] < '0' || data[i] > '9')
      return -1;
    id = id * 10 + (unsigned)(data[i] - '0');
  }
  if(len < total)
    return 0;
  *frame_len = total;
  *invoke_id = id;
  return 1;
}
