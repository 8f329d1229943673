/* ctk_load: runs SIPp with one of our scenarios and turns its statistics file and exit code into
 * a ctk_load_result. A run passes only when SIPp exits 0 and completed every call it was asked
 * for: SIPp stopped by its global timeout with fewer calls can still exit 0. */
#include "load/ctk_load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctk_datadir.h"
#include "ctk_json.h"
#include "ctk_log.h"
#include "ctk_proc.h"
#include "ctk_sock.h"

#define LOAD_MOD "load"
#define LOAD_ARGS_MAX 48
#define LOAD_TIMEOUT_MAX_S 3600u
#define LOAD_CSV_MAX ((size_t)16 * 1024 * 1024)

void ctk_load_options_defaults(ctk_load_options *o)
{
  memset(o, 0, sizeof(*o));
  o->scenario = "talk";
  o->rate = 10.0;
  o->calls = 0;
  o->duration_s = 0;
  o->pause_ms = 1000;
  o->transport = "udp";
  o->service = "12328";
  o->sipp = "sipp";
}

ctk_code ctk_load_check_target(const char *target, int allow_remote, char *host, size_t host_size,
                               int *port)
{
  ctk_code result;

  result = ctk_sock_parse_hostport(target, NULL, 1, host, host_size, port, NULL, 0);
  if(result)
    return result;
  if(allow_remote || ctk_sock_is_loopback(host))
    return CTK_E_OK;
  return CTK_E_DENIED;
}

static int load_executable(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

ctk_code ctk_load_find_sipp(const char *name, char *path, size_t size)
{
  const char *env = getenv("PATH");
  const char *p;

  if(!name || !*name)
    return CTK_E_INVAL;
  if(strchr(name, '/')) {
    if(!load_executable(name))
      return CTK_E_NOTFOUND;
    return ctk_strlcpy(path, name, size);
  }
  if(!env)
    return CTK_E_NOTFOUND;
  for(p = env; *p;) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    int n;
    if(len) {
      n = snprintf(path, size, "%.*s/%s", (int)len, p, name);
      if(n > 0 && (size_t)n < size && load_executable(path))
        return CTK_E_OK;
    }
    if(!colon)
      break;
    p = colon + 1;
  }
  path[0] = '\0';
  return CTK_E_NOTFOUND;
}

static int load_try_dir(const char *dir, const char *file, char *path, size_t size)
{
  int n;
  if(!dir || !*dir)
    return 0;
  n = snprintf(path, size, "%s/%s", dir, file);
  return n > 0 && (size_t)n < size && access(path, R_OK) == 0;
}

ctk_code ctk_load_find_scenario(const ctk_load_options *o, char *path, size_t size)
{
  static const char *const names[] = { "talk", "abandon", "burst", "busy", "agent-hangup" };
  char file[64];
  char dir[PATH_MAX];
  size_t i;

  if(!o->scenario || !*o->scenario)
    return CTK_E_INVAL;
  if(strchr(o->scenario, '/') || strstr(o->scenario, ".xml")) {
    if(access(o->scenario, R_OK) != 0)
      return CTK_E_NOTFOUND;
    return ctk_strlcpy(path, o->scenario, size);
  }
  for(i = 0; i < sizeof(names) / sizeof(names[0]) && strcmp(names[i], o->scenario); i++)
    ;
  if(i == sizeof(names) / sizeof(names[0]))
    return CTK_E_INVAL;
  snprintf(file, sizeof(file), "ctk-%s.xml", o->scenario);
  if(load_try_dir(o->scenario_dir, file, path, size) ||
     load_try_dir(getenv("CTK_LOAD_SCENARIOS"), file, path, size))
    return CTK_E_OK;
  /* the data folder: a checkout's simulators/load, or the installed copy */
  ctk_datadir_path("simulators/load", dir, sizeof(dir));
  if(load_try_dir(dir, file, path, size))
    return CTK_E_OK;
  return CTK_E_NOTFOUND;
}

