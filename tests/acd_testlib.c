/* acd_testlib: run the queue-machine simulator as a child process and be its CSTA client. */
#include "acd_testlib.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acd/ctk_acd_csta.h"
#include "acd/ctk_acd_cti.h"
#include "ctk_buf.h"
#include "ctk_http.h"
#include "ctk_test.h"

#define TL_ARGS_MAX 48

static int tl_json_int(json_object *o, const char *key)
{
  json_object *v = NULL;
  return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : -1;
}

typedef struct tl_start {
  ctk_acd_proc *p;
  const char *ready;
} tl_start;

/* The ready file is JSON with every port the simulator listens on. */
static int tl_ready(void *ctx)
{
  const tl_start *w = ctx;
  json_object *o = json_object_from_file(w->ready);
  if(!o)
    return 0;
  w->p->sip_port = tl_json_int(o, "sip_port");
  w->p->cti_port = tl_json_int(o, "cti_port");
  w->p->ami_port = tl_json_int(o, "ami_port");
  w->p->esl_port = tl_json_int(o, "esl_port");
  w->p->control_port = tl_json_int(o, "control_port");
  json_object_put(o);
  return w->p->sip_port > 0;
}

int ctk_acd_test_start(ctk_acd_proc *p, const char *dir, const char *const *args)
{
  char ready[600];
  char *argv[TL_ARGS_MAX + 1];
  int argc = 0, i;
  tl_start w;

  memset(p, 0, sizeof(*p));
  p->cti_port = -1;
  p->ami_port = -1;
  p->esl_port = -1;
  p->control_port = -1;
  snprintf(ready, sizeof(ready), "%s/acd-ready.json", dir);
  snprintf(p->log_path, sizeof(p->log_path), "%s/acd.log", dir);
  unlink(ready);
  argv[argc++] = (char *)ctk_test_ctk_bin();
  argv[argc++] = (char *)"sim";
  argv[argc++] = (char *)"acd";
  argv[argc++] = (char *)"--port";
  argv[argc++] = (char *)"0";
  argv[argc++] = (char *)"--ready-file";
  argv[argc++] = ready;
  argv[argc++] = (char *)"--duration";
  argv[argc++] = (char *)"60";
  for(i = 0; args && args[i] && argc < TL_ARGS_MAX; i++)
    argv[argc++] = (char *)args[i];
  argv[argc] = NULL;

  if(ctk_proc_start(&p->proc, "acd", argv, p->log_path))
    return -1;
  w.p = p;
  w.ready = ready;
  if(ctk_proc_wait_ready(&p->proc, 5000, tl_ready, &w)) {
    ctk_acd_test_stop(p);
    return -1;
  }
  return 0;
}

