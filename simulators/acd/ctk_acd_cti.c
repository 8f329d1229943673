/* ctk_acd_cti: the hub between the engine and the CTI families. It keeps the one call model the
 * families describe (live calls by Call-ID, the queue in order with each call's place, the agents'
 * state and the totals) and hands every event with its call record to each started plugin. */
#include "acd/ctk_acd_cti.h"
#include "acd/ctk_acd_ami.h"
#include "acd/ctk_acd_csta.h"
#include "acd/ctk_acd_esl.h"
#include "acd/ctk_acd_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_calendar.h"
#include "ctk_log.h"

#define HUB_MOD "acd-cti"

typedef struct hub_agent {
  ctk_acd_call_state state;
  unsigned long calls_taken;
  int64_t last_call_ms;
} hub_agent;

struct ctk_acd_cti_hub {
  ctk_acd_cti_plugin plugins[CTK_ACD_CTI_MAX_PLUGINS];
  size_t nplugins;
  size_t polled[CTK_ACD_CTI_MAX_PLUGINS]; /* pollfds each plugin filled last */
  const ctk_acd_engine *engine;
  ctk_acd_cti_call **buckets;
  size_t nbuckets;
  size_t ncalls;
  ctk_acd_cti_call *head, *tail;          /* in order of offer */
  ctk_acd_cti_call *q_head, *q_tail;      /* the queue */
  unsigned q_len;
  hub_agent *agents;                      /* CTK_ACD_AGENTS_MAX */
  unsigned long seq;
  ctk_acd_stats stats;
  int64_t started_ms;
  uint32_t run_id;
  ctk_acd_cti_ended_fn ended;
  void *ended_ctx;
};

typedef void (*plugin_fill)(ctk_acd_cti_plugin *out);

static const struct {
  const char *name;
  plugin_fill fill;
} cti_families[] = {
  { "csta", ctk_acd_csta_plugin },
  { "ami", ctk_acd_ami_plugin },
  { "esl", ctk_acd_esl_plugin },
};

ctk_code ctk_acd_cti_plugin_init(const char *name, ctk_acd_cti_plugin *out)
{
  size_t i;
  memset(out, 0, sizeof(*out));
  for(i = 0; i < sizeof(cti_families) / sizeof(cti_families[0]); i++) {
    if(!strcmp(name, cti_families[i].name)) {
      cti_families[i].fill(out);
      return CTK_E_OK;
    }
  }
  return CTK_E_NOTFOUND;
}

const char *ctk_acd_cti_families(void)
{
  return "csta,ami,esl";
}

/* The ctx of such a family begins with its link. */
static ctk_acd_link *cti_link_of(const ctk_acd_cti_plugin *p)
{
  ctk_acd_link *const *first = p->ctx;
  return *first;
}

ctk_code ctk_acd_cti_link_open(const char *mod, const ctk_acd_cti_options *opt, size_t request_max,
                               const ctk_acd_link_ops *ops, void *ctx, ctk_acd_link **out)
{
  ctk_acd_link_limits lim;
  memset(&lim, 0, sizeof(lim));
  lim.max_clients = opt->max_clients;
  lim.in_max = request_max;
  lim.out_max = CTK_ACD_CTI_OUT_MAX;
  lim.login_ms = opt->login_ms;
  lim.idle_ms = opt->idle_ms;
  return ctk_acd_link_new(mod, opt->bind_addr, opt->port, &lim, ops, ctx, out);
}

void ctk_acd_cti_link_stop(ctk_acd_cti_plugin *p)
{
  if(!p->ctx)
    return;
  ctk_acd_link_free(cti_link_of(p));
  free(p->ctx);
  p->ctx = NULL;
}

int ctk_acd_cti_link_port(const ctk_acd_cti_plugin *p)
{
  return ctk_acd_link_port(cti_link_of(p));
}

size_t ctk_acd_cti_link_clients(const ctk_acd_cti_plugin *p)
{
  return ctk_acd_link_clients(cti_link_of(p));
}

size_t ctk_acd_cti_link_pollfds(ctk_acd_cti_plugin *p, struct pollfd *fds, size_t max)
{
  return ctk_acd_link_pollfds(cti_link_of(p), fds, max);
}

void ctk_acd_cti_link_handle(ctk_acd_cti_plugin *p, const struct pollfd *fds, size_t n,
                             uint64_t now_ms)
{
  ctk_acd_link_handle(cti_link_of(p), fds, n, now_ms);
}

/* ---------- life cycle ---------- */

