/* test_syncfail: a disk that fails under the store. `ctk serve ministry` runs with an
 * LD_PRELOAD library (tests/server/preload/fail_wal.c) that fails the WAL's syncs or writes.
 * - Syncs that stop working: reports sent one after another are answered success only while
 *   their commit was synced; from the first failed sync on, every report is answered INTERNAL,
 *   never success (the failure is sticky).
 * - Writes that fail for a moment: the commit of the report's batch fails in SQLite, the report
 *   is answered INTERNAL and nothing of it is stored; once writes work again, reports are
 *   accepted again.
 * In both, the message log says "accepted" only for the reports answered success, and every
 * one of them is in the store after a kill -9 and a restart without the library. The answers come from parked requests, so this is also the error path of
 * parking. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"

#define SYNCFAIL_GOOD 3        /* WAL syncs that succeed */
#define SYNCFAIL_REPORTS 8
#define WRITEFAIL_REPORTS 10

typedef struct syncfail_run {
  char wrapper[600];           /* the node keeps a pointer to it across restarts */
  ctk_test_node m;
  char order_ids[WRITEFAIL_REPORTS][48];
  char codes[WRITEFAIL_REPORTS][32];
} syncfail_run;

/* Start a ministry under the preload library with these settings ("NAME=VALUE ..."). */
static void run_start(syncfail_run *r, const char *dir, const char *settings)
{
  char preload[400];
  const char *bin = ctk_test_ctk_bin();
  const char *slash = strrchr(bin, '/');
  struct stat sb;

  if(snprintf(preload, sizeof(preload), "%.*s/fail_wal.so", slash ? (int)(slash - bin) : 1,
              slash ? bin : ".") >= (int)sizeof(preload))
    CU_FAIL_FATAL("the path of ctk is too long for this test");
  CU_ASSERT_EQUAL_FATAL(stat(preload, &sb), 0);
  snprintf(r->wrapper, sizeof(r->wrapper), "/usr/bin/env LD_PRELOAD=%s %s", preload, settings);
  memset(&r->m, 0, sizeof(r->m));
  CU_ASSERT_EQUAL_FATAL(ctk_ts_start(&r->m, "ministry", ctk_test_tmpdir(dir), NULL, r->wrapper),
                        CTK_E_OK);
}

/* Send n reports one after another; their answers' result codes go to r->codes. */
static void run_reports(syncfail_run *r, int n, const char *tag)
{
  char url[64];
  char today[16];
  int i;

  ctk_ts_url(&r->m, url, sizeof(url));
  ctk_beijing_strftime(time(NULL), "%Y%m%d", today, sizeof(today));
  for(i = 0; i < n; i++) {
    ctk_buf body;
    ctk_buf msg;
    char msg_id[64];

    snprintf(r->order_ids[i], sizeof(r->order_ids[i]), "%s%s9%05d", CTK_TS_CITY, today, i);
    snprintf(msg_id, sizeof(msg_id), "%s-%06d-report", tag, i);
    ctk_buf_init(&body, 0);
    ctk_buf_init(&msg, 0);
    ctk_ts_report_body(&body, r->order_ids[i], CTK_TS_CITY, "disk failure");
    ctk_ts_message(&msg, msg_id, "1001", CTK_TS_PROVINCE, 2, CTK_TS_MINISTRY, 1,
                   ctk_buf_str(&body));
    r->codes[i][0] = '\0';
    CU_ASSERT_EQUAL(ctk_ts_post(url, CTK_TS_PROVINCE, msg.data, msg.len, r->codes[i],
                                sizeof(r->codes[i]), 10000), 200);
    ctk_buf_free(&body);
    ctk_buf_free(&msg);
  }
}

/* The ministry's message log says "accepted" for exactly the reports answered success, none
 * for those answered INTERNAL (whose commit failed after their log row was written). */
