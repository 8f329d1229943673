/* ctk_buf: a growable byte buffer that never grows past its maximum.
 * Every dynamic string in the toolkit is built in one of these; it is always NUL-terminated. */
#ifndef CTK_BUF_H
#define CTK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "ctk_error.h"

typedef struct ctk_buf {
  char *data;   /* NULL until the first append; then always NUL-terminated */
  size_t len;   /* bytes used, not counting the NUL */
  size_t cap;   /* bytes allocated */
  size_t max;   /* largest len allowed; appends beyond it fail with CTK_E_TOOBIG */
} ctk_buf;

#define CTK_BUF_MAX_DEFAULT ((size_t)64 * 1024 * 1024)

void ctk_buf_init(ctk_buf *b, size_t max);
void ctk_buf_free(ctk_buf *b);
/* Forget the contents, keep the allocation. */
void ctk_buf_reset(ctk_buf *b);
ctk_code ctk_buf_add(ctk_buf *b, const void *data, size_t len);
ctk_code ctk_buf_adds(ctk_buf *b, const char *s);
ctk_code ctk_buf_addc(ctk_buf *b, char c);
/* Append all that is left in stream f (a file or a pipe), which stays open.
 * CTK_E_TOOBIG when it holds more than the buffer's maximum, CTK_E_IO on a read error. */
ctk_code ctk_buf_add_stream(ctk_buf *b, FILE *f);
ctk_code ctk_buf_printf(ctk_buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
ctk_code ctk_buf_vprintf(ctk_buf *b, const char *fmt, va_list ap);
/* Text escaped for XML/HTML content and attributes (& < > " '). */
ctk_code ctk_buf_add_xml_escaped(ctk_buf *b, const char *s, size_t len);
/* Text escaped for a JSON string, without the quotes. */
ctk_code ctk_buf_add_json_escaped(ctk_buf *b, const char *s, size_t len);
/* "" when empty, never NULL. */
const char *ctk_buf_str(const ctk_buf *b);
/* Hand the allocation to the caller (free() it); the buffer is left empty. */
char *ctk_buf_detach(ctk_buf *b, size_t *len);

/* Bounded copy: always NUL-terminates, returns CTK_E_TOOBIG if it had to cut. */
ctk_code ctk_strlcpy(char *dst, const char *src, size_t dstsize);

/* Lowercase hex of n bytes into out, which must hold 2 * n + 1 characters (NUL-terminated). */
void ctk_hex(const unsigned char *bytes, size_t n, char *out);

#endif
