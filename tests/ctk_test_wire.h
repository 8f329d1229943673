/* ctk_test_wire: raw HTTP requests over a loopback socket and answers read back as result
 * codes, for the tests that must send what a well-behaved client never would. */
#ifndef CTK_TEST_WIRE_H
#define CTK_TEST_WIRE_H

#include <stddef.h>

#include "ctk_buf.h"

/* What came back: HTTP status (0 = the connection closed without an answer) and, when the
 * body is an Answer (plain, or inside a SOAP response), its Result fields. */
typedef struct ctk_wire_answer {
  int status;
  int has_answer;              /* an Answer with a Result/Code was found */
  int is_fault;                /* the body is a SOAP Fault */
  char code[32];
  char text[512];
  char where[512];
  char content_type[128];      /* the response's Content-Type, "" if none */
  char head[4096];             /* status line and headers as received, cut at 4095 bytes */
  ctk_buf body;                /* raw response body */
} ctk_wire_answer;

void ctk_wire_answer_init(ctk_wire_answer *a);
void ctk_wire_answer_free(ctk_wire_answer *a);

/* Send head (request line and headers, CRLF-terminated, with the final empty line) and then
 * body, then pad_bytes spaces and tail: so a 100 MB body never has to be in memory. Reads the
 * whole response (the request must say Connection: close). Fills a; returns 0 when a status
 * line came back, -1 when not (connect failed, or closed without answer: a->status = 0). */
int ctk_wire_send(int port, const char *head, size_t head_len, const char *body, size_t body_len,
                  size_t pad_bytes, const char *tail, size_t tail_len, ctk_wire_answer *a);

/* Value of response header name (case-insensitive) into out; 0 when found, -1 when not. */
int ctk_wire_header(const ctk_wire_answer *a, const char *name, char *out, size_t outlen);

/* Read answers in the names of profile p from now on (NULL: the baseline's). */
struct ctk_profile;
void ctk_wire_use_profile(const struct ctk_profile *p);

/* Find the Answer's Result in an XML response body (plain, or SOAP carrying it as text). */
void ctk_wire_parse_answer(ctk_wire_answer *a);

/* "Basic base64(user:pass)" into out. */
void ctk_wire_basic_auth(const char *user, const char *pass, char *out, size_t outlen);

/* Text of the first element named local (any namespace) under the element named under
 * (NULL = anywhere) in an XML document; "" when absent. Parses with no DTD, no network. */
void ctk_wire_xml_text(const char *xml, size_t len, const char *under, const char *local,
                       char *out, size_t outlen);

#endif
