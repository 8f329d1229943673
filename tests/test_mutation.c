/* test_mutation: the mutation harness of tests/mutation/ (docs/MUTATION.md). Its operators give
 * the expected mutants of a small C file and leave logging, fault code, comments and strings
 * alone; a seed picks the same sample every time; and mutants of the reference code are built
 * and checked end to end: one a unit suite kills, one nothing checks. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_test.h"

#define MUTATE "python3 tests/mutation/ctk_mutate.py"
#define TOY "tests/mutation/operators.c"
#define TOY_EXPECTED "tests/mutation/operators.expected"
#define LIST_TOY MUTATE " list --conf tests/mutation/sample.conf --source " TOY
#define FIVE_OPS " --ops ror,lor,ret,sdl,con"

/* The text without its '#' comment lines. */
static void strip_comments(const char *text, ctk_buf *out)
{
  const char *p = text;
  while(p && *p) {
    const char *end = strchr(p, '\n');
    size_t n = end ? (size_t)(end - p) + 1 : strlen(p);
    if(*p != '#')
      ctk_buf_add(out, p, n);
    p += n;
  }
}

/* How many mutants of the listing are on line `line` of the toy file, and of those, how
 * many use operator op (NULL: any). */
static int mutants_on(const char *listing, int line, const char *op)
{
  char where[64], tab_op[16];
  const char *p = listing;
  int n = 0;
  snprintf(where, sizeof(where), "\t" TOY ":%d\t", line);
  snprintf(tab_op, sizeof(tab_op), "%s\t", op ? op : "");
  while((p = strstr(p, where)) != NULL) {
    p += strlen(where);
    if(!op || !strncmp(p, tab_op, strlen(tab_op)))
      n++;
  }
  return n;
}

/* Every operator gives the mutants of tests/mutation/operators.expected, ids included (the
 * list of equivalent mutants names mutants by id, so an id must not drift). */
static void test_operators_expected(void)
{
  char *out = NULL;
  char *want = ctk_test_read_file(TOY_EXPECTED, NULL);
  ctk_buf expected;
  int rc = ctk_test_run(LIST_TOY " -n 0 2>/dev/null", &out);

  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL_FATAL(want);
  ctk_buf_init(&expected, 64 * 1024);
  strip_comments(want, &expected);
  CU_ASSERT_STRING_EQUAL(out, ctk_buf_str(&expected));
  if(strcmp(out, ctk_buf_str(&expected)))
    fprintf(stderr, "mutation: the tool now gives\n%s", out);
  /* each operator and each kind of return swap is there */
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\tror\tif(a <= b && b != 0)\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\tlor\tif(a >= b && a == 7)\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\tret\treturn CTK_E_OK;\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\tret\treturn CTK_E_INTERNAL;\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\tret\treturn NULL;\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\tsdl\t{ }\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\tcon\tstatic const int table[] = { 3, 0x11 };\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\taor\tint n = hi + lo + 1;"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\taor\tn -= -lo;"));
  CU_ASSERT_PTR_NULL(strstr(out, "\taor\tn += +lo;"));   /* a unary minus is left alone */
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\tneg\treturn n > 0 && (n % 2) ? n : -1;\n"));
  ctk_buf_free(&expected);
  free(want);
  free(out);
}

/* What the tool must leave alone gets no mutant, whatever the golden file says. */
static void test_operators_leave_alone(void)
{
  char *out = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(LIST_TOY " -n 0 2>/dev/null", &out), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_EQUAL(mutants_on(out, 7, NULL), 0);   /* a preprocessor line */
  CU_ASSERT_EQUAL(mutants_on(out, 13, NULL), 0);  /* an array size */
  CU_ASSERT_EQUAL(mutants_on(out, 26, NULL), 0);  /* CTK_WARN */
  CU_ASSERT_EQUAL(mutants_on(out, 27, NULL), 0);  /* fprintf(stderr, ...) */
  CU_ASSERT_EQUAL(mutants_on(out, 29, NULL), 0);  /* the branch only a fault mode takes */
  CU_ASSERT_EQUAL(mutants_on(out, 35, NULL), 0);  /* a string */
  CU_ASSERT_EQUAL(mutants_on(out, 45, NULL), 0);  /* free(): a leak no suite can see */
  CU_ASSERT_EQUAL(mutants_on(out, 46, NULL), 0);  /* a comment */
  /* a fault call's && is real logic: || would take the branch without the fault */
  CU_ASSERT_EQUAL(mutants_on(out, 28, NULL), 1);
  CU_ASSERT_EQUAL(mutants_on(out, 28, "lor"), 1);
  /* a literal returned alone is the return operator's, not also the constant operator's */
  CU_ASSERT_EQUAL(mutants_on(out, 19, "con"), 0);
  CU_ASSERT_EQUAL(mutants_on(out, 19, "ret"), 2);
  free(out);
}

