/* ctk_msg: build, encode and decode 12328 exchange messages (envelope head + business body)
 * in either binding (plain XML over HTTP POST, or SOAP 1.1 carrying it) and either encoding. */
#ifndef CTK_MSG_H
#define CTK_MSG_H

#include <libxml/tree.h>
#include <stddef.h>
#include <time.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_profile.h"

typedef enum { CTK_BIND_XML = 0, CTK_BIND_SOAP = 1 } ctk_binding;
typedef enum { CTK_ENC_UTF8 = 0, CTK_ENC_GBK = 1 } ctk_encoding;

const char *ctk_binding_name(ctk_binding b);   /* "xml", "soap" */
struct ctk_profile;
/* The binding whose profile path (profile.xml <bindings>) path ends with, a whole segment
 * ("/city/360100" + the path is the city simulator's); -1 when neither. */
int ctk_binding_of_path(const struct ctk_profile *p, const char *path);
/* The profile's path of binding b. */
const char *ctk_binding_path(const struct ctk_profile *p, ctk_binding b);
int ctk_binding_parse(const char *s);          /* -1 if unknown */
const char *ctk_encoding_name(ctk_encoding e); /* "UTF-8", "GBK" */
int ctk_encoding_parse(const char *s);         /* accepts utf-8/utf8/gbk, any case; -1 if unknown */

typedef struct ctk_node {
  char region[8];              /* 6-digit GB/T 2260 code; "100000" is the ministry */
  ctk_level level;
} ctk_node;

#define CTK_MSGID_MAX 65

typedef struct ctk_head {
  char msg_id[CTK_MSGID_MAX];
  char interface_code[CTK_ID_MAX];
  ctk_node sender;
  ctk_node receiver;
  char send_time[40];          /* xs:dateTime with offset */
  char profile_version[CTK_ID_MAX];
  char correl_id[CTK_MSGID_MAX]; /* answers only: the request's MsgId */
} ctk_head;

/* The outcome carried by an answer; also what validation reports for one problem. */
typedef struct ctk_outcome {
  char code[CTK_ID_MAX];       /* wire result code, e.g. "0000" */
  char text[256];              /* reason, for people */
  char where[256];             /* XPath of the offending node, or field name; "" if none */
  char requirement[CTK_ID_MAX]; /* requirement ID the rule comes from; "" if none */
} ctk_outcome;

typedef struct ctk_msg {
  const ctk_profile *profile;  /* whose names the document uses */
  int is_answer;
  ctk_head head;
  ctk_outcome outcome;         /* answers only */
  xmlDocPtr doc;               /* the whole business document, in memory as UTF-8 */
  xmlNodePtr body;             /* the body element (child of Body), or NULL */
  ctk_binding binding;         /* decoded messages: the binding they came in */
  ctk_encoding encoding;       /* decoded messages: the encoding they declared */
} ctk_msg;

/* A new request: head filled (fresh MsgId, now as SendTime, profile version) and an empty body
 * element named after the interface's request element. Add fields with ctk_xml_add(). */
ctk_code ctk_msg_new_request(const ctk_profile *p, const char *interface_code,
                             const ctk_node *sender, const ctk_node *receiver, ctk_msg **out);
/* The head of a new request: a fresh MsgId of sender, now as SendTime, the profile version. */
void ctk_msg_request_head(const ctk_profile *p, const char *interface_code,
                          const ctk_node *sender, const ctk_node *receiver, ctk_head *out);
/* A request whose head is h exactly (ctk_msg_new_request is this after ctk_msg_request_head). */
ctk_code ctk_msg_new_request_head(const ctk_profile *p, const ctk_head *h, ctk_msg **out);
/* An answer to req with the given outcome; body element (the interface's answer element) is
 * created only when with_body is set. */
ctk_code ctk_msg_new_answer(const ctk_profile *p, const ctk_msg *req, const ctk_outcome *outcome,
                            int with_body, ctk_msg **out);
/* The same from a request head alone, for answering a request that could not be decoded
 * completely (fill what is known: msg_id, interface_code, sender, receiver). */
ctk_code ctk_msg_new_answer_to(const ctk_profile *p, const ctk_head *req_head,
                               const ctk_outcome *outcome, int with_body, ctk_msg **out);
/* The head of the answer to req_head: a fresh MsgId of the answering node, now as SendTime,
 * sender and receiver swapped, the request's MsgId as CorrelId. */
void ctk_msg_answer_head(const ctk_profile *p, const ctk_head *req_head, ctk_head *out);
/* An answer whose head is h exactly (ctk_msg_new_answer_to is this after ctk_msg_answer_head). */
ctk_code ctk_msg_new_answer_head(const ctk_profile *p, const ctk_head *h,
                                 const ctk_outcome *outcome, int with_body, ctk_msg **out);
void ctk_msg_free(ctk_msg *m);

/* Fresh message id: sender region + UTC time + process-wide counter + random, unique per run. */
void ctk_msg_make_id(const char *region, char out[CTK_MSGID_MAX]);
/* Put scope (its first 8 letters and digits) into every id ctk_msg_make_id makes from now on,
 * after the time: `ctk run` puts its run tag there, so each run's MsgIds are its own. Call it
 * before threads make ids. */
void ctk_msg_id_scope(const char *scope);
/* Now as xs:dateTime with +08:00 offset (Beijing time). */
void ctk_msg_now(char *out, size_t outlen);
/* Now in the profile's datetime format (roles.xml), Beijing time: what messages carry. */
void ctk_profile_now(const ctk_profile *p, char *out, size_t outlen);
/* t as the profile writes times (Beijing time); "" when it does not fit. */
void ctk_profile_time_format(const ctk_profile *p, time_t t, char *out, size_t outlen);
/* A time as a message carries it: the profile's datetime format (read as Beijing time), or
 * xs:dateTime with an offset. CTK_E_PARSE when it is neither. */
