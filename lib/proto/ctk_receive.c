/* ctk_receive: the receive step every endpoint shares. The reference nodes and the city
 * simulator run these same steps and answer refusals the same way, so a system under test meets
 * one behaviour whichever counterpart it talks to. */
#include "ctk_receive.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "ctk_log.h"
#include "ctk_region.h"
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

/* The requirement behind one of the checks (catalog.xml <rules>). */
static const char *rx_rule(const ctk_receive_config *cfg, const char *rule)
{
  return ctk_profile_rule(cfg->profile, rule);
}

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

/* POST only; OPTIONS is answered with the Allow (RFC 9110 9.3.7), any other method 405 with it
 * (15.5.6): see ctk_receive_reply. */
static int step_method(const ctk_receive_config *cfg, const ctk_http_request *req,
                       ctk_received *rx)
{
  (void)cfg;
  if(!strcmp(req->method, "POST"))
    return 0;
  rx->http_status = strcmp(req->method, "OPTIONS") ? 405 : 200;
  snprintf(rx->outcome.text, sizeof(rx->outcome.text), "use POST");
  return -1;
}

static int step_size(const ctk_receive_config *cfg, const ctk_http_request *req,
                     ctk_received *rx)
{
  if(!req->body_too_large)
    return 0;
  rx->http_status = 413;
  ctk_outcome_set(&rx->outcome, cfg->profile, "TOO_LARGE", "", rx_rule(cfg, "size"),
                  "message over %zu bytes", cfg->profile->max_message_bytes);
  return -1;
}

static int step_media_type(const ctk_receive_config *cfg, const ctk_http_request *req,
                           ctk_received *rx)
{
  if(receive_xml_media_type(req->content_type))
    return 0;
  ctk_outcome_set(&rx->outcome, cfg->profile, "MALFORMED", "HTTP Content-Type",
                  rx_rule(cfg, "binding"), "Content-Type must be application/xml or text/xml");
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
  char where[CTK_NAME_MAX + 2];
  snprintf(where, sizeof(where), "/%s", ctk_el(cfg->profile, CTK_EL_ANSWER));
  ctk_outcome_set(&rx->outcome, cfg->profile, "MALFORMED", where,
                  rx_rule(cfg, "envelope"), "an answer is not a request");
  return -1;
}

/* Credentials count only for a neighbour in the region table: at a province its own cities and
 * the ministry, at the ministry the provinces, at a city its province, each at the level the
 * table gives it. A credentials line for a city of another province (a copy-paste slip) must
 * not let that city act here. */
static int receive_neighbour(const ctk_receive_config *cfg, ctk_received *rx)
{
  const ctk_region_db *db = cfg->regions;
  const ctk_region *of = NULL;
  int table_level;
  int ok;

  if(!db)
    return 0;
  table_level = ctk_region_level(db, rx->user);
  if(table_level == CTK_LEVEL_CITY)
    of = ctk_region_province_of(db, rx->user);
  if(cfg->self.level == CTK_LEVEL_PROVINCE)
    ok = (table_level == CTK_LEVEL_CITY && of && !strcmp(of->code, cfg->self.region)) ||
         table_level == CTK_LEVEL_MINISTRY;
  else if(cfg->self.level == CTK_LEVEL_MINISTRY)
    ok = table_level == CTK_LEVEL_PROVINCE;
  else {
    of = ctk_region_province_of(db, cfg->self.region);
    ok = table_level == CTK_LEVEL_PROVINCE && of && !strcmp(of->code, rx->user);
  }
  if(ok && table_level == rx->level)
    return 0;
  ctk_outcome_set(&rx->outcome, cfg->profile, "DENIED", "HTTP Authorization",
                  rx_rule(cfg, "ownership"),
                  "%s (level %d) is not a neighbour of %s in the region table", rx->user,
                  rx->level, cfg->self.region);
  return -1;
}

