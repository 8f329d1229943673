/* ctk_store: SQLite store of a reference endpoint. One connection behind a mutex; every
 * statement is prepared once at open and reused.
 *
 * Group commit. A durable commit costs one fsync, which on a disk takes far longer than the
 * work of a message, so callers share commits. The connection keeps one transaction open (the
 * batch); each caller's work goes in as a savepoint (ctk_store_begin .. commit) or as single
 * statements, and then the caller waits. One committer thread per store does the rest: it
 * commits the batch (SQLite runs with synchronous=NORMAL, so COMMIT only writes the WAL
 * frames), releases the connection, makes the frames durable with fdatasync of the WAL file,
 * and only then wakes the callers of that batch with its result. While it waits for the disk,
 * the next batch fills up with the requests that arrive meanwhile, so the batch size follows
 * the load by itself and the other threads never wait for the disk to use the connection.
 *
 * So "success only after the record is durable" holds for every caller, and a caller never
 * returns having seen data that is not yet durable: a caller that read inside a batch waits for
 * that batch; one that read outside any batch waits until every commit before it is synced.
 * NORMAL still syncs the WAL before each checkpoint and the database after it, so nothing
 * acknowledged is lost when the WAL is copied back and restarted. */
#include "ctk_store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctk_calendar.h"
#include "ctk_file.h"
#include "ctk_log.h"

static const char ctk_store_schema[] =
  "CREATE TABLE IF NOT EXISTS orders("
  " order_id TEXT PRIMARY KEY, accept_time TEXT, accept_date TEXT, accept_region TEXT,"
  " handle_region TEXT, channel TEXT, business_type TEXT, domain TEXT, status TEXT NOT NULL,"
  " instant_answer INTEGER, deadline TEXT, origin TEXT, target TEXT, up TEXT,"
  " transfer_to TEXT, transferred INTEGER, completed_time TEXT, revisit_time TEXT,"
  " revisit_reached INTEGER, satisfaction TEXT, supervised INTEGER, urged INTEGER,"
  " created_at TEXT, updated_at TEXT, order_xml BLOB);"
  "CREATE INDEX IF NOT EXISTS orders_by_date ON orders(accept_date);"
  "CREATE TABLE IF NOT EXISTS history("
  " id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, time TEXT, interface_code TEXT,"
  " status TEXT, region TEXT, msg_id TEXT);"
  "CREATE INDEX IF NOT EXISTS history_by_order ON history(order_id, id);"
  "CREATE TABLE IF NOT EXISTS messages("
  " id INTEGER PRIMARY KEY, at TEXT, direction TEXT, peer TEXT, interface_code TEXT,"
  " msg_id TEXT, sender TEXT, order_id TEXT, binding TEXT, encoding TEXT, raw BLOB,"
  " answer BLOB, result_code TEXT, verdict TEXT, reason TEXT);"
  "CREATE TABLE IF NOT EXISTS msgids("
  " sender TEXT NOT NULL, msg_id TEXT NOT NULL, req_hash TEXT, answer BLOB,"
  " content_type TEXT, at TEXT, PRIMARY KEY(sender, msg_id));"
  "CREATE TABLE IF NOT EXISTS outbox("
  " id INTEGER PRIMARY KEY, fifo_key TEXT, peer TEXT, interface_code TEXT, msg_id TEXT,"
  " order_id TEXT, body BLOB, state TEXT, inflight INTEGER DEFAULT 0, attempts INTEGER,"
  " next_at INTEGER, last_error TEXT, created_at TEXT, done_at TEXT);"
  "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(state, fifo_key, id);"
  /* the claim walks due rows in (next_at, id) order and stops at the first FIFO head: without
   * this index every claim sorted all pending rows, so a long queue drained in O(n^2) */
  "CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, inflight, next_at, id);"
  "CREATE TABLE IF NOT EXISTS urges(order_id TEXT, day TEXT, PRIMARY KEY(order_id, day));"
  "CREATE TABLE IF NOT EXISTS stat_reports("
  " region TEXT, period_start TEXT, period_end TEXT, name TEXT, value TEXT, received_at TEXT,"
  " PRIMARY KEY(region, period_start, period_end, name));"
  "CREATE TABLE IF NOT EXISTS knowledge("
  " item_id TEXT PRIMARY KEY, class TEXT, title TEXT, content TEXT, update_time TEXT,"
  " action TEXT);";

#define ORDER_COLS                                                                         \
  "order_id, accept_time, accept_region, handle_region, channel, business_type, domain,"   \
  " status, instant_answer, deadline, origin, target, up, transfer_to, transferred,"       \
  " completed_time, revisit_time, revisit_reached, satisfaction, supervised, urged,"       \
  " created_at, updated_at"

