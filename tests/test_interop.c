/* test_interop: stub */
#include "ctk_test.h"
void ctk_test_add_interop(CU_pSuite suite)
{
  (void)suite;
}
