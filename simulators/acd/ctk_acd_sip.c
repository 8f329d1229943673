/* ctk_acd_sip: UDP and TCP sockets for SIP. TCP connections live in a slot table so a
 * connection id finds its socket in O(1); ids carry a generation so a reused slot is not
 * mistaken for a closed connection. Only message boundaries are found here; libosip2 parses. */
#include "acd/ctk_acd_sip.h"
#include "acd/ctk_acd_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_log.h"
#include "ctk_sock.h"

#define SIP_MOD "acd-sip"
#define SIP_MSG_MAX ((size_t)64 * 1024)
#define SIP_CONN_MAX 4096u
#define SIP_CONN_OUT_MAX ((size_t)4 * 1024 * 1024)
#define SIP_UDP_BATCH 256
#define SIP_UDP_SOCKBUF (4 * 1024 * 1024)

typedef struct sip_conn {
  int fd;                 /* -1 when the slot is free */
  uint32_t gen;
  ctk_acd_peer peer;
  ctk_buf in;
  ctk_buf out;
  size_t out_off;
} sip_conn;

struct ctk_acd_sip {
  int udp_fd;
  int tcp_fd;
  int port;
  ctk_acd_engine *engine;
  sip_conn conns[SIP_CONN_MAX];
  unsigned nconns;        /* open connections */
  unsigned high;          /* slots below this may be in use */
  unsigned poll_slot[SIP_CONN_MAX]; /* pollfd index - 2 -> connection slot, from the last pollfds */
  size_t npoll;
};

long ctk_acd_sip_frame(const char *data, size_t len, size_t max, size_t *skip)
{
  const char *end, *line;
  size_t s = 0, head_len;
  unsigned long body = 0;

  while(s + 1 < len && data[s] == '\r' && data[s + 1] == '\n')
    s += 2;
  *skip = s;
  data += s;
  len -= s;
  end = memmem(data, len, "\r\n\r\n", 4);
  if(!end)
    return len > max ? -1 : 0;
  head_len = (size_t)(end - data) + 4;
  for(line = data; line < end;) {
    const char *eol = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
    const char *p = line;
    size_t name_len;
    if(!eol)
      break;
    while(p < eol && *p != ':' && *p != ' ' && *p != '\t')
      p++;
    name_len = (size_t)(p - line);
    if((name_len == 14 && !strncasecmp(line, "Content-Length", 14)) ||
       (name_len == 1 && (*line == 'l' || *line == 'L'))) {
      char *num_end = NULL;
      while(p < eol && (*p == ' ' || *p == '\t' || *p == ':'))
        p++;
      if(p == eol || *p < '0' || *p > '9')
        return -1;
      body = strtoul(p, &num_end, 10);
      if(num_end > eol)
        return -1;
    }
    line = eol + 2;
  }
  if(body > max || head_len + body > max)
    return -1;
  if(len < head_len + body)
    return 0;
  return (long)(head_len + body);
}

