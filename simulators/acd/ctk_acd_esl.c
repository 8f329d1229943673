/* ctk_acd_esl: the ESL family (FreeSWITCH Event Socket, inbound mode). A command is a block of
 * lines ended by a blank line; replies are "Content-Type: command/reply" with Reply-Text, API
 * output is "api/response" with a Content-Length body, and events are text/event-plain (URL-encoded
 * "Name: value" lines) or text/event-json frames. An event is built once as a JSON object of header
 * strings (json-c keeps their order) and written in the format each client asked for. */
#include "acd/ctk_acd_esl.h"
#include "acd/ctk_acd_link.h"
#include "cti/ctk_cti_wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_calendar.h"
#include "ctk_log.h"

#define ESL_MOD "acd-esl"
#define ESL_HOST "ctk-acd"
#define ESL_API_MAX ((size_t)4 * 1024 * 1024)

/* The events a client can subscribe to by name; other names are accepted and never sent. */
enum {
  ESL_SUB_CREATE = 1u << 0,
  ESL_SUB_ANSWER = 1u << 1,
  ESL_SUB_HANGUP = 1u << 2,
  ESL_SUB_HANGUP_COMPLETE = 1u << 3,
  ESL_SUB_CUSTOM_ALL = 1u << 4,        /* CUSTOM with no subclass named */
  ESL_SUB_CALLCENTER = 1u << 5,        /* CUSTOM callcenter::info */
  ESL_SUB_BACKGROUND_JOB = 1u << 6,
  ESL_SUB_ALL = 0xffffffffu
};

static const struct {
  const char *name;
  unsigned bit;
} esl_names[] = {
  { "CHANNEL_CREATE", ESL_SUB_CREATE },
  { "CHANNEL_ANSWER", ESL_SUB_ANSWER },
  { "CHANNEL_HANGUP", ESL_SUB_HANGUP },
  { "CHANNEL_HANGUP_COMPLETE", ESL_SUB_HANGUP_COMPLETE },
  { "BACKGROUND_JOB", ESL_SUB_BACKGROUND_JOB },
};

/* ---------- events ---------- */

void ctk_acd_esl_uuid(uint32_t run_id, const ctk_acd_cti_call *call, int leg, char out[37])
{
  snprintf(out, 37, "%08x-%04x-4000-8000-%012lx", (unsigned)run_id, (unsigned)leg & 0xffffu,
           call->seq & 0xffffffffffffUL);
}

static void esl_set(json_object *o, const char *key, const char *value)
{
  json_object_object_add(o, key, json_object_new_string(value ? value : ""));
}

static void esl_setl(json_object *o, const char *key, long long value)
{
  char num[32];
  snprintf(num, sizeof(num), "%lld", value);
  esl_set(o, key, num);
}

typedef struct esl_ids {
  const char *core_uuid;
  uint32_t run_id;
  unsigned long *seq;
} esl_ids;

/* The headers every FreeSWITCH event starts with. */
static json_object *esl_event(const esl_ids *ids, const char *name, const char *subclass,
                              int64_t wall_ms)
{
  json_object *o = json_object_new_object();
  time_t t = (time_t)(wall_ms / 1000);
  struct tm gmt;
  char text[64];

  if(!o)
    return NULL;
  esl_set(o, "Event-Name", name);
  if(subclass)
    esl_set(o, "Event-Subclass", subclass);
  esl_set(o, "Core-UUID", ids->core_uuid);
  esl_set(o, "FreeSWITCH-Hostname", ESL_HOST);
  esl_set(o, "FreeSWITCH-Switchname", ESL_HOST);
  esl_set(o, "FreeSWITCH-IPv4", "127.0.0.1");
  if(ctk_beijing_strftime(t, "%Y-%m-%d %H:%M:%S", text, sizeof(text)))
    text[0] = '\0';
  esl_set(o, "Event-Date-Local", text);
  gmtime_r(&t, &gmt);
  strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &gmt);
  esl_set(o, "Event-Date-GMT", text);
  esl_setl(o, "Event-Date-Timestamp", (long long)wall_ms * 1000);
  esl_set(o, "Event-Calling-File", "ctk_acd_esl.c");
  esl_setl(o, "Event-Sequence", (long long)++*ids->seq);
  return o;
}

