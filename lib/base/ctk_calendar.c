/* ctk_calendar: working days from a holiday table, and Beijing-time conversions via timegm. */
#include "ctk_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_csv.h"

#define SECONDS_PER_DAY 86400L
#define MAX_ENTRIES 20000
#define MIN_YEAR 1970
#define MAX_YEAR 2199

enum day_kind { DAY_ORDINARY = 0, DAY_HOLIDAY = 1, DAY_WORKDAY = 2 };

struct ctk_calendar {
  int first_year;
  int last_year;
  long first_day;          /* day number of first_year-01-01 */
  long n_days;             /* through last_year-12-31 */
  unsigned char *kind;     /* enum day_kind per day */
};

/* ---------------------------------------------------------------- Beijing time */

/* Day number (days since 1970-01-01) of the Beijing date of t; floor division so instants
 * before 1970 land on the right day too. */
static long beijing_day(time_t t)
{
  long long local = (long long)t + CTK_BEIJING_OFFSET_S;
  long long day = local / SECONDS_PER_DAY;
  if(local % SECONDS_PER_DAY < 0)
    day--;
  return (long)day;
}

long ctk_beijing_seconds_of_day(time_t t)
{
  return (long)((long long)t + CTK_BEIJING_OFFSET_S - (long long)beijing_day(t) * SECONDS_PER_DAY);
}

static void day_to_date(long day, int *year, int *month, int *mday, int *wday)
{
  time_t t = (time_t)day * SECONDS_PER_DAY;
  struct tm tm;
  gmtime_r(&t, &tm);
  if(year)
    *year = tm.tm_year + 1900;
  if(month)
    *month = tm.tm_mon + 1;
  if(mday)
    *mday = tm.tm_mday;
  if(wday)
    *wday = tm.tm_wday;
}

int ctk_is_calendar_date(long year, long month, long day)
{
  static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if(year < 1 || month < 1 || month > 12 || day < 1)
    return 0;
  return day <= days[month - 1] + (month == 2 && leap);
}

/* Day number of a civil date of years 1 to 9999, -1 on an impossible date (timegm would
 * silently roll over). */
static int date_to_day(int year, int month, int mday, long *day)
{
  struct tm tm;
  time_t t;

  if(year > 9999 || !ctk_is_calendar_date(year, month, mday))
    return -1;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = mday;
  t = timegm(&tm);
  *day = (long)(t / SECONDS_PER_DAY);
  return 0;
}

