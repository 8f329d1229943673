/* ctk_coverage: which conformance tests check each requirement of a profile, and the written
 * reason for every requirement no test checks (the profile's "how" or runner/uncovered.csv). */
#ifndef CTK_COVERAGE_H
#define CTK_COVERAGE_H

#include <stddef.h>
#include <stdio.h>

#include "ctk_profile.h"

#define CTK_COVERAGE_REASON_MAX 256

typedef struct ctk_coverage_row {
  const ctk_requirement *req;
  char tests[512];             /* comma-separated test ids; "" when none */
  char reason[CTK_COVERAGE_REASON_MAX]; /* why no test, when tests is "" */
  const char *reason_from;     /* "uncovered.csv", "profile", or NULL when there is none */
} ctk_coverage_row;

typedef struct ctk_coverage {
  ctk_coverage_row *rows;      /* one per requirement, profile order */
  size_t count;
  size_t by_tests;             /* requirements checked by at least one test */
  size_t by_reason;            /* not checked, with a written reason */
  size_t missing;              /* neither */
  char unknown[512];           /* requirement IDs named by tests but absent from the profile */
  size_t not_runnable;         /* (test, requirement) pairs left out: the test cannot run here */
} ctk_coverage;

struct ctk_ct_def;
/* 1 when the test can run under p: every requirement it names is p's, and when its PICS
 * condition names optional interfaces, p has one of them. Only such tests cover a requirement. */
int ctk_coverage_test_runs_under(const struct ctk_ct_def *d, const ctk_profile *p);

/* Build the coverage of p by the registry's tests that can run under p. uncovered_csv (columns id,reason; NULL or a missing
 * file = none) gives reasons. A profile "how" counts as a reason unless it claims a conformance
 * suite ("auto: jtt1019-..."), which a test must then back. err on a malformed CSV. */
ctk_code ctk_coverage_build(const ctk_profile *p, const char *uncovered_csv, ctk_coverage *out,
                            char *err, size_t errlen);
void ctk_coverage_free(ctk_coverage *c);
/* The table for people. */
void ctk_coverage_print(const ctk_coverage *c, int coverage_view, FILE *out);

#endif
