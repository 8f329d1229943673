/* ctk_console_store: the console's SQLite database under --data (WAL, synchronous FULL, so a
 * kill -9 loses nothing answered): accounts, sessions, login failures, audit log, provinces'
 * public keys, submissions, registered systems under test and runs. */
#ifndef CTK_CONSOLE_STORE_H
#define CTK_CONSOLE_STORE_H

#include <json-c/json.h>
#include <stddef.h>

#include "ctk_console_auth.h"
#include "ctk_error.h"

#define CTK_CONSOLE_DB_FILE "console.db"
#define CTK_CONSOLE_NAME_MAX 64

typedef struct ctk_console_store ctk_console_store;

typedef struct ctk_console_user {
  char name[CTK_CONSOLE_NAME_MAX];
  ctk_console_role role;
  char region[8];              /* the province of a province operator, "" for the centre */
  char salt[CTK_CONSOLE_SALT_HEX];
  char hash[CTK_CONSOLE_HASH_HEX];
  long iterations;
  int disabled;
} ctk_console_user;

/* Opens (creating) DIR/console.db. err says why not. */
ctk_code ctk_console_store_open(const char *dir, ctk_console_store **out, char *err,
                                size_t errlen);
void ctk_console_store_close(ctk_console_store *s);

/* 1 for a name of 1 to 63 of a-z A-Z 0-9 . _ - */
int ctk_console_name_ok(const char *name);

/* Accounts. add: CTK_E_EXISTS when the name is taken; passwd and disable: CTK_E_NOTFOUND. */
ctk_code ctk_console_user_add(ctk_console_store *s, const char *name, ctk_console_role role,
                              const char *region, const char *password, long iterations);
ctk_code ctk_console_user_passwd(ctk_console_store *s, const char *name, const char *password,
                                 long iterations);
ctk_code ctk_console_user_disable(ctk_console_store *s, const char *name);
ctk_code ctk_console_user_get(ctk_console_store *s, const char *name, ctk_console_user *u);
/* Every account as a JSON array (no hashes). */
ctk_code ctk_console_user_list(ctk_console_store *s, json_object **out);

/* Failed logins: one row per failure under key ("user:NAME", "addr:IP"). */
ctk_code ctk_console_failure_add(ctk_console_store *s, const char *key, long long now);
long ctk_console_failure_count(ctk_console_store *s, const char *key, long long since);
ctk_code ctk_console_failure_clear(ctk_console_store *s, const char *key);

/* Sessions: the store keeps the SHA-256 of the id, never the id. */
ctk_code ctk_console_session_add(ctk_console_store *s, const char *token, const char *user,
                                 const char *csrf, long long expires);
/* The account and CSRF token of a live session; CTK_E_NOTFOUND when unknown or expired, or
 * its account is disabled. */
ctk_code ctk_console_session_find(ctk_console_store *s, const char *token, long long now,
                                  ctk_console_user *u, char csrf[CTK_CONSOLE_TOKEN_HEX]);
ctk_code ctk_console_session_delete(ctk_console_store *s, const char *token);

/* Audit log: who did what to what, and from where. */
ctk_code ctk_console_audit(ctk_console_store *s, const char *user, const char *region,
                           const char *action, const char *target, const char *detail,
                           const char *peer);
/* The newest entries first; region "" for all, else only that province's. */
ctk_code ctk_console_audit_list(ctk_console_store *s, const char *region, int limit,
                                json_object **out);

/* A province's registered public key (PEM text) and its fingerprint. */
ctk_code ctk_console_key_set(ctk_console_store *s, const char *region, const char *pem,
                             const char *fingerprint);
ctk_code ctk_console_key_list(ctk_console_store *s, json_object **out);

/* Submissions. */
typedef struct ctk_console_submission {
  long long id;
  char region[8];
  char user[CTK_CONSOLE_NAME_MAX];
  char file[512];
  long long size;
  char sha256[CTK_CONSOLE_HASH_HEX];
  const char *verdict;         /* "verified", "invalid", "not-certifiable" */
  const char *problems;        /* lines */
  const char *sut_name;
  const char *started;
  const char *finished;
  const char *failing;
  const char *key_fingerprint;
} ctk_console_submission;

ctk_code ctk_console_submission_add(ctk_console_store *s, const ctk_console_submission *sub,
                                    long long *id);
/* One submission as a JSON object; CTK_E_NOTFOUND when there is none with this id. */
ctk_code ctk_console_submission_get(ctk_console_store *s, long long id, json_object **out);
/* Newest first; region "" for all. */
ctk_code ctk_console_submission_list(ctk_console_store *s, const char *region,
                                     json_object **out);
/* The submissions of region that feed its monthly report, newest first: {id, file, verdict}
 * of those verification found valid ("verified", "not-certifiable") and the centre has not
 * returned. The file is the stored bundle's path on the server: never shown to anyone. */
ctk_code ctk_console_submission_counted(ctk_console_store *s, const char *region,
                                        json_object **out);
/* The newest submission of each province: {"REGION": {id, verdict, decision, at}, ...}. */
ctk_code ctk_console_submission_latest(ctk_console_store *s, json_object **out);
/* decision "accepted" or "returned"; CTK_E_NOTFOUND, or CTK_E_STATE when decided already. */
ctk_code ctk_console_submission_decide(ctk_console_store *s, long long id, const char *decision,
                                       const char *by, const char *comment);

/* Runs started from the browser. */
ctk_code ctk_console_run_add(ctk_console_store *s, const char *region, const char *user,
                             const char *sut, const char *fault, const char *dir, long long *id);
ctk_code ctk_console_run_finish(ctk_console_store *s, long long id, const char *status,
                                int exit_code, const char *summary);
ctk_code ctk_console_run_get(ctk_console_store *s, long long id, json_object **out);
ctk_code ctk_console_run_list(ctk_console_store *s, const char *region, json_object **out);
/* Runs still marked running (after a restart: they died with the old process). */
ctk_code ctk_console_run_orphans(ctk_console_store *s);

/* Systems under test a province registered: its PICS and PIXIT as text, checked before they
 * are saved; one per region and name (saving again replaces it). */
ctk_code ctk_console_sut_save(ctk_console_store *s, const char *region, const char *name,
                              const char *role, const char *pics, const char *pixit,
                              const char *user, long long *id);
ctk_code ctk_console_sut_get(ctk_console_store *s, long long id, json_object **out);
ctk_code ctk_console_sut_list(ctk_console_store *s, const char *region, json_object **out);

#endif
