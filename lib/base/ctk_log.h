/* ctk_log: structured one-line logs (logfmt: ts= level= mod= msg= key=value...) on stderr.
 * Daemons and tools log through this; secrets are never passed to it. */
#ifndef CTK_LOG_H
#define CTK_LOG_H

#include <stddef.h>

typedef enum {
  CTK_LOG_ERROR = 0,
  CTK_LOG_WARN,
  CTK_LOG_INFO,
  CTK_LOG_DEBUG
} ctk_log_level;

void ctk_log_set_level(ctk_log_level level);
ctk_log_level ctk_log_get_level(void);
/* Parse "error", "warn", "info", "debug"; returns -1 if unknown. */
int ctk_log_level_parse(const char *name);
/* Prefix every line with this node's name (e.g. "ministry", "province-360000"). */
void ctk_log_set_ident(const char *ident);

/* msg is printf-style; the line is written with one write() so threads do not interleave.
 * The formatted text is escaped with ctk_log_escape: whatever a peer put into a value, the
 * line stays one line and its msg="..." cannot be closed early. */
void ctk_log(ctk_log_level level, const char *module, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* The one escaping of text that goes into a log line or onto a terminal: backslash, double
 * quote and every control character (C0, DEL, C1) become escapes (\n, \r, \t, \", \\, \xHH,
 * \u00HH), and so does every byte that is not part of valid UTF-8. Writes at most outsize - 1
 * characters and a NUL, never cutting an escape in half; returns how many bytes of s it used,
 * so a caller sees whether everything fitted. */
size_t ctk_log_escape(char *out, size_t outsize, const char *s, size_t len);

#define CTK_ERR(mod, ...) ctk_log(CTK_LOG_ERROR, mod, __VA_ARGS__)
#define CTK_WARN(mod, ...) ctk_log(CTK_LOG_WARN, mod, __VA_ARGS__)
#define CTK_INFO(mod, ...) ctk_log(CTK_LOG_INFO, mod, __VA_ARGS__)
#define CTK_DEBUG(mod, ...) ctk_log(CTK_LOG_DEBUG, mod, __VA_ARGS__)

#endif
