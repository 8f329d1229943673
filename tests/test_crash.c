/* test_crash: crash consistency of the reference endpoints. `ctk serve ministry` and
 * `ctk serve province` run as children; a few client threads report orders to the province
 * while the test kill -9s one node or the other at random moments and restarts it on the same
 * data dir. Afterwards: every order answered with success is at the province and at the
 * ministry, nothing was applied twice at the ministry, the outbox is empty and both stores
 * pass PRAGMA integrity_check. The short run (suite crash) is part of make test; the long one
 * (suite crash_soak, 24 kills) runs under make soak. Also: a delivery record lost in a crash
 * makes the province send again, and the ministry applies it once. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_http.h"
#include "ctk_proc.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"

#define CRASH_THREADS 3
#define CRASH_MAX_ORDERS 400
#define CRASH_RETRY_FOR_MS 60000 /* a client keeps retrying one order this long */
#define CRASH_DRAIN_MS 60000

typedef struct crash_run {
  ctk_test_node ministry;
  ctk_test_node province;
  pthread_mutex_t lock;      /* guards the node structs while one restarts */
  char province_url[64];
  char today[16];
  unsigned orders_per_thread;
  int acked[CRASH_THREADS][CRASH_MAX_ORDERS]; /* 1 once the province answered success */
  int gave_up;               /* orders no retry could get through */
  int stop;
} crash_run;

typedef struct crash_client {
  crash_run *run;
  unsigned id;
} crash_client;

static void crash_order_id(const crash_run *r, unsigned thread, unsigned i, char *out,
                           size_t outlen)
{
  snprintf(out, outlen, "%s%s%01u%05u", CTK_TS_CITY, r->today, thread % 10, i % 100000);
}

/* One client thread: report its orders one by one, retrying each with the same MsgId (so a
 * retry after a crash is idempotent) until the province answers success. */
static void *crash_client_main(void *arg)
{
  crash_client *c = arg;
  crash_run *r = c->run;
  unsigned i;

  for(i = 0; i < r->orders_per_thread; i++) {
    char order_id[32];
    char msg_id[64];
    ctk_buf body;
    ctk_buf msg;
    long long until = ctk_now_ms() + CRASH_RETRY_FOR_MS;
    int done = 0;

    crash_order_id(r, c->id, i, order_id, sizeof(order_id));
    snprintf(msg_id, sizeof(msg_id), "crash-%u-%06u-report", c->id, i);
    ctk_buf_init(&body, 0);
    ctk_buf_init(&msg, 0);
    ctk_ts_report_body(&body, order_id, CTK_TS_CITY, "crash consistency");
    ctk_ts_message(&msg, msg_id, "1001", CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2,
                   ctk_buf_str(&body));
    while(!done && ctk_now_ms() < until) {
      char code[32];
      int status = ctk_ts_post(r->province_url, CTK_TS_CITY, msg.data, msg.len, code,
                               sizeof(code), 5000);
      if(status == 200 && !strcmp(code, "0000"))
        done = 1;
      else if(status == 200 && code[0] && strcmp(code, "5001")) {
        /* a real refusal (not "busy"): the order is not acknowledged; say so and move on */
        fprintf(stderr, "test_crash: %s answered %s\n", order_id, code);
        break;
      }
      else
        ctk_sleep_ms(100);
    }
    pthread_mutex_lock(&r->lock);
    r->acked[c->id][i] = done;
    if(!done)
      r->gave_up++;
    pthread_mutex_unlock(&r->lock);
    ctk_buf_free(&body);
    ctk_buf_free(&msg);
  }
  return NULL;
}

/* Wait until the province's outbox has no pending row (read from its store). */
static int wait_drained(crash_run *r)
{
  long long until = ctk_now_ms() + CRASH_DRAIN_MS;
  while(ctk_now_ms() < until) {
    ctk_ts_counts pc;
    if(ctk_ts_counts_get(&r->province, &pc) == CTK_E_OK && pc.outbox_pending == 0)
      return 1;
    ctk_sleep_ms(200);
  }
  return 0;
}

