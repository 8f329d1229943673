/* test_stats: each formula of docs/STATISTICS.md on a small hand-made store. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctk_calendar.h"
#include "ctk_stats.h"
#include "ctk_test.h"

/* The profile whose codes the orders below use. */
#define P ctk_test_profile()

static void put(ctk_store *s, const char *id, const char *region, const char *bt,
                const char *status, int instant, const char *deadline, const char *completed,
                int transferred, const char *revisit, const char *satisfaction, int supervised)
{
  ctk_order o;
  memset(&o, 0, sizeof(o));
  ctk_strlcpy(o.order_id, id, sizeof(o.order_id));
  snprintf(o.accept_time, sizeof(o.accept_time), "2026-11-%.2sT09:00:00+08:00", id + 12);
  ctk_strlcpy(o.accept_region, region, sizeof(o.accept_region));
  ctk_strlcpy(o.business_type, bt, sizeof(o.business_type));
  ctk_strlcpy(o.domain, "1", sizeof(o.domain));
  ctk_strlcpy(o.channel, instant ? "01" : "02", sizeof(o.channel));
  ctk_strlcpy(o.status, status, sizeof(o.status));
  o.instant_answer = instant;
  ctk_strlcpy(o.deadline, deadline, sizeof(o.deadline));
  ctk_strlcpy(o.completed_time, completed, sizeof(o.completed_time));
  o.transferred = transferred;
  ctk_strlcpy(o.revisit_time, revisit, sizeof(o.revisit_time));
  o.revisit_reached = revisit[0] != '\0';
  ctk_strlcpy(o.satisfaction, satisfaction, sizeof(o.satisfaction));
  o.supervised = supervised;
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &o, NULL, 0), CTK_E_OK);
}

/* An empty store in a fresh folder; its file's path into path. */
static ctk_store *empty_store(const char *name, char *path, size_t len)
{
  const char *dir = ctk_test_tmpdir(name);
  ctk_store *s = NULL;
  if(!dir)
    return NULL;
  snprintf(path, len, "%s/ctk.db", dir);
  if(ctk_store_open(path, 0, &s))
    return NULL;
  return s;
}

static ctk_store *sample_store(void)
{
  char path[600];
  ctk_store *s = empty_store("stats", path, sizeof(path));
  if(!s)
    return NULL;
  /* id positions 12-13 give the accept day */
  put(s, "36010020261102000001", "360100", "2", "02", 1, "", "", 0, "", "", 0);
  put(s, "36010020261102000002", "360100", "2", "07", 0, "2026-11-05",
      "2026-11-04T10:00:00+08:00", 0, "", "", 0);
  put(s, "36040020261103000003", "360400", "1", "08", 0, "2026-11-20",
      "2026-11-21T10:00:00+08:00", 1, "2026-11-22T10:00:00+08:00", "2", 1);
  put(s, "36040020261103000004", "360400", "1", "08", 0, "2026-11-20",
      "2026-11-19T10:00:00+08:00", 1, "2026-11-22T10:00:00+08:00", "4", 0);
  put(s, "36040020261104000005", "360400", "1", "04", 0, "2026-11-10", "", 1, "", "", 0);
  put(s, "44010020261104000006", "440100", "3", "01", 0, "2026-12-30", "", 0, "", "", 0);
  return s;
}

static void test_stats_province(void)
{
  ctk_store *s = sample_store();
  ctk_stats st;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(ctk_stats_compute(s, P, "360000", "2026-11-01", "2026-11-30", "2026-11-25",
                                    &st), CTK_E_OK);
  CU_ASSERT_EQUAL(st.orders, 5);
  /* enquiries: 1 of 2 answered on the call */
  CU_ASSERT_EQUAL(st.instant_answer.num, 1);
  CU_ASSERT_EQUAL(st.instant_answer.den, 2);
  /* complaints: one late, one in time, one open past its deadline */
  CU_ASSERT_EQUAL(st.in_time_complaint.num, 1);
  CU_ASSERT_EQUAL(st.in_time_complaint.den, 3);
  CU_ASSERT_EQUAL(st.in_time_other.num, 1);
  CU_ASSERT_EQUAL(st.in_time_other.den, 1);
  /* two transferred orders completed, both revisited; one satisfied */
  CU_ASSERT_EQUAL(st.revisit.num, 2);
  CU_ASSERT_EQUAL(st.revisit.den, 2);
  CU_ASSERT_EQUAL(st.revisit_satisfaction.num, 1);
  CU_ASSERT_EQUAL(st.revisit_satisfaction.den, 2);
  CU_ASSERT_EQUAL(st.review.num, 1);
  CU_ASSERT_EQUAL(st.review.den, 2);
  CU_ASSERT_EQUAL(st.overdue, 1);
  CU_ASSERT_EQUAL(st.overdue_listed, 1);
  CU_ASSERT_STRING_EQUAL(st.overdue_ids[0], "36040020261104000005");
  CU_ASSERT_DOUBLE_EQUAL(ctk_stats_rate(&st.instant_answer), 50.0, 0.001);
  ctk_store_close(s);
}

