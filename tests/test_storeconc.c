/* test_storeconc: the store used by many threads at once, as the HTTP workers of an endpoint
 * use it. Whatever the store does to share commits (group commit), each caller's transaction
 * must stand alone: a commit keeps all of its rows, a rollback none, and another thread's
 * rollback in the same moment takes nothing of ours. Also the bench helpers that write through
 * the store (ctk_bench_preload) and stamp requests (ctk_bench_template). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctk_bench.h"
#include "ctk_bench_template.h"
#include "ctk_profile.h"
#include "ctk_store.h"
#include "ctk_test.h"

#define CONC_THREADS 8
#define CONC_ROUNDS 60

/* A new store in a fresh temporary folder called name; its file's path goes to path. */
static ctk_store *conc_open(const char *name, char *path, size_t len)
{
  ctk_store *s = NULL;
  snprintf(path, len, "%s/ctk.db", ctk_test_tmpdir(name));
  return ctk_store_open(path, 0, &s) == CTK_E_OK ? s : NULL;
}

typedef struct conc_arg {
  ctk_store *store;
  int thread;
  int committed;               /* transactions this thread saw succeed */
  int failures;                /* unexpected errors */
} conc_arg;

static void conc_order(ctk_order *o, int thread, int round, int kept)
{
  memset(o, 0, sizeof(*o));
  /* kept orders end in 1, rolled-back ones in 0: the check below tells them apart */
  snprintf(o->order_id, sizeof(o->order_id), "36010020260101%02d%03d%d", thread, round, kept);
  ctk_strlcpy(o->accept_region, "360100", sizeof(o->accept_region));
  ctk_strlcpy(o->accept_time, "2026-01-01T08:00:00+08:00", sizeof(o->accept_time));
  ctk_strlcpy(o->status, "02", sizeof(o->status));
}

/* Each round: one transaction that commits an order with history, one that rolls back. */
static void *conc_main(void *p)
{
  conc_arg *a = p;
  int r;

  for(r = 0; r < CONC_ROUNDS; r++) {
    ctk_order o;
    ctk_history_event ev;
    int kept;

    for(kept = 0; kept <= 1; kept++) {
      conc_order(&o, a->thread, r, kept);
      if(ctk_store_begin(a->store)) {
        a->failures++;
        continue;
      }
      memset(&ev, 0, sizeof(ev));
      ctk_strlcpy(ev.interface_code, "1001", sizeof(ev.interface_code));
      if(ctk_store_order_put(a->store, &o, "<WorkOrder/>", 12) ||
         ctk_store_history_add(a->store, o.order_id, &ev)) {
        a->failures++;
        ctk_store_rollback(a->store);
        continue;
      }
      if(!kept)
        ctk_store_rollback(a->store);
      else if(ctk_store_commit(a->store) == CTK_E_OK)
        a->committed++;
      else
        a->failures++;
    }
    /* a read between transactions sees our own last commit */
    conc_order(&o, a->thread, r, 1);
    if(ctk_store_order_get(a->store, o.order_id, &o) != CTK_E_OK)
      a->failures++;
  }
  return NULL;
}

static int conc_count(void *ctx, const ctk_order *o)
{
  int *n = ctx;
  size_t len = strlen(o->order_id);
  if(len && o->order_id[len - 1] == '1')
    n[0]++;
  else
    n[1]++;
  return 0;
}

static int conc_events(void *ctx, const ctk_history_event *ev)
{
  (void)ev;
  (*(int *)ctx)++;
  return 0;
}

