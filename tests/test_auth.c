/* test_auth: node credentials accept the right secret only, refuse unknown regions, refuse
 * malformed files with the line at fault; `ctk passwd` lines load and verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_auth.h"
#include "ctk_test.h"

static void write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

static void test_auth_good_and_bad_secrets(void)
{
  char secret[CTK_AUTH_SECRET_HEX + 1];
  char other[CTK_AUTH_SECRET_HEX + 1];
  char line[CTK_AUTH_LINE_MAX];
  char text[512];
  char path[512];
  char err[256];
  const char *dir = ctk_test_tmpdir("auth");
  ctk_auth *a = NULL;
  int level = -1;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL(ctk_auth_generate_secret(secret, sizeof(secret)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_auth_generate_secret(other, sizeof(other)), CTK_E_OK);
  CU_ASSERT_EQUAL(strlen(secret), CTK_AUTH_SECRET_HEX);
  CU_ASSERT_EQUAL(strspn(secret, "0123456789abcdef"), CTK_AUTH_SECRET_HEX);
  CU_ASSERT_STRING_NOT_EQUAL(secret, other);
  CU_ASSERT_EQUAL(ctk_auth_generate_secret(other, 10), CTK_E_INVAL);

  CU_ASSERT_EQUAL(ctk_auth_make_line("360100", 3, secret, line, sizeof(line)), CTK_E_OK);
  snprintf(text, sizeof(text), "region,level,salt_hex,hash_hex\r\n%s\r\n", line);
  snprintf(path, sizeof(path), "%s/credentials.csv", dir);
  write_text(path, text);
  CU_ASSERT_EQUAL_FATAL(ctk_auth_load(path, &a, err, sizeof(err)), CTK_E_OK);

  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360100", secret, &level), CTK_E_OK);
  CU_ASSERT_EQUAL(level, 3);
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360100", other, &level), CTK_E_AUTH);
  CU_ASSERT_EQUAL(level, 0);
  secret[CTK_AUTH_SECRET_HEX - 1] ^= 1;  /* one bit off at the end */
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360100", secret, NULL), CTK_E_AUTH);
  secret[CTK_AUTH_SECRET_HEX - 1] ^= 1;
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360100", "", NULL), CTK_E_AUTH);
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360100", NULL, NULL), CTK_E_AUTH);
  /* unknown region, even with a secret that is right somewhere else */
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360200", secret, &level), CTK_E_AUTH);
  CU_ASSERT_EQUAL(ctk_auth_verify(a, NULL, secret, NULL), CTK_E_AUTH);
  CU_ASSERT_EQUAL(ctk_auth_verify(NULL, "360100", secret, NULL), CTK_E_AUTH);
  ctk_auth_free(a);
}

static void test_auth_in_memory_set(void)
{
  ctk_auth *a = ctk_auth_new();
  int level = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  CU_ASSERT_EQUAL(ctk_auth_add(a, "100000", 1, "ministry-secret-0123456789"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_auth_add(a, "360000", 2, "province-secret-0123456789"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_auth_add(a, "360000", 2, "another-secret-0123456789"), CTK_E_EXISTS);
  CU_ASSERT_EQUAL(ctk_auth_add(a, "360100", 2, "city-secret-0123456789"), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_auth_add(a, "360100", 3, "short"), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360000", "province-secret-0123456789", &level), CTK_E_OK);
  CU_ASSERT_EQUAL(level, 2);
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "100000", "ministry-secret-0123456789", &level), CTK_E_OK);
  CU_ASSERT_EQUAL(level, 1);
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "100000", "province-secret-0123456789", NULL), CTK_E_AUTH);
  ctk_auth_free(a);
}

static void test_auth_malformed_files(void)
{
  static const char header[] = "region,level,salt_hex,hash_hex\n";
  static const char salt[] = "00112233445566778899aabbccddeeff";
  static const char hash[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  static const struct {
    const char *line;
    const char *reason;
  } cases[] = {
    { "36010,3,%s,%s\n", "region is not six digits" },
    { "360100,4,%s,%s\n", "level is not 1, 2 or 3" },
    { "360100,33,%s,%s\n", "level is not 1, 2 or 3" },
    { "360100,2,%s,%s\n", "level does not match" },
    { "360100,3,%.30s,%s\n", "salt_hex is not 32" },
    { "360100,3,%s,%.63sg\n", "hash_hex is not 64" },
    { "360100,3,%s\n%.0s", "too few fields" },
    { "360100,3,%s,%s\n360100,3,%s,%s\n", "region listed twice" },
  };
  const char *dir = ctk_test_tmpdir("auth-bad");
  char path[512];
  char text[1024];
  char err[256];
  char expected[64];
  size_t i;
  int n;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/credentials.csv", dir);
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ctk_auth *a = NULL;
    /* a good first node, the bad one on line 3 (or 4 for the duplicate) */
    n = snprintf(text, sizeof(text), "%s100000,1,%s,%s\n", header, salt, hash);
    snprintf(text + n, sizeof(text) - (size_t)n, cases[i].line, salt, hash, salt, hash);
    write_text(path, text);
    CU_ASSERT_EQUAL(ctk_auth_load(path, &a, err, sizeof(err)), CTK_E_PARSE);
    CU_ASSERT_PTR_NULL(a);
    snprintf(expected, sizeof(expected), ":%d: %s", strstr(cases[i].reason, "twice") ? 4 : 3,
             cases[i].reason);
    if(!strstr(err, expected))
      fprintf(stderr, "\n  case %zu: got \"%s\"\n", i, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, expected));
  }
  write_text(path, "region,level,salt\n");
  CU_ASSERT_EQUAL(ctk_auth_load(path, &(ctk_auth *){ NULL }, err, sizeof(err)), CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: header has no column 'salt_hex'"));
  CU_ASSERT_EQUAL(ctk_auth_load("/nonexistent/c.csv", &(ctk_auth *){ NULL }, err, sizeof(err)),
                  CTK_E_IO);
}

