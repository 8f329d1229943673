/* test_linkfaults: city -> province -> fault proxy -> ministry. The link breaks in every way the
 * proxy knows (down, slow, cut mid-request, cut after the ministry committed, connections
 * overtaking each other) while a city reports and updates orders; afterwards every order
 * acknowledged by the province is at the ministry exactly once, with its updates in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_faultproxy.h"
#include "ctk_node.h"
#include "ctk_store.h"
#include "ctk_test.h"
#include "ctk_test_serve.h"

#define LF_DRAIN_MS 30000

typedef struct link_fixture {
  ctk_test_node ministry;
  ctk_test_node province;
  ctk_faultproxy *proxy;
  char province_url[64];
  char today[16];
  const char *name;     /* test name, part of every MsgId and OrderId */
  unsigned seq;
} link_fixture;

static int lf_start(link_fixture *f, const char *name, unsigned seq_base)
{
  char dir[600];
  char upstream[64];
  ctk_faultproxy_config pc;

  memset(f, 0, sizeof(*f));
  f->name = name;
  f->seq = seq_base;
  ctk_beijing_strftime(time(NULL), "%Y%m%d", f->today, sizeof(f->today));
  snprintf(dir, sizeof(dir), "%s", ctk_test_tmpdir("linkfaults"));
  if(!dir[0])
    return -1;
  {
    char mdir[700];
    char pdir[700];
    snprintf(mdir, sizeof(mdir), "%s/ministry", dir);
    snprintf(pdir, sizeof(pdir), "%s/province", dir);
    if(ctk_ts_start_inproc(&f->ministry, "ministry", mdir, NULL) != CTK_E_OK)
      return -1;
    memset(&pc, 0, sizeof(pc));
    pc.target_port = f->ministry.port;
    if(ctk_faultproxy_start(&pc, &f->proxy) != CTK_E_OK)
      return -1;
    snprintf(upstream, sizeof(upstream), "http://127.0.0.1:%d", ctk_faultproxy_port(f->proxy));
    if(ctk_ts_start_inproc(&f->province, "province", pdir, upstream) != CTK_E_OK)
      return -1;
  }
  ctk_ts_url(&f->province, f->province_url, sizeof(f->province_url));
  return 0;
}

static void lf_stop(link_fixture *f)
{
  ctk_ts_stop(&f->province);
  ctk_faultproxy_stop(f->proxy);
  ctk_ts_stop(&f->ministry);
}

static void lf_order_id(const link_fixture *f, unsigned i, char *out, size_t outlen)
{
  snprintf(out, outlen, "%s%s%06u", CTK_TS_CITY, f->today, i % 1000000);
}

/* The city sends one message to the province; returns its result code ("" if none). */
static void city_send(link_fixture *f, const char *iface, const char *body, char *code,
                      size_t codelen)
{
  char msg_id[64];
  ctk_buf msg;

  snprintf(msg_id, sizeof(msg_id), "lf-%s-%06u-%s", f->name, f->seq++, iface);
  ctk_buf_init(&msg, 0);
  ctk_ts_message(&msg, msg_id, iface, CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2, body);
  ctk_ts_post(f->province_url, CTK_TS_CITY, msg.data, msg.len, code, codelen, 10000);
  ctk_buf_free(&msg);
}

/* Report orders [first, first + count); returns how many the province acknowledged. */
static int report_orders(link_fixture *f, unsigned first, unsigned count)
{
  unsigned i;
  int ok = 0;

  for(i = first; i < first + count; i++) {
    char order_id[32];
    char code[32];
    ctk_buf body;
    ctk_buf_init(&body, 0);
    lf_order_id(f, i, order_id, sizeof(order_id));
    ctk_ts_report_body(&body, order_id, CTK_TS_CITY, "link fault test");
    city_send(f, "1001", ctk_buf_str(&body), code, sizeof(code));
    if(!strcmp(code, "0000"))
      ok++;
    else
      fprintf(stderr, "test_linkfaults: report of %s answered '%s'\n", order_id, code);
    ctk_buf_free(&body);
  }
  return ok;
}