ctk_code ctk_acd_cti_hub_new(ctk_acd_cti_hub **out)
{
  ctk_acd_cti_hub *hub = calloc(1, sizeof(*hub));
  *out = NULL;
  if(!hub)
    return CTK_E_NOMEM;
  hub->nbuckets = 1024;
  hub->buckets = calloc(hub->nbuckets, sizeof(*hub->buckets));
  hub->agents = calloc(CTK_ACD_AGENTS_MAX, sizeof(*hub->agents));
  if(!hub->buckets || !hub->agents) {
    free(hub->buckets);
    free(hub->agents);
    free(hub);
    return CTK_E_NOMEM;
  }
  ctk_acd_stats_init(&hub->stats);
  hub->started_ms = ctk_wall_ms();
  /* call ids of two runs must differ; they need not be secret */
  hub->run_id = (uint32_t)((uint64_t)hub->started_ms * 2654435761u) ^ ((uint32_t)getpid() << 16);
  *out = hub;
  return CTK_E_OK;
}

static void hub_call_free(ctk_acd_cti_call *c)
{
  free(c->call_id);
  free(c);
}

void ctk_acd_cti_hub_free(ctk_acd_cti_hub *hub)
{
  ctk_acd_cti_call *c;
  size_t i;
  if(!hub)
    return;
  for(i = hub->nplugins; i > 0; i--)
    hub->plugins[i - 1].stop(&hub->plugins[i - 1]);
  c = hub->head;
  while(c) {
    ctk_acd_cti_call *next = c->next;
    hub_call_free(c);
    c = next;
  }
  free(hub->buckets);
  free(hub->agents);
  free(hub);
}

void ctk_acd_cti_hub_set_engine(ctk_acd_cti_hub *hub, const ctk_acd_engine *engine)
{
  hub->engine = engine;
}

ctk_code ctk_acd_cti_hub_start(ctk_acd_cti_hub *hub, const ctk_acd_cti_plugin *plugin,
                               const ctk_acd_cti_options *opt)
{
  ctk_acd_cti_plugin *p;
  ctk_code rc;
  if(hub->nplugins == CTK_ACD_CTI_MAX_PLUGINS)
    return CTK_E_TOOBIG;
  if(ctk_acd_cti_hub_find(hub, plugin->name))
    return CTK_E_EXISTS;
  p = &hub->plugins[hub->nplugins];
  *p = *plugin;
  rc = p->start(p, opt, hub);
  if(rc)
    return rc;
  hub->nplugins++;
  return CTK_E_OK;
}

const ctk_acd_cti_plugin *ctk_acd_cti_hub_find(const ctk_acd_cti_hub *hub, const char *name)
{
  size_t i;
  for(i = 0; i < hub->nplugins; i++) {
    if(!strcmp(hub->plugins[i].name, name))
      return &hub->plugins[i];
  }
  return NULL;
}

size_t ctk_acd_cti_hub_pollfds(ctk_acd_cti_hub *hub, struct pollfd *fds, size_t max)
{
  size_t n = 0, i;
  for(i = 0; i < hub->nplugins; i++) {
    hub->polled[i] = hub->plugins[i].pollfds(&hub->plugins[i], fds + n, max - n);
    n += hub->polled[i];
  }
  return n;
}

void ctk_acd_cti_hub_handle(ctk_acd_cti_hub *hub, const struct pollfd *fds, size_t n,
                            uint64_t now_ms)
{
  size_t off = 0, i;
  for(i = 0; i < hub->nplugins; i++) {
    size_t k = hub->polled[i];
    if(off + k > n)
      k = off < n ? n - off : 0;
    hub->plugins[i].handle(&hub->plugins[i], fds + off, k, now_ms);
    off += k;
  }
}

/* ---------- the call model ---------- */

static size_t hub_hash(const char *s)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for(; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return (size_t)h;
}

static ctk_acd_cti_call *hub_find(const ctk_acd_cti_hub *hub, const char *call_id)
{
  ctk_acd_cti_call *c = hub->buckets[hub_hash(call_id) & (hub->nbuckets - 1)];
  while(c && strcmp(c->call_id, call_id))
    c = c->hnext;
  return c;
}

static void hub_rehash(ctk_acd_cti_hub *hub)
{
  size_t n = hub->nbuckets * 2;
  ctk_acd_cti_call **nb = calloc(n, sizeof(*nb));
  ctk_acd_cti_call *c;
  if(!nb)
    return; /* longer chains, still correct */
  for(c = hub->head; c; c = c->next) {
    size_t b = hub_hash(c->call_id) & (n - 1);
    c->hnext = nb[b];
    nb[b] = c;
  }
  free(hub->buckets);
  hub->buckets = nb;
  hub->nbuckets = n;
}

