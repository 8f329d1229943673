/* ctk_city_internal: the city simulator's private state, shared by its own files only
 * (core and sending, observations and statistics, receiving, control API and CTI intake). */
#ifndef CTK_CITY_INTERNAL_H
#define CTK_CITY_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>
#include <stdio.h>

#include "ctk_auth.h"
#include "ctk_city.h"
#include "ctk_http.h"
#include "ctk_misbehave.h"
#include "ctk_profile.h"
#include "ctk_region.h"
#include "ctk_traffic.h"

#define CITY_ORDER_ID_MAX 24
#define CITY_HISTORY_MAX 24
#define CITY_COUNTERS_MAX 48
#define CITY_OBS_MAX 20000           /* observed entries kept in memory (oldest dropped) */
#define CITY_ORDERS_MAX 2000000      /* orders kept in memory */
#define CITY_SEEN_MAX 200000         /* message ids remembered per simulator for idempotency */
#define CITY_CTI_MAX 200000          /* call ids remembered */
#define CITY_HASH_BUCKETS 65536
#define CITY_REORDER_HOLD_MS 2000    /* a held (reordered) request goes anyway after this */
#define CITY_NOTE_MAX 128

/* A small named counter set: result code -> 12, "answered" -> 3, ... */
typedef struct city_counters {
  char keys[CITY_COUNTERS_MAX][CTK_ID_MAX];
  unsigned long values[CITY_COUNTERS_MAX];
  size_t count;
} city_counters;

void city_count(city_counters *c, const char *key);

typedef struct city_stats {
  unsigned long created[CTK_KIND__COUNT];
  unsigned long cti_orders;
  unsigned long sent;              /* requests that went on the wire (first attempt) */
  unsigned long sent_ok;           /* answered OK */
  unsigned long sent_failed;       /* answered another code, or no answer after retries */
  unsigned long retries;
  unsigned long transfers_received;
  unsigned long urges;
  unsigned long supervises;
  unsigned long received;          /* requests from the province */
  city_counters misbehaved;        /* by action */
  city_counters answers_received;  /* result codes the province answered */
  city_counters answers_given;     /* result codes the cities answered */
  city_counters sent_by_interface;
  city_counters received_by_interface;
} city_stats;

/* Codes (interface, state, channel...) are the profile's, as long as it makes them. */
typedef struct city_event {
  char time[40];                   /* in the profile's format: it goes on the wire */
  char interface_code[CTK_ID_MAX];
  char status[CTK_ID_MAX];
  char region[8];
} city_event;

typedef struct city_order {
  char id[CITY_ORDER_ID_MAX];
  size_t city;                     /* index of the city holding it */
  ctk_order_kind kind;
  int from_upper;                  /* the province transferred it to this city */
  char state[CTK_ID_MAX];           /* state code; "" before the first OK answer */
  char pending_to[CTK_ID_MAX];     /* state the request in flight leads to */
  int busy;                        /* a request for it is queued or in flight */
  char accept_time[40];
  char accept_region[8];
  char handle_region[8];
  char target[8];                  /* cross-region kinds */
  char channel[CTK_ID_MAX];        /* the profile's code values */
  char business[CTK_ID_MAX];
  char domain[CTK_ID_MAX];
  char phone[24];
  char caller_name[32];
  char call_id[CTK_MSGID_MAX];
  char subject[200];
  char content[640];
  char rec_url[512];
  char rec_sha[65];
  unsigned urged;                  /* urges and supervises received */
  unsigned gen;                    /* generation of its scheduled step: stale heap items skip */
  long long due_ms;                /* monotonic time of its scheduled step, 0 if none */
  city_event history[CITY_HISTORY_MAX];
  size_t n_history;
  size_t hash_next;                /* chain in the id index, (size_t)-1 at the end */
} city_order;

typedef struct city_node {
  char region[8];
  char name[96];
  char secret[128];
  unsigned long seq;               /* last order sequence used */
  FILE *log;                       /* append-only message log, JSON lines */
  char seq_path[600];
  size_t worker;                   /* the sending thread that owns this city's queue order */
  struct city_job *held;           /* reorder: request held back until the next one */
  long long held_since;
  city_stats st;
} city_node;

