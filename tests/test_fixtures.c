/* test_fixtures: every sample message in fixtures/messages/ gives exactly what it promises:
 * files in valid/ validate clean; each file in invalid/ gives one problem whose result code,
 * requirement and (when named) location are those of its NAME.expect sidecar. The same holds
 * for the set `ctk profile fixtures` composes for the baseline and for the synthetic variant,
 * read in-process and by `ctk validate --profile`, with the same verdicts under both. */
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

static void count_nothing(const char *path, const char *name)
{
  (void)path;
  (void)name;
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
#define FX_INTERFACES_MAX 64
static int per_interface[2][FX_INTERFACES_MAX + 1];

/* The interface a file is of: its name starts with the interface's code and a '-' (codes need
 * not be numbers: A01-...); FX_INTERFACES_MAX when none. */
static size_t fx_interface_of(const char *name)
{
  const ctk_profile *p = fx_profile();
  size_t i;
  for(i = 0; i < p->n_interfaces && i < FX_INTERFACES_MAX; i++) {
    size_t n = strlen(p->interfaces[i].code);
    if(!strncmp(name, p->interfaces[i].code, n) && name[n] == '-')
      return i;
  }
  return FX_INTERFACES_MAX;
}

static void count_valid(const char *path, const char *name)
{
  (void)path;
  per_interface[0][fx_interface_of(name)]++;
}

static void count_invalid(const char *path, const char *name)
{
  (void)path;
  per_interface[1][fx_interface_of(name)]++;
}

static void test_fixtures_cover_every_interface(void)
{
  const ctk_profile *p = fx_profile();
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  memset(per_interface, 0, sizeof(per_interface));
  each_fixture("valid", count_valid);
  each_fixture("invalid", count_invalid);
  CU_ASSERT_FATAL(p->n_interfaces <= FX_INTERFACES_MAX);
  for(i = 0; i < p->n_interfaces; i++) {
    if(per_interface[0][i] < 1 || per_interface[1][i] < 3)
      fprintf(stderr, "\n  interface %s: %d valid, %d invalid fixtures", p->interfaces[i].code,
              per_interface[0][i], per_interface[1][i]);
    CU_ASSERT(per_interface[0][i] >= 1);
    CU_ASSERT(per_interface[1][i] >= 3);
  }
}

/* The verdicts `ctk validate` gave on each profile's generated invalid set: the result name
 * of each file, one a line, sorted (file names, codes and, where a profile's generator picks
 * another code field, requirements differ between profiles; what kind of fault was found
 * must not). */
#define VERDICTS_MAX 65536
static char verdicts_baseline[VERDICTS_MAX];
static char verdicts_variant[VERDICTS_MAX];
static char verdicts_sample_b[VERDICTS_MAX];

static int compare_lines(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line of `ctk validate`: "FILE: CODE NAME at WHERE: reason [REQUIREMENT]". Checked against
 * FILE's sidecar and the profile's name of CODE; NAME into verdict. 0 when it holds. */
static int cli_line(const ctk_profile *p, const char *line, char *verdict, size_t len)
{
  char file[600], code[CTK_ID_MAX], name[CTK_ID_MAX], expect_path[600];
  const char *colon = strstr(line, ".xml: ");
  const char *open = strrchr(line, '[');
  const char *close = strrchr(line, ']');
  const ctk_result_code *r;
  expectation e;
  int ok;

  if(!colon || !open || !close || close < open || (size_t)(colon + 4 - line) >= sizeof(file))
    return -1;
  snprintf(file, sizeof(file), "%.*s", (int)(colon + 4 - line), line);
  if(sscanf(colon + 6, "%31s %31s", code, name) != 2)
    return -1;
  snprintf(expect_path, sizeof(expect_path), "%.*s.expect", (int)(strlen(file) - 4), file);
  r = ctk_profile_result_by_code(p, code);
  ok = !read_expect(expect_path, &e) && !strcmp(e.code, code) && r && !strcmp(r->name, name) &&
       strlen(e.requirement) == (size_t)(close - open - 1) &&
       !strncmp(open + 1, e.requirement, strlen(e.requirement));
  if(!ok)
    fprintf(stderr, "\n  ctk validate: %s (expected code=%s requirement=%s)", line, e.code,
            e.requirement);
  snprintf(verdict, len, "%s", name);
  return ok ? 0 : -1;
}

/* `ctk validate --profile` on a generated set, as a user runs it: the valid messages exit 0
 * and print nothing; the invalid ones exit 1 with one line per file, the sidecar's code and
 * requirement, the profile's name of the code. */
static void cli_validate_set(const char *profile_dir, const ctk_profile *p, const char *dir,
                             char *verdicts)
{
  char cmd[1200];
  char *out = NULL, *save = NULL, *line;
  char *lines[512];
  char verdict[512][80];
  size_t n = 0, i, used = 0;
  int files;

  snprintf(cmd, sizeof(cmd), "'%s' validate --profile %s '%s'/valid/*.xml 2>&1",
           ctk_test_ctk_bin(), profile_dir, dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_STRING_EQUAL(out ? out : "-", "");
  free(out);
  out = NULL;
  snprintf(cmd, sizeof(cmd), "'%s' validate --profile %s '%s'/invalid/*.xml",
           ctk_test_ctk_bin(), profile_dir, dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  for(line = strtok_r(out, "\n", &save); line && n < 512; line = strtok_r(NULL, "\n", &save)) {
    CU_ASSERT_EQUAL(cli_line(p, line, verdict[n], sizeof(verdict[n])), 0);
    lines[n] = verdict[n];
    n++;
  }
  free(out);
  files = each_fixture("invalid", count_nothing);
  CU_ASSERT_EQUAL((int)n, files);
  qsort(lines, n, sizeof(lines[0]), compare_lines);
  verdicts[0] = '\0';
  for(i = 0; i < n && used + strlen(lines[i]) + 2 < VERDICTS_MAX; i++)
    used += (size_t)snprintf(verdicts + used, VERDICTS_MAX - used, "%s\n", lines[i]);
}

/* `ctk profile fixtures` on a profile: everything it writes passes the real decoder and
 * validator of that profile (the same checks as the committed set), each invalid message at
 * the exact location its sidecar names, and covers every interface; `ctk validate` says the
 * same (its verdicts into verdicts). */
static void generated_set(const char *profile_dir, const ctk_profile *p, char *verdicts)
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
  cli_validate_set(profile_dir, p, dir, verdicts);
  fixtures_root = FIXTURES;
  fixtures_profile = NULL;
}

static void test_fixtures_generated_baseline(void)
{
  generated_set("profiles/jtt1019-baseline", ctk_test_profile(), verdicts_baseline);
}

/* The second profile: every name, number and code spelt otherwise, the same promises. */
static void test_fixtures_generated_variant(void)
{
  ctk_profile *variant = ctk_test_load_profile("profiles/synthetic-variant");
  generated_set("profiles/synthetic-variant", variant, verdicts_variant);
  ctk_profile_free(variant);
}

/* The profile made apart from the kit's authors (non-numeric interface codes A01-A14). */
static void test_fixtures_generated_sample_b(void)
{
  ctk_profile *sample_b = ctk_test_load_profile("profiles/province-sample-b");
  generated_set("profiles/province-sample-b", sample_b, verdicts_sample_b);
  ctk_profile_free(sample_b);
}

/* What `ctk validate` found in the three generated sets (the tests above): as many files of each
 * result name, however each profile spells the codes. */
static void test_fixtures_cli_same_verdicts(void)
{
  CU_ASSERT(strlen(verdicts_baseline) > 0);
  CU_ASSERT_STRING_EQUAL(verdicts_variant, verdicts_baseline);
  CU_ASSERT_STRING_EQUAL(verdicts_sample_b, verdicts_baseline);
}

void ctk_test_add_fixtures(CU_pSuite s)
{
  CTK_TEST(s, test_fixtures_valid_are_valid);
  CTK_TEST(s, test_fixtures_invalid_give_expected_problem);
  CTK_TEST(s, test_fixtures_cover_every_interface);
  CTK_TEST(s, test_fixtures_generated_baseline);
  CTK_TEST(s, test_fixtures_generated_variant);
  CTK_TEST(s, test_fixtures_generated_sample_b);
  CTK_TEST(s, test_fixtures_cli_same_verdicts);
}
