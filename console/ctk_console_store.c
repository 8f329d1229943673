/* ctk_console_store: one SQLite connection behind a mutex; every statement takes text
 * parameters and every list comes back as JSON rows named by their columns. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_console_store.h"

struct ctk_console_store {
  sqlite3 *db;
  pthread_mutex_t lock;
};

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, role TEXT NOT NULL,"
  " region TEXT NOT NULL DEFAULT '', salt TEXT NOT NULL, hash TEXT NOT NULL,"
  " iterations INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS sessions(id_sha256 TEXT PRIMARY KEY, user TEXT NOT NULL,"
  " csrf TEXT NOT NULL, expires INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS login_failures(key TEXT NOT NULL, at INTEGER NOT NULL);"
  "CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);"
  "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT,"
  " region TEXT NOT NULL DEFAULT '', action TEXT NOT NULL, target TEXT, detail TEXT, peer TEXT);"
  "CREATE TABLE IF NOT EXISTS keys(region TEXT PRIMARY KEY, pem TEXT NOT NULL,"
  " fingerprint TEXT NOT NULL, at TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS submissions(id INTEGER PRIMARY KEY, region TEXT NOT NULL,"
  " user TEXT NOT NULL, at TEXT NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL,"
  " sha256 TEXT NOT NULL, verdict TEXT NOT NULL, problems TEXT, sut_name TEXT, started TEXT,"
  " finished TEXT, failing TEXT, key_fingerprint TEXT, decision TEXT NOT NULL DEFAULT '',"
  " decided_by TEXT, decided_at TEXT, comment TEXT);"
  "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, region TEXT NOT NULL,"
  " user TEXT NOT NULL, sut TEXT NOT NULL, fault TEXT NOT NULL DEFAULT '', dir TEXT NOT NULL,"
  " started TEXT NOT NULL, finished TEXT, status TEXT NOT NULL DEFAULT 'running',"
  " exit_code INTEGER, summary TEXT);"
  "CREATE TABLE IF NOT EXISTS suts(id INTEGER PRIMARY KEY, region TEXT NOT NULL,"
  " name TEXT NOT NULL, role TEXT NOT NULL, pics TEXT NOT NULL, pixit TEXT NOT NULL,"
  " user TEXT NOT NULL, updated TEXT NOT NULL, UNIQUE(region, name));";

static void now_text(char out[32])
{
  if(ctk_datetime_format(time(NULL), out, 32))
    out[0] = '\0';
}

/* Prepare sql and bind n text parameters (NULL binds SQL NULL). Caller holds the lock. */
static sqlite3_stmt *prepare(ctk_console_store *s, const char *sql, const char *const *params,
                             int n)
{
  sqlite3_stmt *st = NULL;
  int i;

  if(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return NULL;
  for(i = 0; i < n; i++) {
    int rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT)
                       : sqlite3_bind_null(st, i + 1);
    if(rc != SQLITE_OK) {
      sqlite3_finalize(st);
      return NULL;
    }
  }
  return st;
}

/* Run one changing statement; *changes (when not NULL) gets the rows it changed. */
static ctk_code exec_id(ctk_console_store *s, const char *sql, const char *const *params,
                        int n, int *changes, long long *rowid)
{
  sqlite3_stmt *st;
  int rc;

  pthread_mutex_lock(&s->lock);
  st = prepare(s, sql, params, n);
  if(!st) {
    pthread_mutex_unlock(&s->lock);
    return CTK_E_DB;
  }
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if(changes)
    *changes = sqlite3_changes(s->db);
  if(rowid)
    *rowid = sqlite3_last_insert_rowid(s->db);
  pthread_mutex_unlock(&s->lock);
  if(rc == SQLITE_CONSTRAINT)
    return CTK_E_EXISTS;
  return rc == SQLITE_DONE ? CTK_E_OK : CTK_E_DB;
}

static ctk_code exec(ctk_console_store *s, const char *sql, const char *const *params, int n,
                     int *changes)
{
  return exec_id(s, sql, params, n, changes, NULL);
}

