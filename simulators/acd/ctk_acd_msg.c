/* ctk_acd_msg: building the queue machine's SIP messages with libosip2. osip's output buffers
 * are several KiB; a finished call keeps its final answer for 32 s, so every message is handed
 * out as an exact-size copy. */
#include "acd/ctk_acd_msg.h"

#include <osipparser2/osip_parser.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"

static pthread_once_t msg_once = PTHREAD_ONCE_INIT;

static void msg_quiet(const char *fi, int li, osip_trace_level_t level, const char *fmt, va_list ap)
{
  (void)fi;
  (void)li;
  (void)level;
  (void)fmt;
  (void)ap;
}

static void msg_init_once(void)
{
  int level;
  parser_init();
  osip_trace_initialize_func(OSIP_FATAL, msg_quiet);
  for(level = 0; level < END_TRACE_LEVEL; level++)
    osip_trace_disable_level((osip_trace_level_t)level);
}

void ctk_acd_msg_init(void)
{
  pthread_once(&msg_once, msg_init_once);
}

static int msg_clone_via(void *src, void **dst)
{
  return osip_via_clone((const osip_via_t *)src, (osip_via_t **)dst);
}

/* osip_message_to_str, then an exact-size copy; msg is not freed here. */
static ctk_code msg_text(osip_message_t *msg, char **out, size_t *out_len)
{
  char *text = NULL;
  size_t len = 0;
  if(osip_message_to_str(msg, &text, &len) != 0 || !text)
    return CTK_E_SIP;
  *out = malloc(len + 1);
  if(*out) {
    memcpy(*out, text, len);
    (*out)[len] = '\0';
    *out_len = len;
  }
  osip_free(text);
  return *out ? CTK_E_OK : CTK_E_NOMEM;
}

void ctk_acd_msg_sdp(const char *host, int agent, char *out, size_t size)
{
  snprintf(out, size,
           "v=0\r\n"
           "o=ctk-acd %d 1 IN IP4 %s\r\n"
           "s=ctk12328 acd\r\n"
           "c=IN IP4 %s\r\n"
           "t=0 0\r\n"
           "m=audio %d RTP/AVP 0 8\r\n"
           "a=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:8 PCMA/8000\r\n"
           "a=sendrecv\r\n",
           agent + 1, host, host, 40000 + 2 * (agent < 0 ? 0 : agent));
}

/* The methods the queue machine understands, for Allow. RFC 3261 20.5: Allow lists every
 * method the UA understands; 8.2.1 asks for it on 405 and it tells a client what a 501 left
 * out, so it goes on 405, 501 and the 200 to OPTIONS (11.2). */
#define MSG_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS"

/* The answer to req with everything but a body into *out; 0, or non-zero when osip failed. */
static int msg_response_new(const osip_message_t *req, int status, const char *to_tag,
                            const ctk_acd_local *local, osip_message_t **out)
{
  osip_message_t *resp = NULL;
  osip_generic_param_t *tag = NULL;
  const char *reason = osip_message_get_reason(status);
  char contact[160];
  int err;

  *out = NULL;
  if(osip_message_init(&resp))
    return -1;
  osip_message_set_version(resp, osip_strdup("SIP/2.0"));
  osip_message_set_status_code(resp, status);
  osip_message_set_reason_phrase(resp, osip_strdup(reason ? reason : "Unknown"));
  err = osip_list_clone(&req->vias, &resp->vias, msg_clone_via);
  if(!err)
    err = osip_from_clone(req->from, &resp->from);
  if(!err)
    err = osip_to_clone(req->to, &resp->to);
  if(!err)
    err = osip_call_id_clone(req->call_id, &resp->call_id);
  if(!err)
    err = osip_cseq_clone(req->cseq, &resp->cseq);
  if(!err && to_tag && status != 100 && osip_to_get_tag(resp->to, &tag) != 0)
    err = osip_to_set_tag(resp->to, osip_strdup(to_tag));
  if(!err)
    err = osip_message_set_header(resp, "Server", "ctk12328-acd");
  if(!err && status >= 180 && status < 300 && MSG_IS_INVITE(req)) {
    snprintf(contact, sizeof(contact), "<sip:acd@%s:%d%s>", local->host, local->port,
             local->tcp ? ";transport=tcp" : "");
    err = osip_message_set_contact(resp, contact);
  }
  if(!err && ((status == 200 && MSG_IS_OPTIONS(req)) || status == 405 || status == 501))
    err = osip_message_set_allow(resp, MSG_ALLOW);
  if(err) {
    osip_message_free(resp);
    return err;
  }
  *out = resp;
  return 0;
}

ctk_code ctk_acd_msg_response(const osip_message_t *req, int status, const char *to_tag,
                              const ctk_acd_local *local, const char *sdp, char **out,
                              size_t *out_len)
{
  osip_message_t *resp = NULL;
  ctk_code rc;
  int err;

  *out = NULL;
  *out_len = 0;
  err = msg_response_new(req, status, to_tag, local, &resp);
  if(!err && sdp) {
    err = osip_message_set_content_type(resp, "application/sdp");
    if(!err)
      err = osip_message_set_body(resp, sdp, strlen(sdp));
  }
  rc = err ? CTK_E_SIP : msg_text(resp, out, out_len);
  osip_message_free(resp);
  return rc;
}

