/* test_profile_lint: `ctk profile lint` on the baseline and the synthetic variant (clean) and
 * on broken copies of them, one per row of tests/data/profile-lint.csv (the baseline) and
 * tests/data/profile-lint-variant.csv (the variant): each must fail with file, line, problem.
 * profiles/province-sample-b, made apart from the kit's authors, must lint clean too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_csv.h"
#include "ctk_profile.h"
#include "ctk_test.h"

#define LINT_CASES "tests/data/profile-lint.csv"
#define LINT_CASES_VARIANT "tests/data/profile-lint-variant.csv"
#define BASELINE "profiles/jtt1019-baseline"
#define VARIANT "profiles/synthetic-variant"
#define SAMPLE_B "profiles/province-sample-b"

static void lint_clean(const char *dir)
{
  char cmd[1024];
  char *out = NULL;
  snprintf(cmd, sizeof(cmd), "'%s' profile lint %s 2>&1", ctk_test_ctk_bin(), dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  if(!out || !strstr(out, "clean"))
    fprintf(stderr, "\n%s\n", out ? out : "(no output)");
  CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "clean"));
  free(out);
}

static void test_lint_baseline_clean(void)
{
  lint_clean(BASELINE);
}

static void test_lint_variant_clean(void)
{
  lint_clean(VARIANT);
}

/* The profile made apart from the kit's authors, from the documentation alone. */
static void test_lint_sample_b_clean(void)
{
  lint_clean(SAMPLE_B);
}

/* Copy profile to dir, apply one sed edit to one file, lint it. */
static void lint_case(const char *profile, const char *name, const char *file, const char *sed,
                      const char *expect)
{
  const char *dir = ctk_test_tmpdir("lint-case");
  char cmd[2048];
  char *out = NULL;
  int status;
  ctk_profile *p = NULL;
  char err[1024];

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "cp -r %s/. '%s/' && sed -i '%s' '%s/%s'", profile, dir, sed, dir,
           file);
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

/* Every row of cases: a broken copy of profile. Returns how many rows. */
static int lint_cases(const char *profile, const char *cases)
{
  ctk_csv csv;
  static const char *const columns[] = { "case", "file", "sed", "expect" };
  int col[4];
  int n = 0;

  CU_ASSERT_EQUAL_FATAL(ctk_csv_open(&csv, cases), CTK_E_OK);
  CU_ASSERT_EQUAL_FATAL(ctk_csv_header(&csv, columns, 4, col), CTK_E_OK);
  while(ctk_csv_next(&csv) > 0) {
    lint_case(profile, ctk_csv_field(&csv, col[0]), ctk_csv_field(&csv, col[1]),
              ctk_csv_field(&csv, col[2]), ctk_csv_field(&csv, col[3]));
    n++;
  }
  ctk_csv_close(&csv);
  return n;
}

static void test_lint_broken_copies(void)
{
  CU_ASSERT(lint_cases(BASELINE, LINT_CASES) >= 10);
}

static void test_lint_broken_variants(void)
{
  CU_ASSERT(lint_cases(VARIANT, LINT_CASES_VARIANT) >= 8);
}

/* docs/PROFILE.md's table of roles is what `ctk profile roles` prints from the role tables. */
static void test_roles_table_in_docs(void)
{
  static const char begin[] =
    "<!-- roles table: ctk profile roles " BASELINE " " VARIANT " -->\n";
  static const char end[] = "<!-- end of roles table -->";
  char cmd[1024];
  char *out = NULL;
  char *doc = ctk_test_read_file("docs/PROFILE.md", NULL);
  char *from;
  char *to;

  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  snprintf(cmd, sizeof(cmd), "'%s' profile roles " BASELINE " " VARIANT, ctk_test_ctk_bin());
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "| element | sender | always | Sender | FromNode |"));
  from = strstr(doc, begin);
  to = from ? strstr(from, end) : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(to);
  from += strlen(begin);
  *to = '\0';
  if(strcmp(from, out))
    fprintf(stderr, "\n  docs/PROFILE.md's table of roles is stale: paste `ctk profile roles "
            BASELINE " " VARIANT "` between its markers\n");
  CU_ASSERT_STRING_EQUAL(from, out);
  free(out);
  free(doc);
}

/* Exit 3 for usage, as every command. */
static void test_lint_usage(void)
{
  char cmd[1024];
  snprintf(cmd, sizeof(cmd), "'%s' profile lint a b >/dev/null 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "'%s' profile nosuch >/dev/null 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "'%s' profile fixtures " BASELINE " >/dev/null 2>&1",
           ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
}

void ctk_test_add_profile_lint(CU_pSuite suite)
{
  CTK_TEST(suite, test_lint_baseline_clean);
  CTK_TEST(suite, test_lint_variant_clean);
  CTK_TEST(suite, test_lint_sample_b_clean);
  CTK_TEST(suite, test_lint_broken_copies);
  CTK_TEST(suite, test_lint_broken_variants);
  CTK_TEST(suite, test_roles_table_in_docs);
  CTK_TEST(suite, test_lint_usage);
}
