/* ctk_result: the result model of a conformance run (run identity, tests, verdicts, evidence).
 * The runner fills it; every report (JSON, JUnit, HTML, evidence bundle) is written from it. */
#ifndef CTK_RESULT_H
#define CTK_RESULT_H

#include <stddef.h>

#include "ctk_error.h"
#include "ctk_exit.h"

struct ctk_profile;

/* ---------- enumerations, with their names in reports ---------- */

typedef enum {
  CTK_VERDICT_PASS = 0,
  CTK_VERDICT_FAIL,
  CTK_VERDICT_INCONC,
  CTK_VERDICT_SKIP,
  CTK_VERDICT_ERROR,            /* the tool's own fault, not the SUT's */
  CTK_VERDICT__COUNT
} ctk_verdict;

/* "pass", "fail", "inconc", "skip", "error"; "?" when out of range. */
const char *ctk_verdict_name(ctk_verdict v);
/* Parses the names above (any case); -1 if unknown. */
int ctk_verdict_parse(const char *s);

typedef enum {
  CTK_CLASS_MANDATORY = 0,
  CTK_CLASS_OPTIONAL,
  CTK_CLASS__COUNT
} ctk_conf_class;

const char *ctk_conf_class_name(ctk_conf_class c); /* "mandatory", "optional" */
int ctk_conf_class_parse(const char *s);            /* -1 if unknown */

/* Whose side was slow when a test timed out. */
typedef enum {
  CTK_SLOW_NONE = 0,
  CTK_SLOW_SUT,
  CTK_SLOW_TOOL
} ctk_slow_side;

const char *ctk_slow_side_name(ctk_slow_side s);    /* "none", "sut", "tool" */
int ctk_slow_side_parse(const char *s);             /* -1 if unknown */

typedef enum {
  CTK_SUT_PROVINCE = 0,
  CTK_SUT_CITY,
  CTK_SUT_MINISTRY
} ctk_sut_kind;

const char *ctk_sut_kind_name(ctk_sut_kind k);      /* "province", "city", "ministry" */
int ctk_sut_kind_parse(const char *s);              /* -1 if unknown */

/* Direction of one exchanged message, seen from the tool. */
typedef enum {
  CTK_XCHG_OUT = 0,             /* tool -> SUT */
  CTK_XCHG_IN                   /* SUT -> tool */
} ctk_xchg_dir;

const char *ctk_xchg_dir_name(ctk_xchg_dir d);      /* "out", "in" */
int ctk_xchg_dir_parse(const char *s);              /* -1 if unknown */

/* ---------- limits: evidence is bounded, what does not fit is counted ---------- */

#define CTK_RESULT_RAW_MAX ((size_t)256 * 1024)   /* raw bytes kept per exchange */
#define CTK_RESULT_EXCHANGES_MAX 5000             /* exchanges kept per test */
#define CTK_RESULT_SERIES_MAX 16                  /* metric series per test */
#define CTK_RESULT_MEASURES_MAX 16                /* single measured values per test */
#define CTK_RESULT_SAMPLES_MAX 100000             /* values per series */
#define CTK_RESULT_TESTS_MAX 20000                /* tests per run */
#define CTK_RESULT_KV_MAX 256                     /* PICS or PIXIT entries */
#define CTK_RESULT_REQS_MAX 16                    /* requirement IDs per test */
#define CTK_RESULT_TIME_LEN 40                    /* "2026-11-29T13:00:00.123+08:00" + NUL */
#define CTK_RESULT_MASK "****"

/* ---------- model ---------- */

typedef struct ctk_kv {
  char *key;
  char *value;                  /* already masked when the key names a secret */
} ctk_kv;

typedef struct ctk_kvlist {
  ctk_kv *items;
  size_t count;
  size_t cap;
} ctk_kvlist;