static ctk_code drain(link_fixture *f)
{
  ctk_node_outbox_kick(f->province.engine);
  return ctk_node_outbox_drain(f->province.engine, LF_DRAIN_MS);
}

/* Nothing applied twice at the ministry: no (order, interface) twice in its history, and no
 * message id accepted twice from the province. */
static void assert_no_duplicates(link_fixture *f)
{
  long twice_history = ctk_ts_query_long(
    &f->ministry, "SELECT COUNT(*) FROM (SELECT order_id, interface_code FROM history "
                  "GROUP BY order_id, interface_code HAVING COUNT(*) > 1)");
  long twice_accepted = ctk_ts_query_long(
    &f->ministry, "SELECT COUNT(*) FROM (SELECT sender, msg_id FROM messages "
                  "WHERE direction = 'in' AND verdict = 'accepted' "
                  "GROUP BY sender, msg_id HAVING COUNT(*) > 1)");
  CU_ASSERT_EQUAL(twice_history, 0);
  CU_ASSERT_EQUAL(twice_accepted, 0);
}

static void assert_all_at_ministry(link_fixture *f, unsigned first, unsigned count)
{
  unsigned i;
  for(i = first; i < first + count; i++) {
    char order_id[32];
    int has;
    lf_order_id(f, i, order_id, sizeof(order_id));
    has = ctk_ts_has_order(&f->ministry, order_id);
    if(has != 1)
      fprintf(stderr, "test_linkfaults: %s missing at the ministry\n", order_id);
    CU_ASSERT_EQUAL(has, 1);
  }
}

static void test_link_down_then_everything_drains_once(void)
{
  link_fixture f;
  ctk_ts_counts pc;
  ctk_ts_counts mc;

  CU_ASSERT_FATAL(lf_start(&f, "down", 0) == 0);
  CU_ASSERT_EQUAL(ctk_faultproxy_set_mode(f.proxy, CTK_FP_REFUSE), CTK_E_OK);
  /* the province acknowledges while its upper link is down: that is what the outbox is for */
  CU_ASSERT_EQUAL(report_orders(&f, 1, 20), 20);
  ctk_ts_counts_get(&f.province, &pc);
  CU_ASSERT_EQUAL(pc.orders, 20);
  CU_ASSERT(pc.outbox_pending >= 20);
  ctk_test_run("sleep 0.5", NULL); /* a few failed attempts while down */
  ctk_ts_counts_get(&f.ministry, &mc);
  CU_ASSERT_EQUAL(mc.orders, 0);
  ctk_ts_counts_get(&f.province, &pc);
  CU_ASSERT_EQUAL(pc.outbox_delivered, 0);
  /* every attempt is counted once and logged once; a message a worker claimed but gave back
   * untried (its batch stopped at the first failure) counts no attempt */
  CU_ASSERT_EQUAL(ctk_ts_query_long(&f.province,
                                    "SELECT (SELECT COALESCE(SUM(attempts), 0) FROM outbox) - "
                                    "(SELECT COUNT(*) FROM messages WHERE direction = 'out')"),
                  0);
  CU_ASSERT(ctk_ts_query_long(&f.province, "SELECT COUNT(*) FROM outbox WHERE attempts > 0") >=
            1);

  CU_ASSERT_EQUAL(ctk_faultproxy_set_mode(f.proxy, CTK_FP_UP), CTK_E_OK);
  CU_ASSERT_EQUAL(drain(&f), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_ts_query_long(&f.province,
                                    "SELECT (SELECT SUM(attempts) FROM outbox) - "
                                    "(SELECT COUNT(*) FROM messages WHERE direction = 'out')"),
                  0);
  ctk_ts_counts_get(&f.province, &pc);
  CU_ASSERT_EQUAL(pc.outbox_pending, 0);
  CU_ASSERT_EQUAL(pc.outbox_failed, 0);
  ctk_ts_counts_get(&f.ministry, &mc);
  CU_ASSERT_EQUAL(mc.orders, 20);
  assert_all_at_ministry(&f, 1, 20);
  assert_no_duplicates(&f);
  lf_stop(&f);
}

