/* test_cti_interop: each CTI family of `ctk sim acd` watched by a client nobody here wrote while
 * SIPp places calls: the npm packages asterisk-manager (AMI) and modesl (ESL), run with node, and
 * for CSTA the ECMA-323 client of acd_testlib. Every call's events must be one row of the table in
 * docs/ACD.md, in order, and the rows must add up to SIPp's own counts and the statistics.
 *
 * Calls per family: 20 (5 abandoned in the queue, 5 cancelled while ringing, 10 answered); with
 * CTK_CTI_CALLS=200 (make cti-check) ten times as many. The node clients are installed by
 * `make deps` into BUILD/npm-cti (CTK_NPM_DIR overrides); the suite is tagged node. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acd_testlib.h"
#include "ctk_proc.h"
#include "ctk_test.h"

/* ---------- what each family must say, per kind of call (docs/ACD.md) ---------- */

typedef struct cti_rows {
  const char *answered;
  const char *abandoned;       /* caller gave up while queued */
  const char *ring_cancel;     /* caller gave up while the agent's phone rang */
} cti_rows;

static const cti_rows ami_rows = {
  "Newchannel,QueueCallerJoin,AgentCalled,QueueCallerLeave,AgentConnect,AgentComplete,Hangup",
  "Newchannel,QueueCallerJoin,QueueCallerAbandon,QueueCallerLeave,Hangup",
  "Newchannel,QueueCallerJoin,AgentCalled,QueueCallerAbandon,QueueCallerLeave,Hangup",
};

/* subscribed to CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info */
static const cti_rows esl_rows = {
  "CHANNEL_CREATE,member-queue-start,agent-offering,CHANNEL_ANSWER,bridge-agent-start,"
  "bridge-agent-end,member-queue-end,CHANNEL_HANGUP_COMPLETE",
  "CHANNEL_CREATE,member-queue-start,member-queue-end,CHANNEL_HANGUP_COMPLETE",
  "CHANNEL_CREATE,member-queue-start,agent-offering,bridge-agent-fail,member-queue-end,"
  "CHANNEL_HANGUP_COMPLETE",
};

/* OfferedEvent Queued Delivered Established, ConnectionCleared normalClearing | callCancelled */
static const cti_rows csta_rows = { "OQDEC", "OQA", "OQDA" };

/* ---------- the calls ---------- */

typedef struct cti_plan {
  long abandoned, ring_cancel, answered;
} cti_plan;

static void cti_plan_get(cti_plan *p)
{
  const char *env = getenv("CTK_CTI_CALLS");
  long total = env ? strtol(env, NULL, 10) : 20;
  if(total < 4 || total > 2000)
    total = 20;
  p->abandoned = total / 4;
  p->ring_cancel = total / 4;
  p->answered = total - p->abandoned - p->ring_cancel;
}

static long jint(json_object *o, const char *key)
{
  json_object *v = NULL;
  return o && json_object_object_get_ex(o, key, &v) ? (long)json_object_get_int64(v) : -1;
}

/* One SIPp run; returns SIPp's count of successful calls (-1 when the run did not happen). */
static long cti_sipp(const ctk_acd_proc *acd, const char *dir, const char *name, const char *opts)
{
  json_object *res = NULL;
  long ok;
  int rc = ctk_acd_test_load(acd, dir, name, opts, &res);
  ok = jint(res, "successful");
  if(rc != 0)
    fprintf(stderr, "cti_interop: SIPp run %s exited %d (%s)\n", name, rc,
            res ? json_object_to_json_string(res) : "no result");
  json_object_put(res);
  return ok;
}

/* The three kinds of calls, one SIPp run each, the queue machine steered between them:
 * no agent (callers give up in the queue), agents whose phones ring 20 s (callers give up
 * while ringing), agents who answer at once. SIPp's counts go to got. */
