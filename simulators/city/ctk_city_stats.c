/* ctk_city_stats: what the simulated cities sent and received (the observed log kept in memory
 * and in each city's message log file) and their statistics as JSON. */
#include "ctk_city_internal.h"
#include "ctk_dock.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_calendar.h"
#include "ctk_json.h"
#include "ctk_proc.h"

static void iso_time(long long ms, char *out, size_t outlen)
{
  if(ctk_datetime_format((time_t)(ms / 1000), out, outlen))
    ctk_strlcpy(out, "", outlen);
}

/* ---------- what was observed ---------- */

void city_obs_free(city_obs *o)
{
  free(o->raw_request);
  free(o->raw_answer);
  o->raw_request = NULL;
  o->raw_answer = NULL;
}

static char *dup_bytes(const char *data, size_t len)
{
  char *copy;
  if(!data)
    return NULL;
  copy = malloc(len + 1);
  if(!copy)
    return NULL;
  memcpy(copy, data, len);
  copy[len] = '\0';
  return copy;
}

static void add_b64(struct json_object *obj, const char *key, const char *data, size_t len)
{
  unsigned char *out;
  size_t outlen = 4 * ((len + 2) / 3) + 1;
  if(!data)
    return;
  out = malloc(outlen);
  if(!out)
    return;
  EVP_EncodeBlock(out, (const unsigned char *)data, (int)len);
  json_object_object_add(obj, key, json_object_new_string((const char *)out));
  free(out);
}

struct json_object *city_obs_json(struct ctk_city_sim *sim, const city_obs *e, int raw)
{
  struct json_object *obj = json_object_new_object();
  char t[40];
  json_object_object_add(obj, "seq", json_object_new_int64((int64_t)e->seq));
  json_object_object_add(obj, "city", json_object_new_string(sim->cities[e->city].region));
  json_object_object_add(obj, "direction", json_object_new_string(e->incoming ? "in" : "out"));
  json_object_object_add(obj, "interface", json_object_new_string(e->interface_code));
  json_object_object_add(obj, "msg_id", json_object_new_string(e->msg_id));
  json_object_object_add(obj, "order_id", json_object_new_string(e->order_id));
  json_object_object_add(obj, "result", json_object_new_string(e->result));
  json_object_object_add(obj, "sent", json_object_new_boolean(e->sent));
  json_object_object_add(obj, "http_status", json_object_new_int(e->http_status));
  iso_time(e->t_start, t, sizeof(t));
  json_object_object_add(obj, "time", json_object_new_string(t));
  json_object_object_add(obj, "t_start_ms", json_object_new_int64(e->t_start));
  json_object_object_add(obj, "t_end_ms", json_object_new_int64(e->t_end));
  json_object_object_add(obj, "note", json_object_new_string(e->note));
  if(raw) {
    add_b64(obj, "request_b64", e->raw_request, e->raw_request_len);
    add_b64(obj, "answer_b64", e->raw_answer, e->raw_answer_len);
  }
  return obj;
}

