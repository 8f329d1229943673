/* ctk_receive: the receive step every endpoint shares. The reference nodes and the city
 * simulator run these same steps and answer refusals the same way, so a system under test meets
 * one behaviour whichever counterpart it talks to. */
#include "ctk_receive.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "ctk_log.h"
#include "ctk_validate.h"

#define MOD "receive"

size_t ctk_receive_max_body(const ctk_profile *p)
{
  return p->max_message_bytes ? p->max_message_bytes : 1048576;
}

/* The encoding of the request: Content-Type charset first, else the XML declaration. */
static ctk_encoding receive_encoding(const ctk_http_request *req)
{
  const char *cs = strcasestr(req->content_type, "charset=");
  char head[128];
  size_t n;

  if(cs) {
    cs += 8;
    if(*cs == '"')
      cs++;
    return strncasecmp(cs, "gb", 2) == 0 ? CTK_ENC_GBK : CTK_ENC_UTF8;
  }
  n = req->body_len < sizeof(head) - 1 ? req->body_len : sizeof(head) - 1;
  memcpy(head, req->body, n);
  head[n] = '\0';
  if(strcasestr(head, "encoding=\"gb") || strcasestr(head, "encoding='gb"))
    return CTK_ENC_GBK;
  return CTK_ENC_UTF8;
}

/* An XML media type (application/xml, text/xml, application/...+xml) or none at all. */
static int receive_xml_media_type(const char *content_type)
{
  const char *semi;
  size_t n;
  if(!content_type || !*content_type)
    return 1;
  semi = strchr(content_type, ';');
  n = semi ? (size_t)(semi - content_type) : strlen(content_type);
  while(n && content_type[n - 1] == ' ')
    n--;
  if((n == 15 && !strncasecmp(content_type, "application/xml", n)) ||
     (n == 8 && !strncasecmp(content_type, "text/xml", n)))
    return 1;
  return n > 16 && !strncasecmp(content_type, "application/", 12) &&
         !strncasecmp(content_type + n - 4, "+xml", 4);
}

/* ---- the steps: each returns 0 to go on, -1 with rx->outcome (and status) set to refuse ---- */

typedef int (*receive_step_fn)(const ctk_receive_config *cfg, const ctk_http_request *req,
                               ctk_received *rx);

static int step_path(const ctk_receive_config *cfg, const ctk_http_request *req,
                     ctk_received *rx)
{
  int binding = ctk_binding_of_path(cfg->profile, req->path);
  if(binding < 0) {
    rx->http_status = 404;
    snprintf(rx->outcome.text, sizeof(rx->outcome.text), "not an exchange path: use ...%s or ...%s",
             cfg->profile->xml_path, cfg->profile->soap_path);
    return -1;
  }
  rx->binding = (ctk_binding)binding;
  return 0;
}

static int step_method(const ctk_receive_config *cfg, const ctk_http_request *req,
                       ctk_received *rx)
{
  (void)cfg;
  if(!strcmp(req->method, "POST"))
    return 0;
  rx->http_status = 405;
  snprintf(rx->outcome.text, sizeof(rx->outcome.text), "use POST");
  return -1;
}

static int step_size(const ctk_receive_config *cfg, const ctk_http_request *req,
                     ctk_received *rx)
{
  if(!req->body_too_large)
    return 0;
  rx->http_status = 413;
  ctk_outcome_set(&rx->outcome, cfg->profile, "TOO_LARGE", "", "J3-SEC-002",
                  "message over %zu bytes", cfg->profile->max_message_bytes);
  return -1;
}

static int step_media_type(const ctk_receive_config *cfg, const ctk_http_request *req,
                           ctk_received *rx)
{
  if(receive_xml_media_type(req->content_type))
    return 0;
  ctk_outcome_set(&rx->outcome, cfg->profile, "MALFORMED", "HTTP Content-Type", "J3-BIND-001",
                  "Content-Type must be application/xml or text/xml");
  return -1;
}

static int step_decode(const ctk_receive_config *cfg, const ctk_http_request *req,
                       ctk_received *rx)
{
  rx->error = ctk_msg_decode(cfg->profile, req->body, req->body_len, rx->binding, &rx->msg,
                             &rx->outcome);
  return rx->error ? -1 : 0;
}

static int step_request(const ctk_receive_config *cfg, const ctk_http_request *req,
                        ctk_received *rx)
{
  (void)req;
  if(!rx->msg->is_answer)
    return 0;
  ctk_outcome_set(&rx->outcome, cfg->profile, "MALFORMED", "/Answer", "J3-ENV-001",
                  "an Answer is not a request");
  return -1;
}