typedef struct ctk_exchange {
  ctk_xchg_dir direction;
  char peer[128];               /* who the tool talked to: URL, "127.0.0.1:8080", role name */
  char interface_code[32];      /* "1001"; "" when unknown (e.g. unparseable) */
  char time[CTK_RESULT_TIME_LEN]; /* when it was sent or received, xs:dateTime */
  double latency_ms;            /* request -> answer; 0 for a one-way or unanswered message */
  int http_status;              /* 0 when none (no answer, or a request) */
  char result_code[32];         /* protocol result code of an answer, "" if none */
  char *raw;                    /* the bytes as text, NUL-terminated, at most RAW_MAX */
  size_t raw_len;               /* bytes kept */
  size_t raw_total;             /* bytes seen; > raw_len when truncated */
} ctk_exchange;

/* A named series of numbers for charts: latency samples, throughput per second...
 * step_s > 0 means value i was measured at i * step_s seconds after the test started. */
typedef struct ctk_series {
  char name[64];                /* "latency_ms", "throughput_per_s", ... */
  char unit[16];                /* "ms", "msg/s" */
  double step_s;
  double *values;
  size_t count;
  size_t cap;
  size_t dropped;               /* values beyond SAMPLES_MAX */
} ctk_series;

/* One value a test measured, for the reports: "achieved_rate" 24.8 "orders/s". */
typedef struct ctk_measure {
  char name[48];
  char unit[16];
  double value;
} ctk_measure;

typedef struct ctk_test_result {
  char id[64];                  /* "J1.local-case" */
  char name[256];               /* for people */
  char part[32];                /* suite/part: "jtt1019-1" */
  ctk_conf_class conf_class;
  char requirements[CTK_RESULT_REQS_MAX][32];
  size_t n_requirements;
  ctk_verdict verdict;          /* starts as CTK_VERDICT_INCONC until set */
  char reason[1024];            /* why this verdict; required for everything but pass */
  ctk_slow_side slow_side;
  char started[CTK_RESULT_TIME_LEN];
  double duration_ms;

  ctk_exchange *exchanges;
  size_t n_exchanges;
  size_t cap_exchanges;
  size_t dropped_exchanges;     /* exchanges beyond EXCHANGES_MAX */

  ctk_series series[CTK_RESULT_SERIES_MAX];
  size_t n_series;

  ctk_measure measures[CTK_RESULT_MEASURES_MAX];
  size_t n_measures;
} ctk_test_result;

typedef struct ctk_sut {
  ctk_sut_kind kind;
  char region[8];               /* 6-digit GB/T 2260 code ("660000" for the Corps) */
  char name[128];
  char endpoint[512];           /* base URL */
} ctk_sut;

typedef struct ctk_run {
  char tool_version[32];
  char tool_commit[64];
  char profile_name[96];
  char profile_version[32];
  char profile_provenance[32];  /* "baseline" (ours) or "official" */
  char profile_statement[1024]; /* what the provenance means; shown in every report */
  char profile_sha256[65];
  ctk_sut sut;
  ctk_kvlist pics;
  ctk_kvlist pixit;
  char started[CTK_RESULT_TIME_LEN];
  char finished[CTK_RESULT_TIME_LEN];
  char host[128];

  /* Pointers, so a ctk_test_result * stays valid while more tests are added. */
  ctk_test_result **tests;
  size_t n_tests;
  size_t cap_tests;
} ctk_run;

/* ---------- building a run ---------- */

/* A new empty run: tool version and commit filled, started = now, host = this host. */
ctk_code ctk_run_new(ctk_run **out);
void ctk_run_free(ctk_run *run);

/* Copy name, version, provenance, statement and sha256 from a loaded profile. */
void ctk_run_set_profile(ctk_run *run, const struct ctk_profile *p);
void ctk_run_set_sut(ctk_run *run, ctk_sut_kind kind, const char *region, const char *name,
                     const char *endpoint);
/* Add (or replace) a PICS / PIXIT entry. Values of secret keys (see ctk_result_key_is_secret)
 * are stored as "****": the secret never enters the model, so no report can leak it. */
ctk_code ctk_run_set_pics(ctk_run *run, const char *key, const char *value);
ctk_code ctk_run_set_pixit(ctk_run *run, const char *key, const char *value);
/* finished = now. */
void ctk_run_finish(ctk_run *run);

