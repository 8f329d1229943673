/* test_hardening: the bounds of issue 17 held on a running province: what unauthenticated and
 * refused requests may leave in the store. The timings (CPU per refusal, answers under 2,000
 * slow connections) are measured by the "measure" suite (bench/hostile.sh), not asserted here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_buf.h"
#include "ctk_test.h"
#include "ctk_test_hardening.h"
#include "ctk_test_serve.h"
#include "ctk_test_wire.h"

/* Rows of received messages in a node's log (its outbox logs what it sends, at any time). */
#define INBOUND_ROWS "SELECT count(*) FROM messages WHERE direction='in'"

/* A province with no ministry (its outbox keeps what it would forward) in a fresh dir. */
static void hardening_province(ctk_test_node *province, const char *dir)
{
  CU_ASSERT_FATAL(ctk_ts_start_inproc(province, "province", ctk_test_tmpdir(dir),
                                      "http://127.0.0.1:9") == CTK_E_OK);
}

/* 100 unauthenticated 1 MB requests grow the store by less than 100 KB (it grew by 104 MB when
 * the body was decoded and kept before the credentials were checked). */
static void test_unauthenticated_flood_keeps_nothing(void)
{
  ctk_test_node province;
  long long before;
  long long after;
  long logged;
  int i;
  int refused = 0;

  hardening_province(&province, "hard-flood");
  before = ctk_th_store_bytes(&province);
  logged = ctk_ts_query_long(&province, INBOUND_ROWS);
  for(i = 0; i < 100; i++)
    refused += ctk_th_send_padded(province.port, NULL, 1000000, i) == 2001;
  after = ctk_th_store_bytes(&province);
  CU_ASSERT_EQUAL(refused, 100);
  CU_ASSERT(after - before < 100 * 1024);
  CU_ASSERT_EQUAL(ctk_ts_query_long(&province, INBOUND_ROWS), logged);
  CU_ASSERT_EQUAL(ctk_th_admin_count(province.port, "refused_unauthenticated"), 100);
  CU_ASSERT_EQUAL(ctk_ts_stop(&province), 0);
}

/* A city with valid credentials sending refused messages keeps at most the first 64 KiB of
 * each, and 8 MiB an hour in all; past that its refusals are counted, not stored. */
static void test_authenticated_refusals_are_bounded(void)
{
  ctk_test_node province;
  long long before;
  long long after;
  long kept;
  int i;
  int malformed = 0;

  hardening_province(&province, "hard-refused");
  before = ctk_th_store_bytes(&province);
  /* one small refusal, kept whole: its row says nothing of a cut */
  CU_ASSERT_EQUAL(ctk_th_send_garbage(province.port, CTK_TS_CITY, 1000), 1001);
  CU_ASSERT_EQUAL(ctk_ts_query_long(&province, "SELECT count(*) FROM messages WHERE "
                                               "verdict='rejected' AND length(raw)=1000 AND "
                                               "reason NOT LIKE '%bytes kept]%'"), 1);
  /* 200 messages of 200 KB that are not XML: 40 MB sent */
  for(i = 0; i < 200; i++)
    malformed += ctk_th_send_garbage(province.port, CTK_TS_CITY, 200000) == 1001;
  after = ctk_th_store_bytes(&province);
  CU_ASSERT_EQUAL(malformed, 200);
  kept = ctk_ts_query_long(&province, "SELECT count(*) FROM messages WHERE verdict='rejected'") -
         1;
  CU_ASSERT(kept > 0 && kept < 200);
  CU_ASSERT(ctk_ts_query_long(&province, "SELECT max(length(raw)) FROM messages") <= 65536);
  /* each kept one is cut to its first 64 KiB, and its row says so */
  CU_ASSERT_EQUAL(ctk_ts_query_long(&province, "SELECT count(*) FROM messages WHERE "
                                               "verdict='rejected' AND length(raw)=65536 AND "
                                               "reason LIKE '%[first 65536 of 200000 bytes kept]'"),
                  kept);
  CU_ASSERT_EQUAL(ctk_th_admin_count(province.port, "refusals_not_kept"), 200 - kept);
  /* the budget and what SQLite adds around it */
  CU_ASSERT(after - before < 12 * 1024 * 1024);
  CU_ASSERT_EQUAL(ctk_ts_stop(&province), 0);
}

void ctk_test_add_hardening(CU_pSuite suite)
{
  CTK_TEST(suite, test_unauthenticated_flood_keeps_nothing);
  CTK_TEST(suite, test_authenticated_refusals_are_bounded);
}