static void run_check_log(syncfail_run *r, int n, const char *tag)
{
  char sql[200];
  long acked = 0;
  int i;

  for(i = 0; i < n; i++)
    acked += !strcmp(r->codes[i], "0000");
  snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM messages WHERE direction = 'in'"
           " AND verdict = 'accepted' AND msg_id LIKE '%s-%%'", tag);
  CU_ASSERT_EQUAL(ctk_ts_query_long(&r->m, sql), acked);
}

/* kill -9, restart without the library: every report answered success is there, and each in
 * refused_absent (answered INTERNAL when its commit failed outright) is not. */
static void run_check_after_kill(syncfail_run *r, int n, int refused_absent)
{
  int i;

  CU_ASSERT(ctk_ts_alive(&r->m));
  ctk_ts_kill(&r->m);
  r->m.wrapper = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_ts_restart(&r->m), CTK_E_OK);
  for(i = 0; i < n; i++) {
    if(!strcmp(r->codes[i], "0000")) {
      CU_ASSERT_EQUAL(ctk_ts_has_order(&r->m, r->order_ids[i]), 1);
    }
    else if(refused_absent) {
      CU_ASSERT_EQUAL(ctk_ts_has_order(&r->m, r->order_ids[i]), 0);
    }
  }
  CU_ASSERT(ctk_ts_integrity_ok(&r->m));
  CU_ASSERT_EQUAL(ctk_ts_stop(&r->m), 0);
}

static void test_failed_sync_is_never_acknowledged(void)
{
  static syncfail_run r;
  char settings[64];
  int acked = 0;
  int refused_after = 0;
  int i;

  snprintf(settings, sizeof(settings), "CTK_FAIL_WAL_SYNC_AFTER=%d", SYNCFAIL_GOOD);
  run_start(&r, "syncfail", settings);
  run_reports(&r, SYNCFAIL_REPORTS, "syncfail");
  for(i = 0; i < SYNCFAIL_REPORTS; i++) {
    if(!strcmp(r.codes[i], "0000")) {
      acked++;
      CU_ASSERT_EQUAL(refused_after, 0);    /* no success after the first failure */
    }
    else {
      CU_ASSERT_STRING_EQUAL(r.codes[i], "5000");  /* INTERNAL: could not record it */
      refused_after++;
    }
  }
  CU_ASSERT(acked >= 1 && acked <= SYNCFAIL_GOOD);
  CU_ASSERT_EQUAL(acked + refused_after, SYNCFAIL_REPORTS);
  run_check_log(&r, SYNCFAIL_REPORTS, "syncfail");
  /* the disk here is fine, only the syncs were refused: what was refused may be there */
  run_check_after_kill(&r, SYNCFAIL_REPORTS, 0);
}

static void test_failed_write_fails_its_commit_only(void)
{
  static syncfail_run r;
  int before = 0;
  int refused = 0;
  int after = 0;
  int i;

  /* The WAL's first writes (its header, the schema) and a few reports' frames succeed; then
   * eight writes fail, which fails the commit that was being written, and the disk recovers. */
  run_start(&r, "writefail", "CTK_FAIL_WAL_WRITE_AFTER=120 CTK_FAIL_WAL_WRITE_COUNT=8");
  run_reports(&r, WRITEFAIL_REPORTS, "writefail");
  for(i = 0; i < WRITEFAIL_REPORTS; i++) {
    if(strcmp(r.codes[i], "0000")) {
      CU_ASSERT_STRING_EQUAL(r.codes[i], "5000");
      refused++;
    }
    else if(refused)
      after++;
    else
      before++;
  }
  CU_ASSERT(before >= 1);      /* accepted while the disk was fine */
  CU_ASSERT(refused >= 1);     /* the failed commit was not acknowledged */
  CU_ASSERT(after >= 1);       /* and the store recovered from it */
  run_check_log(&r, WRITEFAIL_REPORTS, "writefail");
  run_check_after_kill(&r, WRITEFAIL_REPORTS, 1);
}

void ctk_test_add_syncfail(CU_pSuite suite)
{
  CTK_TEST(suite, test_failed_sync_is_never_acknowledged);
  CTK_TEST(suite, test_failed_write_fails_its_commit_only);
}