/* The next line of a listing, newline included, into line; 0 at the end. A line longer than
 * the buffer fails the test (a listing line is one mutant, well under it). */
static int next_line(const char **p, char *line, size_t size)
{
  const char *end = strchr(*p, '\n');
  size_t n = end ? (size_t)(end - *p) + 1 : strlen(*p);
  if(!n)
    return 0;
  CU_ASSERT_TRUE_FATAL(n < size);
  memcpy(line, *p, n);
  line[n] = '\0';
  *p += n;
  return 1;
}

/* A seed picks the same mutants every time, one share per operator; another seed others. */
static void test_seeded_sample(void)
{
  char *a = NULL, *b = NULL, *c = NULL, *all = NULL;
  const char *p;
  char line[256];
  int lines = 0;

  CU_ASSERT_EQUAL_FATAL(ctk_test_run(LIST_TOY FIVE_OPS " -n 5 --seed 7 2>/dev/null", &a), 0);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(LIST_TOY FIVE_OPS " -n 5 --seed 7 2>/dev/null", &b), 0);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(LIST_TOY FIVE_OPS " -n 5 --seed 8 2>/dev/null", &c), 0);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(LIST_TOY " -n 0 2>/dev/null", &all), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(all);
  CU_ASSERT_STRING_EQUAL(a, b);
  CU_ASSERT_STRING_NOT_EQUAL(a, c);
  p = a;
  while(next_line(&p, line, sizeof(line))) {
    CU_ASSERT_PTR_NOT_NULL(strstr(all, line));
    lines++;
  }
  CU_ASSERT_EQUAL(lines, 5);
  CU_ASSERT_PTR_NOT_NULL(strstr(a, "\tror\t"));
  CU_ASSERT_PTR_NOT_NULL(strstr(a, "\tlor\t"));
  CU_ASSERT_PTR_NOT_NULL(strstr(a, "\tret\t"));
  CU_ASSERT_PTR_NOT_NULL(strstr(a, "\tsdl\t"));
  CU_ASSERT_PTR_NOT_NULL(strstr(a, "\tcon\t"));
  free(a);
  free(b);
  free(c);
  free(all);
}

/* The sample stays put while the source changes: after a function with two new ror mutants
 * is added, every mutant picked is one picked before or one of the new ones, and at most two
 * picks changed (a seeded draw over the grown pool would pick anew). */
static void test_sample_stays(void)
{
  const char *dir = ctk_test_tmpdir("mutation-stays");
  char cmd[1024];
  char *before = NULL, *after = NULL;
  const char *p;
  char line[256];
  int same = 0, picked = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "cp " TOY " %s/toy.c && " MUTATE " list --source %s/toy.c "
           "--ops ror -n 5 --seed 7 2>/dev/null", dir, dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, &before), 0);
  snprintf(cmd, sizeof(cmd), "printf 'static int more(int a)\\n{\\n  return a < 3;\\n}\\n' "
           ">> %s/toy.c && " MUTATE " list --source %s/toy.c --ops ror -n 5 --seed 7 "
           "2>/dev/null", dir, dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, &after), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(before);
  CU_ASSERT_PTR_NOT_NULL_FATAL(after);
  p = after;
  while(next_line(&p, line, sizeof(line))) {
    picked++;
    if(strstr(before, line))
      same++;
    else
      CU_ASSERT_PTR_NOT_NULL(strstr(line, "return a"));   /* only a new site comes in */
  }
  CU_ASSERT_EQUAL(picked, 5);
  CU_ASSERT_TRUE(same >= 3);
  free(before);
  free(after);
}