static void cti_drive(const ctk_acd_proc *acd, const char *dir, const cti_plan *plan, cti_plan *got)
{
  char opts[256];
  long rate_pause_ms = 300;

  CU_ASSERT_EQUAL(ctk_acd_test_steer(acd, "{\"agents\":0,\"ring_ms\":0}"), 200);
  snprintf(opts, sizeof(opts), "--scenario abandon -m %ld --rate 50 --pause-ms %ld", plan->abandoned,
           rate_pause_ms);
  got->abandoned = cti_sipp(acd, dir, "abandon-queued", opts);

  /* more agents than callers at once, so every caller reaches a ringing phone */
  CU_ASSERT_EQUAL(ctk_acd_test_steer(acd, "{\"agents\":8,\"ring_ms\":20000}"), 200);
  snprintf(opts, sizeof(opts), "--scenario abandon -m %ld --rate 50 -l 4 --pause-ms %ld",
           plan->ring_cancel, rate_pause_ms);
  got->ring_cancel = cti_sipp(acd, dir, "abandon-ringing", opts);

  CU_ASSERT_EQUAL(ctk_acd_test_steer(acd, "{\"ring_ms\":0}"), 200);
  snprintf(opts, sizeof(opts), "--scenario talk -m %ld --rate 50 -l 8 --pause-ms 50",
           plan->answered);
  got->answered = cti_sipp(acd, dir, "answered", opts);
}

/* ---------- stories: the events of each call, in order ---------- */

typedef struct cti_story {
  char id[96];
  char seq[512];
  int bad;                     /* a field of one of its events is wrong */
} cti_story;

typedef struct cti_stories {
  cti_story *v;
  size_t n, cap;
} cti_stories;

static cti_story *cti_story_of(cti_stories *s, const char *id)
{
  size_t i;
  for(i = 0; i < s->n; i++) {
    if(!strcmp(s->v[i].id, id))
      return &s->v[i];
  }
  if(s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    cti_story *nv = realloc(s->v, cap * sizeof(*nv));
    if(!nv)
      return NULL;
    s->v = nv;
    s->cap = cap;
  }
  memset(&s->v[s->n], 0, sizeof(s->v[0]));
  snprintf(s->v[s->n].id, sizeof(s->v[0].id), "%s", id);
  return &s->v[s->n++];
}

static void cti_story_add(cti_story *st, const char *name)
{
  size_t n = strlen(st->seq);
  snprintf(st->seq + n, sizeof(st->seq) - n, "%s%s", n ? "," : "", name);
}

/* Every story must be one of the rows; the rows must come as often as SIPp counted them. */
static void cti_check_stories(const char *family, const cti_stories *s, const cti_rows *rows,
                              const cti_plan *sipp)
{
  size_t i;
  long answered = 0, abandoned = 0, ring_cancel = 0, other = 0, bad = 0;
  for(i = 0; i < s->n; i++) {
    const cti_story *st = &s->v[i];
    if(!strcmp(st->seq, rows->answered))
      answered++;
    else if(!strcmp(st->seq, rows->abandoned))
      abandoned++;
    else if(!strcmp(st->seq, rows->ring_cancel))
      ring_cancel++;
    else {
      if(other++ < 3)
        fprintf(stderr, "cti_interop %s: call %s told %s\n", family, st->id, st->seq);
    }
    if(st->bad && bad++ < 3)
      fprintf(stderr, "cti_interop %s: call %s has a wrong field\n", family, st->id);
  }
  CU_ASSERT_EQUAL(other, 0);
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT_EQUAL(answered, sipp->answered);
  CU_ASSERT_EQUAL(abandoned, sipp->abandoned);
  CU_ASSERT_EQUAL(ring_cancel, sipp->ring_cancel);
  CU_ASSERT_EQUAL((long)s->n, sipp->answered + sipp->abandoned + sipp->ring_cancel);
}

/* ---------- the node clients ---------- */

typedef struct cti_watch {
  ctk_proc proc;
  char out_path[600];
} cti_watch;

