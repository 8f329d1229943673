/* ctk_acd_ami: the AMI family (Asterisk Manager Interface over TCP). Messages are "Key: Value"
 * lines ended by a blank line, keys case-insensitive, answers carry the action's ActionID. Each
 * call is one caller channel (Uniqueid = Linkedid) and, once delivered, one channel to the agent;
 * its events are those app_queue raises for a queue named CTK_ACD_QUEUE_NAME. */
#include "acd/ctk_acd_ami.h"
#include "acd/ctk_acd_link.h"
#include "cti/ctk_cti_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctk_calendar.h"
#include "ctk_log.h"

#define AMI_MOD "acd-ami"
/* AMI's own header names. Some are spelt like elements of the 12328 profile; they are AMI's. */
#define AMI_ACTION "Action"            /* not the profile's */
#define AMI_CHANNEL "Channel"          /* not the profile's */
#define AMI_EVENT CTK_CTI_AMI_EVENT
#define AMI_MESSAGE CTK_CTI_AMI_MESSAGE
#define AMI_NAME "Name"                /* not the profile's */
#define AMI_REASON "Reason"            /* not the profile's */
#define AMI_STATUS "Status"            /* not the profile's */
#define AMI_EV_AGENT 1u               /* event classes a client may ask for at Login */
#define AMI_EV_CALL 2u
#define AMI_EV_SYSTEM 4u
#define AMI_EV_ALL (AMI_EV_AGENT | AMI_EV_CALL | AMI_EV_SYSTEM)

/* ---------- events ---------- */

void ctk_acd_ami_uniqueid(const ctk_acd_cti_call *call, int agent_leg, char *out, size_t size)
{
  int64_t born = agent_leg && call->delivered_ms ? call->delivered_ms : call->offered_ms;
  snprintf(out, size, "%lld.%lu", (long long)(born / 1000),
           call->seq * 2 - (agent_leg ? 0 : 1));
}

/* "Key: value\r\n", with any CR or LF in the value made a space (a value cannot end a message). */
static void ami_kv(ctk_buf *b, const char *key, const char *value)
{
  const char *v = value ? value : "";
  ctk_buf_adds(b, key);
  ctk_buf_adds(b, ": ");
  for(; *v; v++)
    ctk_buf_addc(b, *v == '\r' || *v == '\n' ? ' ' : *v);
  ctk_buf_adds(b, "\r\n");
}

static void ami_kl(ctk_buf *b, const char *key, long long value)
{
  char num[32];
  snprintf(num, sizeof(num), "%lld", value);
  ami_kv(b, key, num);
}

static void ami_begin(ctk_buf *b, ctk_buf *names, const char *event, const char *privilege,
                      int64_t wall_ms)
{
  char ts[40];
  ami_kv(b, AMI_EVENT, event);
  ami_kv(b, "Privilege", privilege);
  snprintf(ts, sizeof(ts), "%lld.%06lld", (long long)(wall_ms / 1000),
           (long long)(wall_ms % 1000) * 1000);
  ami_kv(b, "Timestamp", ts);
  if(names) {
    if(names->len)
      ctk_buf_addc(names, ',');
    ctk_buf_adds(names, event);
  }
}