/* Every statement the store runs, prepared once. */
#define CTK_STORE_STMTS(X)                                                                   \
  X(BEGIN, "BEGIN IMMEDIATE")                                                                \
  X(COMMIT, "COMMIT")                                                                        \
  X(ROLLBACK, "ROLLBACK")                                                                    \
  X(SAVEPOINT, "SAVEPOINT ctk_req")                                                          \
  X(RELEASE, "RELEASE ctk_req")                                                              \
  X(ROLLBACK_TO, "ROLLBACK TO ctk_req")                                                      \
  X(LOG, "INSERT INTO messages(at, direction, peer, interface_code, msg_id, sender, order_id," \
         " binding, encoding, raw, answer, result_code, verdict, reason)"                    \
         " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")                                             \
  X(LOG_COUNT, "SELECT count(*) FROM messages WHERE ?1 = '' OR verdict = ?1")                \
  X(LOG_RETRACT, "UPDATE messages SET verdict = 'not durable', reason = ?2"                    \
                 " WHERE id = ?1 AND verdict = 'accepted'")                                    \
  X(MSGID_GET, "SELECT req_hash, answer, content_type FROM msgids"                           \
               " WHERE sender = ? AND msg_id = ?")                                           \
  X(MSGID_PUT, "INSERT OR REPLACE INTO msgids(sender, msg_id, req_hash, answer,"             \
               " content_type, at) VALUES(?,?,?,?,?,?)")                                     \
  X(ORDER_GET, "SELECT " ORDER_COLS ", accept_date FROM orders WHERE order_id = ?")         \
  X(ORDER_INSERT, "INSERT INTO orders(" ORDER_COLS ", accept_date, order_xml)"               \
                  " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")              \
  X(ORDER_UPDATE, "UPDATE orders SET accept_time=?2, accept_region=?3, handle_region=?4,"    \
                  " channel=?5, business_type=?6, domain=?7, status=?8, instant_answer=?9,"  \
                  " deadline=?10, origin=?11, target=?12, up=?13, transfer_to=?14,"          \
                  " transferred=?15, completed_time=?16, revisit_time=?17,"                  \
                  " revisit_reached=?18, satisfaction=?19, supervised=?20, urged=?21,"       \
                  " created_at=?22, updated_at=?23, accept_date=?24,"                        \
                  " order_xml=coalesce(?25, order_xml) WHERE order_id=?1")                   \
  X(ORDER_XML, "SELECT order_xml FROM orders WHERE order_id = ?")                            \
  X(HISTORY_ADD, "INSERT INTO history(order_id, time, interface_code, status, region,"       \
                 " msg_id) VALUES(?,?,?,?,?,?)")                                             \
  X(HISTORY_EACH, "SELECT time, interface_code, status, region, msg_id FROM history"         \
                  " WHERE order_id = ? ORDER BY id")                                         \
  X(ORDERS_EACH, "SELECT " ORDER_COLS ", accept_date FROM orders"                           \
                 " WHERE accept_region LIKE ?1 || '%'"                                       \
                 " AND (?2 = '' OR accept_date >= ?2) AND (?3 = '' OR accept_date <= ?3)"    \
                 " ORDER BY order_id")                                                       \
  X(OVERDUE_EACH, "SELECT " ORDER_COLS ", accept_date FROM orders"                          \
                  " WHERE deadline <> '' AND deadline < ?1"                                  \
                  " AND instr(',' || ?2 || ',', ',' || status || ',') > 0 ORDER BY order_id") \
  X(URGE_MARK, "INSERT OR IGNORE INTO urges(order_id, day) VALUES(?,?)")                     \
  X(OUTBOX_ADD, "INSERT INTO outbox(fifo_key, peer, interface_code, msg_id, order_id, body,"  \
                " state, inflight, attempts, next_at, created_at)"                          \
                " VALUES(?,?,?,?,?,?,'pending',0,0,?,?)")                                    \
  X(OUTBOX_CLAIM_FIFO, "SELECT id, fifo_key, peer, interface_code, msg_id, order_id,"        \
                       " attempts, next_at, body FROM outbox o WHERE state = 'pending'"      \
                       " AND inflight = 0 AND next_at <= ?1 AND id <= ?2 AND NOT EXISTS"     \
                       " (SELECT 1 FROM outbox e WHERE e.state = 'pending'"                  \
                       " AND e.fifo_key = o.fifo_key AND e.id < o.id)"                       \
                       " ORDER BY next_at, id LIMIT 1")                                      \
  X(OUTBOX_CLAIM_LIFO, "SELECT id, fifo_key, peer, interface_code, msg_id, order_id,"        \
                       " attempts, next_at, body FROM outbox o WHERE state = 'pending'"      \
                       " AND inflight = 0 AND next_at <= ?1 AND id <= ?2 AND NOT EXISTS"     \
                       " (SELECT 1 FROM outbox e WHERE e.state = 'pending'"                  \
                       " AND e.fifo_key = o.fifo_key AND e.id > o.id)"                       \
                       " ORDER BY next_at, id LIMIT 1")                                      \
  X(OUTBOX_INFLIGHT, "UPDATE outbox SET inflight = 1 WHERE id = ?")                          \
  X(OUTBOX_MAX_ID, "SELECT coalesce(max(id), 0) FROM outbox")                                \
  X(OUTBOX_RELEASE, "UPDATE outbox SET inflight = 0 WHERE id = ?")                           \
  X(OUTBOX_NEXT_DUE, "SELECT next_at FROM outbox o WHERE state = 'pending'"                 \
                     " AND inflight = 0 AND NOT EXISTS (SELECT 1 FROM outbox e"              \
                     " WHERE e.state = 'pending' AND e.fifo_key = o.fifo_key"               \
                     " AND e.id < o.id) ORDER BY next_at LIMIT 1")                           \
  X(OUTBOX_DONE, "UPDATE outbox SET state = ?2, inflight = 0, attempts = attempts + 1,"      \
                 " last_error = ?3, done_at = ?4 WHERE id = ?1")                             \
  X(OUTBOX_RETRY, "UPDATE outbox SET inflight = 0, attempts = attempts + 1, next_at = ?2,"   \
                  " last_error = ?3 WHERE id = ?1")                                          \
  X(OUTBOX_RESTART, "UPDATE outbox SET inflight = 0, next_at = 0 WHERE state = 'pending'")   \
  X(OUTBOX_COUNTS, "SELECT state, count(*) FROM outbox GROUP BY state")                      \
  X(STAT_PUT, "INSERT OR REPLACE INTO stat_reports(region, period_start, period_end, name,"  \
              " value, received_at) VALUES(?,?,?,?,?,?)")                                    \
  X(STAT_GET, "SELECT value FROM stat_reports WHERE region = ? AND period_start = ?"         \
              " AND period_end = ? AND name = ?")                                            \
  X(KB_PUT, "INSERT OR REPLACE INTO knowledge(item_id, class, title, content, update_time,"  \
            " action) VALUES(?,?,?,?,?,?)")                                                  \
  X(KB_HAS, "SELECT action FROM knowledge WHERE item_id = ?")

enum {
#define CTK_STMT_ENUM(name, sql) STMT_##name,
  CTK_STORE_STMTS(CTK_STMT_ENUM)
#undef CTK_STMT_ENUM
  STMT__COUNT
};

static const char *const ctk_store_sql[] = {
#define CTK_STMT_SQL(name, sql) sql,
  CTK_STORE_STMTS(CTK_STMT_SQL)
#undef CTK_STMT_SQL
};


/* A caller that took part in a batch, waiting for its commit: on the caller's stack when it
 * waits (ctk_store_commit), on the heap with a function to call when it does not
 * (ctk_store_commit_then). */
typedef struct store_waiter {
  struct store_waiter *next;
  int done;
  ctk_code result;             /* of the batch commit and its sync */
  pthread_cond_t wake;         /* its own: waking a batch wakes no caller of the next one */
  ctk_store_durable_fn then;   /* NULL for a caller that waits */
  void *then_arg;
} store_waiter;

struct ctk_store {
  sqlite3 *db;
  pthread_mutex_t lock;        /* the connection: held from store_enter to store_leave */
  sqlite3_stmt *stmt[STMT__COUNT];
  int readonly;
  /* guarded by lock */
  ctk_store *held_prev;        /* what the holder held before (a thread may nest two stores) */
  int depth;                   /* nested store_enter calls of the holder */
  int txn_open;                /* the batch transaction is open */
  int batch_lost;              /* SQLite rolled the batch back under us: it cannot commit */
  unsigned batch_size;
  store_waiter *batch;         /* callers waiting for the batch's commit */
  unsigned long commit_seq;    /* commits so far (batches and lone autocommit writes) */
  sqlite3_int64 changes_seen;  /* sqlite3_total_changes64 at the last counted commit */
  /* the committer; guarded by durable_lock */
  pthread_mutex_t durable_lock;
  pthread_cond_t durable;      /* broadcast when a sync ends, for callers outside a batch */
  unsigned outside_waiters;    /* callers waiting on durable */
  pthread_cond_t work;         /* signalled when the committer has something to do */
  unsigned long wanted_seq;    /* the committer must make commits up to this one durable */
  int batch_waiting;           /* callers wait in the open batch */
  unsigned long durable_seq;   /* every commit up to this one is on disk */
  ctk_code sync_failed;        /* sticky: after a failed fdatasync nothing is durable any more */
  /* Outbox rows up to this id are durable: a claim takes no other (so nothing is sent before
   * the commit that queued it is on disk), and so it need not wait for its own commit.
   * Written by the committer after a sync, read by claims. */
  atomic_llong outbox_durable_id;
  ctk_store_commit_stats counted;
  int stopping;
  int committer_running;
  pthread_t committer;
  int wal_fd;                  /* our own descriptor of the WAL file: opened at open, or at the
                                  first sync if SQLite had not created the file yet */
  char wal_path[4096];
  char dir_path[4096];
};