/* The caller's channel: state names as mod_sofia reports an inbound call. */
static void esl_channel(json_object *o, const esl_ids *ids, const ctk_acd_event *ev,
                        const ctk_acd_cti_call *call, const char *state, const char *call_state,
                        const char *answer_state)
{
  char uuid[37], chan[160];
  ctk_acd_esl_uuid(ids->run_id, call, 0, uuid);
  snprintf(chan, sizeof(chan), "sofia/internal/%s@127.0.0.1", call->caller);
  esl_set(o, "Channel-State", state);
  esl_set(o, "Channel-Call-State", call_state);
  esl_set(o, "Channel-Name", chan);
  esl_set(o, "Unique-ID", uuid);
  esl_set(o, "Call-Direction", "inbound");
  esl_set(o, "Answer-State", answer_state);
  esl_set(o, "Channel-Call-UUID", uuid);
  esl_set(o, "Caller-Direction", "inbound");
  esl_set(o, "Caller-Caller-ID-Name", call->caller);
  esl_set(o, "Caller-Caller-ID-Number", call->caller);
  esl_set(o, "Caller-Destination-Number", call->called);
  esl_set(o, "Caller-Unique-ID", uuid);
  esl_set(o, "Caller-Context", "public");
  esl_set(o, "Caller-Channel-Name", chan);
  esl_setl(o, "Caller-Profile-Created-Time", (long long)call->offered_ms * 1000);
  esl_setl(o, "Caller-Channel-Answered-Time", (long long)call->answered_ms * 1000);
  esl_set(o, "variable_sip_call_id", ev->call_id);
}

/* The member (caller in the queue) part of a callcenter::info event. */
static void esl_member(json_object *o, const esl_ids *ids, const ctk_acd_cti_call *call)
{
  char uuid[37];
  esl_set(o, "CC-Queue", CTK_ESL_QUEUE);
  ctk_acd_esl_uuid(ids->run_id, call, 1, uuid);
  esl_set(o, "CC-Member-UUID", uuid);
  ctk_acd_esl_uuid(ids->run_id, call, 0, uuid);
  esl_set(o, "CC-Member-Session-UUID", uuid);
  esl_set(o, "CC-Member-CID-Name", call->caller);
  esl_set(o, "CC-Member-CID-Number", call->caller);
  esl_set(o, "CC-Member-DNIS", call->called);
}

static void esl_agent(json_object *o, const esl_ids *ids, const ctk_acd_cti_call *call, int leg)
{
  char uuid[37];
  esl_set(o, "CC-Agent", call->agent);
  esl_set(o, "CC-Agent-Type", "callback");
  esl_set(o, "CC-Agent-System", "single_box");
  if(leg) {
    ctk_acd_esl_uuid(ids->run_id, call, 2, uuid);
    esl_set(o, "CC-Agent-UUID", uuid);
  }
}

/* A callcenter::info event: its action first, as mod_callcenter writes it. */
static json_object *esl_cc(const esl_ids *ids, const ctk_acd_event *ev, const char *action)
{
  json_object *o = esl_event(ids, "CUSTOM", "callcenter::info", ev->wall_ms);
  if(o) {
    esl_set(o, "CC-Queue", CTK_ESL_QUEUE);
    esl_set(o, "CC-Action", action);
  }
  return o;
}

static void esl_push(json_object *list, json_object *o, const ctk_acd_cti_call *call,
                     const esl_ids *ids)
{
  char uuid[37];
  if(!o)
    return;
  /* every event of a call names the caller's channel, so a client can group by Unique-ID */
  if(!json_object_object_get_ex(o, "Unique-ID", NULL)) {
    ctk_acd_esl_uuid(ids->run_id, call, 0, uuid);
    esl_set(o, "Unique-ID", uuid);
  }
  json_object_array_add(list, o);
}

static const char *esl_hangup_cause(const ctk_acd_event *ev)
{
  if(ev->kind == CTK_ACD_EV_ABANDONED)
    return "ORIGINATOR_CANCEL";
  if(ev->busy_status == 486)
    return "USER_BUSY";
  if(ev->busy_status == 503)
    return "NORMAL_CIRCUIT_CONGESTION";
  if(ev->queue_timeout)
    return "NO_ANSWER";
  return "NORMAL_CLEARING";
}

static const char *esl_sip_status(const ctk_acd_event *ev)
{
  if(ev->kind == CTK_ACD_EV_ABANDONED)
    return "487";
  if(ev->busy_status == 486)
    return "486";
  if(ev->busy_status == 503)
    return "503";
  if(ev->queue_timeout)
    return "480";
  return "200";
}