static void test_link_reset_while_down_then_drains(void)
{
  link_fixture f;
  ctk_ts_counts mc;

  CU_ASSERT_FATAL(lf_start(&f, "reset", 100) == 0);
  /* connections accepted then reset: the province must treat it like a refusal */
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.proxy, "down reset"), CTK_E_OK);
  CU_ASSERT_EQUAL(report_orders(&f, 101, 10), 10);
  ctk_test_run("sleep 0.5", NULL);
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.proxy, "up"), CTK_E_OK);
  CU_ASSERT_EQUAL(drain(&f), CTK_E_OK);
  ctk_ts_counts_get(&f.ministry, &mc);
  CU_ASSERT_EQUAL(mc.orders, 10);
  assert_all_at_ministry(&f, 101, 10);
  assert_no_duplicates(&f);
  lf_stop(&f);
}

static void test_slow_link_delivers_everything(void)
{
  link_fixture f;
  ctk_ts_counts mc;

  CU_ASSERT_FATAL(lf_start(&f, "slow", 200) == 0);
  ctk_faultproxy_set_delay(f.proxy, 50);
  ctk_faultproxy_set_rate(f.proxy, 50000);
  CU_ASSERT_EQUAL(report_orders(&f, 201, 6), 6);
  CU_ASSERT_EQUAL(drain(&f), CTK_E_OK);
  ctk_ts_counts_get(&f.ministry, &mc);
  CU_ASSERT_EQUAL(mc.orders, 6);
  assert_all_at_ministry(&f, 201, 6);
  assert_no_duplicates(&f);
  lf_stop(&f);
}

static void test_cut_requests_are_retried_not_doubled(void)
{
  link_fixture f;
  ctk_faultproxy_stats st;
  ctk_ts_counts mc;
  long repeats;
  unsigned long cuts_before;

  CU_ASSERT_FATAL(lf_start(&f, "cut", 300) == 0);
  /* requests cut half-sent: the ministry never saw them whole, the province must retry */
  ctk_faultproxy_set_cut(f.proxy, CTK_FP_TO_SERVER, 200, 3);
  CU_ASSERT_EQUAL(report_orders(&f, 301, 5), 5);
  CU_ASSERT_EQUAL(drain(&f), CTK_E_OK);
  ctk_faultproxy_get_stats(f.proxy, &st);
  CU_ASSERT(st.cut >= 1);

  /* answers cut after the ministry committed: the province retries the same MsgId and the
   * ministry must answer it as a repeat, applying nothing twice */
  cuts_before = st.cut;
  ctk_faultproxy_set_cut(f.proxy, CTK_FP_TO_CLIENT, 20, 3);
  /* the cut applies to new connections: break the kept-alive one so the next is new */
  CU_ASSERT_EQUAL(ctk_faultproxy_set_mode(f.proxy, CTK_FP_RESET), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_faultproxy_set_mode(f.proxy, CTK_FP_UP), CTK_E_OK);
  CU_ASSERT_EQUAL(report_orders(&f, 306, 5), 5);
  CU_ASSERT_EQUAL(drain(&f), CTK_E_OK);
  ctk_faultproxy_get_stats(f.proxy, &st);
  CU_ASSERT(st.cut > cuts_before);

  ctk_ts_counts_get(&f.ministry, &mc);
  CU_ASSERT_EQUAL(mc.orders, 10);
  assert_all_at_ministry(&f, 301, 10);
  assert_no_duplicates(&f);
  repeats = ctk_ts_query_long(&f.ministry,
                              "SELECT COUNT(*) FROM messages WHERE verdict = 'repeat'");
  CU_ASSERT(repeats >= 1);
  lf_stop(&f);
}

typedef struct history_walk {
  char codes[16][8];
  size_t n;
} history_walk;