int ctk_acd_test_stop(ctk_acd_proc *p)
{
  int status;
  if(p->proc.pid <= 0)
    return -1;
  ctk_proc_stop(&p->proc, 5000);
  status = p->proc.exit_status;
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int ctk_acd_test_load(const ctk_acd_proc *p, const char *dir, const char *name, const char *opts,
                      json_object **result)
{
  char cmd[2048], json_path[600];
  int rc;
  snprintf(json_path, sizeof(json_path), "%s/%s-result.json", dir, name);
  snprintf(cmd, sizeof(cmd),
           "'%s' load calls --target 127.0.0.1:%d --run-dir '%s/%s-run' --json '%s' %s >/dev/null 2>&1",
           ctk_test_ctk_bin(), p->sip_port, dir, name, json_path, opts);
  rc = ctk_test_run(cmd, NULL);
  *result = json_object_from_file(json_path);
  return rc;
}

int ctk_acd_test_steer(const ctk_acd_proc *p, const char *json)
{
  ctk_http_client *client = ctk_http_client_new();
  ctk_http_call call;
  ctk_http_reply reply;
  char url[128];
  int status = -1;

  if(!client || p->control_port <= 0) {
    ctk_http_client_free(client);
    return -1;
  }
  memset(&call, 0, sizeof(call));
  memset(&reply, 0, sizeof(reply));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/control", p->control_port);
  call.url = url;
  call.content_type = "application/json";
  call.body = json;
  call.body_len = strlen(json);
  ctk_buf_init(&reply.body, 65536);
  if(ctk_http_post(client, &call, &reply) == CTK_E_OK)
    status = reply.status;
  ctk_buf_free(&reply.body);
  ctk_http_client_free(client);
  return status;
}

int ctk_acd_test_cti_connect(int port)
{
  if(port <= 0)
    return -1;
  return ctk_test_connect(port, 0);
}

/* Reads exactly n bytes within the deadline. */
static int tl_read_full(int fd, unsigned char *buf, size_t n, long long until)
{
  size_t got = 0;
  while(got < n) {
    struct pollfd p;
    long long left = until - ctk_now_ms();
    ssize_t r;
    if(left <= 0)
      return -1;
    p.fd = fd;
    p.events = POLLIN;
    if(poll(&p, 1, (int)left) != 1)
      return -1;
    r = recv(fd, buf + got, n - got, 0);
    if(r <= 0)
      return -1;
    got += (size_t)r;
  }
  return 0;
}

/* One frame's XML into buf (NUL-terminated); returns its length or -1. */
static long tl_read_frame(int fd, char *buf, size_t size, long long until)
{
  unsigned char head[CTK_CSTA_HEADER_LEN];
  size_t total;
  if(tl_read_full(fd, head, sizeof(head), until))
    return -1;
  if(head[0] || head[1])
    return -2;
  total = ((size_t)head[2] << 8) | head[3];
  if(total < CTK_CSTA_HEADER_LEN || total - CTK_CSTA_HEADER_LEN >= size)
    return -2;
  if(tl_read_full(fd, (unsigned char *)buf, total - CTK_CSTA_HEADER_LEN, until))
    return -1;
  buf[total - CTK_CSTA_HEADER_LEN] = '\0';
  return (long)(total - CTK_CSTA_HEADER_LEN);
}

int ctk_acd_test_cti_monitor(int fd)
{
  static const char req[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<MonitorStart xmlns=\"" CTK_CSTA_NS "\"><monitorObject><deviceObject>12328</deviceObject>"
    "</monitorObject></MonitorStart>";
  ctk_buf frame;
  char buf[70000];
  long n;
  int ok;

  ctk_buf_init(&frame, 70000);
  if(ctk_cti_csta_frame(&frame, 1, req, sizeof(req) - 1)) {
    ctk_buf_free(&frame);
    return -1;
  }
  ok = send(fd, frame.data, frame.len, MSG_NOSIGNAL) == (ssize_t)frame.len;
  ctk_buf_free(&frame);
  if(!ok)
    return -1;
  n = tl_read_frame(fd, buf, sizeof(buf), ctk_now_ms() + 3000);
  return n > 0 && strstr(buf, "<MonitorStartResponse") && strstr(buf, "monitorCrossRefID") ? 0 : -1;
}

static int tl_call(ctk_acd_cti_tally *t, const char *call_id)
{
  unsigned i;
  for(i = 0; i < t->ncalls; i++) {
    if(!strcmp(t->calls[i].call_id, call_id))
      return (int)i;
  }
  if(t->ncalls == CTK_ACD_TALLY_CALLS)
    return -1;
  snprintf(t->calls[t->ncalls].call_id, sizeof(t->calls[0].call_id), "%s", call_id);
  t->calls[t->ncalls].seen = 0;
  t->calls[t->ncalls].events[0] = '\0';
  return (int)t->ncalls++;
}

/* Appends the event's letter to the call's story. */
static void tl_story(ctk_acd_cti_tally *t, int call, char letter)
{
  size_t n;
  if(call < 0)
    return;
  n = strlen(t->calls[call].events);
  if(n + 1 < sizeof(t->calls[0].events)) {
    t->calls[call].events[n] = letter;
    t->calls[call].events[n + 1] = '\0';
  }
}

/* The callID inside the first child element that is a connection. */
static xmlChar *tl_call_id(xmlNodePtr root)
{
  xmlNodePtr n, k;
  for(n = root->children; n; n = n->next) {
    if(n->type != XML_ELEMENT_NODE || !xmlStrstr(n->name, BAD_CAST "onnection") ||
       !xmlStrcmp(n->name, BAD_CAST "localConnectionInfo"))
      continue;
    for(k = n->children; k; k = k->next) {
      if(k->type == XML_ELEMENT_NODE && !xmlStrcmp(k->name, BAD_CAST "callID"))
        return xmlNodeGetContent(k);
    }
  }
  return NULL;
}

static xmlChar *tl_child_text(xmlNodePtr root, const char *name)
{
  xmlNodePtr n;
  for(n = root->children; n; n = n->next) {
    if(n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST name))
      return xmlNodeGetContent(n);
  }
  return NULL;
}

static void tl_tally(ctk_acd_cti_tally *t, const char *xml, long len)
{
  xmlDocPtr doc = xmlReadMemory(xml, (int)len, "event.xml", NULL, XML_PARSE_NONET);
  xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
  xmlChar *call_id, *cause;
  unsigned *seen;
  int call;

  if(!root || !root->ns || xmlStrcmp(root->ns->href, BAD_CAST CTK_CSTA_NS)) {
    t->bad_frames++;
    xmlFreeDoc(doc);
    return;
  }
  call_id = tl_call_id(root);
  cause = tl_child_text(root, "cause");
  call = call_id ? tl_call(t, (const char *)call_id) : -1;
  seen = call >= 0 ? &t->calls[call].seen : NULL;
  if(!xmlStrcmp(root->name, BAD_CAST "OfferedEvent")) {
    tl_story(t, call, 'O');
    xmlChar *caller = tl_child_text(root, "callingDevice");
    if(!t->offered && caller)
      snprintf(t->first_caller, sizeof(t->first_caller), "%s", (const char *)caller);
    xmlFree(caller);
    t->offered++;
  }
  else if(!xmlStrcmp(root->name, BAD_CAST "QueuedEvent")) {
    tl_story(t, call, 'Q');
    t->queued++;
  }
  else if(!xmlStrcmp(root->name, BAD_CAST "DeliveredEvent")) {
    tl_story(t, call, 'D');
    t->delivered++;
    if(seen)
      *seen |= CTK_ACD_SEEN_DELIVERED;
  }
  else if(!xmlStrcmp(root->name, BAD_CAST "EstablishedEvent")) {
    tl_story(t, call, 'E');
    t->established++;
    if(seen)
      *seen |= CTK_ACD_SEEN_ESTABLISHED;
  }
  else if(!xmlStrcmp(root->name, BAD_CAST "ConnectionClearedEvent")) {
    if(cause && !xmlStrcmp(cause, BAD_CAST "normalClearing")) {
      tl_story(t, call, 'C');
      t->cleared_normal++;
      if(seen)
        *seen |= CTK_ACD_SEEN_CLEARED;
    }
    else {
      tl_story(t, call, cause && !xmlStrcmp(cause, BAD_CAST "callCancelled") ? 'A' : 'X');
      t->cleared_other++;
    }
  }
  else
    t->bad_frames++;
  if(!call_id)
    t->bad_frames++;
  xmlFree(call_id);
  xmlFree(cause);
  xmlFreeDoc(doc);
}

void ctk_acd_test_cti_read(int fd, ctk_acd_cti_tally *t, unsigned frames, int timeout_ms)
{
  static char buf[70000];
  long long until = ctk_now_ms() + timeout_ms;
  while(t->frames < frames) {
    long n = tl_read_frame(fd, buf, sizeof(buf), until);
    if(n == -1)
      return;
    t->frames++;
    if(n < 0) {
      t->bad_frames++;
      return;
    }
    tl_tally(t, buf, n);
  }
}

int ctk_acd_test_hub(struct ctk_acd_cti_hub **out, const char *const *families, size_t n)
{
  ctk_acd_cti_options opt;
  size_t i;

  memset(&opt, 0, sizeof(opt));
  opt.bind_addr = "127.0.0.1";
  opt.max_clients = 4;
  opt.login_ms = 5000;
  *out = NULL;
  if(ctk_acd_cti_hub_new(out))
    return -1;
  for(i = 0; i < n; i++) {
    ctk_acd_cti_plugin plugin;
    if(ctk_acd_cti_plugin_init(families[i], &plugin) || ctk_acd_cti_hub_start(*out, &plugin, &opt)) {
      ctk_acd_cti_hub_free(*out);
      *out = NULL;
      return -1;
    }
  }
  return 0;
}
