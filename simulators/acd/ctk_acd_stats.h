/* ctk_acd_stats: the voice statistics a call centre is judged on, counted from call events.
 * A sink of the engine; printed live, at the end, as JSON and over GET /stats. */
#ifndef CTK_ACD_STATS_H
#define CTK_ACD_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "acd/ctk_acd_engine.h"
#include "ctk_buf.h"

typedef struct ctk_acd_stats {
  unsigned long offered;      /* every new INVITE, refused ones included */
  unsigned long answered;
  unsigned long abandoned;    /* caller hung up before an agent answered */
  unsigned long busy;         /* refused with 486 or 503 because the queue was full */
  unsigned long queue_timeout; /* released with 480 after the longest allowed wait */
  unsigned long cleared;      /* answered calls that have ended */
  unsigned long answered_10s; /* answered with a queue wait of at most 10 s */
  unsigned long answered_15s;
  uint64_t wait_sum_ms;       /* over answered calls */
  unsigned long wait_max_ms;  /* over answered calls */
  unsigned long queue_now;    /* calls waiting in the queue now */
  unsigned long queue_max;    /* longest queue seen */
  uint64_t talk_sum_ms;       /* over cleared calls */
  int64_t started_wall_ms;
} ctk_acd_stats;

void ctk_acd_stats_init(ctk_acd_stats *s);
/* The sink function: ctx is a ctk_acd_stats. */
void ctk_acd_stats_on_event(void *ctx, const ctk_acd_event *ev);
/* Mean wait of answered calls in ms (0 when none answered). */
double ctk_acd_stats_mean_wait_ms(const ctk_acd_stats *s);
/* One JSON object (docs/ACD.md shows the fields). */
ctk_code ctk_acd_stats_json(const ctk_acd_stats *s, ctk_buf *out);
/* A human summary; oneline = 1 for the live status line (no newline). */
void ctk_acd_stats_print(const ctk_acd_stats *s, FILE *out, int oneline);

#endif
