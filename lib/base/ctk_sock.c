/* ctk_sock: IPv4 sockets bound to a named address. */
#include "ctk_sock.h"

#include "ctk_buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

ctk_code ctk_sock_bind(int fd, const char *addr, int port, int *bound)
{
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  int one = 1;

  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  if(port < 0 || port > 65535 || !addr || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
    return CTK_E_INVAL;
  sa.sin_port = htons((uint16_t)port);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
     getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
    return CTK_E_IO;
  if(bound)
    *bound = ntohs(sa.sin_port);
  return CTK_E_OK;
}

ctk_code ctk_sock_listen(const char *addr, int port, int backlog, int nonblock, int *fd,
                         int *bound)
{
  ctk_code result;
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

  *fd = -1;
  if(s < 0)
    return CTK_E_IO;
  result = ctk_sock_bind(s, addr, port, bound);
  if(!result && listen(s, backlog) != 0)
    result = CTK_E_IO;
  if(result) {
    int saved = errno;  /* close() may change it; callers report why */
    close(s);
    errno = saved;
    return result;
  }
  *fd = s;
  return CTK_E_OK;
}

ctk_code ctk_sock_parse_hostport(const char *text, const char *default_host, int min_port,
                                 char *host, size_t hostlen, int *port, char *why,
                                 size_t whylen)
{
  const char *colon = text ? strrchr(text, ':') : NULL;
  const char *digits = colon ? colon + 1 : text;
  char *end = NULL;
  long p;

  if(why && whylen)
    why[0] = '\0';
  if(!text || !*text) {
    if(why)
      snprintf(why, whylen, "empty address");
    return CTK_E_INVAL;
  }
  errno = 0;
  p = strtol(digits, &end, 10);
  if(errno || !end || end == digits || *end || p < min_port || p > 65535) {
    if(why)
      snprintf(why, whylen, "'%s' has no port from %d to 65535", text, min_port);
    return CTK_E_INVAL;
  }
  if(colon && colon != text) {
    size_t len = (size_t)(colon - text);
    if(len >= hostlen) {
      if(why)
        snprintf(why, whylen, "the host of '%s' is too long", text);
      return CTK_E_TOOBIG;
    }
    memcpy(host, text, len);
    host[len] = '\0';
  }
  else if(default_host) {
    if(ctk_strlcpy(host, default_host, hostlen))
      return CTK_E_TOOBIG;
  }
  else {
    if(why)
      snprintf(why, whylen, "'%s' names no host (HOST:PORT)", text);
    return CTK_E_INVAL;
  }
  *port = (int)p;
  return CTK_E_OK;
}

int ctk_sock_is_loopback(const char *host)
{
  struct in_addr a4;
  if(!strcmp(host, "localhost"))
    return 1;
  return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}
