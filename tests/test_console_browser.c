/* test_console_browser: the acceptance console in a real browser. Prepares a data folder
 * (accounts and keys through `ctk console user add` and `ctk console key`, bundles through
 * `ctk bundle`), starts `ctk console`, and has Debian's chromium, driven by puppeteer-core
 * (tests/browser/console.js), walk the centre's and the provinces' paths; then kills the console
 * with SIGKILL, starts it again and checks that everything is still there. Screenshots of each
 * page go to BUILD/console-shots. */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_proc.h"
#include "ctk_test.h"

#define CHROMIUM "/usr/bin/chromium"
#define SCRIPT "tests/browser/console.js"
#define FIXTURE "tests/data/results/province-360000-pass.json"
/* A run of the script is bounded; a hung browser is killed with it. */
#define NODE_TIMEOUT "timeout -k 5 300"

static char scratch[600], data[700], shots[700], bundles[700], port_file[700];
static ctk_proc console_proc;

/* The shots go next to the ctk binary: BUILD/console-shots. */
static void shots_dir(void)
{
  const char *bin = ctk_test_ctk_bin();
  const char *slash = strrchr(bin, '/');
  char cmd[1600];

  snprintf(shots, sizeof(shots), "%.*s/console-shots", slash ? (int)(slash - bin) : 5,
           slash ? bin : "build");
  snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", shots, shots);
  ctk_test_run(cmd, NULL);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
  char cmd[4096];
  char *out = NULL;
  va_list ap;
  int rc;

  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  rc = ctk_test_run(cmd, &out);
  if(rc != 0)
    printf("\n    command failed (%d): %s\n%s\n", rc, cmd, out ? out : "");
  free(out);
  return rc;
}

/* Accounts, keys and the three bundles: Jiangxi's good one and one signed with another key,
 * Hubei's good one. */
static int prepare(void)
{
  const char *ctk = ctk_test_ctk_bin();

  ctk_strlcpy(scratch, ctk_test_tmpdir("console-browser"), sizeof(scratch));
  snprintf(data, sizeof(data), "%s/data", scratch);
  snprintf(bundles, sizeof(bundles), "%s/bundles", scratch);
  snprintf(port_file, sizeof(port_file), "%s/port", scratch);
  shots_dir();
  if(sh("mkdir -p '%s/jx' '%s/hb' '%s'", scratch, scratch, bundles) ||
     sh("echo centre-password-1 | '%s' console user add centre --role admin --data '%s'", ctk,
        data) ||
     sh("echo jiangxi-password-1 | '%s' console user add jx --role province --region 360000"
        " --data '%s'", ctk, data) ||
     sh("echo hubei-password-12 | '%s' console user add hb --role province --region 420000"
        " --data '%s'", ctk, data))
    return -1;
  if(sh("cd '%s' && '%s' bundle keygen --out jx && '%s' bundle keygen --out hb &&"
        " '%s' bundle keygen --out other", scratch, ctk, ctk, ctk) ||
     sh("'%s' console key 360000 '%s/jx.pub.pem' --data '%s'", ctk, scratch, data) ||
     sh("'%s' console key 420000 '%s/hb.pub.pem' --data '%s'", ctk, scratch, data))
    return -1;
  /* Jiangxi's evidence is a real run (part 1 of the self-test) packed by ctk bundle */
  if(sh("'%s' run --sut province --pics fixtures/pics/reference-province.pics --pixit"
        " fixtures/pixit/reference-province.pixit --select part:1 --quiet --out '%s/jx'", ctk,
        scratch) ||
     sh("sed 's/360000/420000/g' " FIXTURE " > '%s/hb/results.json'", scratch) ||
     sh("'%s' bundle --results '%s/jx' --key '%s/jx.pem' --out '%s/jx-good.tar.gz'", ctk,
        scratch, scratch, bundles) ||
     sh("'%s' bundle --results '%s/jx' --key '%s/other.pem' --out '%s/jx-tampered.tar.gz'", ctk,
        scratch, scratch, bundles) ||
     sh("'%s' bundle --results '%s/hb' --key '%s/hb.pem' --out '%s/hb-good.tar.gz'", ctk,
        scratch, scratch, bundles))
    return -1;
  return 0;
}

