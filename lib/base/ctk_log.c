/* ctk_log: logfmt lines on stderr. */
#include "ctk_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlstring.h>

#include "ctk_buf.h"

static ctk_log_level log_level = CTK_LOG_WARN;
static char log_ident[64] = "ctk";

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void ctk_log_set_level(ctk_log_level level)
{
  log_level = level;
}

ctk_log_level ctk_log_get_level(void)
{
  return log_level;
}

int ctk_log_level_parse(const char *name)
{
  int i;
  for(i = 0; i < 4; i++) {
    if(!strcasecmp(name, level_names[i]))
      return i;
  }
  return -1;
}

void ctk_log_set_ident(const char *ident)
{
  ctk_strlcpy(log_ident, ident, sizeof(log_ident));
}

/* One character of s at *i, as it goes into a log: its escape, or its own bytes when it is
 * harmless. Writes out (at most 7 bytes), moves *i past the character, returns the length. */
static size_t escape_one(const char *s, size_t len, size_t *i, char out[8])
{
  unsigned char c = (unsigned char)s[*i];
  int n;
  int cp;

  switch(c) {
  case '\n': (*i)++; memcpy(out, "\\n", 2); return 2;
  case '\r': (*i)++; memcpy(out, "\\r", 2); return 2;
  case '\t': (*i)++; memcpy(out, "\\t", 2); return 2;
  case '"': (*i)++; memcpy(out, "\\\"", 2); return 2;
  case '\\': (*i)++; memcpy(out, "\\\\", 2); return 2;
  default: break;
  }
  if(c < 0x20 || c == 0x7f) {
    (*i)++;
    return (size_t)snprintf(out, 8, "\\x%02x", c);
  }
  if(c < 0x80) {
    (*i)++;
    out[0] = (char)c;
    return 1;
  }
  n = len - *i > 4 ? 4 : (int)(len - *i);
  cp = xmlGetUTF8Char((const unsigned char *)s + *i, &n);
  if(cp < 0 || n <= 0) {
    /* not UTF-8: the byte, shown as a byte (a terminal may read 0x9b as a control) */
    (*i)++;
    return (size_t)snprintf(out, 8, "\\x%02x", c);
  }
  if(cp <= 0x9f) {
    /* a C1 control written in UTF-8 */
    *i += (size_t)n;
    return (size_t)snprintf(out, 8, "\\u%04x", (unsigned)cp);
  }
  memcpy(out, s + *i, (size_t)n);
  *i += (size_t)n;
  return (size_t)n;
}

size_t ctk_log_escape(char *out, size_t outsize, const char *s, size_t len)
{
  size_t i = 0;
  size_t o = 0;

  if(!outsize)
    return 0;
  while(s && i < len) {
    char one[8];
    size_t at = i;
    size_t n = escape_one(s, len, &i, one);
    if(o + n >= outsize) {
      i = at;
      break;
    }
    memcpy(out + o, one, n);
    o += n;
  }
  out[o] = '\0';
  return i;
}

void ctk_log(ctk_log_level level, const char *module, const char *fmt, ...)
{
  char msg[1024];
  char line[2048];
  char ts[40];
  struct timespec now;
  struct tm tm;
  int n;
  int m;
  va_list ap;

  if(level > log_level)
    return;
  va_start(ap, fmt);
  m = vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if(m < 0)
    return;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  n = snprintf(line, sizeof(line), "ts=%s.%03ldZ level=%s node=%s mod=%s msg=\"", ts,
               now.tv_nsec / 1000000L, level_names[level], log_ident, module);
  if(n < 0 || (size_t)n >= sizeof(line) - 2)
    return;
  /* the message is what callers formatted, peers' bytes included: escaped, it stays inside
   * its quotes and on its line */
  ctk_log_escape(line + n, sizeof(line) - (size_t)n - 2,
                 msg, (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1);
  n += (int)strlen(line + n);
  line[n++] = '"';
  line[n++] = '\n';
  if(write(STDERR_FILENO, line, (size_t)n) < 0)
    return;
}
