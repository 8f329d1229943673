/* test_syncfail: a disk that stops syncing. `ctk serve ministry` runs with an LD_PRELOAD
 * library (tests/preload/fail_fdatasync.c) that makes the WAL's fdatasync fail after a few
 * successes. Reports sent one after another must be answered success only while their
 * commit was synced; from the first failed sync on, every report is answered INTERNAL, never
 * success (the failure is sticky); and every report answered success is in the store after a
 * kill -9 and a restart without the library. The answers come from parked requests, so this
 * is also the error path of parking. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"

#define SYNCFAIL_GOOD 3        /* WAL syncs that succeed */
#define SYNCFAIL_REPORTS 8

static void test_failed_sync_is_never_acknowledged(void)
{
  static char wrapper[512];    /* the node keeps a pointer to it across restarts */
  char preload[400];
  char url[64];
  char today[16];
  char order_ids[SYNCFAIL_REPORTS][48];
  char codes[SYNCFAIL_REPORTS][32];
  const char *bin = ctk_test_ctk_bin();
  const char *slash = strrchr(bin, '/');
  ctk_test_node m;
  struct stat sb;
  struct tm tm;
  time_t now = time(NULL);
  int acked = 0;
  int refused_after = 0;
  int i;

  if(snprintf(preload, sizeof(preload), "%.*s/fail_fdatasync.so",
              slash ? (int)(slash - bin) : 1, slash ? bin : ".") >= (int)sizeof(preload))
    CU_FAIL_FATAL("the path of ctk is too long for this test");
  CU_ASSERT_EQUAL_FATAL(stat(preload, &sb), 0);
  snprintf(wrapper, sizeof(wrapper), "/usr/bin/env LD_PRELOAD=%s CTK_FAIL_WAL_SYNC_AFTER=%d", preload,
           SYNCFAIL_GOOD);
  memset(&m, 0, sizeof(m));
  CU_ASSERT_EQUAL_FATAL(ctk_ts_start(&m, "ministry", ctk_test_tmpdir("syncfail"), NULL,
                                     wrapper), CTK_E_OK);
  ctk_ts_url(&m, url, sizeof(url));
  gmtime_r(&now, &tm);
  strftime(today, sizeof(today), "%Y%m%d", &tm);

  for(i = 0; i < SYNCFAIL_REPORTS; i++) {
    ctk_buf body;
    ctk_buf msg;
    char msg_id[64];

    snprintf(order_ids[i], sizeof(order_ids[i]), "%s%s9%05d", CTK_TS_CITY, today, i);
    snprintf(msg_id, sizeof(msg_id), "syncfail-%06d-report", i);
    ctk_buf_init(&body, 0);
    ctk_buf_init(&msg, 0);
    ctk_ts_report_body(&body, order_ids[i], CTK_TS_CITY, "sync failure");
    ctk_ts_message(&msg, msg_id, "1001", CTK_TS_PROVINCE, 2, CTK_TS_MINISTRY, 1,
                   ctk_buf_str(&body));
    codes[i][0] = '\0';
    CU_ASSERT_EQUAL(ctk_ts_post(url, CTK_TS_PROVINCE, msg.data, msg.len, codes[i],
                                sizeof(codes[i]), 10000), 200);
    if(!strcmp(codes[i], "0000")) {
      acked++;
      CU_ASSERT_EQUAL(refused_after, 0);    /* no success after the first failure */
    }
    else {
      CU_ASSERT_STRING_EQUAL(codes[i], "5000");  /* INTERNAL: could not record it */
      refused_after++;
    }
    ctk_buf_free(&body);
    ctk_buf_free(&msg);
  }
  CU_ASSERT(acked >= 1 && acked <= SYNCFAIL_GOOD);
  CU_ASSERT_EQUAL(acked + refused_after, SYNCFAIL_REPORTS);
  CU_ASSERT(ctk_ts_alive(&m));

  /* what was acknowledged survives; the disk here is fine, only the syncs were refused */
  ctk_ts_kill(&m);
  m.wrapper = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_ts_restart(&m), CTK_E_OK);
  for(i = 0; i < SYNCFAIL_REPORTS; i++) {
    if(!strcmp(codes[i], "0000"))
      CU_ASSERT_EQUAL(ctk_ts_has_order(&m, order_ids[i]), 1);
  }
  CU_ASSERT(ctk_ts_integrity_ok(&m));
  CU_ASSERT_EQUAL(ctk_ts_stop(&m), 0);
}

void ctk_test_add_syncfail(CU_pSuite suite)
{
  CTK_TEST(suite, test_failed_sync_is_never_acknowledged);
}