/* The channel block: prefix "" for the caller's channel, "Dest" for the agent's. */
static void ami_channel(ctk_buf *b, const ctk_acd_cti_call *call, int agent_leg, int up)
{
  const char *pre = agent_leg ? "Dest" : "";
  char key[40], val[160], uid[48], linked[48];

  ctk_acd_ami_uniqueid(call, agent_leg, uid, sizeof(uid));
  ctk_acd_ami_uniqueid(call, 0, linked, sizeof(linked));
#define AMI_K(name) (snprintf(key, sizeof(key), "%s%s", pre, name), key)
  if(agent_leg)
    snprintf(val, sizeof(val), "SIP/%s-%08lx", call->agent, call->seq * 2);
  else
    snprintf(val, sizeof(val), "SIP/%s-%08lx", call->caller[0] ? call->caller : "anonymous",
             call->seq * 2 - 1);
  ami_kv(b, AMI_K(AMI_CHANNEL), val);
  /* the caller's channel rings (4) until answered; the agent's phone rings (5) */
  ami_kl(b, AMI_K("ChannelState"), up ? 6 : agent_leg ? 5 : 4);
  ami_kv(b, AMI_K("ChannelStateDesc"), up ? "Up" : agent_leg ? "Ringing" : "Ring");
  ami_kv(b, AMI_K("CallerIDNum"), agent_leg ? call->agent : call->caller);
  ami_kv(b, AMI_K("CallerIDName"), "<unknown>");
  ami_kv(b, AMI_K("ConnectedLineNum"), agent_leg ? call->caller
                                       : call->agent[0] ? call->agent : "<unknown>");
  ami_kv(b, AMI_K("ConnectedLineName"), "<unknown>");
  ami_kv(b, AMI_K("Language"), "zh");
  ami_kv(b, AMI_K("AccountCode"), "");
  ami_kv(b, AMI_K("Context"), agent_leg ? "from-queue" : "from-12328");
  ami_kv(b, AMI_K("Exten"), agent_leg ? call->agent : call->called);
  ami_kl(b, AMI_K("Priority"), 1);
  ami_kv(b, AMI_K("Uniqueid"), uid);
  ami_kv(b, AMI_K("Linkedid"), linked);
#undef AMI_K
}

static void ami_member(ctk_buf *b, const ctk_acd_cti_call *call)
{
  char iface[40];
  snprintf(iface, sizeof(iface), "SIP/%s", call->agent);
  ami_kv(b, "Queue", CTK_ACD_QUEUE_NAME);
  ami_kv(b, "MemberName", call->agent);
  ami_kv(b, "Interface", iface);
}

static long ami_secs(int64_t from_ms, int64_t to_ms)
{
  return from_ms && to_ms > from_ms ? (long)((to_ms - from_ms) / 1000) : 0;
}

/* The variables a city system links the call with (Asterisk shows them when manager.conf names
 * them in channelvars). */
static void ami_vars(ctk_buf *b, const ctk_acd_event *ev)
{
  ctk_buf v;
  ctk_buf_init(&v, 1024);
  ctk_buf_printf(&v, "SIPCALLID=%s", ev->call_id);
  ami_kv(b, "ChanVariable", ctk_buf_str(&v));
  if(ev->recording_url) {
    ctk_buf_reset(&v);
    ctk_buf_printf(&v, "MIXMONITOR_FILENAME=%s", ev->recording_url);
    ami_kv(b, "ChanVariable", ctk_buf_str(&v));
  }
  ctk_buf_free(&v);
}

static void ami_end(ctk_buf *b)
{
  ctk_buf_adds(b, "\r\n");
}

static void ami_leave(ctk_buf *b, ctk_buf *names, const ctk_acd_event *ev,
                      const ctk_acd_cti_call *call, int up)
{
  ami_begin(b, names, "QueueCallerLeave", "agent,all", ev->wall_ms);
  ami_channel(b, call, 0, up);
  ami_kv(b, "Queue", CTK_ACD_QUEUE_NAME);
  ami_kl(b, "Position", call->position);
  ami_kl(b, "Count", ev->queue_length);
  ami_vars(b, ev);
  ami_end(b);
}

static void ami_hangup(ctk_buf *b, ctk_buf *names, const ctk_acd_event *ev,
                       const ctk_acd_cti_call *call)
{
  int cause = 16;
  const char *text = "Normal Clearing";
  if(ev->busy_status == 486) {
    cause = 17;
    text = "User busy";
  }
  else if(ev->busy_status == 503) {
    cause = 34;
    text = "Circuit/channel congestion";
  }
  else if(ev->queue_timeout) {
    cause = 19;
    text = "User alerting, no answer";
  }
  ami_begin(b, names, "Hangup", "call,all", ev->wall_ms);
  ami_channel(b, call, 0, ev->answered);
  ami_kl(b, "Cause", cause);
  ami_kv(b, "Cause-txt", text);
  ami_vars(b, ev);
  ami_end(b);
}

