/* ctk_node_wsdl: GET /soap?wsdl (the profile's SOAP path), the profile's WSDL with the node's own address in each
 * soap:address, so SOAP toolkits (zeep, gSOAP wsdl2h, JAX-WS wsimport) can start from the URL.
 *
 * The address is the request's Host only when that names this node (one of its own names, on
 * its own port); any other Host gets the configured address, so nobody can make the node hand
 * out a WSDL that sends the next client elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "ctk_log.h"
#include "ctk_node_internal.h"
#include "ctk_sock.h"
#include "ctk_xml_safe.h"

#define WSDL_FILE_MAX ((size_t)1024 * 1024)
/* Stands for the address in the stored WSDL; no WSDL has it of its own. */
#define WSDL_MARK "@ctk-soap-address@"
#define WSDL_SOAP11 "http://schemas.xmlsoap.org/wsdl/soap/"
#define WSDL_SOAP12 "http://schemas.xmlsoap.org/wsdl/soap12/"

int ctk_node_wsdl_asked(const char *query)
{
  /* "?wsdl" as Java and Python clients ask, "?WSDL" as .NET does; "?wsdl=..." too */
  return query && !strncasecmp(query, "wsdl", 4) &&
         (query[4] == '\0' || query[4] == '&' || query[4] == '=');
}

/* Letters, digits and . - : [ ] only: a host name, an IPv4 or a bracketed IPv6 address. */
static int wsdl_host_chars_ok(const char *s)
{
  if(!*s)
    return 0;
  for(; *s; s++) {
    char c = *s;
    if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
      return 0;
  }
  return 1;
}

/* An HTTP Host (RFC 9110 7.2: uri-host [ ":" port ]), "host", "host:port", "[v6]" or
 * "[v6]:port", into host (no brackets) and port (0 = none); -1 when it is none of these.
 * (ctk_sock_parse_hostport wants a port and takes no brackets: it reads our own options.) */
int ctk_node_wsdl_split_host(const char *text, char *host, size_t hostlen, int *port)
{
  const char *end;
  const char *colon;
  size_t n;

  *port = 0;
  if(!text || !wsdl_host_chars_ok(text))
    return -1;
  if(text[0] == '[') {
    end = strchr(text, ']');
    if(!end || end == text + 1)
      return -1;
    colon = end[1] == ':' ? end + 1 : NULL;
    if(!colon && end[1])
      return -1;
    text++;
  }
  else {
    colon = strchr(text, ':');
    if(colon && strchr(colon + 1, ':'))
      return -1;               /* an IPv6 address must be bracketed */
    end = colon ? colon : text + strlen(text);
  }
  n = (size_t)(end - text);
  if(!n || n >= hostlen || strchr(text, '[') || (memchr(text, ']', n)))
    return -1;
  memcpy(host, text, n);
  host[n] = '\0';
  if(colon) {
    char *num_end = NULL;
    long p = strtol(colon + 1, &num_end, 10);
    if(!colon[1] || *num_end || p < 1 || p > 65535)
      return -1;
    *port = (int)p;
  }
  return 0;
}

static int wsdl_wildcard(const char *addr)
{
  return !addr[0] || !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
}

static void wsdl_add_name(ctk_node_engine *n, const char *name)
{
  size_t i;
  if(!name[0] || n->n_names == CTK_NODE_NAMES_MAX)
    return;
  for(i = 0; i < n->n_names; i++) {
    if(!strcasecmp(n->names[i], name))
      return;
  }
  if(!ctk_strlcpy(n->names[n->n_names], name, sizeof(n->names[0])))
    n->n_names++;
}

/* The names a client may use for this node: the configured address, the listen address,
 * and on loopback or every address the loopback names (and, on every address, the host's). */
static void wsdl_collect_names(ctk_node_engine *n)
{
  const char *listen = n->cfg.listen_addr;
  char host[256];
  int port;

  if(n->cfg.address[0] && !ctk_node_wsdl_split_host(n->cfg.address, host, sizeof(host), &port))
    wsdl_add_name(n, host);
  if(!wsdl_wildcard(listen))
    wsdl_add_name(n, listen);
  if(wsdl_wildcard(listen) || ctk_sock_is_loopback(listen) || !strcmp(listen, "::1")) {
    wsdl_add_name(n, "localhost");
    wsdl_add_name(n, "127.0.0.1");
    wsdl_add_name(n, "::1");
  }
  if(wsdl_wildcard(listen) && !gethostname(host, sizeof(host))) {
    host[sizeof(host) - 1] = '\0';
    wsdl_add_name(n, host);
  }
}

/* Every soap:address location of the tree becomes the mark. */
static void wsdl_mark_addresses(xmlNodePtr e)
{
  for(; e; e = e->next) {
    if(e->type != XML_ELEMENT_NODE)
      continue;
    if(!strcmp((const char *)e->name, "address") && e->ns &&
       (!strcmp((const char *)e->ns->href, WSDL_SOAP11) ||
        !strcmp((const char *)e->ns->href, WSDL_SOAP12)))
      xmlSetProp(e, BAD_CAST "location", BAD_CAST WSDL_MARK);
    wsdl_mark_addresses(e->children);
  }
}

