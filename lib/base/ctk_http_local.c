/* ctk_http_local: the guard of local control routes (loopback peer and Host, JSON to change). */
#include "ctk_http_local.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int ctk_http_peer_is_loopback(const char *peer)
{
  return peer && (!strncmp(peer, "127.", 4) || !strncmp(peer, "::1", 3) ||
                  !strncmp(peer, "[::1]", 5) || !strncmp(peer, "::ffff:127.", 11) ||
                  !strncmp(peer, "[::ffff:127.", 12));
}

/* host is "NAME[:PORT]" or "[V6][:PORT]"; 1 when NAME is a loopback address or localhost. */
static int host_is_loopback(const char *host)
{
  char name[64];
  const char *end;
  struct in_addr a4;
  size_t n;

  if(!host || !*host)
    return 0;
  if(host[0] == '[') {
    end = strchr(host, ']');
    if(!end || (end[1] && end[1] != ':'))
      return 0;
    n = (size_t)(end - host - 1);
    if(n >= sizeof(name))
      return 0;
    memcpy(name, host + 1, n);
    name[n] = '\0';
    return !strcmp(name, "::1");
  }
  end = strchr(host, ':');
  n = end ? (size_t)(end - host) : strlen(host);
  if(n == 0 || n >= sizeof(name))
    return 0;
  memcpy(name, host, n);
  name[n] = '\0';
  if(end && !end[1])
    return 0;
  if(!strcasecmp(name, "localhost"))
    return 1;
  /* inet_pton takes the dotted quad only: no "127.1", no octal, no trailing dot */
  return inet_pton(AF_INET, name, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* Content-Type application/json, with parameters or not. */
static int is_json_type(const char *ctype)
{
  size_t n;
  if(!ctype)
    return 0;
  n = strcspn(ctype, "; \t");
  return n == 16 && !strncasecmp(ctype, "application/json", 16);
}

int ctk_http_local_check(const ctk_http_request *req, char *why, size_t whylen)
{
  const char *host = ctk_http_request_header(req, "Host");

  if(!ctk_http_peer_is_loopback(req->peer)) {
    snprintf(why, whylen, "control routes answer loopback callers only");
    return 403;
  }
  if(!host_is_loopback(host)) {
    snprintf(why, whylen, "control routes need a loopback Host (127.0.0.1, [::1], localhost)");
    return 403;
  }
  /* of the methods a page may send across sites without a CORS preflight (GET, HEAD, POST)
   * only POST changes anything; every other method is preflighted, which is never approved */
  if(!strcmp(req->method, "POST") && !is_json_type(req->content_type)) {
    snprintf(why, whylen, "a %s to a control route needs Content-Type: application/json",
             req->method);
    return 415;
  }
  return 0;
}