static int step_credentials(const ctk_receive_config *cfg, const ctk_http_request *req,
                            ctk_received *rx)
{
  const char *user = req->auth_user;
  int level = 0;

  if(!user || !req->auth_pass ||
     ctk_auth_verify(cfg->auth, user, req->auth_pass, &level) != CTK_E_OK) {
    CTK_INFO(MOD, "authentication failed for user '%s' from %s", user ? user : "", req->peer);
    rx->error = CTK_E_AUTH;
    ctk_outcome_set(&rx->outcome, cfg->profile, "AUTH", "HTTP Authorization", "J3-SEC-004",
                    "authentication failed");
    return -1;
  }
  rx->user = user;
  rx->level = level;
  return 0;
}

/* Against the node CREDENTIALS authenticated: nothing to compare when that step was left out. */
static int step_sender(const ctk_receive_config *cfg, const ctk_http_request *req,
                       ctk_received *rx)
{
  const ctk_head *h = &rx->msg->head;
  (void)req;
  if(!rx->user)
    return 0;
  if(strcmp(h->sender.region, rx->user)) {
    ctk_outcome_set(&rx->outcome, cfg->profile, "DENIED", "/Message/Head/Sender/Region",
                    "J3-SEC-005", "sender %s is not the authenticated node %s",
                    h->sender.region, rx->user);
    return -1;
  }
  if((int)h->sender.level != rx->level) {
    ctk_outcome_set(&rx->outcome, cfg->profile, "DENIED", "/Message/Head/Sender/Level",
                    "J3-SEC-005", "sender level %d is not the level %d of its credentials",
                    (int)h->sender.level, rx->level);
    return -1;
  }
  return 0;
}

/* Validation by the profile; the first problem is the answer. */
static int step_validate(const ctk_receive_config *cfg, const ctk_http_request *req,
                         ctk_received *rx)
{
  ctk_problems problems;       /* ctk_validate_msg clears it: 18 KB, not cleared twice */
  (void)req;
  rx->error = ctk_validate_msg(cfg->profile, rx->msg, &problems);
  if(rx->error == CTK_E_OK)
    return 0;
  if(problems.count)
    rx->outcome = problems.items[0];
  else
    ctk_outcome_set(&rx->outcome, cfg->profile, "SCHEMA", "", "J3-SCH-001", "invalid message");
  return -1;
}

/* The message must be for this node, from an adjacent level. */
static int step_route(const ctk_receive_config *cfg, const ctk_http_request *req,
                      ctk_received *rx)
{
  const ctk_head *h = &rx->msg->head;
  const ctk_node *self = &cfg->self;
  (void)req;
  if(strcmp(h->receiver.region, self->region) || h->receiver.level != self->level) {
    ctk_outcome_set(&rx->outcome, cfg->profile, "ROUTE", "/Message/Head/Receiver", "J3-ENV-006",
                    "this node is %s level %d, not %s level %d", self->region,
                    (int)self->level, h->receiver.region, (int)h->receiver.level);
    return -1;
  }
  if(h->sender.level == self->level + 1)
    rx->dir = CTK_DIR_UP;
  else if(h->sender.level + 1 == self->level)
    rx->dir = CTK_DIR_DOWN;
  else {
    ctk_outcome_set(&rx->outcome, cfg->profile, "ROUTE", "/Message/Head/Sender/Level",
                    "J3-ENV-004", "%s and %s are not adjacent levels",
                    ctk_level_name(h->sender.level), ctk_level_name(self->level));
    return -1;
  }
  return 0;
}

/* The order of the steps, the one place to change it. REQUEST, SENDER, VALIDATE and ROUTE read
 * the decoded message, so they come after DECODE; SENDER compares it with the node CREDENTIALS
 * authenticated, so it comes after CREDENTIALS too. CREDENTIALS needs only the HTTP request: it
 * may move before MEDIA_TYPE and DECODE, so that nobody unauthenticated gets a body parsed. */
static const struct {
  ctk_receive_step step;
  receive_step_fn run;
} receive_order[] = {
  { CTK_RX_PATH, step_path },
  { CTK_RX_METHOD, step_method },
  { CTK_RX_SIZE, step_size },
  { CTK_RX_MEDIA_TYPE, step_media_type },
  { CTK_RX_DECODE, step_decode },
  { CTK_RX_REQUEST, step_request },
  { CTK_RX_CREDENTIALS, step_credentials },
  { CTK_RX_SENDER, step_sender },
  { CTK_RX_VALIDATE, step_validate },
  { CTK_RX_ROUTE, step_route },
};

int ctk_receive(const ctk_receive_config *cfg, const ctk_http_request *req, ctk_received *rx)
{
  size_t i;

  memset(rx, 0, sizeof(*rx));
  rx->http_status = 200;
  rx->encoding = receive_encoding(req);
  for(i = 0; i < sizeof(receive_order) / sizeof(receive_order[0]); i++) {
    if(cfg->skip & CTK_RX_SKIP(receive_order[i].step))
      continue;
    if(receive_order[i].run(cfg, req, rx)) {
      rx->refused = receive_order[i].step;
      return -1;
    }
  }
  return 0;
}

