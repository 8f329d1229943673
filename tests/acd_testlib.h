/* acd_testlib: helpers for the tests that run the queue-machine simulator as a process and
 * listen on its CSTA link (test_acd_net, test_load). */
#ifndef CTK_ACD_TESTLIB_H
#define CTK_ACD_TESTLIB_H

#include "ctk_proc.h"

struct json_object;

typedef struct ctk_acd_proc {
  ctk_proc proc;
  int sip_port;
  int cti_port;                /* CSTA; -1 when not asked for */
  int ami_port;                /* -1 when not asked for */
  int esl_port;                /* -1 when not asked for */
  int control_port;
  char log_path[600];
} ctk_acd_proc;

/* Starts `$CTK_BIN sim acd --port 0 --ready-file ... --duration 60` + args with its output in
 * dir/acd.log, and waits (at most 5 s) until it listens. 0 on success. */
int ctk_acd_test_start(ctk_acd_proc *p, const char *dir, const char *const *args);
/* SIGTERM, then waits up to 5 s (SIGKILL after). Returns the exit code, -1 if it had to be killed. */
int ctk_acd_test_stop(ctk_acd_proc *p);

/* Runs `ctk load calls --target 127.0.0.1:SIP_PORT --run-dir DIR/NAME-run --json ... OPTS`;
 * returns its exit code and loads its JSON result into *result (NULL when none). */
int ctk_acd_test_load(const ctk_acd_proc *p, const char *dir, const char *name, const char *opts,
                      struct json_object **result);
/* POST /control with a JSON object (the simulator must run with --control-port); returns the
 * HTTP status, or -1 when the request failed. */
int ctk_acd_test_steer(const ctk_acd_proc *p, const char *json);

#define CTK_ACD_TALLY_CALLS 256
#define CTK_ACD_SEEN_DELIVERED 1u
#define CTK_ACD_SEEN_ESTABLISHED 2u
#define CTK_ACD_SEEN_CLEARED 4u

/* What a CSTA client saw. */
typedef struct ctk_acd_cti_tally {
  unsigned frames, bad_frames;
  unsigned offered, queued, delivered, established, cleared_normal, cleared_other;
  struct {
    char call_id[128];
    unsigned seen;             /* CTK_ACD_SEEN_* */
    char events[16];           /* one letter per event in order: O offered, Q queued,
                                * D delivered, E established, C cleared (normalClearing),
                                * A cleared (callCancelled), X cleared (other causes) */
  } calls[CTK_ACD_TALLY_CALLS];
  unsigned ncalls;
  char first_caller[32];       /* callingDevice of the first OfferedEvent */
} ctk_acd_cti_tally;

/* A TCP connection to the CTI port, or -1. */
int ctk_acd_test_cti_connect(int port);
/* Sends MonitorStart (invokeID 0001) and reads the answer: 0 when it is MonitorStartResponse. */
int ctk_acd_test_cti_monitor(int fd);
/* Reads event frames into the tally until it holds `frames` frames or timeout_ms passes. */
void ctk_acd_test_cti_read(int fd, ctk_acd_cti_tally *t, unsigned frames, int timeout_ms);

/* A CTI hub in this process with the families named (their links on loopback, ports picked
 * by the system, 4 clients each, 5 s to log in) started; 0, or -1 (nothing left open). */
struct ctk_acd_cti_hub;
int ctk_acd_test_hub(struct ctk_acd_cti_hub **out, const char *const *families, size_t n);

#endif
