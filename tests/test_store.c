/* test_store: the endpoint store keeps orders, idempotency answers and a per-order FIFO outbox
 * that survives a reopen. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_store.h"
#include "ctk_test.h"

static ctk_store *open_fresh(const char *name)
{
  char path[600];
  const char *dir = ctk_test_tmpdir(name);
  ctk_store *s = NULL;
  if(!dir)
    return NULL;
  snprintf(path, sizeof(path), "%s/ctk.db", dir);
  if(ctk_store_open(path, 0, &s))
    return NULL;
  return s;
}

static void fill_order(ctk_order *o, const char *id, const char *status)
{
  memset(o, 0, sizeof(*o));
  ctk_strlcpy(o->order_id, id, sizeof(o->order_id));
  ctk_strlcpy(o->accept_time, "2026-11-02T09:00:00+08:00", sizeof(o->accept_time));
  ctk_strlcpy(o->accept_region, "360100", sizeof(o->accept_region));
  ctk_strlcpy(o->handle_region, "360100", sizeof(o->handle_region));
  ctk_strlcpy(o->business_type, "1", sizeof(o->business_type));
  ctk_strlcpy(o->status, status, sizeof(o->status));
  ctk_strlcpy(o->deadline, "2026-11-06", sizeof(o->deadline));
  ctk_strlcpy(o->origin, "360100", sizeof(o->origin));
}

static int count_cb(void *ctx, const ctk_order *o)
{
  (void)o;
  (*(int *)ctx)++;
  return 0;
}

static int history_cb(void *ctx, const ctk_history_event *ev)
{
  char *seen = ctx;
  size_t n = strlen(seen);
  snprintf(seen + n, 64 - n, "%s,", ev->interface_code);
  return 0;
}

static void test_store_order_roundtrip(void)
{
  ctk_store *s = open_fresh("store-order");
  ctk_order o, got;
  ctk_history_event ev;
  ctk_buf xml;
  char seen[64] = "";
  int n = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  fill_order(&o, "36010020261102000001", "01");
  CU_ASSERT_EQUAL(ctk_store_order_get(s, o.order_id, &got), CTK_E_NOTFOUND);
  CU_ASSERT_EQUAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &o, "<WorkOrder/>", 12), CTK_E_OK);
  memset(&ev, 0, sizeof(ev));
  ctk_strlcpy(ev.interface_code, "1001", sizeof(ev.interface_code));
  ctk_strlcpy(ev.status, "01", sizeof(ev.status));
  CU_ASSERT_EQUAL(ctk_store_history_add(s, o.order_id, &ev), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);

  /* an update keeps the stored XML when none is given */
  ctk_strlcpy(o.status, "03", sizeof(o.status));
  ctk_strlcpy(o.target, "360400", sizeof(o.target));
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &o, NULL, 0), CTK_E_OK);
  ctk_strlcpy(ev.interface_code, "1002", sizeof(ev.interface_code));
  CU_ASSERT_EQUAL(ctk_store_history_add(s, o.order_id, &ev), CTK_E_OK);

  CU_ASSERT_EQUAL(ctk_store_order_get(s, o.order_id, &got), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(got.status, "03");
  CU_ASSERT_STRING_EQUAL(got.target, "360400");
  CU_ASSERT_STRING_EQUAL(got.deadline, "2026-11-06");
  ctk_buf_init(&xml, 1024);
  CU_ASSERT_EQUAL(ctk_store_order_xml(s, o.order_id, &xml), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&xml), "<WorkOrder/>");
  ctk_buf_free(&xml);
  CU_ASSERT_EQUAL(ctk_store_history_each(s, o.order_id, history_cb, seen), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(seen, "1001,1002,");

  /* period and region filters; overdue list */
  CU_ASSERT_EQUAL(ctk_store_orders_each(s, "36", "2026-11-01", "2026-11-30", count_cb, &n),
                  CTK_E_OK);
  CU_ASSERT_EQUAL(n, 1);
  n = 0;
  CU_ASSERT_EQUAL(ctk_store_orders_each(s, "44", "", "", count_cb, &n), CTK_E_OK);
  CU_ASSERT_EQUAL(n, 0);
  n = 0;
  CU_ASSERT_EQUAL(ctk_store_orders_each(s, "", "2026-11-03", "", count_cb, &n), CTK_E_OK);
  CU_ASSERT_EQUAL(n, 0);
  n = 0;
  CU_ASSERT_EQUAL(ctk_store_overdue_each(s, "2026-11-07", "01,03,04", count_cb, &n), CTK_E_OK);
  CU_ASSERT_EQUAL(n, 1);
  n = 0;
  CU_ASSERT_EQUAL(ctk_store_overdue_each(s, "2026-11-06", "01,03,04", count_cb, &n), CTK_E_OK);
  CU_ASSERT_EQUAL(n, 0);
  n = 0;
  CU_ASSERT_EQUAL(ctk_store_overdue_each(s, "2026-11-07", "07", count_cb, &n), CTK_E_OK);
  CU_ASSERT_EQUAL(n, 0);

  CU_ASSERT_EQUAL(ctk_store_urge_mark(s, o.order_id, "2026-11-07"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_urge_mark(s, o.order_id, "2026-11-07"), CTK_E_EXISTS);
  CU_ASSERT_EQUAL(ctk_store_urge_mark(s, o.order_id, "2026-11-08"), CTK_E_OK);
  ctk_store_close(s);
}

static void test_store_rollback_leaves_nothing(void)
{
  ctk_store *s = open_fresh("store-rollback");
  ctk_order o, got;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  fill_order(&o, "36010020261102000002", "01");
  CU_ASSERT_EQUAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_put(s, &o, NULL, 0), CTK_E_OK);
  ctk_store_rollback(s);
  CU_ASSERT_EQUAL(ctk_store_order_get(s, o.order_id, &got), CTK_E_NOTFOUND);
  ctk_store_close(s);
}