/* One mutant of lib/engine/ctk_stats.c (the order count no longer counted), built into ctk
 * and the test runner; the check is a shell command, bounded by bound_s seconds (0: the
 * committed sample's bound). Returns the parsed mutation.json. */
static struct json_object *e2e_run(const char *check, const char *name, int bound_s)
{
  char build[256], cmd[2048], path[700], conf[700] = "tests/mutation/sample.conf";
  const char *dir = ctk_test_tmpdir(name);
  char *out = NULL;
  int rc;

  if(!dir)
    return NULL;
  if(bound_s > 0) {
    FILE *f;
    snprintf(conf, sizeof(conf), "%s/bound.conf", dir);
    f = fopen(conf, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "timeout_factor = 1\ntimeout_min_s = %d\n", bound_s);
    fclose(f);
  }
  ctk_test_build_dir(build, sizeof(build));
  snprintf(path, sizeof(path), "%s/mutation.json", dir);
  snprintf(cmd, sizeof(cmd), MUTATE " run --conf %s --file lib/engine/ctk_stats.c --ops sdl "
           "--match 'st->orders++;' -n 0 --build %s --out %s --jobs 1 --no-baseline --quiet "
           "--equivalent /dev/null --check '%s' 2>&1", conf, build, dir, check);
  rc = ctk_test_run(cmd, &out);
  if(rc)
    fprintf(stderr, "mutation: %s\n%s", cmd, out ? out : "");
  CU_ASSERT_EQUAL(rc, 0);
  free(out);
  return json_object_from_file(path);
}

static const char *e2e_str(struct json_object *o, const char *key)
{
  struct json_object *v = NULL;
  return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void e2e_expect(struct json_object *doc, const char *outcome, const char *detail)
{
  struct json_object *mutants = NULL, *summary = NULL, *m;
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(doc, "mutants", &mutants));
  CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(doc, "summary", &summary));
  CU_ASSERT_EQUAL_FATAL(json_object_array_length(mutants), 1);
  m = json_object_array_get_idx(mutants, 0);
  CU_ASSERT_STRING_EQUAL(e2e_str(m, "file"), "lib/engine/ctk_stats.c");
  CU_ASSERT_STRING_EQUAL(e2e_str(m, "operator"), "sdl");
  CU_ASSERT_STRING_EQUAL(e2e_str(m, "original"), "st->orders++;");
  CU_ASSERT_STRING_EQUAL(e2e_str(m, "outcome"), outcome);
  CU_ASSERT_PTR_NOT_NULL(strstr(e2e_str(m, "detail"), detail));
  CU_ASSERT_STRING_EQUAL(e2e_str(summary, outcome), "1");
}

/* End to end: the stats unit suite kills the mutant; a check that only sees the program
 * exists lets it survive, so the outcome comes from the check, not from the harness. */
static void test_end_to_end(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  /* the harness relinks with make's plain flags; a sanitized build's archives need its own */
  fprintf(stderr, "mutation: end-to-end test left out in a sanitized build\n");
  (void)e2e_run;
  (void)e2e_expect;
  return;
#else
  struct json_object *doc = e2e_run("{ctk_tests} --suite stats >/dev/null 2>&1",
                                    "mutation-kill", 0);
  e2e_expect(doc, "killed", "exit");
  json_object_put(doc);
  doc = e2e_run("test -x {ctk}", "mutation-survive", 0);
  e2e_expect(doc, "survived", "");
  json_object_put(doc);
  /* at the time bound: a test that had failed (CUnit's line in the log) still kills; a check
   * that only waits has timed out */
  doc = e2e_run("echo \"  Test: test_seen ...FAILED\"; sleep 60", "mutation-bound-kill", 2);
  e2e_expect(doc, "killed", "test_seen failed (run stopped at the 2 s time bound)");
  json_object_put(doc);
  doc = e2e_run("echo \"  Test: test_seen ...passed\"; sleep 60", "mutation-bound-wait", 2);
  e2e_expect(doc, "timed_out", "no end within 2 s");
  json_object_put(doc);
#endif
}

void ctk_test_add_mutation(CU_pSuite suite)
{
  CTK_TEST(suite, test_operators_expected);
  CTK_TEST(suite, test_operators_leave_alone);
  CTK_TEST(suite, test_seeded_sample);
  CTK_TEST(suite, test_sample_stays);
  CTK_TEST(suite, test_end_to_end);
}
