/* ctk_console_runs: one `ctk run` child per run, a waiter thread per child, the run's folder as
 * the truth (pixit, progress.jsonl, run.log, results.json), the store for the list. */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_console_api.h"
#include "ctk_console_runs.h"
#include "ctk_file.h"
#include "ctk_json.h"
#include "ctk_pics.h"
#include "ctk_pixit.h"
#include "ctk_proc.h"
#include "ctk_province_faults.h"

#define RUN_FILE_MAX ((size_t)64 * 1024 * 1024)

typedef struct run_slot {
  int used;
  long long id;
  pid_t pid;
  int cancelled;
  pthread_t waiter;
  struct ctk_console_runs *owner;
} run_slot;

struct ctk_console_runs {
  ctk_console_store *store;
  const ctk_console_reqs *reqs;
  char data_dir[512];
  ctk_console_config cfg;
  pthread_mutex_t lock;
  run_slot slots[CTK_CONSOLE_RUNS_MAX];
  int sse_open;                /* events streams open now (under lock) */
};

ctk_code ctk_console_runs_new(ctk_console_store *store, const char *data_dir,
                              const ctk_console_config *cfg, const ctk_console_reqs *reqs,
                              ctk_console_runs **out, char *err, size_t errlen)
{
  ctk_console_runs *r = calloc(1, sizeof(*r));

  (void)err;
  (void)errlen;
  *out = NULL;
  if(!r)
    return CTK_E_NOMEM;
  r->store = store;
  r->reqs = reqs;
  ctk_strlcpy(r->data_dir, data_dir, sizeof(r->data_dir));
  r->cfg = *cfg;
  pthread_mutex_init(&r->lock, NULL);
  /* Runs the last process left running died with it (kill -9 included). */
  ctk_console_run_orphans(store);
  *out = r;
  return CTK_E_OK;
}

/* Wait until every waiter thread has let its slot go, or until the clock passes until_ms
 * (0: no limit). 1 when idle. */
static int runs_wait_idle(ctk_console_runs *r, long long until_ms)
{
  int i, any = 1;

  while(any) {
    any = 0;
    pthread_mutex_lock(&r->lock);
    for(i = 0; i < CTK_CONSOLE_RUNS_MAX; i++)
      any |= r->slots[i].used;
    pthread_mutex_unlock(&r->lock);
    if(!any || (until_ms && ctk_now_ms() >= until_ms))
      break;
    ctk_sleep_ms(50);
  }
  return !any;
}

void ctk_console_runs_free(ctk_console_runs *r)
{
  int i, any = 0;

  if(!r)
    return;
  pthread_mutex_lock(&r->lock);
  for(i = 0; i < CTK_CONSOLE_RUNS_MAX; i++)
    if(r->slots[i].used && r->slots[i].pid > 0) {
      r->slots[i].cancelled = 1;
      kill(-r->slots[i].pid, SIGTERM);
      any = 1;
    }
  pthread_mutex_unlock(&r->lock);
  if(any && !runs_wait_idle(r, ctk_now_ms() + 10000)) {
    pthread_mutex_lock(&r->lock);
    for(i = 0; i < CTK_CONSOLE_RUNS_MAX; i++)
      if(r->slots[i].used && r->slots[i].pid > 0)
        kill(-r->slots[i].pid, SIGKILL);
    pthread_mutex_unlock(&r->lock);
    runs_wait_idle(r, 0);
  }
  pthread_mutex_destroy(&r->lock);
  free(r);
}

/* A run row's folder, "" when it has none. */
static const char *run_dir(json_object *row)
{
  const char *dir = ctk_console_json_str(row, "dir");
  return dir ? dir : "";
}

/* The last line of a text file ("" when none): ctk run's summary line. */
static void last_line(const char *path, char *out, size_t outlen)
{
  ctk_buf b;
  char *end, *start;

  out[0] = '\0';
  ctk_buf_init(&b, RUN_FILE_MAX);
  if(!ctk_file_read(path, RUN_FILE_MAX, &b) && b.len) {
    end = b.data + b.len;
    while(end > b.data && (end[-1] == '\n' || end[-1] == '\r'))
      *--end = '\0';
    start = strrchr(b.data, '\n');
    ctk_strlcpy(out, start ? start + 1 : b.data, outlen);
  }
  ctk_buf_free(&b);
}

