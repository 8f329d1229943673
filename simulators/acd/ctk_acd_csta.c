/* ctk_acd_csta: ECMA-323 event documents (libxml2), their TCP framing, and the CSTA family of the
 * CTI link. Events flow only inside a monitor: MonitorStart opens one (the queue device, or one
 * agent's device), MonitorStop closes it; each carries its own monitorCrossRefID. */
#include "acd/ctk_acd_csta.h"
#include "acd/ctk_acd_link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctk_log.h"

#define CSTA_MOD "acd-csta"
#define CSTA_MONITORS 16                       /* per client */
#define CSTA_NS_PREFIX "http://www.ecma-international.org/standards/ecma-323/csta/"

/* ---------- documents ---------- */

const char *ctk_acd_csta_element(const ctk_acd_event *ev)
{
  switch(ev->kind) {
  case CTK_ACD_EV_OFFERED:
    return "OfferedEvent";
  case CTK_ACD_EV_QUEUED:
    return "QueuedEvent";
  case CTK_ACD_EV_DELIVERED:
    return "DeliveredEvent";
  case CTK_ACD_EV_ANSWERED:
    return "EstablishedEvent";
  case CTK_ACD_EV_CLEARED:
  case CTK_ACD_EV_ABANDONED:
    return "ConnectionClearedEvent";
  case CTK_ACD_EV__COUNT:
  default:
    return "PrivateEvent";
  }
}

/* <name><deviceIdentifier>id</deviceIdentifier></name>, or <notKnown/> when id is empty. */
static void csta_device(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *id)
{
  xmlNodePtr d = xmlNewChild(parent, ns, BAD_CAST name, NULL);
  if(!d)
    return;
  if(id && *id)
    xmlNewTextChild(d, ns, BAD_CAST "deviceIdentifier", BAD_CAST id);
  else
    xmlNewChild(d, ns, BAD_CAST "notKnown", NULL);
}

static void csta_connection(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *call_id,
                            const char *device)
{
  xmlNodePtr c = xmlNewChild(parent, ns, BAD_CAST name, NULL);
  if(!c)
    return;
  xmlNewTextChild(c, ns, BAD_CAST "callID", BAD_CAST call_id);
  xmlNewTextChild(c, ns, BAD_CAST "deviceID", BAD_CAST device);
}

/* Our extras (times, wait, recording) travel as CSTA private data in our own namespace. */
static void csta_private(xmlNodePtr root, xmlNsPtr ns, const ctk_acd_event *ev)
{
  xmlNodePtr ext = xmlNewChild(root, ns, BAD_CAST "extensions", NULL);
  xmlNodePtr pd = ext ? xmlNewChild(ext, ns, BAD_CAST "privateData", NULL) : NULL;
  xmlNodePtr pr = pd ? xmlNewChild(pd, ns, BAD_CAST "private", NULL) : NULL;
  xmlNodePtr call;
  xmlNsPtr ctk;
  char num[32];
  char when[40];

  if(!pr)
    return;
  call = xmlNewChild(pr, NULL, BAD_CAST "call", NULL);
  if(!call)
    return;
  ctk = xmlNewNs(call, BAD_CAST CTK_CSTA_PRIVATE_NS, BAD_CAST "ctk");
  xmlSetNs(call, ctk);
  xmlNewProp(call, BAD_CAST "event", BAD_CAST ctk_acd_event_name(ev->kind));
  ctk_acd_event_time(ev, when, sizeof(when));
  xmlNewProp(call, BAD_CAST "time", BAD_CAST when);
  snprintf(num, sizeof(num), "%ld", ev->wait_ms);
  xmlNewProp(call, BAD_CAST "waitMs", BAD_CAST num);
  snprintf(num, sizeof(num), "%ld", ev->talk_ms);
  xmlNewProp(call, BAD_CAST "talkMs", BAD_CAST num);
  if(ev->recording_url) {
    xmlNodePtr rec = xmlNewChild(call, ctk, BAD_CAST "recording", NULL);
    if(rec) {
      xmlNewProp(rec, BAD_CAST "url", BAD_CAST ev->recording_url);
      xmlNewProp(rec, BAD_CAST "sha256", BAD_CAST ev->recording_sha256);
    }
  }
}

