/* ctk_console_board: the rollout board: every provincial unit of the rollout plan by batch, the
 * day its networked-debugging application is due (one month before its batch, moved back to a
 * working day), the working days left, and its latest submission. */
#ifndef CTK_CONSOLE_BOARD_H
#define CTK_CONSOLE_BOARD_H

#include <json-c/json.h>
#include <stddef.h>

#include "ctk_calendar.h"
#include "ctk_error.h"

#define CTK_CONSOLE_BOARD_UNITS_MAX 64

typedef struct ctk_console_unit {
  int batch;
  char batch_date[11];         /* the batch's networking date, YYYY-MM-DD */
  char apply_by[11];           /* its debug-application deadline */
  char code[7];
  char name[96];
} ctk_console_unit;

typedef struct ctk_console_board {
  ctk_console_unit units[CTK_CONSOLE_BOARD_UNITS_MAX];
  size_t n;
} ctk_console_board;

/* Reads batch,deadline,code,name (data/rollout-2016.csv) and works out each apply_by with the
 * calendar. err: "PATH:LINE: why". */
ctk_code ctk_console_board_load(const char *path, const ctk_calendar *cal,
                                ctk_console_board *board, char *err, size_t errlen);

/* The debug-application deadline of a batch date: the same day a month earlier (the month's
 * last day when it has no such day), and, when that is not a working day, the working day
 * before it. */
ctk_code ctk_console_apply_by(const ctk_calendar *cal, const char *batch_date,
                              char out[11]);

/* The board as a JSON array of units, each with its latest submission from latest (the map of
 * ctk_console_submission_latest), status ("verified", "invalid", "not-certifiable",
 * "missing"), and days_left (working days from today to apply_by, negative once passed).
 * only_region: "" for every unit, else that one; batch 0 for all; status NULL or "" for all. */
ctk_code ctk_console_board_json(const ctk_console_board *board, const ctk_calendar *cal,
                                const char *today, json_object *latest,
                                const char *only_region, int batch, const char *status,
                                json_object **out);

#endif