ctk_code ctk_acd_ami_render(const ctk_acd_event *ev, const ctk_acd_cti_call *call, ctk_buf *out,
                            ctk_buf *names)
{
  switch(ev->kind) {
  case CTK_ACD_EV_OFFERED:
    ami_begin(out, names, "Newchannel", "call,all", ev->wall_ms);
    ami_channel(out, call, 0, 0);
    ami_vars(out, ev);
    ami_end(out);
    break;
  case CTK_ACD_EV_QUEUED:
    ami_begin(out, names, "QueueCallerJoin", "agent,all", ev->wall_ms);
    ami_channel(out, call, 0, 0);
    ami_kv(out, "Queue", CTK_ACD_QUEUE_NAME);
    ami_kl(out, "Position", call->position);
    ami_kl(out, "Count", ev->queue_length);
    ami_vars(out, ev);
    ami_end(out);
    break;
  case CTK_ACD_EV_DELIVERED:
    ami_begin(out, names, "AgentCalled", "agent,all", ev->wall_ms);
    ami_channel(out, call, 0, 0);
    ami_channel(out, call, 1, 0);
    ami_member(out, call);
    ami_vars(out, ev);
    ami_end(out);
    break;
  case CTK_ACD_EV_ANSWERED:
    /* app_queue keeps the caller in the queue while the agent rings; it leaves at the answer */
    ami_leave(out, names, ev, call, 1);
    ami_begin(out, names, "AgentConnect", "agent,all", ev->wall_ms);
    ami_channel(out, call, 0, 1);
    ami_channel(out, call, 1, 1);
    ami_member(out, call);
    ami_kl(out, "RingTime", ami_secs(call->delivered_ms, call->answered_ms));
    ami_kl(out, "HoldTime", ev->wait_ms / 1000);
    ami_vars(out, ev);
    ami_end(out);
    break;
  case CTK_ACD_EV_CLEARED:
    if(ev->answered) {
      ami_begin(out, names, "AgentComplete", "agent,all", ev->wall_ms);
      ami_channel(out, call, 0, 1);
      ami_channel(out, call, 1, 1);
      ami_member(out, call);
      ami_kl(out, "HoldTime", ev->wait_ms / 1000);
      ami_kl(out, "TalkTime", ev->talk_ms / 1000);
      ami_kv(out, AMI_REASON, ev->agent_hangup ? "agent" : "caller");
      ami_vars(out, ev);
      ami_end(out);
    }
    else if(ev->queue_timeout)
      ami_leave(out, names, ev, call, 0);
    ami_hangup(out, names, ev, call);
    break;
  case CTK_ACD_EV_ABANDONED:
    if(call->queued_ms) {
      ami_begin(out, names, "QueueCallerAbandon", "agent,all", ev->wall_ms);
      ami_channel(out, call, 0, 0);
      ami_kv(out, "Queue", CTK_ACD_QUEUE_NAME);
      ami_kl(out, "Position", call->position);
      ami_kl(out, "OriginalPosition", call->orig_position);
      ami_kl(out, "HoldTime", ami_secs(call->queued_ms, ev->wall_ms));
      ami_vars(out, ev);
      ami_end(out);
      ami_leave(out, names, ev, call, 0);
    }
    ami_hangup(out, names, ev, call);
    break;
  case CTK_ACD_EV__COUNT:
  default:
    return CTK_E_INVAL;
  }
  if(names && names->max && names->len >= names->max)
    return CTK_E_TOOBIG;
  return out->len >= out->max ? CTK_E_TOOBIG : CTK_E_OK;
}

/* ---------- the server ---------- */

typedef struct ami_client {
  unsigned events;             /* AMI_EV_* the client gets */
} ami_client;

typedef struct ami_server {
  ctk_acd_link *link;          /* first: the shared ctk_acd_cti_link_* functions read it */
  ctk_acd_cti_hub *hub;
  char user[128];
  char secret[128];
} ami_server;

static void ami_send(ctk_acd_link_client *c, ctk_buf *b)
{
  if(b->len >= b->max)
    c->dead = "answer too big";
  else
    ctk_acd_link_send(c, b->data, b->len);
}

