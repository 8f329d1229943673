/* ctk_roles: the counterpart roles of a run: writes secrets and peers files into the work
 * dir, starts the reference ministry, city simulators, a second province and (self-test) the
 * reference province as child processes, and stops them all. */
#ifndef CTK_ROLES_H
#define CTK_ROLES_H

#include "ctk_pixit.h"
#include "ctk_proc.h"
#include "ctk_profile.h"
#include "ctk_relay.h"

#define CTK_ROLES_URL_MAX 512

typedef struct ctk_roles {
  const ctk_pixit *pixit;
  const ctk_profile *profile;
  char ctk_bin[512];            /* the ctk program that plays the roles */
  char workdir[512];

  char sut_url[CTK_ROLES_URL_MAX];        /* where the runner reaches the SUT */
  char ministry_url[CTK_ROLES_URL_MAX];   /* the ministry, directly */
  char ministry_admin[CTK_ROLES_URL_MAX]; /* its admin (observation) API, "" if none */
  char city_url[CTK_ROLES_URL_MAX];       /* the city simulators' exchange base */
  char city_control[CTK_ROLES_URL_MAX];   /* their control API */
  char peer_url[CTK_ROLES_URL_MAX];       /* the second province (cross-province), "" if none */
  char peer_secret[128];

  ctk_proc ministry;
  ctk_proc cities;
  ctk_proc sut;                 /* self-test only */
  ctk_proc peer;
  int ministry_port;
  int city_port;
  int sut_port;
  int peer_port;

  /* Every link out of the SUT goes through a relay that keeps what the SUT sent:
   * SUT -> ministry_relay -> ministry; SUT -> city_relay ->
   * city simulators (or the relay answers itself when no simulator runs). */
  ctk_relay *ministry_relay;
  ctk_relay *city_relay;
  /* Inbound: the ministry reaches the SUT and the peer province through these, so the roles
   * can be configured before the provinces have ports. The peer's cities are played by
   * peer_city_relay itself. */
  ctk_relay *sut_in_relay;
  ctk_relay *peer_in_relay;
  ctk_relay *peer_city_relay;
  /* A city SUT reports to this relay; it records and forwards to the reference province
   * (`ctk serve province`), whose answers tell whether the city's steps were legal. The
   * province reports up to province_up_relay, which answers OK as the ministry. */
  ctk_relay *province_relay;
  ctk_relay *province_up_relay;
  ctk_proc province;
  int province_port;
  char province_url[CTK_ROLES_URL_MAX];   /* the reference province, directly */
  /* A second city of the SUT's province, played by the runner (it reports orders the province
   * then transfers down to the SUT). Its province messages end at province_city_relay. */
  char other_city[8];
  char other_city_secret[128];
  ctk_relay *province_city_relay;

  /* The queue machine beside a city SUT (`ctk sim acd`), when the city has a CTI webhook:
   * calls answered there are posted to cti_webhook. */
  ctk_proc acd;
  int acd_sip_port;
  char acd_control[CTK_ROLES_URL_MAX];    /* its GET /stats, "" if not started */
  char cti_webhook[CTK_ROLES_URL_MAX];    /* the city's CTI intake, "" if none */

  /* A queue machine per CTI family the PIXIT names a port for (cti.csta_port, ...), which the
   * city docks to as a client; index as ctk_pixit.dock_port (csta, ami, esl). */
  struct {
    ctk_proc proc;
    int sip_port;
    int cti_port;                         /* where the city docks */
    char control[CTK_ROLES_URL_MAX];      /* its GET /calls, POST /control; "" if not started */
  } dock[CTK_PIXIT_DOCK_FAMILIES];
} ctk_roles;

/* "csta", "ami", "esl" for a dock index. */
const char *ctk_roles_dock_family(size_t i);

/* Write files and start every role the PIXIT asks for. why says what failed (which role,
 * its log file). A failure is the tool's or the environment's, never the SUT's. */
ctk_code ctk_roles_start(ctk_roles *r, const ctk_pixit *px, const ctk_profile *p,
                         const char *ctk_bin, const char *workdir, char *why, size_t whylen);
/* Restart the queue machine of dock family i on the same ports (a CTI link cut: the city must
 * reconnect). */
ctk_code ctk_roles_dock_restart(ctk_roles *r, size_t i, char *why, size_t whylen);
/* Stop every child (TERM, then KILL) and the link proxy. Safe to call twice. */
void ctk_roles_stop(ctk_roles *r);

/* Take the ministry down (stop the process; the SUT's calls get 503 from the relay) or start
 * it again on its store, so what it had acknowledged is still there. */
ctk_code ctk_roles_ministry_link(ctk_roles *r, int up);

#endif