static void *waiter(void *arg)
{
  run_slot *slot = arg;
  ctk_console_runs *r = slot->owner;
  char dir[700], log[760], summary[512];
  const char *status;
  int wstatus = 0, code;
  json_object *row = NULL;

  while(waitpid(slot->pid, &wstatus, 0) < 0 && errno == EINTR)
    ;
  code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 2;
  status = slot->cancelled ? "cancelled"
           : code == 0     ? "passed"
           : code == 1     ? "failed"
           : code == 3     ? "refused"
                           : "inconclusive";
  if(!ctk_console_run_get(r->store, slot->id, &row)) {
    ctk_strlcpy(dir, run_dir(row), sizeof(dir));
    snprintf(log, sizeof(log), "%s/run.log", dir);
    last_line(log, summary, sizeof(summary));
    summary[strcspn(summary, ";")] = '\0'; /* not "; exit N; reports in DIR": no server paths */
    ctk_console_run_finish(r->store, slot->id, status, code, summary);
    json_object_put(row);
  }
  pthread_mutex_lock(&r->lock);
  slot->used = 0;
  slot->pid = 0;
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

/* The run's PIXIT: the registered one's text, or the self-test file's, with the chosen fault
 * put into its [sut] section. */
static ctk_code write_pixit(const ctk_console_runs *r, const char *text, const char *fault,
                           const char *path)
{
  ctk_buf in, out;
  const char *sut;
  ctk_code result = CTK_E_OK;

  ctk_buf_init(&in, RUN_FILE_MAX);
  ctk_buf_init(&out, RUN_FILE_MAX);
  if(text)
    result = ctk_buf_adds(&in, text);
  else
    result = ctk_file_read(r->cfg.pixit, RUN_FILE_MAX, &in);
  if(!result) {
    sut = strstr(ctk_buf_str(&in), "[sut]\n");
    if(fault && fault[0] && sut) {
      size_t head = (size_t)(sut - in.data) + strlen("[sut]\n");
      result = ctk_buf_add(&out, in.data, head);
      if(!result)
        result = ctk_buf_printf(&out, "fault = %s\n", fault);
      if(!result)
        result = ctk_buf_adds(&out, in.data + head);
    }
    else
      result = ctk_buf_add(&out, in.data, in.len);
  }
  if(!result)
    result = ctk_file_write_atomic(path, out.data, out.len, 0600);
  ctk_buf_free(&in);
  ctk_buf_free(&out);
  return result;
}

/* ctk run on the run folder's pixit.conf with pics (a path), as role. */
static pid_t spawn(const ctk_console_runs *r, const char *dir, const char *pics, const char *role,
                   const char *select)
{
  char pixit[760], out[760], progress[760], log[760];
  char *argv[24];
  int argc = 0;
  pid_t pid;

  snprintf(pixit, sizeof(pixit), "%s/pixit.conf", dir);
  snprintf(out, sizeof(out), "%s/results", dir);
  snprintf(progress, sizeof(progress), "%s/progress.jsonl", dir);
  snprintf(log, sizeof(log), "%s/run.log", dir);
  argv[argc++] = (char *)r->cfg.ctk_bin;
  argv[argc++] = "run";
  argv[argc++] = "--sut";
  argv[argc++] = (char *)role;
  argv[argc++] = "--pics";
  argv[argc++] = (char *)pics;
  argv[argc++] = "--pixit";
  argv[argc++] = pixit;
  argv[argc++] = "--out";
  argv[argc++] = out;
  argv[argc++] = "--progress";
  argv[argc++] = progress;
  argv[argc++] = "--quiet";
  argv[argc++] = "--lang";
  argv[argc++] = (char *)(r->cfg.lang ? r->cfg.lang : "zh-CN");
  if(select && select[0]) {
    argv[argc++] = "--select";
    argv[argc++] = (char *)select;
  }
  if(r->cfg.profile) {
    argv[argc++] = "--profile";
    argv[argc++] = (char *)r->cfg.profile;
  }
  argv[argc] = NULL;
  pid = fork();
  if(pid == 0) {
    FILE *f;
    setpgid(0, 0);
    /* the console blocks its stop signals for sigwait: a run must feel the cancel's SIGTERM */
    ctk_proc_child_reset_signals();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    f = freopen(log, "a", stdout);
    if(f)
      dup2(fileno(stdout), STDERR_FILENO);
    execv(argv[0], argv);
    _exit(127);
  }
  if(pid > 0)
    setpgid(pid, pid);
  return pid;
}

/* The run's files: pixit.conf (and pics.conf for a registered system) in dir. */
static ctk_code run_files(const ctk_console_runs *r, json_object *sut, const char *fault,
                          const char *dir, char *pics, size_t picslen)
{
  char pixit[760];
  const char *pics_text = sut ? ctk_console_json_str(sut, "pics") : NULL;
  ctk_code result;

  snprintf(pixit, sizeof(pixit), "%s/pixit.conf", dir);
  if(mkdir(dir, 0700) != 0)
    return CTK_E_IO;
  result = write_pixit(r, sut ? ctk_console_json_str(sut, "pixit") : NULL, fault, pixit);
  if(result || !pics_text) {
    ctk_strlcpy(pics, r->cfg.pics ? r->cfg.pics : "", picslen);
    return result;
  }
  snprintf(pics, picslen, "%s/pics.conf", dir);
  return ctk_file_write_atomic(pics, pics_text, strlen(pics_text), 0600);
}

/* POST /api/runs {"sut_id" (a registered system; none: the self-test), "fault", "select"}. */
static int runs_start(ctk_console_runs *r, const ctk_console_user *u,
                      const ctk_http_request *req, ctk_http_response *resp)
{
  json_object *body = req->body_len ? json_tokener_parse(req->body) : NULL, *sut = NULL;
  json_object *row = NULL, *v;
  const char *fault = ctk_console_json_str(body, "fault");
  const char *select = ctk_console_json_str(body, "select");
  const char *region = u->region; /* "" for the centre's own runs, which provinces do not see */
  const char *sut_name = "self-test", *role = "province", *error = NULL;
  char dir[700], pics[760], stamp[32], rnd[CTK_CONSOLE_TOKEN_HEX], target[32], addr[64];
  run_slot *slot = NULL;
  long long id = 0;
  int i, status = 201;

  if(body && json_object_object_get_ex(body, "sut_id", &v) && json_object_get_int64(v) > 0) {
    if(ctk_console_sut_get(r->store, json_object_get_int64(v), &sut) ||
       !ctk_console_may_run(u->role, u->region, ctk_console_json_str(sut, "region"))) {
      status = 404;
      error = "err.not_found";
      goto done;
    }
    region = ctk_console_json_str(sut, "region");
    sut_name = ctk_console_json_str(sut, "name");
    role = ctk_console_json_str(sut, "role");
  }
  if(!r->cfg.ctk_bin || !r->cfg.pics || !r->cfg.pixit) {
    status = 503;
    error = "err.runs_off";
  }
  else if(fault && fault[0] && ctk_province_fault_parse(fault) < 0) {
    status = 400;
    error = "err.bad_fault";
  }
  else if(select && (strlen(select) > 200 || strchr(select, '\n'))) {
    status = 400;
    error = "err.bad_request";
  }
  if(error)
    goto done;
  pthread_mutex_lock(&r->lock);
  for(i = 0; i < CTK_CONSOLE_RUNS_MAX && !slot; i++)
    if(!r->slots[i].used) {
      slot = &r->slots[i];
      slot->used = 1;
      slot->pid = 0;
      slot->cancelled = 0;
    }
  pthread_mutex_unlock(&r->lock);
  if(!slot) {
    status = 429;
    error = "err.busy";
    goto done;
  }
  ctk_console_token(rnd);
  rnd[12] = '\0';
  snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
  snprintf(dir, sizeof(dir), "%s/runs/%s-%s", r->data_dir, stamp, rnd);
  if(run_files(r, sut, fault, dir, pics, sizeof(pics)) ||
     ctk_console_run_add(r->store, region, u->name, sut_name, fault ? fault : "", dir, &id)) {
    slot->used = 0;
    status = 500;
    error = "err.internal";
    goto done;
  }
  slot->id = id;
  slot->owner = r;
  slot->pid = spawn(r, dir, pics, role, select);
  if(slot->pid <= 0 || pthread_create(&slot->waiter, NULL, waiter, slot) != 0) {
    ctk_console_run_finish(r->store, id, "inconclusive", 2, "could not start ctk run");
    slot->used = 0;
  }
  else
    pthread_detach(slot->waiter);
  snprintf(target, sizeof(target), "run %lld", id);
  ctk_console_peer(req, addr, sizeof(addr));
  ctk_console_audit(r->store, u->name, region, "run.start", target, fault, addr);
  if(ctk_console_run_get(r->store, id, &row)) {
    status = 500;
    error = "err.internal";
  }
done:
  if(error)
    i = ctk_console_reply_error(resp, status, error, fault && status == 400 ? fault : NULL);
  else {
    json_object_object_del(row, "dir");
    i = ctk_console_reply(resp, status, row);
  }
  json_object_put(sut); /* after the answer: fault and region point into these */
  json_object_put(body);
  return i;
}

/* The province a system's PIXIT names: its sut.region's first two digits and "0000". */
static void province_of(const char *region, char out[8])
{
  snprintf(out, 8, "%.2s0000", region);
}

/* The "section.key" written on line (1-based) of a PICS or PIXIT text, "" when that line holds
 * no key: where the parser's "NAME:LINE: ..." points, so the page can show it by its field. */
static void key_on_line(const char *text, long line, char *out, size_t outlen)
{
  char section[64] = "";
  long n = 1;
  const char *p = text;

  out[0] = '\0';
  while(p && *p && n <= line) {
    const char *end = strchr(p, '\n'), *q = p;
    size_t len = end ? (size_t)(end - p) : strlen(p), k;
    while(q < p + len && (*q == ' ' || *q == '\t'))
      q++;
    if(*q == '[') {
      k = strcspn(q + 1, "]\n");
      snprintf(section, sizeof(section), "%.*s", (int)k, q + 1);
    }
    else if(n == line && *q && *q != '#' && *q != ';') {
      k = strcspn(q, "= \t\n");
      snprintf(out, outlen, "%s%s%.*s", section, section[0] ? "." : "", (int)k, q);
      for(k = 0; out[k]; k++)
        out[k] = (char)(out[k] >= 'A' && out[k] <= 'Z' ? out[k] - 'A' + 'a' : out[k]);
    }
    p = end ? end + 1 : NULL;
    n++;
  }
}

/* The field a parser's "NAME:LINE: problem" names: the key on that line of text. */
static void field_of(const char *err, const char *text, char *out, size_t outlen)
{
  const char *colon = strchr(err, ':');
  long line = colon ? strtol(colon + 1, NULL, 10) : 0;

  out[0] = '\0';
  if(line > 0 && text)
    key_on_line(text, line, out, outlen);
}

/* GET /api/runs/form: what the PICS and PIXIT forms ask, from the runner's own tables:
 * {"pics": [{"key", "type": "bool"|"choice", "choices"}], "pixit": [{"key", "type", ...}]}.
 * The page labels each with the catalogue's pics.item.KEY and pixit.param.KEY. */
static int runs_form(ctk_http_response *resp)
{
  static const char *const kinds[] = { "text", "number", "choice" };
  char items[CTK_PICS_FORM_ITEMS_MAX][CTK_KVFILE_KEY_MAX];
  json_object *o = json_object_new_object(), *pics = json_object_new_array();
  json_object *pixit = json_object_new_array(), *f;
  const ctk_pixit_param *params;
  size_t i, n;

  f = json_object_new_object();
  json_object_object_add(f, "key", json_object_new_string("sut.role"));
  json_object_object_add(f, "type", json_object_new_string("choice"));
  json_object_object_add(f, "choices", json_object_new_string(ctk_pics_sut_role_choices()));
  json_object_array_add(pics, f);
  n = ctk_pics_form_items(items, CTK_PICS_FORM_ITEMS_MAX);
  for(i = 0; i < n && i < CTK_PICS_FORM_ITEMS_MAX; i++) {
    f = json_object_new_object();
    json_object_object_add(f, "key", json_object_new_string(items[i]));
    json_object_object_add(f, "type", json_object_new_string("bool"));
    json_object_array_add(pics, f);
  }
  params = ctk_pixit_params(&n);
  for(i = 0; i < n; i++) {
    f = json_object_new_object();
    json_object_object_add(f, "key", json_object_new_string(params[i].key));
    json_object_object_add(f, "type", json_object_new_string(kinds[params[i].kind]));
    if(params[i].choices)
      json_object_object_add(f, "choices", json_object_new_string(params[i].choices));
    json_object_array_add(pixit, f);
  }
  json_object_object_add(o, "pics", pics);
  json_object_object_add(o, "pixit", pixit);
  return ctk_console_reply(resp, 200, o);
}

/* POST /api/runs/suts {"name", "pics", "pixit"}: checked as ctk run checks them, then saved.
 * A refusal names the field: {"error", "detail": "PIXIT:LINE: ...", "field": "sut.region"}. */
static int suts_save(ctk_console_runs *r, const ctk_console_user *u, const ctk_http_request *req,
                     ctk_http_response *resp)
{
  json_object *body = req->body_len ? json_tokener_parse(req->body) : NULL, *row;
  const char *name = ctk_console_json_str(body, "name");
  const char *pics_text = ctk_console_json_str(body, "pics");
  const char *pixit_text = ctk_console_json_str(body, "pixit");
  ctk_pics *pics = calloc(1, sizeof(*pics));
  ctk_pixit *pixit = calloc(1, sizeof(*pixit));
  char err[512], province[8], addr[64], target[96], field[96];
  const char *error = NULL;
  int status = 201;
  long long id = 0;

  err[0] = '\0';
  field[0] = '\0';
  if(!pics || !pixit) {
    status = 500;
    error = "err.internal";
  }
  else if(!ctk_console_name_ok(name) || !pics_text || !pixit_text) {
    status = 400;
    error = "err.bad_request";
  }
  else if(ctk_pics_parse("PICS", pics_text, pics, err, sizeof(err))) {
    status = 400;
    error = "err.pics";
    field_of(err, pics_text, field, sizeof(field));
  }
  else if(ctk_pixit_parse("PIXIT", pixit_text, pixit, err, sizeof(err))) {
    status = 400;
    error = "err.pixit";
    field_of(err, pixit_text, field, sizeof(field));
  }
  if(!error) {
    province_of(pixit->sut_region, province);
    if(!ctk_console_may_run(u->role, u->region, province)) {
      status = 403;
      error = "err.forbidden";
    }
    else if(ctk_console_sut_save(r->store, province, name, pixit->sut_role, pics_text,
                                 pixit_text, u->name, &id) || ctk_console_sut_get(r->store, id,
                                                                                  &row)) {
      status = 500;
      error = "err.internal";
    }
  }
  free(pics);
  free(pixit);
  if(!error) {
    snprintf(target, sizeof(target), "sut %s", name);
    ctk_console_peer(req, addr, sizeof(addr));
    ctk_console_audit(r->store, u->name, province, "sut.save", target, NULL, addr);
  }
  json_object_put(body); /* name and the texts point into it */
  if(error) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(error));
    if(err[0])
      json_object_object_add(o, "detail", json_object_new_string(err));
    if(field[0])
      json_object_object_add(o, "field", json_object_new_string(field));
    return ctk_console_reply(resp, status, o);
  }
  return ctk_console_reply(resp, status, row);
}