/* Splits a ';'-separated line in place; returns the number of fields. */
static size_t load_split(char *line, char **fields, size_t max)
{
  size_t n = 0;
  char *p = line;
  while(n < max) {
    char *semi = strchr(p, ';');
    fields[n++] = p;
    if(!semi)
      break;
    *semi = '\0';
    p = semi + 1;
  }
  return n;
}

/* SIPp prints elapsed time as "HH:MM:SS" in the statistics file, "HH:MM:SS:uuuuuu" on screen. */
static double load_elapsed(const char *s)
{
  unsigned h = 0, m = 0, sec = 0;
  unsigned long us = 0;
  if(sscanf(s, "%u:%u:%u:%lu", &h, &m, &sec, &us) < 3)
    return 0.0;
  return h * 3600.0 + m * 60.0 + sec + (double)us / 1e6;
}

ctk_code ctk_load_parse_stats(const char *csv_path, ctk_load_result *r)
{
  FILE *f = fopen(csv_path, "r");
  ctk_buf header, last, line;
  char chunk[4096];
  char *hf[256], *vf[256];
  size_t nh, nv, i;
  int found = 0;
  ctk_code rc = CTK_E_OK;

  if(!f)
    return CTK_E_NOTFOUND;
  ctk_buf_init(&header, 64 * 1024);
  ctk_buf_init(&last, 64 * 1024);
  ctk_buf_init(&line, 64 * 1024);
  /* read line by line; keep the header and the last non-empty data line */
  while(!rc && fgets(chunk, sizeof(chunk), f)) {
    size_t len = strlen(chunk);
    rc = ctk_buf_add(&line, chunk, len);
    if(rc || (len && chunk[len - 1] != '\n' && !feof(f)))
      continue;
    while(line.len && (line.data[line.len - 1] == '\n' || line.data[line.len - 1] == '\r'))
      line.data[--line.len] = '\0';
    if(line.len) {
      ctk_buf *dst = header.len ? &last : &header;
      ctk_buf_reset(dst);
      rc = ctk_buf_add(dst, line.data, line.len);
    }
    ctk_buf_reset(&line);
  }
  fclose(f);
  ctk_buf_free(&line);
  if(!rc && (!header.len || !last.len))
    rc = CTK_E_PARSE;
  if(rc) {
    ctk_buf_free(&header);
    ctk_buf_free(&last);
    return rc;
  }
  nh = load_split(header.data, hf, 256);
  nv = load_split(last.data, vf, 256);
  for(i = 0; i < nh && i < nv; i++) {
    const char *name = hf[i];
    unsigned long v = strtoul(vf[i], NULL, 10);
    if(!strcmp(name, "OutgoingCall(C)"))
      r->outgoing = v, found++;
    else if(!strcmp(name, "SuccessfulCall(C)"))
      r->successful = v, found++;
    else if(!strcmp(name, "FailedCall(C)"))
      r->failed = v, found++;
    else if(!strcmp(name, "FailedUnexpectedMessage(C)"))
      r->failed_unexpected = v;
    else if(!strcmp(name, "FailedMaxUDPRetrans(C)"))
      r->failed_retrans = v;
    else if(!strcmp(name, "FailedTimeoutOnRecv(C)") || !strcmp(name, "FailedTimeoutOnSend(C)"))
      r->failed_timeout += v;
    else if(!strcmp(name, "ElapsedTime(C)"))
      r->elapsed_s = load_elapsed(vf[i]);
    else if(!strcmp(name, "CallRate(C)"))
      r->call_rate = strtod(vf[i], NULL);
  }
  ctk_buf_free(&header);
  ctk_buf_free(&last);
  return found == 3 ? CTK_E_OK : CTK_E_PARSE;
}

