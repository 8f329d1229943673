/* ctk_sock: IPv4 sockets bound to a named address. */
#include "ctk_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
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
