/* ctk_city: the city-node simulator (`ctk sim city`): many city 12328 systems at once below one
 * province, with a traffic model, the city's part of the process, a control API and CTI intake. */
#ifndef CTK_CITY_H
#define CTK_CITY_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_msg.h"

typedef struct ctk_city_config {
  const char *province;        /* six-digit provincial code, required */
  const char *cities;          /* "360100,360200"; NULL = every city of the province */
  const char *upper_url;       /* the province's base URL (the profile's binding path is added) */
  const char *listen_addr;     /* where provinces call the cities; default 127.0.0.1 */
  int listen_port;             /* 0 = any free port */
  const char *control_addr;    /* control API and CTI intake; default 127.0.0.1 */
  int control_port;            /* 0 = any free port */
  const char *data_dir;        /* per-city message logs and order sequences; NULL = memory only */
  const char *secrets_dir;     /* DIR/<region>.secret holds each city's password to the province */
  const char *secret_file;     /* or one secret for every city (first line of the file) */
  const char *credentials_file; /* credentials.csv of the provinces allowed to call the cities */
  double rate;                 /* arrivals per second for all cities; < 0 = the model's rate */
  long max_orders;             /* stop random arrivals after this many; 0 = no limit */
  const char *model_file;      /* traffic model; NULL = built-in (fixtures/traffic-model.conf) */
  unsigned long long seed;     /* random stream; same seed, same traffic */
  ctk_binding binding;
  ctk_encoding encoding;
  const char *profile_dir;     /* NULL = ctk_profile_default_dir() */
  const char *regions_file;    /* NULL = data/regions.csv */
  const char *cti_city;        /* CTI orders go to this city; NULL = round robin */
  const char *dock;            /* dock to queue machines as a CTI client:
                                  "FAMILY:HOST:PORT[,...]" (csta, ami, esl); NULL = none */
  const char *dock_user;       /* AMI Username; NULL = the family's default */
  const char *dock_secret;     /* AMI Secret, ESL password; NULL = the family's default */
  const char *misbehave;       /* one misbehaviour rule (JSON, as POST /control/misbehave) in
                                  force from the start; NULL = none */
  int manual;                  /* 1: the city's part happens only on /control/act */
  int lenient;                 /* 1: updates about orders the city does not know, or in a state
                                  the process does not allow, are recorded and answered OK (for
                                  runs where the tests speak for the cities themselves) */
  unsigned workers;            /* sending threads; default 4 */
  long timeout_ms;             /* per request to the province; default 10000 */
} ctk_city_config;

typedef struct ctk_city_sim ctk_city_sim;

void ctk_city_config_init(ctk_city_config *cfg);

/* Load profile, regions, model and secrets, start both HTTP servers and the threads.
 * err says what is wrong when it fails. */
ctk_code ctk_city_sim_start(const ctk_city_config *cfg, ctk_city_sim **out, char *err,
                            size_t errlen);
/* Stop arrivals, finish sends in flight, stop servers, close logs, free. NULL is fine. */
void ctk_city_sim_stop(ctk_city_sim *sim);

int ctk_city_sim_port(const ctk_city_sim *sim);
int ctk_city_sim_control_port(const ctk_city_sim *sim);
size_t ctk_city_sim_count(const ctk_city_sim *sim);
/* 1 when no request of the cities is queued, held back, delayed or in flight. */
int ctk_city_sim_idle(ctk_city_sim *sim);
/* 1 when --orders was reached and nothing is queued, scheduled or in flight. */
int ctk_city_sim_finished(ctk_city_sim *sim);

/* The control API without HTTP (what the control port serves): returns the HTTP status and
 * appends the JSON answer to out. path without query; query without '?'. */
int ctk_city_sim_control(ctk_city_sim *sim, const char *method, const char *path,
                         const char *query, const char *body, size_t body_len, ctk_buf *out);
/* Statistics as JSON (what GET /control/stats answers). */
ctk_code ctk_city_sim_stats_json(ctk_city_sim *sim, ctk_buf *out);
/* One line for the live progress display. */
void ctk_city_sim_progress(ctk_city_sim *sim, char *out, size_t outlen);

#endif