static void test_store_msgid(void)
{
  ctk_store *s = open_fresh("store-msgid");
  char hash[65];
  char ctype[64];
  ctk_buf answer;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  ctk_buf_init(&answer, 4096);
  CU_ASSERT_EQUAL(ctk_store_msgid_get(s, "360100", "m1", hash, &answer, ctype, sizeof(ctype)),
                  CTK_E_NOTFOUND);
  CU_ASSERT_EQUAL(ctk_store_msgid_put(s, "360100", "m1", "ab12", "<Answer/>", 9, "text/xml"),
                  CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_msgid_get(s, "360100", "m1", hash, &answer, ctype, sizeof(ctype)),
                  CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(hash, "ab12");
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&answer), "<Answer/>");
  CU_ASSERT_STRING_EQUAL(ctype, "text/xml");
  /* the same id from another sender is another message */
  ctk_buf_reset(&answer);
  CU_ASSERT_EQUAL(ctk_store_msgid_get(s, "360400", "m1", hash, &answer, ctype, sizeof(ctype)),
                  CTK_E_NOTFOUND);
  ctk_buf_free(&answer);
  ctk_store_close(s);
}

static ctk_code queue(ctk_store *s, const char *key, const char *msgid, int64_t at)
{
  ctk_outbox_item it;
  memset(&it, 0, sizeof(it));
  ctk_strlcpy(it.fifo_key, key, sizeof(it.fifo_key));
  ctk_strlcpy(it.peer, "100000", sizeof(it.peer));
  ctk_strlcpy(it.interface_code, "1001", sizeof(it.interface_code));
  ctk_strlcpy(it.msg_id, msgid, sizeof(it.msg_id));
  it.next_at_ms = at;
  return ctk_store_outbox_add(s, &it, msgid, strlen(msgid));
}

static void test_store_outbox_fifo_and_restart(void)
{
  const char *dir = ctk_test_tmpdir("store-outbox");
  char path[600];
  ctk_store *s = NULL;
  ctk_outbox_item it, it2;
  ctk_outbox_counts c;
  ctk_buf body;
  int64_t due;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/ctk.db", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_store_open(path, 0, &s), CTK_E_OK);
  ctk_buf_init(&body, 4096);
  CU_ASSERT_EQUAL(queue(s, "A", "a1", 0), CTK_E_OK);
  CU_ASSERT_EQUAL(queue(s, "A", "a2", 0), CTK_E_OK);
  CU_ASSERT_EQUAL(queue(s, "B", "b1", 0), CTK_E_OK);

  /* a1 first; a2 waits behind the in-flight a1, b1 is independent */
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 10, 0, &it, &body), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(it.msg_id, "a1");
  CU_ASSERT_STRING_EQUAL(ctk_buf_str(&body), "a1");
  ctk_buf_reset(&body);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 10, 0, &it2, &body), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(it2.msg_id, "b1");
  ctk_buf_reset(&body);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 10, 0, &it2, &body), CTK_E_NOTFOUND);

  /* a1 fails once: retried later, a2 still waits (order kept) */
  CU_ASSERT_EQUAL(ctk_store_outbox_retry(s, it.id, 500, "refused"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 100, 0, &it2, &body), CTK_E_NOTFOUND);
  CU_ASSERT_EQUAL(ctk_store_outbox_next_due(s, &due), CTK_E_OK);
  CU_ASSERT_EQUAL(due, 500);

  /* a crash: reopen, everything pending is due at once, nothing is in flight */
  ctk_store_close(s);
  s = NULL;
  CU_ASSERT_EQUAL_FATAL(ctk_store_open(path, 0, &s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_restart(s), CTK_E_OK);
  ctk_buf_reset(&body);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 100, 0, &it, &body), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(it.msg_id, "a1");
  CU_ASSERT_EQUAL(it.attempts, 1);
  CU_ASSERT_EQUAL(ctk_store_outbox_done(s, it.id, 1, NULL), CTK_E_OK);
  ctk_buf_reset(&body);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 100, 0, &it, &body), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(it.msg_id, "a2");
  CU_ASSERT_EQUAL(ctk_store_outbox_done(s, it.id, 0, "rejected"), CTK_E_OK);
  ctk_buf_reset(&body);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 100, 0, &it, &body), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(it.msg_id, "b1");

  CU_ASSERT_EQUAL(ctk_store_outbox_counts(s, &c), CTK_E_OK);
  CU_ASSERT_EQUAL(c.pending, 1);
  CU_ASSERT_EQUAL(c.delivered, 1);
  CU_ASSERT_EQUAL(c.failed, 1);
  ctk_buf_free(&body);
  ctk_store_close(s);
}

