/* test_load: SIPp (through `ctk load calls`) against the queue-machine simulator on loopback:
 * SIPp's count, the simulator's statistics and the CSTA events must tell the same story. */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acd_testlib.h"
#include "ctk_http.h"
#include "ctk_proc.h"
#include "ctk_test.h"

static long jint(json_object *o, const char *key)
{
  json_object *v = NULL;
  return o && json_object_object_get_ex(o, key, &v) ? (long)json_object_get_int64(v) : -1;
}

/* Runs `ctk load calls` and checks its exit code and SIPp's count of successful calls. */
static void expect_load(const ctk_acd_proc *acd, const char *dir, const char *name,
                        const char *opts, int want_rc, long want_successful)
{
  json_object *res = NULL;
  CU_ASSERT_EQUAL(ctk_acd_test_load(acd, dir, name, opts, &res), want_rc);
  CU_ASSERT_EQUAL(jint(res, "successful"), want_successful);
  json_object_put(res);
}

/* Starts the queue simulator in a fresh directory called name, with args and then its final
 * statistics going to stats_path (DIR/stats.json). Returns the directory. */
static const char *start_acd(ctk_acd_proc *acd, const char *name, const char *const *args,
                             char *stats_path, size_t size)
{
  const char *dir = ctk_test_tmpdir(name);
  const char *all[16];
  size_t n = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(stats_path, size, "%s/stats.json", dir);
  while(args[n] && n < 13) {
    all[n] = args[n];
    n++;
  }
  all[n++] = "--stats-json";
  all[n++] = stats_path;
  all[n] = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_start(acd, dir, all), 0);
  return dir;
}

/* Stops the simulator and reads its final statistics (the test ends without them). */
static json_object *stop_and_stats(ctk_acd_proc *acd, const char *stats_path)
{
  json_object *stats;
  CU_ASSERT_EQUAL(ctk_acd_test_stop(acd), 0);
  stats = json_object_from_file(stats_path);
  CU_ASSERT_PTR_NOT_NULL_FATAL(stats);
  return stats;
}

static void test_load_fifty_calls_five_agents(void)
{
  static const char *const args[] = { "--agents", "5", "--queue-limit", "100", "--cti-port",
                                      "0", NULL };
  char stats_path[600];
  ctk_acd_proc acd;
  const char *dir = start_acd(&acd, "load-talk", args, stats_path, sizeof(stats_path));
  json_object *res = NULL, *stats;
  ctk_acd_cti_tally *tally;
  unsigned i, complete = 0;
  int cti, rc;

  cti = ctk_acd_test_cti_connect(acd.cti_port);
  CU_ASSERT_FATAL(cti >= 0);
  /* events flow inside a monitor; once it is answered, the first call cannot be missed */
  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_cti_monitor(cti), 0);

  rc = ctk_acd_test_load(&acd, dir, "talk", "--scenario talk -m 50 --rate 100 -l 50 --pause-ms 100", &res);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL(res);
  CU_ASSERT_EQUAL(jint(res, "successful"), 50);
  CU_ASSERT_EQUAL(jint(res, "failed"), 0);
  CU_ASSERT_EQUAL(jint(res, "sipp_exit"), 0);
  json_object_put(res);

  /* 5 events per call: offered, queued, delivered, established, cleared */
  tally = calloc(1, sizeof(*tally));
  CU_ASSERT_PTR_NOT_NULL_FATAL(tally);
  ctk_acd_test_cti_read(cti, tally, 250, 10000);
  close(cti);
  CU_ASSERT_EQUAL(tally->bad_frames, 0);
  CU_ASSERT_EQUAL(tally->ncalls, 50);
  CU_ASSERT_STRING_EQUAL(tally->first_caller, "13800000001"); /* from the callers file */
  for(i = 0; i < tally->ncalls; i++) {
    if(tally->calls[i].seen == (CTK_ACD_SEEN_DELIVERED | CTK_ACD_SEEN_ESTABLISHED | CTK_ACD_SEEN_CLEARED))
      complete++;
  }
  CU_ASSERT_EQUAL(complete, 50);
  free(tally);

  stats = stop_and_stats(&acd, stats_path);
  CU_ASSERT_EQUAL(jint(stats, "offered"), 50);
  CU_ASSERT_EQUAL(jint(stats, "answered"), 50);
  CU_ASSERT_EQUAL(jint(stats, "cleared"), 50);
  CU_ASSERT_EQUAL(jint(stats, "abandoned"), 0);
  CU_ASSERT_EQUAL(jint(stats, "busy"), 0);
  json_object_put(stats);
}

static void test_load_callers_abandon_in_queue(void)
{
  /* no agent logged in: every caller waits until giving up */
  static const char *const args[] = { "--agents", "0", "--queue-limit", "100", NULL };
  char stats_path[600];
  ctk_acd_proc acd;
  const char *dir = start_acd(&acd, "load-abandon", args, stats_path, sizeof(stats_path));
  json_object *stats;

  expect_load(&acd, dir, "abandon",
              "--scenario abandon -m 10 --rate 50 --pause-ms 200 --transport tcp", 0, 10);
  stats = stop_and_stats(&acd, stats_path);
  CU_ASSERT_EQUAL(jint(stats, "offered"), 10);
  CU_ASSERT_EQUAL(jint(stats, "abandoned"), 10);
  CU_ASSERT_EQUAL(jint(stats, "answered"), 0);
  CU_ASSERT(jint(stats, "queue_max") >= 1);
  json_object_put(stats);
}

