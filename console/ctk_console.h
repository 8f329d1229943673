/* ctk_console: the acceptance console, a web application for the centre and the provinces:
 * accounts and sessions, the rollout board, submissions of evidence bundles, runs; its pages are
 * built into the binary and speak the message catalogues (zh-CN by default). */
#ifndef CTK_CONSOLE_H
#define CTK_CONSOLE_H

#include "ctk_error.h"

#define CTK_CONSOLE_SESSION_S (12L * 3600)      /* a session lives this long */
#define CTK_CONSOLE_LOGIN_WINDOW_S 900L         /* failures count for this long */
#define CTK_CONSOLE_USER_FAILURES_MAX 5         /* failed logins of an account in the window */
#define CTK_CONSOLE_ADDR_FAILURES_MAX 20        /* failed logins from an address in the window */
#define CTK_CONSOLE_UPLOAD_MAX ((size_t)64 * 1024 * 1024)

typedef struct ctk_console_config {
  const char *data_dir;        /* console.db, bundles/, keys/, runs/ */
  const char *bind_addr;       /* default 127.0.0.1 */
  int port;                    /* 0 = any free port */
  const char *tls_cert_file;   /* both set: HTTPS, and cookies are Secure */
  const char *tls_key_file;
  const char *lang;            /* the pages' default language, default zh-CN */
  const char *rollout_csv;     /* default data/rollout-2016.csv */
  const char *calendar_csv;    /* default data/cn-calendar.csv */
  const char *today;           /* YYYY-MM-DD the board counts from; NULL = today */
  const char *ctk_bin;         /* the ctk program a run starts; NULL: runs are refused */
  const char *pics;            /* the PICS and PIXIT a self-test run starts from */
  const char *pixit;
  const char *profile;         /* passed to ctk run when set; the requirements page's profile
                                  (NULL: the default) */
  const char *uncovered_csv;   /* reasons for untested requirements, default
                                  runner/uncovered.csv */
} ctk_console_config;

typedef struct ctk_console ctk_console;

/* Opens the store, loads the board and catalogues, starts serving. err says why not. */
ctk_code ctk_console_start(const ctk_console_config *cfg, ctk_console **out, char *err,
                           size_t errlen);
int ctk_console_port(const ctk_console *c);
/* Stops serving, cancels running runs, closes the store. NULL is fine. */
void ctk_console_stop(ctk_console *c);

#endif
