/* ctk_calendar: China's working-day calendar (official holidays, make-up days) for deadlines,
 * Beijing time (UTC+8) for xs:dateTime values, and clock stamps. See docs/TIME.md. */
#ifndef CTK_CALENDAR_H
#define CTK_CALENDAR_H

#include <stddef.h>
#include <time.h>

#include "ctk_error.h"

/* The calendar inside ctk's data folder (ctk_datadir_path makes it a path). */
#define CTK_CALENDAR_DEFAULT_FILE "data/cn-calendar.csv"
/* Beijing time is UTC+8 all year: China has had no daylight saving time since 1991. */
#define CTK_BEIJING_OFFSET_S (8 * 3600)
/* Longest span the counting functions walk, so a wild input cannot spin for long. */
#define CTK_CALENDAR_MAX_DAYS 36600L

/* ---------- Beijing time ----------
 * A time_t is the usual count of seconds since 1970-01-01T00:00:00Z; "date" and "time of day"
 * below always mean the Beijing wall clock of that instant. */

/* The instant of a Beijing wall-clock time. CTK_E_INVAL for an impossible date or time. */
ctk_code ctk_beijing_time(int year, int month, int day, int hour, int minute, int second,
                          time_t *out);
/* The Beijing date of an instant. */
void ctk_beijing_date(time_t t, int *year, int *month, int *day);
/* The Beijing wall clock of an instant, broken down as gmtime_r breaks down UTC (tm_isdst is
 * 0; tm_gmtoff and tm_zone do not describe Beijing). NULL when t is beyond struct tm. Never
 * localtime_r: the network keeps Beijing time whatever the machine's TZ. */
struct tm *ctk_beijing_tm(time_t t, struct tm *out);
/* Seconds since the Beijing midnight of t, 0 to 86399. */
long ctk_beijing_seconds_of_day(time_t t);
/* The Beijing wall clock of t written by strftime: "%Y%m%d" gives the date inside an order
 * number, "%Y-%m-%d" a date. CTK_E_TOOBIG when it does not fit (out is "" then), CTK_E_INVAL
 * for a t beyond struct tm. */
ctk_code ctk_beijing_strftime(time_t t, const char *fmt, char *out, size_t size);
/* Today's Beijing date, "YYYY-MM-DD". */
#define CTK_BEIJING_DATE_LEN 11
void ctk_beijing_today(char out[CTK_BEIJING_DATE_LEN]);

/* Parses xs:dateTime with an offset: "2026-11-29T13:00:00+08:00", "...T05:00:00Z",
 * fractions of a second allowed (dropped), "T24:00:00" means the next midnight.
 * CTK_E_PARSE with why (if given) saying what is wrong; a missing offset is an error. */
ctk_code ctk_datetime_parse(const char *text, time_t *out, char *why, size_t whysize);
/* Writes "2026-11-29T13:00:00+08:00" (always Beijing time). size must be at least 26. */
ctk_code ctk_datetime_format(time_t t, char *out, size_t size);
/* Parses "YYYY-MM-DD" as Beijing midnight. */
ctk_code ctk_date_parse(const char *text, time_t *out);

/* 1 when year-month-day is a day of the Gregorian calendar (year 1 or later). */
int ctk_is_calendar_date(long year, long month, long day);

/* The wall clock (CLOCK_REALTIME) in milliseconds since 1970: event times and deadlines that
 * other processes read. Intervals use ctk_now_ms (ctk_proc.h), which never jumps. */
long long ctk_wall_ms(void);

/* The clock as text that changes once a second, made once a second: every message and store
 * row is stamped, and gmtime_r with strftime costs about 2,000 instructions a stamp. Keep one
 * per thread (_Thread_local) and format. */
typedef struct ctk_clock_text {
  time_t at;                   /* the second text was made for (0: not yet) */
  char fmt[64];                /* the format it was made with (a copy: a profile's format may
                                  be freed and another put at the same address) */
  char text[48];
} ctk_clock_text;
/* Now, offset_s east of UTC, as strftime writes it with fmt (which must not need more than
 * the 47 characters of c->text); "" when it does not fit out. */
void ctk_clock_text_now(ctk_clock_text *c, long offset_s, const char *fmt, char *out,
                        size_t outlen);

/* ---------- working days ----------
 * A day is a working day when it is listed as "workday" (a make-up day on a weekend), or when
 * it is Monday to Friday and not listed as "holiday". The file covers whole years (2004–2026
 * in the shipped one); outside them only weekends are known: the answer is still given, and
 * *covered (when not NULL) is set to 0 so callers can say the result is approximate. */

typedef struct ctk_calendar ctk_calendar;  /* read-only after loading: share across threads */

/* Loads date,kind[,name_zh,name_en]. On failure err says "FILE:LINE: reason". */
ctk_code ctk_calendar_load(const char *path, ctk_calendar **out, char *err, size_t errsize);
void ctk_calendar_free(ctk_calendar *cal);
/* The years the file covers. */
int ctk_calendar_first_year(const ctk_calendar *cal);
int ctk_calendar_last_year(const ctk_calendar *cal);

/* 1 when the Beijing date of t is a working day, else 0. */
int ctk_calendar_is_working_day(const ctk_calendar *cal, time_t t, int *covered);

/* The deadline n working days after start, at the same time of day. Counting starts on the
 * next working day after start's date: with start on Friday 10:00 and n = 1 the answer is the
 * following Monday 10:00 (if that is a working day). n = 0 gives start itself. n < 0 or a span
 * beyond CTK_CALENDAR_MAX_DAYS is CTK_E_INVAL. *covered = 0 if any day passed is outside. */
ctk_code ctk_calendar_add_working_days(const ctk_calendar *cal, time_t start, long n,
                                       time_t *out, int *covered);
/* Working days d with date(from) < d <= date(to): the inverse of add, so
 * between(start, add(start, n)) == n. Negative when to is before from. */
ctk_code ctk_calendar_working_days_between(const ctk_calendar *cal, time_t from, time_t to,
                                           long *out, int *covered);

#endif
