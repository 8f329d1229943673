/* ctk_msg_tpl: a message encoded once by ctk_msg with a mark in place of each head value (and
 * of the body, for a request), then written for each exchange without building a document. */
#ifndef CTK_MSG_TPL_H
#define CTK_MSG_TPL_H

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_msg.h"
#include "ctk_profile.h"

typedef struct ctk_msg_tpl ctk_msg_tpl;

/* The answer with outcome o in binding b and encoding e. CTK_E_PARSE when a mark does not come
 * out of the encoder exactly once, as it is (then there is no template: use ctk_msg_encode). */
ctk_code ctk_msg_tpl_answer(const ctk_profile *p, const ctk_outcome *o, ctk_binding b,
                            ctk_encoding e, ctk_msg_tpl **out);

/* A request of interface_code in binding b, UTF-8 (a forward: its body is written from the
 * received one as it is, and only UTF-8 carries every character of it unchanged). */
ctk_code ctk_msg_tpl_request(const ctk_profile *p, const char *interface_code, ctk_binding b,
                             ctk_msg_tpl **out);

/* Append the message with head h (and, for a request, body element body, as
 * ctk_xml_copy_elements would copy it): the same bytes ctk_msg_encode writes for the message
 * ctk_msg_new_answer_head or ctk_msg_new_request_head builds with h. CTK_E_INVAL, with nothing
 * appended, when a value of h cannot be carried as it is (empty, or not printable ASCII free
 * of & < > " ': the encoder would escape or convert it), or when the body would end the SOAP
 * binding's CDATA section; the caller then builds and encodes the message. */
ctk_code ctk_msg_tpl_fill(const ctk_msg_tpl *t, const ctk_head *h, const xmlNode *body,
                          ctk_buf *out);

void ctk_msg_tpl_free(ctk_msg_tpl *t);

#endif