/* The self-test's PICS and PIXIT as text: what a new registration starts from. */
static int suts_template(ctk_console_runs *r, ctk_http_response *resp)
{
  ctk_buf pics, pixit;
  json_object *o = json_object_new_object();

  ctk_buf_init(&pics, RUN_FILE_MAX);
  ctk_buf_init(&pixit, RUN_FILE_MAX);
  if(r->cfg.pics && !ctk_file_read(r->cfg.pics, RUN_FILE_MAX, &pics))
    json_object_object_add(o, "pics", json_object_new_string(ctk_buf_str(&pics)));
  if(r->cfg.pixit && !ctk_file_read(r->cfg.pixit, RUN_FILE_MAX, &pixit))
    json_object_object_add(o, "pixit", json_object_new_string(ctk_buf_str(&pixit)));
  ctk_buf_free(&pics);
  ctk_buf_free(&pixit);
  return ctk_console_reply(resp, 200, o);
}

/* The run, when this account may see it. */
static json_object *visible_run(ctk_console_runs *r, const ctk_console_user *u, long long id)
{
  json_object *row;

  if(ctk_console_run_get(r->store, id, &row))
    return NULL;
  if(ctk_console_may_see(u->role, u->region, ctk_console_json_str(row, "region")))
    return row;
  json_object_put(row);
  return NULL;
}

