/* ctk_msg_tpl: an answer of one outcome, binding and encoding, encoded once by ctk_msg with a
 * mark in place of each head value, then written for each request without building a document. */
#ifndef CTK_MSG_TPL_H
#define CTK_MSG_TPL_H

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_msg.h"
#include "ctk_profile.h"

typedef struct ctk_msg_tpl ctk_msg_tpl;

/* Encode the answer with outcome o in binding b and encoding e once, each head value replaced
 * by a mark, and remember where the marks are. CTK_E_PARSE when a mark does not come out of
 * the encoder exactly once, as it is (then there is no template: use ctk_msg_encode). */
ctk_code ctk_msg_tpl_answer(const ctk_profile *p, const ctk_outcome *o, ctk_binding b,
                            ctk_encoding e, ctk_msg_tpl **out);

/* Append the answer with head h: the same bytes ctk_msg_encode writes for the answer that
 * ctk_msg_new_answer_head(h, o) builds. CTK_E_INVAL, with nothing appended, when a value of h
 * cannot be carried as it is: empty, or not printable ASCII free of & < > " ' (the encoder
 * would escape or convert it); the caller then builds and encodes the answer. */
ctk_code ctk_msg_tpl_fill(const ctk_msg_tpl *t, const ctk_head *h, ctk_buf *out);

void ctk_msg_tpl_free(ctk_msg_tpl *t);

#endif