static json_object *column_json(sqlite3_stmt *st, int i)
{
  switch(sqlite3_column_type(st, i)) {
  case SQLITE_INTEGER:
    return json_object_new_int64(sqlite3_column_int64(st, i));
  case SQLITE_NULL:
    return NULL;
  default:
    return json_object_new_string((const char *)sqlite3_column_text(st, i));
  }
}

/* The rows of a query as a JSON array of objects keyed by column name. */
static ctk_code query_json(ctk_console_store *s, const char *sql, const char *const *params,
                           int n, json_object **out)
{
  sqlite3_stmt *st;
  json_object *rows = json_object_new_array();
  int rc, i;

  *out = NULL;
  if(!rows)
    return CTK_E_NOMEM;
  pthread_mutex_lock(&s->lock);
  st = prepare(s, sql, params, n);
  if(!st) {
    pthread_mutex_unlock(&s->lock);
    json_object_put(rows);
    return CTK_E_DB;
  }
  while((rc = sqlite3_step(st)) == SQLITE_ROW) {
    json_object *row = json_object_new_object();
    for(i = 0; row && i < sqlite3_column_count(st); i++)
      json_object_object_add(row, sqlite3_column_name(st, i), column_json(st, i));
    json_object_array_add(rows, row);
  }
  sqlite3_finalize(st);
  pthread_mutex_unlock(&s->lock);
  if(rc != SQLITE_DONE) {
    json_object_put(rows);
    return CTK_E_DB;
  }
  *out = rows;
  return CTK_E_OK;
}

/* The first row of a query as a JSON object; CTK_E_NOTFOUND when none. */
static ctk_code query_one(ctk_console_store *s, const char *sql, const char *const *params,
                          int n, json_object **out)
{
  json_object *rows;
  ctk_code result = query_json(s, sql, params, n, &rows);

  *out = NULL;
  if(result)
    return result;
  if(json_object_array_length(rows) == 0) {
    json_object_put(rows);
    return CTK_E_NOTFOUND;
  }
  *out = json_object_get(json_object_array_get_idx(rows, 0));
  json_object_put(rows);
  return CTK_E_OK;
}

/* The row of table with this id (sql: "... WHERE id = ?"). */
static ctk_code query_by_id(ctk_console_store *s, const char *sql, long long id,
                            json_object **out)
{
  char num[24];
  const char *p = num;

  snprintf(num, sizeof(num), "%lld", id);
  return query_one(s, sql, &p, 1, out);
}

/* The rows of one province, or of all for region "" (sql: "... WHERE ? = '' OR region = ?"). */
static ctk_code query_in_region(ctk_console_store *s, const char *sql, const char *region,
                                json_object **out)
{
  const char *p[2];

  p[0] = region;
  p[1] = region;
  return query_json(s, sql, p, 2, out);
}

static long long query_int(ctk_console_store *s, const char *sql, const char *const *params,
                           int n)
{
  sqlite3_stmt *st;
  long long v = -1;

  pthread_mutex_lock(&s->lock);
  st = prepare(s, sql, params, n);
  if(st && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  pthread_mutex_unlock(&s->lock);
  return v;
}

ctk_code ctk_console_store_open(const char *dir, ctk_console_store **out, char *err,
                                size_t errlen)
{
  ctk_console_store *s;
  char path[1024];
  char *msg = NULL;

  *out = NULL;
  if(mkdir(dir, 0700) != 0) {
    struct stat st;
    if(stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
      snprintf(err, errlen, "%s: cannot create the data folder", dir);
      return CTK_E_IO;
    }
  }
  if(snprintf(path, sizeof(path), "%s/%s", dir, CTK_CONSOLE_DB_FILE) >= (int)sizeof(path)) {
    snprintf(err, errlen, "%s: path too long", dir);
    return CTK_E_TOOBIG;
  }
  s = calloc(1, sizeof(*s));
  if(!s)
    return CTK_E_NOMEM;
  pthread_mutex_init(&s->lock, NULL);
  if(sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                     SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK ||
     sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
     sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                  &msg) != SQLITE_OK ||
     sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    ctk_console_store_close(s);
    return CTK_E_DB;
  }
  chmod(path, 0600);
  *out = s;
  return CTK_E_OK;
}