/* The progress lines of a run folder as a JSON array. */
static json_object *progress_of(const char *dir)
{
  char path[760];
  ctk_buf b;
  json_object *lines = json_object_new_array();
  char *line, *next;

  snprintf(path, sizeof(path), "%s/progress.jsonl", dir);
  ctk_buf_init(&b, RUN_FILE_MAX);
  if(!ctk_file_read(path, RUN_FILE_MAX, &b) && b.len) {
    for(line = b.data; line && *line; line = next) {
      json_object *o;
      next = strchr(line, '\n');
      if(!next)
        break; /* a line still being written */
      *next++ = '\0';
      o = json_tokener_parse(line);
      if(o)
        json_object_array_add(lines, o);
    }
  }
  ctk_buf_free(&b);
  return lines;
}

/* Verdict of every test of a run's results.json: {"ID": "pass", ...}; NULL when none. */
static json_object *results_of(const char *dir)
{
  char path[760];

  snprintf(path, sizeof(path), "%s/results/results.json", dir);
  return json_object_from_file(path);
}

static json_object *verdicts(json_object *results)
{
  json_object *tests, *map = json_object_new_object();
  size_t i;

  if(results && json_object_object_get_ex(results, "tests", &tests))
    for(i = 0; i < json_object_array_length(tests); i++) {
      json_object *t = json_object_array_get_idx(tests, i);
      const char *id = ctk_console_json_str(t, "id"), *v = ctk_console_json_str(t, "verdict");
      if(id && v)
        json_object_object_add(map, id, json_object_new_string(v));
    }
  return map;
}