ctk_code ctk_acd_csta_event_xml(const ctk_acd_event *ev, const char *monitor_xref, ctk_buf *out)
{
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr root = doc ? xmlNewNode(NULL, BAD_CAST ctk_acd_csta_element(ev)) : NULL;
  xmlNsPtr ns = root ? xmlNewNs(root, BAD_CAST CTK_CSTA_NS, NULL) : NULL;
  const char *agent_or_queue = ev->agent && *ev->agent ? ev->agent : ev->called;
  xmlChar *mem = NULL;
  int size = 0;
  char num[32];
  ctk_code rc;

  if(!ns) {
    if(root)
      xmlFreeNode(root);
    xmlFreeDoc(doc);
    return CTK_E_NOMEM;
  }
  xmlSetNs(root, ns);
  xmlDocSetRootElement(doc, root);
  xmlNewTextChild(root, ns, BAD_CAST "monitorCrossRefID", BAD_CAST monitor_xref);
  switch(ev->kind) {
  case CTK_ACD_EV_OFFERED:
    csta_connection(root, ns, "offeredConnection", ev->call_id, ev->called);
    csta_device(root, ns, "offeredDevice", ev->called);
    break;
  case CTK_ACD_EV_QUEUED:
    csta_connection(root, ns, "queuedConnection", ev->call_id, ev->called);
    csta_device(root, ns, "queue", ev->called);
    break;
  case CTK_ACD_EV_DELIVERED:
    csta_connection(root, ns, "connection", ev->call_id, agent_or_queue);
    csta_device(root, ns, "alertingDevice", ev->agent);
    break;
  case CTK_ACD_EV_ANSWERED:
    csta_connection(root, ns, "establishedConnection", ev->call_id, agent_or_queue);
    csta_device(root, ns, "answeringDevice", ev->agent);
    break;
  case CTK_ACD_EV_CLEARED:
  case CTK_ACD_EV_ABANDONED:
  case CTK_ACD_EV__COUNT:
  default:
    csta_connection(root, ns, "droppedConnection", ev->call_id, agent_or_queue);
    /* who hung up: the queue when it refused or gave up, the agent when its talk time ran out */
    csta_device(root, ns, "releasingDevice",
                ev->busy_status || ev->queue_timeout ? ev->called
                : ev->agent_hangup ? ev->agent : ev->caller);
    break;
  }
  if(ev->kind != CTK_ACD_EV_CLEARED && ev->kind != CTK_ACD_EV_ABANDONED) {
    csta_device(root, ns, "callingDevice", ev->caller);
    csta_device(root, ns, "calledDevice", ev->called);
    csta_device(root, ns, "lastRedirectionDevice", NULL);
  }
  if(ev->kind == CTK_ACD_EV_QUEUED) {
    snprintf(num, sizeof(num), "%u", ev->queue_length);
    xmlNewTextChild(root, ns, BAD_CAST "numberQueued", BAD_CAST num);
  }
  switch(ev->kind) {
  case CTK_ACD_EV_OFFERED:
  case CTK_ACD_EV_DELIVERED:
    xmlNewTextChild(root, ns, BAD_CAST "localConnectionInfo", BAD_CAST "alerting");
    break;
  case CTK_ACD_EV_QUEUED:
    xmlNewTextChild(root, ns, BAD_CAST "localConnectionInfo", BAD_CAST "queued");
    break;
  case CTK_ACD_EV_ANSWERED:
    xmlNewTextChild(root, ns, BAD_CAST "localConnectionInfo", BAD_CAST "connected");
    break;
  case CTK_ACD_EV_CLEARED:
  case CTK_ACD_EV_ABANDONED:
  case CTK_ACD_EV__COUNT:
  default:
    xmlNewTextChild(root, ns, BAD_CAST "localConnectionInfo", BAD_CAST "null");
    break;
  }
  xmlNewTextChild(root, ns, BAD_CAST "cause", BAD_CAST(ev->cause ? ev->cause : "normal"));
  csta_private(root, ns, ev);

  xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
  xmlFreeDoc(doc);
  if(!mem || size <= 0) {
    xmlFree(mem);
    return CTK_E_NOMEM;
  }
  rc = ctk_buf_add(out, mem, (size_t)size);
  xmlFree(mem);
  return rc;
}

/* ---------- the CSTA family ---------- */

typedef struct csta_monitor {
  unsigned xref;
  int agent;                   /* agent index the monitor is on, -1 = the whole queue */
} csta_monitor;

typedef struct csta_client {
  csta_monitor monitors[CSTA_MONITORS];
  size_t nmonitors;
} csta_client;

typedef struct csta_server {
  ctk_acd_link *link;          /* first: the shared ctk_acd_cti_link_* functions read it */
  unsigned next_xref;
} csta_server;

