/* ctk_acd_link: see ctk_acd_link.h. Clients are allocated one by one so that a pointer handed to
 * the protocol stays valid for the whole turn of the loop; they are only freed in
 * ctk_acd_link_handle, after every callback of that turn. */
#include "acd/ctk_acd_link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctk_log.h"
#include "ctk_proc.h"
#include "ctk_sock.h"

#define LINK_CHUNK 16384
#define LINK_CLOSE_GRACE_MS 2000u

struct ctk_acd_link {
  char mod[24];
  int listen_fd;
  int port;
  ctk_acd_link_limits lim;
  ctk_acd_link_ops ops;
  void *ctx;
  unsigned next_id;
  ctk_acd_link_client **clients;
  size_t nclients;
  ctk_acd_link_client **polled; /* clients in the order of the last pollfds */
  size_t npolled;
};

ctk_code ctk_acd_link_new(const char *mod, const char *bind_addr, int port,
                          const ctk_acd_link_limits *limits, const ctk_acd_link_ops *ops,
                          void *ctx, ctk_acd_link **out)
{
  ctk_acd_link *l;
  ctk_code rc;

  *out = NULL;
  if(!limits->max_clients || !limits->in_max || !limits->out_max || !ops->on_input)
    return CTK_E_INVAL;
  l = calloc(1, sizeof(*l));
  if(!l)
    return CTK_E_NOMEM;
  l->clients = calloc(limits->max_clients, sizeof(*l->clients));
  l->polled = calloc(limits->max_clients, sizeof(*l->polled));
  if(!l->clients || !l->polled) {
    free(l->clients);
    free(l->polled);
    free(l);
    return CTK_E_NOMEM;
  }
  ctk_strlcpy(l->mod, mod, sizeof(l->mod));
  l->lim = *limits;
  l->ops = *ops;
  l->ctx = ctx;
  l->next_id = 1;
  rc = ctk_sock_listen(bind_addr ? bind_addr : "127.0.0.1", port, 16, 1, &l->listen_fd, &l->port);
  if(rc) {
    if(rc == CTK_E_IO)
      CTK_ERR(l->mod, "cannot listen on port %d: %s", port, strerror(errno));
    free(l->clients);
    free(l->polled);
    free(l);
    return rc;
  }
  *out = l;
  return CTK_E_OK;
}

static void link_drop(ctk_acd_link *l, size_t i)
{
  ctk_acd_link_client *c = l->clients[i];
  CTK_INFO(l->mod, "client %u closed: %s", c->id, c->dead ? c->dead : "closed");
  free(c->proto);
  close(c->fd);
  ctk_buf_free(&c->in);
  ctk_buf_free(&c->out);
  free(c);
  l->clients[i] = l->clients[--l->nclients];
}

void ctk_acd_link_free(ctk_acd_link *l)
{
  if(!l)
    return;
  while(l->nclients) {
    l->clients[l->nclients - 1]->dead = "shutdown";
    link_drop(l, l->nclients - 1);
  }
  close(l->listen_fd);
  free(l->clients);
  free(l->polled);
  free(l);
}

int ctk_acd_link_port(const ctk_acd_link *l)
{
  return l->port;
}

size_t ctk_acd_link_clients(const ctk_acd_link *l)
{
  return l->nclients;
}

ctk_acd_link_client *ctk_acd_link_client_at(ctk_acd_link *l, size_t i)
{
  return i < l->nclients ? l->clients[i] : NULL;
}

size_t ctk_acd_link_pollfds(ctk_acd_link *l, struct pollfd *fds, size_t max)
{
  size_t n = 0, i;
  l->npolled = 0;
  if(max < 1)
    return 0;
  fds[n].fd = l->listen_fd;
  fds[n].events = l->nclients < l->lim.max_clients ? POLLIN : 0;
  fds[n].revents = 0;
  n++;
  for(i = 0; i < l->nclients && n < max; i++, n++) {
    ctk_acd_link_client *c = l->clients[i];
    fds[n].fd = c->fd;
    fds[n].events = c->closing ? 0 : POLLIN;
    if(c->out.len > c->out_off)
      fds[n].events |= POLLOUT;
    fds[n].revents = 0;
    l->polled[l->npolled++] = c;
  }
  return n;
}

/* Writes what the socket takes now. */
static void link_flush(ctk_acd_link_client *c)
{
  while(!c->dead && c->out_off < c->out.len) {
    ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
    if(w < 0) {
      if(errno == EINTR)
        continue;
      if(errno != EAGAIN && errno != EWOULDBLOCK)
        c->dead = "write failed";
      return;
    }
    c->out_off += (size_t)w;
  }
  if(c->out_off == c->out.len) {
    ctk_buf_reset(&c->out);
    c->out_off = 0;
  }
}

