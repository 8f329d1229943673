/* ctk_ct: the conformance-test framework of `ctk run`: the definition of one test, the
 * environment tests run in, verdict helpers, and the CUnit frame that runs the selection. */
#ifndef CTK_CT_H
#define CTK_CT_H

#include <stddef.h>
#include <stdio.h>

#include "ctk_http.h"
#include "ctk_msg.h"
#include "ctk_pics.h"
#include "ctk_pixit.h"
#include "ctk_profile.h"
#include "ctk_result.h"

struct ctk_roles;
struct ctk_ct;

typedef void (*ctk_ct_fn)(struct ctk_ct *t);

/* One conformance test. Each suite writes its tests' definitions with designated initializers
 * in a table at the end of its file, beside their code (docs/RUNNER.md, "Adding a test"). */
typedef struct ctk_ct_def {
  const char *id;              /* "J3.if-valid-1001" */
  const char *name;            /* for people */
  const char *part;            /* "jtt1019-1", "jtt1019-2", "jtt1019-3", or "pics" */
  const char *area;            /* CUnit suite the test runs in: "process", "interfaces"... */
  ctk_conf_class conf_class;
  const char *pics;            /* PICS condition; NULL = applies to every SUT (see RUNNER.md) */
  const char *requirements;    /* comma-separated requirement IDs the test checks */
  const char *needs;           /* comma-separated tags: "load", "tls", "peer", "outage"... */
  const char *sut;             /* "province", "city" or "any" */
  ctk_ct_fn fn;
} ctk_ct_def;

/* The registry: every conformance test in run order, which is the suites' tables
 * (ctk_ct_suites.h) in the order ctk_ct_registry.c lists them, each in its own order. */
size_t ctk_ct_count(void);
const ctk_ct_def *ctk_ct_at(size_t i);          /* NULL when i >= ctk_ct_count() */
const ctk_ct_def *ctk_ct_find(const char *id);

/* What a running test can reach. Filled by the runner before the first test. */
typedef struct ctk_ct_env {
  const ctk_profile *profile;
  const ctk_pics *pics;
  const ctk_pixit *pixit;
  struct ctk_roles *roles;     /* the counterpart roles the runner started (ctk_roles.h) */
  ctk_run *run;                /* result model */
  ctk_http_client *http;       /* the runner's own client (one thread) */
  char workdir[512];
  /* Set by the PICS self-check when a declared capability does not work, so the tests that
   * need it end inconc instead of failing for the same cause many times over. */
  char broken[512];            /* comma-separated PICS items found not to work */
  /* When set, one JSON line per finished test ({"n","total","id","verdict"}), flushed at
   * once: what the console shows live (ctk run --progress FILE). */
  FILE *progress_log;
} ctk_ct_env;

#define CTK_CT_DECLARED_MAX 16

/* A running test. */
typedef struct ctk_ct {
  ctk_ct_env *env;
  const ctk_ct_def *def;
  ctk_test_result *res;
  int final;                   /* a non-pass verdict was set: later verdicts are ignored */
  int passed;                  /* ctk_ct_pass was called */
  long long started_ms;
  long link_mark[2];           /* the SUT's links (ministry, city) as the test started */
  /* def->requirements split, on first use (ctk_ct_req.h) */
  char declared[CTK_CT_DECLARED_MAX][CTK_ID_MAX];
  size_t n_declared;
} ctk_ct;

/* ---- verdicts. The first non-pass verdict is final; pass counts only if nothing else was
 * set. A test that sets no verdict ends in error ("set no verdict"). ---- */
void ctk_ct_pass(ctk_ct *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fail because requirement req is not met; the reason starts with "[req] ". */
void ctk_ct_fail(ctk_ct *t, const char *req, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
/* The SUT did not answer in time: fail, slow side "sut". */
void ctk_ct_fail_timeout(ctk_ct *t, const char *req, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
void ctk_ct_inconc(ctk_ct *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctk_ct_skip(ctk_ct *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The tool's own fault (a reference role broke, a fixture is missing...); slow side "tool"
 * when tool_slow is set. */
void ctk_ct_error(ctk_ct *t, int tool_slow, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
/* 1 once a non-pass verdict was set (tests return early on it). */
int ctk_ct_done(const ctk_ct *t);

/* The files of dir whose names end in suffix, sorted, as malloc'd names in names[] (at most
 * max; free each). Returns how many, or -1 when dir cannot be opened. For the tests that walk
 * a catalogue of fixture files. */
long ctk_ct_list_files(const char *dir, const char *suffix, char **names, size_t max);

/* Record one exchange as evidence (direction from the tool's point of view). */
void ctk_ct_record(ctk_ct *t, ctk_xchg_dir dir, const char *peer, const char *iface,
                   double latency_ms, int http_status, const char *result_code,
                   const char *raw, size_t raw_len);

/* ---- running ---- */

typedef struct ctk_ct_plan_entry {
  const ctk_ct_def *def;
  int selected;                /* by --select and SUT role */
  int applicable;              /* PICS condition true */
  char skip_reason[256];       /* why not applicable */
} ctk_ct_plan_entry;

/* Decide for every test whether it runs. -1 on a bad --select or a registry condition that
 * does not parse (why says which). */
int ctk_ct_plan(const ctk_pics *pics, const char *sut_role, const char *select,
                ctk_ct_plan_entry *plan, char *why, size_t whylen);

/* Run the plan inside CUnit (one CU suite per area, one CU test per conformance test);
 * not-applicable tests are recorded as skip with their reason. progress: print "test n of m"
 * on stderr. Returns CTK_E_OK unless CUnit itself failed. */
ctk_code ctk_ct_run_plan(ctk_ct_env *env, ctk_ct_plan_entry *plan, int progress);

#endif