static void test_threads_commit_and_roll_back_alone(void)
{
  char path[512];
  ctk_store *s = NULL;
  pthread_t th[CONC_THREADS];
  conc_arg args[CONC_THREADS];
  int counts[2] = { 0, 0 };
  int committed = 0;
  int i;

  s = conc_open("storeconc", path, sizeof(path));
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  for(i = 0; i < CONC_THREADS; i++) {
    args[i].store = s;
    args[i].thread = i;
    args[i].committed = 0;
    args[i].failures = 0;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, conc_main, &args[i]), 0);
  }
  for(i = 0; i < CONC_THREADS; i++) {
    pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(args[i].failures, 0);
    committed += args[i].committed;
  }
  CU_ASSERT_EQUAL(committed, CONC_THREADS * CONC_ROUNDS);
  {
    /* every commit, rollback and read waited in exactly one batch; each batch was synced
     * (one sync may cover several batches, never the other way round) */
    ctk_store_commit_stats cs;
    ctk_store_commit_stats_get(s, &cs);
    CU_ASSERT(cs.callers >= (unsigned long)(CONC_THREADS * CONC_ROUNDS * 2));
    CU_ASSERT(cs.batches >= 1 && cs.batches <= cs.callers);
    CU_ASSERT(cs.syncs >= 1 && cs.syncs <= cs.batches);
  }
  ctk_store_close(s);

  /* after close and reopen: every committed order and its history, no rolled-back one */
  s = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_store_open(path, 1, &s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_orders_each(s, "", "", "", conc_count, counts), CTK_E_OK);
  CU_ASSERT_EQUAL(counts[0], CONC_THREADS * CONC_ROUNDS);
  CU_ASSERT_EQUAL(counts[1], 0);
  {
    ctk_order o;
    int events = 0;
    conc_order(&o, CONC_THREADS - 1, CONC_ROUNDS - 1, 1);
    CU_ASSERT_EQUAL(ctk_store_history_each(s, o.order_id, conc_events, &events), CTK_E_OK);
    CU_ASSERT_EQUAL(events, 1);
    conc_order(&o, 0, 0, 0);
    events = 0;
    CU_ASSERT_EQUAL(ctk_store_history_each(s, o.order_id, conc_events, &events), CTK_E_OK);
    CU_ASSERT_EQUAL(events, 0);
  }
  ctk_store_close(s);
}

/* A single statement outside begin/commit is kept too (it may share a commit with others). */
static void test_single_statements_are_kept(void)
{
  char path[512];
  ctk_store *s = NULL;
  ctk_outbox_item it;
  ctk_outbox_counts c;

  s = conc_open("storeconc-single", path, sizeof(path));
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(ctk_store_stat_put(s, "360000", "2026-01-01", "2026-01-31", "orders", "5"),
                  CTK_E_OK);
  memset(&it, 0, sizeof(it));
  ctk_strlcpy(it.fifo_key, "k", sizeof(it.fifo_key));
  ctk_strlcpy(it.peer, "100000", sizeof(it.peer));
  CU_ASSERT_EQUAL(ctk_store_outbox_add(s, &it, "x", 1), CTK_E_OK);
  ctk_store_close(s);
  s = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_store_open(path, 0, &s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_counts(s, &c), CTK_E_OK);
  CU_ASSERT_EQUAL(c.pending, 1);
  {
    char v[16] = "";
    CU_ASSERT_EQUAL(ctk_store_stat_get(s, "360000", "2026-01-01", "2026-01-31", "orders", v,
                                       sizeof(v)), CTK_E_OK);
    CU_ASSERT_STRING_EQUAL(v, "5");
  }
  ctk_store_close(s);
}

/* Units committed without waiting (ctk_store_commit_then), as parked HTTP requests commit:
 * each caller's function is called exactly once, with success, on the committer thread, after
 * which the unit is there for anyone; a nested unit hears at once, on its own thread. */
#define THEN_THREADS 4
#define THEN_ROUNDS 50

typedef struct then_count {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int ok;
  int failed;
  int calls;
  int on_caller_thread;        /* calls made on the thread that committed */
  pthread_t caller;            /* for the single-threaded checks */
} then_count;

static void then_done(void *arg, ctk_code result)
{
  then_count *c = arg;
  pthread_mutex_lock(&c->lock);
  c->calls++;
  if(result == CTK_E_OK)
    c->ok++;
  else
    c->failed++;
  if(pthread_equal(pthread_self(), c->caller))
    c->on_caller_thread++;
  pthread_cond_broadcast(&c->changed);
  pthread_mutex_unlock(&c->lock);
}

static void then_init(then_count *c)
{
  memset(c, 0, sizeof(*c));
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->changed, NULL);
  c->caller = pthread_self();
}

static void then_destroy(then_count *c)
{
  pthread_cond_destroy(&c->changed);
  pthread_mutex_destroy(&c->lock);
}

/* Wait (at most 10 s) until n calls were counted. */
static int then_wait(then_count *c, int n)
{
  return ctk_test_wait_count(&c->lock, &c->changed, &c->calls, n, 10);
}

typedef struct then_arg {
  ctk_store *store;
  int thread;
  then_count *count;
  int failures;
} then_arg;

