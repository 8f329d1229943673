/* ctk_load: call load with SIPp (`ctk load calls`): runs one of our scenarios against a target,
 * bounded in calls and time, and reads SIPp's statistics file and exit code into one result. */
#ifndef CTK_LOAD_H
#define CTK_LOAD_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"

#define CTK_LOAD_SIPP_PACKAGE "sip-tester"

typedef struct ctk_load_options {
  const char *target;         /* "host:port"; loopback only unless allow_remote */
  const char *scenario;       /* talk | abandon | burst | busy | agent-hangup, or a path to .xml */
  const char *scenario_dir;   /* NULL: $CTK_LOAD_SCENARIOS, next to the binary, ./simulators/load */
  double rate;                /* new calls per second */
  unsigned concurrency;       /* SIPp -l; 0 = SIPp's default */
  unsigned long calls;        /* SIPp -m; 0 = rate * duration_s */
  unsigned duration_s;        /* used when calls is 0 */
  unsigned pause_ms;          /* SIPp -d: talk time, or waiting time before CANCEL */
  const char *transport;      /* "udp" or "tcp" */
  const char *service;        /* Request-URI user, default "12328" */
  int allow_remote;
  const char *run_dir;        /* SIPp's files go here; NULL = a fresh directory under $TMPDIR */
  const char *sipp;           /* program name (searched on PATH) or path; default "sipp" */
  const char *callers;        /* SIPp -inf file of caller numbers (field0); NULL = we write one
                               * with 13800000001, 13800000002, ... (mobile numbers the
                               * profile's Phone format accepts) */
  unsigned timeout_s;         /* hard bound of the run; 0 = computed from calls, rate, pause */
} ctk_load_options;

typedef struct ctk_load_result {
  int ran;                    /* SIPp was started */
  int sipp_exit;              /* exit code, -1 when killed or not run */
  int timed_out;              /* we had to stop SIPp ourselves */
  int interrupted;            /* a signal stopped the run */
  unsigned long asked;        /* calls the run was meant to complete */
  unsigned long outgoing;     /* OutgoingCall(C) */
  unsigned long successful;   /* SuccessfulCall(C) */
  unsigned long failed;       /* FailedCall(C) */
  unsigned long failed_unexpected;   /* FailedUnexpectedMessage(C) */
  unsigned long failed_retrans;      /* FailedMaxUDPRetrans(C) */
  unsigned long failed_timeout;      /* FailedTimeoutOnRecv(C) + FailedTimeoutOnSend(C) */
  double elapsed_s;           /* ElapsedTime(C); whole seconds in SIPp 3.6 */
  double call_rate;           /* CallRate(C) */
  int passed;                 /* SIPp exit 0, every asked call successful, none failed */
  char reason[256];           /* why not passed, or "" */
  char run_dir[512];
  char scenario_file[1024];
} ctk_load_result;

void ctk_load_options_defaults(ctk_load_options *o);

/* "127.0.0.1:5060" -> host and port. Non-loopback hosts give CTK_E_DENIED unless allow_remote. */
ctk_code ctk_load_check_target(const char *target, int allow_remote, char *host, size_t host_size,
                               int *port);
/* Finds the SIPp program: a name is looked up on PATH. CTK_E_NOTFOUND when missing. */
ctk_code ctk_load_find_sipp(const char *name, char *path, size_t size);
/* Finds a scenario file by name (see ctk_load_options.scenario). */
ctk_code ctk_load_find_scenario(const ctk_load_options *o, char *path, size_t size);
/* Reads the last line of a SIPp -trace_stat file (';'-separated, with a header line). */
ctk_code ctk_load_parse_stats(const char *csv_path, ctk_load_result *r);
/* Sets passed and reason from the counts: a pass needs SIPp exit 0, no failed call, and every
 * asked call successful (a run cut short by the time bound fails even when SIPp exits 0). */
void ctk_load_judge(ctk_load_result *r, unsigned timeout_s);
/* Runs SIPp once. CTK_E_OK when SIPp ran (look at r->passed); an error when it could not. */
ctk_code ctk_load_run(const ctk_load_options *o, ctk_load_result *r);
ctk_code ctk_load_result_json(const ctk_load_result *r, ctk_buf *out);

#endif
