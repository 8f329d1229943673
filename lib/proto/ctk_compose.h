/* ctk_compose: builds message elements in the order of the profile's schemas, from values keyed
 * by element role (or name); a mandatory value nobody gives comes from the profile's sources. */
#ifndef CTK_COMPOSE_H
#define CTK_COMPOSE_H

#include <libxml/tree.h>
#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_msg.h"
#include "ctk_profile.h"
#include "ctk_validate.h"

/* ---------- values ----------
 * A bag of values for one element's descendants, keyed by element role or local name. A key
 * holds a text (a leaf's value), a nested bag (the values of one child with children), a list
 * of bags (one per occurrence of a repeated element), or "omit". While composing, a leaf is
 * looked up in the bag of its nearest ancestor that has one, then outwards: the values of a
 * work order can sit next to those of the transfer that carries it, while Sender and Receiver
 * get a bag each. The bag of a list item is a world of its own (no lookup outwards). */
typedef struct ctk_values ctk_values;

/* A new, empty bag; role keys are resolved with p. NULL when out of memory. */
ctk_values *ctk_values_new(const ctk_profile *p);
void ctk_values_free(ctk_values *v);
/* Set a leaf's value (copied); setting a key again replaces it. CTK_E_NOTFOUND when the
 * profile maps no element to r (an optional interface it lacks). */
ctk_code ctk_values_set(ctk_values *v, ctk_element_role r, const char *text);
ctk_code ctk_values_set_name(ctk_values *v, const char *element, const char *text);
/* Leave the element out, even a mandatory one (test messages with one element missing). */
ctk_code ctk_values_omit(ctk_values *v, ctk_element_role r);
ctk_code ctk_values_omit_name(ctk_values *v, const char *element);
/* The bag of the child element (made on first use); NULL when out of memory or unmapped. */
ctk_values *ctk_values_sub(ctk_values *v, ctk_element_role r);
ctk_values *ctk_values_sub_name(ctk_values *v, const char *element);
/* One more occurrence of a repeated element, with its own bag; NULL when out of memory or
 * unmapped. Items are written in the order they were added. */
ctk_values *ctk_values_item(ctk_values *v, ctk_element_role r);
ctk_values *ctk_values_item_name(ctk_values *v, const char *element);
/* The values of a head (ctk_msg.h): message id, interface code, sender and receiver (region
 * and the profile's code of their level), send time, profile version; the correlation id when
 * it is not empty (answers). */
ctk_code ctk_values_head(ctk_values *v, const ctk_head *h);

/* ---------- composing ----------
 * Every element is written in schema order, in the profile's namespace. An optional leaf is
 * written when it has a value; a mandatory one takes the value given, else the profile's
 * source (roles.xml), else composing fails: "no value for PARENT/ELEMENT ...". An element with
 * children is written when mandatory, or when the bag gives it a bag or a list inside it.
 * A choice (xs:choice, a substitution group such as a Body's content) takes the alternative
 * the bag has a key for. On failure err says what is missing or wrong, naming the element and
 * its parent. */

/* A new document whose root is the global element name. */
ctk_code ctk_compose_document(const ctk_profile *p, const char *name, const ctk_values *v,
                              xmlDocPtr *out, char *err, size_t errlen);
/* The element name (declared in parent's content, else found by ctk_schema_model_find) as the
 * last child of parent. */
ctk_code ctk_compose_element(const ctk_profile *p, xmlNodePtr parent, const char *name,
                             const ctk_values *v, xmlNodePtr *out, char *err, size_t errlen);
/* Compose the body element of message m (made by ctk_msg_new_request or _answer, whose body
 * element is still empty) from v, in schema order, in place of the empty one. On failure m is
 * unchanged and err names what is missing. */
ctk_code ctk_compose_msg_body(const ctk_profile *p, ctk_msg *m, const ctk_values *v, char *err,
                              size_t errlen);
/* A request document: the message role's root, the head from h, and the body element of h's
 * interface from body (NULL: only what sources give). */
ctk_code ctk_compose_request(const ctk_profile *p, const ctk_head *h, const ctk_values *body,
                             xmlDocPtr *out, char *err, size_t errlen);
/* An answer document: head from h (its correl_id the request's message id), the result from
 * o, and the interface's answer element from body when body is not NULL. */
ctk_code ctk_compose_answer(const ctk_profile *p, const ctk_head *h, const ctk_outcome *o,
                            const ctk_values *body, xmlDocPtr *out, char *err, size_t errlen);

/* The body element of a composed message: the element inside its body-role element. */
xmlNodePtr ctk_compose_body(const ctk_profile *p, xmlDocPtr doc);
/* Validate a composed document (ctk_validate_msg) as the message whose head is h, an answer
 * carrying o when o is not NULL. CTK_E_OK when valid, else CTK_E_INVALID with the problems. */
ctk_code ctk_compose_check(const ctk_profile *p, xmlDocPtr doc, const ctk_head *h,
                           const ctk_outcome *o, ctk_problems *out);

/* doc on the wire: plain XML, or inside the SOAP 1.1 envelope of the profile's binding (the
 * operation and part elements of the roles soap-request(-part), soap-response(-part)), as
 * text in CDATA; in encoding e. */
ctk_code ctk_compose_encode(const ctk_profile *p, xmlDocPtr doc, int is_answer, ctk_binding b,
                            ctk_encoding e, ctk_buf *out);

/* ---------- sources ---------- */

/* Schema order for documents built another way than by composing (the engine's heads, results,
 * history events, statistics; translated test material): ctk_compose_in_order says whether
 * every element under root has its children in the order of p's schemas; ctk_compose_conform
 * makes it so (children of unknown names keep their place after the known ones); a root that
 * is no global element of p's schemas is left alone. Nothing is added or taken away: a
 * message missing a field on purpose stays without it. */
int ctk_compose_in_order(const ctk_profile *p, const xmlNode *root);
void ctk_compose_conform(const ctk_profile *p, xmlNodePtr root);
/* The same, with fn called on every element the model knows before its children are put in
 * order (with the element's content model): what a caller changes there (renames children,
 * drops some, adds some) is then put in order too. Always walks, in order or not. */
struct ctk_sm_content;
typedef void (*ctk_compose_visit_fn)(void *ctx, xmlNodePtr e, const struct ctk_sm_content *c);
void ctk_compose_conform_visit(const ctk_profile *p, xmlNodePtr root, ctk_compose_visit_fn fn,
                               void *ctx);
/* Add to e the mandatory leaves content c has and e lacks, where a roles.xml <source> of p
 * gives their value. */
void ctk_compose_fill_content(const ctk_profile *p, xmlNodePtr e, const struct ctk_sm_content *c);
/* Add to e the mandatory leaves its declaration in p's schemas (the first one of its name) has
 * and it lacks, where a roles.xml <source> gives their value: the fields of a profile that no
 * role names, in a part of a message the engine builds itself (the head). */
void ctk_compose_fill_sources(const ctk_profile *p, xmlNodePtr e);

/* The value a source gives now (constant, time, fresh id, code value). */
ctk_code ctk_compose_source_value(const ctk_profile *p, const ctk_source *s, char *out,
                                  size_t outlen);
/* Check a generated source's template: text with {now:STRFTIME}, {seq:N} (a counter of N
 * digits) and {rand:N} (N random hex digits). 0 when fine, else -1 with why. */
int ctk_compose_template_check(const char *tpl, char *why, size_t whylen);
/* Expand a template (checked) into out; the value of a generated source. */
ctk_code ctk_compose_template(const char *tpl, char *out, size_t outlen);

#endif