/* The store this thread holds, so nested calls (begin .. put .. commit) do not queue again. */
static _Thread_local ctk_store *store_held;

#define CTK_STORE_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void store_now(char *out, size_t len)
{
  static _Thread_local ctk_clock_text utc_clock;
  ctk_clock_text_now(&utc_clock, 0, "%Y-%m-%dT%H:%M:%SZ", out, len);
}

/* Take a cached statement, reset and with bindings cleared; the caller holds the lock. */
static sqlite3_stmt *store_stmt(ctk_store *s, int which)
{
  sqlite3_stmt *st = s->stmt[which];
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return st;
}

/* The same without clearing, for the hot writes whose callers bind every parameter each time
 * (clearing 25 bindings costs more than binding them). */
static sqlite3_stmt *store_stmt_rebind(ctk_store *s, int which)
{
  sqlite3_stmt *st = s->stmt[which];
  sqlite3_reset(st);
  return st;
}

/* Values are bound SQLITE_STATIC: SQLite reads them only while the statement steps, and every
 * function here binds and steps (and resets) before it returns, while the caller's strings
 * are alive. A copy per value (TRANSIENT) cost a malloc and a memcpy of every raw message,
 * answer and order body: 4 % of a report's instructions. A statement reset without clearing
 * keeps pointers that dangle until its next use rebinds them; it is never stepped before. */
static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
  sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