static void test_stats_regions_and_periods(void)
{
  ctk_store *s = sample_store();
  ctk_stats st;
  char prefix[8];

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  ctk_stats_region_prefix("100000", prefix, sizeof(prefix));
  CU_ASSERT_STRING_EQUAL(prefix, "");
  ctk_stats_region_prefix("360000", prefix, sizeof(prefix));
  CU_ASSERT_STRING_EQUAL(prefix, "36");
  ctk_stats_region_prefix("360100", prefix, sizeof(prefix));
  CU_ASSERT_STRING_EQUAL(prefix, "3601");

  CU_ASSERT_EQUAL(ctk_stats_compute(s, P, "100000", "", "", "2026-11-25", &st), CTK_E_OK);
  CU_ASSERT_EQUAL(st.orders, 6);
  CU_ASSERT_EQUAL(ctk_stats_compute(s, P, "360100", "", "", "2026-11-25", &st), CTK_E_OK);
  CU_ASSERT_EQUAL(st.orders, 2);
  CU_ASSERT_EQUAL(ctk_stats_compute(s, P, "100000", "2026-11-03", "2026-11-03", "2026-11-25",
                                    &st), CTK_E_OK);
  CU_ASSERT_EQUAL(st.orders, 2);
  /* no complaint in the period: the rate is undefined, not 0 or 100 */
  CU_ASSERT_EQUAL(ctk_stats_compute(s, P, "360100", "", "", "2026-11-25", &st), CTK_E_OK);
  CU_ASSERT_EQUAL(st.in_time_complaint.den, 0);
  CU_ASSERT(ctk_stats_rate(&st.in_time_complaint) < 0);
  ctk_store_close(s);
}

/* One indicator as a line name=value. */
static int indicator_line(void *ctx, const char *name, const char *value)
{
  ctk_buf_printf(ctx, "%s=%s\n", name, value);
  return 0;
}

static void test_stats_formats(void)
{
  ctk_store *s = sample_store();
  ctk_stats st;
  ctk_buf out;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(ctk_stats_compute(s, P, "360000", "2026-11-01", "2026-11-30", "2026-11-25",
                                    &st), CTK_E_OK);
  ctk_buf_init(&out, 65536);
  CU_ASSERT_EQUAL(ctk_stats_write(&st, CTK_STATS_JSON, &out), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "\"orders\":5"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out),
                                "\"instant_answer_rate\":{\"rate\":50.00,\"num\":1,\"den\":2}"));
  ctk_buf_reset(&out);
  CU_ASSERT_EQUAL(ctk_stats_write(&st, CTK_STATS_CSV, &out), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "360000,2026-11-01,2026-11-30,business_type,1,3,,\n"));
  ctk_buf_reset(&out);
  CU_ASSERT_EQUAL(ctk_stats_write(&st, CTK_STATS_TABLE, &out), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "overdue 36040020261104000005"));
  /* what a province reports (1011): every counted value of every dimension */
  ctk_buf_reset(&out);
  ctk_stats_indicators(&st, indicator_line, &out);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "orders=5\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "business_type.2=2\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "business_type.1=3\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "domain.1=5\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "channel.01=1\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "channel.02=4\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&out), "overdue=1\n"));
  CU_ASSERT_EQUAL(ctk_stats_format_parse("csv"), CTK_STATS_CSV);
  CU_ASSERT_EQUAL(ctk_stats_format_parse("xml"), -1);
  ctk_buf_free(&out);
  ctk_store_close(s);
}

/* With no day given, overdue is judged on Beijing's date, also on a machine whose clock is set
 * to a zone where the date is another one (docs/TIME.md: the network keeps Beijing time). */