/* 1 when the key contains "secret", "password", "token" or "key" (any case). */
int ctk_result_key_is_secret(const char *key);
/* Value for key in list, NULL if absent. */
const char *ctk_kvlist_get(const ctk_kvlist *list, const char *key);

/* Add a test (verdict inconc, "not run" until set). *out stays valid until ctk_run_free.
 * Calls to ctk_run_add_test must not run concurrently; filling different tests may. */
ctk_code ctk_run_add_test(ctk_run *run, const char *id, const char *name, const char *part,
                          ctk_conf_class conf_class, ctk_test_result **out);
ctk_code ctk_test_add_requirement(ctk_test_result *t, const char *req_id);
/* Set the verdict and its reason (printf-style; NULL fmt = no reason). */
void ctk_test_set_verdict(ctk_test_result *t, ctk_verdict v, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
void ctk_test_set_timing(ctk_test_result *t, const char *started, double duration_ms);

/* Record one exchanged message; raw is copied (at most CTK_RESULT_RAW_MAX bytes). Beyond
 * CTK_RESULT_EXCHANGES_MAX exchanges the message is only counted (dropped_exchanges) and
 * CTK_E_OK is still returned: evidence limits never fail a test. time NULL = now. */
typedef struct ctk_exchange_info {
  ctk_xchg_dir direction;
  const char *peer;
  const char *interface_code;
  const char *time;
  double latency_ms;
  int http_status;
  const char *result_code;
  const char *raw;
  size_t raw_len;
} ctk_exchange_info;

ctk_code ctk_test_add_exchange(ctk_test_result *t, const ctk_exchange_info *info);

/* The series named name of this test, created when absent (unit and step_s set on creation).
 * NULL when the test already has CTK_RESULT_SERIES_MAX series. */
ctk_series *ctk_test_series(ctk_test_result *t, const char *name, const char *unit,
                            double step_s);
/* Append one value; beyond CTK_RESULT_SAMPLES_MAX only counted (dropped). */
ctk_code ctk_series_add(ctk_series *s, double value);

/* Set the measured value name (replacing an earlier one of that name); CTK_E_INVAL for no
 * name, CTK_E_TOOBIG beyond CTK_RESULT_MEASURES_MAX measures. */
ctk_code ctk_test_measure(ctk_test_result *t, const char *name, const char *unit, double value);

/* Test by id, NULL if absent. */
ctk_test_result *ctk_run_find_test(const ctk_run *run, const char *id);

/* ---------- summary and exit code ---------- */

typedef struct ctk_counts {
  size_t by_verdict[CTK_VERDICT__COUNT];
  size_t total;
} ctk_counts;

#define CTK_SUMMARY_PARTS_MAX 16

typedef struct ctk_part_counts {
  char part[32];
  ctk_counts counts;
} ctk_part_counts;

typedef struct ctk_summary {
  ctk_counts all;
  ctk_counts by_class[CTK_CLASS__COUNT];
  ctk_part_counts parts[CTK_SUMMARY_PARTS_MAX]; /* sorted by name: jtt1019-1, -2, -3 */
  size_t n_parts;
  size_t other_parts;          /* tests in parts beyond PARTS_MAX (counted in all only) */
  size_t exchanges;            /* exchanges kept over all tests */
} ctk_summary;

void ctk_run_summary(const ctk_run *run, ctk_summary *out);

/* Certifiable: at least one mandatory test, every mandatory test passed, no test failed. */
int ctk_run_certifiable(const ctk_run *run);

/* The run's exit status in the scheme of every command (ctk_exit.h): CTK_EXIT_FAIL if any test
 * failed; else CTK_EXIT_ERROR if any test is inconc/error or a mandatory test did not pass
 * (e.g. skipped); else CTK_EXIT_OK. CTK_EXIT_USAGE is the runner's own, before any test. */
int ctk_run_exit_code(const ctk_run *run);

/* Now as xs:dateTime with +08:00 offset and milliseconds. */
void ctk_result_now(char out[CTK_RESULT_TIME_LEN]);

#endif