ctk_code ctk_acd_sip_new(const char *bind_addr, int port, ctk_acd_sip **out)
{
  ctk_acd_sip *s;
  int attempt;
  unsigned i;
  ctk_code rc = CTK_E_IO;

  *out = NULL;
  if(port < 0 || port > 65535)
    return CTK_E_INVAL;
  s = calloc(1, sizeof(*s));
  if(!s)
    return CTK_E_NOMEM;
  for(i = 0; i < SIP_CONN_MAX; i++)
    s->conns[i].fd = -1;
  /* port 0: the UDP port the kernel picks may be taken for TCP; try a few times */
  for(attempt = 0; attempt < (port ? 1 : 20); attempt++) {
    int udp_port = 0, tcp_port = 0;
    s->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    s->tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if(s->udp_fd < 0 || s->tcp_fd < 0)
      rc = CTK_E_IO;
    else {
      rc = ctk_sock_bind(s->udp_fd, bind_addr, port, &udp_port);
      if(!rc)
        rc = ctk_sock_bind(s->tcp_fd, bind_addr, udp_port, &tcp_port);
      if(!rc && listen(s->tcp_fd, 128) != 0)
        rc = CTK_E_IO;
    }
    if(!rc) {
      /* bursts of thousands of calls a second overflow the default 208 KiB and cost
       * retransmissions; the kernel caps this at net.core.rmem_max / wmem_max */
      int big = SIP_UDP_SOCKBUF;
      setsockopt(s->udp_fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
      setsockopt(s->udp_fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
      s->port = udp_port;
      *out = s;
      return CTK_E_OK;
    }
    if(s->udp_fd >= 0)
      close(s->udp_fd);
    if(s->tcp_fd >= 0)
      close(s->tcp_fd);
    if(rc == CTK_E_INVAL)
      break;
  }
  CTK_ERR(SIP_MOD, "cannot bind SIP UDP+TCP on %s:%d: %s", bind_addr, port,
          rc == CTK_E_INVAL ? "bad address" : strerror(errno));
  free(s);
  return rc;
}

int ctk_acd_sip_port(const ctk_acd_sip *s)
{
  return s->port;
}

void ctk_acd_sip_set_engine(ctk_acd_sip *s, ctk_acd_engine *e)
{
  s->engine = e;
}

static void sip_conn_close(ctk_acd_sip *s, sip_conn *c)
{
  close(c->fd);
  c->fd = -1;
  c->gen++;
  ctk_buf_free(&c->in);
  ctk_buf_free(&c->out);
  c->out_off = 0;
  s->nconns--;
}

static int sip_flush(sip_conn *c)
{
  while(c->out_off < c->out.len) {
    ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
    if(w < 0) {
      if(errno == EINTR)
        continue;
      return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
    c->out_off += (size_t)w;
  }
  ctk_buf_reset(&c->out);
  c->out_off = 0;
  return 0;
}

static int sip_send(void *ctx, const ctk_acd_peer *to, const char *data, size_t len)
{
  ctk_acd_sip *s = ctx;
  sip_conn *c;
  unsigned idx;

  if(to->proto == CTK_ACD_UDP) {
    ssize_t w = sendto(s->udp_fd, data, len, 0, (const struct sockaddr *)&to->addr, to->addrlen);
    return w == (ssize_t)len ? CTK_E_OK : CTK_E_IO;
  }
  idx = (unsigned)to->conn_id & 0xffffu;
  if(idx >= SIP_CONN_MAX)
    return CTK_E_INVAL;
  c = &s->conns[idx];
  if(c->fd < 0 || c->gen != ((unsigned)to->conn_id >> 16))
    return CTK_E_NOTFOUND; /* the caller's connection is gone */
  if(ctk_buf_add(&c->out, data, len))
    return CTK_E_TOOBIG;
  return sip_flush(c) ? CTK_E_IO : CTK_E_OK;
}

void ctk_acd_sip_transport(ctk_acd_sip *s, ctk_acd_transport *out)
{
  out->send = sip_send;
  out->ctx = s;
}

size_t ctk_acd_sip_pollfds(ctk_acd_sip *s, struct pollfd *fds, size_t max)
{
  size_t n = 0;
  unsigned i;
  if(max < 2)
    return 0;
  fds[n].fd = s->udp_fd;
  fds[n].events = POLLIN;
  fds[n++].revents = 0;
  fds[n].fd = s->tcp_fd;
  fds[n].events = s->nconns < SIP_CONN_MAX ? POLLIN : 0;
  fds[n++].revents = 0;
  for(i = 0; i < s->high && n < max; i++) {
    sip_conn *c = &s->conns[i];
    if(c->fd < 0)
      continue;
    s->poll_slot[n - 2] = i;
    fds[n].fd = c->fd;
    fds[n].events = POLLIN;
    if(c->out.len > c->out_off)
      fds[n].events |= POLLOUT;
    fds[n++].revents = 0;
  }
  s->npoll = n;
  return n;
}

static void sip_udp_read(ctk_acd_sip *s, uint64_t now_ms)
{
  char buf[SIP_MSG_MAX];
  int i;
  for(i = 0; i < SIP_UDP_BATCH; i++) {
    ctk_acd_peer peer;
    ssize_t r;
    memset(&peer, 0, sizeof(peer));
    peer.proto = CTK_ACD_UDP;
    peer.addrlen = sizeof(peer.addr);
    r = recvfrom(s->udp_fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer.addr, &peer.addrlen);
    if(r < 0)
      return; /* EAGAIN: drained */
    if(r == 0)
      continue;
    buf[r] = '\0';
    if(ctk_acd_engine_input(s->engine, buf, (size_t)r, &peer, now_ms) == CTK_E_PARSE)
      CTK_DEBUG(SIP_MOD, "unreadable datagram of %zd bytes ignored", r);
  }
}

static void sip_accept(ctk_acd_sip *s)
{
  for(;;) {
    struct sockaddr_storage addr;
    socklen_t alen = sizeof(addr);
    int fd = accept4(s->tcp_fd, (struct sockaddr *)&addr, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    unsigned i;
    sip_conn *c;
    if(fd < 0)
      return;
    for(i = 0; i < SIP_CONN_MAX && s->conns[i].fd >= 0; i++)
      ;
    if(i == SIP_CONN_MAX) {
      CTK_WARN(SIP_MOD, "too many SIP TCP connections; refusing one");
      close(fd);
      return;
    }
    c = &s->conns[i];
    c->fd = fd;
    memset(&c->peer, 0, sizeof(c->peer));
    c->peer.proto = CTK_ACD_TCP;
    c->peer.conn_id = (int)(((c->gen & 0x7fffu) << 16) | i);
    c->gen &= 0x7fffu;
    memcpy(&c->peer.addr, &addr, sizeof(addr));
    c->peer.addrlen = alen;
    ctk_buf_init(&c->in, SIP_MSG_MAX * 4);
    ctk_buf_init(&c->out, SIP_CONN_OUT_MAX);
    c->out_off = 0;
    s->nconns++;
    if(i + 1 > s->high)
      s->high = i + 1;
  }
}

/* Returns -1 when the connection must close. */
static int sip_tcp_read(ctk_acd_sip *s, sip_conn *c, uint64_t now_ms)
{
  for(;;) {
    size_t used = 0;
    int got_bytes = ctk_acd_stream_read(c->fd, &c->in, 16384);
    if(got_bytes <= 0)
      return got_bytes;
    for(;;) {
      size_t skip = 0;
      long mlen = ctk_acd_sip_frame(c->in.data + used, c->in.len - used, SIP_MSG_MAX, &skip);
      if(mlen < 0) {
        CTK_WARN(SIP_MOD, "unframeable SIP on TCP; closing the connection");
        return -1;
      }
      used += skip;
      if(mlen == 0)
        break;
      ctk_acd_engine_input(s->engine, c->in.data + used, (size_t)mlen, &c->peer, now_ms);
      used += (size_t)mlen;
      if(c->fd < 0)
        return 0;
    }
    ctk_acd_stream_consume(&c->in, used);
  }
}

void ctk_acd_sip_handle(ctk_acd_sip *s, const struct pollfd *fds, size_t n, uint64_t now_ms)
{
  size_t i;
  int accept_ready = 0;
  for(i = 0; i < n; i++) {
    unsigned k;
    if(!fds[i].revents)
      continue;
    if(fds[i].fd == s->udp_fd) {
      sip_udp_read(s, now_ms);
      continue;
    }
    if(fds[i].fd == s->tcp_fd) {
      accept_ready = 1;
      continue;
    }
    if(i < 2 || i >= s->npoll)
      continue;
    k = s->poll_slot[i - 2];
    if(s->conns[k].fd != fds[i].fd)
      continue;
    if(fds[i].revents & (POLLERR | POLLNVAL)) {
      sip_conn_close(s, &s->conns[k]);
      continue;
    }
    if((fds[i].revents & (POLLIN | POLLHUP)) && sip_tcp_read(s, &s->conns[k], now_ms)) {
      sip_conn_close(s, &s->conns[k]);
      continue;
    }
    if((fds[i].revents & POLLOUT) && sip_flush(&s->conns[k]))
      sip_conn_close(s, &s->conns[k]);
  }
  if(accept_ready)
    sip_accept(s);
  while(s->high && s->conns[s->high - 1].fd < 0)
    s->high--;
}

void ctk_acd_sip_free(ctk_acd_sip *s)
{
  unsigned i;
  if(!s)
    return;
  for(i = 0; i < s->high; i++) {
    if(s->conns[i].fd >= 0)
      sip_conn_close(s, &s->conns[i]);
  }
  close(s->udp_fd);
  close(s->tcp_fd);
  free(s);
}
