/* test_fixtures: every sample message in fixtures/messages/ gives exactly what it promises:
 * files in valid/ validate clean; each file in invalid/ gives one problem whose result code,
 * requirement and (when named) location are those of its NAME.expect sidecar. The same holds
 * for the set `ctk profile fixtures` composes for the baseline. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_test.h"
#include "ctk_validate.h"

#define FIXTURES "fixtures/messages"

/* The folder holding valid/ and invalid/: the committed set, or a generated one; and the
 * profile its messages are written in. */
static const char *fixtures_root = FIXTURES;
static const ctk_profile *fixtures_profile;

static const ctk_profile *fx_profile(void)
{
  return fixtures_profile ? fixtures_profile : ctk_test_profile();
}

typedef struct expectation {
  char code[CTK_ID_MAX];
  char requirement[CTK_ID_MAX];
  char where[256];
} expectation;

/* "code=1003 requirement=J3-FMT-001 where=/Message/..." (where optional). */
static int read_expect(const char *path, expectation *e)
{
  char *text = ctk_test_read_file(path, NULL);
  char *save = NULL;
  char *tok;

  memset(e, 0, sizeof(*e));
  if(!text)
    return -1;
  for(tok = strtok_r(text, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
    if(!strncmp(tok, "code=", 5))
      ctk_strlcpy(e->code, tok + 5, sizeof(e->code));
    else if(!strncmp(tok, "requirement=", 12))
      ctk_strlcpy(e->requirement, tok + 12, sizeof(e->requirement));
    else if(!strncmp(tok, "where=", 6))
      ctk_strlcpy(e->where, tok + 6, sizeof(e->where));
  }
  free(text);
  return e->code[0] && e->requirement[0] ? 0 : -1;
}

static int ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s);
  size_t m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

/* Validate one file; returns the problems (count 0 when valid). -1 when unreadable. */
static int check_file(const char *path, ctk_problems *problems)
{
  size_t len = 0;
  char *data = ctk_test_read_file(path, &len);
  ctk_binding b = ends_with(path, ".soap.xml") ? CTK_BIND_SOAP : CTK_BIND_XML;

  if(!data)
    return -1;
  ctk_validate_bytes(fx_profile(), data, len, b, NULL, problems);
  free(data);
  return 0;
}

static void report_problems(const char *path, const ctk_problems *pr)
{
  size_t i;
  for(i = 0; i < pr->count; i++)
    fprintf(stderr, "\n  %s: %s at %s: %s [%s]", path, pr->items[i].code, pr->items[i].where,
            pr->items[i].text, pr->items[i].requirement);
}