/* Response: Success|Error|Goodbye, the ActionID, a Message, then extra lines when given. */
static void ami_respond(ctk_acd_link_client *c, const char *response, const char *action_id,
                        const char *message, const char *extra)
{
  ctk_buf b;
  ctk_buf_init(&b, 4096);
  ami_kv(&b, "Response", response);
  if(action_id)
    ami_kv(&b, "ActionID", action_id);
  if(message)
    ami_kv(&b, AMI_MESSAGE, message);
  if(extra)
    ctk_buf_adds(&b, extra);
  ami_end(&b);
  ami_send(c, &b);
  ctk_buf_free(&b);
}

/* The event classes named at Login ("on", "off", "agent,call", ...). */
static unsigned ami_event_mask(const char *value)
{
  unsigned mask = 0;
  char item[32];
  const char *p = value;
  if(!value || !strcasecmp(value, "on") || !strcasecmp(value, "yes") || !strcasecmp(value, "all"))
    return AMI_EV_ALL;
  if(!strcasecmp(value, "off") || !strcasecmp(value, "no"))
    return 0;
  while(*p) {
    size_t n = strcspn(p, ",");
    if(n < sizeof(item)) {
      memcpy(item, p, n);
      item[n] = '\0';
      if(!strcasecmp(item, "agent"))
        mask |= AMI_EV_AGENT;
      else if(!strcasecmp(item, "call"))
        mask |= AMI_EV_CALL;
      else if(!strcasecmp(item, "system"))
        mask |= AMI_EV_SYSTEM;
      else if(!strcasecmp(item, "all"))
        mask |= AMI_EV_ALL;
    }
    p += n;
    if(*p)
      p++;
  }
  return mask;
}

static void ami_login(ami_server *srv, ctk_acd_link_client *c, const ctk_cti_headers *m, const char *aid)
{
  ami_client *ac = c->proto;
  const char *user = ctk_cti_header(m, "Username");
  const char *secret = ctk_cti_header(m, "Secret");
  const char *events = ctk_cti_header(m, "Events");

  if(!user || !secret || strcmp(user, srv->user) || strcmp(secret, srv->secret)) {
    /* Asterisk closes the session after a failed login */
    CTK_INFO(AMI_MOD, "client %u: login as '%s' refused", c->id, user ? user : "");
    ami_respond(c, "Error", aid, "Authentication failed", NULL);
    ctk_acd_link_close_after(c);
    return;
  }
  c->logged_in = 1;
  ac->events = ami_event_mask(events);
  ami_respond(c, "Success", aid, "Authentication accepted", NULL);
  if(ac->events & AMI_EV_SYSTEM) {
    ctk_buf b;
    ctk_buf_init(&b, 1024);
    ami_begin(&b, NULL, "FullyBooted", "system,all", ctk_wall_ms());
    ami_kv(&b, AMI_STATUS, "Fully Booted");
    ami_end(&b);
    ami_send(c, &b);
    ctk_buf_free(&b);
  }
}

static void ami_aid(ctk_buf *b, const char *aid)
{
  if(aid)
    ami_kv(b, "ActionID", aid);
}

/* Does the action's Queue header (if any) name our queue? */
static int ami_our_queue(const ctk_cti_headers *m)
{
  const char *q = ctk_cti_header(m, "Queue");
  return !q || !*q || !strcmp(q, CTK_ACD_QUEUE_NAME);
}

static void ami_queue_summary(ami_server *srv, ctk_acd_link_client *c, const ctk_cti_headers *m,
                              const char *aid)
{
  ctk_acd_cti_status st;
  ctk_buf b;
  int ours = ami_our_queue(m);

  ctk_acd_cti_hub_status(srv->hub, &st);
  ctk_buf_init(&b, 8192);
  ami_kv(&b, "Response", "Success");
  ami_aid(&b, aid);
  ami_kv(&b, "EventList", "start");
  ami_kv(&b, AMI_MESSAGE, "Queue summary will follow");
  ami_end(&b);
  if(ours) {
    ami_kv(&b, AMI_EVENT, "QueueSummary");
    ami_kv(&b, "Queue", CTK_ACD_QUEUE_NAME);
    ami_kl(&b, "LoggedIn", st.agents);
    ami_kl(&b, "Available", st.agents_idle);
    ami_kl(&b, "Callers", st.queued);
    ami_kl(&b, "HoldTime", (long long)(ctk_acd_stats_mean_wait_ms(st.stats) / 1000.0));
    ami_kl(&b, "TalkTime", st.stats->cleared ? (long long)(st.stats->talk_sum_ms / st.stats->cleared / 1000) : 0);
    ami_kl(&b, "LongestHoldTime", st.longest_wait_ms / 1000);
    ami_aid(&b, aid);
    ami_end(&b);
  }
  ami_kv(&b, AMI_EVENT, "QueueSummaryComplete");
  ami_aid(&b, aid);
  ami_kv(&b, "EventList", "Complete");
  ami_kl(&b, "ListItems", ours ? 1 : 0);
  ami_end(&b);
  ami_send(c, &b);
  ctk_buf_free(&b);
}