static int step_credentials(const ctk_receive_config *cfg, const ctk_http_request *req,
                            ctk_received *rx)
{
  const char *user = req->auth_user;
  int level = 0;

  if(!user || !req->auth_pass ||
     ctk_auth_verify(cfg->auth, user, req->auth_pass, &level) != CTK_E_OK) {
    /* bounded: the name is whatever the peer sent */
    CTK_INFO(MOD, "authentication failed for user '%.32s' from %s", user ? user : "", req->peer);
    rx->error = CTK_E_AUTH;
    ctk_outcome_set(&rx->outcome, cfg->profile, "AUTH", "HTTP Authorization", rx_rule(cfg, "auth"),
                    "authentication failed");
    return -1;
  }
  rx->user = user;
  rx->level = level;
  return receive_neighbour(cfg, rx);
}

/* Against the node CREDENTIALS authenticated: nothing to compare when that step was left out. */
static int step_sender(const ctk_receive_config *cfg, const ctk_http_request *req,
                       ctk_received *rx)
{
  const ctk_head *h = &rx->msg->head;
  char where[4 * CTK_NAME_MAX + 5];
  (void)req;
  if(!rx->user)
    return 0;
  if(strcmp(h->sender.region, rx->user)) {
    ctk_msg_head_path(cfg->profile, CTK_EL_SENDER, CTK_EL_NODE_REGION, where, sizeof(where));
    ctk_outcome_set(&rx->outcome, cfg->profile, "DENIED", where,
                    rx_rule(cfg, "ownership"), "sender %s is not the authenticated node %s",
                    h->sender.region, rx->user);
    return -1;
  }
  if((int)h->sender.level != rx->level) {
    ctk_msg_head_path(cfg->profile, CTK_EL_SENDER, CTK_EL_NODE_LEVEL, where, sizeof(where));
    ctk_outcome_set(&rx->outcome, cfg->profile, "DENIED", where, rx_rule(cfg, "ownership"),
                    "sender level %d is not the level %d of its credentials",
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
    ctk_outcome_set(&rx->outcome, cfg->profile, "SCHEMA", "", rx_rule(cfg, "schema"),
                    "invalid message");
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
    char where[3 * CTK_NAME_MAX + 4];
    snprintf(where, sizeof(where), "/%s/%s/%s", ctk_el(cfg->profile, CTK_EL_MESSAGE),
             ctk_el(cfg->profile, CTK_EL_HEAD), ctk_el(cfg->profile, CTK_EL_RECEIVER));
    ctk_outcome_set(&rx->outcome, cfg->profile, "ROUTE", where,
                    rx_rule(cfg, "receiver"),
                    "this node is %s level %d, not %s level %d", self->region,
                    (int)self->level, h->receiver.region, (int)h->receiver.level);
    return -1;
  }
  if(h->sender.level == self->level + 1)
    rx->dir = CTK_DIR_UP;
  else if(h->sender.level + 1 == self->level)
    rx->dir = CTK_DIR_DOWN;
  else {
    char where[4 * CTK_NAME_MAX + 5];
    snprintf(where, sizeof(where), "/%s/%s/%s/%s", ctk_el(cfg->profile, CTK_EL_MESSAGE),
             ctk_el(cfg->profile, CTK_EL_HEAD), ctk_el(cfg->profile, CTK_EL_SENDER),
             ctk_el(cfg->profile, CTK_EL_NODE_LEVEL));
    ctk_outcome_set(&rx->outcome, cfg->profile, "ROUTE", where,
                    rx_rule(cfg, "route"), "%s and %s are not adjacent levels",
                    ctk_level_name(h->sender.level), ctk_level_name(self->level));
    return -1;
  }
  return 0;
}

/* The order of the steps, the one place to change it. CREDENTIALS comes before anything looks
 * at the body: nobody unauthenticated gets a byte parsed (a 1 MB body of 90,000 attributes cost
 * seconds of CPU in the parser) or kept (ctk_receive_keeps_body). REQUEST, SENDER, VALIDATE and
 * ROUTE read the decoded message, so they come after DECODE; SENDER compares it with the node
 * CREDENTIALS authenticated. */
static const struct {
  ctk_receive_step step;
  receive_step_fn run;
} receive_order[] = {
  { CTK_RX_PATH, step_path },
  { CTK_RX_METHOD, step_method },
  { CTK_RX_CREDENTIALS, step_credentials },
  { CTK_RX_SIZE, step_size },
  { CTK_RX_MEDIA_TYPE, step_media_type },
  { CTK_RX_DECODE, step_decode },
  { CTK_RX_REQUEST, step_request },
  { CTK_RX_SENDER, step_sender },
  { CTK_RX_VALIDATE, step_validate },
  { CTK_RX_ROUTE, step_route },
};

/* The level a region code stands for: 1 for the ministry's, 2 for a provincial unit's
 * (xx0000), 3 otherwise; 0 when it is not six digits. */
static ctk_level receive_level_of_code(const char *region)
{
  if(!region || strlen(region) != 6 || strspn(region, "0123456789") != 6 || region[0] == '0')
    return CTK_LEVEL_NONE;
  if(!strcmp(region, CTK_REGION_MINISTRY))
    return CTK_LEVEL_MINISTRY;
  /* not the profile's: a GB/T 2260 province code ends in 0000 */
  return strcmp(region + 2, "0000") ? CTK_LEVEL_CITY : CTK_LEVEL_PROVINCE; /* not the profile's */
}

/* Who HTTP says is calling (rx->caller): the Basic user, when it is a region code. */
static void receive_caller(const ctk_http_request *req, ctk_received *rx)
{
  ctk_level level = receive_level_of_code(req->auth_user);
  if(level == CTK_LEVEL_NONE)
    return;
  ctk_strlcpy(rx->caller.region, req->auth_user, sizeof(rx->caller.region));
  rx->caller.level = level;
}

int ctk_receive_below_exchange(const ctk_received *rx)
{
  return rx->refused == CTK_RX_PATH || rx->refused == CTK_RX_METHOD;
}

int ctk_receive(const ctk_receive_config *cfg, const ctk_http_request *req, ctk_received *rx)
{
  size_t i;

  memset(rx, 0, sizeof(*rx));
  rx->http_status = 200;
  rx->encoding = receive_encoding(req);
  receive_caller(req, rx);
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

int ctk_receive_keeps_body(const ctk_received *rx)
{
  return rx->refused != CTK_RX_PATH && rx->refused != CTK_RX_METHOD &&
         rx->refused != CTK_RX_CREDENTIALS;
}

/* ---- answers ---- */

void ctk_receive_content_type(const ctk_received *rx, char *out, size_t outlen)
{
  snprintf(out, outlen, "%s; charset=%s", rx->binding == CTK_BIND_SOAP ? "text/xml" :
           "application/xml", ctk_encoding_name(rx->encoding));
}

/* Where an answer goes when neither the request nor HTTP names the caller: a neighbour that
 * exists whatever the network, the node's upper one by code (a city's province, a province's
 * ministry); the ministry has none and names the first provincial unit, 110000. */
static void receive_unknown_caller(const ctk_receive_config *cfg, const ctk_received *rx,
                                   ctk_node *out)
{
  const ctk_node *self = &cfg->self;
  int adjacent = rx->caller.level == self->level + 1 || rx->caller.level + 1 == self->level;

  memset(out, 0, sizeof(*out));
  if(rx->caller.region[0] && adjacent) {
    *out = rx->caller;
    return;
  }
  if(self->level == CTK_LEVEL_CITY) {
    snprintf(out->region, sizeof(out->region), "%.2s0000", self->region);
    out->level = CTK_LEVEL_PROVINCE;
  }
  else if(self->level == CTK_LEVEL_PROVINCE) {
    ctk_strlcpy(out->region, CTK_REGION_MINISTRY, sizeof(out->region));
    out->level = CTK_LEVEL_MINISTRY;
  }
  else {
    ctk_strlcpy(out->region, "110000", sizeof(out->region));
    out->level = CTK_LEVEL_PROVINCE;
  }
}

/* The head of the answer to rx. An answer always speaks for this node: answering a request
 * for another receiver in that receiver's name (and with a MsgId of its range) would be a
 * node impersonating another (issue 18, point 6). What the request could not tell is filled
 * so that the answer passes our own schema and formats (point 5). */
static void receive_answer_head(const ctk_receive_config *cfg, const ctk_received *rx,
                                ctk_head *h)
{
  const ctk_profile *p = cfg->profile;
  ctk_head req;

  if(rx->msg)
    req = rx->msg->head;
  else
    memset(&req, 0, sizeof(req));
  if(!req.interface_code[0])
    ctk_strlcpy(req.interface_code, ctk_profile_iface_code(p, CTK_IF_LINK_CHECK),
                sizeof(req.interface_code));
  if(!req.sender.region[0])
    receive_unknown_caller(cfg, rx, &req.sender);
  req.receiver = cfg->self;
  ctk_msg_answer_head(p, &req, h);
  if(!h->correl_id[0])         /* no MsgId to answer: the answer correlates to itself */
    ctk_strlcpy(h->correl_id, h->msg_id, sizeof(h->correl_id));
}

ctk_code ctk_receive_answer(const ctk_receive_config *cfg, const ctk_received *rx,
                            const ctk_outcome *o, const ctk_receive_encoder *enc, ctk_buf *out)
{
  ctk_msg *ans = NULL;
  ctk_head h;
  ctk_code result;

  receive_answer_head(cfg, rx, &h);
  result = ctk_msg_new_answer_head(cfg->profile, &h, o, 0, &ans);
  if(result)
    return result;
  if(enc && enc->encode)
    result = enc->encode(enc->ctx, ans, out);
  else
    result = ctk_msg_encode(cfg->profile, ans, rx->binding, rx->encoding, out);
  ctk_msg_free(ans);
  return result;
}

/* The SOAP envelope itself could not be read: a SOAP 1.1 Fault carrying the profile's result
 * code, the only case the baseline uses a Fault for (J3-BIND-003). */
static int receive_is_envelope_problem(const ctk_receive_config *cfg, const ctk_received *rx,
                                       const ctk_outcome *o)
{
  return rx->binding == CTK_BIND_SOAP && !rx->msg &&
         !strcmp(o->code, ctk_profile_rc(cfg->profile, "MALFORMED")) &&
         (!strcmp(o->where, "/") || !strncmp(o->where, "/Envelope", 9));
}

/* A child of soap:Fault in no namespace. SOAP 1.1 4.4 and WS-I Basic Profile R1001: faultcode,
 * faultstring and detail are unqualified; zeep and gSOAP find nothing in soap:faultcode.
 * (xmlNewTextChild with a NULL namespace would give the child its parent's.) */
static xmlNodePtr receive_fault_child(xmlNodePtr fault, const char *name, const char *text)
{
  xmlNodePtr child = xmlNewDocNode(fault->doc, NULL, BAD_CAST name, NULL);
  if(!child)
    return NULL;
  if(text)
    xmlNodeAddContent(child, BAD_CAST text);
  return xmlAddChild(fault, child);
}

static ctk_code receive_soap_fault(const ctk_receive_config *cfg, const ctk_received *rx,
                                   const ctk_outcome *o, ctk_buf *out)
{
  static const char soap11[] = "http://schemas.xmlsoap.org/soap/envelope/";
  const ctk_profile *p = cfg->profile;
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr env, body, fault, detail, result;
  xmlNsPtr ns;
  xmlChar *mem = NULL;
  char code[64];
  int len = 0;
  ctk_code rc = CTK_E_NOMEM;

  if(!doc)
    return CTK_E_NOMEM;
  env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL); /* not the profile's: SOAP 1.1 */
  xmlDocSetRootElement(doc, env);
  ns = xmlNewNs(env, BAD_CAST soap11, BAD_CAST "soap");
  xmlSetNs(env, ns);
  body = xmlNewChild(env, ns, BAD_CAST "Body", NULL); /* not the profile's: SOAP 1.1 */
  fault = xmlNewChild(body, ns, BAD_CAST "Fault", NULL);
  /* VersionMismatch, MustUnderstand or Client (SOAP 1.1 4.4.1), a QName of the envelope's
   * namespace, so the prefix declared on Envelope */
  snprintf(code, sizeof(code), "soap:%s", ctk_msg_soap_faultcode(o));
  receive_fault_child(fault, "faultcode", code);
  receive_fault_child(fault, "faultstring", o->text);
  detail = receive_fault_child(fault, "detail", NULL);
  /* the detail carries the profile's own result element */
  result = xmlNewChild(detail, NULL, BAD_CAST ctk_el(p, CTK_EL_RESULT), NULL);
  xmlSetNs(result, xmlNewNs(result, BAD_CAST p->ns, NULL));
  xmlNewTextChild(result, result->ns, BAD_CAST ctk_el(p, CTK_EL_RESULT_CODE), BAD_CAST o->code);
  xmlNewTextChild(result, result->ns, BAD_CAST ctk_el(p, CTK_EL_RESULT_TEXT), BAD_CAST o->text);
  xmlNewTextChild(result, result->ns, BAD_CAST ctk_el(p, CTK_EL_RESULT_WHERE),
                  BAD_CAST o->where);
  xmlNewTextChild(result, result->ns, BAD_CAST ctk_el(p, CTK_EL_RESULT_REQUIREMENT),
                  BAD_CAST ctk_profile_rule(p, "soap-fault"));
  xmlDocDumpMemoryEnc(doc, &mem, &len, ctk_encoding_name(rx->encoding));
  if(mem && len > 0)
    rc = ctk_buf_add(out, mem, (size_t)len);
  xmlFree(mem);
  xmlFreeDoc(doc);
  return rc;
}

ctk_code ctk_receive_reply(const ctk_receive_config *cfg, const ctk_received *rx,
                           const ctk_outcome *o, const ctk_receive_encoder *enc,
                           ctk_http_response *resp, char *content_type, size_t content_type_len,
                           ctk_buf *out)
{
  if(ctk_receive_below_exchange(rx)) {
    /* below the exchange: no Answer, a line of text; the methods where they are asked for
     * or refused (RFC 9110 9.3.7, 15.5.6) */
    resp->status = rx->http_status;
    if(rx->refused == CTK_RX_METHOD)
      ctk_http_response_add_header(resp, "Allow", "POST, OPTIONS");
    if(resp->status == 200) {
      content_type[0] = '\0';
      return CTK_E_OK;
    }
    snprintf(content_type, content_type_len, "text/plain; charset=UTF-8");
    return ctk_buf_printf(out, "%s\n", rx->outcome.text);
  }
  ctk_receive_content_type(rx, content_type, content_type_len);
  if(receive_is_envelope_problem(cfg, rx, o)) {
    resp->status = 500;
    return receive_soap_fault(cfg, rx, o, out);
  }
  resp->status = rx->http_status;
  if(!strcmp(o->code, ctk_profile_rc(cfg->profile, "AUTH"))) {
    /* RFC 9110 15.5.2: wrong or missing credentials are 401 with a challenge (RFC 7617), or
     * clients that authenticate when asked (urllib, curl --anyauth, Java, .NET) never do; the
     * body is still the Answer saying AUTH */
    char realm[32];
    snprintf(realm, sizeof(realm), "12328 %s", cfg->self.region);
    ctk_http_challenge_basic(resp, realm);
  }
  return ctk_receive_answer(cfg, rx, o, enc, out);
}
