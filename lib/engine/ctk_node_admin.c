/* ctk_node_admin: the observation API of a reference endpoint for the runner and the tests
 * (health, one order with its history, outbox counts, statistics; on a province, a statistics
 * report and an urge scan on demand). Local callers only (ctk_http_local). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_http_local.h"
#include "ctk_json.h"
#include "ctk_log.h"
#include "ctk_node_internal.h"
#include "ctk_stats.h"

static int admin_text(ctk_http_response *resp, int status, const char *text)
{
  resp->status = status;
  ctk_strlcpy(resp->content_type, "text/plain; charset=UTF-8", sizeof(resp->content_type));
  ctk_buf_adds(&resp->body, text);
  return 0;
}

static int admin_json(ctk_http_response *resp, json_object *obj)
{
  resp->status = 200;
  ctk_strlcpy(resp->content_type, "application/json", sizeof(resp->content_type));
  if(!ctk_json_write(obj, JSON_C_TO_STRING_PLAIN, &resp->body))
    ctk_buf_adds(&resp->body, "\n");
  return 0;
}

/* Value of key in a query string ("region=360000&from=2026-11-01"); "" when absent. Values
 * are dates and codes: anything but [0-9A-Za-z-] is refused by returning -1. */
static int admin_query(const char *query, const char *key, char *out, size_t len)
{
  size_t klen = strlen(key);
  const char *p = query;
  out[0] = '\0';
  while(p && *p) {
    const char *end = strchr(p, '&');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if(n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
      size_t vlen = n - klen - 1;
      size_t i;
      if(vlen >= len)
        return -1;
      for(i = 0; i < vlen; i++) {
        char c = p[klen + 1 + i];
        if(!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
             c == '-'))
          return -1;
      }
      memcpy(out, p + klen + 1, vlen);
      out[vlen] = '\0';
      return 0;
    }
    p = end ? end + 1 : NULL;
  }
  return 0;
}

static int admin_history_cb(void *ctx, const ctk_history_event *ev)
{
  json_object *arr = ctx;
  json_object *e = json_object_new_object();
  json_object_object_add(e, "time", json_object_new_string(ev->time));
  json_object_object_add(e, "interface", json_object_new_string(ev->interface_code));
  json_object_object_add(e, "status", json_object_new_string(ev->status));
  json_object_object_add(e, "region", json_object_new_string(ev->region));
  json_object_object_add(e, "msg_id", json_object_new_string(ev->msg_id));
  json_object_array_add(arr, e);
  return 0;
}

static int admin_order(ctk_node_engine *n, const char *id, ctk_http_response *resp)
{
  ctk_order o;
  json_object *obj, *hist;
  ctk_code result = ctk_store_order_get(n->store, id, &o);

  if(result == CTK_E_NOTFOUND)
    return admin_text(resp, 404, "unknown order\n");
  if(result)
    return admin_text(resp, 500, "store error\n");
  obj = json_object_new_object();
#define STR(name) json_object_object_add(obj, #name, json_object_new_string(o.name))
#define INT(name) json_object_object_add(obj, #name, json_object_new_int(o.name))
  STR(order_id);
  STR(accept_time);
  STR(accept_region);
  STR(handle_region);
  STR(channel);
  STR(business_type);
  STR(domain);
  STR(status);
  INT(instant_answer);
  STR(deadline);
  STR(origin);
  STR(target);
  STR(up);
  STR(transfer_to);
  INT(transferred);
  STR(completed_time);
  STR(revisit_time);
  INT(revisit_reached);
  STR(satisfaction);
  INT(supervised);
  INT(urged);
  STR(created_at);
  STR(updated_at);
#undef STR
#undef INT
  hist = json_object_new_array();
  ctk_store_history_each(n->store, id, admin_history_cb, hist);
  json_object_object_add(obj, "history", hist);
  return admin_json(resp, obj);
}

static int admin_outbox(ctk_node_engine *n, ctk_http_response *resp)
{
  ctk_outbox_counts c;
  json_object *obj;
  if(ctk_store_outbox_counts(n->store, &c))
    return admin_text(resp, 500, "store error\n");
  obj = json_object_new_object();
  json_object_object_add(obj, "pending", json_object_new_int64(c.pending));
  json_object_object_add(obj, "delivered", json_object_new_int64(c.delivered));
  json_object_object_add(obj, "failed", json_object_new_int64(c.failed));
  return admin_json(resp, obj);
}

