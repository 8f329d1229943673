/* ctk_dock_esl: the FreeSWITCH Event Socket family of the city's docking (inbound ESL, client
 * side): answers auth/request, subscribes to CHANNEL_ANSWER in plain format, and reports each
 * answer: Unique-ID (the caller's channel, the queue machine's call id), the caller's number
 * and Event-Date-Timestamp. */
#include "ctk_dock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cti/ctk_cti_wire.h"

#define ESL_HEAD_MAX 4096
#define ESL_BODY_MAX ((size_t)256 * 1024)

typedef enum { ESL_WAIT_AUTH = 0, ESL_WAIT_AUTH_REPLY, ESL_WAIT_SUB_REPLY, ESL_READY } esl_state;

typedef struct esl_conn {
  esl_state state;
  char password[128];
} esl_conn;

static ctk_code esl_start(ctk_dock_plugin *p, const ctk_dock_login *login)
{
  esl_conn *c = calloc(1, sizeof(*c));
  if(!c)
    return CTK_E_NOMEM;
  ctk_strlcpy(c->password, login && login->secret ? login->secret : CTK_CTI_ESL_PASSWORD,
              sizeof(c->password));
  p->ctx = c;
  return CTK_E_OK;
}

static void esl_stop(ctk_dock_plugin *p)
{
  free(p->ctx);
  p->ctx = NULL;
}

static ctk_code esl_hello(ctk_dock_plugin *p, ctk_buf *out)
{
  (void)p;
  (void)out;
  return CTK_E_OK;              /* the switch asks first: auth/request */
}

/* One plain event body: headers with URL-encoded values. */
static void esl_event(char *body, ctk_dock_answered_fn fn, void *fn_ctx)
{
  ctk_cti_headers h;
  const char *name, *uid, *num, *ts;
  ctk_dock_call call;
  size_t i;

  ctk_cti_headers_parse(body, &h);
  for(i = 0; i < h.n; i++)
    ctk_cti_urldecode((char *)h.val[i]);
  name = ctk_cti_header(&h, "Event-Name");
  uid = ctk_cti_header(&h, "Unique-ID");
  if(!name || strcmp(name, "CHANNEL_ANSWER") || !uid || !*uid)
    return;
  num = ctk_cti_header(&h, "Caller-Caller-ID-Number");
  ts = ctk_cti_header(&h, "Event-Date-Timestamp");
  memset(&call, 0, sizeof(call));
  ctk_strlcpy(call.call_id, uid, sizeof(call.call_id));
  ctk_strlcpy(call.caller, num ? num : "", sizeof(call.caller));
  call.answered_ms = ts ? strtoll(ts, NULL, 10) / 1000 : 0;   /* microseconds */
  fn(fn_ctx, "esl", &call);
}

/* One message: its header block and (Content-Length) body. fatal when the switch refuses. */
static void esl_message(esl_conn *c, ctk_cti_headers *h, char *body, ctk_buf *out,
                        ctk_dock_answered_fn fn, void *fn_ctx, int *fatal, char *why,
                        size_t whylen)
{
  const char *type = ctk_cti_header(h, "Content-Type");
  const char *reply = ctk_cti_header(h, "Reply-Text");
  if(!type)
    return;
  if(!strcmp(type, "auth/request")) {
    ctk_buf_printf(out, "auth %s\n\n", c->password);
    c->state = ESL_WAIT_AUTH_REPLY;
  }
  else if(!strcmp(type, "command/reply")) {
    if(!reply || strncmp(reply, "+OK", 3)) {
      snprintf(why, whylen, "%s refused: %s", c->state == ESL_WAIT_AUTH_REPLY ? "auth" :
               "subscription", reply ? reply : "no Reply-Text");
      *fatal = 1;
      return;
    }
    if(c->state == ESL_WAIT_AUTH_REPLY) {
      ctk_buf_adds(out, "event plain CHANNEL_ANSWER\n\n");
      c->state = ESL_WAIT_SUB_REPLY;
    }
    else if(c->state == ESL_WAIT_SUB_REPLY)
      c->state = ESL_READY;
  }
  else if(!strcmp(type, "text/event-plain") && body)
    esl_event(body, fn, fn_ctx);
  else if(!strcmp(type, "text/disconnect-notice")) {
    snprintf(why, whylen, "the switch said goodbye");
    *fatal = 1;
  }
}

static long esl_input(ctk_dock_plugin *p, const char *data, size_t len, ctk_buf *out,
                      ctk_dock_answered_fn fn, void *fn_ctx, char *why, size_t whylen)
{
  esl_conn *c = p->ctx;
  size_t used = 0;
  int fatal = 0;

  while(used < len && !fatal) {
    size_t skip, end, body_len = 0;
    char head[ESL_HEAD_MAX];
    char *body = NULL;
    const char *cl;
    ctk_cti_headers h;

    end = ctk_cti_next_block(data + used, len - used, &skip);
    if(!end)
      break;
    if(end >= sizeof(head)) {
      snprintf(why, whylen, "a header block longer than %d bytes", ESL_HEAD_MAX);
      return -1;
    }
    memcpy(head, data + used + skip, end);
    head[end] = '\0';
    ctk_cti_headers_parse(head, &h);
    cl = ctk_cti_header(&h, "Content-Length");
    if(cl) {
      body_len = (size_t)strtoul(cl, NULL, 10);
      if(body_len > ESL_BODY_MAX) {
        snprintf(why, whylen, "a body of %zu bytes", body_len);
        return -1;
      }
      if(len - used - skip - end < body_len)
        break;                     /* wait for the whole body */
      body = malloc(body_len + 1);
      if(!body) {
        snprintf(why, whylen, "out of memory");
        return -1;
      }
      memcpy(body, data + used + skip + end, body_len);
      body[body_len] = '\0';
    }
    used += skip + end + body_len;
    esl_message(c, &h, body, out, fn, fn_ctx, &fatal, why, whylen);
    free(body);
  }
  return fatal ? -1 : (long)used;
}

static int esl_ready(const ctk_dock_plugin *p)
{
  const esl_conn *c = p->ctx;
  return c && c->state == ESL_READY;
}

void ctk_dock_esl_plugin(ctk_dock_plugin *out)
{
  memset(out, 0, sizeof(*out));
  out->name = "esl";
  out->start = esl_start;
  out->stop = esl_stop;
  out->hello = esl_hello;
  out->input = esl_input;
  out->ready = esl_ready;
}
