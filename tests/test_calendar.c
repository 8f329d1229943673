/* test_calendar: working days across the Spring Festival, National Day and year ends, the
 * edges of the calendar's coverage, and xs:dateTime parsing and formatting in Beijing time. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_test.h"

static ctk_calendar *load_fixture(void)
{
  ctk_calendar *cal = NULL;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(ctk_calendar_load(CTK_CALENDAR_DEFAULT_FILE, &cal, err, sizeof(err)),
                        CTK_E_OK);
  return cal;
}

static time_t bj(int y, int mo, int d, int h, int mi)
{
  time_t t = 0;
  CU_ASSERT_EQUAL(ctk_beijing_time(y, mo, d, h, mi, 0, &t), CTK_E_OK);
  return t;
}

/* Asserts start + n working days == the expected Beijing wall time, and the inverse. */
static void expect_add(const ctk_calendar *cal, time_t start, long n, time_t expected,
                       int expected_covered)
{
  time_t got = 0;
  long back = -1;
  int covered = -1;
  char a[32];
  char b[32];

  CU_ASSERT_EQUAL(ctk_calendar_add_working_days(cal, start, n, &got, &covered), CTK_E_OK);
  CU_ASSERT_EQUAL(covered, expected_covered);
  if(got != expected) {
    ctk_datetime_format(got, a, sizeof(a));
    ctk_datetime_format(expected, b, sizeof(b));
    fprintf(stderr, "\n  +%ld working days: got %s, expected %s\n", n, a, b);
  }
  CU_ASSERT_EQUAL(got, expected);
  CU_ASSERT_EQUAL(ctk_calendar_working_days_between(cal, start, got, &back, NULL), CTK_E_OK);
  CU_ASSERT_EQUAL(back, n);
}

static void test_calendar_spring_festival_2024(void)
{
  ctk_calendar *cal = load_fixture();
  int covered = -1;

  CU_ASSERT_EQUAL(ctk_calendar_first_year(cal), 2004);
  CU_ASSERT_EQUAL(ctk_calendar_last_year(cal), 2026);
  /* Sunday 2024-02-04 and Sunday 2024-02-18 were make-up working days */
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2024, 2, 4, 12, 0), &covered), 1);
  CU_ASSERT_EQUAL(covered, 1);
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2024, 2, 18, 12, 0), NULL), 1);
  /* 2024-02-10..17 off, including the weekdays 12th to 16th */
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2024, 2, 10, 12, 0), NULL), 0);
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2024, 2, 14, 12, 0), NULL), 0);
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2024, 2, 17, 12, 0), NULL), 0);
  /* an ordinary Saturday and an ordinary Wednesday */
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2024, 3, 2, 12, 0), NULL), 0);
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2024, 3, 6, 12, 0), NULL), 1);

  /* from Thursday 8 Feb: Fri 9th, then the make-up Sunday 18th, then Monday 19th */
  expect_add(cal, bj(2024, 2, 8, 10, 15), 1, bj(2024, 2, 9, 10, 15), 1);
  expect_add(cal, bj(2024, 2, 8, 10, 15), 2, bj(2024, 2, 18, 10, 15), 1);
  expect_add(cal, bj(2024, 2, 8, 10, 15), 3, bj(2024, 2, 19, 10, 15), 1);
  /* a start inside the holiday counts from the first working day after it */
  expect_add(cal, bj(2024, 2, 12, 23, 59), 1, bj(2024, 2, 18, 23, 59), 1);
  /* n = 0 is the start itself, even on a holiday */
  expect_add(cal, bj(2024, 2, 12, 9, 0), 0, bj(2024, 2, 12, 9, 0), 1);
  ctk_calendar_free(cal);
}

static void test_calendar_national_day_and_year_end(void)
{
  ctk_calendar *cal = load_fixture();

  /* 2024: Sun 29 Sep worked, 1-7 Oct off, Sat 12 Oct worked */
  expect_add(cal, bj(2024, 9, 27, 17, 30), 1, bj(2024, 9, 29, 17, 30), 1);
  expect_add(cal, bj(2024, 9, 27, 17, 30), 2, bj(2024, 9, 30, 17, 30), 1);
  expect_add(cal, bj(2024, 9, 27, 17, 30), 3, bj(2024, 10, 8, 17, 30), 1);
  expect_add(cal, bj(2024, 10, 8, 8, 0), 4, bj(2024, 10, 12, 8, 0), 1);
  /* 2025-12-31 to 2026: 1-3 Jan off, Sunday 4 Jan worked */
  expect_add(cal, bj(2025, 12, 31, 9, 0), 1, bj(2026, 1, 4, 9, 0), 1);
  expect_add(cal, bj(2025, 12, 31, 9, 0), 2, bj(2026, 1, 5, 9, 0), 1);
  /* 2024-12-31 to 2025: only 1 Jan off */
  expect_add(cal, bj(2024, 12, 31, 9, 0), 1, bj(2025, 1, 2, 9, 0), 1);
  ctk_calendar_free(cal);
}

