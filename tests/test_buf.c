/* test_buf: the bounded buffer never exceeds its maximum and escapes correctly. */
#include <string.h>

#include "ctk_buf.h"
#include "ctk_test.h"

static void test_buf_grows_and_terminates(void)
{
  ctk_buf b;
  int i;
  ctk_buf_init(&b, 100000);
  for(i = 0; i < 1000; i++)
    CU_ASSERT_EQUAL(ctk_buf_adds(&b, "0123456789"), CTK_E_OK);
  CU_ASSERT_EQUAL(b.len, 10000);
  CU_ASSERT_EQUAL(b.data[b.len], '\0');
  CU_ASSERT_EQUAL(strncmp(b.data + 9990, "0123456789", 10), 0);
  ctk_buf_free(&b);
}

static void test_buf_refuses_beyond_max(void)
{
  ctk_buf b;
  ctk_buf_init(&b, 8);
  CU_ASSERT_EQUAL(ctk_buf_adds(&b, "12345678"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_buf_adds(&b, "9"), CTK_E_TOOBIG);
  CU_ASSERT_EQUAL(ctk_buf_printf(&b, "%d", 1), CTK_E_TOOBIG);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b), "12345678");
  ctk_buf_free(&b);
}

static void test_buf_printf_and_escape(void)
{
  ctk_buf b;
  ctk_buf_init(&b, 0);
  CU_ASSERT_EQUAL(ctk_buf_printf(&b, "<%s n=\"%d\">", "a", 42), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_buf_add_xml_escaped(&b, "x<&>\"'y", 7), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b), "<a n=\"42\">x&lt;&amp;&gt;&quot;&#39;y");
  ctk_buf_reset(&b);
  CU_ASSERT_EQUAL(ctk_buf_add_json_escaped(&b, "a\"\\\n\x01", 5), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&b), "a\\\"\\\\\\n\\u0001");
  ctk_buf_free(&b);
}

static void test_strlcpy_cuts(void)
{
  char small[4];
  CU_ASSERT_EQUAL(ctk_strlcpy(small, "abc", sizeof(small)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_strlcpy(small, "abcdef", sizeof(small)), CTK_E_TOOBIG);
  CU_ASSERT_STRING_EQUAL(small, "abc");
}

void ctk_test_add_buf(CU_pSuite suite)
{
  CTK_TEST(suite, test_buf_grows_and_terminates);
  CTK_TEST(suite, test_buf_refuses_beyond_max);
  CTK_TEST(suite, test_buf_printf_and_escape);
  CTK_TEST(suite, test_strlcpy_cuts);
}