ctk_code ctk_acd_link_send(ctk_acd_link_client *c, const void *data, size_t len)
{
  ctk_code rc;
  if(c->dead)
    return CTK_E_IO;
  if(c->out_off && c->out.len + len > c->out.max) { /* make room: drop what was written */
    memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
    c->out.len -= c->out_off;
    c->out.data[c->out.len] = '\0';
    c->out_off = 0;
  }
  c->wrote = 1;
  rc = ctk_buf_add(&c->out, data, len);
  if(rc) {
    c->dead = "too far behind";
    return rc;
  }
  link_flush(c);
  return c->dead ? CTK_E_IO : CTK_E_OK;
}

void ctk_acd_link_close_after(ctk_acd_link_client *c)
{
  c->closing = 1;
}

/* Reads what arrived and hands it to the protocol. */
static void link_read(ctk_acd_link *l, ctk_acd_link_client *c, uint64_t now_ms)
{
  char chunk[LINK_CHUNK];
  while(!c->dead && !c->closing) {
    size_t room = l->lim.in_max - c->in.len;
    size_t want = room < sizeof(chunk) ? room : sizeof(chunk);
    ssize_t r;
    long used;

    if(!want) {
      /* a request larger than the protocol allows: answer, then close */
      if(l->ops.on_overflow)
        l->ops.on_overflow(l->ctx, c);
      c->closing = 1;
      return;
    }
    r = recv(c->fd, chunk, want, 0);
    if(r == 0) {
      c->dead = "closed by peer";
      return;
    }
    if(r < 0) {
      if(errno == EINTR)
        continue;
      if(errno != EAGAIN && errno != EWOULDBLOCK)
        c->dead = "read failed";
      return;
    }
    c->active_ms = now_ms;
    if(ctk_buf_add(&c->in, chunk, (size_t)r)) {
      c->dead = "out of memory";
      return;
    }
    used = l->ops.on_input(l->ctx, c);
    if(used < 0) {
      if(!c->dead)
        c->dead = "unreadable input";
      return;
    }
    if(used > 0) {
      memmove(c->in.data, c->in.data + used, c->in.len - (size_t)used);
      c->in.len -= (size_t)used;
      c->in.data[c->in.len] = '\0';
    }
  }
}

static void link_accept(ctk_acd_link *l, uint64_t now_ms)
{
  while(l->nclients < l->lim.max_clients) {
    int fd = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    ctk_acd_link_client *c;
    if(fd < 0)
      return;
    c = calloc(1, sizeof(*c));
    if(!c) {
      close(fd);
      return;
    }
    c->fd = fd;
    c->id = l->next_id++;
    c->opened_ms = now_ms;
    c->active_ms = now_ms;
    ctk_buf_init(&c->in, l->lim.in_max);
    ctk_buf_init(&c->out, l->lim.out_max);
    l->clients[l->nclients++] = c;
    CTK_INFO(l->mod, "client %u connected", c->id);
    if(l->ops.on_open && l->ops.on_open(l->ctx, c) && !c->dead)
      c->dead = "refused";
  }
}

void ctk_acd_link_handle(ctk_acd_link *l, const struct pollfd *fds, size_t n, uint64_t now_ms)
{
  size_t i;
  int accept_ready = n && fds[0].fd == l->listen_fd && (fds[0].revents & POLLIN);

  for(i = 1; i < n && i - 1 < l->npolled; i++) {
    ctk_acd_link_client *c = l->polled[i - 1];
    if(!fds[i].revents || c->fd != fds[i].fd || c->dead)
      continue;
    if(fds[i].revents & (POLLERR | POLLNVAL)) {
      c->dead = "socket error";
      continue;
    }
    if(fds[i].revents & (POLLIN | POLLHUP))
      link_read(l, c, now_ms);
    if(!c->dead && (fds[i].revents & POLLOUT))
      link_flush(c);
  }
  l->npolled = 0;
  i = 0;
  while(i < l->nclients) {
    ctk_acd_link_client *c = l->clients[i];
    if(c->wrote || c->out.len > c->out_off)
      c->active_ms = now_ms; /* a client that receives is not idle */
    c->wrote = 0;
    if(!c->dead && c->closing) {
      if(!c->closing_ms)
        c->closing_ms = now_ms;
      if(c->out.len == c->out_off)
        c->dead = "closed after the last answer";
      else if(now_ms - c->closing_ms >= LINK_CLOSE_GRACE_MS)
        c->dead = "last answer not taken in time";
    }
    if(!c->dead && !c->logged_in && l->lim.login_ms && now_ms - c->opened_ms >= l->lim.login_ms)
      c->dead = "did not log in in time";
    if(!c->dead && l->lim.idle_ms && now_ms - c->active_ms >= l->lim.idle_ms)
      c->dead = "idle too long";
    if(c->dead) {
      link_drop(l, i);
      continue;
    }
    i++;
  }
  if(accept_ready)
    link_accept(l, now_ms);
}