static void esl_end_of_call(json_object *list, const esl_ids *ids, const ctk_acd_event *ev,
                            const ctk_acd_cti_call *call)
{
  const char *cause = esl_hangup_cause(ev);
  json_object *o = esl_event(ids, "CHANNEL_HANGUP", NULL, ev->wall_ms);
  if(o) {
    esl_channel(o, ids, ev, call, "CS_HANGUP", "HANGUP", "hangup");
    esl_set(o, "Hangup-Cause", cause);
  }
  esl_push(list, o, call, ids);
  if(ev->answered) {
    o = esl_cc(ids, ev, "bridge-agent-end");
    if(o) {
      esl_set(o, "CC-Hangup-Cause", cause);
      esl_agent(o, ids, call, 1);
      esl_setl(o, "CC-Agent-Called-Time", call->delivered_ms / 1000);
      esl_setl(o, "CC-Agent-Answered-Time", call->answered_ms / 1000);
      esl_setl(o, "CC-Member-Joined-Time", call->queued_ms / 1000);
      esl_setl(o, "CC-Bridge-Terminated-Time", ev->wall_ms / 1000);
      esl_member(o, ids, call);
    }
    esl_push(list, o, call, ids);
  }
  else if(call->delivered_ms) {
    /* the caller hung up while the agent's phone rang: the agent's leg fails */
    o = esl_cc(ids, ev, "bridge-agent-fail");
    if(o) {
      esl_set(o, "CC-Hangup-Cause", cause);
      esl_agent(o, ids, call, 0);
      esl_member(o, ids, call);
    }
    esl_push(list, o, call, ids);
  }
  if(call->queued_ms) {
    o = esl_cc(ids, ev, "member-queue-end");
    if(o) {
      esl_member(o, ids, call);
      esl_setl(o, "CC-Member-Joined-Time", call->queued_ms / 1000);
      esl_setl(o, "CC-Member-Leaving-Time", ev->wall_ms / 1000);
      if(ev->answered) {
        esl_set(o, "CC-Cause", "Terminated");
        esl_set(o, "CC-Agent", call->agent);
        esl_setl(o, "CC-Agent-Called-Time", call->delivered_ms / 1000);
        esl_setl(o, "CC-Agent-Answered-Time", call->answered_ms / 1000);
      }
      else {
        esl_set(o, "CC-Cause", "Cancel");
        esl_set(o, "CC-Cause-Reason", ev->queue_timeout ? "TIMEOUT" : "NONE");
      }
    }
    esl_push(list, o, call, ids);
  }
  o = esl_event(ids, "CHANNEL_HANGUP_COMPLETE", NULL, ev->wall_ms);
  if(o) {
    esl_channel(o, ids, ev, call, "CS_REPORTING", "HANGUP", "hangup");
    esl_set(o, "Hangup-Cause", cause);
    esl_set(o, "variable_sip_term_status", esl_sip_status(ev));
    esl_setl(o, "variable_duration", (ev->wall_ms - call->offered_ms) / 1000);
    esl_setl(o, "variable_billsec", ev->talk_ms / 1000);
    esl_setl(o, "variable_cc_queue_joined_epoch", call->queued_ms / 1000);
    if(ev->recording_url)
      esl_set(o, "variable_ctk_recording_url", ev->recording_url);
    if(ev->recording_sha256)
      esl_set(o, "variable_ctk_recording_sha256", ev->recording_sha256);
  }
  esl_push(list, o, call, ids);
}