/* Newly failing and fixed tests against the previous finished run of the same province. */
static json_object *compare(ctk_console_runs *r, json_object *row, json_object *results)
{
  json_object *list = NULL, *o = json_object_new_object(), *prev_results, *now, *before;
  json_object *worse = json_object_new_array(), *fixed = json_object_new_array(), *v;
  long long id = 0, prev = 0;
  size_t i;

  json_object_object_add(o, "newly_failing", worse);
  json_object_object_add(o, "fixed", fixed);
  if(json_object_object_get_ex(row, "id", &v))
    id = json_object_get_int64(v);
  if(!results || ctk_console_run_list(r->store, ctk_console_json_str(row, "region"), &list))
    return o;
  for(i = 0; i < json_object_array_length(list) && !prev; i++) {
    json_object *x = json_object_array_get_idx(list, i);
    const char *st = ctk_console_json_str(x, "status");
    const char *xr = ctk_console_json_str(x, "region"), *rr = ctk_console_json_str(row, "region");
    if(json_object_object_get_ex(x, "id", &v) && json_object_get_int64(v) < id && st &&
       strcmp(st, "running") && strcmp(st, "cancelled") && xr && rr && !strcmp(xr, rr)) {
      prev = json_object_get_int64(v);
      prev_results = results_of(ctk_console_json_str(x, "dir"));
      if(!prev_results) {
        prev = 0;
        continue;
      }
      json_object_object_add(o, "previous", json_object_new_int64(prev));
      now = verdicts(results);
      before = verdicts(prev_results);
      json_object_object_foreach(now, tid, tv) {
        json_object *bv;
        const char *a = json_object_get_string(tv);
        const char *b = json_object_object_get_ex(before, tid, &bv) ? json_object_get_string(bv)
                                                                    : NULL;
        int bad_now = !strcmp(a, "fail") || !strcmp(a, "error");
        int bad_before = b && (!strcmp(b, "fail") || !strcmp(b, "error"));
        if(bad_now && b && !bad_before)
          json_object_array_add(worse, json_object_new_string(tid));
        if(!bad_now && bad_before)
          json_object_array_add(fixed, json_object_new_string(tid));
      }
      json_object_put(now);
      json_object_put(before);
      json_object_put(prev_results);
    }
  }
  json_object_put(list);
  return o;
}

