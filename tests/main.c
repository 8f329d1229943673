/* main: the toolkit's own test runner. Registers every suite of tests/registry.h,
 * skips suites whose tags are listed in CTK_TEST_SKIP, and prints CUnit's summary. */
#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define CTK_DECLARE(name, tags) void ctk_test_add_##name(CU_pSuite suite);
CTK_TEST_SUITES(CTK_DECLARE)
#undef CTK_DECLARE

typedef struct {
  const char *name;
  const char *tags;
  void (*add)(CU_pSuite suite);
} suite_entry;

static const suite_entry suites[] = {
#define CTK_ENTRY(name, tags) { #name, tags, ctk_test_add_##name },
  CTK_TEST_SUITES(CTK_ENTRY)
#undef CTK_ENTRY
};

/* Does the comma-separated list have a tag also in tags? */
static int tags_intersect(const char *list, const char *tags)
{
  char copy[256];
  char *save = NULL;
  char *tok;
  size_t n;

  if(!list || !*list)
    return 0;
  n = strlen(list);
  if(n >= sizeof(copy))
    n = sizeof(copy) - 1;
  memcpy(copy, list, n);
  copy[n] = '\0';
  for(tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    const char *p = strstr(tags, tok);
    size_t len = strlen(tok);
    while(p) {
      int starts = (p == tags || p[-1] == ',');
      int ends = (p[len] == '\0' || p[len] == ',');
      if(starts && ends)
        return 1;
      p = strstr(p + 1, tok);
    }
  }
  return 0;
}

static void usage(void)
{
  fputs("usage: ctk-tests [--tags T,...] [--suite NAME] [--list]\n"
        "  --tags T   run only suites with one of these tags (soak and measure run only this way)\n"
        "  --suite N  run only the suite named N\n"
        "  env CTK_TEST_SKIP=tag,...  skip suites with these tags\n",
        stderr);
}

int main(int argc, char **argv)
{
  const char *only_tags = NULL;
  const char *only_suite = NULL;
  const char *skip = getenv("CTK_TEST_SKIP");
  size_t i;
  int list = 0;
  unsigned failures;
  int argi;

  /* line by line into a log too: a run stopped at a time bound (make mutation, CI) still
   * shows which tests had failed */
  setvbuf(stdout, NULL, _IOLBF, 0);

  for(argi = 1; argi < argc; argi++) {
    if(!strcmp(argv[argi], "--tags") && argi + 1 < argc)
      only_tags = argv[++argi];
    else if(!strcmp(argv[argi], "--suite") && argi + 1 < argc)
      only_suite = argv[++argi];
    else if(!strcmp(argv[argi], "--list"))
      list = 1;
    else {
      usage();
      return 2;
    }
  }

  if(CU_initialize_registry() != CUE_SUCCESS)
    return 2;
  for(i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
    const suite_entry *e = &suites[i];
    CU_pSuite s;
    if(list) {
      printf("%-20s %s\n", e->name, e->tags);
      continue;
    }
    if(only_suite && strcmp(only_suite, e->name))
      continue;
    if(only_tags && !tags_intersect(only_tags, e->tags))
      continue;
    if(!only_tags && !only_suite && tags_intersect("soak,measure", e->tags))
      continue;
    if(tags_intersect(skip, e->tags)) {
      printf("skipping suite %s (tags %s listed in CTK_TEST_SKIP)\n", e->name, e->tags);
      continue;
    }
    s = CU_add_suite(e->name, NULL, NULL);
    if(!s) {
      CU_cleanup_registry();
      return 2;
    }
    e->add(s);
  }
  if(list) {
    CU_cleanup_registry();
    return 0;
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  {
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    printf("\n%u passed, %u failed\n", run - failed, failed);
  }
  CU_cleanup_registry();
  return failures ? 1 : 0;
}