ctk_code ctk_acd_esl_render(const ctk_acd_event *ev, const ctk_acd_cti_call *call,
                            uint32_t run_id, const char *core_uuid, unsigned long *seq,
                            json_object **out)
{
  json_object *list = json_object_new_array();
  json_object *o;
  esl_ids ids;

  *out = NULL;
  if(!list)
    return CTK_E_NOMEM;
  ids.core_uuid = core_uuid;
  ids.run_id = run_id;
  ids.seq = seq;
  switch(ev->kind) {
  case CTK_ACD_EV_OFFERED:
    o = esl_event(&ids, "CHANNEL_CREATE", NULL, ev->wall_ms);
    if(o)
      esl_channel(o, &ids, ev, call, "CS_INIT", "RINGING", "ringing");
    esl_push(list, o, call, &ids);
    break;
  case CTK_ACD_EV_QUEUED:
    o = esl_cc(&ids, ev, "member-queue-start");
    if(o) {
      esl_member(o, &ids, call);
      esl_setl(o, "CC-Member-Joined-Time", call->queued_ms / 1000);
      esl_setl(o, "CC-Count", ev->queue_length);
    }
    esl_push(list, o, call, &ids);
    break;
  case CTK_ACD_EV_DELIVERED:
    o = esl_cc(&ids, ev, "agent-offering");
    if(o) {
      esl_agent(o, &ids, call, 0);
      esl_member(o, &ids, call);
    }
    esl_push(list, o, call, &ids);
    break;
  case CTK_ACD_EV_ANSWERED:
    o = esl_event(&ids, "CHANNEL_ANSWER", NULL, ev->wall_ms);
    if(o)
      esl_channel(o, &ids, ev, call, "CS_EXECUTE", "ACTIVE", "answered");
    esl_push(list, o, call, &ids);
    o = esl_cc(&ids, ev, "bridge-agent-start");
    if(o) {
      esl_agent(o, &ids, call, 1);
      esl_setl(o, "CC-Agent-Called-Time", call->delivered_ms / 1000);
      esl_setl(o, "CC-Agent-Answered-Time", call->answered_ms / 1000);
      esl_setl(o, "CC-Member-Joined-Time", call->queued_ms / 1000);
      esl_member(o, &ids, call);
    }
    esl_push(list, o, call, &ids);
    break;
  case CTK_ACD_EV_CLEARED:
  case CTK_ACD_EV_ABANDONED:
    esl_end_of_call(list, &ids, ev, call);
    break;
  case CTK_ACD_EV__COUNT:
  default:
    json_object_put(list);
    return CTK_E_INVAL;
  }
  *out = list;
  return CTK_E_OK;
}

/* ---------- frames ---------- */

/* The whole frame of one event: outer headers and the body in the client's format. A "_body"
 * member becomes the event's own body (Content-Length inside the plain body). */