/* One request to send up: bytes built once, so retries and duplicates are identical. */
typedef struct city_job {
  size_t city;
  char interface_code[CTK_ID_MAX];
  char order_id[CITY_ORDER_ID_MAX];  /* looked up again when settled: a reset may intervene */
  char msg_id[CTK_MSGID_MAX];
  ctk_buf bytes;
  int attempts;
  int copies;                      /* 2 for duplicate */
  int hold;                        /* reorder */
  char note[CITY_NOTE_MAX];        /* misbehaviour applied */
  struct city_job *next;
} city_job;

typedef enum { CITY_DUE_ARRIVAL, CITY_DUE_STEP, CITY_DUE_SEND } city_due_type;

typedef struct city_due {
  long long due_ms;                /* monotonic */
  unsigned long seq;               /* tie-break: first scheduled, first run */
  city_due_type type;
  size_t order;
  unsigned gen;
  city_job *job;
} city_due;

typedef struct city_obs {
  unsigned long seq;
  size_t city;
  int incoming;                    /* 1: the province called the city */
  char interface_code[CTK_ID_MAX];
  char msg_id[CTK_MSGID_MAX];
  char order_id[CITY_ORDER_ID_MAX];
  char result[CTK_ID_MAX];         /* wire result code, "" when no answer */
  long long t_start;               /* ms since the epoch */
  long long t_end;
  int sent;                        /* outgoing: 0 when dropped */
  int http_status;
  char note[CITY_NOTE_MAX];        /* misbehaviour, transport error */
  char *raw_request;
  size_t raw_request_len;
  char *raw_answer;
  size_t raw_answer_len;
} city_obs;

typedef struct city_worker {
  struct ctk_city_sim *sim;
  size_t index;
  pthread_t thread;
  city_job *head, *tail;
  pthread_cond_t cond;
  ctk_http_client *http;
  int busy;
} city_worker;

/* The traffic model's mixes that name code values (business, domain, channel, satisfaction). */
typedef enum {
  CITY_MIX_BUSINESS = 0,
  CITY_MIX_DOMAIN,
  CITY_MIX_CHANNEL,
  CITY_MIX_SATISFACTION,
  CITY_MIX__COUNT
} city_mix;

typedef struct city_seen {         /* a message id the cities already answered */
  char msg_id[CTK_MSGID_MAX];
  unsigned long long digest;       /* of the body and head without the send time */
  char result[CTK_ID_MAX];
  char text[128];
} city_seen;

struct ctk_city_sim {
  ctk_city_config cfg;
  char province[8];
  char upper_url[512];
  ctk_profile *profile;
  ctk_region_db *regions;
  ctk_auth *auth;                  /* who may call the cities; NULL = no check */
  ctk_traffic_model model;
  /* each mix's names resolved at load to the profile's code values, index for index */
  char mix_codes[CITY_MIX__COUNT][CTK_TRAFFIC_CHOICES_MAX][CTK_ID_MAX];
  ctk_rng rng;

  pthread_mutex_t lock;            /* guards everything below */
  city_node *cities;
  size_t n_cities;
  size_t cti_next;                 /* round robin */

  city_order *orders;
  size_t n_orders, cap_orders;
  size_t buckets[CITY_HASH_BUCKETS];

  city_due *heap;
  size_t n_heap, cap_heap;
  unsigned long due_seq;
  pthread_cond_t due_cond;
  pthread_t scheduler;

  city_worker *workers;
  size_t n_workers;
  size_t in_flight;

  ctk_mb_set rules;
  city_obs *obs;                   /* ring of CITY_OBS_MAX */
  size_t obs_start, obs_count;
  unsigned long obs_seq, obs_dropped;

  city_seen *seen;
  size_t n_seen;
  char (*cti_calls)[CTK_MSGID_MAX + 24]; /* "call_id\torder_id" */
  char cti_last[CTK_MSGID_MAX];    /* the last answered call's id (wrong-call links to it) */
  struct ctk_dock *dock;           /* the CTI client links (--dock), NULL if none */
  size_t n_cti;
  city_counters cti_events;

  long created_total;
  int auto_steps;                  /* 0 in manual mode */
  int lenient;                     /* see ctk_city_config.lenient */
  int stopping;
  long long started_ms;

  ctk_http_server *server;
  ctk_http_server *control;
};

