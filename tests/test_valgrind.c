/* test_valgrind: `ctk serve province` and `ctk serve ministry` run under valgrind for a short
 * exchange (reports forwarded to the ministry, a LinkCheck, bad messages), then get SIGTERM.
 * valgrind exits 99 on any memory error or definite leak; both must exit 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_proc.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"

#define VG_DRAIN_MS 120000 /* everything is ~20x slower under valgrind */

/* Full path of valgrind (the children are started with execv), "" when not installed. */
static void valgrind_path(char *out, size_t outlen)
{
  char *found = NULL;
  out[0] = '\0';
  if(ctk_test_run("command -v valgrind 2>/dev/null", &found) == 0 && found && found[0] == '/') {
    found[strcspn(found, "\r\n")] = '\0';
    ctk_strlcpy(out, found, outlen);
  }
  free(found);
}

static void vg_wrapper(const char *valgrind, const char *dir, char *out, size_t outlen)
{
  snprintf(out, outlen,
           "%.200s --quiet --error-exitcode=99 --leak-check=full "
           "--errors-for-leak-kinds=definite --num-callers=30 --log-file=%.500s/valgrind-%%p.log",
           valgrind, dir);
}

/* Send one message from the city; returns the result code in code. */
static void vg_send(const char *url, const char *msg_id, const char *iface, const char *body,
                    char *code, size_t codelen)
{
  ctk_buf msg;
  ctk_buf_init(&msg, 0);
  ctk_ts_message(&msg, msg_id, iface, CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2, body);
  ctk_ts_post(url, CTK_TS_CITY, msg.data, msg.len, code, codelen, 60000);
  ctk_buf_free(&msg);
}

static void test_nodes_clean_under_valgrind(void)
{
  ctk_test_node ministry;
  ctk_test_node province;
  char base[600];
  char mdir[700];
  char pdir[700];
  char mwrap[900];
  char pwrap[900];
  char upstream[64];
  char url[64];
  char code[32];
  char today[16];
  unsigned i;
  long long until;
  ctk_ts_counts mc;
  int status;
  char valgrind[256];

  valgrind_path(valgrind, sizeof(valgrind));
  if(!valgrind[0]) {
    fprintf(stderr, "test_valgrind: valgrind not installed, skipped\n");
    return;
  }
  ctk_beijing_strftime(time(NULL), "%Y%m%d", today, sizeof(today));
  snprintf(base, sizeof(base), "%s", ctk_test_tmpdir("valgrind"));
  snprintf(mdir, sizeof(mdir), "%s/ministry", base);
  snprintf(pdir, sizeof(pdir), "%s/province", base);
  vg_wrapper(valgrind, base, mwrap, sizeof(mwrap));
  vg_wrapper(valgrind, base, pwrap, sizeof(pwrap));
  CU_ASSERT_FATAL(ctk_ts_start(&ministry, "ministry", mdir, NULL, mwrap) == CTK_E_OK);
  ctk_ts_url(&ministry, upstream, sizeof(upstream));
  CU_ASSERT_FATAL(ctk_ts_start(&province, "province", pdir, upstream, pwrap) == CTK_E_OK);
  ctk_ts_url(&province, url, sizeof(url));

  /* a few orders, forwarded to the ministry through the outbox */
  for(i = 1; i <= 3; i++) {
    char order_id[32];
    char msg_id[48];
    ctk_buf body;
    ctk_buf_init(&body, 0);
    snprintf(order_id, sizeof(order_id), "%s%s%06u", CTK_TS_CITY, today, 700000 + i);
    snprintf(msg_id, sizeof(msg_id), "valgrind-report-%06u", i);
    ctk_ts_report_body(&body, order_id, CTK_TS_CITY, "under valgrind");
    vg_send(url, msg_id, "1001", ctk_buf_str(&body), code, sizeof(code));
    CU_ASSERT_STRING_EQUAL(code, "0000");
    /* the same message again: the idempotent path */
    vg_send(url, msg_id, "1001", ctk_buf_str(&body), code, sizeof(code));
    CU_ASSERT_STRING_EQUAL(code, "0000");
    ctk_buf_free(&body);
  }
  vg_send(url, "valgrind-linkcheck-0001", "1013", "<LinkCheck><Echo>hi</Echo></LinkCheck>", code,
          sizeof(code));
  CU_ASSERT_STRING_EQUAL(code, "0000");
  /* bad messages: a schema error, an unknown interface, and an entity bomb */
  vg_send(url, "valgrind-bad-000001", "1001", "<WorkOrderReport><Nope/></WorkOrderReport>", code,
          sizeof(code));
  CU_ASSERT(code[0] && strcmp(code, "0000"));
  vg_send(url, "valgrind-bad-000002", "9999", "<LinkCheck/>", code, sizeof(code));
  CU_ASSERT(code[0] && strcmp(code, "0000"));
  {
    static const char bomb[] =
      "<?xml version=\"1.0\"?><!DOCTYPE Message [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Message>&b;</Message>";
    ctk_ts_post(url, CTK_TS_CITY, bomb, sizeof(bomb) - 1, code, sizeof(code), 60000);
    CU_ASSERT_STRING_EQUAL(code, "1009");
  }

  /* wait until the ministry has the three orders (delivery runs under valgrind too) */
  until = ctk_now_ms() + VG_DRAIN_MS;
  memset(&mc, 0, sizeof(mc));
  while(ctk_now_ms() < until) {
    if(ctk_ts_counts_get(&ministry, &mc) == CTK_E_OK && mc.orders >= 3)
      break;
    ctk_sleep_ms(250);
  }
  CU_ASSERT_EQUAL(mc.orders, 3);

  status = ctk_ts_stop(&province);
  if(status != 0)
    fprintf(stderr, "test_valgrind: province exit %d; see %s/valgrind-*.log\n", status, base);
  CU_ASSERT_EQUAL(status, 0);
  status = ctk_ts_stop(&ministry);
  if(status != 0)
    fprintf(stderr, "test_valgrind: ministry exit %d; see %s/valgrind-*.log\n", status, base);
  CU_ASSERT_EQUAL(status, 0);
  {
    /* the nodes really ran under valgrind: each left its (empty, --quiet) log */
    char cmd[800];
    char *out = NULL;
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c '^valgrind-.*[.]log$'", base);
    ctk_test_run(cmd, &out);
    CU_ASSERT(out && atoi(out) >= 2);
    free(out);
  }
}

void ctk_test_add_valgrind(CU_pSuite suite)
{
  CTK_TEST(suite, test_nodes_clean_under_valgrind);
}