static void esl_frame(json_object *o, int json, ctk_buf *out)
{
  ctk_buf body;
  ctk_buf_init(&body, CTK_ACD_CTI_OUT_MAX);
  if(json)
    ctk_buf_adds(&body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
  else {
    json_object *inner = NULL;
    json_object_object_foreach(o, key, val) {
      if(!strcmp(key, "_body")) {
        inner = val;
        continue;
      }
      ctk_buf_adds(&body, key);
      ctk_buf_adds(&body, ": ");
      ctk_cti_urlencode(&body, json_object_get_string(val));
      ctk_buf_addc(&body, '\n');
    }
    if(inner) {
      const char *text = json_object_get_string(inner);
      ctk_buf_printf(&body, "Content-Length: %zu\n\n%s", strlen(text), text);
    }
    else
      ctk_buf_addc(&body, '\n');
  }
  ctk_buf_printf(out, "Content-Length: %zu\nContent-Type: %s\n\n", body.len,
                 json ? "text/event-json" : "text/event-plain");
  ctk_buf_add(out, body.data ? body.data : "", body.len);
  ctk_buf_free(&body);
}

/* ---------- the server ---------- */

typedef enum { ESL_FMT_NONE = 0, ESL_FMT_PLAIN, ESL_FMT_JSON } esl_format;

typedef struct esl_client {
  esl_format format;
  unsigned subs;               /* ESL_SUB_* */
} esl_client;

typedef struct esl_server {
  ctk_acd_link *link;          /* first: the shared ctk_acd_cti_link_* functions read it */
  ctk_acd_cti_hub *hub;
  char password[128];
  char core_uuid[37];
  unsigned long seq;           /* Event-Sequence */
  unsigned long jobs;          /* bgapi jobs, names their Job-UUIDs */
} esl_server;

static void esl_reply(ctk_acd_link_client *c, const char *text)
{
  ctk_buf b;
  ctk_buf_init(&b, 1024);
  ctk_buf_adds(&b, "Content-Type: command/reply\nReply-Text: ");
  /* a reply is one line */
  for(; *text && *text != '\n' && *text != '\r'; text++)
    ctk_buf_addc(&b, *text);
  ctk_buf_adds(&b, "\n\n");
  ctk_acd_link_send(c, b.data, b.len);
  ctk_buf_free(&b);
}

static void esl_goodbye(ctk_acd_link_client *c)
{
  static const char notice[] = "Disconnected, goodbye.\n";
  char head[128];
  int n = snprintf(head, sizeof(head), "Content-Type: text/disconnect-notice\nContent-Length: %zu\n\n",
                   sizeof(notice) - 1);
  ctk_acd_link_send(c, head, (size_t)n);
  ctk_acd_link_send(c, notice, sizeof(notice) - 1);
  ctk_acd_link_close_after(c);
}

/* Is name (case ignored) our queue, given as "12328@default" or "12328"? */
static int esl_our_queue(const char *name)
{
  return !strcasecmp(name, CTK_ESL_QUEUE) || !strcasecmp(name, CTK_ACD_QUEUE_NAME);
}

static const char *esl_member_state(const ctk_acd_cti_call *c)
{
  switch(c->state) {
  case CTK_ACD_CALL_QUEUED:
    return "Waiting";
  case CTK_ACD_CALL_RINGING:
    return "Trying";
  case CTK_ACD_CALL_TALKING:
    return "Answered";
  case CTK_ACD_CALL_OFFERED:
  case CTK_ACD_CALL_ENDED:
  default:
    return "";
  }
}

/* `callcenter_config ...`: the few queue questions a city system asks. */
static void esl_callcenter(esl_server *srv, char **argv, int argc, ctk_buf *out)
{
  const ctk_acd_cti_call *call;
  ctk_acd_cti_status st;
  unsigned i, count = 0;
  const char *queue = argc >= 4 ? argv[3] : CTK_ESL_QUEUE;

  ctk_acd_cti_hub_status(srv->hub, &st);
  if(argc >= 2 && !strcasecmp(argv[0], "queue") && !strcasecmp(argv[1], "list") && argc == 2) {
    ctk_buf_adds(out, "name|strategy|max_wait_time|calls_answered|calls_abandoned\n");
    ctk_buf_printf(out, "%s|longest-idle-agent|0|%lu|%lu\n+OK\n", CTK_ESL_QUEUE,
                   st.stats->answered, st.stats->abandoned);
    return;
  }
  if(argc >= 3 && !strcasecmp(argv[0], "queue") &&
     (!strcasecmp(argv[2], "members") || !strcasecmp(argv[2], "agents")) &&
     (!strcasecmp(argv[1], "list") || !strcasecmp(argv[1], "count"))) {
    int members = !strcasecmp(argv[2], "members");
    if(!esl_our_queue(queue)) {
      ctk_buf_adds(out, "-ERR Queue not found!\n");
      return;
    }
    if(members) {
      for(call = ctk_acd_cti_hub_calls(srv->hub); call; call = call->next) {
        char member[37], session[37];
        if(!*esl_member_state(call))
          continue;
        count++;
        if(!strcasecmp(argv[1], "count"))
          continue;
        if(count == 1)
          ctk_buf_adds(out, "queue|instance_id|uuid|session_uuid|cid_number|cid_name|"
                            "system_epoch|joined_epoch|rejoined_epoch|bridge_epoch|"
                            "abandoned_epoch|base_score|skill_score|serving_agent|"
                            "serving_system|state\n");
        ctk_acd_esl_uuid(ctk_acd_cti_hub_run_id(srv->hub), call, 1, member);
        ctk_acd_esl_uuid(ctk_acd_cti_hub_run_id(srv->hub), call, 0, session);
        ctk_buf_printf(out, "%s|single_box|%s|%s|%s|%s|%lld|%lld|0|%lld|0|0|0|%s|%s|%s\n",
                       CTK_ESL_QUEUE, member, session, call->caller, call->caller,
                       (long long)(call->offered_ms / 1000), (long long)(call->queued_ms / 1000),
                       (long long)(call->answered_ms / 1000), call->agent,
                       call->agent[0] ? "single_box" : "", esl_member_state(call));
      }
    }
    else {
      for(i = 0; i < st.agents && i < CTK_ACD_AGENTS_MAX; i++) {
        ctk_acd_cti_agent a;
        if(ctk_acd_cti_hub_agent(srv->hub, i, &a) || !a.logged_in)
          continue;
        count++;
        if(!strcasecmp(argv[1], "count"))
          continue;
        if(count == 1)
          ctk_buf_adds(out, "name|instance_id|type|contact|status|state|calls_answered|"
                            "last_bridge_end\n");
        ctk_buf_printf(out, "%s|single_box|callback|sofia/internal/%s@127.0.0.1|Available|%s|%lu|%lld\n",
                       a.id, a.id,
                       a.state == CTK_ACD_CALL_TALKING ? "In a queue call"
                       : a.state == CTK_ACD_CALL_RINGING ? "Receiving" : "Waiting",
                       a.calls_taken, (long long)(a.last_call_ms / 1000));
      }
    }
    if(!strcasecmp(argv[1], "count"))
      ctk_buf_printf(out, "%u\n", count);
    else
      ctk_buf_adds(out, "+OK\n");
    return;
  }
  ctk_buf_adds(out, "-ERR Unknown Command!\n");
}

/* Runs an API command line into out (the api/response body). */
static void esl_api(esl_server *srv, char *line, ctk_buf *out)
{
  char *argv[8];
  int argc = 0;
  char *save = NULL, *tok;

  for(tok = strtok_r(line, " \t", &save); tok && argc < 8; tok = strtok_r(NULL, " \t", &save))
    argv[argc++] = tok;
  if(!argc) {
    ctk_buf_adds(out, "-ERR no command given\n");
    return;
  }
  if(!strcasecmp(argv[0], "callcenter_config"))
    esl_callcenter(srv, argv + 1, argc - 1, out);
  else if(!strcasecmp(argv[0], "status")) {
    ctk_acd_cti_status st;
    long long up = (ctk_wall_ms() - ctk_acd_cti_hub_started_ms(srv->hub)) / 1000;
    ctk_acd_cti_hub_status(srv->hub, &st);
    ctk_buf_printf(out, "UP %lld seconds\nctk12328 queue machine simulator is ready\n"
                        "%u session(s) - queued %u, ringing %u, talking %u\n",
                   up, st.queued + st.ringing + st.talking, st.queued, st.ringing, st.talking);
  }
  else
    ctk_buf_printf(out, "-ERR %s Command not found!\n", argv[0]);
}

static void esl_api_reply(ctk_acd_link_client *c, const ctk_buf *body)
{
  char head[96];
  int n = snprintf(head, sizeof(head), "Content-Type: api/response\nContent-Length: %zu\n\n",
                   body->len);
  ctk_acd_link_send(c, head, (size_t)n);
  if(body->len)
    ctk_acd_link_send(c, body->data, body->len);
}

/* `event plain|json NAME ...`: subscriptions add up, the format is the last one asked for. */
static void esl_subscribe(esl_client *ec, ctk_acd_link_client *c, char *args)
{
  char *save = NULL, *tok = strtok_r(args, " \t", &save);
  esl_format format;
  int custom = 0, any = 0;
  size_t i;

  if(!tok) {
    esl_reply(c, "-ERR missing parameters");
    return;
  }
  if(!strcasecmp(tok, "plain"))
    format = ESL_FMT_PLAIN;
  else if(!strcasecmp(tok, "json"))
    format = ESL_FMT_JSON;
  else {
    esl_reply(c, "-ERR invalid format (plain or json)");
    return;
  }
  /* CUSTOM alone means every subclass; subclasses named right after it narrow it */
  for(tok = strtok_r(NULL, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
    any = 1;
    if(custom && strstr(tok, "::")) {
      custom = 2;
      if(!strcmp(tok, "callcenter::info"))
        ec->subs |= ESL_SUB_CALLCENTER;
      continue;
    }
    if(custom == 1)
      ec->subs |= ESL_SUB_CUSTOM_ALL;
    custom = 0;
    if(!strcasecmp(tok, "ALL"))
      ec->subs = ESL_SUB_ALL;
    else if(!strcasecmp(tok, "CUSTOM"))
      custom = 1;
    for(i = 0; i < sizeof(esl_names) / sizeof(esl_names[0]); i++) {
      if(!strcasecmp(tok, esl_names[i].name))
        ec->subs |= esl_names[i].bit;
    }
  }
  if(custom == 1)
    ec->subs |= ESL_SUB_CUSTOM_ALL;
  if(!any) {
    esl_reply(c, "-ERR missing parameters");
    return;
  }
  ec->format = format;
  esl_reply(c, format == ESL_FMT_JSON ? "+OK event listener enabled json"
                                      : "+OK event listener enabled plain");
}

/* The header value of name in a command's extra lines ("Name: value"), or NULL. */
static const char *esl_header(char *lines, const char *name, char *out, size_t size)
{
  char *line = lines;
  size_t n = strlen(name);
  while(line && *line) {
    char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    if(len > n + 1 && !strncasecmp(line, name, n) && line[n] == ':') {
      const char *v = line + n + 1;
      while(*v == ' ')
        v++;
      snprintf(out, size, "%.*s", (int)(len - (size_t)(v - line)), v);
      return out;
    }
    line = eol ? eol + 1 : NULL;
  }
  return NULL;
}

/* `bgapi CMD`: the answer comes later as a BACKGROUND_JOB event with the output as its body. */
static void esl_bgapi(esl_server *srv, ctk_acd_link_client *c, char *line, char *headers)
{
  esl_client *ec = c->proto;
  char job[64], reply[128];
  ctk_buf body, frame;
  json_object *o;
  char cmd[64];

  if(!esl_header(headers, "Job-UUID", job, sizeof(job)))
    snprintf(job, sizeof(job), "%08x-0003-4000-8000-%012lx",
             (unsigned)ctk_acd_cti_hub_run_id(srv->hub), ++srv->jobs);
  snprintf(reply, sizeof(reply), "+OK Job-UUID: %s", job);
  esl_reply(c, reply);
  snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(line, " \t"), line);
  ctk_buf_init(&body, ESL_API_MAX);
  esl_api(srv, line, &body);
  if(ec->format == ESL_FMT_NONE || !(ec->subs & ESL_SUB_BACKGROUND_JOB)) {
    ctk_buf_free(&body);
    return;
  }
  {
    esl_ids ids;
    ids.core_uuid = srv->core_uuid;
    ids.run_id = ctk_acd_cti_hub_run_id(srv->hub);
    ids.seq = &srv->seq;
    o = esl_event(&ids, "BACKGROUND_JOB", NULL, ctk_wall_ms());
  }
  if(o) {
    esl_set(o, "Job-UUID", job);
    esl_set(o, "Job-Command", cmd);
    esl_set(o, "_body", ctk_buf_str(&body));
    ctk_buf_init(&frame, CTK_ACD_CTI_OUT_MAX);
    esl_frame(o, ec->format == ESL_FMT_JSON, &frame);
    ctk_acd_link_send(c, frame.data, frame.len);
    ctk_buf_free(&frame);
    json_object_put(o);
  }
  ctk_buf_free(&body);
}

static void esl_command(esl_server *srv, ctk_acd_link_client *c, char *text)
{
  esl_client *ec = c->proto;
  char *headers = strchr(text, '\n');
  char *line = text;

  if(headers)
    *headers++ = '\0';
  if(!c->logged_in) {
    if(!strncasecmp(line, "auth ", 5)) {
      if(!strcmp(line + 5, srv->password)) {
        c->logged_in = 1;
        esl_reply(c, "+OK accepted");
      }
      else {
        CTK_INFO(ESL_MOD, "client %u: wrong password", c->id);
        esl_reply(c, "-ERR invalid");
        esl_goodbye(c);
      }
    }
    else if(!strcasecmp(line, "exit")) {
      esl_reply(c, "+OK bye");
      esl_goodbye(c);
    }
    else
      esl_reply(c, "-ERR command not found");
    return;
  }
  if(!strncasecmp(line, "event ", 6))
    esl_subscribe(ec, c, line + 6);
  else if(!strcasecmp(line, "noevents")) {
    ec->subs = 0;
    ec->format = ESL_FMT_NONE;
    esl_reply(c, "+OK no longer listening for events");
  }
  else if(!strncasecmp(line, "api ", 4)) {
    ctk_buf body;
    ctk_buf_init(&body, ESL_API_MAX);
    esl_api(srv, line + 4, &body);
    esl_api_reply(c, &body);
    ctk_buf_free(&body);
  }
  else if(!strncasecmp(line, "bgapi ", 6))
    esl_bgapi(srv, c, line + 6, headers);
  else if(!strcasecmp(line, "exit")) {
    esl_reply(c, "+OK bye");
    esl_goodbye(c);
  }
  else
    esl_reply(c, "-ERR command not found");
}

static long esl_on_input(void *ctx, ctk_acd_link_client *c)
{
  esl_server *srv = ctx;
  size_t used = 0;
  while(!c->dead && !c->closing && used < c->in.len) {
    const char *start;
    size_t skip, end, i, k;
    char *text;

    end = ctk_cti_next_block(c->in.data + used, c->in.len - used, &skip);
    used += skip;
    if(!end)
      break;
    start = c->in.data + used;
    text = malloc(end + 1);
    if(!text)
      return -1;
    /* CR dropped, trailing blank line cut: the command line, then its header lines */
    for(i = 0, k = 0; i < end; i++) {
      if(start[i] != '\r')
        text[k++] = start[i];
    }
    while(k && text[k - 1] == '\n')
      k--;
    text[k] = '\0';
    esl_command(srv, c, text);
    free(text);
    used += end;
  }
  return (long)used;
}

static int esl_on_open(void *ctx, ctk_acd_link_client *c)
{
  static const char hello[] = "Content-Type: auth/request\n\n";
  (void)ctx;
  c->proto = calloc(1, sizeof(esl_client));
  if(!c->proto)
    return -1;
  ctk_acd_link_send(c, hello, sizeof(hello) - 1);
  return 0;
}

static void esl_on_overflow(void *ctx, ctk_acd_link_client *c)
{
  (void)ctx;
  esl_reply(c, "-ERR command too long");
  esl_goodbye(c);
}

static ctk_code esl_start(ctk_acd_cti_plugin *p, const ctk_acd_cti_options *opt,
                          ctk_acd_cti_hub *hub)
{
  static const ctk_acd_link_ops ops = { esl_on_open, esl_on_input, esl_on_overflow };
  esl_server *srv = calloc(1, sizeof(*srv));
  ctk_code rc;

  if(!srv)
    return CTK_E_NOMEM;
  srv->hub = hub;
  if(ctk_strlcpy(srv->password, opt->secret ? opt->secret : CTK_ESL_DEFAULT_PASSWORD,
                 sizeof(srv->password))) {
    free(srv);
    return CTK_E_TOOBIG;
  }
  snprintf(srv->core_uuid, sizeof(srv->core_uuid), "%08x-ffff-4000-8000-000000000000",
           (unsigned)ctk_acd_cti_hub_run_id(hub));
  rc = ctk_acd_cti_link_open(ESL_MOD, opt, CTK_ESL_COMMAND_MAX, &ops, srv, &srv->link);
  if(rc) {
    free(srv);
    return rc;
  }
  p->ctx = srv;
  return CTK_E_OK;
}

/* Does a client with these subscriptions want event o? */
static int esl_wants(unsigned subs, json_object *o)
{
  json_object *name = NULL;
  const char *n;
  size_t i;
  if(subs == ESL_SUB_ALL)
    return 1;
  if(!json_object_object_get_ex(o, "Event-Name", &name))
    return 0;
  n = json_object_get_string(name);
  if(!strcmp(n, "CUSTOM"))
    return (subs & (ESL_SUB_CUSTOM_ALL | ESL_SUB_CALLCENTER)) != 0;
  for(i = 0; i < sizeof(esl_names) / sizeof(esl_names[0]); i++) {
    if(!strcmp(n, esl_names[i].name))
      return (subs & esl_names[i].bit) != 0;
  }
  return 0;
}

static void esl_on_event(ctk_acd_cti_plugin *p, const ctk_acd_event *ev,
                         const ctk_acd_cti_call *call)
{
  esl_server *srv = p->ctx;
  json_object *list = NULL;
  ctk_buf plain, json;
  size_t i, k, n;

  if(ctk_acd_esl_render(ev, call, ctk_acd_cti_hub_run_id(srv->hub), srv->core_uuid, &srv->seq,
                        &list)) {
    CTK_WARN(ESL_MOD, "events of call %s not built", ev->call_id);
    return;
  }
  n = json_object_array_length(list);
  ctk_buf_init(&plain, CTK_ACD_CTI_OUT_MAX);
  ctk_buf_init(&json, CTK_ACD_CTI_OUT_MAX);
  for(k = 0; k < n; k++) {
    json_object *o = json_object_array_get_idx(list, k);
    ctk_buf_reset(&plain);
    ctk_buf_reset(&json);
    for(i = 0; i < ctk_acd_link_clients(srv->link); i++) {
      ctk_acd_link_client *c = ctk_acd_link_client_at(srv->link, i);
      esl_client *ec = c->proto;
      ctk_buf *b;
      if(!c->logged_in || !ec || c->dead || ec->format == ESL_FMT_NONE || !esl_wants(ec->subs, o))
        continue;
      b = ec->format == ESL_FMT_JSON ? &json : &plain;
      if(!b->len)
        esl_frame(o, ec->format == ESL_FMT_JSON, b);
      ctk_acd_link_send(c, b->data, b->len);
    }
  }
  ctk_buf_free(&plain);
  ctk_buf_free(&json);
  json_object_put(list);
}

void ctk_acd_esl_plugin(ctk_acd_cti_plugin *out)
{
  ctk_acd_cti_link_plugin(out, "esl", esl_start, esl_on_event);
}
