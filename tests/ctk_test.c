/* ctk_test: helpers shared by the toolkit's own tests. */
#include "ctk_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_file.h"
#include "ctk_profile.h"
#include "ctk_report.h"
#include "ctk_sock.h"

static char scratch_root[256];

const char *ctk_test_ctk_bin(void)
{
  const char *bin = getenv("CTK_BIN");
  return bin && *bin ? bin : "build/ctk";
}

void ctk_test_build_dir(char *out, size_t outlen)
{
  char cwd[512];
  const char *bin = ctk_test_ctk_bin();
  const char *slash = strrchr(bin, '/');
  size_t n = slash ? (size_t)(slash - bin) : 0;
  if(getcwd(cwd, sizeof(cwd)) && !strncmp(bin, cwd, strlen(cwd)) && bin[strlen(cwd)] == '/' &&
     n > strlen(cwd)) {
    bin += strlen(cwd) + 1;
    n -= strlen(cwd) + 1;
  }
  snprintf(out, outlen, "%.*s", (int)(n ? n : 5), n ? bin : "build");
}

const char *ctk_test_tmpdir(const char *name)
{
  static char path[512];
  char cmd[600];

  if(!scratch_root[0]) {
    char tmpl[] = "/tmp/ctk-tests-XXXXXX";
    if(!mkdtemp(tmpl))
      return NULL;
    ctk_strlcpy(scratch_root, tmpl, sizeof(scratch_root));
  }
  snprintf(path, sizeof(path), "%s/%s", scratch_root, name);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
  if(system(cmd) != 0)
    return NULL;
  if(mkdir(path, 0700) != 0)
    return NULL;
  return path;
}

char *ctk_test_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  ctk_buf b;
  ctk_code result;

  if(!f)
    return NULL;
  ctk_buf_init(&b, (size_t)512 * 1024 * 1024);
  result = ctk_buf_add_stream(&b, f);
  fclose(f);
  if(result) {
    ctk_buf_free(&b);
    return NULL;
  }
  return ctk_buf_detach(&b, len);
}