/* ---- core (ctk_city.c), all called with sim->lock held unless said ---- */
long long city_now_ms(void);       /* ctk_wall_ms */
ssize_t city_find(struct ctk_city_sim *sim, const char *region);
/* Orders are per city: two simulated cities may both hold a cross-city order. */
city_order *city_order_find(struct ctk_city_sim *sim, size_t city, const char *id);
city_order *city_order_add(struct ctk_city_sim *sim, size_t city, const char *id);
/* The work order's values (the order's fields, the given status) in body's bag, for the
 * composer (ctk_compose), which writes them in the profile's schema order. */
struct ctk_values;
void city_workorder_values(struct ctk_city_sim *sim, struct ctk_values *body,
                           const city_order *o, const char *status);
ctk_code city_auth_load(struct ctk_city_sim *sim, const char *path, char *err, size_t errlen);
void city_auth_free(struct ctk_city_sim *sim);
/* What an answered call gives its order. */
typedef struct city_cti_call {
  const char *phone;               /* the caller's number */
  const char *call_id;             /* the queue machine's call id the order is linked by */
  const char *rec_url, *rec_sha;   /* the recording, or both NULL */
  long long answered_ms;           /* the answer (the order's accept time); 0 = now */
} city_cti_call;

/* Create an order in city; kind < 0 draws it; target may be NULL or "". cti: the call it comes
 * from (NULL for traffic). Sends it up. */
ctk_code city_create_order(struct ctk_city_sim *sim, size_t city, int kind, const char *target,
                           const city_cti_call *cti, city_order **out);
/* An answered call (webhook or docking): one order per call_id, whatever arrives twice; the
 * CTI misbehaviours apply here. Lock NOT held. Returns 201 (made), 200 (a call already known:
 * *order_id names its order), 422 (a caller the profile does not accept) or 500; order_id
 * and city (the order's city) are filled when there is an order. */
int city_cti_answered(struct ctk_city_sim *sim, const city_cti_call *call, char *order_id,
                      size_t order_id_len, char *city, size_t city_len, char *why,
                      size_t whylen);
/* Do one step of the city's part now: action is the name of its interface role ("sign",
 * "return", "feedback", "complete", "revisit", "archive"). err says why not. */
ctk_code city_act(struct ctk_city_sim *sim, city_order *o, const char *action, char *err,
                  size_t errlen);
/* Schedule the order's next automatic step after its state changed. */
void city_schedule_next(struct ctk_city_sim *sim, city_order *o);
/* An urge or supervise arrived: bring the scheduled step forward. */
void city_speed_up(struct ctk_city_sim *sim, city_order *o);
/* Add an event (now, in the profile's time format) to the order's history. */
void city_history_add(const ctk_profile *p, city_order *o, const char *interface_code,
                      const char *region);
/* Clear orders, observed, stats, rules and schedules (sequences are kept). */
void city_reset(struct ctk_city_sim *sim);
/* The code set the profile's code fields give the element of role r; NULL when it has none. */
const char *city_codeset(const ctk_profile *p, ctk_element_role r);
/* Where a refusal points: "/Message/Body/<body>/<leaf>" in the profile's names (body NULL:
 * "/Message/Head/<leaf>", and sub, when not CTK_EL__COUNT, one level further down). */
void city_where(const ctk_profile *p, const char *body, ctk_element_role leaf,
                ctk_element_role sub, char *out, size_t outlen);

/* ---- observations and statistics (ctk_city_stats.c), lock held ---- */
/* Keep an observed entry (copies the raw bytes) and write it to the city's log. */
void city_observe(struct ctk_city_sim *sim, const city_obs *entry);
void city_obs_free(city_obs *o);
struct json_object;
struct json_object *city_obs_json(struct ctk_city_sim *sim, const city_obs *e, int raw);

/* ---- receiving (ctk_city_rx.c) ---- */
int city_rx_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp);

/* ---- control API and CTI (ctk_city_control.c) ---- */
int city_control_handler(void *ctx, const ctk_http_request *req, ctk_http_response *resp);
/* The docking's report of an answered call (ctk_dock_answered_fn; ctx is the simulator). */
struct ctk_dock_call;
void city_dock_answered(void *ctx, const char *family, const struct ctk_dock_call *call);

#endif
