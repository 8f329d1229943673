/* ctk_acd_csta: ECMA-323 event documents (libxml2), their TCP framing, and the CTI server that
 * streams them. Each client is monitoring the whole queue from the moment it connects (an
 * implicit monitor); a MonitorStart it sends is answered with the same monitorCrossRefID. */
#include "acd/ctk_acd_csta.h"
#include "acd/ctk_acd_stream.h"

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
#include "ctk_sock.h"

#define CTI_MOD "acd-cti"
#define CTI_MAX_CLIENTS 64
#define CTI_OUT_MAX ((size_t)8 * 1024 * 1024) /* a client this far behind is dropped */
#define CTI_IN_MAX ((size_t)CTK_CSTA_FRAME_MAX * 2)

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
    /* who hung up: the agent when talk time ran out is not known here; the caller otherwise */
    csta_device(root, ns, "releasingDevice",
                ev->busy_status || ev->queue_timeout ? ev->called : ev->caller);
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

ctk_code ctk_acd_csta_frame(ctk_buf *out, unsigned invoke_id, const char *xml, size_t len)
{
  unsigned char head[CTK_CSTA_HEADER_LEN];
  char id[8];
  size_t total = len + CTK_CSTA_HEADER_LEN;
  ctk_code rc;

  if(total > CTK_CSTA_FRAME_MAX || invoke_id > 9999)
    return CTK_E_TOOBIG;
  snprintf(id, sizeof(id), "%04u", invoke_id);
  head[0] = 0;
  head[1] = 0;
  head[2] = (unsigned char)(total >> 8);
  head[3] = (unsigned char)(total & 0xff);
  memcpy(head + 4, id, 4);
  rc = ctk_buf_add(out, head, sizeof(head));
  if(!rc)
    rc = ctk_buf_add(out, xml, len);
  return rc;
}

int ctk_acd_csta_frame_next(const unsigned char *data, size_t len, size_t *frame_len,
                            unsigned *invoke_id)
{
  size_t total;
  unsigned id = 0;
  int i;

  if(len < CTK_CSTA_HEADER_LEN)
    return 0;
  if(data[0] || data[1])
    return -1;
  total = ((size_t)data[2] << 8) | data[3];
  if(total < CTK_CSTA_HEADER_LEN)
    return -1;
  for(i = 4; i < 8; i++) {
    if(data[i] < '0' || data[i] > '9')
      return -1;
    id = id * 10 + (unsigned)(data[i] - '0');
  }
  if(len < total)
    return 0;
  *frame_len = total;
  *invoke_id = id;
  return 1;
}

/* ---------- server ---------- */

typedef struct cti_client {
  int fd;
  unsigned xref;
  ctk_buf out;
  size_t out_off;
  ctk_buf in;
} cti_client;

struct ctk_acd_cti {
  int listen_fd;
  int port;
  unsigned next_xref;
  cti_client clients[CTI_MAX_CLIENTS];
  size_t nclients;
};

static void cti_drop(ctk_acd_cti *cti, size_t i, const char *why)
{
  cti_client *c = &cti->clients[i];
  CTK_INFO(CTI_MOD, "CTI client %u closed: %s", c->xref, why);
  close(c->fd);
  ctk_buf_free(&c->out);
  ctk_buf_free(&c->in);
  cti->clients[i] = cti->clients[--cti->nclients];
}

ctk_code ctk_acd_cti_new(const char *bind_addr, int port, ctk_acd_cti **out)
{
  ctk_acd_cti *cti;
  ctk_code rc;

  *out = NULL;
  cti = calloc(1, sizeof(*cti));
  if(!cti)
    return CTK_E_NOMEM;
  cti->next_xref = 1;
  rc = ctk_sock_listen(bind_addr ? bind_addr : "127.0.0.1", port, 16, 1, &cti->listen_fd,
                       &cti->port);
  if(rc) {
    if(rc == CTK_E_IO)
      CTK_ERR(CTI_MOD, "cannot listen on CTI port %d: %s", port, strerror(errno));
    free(cti);
    return rc;
  }
  *out = cti;
  return CTK_E_OK;
}

int ctk_acd_cti_port(const ctk_acd_cti *cti)
{
  return cti->port;
}

size_t ctk_acd_cti_clients(const ctk_acd_cti *cti)
{
  return cti->nclients;
}

void ctk_acd_cti_free(ctk_acd_cti *cti)
{
  if(!cti)
    return;
  while(cti->nclients)
    cti_drop(cti, cti->nclients - 1, "shutdown");
  close(cti->listen_fd);
  free(cti);
}

size_t ctk_acd_cti_pollfds(ctk_acd_cti *cti, struct pollfd *fds, size_t max)
{
  size_t n = 0, i;
  if(max < 1)
    return 0;
  fds[n].fd = cti->listen_fd;
  fds[n].events = cti->nclients < CTI_MAX_CLIENTS ? POLLIN : 0;
  fds[n].revents = 0;
  n++;
  for(i = 0; i < cti->nclients && n < max; i++, n++) {
    fds[n].fd = cti->clients[i].fd;
    fds[n].events = POLLIN;
    if(cti->clients[i].out.len > cti->clients[i].out_off)
      fds[n].events |= POLLOUT;
    fds[n].revents = 0;
  }
  return n;
}