static void *then_main(void *p)
{
  then_arg *a = p;
  int r;
  for(r = 0; r < THEN_ROUNDS; r++) {
    ctk_order o;
    conc_order(&o, 50 + a->thread, r, 1);
    if(ctk_store_begin(a->store)) {
      a->failures++;
      continue;
    }
    if(ctk_store_order_put(a->store, &o, "<WorkOrder/>", 12)) {
      a->failures++;
      ctk_store_rollback(a->store);
      continue;
    }
    ctk_store_commit_then(a->store, then_done, a->count);
  }
  return NULL;
}

static void test_commit_then_calls_once_when_durable(void)
{
  char path[512];
  ctk_store *s = NULL;
  pthread_t th[THEN_THREADS];
  then_arg args[THEN_THREADS];
  then_count count;
  ctk_order o;
  int counts[2] = { 0, 0 };
  int i;

  then_init(&count);
  s = conc_open("storeconc-then", path, sizeof(path));
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);

  /* one unit from this thread: called back on the committer, not here, and then readable */
  conc_order(&o, 49, 0, 1);
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &o, "<WorkOrder/>", 12), CTK_E_OK);
  ctk_store_commit_then(s, then_done, &count);
  CU_ASSERT_EQUAL(then_wait(&count, 1), 1);
  CU_ASSERT_EQUAL(count.ok, 1);
  CU_ASSERT_EQUAL(count.on_caller_thread, 0);
  CU_ASSERT_EQUAL(ctk_store_order_get(s, o.order_id, &o), CTK_E_OK);

  /* nested in an outer unit: told at once, on this thread, as a nested commit returns at
   * once; the outer commit makes it durable */
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  conc_order(&o, 49, 1, 1);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &o, "<WorkOrder/>", 12), CTK_E_OK);
  ctk_store_commit_then(s, then_done, &count);
  CU_ASSERT_EQUAL(count.calls, 2);
  CU_ASSERT_EQUAL(count.on_caller_thread, 1);
  CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);

  /* many threads at once: every unit called back exactly once, with success */
  for(i = 0; i < THEN_THREADS; i++) {
    args[i].store = s;
    args[i].thread = i;
    args[i].count = &count;
    args[i].failures = 0;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, then_main, &args[i]), 0);
  }
  for(i = 0; i < THEN_THREADS; i++) {
    pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(args[i].failures, 0);
  }
  CU_ASSERT_EQUAL(then_wait(&count, 2 + THEN_THREADS * THEN_ROUNDS),
                  2 + THEN_THREADS * THEN_ROUNDS);
  CU_ASSERT_EQUAL(count.ok, 2 + THEN_THREADS * THEN_ROUNDS);
  CU_ASSERT_EQUAL(count.failed, 0);
  CU_ASSERT_EQUAL(count.on_caller_thread, 1);
  ctk_store_close(s);
  /* no call after close, and none twice */
  CU_ASSERT_EQUAL(count.calls, 2 + THEN_THREADS * THEN_ROUNDS);

  s = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_store_open(path, 1, &s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_orders_each(s, "", "", "", conc_count, counts), CTK_E_OK);
  CU_ASSERT_EQUAL(counts[0], 2 + THEN_THREADS * THEN_ROUNDS);
  CU_ASSERT_EQUAL(counts[1], 0);
  ctk_store_close(s);
  then_destroy(&count);
}

/* A batch that changed nothing (reads, a claim that found nothing) is not synced: only what
 * was written costs a WAL sync. Its callers still wait for the batch, so they are counted. */
static void test_read_only_batches_are_not_synced(void)
{
  char path[512];
  ctk_store *s = NULL;
  ctk_store_commit_stats before;
  ctk_store_commit_stats after;
  ctk_outbox_item it;
  ctk_buf body;
  ctk_order o;
  int i;

  s = conc_open("storeconc-readonly", path, sizeof(path));
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  conc_order(&o, 0, 0, 1);
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &o, "<WorkOrder/>", 12), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);
  ctk_store_commit_stats_get(s, &before);
  CU_ASSERT(before.syncs >= 1);

  ctk_buf_init(&body, 4096);
  for(i = 0; i < 5; i++) {
    /* a unit that reads, and one that claims from an empty outbox */
    CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_store_order_get(s, o.order_id, &o), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);
    CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 0, 0, &it, &body), CTK_E_NOTFOUND);
    CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);
  }
  ctk_store_commit_stats_get(s, &after);
  CU_ASSERT_EQUAL(after.syncs, before.syncs);
  CU_ASSERT_EQUAL(after.callers, before.callers + 10);

  /* and a write after them is synced again */
  conc_order(&o, 0, 1, 1);
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &o, "<WorkOrder/>", 12), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);
  ctk_store_commit_stats_get(s, &after);
  CU_ASSERT_EQUAL(after.syncs, before.syncs + 1);
  ctk_buf_free(&body);
  ctk_store_close(s);
}

