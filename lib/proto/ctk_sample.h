/* ctk_sample: sample values of a profile, chosen by role (its code lists, its level and state
 * codes, its datetime format): what generated fixtures and test messages are made of. */
#ifndef CTK_SAMPLE_H
#define CTK_SAMPLE_H

#include <stddef.h>

#include "ctk_compose.h"
#include "ctk_msg.h"
#include "ctk_profile.h"

/* The nodes samples travel between (GB/T 2260 region codes, not profile values). */
void ctk_sample_node(ctk_level level, ctk_node *out);

/* A fixed instant (2026-11-29 09:15 Beijing) plus minutes, in the profile's datetime format,
 * so that generated files are the same on every run. */
void ctk_sample_time(const ctk_profile *p, long minutes, char *out, size_t outlen);

/* The head of a sample request of interface in: adjacent levels in a direction the interface
 * may travel (up when it may), message id made from the sender's region and seq. */
void ctk_sample_head(const ctk_profile *p, const ctk_interface *in, unsigned seq,
                     ctk_head *out);

/* The head of the answer to req: the nodes swapped, a message id of the answering node made
 * with seq, req's message id as correlation id. */
void ctk_sample_answer_head(const ctk_profile *p, const ctk_head *req, unsigned seq,
                            ctk_head *out);

/* One bag with a sample value for every element role a body can hold: the work order (with
 * one attachment), the process fields, statistics (two indicators), one knowledge item, one
 * history event, the link check. The composer takes from it what each body needs. */
ctk_code ctk_sample_body(const ctk_profile *p, ctk_values *v);

#endif