/* Calls fn for each *.xml of folder; returns how many there were. */
static int each_fixture(const char *folder, void (*fn)(const char *path, const char *name))
{
  char dir[256];
  DIR *d;
  struct dirent *de;
  int n = 0;

  snprintf(dir, sizeof(dir), "%s/%s", fixtures_root, folder);
  d = opendir(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  de = readdir(d);
  while(de) {
    if(ends_with(de->d_name, ".xml")) {
      char path[600];
      snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
      fn(path, de->d_name);
      n++;
    }
    de = readdir(d);
  }
  closedir(d);
  return n;
}

static void check_valid(const char *path, const char *name)
{
  ctk_problems pr;
  (void)name;
  CU_ASSERT_EQUAL_FATAL(check_file(path, &pr), 0);
  if(pr.count)
    report_problems(path, &pr);
  CU_ASSERT_EQUAL(pr.count, 0);
}

static void check_invalid(const char *path, const char *name)
{
  char expect_path[600];
  expectation e;
  ctk_problems pr;
  int matches;

  (void)name;
  snprintf(expect_path, sizeof(expect_path), "%.*s.expect", (int)(strlen(path) - 4), path);
  CU_ASSERT_EQUAL_FATAL(read_expect(expect_path, &e), 0);
  CU_ASSERT_EQUAL_FATAL(check_file(path, &pr), 0);
  matches = pr.count == 1 && !strcmp(pr.items[0].code, e.code) &&
            !strcmp(pr.items[0].requirement, e.requirement) &&
            (!e.where[0] || !strcmp(pr.items[0].where, e.where));
  if(!matches) {
    fprintf(stderr, "\n  %s: expected code=%s requirement=%s where=%s, got:", path, e.code,
            e.requirement, e.where);
    report_problems(path, &pr);
  }
  CU_ASSERT(matches);
}

static void test_fixtures_valid_are_valid(void)
{
  CU_ASSERT_PTR_NOT_NULL_FATAL(fx_profile());
  CU_ASSERT(each_fixture("valid", check_valid) > 0);
}

static void test_fixtures_invalid_give_expected_problem(void)
{
  CU_ASSERT_PTR_NOT_NULL_FATAL(fx_profile());
  CU_ASSERT(each_fixture("invalid", check_invalid) > 0);
}

/* Coverage promised by fixtures/messages/README.md: per interface one valid, three invalid. */
static int per_interface[2][10000];

static void count_valid(const char *path, const char *name)
{
  (void)path;
  per_interface[0][atoi(name) % 10000]++;
}

static void count_invalid(const char *path, const char *name)
{
  (void)path;
  per_interface[1][atoi(name) % 10000]++;
}

static void test_fixtures_cover_every_interface(void)
{
  const ctk_profile *p = fx_profile();
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  memset(per_interface, 0, sizeof(per_interface));
  each_fixture("valid", count_valid);
  each_fixture("invalid", count_invalid);
  for(i = 0; i < p->n_interfaces; i++) {
    int code = atoi(p->interfaces[i].code) % 10000;
    if(per_interface[0][code] < 1 || per_interface[1][code] < 3)
      fprintf(stderr, "\n  interface %s: %d valid, %d invalid fixtures", p->interfaces[i].code,
              per_interface[0][code], per_interface[1][code]);
    CU_ASSERT(per_interface[0][code] >= 1);
    CU_ASSERT(per_interface[1][code] >= 3);
  }
}

/* `ctk profile fixtures` on a profile: everything it writes passes the real decoder and
 * validator of that profile (the same checks as the committed set), each invalid message at
 * the exact location its sidecar names, and covers every interface. */
static void generated_set(const char *profile_dir, const ctk_profile *p)
{
  const char *dir = ctk_test_tmpdir("generated-fixtures");
  char cmd[1024];
  char *out = NULL;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  snprintf(cmd, sizeof(cmd), "'%s' profile fixtures %s '%s' 2>&1", ctk_test_ctk_bin(),
           profile_dir, dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "invalid messages in"));
  free(out);
  fixtures_root = dir;
  fixtures_profile = p;
  test_fixtures_valid_are_valid();
  test_fixtures_invalid_give_expected_problem();
  test_fixtures_cover_every_interface();
  fixtures_root = FIXTURES;
  fixtures_profile = NULL;
}

static void test_fixtures_generated_baseline(void)
{
  generated_set("profiles/jtt1019-baseline", ctk_test_profile());
}

/* The second profile: every name, number and code spelt otherwise, the same promises. */
static void test_fixtures_generated_variant(void)
{
  ctk_profile *variant = ctk_test_load_profile("profiles/synthetic-variant");
  generated_set("profiles/synthetic-variant", variant);
  ctk_profile_free(variant);
}

/* The profile made apart from the kit's authors (non-numeric interface codes A01-A14). */
static void test_fixtures_generated_sample_b(void)
{
  ctk_profile *sample_b = ctk_test_load_profile("profiles/province-sample-b");
  generated_set("profiles/province-sample-b", sample_b);
  ctk_profile_free(sample_b);
}

void ctk_test_add_fixtures(CU_pSuite s)
{
  CTK_TEST(s, test_fixtures_valid_are_valid);
  CTK_TEST(s, test_fixtures_invalid_give_expected_problem);
  CTK_TEST(s, test_fixtures_cover_every_interface);
  CTK_TEST(s, test_fixtures_generated_baseline);
  CTK_TEST(s, test_fixtures_generated_variant);
  CTK_TEST(s, test_fixtures_generated_sample_b);
}