/* ctk_store_abandon: the unit's work is gone, the caller does not join a batch (nor wait for
 * one), a nested unit takes only its own work away, and others' units in the open batch are
 * still committed and heard of. With nobody's work open it ends the transaction, so it holds
 * no read snapshot that would keep a checkpoint from emptying the WAL. */
static void test_abandon_leaves_without_joining(void)
{
  char path[512];
  ctk_store *s = NULL;
  ctk_store_commit_stats before;
  ctk_store_commit_stats after;
  ctk_outbox_item it;
  ctk_buf body;
  ctk_order a;
  ctk_order b;
  ctk_order got;
  then_count count;
  sqlite3 *other = NULL;
  int log_frames = -1;
  int moved = -1;

  then_init(&count);
  ctk_buf_init(&body, 4096);
  s = conc_open("storeconc-abandon", path, sizeof(path));
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  conc_order(&a, 90, 0, 1);
  conc_order(&b, 90, 1, 1);

  /* alone: the write is gone, no batch joined */
  ctk_store_commit_stats_get(s, &before);
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &a, "<WorkOrder/>", 12), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 0, 0, &it, &body), CTK_E_NOTFOUND);
  ctk_store_abandon(s);
  ctk_store_commit_stats_get(s, &after);
  CU_ASSERT_EQUAL(after.callers, before.callers);
  CU_ASSERT_EQUAL(after.batches, before.batches);
  CU_ASSERT_EQUAL(ctk_store_order_get(s, a.order_id, &got), CTK_E_NOTFOUND);

  /* nested: only the inner unit's work goes */
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &a, "<WorkOrder/>", 12), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &b, "<WorkOrder/>", 12), CTK_E_OK);
  ctk_store_abandon(s);
  CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_get(s, a.order_id, &got), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_get(s, b.order_id, &got), CTK_E_NOTFOUND);

  /* another unit waiting in the open batch is still made durable and told so */
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &b, "<WorkOrder/>", 12), CTK_E_OK);
  ctk_store_commit_then(s, then_done, &count);
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 0, 0, &it, &body), CTK_E_NOTFOUND);
  ctk_store_abandon(s);
  CU_ASSERT_EQUAL(then_wait(&count, 1), 1);
  CU_ASSERT_EQUAL(count.ok, 1);
  CU_ASSERT_EQUAL(ctk_store_order_get(s, b.order_id, &got), CTK_E_OK);

  /* and no snapshot is left open: another connection empties the WAL */
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 0, 0, &it, &body), CTK_E_NOTFOUND);
  ctk_store_abandon(s);
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &other), SQLITE_OK);
  /* a first read makes the new connection see the WAL */
  CU_ASSERT_EQUAL(sqlite3_exec(other, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL),
                  SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_wal_checkpoint_v2(other, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log_frames,
                                            &moved), SQLITE_OK);
  CU_ASSERT_EQUAL(log_frames, 0);
  sqlite3_close(other);

  ctk_store_close(s);
  ctk_buf_free(&body);
  then_destroy(&count);
}

/* A claim hands out only rows whose queuing commit is durable: a row queued in the open batch
 * is not claimable until that batch is synced. A unit committed without waiting
 * (ctk_store_commit_nowait) returns at once and is made durable all the same. */