/* A credentials file made the wrong way says how to make it right: a file without its header
 * line, and a second header from appending without --no-header (issue 18, point 10). */
static void test_auth_header_line_mistakes_are_explained(void)
{
  const char *dir = ctk_test_tmpdir("auth-header");
  char cmd[2048];
  char path[512];
  char err[256];
  ctk_auth *a = NULL;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/credentials.csv", dir);
  snprintf(cmd, sizeof(cmd), "echo 'province-secret-0123456789' | '%s' passwd --region 360000 "
           "--level 2 --secret - --no-header > '%s'", ctk_test_ctk_bin(), path);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  CU_ASSERT_EQUAL(ctk_auth_load(path, &a, err, sizeof(err)), CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no header line: the file must start with the line "
                                     "region,level,salt_hex,hash_hex"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1:"));

  snprintf(cmd, sizeof(cmd), "echo 'province-secret-0123456789' | '%s' passwd --region 360000 "
           "--level 2 --secret - > '%s' && echo 'city-secret-0123456789' | '%s' passwd "
           "--region 360100 --level 3 --secret - >> '%s'", ctk_test_ctk_bin(), path,
           ctk_test_ctk_bin(), path);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  CU_ASSERT_EQUAL(ctk_auth_load(path, &a, err, sizeof(err)), CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, ":3:"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "--no-header"));
}

/* The command end to end: its line loads, its secret verifies, the secret file is private. */
static void test_auth_passwd_command(void)
{
  const char *dir = ctk_test_tmpdir("auth-cmd");
  char cmd[2048];
  char path[512];
  char secret_path[512];
  char *out = NULL;
  char *secret;
  char err[256];
  ctk_auth *a = NULL;
  struct stat st;
  size_t len;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/credentials.csv", dir);
  snprintf(secret_path, sizeof(secret_path), "%s/secret", dir);
  /* the first node makes the file, header line included (the loader needs it) */
  snprintf(cmd, sizeof(cmd), "'%s' passwd --region 360000 --level 2 --secret-file '%s' > '%s'",
           ctk_test_ctk_bin(), secret_path, path);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  /* a secret given on stdin, appended without a second header */
  snprintf(cmd, sizeof(cmd), "echo 'city-secret-0123456789' | '%s' passwd --region 360100 "
           "--level 3 --secret - --no-header >> '%s'", ctk_test_ctk_bin(), path);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);

  CU_ASSERT_EQUAL(stat(secret_path, &st), 0);
  CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
  secret = ctk_test_read_file(secret_path, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(secret);
  CU_ASSERT_EQUAL(len, CTK_AUTH_SECRET_HEX + 1);
  secret[CTK_AUTH_SECRET_HEX] = '\0';

  CU_ASSERT_EQUAL_FATAL(ctk_auth_load(path, &a, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360000", secret, NULL), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_auth_verify(a, "360100", "city-secret-0123456789", NULL), CTK_E_OK);
  /* the secret is not in the credentials file */
  out = ctk_test_read_file(path, NULL);
  CU_ASSERT_PTR_NOT_NULL(out);
  CU_ASSERT_PTR_NULL(out ? strstr(out, secret) : NULL);
  free(out);
  out = NULL;
  ctk_auth_free(a);
  free(secret);

  /* refusals: level that does not fit, short secret, missing options (all usage, 3), and an
   * existing secret file (cannot write it: 2) */
  snprintf(cmd, sizeof(cmd), "'%s' passwd --region 360100 --level 2 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 3);
  free(out);
  snprintf(cmd, sizeof(cmd), "'%s' passwd --region 360100 --level 3 --secret abc 2>&1",
           ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "'%s' passwd --region 360100 2>&1", ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "'%s' passwd --region 360100 --level 3 --secret-file '%s' 2>&1",
           ctk_test_ctk_bin(), secret_path);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 2);
}

void ctk_test_add_auth(CU_pSuite suite)
{
  CTK_TEST(suite, test_auth_good_and_bad_secrets);
  CTK_TEST(suite, test_auth_in_memory_set);
  CTK_TEST(suite, test_auth_malformed_files);
  CTK_TEST(suite, test_auth_passwd_command);
  CTK_TEST(suite, test_auth_header_line_mistakes_are_explained);
}