static void bind_blob(sqlite3_stmt *st, int i, const char *v, size_t len)
{
  if(v)
    sqlite3_bind_blob64(st, i, v, (sqlite3_uint64)len, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

static void col_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
  const unsigned char *v = sqlite3_column_text(st, i);
  ctk_strlcpy(out, v ? (const char *)v : "", len);
}

/* Run a statement that returns no rows. */
static ctk_code store_exec(ctk_store *s, sqlite3_stmt *st)
{
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if(rc != SQLITE_DONE && rc != SQLITE_ROW) {
    CTK_ERR("store", "sqlite: %s", sqlite3_errmsg(s->db));
    return CTK_E_DB;
  }
  return CTK_E_OK;
}

/* Take the connection. With for_write, make sure the batch transaction is open so what the caller
 * writes is committed with the batch; if it cannot be opened the statements run on their own
 * (autocommit, each durable by itself). */
static void store_enter(ctk_store *s, int for_write)
{
  if(store_held == s) {
    s->depth++;
    return;
  }
  pthread_mutex_lock(&s->lock);
  s->held_prev = store_held;
  store_held = s;
  s->depth = 1;
  if(s->txn_open && sqlite3_get_autocommit(s->db))
    s->batch_lost = 1;         /* an error made SQLite roll the batch back */
  if(for_write && !s->readonly && !s->txn_open &&
     store_exec(s, store_stmt(s, STMT_BEGIN)) == CTK_E_OK) {
    s->txn_open = 1;
    s->batch_lost = 0;
    s->batch_size = 0;
  }
}

/* Commit the batch (the caller holds lock); its waiters are handed back in *list. */
static ctk_code store_commit_batch(ctk_store *s, store_waiter **list)
{
  ctk_code result = CTK_E_OK;
  if(s->batch_lost || sqlite3_get_autocommit(s->db)) {
    CTK_ERR("store", "a batch of %u was rolled back by SQLite", s->batch_size);
    result = CTK_E_DB;
  }
  else {
    result = store_exec(s, store_stmt(s, STMT_COMMIT));
    if(result)
      store_exec(s, store_stmt(s, STMT_ROLLBACK));
  }
  *list = s->batch;
  s->batch = NULL;
  s->batch_size = 0;
  s->txn_open = 0;
  s->batch_lost = 0;
  return result;
}

/* Open our descriptor of the WAL file, and sync its directory once so the file itself
 * survives a power loss (SQLite creates it without a directory sync at synchronous=NORMAL). */
static ctk_code store_open_wal(ctk_store *s)
{
  int dir;
  s->wal_fd = open(s->wal_path, O_RDWR | O_CLOEXEC);
  if(s->wal_fd < 0) {
    CTK_ERR("store", "cannot open %s to sync it: %s", s->wal_path, strerror(errno));
    return CTK_E_DB;
  }
  dir = open(s->dir_path, O_RDONLY | O_CLOEXEC);
  if(dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return CTK_E_OK;
}

/* Make the WAL durable: every commit written before this call is on disk after it. */
static ctk_code store_sync_wal(ctk_store *s)
{
  if(s->wal_fd < 0 && store_open_wal(s))
    return CTK_E_DB;
  if(fdatasync(s->wal_fd)) {
    CTK_ERR("store", "cannot sync %s: %s", s->wal_path, strerror(errno));
    return CTK_E_DB;
  }
  return CTK_E_OK;
}

/* Count a commit if rows changed since the last one counted (a batch's, or single statements'
 * outside the batch, which commit on their own); the caller holds lock. Returns the commit
 * number the caller must wait for. */
static unsigned long store_count_commit(ctk_store *s)
{
  sqlite3_int64 changes = sqlite3_total_changes64(s->db);
  if(changes != s->changes_seen) {
    s->changes_seen = changes;
    s->commit_seq++;
  }
  return s->commit_seq;
}

/* The highest outbox id committed so far (0 if none, or if it cannot be read); the caller
 * holds lock, outside the batch transaction. */
static long long store_outbox_max_id(ctk_store *s)
{
  sqlite3_stmt *st = store_stmt(s, STMT_OUTBOX_MAX_ID);
  long long id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  return id;
}

/* The committer thread: commit the open batch, sync, wake its callers; again while there is
 * work. A failed sync is sticky (after a failed fdatasync the kernel may have dropped the
 * pages, so no later sync can vouch for them): every caller from then on gets the error. */
static void *store_committer(void *arg)
{
  ctk_store *s = arg;
  pthread_mutex_lock(&s->durable_lock);
  for(;;) {
    store_waiter *list = NULL;
    store_waiter *calls = NULL;
    store_waiter *w;
    store_waiter *next;
    unsigned long upto;
    long long outbox_max = 0;
    ctk_code result = CTK_E_OK;

    while(!s->stopping && !s->batch_waiting && s->wanted_seq <= s->durable_seq)
      pthread_cond_wait(&s->work, &s->durable_lock);
    if(s->stopping && !s->batch_waiting && s->wanted_seq <= s->durable_seq)
      break;
    s->batch_waiting = 0;
    pthread_mutex_unlock(&s->durable_lock);

    pthread_mutex_lock(&s->lock);
    if(s->txn_open && s->batch)
      result = store_commit_batch(s, &list);
    /* A batch that changed nothing (callers that only read, or claimed nothing) adds nothing
     * to sync: what its readers saw was committed by earlier batches, which this thread synced
     * before it came here. */
    upto = store_count_commit(s);
    if(!s->txn_open)
      outbox_max = store_outbox_max_id(s);
    pthread_mutex_unlock(&s->lock);

    pthread_mutex_lock(&s->durable_lock);
    if(!s->sync_failed && upto > s->durable_seq) {
      pthread_mutex_unlock(&s->durable_lock);
      ctk_code synced = store_sync_wal(s);
      pthread_mutex_lock(&s->durable_lock);
      s->counted.syncs++;
      if(synced)
        s->sync_failed = synced;
      else if(upto > s->durable_seq)
        s->durable_seq = upto;
    }
    /* before any caller is woken: a caller's kick must find its rows claimable */
    if(!s->sync_failed && outbox_max > atomic_load(&s->outbox_durable_id))
      atomic_store(&s->outbox_durable_id, outbox_max);
    if(s->sync_failed && !result)
      result = s->sync_failed;
    for(w = list; w; w = next) {
      next = w->next;          /* a woken caller's waiter is gone once durable_lock is free */
      w->result = result;
      s->counted.callers++;
      if(w->then) {
        w->next = calls;
        calls = w;
      }
      else {
        w->done = 1;
        pthread_cond_signal(&w->wake);
      }
    }
    if(list)
      s->counted.batches++;
    if(s->outside_waiters)
      pthread_cond_broadcast(&s->durable);
    if(calls) {
      /* outside the lock: a function may take other locks, or the store again */
      pthread_mutex_unlock(&s->durable_lock);
      for(w = calls; w; w = next) {
        next = w->next;
        w->then(w->then_arg, w->result);
        free(w);
      }
      pthread_mutex_lock(&s->durable_lock);
    }
  }
  pthread_mutex_unlock(&s->durable_lock);
  return NULL;
}

/* Wait until commit number seq is durable (a caller outside any batch). */
static ctk_code store_wait_durable(ctk_store *s, unsigned long seq)
{
  ctk_code result;
  pthread_mutex_lock(&s->durable_lock);
  if(seq > s->wanted_seq) {
    s->wanted_seq = seq;
    pthread_cond_signal(&s->work);
  }
  s->outside_waiters++;
  while(!s->sync_failed && s->durable_seq < seq)
    pthread_cond_wait(&s->durable, &s->durable_lock);
  s->outside_waiters--;
  result = s->durable_seq >= seq ? CTK_E_OK : s->sync_failed;
  pthread_mutex_unlock(&s->durable_lock);
  return result;
}

/* Put a caller into the open batch, release the connection and tell the committer. Called
 * holding lock; returns holding durable_lock (never both at once: the committer takes them
 * one after the other too). */
static void store_join_batch(ctk_store *s, store_waiter *w)
{
  w->next = s->batch;
  s->batch = w;
  s->batch_size++;
  pthread_mutex_unlock(&s->lock);
  pthread_mutex_lock(&s->durable_lock);
  s->batch_waiting = 1;
  pthread_cond_signal(&s->work);
}

/* Release the connection. The outermost leave of a caller that took part in the open batch
 * returns only once the committer has made that batch durable; a caller outside any batch
 * waits until every commit it could have seen is durable. Returns result, or the commit's or
 * the sync's error. */
static ctk_code store_leave(ctk_store *s, ctk_code result)
{
  store_waiter me;
  unsigned long seq;
  ctk_code committed;

  if(--s->depth > 0)
    return result;
  store_held = s->held_prev;
  if(!s->txn_open || !s->committer_running) {
    seq = s->readonly ? 0 : store_count_commit(s);
    pthread_mutex_unlock(&s->lock);
    committed = seq ? store_wait_durable(s, seq) : CTK_E_OK;
    return result ? result : committed;
  }
  memset(&me, 0, sizeof(me));
  pthread_cond_init(&me.wake, NULL);
  store_join_batch(s, &me);
  while(!me.done)
    pthread_cond_wait(&me.wake, &s->durable_lock);
  pthread_mutex_unlock(&s->durable_lock);
  pthread_cond_destroy(&me.wake);
  return result ? result : me.result;
}

/* store_leave for a caller that does not wait: then(arg, result) is called once the batch is
 * durable, on the committer thread. Where the unit is not part of a batch (nested, no
 * committer, an error already) it is called at once, on this thread, as store_leave would
 * have returned. */
static void store_leave_then(ctk_store *s, ctk_code result, ctk_store_durable_fn then,
                             void *arg)
{
  store_waiter *w = NULL;

  if(!result && s->depth == 1 && s->txn_open && s->committer_running)
    w = calloc(1, sizeof(*w));
  if(!w) {
    then(arg, store_leave(s, result));
    return;
  }
  s->depth = 0;
  store_held = s->held_prev;
  w->then = then;
  w->then_arg = arg;
  store_join_batch(s, w);
  pthread_mutex_unlock(&s->durable_lock);
}

/* Many writes bind nothing but text parameters 1..count in order; this does the
   whole lock, bind, run, unlock cycle for them so each caller only lists its values. */
static ctk_code store_write_texts(ctk_store *s, int which, const char *const *values,
                                  int count)
{
  sqlite3_stmt *st;
  ctk_code result;
  int i;

  store_enter(s, 1);
  st = store_stmt_rebind(s, which);
  for(i = 0; i < count; i++)
    bind_text(st, i + 1, values[i]);
  result = store_exec(s, st);
  return store_leave(s, result);
}

/* "dir/ctk.db" -> "dir"; "ctk.db" -> "." */
static void store_dirname(char *path)
{
  char *slash = strrchr(path, '/');
  if(!slash)
    ctk_strlcpy(path, ".", 2);
  else if(slash == path)
    slash[1] = '\0';
  else
    *slash = '\0';
}

/* The database file 0600, created if needed, and any -wal or -shm an earlier run left
 * narrowed to it too. */
static int store_make_private(const char *path)
{
  static const char *const sidecars[] = { "-wal", "-shm" };
  char side[1100];
  size_t i;

  if(ctk_file_private(path))
    return -1;
  for(i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
    if(snprintf(side, sizeof(side), "%s%s", path, sidecars[i]) >= (int)sizeof(side))
      return -1;
    if(chmod(side, 0600) && errno != ENOENT)
      return -1;
  }
  return 0;
}

ctk_code ctk_store_open(const char *path, int readonly, ctk_store **out)
{
  ctk_store *s;
  int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int i;
  char *errmsg = NULL;

  *out = NULL;
  if(!path || !*path)
    return CTK_E_INVAL;
  s = calloc(1, sizeof(*s));
  if(!s)
    return CTK_E_NOMEM;
  s->readonly = readonly;
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->durable_lock, NULL);
  pthread_cond_init(&s->durable, NULL);
  pthread_cond_init(&s->work, NULL);
  s->wal_fd = -1;
  if(snprintf(s->wal_path, sizeof(s->wal_path), "%s-wal", path) >= (int)sizeof(s->wal_path) ||
     snprintf(s->dir_path, sizeof(s->dir_path), "%s", path) >= (int)sizeof(s->dir_path)) {
    free(s);
    return CTK_E_INVAL;
  }
  store_dirname(s->dir_path);

  /* The store holds names, phone numbers and complaints: its files are the owner's only.
   * SQLite gives the -wal and -shm files it creates the main file's mode. */
  if(!readonly && store_make_private(path)) {
    CTK_ERR("store", "cannot make %s private (mode 0600): %s", path, strerror(errno));
    ctk_store_close(s);
    return CTK_E_IO;
  }
  /* NOMUTEX: our own mutex serialises every use of the connection. */
  if(sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    CTK_ERR("store", "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "no memory");
    ctk_store_close(s);
    return CTK_E_DB;
  }
  sqlite3_busy_timeout(s->db, 5000);
  if(!readonly) {
    /* WAL: readers (ctk stats, the admin API) never block the writer. synchronous=NORMAL,
     * because the store syncs the WAL itself after each commit, outside the lock (see the top
     * of this file): an answer of success is a promise that survives power loss. */
    if(sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;", NULL, NULL, &errmsg) != SQLITE_OK ||
       sqlite3_exec(s->db, ctk_store_schema, NULL, NULL, &errmsg) != SQLITE_OK) {
      CTK_ERR("store", "cannot prepare %s: %s", path, errmsg ? errmsg : "?");
      sqlite3_free(errmsg);
      ctk_store_close(s);
      return CTK_E_DB;
    }
  }
  for(i = 0; i < STMT__COUNT; i++) {
    if(sqlite3_prepare_v3(s->db, ctk_store_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                          NULL) != SQLITE_OK) {
      CTK_ERR("store", "cannot prepare statement %d: %s", i, sqlite3_errmsg(s->db));
      ctk_store_close(s);
      return CTK_E_DB;
    }
  }
  /* what the file holds at open is as durable as we can know it */
  atomic_store(&s->outbox_durable_id, store_outbox_max_id(s));
  if(!readonly) {
    /* the schema step made SQLite create the WAL: take our descriptor now, while the path
     * still means what it meant at open; if it is not there yet, the first sync opens it */
    if(access(s->wal_path, F_OK) == 0)
      store_open_wal(s);
    if(pthread_create(&s->committer, NULL, store_committer, s)) {
      ctk_store_close(s);
      return CTK_E_NOMEM;
    }
    s->committer_running = 1;
  }
  *out = s;
  return CTK_E_OK;
}

static void store_stop_committer(ctk_store *s)
{
  if(!s->committer_running)
    return;
  pthread_mutex_lock(&s->durable_lock);
  s->stopping = 1;
  pthread_cond_signal(&s->work);
  pthread_mutex_unlock(&s->durable_lock);
  pthread_join(s->committer, NULL);
  s->committer_running = 0;
}

void ctk_store_close(ctk_store *s)
{
  int i;
  if(!s)
    return;
  store_stop_committer(s);
  for(i = 0; i < STMT__COUNT; i++)
    sqlite3_finalize(s->stmt[i]);
  if(s->db && s->txn_open)
    store_exec(s, store_stmt(s, STMT_COMMIT)); /* nobody waits at close; keep what is there */
  if(s->db) {
    if(!s->readonly)
      sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_close(s->db);
  }
  if(s->wal_fd >= 0)
    close(s->wal_fd);
  pthread_mutex_destroy(&s->lock);
  pthread_mutex_destroy(&s->durable_lock);
  pthread_cond_destroy(&s->durable);
  pthread_cond_destroy(&s->work);
  free(s);
}

void ctk_store_commit_stats_get(ctk_store *s, ctk_store_commit_stats *out)
{
  pthread_mutex_lock(&s->durable_lock);
  *out = s->counted;
  pthread_mutex_unlock(&s->durable_lock);
}

const char *ctk_store_errmsg(ctk_store *s)
{
  return s && s->db ? sqlite3_errmsg(s->db) : "no store";
}

ctk_code ctk_store_begin(ctk_store *s)
{
  ctk_code result;
  store_enter(s, 1);
  result = s->txn_open ? store_exec(s, store_stmt(s, STMT_SAVEPOINT)) : CTK_E_DB;
  if(result)
    store_leave(s, result);
  return result;
}

/* End the caller's savepoint dropping its work. */
static void store_drop_unit(ctk_store *s)
{
  store_exec(s, store_stmt(s, STMT_ROLLBACK_TO));
  store_exec(s, store_stmt(s, STMT_RELEASE));
}

/* End the caller's savepoint keeping its work in the batch; if that fails, drop the work. */
static ctk_code store_release_unit(ctk_store *s)
{
  ctk_code result = store_exec(s, store_stmt(s, STMT_RELEASE));
  if(result)
    store_drop_unit(s);
  return result;
}

ctk_code ctk_store_commit(ctk_store *s)
{
  return store_leave(s, store_release_unit(s));
}

void ctk_store_commit_then(ctk_store *s, ctk_store_durable_fn then, void *arg)
{
  store_leave_then(s, store_release_unit(s), then, arg);
}

static void store_forget(void *arg, ctk_code result)
{
  (void)arg;
  (void)result;
}

void ctk_store_commit_nowait(ctk_store *s)
{
  store_leave_then(s, store_release_unit(s), store_forget, NULL);
}

void ctk_store_rollback(ctk_store *s)
{
  store_drop_unit(s);
  store_leave(s, CTK_E_OK);
}

void ctk_store_abandon(ctk_store *s)
{
  store_drop_unit(s);
  if(s->depth > 1 || !s->committer_running) {
    store_leave(s, CTK_E_OK);  /* nested, or no batches: as a rollback */
    return;
  }
  s->depth = 0;
  store_held = s->held_prev;
  if(s->txn_open && !s->batch && !s->batch_lost && !sqlite3_get_autocommit(s->db)) {
    /* Nobody's work is in the open transaction (a caller's unit joins the batch as it
     * leaves, and we hold the connection): end it here, there is nothing to sync. Left open,
     * its read snapshot would hold back checkpoints until the next writer came. */
    if(store_exec(s, store_stmt(s, STMT_COMMIT)))
      store_exec(s, store_stmt(s, STMT_ROLLBACK));
    s->txn_open = 0;
    s->batch_size = 0;
  }
  pthread_mutex_unlock(&s->lock);
}

/* ---- message log ---- */

ctk_code ctk_store_log(ctk_store *s, const ctk_logged_msg *m)
{
  sqlite3_stmt *st;
  char now[CTK_STORE_TIME];
  ctk_code result;

  store_now(now, sizeof(now));
  store_enter(s, 1);
  st = store_stmt_rebind(s, STMT_LOG);
  bind_text(st, 1, now);
  bind_text(st, 2, m->direction);
  bind_text(st, 3, m->peer);
  bind_text(st, 4, m->interface_code);
  bind_text(st, 5, m->msg_id);
  bind_text(st, 6, m->sender);
  bind_text(st, 7, m->order_id);
  bind_text(st, 8, m->binding);
  bind_text(st, 9, m->encoding);
  bind_blob(st, 10, m->raw ? m->raw : "", m->raw ? m->raw_len : 0);
  bind_blob(st, 11, m->answer, m->answer_len);
  bind_text(st, 12, m->result_code);
  bind_text(st, 13, m->verdict);
  bind_text(st, 14, m->reason);
  result = store_exec(s, st);
  if(!result && m->row_id)
    *m->row_id = sqlite3_last_insert_rowid(s->db);
  return store_leave(s, result);
}

ctk_code ctk_store_log_retract(ctk_store *s, int64_t row_id, const char *reason)
{
  sqlite3_stmt *st;
  ctk_code result;

  store_enter(s, 1);
  st = store_stmt(s, STMT_LOG_RETRACT);
  sqlite3_bind_int64(st, 1, row_id);
  bind_text(st, 2, reason);
  result = store_exec(s, st);
  return store_leave(s, result);
}

long ctk_store_log_count(ctk_store *s, const char *verdict)
{
  sqlite3_stmt *st;
  long n = -1;
  store_enter(s, 0);
  st = store_stmt(s, STMT_LOG_COUNT);
  bind_text(st, 1, verdict);
  if(sqlite3_step(st) == SQLITE_ROW)
    n = (long)sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  store_leave(s, CTK_E_OK);
  return n;
}

/* ---- idempotency ---- */

ctk_code ctk_store_msgid_get(ctk_store *s, const char *sender, const char *msg_id,
                             char hash[65], ctk_buf *answer, char *content_type, size_t ctlen)
{
  sqlite3_stmt *st;
  ctk_code result = CTK_E_NOTFOUND;
  int rc;

  store_enter(s, 0);
  st = store_stmt(s, STMT_MSGID_GET);
  bind_text(st, 1, sender);
  bind_text(st, 2, msg_id);
  rc = sqlite3_step(st);
  if(rc == SQLITE_ROW) {
    col_text(st, 0, hash, 65);
    result = ctk_buf_add(answer, sqlite3_column_blob(st, 1),
                         (size_t)sqlite3_column_bytes(st, 1));
    col_text(st, 2, content_type, ctlen);
  }
  else if(rc != SQLITE_DONE)
    result = CTK_E_DB;
  sqlite3_reset(st);
  return store_leave(s, result);
}

ctk_code ctk_store_msgid_put(ctk_store *s, const char *sender, const char *msg_id,
                             const char *hash, const char *answer, size_t answer_len,
                             const char *content_type)
{
  sqlite3_stmt *st;
  char now[CTK_STORE_TIME];
  ctk_code result;

  store_now(now, sizeof(now));
  store_enter(s, 1);
  st = store_stmt_rebind(s, STMT_MSGID_PUT);
  bind_text(st, 1, sender);
  bind_text(st, 2, msg_id);
  bind_text(st, 3, hash);
  bind_blob(st, 4, answer ? answer : "", answer ? answer_len : 0);
  bind_text(st, 5, content_type);
  bind_text(st, 6, now);
  result = store_exec(s, st);
  return store_leave(s, result);
}

/* ---- work orders ---- */

static void order_from_row(sqlite3_stmt *st, ctk_order *o)
{
  memset(o, 0, sizeof(*o));
  col_text(st, 0, o->order_id, sizeof(o->order_id));
  col_text(st, 1, o->accept_time, sizeof(o->accept_time));
  col_text(st, 2, o->accept_region, sizeof(o->accept_region));
  col_text(st, 3, o->handle_region, sizeof(o->handle_region));
  col_text(st, 4, o->channel, sizeof(o->channel));
  col_text(st, 5, o->business_type, sizeof(o->business_type));
  col_text(st, 6, o->domain, sizeof(o->domain));
  col_text(st, 7, o->status, sizeof(o->status));
  o->instant_answer = sqlite3_column_int(st, 8);
  col_text(st, 9, o->deadline, sizeof(o->deadline));
  col_text(st, 10, o->origin, sizeof(o->origin));
  col_text(st, 11, o->target, sizeof(o->target));
  col_text(st, 12, o->up, sizeof(o->up));
  col_text(st, 13, o->transfer_to, sizeof(o->transfer_to));
  o->transferred = sqlite3_column_int(st, 14);
  col_text(st, 15, o->completed_time, sizeof(o->completed_time));
  col_text(st, 16, o->revisit_time, sizeof(o->revisit_time));
  o->revisit_reached = sqlite3_column_int(st, 17);
  col_text(st, 18, o->satisfaction, sizeof(o->satisfaction));
  o->supervised = sqlite3_column_int(st, 19);
  o->urged = sqlite3_column_int(st, 20);
  col_text(st, 21, o->created_at, sizeof(o->created_at));
  col_text(st, 22, o->updated_at, sizeof(o->updated_at));
  col_text(st, 23, o->accept_date, sizeof(o->accept_date));
}

ctk_code ctk_store_order_get(ctk_store *s, const char *order_id, ctk_order *o)
{
  sqlite3_stmt *st;
  ctk_code result = CTK_E_NOTFOUND;
  int rc;

  store_enter(s, 0);
  st = store_stmt(s, STMT_ORDER_GET);
  bind_text(st, 1, order_id);
  rc = sqlite3_step(st);
  if(rc == SQLITE_ROW) {
    order_from_row(st, o);
    result = CTK_E_OK;
  }
  else if(rc != SQLITE_DONE)
    result = CTK_E_DB;
  sqlite3_reset(st);
  return store_leave(s, result);
}

/* Bind the 23 order columns in ORDER_COLS order, then accept_date and the XML. */
static void bind_order(sqlite3_stmt *st, const ctk_order *o, const char *xml, size_t xml_len)
{
  /* accept_date: the day the node read from accept_time in its profile's format; else the
   * first 10 characters of accept_time, bound in place (see bind_text) */
  if(o->accept_date[0])
    sqlite3_bind_text(st, 24, o->accept_date, (int)strnlen(o->accept_date, 10), SQLITE_STATIC);
  else
    sqlite3_bind_text(st, 24, o->accept_time, (int)strnlen(o->accept_time, 10), SQLITE_STATIC);
  bind_text(st, 1, o->order_id);
  bind_text(st, 2, o->accept_time);
  bind_text(st, 3, o->accept_region);
  bind_text(st, 4, o->handle_region);
  bind_text(st, 5, o->channel);
  bind_text(st, 6, o->business_type);
  bind_text(st, 7, o->domain);
  bind_text(st, 8, o->status);
  sqlite3_bind_int(st, 9, o->instant_answer);
  bind_text(st, 10, o->deadline);
  bind_text(st, 11, o->origin);
  bind_text(st, 12, o->target);
  bind_text(st, 13, o->up);
  bind_text(st, 14, o->transfer_to);
  sqlite3_bind_int(st, 15, o->transferred);
  bind_text(st, 16, o->completed_time);
  bind_text(st, 17, o->revisit_time);
  sqlite3_bind_int(st, 18, o->revisit_reached);
  bind_text(st, 19, o->satisfaction);
  sqlite3_bind_int(st, 20, o->supervised);
  sqlite3_bind_int(st, 21, o->urged);
  bind_text(st, 22, o->created_at);
  bind_text(st, 23, o->updated_at);
  bind_blob(st, 25, xml, xml_len);
}

/* Run the order UPDATE or INSERT with o's values; the caller holds the store. */
static ctk_code store_order_write(ctk_store *s, int which, const ctk_order *o, const char *xml,
                                  size_t xml_len)
{
  sqlite3_stmt *st = store_stmt_rebind(s, which);
  bind_order(st, o, xml, xml_len);
  return store_exec(s, st);
}

ctk_code ctk_store_order_put(ctk_store *s, const ctk_order *o, const char *xml, size_t xml_len)
{
  ctk_code result;

  store_enter(s, 1);
  result = store_order_write(s, STMT_ORDER_UPDATE, o, xml, xml_len);
  if(!result && sqlite3_changes(s->db) == 0)
    result = store_order_write(s, STMT_ORDER_INSERT, o, xml, xml_len);
  return store_leave(s, result);
}

ctk_code ctk_store_order_add(ctk_store *s, const ctk_order *o, const char *xml, size_t xml_len)
{
  ctk_code result;

  store_enter(s, 1);
  result = store_order_write(s, STMT_ORDER_INSERT, o, xml, xml_len);
  return store_leave(s, result);
}

ctk_code ctk_store_order_xml(ctk_store *s, const char *order_id, ctk_buf *out)
{
  sqlite3_stmt *st;
  ctk_code result = CTK_E_NOTFOUND;
  int rc;

  store_enter(s, 0);
  st = store_stmt(s, STMT_ORDER_XML);
  bind_text(st, 1, order_id);
  rc = sqlite3_step(st);
  if(rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    result = ctk_buf_add(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
  else if(rc != SQLITE_DONE && rc != SQLITE_ROW)
    result = CTK_E_DB;
  sqlite3_reset(st);
  return store_leave(s, result);
}

ctk_code ctk_store_history_add(ctk_store *s, const char *order_id, const ctk_history_event *ev)
{
  const char *values[] = { order_id, ev->time, ev->interface_code, ev->status, ev->region,
                           ev->msg_id };
  return store_write_texts(s, STMT_HISTORY_ADD, values, (int)CTK_STORE_COUNT(values));
}

ctk_code ctk_store_history_each(ctk_store *s, const char *order_id, ctk_history_cb cb, void *ctx)
{
  sqlite3_stmt *st;
  ctk_history_event ev;
  ctk_code result = CTK_E_OK;
  int rc;

  store_enter(s, 0);
  st = store_stmt(s, STMT_HISTORY_EACH);
  bind_text(st, 1, order_id);
  for(;;) {
    rc = sqlite3_step(st);
    if(rc != SQLITE_ROW)
      break;
    col_text(st, 0, ev.time, sizeof(ev.time));
    col_text(st, 1, ev.interface_code, sizeof(ev.interface_code));
    col_text(st, 2, ev.status, sizeof(ev.status));
    col_text(st, 3, ev.region, sizeof(ev.region));
    col_text(st, 4, ev.msg_id, sizeof(ev.msg_id));
    if(cb(ctx, &ev))
      break;
  }
  if(rc != SQLITE_DONE && rc != SQLITE_ROW)
    result = CTK_E_DB;
  sqlite3_reset(st);
  return store_leave(s, result);
}

/* Walk the rows of a prepared order query. */
static ctk_code store_orders_walk(sqlite3_stmt *st, ctk_order_cb cb, void *ctx)
{
  ctk_order o;
  int rc;
  for(;;) {
    rc = sqlite3_step(st);
    if(rc != SQLITE_ROW)
      break;
    order_from_row(st, &o);
    if(cb(ctx, &o))
      break;
  }
  sqlite3_reset(st);
  return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? CTK_E_OK : CTK_E_DB;
}

ctk_code ctk_store_orders_each(ctk_store *s, const char *region_prefix, const char *from,
                               const char *to, ctk_order_cb cb, void *ctx)
{
  sqlite3_stmt *st;
  ctk_code result;

  store_enter(s, 0);
  st = store_stmt(s, STMT_ORDERS_EACH);
  bind_text(st, 1, region_prefix);
  bind_text(st, 2, from);
  bind_text(st, 3, to);
  result = store_orders_walk(st, cb, ctx);
  return store_leave(s, result);
}

ctk_code ctk_store_overdue_each(ctk_store *s, const char *today, const char *open_states,
                                ctk_order_cb cb, void *ctx)
{
  sqlite3_stmt *st;
  ctk_code result;

  store_enter(s, 0);
  st = store_stmt(s, STMT_OVERDUE_EACH);
  bind_text(st, 1, today);
  bind_text(st, 2, open_states);
  result = store_orders_walk(st, cb, ctx);
  return store_leave(s, result);
}

ctk_code ctk_store_urge_mark(ctk_store *s, const char *order_id, const char *day)
{
  sqlite3_stmt *st;
  ctk_code result;

  store_enter(s, 1);
  st = store_stmt(s, STMT_URGE_MARK);
  bind_text(st, 1, order_id);
  bind_text(st, 2, day);
  result = store_exec(s, st);
  if(!result && sqlite3_changes(s->db) == 0)
    result = CTK_E_EXISTS;
  return store_leave(s, result);
}

/* ---- outbox ---- */

ctk_code ctk_store_outbox_add(ctk_store *s, ctk_outbox_item *item, const char *body,
                              size_t body_len)
{
  sqlite3_stmt *st;
  char now[CTK_STORE_TIME];
  ctk_code result;

  store_now(now, sizeof(now));
  store_enter(s, 1);
  st = store_stmt(s, STMT_OUTBOX_ADD);
  bind_text(st, 1, item->fifo_key[0] ? item->fifo_key : item->msg_id);
  bind_text(st, 2, item->peer);
  bind_text(st, 3, item->interface_code);
  bind_text(st, 4, item->msg_id);
  bind_text(st, 5, item->order_id);
  bind_blob(st, 6, body, body_len);
  sqlite3_bind_int64(st, 7, item->next_at_ms);
  bind_text(st, 8, now);
  result = store_exec(s, st);
  if(!result)
    item->id = sqlite3_last_insert_rowid(s->db);
  return store_leave(s, result);
}

ctk_code ctk_store_outbox_claim(ctk_store *s, int64_t now_ms, int lifo, ctk_outbox_item *item,
                                ctk_buf *body)
{
  sqlite3_stmt *st;
  ctk_code result = CTK_E_NOTFOUND;
  int rc;

  store_enter(s, 1);
  st = store_stmt(s, lifo ? STMT_OUTBOX_CLAIM_LIFO : STMT_OUTBOX_CLAIM_FIFO);
  sqlite3_bind_int64(st, 1, now_ms);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)atomic_load(&s->outbox_durable_id));
  rc = sqlite3_step(st);
  if(rc == SQLITE_ROW) {
    memset(item, 0, sizeof(*item));
    item->id = sqlite3_column_int64(st, 0);
    col_text(st, 1, item->fifo_key, sizeof(item->fifo_key));
    col_text(st, 2, item->peer, sizeof(item->peer));
    col_text(st, 3, item->interface_code, sizeof(item->interface_code));
    col_text(st, 4, item->msg_id, sizeof(item->msg_id));
    col_text(st, 5, item->order_id, sizeof(item->order_id));
    item->attempts = sqlite3_column_int(st, 6);
    item->next_at_ms = sqlite3_column_int64(st, 7);
    result = ctk_buf_add(body, sqlite3_column_blob(st, 8), (size_t)sqlite3_column_bytes(st, 8));
  }
  else if(rc != SQLITE_DONE)
    result = CTK_E_DB;
  sqlite3_reset(st);
  if(!result) {
    st = store_stmt(s, STMT_OUTBOX_INFLIGHT);
    sqlite3_bind_int64(st, 1, item->id);
    result = store_exec(s, st);
  }
  return store_leave(s, result);
}

ctk_code ctk_store_outbox_release(ctk_store *s, int64_t id)
{
  sqlite3_stmt *st;
  ctk_code result;

  store_enter(s, 1);
  st = store_stmt(s, STMT_OUTBOX_RELEASE);
  sqlite3_bind_int64(st, 1, id);
  result = store_exec(s, st);
  return store_leave(s, result);
}

ctk_code ctk_store_outbox_next_due(ctk_store *s, int64_t *next_at_ms)
{
  sqlite3_stmt *st;
  ctk_code result = CTK_E_NOTFOUND;

  store_enter(s, 0);
  st = store_stmt(s, STMT_OUTBOX_NEXT_DUE);
  if(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
    *next_at_ms = sqlite3_column_int64(st, 0);
    result = CTK_E_OK;
  }
  sqlite3_reset(st);
  return store_leave(s, result);
}

ctk_code ctk_store_outbox_done(ctk_store *s, int64_t id, int delivered, const char *error)
{
  sqlite3_stmt *st;
  char now[CTK_STORE_TIME];
  ctk_code result;

  store_now(now, sizeof(now));
  store_enter(s, 1);
  st = store_stmt(s, STMT_OUTBOX_DONE);
  sqlite3_bind_int64(st, 1, id);
  bind_text(st, 2, delivered ? "delivered" : "failed");
  bind_text(st, 3, error);
  bind_text(st, 4, now);
  result = store_exec(s, st);
  return store_leave(s, result);
}

ctk_code ctk_store_outbox_retry(ctk_store *s, int64_t id, int64_t next_at_ms, const char *error)
{
  sqlite3_stmt *st;
  ctk_code result;

  store_enter(s, 1);
  st = store_stmt(s, STMT_OUTBOX_RETRY);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, next_at_ms);
  bind_text(st, 3, error);
  result = store_exec(s, st);
  return store_leave(s, result);
}

ctk_code ctk_store_outbox_restart(ctk_store *s)
{
  ctk_code result;
  store_enter(s, 1);
  result = store_exec(s, store_stmt(s, STMT_OUTBOX_RESTART));
  return store_leave(s, result);
}

ctk_code ctk_store_outbox_counts(ctk_store *s, ctk_outbox_counts *c)
{
  sqlite3_stmt *st;
  int rc;

  memset(c, 0, sizeof(*c));
  store_enter(s, 0);
  st = store_stmt(s, STMT_OUTBOX_COUNTS);
  for(;;) {
    const char *state;
    long n;
    rc = sqlite3_step(st);
    if(rc != SQLITE_ROW)
      break;
    state = (const char *)sqlite3_column_text(st, 0);
    n = (long)sqlite3_column_int64(st, 1);
    if(!state)
      continue;
    if(!strcmp(state, "pending"))
      c->pending = n;
    else if(!strcmp(state, "delivered"))
      c->delivered = n;
    else if(!strcmp(state, "failed"))
      c->failed = n;
  }
  sqlite3_reset(st);
  return store_leave(s, rc == SQLITE_DONE ? CTK_E_OK : CTK_E_DB);
}

/* ---- received reports and knowledge ---- */

ctk_code ctk_store_stat_put(ctk_store *s, const char *region, const char *period_start,
                            const char *period_end, const char *name, const char *value)
{
  char now[CTK_STORE_TIME];
  const char *values[] = { region, period_start, period_end, name, value, now };

  store_now(now, sizeof(now));
  return store_write_texts(s, STMT_STAT_PUT, values, (int)CTK_STORE_COUNT(values));
}

ctk_code ctk_store_stat_get(ctk_store *s, const char *region, const char *period_start,
                            const char *period_end, const char *name, char *value, size_t len)
{
  sqlite3_stmt *st;
  ctk_code result = CTK_E_NOTFOUND;

  store_enter(s, 0);
  st = store_stmt(s, STMT_STAT_GET);
  bind_text(st, 1, region);
  bind_text(st, 2, period_start);
  bind_text(st, 3, period_end);
  bind_text(st, 4, name);
  if(sqlite3_step(st) == SQLITE_ROW) {
    col_text(st, 0, value, len);
    result = CTK_E_OK;
  }
  sqlite3_reset(st);
  return store_leave(s, result);
}

ctk_code ctk_store_knowledge_put(ctk_store *s, const char *item_id, const char *klass,
                                 const char *title, const char *content,
                                 const char *update_time, const char *action)
{
  const char *values[] = { item_id, klass, title, content, update_time, action };
  return store_write_texts(s, STMT_KB_PUT, values, (int)CTK_STORE_COUNT(values));
}

int ctk_store_knowledge_has(ctk_store *s, const char *item_id)
{
  sqlite3_stmt *st;
  int found = 0;
  int rc;

  store_enter(s, 0);
  st = store_stmt(s, STMT_KB_HAS);
  bind_text(st, 1, item_id);
  rc = sqlite3_step(st);
  if(rc == SQLITE_ROW) {
    const char *action = (const char *)sqlite3_column_text(st, 0);
    found = !(action && !strcmp(action, "delete"));
  }
  else if(rc != SQLITE_DONE)
    found = -1;
  sqlite3_reset(st);
  store_leave(s, CTK_E_OK);
  return found;
}
