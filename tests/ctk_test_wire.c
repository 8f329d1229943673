/* ctk_test_wire: raw HTTP over loopback and Answer parsing for the hostile and fault tests. */
#include "ctk_test_wire.h"

#include "ctk_profile.h"
#include "ctk_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define WIRE_MAX_RESPONSE ((size_t)8 * 1024 * 1024)
#define WIRE_TIMEOUT_S 60

void ctk_wire_answer_init(ctk_wire_answer *a)
{
  memset(a, 0, sizeof(*a));
  ctk_buf_init(&a->body, WIRE_MAX_RESPONSE);
}

void ctk_wire_answer_free(ctk_wire_answer *a)
{
  ctk_buf_free(&a->body);
}

void ctk_wire_basic_auth(const char *user, const char *pass, char *out, size_t outlen)
{
  char plain[512];
  unsigned char enc[700];
  int n = snprintf(plain, sizeof(plain), "%s:%s", user, pass);

  if(n < 0 || (size_t)n >= sizeof(plain)) {
    ctk_strlcpy(out, "", outlen);
    return;
  }
  EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
  snprintf(out, outlen, "Basic %s", (const char *)enc);
}

/* 0 when all sent; -1 when the server stopped reading (it may still have answered). */
static int wire_write(int fd, const char *p, size_t n)
{
  while(n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if(w < 0) {
      if(errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int wire_pad(int fd, size_t n)
{
  char spaces[65536];
  memset(spaces, ' ', sizeof(spaces));
  while(n > 0) {
    size_t step = n < sizeof(spaces) ? n : sizeof(spaces);
    if(wire_write(fd, spaces, step))
      return -1;
    n -= step;
  }
  return 0;
}

/* Split the raw response into status and body (Content-Length or read-to-close). */
static void wire_split(ctk_buf *raw, ctk_wire_answer *a)
{
  const char *data = ctk_buf_str(raw);
  const char *end_of_head = strstr(data, "\r\n\r\n");
  int status = 0;

  if(sscanf(data, "HTTP/1.%*c %d", &status) != 1)
    status = 0;
  a->status = status;
  if(!end_of_head)
    return;
  {
    size_t n = (size_t)(end_of_head - data);
    if(n >= sizeof(a->head))
      n = sizeof(a->head) - 1;
    memcpy(a->head, data, n);
    a->head[n] = '\0';
  }
  ctk_wire_header(a, "Content-Type", a->content_type, sizeof(a->content_type));
  end_of_head += 4;
  ctk_buf_add(&a->body, end_of_head, raw->len - (size_t)(end_of_head - data));
}

int ctk_wire_send(int port, const char *head, size_t head_len, const char *body, size_t body_len,
                  size_t pad_bytes, const char *tail, size_t tail_len, ctk_wire_answer *a)
{
  ctk_buf raw;
  char chunk[16384];
  int fd = ctk_test_connect(port, WIRE_TIMEOUT_S);
  int sent_all;

  a->status = 0;
  if(fd < 0)
    return -1;
  sent_all = wire_write(fd, head, head_len) == 0 &&
             (body_len == 0 || wire_write(fd, body, body_len) == 0) &&
             (pad_bytes == 0 || wire_pad(fd, pad_bytes) == 0) &&
             (tail_len == 0 || wire_write(fd, tail, tail_len) == 0);
  (void)sent_all; /* a server that refuses early closes its side; its answer may still be there */
  shutdown(fd, SHUT_WR);
  ctk_buf_init(&raw, WIRE_MAX_RESPONSE);
  for(;;) {
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if(n <= 0)
      break;
    if(ctk_buf_add(&raw, chunk, (size_t)n))
      break;
  }
  close(fd);
  wire_split(&raw, a);
  ctk_buf_free(&raw);
  if(a->status)
    ctk_wire_parse_answer(a);
  return a->status ? 0 : -1;
}

int ctk_wire_header(const ctk_wire_answer *a, const char *name, char *out, size_t outlen)
{
  size_t n = strlen(name);
  const char *line = strstr(a->head, "\r\n");

  for(; line; line = strstr(line + 2, "\r\n")) {
    const char *v = line + 2;
    if(!strncasecmp(v, name, n) && v[n] == ':') {
      const char *end = strstr(v, "\r\n");
      size_t len;
      v += n + 1;
      while(*v == ' ' || *v == '\t')
        v++;
      len = end ? (size_t)(end - v) : strlen(v);
      while(len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
      if(len >= outlen)
        len = outlen - 1;
      memcpy(out, v, len);
      out[len] = '\0';
      return 0;
    }
  }
  out[0] = '\0';
  return -1;
}

static xmlDocPtr wire_read_xml(const char *xml, size_t len)
{
  if(len == 0 || len > (size_t)0x7fffffff)
    return NULL;
  /* no DTD loading, no entity substitution, no network: answers may be hostile too */
  return xmlReadMemory(xml, (int)len, "answer.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static xmlNodePtr wire_find(xmlNodePtr n, const char *under, const char *local, int inside)
{
  for(; n; n = n->next) {
    xmlNodePtr hit;
    int here;
    if(n->type != XML_ELEMENT_NODE)
      continue;
    here = inside || !under || !strcmp((const char *)n->name, under);
    if(!strcmp((const char *)n->name, local) && (inside || !under))
      return n;
    hit = wire_find(n->children, under, local, here);
    if(hit)
      return hit;
  }
  return NULL;
}

static void wire_copy_text(xmlNodePtr n, char *out, size_t outlen)
{
  xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
  ctk_strlcpy(out, t ? (const char *)t : "", outlen);
  xmlFree(t);
}

void ctk_wire_xml_text(const char *xml, size_t len, const char *under, const char *local,
                       char *out, size_t outlen)
{
  xmlDocPtr doc = wire_read_xml(xml, len);
  out[0] = '\0';
  if(!doc)
    return;
  wire_copy_text(wire_find(xmlDocGetRootElement(doc), under, local, 0), out, outlen);
  xmlFreeDoc(doc);
}

/* The names answers are read in: the baseline's, or a profile's (ctk_wire_use_profile). */
static struct {
  const char *answer, *result, *code, *text, *where, *soap_part;
} wire_names = { "Answer", "Result", "Code", "Text", "Where", "answer" };

void ctk_wire_use_profile(const ctk_profile *p)
{
  if(!p) {
    wire_names.answer = "Answer";
    wire_names.result = "Result";
    wire_names.code = "Code";
    wire_names.text = "Text";
    wire_names.where = "Where";
    wire_names.soap_part = "answer";
    return;
  }
  wire_names.answer = ctk_el(p, CTK_EL_ANSWER);
  wire_names.result = ctk_el(p, CTK_EL_RESULT);
  wire_names.code = ctk_el(p, CTK_EL_RESULT_CODE);
  wire_names.text = ctk_el(p, CTK_EL_RESULT_TEXT);
  wire_names.where = ctk_el(p, CTK_EL_RESULT_WHERE);
  wire_names.soap_part = ctk_el(p, CTK_EL_SOAP_RESPONSE_PART);
}

void ctk_wire_parse_answer(ctk_wire_answer *a)
{
  xmlDocPtr doc = wire_read_xml(ctk_buf_str(&a->body), a->body.len);
  xmlNodePtr root;
  xmlDocPtr inner = NULL;

  a->has_answer = 0;
  a->is_fault = 0;
  a->code[0] = a->text[0] = a->where[0] = '\0';
  if(!doc)
    return;
  root = xmlDocGetRootElement(doc);
  if(root && !strcmp((const char *)root->name, "Envelope")) {
    xmlNodePtr carrier;
    if(wire_find(root, NULL, "Fault", 0))
      a->is_fault = 1;
    /* the SOAP binding carries the Answer as text of ex:answer (or as child elements) */
    carrier = wire_find(root, NULL, wire_names.soap_part, 0);
    if(carrier && wire_find(carrier->children, NULL, wire_names.answer, 0))
      root = wire_find(carrier->children, NULL, wire_names.answer, 0);
    else if(carrier) {
      xmlChar *t = xmlNodeGetContent(carrier);
      if(t)
        inner = wire_read_xml((const char *)t, strlen((const char *)t));
      xmlFree(t);
      root = inner ? xmlDocGetRootElement(inner) : NULL;
    }
  }
  if(root) {
    xmlNodePtr code = wire_find(root, wire_names.result, wire_names.code, 0);
    if(code) {
      a->has_answer = 1;
      wire_copy_text(code, a->code, sizeof(a->code));
      wire_copy_text(wire_find(root, wire_names.result, wire_names.text, 0), a->text,
                     sizeof(a->text));
      wire_copy_text(wire_find(root, wire_names.result, wire_names.where, 0), a->where,
                     sizeof(a->where));
    }
  }
  if(inner)
    xmlFreeDoc(inner);
  xmlFreeDoc(doc);
}