static int cti_watch_ready(void *ctx)
{
  const cti_watch *w = ctx;
  char *text = ctk_test_read_file(w->out_path, NULL);
  int ready = text && strstr(text, "\"kind\":\"ready\"");
  free(text);
  return ready;
}

/* Starts `node tests/interop/cti/SCRIPT args...` and waits until it says it is ready. */
static int cti_watch_start(cti_watch *w, const char *dir, const char *script, char **args)
{
  char node_path[600], script_path[256], node[600];
  char *argv[12];
  int argc = 0;

  if(ctk_test_node_bin(node, sizeof(node))) {
    CU_FAIL("node is not installed: run `make deps` (Debian's nodejs and npm), "
            "or skip the suite with CTK_TEST_SKIP=node");
    return -1;
  }
  if(ctk_test_npm_modules("npm-cti", "CTK_NPM_DIR", node_path, sizeof(node_path))) {
    CU_FAIL("the node CTI clients are not installed: run `make deps` (needs npm), "
            "or skip the suite with CTK_TEST_SKIP=node");
    return -1;
  }
  setenv("NODE_PATH", node_path, 1);
  snprintf(script_path, sizeof(script_path), "tests/interop/cti/%s", script);
  snprintf(w->out_path, sizeof(w->out_path), "%s/%s.jsonl", dir, script);
  argv[argc++] = node;
  argv[argc++] = script_path;
  while(*args && argc < 11)
    argv[argc++] = *args++;
  argv[argc] = NULL;
  if(ctk_proc_start(&w->proc, script, argv, w->out_path)) {
    CU_FAIL("node did not start");
    return -1;
  }
  if(ctk_proc_wait_ready(&w->proc, 15000, cti_watch_ready, w)) {
    char *text = ctk_test_read_file(w->out_path, NULL);
    fprintf(stderr, "cti_interop: %s never got ready:\n%s\n", script, text ? text : "");
    free(text);
    ctk_proc_stop(&w->proc, 1000);
    CU_FAIL("the CTI client never logged in");
    return -1;
  }
  return 0;
}

/* Waits for the client to finish by itself; returns its output lines as JSON objects. */
static json_object *cti_watch_finish(cti_watch *w, long timeout_ms)
{
  json_object *lines = json_object_new_array();
  char *text, *line, *save = NULL;

  if(ctk_proc_wait_exit(&w->proc, timeout_ms))
    fprintf(stderr, "cti_interop: %s did not finish in time\n", w->out_path);
  ctk_proc_stop(&w->proc, 1000);
  text = ctk_test_read_file(w->out_path, NULL);
  for(line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
    json_object *o = json_tokener_parse(line);
    if(o)
      json_object_array_add(lines, o);
    else
      fprintf(stderr, "cti_interop: not JSON from the client: %s\n", line);
  }
  free(text);
  return lines;
}