/* Each test's requirements with their text: {"id", "text"} in "requirement_texts". */
static void add_requirement_texts(const ctk_console_runs *r, json_object *tests)
{
  size_t i, k;

  for(i = 0; i < json_object_array_length(tests); i++) {
    json_object *t = json_object_array_get_idx(tests, i), *ids, *texts;
    if(!json_object_object_get_ex(t, "requirements", &ids))
      continue;
    texts = json_object_new_array();
    for(k = 0; k < json_object_array_length(ids); k++) {
      const char *id = json_object_get_string(json_object_array_get_idx(ids, k));
      const char *text = ctk_console_reqs_text(r->reqs, id);
      json_object *q = json_object_new_object();
      json_object_object_add(q, "id", json_object_new_string(id ? id : ""));
      json_object_object_add(q, "text", json_object_new_string(text ? text : ""));
      json_object_array_add(texts, q);
    }
    json_object_object_add(t, "requirement_texts", texts);
  }
}

static int runs_get(ctk_console_runs *r, json_object *row, ctk_http_response *resp)
{
  const char *dir = ctk_console_json_str(row, "dir");
  json_object *results = dir ? results_of(dir) : NULL, *tests;

  json_object_object_add(row, "progress", progress_of(dir ? dir : ""));
  json_object_object_add(row, "compare", compare(r, row, results));
  if(results && json_object_object_get_ex(results, "tests", &tests)) {
    add_requirement_texts(r, tests);
    json_object_object_add(row, "tests", json_object_get(tests));
  }
  json_object_put(results);
  json_object_object_del(row, "dir");
  return ctk_console_reply(resp, 200, row);
}