/* Sends one framed document; errors mark the client dead (the link drops it). */
static void csta_send(ctk_acd_link_client *c, unsigned invoke_id, const char *xml, size_t len)
{
  ctk_buf frame;
  ctk_buf_init(&frame, CTK_CSTA_FRAME_MAX);
  if(ctk_cti_csta_frame(&frame, invoke_id, xml, len))
    c->dead = "answer too big for a frame";
  else
    ctk_acd_link_send(c, frame.data, frame.len);
  ctk_buf_free(&frame);
}

/* CSTAErrorCode with an operation error (ECMA-269 OperationErrors, ECMA-323 spelling). */
static void csta_error(ctk_acd_link_client *c, unsigned invoke_id, const char *operation)
{
  char doc[512];
  int n = snprintf(doc, sizeof(doc),
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<CSTAErrorCode xmlns=\"%s\"><operation>%s</operation></CSTAErrorCode>\n",
                   CTK_CSTA_NS, operation);
  if(n > 0 && (size_t)n < sizeof(doc))
    csta_send(c, invoke_id, doc, (size_t)n);
}

static xmlNodePtr csta_child(xmlNodePtr parent, const char *name)
{
  xmlNodePtr n;
  for(n = parent ? parent->children : NULL; n; n = n->next) {
    if(n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST name))
      return n;
  }
  return NULL;
}

/* An agent's device "A01".."A10000" gives its index; anything else is the queue (-1). */
static int csta_agent_device(const char *device)
{
  char *end = NULL;
  long v;
  if(device[0] != 'A' || device[1] < '0' || device[1] > '9')
    return -1;
  v = strtol(device + 1, &end, 10);
  return *end || v < 1 || v > (long)CTK_ACD_AGENTS_MAX ? -1 : (int)(v - 1);
}

static void csta_monitor_start(csta_server *srv, ctk_acd_link_client *c, unsigned invoke_id,
                               xmlNodePtr root)
{
  csta_client *cc = c->proto;
  xmlNodePtr obj = csta_child(root, "monitorObject");
  xmlNodePtr dev = csta_child(obj, "deviceObject");
  xmlChar *text = dev ? xmlNodeGetContent(dev) : NULL;
  char doc[512];
  int n;

  if(!text || !*text || xmlStrlen(text) > 64) {
    /* a callObject monitor, or no object at all: only device monitors are modelled */
    csta_error(c, invoke_id, "invalidMonitorObject");
    xmlFree(text);
    return;
  }
  if(cc->nmonitors == CSTA_MONITORS) {
    xmlFree(text);
    csta_error(c, invoke_id, "invalidMonitorObject");
    return;
  }
  cc->monitors[cc->nmonitors].xref = srv->next_xref++;
  cc->monitors[cc->nmonitors].agent = csta_agent_device((const char *)text);
  CTK_INFO(CSTA_MOD, "client %u: monitor %u on %s", c->id, cc->monitors[cc->nmonitors].xref,
           (const char *)text);
  xmlFree(text);
  n = snprintf(doc, sizeof(doc),
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<MonitorStartResponse xmlns=\"%s\"><monitorCrossRefID>%u</monitorCrossRefID>"
               "</MonitorStartResponse>\n", CTK_CSTA_NS, cc->monitors[cc->nmonitors].xref);
  cc->nmonitors++;
  c->logged_in = 1;
  if(n > 0 && (size_t)n < sizeof(doc))
    csta_send(c, invoke_id, doc, (size_t)n);
}

static void csta_monitor_stop(ctk_acd_link_client *c, unsigned invoke_id, xmlNodePtr root)
{
  csta_client *cc = c->proto;
  xmlNodePtr ref = csta_child(root, "monitorCrossRefID");
  xmlChar *text = ref ? xmlNodeGetContent(ref) : NULL;
  char *end = NULL;
  unsigned long xref = text ? strtoul((const char *)text, &end, 10) : 0;
  int number = text && *text && end && !*end;
  size_t i;
  char doc[256];
  int n;

  xmlFree(text);
  for(i = 0; number && i < cc->nmonitors && cc->monitors[i].xref != xref; i++)
    ;
  if(!number || i >= cc->nmonitors) {
    csta_error(c, invoke_id, "invalidMonitorCrossRefID");
    return;
  }
  cc->monitors[i] = cc->monitors[--cc->nmonitors];
  n = snprintf(doc, sizeof(doc),
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<MonitorStopResponse xmlns=\"%s\"/>\n", CTK_CSTA_NS);
  if(n > 0 && (size_t)n < sizeof(doc))
    csta_send(c, invoke_id, doc, (size_t)n);
}