ctk_code ctk_node_wsdl_load(ctk_node_engine *n, char *err, size_t errlen)
{
  char path[sizeof(n->profile->dir) + sizeof(n->profile->wsdl) + 2];
  ctk_xml_fault fault;
  xmlDocPtr doc;
  xmlChar *mem = NULL;
  int len = 0;
  ctk_code result;

  wsdl_collect_names(n);
  ctk_buf_init(&n->wsdl, WSDL_FILE_MAX * 2);
  if(!n->profile->wsdl[0])
    return CTK_E_OK;           /* no SOAP binding described: ?wsdl answers 404 */
  snprintf(path, sizeof(path), "%s/%s", n->profile->dir, n->profile->wsdl);
  doc = ctk_xml_parse_file(path, WSDL_FILE_MAX, &fault);
  if(!doc) {
    snprintf(err, errlen, "%s:%d: %s", path, fault.line, fault.text);
    return CTK_E_PARSE;
  }
  wsdl_mark_addresses(xmlDocGetRootElement(doc));
  xmlDocDumpMemoryEnc(doc, &mem, &len, "UTF-8");
  xmlFreeDoc(doc);
  result = mem && len > 0 ? ctk_buf_add(&n->wsdl, mem, (size_t)len) : CTK_E_NOMEM;
  xmlFree(mem);
  if(result)
    snprintf(err, errlen, "%s: cannot keep the WSDL (%s)", path, ctk_strerror(result));
  return result;
}

void ctk_node_wsdl_free(ctk_node_engine *n)
{
  ctk_buf_free(&n->wsdl);
}

/* host[:port] clients reach this node at, from the request's Host when it names this node. */
static void wsdl_authority(const ctk_node_engine *n, const ctk_http_request *req, char *out,
                           size_t outlen)
{
  const char *given = ctk_http_request_header(req, "Host");
  int tls = n->cfg.tls_cert[0] != '\0';
  int bound = ctk_http_request_local_port(req);
  char host[256];
  int port = 0;
  size_t i;

  if(given && !ctk_node_wsdl_split_host(given, host, sizeof(host), &port)) {
    if(!port)
      port = tls ? 443 : 80;
    for(i = 0; i < n->n_names; i++) {
      if(!strcasecmp(host, n->names[i]) && (port == bound || (n->cfg.address[0] &&
                                                              !strcasecmp(given, n->cfg.address)))) {
        ctk_strlcpy(out, given, outlen);
        return;
      }
    }
    CTK_DEBUG("wsdl", "Host '%s' is not a name of this node; the configured address is used",
              given);
  }
  if(n->cfg.address[0]) {
    ctk_strlcpy(out, n->cfg.address, outlen);
    return;
  }
  if(wsdl_wildcard(n->cfg.listen_addr)) {
    if(gethostname(host, sizeof(host)))
      ctk_strlcpy(host, "localhost", sizeof(host));
    host[sizeof(host) - 1] = '\0';
    snprintf(out, outlen, "%s:%d", host, bound);
  }
  else if(strchr(n->cfg.listen_addr, ':'))
    snprintf(out, outlen, "[%s]:%d", n->cfg.listen_addr, bound);
  else
    snprintf(out, outlen, "%s:%d", n->cfg.listen_addr, bound);
}

int ctk_node_handle_wsdl(ctk_node_engine *n, const ctk_http_request *req,
                         ctk_http_response *resp)
{
  const char *text = ctk_buf_str(&n->wsdl);
  char authority[300];
  char url[400];
  const char *mark;

  if(!n->wsdl.len) {
    resp->status = 404;
    ctk_strlcpy(resp->content_type, "text/plain; charset=UTF-8", sizeof(resp->content_type));
    ctk_buf_adds(&resp->body, "this profile has no WSDL\n");
    return 0;
  }
  wsdl_authority(n, req, authority, sizeof(authority));
  /* the authority is letters, digits and . - : [ ] (checked), so it needs no XML escape;
   * the path is the profile's SOAP binding path */
  snprintf(url, sizeof(url), "%s://%s%s", n->cfg.tls_cert[0] ? "https" : "http",
           wsdl_host_chars_ok(authority) ? authority : "127.0.0.1", n->profile->soap_path);
  ctk_strlcpy(resp->content_type, "text/xml; charset=UTF-8", sizeof(resp->content_type));
  for(mark = strstr(text, WSDL_MARK); mark; mark = strstr(text, WSDL_MARK)) {
    if(ctk_buf_add(&resp->body, text, (size_t)(mark - text)) || ctk_buf_adds(&resp->body, url))
      return 1;
    text = mark + strlen(WSDL_MARK);
  }
  return ctk_buf_adds(&resp->body, text) ? 1 : 0;
}