ctk_code ctk_acd_msg_bad_extension(const osip_message_t *req, const char *to_tag,
                                   const ctk_acd_local *local, const char *unsupported,
                                   char **out, size_t *out_len)
{
  osip_message_t *resp = NULL;
  ctk_code rc;
  int err;

  *out = NULL;
  *out_len = 0;
  err = msg_response_new(req, 420, to_tag, local, &resp);
  if(!err)
    err = osip_message_set_header(resp, "Unsupported", unsupported);
  rc = err ? CTK_E_SIP : msg_text(resp, out, out_len);
  osip_message_free(resp);
  return rc;
}

/* 1 when s is all decimal digits (at least one) and at most max. */
static int msg_count(const char *s, unsigned long long max)
{
  unsigned long long v = 0;
  if(!s || !*s)
    return 0;
  for(; *s; s++) {
    if(*s < '0' || *s > '9')
      return 0;
    v = v * 10 + (unsigned long long)(*s - '0');
    if(v > max)
      return 0;
  }
  return 1;
}

const char *ctk_acd_msg_request_problem(const osip_message_t *req, const char *data, size_t len,
                                        int *status)
{
  const char *end = memmem(data, len, "\r\n\r\n", 4);
  size_t body = end ? len - (size_t)(end + 4 - data) : 0;

  *status = 400;
  if(!req->sip_version || strcmp(req->sip_version, "SIP/2.0")) {
    *status = 505;
    return "Version Not Supported: only SIP/2.0";
  }
  if(!req->cseq || !req->cseq->method || !req->sip_method ||
     strcmp(req->cseq->method, req->sip_method))
    return "Bad Request: CSeq method differs from the request's";
  /* RFC 3261 8.1.1.5: a 32-bit unsigned number below 2^31 */
  if(!msg_count(req->cseq->number, 2147483647ULL))
    return "Bad Request: CSeq number out of range";
  if(req->content_length && !msg_count(req->content_length->value, SIZE_MAX))
    return "Bad Request: Content-Length is not a count";
  if(req->content_length && strtoull(req->content_length->value, NULL, 10) > body)
    return "Bad Request: Content-Length runs past the message";
  return NULL;
}

ctk_code ctk_acd_msg_refusal(const osip_message_t *req, int status, const char *reason,
                             const ctk_acd_local *local, char **out, size_t *out_len)
{
  osip_message_t *resp = NULL;
  ctk_code rc;

  *out = NULL;
  *out_len = 0;
  if(msg_response_new(req, status, NULL, local, &resp))
    return CTK_E_SIP;
  /* the phrase says why (libosip2 keeps the pointer it is given: the old one is freed here) */
  osip_free(resp->reason_phrase);
  osip_message_set_reason_phrase(resp, osip_strdup(reason));
  rc = msg_text(resp, out, out_len);
  osip_message_free(resp);
  return rc;
}

ctk_code ctk_acd_msg_bye(const osip_message_t *invite, const char *to_tag,
                         const ctk_acd_local *local, const char *branch, char **out,
                         size_t *out_len)
{
  osip_message_t *req = NULL;
  osip_contact_t *ct = NULL;
  osip_uri_t *uri = NULL;
  char via[256];
  ctk_code rc;
  int err;

  *out = NULL;
  *out_len = 0;
  if(osip_message_init(&req))
    return CTK_E_NOMEM;
  osip_message_set_method(req, osip_strdup("BYE"));
  osip_message_set_version(req, osip_strdup("SIP/2.0"));
  osip_message_get_contact(invite, 0, &ct);
  err = osip_uri_clone(ct && ct->url ? ct->url : invite->from->url, &uri);
  if(!err) {
    osip_message_set_uri(req, uri);
    snprintf(via, sizeof(via), "SIP/2.0/%s %s:%d;branch=z9hG4bK%s;rport",
             local->tcp ? "TCP" : "UDP", local->host, local->port, branch);
    err = osip_message_set_via(req, via);
  }
  if(!err)
    err = osip_to_clone(invite->to, &req->from);
  if(!err) {
    osip_generic_param_t *tag = NULL;
    if(osip_from_get_tag(req->from, &tag) != 0)
      err = osip_from_set_tag(req->from, osip_strdup(to_tag));
  }
  if(!err)
    err = osip_from_clone(invite->from, &req->to);
  if(!err)
    err = osip_call_id_clone(invite->call_id, &req->call_id);
  if(!err)
    err = osip_message_set_cseq(req, "1 BYE");
  if(!err)
    err = osip_message_set_max_forwards(req, "70");
  if(!err)
    err = osip_message_set_header(req, "User-Agent", "ctk12328-acd");
  rc = err ? CTK_E_SIP : msg_text(req, out, out_len);
  osip_message_free(req);
  return rc;
}