ctk_code ctk_beijing_time(int year, int month, int day, int hour, int minute, int second,
                          time_t *out)
{
  long d;
  if(!out || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return CTK_E_INVAL;
  if(date_to_day(year, month, day, &d))
    return CTK_E_INVAL;
  *out = (time_t)d * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second -
         CTK_BEIJING_OFFSET_S;
  return CTK_E_OK;
}

void ctk_beijing_date(time_t t, int *year, int *month, int *day)
{
  day_to_date(beijing_day(t), year, month, day, NULL);
}

struct tm *ctk_beijing_tm(time_t t, struct tm *out)
{
  time_t wall = t + CTK_BEIJING_OFFSET_S;
  return gmtime_r(&wall, out);
}

ctk_code ctk_beijing_strftime(time_t t, const char *fmt, char *out, size_t size)
{
  struct tm tm;

  if(!out || !size || !fmt)
    return CTK_E_INVAL;
  out[0] = '\0';
  if(!ctk_beijing_tm(t, &tm))
    return CTK_E_INVAL;
  /* strftime's 0 also means an empty result: only a format that writes something is used */
  if(!strftime(out, size, fmt, &tm)) {
    out[0] = '\0';
    return CTK_E_TOOBIG;
  }
  return CTK_E_OK;
}

void ctk_beijing_today(char out[CTK_BEIJING_DATE_LEN])
{
  if(ctk_beijing_strftime(time(NULL), "%Y-%m-%d", out, CTK_BEIJING_DATE_LEN))
    out[0] = '\0';
}

/* Exactly n ASCII digits at *p; advances *p. */
static int take_digits(const char **p, int n, int *value)
{
  int v = 0;
  int i;
  for(i = 0; i < n; i++) {
    char ch = (*p)[i];
    if(ch < '0' || ch > '9')
      return -1;
    v = v * 10 + (ch - '0');
  }
  *p += n;
  *value = v;
  return 0;
}

static int take_char(const char **p, char ch)
{
  if(**p != ch)
    return -1;
  (*p)++;
  return 0;
}

static ctk_code parse_fail(char *why, size_t whysize, const char *reason)
{
  if(why && whysize)
    snprintf(why, whysize, "%s", reason);
  return CTK_E_PARSE;
}

ctk_code ctk_datetime_parse(const char *text, time_t *out, char *why, size_t whysize)
{
  const char *p = text;
  int y, mo, d, h, mi, s;
  int oh = 0;
  int om = 0;
  int sign = 0;
  long day;

  if(!text || !out)
    return CTK_E_INVAL;
  if(take_digits(&p, 4, &y) || take_char(&p, '-') || take_digits(&p, 2, &mo) ||
     take_char(&p, '-') || take_digits(&p, 2, &d))
    return parse_fail(why, whysize, "date is not YYYY-MM-DD");
  if(take_char(&p, 'T'))
    return parse_fail(why, whysize, "no 'T' between date and time");
  if(take_digits(&p, 2, &h) || take_char(&p, ':') || take_digits(&p, 2, &mi) ||
     take_char(&p, ':') || take_digits(&p, 2, &s))
    return parse_fail(why, whysize, "time is not hh:mm:ss");
  if(*p == '.') {
    p++;
    if(*p < '0' || *p > '9')
      return parse_fail(why, whysize, "empty fraction of a second");
    while(*p >= '0' && *p <= '9')
      p++;
  }
  if(*p == 'Z')
    p++;
  else if(*p == '+' || *p == '-') {
    sign = *p == '-' ? -1 : 1;
    p++;
    if(take_digits(&p, 2, &oh) || take_char(&p, ':') || take_digits(&p, 2, &om))
      return parse_fail(why, whysize, "offset is not +hh:mm");
    if(oh > 14 || om > 59 || (oh == 14 && om))
      return parse_fail(why, whysize, "offset out of range");
  }
  else if(*p == '\0')
    return parse_fail(why, whysize, "no time-zone offset");
  else
    return parse_fail(why, whysize, "unexpected text after the time");
  if(*p)
    return parse_fail(why, whysize, "unexpected text after the offset");
  if(y == 0 || date_to_day(y, mo, d, &day))
    return parse_fail(why, whysize, "no such date");
  if(h == 24 && mi == 0 && s == 0) {
    day++;  /* XML Schema: 24:00:00 is the first instant of the next day */
    h = 0;
  }
  if(h > 23 || mi > 59 || s > 59)
    return parse_fail(why, whysize, "no such time of day");
  *out = (time_t)day * SECONDS_PER_DAY + h * 3600L + mi * 60L + s -
         (time_t)sign * (oh * 3600L + om * 60L);
  return CTK_E_OK;
}

long long ctk_wall_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctk_clock_text_now(ctk_clock_text *c, long offset_s, const char *fmt, char *out,
                        size_t outlen)
{
  time_t now = time(NULL);

  if(now != c->at || strcmp(fmt, c->fmt)) {
    time_t shifted = now + offset_s;
    struct tm tm;
    if(!gmtime_r(&shifted, &tm) || !strftime(c->text, sizeof(c->text), fmt, &tm))
      c->text[0] = '\0';
    c->at = now;
    if(ctk_strlcpy(c->fmt, fmt, sizeof(c->fmt)))
      c->at = 0;               /* a format too long to remember is made every time */
  }
  if(ctk_strlcpy(out, c->text, outlen))
    out[0] = '\0';
}

ctk_code ctk_datetime_format(time_t t, char *out, size_t size)
{
  struct tm tm;
  int n;

  if(!out || size == 0)
    return CTK_E_INVAL;
  out[0] = '\0';
  if(!ctk_beijing_tm(t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
    return CTK_E_INVAL;
  n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", tm.tm_year + 1900,
               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if(n < 0 || (size_t)n >= size) {
    out[0] = '\0';
    return CTK_E_TOOBIG;
  }
  return CTK_E_OK;
}

static int parse_date_fields(const char *text, int *y, int *m, int *d)
{
  const char *p = text;
  if(!text || take_digits(&p, 4, y) || take_char(&p, '-') || take_digits(&p, 2, m) ||
     take_char(&p, '-') || take_digits(&p, 2, d) || *p)
    return -1;
  return 0;
}

ctk_code ctk_date_parse(const char *text, time_t *out)
{
  int y, m, d;
  if(!out || parse_date_fields(text, &y, &m, &d))
    return CTK_E_PARSE;
  return ctk_beijing_time(y, m, d, 0, 0, 0, out) ? CTK_E_PARSE : CTK_E_OK;
}

/* ---------------------------------------------------------------- loading */

typedef struct listed_day {
  long day;
  enum day_kind kind;
  size_t line;
} listed_day;

/* The file as read so far: every record (unsorted) and the year range. */
typedef struct calendar_reading {
  listed_day *list;
  size_t n;
  int first_year;
  int last_year;
} calendar_reading;

static ctk_code read_entry(void *ctx, const ctk_csv *csv, const int *col, const char *path,
                           char *err, size_t errsize)
{
  calendar_reading *rd = ctx;
  const char *date = ctk_csv_field(csv, col[0]);
  const char *kind = ctk_csv_field(csv, col[1]);
  int y, m, d, wday;
  listed_day *e;

  if(!date || !kind)
    return ctk_csv_error(err, errsize, path, csv->record_line, "too few fields", NULL);
  if(rd->n >= MAX_ENTRIES)
    return ctk_csv_error(err, errsize, path, csv->record_line, "too many entries", NULL);
  e = &rd->list[rd->n];
  e->line = csv->record_line;
  if(parse_date_fields(date, &y, &m, &d) || date_to_day(y, m, d, &e->day))
    return ctk_csv_error(err, errsize, path, e->line, "not a date YYYY-MM-DD", date);
  if(y < MIN_YEAR || y > MAX_YEAR)
    return ctk_csv_error(err, errsize, path, e->line, "year out of range", date);
  if(!strcmp(kind, "holiday"))
    e->kind = DAY_HOLIDAY;
  else if(!strcmp(kind, "workday"))
    e->kind = DAY_WORKDAY;
  else
    return ctk_csv_error(err, errsize, path, e->line, "kind is neither holiday nor workday",
                         kind);
  day_to_date(e->day, NULL, NULL, NULL, &wday);
  /* a make-up working day is always a weekend day; anything else is a typo in the file */
  if(e->kind == DAY_WORKDAY && wday != 0 && wday != 6)
    return ctk_csv_error(err, errsize, path, e->line, "workday listed on a weekday", date);
  if(rd->n == 0 || y < rd->first_year)
    rd->first_year = y;
  if(rd->n == 0 || y > rd->last_year)
    rd->last_year = y;
  rd->n++;
  return CTK_E_OK;
}

ctk_code ctk_calendar_load(const char *path, ctk_calendar **out, char *err, size_t errsize)
{
  static const char *const columns[] = { "date", "kind" };
  calendar_reading rd;
  ctk_calendar *cal = NULL;
  size_t i;
  long last_day;
  ctk_code result;

  if(err && errsize)
    err[0] = '\0';
  if(!path || !out)
    return CTK_E_INVAL;
  *out = NULL;
  memset(&rd, 0, sizeof(rd));
  rd.list = calloc(MAX_ENTRIES, sizeof(*rd.list));
  cal = calloc(1, sizeof(*cal));
  if(!rd.list || !cal) {
    result = CTK_E_NOMEM;
    goto done;
  }
  result = ctk_csv_load(path, columns, 2, read_entry, &rd, 0, err, errsize);
  if(!result && rd.n == 0)
    result = ctk_csv_error(err, errsize, path, 1, "no entries", NULL);
  if(result)
    goto done;
  cal->first_year = rd.first_year;
  cal->last_year = rd.last_year;

  date_to_day(cal->first_year, 1, 1, &cal->first_day);
  date_to_day(cal->last_year, 12, 31, &last_day);
  cal->n_days = last_day - cal->first_day + 1;
  cal->kind = calloc((size_t)cal->n_days, 1);
  if(!cal->kind) {
    result = CTK_E_NOMEM;
    goto done;
  }
  for(i = 0; i < rd.n; i++) {
    unsigned char *slot = &cal->kind[rd.list[i].day - cal->first_day];
    if(*slot != DAY_ORDINARY) {
      char date[48];
      int y, m, d;
      day_to_date(rd.list[i].day, &y, &m, &d, NULL);
      snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
      result = ctk_csv_error(err, errsize, path, rd.list[i].line, "date listed twice", date);
      goto done;
    }
    *slot = (unsigned char)rd.list[i].kind;
  }

done:
  free(rd.list);
  if(result) {
    ctk_calendar_free(cal);
    return result;
  }
  *out = cal;
  return CTK_E_OK;
}

void ctk_calendar_free(ctk_calendar *cal)
{
  if(!cal)
    return;
  free(cal->kind);
  free(cal);
}

int ctk_calendar_first_year(const ctk_calendar *cal)
{
  return cal ? cal->first_year : 0;
}

int ctk_calendar_last_year(const ctk_calendar *cal)
{
  return cal ? cal->last_year : 0;
}

/* ---------------------------------------------------------------- counting */

/* Working day or not for a day number; clears *covered when the table does not reach it. */
static int day_is_working(const ctk_calendar *cal, long day, int *covered)
{
  int wday = (int)(((day % 7) + 7 + 4) % 7);  /* 1970-01-01 was a Thursday (4) */
  int weekend = wday == 0 || wday == 6;

  if(!cal || day < cal->first_day || day >= cal->first_day + cal->n_days) {
    if(covered)
      *covered = 0;
    return !weekend;
  }
  switch(cal->kind[day - cal->first_day]) {
  case DAY_HOLIDAY:
    return 0;
  case DAY_WORKDAY:
    return 1;
  default:
    return !weekend;
  }
}

int ctk_calendar_is_working_day(const ctk_calendar *cal, time_t t, int *covered)
{
  if(covered)
    *covered = 1;
  return day_is_working(cal, beijing_day(t), covered);
}

ctk_code ctk_calendar_add_working_days(const ctk_calendar *cal, time_t start, long n,
                                       time_t *out, int *covered)
{
  long day = beijing_day(start);
  long first = day;
  long counted = 0;

  if(covered)
    *covered = 1;
  if(!out || n < 0 || n > CTK_CALENDAR_MAX_DAYS)
    return CTK_E_INVAL;
  while(counted < n) {
    day++;
    if(day - first > CTK_CALENDAR_MAX_DAYS)
      return CTK_E_INVAL;
    if(day_is_working(cal, day, covered))
      counted++;
  }
  /* no daylight saving in Beijing, so whole days keep the time of day exactly */
  *out = (time_t)day * SECONDS_PER_DAY + ctk_beijing_seconds_of_day(start) - CTK_BEIJING_OFFSET_S;
  return CTK_E_OK;
}

ctk_code ctk_calendar_working_days_between(const ctk_calendar *cal, time_t from, time_t to,
                                           long *out, int *covered)
{
  long a = beijing_day(from);
  long b = beijing_day(to);
  long sign = 1;
  long count = 0;
  long day;

  if(covered)
    *covered = 1;
  if(!out)
    return CTK_E_INVAL;
  if(b < a) {
    long swap = a;
    a = b;
    b = swap;
    sign = -1;
  }
  if(b - a > CTK_CALENDAR_MAX_DAYS)
    return CTK_E_INVAL;
  for(day = a + 1; day <= b; day++) {
    if(day_is_working(cal, day, covered))
      count++;
  }
  *out = sign * count;
  return CTK_E_OK;
}
