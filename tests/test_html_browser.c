/* test_html_browser: the HTML report really renders: headless Chromium loads it, the DOM it
 * prints has the summary numbers and the SVG charts, and a screenshot is taken. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctk_report.h"
#include "ctk_file.h"
#include "ctk_test.h"

#define CHROMIUM "/usr/bin/chromium"
#define FIXTURE "tests/data/results/province-360000-fail.json"
/* Bounded: a hung browser is killed, and its profile lives in the test's scratch folder. */
#define BROWSER_TIMEOUT "timeout -k 5 90"
#define BROWSER_FLAGS                                                                              \
  "--headless --no-sandbox --disable-gpu --disable-background-networking "                        \
  "--disable-component-update --disable-sync --no-first-run"

static char page[700], dir[600];

/* Write the fail fixture's HTML report into a fresh folder; 0 when chromium is missing. */
static int prepare(void)
{
  ctk_run *run = NULL;
  ctk_buf b;
  char err[256];

  if(access(CHROMIUM, X_OK) != 0) {
    printf("\n    SKIPPED: %s is not installed; the browser rendering test did not run\n",
           CHROMIUM);
    CU_PASS("chromium missing: browser test skipped");
    return 0;
  }
  if(!page[0]) {
    ctk_strlcpy(dir, ctk_test_tmpdir("html-browser"), sizeof(dir));
    snprintf(page, sizeof(page), "%s/report.html", dir);
    CU_ASSERT_EQUAL_FATAL(ctk_report_json_load(FIXTURE, &run, err, sizeof(err)), CTK_E_OK);
    ctk_buf_init(&b, CTK_REPORT_MAX_BYTES);
    CU_ASSERT_EQUAL_FATAL(ctk_report_html_write(run, &b), CTK_E_OK);
    CU_ASSERT_EQUAL_FATAL(ctk_file_write_atomic(page, b.data, b.len, 0644), CTK_E_OK);
    ctk_buf_free(&b);
    ctk_run_free(run);
  }
  return 1;
}

static void test_dom_has_summary_and_charts(void)
{
  char cmd[4096], *dom = NULL;
  int rc;

  if(!prepare())
    return;
  snprintf(cmd, sizeof(cmd),
           BROWSER_TIMEOUT " " CHROMIUM " " BROWSER_FLAGS " --user-data-dir=%s/profile-dom "
                           "--dump-dom file://%s 2>/dev/null",
           dir, page);
  rc = ctk_test_run(cmd, &dom);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dom);
  /* The numbers of the fail fixture: 15 tests, 11 pass, 2 fail, 1 inconc, 1 skip. */
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "id=\"n-total\">15<"));
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "id=\"n-pass\">11<"));
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "id=\"n-fail\">2<"));
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "id=\"n-inconc\">1<"));
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "不可认证")); /* Chinese by default */
  /* The charts survived parsing as SVG: bars of the histogram and the load line. */
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "<svg"));
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "<rect"));
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "<polyline"));
  CU_ASSERT_PTR_NOT_NULL(strstr(dom, "不是 JT/T 1019.3 的官方文本"));
  free(dom);
}

static void test_screenshot(void)
{
  char cmd[4096], shot[760];
  struct stat st;
  FILE *f;
  unsigned char sig[8] = { 0 };

  if(!prepare())
    return;
  snprintf(shot, sizeof(shot), "%s/report.png", dir);
  snprintf(cmd, sizeof(cmd),
           BROWSER_TIMEOUT " " CHROMIUM " " BROWSER_FLAGS " --user-data-dir=%s/profile-shot "
                           "--window-size=1280,2400 --screenshot=%s file://%s >/dev/null 2>&1",
           dir, shot, page);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);
  CU_ASSERT_EQUAL_FATAL(stat(shot, &st), 0);
  /* A blank page compresses to a few kilobytes; a rendered report is far larger. */
  CU_ASSERT(st.st_size > 50 * 1024);
  f = fopen(shot, "rb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(fread(sig, 1, sizeof(sig), f), sizeof(sig));
  fclose(f);
  CU_ASSERT_EQUAL(memcmp(sig, "\x89PNG\r\n\x1a\n", 8), 0);
  printf("\n    screenshot: %s (%ld bytes)\n", shot, (long)st.st_size);
}

void ctk_test_add_html_browser(CU_pSuite s)
{
  CTK_TEST(s, test_dom_has_summary_and_charts);
  CTK_TEST(s, test_screenshot);
}