static void test_claim_waits_for_durable_rows(void)
{
  char path[512];
  ctk_store *s = NULL;
  ctk_outbox_item it;
  ctk_outbox_item got;
  ctk_buf body;
  int found = 0;
  int tries;

  ctk_buf_init(&body, 4096);
  s = conc_open("storeconc-durable-claim", path, sizeof(path));
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(&it, 0, sizeof(it));
  ctk_strlcpy(it.fifo_key, "order-a", sizeof(it.fifo_key));
  ctk_strlcpy(it.peer, "100000", sizeof(it.peer));
  ctk_strlcpy(it.msg_id, "m-a", sizeof(it.msg_id));

  /* queued in the open unit: not yet claimable, by anyone */
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_add(s, &it, "a", 1), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 0, 0, &got, &body), CTK_E_NOTFOUND);
  CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);
  /* durable now */
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 0, 0, &got, &body), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(got.msg_id, "m-a");
  ctk_store_commit_nowait(s);

  /* a unit that does not wait: claimable once the committer has synced it */
  ctk_strlcpy(it.fifo_key, "order-b", sizeof(it.fifo_key));
  ctk_strlcpy(it.msg_id, "m-b", sizeof(it.msg_id));
  CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_add(s, &it, "b", 1), CTK_E_OK);
  ctk_store_commit_nowait(s);
  for(tries = 0; tries < 500 && !found; tries++) {
    CU_ASSERT_EQUAL_FATAL(ctk_store_begin(s), CTK_E_OK);
    found = ctk_store_outbox_claim(s, 0, 0, &got, &body) == CTK_E_OK;
    if(found)
      ctk_store_commit_nowait(s);
    else
      ctk_store_abandon(s);
    if(!found)
      nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
  }
  CU_ASSERT(found);
  CU_ASSERT_STRING_EQUAL(got.msg_id, "m-b");
  ctk_store_close(s);

  /* both claims and the second row were committed: after reopening, both rows are there */
  s = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_store_open(path, 0, &s), CTK_E_OK);
  {
    ctk_outbox_counts c;
    CU_ASSERT_EQUAL(ctk_store_outbox_counts(s, &c), CTK_E_OK);
    CU_ASSERT_EQUAL(c.pending, 2);
  }
  ctk_store_close(s);
  ctk_buf_free(&body);
}

static ctk_profile *conc_profile(void)
{
  ctk_profile *p = NULL;
  char err[512];
  if(ctk_profile_load(ctk_profile_default_dir(), &p, err, sizeof(err)))
    return NULL;
  return p;
}

/* The preload writes n orders with unique ids that a later ingest continues after. */
static void test_bench_preload_counts(void)
{
  const char *dir = ctk_test_tmpdir("storeconc-preload");
  char path[512];
  ctk_profile *p = conc_profile();
  ctk_store *s = NULL;
  ctk_order o;
  int counts[2] = { 0, 0 };

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  snprintf(path, sizeof(path), "%s/ctk.db", dir);
  CU_ASSERT_EQUAL(ctk_bench_preload(p, path, 250, 100, 0), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_store_open(path, 1, &s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_orders_each(s, "", "", "", conc_count, counts), CTK_E_OK);
  CU_ASSERT_EQUAL(counts[0] + counts[1], 250);
  CU_ASSERT_EQUAL(ctk_store_order_get(s, "36010020260101000249", &o), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_get(s, "36010020260101000250", &o), CTK_E_NOTFOUND);
  CU_ASSERT_EQUAL(ctk_store_log_count(s, "accepted"), 250);
  ctk_store_close(s);
  ctk_profile_free(p);
}

/* Stamping changes only the ids, in place, and a new day starts every million orders. */
static void test_bench_template_stamp(void)
{
  ctk_profile *p = conc_profile();
  ctk_node city = { "360100", CTK_LEVEL_CITY };
  ctk_node province = { "360000", CTK_LEVEL_PROVINCE };
  ctk_bench_template tpl;
  char bytes[8192];
  char id[CTK_BENCH_ORDERID_LEN + 1];

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_EQUAL_FATAL(ctk_bench_template_build(p, &city, &province, &tpl), CTK_E_OK);
  CU_ASSERT_FATAL(tpl.bytes.len < sizeof(bytes));
  memcpy(bytes, tpl.bytes.data, tpl.bytes.len + 1);
  ctk_bench_template_stamp(&tpl, bytes, 1000001, id);
  CU_ASSERT_STRING_EQUAL(id, "36010020260102000001");
  CU_ASSERT_PTR_NOT_NULL(strstr(bytes, "<OrderId>36010020260102000001</OrderId>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(bytes, "BENCH000000000000000000001000001"));
  CU_ASSERT_EQUAL(strlen(bytes), tpl.bytes.len);
  ctk_bench_template_free(&tpl);
  ctk_profile_free(p);
}

void ctk_test_add_storeconc(CU_pSuite suite)
{
  CTK_TEST(suite, test_threads_commit_and_roll_back_alone);
  CTK_TEST(suite, test_single_statements_are_kept);
  CTK_TEST(suite, test_commit_then_calls_once_when_durable);
  CTK_TEST(suite, test_read_only_batches_are_not_synced);
  CTK_TEST(suite, test_abandon_leaves_without_joining);
  CTK_TEST(suite, test_claim_waits_for_durable_rows);
  CTK_TEST(suite, test_bench_preload_counts);
  CTK_TEST(suite, test_bench_template_stamp);
}
