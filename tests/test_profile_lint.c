/* test_profile_lint: `ctk profile lint` on the baseline (clean) and on broken copies of it, one
 * per row of tests/data/profile-lint.csv: each must fail with the file, line and problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_csv.h"
#include "ctk_profile.h"
#include "ctk_test.h"

#define LINT_CASES "tests/data/profile-lint.csv"

static void test_lint_baseline_clean(void)
{
  char cmd[1024];
  char *out = NULL;
  snprintf(cmd, sizeof(cmd), "'%s' profile lint profiles/jtt1019-baseline 2>&1",
           ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "clean"));
  free(out);
}

/* Copy the baseline to dir, apply one sed edit to one file, lint it. */
static void lint_case(const char *name, const char *file, const char *sed, const char *expect)
{
  const char *dir = ctk_test_tmpdir("lint-case");
  char cmd[2048];
  char *out = NULL;
  int status;
  ctk_profile *p = NULL;
  char err[1024];

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "cp -r profiles/jtt1019-baseline/. '%s/' && sed -i '%s' '%s/%s'",
           dir, sed, dir, file);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  snprintf(cmd, sizeof(cmd), "'%s' profile lint '%s' 2>&1", ctk_test_ctk_bin(), dir);
  status = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(status, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  if(!strstr(out, expect)) {
    fprintf(stderr, "\nlint case %s: expected \"%s\" in:\n%s\n", name, expect, out);
    CU_FAIL("lint did not name the file, line and problem");
  }
  free(out);
  /* What lint finds, every command refuses: the loader fails too (except a requirement only
   * the tests use, which the loader cannot know of). */
  if(strcmp(file, "requirements.csv")) {
    CU_ASSERT_NOT_EQUAL(ctk_profile_load(dir, &p, err, sizeof(err)), CTK_E_OK);
    CU_ASSERT_PTR_NULL(p);
  }
}

static void test_lint_broken_copies(void)
{
  ctk_csv csv;
  static const char *const columns[] = { "case", "file", "sed", "expect" };
  int col[4];
  int n = 0;

  CU_ASSERT_EQUAL_FATAL(ctk_csv_open(&csv, LINT_CASES), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_csv_header(&csv, columns, 4, col), CTK_E_OK);
  while(ctk_csv_next(&csv) > 0) {
    lint_case(ctk_csv_field(&csv, col[0]), ctk_csv_field(&csv, col[1]),
              ctk_csv_field(&csv, col[2]), ctk_csv_field(&csv, col[3]));
    n++;
  }
  ctk_csv_close(&csv);
  CU_ASSERT(n >= 10);
}

/* Exit 3 for usage, as every command. */
static void test_lint_usage(void)
{
  char cmd[1024];
  snprintf(cmd, sizeof(cmd), "'%s' profile lint a b >/dev/null 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "'%s' profile nosuch >/dev/null 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
}

void ctk_test_add_profile_lint(CU_pSuite suite)
{
  CTK_TEST(suite, test_lint_baseline_clean);
  CTK_TEST(suite, test_lint_broken_copies);
  CTK_TEST(suite, test_lint_usage);
}