void city_observe(struct ctk_city_sim *sim, const city_obs *entry)
{
  city_node *c = &sim->cities[entry->city];
  city_obs *slot;
  if(sim->obs_count == CITY_OBS_MAX) {
    city_obs_free(&sim->obs[sim->obs_start]);
    sim->obs_start = (sim->obs_start + 1) % CITY_OBS_MAX;
    sim->obs_count--;
    sim->obs_dropped++;
  }
  slot = &sim->obs[(sim->obs_start + sim->obs_count) % CITY_OBS_MAX];
  *slot = *entry;
  slot->seq = ++sim->obs_seq;
  slot->raw_request = dup_bytes(entry->raw_request, entry->raw_request_len);
  slot->raw_answer = dup_bytes(entry->raw_answer, entry->raw_answer_len);
  sim->obs_count++;
  if(c->log) {
    struct json_object *obj = city_obs_json(sim, slot, 1);
    fprintf(c->log, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
    fflush(c->log);
    json_object_put(obj);
  }
}

/* ---------- statistics ---------- */

static void counters_add(struct json_object *obj, const city_counters *c)
{
  size_t i;
  for(i = 0; i < c->count; i++) {
    struct json_object *v;
    int64_t n = (int64_t)c->values[i];
    if(json_object_object_get_ex(obj, c->keys[i], &v))
      n += json_object_get_int64(v);
    json_object_object_add(obj, c->keys[i], json_object_new_int64(n));
  }
}

static struct json_object *stats_object(const city_stats *st)
{
  struct json_object *obj = json_object_new_object();
  struct json_object *created = json_object_new_object();
  unsigned long total = 0;
  int k;
  for(k = 0; k < CTK_KIND__COUNT; k++) {
    json_object_object_add(created, ctk_order_kind_name((ctk_order_kind)k),
                           json_object_new_int64((int64_t)st->created[k]));
    total += st->created[k];
  }
  json_object_object_add(obj, "orders_created", json_object_new_int64((int64_t)total));
  json_object_object_add(obj, "orders_by_kind", created);
  json_object_object_add(obj, "cti_orders", json_object_new_int64((int64_t)st->cti_orders));
  json_object_object_add(obj, "sent", json_object_new_int64((int64_t)st->sent));
  json_object_object_add(obj, "reported_ok", json_object_new_int64((int64_t)st->sent_ok));
  json_object_object_add(obj, "reported_failed",
                         json_object_new_int64((int64_t)st->sent_failed));
  json_object_object_add(obj, "retries", json_object_new_int64((int64_t)st->retries));
  json_object_object_add(obj, "received", json_object_new_int64((int64_t)st->received));
  json_object_object_add(obj, "transfers_received",
                         json_object_new_int64((int64_t)st->transfers_received));
  json_object_object_add(obj, "urges", json_object_new_int64((int64_t)st->urges));
  json_object_object_add(obj, "supervises", json_object_new_int64((int64_t)st->supervises));
  json_object_object_add(obj, "sent_by_interface", json_object_new_object());
  json_object_object_add(obj, "received_by_interface", json_object_new_object());
  json_object_object_add(obj, "answers_received", json_object_new_object());
  json_object_object_add(obj, "answers_given", json_object_new_object());
  json_object_object_add(obj, "misbehaved", json_object_new_object());
  counters_add(json_object_object_get(obj, "sent_by_interface"), &st->sent_by_interface);
  counters_add(json_object_object_get(obj, "received_by_interface"),
               &st->received_by_interface);
  counters_add(json_object_object_get(obj, "answers_received"), &st->answers_received);
  counters_add(json_object_object_get(obj, "answers_given"), &st->answers_given);
  counters_add(json_object_object_get(obj, "misbehaved"), &st->misbehaved);
  return obj;
}

static void stats_sum(city_stats *sum, const city_stats *st)
{
  const city_counters *from[] = { &st->misbehaved, &st->answers_received, &st->answers_given,
                                  &st->sent_by_interface, &st->received_by_interface };
  city_counters *to[] = { &sum->misbehaved, &sum->answers_received, &sum->answers_given,
                          &sum->sent_by_interface, &sum->received_by_interface };
  size_t i, j;
  unsigned long n;
  int k;
  for(k = 0; k < CTK_KIND__COUNT; k++)
    sum->created[k] += st->created[k];
  sum->cti_orders += st->cti_orders;
  sum->sent += st->sent;
  sum->sent_ok += st->sent_ok;
  sum->sent_failed += st->sent_failed;
  sum->retries += st->retries;
  sum->transfers_received += st->transfers_received;
  sum->urges += st->urges;
  sum->supervises += st->supervises;
  sum->received += st->received;
  for(i = 0; i < 5; i++) {
    for(j = 0; j < from[i]->count; j++) {
      for(n = 0; n < from[i]->values[j]; n++)
        city_count(to[i], from[i]->keys[j]);
    }
  }
}

ctk_code ctk_city_sim_stats_json(ctk_city_sim *sim, ctk_buf *out)
{
  struct json_object *root, *per;
  city_stats *sum = calloc(1, sizeof(*sum));
  ctk_code result;
  size_t i;
  if(!sum)
    return CTK_E_NOMEM;
  root = json_object_new_object();
  per = json_object_new_object();
  pthread_mutex_lock(&sim->lock);
  for(i = 0; i < sim->n_cities; i++) {
    stats_sum(sum, &sim->cities[i].st);
    json_object_object_add(per, sim->cities[i].region, stats_object(&sim->cities[i].st));
  }
  json_object_object_add(root, "province", json_object_new_string(sim->province));
  json_object_object_add(root, "cities", json_object_new_int((int)sim->n_cities));
  json_object_object_add(root, "uptime_ms",
                         json_object_new_int64(ctk_now_ms() - sim->started_ms));
  json_object_object_add(root, "total", stats_object(sum));
  json_object_object_add(root, "per_city", per);
  if(sim->dock) {
    struct json_object *dock = json_object_new_object();
    unsigned up;
    unsigned long connects;
    ctk_dock_status(sim->dock, &up, &connects);
    json_object_object_add(dock, "links_up", json_object_new_int((int)up));
    json_object_object_add(dock, "connects", json_object_new_int64((int64_t)connects));
    json_object_object_add(root, "dock", dock);
  }
  json_object_object_add(root, "cti_events", json_object_new_object());
  counters_add(json_object_object_get(root, "cti_events"), &sim->cti_events);
  json_object_object_add(root, "pending", json_object_new_int64((int64_t)sim->in_flight));
  json_object_object_add(root, "scheduled", json_object_new_int64((int64_t)sim->n_heap));
  json_object_object_add(root, "observed_dropped",
                         json_object_new_int64((int64_t)sim->obs_dropped));
  json_object_object_add(root, "misbehave_rules", json_object_new_int((int)sim->rules.count));
  pthread_mutex_unlock(&sim->lock);
  result = ctk_json_write(root, JSON_C_TO_STRING_PRETTY, out);
  free(sum);
  return result;
}

void ctk_city_sim_progress(ctk_city_sim *sim, char *out, size_t outlen)
{
  city_stats *sum = calloc(1, sizeof(*sum));
  unsigned long created = 0;
  size_t i;
  int k;
  if(!sum) {
    ctk_strlcpy(out, "", outlen);
    return;
  }
  pthread_mutex_lock(&sim->lock);
  for(i = 0; i < sim->n_cities; i++)
    stats_sum(sum, &sim->cities[i].st);
  for(k = 0; k < CTK_KIND__COUNT; k++)
    created += sum->created[k];
  snprintf(out, outlen, "cities %zu  orders %lu  sent %lu  ok %lu  failed %lu  received %lu  "
           "pending %zu", sim->n_cities, created, sum->sent, sum->sent_ok, sum->sent_failed,
           sum->received, sim->in_flight);
  pthread_mutex_unlock(&sim->lock);
  free(sum);
}