static void test_stats_today_is_beijing(void)
{
  ctk_store *s = sample_store();
  ctk_stats st;
  ctk_test_tz tz;
  char before[16], after[16];
  int y, m, d;
  ctk_code rc;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL_FATAL(ctk_test_tz_away_from_beijing(&tz), 0);
  ctk_beijing_date(time(NULL), &y, &m, &d);
  snprintf(before, sizeof(before), "%04d-%02d-%02d", y, m, d);
  rc = ctk_stats_compute(s, P, "360000", "", "", NULL, &st);
  ctk_beijing_date(time(NULL), &y, &m, &d);
  snprintf(after, sizeof(after), "%04d-%02d-%02d", y, m, d);
  ctk_test_tz_restore(&tz);
  CU_ASSERT_EQUAL(rc, CTK_E_OK);
  /* either side of a Beijing midnight that fell during the call */
  if(strcmp(st.today, before) && strcmp(st.today, after))
    fprintf(stderr, "\n  today: got %s, Beijing date %s\n", st.today, before);
  CU_ASSERT(!strcmp(st.today, before) || !strcmp(st.today, after));
  ctk_store_close(s);
}


/* Done is a completion time or a done state (completed, revisited, archived); answered on the
 * call is the flag or the state: each alone is enough. */
static void test_stats_done_and_instant(void)
{
  char path[600];
  ctk_store *s = empty_store("stats-done", path, sizeof(path));
  const char *enquiry = ctk_val(P, CTK_V_BT_ENQUIRY);
  const char *complaint = ctk_val(P, CTK_V_BT_COMPLAINT);
  ctk_stats st;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  /* enquiries: answered by the flag alone, by the state alone, and not at all */
  put(s, "36010020261102000001", "360100", enquiry, ctk_st(P, CTK_ST_ACCEPTED), 1, "", "", 0,
      "", "", 0);
  put(s, "36010020261102000002", "360100", enquiry, ctk_st(P, CTK_ST_INSTANT_ANSWERED), 0, "",
      "", 0, "", "", 0);
  put(s, "36010020261102000003", "360100", enquiry, ctk_st(P, CTK_ST_ACCEPTED), 0, "", "", 0,
      "", "", 0);
  /* complaints in a done state with no completion time kept, past their deadline: done (not
   * overdue), and not in time since nobody knows when */
  put(s, "36010020261103000004", "360100", complaint, ctk_st(P, CTK_ST_COMPLETED), 0,
      "2026-11-05", "", 0, "", "", 0);
  put(s, "36010020261103000005", "360100", complaint, ctk_st(P, CTK_ST_REVISITED), 0,
      "2026-11-05", "", 0, "", "", 0);
  put(s, "36010020261103000006", "360100", complaint, ctk_st(P, CTK_ST_ARCHIVED), 0,
      "2026-11-05", "", 0, "", "", 1);
  CU_ASSERT_EQUAL(ctk_stats_compute(s, P, "360100", "", "", "2026-11-25", &st), CTK_E_OK);
  CU_ASSERT_EQUAL(st.orders, 6);
  CU_ASSERT_EQUAL(st.instant_answer.num, 2);
  CU_ASSERT_EQUAL(st.instant_answer.den, 3);
  CU_ASSERT_EQUAL(st.overdue, 0);
  CU_ASSERT_EQUAL(st.in_time_complaint.num, 0);
  CU_ASSERT_EQUAL(st.in_time_complaint.den, 3);
  CU_ASSERT_EQUAL(st.review.num, 1);
  CU_ASSERT_EQUAL(st.review.den, 3);
  ctk_store_close(s);
}

/* A store that fails under the walk (its orders table dropped by another program) is an error,
 * not statistics of nothing. */
static void test_stats_store_error(void)
{
  char path[600];
  ctk_store *s = empty_store("stats-broken", path, sizeof(path));
  sqlite3 *db = NULL;
  ctk_stats st;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  put(s, "36010020261102000001", "360100", "1", "01", 0, "", "", 0, "", "", 0);
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA foreign_keys=OFF; DROP TABLE orders;", NULL, NULL,
                               NULL), SQLITE_OK);
  sqlite3_close(db);
  CU_ASSERT_NOT_EQUAL(ctk_stats_compute(s, P, "360000", "", "", "2026-11-25", &st), CTK_E_OK);
  ctk_store_close(s);
}

void ctk_test_add_stats(CU_pSuite suite)
{
  CTK_TEST(suite, test_stats_province);
  CTK_TEST(suite, test_stats_regions_and_periods);
  CTK_TEST(suite, test_stats_formats);
  CTK_TEST(suite, test_stats_today_is_beijing);
  CTK_TEST(suite, test_stats_done_and_instant);
  CTK_TEST(suite, test_stats_store_error);
}
