/* ctk_log: logfmt lines on stderr. */
#include "ctk_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

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

void ctk_log(ctk_log_level level, const char *module, const char *fmt, ...)
{
  char line[2048];
  char ts[40];
  struct timespec now;
  struct tm tm;
  int n;
  int m;
  va_list ap;

  if(level > log_level)
    return;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  n = snprintf(line, sizeof(line), "ts=%s.%03ldZ level=%s node=%s mod=%s msg=\"", ts,
               now.tv_nsec / 1000000L, level_names[level], log_ident, module);
  if(n < 0 || (size_t)n >= sizeof(line))
    return;
  va_start(ap, fmt);
  m = vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
  va_end(ap);
  if(m < 0)
    return;
  n += m;
  if((size_t)n > sizeof(line) - 3)
    n = (int)sizeof(line) - 3;
  line[n++] = '"';
  line[n++] = '\n';
  if(write(STDERR_FILENO, line, (size_t)n) < 0)
    return;
}