static void crash_scenario(unsigned kills, unsigned orders_per_thread)
{
  crash_run *r = calloc(1, sizeof(*r));
  crash_client clients[CRASH_THREADS];
  pthread_t threads[CRASH_THREADS];
  char base[600];
  char mdir[700];
  char pdir[700];
  char upstream[64];
  unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
  unsigned k;
  unsigned t;
  unsigned i;
  unsigned kills_done = 0;
  long acked = 0;
  long dup_history;
  long dup_accepted;
  ctk_ts_counts pc;

  CU_ASSERT_FATAL(r != NULL);
  fprintf(stderr, "test_crash: %u kills, %u orders x %d threads, seed %u\n", kills,
          orders_per_thread, CRASH_THREADS, seed);
  pthread_mutex_init(&r->lock, NULL);
  r->orders_per_thread = orders_per_thread;
  ctk_beijing_strftime(time(NULL), "%Y%m%d", r->today, sizeof(r->today));
  ctk_http_global_init();
  snprintf(base, sizeof(base), "%s", ctk_test_tmpdir(kills > 10 ? "crash-soak" : "crash"));
  snprintf(mdir, sizeof(mdir), "%s/ministry", base);
  snprintf(pdir, sizeof(pdir), "%s/province", base);
  CU_ASSERT_FATAL(ctk_ts_start(&r->ministry, "ministry", mdir, NULL, NULL) == CTK_E_OK);
  ctk_ts_url(&r->ministry, upstream, sizeof(upstream));
  CU_ASSERT_FATAL(ctk_ts_start(&r->province, "province", pdir, upstream, NULL) == CTK_E_OK);
  ctk_ts_url(&r->province, r->province_url, sizeof(r->province_url));

  for(t = 0; t < CRASH_THREADS; t++) {
    clients[t].run = r;
    clients[t].id = t;
    CU_ASSERT_FATAL(pthread_create(&threads[t], NULL, crash_client_main, &clients[t]) == 0);
  }
  for(k = 0; k < kills; k++) {
    ctk_test_node *victim;
    ctk_sleep_ms(150 + (long)(rand_r(&seed) % 600));
    victim = (rand_r(&seed) % 2) ? &r->province : &r->ministry;
    pthread_mutex_lock(&r->lock);
    ctk_ts_kill(victim);
    ctk_sleep_ms((long)(rand_r(&seed) % 200));
    if(ctk_ts_restart(victim) != CTK_E_OK) {
      fprintf(stderr, "test_crash: %s did not restart after kill %u\n", victim->role, k + 1);
      CU_FAIL("a node did not restart on its data dir after kill -9");
      pthread_mutex_unlock(&r->lock);
      break;
    }
    kills_done++;
    pthread_mutex_unlock(&r->lock);
  }
  for(t = 0; t < CRASH_THREADS; t++)
    pthread_join(threads[t], NULL);
  CU_ASSERT_EQUAL(kills_done, kills);

  /* both up; let the province deliver what it acknowledged */
  CU_ASSERT(ctk_ts_alive(&r->ministry));
  CU_ASSERT(ctk_ts_alive(&r->province));
  CU_ASSERT(wait_drained(r));

  for(t = 0; t < CRASH_THREADS; t++) {
    for(i = 0; i < orders_per_thread; i++) {
      char order_id[32];
      int at_province;
      int at_ministry;
      if(!r->acked[t][i])
        continue;
      acked++;
      crash_order_id(r, t, i, order_id, sizeof(order_id));
      at_province = ctk_ts_has_order(&r->province, order_id);
      at_ministry = ctk_ts_has_order(&r->ministry, order_id);
      if(at_province != 1 || at_ministry != 1)
        fprintf(stderr, "test_crash: acknowledged %s: province %d, ministry %d\n", order_id,
                at_province, at_ministry);
      CU_ASSERT_EQUAL(at_province, 1);
      CU_ASSERT_EQUAL(at_ministry, 1);
    }
  }
  CU_ASSERT_EQUAL(r->gave_up, 0);
  CU_ASSERT(acked >= (long)(CRASH_THREADS * orders_per_thread) / 2);

  dup_history = ctk_ts_query_long(&r->ministry,
                                  "SELECT COUNT(*) FROM (SELECT order_id, interface_code "
                                  "FROM history GROUP BY order_id, interface_code "
                                  "HAVING COUNT(*) > 1)");
  dup_accepted = ctk_ts_query_long(&r->ministry,
                                   "SELECT COUNT(*) FROM (SELECT sender, msg_id FROM messages "
                                   "WHERE direction = 'in' AND verdict = 'accepted' "
                                   "GROUP BY sender, msg_id HAVING COUNT(*) > 1)");
  CU_ASSERT_EQUAL(dup_history, 0);
  CU_ASSERT_EQUAL(dup_accepted, 0);
  /* the same at the province, for what the city sent */
  CU_ASSERT_EQUAL(ctk_ts_query_long(&r->province,
                                    "SELECT COUNT(*) FROM (SELECT order_id, interface_code "
                                    "FROM history GROUP BY order_id, interface_code "
                                    "HAVING COUNT(*) > 1)"),
                  0);
  ctk_ts_counts_get(&r->province, &pc);
  CU_ASSERT_EQUAL(pc.outbox_pending, 0);
  CU_ASSERT_EQUAL(pc.outbox_failed, 0);
  fprintf(stderr, "test_crash: %u kills done, %ld orders acknowledged, %ld delivered\n",
          kills_done, acked, pc.outbox_delivered);

  CU_ASSERT_EQUAL(ctk_ts_stop(&r->province), 0);
  CU_ASSERT_EQUAL(ctk_ts_stop(&r->ministry), 0);
  CU_ASSERT(ctk_ts_integrity_ok(&r->province));
  CU_ASSERT(ctk_ts_integrity_ok(&r->ministry));
  pthread_mutex_destroy(&r->lock);
  free(r);
}