static int collect_history(void *ctx, const ctk_history_event *ev)
{
  history_walk *w = ctx;
  if(w->n < 16)
    ctk_strlcpy(w->codes[w->n++], ev->interface_code, sizeof(w->codes[0]));
  return 0;
}

static void test_updates_arrive_in_order_despite_overtaking(void)
{
  static const char *const expected[] = { "1001", "1006", "1007", "1014" };
  link_fixture f;
  unsigned i;
  char path[700];
  ctk_store *s = NULL;
  long rejected;

  CU_ASSERT_FATAL(lf_start(&f, "order", 400) == 0);
  /* every 2nd connection to the ministry is held 300 ms, so later ones overtake it */
  CU_ASSERT_EQUAL(ctk_faultproxy_command(f.proxy, "skew 2 300"), CTK_E_OK);
  for(i = 401; i <= 403; i++) {
    char order_id[32];
    char body[512];
    char code[32];
    char now[40];

    ctk_datetime_format(time(NULL), now, sizeof(now));
    lf_order_id(&f, i, order_id, sizeof(order_id));
    CU_ASSERT_EQUAL(report_orders(&f, i, 1), 1);
    snprintf(body, sizeof(body),
             "<WorkOrderComplete><OrderId>%s</OrderId><Handler>agent 7</Handler>"
             "<Result>refunded</Result><CompleteTime>%s</CompleteTime></WorkOrderComplete>",
             order_id, now);
    city_send(&f, "1006", body, code, sizeof(code));
    CU_ASSERT_STRING_EQUAL(code, "0000");
    snprintf(body, sizeof(body),
             "<RevisitResult><OrderId>%s</OrderId><Reached>true</Reached>"
             "<Satisfaction>1</Satisfaction><RevisitTime>%s</RevisitTime></RevisitResult>",
             order_id, now);
    city_send(&f, "1007", body, code, sizeof(code));
    CU_ASSERT_STRING_EQUAL(code, "0000");
    snprintf(body, sizeof(body),
             "<WorkOrderArchive><OrderId>%s</OrderId><ArchiveTime>%s</ArchiveTime>"
             "</WorkOrderArchive>",
             order_id, now);
    city_send(&f, "1014", body, code, sizeof(code));
    CU_ASSERT_STRING_EQUAL(code, "0000");
  }
  CU_ASSERT_EQUAL(drain(&f), CTK_E_OK);

  ctk_ts_db_path(&f.ministry, path, sizeof(path));
  CU_ASSERT_FATAL(ctk_store_open(path, 1, &s) == CTK_E_OK);
  for(i = 401; i <= 403; i++) {
    char order_id[32];
    history_walk w;
    ctk_order o;
    size_t k;
    memset(&w, 0, sizeof(w));
    lf_order_id(&f, i, order_id, sizeof(order_id));
    CU_ASSERT_EQUAL(ctk_store_order_get(s, order_id, &o), CTK_E_OK);
    CU_ASSERT_STRING_EQUAL(o.status, "09");
    ctk_store_history_each(s, order_id, collect_history, &w);
    CU_ASSERT_EQUAL(w.n, 4);
    for(k = 0; k < w.n && k < 4; k++)
      CU_ASSERT_STRING_EQUAL(w.codes[k], expected[k]);
  }
  ctk_store_close(s);
  /* an update overtaking its predecessor would have been refused as STATE */
  rejected = ctk_ts_query_long(&f.ministry,
                               "SELECT COUNT(*) FROM messages WHERE verdict = 'rejected'");
  CU_ASSERT_EQUAL(rejected, 0);
  assert_no_duplicates(&f);
  lf_stop(&f);
}

void ctk_test_add_linkfaults(CU_pSuite suite)
{
  CTK_TEST(suite, test_link_down_then_everything_drains_once);
  CTK_TEST(suite, test_link_reset_while_down_then_drains);
  CTK_TEST(suite, test_slow_link_delivers_everything);
  CTK_TEST(suite, test_cut_requests_are_retried_not_doubled);
  CTK_TEST(suite, test_updates_arrive_in_order_despite_overtaking);
}
