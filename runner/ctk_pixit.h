/* ctk_pixit: the parameters of one run (PIXIT): where the SUT is, its credentials and region,
 * the cities the runner plays, declared time limits, timeouts and load, self-test or external. */
#ifndef CTK_PIXIT_H
#define CTK_PIXIT_H

#include <stddef.h>

#include "ctk_kvfile.h"

#define CTK_PIXIT_CITIES_MAX 32
#define CTK_PIXIT_SECRET_MAX 128
/* The CTI families a city docks by, in this order: csta, ami, esl. */
#define CTK_PIXIT_DOCK_FAMILIES 3

typedef struct ctk_pixit {
  ctk_kvfile kv;

  /* [sut] */
  char sut_role[16];             /* "province" or "city" */
  char sut_region[8];            /* 6-digit region code of the SUT */
  char sut_url[512];             /* base URL (".../exchange" and ".../soap" below it) */
  char sut_secret[CTK_PIXIT_SECRET_MAX]; /* the SUT's own secret (HTTP Basic at the ministry) */
  int self_test;                 /* sut.start = reference: the runner starts the reference */
  char fault[64];                /* sut.fault: fault mode of the reference province, or the
                                    reference city's docking misbehaviour */
  char tls_ca[512];              /* sut.tls_ca: CA file to trust for an https SUT */
  char tls_cert[512];            /* sut.tls_cert, sut.tls_key: self-test only, the reference */
  char tls_key[512];             /* province then serves HTTPS with them */
  char stats_trigger[512];       /* sut.stats_trigger: URL the runner POSTs to make the SUT
                                    report its statistics ({from} {to} = YYYY-MM-DD) */

  /* [ministry]: the reference ministry the runner starts above the SUT */
  int ministry_port;             /* 0 = ephemeral (only sensible in self-test) */
  char ministry_secret[CTK_PIXIT_SECRET_MAX];

  /* [cities]: the city systems the runner plays below the SUT */
  char cities[CTK_PIXIT_CITIES_MAX][8];
  size_t n_cities;
  char city_secret[CTK_PIXIT_SECRET_MAX];
  int city_port;                 /* 0 = ephemeral */
  int city_simulator;            /* cities.simulator: 1 = ctk sim city (default), 0 = the
                                    runner's relay answers for the cities itself */

  /* [province]: the province the runner plays above a city SUT (sut.role = city) */
  char province_secret[CTK_PIXIT_SECRET_MAX];
  int province_port;             /* where the runner's province listens, 0 = ephemeral */

  /* [cti]: the city's intake of queue-machine events (city SUT with PICS cti.webhook) */
  char cti_webhook_url[512];     /* cti.webhook_url: where the queue machine posts its events
                                    (external; in self-test the city simulator's /cti) */
  int cti_calls;                 /* cti.calls: calls SIPp makes in the CTI test [10] */
  /* cti.csta_port, cti.ami_port, cti.esl_port: the runner starts a queue machine speaking that
   * family on that port (0 = ephemeral, self-test only) for the city to dock to; -1 = none */
  int dock_port[CTK_PIXIT_DOCK_FAMILIES];

  /* [peer]: the province on the other side of cross-province cases (runner starts it) */
  char peer_region[8];

  /* [limits]: declared by the SUT; timeouts in milliseconds */
  long answer_timeout_ms;        /* one request -> its answer */
  long propagate_timeout_ms;     /* an event reaches the next level */
  long start_timeout_ms;         /* a started role publishes its port */
  long outage_ms;                /* how long the ministry link is down in the recovery test */
  long overdue_urge_ms;          /* an overdue order is urged within this (the SUT's scan) */
  int handle_days;               /* declared working days to complete a complaint, 0 = profile */

  /* [load] */
  double load_rate;              /* work orders per second */
  long load_duration_ms;         /* how long the sustained load lasts */
  int load_connections;          /* at most this many requests in flight at once [8] */
  double load_min_rate;          /* the achieved rate the verdict needs [90 % of load_rate] */
  long load_p50_ms;              /* latency limits of the answers under load, from when each */
  long load_p95_ms;              /* request was due: [answer_timeout_ms / 10, / 2, and */
  long load_p99_ms;              /* answer_timeout_ms itself] */
} ctk_pixit;

/* Every parameter a PIXIT may hold, with what a form asks for it. */
typedef enum ctk_pixit_kind {
  CTK_PIXIT_TEXT = 0,
  CTK_PIXIT_NUMBER,              /* a whole or decimal number */
  CTK_PIXIT_CHOICE               /* one of choices */
} ctk_pixit_kind;

typedef struct ctk_pixit_param {
  const char *key;               /* "section.name" */
  ctk_pixit_kind kind;
  const char *choices;           /* CTK_PIXIT_CHOICE: "a|b"; NULL otherwise */
} ctk_pixit_param;

/* The table of parameters, in a form's order; *n gets its length. */
const ctk_pixit_param *ctk_pixit_params(size_t *n);

/* Load and check a PIXIT file; err holds "FILE:LINE: problem". Secrets given as "generate"
 * (only allowed in self-test) are replaced by fresh random ones. */
ctk_code ctk_pixit_load(const char *path, ctk_pixit *px, char *err, size_t errlen);
ctk_code ctk_pixit_parse(const char *name, const char *text, ctk_pixit *px, char *err,
                         size_t errlen);

/* Is region one of the cities the runner plays? */
int ctk_pixit_has_city(const ctk_pixit *px, const char *region);

#endif
