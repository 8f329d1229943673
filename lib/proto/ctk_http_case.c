/* ctk_http_case: one request file of the hostile catalogue, read in one place. */
#include "ctk_http_case.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The directives, each with the field it fills: one table, so the runner and the tests can
 * never disagree on what a file says. */
typedef struct directive {
  const char *name;
  size_t offset;
  size_t size;
} directive;

#define DIRECTIVE(name, field) { name, offsetof(ctk_http_case, field), \
                                 sizeof(((ctk_http_case *)0)->field) }

static const directive directives[] = {
  DIRECTIVE("X-Ctk-Auth", auth),
  DIRECTIVE("X-Ctk-Before", before),
  DIRECTIVE("X-Ctk-Generate", generate),
  DIRECTIVE("X-Ctk-Expect-Status", expect_status),
  DIRECTIVE("X-Ctk-Expect-Result", expect_result),
  DIRECTIVE("X-Ctk-Expect-Translated", expect_translated),
  DIRECTIVE("X-Ctk-Expect-Where", expect_where),
  DIRECTIVE("X-Ctk-Stores", stores),
  DIRECTIVE("X-Ctk-Echo", echo),
  DIRECTIVE("X-Ctk-Framing", framing),
};

/* Copies n bytes of s into a field of size bytes; 0 when it does not fit. */
static int set_field(char *field, size_t size, const char *s, size_t n)
{
  if(n >= size)
    return 0;
  memcpy(field, s, n);
  field[n] = '\0';
  return 1;
}

/* The request line, "METHOD PATH". */
static ctk_code request_line(ctk_http_case *c, const char *s, size_t n, unsigned line,
                             char *err, size_t errlen)
{
  const char *sp = memchr(s, ' ', n);
  const char *path;
  size_t path_len;
  if(!sp || sp == s) {
    snprintf(err, errlen, "line %u: expected the request line METHOD PATH", line);
    return CTK_E_PARSE;
  }
  path = sp + 1;
  while(path < s + n && *path == ' ')
    path++;
  path_len = (size_t)(s + n - path);
  while(path_len && path[path_len - 1] == ' ')
    path_len--;
  if(!path_len || memchr(path, ' ', path_len)) {
    snprintf(err, errlen, "line %u: the request line needs one PATH after the method (no "
             "HTTP version)", line);
    return CTK_E_PARSE;
  }
  if(!set_field(c->method, sizeof(c->method), s, (size_t)(sp - s)) ||
     !set_field(c->path, sizeof(c->path), path, path_len)) {
    snprintf(err, errlen, "line %u: method or path too long", line);
    return CTK_E_PARSE;
  }
  return CTK_E_OK;
}

/* One "Name: value" line: a directive into its field, anything else to on_header. */
static ctk_code header_line(ctk_http_case *c, const char *s, size_t n, unsigned line,
                            ctk_http_case_header_fn on_header, void *ctx, char *err,
                            size_t errlen)
{
  const char *colon = memchr(s, ':', n);
  const char *value;
  size_t name_len, value_len, i;
  if(!colon || colon == s) {
    snprintf(err, errlen, "line %u: expected a header \"Name: value\"", line);
    return CTK_E_PARSE;
  }
  name_len = (size_t)(colon - s);
  value = colon + 1;
  while(value < s + n && *value == ' ')
    value++;
  value_len = (size_t)(s + n - value);
  if(name_len < 6 || strncasecmp(s, "X-Ctk-", 6))
    return on_header ? on_header(ctx, s, name_len, value, value_len) : CTK_E_OK;
  for(i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
    const directive *d = &directives[i];
    if(strlen(d->name) != name_len || strncasecmp(d->name, s, name_len))
      continue;
    if(!set_field((char *)c + d->offset, d->size, value, value_len)) {
      snprintf(err, errlen, "line %u: %s longer than %zu characters", line, d->name,
               d->size - 1);
      return CTK_E_PARSE;
    }
    return CTK_E_OK;
  }
  snprintf(err, errlen, "line %u: unknown directive %.*s", line, (int)name_len, s);
  return CTK_E_PARSE;
}

ctk_code ctk_http_case_read(const char *text, size_t len, ctk_http_case *c,
                            ctk_http_case_header_fn on_header, void *ctx, char *err,
                            size_t errlen)
{
  const char *p = text, *end = text + len;
  unsigned line = 0;
  int have_request = 0;
  ctk_code result = CTK_E_OK;

  memset(c, 0, sizeof(*c));
  if(errlen)
    err[0] = '\0';
  while(p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *next = nl ? nl + 1 : end;
    size_t n = (size_t)((nl ? nl : end) - p);
    line++;
    if(n && p[n - 1] == '\r')
      n--;
    if(!n) {
      c->body_offset = (size_t)(next - text);
      c->has_body = 1;
      break;
    }
    if(p[0] == '#') {
      p = next;
      continue;
    }
    if(!have_request)
      result = request_line(c, p, n, line, err, errlen);
    else
      result = header_line(c, p, n, line, on_header, ctx, err, errlen);
    if(result)
      return result;
    have_request = 1;
    p = next;
  }
  if(!have_request) {
    snprintf(err, errlen, "no request line");
    return CTK_E_PARSE;
  }
  if(!c->has_body)
    c->body_offset = len;
  return CTK_E_OK;
}

ctk_code ctk_http_case_complete(const ctk_http_case *c, char *err, size_t errlen)
{
  const char *missing = !c->expect_status[0] ? "X-Ctk-Expect-Status" :
                        !c->expect_result[0] ? "X-Ctk-Expect-Result" :
                        !c->auth[0] ? "X-Ctk-Auth" : NULL;
  if(!missing)
    return CTK_E_OK;
  snprintf(err, errlen, "no %s: every case says what answer it expects and with which "
           "credentials it is sent", missing);
  return CTK_E_INVALID;
}
