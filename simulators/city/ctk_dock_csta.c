/* ctk_dock_csta: the CSTA XML family of the city's docking (client side): MonitorStart on the
 * queue device, then each EstablishedEvent of that monitor is an answered call: callID of the
 * established connection (the queue machine's call id), callingDevice, and the answer's time
 * and recording from the private data (docs/ACD.md). */
#include "ctk_dock.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cti/ctk_cti_wire.h"
#include "ctk_xml_safe.h"

#define CSTA_MONITOR_INVOKE_ID 1u

typedef struct csta_conn {
  int monitoring;              /* MonitorStartResponse came */
} csta_conn;

static ctk_code csta_start(ctk_dock_plugin *p, const ctk_dock_login *login)
{
  (void)login;                 /* CSTA XML over TCP has no login: a monitor is the session */
  p->ctx = calloc(1, sizeof(csta_conn));
  return p->ctx ? CTK_E_OK : CTK_E_NOMEM;
}

static void csta_stop(ctk_dock_plugin *p)
{
  free(p->ctx);
  p->ctx = NULL;
}

static ctk_code csta_hello(ctk_dock_plugin *p, ctk_buf *out)
{
  char doc[512];
  int n = snprintf(doc, sizeof(doc),
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<MonitorStart xmlns=\"%s\"><monitorObject><deviceObject>%s</deviceObject>"
                   "</monitorObject></MonitorStart>\n", CTK_CSTA_NS, CTK_CTI_QUEUE);
  (void)p;
  if(n <= 0 || (size_t)n >= sizeof(doc))
    return CTK_E_TOOBIG;
  return ctk_cti_csta_frame(out, CSTA_MONITOR_INVOKE_ID, doc, (size_t)n);
}

/* The first element named name below node (depth first), any namespace. */
static xmlNodePtr csta_find(xmlNodePtr node, const char *name)
{
  xmlNodePtr n, hit;
  for(n = node ? node->children : NULL; n; n = n->next) {
    if(n->type != XML_ELEMENT_NODE)
      continue;
    if(!xmlStrcmp(n->name, BAD_CAST name))
      return n;
    hit = csta_find(n, name);
    if(hit)
      return hit;
  }
  return NULL;
}

static void csta_text(xmlNodePtr node, char *out, size_t size)
{
  xmlChar *t = node ? xmlNodeGetContent(node) : NULL;
  ctk_strlcpy(out, t ? (const char *)t : "", size);
  xmlFree(t);
}

static void csta_attr(xmlNodePtr node, const char *name, char *out, size_t size)
{
  xmlChar *t = node ? xmlGetProp(node, BAD_CAST name) : NULL;
  ctk_strlcpy(out, t ? (const char *)t : "", size);
  xmlFree(t);
}

/* "2026-11-29T13:00:00+08:00" -> ms since the epoch; 0 when it is not such a time. */
static long long csta_time_ms(const char *s)
{
  struct tm tm;
  int y, mo, d, h, mi, sec, oh = 0, om = 0;
  char sign = '+';
  time_t t;
  memset(&tm, 0, sizeof(tm));
  if(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d", &y, &mo, &d, &h, &mi, &sec, &sign, &oh,
            &om) < 6)
    return 0;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  t = timegm(&tm);
  if(sign == '+')
    t -= oh * 3600 + om * 60;
  else if(sign == '-')
    t += oh * 3600 + om * 60;
  return (long long)t * 1000;
}

static void csta_document(csta_conn *c, const char *xml, size_t len, ctk_dock_answered_fn fn,
                          void *fn_ctx, int *fatal, char *why, size_t whylen)
{
  ctk_xml_limits lim = { CTK_CSTA_FRAME_MAX, 32, 16, 1000, CTK_CSTA_FRAME_MAX };
  ctk_xml_fault fault;
  xmlDocPtr doc = ctk_xml_parse_bytes(xml, len, &lim, &fault);
  xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

  if(!root) {
    xmlFreeDoc(doc);
    return;                    /* a document we cannot read carries no call for us */
  }
  if(!xmlStrcmp(root->name, BAD_CAST "MonitorStartResponse"))
    c->monitoring = 1;
  else if(!xmlStrcmp(root->name, BAD_CAST "CSTAErrorCode") && !c->monitoring) {
    char op[64];
    csta_text(csta_find(root, "operation"), op, sizeof(op));
    snprintf(why, whylen, "MonitorStart refused: %s", op[0] ? op : "CSTAErrorCode");
    *fatal = 1;
  }
  else if(!xmlStrcmp(root->name, BAD_CAST "EstablishedEvent")) {
    ctk_dock_call call;
    xmlNodePtr conn = csta_find(root, "establishedConnection");
    xmlNodePtr calling = csta_find(root, "callingDevice");
    xmlNodePtr priv = csta_find(root, "call");
    xmlNodePtr rec = priv ? csta_find(priv, "recording") : NULL;
    char when[40];
    memset(&call, 0, sizeof(call));
    csta_text(csta_find(conn, "callID"), call.call_id, sizeof(call.call_id));
    csta_text(csta_find(calling, "deviceIdentifier"), call.caller, sizeof(call.caller));
    csta_attr(priv, "time", when, sizeof(when));
    call.answered_ms = csta_time_ms(when);
    csta_attr(rec, "url", call.rec_url, sizeof(call.rec_url));
    csta_attr(rec, "sha256", call.rec_sha, sizeof(call.rec_sha));
    if(call.call_id[0])
      fn(fn_ctx, "csta", &call);
  }
  xmlFreeDoc(doc);
}

static long csta_input(ctk_dock_plugin *p, const char *data, size_t len, ctk_buf *out,
                       ctk_dock_answered_fn fn, void *fn_ctx, char *why, size_t whylen)
{
  csta_conn *c = p->ctx;
  size_t used = 0;
  int fatal = 0;
  (void)out;
  while(used < len && !fatal) {
    size_t flen;
    unsigned id;
    int got = ctk_cti_csta_frame_next((const unsigned char *)data + used, len - used, &flen, &id);
    if(got < 0) {
      snprintf(why, whylen, "a frame header that is not CSTA XML over TCP's");
      return -1;
    }
    if(!got)
      break;
    csta_document(c, data + used + CTK_CSTA_HEADER_LEN, flen - CTK_CSTA_HEADER_LEN, fn, fn_ctx,
                  &fatal, why, whylen);
    used += flen;
  }
  return fatal ? -1 : (long)used;
}

static int csta_ready(const ctk_dock_plugin *p)
{
  const csta_conn *c = p->ctx;
  return c && c->monitoring;
}

void ctk_dock_csta_plugin(ctk_dock_plugin *out)
{
  memset(out, 0, sizeof(*out));
  out->name = "csta";
  out->start = csta_start;
  out->stop = csta_stop;
  out->hello = csta_hello;
  out->input = csta_input;
  out->ready = csta_ready;
}
