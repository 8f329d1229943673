/* ctk_proc: child processes (the runner's roles, SIPp, the tests' servers): start with logs to
 * a file, wait for what they publish or for their end, stop with TERM then KILL. */
#ifndef CTK_PROC_H
#define CTK_PROC_H

#include <sys/types.h>

#include "ctk_error.h"

#define CTK_PROC_MAX 16
#define CTK_PROC_ARGS_MAX 48

typedef struct ctk_proc {
  char name[64];               /* role name for messages: "ministry", "province-360000" */
  pid_t pid;                   /* 0 when not running */
  char log_path[512];          /* stdout and stderr of the child */
  int exit_status;             /* raw wait status once reaped, -1 before */
} ctk_proc;

/* Start argv[0] (a path) with argv. The child gets its own process group, dies with the
 * runner (PDEATHSIG) and writes stdout/stderr to log_path. The proc is registered so a signal
 * to the runner stops it too. */
ctk_code ctk_proc_start(ctk_proc *p, const char *name, char *const argv[], const char *log_path);

/* In a child between fork and exec: unblock every signal and give SIGINT, SIGTERM, SIGHUP and
 * SIGPIPE their default action. A daemon that blocks its stop signals for sigwait (ctk serve,
 * ctk console) would otherwise hand the blocked mask through exec, and its children would
 * never see the SIGTERM that stops them. Async-signal-safe. */
void ctk_proc_child_reset_signals(void);

/* Wait until path holds a port number (a line with digits), at most timeout_ms. Fails early
 * with CTK_E_EXTERNAL when the child exits first. */
ctk_code ctk_proc_wait_port(ctk_proc *p, const char *path, long timeout_ms, int *port);

/* Wait until ready(ctx) is nonzero, at most timeout_ms, asking every 20 ms: for a child that
 * announces itself in a file (a port file, a JSON ready file). CTK_E_EXTERNAL when the child
 * exits first, CTK_E_TIMEOUT at the deadline or once the runner got a stop signal. */
ctk_code ctk_proc_wait_ready(ctk_proc *p, long timeout_ms, int (*ready)(void *ctx), void *ctx);

/* Wait until the child ends by itself, at most timeout_ms. CTK_E_OK once it has (exit_status
 * says how), CTK_E_TIMEOUT while it still runs at the deadline or once the runner got a stop
 * signal. It is left running: ctk_proc_stop ends it. */
ctk_code ctk_proc_wait_exit(ctk_proc *p, long timeout_ms);

/* 1 while the child runs. */
int ctk_proc_alive(ctk_proc *p);

/* SIGTERM, wait up to grace_ms, then SIGKILL; reaps the child and unregisters it. */
void ctk_proc_stop(ctk_proc *p, long grace_ms);
/* Stop every registered child (in reverse start order). */
void ctk_proc_stop_all(long grace_ms);

/* Install SIGINT/SIGTERM/SIGHUP handlers: the first signal stops every registered child and
 * sets ctk_proc_interrupted() so the run winds down and reports; a second one ends the
 * process as the signal normally would. */
void ctk_proc_install_signal_handlers(void);
/* 1 once the runner got a stop signal (so long loops can end early). */
int ctk_proc_interrupted(void);

/* Sleep ms milliseconds (restarts after signals). */
void ctk_sleep_ms(long ms);
/* Monotonic clock in milliseconds. */
long long ctk_now_ms(void);

#endif
