/* test_error: every error code has a distinct name and a message. */
#include <string.h>

#include "ctk_error.h"
#include "ctk_test.h"

static void test_error_table_complete(void)
{
  int i;
  int j;
  for(i = 0; i < CTK_E__COUNT; i++) {
    CU_ASSERT_EQUAL(strncmp(ctk_err_name((ctk_code)i), "CTK_E_", 6), 0);
    CU_ASSERT(strlen(ctk_strerror((ctk_code)i)) > 0);
    for(j = i + 1; j < CTK_E__COUNT; j++)
      CU_ASSERT_STRING_NOT_EQUAL(ctk_err_name((ctk_code)i), ctk_err_name((ctk_code)j));
  }
  CU_ASSERT_STRING_EQUAL(ctk_err_name(CTK_E_TOOBIG), "CTK_E_TOOBIG");
  CU_ASSERT_STRING_EQUAL(ctk_err_name((ctk_code)9999), "CTK_E_UNKNOWN");
}

void ctk_test_add_error(CU_pSuite suite)
{
  CTK_TEST(suite, test_error_table_complete);
}
