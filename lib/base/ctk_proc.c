/* ctk_proc: child processes of the runner and their clean shutdown, also on signals. */
#include "ctk_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctk_buf.h"

/* pids of running children; read by the signal handler, so plain sig_atomic_t-sized ints. */
static volatile pid_t proc_registry[CTK_PROC_MAX];
static volatile sig_atomic_t proc_signalled;

long long ctk_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctk_sleep_ms(long ms)
{
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while(nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

static void proc_register(pid_t pid)
{
  size_t i;
  for(i = 0; i < CTK_PROC_MAX; i++) {
    if(!proc_registry[i]) {
      proc_registry[i] = pid;
      return;
    }
  }
}

static void proc_unregister(pid_t pid)
{
  size_t i;
  for(i = 0; i < CTK_PROC_MAX; i++) {
    if(proc_registry[i] == pid)
      proc_registry[i] = 0;
  }
}

ctk_code ctk_proc_start(ctk_proc *p, const char *name, char *const argv[], const char *log_path)
{
  pid_t parent = getpid();
  pid_t pid;
  size_t live = 0, i;

  for(i = 0; i < CTK_PROC_MAX; i++)
    live += proc_registry[i] != 0;
  if(live >= CTK_PROC_MAX)
    return CTK_E_TOOBIG;
  memset(p, 0, sizeof(*p));
  p->exit_status = -1;
  ctk_strlcpy(p->name, name, sizeof(p->name));
  ctk_strlcpy(p->log_path, log_path, sizeof(p->log_path));
  fflush(NULL);
  pid = fork();
  if(pid < 0)
    return CTK_E_EXTERNAL;
  if(pid == 0) {
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    /* Own process group: a ^C at the terminal reaches the runner, which stops the children
     * in order instead of everyone dying at once. PDEATHSIG covers a runner killed hard. */
    setpgid(0, 0);
    ctk_proc_child_reset_signals();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if(getppid() != parent)
      _exit(127);
    if(fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    fd = open("/dev/null", O_RDONLY);
    if(fd >= 0)
      dup2(fd, STDIN_FILENO);
    execv(argv[0], argv);
    _exit(127);
  }
  p->pid = pid;
  proc_register(pid);
  return CTK_E_OK;
}

static int proc_reap(ctk_proc *p, int options)
{
  int status;
  pid_t r;
  if(!p->pid)
    return 1;
  r = waitpid(p->pid, &status, options);
  if(r == p->pid || (r < 0 && errno == ECHILD)) {
    p->exit_status = r == p->pid ? status : -1;
    proc_unregister(p->pid);
    p->pid = 0;
    return 1;
  }
  return 0;
}

int ctk_proc_alive(ctk_proc *p)
{
  return p->pid && !proc_reap(p, WNOHANG);
}

ctk_code ctk_proc_wait_ready(ctk_proc *p, long timeout_ms, int (*ready)(void *ctx), void *ctx)
{
  long long until = ctk_now_ms() + timeout_ms;
  for(;;) {
    if(ready(ctx))
      return CTK_E_OK;
    if(!ctk_proc_alive(p))
      return CTK_E_EXTERNAL;
    if(ctk_now_ms() >= until || proc_signalled)
      return CTK_E_TIMEOUT;
    ctk_sleep_ms(20);
  }
}

typedef struct port_file {
  const char *path;
  int *port;
} port_file;

/* Only a whole line of digits counts: a port file seen while its writer is still at it has no
 * newline yet. */
static int port_file_ready(void *ctx)
{
  port_file *pf = ctx;
  FILE *f = fopen(pf->path, "r");
  char line[32] = "";
  char *got;
  long n;

  if(!f)
    return 0;
  got = fgets(line, sizeof(line), f);
  fclose(f);
  if(!got || line[0] < '0' || line[0] > '9' || !strchr(line, '\n'))
    return 0;
  n = strtol(line, NULL, 10);
  if(n <= 0 || n >= 65536)
    return 0;
  *pf->port = (int)n;
  return 1;
}

ctk_code ctk_proc_wait_port(ctk_proc *p, const char *path, long timeout_ms, int *port)
{
  port_file pf;
  pf.path = path;
  pf.port = port;
  return ctk_proc_wait_ready(p, timeout_ms, port_file_ready, &pf);
}

ctk_code ctk_proc_wait_exit(ctk_proc *p, long timeout_ms)
{
  long long until = ctk_now_ms() + timeout_ms;
  while(ctk_proc_alive(p)) {
    if(ctk_now_ms() >= until || proc_signalled)
      return CTK_E_TIMEOUT;
    ctk_sleep_ms(50);
  }
  return CTK_E_OK;
}

void ctk_proc_stop(ctk_proc *p, long grace_ms)
{
  long long until;
  /* Already gone (or reaped by the signal handler): never signal a pid that is not ours. */
  if(!p->pid || proc_reap(p, WNOHANG))
    return;
  kill(p->pid, SIGTERM);
  until = ctk_now_ms() + grace_ms;
  while(ctk_now_ms() < until) {
    if(proc_reap(p, WNOHANG))
      return;
    ctk_sleep_ms(10);
  }
  kill(p->pid, SIGKILL);
  proc_reap(p, 0);
}

/* Only async-signal-safe calls: kill, waitpid, nanosleep. */
static void proc_kill_registered(long grace_ms)
{
  int i;
  long waited = 0;
  int left;
  for(i = CTK_PROC_MAX - 1; i >= 0; i--) {
    if(proc_registry[i])
      kill(proc_registry[i], SIGTERM);
  }
  do {
    struct timespec ts = { 0, 10 * 1000000L };
    left = 0;
    for(i = 0; i < CTK_PROC_MAX; i++) {
      pid_t pid = proc_registry[i];
      if(pid && waitpid(pid, NULL, WNOHANG) == 0)
        left++;
      else
        proc_registry[i] = 0;
    }
    if(left)
      nanosleep(&ts, NULL);
    waited += 10;
  } while(left && waited < grace_ms);
  for(i = 0; i < CTK_PROC_MAX; i++) {
    pid_t pid = proc_registry[i];
    if(pid) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      proc_registry[i] = 0;
    }
  }
}

void ctk_proc_child_reset_signals(void)
{
  static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
  sigset_t none;
  size_t i;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for(i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
    signal(stops[i], SIG_DFL);
}

void ctk_proc_stop_all(long grace_ms)
{
  proc_kill_registered(grace_ms);
}

/* First signal: stop the children and let the run wind down (remaining tests end in error,
 * reports are written, exit 2). A second signal ends the runner at once. */
static void proc_on_signal(int sig)
{
  if(proc_signalled) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  proc_signalled = 1;
  proc_kill_registered(3000);
}

void ctk_proc_install_signal_handlers(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = proc_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

int ctk_proc_interrupted(void)
{
  return proc_signalled != 0;
}