static const char *jstr(json_object *o, const char *key)
{
  json_object *v = NULL;
  return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The line of the given kind, the last one when there are several. */
static json_object *cti_line(json_object *lines, const char *kind)
{
  size_t i, n = json_object_array_length(lines);
  json_object *found = NULL;
  for(i = 0; i < n; i++) {
    json_object *o = json_object_array_get_idx(lines, i);
    const char *k = jstr(o, "kind");
    if(k && !strcmp(k, kind))
      found = o;
  }
  return found;
}

/* ---------- the queue machine ---------- */

static int cti_start_acd(ctk_acd_proc *acd, const char *dir, const char *const *family_args,
                         char *stats_path, size_t size)
{
  const char *args[24];
  size_t n = 0;
  static const char *const common[] = { "--agents", "0", "--queue-limit", "1000",
                                        "--control-port", "0", "--linger-ms", "3000",
                                        "--duration", "300", NULL };
  snprintf(stats_path, size, "%s/stats.json", dir);
  while(common[n]) {
    args[n] = common[n];
    n++;
  }
  while(*family_args && n < 20)
    args[n++] = *family_args++;
  args[n++] = "--stats-json";
  args[n++] = stats_path;
  args[n] = NULL;
  return ctk_acd_test_start(acd, dir, args);
}

/* Stops the queue machine; its statistics must agree with SIPp. */
static void cti_check_stats(ctk_acd_proc *acd, const char *stats_path, const cti_plan *sipp)
{
  json_object *stats;
  CU_ASSERT_EQUAL(ctk_acd_test_stop(acd), 0);
  stats = json_object_from_file(stats_path);
  CU_ASSERT_PTR_NOT_NULL_FATAL(stats);
  CU_ASSERT_EQUAL(jint(stats, "offered"), sipp->answered + sipp->abandoned + sipp->ring_cancel);
  CU_ASSERT_EQUAL(jint(stats, "answered"), sipp->answered);
  CU_ASSERT_EQUAL(jint(stats, "abandoned"), sipp->abandoned + sipp->ring_cancel);
  CU_ASSERT_EQUAL(jint(stats, "cleared"), sipp->answered);
  json_object_put(stats);
}

static void cti_check_sipp(const cti_plan *plan, const cti_plan *got)
{
  CU_ASSERT_EQUAL(got->abandoned, plan->abandoned);
  CU_ASSERT_EQUAL(got->ring_cancel, plan->ring_cancel);
  CU_ASSERT_EQUAL(got->answered, plan->answered);
}

/* Starts the queue machine with the family's options (fam) and its node client, which is told
 * the family's port, then args, then how many calls to wait for and a time bound. 0 when both
 * run; the queue machine is stopped again when the client does not get ready. */
static int cti_begin(ctk_acd_proc *acd, const char *dir, const char *const *fam, const char *script,
                     int esl, char *const *args, const cti_plan *plan, cti_watch *w,
                     char *stats_path, size_t size)
{
  char port[16], calls[16];
  char *argv[10];
  int n = 0;

  if(cti_start_acd(acd, dir, fam, stats_path, size)) {
    CU_FAIL("ctk sim acd did not start");
    return -1;
  }
  snprintf(port, sizeof(port), "%d", esl ? acd->esl_port : acd->ami_port);
  snprintf(calls, sizeof(calls), "%ld", plan->answered + plan->abandoned + plan->ring_cancel);
  argv[n++] = port;
  while(*args && n < 7)
    argv[n++] = *args++;
  argv[n++] = calls;
  argv[n++] = (char *)"120000";
  argv[n] = NULL;
  if(cti_watch_start(w, dir, script, argv)) {
    ctk_acd_test_stop(acd);
    return -1;
  }
  return 0;
}

/* ---------- AMI through asterisk-manager ---------- */

static void test_cti_ami_asterisk_manager(void)
{
  const char *dir = ctk_test_tmpdir("cti-ami");
  static const char *const fam[] = { "--cti", "ami", "--ami-port", "0", "--ami-user", "city",
                                     "--ami-secret", "s3cret", NULL };
  static char *const args[] = { (char *)"city", (char *)"s3cret", NULL };
  char stats_path[600];
  cti_plan plan, got;
  ctk_acd_proc acd;
  cti_watch w;
  cti_stories s = { NULL, 0, 0 };
  json_object *lines, *summary = NULL;
  size_t i, n;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  cti_plan_get(&plan);
  if(cti_begin(&acd, dir, fam, "ami-watch.js", 0, args, &plan, &w, stats_path, sizeof(stats_path)))
    return;
  cti_drive(&acd, dir, &plan, &got);
  cti_check_sipp(&plan, &got);
  lines = cti_watch_finish(&w, 30000);
  CU_ASSERT_PTR_NOT_NULL(cti_line(lines, "done"));
  n = json_object_array_length(lines);
  for(i = 0; i < n; i++) {
    json_object *ev = NULL;
    const char *name, *uid;
    cti_story *st;
    if(!json_object_object_get_ex(json_object_array_get_idx(lines, i), "event", &ev))
      continue;
    name = jstr(ev, "event");
    uid = jstr(ev, "uniqueid");
    if(name && !strcmp(name, "QueueSummary"))
      summary = ev;
    if(!name || !uid)
      continue;
    st = cti_story_of(&s, uid);
    if(!st)
      continue;
    cti_story_add(st, name);
    /* one caller channel per call: Linkedid is its own Uniqueid; the queue is ours */
    if(!jstr(ev, "linkedid") || strcmp(jstr(ev, "linkedid"), uid))
      st->bad = 1;
    if(!strcmp(name, "Hangup") && (!jstr(ev, "cause") || strcmp(jstr(ev, "cause"), "16")))
      st->bad = 1;
    if(!strcmp(name, "QueueCallerJoin") && (!jstr(ev, "queue") || strcmp(jstr(ev, "queue"), "12328") ||
                                            atoi(jstr(ev, "position") ? jstr(ev, "position") : "0") < 1))
      st->bad = 1;
    /* a caller who gave up had a place no worse than the one it joined at */
    if(!strcmp(name, "QueueCallerAbandon")) {
      int place = atoi(jstr(ev, "position") ? jstr(ev, "position") : "0");
      int joined = atoi(jstr(ev, "originalposition") ? jstr(ev, "originalposition") : "0");
      if(place < 1 || joined < place)
        st->bad = 1;
    }
  }
  cti_check_stories("ami", &s, &ami_rows, &got);
  /* the last QueueSummary, asked once every call was over: no caller left, 8 agents in */
  CU_ASSERT_PTR_NOT_NULL(summary);
  CU_ASSERT_STRING_EQUAL(jstr(summary, "callers") ? jstr(summary, "callers") : "", "0");
  CU_ASSERT_STRING_EQUAL(jstr(summary, "loggedin") ? jstr(summary, "loggedin") : "", "8");
  json_object_put(lines);
  free(s.v);
  cti_check_stats(&acd, stats_path, &got);
}

/* ---------- ESL through modesl ---------- */

static void cti_esl_run(const char *format)
{
  char name[32];
  const char *dir;
  static const char *const fam[] = { "--cti", "esl", "--esl-port", "0", "--esl-password",
                                     "Open12328", NULL };
  char *const args[] = { (char *)"Open12328", (char *)format, NULL };
  char stats_path[600];
  cti_plan plan, got;
  ctk_acd_proc acd;
  cti_watch w;
  cti_stories s = { NULL, 0, 0 };
  json_object *lines, *done;
  size_t i, n;

  snprintf(name, sizeof(name), "cti-esl-%s", format);
  dir = ctk_test_tmpdir(name);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  cti_plan_get(&plan);
  if(cti_begin(&acd, dir, fam, "esl-watch.js", 1, args, &plan, &w, stats_path, sizeof(stats_path)))
    return;
  cti_drive(&acd, dir, &plan, &got);
  cti_check_sipp(&plan, &got);
  lines = cti_watch_finish(&w, 30000);
  done = cti_line(lines, "done");
  CU_ASSERT_PTR_NOT_NULL(done);
  /* the queue is empty once every call is over */
  CU_ASSERT_STRING_EQUAL(jstr(done, "members") ? jstr(done, "members") : "", "0\n");
  n = json_object_array_length(lines);
  for(i = 0; i < n; i++) {
    json_object *ev = NULL;
    const char *ename, *uid, *action, *session;
    cti_story *st;
    if(!json_object_object_get_ex(json_object_array_get_idx(lines, i), "event", &ev))
      continue;
    ename = jstr(ev, "Event-Name");
    uid = jstr(ev, "Unique-ID");
    action = jstr(ev, "CC-Action");
    if(!ename || !uid)
      continue;
    st = cti_story_of(&s, uid);
    if(!st)
      continue;
    cti_story_add(st, !strcmp(ename, "CUSTOM") && action ? action : ename);
    session = jstr(ev, "CC-Member-Session-UUID");
    if(!strcmp(ename, "CUSTOM") &&
       (!session || strcmp(session, uid) || !jstr(ev, "Event-Subclass") ||
        strcmp(jstr(ev, "Event-Subclass"), "callcenter::info")))
      st->bad = 1;
    if(action && !strcmp(action, "member-queue-end")) {
      /* Terminated after an agent's answer, Cancel when the caller gave up */
      const char *cause = jstr(ev, "CC-Cause");
      int answered = strstr(st->seq, "bridge-agent-start") != NULL;
      if(!cause || strcmp(cause, answered ? "Terminated" : "Cancel"))
        st->bad = 1;
    }
    if(!strcmp(ename, "CHANNEL_HANGUP_COMPLETE")) {
      const char *cause = jstr(ev, "Hangup-Cause");
      int answered = strstr(st->seq, "CHANNEL_ANSWER") != NULL;
      if(!cause || strcmp(cause, answered ? "NORMAL_CLEARING" : "ORIGINATOR_CANCEL") ||
         !jstr(ev, "variable_sip_call_id"))
        st->bad = 1;
    }
  }
  cti_check_stories(format, &s, &esl_rows, &got);
  json_object_put(lines);
  free(s.v);
  cti_check_stats(&acd, stats_path, &got);
}

static void test_cti_esl_modesl_plain(void)
{
  cti_esl_run("plain");
}

static void test_cti_esl_modesl_json(void)
{
  cti_esl_run("json");
}

/* ---------- CSTA through the ECMA-323 client of acd_testlib ---------- */

static void test_cti_csta_ecma323_client(void)
{
  const char *dir = ctk_test_tmpdir("cti-csta");
  static const char *const fam[] = { "--cti", "csta", "--cti-port", "0", NULL };
  char stats_path[600];
  cti_plan plan, got;
  ctk_acd_proc acd;
  ctk_acd_cti_tally *tally;
  cti_stories s = { NULL, 0, 0 };
  unsigned i, frames;
  int fd;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  cti_plan_get(&plan);
  CU_ASSERT_EQUAL_FATAL(cti_start_acd(&acd, dir, fam, stats_path, sizeof(stats_path)), 0);
  fd = ctk_acd_test_cti_connect(acd.cti_port);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_EQUAL_FATAL(ctk_acd_test_cti_monitor(fd), 0);
  cti_drive(&acd, dir, &plan, &got);
  cti_check_sipp(&plan, &got);
  tally = calloc(1, sizeof(*tally));
  CU_ASSERT_PTR_NOT_NULL_FATAL(tally);
  frames = (unsigned)(5 * got.answered + 3 * got.abandoned + 4 * got.ring_cancel);
  ctk_acd_test_cti_read(fd, tally, frames, 20000);
  close(fd);
  CU_ASSERT_EQUAL(tally->bad_frames, 0);
  CU_ASSERT_EQUAL(tally->frames, frames);
  for(i = 0; i < tally->ncalls; i++) {
    cti_story *st = cti_story_of(&s, tally->calls[i].call_id);
    if(st)
      snprintf(st->seq, sizeof(st->seq), "%s", tally->calls[i].events);
  }
  cti_check_stories("csta", &s, &csta_rows, &got);
  free(s.v);
  free(tally);
  cti_check_stats(&acd, stats_path, &got);
}

void ctk_test_add_cti_interop(CU_pSuite s)
{
  CTK_TEST(s, test_cti_ami_asterisk_manager);
  CTK_TEST(s, test_cti_esl_modesl_plain);
  CTK_TEST(s, test_cti_esl_modesl_json);
  CTK_TEST(s, test_cti_csta_ecma323_client);
}