/* A delivery record lost in a crash: outbox claims and records do not wait for the disk, so a
 * crash can lose the record of a message the peer already took. The message is then sent
 * again, and the peer must answer the repeat from its idempotency table without applying it
 * twice. Made deterministic here: after a delivery, the province is stopped and its record is
 * undone in the store by hand, as a crash before the record's commit would have left it. */
static void test_lost_record_sends_again(void)
{
  ctk_test_node m;
  ctk_test_node p;
  char base[512];
  char mdir[600];
  char pdir[600];
  char upstream[64];
  char purl[64];
  char path[700];
  char today[16];
  char order_id[32];
  char code[32];
  char sql[256];
  ctk_buf body;
  ctk_buf msg;
  ctk_ts_counts pc;
  sqlite3 *db = NULL;
  long long until;
  int delivered = 0;

  ctk_beijing_strftime(time(NULL), "%Y%m%d", today, sizeof(today));
  snprintf(order_id, sizeof(order_id), "%s%s%06d", CTK_TS_CITY, today, 424242);
  ctk_http_global_init();
  snprintf(base, sizeof(base), "%s", ctk_test_tmpdir("crash-lost-record"));
  snprintf(mdir, sizeof(mdir), "%s/ministry", base);
  snprintf(pdir, sizeof(pdir), "%s/province", base);
  memset(&m, 0, sizeof(m));
  memset(&p, 0, sizeof(p));
  CU_ASSERT_FATAL(ctk_ts_start(&m, "ministry", mdir, NULL, NULL) == CTK_E_OK);
  ctk_ts_url(&m, upstream, sizeof(upstream));
  CU_ASSERT_FATAL(ctk_ts_start(&p, "province", pdir, upstream, NULL) == CTK_E_OK);
  ctk_ts_url(&p, purl, sizeof(purl));

  ctk_buf_init(&body, 0);
  ctk_buf_init(&msg, 0);
  ctk_ts_report_body(&body, order_id, CTK_TS_CITY, "lost record");
  ctk_ts_message(&msg, "lost-record-000001-report", "1001", CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2,
                 ctk_buf_str(&body));
  CU_ASSERT_EQUAL(ctk_ts_post(purl, CTK_TS_CITY, msg.data, msg.len, code, sizeof(code), 5000),
                  200);
  CU_ASSERT_STRING_EQUAL(code, "0000");
  for(until = ctk_now_ms() + 10000; !delivered && ctk_now_ms() < until; ctk_sleep_ms(50))
    delivered = ctk_ts_counts_get(&p, &pc) == CTK_E_OK && pc.outbox_delivered == 1;
  CU_ASSERT_FATAL(delivered);
  CU_ASSERT_EQUAL(ctk_ts_stop(&p), 0);

  /* what a crash before the record's commit leaves: the row still pending */
  ctk_ts_db_path(&p, path, sizeof(path));
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_exec(db, "UPDATE outbox SET state = 'pending', done_at = NULL, "
                               "attempts = 0 WHERE state = 'delivered'", NULL, NULL, NULL),
                  SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_changes(db), 1);
  sqlite3_close(db);

  /* restarted, the province sends it again; the ministry answers the repeat */
  CU_ASSERT_EQUAL_FATAL(ctk_ts_restart(&p), CTK_E_OK);
  delivered = 0;
  for(until = ctk_now_ms() + 10000; !delivered && ctk_now_ms() < until; ctk_sleep_ms(50))
    delivered = ctk_ts_counts_get(&p, &pc) == CTK_E_OK && pc.outbox_delivered == 1 &&
                pc.outbox_pending == 0;
  CU_ASSERT(delivered);
  CU_ASSERT_EQUAL(pc.outbox_failed, 0);
  snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM history WHERE order_id = '%s'", order_id);
  CU_ASSERT_EQUAL(ctk_ts_query_long(&m, sql), 1);        /* applied once */
  CU_ASSERT_EQUAL(ctk_ts_has_order(&m, order_id), 1);
  CU_ASSERT_EQUAL(ctk_ts_query_long(&m, "SELECT COUNT(*) FROM messages WHERE direction = 'in'"
                                        " AND interface_code = '1001' AND verdict = 'repeat'"),
                  1);                                     /* the second one was a repeat */
  CU_ASSERT_EQUAL(ctk_ts_stop(&p), 0);
  CU_ASSERT_EQUAL(ctk_ts_stop(&m), 0);
  ctk_buf_free(&body);
  ctk_buf_free(&msg);
}

static void test_crash_short(void)
{
  crash_scenario(5, 15);
}

static void test_crash_long(void)
{
  crash_scenario(24, 120);
}

void ctk_test_add_crash(CU_pSuite suite)
{
  CTK_TEST(suite, test_crash_short);
  CTK_TEST(suite, test_lost_record_sends_again);
}

void ctk_test_add_crash_soak(CU_pSuite suite)
{
  CTK_TEST(suite, test_crash_long);
}