static void test_calendar_outside_coverage(void)
{
  ctk_calendar *cal = load_fixture();
  int covered = -1;
  long n = 0;
  time_t out = 0;

  /* 2030: weekends only, flagged */
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2030, 1, 5, 12, 0), &covered), 0);
  CU_ASSERT_EQUAL(covered, 0);
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2030, 1, 7, 12, 0), &covered), 1);
  CU_ASSERT_EQUAL(covered, 0);
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2003, 12, 31, 12, 0), &covered), 1);
  CU_ASSERT_EQUAL(covered, 0);
  CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, bj(2004, 1, 1, 12, 0), &covered), 0);
  CU_ASSERT_EQUAL(covered, 1);
  /* leaving the table on the way: the answer comes with covered = 0 */
  expect_add(cal, bj(2026, 12, 31, 9, 0), 1, bj(2027, 1, 1, 9, 0), 0);
  /* a calendar without a table at all is "weekends only" */
  expect_add(NULL, bj(2024, 2, 8, 10, 0), 2, bj(2024, 2, 12, 10, 0), 0);

  CU_ASSERT_EQUAL(ctk_calendar_working_days_between(cal, bj(2024, 2, 19, 0, 0),
                                                    bj(2024, 2, 8, 0, 0), &n, &covered),
                  CTK_E_OK);
  CU_ASSERT_EQUAL(n, -3);
  CU_ASSERT_EQUAL(ctk_calendar_add_working_days(cal, bj(2024, 1, 1, 0, 0), -1, &out, NULL),
                  CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_calendar_add_working_days(cal, bj(2024, 1, 1, 0, 0), 1000000, &out,
                                                NULL), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_calendar_working_days_between(cal, 0, (time_t)400 * 366 * 86400, &n,
                                                    NULL), CTK_E_INVAL);
  ctk_calendar_free(cal);
}