/* One request document from the client. */
static void csta_request(csta_server *srv, ctk_acd_link_client *c, unsigned invoke_id,
                         const char *xml, size_t len)
{
  xmlDocPtr doc = xmlReadMemory(xml, (int)len, "csta.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
  xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

  if(!root || doc->intSubset || !root->ns ||
     xmlStrncmp(root->ns->href, BAD_CAST CSTA_NS_PREFIX, (int)strlen(CSTA_NS_PREFIX)))
    csta_error(c, invoke_id, "generic"); /* not an ECMA-323 document */
  else if(!xmlStrcmp(root->name, BAD_CAST "MonitorStart"))
    csta_monitor_start(srv, c, invoke_id, root);
  else if(!xmlStrcmp(root->name, BAD_CAST "MonitorStop"))
    csta_monitor_stop(c, invoke_id, root);
  else if(!xmlStrcmp(root->name, BAD_CAST "SystemStatus")) {
    static const char answer[] =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<SystemStatusResponse xmlns=\"" CTK_CSTA_NS "\"/>\n";
    csta_send(c, invoke_id, answer, sizeof(answer) - 1);
  }
  else
    csta_error(c, invoke_id, "requestIncompatibleWithObject");
  xmlFreeDoc(doc);
}

static int csta_on_open(void *ctx, ctk_acd_link_client *c)
{
  (void)ctx;
  c->proto = calloc(1, sizeof(csta_client));
  return c->proto ? 0 : -1;
}

static long csta_on_input(void *ctx, ctk_acd_link_client *c)
{
  csta_server *srv = ctx;
  size_t used = 0;
  while(!c->dead && !c->closing) {
    size_t flen = 0;
    unsigned id = 0;
    int got = ctk_cti_csta_frame_next((const unsigned char *)c->in.data + used, c->in.len - used,
                                      &flen, &id);
    if(got < 0) {
      /* the header is not ours: there is no way to find the next frame, so say so and close */
      csta_error(c, 0, "generic");
      ctk_acd_link_close_after(c);
      return (long)c->in.len;
    }
    if(got == 0)
      break;
    csta_request(srv, c, id, c->in.data + used + CTK_CSTA_HEADER_LEN, flen - CTK_CSTA_HEADER_LEN);
    used += flen;
  }
  return (long)used;
}

static void csta_on_overflow(void *ctx, ctk_acd_link_client *c)
{
  (void)ctx;
  csta_error(c, 0, "generic");
}

static ctk_code csta_start(ctk_acd_cti_plugin *p, const ctk_acd_cti_options *opt,
                           ctk_acd_cti_hub *hub)
{
  static const ctk_acd_link_ops ops = { csta_on_open, csta_on_input, csta_on_overflow };
  csta_server *srv = calloc(1, sizeof(*srv));
  ctk_code rc;
  (void)hub;
  if(!srv)
    return CTK_E_NOMEM;
  srv->next_xref = 1;
  /* one whole frame always fits */
  rc = ctk_acd_cti_link_open(CSTA_MOD, opt, CTK_CSTA_FRAME_MAX, &ops, srv, &srv->link);
  if(rc) {
    free(srv);
    return rc;
  }
  p->ctx = srv;
  return CTK_E_OK;
}

static void csta_on_event(ctk_acd_cti_plugin *p, const ctk_acd_event *ev,
                          const ctk_acd_cti_call *call)
{
  csta_server *srv = p->ctx;
  ctk_buf xml;
  size_t i, m;
  char xref[16];

  ctk_buf_init(&xml, CTK_CSTA_FRAME_MAX);
  for(i = 0; i < ctk_acd_link_clients(srv->link); i++) {
    ctk_acd_link_client *c = ctk_acd_link_client_at(srv->link, i);
    csta_client *cc = c->proto;
    for(m = 0; cc && !c->dead && m < cc->nmonitors; m++) {
      /* an agent's monitor sees the call once it reaches that agent */
      if(cc->monitors[m].agent >= 0 && cc->monitors[m].agent != call->agent_index)
        continue;
      ctk_buf_reset(&xml);
      snprintf(xref, sizeof(xref), "%u", cc->monitors[m].xref);
      if(ctk_acd_csta_event_xml(ev, xref, &xml))
        c->dead = "event not built";
      else
        csta_send(c, CTK_CSTA_EVENT_INVOKE_ID, xml.data, xml.len);
    }
  }
  ctk_buf_free(&xml);
}

void ctk_acd_csta_plugin(ctk_acd_cti_plugin *out)
{
  ctk_acd_cti_link_plugin(out, "csta", csta_start, csta_on_event);
}