static ctk_code load_make_run_dir(const ctk_load_options *o, ctk_load_result *r)
{
  if(o->run_dir) {
    if(mkdir(o->run_dir, 0700) != 0 && errno != EEXIST)
      return CTK_E_IO;
    return ctk_strlcpy(r->run_dir, o->run_dir, sizeof(r->run_dir));
  }
  {
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(r->run_dir, sizeof(r->run_dir), "%s/ctk-load-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if(n < 0 || (size_t)n >= sizeof(r->run_dir))
      return CTK_E_TOOBIG;
    if(!mkdtemp(r->run_dir))
      return CTK_E_IO;
  }
  return CTK_E_OK;
}

#define LOAD_CALLERS_MAX 10000ul /* SIPp cycles through the file when there are more calls */

/* The caller numbers the scenarios put in From: 138 followed by eight digits, one per call. */
static ctk_code load_write_callers(const ctk_load_result *r, char *path, size_t size)
{
  unsigned long i, n = r->asked < LOAD_CALLERS_MAX ? r->asked : LOAD_CALLERS_MAX;
  FILE *f;
  int len = snprintf(path, size, "%s/callers.csv", r->run_dir);
  if(len < 0 || (size_t)len >= size)
    return CTK_E_TOOBIG;
  f = fopen(path, "w");
  if(!f)
    return CTK_E_IO;
  fputs("SEQUENTIAL\n", f);
  for(i = 1; i <= n; i++)
    fprintf(f, "138%08lu;\n", i);
  return fclose(f) == 0 ? CTK_E_OK : CTK_E_IO;
}

/* Arguments are kept in one table of fixed-size strings so nothing is allocated per argument. */
typedef struct load_argv {
  char text[LOAD_ARGS_MAX][1100];
  char *argv[LOAD_ARGS_MAX + 1];
  int argc;
} load_argv;

static void load_arg(load_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void load_arg(load_argv *a, const char *fmt, ...)
{
  va_list ap;
  if(a->argc >= LOAD_ARGS_MAX)
    return;
  va_start(ap, fmt);
  vsnprintf(a->text[a->argc], sizeof(a->text[0]), fmt, ap);
  va_end(ap);
  a->argv[a->argc] = a->text[a->argc];
  a->argc++;
  a->argv[a->argc] = NULL;
}

void ctk_load_judge(ctk_load_result *r, unsigned timeout_s)
{
  r->passed = 0;
  if(r->interrupted)
    snprintf(r->reason, sizeof(r->reason), "interrupted by a signal after %lu of %lu calls",
             r->successful, r->asked);
  else if(r->timed_out)
    snprintf(r->reason, sizeof(r->reason), "SIPp did not stop by itself; killed after %u s", timeout_s + 10);
  else if(r->failed)
    snprintf(r->reason, sizeof(r->reason), "%lu call(s) failed (%lu unexpected message, %lu UDP retransmission limit, %lu receive/send timeout); SIPp exit %d; see errors.log in the run directory",
             r->failed, r->failed_unexpected, r->failed_retrans, r->failed_timeout, r->sipp_exit);
  else if(r->successful < r->asked)
    snprintf(r->reason, sizeof(r->reason), "only %lu of %lu calls completed within the %u s bound (SIPp exit %d)",
             r->successful, r->asked, timeout_s, r->sipp_exit);
  else if(r->sipp_exit != 0)
    snprintf(r->reason, sizeof(r->reason), "SIPp exit code %d; see sipp.log in the run directory", r->sipp_exit);
  else {
    r->passed = 1;
    r->reason[0] = '\0';
  }
}

ctk_code ctk_load_run(const ctk_load_options *o, ctk_load_result *r)
{
  static load_argv a;
  char host[256], sipp[1024], stat_path[700], log_path[700], callers[700];
  ctk_proc proc;
  unsigned timeout_s;
  int port, tcp;
  ctk_code rc;

  memset(r, 0, sizeof(*r));
  r->sipp_exit = -1;
  rc = ctk_load_check_target(o->target, o->allow_remote, host, sizeof(host), &port);
  if(rc) {
    snprintf(r->reason, sizeof(r->reason), "%s", rc == CTK_E_DENIED ?
             "target is not on 127.0.0.0/8 (use --allow-remote to load a remote system)" :
             "target must be HOST:PORT");
    return rc;
  }
  if(strcmp(o->transport, "udp") && strcmp(o->transport, "tcp")) {
    snprintf(r->reason, sizeof(r->reason), "transport must be udp or tcp");
    return CTK_E_INVAL;
  }
  tcp = !strcmp(o->transport, "tcp");
  if(!(o->rate > 0.0) || o->rate > 100000.0) {
    snprintf(r->reason, sizeof(r->reason), "rate must be above 0 and at most 100000 calls/s");
    return CTK_E_INVAL;
  }
  r->asked = o->calls ? o->calls : (unsigned long)(o->rate * o->duration_s + 0.5);
  if(!r->asked) {
    snprintf(r->reason, sizeof(r->reason), "give --calls or --duration: a run is always bounded");
    return CTK_E_INVAL;
  }
  rc = ctk_load_find_sipp(o->sipp, sipp, sizeof(sipp));
  if(rc) {
    snprintf(r->reason, sizeof(r->reason),
             "SIPp ('%s') not found on PATH; install the Debian package %s (apt-get install %s)",
             o->sipp, CTK_LOAD_SIPP_PACKAGE, CTK_LOAD_SIPP_PACKAGE);
    return CTK_E_NOTFOUND;
  }
  rc = ctk_load_find_scenario(o, r->scenario_file, sizeof(r->scenario_file));
  if(rc) {
    snprintf(r->reason, sizeof(r->reason), rc == CTK_E_INVAL ?
             "unknown scenario '%s' (talk, abandon, burst, busy, agent-hangup, or a file.xml)" :
             "scenario '%s' not found (set --scenario-dir or CTK_LOAD_SCENARIOS)", o->scenario);
    return rc;
  }
  rc = load_make_run_dir(o, r);
  if(rc) {
    snprintf(r->reason, sizeof(r->reason), "cannot create the run directory");
    return rc;
  }
  if(o->callers) {
    if(access(o->callers, R_OK) != 0) {
      snprintf(r->reason, sizeof(r->reason), "callers file '%s' cannot be read", o->callers);
      return CTK_E_NOTFOUND;
    }
    rc = ctk_strlcpy(callers, o->callers, sizeof(callers));
  }
  else
    rc = load_write_callers(r, callers, sizeof(callers));
  if(rc) {
    snprintf(r->reason, sizeof(r->reason), "cannot write the callers file in the run directory");
    return rc;
  }
  /* bound: time to start every call, plus the pause, plus a margin for queueing */
  timeout_s = o->timeout_s;
  if(!timeout_s) {
    double t = (double)r->asked / o->rate + o->pause_ms / 1000.0 + 15.0;
    timeout_s = t > LOAD_TIMEOUT_MAX_S ? LOAD_TIMEOUT_MAX_S : (unsigned)t;
  }
  snprintf(stat_path, sizeof(stat_path), "%s/stat.csv", r->run_dir);
  snprintf(log_path, sizeof(log_path), "%s/sipp.log", r->run_dir);

  memset(&a, 0, sizeof(a));
  load_arg(&a, "%s", sipp);
  load_arg(&a, "%s:%d", host, port);
  load_arg(&a, "-sf");
  load_arg(&a, "%s", r->scenario_file);
  load_arg(&a, "-s");
  load_arg(&a, "%s", o->service ? o->service : "12328");
  load_arg(&a, "-inf");
  load_arg(&a, "%s", callers);
  load_arg(&a, "-t");
  load_arg(&a, "%s", tcp ? "t1" : "u1");
  if(!o->allow_remote || !strncmp(host, "127.", 4) || !strcmp(host, "localhost")) {
    load_arg(&a, "-i");
    load_arg(&a, "127.0.0.1");
  }
  load_arg(&a, "-m");
  load_arg(&a, "%lu", r->asked);
  load_arg(&a, "-r");
  load_arg(&a, "%g", o->rate);
  if(o->concurrency) {
    load_arg(&a, "-l");
    load_arg(&a, "%u", o->concurrency);
  }
  load_arg(&a, "-d");
  load_arg(&a, "%u", o->pause_ms);
  load_arg(&a, "-nostdin");
  load_arg(&a, "-trace_stat");
  load_arg(&a, "-stf");
  load_arg(&a, "%s", stat_path);
  load_arg(&a, "-fd");
  load_arg(&a, "1");
  load_arg(&a, "-trace_err");
  load_arg(&a, "-error_file");
  load_arg(&a, "%s/errors.log", r->run_dir);
  load_arg(&a, "-trace_screen");
  load_arg(&a, "-screen_file");
  load_arg(&a, "%s/screen.log", r->run_dir);
  load_arg(&a, "-timeout");
  load_arg(&a, "%us", timeout_s);
  load_arg(&a, "-timeout_error");
  if(a.argc >= LOAD_ARGS_MAX) {
    snprintf(r->reason, sizeof(r->reason), "internal: too many SIPp arguments");
    return CTK_E_INTERNAL;
  }

  rc = ctk_proc_start(&proc, "sipp", a.argv, log_path);
  if(rc) {
    snprintf(r->reason, sizeof(r->reason), "could not start SIPp (%s)", ctk_strerror(rc));
    return rc;
  }
  r->ran = 1;
  CTK_INFO(LOAD_MOD, "sipp started: target=%s scenario=%s calls=%lu rate=%g dir=%s", o->target,
           r->scenario_file, r->asked, o->rate, r->run_dir);
  /* SIPp stops itself at -timeout; this is the backstop if it does not */
  if(ctk_proc_wait_exit(&proc, (long)timeout_s * 1000 + 10000) && !ctk_proc_interrupted())
    r->timed_out = 1;
  ctk_proc_stop(&proc, 2000);
  if(ctk_proc_interrupted())
    r->interrupted = 1; /* the signal handler may have stopped SIPp before the loop saw it */
  if(proc.exit_status >= 0 && WIFEXITED(proc.exit_status))
    r->sipp_exit = WEXITSTATUS(proc.exit_status);

  rc = ctk_load_parse_stats(stat_path, r);
  if(rc) {
    r->passed = 0;
    snprintf(r->reason, sizeof(r->reason), "SIPp left no readable statistics (exit %d); see sipp.log in the run directory",
             r->sipp_exit);
    return CTK_E_OK;
  }
  ctk_load_judge(r, timeout_s);
  return CTK_E_OK;
}

ctk_code ctk_load_result_json(const ctk_load_result *r, ctk_buf *out)
{
  json_object *o = json_object_new_object();
  char num[64];

  if(!o)
    return CTK_E_NOMEM;
  json_object_object_add(o, "passed", json_object_new_boolean(r->passed));
  json_object_object_add(o, "reason", json_object_new_string(r->reason));
  json_object_object_add(o, "sipp_exit", json_object_new_int(r->sipp_exit));
  json_object_object_add(o, "timed_out", json_object_new_boolean(r->timed_out));
  json_object_object_add(o, "interrupted", json_object_new_boolean(r->interrupted));
  json_object_object_add(o, "asked", json_object_new_int64((int64_t)r->asked));
  json_object_object_add(o, "outgoing", json_object_new_int64((int64_t)r->outgoing));
  json_object_object_add(o, "successful", json_object_new_int64((int64_t)r->successful));
  json_object_object_add(o, "failed", json_object_new_int64((int64_t)r->failed));
  json_object_object_add(o, "failed_unexpected_message", json_object_new_int64((int64_t)r->failed_unexpected));
  json_object_object_add(o, "failed_max_udp_retrans", json_object_new_int64((int64_t)r->failed_retrans));
  json_object_object_add(o, "failed_timeout", json_object_new_int64((int64_t)r->failed_timeout));
  snprintf(num, sizeof(num), "%.3f", r->elapsed_s);
  json_object_object_add(o, "elapsed_s", json_object_new_double_s(r->elapsed_s, num));
  snprintf(num, sizeof(num), "%.3f", r->call_rate);
  json_object_object_add(o, "call_rate", json_object_new_double_s(r->call_rate, num));
  json_object_object_add(o, "scenario", json_object_new_string(r->scenario_file));
  json_object_object_add(o, "run_dir", json_object_new_string(r->run_dir));
  return ctk_json_write(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, out);
}