/* How the store shared its commits: callers per batch and per WAL sync (docs/PERFORMANCE.md). */
static int admin_store(ctk_node_engine *n, ctk_http_response *resp)
{
  ctk_store_commit_stats cs;
  json_object *obj = json_object_new_object();
  ctk_store_commit_stats_get(n->store, &cs);
  json_object_object_add(obj, "callers", json_object_new_int64((int64_t)cs.callers));
  json_object_object_add(obj, "batches", json_object_new_int64((int64_t)cs.batches));
  json_object_object_add(obj, "syncs", json_object_new_int64((int64_t)cs.syncs));
  /* refusals kept nowhere: without credentials, or past their sender's budget */
  pthread_mutex_lock(&n->refusal_lock);
  json_object_object_add(obj, "refused_unauthenticated",
                         json_object_new_int64((int64_t)n->refused_unauthenticated));
  json_object_object_add(obj, "refusals_not_kept",
                         json_object_new_int64((int64_t)n->refusals_not_kept));
  pthread_mutex_unlock(&n->refusal_lock);
  return admin_json(resp, obj);
}

/* Statistics as this node computes them; the stats-wrong fault counts every order twice (an
 * error that grows with the traffic, so a before-and-after comparison sees it too). */
static int admin_compute(ctk_node_engine *n, const char *query, ctk_stats *st)
{
  char region[8], from[11], to[11], today[11];
  if(admin_query(query, "region", region, sizeof(region)) ||
     admin_query(query, "from", from, sizeof(from)) ||
     admin_query(query, "to", to, sizeof(to)) ||
     admin_query(query, "today", today, sizeof(today)))
    return -1;
  if(!region[0])
    ctk_strlcpy(region, n->self.region, sizeof(region));
  if(ctk_stats_compute(n->store, n->profile, region, from, to, today[0] ? today : NULL, st))
    return -2;
  if(ctk_node_fault(n, CTK_PF_stats_wrong))
    st->orders *= 2;
  return 0;
}

static int admin_stats(ctk_node_engine *n, const ctk_http_request *req,
                       ctk_http_response *resp)
{
  ctk_stats *st = calloc(1, sizeof(*st));
  int rc;
  if(!st)
    return admin_text(resp, 500, "no memory\n");
  rc = admin_compute(n, req->query, st);
  if(rc == -1)
    admin_text(resp, 400, "bad query: region, from, to (YYYY-MM-DD), today\n");
  else if(rc)
    admin_text(resp, 500, "store error\n");
  else {
    resp->status = 200;
    ctk_strlcpy(resp->content_type, "application/json", sizeof(resp->content_type));
    ctk_stats_write(st, CTK_STATS_JSON, &resp->body);
  }
  free(st);
  return 0;
}

typedef struct report_ctx {
  ctk_msg *m;
} report_ctx;

static int admin_indicator_cb(void *ctx, const char *name, const char *value)
{
  report_ctx *r = ctx;
  const ctk_profile *p = r->m->profile;
  xmlNodePtr ind = ctk_xml_add(r->m->body, ctk_el(p, CTK_EL_INDICATOR), NULL);
  if(!ind)
    return 1;
  ctk_xml_add(ind, ctk_el(p, CTK_EL_INDICATOR_NAME), name);
  ctk_xml_add(ind, ctk_el(p, CTK_EL_INDICATOR_VALUE), value);
  return 0;
}