static void test_calendar_datetime(void)
{
  time_t t = 0;
  time_t u = 0;
  char out[32];
  char why[64];
  static const char *const bad[] = {
    "2026-11-29T13:00:00",          /* no offset */
    "2026-11-29 13:00:00+08:00",
    "2026-02-30T13:00:00+08:00",
    "2026-1-29T13:00:00+08:00",
    "2026-11-29T13:00+08:00",
    "2026-11-29T25:00:00+08:00",
    "2026-11-29T13:00:60+08:00",
    "2026-11-29T13:00:00+0800",
    "2026-11-29T13:00:00+15:00",
    "2026-11-29T13:00:00.+08:00",
    "2026-11-29T13:00:00+08:00 ",
    "0000-01-01T00:00:00Z",
    "",
  };
  size_t i;

  CU_ASSERT_EQUAL(ctk_datetime_parse("2026-11-29T13:00:00+08:00", &t, NULL, 0), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_datetime_format(t, out, sizeof(out)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(out, "2026-11-29T13:00:00+08:00");
  CU_ASSERT_EQUAL(t, bj(2026, 11, 29, 13, 0));
  CU_ASSERT_EQUAL(ctk_datetime_parse("2026-11-29T05:00:00Z", &u, NULL, 0), CTK_E_OK);
  CU_ASSERT_EQUAL(u, t);
  CU_ASSERT_EQUAL(ctk_datetime_parse("2026-11-29T00:00:00.250-05:00", &u, NULL, 0), CTK_E_OK);
  CU_ASSERT_EQUAL(u, t);
  CU_ASSERT_EQUAL(ctk_datetime_parse("2026-11-28T24:00:00+08:00", &u, NULL, 0), CTK_E_OK);
  CU_ASSERT_EQUAL(u, bj(2026, 11, 29, 0, 0));
  CU_ASSERT_EQUAL(ctk_datetime_parse("1969-12-31T23:59:59Z", &u, NULL, 0), CTK_E_OK);
  CU_ASSERT_EQUAL(u, -1);
  CU_ASSERT_EQUAL(ctk_datetime_format(u, out, sizeof(out)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(out, "1970-01-01T07:59:59+08:00");
  CU_ASSERT_EQUAL(ctk_datetime_format(t, out, 10), CTK_E_TOOBIG);

  for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    why[0] = '\0';
    CU_ASSERT_EQUAL(ctk_datetime_parse(bad[i], &u, why, sizeof(why)), CTK_E_PARSE);
    CU_ASSERT(why[0] != '\0');
  }

  /* the Beijing date decides the working day: 16:30Z on Friday 9 Feb is already Saturday */
  {
    ctk_calendar *cal = load_fixture();
    int y, m, d;
    CU_ASSERT_EQUAL(ctk_datetime_parse("2024-02-09T15:59:59Z", &u, NULL, 0), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, u, NULL), 1);
    CU_ASSERT_EQUAL(ctk_datetime_parse("2024-02-09T16:30:00Z", &u, NULL, 0), CTK_E_OK);
    CU_ASSERT_EQUAL(ctk_calendar_is_working_day(cal, u, NULL), 0);
    ctk_beijing_date(u, &y, &m, &d);
    CU_ASSERT(y == 2024 && m == 2 && d == 10);
    ctk_calendar_free(cal);
  }

  CU_ASSERT_EQUAL(ctk_date_parse("2024-02-29", &u), CTK_E_OK);
  CU_ASSERT_EQUAL(u, bj(2024, 2, 29, 0, 0));
  CU_ASSERT_EQUAL(ctk_date_parse("2023-02-29", &u), CTK_E_PARSE);
  CU_ASSERT_EQUAL(ctk_beijing_time(2024, 13, 1, 0, 0, 0, &u), CTK_E_INVAL);
  /* the Gregorian leap rule, as formats with year, month and day groups use it too */
  CU_ASSERT_TRUE(ctk_is_calendar_date(2000, 2, 29));
  CU_ASSERT_FALSE(ctk_is_calendar_date(1900, 2, 29));
  CU_ASSERT_FALSE(ctk_is_calendar_date(2026, 4, 31));
  CU_ASSERT_FALSE(ctk_is_calendar_date(0, 1, 1));
}

static void test_calendar_clock_text(void)
{
  ctk_clock_text c;
  char out[48];
  char small[8];
  time_t before;
  time_t parsed = 0;
  int i;

  static const char year_fmt[] = "%Y";

  memset(&c, 0, sizeof(c));
  before = time(NULL);
  ctk_clock_text_now(&c, CTK_BEIJING_OFFSET_S, "%Y-%m-%dT%H:%M:%S+08:00", out, sizeof(out));
  /* the Beijing stamp reads back as now (within the second the call took) */
  CU_ASSERT_EQUAL(strlen(out), 25);
  CU_ASSERT_EQUAL(ctk_datetime_parse(out, &parsed, NULL, 0), CTK_E_OK);
  CU_ASSERT(parsed >= before && parsed <= time(NULL));
  CU_ASSERT(c.at >= before);
  /* the wall clock in milliseconds is the same clock */
  CU_ASSERT(ctk_wall_ms() / 1000 >= (long long)before);
  CU_ASSERT(ctk_wall_ms() / 1000 <= (long long)time(NULL));

  /* made once a second: within the same second the cached text is what comes back (tried
   * again if the second turned during the call) */
  for(i = 0; i < 3; i++) {
    time_t t = time(NULL);
    ctk_strlcpy(c.text, "cached", sizeof(c.text));
    c.at = t;
    ctk_strlcpy(c.fmt, year_fmt, sizeof(c.fmt));
    ctk_clock_text_now(&c, 0, year_fmt, out, sizeof(out));
    if(time(NULL) == t)
      break;
  }
  CU_ASSERT_STRING_EQUAL(out, "cached");
  /* the same second in another format (another profile's): made again, not the cached text */
  ctk_strlcpy(c.text, "cached", sizeof(c.text));
  c.at = time(NULL);
  ctk_clock_text_now(&c, 0, "%Y%m%d", out, sizeof(out));
  CU_ASSERT_EQUAL(strlen(out), 8);
  /* another second: made again */
  c.at = 1;
  ctk_clock_text_now(&c, 0, "%Y%m%d%H%M%S", out, sizeof(out));
  CU_ASSERT_EQUAL(strlen(out), 14);
  /* too small for the text: empty, never cut */
  ctk_clock_text_now(&c, 0, "%Y%m%d%H%M%S", small, sizeof(small));
  CU_ASSERT_STRING_EQUAL(small, "");
}

/* The Beijing wall clock of an instant, whatever the machine's own zone. */
static void test_calendar_beijing_wall_clock(void)
{
  time_t t = 0;
  struct tm tm;
  char out[16];
  char small[8];
  char today[CTK_BEIJING_DATE_LEN];
  char local_today[16];
  char expected[16];
  ctk_test_tz tz;
  time_t now;
  struct tm local;
  int y, m, d;

  /* 16:30Z on Friday 9 February is 00:30 on Saturday 10 February in Beijing */
  CU_ASSERT_EQUAL(ctk_datetime_parse("2024-02-09T16:30:00Z", &t, NULL, 0), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctk_beijing_tm(t, &tm));
  CU_ASSERT(tm.tm_year == 124 && tm.tm_mon == 1 && tm.tm_mday == 10 && tm.tm_wday == 6);
  CU_ASSERT(tm.tm_hour == 0 && tm.tm_min == 30 && tm.tm_sec == 0);
  CU_ASSERT_EQUAL(ctk_beijing_seconds_of_day(t), 1800);
  CU_ASSERT_EQUAL(ctk_beijing_seconds_of_day(-1), 8 * 3600 - 1);  /* 07:59:59 before 1970 */
  CU_ASSERT_EQUAL(ctk_beijing_strftime(t, "%Y%m%d", out, sizeof(out)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(out, "20240210");
  CU_ASSERT_EQUAL(ctk_beijing_strftime(t, "%Y-%m-%d %H:%M", small, sizeof(small)), CTK_E_TOOBIG);
  CU_ASSERT_STRING_EQUAL(small, "");

  /* on a machine set to a zone where it is another date now: still Beijing's */
  CU_ASSERT_EQUAL_FATAL(ctk_test_tz_away_from_beijing(&tz), 0);
  now = time(NULL);
  ctk_beijing_today(today);
  ctk_beijing_date(now, &y, &m, &d);
  snprintf(expected, sizeof(expected), "%04d-%02d-%02d", y, m, d);
  CU_ASSERT_PTR_NOT_NULL(ctk_beijing_tm(t, &tm));
  CU_ASSERT_PTR_NOT_NULL(localtime_r(&now, &local));
  strftime(local_today, sizeof(local_today), "%Y-%m-%d", &local);
  ctk_test_tz_restore(&tz);
  CU_ASSERT_STRING_EQUAL(today, expected);
  CU_ASSERT_STRING_NOT_EQUAL(local_today, expected);   /* the zone did make a difference */
  CU_ASSERT(tm.tm_mday == 10 && tm.tm_hour == 0 && tm.tm_min == 30);
}

static void test_calendar_broken_files(void)
{
  static const struct {
    const char *text;
    const char *where;
  } cases[] = {
    { "day,kind\n", ":1: header has no column 'date'" },
    { "date,kind\n2024-02-30,holiday\n", ":2: not a date" },
    { "date,kind\n2024/02/10,holiday\n", ":2: not a date" },
    { "date,kind\n2024-02-10,vacation\n", ":2: kind is neither" },
    { "date,kind\n2024-02-10,holiday\n2024-02-08,workday\n", ":3: workday listed on a weekday" },
    { "date,kind\n2024-02-10,holiday\n\n2024-02-10,holiday\n", ":4: date listed twice" },
    { "date,kind\n1900-01-01,holiday\n", ":2: year out of range" },
    { "date,kind\n", ":1: no entries" },
  };
  const char *dir = ctk_test_tmpdir("calendar");
  char path[512];
  char err[256];
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/cal.csv", dir);
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ctk_calendar *cal = NULL;
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(cases[i].text, f);
    fclose(f);
    CU_ASSERT_EQUAL(ctk_calendar_load(path, &cal, err, sizeof(err)), CTK_E_PARSE);
    CU_ASSERT_PTR_NULL(cal);
    if(!strstr(err, cases[i].where))
      fprintf(stderr, "\n  case %zu: got \"%s\"\n", i, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].where));
  }
  CU_ASSERT_EQUAL(ctk_calendar_load("/nonexistent.csv", &(ctk_calendar *){ NULL }, err,
                                    sizeof(err)), CTK_E_IO);
}

void ctk_test_add_calendar(CU_pSuite suite)
{
  CTK_TEST(suite, test_calendar_spring_festival_2024);
  CTK_TEST(suite, test_calendar_national_day_and_year_end);
  CTK_TEST(suite, test_calendar_outside_coverage);
  CTK_TEST(suite, test_calendar_datetime);
  CTK_TEST(suite, test_calendar_clock_text);
  CTK_TEST(suite, test_calendar_beijing_wall_clock);
  CTK_TEST(suite, test_calendar_broken_files);
}
