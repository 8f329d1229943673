/* test_log: a log line stays one line whatever a peer put into it (ctk_log_escape), so nobody
 * can plant a line of their own in the logs that ctk bundle signs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_log.h"
#include "ctk_test.h"

static void test_escape_controls_quotes_and_bytes(void)
{
  char out[256];
  static const char in[] = "a\nb\"c\\d\x1b[31m\x7f\r\t\xff\xc2\x9b\xe4\xb8\xad";
  size_t used = ctk_log_escape(out, sizeof(out), in, sizeof(in) - 1);

  CU_ASSERT_EQUAL(used, sizeof(in) - 1);
  /* UTF-8 text (U+4E2D) passes; an invalid byte and a C1 control (U+009B) are shown as codes */
  CU_ASSERT_STRING_EQUAL(out, "a\\nb\\\"c\\\\d\\x1b[31m\\x7f\\r\\t\\xff\\u009b\xe4\xb8\xad");
  CU_ASSERT_PTR_NULL(strchr(out, '\n'));
}

static void test_escape_never_cuts_an_escape(void)
{
  char out[6];
  size_t used = ctk_log_escape(out, sizeof(out), "ab\ncd", 5);

  /* "ab\n" is 4 bytes escaped; "c" fits too, "d" does not (5 of 6 with the NUL) */
  CU_ASSERT_STRING_EQUAL(out, "ab\\nc");
  CU_ASSERT_EQUAL(used, 4);
  used = ctk_log_escape(out, 4, "ab\ncd", 5);
  CU_ASSERT_STRING_EQUAL(out, "ab");
  CU_ASSERT_EQUAL(used, 2);
}

/* What one ctk_log call with user in its message writes to stderr, into out. */
static void capture_log(const char *user, char *out, size_t outlen)
{
  char path[512];
  FILE *f;
  int saved;
  size_t n = 0;
  ctk_log_level level = ctk_log_get_level();

  out[0] = '\0';
  snprintf(path, sizeof(path), "%s/stderr.txt", ctk_test_tmpdir("log-capture"));
  f = fopen(path, "w+");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fflush(stderr);
  saved = dup(STDERR_FILENO);
  dup2(fileno(f), STDERR_FILENO);
  ctk_log_set_level(CTK_LOG_INFO);
  CTK_INFO("exchange", "authentication failed for user '%s' from %s", user, "127.0.0.1:5");
  ctk_log_set_level(level);
  dup2(saved, STDERR_FILENO);
  close(saved);
  rewind(f);
  n = fread(out, 1, outlen - 1, f);
  out[n] = '\0';
  fclose(f);
}

static void test_a_user_name_cannot_forge_a_line(void)
{
  char out[4096];
  const char *forged = "x\nts=2026-11-20T09:00:00.000Z level=error node=province mod=exchange "
                       "msg=\"store corrupt\"";
  char *nl;

  capture_log(forged, out, sizeof(out));
  nl = strchr(out, '\n');
  CU_ASSERT_PTR_NOT_NULL(nl);
  /* one line, ending where the record ends */
  CU_ASSERT(nl && nl[1] == '\0');
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "user 'x\\nts="));
  /* the planted quote cannot close msg="..." early */
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "msg=\\\"store corrupt\\\""));
}

void ctk_test_add_log(CU_pSuite suite)
{
  CTK_TEST(suite, test_escape_controls_quotes_and_bytes);
  CTK_TEST(suite, test_escape_never_cuts_an_escape);
  CTK_TEST(suite, test_a_user_name_cannot_forge_a_line);
}