/* ---- answers ---- */

void ctk_receive_content_type(const ctk_received *rx, char *out, size_t outlen)
{
  snprintf(out, outlen, "%s; charset=%s", rx->binding == CTK_BIND_SOAP ? "text/xml" :
           "application/xml", ctk_encoding_name(rx->encoding));
}

ctk_code ctk_receive_answer(const ctk_receive_config *cfg, const ctk_received *rx,
                            const ctk_outcome *o, const ctk_receive_encoder *enc, ctk_buf *out)
{
  ctk_msg *ans = NULL;
  ctk_head blank;
  ctk_code result;

  if(rx->msg)
    result = ctk_msg_new_answer(cfg->profile, rx->msg, o, 0, &ans);
  else {
    /* Nothing could be read: an answer from this node to an unnamed sender. */
    memset(&blank, 0, sizeof(blank));
    blank.receiver = cfg->self;
    result = ctk_msg_new_answer_to(cfg->profile, &blank, o, 0, &ans);
  }
  if(result)
    return result;
  if(enc && enc->encode)
    result = enc->encode(enc->ctx, ans, out);
  else
    result = ctk_msg_encode(cfg->profile, ans, rx->binding, rx->encoding, out);
  ctk_msg_free(ans);
  return result;
}

/* The SOAP envelope itself could not be read: a SOAP 1.1 Fault (soap:Client) carrying the
 * profile's result code, the only case the baseline uses a Fault for (J3-BIND-003). */
static int receive_is_envelope_problem(const ctk_receive_config *cfg, const ctk_received *rx,
                                       const ctk_outcome *o)
{
  return rx->binding == CTK_BIND_SOAP && !rx->msg &&
         !strcmp(o->code, ctk_profile_rc(cfg->profile, "MALFORMED")) &&
         (!strcmp(o->where, "/") || !strncmp(o->where, "/Envelope", 9));
}

static ctk_code receive_soap_fault(const ctk_receive_config *cfg, const ctk_received *rx,
                                   const ctk_outcome *o, ctk_buf *out)
{
  static const char soap11[] = "http://schemas.xmlsoap.org/soap/envelope/";
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr env, body, fault, detail, result;
  xmlNsPtr ns;
  xmlChar *mem = NULL;
  int len = 0;
  ctk_code rc = CTK_E_NOMEM;

  if(!doc)
    return CTK_E_NOMEM;
  env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
  xmlDocSetRootElement(doc, env);
  ns = xmlNewNs(env, BAD_CAST soap11, BAD_CAST "soap");
  xmlSetNs(env, ns);
  body = xmlNewChild(env, ns, BAD_CAST "Body", NULL);
  fault = xmlNewChild(body, ns, BAD_CAST "Fault", NULL);
  xmlNewTextChild(fault, NULL, BAD_CAST "faultcode", BAD_CAST "soap:Client");
  xmlNewTextChild(fault, NULL, BAD_CAST "faultstring", BAD_CAST o->text);
  detail = xmlNewChild(fault, NULL, BAD_CAST "detail", NULL);
  result = xmlNewChild(detail, NULL, BAD_CAST "Result", NULL);
  xmlSetNs(result, xmlNewNs(result, BAD_CAST cfg->profile->ns, NULL));
  xmlNewTextChild(result, result->ns, BAD_CAST "Code", BAD_CAST o->code);
  xmlNewTextChild(result, result->ns, BAD_CAST "Text", BAD_CAST o->text);
  xmlNewTextChild(result, result->ns, BAD_CAST "Where", BAD_CAST o->where);
  xmlNewTextChild(result, result->ns, BAD_CAST "Requirement", BAD_CAST "J3-BIND-003");
  xmlDocDumpMemoryEnc(doc, &mem, &len, ctk_encoding_name(rx->encoding));
  if(mem && len > 0)
    rc = ctk_buf_add(out, mem, (size_t)len);
  xmlFree(mem);
  xmlFreeDoc(doc);
  return rc;
}

ctk_code ctk_receive_reply(const ctk_receive_config *cfg, const ctk_received *rx,
                           const ctk_outcome *o, const ctk_receive_encoder *enc, int *status,
                           char *content_type, size_t content_type_len, ctk_buf *out)
{
  if(rx->http_status == 404 || rx->http_status == 405) {
    /* below the exchange: no Answer, a line of text */
    *status = rx->http_status;
    snprintf(content_type, content_type_len, "text/plain; charset=UTF-8");
    return ctk_buf_printf(out, "%s\n", rx->outcome.text);
  }
  ctk_receive_content_type(rx, content_type, content_type_len);
  if(receive_is_envelope_problem(cfg, rx, o)) {
    *status = 500;
    return receive_soap_fault(cfg, rx, o, out);
  }
  *status = rx->http_status;
  return ctk_receive_answer(cfg, rx, o, enc, out);
}