int ctk_test_run(const char *cmd, char **out)
{
  FILE *p;
  ctk_buf b;
  char chunk[4096];
  size_t n;
  int status;

  p = popen(cmd, "r");
  if(!p)
    return -1;
  ctk_buf_init(&b, (size_t)64 * 1024 * 1024);
  /* Read to the end even past the limit, so the command never dies of a closed pipe. */
  n = fread(chunk, 1, sizeof(chunk), p);
  while(n > 0) {
    (void)ctk_buf_add(&b, chunk, n);
    n = fread(chunk, 1, sizeof(chunk), p);
  }
  status = pclose(p);
  if(out)
    *out = ctk_buf_detach(&b, NULL);
  else
    ctk_buf_free(&b);
  if(status == -1 || !WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

int ctk_test_tz_away_from_beijing(ctk_test_tz *saved)
{
  /* POSIX TZ counts hours west of UTC: "CTK12" is UTC-12 (20 h behind Beijing, another date
   * until 20:00 Beijing time), "CTK-14" is UTC+14 (6 h ahead, another date from 18:00). */
  static const char *const zones[] = { "CTK12", "CTK-14" };
  const char *old = getenv("TZ");
  size_t i;

  saved->was_set = old != NULL;
  ctk_strlcpy(saved->value, old ? old : "", sizeof(saved->value));
  for(i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
    time_t now = time(NULL);
    struct tm local;
    int y, m, d;
    setenv("TZ", zones[i], 1);
    tzset();
    ctk_beijing_date(now, &y, &m, &d);
    if(localtime_r(&now, &local) && local.tm_mday != d)
      return 0;
  }
  ctk_test_tz_restore(saved);
  return -1;
}

void ctk_test_tz_restore(const ctk_test_tz *saved)
{
  if(saved->was_set)
    setenv("TZ", saved->value, 1);
  else
    unsetenv("TZ");
  tzset();
}

/* 127.0.0.1:port (0 = any) */
static void loopback_addr(struct sockaddr_in *sa, int port)
{
  memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa->sin_port = htons((unsigned short)port);
}

int ctk_test_free_port(void)
{
  int fd = -1;
  int port = -1;

  if(ctk_sock_listen("127.0.0.1", 0, 1, 0, &fd, &port))
    return -1;
  close(fd);
  return port;
}

int ctk_test_connect(int port, int timeout_s)
{
  return ctk_test_connect_from(NULL, port, timeout_s);
}

int ctk_test_connect_from(const char *source, int port, int timeout_s)
{
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if(fd < 0)
    return -1;
  if(source) {
    /* any 127.x.y.z is this machine's loopback: a second client address without setup */
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    if(inet_pton(AF_INET, source, &sa.sin_addr) != 1 ||
       bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
      close(fd);
      return -1;
    }
  }
  loopback_addr(&sa, port);
  if(timeout_s > 0) {
    struct timeval tv;
    tv.tv_sec = timeout_s;
    tv.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  }
  if(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    int e = errno; /* close() may change it; callers check for ECONNREFUSED */
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int ctk_test_listen(int backlog, int *port)
{
  int fd = -1;
  return ctk_sock_listen("127.0.0.1", 0, backlog, 0, &fd, port) ? -1 : fd;
}

int ctk_test_wait_count(pthread_mutex_t *lock, pthread_cond_t *changed, const int *count, int n,
                        int timeout_s)
{
  struct timespec until;
  int got;

  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_s;
  pthread_mutex_lock(lock);
  while(*count < n && pthread_cond_timedwait(changed, lock, &until) == 0)
    ;
  got = *count;
  pthread_mutex_unlock(lock);
  return got;
}

static ctk_profile *test_profile;

static void test_profile_free(void)
{
  ctk_profile_free(test_profile);
}

const ctk_profile *ctk_test_profile(void)
{
  char err[512];
  if(!test_profile &&
     ctk_profile_load("profiles/jtt1019-baseline", &test_profile, err, sizeof(err)) == CTK_E_OK)
    atexit(test_profile_free);
  return test_profile;
}

ctk_profile *ctk_test_load_profile(const char *dir)
{
  char err[1024];
  ctk_profile *p = NULL;
  if(ctk_profile_load(dir, &p, err, sizeof(err)))
    fprintf(stderr, "\n  %s: %s\n", dir, err);
  return p;
}

int ctk_test_npm_modules(const char *name, const char *env_var, char *out, size_t size)
{
  const char *env = env_var ? getenv(env_var) : NULL;
  const char *bin = ctk_test_ctk_bin();
  const char *slash = strrchr(bin, '/');
  struct stat st;

  if(env)
    snprintf(out, size, "%s/node_modules", env);
  else
    snprintf(out, size, "%.*s/%s/node_modules", slash ? (int)(slash - bin) : 1,
             slash ? bin : ".", name);
  if(stat(out, &st) == 0)
    return 0;
  snprintf(out, size, "build/%s/node_modules", name);
  return stat(out, &st) == 0 ? 0 : -1;
}

int ctk_test_node_bin(char *out, size_t size)
{
  const char *path = getenv("PATH");
  const char *names[] = { "node", "nodejs" };
  size_t k;

  if(getenv("CTK_NODE")) {
    snprintf(out, size, "%s", getenv("CTK_NODE"));
    return access(out, X_OK);
  }
  for(k = 0; k < 2; k++) {
    const char *p = path ? path : "/usr/bin";
    while(*p) {
      size_t n = strcspn(p, ":");
      snprintf(out, size, "%.*s/%s", (int)n, p, names[k]);
      if(n && access(out, X_OK) == 0)
        return 0;
      p += n;
      if(*p)
        p++;
    }
  }
  return -1;
}

void ctk_test_write_city_results(const char *path, ctk_sut_kind kind, const char *region,
                                 const char *started, ctk_verdict v1, ctk_verdict v2)
{
  ctk_exchange_info x;
  ctk_run *run = NULL;
  ctk_test_result *t;
  ctk_buf b;

  CU_ASSERT_FATAL(ctk_run_new(&run) == CTK_E_OK);
  ctk_run_set_sut(run, kind, region, region, "http://127.0.0.1:1");
  ctk_strlcpy(run->started, started, sizeof(run->started));
  ctk_run_add_test(run, "J1.local-case", "local", "jtt1019-1", CTK_CLASS_MANDATORY, &t);
  ctk_test_add_requirement(t, "J1-FLOW-001");
  ctk_test_set_verdict(t, v1, "first");
  memset(&x, 0, sizeof(x));
  x.direction = CTK_XCHG_IN;
  x.peer = "http://127.0.0.1:8080/exchange";
  x.interface_code = "1001";
  x.time = started;
  x.latency_ms = 20.0;
  x.http_status = 200;
  x.result_code = "0000";
  x.raw = "<Answer/>";
  x.raw_len = 9;
  CU_ASSERT_EQUAL(ctk_test_add_exchange(t, &x), CTK_E_OK);
  ctk_run_add_test(run, "J1.cross-city", "cross", "jtt1019-1", CTK_CLASS_MANDATORY, &t);
  ctk_test_add_requirement(t, "J1-FLOW-004");
  ctk_test_set_verdict(t, v2, "second");
  ctk_buf_init(&b, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_write(run, &b), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_file_write_atomic(path, b.data, b.len, 0644), CTK_E_OK);
  ctk_buf_free(&b);
  ctk_run_free(run);
}