static void test_store_outbox_lifo(void)
{
  ctk_store *s = open_fresh("store-lifo");
  ctk_outbox_item it;
  ctk_buf body;

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  ctk_buf_init(&body, 4096);
  CU_ASSERT_EQUAL(queue(s, "A", "a1", 0), CTK_E_OK);
  CU_ASSERT_EQUAL(queue(s, "A", "a2", 0), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_outbox_claim(s, 10, 1, &it, &body), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(it.msg_id, "a2");
  ctk_buf_free(&body);
  ctk_store_close(s);
}

static void test_store_log_and_reports(void)
{
  ctk_store *s = open_fresh("store-log");
  ctk_logged_msg m;
  char value[32];

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(&m, 0, sizeof(m));
  m.direction = "in";
  m.raw = "<Message/>";
  m.raw_len = 10;
  m.verdict = "rejected";
  CU_ASSERT_EQUAL(ctk_store_log(s, &m), CTK_E_OK);
  m.verdict = "accepted";
  CU_ASSERT_EQUAL(ctk_store_log(s, &m), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_log_count(s, "rejected"), 1);
  CU_ASSERT_EQUAL(ctk_store_log_count(s, ""), 2);

  CU_ASSERT_EQUAL(ctk_store_stat_put(s, "360000", "2026-11-01", "2026-11-30", "orders", "7"),
                  CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_stat_get(s, "360000", "2026-11-01", "2026-11-30", "orders", value,
                                     sizeof(value)),
                  CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(value, "7");
  CU_ASSERT_EQUAL(ctk_store_knowledge_put(s, "kb1", "1", "t", "c", "", "add"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_knowledge_has(s, "kb1"), 1);
  CU_ASSERT_EQUAL(ctk_store_knowledge_put(s, "kb1", "1", "t", "c", "", "delete"), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_knowledge_has(s, "kb1"), 0);
  CU_ASSERT_EQUAL(ctk_store_knowledge_has(s, "kb2"), 0);
  ctk_store_close(s);
}

/* The store holds people's names, numbers and complaints: its files are the owner's only,
 * whatever the umask, and a file an earlier run left readable is narrowed. */
static void test_store_files_are_private(void)
{
  char path[600];
  char side[640];
  const char *dir = ctk_test_tmpdir("store-private");
  mode_t old = umask(022);
  struct stat st;
  ctk_store *s = NULL;
  ctk_order o;
  FILE *f;

  snprintf(path, sizeof(path), "%s/ctk.db", dir);
  snprintf(side, sizeof(side), "%s-shm", path);
  /* a leftover of a run under another umask */
  f = fopen(side, "w");
  if(f)
    fclose(f);
  chmod(side, 0644);
  CU_ASSERT_EQUAL_FATAL(ctk_store_open(path, 0, &s), CTK_E_OK);
  fill_order(&o, "360100202611029000001", "01");
  CU_ASSERT_EQUAL(ctk_store_begin(s), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_order_add(s, &o, "<WorkOrder/>", 12), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_store_commit(s), CTK_E_OK);
  umask(old);
  CU_ASSERT_EQUAL(stat(path, &st), 0);
  CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
  snprintf(side, sizeof(side), "%s-wal", path);
  CU_ASSERT_EQUAL(stat(side, &st), 0);
  CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
  snprintf(side, sizeof(side), "%s-shm", path);
  CU_ASSERT_EQUAL(stat(side, &st), 0);
  CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
  ctk_store_close(s);
}

void ctk_test_add_store(CU_pSuite suite)
{
  CTK_TEST(suite, test_store_files_are_private);
  CTK_TEST(suite, test_store_order_roundtrip);
  CTK_TEST(suite, test_store_rollback_leaves_nothing);
  CTK_TEST(suite, test_store_msgid);
  CTK_TEST(suite, test_store_outbox_fifo_and_restart);
  CTK_TEST(suite, test_store_outbox_lifo);
  CTK_TEST(suite, test_store_log_and_reports);
}