static ctk_acd_cti_call *hub_add(ctk_acd_cti_hub *hub, const ctk_acd_event *ev)
{
  ctk_acd_cti_call *c = calloc(1, sizeof(*c));
  size_t b;
  if(!c)
    return NULL;
  c->call_id = strdup(ev->call_id);
  if(!c->call_id) {
    free(c);
    return NULL;
  }
  c->seq = ++hub->seq;
  c->agent_index = -1;
  c->offered_ms = ev->wall_ms;
  ctk_strlcpy(c->caller, ev->caller ? ev->caller : "", sizeof(c->caller));
  ctk_strlcpy(c->called, ev->called ? ev->called : "", sizeof(c->called));
  if(hub->ncalls + 1 > hub->nbuckets * 2)
    hub_rehash(hub);
  b = hub_hash(c->call_id) & (hub->nbuckets - 1);
  c->hnext = hub->buckets[b];
  hub->buckets[b] = c;
  c->prev = hub->tail;
  if(hub->tail)
    hub->tail->next = c;
  else
    hub->head = c;
  hub->tail = c;
  hub->ncalls++;
  return c;
}

static void hub_remove(ctk_acd_cti_hub *hub, ctk_acd_cti_call *c)
{
  ctk_acd_cti_call **pp = &hub->buckets[hub_hash(c->call_id) & (hub->nbuckets - 1)];
  while(*pp && *pp != c)
    pp = &(*pp)->hnext;
  if(*pp)
    *pp = c->hnext;
  if(c->prev)
    c->prev->next = c->next;
  else
    hub->head = c->next;
  if(c->next)
    c->next->prev = c->prev;
  else
    hub->tail = c->prev;
  hub->ncalls--;
  hub_call_free(c);
}

/* Takes c out of the queue; c->position becomes the place it had. O(queue length), only when a
 * call leaves the queue. */
static void hub_dequeue(ctk_acd_cti_hub *hub, ctk_acd_cti_call *c)
{
  ctk_acd_cti_call *q;
  unsigned place = 1;
  if(c->state != CTK_ACD_CALL_QUEUED)
    return;
  for(q = hub->q_head; q && q != c; q = q->qnext)
    place++;
  c->position = place;
  if(c->qprev)
    c->qprev->qnext = c->qnext;
  else
    hub->q_head = c->qnext;
  if(c->qnext)
    c->qnext->qprev = c->qprev;
  else
    hub->q_tail = c->qprev;
  c->qprev = c->qnext = NULL;
  hub->q_len--;
}

static int hub_agent_index(const char *agent)
{
  char *end = NULL;
  long v;
  if(!agent || agent[0] != 'A')
    return -1;
  v = strtol(agent + 1, &end, 10);
  if(*end || v < 1 || v > (long)CTK_ACD_AGENTS_MAX)
    return -1;
  return (int)(v - 1);
}

/* Brings c up to date with ev; returns 1 when the call ends with it. */
static int hub_apply(ctk_acd_cti_hub *hub, ctk_acd_cti_call *c, const ctk_acd_event *ev)
{
  switch(ev->kind) {
  case CTK_ACD_EV_OFFERED:
    return 0;
  case CTK_ACD_EV_QUEUED:
    c->state = CTK_ACD_CALL_QUEUED;
    c->queued_ms = ev->wall_ms;
    c->qprev = hub->q_tail;
    c->qnext = NULL;
    if(hub->q_tail)
      hub->q_tail->qnext = c;
    else
      hub->q_head = c;
    hub->q_tail = c;
    hub->q_len++;
    c->position = hub->q_len;
    c->orig_position = hub->q_len;
    return 0;
  case CTK_ACD_EV_DELIVERED:
    hub_dequeue(hub, c);
    c->state = CTK_ACD_CALL_RINGING;
    c->delivered_ms = ev->wall_ms;
    ctk_strlcpy(c->agent, ev->agent ? ev->agent : "", sizeof(c->agent));
    c->agent_index = hub_agent_index(c->agent);
    if(c->agent_index >= 0)
      hub->agents[c->agent_index].state = CTK_ACD_CALL_RINGING;
    return 0;
  case CTK_ACD_EV_ANSWERED:
    hub_dequeue(hub, c);
    c->state = CTK_ACD_CALL_TALKING;
    c->answered_ms = ev->wall_ms;
    if(c->agent_index >= 0) {
      hub->agents[c->agent_index].state = CTK_ACD_CALL_TALKING;
      hub->agents[c->agent_index].calls_taken++;
    }
    return 0;
  case CTK_ACD_EV_CLEARED:
  case CTK_ACD_EV_ABANDONED:
  case CTK_ACD_EV__COUNT:
  default:
    hub_dequeue(hub, c);
    c->ended_ms = ev->wall_ms;
    if(c->agent_index >= 0) {
      hub->agents[c->agent_index].state = CTK_ACD_CALL_OFFERED;
      if(c->answered_ms)
        hub->agents[c->agent_index].last_call_ms = ev->wall_ms;
    }
    c->state = CTK_ACD_CALL_ENDED;
    return 1;
  }
}

