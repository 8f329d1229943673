/* test_csv: quoting, line ends, BOM, header lookup, and clear errors with line numbers. */
#include <stdio.h>
#include <string.h>

#include "ctk_csv.h"
#include "ctk_test.h"

static void open_text(ctk_csv *c, const char *text)
{
  CU_ASSERT_EQUAL_FATAL(ctk_csv_open_mem(c, text, strlen(text)), CTK_E_OK);
}

static void test_csv_quotes_crlf_bom(void)
{
  ctk_csv c;
  open_text(&c, "\xEF\xBB\xBF" "code,name\r\n"
                "1,\"a, \"\"quoted\"\"\r\nname\"\r\n"
                "\r\n"
                "2,plain\r\n"
                "3,\n");
  CU_ASSERT_EQUAL(ctk_csv_next(&c), 1);
  CU_ASSERT_EQUAL(c.n_fields, 2);
  CU_ASSERT_STRING_EQUAL(c.fields[0], "code");  /* BOM not part of the name */
  CU_ASSERT_EQUAL(c.record_line, 1);

  CU_ASSERT_EQUAL(ctk_csv_next(&c), 1);
  CU_ASSERT_STRING_EQUAL(c.fields[0], "1");
  CU_ASSERT_STRING_EQUAL(c.fields[1], "a, \"quoted\"\r\nname");
  CU_ASSERT_EQUAL(c.record_line, 2);

  CU_ASSERT_EQUAL(ctk_csv_next(&c), 1);  /* blank line skipped */
  CU_ASSERT_STRING_EQUAL(c.fields[1], "plain");
  CU_ASSERT_EQUAL(c.record_line, 5);

  CU_ASSERT_EQUAL(ctk_csv_next(&c), 1);
  CU_ASSERT_EQUAL(c.n_fields, 2);
  CU_ASSERT_STRING_EQUAL(c.fields[1], "");
  CU_ASSERT_EQUAL(c.record_line, 6);

  CU_ASSERT_EQUAL(ctk_csv_next(&c), 0);
  CU_ASSERT_EQUAL(ctk_csv_next(&c), 0);
  ctk_csv_close(&c);
}

static void test_csv_header_lookup(void)
{
  ctk_csv c;
  static const char *const wanted[] = { "kind", "code" };
  static const char *const missing[] = { "code", "parent" };
  int idx[2];

  open_text(&c, "code,name,kind\n110000,Beijing,municipality");
  CU_ASSERT_EQUAL(ctk_csv_header(&c, wanted, 2, idx), CTK_E_OK);
  CU_ASSERT_EQUAL(idx[0], 2);
  CU_ASSERT_EQUAL(idx[1], 0);
  CU_ASSERT_EQUAL(ctk_csv_next(&c), 1);
  CU_ASSERT_STRING_EQUAL(ctk_csv_field(&c, idx[0]), "municipality");
  CU_ASSERT_PTR_NULL(ctk_csv_field(&c, 7));
  CU_ASSERT_PTR_NULL(ctk_csv_field(&c, -1));
  ctk_csv_close(&c);

  open_text(&c, "code,name\n");
  CU_ASSERT_EQUAL(ctk_csv_header(&c, missing, 2, idx), CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(c.error, "parent"));
  ctk_csv_close(&c);

  open_text(&c, "");
  CU_ASSERT_EQUAL(ctk_csv_header(&c, missing, 2, idx), CTK_E_PARSE);
  ctk_csv_close(&c);

  /* data where the header should be (issue 18, point 10): the line the file must start with */
  open_text(&c, "110000,Beijing,municipality\n");
  CU_ASSERT_EQUAL(ctk_csv_header(&c, wanted, 2, idx), CTK_E_PARSE);
  CU_ASSERT_STRING_EQUAL(c.error, "no header line: the file must start with the line kind,code");
  ctk_csv_close(&c);
}

/* Each bad text fails with a reason and the line where the record began. */
static void test_csv_errors_say_where(void)
{
  static const struct {
    const char *text;
    size_t line;
    const char *reason;
  } cases[] = {
    { "a,b\n\"open,x\n", 2, "not closed" },
    { "a,b\nx\"y,z\n", 2, "quote inside" },
    { "a,b\n\n\"q\"x,z\n", 3, "after a closing quote" },
    { "a,b\nx\ry\n", 2, "carriage return" },
    { "a\n1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n", 2, "too many fields" },
  };
  size_t i;

  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ctk_csv c;
    int rc;
    open_text(&c, cases[i].text);
    CU_ASSERT_EQUAL(ctk_csv_next(&c), 1);
    rc = ctk_csv_next(&c);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(c.record_line, cases[i].line);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.error, cases[i].reason));
    ctk_csv_close(&c);
  }
}

static void test_csv_limits_and_files(void)
{
  ctk_csv c;
  static char big[CTK_CSV_MAX_RECORD + 100];
  const char *dir = ctk_test_tmpdir("csv");
  char path[512];
  FILE *f;

  /* an embedded NUL is refused */
  CU_ASSERT_EQUAL(ctk_csv_open_mem(&c, "a\0b\n", 4), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_csv_next(&c), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(c.error, "NUL"));
  ctk_csv_close(&c);

  /* one record over the limit */
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  open_text(&c, big);
  CU_ASSERT_EQUAL(ctk_csv_next(&c), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(c.error, "limit"));
  ctk_csv_close(&c);

  CU_ASSERT_EQUAL(ctk_csv_open(&c, "/nonexistent/x.csv"), CTK_E_IO);
  ctk_csv_close(&c);

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/t.csv", dir);
  f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("h1,h2\r\nv1,v2\r\n", f);
  fclose(f);
  CU_ASSERT_EQUAL(ctk_csv_open(&c, path), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_csv_next(&c), 1);
  CU_ASSERT_EQUAL(ctk_csv_next(&c), 1);
  CU_ASSERT_STRING_EQUAL(c.fields[1], "v2");
  CU_ASSERT_EQUAL(ctk_csv_next(&c), 0);
  ctk_csv_close(&c);

  /* A directory opens as a file on Linux but cannot be read. */
  CU_ASSERT_EQUAL(ctk_csv_open(&c, dir), CTK_E_IO);
  CU_ASSERT_PTR_NOT_NULL(strstr(c.error, "cannot read"));
  ctk_csv_close(&c);

  /* A file one byte over the limit (sparse, so cheap to make) is refused whole. */
  snprintf(path, sizeof(path), "%s/big.csv", dir);
  f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(fseek(f, (long)CTK_CSV_MAX_FILE, SEEK_SET), 0);
  fputc('\n', f);
  fclose(f);
  CU_ASSERT_EQUAL(ctk_csv_open(&c, path), CTK_E_TOOBIG);
  CU_ASSERT_PTR_NOT_NULL(strstr(c.error, "larger than"));
  ctk_csv_close(&c);
}

void ctk_test_add_csv(CU_pSuite suite)
{
  CTK_TEST(suite, test_csv_quotes_crlf_bom);
  CTK_TEST(suite, test_csv_header_lookup);
  CTK_TEST(suite, test_csv_errors_say_where);
  CTK_TEST(suite, test_csv_limits_and_files);
}