static void test_load_full_queue_is_busy(void)
{
  static const char *const args[] = { "--agents", "0", "--queue-limit", "0", NULL };
  char stats_path[600];
  ctk_acd_proc acd;
  const char *dir = start_acd(&acd, "load-busy", args, stats_path, sizeof(stats_path));
  json_object *stats;

  expect_load(&acd, dir, "busy", "--scenario busy -m 5 --rate 50", 0, 5);
  /* the talk scenario cannot succeed against a full queue: the run fails */
  expect_load(&acd, dir, "talk-refused", "--scenario talk -m 3 --rate 50 --pause-ms 10", 1, 0);
  stats = stop_and_stats(&acd, stats_path);
  CU_ASSERT_EQUAL(jint(stats, "busy"), 8);
  json_object_put(stats);
}

static void test_load_agent_hangs_up_and_short_runs_fail(void)
{
  static const char *const args[] = { "--agents", "2", "--queue-limit", "10", "--talk",
                                      "uniform:100-200", NULL };
  char stats_path[600];
  ctk_acd_proc acd;
  const char *dir = start_acd(&acd, "load-agent", args, stats_path, sizeof(stats_path));
  json_object *res = NULL, *stats, *passed = NULL;
  int rc;

  expect_load(&acd, dir, "hangup", "--scenario agent-hangup -m 6 --rate 50", 0, 6);
  /* asked for 200 calls but bounded to 2 s: fewer completed, so the run fails */
  rc = ctk_acd_test_load(&acd, dir, "short", "--scenario agent-hangup -m 200 --rate 5 --timeout 2", &res);
  CU_ASSERT_EQUAL(rc, 1);
  CU_ASSERT_PTR_NOT_NULL(res);
  CU_ASSERT(jint(res, "successful") < 200);
  CU_ASSERT(res && json_object_object_get_ex(res, "passed", &passed) && !json_object_get_boolean(passed));
  json_object_put(res);
  stats = stop_and_stats(&acd, stats_path);
  CU_ASSERT(jint(stats, "cleared") >= 6);
  json_object_put(stats);
}

/* The webhook contract with the city simulator: every call SIPp completes through the queue
 * machine becomes one work order in `ctk sim city` (its CTI intake, POST /cti). */
static void test_load_answered_calls_become_city_orders(void)
{
  const char *dir = ctk_test_tmpdir("load-city");
  char port_file[600], log[600], url[128];
  /* the province is not there: the city still takes the CTI events and makes orders */
  char *argv[] = { (char *)ctk_test_ctk_bin(), "sim", "city", "--province", "360000",
                   "--cities", "360100", "--upper", "http://127.0.0.1:9",
                   "--control", "127.0.0.1:0", "--control-port-file", port_file,
                   "--duration", "30", NULL };
  ctk_acd_proc acd;
  json_object *stats = NULL, *total = NULL;
  int city_port = 0, rc;
  ctk_proc city;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(port_file, sizeof(port_file), "%s/city-control.port", dir);
  snprintf(log, sizeof(log), "%s/city.log", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_proc_start(&city, "city", argv, log), CTK_E_OK);
  if(ctk_proc_wait_port(&city, port_file, 5000, &city_port)) {
    ctk_proc_stop(&city, 0);
    CU_FAIL_FATAL("ctk sim city did not start");
  }
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/cti", city_port);
  {
    const char *args[] = { "--agents", "3", "--webhook", url, NULL };
    rc = ctk_acd_test_start(&acd, dir, args);
  }
  if(rc == 0) {
    expect_load(&acd, dir, "city", "--scenario talk -m 10 --rate 50 --pause-ms 50", 0, 10);
    CU_ASSERT_EQUAL(ctk_acd_test_stop(&acd), 0); /* drains the webhook queue */
  }
  else
    CU_FAIL("ctk sim acd did not start");
  {
    ctk_http_client *client = ctk_http_client_new();
    ctk_http_call call;
    ctk_http_reply reply;
    memset(&call, 0, sizeof(call));
    memset(&reply, 0, sizeof(reply));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/control/stats", city_port);
    call.url = url;
    ctk_buf_init(&reply.body, 1024 * 1024);
    if(client && ctk_http_get(client, &call, &reply) == CTK_E_OK && reply.status == 200)
      stats = json_tokener_parse(ctk_buf_str(&reply.body));
    ctk_buf_free(&reply.body);
    ctk_http_client_free(client);
  }
  CU_ASSERT_PTR_NOT_NULL(stats);
  CU_ASSERT(stats && json_object_object_get_ex(stats, "total", &total));
  CU_ASSERT_EQUAL(jint(total, "cti_orders"), 10);
  json_object_put(stats);
  ctk_proc_stop(&city, 5000);
}

void ctk_test_add_load(CU_pSuite s)
{
  CTK_TEST(s, test_load_fifty_calls_five_agents);
  CTK_TEST(s, test_load_callers_abandon_in_queue);
  CTK_TEST(s, test_load_full_queue_is_busy);
  CTK_TEST(s, test_load_agent_hangs_up_and_short_runs_fail);
  CTK_TEST(s, test_load_answered_calls_become_city_orders);
}
