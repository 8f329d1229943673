/* ctk_console_board: rollout units, their application deadlines and their standing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_console_board.h"
#include "ctk_csv.h"

typedef struct board_load {
  ctk_console_board *board;
  const ctk_calendar *cal;
} board_load;

static int days_in_month(int year, int month)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

ctk_code ctk_console_apply_by(const ctk_calendar *cal, const char *batch_date, char out[11])
{
  time_t t;
  int y, m, d, guard;

  if(ctk_date_parse(batch_date, &t))
    return CTK_E_PARSE;
  ctk_beijing_date(t, &y, &m, &d);
  m--;
  if(m == 0) {
    m = 12;
    y--;
  }
  if(d > days_in_month(y, m))
    d = days_in_month(y, m);
  if(ctk_beijing_time(y, m, d, 0, 0, 0, &t))
    return CTK_E_INVAL;
  for(guard = 0; guard < 31 && !ctk_calendar_is_working_day(cal, t, NULL); guard++)
    t -= 86400;
  return ctk_beijing_strftime(t, "%Y-%m-%d", out, 11);
}

static ctk_code unit_row(void *ctx, const ctk_csv *c, const int *col, const char *path,
                         char *err, size_t errsize)
{
  board_load *l = ctx;
  ctk_console_unit *u;
  const char *batch = ctk_csv_field(c, col[0]), *date = ctk_csv_field(c, col[1]);
  const char *code = ctk_csv_field(c, col[2]), *name = ctk_csv_field(c, col[3]);
  time_t t;

  if(!batch || !date || !code || !name || atoi(batch) < 1 || strlen(code) != 6 ||
     ctk_date_parse(date, &t))
    return ctk_csv_error(err, errsize, path, c->record_line,
                         "expected batch,deadline (YYYY-MM-DD),code (6 digits),name",
                         NULL);
  if(l->board->n == CTK_CONSOLE_BOARD_UNITS_MAX)
    return ctk_csv_error(err, errsize, path, c->record_line, "too many units", NULL);
  u = &l->board->units[l->board->n++];
  u->batch = atoi(batch);
  ctk_strlcpy(u->batch_date, date, sizeof(u->batch_date));
  ctk_strlcpy(u->code, code, sizeof(u->code));
  ctk_strlcpy(u->name, name, sizeof(u->name));
  if(ctk_console_apply_by(l->cal, date, u->apply_by))
    return ctk_csv_error(err, errsize, path, c->record_line, "no application deadline", NULL);
  return CTK_E_OK;
}

ctk_code ctk_console_board_load(const char *path, const ctk_calendar *cal,
                                ctk_console_board *board, char *err, size_t errlen)
{
  static const char *const cols[] = { "batch", "deadline", "code", "name" };
  board_load l;

  memset(board, 0, sizeof(*board));
  l.board = board;
  l.cal = cal;
  return ctk_csv_load(path, cols, 4, unit_row, &l, 0, err, errlen);
}

static void add_str(json_object *o, const char *key, const char *value)
{
  json_object_object_add(o, key, json_object_new_string(value));
}

ctk_code ctk_console_board_json(const ctk_console_board *board, const ctk_calendar *cal,
                                const char *today, json_object *latest,
                                const char *only_region, int batch, const char *status,
                                json_object **out)
{
  json_object *units = json_object_new_array();
  time_t now, due;
  size_t i;

  *out = NULL;
  if(!units)
    return CTK_E_NOMEM;
  if(ctk_date_parse(today, &now)) {
    json_object_put(units);
    return CTK_E_PARSE;
  }
  for(i = 0; i < board->n; i++) {
    const ctk_console_unit *u = &board->units[i];
    json_object *o, *sub = NULL, *v;
    const char *st = "missing";
    long left = 0;

    if(only_region && only_region[0] && strcmp(only_region, u->code))
      continue;
    if(batch && u->batch != batch)
      continue;
    if(latest && json_object_object_get_ex(latest, u->code, &sub) &&
       json_object_object_get_ex(sub, "verdict", &v))
      st = json_object_get_string(v);
    if(status && status[0] && strcmp(status, st))
      continue;
    if(!ctk_date_parse(u->apply_by, &due))
      ctk_calendar_working_days_between(cal, now, due, &left, NULL);
    o = json_object_new_object();
    if(!o)
      break;
    json_object_object_add(o, "batch", json_object_new_int(u->batch));
    add_str(o, "code", u->code);
    add_str(o, "name", u->name);
    add_str(o, "batch_date", u->batch_date);
    add_str(o, "apply_by", u->apply_by);
    json_object_object_add(o, "days_left", json_object_new_int64(left));
    add_str(o, "status", st);
    if(sub)
      json_object_object_add(o, "submission", json_object_get(sub));
    json_object_array_add(units, o);
  }
  *out = units;
  return CTK_E_OK;
}