static void ami_queue_status(ami_server *srv, ctk_acd_link_client *c, const ctk_cti_headers *m,
                             const char *aid)
{
  ctk_acd_cti_status st;
  const ctk_acd_cti_call *q;
  ctk_buf b;
  unsigned i, items = 0, place = 1;
  int64_t now = ctk_wall_ms();
  int ours = ami_our_queue(m);

  ctk_acd_cti_hub_status(srv->hub, &st);
  ctk_buf_init(&b, CTK_ACD_CTI_OUT_MAX / 2);
  ami_kv(&b, "Response", "Success");
  ami_aid(&b, aid);
  ami_kv(&b, "EventList", "start");
  ami_kv(&b, AMI_MESSAGE, "Queue status will follow");
  ami_end(&b);
  if(ours) {
    const ctk_acd_stats *s = st.stats;
    ami_kv(&b, AMI_EVENT, "QueueParams");
    ami_kv(&b, "Queue", CTK_ACD_QUEUE_NAME);
    ami_kl(&b, "Max", 0);
    ami_kv(&b, "Strategy", "leastrecent");
    ami_kl(&b, "Calls", st.queued);
    ami_kl(&b, "Holdtime", (long long)(ctk_acd_stats_mean_wait_ms(s) / 1000.0));
    ami_kl(&b, "TalkTime", s->cleared ? (long long)(s->talk_sum_ms / s->cleared / 1000) : 0);
    ami_kl(&b, "Completed", (long long)s->answered);
    ami_kl(&b, "Abandoned", (long long)s->abandoned);
    ami_kl(&b, "ServiceLevel", 10);
    ctk_buf_printf(&b, "ServicelevelPerf: %.1f\r\n",
                   s->answered ? 100.0 * (double)s->answered_10s / (double)s->answered : 0.0);
    ami_kl(&b, "Weight", 0);
    ami_aid(&b, aid);
    ami_end(&b);
    items++;
    for(i = 0; i < st.agents && i < CTK_ACD_AGENTS_MAX; i++) {
      ctk_acd_cti_agent a;
      char iface[40];
      if(ctk_acd_cti_hub_agent(srv->hub, i, &a) || !a.logged_in)
        continue;
      snprintf(iface, sizeof(iface), "SIP/%s", a.id);
      ami_kv(&b, AMI_EVENT, "QueueMember");
      ami_kv(&b, "Queue", CTK_ACD_QUEUE_NAME);
      ami_kv(&b, AMI_NAME, a.id);
      ami_kv(&b, "Location", iface);
      ami_kv(&b, "StateInterface", iface);
      ami_kv(&b, "Membership", "static");
      ami_kl(&b, "Penalty", 0);
      ami_kl(&b, "CallsTaken", (long long)a.calls_taken);
      ami_kl(&b, "LastCall", a.last_call_ms / 1000);
      ami_kl(&b, "LastPause", 0);
      ami_kl(&b, "InCall", a.state == CTK_ACD_CALL_TALKING);
      /* AST_DEVICE_NOT_INUSE 1, INUSE 2, RINGING 6 */
      ami_kl(&b, AMI_STATUS, a.state == CTK_ACD_CALL_TALKING ? 2 : a.state == CTK_ACD_CALL_RINGING ? 6 : 1);
      ami_kl(&b, "Paused", 0);
      ami_kv(&b, "PausedReason", "");
      ami_kl(&b, "Wrapuptime", 0);
      ami_aid(&b, aid);
      ami_end(&b);
      items++;
    }
    for(q = ctk_acd_cti_hub_queue(srv->hub); q; q = q->qnext, place++) {
      char uid[48], chan[160];
      ctk_acd_ami_uniqueid(q, 0, uid, sizeof(uid));
      snprintf(chan, sizeof(chan), "SIP/%s-%08lx", q->caller[0] ? q->caller : "anonymous",
               q->seq * 2 - 1);
      ami_kv(&b, AMI_EVENT, "QueueEntry");
      ami_kv(&b, "Queue", CTK_ACD_QUEUE_NAME);
      ami_kl(&b, "Position", place);
      ami_kv(&b, AMI_CHANNEL, chan);
      ami_kv(&b, "Uniqueid", uid);
      ami_kv(&b, "CallerIDNum", q->caller);
      ami_kv(&b, "CallerIDName", "<unknown>");
      ami_kv(&b, "ConnectedLineNum", "<unknown>");
      ami_kv(&b, "ConnectedLineName", "<unknown>");
      ami_kl(&b, "Wait", ami_secs(q->queued_ms, now));
      ami_kl(&b, "Priority", 0);
      ami_aid(&b, aid);
      ami_end(&b);
      items++;
    }
  }
  ami_kv(&b, AMI_EVENT, "QueueStatusComplete");
  ami_aid(&b, aid);
  ami_kv(&b, "EventList", "Complete");
  ami_kl(&b, "ListItems", items);
  ami_end(&b);
  ami_send(c, &b);
  ctk_buf_free(&b);
}

