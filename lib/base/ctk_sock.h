/* ctk_sock: IPv4 sockets bound to an address the caller names, and the port the kernel picked
 * when asked for port 0: the queue machine's SIP and CSTA listeners, the tests' listeners. */
#ifndef CTK_SOCK_H
#define CTK_SOCK_H

#include "ctk_error.h"

/* Binds fd (an AF_INET socket, UDP or TCP) to addr:port with SO_REUSEADDR, so a listener
 * opened again gets its port back. Port 0 lets the kernel pick; *bound (when not NULL) says
 * which port fd has. CTK_E_INVAL for a port outside 0..65535 or an addr that is not a dotted
 * IPv4 address, CTK_E_IO when the kernel refuses (errno says why). */
ctk_code ctk_sock_bind(int fd, const char *addr, int port, int *bound);

/* A close-on-exec TCP socket listening on addr:port (nonblocking when nonblock is 1), in *fd;
 * its port in *bound. Errors as ctk_sock_bind; *fd is -1 after one. */
ctk_code ctk_sock_listen(const char *addr, int port, int backlog, int nonblock, int *fd,
                         int *bound);

#endif