ctk_code ctk_profile_time_parse(const ctk_profile *p, const char *text, time_t *out);
/* The Beijing day "YYYY-MM-DD" of such a time (what the store keeps for days and deadlines);
 * "" when text is not a time. */
void ctk_profile_day(const ctk_profile *p, const char *text, char out[11]);

/* Encode to bytes for the wire in binding b and encoding e. */
ctk_code ctk_msg_encode(const ctk_profile *p, const ctk_msg *m, ctk_binding b, ctk_encoding e,
                        ctk_buf *out);

/* Take doc, a Message or an Answer of p's names (one ctk_compose built), into a new message
 * that owns it: head and outcome read from it. On failure doc is freed, *out is NULL and why
 * says what is wrong with the document element. */
ctk_code ctk_msg_adopt(const ctk_profile *p, xmlDocPtr doc, ctk_msg **out, ctk_outcome *why);

/* The XPath of a head field in the profile's names: "/Message/Head/MsgId" in the baseline for
 * CTK_EL_MSG_ID; with sub (not CTK_EL__COUNT) one level deeper ("/.../Sender/Level"). */
void ctk_msg_head_path(const ctk_profile *p, ctk_element_role field, ctk_element_role sub,
                       char *out, size_t outlen);

/* Decode bytes from the wire. Safe parsing: no network, no DTD, no entities, size and depth
 * limits of the profile. On failure *out is NULL and why says the result code (MALFORMED,
 * TOO_LARGE, FORBIDDEN, ENCODING...), reason and where. Decoding does not validate the schema. */
ctk_code ctk_msg_decode(const ctk_profile *p, const char *data, size_t len, ctk_binding b,
                        ctk_msg **out, ctk_outcome *why);

/* The SOAP 1.1 faultcode (SOAP 1.1 4.4.1, without prefix) for a SOAP decode failure why:
 * "VersionMismatch" when the Envelope is not SOAP 1.1's, "MustUnderstand" when a header block
 * meant for us must be understood (we understand none), else "Client". */
const char *ctk_msg_soap_faultcode(const ctk_outcome *why);

/* SHA-256 (64 hex digits) of the message's content without its SendTime: element names with
 * their namespace, attributes, and the text of each element, CDATA read as text, comments and
 * indentation between elements left out. Two sends of the same message digest the same
 * whatever the binding, encoding, formatting or send time; any change of a value changes it.
 * Used for idempotency (a repeated MsgId must carry the same content). */
ctk_code ctk_msg_digest(const ctk_msg *m, char out[65]);

/* Convenience accessors on the body (paths are '/'-separated child element names relative to
 * the body element, e.g. "WorkOrder/OrderId"; a leading '/' starts at the document element
 * instead, e.g. "/Head/MsgId"). Return NULL when absent, "" when empty. The returned string
 * is owned by the message and valid until it is freed. */
const char *ctk_msg_get(const ctk_msg *m, const char *path);
/* Add <name>text</name> as the last child of parent (in the profile namespace); returns it. */
xmlNodePtr ctk_xml_add(xmlNodePtr parent, const char *name, const char *text);
/* The fields of a work order (the element of role CTK_EL_WORK_ORDER).
 * Optional fields that are NULL or "" are left out. */
typedef struct ctk_workorder_fields {
  const char *order_id;
  const char *accept_time;
  const char *accept_region;
  const char *handle_region;
  const char *channel;
  const char *business_type;
  const char *domain;
  const char *phone;
  const char *caller_name;     /* optional */
  const char *subject;
  const char *content;
  const char *call_id;         /* optional */
  const char *status;
  int instant_answer;
  const char *deadline;        /* optional */
} ctk_workorder_fields;
/* Add <WorkOrder> with f's fields, in schema order, as the last child of parent; returns it
 * (Attachments, which come last, can be added to it). */
xmlNodePtr ctk_msg_add_workorder(xmlNodePtr parent, const ctk_workorder_fields *f);
/* The profile whose names the document of node uses (a message's document remembers it in
 * libxml2's _private field); NULL for a document no ctk_msg made. */
const ctk_profile *ctk_xml_profile(const xmlNode *node);

/* Append element e to out as plain XML: names without prefix or namespace, element content
 * only (attributes, comments and indentation between elements left out), each leaf's text
 * with &, <, > and CR escaped, a leaf with no text as <Name></Name>. The same bytes libxml2
 * writes for such a tree, without building one. */
ctk_code ctk_xml_dump_plain(const xmlNode *e, ctk_buf *out);
/* Copy the element children of src under dst as a forward carries them: elements, and each
 * leaf's text (CDATA as text); attributes, comments and indentation left out, so two copies
 * of the same content serialise the same, as ctk_xml_dump_plain writes src. */
void ctk_xml_copy_elements(xmlNodePtr dst, const xmlNode *src);
/* First child element of parent named name (any namespace); NULL if none. */
xmlNodePtr ctk_xml_child(xmlNodePtr parent, const char *name);

/* Set an outcome from the profile's symbolic result name. */
void ctk_outcome_set(ctk_outcome *o, const ctk_profile *p, const char *result_name,
                     const char *where, const char *requirement, const char *fmt, ...)
  __attribute__((format(printf, 6, 7)));

#endif
