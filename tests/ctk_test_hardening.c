/* ctk_test_hardening: hostile requests built in memory and sent over a raw socket. */
#include "ctk_test_hardening.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_buf.h"
#include "ctk_test_wire.h"

long long ctk_th_store_bytes(const ctk_test_node *n)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };
  char db[700];
  char path[720];
  long long total = 0;
  size_t i;

  ctk_ts_db_path(n, db, sizeof(db));
  for(i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
    struct stat st;
    snprintf(path, sizeof(path), "%s%s", db, suffixes[i]);
    if(stat(path, &st) == 0)
      total += (long long)st.st_size;
  }
  return total;
}

/* POST body to /exchange; the Answer's code as a number, -1 without one. */
static int th_send(int port, const char *city, const char *body, size_t len)
{
  ctk_buf head;
  ctk_wire_answer a;
  char secret[96];
  char auth[256];
  int code;

  ctk_buf_init(&head, 4096);
  ctk_buf_printf(&head, "POST /exchange HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "Content-Type: application/xml; charset=UTF-8\r\n", port);
  if(city) {
    ctk_ts_secret(city, secret, sizeof(secret));
    ctk_wire_basic_auth(city, secret, auth, sizeof(auth));
    ctk_buf_printf(&head, "Authorization: %s\r\n", auth);
  }
  ctk_buf_printf(&head, "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
  ctk_wire_answer_init(&a);
  ctk_wire_send(port, head.data, head.len, body, len, 0, NULL, 0, &a);
  code = a.has_answer ? atoi(a.code) : -1;
  ctk_wire_answer_free(&a);
  ctk_buf_free(&head);
  return code;
}

/* The test province's valid report of order seq, in out. */
static void th_report(ctk_buf *out, unsigned seq, const char *subject)
{
  char order_id[32];
  char msg_id[48];
  ctk_buf body;

  snprintf(order_id, sizeof(order_id), "36010020261120%06u", seq % 1000000);
  snprintf(msg_id, sizeof(msg_id), "hardening-360100-%06u", seq);
  ctk_buf_init(&body, 0);
  ctk_ts_report_body(&body, order_id, CTK_TS_CITY, subject);
  ctk_ts_message(out, msg_id, "1001", CTK_TS_CITY, 3, CTK_TS_PROVINCE, 2, ctk_buf_str(&body));
  ctk_buf_free(&body);
}

int ctk_th_send_padded(int port, const char *city, size_t bytes, unsigned seq)
{
  ctk_buf msg;
  ctk_buf padded;
  const char *mark;
  int code = -1;

  ctk_buf_init(&msg, 0);
  ctk_buf_init(&padded, bytes + 4096);
  th_report(&msg, seq, "padded");
  mark = strstr(ctk_buf_str(&msg), "</Content>");
  if(mark) {
    size_t head = (size_t)(mark - msg.data);
    size_t pad = bytes > msg.len ? bytes - msg.len : 0;
    ctk_buf_add(&padded, msg.data, head);
    while(pad-- && !ctk_buf_addc(&padded, ' '))
      ;
    ctk_buf_adds(&padded, mark);
    code = th_send(port, city, padded.data, padded.len);
  }
  ctk_buf_free(&msg);
  ctk_buf_free(&padded);
  return code;
}

int ctk_th_send_garbage(int port, const char *city, size_t bytes)
{
  char *body = malloc(bytes ? bytes : 1);
  int code;

  if(!body)
    return -1;
  memset(body, 'x', bytes);
  code = th_send(port, city, body, bytes);
  free(body);
  return code;
}

int ctk_th_send_attributes(int port, const char *city, unsigned count)
{
  ctk_buf msg;
  ctk_buf out;
  const char *root;
  unsigned i;
  int code = -1;

  ctk_buf_init(&msg, 0);
  ctk_buf_init(&out, (size_t)count * 16 + 65536);
  th_report(&msg, 900000 + count % 100000, "attributes");
  root = strstr(ctk_buf_str(&msg), "<Message");
  if(root) {
    ctk_buf_add(&out, msg.data, (size_t)(root - msg.data) + 8);
    for(i = 0; i < count; i++)
      ctk_buf_printf(&out, " a%u=\"1\"", i);
    ctk_buf_adds(&out, root + 8);
    code = th_send(port, city, out.data, out.len);
  }
  ctk_buf_free(&msg);
  ctk_buf_free(&out);
  return code;
}

long ctk_th_admin_count(int port, const char *key)
{
  char head[256];
  ctk_wire_answer a;
  json_object *root;
  json_object *v;
  long n = -1;
  int len = snprintf(head, sizeof(head),
                     "GET /ctk/store HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
                     port);

  ctk_wire_answer_init(&a);
  ctk_wire_send(port, head, (size_t)len, NULL, 0, 0, NULL, 0, &a);
  root = a.status == 200 ? json_tokener_parse(ctk_buf_str(&a.body)) : NULL;
  if(root && json_object_object_get_ex(root, key, &v))
    n = (long)json_object_get_int64(v);
  json_object_put(root);
  ctk_wire_answer_free(&a);
  return n;
}