static void ami_action(ami_server *srv, ctk_acd_link_client *c, const ctk_cti_headers *m)
{
  ami_client *ac = c->proto;
  const char *aid = ctk_cti_header(m, "ActionID");
  const char *action = ctk_cti_header(m, AMI_ACTION);

  if(m->problem) {
    ami_respond(c, "Error", aid, m->problem, NULL);
    return;
  }
  if(!action || !*action) {
    ami_respond(c, "Error", aid, "Missing action in request", NULL);
    return;
  }
  if(!strcasecmp(action, "Login")) {
    if(c->logged_in)
      ami_respond(c, "Success", aid, "Already authenticated", NULL);
    else
      ami_login(srv, c, m, aid);
    return;
  }
  if(!strcasecmp(action, "Logoff")) {
    ami_respond(c, "Goodbye", aid, "Goodbye", NULL);
    ctk_acd_link_close_after(c);
    return;
  }
  if(!c->logged_in) {
    ami_respond(c, "Error", aid, "Permission denied", NULL);
    return;
  }
  if(!strcasecmp(action, "Ping")) {
    char extra[80];
    int64_t now = ctk_wall_ms();
    snprintf(extra, sizeof(extra), "Ping: Pong\r\nTimestamp: %lld.%06lld\r\n",
             (long long)(now / 1000), (long long)(now % 1000) * 1000);
    ami_respond(c, "Success", aid, NULL, extra);
  }
  else if(!strcasecmp(action, "Events")) {
    const char *mask = ctk_cti_header(m, "EventMask");
    ac->events = ami_event_mask(mask ? mask : "on");
    ami_respond(c, "Success", aid, NULL, ac->events ? "Events: On\r\n" : "Events: Off\r\n");
  }
  else if(!strcasecmp(action, "QueueSummary"))
    ami_queue_summary(srv, c, m, aid);
  else if(!strcasecmp(action, "QueueStatus"))
    ami_queue_status(srv, c, m, aid);
  else
    ami_respond(c, "Error", aid, "Invalid/unknown command", NULL);
}

static long ami_on_input(void *ctx, ctk_acd_link_client *c)
{
  ami_server *srv = ctx;
  size_t used = 0;
  while(!c->dead && !c->closing && used < c->in.len) {
    const char *start;
    size_t skip, end;
    char *text;
    ctk_cti_headers m;

    end = ctk_cti_next_block(c->in.data + used, c->in.len - used, &skip);
    used += skip;
    if(!end)
      break;
    start = c->in.data + used;
    text = malloc(end + 1);
    if(!text)
      return -1;
    memcpy(text, start, end);
    text[end] = '\0';
    ctk_cti_headers_parse(text, &m);
    ami_action(srv, c, &m);
    free(text);
    used += end;
  }
  return (long)used;
}

