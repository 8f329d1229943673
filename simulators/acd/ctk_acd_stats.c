/* ctk_acd_stats: counts the centre's voice statistics from the engine's call events. */
#include "acd/ctk_acd_stats.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctk_calendar.h"
#include "ctk_json.h"

void ctk_acd_stats_init(ctk_acd_stats *s)
{
  memset(s, 0, sizeof(*s));
  s->started_wall_ms = ctk_wall_ms();
}

void ctk_acd_stats_on_event(void *ctx, const ctk_acd_event *ev)
{
  ctk_acd_stats *s = ctx;
  unsigned long wait = ev->wait_ms > 0 ? (unsigned long)ev->wait_ms : 0;

  s->queue_now = ev->queue_length;
  if(s->queue_now > s->queue_max)
    s->queue_max = s->queue_now;
  switch(ev->kind) {
  case CTK_ACD_EV_OFFERED:
    s->offered++;
    break;
  case CTK_ACD_EV_ANSWERED:
    s->answered++;
    s->wait_sum_ms += wait;
    if(wait > s->wait_max_ms)
      s->wait_max_ms = wait;
    if(wait <= 10000)
      s->answered_10s++;
    if(wait <= 15000)
      s->answered_15s++;
    break;
  case CTK_ACD_EV_ABANDONED:
    s->abandoned++;
    break;
  case CTK_ACD_EV_CLEARED:
    if(ev->busy_status)
      s->busy++;
    else if(ev->queue_timeout)
      s->queue_timeout++;
    else if(ev->answered) {
      s->cleared++;
      s->talk_sum_ms += ev->talk_ms > 0 ? (uint64_t)ev->talk_ms : 0;
    }
    break;
  case CTK_ACD_EV_QUEUED:
  case CTK_ACD_EV_DELIVERED:
  case CTK_ACD_EV__COUNT:
  default:
    break;
  }
}

double ctk_acd_stats_mean_wait_ms(const ctk_acd_stats *s)
{
  return s->answered ? (double)s->wait_sum_ms / (double)s->answered : 0.0;
}

static double acd_rate(unsigned long part, unsigned long whole)
{
  return whole ? (double)part / (double)whole : 0.0;
}

/* A double printed with a fixed number of decimals, so 0.1 does not show as 0.10000000000000001. */
static json_object *acd_json_fixed(double v, int decimals)
{
  char text[64];
  snprintf(text, sizeof(text), "%.*f", decimals, v);
  return json_object_new_double_s(v, text);
}

ctk_code ctk_acd_stats_json(const ctk_acd_stats *s, ctk_buf *out)
{
  json_object *o = json_object_new_object();

  if(!o)
    return CTK_E_NOMEM;
  json_object_object_add(o, "offered", json_object_new_int64((int64_t)s->offered));
  json_object_object_add(o, "answered", json_object_new_int64((int64_t)s->answered));
  json_object_object_add(o, "abandoned", json_object_new_int64((int64_t)s->abandoned));
  json_object_object_add(o, "busy", json_object_new_int64((int64_t)s->busy));
  json_object_object_add(o, "queue_timeout", json_object_new_int64((int64_t)s->queue_timeout));
  json_object_object_add(o, "cleared", json_object_new_int64((int64_t)s->cleared));
  json_object_object_add(o, "answered_within_10s", json_object_new_int64((int64_t)s->answered_10s));
  json_object_object_add(o, "answered_within_15s", json_object_new_int64((int64_t)s->answered_15s));
  json_object_object_add(o, "answer_rate", acd_json_fixed(acd_rate(s->answered, s->offered), 4));
  json_object_object_add(o, "service_level_10s",
                         acd_json_fixed(acd_rate(s->answered_10s, s->answered), 4));
  json_object_object_add(o, "service_level_15s",
                         acd_json_fixed(acd_rate(s->answered_15s, s->answered), 4));
  json_object_object_add(o, "mean_wait_ms", acd_json_fixed(ctk_acd_stats_mean_wait_ms(s), 1));
  json_object_object_add(o, "max_wait_ms", json_object_new_int64((int64_t)s->wait_max_ms));
  json_object_object_add(o, "queue_now", json_object_new_int64((int64_t)s->queue_now));
  json_object_object_add(o, "queue_max", json_object_new_int64((int64_t)s->queue_max));
  json_object_object_add(o, "mean_talk_ms",
                         acd_json_fixed(s->cleared ? (double)s->talk_sum_ms / (double)s->cleared : 0.0, 1));
  json_object_object_add(o, "started_ms", json_object_new_int64(s->started_wall_ms));
  return ctk_json_write(o, JSON_C_TO_STRING_PLAIN, out);
}

void ctk_acd_stats_print(const ctk_acd_stats *s, FILE *out, int oneline)
{
  double mean = ctk_acd_stats_mean_wait_ms(s) / 1000.0;
  if(oneline) {
    fprintf(out, "\roffered %lu  answered %lu  abandoned %lu  busy %lu  queue %lu (max %lu)  "
                 "<=10s %.1f%%  mean wait %.1fs  ",
            s->offered, s->answered, s->abandoned, s->busy, s->queue_now, s->queue_max,
            100.0 * acd_rate(s->answered_10s, s->answered), mean);
    fflush(out);
    return;
  }
  fprintf(out,
          "calls offered          %lu\n"
          "answered               %lu (%.1f%% of offered)\n"
          "abandoned              %lu\n"
          "busy (queue full)      %lu\n"
          "queue timeout (480)    %lu\n"
          "answered within 10 s   %lu (%.1f%% of answered)\n"
          "answered within 15 s   %lu (%.1f%% of answered)\n"
          "mean wait              %.3f s\n"
          "max wait               %.3f s\n"
          "longest queue          %lu\n",
          s->offered, s->answered, 100.0 * acd_rate(s->answered, s->offered), s->abandoned,
          s->busy, s->queue_timeout, s->answered_10s, 100.0 * acd_rate(s->answered_10s, s->answered),
          s->answered_15s, 100.0 * acd_rate(s->answered_15s, s->answered), mean,
          (double)s->wait_max_ms / 1000.0, s->queue_max);
}
