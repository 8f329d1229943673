/* ctk_node: the reference endpoint engine shared by the ministry and the province: receive,
 * decode, authenticate, validate, deduplicate, apply the state machine, commit, answer, forward. */
#ifndef CTK_NODE_H
#define CTK_NODE_H

#include <stddef.h>

#include "ctk_error.h"
#include "ctk_profile.h"
#include "ctk_store.h"

#define CTK_NODE_PATH_MAX 512
#define CTK_NODE_DEADLINES_MAX 16

/* A --deadline TYPE=DAYS override of the profile's time limit. */
typedef struct ctk_node_deadline {
  char business_type[CTK_ID_MAX];
  int working_days;
} ctk_node_deadline;

/* Everything `ctk serve` can set; the same names work as --long-options and in --config. */
typedef struct ctk_node_config {
  ctk_level level;                        /* CTK_LEVEL_MINISTRY or CTK_LEVEL_PROVINCE */
  char region[8];                         /* ministry: 100000 (the default) */
  char listen_addr[64];                   /* default 127.0.0.1 */
  int port;                               /* 0 = ephemeral */
  char address[256];                      /* HOST[:PORT] clients reach the node at, for the
                                             WSDL; "" = the listen address and bound port */
  char port_file[CTK_NODE_PATH_MAX];      /* bound port written here once ready */
  char data_dir[CTK_NODE_PATH_MAX];       /* holds ctk.db; default "." */
  char credentials_file[CTK_NODE_PATH_MAX]; /* who may call this node (ctk_auth) */
  char secret_file[CTK_NODE_PATH_MAX];    /* this node's own secret, for calling others */
  char peers_file[CTK_NODE_PATH_MAX];     /* region,level,url[,binding[,encoding]] */
  char tls_cert[CTK_NODE_PATH_MAX];
  char tls_key[CTK_NODE_PATH_MAX];
  char peer_ca[CTK_NODE_PATH_MAX];        /* CA (PEM) that signs https peers; "" = system store */
  char profile_dir[CTK_NODE_PATH_MAX];    /* default ctk_profile_default_dir() */
  char regions_file[CTK_NODE_PATH_MAX];   /* default data/regions.csv */
  char calendar_file[CTK_NODE_PATH_MAX];  /* default data/cn-calendar.csv */
  char log_level[16];
  unsigned long faults;                   /* bit 1ul << ctk_province_fault (province only) */
  ctk_node_deadline deadlines[CTK_NODE_DEADLINES_MAX];
  size_t n_deadlines;
  unsigned urge_interval_s;               /* province: seconds between overdue scans (60) */
  unsigned outbox_workers;                /* delivery threads (8) */
  unsigned retry_initial_ms;              /* first retry delay (500), doubled each attempt */
  unsigned retry_max_ms;                  /* cap of the delay (30000) */
  unsigned retry_max_attempts;            /* then the row is failed (0 = never give up) */
  unsigned http_threads;                  /* server worker threads (8) */
  unsigned max_connections;               /* open HTTP connections at once (1024) */
  unsigned max_per_address;               /* of them from one address (512); more are refused */
  unsigned request_timeout_s;             /* a whole request must arrive within this (30 s) */
  unsigned late_reply_ms;                 /* the late-reply fault's delay (15000) */
#define CTK_NODE_SLOW_ANSWER_MS 1000     /* the slow-answer fault's delay */
} ctk_node_config;

typedef struct ctk_node_engine ctk_node_engine;

/* Defaults for every field. */
void ctk_node_config_init(ctk_node_config *c, ctk_level level);
/* Set one option by its long name without dashes ("listen", "region", "fault", "deadline",
 * ...). Repeatable options (fault, deadline) add. err says what is wrong on failure. */
ctk_code ctk_node_config_set(ctk_node_config *c, const char *key, const char *value, char *err,
                             size_t errlen);
/* Read a --config file of `key = value` lines (ctk_kvfile syntax): each line is the option of
 * that name. err is "FILE:LINE: problem". */
ctk_code ctk_node_config_load(ctk_node_config *c, const char *path, char *err, size_t errlen);

/* Load profile, regions, calendar, credentials and peers, open the store (pending outbox rows
 * are due at once), start the server, the outbox workers and, for a province, the urge timer.
 * The port file is written last. err says why on failure. */
ctk_code ctk_node_start(const ctk_node_config *cfg, ctk_node_engine **out, char *err,
                        size_t errlen);
int ctk_node_port(const ctk_node_engine *n);
/* Stop accepting, finish requests and the deliveries in flight, close the store. NULL is fine. */
void ctk_node_stop(ctk_node_engine *n);

/* For tests and the runner in-process. */
ctk_store *ctk_node_store(ctk_node_engine *n);
const ctk_profile *ctk_node_profile(const ctk_node_engine *n);
/* Wake the outbox now (e.g. after a peer came back) instead of waiting for the next retry. */
void ctk_node_outbox_kick(ctk_node_engine *n);
/* Wait until the outbox has no pending row; CTK_E_TIMEOUT after timeout_ms. */
ctk_code ctk_node_outbox_drain(ctk_node_engine *n, unsigned timeout_ms);
/* One overdue scan as the urge timer does it, judging overdue on today (YYYY-MM-DD; NULL =
 * the Beijing date now). *sent = urges queued. */
ctk_code ctk_node_urge_now(ctk_node_engine *n, const char *today, int *sent);

#endif
