/* test_fuzz_short: (1) every saved fuzz regression and every seed goes through the same entry
 * points as the fuzz targets, in this normal (gcc) test binary; (2) when clang is installed, a
 * bounded libFuzzer run of 5 s per target (scripts/fuzz.sh) must find no crash. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_test.h"

/* The targets (tests/fuzz/fuzz_*.c) are compiled into this binary without their libFuzzer
 * hooks (the Makefile defines CTK_FUZZ_NO_MAIN for them). */
#include "ctk_fuzz.h"
#include "ctk_profile.h"

typedef int (*fuzz_entry)(const uint8_t *data, size_t size);

/* Feed every regular file of dir (skipping dot files) to entry; returns how many. If
 * strip_head, only what follows the first empty line is fed (the body of a .http file). */
static int replay_dir(const char *dir, fuzz_entry entry, int strip_head)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  if(!d)
    return 0;
  for(e = readdir(d); e; e = readdir(d)) {
    char path[1024];
    size_t len = 0;
    char *data;
    const char *start;
    if(e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    data = ctk_test_read_file(path, &len);
    if(!data)
      continue;
    start = data;
    if(strip_head) {
      const char *sep = strstr(data, "\n\n");
      if(sep)
        start = sep + 2;
    }
    entry((const uint8_t *)start, len - (size_t)(start - data));
    free(data);
    n++;
  }
  closedir(d);
  return n;
}

static void test_replay_msg(void)
{
  int n = 0;
  n += replay_dir("tests/fuzz/regressions/msg", ctk_fuzz_msg, 0);
  n += replay_dir("fixtures/hostile", ctk_fuzz_msg, 1);
  n += replay_dir("fixtures/messages", ctk_fuzz_msg, 0);
  CU_ASSERT(n >= 50);
  ctk_fuzz_msg_cleanup();
}

static void test_replay_profile(void)
{
  static const char *const files[] = { "profile.xml", "catalog.xml", "process.xml",
                                       "formats.csv" };
  size_t i;
  int n = replay_dir("tests/fuzz/regressions/profile", ctk_fuzz_profile, 0);

  /* each file of the real profile, then each cut in half: the loader must refuse cleanly */
  for(i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    char path[512];
    size_t len = 0;
    char *data;
    uint8_t *input;
    snprintf(path, sizeof(path), "%s/%s", ctk_profile_default_dir(), files[i]);
    data = ctk_test_read_file(path, &len);
    if(!data)
      continue;
    input = malloc(len + 1);
    if(input) {
      input[0] = (uint8_t)ctk_fuzz_profile_file_index(files[i]);
      memcpy(input + 1, data, len);
      ctk_fuzz_profile(input, len + 1);
      ctk_fuzz_profile(input, len / 2 + 1);
      n += 2;
      free(input);
    }
    free(data);
  }
  CU_ASSERT(n >= 8);
  ctk_fuzz_profile_cleanup();
}

static void test_replay_sip(void)
{
  int n = 0;
  n += replay_dir("tests/fuzz/regressions/sip", ctk_fuzz_sip, 0);
  n += replay_dir("tests/fuzz/seeds/sip", ctk_fuzz_sip, 0);
  CU_ASSERT(n >= 5);
  ctk_fuzz_sip_cleanup();
}

static void test_replay_http(void)
{
  int n = 0;
  n += replay_dir("tests/fuzz/regressions/http", ctk_fuzz_http, 0);
  n += replay_dir("fixtures/hostile", ctk_fuzz_http, 0);
  CU_ASSERT(n >= 50);
  ctk_fuzz_http_cleanup();
}

/* The fuzz build lives next to the ctk binary under test, so engineers testing at the same
 * time never share it. */
static void fuzz_build_dir(char *out, size_t outlen)
{
  const char *bin = ctk_test_ctk_bin();
  const char *slash = strrchr(bin, '/');
  if(slash)
    snprintf(out, outlen, "%.*s/fuzz", (int)(slash - bin), bin);
  else
    snprintf(out, outlen, "build/fuzz");
}

static void test_short_fuzz_run(void)
{
  static const char *const targets[] = { "msg", "profile", "sip", "http" };
  char dir[600];
  char cmd[1024];
  size_t i;

  if(ctk_test_run("command -v clang >/dev/null 2>&1", NULL) != 0) {
    fprintf(stderr, "test_fuzz_short: clang not installed, short fuzz run skipped "
                    "(apt-get install clang libclang-rt-14-dev)\n");
    return;
  }
  fuzz_build_dir(dir, sizeof(dir));
  for(i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
    char *out = NULL;
    int rc;
    snprintf(cmd, sizeof(cmd), "FUZZ_BUILD='%s' sh scripts/fuzz.sh --seconds 5 --target %s 2>&1",
             dir, targets[i]);
    rc = ctk_test_run(cmd, &out);
    if(rc != 0)
      fprintf(stderr, "test_fuzz_short: %s exit %d\n%s\n", targets[i], rc, out ? out : "");
    CU_ASSERT_EQUAL(rc, 0);
    free(out);
  }
}

void ctk_test_add_fuzz_short(CU_pSuite suite)
{
  CTK_TEST(suite, test_replay_msg);
  CTK_TEST(suite, test_replay_profile);
  CTK_TEST(suite, test_replay_sip);
  CTK_TEST(suite, test_replay_http);
  CTK_TEST(suite, test_short_fuzz_run);
}