void ctk_acd_cti_hub_on_event(void *ctx, const ctk_acd_event *ev)
{
  ctk_acd_cti_hub *hub = ctx;
  ctk_acd_cti_call *c = hub_find(hub, ev->call_id);
  size_t i;
  int ends;

  ctk_acd_stats_on_event(&hub->stats, ev);
  if(!c) {
    if(ev->kind != CTK_ACD_EV_OFFERED) {
      CTK_WARN(HUB_MOD, "%s event for call %s the CTI link never saw offered",
               ctk_acd_event_name(ev->kind), ev->call_id);
    }
    c = hub_add(hub, ev);
    if(!c) {
      CTK_ERR(HUB_MOD, "out of memory: call %s not told to CTI clients", ev->call_id);
      return;
    }
  }
  ends = hub_apply(hub, c, ev);
  for(i = 0; i < hub->nplugins; i++)
    hub->plugins[i].on_event(&hub->plugins[i], ev, c);
  if(ends && hub->ended)
    hub->ended(hub->ended_ctx, ev, c);
  if(ends)
    hub_remove(hub, c);
}

void ctk_acd_cti_hub_on_ended(ctk_acd_cti_hub *hub, ctk_acd_cti_ended_fn fn, void *ctx)
{
  hub->ended = fn;
  hub->ended_ctx = ctx;
}

/* ---------- status ---------- */

void ctk_acd_cti_hub_status(const ctk_acd_cti_hub *hub, ctk_acd_cti_status *out)
{
  const ctk_acd_cti_call *c;
  int64_t now = ctk_wall_ms();
  memset(out, 0, sizeof(*out));
  if(hub->engine) {
    ctk_acd_config cfg;
    ctk_acd_engine_config(hub->engine, &cfg);
    out->agents = cfg.agents;
    out->agents_idle = ctk_acd_engine_idle_agents(hub->engine);
  }
  out->queued = hub->q_len;
  for(c = hub->head; c; c = c->next) {
    if(c->state == CTK_ACD_CALL_RINGING)
      out->ringing++;
    else if(c->state == CTK_ACD_CALL_TALKING)
      out->talking++;
  }
  if(hub->q_head && now > hub->q_head->queued_ms)
    out->longest_wait_ms = (long)(now - hub->q_head->queued_ms);
  out->stats = &hub->stats;
}

const ctk_acd_cti_call *ctk_acd_cti_hub_calls(const ctk_acd_cti_hub *hub)
{
  return hub->head;
}

const ctk_acd_cti_call *ctk_acd_cti_hub_queue(const ctk_acd_cti_hub *hub)
{
  return hub->q_head;
}

int ctk_acd_cti_hub_agent(const ctk_acd_cti_hub *hub, unsigned i, ctk_acd_cti_agent *out)
{
  memset(out, 0, sizeof(*out));
  if(i >= CTK_ACD_AGENTS_MAX)
    return -1;
  snprintf(out->id, sizeof(out->id), "A%02u", i + 1);
  if(hub->engine) {
    ctk_acd_config cfg;
    ctk_acd_engine_config(hub->engine, &cfg);
    out->logged_in = i < cfg.agents;
  }
  out->state = hub->agents[i].state;
  out->calls_taken = hub->agents[i].calls_taken;
  out->last_call_ms = hub->agents[i].last_call_ms;
  return 0;
}

int64_t ctk_acd_cti_hub_started_ms(const ctk_acd_cti_hub *hub)
{
  return hub->started_ms;
}

uint32_t ctk_acd_cti_hub_run_id(const ctk_acd_cti_hub *hub)
{
  return hub->run_id;
}

void ctk_acd_cti_link_plugin(ctk_acd_cti_plugin *out, const char *name,
                             ctk_code (*start)(ctk_acd_cti_plugin *p,
                                               const ctk_acd_cti_options *opt,
                                               ctk_acd_cti_hub *hub),
                             void (*on_event)(ctk_acd_cti_plugin *p, const ctk_acd_event *ev,
                                              const ctk_acd_cti_call *call))
{
  memset(out, 0, sizeof(*out));
  out->name = name;
  out->start = start;
  out->stop = ctk_acd_cti_link_stop;
  out->port = ctk_acd_cti_link_port;
  out->clients = ctk_acd_cti_link_clients;
  out->pollfds = ctk_acd_cti_link_pollfds;
  out->handle = ctk_acd_cti_link_handle;
  out->on_event = on_event;
}
