/* test_bench: the load generator counts what it sends: every order once, over many connections
 * driven by two threads, against the bare ceiling, a reference ministry and several targets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_bench.h"
#include "ctk_http.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"


static const ctk_node PROVINCE = { "360000", CTK_LEVEL_PROVINCE };
static const ctk_node MINISTRY = { "100000", CTK_LEVEL_MINISTRY };

static void config_single(ctk_bench_config *cfg, const char *url, unsigned clients,
                          unsigned long orders)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->url = url;
  cfg->profile = ctk_test_profile();
  cfg->sender = PROVINCE;
  cfg->receiver = MINISTRY;
  cfg->clients = clients;
  cfg->max_orders = orders;
  cfg->duration_s = 60;
  cfg->quiet = 1;
}

/* A bare fixed-reply server and its base URL. */
static ctk_bench_bare *bare_start(char *url, size_t size)
{
  ctk_bench_bare *bare = NULL;
  int port = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(ctk_test_profile());
  CU_ASSERT_EQUAL_FATAL(ctk_bench_bare_start(ctk_test_profile(), 2, &bare, &port), CTK_E_OK);
  snprintf(url, size, "http://127.0.0.1:%d", port);
  return bare;
}

static void test_bench_bare_counts_every_order(void)
{
  ctk_bench_config cfg;
  ctk_bench_result r;
  char url[64];
  ctk_bench_bare *bare = bare_start(url, sizeof(url));

  /* more connections than loop threads, and an order count they do not divide */
  config_single(&cfg, url, 7, 503);
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.sent, 503);
  CU_ASSERT_EQUAL(r.ok, 503);
  CU_ASSERT_EQUAL(r.refused, 0);
  CU_ASSERT_EQUAL(r.failed, 0);
  CU_ASSERT(r.p50_ms > 0 && r.p50_ms <= r.p99_ms && r.p99_ms <= r.max_ms);
  CU_ASSERT(r.cpu_s > 0);
  CU_ASSERT(r.rate > 0);
  ctk_bench_bare_stop(bare);
}

static void test_bench_open_loop_keeps_its_schedule(void)
{
  ctk_bench_config cfg;
  ctk_bench_result r;
  char url[64];
  ctk_bench_bare *bare = bare_start(url, sizeof(url));

  /* 100 orders at 200/s: the last is due at 0.495 s, however fast the server answers */
  config_single(&cfg, url, 4, 100);
  cfg.rate = 200;
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.ok, 100);
  CU_ASSERT(r.wall_s >= 0.49);
  ctk_bench_bare_stop(bare);
}

static void test_bench_ministry_stores_each_order_once(void)
{
  ctk_test_node min;
  ctk_ts_counts counts;
  ctk_bench_config cfg;
  ctk_bench_result r;
  char url[128];
  char secret[64];

  CU_ASSERT_PTR_NOT_NULL_FATAL(ctk_test_profile());
  CU_ASSERT_EQUAL_FATAL(ctk_ts_start_inproc(&min, "ministry", ctk_test_tmpdir("bench-min"), NULL),
                        CTK_E_OK);
  ctk_ts_url(&min, url, sizeof(url));
  ctk_ts_secret(CTK_TS_PROVINCE, secret, sizeof(secret));
  config_single(&cfg, url, 5, 120);
  cfg.secret = secret;
  cfg.first_seq = 1000;
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.ok, 120);
  CU_ASSERT_EQUAL(r.refused + r.failed, 0);
  CU_ASSERT_STRING_EQUAL(r.first_refusal, "");
  CU_ASSERT_EQUAL(ctk_ts_counts_get(&min, &counts), CTK_E_OK);
  CU_ASSERT_EQUAL(counts.orders, 120);

  /* a wrong secret: every order answered, none accepted, and the first refusal says why */
  cfg.secret = "not-the-secret";
  cfg.first_seq = 5000;
  cfg.max_orders = 10;
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.sent, 10);
  CU_ASSERT_EQUAL(r.ok, 0);
  CU_ASSERT_EQUAL(r.refused + r.failed, 10);
  CU_ASSERT_EQUAL(ctk_ts_counts_get(&min, &counts), CTK_E_OK);
  CU_ASSERT_EQUAL(counts.orders, 120);
  CU_ASSERT_EQUAL(ctk_ts_stop(&min), 0);
}

/* 32 provinces with 8 delivery workers each hold 256 connections to the ministry; at the old
 * limit of 256, connections past it waited in the listen queue until an idle one timed out
 * (30 s). 300 connections must all be served at once. */
