/* ctk_ct_req: the requirement a conformance test reports when a check fails: one its registry
 * entry declares, or the one the profile puts behind the check (rule, interface, step, code). */
#ifndef CTK_CT_REQ_H
#define CTK_CT_REQ_H

#include <stddef.h>

#include "ctk_ct.h"

/* The n-th (from 0) requirement of the test's registry entry (.requirements): what a test
 * reports for a check that is its own topic. The first one when the list is shorter. */
const char *ctk_ct_req(ctk_ct *t, size_t n);

/* The requirement behind one of the engine's checks (catalog.xml <rules>: "state",
 * "ownership", "schema"...): what a refusal of that check names. */
const char *ctk_ct_rule(const ctk_ct *t, const char *rule);
/* The interface's own requirement: the first of its catalog entry's requirements. */
const char *ctk_ct_iface_req(const ctk_ct *t, ctk_interface_role r);
/* The requirement of the interface's process step (its transition in process.xml); the
 * interface's own when it changes no order. */
const char *ctk_ct_step_req(const ctk_ct *t, ctk_interface_role r);
/* The requirement of the code set the element of role r takes its values from. */
const char *ctk_ct_code_req(const ctk_ct *t, ctk_element_role r);
/* The requirement of the format the element of role r must match (formats.csv). */
const char *ctk_ct_format_req(const ctk_ct *t, ctk_element_role r);
/* Does value match the profile's format of the element of role r? 1 yes, 0 no, -1 when the
 * profile gives the element no format. */
int ctk_ct_format_match(const ctk_ct *t, ctk_element_role r, const char *value);

#endif