static int start_console(int *port)
{
  char log[760];
  char *argv[] = { (char *)ctk_test_ctk_bin(), "console", "--data", data, "--listen",
                   "127.0.0.1:0", "--port-file", port_file, "--today", "2016-04-01", NULL };

  unlink(port_file);
  snprintf(log, sizeof(log), "%s/console.log", scratch);
  if(ctk_proc_start(&console_proc, "console", argv, log))
    return -1;
  return ctk_proc_wait_port(&console_proc, port_file, 15000, port) ? -1 : 0;
}

static int node_phase(const char *phase, int port)
{
  char node[512], modules[600], cmd[4096];
  char *out = NULL;
  int rc;

  if(ctk_test_node_bin(node, sizeof(node)) ||
     ctk_test_npm_modules("npm-browser", "CTK_NPM_BROWSER_DIR", modules, sizeof(modules))) {
    CU_FAIL("node or puppeteer-core is missing: run `make deps` (Debian's nodejs and npm), "
            "or CTK_TEST_SKIP=browser");
    return -1;
  }
  snprintf(cmd, sizeof(cmd),
           "NODE_PATH='%s' CTK_CONSOLE_URL=http://127.0.0.1:%d CHROMIUM=" CHROMIUM
           " CTK_SHOTS='%s' CTK_SCRATCH='%s' CTK_BUNDLES='%s' CTK_PHASE=%s " NODE_TIMEOUT
           " '%s' " SCRIPT " 2>&1",
           modules, port, shots, scratch, bundles, phase, node);
  rc = ctk_test_run(cmd, &out);
  if(rc != 0 || getenv("CTK_TEST_VERBOSE"))
    printf("\n    %s (phase %s, exit %d):\n%s\n", SCRIPT, phase, rc, out ? out : "");
  free(out);
  return rc;
}

static void test_console_in_browser(void)
{
  int port = 0;
  struct stat st;
  char shot[800];
  static const char *const pages[] = { "01-login-zh", "04-submission-verified",
                                       "06-board-centre", "09-runs", "09b-sut-field-error", "11-run-failing-field",
                                       "12-requirements", "12b-requirements-province",
                                       "12c-monthly-province", "12e-monthly-centre",
                                       "12f-monthly-annex",
                                       "13-board-en",
                                       "16-after-restart" };
  size_t i;

  if(access(CHROMIUM, X_OK) != 0) {
    printf("\n    SKIPPED: %s is not installed; the console browser test did not run\n",
           CHROMIUM);
    CU_PASS("chromium missing: browser test skipped");
    return;
  }
  CU_ASSERT_EQUAL_FATAL(prepare(), 0);
  CU_ASSERT_EQUAL_FATAL(start_console(&port), 0);
  CU_ASSERT_EQUAL(node_phase("1", port), 0);

  /* kill -9: nothing of what the console answered may be lost. */
  CU_ASSERT_EQUAL(kill(console_proc.pid, SIGKILL), 0);
  ctk_proc_wait_exit(&console_proc, 5000);
  CU_ASSERT_EQUAL_FATAL(start_console(&port), 0);
  CU_ASSERT_EQUAL(node_phase("2", port), 0);
  ctk_proc_stop(&console_proc, 5000);

  for(i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
    snprintf(shot, sizeof(shot), "%s/%s.png", shots, pages[i]);
    CU_ASSERT_EQUAL(stat(shot, &st), 0);
    /* a blank page compresses to a few kilobytes */
    CU_ASSERT(st.st_size > 20 * 1024);
  }
  printf("\n    screenshots: %s\n", shots);
}

void ctk_test_add_console_browser(CU_pSuite s)
{
  CTK_TEST(s, test_console_in_browser);
}