/* Writes what the socket takes now. Returns -1 when the client is gone. */
static int cti_flush(cti_client *c)
{
  while(c->out_off < c->out.len) {
    ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
    if(w < 0) {
      if(errno == EINTR)
        continue;
      if(errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      return -1;
    }
    c->out_off += (size_t)w;
  }
  ctk_buf_reset(&c->out);
  c->out_off = 0;
  return 0;
}

static ctk_code cti_queue(cti_client *c, unsigned invoke_id, const char *xml, size_t len)
{
  ctk_code rc = ctk_acd_csta_frame(&c->out, invoke_id, xml, len);
  if(rc)
    return rc;
  return cti_flush(c) ? CTK_E_IO : CTK_E_OK;
}

/* A request from the client: MonitorStart is answered; anything else gets a CSTA error. */
static ctk_code cti_request(cti_client *c, unsigned invoke_id, const char *xml, size_t len)
{
  xmlDocPtr doc = xmlReadMemory(xml, (int)len, "cti.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
  xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
  char answer[512];
  int n;

  if(root && !doc->intSubset && !xmlStrcmp(root->name, BAD_CAST "MonitorStart"))
    n = snprintf(answer, sizeof(answer),
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<MonitorStartResponse xmlns=\"%s\"><monitorCrossRefID>%u</monitorCrossRefID>"
                 "</MonitorStartResponse>\n", CTK_CSTA_NS, c->xref);
  else
    n = snprintf(answer, sizeof(answer),
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<CSTAErrorCode xmlns=\"%s\"><operation>%s</operation></CSTAErrorCode>\n",
                 CTK_CSTA_NS, root ? "requestIncompatibleWithObject" : "generic");
  xmlFreeDoc(doc);
  if(n < 0 || (size_t)n >= sizeof(answer))
    return CTK_E_INTERNAL;
  return cti_queue(c, invoke_id, answer, (size_t)n);
}

/* Reads what arrived; returns -1 when the client must be dropped. */
static int cti_read(cti_client *c)
{
  for(;;) {
    size_t used = 0;
    int got_bytes = ctk_acd_stream_read(c->fd, &c->in, 4096);
    if(got_bytes <= 0)
      return got_bytes;
    for(;;) {
      size_t flen = 0;
      unsigned id = 0;
      int got = ctk_acd_csta_frame_next((const unsigned char *)c->in.data + used, c->in.len - used,
                                        &flen, &id);
      if(got < 0)
        return -1;
      if(got == 0)
        break;
      if(cti_request(c, id, c->in.data + used + CTK_CSTA_HEADER_LEN, flen - CTK_CSTA_HEADER_LEN))
        return -1;
      used += flen;
    }
    ctk_acd_stream_consume(&c->in, used);
  }
}

static void cti_accept(ctk_acd_cti *cti)
{
  while(cti->nclients < CTI_MAX_CLIENTS) {
    int fd = accept4(cti->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    cti_client *c;
    if(fd < 0)
      return;
    c = &cti->clients[cti->nclients++];
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->xref = cti->next_xref++;
    ctk_buf_init(&c->out, CTI_OUT_MAX);
    ctk_buf_init(&c->in, CTI_IN_MAX);
    CTK_INFO(CTI_MOD, "CTI client connected, monitorCrossRefID %u", c->xref);
  }
}

void ctk_acd_cti_handle(ctk_acd_cti *cti, const struct pollfd *fds, size_t n)
{
  size_t i;
  int accept_ready = 0;

  if(n && fds[0].fd == cti->listen_fd && (fds[0].revents & POLLIN))
    accept_ready = 1;
  /* clients are matched by fd: dropping one reorders the array */
  for(i = 1; i < n; i++) {
    size_t k;
    if(!fds[i].revents)
      continue;
    for(k = 0; k < cti->nclients && cti->clients[k].fd != fds[i].fd; k++)
      ;
    if(k == cti->nclients)
      continue;
    if(fds[i].revents & (POLLERR | POLLNVAL)) {
      cti_drop(cti, k, "socket error");
      continue;
    }
    if((fds[i].revents & (POLLIN | POLLHUP)) && cti_read(&cti->clients[k])) {
      cti_drop(cti, k, "closed by peer or bad frame");
      continue;
    }
    if((fds[i].revents & POLLOUT) && cti_flush(&cti->clients[k]))
      cti_drop(cti, k, "write failed");
  }
  if(accept_ready)
    cti_accept(cti);
}

void ctk_acd_cti_on_event(void *ctx, const ctk_acd_event *ev)
{
  ctk_acd_cti *cti = ctx;
  ctk_buf xml;
  size_t i = 0;
  char xref[16];

  ctk_buf_init(&xml, CTK_CSTA_FRAME_MAX);
  while(i < cti->nclients) {
    cti_client *c = &cti->clients[i];
    ctk_code rc;
    ctk_buf_reset(&xml);
    snprintf(xref, sizeof(xref), "%u", c->xref);
    rc = ctk_acd_csta_event_xml(ev, xref, &xml);
    if(!rc)
      rc = cti_queue(c, CTK_CSTA_EVENT_INVOKE_ID, xml.data, xml.len);
    if(rc) {
      cti_drop(cti, i, rc == CTK_E_TOOBIG ? "too far behind" : ctk_strerror(rc));
      continue;
    }
    i++;
  }
  ctk_buf_free(&xml);
}
