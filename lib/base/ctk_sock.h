/* ctk_sock: IPv4 sockets bound to an address the caller names, and the port the kernel picked
 * when asked for port 0: the queue machine's SIP and CSTA listeners, the tests' listeners. */
#ifndef CTK_SOCK_H
#define CTK_SOCK_H

#include <stddef.h>

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

/* "HOST:PORT", ":PORT" or "PORT" (a whole number from min_port to 65535) into host and *port;
 * host is default_host when the text names none (default_host NULL: a host is required).
 * CTK_E_INVAL with why (when not NULL) saying what is wrong; CTK_E_TOOBIG for a long host. */
ctk_code ctk_sock_parse_hostport(const char *text, const char *default_host, int min_port,
                                 char *host, size_t hostlen, int *port, char *why,
                                 size_t whylen);

/* 1 when host is a loopback name or address (localhost, 127.0.0.0/8). */
int ctk_sock_is_loopback(const char *host);

#endif