void ctk_console_store_close(ctk_console_store *s)
{
  if(!s)
    return;
  sqlite3_close(s->db);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

int ctk_console_name_ok(const char *name)
{
  size_t len = name ? strlen(name) : 0;

  return len > 0 && len < CTK_CONSOLE_NAME_MAX &&
         strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
           len;
}

ctk_code ctk_console_user_add(ctk_console_store *s, const char *name, ctk_console_role role,
                              const char *region, const char *password, long iterations)
{
  char salt[CTK_CONSOLE_SALT_HEX], hash[CTK_CONSOLE_HASH_HEX], iter[24], at[32];
  const char *p[7];
  ctk_code result;

  if(!ctk_console_name_ok(name) || role == CTK_CONSOLE_ROLE_NONE)
    return CTK_E_INVAL;
  result = ctk_console_kdf_new(password, iterations, salt, hash);
  if(result)
    return result;
  snprintf(iter, sizeof(iter), "%ld", iterations);
  now_text(at);
  p[0] = name;
  p[1] = ctk_console_role_name(role);
  p[2] = role == CTK_CONSOLE_PROVINCE ? region : "";
  p[3] = salt;
  p[4] = hash;
  p[5] = iter;
  p[6] = at;
  return exec(s, "INSERT INTO users(name, role, region, salt, hash, iterations, created)"
                 " VALUES(?, ?, ?, ?, ?, ?, ?)", p, 7, NULL);
}

ctk_code ctk_console_user_passwd(ctk_console_store *s, const char *name, const char *password,
                                 long iterations)
{
  char salt[CTK_CONSOLE_SALT_HEX], hash[CTK_CONSOLE_HASH_HEX], iter[24];
  const char *p[4];
  int changed = 0;
  ctk_code result = ctk_console_kdf_new(password, iterations, salt, hash);

  if(result)
    return result;
  snprintf(iter, sizeof(iter), "%ld", iterations);
  p[0] = salt;
  p[1] = hash;
  p[2] = iter;
  p[3] = name;
  result = exec(s, "UPDATE users SET salt = ?, hash = ?, iterations = ?, disabled = 0"
                   " WHERE name = ?", p, 4, &changed);
  if(!result && !changed)
    return CTK_E_NOTFOUND;
  if(!result)
    result = exec(s, "DELETE FROM sessions WHERE user = ?", &p[3], 1, NULL);
  return result;
}

ctk_code ctk_console_user_disable(ctk_console_store *s, const char *name)
{
  int changed = 0;
  ctk_code result = exec(s, "UPDATE users SET disabled = 1 WHERE name = ?", &name, 1, &changed);

  if(!result && !changed)
    return CTK_E_NOTFOUND;
  if(!result)
    result = exec(s, "DELETE FROM sessions WHERE user = ?", &name, 1, NULL);
  return result;
}

static ctk_code user_from_json(json_object *o, ctk_console_user *u)
{
  json_object *v;

  memset(u, 0, sizeof(*u));
  if(json_object_object_get_ex(o, "name", &v))
    ctk_strlcpy(u->name, json_object_get_string(v), sizeof(u->name));
  if(json_object_object_get_ex(o, "role", &v))
    u->role = ctk_console_role_parse(json_object_get_string(v));
  if(json_object_object_get_ex(o, "region", &v))
    ctk_strlcpy(u->region, json_object_get_string(v), sizeof(u->region));
  if(json_object_object_get_ex(o, "salt", &v))
    ctk_strlcpy(u->salt, json_object_get_string(v), sizeof(u->salt));
  if(json_object_object_get_ex(o, "hash", &v))
    ctk_strlcpy(u->hash, json_object_get_string(v), sizeof(u->hash));
  if(json_object_object_get_ex(o, "iterations", &v))
    u->iterations = (long)json_object_get_int64(v);
  if(json_object_object_get_ex(o, "disabled", &v))
    u->disabled = json_object_get_int(v);
  return u->role == CTK_CONSOLE_ROLE_NONE ? CTK_E_DB : CTK_E_OK;
}

ctk_code ctk_console_user_get(ctk_console_store *s, const char *name, ctk_console_user *u)
{
  json_object *o;
  ctk_code result = query_one(s, "SELECT * FROM users WHERE name = ?", &name, 1, &o);

  if(result)
    return result;
  result = user_from_json(o, u);
  json_object_put(o);
  return result;
}

ctk_code ctk_console_user_list(ctk_console_store *s, json_object **out)
{
  return query_json(s, "SELECT name, role, region, disabled, created FROM users ORDER BY name",
                    NULL, 0, out);
}

ctk_code ctk_console_failure_add(ctk_console_store *s, const char *key, long long now)
{
  char at[24];
  const char *p[2];

  snprintf(at, sizeof(at), "%lld", now);
  p[0] = key;
  p[1] = at;
  return exec(s, "INSERT INTO login_failures(key, at) VALUES(?, ?)", p, 2, NULL);
}

long ctk_console_failure_count(ctk_console_store *s, const char *key, long long since)
{
  char at[24];
  const char *p[2];

  snprintf(at, sizeof(at), "%lld", since);
  p[0] = key;
  p[1] = at;
  return (long)query_int(s, "SELECT count(*) FROM login_failures WHERE key = ? AND at > ?", p,
                         2);
}

ctk_code ctk_console_failure_clear(ctk_console_store *s, const char *key)
{
  return exec(s, "DELETE FROM login_failures WHERE key = ?", &key, 1, NULL);
}

ctk_code ctk_console_session_add(ctk_console_store *s, const char *token, const char *user,
                                 const char *csrf, long long expires)
{
  char id[CTK_CONSOLE_HASH_HEX], exp[24];
  const char *p[4];

  ctk_console_sha256_hex(token, strlen(token), id);
  snprintf(exp, sizeof(exp), "%lld", expires);
  p[0] = id;
  p[1] = user;
  p[2] = csrf;
  p[3] = exp;
  return exec(s, "INSERT INTO sessions(id_sha256, user, csrf, expires) VALUES(?, ?, ?, ?)", p,
              4, NULL);
}

ctk_code ctk_console_session_find(ctk_console_store *s, const char *token, long long now,
                                  ctk_console_user *u, char csrf[CTK_CONSOLE_TOKEN_HEX])
{
  char id[CTK_CONSOLE_HASH_HEX], at[24];
  const char *p[2];
  json_object *o, *v;
  ctk_code result;

  if(!token || strlen(token) != CTK_CONSOLE_TOKEN_HEX - 1)
    return CTK_E_NOTFOUND;
  ctk_console_sha256_hex(token, strlen(token), id);
  snprintf(at, sizeof(at), "%lld", now);
  p[0] = id;
  p[1] = at;
  result = query_one(s, "SELECT u.*, s.csrf AS csrf FROM sessions s JOIN users u"
                        " ON u.name = s.user WHERE s.id_sha256 = ? AND s.expires > ?"
                        " AND u.disabled = 0", p, 2, &o);
  if(result)
    return result;
  result = user_from_json(o, u);
  if(!result && json_object_object_get_ex(o, "csrf", &v))
    ctk_strlcpy(csrf, json_object_get_string(v), CTK_CONSOLE_TOKEN_HEX);
  json_object_put(o);
  return result;
}

ctk_code ctk_console_session_delete(ctk_console_store *s, const char *token)
{
  char id[CTK_CONSOLE_HASH_HEX];
  const char *p = id;

  ctk_console_sha256_hex(token, strlen(token), id);
  return exec(s, "DELETE FROM sessions WHERE id_sha256 = ?", &p, 1, NULL);
}

ctk_code ctk_console_audit(ctk_console_store *s, const char *user, const char *region,
                           const char *action, const char *target, const char *detail,
                           const char *peer)
{
  char at[32];
  const char *p[7];

  now_text(at);
  p[0] = at;
  p[1] = user;
  p[2] = region ? region : "";
  p[3] = action;
  p[4] = target;
  p[5] = detail;
  p[6] = peer;
  return exec(s, "INSERT INTO audit(at, user, region, action, target, detail, peer)"
                 " VALUES(?, ?, ?, ?, ?, ?, ?)", p, 7, NULL);
}

ctk_code ctk_console_audit_list(ctk_console_store *s, const char *region, int limit,
                                json_object **out)
{
  char lim[16];
  const char *p[3];

  snprintf(lim, sizeof(lim), "%d", limit);
  p[0] = region;
  p[1] = region;
  p[2] = lim;
  return query_json(s, "SELECT * FROM audit WHERE ? = '' OR region = ? ORDER BY id DESC"
                       " LIMIT ?", p, 3, out);
}

ctk_code ctk_console_key_set(ctk_console_store *s, const char *region, const char *pem,
                             const char *fingerprint)
{
  char at[32];
  const char *p[4];

  now_text(at);
  p[0] = region;
  p[1] = pem;
  p[2] = fingerprint;
  p[3] = at;
  return exec(s, "INSERT OR REPLACE INTO keys(region, pem, fingerprint, at) VALUES(?, ?, ?, ?)",
              p, 4, NULL);
}

ctk_code ctk_console_key_list(ctk_console_store *s, json_object **out)
{
  return query_json(s, "SELECT region, fingerprint, at FROM keys ORDER BY region", NULL, 0, out);
}

ctk_code ctk_console_submission_add(ctk_console_store *s, const ctk_console_submission *sub,
                                    long long *id)
{
  char at[32], size[24];
  const char *p[13];

  now_text(at);
  snprintf(size, sizeof(size), "%lld", sub->size);
  p[0] = sub->region;
  p[1] = sub->user;
  p[2] = at;
  p[3] = sub->file;
  p[4] = size;
  p[5] = sub->sha256;
  p[6] = sub->verdict;
  p[7] = sub->problems;
  p[8] = sub->sut_name;
  p[9] = sub->started;
  p[10] = sub->finished;
  p[11] = sub->failing;
  p[12] = sub->key_fingerprint;
  return exec_id(s, "INSERT INTO submissions(region, user, at, file, size, sha256, verdict,"
                    " problems, sut_name, started, finished, failing, key_fingerprint)"
                    " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p, 13, NULL, id);
}

ctk_code ctk_console_submission_get(ctk_console_store *s, long long id, json_object **out)
{
  return query_by_id(s, "SELECT id, region, user, at, size, sha256, verdict, problems, sut_name,"
                        " started, finished, failing, key_fingerprint, decision, decided_by,"
                        " decided_at, comment FROM submissions WHERE id = ?", id, out);
}

ctk_code ctk_console_submission_list(ctk_console_store *s, const char *region,
                                     json_object **out)
{
  return query_in_region(s, "SELECT id, region, user, at, size, verdict, sut_name, decision,"
                            " decided_by, comment FROM submissions WHERE ? = '' OR region = ?"
                            " ORDER BY id DESC", region, out);
}

ctk_code ctk_console_submission_counted(ctk_console_store *s, const char *region,
                                        json_object **out)
{
  return query_in_region(s, "SELECT id, file, verdict FROM submissions WHERE (? = '' OR"
                            " region = ?) AND verdict IN ('verified', 'not-certifiable') AND"
                            " decision <> 'returned' ORDER BY id DESC",
                         region, out);
}

ctk_code ctk_console_submission_latest(ctk_console_store *s, json_object **out)
{
  json_object *rows, *map;
  size_t i;
  ctk_code result = query_json(s, "SELECT id, region, verdict, decision, at FROM submissions"
                                  " WHERE id IN (SELECT max(id) FROM submissions"
                                  " GROUP BY region)", NULL, 0, &rows);

  *out = NULL;
  if(result)
    return result;
  map = json_object_new_object();
  for(i = 0; map && i < json_object_array_length(rows); i++) {
    json_object *row = json_object_array_get_idx(rows, i), *region;
    if(json_object_object_get_ex(row, "region", &region))
      json_object_object_add(map, json_object_get_string(region), json_object_get(row));
  }
  json_object_put(rows);
  *out = map;
  return map ? CTK_E_OK : CTK_E_NOMEM;
}

ctk_code ctk_console_submission_decide(ctk_console_store *s, long long id, const char *decision,
                                       const char *by, const char *comment)
{
  char num[24], at[32];
  const char *p[5];
  int changed = 0;
  ctk_code result;
  json_object *o;

  snprintf(num, sizeof(num), "%lld", id);
  now_text(at);
  p[0] = decision;
  p[1] = by;
  p[2] = at;
  p[3] = comment;
  p[4] = num;
  result = exec(s, "UPDATE submissions SET decision = ?, decided_by = ?, decided_at = ?,"
                   " comment = ? WHERE id = ? AND decision = ''", p, 5, &changed);
  if(result || changed)
    return result;
  result = ctk_console_submission_get(s, id, &o);
  json_object_put(o);
  return result ? result : CTK_E_STATE;
}

ctk_code ctk_console_run_add(ctk_console_store *s, const char *region, const char *user,
                             const char *sut, const char *fault, const char *dir, long long *id)
{
  char at[32];
  const char *p[6];

  now_text(at);
  p[0] = region;
  p[1] = user;
  p[2] = sut;
  p[3] = fault;
  p[4] = dir;
  p[5] = at;
  return exec_id(s, "INSERT INTO runs(region, user, sut, fault, dir, started)"
                    " VALUES(?, ?, ?, ?, ?, ?)", p, 6, NULL, id);
}

ctk_code ctk_console_run_finish(ctk_console_store *s, long long id, const char *status,
                                int exit_code, const char *summary)
{
  char num[24], code[16], at[32];
  const char *p[5];

  snprintf(num, sizeof(num), "%lld", id);
  snprintf(code, sizeof(code), "%d", exit_code);
  now_text(at);
  p[0] = status;
  p[1] = code;
  p[2] = summary;
  p[3] = at;
  p[4] = num;
  return exec(s, "UPDATE runs SET status = ?, exit_code = ?, summary = ?, finished = ?"
                 " WHERE id = ?", p, 5, NULL);
}

ctk_code ctk_console_run_get(ctk_console_store *s, long long id, json_object **out)
{
  return query_by_id(s, "SELECT * FROM runs WHERE id = ?", id, out);
}

ctk_code ctk_console_run_list(ctk_console_store *s, const char *region, json_object **out)
{
  return query_in_region(s, "SELECT * FROM runs WHERE ? = '' OR region = ? ORDER BY id DESC",
                         region, out);
}

ctk_code ctk_console_run_orphans(ctk_console_store *s)
{
  return exec(s, "UPDATE runs SET status = 'interrupted' WHERE status = 'running'", NULL, 0,
              NULL);
}

ctk_code ctk_console_sut_save(ctk_console_store *s, const char *region, const char *name,
                              const char *role, const char *pics, const char *pixit,
                              const char *user, long long *id)
{
  char at[32];
  const char *p[7];
  ctk_code result;

  now_text(at);
  p[0] = region;
  p[1] = name;
  p[2] = role;
  p[3] = pics;
  p[4] = pixit;
  p[5] = user;
  p[6] = at;
  result = exec(s, "INSERT INTO suts(region, name, role, pics, pixit, user, updated)"
                   " VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(region, name) DO UPDATE SET"
                   " role = excluded.role, pics = excluded.pics, pixit = excluded.pixit,"
                   " user = excluded.user, updated = excluded.updated", p, 7, NULL);
  if(result)
    return result;
  *id = query_int(s, "SELECT id FROM suts WHERE region = ? AND name = ?", p, 2);
  return *id > 0 ? CTK_E_OK : CTK_E_DB;
}

ctk_code ctk_console_sut_get(ctk_console_store *s, long long id, json_object **out)
{
  return query_by_id(s, "SELECT * FROM suts WHERE id = ?", id, out);
}

ctk_code ctk_console_sut_list(ctk_console_store *s, const char *region, json_object **out)
{
  return query_in_region(s, "SELECT * FROM suts WHERE ? = '' OR region = ? ORDER BY region, name",
                         region, out);
}