/* POST /ctk/report-stats?from=&to=: a province reports its statistics (1011) to the ministry. */
static int admin_report_stats(ctk_node_engine *n, const ctk_http_request *req,
                              ctk_http_response *resp)
{
  const ctk_node_peer *ministry = ctk_node_peer_of_level(n, CTK_LEVEL_MINISTRY);
  ctk_stats *st;
  report_ctx r;
  ctk_node to;
  ctk_code result;

  if(n->self.level != CTK_LEVEL_PROVINCE || !ministry)
    return admin_text(resp, 409, "only a province with a ministry peer reports statistics\n");
  st = calloc(1, sizeof(*st));
  if(!st)
    return admin_text(resp, 500, "no memory\n");
  if(admin_compute(n, req->query, st) || !st->from[0] || !st->to[0]) {
    free(st);
    return admin_text(resp, 400, "bad query: from and to (YYYY-MM-DD) are needed\n");
  }
  memset(&to, 0, sizeof(to));
  ctk_strlcpy(to.region, ministry->region, sizeof(to.region));
  to.level = ministry->level;
  memset(&r, 0, sizeof(r));
  result = ctk_msg_new_request(n->profile, ctk_profile_iface_code(n->profile, CTK_IF_STATISTICS),
                               &n->self, &to, &r.m);
  if(!result) {
    const ctk_profile *p = n->profile;
    char start[40] = "", end[40] = "";
    time_t day;
    /* the period is whole days of Beijing time, written as the profile writes times */
    if(ctk_date_parse(st->from, &day) == CTK_E_OK)
      ctk_profile_time_format(p, day, start, sizeof(start));
    if(ctk_date_parse(st->to, &day) == CTK_E_OK)
      ctk_profile_time_format(p, day + 86399, end, sizeof(end));
    ctk_xml_add(r.m->body, ctk_el(p, CTK_EL_STATS_REGION), st->region);
    ctk_xml_add(r.m->body, ctk_el(p, CTK_EL_PERIOD_START), start);
    ctk_xml_add(r.m->body, ctk_el(p, CTK_EL_PERIOD_END), end);
    ctk_stats_indicators(st, admin_indicator_cb, &r);
    result = ctk_store_begin(n->store);
    if(!result) {
      result = ctk_node_enqueue(n, ministry, r.m, "", 0);
      if(result)
        ctk_store_rollback(n->store);
      else
        result = ctk_store_commit(n->store);
    }
  }
  ctk_msg_free(r.m);
  free(st);
  if(result)
    return admin_text(resp, 500, "could not queue the report\n");
  ctk_node_outbox_kick(n);
  return admin_text(resp, 202, "queued\n");
}

static int admin_urge(ctk_node_engine *n, const ctk_http_request *req, ctk_http_response *resp)
{
  char today[11];
  char text[64];
  int sent = 0;
  if(admin_query(req->query, "today", today, sizeof(today)))
    return admin_text(resp, 400, "bad query: today=YYYY-MM-DD\n");
  if(ctk_node_flow_urge_overdue(n, today[0] ? today : NULL, &sent))
    return admin_text(resp, 500, "urge scan failed\n");
  snprintf(text, sizeof(text), "%d\n", sent);
  return admin_text(resp, 200, text);
}

int ctk_node_handle_admin(ctk_node_engine *n, const ctk_http_request *req,
                          ctk_http_response *resp)
{
  const char *path = req->path;
  char why[128];
  int refused = ctk_http_local_check(req, why, sizeof(why));

  if(refused) {
    admin_text(resp, refused, why);
    ctk_buf_adds(&resp->body, "\n");
    return 0;
  }
  /* each resource's methods: a wrong one gets 405 with Allow, OPTIONS the Allow, HEAD the
   * GET without its body (ctk_http_method_ok) */
  if(!strcmp(path, "/ctk/health"))
    return ctk_http_method_ok(req, "GET", resp) ? admin_text(resp, 200, "ok") : 0;
  if(!strncmp(path, "/ctk/orders/", 12))
    return ctk_http_method_ok(req, "GET", resp) ? admin_order(n, path + 12, resp) : 0;
  if(!strcmp(path, "/ctk/outbox"))
    return ctk_http_method_ok(req, "GET", resp) ? admin_outbox(n, resp) : 0;
  if(!strcmp(path, "/ctk/store"))
    return ctk_http_method_ok(req, "GET", resp) ? admin_store(n, resp) : 0;
  if(!strcmp(path, "/ctk/stats"))
    return ctk_http_method_ok(req, "GET", resp) ? admin_stats(n, req, resp) : 0;
  if(!strcmp(path, "/ctk/report-stats"))
    return ctk_http_method_ok(req, "POST", resp) ? admin_report_stats(n, req, resp) : 0;
  if(!strcmp(path, "/ctk/urge"))
    return ctk_http_method_ok(req, "POST", resp) ? admin_urge(n, req, resp) : 0;
  return admin_text(resp, 404, "not found\n");
}