static int ami_on_open(void *ctx, ctk_acd_link_client *c)
{
  static const char banner[] = CTK_AMI_BANNER "\r\n";
  ami_client *ac = calloc(1, sizeof(*ac));
  (void)ctx;
  if(!ac)
    return -1;
  c->proto = ac;
  ctk_acd_link_send(c, banner, sizeof(banner) - 1);
  return 0;
}

static void ami_on_overflow(void *ctx, ctk_acd_link_client *c)
{
  (void)ctx;
  ami_respond(c, "Error", NULL, "Message too long", NULL);
}

static ctk_code ami_start(ctk_acd_cti_plugin *p, const ctk_acd_cti_options *opt,
                          ctk_acd_cti_hub *hub)
{
  static const ctk_acd_link_ops ops = { ami_on_open, ami_on_input, ami_on_overflow };
  ami_server *srv = calloc(1, sizeof(*srv));
  ctk_code rc;

  if(!srv)
    return CTK_E_NOMEM;
  srv->hub = hub;
  if(ctk_strlcpy(srv->user, opt->user ? opt->user : CTK_AMI_DEFAULT_USER, sizeof(srv->user)) ||
     ctk_strlcpy(srv->secret, opt->secret ? opt->secret : CTK_AMI_DEFAULT_SECRET,
                 sizeof(srv->secret))) {
    free(srv);
    return CTK_E_TOOBIG;
  }
  rc = ctk_acd_cti_link_open(AMI_MOD, opt, CTK_AMI_MESSAGE_MAX, &ops, srv, &srv->link);
  if(rc) {
    free(srv);
    return rc;
  }
  p->ctx = srv;
  return CTK_E_OK;
}

/* The messages of all whose privilege begins with the class ("agent," or "call,"). */
static void ami_filter(const ctk_buf *all, const char *privilege, ctk_buf *out)
{
  const char *at = ctk_buf_str(all);
  char want[32];
  snprintf(want, sizeof(want), "\r\nPrivilege: %s", privilege);
  while(*at) {
    const char *next = strstr(at, "\r\n\r\n");
    size_t len = next ? (size_t)(next - at) + 4 : strlen(at);
    const char *priv = strstr(at, want);
    if(priv && priv < at + len)
      ctk_buf_add(out, at, len);
    at += len;
  }
}

static void ami_on_event(ctk_acd_cti_plugin *p, const ctk_acd_event *ev,
                         const ctk_acd_cti_call *call)
{
  ami_server *srv = p->ctx;
  ctk_buf all, agent_only, call_only;
  size_t i;

  ctk_buf_init(&all, 65536);
  ctk_buf_init(&agent_only, 65536);
  ctk_buf_init(&call_only, 65536);
  if(ctk_acd_ami_render(ev, call, &all, NULL)) {
    CTK_WARN(AMI_MOD, "events of call %s not built", ev->call_id);
    ctk_buf_free(&all);
    return;
  }
  for(i = 0; i < ctk_acd_link_clients(srv->link); i++) {
    ctk_acd_link_client *c = ctk_acd_link_client_at(srv->link, i);
    ami_client *ac = c->proto;
    ctk_buf *b = &all;
    if(!c->logged_in || !ac || c->dead)
      continue;
    /* a client that asked for one class at Login gets only that class's events */
    switch(ac->events & (AMI_EV_AGENT | AMI_EV_CALL)) {
    case AMI_EV_AGENT:
      if(!agent_only.len)
        ami_filter(&all, "agent,", &agent_only);
      b = &agent_only;
      break;
    case AMI_EV_CALL:
      if(!call_only.len)
        ami_filter(&all, "call,", &call_only);
      b = &call_only;
      break;
    case 0:
      b = NULL;
      break;
    default:
      break;
    }
    if(b && b->len)
      ctk_acd_link_send(c, b->data, b->len);
  }
  ctk_buf_free(&all);
  ctk_buf_free(&agent_only);
  ctk_buf_free(&call_only);
}

void ctk_acd_ami_plugin(ctk_acd_cti_plugin *out)
{
  ctk_acd_cti_link_plugin(out, "ami", ami_start, ami_on_event);
}
