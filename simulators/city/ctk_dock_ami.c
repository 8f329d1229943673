/* ctk_dock_ami: the AMI family of the city's docking (client side): reads the banner, logs in
 * with Action: Login (Events: agent), and reports each AgentConnect: Uniqueid (the caller's
 * channel, the queue machine's call id), CallerIDNum, Timestamp. */
#include "ctk_dock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cti/ctk_cti_wire.h"

#define AMI_MESSAGE_MAX 16384

typedef struct ami_conn {
  int banner;                  /* the banner line was read */
  int logged_in;
  char user[128], secret[128];
} ami_conn;

static ctk_code ami_start(ctk_dock_plugin *p, const ctk_dock_login *login)
{
  ami_conn *c = calloc(1, sizeof(*c));
  if(!c)
    return CTK_E_NOMEM;
  ctk_strlcpy(c->user, login && login->user ? login->user : CTK_CTI_AMI_USER, sizeof(c->user));
  ctk_strlcpy(c->secret, login && login->secret ? login->secret : CTK_CTI_AMI_SECRET,
              sizeof(c->secret));
  p->ctx = c;
  return CTK_E_OK;
}

static void ami_stop(ctk_dock_plugin *p)
{
  free(p->ctx);
  p->ctx = NULL;
}

/* The server speaks first (its banner); the login follows it. */
static ctk_code ami_hello(ctk_dock_plugin *p, ctk_buf *out)
{
  (void)p;
  (void)out;
  return CTK_E_OK;
}

/* "1764392400.123000" -> ms since the epoch; 0 when it is not such a number. */
static long long ami_timestamp_ms(const char *ts)
{
  char *end = NULL;
  double v = ts ? strtod(ts, &end) : 0.0;
  return end && end != ts && v > 0 ? (long long)(v * 1000.0 + 0.5) : 0;
}

static void ami_message(ami_conn *c, ctk_cti_headers *h, ctk_buf *out, ctk_dock_answered_fn fn,
                        void *fn_ctx, int *fatal, char *why, size_t whylen)
{
  const char *response = ctk_cti_header(h, "Response");
  const char *event = ctk_cti_header(h, CTK_CTI_AMI_EVENT);
  if(response && !c->logged_in) {
    if(strcasecmp(response, "Success")) {
      const char *msg = ctk_cti_header(h, CTK_CTI_AMI_MESSAGE);
      snprintf(why, whylen, "login refused: %s", msg ? msg : response);
      *fatal = 1;
      return;
    }
    c->logged_in = 1;
    return;
  }
  if(event && !strcasecmp(event, "AgentConnect")) {
    ctk_dock_call call;
    const char *uid = ctk_cti_header(h, "Uniqueid");
    const char *num = ctk_cti_header(h, "CallerIDNum");
    if(!uid || !*uid)
      return;
    memset(&call, 0, sizeof(call));
    ctk_strlcpy(call.call_id, uid, sizeof(call.call_id));
    ctk_strlcpy(call.caller, num ? num : "", sizeof(call.caller));
    call.answered_ms = ami_timestamp_ms(ctk_cti_header(h, "Timestamp"));
    fn(fn_ctx, "ami", &call);
  }
  (void)out;
}

static long ami_input(ctk_dock_plugin *p, const char *data, size_t len, ctk_buf *out,
                      ctk_dock_answered_fn fn, void *fn_ctx, char *why, size_t whylen)
{
  ami_conn *c = p->ctx;
  size_t used = 0;
  int fatal = 0;

  if(!c->banner) {
    const char *eol = memchr(data, '\n', len);
    if(!eol)
      return len > 256 ? -1 : 0;
    if(strncmp(data, "Asterisk Call Manager/", 22)) {
      snprintf(why, whylen, "no Asterisk Call Manager banner: not an AMI server");
      return -1;
    }
    c->banner = 1;
    used = (size_t)(eol - data) + 1;
    ctk_buf_printf(out, "Action: Login\r\nUsername: %s\r\nSecret: %s\r\nEvents: agent\r\n"
                   "ActionID: 1\r\n\r\n", c->user, c->secret);
  }
  while(used < len && !fatal) {
    size_t skip, end;
    char text[AMI_MESSAGE_MAX];
    ctk_cti_headers h;
    end = ctk_cti_next_block(data + used, len - used, &skip);
    used += skip;
    if(!end)
      break;
    if(end >= sizeof(text)) {
      used += end;                 /* a message too long for us to read: skip it */
      continue;
    }
    memcpy(text, data + used, end);
    text[end] = '\0';
    used += end;
    ctk_cti_headers_parse(text, &h);
    ami_message(c, &h, out, fn, fn_ctx, &fatal, why, whylen);
  }
  return fatal ? -1 : (long)used;
}

static int ami_ready(const ctk_dock_plugin *p)
{
  const ami_conn *c = p->ctx;
  return c && c->logged_in;
}

void ctk_dock_ami_plugin(ctk_dock_plugin *out)
{
  memset(out, 0, sizeof(*out));
  out->name = "ami";
  out->start = ami_start;
  out->stop = ami_stop;
  out->hello = ami_hello;
  out->input = ami_input;
  out->ready = ami_ready;
}
