/* test_layers: the layer rule of the build (docs/ARCHITECTURE.md). A header included against the
 * direction of the layers must fail to compile with the include paths the Makefile gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_test.h"

/* Every probe of tests/layers/ behaves as its name says (make layercheck). */
static void test_layer_probes(void)
{
  char *out = NULL;
  int status = ctk_test_run("make -s --no-print-directory layercheck 2>&1", &out);
  CU_ASSERT_EQUAL(status, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "probes as expected"));
  if(status != 0)
    fprintf(stderr, "%s", out);
  free(out);
}

/* The check itself can fail: a probe that includes an engine header from the base layer but
 * claims to be allowed ("-ok") is reported. */
static void test_layer_check_can_fail(void)
{
  const char *probe = "tests/layers/base--wrong-way-ok.c";
  char *out = NULL;
  int status;
  FILE *f = fopen(probe, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("#include \"ctk_store.h\"\n", f);
  fclose(f);
  status = ctk_test_run("make -s --no-print-directory layercheck 2>&1", &out);
  remove(probe);
  CU_ASSERT_NOT_EQUAL(status, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "base--wrong-way-ok.c"));
  free(out);
}

void ctk_test_add_layers(CU_pSuite suite)
{
  CTK_TEST(suite, test_layer_probes);
  CTK_TEST(suite, test_layer_check_can_fail);
}