/* One events stream: the run's progress lines after `sent`, then an end event. */
typedef struct sse_stream {
  ctk_console_runs *r;
  long long id;
  char dir[700];
  long sent;                   /* progress lines sent (the last event id) */
  long long until_ms;          /* the stream's end of life */
  long long quiet_since_ms;    /* when the stream last wrote */
  int over;                    /* the end event is written */
  ctk_buf out;                 /* written, not yet sent */
  size_t out_pos;
} sse_stream;

static void sse_free(void *arg)
{
  sse_stream *st = arg;

  pthread_mutex_lock(&st->r->lock);
  st->r->sse_open--;
  pthread_mutex_unlock(&st->r->lock);
  ctk_buf_free(&st->out);
  free(st);
}

/* What is new since the last call: one "test" event per finished test, in order (the id is
 * its line in progress.jsonl, so a browser asking again with Last-Event-ID misses none), and
 * "end" once the run is over and every line is out. */
static void sse_news(sse_stream *st)
{
  json_object *lines, *row = NULL;
  const char *status;
  size_t i, n;
  int running = 0;

  /* the status first: a run seen over has written every line it ever will */
  if(!ctk_console_run_get(st->r->store, st->id, &row)) {
    status = ctk_console_json_str(row, "status");
    running = status && !strcmp(status, "running");
  }
  lines = progress_of(st->dir);
  n = json_object_array_length(lines);
  for(i = (size_t)st->sent; i < n; i++) {
    json_object *p = json_object_array_get_idx(lines, i);
    ctk_buf_printf(&st->out, "id: %zu\nevent: test\ndata: %s\n\n", i + 1,
                   json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
  }
  st->sent = (long)n;
  json_object_put(lines);
  if(!running) {
    status = row ? ctk_console_json_str(row, "status") : NULL;
    ctk_buf_printf(&st->out, "event: end\ndata: {\"status\":\"%s\"}\n\n",
                   status ? status : "gone");
    st->over = 1;
  }
  json_object_put(row);
}

/* ctk_http_stream_fn: the next bytes, 0 while nothing is new, -1 at the end. */
static long sse_read(void *arg, char *buf, size_t max)
{
  sse_stream *st = arg;
  size_t n;

  if(st->out_pos >= st->out.len) {
    ctk_buf_reset(&st->out);
    st->out_pos = 0;
    if(st->over || ctk_now_ms() >= st->until_ms)
      return -1;               /* over, or lived long enough: EventSource asks again */
    sse_news(st);
    /* a comment now and then: a browser that went away is noticed when it fails, and its
     * place among the streams is freed, rather than held until the run ends */
    if(!st->out.len && ctk_now_ms() - st->quiet_since_ms >= CTK_CONSOLE_SSE_HEARTBEAT_MS)
      ctk_buf_adds(&st->out, ":\n\n");
    if(!st->out.len)
      return 0;
    st->quiet_since_ms = ctk_now_ms();
  }
  n = st->out.len - st->out_pos;
  if(n > max)
    n = max;
  memcpy(buf, st->out.data + st->out_pos, n);
  st->out_pos += n;
  return (long)n;
}

/* GET /api/runs/ID/events: the run's progress as one Server-Sent Events stream, held open
 * (ctk_http's streamed answer: waiting costs no worker) until the run is over, from the line
 * after Last-Event-ID (or ?from=N). At most CTK_CONSOLE_SSE_STREAMS_MAX at once (429 past
 * it), each at most CTK_CONSOLE_SSE_LIFETIME_MS. */
static int runs_events(ctk_console_runs *r, long long id, const ctk_http_request *req,
                       json_object *row, ctk_http_response *resp)
{
  const char *last = ctk_http_request_header(req, "Last-Event-ID");
  const char *from = strstr(req->query ? req->query : "", "from=");
  sse_stream *st;
  int room;

  pthread_mutex_lock(&r->lock);
  room = r->sse_open < CTK_CONSOLE_SSE_STREAMS_MAX;
  if(room)
    r->sse_open++;
  pthread_mutex_unlock(&r->lock);
  if(!room)
    return ctk_console_reply_error(resp, 429, "err.busy", NULL);
  st = calloc(1, sizeof(*st));
  if(!st) {
    pthread_mutex_lock(&r->lock);
    r->sse_open--;
    pthread_mutex_unlock(&r->lock);
    return ctk_console_reply_error(resp, 500, "err.internal", NULL);
  }
  st->r = r;
  st->id = id;
  ctk_strlcpy(st->dir, run_dir(row), sizeof(st->dir));
  st->sent = last ? atol(last) : from ? atol(from + 5) : 0;
  if(st->sent < 0)
    st->sent = 0;
  st->until_ms = ctk_now_ms() + CTK_CONSOLE_SSE_LIFETIME_MS;
  st->quiet_since_ms = ctk_now_ms();
  ctk_buf_init(&st->out, RUN_FILE_MAX);
  ctk_buf_adds(&st->out, "retry: 1000\n\n");
  resp->status = 200;
  ctk_strlcpy(resp->content_type, "text/event-stream; charset=UTF-8",
              sizeof(resp->content_type));
  ctk_http_response_add_header(resp, "Cache-Control", "no-store");
  resp->stream = sse_read;
  resp->stream_free = sse_free;
  resp->stream_arg = st;
  return 0;
}

static int runs_cancel(ctk_console_runs *r, const ctk_console_user *u, long long id,
                       const ctk_http_request *req, ctk_http_response *resp)
{
  int i, found = 0;
  char target[32], addr[64];

  pthread_mutex_lock(&r->lock);
  for(i = 0; i < CTK_CONSOLE_RUNS_MAX; i++)
    if(r->slots[i].used && r->slots[i].id == id && r->slots[i].pid > 0) {
      r->slots[i].cancelled = 1;
      kill(-r->slots[i].pid, SIGTERM);
      found = 1;
    }
  pthread_mutex_unlock(&r->lock);
  if(!found)
    return ctk_console_reply_error(resp, 409, "err.not_running", NULL);
  snprintf(target, sizeof(target), "run %lld", id);
  ctk_console_peer(req, addr, sizeof(addr));
  ctk_console_audit(r->store, u->name, u->region, "run.cancel", target, NULL, addr);
  return ctk_console_reply(resp, 202, json_object_new_object());
}

static int runs_faults(ctk_http_response *resp)
{
  json_object *list = json_object_new_array();
  int i;

  for(i = 0; i < CTK_PF__COUNT; i++)
    json_object_array_add(list, json_object_new_string(
                                  ctk_province_fault_get((ctk_province_fault)i)->name));
  return ctk_console_reply(resp, 200, list);
}

int ctk_console_runs_api(ctk_console_runs *r, const ctk_console_user *u,
                         const ctk_http_request *req, ctk_http_response *resp)
{
  const char *rest = req->path + strlen("/api/runs");
  json_object *row;
  char *end;
  long long id;

  if(!*rest) {
    if(!strcmp(req->method, "POST"))
      return runs_start(r, u, req, resp);
    size_t i;
    if(ctk_console_run_list(r->store, u->role == CTK_CONSOLE_PROVINCE ? u->region : "", &row))
      return ctk_console_reply_error(resp, 500, "err.internal", NULL);
    for(i = 0; i < json_object_array_length(row); i++)
      json_object_object_del(json_object_array_get_idx(row, i), "dir");
    return ctk_console_reply(resp, 200, row);
  }
  if(!strcmp(rest, "/faults"))
    return runs_faults(resp);
  if(!strcmp(rest, "/template"))
    return suts_template(r, resp);
  if(!strcmp(rest, "/form"))
    return runs_form(resp);
  if(!strcmp(rest, "/suts")) {
    if(!strcmp(req->method, "POST"))
      return suts_save(r, u, req, resp);
    if(ctk_console_sut_list(r->store, u->role == CTK_CONSOLE_PROVINCE ? u->region : "", &row))
      return ctk_console_reply_error(resp, 500, "err.internal", NULL);
    return ctk_console_reply(resp, 200, row);
  }
  id = strtoll(rest + 1, &end, 10);
  if(rest[0] != '/' || id <= 0)
    return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
  row = visible_run(r, u, id);
  if(!row)
    return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
  if(!*end && !strcmp(req->method, "GET"))
    return runs_get(r, row, resp);
  if(!strcmp(end, "/events") && !strcmp(req->method, "GET")) {
    int rc = runs_events(r, id, req, row, resp);
    json_object_put(row);
    return rc;
  }
  json_object_put(row);
  if(!strcmp(end, "/cancel") && !strcmp(req->method, "POST"))
    return runs_cancel(r, u, id, req, resp);
  return ctk_console_reply_error(resp, 404, "err.not_found", NULL);
}