static void test_bench_ministry_takes_many_connections(void)
{
  ctk_test_node min;
  ctk_bench_config cfg;
  ctk_bench_result r;
  char url[128];
  char secret[64];

  CU_ASSERT_PTR_NOT_NULL_FATAL(ctk_test_profile());
  CU_ASSERT_EQUAL_FATAL(ctk_ts_start_inproc(&min, "ministry", ctk_test_tmpdir("bench-conns"),
                                            NULL), CTK_E_OK);
  ctk_ts_url(&min, url, sizeof(url));
  ctk_ts_secret(CTK_TS_PROVINCE, secret, sizeof(secret));
  config_single(&cfg, url, 300, 600);
  cfg.secret = secret;
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.ok, 600);
  CU_ASSERT(r.wall_s < 25);
  CU_ASSERT_EQUAL(ctk_ts_stop(&min), 0);
}

static void test_bench_lanes_share_their_targets(void)
{
  ctk_bench_bare *bare[2];
  char url[2][64];
  ctk_bench_lane lanes[3];
  ctk_bench_config cfg;
  ctk_bench_result r;
  unsigned long before[2], added[2];
  int i;

  for(i = 0; i < 2; i++)
    bare[i] = bare_start(url[i], sizeof(url[i]));
  memset(lanes, 0, sizeof(lanes));
  /* two lanes (cities) into the first target, one into the second, uneven counts */
  for(i = 0; i < 3; i++) {
    ctk_strlcpy(lanes[i].url, url[i < 2 ? 0 : 1], sizeof(lanes[i].url));
    lanes[i].sender = (ctk_node){ "360100", CTK_LEVEL_CITY };
    lanes[i].receiver = PROVINCE;
  }
  lanes[1].sender.region[3] = '2';
  lanes[0].orders = 40;
  lanes[1].orders = 25;
  lanes[2].orders = 31;
  memset(&cfg, 0, sizeof(cfg));
  cfg.profile = ctk_test_profile();
  cfg.lanes = lanes;
  cfg.n_lanes = 3;
  cfg.clients = 3;
  cfg.duration_s = 60;
  cfg.quiet = 1;
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.sent, 96);
  CU_ASSERT_EQUAL(r.ok, 96);
  /* a connection for each lane: two to the first target, one to the second. Counted as what
   * this run adds: how the shared clients above spread over the targets depends on timing. */
  before[0] = ctk_http_server_connections(ctk_bench_bare_server(bare[0]));
  before[1] = ctk_http_server_connections(ctk_bench_bare_server(bare[1]));
  cfg.clients = 0;
  cfg.clients_per_lane = 1;
  cfg.first_seq = 100;
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_OK);
  CU_ASSERT_EQUAL(r.ok, 96);
  added[0] = ctk_http_server_connections(ctk_bench_bare_server(bare[0])) - before[0];
  added[1] = ctk_http_server_connections(ctk_bench_bare_server(bare[1])) - before[1];
  if(added[0] != 2 || added[1] != 1)
    fprintf(stderr, "\n  connections added: %lu and %lu\n", added[0], added[1]);
  /* the first target's two clients share its queue, and a client opens its connection with
   * its first order: when one drains the queue first the other never connects (seen once in
   * CI: 1 and 1). At most one per lane, and every target reached. */
  CU_ASSERT_TRUE(added[0] >= 1 && added[0] <= 2);
  CU_ASSERT_EQUAL(added[1], 1);
  /* more connections than the generator may open is refused before anything is sent */
  cfg.clients_per_lane = CTK_BENCH_CLIENTS_MAX / 3 + 1;
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_INVAL);
  CU_ASSERT_EQUAL(r.sent, 0);
  cfg.clients_per_lane = 0;
  cfg.clients = CTK_BENCH_CLIENTS_MAX;
  CU_ASSERT_EQUAL(ctk_bench_ingest(&cfg, &r), CTK_E_INVAL);
  CU_ASSERT_EQUAL(r.sent, 0);
  for(i = 0; i < 2; i++)
    ctk_bench_bare_stop(bare[i]);
}

void ctk_test_add_bench(CU_pSuite suite)
{
  CTK_TEST(suite, test_bench_bare_counts_every_order);
  CTK_TEST(suite, test_bench_open_loop_keeps_its_schedule);
  CTK_TEST(suite, test_bench_ministry_stores_each_order_once);
  CTK_TEST(suite, test_bench_ministry_takes_many_connections);
  CTK_TEST(suite, test_bench_lanes_share_their_targets);
}
